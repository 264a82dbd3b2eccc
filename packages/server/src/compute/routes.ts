// The compute API families: version discovery at /compute, Nova v2.1 at /compute/v2.1 and
// the same API at /compute/v2.0 (Synnefo's prefix).
import type { CapacityReport } from '@oceanos/contract';
import type { ServiceCatalog } from '../catalog/catalog.ts';
import type { ApiFamily } from '../http/app.ts';
import type { Authenticate } from '../http/auth.ts';
import { adminRoutes, computeAdminFamily } from './admin-routes.ts';
import { novaFault } from './errors.ts';
import { flavorRoutes } from './flavor-routes.ts';
import type { FlavorService } from './flavor-service.ts';
import { keypairRoutes } from './keypair-routes.ts';
import type { KeypairService } from './keypair-service.ts';
import { serverRoutes } from './server-routes.ts';
import type { ServerService } from './server-service.ts';

export interface ComputeDeps {
  flavors: FlavorService;
  keypairs: KeypairService;
  servers: ServerService;
  catalog: ServiceCatalog;
  authenticate: Authenticate;
  /** The operator's view of where the disk goes (the services that use it together). */
  capacity(): Promise<CapacityReport>;
}

/** Nova's version document; 2.1 is both the minimum and the maximum microversion served. */
function version(catalog: ServiceCatalog, id: 'v2.0' | 'v2.1') {
  return {
    id,
    status: id === 'v2.1' ? 'CURRENT' : 'SUPPORTED',
    version: id === 'v2.1' ? '2.1' : '',
    min_version: id === 'v2.1' ? '2.1' : '',
    updated: id === 'v2.1' ? '2013-07-23T11:33:21Z' : '2011-01-21T11:33:21Z',
    links: [{ rel: 'self', href: catalog.url(`/compute/${id}/`) }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  };
}

export function computeFamilies(deps: ComputeDeps): ApiFamily[] {
  const { catalog } = deps;
  catalog.register({ type: 'compute', name: 'nova', synnefoName: 'cyclades_compute', path: '/compute/v2.1', versionId: 'v2.1', inV2: false });
  catalog.register({ type: 'compute', name: 'nova', synnefoName: 'cyclades_compute', path: '/compute/v2.0', versionId: 'v2.0', inV3: false });
  const versioned = (id: 'v2.0' | 'v2.1'): ApiFamily => ({
    prefix: `/compute/${id}`,
    format: novaFault,
    routes(app) {
      app.get('/', async () => ({ version: version(catalog, id) }));
      flavorRoutes(app, deps);
      keypairRoutes(app, deps);
      serverRoutes(app, deps);
      adminRoutes(app, deps);
    },
  });
  return [
    {
      prefix: '/compute',
      format: novaFault,
      routes(app) {
        app.get('/', async () => ({ versions: [version(catalog, 'v2.0'), version(catalog, 'v2.1')] }));
      },
    },
    versioned('v2.1'),
    versioned('v2.0'),
    computeAdminFamily(deps),
  ];
}
