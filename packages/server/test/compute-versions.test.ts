// Nova microversions on /compute/v2.1 (negotiation, and exactly the fields of each version in
// servers, flavors and key pairs), Nova's rebuild, access addresses, descriptions, the hard
// reboot of a stopped server, the /images proxy and createImage; on a FakeBackend, on both
// databases. Cyclades' /compute/v2.0 is in compute-cyclades.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeBackend } from '../src/backends/fake/fake-backend.ts';
import { computeHelpers, held, type User } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMs/8uoFlpVky81V7HZB58ptAKuDgmRHno4DK1cjtur/ alice@laptop';

/** Nova 2.1's server show, without the extensions' admin-only fields. */
const SHOW_2_1 = [
  'OS-DCF:diskConfig', 'OS-EXT-AZ:availability_zone', 'OS-EXT-STS:power_state', 'OS-EXT-STS:task_state', 'OS-EXT-STS:vm_state',
  'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at', 'accessIPv4', 'accessIPv6', 'addresses', 'config_drive', 'created', 'flavor',
  'hostId', 'id', 'image', 'key_name', 'links', 'metadata', 'name', 'os-extended-volumes:volumes_attached', 'progress',
  'security_groups', 'status', 'tenant_id', 'updated', 'user_id',
];

for (const database of await testDatabases()) {
  describe(`compute microversions on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    const backend = new FakeBackend({ delayMs: 100 });
    let alice: User;
    let bob: User;
    let aliceImage: string;
    let otherImage: string;
    const { nova, image, settled, usage } = computeHelpers(() => plane);
    const at = (version: string) => (user: User, method: string, path: string, body?: unknown) => nova(user, method, path, body, version);
    const keysOf = (value: object) => Object.keys(value).sort();

    before(async () => {
      plane = await startPlane(await database.create(), () => {}, { backend });
      alice = await plane.createUser('alice');
      bob = await plane.createUser('bob');
      aliceImage = await image(alice);
      otherImage = await image(alice, { name: 'other', OSFAMILY: 'linux' });
    });
    after(async () => { await plane?.close(); });

    it('advertises 2.1 to 2.92, answers in the version asked, and refuses others with 406', async () => {
      const doc = await plane.call('GET', '/compute/v2.1/', { token: alice.token });
      assert.equal(doc.body.version.min_version, '2.1');
      assert.equal(doc.body.version.version, '2.92');
      const plain = await nova(alice, 'GET', '/flavors');
      assert.equal(plain.headers['openstack-api-version'], 'compute 2.1');
      assert.equal(plain.headers['x-openstack-nova-api-version'], '2.1');
      assert.match(String(plain.headers.vary), /OpenStack-API-Version/);
      const legacy = await plane.call('GET', '/compute/v2.1/flavors', { token: alice.token, headers: { 'x-openstack-nova-api-version': '2.55' } });
      assert.equal(legacy.headers['openstack-api-version'], 'compute 2.55');
      assert.ok('description' in legacy.body.flavors[0]);
      const latest = await nova(alice, 'GET', '/flavors', undefined, 'latest');
      assert.equal(latest.headers['openstack-api-version'], 'compute 2.92');
      const other = await plane.call('GET', '/compute/v2.1/flavors', { token: alice.token, headers: { 'openstack-api-version': 'volume 3.60' } });
      assert.equal(other.headers['openstack-api-version'], 'compute 2.1');
      for (const version of ['2.93', '3.0', '2.0']) {
        const refused = await nova(alice, 'GET', '/flavors', undefined, version);
        assert.equal(refused.status, 406, version);
        assert.match(refused.body.computeFault.message, new RegExp(`^Version ${version.replace('.', '\\.')} is not supported by the API\\. Minimum is 2\\.1 and maximum is 2\\.92\\.$`));
      }
      const garbled = await nova(alice, 'GET', '/flavors', undefined, '2.x');
      assert.equal(garbled.status, 400);
      // Nova's names for errors: 405 is badMethod.
      const patch = await nova(alice, 'PATCH', '/servers', {});
      assert.equal(patch.status, 405);
      assert.equal(patch.body.badMethod.code, 405);
      // Synnefo's path has no microversions.
      const cyclades = await plane.call('GET', '/compute/v2.0/flavors', { token: alice.token });
      assert.equal(cyclades.headers['openstack-api-version'], undefined);
    });

    it('shows a server with exactly the fields of each microversion, and never Synnefo\'s', async () => {
      const made = await at('2.92')(alice, 'POST', '/servers', {
        server: { name: 'fields', imageRef: aliceImage, flavorRef: '1', networks: 'none', description: 'a test', accessIPv4: '192.0.2.7', accessIPv6: '2001:db8::7', hostname: 'fields-host', tags: ['t'] },
      });
      assert.equal(made.status, 202, made.text);
      const id = made.body.server.id;
      await settled(alice, id);
      const show = async (version: string) => (await at(version)(alice, 'GET', `/servers/${id}`)).body.server;
      const v21 = await show('2.1');
      assert.deepEqual(keysOf(v21), SHOW_2_1);
      assert.deepEqual([v21.accessIPv4, v21.accessIPv6], ['192.0.2.7', '2001:db8::7']);
      assert.deepEqual(keysOf(v21.flavor), ['id', 'links']);
      assert.deepEqual(keysOf(await show('2.9')), [...SHOW_2_1, 'locked'].sort());
      assert.equal((await show('2.19')).description, 'a test');
      assert.deepEqual((await show('2.26')).tags, ['t']);
      const v247 = await show('2.47');
      assert.deepEqual(v247.flavor, { vcpus: 1, ram: 128, disk: 1, ephemeral: 0, swap: 0, original_name: 'm1.nano', extra_specs: {} });
      const v292 = await show('2.92');
      assert.deepEqual(keysOf(v292), [...SHOW_2_1, 'locked', 'description', 'tags', 'trusted_image_certificates', 'server_groups', 'locked_reason', 'OS-EXT-SRV-ATTR:hostname'].sort());
      assert.equal(v292['OS-EXT-SRV-ATTR:hostname'], 'fields-host');
      assert.equal(backend.spec(id)!.personalisation.hostname, 'fields-host');
      assert.deepEqual(v292.server_groups, []);
      // server_groups is in show, update and rebuild answers only.
      const detail = (await at('2.92')(alice, 'GET', '/servers/detail')).body.servers.find((s: { id: string }) => s.id === id);
      assert.equal(detail.server_groups, undefined);
      for (const version of ['2.1', '2.92']) assert.ok(!keysOf(await show(version)).some((key) => key.startsWith('SNF:')), version);
      // Lists: an unknown status is a 400 from 2.38; users filter on key_name, vm_state, ... from 2.83 (before, they are dropped).
      const names = async (version: string, query: string) => (await at(version)(alice, 'GET', `/servers${query}`)).body.servers?.map((s: { name: string }) => s.name);
      assert.deepEqual(await names('2.1', '?status=SLEEPING'), []);
      assert.equal((await at('2.38')(alice, 'GET', '/servers?status=SLEEPING')).status, 400);
      assert.deepEqual(await names('2.82', '?vm_state=stopped'), ['fields']);
      assert.deepEqual(await names('2.83', '?vm_state=stopped'), []);
      assert.deepEqual(await names('2.83', '?vm_state=active&availability_zone=nova'), ['fields']);
      await nova(alice, 'DELETE', `/servers/${id}`);
      await plane.jobs.idle();
    });

    it('stores access addresses, description and hostname on update, answering in Nova\'s update shape', async () => {
      const made = (await at('2.52')(alice, 'POST', '/servers', { server: { name: 'upd', imageRef: aliceImage, flavorRef: '1', networks: 'none' } })).body.server;
      await settled(alice, made.id);
      const renamed = await nova(alice, 'PUT', `/servers/${made.id}`, { server: { name: 'upd2', accessIPv4: '198.51.100.1' } });
      assert.equal(renamed.status, 200, renamed.text);
      // Before 2.75 the update answer leaves out the extensions' fields.
      assert.equal(renamed.body.server['OS-EXT-STS:vm_state'], undefined);
      assert.equal(renamed.body.server.key_name, undefined);
      assert.deepEqual([renamed.body.server.name, renamed.body.server.accessIPv4], ['upd2', '198.51.100.1']);
      assert.equal((await nova(alice, 'PUT', `/servers/${made.id}`, { server: { description: 'x' } })).status, 400, 'description came with 2.19');
      const described = await at('2.75')(alice, 'PUT', `/servers/${made.id}`, { server: { description: 'described', accessIPv6: '2001:db8::1' } });
      assert.equal(described.body.server.description, 'described');
      assert.equal(described.body.server['OS-EXT-STS:vm_state'], 'active');
      assert.equal(described.body.server.accessIPv4, '198.51.100.1', 'what the update does not name stays');
      assert.equal((await at('2.90')(alice, 'PUT', `/servers/${made.id}`, { server: { hostname: 'bad_host!' } })).status, 400);
      assert.equal((await at('2.90')(alice, 'PUT', `/servers/${made.id}`, { server: { hostname: 'new-host' } })).body.server['OS-EXT-SRV-ATTR:hostname'], 'new-host');
      assert.equal((await nova(alice, 'PUT', `/servers/${made.id}`, { server: { accessIPv4: 'not-an-ip' } })).status, 400);
      assert.equal((await nova(bob, 'PUT', `/servers/${made.id}`, { server: { name: 'mine' } })).status, 404);
      await nova(alice, 'DELETE', `/servers/${made.id}`);
      await plane.jobs.idle();
    });

    it('takes create parameters only from the version that has them', async () => {
      const base = { name: 'p', imageRef: aliceImage, flavorRef: '1' };
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['2.1', { description: 'd' }, /'description' was unexpected/],
        ['2.51', { networks: 'none', tags: ['a'] }, /'tags' was unexpected/],
        ['2.37', {}, /'networks' is a required property/],
        ['2.36', { networks: 'none' }, /'none' is not of type 'array'/],
        ['2.57', { networks: 'none', personality: [{ path: '/etc/motd', contents: '' }] }, /'personality' was unexpected/],
        ['2.63', { networks: 'none', trusted_image_certificates: ['abc'] }, /certificate validation/],
        ['2.89', { networks: 'none', hostname: 'h1' }, /'hostname' was unexpected/],
        ['2.90', { networks: 'none', hostname: 'a.b' }, /hostname/],
      ];
      for (const [version, extra, message] of cases) {
        const res = await at(version)(alice, 'POST', '/servers', { server: { ...base, ...extra } });
        assert.equal(res.status, 400, `${version} ${JSON.stringify(extra)}: ${res.text}`);
        assert.match(res.body.badRequest.message, message);
      }
      assert.equal((await at('2.74')(alice, 'POST', '/servers', { server: { ...base, networks: 'none', host: 'elsewhere' } })).status, 403);
      const named = await at('2.92')(alice, 'POST', '/servers', { server: { ...base, networks: 'auto', hostname: 'vm1' } });
      assert.equal(named.status, 202, named.text);
      await settled(alice, named.body.server.id);
      await nova(alice, 'DELETE', `/servers/${named.body.server.id}`);
      await plane.jobs.idle();
    });

    it('rebuilds a server from another image, keeping its id and power state, REBUILD meanwhile', async () => {
      await nova(alice, 'POST', '/os-keypairs', { keypair: { name: 'k', public_key: ED25519 } });
      const made = (await nova(alice, 'POST', '/servers', { server: { name: 'rb', imageRef: aliceImage, flavorRef: '1', key_name: 'k' } })).body.server;
      await settled(alice, made.id);
      const before = backend.spec(made.id)!.image.contentKey;
      const res = await at('2.57')(alice, 'POST', `/servers/${made.id}/action`, {
        rebuild: { imageRef: otherImage, name: 'rebuilt', metadata: { role: 'db' }, adminPass: 'new-pass', user_data: Buffer.from('#!/bin/sh\n').toString('base64'), key_name: null },
      });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.server.id, made.id);
      assert.equal(res.body.server.adminPass, 'new-pass');
      assert.equal(res.body.server.status, 'REBUILD');
      assert.equal(res.body.server.image.id, otherImage);
      assert.equal(res.body.server['OS-EXT-STS:vm_state'], undefined, 'before 2.75 the rebuild answer is the short one');
      const done = await settled(alice, made.id);
      assert.deepEqual([done.status, done.name, done.image.id, done.key_name], ['ACTIVE', 'rebuilt', otherImage, null]);
      assert.deepEqual(done.metadata, { role: 'db' });
      const spec = backend.spec(made.id)!;
      assert.notEqual(spec.image.contentKey, before);
      assert.equal(spec.personalisation.adminPass, 'new-pass');
      assert.equal(spec.personalisation.userData?.toString(), '#!/bin/sh\n');
      assert.deepEqual(spec.personalisation.publicKeys, {});
      assert.deepEqual(await usage(alice), held(1, 128, 1, true));
      // A stopped server is rebuilt stopped; personality went away with 2.57.
      await nova(alice, 'POST', `/servers/${made.id}/action`, { 'os-stop': null });
      await settled(alice, made.id);
      assert.equal((await at('2.57')(alice, 'POST', `/servers/${made.id}/action`, { rebuild: { imageRef: aliceImage, personality: [] } })).status, 400);
      assert.equal((await at('2.53')(alice, 'POST', `/servers/${made.id}/action`, { rebuild: { imageRef: aliceImage, key_name: 'k' } })).status, 400, 'key_name came with 2.54');
      const again = await at('2.75')(alice, 'POST', `/servers/${made.id}/action`, { rebuild: { imageRef: aliceImage, key_name: 'k' } });
      assert.equal(again.status, 202, again.text);
      assert.equal(again.body.server['OS-EXT-STS:task_state'], 'rebuilding', 'from 2.75 the whole server');
      const stopped = await settled(alice, made.id);
      assert.deepEqual([stopped.status, stopped.image.id, stopped.key_name], ['SHUTOFF', aliceImage, 'k']);
      assert.equal((await backend.inspect(made.id))!.state, 'stopped');
      assert.deepEqual(await usage(alice), held(1, 128, 1, false));
      assert.equal((await nova(alice, 'POST', `/servers/${made.id}/action`, { rebuild: { imageRef: 'nope' } })).status, 400);
      assert.equal((await nova(alice, 'POST', `/servers/${made.id}/action`, { rebuild: {} })).status, 400);
      assert.equal((await nova(bob, 'POST', `/servers/${made.id}/action`, { rebuild: { imageRef: aliceImage } })).status, 404);
      await nova(alice, 'DELETE', `/servers/${made.id}`);
      await plane.jobs.idle();
    });

    it('starts a stopped server on a hard reboot (a soft one is refused), and answers createImage 501', async () => {
      const made = (await nova(alice, 'POST', '/servers', { server: { name: 'hr', imageRef: aliceImage, flavorRef: '1' } })).body.server;
      await settled(alice, made.id);
      await nova(alice, 'POST', `/servers/${made.id}/action`, { 'os-stop': null });
      await settled(alice, made.id);
      assert.equal((await nova(alice, 'POST', `/servers/${made.id}/action`, { reboot: { type: 'SOFT' } })).status, 409);
      assert.equal((await nova(alice, 'POST', `/servers/${made.id}/action`, { reboot: { type: 'HARD' } })).status, 202);
      assert.equal((await nova(alice, 'GET', `/servers/${made.id}`)).body.server.status, 'HARD_REBOOT');
      assert.equal((await settled(alice, made.id)).status, 'ACTIVE');
      assert.equal((await backend.inspect(made.id))!.state, 'running');
      assert.deepEqual(await usage(alice), held(1, 128, 1, true));
      const snapshot = await nova(alice, 'POST', `/servers/${made.id}/action`, { createImage: { name: 'snap' } });
      assert.equal(snapshot.status, 501);
      assert.equal(snapshot.body.notImplemented.code, 501);
      await nova(alice, 'DELETE', `/servers/${made.id}`);
      await plane.jobs.idle();
    });

    it('shows flavors with the description from 2.55, extra specs from 2.61 and swap 0 from 2.75', async () => {
      const flavor = async (version: string) => (await at(version)(alice, 'GET', '/flavors/1')).body.flavor;
      assert.equal((await flavor('2.1')).description, undefined);
      assert.equal((await flavor('2.1')).swap, '');
      assert.equal((await flavor('2.55')).description, null);
      assert.equal((await flavor('2.55')).extra_specs, undefined);
      assert.deepEqual((await flavor('2.61')).extra_specs, {});
      assert.equal((await flavor('2.75')).swap, 0);
      const admin = { id: plane.adminId, token: plane.adminToken };
      assert.equal((await nova(admin, 'PUT', '/flavors/1', { flavor: { description: 'tiny' } })).status, 404, 'no such route before 2.55');
      assert.equal((await at('2.55')(alice, 'PUT', '/flavors/1', { flavor: { description: 'mine' } })).status, 403);
      const changed = await at('2.55')(admin, 'PUT', '/flavors/1', { flavor: { description: 'the smallest' } });
      assert.equal(changed.status, 200, changed.text);
      assert.equal((await flavor('2.55')).description, 'the smallest');
      assert.equal((await at('2.55')(admin, 'PUT', '/flavors/1', { flavor: { name: 'x' } })).status, 400);
      assert.equal((await nova(admin, 'POST', '/flavors', { flavor: { name: 'd', ram: 64, vcpus: 1, disk: 1, description: 'x' } })).status, 400, 'description came with 2.55');
    });

    it('answers key pairs as 2.1 and 2.2 do, pages them from 2.35, and only imports from 2.92', async () => {
      const v21 = await nova(bob, 'POST', '/os-keypairs', { keypair: { name: 'old', public_key: ED25519 } });
      assert.equal(v21.status, 200);
      assert.equal(v21.body.keypair.type, undefined);
      assert.equal((await nova(bob, 'POST', '/os-keypairs', { keypair: { name: 'typed', type: 'ssh' } })).status, 400, 'type came with 2.2');
      const v22 = await at('2.2')(bob, 'POST', '/os-keypairs', { keypair: { name: 'new', public_key: ED25519, type: 'ssh' } });
      assert.equal(v22.status, 201);
      assert.equal(v22.body.keypair.type, 'ssh');
      assert.equal((await nova(bob, 'GET', '/os-keypairs')).body.keypairs[0].keypair.type, undefined);
      const page = await at('2.35')(bob, 'GET', '/os-keypairs?limit=1');
      assert.deepEqual(page.body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name), ['new']);
      assert.match(page.body.keypairs_links[0].href, /marker=new/);
      assert.deepEqual((await at('2.35')(bob, 'GET', '/os-keypairs?marker=new')).body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name), ['old']);
      assert.equal((await at('2.92')(bob, 'POST', '/os-keypairs', { keypair: { name: 'gen' } })).status, 400);
      assert.equal((await at('2.10')(alice, 'GET', `/os-keypairs?user_id=${bob.id}`)).status, 403);
      const admin = { id: plane.adminId, token: plane.adminToken };
      assert.equal((await at('2.10')(admin, 'GET', `/os-keypairs?user_id=${bob.id}`)).body.keypairs.length, 2);
      assert.equal((await nova(bob, 'DELETE', '/os-keypairs/old')).status, 202);
      assert.equal((await at('2.2')(bob, 'DELETE', '/os-keypairs/new')).status, 204);
    });

    it('serves the deprecated /images proxy through the image service until 2.36', async () => {
      const list = await nova(alice, 'GET', '/images');
      assert.deepEqual(list.body.images.map((i: { id: string }) => i.id).sort(), [aliceImage, otherImage].sort());
      assert.deepEqual((await nova(bob, 'GET', '/images')).body.images, []);
      const shown = (await nova(alice, 'GET', `/images/${otherImage}`)).body.image;
      assert.deepEqual(keysOf(shown), ['OS-EXT-IMG-SIZE:size', 'created', 'id', 'links', 'metadata', 'minDisk', 'minRam', 'name', 'progress', 'status', 'updated']);
      assert.deepEqual([shown.status, shown.progress, shown.metadata.OSFAMILY], ['ACTIVE', 100, 'linux']);
      assert.deepEqual(shown.links.map((l: { rel: string }) => l.rel), ['self', 'bookmark', 'alternate']);
      assert.equal((await nova(bob, 'GET', `/images/${otherImage}`)).status, 404);
      assert.deepEqual((await nova(alice, 'POST', `/images/${otherImage}/metadata`, { metadata: { USERS: 'root' } })).body.metadata, { OSFAMILY: 'linux', USERS: 'root' });
      assert.deepEqual((await nova(alice, 'GET', `/images/${otherImage}/metadata/USERS`)).body, { meta: { USERS: 'root' } });
      assert.equal((await nova(alice, 'DELETE', `/images/${otherImage}/metadata/USERS`)).status, 204);
      assert.equal((await nova(alice, 'GET', `/images/${otherImage}/metadata/USERS`)).status, 404);
      assert.equal((await nova(bob, 'POST', `/images/${otherImage}/metadata`, { metadata: { x: 'y' } })).status, 404);
      assert.equal((await at('2.36')(alice, 'GET', '/images')).status, 404);
    });

    it('answers an empty body with Content-Type JSON as a missing one: 400 where a body is needed', async () => {
      const made = (await nova(alice, 'POST', '/servers', { server: { name: 'e', imageRef: aliceImage, flavorRef: '1' } })).body.server;
      await settled(alice, made.id);
      for (const [method, path] of [['PUT', `/servers/${made.id}`], ['POST', `/servers/${made.id}/action`], ['PUT', `/servers/${made.id}/metadata`], ['POST', '/os-keypairs']] as const) {
        const res = await plane.call(method, `/compute/v2.1${path}`, { token: alice.token, headers: { 'content-type': 'application/json' }, rawBody: '' });
        assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
        assert.equal(res.body.badRequest.code, 400);
      }
      const gone = await plane.call('DELETE', `/compute/v2.1/servers/${made.id}`, { token: alice.token, headers: { 'content-type': 'application/json' }, rawBody: '' });
      assert.equal(gone.status, 204, gone.text);
      await plane.jobs.idle();
    });
  });
}
