// `oceanos admin quota set|list` (admin token required).
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Context } from '../context.ts';
import type { Cell } from '../output.ts';
import { parseQuantity } from '../quantity.ts';
import { UsageError } from '../usage-error.ts';
import { QUOTA_HEAD, quotaRows } from './quota.ts';

export function registerAdminQuotaCommands(admin: CommandUnknownOpts, ctx: Context): void {
  const quota = admin.command('quota').description("manage users' quotas");

  quota.command('set').description("set a user's limit on a resource, or reset it to the resource's default")
    .argument('<user>', 'user name or id')
    .argument('<resource>', 'e.g. cyclades.vm, cyclades.ram')
    .argument('<limit>', 'a number, a size such as 10GiB or 512MiB for byte resources, or "default"')
    .addHelpText('after', '\nSizes: K/KiB, M/MiB, G/GiB, T/TiB are powers of 1024; KB, MB, GB, TB are powers of 1000.')
    .action(async (user, resource, limitText) => {
      const client = await ctx.client();
      const resources = await client.account.resources();
      const description = resources[resource];
      if (!description) throw new UsageError(`unknown resource: ${resource} (see \`oceanos resource list --all\`)`);
      const limit = limitText === 'default' ? null : parseQuantity(limitText, description.unit, 'limit');
      const result = await client.account.setQuota(user, resource, limit);
      const [, report] = Object.entries(result)[0] ?? [];
      ctx.output.table(QUOTA_HEAD, report ? quotaRows(report, resources, resource) : [], result);
    });

  quota.command('list').description("list users' limits, usage and pending amounts")
    .option('--user <user>', 'only this user (name or id)')
    .option('--resource <name>', 'only this resource')
    .action(async (opts) => {
      const client = await ctx.client();
      // The server filters by UUID only, and shows no names: resolve them here.
      const users = opts.user === undefined ? await client.users.list() : [await client.users.find(opts.user)];
      const [quotas, resources] = await Promise.all([
        client.account.serviceQuotas(opts.user === undefined ? undefined : users[0]!.id),
        client.account.resources(),
      ]);
      const names = new Map(users.map((u) => [u.id, u.name]));
      const rows: Cell[][] = Object.entries(quotas).flatMap(([id, report]) =>
        quotaRows(report, resources, opts.resource).map((row) => [names.get(id) ?? id, ...row]));
      ctx.output.table(['User', ...QUOTA_HEAD], rows, quotas, 'No quotas.');
    });
}
