// Table shapes as Kysely sees them. Booleans are 0/1 integers and times are ISO-8601 UTC
// strings on both dialects, so that one query layer reads the same values from SQLite and
// PostgreSQL.
import type { Generated, Kysely, Transaction } from 'kysely';

export interface UsersTable {
  id: string;
  name: string;
  email: string | null;
  display_name: string | null;
  description: string | null;
  password_hash: string | null;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface ProjectsTable {
  id: string;
  name: string;
  description: string;
  enabled: number;
  is_system: number;
  created_at: string;
}

export interface RolesTable { id: string; name: string }

export interface RoleAssignmentsTable { user_id: string; project_id: string; role_id: string }

export interface TokensTable {
  hash: string;
  user_id: string;
  project_id: string | null;
  methods: string;
  audit_id: string;
  issued_at: string;
  expires_at: string;
  revoked: number;
}

/** A failure count with growing blocks (login-throttle.ts). */
export interface LoginBackoff {
  failures: Generated<number>;
  blocks: Generated<number>;
  last_failure_ms: Generated<number>;
  blocked_until_ms: Generated<number>;
}

/** Failed logins of one user from one address (`<user>|<address>`), and its last success. */
export interface LoginPairsTable extends LoginBackoff { key: string; last_success_ms: Generated<number> }

/** Failed logins of one user from every address. */
export interface LoginUsersTable extends LoginBackoff { key: string }

/** Failed logins from one address, whatever the names, in the current window. */
export interface LoginAddressesTable { address: string; failures: Generated<number>; window_start_ms: Generated<number> }

export interface ResourcesTable {
  name: string;
  service: string;
  unit: string | null;
  description: string;
  system_default: number;
  project_default: number;
  allow_in_projects: number;
  ui_visible: number;
  api_visible: number;
}

/** A quota holding: `user:<uuid>` inside `project:<uuid>`, or `project:<uuid>` with source ''. */
export interface HoldingsTable {
  holder: string;
  source: string;
  resource: string;
  /** null: follow the resource's system default (system projects only). */
  capacity: number | null;
  usage_min: number;
  usage_max: number;
}

export interface CommissionsTable {
  serial: Generated<number>;
  name: string;
  issuer: string;
  issue_time: string;
  state: 'pending' | 'accepted' | 'rejected';
  resolved_at: string | null;
}

export interface ProvisionsTable {
  serial: number;
  position: number;
  user_id: string;
  project_id: string;
  resource: string;
  quantity: number;
}

// ---- Pithos+ (storage/). Names are byte-ordered (COLLATE "C" on PostgreSQL).

export interface PithosAccountsTable {
  account: string;
  /** JSON object of stored headers (`x-account-meta-*`). */
  metadata: string;
  modified_at: string;
}

export interface PithosGroupsTable { account: string; name: string; member: string }

export interface PithosContainersTable {
  account: string;
  name: string;
  versioning: 'auto' | 'none';
  /** Bytes; 0 means no container limit (the account quota still applies). */
  quota: number;
  metadata: string;
  created_at: string;
  modified_at: string;
  /** The container's current objects and their bytes, kept by every change (store.ts tallyContainers). */
  object_count: Generated<number>;
  bytes_used: Generated<number>;
}

/** Where a version lives: the current one, an older one, or the record of a deletion. */
/** Pithos' version clusters: the current version of a name, and the versions it replaced. */
export const CLUSTER = { normal: 0, history: 1 } as const;

export interface PithosVersionsTable {
  serial: Generated<number>;
  account: string;
  container: string;
  name: string;
  uuid: string;
  cluster: number;
  size: number;
  /** The hashmap: block hashes (64 hex digits each) concatenated. */
  hashes: string;
  /** Merkle root of the hashmap (X-Object-Hash). */
  object_hash: string;
  /** MD5 of the bytes (Swift's ETag); null until computed for hashmap uploads. */
  md5: string | null;
  content_type: string;
  /** JSON object of stored headers: `x-object-meta-*`, content-disposition, content-encoding. */
  metadata: string;
  /** JSON `{"dlo": "container/prefix"}` or `{"slo": [segments]}` for large objects. */
  manifest: string | null;
  modified_at: string;
  modified_by: string;
}

export interface PithosGrantsTable {
  account: string;
  container: string;
  name: string;
  /** A user UUID, `*`, or `<account>:<group>`. */
  grantee: string;
  can_write: number;
  /**
   * The newest version serial when the grant was made: a grantee reads the version that was
   * current then and later ones, not older history (0 when the owner shared history too).
   */
  granted_serial: number;
}

export interface PithosPublicTable { token: string; account: string; container: string; name: string; created_at: string }

/**
 * How many kept versions of an account reference a block: what the account possesses (it may
 * name the block in a hashmap without sending it) and what the collector must keep.
 */
export interface PithosRefsTable { account: string; hash: string; refs: number }

/**
 * An upload in flight: a streamed PUT, or an account's hashmap-upload session of posted blocks.
 * Its blocks are held against collection until it commits, ends, or its lease runs out.
 */
export interface PithosUploadsTable {
  id: string;
  account: string;
  /** The process streaming it (jobs/owner.ts), so that a restart ends its dead uploads at once; null for a session of posted blocks. */
  owner: string | null;
  expires_at: string;
  /** Quota reservations the upload holds while its bytes arrive, space-separated serials. */
  serials: string;
}

/** A block an upload holds; a posted block also holds its quota reservation (`serial`). */
export interface PithosHeldBlocksTable { upload_id: string; hash: string; bytes: number; serial: number | null }

// ---- Images (images/). An image is a Pithos file plus this record; its id is the file's UUID.

export interface ImagesTable {
  id: string;
  /** The owning project (a user's system project has the user's UUID). */
  owner: string;
  name: string;
  status: 'queued' | 'saving' | 'active' | 'deactivated' | 'deleted';
  visibility: 'public' | 'private' | 'shared' | 'community';
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  protected: number;
  os_hidden: number;
  /** JSON array of strings. */
  tags: string;
  /** JSON object of string properties (OSFAMILY, ROOT_PARTITION, ...). */
  properties: string;
  /** The file, in the owner's account, once there is data. */
  file_container: string | null;
  file_name: string | null;
  /** Size, MD5 and Merkle root of the file when it was uploaded or registered. */
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  object_hash: string | null;
  /** 1 when the image service created the file (an upload), so deleting the image removes it. */
  file_owned: number;
  created_at: string;
  updated_at: string;
}

export interface ImageMembersTable {
  image_id: string;
  member: string;
  status: 'pending' | 'accepted' | 'rejected';
  created_at: string;
  updated_at: string;
}

// ---- Jobs (jobs/): durable asynchronous work, shared by compute, network and volumes.

export interface JobsTable {
  id: Generated<number>;
  /** Which handler runs it, e.g. `server.create`. */
  kind: string;
  /** What it works on (a server id, ...): jobs of one target run one at a time, in order. */
  target: string;
  /** JSON; may hold secrets until the job is done (then it is emptied). */
  payload: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  /** The process running it (`host/pid/instance`), while running. */
  owner: string | null;
  /** A running job whose lease is past belongs to nobody and is taken again. */
  lease_until: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

// ---- Compute (compute/).

export interface FlavorsTable {
  id: string;
  name: string;
  vcpus: number;
  /** MiB. */
  ram: number;
  /** GiB. */
  disk: number;
  is_public: number;
  description: string | null;
  /** JSON object of strings. */
  extra_specs: string;
  created_at: string;
  /** Cyclades' integer id (the id itself when that is an integer). */
  serial: number;
}

/** Projects that may use a private flavor. */
export interface FlavorAccessTable { flavor_id: string; project_id: string }

export interface KeypairsTable {
  user_id: string;
  name: string;
  public_key: string;
  fingerprint: string;
  type: 'ssh' | 'x509';
  created_at: string;
}

/** Nova's vm_state; the API status is derived from it and the task state. */
export type VmState = 'building' | 'active' | 'stopped' | 'resized' | 'error' | 'deleted';

export interface ServersTable {
  id: string;
  name: string;
  user_id: string;
  project_id: string;
  image_id: string;
  flavor_id: string;
  /** Copied from the flavor at creation (and by a resize), so a later flavor change does not touch the VM. */
  vcpus: number;
  ram: number;
  disk: number;
  vm_state: VmState;
  /** Nova's task_state: what is being done (spawning, powering-off, rebooting, deleting, ...), or null. */
  task_state: string | null;
  /** 1 running, 4 shutdown, 0 unknown (Nova's power states). */
  power_state: number;
  key_name: string | null;
  /** JSON object of strings. */
  metadata: string;
  /** JSON array of strings. */
  tags: string;
  /** JSON `{code, message, created}` while in ERROR. */
  fault: string | null;
  /** The backend holding the VM. */
  backend: string;
  /** JSON object: the quota currently charged for this server, resource to quantity. */
  charged: string;
  /** JSON ResizeFrom: while a resize is under way or waits for confirmation, what to revert to. */
  resize_from: string | null;
  /** Cyclades' integer id. */
  serial: number;
  /** Nova's description (2.19), access addresses and hostname (2.90), as the user set them. */
  description: string | null;
  access_ipv4: string;
  access_ipv6: string;
  hostname: string;
  /** The name of the flavor the server has (Nova's `original_name`), kept if the flavor goes. */
  flavor_name: string;
  progress: number;
  launched_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

// ---- Console (console/): one-time tokens for the browser console.

export interface ConsoleTokensTable {
  /** SHA-256 of the token: the token itself is never stored. */
  token_hash: string;
  server_id: string;
  user_id: string;
  /** The hash of the login token that asked for the console (null: issued before it was kept). */
  issuer_token_hash: string | null;
  expires_at: string;
  used: number;
  created_at: string;
}

export interface Schema {
  users: UsersTable;
  projects: ProjectsTable;
  roles: RolesTable;
  role_assignments: RoleAssignmentsTable;
  tokens: TokensTable;
  resources: ResourcesTable;
  holdings: HoldingsTable;
  commissions: CommissionsTable;
  provisions: ProvisionsTable;
  pithos_accounts: PithosAccountsTable;
  pithos_groups: PithosGroupsTable;
  pithos_containers: PithosContainersTable;
  pithos_versions: PithosVersionsTable;
  pithos_grants: PithosGrantsTable;
  pithos_public: PithosPublicTable;
  pithos_refs: PithosRefsTable;
  pithos_uploads: PithosUploadsTable;
  pithos_held_blocks: PithosHeldBlocksTable;
  images: ImagesTable;
  image_members: ImageMembersTable;
  jobs: JobsTable;
  flavors: FlavorsTable;
  flavor_access: FlavorAccessTable;
  keypairs: KeypairsTable;
  servers: ServersTable;
  compute_serials: { kind: string; value: number };
  console_tokens: ConsoleTokensTable;
  login_pairs: LoginPairsTable;
  login_users: LoginUsersTable;
  login_addresses: LoginAddressesTable;
}

/** Either the database or an open transaction: store functions accept both. */
export type Executor = Kysely<Schema> | Transaction<Schema>;
