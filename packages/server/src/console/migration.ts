// One-time console tokens. Only a hash is stored, so a database dump opens no console.
import { sql, type Kysely } from 'kysely';
import type { Migration } from '../db/migrations.ts';

export const consoleMigration: Migration = {
  id: '0006-console-tokens',
  async up(db: Kysely<any>) {
    const statements = [
      sql`create table console_tokens (
        token_hash text primary key,
        server_id text not null,
        user_id text not null,
        expires_at text not null,
        used integer not null default 0,
        created_at text not null)`,
      sql`create index console_tokens_expires on console_tokens (expires_at)`,
    ];
    for (const statement of statements) await statement.execute(db);
  },
};

/**
 * A console token remembers the token (its hash) that asked for it: the console is admitted,
 * and stays open, only while that token is valid and its user enabled.
 */
export const consoleIssuerMigration: Migration = {
  id: '0012-console-issuer',
  async up(db: Kysely<any>) {
    await sql`alter table console_tokens add column issuer_token_hash text`.execute(db);
  },
};
