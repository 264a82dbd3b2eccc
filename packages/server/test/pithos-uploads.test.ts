// Uploads that go wrong on a real socket: a client that disconnects mid-body, a body
// shorter or longer than its Content-Length, and a control plane that stops with an upload
// reserved. None may leave an object, a charge or a pending reservation behind.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';

/**
 * Sends raw bytes on a fresh connection; resolves with whatever came back before it closed.
 * The client then resets the connection, half-closes it (which Node's server takes as an
 * abort), or waits for the answer.
 */
function rawRequest(port: number, chunks: (Buffer | string)[], options: { then: 'destroy' | 'end' | 'wait' }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      if (options.then === 'wait' && /\r\n\r\n/.test(answer)) socket.destroy();
    });
    socket.on('error', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        await new Promise((r) => setTimeout(r, 20));
      }
      if (options.then === 'destroy') socket.destroy();
      else if (options.then === 'end') socket.end();
      else setTimeout(() => socket.destroy(), 2000);
    });
  });
}

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
};

for (const database of await testDatabases()) {
  describe(`interrupted uploads on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let databaseUrl: string;
    let port: number;
    let user: { id: string; token: string };
    before(async () => {
      databaseUrl = await database.create();
      plane = await startPlane(databaseUrl);
      await plane.app.listen({ host: '127.0.0.1', port: 0 });
      port = (plane.app.server.address() as { port: number }).port;
      user = await plane.createUser('uploader');
      await plane.call('PUT', `/object-store/v1/${user.id}/c`, { token: user.token });
    });
    after(async () => { await plane?.close(); });

    /** Waits until every upload ended and released what it reserved. */
    const released = (_name: string) => until(async () => {
      const uploads = await plane.database.db.selectFrom('pithos_uploads').select('id').execute();
      const pending = await plane.database.db.selectFrom('commissions').select('serial').where('state', '=', 'pending').execute();
      return uploads.length === 0 && pending.length === 0;
    });
    const head = (name: string) => plane.call('HEAD', `/object-store/v1/${user.id}/c/${name}`, { token: user.token });
    const usage = async () => (await plane.call('GET', '/account/v1.0/quotas', { token: user.token })).body[user.id]['pithos.diskspace'];
    const putHead = (name: string, length: number) =>
      `PUT /object-store/v1/${user.id}/c/${name} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${user.token}\r\nContent-Length: ${length}\r\n\r\n`;

    it('a client that disconnects mid-upload leaves no object and no charge', async () => {
      const half = Buffer.alloc(5 * 1024 * 1024, 7);
      await rawRequest(port, [putHead('gone', 10 * 1024 * 1024), half], { then: 'destroy' });
      await released('gone');
      assert.equal((await head('gone')).status, 404);
      const quota = await usage();
      assert.equal(quota.usage, 0);
      assert.equal(quota.pending, 0);
    });

    it('a body shorter than its Content-Length leaves nothing', async () => {
      await rawRequest(port, [putHead('short', 100), 'x'.repeat(50)], { then: 'end' });
      await released('short');
      assert.equal((await head('short')).status, 404);
      assert.equal((await usage()).usage, 0);
    });

    it('a body longer than its Content-Length leaves nothing', async () => {
      const answer = await rawRequest(port, [putHead('long', 10) + 'y'.repeat(40)], { then: 'wait' });
      assert.doesNotMatch(answer, /^HTTP\/1.1 201/);
      // Node may refuse the excess before our handler has even begun the upload: wait for the
      // handler's own end (its access-log line) before checking that nothing is left.
      await until(async () => plane.logs.some((line) => line.includes(`"path":"/object-store/v1/${user.id}/c/long"`)));
      await released('long');
      assert.equal((await head('long')).status, 404);
      assert.equal((await usage()).usage, 0);
    });

    it('a well-formed upload on a raw socket works', async () => {
      const answer = await rawRequest(port, [putHead('fine', 4) + 'good'], { then: 'wait' });
      assert.match(answer, /^HTTP\/1.1 201/);
      assert.equal((await usage()).usage, 4);
    });

    it('a reservation left by a stopped control plane is released at the next start', async () => {
      await plane.pithos.writer.begin({ account: user.id, container: 'c', name: 'crashed' }, 1000);
      assert.equal((await usage()).pending, 1000);
      await plane.close();
      plane = await startPlane(databaseUrl);
      assert.equal((await usage()).pending, 0);
      assert.equal((await usage()).usage, 4);
    });
  });
}
