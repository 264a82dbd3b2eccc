// What end-to-end tests look at on the host itself: the QEMU processes of a VM and its run
// directory, and a poll-until helper for states that a guest reaches in its own time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Pids of live processes whose command line mentions `needle` (a VM's UUID). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle) && cmdline.includes('qemu-system')) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** The command line of a process, split into its arguments. */
export const commandLine = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

export const vmDir = (dataDir: string, id: string) => join(dataDir, 'vms', id);
export const vmDirExists = (dataDir: string, id: string) => existsSync(vmDir(dataDir, id));

/** Polls `probe` until it returns a truthy value; throws with `what` (and the last value) after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 120_000, intervalMs = 500): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** How many times `marker` occurs in `text`. */
export const occurrences = (text: string, marker: string) => text.split(marker).length - 1;
