// Regression tests: a console URL obtained with a token stayed usable after that token was
// revoked or its user disabled, and an open console outlived both. Through the whole control
// plane: a server's console URL from the compute API, a real websocket to the plane's HTTP
// server, the login ended through the identity API, here or on another plane sharing the
// database. The VM's VNC socket is a fake that greets and echoes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { FakeBackend } from '../src/backends/fake/fake-backend.ts';
import type { Config } from '../src/config.ts';
import { closed, opened, refused } from './helpers/console-client.ts';
import { computeHelpers, type User } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

/** A fake whose VMs' screens are one VNC socket, shared by every plane that uses it. */
class ScreenFake extends FakeBackend {
  override readonly capabilities = { vncConsole: true, resize: true };
  constructor(private readonly socket: string) { super(); }
  override async consoleSocket(): Promise<string> { return this.socket; }
}

/** Well past the time an in-process close takes, well under the default check interval. */
const AT_ONCE_MS = 3000;

for (const database of await testDatabases()) {
  describe(`consoles end with their login on ${database.dialect}`, { skip: database.skip }, () => {
    let dir: string;
    let vnc: Server;
    const vncClients = new Set<Socket>();
    let backend: ScreenFake;
    let url: string;
    let plane: TestPlane;
    let serverOf: (user: User) => Promise<string>;

    /** A plane that serves websockets on a port of its own. */
    const listening = async (tweak: (config: Config) => void = () => {}) => {
      const started = await startPlane(url, tweak, { backend });
      await started.app.listen({ host: '127.0.0.1', port: 0 });
      return { plane: started, port: (started.app.server.address() as { port: number }).port };
    };
    let port: number;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'oceanos-console-revocation-'));
      vnc = createServer((socket) => {
        vncClients.add(socket);
        socket.on('close', () => vncClients.delete(socket));
        socket.on('error', () => socket.destroy());
        socket.write('RFB 003.008\n');
        socket.pipe(socket);
      });
      await new Promise<void>((resolve) => vnc.listen(join(dir, 'vnc.sock'), resolve));
      backend = new ScreenFake(join(dir, 'vnc.sock'));
      url = await database.create();
      ({ plane, port } = await listening());
      const { image, create, settled } = computeHelpers(() => plane);
      serverOf = async (user) => {
        const { id } = await create(user, { imageRef: await image(user) });
        assert.equal((await settled(user, id)).status, 'ACTIVE');
        return id;
      };
    });
    after(async () => {
      await plane?.close();
      for (const socket of vncClients) socket.destroy();
      await new Promise((resolve) => vnc?.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    });

    /** The `?token=` query of a console URL the compute API gives `token`'s holder, through `via`. */
    const consoleQuery = async (via: TestPlane, token: string, serverId: string) => {
      const res = await via.call('POST', `/compute/v2.1/servers/${serverId}/action`, { token, body: { 'os-getVNCConsole': { type: 'novnc' } } });
      assert.equal(res.status, 200, res.text);
      const path = new URL(res.body.console.url).searchParams.get('path')!;
      return path.slice(path.indexOf('?'));
    };
    /** An open console that has carried the VNC greeting. */
    const openConsole = async (at: number, query: string) => {
      const { ws, next } = await opened(at, query);
      assert.equal((await next()).toString(), 'RFB 003.008\n');
      return ws;
    };
    const closedSoon = async (ws: WebSocket, withinMs: number) => {
      const since = Date.now();
      const code = ws.readyState === WebSocket.CLOSED ? 1008 : await closed(ws);
      assert.equal(code, 1008);
      assert.ok(Date.now() - since < withinMs, `closed after ${Date.now() - since} ms`);
    };

    it('refuses a console URL whose token was revoked, and closes the console that token opened at once', async () => {
      const user = await plane.createUser('leaver');
      const id = await serverOf(user);
      const login = await plane.login('leaver', user.password);
      const open = await openConsole(port, await consoleQuery(plane, login, id));
      const unused = await consoleQuery(plane, login, id);
      const other = await openConsole(port, await consoleQuery(plane, user.token, id));
      const ending = closedSoon(open, AT_ONCE_MS);
      const revoke = await plane.call('DELETE', '/identity/v3/auth/tokens', { token: login, headers: { 'x-subject-token': login } });
      assert.equal(revoke.status, 204, revoke.text);
      await ending;
      const refusal = await refused(port, unused);
      assert.equal(refusal.status, 401);
      assert.match(refusal.body, /no longer valid/);
      assert.equal(other.readyState, WebSocket.OPEN, 'a console of another login of the user stays');
      other.terminate();
    });

    it('refuses the consoles of a disabled user and closes their open ones at once', async () => {
      const user = await plane.createUser('disabled');
      const id = await serverOf(user);
      const open = await openConsole(port, await consoleQuery(plane, user.token, id));
      const unused = await consoleQuery(plane, user.token, id);
      const ending = closedSoon(open, AT_ONCE_MS);
      const disabled = await plane.call('PATCH', `/identity/v3/users/${user.id}`, { token: plane.adminToken, body: { user: { enabled: false } } });
      assert.equal(disabled.status, 200, disabled.text);
      await ending;
      assert.equal((await refused(port, unused)).status, 401);
    });

    it('closes the consoles of a user who changed their password (every token of theirs is revoked)', async () => {
      const user = await plane.createUser('rotator');
      const open = await openConsole(port, await consoleQuery(plane, user.token, await serverOf(user)));
      const ending = closedSoon(open, AT_ONCE_MS);
      const changed = await plane.call('POST', `/identity/v3/users/${user.id}/password`, {
        token: user.token, body: { user: { original_password: user.password, password: 'a-new-password' } },
      });
      assert.equal(changed.status, 204, changed.text);
      await ending;
    });

    it('closes a console open on another plane within that plane\'s check interval', { skip: database.dialect === 'sqlite' && 'one SQLite file, one process' }, async () => {
      const other = await listening((c) => { c.compute.consoleRecheckSeconds = 1; });
      try {
        const user = await plane.createUser('far-away');
        const open = await openConsole(other.port, await consoleQuery(other.plane, user.token, await serverOf(user)));
        const ending = closedSoon(open, 1000 + AT_ONCE_MS);
        const disabled = await plane.call('PATCH', `/identity/v3/users/${user.id}`, { token: plane.adminToken, body: { user: { enabled: false } } });
        assert.equal(disabled.status, 200, disabled.text);
        await ending;
      } finally {
        await other.plane.close();
      }
    });
  });
}
