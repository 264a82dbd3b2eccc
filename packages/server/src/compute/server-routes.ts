// Nova's servers API: create, list, show, rename, delete, the actions, addresses and remote
// consoles. Metadata and tags are in server-record-routes.ts. Routes parse, call the
// service and shape the answer; the service decides.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceCatalog } from '../catalog/catalog.ts';
import type { App } from '../http/app.ts';
import { badRequest } from '../http/errors.ts';
import { computeCaller, type ComputeCaller } from './caller.ts';
import type { ComputeDeps } from './routes.ts';
import { nextPageQuery } from '../http/query.ts';
import { SERVER_LIST_REPEATABLE, type Query } from './server-listing.ts';
import { serverRecordRoutes } from './server-record-routes.ts';
import { consoleLength, member, only, rebootType, reference, serverName } from './server-requests.ts';
import type { ServerService } from './server-service.ts';
import { serverLinks, serverSummary, serverView, type ComputeUrls } from './server-views.ts';

/** Absolute URLs under the version of the API a request came through. */
export function urlsFor(catalog: ServiceCatalog, request: FastifyRequest): ComputeUrls {
  const prefix = request.url.startsWith('/compute/v2.0') ? '/compute/v2.0' : '/compute/v2.1';
  return { versioned: (path) => catalog.url(prefix + path), bookmark: (path) => catalog.url(`/compute${path}`) };
}

export function serverRoutes(app: App, deps: ComputeDeps): void {
  const { servers } = deps;
  const caller = async (request: FastifyRequest) => computeCaller(await deps.authenticate(request));
  const id = (request: FastifyRequest) => (request.params as { id: string }).id;

  app.post('/servers', async (request, reply) => {
    const { row, adminPass } = await servers.create(await caller(request), request.body);
    const links = serverLinks(urlsFor(deps.catalog, request), row.id);
    return reply.code(202).header('location', links[0]!.href).send({
      server: { id: row.id, links, adminPass, 'OS-DCF:diskConfig': 'MANUAL', security_groups: [{ name: 'default' }] },
    });
  });

  const list = (detail: boolean) => async (request: FastifyRequest) => {
    const query = request.query as Query;
    const page = await servers.list(await caller(request), query);
    const urls = urlsFor(deps.catalog, request);
    const next = page.next === undefined ? undefined : nextPageQuery(query, page.next, page.limit);
    return {
      servers: page.rows.map((row) => (detail ? serverView(row, urls) : serverSummary(row, urls))),
      ...(next ? { servers_links: [{ rel: 'next', href: urls.versioned(`/servers${detail ? '/detail' : ''}?${next}`) }] } : {}),
    };
  };
  const listing = { config: { repeatableQuery: SERVER_LIST_REPEATABLE } };
  app.get('/servers', listing, list(false));
  app.get('/servers/detail', listing, list(true));

  app.get('/servers/:id', async (request) => ({ server: serverView(await servers.get(await caller(request), id(request)), urlsFor(deps.catalog, request)) }));

  app.put('/servers/:id', async (request) => {
    const change = member(request.body, 'server', ['name']);
    const name = change.name === undefined ? undefined : serverName(change.name);
    const row = await servers.edit(await caller(request), id(request), 'update', (current) => ({ name: name ?? current.name }));
    return { server: serverView(row, urlsFor(deps.catalog, request)) };
  });

  app.delete('/servers/:id', async (request, reply) => {
    await servers.delete(await caller(request), id(request));
    return reply.code(204).send();
  });

  app.post('/servers/:id/action', async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length !== 1) {
      throw badRequest('Malformed request body: an action is an object with one member, the action\'s name');
    }
    const [name, args] = Object.entries(body)[0]!;
    // Synnefo's prefix resizes as Cyclades does: no confirmation step.
    const nova = !request.url.startsWith('/compute/v2.0');
    return runAction(servers, await caller(request), id(request), name, args, reply, nova);
  });

  app.post('/servers/:id/remote-consoles', async (request) => {
    const console = member(request.body, 'remote_console', ['protocol', 'type']);
    if (console.protocol !== 'vnc' || console.type !== 'novnc') throw badRequest('Unsupported remote console: only protocol "vnc" with type "novnc" is served');
    const url = await servers.vncConsole(await caller(request), id(request));
    return { remote_console: { protocol: 'vnc', type: 'novnc', url } };
  });

  app.get('/servers/:id/ips', async (request) => {
    await servers.get(await caller(request), id(request));
    return { addresses: {} };
  });

  serverRecordRoutes(app, deps, caller);
}

/** One `POST /servers/{id}/action`; Synnefo's `start` and `shutdown` are aliases of Nova's. */
async function runAction(servers: ServerService, who: ComputeCaller, id: string, name: string, args: unknown, reply: FastifyReply, nova: boolean) {
  const accepted = () => reply.code(202).send();
  switch (name) {
    case 'os-start':
    case 'start':
      await servers.startServer(who, id);
      return accepted();
    case 'os-stop':
    case 'shutdown':
      await servers.stopServer(who, id);
      return accepted();
    case 'reboot':
      await servers.reboot(who, id, rebootType(args));
      return accepted();
    case 'resize':
      only(args, ['flavorRef', 'OS-DCF:diskConfig'], 'resize');
      await servers.resize(who, id, reference((args as { flavorRef?: unknown } | null)?.flavorRef, 'flavorRef'), { verify: nova });
      return accepted();
    case 'confirmResize':
      await servers.confirmResize(who, id);
      return reply.code(204).send();
    case 'revertResize':
      await servers.revertResize(who, id);
      return accepted();
    case 'os-getConsoleOutput':
      return { output: await servers.consoleOutput(who, id, consoleLength(args)) };
    case 'os-getVNCConsole': {
      only(args, ['type'], 'os-getVNCConsole');
      if ((args as { type?: unknown } | null)?.type !== 'novnc') throw badRequest('Unsupported console type: only "novnc" is served');
      return { console: { type: 'novnc', url: await servers.vncConsole(who, id) } };
    }
    default:
      throw badRequest(`There is no such action: ${name}`);
  }
}
