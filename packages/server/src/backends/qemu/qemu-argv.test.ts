import assert from 'node:assert/strict';
import { it } from 'node:test';
import { optionValue, qemuArgv, type QemuFiles } from './qemu-argv.ts';

const ID = '0b0f8a9e-6c1d-4c55-9a53-2f1f5f0d4e21';
const files = (dir: string): QemuFiles => ({
  disk: `${dir}/disk.qcow2`, configDrive: `${dir}/config.iso`, qmp: `${dir}/qmp.sock`, serial: `${dir}/serial.sock`,
  consoleLog: `${dir}/console.log`, vnc: `${dir}/vnc.sock`, pidFile: `${dir}/qemu.pid`,
});

/** The value following `flag`, for each time it occurs. */
const valuesOf = (argv: string[], flag: string) => argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1]!] : []));

it('starts the VM detached with its size, identity and accelerator', () => {
  const argv = qemuArgv({ id: ID, name: 'web', vcpus: 2, ramMiB: 512 }, files('/d'), 'tcg');
  assert.deepEqual(argv.slice(0, 3), ['-daemonize', '-pidfile', '/d/qemu.pid']);
  assert.ok(argv.includes('-nodefaults') && argv.includes('-no-user-config'));
  assert.deepEqual(valuesOf(argv, '-machine'), ['pc,accel=tcg']);
  assert.deepEqual(valuesOf(argv, '-m'), ['512']);
  assert.deepEqual(valuesOf(argv, '-smp'), ['2']);
  assert.deepEqual(valuesOf(argv, '-name'), ['guest=web']);
  assert.deepEqual(valuesOf(argv, '-uuid'), [ID]);
  assert.deepEqual(valuesOf(qemuArgv({ id: ID, name: 'web', vcpus: 1, ramMiB: 128 }, files('/d'), 'kvm'), '-machine'), ['pc,accel=kvm']);
});

it('attaches the disk as virtio, the config drive as a read-only IDE CD-ROM, and no NIC', () => {
  const argv = qemuArgv({ id: ID, name: 'web', vcpus: 1, ramMiB: 128 }, files('/d'), 'tcg');
  assert.deepEqual(valuesOf(argv, '-drive'), [
    'file=/d/disk.qcow2,if=virtio,format=qcow2',
    'file=/d/config.iso,if=none,id=config,media=cdrom,format=raw,readonly=on',
  ]);
  assert.deepEqual(valuesOf(argv, '-device'), ['ide-cd,drive=config', 'VGA']);
  assert.ok(!argv.some((arg) => /^-(nic|net|netdev)$/.test(arg)), 'networking is not wired yet');
});

it('serves QMP, a logged serial console and VNC on unix sockets of the run directory', () => {
  const argv = qemuArgv({ id: ID, name: 'web', vcpus: 1, ramMiB: 128 }, files('/d'), 'tcg');
  assert.deepEqual(valuesOf(argv, '-chardev'), [
    'socket,id=qmp,path=/d/qmp.sock,server=on,wait=off',
    'socket,id=serial0,path=/d/serial.sock,server=on,wait=off,logfile=/d/console.log,logappend=on',
  ]);
  assert.deepEqual(valuesOf(argv, '-mon'), ['chardev=qmp,mode=control']);
  assert.deepEqual(valuesOf(argv, '-serial'), ['chardev:serial0']);
  assert.deepEqual(valuesOf(argv, '-vnc'), ['unix:/d/vnc.sock']);
  assert.deepEqual(valuesOf(argv, '-display'), ['none']);
});

it('doubles commas in names and paths so that they cannot add options', () => {
  assert.equal(optionValue('a,b,,c'), 'a,,b,,,,c');
  const argv = qemuArgv({ id: ID, name: 'x,process=evil', vcpus: 1, ramMiB: 128 }, files('/tmp/a,file=/etc/passwd'), 'tcg');
  assert.deepEqual(valuesOf(argv, '-name'), ['guest=x,,process=evil']);
  assert.equal(valuesOf(argv, '-drive')[0], 'file=/tmp/a,,file=/etc/passwd/disk.qcow2,if=virtio,format=qcow2');
});
