// What a compute route needs to shape its answer: the API the request speaks (microversion.ts),
// absolute URLs under its prefix, and for server views the flavors they refer to.
import type { FastifyRequest } from 'fastify';
import type { ServiceCatalog } from '../catalog/catalog.ts';
import type { FlavorService } from './flavor-service.ts';
import { apiOf } from './microversion.ts';
import type { ComputeUrls, ViewContext } from './server-views.ts';

/** Absolute URLs under the version of the API a request came through. */
export function urlsFor(catalog: ServiceCatalog, request: FastifyRequest): ComputeUrls {
  const prefix = apiOf(request).synnefo ? '/compute/v2.0' : '/compute/v2.1';
  return { versioned: (path) => catalog.url(prefix + path), bookmark: (path) => catalog.url(`/compute${path}`) };
}

/** The API and URLs of a request, enough for flavor and key pair views. */
export const flavorContext = (catalog: ServiceCatalog, request: FastifyRequest) => ({ api: apiOf(request), urls: urlsFor(catalog, request) });

/** Everything a server view needs; reads the flavors (a small table) once per request. */
export async function viewContext(deps: { catalog: ServiceCatalog; flavors: FlavorService }, request: FastifyRequest, admin: boolean): Promise<ViewContext> {
  return { ...flavorContext(deps.catalog, request), flavors: await deps.flavors.byId(), admin };
}
