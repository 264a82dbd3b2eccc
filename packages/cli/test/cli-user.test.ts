// `oceanos user|quota|resource` as a process against a real in-process control plane.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { OceanosClient } from '@oceanos/sdk';
import { ADMIN_PASSWORD, startTestCloud, type TestCloud } from '../../sdk/test/test-cloud.ts';
import { isolatedEnv, ok, okJson, removeHomes, runCli } from './run-cli.ts';

const GiB = 1024 ** 3;
let cloud: TestCloud;
let admin: OceanosClient;

before(async () => {
  cloud = await startTestCloud();
  const anonymous = new OceanosClient({ url: cloud.url });
  admin = anonymous.withToken((await anonymous.identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD })).token);
  await admin.users.create({ name: 'bob', password: 'bob-pass' });
});
after(async () => {
  removeHomes();
  await cloud.close();
});

const configOf = (env: Record<string, string>) => JSON.parse(readFileSync(env.OCEANOS_CONFIG!, 'utf8')) as Record<string, string>;

test('user authenticate with a password stores the token; then info, quota and resource lists work', async () => {
  const env = isolatedEnv();
  await ok(['config', 'set', 'cloud.default.url', cloud.url], env);
  const login = await ok(['user', 'authenticate', '--name', 'admin', '--password', ADMIN_PASSWORD], env);
  assert.match(login, /User\s+│ admin /);
  assert.match(login, /Token stored as cloud "admin" in .*, now the default \(other clouds: default;/);
  const config = configOf(env);
  assert.equal(config.default_cloud, 'admin');
  assert.equal(config['cloud.admin.url'], cloud.url, 'the URL of the cloud selected when logging in');
  assert.equal(config['cloud.admin.user'], 'admin');
  assert.equal((await admin.identity.validate(config['cloud.admin.token'])).user.name, 'admin');

  const [validated, info, infoJson, quotas, quotaTable, resources, allResources] = await Promise.all([
    ok(['user', 'authenticate'], env),
    ok(['user', 'info'], env),
    okJson(['user', 'info'], env),
    okJson(['quota', 'list'], env),
    ok(['quota', 'list'], env),
    ok(['resource', 'list'], env),
    okJson(['resource', 'list', '--all'], env),
  ]);
  assert.match(validated, /Roles\s+│ admin, member/);
  assert.match(info, /Admin\s+│ yes/);
  assert.equal(infoJson.user.name, 'admin');
  assert.equal(infoJson.user.is_admin, true);
  assert.ok(Date.parse(infoJson.token.expires_at) > Date.now());

  const mine = quotas[infoJson.user.id];
  assert.equal(mine['cyclades.ram'].limit, 10 * GiB, 'JSON keeps raw numbers');
  assert.equal(mine['cyclades.vm'].limit, 5);
  assert.match(quotaTable, /│ cyclades\.ram\s+│ 10 GiB\s+│ 0 B\s+│ 0 B\s+│/);
  assert.match(quotaTable, /│ cyclades\.vm\s+│ 5\s+│ 0\s+│ 0\s+│/);

  assert.match(resources, /│ cyclades\.vm\s+│ -\s+│ 5\s+│ 5\s+│ Number of virtual machines/);
  assert.match(resources, /│ pithos\.diskspace\s+│ bytes │ 50 GiB/);
  assert.doesNotMatch(resources, /astakos\.pending_app/, 'hidden resources need --all');
  assert.equal(allResources['astakos.pending_app'].api_visible, false);
});

test('a non-admin gets a one-line 403 and exit code 1; a wrong password a 401', async () => {
  const env = isolatedEnv({ OCEANOS_URL: cloud.url, OCEANOS_PASSWORD: 'bob-pass' });
  await ok(['user', 'authenticate', '--name', 'bob'], env);
  const [forbidden, wrong] = await Promise.all([
    runCli(['admin', 'user', 'list'], env),
    runCli(['user', 'authenticate', '--name', 'bob', '--password', 'nope'], env),
  ]);
  assert.deepEqual(forbidden, {
    code: 1, stdout: '', stderr: 'oceanos: Forbidden (403): You are not authorized to perform the requested action: identity:list_users.'
      + ` Sent as user bob of cloud "bob" (${env.OCEANOS_CONFIG}); to act as another user: oceanos user authenticate --name NAME\n`,
  });
  assert.deepEqual([wrong.code, wrong.stderr], [1, 'oceanos: Unauthorized (401): The request you have made requires authentication.\n']);
});

test('renew-token replaces the stored token and revokes the old one', async () => {
  const env = isolatedEnv({ OCEANOS_URL: cloud.url });
  await ok(['user', 'authenticate', '--name', 'bob', '--password', 'bob-pass'], env);
  const before = configOf(env)['cloud.bob.token']!;
  const renewed = await ok(['user', 'renew-token'], env);
  assert.match(renewed, /The new one is stored for cloud "bob"/);
  assert.doesNotMatch(renewed, /Token\s+│/, 'a stored token is not printed');
  const after = configOf(env)['cloud.bob.token']!;
  assert.notEqual(after, before);
  assert.equal((await admin.identity.validate(after)).user.name, 'bob');
  await assert.rejects(admin.identity.validate(before), { status: 404 });

  // A token given on the command line is not stored: the new one is printed instead.
  const printed = await okJson(['--token', after, 'user', 'renew-token'], env);
  assert.equal(configOf(env)['cloud.bob.token'], after);
  assert.equal((await admin.identity.validate(printed.access.token.id)).user.name, 'bob');

  const stale = await runCli(['user', 'info'], env);
  assert.equal(stale.code, 1);
  assert.equal(stale.stderr, 'oceanos: Unauthorized (401): The token is invalid, expired or revoked. Log in again: oceanos user authenticate --name NAME\n');
});

test('with no token, a sourced admin-openrc.sh logs in for the one command', async () => {
  const env = isolatedEnv({
    OS_AUTH_URL: `${cloud.url}/identity/v3/`, OS_USERNAME: 'admin', OS_PASSWORD: ADMIN_PASSWORD, OS_USER_DOMAIN_ID: 'default',
  });
  const users = await okJson<{ name: string }[]>(['admin', 'user', 'list'], env);
  assert.ok(users.some((u) => u.name === 'bob'));
  assert.equal(existsSync(env.OCEANOS_CONFIG!), false, 'nothing is written to the config');
  const wrong = await runCli(['admin', 'user', 'list'], { ...env, OS_PASSWORD: 'wrong' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^oceanos: Unauthorized \(401\)/);
});

test('OCEANOS_URL and OCEANOS_TOKEN override the config file', async () => {
  const env = isolatedEnv();
  await ok(['config', 'set', 'cloud.default.url', 'http://127.0.0.1:1'], env);
  await ok(['config', 'set', 'cloud.default.token', 'stale'], env);
  const info = await okJson(['user', 'info'], { ...env, OCEANOS_URL: cloud.url, OCEANOS_TOKEN: admin.token! });
  assert.equal(info.user.name, 'admin');
});

test('each login is a cloud of its own: config use and --cloud switch between the admin and bob, and a 403 says who sent it', async () => {
  // The README's order: the admin logs in through the sourced openrc, then bob logs in.
  const env = isolatedEnv({ OS_AUTH_URL: `${cloud.url}/identity/v3`, OS_USERNAME: 'admin', OS_PASSWORD: ADMIN_PASSWORD });
  await ok(['user', 'authenticate', '--name', 'admin', '--password', ADMIN_PASSWORD], env);
  const bobLogin = await ok(['user', 'authenticate', '--name', 'bob', '--password', 'bob-pass'], env);
  assert.match(bobLogin, /Token stored as cloud "bob" .*now the default \(other clouds: admin; switch with: oceanos config use NAME\)/);
  assert.deepEqual(Object.keys(configOf(env)).sort(), [
    'cloud.admin.token', 'cloud.admin.url', 'cloud.admin.user', 'cloud.bob.token', 'cloud.bob.url', 'cloud.bob.user', 'default_cloud',
  ]);

  const forbidden = await runCli(['admin', 'user', 'list'], env);
  assert.equal(forbidden.code, 1);
  assert.match(forbidden.stderr, /^oceanos: Forbidden \(403\): .* Sent as user bob of cloud "bob" \(.*\); to act as another cloud \(admin, bob\): oceanos --cloud NAME \.\.\., or oceanos config use NAME\n$/);

  // --cloud for one command, OCEANOS_CLOUD for a shell, config use from now on.
  assert.equal((await okJson(['--cloud', 'admin', 'user', 'info'], env)).user.name, 'admin');
  assert.equal((await okJson(['user', 'info'], { ...env, OCEANOS_CLOUD: 'admin' })).user.name, 'admin');
  assert.equal(await ok(['config', 'use', 'admin'], env), 'Commands now use cloud "admin" (user admin)\n');
  assert.ok((await okJson<unknown[]>(['admin', 'user', 'list'], env)).length >= 2);
  const listed = await ok(['config', 'use'], env);
  assert.match(listed, /│ \* admin │ http:\S+ │ admin │/);
  assert.match(listed, /│ {3}bob {3}│ http:\S+ │ bob {3}│/);

  const unknown = await runCli(['config', 'use', 'carol'], env);
  assert.deepEqual([unknown.code, unknown.stderr], [2, `oceanos: no cloud "carol" in ${env.OCEANOS_CONFIG} (known: admin, bob): oceanos --cloud carol user authenticate --name NAME makes one\n`]);
});
