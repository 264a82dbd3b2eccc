// Regression tests: thirty concurrent password guesses for one user were all evaluated (the
// limit was five), a name and a UUID counted separately, each process counted alone, and five
// wrong passwords from anywhere refused the right one for five minutes. Now the limit is exact
// under concurrency and across processes, keyed by the user, and the owner elsewhere is not
// locked out by a guesser, who is slowed with a growing back-off.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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

    it('evaluates no more than the limit of thirty concurrent guesses', async () => {
      const victim = await plane.createUser('victim');
      const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => login(plane, v3({ name: 'victim' }, `guess-${i}`), '203.0.113.1')));
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
      assert.equal((await login(plane, v3({ id: user.id }, user.password), from)).status, 429);
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
      const replies = [];
      for (let i = 0; i < 6; i++) replies.push(await login(plane, v3({ name: 'nobody-at-all' }, 'x'), '203.0.113.4'));
      assert.equal(statuses(replies), '401,401,401,401,401,429');
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
  });
}
