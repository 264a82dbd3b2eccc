// The lock that keeps the block collector from deleting a block the moment something starts
// to need it. Whatever makes a block needed (a commit that references it, an upload that holds
// it) does so under the shared lock; the collector checks and deletes under the exclusive one.
// So a block is either seen as needed by the collector, or deleted before its new user looks,
// which then finds it missing and writes it again (or fails cleanly). SQLite's BEGIN IMMEDIATE
// already serialises every write transaction, so there only PostgreSQL takes these locks.
import { sql, type Transaction } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Schema } from '../db/schema.ts';

export async function lockForUse(trx: Transaction<Schema>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock_shared(8585, 2)`.execute(trx);
}

export async function lockForCollection(trx: Transaction<Schema>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(8585, 2)`.execute(trx);
}
