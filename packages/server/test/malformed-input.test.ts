// Regression tests: a repeated query parameter and an unknown field in a resource PATCH each
// answered 500, and a client that hung up mid-request left an error-level log line. One
// query rule holds for every API (a repeated parameter is a 400 unless the route takes a list),
// unknown fields of the account API are a 400, and a client going away is not our error.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { computeHelpers } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

const databases = await testDatabases();
const [sqlite] = databases;

describe('malformed input', () => {
  let plane: TestPlane;
  let user: { id: string; token: string };
  before(async () => {
    plane = await startPlane(await sqlite!.create());
    user = await plane.createUser('fuzzy');
  });
  after(async () => { await plane?.close(); });

  it('a repeated query parameter is a 400 in the API family\'s own format, not a 500', async () => {
    const admin = plane.adminToken;
    const cases: [string, string, (body: any, text: string) => void][] = [
      [`/identity/v3/role_assignments?user.id=${user.id}&user.id=${plane.adminId}`, admin, (b) => assert.equal(b.error.code, 400)],
      [`/account/v1.0/service_quotas?user=${user.id}&user=${plane.adminId}`, admin, (b) => assert.equal(b.badRequest.code, 400)],
      ['/compute/v2.1/servers?marker=a&marker=b', user.token, (b) => assert.equal(b.badRequest.code, 400)],
      ['/compute/v2.1/flavors?sort_key=name&sort_key=vcpus', user.token, (b) => assert.equal(b.badRequest.code, 400)],
      [`/object-store/v1/${user.id}?marker=a&marker=b`, user.token, (_b, text) => assert.match(text, /marker may be given only once/)],
      ['/image/v2/images?limit=1&limit=2', user.token, (b) => assert.equal(b.code, '400 Bad Request')],
    ];
    for (const [url, token, check] of cases) {
      const res = await plane.call('GET', url, { token });
      assert.equal(res.status, 400, `${url}: ${res.text}`);
      check(res.body, res.text);
    }
  });

  it('a route that takes a list under a name still takes it', async () => {
    const res = await plane.call('GET', '/image/v2/images?sort_key=name&sort_key=id&sort_dir=asc&sort_dir=desc&tag=a&tag=b', { token: user.token });
    assert.equal(res.status, 200, res.text);
  });

  it("Nova's server list takes several statuses and sort keys, and its next link keeps them all", async () => {
    const { create } = computeHelpers(() => plane);
    const { image } = computeHelpers(() => plane);
    const imageRef = await image(user);
    for (const name of ['one', 'two']) await plane.jobs.idle((await create(user, { name, imageRef })).id);
    const query = 'status=ACTIVE&status=SHUTOFF&sort_key=display_name&sort_key=created_at&sort_dir=asc&sort_dir=desc';
    const res = await plane.call('GET', `/compute/v2.1/servers?${query}&limit=1`, { token: user.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.servers.length, 1);
    const next = new URL(res.body.servers_links[0].href).searchParams;
    assert.deepEqual(next.getAll('status'), ['ACTIVE', 'SHUTOFF']);
    assert.deepEqual(next.getAll('sort_key'), ['display_name', 'created_at']);
    const none = await plane.call('GET', '/compute/v2.1/servers?status=ERROR&status=BUILD', { token: user.token });
    assert.deepEqual(none.body.servers, []);
  });

  it("an unknown field in a Nova request body is a 400, as Nova's strict schemas have it", async () => {
    const { create, image } = computeHelpers(() => plane);
    const imageRef = await image(user);
    const server = (await create(user, { name: 'strict', imageRef })).id;
    await plane.jobs.idle(server);
    const nova = '/compute/v2.1';
    const cases: [string, string, unknown, string?][] = [
      ['POST', '/servers', { server: { name: 'x', imageRef, flavorRef: '1', bogus: 1 } }],
      ['POST', '/servers', { server: { name: 'x', imageRef, flavorRef: '1' }, bogus: 1 }],
      ['PUT', `/servers/${server}`, { server: { name: 'x' }, bogus: 1 }],
      ['POST', `/servers/${server}/action`, { reboot: { type: 'SOFT', bogus: 1 } }],
      ['POST', `/servers/${server}/action`, { resize: { flavorRef: '1', bogus: 1 } }],
      ['POST', `/servers/${server}/action`, { 'os-getConsoleOutput': { length: 1, bogus: 1 } }],
      ['POST', `/servers/${server}/action`, { 'os-getVNCConsole': { type: 'novnc', bogus: 1 } }],
      ['POST', `/servers/${server}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'novnc', bogus: 1 } }],
      ['POST', `/servers/${server}/metadata`, { metadata: { a: 'b' }, bogus: 1 }],
      ['PUT', `/servers/${server}/metadata/k`, { meta: { k: 'b' }, bogus: 1 }],
      ['PUT', `/servers/${server}/tags`, { tags: ['a'], bogus: 1 }],
      ['POST', '/os-keypairs', { keypair: { name: 'k' }, bogus: 1 }],
      ['POST', '/flavors/1/os-extra_specs', { extra_specs: { a: 'b' }, bogus: 1 }, plane.adminToken],
      ['POST', '/flavors/1/action', { addTenantAccess: { tenant: user.id, bogus: 1 } }, plane.adminToken],
    ];
    for (const [method, path, body, token] of cases) {
      const res = await plane.call(method, `${nova}${path}`, { token: token ?? user.token, body });
      assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`);
      assert.match(res.text, /bogus|nothing else/);
    }
    // Scheduler hints beside the server are Nova's too, and the fields Nova takes that we do not use are ignored.
    const hinted = await plane.call('POST', `${nova}/servers`, {
      token: user.token, body: { server: { name: 'hinted', imageRef, flavorRef: '1', config_drive: true, 'OS-DCF:diskConfig': 'AUTO' }, 'os:scheduler_hints': {} },
    });
    assert.equal(hinted.status, 202, hinted.text);
    await plane.jobs.idle(hinted.body.server.id);
  });

  it('a path the router cannot decode, or too long a name, answers in the family\'s format', async () => {
    const bad = await plane.call('GET', '/compute/v2.1/servers/%ff%fe', { token: user.token });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest.code, 400);
    const keystone = await plane.call('GET', '/identity/v3/users/%', { token: user.token });
    assert.equal(keystone.body.error.code, 400);
    // Nova's metadata keys and Glance's tags are up to 255 characters long.
    const long = await plane.call('GET', `/compute/v2.1/servers/${'a'.repeat(255)}`, { token: user.token });
    assert.equal(long.status, 404);
    const tooLong = await plane.call('GET', `/image/v2/images/${'a'.repeat(2000)}`, { token: user.token });
    assert.equal(tooLong.status, 414);
    assert.equal(tooLong.body.code, '414 URI Too Long');
  });

  it('a method a route does not serve is a 405 in its family\'s format, whatever the body', async () => {
    const res = await plane.call('POST', '/image/v2/images/x/file', { token: user.token, rawBody: 'x', headers: { 'content-type': 'application/unknown' } });
    assert.equal(res.status, 405);
    assert.equal(res.body.code, '405 Method Not Allowed');
  });

  it('an unknown field in a resource PATCH is a 400', async () => {
    const res = await plane.call('PATCH', '/account/v1.0/resources/cyclades.vm', { token: plane.adminToken, body: { no_such_field: 1 } });
    assert.equal(res.status, 400);
    assert.equal(res.body.badRequest.code, 400);
    const quota = await plane.call('PUT', `/account/v1.0/quotas/${user.id}/cyclades.vm`, { token: plane.adminToken, body: { limit: 3, extra: true } });
    assert.equal(quota.status, 400);
  });

  it('a client that hangs up mid-request leaves no error-level log line', async () => {
    await plane.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (plane.app.server.address() as { port: number }).port;
    await plane.call('PUT', `/object-store/v1/${user.id}/c`, { token: user.token });
    const image = (await plane.call('POST', '/image/v2/images', { token: user.token, body: { name: 'cut', disk_format: 'raw', container_format: 'bare' } })).body.id;
    const requests = [
      `PUT /image/v2/images/${image}/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${user.token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n${'z'.repeat(100_000)}`,
      `PUT /object-store/v1/${user.id}/c/x HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${user.token}\r\nContent-Length: 10000000\r\n\r\n${'x'.repeat(100_000)}`,
      `PUT /object-store/v1/${user.id}/c/y HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${user.token}\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n${'y'.repeat(100)}`,
      'POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"auth":',
    ];
    const before = plane.logs.length;
    for (const request of requests) {
      await new Promise<void>((done) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(request);
          setTimeout(() => { socket.destroy(); done(); }, 200);
        });
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    const errors = plane.logs.slice(before).filter((line) => JSON.parse(line).level >= 50);
    assert.deepEqual(errors, []);
    assert.equal((await plane.call('GET', `/image/v2/images/${image}`, { token: user.token })).body.status, 'queued', 'the cut upload left its image to upload again');
  });
});

// Regression test: PostgreSQL refuses text holding U+0000, so a `%00` in a path, a query or a
// JSON body answered 500 there (and 404 or worse on SQLite). It is a 400 everywhere.
for (const database of databases) {
  describe(`the NUL character on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let user: { id: string; token: string };
    before(async () => {
      plane = await startPlane(await database.create());
      user = await plane.createUser('nul');
    });
    after(async () => { await plane?.close(); });

    it('is a 400 in a path, a query or a body, in the family\'s format', async () => {
      const cases: [string, string, unknown?][] = [
        ['GET', '/compute/v2.1/servers/a%00b'],
        ['GET', '/identity/v3/users/%00'],
        ['GET', '/image/v2/images?name=a%00'],
        ['GET', '/public/x%00'],
        ['POST', '/compute/v2.1/os-keypairs', { keypair: { name: 'a\u0000b' } }],
        ['POST', '/image/v2/images', { name: 'x', 'key\u0000': 'v' }],
      ];
      for (const [method, url, body] of cases) {
        const res = await plane.call(method, url, { token: user.token, body });
        assert.equal(res.status, 400, `${method} ${url}: ${res.text}`);
        assert.match(res.text, /NUL/);
      }
      assert.deepEqual(plane.logs.filter((line) => JSON.parse(line).level >= 50), []);
    });
  });
}
