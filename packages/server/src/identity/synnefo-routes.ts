// Synnefo's Astakos token API (/identity/v2.0, Keystone v2.0 shaped) and the identity part
// of the account API (/account/v1.0/user_catalogs).
import { V2AuthRequest, type V2Access } from '@oceanos/contract';
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { inspectSubjectToken, requireSelfOrAdmin } from '../http/auth.ts';
import { ApiError, notFound, unauthorized } from '../http/errors.ts';
import type { KeystoneDeps } from './keystone-token-routes.ts';
import { KEYSTONE_V2_VERSION } from './keystone-views.ts';
import { SYSTEM_PROJECT_PREFIX, type AuthContext, type IdentityService, type ScopeRequest, type TokenInfo } from './service.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function accessView(info: TokenInfo, token: string, deps: KeystoneDeps): V2Access {
  const tenant = info.project ?? { id: info.user.defaultProjectId, name: `${SYSTEM_PROJECT_PREFIX}${info.user.id}` };
  return {
    access: {
      token: { id: token, expires: info.expiresAt, tenant: { id: tenant.id, name: tenant.name } },
      user: { id: info.user.id, name: info.user.displayName ?? info.user.name, roles: info.roles.map((r) => ({ id: r.id, name: r.name })), roles_links: [] },
      serviceCatalog: deps.catalog.v2(),
    },
  };
}

async function matchesTenant(identity: IdentityService, info: TokenInfo, tenant: string | undefined): Promise<boolean> {
  if (tenant === undefined || tenant === '') return true;
  const projectId = info.project?.id ?? info.user.defaultProjectId;
  if (tenant === projectId || tenant === info.user.id) return true;
  const project = await identity.getProject(projectId);
  return project.name === tenant;
}

export function synnefoTokenRoutes(app: App, deps: KeystoneDeps) {
  const { identity, catalog, authenticate } = deps;

  app.get('/', async () => ({
    version: { ...KEYSTONE_V2_VERSION, links: [{ rel: 'self', href: catalog.url('/identity/v2.0/') }] },
  }));

  // Authenticate with a token or a (uuid or name, password) pair; with no body, just the catalog.
  app.post('/tokens', async (request) => {
    if (request.body === undefined || request.body === null || request.headers['content-length'] === '0') {
      return { access: { serviceCatalog: catalog.v2() } } satisfies V2Access;
    }
    const body = request.body as V2AuthRequest;
    // Validated by hand: an empty body is allowed here, which a schema would refuse.
    const check = validateV2(body);
    if (check) throw check;
    const tenant = body.auth.tenantId ?? body.auth.tenantName;
    if (body.auth.token) {
      const info = await identity.validateToken(body.auth.token.id);
      if (!(await matchesTenant(identity, info, tenant))) throw unauthorized(`Token is not valid for tenant ${tenant}`);
      return accessView(info, body.auth.token.id, deps);
    }
    const creds = body.auth.passwordCredentials!;
    const who = UUID.test(creds.username) ? { id: creds.username } : { name: creds.username };
    const user = await identity.authenticatePassword(who, creds.password, request.ip);
    const scope: ScopeRequest = tenant === undefined || tenant === '' || tenant === user.id ? { kind: 'default' }
      : UUID.test(tenant) || /^[0-9a-f]{32}$/.test(tenant) ? { kind: 'project', id: tenant } : { kind: 'project', name: tenant };
    const issued = await identity.issueToken(user, scope, ['password']);
    return accessView(issued, issued.token, deps);
  });

  app.get('/tokens/:token', { config: { secretPath: true }, schema: { params: Type.Object({ token: Type.String({ minLength: 1 }) }) } }, async (request) => {
    const subject = request.params.token;
    const caller: AuthContext = request.headers['x-auth-token'] ? await authenticate(request) : { token: subject, ...(await identity.validateToken(subject)) };
    const info = await inspectSubjectToken(identity, caller, subject, 'validate another user\'s token');
    const { belongsTo } = request.query as { belongsTo?: string };
    if (!(await matchesTenant(identity, info, belongsTo))) throw notFound(`Token does not belong to ${belongsTo}`);
    return accessView(info, subject, deps);
  });

  // Astakos' "renew token": every token of the user stops working, one fresh token is returned.
  app.post('/users/:id/action', { schema: { params: Type.Object({ id: Type.String() }), body: Type.Object({ renewToken: Type.Unknown() }, { required: ['renewToken'] }) } }, async (request) => {
    requireSelfOrAdmin(await authenticate(request), request.params.id, 'renew another user\'s token');
    const renewed = await identity.renewTokens(request.params.id);
    return accessView(renewed, renewed.token, deps);
  });
}

function validateV2(body: V2AuthRequest): ApiError | null {
  const auth = (body as { auth?: V2AuthRequest['auth'] })?.auth;
  if (typeof auth !== 'object' || auth === null) return new ApiError('badRequest', 'Invalid input: "auth" object is required');
  if (auth.token) {
    if (typeof auth.token.id !== 'string' || auth.token.id === '') return new ApiError('badRequest', 'Invalid input: auth.token.id must be a non-empty string');
    return null;
  }
  const creds = auth.passwordCredentials;
  if (!creds) return new ApiError('badRequest', 'Invalid input: auth.token or auth.passwordCredentials is required');
  if (typeof creds.username !== 'string' || creds.username === '' || typeof creds.password !== 'string') {
    return new ApiError('badRequest', 'Invalid input: passwordCredentials needs string username and password');
  }
  return null;
}

export function userCatalogRoutes(app: App, { identity, authenticate }: KeystoneDeps) {
  const Body = Type.Object({
    uuids: Type.Optional(Type.Array(Type.String(), { maxItems: 10000 })),
    displaynames: Type.Optional(Type.Array(Type.String(), { maxItems: 10000 })),
  });
  // uuid ↔ user name maps, as used by sharing UIs.
  app.post('/user_catalogs', { schema: { body: Body } }, async (request) => {
    await authenticate(request);
    const wantedIds = new Set(request.body.uuids ?? []);
    const wantedNames = new Set(request.body.displaynames ?? []);
    const users = await identity.listUsers();
    const uuid_catalog: Record<string, string> = {};
    const displayname_catalog: Record<string, string> = {};
    for (const u of users) {
      if (wantedIds.has(u.id)) uuid_catalog[u.id] = u.name;
      if (wantedNames.has(u.name)) displayname_catalog[u.name] = u.id;
    }
    return { uuid_catalog, displayname_catalog };
  });
}
