// Queries on the login throttle's tables. Only identity/login-throttle.ts calls these.
import type { Selectable, Transaction } from 'kysely';
import type { Executor, LoginAddressesTable, LoginPairsTable, LoginUsersTable, Schema } from '../db/schema.ts';

export type PairRow = Selectable<LoginPairsTable>;
export type UserRow = Selectable<LoginUsersTable>;
export type AddressRow = Selectable<LoginAddressesTable>;
export interface AttemptRows { pair: PairRow; user: UserRow; address: AddressRow }

/**
 * The rows an attempt counts in, created if new and locked until the transaction ends (an
 * upsert that updates locks the row on PostgreSQL; SQLite's BEGIN IMMEDIATE has serialised
 * the transaction already). Always pair, user, address in that order, and one row of each,
 * so that concurrent attempts never wait on each other in a circle.
 */
export async function lockRows(trx: Transaction<Schema>, keys: { pair: string; user: string; address: string }): Promise<AttemptRows> {
  const pair = await trx.insertInto('login_pairs').values({ key: keys.pair })
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ key: eb.ref('excluded.key') })))
    .returningAll().executeTakeFirstOrThrow();
  const user = await trx.insertInto('login_users').values({ key: keys.user })
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ key: eb.ref('excluded.key') })))
    .returningAll().executeTakeFirstOrThrow();
  const address = await trx.insertInto('login_addresses').values({ address: keys.address })
    .onConflict((oc) => oc.column('address').doUpdateSet((eb) => ({ address: eb.ref('excluded.address') })))
    .returningAll().executeTakeFirstOrThrow();
  return { pair, user, address };
}

export async function saveRows(trx: Transaction<Schema>, rows: AttemptRows): Promise<void> {
  await trx.updateTable('login_pairs').set(rows.pair).where('key', '=', rows.pair.key).execute();
  await trx.updateTable('login_users').set(rows.user).where('key', '=', rows.user.key).execute();
  await trx.updateTable('login_addresses').set(rows.address).where('address', '=', rows.address.address).execute();
}

/**
 * Deletes the rows that say no more than a new row would: no block and no failure since
 * `quietSince`, no success since `knownSince` (pairs), a window started before `windowStart`
 * (addresses). Returns how many went.
 */
export async function purge(ex: Executor, bounds: { quietSince: number; knownSince: number; windowStart: number }): Promise<number> {
  const pairs = await ex.deleteFrom('login_pairs')
    .where('last_failure_ms', '<', bounds.quietSince).where('blocked_until_ms', '<', bounds.quietSince)
    .where('last_success_ms', '<', bounds.knownSince).executeTakeFirst();
  const users = await ex.deleteFrom('login_users')
    .where('last_failure_ms', '<', bounds.quietSince).where('blocked_until_ms', '<', bounds.quietSince).executeTakeFirst();
  const addresses = await ex.deleteFrom('login_addresses').where('window_start_ms', '<', bounds.windowStart).executeTakeFirst();
  return [pairs, users, addresses].reduce((sum, r) => sum + Number(r.numDeletedRows), 0);
}
