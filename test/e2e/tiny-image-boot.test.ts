// End to end: builds the oceanos-tiny guest image (guest/build-tiny-image.sh) and boots it
// under bare QEMU with TCG, from its own disk through its boot loader, as the compute
// service will: with an OpenStack config drive on an IDE CD-ROM, with a NoCloud drive on a
// virtio disk, and with none. Each boot is checked through the markers of guest/README.md
// and a root shell on the serial console, and ends with the guest powering QEMU off.
import { keySummary, sshPublicKey } from './ssh-key.ts';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ROOT } from './serve-process.ts';
import { SerialConsole } from './qemu-serial.ts';
import { missingTools } from './tools.ts';

const exec = promisify(execFile);
const BUILDER = join(ROOT, 'guest', 'build-tiny-image.sh');
const BOOT_TIMEOUT_MS = 120_000;

const missing = missingTools(['qemu-system-x86_64', 'genisoimage', 'mformat', 'syslinux', 'sfdisk', 'cpio']);
if (missing) process.stderr.write(`# skipping the tiny image boot tests: ${missing}\n`);

/** An ISO 9660 file system labelled `label` holding `files` (path → content). */
function makeDrive(dir: string, label: string, files: Record<string, string>): string {
  const tree = join(dir, `${label}-tree`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), content);
  }
  const iso = join(dir, `${label}.iso`);
  const result = spawnSync('genisoimage', ['-quiet', '-V', label, '-J', '-R', '-o', iso, tree], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return iso;
}

interface Guest { qemu: ChildProcess; serial: SerialConsole; exited: Promise<number | null>; started: number }

/**
 * Boots the image with QEMU's pc machine under TCG (KVM hangs stock kernels on these hosts),
 * the image as a copy-on-write virtio disk, the serial console on a unix socket, plus `args`.
 */
async function boot(image: string, dir: string, args: string[]): Promise<Guest> {
  const serialPath = join(dir, 'serial.sock');
  const started = Date.now();
  const qemu = spawn('qemu-system-x86_64', [
    '-machine', 'pc', '-accel', 'tcg', '-m', '256', '-nodefaults', '-nographic',
    '-drive', `file=${image},format=raw,if=virtio,snapshot=on`,
    // wait=on: the guest starts only once the test listens, so the log has everything.
    '-serial', `unix:${serialPath},server=on,wait=on`,
    ...args,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  qemu.stderr!.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((ok) => qemu.on('exit', (code) => ok(code)));
  const serial = await Promise.race([
    SerialConsole.connect(serialPath),
    exited.then((code) => { throw new Error(`qemu exited with ${code}: ${stderr}`); }),
  ]);
  return { qemu, serial, exited, started };
}

/** Resolves with QEMU's exit code once the guest has powered off; fails with the log. */
async function poweredOff(guest: Guest): Promise<number | null> {
  const timeout = new Promise<'timeout'>((ok) => setTimeout(ok, BOOT_TIMEOUT_MS, 'timeout').unref());
  const result = await Promise.race([guest.exited, timeout]);
  if (result === 'timeout') throw new Error(`QEMU still runs after the guest was told to power off; console log:\n${guest.serial.log}`);
  return result;
}

/** The value of each whole `oceanos-guest: NAME=VALUE` line printed so far (see guest/README.md). */
function markers(serial: SerialConsole, name: string): string[] {
  const pattern = new RegExp(`oceanos-guest: ${name}=([^\\r\\n]*)\\r?\\n`, 'g');
  return [...serial.log.matchAll(pattern)].map((m) => m[1]!);
}

const marker = (name: string) => new RegExp(`oceanos-guest: ${name}(?:=([^\\r\\n]*))?\\r?\\n`);

describe('oceanos-tiny guest image', { skip: missing, timeout: 600_000 }, () => {
  let image = '';
  const guests: Guest[] = [];
  const work = mkdtempSync(join(tmpdir(), 'oceanos-tiny-'));

  before(async () => {
    const { stdout } = await exec('bash', [BUILDER], { timeout: 300_000, maxBuffer: 1 << 20 });
    image = stdout.trim();
  });

  after(() => {
    for (const guest of guests) guest.qemu.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  async function startGuest(name: string, args: string[]): Promise<Guest> {
    const dir = join(work, name);
    mkdirSync(dir);
    const guest = await boot(image, dir, args);
    guests.push(guest);
    return guest;
  }

  it('builds a small bootable disk: MBR with an active FAT partition, cached on a second run', async () => {
    assert.match(image, /^\/.*\.raw$/);
    assert.ok(statSync(image).size <= 64 * 1024 * 1024, 'at most 64 MiB');
    const mbr = Buffer.alloc(512);
    const fd = openSync(image, 'r');
    readSync(fd, mbr, 0, 512, 0);
    closeSync(fd);
    assert.equal(mbr.readUInt16LE(510), 0xaa55, 'boot signature');
    assert.equal(mbr[446], 0x80, 'first partition is active');
    assert.equal(mbr[446 + 4], 0x0e, 'first partition is FAT16 (LBA)');
    assert.equal(mbr.readUInt32LE(446 + 8), 2048, 'first partition starts at 1 MiB');

    const again = await exec('bash', [BUILDER], { timeout: 60_000 });
    assert.equal(again.stdout, `${image}\n`, 'the same cached image, and only its path on stdout');
  });

  it('boots with an OpenStack config drive: host name, keys, user data, static and DHCP networks, shell, poweroff', async (t) => {
    const key = sshPublicKey('tiny@oceanos-test');
    const drive = makeDrive(work, 'config-2', {
      'openstack/latest/meta_data.json': JSON.stringify({
        uuid: '6f4bcb8c-3a34-4b0e-9d3e-0d6f5b1f1a01',
        hostname: 'tiny-test-host',
        name: 'tiny test',
        public_keys: { tiny: `${key}\n` },   // Nova's keys end with a newline
        keys: [{ name: 'tiny', type: 'ssh', data: `${key}\n` }],
      }),
      'openstack/latest/user_data': '#!/bin/sh\necho "user data says $((6*7))"\nhostname\nexit 3\n',
      'openstack/latest/network_data.json': JSON.stringify({
        links: [{ id: 'tap-static', type: 'phy', ethernet_mac_address: '52:54:00:00:00:01' }],
        networks: [{
          id: 'net0', type: 'ipv4', link: 'tap-static', ip_address: '192.0.2.10', netmask: '255.255.255.0',
          routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '192.0.2.1' }],
        }],
        services: [{ type: 'dns', address: '192.0.2.53' }],
      }),
    });
    const guest = await startGuest('openstack', [
      // The config drive as OpenStack attaches it on a pc machine: an IDE CD-ROM.
      '-drive', `if=none,id=config,media=cdrom,format=raw,readonly=on,file=${drive}`,
      '-device', 'ide-cd,drive=config',
      // Two NICs: the first configured statically by network_data.json, the second by
      // QEMU's user-mode DHCP server and router advertisements.
      '-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01',
      '-netdev', 'user,id=n1', '-device', 'virtio-net-pci,netdev=n1,mac=52:54:00:00:00:02',
    ]);
    const { serial } = guest;
    await serial.waitFor(marker('booted'), { timeoutMs: BOOT_TIMEOUT_MS });
    await serial.waitFor(marker('ready'));
    t.diagnostic(`ready ${(Date.now() - guest.started) / 1000} s after QEMU started`);
    assert.match(markers(serial, 'config-drive')[0]!, /^config-2 \/dev\/sr0$/);
    assert.deepEqual(markers(serial, 'instance-id'), ['6f4bcb8c-3a34-4b0e-9d3e-0d6f5b1f1a01']);
    assert.deepEqual(markers(serial, 'hostname'), ['tiny-test-host']);
    assert.deepEqual(markers(serial, 'ssh-key'), [keySummary(key)], 'the key once, though listed twice');
    assert.deepEqual(markers(serial, 'user-data'), ['/run/user-data']);

    const interfaces = new Map(markers(serial, 'interface').map((v) => { const [ifc, mac, mode] = v.split(' '); return [mac, { ifc, mode }]; }));
    const fixed = interfaces.get('52:54:00:00:00:01');
    const dhcp = interfaces.get('52:54:00:00:00:02');
    assert.ok(fixed && dhcp, 'both NICs reported');
    assert.equal(fixed.mode, 'static');
    assert.equal(dhcp.mode, 'dhcp');
    await serial.waitFor(new RegExp(`oceanos-guest: address=${fixed.ifc} 192\\.0\\.2\\.10/24\\r?\\n`));
    await serial.waitFor(new RegExp(`oceanos-guest: address=${dhcp.ifc} 10\\.0\\.2\\.15/24\\r?\\n`));
    await serial.waitFor(new RegExp(`oceanos-guest: address=${dhcp.ifc} fec0::[0-9a-f:]+/64\\r?\\n`), { timeoutMs: 60_000 });

    await serial.waitFor(marker('user-data-exit'));
    assert.deepEqual(markers(serial, 'user-data-output'), ['user data says 42', 'tiny-test-host']);
    assert.deepEqual(markers(serial, 'user-data-exit'), ['3']);

    let from = serial.position;
    serial.writeLine('echo "answer=$((6*7)) host=$(hostname)"');
    const answer = await serial.waitFor(/answer=(\d+) host=([\w-]+)\r?\n/, { from });
    assert.deepEqual([answer[1], answer[2]], ['42', 'tiny-test-host']);

    from = serial.position;
    serial.writeLine('echo "keys=$(wc -l < /root/.ssh/authorized_keys) $(cut -d" " -f3 /root/.ssh/authorized_keys)"; ip route | grep default');
    const keys = await serial.waitFor(/keys=(\d+) (\S+)\r?\n/, { from });
    assert.deepEqual([keys[1], keys[2]], ['1', 'tiny@oceanos-test']);
    await serial.waitFor(new RegExp(`default via 192\\.0\\.2\\.1 dev ${fixed.ifc}\\s`), { from });

    serial.writeLine('poweroff');
    await serial.waitFor(marker('shutdown'));
    assert.equal(await poweredOff(guest), 0);
  });

  it('boots with a NoCloud drive on a virtio disk', async (t) => {
    const key = sshPublicKey('nocloud@oceanos-test');
    const drive = makeDrive(work, 'cidata', {
      'meta-data': `instance-id: iid-tiny-1\nlocal-hostname: nocloud-host\npublic-keys:\n  - "${key}"\n`,
      'user-data': '#cloud-config\n',
    });
    const guest = await startGuest('nocloud', ['-drive', `file=${drive},format=raw,if=virtio,readonly=on`]);
    const { serial } = guest;
    await serial.waitFor(marker('ready'), { timeoutMs: BOOT_TIMEOUT_MS });
    t.diagnostic(`ready ${(Date.now() - guest.started) / 1000} s after QEMU started`);
    assert.deepEqual(markers(serial, 'config-drive'), ['cidata /dev/vdb']);
    assert.deepEqual(markers(serial, 'instance-id'), ['iid-tiny-1']);
    assert.deepEqual(markers(serial, 'hostname'), ['nocloud-host']);
    assert.deepEqual(markers(serial, 'ssh-key'), [keySummary(key)]);
    assert.deepEqual(markers(serial, 'user-data-exit'), [], 'user data that is no script is kept, not run');

    const from = serial.position;
    serial.writeLine('echo "stored=$(head -n1 /run/user-data)"');
    await serial.waitFor(/stored=#cloud-config\r?\n/, { from });
    serial.writeLine('poweroff -f');
    assert.equal(await poweredOff(guest), 0);
  });

  it('boots without a config drive, with defaults, and powers off on an ACPI power button press', async (t) => {
    const monitorPath = join(work, 'monitor.sock');
    const guest = await startGuest('plain', ['-monitor', `unix:${monitorPath},server=on,wait=off`]);
    const { serial } = guest;
    await serial.waitFor(marker('ready'), { timeoutMs: BOOT_TIMEOUT_MS });
    t.diagnostic(`ready ${(Date.now() - guest.started) / 1000} s after QEMU started`);
    assert.deepEqual(markers(serial, 'config-drive'), ['none']);
    assert.deepEqual(markers(serial, 'hostname'), ['oceanos']);
    assert.deepEqual(markers(serial, 'ssh-key'), []);
    assert.deepEqual(markers(serial, 'interface'), [], 'no NIC, no interface but lo');

    const monitor = await SerialConsole.connect(monitorPath);
    monitor.writeLine('system_powerdown');
    await serial.waitFor(marker('shutdown'));
    assert.equal(await poweredOff(guest), 0);
    monitor.close();
  });
});
