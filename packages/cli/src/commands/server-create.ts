// `oceanos server create`: one server, or a cluster of N asked for all at once, optionally
// waited for until ACTIVE.
import { readFileSync } from 'node:fs';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ApiError, type NewServer, type OceanosClient, type PersonalityEntry, type ServerCreated } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { parseQuantity } from '../quantity.ts';
import { CliError, UsageError } from '../usage-error.ts';
import { collect, parseProperties } from './image-shared.ts';
import { findFlavor, findImage, SERVER_HELP } from './server-shared.ts';
import { timeoutMsOf, timeoutOption, waitForServers } from './server-wait.ts';

const CREATE_HELP = `${SERVER_HELP}
--personality LOCAL,REMOTE[,OWNER,GROUP,MODE] copies the local file LOCAL to REMOTE in the guest
at first boot, e.g. -p ~/.ssh/id_rsa.pub,/root/.ssh/authorized_keys,root,root,0600.
--cluster-size N creates NAME1 ... NAMEN with concurrent requests; if one fails, the others are
deleted again.`;

/** Reads a local file named on the command line; CliError if it cannot be read. */
function readLocal(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CliError(`cannot read ${option} file ${path}: ${(error as Error).message}`);
  }
}

/** `LOCAL,REMOTE[,OWNER,GROUP,MODE]` → the file to send; UsageError on any other shape. */
function parsePersonality(text: string): PersonalityEntry {
  const parts = text.split(',');
  const [local, remote, owner, group, mode] = parts;
  if (parts.length < 2 || parts.length > 5 || !local || !remote) throw new UsageError(`invalid --personality: ${JSON.stringify(text)} (expected LOCAL,REMOTE[,OWNER,GROUP,MODE])`);
  if (!remote.startsWith('/')) throw new UsageError(`invalid --personality: ${remote} is not an absolute path in the guest`);
  if (mode !== undefined && !/^[0-7]{3,4}$/.test(mode)) throw new UsageError(`invalid --personality: mode ${mode} is not octal, e.g. 0600`);
  return {
    path: remote, contents: readLocal(local, '--personality'),
    ...(owner ? { owner } : {}), ...(group ? { group } : {}), ...(mode ? { mode: parseInt(mode, 8) } : {}),
  };
}

/**
 * Sends every request at once. If any fails the ones made are deleted (a partial cluster is
 * not what was asked for) and the first failure is thrown, saying so.
 */
async function createAll(client: OceanosClient, requests: NewServer[]): Promise<(ServerCreated & { name: string })[]> {
  const results = await Promise.allSettled(requests.map(async (r) => ({ ...(await client.servers.create(r)), name: r.name })));
  const made = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return made;
  if (requests.length === 1) throw failed.reason;
  const undone = await Promise.allSettled(made.map((s) => client.servers.delete(s.id)));
  const left = made.filter((_, i) => undone[i]!.status === 'rejected').map((s) => s.id);
  const reason = failed.reason instanceof ApiError ? failed.reason.describe() : (failed.reason as Error).message;
  throw new CliError(`${requests.length - made.length} of ${requests.length} servers could not be created: ${reason}; `
    + (left.length > 0 ? `these could not be deleted again: ${left.join(', ')}` : `the ${made.length} created were deleted again`));
}

export function registerServerCreateCommand(server: CommandUnknownOpts, ctx: Context): void {
  server.command('create').description('create a server (or a cluster of them) from an image and a flavor')
    .requiredOption('--name <name>', "the server's name (with --cluster-size, the prefix of the names)")
    .requiredOption('--flavor <flavor>', 'flavor id or name')
    .requiredOption('--image <image>', 'image id or name')
    .option('--key-name <name>', 'a key pair of yours, put into the guest for SSH')
    .option('-p, --personality <LOCAL,REMOTE[,OWNER,GROUP,MODE]>', 'a file to put into the guest; repeat for more', collect, [] as string[])
    .option('--user-data <file>', 'a file handed to the guest as user data (cloud-init)')
    .option('--metadata <KEY=VALUE>', 'metadata of the server; repeat for more', collect, [] as string[])
    .option('--tag <tag>', 'a tag of the server; repeat for more', collect, [] as string[])
    .option('--admin-pass <password>', 'the root password (made up by the cloud by default)')
    .option('--cluster-size <n>', 'create this many servers, named NAME1 ... NAMEn')
    .option('-w, --wait', 'wait until every server is ACTIVE (exit 1 if one goes to ERROR)')
    .addOption(timeoutOption())
    .addHelpText('after', CREATE_HELP)
    .action(async (opts) => {
      const size = opts.clusterSize === undefined ? undefined : parseQuantity(opts.clusterSize, null, '--cluster-size');
      if (size !== undefined && size < 1) throw new UsageError('invalid --cluster-size: 0 (at least 1)');
      const timeoutMs = timeoutMsOf(opts.timeout);
      const base = {
        metadata: parseProperties(opts.metadata, '--metadata'),
        keyName: opts.keyName,
        personality: opts.personality.length > 0 ? opts.personality.map(parsePersonality) : undefined,
        userData: opts.userData === undefined ? undefined : readLocal(opts.userData, '--user-data'),
        tags: opts.tag.length > 0 ? opts.tag : undefined,
        adminPass: opts.adminPass,
      };
      const client = await ctx.client();
      const [flavor, image] = await Promise.all([findFlavor(client, opts.flavor), findImage(client, opts.image)]);
      const names = size === undefined ? [opts.name] : Array.from({ length: size }, (_, i) => `${opts.name}${i + 1}`);
      const created = await createAll(client, names.map((name) => ({ ...base, name, flavorRef: flavor.id, imageRef: image.id })));
      ctx.output.table(['ID', 'Name', 'Admin password'], created.map((s) => [s.id, s.name, s.adminPass]), size === undefined ? created[0] : created);
      if (!opts.wait) return;
      await waitForServers(ctx, client, created, ['ACTIVE'], timeoutMs);
    });
}
