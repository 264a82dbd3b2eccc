// Limits failed logins per user name and per client address within a sliding window.
// State is per process: with several control-plane processes an attacker gets each one's
// allowance, which still bounds guessing to a handful of attempts per window.
import { tooManyRequests } from '../http/errors.ts';

export interface ThrottleLimits { maxFailuresPerUser: number; maxFailuresPerAddress: number; windowSeconds: number }

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: ThrottleLimits, private readonly now: () => number = Date.now) {}

  /** Throws 429 if either key has used up its failures in the current window. */
  check(user: string, address: string): void {
    const windowMs = this.limits.windowSeconds * 1000;
    for (const [key, max] of [[`u:${user}`, this.limits.maxFailuresPerUser], [`a:${address}`, this.limits.maxFailuresPerAddress]] as const) {
      const recent = this.recent(key, windowMs);
      if (recent.length >= max) {
        const retryAfter = Math.max(1, Math.ceil((recent[0]! + windowMs - this.now()) / 1000));
        throw tooManyRequests(`Too many failed login attempts; try again in ${retryAfter} seconds.`, retryAfter);
      }
    }
  }

  recordFailure(user: string, address: string): void {
    const t = this.now();
    for (const key of [`u:${user}`, `a:${address}`]) this.failures.set(key, [...this.recent(key, this.limits.windowSeconds * 1000), t]);
  }

  /** A successful login clears the user's failures (not the address': others may share it). */
  recordSuccess(user: string): void {
    this.failures.delete(`u:${user}`);
  }

  private recent(key: string, windowMs: number): number[] {
    const cutoff = this.now() - windowMs;
    const kept = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }
}
