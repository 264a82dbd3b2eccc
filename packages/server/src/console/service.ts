// One-time console tokens: a browser gets a URL carrying a token that opens one websocket to
// one server's screen, once, within a few minutes. Only the token's hash is stored.
import type { Database } from '../db/database.ts';
import { conflict, unauthorized } from '../http/errors.ts';
import { newToken, tokenHash } from '../identity/secrets.ts';
import type { IdentityService } from '../identity/service.ts';
import * as store from './store.ts';
import { newVncPassword } from './vnc-auth.ts';

/** Who asked for a console: the user, and the hash of the login token they used. */
export interface ConsoleIssuer { userId: string; tokenHash: string }

/** A redeemed console: whose screen, and who may keep it open while their login is valid. */
export interface ConsoleGrant { serverId: string; userId: string; issuer: string | null }

export interface ConsoleOptions {
  ttlSeconds: number;
  /** Absolute URL of a path of this cloud (the catalog's base URL). */
  url(path: string): string;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

/** Where raw VNC consoles are served (raw-proxy.ts), once the composition root has one. */
export interface RawConsolePorts {
  /** Opens a one-time port for the viewer that knows `password`. */
  open(password: string): Promise<number>;
  /** The host viewers are told to connect to. */
  host: string;
}

/** The websocket endpoint that attachConsoleProxy serves. */
export const CONSOLE_WEBSOCKET_PATH = '/console/websocket';

// Spent tokens are kept this long after expiry, so that a late click is told "expired"
// rather than "unknown"; purges run at most this often.
const KEEP_EXPIRED_MS = 3600_000;
const PURGE_EVERY_MS = 600_000;
// Raw console passwords are hashed with this prefix, so that one is never a websocket token.
const RAW_PREFIX = 'vnc:';

export class ConsoleService {
  private lastPurge = 0;
  private readonly now: () => number;
  /** noVNC connects to <host>/<path>, so the path keeps whatever prefix the public URL has. */
  private readonly websocketPath: string;
  private rawPorts: RawConsolePorts | null = null;

  constructor(private readonly database: Database, private readonly identity: Pick<IdentityService, 'isTokenLive'>, private readonly options: ConsoleOptions) {
    this.now = options.now ?? Date.now;
    this.websocketPath = new URL(options.url(CONSOLE_WEBSOCKET_PATH)).pathname.replace(/^\//, '');
  }

  /**
   * A one-time token for the server's console and the noVNC URL that carries it. The caller
   * has checked that the user may see the server; the token grants exactly that, once.
   */
  async issue(serverId: string, issuer: ConsoleIssuer): Promise<{ token: string; url: string }> {
    const token = newToken();
    await this.record(serverId, issuer, token);
    return { token, url: this.options.url(`/console/vnc_lite.html?path=${encodeURIComponent(`${this.websocketPath}?token=${token}`)}`) };
  }

  /** Serves raw VNC consoles on these ports from now on (the composition root's wiring). */
  serveRawConsoles(ports: RawConsolePorts): void {
    this.rawPorts = ports;
  }

  /**
   * Cyclades' raw VNC console: a one-time port and an 8-character password (VNC reads no more)
   * that is a console token like the others, redeemed when a viewer logs in on that port.
   * 409 when this process serves no raw consoles.
   */
  async issueRaw(serverId: string, issuer: ConsoleIssuer): Promise<{ host: string; port: number; password: string }> {
    const ports = this.rawPorts;
    if (!ports) throw conflict('This cloud serves no raw VNC consoles');
    const password = newVncPassword();
    await this.record(serverId, issuer, RAW_PREFIX + password);
    return { host: ports.host, port: await ports.open(password), password };
  }

  /** Consumes a raw console's password as redeem() consumes a token; a websocket token is not one. */
  redeemRaw(password: string): Promise<ConsoleGrant> {
    return this.redeem(RAW_PREFIX + password);
  }

  private async record(serverId: string, issuer: ConsoleIssuer, token: string) {
    const now = this.now();
    await store.insertToken(this.database.db, {
      token_hash: tokenHash(token), server_id: serverId, user_id: issuer.userId, issuer_token_hash: issuer.tokenHash,
      expires_at: new Date(now + this.options.ttlSeconds * 1000).toISOString(), used: 0, created_at: new Date(now).toISOString(),
    });
    if (now - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now;
      // A failed purge is retried at a later issue; it must not cost the user the console.
      await this.purgeExpired().catch(() => undefined);
    }
  }

  /**
   * Consumes a token: valid once, before it expires, while the login that asked for it is
   * valid and its user enabled. Throws unauthorized (401) otherwise; an unused token that is
   * unknown or expired is left as it was.
   */
  async redeem(token: string): Promise<ConsoleGrant> {
    const hash = tokenHash(token);
    const now = new Date(this.now()).toISOString();
    const row = await store.consumeToken(this.database.db, hash, now);
    if (row) {
      const grant = { serverId: row.server_id, userId: row.user_id, issuer: row.issuer_token_hash };
      if (!(await this.stillAllowed(grant))) throw unauthorized('The login that asked for this console is no longer valid: sign in and ask for a new console URL.');
      return grant;
    }
    const known = await store.findToken(this.database.db, hash);
    if (!known) throw unauthorized('Unknown console token: ask for a new console URL.');
    if (known.used) throw unauthorized('This console token has been used already: ask for a new console URL.');
    throw unauthorized('This console token has expired: ask for a new console URL.');
  }

  /** Whether an open console may stay open: the login that asked for it is still valid. */
  async stillAllowed(grant: ConsoleGrant): Promise<boolean> {
    return grant.issuer !== null && this.identity.isTokenLive(grant.issuer);
  }

  /** Deletes tokens that expired more than an hour ago; returns how many. */
  async purgeExpired(): Promise<number> {
    const result = await store.purgeTokens(this.database.db, new Date(this.now() - KEEP_EXPIRED_MS).toISOString());
    return Number(result.numDeletedRows);
  }
}
