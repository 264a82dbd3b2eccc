// `oceanos serve`: the one command that runs the server rather than calling it. It is kept
// apart so that the rest of the CLI depends only on the SDK and the wire contract.
import { Command, CommanderError } from '@commander-js/extra-typings';
import { ConfigError, serve } from '@oceanos/server';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('oceanos serve')
    .exitOverride()
    .description('Run the oceanos control plane')
    .option('--data-dir <dir>', 'where the database, blocks and credentials live', './data')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8585')
    .option('--config <file>', 'JSON configuration file');
  try {
    program.parse(argv.slice(1), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  const opts = program.opts();
  try {
    await serve({ dataDir: opts.dataDir, listen: opts.listen, configFile: opts.config });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`oceanos serve: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`oceanos serve: ${(error as Error).message}\n`);
    return 1;
  }
  return 0;
}
