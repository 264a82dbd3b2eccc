// `oceanos config set|get|list|delete`: the clouds this CLI knows and their tokens.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { checkKey } from '../config-file.ts';
import type { Context } from '../context.ts';
import { CliError, UsageError } from '../usage-error.ts';

// Shown in tables only; `config get` and JSON give the whole token.
const mask = (key: string, value: string) => (key.endsWith('.token') && value.length > 8 ? `${value.slice(0, 4)}…(${value.length} chars)` : value);

export function registerConfigCommands(program: CommandUnknownOpts, ctx: Context): void {
  const config = program.command('config').description('read and change the CLI configuration (clouds, URLs, tokens)')
    .addHelpText('after', '\nKeys: default_cloud, cloud.<name>.url, cloud.<name>.token, cloud.<name>.user.\nFile: $OCEANOS_CONFIG, else ${XDG_CONFIG_HOME:-~/.config}/oceanos/config.json');

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
      ctx.output.table(['Key', 'Value'], entries.map(([k, v]) => [k, mask(k, v)]), Object.fromEntries(entries), `No configuration yet (${ctx.config.path}).`);
    });

  config.command('use').description('make a cloud the default (commands without --cloud use it); without a name, list the clouds')
    .argument('[name]')
    .action((name) => {
      const clouds = ctx.config.clouds();
      if (name === undefined) {
        const current = ctx.cloudName();
        const rows = clouds.map((c) => [c === current ? `* ${c}` : `  ${c}`, ctx.config.get(`cloud.${c}.url`), ctx.config.get(`cloud.${c}.user`)]);
        const data = clouds.map((c) => ({ name: c, url: ctx.config.get(`cloud.${c}.url`), user: ctx.config.get(`cloud.${c}.user`), current: c === current }));
        ctx.output.table(['Cloud', 'URL', 'User'], rows, data, 'No clouds configured: oceanos user authenticate --name NAME makes one.');
        return;
      }
      if (!clouds.includes(name)) {
        const known = clouds.length > 0 ? `known: ${clouds.join(', ')}` : 'none is configured';
        throw new UsageError(`no cloud "${name}" in ${ctx.config.path} (${known}): oceanos --cloud ${name} user authenticate --name NAME makes one`);
      }
      ctx.config.update({ default_cloud: name });
      const user = ctx.config.get(`cloud.${name}.user`);
      ctx.output.message(`Commands now use cloud "${name}"${user === undefined ? '' : ` (user ${user})`}`, { default_cloud: name });
    });

  config.command('delete').description('remove a configuration key')
    .argument('<key>')
    .action((key) => {
      checkKey(key);
      if (ctx.config.get(key) === undefined) throw new CliError(`${key} is not set in ${ctx.config.path}`);
      ctx.config.update({ [key]: undefined });
    });
}
