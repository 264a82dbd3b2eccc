// Resources, quotas and two-phase commissions through the account API, on both databases,
// including commissions racing from several processes against one limit.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./fixtures/commission-worker.ts', import.meta.url));
const GiB = 1024 ** 3;

for (const database of await testDatabases()) {
  describe(`quotas and commissions on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let databaseUrl: string;
    before(async () => {
      databaseUrl = await database.create();
      plane = await startPlane(databaseUrl, (c) => { c.quotaDefaults = { 'cyclades.vm': 3 }; });
    });
    after(async () => { await plane?.close(); });

    const commission = (provisions: object[], extra: object = {}) =>
      plane.call('POST', '/account/v1.0/commissions', { token: plane.adminToken, body: { name: 'test', provisions, ...extra } });
    const vm = (holder: string, quantity = 1, source: string | null = 'system') => ({ holder, source, resource: 'cyclades.vm', quantity });
    const quotaOf = async (token: string, projectId: string, resource: string) =>
      (await plane.call('GET', '/account/v1.0/quotas', { token })).body[projectId][resource];

    it('lists the registered resources with their defaults', async () => {
      const res = await plane.call('GET', '/account/v1.0/resources');
      assert.equal(res.status, 200);
      assert.equal(res.body['cyclades.vm'].system_default, 3, 'the operator default from the config');
      assert.equal(res.body['cyclades.ram'].unit, 'bytes');
      assert.equal(res.body['pithos.diskspace'].service, 'pithos');
    });

    it('shows a new user their system project limits with nothing used', async () => {
      const user = await plane.createUser('fresh');
      const res = await plane.call('GET', '/account/v1.0/quotas', { token: user.token });
      assert.deepEqual(Object.keys(res.body), [user.id]);
      assert.deepEqual(res.body[user.id]['cyclades.vm'], { limit: 3, usage: 0, pending: 0, project_limit: 3, project_usage: 0, project_pending: 0 });
      assert.equal(res.body[user.id]['pithos.diskspace'].limit, 50 * GiB);
      assert.equal(res.body[user.id]['astakos.pending_app'], undefined, 'hidden resources are not listed');
    });

    it('reserves on issue, commits on accept and releases on reject', async () => {
      const user = await plane.createUser('two-phase');
      const first = await commission([vm(user.id, 2)]);
      assert.equal(first.status, 201);
      assert.equal(typeof first.body.serial, 'number');
      assert.deepEqual(await quotaOf(user.token, user.id, 'cyclades.vm'), { limit: 3, usage: 0, pending: 2, project_limit: 3, project_usage: 0, project_pending: 2 });
      const pending = await plane.call('GET', '/account/v1.0/commissions', { token: plane.adminToken });
      assert.ok(pending.body.includes(first.body.serial));
      const shown = await plane.call('GET', `/account/v1.0/commissions/${first.body.serial}`, { token: plane.adminToken });
      assert.deepEqual(shown.body.provisions, [{ holder: user.id, source: user.id, resource: 'cyclades.vm', quantity: 2 }]);

      const accept = await plane.call('POST', `/account/v1.0/commissions/${first.body.serial}/action`, { token: plane.adminToken, body: { accept: '' } });
      assert.equal(accept.status, 200);
      assert.equal((await quotaOf(user.token, user.id, 'cyclades.vm')).usage, 2);
      const again = await plane.call('POST', `/account/v1.0/commissions/${first.body.serial}/action`, { token: plane.adminToken, body: { reject: '' } });
      assert.equal(again.status, 404, 'a resolved commission cannot be resolved again');
      assert.ok(again.body.itemNotFound);

      const second = await commission([vm(user.id, 1)]);
      await plane.call('POST', `/account/v1.0/commissions/${second.body.serial}/action`, { token: plane.adminToken, body: { reject: '' } });
      assert.deepEqual(await quotaOf(user.token, user.id, 'cyclades.vm'), { limit: 3, usage: 2, pending: 0, project_limit: 3, project_usage: 2, project_pending: 0 });
    });

    it('answers 413 overLimit with the blamed provision when a limit would be passed', async () => {
      const user = await plane.createUser('greedy');
      assert.equal((await commission([vm(user.id, 3)], { auto_accept: true })).status, 201);
      const res = await commission([{ holder: user.id, source: 'system', resource: 'cyclades.cpu', quantity: 1 }, vm(user.id, 1)]);
      assert.equal(res.status, 413);
      assert.equal(res.body.overLimit.code, 413);
      assert.equal(res.body.overLimit.data.name, 'NoCapacityError');
      assert.deepEqual(res.body.overLimit.data.provision, { holder: user.id, source: user.id, resource: 'cyclades.vm', quantity: 1 });
      assert.equal(res.body.overLimit.data.limit, 3);
      assert.equal(res.body.overLimit.data.usage, 3);
      assert.equal((await quotaOf(user.token, user.id, 'cyclades.cpu')).pending, 0, 'a failed commission reserves nothing');
      const forced = await commission([vm(user.id, 1)], { force: true, auto_accept: true });
      assert.equal(forced.status, 201, 'force passes the limit (reconciliation)');
      assert.equal((await quotaOf(user.token, user.id, 'cyclades.vm')).usage, 4);
    });

    it('releases with negative quantities but never below zero', async () => {
      const user = await plane.createUser('releaser');
      await commission([vm(user.id, 2)], { auto_accept: true });
      const release = await commission([vm(user.id, -1)]);
      assert.equal(release.status, 201);
      assert.deepEqual(await quotaOf(user.token, user.id, 'cyclades.vm'), { limit: 3, usage: 1, pending: 1, project_limit: 3, project_usage: 1, project_pending: 1 });
      const tooMuch = await commission([vm(user.id, -2)]);
      assert.equal(tooMuch.status, 413);
      assert.equal(tooMuch.body.overLimit.data.name, 'NoQuantityError');
      await plane.call('POST', `/account/v1.0/commissions/${release.body.serial}/action`, { token: plane.adminToken, body: { reject: '' } });
      assert.deepEqual(await quotaOf(user.token, user.id, 'cyclades.vm'), { limit: 3, usage: 2, pending: 0, project_limit: 3, project_usage: 2, project_pending: 0 });
    });

    it('answers 404 for unknown holdings, 400 for bad input, 403 for non-admins', async () => {
      const user = await plane.createUser('checker');
      const unknownResource = await commission([{ holder: user.id, source: 'system', resource: 'no.such', quantity: 1 }]);
      assert.equal(unknownResource.status, 404);
      assert.equal(unknownResource.body.itemNotFound.data.name, 'NoHoldingError');
      const notMember = await commission([vm(user.id, 1, plane.adminId)]);
      assert.equal(notMember.status, 404, 'a user cannot be charged to a project they are not in');
      const empty = await commission([]);
      assert.equal(empty.status, 400);
      assert.ok(empty.body.badRequest);
      const fractional = await commission([vm(user.id, 0.5)]);
      assert.equal(fractional.status, 400);
      const asUser = await plane.call('POST', '/account/v1.0/commissions', { token: user.token, body: { provisions: [vm(user.id)] } });
      assert.equal(asUser.status, 403);
      assert.ok(asUser.body.forbidden);
      assert.equal((await plane.call('GET', '/account/v1.0/service_quotas', { token: user.token })).status, 403);
      assert.equal((await plane.call('GET', '/account/v1.0/quotas')).status, 401);
      assert.equal((await plane.call('DELETE', '/account/v1.0/quotas', { token: user.token })).status, 405);
    });

    it('resolves many commissions at once, reporting each failure', async () => {
      const user = await plane.createUser('bulk');
      const a = (await commission([vm(user.id)])).body.serial;
      const b = (await commission([vm(user.id)])).body.serial;
      const res = await plane.call('POST', '/account/v1.0/commissions/action', { token: plane.adminToken, body: { accept: [a, 999999], reject: [b, a] } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.accepted, []);
      assert.deepEqual(res.body.rejected, [b]);
      const failed = new Map(res.body.failed.map(([serial, fault]: [number, Record<string, { code: number }>]) => [serial, Object.values(fault)[0]!.code]));
      assert.equal(failed.get(a), 400, 'accepting and rejecting the same serial');
      assert.equal(failed.get(999999), 404);
    });

    it('lets the operator set, reset and default limits', async () => {
      const user = await plane.createUser('limited');
      const set = await plane.call('PUT', `/account/v1.0/quotas/limited/cyclades.ram`, { token: plane.adminToken, body: { limit: 2 * GiB } });
      assert.equal(set.status, 200);
      assert.equal(set.body[user.id][user.id]['cyclades.ram'].limit, 2 * GiB);
      assert.equal((await quotaOf(user.token, user.id, 'cyclades.ram')).project_limit, 2 * GiB);
      const defaults = await plane.call('PATCH', '/account/v1.0/resources/cyclades.ram', { token: plane.adminToken, body: { system_default: 4 * GiB } });
      assert.equal(defaults.status, 200);
      assert.equal((await quotaOf(user.token, user.id, 'cyclades.ram')).limit, 2 * GiB, 'a user limit wins over the default');
      await plane.call('PUT', `/account/v1.0/quotas/${user.id}/cyclades.ram`, { token: plane.adminToken, body: { limit: null } });
      assert.equal((await quotaOf(user.token, user.id, 'cyclades.ram')).limit, 4 * GiB, 'reset follows the current default');
      const other = await plane.createUser('other');
      assert.equal((await quotaOf(other.token, other.id, 'cyclades.ram')).limit, 4 * GiB);
      const badLimit = await plane.call('PUT', `/account/v1.0/quotas/${user.id}/cyclades.ram`, { token: plane.adminToken, body: { limit: -1 } });
      assert.equal(badLimit.status, 400);
      const byAdmin = await plane.call('GET', `/account/v1.0/service_quotas?user=${user.id}`, { token: plane.adminToken });
      assert.deepEqual(Object.keys(byAdmin.body), [user.id]);
    });

    it('keeps a user who still holds resources from being deleted', async () => {
      const user = await plane.createUser('holder');
      const serial = (await commission([vm(user.id)])).body.serial;
      const pendingDelete = await plane.call('DELETE', `/identity/v3/users/${user.id}`, { token: plane.adminToken });
      assert.equal(pendingDelete.status, 409);
      await plane.call('POST', `/account/v1.0/commissions/${serial}/action`, { token: plane.adminToken, body: { accept: '' } });
      assert.equal((await plane.call('DELETE', `/identity/v3/users/${user.id}`, { token: plane.adminToken })).status, 409);
      await commission([vm(user.id, -1)], { auto_accept: true });
      assert.equal((await plane.call('DELETE', `/identity/v3/users/${user.id}`, { token: plane.adminToken })).status, 204);
    });

    it('never passes a limit under concurrent commissions in one process', async () => {
      const user = await plane.createUser('racer');
      await plane.call('PUT', `/account/v1.0/quotas/${user.id}/cyclades.vm`, { token: plane.adminToken, body: { limit: 7 } });
      const results = await Promise.all(Array.from({ length: 30 }, () => commission([vm(user.id)])));
      assert.equal(results.filter((r) => r.status === 201).length, 7);
      assert.equal(results.filter((r) => r.status === 413).length, 23);
      const q = await quotaOf(user.token, user.id, 'cyclades.vm');
      assert.equal(q.usage + q.pending, 7);
    });

    it('never passes a limit under concurrent commissions from several processes', async () => {
      const user = await plane.createUser('multi-process');
      const limit = 25;
      await plane.call('PUT', `/account/v1.0/quotas/${user.id}/cyclades.vm`, { token: plane.adminToken, body: { limit } });
      const workers = await Promise.all(Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', WORKER, databaseUrl, user.id, 'cyclades.vm', '15'], { timeout: 120_000 })));
      const totals = workers.map((w) => JSON.parse(w.stdout) as { accepted: number; pending: number; over: number });
      const granted = totals.reduce((n, t) => n + t.accepted + t.pending, 0);
      assert.equal(granted, limit, `granted ${granted} of ${limit}: ${JSON.stringify(totals)}`);
      assert.equal(totals.reduce((n, t) => n + t.over, 0), 60 - limit);
      const q = await quotaOf(user.token, user.id, 'cyclades.vm');
      assert.equal(q.usage, totals.reduce((n, t) => n + t.accepted, 0));
      assert.equal(q.usage + q.pending, limit);
      assert.equal(q.project_usage + q.project_pending, limit);
    });
  });
}
