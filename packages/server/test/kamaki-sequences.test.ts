// kamaki's own request sequences (../shared/reference/kamaki-requests.md), replayed on both
// databases with the headers, bodies and accepted status codes kamaki has: authentication
// (before every command), `user info`/`uuid2name`/`name2uuid`, `file upload` by hashmap, and
// `image register` with its user catalog lookup and `.meta` upload, then `image list`/`info`.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';

const BLOCK = 4 * 1024 * 1024;
/** kamaki appends its default version to a publicURL that does not end in one. */
const versioned = (url: string, fallback: string) => (/\/v\d+(\.\d+)?$/.test(url) ? url : `${url}${fallback}`);
/** kamaki's block hash: sha256 of the block with its trailing NUL bytes stripped. */
const blockHash = (block: Buffer) => {
  let end = block.length;
  while (end > 0 && block[end - 1] === 0) end--;
  return createHash('sha256').update(block.subarray(0, end)).digest('hex');
};

for (const database of await testDatabases()) {
  describe(`kamaki's sequences on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let user: { id: string; token: string; password: string };
    let urls: Record<string, string>;
    before(async () => {
      plane = await startPlane(await database.create());
      user = await plane.createUser('kamaki-user');
    });
    after(async () => { await plane?.close(); });

    /** A request as kamaki sends it, failing unless the status is one kamaki accepts. */
    const kamaki = async (method: string, url: string, accepts: number[], options: { headers?: Record<string, string>; body?: unknown; rawBody?: Buffer | string } = {}) => {
      const path = url.startsWith('http') ? new URL(url).pathname + new URL(url).search : url;
      const res = await plane.call(method, path, { token: user.token, ...options });
      assert.ok(accepts.includes(res.status), `${method} ${path}: ${res.status} (kamaki accepts ${accepts.join('|')}): ${res.text}`);
      return res;
    };

    /** kamaki's `file upload`: only the blocks the server lacks are sent (upload_object / upload_from_string). */
    const upload = async (container: string, name: string, data: Buffer, type: string, extra: Record<string, string> = {}) => {
      const base = `${versioned(urls['object-store']!, '/v1')}/${user.id}`;
      const head = await kamaki('HEAD', `${base}/${container}`, [204]);
      assert.equal(head.headers['x-container-block-size'], String(BLOCK));
      assert.equal(head.headers['x-container-block-hash'], 'sha256');
      assert.ok(Array.isArray((await kamaki('GET', `${base}/${container}?format=json`, [200])).body));
      const blocks = [];
      for (let at = 0; at < data.length; at += BLOCK) blocks.push(data.subarray(at, at + BLOCK));
      const hashmap = JSON.stringify({ bytes: data.length, hashes: blocks.map(blockHash) });
      const headers = { 'content-type': type, ...extra };
      const first = await kamaki('PUT', `${base}/${container}/${name}?hashmap=True&format=json`, [201, 409], { rawBody: hashmap, headers });
      if (first.status === 409) {
        for (const missing of first.body as string[]) {
          const block = blocks.find((b) => blockHash(b) === missing)!;
          const posted = await kamaki('POST', `${base}/${container}?update&format=json`, [202], { rawBody: block, headers: { 'content-type': 'application/octet-stream' } });
          assert.deepEqual(posted.body, [missing], 'the server names the block by kamaki\'s hash');
        }
        await kamaki('PUT', `${base}/${container}/${name}?hashmap=True&format=json`, [201], { rawBody: hashmap, headers });
      }
    };

    it('authenticates with the token, twice, and finds every endpoint it needs in the catalog', async () => {
      const body = { auth: { token: { id: user.token } } };
      let access;
      for (let i = 0; i < 2; i++) {
        access = (await kamaki('POST', '/identity/v2.0/tokens', [200], { body, headers: { 'content-type': 'application/json' } })).body.access;
      }
      assert.equal(access.token.id, user.token);
      assert.ok(access.token.expires);
      assert.deepEqual(Object.keys(access.token.tenant).sort(), ['id', 'name']);
      assert.equal(access.user.id, user.id);
      assert.equal(access.user.name, 'kamaki-user');
      assert.ok(Array.isArray(access.user.roles));
      assert.deepEqual(access.user.roles_links, []);
      // astakosclient's parse_endpoints and kamaki's get_endpoint_url.
      const byType = new Map<string, { name: string; endpoints: Record<string, string>[] }[]>();
      for (const service of access.serviceCatalog) byType.set(service.type, [...(byType.get(service.type) ?? []), service]);
      for (const [type, services] of byType) {
        assert.equal(services.length, 1, `one ${type} service`);
        assert.equal(services[0]!.endpoints.length, 1, `one ${type} endpoint`);
        assert.ok('versionId' in services[0]!.endpoints[0]!, `${type} has a versionId`);
      }
      const account = byType.get('account')![0]!;
      assert.equal(account.name, 'astakos_account');
      assert.equal(account.endpoints[0]!.versionId, 'v1.0');
      assert.ok(account.endpoints[0]!['SNF:uiURL']);
      urls = Object.fromEntries([...byType].map(([type, [service]]) => [type, service!.endpoints[0]!.publicURL!]));
      for (const type of ['identity', 'account', 'compute', 'image', 'object-store']) assert.ok(urls[type], `the catalog has ${type}`);
      assert.doesNotMatch(urls['object-store']!, new RegExp(user.id), 'kamaki appends the account itself');
      // With a wrong token: 401, which kamaki reports as "token failed to authenticate".
      await plane.call('POST', '/identity/v2.0/tokens', { body: { auth: { token: { id: 'not-a-token' } } } }).then((res) => assert.equal(res.status, 401));
    });

    it('maps uuids and names as `user uuid2name` and `user name2uuid` do', async () => {
      const byUuid = await kamaki('POST', `${urls.account}/user_catalogs`, [200], { body: { uuids: [user.id] } });
      assert.deepEqual(byUuid.body, { uuid_catalog: { [user.id]: 'kamaki-user' }, displayname_catalog: {} });
      const byName = await kamaki('POST', `${urls.account}/user_catalogs`, [200], { body: { displaynames: ['kamaki-user'] } });
      assert.deepEqual(byName.body, { uuid_catalog: {}, displayname_catalog: { 'kamaki-user': user.id } });
    });

    it('registers an uploaded file as `image register` does, .meta file included', async () => {
      const base = `${versioned(urls['object-store']!, '/v1')}/${user.id}`;
      const image = (path: string) => versioned(urls.image!, '/v1.0') + path;
      await kamaki('PUT', `${base}/images`, [201, 202]);
      const data = Buffer.concat([randomBytes(BLOCK), randomBytes(1000), Buffer.alloc(500)]);
      await kamaki('HEAD', `${base}/images/debian.diskdump`, [404]);
      await upload('images', 'debian.diskdump', data, 'application/octet-stream');

      // 1. the .meta file must not exist yet; 2. register at /images/ with the slash: 200, all in headers.
      await kamaki('HEAD', `${base}/images/debian.diskdump.meta`, [404]);
      const registered = await kamaki('POST', image('/images/'), [200], {
        headers: {
          'x-image-meta-name': 'Debian%20Base', 'x-image-meta-location': `pithos://${user.id}/images/debian.diskdump`,
          'x-image-meta-disk-format': 'diskdump', 'x-image-meta-container-format': 'bare', 'x-image-meta-is-public': 'False',
          'x-image-meta-property-OSFAMILY': 'linux', 'x-image-meta-property-ROOT_PARTITION': '1',
        },
      });
      const meta = registered.headers as Record<string, string>;
      for (const field of ['id', 'name', 'status', 'owner', 'location', 'size', 'checksum', 'created-at', 'updated-at', 'deleted-at', 'is-public', 'disk-format', 'container-format', 'is-snapshot', 'description']) {
        assert.ok(`x-image-meta-${field}` in meta, `x-image-meta-${field}`);
      }
      assert.equal(decodeURIComponent(meta['x-image-meta-name']!), 'Debian Base');
      assert.equal(meta['x-image-meta-name'], 'Debian%20Base', 'the name is percent-encoded, as kamaki decodes it');
      assert.equal(meta['x-image-meta-status'], 'AVAILABLE');
      assert.equal(meta['x-image-meta-is-public'], 'False');
      assert.equal(meta['x-image-meta-owner'], user.id);
      assert.equal(meta['x-image-meta-size'], String(data.length));
      assert.equal(meta['x-image-meta-location'], `pithos://${user.id}/images/debian.diskdump`);
      assert.match(meta['x-image-meta-created-at']!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.equal(meta['x-image-meta-property-osfamily'], 'linux');
      assert.equal(meta['x-image-meta-property-root-partition'], '1', 'property names carry - for _');

      // 3. the owner's name for the printout; 4. the file's sharing, then the .meta upload.
      await kamaki('POST', `${urls.account}/user_catalogs`, [200], { body: { uuids: [meta['x-image-meta-owner']] } });
      await kamaki('HEAD', `${base}/images/debian.diskdump`, [200]);
      const printed = Object.fromEntries(Object.entries(meta).filter(([k]) => k.startsWith('x-image-meta-')).map(([k, v]) => [k.slice(13), v]));
      await upload('images', 'debian.diskdump.meta', Buffer.from(JSON.stringify(printed, null, 2)), 'application/octet-stream');
      assert.equal((await kamaki('GET', `${base}/images/debian.diskdump.meta`, [200])).body['name'], 'Debian%20Base');

      // `image list` and `image info`.
      const listed = await kamaki('GET', image('/images/?sort_dir=asc'), [200]);
      const entry = listed.body.images.find((i: { id: string }) => i.id === meta['x-image-meta-id']);
      assert.deepEqual(Object.keys(entry).sort(), ['container_format', 'disk_format', 'id', 'name', 'size', 'status']);
      assert.equal(entry.status, 'AVAILABLE');
      const info = await kamaki('HEAD', image(`/images/${meta['x-image-meta-id']}`), [200]);
      assert.equal(info.headers['x-image-meta-disk-format'], 'diskdump');
      const detail = await kamaki('GET', image('/images/detail?sort_dir=asc&sort_key=name'), [200]);
      assert.equal(detail.body.images.find((i: { id: string }) => i.id === meta['x-image-meta-id']).properties.ROOT_PARTITION, '1');
      assert.equal((await plane.call('GET', image('/images/?sort_key=owner'), { token: user.token })).status, 400);

      // `image unregister`: 204, the file and its .meta stay.
      await kamaki('DELETE', image(`/images/${meta['x-image-meta-id']}`), [204]);
      await kamaki('HEAD', `${base}/images/debian.diskdump`, [200]);
    });
  });
}
