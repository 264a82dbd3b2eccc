// The reconciler through its admin endpoint, on a FakeBackend and both databases: a report
// changes nothing; with fix, an orphan VM is destroyed, a VM that died makes its server SHUTOFF
// without cpu and ram, a vanished VM makes its server DELETED with its quota released, a task
// no job will finish ends in the VM's state, a build no job will finish ends in ERROR.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeBackend } from '../src/backends/fake/fake-backend.ts';
import { computeHelpers, held, NOTHING, type User } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

const ORPHAN = '00000000-0000-4000-8000-0000000000aa';

for (const database of await testDatabases()) {
  describe(`server reconciliation on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    const backend = new FakeBackend();
    let alice: User;
    let imageRef: string;
    const { image, create, settled, show, usage } = computeHelpers(() => plane);
    const reconcile = async (fix?: boolean) => {
      const res = fix === undefined
        ? await plane.call('GET', '/compute/v2.1/oceanos/reconcile/servers', { token: plane.adminToken })
        : await plane.call('POST', '/compute/v2.1/oceanos/reconcile/servers', { token: plane.adminToken, body: { fix } });
      assert.equal(res.status, 200, res.text);
      return res.body;
    };

    before(async () => {
      plane = await startPlane(await database.create(), () => {}, { backend });
      alice = await plane.createUser('alice');
      imageRef = await image(alice);
    });
    after(async () => { await plane?.close(); });

    it('refuses users who are not admins with 403 in Nova\'s shape', async () => {
      const res = await plane.call('GET', '/compute/v2.1/oceanos/reconcile/servers', { token: alice.token });
      assert.equal(res.status, 403, res.text);
      assert.equal(res.body.forbidden.code, 403);
      const bad = await plane.call('POST', '/compute/v2.1/oceanos/reconcile/servers', { token: plane.adminToken, body: { fix: 'yes' } });
      assert.equal(bad.status, 400, bad.text);
      assert.ok(bad.body.badRequest.message);
    });

    it('reports every kind of difference, changes nothing without fix, and repairs each with fix', async () => {
      const died = (await create(alice, { name: 'died', imageRef })).id;
      const vanished = (await create(alice, { name: 'vanished', imageRef })).id;
      const stopping = (await create(alice, { name: 'stopping', imageRef })).id;
      for (const id of [died, vanished, stopping]) assert.equal((await settled(alice, id)).status, 'ACTIVE');
      backend.adopt({ id: ORPHAN, state: 'running', vcpus: 1, ramMiB: 128, diskBytes: 1 << 30 });
      backend.kill(died);
      backend.forget(vanished);
      // A stop whose job was lost: the task stays set, no job will clear it.
      await plane.database.db.updateTable('servers').set({ task_state: 'powering-off' }).where('id', '=', stopping).execute();
      // A build whose job was lost.
      const building = (await create(alice, { name: 'building', imageRef })).id;
      await plane.jobs.idle(building);
      await plane.database.db.updateTable('servers').set({ vm_state: 'building', task_state: 'spawning' }).where('id', '=', building).execute();
      const before = await usage(alice);

      const report = await reconcile();
      assert.equal(report.fixed, false);
      assert.deepEqual(report.orphans, [ORPHAN]);
      assert.deepEqual(report.stale, [vanished]);
      assert.deepEqual(report.unsynced, [{ id: died, db: 'ACTIVE', backend: 'stopped' }]);
      assert.deepEqual([...report.stuck].sort(), [building, stopping].sort());
      assert.equal((await show(alice, died)).status, 'ACTIVE');
      assert.ok(await backend.inspect(ORPHAN));
      assert.deepEqual(await usage(alice), before);

      assert.equal((await reconcile(true)).fixed, true);
      assert.equal(await backend.inspect(ORPHAN), null);
      assert.equal((await show(alice, died)).status, 'SHUTOFF');
      assert.equal((await show(alice, stopping)).status, 'ACTIVE');
      assert.equal((await show(alice, stopping))['OS-EXT-STS:task_state'], null);
      const failed = await show(alice, building);
      assert.equal(failed.status, 'ERROR');
      assert.match(failed.fault.message, /interrupted/);
      const gone = await plane.call('GET', `/compute/v2.1/servers/${vanished}`, { token: alice.token });
      assert.equal(gone.status, 404, gone.text);
      // What is left: died (stopped), stopping (running), the failed build (nothing).
      const expected = { ...NOTHING };
      for (const part of [held(1, 128, 1, false), held(1, 128, 1, true)]) {
        for (const [name, value] of Object.entries(part)) expected[name as keyof typeof NOTHING] += value;
      }
      assert.deepEqual(await usage(alice), expected);

      const clean = await reconcile();
      assert.deepEqual([clean.orphans, clean.stale, clean.unsynced, clean.stuck], [[], [], [], []]);
    });
  });

  describe(`periodic reconciliation on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    const backend = new FakeBackend();
    const { image, create, settled, show, usage } = computeHelpers(() => plane);
    before(async () => {
      plane = await startPlane(await database.create(), (c) => { c.compute.reconcileIntervalSeconds = 1; }, { backend });
    });
    after(async () => { await plane?.close(); });

    it('notices a VM that dies while the control plane runs, without a restart (regression: only at start)', async () => {
      const alice = await plane.createUser('alice');
      const id = (await create(alice, { name: 'fragile', imageRef: await image(alice) })).id;
      assert.equal((await settled(alice, id)).status, 'ACTIVE');
      backend.kill(id);
      let status = 'ACTIVE';
      for (let i = 0; i < 50 && status === 'ACTIVE'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await show(alice, id)).status;
      }
      assert.equal(status, 'SHUTOFF');
      assert.deepEqual(await usage(alice), held(1, 128, 1, false), 'cpu and ram released');
    });

    it('notices a VM that vanishes while the control plane runs: the server is deleted and its quota released', async () => {
      const bob = await plane.createUser('bob');
      const id = (await create(bob, { name: 'vanishing', imageRef: await image(bob) })).id;
      assert.equal((await settled(bob, id)).status, 'ACTIVE');
      backend.forget(id);
      let found = 200;
      for (let i = 0; i < 50 && found === 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        found = (await plane.call('GET', `/compute/v2.1/servers/${id}`, { token: bob.token })).status;
      }
      assert.equal(found, 404);
      assert.deepEqual(await usage(bob), NOTHING);
    });
  });
}
