// `oceanos image ...` as processes against a real control plane: upload (Pithos hashmap +
// Plankton register), list, info, download, modify, members, delete, and bad input.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OceanosClient } from '@oceanos/sdk';
import { ADMIN_PASSWORD, startTestCloud, type TestCloud } from '../../sdk/test/test-cloud.ts';
import { fails, isolatedEnv, ok, okJson, removeHomes, runCli } from './run-cli.ts';

const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const work = mkdtempSync(join(tmpdir(), 'oceanos-cli-image-'));
const at = (...parts: string[]) => join(work, ...parts);
const data = randomBytes(5 * MiB + 100);
let cloud: TestCloud;
let carol: Record<string, string>;
let dave: Record<string, string>;
let carolId: string;
let daveId: string;

before(async () => {
  cloud = await startTestCloud();
  const anonymous = new OceanosClient({ url: cloud.url });
  const admin = anonymous.withToken((await anonymous.identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD })).token);
  carolId = (await admin.users.create({ name: 'carol', password: 'carol-pass' })).id;
  daveId = (await admin.users.create({ name: 'dave', password: 'dave-pass' })).id;
  const token = async (name: string) => (await anonymous.identity.authenticate({ name, password: `${name}-pass` })).token;
  carol = isolatedEnv({ OCEANOS_URL: cloud.url, OCEANOS_TOKEN: await token('carol') });
  dave = isolatedEnv({ OCEANOS_URL: cloud.url, OCEANOS_TOKEN: await token('dave') });
  writeFileSync(at('disk.img'), data);
});
after(async () => {
  removeHomes();
  rmSync(work, { recursive: true, force: true });
  await cloud.close();
});


let debianId: string;

test('upload stores the file by hashmap and registers it; list and info show it active', async () => {
  const uploaded = await okJson(['image', 'upload', at('disk.img'), '--name', 'Debian 12', '--property', 'osfamily=linux', '--property', 'USERS=root'], carol);
  assert.equal(uploaded.created, true);
  assert.deepEqual([uploaded.upload.blocks, uploaded.upload.blocksSent], [2, 2]);
  const image = uploaded.image;
  debianId = image.id;
  // Plankton's own status names (Synnefo's AVAILABLE for Glance's active).
  assert.deepEqual([image.status, image.size, image.checksum, image.location], ['AVAILABLE', data.length, md5(data), `pithos://${carolId}/images/disk.img`]);
  assert.deepEqual(image.properties, { OSFAMILY: 'linux', USERS: 'root' });

  const listed = await okJson<{ id: string; status: string }[]>(['image', 'list'], carol);
  assert.deepEqual(listed.filter((i) => i.id === debianId).map((i) => i.status), ['active']);
  assert.match(await ok(['image', 'list', '--property', 'OSFAMILY=linux'], carol), new RegExp(`│ ${debianId} │ Debian 12 │ active │ 5 MiB\\s+│ private\\s+│`));
  assert.deepEqual(await okJson(['image', 'list', '--property', 'OSFAMILY=windows'], carol), []);

  const info = await okJson(['image', 'info', 'Debian 12'], carol);
  assert.deepEqual([info.id, info.size, info.checksum, info.OSFAMILY, info.USERS, info.location], [debianId, data.length, md5(data), 'linux', 'root', image.location]);
  const table = await ok(['image', 'info', debianId], carol);
  assert.match(table, /Location\s+│ \/images\/disk\.img/);
  assert.match(table, /Property OSFAMILY\s+│ linux/);
});

test('uploading the same bytes again sends no blocks: same file, same image; another path, a new image', async () => {
  const again = await okJson(['image', 'upload', at('disk.img'), '--name', 'Debian 12 (again)'], carol);
  assert.deepEqual([again.created, again.image.id, again.image.name, again.upload.blocksSent], [false, debianId, 'Debian 12 (again)', 0]);
  const copy = await okJson(['image', 'upload', at('disk.img'), '--name', 'copy', '--location', '/images/copies/', '--disk-format', 'raw'], carol);
  assert.deepEqual([copy.created, copy.upload.blocksSent, copy.upload.bytesSent, copy.image.disk_format], [true, 0, 0, 'raw']);
  assert.equal(copy.image.location, `pithos://${carolId}/images/copies/disk.img`);
  assert.notEqual(copy.image.id, debianId);
  const table = await ok(['image', 'upload', at('disk.img'), '--name', 'copy', '--location', '/images/copies/'], carol);
  assert.match(table, /Blocks sent\s+│ 0 of 2/);
});

test('download writes the image byte for byte, checked against its checksum', async () => {
  const result = await okJson(['image', 'download', 'copy', at('copy.out')], carol);
  assert.deepEqual([result.bytes, result.checksum], [data.length, md5(data)]);
  assert.ok(readFileSync(at('copy.out')).equals(data));
  mkdirSync(at('into'));
  const progress = await runCli(['image', 'download', debianId, at('into'), '--progress'], carol);
  assert.equal(progress.code, 0, progress.stderr);
  assert.match(progress.stderr, /downloading +\[=+\] 100% 5\.0 MiB\/5\.0 MiB/);
  assert.ok(readFileSync(at('into', 'Debian 12 (again)')).equals(data));
});

test('modify sets and removes properties, renames, tags and changes visibility', async () => {
  await ok(['image', 'modify', debianId, '--name', 'Debian', '--property', 'osfamily=windows', '--property', 'ROOT_PARTITION=1', '--property-del', 'users',
    '--tag', 'base', '--tag', 'lts', '--min-disk', '2', '--min-ram', '512', '--public'], carol);
  const info = await okJson(['image', 'info', debianId], carol);
  assert.deepEqual([info.name, info.OSFAMILY, info.ROOT_PARTITION, info.USERS, info.tags, info.min_disk, info.min_ram, info.visibility],
    ['Debian', 'windows', '1', undefined, ['base', 'lts'], 2, 512, 'public']);
  const modified = await okJson(['image', 'modify', 'Debian', '--tag-del', 'lts', '--private'], carol);
  assert.deepEqual([modified.tags, modified.visibility], [['base'], 'private']);

  assert.equal(await fails(['image', 'modify', debianId, '--property-del', 'nope'], carol), 'oceanos: Conflict (409): Property NOPE does not exist.\n');
  assert.equal(await fails(['image', 'modify', debianId], carol, 2), 'oceanos: nothing to change: give --name, --property, --property-del, a visibility, --min-disk, --min-ram, --tag, --tag-del or --[no-]protected\n');
  assert.match(await fails(['image', 'modify', debianId, '--public', '--shared'], carol, 2), /'--public' cannot be used with option '--shared'/);
  assert.equal(await fails(['image', 'modify', debianId, '--property', 'novalue'], carol, 2), 'oceanos: invalid --property: "novalue" (expected KEY=VALUE)\n');
});

test('members: adding one makes a private image shared; the member sees it once accepted', async () => {
  const added = await runCli(['image', 'members', 'add', 'copy', daveId], carol);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stderr, /was private: its visibility is now shared/);
  assert.match(added.stdout, /^Shared image .* with .* \(pending until they accept it\)\n$/);
  assert.deepEqual((await okJson(['image', 'members', 'list', 'copy'], carol)).map((m: { member_id: string; status: string }) => [m.member_id, m.status]), [[daveId, 'pending']]);

  const copyId = (await okJson(['image', 'info', 'copy'], carol)).id;
  const ids = async (args: string[]) => (await okJson<{ id: string }[]>(['image', 'list', ...args], dave)).map((i) => i.id);
  assert.ok(!(await ids([])).includes(copyId), 'not listed before it is accepted');
  assert.deepEqual(await ids(['--pending']), [copyId]);
  assert.match(await ok(['image', 'members', 'accept', copyId], dave), /^Accepted image .* \(copy\)\n$/);
  assert.ok((await ids([])).includes(copyId));
  await ok(['image', 'download', copyId, at('dave.out')], dave);
  assert.ok(readFileSync(at('dave.out')).equals(data));

  await ok(['image', 'members', 'remove', 'copy', daveId], carol);
  assert.equal(await fails(['image', 'info', copyId], dave), `oceanos: Not Found (404): No image found with ID or name ${copyId}\n`);
});

test('delete unregisters and keeps the file; --delete-file removes it too', async () => {
  assert.match(await ok(['image', 'delete', 'copy'], carol), /^Deleted image .* \(copy\); its file \/images\/copies\/disk\.img stays/);
  assert.equal((await okJson(['file', 'info', '/images/copies/disk.img'], carol)).bytes, data.length);
  const deleted = await okJson(['image', 'delete', debianId, '--delete-file'], carol);
  assert.deepEqual([deleted.id, deleted.fileDeleted], [debianId, true]);
  assert.match(await fails(['file', 'info', '/images/disk.img'], carol), /Not Found \(404\)/);
  assert.match(await fails(['image', 'info', debianId], carol), /Not Found \(404\)/);
});

test('bad input: unknown image, missing file, ambiguous name, no local file', async () => {
  const unknown = '00000000-0000-4000-8000-000000000000';
  assert.equal(await fails(['image', 'info', unknown], carol), `oceanos: Not Found (404): No image found with ID or name ${unknown}\n`);
  assert.equal(await fails(['image', 'download', 'no-such-image', at('x')], carol), 'oceanos: Not Found (404): No image found with ID or name no-such-image\n');
  assert.match(await fails(['image', 'register', '--name', 'x', '--location', '/images/missing.img'], carol), /^oceanos: Not Found \(404\): .*missing\.img does not exist\n$/);
  assert.match(await fails(['image', 'register', '--name', 'x'], carol, 2), /required option '--location <path>' not specified/);

  await ok(['file', 'upload', at('disk.img'), '/images/twin-a.img'], carol);
  await ok(['file', 'upload', at('disk.img'), '/images/twin-b.img'], carol);
  await ok(['image', 'register', '--name', 'twin', '--location', 'twin-a.img'], carol);
  await ok(['image', 'register', '--name', 'twin', '--location', `pithos://${carolId}/images/twin-b.img`], carol);
  assert.match(await fails(['image', 'info', 'twin'], carol), /^oceanos: Conflict \(409\): 2 images are named twin; use an id: /);
  assert.match(await fails(['image', 'upload', at('nothing.img')], carol), /^oceanos: cannot read .*nothing\.img: no such file or directory\n$/);
});
