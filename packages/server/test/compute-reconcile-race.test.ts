// A reconciliation pass reads the backend's VMs, the servers and the busy ones one after the
// other: a job that finishes in between makes one read older than the next. The pass must
// not take that for a difference (the periodic pass meets it in normal operation).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VmInfo, VmSpec } from '../src/backends/backend.ts';
import { FakeBackend } from '../src/backends/fake/fake-backend.ts';
import { computeHelpers, held, type User } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

/** A fake whose next list() is taken at once but answered only after `meanwhile` has run. */
class SlowListFake extends FakeBackend {
  meanwhile: (() => Promise<void>) | undefined;
  /** How long a create takes after its VM exists (the job has yet to record it). */
  lingerMs = 0;
  override async list(): Promise<VmInfo[]> {
    const snapshot = await super.list();
    const run = this.meanwhile;
    this.meanwhile = undefined;
    await run?.();
    return snapshot;
  }

  override async create(spec: VmSpec): Promise<void> {
    await super.create(spec);
    await sleep(this.lingerMs);
  }
}

for (const database of await testDatabases()) {
  describe(`reconciliation racing jobs on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    const backend = new SlowListFake({ delayMs: 50 });
    let alice: User;
    let imageRef: string;
    const { image, create, settled, show, action, usage } = computeHelpers(() => plane);

    before(async () => {
      plane = await startPlane(await database.create(), () => {}, { backend });
      alice = await plane.createUser('alice');
      imageRef = await image(alice);
    });
    after(async () => { await plane?.close(); });

    it('leaves a server whose build finishes while the VMs are listed (regression: it was marked DELETED, then its VM destroyed as an orphan)', async () => {
      const id = (await create(alice, { name: 'racing', imageRef })).id;
      backend.meanwhile = () => plane.jobs.idle(id);
      const report = await plane.servers.reconcile(true);
      assert.deepEqual(report.stale, []);
      assert.equal((await show(alice, id)).status, 'ACTIVE');
      await plane.servers.reconcile(true);
      assert.ok(await backend.inspect(id), 'the VM is still there');
      assert.deepEqual(await usage(alice), held(1, 128, 1, true));
    });

    it('leaves a server whose stop finishes while the VMs are listed (regression: it was recorded ACTIVE with cpu and ram)', async () => {
      const id = (await create(alice, { name: 'stopping', imageRef })).id;
      await settled(alice, id);
      assert.equal((await action(alice, id, { 'os-stop': null })).status, 202);
      backend.meanwhile = () => plane.jobs.idle(id);
      const report = await plane.servers.reconcile(true);
      assert.deepEqual(report.unsynced, []);
      assert.equal((await show(alice, id)).status, 'SHUTOFF');
    });

    it('leaves a build that finishes between reading the servers and the busy ones (regression: its VM was destroyed as a stuck build)', async () => {
      backend.lingerMs = 500;
      const id = (await create(alice, { name: 'lingering', imageRef })).id;
      while (!(await backend.inspect(id))) await sleep(10);
      backend.lingerMs = 0;
      // The busy servers are read once the build is recorded: the rows read before show it building.
      const busyTargets = plane.jobs.busyTargets.bind(plane.jobs);
      plane.jobs.busyTargets = async () => { await plane.jobs.idle(id); return busyTargets(); };
      try {
        const report = await plane.servers.reconcile(true);
        assert.deepEqual(report.stuck, []);
      } finally {
        plane.jobs.busyTargets = busyTargets;
      }
      assert.equal((await show(alice, id)).status, 'ACTIVE');
      assert.ok(await backend.inspect(id), 'the VM is still there');
    });
  });
}
