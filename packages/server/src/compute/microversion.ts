// Which compute API a request speaks: Nova at /compute/v2.1 with the microversion it asked for
// (OpenStack-API-Version: compute X.Y, or X-OpenStack-Nova-API-Version: X.Y; 2.1 when absent),
// or Cyclades at /compute/v2.0. The answer of every /compute/v2.1 request names the version it
// was served in. What appears from which version is in nova-versions.ts.
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import { ApiError, badRequest } from '../http/errors.ts';

/** A microversion as a comparable number: 2.19 is 2019, 2.1 is 2001. */
export type Microversion = number;

export const MIN_VERSION = '2.1';
/**
 * The highest microversion served: every field and parameter up to it is real (nova-versions.ts).
 * 2.92 is also the newest that Debian's openstack CLI (python-novaclient 18) can ask for, so the
 * whole range is checked with a real client; 2.93 (rebuilding volume-backed servers) needs volumes.
 */
export const MAX_VERSION = '2.92';

export function parseVersion(text: string): Microversion | undefined {
  const match = /^([1-9]\d*)\.(0|[1-9]\d{0,2})$/.exec(text);
  return match ? Number(match[1]) * 1000 + Number(match[2]) : undefined;
}

const MIN = parseVersion(MIN_VERSION)!;
const MAX = parseVersion(MAX_VERSION)!;

export const versionText = (v: Microversion) => `${Math.floor(v / 1000)}.${v % 1000}`;

/** The API a request speaks; `synnefo` for /compute/v2.0 (Cyclades), else Nova at `version`. */
export interface ComputeApi {
  synnefo: boolean;
  version: Microversion;
}

const apis = new WeakMap<FastifyRequest, ComputeApi>();

/** The API of a request that came through a compute family (Nova 2.1 if the hook did not run). */
export const apiOf = (request: FastifyRequest): ComputeApi => apis.get(request) ?? { synnefo: false, version: MIN };

/** Whether the request's API is Nova at `since` or later (never for Cyclades). */
export const novaAtLeast = (api: ComputeApi, since: string): boolean => !api.synnefo && api.version >= parseVersion(since)!;

/** The version a Nova request asks for, from either header; 406 outside MIN..MAX, 400 if it does not parse. */
export function requestedVersion(headers: FastifyRequest['headers']): Microversion {
  const standard = header(headers['openstack-api-version']);
  let asked: string | undefined;
  if (standard !== undefined) {
    // "compute 2.60" (possibly among other services' entries, comma-separated).
    for (const entry of standard.split(',')) {
      const [service, value] = entry.trim().split(/\s+/, 2);
      if (service?.toLowerCase() === 'compute' && value !== undefined) asked = value;
    }
  }
  if (asked === undefined) asked = header(headers['x-openstack-nova-api-version'])?.trim();
  if (asked === undefined || asked === '') return MIN;
  if (asked.toLowerCase() === 'latest') return MAX;
  const version = parseVersion(asked);
  if (version === undefined) throw badRequest(`API Version String ${asked} is of invalid format. Must be of format MajorNum.MinorNum.`);
  if (version < MIN || version > MAX) {
    throw new ApiError('badRequest', `Version ${asked} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`, undefined, {}, 406);
  }
  return version;
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value);

/**
 * Marks every request of a compute family with its API. Nova's answers (errors included)
 * carry the version served and `Vary`, as Nova's do; an unsupported version is a 406.
 */
export function installApiVersions(app: App, synnefo: boolean): void {
  app.addHook('onRequest', async (request, reply) => {
    if (synnefo) {
      apis.set(request, { synnefo: true, version: MIN });
      return;
    }
    reply.header('vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
    const version = requestedVersion(request.headers);
    apis.set(request, { synnefo: false, version });
    reply.header('openstack-api-version', `compute ${versionText(version)}`);
    reply.header('x-openstack-nova-api-version', versionText(version));
  });
}
