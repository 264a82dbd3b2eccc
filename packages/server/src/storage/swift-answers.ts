// How Swift words its answers: the HTML bodies of its errors and of 202, the content type
// every response carries (even an empty one), and `Content-Length: 0` on empty answers
// (swift/common/swob.py). Pithos' own answers (the 409 list of missing blocks) stay JSON.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.ts';

/** swob's RESPONSE_REASONS: title and explanation of each status Swift answers. */
const REASONS: Record<number, [string, string]> = {
  202: ['Accepted', 'The request is accepted for processing.'],
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'The method is not allowed for this resource.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  411: ['Length Required', 'Length Required'],
  412: ['Precondition Failed', 'A precondition for this request was not met.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  414: ['Request URI Too Long', 'The request URI was too long for this server.'],
  416: ['Requested Range Not Satisfiable', 'The Range requested is not available.'],
  422: ['Unprocessable Entity', 'Unable to process the contained instructions'],
  429: ['Too Many Requests', 'The client is sending too many requests.'],
  499: ['Client Disconnect', 'The client was disconnected during request.'],
  500: ['Internal Error', 'The server has either erred or is incapable of performing the requested operation.'],
  507: ['Insufficient Storage', 'There was not enough space to save the resource.'],
};

export const HTML = 'text/html; charset=UTF-8';
/** Swift's listings and HEADs of accounts and containers. */
export const PLAIN_UTF8 = 'text/plain; charset=utf-8';

export const swiftHtml = (status: number) => {
  const reason = REASONS[status];
  return reason ? `<html><h1>${reason[0]}</h1><p>${reason[1]}</p></html>` : '';
};

/**
 * An error whose text Swift sends as it is (its 400s on names and metadata, some 412s),
 * with Swift's content type for it: `text/plain` for constraint errors, HTML otherwise.
 */
export const swiftError = (status: number, message: string, contentType = status === 400 ? 'text/plain' : HTML) =>
  new ApiError(status === 404 ? 'notFound' : 'badRequest', message, undefined, { 'content-type': contentType }, status);

/** The Swift error body: Pithos' 409 list of missing blocks (JSON), a sentence, or swob's HTML. */
export function swiftFault(e: ApiError): unknown {
  if (Array.isArray(e.data)) return e.data;
  if (e.status === 400 || e.headers['content-type'] !== undefined) return e.message;
  return swiftHtml(e.status) || e.message;
}

/** Content type of an error answer, as Swift would send it. */
function errorType(status: number, body: unknown): string {
  if (typeof body === 'string' && body.startsWith('[')) return 'application/json; charset=utf-8';
  return status === 400 ? 'text/plain' : HTML;
}

/** Sends an error the way Swift does (the routes catch their own errors to get this exactly). */
export function sendSwiftError(request: FastifyRequest, reply: FastifyReply, e: ApiError) {
  const body = swiftFault(e);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  reply.code(e.status).headers(e.headers);
  if (!e.headers['content-type']) reply.header('content-type', errorType(e.status, text));
  if (e.status === 401) reply.header('www-authenticate', `Swift realm="${realm(request)}"`);
  return reply.send(request.method === 'HEAD' ? undefined : text);
}

/** The account part of the path, which Swift names as the realm of a 401. */
function realm(request: FastifyRequest): string {
  const rest = request.url.split('?')[0]!.split('/').filter(Boolean);
  return decodeURIComponent(rest[2] ?? 'unknown').replace(/["\\\r\n]/g, '');
}

/**
 * Every Swift answer carries a content type and, when empty, `Content-Length: 0`; errors that
 * Fastify or the shared error handler answered get Swift's content type.
 */
export function swiftAnswerHooks(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply, payload) => {
    const status = reply.statusCode;
    if (status >= 400 && String(reply.getHeader('content-type') ?? '').startsWith('text/plain; charset=utf-8')) {
      reply.header('content-type', errorType(status, payload));
      if (status === 401) reply.header('www-authenticate', `Swift realm="${realm(request)}"`);
    }
    if (!reply.hasHeader('content-type')) reply.header('content-type', request.method === 'GET' || request.method === 'HEAD' ? PLAIN_UTF8 : HTML);
    if (!reply.hasHeader('content-length') && (payload === undefined || payload === null || payload === '')) reply.header('content-length', '0');
    return payload;
  });
}

/** Runs a route's work and answers its errors as Swift does; anything else goes up. */
export async function swiftErrors(request: FastifyRequest, reply: FastifyReply, work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError && !reply.sent) return sendSwiftError(request, reply, error);
    throw error;
  }
}

/** 202 with swob's body, as Swift answers an object POST or a PUT of an existing container. */
export const accepted = (reply: FastifyReply) => reply.code(202).type(HTML).send(swiftHtml(202));
