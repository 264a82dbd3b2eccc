// Opens the metadata database: SQLite in the data dir by default, PostgreSQL when a
// postgres:// URL is given. Everything above this file is dialect-agnostic.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Schema } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<Schema>;
  dialect: Dialect;
  /** Where it lives, with any password removed: safe to log. */
  description: string;
  close(): Promise<void>;
}

const INT8_OID = 20;

export function openDatabase(location: string): Database {
  if (/^postgres(ql)?:\/\//.test(location)) return openPostgres(location);
  return openSqlite(location);
}

function openPostgres(url: string): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Quantities are bigint columns; every value we store fits in a JS number.
    types: { getTypeParser: (oid: number, format?: unknown) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) } as pg.CustomTypesConfig,
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  if (safe.password) safe.password = '***';
  return { db, dialect: 'postgres', description: safe.toString(), close: () => db.destroy() };
}

function openSqlite(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const handle = new SqliteDatabase(path);
  handle.pragma('journal_mode = WAL');
  handle.pragma('busy_timeout = 10000');
  handle.pragma('foreign_keys = ON');
  handle.pragma('synchronous = NORMAL');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: handle }) });
  return { db, dialect: 'sqlite', description: path, close: () => db.destroy() };
}
