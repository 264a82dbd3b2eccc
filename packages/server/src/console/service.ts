// One-time console tokens: a browser gets a URL carrying a token that opens one websocket to
// one server's screen, once, within a few minutes. Only the token's hash is stored.
import type { Database } from '../db/database.ts';
import { unauthorized } from '../http/errors.ts';
import { newToken, tokenHash } from '../identity/secrets.ts';
import * as store from './store.ts';

export interface ConsoleOptions {
  ttlSeconds: number;
  /** Absolute URL of a path of this cloud (the catalog's base URL). */
  url(path: string): string;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

/** The websocket endpoint that attachConsoleProxy serves. */
export const CONSOLE_WEBSOCKET_PATH = '/console/websocket';

// Spent tokens are kept this long after expiry, so that a late click is told "expired"
// rather than "unknown"; purges run at most this often.
const KEEP_EXPIRED_MS = 3600_000;
const PURGE_EVERY_MS = 600_000;

export class ConsoleService {
  private lastPurge = 0;
  private readonly now: () => number;
  /** noVNC connects to <host>/<path>, so the path keeps whatever prefix the public URL has. */
  private readonly websocketPath: string;

  constructor(private readonly database: Database, private readonly options: ConsoleOptions) {
    this.now = options.now ?? Date.now;
    this.websocketPath = new URL(options.url(CONSOLE_WEBSOCKET_PATH)).pathname.replace(/^\//, '');
  }

  /**
   * A one-time token for the server's console and the noVNC URL that carries it. The caller
   * has checked that the user may see the server; the token grants exactly that, once.
   */
  async issue(serverId: string, userId: string): Promise<{ token: string; url: string }> {
    const token = newToken();
    const now = this.now();
    await store.insertToken(this.database.db, {
      token_hash: tokenHash(token), server_id: serverId, user_id: userId,
      expires_at: new Date(now + this.options.ttlSeconds * 1000).toISOString(), used: 0, created_at: new Date(now).toISOString(),
    });
    if (now - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now;
      // A failed purge is retried at a later issue; it must not cost the user the console.
      await this.purgeExpired().catch(() => undefined);
    }
    return { token, url: this.options.url(`/console/vnc_lite.html?path=${encodeURIComponent(`${this.websocketPath}?token=${token}`)}`) };
  }

  /**
   * Consumes a token: valid once, before it expires. Throws unauthorized (401) when it is
   * unknown, already used or expired; the token is then left as it was.
   */
  async redeem(token: string): Promise<{ serverId: string; userId: string }> {
    const hash = tokenHash(token);
    const now = new Date(this.now()).toISOString();
    const row = await store.consumeToken(this.database.db, hash, now);
    if (row) return { serverId: row.server_id, userId: row.user_id };
    const known = await store.findToken(this.database.db, hash);
    if (!known) throw unauthorized('Unknown console token: ask for a new console URL.');
    if (known.used) throw unauthorized('This console token has been used already: ask for a new console URL.');
    throw unauthorized('This console token has expired: ask for a new console URL.');
  }

  /** Deletes tokens that expired more than an hour ago; returns how many. */
  async purgeExpired(): Promise<number> {
    const result = await store.purgeTokens(this.database.db, new Date(this.now() - KEEP_EXPIRED_MS).toISOString());
    return Number(result.numDeletedRows);
  }
}
