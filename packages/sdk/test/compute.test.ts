// The compute API against a real control plane (with the FakeBackend): flavors, key pairs,
// a server's life, lookups, and reconciliation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AmbiguousNameError, ApiError, OceanosClient } from '@oceanos/sdk';
import type { FakeBackend } from '../../server/src/backends/fake/fake-backend.ts';
import { ADMIN_PASSWORD, createTestImage, sshPublicKey, startTestCloud, type TestCloud } from './test-cloud.ts';

let cloud: TestCloud;
let admin: OceanosClient;
let alice: OceanosClient;
let imageId: string;

before(async () => {
  cloud = await startTestCloud();
  const anonymous = new OceanosClient({ url: cloud.url });
  admin = anonymous.withToken((await anonymous.identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD })).token);
  await admin.users.create({ name: 'alice', password: 'alice-pass' });
  alice = anonymous.withToken((await anonymous.identity.authenticate({ name: 'alice', password: 'alice-pass' })).token);
  imageId = await createTestImage(admin);
});
after(async () => {
  await cloud.close();
});

test('the default flavors are listed and found by name; only admins create them', async () => {
  const flavors = await alice.flavors.list();
  const nano = flavors.find((f) => f.name === 'm1.nano');
  assert.deepEqual([nano?.id, nano?.vcpus, nano?.ram, nano?.disk, nano?.['os-flavor-access:is_public']], ['1', 1, 128, 1, true]);
  assert.equal((await alice.flavors.find('m1.nano')).id, '1');
  assert.equal((await alice.flavors.find('1')).name, 'm1.nano');
  await assert.rejects(alice.flavors.create({ name: 'x', vcpus: 1, ram: 64, disk: 1 }), { status: 403, kind: 'forbidden' });

  const secret = await admin.flavors.create({ name: 'secret', vcpus: 2, ram: 256, disk: 2, isPublic: false });
  await assert.rejects(alice.flavors.find('secret'), { status: 404, message: 'No flavor found with ID or name secret' });
  // An unscoped token's servers go to the user's own project.
  const project = (await alice.identity.validate()).project?.id ?? (await alice.identity.projects())[0]!.id;
  assert.deepEqual((await admin.flavors.addAccess(secret.id, project)).map((a) => a.tenant_id), [project]);
  assert.equal((await alice.flavors.find('secret')).id, secret.id);
  await admin.flavors.delete(secret.id);
});

test('key pairs: upload, generate (private key once), list, delete', async () => {
  const key = sshPublicKey();
  const uploaded = await alice.keypairs.upload('mine', key);
  assert.equal(uploaded.public_key.trim(), key);
  assert.match(uploaded.fingerprint, /\S/);
  const made = await alice.keypairs.generate('made');
  assert.match(made.private_key, /PRIVATE KEY/);
  assert.equal((await alice.keypairs.get('made')).private_key, undefined);
  assert.deepEqual((await alice.keypairs.list()).map((k) => k.name).sort(), ['made', 'mine']);
  await assert.rejects(alice.keypairs.upload('mine', key), { status: 409 });
  await alice.keypairs.delete('made');
  await assert.rejects(alice.keypairs.get('made'), { status: 404, fault: 'itemNotFound' });
});

test('a server from create to deletion: wait, metadata, tags, stop, resize and confirm, start, console', async () => {
  const created = await alice.servers.create({ name: 'vm', imageRef: imageId, flavorRef: '1', keyName: 'mine', metadata: { role: 'web' }, tags: ['a'] });
  assert.match(created.adminPass, /\S{8,}/);
  const seen: string[] = [];
  const active = await alice.servers.waitFor(created.id, 'ACTIVE', { onChange: (s) => seen.push(s?.status ?? 'DELETED') });
  assert.equal(active?.status, 'ACTIVE');
  assert.equal(seen.at(-1), 'ACTIVE');
  assert.deepEqual([active?.key_name, active?.metadata, active?.tags], ['mine', { role: 'web' }, ['a']]);

  assert.equal((await alice.servers.find('vm')).id, created.id);
  assert.deepEqual((await alice.servers.list()).map((s) => s.id), [created.id]);
  assert.deepEqual(await alice.servers.updateMetadata(created.id, { tier: '1' }), { role: 'web', tier: '1' });
  assert.deepEqual(await alice.servers.replaceMetadata(created.id, { tier: '2' }), { tier: '2' });
  await alice.servers.addTag(created.id, 'b');
  await alice.servers.removeTag(created.id, 'a');
  assert.deepEqual(await alice.servers.tags(created.id), ['b']);
  assert.equal((await alice.servers.rename(created.id, 'vm2')).name, 'vm2');

  await alice.servers.stop(created.id);
  assert.equal((await alice.servers.waitFor(created.id, 'SHUTOFF'))?.status, 'SHUTOFF');
  await alice.servers.resize(created.id, '2');
  const verify = await alice.servers.waitFor(created.id, ['VERIFY_RESIZE', 'SHUTOFF', 'ACTIVE']);
  assert.deepEqual([verify?.status, verify?.flavor.id], ['VERIFY_RESIZE', '2']);
  await alice.servers.confirmResize(created.id);
  const resized = await alice.servers.waitFor(created.id, 'SHUTOFF');
  assert.deepEqual([resized?.status, resized?.flavor.id], ['SHUTOFF', '2']);
  await alice.servers.start(created.id);
  await alice.servers.waitFor(created.id, 'ACTIVE');
  await alice.servers.reboot(created.id, 'HARD');
  assert.equal((await alice.servers.waitFor(created.id, 'ACTIVE'))?.status, 'ACTIVE');
  assert.match(await alice.servers.consoleOutput(created.id, 50), /\S/);
  await assert.rejects(alice.servers.start(created.id), { status: 409, fault: 'conflictingRequest' });

  await alice.servers.delete(created.id);
  assert.equal(await alice.servers.waitFor(created.id, 'DELETED'), null);
  await assert.rejects(alice.servers.get(created.id), { status: 404, fault: 'itemNotFound' });
});

test('list filters and pages; a name two servers have is ambiguous', async () => {
  const made = await Promise.all(['twin', 'twin', 'solo'].map((name) => alice.servers.create({ name, imageRef: imageId, flavorRef: '1' })));
  await Promise.all(made.map((s) => alice.servers.waitFor(s.id, 'ACTIVE')));
  assert.equal((await alice.servers.listDetail({ pageSize: 1 })).length, 3);
  assert.equal((await alice.servers.listDetail({ limit: 2 })).length, 2);
  assert.deepEqual((await alice.servers.listDetail({ name: 'solo' })).map((s) => s.name), ['solo']);
  await assert.rejects(alice.servers.find('twin'), (e: unknown) => e instanceof AmbiguousNameError && e.ids.length === 2);
  assert.deepEqual(await admin.servers.list(), [], "the admin's project has none of alice's servers");
  await Promise.all(made.map((s) => alice.servers.delete(s.id)));
  await Promise.all(made.map((s) => alice.servers.waitFor(s.id, 'DELETED')));
});

test('reconcile: admins only; finds an orphan VM and destroys it with fix', async () => {
  await assert.rejects(alice.servers.reconcile(), (e: unknown) => e instanceof ApiError && e.status === 403);
  const backend = cloud.plane.backend as FakeBackend;
  const orphan = '00000000-0000-4000-8000-00000000beef';
  backend.adopt({ id: orphan, state: 'running', vcpus: 1, ramMiB: 128, diskBytes: 1 << 30 });
  const report = await admin.servers.reconcile();
  assert.deepEqual([report.orphans, report.fixed], [[orphan], false]);
  assert.deepEqual((await admin.servers.reconcile({ fix: true })).orphans, [orphan]);
  assert.equal(await backend.inspect(orphan), null);
  assert.deepEqual((await admin.servers.reconcile()).orphans, []);
});
