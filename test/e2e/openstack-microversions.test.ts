// End to end: Debian's openstack CLI at compute microversion 2.1 and at the highest the cloud
// advertises (2.92, also the highest this client knows), against
// a real `oceanos serve` with one small QEMU guest: flavors, key pairs, create, show, set,
// stop, a hard reboot of the stopped server, rebuild, delete.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openstackClient } from './openstack-client.ts';
import { readOpenrc, startServe, type ServeProcess } from './serve-process.ts';
import { sshPublicKey } from './ssh-key.ts';
import { missingTools } from './tools.ts';
import { waitFor } from './vm-host.ts';

const missing = missingTools(['openstack', 'qemu-system-x86_64', 'qemu-img', 'genisoimage', 'mcopy', 'sfdisk']);
if (missing) process.stderr.write(`# skipping openstack microversion tests: ${missing}\n`);

/** The newest microversion the cloud serves, and this python-novaclient (18.1) knows. */
const CLIENT_MAX = '2.92';

describe('compute microversions with the openstack CLI', { skip: missing }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'oceanos-e2e-microversions-'));
  let server: ServeProcess;
  let admin: Record<string, string>;
  const { json, ok, run } = openstackClient(dataDir, () => admin);
  const at = (version: string) => ({
    json: (args: string[]) => json(['--os-compute-api-version', version, ...args]),
    ok: (args: string[]) => ok(['--os-compute-api-version', version, ...args]),
  });
  const [v21, vmax] = [at('2.1'), at(CLIENT_MAX)];
  const status = async () => (await v21.json(['server', 'show', 'mv1'])).status as string;
  const waitStatus = (wanted: string) => waitFor(`server mv1 ${wanted}`, async () => (await status()) === wanted, 120_000, 1000);

  before(async () => {
    server = await startServe(dataDir, { OCEANOS_BUILTIN_IMAGE: '1' });
    admin = { ...readOpenrc(join(dataDir, 'admin-openrc.sh')), OS_AUTH_URL: `${server.url}/identity/v3` };
  });
  after(async () => {
    if (server?.child.exitCode === null) await server.stop();
  });

  it('shows flavors at 2.1 and, with their description, at the newest version', async () => {
    const advertised = await (await fetch(`${server.url}/compute/v2.1/`)).json() as { version: { version: string } };
    assert.equal(advertised.version.version, CLIENT_MAX, 'the cloud advertises what this client can ask for');
    assert.equal((await v21.json(['flavor', 'show', 'm1.nano'])).ram, 128);
    // `flavor set --description` is PUT /flavors/{id}, there from 2.55.
    await vmax.ok(['flavor', 'set', '--description', 'the smallest', 'm1.nano']);
    assert.equal((await vmax.json(['flavor', 'show', 'm1.nano'])).description, 'the smallest');
    assert.notEqual((await v21.json(['flavor', 'show', 'm1.nano'])).description, 'the smallest', '2.1 has no flavor description');
    assert.ok((await vmax.json(['flavor', 'list'])).some((f: { Name: string }) => f.Name === 'm1.nano'));
    const latest = await json(['--os-compute-api-version', '2.latest', 'flavor', 'list']);
    assert.ok(latest.length >= 5);
  });

  it('creates, lists, shows and deletes key pairs at both versions', async () => {
    const file = join(dataDir, 'key.pub');
    writeFileSync(file, `${sshPublicKey()}\n`);
    const imported = await vmax.json(['keypair', 'create', '--public-key', file, 'mv-key']);
    assert.equal(imported.type, 'ssh');
    assert.equal((await run(['--os-compute-api-version', CLIENT_MAX, 'keypair', 'create', 'mv-generated'])).code !== 0, true, 'from 2.92 only imports');
    const generated = await v21.ok(['keypair', 'create', 'mv-generated']);
    assert.match(generated, /PRIVATE KEY/);
    assert.deepEqual((await v21.json(['keypair', 'list'])).map((k: { Name: string }) => k.Name).sort(), ['mv-generated', 'mv-key']);
    assert.equal((await vmax.json(['keypair', 'show', 'mv-key'])).name, 'mv-key');
    await v21.ok(['keypair', 'delete', 'mv-generated']);
    assert.deepEqual((await vmax.json(['keypair', 'list'])).map((k: { Name: string }) => k.Name), ['mv-key']);
  });

  it('creates a server at the newest version and shows it at each with its fields', async () => {
    const created = await vmax.json(['server', 'create', '--image', 'oceanos-tiny', '--flavor', 'm1.nano', '--nic', 'none', '--key-name', 'mv-key',
      '--description', 'made at the newest version', '--hostname', 'mv-host', '--tag', 'e2e', '--wait', 'mv1']);
    assert.equal(created.status, 'ACTIVE', JSON.stringify(created));
    const newest = await vmax.json(['server', 'show', 'mv1']);
    assert.equal(newest.description, 'made at the newest version');
    assert.deepEqual(newest.tags, ['e2e']);
    assert.equal(newest.locked, false);
    const old = await v21.json(['server', 'show', 'mv1']);
    assert.equal(old.status, 'ACTIVE');
    assert.ok(!('tags' in old) && !('description' in old) && !('locked' in old), JSON.stringify(old));
    assert.ok(!Object.keys(old).some((key) => key.startsWith('SNF:')));
    assert.ok((await v21.json(['server', 'list'])).some((s: { Name: string }) => s.Name === 'mv1'));
  });

  it('renames and sets properties at both versions', async () => {
    await v21.ok(['server', 'set', '--name', 'mv1', '--property', 'role=web', 'mv1']);
    await vmax.ok(['server', 'set', '--property', 'tier=front', '--description', 'described', 'mv1']);
    const shown = await vmax.json(['server', 'show', 'mv1']);
    assert.equal(shown.description, 'described');
    assert.match(JSON.stringify(shown.properties), /role.*web/);
    assert.match(JSON.stringify(shown.properties), /tier.*front/);
  });

  it('starts a stopped server with a hard reboot (2.1), and rebuilds it keeping its id (newest)', async () => {
    const { id } = await v21.json(['server', 'show', 'mv1']);
    await v21.ok(['server', 'stop', 'mv1']);
    await waitStatus('SHUTOFF');
    await v21.ok(['server', 'reboot', '--hard', '--wait', 'mv1']);
    assert.equal(await status(), 'ACTIVE');
    // With --wait the client prints "Complete" before the JSON.
    const printed = await vmax.ok(['server', 'rebuild', '--image', 'oceanos-tiny', '--wait', '-f', 'json', 'mv1']);
    assert.equal(JSON.parse(printed.slice(printed.indexOf('{'))).id, id);
    assert.equal(await status(), 'ACTIVE');
  });

  it('deletes the server with --wait', async () => {
    await vmax.ok(['server', 'delete', '--wait', 'mv1']);
    assert.deepEqual((await v21.json(['server', 'list'])).filter((s: { Name: string }) => s.Name === 'mv1'), []);
  });
});
