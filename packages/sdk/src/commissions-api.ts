// Quota commissions (/account/v1.0/commissions): services reserve resources for a user, then
// accept the reservation once the work is done or reject it to give it back. Admin only.
import type { BulkCommissionResult, Commission, CommissionRequest } from '@oceanos/contract';
import { segment, type HttpTransport } from './http-transport.ts';

export class CommissionsApi {
  constructor(private readonly http: HttpTransport) {}

  /**
   * Reserves every provision or none. Returns the serial of the pending commission (already
   * accepted with auto_accept). Throws ApiError 413 (overLimit, with the limit and usage in
   * `data`) if a provision does not fit.
   */
  async issue(request: CommissionRequest): Promise<number> {
    return (await this.http.json<{ serial: number }>('POST', '/account/v1.0/commissions', { body: request })).serial;
  }

  /** Serials of the caller's pending commissions. */
  async pending(): Promise<number[]> {
    return this.http.json<number[]>('GET', '/account/v1.0/commissions');
  }

  async get(serial: number): Promise<Commission> {
    return this.http.json<Commission>('GET', `/account/v1.0/commissions/${segment(serial)}`);
  }

  async accept(serial: number): Promise<void> {
    await this.http.request('POST', `/account/v1.0/commissions/${segment(serial)}/action`, { body: { accept: '' } });
  }

  async reject(serial: number): Promise<void> {
    await this.http.request('POST', `/account/v1.0/commissions/${segment(serial)}/action`, { body: { reject: '' } });
  }

  /** Resolves many at once; a serial that fails is reported in `failed`, not thrown. */
  async resolve(actions: { accept?: number[]; reject?: number[] }): Promise<BulkCommissionResult> {
    return this.http.json<BulkCommissionResult>('POST', '/account/v1.0/commissions/action', { body: actions });
  }
}
