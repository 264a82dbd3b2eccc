// Applies pending migrations under a lock, so that two processes starting at once (or one
// started twice) apply each migration exactly once.
import { sql } from 'kysely';
import type { Database } from './database.ts';
import { migrations as allMigrations, type Migration } from './migrations.ts';
import { withTransaction } from './transaction.ts';

/** Returns the ids of the migrations this call applied (empty when the schema was current). */
export async function migrate(database: Database, migrations: Migration[] = allMigrations): Promise<string[]> {
  return withTransaction(database, async (trx) => {
    // PostgreSQL: serialise migrators across processes. SQLite: BEGIN IMMEDIATE already did.
    if (database.dialect === 'postgres') await sql`select pg_advisory_xact_lock(8585, 1)`.execute(trx);
    await sql`create table if not exists oceanos_migrations (id text primary key, applied_at text not null)`.execute(trx);
    const done = new Set((await sql<{ id: string }>`select id from oceanos_migrations`.execute(trx)).rows.map((r) => r.id));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await migration.up(trx, database.dialect);
      await sql`insert into oceanos_migrations (id, applied_at) values (${migration.id}, ${new Date().toISOString()})`.execute(trx);
      applied.push(migration.id);
    }
    return applied;
  });
}
