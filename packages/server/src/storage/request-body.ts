// Request bodies in the storage API are streams: object bodies go to the block store as they
// arrive, and only small bodies (hashmaps, manifests, bulk-delete lists) are buffered.
import type { FastifyRequest } from 'fastify';
import { ApiError, badRequest } from '../http/errors.ts';

/**
 * The body's declared length, null when chunked. A request with neither header has no body
 * (RFC 9112 §6.3), so it is an empty upload.
 */
export function declaredLength(request: FastifyRequest): number | null {
  const raw = request.headers['content-length'];
  if (raw !== undefined) {
    const length = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(length)) throw badRequest('Invalid Content-Length');
    return length;
  }
  return request.headers['transfer-encoding'] === undefined ? 0 : null;
}

/**
 * The body as it arrives. Throws if the client goes away or sends a body that does not
 * match its Content-Length, so that callers never commit a partial upload.
 */
export async function* bodyChunks(request: FastifyRequest): AsyncGenerator<Buffer> {
  const raw = request.raw;
  for await (const chunk of raw) yield chunk as Buffer;
  // A body longer than Content-Length makes the excess a bad next request on the socket,
  // which Node answers by closing it; a shorter one ends in an aborted stream above.
  await new Promise((resolve) => setImmediate(resolve));
  if (raw.complete === false || raw.socket?.destroyed === true) throw new ClientGoneError();
}

export class ClientGoneError extends ApiError {
  constructor() {
    super('badRequest', 'The client disconnected or sent a body that does not match its Content-Length', undefined, {}, 499);
  }
}

/** Reads a small body whole; 413 beyond `limit` bytes. */
export async function smallBody(request: FastifyRequest, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of bodyChunks(request)) {
    size += chunk.length;
    if (size > limit) throw new ApiError('overLimit', `Request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
