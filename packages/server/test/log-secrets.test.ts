// Regression test: `GET /identity/v2.0/tokens/<token>` logged the token in the path. A full API
// run through every path that carries a secret (passwords, tokens in bodies, headers, paths
// and queries, public links, console tokens), after which no log line holds any of them.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { buildHttpServer } from '../src/http/app.ts';
import { cloudFault } from '../src/http/errors.ts';
import { tokenHash } from '../src/identity/secrets.ts';
import { computeHelpers } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

const [sqlite] = await testDatabases();

describe('secrets never reach the log', () => {
  let plane: TestPlane;
  const secrets = new Set<string>();
  const keep = <T extends string>(value: T): T => {
    secrets.add(value);
    return value;
  };
  before(async () => {
    plane = await startPlane(await sqlite!.create());
    keep(plane.adminToken);
  });
  after(async () => { await plane?.close(); });

  it('runs through every path that carries a secret', async () => {
    const { image, create, settled } = computeHelpers(() => plane);
    const password = keep('correct-horse-battery-1');
    const created = await plane.call('POST', '/identity/v3/users', { token: plane.adminToken, body: { user: { name: 'secretive', password } } });
    assert.equal(created.status, 201);
    const id = created.body.user.id as string;
    const wrong = keep('not-the-password-2');
    const refused = await plane.call('POST', '/identity/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['password'], password: { user: { name: 'secretive', domain: { id: 'default' }, password: wrong } } } } },
    });
    assert.equal(refused.status, 401);
    const token = keep(await plane.login('secretive', password));
    const user = { id, token };

    // Keystone: validate and revoke another token through X-Subject-Token.
    const other = keep(await plane.login('secretive', password));
    assert.equal((await plane.call('GET', '/identity/v3/auth/tokens', { token, headers: { 'x-subject-token': other } })).status, 200);
    assert.equal((await plane.call('DELETE', '/identity/v3/auth/tokens', { token, headers: { 'x-subject-token': other } })).status, 204);
    assert.equal((await plane.call('GET', '/identity/v3/auth/tokens', { token, headers: { 'x-subject-token': other } })).status, 404);

    // Synnefo's token API: a password, a token in the body, a token in the path.
    const v2 = await plane.call('POST', '/identity/v2.0/tokens', { body: { auth: { passwordCredentials: { username: 'secretive', password } } } });
    assert.equal(v2.status, 200);
    const v2token = keep(v2.body.access.token.id as string);
    assert.equal((await plane.call('POST', '/identity/v2.0/tokens', { body: { auth: { token: { id: v2token } } } })).status, 200);
    assert.equal((await plane.call('GET', `/identity/v2.0/tokens/${v2token}`, { token })).status, 200);
    assert.equal((await plane.call('POST', `/identity/v2.0/tokens/${v2token}`, { token })).status, 405);
    // Paths that no route answers but that start with a secret (a 404 of no route) are not logged whole either.
    assert.equal((await plane.call('GET', `/identity/v2.0/tokens/${v2token}/`, { token })).status, 404);
    assert.equal((await plane.call('GET', `/identity/v2.0/tokens/${v2token}/more`, { token })).status, 404);
    const unknown = keep('an-unknown-token-of-someone-3');
    assert.equal((await plane.call('GET', `/identity/v2.0/tokens/${unknown}`)).status, 401);

    // Password changes by the admin and by the user.
    const second = keep('a-second-password-4');
    assert.equal((await plane.call('PATCH', `/identity/v3/users/${id}`, { token: plane.adminToken, body: { user: { password: second } } })).status, 200);
    const third = keep('a-third-password-5');
    const change = await plane.call('POST', `/identity/v3/users/${id}/password`, { token: keep(await plane.login('secretive', second)), body: { user: { original_password: second, password: third } } });
    assert.equal(change.status, 204);
    const fresh = keep(await plane.login('secretive', third));

    // Pithos: the token as a query parameter, and a public link.
    assert.equal((await plane.call('PUT', `/object-store/v1/${id}/box?X-Auth-Token=${fresh}`)).status, 201);
    await plane.call('PUT', `/object-store/v1/${id}/box/file`, { token: fresh, rawBody: 'public words', headers: { 'x-object-public': 'true' } });
    const link = new URL(String((await plane.call('HEAD', `/object-store/v1/${id}/box/file`, { token: fresh })).headers['x-object-public'])).pathname;
    keep(link.slice('/public/'.length));
    assert.equal((await plane.call('GET', link)).text, 'public words');
    assert.equal((await plane.call('POST', link)).status, 405);
    assert.equal((await plane.call('GET', `${link}/more`)).status, 404);

    // A console token, and a websocket that presents it.
    const server = await create({ ...user, token: fresh }, { imageRef: await image({ ...user, token: fresh }) });
    assert.equal((await settled({ ...user, token: fresh }, server.id)).status, 'ACTIVE');
    keep(server.adminPass);
    // The fake backend serves no screen, so the token is issued as remote-consoles would.
    const consoleToken = keep((await plane.consoles.issue(server.id, { userId: id, tokenHash: tokenHash(fresh) })).token);
    await plane.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (plane.app.server.address() as { port: number }).port;
    await new Promise<void>((done) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/console/websocket?token=${consoleToken}`);
      ws.on('error', () => done());
      ws.on('close', () => done());
      ws.on('open', () => ws.close());
    });
  });

  it('finds none of them in any log line', () => {
    assert.ok(plane.logs.length > 20, 'the run was logged');
    for (const secret of secrets) {
      const lines = plane.logs.filter((line) => line.includes(secret) || line.includes(encodeURIComponent(secret)));
      assert.deepEqual(lines, [], `a log line holds a secret (${secret.slice(0, 4)}…)`);
    }
  });
});

describe('an unexpected error', () => {
  it('is logged with its message and the request id, not the request\'s headers or body, nor the error\'s other fields', async () => {
    const logs: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
    const app = await buildHttpServer({
      logger: pino(sink), trustProxy: false,
      families: [{
        prefix: '/boom', format: cloudFault,
        routes(scope) {
          // As a client library's error does, this one carries the request it was made from.
          scope.post('/', async (request) => { throw Object.assign(new Error('the backend broke'), { config: { headers: request.headers, data: request.body } }); });
        },
      }],
    });
    const secrets = ['token-in-a-header-1', 'token-in-a-header-2', 'password-in-a-body-3'];
    const res = await app.inject({
      method: 'POST', url: '/boom', headers: { 'x-auth-token': secrets[0]!, 'x-subject-token': secrets[1]! }, payload: { auth: { password: secrets[2] } },
    });
    assert.equal(res.statusCode, 500);
    assert.doesNotMatch(res.body, /backend broke|at /);
    const line = logs.find((l) => l.includes('unhandled error'));
    assert.ok(line && line.includes('the backend broke') && line.includes(JSON.parse(res.body).computeFault.message.match(/req-[\w-]+/)[0]));
    for (const secret of secrets) assert.deepEqual(logs.filter((l) => l.includes(secret)), [], secret);
    await app.close();
  });
});
