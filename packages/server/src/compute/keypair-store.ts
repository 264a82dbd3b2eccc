// Queries on the keypairs table. Only keypair-service.ts calls these.
import type { Executor, KeypairsTable } from '../db/schema.ts';

export const findKeypair = (ex: Executor, userId: string, name: string) =>
  ex.selectFrom('keypairs').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();

export const listKeypairs = (ex: Executor, userId: string) =>
  ex.selectFrom('keypairs').selectAll().where('user_id', '=', userId).orderBy('name').execute();

/** Inserts the row; false (and nothing written) if the user already has a key pair of that name. */
export async function insertKeypair(ex: Executor, row: KeypairsTable): Promise<boolean> {
  const result = await ex.insertInto('keypairs').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** False if there was no such key pair. */
export async function deleteKeypair(ex: Executor, userId: string, name: string): Promise<boolean> {
  const result = await ex.deleteFrom('keypairs').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
