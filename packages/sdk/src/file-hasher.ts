// Computes a local file's Pithos hashmap (what `file upload` sends before any data), reading
// block by block and hashing several blocks at once off the event loop.
import { open } from 'node:fs/promises';
import { BLOCK_SIZE, blockHashAsync, merkleRoot } from '@oceanos/contract/pithos-hashing';

export interface FileHashmap {
  bytes: number;
  /** Block hashes in order, as `PUT ?hashmap` expects them. */
  hashes: string[];
  /** The Merkle root: the object's X-Object-Hash. */
  root: string;
}

export interface HashFileOptions {
  blockSize?: number;
  /** Blocks hashed at once; libuv's pool has 4 threads by default. */
  concurrency?: number;
  onProgress?: (bytesHashed: number) => void;
}

export async function hashFile(path: string, options: HashFileOptions = {}): Promise<FileHashmap> {
  const blockSize = options.blockSize ?? BLOCK_SIZE;
  const concurrency = options.concurrency ?? 4;
  const file = await open(path, 'r');
  const hashes: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let position = 0;
  let hashed = 0;
  try {
    for (let index = 0; ; index++) {
      const block = Buffer.allocUnsafe(blockSize);
      const { bytesRead } = await file.read(block, 0, blockSize, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const job: Promise<void> = blockHashAsync(block.subarray(0, bytesRead)).then((hash) => {
        hashes[index] = hash;
        hashed += bytesRead;
        options.onProgress?.(hashed);
        inFlight.delete(job);
      });
      inFlight.add(job);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await file.close();
  }
  return { bytes: position, hashes, root: merkleRoot(hashes) };
}
