// Regression tests: a write grant on one object opened every container of its owner, because a
// large object's segments were read with no access check. Whoever writes a manifest, and
// however it gets there (PUT, POST, COPY, MOVE), its reader reads the segments with their own
// rights, and a public link serves only segments that are public themselves.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { callAs, publicPath, storageUrl as url, type Call, type TestUser } from './helpers/pithos.ts';

const SECRET = 'the private diary of alice';

for (const database of await testDatabases()) {
  describe(`large objects read with the reader's rights on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let alice: TestUser;
    let bob: TestUser;
    let a: Call;
    let b: Call;
    let anyone: Call;
    before(async () => {
      plane = await startPlane(await database.create());
      alice = await plane.createUser('alice');
      bob = await plane.createUser('bob');
      a = callAs(plane, alice);
      b = callAs(plane, bob);
      anyone = callAs(plane, undefined);
      // Alice's private container, never shared, and one object bob may write.
      await a('PUT', url(alice.id, 'secret'));
      await a('PUT', url(alice.id, 'secret/diary'), { body: SECRET });
      await a('PUT', url(alice.id, 'shared'));
      await a('PUT', url(alice.id, 'shared/inbox'), { body: 'drop files here', headers: { 'x-object-sharing': `write=${bob.id}`, 'x-object-public': 'true' } });
      assert.equal((await b('GET', url(alice.id, 'secret/diary'))).status, 403);
    });
    after(async () => { await plane?.close(); });

    /** What bob, and anyone with the public link, can read of alice's shared/inbox now. */
    async function readsOfInbox(): Promise<string[]> {
      const link = await publicPath(a, url(alice.id, 'shared/inbox'));
      const byBob = await b('GET', url(alice.id, 'shared/inbox'));
      const byAnyone = await anyone('GET', link);
      return [byBob.text, byAnyone.text];
    }

    const assertNoLeak = async () => {
      for (const body of await readsOfInbox()) assert.doesNotMatch(body, /private diary/);
    };

    it('a write grant cannot open another container by POSTing X-Object-Manifest', async () => {
      assert.equal((await b('POST', url(alice.id, 'shared/inbox'), { headers: { 'x-object-manifest': 'secret/' } })).status, 202);
      await assertNoLeak();
      const owner = await a('GET', url(alice.id, 'shared/inbox'));
      assert.equal(owner.text, SECRET, 'the owner still reads her own segments');
    });

    it('nor by a PUT with an empty body and X-Object-Manifest', async () => {
      assert.equal((await b('PUT', url(alice.id, 'shared/inbox'), { headers: { 'x-object-manifest': 'secret/d' } })).status, 201);
      await assertNoLeak();
    });

    it('nor by copying in a dynamic manifest of their own (Destination-Account)', async () => {
      await b('PUT', url(bob.id, 'mine'));
      await b('PUT', url(bob.id, 'mine/dlo'), { headers: { 'x-object-manifest': 'secret/' } });
      const copy = await b('COPY', url(bob.id, 'mine/dlo'), { headers: { destination: '/shared/inbox', 'destination-account': alice.id } });
      assert.equal(copy.status, 201);
      await assertNoLeak();
    });

    it('nor by moving in a static manifest whose segment names match the private object', async () => {
      // Bob builds a static manifest in his own account over a segment of the same name and size.
      await b('PUT', url(bob.id, 'secret'));
      await b('PUT', url(bob.id, 'secret/diary'), { body: 'x'.repeat(SECRET.length) });
      const segments = [{ path: '/secret/diary', etag: null, size_bytes: SECRET.length }];
      assert.equal((await b('PUT', `${url(bob.id, 'mine/slo')}?multipart-manifest=put`, { body: JSON.stringify(segments) })).status, 201);
      const move = await b('PUT', url(alice.id, 'shared/inbox'), { headers: { 'x-move-from': '/mine/slo', 'x-source-account': bob.id } });
      assert.equal(move.status, 201);
      const byBob = await b('GET', url(alice.id, 'shared/inbox'));
      assert.equal(byBob.status, 409, 'a segment the reader may not read answers as a missing one');
      assert.doesNotMatch(byBob.text, /private diary/);
      await assertNoLeak();
      assert.equal((await a('GET', url(alice.id, 'shared/inbox'))).text, SECRET);
    });

    it('nor by a static manifest PUT naming the private segment', async () => {
      const segments = [{ path: '/secret/diary', etag: null, size_bytes: null }];
      const put = await b('PUT', `${url(alice.id, 'shared/inbox')}?multipart-manifest=put`, { body: JSON.stringify(segments) });
      assert.equal(put.status, 403);
      await assertNoLeak();
    });

    it('shows a static manifest itself to a reader who may not read its segments', async () => {
      const manifest = await b('GET', `${url(alice.id, 'shared/inbox')}?multipart-manifest=get`);
      assert.equal(manifest.status, 200, manifest.text);
      assert.deepEqual(manifest.body.map((s: { name: string }) => s.name), ['/secret/diary'], 'the names it holds, not their bytes');
      assert.doesNotMatch(manifest.text, /private diary/);
    });

    it('a public link serves a large object whose segments are public, and skips the others', async () => {
      await a('PUT', url(alice.id, 'pub'));
      await a('PUT', url(alice.id, 'pub/part1'), { body: 'hello ', headers: { 'x-object-public': 'true' } });
      await a('PUT', url(alice.id, 'pub/part2'), { body: 'world' });
      await a('PUT', url(alice.id, 'shared/big'), { headers: { 'x-object-manifest': 'pub/part', 'x-object-public': 'true' } });
      const link = await publicPath(a, url(alice.id, 'shared/big'));
      assert.equal((await anyone('GET', link)).text, 'hello ', 'only the public segment');
      await a('POST', url(alice.id, 'pub/part2'), { headers: { 'x-object-public': 'true' } });
      assert.equal((await anyone('GET', link)).text, 'hello world');
      assert.equal((await a('GET', url(alice.id, 'shared/big'))).text, 'hello world');
    });

    it('a sharee of a manifest reads the segments shared with them, and only those', async () => {
      await a('PUT', url(alice.id, 'shared/parts/1'), { body: 'one.', headers: { 'x-object-sharing': `read=${bob.id}` } });
      await a('PUT', url(alice.id, 'shared/parts/2'), { body: 'two.' });
      await a('PUT', url(alice.id, 'shared/whole'), { headers: { 'x-object-manifest': 'shared/parts/', 'x-object-sharing': `read=${bob.id}` } });
      assert.equal((await b('GET', url(alice.id, 'shared/whole'))).text, 'one.');
      await a('POST', url(alice.id, 'shared/parts/2'), { headers: { 'x-object-sharing': `read=${bob.id}` } });
      assert.equal((await b('GET', url(alice.id, 'shared/whole'))).text, 'one.two.');
    });
  });
}
