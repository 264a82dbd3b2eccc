// Uploads in flight. Bytes reach the block store before any version names them, so every
// upload is a row with a lease: it holds each block before writing it (the collector spares
// held blocks) and reserves quota for its bytes before they are stored, so that nobody stores
// more than their quota allows, not even for a moment. An upload ends by a commit, which turns
// its holds into references; or it is abandoned (an error, a client gone, its lease run out
// with its process), and then its reservations are released and the blocks nothing else uses
// are deleted at once rather than after the collector's grace period.
//
// A streamed PUT is one upload. Blocks POSTed for a hashmap upload live in one session per
// account, extended by each POST, each block with its own reservation until a hashmap names it.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Schema } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { claimOwner, isOrphaned, releaseOwner, type Owner } from '../jobs/owner.ts';
import { ApiError } from '../http/errors.ts';
import type { QuotaService } from '../quota/service.ts';
import { lockForUse } from './collector-lock.ts';
import * as refs from './refs-store.ts';

export const DISKSPACE = 'pithos.diskspace';
export const ISSUER = 'pithos';
/** Reservation steps of a body of unknown length: a few commissions per GiB. */
const STEP = 64 * 1024 * 1024;

/** A streamed upload: `free` bytes (those of the version it replaces and frees) need no reservation. */
export interface Upload { id: string; account: string; free: number; reserved: number }

export type Reclaim = (hashes: string[]) => Promise<unknown>;

const sessionId = (account: string) => `posted:${account}`;

export class Uploads {
  private readonly extended = new Map<string, number>();
  private readonly owner: Owner = claimOwner();

  constructor(
    private readonly database: Database,
    private readonly quota: QuotaService,
    /** Deletes those of the blocks that nothing references or holds. */
    private readonly reclaim: Reclaim,
    private readonly leaseMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private expiry(): string {
    return new Date(this.now() + this.leaseMs).toISOString();
  }

  /** Starts a streamed upload into `account`. */
  async begin(account: string, free: number): Promise<Upload> {
    const upload = { id: randomUUID(), account, free, reserved: 0 };
    await refs.insertUpload(this.database.db, upload.id, account, this.owner.id, this.expiry());
    this.extended.set(upload.id, this.now());
    return upload;
  }

  /**
   * Reserves quota until `bytes` in all are covered. Throws 413 as soon as they would pass
   * the limit, before they are stored. With `exact` (a body of known length) it reserves just
   * that; otherwise in steps, each taken as the body grows.
   */
  async cover(upload: Upload, bytes: number, exact = false): Promise<void> {
    const needed = bytes - upload.free - upload.reserved;
    if (needed <= 0) return;
    // Big steps keep a chunked upload to a few commissions; near the limit, the exact amount.
    for (const quantity of exact || needed >= STEP ? [needed] : [STEP, needed]) {
      try {
        await withTransaction(this.database, async (trx) => {
          const serial = await this.quota.issue({ issuer: ISSUER, name: `upload ${upload.id}`, charges: [charge(upload.account, quantity)] }, trx);
          if (!(await refs.addUploadSerial(trx, upload.id, serial))) throw ended();
        });
        upload.reserved += quantity;
        return;
      } catch (error) {
        if (quantity === needed || !(error instanceof ApiError && error.kind === 'overLimit')) throw error;
      }
    }
  }

  /** Holds a block of a streamed upload before it is written: from then on no sweep deletes it. */
  async hold(upload: Upload, hash: string, bytes: number): Promise<void> {
    const due = this.now() - (this.extended.get(upload.id) ?? 0) > this.leaseMs / 4;
    await withTransaction(this.database, async (trx) => {
      await lockForUse(trx, this.database.dialect);
      // Locked, so that an abandon cannot slip in between and leave this hold behind.
      if (!(await refs.lockUpload(trx, this.database.dialect, upload.id))) throw ended();
      await refs.holdBlock(trx, upload.id, hash, bytes, null);
      if (due) await refs.extendUpload(trx, upload.id, this.expiry());
    });
    if (due) this.extended.set(upload.id, this.now());
  }

  /**
   * Holds a block POSTed for a hashmap upload in the account's session, reserving its bytes:
   * 413 if they do not fit. A block the session holds already costs nothing more (false).
   */
  async holdPosted(account: string, hash: string, bytes: number): Promise<boolean> {
    const id = sessionId(account);
    return withTransaction(this.database, async (trx) => {
      await lockForUse(trx, this.database.dialect);
      await refs.insertUpload(trx, id, account, null, this.expiry());
      if (await refs.isHeld(trx, id, hash)) return false;
      const serial = await this.quota.issue({ issuer: ISSUER, name: `posted block ${hash}`, charges: [charge(account, bytes)] }, trx);
      await refs.holdBlock(trx, id, hash, bytes, serial);
      return true;
    });
  }

  /** Lets go of posted blocks (of a request that failed: its client cannot name them). */
  async unholdPosted(account: string, hashes: string[]): Promise<void> {
    await withTransaction(this.database, async (trx) => {
      for (const { serial } of await refs.releaseHeld(trx, sessionId(account), hashes)) await this.release(trx, serial);
    });
    await this.reclaim(hashes);
  }

  /** In a commit's transaction: the upload is over and its blocks belong to the new version. */
  async settle(trx: Transaction<Schema>, upload: Upload): Promise<void> {
    this.extended.delete(upload.id);
    // The row first: its lock waits for a hold under way, whose block is then let go too.
    const serials = await refs.deleteUpload(trx, upload.id);
    await refs.releaseHeld(trx, upload.id);
    for (const serial of serials) await this.release(trx, serial);
  }

  /** In a commit's transaction: posted blocks that the new version names are no longer in flight. */
  async consumePosted(trx: Transaction<Schema>, account: string, hashes: string[]): Promise<void> {
    for (const { serial } of await refs.releaseHeld(trx, sessionId(account), hashes)) await this.release(trx, serial);
  }

  /** Ends an upload that will not commit: its reservations go, and so do the blocks nothing else uses. */
  async abandon(id: string): Promise<void> {
    this.extended.delete(id);
    const held = await withTransaction(this.database, async (trx) => {
      // The row first: its lock waits for a hold under way, whose block is then let go too.
      const serials = await refs.deleteUpload(trx, id);
      const released = await refs.releaseHeld(trx, id);
      for (const serial of [...serials, ...released.map((r) => r.serial)]) await this.release(trx, serial);
      return released.map((r) => r.hash);
    });
    if (held.length) await this.reclaim(held);
  }

  /** Ends the uploads whose lease ran out or whose process is gone; returns how many. */
  async expire(): Promise<number> {
    const now = new Date(this.now()).toISOString();
    const dead = (await refs.uploadLeases(this.database.db)).filter((u) => u.expires_at < now || (u.owner !== null && isOrphaned(u.owner)));
    for (const { id } of dead) await this.abandon(id);
    return dead.length;
  }

  /** From now on this process's unfinished uploads count as dead. */
  close(): void {
    releaseOwner(this.owner);
  }

  /** The hashes among `hashes` that `account` may name without sending them. */
  possessed(account: string, hashes: string[]): Promise<Set<string>> {
    return refs.possessedBy(this.database.db, account, hashes);
  }

  /** Quota reservations of uploads in flight (every other pending one of the service is an orphan). */
  heldSerials(): Promise<Set<number>> {
    return refs.heldSerials(this.database.db);
  }

  private async release(trx: Transaction<Schema>, serial: number | null): Promise<void> {
    if (serial === null) return;
    await this.quota.resolve(serial, 'reject', trx).catch((error) => {
      // Released already: by a start-up's clean-up of another process's orphans.
      if (!(error instanceof ApiError && error.kind === 'notFound')) throw error;
    });
  }
}

const charge = (account: string, quantity: number) => ({ userId: account, projectId: account, resource: DISKSPACE, quantity });

/** An upload that made no progress for its lease was ended meanwhile: nothing more may join it. */
const ended = () => new ApiError('conflict', 'The upload made no progress for too long and was abandoned: send it again');
