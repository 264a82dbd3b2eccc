// Where blocks live. The local directory is the first implementation; a shared or distributed
// store (NFS, RADOS, S3-like) implements the same interface.

import type { BlockBuffers } from './block-buffers.ts';

export interface StoredBlock { hash: string; storedAt: Date }

export interface BlockStore {
  /** Memory for blocks on their way in, as this store writes it fastest. */
  readonly buffers: BlockBuffers;
  /** The subset of `hashes` that is not stored, in the given order, without repeats. */
  missing(hashes: string[]): Promise<string[]>;
  /**
   * Stores a block (at most one block size) under its Pithos hash and returns the hash;
   * `hash` saves hashing again when the caller has it. Storing a block that exists is cheap
   * and refreshes its storedAt. When this resolves, the block is durable; on failure no block
   * is stored under that name.
   */
  put(block: Buffer, hash?: string): Promise<string>;
  /** Marks existing blocks as just stored, so a sweep spares them; returns those missing. */
  touch(hashes: string[]): Promise<string[]>;
  /** The block's bytes zero-padded to `length`. Throws BlockNotFoundError if absent. */
  get(hash: string, length: number): Promise<Buffer>;
  /** When the block was last stored or touched; undefined if absent. */
  storedAt(hash: string): Promise<Date | undefined>;
  delete(hash: string): Promise<void>;
  /** Removes leftovers of writes that crashed before `cutoff` (optional). */
  purgeTemporary?(cutoff: Date): Promise<void>;
  /** Every stored block, for garbage collection. */
  list(): AsyncIterable<StoredBlock>;
}

export class BlockNotFoundError extends Error {
  constructor(readonly hash: string) {
    super(`block ${hash} is not in the block store`);
  }
}

export const isBlockHash = (value: string) => /^[0-9a-f]{64}$/.test(value);
