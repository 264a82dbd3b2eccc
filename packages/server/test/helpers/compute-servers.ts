// Helpers of the servers API tests: a user's bootable image registered through Glance, Nova
// calls, waiting for a server, and quota usage as the account API reports it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestPlane } from './control-plane.ts';

export type User = { id: string; token: string };

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export function computeHelpers(plane: () => TestPlane) {
  /** A call to Nova, at microversion 2.1 unless `version` says otherwise. */
  const nova = (user: User, method: string, path: string, body?: unknown, version?: string) =>
    plane().call(method, `/compute/v2.1${path}`, {
      token: user.token, ...(body === undefined ? {} : { body }), ...(version === undefined ? {} : { headers: { 'openstack-api-version': `compute ${version}` } }),
    });

  /** A small active raw image of `user`'s, uploaded through Glance. */
  const image = async (user: User, attributes: Record<string, unknown> = {}): Promise<string> => {
    const made = await plane().call('POST', '/image/v2/images', { token: user.token, body: { name: 'tiny', disk_format: 'raw', container_format: 'bare', ...attributes } });
    assert.equal(made.status, 201, made.text);
    const upload = await plane().call('PUT', `/image/v2/images/${made.body.id}/file`, {
      token: user.token, rawBody: randomBytes(MiB), headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(upload.status, 204, upload.text);
    return made.body.id;
  };

  /** POSTs a server and expects 202; returns the answer's `server`. */
  const create = async (user: User, server: Record<string, unknown>) => {
    const res = await nova(user, 'POST', '/servers', { server: { name: 'vm', flavorRef: '1', ...server } });
    assert.equal(res.status, 202, res.text);
    return res.body.server as { id: string; adminPass: string; links: { rel: string; href: string }[] };
  };

  /** The server once its jobs are done. */
  const settled = async (user: User, id: string) => {
    await plane().jobs.idle(id);
    return show(user, id);
  };

  const show = async (user: User, id: string) => {
    const res = await nova(user, 'GET', `/servers/${id}`);
    assert.equal(res.status, 200, res.text);
    return res.body.server;
  };

  const action = (user: User, id: string, body: unknown) => nova(user, 'POST', `/servers/${id}/action`, body);

  /** Usage of each cyclades resource in the user's system project. */
  const usage = async (user: User): Promise<Record<string, number>> => {
    const res = await plane().call('GET', '/account/v1.0/quotas', { token: user.token });
    assert.equal(res.status, 200, res.text);
    const mine = res.body[user.id] as Record<string, { usage: number; pending: number }>;
    const out: Record<string, number> = {};
    for (const [name, entry] of Object.entries(mine)) {
      if (!name.startsWith('cyclades.') || name.includes('network') || name.includes('floating')) continue;
      assert.equal(entry.pending, 0, `${name} has a pending commission`);
      out[name.slice('cyclades.'.length)] = entry.usage;
    }
    return out;
  };

  const setLimit = async (user: User, resource: string, limit: number | null) => {
    const res = await plane().call('PUT', `/account/v1.0/quotas/${user.id}/${resource}`, { token: plane().adminToken, body: { limit } });
    assert.equal(res.status, 200, res.text);
  };

  return { nova, image, create, settled, show, action, usage, setLimit };
}

/** What a server of `vcpus`/`ramMiB`/`diskGiB` holds: stopped (running false) or running. */
export function held(vcpus: number, ramMiB: number, diskGiB: number, running: boolean): Record<string, number> {
  return {
    vm: 1, total_cpu: vcpus, total_ram: ramMiB * MiB, disk: diskGiB * GiB,
    cpu: running ? vcpus : 0, ram: running ? ramMiB * MiB : 0,
  };
}

export const NOTHING = { vm: 0, total_cpu: 0, total_ram: 0, disk: 0, cpu: 0, ram: 0 };
