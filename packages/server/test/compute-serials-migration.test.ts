// Migration 0015 on a cloud that has servers and flavors already: every server gets an integer
// id in creation order (deleted ones too), a flavor with an integer id keeps it and the others
// get the next free ones, the counters continue after them, and the new fields are filled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeSerialsMigration } from '../src/compute/migration.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrator.ts';
import { migrations } from '../src/db/migrations.ts';
import { nextSerial } from '../src/compute/server-store.ts';
import { testDatabases } from './helpers/databases.ts';

for (const database of await testDatabases()) {
  describe(`compute serials migration on ${database.dialect}`, { skip: database.skip }, () => {
    it('numbers existing servers and flavors, and the counters go on after them', async () => {
      const db = openDatabase(await database.create());
      try {
        const upTo = migrations.indexOf(computeSerialsMigration);
        await migrate(db, migrations.slice(0, upTo));
        const ex = db.db as any;
        await ex.insertInto('flavors').values({ id: 'custom-uuid', name: 'custom', vcpus: 1, ram: 64, disk: 1, is_public: 1, extra_specs: '{}', created_at: '2026-01-01T00:00:00.000Z' }).execute();
        await ex.insertInto('flavors').values({ id: '9', name: 'nine', vcpus: 1, ram: 64, disk: 1, is_public: 1, extra_specs: '{}', created_at: '2026-01-02T00:00:00.000Z' }).execute();
        const server = (id: string, name: string, created: string, vmState: string, flavor: string) => ({
          id, name, user_id: 'u', project_id: 'u', image_id: 'i', flavor_id: flavor, vcpus: 1, ram: 64, disk: 1, vm_state: vmState, task_state: null,
          power_state: 1, key_name: null, metadata: '{}', tags: '[]', fault: null, backend: 'fake', charged: '{}', progress: 100, launched_at: null,
          created_at: created, updated_at: created, deleted_at: null, resize_from: null,
        });
        await ex.insertInto('servers').values([
          server('b0000000-0000-0000-0000-000000000000', 'Second VM', '2026-02-02T00:00:00.000Z', 'active', 'custom-uuid'),
          server('a0000000-0000-0000-0000-000000000000', 'first', '2026-02-01T00:00:00.000Z', 'deleted', 'gone-flavor'),
        ]).execute();

        assert.deepEqual(await migrate(db, migrations.slice(0, upTo + 1)), [computeSerialsMigration.id]);
        const servers = await ex.selectFrom('servers').select(['id', 'serial', 'hostname', 'flavor_name', 'access_ipv4']).orderBy('serial').execute();
        assert.deepEqual(servers.map((s: { id: string; serial: number }) => [s.id[0], Number(s.serial)]), [['a', 1], ['b', 2]]);
        assert.deepEqual(servers.map((s: { hostname: string }) => s.hostname), ['first', 'second-vm']);
        assert.deepEqual(servers.map((s: { flavor_name: string }) => s.flavor_name), ['gone-flavor', 'custom']);
        assert.equal(servers[0].access_ipv4, '');
        const flavors = await ex.selectFrom('flavors').select(['id', 'serial']).execute();
        const serial = Object.fromEntries(flavors.map((f: { id: string; serial: number }) => [f.id, Number(f.serial)]));
        assert.deepEqual([serial['1'], serial['5'], serial['9'], serial['custom-uuid']], [1, 5, 9, 10]);
        assert.equal(await nextSerial(db.db, 'server'), 3);
        assert.equal(await nextSerial(db.db, 'flavor'), 11);
      } finally {
        await db.close();
      }
    });
  });
}
