// Pithos' partial updates (POST ?update with Content-Range, X-Source-Object, X-Object-Bytes),
// replayed as kamaki sends them (file append, overwrite, truncate), on both databases: the
// bytes, the blocks reused, the quota charged exactly, nothing left behind by a refusal, and
// nobody writing or reading through them what they could not directly.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BLOCK_SIZE } from '@oceanos/contract';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { callAs, diskspace, keptBytes, setDiskspace, storageUrl as url, type Call, type TestUser } from './helpers/pithos.ts';

const hashmap = async (call: Call, path: string): Promise<string[]> => (await call('GET', `${path}?hashmap&format=json`)).body.hashes;

for (const database of await testDatabases()) {
  describe(`Pithos partial updates on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let alice: TestUser & { password: string };
    let bob: TestUser & { password: string };
    let a: Call;
    let b: Call;
    before(async () => {
      plane = await startPlane(await database.create(), (c) => { c.storage.gcGraceSeconds = 0; });
      alice = await plane.createUser('alice');
      bob = await plane.createUser('bob');
      a = callAs(plane, alice);
      b = callAs(plane, bob);
      assert.equal((await a('PUT', url(alice.id, 'c'))).status, 201);
    });
    after(async () => { await plane?.close(); });

    /** The charge equals the bytes kept, and a start-up reconciliation would change nothing. */
    const exact = async (user: TestUser) => {
      assert.equal((await diskspace(plane, user)).usage, await keptBytes(plane, user.id));
      assert.equal((await diskspace(plane, user)).pending, 0);
      assert.deepEqual(await plane.pithos.housekeeping.reconcileCharges(false), []);
      assert.deepEqual(await plane.pithos.housekeeping.reconcileCounters(false), [], 'container counters match their objects');
    };
    const update = (call: Call, path: string, headers: Record<string, string>, body?: string | Buffer) =>
      call('POST', `${path}?update&format=json`, { headers: { 'content-type': 'application/octet-stream', ...headers }, body });

    it('appends (kamaki file append: Content-Range bytes */*)', async () => {
      const o = url(alice.id, 'c/log');
      await a('PUT', o, { body: 'hello', headers: { 'content-type': 'text/plain', 'x-object-meta-k': 'v' } });
      const res = await update(a, o, { 'content-range': 'bytes */*', 'content-length': '6' }, ' world');
      assert.equal(res.status, 204, res.text);
      const got = await a('GET', o);
      assert.equal(got.text, 'hello world');
      assert.equal(got.headers['content-type'], 'text/plain', 'the type stays');
      assert.equal(got.headers['x-object-meta-k'], 'v', 'the metadata stays');
      assert.equal(got.headers.etag, createHash('md5').update('hello world').digest('hex'));
      const versions = (await a('GET', `${o}?version=list&format=json`)).body.versions;
      assert.equal(versions.length, 2, 'the old version is kept as history');
      await exact(alice);
    });

    it('overwrites a range (kamaki file overwrite) and rewrites only the blocks it touches', async () => {
      const o = url(alice.id, 'c/big');
      const data = randomBytes(2 * BLOCK_SIZE + 1000);
      await a('PUT', o, { body: data });
      const before = await hashmap(a, o);
      const at = BLOCK_SIZE + 10;
      const res = await update(a, o, { 'content-range': `bytes ${at}-${at + 3}/*` }, 'ABCD');
      assert.equal(res.status, 204, res.text);
      const expected = Buffer.from(data);
      expected.write('ABCD', at);
      const got = await plane.app.inject({ method: 'GET', url: o, headers: { 'x-auth-token': alice.token } });
      assert.ok(got.rawPayload.equals(expected));
      const afterHashes = await hashmap(a, o);
      assert.equal(afterHashes[0], before[0], 'block 0 is reused');
      assert.notEqual(afterHashes[1], before[1], 'block 1 changed');
      assert.equal(afterHashes[2], before[2], 'block 2 is reused');
      await exact(alice);
    });

    it('truncates (kamaki file truncate: X-Source-Object itself, Content-Range, X-Object-Bytes)', async () => {
      const o = url(alice.id, 'c/cut');
      await a('PUT', o, { body: '0123456789' });
      const res = await update(a, o, { 'content-range': 'bytes 0-3/*', 'x-source-object': '/c/cut', 'x-object-bytes': '4', 'content-length': '0' });
      assert.equal(res.status, 204, res.text);
      assert.equal((await a('GET', o)).text, '0123');
      assert.equal((await update(a, o, { 'x-object-bytes': '2', 'content-length': '0' })).status, 204);
      assert.equal((await a('GET', o)).text, '01');
      await exact(alice);
    });

    it('writes a range taken from another object (X-Source-Object)', async () => {
      await a('PUT', url(alice.id, 'c/src'), { body: 'ABCDEFGH' });
      const o = url(alice.id, 'c/dst');
      await a('PUT', o, { body: '0123456789' });
      const res = await update(a, o, { 'content-range': 'bytes 2-5/*', 'x-source-object': '/c/src', 'content-length': '0' });
      assert.equal(res.status, 204, res.text);
      assert.equal((await a('GET', o)).text, '01ABCD6789');
      await exact(alice);
    });

    it('refuses what it cannot do, changing and charging nothing', async () => {
      const o = url(alice.id, 'c/fixed');
      await a('PUT', o, { body: 'abc' });
      const usage = (await diskspace(plane, alice)).usage;
      assert.equal((await update(a, o, { 'content-range': 'bytes 10-12/*' }, 'xyz')).status, 416, 'beyond the end');
      assert.equal((await update(a, o, { 'content-range': 'bytes=0-1' }, 'xy')).status, 416, 'not a Content-Range');
      assert.equal((await update(a, o, { 'content-range': 'bytes 0-1/3' }, 'xyz')).status, 400, 'a length that is not the range');
      assert.equal((await update(a, o, { 'content-range': 'bytes 0-1/5' }, 'xy')).status, 416, 'the size is not the one given');
      assert.equal((await update(a, o, { 'x-object-bytes': 'many' })).status, 400);
      assert.equal((await update(a, url(alice.id, 'c/missing'), { 'content-range': 'bytes */*' }, 'x')).status, 404);
      assert.equal((await update(a, o, { 'content-range': 'bytes 0-3/*', 'x-source-object': '/c/missing' })).status, 404);
      const form = await a('POST', `${o}?update`, { headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' });
      assert.equal(form.status, 400, 'an HTML-form upload is an error, not a 202 that changes nothing');
      assert.equal((await a('GET', o)).text, 'abc');
      assert.equal((await diskspace(plane, alice)).usage, usage);
      await exact(alice);
    });

    it('keeps within the quota: an append past it is 413 and nothing is charged', async () => {
      const carol = await plane.createUser('carol');
      const c = callAs(plane, carol);
      await c('PUT', url(carol.id, 'c'));
      await c('PUT', url(carol.id, 'c/o'), { body: 'x'.repeat(100) });
      await setDiskspace(plane, carol, 250);
      const over = await update(c, url(carol.id, 'c/o'), { 'content-range': 'bytes */*' }, 'y'.repeat(100));
      assert.equal(over.status, 413, 'the new version (200) and the history (100) pass 250');
      assert.equal((await c('GET', url(carol.id, 'c/o'))).text, 'x'.repeat(100));
      await exact(carol);
    });

    it("lets nobody write or read through it what they could not directly", async () => {
      await a('PUT', url(alice.id, 'c/secret'), { body: 'top secret' });
      await a('PUT', url(alice.id, 'c/shared'), { body: 'shared', headers: { 'x-object-sharing': `read=${bob.id}` } });
      await b('PUT', url(bob.id, 'mine'));
      await b('PUT', url(bob.id, 'mine/o'), { body: '0123456789' });
      assert.equal((await update(b, url(alice.id, 'c/shared'), { 'content-range': 'bytes */*' }, 'x')).status, 403, 'read is not write');
      const steal = await update(b, url(bob.id, 'mine/o'), { 'content-range': 'bytes 0-9/*', 'x-source-object': '/c/secret', 'x-source-account': alice.id });
      assert.equal(steal.status, 403, 'an unshared source');
      assert.equal((await b('GET', url(bob.id, 'mine/o'))).text, '0123456789');
      const ok = await update(b, url(bob.id, 'mine/o'), { 'content-range': 'bytes 0-5/*', 'x-source-object': '/c/shared', 'x-source-account': alice.id });
      assert.equal(ok.status, 204, 'a shared source can be copied from');
      assert.equal((await b('GET', url(bob.id, 'mine/o'))).text, 'shared6789');
      await exact(alice);
      await exact(bob);
    });
  });
}
