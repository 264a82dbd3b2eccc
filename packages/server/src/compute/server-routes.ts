// The servers API: create, list, show, update, delete, addresses and remote consoles, as Nova
// answers them at the microversion asked (/compute/v2.1) and as Cyclades does (/compute/v2.0).
// The actions are in server-actions.ts, metadata and tags in server-record-routes.ts. Routes
// parse, call the service and shape the answer; the service decides.
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import { badRequest } from '../http/errors.ts';
import { nextPageQuery } from '../http/query.ts';
import { urlsFor, viewContext } from './api-context.ts';
import { computeCaller } from './caller.ts';
import { apiOf } from './microversion.ts';
import type { ComputeDeps } from './routes.ts';
import { serverActionRoutes } from './server-actions.ts';
import { SERVER_LIST_REPEATABLE, type Query } from './server-listing.ts';
import { serverRecordRoutes } from './server-record-routes.ts';
import { member, updateRequest } from './server-requests.ts';
import { cycladesOverLimit } from './server-quota.ts';
import { serverId, serverLinks, serverSummary, serverView } from './server-views.ts';

/** How long Cyclades keeps answering for a deleted server (Synnefo's POLL_TIME). */
export const DELETED_KEPT_MS = 3600_000;

export function serverRoutes(app: App, deps: ComputeDeps): void {
  const { servers } = deps;
  const caller = async (request: FastifyRequest) => computeCaller(await deps.authenticate(request));
  const id = (request: FastifyRequest) => (request.params as { id: string }).id;

  app.post('/servers', async (request, reply) => {
    const api = apiOf(request);
    const who = await caller(request);
    const created = servers.create(who, request.body, api);
    const { row, adminPass } = await (api.synnefo ? created.catch(cycladesOverLimit) : created);
    const ctx = await viewContext(deps, request, who.admin);
    const links = serverLinks(ctx.urls, serverId(row, api));
    reply.code(202).header('location', links[0]!.href);
    // Cyclades answers the whole server, BUILD, with its password.
    if (api.synnefo) return { server: { ...serverView(row, ctx), status: 'BUILD', adminPass } };
    return { server: { id: row.id, links, adminPass, 'OS-DCF:diskConfig': 'MANUAL', security_groups: [{ name: 'default' }] } };
  });

  const list = (detail: boolean) => async (request: FastifyRequest) => {
    const who = await caller(request);
    const query = request.query as Query;
    const page = await servers.list(who, query, apiOf(request));
    const ctx = await viewContext(deps, request, who.admin);
    const next = page.next === undefined ? undefined : nextPageQuery(query, page.next, page.limit);
    return {
      servers: page.rows.map((row) => (detail ? serverView(row, ctx, 'detail') : serverSummary(row, ctx))),
      ...(next ? { servers_links: [{ rel: 'next', href: urlsFor(deps.catalog, request).versioned(`/servers${detail ? '/detail' : ''}?${next}`) }] } : {}),
    };
  };
  const listing = { config: { repeatableQuery: SERVER_LIST_REPEATABLE } };
  app.get('/servers', listing, list(false));
  app.get('/servers/detail', listing, list(true));

  app.get('/servers/:id', async (request) => {
    const who = await caller(request);
    // Cyclades still answers for a server deleted a short while ago (status DELETED).
    const row = await servers.get(who, id(request), apiOf(request).synnefo ? { deletedWithinMs: DELETED_KEPT_MS } : {});
    return { server: serverView(row, await viewContext(deps, request, who.admin)) };
  });

  app.put('/servers/:id', async (request, reply) => {
    const api = apiOf(request);
    const change = updateRequest(request.body, api);
    const who = await caller(request);
    const row = await servers.edit(who, id(request), 'update', (current) => ({
      name: change.name ?? current.name,
      ...(change.description === undefined ? {} : { description: change.description }),
      ...(change.accessIPv4 === undefined ? {} : { access_ipv4: change.accessIPv4 }),
      ...(change.accessIPv6 === undefined ? {} : { access_ipv6: change.accessIPv6 }),
      ...(change.hostname === undefined ? {} : { hostname: change.hostname }),
    }));
    // Cyclades' rename answers 204.
    if (api.synnefo) return reply.code(204).send();
    return { server: serverView(row, await viewContext(deps, request, who.admin), 'update') };
  });

  app.delete('/servers/:id', async (request, reply) => {
    await servers.delete(await caller(request), id(request));
    return reply.code(204).send();
  });

  app.post('/servers/:id/remote-consoles', async (request) => {
    const console = member(request.body, 'remote_console', ['protocol', 'type']);
    if (console.protocol !== 'vnc' || console.type !== 'novnc') throw badRequest('Unsupported remote console: only protocol "vnc" with type "novnc" is served');
    const url = await servers.consoles.vnc(await caller(request), id(request));
    return { remote_console: { protocol: 'vnc', type: 'novnc', url } };
  });

  app.get('/servers/:id/ips', async (request) => {
    await servers.get(await caller(request), id(request));
    // Cyclades also lists the ports (none until networking lands).
    return { addresses: {}, ...(apiOf(request).synnefo ? { attachments: [] } : {}) };
  });

  serverActionRoutes(app, deps, caller);
  serverRecordRoutes(app, deps, caller);
}
