// Rules every API applies to a request before its handler runs, so that no handler has to:
// a query parameter comes once unless the route takes a list under that name, and no text
// anywhere holds U+0000 (PostgreSQL stores no text with one, and no name needs it).
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

/** What a route may declare in its `config` about its input. */
export interface InputConfig {
  /** Query parameters that may repeat (a list); any other repeated one is a 400. */
  repeatableQuery?: string[];
}

/** Throws a 400 naming what breaks a rule; handlers then see one string per scalar parameter. */
export function checkInput(request: FastifyRequest): void {
  const repeatable = (request.routeOptions.config as InputConfig | undefined)?.repeatableQuery ?? [];
  for (const [key, value] of Object.entries(request.query as Record<string, unknown>)) {
    if (Array.isArray(value) && !repeatable.includes(key)) throw new ApiError('badRequest', `Query parameter ${key} may be given only once`);
  }
  for (const [where, value] of [['path', request.params], ['query', request.query], ['body', request.body]] as const) {
    if (holdsNul(value)) throw new ApiError('badRequest', `Invalid input in the ${where}: text may not contain the NUL character (U+0000)`);
  }
}

/** Whether a string anywhere in `value` (keys included) holds U+0000; iterative, for deep bodies. */
function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (next.includes('\u0000')) return true;
    } else if (next !== null && typeof next === 'object' && !Buffer.isBuffer(next)) {
      for (const [key, child] of Object.entries(next)) {
        if (key.includes('\u0000')) return true;
        pending.push(child);
      }
    }
  }
  return false;
}
