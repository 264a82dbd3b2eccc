// Images through Glance v2 and Plankton, on both databases: the image lifecycle, data checks,
// visibility and members, JSON patch, listing, registration of Pithos files, and bad input.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
const OCTETS = { 'content-type': 'application/octet-stream' };

/** A qcow2 header: magic, version 3, optional backing file offset, the virtual size. */
function qcow2(virtualSize: number, backingFileOffset = 0): Buffer {
  const head = Buffer.alloc(1024);
  head.writeUInt32BE(0x514649fb, 0);
  head.writeUInt32BE(3, 4);
  head.writeBigUInt64BE(BigInt(backingFileOffset), 8);
  head.writeUInt32BE(16, 20);
  head.writeBigUInt64BE(BigInt(virtualSize), 24);
  return head;
}

for (const database of await testDatabases()) {
  describe(`images on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    type User = { id: string; token: string };
    let alice: User;
    let bob: User;
    let carol: User;
    before(async () => {
      plane = await startPlane(await database.create());
      alice = await plane.createUser('alice');
      bob = await plane.createUser('bob');
      carol = await plane.createUser('carol');
    });
    after(async () => { await plane?.close(); });

    const call = (user: User, method: string, path: string, options: { body?: unknown; rawBody?: Buffer | string; headers?: Record<string, string> } = {}) =>
      plane.call(method, `/image/v2${path}`, { token: user.token, ...options });
    const create = async (user: User, body: Record<string, unknown>) => {
      const res = await call(user, 'POST', '/images', { body });
      assert.equal(res.status, 201, res.text);
      return res.body as Record<string, any>;
    };
    const upload = (user: User, id: string, data: Buffer, headers: Record<string, string> = {}) =>
      call(user, 'PUT', `/images/${id}/file`, { rawBody: data, headers: { ...OCTETS, ...headers } });
    const usage = async (user: User) =>
      (await plane.call('GET', '/account/v1.0/quotas', { token: user.token })).body[user.id]['pithos.diskspace'].usage;

    it('answers version discovery at /image and lists the image service in the catalog', async () => {
      const res = await plane.call('GET', '/image');
      assert.equal(res.status, 300);
      assert.equal(res.body.versions[0].status, 'CURRENT');
      assert.match(res.body.versions[0].links[0].href, /\/image\/v2\/$/);
      const catalog = await plane.call('GET', '/identity/v3/auth/catalog', { token: alice.token });
      assert.ok(catalog.body.catalog.some((s: { type: string }) => s.type === 'image'));
    });

    it('creates, uploads, shows and downloads an image; a second upload is refused', async () => {
      const image = await create(alice, { name: 'raw-one', disk_format: 'raw', container_format: 'bare', OSFAMILY: 'linux', tags: ['a'] });
      assert.equal(image.status, 'queued');
      assert.equal(image.OSFAMILY, 'linux');
      assert.equal(image.visibility, 'shared');
      assert.equal((await call(alice, 'GET', `/images/${image.id}/file`)).status, 204);
      const data = randomBytes(5 * 1024 * 1024 + 17);
      assert.equal((await upload(alice, image.id, data)).status, 204);
      const shown = (await call(alice, 'GET', `/images/${image.id}`)).body;
      assert.equal(shown.status, 'active');
      assert.equal(shown.size, data.length);
      assert.equal(shown.virtual_size, data.length);
      assert.equal(shown.checksum, md5(data));
      const got = await call(alice, 'GET', `/images/${image.id}/file`);
      assert.equal(got.status, 200);
      assert.equal(got.headers['content-md5'], md5(data));
      assert.ok(Buffer.from(got.text, 'latin1').length > 0);
      const ranged = await call(alice, 'GET', `/images/${image.id}/file`, { headers: { range: 'bytes=10-19' } });
      assert.equal(ranged.status, 206);
      const again = await upload(alice, image.id, data);
      assert.equal(again.status, 409);
      assert.equal(again.body.code, '409 Conflict');
      // The upload went through Pithos: the file is in alice's `images` container under the image id.
      const file = await plane.call('HEAD', `/object-store/v1/${alice.id}/images/${image.id}`, { token: alice.token });
      assert.equal(file.status, 200);
      assert.equal(file.headers['x-object-uuid'], image.id);
      assert.equal(await usage(alice), data.length);
      // Deleting an uploaded image removes its file and gives the space back.
      assert.equal((await call(alice, 'DELETE', `/images/${image.id}`)).status, 204);
      assert.equal((await call(alice, 'GET', `/images/${image.id}`)).status, 404);
      assert.equal((await plane.call('HEAD', `/object-store/v1/${alice.id}/images/${image.id}`, { token: alice.token })).status, 404);
      assert.equal(await usage(alice), 0);
    });

    it('downloads byte-identical data', async () => {
      const image = await create(alice, { name: 'exact', disk_format: 'raw', container_format: 'bare' });
      const data = randomBytes(4 * 1024 * 1024 + 3);
      await upload(alice, image.id, data);
      const res = await plane.app.inject({ method: 'GET', url: `/image/v2/images/${image.id}/file`, headers: { 'x-auth-token': alice.token } });
      assert.ok(res.rawPayload.equals(data));
      await call(alice, 'DELETE', `/images/${image.id}`);
    });

    it('checks qcow2 data and checksums; a refused upload leaves the image queued and nothing charged', async () => {
      const image = await create(alice, { name: 'q', disk_format: 'qcow2', container_format: 'bare' });
      const notQcow = await upload(alice, image.id, randomBytes(4096));
      assert.equal(notQcow.status, 400);
      assert.match(notQcow.body.message, /not a qcow2/);
      assert.equal((await call(alice, 'GET', `/images/${image.id}`)).body.status, 'queued');
      const backed = await upload(alice, image.id, qcow2(1 << 30, 512));
      assert.equal(backed.status, 400);
      assert.match(backed.body.message, /backing file/);
      const wrongSum = await upload(alice, image.id, qcow2(1 << 30), { 'content-md5': md5(Buffer.from('other')) });
      assert.equal(wrongSum.status, 400);
      assert.equal((await call(alice, 'GET', `/images/${image.id}`)).body.status, 'queued');
      assert.equal(await usage(alice), 0);
      const good = qcow2(1 << 30);
      assert.equal((await upload(alice, image.id, good, { 'content-md5': createHash('md5').update(good).digest('base64') })).status, 204);
      const shown = (await call(alice, 'GET', `/images/${image.id}`)).body;
      assert.equal(shown.status, 'active');
      assert.equal(shown.virtual_size, 1 << 30);
      assert.equal(shown.size, good.length);
      await call(alice, 'DELETE', `/images/${image.id}`);
    });

    it('refuses an upload over quota with 413 and queues the image again', async () => {
      const set = await plane.call('PUT', `/account/v1.0/quotas/${carol.id}/pithos.diskspace`, { token: plane.adminToken, body: { limit: 1000 } });
      assert.ok(set.status < 300, set.text);
      const image = await create(carol, { name: 'big', disk_format: 'raw', container_format: 'bare' });
      const res = await upload(carol, image.id, randomBytes(4000));
      assert.equal(res.status, 413);
      assert.equal((await call(carol, 'GET', `/images/${image.id}`)).body.status, 'queued');
      assert.equal(await usage(carol), 0);
    });

    it('keeps private images invisible and shows shared ones to members only', async () => {
      const priv = await create(alice, { name: 'secret', visibility: 'private', disk_format: 'raw', container_format: 'bare' });
      assert.equal((await call(bob, 'GET', `/images/${priv.id}`)).status, 404);
      assert.equal((await call(bob, 'GET', `/images/${priv.id}/file`)).status, 404);
      assert.equal((await call(bob, 'PATCH', `/images/${priv.id}`, { rawBody: '[]', headers: PATCH })).status, 404);
      assert.equal((await call(bob, 'DELETE', `/images/${priv.id}`)).status, 404);
      assert.equal((await call(alice, 'POST', `/images/${priv.id}/members`, { body: { member: bob.id } })).status, 403);

      const shared = await create(alice, { name: 'for-bob', visibility: 'shared', disk_format: 'raw', container_format: 'bare' });
      await upload(alice, shared.id, Buffer.from('shared bytes'));
      assert.equal((await call(bob, 'GET', `/images/${shared.id}`)).status, 404);
      const added = await call(alice, 'POST', `/images/${shared.id}/members`, { body: { member: bob.id } });
      assert.equal(added.status, 200);
      assert.equal(added.body.status, 'pending');
      assert.equal((await call(alice, 'POST', `/images/${shared.id}/members`, { body: { member: bob.id } })).status, 409);
      // Pending: visible by id, not in bob's default list.
      assert.equal((await call(bob, 'GET', `/images/${shared.id}`)).status, 200);
      const names = async (user: User, query = '') => (await call(user, 'GET', `/images${query}`)).body.images.map((i: { name: string }) => i.name);
      assert.ok(!(await names(bob)).includes('for-bob'));
      assert.ok((await names(bob, '?member_status=pending')).includes('for-bob'));
      assert.equal((await call(alice, 'PUT', `/images/${shared.id}/members/${bob.id}`, { body: { status: 'accepted' } })).status, 403);
      assert.equal((await call(bob, 'PUT', `/images/${shared.id}/members/${bob.id}`, { body: { status: 'accepted' } })).body.status, 'accepted');
      assert.ok((await names(bob)).includes('for-bob'));
      assert.equal((await call(bob, 'GET', `/images/${shared.id}/file`)).text, 'shared bytes');
      assert.equal((await call(bob, 'DELETE', `/images/${shared.id}`)).status, 403);
      // carol is no member: 404; and bob sees only himself in the member list.
      assert.equal((await call(carol, 'GET', `/images/${shared.id}`)).status, 404);
      assert.equal((await call(bob, 'GET', `/images/${shared.id}/members`)).body.members.length, 1);
      assert.equal((await call(alice, 'DELETE', `/images/${shared.id}/members/${bob.id}`)).status, 204);
      assert.equal((await call(bob, 'GET', `/images/${shared.id}`)).status, 404);

      const community = await create(alice, { name: 'community-img', visibility: 'community', disk_format: 'raw', container_format: 'bare' });
      assert.equal((await call(bob, 'GET', `/images/${community.id}`)).status, 200);
      assert.ok(!(await names(bob)).includes('community-img'));
      assert.ok((await names(bob, '?visibility=community')).includes('community-img'));
      const pub = await create(alice, { name: 'public-img', visibility: 'public', disk_format: 'raw', container_format: 'bare' });
      assert.ok((await names(carol)).includes('public-img'));
      for (const image of [priv, shared, community, pub]) await call(alice, 'DELETE', `/images/${image.id}`);
    });

    it('applies JSON patches as Glance does', async () => {
      const image = await create(alice, { name: 'patch-me', disk_format: 'raw', container_format: 'bare' });
      const patch = (ops: unknown) => call(alice, 'PATCH', `/images/${image.id}`, { rawBody: JSON.stringify(ops), headers: PATCH });
      const ok = await patch([
        { op: 'replace', path: '/name', value: 'patched' },
        { op: 'add', path: '/ROOT_PARTITION', value: '1' },
        { op: 'add', path: '/tags', value: ['x', 'y', 'x'] },
        { op: 'replace', path: '/min_ram', value: 128 },
      ]);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.name, 'patched');
      assert.equal(ok.body.ROOT_PARTITION, '1');
      assert.deepEqual(ok.body.tags, ['x', 'y']);
      assert.equal(ok.body.min_ram, 128);
      assert.equal((await patch([{ op: 'remove', path: '/ROOT_PARTITION' }])).body.ROOT_PARTITION, undefined);
      assert.equal((await patch([{ op: 'replace', path: '/NOPE', value: 'v' }])).status, 409);
      assert.equal((await patch([{ op: 'remove', path: '/NOPE' }])).status, 409);
      assert.equal((await patch([{ op: 'replace', path: '/status', value: 'active' }])).status, 403);
      assert.equal((await patch([{ op: 'replace', path: '/visibility', value: 'everyone' }])).status, 400);
      assert.equal((await patch([{ op: 'add', path: '/OSFAMILY', value: 7 }])).status, 400);
      assert.equal((await patch([{ op: 'move', path: '/name', from: '/x' }])).status, 400);
      assert.equal((await patch({ op: 'add' })).status, 400);
      assert.equal((await call(alice, 'PATCH', `/images/${image.id}`, { body: [] })).status, 415);
      assert.equal((await call(alice, 'PUT', `/images/${image.id}/tags/z`)).status, 204);
      assert.deepEqual((await call(alice, 'GET', `/images/${image.id}`)).body.tags, ['x', 'y', 'z']);
      assert.equal((await call(alice, 'DELETE', `/images/${image.id}/tags/x`)).status, 204);
      assert.equal((await call(alice, 'DELETE', `/images/${image.id}/tags/x`)).status, 404);
      // Protected images cannot be deleted until unprotected.
      await patch([{ op: 'replace', path: '/protected', value: true }]);
      assert.equal((await call(alice, 'DELETE', `/images/${image.id}`)).status, 403);
      await patch([{ op: 'replace', path: '/protected', value: false }]);
      assert.equal((await call(alice, 'DELETE', `/images/${image.id}`)).status, 204);
    });

    it('lists with filters, sorting and marker paging', async () => {
      const made = [];
      for (const [i, name] of ['l-c', 'l-a', 'l-b'].entries()) {
        made.push(await create(bob, { name, disk_format: i === 0 ? 'qcow2' : 'raw', container_format: 'bare', visibility: 'private', tags: i ? ['even'] : [], SORTORDER: String(i) }));
      }
      const list = async (query: string) => (await call(bob, 'GET', `/images?${query}`)).body;
      assert.deepEqual((await list('sort_key=name&sort_dir=asc')).images.map((i: { name: string }) => i.name), ['l-a', 'l-b', 'l-c']);
      assert.deepEqual((await list('sort=name:desc')).images.map((i: { name: string }) => i.name), ['l-c', 'l-b', 'l-a']);
      assert.deepEqual((await list('disk_format=qcow2')).images.map((i: { name: string }) => i.name), ['l-c']);
      assert.deepEqual((await list('tag=even&sort=name:asc')).images.map((i: { name: string }) => i.name), ['l-a', 'l-b']);
      assert.deepEqual((await list('SORTORDER=2')).images.map((i: { name: string }) => i.name), ['l-b']);
      assert.equal((await list(`id=in:${made[0]!.id},${made[1]!.id}`)).images.length, 2);
      const first = await list('sort=name:asc&limit=2');
      assert.equal(first.images.length, 2);
      assert.match(first.next, /^\/v2\/images\?/);
      const second = await plane.call('GET', `/image${first.next}`, { token: bob.token });
      assert.deepEqual(second.body.images.map((i: { name: string }) => i.name), ['l-c']);
      assert.equal(second.body.next, undefined);
      const past = encodeURIComponent('2000-01-01T00:00:00Z');
      assert.equal((await list(`created_at=gte:${past}`)).images.length, 3);
      assert.equal((await list(`updated_at=lt:${past}`)).images.length, 0);
      assert.equal((await call(bob, 'GET', '/images?created_at=soon:x')).status, 400);
      assert.equal((await call(bob, 'GET', '/images?marker=nope')).status, 400);
      assert.equal((await call(bob, 'GET', '/images?sort_key=bogus')).status, 400);
      assert.equal((await call(bob, 'GET', '/images?limit=-1')).status, 400);
      for (const image of made) await call(bob, 'DELETE', `/images/${image.id}`);
    });

    it('answers bad input in Glance\'s error format', async () => {
      const missing = await call(alice, 'GET', '/images/2b1a4c2e-0000-4000-8000-000000000000');
      assert.equal(missing.status, 404);
      assert.deepEqual(Object.keys(missing.body).sort(), ['code', 'message', 'title']);
      assert.equal(missing.body.code, '404 Not Found');
      assert.equal((await call(alice, 'GET', '/images/not-a-uuid')).status, 404);
      assert.equal((await call(alice, 'POST', '/images', { body: { name: 'x', disk_format: 'vmdk' } })).status, 400);
      assert.equal((await call(alice, 'POST', '/images', { body: { name: 'x', status: 'active' } })).status, 403);
      assert.equal((await call(alice, 'POST', '/images', { body: { id: 'bad-id' } })).status, 400);
      assert.equal((await call(alice, 'POST', '/images', { body: [] })).status, 400);
      assert.equal((await plane.call('GET', '/image/v2/images')).status, 401);
      const noFormat = await create(alice, { name: 'no-format' });
      assert.equal((await upload(alice, noFormat.id, Buffer.from('x'))).status, 400);
      await call(alice, 'DELETE', `/images/${noFormat.id}`);
    });

    // Regression test: a min_disk or min_ram past 32 bits reached PostgreSQL's integer column, a 500.
    it('refuses a min_disk or min_ram past 32 bits with a 400, through Glance and Plankton', async () => {
      for (const key of ['min_disk', 'min_ram']) {
        const res = await call(alice, 'POST', '/images', { body: { name: 'big', [key]: 2 ** 31 } });
        assert.equal(res.status, 400, res.text);
        assert.equal((await call(alice, 'POST', '/images', { body: { name: 'edge', [key]: 2 ** 31 - 1 } })).status, 201);
      }
      const plankton = await plane.call('POST', '/image/v1.0/images', {
        token: alice.token, headers: { 'x-image-meta-location': '/nowhere/file', 'x-image-meta-name': 'big', 'x-image-meta-min-disk': String(2 ** 31) },
      });
      assert.equal(plankton.status, 400, plankton.text);
      assert.match(plankton.text, /min_disk/);
      assert.deepEqual(plane.logs.filter((line) => JSON.parse(line).level >= 50), []);
    });

    it('registers a Pithos file through Plankton without copying it', async () => {
      const data = randomBytes(3 * 1024 * 1024);
      const put = await plane.call('PUT', `/object-store/v1/${alice.id}/pithos/disk.raw`, { token: alice.token, rawBody: data });
      assert.equal(put.status, 201);
      const uuid = (await plane.call('HEAD', `/object-store/v1/${alice.id}/pithos/disk.raw`, { token: alice.token })).headers['x-object-uuid'];
      const before = await usage(alice);
      const register = (headers: Record<string, string>) => plane.call('POST', '/image/v1.0/images', { token: alice.token, headers });
      const res = await register({
        'x-image-meta-name': 'debian', 'x-image-meta-location': '/pithos/disk.raw', 'x-image-meta-disk-format': 'diskdump',
        'x-image-meta-property-osfamily': 'linux', 'x-image-meta-is-public': 'true',
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.image.id, uuid);
      assert.equal(res.body.image.location, `pithos://${alice.id}/pithos/disk.raw`);
      assert.equal(res.headers['x-image-meta-property-osfamily'], 'linux');
      assert.equal(await usage(alice), before, 'registering stores nothing');
      const glance = (await call(bob, 'GET', `/images/${uuid}`)).body;
      assert.equal(glance.visibility, 'public');
      assert.equal(glance.OSFAMILY, 'linux');
      assert.equal(glance.checksum, md5(data));
      const got = await plane.app.inject({ method: 'GET', url: `/image/v2/images/${uuid}/file`, headers: { 'x-auth-token': bob.token } });
      assert.ok(got.rawPayload.equals(data));
      const detail = await plane.call('GET', '/image/v1.0/images/detail', { token: bob.token });
      assert.ok(detail.body.images.some((i: { id: string }) => i.id === uuid));
      assert.equal((await plane.call('HEAD', `/image/v1.0/images/${uuid}`, { token: bob.token })).headers['x-image-meta-name'], 'debian');

      // bad registrations
      assert.equal((await register({ 'x-image-meta-name': 'x' })).status, 400);
      assert.equal((await register({ 'x-image-meta-name': 'x', 'x-image-meta-location': '/pithos/none.raw' })).status, 404);
      assert.equal((await register({ 'x-image-meta-name': 'x', 'x-image-meta-location': '/pithos/disk.raw', 'x-image-meta-size': '5' })).status, 400);
      assert.equal((await register({ 'x-image-meta-name': 'x', 'x-image-meta-location': '/pithos/disk.raw', 'x-image-meta-disk-format': 'qcow2' })).status, 400);
      const foreign = await plane.call('POST', '/image/v1.0/images', { token: bob.token, headers: { 'x-image-meta-name': 'x', 'x-image-meta-location': `pithos://${alice.id}/pithos/disk.raw` } });
      assert.equal(foreign.status, 403);

      // A replaced file is no longer the image until registered again.
      await plane.call('PUT', `/object-store/v1/${alice.id}/pithos/disk.raw`, { token: alice.token, rawBody: Buffer.from('new content') });
      assert.equal((await call(alice, 'GET', `/images/${uuid}/file`)).status, 409);
      const again = await register({ 'x-image-meta-location': `pithos://${alice.id}/pithos/disk.raw` });
      assert.equal(again.status, 200);
      assert.equal(again.body.image.name, 'debian', 'a re-registration keeps what it does not change');
      assert.equal((await call(alice, 'GET', `/images/${uuid}/file`)).text, 'new content');

      // Unregistering keeps the file.
      assert.equal((await plane.call('DELETE', `/image/v1.0/images/${uuid}`, { token: alice.token })).status, 204);
      assert.equal((await call(alice, 'GET', `/images/${uuid}`)).status, 404);
      assert.equal((await plane.call('HEAD', `/object-store/v1/${alice.id}/pithos/disk.raw`, { token: alice.token })).status, 200);
    });

    it('manages Plankton members, which are accepted at once', async () => {
      await plane.call('PUT', `/object-store/v1/${bob.id}/pithos/m.raw`, { token: bob.token, rawBody: Buffer.from('members') });
      const registered = await plane.call('POST', '/image/v1.0/images', { token: bob.token, headers: { 'x-image-meta-name': 'm', 'x-image-meta-location': '/pithos/m.raw' } });
      assert.equal(registered.status, 200, registered.text);
      const id = registered.body.image.id;
      assert.equal((await call(carol, 'GET', `/images/${id}`)).status, 404);
      assert.equal((await plane.call('PUT', `/image/v1.0/images/${id}/members/${carol.id}`, { token: bob.token })).status, 204);
      assert.ok((await call(carol, 'GET', '/images')).body.images.some((i: { id: string }) => i.id === id));
      const members = await plane.call('GET', `/image/v1.0/images/${id}/members`, { token: bob.token });
      assert.deepEqual(members.body.members, [{ member_id: carol.id, can_share: false }]);
      const shared = await plane.call('GET', `/image/v1.0/shared-images/${carol.id}`, { token: carol.token });
      assert.deepEqual(shared.body.shared_images, [{ image_id: id, can_share: false }]);
      assert.equal((await plane.call('PUT', `/image/v1.0/images/${id}/members`, { token: bob.token, body: { memberships: [] } })).status, 204);
      assert.equal((await call(carol, 'GET', `/images/${id}`)).status, 404);
      assert.equal((await plane.call('HEAD', '/image/v1.0/images/nope', { token: bob.token })).status, 404);
    });
  });
}
