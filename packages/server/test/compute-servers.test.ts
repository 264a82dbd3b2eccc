// Servers through Nova v2.1 on a FakeBackend, on both databases: the lifecycle with its
// statuses and task states, console output, quota after each step, refusals over quota, bad
// input, isolation between users, failed builds, metadata and tags, listing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BackendError } from '../src/backends/backend.ts';
import { FakeBackend } from '../src/backends/fake/fake-backend.ts';
import { held, computeHelpers, MiB, NOTHING, type User } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

for (const database of await testDatabases()) {
  describe(`servers on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    const backend = new FakeBackend({ delayMs: 300 });
    let alice: User;
    let bob: User;
    let aliceImage: string;
    const { nova, image, create, settled, show, action, usage, setLimit } = computeHelpers(() => plane);

    before(async () => {
      plane = await startPlane(await database.create(), () => {}, { backend });
      alice = await plane.createUser('alice');
      bob = await plane.createUser('bob');
      aliceImage = await image(alice);
    });
    after(async () => { await plane?.close(); });

    it('walks a server through build, stop, resize, start, reboots and delete, charging quota at each step', async () => {
      const key = await nova(alice, 'POST', '/os-keypairs', { keypair: { name: 'laptop' } });
      assert.equal(key.status, 200, key.text);
      const publicKey: string = key.body.keypair.public_key;
      const made = await create(alice, { name: 'Web Server #1', imageRef: aliceImage, key_name: 'laptop', metadata: { role: 'web' }, adminPass: 'chosen-pass', user_data: Buffer.from('#!/bin/sh\necho hi\n').toString('base64') });
      assert.equal(made.adminPass, 'chosen-pass');
      assert.match(made.links[0]!.href, new RegExp(`/compute/v2.1/servers/${made.id}$`));
      const building = await show(alice, made.id);
      assert.equal(building.status, 'BUILD');
      assert.equal(building['OS-EXT-STS:task_state'], 'spawning');
      assert.equal(building['SNF:task_state'], undefined);
      assert.equal((await plane.call('GET', `/compute/v2.0/servers/${made.id}`, { token: alice.token })).body.server['SNF:task_state'], 'BUILDING');
      assert.deepEqual(await usage(alice), held(1, 128, 1, true));

      const active = await settled(alice, made.id);
      assert.equal(active.status, 'ACTIVE');
      assert.equal(active['OS-EXT-STS:power_state'], 1);
      assert.equal(active['OS-EXT-STS:task_state'], null);
      assert.equal(active.key_name, 'laptop');
      assert.deepEqual(active.metadata, { role: 'web' });
      assert.equal(active.flavor.id, '1');
      assert.equal(active.image.id, aliceImage);
      assert.ok(active['OS-SRV-USG:launched_at']);
      const spec = backend.spec(made.id)!;
      assert.equal(spec.personalisation.hostname, 'web-server-1');
      assert.equal(spec.personalisation.adminPass, 'chosen-pass');
      assert.equal(spec.personalisation.userData?.toString(), '#!/bin/sh\necho hi\n');
      assert.deepEqual(spec.personalisation.publicKeys, { laptop: publicKey });
      assert.equal(spec.image.format, 'raw');
      assert.equal(spec.diskBytes, 1024 * MiB);

      const output = await action(alice, made.id, { 'os-getConsoleOutput': {} });
      assert.equal(output.status, 200, output.text);
      assert.match(output.body.output, /oceanos-guest: hostname=web-server-1/);
      assert.match(output.body.output, /oceanos-guest: ssh-key=SHA256:\S+ ssh-/);
      assert.match(output.body.output, /oceanos-guest: user-data=/);
      const last = await action(alice, made.id, { 'os-getConsoleOutput': { length: 1 } });
      assert.equal(last.body.output, 'oceanos-guest: ready\r\n');
      assert.equal((await action(alice, made.id, { 'os-getConsoleOutput': { length: '2' } })).body.output.split('\n').length, 3);

      assert.equal((await action(alice, made.id, { 'os-stop': null })).status, 202);
      const stopping = await show(alice, made.id);
      assert.equal(stopping['OS-EXT-STS:task_state'], 'powering-off');
      assert.equal(stopping.status, 'ACTIVE');
      const stopped = await settled(alice, made.id);
      assert.equal(stopped.status, 'SHUTOFF');
      assert.equal(stopped['OS-EXT-STS:power_state'], 4);
      assert.deepEqual(await usage(alice), held(1, 128, 1, false));

      assert.equal((await action(alice, made.id, { resize: { flavorRef: '2' } })).status, 202);
      assert.equal((await show(alice, made.id)).status, 'RESIZE');
      const resized = await settled(alice, made.id);
      assert.equal(resized.status, 'VERIFY_RESIZE');
      assert.equal(resized['OS-EXT-STS:vm_state'], 'resized');
      assert.equal(resized.flavor.id, '2');
      assert.deepEqual(await usage(alice), held(1, 512, 1, false));
      assert.equal((await backend.inspect(made.id))!.ramMiB, 512);
      assert.equal((await action(alice, made.id, { confirmResize: null })).status, 204);
      assert.equal((await show(alice, made.id)).status, 'SHUTOFF');

      assert.equal((await action(alice, made.id, { start: {} })).status, 202);
      assert.equal((await plane.call('GET', `/compute/v2.0/servers/${made.id}`, { token: alice.token })).body.server['SNF:task_state'], 'STARTING');
      assert.deepEqual(await usage(alice), held(1, 512, 1, true), 'a start charges at once');
      assert.equal((await settled(alice, made.id)).status, 'ACTIVE');

      assert.equal((await action(alice, made.id, { reboot: { type: 'SOFT' } })).status, 202);
      assert.equal((await show(alice, made.id)).status, 'REBOOT');
      assert.equal((await settled(alice, made.id)).status, 'ACTIVE');
      assert.equal((await action(alice, made.id, { reboot: { type: 'HARD' } })).status, 202);
      assert.equal((await show(alice, made.id)).status, 'HARD_REBOOT');
      assert.equal((await settled(alice, made.id)).status, 'ACTIVE');
      assert.deepEqual(await usage(alice), held(1, 512, 1, true));

      assert.equal((await nova(alice, 'DELETE', `/servers/${made.id}`)).status, 204);
      assert.equal((await show(alice, made.id))['OS-EXT-STS:task_state'], 'deleting');
      assert.equal((await nova(alice, 'DELETE', `/servers/${made.id}`)).status, 204, 'a second delete changes nothing');
      await plane.jobs.idle(made.id);
      const gone = await nova(alice, 'GET', `/servers/${made.id}`);
      assert.equal(gone.status, 404);
      assert.deepEqual(gone.body, { itemNotFound: { code: 404, message: `Instance ${made.id} could not be found.` } });
      assert.deepEqual(await usage(alice), NOTHING);
      assert.equal(await backend.inspect(made.id), null);
    });

    it('refuses a server over quota with nothing charged, and a start over quota', async () => {
      await setLimit(alice, 'cyclades.ram', 100 * MiB);
      const refused = await nova(alice, 'POST', '/servers', { server: { name: 'big', imageRef: aliceImage, flavorRef: '1' } });
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.body.forbidden.message, `Quota exceeded for cyclades.ram: Requested ${128 * MiB}, but already used 0 of ${100 * MiB}`);
      assert.deepEqual(await usage(alice), NOTHING);
      assert.equal((await nova(alice, 'GET', '/servers')).body.servers.length, 0);
      await setLimit(alice, 'cyclades.ram', null);

      const made = await create(alice, { imageRef: aliceImage });
      await settled(alice, made.id);
      await action(alice, made.id, { 'os-stop': {} });
      await settled(alice, made.id);
      await setLimit(alice, 'cyclades.cpu', 0);
      const start = await action(alice, made.id, { 'os-start': null });
      assert.equal(start.status, 403, start.text);
      assert.match(start.body.forbidden.message, /^Quota exceeded for cyclades.cpu: Requested 1, but already used 0 of 0$/);
      assert.equal((await show(alice, made.id)).status, 'SHUTOFF');
      assert.deepEqual(await usage(alice), held(1, 128, 1, false));
      await setLimit(alice, 'cyclades.cpu', null);
      await nova(alice, 'DELETE', `/servers/${made.id}`);
      await plane.jobs.idle();
      assert.deepEqual(await usage(alice), NOTHING);
    });

    it('answers bad input with 400 in Nova\'s shape', async () => {
      const small = await image(alice, { min_disk: 2 });
      const hungry = await image(alice, { min_ram: 1024 });
      const queued = (await plane.call('POST', '/image/v2/images', { token: alice.token, body: { name: 'empty', disk_format: 'raw', container_format: 'bare' } })).body.id;
      const base = { name: 'x', imageRef: aliceImage, flavorRef: '1' };
      const b64 = (n: number) => Buffer.alloc(n, 1).toString('base64');
      const cases: [unknown, RegExp][] = [
        [{}, /server/],
        [{ server: { ...base, name: '' } }, /name/],
        [{ server: { ...base, name: ' padded' } }, /whitespace/],
        [{ server: { ...base, imageRef: '00000000-0000-0000-0000-000000000000' } }, /^Image 00000000-0000-0000-0000-000000000000 could not be found\.$/],
        [{ server: { ...base, imageRef: queued } }, /is not active/],
        [{ server: { ...base, flavorRef: '999' } }, /^Flavor 999 could not be found\.$/],
        [{ server: { ...base, imageRef: small } }, /^Flavor's disk is too small for requested image\.$/],
        [{ server: { ...base, imageRef: hungry } }, /^Flavor's memory is too small for requested image\.$/],
        [{ server: { ...base, key_name: 'nope' } }, /^Invalid key_name provided\.$/],
        [{ server: { ...base, user_data: 'not base64!' } }, /user_data/],
        [{ server: { ...base, user_data: 'A'.repeat(65536) } }, /user_data/],
        [{ server: { ...base, personality: Array.from({ length: 6 }, (_, i) => ({ path: `/f${i}`, contents: '' })) } }, /Personality file limit/],
        [{ server: { ...base, personality: [{ path: '/big', contents: b64(10241) }] } }, /Personality content limit/],
        [{ server: { ...base, personality: [{ path: '/f', contents: '', mode: 0o10000 }] } }, /personality\.mode/],
        [{ server: { ...base, personality: [{ path: '/f', contents: '', owner: 'root; rm -rf /' }] } }, /personality\.owner/],
        [{ server: { ...base, networks: [{ uuid: '00000000-0000-0000-0000-000000000000' }] } }, /^networking is not available yet/],
        [{ server: { ...base, max_count: 2 } }, /only one server/],
        [{ server: { ...base, min_count: 3 } }, /only one server/],
        [{ server: { ...base, metadata: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v'])) } }, /metadata items/],
        [{ server: { ...base, metadata: { k: 5 } } }, /metadata/],
        [{ server: { ...base, tags: ['a/b'] } }, /tags/],
      ];
      for (const [body, message] of cases) {
        const res = await nova(alice, 'POST', '/servers', body);
        assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 120)}: ${res.text}`);
        assert.deepEqual(Object.keys(res.body), ['badRequest']);
        assert.equal(res.body.badRequest.code, 400);
        assert.match(res.body.badRequest.message, message);
      }
      assert.deepEqual(await usage(alice), NOTHING);
      const ok = await nova(alice, 'POST', '/servers', { server: { ...base, max_count: 1, personality: [{ path: '/etc/motd', contents: b64(10) }] } });
      assert.equal(ok.status, 202, ok.text);
      const id = ok.body.server.id;
      await settled(alice, id);
      const actions: [unknown, number, RegExp][] = [
        [{ 'os-explode': null }, 400, /^There is no such action: os-explode$/],
        [{ reboot: { type: 'GENTLE' } }, 400, /SOFT or HARD/],
        [{ 'os-start': null, 'os-stop': null }, 400, /one member/],
        [{ 'os-getConsoleOutput': { length: 'ten' } }, 400, /length/],
        [{ 'os-getVNCConsole': { type: 'spice-html5' } }, 400, /novnc/],
        [{ 'os-getVNCConsole': { type: 'novnc' } }, 409, /does not serve graphical consoles/],
      ];
      for (const [body, status, message] of actions) {
        const res = await action(alice, id, body);
        assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
        assert.match(Object.values(res.body as Record<string, { message: string }>)[0]!.message, message);
      }
      await action(alice, id, { 'os-stop': null });
      await settled(alice, id);
      assert.match((await action(alice, id, { resize: { flavorRef: '1' } })).body.badRequest.message, /must change flavor/);
      assert.match((await action(alice, id, { resize: { flavorRef: '3' } })).body.badRequest.message, /keeps the disk's size/);
      assert.match((await action(alice, id, { resize: { flavorRef: '42' } })).body.badRequest.message, /^Flavor 42 could not be found\.$/);
      const remote = await nova(alice, 'POST', `/servers/${id}/remote-consoles`, { remote_console: { protocol: 'spice', type: 'spice-html5' } });
      assert.equal(remote.status, 400);
      assert.equal((await nova(alice, 'PUT', `/servers/${id}`, { server: { name: 'ok', color: 'red' } })).status, 400);
      await nova(alice, 'DELETE', `/servers/${id}`);
      await plane.jobs.idle();
    });

    it('keeps users apart: another user\'s server is not found, admins see all with all_tenants', async () => {
      const made = await create(alice, { imageRef: aliceImage, name: 'private' });
      await settled(alice, made.id);
      const notFound = { itemNotFound: { code: 404, message: `Instance ${made.id} could not be found.` } };
      for (const [method, path, body] of [
        ['GET', `/servers/${made.id}`], ['PUT', `/servers/${made.id}`, { server: { name: 'mine' } }], ['DELETE', `/servers/${made.id}`],
        ['POST', `/servers/${made.id}/action`, { 'os-stop': null }], ['GET', `/servers/${made.id}/metadata`], ['PUT', `/servers/${made.id}/tags/x`],
        ['GET', `/servers/${made.id}/ips`], ['POST', `/servers/${made.id}/action`, { 'os-getConsoleOutput': {} }],
      ] as [string, string, unknown?][]) {
        const res = await nova(bob, method, path, body);
        assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
        assert.deepEqual(res.body, notFound);
      }
      assert.deepEqual((await nova(bob, 'GET', '/servers')).body.servers, []);
      assert.equal((await nova(bob, 'GET', '/servers?all_tenants=1')).status, 403);
      const admin = { id: plane.adminId, token: plane.adminToken };
      assert.deepEqual((await nova(admin, 'GET', '/servers')).body.servers, []);
      const all = await nova(admin, 'GET', '/servers/detail?all_tenants=1');
      assert.deepEqual(all.body.servers.map((s: { id: string }) => s.id), [made.id]);
      assert.equal(all.body.servers[0].user_id, alice.id);
      assert.equal(all.body.servers[0].tenant_id, alice.id);
      assert.deepEqual((await nova(alice, 'GET', `/servers/${made.id}/ips`)).body, { addresses: {} });
      await nova(alice, 'DELETE', `/servers/${made.id}`);
      await plane.jobs.idle();
    });

    it('puts a failed build in ERROR with a fault, releases its quota and destroys what was made', async () => {
      backend.failNext('create', new BackendError('no space left for the disk'));
      const made = await create(alice, { imageRef: aliceImage });
      const failed = await settled(alice, made.id);
      assert.equal(failed.status, 'ERROR');
      assert.equal(failed['OS-EXT-STS:task_state'], null);
      assert.equal(failed.fault.code, 500);
      assert.equal(failed.fault.message, 'no space left for the disk');
      assert.ok(failed.fault.created);
      assert.deepEqual(await usage(alice), NOTHING);
      assert.equal(await backend.inspect(made.id), null);
      assert.equal((await action(alice, made.id, { 'os-start': null })).status, 409);
      assert.equal((await nova(alice, 'DELETE', `/servers/${made.id}`)).status, 204);
      await plane.jobs.idle();
      assert.equal((await nova(alice, 'GET', `/servers/${made.id}`)).status, 404);
      assert.deepEqual(await usage(alice), NOTHING);
    });

    it('returns a failed start to SHUTOFF with a fault (Cyclades\' diagnostics; Nova shows faults only in ERROR) and without cpu and ram', async () => {
      const made = await create(alice, { imageRef: aliceImage });
      await settled(alice, made.id);
      await action(alice, made.id, { 'os-stop': null });
      await settled(alice, made.id);
      backend.failNext('start', new BackendError('the host is out of memory'));
      assert.equal((await action(alice, made.id, { 'os-start': null })).status, 202);
      const after = await settled(alice, made.id);
      assert.equal(after.status, 'SHUTOFF');
      assert.equal(after.fault, undefined);
      const cyclades = async () => (await plane.call('GET', `/compute/v2.0/servers/${made.id}`, { token: alice.token })).body.server;
      assert.equal((await cyclades()).diagnostics[0].message, 'the host is out of memory');
      assert.equal((await cyclades()).diagnostics[0].level, 'ERROR');
      assert.deepEqual(await usage(alice), held(1, 128, 1, false));
      assert.equal((await action(alice, made.id, { 'os-start': null })).status, 202);
      const started = await settled(alice, made.id);
      assert.equal(started.status, 'ACTIVE');
      assert.deepEqual((await cyclades()).diagnostics, [], 'a new task clears the last fault');
      await nova(alice, 'DELETE', `/servers/${made.id}`);
      await plane.jobs.idle();
      assert.deepEqual(await usage(alice), NOTHING);
    });

    it('deletes a server whose build is still queued or running, without leaving a VM', async () => {
      const made = await create(alice, { imageRef: aliceImage });
      assert.equal((await nova(alice, 'DELETE', `/servers/${made.id}`)).status, 204);
      await plane.jobs.idle(made.id);
      assert.equal((await nova(alice, 'GET', `/servers/${made.id}`)).status, 404);
      assert.equal(await backend.inspect(made.id), null);
      assert.deepEqual(await usage(alice), NOTHING);
    });

    it('keeps metadata and tags within their limits', async () => {
      const made = (await nova(alice, 'POST', '/servers', { server: { name: 'vm', flavorRef: '1', networks: 'none', imageRef: aliceImage, metadata: { a: '1' }, tags: ['blue'] } }, '2.52')).body.server;
      const base = `/servers/${made.id}`;
      assert.deepEqual((await nova(alice, 'GET', `${base}/metadata`)).body, { metadata: { a: '1' } });
      assert.deepEqual((await nova(alice, 'POST', `${base}/metadata`, { metadata: { b: '2' } })).body, { metadata: { a: '1', b: '2' } });
      assert.deepEqual((await nova(alice, 'PUT', `${base}/metadata`, { metadata: { c: '3' } })).body, { metadata: { c: '3' } });
      assert.deepEqual((await nova(alice, 'PUT', `${base}/metadata/d`, { meta: { d: '4' } })).body, { meta: { d: '4' } });
      assert.deepEqual((await nova(alice, 'GET', `${base}/metadata/d`)).body, { meta: { d: '4' } });
      assert.equal((await nova(alice, 'PUT', `${base}/metadata/d`, { meta: { e: '4' } })).status, 400);
      assert.equal((await nova(alice, 'POST', `${base}/metadata`, { metadata: { ['k'.repeat(256)]: 'v' } })).status, 400);
      assert.equal((await nova(alice, 'DELETE', `${base}/metadata/d`)).status, 204);
      assert.equal((await nova(alice, 'DELETE', `${base}/metadata/d`)).body.itemNotFound.code, 404);
      assert.equal((await nova(alice, 'GET', `${base}/metadata/d`)).status, 404);
      const many = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`m${i}`, 'v']));
      assert.equal((await nova(alice, 'POST', `${base}/metadata`, { metadata: many })).status, 400, 'merged past 128 items');

      assert.deepEqual((await nova(alice, 'GET', `${base}/tags`)).body, { tags: ['blue'] });
      assert.equal((await nova(alice, 'PUT', `${base}/tags/red`)).status, 201);
      assert.equal((await nova(alice, 'PUT', `${base}/tags/red`)).status, 204);
      assert.equal((await nova(alice, 'GET', `${base}/tags/red`)).status, 204);
      assert.equal((await nova(alice, 'GET', `${base}/tags/green`)).status, 404);
      assert.equal((await nova(alice, 'PUT', `${base}/tags/a,b`)).status, 400);
      assert.equal((await nova(alice, 'PUT', `${base}/tags/${'t'.repeat(61)}`)).status, 400);
      assert.deepEqual((await nova(alice, 'PUT', `${base}/tags`, { tags: ['x', 'y'] })).body, { tags: ['x', 'y'] });
      assert.equal((await nova(alice, 'PUT', `${base}/tags`, { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) })).status, 400);
      assert.equal((await nova(alice, 'DELETE', `${base}/tags/x`)).status, 204);
      assert.equal((await nova(alice, 'DELETE', `${base}/tags/x`)).status, 404);
      const tagsOf = async () => (await nova(alice, 'GET', `/servers/${made.id}`, undefined, '2.26')).body.server.tags;
      assert.equal((await show(alice, made.id)).tags, undefined);
      assert.deepEqual(await tagsOf(), ['y']);
      assert.equal((await nova(alice, 'DELETE', `${base}/tags`)).status, 204);
      assert.deepEqual(await tagsOf(), []);
      const renamed = await nova(alice, 'PUT', base, { server: { name: 'renamed' } });
      assert.equal(renamed.body.server.name, 'renamed');
      assert.equal(renamed.body.server.status, (await show(alice, made.id)).status);
      await nova(alice, 'DELETE', base);
      await plane.jobs.idle();
    });

    it('lists with filters, paging and changes-since', async () => {
      const started = new Date().toISOString();
      const ids: string[] = [];
      for (const name of ['alpha', 'beta', 'gamma', 'delta']) ids.push((await create(alice, { imageRef: aliceImage, name, flavorRef: name === 'delta' ? '2' : '1' })).id);
      await plane.jobs.idle();
      await action(alice, ids[1]!, { 'os-stop': null });
      await nova(alice, 'DELETE', `/servers/${ids[2]}`);
      await plane.jobs.idle();
      const names = async (query: string) => {
        const res = await nova(alice, 'GET', `/servers/detail${query}`);
        assert.equal(res.status, 200, res.text);
        return res.body.servers.map((s: { name: string }) => s.name);
      };
      assert.deepEqual(await names(''), ['delta', 'beta', 'alpha'], 'newest first, deleted ones left out');
      assert.deepEqual(await names('?name=ta'), ['delta', 'beta'], 'name is an unanchored regex');
      assert.deepEqual(await names('?name=^al'), ['alpha']);
      assert.deepEqual(await names('?status=SHUTOFF'), ['beta']);
      assert.deepEqual(await names('?flavor=2'), ['delta']);
      assert.deepEqual(await names(`?image=${aliceImage}`), ['delta', 'beta', 'alpha']);
      const changed = await nova(alice, 'GET', `/servers/detail?changes-since=${encodeURIComponent(started)}`);
      assert.deepEqual(changed.body.servers.map((s: { name: string; status: string }) => `${s.name}:${s.status}`).sort(), ['alpha:ACTIVE', 'beta:SHUTOFF', 'delta:ACTIVE', 'gamma:DELETED']);
      assert.deepEqual(await names(`?changes-since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`), []);
      assert.equal((await nova(alice, 'GET', '/servers?changes-since=yesterday')).status, 400);
      assert.equal((await nova(alice, 'GET', '/servers?name=(')).status, 400);
      assert.equal((await nova(alice, 'GET', `/servers?name=${encodeURIComponent('(a)\\1')}`)).status, 400, 'no backreferences');
      assert.equal((await nova(alice, 'GET', '/servers?limit=-1')).status, 400);

      const first = await nova(alice, 'GET', '/servers?limit=2');
      assert.deepEqual(first.body.servers.map((s: { name: string }) => s.name), ['delta', 'beta']);
      assert.deepEqual(Object.keys(first.body.servers[0]).sort(), ['id', 'links', 'name']);
      const next = new URL(first.body.servers_links[0].href);
      assert.equal(next.pathname, '/compute/v2.1/servers');
      assert.equal(next.searchParams.get('marker'), ids[1]);
      const second = await nova(alice, 'GET', `/servers${next.search}`);
      assert.deepEqual(second.body.servers.map((s: { name: string }) => s.name), ['alpha']);
      assert.equal(second.body.servers_links, undefined);
      const unknown = await nova(alice, 'GET', '/servers?marker=00000000-0000-0000-0000-000000000000');
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.badRequest.message, /marker \[00000000-0000-0000-0000-000000000000\] not found/);
      const v20 = await plane.call('GET', '/compute/v2.0/servers?limit=1', { token: alice.token });
      assert.match(v20.body.servers_links[0].href, /\/compute\/v2.0\/servers\?/);
      assert.match(v20.body.servers[0].links[0].href, /\/compute\/v2.0\/servers\//);

      // Patterns run in linear time: one that would backtrack for hours answers at once.
      assert.equal((await nova(alice, 'PUT', `/servers/${ids[0]}`, { server: { name: `${'a'.repeat(60)}!` } })).status, 200);
      assert.deepEqual(await names(`?name=${encodeURIComponent('^(a+)+$')}`), []);
      assert.equal((await names(`?name=${encodeURIComponent('^(a+)+!$')}`)).length, 1);

      for (const id of [ids[0], ids[1], ids[3]]) await nova(alice, 'DELETE', `/servers/${id}`);
      await plane.jobs.idle();
      assert.deepEqual(await usage(alice), NOTHING);
    });
  });
}
