// A server's metadata (/servers/{id}/metadata) and tags (/servers/{id}/tags), as Nova serves
// them (Cyclades answers 201 where it adds metadata). Both change the record only, in any state
// but deleted.
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import { badRequest, notFound } from '../http/errors.ts';
import type { ComputeCaller } from './caller.ts';
import { metadataRoutes } from './metadata-routes.ts';
import type { ComputeDeps } from './routes.ts';
import { MAX_METADATA_ITEMS, MAX_TAGS, only, tag, tagList } from './server-requests.ts';
import { metadataOf, tagsOf } from './server-store.ts';

type Params = { id: string; tag: string };

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

  metadataRoutes(app, '/servers/:id', { read: async (request) => metadataOf(await shown(request)), edit: editMetadata });

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
