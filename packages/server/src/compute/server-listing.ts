// GET /servers and /servers/detail: Nova's filters (name as an unanchored regex, status,
// changes-since, image, flavor), all_tenants for admins, and marker/limit paging.
import { list, scalar, type Query } from '../http/query.ts';
import { setFlagsFromString } from 'node:v8';
import type { Executor } from '../db/schema.ts';
import { badRequest, forbidden } from '../http/errors.ts';
import type { ComputeCaller } from './caller.ts';
import { novaAtLeast, type ComputeApi } from './microversion.ts';
import { AVAILABILITY_ZONE, SINCE } from './nova-versions.ts';
import { cycladesStatus, serverStatus } from './server-states.ts';
import { findServer, pageOfServers, type ServerQuery, type ServerRow } from './server-store.ts';

export const MAX_LIMIT = 1000;
/** Rows read at a time when filters the database cannot apply thin them out. */
const FILTERED_BATCH = 200;

/** The statuses Nova knows; from 2.38 filtering on another is a 400. */
const NOVA_STATUSES = new Set([
  'ACTIVE', 'BUILD', 'DELETED', 'ERROR', 'HARD_REBOOT', 'MIGRATING', 'PASSWORD', 'PAUSED', 'REBOOT', 'REBUILD', 'RESCUE', 'RESIZE',
  'REVERT_RESIZE', 'SHELVED', 'SHELVED_OFFLOADED', 'SHUTOFF', 'SOFT_DELETED', 'SUSPENDED', 'UNKNOWN', 'VERIFY_RESIZE',
]);

/** Nova's server filters on the record: exact ones, and those its database matches as a regex. */
const EXACT_FILTERS: Record<string, (row: ServerRow) => string | null> = {
  vm_state: (r) => r.vm_state, task_state: (r) => r.task_state, power_state: (r) => String(r.power_state), user_id: (r) => r.user_id,
};
const REGEX_FILTERS: Record<string, (row: ServerRow) => string | null> = {
  key_name: (r) => r.key_name, availability_zone: () => AVAILABILITY_ZONE,
};

/** Query parameters Nova's server list takes more than once; sort keys are taken and ignored (newest first). */
export const SERVER_LIST_REPEATABLE = ['status', 'sort_key', 'sort_dir'];

export type { Query };
const one = scalar;

export interface Page {
  rows: ServerRow[];
  /** The marker of the next page, when there is one. */
  next?: string;
  limit: number;
}

// A user's pattern must not be able to stall the event loop by backtracking ((a+)+b): V8's
// linear-time engine (the `l` flag) runs it. Where that engine is missing, a name matches
// when it contains the pattern as plain text.
setFlagsFromString('--enable-experimental-regexp-engine');
const LINEAR = (() => { try { return new RegExp('a', 'l') && true; } catch { return false; } })();

function namePattern(name: string, param = 'name'): { test(text: string): boolean } {
  if (!LINEAR) return { test: (text) => text.includes(name) };
  try {
    return new RegExp(name, 'l');
  } catch {
    throw badRequest(`Invalid input for query parameters ${param}. Value: ${name}. It is not a regular expression without backreferences or lookarounds.`);
  }
}

/** One page of the servers the caller may list; 400 on a bad filter or an unknown marker. */
export async function listPage(ex: Executor, caller: ComputeCaller, query: Query, api: ComputeApi): Promise<Page> {
  const filter: ServerQuery = {};
  const allTenants = one(query, 'all_tenants');
  if (allTenants !== undefined && allTenants !== '0' && allTenants.toLowerCase() !== 'false') {
    if (!caller.admin) throw forbidden('Policy doesn\'t allow os_compute_api:servers:index:get_all_tenants to be performed.');
  } else {
    filter.userId = caller.userId;
  }
  const since = time(query, 'changes-since');
  if (since !== undefined) filter.since = since;
  // 2.66: servers changed before a time, deleted ones included, as with changes-since.
  const before = novaAtLeast(api, SINCE.changesBefore) ? time(query, 'changes-before') : undefined;
  if (before !== undefined) {
    if (filter.since !== undefined && filter.since > before) throw badRequest(`The value of changes-since must be less than or equal to changes-before.`);
    filter.since ??= new Date(0).toISOString();
  }
  const image = one(query, 'image');
  if (image) filter.imageId = image.slice(image.lastIndexOf('/') + 1);
  const flavor = one(query, 'flavor');
  if (flavor) filter.flavorId = flavor.slice(flavor.lastIndexOf('/') + 1);

  // What the database cannot judge is judged here, row by row, as pages are read.
  const tests: ((row: ServerRow) => boolean)[] = [];
  const name = one(query, 'name');
  if (name) {
    const pattern = namePattern(name);
    tests.push((r) => pattern.test(r.name));
  }
  // Nova takes several statuses (any of them), as it takes several sort keys (SERVER_LIST_REPEATABLE).
  const statuses = list(query, 'status').map((s) => s.toUpperCase());
  const unknown = statuses.find((s) => !NOVA_STATUSES.has(s));
  if (unknown !== undefined && novaAtLeast(api, SINCE.strictStatusFilter)) throw badRequest('Invalid status value');
  const statusOf = api.synnefo ? cycladesStatus : serverStatus;
  if (statuses.length) tests.push((r) => statuses.includes(statusOf(r.vm_state, r.task_state)));
  // Admins filter on these always, others from 2.83 (before, Nova drops them silently).
  if (!api.synnefo && (caller.admin || novaAtLeast(api, SINCE.userServerFilters))) {
    for (const [param, value] of Object.entries(EXACT_FILTERS)) {
      const wanted = one(query, param);
      if (wanted !== undefined) tests.push((r) => value(r) === wanted);
    }
    for (const [param, value] of Object.entries(REGEX_FILTERS)) {
      const wanted = one(query, param);
      if (wanted === undefined) continue;
      const pattern = namePattern(wanted, param);
      tests.push((r) => pattern.test(value(r) ?? ''));
    }
  }

  const limit = parseLimit(one(query, 'limit'));
  const marker = one(query, 'marker');
  let after: ServerRow | undefined;
  if (marker) {
    after = await findServer(ex, marker);
    if (!after || (filter.userId !== undefined && after.user_id !== filter.userId)) throw badRequest(`marker [${marker}] not found`);
  }
  // Pages are read in the database's order (an index serves it) from the marker on, one more
  // row than asked to know whether a next page exists; filtered rows need more reads.
  const paging = { ...filter, before, order: api.synnefo ? 'serial' as const : 'newest' as const, limit: tests.length ? Math.max(limit + 1, FILTERED_BATCH) : limit + 1 };
  const found: ServerRow[] = [];
  for (;;) {
    const rows = await pageOfServers(ex, { ...paging, after });
    found.push(...rows.filter((r) => tests.every((test) => test(r))));
    if (found.length > limit || rows.length < paging.limit) break;
    after = rows[rows.length - 1];
  }
  const page = found.slice(0, limit);
  return { rows: page, limit, ...(found.length > limit && page.length > 0 ? { next: page[page.length - 1]!.id } : {}) };
}

function time(query: Query, name: string): string | undefined {
  const value = one(query, name);
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw badRequest(`Invalid input for query parameters ${name}. Value: ${value}. It is not an ISO 8601 time.`);
  return parsed.toISOString();
}

function parseLimit(value: string | undefined): number {
  if (value === undefined || value === '') return MAX_LIMIT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid input for query parameters limit. Value: ${value}. It is not a non-negative integer.`);
  return Math.min(n, MAX_LIMIT);
}
