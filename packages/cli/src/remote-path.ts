// Remote paths as kamaki writes them: `/CONTAINER/PATH` names the container, a path without
// a leading slash lies in the default container (`--container`, `pithos` unless given).
import { posix } from 'node:path';
import { UsageError } from './usage-error.ts';

export const DEFAULT_CONTAINER = 'pithos';

export interface RemotePath {
  container: string;
  /** The object's name; '' for the container itself. A trailing `/` means "inside this folder". */
  name: string;
}

/** `/photos/2024/a.jpg` → photos, 2024/a.jpg; `docs/a.txt` → (default container), docs/a.txt. */
export function parseRemotePath(text: string, defaultContainer = DEFAULT_CONTAINER): RemotePath {
  if (!text.startsWith('/')) return { container: defaultContainer, name: text };
  const [container = '', ...rest] = text.slice(1).split('/');
  if (!container) throw new UsageError(`invalid path: ${JSON.stringify(text)} (expected /CONTAINER/PATH or a path in --container)`);
  return { container, name: rest.join('/') };
}

/** The object a path names; UsageError if it names a container only. */
export function objectOf(text: string, defaultContainer = DEFAULT_CONTAINER): RemotePath {
  const path = parseRemotePath(text, defaultContainer);
  const name = path.name.replace(/\/+$/, '');
  if (!name) throw new UsageError(`${JSON.stringify(text)} names a container, not an object or folder`);
  return { container: path.container, name };
}

/** Where a copy of `sourceName` goes: into the folder when the target is a container or ends with `/`. */
export function targetName(target: RemotePath, sourceName: string): string {
  if (target.name === '' || target.name.endsWith('/')) return target.name + posix.basename(sourceName);
  return target.name;
}

/** How a remote path is shown to people: always with its container. */
export const showPath = (path: RemotePath) => `/${path.container}/${path.name}`;

/**
 * The local relative path of an object below `prefix`, or undefined when the name would
 * leave the download's directory (`..`, empty or absolute segments) and must be skipped.
 */
export function localRelative(name: string, prefix: string): string | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const segments = name.slice(prefix.length).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))) return undefined;
  return segments.join('/');
}
