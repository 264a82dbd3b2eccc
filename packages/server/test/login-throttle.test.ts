// Regression tests: thirty concurrent password guesses for one user were all evaluated (the
// limit was five), a name and a UUID counted separately, each process counted alone, five
// wrong passwords from anywhere refused the right one for five minutes, and the back-off fell
// back to its first step after a day-long block. Now the limit is exact under concurrency and
// across processes, keyed by the user, the owner elsewhere is not locked out by a guesser, who
// is slowed with a growing back-off, and a guesser with many addresses is bounded too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrator.ts';
import type { ApiError } from '../src/http/errors.ts';
import { LoginThrottle } from '../src/identity/login-throttle.ts';
import { testDatabases } from './helpers/databases.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';

const v3 = (user: { name?: string; id?: string }, password: string) => ({
  auth: { identity: { methods: ['password'], password: { user: { ...user, ...(user.name ? { domain: { id: 'default' } } : {}), password } } } },
});
const v2 = (username: string, password: string) => ({ auth: { passwordCredentials: { username, password } } });

for (const database of await testDatabases()) {
  describe(`login throttling on ${database.dialect}`, { skip: database.skip }, () => {
    let url: string;
    let plane: TestPlane;
    before(async () => {
      url = await database.create();
      plane = await startPlane(url, (c) => { c.loginThrottle = { maxFailuresPerUser: 5, maxFailuresPerAddress: 1000, windowSeconds: 300 }; });
    });
    after(async () => { await plane?.close(); });

    const login = (p: TestPlane, body: unknown, remoteAddress: string, path = '/identity/v3/auth/tokens') => p.call('POST', path, { body, remoteAddress });
    const statuses = (replies: { status: number }[]) => replies.map((r) => r.status).sort().join(',');

    it('evaluates no more than the limit of thirty concurrent guesses, whichever name form each uses', async () => {
      const victim = await plane.createUser('victim');
      const forms = [
        (i: number) => login(plane, v3({ name: 'victim' }, `guess-${i}`), '203.0.113.1'),
        (i: number) => login(plane, v3({ id: victim.id }, `guess-${i}`), '203.0.113.1'),
        (i: number) => login(plane, v2(i % 2 ? victim.id : 'victim', `guess-${i}`), '203.0.113.1', '/identity/v2.0/tokens'),
      ];
      const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => forms[i % 3]!(i)));
      assert.equal(replies.filter((r) => r.status === 401).length, 5, statuses(replies));
      assert.equal(replies.filter((r) => r.status === 429).length, 25);
      const right = await login(plane, v3({ name: 'victim' }, victim.password), '203.0.113.1');
      assert.equal(right.status, 429, 'that address is blocked for that user');
      assert.ok(Number(right.headers['retry-after']) > 200);
      const owner = await login(plane, v3({ name: 'victim' }, victim.password), '198.51.100.9');
      assert.equal(owner.status, 201, 'the owner, elsewhere, logs in');
    });

    it('counts a user as one whichever name form the guesses use', async () => {
      const user = await plane.createUser('forms');
      const from = '203.0.113.2';
      for (const body of [v3({ name: 'forms' }, 'x1'), v3({ id: user.id }, 'x2'), v3({ name: 'forms' }, 'x3')]) assert.equal((await login(plane, body, from)).status, 401);
      assert.equal((await login(plane, v2(user.id, 'x4'), from, '/identity/v2.0/tokens')).status, 401);
      assert.equal((await login(plane, v2('forms', 'x5'), from, '/identity/v2.0/tokens')).status, 401);
      const keystone = await login(plane, v3({ id: user.id }, user.password), from);
      assert.equal(keystone.status, 429);
      assert.equal(keystone.body.error.code, 429, keystone.text);
      assert.match(String(keystone.headers['retry-after']), /^[1-9][0-9]*$/);
      const synnefo = await login(plane, v2('forms', user.password), from, '/identity/v2.0/tokens');
      assert.equal(synnefo.status, 429);
      assert.equal(synnefo.body.overLimit.code, 429, synnefo.text);
      assert.match(String(synnefo.headers['retry-after']), /^[1-9][0-9]*$/);
    });

    it('a right password starts the count afresh', async () => {
      const user = await plane.createUser('typo');
      const from = '203.0.113.3';
      for (let i = 0; i < 4; i++) assert.equal((await login(plane, v3({ name: 'typo' }, 'nope'), from)).status, 401);
      assert.equal((await login(plane, v3({ name: 'typo' }, user.password), from)).status, 201);
      for (let i = 0; i < 4; i++) assert.equal((await login(plane, v3({ name: 'typo' }, 'nope'), from)).status, 401);
      assert.equal((await login(plane, v3({ name: 'typo' }, user.password), from)).status, 201);
    });

    it('throttles a name nobody has like any other, telling nothing', async () => {
      await plane.createUser('somebody');
      const attempts = async (name: string, from: string) => {
        const replies = [];
        for (let i = 0; i < 6; i++) replies.push(await login(plane, v3({ name }, 'x'), from));
        return replies.map((r) => [r.status, r.headers['retry-after'] === undefined ? '' : 'retry-after', r.text.replace(/[0-9]+ seconds/, 'N seconds')]);
      };
      const nobody = await attempts('nobody-at-all', '203.0.113.4');
      assert.deepEqual(nobody.map(([status]) => status), [401, 401, 401, 401, 401, 429]);
      assert.deepEqual(await attempts('somebody', '203.0.113.14'), nobody);
    });

    it('blocks a guesser again for twice as long after each block', async () => {
      const short = await startPlane(await database.create(), (c) => { c.loginThrottle = { maxFailuresPerUser: 2, maxFailuresPerAddress: 1000, windowSeconds: 1 }; });
      try {
        await short.createUser('slow');
        const guess = () => login(short, v3({ name: 'slow' }, 'x'), '203.0.113.5');
        await guess();
        await guess();
        const first = await guess();
        assert.equal(first.status, 429);
        assert.equal(first.headers['retry-after'], '1');
        await new Promise((r) => setTimeout(r, 1100));
        await guess();
        await guess();
        const second = await guess();
        assert.equal(second.status, 429);
        assert.equal(second.headers['retry-after'], '2');
      } finally {
        await short.close();
      }
    });

    it('counts exactly across two control planes sharing the database', { skip: database.dialect === 'sqlite' && 'one SQLite file, one process' }, async () => {
      const user = await plane.createUser('shared');
      const other = await startPlane(url, (c) => { c.loginThrottle = { maxFailuresPerUser: 5, maxFailuresPerAddress: 1000, windowSeconds: 300 }; });
      try {
        const replies = await Promise.all(Array.from({ length: 24 }, (_, i) => login(i % 2 ? other : plane, v3({ name: 'shared' }, `g${i}`), '203.0.113.6')));
        assert.equal(replies.filter((r) => r.status === 401).length, 5, statuses(replies));
        assert.equal((await login(other, v3({ name: 'shared' }, user.password), '203.0.113.6')).status, 429);
      } finally {
        await other.close();
      }
    });

    it('bounds a guesser with many addresses, and the owner still logs in from an address of theirs', async () => {
      const wide = await startPlane(await database.create(), (c) => {
        c.loginThrottle = { maxFailuresPerUser: 5, maxFailuresPerAddress: 1000, maxFailuresPerUserAnywhere: 10, windowSeconds: 300 };
      });
      try {
        const owner = await wide.createUser('popular');
        assert.equal((await login(wide, v3({ name: 'popular' }, owner.password), '198.51.100.20')).status, 201);
        const guesses = await Promise.all(Array.from({ length: 30 }, (_, i) => login(wide, v3({ name: 'popular' }, `g${i}`), `203.0.113.${100 + i}`)));
        assert.equal(guesses.filter((r) => r.status === 401).length, 10, statuses(guesses));
        const newcomer = await login(wide, v3({ name: 'popular' }, owner.password), '203.0.113.200');
        assert.equal(newcomer.status, 429, 'an address the user never logged in from waits, even with the right password');
        assert.ok(Number(newcomer.headers['retry-after']) > 200);
        assert.equal((await login(wide, v3({ name: 'popular' }, owner.password), '198.51.100.20')).status, 201, 'the owner\'s address is spared');
        assert.equal((await login(wide, v2('popular', owner.password), '198.51.100.20', '/identity/v2.0/tokens')).status, 200);
      } finally {
        await wide.close();
      }
    });
  });

  describe(`login throttle's clock on ${database.dialect}`, { skip: database.skip }, () => {
    let db: Database;
    let now = Date.parse('2030-01-01T00:00:00Z');
    const HOUR = 3600;
    before(async () => {
      db = openDatabase(await database.create());
      await migrate(db);
    });
    after(async () => { await db?.close(); });

    const retryAfter = async (attempt: Promise<void>) => {
      const error = await attempt.then(() => assert.fail('admitted'), (e: ApiError) => e);
      assert.equal(error.status, 429);
      return Number(error.headers['retry-after']);
    };

    it('keeps a day-long block for a guesser that comes back after it (regression: the back-off fell back to its first step)', async () => {
      const throttle = new LoginThrottle(db, { maxFailuresPerUser: 1, maxFailuresPerAddress: 1e6, windowSeconds: HOUR }, () => now);
      const blocks: number[] = [];
      for (let i = 0; i < 7; i++) {
        await throttle.admit('stubborn', '192.0.2.50');
        blocks.push(await retryAfter(throttle.admit('stubborn', '192.0.2.50')));
        now += (blocks.at(-1)! + 1) * 1000;
      }
      assert.deepEqual(blocks.map((s) => s / HOUR), [1, 2, 4, 8, 16, 24, 24]);
      now += 24 * HOUR * 1000 + 1;
      await throttle.admit('stubborn', '192.0.2.50');
      assert.equal(await retryAfter(throttle.admit('stubborn', '192.0.2.50')), HOUR, 'a quiet day after the last block forgets');
    });

    it('purges what a new row would say as well, and keeps an address of the user for thirty days', async () => {
      const throttle = new LoginThrottle(db, { maxFailuresPerUser: 3, maxFailuresPerAddress: 100, windowSeconds: 300 }, () => now);
      await db.db.deleteFrom('login_pairs').execute();
      await throttle.admit('guessed', '192.0.2.60');
      await throttle.admit('owner', '192.0.2.61');
      await throttle.succeeded('owner', '192.0.2.61');
      const keys = async () => (await db.db.selectFrom('login_pairs').select('key').orderBy('key').execute()).map((r) => r.key);
      assert.equal(await throttle.purge(), 0, 'everything is fresh');
      now += 24 * HOUR * 1000 + 1;
      assert.ok(await throttle.purge() > 0);
      assert.deepEqual(await keys(), ['owner|192.0.2.61']);
      assert.equal((await db.db.selectFrom('login_users').selectAll().execute()).length, 0);
      assert.equal((await db.db.selectFrom('login_addresses').selectAll().execute()).length, 0);
      now += 30 * 24 * HOUR * 1000;
      await throttle.purge();
      assert.deepEqual(await keys(), []);
    });
  });
}
