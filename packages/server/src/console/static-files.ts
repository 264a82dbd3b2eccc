// Read-only files under a few fixed folders, for the console pages and noVNC's modules.
import { readFile, realpath } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { notFound } from '../http/errors.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The bytes and content type of `relative` inside `root`. Throws notFound for anything that is
 * not a regular file of a served type lying inside root once links are resolved (`..`, absolute
 * paths, symlinks pointing out).
 */
export async function readStaticFile(root: string, relative: string): Promise<{ body: Buffer; type: string }> {
  const missing = () => notFound(`No such file: ${relative}`);
  const type = CONTENT_TYPES[extname(relative).toLowerCase()];
  if (!type || relative.includes('\0')) throw missing();
  const base = await realpath(root);
  try {
    const path = await realpath(resolve(base, relative));
    if (!path.startsWith(base + sep)) throw missing();
    return { body: await readFile(path), type };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') throw missing();
    throw error;
  }
}
