// The service catalog: every API this build serves, with public URLs derived from the
// configured external base URL. Keystone v3 and Synnefo's v2.0 layout are two views of it.
import { createHash } from 'node:crypto';
import type { CatalogEntry, V2CatalogEntry } from '@oceanos/contract';

export interface CatalogService {
  /** OpenStack service type: identity, compute, object-store, ... */
  type: string;
  /** Keystone service name, e.g. `keystone`. */
  name: string;
  /** Synnefo's service name for the v2.0 catalog, e.g. `astakos_identity`. */
  synnefoName: string;
  /** Path below the base URL, e.g. `/identity/v3`; `{account}` becomes the user's UUID. */
  path: string;
  /** Version id as Synnefo reports it, e.g. `v2.0`. */
  versionId: string;
  /** Served in the Keystone v3 catalog (false for Synnefo-only views of a service). */
  inV3?: boolean;
  /** Served in the Synnefo v2.0 catalog. */
  inV2?: boolean;
}

const INTERFACES = ['public', 'internal', 'admin'] as const;
const stableId = (...parts: string[]) => createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 32);

export class ServiceCatalog {
  private readonly services: CatalogService[] = [];

  constructor(private base: string, readonly region: string) {}

  get baseUrl(): string {
    return this.base;
  }

  /** Used when the listen port is only known after binding (port 0). */
  setBaseUrl(url: string): void {
    this.base = url.replace(/\/+$/, '');
  }

  register(service: CatalogService): void {
    this.services.push(service);
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** The Keystone v3 catalog as `account` (the user's UUID) sees it. */
  v3(account: string): CatalogEntry[] {
    return this.services.filter((s) => s.inV3 !== false).map((s) => ({
      id: stableId(s.type, s.name),
      type: s.type,
      name: s.name,
      endpoints: INTERFACES.map((iface) => ({ id: stableId(s.type, s.name, iface), interface: iface, region: this.region, region_id: this.region, url: this.url(s.path.replace('{account}', account)) })),
    }));
  }

  v2(): V2CatalogEntry[] {
    return this.services.filter((s) => s.inV2 !== false).map((s) => ({
      name: s.synnefoName,
      type: s.type,
      endpoints: [{ versionId: s.versionId, publicURL: this.url(s.path), region: this.region, 'SNF:uiURL': this.url('/ui') }],
      endpoints_links: [],
    }));
  }
}
