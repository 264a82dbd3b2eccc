import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, it } from 'node:test';
import { blockHash } from '@oceanos/contract';
import { HashWorkers } from './hash-workers.ts';

const workers = new HashWorkers(2);
after(() => workers.close());

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

it('hashes blocks in shared memory, owned memory and pool slices, trimming trailing zeros', async () => {
  const data = Buffer.concat([randomBytes(1024 * 1024), Buffer.alloc(4096)]);
  const shared = Buffer.from(new SharedArrayBuffer(data.length + 64), 64, data.length);
  data.copy(shared);
  const slice = Buffer.concat([Buffer.alloc(16), data]).subarray(16);
  assert.equal(await workers.sha256(shared), blockHash(data));
  assert.equal(await workers.sha256(slice), blockHash(data));
  assert.equal(await workers.sha256(Buffer.from(data)), blockHash(data));
  assert.equal(await workers.sha256(Buffer.from('small')), blockHash(Buffer.from('small')), 'small blocks hash on the spot');
  assert.deepEqual(shared, data, 'shared memory is read, not taken');
});

it('computes an MD5 over pieces in order, on a worker or on the spot', async () => {
  const big = randomBytes(3 * 1024 * 1024);
  const stream = workers.md5();
  const pieces = [big.subarray(0, 1024 * 1024), big.subarray(1024 * 1024, 2 * 1024 * 1024), big.subarray(2 * 1024 * 1024)];
  await Promise.all(pieces.map((p) => stream.update(Buffer.from(p))));
  assert.equal(await stream.digest(), md5(big));
  const small = workers.md5();
  await small.update(Buffer.from('hello '));
  await small.update(Buffer.from(big)); // once on the spot, always on the spot
  assert.equal(await small.digest(), md5(Buffer.concat([Buffer.from('hello '), big])));
  assert.equal(await workers.md5().digest(), md5(Buffer.alloc(0)));
  const dropped = workers.md5();
  await dropped.update(Buffer.from(big));
  await dropped.abandon();
  // Concurrent streams on the same workers do not mix.
  const streams = Array.from({ length: 5 }, () => workers.md5());
  const inputs = streams.map(() => randomBytes(600 * 1024));
  await Promise.all(streams.map((s, i) => s.update(Buffer.from(inputs[i]!))));
  assert.deepEqual(await Promise.all(streams.map((s) => s.digest())), inputs.map(md5));
});
