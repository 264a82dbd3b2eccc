// Who runs a job: `host/pid/instance`. From it a queue tells a job orphaned by a dead process
// (or a closed queue of its own process) from one another live process is running.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

// Instances of JobQueue open in this process: a job owned by our pid but none of these is orphaned.
const openInstances = new Set<string>();

export interface Owner {
  id: string;
  instance: string;
}

/** A new owner id for a queue of this process; it counts as alive until `release`d. */
export function claimOwner(): Owner {
  const instance = randomBytes(6).toString('hex');
  openInstances.add(instance);
  return { id: `${hostname()}/${process.pid}/${instance}`, instance };
}

/** From now on jobs still held by `owner` count as orphaned. */
export function releaseOwner(owner: Owner): void {
  openInstances.delete(owner.instance);
}

/**
 * Whether `ownerId` certainly belongs to nobody any more: a process of this host that no longer
 * exists, or a closed queue of this process. False when unknown (another host, a malformed id):
 * such jobs wait for their lease to run out.
 */
export function isOrphaned(ownerId: string): boolean {
  const parts = ownerId.split('/');
  if (parts.length < 3) return false;
  const instance = parts.pop()!;
  const pid = Number(parts.pop());
  if (parts.join('/') !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return !openInstances.has(instance);
  return !processExists(pid);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
