// Regression tests: a hashmap PUT that listed hashes the server held succeeded for any account,
// so a hash read once (a shared file's hashmap, later unshared) or guessed was a permanent
// capability to its content, and 409-or-201 told whether anyone stored a file. Now an account
// names only blocks it references already or has just uploaded; the store still keeps each
// block once, and copies of what the caller may read stay free.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BLOCK_SIZE, blockHash } from '@oceanos/contract';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { callAs, storageUrl as url, storedBlocks, type Call, type TestUser } from './helpers/pithos.ts';

const hashmapOf = (data: Buffer) => {
  const hashes: string[] = [];
  for (let offset = 0; offset < data.length; offset += BLOCK_SIZE) hashes.push(blockHash(data.subarray(offset, offset + BLOCK_SIZE)));
  return { bytes: data.length, hashes };
};
const asText = { 'content-type': 'text/plain' };
const octets = { 'content-type': 'application/octet-stream' };

for (const database of await testDatabases()) {
  describe(`block possession on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let dataDir = '';
    let alice: TestUser;
    let bob: TestUser;
    let a: Call;
    let b: Call;
    const secret = randomBytes(BLOCK_SIZE + 1000);
    before(async () => {
      plane = await startPlane(await database.create(), (c) => { dataDir = c.dataDir; });
      [alice, bob] = [await plane.createUser('alice'), await plane.createUser('bob')];
      [a, b] = [callAs(plane, alice), callAs(plane, bob)];
      await a('PUT', url(alice.id, 'private'));
      await a('PUT', url(alice.id, 'private/salaries.xls'), { body: secret });
      await b('PUT', url(bob.id, 'mine'));
    });
    after(async () => { await plane?.close(); });

    const putHashmap = (call: Call, account: string, path: string, hashmap: object) =>
      call('PUT', `${url(account, path)}?hashmap&format=json`, { body: JSON.stringify(hashmap), headers: asText });

    it('knowing the hashes of a file is not enough to get it', async () => {
      const stolen = await putHashmap(b, bob.id, 'mine/copy', hashmapOf(secret));
      assert.equal(stolen.status, 409);
      assert.deepEqual(stolen.body, hashmapOf(secret).hashes, 'every block must be sent, stored or not');
      assert.equal((await b('GET', url(bob.id, 'mine/copy'))).status, 404);
    });

    it('the answer does not tell whether anyone stores a file', async () => {
      const unknown = randomBytes(2000);
      const stored = await putHashmap(b, bob.id, 'mine/probe', hashmapOf(secret.subarray(0, 2000)));
      const absent = await putHashmap(b, bob.id, 'mine/probe', hashmapOf(unknown));
      assert.deepEqual([stored.status, absent.status], [409, 409]);
      assert.equal(stored.body.length, absent.body.length);
    });

    it('an account names at once the blocks it references, and stores nothing twice', async () => {
      const again = await putHashmap(a, alice.id, 'private/salaries-copy.xls', hashmapOf(secret));
      assert.equal(again.status, 201, 'the owner references them already');
      // Bob, who really has the bytes, sends them: the server keeps them once.
      const blocks = storedBlocks(dataDir).size;
      const missing = (await putHashmap(b, bob.id, 'mine/own', hashmapOf(secret))).body as string[];
      for (const hash of missing) {
        const index = hashmapOf(secret).hashes.indexOf(hash);
        const posted = await b('POST', url(bob.id, 'mine'), { body: secret.subarray(index * BLOCK_SIZE, (index + 1) * BLOCK_SIZE), headers: octets });
        assert.deepEqual(posted.body, [hash]);
      }
      assert.equal((await putHashmap(b, bob.id, 'mine/own', hashmapOf(secret))).status, 201);
      assert.equal(storedBlocks(dataDir).size, blocks, 'deduplicated');
      assert.equal((await putHashmap(b, bob.id, 'mine/own-2', hashmapOf(secret))).status, 201, 'now bob references them');
    });

    it('a hashmap read through a share stops working when the share ends', async () => {
      const shared = randomBytes(5000);
      await a('PUT', url(alice.id, 'private/shared.txt'), { body: shared, headers: { 'x-object-sharing': `read=${bob.id}` } });
      const hashmap = (await b('GET', `${url(alice.id, 'private/shared.txt')}?hashmap&format=json`)).body;
      await a('POST', url(alice.id, 'private/shared.txt'), { headers: { 'x-object-sharing': '' } });
      assert.equal((await putHashmap(b, bob.id, 'mine/kept', { bytes: hashmap.bytes, hashes: hashmap.hashes })).status, 409);
    });

    it('a copy of what the caller may read stays free, and then the caller possesses it', async () => {
      const shared = randomBytes(7000);
      await a('PUT', url(alice.id, 'private/gift.txt'), { body: shared, headers: { 'x-object-sharing': `read=${bob.id}` } });
      const blocks = storedBlocks(dataDir).size;
      const copy = await b('PUT', url(bob.id, 'mine/gift.txt'), { headers: { 'x-copy-from': '/private/gift.txt', 'x-source-account': alice.id } });
      assert.equal(copy.status, 201);
      assert.equal(storedBlocks(dataDir).size, blocks);
      assert.equal((await putHashmap(b, bob.id, 'mine/gift-2.txt', hashmapOf(shared))).status, 201);
    });

    it('a write grant does not let a sharee plant blocks of the owner it does not possess', async () => {
      const diary = randomBytes(3000);
      await a('PUT', url(alice.id, 'private/diary'), { body: diary });
      await a('PUT', url(alice.id, 'private/inbox'), { body: 'drop here', headers: { 'x-object-sharing': `write=${bob.id}` } });
      const planted = await putHashmap(b, alice.id, 'private/inbox', hashmapOf(diary));
      assert.equal(planted.status, 409);
      assert.equal((await b('GET', url(alice.id, 'private/inbox'))).text, 'drop here');
    });
  });
}
