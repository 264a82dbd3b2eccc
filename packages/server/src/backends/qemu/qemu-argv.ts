// QEMU's command line for one VM, as an argv array (never a shell string). Everything a VM
// needs lives in its run directory; see vm-dir.ts for the file names.
import type { Accel } from './accel.ts';

/** What the command line depends on besides the files: the VM's identity and size. */
export interface QemuVm { id: string; name: string; vcpus: number; ramMiB: number }

/** Absolute paths: a daemonized QEMU changes its directory to `/` once started. */
export interface QemuFiles {
  disk: string;
  configDrive: string;
  qmp: string;
  serial: string;
  consoleLog: string;
  vnc: string;
  pidFile: string;
}

/** Option values are comma-separated key=value lists: a comma inside a value is doubled. */
export const optionValue = (value: string) => value.replaceAll(',', ',,');

/**
 * The arguments (without the binary) that start `vm` detached: QEMU forks, the child calls
 * setsid and writes the pid file, and the parent exits once the VM is set up, with status 0,
 * or non-zero and the reason on stderr.
 */
export function qemuArgv(vm: QemuVm, files: QemuFiles, accel: Accel): string[] {
  const o = optionValue;
  return [
    '-daemonize', '-pidfile', files.pidFile,
    '-nodefaults', '-no-user-config',
    '-machine', `pc,accel=${accel}`,
    '-m', String(vm.ramMiB),
    '-smp', String(vm.vcpus),
    // guest= so that a name such as "process=x" stays a name.
    '-name', `guest=${o(vm.name)}`,
    '-uuid', vm.id,
    '-drive', `file=${o(files.disk)},if=virtio,format=qcow2`,
    // Nova's way: the config drive as a read-only IDE CD-ROM.
    '-drive', `file=${o(files.configDrive)},if=none,id=config,media=cdrom,format=raw,readonly=on`,
    '-device', 'ide-cd,drive=config',
    '-chardev', `socket,id=qmp,path=${o(files.qmp)},server=on,wait=off`,
    '-mon', 'chardev=qmp,mode=control',
    // The serial console is logged across restarts (logappend) and can be attached to live.
    '-chardev', `socket,id=serial0,path=${o(files.serial)},server=on,wait=off,logfile=${o(files.consoleLog)},logappend=on`,
    '-serial', 'chardev:serial0',
    // A VGA card so that the VNC console has a screen to show.
    '-device', 'VGA',
    '-display', 'none',
    '-vnc', `unix:${o(files.vnc)}`,
  ];
}
