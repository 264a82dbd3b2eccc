// How servers look on the wire (Nova v2.1 with Synnefo's extensions).
import { createHash } from 'node:crypto';
import type { Link, Server, ServerFault, ServerSummary } from '@oceanos/contract';
import { serverStatus, synnefoTask } from './server-states.ts';
import { metadataOf, tagsOf, type ServerRow } from './server-store.ts';

/** Absolute URLs under the compute API the request came through (`/compute/v2.1` or `/compute/v2.0`). */
export interface ComputeUrls {
  /** `prefix + path`, absolute. */
  versioned(path: string): string;
  /** The same without the version, as Nova's bookmark links are. */
  bookmark(path: string): string;
}

/** Nova writes times without fractions. */
export const novaTime = (iso: string) => `${iso.slice(0, 19)}Z`;

/** A record's self link (under the request's API version) and bookmark (without it). */
export const links = (urls: ComputeUrls, path: string): Link[] => [
  { rel: 'self', href: urls.versioned(path) },
  { rel: 'bookmark', href: urls.bookmark(path) },
];

export const serverLinks = (urls: ComputeUrls, id: string) => links(urls, `/servers/${id}`);

export function serverSummary(row: ServerRow, urls: ComputeUrls): ServerSummary {
  return { id: row.id, name: row.name, links: serverLinks(urls, row.id) };
}

export function serverView(row: ServerRow, urls: ComputeUrls): Server {
  const fault: ServerFault | null = row.fault === null ? null : JSON.parse(row.fault);
  return {
    id: row.id,
    name: row.name,
    status: serverStatus(row.vm_state, row.task_state),
    tenant_id: row.project_id,
    user_id: row.user_id,
    image: { id: row.image_id, links: [{ rel: 'bookmark', href: urls.bookmark(`/images/${row.image_id}`) }] },
    flavor: { id: row.flavor_id, links: [{ rel: 'bookmark', href: urls.bookmark(`/flavors/${row.flavor_id}`) }] },
    metadata: metadataOf(row),
    addresses: {},
    accessIPv4: '',
    accessIPv6: '',
    created: novaTime(row.created_at),
    updated: novaTime(row.updated_at),
    // Nova's opaque host id: the same for one project's servers on one host.
    hostId: createHash('sha224').update(`${row.project_id}${row.backend}`).digest('hex'),
    key_name: row.key_name,
    progress: row.progress,
    config_drive: 'True',
    links: serverLinks(urls, row.id),
    'OS-EXT-STS:vm_state': row.vm_state,
    'OS-EXT-STS:task_state': row.task_state,
    'OS-EXT-STS:power_state': row.power_state,
    'OS-SRV-USG:launched_at': row.launched_at === null ? null : row.launched_at.slice(0, 23),
    'OS-SRV-USG:terminated_at': row.deleted_at === null ? null : row.deleted_at.slice(0, 23),
    'OS-DCF:diskConfig': 'MANUAL',
    'os-extended-volumes:volumes_attached': [],
    security_groups: [{ name: 'default' }],
    'SNF:task_state': synnefoTask(row.task_state),
    ...(fault ? { fault } : {}),
    tags: tagsOf(row),
  };
}
