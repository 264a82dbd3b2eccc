// Server lists page in the database: walking every page of a long list, with filters the
// database cannot apply (a name pattern) thinning it across many reads, gives each visible
// server once, in Nova's order (newest first, ties by id) or Cyclades' (by integer id).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listPage } from '../src/compute/server-listing.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrator.ts';
import { testDatabases } from './helpers/databases.ts';

const COUNT = 450;

for (const database of await testDatabases()) {
  describe(`server list paging on ${database.dialect}`, { skip: database.skip }, () => {
    it('walks every page once, with and without filters, in both orders', async () => {
      const db = openDatabase(await database.create());
      try {
        await migrate(db);
        const rows = Array.from({ length: COUNT }, (_, i) => {
          // Several servers share a creation time: ties are broken by id.
          const created = new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 3))).toISOString();
          const id = `${(i * 7919 % COUNT).toString().padStart(8, '0')}-0000-4000-8000-000000000000`;
          return {
            id, name: i % 5 === 0 ? `keep-${i}` : `skip-${i}`, user_id: i % 10 === 9 ? 'other' : 'u', project_id: 'u', image_id: 'i', flavor_id: '1',
            vcpus: 1, ram: 64, disk: 1, vm_state: i % 11 === 0 ? 'deleted' : 'active', task_state: null, power_state: 1, key_name: null, metadata: '{}',
            tags: '[]', fault: null, backend: 'fake', charged: '{}', resize_from: null, serial: COUNT - i, description: null, access_ipv4: '',
            access_ipv6: '', hostname: 'h', flavor_name: 'm1', progress: 100, launched_at: null, created_at: created, updated_at: created, deleted_at: null,
          };
        });
        for (let i = 0; i < rows.length; i += 100) await (db.db as any).insertInto('servers').values(rows.slice(i, i + 100)).execute();
        const visible = rows.filter((r) => r.user_id === 'u' && r.vm_state !== 'deleted');
        const caller = { userId: 'u', projectId: 'u', admin: false, tokenHash: 'x' } as any;

        const walk = async (query: Record<string, string>, synnefo: boolean) => {
          const seen: string[] = [];
          let marker: string | undefined;
          for (let pages = 0; pages < COUNT; pages++) {
            const page = await listPage(db.db, caller, { ...query, ...(marker ? { marker } : {}) }, { synnefo, version: 2001 });
            seen.push(...page.rows.map((r) => r.id));
            if (!page.next) return seen;
            marker = page.next;
          }
          throw new Error('paging did not end');
        };
        const newest = [...visible].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));
        assert.deepEqual(await walk({ limit: '7' }, false), newest.map((r) => r.id));
        assert.deepEqual(await walk({ limit: '7', name: '^keep' }, false), newest.filter((r) => r.name.startsWith('keep')).map((r) => r.id));
        assert.deepEqual(await walk({ limit: '1000', name: '^keep' }, false), newest.filter((r) => r.name.startsWith('keep')).map((r) => r.id));
        const bySerial = [...visible].sort((a, b) => a.serial - b.serial);
        assert.deepEqual(await walk({ limit: '13' }, true), bySerial.map((r) => r.id));
        assert.deepEqual(await walk({ limit: '0' }, false), []);
        // Another user's server is no marker.
        const theirs = rows.find((r) => r.user_id === 'other')!;
        await assert.rejects(listPage(db.db, caller, { marker: theirs.id }, { synnefo: false, version: 2001 }), /marker .* not found/);
      } finally {
        await db.close();
      }
    });
  });
}
