// Nova flavors (lists, filters, paging, admin management, private flavors and their access
// lists, extra specs) and key pairs (import, generation, fingerprints, isolation between
// users) through the compute API, on both databases. ssh-keygen, when installed, checks keys.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../src/http/errors.ts';
import { computeHelpers, type User } from './helpers/compute-servers.ts';
import { startPlane, type TestPlane } from './helpers/control-plane.ts';
import { testDatabases } from './helpers/databases.ts';

const NOVA = '/compute/v2.1';
const SSH_KEYGEN = spawnSync('ssh-keygen', ['-l', '-f', '/dev/null']).error ? 'ssh-keygen is not installed' : undefined;
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMs/8uoFlpVky81V7HZB58ptAKuDgmRHno4DK1cjtur/ alice@laptop';
const ED25519_MD5 = '27:5b:f0:2b:d3:02:ee:70:5a:f2:54:d2:72:f8:b1:f6';

/** Runs ssh-keygen with `args` plus a file holding `content` (mode 0600, as ssh-keygen wants for private keys). */
function sshKeygen(args: string[], content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'oceanos-keys-'));
  try {
    const file = join(dir, 'key');
    writeFileSync(file, content, { mode: 0o600 });
    const run = spawnSync('ssh-keygen', [...args, file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh key pair made by ssh-keygen: its public key line. */
function keygenPublicKey(type: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'oceanos-keys-'));
  try {
    const run = spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `made-by-${type}`, '-f', join(dir, 'k')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return readFileSync(join(dir, 'k.pub'), 'utf8').trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const database of await testDatabases()) {
  describe(`compute flavors and key pairs on ${database.dialect}`, { skip: database.skip }, () => {
    let plane: TestPlane;
    let admin: User;
    let alice: User;
    let bob: User;
    before(async () => {
      plane = await startPlane(await database.create());
      admin = { id: plane.adminId, token: plane.adminToken };
      alice = await plane.createUser('alice');
      bob = await plane.createUser('bob');
    });
    after(async () => { await plane?.close(); });

    const { nova } = computeHelpers(() => plane);
    // Flavors at 2.55 (with their description), key pairs at 2.2 (with their type); versions.test.ts checks the others.
    const call = (user: User, method: string, path: string, body?: unknown) => nova(user, method, path, body, path.startsWith('/os-keypairs') ? '2.2' : '2.55');
    const ok = async (user: User, method: string, path: string, body?: unknown) => {
      const res = await call(user, method, path, body);
      assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
      return res.body;
    };
    const ids = async (user: User, query = '') => (await ok(user, 'GET', `/flavors${query}`)).flavors.map((f: { id: string }) => f.id);
    const createFlavor = async (flavor: Record<string, unknown>) => (await ok(admin, 'POST', '/flavors', { flavor })).flavor;
    const fault = (res: { status: number; body: any }, name: string, status: number, message?: RegExp) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body[name].code, status);
      if (message) assert.match(res.body[name].message, message);
    };

    describe('flavors', () => {
      it('lists the five default flavors, short and detailed, with links under the version asked', async () => {
        const list = await ok(alice, 'GET', '/flavors');
        assert.deepEqual(list.flavors.map((f: { id: string }) => f.id), ['1', '2', '3', '4', '5']);
        assert.deepEqual(Object.keys(list.flavors[0]).sort(), ['description', 'id', 'links', 'name']);
        assert.equal(list.flavors[0].name, 'm1.nano');
        assert.equal(list.flavors_links, undefined);
        const detail = await ok(alice, 'GET', '/flavors/detail');
        const nano = detail.flavors[0];
        assert.deepEqual({ ...nano, links: undefined }, {
          id: '1', name: 'm1.nano', vcpus: 1, ram: 128, disk: 1, swap: '', 'OS-FLV-EXT-DATA:ephemeral': 0,
          'OS-FLV-DISABLED:disabled': false, rxtx_factor: 1, 'os-flavor-access:is_public': true, description: null, links: undefined,
        });
        assert.deepEqual(nano.links, [
          { rel: 'self', href: plane.catalog.url('/compute/v2.1/flavors/1') },
          { rel: 'bookmark', href: plane.catalog.url('/compute/flavors/1') },
        ]);
        assert.deepEqual(await ok(alice, 'GET', '/flavors/1'), { flavor: nano });
        const old = await plane.call('GET', '/compute/v2.0/flavors/3', { token: alice.token });
        assert.equal(old.body.flavor.name, 'm1.small');
        assert.equal(old.body.flavor.links[0].href, plane.catalog.url('/compute/v2.0/flavors/3'));
      });

      it('answers 404 in Nova\'s shape for an unknown flavor and 401 without a token', async () => {
        fault(await call(alice, 'GET', '/flavors/nope'), 'itemNotFound', 404, /^Flavor nope could not be found\.$/);
        assert.equal((await plane.call('GET', `${NOVA}/flavors`)).status, 401);
      });

      it('filters by minRam and minDisk, sorts, and refuses bad filters', async () => {
        assert.deepEqual(await ids(alice, '?minRam=2048'), ['3', '4', '5']);
        assert.deepEqual(await ids(alice, '?minDisk=40&minRam=0'), ['4', '5']);
        assert.deepEqual(await ids(alice, '?sort_key=memory_mb&sort_dir=desc'), ['5', '4', '3', '2', '1']);
        assert.deepEqual(await ids(alice, '?sort_key=name'), ['5', '4', '1', '3', '2']);
        fault(await call(alice, 'GET', '/flavors?minRam=lots'), 'badRequest', 400, /Invalid minRam filter \[lots\]/);
        fault(await call(alice, 'GET', '/flavors?minDisk=1.5'), 'badRequest', 400, /Invalid minDisk filter/);
        fault(await call(alice, 'GET', '/flavors?sort_key=colour'), 'badRequest', 400, /Sort key/);
        fault(await call(alice, 'GET', '/flavors?sort_dir=up'), 'badRequest', 400, /sort direction/);
      });

      it('pages with limit and marker, linking the next page while pages are full', async () => {
        const first = await ok(alice, 'GET', '/flavors/detail?limit=2&minRam=256');
        assert.deepEqual(first.flavors.map((f: { id: string }) => f.id), ['2', '3']);
        const next = new URL(first.flavors_links[0].href);
        assert.equal(first.flavors_links[0].rel, 'next');
        assert.equal(next.pathname, '/compute/v2.1/flavors/detail');
        assert.equal(next.searchParams.get('marker'), '3');
        assert.equal(next.searchParams.get('minRam'), '256');
        const second = await ok(alice, 'GET', `/flavors/detail${next.search}`);
        assert.deepEqual(second.flavors.map((f: { id: string }) => f.id), ['4', '5']);
        const third = await ok(alice, 'GET', `/flavors/detail${new URL(second.flavors_links[0].href).search}`);
        assert.deepEqual(third.flavors, []);
        assert.equal(third.flavors_links, undefined);
        // The marker only has to be a flavor the caller sees, not one that passes the filters.
        assert.deepEqual(await ids(alice, '?marker=1&minRam=2048'), ['3', '4', '5']);
        assert.deepEqual(await ids(alice, '?marker=4&sort_dir=desc'), ['3', '2', '1']);
        fault(await call(alice, 'GET', '/flavors?marker=nope'), 'badRequest', 400, /marker \[nope\] not found/);
        fault(await call(alice, 'GET', '/flavors?limit=-1'), 'badRequest', 400, /limit param must be positive/);
        fault(await call(alice, 'GET', '/flavors?limit=two'), 'badRequest', 400, /limit param must be an integer/);
      });

      it('lets admins only create and delete flavors', async () => {
        const body = { flavor: { name: 'x.denied', ram: 128, vcpus: 1, disk: 1 } };
        fault(await call(alice, 'POST', '/flavors', body), 'forbidden', 403, /os-flavor-manage:create/);
        const created = await createFlavor({ name: 'x.custom', ram: '256', vcpus: 2, disk: 3, id: 'custom-1', description: 'for tests' });
        assert.equal(created.id, 'custom-1');
        assert.equal(created.ram, 256);
        assert.equal(created.description, 'for tests');
        assert.equal(created['os-flavor-access:is_public'], true);
        assert.deepEqual((await ok(alice, 'GET', '/flavors/custom-1')).flavor, created);
        fault(await call(alice, 'DELETE', '/flavors/custom-1'), 'forbidden', 403);
        const res = await call(admin, 'DELETE', '/flavors/custom-1');
        assert.equal(res.status, 202);
        fault(await call(alice, 'GET', '/flavors/custom-1'), 'itemNotFound', 404);
        fault(await call(admin, 'DELETE', '/flavors/custom-1'), 'itemNotFound', 404);
        assert.equal((await plane.call('POST', `${NOVA}/flavors`, { body })).status, 401);
      });

      it('picks a UUID id when none is given and refuses a taken id or name', async () => {
        const made = await createFlavor({ name: 'x.auto', ram: 128, vcpus: 1, disk: 1, id: null, 'OS-FLV-EXT-DATA:ephemeral': 0, swap: 0, rxtx_factor: 1.0 });
        assert.match(made.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        const numeric = await createFlavor({ name: 'x.numeric', ram: 128, vcpus: 1, disk: 1, id: 42 });
        assert.equal(numeric.id, '42');
        fault(await call(admin, 'POST', '/flavors', { flavor: { name: 'x.auto', ram: 1, vcpus: 1, disk: 1 } }), 'conflictingRequest', 409, /Flavor with name x\.auto already exists/);
        fault(await call(admin, 'POST', '/flavors', { flavor: { name: 'x.other', ram: 1, vcpus: 1, disk: 1, id: '42' } }), 'conflictingRequest', 409, /Flavor with ID 42 already exists/);
        fault(await call(admin, 'POST', '/flavors', { flavor: { name: 'm1.nano', ram: 1, vcpus: 1, disk: 1, id: 'fresh' } }), 'conflictingRequest', 409);
      });

      it('refuses invalid flavor bodies with 400', async () => {
        const base = { name: 'x.bad', ram: 128, vcpus: 1, disk: 1 };
        const cases: [Record<string, unknown>, RegExp][] = [
          [{ ...base, ram: 0 }, /ram.*less than the minimum of 1/],
          [{ ...base, vcpus: -1 }, /vcpus/],
          [{ ...base, disk: 1.5 }, /disk.*integer/],
          [{ ...base, ram: '12x' }, /ram/],
          [{ ...base, ram: 2 ** 31 }, /greater than the maximum/],
          [{ ...base, name: '' }, /name/],
          [{ ...base, name: ' padded' }, /name/],
          [{ ...base, name: 'n'.repeat(256) }, /name/],
          [{ ...base, id: 'has/slash' }, /id/],
          [{ ...base, id: '' }, /id/],
          [{ ...base, 'OS-FLV-EXT-DATA:ephemeral': 1 }, /Ephemeral/],
          [{ ...base, swap: 512 }, /Swap/],
          [{ ...base, rxtx_factor: 2 }, /rxtx/],
          [{ ...base, 'os-flavor-access:is_public': 'maybe' }, /is_public/],
          [{ ...base, colour: 'red' }, /'colour' was unexpected/],
          [{ name: 'x.bad', ram: 128, vcpus: 1 }, /'disk' is a required property/],
        ];
        for (const [flavor, message] of cases) fault(await call(admin, 'POST', '/flavors', { flavor }), 'badRequest', 400, message);
        fault(await call(admin, 'POST', '/flavors', { name: 'x.bad' }), 'badRequest', 400, /"flavor"/);
        const names = (await ok(admin, 'GET', '/flavors?is_public=none')).flavors.map((f: { name: string }) => f.name);
        assert.ok(names.includes('m1.nano') && !names.includes('x.bad'));
      });

      it('shows a private flavor only to admins and projects given access', async () => {
        const secret = await createFlavor({ name: 'x.secret', ram: 4096, vcpus: 2, disk: 10, id: 'secret', 'os-flavor-access:is_public': false });
        assert.equal(secret['os-flavor-access:is_public'], false);
        assert.ok(!(await ids(alice)).includes('secret'));
        fault(await call(alice, 'GET', '/flavors/secret'), 'itemNotFound', 404, /^Flavor secret could not be found\.$/);
        // Admins see it when they ask; Nova's default is_public=true hides it from lists.
        assert.equal((await ok(admin, 'GET', '/flavors/secret')).flavor.name, 'x.secret');
        assert.ok(!(await ids(admin)).includes('secret'));
        assert.deepEqual(await ids(admin, '?is_public=false'), ['secret']);
        assert.ok((await ids(admin, '?is_public=None')).includes('secret'));
        fault(await call(admin, 'GET', '/flavors?is_public=perhaps'), 'badRequest', 400, /Invalid is_public filter/);
        // Other users cannot widen their view with is_public.
        assert.ok(!(await ids(alice, '?is_public=none')).includes('secret'));
        assert.deepEqual(await ids(alice, '?is_public=false'), await ids(alice));

        assert.deepEqual(await ok(admin, 'GET', '/flavors/secret/os-flavor-access'), { flavor_access: [] });
        fault(await call(alice, 'GET', '/flavors/secret/os-flavor-access'), 'forbidden', 403);
        fault(await call(alice, 'POST', '/flavors/secret/action', { addTenantAccess: { tenant: alice.id } }), 'forbidden', 403);
        const added = await ok(admin, 'POST', '/flavors/secret/action', { addTenantAccess: { tenant: alice.id } });
        assert.deepEqual(added, { flavor_access: [{ flavor_id: 'secret', tenant_id: alice.id }] });
        fault(await call(admin, 'POST', '/flavors/secret/action', { addTenantAccess: { tenant: alice.id } }), 'conflictingRequest', 409, /already exists/);
        assert.deepEqual(await ok(admin, 'GET', '/flavors/secret/os-flavor-access'), added);

        assert.ok((await ids(alice)).includes('secret'));
        assert.deepEqual(await ids(alice, '?minRam=4096'), ['4', '5', 'secret']);
        assert.equal((await ok(alice, 'GET', '/flavors/secret')).flavor.id, 'secret');
        assert.ok(!(await ids(bob)).includes('secret'));
        fault(await call(bob, 'GET', '/flavors/secret'), 'itemNotFound', 404);
        // The server service's view of the same rule.
        assert.equal((await plane.flavors.usable({ userId: alice.id, projectId: alice.id, admin: false }, 'secret')).name, 'x.secret');
        await assert.rejects(plane.flavors.usable({ userId: bob.id, projectId: bob.id, admin: false }, 'secret'),
          (e: ApiError) => e.kind === 'notFound' && e.message === 'Flavor secret could not be found.');
        assert.equal((await plane.flavors.usable({ userId: bob.id, projectId: bob.id, admin: true }, 'secret')).id, 'secret');

        assert.deepEqual(await ok(admin, 'POST', '/flavors/secret/action', { removeTenantAccess: { tenant: alice.id } }), { flavor_access: [] });
        fault(await call(admin, 'POST', '/flavors/secret/action', { removeTenantAccess: { tenant: alice.id } }), 'itemNotFound', 404, /Flavor access not found/);
        fault(await call(alice, 'GET', '/flavors/secret'), 'itemNotFound', 404);
        fault(await call(admin, 'POST', '/flavors/secret/action', { shareWith: { tenant: alice.id } }), 'badRequest', 400, /no such action/);
        fault(await call(admin, 'POST', '/flavors/secret/action', { addTenantAccess: {} }), 'badRequest', 400);
        fault(await call(admin, 'POST', '/flavors/nope/action', { addTenantAccess: { tenant: alice.id } }), 'itemNotFound', 404);
      });

      it('has no access list for public flavors and refuses to add access to them', async () => {
        fault(await call(admin, 'GET', '/flavors/1/os-flavor-access'), 'itemNotFound', 404, /^Access list not available for public flavors\.$/);
        fault(await call(admin, 'POST', '/flavors/1/action', { addTenantAccess: { tenant: alice.id } }), 'conflictingRequest', 409, /public flavor/);
        fault(await call(admin, 'GET', '/flavors/nope/os-flavor-access'), 'itemNotFound', 404);
      });

      it('deletes a private flavor together with its access list', async () => {
        await createFlavor({ name: 'x.gone', ram: 128, vcpus: 1, disk: 1, id: 'gone', 'os-flavor-access:is_public': 'false' });
        await ok(admin, 'POST', '/flavors/gone/action', { addTenantAccess: { tenant: bob.id } });
        assert.equal((await call(admin, 'DELETE', '/flavors/gone')).status, 202);
        fault(await call(bob, 'GET', '/flavors/gone'), 'itemNotFound', 404);
        // A new flavor of the same id starts with no one on its list.
        await createFlavor({ name: 'x.gone', ram: 128, vcpus: 1, disk: 1, id: 'gone', 'os-flavor-access:is_public': false });
        assert.deepEqual(await ok(admin, 'GET', '/flavors/gone/os-flavor-access'), { flavor_access: [] });
      });

      it('keeps extra specs that admins set and flavor users read', async () => {
        assert.deepEqual(await ok(alice, 'GET', '/flavors/2/os-extra_specs'), { extra_specs: {} });
        fault(await call(alice, 'POST', '/flavors/2/os-extra_specs', { extra_specs: { a: 'b' } }), 'forbidden', 403);
        assert.deepEqual(await ok(admin, 'POST', '/flavors/2/os-extra_specs', { extra_specs: { 'hw:cpu_policy': 'shared', weight: 3 } }), { extra_specs: { 'hw:cpu_policy': 'shared', weight: '3' } });
        // Fastify refuses a __proto__ key before it could reach the specs.
        fault(await call(admin, 'POST', '/flavors/2/os-extra_specs', { extra_specs: { ['__proto__']: 'x' } }), 'badRequest', 400);
        await ok(admin, 'POST', '/flavors/2/os-extra_specs', { extra_specs: { more: 'yes' } });
        assert.deepEqual(await ok(alice, 'GET', '/flavors/2/os-extra_specs'), { extra_specs: { 'hw:cpu_policy': 'shared', weight: '3', more: 'yes' } });
        assert.deepEqual(await ok(alice, 'GET', '/flavors/2/os-extra_specs/weight'), { weight: '3' });
        assert.deepEqual(await ok(admin, 'PUT', '/flavors/2/os-extra_specs/weight', { weight: '5' }), { weight: '5' });
        fault(await call(admin, 'PUT', '/flavors/2/os-extra_specs/weight', { other: '5' }), 'badRequest', 400, /mismatch/);
        fault(await call(admin, 'PUT', '/flavors/2/os-extra_specs/weight', { weight: '5', more: '6' }), 'badRequest', 400, /too many/);
        fault(await call(admin, 'POST', '/flavors/2/os-extra_specs', { extra_specs: { 'bad/key': '1' } }), 'badRequest', 400);
        fault(await call(admin, 'POST', '/flavors/2/os-extra_specs', { extra_specs: { k: 'v'.repeat(256) } }), 'badRequest', 400);
        assert.equal((await call(admin, 'DELETE', '/flavors/2/os-extra_specs/weight')).status, 200);
        fault(await call(alice, 'GET', '/flavors/2/os-extra_specs/weight'), 'itemNotFound', 404, /has no extra specs with key weight/);
        fault(await call(alice, 'GET', '/flavors/2/os-extra_specs/constructor'), 'itemNotFound', 404);
        fault(await call(admin, 'DELETE', '/flavors/2/os-extra_specs/weight'), 'itemNotFound', 404);
        fault(await call(admin, 'POST', '/flavors/nope/os-extra_specs', { extra_specs: { a: 'b' } }), 'itemNotFound', 404);
        assert.deepEqual((await ok(alice, 'GET', '/flavors/2/os-extra_specs')).extra_specs, { 'hw:cpu_policy': 'shared', more: 'yes' });
      });
    });

    describe('key pairs', () => {
      it('imports a public key and shows it with Nova\'s fields and MD5 fingerprint', async () => {
        const created = await ok(alice, 'POST', '/os-keypairs', { keypair: { name: 'laptop key', public_key: `${ED25519}\n` } });
        assert.deepEqual(created.keypair, { name: 'laptop key', public_key: ED25519, fingerprint: ED25519_MD5, type: 'ssh', user_id: alice.id });
        const shown = (await ok(alice, 'GET', '/os-keypairs/laptop%20key')).keypair;
        assert.equal(shown.fingerprint, ED25519_MD5);
        assert.equal(shown.user_id, alice.id);
        assert.equal(shown.deleted, false);
        assert.equal(shown.updated_at, null);
        assert.equal(shown.deleted_at, null);
        assert.ok(Number.isSafeInteger(shown.id));
        assert.equal((await ok(alice, 'GET', '/os-keypairs/laptop%20key')).keypair.id, shown.id);
        assert.ok(!Number.isNaN(Date.parse(shown.created_at)));
        assert.deepEqual(await ok(alice, 'GET', '/os-keypairs'), { keypairs: [{ keypair: { name: 'laptop key', public_key: ED25519, fingerprint: ED25519_MD5, type: 'ssh' } }] });
        assert.equal((await plane.keypairs.get(alice.id, 'laptop key')).public_key, ED25519);
      });

      it('fingerprints keys of every type as ssh-keygen does', { skip: SSH_KEYGEN }, async () => {
        for (const type of ['rsa', 'ed25519', 'ecdsa', 'dsa']) {
          const line = keygenPublicKey(type);
          const made = (await ok(alice, 'POST', '/os-keypairs', { keypair: { name: `kg-${type}`, public_key: line } })).keypair;
          const printed = sshKeygen(['-l', '-E', 'md5', '-f'], line);
          assert.equal(`MD5:${made.fingerprint}`, printed.split(' ')[1], type);
        }
      });

      it('generates an RSA key pair whose private key OpenSSH and node:crypto read', async () => {
        const made = (await ok(bob, 'POST', '/os-keypairs', { keypair: { name: 'generated', type: 'ssh' } })).keypair;
        assert.match(made.private_key, /^-----BEGIN RSA PRIVATE KEY-----\n/);
        assert.match(made.public_key, /^ssh-rsa AAAAB3NzaC1yc2E\S+ Generated-by-oceanos$/);
        const derived = createPublicKey(createPrivateKey(made.private_key)).export({ format: 'jwk' });
        const imported = createPublicKey({ key: { kty: 'RSA', n: derived.n!, e: derived.e! }, format: 'jwk' });
        assert.equal(createPrivateKey(made.private_key).asymmetricKeyDetails?.modulusLength, 2048);
        // The blob ends with n, so the derived modulus must be its tail.
        const blob = Buffer.from(made.public_key.split(' ')[1], 'base64');
        assert.equal(blob.subarray(blob.length - 256).toString('base64url'), imported.export({ format: 'jwk' }).n);
        const stored = (await ok(bob, 'GET', '/os-keypairs/generated')).keypair;
        assert.equal(stored.private_key, undefined);
        assert.equal(stored.public_key, made.public_key);
        assert.equal(stored.fingerprint, made.fingerprint);
        if (!SSH_KEYGEN) {
          assert.equal(sshKeygen(['-y', '-f'], made.private_key).trim(), made.public_key.split(' ').slice(0, 2).join(' '));
          assert.equal(sshKeygen(['-l', '-E', 'md5', '-f'], made.public_key).split(' ')[1], `MD5:${made.fingerprint}`);
        }
      });

      it('refuses invalid keys, names and types with 400 in Nova\'s shape', async () => {
        const cases: [Record<string, unknown>, RegExp][] = [
          [{ name: 'k', public_key: 'ssh-rsa bm90IGEga2V5' }, /^Keypair data is invalid: /],
          [{ name: 'k', public_key: 'hello world' }, /unsupported key type/],
          [{ name: 'k', public_key: ED25519.replace('ssh-ed25519', 'ssh-rsa') }, /not ssh-rsa/],
          [{ name: 'k', public_key: '' }, /empty/],
          [{ name: 'bad/name', public_key: ED25519 }, /^Keypair data is invalid: Keypair name contains unsafe characters$/],
          [{ name: '', public_key: ED25519 }, /between 1 and 255/],
          [{ name: 'n'.repeat(256), public_key: ED25519 }, /between 1 and 255/],
          [{ name: 'k', public_key: ED25519, type: 'x509' }, /only ssh/],
          [{ name: 'k', public_key: ED25519, extra: 1 }, /Invalid input/],
          [{ public_key: ED25519 }, /Invalid input/],
        ];
        for (const [keypair, message] of cases) fault(await call(alice, 'POST', '/os-keypairs', { keypair }), 'badRequest', 400, message);
        fault(await call(alice, 'GET', '/os-keypairs/k'), 'itemNotFound', 404);
      });

      it('accepts names with the characters Nova allows and refuses duplicates with 409', async () => {
        const name = 'Dev_key-1.2@home';
        await ok(alice, 'POST', '/os-keypairs', { keypair: { name, public_key: ED25519 } });
        fault(await call(alice, 'POST', '/os-keypairs', { keypair: { name } }), 'conflictingRequest', 409, /^Key pair 'Dev_key-1\.2@home' already exists\.$/);
        assert.equal((await call(alice, 'DELETE', `/os-keypairs/${encodeURIComponent(name)}`)).status, 204);
      });

      it('keeps every user\'s key pairs to themselves', async () => {
        await ok(alice, 'POST', '/os-keypairs', { keypair: { name: 'shared-name', public_key: ED25519 } });
        fault(await call(bob, 'GET', '/os-keypairs/shared-name'), 'itemNotFound', 404, new RegExp(`^Keypair shared-name not found for user ${bob.id}$`));
        fault(await call(bob, 'DELETE', '/os-keypairs/shared-name'), 'itemNotFound', 404);
        assert.ok(!(await ok(bob, 'GET', '/os-keypairs')).keypairs.some((k: { keypair: { name: string } }) => k.keypair.name === 'shared-name'));
        await ok(bob, 'POST', '/os-keypairs', { keypair: { name: 'shared-name' } });
        assert.notEqual((await ok(bob, 'GET', '/os-keypairs/shared-name')).keypair.public_key, ED25519);
        await assert.rejects(plane.keypairs.get(bob.id, 'laptop key'), (e: ApiError) => e.kind === 'notFound' && e.message === `Keypair laptop key not found for user ${bob.id}`);

        assert.equal((await call(alice, 'DELETE', '/os-keypairs/shared-name')).status, 204);
        fault(await call(alice, 'GET', '/os-keypairs/shared-name'), 'itemNotFound', 404);
        fault(await call(alice, 'DELETE', '/os-keypairs/shared-name'), 'itemNotFound', 404);
        assert.equal((await ok(bob, 'GET', '/os-keypairs/shared-name')).keypair.user_id, bob.id);
        assert.equal((await plane.call('GET', `${NOVA}/os-keypairs`)).status, 401);
      });
    });
  });
}
