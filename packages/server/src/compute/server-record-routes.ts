// A server's metadata (/servers/{id}/metadata) and tags (/servers/{id}/tags), as Nova serves
// them. Both change the record only, in any state but deleted.
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import { badRequest, notFound } from '../http/errors.ts';
import type { ComputeCaller } from './caller.ts';
import type { ComputeDeps } from './routes.ts';
import { MAX_METADATA_ITEMS, MAX_TAGS, member, metadata, metadataItem, only, tag, tagList } from './server-requests.ts';
import { metadataOf, tagsOf } from './server-store.ts';

type Params = { id: string; key: string; tag: string };

export function serverRecordRoutes(app: App, deps: ComputeDeps, caller: (request: FastifyRequest) => Promise<ComputeCaller>): void {
  const { servers } = deps;
  const params = (request: FastifyRequest) => request.params as Params;

  /** Replaces the metadata with what `change` makes of it, within the per-server limit. */
  const editMetadata = async (request: FastifyRequest, change: (current: Record<string, string>) => Record<string, string>) => {
    const row = await servers.edit(await caller(request), params(request).id, 'metadata', (current) => {
      const next = change(metadataOf(current));
      if (Object.keys(next).length > MAX_METADATA_ITEMS) throw badRequest(`Quota exceeded for metadata items: at most ${MAX_METADATA_ITEMS} per server`);
      return { metadata: JSON.stringify(next) };
    });
    return metadataOf(row);
  };
  const editTags = async (request: FastifyRequest, change: (current: string[]) => string[]) => {
    const row = await servers.edit(await caller(request), params(request).id, 'tags', (current) => {
      const next = change(tagsOf(current));
      if (next.length > MAX_TAGS) throw badRequest(`The number of tags exceeds the per-server limit ${MAX_TAGS}`);
      return { tags: JSON.stringify(next) };
    });
    return tagsOf(row);
  };
  const shown = async (request: FastifyRequest) => servers.get(await caller(request), params(request).id);

  // ---- metadata

  app.get('/servers/:id/metadata', async (request) => ({ metadata: metadataOf(await shown(request)) }));
  app.post('/servers/:id/metadata', async (request) => {
    const given = metadata(member(request.body, 'metadata'));
    return { metadata: await editMetadata(request, (current) => ({ ...current, ...given })) };
  });
  app.put('/servers/:id/metadata', async (request) => {
    const given = metadata(member(request.body, 'metadata'));
    return { metadata: await editMetadata(request, () => given) };
  });
  app.get('/servers/:id/metadata/:key', async (request) => {
    const { key } = params(request);
    const value = metadataOf(await shown(request))[key];
    if (value === undefined) throw notFound('Metadata item was not found');
    return { meta: { [key]: value } };
  });
  app.put('/servers/:id/metadata/:key', async (request) => {
    const { key } = params(request);
    const meta = member(request.body, 'meta');
    const keys = Object.keys(meta);
    if (keys.length !== 1) throw badRequest('Request body contains too many items: meta holds exactly one key');
    if (keys[0] !== key) throw badRequest('Request body and URI mismatch');
    metadataItem(key, meta[key], 'meta');
    await editMetadata(request, (current) => ({ ...current, [key]: meta[key] as string }));
    return { meta: { [key]: meta[key] } };
  });
  app.delete('/servers/:id/metadata/:key', async (request, reply) => {
    const { key } = params(request);
    await editMetadata(request, (current) => {
      if (!(key in current)) throw notFound('Metadata item was not found');
      const { [key]: _gone, ...rest } = current;
      return rest;
    });
    return reply.code(204).send();
  });

  // ---- tags

  app.get('/servers/:id/tags', async (request) => ({ tags: tagsOf(await shown(request)) }));
  app.put('/servers/:id/tags', async (request) => {
    only(request.body, ['tags'], 'body');
    const given = tagList((request.body as { tags?: unknown } | undefined)?.tags);
    return { tags: await editTags(request, () => given) };
  });
  app.delete('/servers/:id/tags', async (request, reply) => {
    await editTags(request, () => []);
    return reply.code(204).send();
  });
  app.get('/servers/:id/tags/:tag', async (request, reply) => {
    if (!tagsOf(await shown(request)).includes(params(request).tag)) throw notFound(`Tag ${params(request).tag} not found`);
    return reply.code(204).send();
  });
  app.put('/servers/:id/tags/:tag', async (request, reply) => {
    const added = tag(params(request).tag);
    let existed = false;
    await editTags(request, (current) => {
      existed = current.includes(added);
      return existed ? current : [...current, added];
    });
    if (existed) return reply.code(204).send();
    return reply.code(201).header('location', deps.catalog.url(request.url)).send();
  });
  app.delete('/servers/:id/tags/:tag', async (request, reply) => {
    const removed = params(request).tag;
    await editTags(request, (current) => {
      if (!current.includes(removed)) throw notFound(`Tag ${removed} not found`);
      return current.filter((t) => t !== removed);
    });
    return reply.code(204).send();
  });
}
