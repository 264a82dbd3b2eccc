// client.images against a real in-process control plane: Glance records, data up and down,
// Plankton registration of Pithos files, patches, paged listing, lookup by name, members.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiError, imageProperties, OceanosClient, parseLocation, TransferError, type TransferProgress } from '@oceanos/sdk';
import { ADMIN_PASSWORD, startTestCloud, type TestCloud } from './test-cloud.ts';

const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'oceanos-images-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let cloud: TestCloud;
let alice: OceanosClient;
let bob: OceanosClient;
let bobId: string;

before(async () => {
  cloud = await startTestCloud();
  const anonymous = new OceanosClient({ url: cloud.url });
  const login = async (name: string, password = `${name}-pass`) => anonymous.withToken((await anonymous.identity.authenticate({ name, password })).token);
  const admin = await login('admin', ADMIN_PASSWORD);
  for (const name of ['alice', 'bob']) await admin.users.create({ name, password: `${name}-pass` });
  [alice, bob] = [await login('alice'), await login('bob')];
  bobId = await bob.storage.accountId();
  await alice.storage.createContainer('images');
});
after(() => cloud.close());

function localFile(name: string, data: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

test('create, upload data, show and download it verified', async () => {
  const data = randomBytes(5 * MiB + 3);
  const created = await alice.images.create({ name: 'raw-one', disk_format: 'raw', container_format: 'bare', properties: { OSFAMILY: 'linux' } });
  assert.deepEqual([created.status, created.OSFAMILY], ['queued', 'linux']);
  await assert.rejects(alice.images.download(created.id, join(dir, 'nothing')), (e: unknown) => e instanceof TransferError && /has no data yet \(it is queued\)/.test(e.message));

  const phases: TransferProgress[] = [];
  const uploaded = await alice.images.uploadData(created.id, localFile('raw-one.img', data), { onProgress: (p) => phases.push(p) });
  assert.deepEqual([uploaded.status, uploaded.size, uploaded.checksum], ['active', data.length, md5(data)]);
  assert.deepEqual(phases.at(-1), { phase: 'uploading', done: data.length, total: data.length });

  const result = await alice.images.download(created.id, join(dir, 'raw-one.out'));
  assert.deepEqual([result.bytes, result.checksum], [data.length, md5(data)]);
  assert.ok(readFileSync(join(dir, 'raw-one.out')).equals(data));
  assert.ok(!existsSync(join(dir, 'raw-one.out.part')));
  assert.equal(await alice.images.location(created.id), `pithos://${await alice.storage.accountId()}/images/${created.id}`);
});

test('register a Pithos file (properties upper-cased, non-ASCII kept), refresh it, unregister keeps the file', async () => {
  const data = randomBytes(MiB);
  await alice.storage.uploadFile(localFile('disk.img', data), 'images', 'debian/disk.img');
  const first = await alice.images.register({
    name: 'Débian 12', location: '/images/debian/disk.img', properties: { osfamily: 'linux', users: 'ρoot' }, size: data.length, checksum: md5(data),
  });
  assert.deepEqual([first.image.status, first.image.size, first.image.checksum, first.image.disk_format], ['AVAILABLE', data.length, md5(data), 'diskdump']);
  assert.deepEqual(first.image.properties, { OSFAMILY: 'linux', USERS: 'ρoot' });
  const account = await alice.storage.accountId();
  assert.deepEqual(parseLocation(first.image.location!), { account, container: 'images', name: 'debian/disk.img' });

  // The image id is the file's UUID: registering the same file again refreshes the image.
  const again = await alice.images.register({ name: 'Debian 12', location: `pithos://${account}/images/debian/disk.img`, is_public: true });
  assert.deepEqual([again.image.id, again.image.name, again.image.is_public], [first.image.id, 'Debian 12', true]);
  const shown = await alice.images.get(first.image.id);
  assert.deepEqual(imageProperties(shown), { OSFAMILY: 'linux', USERS: 'ρoot' });
  assert.equal(shown.visibility, 'public');

  await alice.images.unregister(first.image.id);
  await assert.rejects(alice.images.get(first.image.id), { status: 404, title: 'Not Found', message: `No image found with ID ${first.image.id}` });
  assert.equal((await alice.storage.objectInfo('images', 'debian/disk.img')).bytes, data.length);
});

test('registering a missing file or a wrong checksum fails with the server\'s message', async () => {
  await assert.rejects(alice.images.register({ name: 'x', location: '/images/no/such.img' }), (e: unknown) => e instanceof ApiError && e.status === 404 && /does not exist/.test(e.message));
  await alice.storage.putObject('images', 'small.img', 'tiny');
  await assert.rejects(alice.images.register({ name: 'x', location: '/images/small.img', checksum: md5(Buffer.from('other')) }), { status: 400, message: 'The file does not match the checksum given' });
});

test('update sends one patch: attributes, properties set and removed, tags', async () => {
  const image = await alice.images.create({ name: 'patch-me', properties: { OSFAMILY: 'linux', USERS: 'root' } });
  const updated = await alice.images.update(image.id, {
    name: 'patched', min_disk: 2, min_ram: 512, tags: ['x', 'y'], visibility: 'private', properties: { OSFAMILY: 'windows', ROOT_PARTITION: '1' }, removeProperties: ['USERS'],
  });
  assert.deepEqual([updated.name, updated.min_disk, updated.min_ram, updated.tags, updated.visibility], ['patched', 2, 512, ['x', 'y'], 'private']);
  assert.deepEqual(imageProperties(updated), { OSFAMILY: 'windows', ROOT_PARTITION: '1' });
  await alice.images.addTag(image.id, 'z');
  await alice.images.removeTag(image.id, 'x');
  assert.deepEqual((await alice.images.get(image.id)).tags, ['y', 'z']);
  await assert.rejects(alice.images.update(image.id, { removeProperties: ['NOPE'] }), { status: 409, kind: 'conflict', message: 'Property NOPE does not exist.' });
  await assert.rejects(bob.images.update(image.id, { name: 'mine' }), { status: 404 }, 'a private image of someone else is unknown');
  await alice.images.delete(image.id);
});

test('list follows next page by page, filters, and find resolves names', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await alice.images.create({ name: `paged-${i}`, visibility: 'private', properties: { BATCH: 'paged' } })).id);
  await alice.images.create({ name: 'paged-0', visibility: 'private' });
  const all = await alice.images.list({ properties: { BATCH: 'paged' }, pageSize: 2 });
  assert.deepEqual(all.map((i) => i.id).sort(), [...ids].sort());
  assert.equal((await alice.images.list({ properties: { BATCH: 'paged' }, pageSize: 2, limit: 3 })).length, 3);
  assert.deepEqual((await alice.images.list({ name: 'paged-3' })).map((i) => i.id), [ids[3]]);

  assert.equal((await alice.images.find('paged-3')).id, ids[3]);
  assert.equal((await alice.images.find(ids[4]!)).name, 'paged-4');
  await assert.rejects(alice.images.find('paged-0'), (e: unknown) => e instanceof ApiError && e.status === 409 && e.message.startsWith('2 images are named paged-0'));
  await assert.rejects(alice.images.find('no-such-image'), { status: 404, message: 'No image found with ID or name no-such-image' });
});

test('members: only shared images have them; the member accepts, then sees the image', async () => {
  const image = await alice.images.create({ name: 'for-bob', visibility: 'private' });
  await assert.rejects(alice.images.addMember(image.id, bobId), { status: 403, message: `Only shared images have members; image ${image.id} is private` });
  await alice.images.update(image.id, { visibility: 'shared' });
  const added = await alice.images.addMember(image.id, bobId);
  assert.deepEqual([added.member_id, added.status], [bobId, 'pending']);
  assert.ok(!(await bob.images.list()).some((i) => i.id === image.id), 'pending images are not listed');
  assert.equal((await bob.images.find('for-bob')).id, image.id, 'but found by name');
  assert.equal((await bob.images.accept(image.id)).status, 'accepted');
  assert.ok((await bob.images.list()).some((i) => i.id === image.id));
  assert.deepEqual((await alice.images.members(image.id)).map((m) => [m.member_id, m.status]), [[bobId, 'accepted']]);
  assert.equal((await bob.images.reject(image.id)).status, 'rejected');
  await alice.images.removeMember(image.id, bobId);
  await assert.rejects(bob.images.get(image.id), { status: 404 });
});
