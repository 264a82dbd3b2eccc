// Swift's wire details, in-process on both databases (the differential suite in
// test/swift-compare checks the same against a real Swift where one is installed): content
// types on empty answers, swob's error pages, X-Storage-Policy, metadata names with `_`,
// empty metadata values, what a copy answers, reverse listings and account delimiters.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { callAs, storageUrl as url, type Call, type TestUser } from './helpers/pithos.ts';

for (const database of await testDatabases()) {
  describe(`Swift wire details on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let alice: TestUser;
    let a: Call;
    before(async () => {
      plane = await startPlane(await database.create());
      alice = await plane.createUser('alice');
      a = callAs(plane, alice);
    });
    after(async () => { await plane?.close(); });

    it('puts a content type and a length on every answer, and words errors as swob does', async () => {
      const created = await a('PUT', url(alice.id, 'c'));
      assert.equal(created.headers['content-type'], 'text/html; charset=UTF-8');
      assert.equal(created.headers['content-length'], '0');
      const again = await a('PUT', url(alice.id, 'c'));
      assert.equal(again.status, 202);
      assert.equal(again.text, '<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>');
      const head = await a('HEAD', url(alice.id, 'c'));
      assert.equal(head.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(head.headers['x-storage-policy'], 'Policy-0');
      const missing = await a('GET', url(alice.id, 'c/nothing'));
      assert.equal(missing.status, 404);
      assert.equal(missing.headers['content-type'], 'text/html; charset=UTF-8');
      assert.equal(missing.text, '<html><h1>Not Found</h1><p>The resource could not be found.</p></html>');
      const anonymous = await plane.call('GET', url(alice.id));
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers['www-authenticate'], `Swift realm="${alice.id}"`);
      assert.equal((await a('GET', `${url(alice.id, 'c')}?limit=10001`)).status, 412);
    });

    it('stores metadata names with _ as -, keeps empty object values, and answers a copy with the metadata', async () => {
      await a('PUT', url(alice.id, 'c/o'), { body: 'x', headers: { 'x-object-meta-snake_case': 'v', 'x-object-meta-empty': '' } });
      const head = await a('HEAD', url(alice.id, 'c/o'));
      assert.equal(head.headers['x-object-meta-snake-case'], 'v');
      assert.equal(head.headers['x-object-meta-empty'], '');
      await a('POST', url(alice.id, 'c'), { headers: { 'x-container-meta-a_b': '1', 'x-container-meta-gone': '' } });
      const container = await a('HEAD', url(alice.id, 'c'));
      assert.equal(container.headers['x-container-meta-a-b'], '1');
      assert.equal(container.headers['x-container-meta-gone'], undefined);
      const copy = await a('COPY', url(alice.id, 'c/o'), { headers: { destination: '/c/copy', 'x-object-meta-more': 'm' } });
      assert.equal(copy.status, 201);
      assert.equal(copy.headers['x-object-meta-snake-case'], 'v');
      assert.equal(copy.headers['x-object-meta-more'], 'm');
      assert.equal(copy.headers['x-copied-from'], 'c/o');
      assert.equal(copy.headers['x-copied-from-account'], alice.id);
    });

    it('lists in reverse, and folds container names at a delimiter', async () => {
      await a('PUT', url(alice.id, 'r'));
      for (const name of ['a', 'b/1', 'b/2', 'c']) await a('PUT', url(alice.id, `r/${name}`), { body: name });
      assert.equal((await a('GET', `${url(alice.id, 'r')}?reverse=true`)).text, 'c\nb/2\nb/1\na\n');
      assert.equal((await a('GET', `${url(alice.id, 'r')}?reverse=true&delimiter=/`)).text, 'c\nb/\na\n');
      assert.equal((await a('GET', `${url(alice.id, 'r')}?reverse=true&marker=b/2&limit=2`)).text, 'b/1\na\n');
      await a('PUT', url(alice.id, 'r-2'));
      assert.equal((await a('GET', `${url(alice.id)}?delimiter=-`)).text, 'c\nr\nr-\n');
      assert.deepEqual((await a('GET', `${url(alice.id)}?delimiter=-&format=json&reverse=true`)).body.map((e: { name?: string; subdir?: string }) => e.name ?? e.subdir), ['r-', 'r', 'c']);
    });
  });
}
