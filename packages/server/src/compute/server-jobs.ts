// The jobs that drive the backend: create, start, stop, reboot, resize, delete. A request
// sets a task state and queues a job in one transaction; the job does the backend's part
// (idempotent, so a job cut off by a crash simply runs again) and then, in one transaction,
// moves the server to its next state and its quota to what that state holds. A job that
// finds the task changed (a delete came meanwhile, or it finished before the crash) stops.
import type { Logger } from 'pino';
import { BackendError, type Backend, type ImageSource } from '../backends/backend.ts';
import type { Database } from '../db/database.ts';
import { withTransaction } from '../db/transaction.ts';
import { ApiError, badRequest } from '../http/errors.ts';
import type { ImageService } from '../images/service.ts';
import type { Job, JobQueue } from '../jobs/job-queue.ts';
import type { QuotaService } from '../quota/service.ts';
import type { ObjectReader } from '../storage/reader.ts';
import { vmSpec, type CreatePayload, type RebuildPayload } from './server-personality.ts';
import { activeCharges, existingCharges, settle } from './server-quota.ts';
import { resized, resizeFromOf, resizeVm, settledResize, type FlavorSize, type ResizeFrom } from './server-resize.ts';
import { POWER } from './server-states.ts';
import { chargedOf, findServer, transition, type Charged, type ServerRow } from './server-store.ts';

export interface JobDeps {
  database: Database;
  quota: QuotaService;
  images: ImageService;
  imageReader: ObjectReader;
  backend: Backend;
  jobs: JobQueue;
  logger: Logger;
  options: { stopTimeoutMs: number };
}

export const JOB = {
  create: 'server.create', start: 'server.start', stop: 'server.stop',
  reboot: 'server.reboot', resize: 'server.resize', revertResize: 'server.revert-resize', delete: 'server.delete',
  rebuild: 'server.rebuild',
} as const;

/** What a finished (or failed) task leaves: the row's new fields and the quota it holds. */
interface Outcome { patch: Partial<ServerRow>; target: Charged }

/** One task: the backend's part, then what success and failure leave. */
interface Step {
  task: string;
  run(row: ServerRow): Promise<void>;
  done(row: ServerRow): Outcome;
  failed(row: ServerRow): Outcome;
}

/** Thrown inside a transaction to roll it back when the server changed under the job. */
class Superseded extends Error {}

export const faultJson = (message: string) => JSON.stringify({ code: 500, message, created: new Date().toISOString() });

export class ServerJobs {
  constructor(private readonly deps: JobDeps) {}

  register(): void {
    const { jobs } = this.deps;
    const timeout = () => ({ timeoutMs: this.deps.options.stopTimeoutMs });
    const backend = this.deps.backend;
    jobs.handle(JOB.create, (job) => this.create(job));
    jobs.handle(JOB.start, (job) => this.step(job, {
      task: 'powering-on',
      run: (row) => backend.start(row.id),
      done: (row) => ({ patch: { vm_state: 'active', power_state: POWER.running }, target: activeCharges(row) }),
      failed: (row) => ({ patch: { vm_state: 'stopped' }, target: existingCharges(row) }),
    }));
    jobs.handle(JOB.stop, (job) => this.step(job, {
      task: 'powering-off',
      run: (row) => backend.stop(row.id, timeout()),
      done: (row) => ({ patch: { vm_state: 'stopped', power_state: POWER.shutdown }, target: existingCharges(row) }),
      failed: (row) => ({ patch: { vm_state: 'active' }, target: activeCharges(row) }),
    }));
    jobs.handle(JOB.reboot, (job) => {
      const type = job.payload?.type === 'HARD' ? 'HARD' : 'SOFT';
      const steady = (row: ServerRow): Outcome => ({ patch: { vm_state: 'active', power_state: POWER.running }, target: activeCharges(row) });
      // A hard reboot of a stopped server starts it (Nova); if that fails it stays stopped.
      const wasStopped = (row: ServerRow) => row.vm_state === 'stopped';
      return this.step(job, {
        task: type === 'HARD' ? 'rebooting_hard' : 'rebooting',
        run: (row) => (wasStopped(row) ? backend.start(row.id) : backend.reboot(row.id, type, timeout())),
        done: steady,
        failed: (row) => (wasStopped(row) ? { patch: { vm_state: 'stopped', power_state: POWER.shutdown }, target: existingCharges(row) } : steady(row)),
      });
    });
    jobs.handle(JOB.rebuild, (job) => this.rebuild(job));
    jobs.handle(JOB.resize, (job) => this.resize(job));
    jobs.handle(JOB.revertResize, (job) => this.revertResize(job));
    jobs.handle(JOB.delete, (job) => this.step(job, {
      task: 'deleting',
      run: (row) => backend.destroy(row.id),
      done: () => ({ patch: { vm_state: 'deleted', power_state: POWER.unknown, deleted_at: new Date().toISOString() }, target: {} }),
      // The VM may be half gone: ERROR says so, and a new delete may be asked for.
      failed: (row) => ({ patch: { vm_state: 'error' }, target: chargedOf(row) }),
    }));
  }

  private async create(job: Job): Promise<void> {
    const payload = job.payload as CreatePayload;
    await this.step(job, {
      task: 'spawning',
      run: async (row) => {
        try {
          // Resumed after a crash: the VM may be there already.
          const vm = await this.deps.backend.inspect(row.id);
          if (vm?.state === 'stopped') await this.deps.backend.start(row.id);
          if (vm) return;
          const { source, virtualSize } = await this.imageSource(row, payload.admin);
          await this.deps.backend.create(vmSpec(row, payload, source, virtualSize));
        } catch (error) {
          // Whatever the backend made of it must not outlive the failed build.
          await this.deps.backend.destroy(row.id).catch((e) => this.deps.logger.warn({ err: e, server: row.id }, 'could not clean up a failed build'));
          throw error;
        }
      },
      done: (row) => ({ patch: { vm_state: 'active', power_state: POWER.running, progress: 100, launched_at: new Date().toISOString() }, target: activeCharges(row) }),
      failed: () => ({ patch: { vm_state: 'error', power_state: POWER.unknown }, target: {} }),
    });
  }

  /**
   * Re-creates the VM from the server's (new) image: its old disk goes, the id stays. Both
   * steps are idempotent, so a rebuild cut off by a crash simply runs again from the start.
   */
  private async rebuild(job: Job): Promise<void> {
    const payload = job.payload as RebuildPayload;
    const backend = this.deps.backend;
    await this.step(job, {
      task: 'rebuilding',
      run: async (row) => {
        await backend.destroy(row.id);
        try {
          const { source, virtualSize } = await this.imageSource(row, payload.admin);
          await backend.create(vmSpec(row, payload, source, virtualSize));
          if (!payload.running) await backend.stop(row.id, { timeoutMs: this.deps.options.stopTimeoutMs });
        } catch (error) {
          // Whatever the backend made of it must not outlive the failed rebuild (nothing is charged for it).
          await backend.destroy(row.id).catch((e) => this.deps.logger.warn({ err: e, server: row.id }, 'could not clean up a failed rebuild'));
          throw error;
        }
      },
      done: (row) => payload.running
        ? { patch: { vm_state: 'active', power_state: POWER.running, progress: 100, launched_at: new Date().toISOString() }, target: activeCharges(row) }
        : { patch: { vm_state: 'stopped', power_state: POWER.shutdown, progress: 100, launched_at: new Date().toISOString() }, target: existingCharges(row) },
      // As a failed build: no VM is left, nothing is held, a delete cleans up.
      failed: () => ({ patch: { vm_state: 'error', power_state: POWER.unknown }, target: {} }),
    });
  }

  private async imageSource(row: ServerRow, admin: boolean): Promise<{ source: ImageSource; virtualSize: number }> {
    const { image, file } = await this.deps.images.data({ user: row.user_id, admin }, row.image_id);
    if (!file) throw badRequest(`Image ${row.image_id} is not active`);
    const reader = this.deps.imageReader;
    return {
      source: { contentKey: file.objectHash, format: image.disk_format === 'qcow2' ? 'qcow2' : 'raw', size: file.size, read: () => reader.read(file.slices) },
      virtualSize: image.virtual_size ?? file.size,
    };
  }

  private async resize(job: Job): Promise<void> {
    const to = job.payload as FlavorSize;
    // The request left `resize_prep`; a job resumed after a crash finds `resizing`.
    const row = await findServer(this.deps.database.db, job.target);
    if (row?.task_state === 'resize_prep') await transition(this.deps.database.db, row.id, { task_state: 'resize_prep' }, { task_state: 'resizing' });
    const stopTimeoutMs = this.deps.options.stopTimeoutMs;
    await this.step(job, {
      task: 'resizing',
      run: (current) => resizeVm(this.deps.backend, current.id, to, fromOf(current), fromOf(current).vmState === 'active', stopTimeoutMs),
      done: (current) => resized(fromOf(current), to, current.disk),
      // The server keeps its flavor, back in its state (a running VM was started again).
      failed: (current) => settledResize(fromOf(current), fromOf(current), current.disk),
    });
  }

  private async revertResize(job: Job): Promise<void> {
    const stopTimeoutMs = this.deps.options.stopTimeoutMs;
    await this.step(job, {
      task: 'resize_reverting',
      run: (current) => resizeVm(this.deps.backend, current.id, fromOf(current), flavorOf(current), current.power_state === POWER.running, stopTimeoutMs),
      done: (current) => settledResize(fromOf(current), fromOf(current), current.disk),
      // It stays in VERIFY_RESIZE, holding what it held: a revert may be asked for again.
      failed: (current) => ({ patch: {}, target: chargedOf(current) }),
    });
  }

  /** Runs one task's backend part and records its outcome, unless the task is no longer the server's. */
  private async step(job: Job, step: Step): Promise<void> {
    const row = await findServer(this.deps.database.db, job.target);
    if (!row || row.task_state !== step.task) return;
    let outcome: Outcome;
    let fault: string | null = null;
    try {
      await step.run(row);
      outcome = step.done(row);
    } catch (error) {
      // Any failure ends the task, so that no server waits for a job that is over. The
      // backend's messages and API errors (an image gone) are meant for users; the rest is logged.
      this.deps.logger.warn({ server: row.id, task: step.task, err: error }, 'server task failed');
      outcome = step.failed(row);
      fault = faultJson(error instanceof BackendError || error instanceof ApiError ? error.message : `Internal error while ${step.task}; the operator's log has the details`);
    }
    await this.record(row.id, step.task, outcome, fault);
  }

  private async record(id: string, task: string, outcome: Outcome, fault: string | null): Promise<void> {
    try {
      await withTransaction(this.deps.database, async (trx) => {
        const current = await findServer(trx, id);
        if (!current || current.task_state !== task) throw new Superseded();
        const charged = await settle(this.deps.quota, trx, current, outcome.target, { force: true });
        const patch = { ...outcome.patch, task_state: null, charged, ...(fault ? { fault } : {}) };
        if (!(await transition(trx, id, { task_state: task }, patch))) throw new Superseded();
      });
      this.deps.logger.info({ server: id, task, failed: fault !== null }, 'server task finished');
    } catch (error) {
      if (!(error instanceof Superseded)) throw error;
    }
  }
}

const flavorOf = (row: ServerRow): FlavorSize => ({ flavorId: row.flavor_id, vcpus: row.vcpus, ram: row.ram });

/** The resize a server is in (its request recorded it with the task). */
function fromOf(row: ServerRow): ResizeFrom {
  const from = resizeFromOf(row);
  if (!from) throw new Error(`server ${row.id} has a resize task but no resize_from`);
  return from;
}
