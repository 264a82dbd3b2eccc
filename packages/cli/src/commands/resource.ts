// `oceanos resource list`: what the cloud accounts for, and the default limits.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { ResourceList } from '@oceanos/contract';
import type { Context } from '../context.ts';
import { formatQuantity } from '../quantity.ts';

export function showResources(ctx: Context, resources: ResourceList): void {
  const rows = Object.entries(resources).sort(([a], [b]) => a.localeCompare(b)).map(([name, r]) => [
    name, r.unit ?? '', formatQuantity(r.system_default, r.unit), formatQuantity(r.project_default, r.unit), r.description,
  ]);
  ctx.output.table(['Resource', 'Unit', 'System default', 'Project default', 'Description'], rows, resources);
}

export function registerResourceCommands(program: CommandUnknownOpts, ctx: Context): void {
  const resource = program.command('resource').description('the resources the cloud accounts for');

  resource.command('list').description('list resources with their units and default limits')
    .option('--all', 'include resources hidden from the API (internal ones)')
    .action(async (opts) => {
      const all = await ctx.anonymousClient().account.resources();
      const shown = Object.fromEntries(Object.entries(all).filter(([, r]) => opts.all || r.api_visible));
      showResources(ctx, shown);
    });
}
