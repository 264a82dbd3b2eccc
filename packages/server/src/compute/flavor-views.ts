// How flavors and their access lists look on the wire: Nova's at the microversion asked
// (description from 2.55, extra_specs from 2.61, swap 0 rather than "" from 2.75), Cyclades'
// on /compute/v2.0 (integer ids, SNF:disk_template, SNF:allow_create).
import type { FlavorRow } from './flavor-service.ts';
import { novaAtLeast } from './microversion.ts';
import { SINCE } from './nova-versions.ts';
import { links, type ViewContext } from './server-views.ts';

type FlavorContext = Pick<ViewContext, 'api' | 'urls'>;

/** A flavor's id on the request's API: the integer on Cyclades'. */
const idOf = (row: FlavorRow, ctx: FlavorContext): string | number => (ctx.api.synnefo ? row.serial : row.id);

/** Cyclades' disk template: a server's disk is a file (a qcow2 overlay) on the host. */
const DISK_TEMPLATE = 'file';

/** `GET /flavors`: the short form. */
export function flavorSummary(row: FlavorRow, ctx: FlavorContext) {
  const id = idOf(row, ctx);
  return {
    id, name: row.name, links: links(ctx.urls, `/flavors/${id}`),
    ...(novaAtLeast(ctx.api, SINCE.flavorDescription) ? { description: row.description } : {}),
  };
}

/** `GET /flavors/detail` and `/flavors/{id}`. */
export function flavorView(row: FlavorRow, ctx: FlavorContext): Record<string, unknown> {
  const at = (since: string) => novaAtLeast(ctx.api, since);
  const id = idOf(row, ctx);
  const common = { id, name: row.name, links: links(ctx.urls, `/flavors/${id}`), ram: row.ram, disk: row.disk, vcpus: row.vcpus, 'os-flavor-access:is_public': row.is_public === 1 };
  if (ctx.api.synnefo) return { ...common, 'SNF:disk_template': DISK_TEMPLATE, 'SNF:allow_create': true };
  return {
    ...common,
    swap: at(SINCE.fullServerAnswers) ? 0 : '',
    'OS-FLV-EXT-DATA:ephemeral': 0,
    'OS-FLV-DISABLED:disabled': false,
    rxtx_factor: 1.0,
    ...(at(SINCE.flavorDescription) ? { description: row.description } : {}),
    ...(at(SINCE.flavorExtraSpecs) ? { extra_specs: JSON.parse(row.extra_specs) } : {}),
  };
}

export const flavorAccessView = (flavorId: string, projects: string[]) => ({
  flavor_access: projects.map((tenant_id) => ({ flavor_id: flavorId, tenant_id })),
});
