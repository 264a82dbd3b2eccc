// Failed logins, counted in the database so that every process of a cloud counts the same
// attempts, and counted before a password is checked, so that concurrent guesses cannot pass
// the limit (login-throttle.ts).
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../db/migrations.ts';

export const loginThrottleMigration: Migration = {
  id: '0011-login-throttle',
  async up(db: Kysely<any>) {
    const statements = [
      // One user from one address: failures since the last success, the blocks they earned.
      sql`create table login_pairs (
        key text primary key,
        failures integer not null default 0,
        blocks integer not null default 0,
        last_failure_ms bigint not null default 0,
        blocked_until_ms bigint not null default 0)`,
      // One address, whichever names it tries: failures in the current window.
      sql`create table login_addresses (
        address text primary key,
        failures integer not null default 0,
        window_start_ms bigint not null default 0)`,
    ];
    for (const statement of statements) await statement.execute(db);
  },
};
