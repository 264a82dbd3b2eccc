// Queries on the login throttle's tables. Only identity/login-throttle.ts calls these.
import type { Selectable, Transaction } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { LoginAddressesTable, LoginPairsTable, Schema } from '../db/schema.ts';

export type PairRow = Selectable<LoginPairsTable>;
export type AddressRow = Selectable<LoginAddressesTable>;

/** The rows of a pair and an address, created if new and locked for this transaction. */
export async function lockRows(trx: Transaction<Schema>, dialect: Dialect, pairKey: string, address: string): Promise<{ pair: PairRow; address: AddressRow }> {
  await trx.insertInto('login_pairs').values({ key: pairKey }).onConflict((oc) => oc.doNothing()).execute();
  await trx.insertInto('login_addresses').values({ address }).onConflict((oc) => oc.doNothing()).execute();
  // SQLite's BEGIN IMMEDIATE has serialised the transaction already; PostgreSQL locks the rows.
  const pair = await trx.selectFrom('login_pairs').selectAll().where('key', '=', pairKey)
    .$if(dialect === 'postgres', (q) => q.forUpdate()).executeTakeFirstOrThrow();
  const row = await trx.selectFrom('login_addresses').selectAll().where('address', '=', address)
    .$if(dialect === 'postgres', (q) => q.forUpdate()).executeTakeFirstOrThrow();
  return {
    pair: { ...pair, failures: Number(pair.failures), blocks: Number(pair.blocks), last_failure_ms: Number(pair.last_failure_ms), blocked_until_ms: Number(pair.blocked_until_ms) },
    address: { ...row, failures: Number(row.failures), window_start_ms: Number(row.window_start_ms) },
  };
}

export const savePair = (trx: Transaction<Schema>, row: PairRow) =>
  trx.updateTable('login_pairs').set(row).where('key', '=', row.key).execute();

export const saveAddress = (trx: Transaction<Schema>, row: AddressRow) =>
  trx.updateTable('login_addresses').set(row).where('address', '=', row.address).execute();

export const deletePair = (trx: Transaction<Schema>, key: string) => trx.deleteFrom('login_pairs').where('key', '=', key).execute();
