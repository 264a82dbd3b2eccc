// `oceanos admin user create|list|show|modify|delete` (admin token required).
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { User } from '@oceanos/contract';
import type { UserPatch } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { UsageError } from '../usage-error.ts';

function showUser(ctx: Context, user: User): void {
  ctx.output.record([
    ['ID', user.id],
    ['Name', user.name],
    ['Display name', user.display_name],
    ['Email', user.email],
    ['Description', user.description],
    ['Enabled', user.enabled],
    ['Admin', user.is_admin],
    ['Default project', user.default_project_id],
  ], user);
}

export function registerAdminUserCommands(admin: CommandUnknownOpts, ctx: Context): void {
  const users = admin.command('user').description('manage users');

  users.command('create').description('create a user (with their system project)')
    .argument('<name>')
    .option('--password <password>', 'password (without one the user cannot log in with a password)')
    .option('--email <email>')
    .option('--display-name <text>')
    .option('--description <text>')
    .option('--admin', 'make the user a cloud administrator')
    .option('--disabled', 'create the user disabled')
    .action(async (name, opts) => {
      const client = await ctx.client();
      showUser(ctx, await client.users.create({
        name, password: opts.password, email: opts.email, display_name: opts.displayName, description: opts.description,
        is_admin: opts.admin, enabled: opts.disabled ? false : undefined,
      }));
    });

  users.command('list').description('list users')
    .action(async () => {
      const list = await (await ctx.client()).users.list();
      const rows = list.map((u) => [u.id, u.name, u.display_name, u.email, u.enabled, u.is_admin]);
      ctx.output.table(['ID', 'Name', 'Display name', 'Email', 'Enabled', 'Admin'], rows, list, 'No users.');
    });

  users.command('show').description('show one user')
    .argument('<name-or-id>')
    .action(async (who) => {
      showUser(ctx, await (await ctx.client()).users.find(who));
    });

  users.command('modify').description('change a user; a new password or --disable revokes their tokens')
    .argument('<name-or-id>')
    .option('--name <new-name>', 'rename the user')
    .option('--password <password>')
    .option('--email <email>')
    .option('--display-name <text>')
    .option('--description <text>')
    .addOption(new Option('--enable', 'enable the user').conflicts('disable'))
    .addOption(new Option('--disable', 'disable the user (revokes their tokens)'))
    .option('--admin', 'make the user a cloud administrator')
    .option('--no-admin', 'take the administrator role away')
    .action(async (who, opts) => {
      const patch: UserPatch = {
        name: opts.name, password: opts.password, email: opts.email, display_name: opts.displayName, description: opts.description,
        enabled: opts.enable ? true : opts.disable ? false : undefined, is_admin: opts.admin,
      };
      if (Object.values(patch).every((v) => v === undefined)) throw new UsageError('nothing to modify: give at least one option (see --help)');
      const client = await ctx.client();
      const user = await client.users.find(who);
      showUser(ctx, await client.users.update(user.id, patch));
    });

  users.command('delete').description('delete a user')
    .argument('<name-or-id>')
    .action(async (who) => {
      const client = await ctx.client();
      const user = await client.users.find(who);
      await client.users.delete(user.id);
      ctx.output.message(`Deleted user ${user.name} (${user.id})`);
    });
}
