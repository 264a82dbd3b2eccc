// Servers (Cyclades / Nova): requests check the state table, change the server's task state,
// charge its quota and queue a job, all in one transaction; the jobs (server-jobs.ts) drive
// the backend. A server belongs to the user who made it; the project of their token pays.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Backend, BackendCapacity } from '../backends/backend.ts';
import type { ConsoleService } from '../console/service.ts';
import type { Database } from '../db/database.ts';
import type { Executor, VmState } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { ApiError, badRequest, conflict, notFound } from '../http/errors.ts';
import { DISK_FORMATS } from '../images/disk-format.ts';
import type { ImageService } from '../images/service.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { QuotaService } from '../quota/service.ts';
import type { PithosService } from '../storage/service.ts';
import type { ComputeCaller } from './caller.ts';
import type { FlavorRow, FlavorService } from './flavor-service.ts';
import type { KeypairService } from './keypair-service.ts';
import { reconcile, type ReconcileReport } from './reconciler.ts';
import { JOB, ServerJobs } from './server-jobs.ts';
import { listPage, type Page, type Query } from './server-listing.ts';
import { checkFits, createPayload, generatePassword, hostnameFor, type RebuildPayload } from './server-personality.ts';
import { activeCharges, existingCharges, settle, type ServerSize } from './server-quota.ts';
import { resizeFromOf, resizingCharges, settledResize, type ResizeFrom } from './server-resize.ts';
import type { ComputeApi } from './microversion.ts';
import { createRequest, type RebuildRequest } from './server-requests.ts';
import { ServerConsoles } from './server-consoles.ts';
import { checkAction, type ServerAction } from './server-states.ts';
import { findServer, insertServer, listServers, nextSerial, transition, updateRecord, type Charged, type RecordPatch, type ServerRow } from './server-store.ts';

export interface ServerServiceDeps {
  database: Database;
  quota: QuotaService;
  images: ImageService;
  /** Reads image files when a VM's disk is made. */
  pithos: PithosService;
  flavors: FlavorService;
  keypairs: KeypairService;
  backend: Backend;
  jobs: JobQueue;
  consoles: ConsoleService;
  logger: Logger;
  /**
   * stopTimeoutMs: how long a stop waits for the guest before a hard stop; reconcileMs: how
   * often the database is compared with the backend while serving (0: at start only), and
   * resizes waiting longer than resizeConfirmMs confirmed (0: never).
   */
  options: { stopTimeoutMs: number; reconcileMs: number; resizeConfirmMs: number };
}

/** The longest wait between two looks for resizes whose confirmation window has passed. */
const CONFIRM_CHECK_MS = 60_000;

/** A task a request starts: the job that does it, and the quota the server holds meanwhile. */
interface TaskRequest {
  task: string;
  kind: string;
  payload?: unknown;
  target?: (row: ServerRow) => Charged;
  /** Other fields the request sets with the task. */
  patch?: Partial<ServerRow>;
}

/** Rethrows a 404 of another service as the 400 Nova answers for a bad reference. */
const asBadRequest = (message: string) => (error: unknown): never => {
  throw error instanceof ApiError && error.kind === 'notFound' ? badRequest(message) : error;
};

export class ServerService {
  private readonly jobs: ServerJobs;
  /** The serial log and graphical consoles (server-consoles.ts). */
  readonly consoles: ServerConsoles;
  private readonly timers: NodeJS.Timeout[] = [];
  /** The periodic passes under way, by name: each runs one at a time. */
  private readonly passes = new Map<string, Promise<void>>();

  constructor(private readonly deps: ServerServiceDeps) {
    this.jobs = new ServerJobs({ ...deps, imageReader: deps.pithos.reader });
    this.consoles = new ServerConsoles(deps, (caller, id) => this.get(caller, id));
  }

  private get db() { return this.deps.database.db; }

  /** Registers job handlers; call before jobs.start(). */
  registerJobs(): void {
    this.jobs.register();
  }

  /**
   * After jobs started: reconciles the database with the backend, fixing what differs, and
   * again every `reconcileMs`, so that a VM that dies while the control plane runs is noticed;
   * confirms the resizes that waited longer than `resizeConfirmMs`, then and from time to time.
   */
  async start(): Promise<void> {
    const { reconcileMs, resizeConfirmMs } = this.deps.options;
    await this.pass('reconciliation', () => this.reconcileAndReport());
    if (resizeConfirmMs > 0) await this.pass('resize confirmation', () => this.confirmAndReport(resizeConfirmMs));
    if (reconcileMs > 0) this.repeat(reconcileMs, 'reconciliation', () => this.reconcileAndReport());
    // Its own timer: a resize is confirmed on time even where reconciliation runs only at start.
    if (resizeConfirmMs > 0) this.repeat(Math.min(resizeConfirmMs, CONFIRM_CHECK_MS), 'resize confirmation', () => this.confirmAndReport(resizeConfirmMs));
  }

  /** What the backend holds (VMs, their disks, its image cache), for the capacity report. */
  backendCapacity(): Promise<BackendCapacity> {
    return this.deps.backend.capacity();
  }

  /** Stops the periodic passes. */
  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  /** Compares servers with the backend's VMs; with `fix`, makes them agree (see reconciler.ts). */
  reconcile(fix: boolean): Promise<ReconcileReport> {
    return reconcile(this.deps, { fix });
  }

  /** What a reconciliation changed is logged; a quiet pass is not. */
  private async reconcileAndReport(): Promise<void> {
    const report = await this.reconcile(true);
    const { orphans, stale, unsynced, stuck } = report;
    if (orphans.length + stale.length + unsynced.length + stuck.length) this.deps.logger.warn({ report }, 'servers reconciled with the backend');
  }

  private async confirmAndReport(windowMs: number): Promise<void> {
    const confirmed = await this.confirmStaleResizes(windowMs);
    if (confirmed) this.deps.logger.info({ confirmed }, 'confirmed resizes that waited longer than the confirmation window');
  }

  /** Runs `run` unless the pass `name` is under way already (then waits for that one). */
  private pass(name: string, run: () => Promise<void>): Promise<void> {
    let running = this.passes.get(name);
    if (!running) {
      running = run().finally(() => this.passes.delete(name));
      this.passes.set(name, running);
    }
    return running;
  }

  private repeat(everyMs: number, name: string, run: () => Promise<void>): void {
    const timer = setInterval(() => {
      this.pass(name, run).catch((error) => this.deps.logger.warn({ err: error }, `periodic ${name} failed`));
    }, everyMs);
    timer.unref();
    this.timers.push(timer);
  }

  // ---- records

  /**
   * A server the caller may see (theirs, or any for an admin), by UUID or integer id; 404 in
   * Nova's words otherwise. With `deletedWithinMs`, a server deleted no longer ago than that
   * is found too (Cyclades answers it with status DELETED for a while).
   */
  get(caller: ComputeCaller, id: string, options: { deletedWithinMs?: number } = {}): Promise<ServerRow> {
    return visible(this.db, caller, id, options.deletedWithinMs);
  }

  list(caller: ComputeCaller, query: Query, api: ComputeApi): Promise<Page> {
    return listPage(this.db, caller, query, api);
  }

  /**
   * Checks a create request, charges the quota of a running server and queues its build.
   * Nothing is kept if any check fails (400 bad input, 403 over quota).
   */
  async create(caller: ComputeCaller, body: unknown, api: ComputeApi): Promise<{ row: ServerRow; adminPass: string }> {
    const request = createRequest(body, api, caller);
    const image = await this.bootableImage(caller, request.imageRef);
    const flavor = await this.deps.flavors.usable(caller, request.flavorRef).catch(asBadRequest(`Flavor ${request.flavorRef} could not be found.`));
    checkFits(flavor, image);
    const publicKeys = await this.publicKeys(caller, request.keyName);
    const adminPass = request.adminPass ?? generatePassword();
    const now = new Date().toISOString();
    const id = randomUUID();
    const blank: ServerRow = {
      id, serial: 0, name: request.name, user_id: caller.userId, project_id: caller.projectId, image_id: image.id,
      flavor_id: flavor.id, flavor_name: flavor.name, vcpus: flavor.vcpus, ram: flavor.ram, disk: flavor.disk, vm_state: 'building', task_state: 'spawning',
      power_state: 0, key_name: request.keyName, metadata: JSON.stringify(request.metadata), tags: JSON.stringify(request.tags),
      description: request.description, access_ipv4: request.accessIPv4, access_ipv6: request.accessIPv6, hostname: request.hostname ?? hostnameFor(request.name, id),
      fault: null, backend: this.deps.backend.name, charged: '{}', resize_from: null, progress: 0, launched_at: null, created_at: now, updated_at: now, deleted_at: null,
    };
    const row = await withTransaction(this.deps.database, async (trx) => {
      const server = { ...blank, serial: await nextSerial(trx, 'server'), charged: await settle(this.deps.quota, trx, blank, activeCharges(flavor)) };
      await insertServer(trx, server);
      await this.deps.jobs.enqueue(trx, { kind: JOB.create, target: server.id, payload: createPayload(request, adminPass, publicKeys, caller.admin) });
      return server;
    });
    this.deps.jobs.kick();
    this.deps.logger.info({ server: row.id, user: caller.userId, flavor: flavor.id, image: image.id }, 'server build queued');
    return { row, adminPass };
  }

  /** An active image the caller may boot (400 otherwise, in Nova's words). */
  private async bootableImage(caller: ComputeCaller, ref: string) {
    const image = await this.deps.images.get({ user: caller.userId, admin: caller.admin }, ref).catch(asBadRequest(`Image ${ref} could not be found.`));
    if (image.status !== 'active') throw badRequest(`Image ${image.id} is not active.`);
    if (!(DISK_FORMATS as readonly string[]).includes(image.disk_format ?? '')) throw badRequest(`Image ${image.id} has disk format ${image.disk_format}: only raw, diskdump and qcow2 images boot.`);
    return image;
  }

  /** The public key of the caller's key pair `name` (none for null), copied for the job. */
  private async publicKeys(caller: ComputeCaller, name: string | null): Promise<Record<string, string>> {
    if (name === null) return {};
    const key = await this.deps.keypairs.get(caller.userId, name).catch(asBadRequest('Invalid key_name provided.'));
    return { [key.name]: key.public_key };
  }

  /** Changes record-only fields (any state but deleted); returns the server as it is then. */
  async edit(caller: ComputeCaller, id: string, action: ServerAction, change: (row: ServerRow) => RecordPatch): Promise<ServerRow> {
    return withTransaction(this.deps.database, async (trx) => {
      const row = await visible(trx, caller, id);
      checkAction(row, action);
      if (!(await updateRecord(trx, row.id, change(row)))) throw notFound(`Instance ${id} could not be found.`);
      return (await findServer(trx, row.id))!;
    });
  }

  // ---- tasks

  /** Queues the delete; a second delete while one is pending changes nothing. */
  delete(caller: ComputeCaller, id: string): Promise<void> {
    return this.requestTask(caller, id, 'delete', { task: 'deleting', kind: JOB.delete });
  }

  startServer(caller: ComputeCaller, id: string): Promise<void> {
    return this.requestTask(caller, id, 'os-start', { task: 'powering-on', kind: JOB.start, target: activeCharges });
  }

  stopServer(caller: ComputeCaller, id: string): Promise<void> {
    return this.requestTask(caller, id, 'os-stop', { task: 'powering-off', kind: JOB.stop });
  }

  /** A soft reboot of a running server, or a hard one of a running or stopped server (which starts it, as Nova does). */
  reboot(caller: ComputeCaller, id: string, type: 'SOFT' | 'HARD'): Promise<void> {
    if (type === 'SOFT') return this.requestTask(caller, id, 'reboot', { task: 'rebooting', kind: JOB.reboot, payload: { type } });
    return this.requestTask(caller, id, 'rebootHard', { task: 'rebooting_hard', kind: JOB.reboot, payload: { type }, target: activeCharges });
  }

  /**
   * Re-images a server, keeping its id (Nova's rebuild): its root disk is made anew from
   * `request.imageRef` and the server comes back in the power state it had (an ERROR one
   * running). Name, metadata and the rest change at once; the status is REBUILD meanwhile.
   * Returns the admin password the guest gets.
   */
  async rebuild(caller: ComputeCaller, id: string, request: RebuildRequest): Promise<{ row: ServerRow; adminPass: string }> {
    const current = await this.get(caller, id);
    checkAction(current, 'rebuild');
    const image = await this.bootableImage(caller, request.imageRef);
    checkFits(current, image);
    const keyName = request.keyName === undefined ? current.key_name : request.keyName;
    // A kept key whose key pair has gone since cannot be given again (the server keeps no copy).
    const publicKeys = await this.publicKeys(caller, keyName).catch((error) => {
      if (request.keyName === undefined) return {};
      throw error;
    });
    const adminPass = request.adminPass ?? generatePassword();
    const running = current.vm_state !== 'stopped';
    const payload: RebuildPayload = { ...createPayload(request, adminPass, publicKeys, caller.admin), running };
    const patch: Partial<ServerRow> = {
      image_id: image.id, key_name: keyName, progress: 0,
      ...(request.name === undefined ? {} : { name: request.name }),
      ...(request.metadata === undefined ? {} : { metadata: JSON.stringify(request.metadata) }),
      ...(request.description === undefined ? {} : { description: request.description }),
      ...(request.accessIPv4 === undefined ? {} : { access_ipv4: request.accessIPv4 }),
      ...(request.accessIPv6 === undefined ? {} : { access_ipv6: request.accessIPv6 }),
      ...(request.hostname === undefined ? {} : { hostname: request.hostname }),
    };
    await this.requestTask(caller, id, 'rebuild', {
      task: 'rebuilding', kind: JOB.rebuild, payload, patch, target: (row) => (running ? activeCharges(row) : existingCharges(row)),
    });
    return { row: (await findServer(this.db, current.id))!, adminPass };
  }

  /**
   * Gives a server another flavor's vCPUs and RAM; its disk stays. With `verify` (Nova) an
   * active or stopped server ends in VERIFY_RESIZE; without it (Cyclades) only a stopped one
   * resizes, and stays stopped. The quota holds the larger flavor until the end (server-resize.ts).
   */
  async resize(caller: ComputeCaller, id: string, flavorRef: string, options: { verify: boolean }): Promise<void> {
    const row = await this.get(caller, id);
    checkAction(row, 'resize');
    if (!options.verify && row.vm_state !== 'stopped') throw conflict(`Cannot 'resize' instance ${id} while it is in vm_state ${row.vm_state}: shut it down first`);
    const flavor: FlavorRow = await this.deps.flavors.usable(caller, flavorRef).catch(asBadRequest(`Flavor ${flavorRef} could not be found.`));
    if (flavor.id === row.flavor_id) throw badRequest('When resizing, instances must change flavor!');
    if (flavor.disk !== row.disk) throw badRequest(`Flavor ${flavor.id} has a ${flavor.disk} GiB disk and the server ${row.disk} GiB: a resize keeps the disk's size.`);
    if (!this.deps.backend.capabilities.resize) throw conflict(`The compute backend (${this.deps.backend.name}) cannot resize servers`);
    const to = { flavorId: flavor.id, vcpus: flavor.vcpus, ram: flavor.ram };
    const from: ResizeFrom = { flavorId: row.flavor_id, vcpus: row.vcpus, ram: row.ram, vmState: row.vm_state === 'active' ? 'active' : 'stopped', verify: options.verify };
    await this.requestTask(caller, id, 'resize', {
      task: 'resize_prep', kind: JOB.resize, payload: to, patch: { resize_from: JSON.stringify(from) },
      target: () => (options.verify ? resizingCharges(from, to, row.disk) : existingCharges({ ...to, disk: row.disk })),
    });
  }

  /** Keeps the new flavor of a server in VERIFY_RESIZE; it returns to the state it was resized in. */
  async confirmResize(caller: ComputeCaller, id: string): Promise<void> {
    const row = await this.get(caller, id);
    checkAction(row, 'confirmResize');
    if (!(await this.finishResize(row))) throw conflict(`Cannot 'confirmResize' instance ${row.id}: it changed meanwhile`);
  }

  /** Goes back to the old flavor of a server in VERIFY_RESIZE (REVERT_RESIZE until done). */
  revertResize(caller: ComputeCaller, id: string): Promise<void> {
    return this.requestTask(caller, id, 'revertResize', { task: 'resize_reverting', kind: JOB.revertResize });
  }

  /** Confirms the resizes that have waited longer than `windowMs` (Nova's resize_confirm_window); returns how many. */
  async confirmStaleResizes(windowMs: number): Promise<number> {
    const cutoff = new Date(Date.now() - windowMs).toISOString();
    let confirmed = 0;
    for (const row of await listServers(this.db, { vmState: 'resized' })) {
      const at = resizeFromOf(row)?.at;
      if (row.task_state === null && at !== undefined && at <= cutoff && (await this.finishResize(row))) confirmed++;
    }
    return confirmed;
  }

  /** Ends a resize with its new flavor, if the server is still as read. */
  private finishResize(row: ServerRow): Promise<boolean> {
    const from = resizeFromOf(row);
    if (!from) return Promise.resolve(false);
    return withTransaction(this.deps.database, async (trx) => {
      const { patch, target } = settledResize(from, { flavorId: row.flavor_id, vcpus: row.vcpus, ram: row.ram }, row.disk);
      const charged = await settle(this.deps.quota, trx, row, target, { force: true });
      return transition(trx, row.id, { vm_state: 'resized', task_state: null }, { ...patch, charged });
    });
  }

  /**
   * Checks `action` against the state table and, in one transaction, sets the task, moves the
   * quota to `target` (403 if over the limit) and queues the job. A task already under way
   * (only a delete may be asked for again) is left to its job.
   */
  private async requestTask(caller: ComputeCaller, id: string, action: ServerAction, request: TaskRequest): Promise<void> {
    const queued = await withTransaction(this.deps.database, async (trx) => {
      const row = await visible(trx, caller, id);
      checkAction(row, action);
      if (row.task_state === request.task) return false;
      const charged = request.target ? await settle(this.deps.quota, trx, row, request.target(row)) : row.charged;
      // A new task clears the last one's fault, except a delete: the fault may say why.
      const patch = { ...request.patch, task_state: request.task, charged, ...(action === 'delete' ? {} : { fault: null }) };
      if (!(await transition(trx, row.id, { vm_state: row.vm_state as VmState, task_state: row.task_state }, patch))) {
        throw conflict(`Cannot '${action}' instance ${row.id}: it changed meanwhile`);
      }
      await this.deps.jobs.enqueue(trx, { kind: request.kind, target: row.id, payload: request.payload ?? {} });
      return true;
    });
    if (queued) this.deps.jobs.kick();
  }
}

/** A server the caller may see (theirs, or any for an admin); 404 in Nova's words otherwise. */
async function visible(ex: Executor, caller: ComputeCaller, id: string, deletedWithinMs?: number): Promise<ServerRow> {
  const row = await findServer(ex, id);
  const gone = row?.vm_state === 'deleted' && (deletedWithinMs === undefined || Date.parse(row.deleted_at ?? row.updated_at) < Date.now() - deletedWithinMs);
  if (!row || gone || (row.user_id !== caller.userId && !caller.admin)) throw notFound(`Instance ${id} could not be found.`);
  return row;
}

