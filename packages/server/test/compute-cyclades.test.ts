// Cyclades' compute API at /compute/v2.0, replaying kamaki's requests
// (../shared/reference/kamaki-requests.md): integer ids for servers and flavors, STOPPED and
// REBOOT, a deleted server answered DELETED for a while, the codes kamaki insists on (201, 204),
// the compute images proxy `server create` reads first, Synnefo's error bodies; and each path
// accepting the other's ids. On a FakeBackend, on both databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeBackend } from '../src/backends/fake/fake-backend.ts';
import { computeHelpers, type User } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMs/8uoFlpVky81V7HZB58ptAKuDgmRHno4DK1cjtur/ alice@laptop';

for (const database of await testDatabases()) {
  describe(`Cyclades compute on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    const backend = new FakeBackend({ delayMs: 200 });
    let alice: User;
    let bob: User;
    let imageId: string;
    const { image, nova } = computeHelpers(() => plane);
    /** kamaki's calls: JSON bodies, the token, /compute/v2.0. */
    const kamaki = (user: User, method: string, path: string, body?: unknown) =>
      plane.call(method, `/compute/v2.0${path}`, { token: user.token, ...(body === undefined ? {} : { body }) });
    const status = async (user: User, id: number) => (await kamaki(user, 'GET', `/servers/${id}`)).body.server.status;

    before(async () => {
      plane = await startPlane(await database.create(), () => {}, { backend });
      alice = await plane.createUser('alice');
      bob = await plane.createUser('bob');
      imageId = await image(alice, { name: 'debian', USERS: 'root', OSFAMILY: 'linux' });
    });
    after(async () => { await plane?.close(); });

    it('creates, lists, stops, starts, reboots, renames and deletes a server as kamaki does', async () => {
      const flavors = (await kamaki(alice, 'GET', '/flavors')).body.flavors;
      assert.deepEqual(flavors.map((f: { id: number }) => f.id), [1, 2, 3, 4, 5]);
      // server create: the compute image first, then the server with an integer flavorRef.
      const img = await kamaki(alice, 'GET', `/images/${imageId}`);
      assert.equal(img.status, 200);
      assert.deepEqual(img.body.image.metadata, { USERS: 'root', OSFAMILY: 'linux' });
      assert.deepEqual([img.body.image.status, img.body.image.progress, img.body.image.user_id, img.body.image.public], ['ACTIVE', 100, alice.id, false]);
      const made = await kamaki(alice, 'POST', '/servers', { server: { name: 'kvm', flavorRef: 1, imageRef: imageId, metadata: { users: 'root' } } });
      assert.equal(made.status, 202, made.text);
      const id: number = made.body.server.id;
      assert.ok(Number.isInteger(id));
      assert.equal(made.body.server.status, 'BUILD');
      assert.equal(typeof made.body.server.adminPass, 'string');
      assert.equal(made.body.server.flavor.id, 1);
      for (const key of ['attachments', 'suspended', 'diagnostics', 'SNF:task_state', 'SNF:fqdn', 'SNF:port_forwarding', 'deleted', 'tenant_id', 'user_id', 'progress']) {
        assert.ok(key in made.body.server, key);
      }
      assert.equal(made.body.server['OS-EXT-STS:vm_state'], undefined, 'Nova\'s extensions are not Cyclades\'');
      assert.match(made.body.server.links[0].href, new RegExp(`/compute/v2.0/servers/${id}$`));

      const listed = (await kamaki(alice, 'GET', '/servers')).body.servers;
      assert.deepEqual(listed, [{ id, name: 'kvm', links: made.body.server.links }]);
      await plane.jobs.idle();
      const shown = (await kamaki(alice, 'GET', `/servers/${id}`)).body.server;
      assert.deepEqual([shown.status, shown.progress, shown['SNF:task_state'], shown.deleted], ['ACTIVE', 100, null, false]);
      assert.deepEqual((await kamaki(alice, 'GET', '/servers/detail')).body.servers.map((s: { id: number }) => s.id), [id]);

      assert.equal((await kamaki(alice, 'POST', `/servers/${id}/action`, { shutdown: {} })).status, 202);
      await plane.jobs.idle();
      assert.equal(await status(alice, id), 'STOPPED');
      // Cyclades' hard reboot needs a running server; Nova's would start it.
      assert.equal((await kamaki(alice, 'POST', `/servers/${id}/action`, { start: {} })).status, 202);
      await plane.jobs.idle();
      assert.equal(await status(alice, id), 'ACTIVE');
      for (const type of ['SOFT', 'HARD']) {
        assert.equal((await kamaki(alice, 'POST', `/servers/${id}/action`, { reboot: { type } })).status, 202);
        assert.equal(await status(alice, id), 'REBOOT', type);
        await plane.jobs.idle();
      }
      assert.equal((await kamaki(alice, 'POST', `/servers/${id}/action`, { reboot: {} })).status, 202, 'the type defaults to SOFT');
      await plane.jobs.idle();

      const renamed = await kamaki(alice, 'PUT', `/servers/${id}`, { server: { name: 'kvm2' } });
      assert.equal(renamed.status, 204);
      const meta = await kamaki(alice, 'POST', `/servers/${id}/metadata`, { metadata: { role: 'web' } });
      assert.equal(meta.status, 201);
      assert.deepEqual(meta.body.metadata, { users: 'root', role: 'web' });
      assert.equal((await kamaki(alice, 'PUT', `/servers/${id}/metadata/x`, { meta: { x: 'y' } })).status, 201);

      // The same server by its UUID on both paths, and by its integer on Nova's.
      const uuid = (await nova(alice, 'GET', `/servers/${id}`)).body.server.id;
      assert.match(uuid, /^[0-9a-f-]{36}$/);
      assert.equal((await kamaki(alice, 'GET', `/servers/${uuid}`)).body.server.id, id);
      assert.equal((await nova(alice, 'GET', `/servers/${uuid}`)).body.server.name, 'kvm2');

      const since = new Date(Date.now() - 1000).toISOString();
      assert.equal((await kamaki(alice, 'DELETE', `/servers/${id}`)).status, 204);
      await plane.jobs.idle();
      const deleted = (await kamaki(alice, 'GET', `/servers/${id}`)).body.server;
      assert.deepEqual([deleted.status, deleted.deleted], ['DELETED', true]);
      assert.equal((await nova(alice, 'GET', `/servers/${uuid}`)).status, 404, 'Nova forgets it at once');
      assert.equal((await kamaki(bob, 'GET', `/servers/${id}`)).status, 404);
      const changes = (await kamaki(alice, 'GET', `/servers/detail?changes-since=${encodeURIComponent(since)}`)).body.servers;
      assert.deepEqual(changes.map((s: { id: number; status: string }) => [s.id, s.status]), [[id, 'DELETED']]);
      assert.deepEqual((await kamaki(alice, 'GET', '/servers')).body.servers, []);
      assert.equal((await kamaki(alice, 'POST', `/servers/${id}/action`, { start: {} })).status, 404);
    });

    it("refuses an action the server's state does not allow as Cyclades does: 409 buildInProgress while built, else 400", async () => {
      const made = await kamaki(alice, 'POST', '/servers', { server: { name: 'states', flavorRef: 1, imageRef: imageId } });
      const id: number = made.body.server.id;
      const building = await kamaki(alice, 'POST', `/servers/${id}/action`, { start: {} });
      assert.equal(building.status, 409, building.text);
      assert.deepEqual(building.body, { buildInProgress: { code: 409, message: `Server '${id}' is being built.`, details: '' } });
      await plane.jobs.idle();
      const started = await kamaki(alice, 'POST', `/servers/${id}/action`, { start: {} });
      assert.equal(started.status, 400, started.text);
      assert.equal(started.body.badRequest.message, "Cannot perform 'START' action while server is in 'STARTED' state.");
      assert.equal((await kamaki(alice, 'POST', `/servers/${id}/action`, { shutdown: {} })).status, 202);
      const pending = await kamaki(alice, 'POST', `/servers/${id}/action`, { reboot: { type: 'SOFT' } });
      assert.equal(pending.status, 400, pending.text);
      assert.equal(pending.body.badRequest.message, "Cannot perform 'REBOOT' action while there is a pending 'STOP'.");
      // Nova's path keeps Nova's 409.
      await plane.jobs.idle();
      const nova409 = await plane.call('POST', `/compute/v2.1/servers/${id}/action`, { token: alice.token, body: { 'os-stop': null } });
      assert.equal(nova409.status, 409, nova409.text);
      assert.ok(nova409.body.conflictingRequest, nova409.text);
      await kamaki(alice, 'DELETE', `/servers/${id}`);
      await plane.jobs.idle();
    });

    it('answers key pairs 201 and 204, and Synnefo\'s error bodies', async () => {
      const made = await kamaki(alice, 'POST', '/os-keypairs', { keypair: { name: 'laptop', public_key: ED25519 } });
      assert.equal(made.status, 201, made.text);
      const generated = await kamaki(alice, 'POST', '/os-keypairs', { keypair: { name: 'gen' } });
      assert.equal(generated.status, 201);
      assert.match(generated.body.keypair.private_key, /PRIVATE KEY/);
      assert.equal((await kamaki(alice, 'DELETE', '/os-keypairs/laptop')).status, 204);
      assert.equal((await kamaki(alice, 'DELETE', '/os-keypairs/gen')).status, 204);
      const missing = await kamaki(alice, 'GET', '/servers/424242');
      assert.equal(missing.status, 404);
      assert.deepEqual(Object.keys(missing.body.itemNotFound).sort(), ['code', 'details', 'message']);
      const server = (await kamaki(alice, 'POST', '/servers', { server: { name: 'a', flavorRef: 1, imageRef: imageId } })).body.server.id;
      await plane.jobs.idle();
      const unknown = await kamaki(alice, 'POST', `/servers/${server}/action`, { explode: {} });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.badRequest.message, /^Action explode not supported$/);
      assert.equal((await kamaki(alice, 'POST', `/servers/${server}/action`, { shutdown: null })).status, 400);
      assert.equal((await kamaki(alice, 'POST', `/servers/${server}/action`, { rebuild: { imageRef: imageId } })).status, 400, 'not a Cyclades action');
      assert.equal((await kamaki(alice, 'POST', `/servers/${server}/action`, { console: { type: 'vnc' } })).status, 409, 'the fake backend has no screens');
      assert.equal((await kamaki(alice, 'POST', `/servers/${server}/action`, { console: { type: 'spice' } })).status, 400);
      assert.equal((await kamaki(alice, 'POST', `/servers/${server}/action`, { firewallProfile: { profile: 'ENABLED', nic: 1 } })).status, 501);
      // Over quota: Astakos' 413 overLimit, as Cyclades answers, where Nova answers 403.
      const limit = await plane.call('PUT', `/account/v1.0/quotas/${alice.id}/cyclades.vm`, { token: plane.adminToken, body: { limit: 1 } });
      assert.equal(limit.status, 200, limit.text);
      const over = await kamaki(alice, 'POST', '/servers', { server: { name: 'b', flavorRef: 1, imageRef: imageId } });
      assert.equal(over.status, 413, over.text);
      assert.equal(over.body.overLimit.code, 413);
      assert.equal((await nova(alice, 'POST', '/servers', { server: { name: 'b', flavorRef: '1', imageRef: imageId } })).status, 403);
      await plane.call('PUT', `/account/v1.0/quotas/${alice.id}/cyclades.vm`, { token: plane.adminToken, body: { limit: null } });
      assert.equal((await kamaki(alice, 'DELETE', `/servers/${server}`)).status, 204);
      await plane.jobs.idle();
    });

    it('gives admin-made flavors an integer id, which both paths take', async () => {
      const admin = { id: plane.adminId, token: plane.adminToken };
      const created = (await nova(admin, 'POST', '/flavors', { flavor: { name: 'c.uuid', ram: 256, vcpus: 1, disk: 1 } })).body.flavor;
      assert.match(created.id, /^[0-9a-f-]{36}$/);
      const cyclades = (await kamaki(alice, 'GET', `/flavors/${created.id}`)).body.flavor;
      assert.ok(Number.isInteger(cyclades.id) && cyclades.id > 5);
      assert.deepEqual([cyclades.ram, cyclades['SNF:disk_template'], cyclades['SNF:allow_create']], [256, 'file', true]);
      assert.equal((await nova(alice, 'GET', `/flavors/${cyclades.id}`)).body.flavor.id, created.id);
      const taken = await nova(admin, 'POST', '/flavors', { flavor: { name: 'c.clash', ram: 256, vcpus: 1, disk: 1, id: String(cyclades.id) } });
      assert.equal(taken.status, 409, 'an integer id is taken by the integer id of another flavor');
      const explicit = (await nova(admin, 'POST', '/flavors', { flavor: { name: 'c.int', ram: 256, vcpus: 1, disk: 1, id: '77' } })).body.flavor;
      assert.equal((await kamaki(alice, 'GET', `/flavors/${explicit.id}`)).body.flavor.id, 77);
      const next = (await nova(admin, 'POST', '/flavors', { flavor: { name: 'c.after', ram: 256, vcpus: 1, disk: 1 } })).body.flavor;
      assert.equal((await kamaki(alice, 'GET', `/flavors/${next.id}`)).body.flavor.id, 78, 'the counter moved past the integer id given');
      const server = await kamaki(alice, 'POST', '/servers', { server: { name: 'b', flavorRef: cyclades.id, imageRef: imageId } });
      assert.equal(server.status, 202, server.text);
      assert.equal(server.body.server.flavor.id, cyclades.id);
      await plane.jobs.idle();
      assert.equal((await kamaki(alice, 'DELETE', `/servers/${server.body.server.id}`)).status, 204);
      await plane.jobs.idle();
    });
  });
}
