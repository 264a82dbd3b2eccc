// Queries on the flavors and flavor_access tables. Only flavor-service.ts calls these.
import type { Executor, FlavorsTable } from '../db/schema.ts';
import { isSerial } from './migration.ts';

export const allFlavors = (ex: Executor) => ex.selectFrom('flavors').selectAll().execute();

/** A flavor by id or, for an integer no flavor has as its id, by Cyclades' integer id. */
export async function findFlavor(ex: Executor, ref: string): Promise<FlavorsTable | undefined> {
  const byId = await ex.selectFrom('flavors').selectAll().where('id', '=', ref).executeTakeFirst();
  if (byId || !isSerial(ref)) return byId;
  return ex.selectFrom('flavors').selectAll().where('serial', '=', Number(ref)).executeTakeFirst();
}

export async function setDescription(ex: Executor, id: string, description: string | null): Promise<void> {
  await ex.updateTable('flavors').set({ description }).where('id', '=', id).execute();
}

export const findFlavorByName = (ex: Executor, name: string) => ex.selectFrom('flavors').selectAll().where('name', '=', name).executeTakeFirst();

/** Inserts the row; false (and nothing written) if its id or name is taken. */
export async function insertFlavor(ex: Executor, row: FlavorsTable): Promise<boolean> {
  const result = await ex.insertInto('flavors').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Deletes the flavor and its access list; false if there was no such flavor. */
export async function deleteFlavor(ex: Executor, id: string): Promise<boolean> {
  await ex.deleteFrom('flavor_access').where('flavor_id', '=', id).execute();
  const result = await ex.deleteFrom('flavors').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function setExtraSpecs(ex: Executor, id: string, specs: Record<string, string>): Promise<void> {
  await ex.updateTable('flavors').set({ extra_specs: JSON.stringify(specs) }).where('id', '=', id).execute();
}

/** The projects given access to a flavor, sorted. */
export async function accessList(ex: Executor, flavorId: string): Promise<string[]> {
  const rows = await ex.selectFrom('flavor_access').select('project_id').where('flavor_id', '=', flavorId).orderBy('project_id').execute();
  return rows.map((r) => r.project_id);
}

/** The ids of the flavors a project was given access to. */
export async function flavorsOfProject(ex: Executor, projectId: string): Promise<Set<string>> {
  const rows = await ex.selectFrom('flavor_access').select('flavor_id').where('project_id', '=', projectId).execute();
  return new Set(rows.map((r) => r.flavor_id));
}

export async function hasAccess(ex: Executor, flavorId: string, projectId: string): Promise<boolean> {
  return (await ex.selectFrom('flavor_access').select('flavor_id').where('flavor_id', '=', flavorId).where('project_id', '=', projectId).executeTakeFirst()) !== undefined;
}

/** False if the project already had access. */
export async function insertAccess(ex: Executor, flavorId: string, projectId: string): Promise<boolean> {
  const result = await ex.insertInto('flavor_access').values({ flavor_id: flavorId, project_id: projectId }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** False if the project had no access. */
export async function deleteAccess(ex: Executor, flavorId: string, projectId: string): Promise<boolean> {
  const result = await ex.deleteFrom('flavor_access').where('flavor_id', '=', flavorId).where('project_id', '=', projectId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
