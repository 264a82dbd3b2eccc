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
}

/** Either the database or an open transaction: store functions accept both. */
export type Executor = Kysely<Schema> | Transaction<Schema>;
