// Compute (Nova v2.1 at /compute/v2.1) as the SDK's callers write it: the wire types of the
// contract, and what the calls take.
import type { ServerStatus } from '@oceanos/contract';

export type {
  CapacityReport, Flavor, Keypair, Link, ReconcileReport, RemoteConsole, Server, ServerCreated, ServerFault, ServerStatus, ServerSummary,
} from '@oceanos/contract';

export interface ServerListOptions {
  /** A regular expression the name must match (Nova's semantics). */
  name?: string;
  status?: ServerStatus;
  /** ISO 8601: only servers changed since then, deleted ones included (status DELETED). */
  changesSince?: string;
  /** At most this many servers in all; every server by default. */
  limit?: number;
  /** Servers asked for per request; the server's own maximum by default. */
  pageSize?: number;
}

/** A file written into the guest at first boot. */
export interface PersonalityEntry {
  /** Absolute path in the guest. */
  path: string;
  contents: Uint8Array | string;
  /** Synnefo's extensions: who owns the file and its mode (e.g. 0o600). */
  owner?: string;
  group?: string;
  mode?: number;
}

export interface NewServer {
  name: string;
  /** Image id (see images.find for names). */
  imageRef: string;
  /** Flavor id (see flavors.find for names). */
  flavorRef: string;
  metadata?: Record<string, string>;
  keyName?: string;
  /** Handed to the guest as is (the SDK encodes it in base64). */
  userData?: Uint8Array | string;
  personality?: PersonalityEntry[];
  /** The root password; the server makes one up when absent. */
  adminPass?: string;
  tags?: string[];
}

export type RebootType = 'SOFT' | 'HARD';

export interface NewFlavor {
  name: string;
  vcpus: number;
  /** MiB. */
  ram: number;
  /** GiB. */
  disk: number;
  /** The server picks a UUID when absent. */
  id?: string;
  /** False: only projects given access (addAccess) may use it. True by default. */
  isPublic?: boolean;
}

export interface FlavorAccess { flavor_id: string; tenant_id: string }


/** The header that asks the compute API for Nova microversion `version`. */
export const computeVersion = (version: string): Record<string, string> => ({ 'openstack-api-version': `compute ${version}` });
