// Deletes blocks that no version references, without ever taking one that a commit is about
// to reference. A block is a candidate only when it is older than the grace period (uploads
// refresh their blocks as they store them), and the delete phase runs under the exclusive
// lock that every commit takes shared after touching its blocks: a commit either finished
// first (its references are seen here) or waits and then finds a deleted block missing,
// failing cleanly instead of committing a hole. See docs/pithos-design.md.
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import { withTransaction } from '../db/transaction.ts';
import type { BlockStore } from './block-store.ts';
import * as store from './store.ts';

const BATCH = 5000;

export interface SweepResult { candidates: number; deleted: number }

export class GarbageCollector {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | undefined;

  constructor(
    private readonly database: Database,
    private readonly blocks: BlockStore,
    private readonly logger: Logger,
    private readonly graceMs: number,
  ) {}

  /** One sweep; concurrent calls share it. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.sweepOnce().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async sweepOnce(): Promise<SweepResult> {
    const cutoff = new Date(Date.now() - this.graceMs);
    const old: string[] = [];
    for await (const block of this.blocks.list()) if (block.storedAt < cutoff) old.push(block.hash);
    let deleted = 0;
    for (let i = 0; i < old.length; i += BATCH) {
      const batch = old.slice(i, i + BATCH);
      deleted += await withTransaction(this.database, async (trx) => {
        // SQLite's BEGIN IMMEDIATE already excludes every commit.
        if (this.database.dialect === 'postgres') await sql`select pg_advisory_xact_lock(8585, 2)`.execute(trx);
        const referenced = await store.referencedBlocks(trx);
        let count = 0;
        for (const hash of batch) {
          if (referenced.has(hash)) continue;
          const storedAt = await this.blocks.storedAt(hash);
          if (!storedAt || storedAt >= cutoff) continue; // stored again since it was listed
          await this.blocks.delete(hash);
          count++;
        }
        return count;
      });
    }
    await this.blocks.purgeTemporary?.(cutoff);
    if (deleted) this.logger.info({ deleted, candidates: old.length }, 'garbage-collected unreferenced blocks');
    return { candidates: old.length, deleted };
  }

  startSweeping(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.sweep().catch((error) => this.logger.warn({ err: error }, 'block garbage collection failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
