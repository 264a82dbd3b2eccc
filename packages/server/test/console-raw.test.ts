// Cyclades' raw VNC console (`{"console": {"type": "vnc"}}`) through the whole control plane on
// both databases: the action's answer, then a raw RFB client (as a VNC viewer is) on the
// one-time port, logging in with VNC authentication and reaching the VM's ServerInit. The VM's
// VNC server is a fake on a unix socket speaking RFB 3.8 with security None.
import { missingTools } from '../../../test/e2e/tools.ts';
import { waitFor } from '../../../test/e2e/vm-host.ts';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { FakeBackend } from '../src/backends/fake/fake-backend.ts';
import { RawVncProxy } from '../src/console/raw-proxy.ts';
import { ConsoleService } from '../src/console/service.ts';
import { openDatabase, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrator.ts';
import { RfbReader } from '../src/console/rfb-reader.ts';
import { vncAuthResponse } from '../src/console/vnc-auth.ts';
import { computeHelpers, type User } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

class ScreenFake extends FakeBackend {
  override readonly capabilities = { vncConsole: true, resize: true };
  constructor(private readonly socket: string) { super(); }
  override async consoleSocket(): Promise<string> { return this.socket; }
}

/** What the fake VM answers a ClientInit with: an 8x4 screen named "fake-vm". */
const SERVER_INIT = (() => {
  const name = Buffer.from('fake-vm');
  const init = Buffer.alloc(24);
  init.writeUInt16BE(8, 0);
  init.writeUInt16BE(4, 2);
  init.writeUInt32BE(name.length, 20);
  return Buffer.concat([init, name]);
})();

/** A VNC server as QEMU's: RFB 3.8, security None, ServerInit after ClientInit, then echoes. */
function fakeVm(socket: Socket) {
  socket.on('error', () => socket.destroy());
  const reader = new RfbReader(socket);
  (async () => {
    socket.write('RFB 003.008\n');
    assert.equal((await reader.read(12)).toString(), 'RFB 003.008\n');
    socket.write(Buffer.from([1, 1]));
    assert.equal(await reader.u8(), 1);
    socket.write(Buffer.alloc(4));
    await reader.u8(); // ClientInit: shared flag
    socket.write(SERVER_INIT);
    reader.release().pipe(socket);
  })().catch(() => socket.destroy());
}

/** A VNC viewer's login: what the proxy's SecurityResult said, and the socket and reader after it. */
async function viewer(port: number, password: string, version = 'RFB 003.008\n') {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const reader = new RfbReader(socket);
  assert.equal((await reader.read(12)).toString(), 'RFB 003.008\n');
  socket.write(version);
  if (version === 'RFB 003.003\n') {
    assert.equal(await reader.u32(), 2);
  } else {
    assert.deepEqual([...await reader.read(2)], [1, 2], 'only VNC authentication is offered');
    socket.write(Buffer.from([2]));
  }
  const challenge = await reader.read(16);
  socket.write(vncAuthResponse(challenge, password));
  const result = await reader.u32();
  const reason = result !== 0 && version === 'RFB 003.008\n' ? (await reader.read(await reader.u32())).toString() : '';
  return { result, reason, socket, reader };
}

const refusedConnection = (port: number) => new Promise<string>((resolve) => {
  const socket = connect(port, '127.0.0.1');
  socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  socket.once('connect', () => { socket.destroy(); resolve('connected'); });
});

const closedSoon = (socket: Socket, withinMs: number) => new Promise<void>((resolve, reject) => {
  if (socket.destroyed) return resolve();
  const timer = setTimeout(() => reject(new Error('the console stayed open')), withinMs);
  socket.once('close', () => { clearTimeout(timer); resolve(); });
  socket.resume();
});

// Ports of their own, so that test files running side by side do not compete.
const FIRST_PORT = 20000 + Math.floor(Math.random() * 20000);

for (const database of await testDatabases()) {
  describe(`raw VNC consoles on ${database.dialect}`, { skip: database.skip }, () => {
    let dir: string;
    let vm: Server;
    let plane: TestPlane;
    let serverOf: (user: User) => Promise<string>;
    let stop: (user: User, id: string) => Promise<void>;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'oceanos-console-raw-'));
      vm = createServer(fakeVm);
      await new Promise<void>((resolve) => vm.listen(join(dir, 'vnc.sock'), resolve));
      plane = await startPlane(await database.create(), (c) => {
        c.compute.consoleVncPorts = { first: FIRST_PORT, last: FIRST_PORT + 20 };
      }, { backend: new ScreenFake(join(dir, 'vnc.sock')) });
      const { image, create, settled } = computeHelpers(() => plane);
      serverOf = async (user) => {
        const { id } = await create(user, { imageRef: await image(user) });
        assert.equal((await settled(user, id)).status, 'ACTIVE');
        return id;
      };
      stop = async (user, id) => {
        assert.equal((await plane.call('POST', `/compute/v2.0/servers/${id}/action`, { token: user.token, body: { shutdown: {} } })).status, 202);
        assert.equal((await settled(user, id)).status, 'SHUTOFF');
      };
    });
    after(async () => {
      await plane?.close();
      await new Promise((resolve) => vm?.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    });

    const ask = (token: string, id: string, body: unknown = { console: { type: 'vnc' } }) =>
      plane.call('POST', `/compute/v2.0/servers/${id}/action`, { token, body });
    const consoleOf = async (token: string, id: string) => {
      const res = await ask(token, id);
      assert.equal(res.status, 200, res.text);
      return res.body.console as { type: string; host: string; port: number; password: string };
    };

    it('answers the host, a one-time port and an 8-character password, as Cyclades does', async () => {
      const user = await plane.createUser('raw-shape');
      const res = await ask(user.token, await serverOf(user));
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.body), ['console']);
      const { type, host, port, password } = res.body.console;
      assert.deepEqual([type, host], ['vnc', '127.0.0.1']);
      assert.ok(Number.isInteger(port) && port >= FIRST_PORT && port <= FIRST_PORT + 20, String(port));
      assert.match(password, /^[A-Za-z0-9]{8}$/);
      const rows = await plane.database.db.selectFrom('console_tokens').selectAll().execute();
      assert.ok(!JSON.stringify(rows).includes(password), 'only a hash of the password is stored');
    });

    it('lets a viewer with the password reach the VM\'s screen, once', async () => {
      const user = await plane.createUser('raw-viewer');
      const { port, password } = await consoleOf(user.token, await serverOf(user));
      const { result, socket, reader } = await viewer(port, password);
      assert.equal(result, 0);
      socket.write(Buffer.from([1])); // ClientInit, shared
      assert.deepEqual(await reader.read(SERVER_INIT.length), SERVER_INIT);
      socket.write('keys');
      assert.equal((await reader.read(4)).toString(), 'keys', 'both ways relayed');
      assert.equal(await refusedConnection(port), 'ECONNREFUSED', 'the port served one viewer');
      socket.destroy();
      assert.ok(!plane.logs.some((line) => line.includes(password)), 'the password is in no log');
    });

    it('refuses a wrong password with a reason, and the password is spent', async () => {
      const user = await plane.createUser('raw-wrong');
      const id = await serverOf(user);
      const { port, password } = await consoleOf(user.token, id);
      const wrong = await viewer(port, password === 'AAAAAAAA' ? 'BBBBBBBB' : 'AAAAAAAA');
      assert.equal(wrong.result, 1);
      assert.match(wrong.reason, /Authentication failed/);
      assert.equal(await refusedConnection(port), 'ECONNREFUSED');
      const rows = await plane.database.db.selectFrom('console_tokens').select('used').where('server_id', '=', id).execute();
      assert.deepEqual(rows.map((row) => row.used), [1]);
    });

    it('speaks RFB 3.3 and 3.7 to older viewers', async () => {
      const user = await plane.createUser('raw-old');
      const id = await serverOf(user);
      for (const version of ['RFB 003.003\n', 'RFB 003.007\n']) {
        const { port, password } = await consoleOf(user.token, id);
        const { result, socket, reader } = await viewer(port, password, version);
        assert.equal(result, 0, version);
        socket.write(Buffer.from([1]));
        assert.deepEqual(await reader.read(SERVER_INIT.length), SERVER_INIT);
        socket.destroy();
      }
    });

    it('gives a console of a server to its owner only, and of a running one only (400 otherwise, as Cyclades)', async () => {
      const owner = await plane.createUser('raw-owner');
      const other = await plane.createUser('raw-other');
      const id = await serverOf(owner);
      assert.equal((await ask(other.token, id)).status, 404);
      assert.equal((await ask(owner.token, id, { console: {} })).status, 400);
      assert.equal((await ask(owner.token, id, { console: { type: 'spice' } })).status, 400);
      await stop(owner, id);
      const stopped = await ask(owner.token, id);
      assert.equal(stopped.status, 400, 'as Cyclades answers');
      assert.equal(stopped.body.badRequest.message, 'Server not in ACTIVE state.');
    });

    it('closes an open console when the login that asked for it is revoked', async () => {
      const user = await plane.createUser('raw-leaver');
      const id = await serverOf(user);
      const login = await plane.login('raw-leaver', user.password);
      const { port, password } = await consoleOf(login, id);
      const { result, socket } = await viewer(port, password);
      assert.equal(result, 0);
      const ending = closedSoon(socket, 3000);
      const revoke = await plane.call('DELETE', '/identity/v3/auth/tokens', { token: login, headers: { 'x-subject-token': login } });
      assert.equal(revoke.status, 204, revoke.text);
      await ending;
    });

    it('refuses a viewer whose login ended before it logged in', async () => {
      const user = await plane.createUser('raw-late');
      const id = await serverOf(user);
      const login = await plane.login('raw-late', user.password);
      const { port, password } = await consoleOf(login, id);
      await plane.call('DELETE', '/identity/v3/auth/tokens', { token: login, headers: { 'x-subject-token': login } });
      const late = await viewer(port, password);
      assert.equal(late.result, 1);
      assert.match(late.reason, /no longer valid/);
    });
  });
}

const QEMU = 'qemu-system-x86_64';

describe('raw VNC console of a real QEMU', { skip: missingTools([QEMU]) }, () => {
  let dir: string;
  let db: Database;
  let qemu: ChildProcess;
  let proxy: RawVncProxy;
  let consoles: ConsoleService;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oceanos-console-raw-qemu-'));
    db = openDatabase(join(dir, 'db.sqlite'));
    await migrate(db);
    consoles = new ConsoleService(db, { isTokenLive: async () => true }, { ttlSeconds: 300, url: (path) => `http://127.0.0.1${path}` });
    const socket = join(dir, 'vnc.sock');
    // Paused (-S): the VNC server answers without a guest running.
    qemu = spawn(QEMU, ['-machine', 'pc', '-accel', 'tcg', '-nodefaults', '-vga', 'std', '-display', 'none', '-m', '16', '-S', '-vnc', `unix:${socket}`], { stdio: 'ignore' });
    await waitFor('the VNC socket of QEMU', () => existsSync(socket), 5000, 50);
    proxy = new RawVncProxy({
      consoles, socketFor: async () => socket, logger: pino({ level: 'silent' }), listenHost: '127.0.0.1',
      ports: { first: FIRST_PORT + 30, last: FIRST_PORT + 40 }, ttlMs: 300_000,
    });
    consoles.serveRawConsoles({ host: '127.0.0.1', open: (password) => proxy.open(password) });
  });
  after(async () => {
    proxy?.close();
    qemu?.kill('SIGKILL');
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs a viewer in to QEMU\'s screen and relays its ServerInit', async () => {
    const { port, password } = await consoles.issueRaw('vm', { userId: 'user', tokenHash: 'login-of-user' });
    const { result, socket, reader } = await viewer(port, password);
    assert.equal(result, 0);
    socket.write(Buffer.from([1]));
    const init = await reader.read(24);
    assert.deepEqual([init.readUInt16BE(0), init.readUInt16BE(2)], [640, 480]);
    assert.equal((await reader.read(init.readUInt32BE(20))).toString(), 'QEMU');
    socket.destroy();
  });
});
