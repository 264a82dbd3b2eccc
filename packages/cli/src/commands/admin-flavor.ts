// `oceanos admin flavor create|delete` (admin token required): the sizes users may choose.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Context } from '../context.ts';
import { parseQuantity } from '../quantity.ts';
import { UsageError } from '../usage-error.ts';
import { collect } from './image-shared.ts';
import { findFlavor, FLAVOR_HEAD, flavorRow, labelled } from './server-shared.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/**
 * A size in `unit`s: a plain number is already in them, "1GiB" or "512MiB" is converted.
 * UsageError unless it comes to a whole, positive number of them.
 */
function sizeIn(text: string, unit: 'MiB' | 'GiB', option: string): number {
  if (/^\s*\d+\s*$/.test(text)) return parseQuantity(text, null, option);
  const value = parseQuantity(text, 'bytes', option) / (unit === 'MiB' ? MiB : GiB);
  if (!Number.isSafeInteger(value)) throw new UsageError(`invalid ${option}: ${text} is not a whole number of ${unit}`);
  return value;
}

export function registerAdminFlavorCommands(admin: CommandUnknownOpts, ctx: Context): void {
  const flavor = admin.command('flavor').description('create and delete flavors');

  flavor.command('create').description('create a flavor, public or for some projects only')
    .requiredOption('--name <name>', "the flavor's name (unique)")
    .requiredOption('--vcpus <n>', 'virtual CPUs')
    .requiredOption('--ram <size>', 'memory: MiB, or a size such as 512MiB or 2GiB')
    .requiredOption('--disk <size>', 'root disk: GiB, or a size such as 20GiB')
    .option('--id <id>', "the flavor's id (a UUID is made up by default)")
    .option('--private', 'only projects given access may use it')
    .option('--project <id>', 'give this project access (implies --private); repeat for more', collect, [] as string[])
    .action(async (opts) => {
      const vcpus = parseQuantity(opts.vcpus, null, '--vcpus');
      const ram = sizeIn(opts.ram, 'MiB', '--ram');
      const disk = sizeIn(opts.disk, 'GiB', '--disk');
      if (vcpus < 1 || ram < 1) throw new UsageError('a flavor needs at least 1 vCPU and 1 MiB of RAM');
      const client = await ctx.client();
      const isPublic = !(opts.private || opts.project.length > 0);
      const created = await client.flavors.create({ name: opts.name, vcpus, ram, disk, id: opts.id, isPublic });
      // One at a time: each answer is the whole access list, and the last one is shown.
      let access: string[] = [];
      try {
        for (const project of opts.project) access = (await client.flavors.addAccess(created.id, project)).map((a) => a.tenant_id);
      } catch (error) {
        // A flavor without all the access asked for is not what was asked for.
        await client.flavors.delete(created.id).catch(() => undefined);
        throw error;
      }
      ctx.output.table([...FLAVOR_HEAD, 'Projects'], [[...flavorRow(created), access.join(', ')]], { ...created, access });
    });

  flavor.command('delete').description('delete a flavor (its servers keep running with their sizes)')
    .argument('<flavor>', 'id or name')
    .action(async (nameOrId) => {
      const client = await ctx.client();
      const found = await findFlavor(client, nameOrId);
      await client.flavors.delete(found.id);
      ctx.output.message(`Deleted flavor ${labelled(found.id, found.name)}`, { id: found.id, name: found.name });
    });
}
