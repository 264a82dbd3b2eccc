// The metadata routes a server and an image share: `{path}/metadata` (GET; POST merges, PUT
// replaces) and `{path}/metadata/{key}` (GET, PUT, DELETE), as Nova answers them, with
// Cyclades' 201 where metadata is added on /compute/v2.0.
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { apiOf } from './microversion.ts';
import { member, metadata, metadataItem } from './server-requests.ts';

type Metadata = Record<string, string>;

export interface MetadataStore {
  read(request: FastifyRequest): Promise<Metadata>;
  /** Replaces the metadata with what `change` makes of it; returns the result. */
  edit(request: FastifyRequest, change: (current: Metadata) => Metadata): Promise<Metadata>;
}

/** Mounts the metadata routes under `path` (e.g. `/servers/:id`). */
export function metadataRoutes(app: App, path: string, store: MetadataStore): void {
  const keyOf = (request: FastifyRequest) => (request.params as { key: string }).key;
  const added = (request: FastifyRequest) => (apiOf(request).synnefo ? 201 : 200);

  app.get(`${path}/metadata`, async (request) => ({ metadata: await store.read(request) }));
  app.post(`${path}/metadata`, async (request, reply) => {
    const given = metadata(member(request.body, 'metadata'));
    return reply.code(added(request)).send({ metadata: await store.edit(request, (current) => ({ ...current, ...given })) });
  });
  app.put(`${path}/metadata`, async (request) => {
    const given = metadata(member(request.body, 'metadata'));
    return { metadata: await store.edit(request, () => given) };
  });
  app.get(`${path}/metadata/:key`, async (request) => {
    const key = keyOf(request);
    const value = (await store.read(request))[key];
    if (value === undefined) throw notFound('Metadata item was not found');
    return { meta: { [key]: value } };
  });
  app.put(`${path}/metadata/:key`, async (request, reply) => {
    const key = keyOf(request);
    const meta = member(request.body, 'meta');
    const keys = Object.keys(meta);
    if (keys.length !== 1) throw badRequest('Request body contains too many items: meta holds exactly one key');
    if (keys[0] !== key) throw badRequest('Request body and URI mismatch');
    metadataItem(key, meta[key], 'meta');
    await store.edit(request, (current) => ({ ...current, [key]: meta[key] as string }));
    return reply.code(added(request)).send({ meta: { [key]: meta[key] } });
  });
  app.delete(`${path}/metadata/:key`, async (request, reply) => {
    const key = keyOf(request);
    await store.edit(request, (current) => {
      if (!(key in current)) throw notFound('Metadata item was not found');
      const { [key]: _gone, ...rest } = current;
      return rest;
    });
    return reply.code(204).send();
  });
}
