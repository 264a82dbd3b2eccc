// One transaction helper for both dialects. SQLite transactions start IMMEDIATE so that a
// second process waits for the write lock up front instead of failing on lock upgrade;
// PostgreSQL transactions are retried on deadlock or serialization failure.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import type { Schema } from './schema.ts';

const RETRYABLE_PG_CODES = new Set(['40001', '40P01']);

/** Whether `error` is a unique or primary key violation, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
const MAX_ATTEMPTS = 5;

/**
 * Runs `work` in one transaction and returns its result. If `work` throws, everything it
 * wrote is rolled back and the error is rethrown.
 */
export async function withTransaction<T>(database: Database, work: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
  if (database.dialect === 'postgres') {
    for (let attempt = 1; ; attempt++) {
      try {
        return await database.db.transaction().execute(work);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE_PG_CODES.has(code)) throw error;
        await new Promise((resolve) => setTimeout(resolve, attempt * 10 * Math.random()));
      }
    }
  }
  return database.db.connection().execute(async (connection: Kysely<Schema>) => {
    await sql`begin immediate`.execute(connection);
    try {
      // A connection-bound Kysely behaves as a transaction for every query built on it.
      const result = await work(connection as Transaction<Schema>);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}
