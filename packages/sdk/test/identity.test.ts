// Tokens and users against a real in-process control plane.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiError, OceanosClient } from '@oceanos/sdk';
import { ADMIN_PASSWORD, startTestCloud, type TestCloud } from './test-cloud.ts';

let cloud: TestCloud;
let admin: OceanosClient;

before(async () => {
  cloud = await startTestCloud();
  const session = await new OceanosClient({ url: cloud.url }).identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD });
  admin = new OceanosClient({ url: cloud.url, token: session.token });
});
after(() => cloud.close());

test('authenticate returns the token, its user, project and catalog', async () => {
  const session = await new OceanosClient({ url: `${cloud.url}/` }).identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD });
  assert.match(session.token, /^\S{20,}$/);
  assert.equal(session.user.name, 'admin');
  assert.equal(session.project?.id, session.user.id, "the default scope is the user's system project");
  assert.ok(Date.parse(session.expiresAt) > Date.now());
  assert.ok(session.roles.some((r) => r.name === 'admin'));
  assert.ok(session.catalog.some((s) => s.type === 'identity'));
  assert.deepEqual(session.methods, ['password']);
});

test('a wrong password is a 401 ApiError from the Keystone error body', async () => {
  await assert.rejects(new OceanosClient({ url: cloud.url }).identity.authenticate({ name: 'admin', password: 'wrong' }), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 401);
    assert.equal(e.kind, 'unauthorized');
    assert.equal(e.title, 'Unauthorized');
    assert.equal(e.message, 'The request you have made requires authentication.');
    return true;
  });
});

test('validate describes the client token; revoke ends it', async () => {
  const session = await new OceanosClient({ url: cloud.url }).identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD, unscoped: true });
  assert.equal(session.project, null);
  const client = admin.withToken(session.token);
  const checked = await client.identity.validate();
  assert.equal(checked.user.name, 'admin');
  assert.equal(checked.expiresAt, session.expiresAt);
  await client.identity.revoke();
  await assert.rejects(client.identity.validate(), { status: 401, kind: 'unauthorized' });
});

test('authenticateWithToken trades a token for another', async () => {
  const session = await admin.identity.authenticateWithToken();
  assert.notEqual(session.token, admin.token);
  assert.deepEqual(session.methods.sort(), ['password', 'token']);
});

test('user CRUD: create, find by name and id, update, list, delete', async () => {
  const created = await admin.users.create({ name: 'alice', password: 'alice-pass', email: 'alice@example.org', display_name: 'Alice' });
  assert.equal(created.name, 'alice');
  assert.equal(created.is_admin, false);
  assert.equal(created.enabled, true);
  assert.equal((await admin.users.find('alice')).id, created.id);
  assert.equal((await admin.users.find(created.id)).name, 'alice');
  assert.equal((await admin.users.get(created.id)).email, 'alice@example.org');

  const updated = await admin.users.update(created.id, { display_name: 'Alice A.', is_admin: true });
  assert.equal(updated.display_name, 'Alice A.');
  assert.equal(updated.is_admin, true);
  assert.deepEqual((await admin.users.list()).map((u) => u.name).sort(), ['admin', 'alice']);
  assert.deepEqual((await admin.users.list({ name: 'alice' })).map((u) => u.id), [created.id]);

  await admin.users.delete(created.id);
  await assert.rejects(admin.users.get(created.id), { status: 404, kind: 'notFound', title: 'Not Found', message: `Could not find user: ${created.id}` });
  await assert.rejects(admin.users.find('alice'), { status: 404, message: 'Could not find user: alice' });
});

test('creating a duplicate user is a 409 conflict', async () => {
  await admin.users.create({ name: 'dup' });
  await assert.rejects(admin.users.create({ name: 'dup' }), { status: 409, kind: 'conflict', message: 'A user named "dup" already exists' });
});

test('a non-admin gets 403 Forbidden listing users, but may read itself and change its password', async () => {
  const bob = await admin.users.create({ name: 'bob', password: 'bob-pass' });
  const anonymous = new OceanosClient({ url: cloud.url });
  const client = anonymous.withToken((await anonymous.identity.authenticate({ name: 'bob', password: 'bob-pass' })).token);
  await assert.rejects(client.users.list(), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.describe(), 'Forbidden (403): You are not authorized to perform the requested action: identity:list_users.');
    return true;
  });
  assert.equal((await client.users.get(bob.id)).name, 'bob');
  await client.users.changePassword(bob.id, 'bob-pass', 'bob-pass-2');
  await anonymous.identity.authenticate({ name: 'bob', password: 'bob-pass-2' });
});

test('renewToken revokes the old tokens and returns a working one', async () => {
  const carol = await admin.users.create({ name: 'carol', password: 'carol-pass' });
  const anonymous = new OceanosClient({ url: cloud.url });
  const old = anonymous.withToken((await anonymous.identity.authenticate({ name: 'carol', password: 'carol-pass' })).token);
  const renewed = await old.identity.renewToken();
  assert.equal(renewed.userId, carol.id);
  assert.equal(renewed.projectId, carol.default_project_id);
  assert.ok(Date.parse(renewed.expiresAt) > Date.now());
  await assert.rejects(old.identity.validate(), { status: 401 });
  assert.equal((await old.withToken(renewed.token).identity.validate()).user.name, 'carol');
});

test('projects and catalog of the token', async () => {
  const projects = await admin.identity.projects();
  assert.equal(projects.length, 1);
  assert.match(projects[0]!.name, /^system:/);
  const catalog = await admin.identity.catalog();
  assert.ok(catalog.some((s) => s.type === 'account' && s.endpoints.some((e) => e.url === `${cloud.url}/account/v1.0`)));
});
