// Nova flavors: sizes of servers. Anyone lists the public ones and the private ones their
// project was given; creating, deleting and granting access need an admin token.
import { COMPUTE_PREFIX } from '@oceanos/contract';
import type { Flavor, FlavorAccess, NewFlavor } from './compute-types.ts';
import { segment, type HttpTransport } from './http-transport.ts';
import { findByNameOrId } from './name-lookup.ts';

const FLAVORS = `${COMPUTE_PREFIX}/flavors`;

export class FlavorsApi {
  constructor(private readonly http: HttpTransport) {}

  /** Every flavor the caller may use, with its sizes. */
  async list(): Promise<Flavor[]> {
    return (await this.http.json<{ flavors: Flavor[] }>('GET', `${FLAVORS}/detail`)).flavors;
  }

  async get(id: string): Promise<Flavor> {
    return (await this.http.json<{ flavor: Flavor }>('GET', `${FLAVORS}/${segment(id)}`)).flavor;
  }

  /** A flavor by id or exact name. Throws ApiError 404 if none matches, AmbiguousNameError if several do. */
  async find(nameOrId: string): Promise<Flavor> {
    return findByNameOrId('flavor', nameOrId, (id) => this.get(id), () => this.list());
  }

  /** Admin only. Throws ApiError 409 if the id or the name is taken. */
  async create(flavor: NewFlavor): Promise<Flavor> {
    const { isPublic, ...sizes } = flavor;
    const body = { flavor: { ...sizes, ...(isPublic === undefined ? {} : { 'os-flavor-access:is_public': isPublic }) } };
    return (await this.http.json<{ flavor: Flavor }>('POST', FLAVORS, { body })).flavor;
  }

  /** Admin only. Servers of the flavor keep running. */
  async delete(id: string): Promise<void> {
    await this.http.request('DELETE', `${FLAVORS}/${segment(id)}`);
  }

  /** The projects given access to a private flavor. */
  async access(id: string): Promise<FlavorAccess[]> {
    return (await this.http.json<{ flavor_access: FlavorAccess[] }>('GET', `${FLAVORS}/${segment(id)}/os-flavor-access`)).flavor_access;
  }

  /** Admin only: lets a project use a private flavor. Returns the flavor's access list. */
  async addAccess(id: string, projectId: string): Promise<FlavorAccess[]> {
    return this.accessAction(id, { addTenantAccess: { tenant: projectId } });
  }

  async removeAccess(id: string, projectId: string): Promise<FlavorAccess[]> {
    return this.accessAction(id, { removeTenantAccess: { tenant: projectId } });
  }

  private async accessAction(id: string, body: unknown): Promise<FlavorAccess[]> {
    return (await this.http.json<{ flavor_access: FlavorAccess[] }>('POST', `${FLAVORS}/${segment(id)}/action`, { body })).flavor_access;
  }
}
