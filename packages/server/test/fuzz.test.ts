// A fuzz suite over every registered route (read from the HTTP edge, so a new service's routes
// join by themselves): malformed JSON, wrong types, huge numbers, odd unicode, bad path
// segments (`%00`, `..`, very long), repeated query parameters, garbled headers, wrong content
// types and empty bodies, sent as the owner of a full estate, an admin, another user and
// nobody. No answer may be a 5xx, log an error, show a stack trace, or leave its API family's
// error format. Seeded: OCEANOS_FUZZ_SEED replays a run, OCEANOS_FUZZ_CASES sets the random
// cases per route (10).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { servedRoutes, type ServedRoute } from '../src/http/app.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';
import { buildEstate, type Estate } from './helpers/estate.ts';
import { boundaryCases, casesFor, describeCase, problemsOf, type Caller } from './helpers/fuzz.ts';
import { BAD_SEGMENTS, Random } from './helpers/fuzz-inputs.ts';
import { coverageGaps, reachedRoutes, routeKey } from './helpers/route-coverage.ts';

const SEED = Number(process.env.OCEANOS_FUZZ_SEED ?? 20261204);
const CASES = Number(process.env.OCEANOS_FUZZ_CASES ?? 10);

const databases = await testDatabases();

/** The route table, read once from a plane (the same on every database). */
async function routeTable(): Promise<ServedRoute[]> {
  const plane = await startPlane(await databases[0]!.create());
  try {
    return servedRoutes(plane.app);
  } finally {
    await plane.close();
  }
}

// Deletions last, deepest first (a server's tags before the server), so that the routes
// before them find the estate whole.
const depth = (route: ServedRoute) => (route.method === 'DELETE' ? 1000 - route.url.split('/').length : 0);
const ROUTES = (await routeTable()).sort((x, y) => depth(x) - depth(y));

for (const database of databases) {
  describe(`fuzzing every route on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let estate: Estate;
    let from: number;
    const random = new Random(SEED);
    const tokens: Partial<Record<Caller, string>> = {};
    before(async () => {
      plane = await startPlane(await database.create());
      estate = await buildEstate(plane);
      from = plane.logs.length;
    });
    after(async () => { await plane?.close(); });

    /** A working token for every caller: a route before may have revoked theirs, or disabled A or A's project. */
    async function renewTokens() {
      for (const [caller, id] of [['a', estate.a.id], ['b', estate.b.id], ['admin', estate.admin.id]] as const) {
        const current = tokens[caller];
        if (current && (await plane.identity.validateToken(current).then(() => true, () => false))) continue;
        const user = await plane.identity.getUser(id);
        if (!user.enabled) await plane.identity.updateUser(id, { enabled: true });
        await plane.identity.updateProject(user.defaultProjectId, { enabled: true });
        tokens[caller] = (await plane.identity.issueToken({ ...user, enabled: true }, { kind: 'default' }, ['password'])).token;
      }
      estate.vars['a.token'] = tokens.a!;
    }

    for (const route of ROUTES) {
      const key = routeKey(route.method, route.url);
      it(key, async () => {
        await renewTokens();
        const problems: string[] = [];
        for (const c of [...boundaryCases(route, estate.vars, random), ...casesFor(route, estate.vars, random, CASES)]) {
          const mark = plane.logs.length;
          const headers = { ...c.headers };
          if (c.caller !== 'nobody') headers['x-auth-token'] ??= tokens[c.caller]!;
          const res = await plane.app.inject({ method: c.method as 'GET', url: c.url, headers, payload: c.payload });
          let body: unknown;
          try { body = res.body ? JSON.parse(res.body) : undefined; } catch { body = undefined; }
          const reply = { status: res.statusCode, headers: res.headers as Record<string, string>, body, text: res.body };
          for (const problem of problemsOf(plane.app, c, reply, plane.logs.slice(mark))) problems.push(`${describeCase(c)}\n  → ${problem}`);
        }
        assert.deepEqual(problems, [], `seed ${SEED}`);
      });
    }

    it('reached every registered route', () => {
      assert.deepEqual(coverageGaps(plane.app, reachedRoutes(plane.logs, from), {}), { missing: [], stale: [] });
    });

    it('answers malformed console tokens with a 4xx, not a websocket or a 5xx', async () => {
      await plane.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (plane.app.server.address() as { port: number }).port;
      for (const token of [...BAD_SEGMENTS.slice(0, 12), estate.vars['a.token']!]) {
        const status = await new Promise<number>((done) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/console/websocket?token=${token}`);
          ws.on('unexpected-response', (_request, response) => { done(response.statusCode ?? 0); ws.terminate(); });
          ws.on('open', () => { done(101); ws.close(); });
          ws.on('error', () => done(0));
        });
        assert.ok(status >= 400 && status < 500, `token ${JSON.stringify(token.slice(0, 40))}: ${status}`);
      }
    });
  });
}
