// Short forms for tests that drive the Swift API of an in-process plane as several users.
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
