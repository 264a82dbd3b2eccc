// End to end: images through Debian's python3-openstackclient against a real `oceanos serve`
// on a fresh data dir, which registers the built-in oceanos-tiny image on its first start.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { testDatabases } from '../../packages/server/test/helpers/databases.ts';
import { openstackClient } from './openstack-client.ts';
import { readOpenrc, startServe, type ServeProcess } from './serve-process.ts';
import { missingTools } from './tools.ts';

const exec = promisify(execFile);
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

const missing = missingTools(['openstack', 'glance', 'mcopy', 'sfdisk']);
if (missing) process.stderr.write(`# skipping openstack image tests: ${missing}\n`);

for (const database of await testDatabases()) {
  describe(`images with the openstack CLI on ${database.dialect}`, { skip: database.skip ?? missing }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oceanos-e2e-images-'));
    let server: ServeProcess;
    let admin: Record<string, string>;

    const { run: openstack, ok, json } = openstackClient(dataDir, () => admin);
    /**
     * python-glanceclient's `glance` (v2), which reads /v2/schemas/image before it sends. Its
     * stdin is closed: `image-create` uploads whatever a stdin that is not a terminal holds.
     */
    const glance = async (args: string[]) => {
      const running = exec('glance', ['--os-image-api-version', '2', ...args], { env: { PATH: process.env.PATH ?? '', HOME: dataDir, ...admin }, timeout: 120_000 });
      running.child.stdin?.end();
      const { stdout } = await running.catch((error: { stderr?: string }) => assert.fail(`glance ${args.join(' ')}: ${error.stderr}`));
      return stdout;
    };

    before(async () => {
      const env: Record<string, string> = database.dialect === 'postgres' ? { OCEANOS_DATABASE_URL: await database.create() } : {};
      server = await startServe(dataDir, { ...env, OCEANOS_BUILTIN_IMAGE: '1' });
      admin = { ...readOpenrc(join(dataDir, 'admin-openrc.sh')), OS_AUTH_URL: `${server.url}/identity/v3` };
    });
    after(async () => { if (server?.child.exitCode === null) await server.stop(); });

    it('lists the built-in oceanos-tiny image on a fresh cloud', async () => {
      const images = await json(['image', 'list', '--long']);
      const tiny = images.find((i: { Name: string }) => i.Name === 'oceanos-tiny');
      assert.ok(tiny, `oceanos-tiny is listed: ${JSON.stringify(images)}\n${server.output()}`);
      assert.equal(tiny.Status, 'active');
      assert.equal(tiny.Visibility, 'public');
      const shown = await json(['image', 'show', 'oceanos-tiny']);
      assert.equal(shown.disk_format, 'raw');
      assert.equal(shown.properties.OSFAMILY, 'linux');
    });

    it('creates an image from a file, sets properties, saves it byte-identical and deletes it', async () => {
      const data = randomBytes(6 * 1024 * 1024 + 123);
      const file = join(dataDir, 'upload.raw');
      writeFileSync(file, data);
      const created = await json(['image', 'create', '--file', file, '--disk-format', 'raw', '--container-format', 'bare', '--property', 'OSFAMILY=linux', 'uploaded']);
      const shown = await json(['image', 'show', created.id]);
      assert.equal(shown.status, 'active');
      assert.equal(shown.size, data.length);
      assert.equal(shown.checksum, md5(data));

      await ok(['image', 'set', '--property', 'ROOT_PARTITION=1', '--name', 'renamed', created.id]);
      const changed = await json(['image', 'show', created.id]);
      assert.equal(changed.name, 'renamed');
      assert.equal(changed.properties.ROOT_PARTITION, '1');
      assert.equal(changed.properties.OSFAMILY, 'linux');

      const out = join(dataDir, 'saved.raw');
      await ok(['image', 'save', '--file', out, created.id]);
      assert.ok(readFileSync(out).equals(data), 'the saved image is byte-identical');

      await ok(['image', 'delete', created.id]);
      const gone = await openstack(['image', 'show', created.id]);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /No Image found|404/);
    });

    it('deactivates and reactivates an image, and sets schema and free-form properties', async () => {
      const file = join(dataDir, 'deactivate.raw');
      writeFileSync(file, randomBytes(200_000));
      const image = await json(['image', 'create', '--file', file, '--disk-format', 'raw', '--container-format', 'bare', '--property', 'os_distro=debian', 'to-deactivate']);
      // os_distro is in Glance's schema (a known property); OSFAMILY is free-form: both are properties.
      await ok(['image', 'set', '--property', 'OSFAMILY=linux', '--property', 'os_version=12', image.id]);
      const shown = await json(['image', 'show', image.id]);
      assert.equal(shown.properties.os_distro, 'debian');
      assert.equal(shown.properties.os_version, '12');
      assert.equal(shown.properties.OSFAMILY, 'linux');
      await ok(['image', 'set', '--deactivate', image.id]);
      assert.equal((await json(['image', 'show', image.id])).status, 'deactivated');
      const listed = await json(['image', 'list', '--status', 'deactivated']);
      assert.ok(listed.some((i: { ID: string }) => i.ID === image.id));
      await ok(['image', 'set', '--activate', image.id]);
      assert.equal((await json(['image', 'show', image.id])).status, 'active');
      await ok(['image', 'delete', image.id]);
    });

    it('answers python-glanceclient, which validates against /v2/schemas/image', async () => {
      // The table's Value column of the `id` row.
      const idOf = (table: string) => /^\|\s*id\s*\|\s*(\S+)\s*\|$/m.exec(table)?.[1];
      const created = await glance(['image-create', '--name', 'via-glance', '--disk-format', 'raw', '--container-format', 'bare', '--property', 'OSFAMILY=linux', '--property', 'os_distro=debian']);
      const id = idOf(created);
      assert.ok(id, created);
      await glance(['image-update', '--property', 'ROOT_PARTITION=1', '--remove-property', 'OSFAMILY', id]);
      const shown = await json(['image', 'show', id]);
      assert.equal(shown.properties.ROOT_PARTITION, '1');
      assert.equal(shown.properties.os_distro, 'debian');
      assert.equal(shown.properties.OSFAMILY, undefined);
      assert.match(await glance(['image-list']), /via-glance/);
      await glance(['image-delete', id]);
    });

    it('saves an image registered from a Pithos file', async () => {
      const token = (await json(['token', 'issue'])).id;
      const account = admin.OS_PROJECT_ID!;
      const data = randomBytes(5 * 1024 * 1024);
      const put = await fetch(`${server.url}/object-store/v1/${account}/pithos/disk.raw`, { method: 'PUT', headers: { 'x-auth-token': token }, body: data });
      assert.equal(put.status, 201);
      const registered = await fetch(`${server.url}/image/v1.0/images`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'x-image-meta-name': 'registered', 'x-image-meta-location': '/pithos/disk.raw', 'x-image-meta-disk-format': 'raw' },
      });
      assert.equal(registered.status, 200);
      const id = ((await registered.json()) as { image: { id: string } }).image.id;
      const out = join(dataDir, 'registered.raw');
      await ok(['image', 'save', '--file', out, id]);
      assert.ok(readFileSync(out).equals(data));
    });

    it('shares an image with a member who accepts it', async () => {
      const bob = await json(['user', 'create', '--password', 'bob-password-1', 'bob']);
      const bobEnv = { ...admin, OS_USERNAME: 'bob', OS_PASSWORD: 'bob-password-1', OS_PROJECT_ID: bob.id };
      const file = join(dataDir, 'shared.raw');
      writeFileSync(file, randomBytes(100_000));
      const image = await json(['image', 'create', '--file', file, '--disk-format', 'raw', '--container-format', 'bare', '--shared', 'for-bob']);
      const member = await json(['image', 'add', 'project', image.id, bob.id]);
      assert.equal(member.status, 'pending');
      const listed = async () => (await json(['image', 'list'], bobEnv)).map((i: { ID: string }) => i.ID);
      assert.ok(!(await listed()).includes(image.id), 'a pending image is not in the member\'s list');
      await ok(['image', 'set', '--accept', image.id], bobEnv);
      assert.ok((await listed()).includes(image.id));
      const members = await json(['image', 'member', 'list', image.id]);
      assert.deepEqual(members.map((m: { Status: string }) => m.Status), ['accepted']);
      const out = join(dataDir, 'bob.raw');
      await ok(['image', 'save', '--file', out, image.id], bobEnv);
      assert.ok(readFileSync(out).equals(readFileSync(file)));
      const denied = await openstack(['image', 'delete', image.id], bobEnv);
      assert.notEqual(denied.code, 0);
    });
  });
}
