import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { blockHash } from '@oceanos/contract/pithos-hashing';
import { hashFile } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'oceanos-hash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('computes the Pithos hashmap of a file (reference values from hashlib)', async () => {
  const path = join(dir, 'two-blocks');
  const data = Buffer.concat([Buffer.alloc(4 * 1024 * 1024).map((_, i) => i % 256), Buffer.from('xyz')]);
  writeFileSync(path, data);
  const progress: number[] = [];
  const map = await hashFile(path, { onProgress: (n) => progress.push(n) });
  assert.equal(map.bytes, data.length);
  assert.deepEqual(map.hashes, ['2b07811057df887086f06a67edc6ebf911de8b6741156e7a2eb1416a4b8b1b2e', '3608bca1e44ea6c4d268eb6db02260269892c0b42b86bbf1e77a6fa16c3c9282']);
  assert.equal(map.root, '3591d0ebb461ef47ef9180e10897963478114b9baf06b62fdf9dede6046634ea');
  assert.equal(progress.at(-1), data.length);
});

test('keeps block order with many blocks hashed at once', async () => {
  const path = join(dir, 'many');
  writeFileSync(path, Buffer.concat(Array.from({ length: 9 }, (_, i) => Buffer.alloc(1000, i + 1))).subarray(0, 8500));
  const map = await hashFile(path, { blockSize: 1000, concurrency: 3 });
  assert.equal(map.hashes.length, 9);
  const again = await hashFile(path, { blockSize: 1000, concurrency: 1 });
  assert.deepEqual(map, again);
});

test('hashes an empty file as Pithos does', async () => {
  const path = join(dir, 'empty');
  writeFileSync(path, '');
  assert.deepEqual(await hashFile(path), { bytes: 0, hashes: [], root: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
});

test('hashes blocks in worker threads exactly as the contract does, trailing zeros trimmed', async () => {
  const path = join(dir, 'zeros');
  const data = Buffer.concat([Buffer.alloc(600, 7), Buffer.alloc(1400), Buffer.from('tail'), Buffer.alloc(996), Buffer.alloc(1000)]);
  writeFileSync(path, data);
  for (const concurrency of [1, 2, 5]) {
    const map = await hashFile(path, { blockSize: 1000, concurrency });
    assert.equal(map.bytes, data.length);
    assert.deepEqual(map.hashes, [0, 1, 2, 3].map((i) => blockHash(data.subarray(i * 1000, (i + 1) * 1000))));
  }
});
