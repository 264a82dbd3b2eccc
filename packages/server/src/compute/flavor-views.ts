// How flavors and their access lists look on the wire (Nova microversion 2.1, with the
// description of 2.55, which clients of 2.1 ignore).
import type { Flavor, Link } from '@oceanos/contract';
import type { FlavorRow } from './flavor-service.ts';
import { links, type ComputeUrls } from './server-views.ts';

export const flavorLinks = (urls: ComputeUrls, id: string): Link[] => links(urls, `/flavors/${id}`);

/** `GET /flavors`: the short form. */
export const flavorSummary = (row: FlavorRow, urls: ComputeUrls) => ({ id: row.id, name: row.name, links: flavorLinks(urls, row.id) });

/** `GET /flavors/detail` and `/flavors/{id}`. Swap is `""` when there is none, as before 2.75. */
export function flavorView(row: FlavorRow, urls: ComputeUrls): Flavor {
  return {
    id: row.id,
    name: row.name,
    ram: row.ram,
    disk: row.disk,
    vcpus: row.vcpus,
    swap: '',
    'OS-FLV-EXT-DATA:ephemeral': 0,
    'OS-FLV-DISABLED:disabled': false,
    rxtx_factor: 1.0,
    'os-flavor-access:is_public': row.is_public === 1,
    description: row.description,
    links: flavorLinks(urls, row.id),
  };
}

export const flavorAccessView = (flavorId: string, projects: string[]) => ({
  flavor_access: projects.map((tenant_id) => ({ flavor_id: flavorId, tenant_id })),
});
