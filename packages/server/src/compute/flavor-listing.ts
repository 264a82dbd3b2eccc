// Nova's flavor list: minRam/minDisk filters, sort_key/sort_dir and marker paging, over the
// flavors a caller may see. A cloud has tens of flavors, so this runs over rows in memory.
import { scalar, type Query } from '../http/query.ts';
import { badRequest } from '../http/errors.ts';
import { booleanWord } from './flavor-input.ts';
import type { FlavorRow } from './flavor-service.ts';

/** Nova's `[api] max_limit`: the largest page, and the page size when none is asked for. */
export const MAX_LIMIT = 1000;

export type FlavorQuery = Query;

// Nova's sort keys on our columns; the ones we do not vary (ephemeral_gb, swap, ...) keep
// the default order. Nova's `id` is its row id: creation order.
const SORT_KEYS: Record<string, (row: FlavorRow) => string | number | null> = {
  flavorid: (r) => r.id, name: (r) => r.name, memory_mb: (r) => r.ram, root_gb: (r) => r.disk, vcpus: (r) => r.vcpus,
  is_public: (r) => r.is_public, description: (r) => r.description, id: (r) => r.created_at, created_at: (r) => r.created_at,
  updated_at: (r) => r.created_at, ephemeral_gb: () => 0, swap: () => 0, rxtx_factor: () => 1, disabled: () => 0, vcpu_weight: () => null,
};

const one = scalar;

/** Nova's `is_public` filter (admins only): true by default, `none` for every flavor. Throws 400 otherwise. */
export function parseIsPublic(query: FlavorQuery): boolean | null {
  const raw = one(query, 'is_public');
  if (raw === undefined) return true;
  if (raw.trim().toLowerCase() === 'none') return null;
  const value = booleanWord(raw);
  if (value === undefined) throw badRequest(`Invalid is_public filter [${raw}]`);
  return value;
}

export interface FlavorPage { rows: FlavorRow[]; limit: number }

/**
 * Filters, sorts and cuts one page of `visible` (the flavors the caller may see). Throws 400
 * for a bad filter, sort key, direction, limit, or a marker that is not among `visible`.
 */
export function listFlavors(visible: FlavorRow[], query: FlavorQuery): FlavorPage {
  const minRam = intFilter(query, 'minRam');
  const minDisk = intFilter(query, 'minDisk');
  const limit = parseLimit(one(query, 'limit'));
  const keyName = one(query, 'sort_key') || 'flavorid';
  const dir = one(query, 'sort_dir') || 'asc';
  const key = SORT_KEYS[keyName];
  if (!key) throw badRequest(`Sort key supplied was not valid: ${keyName}`);
  if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Unknown sort direction, must be 'desc' or 'asc': ${dir}`);
  // Then Nova's row id (creation order), then the flavor id, so that every order is total.
  const compare = (a: FlavorRow, b: FlavorRow) => {
    const order = cmp(key(a), key(b)) || cmp(a.created_at, b.created_at) || cmp(a.id, b.id);
    return dir === 'asc' ? order : -order;
  };
  let rows = visible
    .filter((r) => (minRam === undefined || r.ram >= minRam) && (minDisk === undefined || r.disk >= minDisk))
    .sort(compare);
  const marker = one(query, 'marker');
  if (marker !== undefined) {
    // The marker need not pass the filters, only be a flavor the caller sees (as in Nova).
    const from = visible.find((r) => r.id === marker);
    if (!from) throw badRequest(`marker [${marker}] not found`);
    rows = rows.filter((r) => compare(r, from) > 0);
  }
  return { rows: rows.slice(0, limit), limit };
}

/** Nulls first, as SQL sorts them ascending in Nova's MySQL. */
function cmp(x: string | number | null, y: string | number | null): number {
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return x < y ? -1 : 1;
}

function intFilter(query: FlavorQuery, name: 'minRam' | 'minDisk'): number | undefined {
  const raw = one(query, name);
  if (raw === undefined) return undefined;
  if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw badRequest(`Invalid ${name} filter [${raw}]`);
  return Number(raw);
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return MAX_LIMIT;
  if (!/^[-+]?\d+$/.test(raw.trim())) throw badRequest('limit param must be an integer');
  const limit = Number(raw);
  if (limit < 0) throw badRequest('limit param must be positive');
  return Math.min(limit, MAX_LIMIT);
}
