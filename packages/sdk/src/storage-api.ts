// Pithos+ object storage (`/object-store/v1/<account>`), Swift-shaped: containers, objects,
// listings, metadata, sharing and public links. Whole-file transfers by hashmap live in
// storage-upload.ts and storage-download.ts.
import { ApiError } from './api-error.ts';
import { readJson, segment, type HttpTransport, type RawRequestOptions } from './http-transport.ts';
import { downloadFile, type DownloadOptions, type DownloadResult } from './storage-download.ts';
import {
  accountInfo, containerInfo, formatSharing, isSubdir, metaToHeaders, objectInfo,
  type AccountInfo, type ContainerEntry, type ContainerInfo, type ListingEntry, type Metadata, type ObjectHashmap,
  type ObjectInfo, type SharingAccount, type Sharing, type Versioning,
} from './storage-types.ts';
import { uploadFile, type UploadOptions, type UploadResult } from './storage-upload.ts';

/** Long enough for a 4 MiB block at 40 kbit/s. */
const BLOCK_UPLOAD_TIMEOUT_MS = 15 * 60_000;
/** Swift's largest page; listings longer than this are fetched page by page. */
const PAGE_SIZE = 10_000;

export interface ListOptions {
  prefix?: string;
  marker?: string;
  endMarker?: string;
  /** At most this many entries in all; every entry by default. */
  limit?: number;
  /** Entries asked for per request. */
  pageSize?: number;
}

export interface ObjectListOptions extends ListOptions {
  /** Folds names that continue past the prefix with this character into `{subdir}` entries. */
  delimiter?: string;
  /** Only the direct children of this folder (Pithos' `path`). */
  path?: string;
}

export interface WriteOptions {
  /** The server guesses one from the name when none is given. */
  contentType?: string;
  meta?: Metadata;
  sharing?: Partial<Sharing>;
  public?: boolean;
}

/** An object to copy or move from; `account` is another user's UUID (shared with the caller). */
export interface ObjectRef {
  container: string;
  name: string;
  account?: string;
}

export interface ObjectVersion {
  id: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

/** Object names keep their slashes in the URL; every other reserved character is escaped. */
export const encodeObjectName = (name: string) => name.split('/').map(encodeURIComponent).join('/');

export class StorageApi {
  private accountPromise?: Promise<string>;

  /** `account` resolves the account (a user UUID) on first use; see OceanosClient.storage. */
  constructor(private readonly http: HttpTransport, private readonly account: string | (() => Promise<string>)) {}

  /** The same API on another account, e.g. one that shares objects with the caller. */
  forAccount(account: string): StorageApi {
    return new StorageApi(this.http, account);
  }

  /** The account this API works on (the token's user by default). */
  async accountId(): Promise<string> {
    if (typeof this.account === 'string') return this.account;
    this.accountPromise ??= this.account();
    return this.accountPromise;
  }

  /** Accounts that share at least one object with the caller. */
  async sharingAccounts(): Promise<SharingAccount[]> {
    return (await this.http.json<SharingAccount[]>('GET', '/object-store/v1', { query: { format: 'json' } })) ?? [];
  }

  // ---- account ----

  async accountInfo(): Promise<AccountInfo> {
    const response = await this.head(await this.accountPath(), 'the account');
    return accountInfo(await this.accountId(), response.headers);
  }

  /** Sets account metadata (an empty value removes a key) and groups (an empty list removes one). */
  async updateAccount(changes: { meta?: Metadata; groups?: Record<string, string[]> }): Promise<void> {
    const groups = Object.fromEntries(Object.entries(changes.groups ?? {}).map(([name, members]) => [`x-account-group-${name}`, members.join(',')]));
    await this.call('POST', await this.accountPath(), { headers: { ...metaToHeaders(changes.meta, 'account'), ...groups } });
  }

  async listContainers(options: ListOptions = {}): Promise<ContainerEntry[]> {
    return this.listAll<ContainerEntry>(await this.accountPath(), options, {});
  }

  // ---- containers ----

  /** Creates a container; false if it already existed (its policy and metadata are then updated). */
  async createContainer(name: string, options: { versioning?: Versioning; meta?: Metadata } = {}): Promise<boolean> {
    const response = await this.call('PUT', await this.containerPath(name), { headers: containerHeaders(options) });
    return response.status === 201;
  }

  async containerInfo(name: string): Promise<ContainerInfo> {
    return containerInfo(name, (await this.head(await this.containerPath(name), `container ${name}`)).headers);
  }

  async updateContainer(name: string, changes: { versioning?: Versioning; meta?: Metadata }): Promise<void> {
    await this.call('POST', await this.containerPath(name), { headers: containerHeaders(changes) });
  }

  /** Throws ApiError 409 if the container still holds objects. */
  async deleteContainer(name: string): Promise<void> {
    await this.call('DELETE', await this.containerPath(name));
  }

  /** Objects (and `{subdir}` folds with a delimiter) in name order, page after page. */
  async listObjects(container: string, options: ObjectListOptions = {}): Promise<ListingEntry[]> {
    return this.listAll<ListingEntry>(await this.containerPath(container), options, { delimiter: options.delimiter, path: options.path });
  }

  // ---- objects ----

  async objectInfo(container: string, name: string, options: { version?: string } = {}): Promise<ObjectInfo> {
    const response = await this.head(await this.objectPath(container, name), `${container}/${name}`, { version: options.version });
    return objectInfo(container, name, response.headers, this.http.url);
  }

  /** Stores a small object in one request. Returns its MD5; a given `etag` that does not match fails with 422. */
  async putObject(container: string, name: string, data: Uint8Array | string, options: WriteOptions & { etag?: string } = {}): Promise<string | undefined> {
    const headers = writeHeaders(options);
    if (options.etag) headers.etag = options.etag;
    // As bytes: fetch() would label a string text/plain, and the server guesses a type from the name only when none is given.
    const response = await this.call('PUT', await this.objectPath(container, name), { headers, body: typeof data === 'string' ? Buffer.from(data) : data });
    return response.headers.get('etag')?.replace(/"/g, '') || undefined;
  }

  /** A folder marker: an empty object of type application/directory. */
  async createFolder(container: string, name: string): Promise<void> {
    await this.putObject(container, name.replace(/\/+$/, ''), '', { contentType: 'application/directory' });
  }

  /** The object's bytes (or `range`, both ends included), read into memory. */
  async getObject(container: string, name: string, options: { version?: string; range?: [number, number] } = {}): Promise<Buffer> {
    const response = await this.openObject(container, name, options);
    return Buffer.from(await response.arrayBuffer());
  }

  /** The answer to a GET, its body still to be streamed. A range `[a]` reads from a to the end. */
  async openObject(container: string, name: string, options: { version?: string; range?: [number, number?] } = {}): Promise<Response> {
    const [from, to] = options.range ?? [];
    const headers: Record<string, string> = from === undefined ? {} : { range: `bytes=${from}-${to ?? ''}` };
    return this.http.send('GET', await this.objectPath(container, name), { query: { version: options.version }, headers, stream: true });
  }

  async hashmap(container: string, name: string, options: { version?: string } = {}): Promise<ObjectHashmap> {
    return this.http.json<ObjectHashmap>('GET', await this.objectPath(container, name), { query: { hashmap: '', format: 'json', version: options.version } });
  }

  async versions(container: string, name: string): Promise<ObjectVersion[]> {
    const body = await this.http.json<{ versions: [string | number, number][] }>('GET', await this.objectPath(container, name), { query: { version: 'list', format: 'json' } });
    return body.versions.map(([id, timestamp]) => ({ id: String(id), timestamp }));
  }

  /** Replaces the user metadata and changes sharing, publicity or type, as given. */
  async updateObject(container: string, name: string, changes: WriteOptions): Promise<void> {
    await this.call('POST', await this.objectPath(container, name), { headers: writeHeaders(changes) });
  }

  /**
   * Grants read/write access to user UUIDs, `*` or `<account>:<group>`; empty lists stop sharing.
   * Grantees see the current version and later ones; with `shareHistory`, older ones too.
   */
  async setSharing(container: string, name: string, sharing: Partial<Sharing>, options: { shareHistory?: boolean } = {}): Promise<void> {
    const headers: Record<string, string> = { 'x-object-sharing': formatSharing(sharing) };
    if (options.shareHistory) headers['x-object-share-history'] = 'true';
    await this.call('POST', await this.objectPath(container, name), { headers });
  }

  /** Makes the object readable by anyone with the link; returns the link. */
  async publish(container: string, name: string): Promise<string> {
    await this.call('POST', await this.objectPath(container, name), { headers: { 'x-object-public': 'true' } });
    const { publicUrl } = await this.objectInfo(container, name);
    if (!publicUrl) throw new ApiError({ status: 200, kind: 'unexpected', title: 'Bad answer', message: `${container}/${name} was published but has no X-Object-Public link` });
    return publicUrl;
  }

  /** Revokes the public link; publishing again makes a new one. */
  async unpublish(container: string, name: string): Promise<void> {
    await this.call('POST', await this.objectPath(container, name), { headers: { 'x-object-public': 'false' } });
  }

  /** Server-side copy (no data moves); `options` replace the copy's type and metadata. */
  async copyObject(from: ObjectRef, container: string, name: string, options: WriteOptions = {}): Promise<void> {
    await this.putFrom('x-copy-from', from, container, name, options);
  }

  /** Server-side rename, possibly into another container (the object keeps its UUID). */
  async moveObject(from: ObjectRef, container: string, name: string, options: WriteOptions = {}): Promise<void> {
    await this.putFrom('x-move-from', from, container, name, options);
  }

  /** Deletes the object with its old versions. */
  async deleteObject(container: string, name: string): Promise<void> {
    await this.call('DELETE', await this.objectPath(container, name));
  }

  /**
   * Drops the old versions (not the current one) written up to `until` (now by default) of an
   * object, or of every object in the container when `name` is undefined; they stop counting
   * against the quota.
   */
  async purgeHistory(container: string, name?: string, until: Date = new Date()): Promise<void> {
    const path = name === undefined ? await this.containerPath(container) : await this.objectPath(container, name);
    // Pithos takes whole seconds only (and ignores anything else): up to the end of that second.
    await this.call('DELETE', path, { query: { until: String(Math.ceil(until.getTime() / 1000)) } });
  }

  // ---- blocks and hashmaps (used by uploadFile) ----

  /** Stores raw blocks (each a full block but the last) and returns their hashes. */
  async uploadBlocks(container: string, data: Uint8Array): Promise<string[]> {
    // Sending 4 MiB takes minutes on a slow link: the usual request timeout would cut it off.
    const timeoutMs = Math.max(BLOCK_UPLOAD_TIMEOUT_MS, this.http.timeoutMs);
    const response = await this.http.send('POST', await this.containerPath(container), { headers: { 'content-type': 'application/octet-stream' }, body: data, timeoutMs });
    return (await readJson<string[]>(response, 'POST', this.http.url)) ?? [];
  }

  /**
   * Creates the object from block hashes. Returns the hashes the server does not have (then
   * nothing was written: upload them and call again), or [] once the object exists.
   */
  async putHashmap(container: string, name: string, map: { bytes: number; hashes: string[] }, options: WriteOptions = {}): Promise<string[]> {
    const path = await this.objectPath(container, name);
    const response = await this.http.send('PUT', path, {
      // The Content-Type of a hashmap PUT is the object's (guessed from the name if absent), not the JSON body's:
      // the body goes as bytes, which fetch() does not label.
      query: { hashmap: '', format: 'json' }, headers: writeHeaders(options), body: Buffer.from(JSON.stringify({ bytes: map.bytes, hashes: map.hashes })), allow: [409],
    });
    const text = await response.text();
    if (response.status !== 409) return [];
    // A 409 that is not a list of hashes is a conflict of another kind.
    const missing = parseJson(text);
    if (Array.isArray(missing) && missing.every((h) => typeof h === 'string')) return missing;
    throw ApiError.fromResponse(409, text, { method: 'PUT', url: this.http.url + path });
  }

  /**
   * Uploads a local file by hashmap, sending only the blocks the server lacks; see
   * storage-upload.ts. Throws TransferError if the file changes while it is uploaded.
   */
  uploadFile(localPath: string, container: string, name: string, options: UploadOptions = {}): Promise<UploadResult> {
    return uploadFile(this, localPath, container, name, options);
  }

  /**
   * Downloads an object into `localPath` through `<localPath>.part`, verified against the
   * server's hashmap; see storage-download.ts.
   */
  downloadFile(container: string, name: string, localPath: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    return downloadFile(this, container, name, localPath, options);
  }

  // ---- helpers ----

  /** A request whose answer is in its status and headers; the body (JSON or text) is dropped. */
  private async call(method: string, path: string, options: RawRequestOptions = {}): Promise<Response> {
    const response = await this.http.send(method, path, options);
    await response.body?.cancel();
    return response;
  }

  /** A HEAD answers errors without a body: say at least what was not found. */
  private async head(path: string, what: string, query?: Record<string, string | undefined>): Promise<Response> {
    try {
      return await this.call('HEAD', path, { query });
    } catch (error) {
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 403)) throw error;
      const message = error.status === 404 ? `${what} does not exist` : `you may not read ${what}`;
      throw new ApiError({ status: error.status, kind: error.kind, title: error.title, message, method: error.method, url: error.url });
    }
  }

  private async accountPath(): Promise<string> {
    return `/object-store/v1/${segment(await this.accountId())}`;
  }

  private async containerPath(container: string): Promise<string> {
    if (!container || container.includes('/')) throw new TypeError(`invalid container name: ${JSON.stringify(container)}`);
    return `${await this.accountPath()}/${segment(container)}`;
  }

  private async objectPath(container: string, name: string): Promise<string> {
    if (!name) throw new TypeError('an object name is required');
    return `${await this.containerPath(container)}/${encodeObjectName(name)}`;
  }

  private async putFrom(header: 'x-copy-from' | 'x-move-from', from: ObjectRef, container: string, name: string, options: WriteOptions): Promise<void> {
    const headers = writeHeaders(options);
    headers[header] = `/${segment(from.container)}/${encodeObjectName(from.name)}`;
    if (from.account) headers['x-source-account'] = from.account;
    await this.call('PUT', await this.objectPath(container, name), { headers });
  }

  /** Follows `marker` from page to page until a short page (or `limit`). */
  private async listAll<T extends object>(path: string, options: ListOptions, extra: Record<string, string | undefined>): Promise<T[]> {
    const pageSize = options.pageSize ?? PAGE_SIZE;
    const entries: T[] = [];
    let marker = options.marker;
    for (;;) {
      const want = options.limit === undefined ? pageSize : Math.min(pageSize, options.limit - entries.length);
      if (want <= 0) return entries;
      const query = { ...extra, format: 'json', prefix: options.prefix, marker, end_marker: options.endMarker, limit: String(want) };
      const page = (await this.http.json<T[]>('GET', path, { query })) ?? [];
      // A folded subdir can come again at the top of the next page: keep it once.
      const last = entries.at(-1);
      entries.push(...page.filter((entry, i) => i > 0 || !last || keyOf(entry) !== keyOf(last)));
      if (page.length < want) return entries;
      marker = keyOf(page.at(-1)!);
    }
  }
}

const keyOf = (entry: object) => (isSubdir(entry as ListingEntry) ? (entry as { subdir: string }).subdir : (entry as { name: string }).name);

function containerHeaders(options: { versioning?: Versioning; meta?: Metadata }): Record<string, string> {
  const headers = metaToHeaders(options.meta, 'container');
  if (options.versioning) headers['x-container-policy-versioning'] = options.versioning;
  return headers;
}

function writeHeaders(options: WriteOptions): Record<string, string> {
  const headers = metaToHeaders(options.meta, 'object');
  if (options.contentType) headers['content-type'] = options.contentType;
  if (options.sharing) headers['x-object-sharing'] = formatSharing(options.sharing);
  if (options.public !== undefined) headers['x-object-public'] = String(options.public);
  return headers;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
