// Reference values computed with Python's hashlib following Pithos' hashmap.py.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { it } from 'node:test';
import { createHash } from 'node:crypto';
import { BLOCK_SIZE, blockCount, blockHash, blockHashAsync, blockLength, merkleRoot, splitBlocks } from './pithos-hashing.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

it('hashes a block with its trailing zero bytes trimmed', () => {
  assert.equal(blockHash(Buffer.concat([Buffer.from('hello'), Buffer.alloc(10)])), '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  assert.equal(blockHash(Buffer.alloc(BLOCK_SIZE)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'a zero block hashes as empty');
  assert.equal(blockHash(Buffer.from([0, 1, 0])), createHash('sha256').update(Buffer.from([0, 1])).digest('hex'), 'only trailing zeros go');
});

it('computes the Merkle root as Pithos does', () => {
  assert.equal(merkleRoot([]), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(merkleRoot([sha('a')]), sha('a'));
  assert.equal(merkleRoot([sha('a'), sha('b')]), 'e5a01fee14e0ed5c48714f22180f25ad8365b53f9779f79dc4a3d7e93963f94a');
  assert.equal(merkleRoot([sha('a'), sha('b'), sha('c')]), 'd0a664079d491a97357efa1ce1eab5aeb566adef78a2b910e8d13e901e192832');
  const five = [1, 2, 3, 4, 5].map((i) => createHash('sha256').update(Buffer.from([i])).digest('hex'));
  assert.equal(merkleRoot(five), 'f9c06ef4758cd525a1806dc9fd5922ae423bccad512f454a59022009a6ad730f');
});

it('cuts a stream into 4 MiB blocks whatever the chunk sizes', async () => {
  const data = Buffer.concat([Buffer.alloc(BLOCK_SIZE).map((_, i) => i % 256), Buffer.from('xyz')]);
  const chunks = [data.subarray(0, 1000), data.subarray(1000, BLOCK_SIZE + 1), data.subarray(BLOCK_SIZE + 1)];
  const blocks: Buffer[] = [];
  for await (const block of splitBlocks(Readable.from(chunks))) blocks.push(block);
  assert.deepEqual(blocks.map((b) => b.length), [BLOCK_SIZE, 3]);
  const hashes = blocks.map(blockHash);
  assert.deepEqual(hashes, ['2b07811057df887086f06a67edc6ebf911de8b6741156e7a2eb1416a4b8b1b2e', '3608bca1e44ea6c4d268eb6db02260269892c0b42b86bbf1e77a6fa16c3c9282']);
  assert.equal(merkleRoot(hashes), '3591d0ebb461ef47ef9180e10897963478114b9baf06b62fdf9dede6046634ea');
  const none: Buffer[] = [];
  for await (const block of splitBlocks(Readable.from([]))) none.push(block);
  assert.equal(none.length, 0, 'an empty object has no blocks');
});

it('derives block lengths from the object size', () => {
  assert.equal(blockCount(0), 0);
  assert.equal(blockCount(1), 1);
  assert.equal(blockCount(BLOCK_SIZE), 1);
  assert.equal(blockCount(BLOCK_SIZE + 1), 2);
  assert.equal(blockLength(BLOCK_SIZE + 3, 0), BLOCK_SIZE);
  assert.equal(blockLength(BLOCK_SIZE + 3, 1), 3);
});

it('hashes the same off the event loop', async () => {
  for (const block of [Buffer.from('hello\0\0'), Buffer.alloc(64), Buffer.from([0, 7, 0, 0])]) {
    assert.equal(await blockHashAsync(block), blockHash(block));
  }
});
