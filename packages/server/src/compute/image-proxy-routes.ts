// The compute API's view of images (/images, deprecated in Nova and gone from 2.36 on), read
// and written through the image service: Nova's shape on /compute/v2.1, Cyclades' on
// /compute/v2.0 (kamaki's `server create` reads an image here first). Image metadata is the
// image's properties.
import type { FastifyRequest } from 'fastify';
import type { ServiceCatalog } from '../catalog/catalog.ts';
import type { App } from '../http/app.ts';
import { badRequest, forbidden, notFound } from '../http/errors.ts';
import { scalar, type Query } from '../http/query.ts';
import type { Caller as ImageCaller, ImageService } from '../images/service.ts';
import { flavorContext } from './api-context.ts';
import { computeCaller } from './caller.ts';
import { apiOf, novaAtLeast, type ComputeApi } from './microversion.ts';
import { SINCE } from './nova-versions.ts';
import type { ComputeDeps } from './routes.ts';
import { metadataRoutes } from './metadata-routes.ts';
import { MAX_METADATA_ITEMS } from './server-requests.ts';
import { cycladesTime, links, novaTime, type ComputeUrls } from './server-views.ts';

type Params = { id: string };
type ImageRow = Awaited<ReturnType<ImageService['get']>>;

/** Glance's statuses as the compute API names them (Nova: any other is UNKNOWN, with progress 0). */
const STATUS: Record<string, string> = { queued: 'SAVING', saving: 'SAVING', active: 'ACTIVE', deleted: 'DELETED' };
const PROGRESS: Record<string, number> = { queued: 25, saving: 50, active: 100 };
const statusOf = (row: ImageRow) => STATUS[row.status] ?? 'UNKNOWN';

const propertiesOf = (row: ImageRow): Record<string, string> => JSON.parse(row.properties);

/** Self and bookmark; Nova adds the image's place in the image service (`alternate`). */
function imageLinks(row: ImageRow, api: ComputeApi, urls: ComputeUrls, catalog: ServiceCatalog) {
  const own = links(urls, `/images/${row.id}`);
  return api.synnefo ? own : [...own, { rel: 'alternate', type: 'application/vnd.openstack.image', href: catalog.url(`/image/images/${row.id}`) }];
}

function imageSummary(row: ImageRow, api: ComputeApi, urls: ComputeUrls, catalog: ServiceCatalog) {
  return { id: row.id, name: row.name, links: imageLinks(row, api, urls, catalog) };
}

function imageView(row: ImageRow, api: ComputeApi, urls: ComputeUrls, catalog: ServiceCatalog): Record<string, unknown> {
  const status = statusOf(row);
  if (api.synnefo) {
    return {
      id: row.id, name: row.name, updated: cycladesTime(row.updated_at), created: cycladesTime(row.created_at), status,
      progress: status === 'ACTIVE' ? 100 : 0, user_id: row.owner, tenant_id: row.owner, public: row.visibility === 'public',
      links: imageLinks(row, api, urls, catalog), metadata: propertiesOf(row), is_snapshot: false,
    };
  }
  return {
    id: row.id, name: row.name, created: novaTime(row.created_at), updated: novaTime(row.updated_at), status,
    progress: PROGRESS[row.status] ?? 0, minDisk: row.min_disk, minRam: row.min_ram, metadata: propertiesOf(row),
    'OS-EXT-IMG-SIZE:size': row.size ?? 0, links: imageLinks(row, api, urls, catalog),
  };
}

export function imageProxyRoutes(app: App, deps: ComputeDeps): void {
  const { images } = deps;
  /** The caller as the image service knows them; the proxy is gone from 2.36 on (404, as Nova). */
  const caller = async (request: FastifyRequest): Promise<ImageCaller> => {
    if (novaAtLeast(apiOf(request), '2.36')) throw notFound(`The resource could not be found: ${request.url.split('?')[0]}`);
    const who = computeCaller(await deps.authenticate(request));
    return { user: who.userId, admin: who.admin };
  };
  const params = (request: FastifyRequest) => request.params as Params;
  const shown = async (request: FastifyRequest) => images.get(await caller(request), params(request).id);
  /** Changes an image's properties (its owner only: the image service answers 403 to others). */
  const editMetadata = async (request: FastifyRequest, change: (current: Record<string, string>) => Record<string, string>) => {
    const who = await caller(request);
    const row = await images.update(who, params(request).id, (current) => {
      const next = change(propertiesOf(current));
      if (Object.keys(next).length > MAX_METADATA_ITEMS) throw forbidden(`Quota exceeded for metadata items: at most ${MAX_METADATA_ITEMS} per image`);
      return { properties: next };
    });
    return propertiesOf(row);
  };

  const list = (detail: boolean) => async (request: FastifyRequest) => {
    const who = await caller(request);
    const { urls, api } = flavorContext(deps.catalog, request);
    const { rows, memberships } = await images.visible(who);
    const listed = filtered(rows.filter((row) => row.owner === who.user || row.visibility === 'public' || memberships.get(row.id) === 'accepted'), request.query as Query, api);
    return { images: listed.map((row) => (detail ? imageView(row, api, urls, deps.catalog) : imageSummary(row, api, urls, deps.catalog))) };
  };
  app.get('/images', list(false));
  app.get('/images/detail', list(true));

  app.get('/images/:id', async (request) => {
    const { urls, api } = flavorContext(deps.catalog, request);
    return { image: imageView(await shown(request), api, urls, deps.catalog) };
  });

  app.delete('/images/:id', async (request, reply) => {
    await images.delete(await caller(request), params(request).id);
    return reply.code(204).send();
  });

  metadataRoutes(app, '/images/:id', { read: async (request) => propertiesOf(await shown(request)), edit: editMetadata });
}

/** Nova's image list filters: name, status, changes-since, minRam, minDisk, type; limit and marker. */
function filtered(rows: ImageRow[], query: Query, api: ComputeApi): ImageRow[] {
  let out = [...rows].sort((a, b) => (b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id)));
  const name = scalar(query, 'name');
  if (name !== undefined) out = out.filter((row) => row.name === name);
  const status = scalar(query, 'status');
  if (status !== undefined) out = out.filter((row) => statusOf(row) === status.toUpperCase());
  const since = scalar(query, 'changes-since');
  if (since !== undefined) {
    const time = new Date(since);
    if (Number.isNaN(time.getTime())) throw badRequest(`Invalid input for query parameters changes-since. Value: ${since}. It is not an ISO 8601 time.`);
    out = out.filter((row) => row.updated_at >= time.toISOString());
  }
  for (const [param, column] of [['minRam', 'min_ram'], ['minDisk', 'min_disk']] as const) {
    const value = scalar(query, param);
    if (value === undefined) continue;
    if (!/^\d+$/.test(value)) throw badRequest(`Invalid ${param} filter [${value}]`);
    out = out.filter((row) => row[column] >= Number(value));
  }
  if (api.synnefo) return out;
  const marker = scalar(query, 'marker');
  if (marker !== undefined) {
    const at = out.findIndex((row) => row.id === marker);
    if (at < 0) throw badRequest(`marker [${marker}] not found`);
    out = out.slice(at + 1);
  }
  const limit = scalar(query, 'limit');
  if (limit !== undefined) {
    if (!/^\d+$/.test(limit)) throw badRequest(`Invalid input for query parameters limit. Value: ${limit}.`);
    out = out.slice(0, Number(limit));
  }
  return out;
}
