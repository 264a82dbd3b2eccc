// `oceanos server wait`, and the waiting every `--wait` does: each change of a server's status
// or task goes to stderr as a line, so that stdout keeps only the command's result.
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { describeState, SERVER_STATUSES, type OceanosClient, type Server, type ServerStatus } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { parseQuantity } from '../quantity.ts';
import { CliError } from '../usage-error.ts';
import { findServer, labelled, SERVER_HELP } from './server-shared.ts';

const DEFAULT_TIMEOUT_S = 600;

/** `--timeout S` for every command that waits. */
export const timeoutOption = () => new Option('--timeout <seconds>', `how long to wait at most (default: ${DEFAULT_TIMEOUT_S})`);

export const timeoutMsOf = (text: string | undefined) => 1000 * (text === undefined ? DEFAULT_TIMEOUT_S : parseQuantity(text, null, '--timeout'));

/**
 * Waits until every server is in one of `target` with no task under way, showing each change
 * on stderr. Returns the servers as they then are (null: deleted). Throws CliError as soon as
 * one goes to ERROR (unless that is the target), naming its fault; WaitTimeoutError when the time is up.
 */
export async function waitForServers(
  ctx: Context, client: OceanosClient, servers: { id: string; name?: string }[], target: ServerStatus[], timeoutMs: number,
): Promise<(Server | null)[]> {
  const stop = new AbortController();
  const one = async ({ id, name }: { id: string; name?: string }) => {
    const label = labelled(id, name);
    const server = await client.servers.waitFor(id, target, {
      timeoutMs,
      signal: stop.signal,
      onChange: (s) => ctx.io.stderr(`${label}: ${s === null ? 'DELETED' : describeState(s)}\n`),
    });
    if (server?.status === 'ERROR' && !target.includes('ERROR')) {
      throw new CliError(`server ${label} went to ERROR: ${server.fault?.message ?? 'no fault recorded'}`);
    }
    return server;
  };
  return Promise.all(servers.map((s) => one(s).catch((error: unknown) => {
    // The first failure ends the wait for all: the others would only delay the report.
    stop.abort(error);
    throw error;
  })));
}

export function registerServerWaitCommand(server: CommandUnknownOpts, ctx: Context): void {
  server.command('wait').description('wait until a server reaches a status (ACTIVE by default; DELETED: until it is gone)')
    .argument('<server>', 'id or name')
    .addOption(new Option('--status <status>', 'the status to wait for').choices(SERVER_STATUSES).default('ACTIVE' as ServerStatus))
    .addOption(timeoutOption())
    .addHelpText('after', SERVER_HELP)
    .action(async (nameOrId, opts) => {
      const timeoutMs = timeoutMsOf(opts.timeout);
      const client = await ctx.client();
      const found = await findServer(client, nameOrId);
      const [reached] = await waitForServers(ctx, client, [found], [opts.status as ServerStatus], timeoutMs);
      if (reached) ctx.output.message(`Server ${labelled(found.id, found.name)} is ${reached.status}`, reached);
      else ctx.output.message(`Server ${labelled(found.id, found.name)} is deleted`, { id: found.id, status: 'DELETED' });
    });
}
