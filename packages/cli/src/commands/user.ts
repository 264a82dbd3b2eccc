// `oceanos user authenticate|info|renew-token`: who you are to the cloud, and your token.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Session } from '@oceanos/sdk';
import { isCloudName } from '../config-file.ts';
import type { Context } from '../context.ts';
import { utcTime } from '../terminal-text.ts';
import { UsageError } from '../usage-error.ts';

function showSession(ctx: Context, session: Session): void {
  ctx.output.record([
    ['User', session.user.name],
    ['User ID', session.user.id],
    ['Project', session.project ? `${session.project.name} (${session.project.id})` : 'none (unscoped token)'],
    ['Roles', session.roles.map((r) => r.name).join(', ')],
    ['Issued', utcTime(session.issuedAt)],
    ['Expires', utcTime(session.expiresAt)],
  ], { id: session.token, ...session.raw });
}

export function registerUserCommands(program: CommandUnknownOpts, ctx: Context): void {
  const user = program.command('user').description('your identity and your token');

  user.command('authenticate').description('log in with a password, storing the token as a cloud named after the user (or --cloud) that becomes the default; without --name, check the current token')
    .option('--name <name>', 'user name to log in as')
    .option('--password <password>', 'password to log in with (default: $OCEANOS_PASSWORD)')
    .action(async (opts) => {
      if (opts.name === undefined) {
        if (opts.password !== undefined) throw new UsageError('--password needs --name');
        showSession(ctx, await (await ctx.client()).identity.validate());
        return;
      }
      const password = opts.password ?? ctx.env.OCEANOS_PASSWORD;
      if (!password) throw new UsageError('no password: pass --password or set OCEANOS_PASSWORD');
      // The URL is the selected cloud's; the token goes to a cloud of the user's own, so that
      // logging in as another user never overwrites (and loses) the admin's login.
      const client = ctx.anonymousClient();
      const session = await client.identity.authenticate({ name: opts.name, password });
      const cloud = ctx.explicitCloud() ?? (isCloudName(opts.name) ? opts.name : 'default');
      ctx.saveToken(cloud, client.url, session.token, session.user.name, true);
      showSession(ctx, session);
      const others = ctx.config.clouds().filter((name) => name !== cloud);
      const back = others.length > 0 ? ` (other clouds: ${others.join(', ')}; switch with: oceanos config use NAME)` : '';
      ctx.output.message(`Token stored as cloud "${cloud}" in ${ctx.config.path}, now the default${back}`);
    });

  user.command('info').description('show who the current token belongs to')
    .action(async () => {
      const client = await ctx.client();
      const session = await client.identity.validate();
      const me = await client.users.get(session.user.id);
      ctx.output.record([
        ['ID', me.id],
        ['Name', me.name],
        ['Display name', me.display_name],
        ['Email', me.email],
        ['Admin', me.is_admin],
        ['Enabled', me.enabled],
        ['Default project', me.default_project_id],
        ['Token project', session.project?.name ?? 'none (unscoped token)'],
        ['Token expires', utcTime(session.expiresAt)],
      ], { user: me, token: session.raw });
    });

  user.command('renew-token').description('revoke every token of yours and get a fresh one')
    .action(async () => {
      const client = await ctx.client();
      const renewed = await client.identity.renewToken();
      const stored = ctx.tokenSource === 'config';
      const cloud = stored ? ctx.cloudName() : undefined;
      if (cloud !== undefined) ctx.saveToken(cloud, client.url, renewed.token, undefined, false);
      ctx.output.record([
        ['User ID', renewed.userId],
        ['Project', renewed.projectId],
        ['Expires', utcTime(renewed.expiresAt)],
        ...(stored ? [] : [['Token', renewed.token] as [string, string]]),
      ], renewed.raw);
      ctx.output.message(`Every earlier token of yours is revoked.${cloud ? ` The new one is stored for cloud "${cloud}".` : ''}`);
    });
}
