// How servers look on the wire: Nova's view at the microversion asked (nova-versions.ts says
// which field from which version) on /compute/v2.1, Cyclades' on /compute/v2.0 (integer ids,
// STOPPED, Synnefo's own fields). One record behind both.
import { createHash } from 'node:crypto';
import type { Link, ServerFault } from '@oceanos/contract';
import type { FlavorRow } from './flavor-service.ts';
import { novaAtLeast, type ComputeApi } from './microversion.ts';
import { AVAILABILITY_ZONE, SINCE } from './nova-versions.ts';
import { cycladesStatus, serverStatus, synnefoTask } from './server-states.ts';
import { metadataOf, tagsOf, type ServerRow } from './server-store.ts';

/** Absolute URLs under the compute API the request came through (`/compute/v2.1` or `/compute/v2.0`). */
export interface ComputeUrls {
  /** `prefix + path`, absolute. */
  versioned(path: string): string;
  /** The same without the version, as Nova's bookmark links are. */
  bookmark(path: string): string;
}

/** What a view needs besides the row: the API asked for, its URLs, and the flavors by id. */
export interface ViewContext {
  api: ComputeApi;
  urls: ComputeUrls;
  /** The flavors by their id (Cyclades' integer flavor id, Nova's embedded flavor's extra specs). */
  flavors: ReadonlyMap<string, FlavorRow>;
  admin: boolean;
}

/** Which answer a view is for: Nova leaves fields out of some before 2.75 (nova-versions.ts). */
export type ServerForm = 'show' | 'detail' | 'update' | 'rebuild';

/** Nova writes times without fractions. */
export const novaTime = (iso: string) => `${iso.slice(0, 19)}Z`;
/** Nova's OS-SRV-USG times: microseconds, no zone. */
const usageTime = (iso: string | null) => (iso === null ? null : `${iso.slice(0, 23)}000`);
/** Synnefo's: Python's isoformat of an aware time. */
export const cycladesTime = (iso: string) => `${iso.slice(0, 23)}000+00:00`;

/** A record's self link (under the request's API version) and bookmark (without it). */
export const links = (urls: ComputeUrls, path: string): Link[] => [
  { rel: 'self', href: urls.versioned(path) },
  { rel: 'bookmark', href: urls.bookmark(path) },
];

/** The id a server has on the request's API: the integer on Cyclades', the UUID on Nova's. */
export const serverId = (row: Pick<ServerRow, 'id' | 'serial'>, api: ComputeApi): string | number => (api.synnefo ? row.serial : row.id);

/** A flavor's id on the request's API, for a server that may have outlived its flavor. */
export function flavorRef(flavorId: string, ctx: Pick<ViewContext, 'api' | 'flavors'>): string | number {
  if (!ctx.api.synnefo) return flavorId;
  return ctx.flavors.get(flavorId)?.serial ?? (/^\d+$/.test(flavorId) ? Number(flavorId) : flavorId);
}

export const serverLinks = (urls: ComputeUrls, id: string | number) => links(urls, `/servers/${id}`);

export function serverSummary(row: ServerRow, ctx: ViewContext) {
  const id = serverId(row, ctx.api);
  return { id, name: row.name, links: serverLinks(ctx.urls, id) };
}

export function serverView(row: ServerRow, ctx: ViewContext, form: ServerForm = 'show'): Record<string, unknown> {
  return ctx.api.synnefo ? cycladesServer(row, ctx) : novaServer(row, ctx, form);
}

/** Statuses in which Nova shows `progress`. */
const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);

function novaServer(row: ServerRow, ctx: ViewContext, form: ServerForm): Record<string, unknown> {
  const { api, urls } = ctx;
  const at = (since: string) => novaAtLeast(api, since);
  const status = serverStatus(row.vm_state, row.task_state);
  const fault: ServerFault | null = row.fault === null ? null : JSON.parse(row.fault);
  // Before 2.75 the answers to update and rebuild leave out the extensions' fields.
  const whole = form === 'show' || form === 'detail' || at(SINCE.fullServerAnswers);
  return {
    id: row.id,
    name: row.name,
    status,
    tenant_id: row.project_id,
    user_id: row.user_id,
    metadata: metadataOf(row),
    // Nova's opaque host id: the same for one project's servers on one host.
    hostId: createHash('sha224').update(`${row.project_id}${row.backend}`).digest('hex'),
    image: { id: row.image_id, links: [{ rel: 'bookmark', href: urls.bookmark(`/images/${row.image_id}`) }] },
    flavor: novaFlavor(row, ctx),
    created: novaTime(row.created_at),
    updated: novaTime(row.updated_at),
    addresses: {},
    accessIPv4: row.access_ipv4,
    accessIPv6: row.access_ipv6,
    links: serverLinks(urls, row.id),
    'OS-DCF:diskConfig': 'MANUAL',
    ...(PROGRESS_STATUSES.has(status) ? { progress: row.progress } : {}),
    ...(fault && (status === 'ERROR' || status === 'DELETED') ? { fault } : {}),
    ...(whole ? {
      'OS-EXT-AZ:availability_zone': AVAILABILITY_ZONE,
      config_drive: 'True',
      key_name: row.key_name,
      'OS-SRV-USG:launched_at': usageTime(row.launched_at),
      'OS-SRV-USG:terminated_at': usageTime(row.deleted_at),
      security_groups: [{ name: 'default' }],
      'OS-EXT-STS:task_state': row.task_state,
      'OS-EXT-STS:vm_state': row.vm_state,
      'OS-EXT-STS:power_state': row.power_state,
      'os-extended-volumes:volumes_attached': [],
    } : {}),
    ...(at(SINCE.locked) ? { locked: false } : {}),
    ...(at(SINCE.serverDescription) ? { description: row.description } : {}),
    ...(at(SINCE.serverTags) ? { tags: tagsOf(row) } : {}),
    ...(at(SINCE.trustedCertificates) ? { trusted_image_certificates: null } : {}),
    ...(at(SINCE.serverGroups) && form !== 'detail' ? { server_groups: [] } : {}),
    ...(at(SINCE.lockedReason) ? { locked_reason: null } : {}),
    ...(at(SINCE.hostname) && whole ? { 'OS-EXT-SRV-ATTR:hostname': row.hostname } : {}),
  };
}

/** The server's flavor: a reference before 2.47, then its sizes as the server has them. */
function novaFlavor(row: ServerRow, ctx: ViewContext) {
  if (!novaAtLeast(ctx.api, SINCE.embeddedFlavor)) {
    return { id: row.flavor_id, links: [{ rel: 'bookmark', href: ctx.urls.bookmark(`/flavors/${row.flavor_id}`) }] };
  }
  const flavor = ctx.flavors.get(row.flavor_id);
  return {
    vcpus: row.vcpus, ram: row.ram, disk: row.disk, ephemeral: 0, swap: 0, original_name: row.flavor_name,
    extra_specs: flavor ? JSON.parse(flavor.extra_specs) : {},
  };
}

/** Cyclades' `vm_to_dict` (detail): no networks or volumes here yet, so those lists are empty. */
function cycladesServer(row: ServerRow, ctx: ViewContext): Record<string, unknown> {
  const id = row.serial;
  const fault: ServerFault | null = row.fault === null ? null : JSON.parse(row.fault);
  const status = cycladesStatus(row.vm_state, row.task_state);
  const flavorId = flavorRef(row.flavor_id, ctx);
  return {
    id,
    name: row.name,
    links: serverLinks(ctx.urls, id),
    user_id: row.user_id,
    tenant_id: row.project_id,
    shared_to_project: false,
    status,
    'SNF:task_state': synnefoTask(row.task_state),
    progress: status === 'ACTIVE' ? 100 : row.progress,
    hostId: createHash('sha224').update(`${row.project_id}${row.backend}`).digest('hex'),
    updated: cycladesTime(row.updated_at),
    created: cycladesTime(row.created_at),
    flavor: { id: flavorId, links: links(ctx.urls, `/flavors/${flavorId}`) },
    image: { id: row.image_id, links: links(ctx.urls, `/images/${row.image_id}`) },
    suspended: false,
    metadata: metadataOf(row),
    attachments: [],
    addresses: {},
    volumes: [],
    // The last task's failure, as Cyclades reports the build log's.
    diagnostics: fault ? [{ source: 'oceanos', created: cycladesTime(fault.created), message: fault.message, details: '', level: 'ERROR' }] : [],
    security_groups: [{ name: 'default' }],
    key_name: row.key_name,
    config_drive: '',
    accessIPv4: row.access_ipv4,
    accessIPv6: row.access_ipv6,
    'SNF:fqdn': null,
    'SNF:port_forwarding': {},
    deleted: row.vm_state === 'deleted',
    tags: tagsOf(row),
  };
}
