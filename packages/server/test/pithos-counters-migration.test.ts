// Migration 0016 on a store that has objects already: each container's counters start as a
// count of its current versions and the sum of their sizes (history and other containers apart).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrator.ts';
import { migrations } from '../src/db/migrations.ts';
import { pithosCountersMigration } from '../src/storage/migration.ts';
import { containerStats } from '../src/storage/store.ts';
import { testDatabases } from './helpers/databases.ts';

for (const database of await testDatabases()) {
  describe(`pithos counters migration on ${database.dialect}`, { skip: database.skip }, () => {
    it('counts the current objects and bytes of every existing container', async () => {
      const db = openDatabase(await database.create());
      try {
        const upTo = migrations.indexOf(pithosCountersMigration);
        await migrate(db, migrations.slice(0, upTo));
        const ex = db.db as any;
        const now = '2026-01-01T00:00:00.000Z';
        for (const name of ['full', 'empty']) {
          await ex.insertInto('pithos_containers').values({ account: 'u', name, versioning: 'auto', quota: 0, metadata: '{}', created_at: now, modified_at: now }).execute();
        }
        const version = (name: string, cluster: number, size: number) => ({
          account: 'u', container: 'full', name, uuid: `${name}-${cluster}-${size}`, cluster, size, hashes: '', object_hash: 'h', md5: null,
          content_type: 'text/plain', metadata: '{}', manifest: null, modified_at: now, modified_by: 'u',
        });
        await ex.insertInto('pithos_versions').values([version('a', 0, 10), version('a', 1, 7), version('b', 0, 5)]).execute();
        assert.deepEqual(await migrate(db, migrations.slice(0, upTo + 1)), [pithosCountersMigration.id]);
        assert.deepEqual(await containerStats(db.db, 'u', 'full'), { count: 2, bytes: 15 });
        assert.deepEqual(await containerStats(db.db, 'u', 'empty'), { count: 0, bytes: 0 });
      } finally {
        await db.close();
      }
    });
  });
}
