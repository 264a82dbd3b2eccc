// What a valid name and valid metadata are. Names are opaque strings: `..` or `/` inside an
// object name is part of the name and never reaches a filesystem path (blocks are stored
// under their hash).
import { badRequest } from '../http/errors.ts';
import { swiftError } from './swift-answers.ts';

export const MAX_OBJECT_NAME_BYTES = 1024;
export const MAX_CONTAINER_NAME_BYTES = 256;
// Swift's default constraints (swift/common/constraints.py).
export const MAX_META_NAME = 128;
export const MAX_META_VALUE = 256;
export const MAX_META_COUNT = 90;
export const MAX_META_OVERALL = 4096;

/** Decodes one percent-encoded path segment; 400 on invalid UTF-8 or NUL. */
export function decodeName(raw: string, what: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw badRequest(`Invalid UTF8 or contains NULL in ${what} name`);
  }
  if (name.includes('\0') || name.includes('\uFFFD')) throw badRequest(`Invalid UTF8 or contains NULL in ${what} name`);
  return name;
}

export function checkContainerName(name: string): void {
  if (name.length === 0) throw badRequest('Container name is empty');
  if (name.includes('/')) throw badRequest('Container name may not contain "/"');
  if (Buffer.byteLength(name) > MAX_CONTAINER_NAME_BYTES) throw swiftError(400, `Container name length of ${Buffer.byteLength(name)} longer than ${MAX_CONTAINER_NAME_BYTES}`, 'text/html; charset=UTF-8');
}

export function checkObjectName(name: string): void {
  if (name.length === 0) throw badRequest('Object name is empty');
  if (Buffer.byteLength(name) > MAX_OBJECT_NAME_BYTES) throw badRequest(`Object name length of ${Buffer.byteLength(name)} longer than ${MAX_OBJECT_NAME_BYTES}`);
}

/** Where a request points: `account`, `account/container` or `account/container/object`. */
export interface StoragePath { account: string; container?: string; object?: string }

/**
 * Splits the path below `/object-store/v1/` (still percent-encoded, so that `%2F` in an
 * object name stays part of the name).
 */
export function parseStoragePath(rawPath: string): StoragePath | null {
  const [accountRaw = '', containerRaw, ...rest] = rawPath.split('/');
  if (accountRaw === '') return null;
  const account = decodeName(accountRaw, 'account');
  if (containerRaw === undefined || (containerRaw === '' && rest.length === 0)) return { account };
  const container = decodeName(containerRaw, 'container');
  checkContainerName(container);
  const objectRaw = rest.join('/');
  if (objectRaw === '') return { account, container };
  const object = decodeName(objectRaw, 'object');
  checkObjectName(object);
  return { account, container, object };
}

/** Stored metadata: lower-cased header name → value. */
export type Metadata = Record<string, string>;

/**
 * The metadata headers of a request with the given prefix (`x-object-meta-`).
 * `x-remove-<kind>-meta-<key>` removes a key; so does an empty value for accounts and
 * containers, while an object keeps an empty value as it is (Swift). As behind Swift's WSGI
 * layer, `_` in a header name is `-` (`X-Object-Meta-a_b` is stored as `x-object-meta-a-b`).
 */
export function metadataFromHeaders(headers: Record<string, string | string[] | undefined>, kind: 'account' | 'container' | 'object'): { set: Metadata; remove: string[] } {
  const prefix = `x-${kind}-meta-`;
  const removePrefix = `x-remove-${kind}-meta-`;
  const set: Metadata = {};
  const remove: string[] = [];
  for (const [raw, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join(',') : (value ?? '');
    const header = raw.replaceAll('_', '-');
    if (header.startsWith(prefix)) {
      const key = header.slice(prefix.length);
      if (key === '') throw badRequest('Metadata name cannot be empty');
      if (text === '' && kind !== 'object') remove.push(header);
      else set[header] = text;
    } else if (header.startsWith(removePrefix)) {
      remove.push(prefix + header.slice(removePrefix.length));
    }
  }
  return { set, remove };
}

/** Applies Swift's limits on the metadata an item ends up with. */
export function checkMetadata(metadata: Metadata, kind: 'account' | 'container' | 'object'): void {
  const prefix = `x-${kind}-meta-`;
  let count = 0;
  let size = 0;
  for (const [header, value] of Object.entries(metadata)) {
    if (!header.startsWith(prefix)) continue;
    const key = header.slice(prefix.length);
    // Swift names the header as the client spelt it; title case is how its clients send it.
    const name = prefix + key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    if (Buffer.byteLength(key) > MAX_META_NAME) throw swiftError(400, `Metadata name too long: ${name}`);
    if (Buffer.byteLength(value) > MAX_META_VALUE) throw swiftError(400, `Metadata value longer than ${MAX_META_VALUE}: ${name}`);
    count++;
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (count > MAX_META_COUNT) throw swiftError(400, `Too many metadata items; max ${MAX_META_COUNT}`);
  if (size > MAX_META_OVERALL) throw swiftError(400, `Total metadata too large; max ${MAX_META_OVERALL}`);
}

/**
 * The smallest string greater than every string starting with `prefix`, in UTF-8 byte order
 * (which is code point order): the prefix with its last code point incremented.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/** Metadata after a change: `set` merged in, `remove` taken out. */
export function mergeMetadata(current: Metadata, change: { set: Metadata; remove: string[] }): Metadata {
  const merged = { ...current, ...change.set };
  for (const key of change.remove) delete merged[key];
  return merged;
}

/** Pithos' `?update`: the keys given are set, those given empty removed, the rest kept. */
export function mergeUpdate(current: Metadata, given: Metadata): Metadata {
  const remove = Object.keys(given).filter((key) => given[key] === '');
  return mergeMetadata(current, { set: Object.fromEntries(Object.entries(given).filter(([, v]) => v !== '')), remove });
}
