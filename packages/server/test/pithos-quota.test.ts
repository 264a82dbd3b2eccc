// Regression tests: with a 1 MiB pithos.diskspace limit a user stored 178 MiB in seconds. Block
// uploads had no quota check, a chunked PUT over quota stored everything before its 413, and
// overwrites and delete/re-create cycles left blocks that were never charged nor collected.
// Now nobody makes the server store more than their quota allows, a refused or abandoned
// upload leaves nothing behind, and the charge equals what the account keeps.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { BLOCK_SIZE, blockHash } from '@oceanos/contract';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { callAs, diskspace, keptBytes, referencedBlocks, setDiskspace, storageUrl as url, storedBlocks, type Call, type TestUser } from './helpers/pithos.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const octets = { 'content-type': 'application/octet-stream' };

/**
 * Streams `total` bytes as a chunked PUT, a MiB at a time, and stops sending once the answer
 * comes; returns its status and how many bytes had been sent by then.
 */
function chunkedPut(port: number, path: string, token: string, total: number): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    // No keep-alive: the server may close a connection whose body it refused.
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path, agent: false, headers: { 'x-auth-token': token, 'transfer-encoding': 'chunked' } }, (res) => {
      answered = true;
      res.resume();
      const done = () => resolve({ status: res.statusCode ?? 0, sent });
      res.on('end', done);
      res.on('close', done);
    });
    // The server reads on and discards what comes after its answer (a lingering close), so a
    // client still writing when the answer comes never sees a reset (EPIPE, ECONNRESET).
    req.on('error', reject);
    const pump = () => {
      if (answered || sent >= total) return void req.end();
      sent += MiB;
      req.write(randomBytes(MiB), () => setTimeout(pump, 5));
    };
    pump();
  });
}

for (const database of await testDatabases()) {
  describe(`storage within the quota on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let dataDir = '';
    let port = 0;
    let eve: TestUser;
    let e: Call;
    before(async () => {
      plane = await startPlane(await database.create(), (c) => { dataDir = c.dataDir; c.storage.gcGraceSeconds = 0; c.storage.uploadIdleSeconds = 2; });
      await plane.app.listen({ host: '127.0.0.1', port: 0 });
      port = (plane.app.server.address() as { port: number }).port;
      eve = await plane.createUser('eve');
      e = callAs(plane, eve);
      await e('PUT', url(eve.id, 'c'));
    });
    after(async () => { await plane?.close(); });

    /** Waits until every upload has ended and the store holds only what versions reference. */
    const settled = async () => {
      for (let i = 0; i < 100; i++) {
        const uploads = await plane.database.db.selectFrom('pithos_uploads').select('id').execute();
        if (uploads.length === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await plane.collector.sweep();
    };

    it('a block upload over the quota is refused before it is stored', async () => {
      await setDiskspace(plane, eve, MiB);
      const first = randomBytes(600 * KiB);
      const posted = await e('POST', url(eve.id, 'c'), { body: first, headers: octets });
      assert.equal(posted.status, 202);
      assert.equal((await diskspace(plane, eve)).pending, 600 * KiB, 'a posted block is reserved until a hashmap names it');
      const blocks = storedBlocks(dataDir).size;
      const second = await e('POST', url(eve.id, 'c'), { body: randomBytes(600 * KiB), headers: octets });
      assert.equal(second.status, 413);
      assert.equal(storedBlocks(dataDir).size, blocks, 'the refused block was not stored');
      const hashmap = { bytes: first.length, hashes: [blockHash(first)] };
      assert.equal((await e('PUT', `${url(eve.id, 'c/posted')}?hashmap&format=json`, { body: JSON.stringify(hashmap), headers: { 'content-type': 'text/plain' } })).status, 201);
      assert.deepEqual(await diskspace(plane, eve), { ...(await diskspace(plane, eve)), usage: 600 * KiB, pending: 0 });
      await e('DELETE', url(eve.id, 'c/posted'));
    });

    it('posted blocks that no hashmap names are released when the session goes quiet', async () => {
      await setDiskspace(plane, eve, 8 * MiB);
      const before = storedBlocks(dataDir);
      const [hash] = (await e('POST', url(eve.id, 'c'), { body: randomBytes(300 * KiB), headers: octets })).body;
      assert.ok(storedBlocks(dataDir).has(hash));
      await settled();
      assert.equal((await diskspace(plane, eve)).pending, 0);
      assert.deepEqual(storedBlocks(dataDir), before, 'the block is gone within the lease, not a day later');
    });

    it('a chunked PUT over the quota is refused as soon as it passes the limit, and leaves nothing', async () => {
      await setDiskspace(plane, eve, 5 * MiB);
      const before = storedBlocks(dataDir);
      const put = await chunkedPut(port, url(eve.id, 'c/flood'), eve.token, 64 * MiB);
      assert.equal(put.status, 413);
      // Socket buffers let the client run some MiB ahead of what the server has read.
      assert.ok(put.sent < 48 * MiB, `answered after ${put.sent / MiB} MiB of 64, not at the end`);
      await settled();
      assert.equal((await e('HEAD', url(eve.id, 'c/flood'))).status, 404);
      assert.deepEqual(await diskspace(plane, eve), { ...(await diskspace(plane, eve)), usage: 0, pending: 0 });
      assert.deepEqual(storedBlocks(dataDir), before);
      const fits = await chunkedPut(port, url(eve.id, 'c/fits'), eve.token, 4 * MiB);
      assert.equal(fits.status, 201, 'a chunked upload within the quota is fine');
      assert.equal((await diskspace(plane, eve)).usage, 4 * MiB);
      await e('DELETE', url(eve.id, 'c/fits'));
    });

    it('an upload ended for want of progress takes no more blocks and leaves no reservation', async () => {
      await setDiskspace(plane, eve, 64 * MiB);
      const upload = await plane.pithos.writer.begin({ account: eve.id, container: 'c', name: 'slow' }, null);
      await plane.database.db.updateTable('pithos_uploads').set({ expires_at: new Date(0).toISOString() }).where('id', '=', upload.id).execute();
      await plane.pithos.housekeeping.endDeadUploads();
      async function* body() { yield randomBytes(5 * MiB); }
      await assert.rejects(plane.pithos.writer.storeStream(body(), upload), /abandoned/);
      assert.deepEqual(await plane.database.db.selectFrom('pithos_held_blocks').selectAll().execute(), []);
      assert.equal((await diskspace(plane, eve)).pending, 0);
    });

    it('overwrites, copies, moves, deletes and aborts keep the charge equal to what is kept', async () => {
      await setDiskspace(plane, eve, 200 * MiB);
      await e('PUT', url(eve.id, 'flat'), { headers: { 'x-container-policy-versioning': 'none' } });
      const random = mulberry32(20261204);
      const names = ['a', 'b', 'c', 'd'];
      const containers = ['c', 'flat'];
      const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
      const body = () => randomBytes(Math.floor(random() * 2.5 * BLOCK_SIZE));
      for (let step = 0; step < 60; step++) {
        const where = `${pick(containers)}/${pick(names)}`;
        switch (Math.floor(random() * 7)) {
          case 0: case 1: await e('PUT', url(eve.id, where), { body: body() }); break;
          case 2: await e('PUT', url(eve.id, where), { headers: { 'x-copy-from': `/${pick(containers)}/${pick(names)}` } }); break;
          case 3: await e('PUT', url(eve.id, where), { headers: { 'x-move-from': `/${pick(containers)}/${pick(names)}` } }); break;
          case 4: await e('DELETE', url(eve.id, where)); break;
          case 5: await e('PUT', url(eve.id, where), { body: body(), headers: { etag: '0'.repeat(32) } }); break; // refused: 422
          default: await e('DELETE', `${url(eve.id, where)}?until=${Math.ceil(Date.now() / 1000)}`); break; // purges history
        }
      }
      await settled();
      const quota = await diskspace(plane, eve);
      assert.equal(quota.pending, 0);
      assert.equal(quota.usage, await keptBytes(plane, eve.id), 'the charge is what the account keeps');
      const referenced = await referencedBlocks(plane);
      const stored = storedBlocks(dataDir);
      assert.deepEqual([...stored].filter((h) => !referenced.has(h)), [], 'nothing unreferenced is left');
      assert.deepEqual([...referenced].filter((h) => !stored.has(h) && h !== blockHash(Buffer.alloc(0))), [], 'nothing referenced is lost');
      assert.deepEqual(await plane.pithos.housekeeping.reconcileCharges(false), []);
      assert.deepEqual(await plane.pithos.housekeeping.reconcileCounters(false), [], 'container counters match their objects');
    });

    it('recounts containers whose counters differ from their objects', async () => {
      await plane.database.db.updateTable('pithos_containers').set({ object_count: 999 }).where('account', '=', eve.id).execute();
      const drift = await plane.pithos.housekeeping.reconcileCounters(false);
      assert.ok(drift.length > 0 && drift.every((d) => d.account === eve.id && d.recorded.count === 999 && d.kept.count !== 999), JSON.stringify(drift));
      await plane.pithos.housekeeping.reconcileCounters(true);
      assert.deepEqual(await plane.pithos.housekeeping.reconcileCounters(false), []);
      const head = await e('HEAD', url(eve.id, 'flat'));
      assert.notEqual(head.headers['x-container-object-count'], '999');
    });
  });
}

/** A small seeded generator, so that a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
