// `oceanos server list|info|modify|delete` (create in server-create.ts, the power actions and
// consoles in server-actions.ts, wait in server-wait.ts).
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { SERVER_STATUSES, type ServerStatus } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { parseQuantity } from '../quantity.ts';
import { utcTime } from '../terminal-text.ts';
import { CliError, UsageError } from '../usage-error.ts';
import { collect, parseProperties } from './image-shared.ts';
import { registerServerActionCommands } from './server-actions.ts';
import { registerServerCreateCommand } from './server-create.ts';
import { findServer, imageId, labelled, namesOf, SERVER_HELP, showServer } from './server-shared.ts';
import { registerServerWaitCommand, timeoutMsOf, timeoutOption, waitForServers } from './server-wait.ts';

/** An ISO 8601 time for --since; UsageError otherwise. */
function isoTime(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text))) throw new UsageError(`invalid --since: ${JSON.stringify(text)} (expected an ISO 8601 time such as 2026-01-31T12:00:00Z)`);
  return text;
}

const NO_SERVERS = 'No servers (create one with: oceanos server create --name NAME --flavor FLAVOR --image IMAGE).';

export function registerServerCommands(program: CommandUnknownOpts, ctx: Context): void {
  const server = program.command('server').description('servers (virtual machines): create, list, start, stop, delete them')
    .addHelpText('after', SERVER_HELP);

  server.command('list').description('list your servers')
    .option('-l, --detail', 'show flavor, image, task, key pair and creation time too')
    .addOption(new Option('--status <status>', 'only servers with this status').choices(SERVER_STATUSES))
    .option('--name <regex>', 'only servers whose name matches this regular expression')
    .option('--since <time>', 'only servers changed since this ISO 8601 time (deleted ones included)')
    .option('--limit <n>', 'at most this many servers')
    .action(async (opts) => {
      const changesSince = opts.since === undefined ? undefined : isoTime(opts.since);
      const limit = opts.limit === undefined ? undefined : parseQuantity(opts.limit, null, '--limit');
      const client = await ctx.client();
      const servers = await client.servers.listDetail({ name: opts.name, status: opts.status as ServerStatus | undefined, changesSince, limit });
      // JSON mode prints the servers as they are, names looked up or not.
      if (!opts.detail || ctx.output.json) {
        ctx.output.table(['ID', 'Name', 'Status'], servers.map((s) => [s.id, s.name, s.status]), servers, NO_SERVERS);
        return;
      }
      const names = await namesOf(client);
      ctx.output.table(
        ['ID', 'Name', 'Status', 'Task', 'Flavor', 'Image', 'Key pair', 'Created'],
        servers.map((s) => [s.id, s.name, s.status, s['OS-EXT-STS:task_state'], names.flavor(s.flavor.id), imageId(s) && names.image(imageId(s)), s.key_name, utcTime(s.created)]),
        servers,
        NO_SERVERS,
      );
    });

  server.command('info').description('show every field of a server')
    .argument('<server>', 'id or name')
    .action(async (nameOrId) => {
      const client = await ctx.client();
      await showServer(ctx, client, await findServer(client, nameOrId));
    });

  registerServerCreateCommand(server, ctx);

  server.command('modify').description("rename a server, change its metadata or its tags")
    .argument('<server>', 'id or name')
    .option('--name <name>', 'rename it')
    .option('--metadata-set <KEY=VALUE>', 'set a metadata item; repeat for more', collect, [] as string[])
    .option('--metadata-del <KEY>', 'remove a metadata item; repeat for more', collect, [] as string[])
    .option('--tag-add <tag>', 'add a tag; repeat for more', collect, [] as string[])
    .option('--tag-del <tag>', 'remove a tag; repeat for more', collect, [] as string[])
    .action(async (nameOrId, opts) => {
      const set = parseProperties(opts.metadataSet, '--metadata-set');
      if (opts.name === undefined && Object.keys(set).length === 0 && [opts.metadataDel, opts.tagAdd, opts.tagDel].every((l) => l.length === 0)) {
        throw new UsageError('nothing to change: give --name, --metadata-set, --metadata-del, --tag-add or --tag-del');
      }
      const client = await ctx.client();
      const found = await findServer(client, nameOrId);
      const missing = [...opts.metadataDel.filter((k) => !(k in found.metadata)).map((k) => `metadata item ${k}`), ...opts.tagDel.filter((t) => !found.tags.includes(t)).map((t) => `tag ${t}`)];
      if (missing.length > 0) throw new CliError(`server ${labelled(found.id, found.name)} has no ${missing.join(', no ')}`);
      if (opts.name !== undefined) await client.servers.rename(found.id, opts.name);
      if (opts.metadataDel.length > 0) {
        // Nova removes metadata by replacing the whole of it: the kept, the changed and the new items.
        const kept = Object.fromEntries(Object.entries(found.metadata).filter(([k]) => !opts.metadataDel.includes(k)));
        await client.servers.replaceMetadata(found.id, { ...kept, ...set });
      } else if (Object.keys(set).length > 0) {
        await client.servers.updateMetadata(found.id, set);
      }
      for (const tag of opts.tagAdd) await client.servers.addTag(found.id, tag);
      for (const tag of opts.tagDel) await client.servers.removeTag(found.id, tag);
      await showServer(ctx, client, await client.servers.get(found.id));
    });

  server.command('delete').description('delete servers and their disks (for good)')
    .argument('<server...>', 'ids or names')
    .option('-w, --wait', 'wait until they are gone')
    .addOption(timeoutOption())
    .action(async (namesOrIds, opts) => {
      const timeoutMs = timeoutMsOf(opts.timeout);
      const client = await ctx.client();
      const found = await Promise.all(namesOrIds.map((n) => findServer(client, n)));
      await Promise.all(found.map((s) => client.servers.delete(s.id)));
      if (opts.wait) await waitForServers(ctx, client, found, ['DELETED'], timeoutMs);
      const data = found.map((s) => ({ id: s.id, name: s.name, status: opts.wait ? 'DELETED' : 'deleting' }));
      ctx.output.message(found.map((s) => `${opts.wait ? 'Deleted' : 'Deleting'} server ${labelled(s.id, s.name)}`).join('\n'), data);
    });

  registerServerActionCommands(server, ctx);
  registerServerWaitCommand(server, ctx);
}
