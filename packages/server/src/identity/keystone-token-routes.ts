// Keystone v3: version discovery, /auth/tokens and the /auth/* helpers clients call right
// after authenticating.
import { AuthRequest } from '@oceanos/contract';
import type { ServiceCatalog } from '../catalog/catalog.ts';
import type { App } from '../http/app.ts';
import { inspectSubjectToken, type Authenticate } from '../http/auth.ts';
import { badRequest, notFound, unauthorized } from '../http/errors.ts';
import { domainView, KEYSTONE_VERSION, listLinks, projectView, tokenView } from './keystone-views.ts';
import { DEFAULT_DOMAIN, type IdentityService, type ScopeRequest, type TokenInfo } from './service.ts';

export interface KeystoneDeps { identity: IdentityService; catalog: ServiceCatalog; authenticate: Authenticate }

const isDefaultDomain = (d?: { id?: string; name?: string }) =>
  d === undefined || d.id === DEFAULT_DOMAIN.id || (d.id === undefined && d.name === DEFAULT_DOMAIN.name);

function scopeOf(body: AuthRequest): ScopeRequest {
  const scope = body.auth.scope;
  if (scope === undefined) return { kind: 'default' };
  if (scope === 'unscoped') return { kind: 'unscoped' };
  if ('project' in scope) {
    if (!scope.project.id && !scope.project.name) throw badRequest('scope.project needs an id or a name');
    if (!scope.project.id && !isDefaultDomain(scope.project.domain)) throw unauthorized(`Unknown domain in project scope`);
    return { kind: 'project', id: scope.project.id, name: scope.project.name };
  }
  throw unauthorized('Only project-scoped and unscoped tokens are issued by this cloud.');
}

export function keystoneTokenRoutes(app: App, { identity, catalog, authenticate }: KeystoneDeps) {
  app.get('/', async () => ({ version: { ...KEYSTONE_VERSION, links: [{ rel: 'self', href: catalog.url('/identity/v3/') }] } }));

  app.post('/auth/tokens', { schema: { body: AuthRequest } }, async (request, reply) => {
    const { identity: id } = request.body.auth;
    const methods = id.methods;
    const scope = scopeOf(request.body);
    let issued;
    if (methods.includes('password')) {
      const user = id.password?.user;
      if (!user) throw badRequest('auth.identity.password.user is required for the password method');
      if (!user.id && !isDefaultDomain(user.domain)) throw unauthorized('The request you have made requires authentication.');
      const authenticated = await identity.authenticatePassword({ id: user.id, name: user.name }, user.password, request.ip);
      issued = await identity.issueToken(authenticated, scope, ['password']);
    } else if (methods.includes('token')) {
      if (!id.token) throw badRequest('auth.identity.token.id is required for the token method');
      const original = await identity.validateToken(id.token.id);
      // A token obtained from a token never outlives the original.
      const rescope: ScopeRequest = request.body.auth.scope === undefined && original.project
        ? { kind: 'project', id: original.project.id } : scope;
      const used = [...new Set(['token', ...original.methods])];
      issued = await identity.issueToken(original.user, rescope, used, original.expiresAt);
    } else {
      throw unauthorized(`Unsupported authentication method: ${methods.join(', ')}`);
    }
    const nocatalog = 'nocatalog' in (request.query as object);
    reply.code(201).header('x-subject-token', issued.token);
    return tokenView(issued, nocatalog ? null : catalog);
  });

  /** The subject token, which only its owner or an admin may inspect or revoke. */
  async function subject(request: Parameters<Authenticate>[0]): Promise<{ token: string; info: TokenInfo }> {
    const caller = await authenticate(request);
    const token = request.headers['x-subject-token'];
    if (typeof token !== 'string' || token.length === 0) throw badRequest('The X-Subject-Token header is required');
    return { token, info: await inspectSubjectToken(identity, caller, token, 'identity:validate_token') };
  }

  app.get('/auth/tokens', async (request, reply) => {
    const { info } = await subject(request);
    reply.header('x-subject-token', request.headers['x-subject-token']);
    return tokenView(info, 'nocatalog' in (request.query as object) ? null : catalog);
  });

  app.delete('/auth/tokens', async (request, reply) => {
    const { token } = await subject(request);
    await identity.revokeToken(token);
    reply.code(204).send();
  });

  app.get('/auth/catalog', async (request) => {
    const auth = await authenticate(request);
    return { catalog: catalog.v3(auth.user.id), links: listLinks(catalog, '/identity/v3/auth/catalog') };
  });

  app.get('/auth/projects', async (request) => {
    const auth = await authenticate(request);
    const projects = await identity.listProjects({ memberId: auth.user.id, enabled: true });
    return { projects: projects.map((p) => projectView(p, catalog)), links: listLinks(catalog, '/identity/v3/auth/projects') };
  });

  app.get('/auth/domains', async (request) => {
    await authenticate(request);
    return { domains: [domainView(catalog)], links: listLinks(catalog, '/identity/v3/auth/domains') };
  });

  app.get('/domains', async (request) => {
    await authenticate(request);
    const { name } = request.query as { name?: string };
    const all = [domainView(catalog)].filter((d) => name === undefined || d.name === name);
    return { domains: all, links: listLinks(catalog, '/identity/v3/domains') };
  });

  app.get('/domains/:id', async (request) => {
    await authenticate(request);
    const { id } = request.params as { id: string };
    if (id !== DEFAULT_DOMAIN.id) throw notFound(`Could not find domain: ${id}`);
    return { domain: domainView(catalog) };
  });
}
