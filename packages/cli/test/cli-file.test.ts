// `oceanos container ...` and `oceanos file ...` as processes against a real control plane.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OceanosClient } from '@oceanos/sdk';
import { ADMIN_PASSWORD, startTestCloud, type TestCloud } from '../../sdk/test/test-cloud.ts';
import { fails, isolatedEnv, ok, okJson, removeHomes, runCli } from './run-cli.ts';

const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'oceanos-cli-file-'));
let cloud: TestCloud;
let env: Record<string, string>;
let carol: OceanosClient;

before(async () => {
  cloud = await startTestCloud();
  const anonymous = new OceanosClient({ url: cloud.url });
  const admin = anonymous.withToken((await anonymous.identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD })).token);
  await admin.users.create({ name: 'carol', password: 'carol-pass' });
  carol = anonymous.withToken((await anonymous.identity.authenticate({ name: 'carol', password: 'carol-pass' })).token);
  env = isolatedEnv({ OCEANOS_URL: cloud.url, OCEANOS_TOKEN: carol.token! });
});
after(async () => {
  removeHomes();
  rmSync(work, { recursive: true, force: true });
  await cloud.close();
});

const at = (...parts: string[]) => join(work, ...parts);

/** Every file under `dir` (relative path → contents) and every empty directory (→ null). */
function tree(dir: string, prefix = ''): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const entries = readdirSync(dir);
  if (entries.length === 0 && prefix) out[prefix] = null;
  for (const entry of entries) {
    const path = join(dir, entry);
    const rel = prefix ? `${prefix}/${entry}` : entry;
    if (statSync(path).isDirectory()) Object.assign(out, tree(path, rel));
    else out[rel] = readFileSync(path, 'utf8');
  }
  return out;
}

test('container create, list, info and delete', async () => {
  assert.equal(await ok(['container', 'create', 'photos', '--versioning', 'none'], env), 'Created container photos\n');
  assert.deepEqual(await okJson(['container', 'create', 'photos'], env), { name: 'photos', created: false });
  const info = await okJson(['container', 'info', 'photos'], env);
  assert.deepEqual([info.versioning, info.objectCount, info.blockSize], ['none', 0, 4 * MiB]);
  assert.match(await ok(['container', 'info', 'photos'], env), /Versioning\s+│ none/);
  assert.match(await ok(['container', 'list'], env), /│ photos\s+│ 0\s+│ 0 B\s+│/);
  assert.equal(await ok(['file', 'list', '/photos/'], env), 'No objects in /photos/.\n', 'a sentence, not an empty frame');
  const bad = await runCli(['container', 'create', 'x', '--versioning', 'sometimes'], env);
  assert.equal(bad.code, 2);
  await ok(['container', 'delete', 'photos'], env);
  const gone = await runCli(['container', 'info', 'photos'], env);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /^oceanos: Not Found \(404\)/);
  assert.equal(gone.stderr.split('\n').length, 2, 'one line');
});

test('upload a 9 MiB file, again under a new name without sending blocks, and download it identical', async () => {
  const data = randomBytes(9 * MiB);
  writeFileSync(at('big.bin'), data);
  // The default container "pithos" is created on first use.
  const [first] = await okJson(['file', 'upload', at('big.bin')], env);
  assert.deepEqual([first.container, first.name, first.blocks, first.blocksSent, first.bytesSent], ['pithos', 'big.bin', 3, 3, 9 * MiB]);
  const table = await runCli(['file', 'upload', at('big.bin'), 'backup/big-copy.bin'], env);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /│ \/pithos\/backup\/big-copy\.bin │ 9 MiB │ 0 of 3\s+│/);
  assert.equal(table.stderr, '', 'no progress bar when stderr is not a terminal');

  await ok(['file', 'download', 'backup/big-copy.bin', at('big.out')], env);
  assert.ok(readFileSync(at('big.out')).equals(data));

  // A download cut short: --resume keeps the whole blocks and fetches the rest.
  writeFileSync(at('big.out'), data.subarray(0, 5 * MiB));
  const [resumed] = await okJson(['file', 'download', '/pithos/big.bin', at('big.out'), '--resume'], env);
  assert.deepEqual([resumed.resumedFrom, resumed.bytesReceived], [4 * MiB, 5 * MiB]);
  assert.ok(readFileSync(at('big.out')).equals(data));

  // Into an existing directory, under the object's name.
  mkdirSync(at('into'));
  await ok(['file', 'download', 'big.bin', at('into')], env);
  assert.ok(readFileSync(at('into', 'big.bin')).equals(data));
});

test('--progress draws a bar on stderr even without a terminal', async () => {
  writeFileSync(at('five.bin'), randomBytes(5 * MiB));
  const upload = await runCli(['file', 'upload', at('five.bin'), '--progress'], env);
  assert.equal(upload.code, 0, upload.stderr);
  assert.match(upload.stderr, /\rfive\.bin hashing +\[=+\] 100% 5\.0 MiB\/5\.0 MiB/);
  assert.match(upload.stderr, /\rfive\.bin uploading +\[=+\] 100% 5\.0 MiB\/5\.0 MiB .*\/s \d+:\d\d\x1b\[K\n$/);
  const download = await runCli(['file', 'download', 'five.bin', at('five.out'), '--progress'], env);
  assert.match(download.stderr, /five\.out downloading +\[=+\] 100% 5\.0 MiB\/5\.0 MiB/);
});

test('recursive upload and download of a tree, with folders and an empty directory', async () => {
  mkdirSync(at('site', 'css'), { recursive: true });
  mkdirSync(at('site', 'empty'));
  mkdirSync(at('site', 'img', 'icons'), { recursive: true });
  writeFileSync(at('site', 'index.html'), '<h1>home</h1>');
  writeFileSync(at('site', 'css', 'main.css'), 'body {}');
  writeFileSync(at('site', 'img', 'icons', 'a.svg'), '<svg/>');
  const refused = await runCli(['file', 'upload', at('site')], env);
  assert.deepEqual([refused.code, refused.stderr], [2, `oceanos: ${at('site')} is a directory: use -r to upload it with its contents\n`]);

  await ok(['container', 'create', 'web'], env);
  const uploaded = await okJson(['file', 'upload', '-r', at('site'), '/web/'], env);
  assert.deepEqual(uploaded.map((u: { name: string }) => u.name).sort(), ['site/css/main.css', 'site/img/icons/a.svg', 'site/index.html']);
  const listed = await okJson<{ name: string; content_type: string }[]>(['file', 'list', '/web'], env);
  const folders = listed.filter((e) => e.content_type === 'application/directory').map((e) => e.name);
  assert.deepEqual(folders, ['site', 'site/css', 'site/empty', 'site/img', 'site/img/icons']);
  const top = await okJson(['file', 'list', '/web/site/', '--delimiter', '/'], env);
  assert.deepEqual(top.map((e: { name?: string; subdir?: string }) => e.subdir ?? e.name), ['site/css', 'site/css/', 'site/empty', 'site/img', 'site/img/', 'site/index.html']);

  await ok(['file', 'download', '-r', '/web/site', at('site-copy')], env);
  assert.deepEqual(tree(at('site-copy')), tree(at('site')));
  const notFolder = await runCli(['file', 'download', '/web/site', at('x')], env);
  assert.equal(notFolder.code, 2);
  assert.match(notFolder.stderr, /is a folder: use -r/);

  await ok(['file', 'delete', '-r', '/web/site'], env);
  assert.deepEqual(await okJson(['file', 'list', '/web'], env), []);
  await ok(['container', 'delete', 'web'], env);
});

test('mkdir, copy, move, delete, info and list', async () => {
  await ok(['file', 'upload', at('five.bin'), 'docs/five.bin'], env);
  assert.equal(await ok(['file', 'mkdir', 'archive'], env), 'Created folder /pithos/archive\n');
  // Into an existing folder, as cp does.
  assert.equal(await ok(['file', 'copy', 'docs/five.bin', 'archive'], env), 'Copied /pithos/docs/five.bin to /pithos/archive/five.bin\n');
  await ok(['container', 'create', 'old'], env);
  await ok(['file', 'move', 'archive/five.bin', '/old/'], env);
  const moved = await okJson(['file', 'info', '/old/five.bin'], env);
  const original = await okJson(['file', 'info', 'docs/five.bin'], env);
  assert.deepEqual([moved.bytes, moved.hash], [5 * MiB, original.hash]);
  assert.match(await ok(['file', 'info', '/old/five.bin'], env), /Size\s+│ 5 MiB \(5242880 bytes\)/);
  assert.deepEqual((await okJson(['file', 'list', 'archive/'], env)), []);
  await ok(['file', 'delete', '/old/five.bin'], env);
  const missing = await runCli(['file', 'info', '/old/five.bin'], env);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'oceanos: Not Found (404): old/five.bin does not exist\n');
  assert.deepEqual((await okJson(['file', 'list', '--prefix', 'doc', '--limit', '1'], env)).map((e: { name: string }) => e.name), ['docs/five.bin']);
  const usage = await runCli(['file', 'info', '/old'], env);
  assert.deepEqual([usage.code, usage.stderr], [2, 'oceanos: "/old" names a container, not an object or folder\n']);
});

test('publish prints a link anyone can read; unpublish revokes it; share sets readers and writers', async () => {
  writeFileSync(at('hello.txt'), 'hello, world');
  await ok(['file', 'upload', at('hello.txt')], env);
  const url = (await ok(['file', 'publish', 'hello.txt'], env)).trim();
  assert.equal(await (await fetch(url)).text(), 'hello, world');
  assert.match(await ok(['file', 'info', 'hello.txt'], env), new RegExp(`Public URL\\s+│ ${url}`));
  await ok(['file', 'unpublish', 'hello.txt'], env);
  assert.equal((await fetch(url)).status, 404);

  const someone = '0b3f6f2e-5e1a-4c57-9a57-1d7bb3a1c001';
  const shared = await okJson(['file', 'share', 'hello.txt', '--read', `${someone},*`, '--write', someone], env);
  assert.ok(shared.sharing.write.includes(someone));
  assert.ok(shared.sharing.read.includes('*'));
  const cleared = await okJson(['file', 'share', 'hello.txt', '--clear'], env);
  assert.equal(cleared.sharing, undefined);
  const usage = await runCli(['file', 'share', 'hello.txt'], env);
  assert.deepEqual([usage.code, usage.stderr], [2, 'oceanos: give --read and/or --write, or --clear alone\n']);
});

test('file purge and container purge drop old versions and give their space back', async () => {
  await ok(['container', 'create', 'history'], env);
  for (const text of ['one', 'two!', 'three']) await carol.storage.putObject('history', 'doc', text);
  await carol.storage.putObject('history', 'other', 'a');
  await carol.storage.putObject('history', 'other', 'bb');
  const usage = async () => (await carol.account.quotas())[await carol.storage.accountId()]!['pithos.diskspace']!.usage;
  const before = await usage();
  assert.equal((await carol.storage.versions('history', 'doc')).length, 3);
  assert.equal(await ok(['file', 'purge', '/history/doc'], env), 'Dropped the old versions of /history/doc\n');
  assert.equal((await carol.storage.versions('history', 'doc')).length, 1);
  assert.equal(await usage(), before - 'one'.length - 'two!'.length);
  const tooEarly = await ok(['container', 'purge', 'history', '--before', '2000-01-01T00:00:00Z'], env);
  assert.equal(tooEarly, 'Dropped the old versions in container history\n');
  assert.equal((await carol.storage.versions('history', 'other')).length, 2, 'nothing was that old');
  await ok(['container', 'purge', 'history'], env);
  assert.equal((await carol.storage.versions('history', 'other')).length, 1);
  assert.equal((await carol.storage.getObject('history', 'other')).toString(), 'bb');
  const bad = await runCli(['file', 'purge', '/history/doc', '--before', 'yesterday-ish'], env);
  assert.equal(bad.code, 2);
});

test('an upload to a missing container says that it is missing and how to create it', async () => {
  writeFileSync(at('note.txt'), 'note');
  assert.equal(await fails(['file', 'upload', at('note.txt'), '/nowhere/'], env),
    'oceanos: container "nowhere" does not exist: create it with `oceanos container create nowhere` (or write to the default container "pithos")\n');
  assert.deepEqual((await okJson<{ name: string }[]>(['container', 'list'], env)).filter((c) => c.name === 'nowhere'), [], 'not created behind the user\'s back');
});
