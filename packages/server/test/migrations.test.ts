// Migrations apply once, whether run twice or by several processes starting together.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrator.ts';
import { migrations } from '../src/db/migrations.ts';
import { testDatabases } from './helpers/databases.ts';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./fixtures/migrate-worker.ts', import.meta.url));

for (const database of await testDatabases()) {
  describe(`migrations on ${database.dialect}`, { skip: database.skip }, () => {
    it('apply all at first and nothing the second time', async () => {
      const db = openDatabase(await database.create());
      try {
        assert.deepEqual(await migrate(db), migrations.map((m) => m.id));
        assert.deepEqual(await migrate(db), []);
        const roles = await db.db.selectFrom('roles').select('name').orderBy('name').execute();
        assert.deepEqual(roles.map((r) => r.name), ['admin', 'member'], 'seed rows are inserted once');
      } finally {
        await db.close();
      }
    });

    it('apply exactly once when four processes start at the same moment', async () => {
      const url = await database.create();
      const outputs = await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, ['--import', 'tsx', WORKER, url], { timeout: 60_000 })));
      const applied = outputs.map((o) => JSON.parse(o.stdout) as string[]);
      assert.equal(applied.filter((a) => a.length > 0).length, 1, `one process migrates: ${JSON.stringify(applied)}`);
      assert.deepEqual(applied.flat(), migrations.map((m) => m.id));
    });

    it('roll back a failing migration whole', async () => {
      const db = openDatabase(await database.create());
      try {
        await migrate(db);
        const broken = [...migrations, {
          id: '9999-broken',
          async up(k: Parameters<(typeof migrations)[0]['up']>[0]) {
            await k.schema.createTable('half_done').addColumn('id', 'text').execute();
            throw new Error('boom');
          },
        }];
        await assert.rejects(migrate(db, broken), /boom/);
        const tables = database.dialect === 'sqlite'
          ? await db.db.selectFrom('sqlite_master' as never).select('name' as never).where('name' as never, '=', 'half_done' as never).execute()
          : await db.db.selectFrom('information_schema.tables' as never).select('table_name' as never).where('table_name' as never, '=', 'half_done' as never).execute();
        assert.equal(tables.length, 0, 'nothing of the failed migration remains');
        assert.deepEqual(await migrate(db), []);
      } finally {
        await db.close();
      }
    });
  });
}
