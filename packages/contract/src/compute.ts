// Compute API (/compute/v2.1, Nova microversion 2.1, with Synnefo's extensions): what the
// server answers and what clients read. Request bodies are validated by the server's routes.

export const COMPUTE_PREFIX = '/compute/v2.1';

/** API status (derived from Nova's vm_state and task_state). */
export type ServerStatus = 'BUILD' | 'ACTIVE' | 'SHUTOFF' | 'REBOOT' | 'HARD_REBOOT' | 'RESIZE' | 'ERROR' | 'DELETED';

export interface Link { rel: string; href: string }

export interface ServerFault { code: number; message: string; created: string }

/** One server as `GET /servers/{id}` and `GET /servers/detail` show it. */
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
  /** 0 to 100 while building. */
  progress: number;
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
  /** Synnefo: the task state in its own words (BUILDING, STARTING, STOPPING, ...). */
  'SNF:task_state': string | null;
  /** Present while the server is in ERROR. */
  fault?: ServerFault;
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
