// How a stored version reads: the slices of blocks its bytes are made of (its own hashmap,
// or a large object's segments), its ETag, and the rest of what HEAD and GET show.
import type { Database } from '../db/database.ts';
import { conflict } from '../http/errors.ts';
import { readableIn, type Reader } from './access.ts';
import { manifestEtag, parseManifest, splitDlo, splitSegmentPath, MAX_SEGMENTS, type Manifest } from './manifest.ts';
import { prefixEnd, type Metadata } from './names.ts';
import { splitHashes, type ObjectReader, type Slice } from './reader.ts';
import * as store from './store.ts';
import type { ObjectPath } from './writer.ts';

export interface ObjectView {
  path: ObjectPath;
  serial: number;
  uuid: string;
  cluster: number;
  /** Bytes a GET returns (a manifest's: its segments'). */
  size: number;
  hashes: string[];
  objectHash: string;
  /** Swift's ETag: the MD5 of the bytes, or the quoted large-object ETag. */
  etag: string;
  contentType: string;
  metadata: Metadata;
  manifest: Manifest | null;
  modifiedAt: string;
  modifiedBy: string;
  /** What the bytes are made of. */
  slices: Slice[];
  /** For the owner: the X-Object-Sharing value. */
  sharing?: string;
  /** For others: the path whose grant lets them in, and what it allows. */
  sharedBy?: string;
  allowedTo?: 'read' | 'write';
  publicToken?: string;
}

export class ObjectViews {
  constructor(private readonly database: Database, private readonly reader: ObjectReader) {}

  /**
   * What a version shows to `reader`: its bytes (its own blocks, or its segments'), ETag and
   * metadata. A large object's segments are read with the reader's rights, whoever wrote the
   * manifest: nobody reads through a manifest what they could not read directly. `own`: a
   * dynamic manifest's own bytes instead (Swift's `?multipart-manifest=get`).
   */
  async of(row: store.VersionRow, reader: Reader, own = false): Promise<ObjectView> {
    const hashes = splitHashes(row.hashes);
    const manifest = parseManifest(row.manifest);
    const base = {
      path: { account: row.account, container: row.container, name: row.name },
      serial: row.serial, uuid: row.uuid, cluster: row.cluster, hashes, objectHash: row.object_hash,
      contentType: row.content_type, metadata: JSON.parse(row.metadata) as Metadata, manifest,
      modifiedAt: row.modified_at, modifiedBy: row.modified_by,
    };
    if (!manifest || (own && 'dlo' in manifest)) {
      const md5 = await this.md5(row);
      return { ...base, size: row.size, etag: md5, slices: [{ content: { size: row.size, hashes }, start: 0, end: row.size }] };
    }
    const segments = await this.segments(row.account, manifest, reader);
    return {
      ...base,
      size: segments.reduce((sum, s) => sum + s.size, 0),
      etag: manifestEtag(segments.map((s) => s.etag)),
      slices: segments.map((s) => ({ content: { size: s.size, hashes: splitHashes(s.hashes) }, start: 0, end: s.size })),
    };
  }

  /**
   * The current versions a manifest points at, in order, as far as `reader` may read them. A
   * dynamic manifest is what the reader's own listing of its prefix shows; a static segment
   * the reader may not read is answered as a missing one, so that nothing tells the two apart.
   */
  private async segments(account: string, manifest: Manifest, reader: Reader): Promise<{ size: number; hashes: string; etag: string }[]> {
    const out: { size: number; hashes: string; etag: string }[] = [];
    const readable = new Map<string, Promise<(name: string) => boolean>>();
    const mayRead = async (container: string, name: string) => {
      if (!readable.has(container)) readable.set(container, readableIn(this.database.db, reader, account, container));
      return (await readable.get(container)!)(name);
    };
    if ('dlo' in manifest) {
      const { container, prefix } = splitDlo(manifest.dlo);
      const rows = await store.listObjects(this.database.db, account, container, { from: prefix || undefined, before: prefixEnd(prefix), limit: MAX_SEGMENTS });
      for (const r of rows) {
        if (r.manifest !== null) continue; // segments of segments are not followed
        if (!(await mayRead(container, r.name))) continue;
        const version = (await store.versionBySerial(this.database.db, r.serial))!;
        out.push({ size: r.size, hashes: version.hashes, etag: await this.md5(version) });
      }
      return out;
    }
    for (const segment of manifest.slo) {
      const { container, name } = splitSegmentPath(segment.path);
      const row = (await mayRead(container, name)) ? await store.currentVersion(this.database.db, account, container, name) : undefined;
      if (!row || row.size !== segment.size_bytes || row.manifest !== null) {
        throw conflict(`Segment ${segment.path} of this large object is missing, changed, or not readable by you`);
      }
      out.push({ size: row.size, hashes: row.hashes, etag: await this.md5(row) });
    }
    return out;
  }

  /** A version's MD5: recorded, or computed from its blocks and recorded (hashmap uploads). */
  async md5(row: store.VersionRow): Promise<string> {
    if (row.md5 !== null) return row.md5;
    const md5 = await this.reader.md5(`${row.object_hash}:${row.size}`, { size: row.size, hashes: splitHashes(row.hashes) });
    await store.fillMd5(this.database.db, row.object_hash, row.size, md5);
    return md5;
  }
}
