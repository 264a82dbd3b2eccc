// What uploads and downloads report while they run, how they fail on this side, and the one
// way downloads receive a body into a file.
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export interface TransferProgress {
  /** hashing: reading the local file; uploading/downloading: bytes on the wire; verifying: re-reading what was written. */
  phase: 'hashing' | 'uploading' | 'downloading' | 'verifying';
  done: number;
  total: number;
}

export type ProgressCallback = (progress: TransferProgress) => void;

/**
 * A transfer failed for a reason on the client's side of the wire: the local file changed
 * while it was read, or a download does not match the server's hashmap.
 */
export class TransferError extends Error {
  override readonly name = 'TransferError';
}

export interface ReceiveOptions {
  /** Opens the file at this offset, keeping what is before it (a resumed download). */
  start?: number;
  /** Gives up when no data arrives for this long (60 s by default). */
  idleTimeoutMs?: number;
  /** Sees every chunk on its way to the file. */
  each?: (chunk: Buffer) => void;
}

/**
 * Writes a response body into `path`. A failure of the network or a stalled server becomes a
 * TransferError whose message is `describe(why)`; a local failure (disk full, no permission)
 * is thrown as it is.
 */
export async function receive(body: Response['body'], path: string, options: ReceiveOptions, describe: (why: string) => string): Promise<void> {
  const idle = new AbortController();
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const timer = setTimeout(() => idle.abort(), idleMs);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      timer.refresh();
      options.each?.(chunk);
      done(null, chunk);
    },
  });
  const source = body ? Readable.fromWeb(body as WebReadableStream<Uint8Array>) : Readable.from([]);
  const file = createWriteStream(path, options.start ? { flags: 'r+', start: options.start } : { flags: 'w' });
  try {
    await pipeline(source, counter, file, { signal: idle.signal });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).syscall) throw error;
    throw new TransferError(describe(idle.signal.aborted ? `no data for ${idleMs / 1000} s` : `interrupted (${(error as Error).message})`));
  } finally {
    clearTimeout(timer);
  }
}
