// kamaki's exact requests to Pithos (../shared/reference/kamaki-requests.md) and the codes it
// insists on, on both databases: container and account updates answer 202, the sharer
// listing carries last_modified, `container empty` / `container delete -r` / `file delete -r`
// delete what is under them (with the caller's rights, history and charge included), and a
// fresh account lists no containers until its standard ones are first used.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { blockHash } from '@oceanos/contract';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { callAs, diskspace, keptBytes, storageUrl as url, type Call, type TestUser } from './helpers/pithos.ts';

for (const database of await testDatabases()) {
  describe(`kamaki's Pithos requests on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let alice: TestUser;
    let bob: TestUser;
    let a: Call;
    let b: Call;
    before(async () => {
      plane = await startPlane(await database.create(), (c) => { c.storage.gcGraceSeconds = 0; });
      alice = await plane.createUser('alice');
      bob = await plane.createUser('bob');
      a = callAs(plane, alice);
      b = callAs(plane, bob);
    });
    after(async () => { await plane?.close(); });

    const exact = async (user: TestUser) => assert.equal((await diskspace(plane, user)).usage, await keptBytes(plane, user.id));

    it('a fresh account lists no containers; its standard ones come at first use', async () => {
      assert.equal((await a('GET', `${url(alice.id)}?format=json`)).text, '[]');
      assert.equal((await a('HEAD', url(alice.id))).headers['x-account-container-count'], '0');
      // kamaki file upload: HEAD the object, then the container (the default one, `pithos`).
      assert.equal((await a('HEAD', url(alice.id, 'pithos/f.txt'))).status, 404);
      const head = await a('HEAD', url(alice.id, 'pithos'));
      assert.equal(head.status, 204);
      assert.equal(head.headers['x-container-block-size'], '4194304');
      assert.equal((await a('GET', `${url(alice.id, 'pithos')}?format=json`)).text, '[]', 'container GET is 200 [] (never 204)');
      assert.deepEqual((await a('GET', `${url(alice.id)}?format=json`)).body.map((c: { name: string }) => c.name), ['pithos']);
      assert.equal((await a('HEAD', url(alice.id, 'nothere'))).status, 404, 'other names do not spring up');
      assert.equal((await b('HEAD', url(alice.id, 'trash'))).status, 403, "nobody else's use creates them");
    });

    it("file upload and file download, request by request, into a fresh account's pithos", async () => {
      const carol = await plane.createUser('carol');
      const c = callAs(plane, carol);
      const data = Buffer.from('kamaki uploads by hashmap\n');
      const hashes = [blockHash(data)];
      const object = url(carol.id, 'pithos/notes.txt');
      assert.equal((await c('HEAD', object)).status, 404);
      for (let i = 0; i < 2; i++) assert.equal((await c('HEAD', url(carol.id, 'pithos'))).headers['x-container-block-hash'], 'sha256');
      const listing = await c('GET', `${url(carol.id, 'pithos')}?format=json`);
      assert.deepEqual([listing.status, listing.text], [200, '[]']);
      const hashmap = JSON.stringify({ bytes: data.length, hashes });
      const first = await c('PUT', `${object}?hashmap=True&format=json`, { headers: { 'content-type': 'text/plain' }, body: hashmap });
      assert.deepEqual([first.status, first.body], [409, hashes]);
      const posted = await c('POST', `${url(carol.id, 'pithos')}?update&format=json`, { headers: { 'content-type': 'application/octet-stream' }, body: data });
      assert.deepEqual([posted.status, posted.body], [202, hashes]);
      assert.equal((await c('PUT', `${object}?hashmap=True&format=json`, { headers: { 'content-type': 'text/plain' }, body: hashmap })).status, 201);
      assert.equal((await c('HEAD', object)).status, 200);
      const map = await c('GET', `${object}?hashmap=True&format=json`);
      assert.deepEqual([map.body.bytes, map.body.hashes], [data.length, hashes]);
      const part = await c('GET', `${object}?format=json`, { headers: { range: `bytes=0-${data.length - 1}` } });
      assert.ok([200, 206].includes(part.status));
      assert.equal(part.text, data.toString());
    });

    it('container and account updates (POST ?update) answer 202; Swift POSTs 204', async () => {
      await a('PUT', url(alice.id, 'docs'));
      const update = await a('POST', `${url(alice.id, 'docs')}?update`, { headers: { 'x-container-policy-versioning': 'none', 'x-container-meta-k': 'v' } });
      assert.equal(update.status, 202);
      assert.equal((await a('HEAD', url(alice.id, 'docs'))).headers['x-container-policy-versioning'], 'none');
      assert.equal((await a('POST', `${url(alice.id)}?update`, { headers: { 'x-account-group-friends': bob.id } })).status, 202);
      assert.equal((await a('HEAD', url(alice.id))).headers['x-account-group-friends'], bob.id);
      assert.equal((await a('POST', url(alice.id, 'docs'), { headers: { 'x-container-meta-k': 'w' } })).status, 204);
      assert.equal((await a('POST', url(alice.id), { headers: { 'x-account-meta-k': 'w' } })).status, 204);
    });

    it('an object POST ?update merges metadata (an empty value removes one); a plain POST replaces it, as Swift', async () => {
      await a('PUT', url(alice.id, 'docs/meta'), { body: 'x', headers: { 'x-object-meta-a': '1', 'x-object-meta-b': '2' } });
      assert.equal((await a('POST', `${url(alice.id, 'docs/meta')}?update`, { headers: { 'x-object-meta-c': '3', 'x-object-meta-b': '' } })).status, 202);
      const merged = await a('HEAD', url(alice.id, 'docs/meta'));
      assert.deepEqual([merged.headers['x-object-meta-a'], merged.headers['x-object-meta-b'], merged.headers['x-object-meta-c']], ['1', undefined, '3']);
      await a('POST', url(alice.id, 'docs/meta'), { headers: { 'x-object-meta-d': '4' } });
      const replaced = await a('HEAD', url(alice.id, 'docs/meta'));
      assert.deepEqual([replaced.headers['x-object-meta-a'], replaced.headers['x-object-meta-d']], [undefined, '4']);
    });

    it("the sharer listing carries each account's last_modified", async () => {
      await a('PUT', url(alice.id, 'docs/shared'), { body: 'x', headers: { 'x-object-sharing': `read=${bob.id}` } });
      const list = await b('GET', '/object-store/v1/?format=json');
      assert.equal(list.status, 200);
      assert.equal(list.body.length, 1);
      assert.equal(list.body[0].name, alice.id);
      assert.match(list.body[0].last_modified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    });

    it('container empty and container delete -r (DELETE ?delimiter=/), history and charge included', async () => {
      await a('PUT', url(alice.id, 'box'));
      for (const name of ['a', 'd/b', 'd/e/f']) await a('PUT', url(alice.id, `box/${name}`), { body: name });
      await a('PUT', url(alice.id, 'box/a'), { body: 'again' }); // history, charged
      assert.equal((await a('DELETE', url(alice.id, 'box'))).status, 409, 'not empty');
      assert.equal((await b('DELETE', `${url(alice.id, 'box')}?delimiter=/`)).status, 403, "only the owner empties a container");
      assert.equal((await a('DELETE', `${url(alice.id, 'box')}?delimiter=/`)).status, 204);
      assert.equal((await a('GET', `${url(alice.id, 'box')}?format=json`)).text, '[]');
      assert.equal((await a('DELETE', url(alice.id, 'box'))).status, 204, 'then it deletes');
      await exact(alice);
      assert.deepEqual(await plane.pithos.housekeeping.reconcileCharges(false), []);
      assert.deepEqual(await plane.pithos.housekeeping.reconcileCounters(false), [], 'container counters match their objects');
    });

    it("container delete (kamaki sends ?until=<seconds with a fraction>) deletes, as Pithos ignores an until that is not whole", async () => {
      await a('PUT', url(alice.id, 'gone'));
      await a('PUT', url(alice.id, 'gone/x'), { body: 'x' });
      const until = `${Date.now() / 1000 + 0.5}`;
      assert.equal((await a('DELETE', `${url(alice.id, 'gone')}?until=${until}`)).status, 409, 'a plain delete: the container is not empty');
      await a('DELETE', url(alice.id, 'gone/x'));
      assert.equal((await a('DELETE', `${url(alice.id, 'gone')}?until=${until}`)).status, 204);
      assert.equal((await a('HEAD', url(alice.id, 'gone'))).status, 404, 'the container is gone');
      await a('PUT', url(alice.id, 'kept'));
      assert.equal((await a('DELETE', `${url(alice.id, 'kept')}?until=${Math.ceil(Date.now() / 1000)}`)).status, 204);
      assert.equal((await a('HEAD', url(alice.id, 'kept'))).status, 204, 'a whole until purges history and keeps the container');
    });

    it('file delete -r (DELETE folder ?delimiter=/) deletes the folder and what is under it, with the caller\'s rights', async () => {
      await a('PUT', url(alice.id, 'tree'));
      await a('PUT', url(alice.id, 'tree/dir'), { headers: { 'content-type': 'application/directory' }, body: '' });
      for (const name of ['dir/x', 'dir/sub/y', 'dirt', 'other']) await a('PUT', url(alice.id, `tree/${name}`), { body: name });
      // kamaki file delete /tree/dir -r --yes: HEAD, a listing of what is under it, the DELETE.
      assert.equal((await a('HEAD', url(alice.id, 'tree/dir'))).status, 200);
      assert.equal((await a('GET', `${url(alice.id, 'tree')}?prefix=dir/&format=json`)).status, 200);
      assert.equal((await b('DELETE', `${url(alice.id, 'tree/dir')}?delimiter=/`)).status, 403, 'bob may not write there');
      assert.equal((await a('DELETE', `${url(alice.id, 'tree/dir')}?delimiter=/`)).status, 204);
      assert.equal((await a('GET', url(alice.id, 'tree'))).text, 'dirt\nother\n', 'dirt is not under dir/');
      assert.equal((await a('DELETE', `${url(alice.id, 'tree/dir')}?delimiter=/`)).status, 404);
      await exact(alice);

      // A write grantee on a folder deletes only what it may write below it (the closest grant wins).
      await a('PUT', url(alice.id, 'tree/dir'), { headers: { 'content-type': 'application/directory' }, body: '', });
      await a('POST', url(alice.id, 'tree/dir'), { headers: { 'x-object-sharing': `write=${bob.id}` } });
      await a('PUT', url(alice.id, 'tree/dir/readonly'), { body: '1', headers: { 'x-object-sharing': `read=${bob.id}` } });
      await a('PUT', url(alice.id, 'tree/dir/plain'), { body: '2' });
      assert.equal((await b('DELETE', `${url(alice.id, 'tree/dir')}?delimiter=/`)).status, 204);
      assert.equal((await a('GET', `${url(alice.id, 'tree')}?prefix=dir/`)).text, 'dir/readonly\n', 'what bob may only read stays');
      assert.equal((await a('HEAD', url(alice.id, 'tree/dir'))).status, 404);
      await exact(alice);
    });
  });
}
