import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { blockHash } from '@oceanos/contract';
import { BlockBuffers } from './block-buffers.ts';
import { LocalBlockStore } from './local-block-store.ts';

const TMP = mkdtempSync(join(tmpdir(), 'oceanos-buffers-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

async function* chunksOf(data: Buffer, sizes: number[]) {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield data.subarray(at, at + n);
    at += n;
  }
}

it('cuts chunks of any size into blocks, reusing released memory', async () => {
  const pool = new BlockBuffers(1000);
  const data = randomBytes(3500);
  const blocks = [];
  for await (const block of pool.split(chunksOf(data, [1, 333, 999, 2000]))) {
    blocks.push(Buffer.from(block.data));
    block.release();
    block.release(); // twice is once
  }
  assert.deepEqual(blocks.map((b) => b.length), [1000, 1000, 1000, 500]);
  assert.deepEqual(Buffer.concat(blocks), data);
  const reused = pool.take();
  assert.equal(reused.length, 1000);
  assert.ok(reused.buffer instanceof SharedArrayBuffer, 'hash workers read blocks in place');
});

it('gives back the block being filled when the stream fails', async () => {
  const pool = new BlockBuffers(1000);
  async function* failing() {
    yield Buffer.alloc(10, 1);
    throw new Error('client gone');
  }
  await assert.rejects(async () => { for await (const block of pool.split(failing())) block.release(); }, /client gone/);
  const first = pool.take();
  assert.equal(first.length, 1000, 'a buffer is there to be reused');
});

it('writes pooled blocks directly where the file system allows, and reads every size back', async () => {
  const root = join(TMP, 'blocks');
  const store = new LocalBlockStore(root, undefined, 4 * 1024 * 1024);
  const sizes = [4 * 1024 * 1024, 4 * 1024 * 1024 - 100, 100 * 1024 + 7, 5000, 1];
  for (const size of sizes) {
    const pooled = store.buffers.take().subarray(0, size);
    randomBytes(size).copy(pooled);
    pooled[size - 1] = 7; // no trailing zeros: the stored file is the whole block
    const hash = await store.put(pooled, blockHash(pooled));
    assert.deepEqual(readFileSync(join(root, hash.slice(0, 2), hash.slice(2, 4), hash)), Buffer.from(pooled), `${size} bytes`);
    assert.deepEqual(await store.get(hash, size), Buffer.from(pooled));
    store.buffers.give(pooled);
  }
  // tmpfs takes no direct I/O; the disks these tests run on do.
  const TMPFS_MAGIC = 0x01021994;
  if (statfsSync(root).type !== TMPFS_MAGIC) assert.ok(store.buffers.isAligned(store.buffers.take()), 'pooled memory is aligned for direct I/O');
});
