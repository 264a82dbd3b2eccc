// What keeps the store tidy while it serves. At start: the uploads a previous run left (their
// reservations and blocks go), reservations that no upload holds, every account's charge
// against the bytes it keeps, and every container's counters against its objects. Then,
// every minute, uploads that stopped making progress, and every gcInterval, a sweep for
// unreferenced blocks.
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { QuotaService } from '../quota/service.ts';
import { reconcileCharges } from './charges.ts';
import type { GarbageCollector } from './garbage-collector.ts';
import { keptBytes as keptBytesByAccount, recountContainers } from './store.ts';
import { ISSUER, type Uploads } from './uploads.ts';

export class Housekeeping {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly database: Database,
    private readonly quota: QuotaService,
    private readonly uploads: Uploads,
    private readonly collector: GarbageCollector,
    private readonly logger: Logger,
    private readonly uploadLeaseMs: number,
  ) {}

  async start(): Promise<void> {
    await this.endDeadUploads();
    const held = await this.uploads.heldSerials();
    const stale = (await this.quota.pending(ISSUER)).filter((serial) => !held.has(serial));
    for (const serial of stale) await this.quota.resolve(serial, 'reject').catch(() => undefined);
    if (stale.length) this.logger.info({ released: stale.length }, 'released upload reservations left by a previous run');
    const drift = await this.reconcileCharges(true);
    if (drift.length) this.logger.warn({ drift }, 'pithos.diskspace charges differed from the bytes kept; charged what is kept');
    const miscounted = await this.reconcileCounters(true);
    if (miscounted.length) this.logger.warn({ miscounted }, 'container counters differed from their objects; recounted');
  }

  /** Ends dead uploads every minute (sooner for short leases) and sweeps blocks every `gcIntervalMs`. */
  startSweeping(gcIntervalMs: number): void {
    const every = (ms: number, work: () => Promise<unknown>, what: string) => {
      const timer = setInterval(() => { work().catch((error) => this.logger.warn({ err: error }, `${what} failed`)); }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(Math.min(60_000, Math.max(1000, this.uploadLeaseMs / 4)), () => this.endDeadUploads(), 'ending dead uploads');
    every(gcIntervalMs, () => this.collector.sweep(), 'block garbage collection');
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /** Ends uploads whose lease ran out or whose process is gone; returns how many. */
  async endDeadUploads(): Promise<number> {
    const ended = await this.uploads.expire();
    if (ended) this.logger.info({ ended }, 'ended uploads that stopped; their reservations and blocks are released');
    return ended;
  }

  /** Bytes of every kept version of every account (the capacity report). */
  async keptBytes(): Promise<number> {
    let total = 0;
    for (const bytes of (await keptBytesByAccount(this.database.db)).values()) total += bytes;
    return total;
  }

  /** Compares (and with `fix` repairs) each container's counters with its current objects. */
  reconcileCounters(fix: boolean) {
    return recountContainers(this.database.db, fix);
  }

  /** Compares (and with `fix` repairs) each account's pithos.diskspace charge with the bytes it keeps. */
  reconcileCharges(fix: boolean) {
    return reconcileCharges(this.database, this.quota, fix);
  }
}
