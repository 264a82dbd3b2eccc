// Glance v2 image lists: filters, sorting and marker paging over the images a caller may see.
// A cloud holds hundreds of images, not millions, so this runs over rows in memory, which
// keeps every filter and sort key exact and alike on SQLite and PostgreSQL.
import { list, scalar, type Query } from '../http/query.ts';
import { badRequest } from '../http/errors.ts';
import type { Caller } from './service.ts';
import type { ImageRow, MemberRow } from './store.ts';
import { properties, tags } from './views.ts';

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;

export type { Query };

const SORT_KEYS = new Set(['name', 'status', 'visibility', 'size', 'virtual_size', 'disk_format', 'container_format', 'min_disk', 'min_ram', 'owner', 'id', 'created_at', 'updated_at']);
/** Query parameters that are not property filters. */
const RESERVED = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status', 'tag', 'size_min', 'size_max', 'visibility', 'name', 'status', 'owner', 'id', 'disk_format', 'container_format', 'protected', 'os_hidden', 'created_at', 'updated_at']);

const one = scalar;

export interface Page { images: ImageRow[]; nextMarker?: string; limit: number }

export function listImages(caller: Caller, rows: ImageRow[], memberships: Map<string, MemberRow['status']>, query: Query): Page {
  const limit = parseLimit(one(query, 'limit'));
  const sort = parseSort(query);
  const filters = buildFilters(caller, memberships, query);
  const matching = rows.filter((row) => filters.every((f) => f(row))).sort((a, b) => compare(a, b, sort));
  let start = 0;
  const marker = one(query, 'marker');
  if (marker !== undefined) {
    start = matching.findIndex((row) => row.id === marker) + 1;
    if (start === 0) throw badRequest(`Marker ${marker} could not be found`);
  }
  const images = matching.slice(start, start + limit);
  const more = start + limit < matching.length;
  return { images, limit, ...(more && images.length ? { nextMarker: images.at(-1)!.id } : {}) };
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(limit)) throw badRequest('limit param must be an integer');
  return Math.min(limit, MAX_LIMIT);
}

type Sort = { key: string; dir: 'asc' | 'desc' }[];

/** `sort=name:asc,size` or repeated `sort_key`/`sort_dir`; created_at then id, newest first, by default. */
function parseSort(query: Query): Sort {
  let sort: Sort;
  const combined = one(query, 'sort');
  if (combined !== undefined) {
    if (query.sort_key !== undefined || query.sort_dir !== undefined) throw badRequest('The "sort" parameter cannot be combined with "sort_key" or "sort_dir"');
    sort = combined.split(',').map((part) => {
      const [key = '', dir = 'desc'] = part.split(':').map((s) => s.trim());
      return { key, dir: dir as 'asc' | 'desc' };
    });
  } else {
    const keys = list(query, 'sort_key');
    const dirs = list(query, 'sort_dir');
    if (dirs.length > Math.max(keys.length, 1)) throw badRequest('There are more sort directions than sort keys');
    sort = (keys.length ? keys : ['created_at']).map((key, i) => ({ key, dir: (dirs[i] ?? dirs[0] ?? 'desc') as 'asc' | 'desc' }));
  }
  for (const { key, dir } of sort) {
    if (!SORT_KEYS.has(key)) throw badRequest(`Invalid sort key: ${key}`);
    if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid sort direction: ${dir}`);
  }
  if (!sort.some((s) => s.key === 'id')) sort.push({ key: 'id', dir: sort[0]!.dir });
  return sort;
}

function compare(a: ImageRow, b: ImageRow, sort: Sort): number {
  for (const { key, dir } of sort) {
    const x = a[key as keyof ImageRow];
    const y = b[key as keyof ImageRow];
    if (x === y) continue;
    // Nulls sort first ascending, as in Glance's SQL.
    const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
    return dir === 'asc' ? order : -order;
  }
  return 0;
}

type Filter = (row: ImageRow) => boolean;

function buildFilters(caller: Caller, memberships: Map<string, MemberRow['status']>, query: Query): Filter[] {
  const filters: Filter[] = [];
  const visibility = one(query, 'visibility');
  if (visibility !== undefined && !['public', 'private', 'shared', 'community', 'all'].includes(visibility)) throw badRequest(`Invalid visibility value: ${visibility}`);
  const memberStatus = one(query, 'member_status') ?? 'accepted';
  if (!['accepted', 'pending', 'rejected', 'all'].includes(memberStatus)) throw badRequest(`Invalid member_status value: ${memberStatus}`);

  // What shows without a visibility filter: no one else's community images, and shared
  // images only in the member status asked for (accepted by default).
  filters.push((row) => {
    if (visibility !== undefined && visibility !== 'all' && row.visibility !== visibility) return false;
    if (row.owner === caller.user) return true;
    if (row.visibility === 'community') return visibility === 'community' || visibility === 'all';
    if (row.visibility === 'shared') {
      const status = memberships.get(row.id);
      if (status === undefined) return caller.admin;
      return memberStatus === 'all' || status === memberStatus;
    }
    return true;
  });

  const os_hidden = one(query, 'os_hidden') ?? 'false';
  filters.push((row) => String(row.os_hidden === 1) === os_hidden);
  for (const key of ['name', 'status', 'owner', 'disk_format', 'container_format'] as const) {
    const value = one(query, key);
    if (value !== undefined) filters.push(inFilter(value, (row) => String(row[key])));
  }
  const id = one(query, 'id');
  if (id !== undefined) filters.push(inFilter(id, (row) => row.id));
  const protectedFilter = one(query, 'protected');
  if (protectedFilter !== undefined) {
    if (protectedFilter !== 'true' && protectedFilter !== 'false') throw badRequest(`Invalid value for protected: ${protectedFilter}`);
    filters.push((row) => String(row.protected === 1) === protectedFilter);
  }
  for (const key of ['created_at', 'updated_at'] as const) {
    const value = one(query, key);
    if (value !== undefined) filters.push(timeFilter(key, value));
  }
  for (const tag of list(query, 'tag')) filters.push((row) => tags(row).includes(tag));
  const sizeMin = sizeBound(one(query, 'size_min'), 'size_min');
  const sizeMax = sizeBound(one(query, 'size_max'), 'size_max');
  if (sizeMin !== undefined) filters.push((row) => row.size !== null && row.size >= sizeMin);
  if (sizeMax !== undefined) filters.push((row) => row.size !== null && row.size <= sizeMax);
  for (const [key, value] of Object.entries(query)) {
    if (RESERVED.has(key) || value === undefined) continue;
    const wanted = one(query, key)!;
    filters.push((row) => properties(row)[key] === wanted);
  }
  return filters;
}

/** `value` or Glance's `in:a,b,c`. */
function inFilter(value: string, field: (row: ImageRow) => string): Filter {
  const wanted = value.startsWith('in:') ? value.slice(3).split(',').map((v) => v.replace(/^"|"$/g, '')) : [value];
  return (row) => wanted.includes(field(row));
}

const TIME_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b, neq: (a, b) => a !== b, gt: (a, b) => a > b, gte: (a, b) => a >= b, lt: (a, b) => a < b, lte: (a, b) => a <= b,
};

/** Glance's `created_at=gte:2026-01-02T03:04:05Z` (the operator defaults to eq). */
function timeFilter(key: 'created_at' | 'updated_at', value: string): Filter {
  const [operator, time] = /^[a-z]+:/.test(value) ? [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)] : ['eq', value];
  const compare = TIME_OPERATORS[operator!];
  const bound = Date.parse(time!);
  if (!compare || Number.isNaN(bound)) throw badRequest(`Invalid ${key} filter: ${value} (use OPERATOR:ISO-TIME, OPERATOR one of ${Object.keys(TIME_OPERATORS).join(', ')})`);
  // Glance compares whole seconds, as it shows them.
  return (row) => compare(Math.floor(Date.parse(row[key]) / 1000), Math.floor(bound / 1000));
}

function sizeBound(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw badRequest(`${name} must be a non-negative integer`);
  return Number(raw);
}
