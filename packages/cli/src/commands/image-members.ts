// `oceanos image members list|add|remove|accept|reject`: sharing an image with other users.
// Glance gives members only to images whose visibility is "shared"; the members see the image
// once they accept it.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { ImageMember } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { utcTime } from '../terminal-text.ts';

export function registerImageMemberCommands(image: CommandUnknownOpts, ctx: Context): void {
  const members = image.command('members').description('users an image is shared with');
  const table = (list: ImageMember[]) =>
    ctx.output.table(['Member', 'Status', 'Created', 'Updated'], list.map((m) => [m.member_id, m.status, utcTime(m.created_at), utcTime(m.updated_at)]), list, 'No members: the image is shared with nobody.');

  members.command('list').description("the image's members (yours only, if you are one)")
    .argument('<image>', 'id or name')
    .action(async (nameOrId) => {
      const client = await ctx.client();
      table(await client.images.members((await client.images.find(nameOrId)).id));
    });

  members.command('add').description('share an image with a user (a private image becomes shared)')
    .argument('<image>', 'id or name')
    .argument('<user>', "the user's UUID")
    .action(async (nameOrId, user) => {
      const client = await ctx.client();
      const found = await client.images.find(nameOrId);
      if (found.visibility === 'private') {
        await client.images.update(found.id, { visibility: 'shared' });
        if (!ctx.output.json) ctx.io.stderr(`Image ${found.id} was private: its visibility is now shared, so that it can have members\n`);
      }
      const member = await client.images.addMember(found.id, user);
      ctx.output.message(`Shared image ${found.id} with ${user} (pending until they accept it)`, member);
    });

  members.command('remove').description('stop sharing an image with a user')
    .argument('<image>', 'id or name')
    .argument('<user>', "the user's UUID")
    .action(async (nameOrId, user) => {
      const client = await ctx.client();
      const found = await client.images.find(nameOrId);
      await client.images.removeMember(found.id, user);
      ctx.output.message(`Stopped sharing image ${found.id} with ${user}`);
    });

  for (const [verb, description] of [['accept', 'accept an image shared with you: it then shows in your lists'], ['reject', 'reject an image shared with you']] as const) {
    members.command(verb).description(description)
      .argument('<image>', 'id or name')
      .action(async (nameOrId) => {
        const client = await ctx.client();
        const found = await client.images.find(nameOrId);
        const member = await (verb === 'accept' ? client.images.accept(found.id) : client.images.reject(found.id));
        ctx.output.message(`${verb === 'accept' ? 'Accepted' : 'Rejected'} image ${found.id}${found.name ? ` (${found.name})` : ''}`, member);
      });
  }
}
