// The browser console: one-time tokens on both databases, the websocket-to-VNC bridge end to
// end (a real HTTP server, a fake VNC server on a unix socket, a `ws` client), and the noVNC
// pages through the control plane.
import { missingTools } from '../../../test/e2e/tools.ts';
import { waitFor } from '../../../test/e2e/vm-host.ts';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { openDatabase, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrator.ts';
import { attachConsoleProxy, type ConsoleProxy } from '../src/console/proxy.ts';
import { ConsoleService } from '../src/console/service.ts';
import { conflict, type ApiError } from '../src/http/errors.ts';
import { testDatabases } from './helpers/databases.ts';
import { byteReader, closed, connect, opened, refused } from './helpers/console-client.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';

const TTL = 300;
const RECHECK_MS = 200;
/** Logins as the console service sees them: live unless revoked here. */
const revoked = new Set<string>();
const logins = { isTokenLive: async (hash: string) => !revoked.has(hash) };
const issuer = (userId: string) => ({ userId, tokenHash: `login-of-${userId}` });
const rejectsWith = (status: number, message: RegExp) => (e: ApiError) => e.status === status && message.test(e.message);

for (const database of await testDatabases()) {
  describe(`console tokens on ${database.dialect}`, { skip: database.skip }, () => {
    let db: Database;
    let now = Date.parse('2030-01-01T00:00:00Z');
    let consoles: ConsoleService;
    before(async () => {
      db = openDatabase(await database.create());
      await migrate(db);
      consoles = new ConsoleService(db, logins, { ttlSeconds: TTL, url: (path) => `https://cloud.test${path}`, now: () => now });
    });
    after(async () => { await db?.close(); });

    it('issues a token of which only the hash is stored, and the noVNC URL that carries it', async () => {
      const { token, url } = await consoles.issue('server-1', issuer('user-1'));
      assert.match(token, /^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
      assert.equal(url, `https://cloud.test/console/vnc_lite.html?path=console%2Fwebsocket%3Ftoken%3D${token}`);
      assert.equal(new URL(url).searchParams.get('path'), `console/websocket?token=${token}`);
      const rows = await db.db.selectFrom('console_tokens').selectAll().execute();
      const row = rows.find((r) => r.token_hash === createHash('sha256').update(token).digest('hex'));
      assert.ok(row);
      assert.deepEqual([row.server_id, row.user_id, row.used, row.expires_at], ['server-1', 'user-1', 0, new Date(now + TTL * 1000).toISOString()]);
      assert.ok(!JSON.stringify(rows).includes(token));
    });

    it('redeems a token once only', async () => {
      const { token } = await consoles.issue('server-2', issuer('user-2'));
      assert.deepEqual(await consoles.redeem(token), { serverId: 'server-2', userId: 'user-2', issuer: 'login-of-user-2' });
      await assert.rejects(consoles.redeem(token), rejectsWith(401, /used already/));
    });

    it('lets exactly one of concurrent redemptions through', async () => {
      const { token } = await consoles.issue('server-3', issuer('user-3'));
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => consoles.redeem(token)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });

    it('refuses a token once it has expired, and an unknown one', async () => {
      const { token } = await consoles.issue('server-4', issuer('user-4'));
      now += TTL * 1000;
      await assert.rejects(consoles.redeem(token), rejectsWith(401, /expired/));
      await assert.rejects(consoles.redeem(randomBytes(32).toString('base64url')), rejectsWith(401, /Unknown/));
      // The refused redemption left the expired token unused.
      const row = await db.db.selectFrom('console_tokens').select('used').where('server_id', '=', 'server-4').executeTakeFirstOrThrow();
      assert.equal(row.used, 0);
    });

    it('purges tokens an hour after they expired, when tokens are issued', async () => {
      const { token } = await consoles.issue('server-5', issuer('user-5'));
      now += (TTL + 3600) * 1000 - 1;
      assert.equal(await consoles.purgeExpired(), 4, 'the tokens of the earlier tests, expired over an hour ago');
      now += 2;
      await consoles.issue('server-6', issuer('user-6'));
      await assert.rejects(consoles.redeem(token), rejectsWith(401, /Unknown/));
      const left = await db.db.selectFrom('console_tokens').select('server_id').execute();
      assert.deepEqual(left.map((r) => r.server_id), ['server-6']);
    });

    it('keeps the public URL\'s path prefix in the websocket path', async () => {
      const prefixed = new ConsoleService(db, logins, { ttlSeconds: TTL, url: (path) => `https://cloud.test/oceanos${path}` });
      const { token, url } = await prefixed.issue('server-7', issuer('user-7'));
      assert.equal(new URL(url).pathname, '/oceanos/console/vnc_lite.html');
      assert.equal(new URL(url).searchParams.get('path'), `oceanos/console/websocket?token=${token}`);
    });
  });
}

describe('console proxy', () => {
  let db: Database;
  let dir: string;
  let now = Date.now();
  let consoles: ConsoleService;
  let http: Server;
  let port: number;
  let vnc: NetServer;
  const vncClients = new Set<Socket>();
  let proxy: ConsoleProxy;
  const sockets = new Map<string, string>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oceanos-console-'));
    db = openDatabase(join(dir, 'db.sqlite'));
    await migrate(db);
    consoles = new ConsoleService(db, logins, { ttlSeconds: TTL, url: (path) => `http://127.0.0.1${path}`, now: () => now });
    // A VNC server that greets as RFB 3.8 does and then echoes.
    vnc = createNetServer((socket) => {
      vncClients.add(socket);
      socket.on('close', () => vncClients.delete(socket));
      socket.write('RFB 003.008\n');
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => vnc.listen(join(dir, 'vnc.sock'), resolve));
    sockets.set('running', join(dir, 'vnc.sock'));
    sockets.set('dead', join(dir, 'nobody-listens.sock'));
    http = createServer((_req, res) => res.end('plain http'));
    proxy = attachConsoleProxy(http, {
      consoles,
      socketFor: async (id) => {
        const path = sockets.get(id);
        if (!path) throw new Error(`VM ${id} is not running at /var/lib/secret/path`);
        if (id === 'busy') throw conflict('Server busy is being rebuilt.');
        return path;
      },
      logger: pino({ level: 'silent' }),
      recheckMs: RECHECK_MS,
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    port = (http.address() as { port: number }).port;
    sockets.set('busy', join(dir, 'vnc.sock'));
  });
  after(async () => {
    proxy?.close();
    http?.closeAllConnections();
    await new Promise((resolve) => http?.close(resolve));
    await new Promise((resolve) => vnc?.close(resolve));
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tokenFor = async (serverId: string) => (await consoles.issue(serverId, issuer('user-1'))).token;

  it('bridges a websocket to the VM\'s VNC socket both ways, with the binary subprotocol', async () => {
    const { ws, next } = await opened(port, `?token=${await tokenFor('running')}`);
    assert.equal(ws.protocol, 'binary');
    assert.equal((await next()).toString(), 'RFB 003.008\n');
    ws.send(Buffer.from('RFB 003.008\n'));
    assert.equal((await next()).toString(), 'RFB 003.008\n');
    const gone = closed(ws);
    ws.close();
    await gone;
  });

  it('accepts a client that offers no subprotocol', async () => {
    const { ws, next } = await opened(port, `?token=${await tokenFor('running')}`, []);
    assert.equal(ws.protocol, '');
    assert.equal((await next()).toString(), 'RFB 003.008\n');
    ws.terminate();
  });

  it('carries megabytes intact in both directions', async () => {
    const { ws, next } = await opened(port, `?token=${await tokenFor('running')}`);
    await next();
    const data = randomBytes(8 * 1024 * 1024);
    for (let offset = 0; offset < data.length; offset += 64 * 1024) ws.send(data.subarray(offset, offset + 64 * 1024));
    assert.ok((await byteReader(next)(data.length)).equals(data));
    ws.terminate();
  });

  it('refuses a replayed token, an expired one, a missing one and an unknown one with 401, and opens no VNC connection', async () => {
    const token = await tokenFor('running');
    const { ws, next } = await opened(port, `?token=${token}`);
    await next();
    const before = vncClients.size;
    assert.equal((await refused(port, `?token=${token}`)).status, 401);
    const late = await tokenFor('running');
    now += (TTL + 1) * 1000;
    const expired = await refused(port, `?token=${late}`);
    assert.deepEqual([expired.status, /expired/.test(expired.body)], [401, true]);
    assert.equal((await refused(port, '')).status, 401);
    assert.equal((await refused(port, `?token=${randomBytes(32).toString('base64url')}`)).status, 401);
    assert.equal(vncClients.size, before);
    ws.terminate();
  });

  it('refuses a console whose login was revoked (regression: a console outlived its user\'s revocation)', async () => {
    const { token } = await consoles.issue('running', issuer('leaver'));
    revoked.add('login-of-leaver');
    const refusal = await refused(port, `?token=${token}`);
    assert.equal(refusal.status, 401);
    assert.match(refusal.body, /no longer valid/);
    revoked.delete('login-of-leaver');
  });

  it('closes at once the open consoles of the logins that ended here, and no others', async () => {
    const open = async (who: string) => opened(port, `?token=${(await consoles.issue('running', issuer(who))).token}`);
    const [disabled, revokedLogin, bystander] = await Promise.all([open('disabled'), open('revoked-login'), open('bystander')]);
    await Promise.all([disabled.next(), revokedLogin.next(), bystander.next()]);
    const ends = [closed(disabled.ws), closed(revokedLogin.ws)];
    proxy.endLogins({ userId: 'disabled' });
    proxy.endLogins({ tokenHash: 'login-of-revoked-login' });
    assert.deepEqual(await Promise.all(ends), [1008, 1008]);
    assert.equal(bystander.ws.readyState, WebSocket.OPEN, 'other logins keep theirs');
    bystander.ws.terminate();
  });

  it('closes a console whose login ended elsewhere within the check interval, unasked', async () => {
    const { ws, next } = await opened(port, `?token=${(await consoles.issue('running', issuer('elsewhere'))).token}`);
    await next();
    const ended = closed(ws);
    const since = Date.now();
    revoked.add('login-of-elsewhere');
    assert.equal(await ended, 1008);
    assert.ok(Date.now() - since < RECHECK_MS * 3, `closed after ${Date.now() - since} ms`);
    revoked.delete('login-of-elsewhere');
  });

  it('refuses with 409 when the VM does not run, without leaking the backend\'s message', async () => {
    const stopped = await refused(port, `?token=${await tokenFor('stopped')}`);
    assert.equal(stopped.status, 409);
    assert.doesNotMatch(stopped.body, /secret/);
    const busy = await refused(port, `?token=${await tokenFor('busy')}`);
    assert.deepEqual([busy.status, busy.body], [409, 'Server busy is being rebuilt.']);
  });

  it('refuses with 502 when nothing listens on the VNC socket', async () => {
    assert.equal((await refused(port, `?token=${await tokenFor('dead')}`)).status, 502);
  });

  it('answers upgrades of other paths with 404 and leaves plain HTTP requests alone', async () => {
    const other = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/identity/v3`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', reject);
    });
    assert.equal(other, 404);
    const res = await fetch(`http://127.0.0.1:${port}/console/websocket`);
    assert.equal(await res.text(), 'plain http');
  });

  it('closes the websocket when the VNC side closes, and the VNC connection when the browser leaves', async () => {
    const first = await opened(port, `?token=${await tokenFor('running')}`);
    await first.next();
    const gone = closed(first.ws);
    for (const client of vncClients) client.end();
    await gone;

    const second = await opened(port, `?token=${await tokenFor('running')}`);
    await second.next();
    const [client] = vncClients;
    assert.ok(client);
    const ended = new Promise((resolve) => client.once('close', resolve));
    second.ws.close();
    await ended;
  });

  it('ends live consoles on close() and answers no more upgrades', async () => {
    const { ws, next } = await opened(port, `?token=${await tokenFor('running')}`);
    await next();
    const gone = closed(ws);
    proxy.close();
    await gone;
    const token = await tokenFor('running');
    const after = await connect(port, `?token=${token}`);
    assert.ok('status' in after && after.status === 200, 'the plain HTTP handler answered');
    assert.deepEqual(await consoles.redeem(token), { serverId: 'running', userId: 'user-1', issuer: 'login-of-user-1' }, 'the token was not spent');
  });
});

const QEMU = 'qemu-system-x86_64';
const noQemu = missingTools([QEMU]);

describe('console proxy to a real QEMU', { skip: noQemu }, () => {
  let dir: string;
  let db: Database;
  let qemu: ChildProcess;
  let http: Server;
  let proxy: { close(): void };
  let consoles: ConsoleService;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oceanos-console-qemu-'));
    db = openDatabase(join(dir, 'db.sqlite'));
    await migrate(db);
    consoles = new ConsoleService(db, logins, { ttlSeconds: TTL, url: (path) => `http://127.0.0.1${path}` });
    const socket = join(dir, 'vnc.sock');
    // Paused (-S): the VNC server answers without a guest running.
    qemu = spawn(QEMU, ['-machine', 'pc', '-accel', 'tcg', '-nodefaults', '-vga', 'std', '-display', 'none', '-m', '16', '-S', '-vnc', `unix:${socket}`], { stdio: 'ignore' });
    await waitFor('the VNC socket of QEMU', () => existsSync(socket), 5000, 50);
    http = createServer();
    proxy = attachConsoleProxy(http, { consoles, socketFor: async () => socket, logger: pino({ level: 'silent' }) });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    proxy?.close();
    qemu?.kill('SIGKILL');
    await new Promise((resolve) => http?.close(resolve));
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries the RFB handshake up to the ServerInit of QEMU\'s screen', async () => {
    const { token } = await consoles.issue('vm', issuer('user'));
    const { ws, next } = await opened((http.address() as { port: number }).port, `?token=${token}`);
    const read = byteReader(next);
    assert.equal((await read(12)).toString(), 'RFB 003.008\n');
    ws.send(Buffer.from('RFB 003.008\n'));
    const types = await read((await read(1))[0]!);
    assert.ok(types.includes(1), 'security type None is offered');
    ws.send(Buffer.from([1]));
    assert.equal((await read(4)).readUInt32BE(0), 0, 'security result OK');
    ws.send(Buffer.from([1]));
    const init = await read(24);
    assert.deepEqual([init.readUInt16BE(0), init.readUInt16BE(2)], [640, 480]);
    assert.equal((await read(init.readUInt32BE(20))).toString(), 'QEMU');
    ws.terminate();
  });
});

describe('console pages', () => {
  let plane: TestPlane;
  before(async () => {
    const [sqlite] = await testDatabases();
    plane = await startPlane(await sqlite!.create());
  });
  after(async () => { await plane?.close(); });

  it('serves the console page under the names Nova uses, with headers that keep the token in', async () => {
    for (const page of ['vnc_lite.html', 'vnc.html', 'vnc_auto.html']) {
      const res = await plane.call('GET', `/console/${page}?path=console%2Fwebsocket%3Ftoken%3Dabc`);
      assert.equal(res.status, 200, page);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.text, /<script type="module" src="app\/console.js">/);
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
    }
  });

  it('serves every module the page imports, through noVNC\'s whole import graph', async () => {
    const seen = new Set<string>();
    const queue = ['/console/app/console.js'];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await plane.call('GET', path);
      assert.equal(res.status, 200, path);
      assert.match(String(res.headers['content-type']), /^text\/javascript/, path);
      for (const [, spec] of res.text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g)) {
        assert.match(spec!, /^\.\.?\//, `${path} imports ${spec} relatively`);
        queue.push(new URL(spec!, `http://x${path}`).pathname);
      }
    }
    assert.ok(seen.has('/console/core/rfb.js') && [...seen].some((p) => p.startsWith('/console/vendor/pako/')), [...seen].join(' '));
  });

  it('refuses path traversal, other file types and unknown files', async () => {
    for (const path of [
      '/console/..%2F..%2Fpackage.json', '/console/core/..%2F..%2Fpackage.json', '/console/core/..%2F..%2F..%2F..%2F..%2Fpackage.json',
      '/console/core/..%2Fpackage.json', '/console/app/..%2F..%2Fservice.ts', '/console/core/%2Fetc%2Fpasswd', '/console/vendor/pako/README.md',
      '/console/core/..%2F..%2F..%2Fws%2Findex.js', '/console/core/../../../ws/index.js', '/console/app/..%2Fvnc_lite.html',
      '/console/app/%2E%2E%2F%2E%2E%2F..%2Fconsole%2Fpages%2Fvnc_lite.html', '/console/core/nothing.js', '/console/core/util', '/console/core/rfb.js%00.js',
    ]) {
      const res = await plane.call('GET', path);
      assert.ok(res.status === 404 || res.status === 400, `${path}: ${res.status}`);
      assert.doesNotMatch(res.text, /"name"|import |<html/, path);
    }
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await plane.call('HEAD', '/console/core/rfb.js');
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
  });
});
