// Resolves the caller of a request from its X-Auth-Token header.
import type { FastifyRequest } from 'fastify';
import type { AuthContext, IdentityService } from '../identity/service.ts';
import { forbidden, unauthorized } from './errors.ts';

export type Authenticate = (request: FastifyRequest) => Promise<AuthContext>;

export function makeAuthenticate(identity: IdentityService): Authenticate {
  return async (request) => {
    const token = request.headers['x-auth-token'];
    if (typeof token !== 'string' || token.length === 0) throw unauthorized();
    return { token, ...(await identity.validateToken(token)) };
  };
}

export function requireAdmin(auth: AuthContext, action: string): void {
  if (!auth.user.isAdmin) throw forbidden(`You are not authorized to perform the requested action: ${action}.`);
}

/** Admins may act on anyone; other users only on themselves. */
export function requireSelfOrAdmin(auth: AuthContext, userId: string, action: string): void {
  if (auth.user.id !== userId) requireAdmin(auth, action);
}
