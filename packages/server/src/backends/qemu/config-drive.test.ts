import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BackendError, type Personalisation } from '../backend.ts';
import { writeConfigDrive } from './config-drive.ts';

const FLATTEN = fileURLToPath(new URL('../../../../../guest/rootfs/lib/oceanos/json-flatten.awk', import.meta.url));
const VM = { id: '5f0c8a2e-1d7b-4c9e-9a1f-3b2d6e8f0a11', name: 'web 1' };
const TMP = mkdtempSync(join(tmpdir(), 'oceanos-config-drive-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHh0ZXN0a2V5dGVzdGtleXRlc3RrZXl0ZXN0a2V5 alice@laptop';

const personalisation = (extra: Partial<Personalisation> = {}): Personalisation => ({
  hostname: 'web-1', publicKeys: { alice: KEY }, userData: null, files: [], metadata: {}, adminPass: null, ...extra,
});

function build(p: Personalisation) {
  const dir = mkdtempSync(join(TMP, 'drive-'));
  const iso = join(dir, 'config.iso');
  return writeConfigDrive(iso, VM, p).then(() => ({
    dir,
    iso,
    files: execFileSync('isoinfo', ['-R', '-f', '-i', iso], { encoding: 'utf8' }).trim().split('\n').sort(),
    read: (path: string) => execFileSync('isoinfo', ['-R', '-i', iso, '-x', path]),
  }));
}

it('writes an ISO labelled config-2 with Nova\'s layout and meta_data.json', async () => {
  const drive = await build(personalisation({
    userData: Buffer.from('#!/bin/sh\necho hello\n'),
    files: [{ path: '/etc/motd', contents: Buffer.from('welcome\n') }, { path: '/root/data.bin', contents: Buffer.from([0, 1, 2, 255]), owner: 'alice', group: 'staff', mode: 0o600 }],
    metadata: { role: 'web' },
    adminPass: 's3cret',
  }));
  assert.match(execFileSync('isoinfo', ['-d', '-i', drive.iso], { encoding: 'utf8' }), /^Volume id: config-2$/m);
  assert.deepEqual(drive.files, [
    '/openstack', '/openstack/2012-08-10', '/openstack/2012-08-10/meta_data.json', '/openstack/2012-08-10/user_data',
    '/openstack/content', '/openstack/content/0000', '/openstack/content/0001',
    '/openstack/latest', '/openstack/latest/meta_data.json', '/openstack/latest/network_data.json', '/openstack/latest/user_data', '/openstack/latest/vendor_data.json',
  ]);
  const meta = JSON.parse(drive.read('/openstack/latest/meta_data.json').toString());
  assert.deepEqual(meta, {
    uuid: VM.id, name: 'web 1', hostname: 'web-1', launch_index: 0, availability_zone: 'nova',
    public_keys: { alice: KEY }, keys: [{ name: 'alice', type: 'ssh', data: KEY }],
    meta: { role: 'web' },
    files: [{ path: '/etc/motd', content_path: '/content/0000' }, { path: '/root/data.bin', content_path: '/content/0001', owner: 'alice', group: 'staff', mode: 0o600 }],
    admin_pass: 's3cret',
  });
  assert.deepEqual(drive.read('/openstack/2012-08-10/meta_data.json'), drive.read('/openstack/latest/meta_data.json'));
  assert.equal(drive.read('/openstack/latest/user_data').toString(), '#!/bin/sh\necho hello\n');
  assert.deepEqual(drive.read('/openstack/content/0001'), Buffer.from([0, 1, 2, 255]));
  assert.deepEqual(JSON.parse(drive.read('/openstack/latest/network_data.json').toString()), { links: [], networks: [], services: [] });
  assert.deepEqual(JSON.parse(drive.read('/openstack/latest/vendor_data.json').toString()), {});
  assert.deepEqual(readdirSync(drive.dir), ['config.iso'], 'the staging directory is removed');
});

it('leaves out user_data and admin_pass when there are none', async () => {
  const drive = await build(personalisation());
  assert.ok(!drive.files.some((f) => f.endsWith('user_data')));
  const meta = JSON.parse(drive.read('/openstack/latest/meta_data.json').toString());
  assert.equal('admin_pass' in meta, false);
  assert.deepEqual(meta.files, []);
});

it('keeps personality paths inside meta_data.json, never as host paths', async () => {
  const hostile = ['../../../../tmp/oceanos-escaped', '/../../x', 'a\nb'];
  const drive = await build(personalisation({ files: hostile.map((path) => ({ path, contents: Buffer.from('x') })) }));
  assert.equal(existsSync('/tmp/oceanos-escaped'), false);
  assert.deepEqual(drive.files.filter((f) => f.startsWith('/openstack/content/')), ['/openstack/content/0000', '/openstack/content/0001', '/openstack/content/0002']);
  const meta = JSON.parse(drive.read('/openstack/latest/meta_data.json').toString());
  assert.deepEqual(meta.files.map((f: { path: string }) => f.path), hostile);
});

it('gives the tiny guest\'s reader the host name and keys (guest/rootfs/lib/oceanos/json-flatten.awk)', async () => {
  const drive = await build(personalisation({ publicKeys: { alice: KEY, bob: KEY.replace('alice', 'bob') } }));
  const flat = execFileSync('awk', ['-f', FLATTEN], { input: drive.read('/openstack/latest/meta_data.json'), encoding: 'utf8' });
  const values = new Map(flat.trim().split('\n').map((line) => line.split('\t') as [string, string]));
  assert.equal(values.get('hostname'), 'web-1');
  assert.equal(values.get('uuid'), VM.id);
  assert.equal(values.get('public_keys/alice'), KEY);
  assert.equal(values.get('keys/1/type'), 'ssh');
  assert.equal(values.get('keys/1/data'), KEY.replace('alice', 'bob'));
});

it('fails with a BackendError when genisoimage cannot write, removing the staging directory', async () => {
  const dir = mkdtempSync(join(TMP, 'drive-'));
  mkdirSync(join(dir, 'config.iso'));
  await assert.rejects(writeConfigDrive(join(dir, 'config.iso'), VM, personalisation()), (e) => e instanceof BackendError && /config drive/.test(e.message));
  assert.deepEqual(readdirSync(dir), ['config.iso']);
});
