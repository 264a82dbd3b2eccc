// Pithos' partial updates (`POST /{container}/{object}?update` with `Content-Range`): append
// (`bytes */*`), overwrite a range (`bytes A-B/*`), write data taken from another object
// (`X-Source-Object`), and truncate (`X-Object-Bytes`). The result is a new version made of
// the old one's blocks, reused by hash, and of the few blocks the change touches, which are
// stored through an upload like any other (quota reserved first, nothing left on failure).
import { BLOCK_SIZE, blockCount } from '@oceanos/contract';
import { badRequest } from '../http/errors.ts';
import { cut } from './reader.ts';
import type { ObjectView, PithosService } from './service.ts';
import { swiftError } from './swift-answers.ts';
import type { Committed, ObjectPath } from './writer.ts';
import type { Metadata } from './names.ts';

/** A parsed `Content-Range`: offset null is the end (append), length null all the data. */
export interface ContentRange { offset: number | null; length: number | null; total: number | null }

const unsatisfiable = (message: string) => swiftError(416, message);

/** Pithos' `get_content_range`: `bytes A-B/T`, `bytes A-/T`, `A-B/*` or `bytes *\/*`. */
export function parseContentRange(value: string): ContentRange {
  if (value.trim() === 'bytes */*') return { offset: null, length: null, total: null };
  const m = /^bytes (\d+)-(\d*)\/(\d+|\*)$/.exec(value.trim());
  if (!m) throw unsatisfiable('Invalid Content-Range header');
  const offset = Number(m[1]);
  const upto = m[2] === '' ? null : Number(m[2]);
  const total = m[3] === '*' ? null : Number(m[3]);
  if (![offset, upto ?? 0, total ?? 0].every(Number.isSafeInteger)) throw unsatisfiable('Invalid Content-Range header');
  if ((upto !== null && offset > upto) || (total !== null && offset >= total) || (total !== null && upto !== null && upto >= total)) {
    throw unsatisfiable('Invalid Content-Range header');
  }
  return { offset, length: upto === null ? null : upto - offset + 1, total };
}

/** Where the new bytes come from: the request body, another object, or nowhere (a truncation). */
export type UpdateData =
  | { kind: 'body'; chunks: AsyncIterable<Buffer>; declared: number | null }
  | { kind: 'source'; path: ObjectPath; version?: number }
  | { kind: 'none' };

export interface RangeUpdate { range: ContentRange | null; truncate: number | null; data: UpdateData; metadata: Metadata }

/**
 * Applies a partial update to the current version of `path` as `caller` (who must be allowed
 * to write it, and to read a source object) and commits the result as a new version. Fails
 * with 409 if the object changed meanwhile; on any failure nothing is stored or charged.
 */
export async function updateRange(pithos: PithosService, caller: string, path: ObjectPath, update: RangeUpdate): Promise<Committed> {
  await pithos.checkWrite(caller, path);
  // The source first: what the caller may not read answers the same whatever else is wrong.
  const source = update.data.kind === 'source' ? await pithos.objectInfo(caller, update.data.path, update.data.version) : null;
  const old = await pithos.objectInfo(caller, path);
  if (old.manifest) throw badRequest('A large object cannot be updated in part: update its segments');

  const size = old.size;
  const range = update.range ?? { offset: null, length: null, total: null };
  let length: number;
  if (update.data.kind === 'source') {
    length = range.length ?? source!.size;
    if (length > source!.size) throw unsatisfiable('The range is longer than the source object');
  } else if (update.data.kind === 'body') {
    const declared = update.data.declared;
    if (range.length !== null && declared !== null && declared !== range.length) throw badRequest('Content length does not match range length');
    if (range.length === null && declared === null) throw swiftError(411, 'Length Required: a chunked body needs a range with an end');
    length = range.length ?? declared!;
  } else {
    length = 0;
  }
  const offset = range.offset ?? size;
  if (offset > size) throw unsatisfiable('Supplied offset is beyond object limits');
  if (range.total !== null && (range.total !== size || offset >= size || (length > 0 && offset + length > size))) {
    throw unsatisfiable('Supplied range will change provided object limits');
  }
  const grown = Math.max(size, offset + length);
  const finalSize = update.truncate !== null && update.truncate < grown ? update.truncate : grown;

  // The blocks to store anew: those the data touches, and a last block that a cut shortens.
  let start = finalSize - (finalSize % BLOCK_SIZE);
  let end = finalSize;
  if (length > 0 && offset < finalSize) {
    start = offset - (offset % BLOCK_SIZE);
    end = Math.min(finalSize, Math.ceil((offset + length) / BLOCK_SIZE) * BLOCK_SIZE);
    if (finalSize < grown && finalSize % BLOCK_SIZE !== 0) end = finalSize;
  } else if (!(finalSize < size && finalSize % BLOCK_SIZE !== 0)) {
    start = end = finalSize - (finalSize % BLOCK_SIZE);
  }

  const data = dataStream(pithos, update.data, source, length);
  const upload = await pithos.writer.begin(path, end - start);
  let stored: string[] = [];
  try {
    if (end > start) {
      const written = await pithos.writer.storeStream(region(pithos, old, data, { start, end, offset, length }), upload);
      if (written.size !== end - start) throw badRequest('The body is shorter than its range');
      stored = written.hashes;
    } else {
      for await (const _ of data) { /* a body the cut throws away is still read whole */ }
    }
  } catch (error) {
    await pithos.writer.abandon(upload);
    throw error;
  }
  const first = start / BLOCK_SIZE;
  const hashes = end > start
    ? [...old.hashes.slice(0, first), ...stored, ...old.hashes.slice(Math.ceil(end / BLOCK_SIZE), blockCount(finalSize))]
    : old.hashes.slice(0, blockCount(finalSize));
  const committed = await pithos.writer.commit(path, {
    size: finalSize, hashes, md5: null, contentType: old.contentType, metadata: { ...old.metadata, ...update.metadata }, manifest: null,
  }, { modifiedBy: caller, upload, expectSerial: old.serial });
  pithos.fillMd5Later(path.account, committed.serial);
  return committed;
}

/** The new data, exactly `length` bytes (a body with more or fewer is refused). */
async function* dataStream(pithos: PithosService, data: UpdateData, source: ObjectView | null, length: number): AsyncGenerator<Buffer> {
  if (data.kind === 'source') {
    yield* pithos.reader.read(cut(source!.slices, 0, length));
    return;
  }
  if (data.kind !== 'body') return;
  let seen = 0;
  for await (const chunk of data.chunks) {
    seen += chunk.length;
    if (seen > length) throw badRequest('The body is longer than its range');
    yield chunk;
  }
  if (seen < length) throw badRequest('The body is shorter than its range');
}

/** The bytes [start, end) of the new version: old bytes around the data, the data in between. */
async function* region(pithos: PithosService, old: ObjectView, data: AsyncGenerator<Buffer>, at: { start: number; end: number; offset: number; length: number }) {
  const before = Math.min(at.offset, at.end);
  if (before > at.start) yield* pithos.reader.read(cut(old.slices, at.start, before));
  let left = Math.max(0, Math.min(at.length, at.end - at.offset));
  for await (const chunk of data) {
    if (left > 0) yield chunk.length <= left ? chunk : chunk.subarray(0, left);
    left -= Math.min(left, chunk.length);
  }
  const after = Math.max(at.start, at.offset + at.length);
  const until = Math.min(at.end, old.size);
  if (until > after) yield* pithos.reader.read(cut(old.slices, after, until));
}

/** The X-Object-Bytes header: a size to cut the object to. */
export function parseObjectBytes(value: string | undefined): number | null {
  if (value === undefined) return null;
  const bytes = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(bytes)) throw badRequest('Invalid X-Object-Bytes header');
  return bytes;
}

