// Resolves the caller of a request from its X-Auth-Token header.
import type { FastifyRequest } from 'fastify';
import type { AuthContext, IdentityService, TokenInfo } from '../identity/service.ts';
import { ApiError, forbidden, notFound, unauthorized } from './errors.ts';

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

/**
 * Resolves a token the caller asks about (to validate or revoke it). An invalid subject is
 * 404, as Keystone answers; only its owner or an admin may look at it.
 */
export async function inspectSubjectToken(identity: IdentityService, caller: AuthContext, subject: string, action: string): Promise<TokenInfo> {
  let info: TokenInfo;
  try {
    info = subject === caller.token ? caller : await identity.validateToken(subject);
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'unauthorized') throw notFound('Could not find token');
    throw error;
  }
  requireSelfOrAdmin(caller, info.user.id, action);
  return info;
}
