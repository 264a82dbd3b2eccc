// `oceanos image register|upload|download`. Upload is kamaki's flow: the file goes into
// Pithos+ by hashmap (only the blocks the server lacks are sent) and is then registered with
// Plankton, so uploading an image the cloud already holds costs almost nothing.
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { OceanosClient, RegisterOptions, RegisteredImage, UploadResult } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { parseRemotePath, showPath } from '../remote-path.ts';
import { UsageError } from '../usage-error.ts';
import { localStat, withProgress } from './file-transfer.ts';
import { resolveTarget, unless404 } from './file-shared.ts';
import { IMAGE_CONTAINER, registerOptionsOf, showLocation, size, withRegisterOptions } from './image-shared.ts';

const CONTAINER_HELP = 'container of locations without a leading "/"';

function showRegistered(ctx: Context, image: RegisteredImage, account: string, created: boolean, upload?: UploadResult): void {
  ctx.output.record([
    ['ID', image.id],
    ['Name', image.name],
    ['Status', image.status],
    ['Location', showLocation(image.location, account)],
    ['Size', `${size(image.size)} (${image.size} bytes)`],
    ['Checksum (MD5)', image.checksum],
    ['Disk format', image.disk_format],
    ['Container format', image.container_format],
    ['Public', image.is_public],
    ['Registered', created ? 'new image' : 'existing image updated'],
    ...(upload ? [['Blocks sent', `${upload.blocksSent} of ${upload.blocks}`] as [string, string]] : []),
    ...Object.entries(image.properties).map(([k, v]): [string, string] => [`Property ${k}`, v]),
  ], { created, image, ...(upload ? { upload } : {}) });
}

/**
 * Registers the file at `container`/`name`, telling a new image from a refreshed one: Plankton
 * answers 200 to both (kamaki accepts nothing else), and an image's id is its file's UUID, so
 * whether an image of that id existed before says which it is.
 */
async function registerFile(client: OceanosClient, container: string, name: string, options: RegisterOptions): Promise<{ image: RegisteredImage; created: boolean }> {
  const uuid = (await unless404(client.storage.objectInfo(container, name)))?.uuid;
  const existed = uuid !== undefined && (await unless404(client.images.location(uuid))) !== undefined;
  const { image } = await client.images.register(options);
  return { image, created: !existed };
}

export function registerImageTransferCommands(image: CommandUnknownOpts, ctx: Context): void {
  withRegisterOptions(image.command('register').description('make an image of a file already in your storage'))
    .requiredOption('--name <name>', 'name of the image')
    .requiredOption('--location <path>', 'the file: /CONTAINER/PATH, pithos://ACCOUNT/CONTAINER/PATH or PATH in --container')
    .option('--container <name>', CONTAINER_HELP, IMAGE_CONTAINER)
    .action(async (opts) => {
      const pithos = /^pithos:\/\/[^/]+\/([^/]+)\/(.+)$/.exec(opts.location);
      const file = pithos ? { container: pithos[1]!, name: pithos[2]! } : parseRemotePath(opts.location, opts.container);
      const location = pithos ? opts.location : showPath(file);
      const client = await ctx.client();
      const { image: registered, created } = await registerFile(client, file.container, file.name, registerOptionsOf(opts, opts.name, location));
      showRegistered(ctx, registered, await client.storage.accountId(), created);
    });

  withRegisterOptions(image.command('upload').description('upload a disk image file to your storage (only the blocks it lacks) and register it'))
    .argument('<file>', 'local image file')
    .option('--name <name>', 'name of the image (default: the file\'s name)')
    .option('--container <name>', 'container to upload into', IMAGE_CONTAINER)
    .option('--location <path>', 'object path, or a folder ending with "/" (default: the file\'s name in --container)')
    .option('--progress', 'draw a progress bar on stderr even when it is not a terminal')
    .option('--no-progress', 'never draw a progress bar')
    .action(async (local, opts) => {
      if ((await localStat(local)).isDirectory()) throw new UsageError(`${local} is a directory, not an image file`);
      if (opts.location?.startsWith('pithos://')) throw new UsageError('--location of an upload is a path in your own storage: /CONTAINER/PATH or PATH in --container');
      const client = await ctx.client();
      const storage = client.storage;
      const target = parseRemotePath(opts.location ?? '', opts.container);
      await storage.createContainer(target.container);
      const name = await resolveTarget(storage, target, basename(resolve(local)));
      const upload = await withProgress(ctx, opts.progress, basename(local), (onProgress) => storage.uploadFile(local, target.container, name, { onProgress }));
      const path = showPath({ container: target.container, name });
      // The size guards against the file being replaced between the upload and the registration.
      const options = { ...registerOptionsOf(opts, opts.name ?? basename(local), path), size: upload.bytes };
      const { image: registered, created } = await registerFile(client, target.container, name, options);
      showRegistered(ctx, registered, await storage.accountId(), created, upload);
    });

  image.command('download').description("download an image's data, verified against its checksum")
    .argument('<image>', 'id or name')
    .argument('<file>', 'local file to write, or a directory to put it in under the image\'s name')
    .option('--progress', 'draw a progress bar on stderr even when it is not a terminal')
    .option('--no-progress', 'never draw a progress bar')
    .action(async (nameOrId, local, opts) => {
      const client = await ctx.client();
      const found = await client.images.find(nameOrId);
      const isDirectory = (await stat(local).catch(() => undefined))?.isDirectory();
      const path = isDirectory ? join(local, basename(found.name || found.id)) : local;
      const result = await withProgress(ctx, opts.progress, basename(path), (onProgress) => client.images.download(found.id, path, { onProgress }));
      ctx.output.table(['Image', 'File', 'Size', 'MD5'], [[result.id, result.path, size(result.bytes), result.checksum]], result);
    });
}
