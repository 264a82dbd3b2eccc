// End to end: `oceanos serve` as a real process, driven by the real Swift clients — Debian's
// python3-swiftclient (`swift`) and rclone's swift backend — as a non-admin user, on SQLite
// and on PostgreSQL. Every transfer is checked by content: swift verifies MD5s on download,
// rclone check compares hashes, and the test compares bytes itself.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../packages/server/test/helpers/databases.ts';
import { readOpenrc, startServe, type ServeProcess } from './serve-process.ts';
import { missingTools } from './tools.ts';

const exec = promisify(execFile);
const MiB = 1024 * 1024;

const missing = missingTools(['swift', 'rclone'], 'scripts/setup.sh --test installs python3-swiftclient and rclone');
if (missing) process.stderr.write(`# skipping swift and rclone tests: ${missing}\n`);

interface Run { code: number; stdout: string; stderr: string }

async function run(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(command, args, { env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, cwd, timeout: 60_000, maxBuffer: 16 * MiB });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

/** `swift stat` prints `Key: value` lines, right-aligned. */
function statFields(stdout: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^\s*([^:]+):\s?(.*)$/.exec(line);
    if (m) fields[m[1]!.trim()] = m[2]!.trim();
  }
  return fields;
}

/** Relative path → contents of every file under `root`. */
function readTree(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(root.length + 1), readFileSync(path));
  }
  return files;
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

function writeTree(root: string, files: Record<string, Buffer | string>) {
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), data);
  }
}

/** The Swift requests the server logged after `from` characters of its output. */
function loggedRequests(server: ServeProcess, from: number): { method: string; path: string; status: number }[] {
  return server.output().slice(from).split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
}

for (const database of await testDatabases()) {
  describe(`swift and rclone against oceanos serve on ${database.dialect}`, { skip: database.skip ?? missing, timeout: 120_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'oceanos-swift-'));
    const dataDir = join(dir, 'data');
    const work = join(dir, 'work');
    let server: ServeProcess;
    const user = { id: '', name: 'carol', password: 'carol-password-1' };
    let swiftEnv: Record<string, string>;
    let rcloneEnv: Record<string, string>;

    const swift = (args: string[]) => run('swift', args, swiftEnv, work);
    const swiftOk = async (args: string[]) => {
      const res = await swift(args);
      assert.equal(res.code, 0, `swift ${args.join(' ')} failed:\n${res.stderr}${res.stdout}`);
      return res.stdout;
    };
    const stat = async (...args: string[]) => statFields(await swiftOk(['stat', ...args]));
    const list = async (...args: string[]) => (await swiftOk(['list', ...args])).split('\n').filter(Boolean);
    const rclone = (args: string[]) => run('rclone', ['--config', join(dir, 'rclone.conf'), ...args], rcloneEnv, work);
    const rcloneOk = async (args: string[]) => {
      const res = await rclone(args);
      assert.equal(res.code, 0, `rclone ${args.join(' ')} failed:\n${res.stderr}${res.stdout}`);
      return res;
    };

    before(async () => {
      mkdirSync(work, { recursive: true });
      writeFileSync(join(dir, 'rclone.conf'), '');
      const env: Record<string, string> = database.dialect === 'postgres' ? { OCEANOS_DATABASE_URL: await database.create() } : {};
      server = await startServe(dataDir, env);
      const admin = readOpenrc(join(dataDir, 'admin-openrc.sh'));
      // A non-admin user, created through the Keystone API; its project is `system:<id>`.
      const auth = await fetch(`${server.url}/identity/v3/auth/tokens`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: admin.OS_PASSWORD } } },
          scope: { project: { id: admin.OS_PROJECT_ID } },
        } }),
      });
      assert.equal(auth.status, 201);
      const created = await fetch(`${server.url}/identity/v3/users`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': auth.headers.get('x-subject-token')! },
        body: JSON.stringify({ user: { name: user.name, password: user.password, email: 'carol@example.org' } }),
      });
      assert.equal(created.status, 201);
      user.id = ((await created.json()) as { user: { id: string } }).user.id;
      swiftEnv = {
        OS_AUTH_URL: `${server.url}/identity/v3`, OS_IDENTITY_API_VERSION: '3', OS_USERNAME: user.name, OS_PASSWORD: user.password,
        OS_USER_DOMAIN_ID: 'default', OS_PROJECT_ID: user.id,
      };
      // rclone scopes by project name, as most rclone configs do.
      rcloneEnv = {
        RCLONE_CONFIG_OC_TYPE: 'swift', RCLONE_CONFIG_OC_AUTH: `${server.url}/identity/v3`, RCLONE_CONFIG_OC_AUTH_VERSION: '3',
        RCLONE_CONFIG_OC_USER: user.name, RCLONE_CONFIG_OC_KEY: user.password, RCLONE_CONFIG_OC_DOMAIN: 'Default',
        RCLONE_CONFIG_OC_TENANT: `system:${user.id}`, RCLONE_CONFIG_OC_TENANT_DOMAIN: 'Default',
      };
    });
    after(async () => {
      if (server?.child.exitCode === null) await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    describe('python3-swiftclient', () => {
      const small = Buffer.from('a small object\n');
      const big = randomBytes(12 * MiB + 12345);

      it('signs in with a password, finds the store in the catalog and reads /info', async () => {
        const auth = await swiftOk(['auth']);
        assert.match(auth, new RegExp(`OS_STORAGE_URL=${server.url}/object-store/v1/${user.id}\\n`));
        // The rest runs as after `eval $(swift auth)`: Python's start-up is slow enough already.
        const token = /OS_AUTH_TOKEN=(\S+)/.exec(auth)![1]!;
        swiftEnv = { OS_STORAGE_URL: `${server.url}/object-store/v1/${user.id}`, OS_AUTH_TOKEN: token };
        const capabilities = await swiftOk(['capabilities']);
        assert.match(capabilities, /bulk_delete/);
        assert.match(capabilities, /slo/);
      });

      it('creates a container and uploads a small object, a DLO and an SLO', async () => {
        await swiftOk(['post', 'photos']);
        assert.deepEqual(await list(), ['photos']);
        writeFileSync(join(work, 'small.txt'), small);
        writeFileSync(join(work, 'big.bin'), big);
        await swiftOk(['upload', 'photos', 'small.txt']);
        await swiftOk(['upload', 'photos', 'big.bin', '--object-name', 'big-dlo.bin', '--segment-size', '5000000']);
        await swiftOk(['upload', 'photos', 'big.bin', '--object-name', 'big-slo.bin', '--segment-size', '5000000', '--use-slo']);
        const segments = await list('photos_segments');
        assert.equal(segments.filter((s) => s.startsWith('big-dlo.bin/')).length, 3, segments.join('\n'));
        assert.equal(segments.filter((s) => s.startsWith('big-slo.bin/')).length, 3, segments.join('\n'));
      });

      it('skips re-uploading an identical SLO after comparing its segments\' MD5s', async () => {
        const from = server.output().length;
        await swiftOk(['upload', 'photos', 'big.bin', '--object-name', 'big-slo.bin', '--segment-size', '5000000', '--use-slo', '--skip-identical']);
        assert.deepEqual(loggedRequests(server, from).filter((r) => r.method === 'PUT' && r.path.includes('big-slo.bin')), []);
      });

      it('downloads every object with matching bytes (swift checks the MD5s)', async () => {
        mkdirSync(join(work, 'out'));
        for (const [name, expected] of [['small.txt', small], ['big-dlo.bin', big], ['big-slo.bin', big]] as const) {
          const res = await swift(['download', 'photos', name, '--output', join('out', name)]);
          assert.equal(res.code, 0, `swift download ${name} failed:\n${res.stderr}`);
          assert.doesNotMatch(res.stderr, /md5sum != etag|Error/i);
          assert.ok(readFileSync(join(work, 'out', name)).equals(expected), `${name}: downloaded bytes differ`);
        }
        // swift does not check a large object's MD5, but it checks each segment's.
        await swiftOk(['download', 'photos_segments', '--output-dir', 'segments']);
        const segments = readTree(join(work, 'segments'));
        for (const upload of ['big-dlo.bin/', 'big-slo.bin/']) {
          const parts = [...segments.keys()].filter((k) => k.startsWith(upload)).sort().map((k) => segments.get(k)!);
          assert.ok(Buffer.concat(parts).equals(big), `${upload} segments put together differ`);
        }
      });

      it('lists with a prefix', async () => {
        assert.deepEqual(await list('photos'), ['big-dlo.bin', 'big-slo.bin', 'small.txt']);
        assert.deepEqual(await list('photos', '--prefix', 'big-'), ['big-dlo.bin', 'big-slo.bin']);
        assert.deepEqual(await list('photos', '--prefix', 'nothing'), []);
        assert.equal((await list('photos_segments', '--prefix', 'big-slo.bin/')).length, 3);
      });

      it('stats the account, the container and each object', async () => {
        const account = await stat();
        assert.equal(account.Account, user.id);
        // photos and photos_segments (the standard containers come only at their first use).
        assert.equal(account.Containers, '2');
        // 3 objects in photos (two of them manifests) and 6 segments.
        assert.equal(account.Objects, '9');
        const container = await stat('photos');
        assert.equal(container.Objects, '3');
        const segments = await stat('photos_segments');
        assert.equal(segments.Objects, '6');
        assert.equal(segments.Bytes, String(2 * big.length));
        assert.ok(Number(container.Bytes) >= small.length, container.Bytes);
        assert.equal(Number(account.Bytes), Number(container.Bytes) + 2 * big.length);

        const object = await stat('photos', 'small.txt');
        assert.equal(object['Content Length'], String(small.length));
        assert.equal(object.ETag, md5(small));
        assert.equal(object['Content Type'], 'text/plain');
        const dlo = await stat('photos', 'big-dlo.bin');
        assert.equal(dlo['Content Length'], String(big.length));
        assert.match(dlo.Manifest ?? '', /^photos_segments\/big-dlo\.bin\//);
        const slo = await stat('photos', 'big-slo.bin');
        assert.equal(slo['Content Length'], String(big.length));
      });

      it('sets metadata with post -m and shows it in stat', async () => {
        await swiftOk(['post', 'photos', 'small.txt', '-m', 'color:blue']);
        assert.equal((await stat('photos', 'small.txt'))['Meta Color'], 'blue');
        await swiftOk(['post', 'photos', '-m', 'owner:carol']);
        assert.equal((await stat('photos'))['Meta Owner'], 'carol');
      });

      it('copies an object to another container with its metadata', async () => {
        await swiftOk(['copy', 'photos', 'small.txt', '--destination', '/archive/small-copy.txt']);
        assert.deepEqual(await list('archive'), ['small-copy.txt']);
        const copy = await stat('archive', 'small-copy.txt');
        assert.equal(copy.ETag, md5(small));
        assert.equal(copy['Meta Color'], 'blue');
        await swiftOk(['download', 'archive', 'small-copy.txt', '--output', join('out', 'small-copy.txt')]);
        assert.ok(readFileSync(join(work, 'out', 'small-copy.txt')).equals(small));
      });

      it('deletes an object, then a DLO and an SLO with their segments', async () => {
        await swiftOk(['delete', 'photos', 'small.txt']);
        await swiftOk(['delete', 'photos', 'big-dlo.bin']);
        assert.deepEqual(await list('photos'), ['big-slo.bin']);
        const segments = await list('photos_segments');
        assert.equal(segments.length, 3, 'the SLO keeps its segments');
        assert.ok(segments.every((s) => s.startsWith('big-slo.bin/')), segments.join('\n'));
        await swiftOk(['delete', 'photos', 'big-slo.bin']);
        assert.deepEqual(await list('photos'), []);
        assert.deepEqual(await list('photos_segments'), []);
        const account = await stat();
        assert.equal(account.Objects, '1', 'only the copy in archive is left');
        assert.equal(account.Bytes, String(small.length));
      });

      it('deletes a container of 25 objects with one bulk delete', async () => {
        const names = Array.from({ length: 25 }, (_, i) => `many/file-${String(i).padStart(2, '0')}.txt`);
        writeTree(work, Object.fromEntries(names.map((n) => [n, `content of ${n}\n`])));
        await swiftOk(['upload', 'bulk', 'many']);
        assert.deepEqual(await list('bulk'), names);
        assert.equal((await stat('bulk')).Objects, '25');

        const from = server.output().length;
        await swiftOk(['delete', 'bulk']);
        const requests = loggedRequests(server, from);
        const accountPath = `/object-store/v1/${user.id}`;
        assert.ok(requests.some((r) => r.method === 'POST' && r.path === accountPath && r.status === 200), 'swift used ?bulk-delete');
        assert.deepEqual(requests.filter((r) => r.method === 'DELETE' && r.path.startsWith(`${accountPath}/bulk/`)), [], 'no object was deleted one by one');
        assert.deepEqual(await list(), ['archive', 'photos', 'photos_segments']);
      });
    });

    describe('rclone', () => {
      const src = join(dir, 'tree');
      const back = join(dir, 'tree-back');
      const local = (root: string) => new Map([...readTree(root)].map(([path, data]) => [path, md5(data)]));
      /** rclone check, which must compare every file's MD5, not only its size. */
      const check = async (a: string, b: string, files: number) => {
        const { stderr } = await rcloneOk(['check', a, b]);
        assert.match(stderr, / 0 differences found/);
        assert.match(stderr, new RegExp(` ${files} matching files`));
        assert.doesNotMatch(stderr, /hashes could not be checked|No common hash/);
      };
      const remoteMd5s = async () => {
        const { stdout } = await rcloneOk(['md5sum', 'oc:bucket']);
        return new Map(stdout.split('\n').filter(Boolean).map((l) => [l.slice(34), l.slice(0, 32)]));
      };

      it('syncs a tree up and checks it by hash', async () => {
        writeTree(src, {
          'top.txt': 'top level\n',
          'empty': '',
          'a/b/c/deep.txt': 'three levels down\n',
          'a/sp ace ü ñ €.txt': 'a name with spaces and unicode\n',
          'nine.bin': randomBytes(9 * MiB),
        });
        await rcloneOk(['sync', src, 'oc:bucket']);
        await check(src, 'oc:bucket', 5);
        assert.deepEqual(await remoteMd5s(), local(src));
      });

      it('syncs changes, additions and deletions', async () => {
        writeFileSync(join(src, 'top.txt'), 'top level, changed\n');
        writeTree(src, { 'a/new.txt': 'new file\n', 'a/b/more.bin': randomBytes(300_000) });
        rmSync(join(src, 'a', 'b', 'c'), { recursive: true });
        await rcloneOk(['sync', src, 'oc:bucket']);
        await check(src, 'oc:bucket', 6);
        assert.deepEqual(await remoteMd5s(), local(src));
        const { stdout } = await rcloneOk(['lsf', '-R', '--files-only', 'oc:bucket']);
        assert.deepEqual(stdout.split('\n').filter(Boolean).sort(), [...local(src).keys()].sort());
      });

      it('syncs the bucket back down, byte for byte', async () => {
        await rcloneOk(['sync', 'oc:bucket', back]);
        await check(src, back, 6);
        await check(back, 'oc:bucket', 6);
        const [a, b] = [readTree(src), readTree(back)];
        assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
        for (const [path, data] of a) assert.ok(b.get(path)!.equals(data), `${path} differs after the round trip`);
      });

      it('check finds a change of content that keeps size and time', async () => {
        const path = join(back, 'nine.bin');
        const { atime, mtime } = statSync(path);
        const data = readFileSync(path);
        data.writeUInt8(data.readUInt8(4_567_890) ^ 0xff, 4_567_890);
        writeFileSync(path, data);
        utimesSync(path, atime, mtime);
        const res = await rclone(['check', back, 'oc:bucket']);
        assert.notEqual(res.code, 0, 'rclone check compared hashes');
        assert.match(res.stderr, /1 differences found/);
        assert.match(res.stderr, /nine\.bin/);
      });
    });
  });
}
