// Synnefo's account API (/account/v1.0): resources and quotas. Reading one's own quotas needs
// any token, the resource list none; the rest is for admins.
import type { QuotaReport, ResourceDefaultsSet, ResourceDescription, ResourceList } from '@oceanos/contract';
import { segment, type HttpTransport } from './http-transport.ts';

/** user uuid → that user's quotas. */
export type UserQuotas = Record<string, QuotaReport>;

export class AccountApi {
  constructor(private readonly http: HttpTransport) {}

  /** Every resource the cloud accounts for, with its unit and defaults. */
  async resources(): Promise<ResourceList> {
    return this.http.json<ResourceList>('GET', '/account/v1.0/resources');
  }

  /** Changes a resource's default limits (admin). Returns the updated resource. */
  async setResourceDefaults(name: string, defaults: ResourceDefaultsSet): Promise<ResourceDescription> {
    const body = await this.http.json<ResourceList>('PATCH', `/account/v1.0/resources/${segment(name)}`, { body: defaults });
    return body[name]!;
  }

  /** The caller's limits, usage and pending amounts in each of their projects. */
  async quotas(): Promise<QuotaReport> {
    return this.http.json<QuotaReport>('GET', '/account/v1.0/quotas');
  }

  /** Quotas of every user, or of one user given by UUID (admin). */
  async serviceQuotas(userId?: string): Promise<UserQuotas> {
    return this.http.json<UserQuotas>('GET', '/account/v1.0/service_quotas', { query: { user: userId } });
  }

  /**
   * Sets a user's (by UUID or name) base limit on a resource; null returns it to the
   * resource's default (admin). Returns that user's quotas afterwards.
   */
  async setQuota(user: string, resource: string, limit: number | null): Promise<UserQuotas> {
    return this.http.json<UserQuotas>('PUT', `/account/v1.0/quotas/${segment(user)}/${segment(resource)}`, { body: { limit } });
  }
}
