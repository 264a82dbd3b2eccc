// Compute API (/compute/v2.1): what the server answers at the Nova microversions the SDK asks
// for (servers 2.46, flavors 2.61, key pairs 2.2) and what clients read. Request bodies are
// validated by the server's routes; Cyclades' shapes (/compute/v2.0) are not described here.

export const COMPUTE_PREFIX = '/compute/v2.1';

/** API statuses (derived from Nova's vm_state and task_state). */
export const SERVER_STATUSES = ['ACTIVE', 'BUILD', 'REBUILD', 'SHUTOFF', 'REBOOT', 'HARD_REBOOT', 'RESIZE', 'VERIFY_RESIZE', 'REVERT_RESIZE', 'ERROR', 'DELETED'] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

export interface Link { rel: string; href: string }

export interface ServerFault { code: number; message: string; created: string }

/** One server as `GET /servers/{id}` and `GET /servers/detail` show it at microversion 2.46. */
export interface Server {
  id: string;
  name: string;
  status: ServerStatus;
  tenant_id: string;
  user_id: string;
  /** `""` when the server was not booted from an image. */
  image: { id: string; links: Link[] } | '';
  flavor: { id: string; links: Link[] };
  metadata: Record<string, string>;
  /** Until networking lands, always empty. */
  addresses: Record<string, { version: 4 | 6; addr: string; 'OS-EXT-IPS:type'?: string; 'OS-EXT-IPS-MAC:mac_addr'?: string }[]>;
  accessIPv4: string;
  accessIPv6: string;
  created: string;
  updated: string;
  hostId: string;
  key_name: string | null;
  /** 0 to 100 while building; only in ACTIVE, BUILD, REBUILD, RESIZE and VERIFY_RESIZE. */
  progress?: number;
  config_drive: string;
  links: Link[];
  'OS-EXT-STS:vm_state': string;
  'OS-EXT-STS:task_state': string | null;
  'OS-EXT-STS:power_state': number;
  'OS-SRV-USG:launched_at': string | null;
  'OS-SRV-USG:terminated_at': string | null;
  'OS-DCF:diskConfig': 'AUTO' | 'MANUAL';
  'os-extended-volumes:volumes_attached': { id: string }[];
  security_groups?: { name: string }[];
  'OS-EXT-AZ:availability_zone': string;
  /** Present while the server is in ERROR. */
  fault?: ServerFault;
  /** 2.9 */
  locked: boolean;
  /** 2.19 */
  description: string | null;
  /** 2.26 */
  tags: string[];
}

/** `GET /servers`: the short form. */
export interface ServerSummary { id: string; name: string; links: Link[] }

/** `POST /servers` answers 202 with this. */
export interface ServerCreated {
  id: string;
  links: Link[];
  adminPass: string;
  'OS-DCF:diskConfig': 'AUTO' | 'MANUAL';
  security_groups?: { name: string }[];
}

export interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  /** MiB. */
  ram: number;
  /** GiB. */
  disk: number;
  'OS-FLV-EXT-DATA:ephemeral': number;
  'OS-FLV-DISABLED:disabled': boolean;
  swap: number | '';
  rxtx_factor: number;
  'os-flavor-access:is_public': boolean;
  description?: string | null;
  links: Link[];
}

export interface Keypair {
  name: string;
  public_key: string;
  fingerprint: string;
  type: 'ssh' | 'x509';
  user_id?: string;
  created_at?: string;
  /** Only in the answer to a generate request: the private key, shown once. */
  private_key?: string;
}

/** `POST /servers/{id}/action` with `os-getVNCConsole` / `remote-consoles`: a URL with a one-time token. */
export interface RemoteConsole { type: 'novnc'; url: string; protocol?: 'vnc' }

/** What `GET/POST /compute/v2.1/oceanos/reconcile/servers` answers: where the database and the backend differ. */
export interface ReconcileReport {
  /** VMs the database does not know, or knows as deleted. Fix: destroy them. */
  orphans: string[];
  /** Servers whose VM is gone. Fix: DELETED, quota released, a fault saying so. */
  stale: string[];
  /** Servers whose VM runs while the database says it does not, or the reverse. Fix: the database follows the VM. */
  unsynced: { id: string; db: ServerStatus; backend: 'running' | 'stopped' }[];
  /** Servers building, or with a task, that no job will finish. Fix: ERROR (a build), or the state the VM is in. */
  stuck: string[];
  /** Whether the differences found were fixed. */
  fixed: boolean;
}

/** What `GET /oceanos/capacity` answers (admins): where this cloud's disk goes. */
export interface CapacityReport {
  /** The data directory's filesystem; data writes leave `reserveBytes` of it for the database. */
  disk: { totalBytes: number; freeBytes: number; reserveBytes: number };
  /** Bytes of every kept file version (what pithos.diskspace charges; blocks are shared, so the disk holds at most this). */
  storage: { keptBytes: number };
  /** The compute backend: VMs, their own disks, and its cache of image bases (with its limit). */
  compute: { vms: number; vmDiskBytes: number; imageCache?: { bytes: number; limitBytes: number; bases: number } };
}
