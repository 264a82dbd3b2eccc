// `oceanos flavor|keypair|admin flavor` as processes against a real control plane.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OceanosClient } from '@oceanos/sdk';
import { ADMIN_PASSWORD, sshPublicKey, startTestCloud, type TestCloud } from '../../sdk/test/test-cloud.ts';
import { fails, isolatedEnv, ok, okJson, removeHomes, runCli } from './run-cli.ts';

let cloud: TestCloud;
let adminEnv: Record<string, string>;
let gina: Record<string, string>;
let ginaProject: string;

before(async () => {
  cloud = await startTestCloud();
  const anonymous = new OceanosClient({ url: cloud.url });
  const admin = anonymous.withToken((await anonymous.identity.authenticate({ name: 'admin', password: ADMIN_PASSWORD })).token);
  await admin.users.create({ name: 'gina', password: 'gina-pass' });
  const session = await anonymous.identity.authenticate({ name: 'gina', password: 'gina-pass' });
  // An unscoped token's servers go to the user's own project.
  ginaProject = session.project?.id ?? (await anonymous.withToken(session.token).identity.projects())[0]!.id;
  adminEnv = isolatedEnv({ OCEANOS_URL: cloud.url, OCEANOS_TOKEN: admin.token! });
  gina = isolatedEnv({ OCEANOS_URL: cloud.url, OCEANOS_TOKEN: session.token });
});
after(async () => {
  removeHomes();
  await cloud.close();
});


test('flavor list and info show the default flavors; an unknown one is a clear error', async () => {
  const [table, listed, detail, info, byId, missing] = await Promise.all([
    ok(['flavor', 'list'], gina),
    okJson<{ id: string; name: string }[]>(['flavor', 'list'], gina),
    ok(['flavor', 'list', '--detail'], gina),
    ok(['flavor', 'info', 'm1.nano'], gina),
    okJson(['flavor', 'info', '1'], gina),
    fails(['flavor', 'info', 'm9.huge'], gina),
  ]);
  assert.match(table, /│ 1\s+│ m1\.nano\s+│ 1\s+│ 128 MiB\s+│ 1 GiB\s+│/);
  assert.deepEqual(listed.map((f) => f.name).slice(0, 5), ['m1.nano', 'm1.tiny', 'm1.small', 'm1.medium', 'm1.large']);
  assert.match(detail, /│ Public │ Swap │ Ephemeral │ Disabled │/);
  assert.match(info, /RAM\s+│ 128 MiB/);
  assert.equal(byId.name, 'm1.nano');
  assert.equal(missing, 'oceanos: Not Found (404): No flavor found with ID or name m9.huge\n');
});

test('admin flavor create (sizes with units, private to a project) and delete; others may not', async () => {
  const created = await okJson(['admin', 'flavor', 'create', '--name', 'g1.big', '--vcpus', '2', '--ram', '1GiB', '--disk', '20', '--id', 'big', '--project', ginaProject], adminEnv);
  assert.deepEqual([created.id, created.ram, created.disk, created['os-flavor-access:is_public'], created.access], ['big', 1024, 20, false, [ginaProject]]);
  const [seenByGina, adminInfo, notAdmin, badRam] = await Promise.all([
    okJson(['flavor', 'info', 'g1.big'], gina),
    ok(['flavor', 'info', 'big'], adminEnv),
    fails(['admin', 'flavor', 'create', '--name', 'x', '--vcpus', '1', '--ram', '64', '--disk', '1'], gina),
    fails(['admin', 'flavor', 'create', '--name', 'x', '--vcpus', '1', '--ram', '1.5MiB', '--disk', '1'], adminEnv, 2),
  ]);
  assert.equal(seenByGina.vcpus, 2);
  assert.equal(seenByGina.access, undefined, 'only admins see who has access');
  assert.match(adminInfo, new RegExp(`Projects\\s+│ ${ginaProject}`));
  assert.match(notAdmin, /^oceanos: Forbidden \(403\)/);
  assert.equal(badRam, 'oceanos: invalid --ram: 1.5MiB is not a whole number of MiB\n');

  const publicOne = await okJson(['admin', 'flavor', 'create', '--name', 'g1.half', '--vcpus', '1', '--ram', '512MiB', '--disk', '2GiB'], adminEnv);
  assert.deepEqual([publicOne.ram, publicOne.disk, publicOne['os-flavor-access:is_public']], [512, 2, true]);
  assert.equal(await ok(['admin', 'flavor', 'delete', 'g1.half'], adminEnv), `Deleted flavor g1.half (${publicOne.id})\n`);
  await ok(['admin', 'flavor', 'delete', 'big'], adminEnv);
  assert.equal(await fails(['flavor', 'info', 'g1.big'], gina), 'oceanos: Not Found (404): No flavor found with ID or name g1.big\n');
});

test('keypair upload from a file and from ~/.ssh, list, info, delete', async () => {
  const key = sshPublicKey('gina@laptop');
  const file = join(gina.HOME!, 'key.pub');
  writeFileSync(file, `${key}\n`);
  const uploaded = await okJson(['keypair', 'upload', 'laptop', '--public-key', file], gina);
  assert.deepEqual([uploaded.name, uploaded.public_key.trim()], ['laptop', key]);

  assert.equal(await fails(['keypair', 'upload', 'default'], gina), `oceanos: no public key found (looked for ${join(gina.HOME!, '.ssh', 'id_ed25519.pub')} and ${join(gina.HOME!, '.ssh', 'id_rsa.pub')}): pass --public-key FILE\n`);
  mkdirSync(join(gina.HOME!, '.ssh'));
  const rsaPath = join(gina.HOME!, '.ssh', 'id_rsa.pub');
  writeFileSync(rsaPath, sshPublicKey('from-rsa-file'));
  assert.match((await okJson(['keypair', 'upload', 'default'], gina)).public_key, /from-rsa-file/);
  writeFileSync(join(gina.HOME!, '.ssh', 'id_ed25519.pub'), sshPublicKey('from-ed25519-file'));
  assert.match((await okJson(['keypair', 'upload', 'default2'], gina)).public_key, /from-ed25519-file/, 'ed25519 first');

  const [table, info, taken] = await Promise.all([
    ok(['keypair', 'list'], gina),
    ok(['keypair', 'info', 'laptop'], gina),
    fails(['keypair', 'upload', 'laptop', '--public-key', file], gina),
  ]);
  assert.match(table, new RegExp(`│ laptop\\s+│ ssh\\s+│ ${uploaded.fingerprint.replace(/[+.]/g, '\\$&')}\\s+│`));
  assert.match(info, /Public key\s+│ ssh-ed25519 \S+ gina@laptop/);
  assert.match(taken, /^oceanos: Conflict \(409\)/);
  await Promise.all(['default', 'default2'].map((n) => ok(['keypair', 'delete', n], gina)));
  assert.equal(await ok(['keypair', 'delete', 'laptop'], gina), 'Deleted key pair laptop\n');
  assert.deepEqual(await okJson(['keypair', 'list'], gina), []);
});

test('keypair generate writes the private key with mode 0600 and never over a file', async () => {
  const out = join(gina.HOME!, 'gen.pem');
  const message = await ok(['keypair', 'generate', 'gen', '--private-key-file', out], gina);
  assert.match(message, new RegExp(`^Generated key pair gen \\(\\S+\\); its private key is in ${out.replace(/[.]/g, '\\.')}\n$`));
  assert.match(readFileSync(out, 'utf8'), /^-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  assert.equal(statSync(out).mode & 0o777, 0o600);

  assert.equal(await fails(['keypair', 'generate', 'gen2', '--private-key-file', out], gina), `oceanos: ${out} exists already: not overwriting it\n`);
  const names = (await okJson<{ name: string }[]>(['keypair', 'list'], gina)).map((k) => k.name);
  assert.deepEqual(names, ['gen'], 'no key pair made when the file is refused');

  const taken = join(gina.HOME!, 'taken.pem');
  await fails(['keypair', 'generate', 'gen', '--private-key-file', taken], gina);
  assert.equal(existsSync(taken), false, 'the file made for a refused key pair is removed');

  // By default the key goes to a new file in ~/.ssh, never to the terminal.
  const byDefault = await ok(['keypair', 'generate', 'default'], gina);
  const defaultFile = join(gina.HOME!, '.ssh', 'oceanos-default');
  assert.equal(byDefault, `Generated key pair default (${/\((\S+)\)/.exec(byDefault)![1]}); its private key is in ${defaultFile}\n`);
  assert.match(readFileSync(defaultFile, 'utf8'), /^-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  assert.equal(statSync(defaultFile).mode & 0o777, 0o600);

  const printed = await runCli(['keypair', 'generate', 'printed', '--private-key-file', '-'], gina);
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*-----END [A-Z ]*PRIVATE KEY-----\n$/);
  assert.match(printed.stderr, /^Generated key pair printed \(\S+\); its private key is kept nowhere else\n$/);
  await Promise.all(['gen', 'default', 'printed'].map((n) => ok(['keypair', 'delete', n], gina)));
});
