// `oceanos <noun> <verb>`: assembles the commands and turns every failure into one line on
// stderr and an exit code (0 ok, 1 the request failed, 2 the command line is wrong).
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import packageJson from '../package.json' with { type: 'json' };
import { ApiError, TransferError, WaitTimeoutError } from '@oceanos/sdk';
import { registerAdminFlavorCommands } from './commands/admin-flavor.ts';
import { registerAdminQuotaCommands } from './commands/admin-quota.ts';
import { registerAdminCapacityCommand, registerAdminReconcileCommands } from './commands/admin-reconcile.ts';
import { registerAdminResourceCommands } from './commands/admin-resource.ts';
import { registerAdminUserCommands } from './commands/admin-user.ts';
import { registerConfigCommands } from './commands/config.ts';
import { registerContainerCommands } from './commands/container.ts';
import { registerFileCommands } from './commands/file.ts';
import { registerFlavorCommands } from './commands/flavor.ts';
import { registerImageCommands } from './commands/image.ts';
import { registerKeypairCommands } from './commands/keypair.ts';
import { registerQuotaCommands } from './commands/quota.ts';
import { registerResourceCommands } from './commands/resource.ts';
import { registerServerCommands } from './commands/server.ts';
import { registerUserCommands } from './commands/user.ts';
import { Context } from './context.ts';
import type { Io } from './output.ts';
import { CliError, UsageError } from './usage-error.ts';

// Imported, not read from disk: the compiled client is one file that carries it along.
const VERSION = packageJson.version;

const processIo = (): Io => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stderrColumns: process.stderr.isTTY ? process.stderr.columns || 80 : undefined,
});

function buildProgram(io: Io) {
  const program = new Command('oceanos')
    .description('Command line client of an oceanos cloud (`oceanos serve` runs one)')
    .version(VERSION)
    // Set before adding subcommands, which inherit them: commander must neither exit nor print to the console itself.
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (text, write) => write(text.replace(/^error: /, 'oceanos: ')),
    })
    .option('--cloud <name>', 'cloud of the config file to use (default: $OCEANOS_CLOUD, then default_cloud)')
    .option('--url <url>', 'base URL of the cloud (default: $OCEANOS_URL, then the config file)')
    .option('--token <token>', 'token to send (default: $OCEANOS_TOKEN, then the config file)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json'] as const).default('table' as const));
  const ctx = new Context(io, () => program.opts());

  registerConfigCommands(program, ctx);
  registerUserCommands(program, ctx);
  registerQuotaCommands(program, ctx);
  registerResourceCommands(program, ctx);
  registerContainerCommands(program, ctx);
  registerFileCommands(program, ctx);
  registerImageCommands(program, ctx);
  registerServerCommands(program, ctx);
  registerFlavorCommands(program, ctx);
  registerKeypairCommands(program, ctx);
  const admin = program.command('admin').description('cloud administration (needs an admin token)');
  registerAdminUserCommands(admin, ctx);
  registerAdminQuotaCommands(admin, ctx);
  registerAdminResourceCommands(admin, ctx);
  registerAdminFlavorCommands(admin, ctx);
  registerAdminReconcileCommands(admin, ctx);
  registerAdminCapacityCommand(admin, ctx);
  program.addHelpText('after', '\nWithout a token, a sourced admin-openrc.sh (OS_AUTH_URL, OS_USERNAME, OS_PASSWORD) is used to log in.');
  return { program, ctx };
}

/** Runs one command line (without `node` and the script). Never exits the process. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const { program, ctx } = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return report(error, ctx);
  }
}

/** What to do about an API error that the person at the terminal can act on. */
function apiErrorHint(error: ApiError, ctx: Context): string {
  if (error.kind === 'unauthorized' && ctx.tokenSource === 'config') return ' Log in again: oceanos user authenticate --name NAME';
  const who = ctx.identity();
  if (error.kind !== 'forbidden' || who === undefined) return '';
  // Most 403s at a terminal are an admin command sent with another user's token.
  const clouds = ctx.config.clouds();
  const other = clouds.length > 1 ? `another cloud (${clouds.join(', ')}): oceanos --cloud NAME ..., or oceanos config use NAME` : 'another user: oceanos user authenticate --name NAME';
  return ` Sent as ${who}; to act as ${other}`;
}

function report(error: unknown, ctx: Context): number {
  const fail = (message: string, code: number) => {
    ctx.io.stderr(`oceanos: ${message}\n`);
    return code;
  };
  // Commander has already printed its message (or the help).
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof UsageError) return fail(error.message, 2);
  if (error instanceof ApiError) {
    return fail(`${error.describe()}${apiErrorHint(error, ctx)}`, 1);
  }
  if (error instanceof CliError || error instanceof TransferError || error instanceof WaitTimeoutError) return fail(error.message, 1);
  const e = error as Error;
  return fail(`unexpected error: ${ctx.io.env.OCEANOS_DEBUG ? e.stack : e.message}`, 1);
}
