import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { BackendError, type ImageSource } from '../backend.ts';
import { ImageCache } from './image-cache.ts';

const TMP = mkdtempSync(join(tmpdir(), 'oceanos-image-cache-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

const unused = async () => new Set<string>();

const fresh = () => {
  const dir = join(mkdtempSync(join(TMP, 'cache-')), 'images');
  return { dir, cache: new ImageCache(dir, { limitBytes: 0, inUse: unused }) };
};

/** An image of `bytes` served in 100 KiB chunks, counting how often it is read; `fail` breaks the read after the first chunk. */
function source(bytes: Buffer, options: { format?: 'raw' | 'qcow2'; fail?: Error; size?: number } = {}) {
  const image = {
    contentKey: createHash('sha256').update(bytes).digest('hex'),
    format: options.format ?? 'raw',
    size: options.size ?? bytes.length,
    reads: 0,
    async *read() {
      image.reads++;
      for (let at = 0; at < bytes.length; at += 100 * 1024) {
        if (at > 0 && options.fail) throw options.fail;
        await new Promise((ok) => setImmediate(ok));
        yield bytes.subarray(at, at + 100 * 1024);
      }
    },
  } satisfies ImageSource & { reads: number };
  return image;
}

const random = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919) % 251));

it('copies an image once, under its content key and format', async () => {
  const { dir, cache } = fresh();
  const bytes = random(300 * 1024);
  const image = source(bytes, { format: 'qcow2' });
  const path = await cache.base(image);
  assert.equal(path, join(dir, `${image.contentKey}.qcow2`));
  assert.deepEqual(readFileSync(path), bytes);
  assert.equal(await cache.base(image), path);
  assert.equal(await new ImageCache(dir, { limitBytes: 0, inUse: unused }).base(image), path, 'a new cache finds the copy on disk');
  assert.equal(image.reads, 1);
  assert.deepEqual(readdirSync(join(dir, 'tmp')), [], 'no temporary file is left');
});

it('shares one write among concurrent calls for one image', async () => {
  const { dir, cache } = fresh();
  const image = source(random(500 * 1024));
  const paths = await Promise.all(Array.from({ length: 8 }, () => cache.base(image)));
  assert.equal(new Set(paths).size, 1);
  assert.equal(image.reads, 1);
  assert.deepEqual(readdirSync(dir).sort(), [`${image.contentKey}.raw`, 'tmp']);
});

it('leaves no file when the read fails, and copies on the next call', async () => {
  const { dir, cache } = fresh();
  const bytes = random(400 * 1024);
  const broken = source(bytes, { fail: new Error('object store went away') });
  const both = await Promise.allSettled([cache.base(broken), cache.base(broken)]);
  assert.deepEqual(both.map((r) => r.status === 'rejected' && (r.reason as Error).message), ['object store went away', 'object store went away']);
  assert.equal(broken.reads, 1, 'concurrent callers share the failure too');
  assert.deepEqual(readdirSync(dir), ['tmp']);
  assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
  const path = await cache.base(source(bytes));
  assert.deepEqual(readFileSync(path), bytes);
});

it('refuses an image whose bytes do not come to its size', async () => {
  const { dir, cache } = fresh();
  const image = source(random(1000), { size: 2000 });
  await assert.rejects(cache.base(image), (e) => e instanceof BackendError && e.code === 'failed' && /1000 bytes/.test(e.message));
  assert.deepEqual(readdirSync(dir), ['tmp']);
});

it('reports a full disk as insufficient resources and removes the partial copy', async () => {
  const { dir, cache } = fresh();
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const image = source(random(300 * 1024), { fail: full });
  await assert.rejects(cache.base(image), (e) => e instanceof BackendError && e.code === 'insufficientResources');
  assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
  assert.deepEqual(readdirSync(dir), ['tmp']);
});

it('keeps runs of zeros as holes, with the bytes intact', async () => {
  const { cache } = fresh();
  const bytes = Buffer.alloc(8 * 1024 * 1024);
  bytes.write('boot sector', 0);
  bytes.write('tail', bytes.length - 4);
  const path = await cache.base(source(bytes));
  assert.deepEqual(readFileSync(path), bytes);
  assert.equal(statSync(path).size, bytes.length);
  assert.ok(statSync(path).blocks * 512 < 1024 * 1024, `8 MiB of mostly zeros take ${statSync(path).blocks * 512} bytes`);
});

it('refuses content keys and formats that are not plain names', async () => {
  const { cache } = fresh();
  for (const contentKey of ['../../etc/passwd', 'a/b', '', '.hidden']) {
    await assert.rejects(cache.base({ ...source(Buffer.from('x')), contentKey }), BackendError);
  }
  await assert.rejects(cache.base({ ...source(Buffer.from('x')), format: 'vmdk' as 'raw' }), BackendError);
});

it('removes at start every temporary file a run that died left (regression: they stayed an hour)', async () => {
  const dir = join(mkdtempSync(join(TMP, 'cache-')), 'images');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'tmp', 'killed-copy.partial'), 'x');
  const cache = new ImageCache(dir, { limitBytes: 0, inUse: unused });
  await cache.base(source(Buffer.from('image')));
  assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
});

it('leaves at start the copy another process sharing the directory is writing (regression: a start removed every temporary file)', async () => {
  const dir = join(mkdtempSync(join(TMP, 'cache-')), 'images');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const live = spawn('sleep', ['30']);
  const dead = spawnSync('true').pid!;
  try {
    writeFileSync(join(dir, 'tmp', `abc.${live.pid}.0a1b`), 'being written');
    writeFileSync(join(dir, 'tmp', `abc.${dead}.0a1b`), 'left by a killed writer');
    writeFileSync(join(dir, 'tmp', `abc.${process.pid}.0a1b`), 'left by an earlier run with our pid');
    writeFileSync(join(dir, 'tmp', `abc.${live.pid}.0c1d`), 'stale, of a pid reused since');
    const longAgo = new Date(Date.now() - 2 * 3600 * 1000);
    utimesSync(join(dir, 'tmp', `abc.${live.pid}.0c1d`), longAgo, longAgo);
    const cache = new ImageCache(dir, { limitBytes: 0, inUse: unused });
    await cache.base(source(Buffer.from('image')));
    assert.deepEqual(readdirSync(join(dir, 'tmp')), [`abc.${live.pid}.0a1b`]);
  } finally {
    live.kill();
  }
});

it('evicts the least recently used bases beyond its limit, never one a VM uses or a create holds (regression: never pruned)', async () => {
  const dir = join(mkdtempSync(join(TMP, 'cache-')), 'images');
  const inUse = new Set<string>();
  const cache = new ImageCache(dir, { limitBytes: 3 * 128 * 1024, inUse: async () => inUse });
  const images = [1, 2, 3, 4].map((n) => source(Buffer.alloc(128 * 1024, n)));
  const paths: string[] = [];
  for (const [i, image] of images.entries()) {
    paths.push(await cache.base(image));
    cache.release(paths[i]!);
    const at = new Date(Date.now() - (10 - i) * 60_000);
    utimesSync(paths[i]!, at, at);
    if (i === 0) inUse.add(paths[0]!);
  }
  // Four bases over a limit of three: the oldest unused one (the second) went; the first is a VM's.
  assert.deepEqual(paths.map((p) => existsSync(p)), [true, false, true, true]);
  const held = await cache.base(images[2]!);
  const report = await cache.report();
  assert.deepEqual([report.bases, report.limitBytes], [3, 3 * 128 * 1024]);
  await cache.prune(0);
  assert.deepEqual(paths.map((p) => existsSync(p)), [true, false, true, false], 'in use and held stay even at a limit of 0');
  cache.release(held);
  await cache.prune(0);
  assert.deepEqual(paths.map((p) => existsSync(p)), [true, false, false, false]);
});

it('makes room for a copy by evicting unused bases, and says when even that is not enough', async () => {
  const dir = join(mkdtempSync(join(TMP, 'cache-')), 'images');
  let free = 10 * 1024 * 1024;
  const space = { reserveBytes: 1024 * 1024, report: async () => ({ totalBytes: 0, freeBytes: free, reserveBytes: 1024 * 1024 }) };
  const cache = new ImageCache(dir, { limitBytes: 0, inUse: unused, space });
  const old = await cache.base(source(Buffer.alloc(256 * 1024, 9)));
  cache.release(old);
  free = 1024 * 1024 + 100 * 1024; // room for 100 KiB above the reserve
  const evicting = cache.base(source(Buffer.alloc(200 * 1024, 8)));
  await assert.rejects(evicting, (e) => e instanceof BackendError && e.code === 'insufficientResources', 'the fake free space does not grow');
  assert.equal(existsSync(old), false, 'the unused base went first');
});
