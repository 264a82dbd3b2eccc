// The Pithos+ protocol through the Swift API, on both databases: hashmap uploads, dedup,
// versions, quota, sharing, public links, copy and move, listings, conditional and range
// requests, and bad input.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BLOCK_SIZE, blockHash } from '@oceanos/contract';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

function hashmapOf(data: Buffer): string[] {
  const hashes: string[] = [];
  for (let offset = 0; offset < data.length; offset += BLOCK_SIZE) hashes.push(blockHash(data.subarray(offset, offset + BLOCK_SIZE)));
  return hashes;
}

function blockFiles(dataDir: string): number {
  let count = 0;
  const root = join(dataDir, 'blocks');
  for (const a of readdirSync(root)) {
    if (a === 'tmp') continue;
    for (const b of readdirSync(join(root, a))) count += readdirSync(join(root, a, b)).length;
  }
  return count;
}

for (const database of await testDatabases()) {
  describe(`Pithos+ protocol on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let alice: { id: string; token: string };
    let bob: { id: string; token: string };
    let carol: { id: string; token: string };
    let dataDir: string;
    before(async () => {
      plane = await startPlane(await database.create(), (c) => { c.storage.gcGraceSeconds = 0; dataDir = c.dataDir; });
      alice = await plane.createUser('alice');
      bob = await plane.createUser('bob');
      carol = await plane.createUser('carol');
    });
    after(async () => { await plane?.close(); });

    const url = (account: string, path = '') => `/object-store/v1/${account}${path ? `/${path}` : ''}`;
    const as = (user: { token: string }) => ({
      call: (method: string, path: string, options: { headers?: Record<string, string>; body?: Buffer | string } = {}) =>
        plane.call(method, path, { token: user.token, headers: options.headers, rawBody: options.body }),
    });
    const usage = async (user: { id: string; token: string }) =>
      (await plane.call('GET', '/account/v1.0/quotas', { token: user.token })).body[user.id]['pithos.diskspace'].usage;

    it('creates containers and answers account and container HEADs', async () => {
      const a = as(alice);
      assert.equal((await a.call('PUT', url(alice.id, 'files'))).status, 201);
      assert.equal((await a.call('PUT', url(alice.id, 'files'))).status, 202);
      const put = await a.call('PUT', url(alice.id, 'files/hello.txt'), { body: 'hello', headers: { 'content-type': 'text/plain', 'x-object-meta-color': 'blue' } });
      assert.equal(put.status, 201);
      assert.equal(put.headers.etag, md5('hello'));
      const account = await a.call('HEAD', url(alice.id));
      assert.equal(account.status, 204);
      assert.equal(account.headers['x-account-container-count'], '1', 'files only: the standard containers come at their first use');
      assert.deepEqual((await a.call('GET', url(alice.id))).text, 'files\n');
      assert.equal(account.headers['x-account-bytes-used'], '5');
      const container = await a.call('HEAD', url(alice.id, 'files'));
      assert.equal(container.headers['x-container-object-count'], '1');
      assert.equal(container.headers['x-container-block-size'], String(BLOCK_SIZE));
      assert.equal(container.headers['x-container-block-hash'], 'sha256');
      const object = await a.call('HEAD', url(alice.id, 'files/hello.txt'));
      assert.equal(object.headers['content-length'], '5');
      assert.equal(object.headers['x-object-meta-color'], 'blue');
      assert.match(String(object.headers['x-object-uuid']), /^[0-9a-f-]{36}$/);
      assert.equal(object.headers['x-object-hash'], blockHash(Buffer.from('hello')));
      assert.equal((await a.call('GET', url(alice.id, 'files/hello.txt'))).text, 'hello');
      assert.equal(await usage(alice), 5);
    });

    it('uploads by hashmap: 409 with the missing blocks, POST them, then 201; a second upload stores nothing', async () => {
      const a = as(alice);
      const data = randomBytes(2 * BLOCK_SIZE + 12345);
      const hashes = hashmapOf(data);
      const hashmap = JSON.stringify({ bytes: data.length, hashes });
      const first = await a.call('PUT', `${url(alice.id, 'files/big.bin')}?hashmap&format=json`, { body: hashmap, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(first.status, 409);
      assert.deepEqual(first.body, hashes);
      const posted = await a.call('POST', url(alice.id, 'files'), { body: data, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(posted.status, 202);
      assert.deepEqual(posted.body, hashes);
      const second = await a.call('PUT', `${url(alice.id, 'files/big.bin')}?hashmap&format=json`, { body: hashmap, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(second.status, 201);
      const got = await plane.app.inject({ method: 'GET', url: url(alice.id, 'files/big.bin'), headers: { 'x-auth-token': alice.token } });
      assert.ok(got.rawPayload.equals(data));
      assert.equal(got.headers.etag, md5(data));
      const map = await a.call('GET', `${url(alice.id, 'files/big.bin')}?hashmap&format=json`);
      assert.deepEqual(map.body, { block_hash: 'sha256', block_size: BLOCK_SIZE, bytes: data.length, hashes });

      const before = blockFiles(dataDir);
      const again = await a.call('PUT', `${url(alice.id, 'files/big-again.bin')}?hashmap&format=json`, { body: hashmap, headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(again.status, 201);
      assert.equal(again.headers.etag, md5(data), 'the MD5 of known bytes is reused');
      const plain = await a.call('PUT', url(alice.id, 'files/big-plain.bin'), { body: data });
      assert.equal(plain.status, 201);
      assert.equal(blockFiles(dataDir), before, 'identical data stores no new block');
    });

    it('rejects bad hashmaps', async () => {
      const a = as(alice);
      const put = (body: string) => a.call('PUT', `${url(alice.id, 'files/x')}?hashmap&format=json`, { body, headers: { 'content-type': 'text/plain' } });
      assert.equal((await put('not json')).status, 400);
      assert.equal((await put(JSON.stringify({ bytes: 10, hashes: ['zz'] }))).status, 400);
      assert.equal((await put(JSON.stringify({ bytes: 10, hashes: [] }))).status, 400, 'wrong block count');
      assert.equal((await put(JSON.stringify({ bytes: -1, hashes: [] }))).status, 400);
    });

    it('refuses a body that does not match its ETag (422) and stores nothing', async () => {
      const a = as(alice);
      const before = await usage(alice);
      const res = await a.call('PUT', url(alice.id, 'files/bad.txt'), { body: 'some bytes', headers: { etag: md5('other bytes') } });
      assert.equal(res.status, 422);
      assert.equal((await a.call('HEAD', url(alice.id, 'files/bad.txt'))).status, 404);
      assert.equal(await usage(alice), before);
      const ok = await a.call('PUT', url(alice.id, 'files/good.txt'), { body: 'some bytes', headers: { etag: `"${md5('some bytes')}"` } });
      assert.equal(ok.status, 201);
    });

    it('keeps versions under the auto policy, charged, and none under the none policy; a delete takes the history too', async () => {
      const a = as(alice);
      await a.call('PUT', url(alice.id, 'versions'));
      const v1 = await a.call('PUT', url(alice.id, 'versions/doc'), { body: 'first version' });
      const before = await usage(alice);
      await a.call('PUT', url(alice.id, 'versions/doc'), { body: 'second' });
      assert.equal(await usage(alice), before + 'second'.length, 'the old version is kept, and charged');
      const list = await a.call('GET', `${url(alice.id, 'versions/doc')}?version=list&format=json`);
      assert.equal(list.body.versions.length, 2);
      const old = await a.call('GET', `${url(alice.id, 'versions/doc')}?version=${v1.headers['x-object-version']}`);
      assert.equal(old.text, 'first version');
      assert.equal((await a.call('GET', url(alice.id, 'versions/doc'))).text, 'second');
      assert.equal((await a.call('DELETE', url(alice.id, 'versions/doc'))).status, 204);
      assert.equal((await a.call('GET', url(alice.id, 'versions/doc'))).status, 404);
      assert.equal((await a.call('GET', `${url(alice.id, 'versions/doc')}?version=${v1.headers['x-object-version']}`)).status, 404);
      assert.equal(await usage(alice), before - 'first version'.length, 'the delete released the object and its history');
      await a.call('PUT', url(alice.id, 'versions/kept'), { body: 'first version' });
      await a.call('PUT', url(alice.id, 'versions/kept'), { body: 'second' });

      await a.call('PUT', url(alice.id, 'plain'), { headers: { 'x-container-policy-versioning': 'none' } });
      await a.call('PUT', url(alice.id, 'plain/doc'), { body: 'one' });
      await a.call('PUT', url(alice.id, 'plain/doc'), { body: 'two' });
      assert.equal((await a.call('GET', `${url(alice.id, 'plain/doc')}?version=list&format=json`)).body.versions.length, 1);
      assert.equal((await a.call('PUT', url(alice.id, 'plain'), { headers: { 'x-container-policy-versioning': 'sometimes' } })).status, 400);
    });

    it('charges pithos.diskspace: an upload over the quota gets 413 and stores nothing', async () => {
      const dave = await plane.createUser('dave');
      const d = as(dave);
      await plane.call('PUT', `/account/v1.0/quotas/${dave.id}/pithos.diskspace`, { token: plane.adminToken, body: { limit: 100 } });
      await d.call('PUT', url(dave.id, 'c'));
      const over = await d.call('PUT', url(dave.id, 'c/big'), { body: Buffer.alloc(101, 1) });
      assert.equal(over.status, 413);
      assert.equal((await d.call('HEAD', url(dave.id, 'c/big'))).status, 404);
      assert.equal(await usage(dave), 0);
      assert.equal((await d.call('PUT', url(dave.id, 'c/a'), { body: Buffer.alloc(60, 1) })).status, 201);
      assert.equal((await d.call('PUT', url(dave.id, 'c/b'), { body: Buffer.alloc(60, 2) })).status, 413);
      assert.equal((await d.call('PUT', url(dave.id, 'c/a'), { body: Buffer.alloc(41, 3) })).status, 413, 'an overwrite keeps the old version: both count');
      await d.call('POST', url(dave.id, 'c'), { headers: { 'x-container-policy-versioning': 'none' } });
      assert.equal((await d.call('PUT', url(dave.id, 'c/a'), { body: Buffer.alloc(90, 3) })).status, 201, 'without history, an overwrite is charged the difference');
      assert.equal(await usage(dave), 90);
      assert.equal((await d.call('PUT', url(dave.id, 'c/copy'), { headers: { 'x-copy-from': '/c/a' } })).status, 413, 'a copy is charged too');
      await d.call('DELETE', url(dave.id, 'c/a'));
      assert.equal(await usage(dave), 0);
      const pending = await plane.call('GET', '/account/v1.0/commissions', { token: plane.adminToken });
      assert.deepEqual(pending.body, [], 'no reservation is left pending');
    });

    it('copies and moves without copying data', async () => {
      const a = as(alice);
      await a.call('PUT', url(alice.id, 'other'));
      const source = await a.call('HEAD', url(alice.id, 'files/big.bin'));
      const blocks = blockFiles(dataDir);
      const copy = await a.call('PUT', url(alice.id, 'other/copy.bin'), { headers: { 'x-copy-from': '/files/big.bin', 'x-object-meta-kind': 'copy' } });
      assert.equal(copy.status, 201);
      const copied = await a.call('HEAD', url(alice.id, 'other/copy.bin'));
      assert.equal(copied.headers['x-object-hash'], source.headers['x-object-hash']);
      assert.notEqual(copied.headers['x-object-uuid'], source.headers['x-object-uuid'], 'a copy is a new object');
      assert.equal(copied.headers['x-object-meta-kind'], 'copy');
      const moved = await a.call('MOVE', url(alice.id, 'other/copy.bin'), { headers: { destination: '/other/moved.bin' } });
      assert.equal(moved.status, 201);
      assert.equal((await a.call('HEAD', url(alice.id, 'other/copy.bin'))).status, 404);
      assert.equal((await a.call('HEAD', url(alice.id, 'other/moved.bin'))).headers['x-object-uuid'], copied.headers['x-object-uuid'], 'a move keeps the identity');
      const swiftCopy = await a.call('COPY', url(alice.id, 'files/hello.txt'), { headers: { destination: 'other/hello-copy.txt' } });
      assert.equal(swiftCopy.status, 201);
      assert.equal((await a.call('GET', url(alice.id, 'other/hello-copy.txt'))).text, 'hello');
      assert.equal(blockFiles(dataDir), blocks);
      assert.equal((await a.call('PUT', url(alice.id, 'other/x'), { headers: { 'x-copy-from': '/files/nothing' } })).status, 404);
    });

    it('shares with users, groups and folders; others see nothing', async () => {
      const a = as(alice);
      const b = as(bob);
      const c = as(carol);
      await a.call('PUT', url(alice.id, 'shared'));
      await a.call('PUT', url(alice.id, 'shared/for-bob'), { body: 'bob may read', headers: { 'x-object-sharing': `read=${bob.id}` } });
      await a.call('PUT', url(alice.id, 'shared/secret'), { body: 'nobody' });
      await a.call('PUT', url(alice.id, 'shared/team'), { body: '', headers: { 'content-type': 'application/directory' } });
      await a.call('PUT', url(alice.id, 'shared/team/notes'), { body: 'team notes' });

      assert.equal((await b.call('GET', url(alice.id, 'shared/for-bob'))).text, 'bob may read');
      assert.equal((await b.call('GET', url(alice.id, 'shared/secret'))).status, 403);
      assert.equal((await b.call('PUT', url(alice.id, 'shared/for-bob'), { body: 'x' })).status, 403, 'read does not allow write');
      assert.equal((await c.call('GET', url(alice.id, 'shared/for-bob'))).status, 403);
      const listing = await b.call('GET', `${url(alice.id, 'shared')}?format=json`);
      assert.deepEqual(listing.body.map((o: { name: string }) => o.name), ['for-bob'], 'a shared container lists only what is shared');
      const sharers = await b.call('GET', '/object-store/v1?format=json');
      assert.deepEqual(sharers.body.map((s: { name: string }) => s.name), [alice.id]);
      assert.equal((await b.call('GET', `${url(alice.id)}?format=json`)).body.length, 1);
      assert.equal((await c.call('GET', `${url(alice.id)}?format=json`)).status, 403);
      assert.equal((await a.call('HEAD', url(alice.id, 'shared/for-bob'))).headers['x-object-sharing'], `read=${bob.id}`);

      // A group of alice's, granted write on a folder: the grant covers what is below it.
      assert.equal((await a.call('POST', url(alice.id), { headers: { 'x-account-group-team': carol.id } })).status, 204);
      assert.equal((await a.call('HEAD', url(alice.id))).headers['x-account-group-team'], carol.id);
      assert.equal((await a.call('POST', url(alice.id, 'shared/team'), { headers: { 'x-object-sharing': `write=${alice.id}:team` } })).status, 202);
      const notes = await c.call('GET', url(alice.id, 'shared/team/notes'));
      assert.equal(notes.text, 'team notes');
      assert.equal(notes.headers['x-object-shared-by'], 'shared/team');
      assert.equal(notes.headers['x-object-allowed-to'], 'write');
      assert.equal((await c.call('PUT', url(alice.id, 'shared/team/by-carol'), { body: 'hi' })).status, 201);
      assert.equal((await a.call('HEAD', url(alice.id, 'shared/team/by-carol'))).headers['x-object-modified-by'], carol.id);
      assert.equal((await c.call('POST', url(alice.id, 'shared/team/notes'), { headers: { 'x-object-sharing': `read=${carol.id}` } })).status, 403, 'only the owner shares');
      assert.equal((await a.call('POST', url(alice.id, 'shared/for-bob'), { headers: { 'x-object-sharing': 'read=nobody' } })).status, 400);
      await a.call('POST', url(alice.id, 'shared/for-bob'), { headers: { 'x-object-sharing': '' } });
      assert.equal((await b.call('GET', url(alice.id, 'shared/for-bob'))).status, 403, 'an empty header unshares');
      assert.equal((await b.call('PUT', url(alice.id, 'newcontainer'))).status, 403);
      assert.equal((await b.call('DELETE', url(alice.id, 'shared'))).status, 403);
    });

    it('serves public links without a token, hiding Pithos headers', async () => {
      const a = as(alice);
      await a.call('POST', url(alice.id, 'files/hello.txt'), { headers: { 'x-object-public': 'true' } });
      const head = await a.call('HEAD', url(alice.id, 'files/hello.txt'));
      assert.equal(head.headers['x-object-meta-color'], 'blue', 'publishing keeps the metadata');
      const link = String(head.headers['x-object-public']);
      const path = new URL(link).pathname;
      assert.match(path, /^\/public\/[0-9a-zA-Z]{16}$/);
      const got = await plane.call('GET', path);
      assert.equal(got.status, 200);
      assert.equal(got.text, 'hello');
      assert.equal(got.headers.etag, md5('hello'));
      assert.equal(Object.keys(got.headers).filter((h) => h.startsWith('x-object')).length, 0);
      assert.equal((await plane.call('GET', path, { headers: { range: 'bytes=1-2' } })).text, 'el');
      await a.call('POST', url(alice.id, 'files/hello.txt'), { headers: { 'x-object-public': 'false' } });
      assert.equal((await plane.call('GET', path)).status, 404);
      assert.equal((await plane.call('GET', '/public/doesnotexist0000')).status, 404);
    });

    it('lists in byte order with marker, end_marker, prefix, delimiter, path and three formats', async () => {
      const a = as(alice);
      await a.call('PUT', url(alice.id, 'list'));
      const names = ['a', 'b', 'dir/x', 'dir/y', 'dir/sub/z', 'é', '～', '😀'];
      for (const name of names) await a.call('PUT', url(alice.id, `list/${encodeURIComponent(name)}`), { body: name });
      const json = (q: string) => a.call('GET', `${url(alice.id, 'list')}?format=json&${q}`).then((r) => r.body.map((o: any) => o.name ?? o.subdir));
      assert.deepEqual(await json(''), ['a', 'b', 'dir/sub/z', 'dir/x', 'dir/y', 'é', '～', '😀'], 'UTF-8 byte order');
      assert.deepEqual(await json('limit=2&marker=b'), ['dir/sub/z', 'dir/x']);
      assert.deepEqual(await json('end_marker=dir/x'), ['a', 'b', 'dir/sub/z']);
      assert.deepEqual(await json('delimiter=/'), ['a', 'b', 'dir/', 'é', '～', '😀']);
      assert.deepEqual(await json('delimiter=/&marker=dir/'), ['é', '～', '😀']);
      assert.deepEqual(await json('prefix=dir/&delimiter=/'), ['dir/sub/', 'dir/x', 'dir/y']);
      assert.deepEqual(await json('path=dir'), ['dir/x', 'dir/y'], 'path= lists what is directly under it, as Swift does');
      assert.deepEqual(await json('prefix=dir/s'), ['dir/sub/z']);
      const plain = await a.call('GET', `${url(alice.id, 'list')}?prefix=dir/`);
      assert.equal(plain.text, 'dir/sub/z\ndir/x\ndir/y\n');
      assert.equal((await a.call('GET', `${url(alice.id, 'list')}?prefix=nothing`)).status, 204);
      assert.equal((await a.call('GET', `${url(alice.id, 'list')}?prefix=nothing&format=json`)).text, '[]');
      const xml = await a.call('GET', `${url(alice.id, 'list')}?format=xml&limit=1`);
      assert.match(xml.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<container name="list"><object><name>a<\/name><hash>0cc175b9c0f1b6a831c399e269772661<\/hash><bytes>1<\/bytes>/);
      const entry = (await a.call('GET', `${url(alice.id, 'list')}?format=json&limit=1`)).body[0];
      assert.match(entry.last_modified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      assert.equal((await a.call('GET', `${url(alice.id, 'list')}?limit=-1`)).status, 200, 'Swift ignores a limit that is not a whole number');
      assert.equal((await a.call('GET', `${url(alice.id, 'list')}?limit=10001`)).status, 412, "and refuses one past the maximum, in Swift's words");
      assert.equal((await a.call('GET', `${url(alice.id, 'nothing')}?format=json`)).status, 404);
    });

    it('answers conditional and range requests', async () => {
      const a = as(alice);
      const object = url(alice.id, 'files/hello.txt');
      const etag = md5('hello');
      assert.equal((await a.call('GET', object, { headers: { 'if-none-match': `"${etag}"` } })).status, 304);
      assert.equal((await a.call('GET', object, { headers: { 'if-match': '"0000"' } })).status, 412);
      assert.equal((await a.call('GET', object, { headers: { 'if-match': etag } })).status, 200);
      assert.equal((await a.call('GET', object, { headers: { 'if-modified-since': new Date(Date.now() + 60_000).toUTCString() } })).status, 304);
      const range = await a.call('GET', object, { headers: { range: 'bytes=-3' } });
      assert.equal(range.status, 206);
      assert.equal(range.text, 'llo');
      assert.equal(range.headers['content-range'], 'bytes 2-4/5');
      assert.equal((await a.call('GET', object, { headers: { range: 'bytes=10-20' } })).status, 416);
      const multi = await a.call('GET', object, { headers: { range: 'bytes=0-0,4-4' } });
      assert.match(String(multi.headers['content-type']), /^multipart\/byteranges;boundary=/);
      assert.match(multi.text, /Content-Range: bytes 0-0\/5\r\n\r\nh\r\n/);
      assert.equal((await a.call('PUT', object, { body: 'x', headers: { 'if-none-match': '*' } })).status, 412);
      const big = url(alice.id, 'files/big.bin');
      const cross = await plane.app.inject({ method: 'GET', url: big, headers: { 'x-auth-token': alice.token, range: `bytes=${BLOCK_SIZE - 2}-${BLOCK_SIZE + 1}` } });
      const whole = await plane.app.inject({ method: 'GET', url: big, headers: { 'x-auth-token': alice.token } });
      assert.ok(cross.rawPayload.equals(whole.rawPayload.subarray(BLOCK_SIZE - 2, BLOCK_SIZE + 2)), 'a range across a block boundary');
    });

    it('serves dynamic and static large objects as the concatenation of their segments', async () => {
      const a = as(alice);
      await a.call('PUT', url(alice.id, 'large'));
      await a.call('PUT', url(alice.id, 'large/seg/1'), { body: 'first-' });
      await a.call('PUT', url(alice.id, 'large/seg/2'), { body: 'second' });
      await a.call('PUT', url(alice.id, 'large/dlo'), { headers: { 'x-object-manifest': 'large/seg/' } });
      const dlo = await a.call('GET', url(alice.id, 'large/dlo'));
      assert.equal(dlo.text, 'first-second');
      assert.equal(dlo.headers['x-object-manifest'], 'large/seg/');
      assert.equal(dlo.headers.etag, `"${md5(md5('first-') + md5('second'))}"`);
      const manifest = [{ path: '/large/seg/2', etag: md5('second'), size_bytes: 6 }, { path: '/large/seg/1', etag: null, size_bytes: null }];
      assert.equal((await a.call('PUT', `${url(alice.id, 'large/slo')}?multipart-manifest=put`, { body: JSON.stringify(manifest) })).status, 201);
      const slo = await a.call('GET', url(alice.id, 'large/slo'));
      assert.equal(slo.text, 'secondfirst-');
      assert.equal(slo.headers['x-static-large-object'], 'True');
      assert.equal((await a.call('GET', url(alice.id, 'large/slo'), { headers: { range: 'bytes=4-7' } })).text, 'ndfi');
      const listed = (await a.call('GET', `${url(alice.id, 'large')}?format=json&prefix=slo`)).body[0];
      assert.equal(listed.bytes, 12);
      assert.equal(`"${listed.hash}"`, slo.headers.etag);
      const bad = [{ path: '/large/seg/1', etag: md5('wrong'), size_bytes: 6 }];
      assert.equal((await a.call('PUT', `${url(alice.id, 'large/bad')}?multipart-manifest=put`, { body: JSON.stringify(bad) })).status, 400);
      const gone = await a.call('DELETE', `${url(alice.id, 'large/slo')}?multipart-manifest=delete`, { headers: { accept: 'application/json' } });
      assert.equal(gone.body['Number Deleted'], 3);
      assert.equal((await a.call('GET', url(alice.id, 'large/dlo'))).text, '', 'a DLO with no segments left is empty');
    });

    it('treats names as opaque and validates them', async () => {
      const a = as(alice);
      const dotted = await a.call('PUT', url(alice.id, 'files/..%2F..%2Fetc%2Fpasswd'), { body: 'just a name' });
      assert.equal(dotted.status, 201);
      assert.equal((await a.call('GET', url(alice.id, 'files/..%2F..%2Fetc/passwd'))).text, 'just a name');
      assert.equal((await a.call('PUT', url(alice.id, `files/${'n'.repeat(1025)}`), { body: 'x' })).status, 400);
      assert.equal((await a.call('PUT', url(alice.id, `files/${'n'.repeat(1024)}`), { body: 'x' })).status, 201);
      assert.equal((await a.call('PUT', url(alice.id, 'files/bad%FF'), { body: 'x' })).status, 400);
      assert.equal((await a.call('PUT', url(alice.id, 'files/nul%00'), { body: 'x' })).status, 400);
      assert.equal((await a.call('PUT', url(alice.id, 'files/meta'), { body: 'x', headers: { [`x-object-meta-${'k'.repeat(129)}`]: 'v' } })).status, 400);
      assert.equal((await as(bob).call('GET', url(alice.id, 'files/hello.txt'))).status, 403);
      assert.equal((await plane.call('GET', url(alice.id, 'files/hello.txt'))).status, 401);
      assert.equal((await a.call('DELETE', url(alice.id, 'files'))).status, 409, 'a container with objects stays');
    });

    it('lets one of two concurrent writers win whole', async () => {
      const a = as(alice);
      const one = Buffer.alloc(BLOCK_SIZE + 10, 1);
      const two = Buffer.alloc(BLOCK_SIZE + 20, 2);
      const before = await usage(alice);
      const existed = Number((await a.call('HEAD', url(alice.id, 'files/race'))).headers['content-length'] ?? 0);
      const results = await Promise.all([a.call('PUT', url(alice.id, 'files/race'), { body: one }), a.call('PUT', url(alice.id, 'files/race'), { body: two })]);
      assert.deepEqual(results.map((r) => r.status), [201, 201]);
      const got = await plane.app.inject({ method: 'GET', url: url(alice.id, 'files/race'), headers: { 'x-auth-token': alice.token } });
      assert.ok(got.rawPayload.equals(one) || got.rawPayload.equals(two));
      assert.equal(existed, 0);
      assert.equal(await usage(alice), before + one.length + two.length, 'the winner is current, the other kept as history');
    });

    it('collects unreferenced blocks but never referenced ones; a hashmap whose block was collected gets 409', async () => {
      const a = as(alice);
      const orphan = randomBytes(1000);
      const [hash] = (await a.call('POST', url(alice.id, 'files'), { body: orphan, headers: { 'content-type': 'application/octet-stream' } })).body;
      const before = blockFiles(dataDir);
      assert.equal((await plane.collector.sweep()).deleted, 0, 'a posted block is held for its hashmap');
      // The hashmap never comes: the session's lease runs out, and the block goes with it.
      await plane.database.db.updateTable('pithos_uploads').set({ expires_at: new Date(0).toISOString() }).where('account', '=', alice.id).execute();
      assert.equal(await plane.pithos.housekeeping.endDeadUploads(), 1);
      assert.equal(blockFiles(dataDir), before - 1);
      const late = await a.call('PUT', `${url(alice.id, 'files/late')}?hashmap&format=json`, { body: JSON.stringify({ bytes: 1000, hashes: [hash] }), headers: { 'content-type': 'text/plain' } });
      assert.equal(late.status, 409);
      const big = await plane.app.inject({ method: 'GET', url: url(alice.id, 'files/big.bin'), headers: { 'x-auth-token': alice.token } });
      assert.equal(big.statusCode, 200, 'referenced blocks survive');
      assert.equal(md5(big.rawPayload), big.headers.etag);
      await plane.collector.sweep();
      const old = await a.call('GET', `${url(alice.id, 'versions/kept')}?version=list&format=json`);
      assert.equal((await a.call('GET', `${url(alice.id, 'versions/kept')}?version=${old.body.versions[0][0]}`)).text, 'first version', 'history keeps its blocks');
    });
  });
}
