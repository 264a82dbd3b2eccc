// Deletes blocks that nothing needs, without ever taking one that something is about to need.
// A block is needed while a kept version references it (pithos_refs) or an upload holds it
// (pithos_held_blocks); both are only ever added under the shared collector lock, and blocks
// are checked and deleted under the exclusive one (collector-lock.ts). Two ways in:
// - reclaim(hashes): the blocks of an upload that ended without a commit, at once;
// - sweep(): every stored block older than the grace period, the safety net for anything else
//   (a block store written by an older version, a crash between a write and its hold).
// See docs/pithos-design.md.
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import { withTransaction } from '../db/transaction.ts';
import type { BlockStore } from './block-store.ts';
import { lockForCollection } from './collector-lock.ts';
import { inUse } from './refs-store.ts';

const BATCH = 2000;

export interface SweepResult { candidates: number; deleted: number }

export class GarbageCollector {
  private running: Promise<SweepResult> | undefined;

  constructor(
    private readonly database: Database,
    private readonly blocks: BlockStore,
    private readonly logger: Logger,
    private readonly graceMs: number,
  ) {}

  /** One sweep over the whole store; concurrent calls share it. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.sweepOnce().finally(() => { this.running = undefined; });
    return this.running;
  }

  /** Deletes those of `hashes` that nothing references or holds; returns how many. */
  async reclaim(hashes: string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < hashes.length; i += BATCH) deleted += await this.deleteUnused(hashes.slice(i, i + BATCH));
    return deleted;
  }

  private async sweepOnce(): Promise<SweepResult> {
    const cutoff = new Date(Date.now() - this.graceMs);
    const old: string[] = [];
    for await (const block of this.blocks.list()) if (block.storedAt < cutoff) old.push(block.hash);
    let deleted = 0;
    for (let i = 0; i < old.length; i += BATCH) deleted += await this.deleteUnused(old.slice(i, i + BATCH), cutoff);
    await this.blocks.purgeTemporary?.(cutoff);
    if (deleted) this.logger.info({ deleted, candidates: old.length }, 'garbage-collected unreferenced blocks');
    return { candidates: old.length, deleted };
  }

  /** Under the exclusive lock: deletes the unneeded ones (with a cutoff: if not stored again since). */
  private deleteUnused(hashes: string[], cutoff?: Date): Promise<number> {
    return withTransaction(this.database, async (trx) => {
      await lockForCollection(trx, this.database.dialect);
      const needed = await inUse(trx, hashes);
      let count = 0;
      for (const hash of hashes) {
        if (needed.has(hash)) continue;
        if (cutoff) {
          const storedAt = await this.blocks.storedAt(hash);
          if (!storedAt || storedAt >= cutoff) continue;
        }
        await this.blocks.delete(hash);
        count++;
      }
      return count;
    });
  }
}
