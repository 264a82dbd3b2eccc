// Keystone v3 through the public API, on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.ts';
import { ADMIN_PASSWORD, startPlane, type TestPlane } from './helpers/control-plane.ts';

const passwordAuth = (name: string, password: string, scope?: unknown) => ({
  auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } }, ...(scope === undefined ? {} : { scope }) },
});

for (const database of await testDatabases()) {
  describe(`Keystone v3 on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    before(async () => { plane = await startPlane(await database.create()); });
    after(async () => { await plane?.close(); });

    it('answers version discovery at /identity and /identity/v3', async () => {
      const list = await plane.call('GET', '/identity');
      assert.equal(list.status, 300);
      assert.deepEqual(list.body.versions.values.map((v: { id: string }) => v.id), ['v3.14', 'v2.0']);
      const v3 = await plane.call('GET', '/identity/v3');
      assert.equal(v3.status, 200);
      assert.equal(v3.body.version.id, 'v3.14');
      assert.match(v3.body.version.links[0].href, /\/identity\/v3\/$/);
    });

    // Keystone's version entries, which tempest's schemas and strict clients require whole.
    const mediaTypes = (version: string) => [{ base: 'application/json', type: `application/vnd.openstack.identity-${version}+json` }];
    const versionKeys = ['id', 'links', 'media-types', 'status', 'updated'];

    it('gives each version document Keystone\'s media-types', async () => {
      const v3 = (await plane.call('GET', '/identity/v3')).body.version;
      assert.deepEqual(Object.keys(v3).sort(), versionKeys);
      assert.deepEqual(v3['media-types'], mediaTypes('v3'));
      const v2 = (await plane.call('GET', '/identity/v2.0')).body.version;
      assert.deepEqual(Object.keys(v2).sort(), versionKeys);
      assert.deepEqual(v2['media-types'], mediaTypes('v2.0'));
      const [listedV3] = (await plane.call('GET', '/identity')).body.versions.values;
      assert.deepEqual(listedV3, v3);
    });

    // The v2.0 entry of the list is built in families.ts (the HTTP edge's file), which has yet to
    // take KEYSTONE_V2_VERSION from identity/keystone-views.ts.
    it('gives every entry of the version list its media-types', async () => {
      for (const entry of (await plane.call('GET', '/identity')).body.versions.values) {
        assert.deepEqual(Object.keys(entry).sort(), versionKeys, entry.id);
      }
    });

    it('issues a token scoped to the system project by default, with catalog and roles', async () => {
      const res = await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD) });
      assert.equal(res.status, 201);
      assert.ok(res.headers['x-subject-token']);
      const token = res.body.token;
      assert.equal(token.user.name, 'admin');
      assert.equal(token.project.id, token.user.id, 'the system project has the user\'s UUID');
      assert.deepEqual(token.roles.map((r: { name: string }) => r.name).sort(), ['admin', 'member']);
      assert.ok(token.catalog.some((s: { type: string }) => s.type === 'identity'));
      assert.ok(Date.parse(token.expires_at) > Date.now());
    });

    it('issues unscoped tokens on request and project-scoped ones by id or name', async () => {
      const unscoped = await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD, 'unscoped') });
      assert.equal(unscoped.status, 201);
      assert.equal(unscoped.body.token.project, undefined);
      assert.equal(unscoped.body.token.catalog, undefined);
      const project = await plane.call('POST', '/identity/v3/projects', { token: plane.adminToken, body: { project: { name: 'physics' } } });
      assert.equal(project.status, 201);
      const byName = await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD, { project: { name: 'physics', domain: { id: 'default' } } }) });
      assert.equal(byName.status, 401, 'no role on the project yet');
      const grant = await plane.call('PUT', `/identity/v3/projects/${project.body.project.id}/users/${plane.adminId}/roles/member`, { token: plane.adminToken });
      assert.equal(grant.status, 204);
      const byId = await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD, { project: { id: project.body.project.id } }) });
      assert.equal(byId.status, 201);
      assert.equal(byId.body.token.project.name, 'physics');
      assert.deepEqual(byId.body.token.roles.map((r: { name: string }) => r.name), ['member']);
    });

    it('refuses bad credentials with a Keystone error body', async () => {
      for (const body of [passwordAuth('admin', 'wrong'), passwordAuth('nobody', 'x')]) {
        const res = await plane.call('POST', '/identity/v3/auth/tokens', { body });
        assert.equal(res.status, 401);
        assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'title']);
        assert.equal(res.body.error.code, 401);
      }
    });

    it('validates, checks with HEAD, and revokes tokens', async () => {
      const user = await plane.createUser('val-user');
      const own = await plane.call('GET', '/identity/v3/auth/tokens', { token: user.token, headers: { 'x-subject-token': user.token } });
      assert.equal(own.status, 200);
      assert.equal(own.body.token.user.id, user.id);
      const head = await plane.call('HEAD', '/identity/v3/auth/tokens', { token: plane.adminToken, headers: { 'x-subject-token': user.token } });
      assert.equal(head.status, 200);
      const other = await plane.call('GET', '/identity/v3/auth/tokens', { token: user.token, headers: { 'x-subject-token': plane.adminToken } });
      assert.equal(other.status, 403, 'a user may not inspect someone else\'s token');
      const bogus = await plane.call('GET', '/identity/v3/auth/tokens', { token: plane.adminToken, headers: { 'x-subject-token': 'nope' } });
      assert.equal(bogus.status, 404);
      const revoke = await plane.call('DELETE', '/identity/v3/auth/tokens', { token: user.token, headers: { 'x-subject-token': user.token } });
      assert.equal(revoke.status, 204);
      const afterRevoke = await plane.call('GET', '/identity/v3/auth/projects', { token: user.token });
      assert.equal(afterRevoke.status, 401);
    });

    it('exchanges a token for another that does not outlive it', async () => {
      const first = await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD) });
      const second = await plane.call('POST', '/identity/v3/auth/tokens', {
        body: { auth: { identity: { methods: ['token'], token: { id: first.headers['x-subject-token'] } } } },
      });
      assert.equal(second.status, 201);
      assert.equal(second.body.token.expires_at, first.body.token.expires_at);
      assert.deepEqual(second.body.token.methods, ['token', 'password']);
      assert.equal(second.body.token.project.id, first.body.token.project.id);
    });

    it('stops a disabled user\'s tokens at once and brings them back only with a new login', async () => {
      const user = await plane.createUser('to-disable');
      assert.equal((await plane.call('GET', `/identity/v3/users/${user.id}`, { token: user.token })).status, 200);
      const disable = await plane.call('PATCH', `/identity/v3/users/${user.id}`, { token: plane.adminToken, body: { user: { enabled: false } } });
      assert.equal(disable.status, 200);
      assert.equal(disable.body.user.enabled, false);
      assert.equal((await plane.call('GET', `/identity/v3/users/${user.id}`, { token: user.token })).status, 401);
      await plane.call('PATCH', `/identity/v3/users/${user.id}`, { token: plane.adminToken, body: { user: { enabled: true } } });
      assert.equal((await plane.call('GET', `/identity/v3/users/${user.id}`, { token: user.token })).status, 401, 'old tokens stay revoked');
      assert.ok(await plane.login('to-disable', user.password));
    });

    it('lets only admins manage users, and users read only themselves', async () => {
      const alice = await plane.createUser('alice', { email: 'alice@example.org', display_name: 'Alice A.' });
      const bob = await plane.createUser('bob');
      assert.equal((await plane.call('GET', '/identity/v3/users', { token: alice.token })).status, 403);
      assert.equal((await plane.call('POST', '/identity/v3/users', { token: alice.token, body: { user: { name: 'eve' } } })).status, 403);
      assert.equal((await plane.call('GET', `/identity/v3/users/${bob.id}`, { token: alice.token })).status, 403);
      assert.equal((await plane.call('GET', `/identity/v3/users/${bob.id}/projects`, { token: alice.token })).status, 403);
      assert.equal((await plane.call('DELETE', `/identity/v3/users/${bob.id}`, { token: alice.token })).status, 403);
      const self = await plane.call('GET', `/identity/v3/users/${alice.id}`, { token: alice.token });
      assert.equal(self.body.user.email, 'alice@example.org');
      assert.equal(self.body.user.display_name, 'Alice A.');
      assert.equal(self.body.user.default_project_id, alice.id);
      const projects = await plane.call('GET', '/identity/v3/projects', { token: alice.token });
      assert.deepEqual(projects.body.projects.map((p: { id: string }) => p.id), [alice.id], 'non-admins list only their own projects');
      assert.equal((await plane.call('GET', `/identity/v3/projects/${bob.id}`, { token: alice.token })).status, 403);

      const list = await plane.call('GET', '/identity/v3/users?name=bob', { token: plane.adminToken });
      assert.deepEqual(list.body.users.map((u: { id: string }) => u.id), [bob.id]);
      const dup = await plane.call('POST', '/identity/v3/users', { token: plane.adminToken, body: { user: { name: 'bob', password: 'x' } } });
      assert.equal(dup.status, 409);
      const del = await plane.call('DELETE', `/identity/v3/users/${bob.id}`, { token: plane.adminToken });
      assert.equal(del.status, 204);
      assert.equal((await plane.call('GET', `/identity/v3/users/${bob.id}`, { token: plane.adminToken })).status, 404);
      assert.equal((await plane.call('GET', '/identity/v3/auth/projects', { token: bob.token })).status, 401, 'a deleted user\'s tokens are gone');
    });

    it('makes a user admin through the flag or the admin role', async () => {
      const carol = await plane.createUser('carol', { is_admin: true });
      assert.equal((await plane.call('GET', '/identity/v3/users', { token: carol.token })).status, 200);
      const dave = await plane.createUser('dave');
      const grant = await plane.call('PUT', `/identity/v3/projects/${dave.id}/users/${dave.id}/roles/admin`, { token: plane.adminToken });
      assert.equal(grant.status, 204);
      const shown = await plane.call('GET', `/identity/v3/users/${dave.id}`, { token: plane.adminToken });
      assert.equal(shown.body.user.is_admin, true);
      const assignments = await plane.call('GET', `/identity/v3/role_assignments?user.id=${dave.id}&include_names`, { token: dave.token });
      assert.deepEqual(assignments.body.role_assignments.map((a: { role: { name: string } }) => a.role.name).sort(), ['admin', 'member']);
      const demote = await plane.call('PATCH', `/identity/v3/users/${dave.id}`, { token: plane.adminToken, body: { user: { is_admin: false } } });
      assert.equal(demote.body.user.is_admin, false);
      assert.equal((await plane.call('GET', '/identity/v3/users', { token: await plane.login('dave', dave.password) })).status, 403);
    });

    it('changes a password only with the original one, revoking old tokens', async () => {
      const user = await plane.createUser('pwchange');
      const wrong = await plane.call('POST', `/identity/v3/users/${user.id}/password`, { token: user.token, body: { user: { original_password: 'bad', password: 'new-password-1' } } });
      assert.equal(wrong.status, 401);
      const ok = await plane.call('POST', `/identity/v3/users/${user.id}/password`, { token: user.token, body: { user: { original_password: user.password, password: 'new-password-1' } } });
      assert.equal(ok.status, 204);
      assert.equal((await plane.call('GET', '/identity/v3/auth/projects', { token: user.token })).status, 401);
      assert.ok(await plane.login('pwchange', 'new-password-1'));
    });

    it('serves domains, roles and catalog helpers', async () => {
      const domains = await plane.call('GET', '/identity/v3/domains', { token: plane.adminToken });
      assert.deepEqual(domains.body.domains.map((d: { id: string }) => d.id), ['default']);
      assert.equal((await plane.call('GET', '/identity/v3/domains/other', { token: plane.adminToken })).status, 404);
      const roles = await plane.call('GET', '/identity/v3/roles?name=member', { token: plane.adminToken });
      assert.equal(roles.body.roles.length, 1);
      const catalog = await plane.call('GET', '/identity/v3/auth/catalog', { token: plane.adminToken });
      const identity = catalog.body.catalog.find((s: { type: string }) => s.type === 'identity');
      assert.deepEqual(identity.endpoints.map((e: { interface: string }) => e.interface).sort(), ['admin', 'internal', 'public']);
    });

    it('answers bad input with 400, unknown routes with 404 and wrong methods with 405', async () => {
      const malformed = await plane.call('POST', '/identity/v3/auth/tokens', { rawBody: '{"auth": ', headers: { 'content-type': 'application/json' } });
      assert.equal(malformed.status, 400);
      assert.match(malformed.body.error.message, /not valid JSON/);
      const invalid = await plane.call('POST', '/identity/v3/auth/tokens', { body: { auth: { identity: { methods: 'password' } } } });
      assert.equal(invalid.status, 400);
      assert.match(invalid.body.error.message, /methods/);
      const badName = await plane.call('POST', '/identity/v3/users', { token: plane.adminToken, body: { user: { name: 'has space' } } });
      assert.equal(badName.status, 400);
      const unknown = await plane.call('GET', '/identity/v3/nothing-here', { token: plane.adminToken });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 404);
      const wrong = await plane.call('PUT', '/identity/v3/auth/tokens', { token: plane.adminToken });
      assert.equal(wrong.status, 405);
      assert.match(String(wrong.headers.allow), /DELETE, GET, HEAD, POST/);
      assert.equal(wrong.body.error.code, 405);
      const noToken = await plane.call('GET', '/identity/v3/users');
      assert.equal(noToken.status, 401);
      const outside = await plane.call('GET', '/no/such/service');
      assert.equal(outside.status, 404);
    });

    it('keeps tokens and passwords out of the logs', async () => {
      const user = await plane.createUser('logcheck');
      await plane.call('GET', `/identity/v3/auth/tokens?nocatalog`, { token: user.token, headers: { 'x-subject-token': user.token } });
      await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth('logcheck', 'a-wrong-password') });
      const text = plane.logs.join('');
      assert.ok(text.includes('"path":"/identity/v3/auth/tokens"'), 'requests are logged');
      for (const secret of [user.token, plane.adminToken, user.password, 'a-wrong-password', ADMIN_PASSWORD]) {
        assert.ok(!text.includes(secret), `a secret leaked into the logs`);
      }
    });
  });

  describe(`login throttling on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    before(async () => {
      plane = await startPlane(await database.create(), (c) => { c.loginThrottle = { maxFailuresPerUser: 3, maxFailuresPerAddress: 6, windowSeconds: 60 }; });
    });
    after(async () => { await plane?.close(); });

    it('locks a user out after repeated failures, even for the right password', async () => {
      const user = await plane.createUser('target');
      for (let i = 0; i < 3; i++) assert.equal((await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth('target', 'guess') })).status, 401);
      const locked = await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth('target', user.password) });
      assert.equal(locked.status, 429);
      assert.ok(Number(locked.headers['retry-after']) > 0);
      assert.equal(locked.body.error.code, 429);
    });

    it('limits failures per client address across user names', async () => {
      const remoteAddress = '192.0.2.7';
      for (let i = 0; i < 6; i++) {
        const res = await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth(`ghost-${i}`, 'guess'), remoteAddress });
        assert.equal(res.status, 401);
      }
      const res = await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth('ghost-new', 'guess'), remoteAddress });
      assert.equal(res.status, 429, 'the address has used up its failures');
      const elsewhere = await plane.call('POST', '/identity/v3/auth/tokens', { body: passwordAuth('ghost-new', 'guess'), remoteAddress: '192.0.2.8' });
      assert.equal(elsewhere.status, 401, 'other addresses are not affected');
    });
  });
}
