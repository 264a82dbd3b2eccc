// Glance v2 at /image/v2: images, their data, tags and members.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import type { Authenticate } from '../http/auth.ts';
import { ApiError, badRequest, type ErrorFormatter } from '../http/errors.ts';
import { nextPageQuery } from '../http/query.ts';
import { sendBytes } from '../storage/object-routes.ts';
import { bodyChunks, declaredLength } from '../storage/request-body.ts';
import type { PithosService } from '../storage/service.ts';
import { applyPatch, fromCreateBody } from './attributes.ts';
import { listImages, type Query } from './listing.ts';
import type { Caller, ImageService } from './service.ts';
import { imageSchema, imagesSchema, memberSchema, membersSchema } from './schemas.ts';
import { glanceImage, glanceMember, tags } from './views.ts';

export const GLANCE_PREFIX = '/image/v2';
const PATCH_TYPES = ['application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch'];

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  411: 'Length Required', 413: 'Request Entity Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 500: 'Internal Server Error',
};

/** Glance answers errors as WebOb does for JSON clients: `{"message", "code": "404 Not Found", "title"}`. */
export const glanceFault: ErrorFormatter = (e: ApiError) => {
  const title = TITLES[e.status] ?? 'Error';
  return { message: e.message, code: `${e.status} ${title}`, title };
};

export interface GlanceDeps { images: ImageService; pithos: PithosService; authenticate: Authenticate }

export function glanceRoutes(app: App, { images, pithos, authenticate }: GlanceDeps) {
  for (const type of PATCH_TYPES) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(badRequest('Malformed JSON patch'), undefined);
      }
    });
  }
  // Image data is read by the handler as a stream.
  app.addContentTypeParser('application/octet-stream', (_request, _payload, done) => done(null, undefined));

  const caller = async (request: FastifyRequest): Promise<Caller> => {
    const auth = await authenticate(request);
    return { user: auth.user.id, admin: auth.user.isAdmin };
  };
  const id = (request: FastifyRequest) => (request.params as { id: string }).id;

  // The same documents for everyone, but behind a token, as Glance's whole /v2 is.
  const schemas: Record<string, () => object> = { image: imageSchema, images: imagesSchema, member: memberSchema, members: membersSchema };
  for (const [name, schema] of Object.entries(schemas)) {
    app.get(`/schemas/${name}`, async (request) => {
      await authenticate(request);
      return schema();
    });
  }

  app.post('/images', async (request, reply) => {
    const image = await images.create(await caller(request), fromCreateBody(request.body));
    return reply.code(201).header('location', `${GLANCE_PREFIX}/images/${image.id}`).send(glanceImage(image));
  });

  app.get('/images', { config: { repeatableQuery: ['sort_key', 'sort_dir', 'tag'] } }, async (request) => {
    const who = await caller(request);
    const { rows, memberships } = await images.visible(who);
    const query = request.query as Query;
    const page = listImages(who, rows, memberships, query);
    return {
      images: page.images.map(glanceImage),
      first: '/v2/images',
      schema: '/v2/schemas/images',
      ...(page.nextMarker ? { next: `/v2/images?${nextPageQuery(query, page.nextMarker, page.limit)}` } : {}),
    };
  });

  app.get('/images/:id', async (request) => glanceImage(await images.get(await caller(request), id(request))));

  app.patch('/images/:id', async (request, reply) => {
    if (!PATCH_TYPES.includes((request.headers['content-type'] ?? '').split(';')[0]!.trim())) {
      throw new ApiError('badRequest', `Unsupported Content-Type: use ${PATCH_TYPES[0]}`, undefined, {}, 415);
    }
    const image = await images.update(await caller(request), id(request), (current) => applyPatch(current, request.body));
    return reply.send(glanceImage(image));
  });

  app.delete('/images/:id', async (request, reply) => {
    await images.delete(await caller(request), id(request));
    return reply.code(204).send();
  });

  app.post('/images/:id/actions/deactivate', async (request, reply) => {
    await images.setActive(await caller(request), id(request), false);
    return reply.code(204).send();
  });

  app.post('/images/:id/actions/reactivate', async (request, reply) => {
    await images.setActive(await caller(request), id(request), true);
    return reply.code(204).send();
  });

  app.put('/images/:id/file', async (request, reply) => {
    const md5 = request.headers['content-md5'];
    await images.upload(await caller(request), id(request), bodyChunks(request), {
      length: declaredLength(request),
      ...(typeof md5 === 'string' ? { md5: hexMd5(md5) } : {}),
    });
    return reply.code(204).send();
  });

  app.get('/images/:id/file', async (request, reply) => {
    const { image, file } = await images.data(await caller(request), id(request));
    if (!file) return reply.code(204).send();
    reply.headers({ 'content-type': 'application/octet-stream', 'content-md5': image.checksum!, etag: `"${image.checksum}"` });
    return sendBytes(request, reply, { ...file, etag: image.checksum! }, pithos.reader);
  });

  app.put('/images/:id/tags/:tag', async (request, reply) => {
    const { tag } = request.params as { tag: string };
    await images.update(await caller(request), id(request), (current) => ({ tags: [...tags(current), tag] }));
    return reply.code(204).send();
  });

  app.delete('/images/:id/tags/:tag', async (request, reply) => {
    const { tag } = request.params as { tag: string };
    await images.update(await caller(request), id(request), (image) => {
      if (!tags(image).includes(tag)) throw new ApiError('notFound', `Tag ${tag} not found`);
      return { tags: tags(image).filter((t) => t !== tag) };
    });
    return reply.code(204).send();
  });

  app.get('/images/:id/members', async (request) => ({
    members: (await images.members(await caller(request), id(request))).map(glanceMember),
    schema: '/v2/schemas/members',
  }));

  app.post('/images/:id/members', async (request) => {
    const body = request.body as { member?: unknown } | undefined;
    if (typeof body?.member !== 'string') throw badRequest('The request body must be {"member": "<project id>"}');
    return glanceMember(await images.addMember(await caller(request), id(request), body.member));
  });

  app.get('/images/:id/members/:member', async (request) => {
    const { member } = request.params as { member: string };
    return glanceMember(await images.member(await caller(request), id(request), member));
  });

  app.put('/images/:id/members/:member', async (request) => {
    const { member } = request.params as { member: string };
    const body = request.body as { status?: unknown } | undefined;
    if (typeof body?.status !== 'string') throw badRequest('The request body must be {"status": "accepted" | "rejected" | "pending"}');
    return glanceMember(await images.setMemberStatus(await caller(request), id(request), member, body.status));
  });

  app.delete('/images/:id/members/:member', async (request, reply) => {
    const { member } = request.params as { member: string };
    await images.removeMember(await caller(request), id(request), member);
    return reply.code(204).send();
  });
}

/** Glance's version list (300 Multiple Choices), at /image and /image/v2. */
export async function sendVersions(reply: FastifyReply, url: (path: string) => string) {
  const href = url(`${GLANCE_PREFIX}/`);
  return reply.code(300).send({
    versions: ['2.5', '2.4', '2.3', '2.2', '2.1', '2.0'].map((v, i) => ({
      id: `v${v}`, status: i === 0 ? 'CURRENT' : 'SUPPORTED', links: [{ rel: 'self', href }],
    })),
  });
}

/** Content-MD5 is base64 by RFC 1864; some clients send hex. */
function hexMd5(value: string): string {
  if (/^[0-9a-f]{32}$/i.test(value)) return value.toLowerCase();
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 16) throw badRequest('Content-MD5 must be an MD5 digest, in base64 or hex');
  return bytes.toString('hex');
}
