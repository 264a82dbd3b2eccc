// Queries on the servers table. Only compute/server-* and the reconciler call these. State
// changes are compare-and-set on the task state, so that a request and a job (or two jobs
// across a crash) never both win.
import { sql } from 'kysely';
import type { Executor, ServersTable, VmState } from '../db/schema.ts';
import { isSerial } from './migration.ts';

export type ServerRow = ServersTable;

/** The quota a server holds: resource name to quantity. */
export type Charged = Record<string, number>;

export const metadataOf = (row: ServerRow): Record<string, string> => JSON.parse(row.metadata);
export const tagsOf = (row: ServerRow): string[] => JSON.parse(row.tags);
export const chargedOf = (row: ServerRow): Charged => JSON.parse(row.charged);

export async function insertServer(ex: Executor, row: ServerRow): Promise<void> {
  await ex.insertInto('servers').values(row).execute();
}

/** A server by UUID or by its integer id (Cyclades'), deleted ones included. */
export async function findServer(ex: Executor, ref: string): Promise<ServerRow | undefined> {
  const query = ex.selectFrom('servers').selectAll();
  return (isSerial(ref) ? query.where('serial', '=', Number(ref)) : query.where('id', '=', ref)).executeTakeFirst();
}

/**
 * The next integer id of a kind (`server`, `flavor`). With `taken`, records that this one was
 * chosen (a flavor created with an integer id) so that the counter moves past it.
 */
export async function nextSerial(ex: Executor, kind: 'server' | 'flavor', taken?: number): Promise<number> {
  const value = taken === undefined ? sql<number>`value + 1` : sql<number>`case when value > ${taken} then value else ${taken} end`;
  if (taken !== undefined) {
    await ex.updateTable('compute_serials').set({ value }).where('kind', '=', kind).execute();
    return taken;
  }
  const row = await ex.updateTable('compute_serials').set({ value }).where('kind', '=', kind).returning('value').executeTakeFirstOrThrow();
  return Number(row.value);
}

/** What a compare-and-set expects to find: the task state, and the vm_state if given. */
export interface Expected { vm_state?: VmState; task_state: string | null }

/**
 * Applies `patch` only if the server is still as `expected`; returns whether it did. The
 * loser of a race learns it here and leaves the row alone.
 */
export async function transition(ex: Executor, id: string, expected: Expected, patch: Partial<ServerRow>): Promise<boolean> {
  let query = ex.updateTable('servers').set({ ...patch, updated_at: new Date().toISOString() }).where('id', '=', id);
  query = expected.task_state === null ? query.where('task_state', 'is', null) : query.where('task_state', '=', expected.task_state);
  if (expected.vm_state !== undefined) query = query.where('vm_state', '=', expected.vm_state);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The fields a user changes without a task: name, description, access addresses, hostname, metadata, tags. */
export type RecordPatch = Pick<Partial<ServerRow>, 'name' | 'description' | 'access_ipv4' | 'access_ipv6' | 'hostname' | 'metadata' | 'tags'>;

/** Changes record-only fields of a server that is not deleted. */
export async function updateRecord(ex: Executor, id: string, patch: RecordPatch): Promise<boolean> {
  const result = await ex.updateTable('servers').set({ ...patch, updated_at: new Date().toISOString() })
    .where('id', '=', id).where('vm_state', '!=', 'deleted').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface ServerQuery {
  /** Only this user's servers; every user's when absent. */
  userId?: string;
  /** Servers changed at or after this time, deleted ones included. */
  since?: string;
  imageId?: string;
  flavorId?: string;
}

/** Where a page of servers starts and how many it holds, in Nova's order or Cyclades'. */
export interface ServerPaging {
  /** Servers changed at or before this time (with `since`). */
  before?: string;
  /** Cyclades lists by integer id, oldest first; Nova newest first. */
  order: 'newest' | 'serial';
  /** The page starts after this server (the last of the previous page). */
  after?: ServerRow;
  limit: number;
}

/** One page of servers, read in the database's order from where the last one ended. */
export async function pageOfServers(ex: Executor, q: ServerQuery & ServerPaging): Promise<ServerRow[]> {
  let query = ex.selectFrom('servers').selectAll();
  if (q.userId !== undefined) query = query.where('user_id', '=', q.userId);
  query = q.since === undefined ? query.where('vm_state', '!=', 'deleted') : query.where('updated_at', '>=', q.since);
  if (q.before !== undefined) query = query.where('updated_at', '<=', q.before);
  if (q.imageId !== undefined) query = query.where('image_id', '=', q.imageId);
  if (q.flavorId !== undefined) query = query.where('flavor_id', '=', q.flavorId);
  const after = q.after;
  if (q.order === 'serial') {
    if (after) query = query.where('serial', '>', after.serial);
    return query.orderBy('serial', 'asc').limit(q.limit).execute();
  }
  if (after) {
    query = query.where((eb) => eb.or([
      eb('created_at', '<', after.created_at),
      eb.and([eb('created_at', '=', after.created_at), eb('id', '<', after.id)]),
    ]));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
}

/** Every server not deleted (only those in `vmState` when given): for the reconciler and resize confirmation. */
export async function listServers(ex: Executor, q: { vmState?: VmState } = {}): Promise<ServerRow[]> {
  let query = ex.selectFrom('servers').selectAll().where('vm_state', '!=', 'deleted');
  if (q.vmState !== undefined) query = query.where('vm_state', '=', q.vmState);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

