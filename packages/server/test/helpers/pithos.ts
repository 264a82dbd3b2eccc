// Short forms for tests that drive the Swift API of an in-process plane as several users, and
// look at what the store and the database hold.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestPlane } from './control-plane.ts';

export interface TestUser { id: string; token: string }

export type Call = (method: string, path: string, options?: { headers?: Record<string, string>; body?: Buffer | string }) => ReturnType<TestPlane['call']>;

/** `/object-store/v1/<account>[/<path>]` */
export const storageUrl = (account: string, path = '') => `/object-store/v1/${account}${path ? `/${path}` : ''}`;

/** Calls as `user` (or without a token when `user` is undefined). */
export const callAs = (plane: TestPlane, user: TestUser | undefined): Call =>
  (method, path, options = {}) => plane.call(method, path, { token: user?.token, headers: options.headers, rawBody: options.body });

/** The user's pithos.diskspace entry in their system project: limit, usage, pending. */
export async function diskspace(plane: TestPlane, user: TestUser): Promise<{ limit: number; usage: number; pending: number }> {
  return (await plane.call('GET', '/account/v1.0/quotas', { token: user.token })).body[user.id]['pithos.diskspace'];
}

/** The path of the public link an object carries (its owner's HEAD shows it). */
export async function publicPath(call: Call, objectUrl: string): Promise<string> {
  const link = (await call('HEAD', objectUrl)).headers['x-object-public'];
  if (typeof link !== 'string') throw new Error(`${objectUrl} has no public link`);
  return new URL(link).pathname;
}

/** The hashes of the blocks the local block store holds under `dataDir`. */
export function storedBlocks(dataDir: string): Set<string> {
  const out = new Set<string>();
  const root = join(dataDir, 'blocks');
  if (!existsSync(root)) return out;
  for (const a of readdirSync(root)) {
    if (a === 'tmp') continue;
    for (const b of readdirSync(join(root, a))) for (const hash of readdirSync(join(root, a, b))) out.add(hash);
  }
  return out;
}

/** Every block hash some kept version references, from the database. */
export async function referencedBlocks(plane: TestPlane): Promise<Set<string>> {
  const out = new Set<string>();
  for (const { hashes } of await plane.database.db.selectFrom('pithos_versions').select('hashes').execute()) {
    for (let i = 0; i < hashes.length; i += 64) out.add(hashes.slice(i, i + 64));
  }
  return out;
}

/** The bytes of an account's kept versions (current and history), from the database. */
export async function keptBytes(plane: TestPlane, account: string): Promise<number> {
  const row = await plane.database.db.selectFrom('pithos_versions').select((eb) => eb.fn.sum<number>('size').as('bytes'))
    .where('account', '=', account).executeTakeFirst();
  return Number(row?.bytes ?? 0);
}

/** Sets a user's pithos.diskspace limit as the admin. */
export async function setDiskspace(plane: TestPlane, user: TestUser, limit: number): Promise<void> {
  const res = await plane.call('PUT', `/account/v1.0/quotas/${user.id}/pithos.diskspace`, { token: plane.adminToken, body: { limit } });
  if (res.status >= 300) throw new Error(`setting the quota failed: ${res.status} ${res.text}`);
}
