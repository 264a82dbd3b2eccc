// `oceanos image list|info|modify|delete` (register, upload and download are in
// image-transfer.ts, members in image-members.ts). An image is given by id or by exact name.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { imageProperties, parseLocation, type Image } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { CliError, UsageError } from '../usage-error.ts';
import { registerImageMemberCommands } from './image-members.ts';
import {
  collect, parseProperties, propertyName, showImage, showLocation, size, visibilityOf, wholeNumber, withVisibilityOptions,
} from './image-shared.ts';
import { registerImageTransferCommands } from './image-transfer.ts';

const IMAGE_HELP = `
IMAGE is an image id, or the exact name of an image you can see (an error if several have it).
Property names are upper case, as Synnefo writes them: --property osfamily=linux sets OSFAMILY.`;

/** Case-insensitive on names, exact on values: see propertyName. */
function hasProperties(image: Image, wanted: Record<string, string>): boolean {
  const own = Object.entries(imageProperties(image));
  return Object.entries(wanted).every(([key, value]) => own.some(([k, v]) => k.toLowerCase() === key.toLowerCase() && v === value));
}

export function registerImageCommands(program: CommandUnknownOpts, ctx: Context): void {
  const image = program.command('image').description('images: register and upload disk images (Plankton), list, share them')
    .addHelpText('after', IMAGE_HELP);

  withVisibilityOptions(image.command('list').description('list the images you can see: yours, public ones and those shared with you'), (v) => `only ${v} images`)
    .option('--name <name>', 'only images with this exact name')
    .option('--owner <uuid>', "only this user's images")
    .option('--property <KEY=VALUE>', 'only images with this property; repeat for more', collect, [] as string[])
    .option('--pending', 'only images shared with you that you have not accepted yet (see `image members accept`)')
    .action(async (opts) => {
      const wanted = parseProperties(opts.property);
      const client = await ctx.client();
      const visibility = visibilityOf(opts) ?? (opts.pending ? 'shared' : undefined);
      // Properties are filtered here: the server matches their names exactly, and their case varies.
      const images = (await client.images.list({ name: opts.name, owner: opts.owner, visibility, memberStatus: opts.pending ? 'pending' : undefined }))
        .filter((i) => hasProperties(i, wanted));
      ctx.output.table(['ID', 'Name', 'Status', 'Size', 'Visibility'], images.map((i) => [i.id, i.name, i.status, size(i.size), i.visibility]), images, 'No images.');
    });

  image.command('info').description('show every field of an image, its file and its properties')
    .argument('<image>', 'id or name')
    .action(async (nameOrId) => {
      const client = await ctx.client();
      const found = await client.images.find(nameOrId);
      showImage(ctx, found, await client.images.location(found.id), await client.storage.accountId());
    });

  registerImageTransferCommands(image, ctx);

  withVisibilityOptions(image.command('modify').description("change an image's name, properties, visibility, minimums or tags"), (v) => `make the image ${v}`)
    .argument('<image>', 'id or name')
    .option('--name <name>', 'rename it')
    .option('--property <KEY=VALUE>', 'set a property; repeat for more', collect, [] as string[])
    .option('--property-del <KEY>', 'remove a property; repeat for more', collect, [] as string[])
    .option('--min-disk <GiB>', 'the smallest disk a VM of this image needs')
    .option('--min-ram <MiB>', 'the least RAM a VM of this image needs')
    .option('--tag <tag>', 'add a tag; repeat for more', collect, [] as string[])
    .option('--tag-del <tag>', 'remove a tag; repeat for more', collect, [] as string[])
    .option('--protected', 'protect the image from deletion')
    .option('--no-protected', 'allow the image to be deleted')
    .action(async (nameOrId, opts) => {
      const set = parseProperties(opts.property);
      const attributes = { name: opts.name, visibility: visibilityOf(opts), min_disk: wholeNumber(opts.minDisk, '--min-disk'), min_ram: wholeNumber(opts.minRam, '--min-ram'), protected: opts.protected };
      const tagsChange = opts.tag.length > 0 || opts.tagDel.length > 0;
      if (Object.values(attributes).every((v) => v === undefined) && !tagsChange && Object.keys(set).length === 0 && opts.propertyDel.length === 0) {
        throw new UsageError('nothing to change: give --name, --property, --property-del, a visibility, --min-disk, --min-ram, --tag, --tag-del or --[no-]protected');
      }
      const client = await ctx.client();
      const current = await client.images.find(nameOrId);
      const missingTag = opts.tagDel.find((t) => !current.tags.includes(t));
      if (missingTag !== undefined) throw new CliError(`image ${current.id} has no tag ${missingTag}`);
      const updated = await client.images.update(current.id, {
        ...attributes,
        tags: tagsChange ? [...new Set([...current.tags, ...opts.tag])].filter((t) => !opts.tagDel.includes(t)) : undefined,
        properties: Object.fromEntries(Object.entries(set).map(([k, v]) => [propertyName(current, k), v])),
        removeProperties: opts.propertyDel.map((k) => propertyName(current, k)),
      });
      showImage(ctx, updated, await client.images.location(updated.id), await client.storage.accountId());
    });

  image.command('delete').description('unregister an image; its file stays in your storage unless --delete-file')
    .argument('<image>', 'id or name')
    .option('--delete-file', "also delete the image's file from your storage")
    .action(async (nameOrId, opts) => {
      const client = await ctx.client();
      const found = await client.images.find(nameOrId);
      const location = await client.images.location(found.id);
      await client.images.unregister(found.id);
      const file = location ? parseLocation(location) : undefined;
      const shown = showLocation(location, await client.storage.accountId());
      const what = `Deleted image ${found.id}${found.name ? ` (${found.name})` : ''}`;
      if (!file) return ctx.output.message(`${what}; it had no file`, { id: found.id, location, fileDeleted: false });
      if (!opts.deleteFile) return ctx.output.message(`${what}; its file ${shown} stays (--delete-file deletes it too)`, { id: found.id, location, fileDeleted: false });
      await client.storage.forAccount(file.account).deleteObject(file.container, file.name);
      ctx.output.message(`${what} and its file ${shown}`, { id: found.id, location, fileDeleted: true });
    });

  registerImageMemberCommands(image, ctx);
}
