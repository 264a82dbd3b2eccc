// `oceanos admin ...` as a process against a real in-process control plane.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OceanosClient } from '@oceanos/sdk';
import { ADMIN_PASSWORD, startTestCloud, type TestCloud } from '../../sdk/test/test-cloud.ts';
import { isolatedEnv, ok, okJson, removeHomes, runCli } from './run-cli.ts';

const GiB = 1024 ** 3;
let cloud: TestCloud;
let env: Record<string, string>;

before(async () => {
  cloud = await startTestCloud();
  const session = await new OceanosClient({ url: cloud.url }).identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD });
  env = isolatedEnv({ OCEANOS_URL: cloud.url, OCEANOS_TOKEN: session.token });
});
after(async () => {
  removeHomes();
  await cloud.close();
});

test('admin user create, list, show, modify and delete', async () => {
  const created = await okJson(['admin', 'user', 'create', 'carol', '--password', 'carol-pass', '--email', 'carol@example.org', '--display-name', 'Carol C', '--admin'], env);
  assert.deepEqual([created.name, created.email, created.display_name, created.is_admin, created.enabled], ['carol', 'carol@example.org', 'Carol C', true, true]);
  const disabled = await okJson(['admin', 'user', 'create', 'dan', '--disabled'], env);
  assert.equal(disabled.enabled, false);

  const [list, table, byName, byId] = await Promise.all([
    okJson<{ name: string }[]>(['admin', 'user', 'list'], env),
    ok(['admin', 'user', 'list'], env),
    ok(['admin', 'user', 'show', 'carol'], env),
    okJson(['admin', 'user', 'show', created.id], env),
  ]);
  assert.deepEqual(list.map((u) => u.name).sort(), ['admin', 'carol', 'dan']);
  assert.match(table, /│ carol │ Carol C\s+│ carol@example\.org │ yes\s+│ yes\s+│/);
  assert.match(byName, new RegExp(`ID\\s+│ ${created.id}`));
  assert.equal(byId.name, 'carol');

  const modified = await okJson(['admin', 'user', 'modify', 'carol', '--name', 'carol2', '--email', 'c2@example.org', '--no-admin', '--disable'], env);
  assert.deepEqual([modified.id, modified.name, modified.email, modified.is_admin, modified.enabled], [created.id, 'carol2', 'c2@example.org', false, false]);
  const [nothing, both] = await Promise.all([
    runCli(['admin', 'user', 'modify', 'carol2'], env),
    runCli(['admin', 'user', 'modify', 'carol2', '--enable', '--disable'], env),
  ]);
  assert.deepEqual([nothing.code, nothing.stderr], [2, 'oceanos: nothing to modify: give at least one option (see --help)\n']);
  assert.deepEqual([both.code, both.stderr], [2, "oceanos: option '--enable' cannot be used with option '--disable'\n"]);

  assert.equal(await ok(['admin', 'user', 'delete', 'carol2'], env), `Deleted user carol2 (${created.id})\n`);
  const gone = await runCli(['admin', 'user', 'show', 'carol2'], env);
  assert.deepEqual([gone.code, gone.stderr], [1, 'oceanos: Not Found (404): Could not find user: carol2\n']);
});

test('admin quota set accepts sizes for byte resources and "default"; admin quota list shows it', async () => {
  const erin = await okJson(['admin', 'user', 'create', 'erin'], env);
  const set = await okJson(['admin', 'quota', 'set', 'erin', 'cyclades.ram', '12GiB'], env);
  assert.equal(set[erin.id][erin.id]['cyclades.ram'].limit, 12 * GiB);
  const [table, listed, count, sizeForCount, unknown] = await Promise.all([
    ok(['admin', 'quota', 'list', '--user', 'erin', '--resource', 'cyclades.ram'], env),
    okJson(['admin', 'quota', 'list', '--user', 'erin'], env),
    ok(['admin', 'quota', 'set', erin.id, 'cyclades.vm', '9'], env),
    runCli(['admin', 'quota', 'set', 'erin', 'cyclades.vm', '10GiB'], env),
    runCli(['admin', 'quota', 'set', 'nobody', 'cyclades.vm', '1'], env),
  ]);
  assert.match(table, new RegExp(`│ erin │ ${erin.id} │ cyclades\\.ram │ 12 GiB │ 0 B\\s+│ 0 B\\s+│`));
  assert.equal(table.trim().split('\n').length, 5, 'one row between the header and the borders');
  assert.deepEqual(Object.keys(listed), [erin.id]);
  assert.match(count, /│ cyclades\.vm │ 9\s+│/);
  assert.deepEqual([sizeForCount.code, sizeForCount.stderr], [2, 'oceanos: invalid limit: 10GiB (this resource is a count, not a size)\n']);
  assert.deepEqual([unknown.code, unknown.stderr], [1, 'oceanos: Not Found (404): Could not find user: nobody\n']);

  const reset = await okJson(['admin', 'quota', 'set', 'erin', 'cyclades.ram', 'default'], env);
  assert.equal(reset[erin.id][erin.id]['cyclades.ram'].limit, 10 * GiB);
  const everyone = await okJson(['admin', 'quota', 'list'], env);
  assert.ok(Object.keys(everyone).length >= 2);
});

test('admin resource modify changes the defaults', async () => {
  const changed = await okJson(['admin', 'resource', 'modify', 'cyclades.disk', '--system-default', '20GiB', '--project-default', '1GiB'], env);
  assert.equal(changed['cyclades.disk'].system_default, 20 * GiB);
  assert.equal(changed['cyclades.disk'].project_default, GiB);
  const [table, none, unknown] = await Promise.all([
    ok(['admin', 'resource', 'modify', 'cyclades.vm', '--system-default', '4'], env),
    runCli(['admin', 'resource', 'modify', 'cyclades.vm'], env),
    runCli(['admin', 'resource', 'modify', 'no.such', '--system-default', '1'], env),
  ]);
  assert.match(table, /│ cyclades\.vm │ -\s+│ 4\s+│ 5\s+│/);
  assert.equal(none.code, 2);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^oceanos: unknown resource: no\.such/);
});
