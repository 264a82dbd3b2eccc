// Pithos' content addressing (reference §2), shared by server and clients: files are cut
// into 4 MiB blocks; a block's name is the SHA-256 of its bytes with trailing zero bytes
// trimmed; an object's hash (X-Object-Hash) is the Merkle root of its block hashes.
import { createHash } from 'node:crypto';

export const BLOCK_SIZE = 4 * 1024 * 1024;
export const BLOCK_HASH = 'sha256';
const ZERO_DIGEST = Buffer.alloc(32);

/** The block without its trailing zero bytes: what is hashed, and what is stored. */
export function trimTrailingZeros(block: Buffer): Buffer {
  let end = block.length;
  while (end > 0 && block[end - 1] === 0) end--;
  return end === block.length ? block : block.subarray(0, end);
}

export function blockHash(block: Buffer): string {
  return createHash(BLOCK_HASH).update(trimTrailingZeros(block)).digest('hex');
}

/** Merkle root of block hashes (hex), padded with zero digests to a power of two. */
export function merkleRoot(hashes: string[]): string {
  if (hashes.length === 0) return createHash(BLOCK_HASH).digest('hex');
  if (hashes.length === 1) return hashes[0]!;
  let level: Buffer[] = hashes.map((h) => Buffer.from(h, 'hex'));
  let width = 2;
  while (width < level.length) width *= 2;
  while (level.length < width) level.push(ZERO_DIGEST);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(createHash(BLOCK_HASH).update(level[i]!).update(level[i + 1]!).digest());
    level = next;
  }
  return level[0]!.toString('hex');
}

/** Number of bytes of block `index` in an object of `size` bytes. */
export function blockLength(size: number, index: number, blockSize = BLOCK_SIZE): number {
  return Math.max(0, Math.min(blockSize, size - index * blockSize));
}

/** How many blocks an object of `size` bytes has (an empty object has none). */
export const blockCount = (size: number, blockSize = BLOCK_SIZE) => Math.ceil(size / blockSize);

/**
 * Cuts a byte stream into blocks of exactly `blockSize` bytes (the last may be shorter),
 * copying each byte at most once.
 */
export async function* splitBlocks(chunks: AsyncIterable<Buffer | Uint8Array>, blockSize = BLOCK_SIZE): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const raw of chunks) {
    let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    while (pendingBytes + chunk.length >= blockSize) {
      const take = blockSize - pendingBytes;
      pending.push(chunk.subarray(0, take));
      yield pending.length === 1 ? Buffer.from(pending[0]!) : Buffer.concat(pending, blockSize);
      pending = [];
      pendingBytes = 0;
      chunk = chunk.subarray(take);
    }
    if (chunk.length > 0) {
      pending.push(Buffer.from(chunk));
      pendingBytes += chunk.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/**
 * Same as blockHash, but computed by WebCrypto, which runs in libuv's thread pool: several
 * blocks in flight hash in parallel, off the event loop.
 */
export async function blockHashAsync(block: Buffer): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', trimTrailingZeros(block));
  return Buffer.from(digest).toString('hex');
}
