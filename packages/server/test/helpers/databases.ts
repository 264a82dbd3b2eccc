// The databases a test file runs against: always a fresh SQLite file, and a fresh
// PostgreSQL database when a server can be reached (OCEANOS_TEST_PG_URL, else the local
// postgres on 127.0.0.1:5432). Without one, PostgreSQL tests are skipped with the reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  /** Location to pass as OCEANOS_DATABASE_URL / databaseUrl; a new one each call. */
  create(): Promise<string>;
  /** Set when this dialect cannot run here. */
  skip?: string;
}

const ADMIN_URL = process.env.OCEANOS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let pgReachable: Promise<string | undefined> | undefined;
let warned = false;

async function checkPostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL not reachable at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function testDatabases(): Promise<TestDatabase[]> {
  const dirs: string[] = [];
  const pgNames: string[] = [];
  after(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    if (pgNames.length === 0) return;
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    for (const name of pgNames) await client.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
    await client.end();
  });

  pgReachable ??= checkPostgres();
  const skip = await pgReachable;
  if (skip && !warned) {
    warned = true;
    process.stderr.write(`# skipping PostgreSQL tests: ${skip}\n`);
  }
  if (skip && process.env.OCEANOS_REQUIRE_PG === '1') throw new Error(`OCEANOS_REQUIRE_PG=1 but ${skip}`);

  return [
    {
      dialect: 'sqlite',
      async create() {
        const dir = mkdtempSync(join(tmpdir(), 'oceanos-test-'));
        dirs.push(dir);
        return join(dir, 'db.sqlite');
      },
    },
    {
      dialect: 'postgres',
      skip,
      async create() {
        const name = `oceanos_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
        const client = new pg.Client({ connectionString: ADMIN_URL });
        await client.connect();
        await client.query(`create database "${name}"`);
        await client.end();
        pgNames.push(name);
        return withDatabase(ADMIN_URL, name);
      },
    },
  ];
}
