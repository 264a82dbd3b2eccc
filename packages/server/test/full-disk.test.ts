// Regression test: with the disk full, uploads, logins, container creation and image creation
// all answered "unexpected error" (ENOSPC, SQLITE_FULL), though nothing was lost. The cloud runs
// here on a small filesystem of its own (a tmpfs, so root is needed) that uploads fill: data
// writes are refused with 507 (Glance: 413) before they eat the reserve kept for the database,
// everything else keeps working, and uploads work again once space returns.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { BLOCK_SIZE } from '@oceanos/contract';
import { pino } from 'pino';
import { buildHttpServer, type App } from '../src/http/app.ts';
import { cloudFault } from '../src/http/errors.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { callAs, storageUrl as url, type Call, type TestUser } from './helpers/pithos.ts';

const MiB = 1024 * 1024;
const root = process.getuid?.() === 0;

describe('a full disk', { skip: root ? false : 'mounting a small filesystem needs root' }, () => {
  let mount = '';
  let plane: TestPlane;
  let user: TestUser & { password: string };
  let u: Call;
  before(async () => {
    mount = mkdtempSync(join(tmpdir(), 'oceanos-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m,mode=0700', 'tmpfs', mount]);
    plane = await startPlane(join(mount, 'db.sqlite'), (config) => {
      config.dataDir = mount;
      config.storage.reserveBytes = 8 * MiB;
    });
    user = await plane.createUser('filler');
    u = callAs(plane, user);
    await u('PUT', url(user.id, 'c'));
  });
  after(async () => {
    await plane?.close();
    if (mount) execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  const sizes: number[] = [];
  let stored = 0;

  it('refuses uploads with 507 once only the reserve is left, and loses nothing', async () => {
    // Whole blocks while they fit, then MiB pieces: at the end less than a MiB is left above the reserve.
    for (const size of [BLOCK_SIZE, MiB]) {
      let status = 201;
      while (status === 201 && stored < 60) {
        status = (await u('PUT', url(user.id, `c/file-${stored}`), { body: randomBytes(size) })).status;
        if (status === 201) sizes[stored++] = size;
      }
      assert.equal(status, 507);
    }
    assert.ok(stored >= 3, `${stored} files fit`);
    const refused = await u('PUT', url(user.id, 'c/one-more'), { body: randomBytes(MiB) });
    assert.equal(refused.status, 507);
    assert.match(refused.text, /<h1>Insufficient Storage<\/h1>/, "Swift's page");
    const blocks = await u('POST', url(user.id, 'c'), { body: randomBytes(MiB), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(blocks.status, 507);
    for (let i = 0; i < stored; i++) assert.equal((await u('HEAD', url(user.id, `c/file-${i}`))).status, 200);
    const quota = (await plane.call('GET', '/account/v1.0/quotas', { token: user.token })).body[user.id]['pithos.diskspace'];
    assert.deepEqual([quota.usage, quota.pending], [sizes.reduce((a, b) => a + b, 0), 0], 'nothing refused is charged');
  });

  it('keeps logins, metadata, containers, copies and image records working', async () => {
    assert.ok(await plane.login('filler', user.password));
    assert.equal((await u('PUT', url(user.id, 'another'))).status, 201);
    assert.equal((await u('POST', url(user.id, 'c/file-0'), { headers: { 'x-object-meta-state': 'full' } })).status, 202);
    assert.equal((await u('PUT', url(user.id, 'another/copy'), { headers: { 'x-copy-from': '/c/file-0' } })).status, 201, 'a copy stores no data');
    const image = await plane.call('POST', '/image/v2/images', { token: user.token, body: { name: 'img', disk_format: 'raw', container_format: 'bare' } });
    assert.equal(image.status, 201);
    const upload = await plane.call('PUT', `/image/v2/images/${image.body.id}/file`, {
      token: user.token, rawBody: randomBytes(2 * MiB), headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(upload.status, 413, 'Glance says its store is full with a 413');
    assert.match(upload.body.message, /storage media is full/);
    assert.equal((await plane.call('GET', `/image/v2/images/${image.body.id}`, { token: user.token })).body.status, 'queued');
  });

  it('writes again once space returns', async () => {
    for (let i = 0; i < stored; i++) assert.equal((await u('DELETE', url(user.id, `c/file-${i}`))).status, 204);
    assert.equal((await u('DELETE', url(user.id, 'another/copy'))).status, 204);
    assert.equal((await u('PUT', url(user.id, 'c/after'), { body: randomBytes(BLOCK_SIZE) })).status, 201);
    assert.equal(plane.logs.filter((line) => /unexpected error|"level":50/.test(line)).length, 0, 'no error-level log line');
  });
});

describe('a full disk met by surprise', () => {
  it('answers 507 in the API family\'s format, not 500, when the database or a write finds no space (regression: "unexpected error")', async () => {
    const families = [{
      prefix: '/t', format: cloudFault,
      routes(app: App) {
        app.get('/sqlite', async () => { throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }); });
        app.get('/enospc', async () => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); });
      },
    }];
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const app = await buildHttpServer({ logger, trustProxy: false, families });
    for (const path of ['/t/sqlite', '/t/enospc']) {
      const res = await app.inject({ method: 'GET', url: path });
      assert.equal(res.statusCode, 507);
      assert.equal(JSON.parse(res.body).insufficientStorage.code, 507);
    }
    assert.equal(lines.filter((line) => JSON.parse(line).level >= 50).length, 0);
    await app.close();
  });
});
