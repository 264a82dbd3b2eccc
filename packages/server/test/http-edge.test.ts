// What every API family shares at the HTTP edge: the request id on every answer of an
// OpenStack-shaped API (in its reference's headers and form, the same id as the log line's),
// none on Synnefo's, and JSON bodies that may be empty.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPlane, type Reply, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

const [sqlite] = await testDatabases();
const REQ = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TX = /^tx[0-9a-f]{21}-[0-9a-f]{10}$/;

describe('the HTTP edge', () => {
  let plane: TestPlane;
  let user: { id: string; token: string };
  before(async () => {
    plane = await startPlane(await sqlite!.create());
    user = await plane.createUser('edgy');
  });
  after(async () => { await plane?.close(); });

  /** The id the access log line of the answer's request carries. */
  const loggedId = (res: Reply, id: string) =>
    plane.logs.map((line) => JSON.parse(line)).find((entry) => entry.reqId === id && entry.msg === 'request' && entry.status === res.status);

  it('every answer of an OpenStack-shaped API carries its request id, successes, errors, 404s and 405s alike', async () => {
    const openstack = [
      ['GET', '/identity', 300], ['GET', '/identity/v3/users/nobody', 403], ['GET', '/identity/v3/nothing', 404], ['GET', '/identity/v3/auth/projects', 200],
      ['GET', '/image', 300], ['GET', '/image/v2/images', 200], ['GET', '/image/v2/nothing-here', 404], ['PATCH', '/image/v2/images', 405],
    ] as const;
    for (const [method, url, status] of openstack) {
      const res = await plane.call(method, url, { token: user.token });
      assert.equal(res.status, status, `${method} ${url}: ${res.text}`);
      const id = res.headers['x-openstack-request-id'] as string;
      assert.match(id ?? '', REQ, `${method} ${url}`);
      assert.equal(res.headers['x-compute-request-id'], undefined);
      assert.ok(loggedId(res, id), `${method} ${url}: the log line carries ${id}`);
    }
    for (const [method, url, status] of [['GET', '/compute', 200], ['GET', '/compute/v2.1/servers', 200], ['GET', '/compute/v2.1/servers/nope', 404]] as const) {
      const res = await plane.call(method, url, { token: user.token });
      assert.equal(res.status, status, `${method} ${url}: ${res.text}`);
      assert.match(res.headers['x-openstack-request-id'] as string, REQ);
      assert.equal(res.headers['x-compute-request-id'], res.headers['x-openstack-request-id'], 'Nova sends both');
    }
  });

  it("Swift's answers carry X-Trans-Id in Swift's form, the same as X-Openstack-Request-Id", async () => {
    for (const [method, url, status] of [['PUT', `/object-store/v1/${user.id}/box`, 201], ['GET', `/object-store/v1/${user.id}/box/none`, 404], ['GET', '/object-store/info', 200]] as const) {
      const res = await plane.call(method, url, { token: user.token });
      assert.equal(res.status, status, `${method} ${url}: ${res.text}`);
      assert.match(res.headers['x-trans-id'] as string, TX, `${method} ${url}`);
      assert.equal(res.headers['x-openstack-request-id'], res.headers['x-trans-id']);
      assert.ok(loggedId(res, res.headers['x-trans-id'] as string), 'the log line carries the same id');
    }
    const [, stamp] = (await plane.call('GET', '/object-store/info')).headers['x-trans-id']!.toString().split('-');
    assert.ok(Math.abs(parseInt(stamp!, 16) - Date.now() / 1000) < 60, 'its tail is the time in seconds');
  });

  it("Synnefo's APIs answer without OpenStack's request ids, as Synnefo does", async () => {
    for (const url of ['/identity/v2.0/tokens', '/account/v1.0/quotas', '/compute/v2.0/servers', '/image/v1.0/images']) {
      const res = await plane.call('GET', url, { token: user.token });
      assert.equal(res.headers['x-openstack-request-id'], undefined, url);
      assert.equal(res.headers['x-compute-request-id'], undefined, url);
    }
  });

  it('a DELETE, PUT or action with Content-Type: application/json and no body is accepted on every API', async () => {
    const json = { 'content-type': 'application/json' };
    const call = (method: string, url: string, token = user.token) => plane.call(method, url, { token, headers: json, rawBody: '' });
    assert.equal((await call('PUT', `/object-store/v1/${user.id}/empty-json`)).status, 201);
    assert.equal((await call('DELETE', `/object-store/v1/${user.id}/empty-json`)).status, 204);
    assert.equal((await call('DELETE', '/compute/v2.1/os-keypairs/none')).status, 404, 'a missing key pair, not a bad body');
    const image = await plane.call('POST', '/image/v2/images', { token: user.token, body: { name: 'x', disk_format: 'raw', container_format: 'bare' } });
    assert.equal((await call('DELETE', `/image/v2/images/${image.body.id}`)).status, 204);
    const other = await plane.createUser('leaving');
    assert.equal((await call('DELETE', `/identity/v3/users/${other.id}`, plane.adminToken)).status, 204);
    // A route that needs a body still says so, in its family's format.
    const action = await call('POST', '/compute/v2.1/servers/00000000-0000-0000-0000-000000000000/action');
    assert.equal(action.status, 400, action.text);
    assert.equal(action.body.badRequest.code, 400);
    const token = await plane.call('POST', '/identity/v3/auth/tokens', { headers: json, rawBody: '' });
    assert.equal(token.status, 400, token.text);
    assert.equal(token.body.error.code, 400);
  });

  it('JSON that would set a prototype is refused', async () => {
    const res = await plane.call('POST', '/identity/v3/auth/tokens', { headers: { 'content-type': 'application/json' }, rawBody: '{"__proto__": {"admin": true}}' });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.code, 400);
  });
});
