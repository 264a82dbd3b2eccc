// Limits password guessing without letting a guesser lock the owner out. Each attempt is
// counted as a failure before the password is checked (a success takes it back), in the
// database under row locks, so concurrent guesses and several processes sharing PostgreSQL
// count exactly. Two counts:
// - one user from one address: `maxFailuresPerUser` failures, then that address is blocked for
//   that user for a window, twice as long at each further block (a day at most); the owner,
//   from anywhere else, logs in as usual;
// - one address, whatever names it tries: `maxFailuresPerAddress` failures per window.
import type { Database } from '../db/database.ts';
import { withTransaction } from '../db/transaction.ts';
import { tooManyRequests } from '../http/errors.ts';
import * as store from './throttle-store.ts';

export interface ThrottleLimits { maxFailuresPerUser: number; maxFailuresPerAddress: number; windowSeconds: number }

const DAY_MS = 24 * 3600_000;

export class LoginThrottle {
  constructor(private readonly database: Database, private readonly limits: ThrottleLimits, private readonly now: () => number = Date.now) {}

  /**
   * Admits one attempt of `user` (a user id, or the name given when no such user exists) from
   * `address`, counting it as failed until `succeeded` says otherwise. Throws 429 with
   * Retry-After when the pair is blocked or the address has used up its window.
   */
  async admit(user: string, address: string): Promise<void> {
    const refusal = await withTransaction(this.database, async (trx) => {
      const { pair, address: from } = await store.lockRows(trx, this.database.dialect, pairKey(user, address), address);
      const now = this.now();
      const windowMs = this.limits.windowSeconds * 1000;
      if (pair.blocked_until_ms > now) return pair.blocked_until_ms - now;
      // A quiet spell forgets: failures after a window, earned blocks after a day.
      if (pair.last_failure_ms < now - windowMs) pair.failures = 0;
      if (pair.last_failure_ms < now - DAY_MS) pair.blocks = 0;
      if (from.window_start_ms <= now - windowMs) Object.assign(from, { failures: 0, window_start_ms: now });
      if (from.failures >= this.limits.maxFailuresPerAddress) return from.window_start_ms + windowMs - now;
      pair.failures += 1;
      pair.last_failure_ms = now;
      if (pair.failures >= this.limits.maxFailuresPerUser) {
        pair.blocked_until_ms = now + Math.min(windowMs * 2 ** pair.blocks, DAY_MS);
        pair.blocks += 1;
        pair.failures = 0;
      }
      from.failures += 1;
      await store.savePair(trx, pair);
      await store.saveAddress(trx, from);
      return 0;
    });
    if (refusal > 0) {
      const seconds = Math.max(1, Math.ceil(refusal / 1000));
      throw tooManyRequests(`Too many failed login attempts; try again in ${seconds} seconds.`, seconds);
    }
  }

  /** The admitted attempt was right: the pair starts afresh and the address gets its attempt back. */
  async succeeded(user: string, address: string): Promise<void> {
    await withTransaction(this.database, async (trx) => {
      const { address: from } = await store.lockRows(trx, this.database.dialect, pairKey(user, address), address);
      await store.deletePair(trx, pairKey(user, address));
      await store.saveAddress(trx, { ...from, failures: Math.max(0, from.failures - 1) });
    });
  }
}

const pairKey = (user: string, address: string) => `${user}|${address}`;
