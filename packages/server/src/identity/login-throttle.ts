// Limits password guessing without letting a guesser lock the owner out. Each attempt is
// counted as a failure before the password is checked (a success takes it back), in the
// database under row locks, so concurrent guesses and several processes sharing PostgreSQL
// count exactly. Three counts:
// - one user from one address: `maxFailuresPerUser` failures, then that address is blocked for
//   that user for a window, twice as long at each further block (a day at most); the owner,
//   from anywhere else, logs in as usual;
// - one user from every address: `maxFailuresPerUserAnywhere` failures (many more), then the
//   same growing blocks, for every address but those the user logged in from lately: a guesser
//   with many addresses is bounded too, and the owner keeps the addresses they use;
// - one address, whatever names it tries: `maxFailuresPerAddress` failures per window.
import type { Database } from '../db/database.ts';
import type { LoginBackoff } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { tooManyRequests } from '../http/errors.ts';
import * as store from './throttle-store.ts';

export interface ThrottleLimits {
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  /** Failures of one user from all addresses; 20 × maxFailuresPerUser when not given. */
  maxFailuresPerUserAnywhere?: number;
  windowSeconds: number;
}

const DAY_MS = 24 * 3600_000;
/** An address the user logged in from this recently is theirs: a block of the user spares it. */
export const KNOWN_ADDRESS_MS = 30 * DAY_MS;

type Backoff = { [K in keyof LoginBackoff]: number };

export class LoginThrottle {
  constructor(private readonly database: Database, private readonly limits: ThrottleLimits, private readonly now: () => number = Date.now) {}

  /**
   * Admits one attempt of `user` (a user id, or the name given when no such user exists) from
   * `address`, counting it as failed until `succeeded` says otherwise. Throws 429 with
   * Retry-After when the pair or the user is blocked, or the address has used up its window;
   * a refused attempt counts nowhere.
   */
  async admit(user: string, address: string): Promise<void> {
    const refusal = await withTransaction(this.database, async (trx) => {
      const rows = await store.lockRows(trx, { pair: pairKey(user, address), user, address });
      const { pair, user: everywhere, address: from } = rows;
      const now = this.now();
      const windowMs = this.limits.windowSeconds * 1000;
      forget(pair, now, windowMs);
      forget(everywhere, now, windowMs);
      if (from.window_start_ms <= now - windowMs) Object.assign(from, { failures: 0, window_start_ms: now });
      const theirs = pair.last_success_ms > now - KNOWN_ADDRESS_MS;
      const wait = Math.max(
        pair.blocked_until_ms - now,
        theirs ? 0 : everywhere.blocked_until_ms - now,
        from.failures >= this.limits.maxFailuresPerAddress ? from.window_start_ms + windowMs - now : 0,
      );
      if (wait > 0) return wait;
      fail(pair, now, this.limits.maxFailuresPerUser, windowMs);
      fail(everywhere, now, this.limits.maxFailuresPerUserAnywhere ?? 20 * this.limits.maxFailuresPerUser, windowMs);
      from.failures += 1;
      await store.saveRows(trx, rows);
      return 0;
    });
    if (refusal > 0) {
      const seconds = Math.max(1, Math.ceil(refusal / 1000));
      throw tooManyRequests(`Too many failed login attempts; try again in ${seconds} seconds.`, seconds);
    }
  }

  /**
   * The admitted attempt was right: the pair starts afresh and its address is now the user's;
   * the user's and the address' counts get the attempt back.
   */
  async succeeded(user: string, address: string): Promise<void> {
    await withTransaction(this.database, async (trx) => {
      const rows = await store.lockRows(trx, { pair: pairKey(user, address), user, address });
      Object.assign(rows.pair, { failures: 0, blocks: 0, blocked_until_ms: 0, last_success_ms: this.now() });
      rows.user.failures = Math.max(0, rows.user.failures - 1);
      rows.address.failures = Math.max(0, rows.address.failures - 1);
      await store.saveRows(trx, rows);
    });
  }

  /** Deletes the rows that no longer hold anything a new row would not; returns how many. */
  async purge(): Promise<number> {
    const now = this.now();
    return store.purge(this.database.db, {
      quietSince: now - DAY_MS, knownSince: now - KNOWN_ADDRESS_MS, windowStart: now - this.limits.windowSeconds * 1000,
    });
  }
}

/** A quiet spell forgets: failures after a window, earned blocks a day after the last one ended. */
function forget(counter: Backoff, now: number, windowMs: number): void {
  if (counter.last_failure_ms < now - windowMs) counter.failures = 0;
  if (Math.max(counter.last_failure_ms, counter.blocked_until_ms) < now - DAY_MS) counter.blocks = 0;
}

/** Counts a failure; the last one allowed blocks for a window, doubled at each block (a day at most). */
function fail(counter: Backoff, now: number, max: number, windowMs: number): void {
  counter.failures += 1;
  counter.last_failure_ms = now;
  if (counter.failures < max) return;
  counter.blocked_until_ms = now + Math.min(windowMs * 2 ** counter.blocks, DAY_MS);
  counter.blocks += 1;
  counter.failures = 0;
}

// An address holds no '|', so the key splits one way only whatever the name.
const pairKey = (user: string, address: string) => `${user}|${address}`;
