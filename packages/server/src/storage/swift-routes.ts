// The Swift API at /object-store/v1: accounts and containers here, objects in
// object-routes.ts. One catch-all route parses the raw path itself, so that `%2F`, `..` and
// `//` in object names stay part of the name.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import type { Authenticate } from '../http/auth.ts';
import { ApiError, badRequest } from '../http/errors.ts';
import type { IdentityService } from '../identity/service.ts';
import { BLOCK_HASH, BLOCK_SIZE } from '@oceanos/contract';
import { CONTENT_TYPES, listingFormat, listingTime, listOptions, MAX_LISTING, renderContainers, renderObjects, swiftJson, type Format } from './listing.ts';
import { metadataFromHeaders, parseStoragePath, type Metadata } from './names.ts';
import { objectRoutes, type ObjectContext } from './object-routes.ts';
import { bodyChunks, smallBody } from './request-body.ts';
import type { ContainerPolicy, PithosService } from './service.ts';
import { header, httpDate, parseUntil, xTimestamp } from './swift-http.ts';
import { bulkDelete, renderSummary } from './bulk-delete.ts';
import { accepted, swiftAnswerHooks, swiftErrors } from './swift-answers.ts';

export interface SwiftDeps { pithos: PithosService; identity: IdentityService; authenticate: Authenticate; publicUrl(token: string): string }

export const SWIFT_PREFIX = '/object-store/v1';
// PATCH is refused here rather than by the shared 405, to answer it in Swift's words.
const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY', 'MOVE', 'PATCH'];
/** Swift's storage policy: one, under Swift's default name. */
export const STORAGE_POLICY = 'Policy-0';

export { swiftFault } from './swift-answers.ts';

export function swiftRoutes(app: App, deps: SwiftDeps) {
  // Bodies are read by the handlers as streams, whatever their type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  swiftAnswerHooks(app);

  const caller = async (request: FastifyRequest): Promise<string> => {
    // Pithos also takes the token as a query parameter (links in the web UI).
    const fromQuery = (request.query as Record<string, string | undefined>)['X-Auth-Token'];
    if (request.headers['x-auth-token'] === undefined && fromQuery) return (await deps.identity.validateToken(fromQuery)).user.id;
    return (await deps.authenticate(request)).user.id;
  };
  const objects = objectRoutes(deps);

  app.route({
    method: ['GET', 'HEAD'], url: '/', exposeHeadRoute: false,
    handler: (request, reply) => swiftErrors(request, reply, async () => {
      const user = await caller(request);
      const query = request.query as Record<string, string>;
      const accounts = await deps.pithos.accounts.sharingAccounts(user, { marker: query.marker || undefined, limit: Math.min(Number(query.limit) || MAX_LISTING, MAX_LISTING) });
      return sendListing(request, reply, (format) => {
        // Pithos: each account with when it last changed (kamaki's `sharer list` shows it).
        if (format === 'json') return swiftJson(accounts.map((a) => ({ name: a.name, last_modified: listingTime(a.modifiedAt) })));
        if (format === 'xml') {
          const items = accounts.map((a) => `<account><name>${a.name}</name><last_modified>${listingTime(a.modifiedAt)}</last_modified></account>\n`);
          return `<?xml version="1.0" encoding="UTF-8"?>\n<accounts>\n${items.join('')}</accounts>`;
        }
        return accounts.length ? accounts.map((a) => `${a.name}\n`).join('') : null;
      });
    }),
  });

  app.route({
    method: METHODS, url: '/*', exposeHeadRoute: false,
    handler: (request, reply) => swiftErrors(request, reply, async () => {
      const rawPath = request.raw.url!.split('?')[0]!.slice(SWIFT_PREFIX.length + 1);
      const path = parseStoragePath(rawPath);
      const user = await caller(request);
      if (!path) return reply.code(404).send('Not Found');
      if (path.container === undefined) return account(request, reply, user, path.account);
      if (path.object === undefined) return container(request, reply, user, path.account, path.container);
      const context: ObjectContext = { request, reply, caller: user, path: { account: path.account, container: path.container, name: path.object } };
      return objects(context);
    }),
  });

  async function account(request: FastifyRequest, reply: FastifyReply, user: string, name: string) {
    const query = request.query as Record<string, string>;
    if ('bulk-delete' in query && (request.method === 'POST' || request.method === 'DELETE')) {
      const summary = await bulkDelete(deps.pithos, user, name, await smallBody(request, 10 * 1024 * 1024));
      const { type, body } = renderSummary(summary, header(request, 'accept'));
      // A Buffer, so that Fastify adds no charset Swift does not send.
      return reply.code(200).header('content-type', type).send(Buffer.from(body));
    }
    switch (request.method) {
      case 'HEAD':
      case 'GET': {
        const options = listOptions(query);
        const info = await deps.pithos.accounts.accountInfo(user, name);
        if (!info.shared) {
          const timestamp = xTimestamp(info.modifiedAt ?? new Date(0).toISOString());
          reply.headers({
            'x-account-container-count': info.containers, 'x-account-object-count': info.count, 'x-account-bytes-used': info.bytes,
            'x-timestamp': timestamp, ...info.metadata,
          });
          if (info.containers > 0) {
            const policy = `x-account-storage-policy-${STORAGE_POLICY.toLowerCase()}`;
            reply.headers({ [`${policy}-container-count`]: info.containers, [`${policy}-object-count`]: info.count, [`${policy}-bytes-used`]: info.bytes });
          }
          if (info.quota !== undefined) reply.header('x-account-policy-quota', info.quota);
          for (const [group, members] of Object.entries(info.groups)) reply.header(`x-account-group-${group}`, members.join(','));
        }
        reply.header('accept-ranges', 'bytes');
        // 204, as Pithos answers and kamaki insists (Swift answers 200 for an account it has not stored yet).
        if (request.method === 'HEAD') return reply.code(204).send();
        const rows = await deps.pithos.accounts.listContainers(user, name, options);
        return sendListing(request, reply, (format) => renderContainers(name, rows, format));
      }
      case 'POST': {
        const groups: Record<string, string[]> = {};
        for (const [key, value] of Object.entries(request.headers)) {
          if (!key.startsWith('x-account-group-')) continue;
          groups[key.slice('x-account-group-'.length)] = String(value).split(',').map((m) => m.trim().toLowerCase()).filter(Boolean);
        }
        await deps.pithos.accounts.updateAccount(user, name, { ...metadataFromHeaders(request.headers, 'account'), groups });
        // Pithos (kamaki's `?update`) answers 202, Swift 204.
        return reply.code('update' in query ? 202 : 204).send();
      }
      default:
        throw new ApiError('methodNotAllowed', `${request.method} is not allowed on an account`, undefined, { allow: 'GET, HEAD, POST' });
    }
  }

  async function container(request: FastifyRequest, reply: FastifyReply, user: string, account: string, name: string) {
    const query = request.query as Record<string, string>;
    switch (request.method) {
      case 'PUT': {
        const created = await deps.pithos.accounts.putContainer(user, account, name, containerPolicy(request), metadataFromHeaders(request.headers, 'container'));
        return created ? reply.code(201).send() : accepted(reply);
      }
      case 'HEAD':
      case 'GET': {
        const options = listOptions(query);
        const info = await deps.pithos.accounts.containerInfo(user, account, name);
        reply.headers({
          'x-container-block-size': BLOCK_SIZE, 'x-container-block-hash': BLOCK_HASH,
          'x-timestamp': xTimestamp(info.container.created_at), 'last-modified': httpDate(info.container.modified_at),
          'accept-ranges': 'bytes', 'x-storage-policy': STORAGE_POLICY,
        });
        if (!info.shared) {
          reply.headers({
            'x-container-object-count': info.count, 'x-container-bytes-used': info.bytes,
            'x-container-policy-versioning': info.container.versioning, 'x-container-policy-quota': info.container.quota,
            ...(info.metadata as Metadata),
          });
        }
        if (request.method === 'HEAD') return reply.code(204).send();
        const rows = await deps.pithos.listObjects(user, account, name, { ...options, shared: 'shared' in query, public: 'public' in query });
        return sendListing(request, reply, (format) => renderObjects(name, rows, format));
      }
      case 'POST': {
        // Pithos: raw blocks posted to a container are stored, for a hashmap upload to use.
        if (header(request, 'content-type')?.startsWith('application/octet-stream')) {
          const hashes = await deps.pithos.postBlocks(user, account, name, bodyChunks(request));
          return reply.code(202).type('application/json').send(JSON.stringify(hashes));
        }
        await deps.pithos.accounts.updateContainer(user, account, name, containerPolicy(request), metadataFromHeaders(request.headers, 'container'));
        // Pithos (kamaki's `?update`) answers 202, Swift 204.
        return reply.code('update' in query ? 202 : 204).send();
      }
      case 'DELETE': {
        // Pithos: with `until`, the container's history up to then is purged and it stays.
        const until = parseUntil(query.until);
        if (until !== undefined) await deps.pithos.accounts.purgeHistory(user, { account, container: name }, until);
        // Pithos: with `delimiter`, what the container holds is deleted and the container stays.
        else if (query.delimiter !== undefined) await deps.pithos.accounts.emptyContainer(user, account, name);
        else await deps.pithos.accounts.deleteContainer(user, account, name);
        return reply.code(204).send();
      }
      default:
        throw new ApiError('methodNotAllowed', `${request.method} is not allowed on a container`, undefined, { allow: 'DELETE, GET, HEAD, POST, PUT' });
    }
  }
}

function containerPolicy(request: FastifyRequest): ContainerPolicy {
  const policy: ContainerPolicy = {};
  const versioning = header(request, 'x-container-policy-versioning');
  if (versioning !== undefined) {
    if (versioning !== 'auto' && versioning !== 'none') throw badRequest('X-Container-Policy-Versioning must be auto or none');
    policy.versioning = versioning;
  }
  const quota = header(request, 'x-container-policy-quota');
  if (quota !== undefined) {
    if (!/^\d+$/.test(quota) || !Number.isSafeInteger(Number(quota))) throw badRequest('X-Container-Policy-Quota must be a number of bytes');
    policy.quota = Number(quota);
  }
  return policy;
}

/** Swift: an empty plain listing is 204; json and xml always have a body. */
function sendListing(request: FastifyRequest, reply: FastifyReply, render: (format: Format) => string | null) {
  const format = listingFormat(request.query as Record<string, string>, header(request, 'accept'));
  const body = render(format);
  if (body === null) return reply.code(204).send();
  return reply.code(200).type(CONTENT_TYPES[format]).send(request.method === 'HEAD' ? undefined : body);
}
