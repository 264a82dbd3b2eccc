// client.storage against a real in-process control plane: containers, block uploads that send
// only what is missing, verified and resumed downloads, copy/move/delete, sharing, publishing.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiError, OceanosClient, partPath, type ObjectEntry } from '@oceanos/sdk';
import { ADMIN_PASSWORD, startTestCloud, type TestCloud } from './test-cloud.ts';

const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'oceanos-storage-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let cloud: TestCloud;
let alice: OceanosClient;
let bob: OceanosClient;
let bobId: string;

async function login(anonymous: OceanosClient, name: string, password: string): Promise<OceanosClient> {
  return anonymous.withToken((await anonymous.identity.authenticate({ name, password })).token);
}

before(async () => {
  cloud = await startTestCloud();
  const anonymous = new OceanosClient({ url: cloud.url });
  const admin = await login(anonymous, 'admin', ADMIN_PASSWORD);
  await admin.users.create({ name: 'alice', password: 'alice-pass' });
  bobId = (await admin.users.create({ name: 'bob', password: 'bob-pass' })).id;
  alice = await login(anonymous, 'alice', 'alice-pass');
  bob = await login(anonymous, 'bob', 'bob-pass');
  await alice.storage.createContainer('files');
});
after(() => cloud.close());

function localFile(name: string, data: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

test('the account is the token user, also as the catalog says', async () => {
  const session = await alice.identity.validate();
  assert.equal(await alice.storage.accountId(), session.user.id);
  const endpoint = (await alice.identity.catalog()).find((s) => s.type === 'object-store')?.endpoints.find((e) => e.interface === 'public');
  assert.equal(endpoint?.url, `${cloud.url}/object-store/v1/${session.user.id}`);
});

test('containers: create (with a versioning policy), info, list, delete only when empty', async () => {
  assert.equal(await alice.storage.createContainer('box', { versioning: 'none', meta: { purpose: 'tests' } }), true);
  assert.equal(await alice.storage.createContainer('box'), false);
  const info = await alice.storage.containerInfo('box');
  assert.deepEqual([info.objectCount, info.versioning, info.blockSize, info.blockHash, info.meta], [0, 'none', 4 * MiB, 'sha256', { purpose: 'tests' }]);
  assert.ok((await alice.storage.listContainers()).some((c) => c.name === 'box'));
  await alice.storage.putObject('box', 'x', 'hello');
  await assert.rejects(alice.storage.deleteContainer('box'), { status: 409 });
  await alice.storage.deleteObject('box', 'x');
  await alice.storage.deleteContainer('box');
  await assert.rejects(alice.storage.containerInfo('box'), { status: 404, message: 'container box does not exist' });
  const account = await alice.storage.accountInfo();
  assert.equal(account.account, await alice.storage.accountId());
  assert.ok(account.containerCount >= 1);
});

test('a 9 MiB upload sends three blocks; the same bytes under a new name send none', async () => {
  const data = randomBytes(9 * MiB);
  const path = localFile('nine.bin', data);
  const first = await alice.storage.uploadFile(path, 'files', 'big/nine.bin', { concurrency: 3 });
  assert.deepEqual([first.blocks, first.blocksSent, first.bytesSent], [3, 3, 9 * MiB]);
  // Counted on the wire, not only by the SDK's own tally.
  let posted = 0;
  const counting = new OceanosClient({ url: cloud.url, token: alice.token, fetch: async (input, init) => {
    if (init?.method === 'POST' && init.body instanceof Uint8Array) posted += init.body.length;
    return fetch(input, init);
  } });
  const again = await counting.storage.uploadFile(path, 'files', 'big/copy-of-nine.bin');
  assert.deepEqual([again.blocks, again.blocksSent, again.bytesSent, posted], [3, 0, 0, 0]);
  const changed = Buffer.from(data);
  changed[0] = 255 - changed[0]!;
  const third = await counting.storage.uploadFile(localFile('changed.bin', changed), 'files', 'big/changed.bin');
  assert.deepEqual([third.blocksSent, posted], [1, 4 * MiB]);

  const info = await alice.storage.objectInfo('files', 'big/nine.bin');
  assert.equal(info.bytes, 9 * MiB);
  assert.equal(info.hash, first.hash);
  const hashmap = await alice.storage.hashmap('files', 'big/nine.bin');
  assert.equal(hashmap.hashes.length, 3);
  assert.equal(hashmap.bytes, 9 * MiB);

  const target = join(dir, 'nine.out');
  const down = await alice.storage.downloadFile('files', 'big/copy-of-nine.bin', target);
  assert.equal(down.bytesReceived, 9 * MiB);
  assert.ok(readFileSync(target).equals(data));
  assert.equal((await alice.storage.objectInfo('files', 'big/copy-of-nine.bin')).etag, md5(data));
});

test('a truncated download resumes from its last whole matching block', async () => {
  const data = randomBytes(10 * MiB + 3);
  await alice.storage.uploadFile(localFile('ten.bin', data), 'files', 'ten.bin');
  const target = join(dir, 'ten.out');
  writeFileSync(partPath(target), data.subarray(0, 9 * MiB));
  const result = await alice.storage.downloadFile('files', 'ten.bin', target, { resume: true });
  assert.deepEqual([result.resumedFrom, result.bytesReceived], [8 * MiB, 2 * MiB + 3]);
  assert.ok(readFileSync(target).equals(data));
});

test('small objects, ranges, metadata and content types', async () => {
  const etag = await alice.storage.putObject('files', 'notes/a.txt', 'hello world', { meta: { color: 'blue' } });
  assert.equal(etag, md5(Buffer.from('hello world')));
  assert.equal((await alice.storage.getObject('files', 'notes/a.txt', { range: [6, 10] })).toString(), 'world');
  const info = await alice.storage.objectInfo('files', 'notes/a.txt');
  assert.deepEqual([info.contentType.split(';')[0], info.meta], ['text/plain', { color: 'blue' }]);
  await alice.storage.updateObject('files', 'notes/a.txt', { meta: { size: 'small' } });
  assert.deepEqual((await alice.storage.objectInfo('files', 'notes/a.txt')).meta, { size: 'small' }, 'POST replaces user metadata');
  await assert.rejects(alice.storage.putObject('files', 'bad', 'x', { etag: '0'.repeat(32) }), { status: 422 });
});

test('listings: prefix, delimiter folds, paging by marker', async () => {
  for (const name of ['list/a', 'list/b/1', 'list/b/2', 'list/c', 'list/d']) await alice.storage.putObject('files', name, name);
  await alice.storage.createFolder('files', 'list/b');
  const flat = await alice.storage.listObjects('files', { prefix: 'list/', pageSize: 2 });
  assert.deepEqual(flat.map((e) => (e as ObjectEntry).name), ['list/a', 'list/b', 'list/b/1', 'list/b/2', 'list/c', 'list/d']);
  assert.equal((flat[1] as ObjectEntry).content_type, 'application/directory');
  const folded = await alice.storage.listObjects('files', { prefix: 'list/', delimiter: '/', pageSize: 2 });
  assert.deepEqual(folded.map((e) => ('subdir' in e ? e.subdir : e.name)), ['list/a', 'list/b', 'list/b/', 'list/c', 'list/d']);
  assert.deepEqual(await alice.storage.listObjects('files', { prefix: 'nothing-here/' }), []);
  await assert.rejects(alice.storage.listObjects('no-such-container'), { status: 404 });
});

test('copy, move and delete move no data', async () => {
  await alice.storage.putObject('files', 'cm/original', 'payload', { meta: { k: 'v' } });
  const before = await alice.storage.objectInfo('files', 'cm/original');
  await alice.storage.copyObject({ container: 'files', name: 'cm/original' }, 'files', 'cm/copy');
  const copy = await alice.storage.objectInfo('files', 'cm/copy');
  assert.deepEqual([copy.hash, copy.meta], [before.hash, { k: 'v' }]);
  assert.notEqual(copy.uuid, before.uuid);

  await alice.storage.createContainer('other');
  await alice.storage.moveObject({ container: 'files', name: 'cm/copy' }, 'other', 'moved');
  await assert.rejects(alice.storage.objectInfo('files', 'cm/copy'), { status: 404 });
  const moved = await alice.storage.objectInfo('other', 'moved');
  assert.deepEqual([moved.uuid, (await alice.storage.getObject('other', 'moved')).toString()], [copy.uuid, 'payload']);

  await alice.storage.deleteObject('other', 'moved');
  await assert.rejects(alice.storage.deleteObject('other', 'moved'), (e: unknown) => e instanceof ApiError && e.status === 404);
});

test('publish gives a link that works without a token; unpublish revokes it', async () => {
  await alice.storage.putObject('files', 'pub/page.html', '<h1>hi</h1>', { meta: { keep: 'me' } });
  const url = await alice.storage.publish('files', 'pub/page.html');
  assert.match(url, new RegExp(`^${cloud.url}/public/`));
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), '<h1>hi</h1>');
  assert.deepEqual((await alice.storage.objectInfo('files', 'pub/page.html')).meta, { keep: 'me' }, 'publishing keeps metadata');
  await alice.storage.unpublish('files', 'pub/page.html');
  assert.equal((await fetch(url)).status, 404);
  assert.equal((await alice.storage.objectInfo('files', 'pub/page.html')).publicUrl, undefined);
});

test('sharing lets another user read through their own client, and can be taken back', async () => {
  await alice.storage.putObject('files', 'shared/doc.txt', 'for bob');
  const aliceId = await alice.storage.accountId();
  const asBob = bob.storage.forAccount(aliceId);
  await assert.rejects(asBob.getObject('files', 'shared/doc.txt'), { status: 403 });
  await assert.rejects(asBob.objectInfo('files', 'shared/doc.txt'), { status: 403, message: 'you may not read files/shared/doc.txt' });
  await alice.storage.setSharing('files', 'shared/doc.txt', { read: [bobId] });
  assert.deepEqual((await alice.storage.objectInfo('files', 'shared/doc.txt')).sharing, { read: [bobId], write: [] });
  assert.ok((await bob.storage.sharingAccounts()).some((a) => a.name === aliceId));
  assert.equal((await asBob.getObject('files', 'shared/doc.txt')).toString(), 'for bob');
  // Bob copies it into his own account from Alice's.
  await bob.storage.createContainer('mine');
  await bob.storage.copyObject({ account: aliceId, container: 'files', name: 'shared/doc.txt' }, 'mine', 'doc.txt');
  assert.equal((await bob.storage.getObject('mine', 'doc.txt')).toString(), 'for bob');
  await alice.storage.setSharing('files', 'shared/doc.txt', {});
  await assert.rejects(asBob.getObject('files', 'shared/doc.txt'), { status: 403 });
});

test('a large object (Swift manifest) has no hashmap: it downloads, checked by size', async () => {
  await alice.storage.putObject('files', 'seg/1', 'first part, ');
  await alice.storage.putObject('files', 'seg/2', 'second part');
  const path = `/object-store/v1/${await alice.storage.accountId()}/files/large`;
  const put = await fetch(cloud.url + path, { method: 'PUT', headers: { 'x-auth-token': alice.token!, 'x-object-manifest': 'files/seg/' } });
  assert.equal(put.status, 201);
  const target = join(dir, 'large.out');
  const result = await alice.storage.downloadFile('files', 'large', target);
  assert.equal(readFileSync(target, 'utf8'), 'first part, second part');
  writeFileSync(target, 'first part');
  const resumed = await alice.storage.downloadFile('files', 'large', target, { resume: true });
  assert.deepEqual([result.bytes, resumed.resumedFrom, readFileSync(target, 'utf8')], [23, 10, 'first part, second part']);
});

test('versions list the history of an object', async () => {
  await alice.storage.putObject('files', 'v.txt', 'one');
  await alice.storage.putObject('files', 'v.txt', 'two');
  const versions = await alice.storage.versions('files', 'v.txt');
  assert.equal(versions.length, 2);
  assert.equal((await alice.storage.getObject('files', 'v.txt', { version: versions[0]!.id })).toString(), 'one');
});
