// An in-memory backend for fast tests, after nova's fake virt driver: every operation of the
// Backend interface with its documented semantics, and a serial console that prints the
// markers oceanos-tiny prints (guest/README.md), so that API tests can read what a guest
// would have learnt. Tests steer it with delays, injected failures, dead, vanished and
// orphan VMs.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendError, type Backend, type Personalisation, type VmInfo, type VmSpec, type BackendCapacity } from '../backend.ts';

export interface FakeBackendOptions {
  /** How long each power and lifecycle operation takes, so tests can watch transitions. */
  delayMs?: number;
}

interface FakeVm {
  info: VmInfo;
  /** null for a VM adopted behind the control plane's back. */
  spec: VmSpec | null;
  console: Buffer[];
}

type Operation = Exclude<keyof Backend, 'name' | 'capabilities'>;

export class FakeBackend implements Backend {
  readonly name = 'fake';
  readonly capabilities = { vncConsole: false, resize: true };
  private readonly vms = new Map<string, FakeVm>();
  private readonly faults = new Map<Operation, Error[]>();
  /** Content keys of the images read once already, as the qemu backend's image cache. */
  private readonly cachedImages = new Set<string>();

  constructor(private readonly options: FakeBackendOptions = {}) {}

  // Test controls.

  /** The next call of `operation` throws `error` before doing anything. */
  failNext(operation: Operation, error: Error): void {
    this.faults.set(operation, [...(this.faults.get(operation) ?? []), error]);
  }

  /** The VM's guest died (crashed, or was killed on the host): it is stopped, without a clean shutdown. */
  kill(id: string): void {
    this.vm(id).info.state = 'stopped';
  }

  /** The VM vanished from the host entirely. */
  forget(id: string): void {
    this.vm(id);
    this.vms.delete(id);
  }

  /** Adds a VM that the control plane does not know of (an orphan), as it is in `info`. */
  adopt(info: VmInfo): void {
    if (this.vms.has(info.id)) throw new Error(`fake backend: VM ${info.id} exists`);
    const vm: FakeVm = { info: { ...info }, spec: null, console: [] };
    this.vms.set(info.id, vm);
    if (info.state === 'running') boot(vm);
  }

  /** The spec the VM was created with (its personalisation as the control plane sent it). */
  spec(id: string): VmSpec | null {
    return this.vm(id).spec;
  }

  // The Backend interface.

  async create(spec: VmSpec): Promise<void> {
    await this.step('create');
    if (this.vms.has(spec.id)) return;
    if (!this.cachedImages.has(spec.image.contentKey)) {
      let size = 0;
      for await (const chunk of spec.image.read()) size += chunk.length;
      if (size !== spec.image.size) throw new BackendError(`image ${spec.image.contentKey} gave ${size} bytes, not its size ${spec.image.size}`);
      this.cachedImages.add(spec.image.contentKey);
    }
    // A concurrent create of the same VM may have finished while the image was read.
    if (this.vms.has(spec.id)) return;
    const { id, vcpus, ramMiB, diskBytes } = spec;
    const vm: FakeVm = { info: { id, state: 'running', vcpus, ramMiB, diskBytes }, spec, console: [] };
    this.vms.set(id, vm);
    boot(vm);
  }

  async start(id: string): Promise<void> {
    await this.step('start', id);
    const vm = this.vm(id);
    if (vm.info.state === 'running') return;
    vm.info.state = 'running';
    boot(vm);
  }

  async stop(id: string, _options: { timeoutMs: number }): Promise<void> {
    await this.step('stop', id);
    const vm = this.vm(id);
    if (vm.info.state === 'stopped') return;
    print(vm, ['shutdown']);
    vm.info.state = 'stopped';
  }

  async reboot(id: string, type: 'SOFT' | 'HARD', _options: { timeoutMs: number }): Promise<void> {
    await this.step('reboot', id);
    const vm = this.vm(id);
    // A reset gives the guest no warning; a soft reboot is a clean stop first.
    if (type === 'SOFT' && vm.info.state === 'running') print(vm, ['shutdown']);
    vm.info.state = 'running';
    boot(vm);
  }

  async resize(id: string, vcpus: number, ramMiB: number): Promise<void> {
    await this.step('resize', id);
    const vm = this.vm(id);
    if (vm.info.state !== 'stopped') throw new BackendError(`VM ${id} must be stopped to be resized`);
    Object.assign(vm.info, { vcpus, ramMiB });
  }

  async destroy(id: string): Promise<void> {
    await this.step('destroy');
    this.vms.delete(id);
  }

  async consoleOutput(id: string, maxBytes: number): Promise<Buffer> {
    await this.fault('consoleOutput');
    const log = Buffer.concat(this.vm(id).console);
    return log.subarray(Math.max(0, log.length - Math.max(0, maxBytes)));
  }

  async consoleSocket(id: string): Promise<string> {
    await this.fault('consoleSocket');
    this.vm(id);
    throw new BackendError('the fake backend has no graphical console');
  }

  async list(): Promise<VmInfo[]> {
    await this.fault('list');
    return [...this.vms.values()].map((vm) => ({ ...vm.info }));
  }

  /** The fake's VMs take no disk of their own and it keeps no images. */
  async capacity(): Promise<BackendCapacity> {
    return { vms: this.vms.size, vmDiskBytes: 0 };
  }

  async inspect(id: string): Promise<VmInfo | null> {
    await this.fault('inspect');
    const vm = this.vms.get(id);
    return vm ? { ...vm.info } : null;
  }

  private vm(id: string): FakeVm {
    const vm = this.vms.get(id);
    if (!vm) throw new BackendError(`no VM ${id} on the fake backend`, 'notFound');
    return vm;
  }

  private async fault(operation: Operation): Promise<void> {
    const error = this.faults.get(operation)?.shift();
    if (error) throw error;
  }

  /** An injected failure, then the configured delay; for an existing `id`, fails fast on unknown VMs. */
  private async step(operation: Operation, id?: string): Promise<void> {
    await this.fault(operation);
    if (id !== undefined) this.vm(id);
    if (this.options.delayMs) await sleep(this.options.delayMs);
  }
}

/** Appends guest markers to the VM's serial log, with the serial port's CR LF. */
function print(vm: FakeVm, markers: string[]): void {
  vm.console.push(Buffer.from(markers.map((m) => `oceanos-guest: ${m}\r\n`).join('')));
}

/** What oceanos-tiny's init reports from a boot with the VM's config drive. */
function boot(vm: FakeVm): void {
  const p = vm.spec?.personalisation;
  if (!p) return print(vm, ['booted', 'config-drive=none', 'hostname=oceanos', 'ready']);
  const keys = [...new Set(Object.values(p.publicKeys).map((k) => k.trim()).filter(Boolean))];
  print(vm, [
    'booted',
    'config-drive=config-2 /dev/sr0',
    `instance-id=${vm.info.id}`,
    `hostname=${guestHostname(p)}`,
    ...keys.map((key) => `ssh-key=${keySummary(key)}`),
    ...p.files.map((f) => `file=${f.path} ${(f.mode ?? 0o644).toString(8)} ${f.owner ?? 'root'}:${f.group ?? f.owner ?? 'root'}`),
    ...(p.userData ? ['user-data=/run/user-data'] : []),
    'ready',
  ]);
}

/** The guest's host name: cut at the first dot and to a host name's characters (rcS). */
function guestHostname(p: Personalisation): string {
  const name = (p.hostname.split('.')[0] ?? '').replace(/[^A-Za-z0-9-]/g, '').slice(0, 63);
  return name || 'oceanos';
}

/** `ssh-keygen -l`'s fingerprint, type and comment of an OpenSSH public key line. */
function keySummary(key: string): string {
  const [type, blob = '', ...comment] = key.split(/\s+/);
  const fingerprint = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '');
  return [`SHA256:${fingerprint}`, type, ...comment].join(' ');
}
