// The jobs table. At most one job per target runs at a time: a unique index over running
// jobs makes a second claim fail on both SQLite and PostgreSQL, even across processes.
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../db/migrations.ts';

export const jobsMigration: Migration = {
  id: '0004-jobs',
  async up(db: Kysely<any>, dialect) {
    const id = sql.raw(dialect === 'postgres' ? 'bigserial primary key' : 'integer primary key autoincrement');
    const statements = [
      sql`create table jobs (
        id ${id},
        kind text not null,
        target text not null,
        payload text not null default '{}',
        state text not null,
        attempts integer not null default 0,
        owner text,
        lease_until text,
        error text,
        created_at text not null,
        updated_at text not null)`,
      sql`create index jobs_state on jobs (state, id)`,
      sql`create index jobs_target on jobs (target, state)`,
      sql`create unique index jobs_one_running on jobs (target) where state = 'running'`,
    ];
    for (const statement of statements) await statement.execute(db);
  },
};
