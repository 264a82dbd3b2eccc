// Which API family answers under which prefix, with which error format, and what each puts
// in the service catalog.
import type { CapacityReport } from '@oceanos/contract';
import type { ServiceCatalog } from './catalog/catalog.ts';
import type { FlavorService } from './compute/flavor-service.ts';
import type { KeypairService } from './compute/keypair-service.ts';
import { computeFamilies } from './compute/routes.ts';
import { consoleFamily } from './console/routes.ts';
import type { ServerService } from './compute/server-service.ts';
import type { ApiFamily, App, RequestIdStyle } from './http/app.ts';
import type { Authenticate } from './http/auth.ts';
import { cloudFault, keystoneFault } from './http/errors.ts';
import { keystoneResourceRoutes } from './identity/keystone-resource-routes.ts';
import { keystoneTokenRoutes } from './identity/keystone-token-routes.ts';
import { KEYSTONE_V2_VERSION, KEYSTONE_VERSION } from './identity/keystone-views.ts';
import type { IdentityService } from './identity/service.ts';
import { synnefoTokenRoutes, userCatalogRoutes } from './identity/synnefo-routes.ts';
import { quotaRoutes } from './quota/routes.ts';
import type { QuotaService } from './quota/service.ts';
import { GLANCE_PREFIX, glanceFault, glanceRoutes, sendVersions } from './images/glance-routes.ts';
import { planktonRoutes } from './images/plankton-routes.ts';
import type { ImageService } from './images/service.ts';
import { publicRoutes } from './storage/public-routes.ts';
import type { PithosService } from './storage/service.ts';
import { swiftCapabilities } from './storage/capabilities.ts';
import { SWIFT_PREFIX, swiftFault, swiftRoutes } from './storage/swift-routes.ts';

export interface FamilyDeps {
  identity: IdentityService; quota: QuotaService; pithos: PithosService; images: ImageService; catalog: ServiceCatalog; authenticate: Authenticate;
  flavors: FlavorService; keypairs: KeypairService; servers: ServerService;
  capacity(): Promise<CapacityReport>;
}

/** Lists the versions under a prefix, answering 300 Multiple Choices as OpenStack does. */
function versionList(prefix: string, values: object[], format = keystoneFault): ApiFamily {
  return {
    prefix,
    format,
    routes(app: App) {
      app.get('/', async (_request, reply) => {
        reply.code(300);
        return { versions: { values } };
      });
    },
  };
}

/**
 * The OpenStack-shaped APIs, whose answers carry a request id as their reference's do (http/app.ts).
 * Synnefo's (`/identity/v2.0`, `/account`, `/compute/v2.0`, `/image/v1.0`) carry none, as Synnefo's.
 */
const REQUEST_IDS: Record<string, RequestIdStyle> = {
  '/identity': 'openstack', '/identity/v3': 'openstack', '/image': 'openstack', [GLANCE_PREFIX]: 'openstack',
  '/compute': 'nova', '/compute/v2.1': 'nova', [SWIFT_PREFIX]: 'swift', '/object-store/info': 'swift',
};

export function apiFamilies(deps: FamilyDeps): ApiFamily[] {
  return familiesOf(deps).map((family) => ({ ...family, requestIds: REQUEST_IDS[family.prefix] }));
}

function familiesOf(deps: FamilyDeps): ApiFamily[] {
  const { catalog } = deps;
  catalog.register({ type: 'identity', name: 'keystone', synnefoName: 'keystone', path: '/identity/v3', versionId: 'v3', inV2: false });
  catalog.register({ type: 'identity', name: 'astakos_identity', synnefoName: 'astakos_identity', path: '/identity/v2.0', versionId: 'v2.0', inV3: false });
  catalog.register({ type: 'account', name: 'astakos_account', synnefoName: 'astakos_account', path: '/account/v1.0', versionId: 'v1.0' });
  // Swift clients expect the account in the URL; Synnefo's clients append it themselves.
  catalog.register({ type: 'object-store', name: 'swift', synnefoName: 'pithos_object-store', path: `${SWIFT_PREFIX}/{account}`, versionId: 'v1', inV2: false });
  catalog.register({ type: 'object-store', name: 'swift', synnefoName: 'pithos_object-store', path: SWIFT_PREFIX, versionId: 'v1', inV3: false });
  // Glance clients discover the version from the unversioned endpoint, as with a real Glance.
  catalog.register({ type: 'image', name: 'glance', synnefoName: 'cyclades_plankton', path: '/image', versionId: 'v2', inV2: false });
  catalog.register({ type: 'image', name: 'glance', synnefoName: 'cyclades_plankton', path: '/image/v1.0', versionId: 'v1.0', inV3: false });

  const v3 = { ...KEYSTONE_VERSION, links: [{ rel: 'self', href: catalog.url('/identity/v3/') }] };
  const v2 = { ...KEYSTONE_V2_VERSION, links: [{ rel: 'self', href: catalog.url('/identity/v2.0/') }] };
  const account = { id: 'v1.0', status: 'CURRENT', updated: '2013-06-03T00:00:00Z', links: [{ rel: 'self', href: catalog.url('/account/v1.0/') }] };

  return [
    versionList('/identity', [v3, v2]),
    {
      prefix: '/identity/v3',
      format: keystoneFault,
      routes(app) {
        keystoneTokenRoutes(app, deps);
        keystoneResourceRoutes(app, deps);
      },
    },
    {
      prefix: '/identity/v2.0',
      format: cloudFault,
      routes(app) {
        synnefoTokenRoutes(app, deps);
      },
    },
    versionList('/account', [account], cloudFault),
    {
      prefix: '/account/v1.0',
      format: cloudFault,
      routes(app) {
        app.get('/', async () => ({ version: account }));
        userCatalogRoutes(app, deps);
        quotaRoutes(app, deps);
      },
    },
    {
      prefix: SWIFT_PREFIX,
      format: swiftFault,
      routes(app) {
        swiftRoutes(app, { ...deps, publicUrl: (token) => catalog.url(`/public/${token}`) });
      },
    },
    {
      // swiftclient finds capabilities by replacing `/v1/<account>` with `/info`.
      prefix: '/object-store/info',
      format: swiftFault,
      routes(app) {
        app.get('/', async () => swiftCapabilities());
      },
    },
    {
      prefix: '/image',
      format: glanceFault,
      routes(app) {
        app.get('/', (_request, reply) => sendVersions(reply, (path) => catalog.url(path)));
        app.get('/versions', (_request, reply) => sendVersions(reply, (path) => catalog.url(path)));
      },
    },
    {
      prefix: GLANCE_PREFIX,
      format: glanceFault,
      routes(app) {
        app.get('/', (_request, reply) => sendVersions(reply, (path) => catalog.url(path)));
        glanceRoutes(app, deps);
      },
    },
    {
      prefix: '/image/v1.0',
      format: cloudFault,
      routes(app) {
        planktonRoutes(app, deps);
      },
    },
    ...computeFamilies(deps),
    consoleFamily(),
    {
      prefix: '/public',
      format: swiftFault,
      routes(app) {
        publicRoutes(app, deps.pithos);
      },
    },
  ];
}
