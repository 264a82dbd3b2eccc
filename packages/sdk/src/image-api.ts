// Images: Glance v2 (`/image/v2`) for records, data, tags and members, and Plankton
// (`/image/v1.0`, image-plankton.ts) for registering files already in Pithos+.
import { ApiError } from './api-error.ts';
import { readJson, segment, type HttpTransport } from './http-transport.ts';
import * as plankton from './image-plankton.ts';
import { findByNameOrId, UUID } from './name-lookup.ts';
import { downloadData, streamFile, type ImageDownloadResult, type ImageTransferOptions } from './image-transfer.ts';
import type { Image, ImageMember, MemberStatus, RegisteredImage, Visibility } from './image-types.ts';
import { TransferError } from './transfer.ts';

const GLANCE = '/image/v2';
const PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';

export interface ImageListOptions {
  name?: string;
  /** Only images of this visibility; `all` adds others' community images. */
  visibility?: Visibility | 'all';
  /** Shared images are listed when the caller accepted them, unless this says otherwise. */
  memberStatus?: MemberStatus | 'all';
  owner?: string;
  status?: string;
  tag?: string;
  /** Custom properties that must have these exact values. */
  properties?: Record<string, string>;
  sortKey?: string;
  sortDir?: 'asc' | 'desc';
  /** At most this many images in all; every image by default. */
  limit?: number;
  /** Images asked for per request (the server's default is 25). */
  pageSize?: number;
}

/** What a user may set on an image; `properties` are its custom string properties. */
export interface ImageAttributes {
  name?: string;
  visibility?: Visibility;
  /** GiB. */
  min_disk?: number;
  /** MiB. */
  min_ram?: number;
  protected?: boolean;
  tags?: string[];
  properties?: Record<string, string>;
}

/** What POST /images takes; `properties` become top-level string fields. */
export interface NewImage extends ImageAttributes {
  id?: string;
  disk_format?: string;
  container_format?: string;
}

/**
 * Changes sent as one JSON patch. `tags` is the whole new list; `properties` are added or
 * replaced; removing a property that does not exist fails with 409.
 */
export interface ImageChanges extends ImageAttributes {
  removeProperties?: string[];
}

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

export class ImageApi {
  /** `self` resolves the caller's UUID, the member id in accept() and reject(). */
  constructor(private readonly http: HttpTransport, private readonly self: () => Promise<string>) {}

  /** Images the caller may see, following the server's `next` links page by page. */
  async list(options: ImageListOptions = {}): Promise<Image[]> {
    const images: Image[] = [];
    let path: string | undefined = `${GLANCE}/images`;
    let query: Record<string, string | undefined> | undefined = listQuery(options);
    while (path !== undefined && (options.limit === undefined || images.length < options.limit)) {
      const page: { images: Image[]; next?: string } = await this.glance('GET', path, { query });
      images.push(...page.images);
      // `next` is relative to the service's root, /image, and carries the whole query.
      path = page.next === undefined ? undefined : `/image${page.next}`;
      query = undefined;
    }
    return options.limit === undefined ? images : images.slice(0, options.limit);
  }

  async get(id: string): Promise<Image> {
    return this.glance('GET', `${GLANCE}/images/${segment(id)}`);
  }

  /**
   * An image given by id or by exact name among the images list() shows (and those shared
   * with the caller not yet accepted). Throws ApiError 404 if none matches, 409 if several do.
   */
  find(nameOrId: string): Promise<Image> {
    return findByNameOrId('image', nameOrId, (id) => this.get(id), () => this.list({ name: nameOrId, memberStatus: 'all' }), (text) => UUID.test(text));
  }

  /** A new image record, queued until its data is uploaded (uploadData). */
  async create(image: NewImage): Promise<Image> {
    const { properties, ...attributes } = image;
    return this.glance('POST', `${GLANCE}/images`, { body: { ...properties, ...attributes } });
  }

  /** Applies the changes in one request and returns the image as it then is. */
  async update(id: string, changes: ImageChanges): Promise<Image> {
    const operations = patchOf(changes);
    return operations.length === 0 ? this.get(id) : this.patch(id, operations);
  }

  /** Sends Glance JSON patch operations as they are. */
  async patch(id: string, operations: PatchOperation[]): Promise<Image> {
    return this.glance('PATCH', `${GLANCE}/images/${segment(id)}`, { body: operations, contentType: PATCH_TYPE });
  }

  /** Deletes the image; its file goes with it only if it was uploaded with uploadData (see unregister). */
  async delete(id: string): Promise<void> {
    await this.glance('DELETE', `${GLANCE}/images/${segment(id)}`);
  }

  async addTag(id: string, tag: string): Promise<void> {
    await this.glance('PUT', `${GLANCE}/images/${segment(id)}/tags/${segment(tag)}`);
  }

  async removeTag(id: string, tag: string): Promise<void> {
    await this.glance('DELETE', `${GLANCE}/images/${segment(id)}/tags/${segment(tag)}`);
  }

  // ---- data

  /**
   * Streams a local file as the data of a queued image (which must have its disk and
   * container formats) and returns the image, now active. Throws TransferError if the
   * server's checksum differs from the file's MD5.
   */
  async uploadData(id: string, localPath: string, options: ImageTransferOptions = {}): Promise<Image> {
    const url = `${this.http.url}${GLANCE}/images/${segment(id)}/file`;
    const md5 = await streamFile(localPath, options, async (body, length) => {
      // The transport sends whole bodies: a file is streamed with the global fetch, half-duplex.
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(length) };
      if (this.http.token) headers['x-auth-token'] = this.http.token;
      let response: Response;
      try {
        response = await fetch(url, { method: 'PUT', headers, body, duplex: 'half' } as RequestInit);
      } catch (error) {
        throw ApiError.unreachable(this.http.url, error, 'PUT');
      }
      if (!response.ok) throw ApiError.fromResponse(response.status, await response.text(), { method: 'PUT', url });
    });
    const image = await this.get(id);
    if (image.checksum !== md5) throw new TransferError(`image ${id} has checksum ${image.checksum} on the server, but ${localPath} has MD5 ${md5}`);
    return image;
  }

  /** Downloads the image's data into `localPath`, verified against its checksum (see downloadData). */
  async download(id: string, localPath: string, options: ImageTransferOptions = {}): Promise<ImageDownloadResult> {
    const image = await this.get(id);
    const response = await this.http.send('GET', `${GLANCE}/images/${segment(id)}/file`, { stream: true });
    return downloadData(image, response, localPath, options);
  }

  // ---- Plankton

  /**
   * Makes an image of a file in Pithos+, or refreshes the image that file already is (its id is
   * the file's UUID). Plankton answers 200 to both, as kamaki expects.
   */
  async register(options: plankton.RegisterOptions): Promise<{ image: RegisteredImage }> {
    return plankton.register(this.http, options);
  }

  /** The `pithos://ACCOUNT/CONTAINER/PATH` of the image's file, or null if it has no data. */
  async location(id: string): Promise<string | null> {
    return plankton.location(this.http, id);
  }

  /** Removes the image but never its file, however the file was made. */
  async unregister(id: string): Promise<void> {
    return plankton.unregister(this.http, id);
  }

  // ---- members (of shared images)

  /** Every member for the owner; only the caller's own membership for a member. */
  async members(id: string): Promise<ImageMember[]> {
    return (await this.glance<{ members: ImageMember[] }>('GET', `${GLANCE}/images/${segment(id)}/members`)).members;
  }

  async member(id: string, member: string): Promise<ImageMember> {
    return this.glance('GET', `${GLANCE}/images/${segment(id)}/members/${segment(member)}`);
  }

  /** Offers a shared image to a user (pending until they accept). 403 unless the image's visibility is shared. */
  async addMember(id: string, member: string): Promise<ImageMember> {
    return this.glance('POST', `${GLANCE}/images/${segment(id)}/members`, { body: { member } });
  }

  async removeMember(id: string, member: string): Promise<void> {
    await this.glance('DELETE', `${GLANCE}/images/${segment(id)}/members/${segment(member)}`);
  }

  /** Only the member may change their status. */
  async setMemberStatus(id: string, member: string, status: MemberStatus): Promise<ImageMember> {
    return this.glance('PUT', `${GLANCE}/images/${segment(id)}/members/${segment(member)}`, { body: { status } });
  }

  /** The caller accepts an image shared with them: it then shows in their lists. */
  async accept(id: string): Promise<ImageMember> {
    return this.setMemberStatus(id, await this.self(), 'accepted');
  }

  async reject(id: string): Promise<ImageMember> {
    return this.setMemberStatus(id, await this.self(), 'rejected');
  }

  // ---- wire

  private async glance<T>(method: string, path: string, options: { query?: Record<string, string | undefined>; body?: unknown; contentType?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    return readJson<T>(await this.http.send(method, path, { query: options.query, headers, body }), method, this.http.url);
  }
}

function listQuery(options: ImageListOptions): Record<string, string | undefined> {
  return {
    ...options.properties,
    name: options.name, visibility: options.visibility, member_status: options.memberStatus, owner: options.owner,
    status: options.status, tag: options.tag, sort_key: options.sortKey, sort_dir: options.sortDir,
    limit: options.pageSize === undefined ? undefined : String(options.pageSize),
  };
}

function patchOf(changes: ImageChanges): PatchOperation[] {
  const operations: PatchOperation[] = [];
  for (const key of ['name', 'visibility', 'min_disk', 'min_ram', 'protected', 'tags'] as const) {
    if (changes[key] !== undefined) operations.push({ op: 'replace', path: `/${key}`, value: changes[key] });
  }
  // `add` sets a property whether or not it exists; `replace` would fail on a new one.
  for (const [key, value] of Object.entries(changes.properties ?? {})) operations.push({ op: 'add', path: pointer(key), value });
  for (const key of changes.removeProperties ?? []) operations.push({ op: 'remove', path: pointer(key) });
  return operations;
}

/** A JSON pointer to one property: `~` and `/` escaped. */
const pointer = (key: string) => `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
