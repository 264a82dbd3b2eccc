// Writing versions. Bytes go to the block store first; a version becomes visible only in
// the commit transaction, which also charges the quota, so a failed or abandoned upload
// leaves no object and no charge (its blocks, if new, age into the garbage collector).
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { merkleRoot, splitBlocks } from '@oceanos/contract';
import type { Database } from '../db/database.ts';
import { CLUSTER, type Schema } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { ApiError, notFound, overLimit, preconditionFailed } from '../http/errors.ts';
import type { QuotaService } from '../quota/service.ts';
import type { BlockStore } from './block-store.ts';
import type { Md5Workers } from './md5-workers.ts';
import type { Metadata } from './names.ts';
import type { Sharing } from './sharing.ts';
import * as store from './store.ts';

export const DISKSPACE = 'pithos.diskspace';
export const ISSUER = 'pithos';
/** Blocks stored concurrently by one upload: enough to overlap hashing, writing and fsync. */
const PUTS_IN_FLIGHT = 4;

export interface ObjectPath { account: string; container: string; name: string }

/** What a new version holds. */
export interface Draft {
  size: number;
  hashes: string[];
  md5: string | null;
  contentType: string;
  metadata: Metadata;
  manifest: string | null;
  /** Keeps an object's identity (a move); a new object otherwise gets a new UUID. */
  uuid?: string;
}

export interface CommitOptions {
  modifiedBy: string;
  /** A pending commission that reserved space while the body was read; released here. */
  reservation?: number;
  /** Replaces the grants on the path when given. */
  sharing?: Sharing;
  /** Publishes (true) or unpublishes (false) the path when given. */
  publish?: boolean;
  /** The source of a move: its current version is retired in the same transaction. */
  moveFrom?: ObjectPath;
  /** If-None-Match: * — refuse to replace an existing object. */
  mustNotExist?: boolean;
}

export interface Committed { serial: number; uuid: string; modifiedAt: string }

/** Some blocks of a hashmap are not in the store (409 with the list). */
export class MissingBlocksError extends ApiError {
  constructor(readonly missing: string[]) {
    super('conflict', `${missing.length} block(s) missing`, missing);
  }
}

export const pathKey = (p: ObjectPath) => `${p.account}/${p.container}/${p.name}`;

export class ObjectWriter {
  constructor(
    private readonly database: Database,
    private readonly blocks: BlockStore,
    private readonly quota: QuotaService,
    private readonly md5: Md5Workers,
  ) {}

  /** Stores a byte stream as blocks; returns its size, hashmap and MD5. */
  async storeStream(body: AsyncIterable<Buffer>): Promise<{ size: number; hashes: string[]; md5: string }> {
    const md5 = this.md5.start();
    const hashes: string[] = [];
    let size = 0;
    // The MD5 takes blocks in order, each once its block store write no longer reads it.
    let fed: Promise<unknown> = Promise.resolve();
    try {
      await this.storeBlocks(body, (block, index, stored) => {
        size += block.length;
        fed = Promise.all([fed, stored.then((hash) => { hashes[index] = hash; })]).then(() => md5.update(block));
        return fed as Promise<void>;
      });
    } catch (error) {
      await fed.catch(() => undefined);
      await md5.abandon();
      throw error;
    }
    return { size, hashes, md5: await md5.digest() };
  }

  /** Stores raw blocks (Pithos' container POST); returns their hashes in order. */
  async storeRawBlocks(body: AsyncIterable<Buffer>): Promise<string[]> {
    const hashes: string[] = [];
    await this.storeBlocks(body, (_block, index, stored) => stored.then((hash) => { hashes[index] = hash; }));
    return hashes;
  }

  private async storeBlocks(body: AsyncIterable<Buffer>, each: (block: Buffer, index: number, stored: Promise<string>) => Promise<void>): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    let index = 0;
    for await (const block of splitBlocks(body)) {
      const task = each(block, index++, this.blocks.put(block)).catch((error) => { failure ??= error; });
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (inFlight.size >= PUTS_IN_FLIGHT) await Promise.race(inFlight);
      if (failure) break;
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
  }

  /**
   * Reserves quota for an upload before its body is read, so that a client over its quota
   * hears 413 at once. Returns the pending commission, or undefined if nothing is reserved.
   */
  async reserve(account: string, path: ObjectPath, bytes: number): Promise<number | undefined> {
    const current = await store.currentVersion(this.database.db, path.account, path.container, path.name);
    const quantity = bytes - (current?.size ?? 0);
    if (quantity <= 0) return undefined;
    return this.quota.issue({ issuer: ISSUER, name: `reserve ${pathKey(path)}`, charges: [{ userId: account, projectId: account, resource: DISKSPACE, quantity }] });
  }

  async release(reservation: number | undefined): Promise<void> {
    if (reservation !== undefined) await this.quota.resolve(reservation, 'reject').catch(() => undefined);
  }

  /** Makes a draft the current version of `target`, atomically with its quota charge. */
  async commit(target: ObjectPath, draft: Draft, options: CommitOptions): Promise<Committed> {
    try {
      return await withTransaction(this.database, async (trx) => {
        await this.lockPaths(trx, options.moveFrom ? [target, options.moveFrom] : [target]);
        const container = await store.findContainer(trx, target.account, target.container);
        if (!container) throw notFound(`Container ${target.container} does not exist`);
        // Refreshing the blocks under the lock means the collector, which deletes under the
        // exclusive lock, has either seen this version's references or left these blocks alone.
        const missing = await this.blocks.touch(draft.hashes);
        if (missing.length) throw new MissingBlocksError(missing);

        const current = await store.currentVersion(trx, target.account, target.container, target.name);
        if (current && options.mustNotExist) throw preconditionFailed('An object with that name exists');
        const source = options.moveFrom && await store.currentVersion(trx, options.moveFrom.account, options.moveFrom.container, options.moveFrom.name);
        if (options.moveFrom && !source) throw notFound(`Object ${options.moveFrom.name} does not exist`);

        if (options.reservation !== undefined) await this.quota.resolve(options.reservation, 'reject', trx).catch(ignoreNotPending);
        const deltas = new Map<string, number>([[target.account, draft.size - (current?.size ?? 0)]]);
        if (source) deltas.set(source.account, (deltas.get(source.account) ?? 0) - source.size);
        await this.charge(trx, deltas, `write ${pathKey(target)}`);
        if (container.quota > 0 && draft.size > (current?.size ?? 0)) {
          const used = (await store.containerStats(trx, target.account, target.container)).bytes;
          if (used - (current?.size ?? 0) + draft.size > container.quota) throw overLimit(`Container ${target.container} quota of ${container.quota} bytes exceeded`);
        }

        if (current) await this.retire(trx, container.versioning, current, CLUSTER.history);
        const modifiedAt = new Date().toISOString();
        const uuid = draft.uuid ?? current?.uuid ?? randomUUID();
        const serial = await store.insertVersion(trx, {
          account: target.account, container: target.container, name: target.name, uuid, cluster: CLUSTER.normal,
          size: draft.size, hashes: draft.hashes.join(''), object_hash: merkleRoot(draft.hashes), md5: draft.md5,
          content_type: draft.contentType, metadata: JSON.stringify(draft.metadata), manifest: draft.manifest,
          modified_at: modifiedAt, modified_by: options.modifiedBy,
        });
        if (source && options.moveFrom) {
          const sourceContainer = await store.findContainer(trx, source.account, source.container);
          await this.retire(trx, sourceContainer?.versioning ?? 'auto', source, CLUSTER.deleted);
          await forgetPath(trx, options.moveFrom);
        }
        if (options.sharing) await store.setGrants(trx, target.account, target.container, target.name, options.sharing);
        if (options.publish !== undefined) await setPublished(trx, target, options.publish);
        return { serial, uuid, modifiedAt };
      });
    } catch (error) {
      await this.release(options.reservation);
      throw error;
    }
  }

  /** Deletes the current version of a name: kept as a deletion record unless versioning is off. */
  async delete(target: ObjectPath): Promise<void> {
    await withTransaction(this.database, async (trx) => {
      await this.lockPaths(trx, [target]);
      const container = await store.findContainer(trx, target.account, target.container);
      const current = container && await store.currentVersion(trx, target.account, target.container, target.name);
      if (!container || !current) throw notFound(`Object ${target.name} does not exist`);
      await this.charge(trx, new Map([[target.account, -current.size]]), `delete ${pathKey(target)}`);
      await this.retire(trx, container.versioning, current, CLUSTER.deleted);
      await forgetPath(trx, target);
    });
  }

  /** Moves a current version out of the way: to `cluster`, or gone when versioning is off. */
  private async retire(trx: Transaction<Schema>, versioning: string, version: store.VersionRow, cluster: number): Promise<void> {
    if (versioning === 'none') {
      await store.deleteVersion(trx, version.serial);
      await store.deleteOldVersions(trx, version.account, version.container, version.name);
    } else {
      await store.setCluster(trx, version.serial, cluster);
    }
  }

  private async charge(trx: Transaction<Schema>, deltas: Map<string, number>, name: string): Promise<void> {
    const charges = [...deltas].filter(([, quantity]) => quantity !== 0)
      .map(([account, quantity]) => ({ userId: account, projectId: account, resource: DISKSPACE, quantity }));
    if (charges.length) await this.quota.issue({ issuer: ISSUER, name, autoAccept: true, charges }, trx);
  }

  /**
   * PostgreSQL: a shared lock against the garbage collector's delete phase, then one lock per
   * path in a fixed order, so two writers of a name commit one after the other. (SQLite's
   * BEGIN IMMEDIATE already serialises every write transaction.)
   */
  private async lockPaths(trx: Transaction<Schema>, paths: ObjectPath[]): Promise<void> {
    if (this.database.dialect !== 'postgres') return;
    await sql`select pg_advisory_xact_lock_shared(8585, 2)`.execute(trx);
    for (const key of paths.map(pathKey).sort()) await sql`select pg_advisory_xact_lock(8586, hashtext(${key}))`.execute(trx);
  }
}

function ignoreNotPending(error: unknown): void {
  // Another process's start-up may have released the reservation already.
  if (!(error instanceof ApiError && error.kind === 'notFound')) throw error;
}

/** Sharing and public links belong to a path and end with the object there. */
async function forgetPath(trx: Transaction<Schema>, path: ObjectPath): Promise<void> {
  await store.setGrants(trx, path.account, path.container, path.name, { grants: [], shareHistory: false });
  await store.deletePublic(trx, path.account, path.container, path.name);
}

const TOKEN_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Pithos' public URL token: 16 characters of [0-9a-zA-Z]. */
export function newPublicToken(): string {
  // 248 = 4 × 62 keeps the choice uniform.
  const out: string[] = [];
  while (out.length < 16) for (const byte of randomBytes(32)) if (byte < 248 && out.length < 16) out.push(TOKEN_ALPHABET[byte % 62]!);
  return out.join('');
}

export async function setPublished(trx: Transaction<Schema>, path: ObjectPath, publish: boolean): Promise<void> {
  if (!publish) return void (await store.deletePublic(trx, path.account, path.container, path.name));
  if (await store.publicToken(trx, path.account, path.container, path.name)) return;
  await store.insertPublic(trx, newPublicToken(), path.account, path.container, path.name);
}
