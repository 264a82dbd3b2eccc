// The fuzz suite's inputs: a seeded random source (a failure replays with the same seed), and
// the malformed values it draws from: path segments, query strings, headers and bodies that
// clients send by mistake or by malice.
import { randomBytes } from 'node:crypto';

/** A small, seeded pseudo-random source (mulberry32): the same seed, the same cases. */
export class Random {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chance(p: number): boolean { return this.next() < p; }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]!; }
}

/** Path segments, already percent-encoded where a client would have to. */
export const BAD_SEGMENTS = [
  '', '%00', '..', '%2e%2e', '..%2f..%2fetc%2fpasswd', '.', '%20', '%', '%ff%fe', '%c3%28', 'x%0d%0aSet-Cookie:%20a=b',
  'a'.repeat(5000), encodeURIComponent('ü😀\u202e'), "'%20OR%201=1--", '-1', '0', '99999999999999999999999', '1e309', 'NaN',
  'null', '%5B%5D', '%7B%7D', 'default', 'admin', '*',
];

/** Values for query parameters, encoded. */
export const BAD_QUERY_VALUES = [
  '', '-1', '0', 'abc', '1e309', '99999999999999999999', '%00', 'true', 'none', 'all', 'list', 'xml', 'json', 'in:a,b',
  'gte:not-a-date', 'not-a-date', '2000-01-01T00:00:00Z', '..%2f..', 'x'.repeat(3000), encodeURIComponent('ü😀'), '%ff', 'name:asc,id:sideways',
];

/** Query parameter names that some route of ours reads. */
export const QUERY_KEYS = [
  'limit', 'marker', 'end_marker', 'prefix', 'delimiter', 'path', 'format', 'shared', 'public', 'until', 'version', 'hashmap',
  'multipart-manifest', 'bulk-delete', 'X-Auth-Token', 'name', 'enabled', 'user.id', 'scope.project.id', 'role.id', 'include_names',
  'user', 'belongsTo', 'nocatalog', 'all_tenants', 'changes-since', 'image', 'flavor', 'status', 'is_public', 'minRam', 'minDisk',
  'sort_key', 'sort_dir', 'sort', 'visibility', 'member_status', 'owner', 'tag', 'size_min', 'size_max', 'id', 'created_at',
  'protected', 'os_hidden', 'disk_format', 'token', 'type',
];

/** A query string (without `?`) of 0 to 3 parameters, sometimes one given twice. */
export function badQuery(random: Random): string {
  const parts: string[] = [];
  for (let i = random.int(4); i > 0; i--) {
    const key = random.pick(QUERY_KEYS);
    parts.push(`${encodeURIComponent(key)}=${random.pick(BAD_QUERY_VALUES)}`);
    if (random.chance(0.3)) parts.push(`${encodeURIComponent(key)}=${random.pick(BAD_QUERY_VALUES)}`);
  }
  if (random.chance(0.1)) parts.push(random.pick(['%', '=', '&&', 'a[b]=c', '__proto__=x', 'constructor[prototype]=x']));
  return parts.join('&');
}

/** Headers that routes read, with values that are wrong in some way. */
export const BAD_HEADERS: [string, string[]][] = [
  ['content-type', ['application/json', 'text/plain', 'application/octet-stream', 'x/y;;;=', 'multipart/form-data', 'application/openstack-images-v2.1-json-patch', 'application/json; charset=latin1', 'application/directory']],
  ['x-subject-token', ['garbage', '', 'x'.repeat(5000)]],
  ['range', ['bytes=abc', 'bytes=5-1', 'bytes=-0', 'bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10', 'bytes=99999999999999999999-', 'items=0-1']],
  ['if-match', ['*', 'garbage', '""']], ['if-none-match', ['*', 'garbage']],
  ['if-modified-since', ['garbage', 'Thu, 01 Jan 2099 00:00:00 GMT']], ['if-unmodified-since', ['garbage', 'Thu, 01 Jan 1970 00:00:00 GMT']],
  ['x-copy-from', ['../..', '/c', '/%00/x', 'nocontainer', '/c/' + 'o'.repeat(2000)]], ['x-move-from', ['/c/o', '../x']],
  ['destination', ['/c/o', '..', '/', 'x'.repeat(3000)]], ['destination-account', ['garbage', '..', '']],
  ['x-source-account', ['garbage', '..']], ['x-source-version', ['-1', 'abc', '1e309']],
  ['x-object-manifest', ['%00', '/', 'c', 'c/' + 'p'.repeat(2000)]], ['x-static-large-object', ['True']],
  ['x-object-sharing', ['garbage', 'read=', 'read=*;write=nobody:grp', 'write=' + 'x,'.repeat(2000)]], ['x-object-share-history', ['maybe']],
  ['x-object-public', ['maybe', 'true']], ['x-fresh-metadata', ['true', 'x']],
  ['content-range', ['bytes */*', 'bytes 5-1/*', 'bytes 0-99999999999999999999/*', 'bytes 0-1/1', 'garbage']],
  ['x-source-object', ['/c', '../..', '/%00/x']], ['x-object-bytes', ['-1', 'abc', '1e309', '99999999999999999999']],
  ['x-container-policy-quota', ['-1', '1e309', 'abc']], ['x-container-policy-versioning', ['sometimes', 'auto']],
  ['x-account-group-g', ['garbage', ',,,', 'x'.repeat(5000)]], ['x-object-meta-m', ['x'.repeat(10000), 'ü']], ['x-account-meta-m', ['x'.repeat(10000)]],
  ['x-image-meta-size', ['abc', '-1', '99999999999999999999']], ['x-image-meta-location', ['garbage', 'pithos://', 'pithos://a/b/c', '/c/%00']],
  ['x-image-meta-is-public', ['maybe']], ['x-image-meta-min-disk', ['1e309']], ['x-image-meta-property-p', ['x'.repeat(5000)]],
  ['content-md5', ['garbage', 'AAAA']], ['etag', ['garbage']], ['accept', ['application/xml', '*/*;q=x']],
  ['transfer-encoding', ['gzip']], ['content-encoding', ['gzip', 'br']], ['x-auth-token', ['garbage', 'x'.repeat(10000)]],
];

/** Bodies that are not what any route wants: broken JSON, wrong types, huge or odd values. */
export function garbageBody(random: Random): string | Buffer {
  switch (random.int(14)) {
    case 0: return '';
    case 1: return '{';
    case 2: return 'null';
    case 3: return '[]';
    case 4: return '"a string"';
    case 5: return '1e999';
    case 6: return `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    case 7: return '{"a": "\\u0000\\ud800"}';
    case 8: return randomBytes(256);
    case 9: return '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}';
    case 10: return JSON.stringify({ x: 'y'.repeat(random.chance(0.2) ? 1100 * 1024 : 50_000) });
    case 11: return '{"a": 1, "a": 2}';
    case 12: return Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"x": 1}')]);
    default: return '\u0000\u0001';
  }
}

// A value that replaces one node of a valid body; RAW() ones are written into the JSON as is.
const raw = (text: string) => `RAW(${text})`;
const NASTY: unknown[] = [
  null, true, false, 0, -1, 1.5, 2 ** 53 + 1, '', ' ', 'x'.repeat(70_000), '\u0000', 'ü😀\u202e', '../../etc/passwd', '%00', [], {},
  [[[[[[[[]]]]]]]], { $ne: null }, ['a', 1, null], raw('1e400'), raw('-1e400'), raw('99999999999999999999999'), raw('-0'),
];

/** `body` (valid JSON) with one thing wrong: a node replaced, a key added or removed. */
export function mutate(random: Random, body: unknown): string {
  const copy = structuredClone(body);
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      nodes.push({ parent: value as Record<string, unknown>, key: Array.isArray(value) ? Number(key) : key });
      walk(child);
    }
  };
  walk(copy);
  const objects = [copy, ...nodes.map((n) => (n.parent as Record<string, unknown>)[n.key as string])]
    .filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v));
  const choice = random.int(10);
  if (nodes.length === 0 || choice === 0) return serialise(random.pick(NASTY));
  if (choice <= 5) {
    const node = random.pick(nodes);
    (node.parent as Record<string, unknown>)[node.key as string] = random.pick(NASTY);
  } else if (choice <= 7 && objects.length) {
    random.pick(objects)[random.pick(['unknown_field', 'id', 'admin', 'is_admin', 'constructor'])] = random.pick(NASTY);
  } else {
    const node = random.pick(nodes);
    if (Array.isArray(node.parent)) node.parent.splice(node.key as number, 1);
    else delete node.parent[node.key as string];
  }
  return serialise(copy);
}

const serialise = (value: unknown) => JSON.stringify(value).replace(/"RAW\(([^)]*)\)"/g, '$1');
