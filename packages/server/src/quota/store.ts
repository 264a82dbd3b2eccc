// Queries on resources, holdings and commissions. Only quota/service.ts calls these.
import { sql } from 'kysely';
import type { Executor, HoldingsTable, ResourcesTable } from '../db/schema.ts';

export type ResourceRow = ResourcesTable;
export type HoldingRow = HoldingsTable;
export interface HoldingKey { holder: string; source: string; resource: string }

export const listResources = (ex: Executor) => ex.selectFrom('resources').selectAll().orderBy('name').execute();

export const findResource = (ex: Executor, name: string) =>
  ex.selectFrom('resources').selectAll().where('name', '=', name).executeTakeFirst();

/** Inserts the resource, or refreshes its description while keeping the operator's defaults. */
export const upsertResource = (ex: Executor, row: ResourceRow) =>
  ex.insertInto('resources').values(row).onConflict((oc) => oc.column('name').doUpdateSet({
    service: row.service, unit: row.unit, description: row.description, allow_in_projects: row.allow_in_projects,
    ui_visible: row.ui_visible, api_visible: row.api_visible,
  })).execute();

export const updateResource = (ex: Executor, name: string, patch: Partial<ResourceRow>) =>
  ex.updateTable('resources').set(patch).where('name', '=', name).executeTakeFirst();

const whereKey = <Q extends { where: (...a: any[]) => Q }>(q: Q, k: HoldingKey): Q =>
  q.where('holder', '=', k.holder).where('source', '=', k.source).where('resource', '=', k.resource);

export const findHolding = (ex: Executor, k: HoldingKey) =>
  whereKey(ex.selectFrom('holdings').selectAll(), k).executeTakeFirst();

export const holdingsOf = (ex: Executor, holders: string[]) =>
  holders.length === 0 ? Promise.resolve([] as HoldingRow[]) : ex.selectFrom('holdings').selectAll().where('holder', 'in', holders).execute();

export const holdingsOfResource = (ex: Executor, resource: string) =>
  ex.selectFrom('holdings').selectAll().where('resource', '=', resource).execute();

export const insertHolding = (ex: Executor, k: HoldingKey, capacity: number | null) =>
  ex.insertInto('holdings').values({ ...k, capacity, usage_min: 0, usage_max: 0 }).onConflict((oc) => oc.doNothing()).execute();

export const setCapacity = (ex: Executor, k: HoldingKey, capacity: number | null) =>
  whereKey(ex.updateTable('holdings').set({ capacity }), k).execute();

/** A holding's limit: its own capacity, or the resource's system default when it has none. */
const effectiveCapacity = (resource: string) =>
  sql`coalesce(capacity, (select system_default from resources where name = ${resource}))`;

/**
 * Atomically reserves `quantity` on a holding: raises usage_max for an allocation, lowers
 * usage_min for a release. Unless `force`, only if the result stays within [0, limit].
 * Returns false when the holding is missing or the check failed.
 */
export async function reserve(ex: Executor, k: HoldingKey, quantity: number, force: boolean): Promise<boolean> {
  const q = quantity >= 0
    ? whereKey(ex.updateTable('holdings').set({ usage_max: sql`usage_max + ${quantity}` }), k)
      .$if(!force, (w) => w.where(sql<boolean>`usage_max + ${quantity} <= ${effectiveCapacity(k.resource)}`))
    : whereKey(ex.updateTable('holdings').set({ usage_min: sql`usage_min + ${quantity}` }), k)
      .$if(!force, (w) => w.where(sql<boolean>`usage_min + ${quantity} >= 0`));
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Makes a reservation final (accept) or undoes it (reject). Never fails on limits. */
export async function settle(ex: Executor, k: HoldingKey, quantity: number, accept: boolean): Promise<void> {
  const column = (quantity >= 0) === accept ? 'usage_min' : 'usage_max';
  const delta = accept ? quantity : -quantity;
  await whereKey(ex.updateTable('holdings').set({ [column]: sql`${sql.ref(column)} + ${delta}` }), k).execute();
}

export const effectiveLimit = async (ex: Executor, k: HoldingKey): Promise<number | undefined> =>
  (await sql<{ v: number }>`select ${effectiveCapacity(k.resource)} as v from holdings
    where holder = ${k.holder} and source = ${k.source} and resource = ${k.resource}`.execute(ex)).rows[0]?.v;

export const deleteHoldings = (ex: Executor, holders: string[]) =>
  ex.deleteFrom('holdings').where('holder', 'in', holders).execute();

// ---- commissions

export async function insertCommission(ex: Executor, row: { name: string; issuer: string; issue_time: string }): Promise<number> {
  const inserted = await ex.insertInto('commissions').values({ ...row, state: 'pending', resolved_at: null }).returning('serial').executeTakeFirstOrThrow();
  return Number(inserted.serial);
}

export const insertProvisions = (ex: Executor, rows: { serial: number; position: number; user_id: string; project_id: string; resource: string; quantity: number }[]) =>
  ex.insertInto('provisions').values(rows).execute();

export const findCommission = (ex: Executor, serial: number) =>
  ex.selectFrom('commissions').selectAll().where('serial', '=', serial).executeTakeFirst();

export const provisionsOf = (ex: Executor, serial: number) =>
  ex.selectFrom('provisions').selectAll().where('serial', '=', serial).orderBy('position').execute();

/** Moves a pending commission to its final state; false if it was not pending (any more). */
export async function closeCommission(ex: Executor, serial: number, state: 'accepted' | 'rejected'): Promise<boolean> {
  const result = await ex.updateTable('commissions').set({ state, resolved_at: new Date().toISOString() })
    .where('serial', '=', serial).where('state', '=', 'pending').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export const pendingSerials = (ex: Executor, issuer?: string) => {
  let q = ex.selectFrom('commissions').select('serial').where('state', '=', 'pending').orderBy('serial');
  if (issuer !== undefined) q = q.where('issuer', '=', issuer);
  return q.execute().then((rows) => rows.map((r) => Number(r.serial)));
};

export const pendingCommissionsOfUser = (ex: Executor, userId: string) =>
  ex.selectFrom('provisions').innerJoin('commissions', 'commissions.serial', 'provisions.serial')
    .select('commissions.serial').where('commissions.state', '=', 'pending').where('provisions.user_id', '=', userId)
    .execute();
