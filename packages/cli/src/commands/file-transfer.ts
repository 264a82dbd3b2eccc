// `oceanos file upload|download`, of one file or (-r) a directory tree. Uploads send only the
// blocks the server lacks; downloads are verified and can be resumed. A progress bar goes to
// stderr when it is a terminal (or with --progress).
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { isSubdir, type DownloadResult, type StorageApi, type TransferProgress, type UploadResult } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import { ProgressBar } from '../progress-bar.ts';
import { formatQuantity } from '../quantity.ts';
import { DEFAULT_CONTAINER, localRelative, objectOf, parseRemotePath, showPath } from '../remote-path.ts';
import { CliError, UsageError } from '../usage-error.ts';
import { CONTAINER_HELP, DIRECTORY_TYPE, ensureContainer, resolveTarget, unless404 } from './file-shared.ts';

const size = (n: number) => formatQuantity(n, 'bytes');

/** Runs one transfer with a progress bar when one is wanted: --progress, or by default on a terminal. */
export async function withProgress<T>(ctx: Context, wanted: boolean | undefined, label: string, run: (onProgress?: (p: TransferProgress) => void) => Promise<T>): Promise<T> {
  if (!(wanted ?? ctx.io.stderrColumns !== undefined)) return run();
  const bar = new ProgressBar(ctx.io.stderr, label, ctx.io.stderrColumns ?? 80);
  try {
    return await run((p) => bar.update(p));
  } finally {
    bar.finish();
  }
}

export async function localStat(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`);
  }
}

/** Every regular file and directory under `dir`, parents before children, in name order. */
async function walk(dir: string, relative = ''): Promise<{ path: string; relative: string; isDirectory: boolean }[]> {
  const out: { path: string; relative: string; isDirectory: boolean }[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    const path = join(dir, entry);
    const rel = relative ? `${relative}/${entry}` : entry;
    const info = await stat(path);
    if (info.isDirectory()) out.push({ path, relative: rel, isDirectory: true }, ...(await walk(path, rel)));
    else if (info.isFile()) out.push({ path, relative: rel, isDirectory: false });
  }
  return out;
}

export function registerFileTransferCommands(file: CommandUnknownOpts, ctx: Context): void {
  file.command('upload').description('upload a file (or with -r a directory), sending only the blocks the server lacks')
    .argument('<local>', 'local file or directory')
    .argument('[remote]', 'object path, or a container or folder (ending with "/") to put it in (default: its name in --container)')
    .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
    .option('-r, --recursive', 'upload a directory and everything in it, creating folders')
    .option('--content-type <type>', 'content type of the objects (default: guessed from the name)')
    .option('--concurrency <n>', 'blocks sent at once', '4')
    .option('--progress', 'draw a progress bar on stderr even when it is not a terminal')
    .option('--no-progress', 'never draw a progress bar')
    .action(async (local, remoteText, opts) => {
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError(`invalid --concurrency: ${opts.concurrency} (expected 1 to 64)`);
      const info = await localStat(local);
      if (info.isDirectory() && !opts.recursive) throw new UsageError(`${local} is a directory: use -r to upload it with its contents`);
      const storage = (await ctx.client()).storage;
      const remote = parseRemotePath(remoteText ?? '', opts.container);
      await ensureContainer(storage, remote.container);
      const root = await resolveTarget(storage, remote, basename(resolve(local)));
      const upload = (path: string, name: string) => withProgress(ctx, opts.progress, basename(path), (onProgress) =>
        storage.uploadFile(path, remote.container, name, { contentType: opts.contentType, concurrency, onProgress }));

      const results: (UploadResult & { file: string })[] = [];
      if (!info.isDirectory()) {
        results.push({ file: local, ...(await upload(local, root)) });
      } else {
        await storage.createFolder(remote.container, root);
        for (const entry of await walk(local)) {
          const name = `${root}/${entry.relative}`;
          if (entry.isDirectory) await storage.createFolder(remote.container, name);
          else results.push({ file: entry.path, ...(await upload(entry.path, name)) });
        }
      }
      const rows = results.map((r) => [r.file, showPath(r), size(r.bytes), `${r.blocksSent} of ${r.blocks}`]);
      ctx.output.table(['File', 'Object', 'Size', 'Blocks sent'], rows, results);
    });

  file.command('download').description('download an object (or with -r a folder), verified against the server\'s block hashes')
    .argument('<remote>', 'object path (with -r: a folder, or /CONTAINER for all of it)')
    .argument('[local]', 'file or directory to write (default: the object\'s name in the current directory)')
    .option('--container <name>', CONTAINER_HELP, DEFAULT_CONTAINER)
    .option('-r, --recursive', 'download a folder and everything in it')
    .option('--resume', 'continue a partial download (FILE.part, or FILE itself), keeping the blocks that match')
    .option('--object-version <id>', 'download an older version')
    .option('--progress', 'draw a progress bar on stderr even when it is not a terminal')
    .option('--no-progress', 'never draw a progress bar')
    .action(async (remoteText, localText, opts) => {
      const remote = opts.recursive ? parseRemotePath(remoteText, opts.container) : objectOf(remoteText, opts.container);
      const name = remote.name.replace(/\/+$/, '');
      const storage = (await ctx.client()).storage;
      const download = (objectName: string, path: string) => withProgress(ctx, opts.progress, basename(path), (onProgress) =>
        storage.downloadFile(remote.container, objectName, path, { resume: opts.resume, version: opts.objectVersion, onProgress }));

      // Like cp: into an existing directory, else under the given name.
      let target = localText ?? basename(name || remote.container);
      if (localText !== undefined && (await stat(localText).catch(() => undefined))?.isDirectory()) target = join(localText, basename(name || remote.container));

      const results: DownloadResult[] = [];
      if (!opts.recursive) {
        if ((await storage.objectInfo(remote.container, name, { version: opts.objectVersion })).contentType === DIRECTORY_TYPE) {
          throw new UsageError(`${showPath(remote)} is a folder: use -r to download it with its contents`);
        }
        results.push(await download(name, target));
      } else {
        const marker = name ? await unless404(storage.objectInfo(remote.container, name)) : undefined;
        // -r on a plain object downloads just that object, as cp -r does.
        if (marker && marker.contentType !== DIRECTORY_TYPE) results.push(await download(name, target));
        else results.push(...(await downloadTree(storage, remote.container, name, target, download)));
        if (results.length === 0 && !marker) throw new CliError(`nothing to download: no objects under ${showPath({ ...remote, name })}`);
      }
      const rows = results.map((r) => [showPath(r), r.path, size(r.bytes), r.resumedFrom > 0 ? `${size(r.bytesReceived)} (resumed at ${size(r.resumedFrom)})` : size(r.bytesReceived)]);
      ctx.output.table(['Object', 'File', 'Size', 'Received'], rows, results);
    });
}

/** Downloads every object under `name/` into `target`, recreating its folders. Skips names that would escape `target`. */
async function downloadTree(storage: StorageApi, container: string, name: string, target: string, download: (objectName: string, path: string) => Promise<DownloadResult>): Promise<DownloadResult[]> {
  const prefix = name ? `${name}/` : '';
  const results: DownloadResult[] = [];
  const entries = await storage.listObjects(container, { prefix: prefix || undefined });
  await mkdir(target, { recursive: true });
  for (const entry of entries) {
    if (isSubdir(entry)) continue;
    const relative = localRelative(entry.name, prefix);
    if (relative === undefined) continue;
    const path = join(target, relative);
    if (entry.content_type === DIRECTORY_TYPE) {
      await mkdir(path, { recursive: true });
    } else {
      await mkdir(dirname(path), { recursive: true });
      results.push(await download(entry.name, path));
    }
  }
  return results;
}
