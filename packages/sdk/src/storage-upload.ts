// Uploading a file the Pithos way: hash it locally, offer the server the hashmap, send only
// the blocks it lacks (several at once, each read from the file at its offset), then offer
// the hashmap again. A file the server already holds, under any name, sends no data.
import { open, stat } from 'node:fs/promises';
import { BLOCK_SIZE, blockLength } from '@oceanos/contract/pithos-hashing';
import { forEachConcurrently } from './concurrency.ts';
import { hashFile } from './file-hasher.ts';
import type { StorageApi, WriteOptions } from './storage-api.ts';
import { TransferError, type ProgressCallback } from './transfer.ts';

export interface UploadOptions extends WriteOptions {
  /** Blocks in flight at once (4 by default). */
  concurrency?: number;
  onProgress?: ProgressCallback;
}

export interface UploadResult {
  container: string;
  name: string;
  bytes: number;
  /** X-Object-Hash: the Merkle root of the block hashes. */
  hash: string;
  blocks: number;
  /** Blocks (and their bytes) that went over the wire; 0 when the server had them all. */
  blocksSent: number;
  bytesSent: number;
}

// A block can vanish between two hashmap PUTs (garbage collection); retrying is then cheap.
const MAX_ROUNDS = 3;

export async function uploadFile(storage: StorageApi, localPath: string, container: string, name: string, options: UploadOptions = {}): Promise<UploadResult> {
  const { onProgress, concurrency = 4, ...write } = options;
  const { size } = await stat(localPath);
  const map = await hashFile(localPath, { onProgress: (done) => onProgress?.({ phase: 'hashing', done, total: Math.max(size, done) }) });
  const result: UploadResult = { container, name, bytes: map.bytes, hash: map.root, blocks: map.hashes.length, blocksSent: 0, bytesSent: 0 };
  const firstIndex = new Map<string, number>();
  map.hashes.forEach((hash, index) => { if (!firstIndex.has(hash)) firstIndex.set(hash, index); });

  for (let round = 1; ; round++) {
    const missing = await storage.putHashmap(container, name, map, write);
    if (missing.length === 0) break;
    if (round === MAX_ROUNDS) throw new TransferError(`${container}/${name}: the server still lacks ${missing.length} block(s) after ${round - 1} upload rounds`);
    // A block that repeats in the file is sent once.
    const indexes = [...new Set(missing)].map((hash) => {
      const index = firstIndex.get(hash);
      if (index === undefined) throw new TransferError(`${container}/${name}: the server asked for block ${hash}, which is not in ${localPath}`);
      return index;
    });
    const roundBytes = indexes.reduce((sum, i) => sum + blockLength(map.bytes, i), 0);
    let roundDone = 0;
    onProgress?.({ phase: 'uploading', done: 0, total: roundBytes });
    const file = await open(localPath, 'r');
    // One buffer per request in flight, reused: a new 4 MiB buffer per block costs more (the
    // kernel maps and faults in its pages) than reading the block into it.
    const free = Array.from({ length: concurrency }, () => Buffer.allocUnsafeSlow(BLOCK_SIZE));
    try {
      await forEachConcurrently(indexes, concurrency, async (index) => {
        const buffer = free.pop()!;
        try {
          const block = buffer.subarray(0, blockLength(map.bytes, index));
          const { bytesRead } = await file.read(block, 0, block.length, index * BLOCK_SIZE);
          const [stored] = bytesRead === block.length ? await storage.uploadBlocks(container, block) : [];
          if (stored !== map.hashes[index]) throw new TransferError(`${localPath} changed while it was uploaded (block ${index}); upload it again`);
          result.blocksSent++;
          result.bytesSent += block.length;
          roundDone += block.length;
          onProgress?.({ phase: 'uploading', done: roundDone, total: roundBytes });
        } finally {
          free.push(buffer);
        }
      });
    } finally {
      await file.close();
    }
  }
  return result;
}
