// `oceanos container create|list|info|delete`: the top level of your Pithos+ file storage.
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Context } from '../context.ts';
import { formatQuantity } from '../quantity.ts';
import { utcTime } from '../terminal-text.ts';
import { timeOption } from '../time-option.ts';

const size = (n: number) => formatQuantity(n, 'bytes');

export function registerContainerCommands(program: CommandUnknownOpts, ctx: Context): void {
  const container = program.command('container').description('containers of your file storage (Pithos+)');

  container.command('create').description('create a container')
    .argument('<name>')
    .addOption(new Option('--versioning <policy>', 'keep old versions of objects (auto) or not (none)').choices(['auto', 'none'] as const))
    .action(async (name, opts) => {
      const storage = (await ctx.client()).storage;
      const created = await storage.createContainer(name, { versioning: opts.versioning });
      ctx.output.message(created ? `Created container ${name}` : `Container ${name} already exists`, { name, created });
    });

  container.command('list').description('list your containers')
    .action(async () => {
      const list = await (await ctx.client()).storage.listContainers();
      ctx.output.table(['Name', 'Objects', 'Size', 'Modified'], list.map((c) => [c.name, c.count, size(c.bytes), utcTime(c.last_modified)]), list, 'No containers (create one with: oceanos container create NAME).');
    });

  container.command('info').description("show a container's usage, policy and metadata")
    .argument('<name>')
    .action(async (name) => {
      const info = await (await ctx.client()).storage.containerInfo(name);
      ctx.output.record([
        ['Name', info.name],
        ['Objects', info.objectCount],
        ['Size', `${size(info.bytesUsed)} (${info.bytesUsed} bytes)`],
        ['Versioning', info.versioning],
        ['Block size', info.blockSize === undefined ? undefined : size(info.blockSize)],
        ['Block hash', info.blockHash],
        ['Created', info.timestamp === undefined ? undefined : utcTime(new Date(info.timestamp * 1000).toISOString())],
        ...Object.entries(info.meta).map(([k, v]): [string, string] => [`Meta ${k}`, v]),
      ], info);
    });

  container.command('purge').description('drop the old versions of every object in a container (they count against your quota)')
    .argument('<name>')
    .option('--before <time>', 'only versions written up to this time (ISO 8601; default: now)')
    .action(async (name, opts) => {
      await (await ctx.client()).storage.purgeHistory(name, undefined, timeOption(opts.before));
      ctx.output.message(`Dropped the old versions in container ${name}`);
    });

  container.command('delete').description('delete an empty container (see `oceanos file delete -r` to empty it)')
    .argument('<name>')
    .action(async (name) => {
      await (await ctx.client()).storage.deleteContainer(name);
      ctx.output.message(`Deleted container ${name}`);
    });
}
