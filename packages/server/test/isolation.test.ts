// Isolation between users, over every route: A owns one of every resource (helpers/estate.ts);
// B, with whom A shares nothing, attacks every route with A's ids and names, and C, with whom
// A shares a little, reaches for more. Each answer must be the API's refusal, the same for a
// look-alike that never existed, and hold nothing of A's that the request did not name; A's
// estate must be as it was afterwards. A route that no attack reaches fails the suite unless
// it is exempt below with a reason: a new service's routes must join (isolation-*.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';
import { buildEstate, type Estate } from './helpers/estate.ts';
import { attackName, runAttack, viewOfA } from './helpers/isolation.ts';
import { coverageGaps, reachedRoutes, registeredRoutes } from './helpers/route-coverage.ts';
import { computeAttacks, operatorAttacks } from './isolation-compute.ts';
import { identityAttacks } from './isolation-identity.ts';
import { imageAttacks } from './isolation-images.ts';
import { storageAttacks } from './isolation-storage.ts';

const STATIC = 'static files of the console page: nothing of any user';
const EXEMPT: Record<string, string> = Object.fromEntries(
  ['/console/vnc_lite.html', '/console/vnc.html', '/console/vnc_auto.html', '/console/app/*', '/console/core/*', '/console/vendor/*']
    .flatMap((url) => [[`GET ${url}`, STATIC], [`HEAD ${url}`, STATIC]]),
);

const ATTACKS = [...identityAttacks, ...computeAttacks, ...imageAttacks, ...storageAttacks];

for (const database of await testDatabases()) {
  describe(`isolation between users on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let estate: Estate;
    let view: Record<string, string>;
    let from: number;
    before(async () => {
      plane = await startPlane(await database.create());
      estate = await buildEstate(plane);
      view = await viewOfA(plane, estate);
      from = plane.logs.length;
    });
    after(async () => { await plane?.close(); });

    for (const attack of ATTACKS) {
      it(attackName(attack), async () => {
        assert.deepEqual(await runAttack(plane, estate, attack), []);
      });
    }

    it("the operator's routes refuse everyone else", async () => {
      const attacks = operatorAttacks(registeredRoutes(plane.app));
      assert.ok(attacks.length > 0);
      for (const attack of attacks) assert.deepEqual(await runAttack(plane, estate, attack), [], attackName(attack));
    });

    it("leaves A's estate as it was, and A able to log in", async () => {
      assert.deepEqual(await viewOfA(plane, estate), view);
      await plane.login(`alpha-${estate.vars['mark']}`, estate.a.password);
    });

    it('attacks every registered route, or exempts it with a reason', () => {
      assert.deepEqual(coverageGaps(plane.app, reachedRoutes(plane.logs, from), EXEMPT), { missing: [], stale: [] });
    });
  });
}
