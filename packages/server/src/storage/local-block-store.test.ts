import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { BlockNotFoundError } from './block-store.ts';
import { blockHash } from '@oceanos/contract';
import { LocalBlockStore } from './local-block-store.ts';
import { DiskSpace, InsufficientStorage } from '../fs/disk-space.ts';

// Scratch directories live under one root, removed when this file's tests end.
const TMP = mkdtempSync(join(tmpdir(), 'oceanos-blocks-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

const fresh = () => {
  const root = join(mkdtempSync(join(TMP, 'store-')), 'blocks');
  return { root, store: new LocalBlockStore(root, undefined, 1024) };
};

it('stores a block once under its hash, trimmed, and reads it back padded', async () => {
  const { root, store } = fresh();
  const block = Buffer.concat([Buffer.from('data'), Buffer.alloc(20)]);
  const hash = await store.put(block);
  assert.equal(hash, blockHash(block));
  const path = join(root, hash.slice(0, 2), hash.slice(2, 4), hash);
  assert.equal(statSync(path).size, 4, 'trailing zeros are not stored');
  assert.deepEqual(await store.get(hash, 24), block);
  assert.deepEqual(await store.get(hash, 4), Buffer.from('data'));
  assert.equal(await store.put(Buffer.from('data')), hash, 'the same content trimmed is the same block');
  assert.deepEqual(readdirSync(join(root, 'tmp')), [], 'no temporary files are left');
});

it('reports missing blocks and refuses unknown or malformed names', async () => {
  const { store } = fresh();
  const a = await store.put(Buffer.from('a'));
  const b = blockHash(Buffer.from('b'));
  assert.deepEqual(await store.missing([a, b, b]), [b]);
  assert.deepEqual(await store.touch([a, b]), [b]);
  await assert.rejects(store.get(b, 1), BlockNotFoundError);
  await assert.rejects(store.get('../../etc/passwd', 1), BlockNotFoundError);
  assert.deepEqual(await store.missing(['not-a-hash']), ['not-a-hash'], 'malformed names are never present');
});

it('refuses a block larger than the block size', async () => {
  const { store } = fresh();
  await assert.rejects(store.put(Buffer.alloc(1025, 1)), RangeError);
});

it('lists stored blocks and deletes them, ignoring stray files', async () => {
  const { root, store } = fresh();
  const hashes = await Promise.all(['x', 'y', 'z'].map((s) => store.put(Buffer.from(s))));
  mkdirSync(join(root, 'ab', 'cd'), { recursive: true });
  writeFileSync(join(root, 'ab', 'cd', 'junk'), 'x');
  const listed = [];
  for await (const b of store.list()) listed.push(b.hash);
  assert.deepEqual(listed.sort(), [...hashes].sort());
  await store.delete(hashes[0]!);
  assert.deepEqual(await store.missing(hashes), [hashes[0]]);
  await store.delete(hashes[0]!);
});

it('stores many equal blocks concurrently as one', async () => {
  const { store } = fresh();
  const results = await Promise.all(Array.from({ length: 20 }, () => store.put(Buffer.from('same'))));
  assert.equal(new Set(results).size, 1);
  const listed = [];
  for await (const b of store.list()) listed.push(b.hash);
  assert.equal(listed.length, 1);
});

it('refuses a new block that would eat into the reserve, and still takes blocks it holds', async () => {
  const root = join(mkdtempSync(join(TMP, 'store-')), 'blocks');
  mkdirSync(root, { recursive: true });
  const known = await new LocalBlockStore(root, undefined, 1024).put(Buffer.from('known'));
  const free = (await new DiskSpace(root, 0).report()).freeBytes;
  const full = new LocalBlockStore(root, new DiskSpace(root, free + 1), 1024);
  await assert.rejects(full.put(Buffer.from('new')), (error) => error instanceof InsufficientStorage && error.status === 507);
  assert.equal(await full.put(Buffer.from('known')), known, 'a block stored already costs no space');
  assert.deepEqual(readdirSync(join(root, 'tmp')), []);
});
