// X-Object-Sharing: `read=<grantees>;write=<grantees>`, where a grantee is a user UUID, `*`
// (every user) or `<account>:<group>` (members of that account's group). Write implies read.
import { badRequest } from '../http/errors.ts';

export interface Grant { grantee: string; canWrite: boolean }

/**
 * What a request sets: the grants, and whether their grantees also read the history written
 * before the share (Pithos shares history always; here the owner says so explicitly).
 */
export interface Sharing { grants: Grant[]; shareHistory: boolean }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GROUP_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export function isValidGroupName(name: string): boolean {
  return GROUP_NAME.test(name);
}

function checkGrantee(grantee: string): string {
  if (grantee === '*') return grantee;
  const [account = '', group, ...extra] = grantee.split(':');
  if (UUID.test(account) && extra.length === 0 && (group === undefined || isValidGroupName(group))) {
    return group === undefined ? account.toLowerCase() : `${account.toLowerCase()}:${group}`;
  }
  throw badRequest(`Bad X-Object-Sharing header: ${grantee} is not a user UUID, "*" or "<account>:<group>"`);
}

/** Parses the header; an empty value means "not shared" (no grants). */
export function parseSharing(header: string): Grant[] {
  const grants = new Map<string, boolean>();
  for (const part of header.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const mode = part.slice(0, eq).trim().toLowerCase();
    if (eq < 0 || (mode !== 'read' && mode !== 'write')) throw badRequest(`Bad X-Object-Sharing header: "${part}" (expected read=... or write=...)`);
    for (const raw of part.slice(eq + 1).split(',').map((g) => g.trim()).filter(Boolean)) {
      const grantee = checkGrantee(raw);
      grants.set(grantee, grants.get(grantee) === true || mode === 'write');
    }
  }
  if (grants.size > 1000) throw badRequest('Bad X-Object-Sharing header: too many grantees');
  return [...grants].map(([grantee, canWrite]) => ({ grantee, canWrite }));
}

export function formatSharing(grants: Grant[]): string {
  const read = grants.filter((g) => !g.canWrite).map((g) => g.grantee).sort();
  const write = grants.filter((g) => g.canWrite).map((g) => g.grantee).sort();
  return [read.length ? `read=${read.join(',')}` : '', write.length ? `write=${write.join(',')}` : ''].filter(Boolean).join(';');
}

/** The grantee strings that match `user` for grants made by `owner`. */
export function granteesFor(user: string, groupsOfOwnerWithUser: string[], owner: string): string[] {
  return [user, '*', ...groupsOfOwnerWithUser.map((g) => `${owner}:${g}`)];
}
