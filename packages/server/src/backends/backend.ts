// The one interface between the control plane and whatever runs virtual machines: the
// embedded qemu backend on this host, Ganeti clusters through RAPI, or a fake in tests.
// Every operation is idempotent (asking twice for the same outcome is not an error), so
// that a job interrupted by a crash can simply run again.

/** The bytes of an image, as the backend needs them to make a VM's disk. */
export interface ImageSource {
  /** Identifies the content, not the name: equal bytes, equal key (Pithos' object hash). */
  contentKey: string;
  format: 'raw' | 'qcow2';
  /** Bytes of the file. */
  size: number;
  /** The file's bytes, in order. Called only when the backend has no cached copy. */
  read(): AsyncIterable<Buffer>;
}

/** A file the guest writes at first boot; owner, group and mode as Synnefo's API has them (mode a number, e.g. 0o600). */
export interface PersonalityFile { path: string; contents: Buffer; owner?: string; group?: string; mode?: number }

/** What the guest learns at first boot through the OpenStack config drive (`config-2`). */
export interface Personalisation {
  hostname: string;
  /** Key name to OpenSSH public key line. */
  publicKeys: Record<string, string>;
  userData: Buffer | null;
  files: PersonalityFile[];
  /** The server's metadata, visible to the guest as `meta` in meta_data.json. */
  metadata: Record<string, string>;
  adminPass: string | null;
}

export interface VmSpec {
  /** The server's UUID; the backend names the VM after it. */
  id: string;
  name: string;
  vcpus: number;
  /** MiB. */
  ramMiB: number;
  /** The disk's virtual size, in bytes; at least the image's virtual size. */
  diskBytes: number;
  image: ImageSource;
  personalisation: Personalisation;
}

/** running: the guest executes. stopped: the VM exists (its disk does) but does not run. */
export type VmPowerState = 'running' | 'stopped';

export interface VmInfo {
  id: string;
  state: VmPowerState;
  vcpus: number;
  ramMiB: number;
  diskBytes: number;
}

export interface BackendCapabilities {
  /** Can serve the VM's graphical console (`consoleSocket`). */
  vncConsole: boolean;
  /** Changing vCPUs and RAM of a stopped VM. */
  resize: boolean;
}

/** What a backend holds, for the operator: its VMs, their disks, and its cache of images. */
export interface BackendCapacity {
  vms: number;
  /** Bytes the VMs' own disks take (their overlays, not the bases they share). */
  vmDiskBytes: number;
  /** Local copies of images, when the backend keeps them. */
  imageCache?: { bytes: number; limitBytes: number; bases: number };
}

/** The backend cannot do what was asked; `message` is fit to show a user as a fault. */
export class BackendError extends Error {
  constructor(message: string, readonly code: 'notFound' | 'insufficientResources' | 'failed' = 'failed') {
    super(message);
  }
}

export interface Backend {
  readonly name: string;
  readonly capabilities: BackendCapabilities;

  /**
   * Creates the VM's disk and config drive and starts it. If it throws, nothing of the VM is
   * left behind (no process, disk or directory). Creating a VM that exists already returns
   * without change.
   */
  create(spec: VmSpec): Promise<void>;
  /** Starts a stopped VM; a running one is left as it is. */
  start(id: string): Promise<void>;
  /**
   * Stops a VM: an ACPI power-button press, then, if the guest has not powered off after
   * `timeoutMs`, a hard stop. A stopped VM is left as it is.
   */
  stop(id: string, options: { timeoutMs: number }): Promise<void>;
  /** SOFT: a clean stop (as `stop`) then start. HARD: a reset of the running VM, or a start of a stopped one. */
  reboot(id: string, type: 'SOFT' | 'HARD', options: { timeoutMs: number }): Promise<void>;
  /** Changes vCPUs and RAM of a stopped VM; they apply at its next start. */
  resize(id: string, vcpus: number, ramMiB: number): Promise<void>;
  /** Removes the VM entirely: its process, disks and every file. A missing VM is not an error. */
  destroy(id: string): Promise<void>;

  /** The last `maxBytes` of the VM's serial console output (all of it, across restarts). */
  consoleOutput(id: string, maxBytes: number): Promise<Buffer>;
  /** A unix socket speaking RFB (VNC) to the VM's screen, while it runs. */
  consoleSocket(id: string): Promise<string>;

  /** Every VM this backend holds, for reconciliation. */
  list(): Promise<VmInfo[]>;
  /** One VM, or null if the backend does not hold it. */
  inspect(id: string): Promise<VmInfo | null>;
  /** What the backend holds, for the operator's capacity report. */
  capacity(): Promise<BackendCapacity>;
}
