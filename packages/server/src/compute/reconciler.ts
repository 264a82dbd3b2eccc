// Makes the database and the backend agree after whatever happened while nobody watched: a
// crash between a VM change and its record, a VM that died or vanished, a job lost. Servers
// with a queued or running job are left to it. Each fix moves the server's quota to what its
// new state holds, in the same transaction as the state, so usage never drifts.
import type { Logger } from 'pino';
import type { ReconcileReport } from '@oceanos/contract';
import type { Backend, VmInfo } from '../backends/backend.ts';
import type { Database } from '../db/database.ts';
import { withTransaction } from '../db/transaction.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { QuotaService } from '../quota/service.ts';
import { faultJson } from './server-jobs.ts';
import { activeCharges, existingCharges, settle } from './server-quota.ts';
import { expectsRunning, POWER, serverStatus } from './server-states.ts';
import { listServers, transition, type Charged, type ServerRow } from './server-store.ts';

export type { ReconcileReport };

export interface ReconcileDeps { database: Database; quota: QuotaService; backend: Backend; jobs: JobQueue; logger: Logger }


/** Compares every server with the backend's VMs; with `fix`, repairs each difference found. */
export async function reconcile(deps: ReconcileDeps, options: { fix: boolean }): Promise<ReconcileReport> {
  const report: ReconcileReport = { orphans: [], stale: [], unsynced: [], stuck: [], fixed: options.fix };
  const vms = new Map((await deps.backend.list()).map((vm) => [vm.id, vm]));
  // Busy before the rows are read too: a job that ends between the two reads leaves a row
  // that still shows its task, and must not be taken for one no job will finish.
  const busyBefore = await deps.jobs.busyTargets();
  // Read after the VMs: a VM made since has its record (and job) by now.
  const rows = await listServers(deps.database.db, {});
  const busy = new Set([...busyBefore, ...(await deps.jobs.busyTargets())]);
  const live = new Set(rows.map((row) => row.id));
  for (const vm of vms.values()) {
    if (live.has(vm.id) || busy.has(vm.id)) continue;
    report.orphans.push(vm.id);
    if (options.fix) await deps.backend.destroy(vm.id).catch((error) => deps.logger.warn({ err: error, vm: vm.id }, 'could not destroy an orphan VM'));
  }
  const fixer = new Fixer(deps, options.fix);
  for (const row of rows) {
    if (busy.has(row.id)) continue;
    const vm = await vmNow(deps.backend, row, vms.get(row.id));
    if (row.vm_state === 'building' || row.task_state !== null) {
      report.stuck.push(row.id);
      await fixer.stuck(row, vm);
    } else if (!vm) {
      // A failed build leaves no VM: that is what ERROR means, not a loss.
      if (row.vm_state === 'error') continue;
      report.stale.push(row.id);
      await fixer.gone(row);
    } else if (expectsRunning(row) !== (vm.state === 'running') && row.vm_state !== 'error') {
      report.unsynced.push({ id: row.id, db: serverStatus(row.vm_state, row.task_state), backend: vm.state });
      await fixer.follow(row, vm);
    }
  }
  return report;
}

/**
 * The row's VM as listed, or, where that disagrees with the row, as it is now: the list is
 * older than the row, and a job that ended in between changed both (a build that finished
 * is not a vanished VM, a stop that finished not a VM that died).
 */
async function vmNow(backend: Backend, row: ServerRow, listed: VmInfo | undefined): Promise<VmInfo | undefined> {
  if (listed && expectsRunning(row) === (listed.state === 'running')) return listed;
  return (await backend.inspect(row.id)) ?? undefined;
}

class Fixer {
  constructor(private readonly deps: ReconcileDeps, private readonly fix: boolean) {}

  /** No job will finish this task: a build fails; any other task ends in the state the VM is in. */
  async stuck(row: ServerRow, vm: VmInfo | undefined): Promise<void> {
    if (row.vm_state === 'building') {
      if (this.fix && vm) await this.deps.backend.destroy(row.id).catch((error) => this.deps.logger.warn({ err: error, server: row.id }, 'could not destroy a stuck build'));
      return this.apply(row, { vm_state: 'error', power_state: POWER.unknown, fault: faultJson('The build was interrupted and no job is left to finish it') }, {});
    }
    if (row.task_state === 'deleting' && !vm) return this.gone(row);
    if (!vm) return this.apply(row, { vm_state: 'error', power_state: POWER.unknown, fault: faultJson(`The task ${row.task_state} was interrupted and the VM is gone`) }, {});
    return this.follow(row, vm);
  }

  /** The VM vanished: the server is deleted, and its quota released. */
  gone(row: ServerRow): Promise<void> {
    const fault = faultJson('The virtual machine vanished from the compute backend');
    return this.apply(row, { vm_state: 'deleted', power_state: POWER.unknown, deleted_at: new Date().toISOString(), fault }, {});
  }

  /**
   * The database takes the VM's power state (a resize waiting for confirmation ends there,
   * with its new flavor); a running server is charged cpu and ram even over the limit, as it runs.
   */
  follow(row: ServerRow, vm: VmInfo): Promise<void> {
    return vm.state === 'running'
      ? this.apply(row, { vm_state: 'active', power_state: POWER.running, resize_from: null }, activeCharges(row))
      : this.apply(row, { vm_state: 'stopped', power_state: POWER.shutdown, resize_from: null }, existingCharges(row));
  }

  private async apply(row: ServerRow, patch: Partial<ServerRow>, target: Charged): Promise<void> {
    if (!this.fix) return;
    const changed = await withTransaction(this.deps.database, async (trx) => {
      const charged = await settle(this.deps.quota, trx, row, target, { force: true });
      if (await transition(trx, row.id, { vm_state: row.vm_state, task_state: row.task_state }, { ...patch, task_state: null, charged })) return true;
      // Changed meanwhile (a request came): roll the charge back and leave it.
      throw new Changed();
    }).catch((error) => { if (error instanceof Changed) return false; throw error; });
    if (changed) this.deps.logger.info({ server: row.id, from: row.vm_state, to: patch.vm_state }, 'server reconciled');
  }
}

class Changed extends Error {}
