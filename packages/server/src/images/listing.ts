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
/** Query parameters that are not attribute or property filters, or are handled on their own. */
const NOT_FILTERS = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status', 'visibility', 'tag', 'os_hidden', 'protected']);
/** Image columns in Glance's model that filter by equality (anything else is a property). */
const COLUMNS = new Set(['id', 'name', 'status', 'visibility', 'disk_format', 'container_format', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram', 'owner', 'protected', 'os_hidden', 'created_at', 'updated_at']);
/** Columns that take Glance's `in:a,b` and `eq:a`. */
const LISTABLE = new Set(['name', 'id', 'status', 'container_format', 'disk_format']);
/** Numeric columns that take `<column>_min` and `<column>_max`. */
const RANGES = new Set(['size', 'virtual_size', 'min_disk', 'min_ram']);
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

  const osHidden = (one(query, 'os_hidden') ?? 'false').toLowerCase();
  if (osHidden !== 'true' && osHidden !== 'false') throw badRequest(`Invalid value '${osHidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`);
  filters.push((row) => String(row.os_hidden === 1) === osHidden);
  const protectedFilter = one(query, 'protected');
  if (protectedFilter !== undefined) {
    if (protectedFilter !== 'true' && protectedFilter !== 'false') throw badRequest(`Invalid value '${protectedFilter}' for 'protected' filter. Valid values are 'true' or 'false'.`);
    filters.push((row) => String(row.protected === 1) === protectedFilter);
  }
  if (query['changes-since'] !== undefined) throw badRequest('The "changes-since" filter is no longer available on v2.');
  for (const tag of list(query, 'tag')) filters.push((row) => tags(row).includes(tag));

  for (const key of Object.keys(query)) {
    if (NOT_FILTERS.has(key)) continue;
    const value = one(query, key);
    if (value === undefined) continue;
    filters.push(attributeFilter(key, value) ?? ((row) => properties(row)[key] === value));
  }
  return filters;
}

/**
 * A filter on a built-in attribute, as Glance's database layer reads one: `size_min`/`size_max`
 * (and the other numeric columns), `created_at`/`updated_at` with an operator, `in:`/`eq:` on
 * the listable columns, equality on the other columns; undefined for a property.
 */
function attributeFilter(key: string, value: string): Filter | undefined {
  const range = /^(.+)_(min|max)$/.exec(key);
  if (range) {
    const column = range[1]!;
    if (!/^-?\d+$/.test(value.trim())) throw badRequest('Unable to filter on a range with a non-numeric value.');
    if (!RANGES.has(column)) throw badRequest(`Unable to filter on a range of ${column}.`);
    const bound = Number(value.trim());
    return (row) => {
      const x = row[column as 'size'];
      return x !== null && (range[2] === 'min' ? x >= bound : x <= bound);
    };
  }
  if (key === 'created_at' || key === 'updated_at') return timeFilter(key, value);
  if (LISTABLE.has(key)) {
    const [operator, operand] = splitOperator(value);
    const field = (row: ImageRow) => String(row[key as 'name']);
    if (operator === 'eq') return (row) => field(row) === operand;
    if (operator === 'in') {
      const wanted = splitQuoted(operand);
      return (row) => wanted.includes(field(row));
    }
    throw badRequest(`Unable to filter by unknown operator '${operator}'.`);
  }
  if (!COLUMNS.has(key)) return undefined;
  return (row) => {
    const x = row[key as keyof ImageRow];
    return x !== null && String(x) === value;
  };
}

/** Glance's split_filter_op: `op:value`, or eq when there is no colon or the whole is an ISO time. */
function splitOperator(expression: string): [string, string] {
  const colon = expression.indexOf(':');
  if (colon < 0 || isIsoTime(expression)) return ['eq', expression];
  return [expression.slice(0, colon), expression.slice(colon + 1)];
}

const isIsoTime = (text: string) => /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text) && !Number.isNaN(Date.parse(text));

/** The values of `in:a,"b,c",d`, double quotes keeping commas (Glance's split_filter_value_for_quotes). */
function splitQuoted(list: string): string[] {
  if ((list.match(/(?<!\\)"/g) ?? []).length % 2 !== 0) throw badRequest('Invalid filter value: the quotes are not closed.');
  return [...list.matchAll(/"((?:[^"\\]|\\.)*)",?|([^,]+),?|,/g)].map((m) => m[1] ?? m[2] ?? '');
}

const TIME_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b, neq: (a, b) => a !== b, gt: (a, b) => a > b, gte: (a, b) => a >= b, lt: (a, b) => a < b, lte: (a, b) => a <= b,
};

/** Glance's `created_at=gte:2026-01-02T03:04:05Z` (the operator defaults to eq). */
function timeFilter(key: 'created_at' | 'updated_at', value: string): Filter {
  const [operator, time] = splitOperator(value);
  if (!isIsoTime(time)) throw badRequest(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
  const compare = TIME_OPERATORS[operator];
  if (!compare) throw badRequest(`Unable to filter by unknown operator '${operator}'.`);
  const bound = Date.parse(time);
  // Glance compares whole seconds, as it shows them.
  return (row) => compare(Math.floor(Date.parse(row[key]) / 1000), Math.floor(bound / 1000));
}
