// The embedded backend: each VM is its own detached QEMU process on this host, its files in
// vmsDir/<id>/ (vm-dir.ts), controlled over QMP. All state is on disk and in /proc, so VMs
// keep running across control-plane restarts and a new instance picks them up as they are.
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { DiskSpace } from '../../fs/disk-space.ts';
import { BackendError, type Backend, type BackendCapacity, type VmInfo, type VmSpec } from '../backend.ts';
import { resolveAccel, type Accel } from './accel.ts';
import { writeConfigDrive } from './config-drive.ts';
import { ImageCache } from './image-cache.ts';
import { backingFileOf } from './qcow2-overlay.ts';
import { qemuArgv } from './qemu-argv.ts';
import { exited, killVm, launchQemu, signalVm } from './qemu-process.ts';
import { QmpClient } from './qmp-client.ts';
import { Reverter } from './reverter.ts';
import { isVmId, VmDir, type VmSpecFile } from './vm-dir.ts';

export interface QemuBackendOptions {
  /** DIR/vms: one run directory per VM. */
  vmsDir: string;
  /** DIR/images: cached base images. */
  imagesDir: string;
  accel: 'kvm' | 'tcg' | 'auto';
  /** qemu-system-x86_64 unless set. */
  qemuBinary?: string;
  logger?: Logger;
  /** The most bytes the cached images may take (least recently used unused ones go first); 0: no limit. */
  imageCacheBytes?: number;
  /** Image copies leave the filesystem's reserve free (fs/disk-space.ts). */
  space?: DiskSpace;
}

/** How long QEMU gets to exit after QMP quit (or SIGTERM) before SIGKILL. */
const QUIT_GRACE_MS = 5_000;
/**
 * How often a stop presses the power button again while the guest runs (Nova re-sends its
 * ACPI shutdown every shutdown_retry_interval, 10 s): a guest that is still booting loses the
 * presses that come before its ACPI driver and handler are up. Short, as a boot under TCG is.
 */
export const POWER_BUTTON_REPEAT_MS = 2_000;
/** A unix socket address holds 107 bytes, and vmsDir/<uuid>/serial.sock must fit in one. */
const MAX_VMS_DIR_BYTES = 107 - '/00000000-0000-0000-0000-000000000000/serial.sock'.length;

export class QemuBackend implements Backend {
  readonly name = 'qemu';
  readonly capabilities = { vncConsole: true, resize: true };
  private readonly vmsDir: string;
  private readonly images: ImageCache;
  private accel: Accel | undefined;
  /** The operation in progress per VM: operations on one VM run one after the other. */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(readonly options: QemuBackendOptions) {
    // Absolute: QEMU is handed these paths and a daemonized QEMU runs from `/`.
    this.vmsDir = resolve(options.vmsDir);
    this.images = new ImageCache(resolve(options.imagesDir), {
      limitBytes: options.imageCacheBytes ?? 0, space: options.space, inUse: () => this.basesInUse(),
    });
    if (Buffer.byteLength(this.vmsDir) > MAX_VMS_DIR_BYTES) {
      options.logger?.warn({ vmsDir: this.vmsDir }, `qemu backend: no VM can start: the VM directory's path is longer than the ${MAX_VMS_DIR_BYTES} bytes that leave room for its sockets`);
    }
  }

  async create(spec: VmSpec): Promise<void> {
    const dir = this.dir(spec.id);
    await this.exclusive(spec.id, async () => {
      if (await dir.readSpec()) return;
      // Whatever is there is what an interrupted create left.
      await rm(dir.root, { recursive: true, force: true });
      const reverter = new Reverter();
      try {
        const base = resolve(await this.images.base(spec.image));
        reverter.add(() => rm(dir.root, { recursive: true, force: true }));
        await mkdir(dir.root, { recursive: true });
        try {
          await Promise.all([
            dir.createDisk(base, spec.image.format, spec.diskBytes),
            writeConfigDrive(dir.configDrive, { id: spec.id, name: spec.name }, spec.personalisation),
          ]);
        } finally {
          // From here the disk names the base, which keeps it in use.
          this.images.release(base);
        }
        const file: VmSpecFile = { name: spec.name, vcpus: spec.vcpus, ramMiB: spec.ramMiB, diskBytes: spec.diskBytes };
        await dir.writeSpec(file);
        reverter.add(() => this.kill(dir));
        await this.launch(dir, file);
        reverter.success();
      } catch (error) {
        const undoErrors = await reverter.revert();
        if (undoErrors.length) this.options.logger?.error({ vm: spec.id, errors: undoErrors.map(String) }, 'qemu backend: cleaning up a failed create failed');
        throw userFacing(error);
      }
    });
  }

  async start(id: string): Promise<void> {
    const dir = this.dir(id);
    await this.exclusive(id, () => this.startVm(dir));
  }

  async stop(id: string, options: { timeoutMs: number }): Promise<void> {
    const dir = this.dir(id);
    await this.exclusive(id, () => this.stopVm(dir, options.timeoutMs));
  }

  async reboot(id: string, type: 'SOFT' | 'HARD', options: { timeoutMs: number }): Promise<void> {
    const dir = this.dir(id);
    await this.exclusive(id, async () => {
      if (type === 'SOFT') await this.stopVm(dir, options.timeoutMs);
      else if (await this.resetVm(dir)) return;
      await this.startVm(dir);
    });
  }

  async resize(id: string, vcpus: number, ramMiB: number): Promise<void> {
    const dir = this.dir(id);
    await this.exclusive(id, async () => {
      const spec = await this.existing(dir);
      if (dir.runningPid() !== null) throw new BackendError('The VM must be stopped to be resized');
      await dir.writeSpec({ ...spec, vcpus, ramMiB });
    });
  }

  async destroy(id: string): Promise<void> {
    if (!isVmId(id)) return;
    const dir = this.dir(id);
    await this.exclusive(id, async () => {
      await this.kill(dir);
      await rm(dir.root, { recursive: true, force: true });
    });
  }

  async consoleOutput(id: string, maxBytes: number): Promise<Buffer> {
    const dir = this.dir(id);
    await this.existing(dir);
    return dir.consoleTail(maxBytes);
  }

  async consoleSocket(id: string): Promise<string> {
    const dir = this.dir(id);
    await this.existing(dir);
    if (dir.runningPid() === null) throw new BackendError('The VM is not running, so it has no console');
    return dir.vnc;
  }

  async list(): Promise<VmInfo[]> {
    const infos = await Promise.all((await this.vmIds()).map((id) => this.inspect(id)));
    return infos.filter((info): info is VmInfo => info !== null);
  }

  async capacity(): Promise<BackendCapacity> {
    const ids = await this.vmIds();
    let vmDiskBytes = 0;
    for (const id of ids) {
      const root = this.dir(id).root;
      for (const name of await readdir(root).catch(() => [])) vmDiskBytes += ((await stat(join(root, name)).catch(() => null))?.blocks ?? 0) * 512;
    }
    return { vms: ids.length, vmDiskBytes, imageCache: await this.images.report() };
  }

  /** The bases the VMs' disks name as their backing files. */
  private async basesInUse(): Promise<Set<string>> {
    const used = new Set<string>();
    for (const id of await this.vmIds()) {
      const base = await backingFileOf(this.dir(id).disk);
      if (base) used.add(base);
    }
    return used;
  }

  private async vmIds(): Promise<string[]> {
    const names = await readdir(this.vmsDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return names.filter(isVmId);
  }

  async inspect(id: string): Promise<VmInfo | null> {
    if (!isVmId(id)) return null;
    const dir = this.dir(id);
    const spec = await dir.readSpec();
    if (!spec) {
      // A run directory without a spec is a create that never finished (the process died):
      // nothing runs from it, so it goes, unless that create is still under way here.
      if (!this.busy.has(id)) await rm(dir.root, { recursive: true, force: true });
      return null;
    }
    const state = dir.runningPid() === null ? 'stopped' : 'running';
    return { id, state, vcpus: spec.vcpus, ramMiB: spec.ramMiB, diskBytes: spec.diskBytes };
  }

  private async startVm(dir: VmDir): Promise<void> {
    const spec = await this.existing(dir);
    if (dir.runningPid() === null) await this.launch(dir, spec);
  }

  /**
   * Presses the ACPI power button until the guest powers off; if it still runs after
   * `timeoutMs`, QMP quit; if QEMU is still there, SIGKILL.
   */
  private async stopVm(dir: VmDir, timeoutMs: number): Promise<void> {
    await this.existing(dir);
    const pid = dir.runningPid();
    if (pid === null) return;
    const log = this.options.logger?.child({ vm: dir.id });
    const qmp = await QmpClient.connect(dir.qmp).catch((error: Error) => {
      log?.warn({ err: error.message }, 'qemu backend: no QMP, stopping QEMU without asking the guest');
      return null;
    });
    try {
      if (qmp && await this.pressPowerButton(qmp, pid, dir.id, timeoutMs, log)) return;
      if (qmp) await qmp.quit().catch(() => {});
      else signalVm(pid, dir.id, 'SIGTERM');
      if (!(await exited(pid, dir.id, QUIT_GRACE_MS))) await killVm(pid, dir.id);
    } finally {
      qmp?.close();
    }
  }

  /**
   * Presses the power button every POWER_BUTTON_REPEAT_MS until QEMU `pid` exits (true), or
   * until `timeoutMs` has passed or QEMU refuses a press (false). QEMU drops a press while the
   * guest has not enabled the button (firmware, boot loader, a kernel whose button driver is
   * not loaded yet), and the guest one that comes before its handler runs (acpid, logind):
   * a stop soon after a start or reboot needs a later press, which the guest can hear.
   */
  private async pressPowerButton(qmp: QmpClient, pid: number, id: string, timeoutMs: number, log: Logger | undefined): Promise<boolean> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    for (let presses = 1; ; presses++) {
      if (!(await qmp.systemPowerdown().then(() => true, () => false))) return false;
      if (await exited(pid, id, Math.min(POWER_BUTTON_REPEAT_MS, deadline - Date.now()))) {
        if (presses > 1) log?.info({ presses, ms: Date.now() - started }, 'qemu backend: the guest powered off after the power button was pressed again');
        return true;
      }
      if (Date.now() >= deadline) {
        log?.warn({ presses, timeoutMs }, 'qemu backend: the guest did not power off in time after the power button; stopping QEMU');
        return false;
      }
      if (presses === 1) {
        log?.info({ everyMs: POWER_BUTTON_REPEAT_MS, timeoutMs }, 'qemu backend: the guest still runs after the power button (a booting guest ignores it until its ACPI handler runs); pressing it again until the stop times out');
      }
    }
  }

  /** Starts QEMU for a VM that does not run. Throws BackendError with QEMU's reason. */
  private async launch(dir: VmDir, spec: VmSpecFile): Promise<void> {
    // Leftovers of a QEMU that was killed; QEMU would replace the sockets, but not reliably the pid file.
    await Promise.all([dir.pidFile, dir.qmp, dir.serial, dir.vnc].map((path) => rm(path, { force: true })));
    await launchQemu(this.options.qemuBinary ?? 'qemu-system-x86_64', qemuArgv({ id: dir.id, ...spec }, dir, this.accelerator()));
    if (dir.runningPid() === null) throw new BackendError('QEMU exited as soon as it had started');
  }

  /** SIGKILL of the VM's QEMU, if it runs; returns once it is gone. */
  private async kill(dir: VmDir): Promise<void> {
    const pid = dir.runningPid();
    if (pid !== null) await killVm(pid, dir.id);
  }

  /** QMP system_reset of a running VM; false when it does not run (any more). */
  private async resetVm(dir: VmDir): Promise<boolean> {
    await this.existing(dir);
    if (dir.runningPid() === null) return false;
    try {
      const qmp = await QmpClient.connect(dir.qmp);
      await qmp.systemReset().finally(() => qmp.close());
      return true;
    } catch (error) {
      // QEMU exited meanwhile (the guest powered off): the caller starts it instead.
      if (dir.runningPid() === null) return false;
      throw new BackendError(`Could not reset the VM: ${(error as Error).message}`);
    }
  }

  /** The VM's spec; BackendError('notFound') when this backend does not hold the VM. */
  private async existing(dir: VmDir): Promise<VmSpecFile> {
    const spec = await dir.readSpec();
    if (!spec) throw new BackendError(`VM ${dir.id} does not exist on this host`, 'notFound');
    return spec;
  }

  private dir(id: string): VmDir {
    if (!isVmId(id)) throw new BackendError(`VM ${JSON.stringify(id)} does not exist on this host: VM ids are UUIDs`, 'notFound');
    return new VmDir(resolve(this.vmsDir, id), id);
  }

  private accelerator(): Accel {
    if (!this.accel) {
      const { accel, reason } = resolveAccel(this.options.accel);
      this.options.logger?.info({ accel, reason }, 'qemu backend: accelerator chosen');
      this.accel = accel;
    }
    return this.accel;
  }

  /** Runs `operation` once the operations already queued for VM `id` are over. */
  private async exclusive<T>(id: string, operation: () => Promise<T>): Promise<T> {
    const run = (this.busy.get(id) ?? Promise.resolve()).then(operation, operation);
    const settled = run.catch(() => {});
    this.busy.set(id, settled);
    try {
      return await run;
    } finally {
      if (this.busy.get(id) === settled) this.busy.delete(id);
    }
  }
}

/** A create's failure as a fault a user can read; the host's lack of space is its own kind. */
function userFacing(error: unknown): BackendError {
  if (error instanceof BackendError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if ((error as NodeJS.ErrnoException).code === 'ENOSPC' || /No space left/i.test(message)) {
    return new BackendError('No space left on the host for the disk', 'insufficientResources');
  }
  return new BackendError(`Could not create the VM: ${message}`);
}
