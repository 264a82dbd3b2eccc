// Regression tests: `openstack server resize --wait` never returned, because a resize had no
// VERIFY_RESIZE step. On /compute/v2.1 a resize now waits in VERIFY_RESIZE for confirmResize
// or revertResize (or the automatic confirmation), holding the larger flavor's quota so that
// a revert always fits; on /compute/v2.0 it completes at once, as in Cyclades.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BackendError } from '../src/backends/backend.ts';
import { FakeBackend } from '../src/backends/fake/fake-backend.ts';
import { serverStatus } from '../src/compute/server-states.ts';
import { computeHelpers, held, type User } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

for (const database of await testDatabases()) {
  describe(`resize with confirmation on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    const backend = new FakeBackend();
    let alice: User;
    let imageRef: string;
    const { create, settled, show, action, usage, image, nova } = computeHelpers(() => plane);
    const resize = (id: string, flavorRef: string) => action(alice, id, { resize: { flavorRef } });

    before(async () => {
      plane = await startPlane(await database.create(), () => {}, { backend });
      alice = await plane.createUser('alice');
      imageRef = await image(alice);
    });
    after(async () => { await plane?.close(); });

    /** A server of m1.nano, running, or shut off with `stopped`. */
    const server = async (stopped: boolean) => {
      const { id } = await create(alice, { imageRef });
      await settled(alice, id);
      if (stopped) {
        await action(alice, id, { 'os-stop': null });
        await settled(alice, id);
      }
      return id;
    };
    const remove = async (id: string) => {
      assert.equal((await nova(alice, 'DELETE', `/servers/${id}`)).status, 204);
      await plane.jobs.idle(id);
    };

    it('resizes a running server: it is stopped, resized and started again, then waits for confirmation', async () => {
      const id = await server(false);
      assert.equal((await resize(id, '2')).status, 202);
      const verify = await settled(alice, id);
      assert.deepEqual([verify.status, verify.flavor.id, verify['OS-EXT-STS:power_state']], ['VERIFY_RESIZE', '2', 1]);
      assert.equal((await backend.inspect(id))!.state, 'running');
      assert.deepEqual(await usage(alice), held(1, 512, 1, true));
      assert.equal((await action(alice, id, { confirmResize: null })).status, 204);
      const confirmed = await show(alice, id);
      assert.deepEqual([confirmed.status, confirmed.flavor.id], ['ACTIVE', '2']);
      assert.deepEqual(await usage(alice), held(1, 512, 1, true));
      await remove(id);
    });

    it('puts a running VM back at its old size when it cannot start at the new one (regression: it stayed stopped at the new size under the old flavor)', async () => {
      const id = await server(false);
      backend.failNext('start', new BackendError('not enough memory on the host for 512 MiB'));
      assert.equal((await resize(id, '2')).status, 202);
      const failed = await settled(alice, id);
      assert.deepEqual([failed.status, failed.flavor.id], ['ACTIVE', '1']);
      // Nova shows a fault only in ERROR; Cyclades' diagnostics show why.
      assert.equal(failed.fault, undefined);
      const cyclades = await plane.call('GET', `/compute/v2.0/servers/${id}`, { token: alice.token });
      assert.match(cyclades.body.server.diagnostics[0].message, /not enough memory/);
      const vm = (await backend.inspect(id))!;
      assert.deepEqual([vm.state, vm.ramMiB], ['running', 128]);
      assert.deepEqual(await usage(alice), held(1, 128, 1, true));
      await remove(id);
    });

    it('reverts to the old flavor and the state it was in, releasing the larger flavor', async () => {
      const id = await server(false);
      assert.equal((await resize(id, '2')).status, 202);
      assert.equal((await settled(alice, id)).status, 'VERIFY_RESIZE');
      assert.equal((await action(alice, id, { revertResize: null })).status, 202);
      assert.equal(serverStatus('resized', 'resize_reverting'), 'REVERT_RESIZE', 'what it shows until the revert is done');
      const reverted = await settled(alice, id);
      assert.deepEqual([reverted.status, reverted.flavor.id], ['ACTIVE', '1']);
      assert.equal((await backend.inspect(id))!.ramMiB, 128);
      assert.deepEqual(await usage(alice), held(1, 128, 1, true));
      assert.equal((await action(alice, id, { confirmResize: null })).status, 409, 'nothing left to confirm');
      await remove(id);
    });

    it('holds the larger flavor while waiting, so a revert of a shrink always fits', async () => {
      const big = await server(true);
      assert.equal((await resize(big, '2')).status, 202);
      await settled(alice, big);
      await action(alice, big, { confirmResize: null });
      assert.equal((await resize(big, '1')).status, 202);
      assert.equal((await settled(alice, big)).status, 'VERIFY_RESIZE');
      assert.deepEqual(await usage(alice), held(1, 512, 1, false), 'the old, larger flavor is still held');
      assert.equal((await action(alice, big, { confirmResize: null })).status, 204);
      assert.deepEqual(await usage(alice), held(1, 128, 1, false));
      assert.equal((await show(alice, big)).status, 'SHUTOFF');
      await remove(big);
    });

    it('confirms a resize that waited longer than the confirmation window', async () => {
      const id = await server(true);
      await resize(id, '2');
      assert.equal((await settled(alice, id)).status, 'VERIFY_RESIZE');
      assert.equal(await plane.servers.confirmStaleResizes(60_000), 0, 'not yet');
      await plane.database.db.updateTable('servers').set({ resize_from: JSON.stringify({ flavorId: '1', vcpus: 1, ram: 128, vmState: 'stopped', verify: true, at: new Date(Date.now() - 120_000).toISOString() }) })
        .where('id', '=', id).execute();
      assert.equal(await plane.servers.confirmStaleResizes(60_000), 1);
      const confirmed = await show(alice, id);
      assert.deepEqual([confirmed.status, confirmed.flavor.id], ['SHUTOFF', '2']);
      await remove(id);
    });

    it('resizes at once on Synnefo\'s /compute/v2.0, and only a stopped server', async () => {
      const running = await server(false);
      const refused = await plane.call('POST', `/compute/v2.0/servers/${running}/action`, { token: alice.token, body: { resize: { flavorRef: '2' } } });
      assert.equal(refused.status, 409);
      await remove(running);
      const stopped = await server(true);
      const done = await plane.call('POST', `/compute/v2.0/servers/${stopped}/action`, { token: alice.token, body: { resize: { flavorRef: '2' } } });
      assert.equal(done.status, 202);
      const after = await settled(alice, stopped);
      assert.deepEqual([after.status, after.flavor.id], ['SHUTOFF', '2']);
      assert.deepEqual(await usage(alice), held(1, 512, 1, false));
      await remove(stopped);
    });
  });

  describe(`automatic resize confirmation on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    const { create, settled, show, action, image } = computeHelpers(() => plane);

    before(async () => {
      // Reconciliation at start only (the test planes' default), confirmation after a second.
      plane = await startPlane(await database.create(), (c) => { c.compute.resizeConfirmSeconds = 1; });
    });
    after(async () => { await plane?.close(); });

    it('confirms on time where reconciliation does not repeat (regression: the window was kept only by the periodic reconciliation)', async () => {
      const alice = await plane.createUser('alice');
      const { id } = await create(alice, { imageRef: await image(alice) });
      await settled(alice, id);
      assert.equal((await action(alice, id, { resize: { flavorRef: '2' } })).status, 202);
      assert.equal((await settled(alice, id)).status, 'VERIFY_RESIZE');
      let now = await show(alice, id);
      for (let i = 0; i < 50 && now.status === 'VERIFY_RESIZE'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        now = await show(alice, id);
      }
      assert.deepEqual([now.status, now.flavor.id], ['ACTIVE', '2']);
    });
  });
}
