import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

const dirs: string[] = [];
const temporaryDir = () => {
  dirs.push(mkdtempSync(join(tmpdir(), 'oceanos-config-')));
  return dirs.at(-1)!;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('defaults to ./data, 127.0.0.1:8585 and SQLite in the data dir', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.dataDir, join(process.cwd(), 'data'));
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8585);
  assert.equal(config.databaseUrl, join(process.cwd(), 'data', 'db.sqlite'));
  assert.equal(config.publicUrl, null);
});

it('layers flags over environment over the config file', () => {
  const dir = temporaryDir();
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ listen: '0.0.0.0:9000', dataDir: '/srv/cloud', publicUrl: 'https://cloud.example.org/', tokenTtlSeconds: 3600, quotaDefaults: { 'cyclades.vm': 10 } }));
  const fromFile = loadConfig({ configFile: file, env: {} });
  assert.equal(fromFile.port, 9000);
  assert.equal(fromFile.dataDir, '/srv/cloud');
  assert.equal(fromFile.publicUrl, 'https://cloud.example.org');
  assert.deepEqual(fromFile.quotaDefaults, { 'cyclades.vm': 10 });
  const layered = loadConfig({ configFile: file, listen: '[::1]:7000', env: { OCEANOS_DATABASE_URL: 'postgres://db/oceanos' } });
  assert.equal(layered.host, '::1');
  assert.equal(layered.port, 7000);
  assert.equal(layered.databaseUrl, 'postgres://db/oceanos');
});

it('rejects bad files and addresses with a clear message', () => {
  const dir = temporaryDir();
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ tokenTtlSeconds: 5 }));
  assert.throws(() => loadConfig({ configFile: file, env: {} }), (e: Error) => e instanceof ConfigError && /tokenTtlSeconds/.test(e.message));
  writeFileSync(file, JSON.stringify({ colour: 'blue' }));
  assert.throws(() => loadConfig({ configFile: file, env: {} }), ConfigError);
  writeFileSync(file, '{not json');
  assert.throws(() => loadConfig({ configFile: file, env: {} }), /Cannot read config file/);
  assert.throws(() => loadConfig({ listen: 'localhost', env: {} }), /Invalid listen address/);
  assert.throws(() => loadConfig({ listen: 'localhost:99999', env: {} }), /Invalid listen address/);
});

it('logs in the format asked for: auto (readable at a terminal, JSON in a pipe) unless OCEANOS_LOG_FORMAT or logFormat says', () => {
  assert.equal(loadConfig({ env: {} }).logFormat, 'auto');
  assert.equal(loadConfig({ env: { OCEANOS_LOG_FORMAT: 'json' } }).logFormat, 'json');
  assert.throws(() => loadConfig({ env: { OCEANOS_LOG_FORMAT: 'yaml' } }), (e: Error) => e instanceof ConfigError && /OCEANOS_LOG_FORMAT/.test(e.message));
});

it('serves raw VNC consoles on the listen host and a port range unless told otherwise', () => {
  const defaults = loadConfig({ listen: '0.0.0.0:9000', env: {} });
  assert.equal(defaults.compute.consoleVncHost, '0.0.0.0');
  assert.deepEqual(defaults.compute.consoleVncPorts, { first: 15900, last: 15999 });
  const dir = temporaryDir();
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ compute: { consoleVncHost: '192.0.2.7', consoleVncPorts: '6000-6009' } }));
  const set = loadConfig({ configFile: file, env: {} });
  assert.equal(set.compute.consoleVncHost, '192.0.2.7');
  assert.deepEqual(set.compute.consoleVncPorts, { first: 6000, last: 6009 });
  writeFileSync(file, JSON.stringify({ compute: { consoleVncPorts: '6009-6000' } }));
  assert.throws(() => loadConfig({ configFile: file, env: {} }), /Invalid compute.consoleVncPorts/);
});
