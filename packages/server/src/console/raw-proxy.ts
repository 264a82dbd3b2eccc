// Cyclades' raw VNC console (the `console` server action), as snf-vncauthproxy serves it: each
// console gets a one-time TCP port from a configured range, where a VNC viewer logs in with VNC
// authentication and a one-time password; the proxy then logs in to the VM's VNC server
// (security None, on its unix socket) and relays. One port per console, not one shared port:
// VNC authentication never shows the password, only a DES answer to the challenge, so the port
// is what says which console is meant, and a wrong answer can burn exactly that password.
import { createServer, type Server, type Socket } from 'node:net';
import { pipeline } from 'node:stream';
import type { Logger } from 'pino';
import { ApiError } from '../http/errors.ts';
import type { EndedLogins } from '../identity/service.ts';
import { connectUnix } from './proxy.ts';
import { RfbReader } from './rfb-reader.ts';
import type { ConsoleGrant, ConsoleService } from './service.ts';
import { newChallenge, vncAuthValid } from './vnc-auth.ts';

export interface RawVncProxyOptions {
  consoles: Pick<ConsoleService, 'redeemRaw' | 'stillAllowed'>;
  /** The VNC unix socket of a server's VM; throws if it does not run. */
  socketFor(serverId: string): Promise<string>;
  logger: Logger;
  /** The address the one-time ports are opened on. */
  listenHost: string;
  /** The range of one-time ports, both ends included. */
  ports: { first: number; last: number };
  /** How long a port waits for its viewer (the console token lifetime). */
  ttlMs: number;
  /** How often open consoles check that their login is still valid. */
  recheckMs?: number;
  /** How long a viewer may take over the handshake. */
  handshakeMs?: number;
}

const VERSION_38 = Buffer.from('RFB 003.008\n');
const SECURITY_NONE = 1;
const SECURITY_VNC = 2;

interface Relay { client: Socket; vnc: Socket; grant: ConsoleGrant }

/**
 * Opens one-time ports and relays the viewers that log in on them. `close()` closes every port
 * and ends every console; it never throws.
 */
export class RawVncProxy {
  private readonly waiting = new Set<Server>();
  private readonly relays = new Set<Relay>();
  private readonly timer: NodeJS.Timeout;
  private checking = false;
  private closed = false;
  private nextPort: number;

  constructor(private readonly options: RawVncProxyOptions) {
    const { first, last } = options.ports;
    this.nextPort = first + Math.floor(Math.random() * (last - first + 1));
    this.timer = setInterval(() => {
      this.recheck().catch((error: unknown) => options.logger.warn({ err: error }, 'checking open raw consoles failed'));
    }, options.recheckMs ?? 30_000);
    this.timer.unref();
  }

  /**
   * Opens a free port of the range for one viewer that knows `password` (the console token
   * issued for it); the port closes at its first connection or after the TTL. Throws a 503
   * when every port of the range is taken.
   */
  async open(password: string): Promise<number> {
    const { first, last } = this.options.ports;
    const count = last - first + 1;
    if (this.closed) throw new ApiError('internal', 'The console proxy is shutting down.', undefined, {}, 503);
    for (let tried = 0; tried < count; tried++) {
      const port = this.nextPort;
      this.nextPort = port >= last ? first : port + 1;
      const server = createServer({ pauseOnConnect: true });
      if (await listen(server, this.options.listenHost, port)) {
        this.wait(server, password);
        return port;
      }
    }
    throw new ApiError('internal', 'Every VNC console port is in use: try again later.', undefined, {}, 503);
  }

  /** Ends at once the open consoles of logins that ended in this process. */
  endLogins(ended: EndedLogins): void {
    for (const relay of this.relays) {
      if ('userId' in ended ? relay.grant.userId === ended.userId : relay.grant.issuer === ended.tokenHash) end(relay);
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const server of this.waiting) server.close();
    this.waiting.clear();
    for (const relay of this.relays) end(relay);
    this.relays.clear();
  }

  private wait(server: Server, password: string) {
    this.waiting.add(server);
    const stop = () => {
      clearTimeout(expiry);
      this.waiting.delete(server);
      server.close();
    };
    const expiry = setTimeout(stop, this.options.ttlMs);
    expiry.unref();
    server.once('connection', (client: Socket) => {
      stop();
      this.serve(client, password).catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'raw console handshake failed');
        client.destroy();
      });
    });
  }

  /** The viewer's side of the handshake, then the VM's, then the relay. */
  private async serve(client: Socket, password: string) {
    const { logger } = this.options;
    client.setNoDelay(true);
    const deadline = setTimeout(() => client.destroy(), this.options.handshakeMs ?? 30_000);
    try {
      const reader = new RfbReader(client);
      client.resume();
      client.write(VERSION_38);
      const minor = clientMinor((await reader.read(12)).toString('latin1'));
      if (minor === null) return void client.destroy();
      if (minor === 3) {
        // RFB 3.3: the server picks the security type.
        client.write(u32(SECURITY_VNC));
      } else {
        client.write(Buffer.from([1, SECURITY_VNC]));
        if ((await reader.u8()) !== SECURITY_VNC) return void client.destroy();
      }
      const challenge = newChallenge();
      client.write(challenge);
      const response = await reader.read(16);
      const valid = vncAuthValid(challenge, response, password);
      // The password is spent now, right or wrong.
      const grant = await this.options.consoles.redeemRaw(password).catch((error: unknown) => {
        if (error instanceof ApiError && error.status < 500) return error.message;
        throw error;
      });
      if (!valid || typeof grant === 'string') {
        logger.info({ reason: valid ? 'token' : 'password' }, 'raw console login refused');
        return refuse(client, minor, valid ? String(grant) : 'Authentication failed: ask for a new console.');
      }
      const vnc = await this.connectVm(grant).catch((error: unknown) => {
        logger.warn({ serverId: grant.serverId, err: error }, 'raw console: the VM\'s VNC did not answer');
        return null;
      });
      if (!vnc) return refuse(client, minor, 'The console of the server is not available.');
      if (this.closed) {
        vnc.destroy();
        return void client.destroy();
      }
      clearTimeout(deadline);
      client.write(u32(0));
      this.relay(reader.release(), vnc, grant);
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Connects to the VM's VNC server and logs in with security None; the socket is paused after it. */
  private async connectVm(grant: ConsoleGrant): Promise<Socket> {
    const path = await this.options.socketFor(grant.serverId);
    const vnc = await connectUnix(path);
    try {
      const reader = new RfbReader(vnc);
      const version = (await reader.read(12)).toString('latin1');
      if (!/^RFB 003\.00[89]\n$/.test(version)) throw new Error(`the VM's VNC server speaks ${JSON.stringify(version)}`);
      vnc.write(VERSION_38);
      const types = [...(await reader.read(await reader.u8()))];
      if (!types.includes(SECURITY_NONE)) throw new Error(`the VM's VNC server offers no security None (${types.join(',')})`);
      vnc.write(Buffer.from([SECURITY_NONE]));
      if ((await reader.u32()) !== 0) throw new Error('the VM\'s VNC server refused security None');
      return reader.release();
    } catch (error) {
      vnc.destroy();
      throw error;
    }
  }

  private relay(client: Socket, vnc: Socket, grant: ConsoleGrant) {
    const { logger } = this.options;
    const { serverId, userId } = grant;
    const relay = { client, vnc, grant };
    this.relays.add(relay);
    logger.info({ serverId, userId }, 'raw console opened');
    pipeline(client, vnc, client, (error) => {
      this.relays.delete(relay);
      end(relay);
      logger.info({ serverId, userId, reason: error?.message }, 'raw console closed');
    });
    // A login that ended between the redemption and now found no relay to close: look again.
    this.options.consoles.stillAllowed(grant).then((allowed) => { if (!allowed) end(relay); }, (error: unknown) => {
      logger.warn({ err: error, serverId }, 'checking a new raw console failed');
    });
  }

  // Another process may have ended the login, or it expired: one pass at a time.
  private async recheck() {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const relay of [...this.relays]) if (!(await this.options.consoles.stillAllowed(relay.grant))) end(relay);
    } finally {
      this.checking = false;
    }
  }
}

/** The client's RFB minor version as we answer it (3, 7 or 8), or null if it is not RFB 3.x. */
export function clientMinor(version: string): 3 | 7 | 8 | null {
  const match = /^RFB 003\.(\d{3})\n$/.exec(version);
  if (!match) return null;
  const minor = Number(match[1]);
  return minor >= 8 ? 8 : minor === 7 ? 7 : 3;
}

/** SecurityResult failed; RFB 3.8 clients are told why. */
function refuse(client: Socket, minor: number, reason: string) {
  const text = Buffer.from(reason, 'utf8');
  client.end(minor >= 8 ? Buffer.concat([u32(1), u32(text.length), text]) : u32(1));
  client.once('error', () => client.destroy());
}

function end(relay: { client: Socket; vnc: Socket }) {
  relay.client.destroy();
  relay.vnc.destroy();
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

/** Listens on host:port; false if the port is taken (or not ours to take). */
function listen(server: Server, host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => resolve(true));
  });
}
