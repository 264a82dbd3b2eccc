// Who may do what on another user's account: the owner may do everything; others only what
// a grant on the object, or on a folder above it, allows (the closest grant wins).
import type { Executor } from '../db/schema.ts';
import { forbidden } from '../http/errors.ts';
import { granteesFor } from './sharing.ts';
import * as store from './store.ts';

export interface Visible {
  /** Names the caller may see in the container (granted objects and folders). */
  names: string[];
  /** The closest grant covering a name, if any. */
  grantOn(name: string): { name: string; canWrite: boolean } | undefined;
}

export async function grantsForCaller(ex: Executor, caller: string, owner: string, container?: string) {
  const grantees = granteesFor(caller, await store.groupsWithMember(ex, owner, caller), owner);
  return store.grantsTo(ex, owner, grantees, container);
}

export async function visibleIn(ex: Executor, caller: string, owner: string, container: string): Promise<Visible> {
  const grants = await grantsForCaller(ex, caller, owner, container);
  // Several grantee forms may match one name; write from any of them counts.
  const byName = new Map<string, boolean>();
  for (const g of grants) byName.set(g.name, byName.get(g.name) === true || g.can_write === 1);
  return {
    names: [...byName.keys()],
    grantOn(name) {
      let best: { name: string; canWrite: boolean } | undefined;
      for (const [granted, canWrite] of byName) {
        const covers = name === granted || name.startsWith(`${granted}/`);
        if (covers && (!best || granted.length > best.name.length)) best = { name: granted, canWrite };
      }
      return best;
    },
  };
}

/**
 * Who reads an object's bytes: a user (the owner, or another user through their grants), or
 * anyone holding a public link. Large objects read their segments with the reader's rights.
 */
export type Reader = { user: string } | { publicLink: true };

export const userReader = (user: string): Reader => ({ user });
export const PUBLIC_READER: Reader = { publicLink: true };

/**
 * Which names of one of `owner`'s containers the reader may read directly: everything for the
 * owner, what a grant covers for another user, what has a public link for a link's holder.
 */
export async function readableIn(ex: Executor, reader: Reader, owner: string, container: string): Promise<(name: string) => boolean> {
  if ('user' in reader) {
    if (reader.user === owner) return () => true;
    const visible = await visibleIn(ex, reader.user, owner, container);
    return (name) => visible.grantOn(name) !== undefined;
  }
  const published = new Set((await store.publicNames(ex, owner, container)).map((r) => r.name));
  return (name) => published.has(name);
}

/** Throws 403 unless `caller` may read (or write) the object. Returns the grant used, if any. */
export async function checkObjectAccess(ex: Executor, caller: string, owner: string, container: string, name: string, need: 'read' | 'write') {
  if (caller === owner) return undefined;
  const grant = (await visibleIn(ex, caller, owner, container)).grantOn(name);
  if (!grant || (need === 'write' && !grant.canWrite)) throw forbidden('Access denied');
  return grant;
}
