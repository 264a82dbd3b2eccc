// The qemu backend driving real guests: the oceanos-tiny image (guest/build-tiny-image.sh)
// under TCG, watched through its serial-console markers (guest/README.md) and /proc.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { BackendError, type ImageSource, type VmSpec } from '../backend.ts';
import { QemuBackend } from './qemu-backend.ts';
import { QmpClient } from './qmp-client.ts';
import { missingTools } from '../../../../../test/e2e/tools.ts';
import { occurrences, processesMentioning } from '../../../../../test/e2e/vm-host.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const BOOT_TIMEOUT_MS = 120_000;
const MiB = 1024 * 1024;

const skip = missingTools(['qemu-system-x86_64', 'qemu-img', 'genisoimage', 'mformat', 'syslinux', 'sfdisk', 'cpio']);

/** The tiny image as the control plane hands it over: a content key and a stream of bytes. */
function tinyImage(): ImageSource {
  const path = execFileSync('bash', [join(ROOT, 'guest', 'build-tiny-image.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return {
    contentKey: basename(path, '.raw'),
    format: 'raw',
    size: statSync(path).size,
    read: () => createReadStream(path),
  };
}


describe('qemu backend on real guests', { skip }, () => {
  let work: string;
  let backend: QemuBackend;
  let image: ImageSource;
  const created: string[] = [];
  /** What the backend logged, as pino's records. */
  const logs: Array<{ msg: string }> = [];

  const spec = (overrides: Partial<VmSpec> = {}): VmSpec => {
    const id = crypto.randomUUID();
    created.push(id);
    return {
      id, name: 'qemu-test', vcpus: 1, ramMiB: 128, diskBytes: 64 * MiB, image,
      personalisation: { hostname: 'guest-one', publicKeys: {}, userData: null, files: [], metadata: {}, adminPass: null },
      ...overrides,
    };
  };
  const console_ = async (id: string) => (await backend.consoleOutput(id, 4 * MiB)).toString('latin1');
  /** Waits until the console shows `marker` `count` times; fails with the console's end. */
  const marker = async (id: string, name: string, count = 1) => {
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    while (occurrences(await console_(id), `oceanos-guest: ${name}`) < count) {
      if (Date.now() > deadline) assert.fail(`no ${count}x ${name} marker; console ends:\n${(await console_(id)).slice(-2000)}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
  };

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'oceanos-qemu-backend-'));
    image = tinyImage();
    const sink = new Writable({ write(chunk, _encoding, done) { logs.push(JSON.parse(String(chunk))); done(); } });
    backend = new QemuBackend({ vmsDir: join(work, 'vms'), imagesDir: join(work, 'images'), accel: 'tcg', logger: pino(sink) });
  });
  after(async () => {
    // No QEMU may outlive the test, whatever failed.
    for (const id of created) await backend.destroy(id);
  });

  let vm: VmSpec;
  let pid: number;

  it('creates a VM that boots from its overlay disk and reads its config drive', async () => {
    vm = spec();
    await backend.create(vm);
    const dir = join(work, 'vms', vm.id);
    pid = Number(readFileSync(join(dir, 'qemu.pid'), 'utf8'));
    assert.deepEqual(processesMentioning(vm.id), [pid]);
    assert.deepEqual(await backend.inspect(vm.id), { id: vm.id, state: 'running', vcpus: 1, ramMiB: 128, diskBytes: 64 * MiB });
    assert.deepEqual((await backend.list()).map((info) => info.id), [vm.id]);
    const disk = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', join(dir, 'disk.qcow2')], { encoding: 'utf8' }));
    assert.equal(disk['virtual-size'], 64 * MiB, 'the disk has the flavor\'s size');
    assert.equal(disk['backing-filename-format'], 'raw');
    await marker(vm.id, 'booted');
    await marker(vm.id, 'hostname=guest-one');
    await marker(vm.id, `instance-id=${vm.id}`);
    const qmp = await QmpClient.connect(join(dir, 'qmp.sock'));
    assert.equal((await qmp.queryStatus()).status, 'running');
    qmp.close();
    await qmp.closed;
    assert.equal(await backend.consoleSocket(vm.id), join(dir, 'vnc.sock'));
    assert.ok(statSync(join(dir, 'vnc.sock')).isSocket());
    await backend.create(vm);
    assert.deepEqual(processesMentioning(vm.id), [pid], 'creating it again changes nothing');
    assert.equal((await backend.consoleOutput(vm.id, 10)).length, 10);
  });

  it('stops through the ACPI power button: the guest shuts down and QEMU exits', async () => {
    await marker(vm.id, 'ready'); // the guest hears the first press: no press again is needed
    const started = Date.now();
    await backend.stop(vm.id, { timeoutMs: 60_000 });
    assert.ok(Date.now() - started < 30_000, 'the guest powered off, no timeout was waited for');
    assert.match(await console_(vm.id), /oceanos-guest: shutdown/);
    assert.deepEqual(processesMentioning(vm.id), []);
    assert.equal((await backend.inspect(vm.id))?.state, 'stopped');
    await assert.rejects(backend.consoleSocket(vm.id), BackendError);
    await backend.stop(vm.id, { timeoutMs: 1_000 });
  });

  it('resizes only while stopped, and starts again with the new size, its console log kept', async () => {
    await backend.resize(vm.id, 2, 160);
    assert.deepEqual(await backend.inspect(vm.id), { id: vm.id, state: 'stopped', vcpus: 2, ramMiB: 160, diskBytes: 64 * MiB });
    await backend.start(vm.id);
    await backend.start(vm.id);
    [pid] = processesMentioning(vm.id) as [number];
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.equal(argv[argv.indexOf('-m') + 1], '160');
    assert.equal(argv[argv.indexOf('-smp') + 1], '2');
    await marker(vm.id, 'booted', 2);
    await assert.rejects(backend.resize(vm.id, 1, 128), /must be stopped/);
  });

  it('reboots HARD by resetting the running machine', async () => {
    await backend.reboot(vm.id, 'HARD', { timeoutMs: 1_000 });
    await marker(vm.id, 'booted', 3);
    assert.deepEqual(processesMentioning(vm.id), [pid], 'the same QEMU: a reset, not a restart');
  });

  it('keeps running when its backend goes away; another instance finds and stops it', async () => {
    const successor = new QemuBackend({ vmsDir: join(work, 'vms'), imagesDir: join(work, 'images'), accel: 'tcg' });
    assert.equal((await successor.inspect(vm.id))?.state, 'running');
    // No time for the guest: the power button is followed at once by a hard stop.
    await successor.stop(vm.id, { timeoutMs: 0 });
    assert.deepEqual(processesMentioning(vm.id), []);
    assert.equal((await backend.inspect(vm.id))?.state, 'stopped');
  });

  it('stops a guest that was just started: the power button is pressed again until the booting guest hears it', async () => {
    // Regression: the one press came before the guest could hear it (QEMU drops a press until
    // the guest's button driver is in), so every stop in the first seconds waited for its timeout.
    await backend.start(vm.id);
    const shutdowns = occurrences(await console_(vm.id), 'oceanos-guest: shutdown');
    logs.length = 0;
    await backend.stop(vm.id, { timeoutMs: BOOT_TIMEOUT_MS });
    assert.equal(occurrences(await console_(vm.id), 'oceanos-guest: shutdown'), shutdowns + 1, 'the guest shut itself down');
    assert.ok(logs.some((entry) => /pressing it again/.test(entry.msg)), 'the backend pressed the button again');
    assert.ok(!logs.some((entry) => /did not power off in time/.test(entry.msg)), 'no forced stop');
    assert.deepEqual(processesMentioning(vm.id), []);
  });

  it('reboots a stopped VM (HARD or SOFT) by starting it', async () => {
    await backend.reboot(vm.id, 'SOFT', { timeoutMs: 30_000 });
    await marker(vm.id, 'booted', 5);
    assert.equal(processesMentioning(vm.id).length, 1);
  });

  it('destroys a running VM entirely, and a missing one without complaint', async () => {
    await backend.destroy(vm.id);
    assert.deepEqual(processesMentioning(vm.id), []);
    assert.ok(!existsSync(join(work, 'vms', vm.id)));
    assert.equal(await backend.inspect(vm.id), null);
    await backend.destroy(vm.id);
    await assert.rejects(backend.start(vm.id), (error: BackendError) => error.code === 'notFound');
    assert.ok(existsSync(join(work, 'images')), 'the base image stays cached for the next VM');
  });

  it('leaves nothing behind when QEMU refuses to start, and says why', async () => {
    const bad = spec({ vcpus: 100_000 });
    await assert.rejects(backend.create(bad), (error: BackendError) => {
      assert.match(error.message, /^QEMU failed to start: .*CPUs/);
      return true;
    });
    assert.ok(!existsSync(join(work, 'vms', bad.id)));
    assert.deepEqual(processesMentioning(bad.id), []);
    assert.equal(await backend.inspect(bad.id), null);
  });

  it('treats a run directory without a spec as an unfinished create and clears it', async () => {
    const id = crypto.randomUUID();
    mkdirSync(join(work, 'vms', id));
    writeFileSync(join(work, 'vms', id, 'disk.qcow2'), '');
    assert.equal(await backend.inspect(id), null);
    assert.ok(!(await backend.list()).some((info) => info.id === id));
    assert.ok(!existsSync(join(work, 'vms', id)));
  });
});

describe('qemu backend without QEMU', () => {
  it('answers unknown and malformed ids as absent', async () => {
    const work = mkdtempSync(join(tmpdir(), 'oceanos-qemu-backend-'));
    const backend = new QemuBackend({ vmsDir: join(work, 'vms'), imagesDir: join(work, 'images'), accel: 'tcg' });
    assert.deepEqual(await backend.list(), []);
    for (const id of [crypto.randomUUID(), '../etc', 'not-a-uuid']) {
      assert.equal(await backend.inspect(id), null);
      await backend.destroy(id);
      const calls = [() => backend.start(id), () => backend.stop(id, { timeoutMs: 0 }), () => backend.consoleOutput(id, 10), () => backend.resize(id, 1, 128)];
      for (const call of calls) await assert.rejects(call(), (error: BackendError) => error.code === 'notFound');
    }
  });
});
