// An image's data through Glance v2: streaming a local file up (PUT /file) and down
// (GET /file), with its MD5 computed on the way and checked against the image's checksum.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { ApiError } from './api-error.ts';
import type { Image } from './image-types.ts';
import { partPath } from './storage-download.ts';
import { receive, TransferError, type ProgressCallback, type TransferProgress } from './transfer.ts';

export interface ImageTransferOptions {
  onProgress?: ProgressCallback;
  /** A download gives up when no data arrives for this long (60 s by default). */
  idleTimeoutMs?: number;
}

export interface ImageDownloadResult {
  id: string;
  path: string;
  bytes: number;
  /** Hex MD5 of what was written, equal to the image's checksum. */
  checksum: string;
}

/** Passes bytes through, hashing and counting them. */
function meter(hash: Hash, phase: TransferProgress['phase'], total: number, onProgress?: ProgressCallback): Transform & { bytes: number } {
  const counter = Object.assign(new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      counter.bytes += chunk.length;
      onProgress?.({ phase, done: counter.bytes, total });
      done(null, chunk);
    },
  }), { bytes: 0 });
  return counter;
}

/**
 * Sends a local file as the data of a queued image. `send` makes the PUT with the given body
 * (a stream, so that images of any size pass through without being held in memory). Returns
 * the file's MD5, to be compared with the checksum the server computed.
 */
export async function streamFile(localPath: string, options: ImageTransferOptions, send: (body: ReadableStream<Uint8Array>, length: number) => Promise<void>): Promise<string> {
  const { size } = await stat(localPath);
  const hash = createHash('md5');
  const counter = meter(hash, 'uploading', size, options.onProgress);
  const body = Readable.toWeb(createReadStream(localPath).pipe(counter)) as ReadableStream<Uint8Array>;
  await send(body, size);
  if (counter.bytes !== size) throw new TransferError(`${localPath} changed while it was uploaded (${counter.bytes} bytes read, ${size} expected); upload it again`);
  return hash.digest('hex');
}

/**
 * Streams an image's data into `<localPath>.part`, checks its MD5 against the server's
 * Content-MD5 and the image's checksum, then renames it into place. Throws TransferError
 * (and leaves no file) when the data does not verify, or when the image has none yet.
 */
export async function downloadData(image: Image, response: Response, localPath: string, options: ImageTransferOptions = {}): Promise<ImageDownloadResult> {
  if (response.status === 204) throw new TransferError(`image ${image.id} has no data yet (it is ${image.status})`);
  const total = Number(response.headers.get('content-length') ?? image.size ?? 0);
  const hash = createHash('md5');
  const part = partPath(localPath);
  let bytes = 0;
  try {
    await receive(response.body, part, {
      idleTimeoutMs: options.idleTimeoutMs,
      each(chunk) {
        hash.update(chunk);
        bytes += chunk.length;
        options.onProgress?.({ phase: 'downloading', done: bytes, total });
      },
    }, (why) => `download of image ${image.id} ${why}; download it again`);
  } catch (error) {
    await rm(part, { force: true });
    throw error;
  }
  const checksum = hash.digest('hex');
  const expected = [response.headers.get('content-md5'), image.checksum].filter((v): v is string => !!v).map(hexMd5);
  if (expected.some((md5) => md5 !== checksum)) {
    await rm(part, { force: true });
    throw new TransferError(`image ${image.id} arrived damaged or changed during the download (MD5 ${checksum}, expected ${expected[0]}); download it again`);
  }
  await rename(part, localPath);
  return { id: image.id, path: localPath, bytes, checksum };
}

/** Content-MD5 is base64 by RFC 1864; Glance sends hex. */
function hexMd5(value: string): string {
  if (/^[0-9a-f]{32}$/i.test(value)) return value.toLowerCase();
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 16) throw new ApiError({ status: 200, kind: 'unexpected', title: 'Bad answer', message: `Content-MD5 ${value} is not an MD5 digest` });
  return bytes.toString('hex');
}
