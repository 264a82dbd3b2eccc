// Who may do what on another user's account: the owner may do everything; others only what
// a grant on the object, or on a folder above it, allows (the closest grant wins).
import type { Executor } from '../db/schema.ts';
import { forbidden } from '../http/errors.ts';
import { granteesFor } from './sharing.ts';
import * as store from './store.ts';

/** A grant as it applies to one caller: the granted name and what it allows. */
export interface GrantUsed {
  name: string;
  canWrite: boolean;
  /** Versions older than the one current at this serial stay private (0: all history). */
  grantedSerial: number;
}

export interface Visible {
  /** Names the caller may see in the container (granted objects and folders). */
  names: string[];
  /** The closest grant covering a name, if any. */
  grantOn(name: string): GrantUsed | undefined;
}

export async function grantsForCaller(ex: Executor, caller: string, owner: string, container?: string) {
  const grantees = granteesFor(caller, await store.groupsWithMember(ex, owner, caller), owner);
  return store.grantsTo(ex, owner, grantees, container);
}

export async function visibleIn(ex: Executor, caller: string, owner: string, container: string): Promise<Visible> {
  const grants = await grantsForCaller(ex, caller, owner, container);
  // Several grantee forms may match one name; the most generous of them counts.
  const byName = new Map<string, GrantUsed>();
  for (const g of grants) {
    const seen = byName.get(g.name);
    byName.set(g.name, {
      name: g.name,
      canWrite: seen?.canWrite === true || g.can_write === 1,
      grantedSerial: Math.min(seen?.grantedSerial ?? Infinity, Number(g.granted_serial)),
    });
  }
  return {
    names: [...byName.keys()],
    grantOn(name) {
      let best: GrantUsed | undefined;
      for (const [granted, grant] of byName) {
        const covers = name === granted || name.startsWith(`${granted}/`);
        if (covers && (!best || granted.length > best.name.length)) best = grant;
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
export async function checkObjectAccess(ex: Executor, caller: string, owner: string, container: string, name: string, need: 'read' | 'write'): Promise<GrantUsed | undefined> {
  if (caller === owner) return undefined;
  const grant = (await visibleIn(ex, caller, owner, container)).grantOn(name);
  if (!grant || (need === 'write' && !grant.canWrite)) throw forbidden('Access denied');
  return grant;
}

/**
 * The oldest version of a name that a grant shows: the one that was current when the grant
 * was made (history written before a share stays the owner's).
 */
export async function firstSharedSerial(ex: Executor, path: { account: string; container: string; name: string }, grant: GrantUsed): Promise<number> {
  if (grant.grantedSerial === 0) return 0;
  return (await store.versionCurrentAt(ex, path, grant.grantedSerial)) ?? 0;
}
