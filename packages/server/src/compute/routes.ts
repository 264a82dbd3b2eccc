// The compute API families: version discovery at /compute, Nova v2.1 (with microversions up
// to MAX_VERSION) at /compute/v2.1, and Cyclades' API at /compute/v2.0 (Synnefo's prefix).
// Both serve the same records; microversion.ts tells each route which API it speaks.
import type { CapacityReport } from '@oceanos/contract';
import type { ServiceCatalog } from '../catalog/catalog.ts';
import type { ApiFamily } from '../http/app.ts';
import type { Authenticate } from '../http/auth.ts';
import { adminRoutes, computeAdminFamily } from './admin-routes.ts';
import { cycladesFault, novaFault } from './errors.ts';
import { flavorRoutes } from './flavor-routes.ts';
import type { FlavorService } from './flavor-service.ts';
import type { ImageService } from '../images/service.ts';
import { imageProxyRoutes } from './image-proxy-routes.ts';
import { keypairRoutes } from './keypair-routes.ts';
import { installApiVersions, MAX_VERSION, MIN_VERSION } from './microversion.ts';
import type { KeypairService } from './keypair-service.ts';
import { serverRoutes } from './server-routes.ts';
import type { ServerService } from './server-service.ts';

export interface ComputeDeps {
  flavors: FlavorService;
  keypairs: KeypairService;
  servers: ServerService;
  /** The deprecated /images proxy reads images through it. */
  images: ImageService;
  catalog: ServiceCatalog;
  authenticate: Authenticate;
  /** The operator's view of where the disk goes (the services that use it together). */
  capacity(): Promise<CapacityReport>;
}

/** Nova's version document: v2.1 serves microversions MIN_VERSION to MAX_VERSION; v2.0 has none. */
function version(catalog: ServiceCatalog, id: 'v2.0' | 'v2.1') {
  return {
    id,
    status: id === 'v2.1' ? 'CURRENT' : 'SUPPORTED',
    version: id === 'v2.1' ? MAX_VERSION : '',
    min_version: id === 'v2.1' ? MIN_VERSION : '',
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
    format: id === 'v2.0' ? cycladesFault : novaFault,
    routes(app) {
      installApiVersions(app, id === 'v2.0');
      app.get('/', async () => ({ version: version(catalog, id) }));
      flavorRoutes(app, deps);
      keypairRoutes(app, deps);
      serverRoutes(app, deps);
      imageProxyRoutes(app, deps);
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
