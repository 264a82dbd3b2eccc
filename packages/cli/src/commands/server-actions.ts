// `oceanos server start|shutdown|reboot|resize|console`: actions on one server. Each asks and
// returns at once; with --wait it follows the server until the action is done.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { OceanosClient, Server, ServerStatus } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { parseQuantity } from '../quantity.ts';
import { printable } from '../terminal-text.ts';
import { CliError } from '../usage-error.ts';
import { findFlavor, findServer, labelled } from './server-shared.ts';
import { timeoutMsOf, timeoutOption, waitForServers } from './server-wait.ts';

interface PowerAction {
  verb: string;
  description: string;
  /** The status the server is in once the action is done. */
  reaches: ServerStatus;
  /** What it is called in messages: "Starting", "Shutting down"... */
  doing: string;
  run(client: OceanosClient, id: string, hard: boolean): Promise<void>;
}

/** Where a resize request ends: waiting for confirmation, or (a failed one) back where it was. */
const RESIZE_ENDS: ServerStatus[] = ['VERIFY_RESIZE', 'ACTIVE', 'SHUTOFF'];

const POWER_ACTIONS: PowerAction[] = [
  { verb: 'start', description: 'start a server that is shut off', reaches: 'ACTIVE', doing: 'Starting', run: (client, id) => client.servers.start(id) },
  {
    verb: 'shutdown', description: 'shut a server down (ACPI power button; forced off if the guest does not react in time)', reaches: 'SHUTOFF', doing: 'Shutting down',
    run: (client, id) => client.servers.stop(id),
  },
  {
    verb: 'reboot', description: 'reboot a server: a clean shutdown and start, or with --hard a reset', reaches: 'ACTIVE', doing: 'Rebooting',
    run: (client, id, hard) => client.servers.reboot(id, hard ? 'HARD' : 'SOFT'),
  },
];

/** Prints what was asked, or, with --wait, what the server has become. */
async function report(
  ctx: Context, client: OceanosClient, found: Server, asked: { action: string; sentence: string },
  wait: { reaches: ServerStatus[]; timeoutMs: number } | undefined,
): Promise<Server | undefined> {
  if (!wait) {
    ctx.output.message(asked.sentence, { id: found.id, name: found.name, action: asked.action });
    return undefined;
  }
  const [now] = await waitForServers(ctx, client, [found], wait.reaches, wait.timeoutMs);
  ctx.output.message(`Server ${labelled(found.id, found.name)} is ${now!.status}`, now);
  return now!;
}

export function registerServerActionCommands(server: CommandUnknownOpts, ctx: Context): void {
  for (const action of POWER_ACTIONS) {
    const command = server.command(action.verb).description(action.description)
      .argument('<server>', 'id or name')
      .option('-w, --wait', `wait until the server is ${action.reaches}`)
      .addOption(timeoutOption());
    if (action.verb === 'reboot') command.option('--hard', 'reset the VM at once instead of shutting the guest down cleanly');
    command.action(async (nameOrId, opts) => {
      const timeoutMs = timeoutMsOf(opts.timeout as string | undefined);
      const client = await ctx.client();
      const found = await findServer(client, nameOrId);
      // Only reboot has --hard.
      const hard = (opts as { hard?: boolean }).hard === true;
      await action.run(client, found.id, hard);
      const doing = hard ? 'Hard rebooting' : action.doing;
      const asked = { action: action.verb, sentence: `${doing} server ${labelled(found.id, found.name)}` };
      await report(ctx, client, found, asked, opts.wait ? { reaches: [action.reaches], timeoutMs } : undefined);
    });
  }

  server.command('resize').description("give a server another flavor's vCPUs and RAM (a running one is restarted); it then waits for confirmation")
    .argument('<server>', 'id or name')
    .requiredOption('--flavor <flavor>', 'flavor id or name')
    .option('-w, --wait', 'wait until the resize is done (VERIFY_RESIZE)')
    .option('--confirm', 'wait, then keep the new flavor (see `server resize-confirm`)')
    .addOption(timeoutOption())
    .action(async (nameOrId, opts) => {
      const timeoutMs = timeoutMsOf(opts.timeout);
      const client = await ctx.client();
      const [found, flavor] = await Promise.all([findServer(client, nameOrId), findFlavor(client, opts.flavor)]);
      await client.servers.resize(found.id, flavor.id);
      const label = labelled(found.id, found.name);
      const asked = {
        action: 'resize',
        sentence: `Resizing server ${label} to flavor ${labelled(flavor.id, flavor.name)}; then keep it with \`oceanos server resize-confirm ${found.name}\` or go back with \`resize-revert\``,
      };
      if (!opts.confirm) {
        const now = await report(ctx, client, found, asked, opts.wait ? { reaches: RESIZE_ENDS, timeoutMs } : undefined);
        if (now && now.flavor.id !== flavor.id) throw new CliError(`server ${label} still has flavor ${now.flavor.id}: the resize did not happen`);
        return;
      }
      const [done] = await waitForServers(ctx, client, [found], RESIZE_ENDS, timeoutMs);
      if (done!.status !== 'VERIFY_RESIZE') throw new CliError(`server ${label} is ${done!.status}: the resize did not happen`);
      await client.servers.confirmResize(found.id);
      await report(ctx, client, found, asked, { reaches: ['ACTIVE', 'SHUTOFF'], timeoutMs });
    });

  server.command('resize-confirm').description('keep the new flavor of a server waiting in VERIFY_RESIZE')
    .argument('<server>', 'id or name')
    .action(async (nameOrId) => {
      const client = await ctx.client();
      const found = await findServer(client, nameOrId);
      await client.servers.confirmResize(found.id);
      ctx.output.message(`Kept the new flavor of server ${labelled(found.id, found.name)}`, { id: found.id, action: 'resize-confirm' });
    });

  server.command('resize-revert').description('go back to the old flavor of a server waiting in VERIFY_RESIZE')
    .argument('<server>', 'id or name')
    .option('-w, --wait', 'wait until it is back')
    .addOption(timeoutOption())
    .action(async (nameOrId, opts) => {
      const client = await ctx.client();
      const found = await findServer(client, nameOrId);
      await client.servers.revertResize(found.id);
      const asked = { action: 'resize-revert', sentence: `Reverting the resize of server ${labelled(found.id, found.name)}` };
      await report(ctx, client, found, asked, opts.wait ? { reaches: ['ACTIVE', 'SHUTOFF'], timeoutMs: timeoutMsOf(opts.timeout) } : undefined);
    });

  server.command('console').description("print a URL of the server's screen (noVNC), or with --log its serial console output")
    .argument('<server>', 'id or name')
    .option('--log', 'print the serial console output instead')
    .option('--lines <n>', 'with --log: only the last N lines')
    .option('--raw', 'with --log: print the output as the guest wrote it, terminal escape sequences included')
    .action(async (nameOrId, opts) => {
      const lines = opts.lines === undefined ? undefined : parseQuantity(opts.lines, null, '--lines');
      const client = await ctx.client();
      const found = await findServer(client, nameOrId);
      if (!opts.log) {
        const remote = await client.servers.vncConsole(found.id);
        ctx.output.message(remote.url, remote);
        return;
      }
      const output = await client.servers.consoleOutput(found.id, lines);
      if (ctx.output.json) return ctx.output.message('', { output });
      // The API returns the bytes as they are (as Nova does); a guest's escape sequences would
      // drive this terminal (ESC[6n makes it type a reply), so they are dropped unless --raw.
      const text = opts.raw ? output : printable(output);
      ctx.io.stdout(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    });
}
