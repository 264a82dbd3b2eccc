// What the file commands share: folder markers, the --container help, and where a copy goes.
import { posix } from 'node:path';
import { ApiError, type StorageApi } from '@oceanos/sdk';
import { DEFAULT_CONTAINER, targetName, type RemotePath } from '../remote-path.ts';
import { CliError } from '../usage-error.ts';

/** The content type of folder markers (Pithos, kamaki and the web UI agree on it). */
export const DIRECTORY_TYPE = 'application/directory';

export const CONTAINER_HELP = 'container of paths without a leading "/"';

/** Resolves to undefined instead of failing when the server answers 404. */
export async function unless404<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/**
 * The object name a copy of `sourceName` gets at `target`: inside it when the target is a
 * container, ends with "/" or is an existing folder, else the target itself.
 */
export async function resolveTarget(storage: StorageApi, target: RemotePath, sourceName: string): Promise<string> {
  const name = targetName(target, sourceName);
  if (name !== target.name) return name;
  const existing = await unless404(storage.objectInfo(target.container, name));
  return existing?.contentType === DIRECTORY_TYPE ? `${name}/${posix.basename(sourceName)}` : name;
}

/**
 * Synnefo gives every account a `pithos` container; here the first write into the default
 * container creates it. Other containers are created explicitly (`oceanos container create`):
 * CliError saying so if `container` does not exist, where the API's 404 would not say which
 * of container and object is missing.
 */
export async function ensureContainer(storage: StorageApi, container: string): Promise<void> {
  if (container === DEFAULT_CONTAINER) {
    await storage.createContainer(container);
  } else if ((await unless404(storage.containerInfo(container))) === undefined) {
    throw new CliError(`container "${container}" does not exist: create it with \`oceanos container create ${container}\` (or write to the default container "${DEFAULT_CONTAINER}")`);
  }
}
