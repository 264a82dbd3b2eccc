// Client-side hashing for Pithos uploads against `openssl dgst -sha256` on the same file,
// measured in one run (median of 5 each, file in the page cache). A re-upload of identical
// data costs hashing plus one hashmap request, so this ratio bounds the goal of
// t(re-upload) / t(openssl) <= 1.25. Usage: node --import tsx bench/storage-hashing.ts [--mib 1024]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hashFile } from '@oceanos/sdk';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' } } });
const mib = Number(values.mib);
const dir = mkdtempSync(join(tmpdir(), 'oceanos-bench-hash-'));
const path = join(dir, 'random.bin');
const chunk = Buffer.alloc(64 * 1024 * 1024);
for (let written = 0; written < mib; written += 64) {
  randomFillSync(chunk);
  writeFileSync(path, chunk.subarray(0, Math.min(64, mib - written) * 1024 * 1024), { flag: written === 0 ? 'w' : 'a' });
}

async function median(runs: number, op: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await op();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

execFileSync('cat', [path], { stdio: ['ignore', 'ignore', 'ignore'] }); // warm the page cache
const openssl = await median(5, () => execFileSync('openssl', ['dgst', '-sha256', path]));
const ours = await median(5, () => hashFile(path));
const single = await median(5, () => hashFile(path, { concurrency: 1 }));
const rate = (ms: number) => `${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
console.log(`${mib} MiB of random data, page cache warm, median of 5`);
console.log(`openssl dgst -sha256 (baseline)      ${openssl.toFixed(0).padStart(6)} ms  ${rate(openssl)}`);
console.log(`hashFile, a thread per core (≤ 4)  ${ours.toFixed(0).padStart(6)} ms  ${rate(ours)}  ratio ${(ours / openssl).toFixed(2)}`);
console.log(`hashFile, one thread               ${single.toFixed(0).padStart(6)} ms  ${rate(single)}  ratio ${(single / openssl).toFixed(2)}`);
console.log('goal (issue 3): whole re-upload <= 1.25x openssl; hashing is most of it');
rmSync(dir, { recursive: true, force: true });
