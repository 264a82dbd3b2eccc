// Queries on the jobs table. Only jobs/ calls these.
import type { Dialect } from '../db/database.ts';
import type { Executor, JobsTable } from '../db/schema.ts';

export type JobRow = Omit<JobsTable, 'id'> & { id: number };

const now = () => new Date().toISOString();
const UNFINISHED = ['queued', 'running'] as const;

/** Inserts a queued job with `executor` (so it commits or rolls back with the caller); returns its id. */
export async function insertJob(ex: Executor, job: { kind: string; target: string; payload: string }): Promise<number> {
  const at = now();
  const row = await ex.insertInto('jobs')
    .values({ ...job, state: 'queued', attempts: 0, owner: null, lease_until: null, error: null, created_at: at, updated_at: at })
    .returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/**
 * The oldest queued job whose target has neither a running job nor an older queued one, leaving
 * out `skipTargets`; undefined when there is none. On PostgreSQL the row is locked (skipping
 * rows another claimer holds), so call it inside the claiming transaction.
 */
export async function nextClaimable(ex: Executor, dialect: Dialect, skipTargets: string[]): Promise<JobRow | undefined> {
  let query = ex.selectFrom('jobs as j').selectAll('j').where('j.state', '=', 'queued')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('jobs as o').select('o.id')
      .whereRef('o.target', '=', 'j.target')
      .where((o) => o.or([o('o.state', '=', 'running'), o.and([o('o.state', '=', 'queued'), o('o.id', '<', o.ref('j.id'))])])))))
    .orderBy('j.id').limit(1);
  if (skipTargets.length > 0) query = query.where('j.target', 'not in', skipTargets);
  if (dialect === 'postgres') query = query.forUpdate().skipLocked();
  const row = await query.executeTakeFirst();
  return row && { ...row, id: Number(row.id) };
}

/**
 * Moves a queued job to running for `owner` and counts the attempt. False when it is no longer
 * queued; throws a unique violation when another job of its target is already running.
 */
export async function markRunning(ex: Executor, id: number, owner: string, leaseUntil: string): Promise<boolean> {
  const result = await ex.updateTable('jobs')
    .set((eb) => ({ state: 'running', owner, lease_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now() }))
    .where('id', '=', id).where('state', '=', 'queued').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records the end of a job `owner` runs, emptying its payload (it may hold secrets). False when
 * the job is no longer running under `owner` (taken back or handed to another process).
 */
export async function finishJob(ex: Executor, id: number, owner: string, outcome: { state: 'done' | 'failed'; error?: string }): Promise<boolean> {
  const result = await ex.updateTable('jobs')
    .set({ state: outcome.state, error: outcome.error ?? null, payload: '{}', owner: null, lease_until: null, updated_at: now() })
    .where('id', '=', id).where('owner', '=', owner).where('state', '=', 'running').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Extends the lease of those of `ids` that `owner` is still running. */
export async function renewLeases(ex: Executor, ids: number[], owner: string, leaseUntil: string): Promise<void> {
  if (ids.length === 0) return;
  await ex.updateTable('jobs').set({ lease_until: leaseUntil })
    .where('id', 'in', ids).where('owner', '=', owner).where('state', '=', 'running').execute();
}

/** Who holds each running job and until when: the candidates for recovery. */
export async function runningJobs(ex: Executor): Promise<Pick<JobRow, 'id' | 'owner' | 'lease_until'>[]> {
  const rows = await ex.selectFrom('jobs').select(['id', 'owner', 'lease_until']).where('state', '=', 'running').execute();
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}

/**
 * Puts running jobs back in the queue, but only those still held by `owner` (null: held by
 * nobody), so a job that changed hands meanwhile is left alone. Returns how many moved.
 */
export async function requeue(ex: Executor, ids: number[], owner: string | null): Promise<number> {
  if (ids.length === 0) return 0;
  let query = ex.updateTable('jobs').set({ state: 'queued', owner: null, lease_until: null, updated_at: now() })
    .where('id', 'in', ids).where('state', '=', 'running');
  query = owner === null ? query.where('owner', 'is', null) : query.where('owner', '=', owner);
  return Number((await query.executeTakeFirst()).numUpdatedRows);
}

/** Whether a queued or running job exists, for `target` or (undefined) for any target. */
export async function hasUnfinished(ex: Executor, target?: string): Promise<boolean> {
  let query = ex.selectFrom('jobs').select('id').where('state', 'in', UNFINISHED);
  if (target !== undefined) query = query.where('target', '=', target);
  return (await query.limit(1).executeTakeFirst()) !== undefined;
}

/** The targets that have a queued or running job. */
export async function unfinishedTargets(ex: Executor): Promise<Set<string>> {
  const rows = await ex.selectFrom('jobs').select('target').distinct().where('state', 'in', UNFINISHED).execute();
  return new Set(rows.map((row) => row.target));
}

/** Deletes done and failed jobs last touched before `before`; returns how many. */
export async function pruneFinished(ex: Executor, before: string): Promise<number> {
  const result = await ex.deleteFrom('jobs').where('state', 'in', ['done', 'failed']).where('updated_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
