// `oceanos server ...` and `oceanos admin reconcile servers` as processes against a real
// control plane (with the FakeBackend): a server's whole life, --wait progress on stderr, a
// cluster, usage errors and reconciliation.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OceanosClient } from '@oceanos/sdk';
import type { FakeBackend } from '../../server/src/backends/fake/fake-backend.ts';
import { ADMIN_PASSWORD, createTestImage, startTestCloud, type TestCloud } from '../../sdk/test/test-cloud.ts';
import { fails, isolatedEnv, ok, okJson, removeHomes, runCli } from './run-cli.ts';

let cloud: TestCloud;
let adminEnv: Record<string, string>;
let hugo: Record<string, string>;

before(async () => {
  cloud = await startTestCloud();
  const anonymous = new OceanosClient({ url: cloud.url });
  const admin = anonymous.withToken((await anonymous.identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD })).token);
  await admin.users.create({ name: 'hugo', password: 'hugo-pass' });
  await createTestImage(admin, 'tiny');
  adminEnv = isolatedEnv({ OCEANOS_URL: cloud.url, OCEANOS_TOKEN: admin.token! });
  hugo = isolatedEnv({ OCEANOS_URL: cloud.url, OCEANOS_TOKEN: (await anonymous.identity.authenticate({ name: 'hugo', password: 'hugo-pass' })).token });
});
after(async () => {
  removeHomes();
  await cloud.close();
});


test('a server from create --wait to delete --wait: info, modify, shutdown, resize, start, reboot, console', async () => {
  const userData = join(hugo.HOME!, 'user-data');
  writeFileSync(userData, '#!/bin/sh\necho hello\n');
  const result = await runCli(['server', 'create', '--name', 'web', '--flavor', 'm1.nano', '--image', 'tiny', '--metadata', 'role=web', '--tag', 'blue',
    '--user-data', userData, '-p', `${userData},/etc/motd,root,root,0644`, '--wait', '-o', 'json'], hugo);
  assert.equal(result.code, 0, result.stderr);
  const created = JSON.parse(result.stdout) as { id: string; adminPass: string };
  assert.match(created.adminPass, /\S{8,}/);
  // Progress goes to stderr, one line per change, ending ACTIVE.
  assert.match(result.stderr, new RegExp(`web \\(${created.id}\\)|${created.id}`));
  assert.match(result.stderr.trim().split('\n').at(-1)!, /ACTIVE$/);
  const spec = (cloud.plane.backend as FakeBackend).spec(created.id)!;
  assert.equal(spec.personalisation.userData?.toString(), '#!/bin/sh\necho hello\n');
  assert.deepEqual(spec.personalisation.files.map((f) => [f.path, f.mode]), [['/etc/motd', 0o644]]);

  const info = await okJson(['server', 'info', 'web'], hugo);
  assert.deepEqual([info.status, info.metadata, info.tags, info.flavor.id], ['ACTIVE', { role: 'web' }, ['blue'], '1']);
  assert.match(await ok(['server', 'list'], hugo), /│ web\s+│ ACTIVE\s+│/);
  assert.match(await ok(['server', 'list', '--detail'], hugo), /m1\.nano/);

  const modified = await okJson(['server', 'modify', 'web', '--name', 'www', '--metadata-set', 'tier=1', '--metadata-del', 'role', '--tag-add', 'green', '--tag-del', 'blue'], hugo);
  assert.deepEqual([modified.name, modified.metadata, modified.tags], ['www', { tier: '1' }, ['green']]);
  assert.match(await fails(['server', 'modify', 'www', '--metadata-del', 'nope'], hugo), /has no metadata item nope/);

  const waiting = await okJson(['server', 'resize', '--wait', 'www', '--flavor', 'm1.tiny'], hugo);
  assert.deepEqual([waiting.status, waiting.flavor.id], ['VERIFY_RESIZE', '2']);
  const reverted = await okJson(['server', 'resize-revert', '--wait', 'www'], hugo);
  assert.deepEqual([reverted.status, reverted.flavor.id], ['ACTIVE', '1']);
  assert.equal((await okJson(['server', 'shutdown', '--wait', 'www'], hugo)).status, 'SHUTOFF');
  const resized = await okJson(['server', 'resize', '--confirm', 'www', '--flavor', 'm1.tiny'], hugo);
  assert.deepEqual([resized.status, resized.flavor.id], ['SHUTOFF', '2']);
  assert.match(await fails(['server', 'resize-confirm', 'www'], hugo), /Conflict \(409\)/);
  assert.equal((await okJson(['server', 'start', '--wait', 'www'], hugo)).status, 'ACTIVE');
  assert.equal((await okJson(['server', 'reboot', '--hard', '--wait', 'www'], hugo)).status, 'ACTIVE');
  assert.match(await ok(['server', 'reboot', 'www'], hugo), /^Rebooting server www/);
  assert.equal((await okJson(['server', 'wait', 'www'], hugo)).status, 'ACTIVE');

  assert.match(await ok(['server', 'console', '--log', 'www'], hugo), /\S/);
  assert.equal((await ok(['server', 'console', '--log', '--lines', '1', 'www'], hugo)).trim().split('\n').length, 1);
  // What a real guest prints: a cursor position query (the terminal would type its answer) and colours.
  const fake = cloud.plane.backend as unknown as { vm(id: string): { console: Buffer[] } };
  fake.vm(created.id).console.push(Buffer.from('\x1b[6n\x1b[1;31mred\x1b[0m bell\x07\r\n'));
  const shown = await ok(['server', 'console', '--log', 'www'], hugo);
  assert.match(shown, /\nred bell\\x07\n$/);
  assert.doesNotMatch(shown, /[\x1b\r]/);
  assert.match(await ok(['server', 'console', '--log', '--raw', 'www'], hugo), /\x1b\[6n\x1b\[1;31mred\x1b\[0m bell\x07\r\n$/);
  assert.match((await okJson(['server', 'console', '--log', 'www'], hugo)).output, /\x1b\[6n/, 'JSON keeps the text as the API gave it');
  // The fake backend has no screen (the qemu backend's console URL is tested with `openstack console url show`).
  assert.match(await fails(['server', 'console', 'www'], hugo), /Conflict \(409\): The compute backend \(fake\) does not serve graphical consoles/);

  assert.match(await ok(['server', 'delete', '--wait', 'www'], hugo), /^Deleted server www/);
  assert.match(await fails(['server', 'info', created.id], hugo), /Not Found \(404\)/);
});

test('--cluster-size creates NAME1..NAMEn at once and waits for all of them', async () => {
  const made = await okJson<{ id: string; name: string }[]>(['server', 'create', '--name', 'node', '--flavor', '1', '--image', 'tiny', '--cluster-size', '3', '--wait'], hugo);
  assert.deepEqual(made.map((s) => s.name), ['node1', 'node2', 'node3']);
  const listed = await okJson<{ name: string; status: string }[]>(['server', 'list', '--name', '^node'], hugo);
  assert.deepEqual(listed.map((s) => [s.name, s.status]).sort(), [['node1', 'ACTIVE'], ['node2', 'ACTIVE'], ['node3', 'ACTIVE']]);
  await ok(['server', 'delete', '--wait', ...made.map((s) => s.id)], hugo);
  assert.deepEqual(await okJson(['server', 'list', '--name', '^node'], hugo), []);
});

test('bad input is a clear error, not a request', async () => {
  assert.match(await fails(['server', 'create', '--name', 'x', '--flavor', 'm9.huge', '--image', 'tiny'], hugo), /No flavor found with ID or name m9\.huge/);
  assert.match(await fails(['server', 'create', '--name', 'x', '--flavor', '1', '--image', 'no-such-image'], hugo), /no-such-image/);
  assert.match(await fails(['server', 'create', '--name', 'x', '--flavor', '1', '--image', 'tiny', '-p', 'relative'], hugo, 2), /--personality/);
  assert.match(await fails(['server', 'create', '--name', 'x', '--flavor', '1', '--image', 'tiny', '--cluster-size', '0'], hugo, 2), /--cluster-size/);
  assert.match(await fails(['server', 'list', '--since', 'yesterday'], hugo, 2), /--since/);
  assert.match(await fails(['server', 'start', 'no-such-server'], hugo), /no-such-server/);
  assert.deepEqual(await okJson(['server', 'list', '--name', '^x$'], hugo), []);
  assert.match(await ok(['server', 'list', '--name', '^x$'], hugo), /^No servers \(create one with: oceanos server create .*\)\.\n$/);
});

test('admin reconcile servers reports an orphan VM and destroys it with --fix; users may not', async () => {
  const backend = cloud.plane.backend as FakeBackend;
  const orphan = '00000000-0000-4000-8000-0000000000cc';
  backend.adopt({ id: orphan, state: 'running', vcpus: 1, ramMiB: 128, diskBytes: 1 << 30 });
  assert.match(await ok(['admin', 'reconcile', 'servers'], adminEnv), new RegExp(`│ orphan\\s+│ ${orphan}\\s+│ no such server\\s+│ VM exists\\s+│ VM destroyed\\s+│`));
  assert.ok(await backend.inspect(orphan));
  const fixed = await okJson(['admin', 'reconcile', 'servers', '--fix'], adminEnv);
  assert.deepEqual([fixed.orphans, fixed.fixed], [[orphan], true]);
  assert.equal(await backend.inspect(orphan), null);
  assert.equal(await ok(['admin', 'reconcile', 'servers'], adminEnv), 'The database and the backend agree\n');
  assert.match(await fails(['admin', 'reconcile', 'servers'], hugo), /Forbidden \(403\)/);
});

test('admin capacity shows where the disk goes; users may not', async () => {
  const report = await okJson(['admin', 'capacity'], adminEnv);
  assert.ok(report.disk.totalBytes > 0 && report.disk.freeBytes > 0);
  assert.equal(typeof report.storage.keptBytes, 'number');
  assert.equal(typeof report.compute.vms, 'number');
  assert.match(await ok(['admin', 'capacity'], adminEnv), /Files kept \(all versions\)/);
  assert.match(await fails(['admin', 'capacity'], hugo), /Forbidden \(403\)/);
});
