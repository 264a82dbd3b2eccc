// Plankton at /image/v1.0 (Synnefo's image API, Glance v1 in shape): metadata travels in
// X-Image-Meta-* headers, and an image is registered from a file already in Pithos+, the way
// `kamaki image register` does it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import type { Authenticate } from '../http/auth.ts';
import { badRequest, forbidden } from '../http/errors.ts';
import type { ObjectPath } from '../storage/writer.ts';
import type { Query } from '../http/query.ts';
import type { ImageAttributes } from './attributes.ts';
import { planktonList } from './plankton-listing.ts';
import type { Caller, ImageService } from './service.ts';
import { planktonHeaders, planktonImage, properties } from './views.ts';

export interface PlanktonDeps { images: ImageService; authenticate: Authenticate }

export function planktonRoutes(app: App, { images, authenticate }: PlanktonDeps) {
  const caller = async (request: FastifyRequest): Promise<Caller> => {
    const auth = await authenticate(request);
    return { user: auth.user.id, admin: auth.user.isAdmin };
  };
  const id = (request: FastifyRequest) => (request.params as { id: string }).id;
  // Plankton lists what Glance v2 lists by default, plus shared images pending acceptance.
  const listed = async (request: FastifyRequest) => {
    const who = await caller(request);
    const { rows, memberships } = await images.visible(who);
    const mine = rows.filter((r) => r.owner === who.user || r.visibility === 'public' || (memberships.get(r.id) ?? 'rejected') !== 'rejected');
    return planktonList(mine, request.query as Query);
  };
  const list = async (request: FastifyRequest) => ({
    images: (await listed(request)).map(({ id, name, disk_format, container_format, size, status }) => ({ id, name, disk_format, container_format, size, status })),
  });
  // `/images` and `/images/` alike (Synnefo's route is `^images(?:/)?$`; kamaki sends the slash).
  app.get('/images', list);
  app.get('/images/', list);

  app.get('/images/detail', async (request) => ({ images: await listed(request) }));

  const register = async (request: FastifyRequest, reply: FastifyReply) => {
    const meta = imageMeta(request);
    const location = meta.get('location');
    if (!location) throw badRequest('X-Image-Meta-Location is required: the file to register, as pithos://ACCOUNT/CONTAINER/PATH or /CONTAINER/PATH');
    const who = await caller(request);
    const attributes = attributesFrom(meta, propertiesFrom(request));
    const expected = {
      ...(meta.has('size') ? { size: integer(meta.get('size')!, 'X-Image-Meta-Size') } : {}),
      ...(meta.has('checksum') ? { checksum: meta.get('checksum')!.toLowerCase() } : {}),
    };
    const { image } = await images.register(who, parseLocation(location, who.user), attributes, expected);
    // Plankton answers 200 for a new image too (kamaki accepts nothing else); the body is ours.
    return reply.code(200).headers(planktonHeaders(image)).send({ image: planktonImage(image) });
  };
  app.post('/images', register);
  app.post('/images/', register);

  app.head('/images/:id', async (request, reply) => {
    const image = await images.get(await caller(request), id(request));
    return reply.code(200).headers(planktonHeaders(image)).send();
  });

  app.put('/images/:id', async (request, reply) => {
    const meta = imageMeta(request);
    const given = propertiesFrom(request);
    const image = await images.update(await caller(request), id(request), (current) => {
      const attributes = attributesFrom(meta, undefined);
      // X-Image-Meta-Property-* headers add or replace properties; the others stay.
      return Object.keys(given).length ? { ...attributes, properties: { ...properties(current), ...given } } : attributes;
    });
    return reply.code(200).headers(planktonHeaders(image)).send({ image: planktonImage(image) });
  });

  app.delete('/images/:id', async (request, reply) => {
    // Unregistering keeps the file, whoever made it.
    await images.delete(await caller(request), id(request), { keepFile: true });
    return reply.code(204).send();
  });

  app.get('/images/:id/members', async (request) => ({
    members: (await images.members(await caller(request), id(request))).map((m) => ({ member_id: m.member, can_share: false })),
  }));

  app.put('/images/:id/members', async (request, reply) => {
    const body = request.body as { memberships?: { member_id?: unknown }[] } | undefined;
    const list = body?.memberships;
    if (!Array.isArray(list) || list.some((m) => typeof m?.member_id !== 'string')) throw badRequest('The request body must be {"memberships": [{"member_id": "<uuid>"}, ...]}');
    await images.replaceMembers(await caller(request), id(request), list.map((m) => m.member_id as string));
    return reply.code(204).send();
  });

  app.put('/images/:id/members/:member', async (request, reply) => {
    const { member } = request.params as { member: string };
    const who = await caller(request);
    const current = (await images.members(who, id(request))).map((m) => m.member);
    if (!current.includes(member)) await images.replaceMembers(who, id(request), [...current, member]);
    return reply.code(204).send();
  });

  app.delete('/images/:id/members/:member', async (request, reply) => {
    const { member } = request.params as { member: string };
    await images.removeMember(await caller(request), id(request), member);
    return reply.code(204).send();
  });

  app.get('/shared-images/:member', async (request) => {
    const { member } = request.params as { member: string };
    const who = await caller(request);
    if (member !== who.user && !who.admin) throw forbidden('You can only list the images shared with you');
    const { rows, memberships } = await images.visible({ user: member, admin: false });
    return { shared_images: rows.filter((r) => r.visibility === 'shared' && memberships.has(r.id)).map((r) => ({ image_id: r.id, can_share: false })) };
  });
}

/** X-Image-Meta-* headers other than properties, by lower-case suffix. */
function imageMeta(request: FastifyRequest): Map<string, string> {
  const meta = new Map<string, string>();
  for (const [key, value] of Object.entries(request.headers)) {
    if (!key.startsWith('x-image-meta-') || key.startsWith('x-image-meta-property-') || typeof value !== 'string') continue;
    meta.set(key.slice('x-image-meta-'.length), decodeHeader(value));
  }
  return meta;
}

/** X-Image-Meta-Property-* headers; names are upper case, as Synnefo's properties are. */
function propertiesFrom(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.startsWith('x-image-meta-property-') && typeof value === 'string') out[key.slice('x-image-meta-property-'.length).toUpperCase()] = decodeHeader(value);
  }
  return out;
}

function attributesFrom(meta: Map<string, string>, props: Record<string, string> | undefined): ImageAttributes {
  const isPublic = meta.get('is-public');
  if (isPublic !== undefined && !/^(true|false)$/i.test(isPublic)) throw badRequest('X-Image-Meta-Is-Public must be true or false');
  return {
    ...(meta.has('name') ? { name: meta.get('name')! } : {}),
    ...(meta.has('disk-format') ? { disk_format: meta.get('disk-format')! } : {}),
    ...(meta.has('container-format') ? { container_format: meta.get('container-format')! } : {}),
    ...(isPublic !== undefined ? { visibility: /^true$/i.test(isPublic) ? 'public' : 'private' } : {}),
    ...(meta.has('min-disk') ? { min_disk: integer(meta.get('min-disk')!, 'X-Image-Meta-Min-Disk') } : {}),
    ...(meta.has('min-ram') ? { min_ram: integer(meta.get('min-ram')!, 'X-Image-Meta-Min-Ram') } : {}),
    ...(props && Object.keys(props).length ? { properties: props } : {}),
  };
}

/** `pithos://ACCOUNT/CONTAINER/PATH`, or `/CONTAINER/PATH` in the caller's own account. */
export function parseLocation(location: string, user: string): ObjectPath {
  const match = /^pithos:\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(location) ?? /^\/?()([^/]+)\/(.+)$/.exec(location);
  if (!match) throw badRequest(`Invalid location ${location}: use pithos://ACCOUNT/CONTAINER/PATH or /CONTAINER/PATH`);
  return { account: match[1] || user, container: match[2]!, name: match[3]! };
}

function integer(raw: string, name: string): number {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw badRequest(`${name} must be a non-negative integer`);
  return Number(raw);
}

/** kamaki percent-encodes non-ASCII header values. */
function decodeHeader(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
