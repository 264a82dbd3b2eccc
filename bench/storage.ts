// Pithos+ transfer speed against baselines measured in the same run, on one file of random
// data (1 GiB by default):
// - upload MiB/s through `oceanos file upload` and through `swift upload`, divided by the
//   lower of a raw disk write (`dd oflag=direct`) and a plain Node loopback upload; goal ≥ 0.5;
// - the time to upload the same bytes again under a new name, divided by the time
//   `openssl dgst -sha256` takes to read and hash the file; goal ≤ 1.25;
// - download MiB/s (a plain HTTP GET, and `oceanos file download`, which also verifies)
//   over a plain Node loopback download; goal ≥ 0.7.
// A real `oceanos serve` process is started in a temporary data dir next to the file.
// Usage: node --import tsx bench/storage.ts [--mib 1024] [--dir /var/tmp]
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomFillSync } from 'node:crypto';
import { OCEANOS_BIN, startServe } from '../test/e2e/serve-process.ts';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' }, dir: { type: 'string', default: '/var/tmp' } } });
const MIB = Number(values.mib);
const work = mkdtempSync(join(values.dir!, 'oceanos-bench-storage-'));
const file = join(work, 'random.bin');
const bytes = MIB * 1024 * 1024;

function makeFile() {
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  writeFileSync(file, '');
  for (let written = 0; written < bytes; written += chunk.length) {
    randomFillSync(chunk);
    writeFileSync(file, chunk.subarray(0, Math.min(chunk.length, bytes - written)), { flag: 'a' });
  }
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
function timed(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return seconds(start);
}
async function timedAsync(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return seconds(start);
}

/** A plain Node server in its own process: uploads are read and dropped, downloads stream the file. */
async function loopbackServer(): Promise<{ port: number; stop(): void }> {
  const source = `
    const { createServer } = require('node:http');
    const { createReadStream } = require('node:fs');
    const server = createServer((req, res) => {
      if (req.method === 'PUT') { req.on('data', () => {}); req.on('end', () => res.end('ok')); return; }
      createReadStream(${JSON.stringify(file)}, { highWaterMark: 1024 * 1024 }).pipe(res);
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((ok) => child.stdout.once('data', (d) => ok(Number(String(d).trim()))));
  return { port, stop: () => child.kill() };
}

function httpPut(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(url, { method: 'PUT', headers: { 'content-length': String(bytes), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => ok(res.statusCode!));
    });
    req.on('error', fail);
    createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(req);
  });
}

function httpGet(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((ok, fail) => {
    request(url, { headers }, (res) => {
      let received = 0;
      res.on('data', (d: Buffer) => { received += d.length; });
      res.on('end', () => (received === bytes ? ok(res.statusCode!) : fail(new Error(`got ${received} of ${bytes} bytes`))));
    }).on('error', fail).end();
  });
}

console.log(`# Pithos+ storage benchmark: ${MIB} MiB of random data in ${work}`);
makeFile();
execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] }); // warm the page cache

// ---- baselines
const ddSeconds = timed(() => execFileSync('dd', [`if=${file}`, `of=${join(work, 'dd.out')}`, 'bs=4M', 'oflag=direct'], { stdio: 'ignore' }));
rmSync(join(work, 'dd.out'));
const openssl = timed(() => execFileSync('openssl', ['dgst', '-sha256', file], { stdio: 'ignore' }));
const loopback = await loopbackServer();
const loopUp = await timedAsync(() => httpPut(`http://127.0.0.1:${loopback.port}/`));
const loopDown = await timedAsync(() => httpGet(`http://127.0.0.1:${loopback.port}/`));
loopback.stop();
const mibps = (s: number) => MIB / s;
const uploadBaseline = Math.min(mibps(ddSeconds), mibps(loopUp));

// ---- oceanos
const serve = await startServe(join(work, 'data'));
try {
  const openrc = readFileSync(join(work, 'data', 'admin-openrc.sh'), 'utf8');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: work };
  for (const m of openrc.matchAll(/^export (\w+)=(.*)$/gm)) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
  const account = env.OS_PROJECT_ID!;
  const oceanos = (...args: string[]) => execFileSync(process.execPath, [OCEANOS_BIN, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const token = execFileSync(process.execPath, [OCEANOS_BIN, 'user', 'authenticate', '--output', 'json'], { env, encoding: 'utf8' });
  const auth = { 'x-auth-token': JSON.parse(token).id as string };
  oceanos('container', 'create', 'bench');

  const cliUpload = timed(() => oceanos('file', 'upload', file, '/bench/cli.bin', '--no-progress'));
  // The MD5 of a hashmap upload is computed after it, in the background; let it finish so
  // that it does not slow the next measure down.
  await httpGet(`${serve.url}/object-store/v1/${account}/bench/cli.bin`, auth);
  const again = timed(() => oceanos('file', 'upload', file, '/bench/again.bin', '--no-progress'));
  const swiftUpload = timed(() => execFileSync('swift', ['upload', 'bench', file, '--object-name', 'swift.bin'], { env, stdio: 'ignore' }));
  const objectUrl = `${serve.url}/object-store/v1/${account}/bench/cli.bin`;
  const httpDown = await timedAsync(() => httpGet(objectUrl, auth));
  const cliDown = timed(() => oceanos('file', 'download', '/bench/cli.bin', join(work, 'down.bin'), '--no-progress'));
  if (statSync(join(work, 'down.bin')).size !== bytes) throw new Error('download size differs');

  const row = (what: string, value: string, ratio: number, goal: string, met: boolean) =>
    console.log(`| ${what} | ${value} | ${ratio.toFixed(2)} | ${goal} | ${met ? 'yes' : 'NO'} |`);
  console.log(`\nbaselines: dd oflag=direct ${mibps(ddSeconds).toFixed(0)} MiB/s, Node loopback upload ${mibps(loopUp).toFixed(0)} MiB/s, ` +
    `Node loopback download ${mibps(loopDown).toFixed(0)} MiB/s, openssl dgst -sha256 ${openssl.toFixed(2)} s\n`);
  console.log('| measure | value | ratio | goal | met |\n|---|---|---|---|---|');
  row('upload, oceanos file upload', `${mibps(cliUpload).toFixed(0)} MiB/s`, mibps(cliUpload) / uploadBaseline, '≥ 0.5 of min(dd, loopback)', mibps(cliUpload) / uploadBaseline >= 0.5);
  row('upload, swift upload', `${mibps(swiftUpload).toFixed(0)} MiB/s`, mibps(swiftUpload) / uploadBaseline, '≥ 0.5 of min(dd, loopback)', mibps(swiftUpload) / uploadBaseline >= 0.5);
  row('same bytes again, new name', `${again.toFixed(2)} s`, again / openssl, '≤ 1.25 × openssl', again / openssl <= 1.25);
  row('download, HTTP GET', `${mibps(httpDown).toFixed(0)} MiB/s`, mibps(httpDown) / mibps(loopDown), '≥ 0.7 of loopback', mibps(httpDown) / mibps(loopDown) >= 0.7);
  row('download, oceanos file download (verified)', `${mibps(cliDown).toFixed(0)} MiB/s`, mibps(cliDown) / mibps(loopDown), '≥ 0.7 of loopback', mibps(cliDown) / mibps(loopDown) >= 0.7);
} finally {
  await serve.stop();
  rmSync(work, { recursive: true, force: true });
}
