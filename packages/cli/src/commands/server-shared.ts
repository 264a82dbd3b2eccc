// What the server commands share: turning a typed name into an id, and how servers and
// flavors are shown.
import { AmbiguousNameError, type Flavor, type OceanosClient, type Server } from '@oceanos/sdk';
import type { Context } from '../context.ts';
import type { Cell } from '../output.ts';
import { utcTime } from '../terminal-text.ts';
import { UsageError } from '../usage-error.ts';

export const SERVER_HELP = `
SERVER is a server id, or the exact name of one of your servers (an error if several have it).
FLAVOR and IMAGE likewise take an id or a name (see \`oceanos flavor list\`, \`oceanos image list\`).`;

/**
 * Runs a lookup by name or id; a name that several records have is a mistake on the command
 * line (UsageError, listing their ids). Other failures pass through.
 */
async function resolve<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AmbiguousNameError) throw new UsageError(error.message);
    throw error;
  }
}

export const findServer = (client: OceanosClient, nameOrId: string) => resolve(client.servers.find(nameOrId));
export const findFlavor = (client: OceanosClient, nameOrId: string) => resolve(client.flavors.find(nameOrId));
export const findImage = (client: OceanosClient, nameOrId: string) => resolve(client.images.find(nameOrId));

/** `name (id)`, or the id alone when there is no name. */
export const labelled = (id: string, name: string | null | undefined) => (name ? `${name} (${id})` : id);

/** Flavor and image names by id, for showing servers; what cannot be read shows as ids. */
export async function namesOf(client: OceanosClient): Promise<{ flavor(id: string): string; image(id: string): string }> {
  const [flavors, images] = await Promise.all([
    client.flavors.list().catch(() => [] as Flavor[]),
    client.images.list().catch(() => []),
  ]);
  const flavorNames = new Map(flavors.map((f) => [f.id, f.name]));
  const imageNames = new Map(images.map((i) => [i.id, i.name]));
  return { flavor: (id) => flavorNames.get(id) ?? id, image: (id) => imageNames.get(id) ?? id };
}

export const imageId = (server: Server) => (server.image === '' ? '' : server.image.id);

const formatMetadata = (metadata: Record<string, string>) => Object.entries(metadata).map(([k, v]) => `${k}=${v}`).join(', ');

/** Every field of a server that people read; JSON mode prints the server as the API has it. */
export async function showServer(ctx: Context, client: OceanosClient, server: Server): Promise<void> {
  // JSON shows the server as it is: no names to look up.
  if (ctx.output.json) return ctx.output.record([], server);
  const names = await namesOf(client);
  const image = imageId(server);
  ctx.output.record([
    ['ID', server.id],
    ['Name', server.name],
    ['Status', server.status],
    ['Task', server['OS-EXT-STS:task_state']],
    ['Progress', server.status === 'BUILD' ? `${server.progress}%` : undefined],
    ['Flavor', labelled(server.flavor.id, names.flavor(server.flavor.id))],
    ['Image', image ? labelled(image, names.image(image)) : undefined],
    ['Key pair', server.key_name],
    ['Metadata', formatMetadata(server.metadata)],
    ['Tags', server.tags.join(', ')],
    ['Addresses', Object.entries(server.addresses).map(([net, addrs]) => `${net}: ${addrs.map((a) => a.addr).join(' ')}`).join('; ')],
    ['Project', server.tenant_id],
    ['User', server.user_id],
    ['Created', utcTime(server.created)],
    ['Updated', utcTime(server.updated)],
    ['Launched', utcTime(server['OS-SRV-USG:launched_at'])],
    ['Fault', server.fault ? `${server.fault.message} (${server.fault.code}, ${utcTime(server.fault.created)})` : undefined],
  ], server);
}

export function flavorRow(flavor: Flavor): Cell[] {
  return [flavor.id, flavor.name, flavor.vcpus, `${flavor.ram} MiB`, `${flavor.disk} GiB`, flavor['os-flavor-access:is_public']];
}

export const FLAVOR_HEAD = ['ID', 'Name', 'vCPUs', 'RAM', 'Disk', 'Public'];
