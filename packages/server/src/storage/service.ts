// Pithos+: objects over the block store (accounts and containers are in accounts.ts). The
// HTTP edge (swift-*.ts) translates requests into these calls; every call names its caller, and
// the access rules live here.
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import { CLUSTER } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { conflict, forbidden, notFound } from '../http/errors.ts';
import type { QuotaService } from '../quota/service.ts';
import { checkObjectAccess, firstSharedSerial, PUBLIC_READER, userReader, visibleIn } from './access.ts';
import type { BlockStore } from './block-store.ts';
import { listWithDelimiter, type ListOptions, type Listed } from './listing.ts';
import { parseManifest, type Manifest } from './manifest.ts';
import { checkMetadata, mergeUpdate, type Metadata } from './names.ts';
import { HashWorkers } from './hash-workers.ts';
import { ObjectViews, type ObjectView } from './object-view.ts';
import { ObjectReader, splitHashes } from './reader.ts';
import { formatSharing, type Sharing } from './sharing.ts';
import * as store from './store.ts';
import { ObjectWriter, setPublished, type Draft, type ObjectPath } from './writer.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { Housekeeping } from './housekeeping.ts';
import { Uploads } from './uploads.ts';
import { deleteUnder } from './tree-delete.ts';
import { Accounts } from './accounts.ts';

export type { ObjectView };
export { HOME_CONTAINERS, type ContainerPolicy } from './accounts.ts';

export interface PithosOptions {
  /** An unreferenced block is swept once it is older than this. */
  gcGraceMs: number;
  /** An upload that shows no progress for this long is over: its reservations and blocks go. */
  uploadLeaseMs: number;
}

export class PithosService {
  readonly reader: ObjectReader;
  readonly writer: ObjectWriter;
  readonly collector: GarbageCollector;
  readonly uploads: Uploads;
  readonly housekeeping: Housekeeping;
  /** Accounts and containers (accounts.ts). */
  readonly accounts: Accounts;
  private readonly views: ObjectViews;
  private readonly hashes = new HashWorkers();

  constructor(
    private readonly database: Database,
    readonly blocks: BlockStore,
    quota: QuotaService,
    private readonly logger: Logger,
    options: PithosOptions,
  ) {
    this.reader = new ObjectReader(blocks, this.hashes);
    this.views = new ObjectViews(database, this.reader);
    this.collector = new GarbageCollector(database, blocks, logger, options.gcGraceMs);
    // A block that fails to go now is left to the sweep.
    const reclaim = (hashes: string[]) => this.collector.reclaim(hashes)
      .catch((error) => this.logger.warn({ err: error, blocks: hashes.length }, 'deleting unneeded blocks failed; the sweep will'));
    this.uploads = new Uploads(database, quota, reclaim, options.uploadLeaseMs);
    this.writer = new ObjectWriter(database, blocks, quota, this.hashes, this.uploads, reclaim);
    this.accounts = new Accounts(database, quota, this.writer);
    this.housekeeping = new Housekeeping(database, quota, this.uploads, this.collector, logger, options.uploadLeaseMs);
  }

  /** Ends what a previous run left and makes every charge match what is kept (housekeeping.ts). */
  start(): Promise<void> {
    return this.housekeeping.start();
  }

  /** Stops the sweeps and the hash worker threads. */
  close(): Promise<void> {
    this.housekeeping.stop();
    this.uploads.close();
    return this.hashes.close();
  }

  private get db() { return this.database.db; }

  /**
   * Pithos' block upload (a container POST of raw data, for a hashmap upload): the owner's
   * alone, reserved in their quota block by block (413 as soon as one does not fit) and held
   * for their next hashmap; returns the hashes.
   */
  async postBlocks(caller: string, account: string, container: string, body: AsyncIterable<Buffer>): Promise<string[]> {
    if (caller !== account) throw forbidden('Only the owner may upload blocks');
    await this.accounts.requireContainer(account, container, caller);
    return this.writer.storePosted(body, account);
  }

  /**
   * The blocks of a hashmap the caller must send: those the store lacks, and those the caller
   * neither references already nor has just uploaded. Knowing a hash is no capability: an
   * account may name only blocks it possesses (the store keeps each block once all the same).
   */
  async blocksToSend(caller: string, hashes: string[]): Promise<string[]> {
    const possessed = await this.uploads.possessed(caller, hashes);
    const absent = new Set(await this.blocks.missing(hashes.filter((h) => possessed.has(h))));
    return [...new Set(hashes)].filter((h) => !possessed.has(h) || absent.has(h));
  }


  async listObjects(caller: string, account: string, container: string, options: ListOptions & { shared?: boolean; public?: boolean }): Promise<Listed[]> {
    await this.accounts.requireContainer(account, container, caller);
    let visible: string[] | undefined;
    if (caller !== account) {
      visible = (await visibleIn(this.db, caller, account, container)).names;
    } else if (options.shared) {
      visible = (await store.sharedNames(this.db, account, container)).map((r) => r.name);
    } else if (options.public) {
      visible = (await store.publicNames(this.db, account, container)).map((r) => r.name);
    }
    const rows = await listWithDelimiter(options, (range) => store.listObjects(this.db, account, container, range, visible));
    // Listings carry Swift's hash (MD5); fill the few not computed yet.
    for (const row of rows) {
      if (row.kind === 'object' && row.md5 === null && row.manifest === null) row.md5 = await this.md5Of(account, row.serial);
    }
    return rows;
  }

  // ---- objects

  /** The current (or a given) version of an object as the caller may see it. */
  async objectInfo(caller: string, path: ObjectPath, version?: number, options: { own?: boolean } = {}): Promise<ObjectView> {
    const { row, grant } = await this.readableVersion(caller, path, version, 'read',
      version === undefined ? `Object ${path.name} does not exist` : `Version ${version} of ${path.name} does not exist`);
    const view = await this.views.of(row, userReader(caller), options.own);
    if (caller === path.account) {
      const sharing = formatSharing(await store.grantsOn(this.db, path.account, path.container, path.name));
      if (sharing) view.sharing = sharing;
    } else if (grant) {
      view.sharedBy = `${path.container}/${grant.name}`;
      view.allowedTo = grant.canWrite ? 'write' : 'read';
    }
    view.publicToken = await store.publicToken(this.db, path.account, path.container, path.name);
    return view;
  }

  /**
   * The manifest a version holds (null for a plain object), read without its segments: a
   * static manifest is shown as it is whether or not the caller may read what it names.
   */
  async manifestOf(caller: string, path: ObjectPath, version?: number): Promise<{ manifest: Manifest | null; modifiedAt: string }> {
    const { row } = await this.readableVersion(caller, path, version, 'read', `Object ${path.name} does not exist`);
    return { manifest: parseManifest(row.manifest), modifiedAt: row.modified_at };
  }

  /**
   * The current or a given version of an object, if `caller` may read (or write) it, with the
   * grant that lets a non-owner in. A sharee sees no version older than the share.
   */
  private async readableVersion(caller: string, path: ObjectPath, version: number | undefined, need: 'read' | 'write', missing: string) {
    const grant = await checkObjectAccess(this.db, caller, path.account, path.container, path.name, need);
    const row = version === undefined
      ? await store.currentVersion(this.db, path.account, path.container, path.name)
      : await store.versionBySerial(this.db, version);
    if (!row || row.account !== path.account || row.container !== path.container || row.name !== path.name) {
      throw notFound(missing);
    }
    if (grant && row.cluster !== CLUSTER.normal && row.serial < await firstSharedSerial(this.db, path, grant)) throw notFound(missing);
    return { row, grant };
  }

  /**
   * The current version of the file with this UUID, with no access check: for services that
   * keep their own rules about who may read it (images).
   */
  async fileByUuid(uuid: string): Promise<ObjectView | undefined> {
    const row = await store.currentByUuid(this.db, uuid);
    return row && this.views.of(row, userReader(row.account));
  }

  /** The object behind a public link, or 404. */
  async publicObject(token: string): Promise<ObjectView> {
    const link = await store.findPublic(this.db, token);
    const row = link && await store.currentVersion(this.db, link.account, link.container, link.name);
    if (!row) throw notFound('The resource could not be found.');
    return this.views.of(row, PUBLIC_READER);
  }

  /** Computes and records the MD5 of a version uploaded by hashmap. */
  async md5Of(account: string, serial: number): Promise<string> {
    const row = await store.versionBySerial(this.db, serial);
    if (!row || row.account !== account) throw notFound(`Version ${serial} does not exist`);
    return this.views.md5(row);
  }

  /** Version ids and times of an object, oldest first. */
  async versions(caller: string, path: ObjectPath): Promise<{ serial: number; modifiedAt: string }[]> {
    const grant = await checkObjectAccess(this.db, caller, path.account, path.container, path.name, 'read');
    const first = grant ? await firstSharedSerial(this.db, path, grant) : 0;
    const rows = (await store.versionsOf(this.db, path.account, path.container, path.name)).filter((r) => Number(r.serial) >= first);
    if (rows.length === 0) throw notFound(`Object ${path.name} does not exist`);
    return rows.map((r) => ({ serial: Number(r.serial), modifiedAt: r.modified_at }));
  }

  /**
   * POST on an object: replaces its metadata (Swift: the user's, Content-Disposition and
   * Content-Encoding) or merges into it (`merge`, Pithos' `?update`: an empty value removes a
   * key), and optionally its content type, manifest, sharing and public state. Sharing is the
   * owner's to change.
   */
  async updateObject(caller: string, path: ObjectPath, change: {
    metadata?: Metadata; merge?: boolean; contentType?: string; manifest?: Manifest; sharing?: Sharing; publish?: boolean;
  }): Promise<void> {
    await checkObjectAccess(this.db, caller, path.account, path.container, path.name, 'write');
    if (caller !== path.account && (change.sharing !== undefined || change.publish !== undefined)) throw forbidden('Only the owner may change sharing');
    if (change.metadata) checkMetadata(change.metadata, 'object');
    await withTransaction(this.database, async (trx) => {
      const row = await store.currentVersion(trx, path.account, path.container, path.name);
      if (!row) throw notFound(`Object ${path.name} does not exist`);
      const patch = {
        ...(change.metadata ? { metadata: JSON.stringify(change.merge ? mergeUpdate(JSON.parse(row.metadata), change.metadata) : change.metadata) } : {}),
        ...(change.contentType ? { content_type: change.contentType } : {}),
        ...(change.manifest ? { manifest: JSON.stringify(change.manifest) } : {}),
      };
      if (Object.keys(patch).length) await store.updateVersion(trx, row.serial, patch);
      if (change.sharing) await store.setGrants(trx, path.account, path.container, path.name, change.sharing);
      if (change.publish !== undefined) await setPublished(trx, path, change.publish);
    });
  }

  async deleteObject(caller: string, path: ObjectPath): Promise<void> {
    await checkObjectAccess(this.db, caller, path.account, path.container, path.name, 'write');
    await this.writer.delete(path);
  }

  /**
   * Pithos' `DELETE ?delimiter=` on an object: everything under `name + delimiter` that the
   * caller may write (judged while the object's own grants still stand), then the object.
   */
  async deleteFolder(caller: string, path: ObjectPath, delimiter: string): Promise<void> {
    await checkObjectAccess(this.db, caller, path.account, path.container, path.name, 'write');
    if (!(await store.currentVersion(this.db, path.account, path.container, path.name))) throw notFound(`Object ${path.name} does not exist`);
    const prefix = path.name.endsWith(delimiter) ? path.name : path.name + delimiter;
    await deleteUnder(this.db, this.writer, caller, { account: path.account, container: path.container, prefix });
    await this.writer.delete(path);
  }

  async checkWrite(caller: string, path: ObjectPath): Promise<void> {
    // Access first: another user learns nothing about containers they may not write to.
    await checkObjectAccess(this.db, caller, path.account, path.container, path.name, 'write');
    await this.accounts.requireContainer(path.account, path.container, caller);
  }

  /** A version to copy or move from, as a draft for the destination. */
  async sourceDraft(caller: string, path: ObjectPath, options: { version?: number; move: boolean }): Promise<{ draft: Draft; modifiedAt: string }> {
    const { row } = await this.readableVersion(caller, path, options.version, options.move ? 'write' : 'read',
      `Source object ${path.container}/${path.name} does not exist`);
    if (options.move && row.cluster !== CLUSTER.normal) throw conflict('Only the current version of an object can be moved');
    return {
      draft: {
        size: row.size, hashes: splitHashes(row.hashes), md5: row.md5, contentType: row.content_type,
        metadata: JSON.parse(row.metadata) as Metadata, manifest: row.manifest, ...(options.move ? { uuid: row.uuid } : {}),
      },
      modifiedAt: row.modified_at,
    };
  }

  /** The MD5 already known for a hashmap's bytes, if any version has it. */
  knownMd5(objectHash: string, size: number): Promise<string | null> {
    return store.knownMd5(this.db, objectHash, size);
  }

  /** Fills in the MD5 of a hashmap upload in the background (GETs compute it if asked first). */
  fillMd5Later(account: string, serial: number): void {
    this.md5Of(account, serial).catch((error) => this.logger.warn({ err: error, serial }, 'computing an MD5 failed'));
  }
}
