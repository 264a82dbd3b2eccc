// The QMP client against a tiny fake QMP server on a unix socket; qemu-backend.test.ts uses
// it against a real QEMU.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { QmpClient, QmpDisconnectedError, QmpError, QmpTimeoutError } from './qmp-client.ts';

type Handler = (command: { execute: string; id: unknown; arguments?: unknown }, socket: Socket) => void;

const servers: Server[] = [];
// Sockets live under one root, removed when this file's tests end.
const TMP = mkdtempSync(join(tmpdir(), 'oceanos-qmp-'));
after(() => {
  for (const server of servers) server.close();
  rmSync(TMP, { recursive: true, force: true });
});

const send = (socket: Socket, message: unknown) => socket.write(`${JSON.stringify(message)}\r\n`);

/** A QMP server that greets (unless told not to), records commands and answers them with `handler`. */
async function fakeQemu(handler: Handler, options: { greet?: boolean } = {}) {
  const path = join(mkdtempSync(join(TMP, 'socket-')), 'qmp.sock');
  const received: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    if (options.greet !== false) send(socket, { QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 } }, capabilities: [] } });
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\r\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const command = JSON.parse(line);
        received.push(command.execute);
        if (command.execute === 'qmp_capabilities') send(socket, { return: {}, id: command.id });
        else handler(command, socket);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, received, sockets };
}

it('negotiates capabilities, then runs typed commands matched to their replies by id', async () => {
  const qemu = await fakeQemu((command, socket) => {
    if (command.execute === 'query-status') send(socket, { return: { status: 'running', running: true }, id: command.id });
    else send(socket, { return: {}, id: command.id });
  });
  const qmp = await QmpClient.connect(qemu.path);
  assert.deepEqual(await qmp.queryStatus(), { status: 'running', running: true });
  await Promise.all([qmp.systemPowerdown(), qmp.systemReset()]);
  assert.deepEqual(qemu.received, ['qmp_capabilities', 'query-status', 'system_powerdown', 'system_reset']);
  qmp.close();
  await qmp.closed;
});

it('turns an error reply into a QmpError with its class', async () => {
  const qemu = await fakeQemu((command, socket) => send(socket, { error: { class: 'GenericError', desc: 'no ACPI' }, id: command.id }));
  const qmp = await QmpClient.connect(qemu.path);
  const error = await qmp.systemPowerdown().catch((e: unknown) => e);
  assert.ok(error instanceof QmpError);
  assert.equal(error.errorClass, 'GenericError');
  assert.match(error.message, /system_powerdown: no ACPI/);
  qmp.close();
});

it('delivers events by name, alongside replies', async () => {
  const qemu = await fakeQemu((command, socket) => {
    send(socket, { event: 'POWERDOWN', timestamp: { seconds: 1, microseconds: 0 } });
    send(socket, { return: {}, id: command.id });
    setTimeout(() => send(socket, { event: 'SHUTDOWN', data: { guest: true, reason: 'guest-shutdown' } }), 20);
  });
  const qmp = await QmpClient.connect(qemu.path);
  const seen: string[] = [];
  qmp.onEvent((event) => seen.push(event.event));
  const shutdown = qmp.waitForEvent('SHUTDOWN', 2_000);
  await qmp.systemPowerdown();
  assert.deepEqual((await shutdown).data, { guest: true, reason: 'guest-shutdown' });
  assert.deepEqual(seen, ['POWERDOWN', 'SHUTDOWN']);
  await assert.rejects(qmp.waitForEvent('RESET', 50), QmpTimeoutError);
  qmp.close();
});

it('times out a command that gets no reply, and a connection that gets no greeting', async () => {
  const silent = await fakeQemu(() => {});
  const qmp = await QmpClient.connect(silent.path, { timeoutMs: 100 });
  await assert.rejects(qmp.queryStatus(), QmpTimeoutError);
  qmp.close();
  const mute = await fakeQemu(() => {}, { greet: false });
  await assert.rejects(QmpClient.connect(mute.path, { timeoutMs: 100 }), QmpTimeoutError);
});

it('fails pending calls and waits with QmpDisconnectedError when QEMU goes away', async () => {
  const qemu = await fakeQemu((_command, socket) => socket.destroy());
  const qmp = await QmpClient.connect(qemu.path);
  const event = qmp.waitForEvent('SHUTDOWN', 5_000);
  await assert.rejects(qmp.systemReset(), QmpDisconnectedError);
  await assert.rejects(event, QmpDisconnectedError);
  await qmp.closed;
  await assert.rejects(qmp.queryStatus(), QmpDisconnectedError, 'a closed client refuses new commands');
});

it('counts quit as done when QEMU exits before replying', async () => {
  const qemu = await fakeQemu((command, socket) => { if (command.execute === 'quit') socket.destroy(); });
  const qmp = await QmpClient.connect(qemu.path);
  await qmp.quit();
  await qmp.closed;
});

it('reports a socket nobody listens on as disconnected', async () => {
  const path = join(mkdtempSync(join(TMP, 'socket-')), 'absent.sock');
  await assert.rejects(QmpClient.connect(path), QmpDisconnectedError);
});
