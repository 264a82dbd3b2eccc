// End to end, with the real clients (Debian's `swift` and curl) against `oceanos serve`: the
// storage holes issue 10 closed stay closed on the wire. A write grant cannot open a private
// container through a manifest, a known hash is no capability, and a user over a small quota
// cannot make the server store more than it allows, whatever the upload path.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { adminToken, startServe, type ServeProcess } from './serve-process.ts';
import { missingTools } from './tools.ts';

const exec = promisify(execFile);
const MiB = 1024 * 1024;
const missing = missingTools(['swift', 'curl'], 'scripts/setup.sh --test installs python3-swiftclient');

interface Run { code: number; stdout: string; stderr: string }

async function run(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
  try {
    // latin1: downloads are bytes, and compare as such.
    const { stdout, stderr } = await exec(command, args, { env: { PATH: process.env.PATH ?? '', HOME: options.cwd ?? tmpdir(), ...options.env }, cwd: options.cwd, timeout: 60_000, maxBuffer: 64 * MiB, encoding: 'latin1' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

/** Every block file of the store. */
function blockCount(dataDir: string): number {
  let count = 0;
  const root = join(dataDir, 'blocks');
  for (const a of readdirSync(root)) if (a !== 'tmp') for (const b of readdirSync(join(root, a))) count += readdirSync(join(root, a, b)).length;
  return count;
}

describe('storage holes stay closed for swift and curl', { skip: missing, timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'oceanos-storage-e2e-'));
  const dataDir = join(dir, 'data');
  let server: ServeProcess;
  let admin = '';
  const users: Record<'alice' | 'bob', { id: string; token: string }> = { alice: { id: '', token: '' }, bob: { id: '', token: '' } };
  const secret = `the private diary of alice ${randomBytes(8).toString('hex')}`;

  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method, headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const storage = (account: string, path = '') => `${server.url}/object-store/v1/${account}${path ? `/${path}` : ''}`;
  /** curl, answering `<status>` on the last line. */
  const curl = async (args: string[]) => {
    const res = await run('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', ...args], { cwd: dir });
    const lines = res.stdout.split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n'), stderr: res.stderr };
  };
  const swiftAs = (who: 'alice' | 'bob', account: string, args: string[]) =>
    run('swift', ['--os-auth-token', users[who].token, '--os-storage-url', storage(account), ...args], { cwd: dir });

  before(async () => {
    server = await startServe(dataDir);
    admin = await adminToken(server.url, dataDir);
    for (const name of ['alice', 'bob'] as const) {
      const password = `${name}-password-1`;
      const created = await api('POST', '/identity/v3/users', admin, { user: { name, password } });
      assert.equal(created.status, 201, created.text);
      users[name].id = JSON.parse(created.text).user.id;
      const login = await fetch(`${server.url}/identity/v3/auth/tokens`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } } } }),
      });
      users[name].token = login.headers.get('x-subject-token')!;
    }
    const { alice, bob } = users;
    for (const [method, path, headers, body] of [
      ['PUT', 'secret', {}, ''], ['PUT', 'secret/diary', {}, secret], ['PUT', 'shared', {}, ''],
      ['PUT', 'shared/inbox', { 'x-object-sharing': `write=${bob.id}`, 'x-object-public': 'true' }, 'drop files here'],
    ] as const) {
      const res = await fetch(storage(alice.id, path), { method, headers: { 'x-auth-token': alice.token, ...headers }, body });
      assert.ok(res.status < 300, `${method} ${path}: ${res.status}`);
    }
  });
  after(async () => {
    if (server?.child.exitCode === null) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('swift post of X-Object-Manifest by a write grantee reads nothing private, nor does the public link', async () => {
    const { alice, bob } = users;
    const post = await swiftAs('bob', alice.id, ['post', '-H', 'X-Object-Manifest: secret/', 'shared', 'inbox']);
    assert.equal(post.code, 0, post.stderr);
    const read = await swiftAs('bob', alice.id, ['download', 'shared', 'inbox', '-o', '-']);
    assert.doesNotMatch(read.stdout, /private diary/);
    const link = (await fetch(storage(alice.id, 'shared/inbox'), { method: 'HEAD', headers: { 'x-auth-token': alice.token } })).headers.get('x-object-public')!;
    const anonymous = await curl([link]);
    assert.equal(anonymous.status, 200);
    assert.doesNotMatch(anonymous.body, /private diary/);
    assert.equal((await swiftAs('alice', alice.id, ['download', 'shared', 'inbox', '-o', '-'])).stdout, secret, 'the owner reads it');
  });

  it("a hashmap of alice's file gets bob a 409, not the file", async () => {
    const { alice, bob } = users;
    const hashmap = await curl(['-H', `X-Auth-Token: ${alice.token}`, `${storage(alice.id, 'secret/diary')}?hashmap&format=json`]);
    writeFileSync(join(dir, 'hashmap.json'), hashmap.body);
    await curl(['-X', 'PUT', '-H', `X-Auth-Token: ${bob.token}`, storage(bob.id, 'mine')]);
    const put = await curl(['-X', 'PUT', '-H', `X-Auth-Token: ${bob.token}`, '-H', 'Content-Type: text/plain', '--data-binary', '@hashmap.json', `${storage(bob.id, 'mine/diary')}?hashmap&format=json`]);
    assert.equal(put.status, 409);
    assert.deepEqual(JSON.parse(put.body), JSON.parse(hashmap.body).hashes);
  });

  it('over a 4 MiB quota, a chunked curl upload and posted blocks are refused and leave no block behind', async () => {
    const { bob } = users;
    assert.equal((await api('PUT', `/account/v1.0/quotas/${bob.id}/pithos.diskspace`, admin, { limit: 4 * MiB })).status < 300, true);
    writeFileSync(join(dir, 'big.bin'), randomBytes(64 * MiB));
    const before = blockCount(dataDir);
    const chunked = await curl(['-X', 'PUT', '-H', `X-Auth-Token: ${bob.token}`, '-H', 'Transfer-Encoding: chunked', '-T', 'big.bin', storage(bob.id, 'mine/big.bin')]);
    assert.equal(chunked.status, 413);
    const posted = await curl(['-X', 'POST', '-H', `X-Auth-Token: ${bob.token}`, '-H', 'Content-Type: application/octet-stream', '--data-binary', '@big.bin', storage(bob.id, 'mine')]);
    assert.equal(posted.status, 413);
    for (let i = 0; i < 50 && blockCount(dataDir) !== before; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(blockCount(dataDir), before, 'what was refused was not kept');
    const quota = JSON.parse((await api('GET', '/account/v1.0/quotas', bob.token)).text)[bob.id]['pithos.diskspace'];
    assert.deepEqual([quota.usage, quota.pending], [0, 0]);
  });

  it('a segmented swift upload within the quota works, and swift delete gives the space back', async () => {
    const { bob } = users;
    const data = randomBytes(3 * MiB);
    writeFileSync(join(dir, 'seg.bin'), data);
    const before = blockCount(dataDir);
    const upload = await swiftAs('bob', bob.id, ['upload', 'mine', 'seg.bin', '--segment-size', String(MiB)]);
    assert.equal(upload.code, 0, upload.stderr);
    const back = await swiftAs('bob', bob.id, ['download', 'mine', 'seg.bin', '-o', '-']);
    assert.equal(createHash('md5').update(back.stdout, 'latin1').digest('hex'), createHash('md5').update(data).digest('hex'));
    const removed = await swiftAs('bob', bob.id, ['delete', 'mine', 'seg.bin']);
    assert.equal(removed.code, 0, removed.stderr);
    const quota = JSON.parse((await api('GET', '/account/v1.0/quotas', bob.token)).text)[bob.id]['pithos.diskspace'];
    assert.equal(quota.usage, 0);
    assert.equal(blockCount(dataDir), before, 'the blocks went with the object');
  });
});
