// Writing versions. Bytes go to the block store first, held by their upload (uploads.ts); a
// version becomes visible only in the commit transaction, which also charges the quota and
// counts the version's references to its blocks, so a failed or abandoned upload leaves no
// object, no charge and, once abandoned, no blocks.
//
// What is charged: every kept version, the current one and the history a container with
// versioning `auto` keeps (history is not free: a user who could keep it for free could fill
// the disk with it). Overwriting keeps the old version as history; a DELETE removes the name
// with its history; `purge` drops history up to a moment.
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { merkleRoot } from '@oceanos/contract';
import type { Database } from '../db/database.ts';
import { CLUSTER, type Schema } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { ApiError, notFound, overLimit, preconditionFailed } from '../http/errors.ts';
import type { QuotaService } from '../quota/service.ts';
import type { BlockStore } from './block-store.ts';
import { lockForUse } from './collector-lock.ts';
import type { HashWorkers } from './hash-workers.ts';
import type { Metadata } from './names.ts';
import { splitHashes } from './reader.ts';
import { addRefs, removeRefs } from './refs-store.ts';
import type { Sharing } from './sharing.ts';
import * as store from './store.ts';
import { DISKSPACE, ISSUER, type Upload, type Uploads } from './uploads.ts';

export { DISKSPACE, ISSUER };
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

export interface Stored { size: number; hashes: string[]; md5: string }

export interface CommitOptions {
  modifiedBy: string;
  /** The upload that stored the draft's bytes: the commit ends it (or abandons it on failure). */
  upload?: Upload;
  /** The account whose POSTed blocks the draft names (a hashmap upload): they stop being in flight. */
  postedBy?: string;
  /** Replaces the grants on the path when given. */
  sharing?: Sharing;
  /** Publishes (true) or unpublishes (false) the path when given. */
  publish?: boolean;
  /** The source of a move: its name is removed, with its history, in the same transaction. */
  moveFrom?: ObjectPath;
  /** If-None-Match: * — refuse to replace an existing object. */
  mustNotExist?: boolean;
  /** The version the draft was made from (a partial update): 409 if another write came first. */
  expectSerial?: number;
}

export interface Committed { serial: number; uuid: string; modifiedAt: string }

type Drop = (scope: store.VersionScope) => Promise<{ count: number; bytes: number }>;
type Work<T> = (trx: Transaction<Schema>, drop: Drop, tally: store.ContainerTally) => Promise<T>;

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
    private readonly hashes: HashWorkers,
    private readonly uploads: Uploads,
    /** Deletes those of the blocks that nothing references or holds (never throws). */
    private readonly reclaim: (hashes: string[]) => Promise<unknown>,
  ) {}

  /**
   * Starts an upload to `path`, reserving quota for `length` bytes when the length is known:
   * a client over its quota hears 413 before it sends anything. Bytes the upload will free
   * (the current version, where the container keeps no history) need no reservation.
   */
  async begin(path: ObjectPath, length: number | null): Promise<Upload> {
    const container = await store.findContainer(this.database.db, path.account, path.container);
    const current = container?.versioning === 'none' ? await store.currentVersion(this.database.db, path.account, path.container, path.name) : undefined;
    const upload = await this.uploads.begin(path.account, current?.size ?? 0);
    if (length !== null) {
      try {
        await this.uploads.cover(upload, length, true);
      } catch (error) {
        await this.abandon(upload);
        throw error;
      }
    }
    return upload;
  }

  /** Ends an upload that will not be committed, releasing its reservations and blocks. */
  abandon(upload: Upload): Promise<void> {
    return this.uploads.abandon(upload.id);
  }

  /**
   * Stores a byte stream as blocks of `upload`, each reserved and held before it is written;
   * returns its size, hashmap and MD5. On failure the upload is abandoned.
   */
  async storeStream(body: AsyncIterable<Buffer>, upload: Upload): Promise<Stored> {
    const md5 = this.hashes.md5();
    const hashes: string[] = [];
    let size = 0;
    try {
      await this.storeBlocks(body, async (block, index) => {
        size += block.length;
        await this.uploads.cover(upload, size);
        // The MD5 reads the blocks in order while they hash and are written; the block's
        // memory is reused only once it has read it (a failure is the store's to report).
        const summed = md5.update(block);
        summed.catch(() => undefined);
        return async () => {
          try {
            const hash = await this.hashes.sha256(block);
            await this.uploads.hold(upload, hash, block.length);
            hashes[index] = await this.blocks.put(block, hash);
          } finally {
            await summed;
          }
        };
      });
    } catch (error) {
      await md5.abandon();
      await this.abandon(upload);
      throw error;
    }
    return { size, hashes, md5: await md5.digest() };
  }

  /**
   * Stores raw blocks POSTed by `account` for a hashmap upload (Pithos' container POST), each
   * reserved in its quota and held in its upload session; returns their hashes in order. If
   * the request fails, the blocks it brought are let go: its client never learns their names.
   */
  async storePosted(body: AsyncIterable<Buffer>, account: string): Promise<string[]> {
    const hashes: string[] = [];
    const brought: string[] = [];
    try {
      await this.storeBlocks(body, async (block, index) => async () => {
        const hash = await this.hashes.sha256(block);
        if (await this.uploads.holdPosted(account, hash, block.length)) brought.push(hash);
        hashes[index] = await this.blocks.put(block, hash);
      });
    } catch (error) {
      if (brought.length) await this.uploads.unholdPosted(account, brought);
      throw error;
    }
    return hashes;
  }

  /**
   * Splits the body into blocks. For each, in order, `admit` may refuse it (before anything is
   * stored) and returns how to store it; blocks are stored several at a time, and each block's
   * memory goes back for reuse once its storing has ended, however it ended.
   */
  private async storeBlocks(
    body: AsyncIterable<Buffer>,
    admit: (block: Buffer, index: number) => Promise<() => Promise<void>>,
  ): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    let index = 0;
    for await (const block of this.blocks.buffers.split(body)) {
      let store: () => Promise<void>;
      try {
        store = await admit(block.data, index++);
      } catch (error) {
        block.release();
        failure = error;
        break;
      }
      const task = store().catch((error) => { failure ??= error; }).finally(() => block.release());
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (inFlight.size >= PUTS_IN_FLIGHT) await Promise.race(inFlight);
      if (failure) break;
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
  }

  /** Makes a draft the current version of `target`, atomically with its quota charge. */
  async commit(target: ObjectPath, draft: Draft, options: CommitOptions): Promise<Committed> {
    try {
      return await this.dropping(async (trx, drop, tally) => {
        await this.lockPaths(trx, options.moveFrom ? [target, options.moveFrom] : [target]);
        const container = await store.findContainer(trx, target.account, target.container);
        if (!container) throw notFound(`Container ${target.container} does not exist`);
        // Refreshing the blocks under the lock means the collector, which deletes under the
        // exclusive lock, has either seen this version's references or left these blocks alone.
        const missing = await this.blocks.touch(draft.hashes);
        if (missing.length) throw new MissingBlocksError(missing);

        const current = await store.currentVersion(trx, target.account, target.container, target.name);
        if (current && options.mustNotExist) throw preconditionFailed('An object with that name exists');
        if (options.expectSerial !== undefined && current?.serial !== options.expectSerial) {
          throw new ApiError('conflict', 'The object changed while it was being updated; send the update again');
        }
        const source = options.moveFrom && await store.currentVersion(trx, options.moveFrom.account, options.moveFrom.container, options.moveFrom.name);
        if (options.moveFrom && !source) throw notFound(`Object ${options.moveFrom.name} does not exist`);

        if (options.upload) await this.uploads.settle(trx, options.upload);
        if (options.postedBy) await this.uploads.consumePosted(trx, options.postedBy, draft.hashes);
        const deltas = new Map<string, number>([[target.account, draft.size]]);
        const credit = (account: string, bytes: number) => deltas.set(account, (deltas.get(account) ?? 0) - bytes);
        if (current && container.versioning === 'none') credit(target.account, (await drop({ ...target, clusters: 'all' })).bytes);
        else if (current) {
          await store.setCluster(trx, current.serial, CLUSTER.history);
          tally.add(target.account, target.container, -1, -current.size);
        }
        if (source && options.moveFrom) {
          credit(source.account, (await drop({ ...options.moveFrom, clusters: 'all' })).bytes);
          await forgetPath(trx, options.moveFrom);
        }
        await this.charge(trx, deltas, `write ${pathKey(target)}`);
        if (container.quota > 0 && draft.size > 0) {
          const used = container.bytes_used + tally.bytesOf(target.account, target.container);
          if (used + draft.size > container.quota) throw overLimit(`Container ${target.container} quota of ${container.quota} bytes exceeded`);
        }

        const modifiedAt = new Date().toISOString();
        const uuid = draft.uuid ?? current?.uuid ?? randomUUID();
        const serial = await store.insertVersion(trx, {
          account: target.account, container: target.container, name: target.name, uuid, cluster: CLUSTER.normal,
          size: draft.size, hashes: draft.hashes.join(''), object_hash: merkleRoot(draft.hashes), md5: draft.md5,
          content_type: draft.contentType, metadata: JSON.stringify(draft.metadata), manifest: draft.manifest,
          modified_at: modifiedAt, modified_by: options.modifiedBy,
        });
        tally.add(target.account, target.container, 1, draft.size);
        await addRefs(trx, target.account, draft.hashes);
        if (options.sharing) await store.setGrants(trx, target.account, target.container, target.name, options.sharing);
        if (options.publish !== undefined) await setPublished(trx, target, options.publish);
        return { serial, uuid, modifiedAt };
      });
    } catch (error) {
      if (options.upload) await this.abandon(options.upload);
      throw error;
    }
  }

  /** Deletes an object: its current version and its history, and releases what they were charged. */
  async delete(target: ObjectPath): Promise<void> {
    await this.dropping(async (trx, drop) => {
      await this.lockPaths(trx, [target]);
      const current = await store.currentVersion(trx, target.account, target.container, target.name);
      if (!current) throw notFound(`Object ${target.name} does not exist`);
      await this.charge(trx, new Map([[target.account, -(await drop({ ...target, clusters: 'all' })).bytes]]), `delete ${pathKey(target)}`);
      await forgetPath(trx, target);
    });
  }

  /**
   * Drops the history (not the current versions) of one object, or of every object of a
   * container, written up to `until`, and releases what it was charged. Returns how many
   * versions went.
   */
  async purge(scope: { account: string; container: string; name?: string }, until: string): Promise<number> {
    return this.dropping(async (trx, drop) => {
      if (scope.name !== undefined) await this.lockPaths(trx, [{ ...scope, name: scope.name }]);
      else await lockForUse(trx, this.database.dialect);
      const dropped = await drop({ ...scope, clusters: 'history', until });
      await this.charge(trx, new Map([[scope.account, -dropped.bytes]]), `purge ${scope.account}/${scope.container}`);
      return dropped.count;
    });
  }

  /** Deletes an empty container, with the history kept in it. */
  async deleteContainer(account: string, container: string): Promise<void> {
    await this.dropping(async (trx, drop) => {
      await lockForUse(trx, this.database.dialect);
      if (!(await store.findContainer(trx, account, container))) throw notFound(`Container ${container} does not exist`);
      if ((await store.containerStats(trx, account, container)).count > 0) throw new ApiError('conflict', 'There was a conflict when trying to complete your request: the container is not empty.');
      await this.charge(trx, new Map([[account, -(await drop({ account, container, clusters: 'all' })).bytes]]), `delete container ${account}/${container}`);
      await store.deleteContainer(trx, account, container);
    });
  }

  /**
   * Runs a transaction whose `drop` deletes versions with their references (returning how
   * many and the bytes they were charged); once it commits, the blocks that nothing needs any
   * more are deleted at once, so that deleting and writing again cannot pile up garbage.
   */
  private async dropping<T>(work: Work<T>): Promise<T> {
    const released = new Set<string>();
    const result = await withTransaction(this.database, async (trx) => {
      // Counters of current objects change with the transaction's own changes (store.ts).
      const tally = new store.ContainerTally();
      const done = await work(trx, async (scope) => {
        const rows = await store.deleteVersions(trx, scope);
        const hashes = rows.flatMap((r) => splitHashes(r.hashes));
        await removeRefs(trx, scope.account, hashes);
        for (const hash of hashes) released.add(hash);
        const current = rows.filter((r) => r.cluster === CLUSTER.normal);
        tally.add(scope.account, scope.container, -current.length, -current.reduce((sum, r) => sum + r.size, 0));
        return { count: rows.length, bytes: rows.reduce((sum, r) => sum + r.size, 0) };
      }, tally);
      await store.tallyContainers(trx, tally);
      return done;
    });
    if (released.size) await this.reclaim([...released]);
    return result;
  }

  private async charge(trx: Transaction<Schema>, deltas: Map<string, number>, name: string): Promise<void> {
    const charges = [...deltas].filter(([, quantity]) => quantity !== 0)
      .map(([account, quantity]) => ({ userId: account, projectId: account, resource: DISKSPACE, quantity }));
    if (charges.length) await this.quota.issue({ issuer: ISSUER, name, autoAccept: true, charges }, trx);
  }

  /**
   * The shared lock against the collector's delete phase, then (PostgreSQL) one lock per path
   * in a fixed order, so two writers of a name commit one after the other. (SQLite's BEGIN
   * IMMEDIATE already serialises every write transaction.)
   */
  private async lockPaths(trx: Transaction<Schema>, paths: ObjectPath[]): Promise<void> {
    await lockForUse(trx, this.database.dialect);
    if (this.database.dialect !== 'postgres') return;
    for (const key of paths.map(pathKey).sort()) await sql`select pg_advisory_xact_lock(8586, hashtext(${key}))`.execute(trx);
  }
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
