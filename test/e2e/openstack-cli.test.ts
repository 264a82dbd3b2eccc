// End to end: `oceanos serve` as a real process, driven by Debian's python3-openstackclient,
// on SQLite and on PostgreSQL; then SIGTERM and a second start that reuses everything.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../packages/server/test/helpers/databases.ts';
import { openstackClient } from './openstack-client.ts';
import { readOpenrc, startServe, type ServeProcess } from './serve-process.ts';
import { missingTools } from './tools.ts';

const missing = missingTools(['openstack']);
if (missing) process.stderr.write(`# skipping openstack CLI tests: ${missing}\n`);

for (const database of await testDatabases()) {
  describe(`oceanos serve with the openstack CLI on ${database.dialect}`, { skip: database.skip ?? missing }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oceanos-e2e-'));
    let serveEnv: Record<string, string>;
    let server: ServeProcess;
    let adminEnv: Record<string, string>;
    /** Every password and token this run sends, none of which may reach serve's output. */
    const used = new Set<string>(['alice-password-1', 'not-alices-password-2']);

    const { run: openstack, json } = openstackClient(dataDir, () => adminEnv);

    before(async () => {
      // No OCEANOS_ADMIN_PASSWORD on SQLite (a random one is generated), a chosen one on PostgreSQL.
      serveEnv = database.dialect === 'postgres'
        ? { OCEANOS_DATABASE_URL: await database.create(), OCEANOS_ADMIN_PASSWORD: 'chosen-admin-password' }
        : {};
      server = await startServe(dataDir, serveEnv);
      adminEnv = readOpenrc(join(dataDir, 'admin-openrc.sh'));
      used.add(adminEnv.OS_PASSWORD!);
    });
    after(async () => { if (server?.child.exitCode === null) await server.stop(); });

    it('writes the admin credentials with mode 0600', () => {
      for (const file of ['admin-credentials', 'admin-openrc.sh']) {
        assert.equal(statSync(join(dataDir, file)).mode & 0o777, 0o600, file);
      }
      assert.equal(adminEnv.OS_AUTH_URL, `${server.url}/identity/v3`);
      if (database.dialect === 'postgres') assert.equal(adminEnv.OS_PASSWORD, 'chosen-admin-password');
      else assert.ok(adminEnv.OS_PASSWORD!.length >= 20, 'a random password');
    });

    it('issues a token and lists the catalog', async () => {
      const token = await json(['token', 'issue']);
      assert.ok(token.id);
      used.add(token.id);
      assert.equal(token.project_id, token.user_id, 'scoped to the admin\'s system project');
      const catalog = await json(['catalog', 'list']);
      const identity = catalog.find((s: { Type: string }) => s.Type === 'identity');
      assert.ok(identity, 'identity is in the catalog');
      assert.ok(JSON.stringify(identity.Endpoints).includes(`${server.url}/identity/v3`));
      assert.ok(catalog.some((s: { Name: string }) => s.Name === 'astakos_account'));
    });

    it('creates, lists and shows users; a non-admin is refused admin calls', async () => {
      const created = await json(['user', 'create', '--password', 'alice-password-1', '--email', 'alice@example.org', 'alice']);
      assert.equal(created.name, 'alice');
      const users = await json(['user', 'list']);
      assert.deepEqual(users.map((u: { Name: string }) => u.Name).sort(), ['admin', 'alice']);
      const shown = await json(['user', 'show', 'alice']);
      assert.equal(shown.id, created.id);
      assert.equal(shown.email, 'alice@example.org');
      const projects = await json(['project', 'list']);
      assert.ok(projects.some((p: { ID: string }) => p.ID === created.id), 'alice\'s system project exists');

      const aliceEnv = { ...adminEnv, OS_USERNAME: 'alice', OS_PASSWORD: 'alice-password-1', OS_PROJECT_ID: created.id };
      const aliceToken = await json(['token', 'issue'], aliceEnv);
      assert.equal(aliceToken.user_id, created.id);
      used.add(aliceToken.id);
      const denied = await openstack(['user', 'list'], aliceEnv);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /HTTP 403/);
      const wrongPassword = await openstack(['token', 'issue'], { ...aliceEnv, OS_PASSWORD: 'not-alices-password-2' });
      assert.notEqual(wrongPassword.code, 0);
      assert.match(wrongPassword.stderr, /401/);
    });

    it('revokes a token', async () => {
      const token = await json(['token', 'issue']);
      used.add(token.id);
      assert.equal((await openstack(['token', 'revoke', token.id])).code, 0);
      const res = await fetch(`${server.url}/identity/v3/auth/projects`, { headers: { 'x-auth-token': token.id } });
      assert.equal(res.status, 401);
    });

    it('logged none of the passwords and tokens it was sent', () => {
      assert.match(server.output(), /"msg":"request"/, 'serve logs its requests');
      for (const secret of used) assert.ok(!server.output().includes(secret), `serve's output holds a secret (${secret.slice(0, 4)}…)`);
    });

    it('stops cleanly on SIGTERM and reuses everything on the next start', async () => {
      const openrcBefore = readFileSync(join(dataDir, 'admin-openrc.sh'), 'utf8');
      assert.equal(await server.stop(), 0);
      assert.match(server.output(), /shutting down/);
      server = await startServe(dataDir, { ...serveEnv, OCEANOS_ADMIN_PASSWORD: 'ignored-on-second-start' });
      assert.doesNotMatch(server.output(), /database migrated|created the admin user/);
      assert.equal(readFileSync(join(dataDir, 'admin-openrc.sh'), 'utf8'), openrcBefore, 'credentials are kept as they were');
      // The port differs between starts; the password and project do not.
      const env = { ...readOpenrc(join(dataDir, 'admin-openrc.sh')), OS_AUTH_URL: `${server.url}/identity/v3` };
      const users = await json(['user', 'list'], env);
      assert.ok(users.some((u: { Name: string }) => u.Name === 'alice'), 'data survived the restart');
      assert.equal(await server.stop(), 0);
    });
  });
}
