// uploadFile and downloadFile against an in-memory Pithos (fake-pithos.ts): which blocks go
// over the wire, resuming, and verification. The same flows run against the real server in
// storage.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OceanosClient, TransferError, partPath, type TransferProgress } from '@oceanos/sdk';
import { FakePithos } from './fake-pithos.ts';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'oceanos-transfer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function setup() {
  const fake = new FakePithos();
  const storage = new OceanosClient({ url: 'http://pithos.test', token: 't', fetch: fake.fetch }).storage.forAccount('acct');
  return { fake, storage };
}

function file(name: string, data: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

test('a 9 MiB file goes up as three blocks, the last one short, several at once', async () => {
  const { fake, storage } = setup();
  const data = randomBytes(9 * MiB);
  const progress: TransferProgress[] = [];
  const result = await storage.uploadFile(file('nine', data), 'c', 'nine.bin', { concurrency: 3, onProgress: (p) => progress.push(p) });
  assert.deepEqual({ blocks: result.blocks, blocksSent: result.blocksSent, bytesSent: result.bytesSent, bytes: result.bytes }, { blocks: 3, blocksSent: 3, bytesSent: 9 * MiB, bytes: 9 * MiB });
  assert.deepEqual([...fake.posts].sort((a, b) => a - b), [MiB, 4 * MiB, 4 * MiB]);
  assert.equal(fake.maxPostsInFlight, 3);
  assert.ok(fake.read(fake.objects.get('c/nine.bin')!).equals(data));
  assert.deepEqual(progress.at(-1), { phase: 'uploading', done: 9 * MiB, total: 9 * MiB });
  assert.ok(progress.some((p) => p.phase === 'hashing' && p.done === 9 * MiB && p.total === 9 * MiB));
});

test('uploading the same content again, or with one block changed, sends only what is missing', async () => {
  const { fake, storage } = setup();
  const data = randomBytes(9 * MiB);
  await storage.uploadFile(file('orig', data), 'c', 'a');
  fake.posts.length = 0;
  const again = await storage.uploadFile(file('copy', data), 'c', 'b');
  assert.deepEqual([again.blocksSent, again.bytesSent, fake.posts.length], [0, 0, 0]);

  const changed = Buffer.from(data);
  changed[5 * MiB] = 255 - changed[5 * MiB]!;
  const third = await storage.uploadFile(file('changed', changed), 'c', 'c');
  assert.deepEqual([third.blocksSent, third.bytesSent], [1, 4 * MiB]);
  assert.ok(fake.read(fake.objects.get('c/c')!).equals(changed));
});

test('repeated and all-zero blocks are sent once; an empty file sends nothing', async () => {
  const { fake, storage } = setup();
  const block = randomBytes(4 * MiB);
  const data = Buffer.concat([block, block, Buffer.alloc(4 * MiB), Buffer.from('tail')]);
  const result = await storage.uploadFile(file('repeats', data), 'c', 'r');
  assert.deepEqual([result.blocks, result.blocksSent], [4, 3]);
  assert.ok(fake.read(fake.objects.get('c/r')!).equals(data));
  const empty = await storage.uploadFile(file('empty', Buffer.alloc(0)), 'c', 'e');
  assert.deepEqual([empty.blocks, empty.bytesSent], [0, 0]);
  assert.equal(fake.objects.get('c/e')?.contentType, '', 'no type: the server guesses one from the name');
});

test('a download is byte-identical and lands under its name only once verified', async () => {
  const { storage } = setup();
  const data = randomBytes(9 * MiB + 17);
  await storage.uploadFile(file('src', data), 'c', 'obj');
  const target = join(dir, 'downloaded');
  const result = await storage.downloadFile('c', 'obj', target);
  assert.ok(readFileSync(target).equals(data));
  assert.deepEqual([result.bytes, result.bytesReceived, result.resumedFrom], [data.length, data.length, 0]);
  assert.equal(existsSync(partPath(target)), false);
});

test('resume keeps the whole blocks that match and fetches the rest with a Range', async () => {
  const { storage } = setup();
  const data = randomBytes(10 * MiB);
  await storage.uploadFile(file('r-src', data), 'c', 'obj');
  const target = join(dir, 'resumed');

  // An interrupted download left 6 MiB in FILE.part: the first block is kept, the partial second refetched.
  writeFileSync(partPath(target), data.subarray(0, 6 * MiB));
  const result = await storage.downloadFile('c', 'obj', target, { resume: true });
  assert.deepEqual([result.resumedFrom, result.bytesReceived], [4 * MiB, 6 * MiB]);
  assert.ok(readFileSync(target).equals(data));

  // The file itself, truncated and with a damaged second block: only the first block is kept.
  const damaged = Buffer.from(data.subarray(0, 9 * MiB));
  damaged[4 * MiB + 10] = 255 - damaged[4 * MiB + 10]!;
  writeFileSync(target, damaged);
  const again = await storage.downloadFile('c', 'obj', target, { resume: true });
  assert.deepEqual([again.resumedFrom, again.bytesReceived], [4 * MiB, 6 * MiB]);
  assert.ok(readFileSync(target).equals(data));

  // Complete already, or longer than the object: nothing is fetched.
  writeFileSync(target, Buffer.concat([data, Buffer.from('junk')]));
  const complete = await storage.downloadFile('c', 'obj', target, { resume: true });
  assert.deepEqual([complete.resumedFrom, complete.bytesReceived], [10 * MiB, 0]);
  assert.ok(readFileSync(target).equals(data));

  // Without resume, a stale part file is ignored.
  writeFileSync(partPath(target), 'stale');
  truncateSync(target, 0);
  const fresh = await storage.downloadFile('c', 'obj', target);
  assert.equal(fresh.bytesReceived, data.length);
  assert.ok(readFileSync(target).equals(data));
});

test('a download that does not match the hashmap fails and leaves no file', async () => {
  const { fake, storage } = setup();
  await storage.uploadFile(file('bad-src', randomBytes(MiB)), 'c', 'obj');
  fake.corruptDownloads = true;
  const target = join(dir, 'bad');
  await assert.rejects(storage.downloadFile('c', 'obj', target), TransferError);
  assert.equal(existsSync(target), false);
  assert.equal(existsSync(partPath(target)), false);
});

test('a download that stalls fails after the idle timeout, keeping its part for resume', async () => {
  const { fake, storage } = setup();
  const data = randomBytes(9 * MiB);
  await storage.uploadFile(file('stall-src', data), 'c', 'obj');
  const target = join(dir, 'stalled');
  fake.stallAfter = 5 * MiB;
  await assert.rejects(storage.downloadFile('c', 'obj', target, { idleTimeoutMs: 200 }), (e: unknown) =>
    e instanceof TransferError && /no data for 0.2 s; download again with resume/.test(e.message));
  assert.equal(readFileSync(partPath(target)).length, 5 * MiB);
  fake.stallAfter = undefined;
  const resumed = await storage.downloadFile('c', 'obj', target, { resume: true });
  assert.deepEqual([resumed.resumedFrom, resumed.bytesReceived], [4 * MiB, 5 * MiB]);
  assert.ok(readFileSync(target).equals(data));
});

test('a 404 on download is an ApiError', async () => {
  const { storage } = setup();
  await assert.rejects(storage.downloadFile('c', 'missing', join(dir, 'missing')), { name: 'ApiError', status: 404 });
});
