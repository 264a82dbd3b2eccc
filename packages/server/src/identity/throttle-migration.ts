// Failed logins, counted in the database so that every process of a cloud counts the same
// attempts, and counted before a password is checked, so that concurrent guesses cannot pass
// the limit (login-throttle.ts).
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../db/migrations.ts';

// A failure count with growing blocks: failures since the last block, the blocks it earned.
const BACKOFF_COLUMNS = sql`failures integer not null default 0,
        blocks integer not null default 0,
        last_failure_ms bigint not null default 0,
        blocked_until_ms bigint not null default 0`;

export const loginThrottleMigration: Migration = {
  id: '0011-login-throttle',
  async up(db: Kysely<any>) {
    const statements = [
      // One user from one address.
      sql`create table login_pairs (key text primary key, ${BACKOFF_COLUMNS})`,
      // One address, whichever names it tries: failures in the current window.
      sql`create table login_addresses (
        address text primary key,
        failures integer not null default 0,
        window_start_ms bigint not null default 0)`,
    ];
    for (const statement of statements) await statement.execute(db);
  },
};

/**
 * One user from every address, so that a guesser with many addresses is bounded too; and the
 * last success of a user from an address, which makes that address theirs (login-throttle.ts).
 */
export const loginThrottleUsersMigration: Migration = {
  id: '0014-login-throttle-users',
  async up(db: Kysely<any>) {
    await sql`create table login_users (key text primary key, ${BACKOFF_COLUMNS})`.execute(db);
    await sql`alter table login_pairs add column last_success_ms bigint not null default 0`.execute(db);
  },
};
