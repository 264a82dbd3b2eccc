// One of every resource, owned by user A: a project, a key pair, servers (one deleted), a
// private flavor granted to A, images (private, shared, registered through Plankton), Pithos
// containers, objects with history, metadata, a group, grants, a public link and a large
// object, and a console token. B and C are other users: C is the one A shares with, B shares
// nothing. Every name and content of A's carries a random mark, so a test can grep answers
// for them; `ghost` gives look-alikes of A's identifiers that never existed.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { tokenHash } from '../../src/identity/secrets.ts';
import type { TestPlane } from './control-plane.ts';

export interface Party { id: string; token: string; password: string }

export interface Estate {
  admin: { id: string; token: string };
  a: Party;
  b: Party;
  c: Party;
  /** Values by placeholder name (`a.server`, `b.container`, ...), for `{a.server}` in requests. */
  vars: Record<string, string>;
  /** A's values that must never reach an answer to anyone but A, unless the request named them. */
  secrets: string[];
}

/** Builds A's estate (and B's few belongings) through the public API; asserts every step. */
export async function buildEstate(plane: TestPlane): Promise<Estate> {
  const mark = `m${randomBytes(5).toString('hex')}`;
  const named = (what: string) => `alpha-${what}-${mark}`;
  const admin = { id: plane.adminId, token: plane.adminToken };
  const [a, b, c] = [await plane.createUser(`alpha-${mark}`), await plane.createUser(`beta-${mark}`), await plane.createUser(`gamma-${mark}`)];
  const v: Record<string, string> = { 'a.id': a.id, 'a.token': a.token, 'a.password': a.password, 'b.id': b.id, 'b.token': b.token, 'c.id': c.id };
  const ok = async (res: Promise<{ status: number; text: string; body: any; headers: Record<string, unknown> }>, what: string) => {
    const done = await res;
    assert.ok(done.status >= 200 && done.status < 300, `${what}: ${done.status} ${done.text}`);
    return done;
  };
  const as = (token: string) => (method: string, url: string, options: { body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {}) =>
    ok(plane.call(method, url, { token, ...options }), `${method} ${url}`);
  const A = as(a.token);
  const B = as(b.token);
  const ADMIN = as(admin.token);

  // Identity: a project A belongs to besides their own.
  v['a.projectName'] = named('project');
  v['a.project'] = (await ADMIN('POST', '/identity/v3/projects', { body: { project: { name: v['a.projectName'], description: named('description') } } })).body.project.id;
  const member = (await ADMIN('GET', '/identity/v3/roles?name=member')).body.roles[0].id as string;
  v['a.role'] = member;
  await ADMIN('PUT', `/identity/v3/projects/${v['a.project']}/users/${a.id}/roles/${member}`);
  await ADMIN('PUT', `/account/v1.0/quotas/${a.id}/cyclades.vm`, { body: { limit: 7 } });

  // Compute: a key pair, a private flavor granted to A, a server with metadata and tags, a deleted one.
  v['a.keypair'] = named('key');
  const pair = await A('POST', '/compute/v2.1/os-keypairs', { body: { keypair: { name: v['a.keypair'] } } });
  v['a.publicKey'] = pair.body.keypair.public_key;
  v['a.privateKey'] = pair.body.keypair.private_key;
  v['a.fingerprint'] = pair.body.keypair.fingerprint;
  v['a.flavorName'] = named('flavor');
  v['a.flavor'] = (await ADMIN('POST', '/compute/v2.1/flavors', { body: { flavor: { name: v['a.flavorName'], vcpus: 1, ram: 128, disk: 1, 'os-flavor-access:is_public': false } } })).body.flavor.id;
  await ADMIN('POST', `/compute/v2.1/flavors/${v['a.flavor']}/action`, { body: { addTenantAccess: { tenant: a.id } } });
  await ADMIN('POST', `/compute/v2.1/flavors/${v['a.flavor']}/os-extra_specs`, { body: { extra_specs: { [named('spec')]: named('specvalue') } } });
  v['a.spec'] = named('spec');

  // Images: private (tagged, with a property), shared with C, and one registered from a file.
  const image = async (token: string, attributes: Record<string, unknown>) => {
    const made = await as(token)('POST', '/image/v2/images', { body: { disk_format: 'raw', container_format: 'bare', ...attributes } });
    await as(token)('PUT', `/image/v2/images/${made.body.id}/file`, { rawBody: randomBytes(64 * 1024), headers: { 'content-type': 'application/octet-stream' } });
    return made.body.id as string;
  };
  v['a.imageName'] = named('image');
  v['a.imageTag'] = named('imagetag');
  v['a.imageProp'] = named('imageprop');
  v['a.image'] = await image(a.token, { name: v['a.imageName'], visibility: 'private', tags: [v['a.imageTag']], alpha_property: v['a.imageProp'] });
  v['a.sharedImageName'] = named('sharedimage');
  v['a.sharedImage'] = await image(a.token, { name: v['a.sharedImageName'], visibility: 'shared' });
  await A('POST', `/image/v2/images/${v['a.sharedImage']}/members`, { body: { member: c.id } });

  v['a.serverName'] = named('vm');
  v['a.metaKey'] = named('metakey');
  v['a.metaValue'] = named('metavalue');
  v['a.tag'] = named('tag');
  v['a.adminPass'] = named('adminpass');
  // Tags on create came with microversion 2.52.
  const server = await A('POST', '/compute/v2.1/servers', {
    headers: { 'openstack-api-version': 'compute 2.52' },
    body: { server: { name: v['a.serverName'], imageRef: v['a.image'], flavorRef: v['a.flavor'], networks: 'none', key_name: v['a.keypair'], metadata: { [v['a.metaKey']]: v['a.metaValue'] }, tags: [v['a.tag']], adminPass: v['a.adminPass'] } },
  });
  v['a.server'] = server.body.server.id;
  // Cyclades' integer ids (/compute/v2.0) of the same server and flavor.
  v['a.serverSerial'] = String((await A('GET', `/compute/v2.0/servers/${v['a.server']}`)).body.server.id);
  v['a.flavorSerial'] = String((await A('GET', `/compute/v2.0/flavors/${v['a.flavor']}`)).body.flavor.id);
  const gone = await A('POST', '/compute/v2.1/servers', { body: { server: { name: named('gone'), imageRef: v['a.image'], flavorRef: '1' } } });
  v['a.gone'] = gone.body.server.id;
  v['a.goneName'] = named('gone');
  await plane.jobs.idle(v['a.gone']);
  await A('DELETE', `/compute/v2.1/servers/${v['a.gone']}`);
  await plane.jobs.idle(v['a.server']);
  await plane.jobs.idle(v['a.gone']);
  // Cyclades still answers for it a while (DELETED), with its integer id.
  v['a.goneSerial'] = String((await A('GET', `/compute/v2.0/servers/${v['a.gone']}`)).body.server.id);
  v['a.consoleToken'] = (await plane.consoles.issue(server.body.server.id, { userId: a.id, tokenHash: tokenHash(a.token) })).token;

  // Pithos: account metadata and a group; a versioned container with metadata; an object with
  // history; one shared with C through the group; a public one; large objects (dynamic and
  // static) shared with C whose segments are not; a container never shared.
  const store = (path = '') => `/object-store/v1/${a.id}${path ? `/${path}` : ''}`;
  v['a.group'] = named('group');
  v['a.accountMeta'] = named('accountmeta');
  await A('POST', store(), { headers: { [`x-account-group-${v['a.group']}`]: c.id, 'x-account-meta-alpha': v['a.accountMeta'] } });
  v['a.container'] = named('box');
  v['a.containerMeta'] = named('containermeta');
  await A('PUT', store(v['a.container']), { headers: { 'x-container-policy-versioning': 'auto', 'x-container-meta-alpha': v['a.containerMeta'] } });
  v['a.object'] = named('object');
  v['a.oldContent'] = named('oldcontent');
  v['a.content'] = named('content');
  v['a.objectMeta'] = named('objectmeta');
  await A('PUT', store(`${v['a.container']}/${v['a.object']}`), { rawBody: v['a.oldContent'] });
  const put = await A('PUT', store(`${v['a.container']}/${v['a.object']}`), { rawBody: v['a.content'], headers: { 'x-object-meta-alpha': v['a.objectMeta'] } });
  v['a.version'] = String(put.headers['x-object-version']);
  const hashmap = await A('GET', `${store(`${v['a.container']}/${v['a.object']}`)}?hashmap&format=json`);
  v['a.blockHash'] = hashmap.body.hashes[0];
  v['a.objectUuid'] = String((await A('HEAD', store(`${v['a.container']}/${v['a.object']}`))).headers['x-object-uuid']);
  v['a.sharedObject'] = named('shared');
  v['a.sharedContent'] = named('sharedcontent');
  // Its first version was written before the share, which C must not see.
  v['a.sharedOldContent'] = named('sharedoldcontent');
  const first = await A('PUT', store(`${v['a.container']}/${v['a.sharedObject']}`), { rawBody: v['a.sharedOldContent'] });
  v['a.sharedOldVersion'] = String(first.headers['x-object-version']);
  await A('PUT', store(`${v['a.container']}/${v['a.sharedObject']}`), { rawBody: v['a.sharedContent'], headers: { 'x-object-sharing': `read=${a.id}:${v['a.group']}` } });
  v['a.publicObject'] = named('public');
  v['a.publicContent'] = named('publiccontent');
  await A('PUT', store(`${v['a.container']}/${v['a.publicObject']}`), { rawBody: v['a.publicContent'], headers: { 'x-object-public': 'true' } });
  const link = (await A('HEAD', store(`${v['a.container']}/${v['a.publicObject']}`))).headers['x-object-public'];
  v['a.publicToken'] = new URL(String(link)).pathname.slice('/public/'.length);
  v['a.segmentContent'] = named('segmentcontent');
  await A('PUT', store(`${v['a.container']}/${named('segments')}/1`), { rawBody: v['a.segmentContent'] });
  v['a.manifest'] = named('manifest');
  await A('PUT', store(`${v['a.container']}/${v['a.manifest']}`), { rawBody: '', headers: { 'x-object-manifest': `${v['a.container']}/${named('segments')}/`, 'x-object-sharing': `read=${c.id}` } });
  v['a.slo'] = named('slo');
  const segment = [{ path: `/${v['a.container']}/${named('segments')}/1`, etag: createHash('md5').update(v['a.segmentContent']).digest('hex'), size_bytes: v['a.segmentContent'].length }];
  await A('PUT', `${store(`${v['a.container']}/${v['a.slo']}`)}?multipart-manifest=put`, { rawBody: JSON.stringify(segment), headers: { 'x-object-sharing': `read=${c.id}` } });
  v['a.privateContainer'] = named('private');
  v['a.privateContent'] = named('privatecontent');
  await A('PUT', store(v['a.privateContainer']));
  await A('PUT', store(`${v['a.privateContainer']}/${named('diary')}`), { rawBody: v['a.privateContent'] });
  v['a.diary'] = named('diary');
  // A disk image registered through Plankton from a file of A's.
  v['a.disk'] = named('disk');
  await A('PUT', store(`${v['a.privateContainer']}/${v['a.disk']}`), { rawBody: randomBytes(32 * 1024) });
  v['a.planktonName'] = named('plankton');
  const registered = await A('POST', '/image/v1.0/images', {
    headers: { 'x-image-meta-location': `pithos://${a.id}/${v['a.privateContainer']}/${v['a.disk']}`, 'x-image-meta-name': v['a.planktonName'], 'x-image-meta-property-alpha': named('planktonprop') },
  });
  v['a.plankton'] = registered.body.image.id;

  // B's own: a container with an object, a server and an image, to attack A's from.
  v['b.container'] = `beta-box-${mark}`;
  v['b.object'] = `beta-object-${mark}`;
  await B('PUT', `/object-store/v1/${b.id}/${v['b.container']}`);
  await B('PUT', `/object-store/v1/${b.id}/${v['b.container']}/${v['b.object']}`, { rawBody: 'beta content' });
  v['b.image'] = await image(b.token, { name: `beta-image-${mark}`, visibility: 'shared' });
  v['b.server'] = (await B('POST', '/compute/v2.1/servers', { body: { server: { name: `beta-vm-${mark}`, imageRef: v['b.image'], flavorRef: '1' } } })).body.server.id;
  await plane.jobs.idle(v['b.server']);
  v['mark'] = mark;

  const secrets = Object.entries(v)
    .filter(([key, value]) => key.startsWith('a.') && !['a.version', 'a.sharedOldVersion', 'a.role', 'a.privateKey'].includes(key) && value.length >= 8)
    .map(([, value]) => value);
  return { admin, a, b, c, vars: v, secrets: [...new Set(secrets)] };
}

/** Look-alikes of A's identifiers and names that belong to nobody (B's and C's stay as they are). */
export function ghost(vars: Record<string, string>): Record<string, string> {
  const mark = vars['mark']!;
  const other = `g${randomBytes(5).toString('hex')}`;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (!key.startsWith('a.') || key === 'a.role') out[key] = value;
    else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)) out[key] = randomUUID();
    else if (/^[0-9a-f]{32,}$/.test(value)) out[key] = randomBytes(value.length / 2).toString('hex');
    else if (value.includes(mark)) out[key] = value.replaceAll(mark, other);
    else if (/^\d+$/.test(value)) out[key] = String(Number(value) + 100_000);
    else out[key] = `${value}x`;
  }
  return out;
}
