// Synnefo's token API (/identity/v2.0) and user catalogs, as Synnefo-era clients use them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.ts';
import { ADMIN_PASSWORD, startPlane, type TestPlane } from './helpers/control-plane.ts';

const [sqlite] = await testDatabases();

describe('Synnefo token API', () => {
  let plane: TestPlane;
  before(async () => { plane = await startPlane(await sqlite!.create()); });
  after(async () => { await plane?.close(); });

  it('returns only the catalog, laid out as Synnefo\'s, when called without a body', async () => {
    const res = await plane.call('POST', '/identity/v2.0/tokens');
    assert.equal(res.status, 200);
    assert.equal(res.body.access.token, undefined);
    const byName = new Map(res.body.access.serviceCatalog.map((s: { name: string }) => [s.name, s]));
    const identity = byName.get('astakos_identity') as { type: string; endpoints: { versionId: string; publicURL: string }[] };
    assert.equal(identity.type, 'identity');
    assert.equal(identity.endpoints[0]!.versionId, 'v2.0');
    assert.match(identity.endpoints[0]!.publicURL, /\/identity\/v2\.0$/);
    const account = byName.get('astakos_account') as { type: string; endpoints: { versionId: string }[] };
    assert.equal(account.type, 'account');
    assert.equal(account.endpoints[0]!.versionId, 'v1.0');
  });

  it('authenticates with a password (by name or UUID) and with a token', async () => {
    const byName = await plane.call('POST', '/identity/v2.0/tokens', { body: { auth: { passwordCredentials: { username: 'admin', password: ADMIN_PASSWORD } } } });
    assert.equal(byName.status, 200);
    const access = byName.body.access;
    assert.equal(access.user.id, plane.adminId);
    assert.equal(access.token.tenant.id, plane.adminId);
    const byUuid = await plane.call('POST', '/identity/v2.0/tokens', { body: { auth: { passwordCredentials: { username: plane.adminId, password: ADMIN_PASSWORD }, tenantName: plane.adminId } } });
    assert.equal(byUuid.status, 200);
    const byToken = await plane.call('POST', '/identity/v2.0/tokens', { body: { auth: { token: { id: access.token.id } } } });
    assert.equal(byToken.status, 200);
    assert.equal(byToken.body.access.token.id, access.token.id);
    assert.equal(byToken.body.access.token.expires, access.token.expires);
  });

  it('answers failures with cloudFault bodies', async () => {
    const wrong = await plane.call('POST', '/identity/v2.0/tokens', { body: { auth: { passwordCredentials: { username: 'admin', password: 'nope' } } } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.unauthorized.code, 401);
    const bad = await plane.call('POST', '/identity/v2.0/tokens', { body: { auth: {} } });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.badRequest.message);
    const malformed = await plane.call('POST', '/identity/v2.0/tokens', { rawBody: '{', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.status, 400);
    const otherTenant = await plane.call('POST', '/identity/v2.0/tokens', { body: { auth: { token: { id: plane.adminToken }, tenantName: 'somebody-else' } } });
    assert.equal(otherTenant.status, 401);
  });

  it('validates tokens, honouring belongsTo', async () => {
    const user = await plane.createUser('v2user');
    const own = await plane.call('GET', `/identity/v2.0/tokens/${user.token}`);
    assert.equal(own.status, 200);
    assert.equal(own.body.access.user.id, user.id);
    assert.equal((await plane.call('GET', `/identity/v2.0/tokens/${user.token}?belongsTo=${user.id}`)).status, 200);
    assert.equal((await plane.call('GET', `/identity/v2.0/tokens/${user.token}?belongsTo=${plane.adminId}`)).status, 404);
    assert.equal((await plane.call('GET', `/identity/v2.0/tokens/${plane.adminToken}`, { token: user.token })).status, 403);
    assert.equal((await plane.call('GET', `/identity/v2.0/tokens/${user.token}`, { token: plane.adminToken })).status, 200);
    assert.equal((await plane.call('GET', '/identity/v2.0/tokens/not-a-token')).status, 401);
  });

  it('renews: every old token stops working and the new one does', async () => {
    const user = await plane.createUser('renewer');
    const second = await plane.login('renewer', user.password);
    const res = await plane.call('POST', `/identity/v2.0/users/${user.id}/action`, { token: user.token, body: { renewToken: {} } });
    assert.equal(res.status, 200);
    const fresh = res.body.access.token.id;
    for (const old of [user.token, second]) assert.equal((await plane.call('GET', '/account/v1.0/quotas', { token: old })).status, 401);
    assert.equal((await plane.call('GET', '/account/v1.0/quotas', { token: fresh })).status, 200);
    const other = await plane.createUser('bystander');
    assert.equal((await plane.call('POST', `/identity/v2.0/users/${other.id}/action`, { token: fresh, body: { renewToken: {} } })).status, 403);
  });

  it('maps UUIDs and names through user catalogs', async () => {
    const user = await plane.createUser('catalogued');
    const res = await plane.call('POST', '/account/v1.0/user_catalogs', { token: user.token, body: { uuids: [plane.adminId, 'unknown'], displaynames: ['catalogued'] } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { uuid_catalog: { [plane.adminId]: 'admin' }, displayname_catalog: { catalogued: user.id } });
  });

  it('answers version discovery for the account API', async () => {
    const list = await plane.call('GET', '/account');
    assert.equal(list.status, 300);
    assert.equal(list.body.versions.values[0].id, 'v1.0');
    assert.equal((await plane.call('GET', '/account/v1.0')).body.version.id, 'v1.0');
    assert.equal((await plane.call('GET', '/identity/v2.0')).body.version.id, 'v2.0');
  });
});
