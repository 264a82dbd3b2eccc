// Keystone v3 users. Listing, creating, modifying and deleting need an admin token; a user
// may read their own record and change their own password.
import type { User, UserCreate, UserUpdate } from '@oceanos/contract';
import { ApiError } from './api-error.ts';
import { segment, type HttpTransport } from './http-transport.ts';
import { UUID } from './name-lookup.ts';

export type NewUser = UserCreate['user'];
export type UserPatch = UserUpdate['user'];

export class UsersApi {
  constructor(private readonly http: HttpTransport) {}

  async list(filter: { name?: string; enabled?: boolean } = {}): Promise<User[]> {
    const query = { name: filter.name, enabled: filter.enabled === undefined ? undefined : String(filter.enabled) };
    return (await this.http.json<{ users: User[] }>('GET', '/identity/v3/users', { query })).users;
  }

  /** By UUID only; see find() for names. */
  async get(id: string): Promise<User> {
    return (await this.http.json<{ user: User }>('GET', `/identity/v3/users/${segment(id)}`)).user;
  }

  /**
   * Resolves a user given by UUID or by name. The server looks users up by UUID only, so a
   * name costs a (admin-only) listing. Throws ApiError 404 if neither matches.
   */
  async find(nameOrId: string): Promise<User> {
    if (UUID.test(nameOrId)) {
      try {
        return await this.get(nameOrId);
      } catch (error) {
        // A name may look like a UUID; fall through to the lookup by name.
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
    }
    const [user] = await this.list({ name: nameOrId });
    if (!user) throw new ApiError({ status: 404, kind: 'notFound', title: 'Not Found', message: `Could not find user: ${nameOrId}` });
    return user;
  }

  async create(user: NewUser): Promise<User> {
    return (await this.http.json<{ user: User }>('POST', '/identity/v3/users', { body: { user } })).user;
  }

  /** Changing the password or disabling the user revokes their tokens. */
  async update(id: string, patch: UserPatch): Promise<User> {
    return (await this.http.json<{ user: User }>('PATCH', `/identity/v3/users/${segment(id)}`, { body: { user: patch } })).user;
  }

  async delete(id: string): Promise<void> {
    await this.http.request('DELETE', `/identity/v3/users/${segment(id)}`);
  }

  /** Changes one's own password; the old one must be given. */
  async changePassword(id: string, originalPassword: string, password: string): Promise<void> {
    await this.http.request('POST', `/identity/v3/users/${segment(id)}/password`, {
      body: { user: { original_password: originalPassword, password } },
    });
  }
}
