// Isolation attacks on compute (Nova at /compute/v2.1 and /compute/v2.0, the operator's
// /oceanos): B tries A's servers, their metadata, tags, consoles and actions, A's key pair and
// A's private flavor, and filters lists with A's ids. Nova answers 404 for another user's
// server, key pair or private flavor, and 403 for what only admins may do (the operator's
// routes are all attacked, as registered).
import type { Attack } from './helpers/isolation.ts';

const server = '/servers/{a.server}';

/** The attacks on one version prefix of the compute API. */
function novaAttacks(prefix: string): Attack[] {
  const on = (path: string) => `${prefix}${path}`;
  const action = (body: unknown): Attack => ({ method: 'POST', path: on(`${server}/action`), body, expect: 404 });
  return [
    { method: 'GET', path: prefix, expect: 200 },
    // Flavors: A's private flavor is not B's to see, use or change.
    { method: 'GET', path: on('/flavors'), expect: 200 },
    { method: 'GET', path: on('/flavors/detail?is_public=none'), expect: 200 },
    { method: 'GET', path: on('/flavors/detail?marker={a.flavor}'), expect: 400 },
    { method: 'GET', path: on('/flavors/{a.flavor}'), expect: 404 },
    { method: 'DELETE', path: on('/flavors/{a.flavor}'), expect: 403 },
    { method: 'POST', path: on('/flavors'), body: { flavor: { name: '{a.flavorName}', vcpus: 1, ram: 64, disk: 1 } }, expect: 403 },
    { method: 'GET', path: on('/flavors/{a.flavor}/os-flavor-access'), expect: 403 },
    { method: 'POST', path: on('/flavors/{a.flavor}/action'), body: { addTenantAccess: { tenant: '{b.id}' } }, expect: 403 },
    { method: 'GET', path: on('/flavors/{a.flavor}/os-extra_specs'), expect: 404 },
    { method: 'POST', path: on('/flavors/{a.flavor}/os-extra_specs'), body: { extra_specs: { '{a.spec}': 'changed' } }, expect: 403 },
    { method: 'GET', path: on('/flavors/{a.flavor}/os-extra_specs/{a.spec}'), expect: 404 },
    { method: 'PUT', path: on('/flavors/{a.flavor}/os-extra_specs/{a.spec}'), body: { '{a.spec}': 'changed' }, expect: 403 },
    { method: 'DELETE', path: on('/flavors/{a.flavor}/os-extra_specs/{a.spec}'), expect: 403 },
    // A flavor's description changes from 2.55 on Nova's path (admins only); Cyclades has no such route.
    {
      method: 'PUT', path: on('/flavors/{a.flavor}'), headers: { 'openstack-api-version': 'compute 2.55' }, body: { flavor: { description: 'changed' } },
      expect: prefix === '/compute/v2.1' ? 403 : 404,
    },
    // Key pairs are per user.
    { method: 'GET', path: on('/os-keypairs'), expect: 200 },
    { method: 'GET', path: on('/os-keypairs/{a.keypair}'), expect: 404 },
    { method: 'DELETE', path: on('/os-keypairs/{a.keypair}'), expect: 404 },
    // Listing with A's ids as filters and markers; all tenants is the admins'.
    { method: 'GET', path: on('/servers'), expect: 200 },
    { method: 'GET', path: on('/servers/detail?changes-since=2000-01-01T00:00:00Z'), expect: 200 },
    { method: 'GET', path: on('/servers/detail?all_tenants=1'), expect: 403 },
    { method: 'GET', path: on('/servers/detail?name=alpha'), expect: 200 },
    { method: 'GET', path: on('/servers/detail?image={a.image}&flavor={a.flavor}'), expect: 200 },
    { method: 'GET', path: on('/servers?marker={a.server}'), expect: 400 },
    { method: 'GET', path: on('/servers?marker={a.gone}'), expect: 400 },
    // Booting from what is A's: image, flavor, key pair.
    { method: 'POST', path: on('/servers'), body: { server: { name: 'b-vm', imageRef: '{a.image}', flavorRef: '1' } }, expect: 400 },
    { method: 'POST', path: on('/servers'), body: { server: { name: 'b-vm', imageRef: '{b.image}', flavorRef: '{a.flavor}' } }, expect: 400 },
    { method: 'POST', path: on('/servers'), body: { server: { name: 'b-vm', imageRef: '{b.image}', flavorRef: '1', key_name: '{a.keypair}' } }, expect: 400 },
    // A's server, its record, its console and its actions.
    { method: 'GET', path: on(server), expect: 404 },
    { method: 'GET', path: on('/servers/{a.gone}'), expect: 404 },
    { method: 'PUT', path: on(server), body: { server: { name: 'renamed-by-b' } }, expect: 404 },
    { method: 'DELETE', path: on(server), expect: 404 },
    action({ 'os-stop': null }),
    action({ 'os-start': null }),
    action({ reboot: { type: 'HARD' } }),
    action({ resize: { flavorRef: '1' } }),
    action({ confirmResize: null }),
    action({ revertResize: null }),
    action({ 'os-getConsoleOutput': { length: 50 } }),
    action({ 'os-getVNCConsole': { type: 'novnc' } }),
    action({ rebuild: { imageRef: '{b.image}' } }),
    action({ createImage: { name: 'b-snapshot' } }),
    { method: 'POST', path: on(`${server}/remote-consoles`), body: { remote_console: { protocol: 'vnc', type: 'novnc' } }, expect: 404 },
    { method: 'GET', path: on(`${server}/ips`), expect: 404 },
    { method: 'GET', path: on(`${server}/metadata`), expect: 404 },
    { method: 'POST', path: on(`${server}/metadata`), body: { metadata: { b: 'was here' } }, expect: 404 },
    { method: 'PUT', path: on(`${server}/metadata`), body: { metadata: {} }, expect: 404 },
    { method: 'GET', path: on(`${server}/metadata/{a.metaKey}`), expect: 404 },
    { method: 'PUT', path: on(`${server}/metadata/{a.metaKey}`), body: { meta: { '{a.metaKey}': 'changed' } }, expect: 404 },
    { method: 'DELETE', path: on(`${server}/metadata/{a.metaKey}`), expect: 404 },
    { method: 'GET', path: on(`${server}/tags`), expect: 404 },
    { method: 'PUT', path: on(`${server}/tags`), body: { tags: ['b'] }, expect: 404 },
    { method: 'DELETE', path: on(`${server}/tags`), expect: 404 },
    { method: 'GET', path: on(`${server}/tags/{a.tag}`), expect: 404 },
    { method: 'PUT', path: on(`${server}/tags/b-tag`), expect: 404 },
    { method: 'DELETE', path: on(`${server}/tags/{a.tag}`), expect: 404 },
    // The same server and flavor by their integer ids (each path takes both).
    { method: 'GET', path: on('/servers/{a.serverSerial}'), expect: 404 },
    { method: 'GET', path: on('/servers/{a.goneSerial}'), expect: 404 },
    { method: 'PUT', path: on('/servers/{a.serverSerial}'), body: { server: { name: 'renamed-by-b' } }, expect: 404 },
    { method: 'DELETE', path: on('/servers/{a.serverSerial}'), expect: 404 },
    { method: 'POST', path: on('/servers/{a.serverSerial}/action'), body: { reboot: { type: 'HARD' } }, expect: 404 },
    { method: 'GET', path: on('/servers/{a.serverSerial}/metadata'), expect: 404 },
    { method: 'GET', path: on('/flavors/{a.flavorSerial}'), expect: 404 },
    { method: 'POST', path: on('/servers'), body: { server: { name: 'b-vm', imageRef: '{b.image}', flavorRef: '{a.flavorSerial}' } }, expect: 400 },
    // The compute API's view of images: A's private image is not B's to see or change.
    { method: 'GET', path: on('/images'), expect: 200 },
    { method: 'GET', path: on('/images/detail'), expect: 200 },
    { method: 'GET', path: on('/images/{a.image}'), expect: 404 },
    { method: 'DELETE', path: on('/images/{a.image}'), expect: 404 },
    { method: 'GET', path: on('/images/{a.image}/metadata'), expect: 404 },
    { method: 'POST', path: on('/images/{a.image}/metadata'), body: { metadata: { b: 'was here' } }, expect: 404 },
    { method: 'PUT', path: on('/images/{a.image}/metadata'), body: { metadata: {} }, expect: 404 },
    { method: 'GET', path: on('/images/{a.image}/metadata/b'), expect: 404 },
    { method: 'PUT', path: on('/images/{a.image}/metadata/b'), body: { meta: { b: 'x' } }, expect: 404 },
    { method: 'DELETE', path: on('/images/{a.image}/metadata/b'), expect: 404 },
  ];
}

export const computeAttacks: Attack[] = [
  { method: 'GET', path: '/compute', expect: 200 },
  ...novaAttacks('/compute/v2.1'),
  ...novaAttacks('/compute/v2.0'),
  // Cyclades' raw VNC console: B gets no password for A's server.
  { method: 'POST', path: `/compute/v2.0${server}/action`, body: { console: { type: 'vnc' } }, expect: 404 },
  // Last, as they give B key pairs named like A's: names are per user, A's stays as it was.
  { method: 'POST', path: '/compute/v2.1/os-keypairs', body: { keypair: { name: '{a.keypair}' } }, expect: 200 },
  // Cyclades answers a new key pair with 201.
  { method: 'POST', path: '/compute/v2.0/os-keypairs', body: { keypair: { name: '{a.keypair}-2' } }, expect: 201 },
];

/** The operator's routes (`/oceanos/...`, also under the compute API) refuse anyone else: all of them, as registered. */
export const operatorAttacks = (routes: string[]): Attack[] => routes
  .filter((key) => key.includes('/oceanos/') && !key.startsWith('HEAD '))
  .map((key) => {
    const [method, path] = key.split(' ') as [string, string];
    return { method, path, ...(method === 'GET' ? {} : { body: {} }), expect: 403 };
  });
