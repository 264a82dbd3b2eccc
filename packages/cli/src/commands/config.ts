// `oceanos config set|get|list|delete`: the clouds this CLI knows and their tokens.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { checkKey } from '../config-file.ts';
import type { Context } from '../context.ts';
import { CliError, UsageError } from '../usage-error.ts';

// Shown in tables only; `config get` and JSON give the whole token.
const mask = (key: string, value: string) => (key.endsWith('.token') && value.length > 8 ? `${value.slice(0, 4)}…(${value.length} chars)` : value);

export function registerConfigCommands(program: CommandUnknownOpts, ctx: Context): void {
  const config = program.command('config').description('read and change the CLI configuration (clouds, URLs, tokens)')
    .addHelpText('after', '\nKeys: default_cloud, cloud.<name>.url, cloud.<name>.token.\nFile: $OCEANOS_CONFIG, else ${XDG_CONFIG_HOME:-~/.config}/oceanos/config.json');

  config.command('set').description('set a configuration key')
    .argument('<key>').argument('<value>')
    .action((key, value) => {
      checkKey(key);
      if (key.endsWith('.url')) {
        if (!/^https?:\/\/[^/\s]+/.test(value)) throw new UsageError(`invalid URL: ${value} (expected http://HOST:PORT or https://...)`);
        value = value.replace(/\/+$/, '');
      }
      ctx.config.update({ [key]: value });
    });

  config.command('get').description('print the value of a configuration key')
    .argument('<key>')
    .action((key) => {
      checkKey(key);
      const value = ctx.config.get(key);
      if (value === undefined) throw new CliError(`${key} is not set in ${ctx.config.path}`);
      ctx.output.message(value, value);
    });

  config.command('list').description('list every configuration key')
    .action(() => {
      const entries = ctx.config.entries();
      ctx.output.table(['Key', 'Value'], entries.map(([k, v]) => [k, mask(k, v)]), Object.fromEntries(entries));
    });

  config.command('delete').description('remove a configuration key')
    .argument('<key>')
    .action((key) => {
      checkKey(key);
      if (ctx.config.get(key) === undefined) throw new CliError(`${key} is not set in ${ctx.config.path}`);
      ctx.config.update({ [key]: undefined });
    });
}
