// Images (Plankton): a file in Pithos+ plus a record of what it is and who may use it. The
// image id is the file's UUID, so registering a file copies nothing; an upload through the
// image API writes the file into the owner's `images` container under that UUID.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { merkleRoot } from '@oceanos/contract';
import type { Database } from '../db/database.ts';
import { withTransaction } from '../db/transaction.ts';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import type { ObjectView, PithosService } from '../storage/service.ts';
import type { ObjectPath } from '../storage/writer.ts';
import { InsufficientStorage } from '../fs/disk-space.ts';
import { HEADER_BYTES, inspect } from './disk-format.ts';
import { checkAttributes, type ImageAttributes } from './attributes.ts';
import * as store from './store.ts';
import type { ImageRow, MemberRow } from './store.ts';

/** Who is asking: images are owned by users, as in Synnefo (a user's system project has their UUID). */
export interface Caller { user: string; admin: boolean }

export const UPLOAD_CONTAINER = 'images';

export class ImageService {
  constructor(
    private readonly database: Database,
    private readonly pithos: PithosService,
    private readonly logger: Logger,
  ) {}

  private get db() { return this.database.db; }

  /** An upload cut off by a stop of the process cannot finish: its image is queued again. */
  async start(): Promise<void> {
    const requeued = await store.requeueSaving(this.db);
    if (requeued) this.logger.info({ images: requeued }, 'uploads cut off by the last stop: images queued again');
  }

  // ---- records

  async create(caller: Caller, attributes: ImageAttributes & { id?: string }): Promise<ImageRow> {
    const id = attributes.id ?? randomUUID();
    if (!isUuid(id)) throw badRequest(`Invalid image id: ${id}`);
    checkAttributes(attributes);
    const row: ImageRow = { ...blank(id, caller.user, 'queued'), ...columns(attributes) };
    // A chosen id must not be taken by an image or by a file (the upload will carry it).
    if (await this.pithos.fileByUuid(id)) throw conflict(`An image with id ${id} already exists`);
    await withTransaction(this.database, async (trx) => {
      if (await store.findImage(trx, id)) throw conflict(`An image with id ${id} already exists`);
      await store.insertImage(trx, row);
    });
    return row;
  }

  /** An image the caller may see; 404 otherwise, so that others' private images stay unknown. */
  async get(caller: Caller, id: string): Promise<ImageRow> {
    const row = await store.findImage(this.db, id);
    if (!row || row.status === 'deleted' || !(await this.canSee(caller, row))) throw notFound(`No image found with ID ${id}`);
    return row;
  }

  /** An image the caller may change: its owner, or an admin. */
  async owned(caller: Caller, id: string): Promise<ImageRow> {
    const row = await this.get(caller, id);
    if (row.owner !== caller.user && !caller.admin) throw forbidden(`You are not permitted to modify image ${id}`);
    return row;
  }

  private async canSee(caller: Caller, row: ImageRow): Promise<boolean> {
    if (caller.admin || row.owner === caller.user || row.visibility === 'public' || row.visibility === 'community') return true;
    return row.visibility === 'shared' && (await store.findMember(this.db, row.id, caller.user)) !== undefined;
  }

  /** Every image the caller may see, with the caller's membership status on shared ones. */
  async visible(caller: Caller): Promise<{ rows: ImageRow[]; memberships: Map<string, MemberRow['status']> }> {
    const [rows, memberships] = await Promise.all([store.visibleImages(this.db, caller.user, caller.admin), store.membershipsOf(this.db, caller.user)]);
    return { rows, memberships };
  }

  async update(caller: Caller, id: string, change: (current: ImageRow) => ImageAttributes): Promise<ImageRow> {
    const current = await this.owned(caller, id);
    const next = change(current);
    checkAttributes(next);
    const formatChanged = next.disk_format !== undefined && next.disk_format !== current.disk_format
      || next.container_format !== undefined && next.container_format !== current.container_format;
    if (formatChanged && current.status !== 'queued') throw forbidden('The disk and container formats of an image can only be changed while it is queued');
    const patch = columns(next);
    return withTransaction(this.database, async (trx) => {
      await store.updateImage(trx, id, patch);
      if (patch.visibility !== undefined && patch.visibility !== 'shared') await store.deleteMembers(trx, id);
      return (await store.findImage(trx, id))!;
    });
  }

  /**
   * Glance's deactivate and reactivate (owner or admin): a deactivated image stays listed and
   * editable, but its data is refused to all but admins and no server boots from it. Anything
   * other than active ⇄ deactivated is a 403, as in Glance; repeating one is a no-op.
   */
  async setActive(caller: Caller, id: string, active: boolean): Promise<void> {
    const [from, to] = active ? ['deactivated', 'active'] as const : ['active', 'deactivated'] as const;
    const row = await this.owned(caller, id);
    if (row.status === to) return;
    if (row.status !== from || !(await store.switchStatus(this.db, id, from, to))) {
      throw forbidden(`Not allowed to ${active ? 'reactivate' : 'deactivate'} image in status '${row.status}'`);
    }
  }

  /**
   * Deletes the image record. The file stays, unless the image service made it (an upload
   * through the image API) and `keepFile` is not set.
   */
  async delete(caller: Caller, id: string, options: { keepFile?: boolean } = {}): Promise<void> {
    const row = await this.owned(caller, id);
    if (row.protected) throw forbidden(`Image ${id} is protected and cannot be deleted`);
    await withTransaction(this.database, async (trx) => {
      await store.updateImage(trx, id, { status: 'deleted' });
      await store.deleteMembers(trx, id);
    });
    if (row.file_owned && !options.keepFile) await this.deleteOwnedFile(row);
  }

  private async deleteOwnedFile(row: ImageRow): Promise<void> {
    const file = await this.pithos.fileByUuid(row.id);
    if (file) await this.pithos.writer.delete(file.path).catch((error) => this.logger.warn({ err: error, image: row.id }, 'could not delete an image file'));
  }

  // ---- data

  /**
   * Stores an upload as the image's file. The image goes queued → saving → active; any
   * failure (bad format, checksum mismatch, quota, a client gone) puts it back to queued and
   * leaves no file and no charge.
   */
  async upload(caller: Caller, id: string, body: AsyncIterable<Buffer>, declared: { length: number | null; md5?: string }): Promise<ImageRow> {
    const row = await this.owned(caller, id);
    if (!row.disk_format || !row.container_format) throw badRequest('Set the disk_format and container_format of the image before uploading its data');
    if (!(await store.switchStatus(this.db, id, 'queued', 'saving'))) throw conflict(`Image ${id} is ${row.status}: only a queued image takes data`);
    const path: ObjectPath = { account: row.owner, container: UPLOAD_CONTAINER, name: id };
    try {
      await this.pithos.accounts.putContainer(row.owner, row.owner, UPLOAD_CONTAINER, {}, { set: {}, remove: [] });
      // The upload reserves the quota its bytes need before they are stored; it is abandoned
      // (reservation and blocks released) by whatever fails below, the commit included.
      const upload = await this.pithos.writer.begin(path, declared.length);
      const head = new HeadTap();
      const stored = await this.pithos.writer.storeStream(head.tap(body), upload);
      let virtualSize: number;
      try {
        virtualSize = checkData(row, head.bytes, stored, declared.md5);
      } catch (error) {
        await this.pithos.writer.abandon(upload);
        throw error;
      }
      await this.pithos.writer.commit(path, {
        size: stored.size, hashes: stored.hashes, md5: stored.md5, contentType: 'application/octet-stream',
        metadata: {}, manifest: null, uuid: id,
      }, { modifiedBy: caller.user, upload });
      const saved = await withTransaction(this.database, async (trx) => {
        if ((await store.findImage(trx, id))?.status !== 'saving') return false; // deleted meanwhile
        await store.updateImage(trx, id, {
          status: 'active', file_container: path.container, file_name: path.name, file_owned: 1,
          size: stored.size, virtual_size: virtualSize, checksum: stored.md5, object_hash: merkleRoot(stored.hashes),
        });
        return true;
      });
      if (!saved) {
        await this.deleteOwnedFile({ ...row, file_owned: 1 });
        throw conflict(`Image ${id} was deleted during the upload`);
      }
      return (await store.findImage(this.db, id))!;
    } catch (error) {
      await store.switchStatus(this.db, id, 'saving', 'queued');
      // Glance answers a full store with 413 (glance_store's StorageFull), not 507.
      if (error instanceof InsufficientStorage) throw new ApiError('overLimit', `Image storage media is full: ${error.message}`);
      throw error;
    }
  }

  /**
   * Makes an image of a file the caller owns, or refreshes the image of that file (after the
   * file was replaced). Returns the image and whether it is new.
   */
  async register(caller: Caller, location: ObjectPath, attributes: ImageAttributes, expected: { size?: number; checksum?: string }): Promise<{ image: ImageRow; created: boolean }> {
    if (location.account !== caller.user) throw forbidden('Only files in your own account can be registered as images');
    checkAttributes(attributes);
    const file = await this.pithos.objectInfo(caller.user, location).catch((error) => {
      throw error instanceof ApiError && error.kind === 'notFound' ? notFound(`File /${location.container}/${location.name} does not exist`) : error;
    });
    if (file.manifest) throw badRequest('A large-object manifest cannot be an image: upload the data as one file');
    if (expected.size !== undefined && expected.size !== file.size) throw badRequest(`The file holds ${file.size} bytes, not ${expected.size}`);
    if (expected.checksum !== undefined && expected.checksum !== file.etag) throw badRequest('The file does not match the checksum given');
    const existing = await store.findImage(this.db, file.uuid);
    const live = existing && existing.status !== 'deleted' ? existing : undefined;
    if (live && live.owner !== caller.user) throw conflict(`The file is already image ${file.uuid} of another user`);
    // A new image takes Plankton's defaults; a registered one keeps what is not given again.
    const base = live ?? { ...blank(file.uuid, caller.user, 'active'), name: location.name, visibility: 'private', disk_format: 'diskdump', container_format: 'bare' };
    const row: ImageRow = {
      ...base, ...columns(attributes), status: 'active', updated_at: new Date().toISOString(),
      file_container: location.container, file_name: location.name, size: file.size, checksum: file.etag, object_hash: file.objectHash,
    };
    row.virtual_size = await this.virtualSize(row.disk_format!, file);
    await store.insertImage(this.db, row);
    return { image: row, created: !live };
  }

  private async virtualSize(diskFormat: string, file: ObjectView): Promise<number> {
    const chunks: Buffer[] = [];
    let length = 0;
    if (diskFormat === 'qcow2') {
      for await (const chunk of this.pithos.reader.read([{ ...file.slices[0]!, end: Math.min(HEADER_BYTES, file.size) }])) {
        chunks.push(chunk);
        length += chunk.length;
      }
    }
    try {
      return inspect(diskFormat, Buffer.concat(chunks, length), file.size);
    } catch (error) {
      throw badRequest(`The file does not fit disk format ${diskFormat}: ${(error as Error).message}`);
    }
  }

  /**
   * The bytes of an active image (or, for admins, a deactivated one): its file as uploaded or registered. A file replaced or
   * deleted since then no longer is the image.
   */
  async data(caller: Caller, id: string): Promise<{ image: ImageRow; file: ObjectView | null }> {
    const image = await this.get(caller, id);
    if (image.status === 'deactivated' && !caller.admin) throw forbidden('The requested image has been deactivated. Image data download is forbidden.');
    if (image.status !== 'active' && image.status !== 'deactivated') return { image, file: null };
    const file = await this.pithos.fileByUuid(id);
    if (!file) throw notFound(`The file of image ${id} no longer exists`);
    if (file.objectHash !== image.object_hash) throw conflict(`The file of image ${id} changed after it was registered; register it again`);
    return { image, file };
  }

  // ---- members

  async members(caller: Caller, id: string): Promise<MemberRow[]> {
    const image = await this.get(caller, id);
    const members = await store.listMembers(this.db, id);
    if (image.owner === caller.user || caller.admin) return members;
    return members.filter((m) => m.member === caller.user);
  }

  async member(caller: Caller, id: string, member: string): Promise<MemberRow> {
    const image = await this.get(caller, id);
    const row = await store.findMember(this.db, id, member);
    if (!row || (image.owner !== caller.user && !caller.admin && member !== caller.user)) throw notFound(`${member} is not a member of image ${id}`);
    return row;
  }

  async addMember(caller: Caller, id: string, member: string, status: MemberRow['status'] = 'pending'): Promise<MemberRow> {
    const image = await this.owned(caller, id);
    if (image.visibility !== 'shared') throw forbidden(`Only shared images have members; image ${id} is ${image.visibility}`);
    if (typeof member !== 'string' || member.length === 0 || member.length > 255) throw badRequest('A member is a project or user id');
    return withTransaction(this.database, async (trx) => {
      if (await store.findMember(trx, id, member)) throw conflict(`${member} is already a member of image ${id}`);
      await store.insertMember(trx, id, member);
      if (status !== 'pending') await store.setMemberStatus(trx, id, member, status);
      return (await store.findMember(trx, id, member))!;
    });
  }

  /** Only the member decides whether a shared image shows in their list. */
  async setMemberStatus(caller: Caller, id: string, member: string, status: string): Promise<MemberRow> {
    await this.member(caller, id, member);
    if (member !== caller.user) throw forbidden('Only the member can accept or reject a shared image');
    if (status !== 'accepted' && status !== 'rejected' && status !== 'pending') throw badRequest(`Invalid member status: ${status}`);
    await store.setMemberStatus(this.db, id, member, status);
    return (await store.findMember(this.db, id, member))!;
  }

  async removeMember(caller: Caller, id: string, member: string): Promise<void> {
    await this.owned(caller, id);
    if (!(await store.findMember(this.db, id, member))) throw notFound(`${member} is not a member of image ${id}`);
    await store.deleteMember(this.db, id, member);
  }

  /** Plankton's PUT of the whole member list; members are accepted at once, as in Synnefo. */
  async replaceMembers(caller: Caller, id: string, members: string[]): Promise<void> {
    const image = await this.owned(caller, id);
    await withTransaction(this.database, async (trx) => {
      await store.deleteMembers(trx, id);
      if (members.length && image.visibility !== 'shared') await store.updateImage(trx, id, { visibility: 'shared' });
      for (const member of unique(members)) {
        await store.insertMember(trx, id, member);
        await store.setMemberStatus(trx, id, member, 'accepted');
      }
    });
  }

  async count(): Promise<number> {
    return store.countImages(this.db);
  }
}

/** A new image record with nothing set but its identity. */
function blank(id: string, owner: string, status: ImageRow['status']): ImageRow {
  const now = new Date().toISOString();
  return {
    id, owner, name: '', status, visibility: 'shared', disk_format: null, container_format: null,
    min_disk: 0, min_ram: 0, protected: 0, os_hidden: 0, tags: '[]', properties: '{}',
    file_container: null, file_name: null, size: null, virtual_size: null, checksum: null, object_hash: null, file_owned: 0,
    created_at: now, updated_at: now,
  };
}

/** The columns that the given attributes set (attributes left out set nothing). */
function columns(a: ImageAttributes): Partial<ImageRow> {
  const row: Partial<ImageRow> = {};
  if (a.name !== undefined) row.name = a.name ?? '';
  if (a.visibility !== undefined) row.visibility = a.visibility;
  if (a.disk_format !== undefined) row.disk_format = a.disk_format;
  if (a.container_format !== undefined) row.container_format = a.container_format;
  if (a.min_disk !== undefined) row.min_disk = a.min_disk;
  if (a.min_ram !== undefined) row.min_ram = a.min_ram;
  if (a.protected !== undefined) row.protected = a.protected ? 1 : 0;
  if (a.os_hidden !== undefined) row.os_hidden = a.os_hidden ? 1 : 0;
  if (a.tags !== undefined) row.tags = JSON.stringify(unique(a.tags));
  if (a.properties !== undefined) row.properties = JSON.stringify(a.properties);
  return row;
}

/** Checks uploaded data against the image's format and what the client declared. */
function checkData(row: ImageRow, head: Buffer, stored: { size: number; md5: string }, declaredMd5: string | undefined): number {
  const expectedMd5 = declaredMd5 ?? JSON.parse(row.properties)['owner_specified.openstack.md5'];
  if (expectedMd5 !== undefined && expectedMd5 !== '' && expectedMd5 !== stored.md5) {
    throw badRequest(`The data does not match the checksum given (${expectedMd5}); the image is queued again`);
  }
  try {
    return inspect(row.disk_format!, head, stored.size);
  } catch (error) {
    throw badRequest(`The data does not fit disk format ${row.disk_format}: ${(error as Error).message}; the image is queued again`);
  }
}

/** Keeps a copy of a stream's first bytes as it passes through. */
class HeadTap {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  get bytes(): Buffer { return Buffer.concat(this.chunks, this.length); }

  async *tap(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      if (this.length < HEADER_BYTES) {
        const part = Buffer.from(chunk.subarray(0, HEADER_BYTES - this.length));
        this.chunks.push(part);
        this.length += part.length;
      }
      yield chunk;
    }
  }
}

const unique = <T>(values: T[]) => [...new Set(values)];
export const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
