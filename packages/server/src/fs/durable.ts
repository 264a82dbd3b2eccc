// Writing files so that a crash leaves either the old state or the new one: a file is written
// under a temporary name in a tmp directory, fsynced, renamed into place, and the directory
// synced. These are the pieces shared by the block store and the image cache.
import { open, opendir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Makes a rename in `dir` durable: the directory entry itself must reach the disk. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes the entries of `dir` last modified before `cutoff` (what killed writers left); a missing `dir` is fine. */
export async function removeOlderThan(dir: string, cutoff: Date): Promise<void> {
  let entries;
  try {
    entries = await opendir(dir);
  } catch {
    return;
  }
  for await (const entry of entries) {
    const path = join(dir, entry.name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtime < cutoff) await rm(path, { force: true });
  }
}
