// `oceanos file list|info|copy|move|delete|mkdir|publish|unpublish|share` (upload and
// download are in file-transfer.ts). Paths: `/CONTAINER/PATH`, or PATH in --container.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ApiError, isSubdir, type ObjectInfo } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { formatQuantity } from '../quantity.ts';
import { DEFAULT_CONTAINER, objectOf, parseRemotePath, showPath } from '../remote-path.ts';
import { utcTime } from '../terminal-text.ts';
import { timeOption } from '../time-option.ts';
import { UsageError } from '../usage-error.ts';
import { CONTAINER_HELP, ensureContainer, resolveTarget } from './file-shared.ts';
import { registerFileTransferCommands } from './file-transfer.ts';

const PATHS_HELP = `
Remote paths are /CONTAINER/PATH (e.g. /photos/2024/beach.jpg); a path without a leading "/"
is in the container given by --container, "${DEFAULT_CONTAINER}" by default (docs/a.txt is /${DEFAULT_CONTAINER}/docs/a.txt).`;

const size = (n: number) => formatQuantity(n, 'bytes');
const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);

function showObject(ctx: Context, info: ObjectInfo): void {
  ctx.output.record([
    ['Path', showPath(info)],
    ['Size', `${size(info.bytes)} (${info.bytes} bytes)`],
    ['Type', info.contentType],
    ['Modified', utcTime(info.lastModified)],
    ['MD5', info.etag],
    ['Hash', info.hash],
    ['UUID', info.uuid],
    ['Version', info.version],
    ['Readers', info.sharing?.read.join(', ')],
    ['Writers', info.sharing?.write.join(', ')],
    ['Public URL', info.publicUrl],
    ...Object.entries(info.meta).map(([k, v]): [string, string] => [`Meta ${k}`, v]),
  ], info);
}

export function registerFileCommands(program: CommandUnknownOpts, ctx: Context): void {
  const file = program.command('file').description('files in your storage (Pithos+): upload, download, share, publish')
    .addHelpText('after', PATHS_HELP);
  registerFileTransferCommands(file, ctx);

  file.command('list').description('list objects, optionally under a folder or prefix')
    .argument('[path]', '/CONTAINER, /CONTAINER/PREFIX or a PREFIX in --container')
    .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
    .option('--prefix <text>', 'only names that start with this (after the PREFIX of the path)')
    .option('--delimiter <char>', 'fold names at this character into folders (e.g. /)')
    .option('--limit <n>', 'at most this many entries')
    .action(async (pathText, opts) => {
      const path = parseRemotePath(pathText ?? '', opts.container);
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError(`invalid --limit: ${opts.limit} (expected a positive whole number)`);
      const prefix = path.name + (opts.prefix ?? '');
      const entries = await (await ctx.client()).storage.listObjects(path.container, { prefix: prefix || undefined, delimiter: opts.delimiter, limit });
      const rows = entries.map((e) => (isSubdir(e) ? [e.subdir, null, 'folder', null] : [e.name, size(e.bytes), e.content_type, utcTime(e.last_modified)]));
      ctx.output.table(['Name', 'Size', 'Type', 'Modified'], rows, entries, `No objects in ${showPath({ container: path.container, name: prefix })}.`);
    });

  file.command('info').description("show an object's size, type, hashes, sharing, public link and metadata")
    .argument('<path>')
    .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
    .option('--object-version <id>', 'an older version (see X-Object-Version)')
    .action(async (pathText, opts) => {
      const path = objectOf(pathText, opts.container);
      showObject(ctx, await (await ctx.client()).storage.objectInfo(path.container, path.name, { version: opts.objectVersion }));
    });

  for (const [verb, description] of [['copy', 'copy an object on the server (no data moves)'], ['move', 'move or rename an object on the server']] as const) {
    file.command(verb).description(description)
      .argument('<source>')
      .argument('<destination>', 'an object path, or a container or folder (ending with "/") to put it in')
      .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
      .option('--source-account <uuid>', "the source is in this user's account (shared with you)")
      .action(async (sourceText, destinationText, opts) => {
        const source = objectOf(sourceText, opts.container);
        const destination = parseRemotePath(destinationText, opts.container);
        const storage = (await ctx.client()).storage;
        const name = await resolveTarget(storage, destination, source.name);
        const from = { ...source, account: opts.sourceAccount };
        await (verb === 'copy' ? storage.copyObject(from, destination.container, name) : storage.moveObject(from, destination.container, name));
        const to = { container: destination.container, name };
        ctx.output.message(`${verb === 'copy' ? 'Copied' : 'Moved'} ${showPath(source)} to ${showPath(to)}`, { from, to });
      });
  }

  file.command('delete').description('delete an object, or with -r a folder and everything in it')
    .argument('<path>')
    .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
    .option('-r, --recursive', 'also delete every object under the folder (a bare /CONTAINER empties the container)')
    .action(async (pathText, opts) => {
      const path = opts.recursive ? parseRemotePath(pathText, opts.container) : objectOf(pathText, opts.container);
      const storage = (await ctx.client()).storage;
      const name = path.name.replace(/\/+$/, '');
      const names = opts.recursive ? (await storage.listObjects(path.container, { prefix: name ? `${name}/` : undefined })).flatMap((e) => (isSubdir(e) ? [] : [e.name])) : [];
      // Deepest first, so that no folder marker outlives what it holds.
      for (const each of names.reverse()) await storage.deleteObject(path.container, each);
      if (name) {
        await storage.deleteObject(path.container, name).catch((e: unknown) => {
          // A folder need not have a marker of its own.
          if (!(e instanceof ApiError && e.status === 404 && names.length > 0)) throw e;
        });
      }
      const count = names.length + (name ? 1 : 0);
      ctx.output.message(opts.recursive ? `Deleted ${showPath({ ...path, name })} (${names.length} object(s) under it)` : `Deleted ${showPath(path)}`, { deleted: count });
    });

  file.command('purge').description('drop the old versions of an object (they count against your quota); the current one stays')
    .argument('<path>')
    .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
    .option('--before <time>', 'only versions written up to this time (ISO 8601; default: now)')
    .action(async (pathText, opts) => {
      const path = objectOf(pathText, opts.container);
      await (await ctx.client()).storage.purgeHistory(path.container, path.name, timeOption(opts.before));
      ctx.output.message(`Dropped the old versions of ${showPath(path)}`);
    });

  file.command('mkdir').description('create a folder (an empty object of type application/directory)')
    .argument('<path>')
    .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
    .action(async (pathText, opts) => {
      const path = objectOf(pathText, opts.container);
      const storage = (await ctx.client()).storage;
      await ensureContainer(storage, path.container);
      await storage.createFolder(path.container, path.name);
      ctx.output.message(`Created folder ${showPath(path)}`);
    });

  file.command('publish').description('make an object readable by anyone with its link, and print the link')
    .argument('<path>')
    .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
    .action(async (pathText, opts) => {
      const path = objectOf(pathText, opts.container);
      const url = await (await ctx.client()).storage.publish(path.container, path.name);
      ctx.output.message(url, { url });
    });

  file.command('unpublish').description("revoke an object's public link")
    .argument('<path>')
    .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
    .action(async (pathText, opts) => {
      const path = objectOf(pathText, opts.container);
      await (await ctx.client()).storage.unpublish(path.container, path.name);
      ctx.output.message(`Unpublished ${showPath(path)}`);
    });

  file.command('share').description('set who may read and write an object (replaces its sharing)')
    .argument('<path>')
    .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
    .option('--read <grantees>', 'comma-separated user UUIDs, ACCOUNT:GROUP or * (everyone)')
    .option('--write <grantees>', 'the same, for writing (which includes reading)')
    .option('--clear', 'stop sharing the object')
    .option('--with-history', 'grantees also read the versions written before this share (by default: the current one and later)')
    .action(async (pathText, opts) => {
      if (opts.clear ? opts.read !== undefined || opts.write !== undefined : opts.read === undefined && opts.write === undefined) {
        throw new UsageError('give --read and/or --write, or --clear alone');
      }
      const path = objectOf(pathText, opts.container);
      const storage = (await ctx.client()).storage;
      await storage.setSharing(path.container, path.name, { read: list(opts.read), write: list(opts.write) }, { shareHistory: opts.withHistory === true });
      showObject(ctx, await storage.objectInfo(path.container, path.name));
    });
}
