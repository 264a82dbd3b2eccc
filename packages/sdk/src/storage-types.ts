// Pithos+ (Swift-shaped) object storage as the SDK presents it: the JSON the listings return,
// and typed views of the X-Account-*, X-Container-* and X-Object-* headers.

/** One container in an account listing. */
export interface ContainerEntry {
  name: string;
  count: number;
  bytes: number;
  last_modified: string;
}

/** One object in a container listing. */
export interface ObjectEntry {
  name: string;
  /** MD5 of the bytes (Swift's ETag). */
  hash: string;
  bytes: number;
  content_type: string;
  last_modified: string;
}

/** A "folder" in a listing with a delimiter: every name under it is folded into this line. */
export interface SubdirEntry {
  subdir: string;
}

export type ListingEntry = ObjectEntry | SubdirEntry;

export const isSubdir = (entry: ListingEntry): entry is SubdirEntry => 'subdir' in entry;

/** An account that shares something with the caller (`GET /object-store/v1`). */
export interface SharingAccount {
  name: string;
  last_modified?: string;
}

/** `GET ...?hashmap&format=json`: how an object is cut into blocks. */
export interface ObjectHashmap {
  block_hash: string;
  block_size: number;
  bytes: number;
  hashes: string[];
}

/** Who may read or write an object besides its owner: user UUIDs, `*`, or `<account>:<group>`. */
export interface Sharing {
  read: string[];
  write: string[];
}

export type Metadata = Record<string, string>;

export interface AccountInfo {
  account: string;
  containerCount: number;
  objectCount: number;
  bytesUsed: number;
  /** Bytes the account may use, when the server says. */
  quota?: number;
  meta: Metadata;
  /** Group name → member UUIDs. */
  groups: Record<string, string[]>;
}

export type Versioning = 'auto' | 'none';

export interface ContainerInfo {
  name: string;
  objectCount: number;
  bytesUsed: number;
  versioning?: Versioning;
  blockSize?: number;
  blockHash?: string;
  /** X-Timestamp, seconds since the epoch. */
  timestamp?: number;
  meta: Metadata;
}

export interface ObjectInfo {
  container: string;
  name: string;
  bytes: number;
  contentType: string;
  /** MD5 of the bytes. */
  etag?: string;
  lastModified?: string;
  /** X-Object-Hash: the Merkle root of the block hashes. */
  hash?: string;
  uuid?: string;
  version?: string;
  meta: Metadata;
  sharing?: Sharing;
  /** The absolute public URL, when the object is published. */
  publicUrl?: string;
}

/** `read=a,b;write=c` → { read: [a, b], write: [c] }; an empty header means no sharing. */
export function parseSharing(header: string | null | undefined): Sharing | undefined {
  if (!header?.trim()) return undefined;
  const sharing: Sharing = { read: [], write: [] };
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    const mode = part.slice(0, eq).trim().toLowerCase();
    if (mode !== 'read' && mode !== 'write') continue;
    sharing[mode].push(...part.slice(eq + 1).split(',').map((g) => g.trim()).filter(Boolean));
  }
  return sharing;
}

/** The X-Object-Sharing value; an empty string (removes sharing) when both lists are empty. */
export function formatSharing(sharing: Partial<Sharing>): string {
  const parts: string[] = [];
  if (sharing.read?.length) parts.push(`read=${sharing.read.join(',')}`);
  if (sharing.write?.length) parts.push(`write=${sharing.write.join(',')}`);
  return parts.join(';');
}

/** `X-<kind>-Meta-Color: blue` headers → { color: 'blue' } (header names are case-less). */
export function metaFromHeaders(headers: Headers, kind: 'account' | 'container' | 'object'): Metadata {
  const prefix = `x-${kind}-meta-`;
  const meta: Metadata = {};
  headers.forEach((value, name) => {
    if (name.startsWith(prefix)) meta[name.slice(prefix.length)] = value;
  });
  return meta;
}

export function metaToHeaders(meta: Metadata | undefined, kind: 'account' | 'container' | 'object'): Record<string, string> {
  return Object.fromEntries(Object.entries(meta ?? {}).map(([key, value]) => [`x-${kind}-meta-${key}`, value]));
}

const num = (value: string | null) => (value === null || value === '' ? undefined : Number(value));
/** Swift quotes ETags sometimes; the MD5 is what matters. */
const unquote = (value: string | null) => value?.replace(/^"|"$/g, '') || undefined;

export function accountInfo(account: string, headers: Headers): AccountInfo {
  const groups: Record<string, string[]> = {};
  headers.forEach((value, name) => {
    if (name.startsWith('x-account-group-')) groups[name.slice('x-account-group-'.length)] = value.split(',').map((m) => m.trim()).filter(Boolean);
  });
  return {
    account,
    containerCount: num(headers.get('x-account-container-count')) ?? 0,
    objectCount: num(headers.get('x-account-object-count')) ?? 0,
    bytesUsed: num(headers.get('x-account-bytes-used')) ?? 0,
    quota: num(headers.get('x-account-policy-quota')),
    meta: metaFromHeaders(headers, 'account'),
    groups,
  };
}

export function containerInfo(name: string, headers: Headers): ContainerInfo {
  const versioning = headers.get('x-container-policy-versioning');
  return {
    name,
    objectCount: num(headers.get('x-container-object-count')) ?? 0,
    bytesUsed: num(headers.get('x-container-bytes-used')) ?? 0,
    versioning: versioning === 'auto' || versioning === 'none' ? versioning : undefined,
    blockSize: num(headers.get('x-container-block-size')),
    blockHash: headers.get('x-container-block-hash') ?? undefined,
    timestamp: num(headers.get('x-timestamp')),
    meta: metaFromHeaders(headers, 'container'),
  };
}

/** `baseUrl` turns a relative X-Object-Public (`/public/...`) into a URL one can share. */
export function objectInfo(container: string, name: string, headers: Headers, baseUrl: string): ObjectInfo {
  const published = headers.get('x-object-public');
  return {
    container,
    name,
    bytes: num(headers.get('content-length')) ?? 0,
    contentType: headers.get('content-type') ?? 'application/octet-stream',
    etag: unquote(headers.get('etag')),
    lastModified: headers.get('last-modified') ?? undefined,
    hash: headers.get('x-object-hash') ?? undefined,
    uuid: headers.get('x-object-uuid') ?? undefined,
    version: headers.get('x-object-version') ?? undefined,
    meta: metaFromHeaders(headers, 'object'),
    sharing: parseSharing(headers.get('x-object-sharing')),
    publicUrl: published ? new URL(published, `${baseUrl}/`).href : undefined,
  };
}
