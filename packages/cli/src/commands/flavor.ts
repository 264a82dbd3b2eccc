// `oceanos flavor list|info`: the sizes servers can have (admins make them: admin-flavor.ts).
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ApiError, type FlavorAccess } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { findFlavor, FLAVOR_HEAD, flavorRow } from './server-shared.ts';

export function registerFlavorCommands(program: CommandUnknownOpts, ctx: Context): void {
  const flavor = program.command('flavor').description('flavors: the vCPUs, RAM and disk a server can have');

  flavor.command('list').description('list the flavors you may use')
    .option('-l, --detail', 'show the swap, ephemeral disk and whether it is disabled too')
    .action(async (opts) => {
      const flavors = await (await ctx.client()).flavors.list();
      if (!opts.detail) return ctx.output.table(['ID', 'Name', 'vCPUs', 'RAM', 'Disk'], flavors.map((f) => flavorRow(f).slice(0, 5)), flavors, 'No flavors.');
      ctx.output.table(
        [...FLAVOR_HEAD, 'Swap', 'Ephemeral', 'Disabled'],
        flavors.map((f) => [...flavorRow(f), f.swap === '' ? 0 : f.swap, f['OS-FLV-EXT-DATA:ephemeral'], f['OS-FLV-DISABLED:disabled']]),
        flavors,
        'No flavors.',
      );
    });

  flavor.command('info').description('show a flavor, and which projects may use it if it is private')
    .argument('<flavor>', 'id or name')
    .action(async (nameOrId) => {
      const client = await ctx.client();
      const found = await findFlavor(client, nameOrId);
      let access: FlavorAccess[] | undefined;
      if (!found['os-flavor-access:is_public']) {
        // Only admins may read who has access; others see the flavor alone.
        access = await client.flavors.access(found.id).catch((error: unknown) => {
          if (error instanceof ApiError && error.kind === 'forbidden') return undefined;
          throw error;
        });
      }
      ctx.output.record([
        ['ID', found.id],
        ['Name', found.name],
        ['vCPUs', found.vcpus],
        ['RAM', `${found.ram} MiB`],
        ['Disk', `${found.disk} GiB`],
        ['Public', found['os-flavor-access:is_public']],
        ['Disabled', found['OS-FLV-DISABLED:disabled']],
        ['Projects', access?.map((a) => a.tenant_id).join(', ')],
        ['Description', found.description],
      ], access === undefined ? found : { ...found, access });
    });
}
