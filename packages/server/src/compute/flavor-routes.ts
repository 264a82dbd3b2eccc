// Nova flavors at the microversion asked (Cyclades' on /compute/v2.0): lists and details for
// everyone; creation, description changes (2.55), deletion, access lists and extra specs
// writes for admins (Nova's default policy).
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ServiceCatalog } from '../catalog/catalog.ts';
import type { App } from '../http/app.ts';
import { requireAdmin } from '../http/auth.ts';
import { notFound } from '../http/errors.ts';
import { computeCaller } from './caller.ts';
import { flavorContext } from './api-context.ts';
import { parseAccessAction, parseExtraSpec, parseExtraSpecs, parseFlavorUpdate, parseNewFlavor } from './flavor-input.ts';
import type { FlavorQuery } from './flavor-listing.ts';
import type { FlavorRow } from './flavor-service.ts';
import { flavorAccessView, flavorSummary, flavorView } from './flavor-views.ts';
import { apiOf, novaAtLeast } from './microversion.ts';
import { SINCE } from './nova-versions.ts';
import type { ComputeDeps } from './routes.ts';

const IdParam = Type.Object({ id: Type.String() });
const SpecParams = Type.Object({ id: Type.String(), key: Type.String() });

/** Nova's `flavors_links`: a next link when the page is full, with the same query from the last flavor. */
function nextLinks(catalog: ServiceCatalog, request: FastifyRequest, rows: FlavorRow[], limit: number) {
  if (limit === 0 || rows.length < limit) return {};
  const params = new URLSearchParams(request.url.split('?')[1] ?? '');
  params.set('marker', rows.at(-1)!.id);
  return { flavors_links: [{ rel: 'next', href: catalog.url(`${request.url.split('?')[0]}?${params}`) }] };
}

export function flavorRoutes(app: App, { flavors, catalog, authenticate }: ComputeDeps): void {
  const caller = async (request: FastifyRequest) => computeCaller(await authenticate(request));
  const admin = async (request: FastifyRequest, action: string) => requireAdmin(await authenticate(request), `os_compute_api:${action}`);

  const list = (detail: boolean) => async (request: FastifyRequest) => {
    const ctx = flavorContext(catalog, request);
    const { rows, limit } = await flavors.list(await caller(request), request.query as FlavorQuery);
    return { flavors: rows.map((row) => (detail ? flavorView(row, ctx) : flavorSummary(row, ctx))), ...nextLinks(catalog, request, rows, limit) };
  };
  app.get('/flavors', list(false));
  app.get('/flavors/detail', list(true));

  app.get('/flavors/:id', { schema: { params: IdParam } }, async (request) => ({
    flavor: flavorView(await flavors.usable(await caller(request), request.params.id), flavorContext(catalog, request)),
  }));

  // Nova 2.1 answers 200 to a create.
  app.post('/flavors', async (request) => {
    await admin(request, 'os-flavor-manage:create');
    const input = parseNewFlavor(request.body, { description: novaAtLeast(apiOf(request), SINCE.flavorDescription) });
    return { flavor: flavorView(await flavors.create(input), flavorContext(catalog, request)) };
  });

  // 2.55: the description is the one thing of a flavor that changes. Before, Nova has no such route.
  app.put('/flavors/:id', { schema: { params: IdParam } }, async (request) => {
    if (!novaAtLeast(apiOf(request), SINCE.flavorDescription)) throw notFound(`The resource could not be found: ${request.url.split('?')[0]}`);
    await admin(request, 'os-flavor-manage:update');
    const description = parseFlavorUpdate(request.body);
    return { flavor: flavorView(await flavors.describe(request.params.id, description), flavorContext(catalog, request)) };
  });

  app.delete('/flavors/:id', { schema: { params: IdParam } }, async (request, reply) => {
    await admin(request, 'os-flavor-manage:delete');
    await flavors.delete(request.params.id);
    return reply.code(202).send();
  });

  app.get('/flavors/:id/os-flavor-access', { schema: { params: IdParam } }, async (request) => {
    await admin(request, 'os-flavor-access');
    return flavorAccessView(request.params.id, await flavors.access(request.params.id));
  });

  app.post('/flavors/:id/action', { schema: { params: IdParam } }, async (request) => {
    const { id } = request.params;
    const { action, tenant } = parseAccessAction(request.body);
    if (action === 'addTenantAccess') {
      await admin(request, 'os-flavor-access:add_tenant_access');
      return flavorAccessView(id, await flavors.addAccess(id, tenant));
    }
    await admin(request, 'os-flavor-access:remove_tenant_access');
    return flavorAccessView(id, await flavors.removeAccess(id, tenant));
  });

  app.get('/flavors/:id/os-extra_specs', { schema: { params: IdParam } }, async (request) => ({
    extra_specs: await flavors.extraSpecs(await caller(request), request.params.id),
  }));

  app.post('/flavors/:id/os-extra_specs', { schema: { params: IdParam } }, async (request) => {
    await admin(request, 'os-flavor-extra-specs:create');
    const specs = parseExtraSpecs(request.body);
    await flavors.updateExtraSpecs(request.params.id, (current) => ({ ...current, ...specs }));
    return { extra_specs: specs };
  });

  app.get('/flavors/:id/os-extra_specs/:key', { schema: { params: SpecParams } }, async (request) => {
    const { id, key } = request.params;
    const specs = await flavors.extraSpecs(await caller(request), id);
    if (!Object.hasOwn(specs, key)) throw noSpec(id, key);
    return { [key]: specs[key] };
  });

  app.put('/flavors/:id/os-extra_specs/:key', { schema: { params: SpecParams } }, async (request) => {
    await admin(request, 'os-flavor-extra-specs:update');
    const { id, key } = request.params;
    const value = parseExtraSpec(key, request.body);
    await flavors.updateExtraSpecs(id, (current) => ({ ...current, [key]: value }));
    return { [key]: value };
  });

  app.delete('/flavors/:id/os-extra_specs/:key', { schema: { params: SpecParams } }, async (request, reply) => {
    await admin(request, 'os-flavor-extra-specs:delete');
    const { id, key } = request.params;
    await flavors.updateExtraSpecs(id, (current) => {
      if (!Object.hasOwn(current, key)) throw noSpec(id, key);
      const { [key]: _gone, ...rest } = current;
      return rest;
    });
    return reply.code(200).send();
  });
}

const noSpec = (id: string, key: string) => notFound(`Flavor ${id} has no extra specs with key ${key}.`);
