// Regression tests for what a share showed beyond what was shared: the history written before
// the share, the whole container's count and bytes in the sharee's account listing, and a 403
// for a container that exists against a 404 for one that does not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { callAs, storageUrl as url, type Call, type TestUser } from './helpers/pithos.ts';

for (const database of await testDatabases()) {
  describe(`what a share shows on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let a: Call;
    let b: Call;
    let c: Call;
    before(async () => {
      plane = await startPlane(await database.create());
      [alice, bob, carol] = [await plane.createUser('alice'), await plane.createUser('bob'), await plane.createUser('carol')];
      [a, b, c] = [callAs(plane, alice), callAs(plane, bob), callAs(plane, carol)];
      await a('PUT', url(alice.id, 'docs'));
    });
    after(async () => { await plane?.close(); });

    const write = async (name: string, body: string) => Number((await a('PUT', url(alice.id, `docs/${name}`), { body })).headers['x-object-version']);
    const versionsSeenBy = async (call: Call, name: string) =>
      ((await call('GET', `${url(alice.id, `docs/${name}`)}?version=list&format=json`)).body?.versions ?? []).map((v: [number, number]) => v[0]);

    it('a sharee does not read the versions written before the share', async () => {
      const v1 = await write('plan', 'first draft, with the salaries');
      const v2 = await write('plan', 'second draft');
      await a('POST', url(alice.id, 'docs/plan'), { headers: { 'x-object-sharing': `read=${bob.id}` } });
      assert.equal((await b('GET', url(alice.id, 'docs/plan'))).text, 'second draft');
      assert.equal((await b('GET', `${url(alice.id, 'docs/plan')}?version=${v1}`)).status, 404);
      assert.deepEqual(await versionsSeenBy(b, 'plan'), [v2]);
      await b('PUT', url(bob.id, 'mine'));
      const copy = await b('PUT', url(bob.id, 'mine/stolen'), { headers: { 'x-copy-from': '/docs/plan', 'x-source-account': alice.id, 'x-source-version': String(v1) } });
      assert.equal(copy.status, 404);
      assert.deepEqual(await versionsSeenBy(a, 'plan'), [v1, v2], 'the owner sees all of it');

      const v3 = await write('plan', 'third draft');
      assert.deepEqual(await versionsSeenBy(b, 'plan'), [v2, v3], 'the version current at the share, and later ones');
      assert.equal((await b('GET', `${url(alice.id, 'docs/plan')}?version=${v2}`)).text, 'second draft');

      // Sharing with one more user keeps bob's share as it was; carol's starts now.
      await a('POST', url(alice.id, 'docs/plan'), { headers: { 'x-object-sharing': `read=${bob.id},${carol.id}` } });
      assert.deepEqual(await versionsSeenBy(b, 'plan'), [v2, v3]);
      assert.deepEqual(await versionsSeenBy(c, 'plan'), [v3]);

      // Unless the owner shares history explicitly.
      await a('POST', url(alice.id, 'docs/plan'), { headers: { 'x-object-sharing': `read=${bob.id}`, 'x-object-share-history': 'true' } });
      assert.deepEqual(await versionsSeenBy(b, 'plan'), [v1, v2, v3]);
      assert.equal((await b('GET', `${url(alice.id, 'docs/plan')}?version=${v1}`)).text, 'first draft, with the salaries');
      assert.equal((await a('POST', url(alice.id, 'docs/plan'), { headers: { 'x-object-sharing': `read=${bob.id}`, 'x-object-share-history': 'maybe' } })).status, 400);
    });

    it('a folder share shows the history of the names below it from the share on', async () => {
      await a('PUT', url(alice.id, 'docs/team'), { body: '', headers: { 'content-type': 'application/directory' } });
      await write('team/notes', 'before');
      const after = await write('team/notes', 'current');
      await a('POST', url(alice.id, 'docs/team'), { headers: { 'x-object-sharing': `read=${carol.id}` } });
      assert.deepEqual(await versionsSeenBy(c, 'team/notes'), [after]);
      const later = await write('team/new', 'written after the share');
      assert.deepEqual(await versionsSeenBy(c, 'team/new'), [later]);
    });

    it("a sharee's account listing counts only what is shared", async () => {
      await a('PUT', url(alice.id, 'mixed'));
      await a('PUT', url(alice.id, 'mixed/private-1'), { body: 'x'.repeat(1000) });
      await a('PUT', url(alice.id, 'mixed/private-2'), { body: 'y'.repeat(2000) });
      await a('PUT', url(alice.id, 'mixed/shared'), { body: 'z'.repeat(7), headers: { 'x-object-sharing': `read=${bob.id}` } });
      const listing = (await b('GET', `${url(alice.id)}?format=json`)).body as { name: string; count: number; bytes: number }[];
      const mixed = listing.find((entry) => entry.name === 'mixed');
      assert.deepEqual({ count: mixed?.count, bytes: mixed?.bytes }, { count: 1, bytes: 7 });
      const own = (await a('GET', `${url(alice.id)}?format=json`)).body.find((entry: { name: string }) => entry.name === 'mixed');
      assert.deepEqual({ count: own.count, bytes: own.bytes }, { count: 3, bytes: 3007 });
      const head = await b('HEAD', url(alice.id, 'mixed'));
      assert.equal(head.headers['x-container-object-count'], undefined);
    });

    it('a container the caller may not see and a missing one answer alike', async () => {
      await a('PUT', url(alice.id, 'private'));
      await a('PUT', url(alice.id, 'private/object'), { body: 'hidden' });
      for (const [method, suffix, body] of [['HEAD', ''], ['GET', '?format=json'], ['PUT', '/new', 'data'], ['GET', '/object'], ['POST', '', undefined]] as const) {
        const existing = await b(method, `${url(alice.id, 'private')}${suffix}`, { body });
        const missing = await b(method, `${url(alice.id, 'no-such-container')}${suffix}`, { body });
        assert.equal(existing.status, 403, `${method} ${suffix} on an existing container`);
        assert.deepEqual([missing.status, missing.text], [existing.status, existing.text], `${method} ${suffix} tells nothing`);
      }
      assert.equal((await a('GET', `${url(alice.id, 'no-such-container')}?format=json`)).status, 404, 'the owner hears 404');
    });
  });
}
