// Pithos+ transfer speed, side by side with OpenStack Swift 2.30 (Debian's packages, started
// here by test/swift-compare/swift-peer.sh when installed) and against this machine's limits,
// all measured in the same run on files of fresh random data (1 GiB by default), so that no
// upload is helped by blocks an earlier one stored:
// - `curl -T` PUT and `swift upload` through oceanos over the same client against Swift: ≥ 1.5;
// - `oceanos file upload` over `swift upload` against Swift: ≥ 2;
// - every upload path over the durable write limit, the block store's own pattern (4 MiB
//   blocks written, fsynced and renamed by LocalBlockStore) at its best parallelism: ≥ 0.5
//   for the CLI;
// - the same data again under a new name over `openssl dgst -sha256` of it: ≤ 1.25;
// - verified `oceanos file download` over a plain Node loopback GET: ≥ 0.7; `curl` GET over
//   Swift's: ≥ 2.
// Each oceanos upload also prints the server's CPU-seconds per GiB (all its threads).
// Usage: node --import tsx bench/storage.ts [--mib 1024] [--dir /var/tmp] [--no-swift]
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { blockHash } from '@oceanos/contract';
import { LocalBlockStore } from '../packages/server/src/storage/local-block-store.ts';
import { OCEANOS_BIN, adminToken, readOpenrc, startServe } from '../test/e2e/serve-process.ts';

const { values } = parseArgs({ options: {
  mib: { type: 'string', default: '1024' }, dir: { type: 'string', default: '/var/tmp' }, 'no-swift': { type: 'boolean', default: false },
} });
const MIB = Number(values.mib);
const BYTES = MIB * 1024 * 1024;
const BLOCK = 4 * 1024 * 1024;
const work = mkdtempSync(join(values.dir!, 'oceanos-bench-storage-'));
// Swift's servers drop to the swift user, who must reach their configs below this folder.
execFileSync('chmod', ['755', work]);
const file = (name: string) => join(work, `${name}.bin`);

function makeFile(path: string) {
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  writeFileSync(path, '');
  for (let written = 0; written < BYTES; written += chunk.length) {
    randomFillSync(chunk);
    writeFileSync(path, chunk.subarray(0, Math.min(chunk.length, BYTES - written)), { flag: 'a' });
  }
  execFileSync('cat', [path], { stdio: ['ignore', 'ignore', 'inherit'] }); // in the page cache, as for every reader
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
async function timed(run: () => unknown): Promise<number> {
  execFileSync('sync');
  const start = process.hrtime.bigint();
  await run();
  return seconds(start);
}
const mibps = (s: number) => MIB / s;

/** CPU-seconds (user + system, all threads) a process has used so far. */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The block store's own durable write pattern on new blocks, `parallel` at a time: MiB/s. */
async function durableWrites(parallel: number): Promise<number> {
  const store = new LocalBlockStore(join(work, `durable-${parallel}`));
  // Made and hashed before the clock starts: hashing is the store's caller's work.
  const blocks = Array.from({ length: BYTES / BLOCK }, () => randomFillSync(store.buffers.take()));
  const hashes = blocks.map((b) => blockHash(b));
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let i = next++; i < blocks.length; i = next++) await store.put(blocks[i]!, hashes[i]);
  }));
  const took = seconds(start);
  rmSync(join(work, `durable-${parallel}`), { recursive: true, force: true });
  return mibps(took);
}

/** A plain Node server in its own process that streams a file: the loopback GET baseline. */
async function loopbackGet(path: string): Promise<number> {
  const source = `
    const { createServer } = require('node:http');
    const { createReadStream } = require('node:fs');
    const server = createServer((req, res) => createReadStream(${JSON.stringify(path)}, { highWaterMark: 1024 * 1024 }).pipe(res));
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((ok) => child.stdout.once('data', (d) => ok(Number(String(d).trim()))));
  try {
    return await timed(() => httpGet(`http://127.0.0.1:${port}/`));
  } finally {
    child.kill();
  }
}

function httpGet(url: string, headers: Record<string, string> = {}): Promise<void> {
  return new Promise((ok, fail) => {
    request(url, { headers }, (res) => {
      let received = 0;
      res.on('data', (d: Buffer) => { received += d.length; });
      res.on('end', () => (received === BYTES ? ok() : fail(new Error(`GET ${url}: ${res.statusCode}, ${received} of ${BYTES} bytes`))));
    }).on('error', fail).end();
  });
}

/** A Swift-API endpoint: its storage URL and a token. */
interface Endpoint { url: string; token: string }

const curlPut = (at: Endpoint, path: string, object: string) => {
  const code = execFileSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-T', path, '-H', `x-auth-token: ${at.token}`, `${at.url}/bench/${object}`], { encoding: 'utf8' });
  if (code !== '201') throw new Error(`curl PUT ${object}: ${code}`);
};
const swiftUpload = (at: Endpoint, path: string, object: string) =>
  execFileSync('swift', ['--os-storage-url', at.url, '--os-auth-token', at.token, 'upload', 'bench', path, '--object-name', object], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '', HOME: work } });

// ---- data and baselines
console.log(`# Pithos+ storage benchmark: ${MIB} MiB of random data per file, in ${work}`);
for (const name of ['curl', 'swift', 'cli']) makeFile(file(name));
let durable = 0;
for (const parallel of [1, 4, 8]) durable = Math.max(durable, await durableWrites(parallel));
const openssl = await timed(() => execFileSync('openssl', ['dgst', '-sha256', file('cli')], { stdio: 'ignore' }));
const loopback = await loopbackGet(file('curl'));

// ---- Swift, when installed
interface Figures { curlPut: number; swiftUpload: number; curlGet: number }
let swift: Figures | undefined;
const peer = join(import.meta.dirname, '..', 'test', 'swift-compare', 'swift-peer.sh');
const peerEnv = { ...process.env, SWIFT_PEER_DIR: join(work, 'swift'), SWIFT_PEER_PORT: '18280' };
if (values['no-swift'] || !existsSync('/usr/bin/swift-proxy-server')) {
  console.log('# Swift is not installed here (apt-get install swift swift-proxy swift-account swift-container swift-object memcached): its columns are left out');
} else {
  mkdirSync(peerEnv.SWIFT_PEER_DIR);
  const base = execFileSync('bash', [peer, 'start'], { env: peerEnv, encoding: 'utf8' }).trim();
  try {
    const auth = await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    const at = { url: auth.headers.get('x-storage-url')!, token: auth.headers.get('x-auth-token')! };
    await fetch(`${at.url}/bench`, { method: 'PUT', headers: { 'x-auth-token': at.token } });
    swift = {
      curlPut: await timed(() => curlPut(at, file('curl'), 'curl.bin')),
      swiftUpload: await timed(() => swiftUpload(at, file('swift'), 'swift.bin')),
      curlGet: await timed(() => httpGet(`${at.url}/bench/curl.bin`, { 'x-auth-token': at.token })),
    };
  } finally {
    execFileSync('bash', [peer, 'stop'], { env: peerEnv, stdio: 'inherit' });
  }
}

// ---- oceanos
const serve = await startServe(join(work, 'data'));
const cpu: Record<string, number> = {};
/** Times `run` and records the server's CPU-seconds per GiB under `name`. */
async function measured(name: string, run: () => unknown): Promise<number> {
  const before = cpuOf(serve.child.pid!);
  const took = await timed(run);
  cpu[name] = (cpuOf(serve.child.pid!) - before) * 1024 / MIB;
  return took;
}
try {
  const env: Record<string, string> = { ...readOpenrc(join(work, 'data', 'admin-openrc.sh')), PATH: process.env.PATH ?? '', HOME: work };
  const at = { url: `${serve.url}/object-store/v1/${env.OS_PROJECT_ID}`, token: await adminToken(serve.url, join(work, 'data')) };
  await fetch(`${at.url}/bench`, { method: 'PUT', headers: { 'x-auth-token': at.token } });
  const oceanos = (...args: string[]) => execFileSync(process.execPath, [OCEANOS_BIN, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  oceanos('user', 'authenticate');

  const ours = {
    curlPut: await measured('curl PUT', () => curlPut(at, file('curl'), 'curl.bin')),
    swiftUpload: await measured('swift upload', () => swiftUpload(at, file('swift'), 'swift.bin')),
    cliUpload: await measured('oceanos file upload', () => oceanos('file', 'upload', file('cli'), '/bench/cli.bin', '--no-progress')),
  };
  // A hashmap upload's MD5 is computed after it, in the background: let it end first.
  await httpGet(`${at.url}/bench/cli.bin`, { 'x-auth-token': at.token });
  const again = await measured('same data again', () => oceanos('file', 'upload', file('cli'), '/bench/again.bin', '--no-progress'));
  const curlGet = await measured('curl GET', () => httpGet(`${at.url}/bench/curl.bin`, { 'x-auth-token': at.token }));
  const download = join(work, 'down.bin');
  const cliDown = await measured('oceanos file download', () => oceanos('file', 'download', '/bench/cli.bin', download, '--no-progress'));
  if (createHash('sha256').update(readFileSync(download)).digest('hex') !== createHash('sha256').update(readFileSync(file('cli'))).digest('hex')) {
    throw new Error('the downloaded file differs');
  }
  rmSync(download);

  console.log(`\nbaselines: durable 4 MiB block writes (LocalBlockStore, best of 1/4/8 at a time) ${durable.toFixed(0)} MiB/s, ` +
    `openssl dgst -sha256 ${openssl.toFixed(2)} s, Node loopback GET ${mibps(loopback).toFixed(0)} MiB/s` +
    (swift ? `\nSwift 2.30: curl PUT ${mibps(swift.curlPut).toFixed(0)} MiB/s, swift upload ${mibps(swift.swiftUpload).toFixed(0)} MiB/s, curl GET ${mibps(swift.curlGet).toFixed(0)} MiB/s` : ''));
  console.log(`oceanos server CPU-seconds per GiB: ${Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}\n`);
  console.log('| measure | oceanos | ratio | goal | met |\n|---|---|---|---|---|');
  const row = (what: string, value: string, ratio: number | undefined, goal: string, met?: (r: number) => boolean) =>
    console.log(`| ${what} | ${value} | ${ratio === undefined ? '—' : ratio.toFixed(2)} | ${goal} | ${ratio === undefined ? '(no Swift)' : !met ? '' : met(ratio) ? 'yes' : 'NO'} |`);
  const speed = (s: number) => `${mibps(s).toFixed(0)} MiB/s`;
  row('curl -T PUT, over Swift\'s', speed(ours.curlPut), swift && swift.curlPut / ours.curlPut, '≥ 1.5', (r) => r >= 1.5);
  row('swift upload, over Swift\'s', speed(ours.swiftUpload), swift && swift.swiftUpload / ours.swiftUpload, '≥ 1.5', (r) => r >= 1.5);
  row('oceanos file upload, over swift upload to Swift', speed(ours.cliUpload), swift && swift.swiftUpload / ours.cliUpload, '≥ 2', (r) => r >= 2);
  for (const [what, s] of [['curl -T PUT', ours.curlPut], ['swift upload', ours.swiftUpload]] as const) {
    row(`${what}, over the durable write limit`, speed(s), mibps(s) / durable, '(reported)');
  }
  row('oceanos file upload, over the durable write limit', speed(ours.cliUpload), mibps(ours.cliUpload) / durable, '≥ 0.5', (r) => r >= 0.5);
  row('same data again under a new name, over openssl', `${again.toFixed(2)} s`, again / openssl, '≤ 1.25', (r) => r <= 1.25);
  row('oceanos file download (verified), over loopback GET', speed(cliDown), loopback / cliDown, '≥ 0.7', (r) => r >= 0.7);
  row('curl GET, over Swift\'s', speed(curlGet), swift && swift.curlGet / curlGet, '≥ 2', (r) => r >= 2);
} finally {
  await serve.stop();
  rmSync(work, { recursive: true, force: true });
}
