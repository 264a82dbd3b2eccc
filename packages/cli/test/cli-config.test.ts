// `oceanos` as a process, without a cloud: help, usage errors, the config file.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { isolatedEnv, ok, okJson, removeHomes, runCli } from './run-cli.ts';

after(removeHomes);

test('--help and <noun> --help print usage on stdout and exit 0', async () => {
  const env = isolatedEnv();
  const [top, user, admin] = await Promise.all([runCli(['--help'], env), runCli(['user', '--help'], env), runCli(['help', 'admin'], env)]);
  for (const r of [top, user, admin]) assert.equal(r.code, 0, r.stderr);
  assert.match(top.stdout, /Usage: oceanos \[options\] \[command\]/);
  assert.match(top.stdout, /config\s/);
  assert.match(user.stdout, /authenticate/);
  assert.match(admin.stdout, /user\s.*\n(.*\n)*\s+quota/);
});

test('usage errors are one line on stderr and exit 2', async () => {
  const env = isolatedEnv();
  const [unknown, missing, none, badOutput] = await Promise.all([
    runCli(['frobnicate'], env), runCli(['config', 'set', 'default_cloud'], env), runCli([], env), runCli(['-o', 'yaml', 'config', 'list'], env),
  ]);
  assert.deepEqual([unknown.code, unknown.stderr, unknown.stdout], [2, "oceanos: unknown command 'frobnicate'\n", '']);
  assert.deepEqual([missing.code, missing.stderr], [2, "oceanos: missing required argument 'value'\n"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^Usage: oceanos/);
  assert.equal(badOutput.code, 2);
  assert.match(badOutput.stderr, /^oceanos: option '-o, --output <format>' argument 'yaml' is invalid/);
});

test('config set/get/list/delete round trip, in a file only its owner may read', async () => {
  const env = isolatedEnv();
  await ok(['config', 'set', 'cloud.lab.url', 'http://10.0.0.1:8585/'], env);
  await ok(['config', 'set', 'cloud.lab.token', 'secret-token-0123456789'], env);
  await ok(['config', 'set', 'default_cloud', 'lab'], env);

  assert.equal(statSync(env.OCEANOS_CONFIG!).mode & 0o777, 0o600);
  assert.equal(statSync(dirname(env.OCEANOS_CONFIG!)).mode & 0o777, 0o700);
  assert.equal(await ok(['config', 'get', 'cloud.lab.url'], env), 'http://10.0.0.1:8585\n', 'the trailing slash is dropped');
  assert.equal(await ok(['config', 'get', 'cloud.lab.token'], env), 'secret-token-0123456789\n');
  assert.deepEqual(await okJson(['config', 'list'], env), {
    'cloud.lab.token': 'secret-token-0123456789', 'cloud.lab.url': 'http://10.0.0.1:8585', default_cloud: 'lab',
  });
  const table = await ok(['config', 'list'], env);
  assert.match(table, /cloud\.lab\.url\s+│ http:\/\/10\.0\.0\.1:8585/);
  assert.doesNotMatch(table, /secret-token-0123456789/, 'tables do not show whole tokens');

  await ok(['config', 'delete', 'cloud.lab.token'], env);
  const gone = await runCli(['config', 'get', 'cloud.lab.token'], env);
  assert.deepEqual([gone.code, gone.stderr], [1, `oceanos: cloud.lab.token is not set in ${env.OCEANOS_CONFIG}\n`]);
});

test('bad keys and URLs are usage errors; a broken config file is reported', async () => {
  const env = isolatedEnv();
  const [key, url] = await Promise.all([runCli(['config', 'set', 'cloud.lab.passwd', 'x'], env), runCli(['config', 'set', 'cloud.lab.url', 'localhost'], env)]);
  assert.equal(key.code, 2);
  assert.match(key.stderr, /^oceanos: unknown config key: cloud\.lab\.passwd/);
  assert.deepEqual([url.code, url.stderr], [2, 'oceanos: invalid URL: localhost (expected http://HOST:PORT or https://...)\n']);

  mkdirSync(dirname(env.OCEANOS_CONFIG!), { recursive: true });
  writeFileSync(env.OCEANOS_CONFIG!, '{"default_cloud": ');
  const broken = await runCli(['config', 'list'], env);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /^oceanos: config file .* is not valid JSON/);
});

test('without OCEANOS_CONFIG the file lives under XDG_CONFIG_HOME', async () => {
  const { OCEANOS_CONFIG: _unused, ...env } = isolatedEnv();
  const xdg = join(env.HOME!, 'xdg');
  await ok(['config', 'set', 'default_cloud', 'lab'], { ...env, XDG_CONFIG_HOME: xdg });
  assert.deepEqual(JSON.parse(readFileSync(join(xdg, 'oceanos', 'config.json'), 'utf8')), { default_cloud: 'lab' });
});

test('no cloud configured, or none listening: one line and the reason', async () => {
  const env = isolatedEnv();
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));

  const [unset, refused] = await Promise.all([runCli(['user', 'info'], env), runCli(['--url', `http://127.0.0.1:${port}`, 'resource', 'list'], env)]);
  assert.deepEqual([unset.code, unset.stderr], [2, 'oceanos: no URL for cloud "default": run `oceanos config set cloud.default.url http://HOST:8585` or pass --url\n']);
  assert.deepEqual([refused.code, refused.stderr], [1, `oceanos: cannot reach http://127.0.0.1:${port}: connection refused\n`]);
});
