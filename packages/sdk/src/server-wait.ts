// Following a server's asynchronous work by polling: quick polls first (a fake or a fast host
// finishes in milliseconds), slower ones as the wait grows long.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from './api-error.ts';
import type { Server, ServerStatus } from './compute-types.ts';

export interface WaitOptions {
  /** 5 minutes by default. */
  timeoutMs?: number;
  /** The longest pause between two polls; 2 s by default. */
  maxIntervalMs?: number;
  /** Called with each server whose status, task state or progress differs from the last seen (null: deleted). */
  onChange?: (server: Server | null) => void;
  signal?: AbortSignal;
}

/** The server did not reach the status asked for in time. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(readonly serverId: string, readonly target: ServerStatus[], readonly last: Server, timeoutMs: number) {
    super(`server ${serverId} is still ${describeState(last)} after ${Math.round(timeoutMs / 1000)} s (waiting for ${target.join(' or ')})`);
  }
}

/** `ACTIVE`, or `BUILD (spawning, 40%)` while a task is under way. */
export function describeState(server: Server): string {
  const task = server['OS-EXT-STS:task_state'];
  const details = [task, server.status === 'BUILD' ? `${server.progress}%` : undefined].filter(Boolean);
  return details.length > 0 ? `${server.status} (${details.join(', ')})` : server.status;
}

const settled = (server: Server, target: ServerStatus[]) =>
  (target.includes(server.status) && !server['OS-EXT-STS:task_state']) || (server.status === 'ERROR' && !target.includes('ERROR'));

/** See ServersApi.waitFor. */
export async function waitForServer(get: () => Promise<Server>, id: string, target: ServerStatus[], options: WaitOptions): Promise<Server | null> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  let interval = 100;
  let lastState: string | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    let server: Server | null;
    try {
      server = await get();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      server = null;
    }
    const state = server === null ? 'DELETED' : describeState(server);
    if (state !== lastState) {
      lastState = state;
      options.onChange?.(server);
      interval = 100;
    }
    if (server === null) {
      if (target.includes('DELETED')) return null;
      throw new ApiError({ status: 404, kind: 'notFound', title: 'Not Found', message: `server ${id} was deleted while waiting for ${target.join(' or ')}` });
    }
    if (settled(server, target)) return server;
    if (Date.now() >= deadline) throw new WaitTimeoutError(id, target, server, timeoutMs);
    // An abort ends the pause at once, with the reason given to abort().
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), undefined, { signal: options.signal })
      .catch(() => options.signal?.throwIfAborted());
    interval = Math.min(interval * 2, options.maxIntervalMs ?? 2000);
  }
}
