// Downloading an object into a file: stream into `<file>.part`, check every block against the
// server's hashmap, then rename into place, so that a file under the final name is always
// whole. With `resume`, the blocks of an earlier partial file that match are kept and only
// the rest is fetched with a Range request.
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { blockHashAsync, splitBlocks } from '@oceanos/contract/pithos-hashing';
import { ApiError } from './api-error.ts';
import { hashFile } from './file-hasher.ts';
import type { StorageApi } from './storage-api.ts';
import type { ObjectHashmap } from './storage-types.ts';
import { receive, TransferError, type ProgressCallback } from './transfer.ts';

export interface DownloadOptions {
  /** Continue `<file>.part`, or else `<file>` itself, keeping the blocks that match. */
  resume?: boolean;
  version?: string;
  onProgress?: ProgressCallback;
  /** Gives up when no data arrives for this long (60 s by default); the part file stays for `resume`. */
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  container: string;
  name: string;
  path: string;
  bytes: number;
  /** Bytes that came over the wire. */
  bytesReceived: number;
  /** Bytes kept from the partial file (0 without resume). */
  resumedFrom: number;
}

export const partPath = (localPath: string) => `${localPath}.part`;

/** Throws ApiError for the server's refusals and TransferError if the result does not verify (then no file is left). */
export async function downloadFile(storage: StorageApi, container: string, name: string, localPath: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const { onProgress, version } = options;
  // Large objects (Swift manifests) have no hashmap of their own: those are checked by size only.
  const map = await storage.hashmap(container, name, { version }).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 400) return undefined;
    throw error;
  });
  const bytes = map?.bytes ?? (await storage.objectInfo(container, name, { version })).bytes;
  const part = partPath(localPath);
  let start = 0;
  if (options.resume) {
    if (!(await exists(part)) && (await exists(localPath))) await rename(localPath, part);
    start = map ? await keepMatchingBlocks(part, map) : Math.min(bytes, await sizeOf(part));
  }
  const result: DownloadResult = { container, name, path: localPath, bytes, bytesReceived: 0, resumedFrom: start };

  if (start < bytes) {
    const response = await storage.openObject(container, name, { version, range: start > 0 ? [start] : undefined });
    // A server that ignores Range sends everything: write it all.
    if (response.status !== 206) result.resumedFrom = start = 0;
    await receive(response.body, part, {
      start,
      idleTimeoutMs: options.idleTimeoutMs,
      each(chunk) {
        result.bytesReceived += chunk.length;
        onProgress?.({ phase: 'downloading', done: start + result.bytesReceived, total: bytes });
      },
    }, (why) => `download of ${container}/${name} ${why}; download again with resume to continue from ${part}`);
  } else {
    // Nothing left to fetch (or an empty object): make sure the file exists and is not too long.
    await (await open(part, 'a')).close();
    await truncate(part, bytes);
  }

  if (!(await verifies(part, bytes, map, (done) => onProgress?.({ phase: 'verifying', done, total: bytes })))) {
    await rm(part, { force: true });
    throw new TransferError(`${container}/${name} changed during the download or arrived damaged (it does not match the server's ${map ? 'hashmap' : 'size'}); download it again`);
  }
  await rename(part, localPath);
  return result;
}

async function verifies(path: string, bytes: number, map: ObjectHashmap | undefined, onProgress: (done: number) => void): Promise<boolean> {
  if (!map) return (await sizeOf(path)) === bytes;
  const local = await hashFile(path, { blockSize: map.block_size, onProgress });
  return local.bytes === map.bytes && local.hashes.every((hash, i) => hash === map.hashes[i]);
}

/**
 * Keeps the longest run of whole blocks at the start of `path` that match the hashmap and
 * cuts the file after them. Returns the number of bytes kept (0 if there is no file).
 */
async function keepMatchingBlocks(path: string, map: ObjectHashmap): Promise<number> {
  if (!(await exists(path))) return 0;
  const size = (await stat(path)).size;
  let kept = 0;
  let index = 0;
  // Blocks are read in order, one at a time: the first mismatch ends the run.
  for await (const block of splitBlocks(createReadStream(path), map.block_size)) {
    const end = Math.min(kept + map.block_size, map.bytes);
    const whole = block.subarray(0, end - kept);
    if (whole.length < end - kept || index >= map.hashes.length || (await blockHashAsync(whole)) !== map.hashes[index]) break;
    kept = end;
    index++;
  }
  if (kept < size) await truncate(path, kept);
  return kept;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0);
}
