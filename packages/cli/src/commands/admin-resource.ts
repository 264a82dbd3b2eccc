// `oceanos admin resource modify` (admin token required).
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Context } from '../context.ts';
import { parseQuantity } from '../quantity.ts';
import { UsageError } from '../usage-error.ts';
import { showResources } from './resource.ts';

export function registerAdminResourceCommands(admin: CommandUnknownOpts, ctx: Context): void {
  const resource = admin.command('resource').description('manage resources');

  resource.command('modify').description("change a resource's default limits")
    .argument('<name>', 'e.g. cyclades.vm')
    .option('--system-default <limit>', "limit in each user's system project (a number, or a size such as 20GiB)")
    .option('--project-default <limit>', 'limit of each member in other projects')
    .action(async (name, opts) => {
      if (opts.systemDefault === undefined && opts.projectDefault === undefined) {
        throw new UsageError('nothing to modify: give --system-default and/or --project-default');
      }
      const client = await ctx.client();
      const current = (await client.account.resources())[name];
      if (!current) throw new UsageError(`unknown resource: ${name} (see \`oceanos resource list --all\`)`);
      const parse = (text: string | undefined, what: string) => (text === undefined ? undefined : parseQuantity(text, current.unit, what));
      const updated = await client.account.setResourceDefaults(name, {
        system_default: parse(opts.systemDefault, '--system-default'),
        project_default: parse(opts.projectDefault, '--project-default'),
      });
      showResources(ctx, { [name]: updated });
    });
}
