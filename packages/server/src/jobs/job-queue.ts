// Durable jobs: work enqueued in the same transaction as the change that asks for it, run by
// whichever process claims it, one job per target at a time, and run again after a crash.
// The database is the only coordination, so several processes may share a PostgreSQL one.
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { Executor } from '../db/schema.ts';
import { isUniqueViolation, withTransaction } from '../db/transaction.ts';
import { claimOwner, isOrphaned, releaseOwner, type Owner } from './owner.ts';
import { finishJob, hasUnfinished, insertJob, markRunning, nextClaimable, pruneFinished, renewLeases, requeue, runningJobs, unfinishedTargets, type JobRow } from './store.ts';

export interface Job {
  id: number;
  kind: string;
  target: string;
  payload: any;
  /** How many times the job has been started, this time included: above 1 it is a resumption. */
  attempts: number;
  createdAt: string;
}
/** Resolves: the job is done. Throws: the job failed (recorded, not retried). Must be idempotent. */
export type JobHandler = (job: Job) => Promise<void>;
export interface JobQueueOptions { concurrency?: number; pollMs?: number; leaseMs?: number; closeGraceMs?: number }

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3600_000;
const FINISH_TRIES = 3;

type Claim = { job: Job } | { skip: string } | undefined;

export class JobQueue {
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly closeGraceMs: number;
  private readonly handlers = new Map<string, JobHandler>();
  /** Settles once the job's outcome is recorded (or given up). */
  private readonly running = new Map<number, Promise<void>>();
  private readonly settleWaiters = new Set<() => void>();
  private state: 'new' | 'started' | 'closing' | 'closed' = 'new';
  private owner: Owner | undefined;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private ticking: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private lastPrune = 0;

  constructor(private readonly database: Database, private readonly logger: Logger, options: JobQueueOptions = {}) {
    this.concurrency = options.concurrency ?? 4;
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.closeGraceMs = options.closeGraceMs ?? 5000;
  }

  /** Registers the handler of `kind`; call before start(). A job of an unknown kind fails. */
  handle(kind: string, handler: JobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for job kind '${kind}' is already registered`);
    this.handlers.set(kind, handler);
  }

  /**
   * Inserts a queued job through `executor`, so that it exists iff the caller's transaction
   * commits; returns its id. It runs after the caller's kick() or the next poll.
   */
  async enqueue(executor: Executor, job: { kind: string; target: string; payload?: unknown }): Promise<number> {
    return insertJob(executor, { kind: job.kind, target: job.target, payload: JSON.stringify(job.payload ?? {}) });
  }

  /** Looks for claimable jobs now instead of at the next poll (call once the enqueue committed). */
  kick(): void {
    if (this.state === 'started') void this.pump();
  }

  /**
   * Takes back jobs orphaned by dead processes, then runs queued jobs and polls for more.
   * Throws if the database cannot be read; the queue is then not started.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('JobQueue.start: the queue was already started');
    this.owner = claimOwner();
    try {
      await this.recover();
      await this.prune();
    } catch (error) {
      releaseOwner(this.owner);
      this.state = 'closed';
      throw error;
    }
    this.state = 'started';
    this.every(this.pollMs, () => this.tick());
    this.every(Math.max(1, Math.floor(this.leaseMs / 3)), () => this.heartbeat());
    void this.pump();
  }

  /** Whether a queued or running job exists for `target`. */
  busy(target: string): Promise<boolean> {
    return hasUnfinished(this.database.db, target);
  }

  /** The targets that have a queued or running job. */
  busyTargets(): Promise<Set<string>> {
    return unfinishedTargets(this.database.db);
  }

  /** Resolves once no queued or running job remains, of `target` or (without it) at all. */
  async idle(target?: string): Promise<void> {
    while (await hasUnfinished(this.database.db, target)) await this.settledOrAfter(Math.min(this.pollMs, 50));
  }

  /**
   * Stops claiming, waits up to closeGraceMs for running handlers, and puts the jobs still
   * running back in the queue for the next start. Never throws; handlers finishing later are
   * ignored (their job runs again).
   */
  async close(): Promise<void> {
    if (this.state !== 'started') {
      this.state = 'closed';
      return;
    }
    this.state = 'closing';
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([this.pumping, this.ticking]);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.closeGraceMs); });
    await Promise.race([Promise.allSettled(this.running.values()), grace]);
    clearTimeout(timer);
    this.state = 'closed';
    const left = [...this.running.keys()];
    if (left.length > 0) {
      await requeue(this.database.db, left, this.owner!.id).then(
        (moved) => this.logger.warn({ jobs: left, moved }, 'jobs still running at close were put back in the queue'),
        (error) => this.logger.error({ err: error, jobs: left }, 'could not put running jobs back in the queue; their lease will run out'));
    }
    releaseOwner(this.owner!);
    this.notifySettled();
  }

  private every(ms: number, work: () => Promise<void>): void {
    const timer = setInterval(() => void work(), ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** One poll: take back orphaned jobs, prune now and then, and look for work. */
  private tick(): Promise<void> {
    if (this.ticking || this.state !== 'started') return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      await this.recover();
      if (Date.now() - this.lastPrune >= PRUNE_EVERY_MS) await this.prune();
      await this.pump();
    })().catch((error) => this.logger.warn({ err: error }, 'job poll failed'))
      .finally(() => { this.ticking = undefined; });
    return this.ticking;
  }

  private async heartbeat(): Promise<void> {
    if (this.running.size === 0) return;
    await renewLeases(this.database.db, [...this.running.keys()], this.owner!.id, this.leaseEnd())
      .catch((error) => this.logger.warn({ err: error }, 'job lease renewal failed'));
  }

  /** Puts back in the queue running jobs whose owner is dead or whose lease ran out. */
  private async recover(): Promise<void> {
    const now = new Date().toISOString();
    for (const row of await runningJobs(this.database.db)) {
      // Ours and live: its lease is renewed by the heartbeat.
      if (this.running.has(row.id)) continue;
      const expired = row.lease_until === null || row.lease_until < now;
      if (!expired && !(row.owner !== null && isOrphaned(row.owner))) continue;
      if (await requeue(this.database.db, [row.id], row.owner)) {
        this.logger.info({ job: row.id, owner: row.owner, expired }, 'job of a dead owner put back in the queue');
      }
    }
  }

  private async prune(): Promise<void> {
    this.lastPrune = Date.now();
    const pruned = await pruneFinished(this.database.db, new Date(Date.now() - DAY_MS).toISOString());
    if (pruned > 0) this.logger.debug({ pruned }, 'old finished jobs pruned');
  }

  /** Claims and starts jobs until the slots are full or nothing is claimable; never concurrent with itself. */
  private pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        await this.fill();
      } while (this.pumpAgain && this.state === 'started');
    })().catch((error) => this.logger.warn({ err: error }, 'claiming jobs failed; retrying at the next poll'))
      .finally(() => { this.pumping = undefined; });
    return this.pumping;
  }

  private async fill(): Promise<void> {
    // Targets whose claim another process won during this pass.
    const skip: string[] = [];
    while (this.state === 'started' && this.running.size < this.concurrency) {
      const claim = await this.claim(skip);
      if (claim === undefined) return;
      if ('skip' in claim) skip.push(claim.skip);
      else this.run(claim.job);
    }
  }

  /** Atomically moves the oldest claimable job to running under this queue's owner. */
  private async claim(skip: string[]): Promise<Claim> {
    let candidate: JobRow | undefined;
    try {
      return await withTransaction(this.database, async (trx): Promise<Claim> => {
        candidate = await nextClaimable(trx, this.database.dialect, skip);
        if (!candidate) return undefined;
        if (!(await markRunning(trx, candidate.id, this.owner!.id, this.leaseEnd()))) return { skip: candidate.target };
        const { id, kind, target, payload, attempts, created_at: createdAt } = candidate;
        return { job: { id, kind, target, payload: JSON.parse(payload), attempts: attempts + 1, createdAt } };
      });
    } catch (error) {
      // Another process started a job of this target between our read and our write.
      if (candidate && isUniqueViolation(error)) return { skip: candidate.target };
      throw error;
    }
  }

  private run(job: Job): void {
    const handler = this.handlers.get(job.kind);
    const work = handler ? Promise.resolve().then(() => handler(job)) : Promise.reject(new Error(`no handler for job kind '${job.kind}'`));
    const settled = work.then(
      () => this.finish(job, { state: 'done' }),
      (error) => {
        this.logger.error({ err: error, job: job.id, kind: job.kind, target: job.target }, 'job failed');
        return this.finish(job, { state: 'failed', error: error instanceof Error ? error.message : String(error) });
      },
    ).finally(() => {
      this.running.delete(job.id);
      this.notifySettled();
      this.kick();
    });
    this.running.set(job.id, settled);
  }

  /** Records a job's outcome; never throws. After close() the job was put back, so nothing is recorded. */
  private async finish(job: Job, outcome: { state: 'done' | 'failed'; error?: string }): Promise<void> {
    for (let attempt = 1; this.state !== 'closed'; attempt++) {
      try {
        if (!(await finishJob(this.database.db, job.id, this.owner!.id, outcome))) {
          this.logger.warn({ job: job.id, outcome: outcome.state }, 'job changed hands before its outcome was recorded');
        }
        return;
      } catch (error) {
        if (attempt >= FINISH_TRIES) {
          this.logger.error({ err: error, job: job.id }, 'could not record the outcome of a job; it runs again once its lease runs out');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, attempt * 100));
      }
    }
  }

  private leaseEnd(): string {
    return new Date(Date.now() + this.leaseMs).toISOString();
  }

  private notifySettled(): void {
    for (const wake of this.settleWaiters) wake();
    this.settleWaiters.clear();
  }

  private settledOrAfter(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.settleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.settleWaiters.add(done);
    });
  }
}
