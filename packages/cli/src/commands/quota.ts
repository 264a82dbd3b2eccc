// `oceanos quota list`: your limits, usage and pending amounts, per project and resource.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { QuotaReport, ResourceList } from '@oceanos/contract';
import type { Context } from '../context.ts';
import type { Cell } from '../output.ts';
import { formatQuantity } from '../quantity.ts';

export const QUOTA_HEAD = ['Project', 'Resource', 'Limit', 'Usage', 'Pending'];

/** One row per project and resource, byte amounts made readable. */
export function quotaRows(report: QuotaReport, resources: ResourceList, only?: string): Cell[][] {
  const rows: Cell[][] = [];
  for (const [project, perResource] of Object.entries(report)) {
    for (const [name, q] of Object.entries(perResource).sort(([a], [b]) => a.localeCompare(b))) {
      if (only !== undefined && name !== only) continue;
      const unit = resources[name]?.unit ?? null;
      rows.push([project, name, formatQuantity(q.limit, unit), formatQuantity(q.usage, unit), formatQuantity(q.pending, unit)]);
    }
  }
  return rows;
}

export function registerQuotaCommands(program: CommandUnknownOpts, ctx: Context): void {
  const quota = program.command('quota').description('your resource quotas');

  quota.command('list').description('list your limits, usage and pending amounts per project')
    .option('--resource <name>', 'only this resource')
    .action(async (opts) => {
      const client = await ctx.client();
      const [report, resources] = await Promise.all([client.account.quotas(), client.account.resources()]);
      ctx.output.table(QUOTA_HEAD, quotaRows(report, resources, opts.resource), report, 'No quotas.');
    });
}
