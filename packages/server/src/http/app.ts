// The HTTP edge: one Fastify instance, one encapsulated plugin per API family. Each family
// brings its routes and its error formatter; this file adds what every family shares:
// error mapping, 404 and 405 answers, and a one-line access log without tokens.
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import { InsufficientStorage, isDiskFull } from '../fs/disk-space.ts';
import { ApiError, cloudFault, type ErrorFormatter } from './errors.ts';
import { checkInput, type InputConfig } from './input-rules.ts';

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;

export interface ApiFamily {
  /** URL prefix, e.g. `/identity/v3`. */
  prefix: string;
  format: ErrorFormatter;
  /** How its answers carry the request id, as its OpenStack counterpart's do; none if absent. */
  requestIds?: RequestIdStyle;
  routes(app: App): void | Promise<void>;
}

/**
 * `openstack`: `x-openstack-request-id: req-<uuid>` (Keystone, Glance); `nova`: the same and
 * `x-compute-request-id`; `swift`: `X-Trans-Id` and `X-Openstack-Request-Id`, both
 * `tx<21 hex>-<10 hex>`. Synnefo's APIs send none. The log line carries the same id.
 */
export type RequestIdStyle = 'openstack' | 'nova' | 'swift';

const REQUEST_ID_HEADERS: Record<RequestIdStyle, string[]> = {
  openstack: ['x-openstack-request-id'],
  nova: ['x-openstack-request-id', 'x-compute-request-id'],
  swift: ['x-trans-id', 'x-openstack-request-id'],
};

/** Swift's transaction id: 21 hex digits of a UUID, then the time in seconds as 10 hex digits. */
const swiftTransId = () =>
  `tx${crypto.randomUUID().replaceAll('-', '').slice(0, 21)}-${Math.floor(Date.now() / 1000).toString(16).padStart(10, '0')}`;

export interface HttpOptions {
  logger: Logger;
  trustProxy: boolean | string;
  families: ApiFamily[];
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** What a route may declare in its `config`. */
export interface RouteConfig extends InputConfig {
  /** The path holds a secret: the access log shows the route's pattern instead. */
  secretPath?: boolean;
}

/** One method of one URL pattern that a family serves (not the 405 answers added for the rest). */
export interface ServedRoute { method: string; url: string }

const servedByApp = new WeakMap<object, { routes: ServedRoute[]; families: ApiFamily[] }>();

/**
 * Every route the families registered, HEAD routes of GETs included, in registration order.
 * The isolation and fuzz suites walk it, so a new service's routes join them by themselves.
 */
export const servedRoutes = (app: App): ServedRoute[] => servedByApp.get(app)?.routes ?? [];

/** The family that answers `url` (the longest prefix), whose error format its errors have. */
export const familyOf = (app: App, url: string): ApiFamily | undefined => familyFor(servedByApp.get(app)?.families ?? [], url.split('?')[0]!);

/** The family that answers `path`; `families` longest prefix first (as buildHttpServer keeps them). */
const familyFor = (families: ApiFamily[], path: string) =>
  families.find((f) => path === f.prefix || path.startsWith(`${f.prefix}/`));

export async function buildHttpServer(options: HttpOptions): Promise<App> {
  // Longest prefix first, so that the first family whose prefix a path starts with answers it.
  const families = [...options.families].sort((a, b) => b.prefix.length - a.prefix.length);
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy,
    bodyLimit: 1024 * 1024,
    requestIdHeader: false,
    genReqId: (raw) =>
      familyFor(families, (raw.url ?? '/').split('?')[0]!)?.requestIds === 'swift' ? swiftTransId() : `req-${crypto.randomUUID()}`,
    // Unknown fields are refused where a schema says so, not silently dropped.
    ajv: { customOptions: { coerceTypes: false, allErrors: false, removeAdditional: false } },
    // Names in paths are long in places (Glance tags, Nova metadata keys, key pair names: 255).
    routerOptions: { maxParamLength: 1024 },
    // A path the router cannot decode, or too long a name, answers in its family's format. The
    // access log line has no path: it may be a secret one that did not decode.
    frameworkErrors: (error, request, reply) => {
      const answer = toApiError(error, request);
      request.log.info({ method: request.method, status: answer.status, reason: (error as FastifyError).code }, 'request');
      return send(reply, familyFor(families, request.url.split('?')[0]!)?.format ?? cloudFault, answer);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Swift's COPY and Pithos' MOVE.
  app.addHttpMethod('COPY');
  app.addHttpMethod('MOVE');

  const methodsByUrl = new Map<string, Set<string>>();
  // Routes whose path holds a secret, and what matches paths that start as theirs do.
  const secretRoutes = new Map<string, RegExp>();
  app.addHook('onRoute', (route) => {
    // `/prefix` and `/prefix/` are one route to Fastify but may be reported separately.
    const url = route.url.length > 1 ? route.url.replace(/\/$/, '') : route.url;
    const methods = methodsByUrl.get(url) ?? new Set<string>();
    for (const m of [route.method].flat()) methods.add(m);
    methodsByUrl.set(url, methods);
    if ((route.config as RouteConfig | undefined)?.secretPath) secretRoutes.set(url, startsLike(url));
  });

  // Every answer of an OpenStack-shaped API names its request (clients read it after a
  // create), errors and 404s of no route included.
  app.addHook('onSend', async (request, reply) => {
    const style = familyFor(families, request.url.split('?')[0]!)?.requestIds;
    if (style) for (const name of REQUEST_ID_HEADERS[style]) reply.header(name, request.id);
  });

  // A JSON body may be empty: clients send `Content-Type: application/json` with every
  // request, DELETEs and bodiless actions included. A route that needs a body says so in its
  // schema, and the answer is a 400 in its family's format.
  // Fastify's own parser otherwise: it refuses `__proto__` and `constructor` keys.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, body as string, done));

  // One set of input rules for every API (input-rules.ts): a query parameter given twice is a
  // 400 unless the route takes a list under that name (route config `repeatableQuery`, e.g.
  // Glance's sort_key and tag), and no text may hold U+0000.
  app.addHook('preValidation', async (request) => checkInput(request));

  app.addHook('onResponse', async (request, reply) => {
    // The path only: query strings may carry tokens (Swift temp URLs, Pithos' ?X-Auth-Token);
    // and the route's pattern where the path itself holds a secret (a token, a public link).
    const config = request.routeOptions.config as RouteConfig | undefined;
    // `route` (the pattern that answered, absent for a 404 of no route) groups the lines by route.
    const route = request.routeOptions.url;
    const path = config?.secretPath ? route : withoutSecrets(request.url.split('?')[0]!, secretRoutes);
    request.log.info({ method: request.method, path, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  app.setErrorHandler(errorHandler(cloudFault));
  app.setNotFoundHandler((request, reply) => send(reply, cloudFault, new ApiError('notFound', `No such resource: ${request.url.split('?')[0]}`)));

  for (const family of options.families) {
    await app.register(async (scope) => {
      scope.setErrorHandler(errorHandler(family.format));
      scope.setNotFoundHandler((request, reply) =>
        send(reply, family.format, new ApiError('notFound', `The resource could not be found: ${request.url.split('?')[0]}`)));
      await family.routes(scope as App);
    }, { prefix: family.prefix });
  }
  await app.after();
  const routes = [...methodsByUrl].flatMap(([url, methods]) => [...methods].map((method) => ({ method, url })));
  servedByApp.set(app, { routes, families });
  addMethodNotAllowed(app, methodsByUrl, new Set(secretRoutes.keys()), families);
  return app;
}

/** Matches a path that starts as the route `url` does (its parameters any segment). */
const startsLike = (url: string) =>
  new RegExp(`^${url.split('/').map((part) => (part.startsWith(':') || part === '*' ? '[^/]*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}(/|$)`);

/**
 * A path as the access log shows it when no route answered it (a 404): one that starts as a
 * secret-bearing route's does (`/public/<token>/more`) shows that route's pattern instead.
 */
function withoutSecrets(path: string, secretRoutes: Map<string, RegExp>): string {
  for (const [url, pattern] of secretRoutes) if (pattern.test(path)) return `${url}/…`;
  return path;
}

/** For every known URL, answers 405 (with `Allow`) to the methods it does not serve. */
function addMethodNotAllowed(app: App, methodsByUrl: Map<string, Set<string>>, secretUrls: Set<string>, families: ApiFamily[]) {
  for (const [url, methods] of methodsByUrl) {
    if (methods.has('GET')) methods.add('HEAD');
    const format = familyFor(families, url)?.format ?? cloudFault;
    const allow = [...methods].sort().join(', ');
    const missing = METHODS.filter((m) => !methods.has(m));
    if (missing.length === 0) continue;
    const refuse = (request: FastifyRequest, reply: FastifyReply) =>
      send(reply, format, new ApiError('methodNotAllowed', `Method ${request.method} is not allowed on ${url}`, undefined, { allow }));
    app.route({
      method: missing as unknown as string[],
      url,
      exposeHeadRoute: false,
      config: { secretPath: secretUrls.has(url) },
      // Before the body is read: whatever its type or size, the answer is this 405.
      onRequest: async (request, reply) => refuse(request, reply),
      handler: refuse,
    });
  }
}

function errorHandler(format: ErrorFormatter) {
  return (error: FastifyError | ApiError | Error, request: FastifyRequest, reply: FastifyReply) => {
    send(reply, format, toApiError(error, request));
  };
}

function toApiError(error: FastifyError | ApiError | Error, request: FastifyRequest): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as FastifyError;
  if (e.validation) {
    const first = e.validation[0];
    const where = first?.instancePath ? `${e.validationContext ?? 'body'}${first.instancePath.replaceAll('/', '.')}` : (e.validationContext ?? 'body');
    return new ApiError('badRequest', `Invalid input for ${where}: ${first?.message ?? e.message}`);
  }
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e instanceof SyntaxError) {
    return new ApiError('badRequest', 'Malformed request body: not valid JSON');
  }
  if (clientWentAway(e)) {
    // Nobody is left to answer: not an error of ours, and no stack trace.
    request.log.info({ reason: e.code ?? e.message }, 'the client went away before its request was complete');
    return new ApiError('badRequest', 'The client disconnected before its request was complete', undefined, {}, 499);
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const kind = e.statusCode === 413 ? 'overLimit' : e.statusCode === 404 ? 'notFound' : 'badRequest';
    return new ApiError(kind, e.message, undefined, {}, e.statusCode);
  }
  if (isDiskFull(e) || e.code === 'SQLITE_FULL') {
    // The disk's reserve was eaten by something else: refused, nothing lost (fs/disk-space.ts).
    request.log.warn({ code: e.code }, 'the disk is full');
    return new InsufficientStorage();
  }
  request.log.error({ err: loggable(error) }, 'unhandled error');
  return new ApiError('internal', `An unexpected error prevented the server from fulfilling your request (request id ${request.id}).`);
}

/**
 * What the log keeps of an unexpected error: its type, code, message and stack, and its cause's.
 * Its other fields may hold a request's headers or body (a client library's request options)
 * or a query's parameters, and with them tokens and passwords.
 */
function loggable(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.constructor.name, message: error.message, stack: error.stack,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(error.cause === undefined ? {} : { cause: loggable(error.cause) }),
  };
}

/** A request body that stopped because its client closed the connection. */
const clientWentAway = (e: FastifyError) =>
  e.code === 'ECONNRESET' || e.code === 'ERR_STREAM_PREMATURE_CLOSE' || e.message === 'aborted';

function send(reply: FastifyReply, format: ErrorFormatter, error: ApiError) {
  const body = format(error);
  // Most families answer JSON; Swift answers plain text.
  reply.code(error.status).headers(error.headers).type(typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json');
  // HEAD answers carry the status and headers only.
  return reply.send(reply.request.method === 'HEAD' ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
}
