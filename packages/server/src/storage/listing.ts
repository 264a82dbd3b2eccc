// Swift listings: paging with marker / end_marker / prefix / limit, folding names into
// `subdir` entries at a delimiter, and the json, xml and plain formats.
import { badRequest } from '../http/errors.ts';
import { prefixEnd } from './names.ts';
import { swiftError } from './swift-answers.ts';
import type { ListedObject, NameRange } from './store.ts';

export const MAX_LISTING = 10000;

export interface ListOptions {
  limit: number; marker?: string; endMarker?: string; prefix?: string; delimiter?: string;
  /** `path=`: only the objects directly under the prefix, no subdir entries (Swift). */
  onlyObjects?: boolean;
  /** `reverse=true`: names in descending order, `marker` then an upper and `end_marker` a lower bound. */
  reverse?: boolean;
}

export type Listed<T = ListedObject> = ({ kind: 'object' } & T) | { kind: 'subdir'; name: string };

type Query = Record<string, string | string[] | undefined>;
const one = (q: Query, key: string) => { const v = q[key]; return Array.isArray(v) ? v[0] : v; };

/** Reads the listing parameters; `path=p` is `prefix=p/` with delimiter `/`. */
export function listOptions(query: Query): ListOptions {
  const rawLimit = one(query, 'limit');
  // Swift ignores a limit that is not a whole number, and refuses one past the maximum (412).
  const given = rawLimit === undefined || !/^\d+$/.test(rawLimit) ? MAX_LISTING : Number(rawLimit);
  if (given > MAX_LISTING) throw swiftError(412, `Maximum limit is ${MAX_LISTING}`);
  const limit = given;
  const options: ListOptions = { limit, marker: one(query, 'marker') || undefined, endMarker: one(query, 'end_marker') || undefined, prefix: one(query, 'prefix') || undefined };
  const delimiter = one(query, 'delimiter');
  if (delimiter) {
    if (Array.from(delimiter).length !== 1) throw badRequest('Bad delimiter: it must be one character');
    options.delimiter = delimiter;
  }
  const path = one(query, 'path');
  if (path !== undefined) {
    options.prefix = path === '' || path.endsWith('/') ? path || undefined : `${path}/`;
    options.delimiter = '/';
    options.onlyObjects = true;
  }
  if (['true', '1', 'yes', 'on', 't', 'y'].includes((one(query, 'reverse') ?? '').toLowerCase())) options.reverse = true;
  return options;
}

/**
 * Walks a name-ordered index, folding each run of names that share `prefix + segment +
 * delimiter` into one subdir entry and skipping past the rest of that run. With `reverse`
 * (Swift's `reverse=true`) it walks downwards: below the marker, above the end marker.
 */
export async function listWithDelimiter<T extends { name: string }>(options: ListOptions, fetch: (range: NameRange) => Promise<T[]>): Promise<Listed<T>[]> {
  const prefix = options.prefix ?? '';
  const reverse = options.reverse === true;
  const out: Listed<T>[] = [];
  // The window still to walk, (after, before) exclusive and from inclusive, shrinks from one end.
  let after = reverse ? options.endMarker : options.marker;
  let from = prefix || undefined;
  let before = reverse ? rangeEnd({ endMarker: options.marker, prefix: options.prefix }) : rangeEnd(options);
  while (out.length < options.limit) {
    const want = options.limit - out.length;
    // With a delimiter a batch may be cut short by a jump past a subdir: keep batches small.
    const batch = options.delimiter ? Math.min(want, 1000) : want;
    const rows = await fetch({ after, from, before, limit: batch, descending: reverse });
    let jumped = false;
    for (const row of rows) {
      const cut = options.delimiter ? row.name.indexOf(options.delimiter, prefix.length) : -1;
      if (cut < 0) {
        out.push({ kind: 'object', ...row });
        if (reverse) before = row.name;
        else after = row.name;
        if (out.length >= options.limit) break;
        continue;
      }
      const subdir = row.name.slice(0, cut + options.delimiter!.length);
      if (subdir !== options.marker && !options.onlyObjects) out.push({ kind: 'subdir', name: subdir });
      jumped = true;
      if (reverse) {
        before = subdir;
        break;
      }
      const next = prefixEnd(subdir);
      if (next === undefined) return out;
      from = next;
      after = undefined;
      break;
    }
    if ((!jumped && rows.length < batch) || rows.length === 0) break;
  }
  return out;
}

/** Where a listing stops: the end marker or the end of the prefix's range, whichever is first (in byte order). */
export function rangeEnd(options: Pick<ListOptions, 'endMarker' | 'prefix'>): string | undefined {
  const a = options.endMarker;
  const b = options.prefix ? prefixEnd(options.prefix) : undefined;
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? a : b;
}

// ---- formats

export type Format = 'json' | 'xml' | 'plain';

export function listingFormat(query: Query, accept: string | undefined): Format {
  const format = one(query, 'format')?.toLowerCase();
  if (format === 'json' || format === 'xml' || format === 'plain') return format;
  if (format === 'text') return 'plain';
  if (accept?.includes('application/json')) return 'json';
  if (accept?.includes('application/xml') || accept?.includes('text/xml')) return 'xml';
  return 'plain';
}

export const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json; charset=utf-8', xml: 'application/xml; charset=utf-8', plain: 'text/plain; charset=utf-8',
};

/** Swift's listing time: microseconds, no zone (`2016-01-01T12:00:00.000000`). */
export const listingTime = (iso: string) => `${iso.slice(0, 23)}000`;

/**
 * JSON as Swift's Python writes it (`json.dumps`): `, ` and `: ` separators, and every
 * character past ASCII as a `\uXXXX` escape, so that lengths match byte for byte.
 */
export function swiftJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(swiftJson).join(', ')}]`;
  if (value && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${swiftJson(k)}: ${swiftJson(v)}`).join(', ')}}`;
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface ContainerEntry { name: string; count: number; bytes: number; modifiedAt: string }

/** A body, or null when a plain listing is empty (Swift answers 204). */
export function renderContainers(account: string, rows: Listed<ContainerEntry>[], format: Format): string | null {
  if (format === 'json') {
    return swiftJson(rows.map((r) => r.kind === 'subdir' ? { subdir: r.name } : { name: r.name, count: r.count, bytes: r.bytes, last_modified: listingTime(r.modifiedAt) }));
  }
  if (format === 'xml') {
    // Swift's account XML has an empty subdir element (its container XML names the subdir twice).
    const items = rows.map((r) => r.kind === 'subdir'
      ? `<subdir name="${xmlEscape(r.name)}" />`
      : `<container><name>${xmlEscape(r.name)}</name><count>${r.count}</count><bytes>${r.bytes}</bytes><last_modified>${listingTime(r.modifiedAt)}</last_modified></container>`);
    return `<?xml version="1.0" encoding="UTF-8"?>\n<account name="${xmlEscape(account)}">\n${items.map((i) => `${i}\n`).join('')}</account>`;
  }
  return rows.length ? rows.map((r) => `${r.name}\n`).join('') : null;
}

/** A static large object is listed with its segments' size and ETag, as Swift does. */
function sizeAndHash(r: ListedObject): { bytes: number; hash: string } {
  const manifest = r.manifest === null ? null : JSON.parse(r.manifest) as { bytes?: number; etag?: string };
  if (manifest?.bytes !== undefined) return { bytes: manifest.bytes, hash: manifest.etag ?? '' };
  return { bytes: r.size, hash: r.md5 ?? '' };
}

export function renderObjects(container: string, rows: Listed[], format: Format): string | null {
  if (format === 'json') {
    return swiftJson(rows.map((r) => {
      if (r.kind === 'subdir') return { subdir: r.name };
      const { bytes, hash } = sizeAndHash(r);
      const entry: Record<string, unknown> = { bytes, hash, name: r.name, content_type: r.content_type, last_modified: listingTime(r.modified_at) };
      // Swift names a static large object's ETag (quoted) apart from its hash.
      if (r.manifest !== null && hash && (JSON.parse(r.manifest) as { slo?: unknown }).slo) entry.slo_etag = `"${hash}"`;
      return entry;
    }));
  }
  if (format === 'xml') {
    const items = rows.map((r) => {
      if (r.kind === 'subdir') return `<subdir name="${xmlEscape(r.name)}"><name>${xmlEscape(r.name)}</name></subdir>`;
      const { bytes, hash } = sizeAndHash(r);
      return `<object><name>${xmlEscape(r.name)}</name><hash>${hash}</hash><bytes>${bytes}</bytes><content_type>${xmlEscape(r.content_type)}</content_type><last_modified>${listingTime(r.modified_at)}</last_modified></object>`;
    });
    // Swift's ElementTree output: an empty element closes itself.
    if (items.length === 0) return `<?xml version="1.0" encoding="UTF-8"?>\n<container name="${xmlEscape(container)}" />`;
    return `<?xml version="1.0" encoding="UTF-8"?>\n<container name="${xmlEscape(container)}">${items.join('')}</container>`;
  }
  return rows.length ? rows.map((r) => `${r.name}\n`).join('') : null;
}
