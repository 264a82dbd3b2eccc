// A websocket client of the console proxy, as noVNC is: what a refused upgrade answered, or
// the open websocket and the binary messages it receives.
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';

/** What a refused upgrade answered, or the websocket once open. */
export function connect(port: number, query: string, protocols: string[] = ['binary']): Promise<{ ws: WebSocket; messages: Buffer[]; next(): Promise<Buffer> } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/console/websocket${query}`, protocols);
    const messages: Buffer[] = [];
    const waiters: ((m: Buffer) => void)[] = [];
    ws.on('message', (data: Buffer, isBinary) => {
      assert.ok(isBinary, 'VNC bytes travel as binary messages');
      const waiter = waiters.shift();
      if (waiter) waiter(data); else messages.push(data);
    });
    const next = () => new Promise<Buffer>((r) => { const m = messages.shift(); if (m) r(m); else waiters.push(r); });
    ws.on('open', () => resolve({ ws, messages, next }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', reject);
  });
}

export async function opened(port: number, query: string, protocols?: string[]) {
  const result = await connect(port, query, protocols);
  if ('status' in result) throw new Error(`refused: ${result.status} ${result.body}`);
  return result;
}

export async function refused(port: number, query: string) {
  const result = await connect(port, query);
  if (!('status' in result)) throw new Error('the websocket opened');
  return result;
}

/** Reads exactly `length` bytes from a websocket's messages, keeping the rest for the next read. */
export function byteReader(next: () => Promise<Buffer>) {
  let pending = Buffer.alloc(0);
  return async (length: number): Promise<Buffer> => {
    while (pending.length < length) pending = Buffer.concat([pending, await next()]);
    const bytes = pending.subarray(0, length);
    pending = pending.subarray(length);
    return bytes;
  };
}

/** The close code of a websocket, once it closes. */
export const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
