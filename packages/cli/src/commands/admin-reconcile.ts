// `oceanos admin reconcile servers [--fix]` (admin token required): where the database and
// the compute backend disagree (Synnefo's reconcile-servers), and making them agree; and
// `oceanos admin capacity`: where the disk goes.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { ReconcileReport } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import type { Cell } from '../output.ts';
import { formatQuantity } from '../quantity.ts';

const size = (n: number) => formatQuantity(n, 'bytes');

/** Kind, server id, what the database says, what the backend says, what a fix does. */
function reconcileRows(report: ReconcileReport): Cell[][] {
  return [
    ...report.orphans.map((id) => ['orphan', id, 'no such server', 'VM exists', 'VM destroyed']),
    ...report.stale.map((id) => ['stale', id, 'server exists', 'no VM', 'server DELETED, quota released']),
    ...report.unsynced.map((u) => ['unsynced', u.id, u.db, `VM ${u.backend}`, `server ${u.backend === 'running' ? 'ACTIVE' : 'SHUTOFF'}`]),
    ...report.stuck.map((id) => ['stuck', id, 'a task no job will finish', '-', 'build: ERROR; else as the VM is']),
  ];
}

export function registerAdminReconcileCommands(admin: CommandUnknownOpts, ctx: Context): void {
  const reconcile = admin.command('reconcile').description('compare the database with what the compute backend runs');

  reconcile.command('servers').description('list the servers and VMs on which the database and the backend disagree; --fix makes them agree')
    .option('--fix', 'repair every difference found (the database follows the VMs; orphan VMs are destroyed)')
    .action(async (opts) => {
      const client = await ctx.client();
      const report = await client.servers.reconcile({ fix: opts.fix === true });
      const rows = reconcileRows(report);
      if (rows.length === 0) return ctx.output.message('The database and the backend agree', report);
      const head = ['Kind', 'Server', 'Database', 'Backend', report.fixed ? 'Done' : 'Fix (--fix)'];
      ctx.output.table(head, rows, report);
    });
}

export function registerAdminCapacityCommand(admin: CommandUnknownOpts, ctx: Context): void {
  admin.command('capacity').description("where the cloud's disk goes: the filesystem, kept files, VM disks and the image cache")
    .action(async () => {
      const report = await (await ctx.client()).servers.capacity();
      const cache = report.compute.imageCache;
      ctx.output.record([
        ['Disk', `${size(report.disk.freeBytes)} free of ${size(report.disk.totalBytes)}`],
        ['Reserved for the database', size(report.disk.reserveBytes)],
        ['Files kept (all versions)', size(report.storage.keptBytes)],
        ['VMs', `${report.compute.vms} (their own disks: ${size(report.compute.vmDiskBytes)})`],
        ['Image cache', cache === undefined ? undefined : `${size(cache.bytes)} in ${cache.bases} image(s)${cache.limitBytes ? `, limit ${size(cache.limitBytes)}` : ', no limit'}`],
      ], report);
    });
}
