// The differential suite: every sequence of sequences.ts is replayed to a real OpenStack
// Swift 2.30 (Debian's packages, started by swift-peer.sh) and to oceanos, and each answer
// must match Swift's in status, header names and values, and body (diff.ts says what may
// differ). Skipped, with the reason, where Swift is not installed (scripts/setup.sh --test
// installs it). SWIFT_COMPARE_REPORT=1 prints every difference instead of stopping at one.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startPlane, type TestPlane } from '../../packages/server/test/helpers/control-plane.ts';
import { differences, normalise, type Answer } from './diff.ts';
import { SEQUENCES, type Step } from './sequences.ts';

const exec = promisify(execFile);
const script = join(dirname(fileURLToPath(import.meta.url)), 'swift-peer.sh');
const report = process.env.SWIFT_COMPARE_REPORT === '1';

interface Target { base: string; account: string; token: string }

function send(target: Target, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  const url = new URL(`${target.base}/${target.account}${path}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode!, headers: out, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Deletes every object, container and account metadata item: each sequence starts empty. */
async function wipe(target: Target) {
  const auth = { 'x-auth-token': target.token };
  const containers = JSON.parse((await send(target, 'GET', '?format=json', auth)).body || '[]') as { name: string }[];
  for (const c of containers) {
    const cpath = `/${encodeURIComponent(c.name)}`;
    for (;;) {
      const objects = JSON.parse((await send(target, 'GET', `${cpath}?format=json`, auth)).body || '[]') as { name: string }[];
      if (objects.length === 0) break;
      for (const o of objects) await send(target, 'DELETE', `${cpath}/${o.name.split('/').map(encodeURIComponent).join('/')}`, auth);
    }
    await send(target, 'DELETE', cpath, auth);
  }
  const headers = (await send(target, 'HEAD', '', auth)).headers;
  const remove = Object.keys(headers).filter((h) => h.startsWith('x-account-meta-')).map((h) => [h.replace('x-account-meta-', 'x-remove-account-meta-'), 'x']);
  if (remove.length) await send(target, 'POST', '', { ...auth, ...Object.fromEntries(remove) });
}

async function replay(target: Target, step: Step): Promise<Answer> {
  const swap = (text: string) => text.split('{account}').join(target.account);
  const headers = Object.fromEntries(Object.entries(step.headers ?? {}).map(([k, v]) => [k, swap(v)]));
  if (step.token !== 'none') headers['x-auth-token'] = step.token === 'bad' ? 'AUTH_tk0000000000000000000000000000000' : target.token;
  return send(target, step.method, step.path, headers, step.body === undefined ? undefined : swap(step.body));
}

async function startSwift(dir: string): Promise<{ base: string } | { skip: string }> {
  try {
    const { stdout } = await exec('bash', [script, 'start'], { env: { ...process.env, SWIFT_PEER_DIR: dir }, timeout: 120_000 });
    return { base: stdout.trim().split('\n').pop()! };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    if (e.code === 3) return { skip: `OpenStack Swift is not installed (${e.stderr?.trim()}); scripts/setup.sh --test installs it` };
    await exec('bash', [script, 'stop'], { env: { ...process.env, SWIFT_PEER_DIR: dir } }).catch(() => undefined);
    throw new Error(`Swift did not start: ${e.stderr ?? error}`);
  }
}

const peerDir = mkdtempSync(join(tmpdir(), 'oceanos-swift-peer-'));
const started = Date.now();
const peer = await startSwift(peerDir);
const skip = 'skip' in peer ? peer.skip : undefined;
if (skip) process.stderr.write(`# skipping the Swift differential suite: ${skip}\n`);
else process.stderr.write(`# Swift started in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

describe('Swift API: oceanos answers as OpenStack Swift 2.30 does', { skip }, () => {
  let plane: TestPlane;
  let swift: Target;
  let oceanos: Target;
  let found = 0;
  let knownFound = 0;
  let compareDir: string | undefined;
  before(async () => {
    const base = (peer as { base: string }).base;
    const auth = await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': 'test:tester', 'x-auth-key': 'testing' } });
    swift = { base: `${base}/v1`, account: 'AUTH_test', token: auth.headers.get('x-auth-token')! };
    compareDir = mkdtempSync(join(tmpdir(), 'oceanos-compare-'));
    plane = await startPlane(join(compareDir, 'db.sqlite'));
    const user = await plane.createUser('swiftcompare');
    const address = await plane.app.listen({ host: '127.0.0.1', port: 0 });
    oceanos = { base: `${address}/object-store/v1`, account: user.id, token: user.token };
  });
  after(async () => {
    await plane?.close();
    await exec('bash', [script, 'stop'], { env: { ...process.env, SWIFT_PEER_DIR: peerDir } }).catch(() => undefined);
    rmSync(peerDir, { recursive: true, force: true });
    if (compareDir) rmSync(compareDir, { recursive: true, force: true });
    if (report) process.stderr.write(`# ${SEQUENCES.length} sequences, ${SEQUENCES.reduce((n, s) => n + s.steps.length, 0)} requests, ${found} differences, ${knownFound} known ones\n`);
  });

  it('catches a difference when there is one', async () => {
    // The same request against different states: Swift has the object, oceanos does not.
    await wipe(swift);
    await wipe(oceanos);
    for (const target of [swift, oceanos]) await replay(target, { method: 'PUT', path: '/c' });
    await replay(swift, { method: 'PUT', path: '/c/o', body: 'x' });
    const step = { method: 'GET', path: '/c/o' };
    const found = differences(normalise(await replay(swift, step), swift.account), normalise(await replay(oceanos, step), oceanos.account));
    assert.ok(found.some((d) => d.what === 'status'), JSON.stringify(found));
  });

  for (const sequence of SEQUENCES) {
    it(sequence.name, async () => {
      await wipe(swift);
      await wipe(oceanos);
      const problems: string[] = [];
      const known: string[] = [];
      for (const [i, step] of sequence.steps.entries()) {
        const s = normalise(await replay(swift, step), swift.account);
        const o = normalise(await replay(oceanos, step), oceanos.account);
        for (const d of differences(s, o, step)) {
          const line = `step ${i + 1} ${step.method} ${step.path.slice(0, 80)}: ${d.what}: swift ${JSON.stringify(d.swift)}, oceanos ${JSON.stringify(d.oceanos)}`;
          (step.known ? known : problems).push(step.known ? `${line} (known: ${step.known})` : line);
        }
      }
      found += problems.length;
      knownFound += known.length;
      if (report) for (const p of [...problems, ...known]) process.stderr.write(`# [${sequence.name}] ${p}\n`);
      else assert.deepEqual(problems, []);
    });
  }
});
