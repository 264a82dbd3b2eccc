// Request bodies in the storage API are streams: object bodies go to the block store as they
// arrive, and only small bodies (hashmaps, manifests, bulk-delete lists) are buffered.
import type { IncomingMessage } from 'node:http';
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
  let whole = false;
  try {
    for await (const chunk of raw.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
    whole = true;
  } finally {
    if (!whole && !raw.destroyed) discardRest(raw);
  }
  // A body longer than Content-Length makes the excess a bad next request on the socket,
  // which Node answers by closing it; a shorter one ends in an aborted stream above.
  await new Promise((resolve) => setImmediate(resolve));
  if (raw.complete === false || raw.socket?.destroyed === true) throw new ClientGoneError();
}

/** How long a refused body is read on and thrown away before its connection is cut. */
const LINGER_MS = 10_000;

/**
 * A body refused part-way (over quota, too large) is read on and thrown away after the answer
 * rather than cut off. Node ends a connection whose request it answered before reading it
 * whole, and a socket closed with unread data sends a reset, with which a client still sending
 * loses the answer. So the connection is half-closed instead (the answer, then FIN), and
 * whatever the client still sends is discarded until it stops or LINGER_MS pass, as Apache's
 * and nginx's lingering close do.
 */
function discardRest(raw: IncomingMessage) {
  const socket = raw.socket;
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  raw.resume();
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
