// Bridges browser websockets under /console/websocket to a VM's VNC unix socket. The one-time
// token in the query is the whole authorisation (no cookies), so the Origin is not checked:
// a page on another site holding a token could as well have opened the console itself.
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import { ApiError } from '../http/errors.ts';
import type { EndedLogins } from '../identity/service.ts';
import { CONSOLE_WEBSOCKET_PATH, type ConsoleGrant, type ConsoleService } from './service.ts';

export interface ConsoleProxyDeps {
  consoles: ConsoleService;
  /** The VNC unix socket of a server's VM; throws if it does not run. */
  socketFor(serverId: string): Promise<string>;
  logger: Logger;
  /**
   * How often open consoles check that the login that opened them is still valid (30 s): a
   * login ended by another process, or expired, ends its consoles within this time.
   */
  recheckMs?: number;
}

/** What the composition root controls of the proxy. */
export interface ConsoleProxy {
  /** Closes at once the open consoles of logins that ended in this process. Never throws. */
  endLogins(ended: EndedLogins): void;
  close(): void;
}

// WebSocket close code 1008: policy violation (the login behind the console ended).
const LOGIN_ENDED = 1008;

// Client-to-VM messages are keys, pointer moves and clipboard text.
const MAX_CLIENT_MESSAGE = 4 * 1024 * 1024;

/** Why an upgrade is refused: the HTTP status and a message fit for the browser. */
class Refusal extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/**
 * Answers websocket upgrades of `server` on /console/websocket?token=...: the token is redeemed
 * and the VM's VNC socket connected before the handshake completes, so a bad token (401), a VM
 * that does not run (409) or a console that does not answer (502) get a plain HTTP answer and
 * no websocket. Upgrades of other paths get 404. `close()` ends every live console and stops
 * answering upgrades; it never throws.
 */
export function attachConsoleProxy(server: Server, deps: ConsoleProxyDeps): ConsoleProxy {
  const { logger } = deps;
  const bridges = new Set<{ ws: WebSocket; vnc: Socket; grant: ConsoleGrant }>();
  // VNC sockets opened during verification, handed over when the handshake completes.
  const opened = new WeakMap<IncomingMessage, { vnc: Socket; grant: ConsoleGrant }>();
  let closed = false;

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_CLIENT_MESSAGE,
    // noVNC offers 'binary'; a client that offers only protocols we do not speak gets none.
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
    // Runs after ws has validated the handshake, so a malformed one does not burn the token.
    verifyClient: ({ req }, done) => {
      open(req).then((opening) => {
        // completeUpgrade runs synchronously after done(true) and drops a socket the client closed.
        if (closed || !req.socket.writable) {
          opening.vnc.destroy();
          return done(false, 503);
        }
        opened.set(req, opening);
        done(true);
      }, (error: unknown) => {
        const refusal = error instanceof Refusal ? error : new Refusal(500, 'The console could not be opened.');
        if (!(error instanceof Refusal)) logger.error({ err: error }, 'console upgrade failed');
        done(false, refusal.status, refusal.message);
      });
    },
  });

  async function open(req: IncomingMessage) {
    const url = req.url ?? '';
    const token = new URLSearchParams(url.slice(url.indexOf('?') + 1)).get('token');
    if (!token) throw new Refusal(401, 'A console token is required.');
    const grant = await deps.consoles.redeem(token).catch((error: unknown) => {
      throw error instanceof ApiError && error.status < 500 ? new Refusal(error.status, error.message) : error;
    });
    const { serverId } = grant;
    const path = await deps.socketFor(serverId).catch((error: unknown) => {
      if (error instanceof ApiError && error.status < 500) throw new Refusal(error.status, error.message);
      logger.info({ serverId, err: error }, 'console of a server that does not run');
      throw new Refusal(409, 'The server is not running: its console is not available.');
    });
    const vnc = await connectUnix(path).catch((error: unknown) => {
      logger.warn({ serverId, err: error }, 'VNC socket did not answer');
      throw new Refusal(502, 'The console of the server did not answer.');
    });
    return { vnc, grant };
  }

  function bridge(ws: WebSocket, req: IncomingMessage) {
    const opening = opened.get(req);
    opened.delete(req);
    if (!opening) return ws.terminate();
    const { vnc, grant } = opening;
    const { serverId, userId } = grant;
    const entry = { ws, vnc, grant };
    bridges.add(entry);
    logger.info({ serverId, userId }, 'console opened');
    // createWebSocketStream pauses the websocket while the VNC socket is full, and the reverse.
    const stream = createWebSocketStream(ws);
    pipeline(vnc, stream, vnc, (error) => {
      bridges.delete(entry);
      vnc.destroy();
      ws.terminate();
      logger.info({ serverId, userId, reason: error?.message }, 'console closed');
    });
    // A login that ended between the redemption and now found no bridge to close: look again.
    deps.consoles.stillAllowed(grant).then((allowed) => { if (!allowed) end(entry); }, (error: unknown) => {
      logger.warn({ err: error, serverId }, 'checking a new console failed');
    });
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (closed || path !== CONSOLE_WEBSOCKET_PATH) return refuse(socket, closed ? 503 : 404);
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, req));
  };
  server.on('upgrade', onUpgrade);

  /** Ends a console whose login ended; the pipeline's callback logs it and forgets it. */
  const end = (entry: { ws: WebSocket; vnc: Socket }) => {
    entry.ws.close(LOGIN_ENDED, 'The login behind this console has ended');
    entry.vnc.destroy();
  };
  // Another process may have ended the login, or it expired: every console checks again now
  // and then, one pass at a time (a slow database must not pile passes up).
  let checking = false;
  const recheck = async () => {
    if (checking) return;
    checking = true;
    try {
      for (const entry of [...bridges]) if (!(await deps.consoles.stillAllowed(entry.grant))) end(entry);
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => { recheck().catch((error) => logger.warn({ err: error }, 'checking open consoles failed')); }, deps.recheckMs ?? 30_000);
  timer.unref();

  return {
    endLogins(ended) {
      for (const entry of bridges) {
        if ('userId' in ended ? entry.grant.userId === ended.userId : entry.grant.issuer === ended.tokenHash) end(entry);
      }
    },
    close() {
      closed = true;
      clearInterval(timer);
      server.off('upgrade', onUpgrade);
      for (const { ws, vnc } of bridges) {
        vnc.destroy();
        ws.terminate();
      }
      bridges.clear();
      wss.close();
    },
  };
}

/** Connects to a unix socket; rejects if nothing listens there. */
export function connectUnix(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** A plain HTTP answer on an upgrade socket, which Node has handed over without a response object. */
function refuse(socket: Duplex, status: number) {
  const body = `${STATUS_CODES[status]}\n`;
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  socket.once('finish', () => socket.destroy());
}
