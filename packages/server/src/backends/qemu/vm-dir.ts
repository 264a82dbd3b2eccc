// A VM's run directory, vmsDir/<id>/: everything the qemu backend knows of one VM lives in
// it, so that a restarted control plane (or a new backend instance) finds its VMs there.
import { readFileSync } from 'node:fs';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeQcow2Overlay } from './qcow2-overlay.ts';
import type { QemuFiles } from './qemu-argv.ts';

/** What start() needs besides the files; written last by create, so it marks a finished VM. */
export interface VmSpecFile { name: string; vcpus: number; ramMiB: number; diskBytes: number }

/** Server ids are UUIDs; nothing else may become a directory name or reach QEMU's -uuid. */
export const isVmId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export class VmDir implements QemuFiles {
  readonly spec: string;
  readonly disk: string;
  readonly configDrive: string;
  readonly qmp: string;
  readonly serial: string;
  readonly consoleLog: string;
  readonly vnc: string;
  readonly pidFile: string;

  /** `root` must be absolute: QEMU is given these paths and runs from `/`. */
  constructor(readonly root: string, readonly id: string) {
    this.spec = join(root, 'spec.json');
    this.disk = join(root, 'disk.qcow2');
    this.configDrive = join(root, 'config.iso');
    this.qmp = join(root, 'qmp.sock');
    this.serial = join(root, 'serial.sock');
    this.consoleLog = join(root, 'console.log');
    this.vnc = join(root, 'vnc.sock');
    this.pidFile = join(root, 'qemu.pid');
  }

  /** The spec, or null when there is none (no VM, or a create that did not finish). */
  async readSpec(): Promise<VmSpecFile | null> {
    try {
      return JSON.parse(await readFile(this.spec, 'utf8')) as VmSpecFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Replaces the spec atomically (temporary file and rename): a crash leaves the old or the new. */
  async writeSpec(spec: VmSpecFile): Promise<void> {
    const tmp = `${this.spec}.tmp`;
    await writeFile(tmp, JSON.stringify(spec));
    await rename(tmp, this.spec);
  }

  /**
   * Makes disk.qcow2: a copy-on-write overlay of `base` (absolute path) with a virtual size
   * of `bytes`, so that a VM's creation costs the same whatever its image's size.
   */
  async createDisk(base: string, format: 'raw' | 'qcow2', bytes: number): Promise<void> {
    await writeQcow2Overlay(this.disk, base, format, bytes);
  }

  /** The last `maxBytes` of the serial console's log (empty if the VM never started). */
  async consoleTail(maxBytes: number): Promise<Buffer> {
    const file = await open(this.consoleLog, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!file) return Buffer.alloc(0);
    try {
      const { size } = await file.stat();
      const length = Math.max(0, Math.min(size, maxBytes));
      const { buffer, bytesRead } = await file.read(Buffer.alloc(length), 0, length, size - length);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  /** The pid of this VM's QEMU if it runs: the pid file names a live process whose command line holds the VM's id. */
  runningPid(): number | null {
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(this.pidFile, 'utf8'), 10);
    } catch {
      return null;
    }
    return Number.isInteger(pid) && pid > 0 && isVmProcess(pid, this.id) ? pid : null;
  }
}


/**
 * Whether `pid` is a live QEMU of VM `id`. Guards against pid reuse after a QEMU exited; a
 * zombie (exited, not yet reaped) has an empty command line, so it counts as gone.
 */
export function isVmProcess(pid: number, id: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(id);
  } catch {
    return false;
  }
}
