// The durable job queue: ordering per target, concurrency, transactional enqueue, outcomes,
// recovery after a crash, close(), and several queues sharing one PostgreSQL database.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { openDatabase, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrator.ts';
import { withTransaction } from '../src/db/transaction.ts';
import { JobQueue, type Job, type JobQueueOptions } from '../src/jobs/job-queue.ts';
import { testDatabases } from './helpers/databases.ts';

const silent = pino({ level: 'silent' });
const FAST: JobQueueOptions = { pollMs: 50, closeGraceMs: 200 };

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { open, opened };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A pid no process has: that of a child that already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  assert.ok(child.pid);
  return child.pid;
}

for (const database of await testDatabases()) {
  describe(`jobs on ${database.dialect}`, { skip: database.skip }, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    async function open(url?: string): Promise<{ db: Database; url: string }> {
      url ??= await database.create();
      const db = openDatabase(url);
      cleanups.push(() => db.close());
      await migrate(db);
      return { db, url };
    }

    function queue(db: Database, options: JobQueueOptions = {}): JobQueue {
      const q = new JobQueue(db, silent, { ...FAST, ...options });
      cleanups.push(() => q.close());
      return q;
    }

    const rowOf = (db: Database, id: number) => db.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    async function insertRunning(db: Database, row: { target: string; owner: string; leaseUntil: Date; updatedAt?: Date }): Promise<number> {
      const at = (row.updatedAt ?? new Date()).toISOString();
      const inserted = await db.db.insertInto('jobs').values({
        kind: 'work', target: row.target, payload: '{"secret":"x"}', state: 'running', attempts: 1,
        owner: row.owner, lease_until: row.leaseUntil.toISOString(), error: null, created_at: at, updated_at: at,
      }).returning('id').executeTakeFirstOrThrow();
      return Number(inserted.id);
    }

    it('runs the jobs of one target one at a time, in id order', async () => {
      const { db } = await open();
      const q = queue(db);
      const events: string[] = [];
      q.handle('work', async (job) => {
        events.push(`start ${job.payload.n}`);
        await sleep(20);
        events.push(`end ${job.payload.n}`);
      });
      for (const n of [1, 2, 3, 4]) await q.enqueue(db.db, { kind: 'work', target: 'a', payload: { n } });
      await q.start();
      await q.idle();
      assert.deepEqual(events, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3', 'start 4', 'end 4']);
    });

    it('runs jobs of different targets concurrently, up to the concurrency', async () => {
      const { db } = await open();
      const q = queue(db, { concurrency: 2 });
      const release = gate();
      let active = 0;
      let most = 0;
      const ran: string[] = [];
      q.handle('work', async (job) => {
        most = Math.max(most, ++active);
        await release.opened;
        ran.push(job.target);
        active--;
      });
      await q.start();
      for (const target of ['a', 'b', 'c', 'd']) await q.enqueue(db.db, { kind: 'work', target });
      q.kick();
      await until(() => active === 2, 'two jobs running');
      await sleep(200);
      assert.equal(active, 2, 'no third job starts while two run');
      release.open();
      await q.idle();
      assert.equal(most, 2);
      assert.deepEqual(ran.sort(), ['a', 'b', 'c', 'd']);
    });

    it('an enqueue inside a rolled-back transaction leaves no job; a committed one stays', async () => {
      const { db } = await open();
      const q = queue(db);
      await assert.rejects(withTransaction(db, async (trx) => {
        await q.enqueue(trx, { kind: 'work', target: 'a' });
        throw new Error('caller failed');
      }), /caller failed/);
      assert.equal(await q.busy('a'), false);
      assert.equal((await db.db.selectFrom('jobs').select('id').execute()).length, 0);

      const id = await withTransaction(db, (trx) => q.enqueue(trx, { kind: 'work', target: 'a', payload: { n: 1 } }));
      assert.equal(await q.busy('a'), true);
      assert.equal(await q.busy('b'), false);
      const row = await rowOf(db, id);
      assert.equal(row.state, 'queued');
      assert.deepEqual(JSON.parse(row.payload), { n: 1 });
    });

    it('records a failure with its message, and empties the payload of failed and done jobs', async () => {
      const { db } = await open();
      const q = queue(db);
      q.handle('fail', async () => { throw new Error('disk full'); });
      q.handle('work', async () => undefined);
      const failed = await q.enqueue(db.db, { kind: 'fail', target: 'a', payload: { adminPass: 's3cret' } });
      const done = await q.enqueue(db.db, { kind: 'work', target: 'a', payload: { adminPass: 's3cret' } });
      const unknown = await q.enqueue(db.db, { kind: 'nope', target: 'b', payload: { adminPass: 's3cret' } });
      await q.start();
      await q.idle();

      const f = await rowOf(db, failed);
      assert.deepEqual([f.state, f.error, f.payload, f.owner, f.attempts], ['failed', 'disk full', '{}', null, 1]);
      const d = await rowOf(db, done);
      assert.deepEqual([d.state, d.error, d.payload, d.owner], ['done', null, '{}', null], 'a failure does not stop the next job of the target');
      const u = await rowOf(db, unknown);
      assert.equal(u.state, 'failed');
      assert.match(u.error ?? '', /no handler for job kind 'nope'/);
      assert.equal(u.payload, '{}');
    });

    it('takes back at start the jobs of a dead process and those whose lease ran out, not a live one', async () => {
      const { db } = await open();
      const future = new Date(Date.now() + 3600_000);
      const deadLocal = await insertRunning(db, { target: 'a', owner: `${hostname()}/${deadPid()}/x`, leaseUntil: future });
      const expired = await insertRunning(db, { target: 'b', owner: 'elsewhere/42/y', leaseUntil: new Date(Date.now() - 1000) });
      const alive = await insertRunning(db, { target: 'c', owner: 'elsewhere/43/z', leaseUntil: future });
      const q = queue(db);
      const seen = new Map<number, Job>();
      q.handle('work', async (job) => { seen.set(job.id, job); });
      await q.start();
      await q.idle('a');
      await q.idle('b');

      assert.deepEqual([...seen.keys()].sort(), [deadLocal, expired].sort());
      for (const id of [deadLocal, expired]) {
        assert.equal(seen.get(id)!.attempts, 2, 'the handler sees a resumption');
        assert.deepEqual(seen.get(id)!.payload, { secret: 'x' });
        assert.equal((await rowOf(db, id)).state, 'done');
      }
      const live = await rowOf(db, alive);
      assert.deepEqual([live.state, live.owner], ['running', 'elsewhere/43/z']);
      assert.equal(await q.busy('c'), true);
    });

    it('renews the lease of a long job so that another queue does not take it', async () => {
      const { db } = await open();
      const runs: number[] = [];
      const handler = async (job: Job) => {
        runs.push(job.id);
        await sleep(900);
      };
      const first = queue(db, { leaseMs: 300 });
      first.handle('work', handler);
      await first.start();
      const id = await first.enqueue(db.db, { kind: 'work', target: 'a' });
      first.kick();
      await until(() => runs.length === 1, 'the job to start');
      const second = queue(db, { leaseMs: 300 });
      second.handle('work', handler);
      await second.start();
      await until(async () => !(await first.busy('a')), 'the job to finish', 5000);
      assert.deepEqual(runs, [id]);
    });

    it('close() waits for quick handlers, puts the others back, and ignores their late end', async () => {
      const { db } = await open();
      const first = queue(db, { closeGraceMs: 150 });
      const stuck = gate();
      const attempts: number[] = [];
      first.handle('quick', async () => { await sleep(30); });
      first.handle('stuck', async (job) => {
        attempts.push(job.attempts);
        await stuck.opened;
      });
      const quick = await first.enqueue(db.db, { kind: 'quick', target: 'a' });
      const slow = await first.enqueue(db.db, { kind: 'stuck', target: 'b', payload: { n: 1 } });
      await first.start();
      await until(() => attempts.length === 1, 'the stuck job to start');
      await first.close();

      assert.equal((await rowOf(db, quick)).state, 'done');
      const requeued = await rowOf(db, slow);
      assert.deepEqual([requeued.state, requeued.owner, requeued.lease_until, requeued.payload], ['queued', null, null, '{"n":1}']);
      stuck.open();
      await sleep(50);
      assert.equal((await rowOf(db, slow)).state, 'queued', 'a handler ending after close records nothing');

      const second = queue(db);
      second.handle('stuck', async (job) => { attempts.push(job.attempts); });
      await second.start();
      await second.idle();
      assert.deepEqual(attempts, [1, 2]);
      assert.equal((await rowOf(db, slow)).state, 'done');
    });

    it('idle(target) waits for that target only; idle() for all', async () => {
      const { db } = await open();
      const q = queue(db);
      const release = gate();
      q.handle('slow', async () => { await release.opened; });
      q.handle('work', async () => undefined);
      await q.enqueue(db.db, { kind: 'slow', target: 'a' });
      await q.enqueue(db.db, { kind: 'work', target: 'b' });
      await q.start();
      await q.idle('b');
      assert.equal(await q.busy('a'), true);
      let all = false;
      const idle = q.idle().then(() => { all = true; });
      await sleep(100);
      assert.equal(all, false, 'idle() waits while a job runs');
      release.open();
      await idle;
      assert.equal(await q.busy('a'), false);
    });

    it('prunes finished jobs older than a day at start', async () => {
      const { db } = await open();
      const old = new Date(Date.now() - 2 * 86_400_000);
      const oldId = await insertRunning(db, { target: 'a', owner: 'elsewhere/1/x', leaseUntil: old, updatedAt: old });
      const recentId = await insertRunning(db, { target: 'b', owner: 'elsewhere/1/x', leaseUntil: old });
      await db.db.updateTable('jobs').set({ state: 'done', owner: null }).where('id', 'in', [oldId, recentId]).execute();
      const q = queue(db);
      await q.start();
      const left = await db.db.selectFrom('jobs').select('id').execute();
      assert.deepEqual(left.map((r) => Number(r.id)), [recentId]);
    });

    it('two queues on one database never run two jobs of a target at once, and run each job once', {
      skip: database.dialect === 'sqlite' ? 'SQLite databases serve a single process' : undefined,
    }, async () => {
      const { db, url } = await open();
      const { db: other } = await open(url);
      const active = new Map<string, number>();
      const runs = new Map<number, number>();
      const overlaps: string[] = [];
      const tookPart = new Set<JobQueue>();
      const handler = (q: JobQueue) => async (job: Job) => {
        tookPart.add(q);
        const now = (active.get(job.target) ?? 0) + 1;
        active.set(job.target, now);
        if (now > 1) overlaps.push(job.target);
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
        await sleep(Math.random() * 15);
        active.set(job.target, active.get(job.target)! - 1);
      };
      const queues = [queue(db, { pollMs: 20 }), queue(other, { pollMs: 20 })];
      for (const q of queues) {
        q.handle('work', handler(q));
        await q.start();
      }
      const ids: number[] = [];
      // Half the jobs enqueued through each process, over five targets.
      for (let n = 0; n < 40; n++) ids.push(await queues[0]!.enqueue(n % 2 ? other.db : db.db, { kind: 'work', target: `t${n % 5}` }));
      for (const q of queues) q.kick();
      await Promise.all(queues.map((q) => q.idle()));

      assert.deepEqual(overlaps, []);
      assert.deepEqual(ids.filter((id) => runs.get(id) !== 1), [], 'every job ran exactly once');
      assert.equal(tookPart.size, 2, 'both queues ran jobs');
      const states = await db.db.selectFrom('jobs').select('state').distinct().execute();
      assert.deepEqual(states.map((s) => s.state), ['done']);
    });
  });
}
