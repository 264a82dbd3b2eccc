// End to end: a VM's life through Debian's python3-openstackclient against a real `oceanos
// serve` on a fresh data dir, with real QEMU guests (TCG here) booting the built-in
// oceanos-tiny image: create --wait, the console log with the guest's markers and the
// hostname from the config drive, stop/start/reboot seen in the serial log, the console URL's
// websocket answering RFB, a VM that keeps running across a control-plane restart, resize
// with --wait to VERIFY_RESIZE then confirm and revert, a VM killed on the host noticed by the
// periodic reconciliation, delete leaving nothing behind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { openstackClient } from './openstack-client.ts';
import { adminToken, readOpenrc, startServe, type ServeProcess } from './serve-process.ts';
import { missingTools } from './tools.ts';
import { commandLine, occurrences, processesMentioning, vmDirExists, waitFor } from './vm-host.ts';

const missing = missingTools(['openstack', 'qemu-system-x86_64', 'qemu-img', 'genisoimage', 'mcopy', 'sfdisk']);
if (missing) process.stderr.write(`# skipping openstack server tests: ${missing}\n`);

const BOOTED = 'oceanos-guest: booted';
/** The last marker of a boot: the config drive, host name and keys have been read. */
const READY = 'oceanos-guest: ready';

describe('servers with the openstack CLI', { skip: missing }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'oceanos-e2e-servers-'));
  let server: ServeProcess;
  let admin: Record<string, string>;
  let id: string;
  const { run: openstack, ok, json } = openstackClient(dataDir, () => admin);

  const start = async () => {
    server = await startServe(dataDir, { OCEANOS_BUILTIN_IMAGE: '1' });
    admin = { ...readOpenrc(join(dataDir, 'admin-openrc.sh')), OS_AUTH_URL: `${server.url}/identity/v3` };
  };
  const status = async () => (await json(['server', 'show', id])).status as string;
  const consoleLog = () => ok(['console', 'log', 'show', id]);
  const waitStatus = (wanted: string) => waitFor(`server ${id} ${wanted}`, async () => (await status()) === wanted, 120_000, 1000);
  const waitBoots = (count: number) =>
    waitFor(`boot marker ${count} times`, async () => occurrences(await consoleLog(), BOOTED) >= count, 120_000, 1000);

  before(start);
  after(async () => {
    if (server?.child.exitCode === null) await server.stop();
  });

  it('creates a VM from oceanos-tiny with --wait and it boots with its hostname', async () => {
    const flavors = await json(['flavor', 'list']);
    const smallest = [...flavors].sort((a: { RAM: number }, b: { RAM: number }) => a.RAM - b.RAM)[0];
    assert.equal(smallest.Name, 'm1.nano');
    const created = await json(['server', 'create', '--image', 'oceanos-tiny', '--flavor', smallest.Name, '--wait', 'vm1']);
    id = created.id;
    assert.equal(created.status, 'ACTIVE', JSON.stringify(created));
    await waitFor('the guest ready', async () => occurrences(await consoleLog(), READY) >= 1, 120_000, 1000);
    const log = await consoleLog();
    assert.match(log, /oceanos-guest: config-drive=/);
    assert.match(log, /oceanos-guest: hostname=vm1\b/);

    const pids = processesMentioning(id);
    assert.equal(pids.length, 1, 'one QEMU process runs the VM');
    // On a kvm-pvm host `auto` must choose software emulation.
    if (existsSync('/sys/module/kvm_pvm')) assert.ok(commandLine(pids[0]!).join(' ').includes('accel=tcg'));
  });

  it('stop, start and reboot show up in the guest serial log', async () => {
    await ok(['server', 'stop', id]);
    await waitStatus('SHUTOFF');
    assert.match(await consoleLog(), /oceanos-guest: shutdown/);
    assert.deepEqual(processesMentioning(id), []);

    await ok(['server', 'start', id]);
    await waitStatus('ACTIVE');
    await waitBoots(2);

    await ok(['server', 'reboot', '--wait', id]);
    await waitBoots(3);
    await ok(['server', 'reboot', '--hard', '--wait', id]);
    await waitBoots(4);
    assert.equal(await status(), 'ACTIVE');
  });

  it('gives a console URL whose websocket answers with the RFB handshake, once', async () => {
    const console = await json(['console', 'url', 'show', id]);
    const path = new URL(console.url).searchParams.get('path');
    assert.ok(path, `the noVNC URL carries the websocket path: ${console.url}`);
    const socketUrl = `${server.url.replace(/^http/, 'ws')}/${path}`;
    const greeting = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(socketUrl, ['binary']);
      ws.once('message', (data: Buffer) => { resolve(data.toString('latin1')); ws.close(); });
      ws.once('error', reject);
    });
    assert.match(greeting, /^RFB 003\.00[38]\n/);
    // The token was used: a second connection is refused.
    const replay = await new Promise<string>((resolve) => {
      const ws = new WebSocket(socketUrl, ['binary']);
      ws.once('open', () => { resolve('opened'); ws.close(); });
      ws.once('error', () => resolve('refused'));
    });
    assert.equal(replay, 'refused');
  });

  it('keeps the VM running across a control-plane restart', async () => {
    const [pid] = processesMentioning(id);
    await server.stop();
    assert.deepEqual(processesMentioning(id), [pid], 'the VM outlives the control plane');
    await start();
    assert.equal(await status(), 'ACTIVE');
    assert.deepEqual(processesMentioning(id), [pid], 'the restart did not touch it');
    assert.ok(occurrences(await consoleLog(), BOOTED) >= 4);
  });

  it('resizes with --wait to VERIFY_RESIZE, then confirms and reverts (regression: resize --wait never returned)', async () => {
    /** The RAM (MiB) the VM's QEMU runs with. */
    const qemuRam = () => {
      const pids = processesMentioning(id);
      assert.equal(pids.length, 1, 'one QEMU process runs the VM');
      const argv = commandLine(pids[0]!);
      return Number(argv[argv.indexOf('-m') + 1]);
    };
    const boots = occurrences(await consoleLog(), BOOTED);
    // The client's own timeout (120 s) turns a wait that never ends into a failure.
    await ok(['server', 'resize', '--flavor', 'm1.tiny', '--wait', id]);
    const verifying = await json(['server', 'show', id]);
    assert.equal(verifying.status, 'VERIFY_RESIZE');
    assert.equal(verifying['OS-EXT-STS:vm_state'], 'resized');
    assert.match(String(verifying.flavor), /m1\.tiny|\b2\b/);
    await waitBoots(boots + 1);
    assert.equal(qemuRam(), 512, 'the running VM was restarted with the new flavor\'s RAM');

    await ok(['server', 'resize', 'confirm', id]);
    await waitStatus('ACTIVE');
    assert.equal(qemuRam(), 512);

    await ok(['server', 'resize', '--flavor', 'm1.nano', '--wait', id]);
    assert.equal(await status(), 'VERIFY_RESIZE');
    await waitBoots(boots + 2);
    assert.equal(qemuRam(), 128);
    await ok(['server', 'resize', 'revert', id]);
    await waitStatus('ACTIVE');
    await waitBoots(boots + 3);
    assert.equal(qemuRam(), 512, 'the revert brought back m1.tiny');
    assert.match(String((await json(['server', 'show', id])).flavor), /m1\.tiny|\b2\b/);
  });

  it('notices a VM killed on the host while the control plane runs, without a restart (regression: only at start)', async () => {
    const [pid] = processesMentioning(id);
    process.kill(pid!, 'SIGKILL');
    // The default compute.reconcileIntervalSeconds is 60.
    await waitFor(`server ${id} SHUTOFF`, async () => (await status()) === 'SHUTOFF', 90_000, 2000);
    await ok(['server', 'start', id]);
    await waitStatus('ACTIVE');
    assert.equal(processesMentioning(id).length, 1);
  });

  it('deletes the VM and leaves no process, file or quota behind', async () => {
    await ok(['server', 'delete', '--wait', id]);
    assert.deepEqual(processesMentioning(id), []);
    assert.equal(vmDirExists(dataDir, id), false);
    const res = await openstack(['server', 'show', id]);
    assert.notEqual(res.code, 0);
    const token = await adminToken(server.url, dataDir);
    const quotas = await (await fetch(`${server.url}/account/v1.0/quotas`, { headers: { 'x-auth-token': token } })).json() as Record<string, Record<string, { usage: number }>>;
    const mine = Object.values(quotas)[0]!;
    for (const resource of ['cyclades.vm', 'cyclades.cpu', 'cyclades.ram', 'cyclades.total_cpu', 'cyclades.total_ram', 'cyclades.disk']) {
      assert.equal(mine[resource]!.usage, 0, `${resource} is released`);
    }
  });

  it('answers bad input in Nova\'s terms', async () => {
    const unknownFlavor = await openstack(['server', 'create', '--image', 'oceanos-tiny', '--flavor', 'no-such-flavor', 'bad']);
    assert.notEqual(unknownFlavor.code, 0);
    assert.match(unknownFlavor.stderr, /flavor/i);
    const unknownImage = await openstack(['server', 'create', '--image', '00000000-0000-0000-0000-000000000000', '--flavor', 'm1.nano', 'bad']);
    assert.notEqual(unknownImage.code, 0);
  });
});
