// End to end: the control plane is killed with SIGKILL in the middle of a build, a stop, a
// start and a delete of a real QEMU VM, then started again. Each time the VM must end in a
// consistent state: a running QEMU process exactly when the API says ACTIVE, a disk exactly
// when the server exists, quota usage equal to what exists, and no record of a VM that is
// not there. Runs on PostgreSQL, the production database, when one is reachable (the
// lifecycle test runs on SQLite).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../packages/server/test/helpers/databases.ts';
import { adminToken, startServe, type ServeProcess } from './serve-process.ts';
import { missingTools } from './tools.ts';
import { processesMentioning, vmDirExists, waitFor } from './vm-host.ts';

const missing = missingTools(['qemu-system-x86_64', 'qemu-img', 'genisoimage', 'mcopy', 'sfdisk']);
if (missing) process.stderr.write(`# skipping compute crash tests: ${missing}\n`);

const databases = await testDatabases();
const database = databases.find((d) => d.dialect === 'postgres' && !d.skip) ?? databases[0]!;

describe(`SIGKILL of the control plane during VM operations (${database.dialect})`, { skip: missing }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'oceanos-e2e-crash-'));
  let env: Record<string, string>;
  let serve: ServeProcess;
  let token: string;
  let imageId: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${serve.url}${path}`, {
      method,
      headers: { 'x-auth-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const show = async (id: string) => {
    const res = await api('GET', `/compute/v2.1/servers/${id}`);
    return res.status === 404 ? null : res.body.server;
  };
  const restart = async () => {
    serve = await startServe(dataDir, env);
    token = await adminToken(serve.url, dataDir);
  };
  /** Kills the control plane `afterMs` after `action` was answered, then starts it again. */
  const crashDuring = async (action: () => Promise<unknown>, afterMs: number) => {
    await action();
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    await serve.kill();
    await restart();
  };
  /** Waits for the server to settle (no task in progress), then checks the host agrees with the API. */
  const settled = async (id: string) => {
    const server = await waitFor(`server ${id} to settle`, async () => {
      const s = await show(id);
      if (s === null) return { status: 'GONE' };
      return s['OS-EXT-STS:task_state'] === null && s.status !== 'BUILD' ? s : null;
    }, 180_000, 1000);
    const pids = processesMentioning(id);
    if (server.status === 'ACTIVE') assert.equal(pids.length, 1, 'an ACTIVE server has exactly one QEMU process');
    else assert.deepEqual(pids, [], `a ${server.status} server has no QEMU process`);
    assert.equal(vmDirExists(dataDir, id), server.status === 'ACTIVE' || server.status === 'SHUTOFF', `the run dir exists iff the VM does (${server.status})`);
    return server.status as string;
  };
  const usage = async () => {
    const quotas = (await api('GET', '/account/v1.0/quotas')).body as Record<string, Record<string, { usage: number; pending: number }>>;
    const mine = Object.values(quotas)[0]!;
    for (const entry of Object.values(mine)) assert.equal(entry.pending, 0, 'no commission is left pending');
    return { vm: mine['cyclades.vm']!.usage, cpu: mine['cyclades.cpu']!.usage, totalCpu: mine['cyclades.total_cpu']!.usage };
  };
  const create = async (name: string) => {
    const res = await api('POST', '/compute/v2.1/servers', { server: { name, imageRef: imageId, flavorRef: '1' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body.server.id as string;
  };

  before(async () => {
    env = { OCEANOS_BUILTIN_IMAGE: '1', ...(database.dialect === 'postgres' ? { OCEANOS_DATABASE_URL: await database.create() } : {}) };
    await restart();
    const images = await (await fetch(`${serve.url}/image/v2/images?name=oceanos-tiny`, { headers: { 'x-auth-token': token } })).json() as { images: { id: string }[] };
    imageId = images.images[0]!.id;
  });
  after(async () => {
    if (serve?.child.exitCode === null) await serve.stop();
  });

  let id: string;

  it('a build killed at once resumes and ends ACTIVE', async () => {
    await crashDuring(async () => { id = await create('crash-build'); }, 0);
    assert.equal(await settled(id), 'ACTIVE');
    assert.deepEqual(await usage(), { vm: 1, cpu: 1, totalCpu: 1 });
  });

  it('a build killed while QEMU starts ends ACTIVE with one process', async () => {
    let second = '';
    await crashDuring(async () => { second = await create('crash-build-2'); }, 700);
    assert.equal(await settled(second), 'ACTIVE');
    assert.deepEqual(await usage(), { vm: 2, cpu: 2, totalCpu: 2 });
    await api('DELETE', `/compute/v2.1/servers/${second}`);
    assert.equal(await settled(second), 'GONE');
    assert.deepEqual(await usage(), { vm: 1, cpu: 1, totalCpu: 1 });
  });

  it('a stop killed during the guest shutdown ends SHUTOFF', async () => {
    await crashDuring(() => api('POST', `/compute/v2.1/servers/${id}/action`, { 'os-stop': null }), 300);
    assert.equal(await settled(id), 'SHUTOFF');
    assert.deepEqual(await usage(), { vm: 1, cpu: 0, totalCpu: 1 });
  });

  it('a start killed right away ends ACTIVE', async () => {
    await crashDuring(() => api('POST', `/compute/v2.1/servers/${id}/action`, { 'os-start': null }), 100);
    assert.equal(await settled(id), 'ACTIVE');
    assert.deepEqual(await usage(), { vm: 1, cpu: 1, totalCpu: 1 });
  });

  it('a delete killed right away leaves nothing', async () => {
    await crashDuring(() => api('DELETE', `/compute/v2.1/servers/${id}`), 50);
    assert.equal(await settled(id), 'GONE');
    assert.deepEqual(await usage(), { vm: 0, cpu: 0, totalCpu: 0 });
  });

  it('a VM that died while the control plane was down is reported SHUTOFF', async () => {
    const died = await create('crash-died');
    assert.equal(await settled(died), 'ACTIVE');
    await serve.stop();
    for (const pid of processesMentioning(died)) process.kill(pid, 'SIGKILL');
    await waitFor('QEMU to exit', () => processesMentioning(died).length === 0, 10_000, 100);
    await restart();
    assert.equal(await settled(died), 'SHUTOFF');
    assert.deepEqual(await usage(), { vm: 1, cpu: 0, totalCpu: 1 });
    await api('DELETE', `/compute/v2.1/servers/${died}`);
    assert.equal(await settled(died), 'GONE');
  });
});
