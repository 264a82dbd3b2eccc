// Resources, quotas and commissions against a real in-process control plane.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { User } from '@oceanos/contract';
import { ApiError, OceanosClient } from '@oceanos/sdk';
import { ADMIN_PASSWORD, startTestCloud, type TestCloud } from './test-cloud.ts';

const GiB = 1024 ** 3;
let cloud: TestCloud;
let admin: OceanosClient;
let dave: User;
let daveClient: OceanosClient;

before(async () => {
  cloud = await startTestCloud();
  const anonymous = new OceanosClient({ url: cloud.url });
  admin = anonymous.withToken((await anonymous.identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD })).token);
  dave = await admin.users.create({ name: 'dave', password: 'dave-pass' });
  daveClient = anonymous.withToken((await anonymous.identity.authenticate({ name: 'dave', password: 'dave-pass' })).token);
});
after(() => cloud.close());

test('resources need no token and carry units and defaults', async () => {
  const resources = await new OceanosClient({ url: cloud.url }).account.resources();
  assert.equal(resources['cyclades.vm']?.unit, null);
  assert.equal(resources['cyclades.ram']?.unit, 'bytes');
  assert.equal(resources['cyclades.ram']?.system_default, 10 * GiB);
});

test("quotas are the caller's, per project and resource", async () => {
  const quotas = await daveClient.account.quotas();
  assert.deepEqual(Object.keys(quotas), [dave.default_project_id]);
  assert.deepEqual(quotas[dave.default_project_id]?.['cyclades.vm'], {
    limit: 5, usage: 0, pending: 0, project_limit: 5, project_usage: 0, project_pending: 0,
  });
});

test('setQuota by user name, then back to the default with null', async () => {
  const set = await admin.account.setQuota('dave', 'cyclades.vm', 7);
  assert.equal(set[dave.id]?.[dave.default_project_id]?.['cyclades.vm']?.limit, 7);
  assert.equal((await daveClient.account.quotas())[dave.default_project_id]?.['cyclades.vm']?.limit, 7);
  const reset = await admin.account.setQuota(dave.id, 'cyclades.vm', null);
  assert.equal(reset[dave.id]?.[dave.default_project_id]?.['cyclades.vm']?.limit, 5);
});

test('serviceQuotas lists every user, or one', async () => {
  const all = await admin.account.serviceQuotas();
  assert.ok(dave.id in all);
  assert.equal(Object.keys(all).length, 2);
  assert.deepEqual(Object.keys(await admin.account.serviceQuotas(dave.id)), [dave.id]);
});

test('setResourceDefaults returns the updated resource', async () => {
  const updated = await admin.account.setResourceDefaults('cyclades.floating_ip', { system_default: 3, project_default: 1 });
  assert.equal(updated.system_default, 3);
  assert.equal(updated.project_default, 1);
  await assert.rejects(admin.account.setResourceDefaults('no.such', { system_default: 1 }), { status: 404, fault: 'itemNotFound' });
});

test('cloudFault errors: 404 itemNotFound and 403 forbidden', async () => {
  await assert.rejects(admin.account.setQuota('nobody', 'cyclades.vm', 1), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 404);
    assert.equal(e.kind, 'notFound');
    assert.equal(e.fault, 'itemNotFound');
    assert.equal(e.describe(), 'Not Found (404): Could not find user: nobody');
    return true;
  });
  await assert.rejects(daveClient.account.setQuota('dave', 'cyclades.vm', 100), { status: 403, kind: 'forbidden', fault: 'forbidden' });
});

test('a commission over the limit is a 413 overLimit with the numbers in data', async () => {
  const provision = { holder: dave.id, source: 'system', resource: 'cyclades.vm', quantity: 2 };
  const serial = await admin.commissions.issue({ name: 'two vms', provisions: [provision] });
  assert.deepEqual(await admin.commissions.pending(), [serial]);
  assert.equal((await daveClient.account.quotas())[dave.default_project_id]?.['cyclades.vm']?.pending, 2);

  await assert.rejects(admin.commissions.issue({ provisions: [{ ...provision, quantity: 4 }] }), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 413);
    assert.equal(e.kind, 'overLimit');
    assert.equal(e.fault, 'overLimit');
    assert.match(e.message, /^Resource cyclades.vm limit exceeded/);
    assert.deepEqual({ ...(e.data as object), provision: undefined }, { name: 'NoCapacityError', limit: 5, usage: 2, provision: undefined });
    return true;
  });

  const result = await admin.commissions.resolve({ accept: [serial], reject: [9999] });
  assert.deepEqual(result.accepted, [serial]);
  assert.equal(result.failed[0]?.[0], 9999);
  assert.equal((await daveClient.account.quotas())[dave.default_project_id]?.['cyclades.vm']?.usage, 2);
});

// Regression: path serials once failed validation (400) because they arrive as strings.
test('a commission is read, then accepted, by serial', async () => {
  const serial = await admin.commissions.issue({ provisions: [{ holder: dave.id, source: null, resource: 'cyclades.cpu', quantity: 1 }] });
  assert.equal((await admin.commissions.get(serial)).serial, serial);
  await admin.commissions.accept(serial);
  const other = await admin.commissions.issue({ provisions: [{ holder: dave.id, source: null, resource: 'cyclades.cpu', quantity: 1 }] });
  await admin.commissions.reject(other);
  assert.deepEqual(await admin.commissions.pending(), []);
});
