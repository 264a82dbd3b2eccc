// The compute API without a server: request bodies, Nova's error shape, paging, lookups by
// name and waiting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AmbiguousNameError, ApiError, OceanosClient, WaitTimeoutError, type Fetch, type Server } from '@oceanos/sdk';

function recording(answer: (url: URL, init: RequestInit, n: number) => Response) {
  const requests: { method: string; url: URL; body: any; headers: Record<string, string> }[] = [];
  const fetch: Fetch = async (input, init = {}) => {
    const url = new URL(String(input));
    const headers = init.headers as Record<string, string>;
    requests.push({ method: init.method ?? 'GET', url, body: init.body === undefined ? undefined : JSON.parse(String(init.body)), headers });
    return answer(url, init, requests.length - 1);
  };
  return { requests, client: new OceanosClient({ url: 'http://cloud.test', token: 'tok', fetch }) };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const notFound = () => json({ itemNotFound: { code: 404, message: 'Instance x could not be found.' } }, 404);
const server = (id: string, name: string, status: Server['status'], task: string | null = null) =>
  ({ id, name, status, progress: status === 'BUILD' ? 40 : 100, 'OS-EXT-STS:task_state': task } as Server);

test("Nova's faults become ApiErrors with their name", async () => {
  const { client } = recording(() => json({ conflictingRequest: { code: 409, message: "Cannot 'os-start' instance x while it is in vm_state active" } }, 409));
  await assert.rejects(client.servers.start('x'), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.deepEqual([e.status, e.kind, e.fault, e.message], [409, 'conflict', 'conflictingRequest', "Cannot 'os-start' instance x while it is in vm_state active"]);
    assert.equal(e.describe(), "Conflict (409): Cannot 'os-start' instance x while it is in vm_state active");
    return true;
  });
  const gone = ApiError.fromResponse(404, JSON.stringify({ itemNotFound: { code: 404, message: 'Flavor 9 could not be found.' } }));
  assert.deepEqual([gone.kind, gone.fault, gone.describe()], ['notFound', 'itemNotFound', 'Not Found (404): Flavor 9 could not be found.']);
});

test('create sends user data and personality in base64, and Nova field names', async () => {
  const { requests, client } = recording(() => json({ server: { id: 's1', adminPass: 'pw', links: [] } }, 202));
  const created = await client.servers.create({
    name: 'vm', imageRef: 'img', flavorRef: '1', keyName: 'k', userData: '#!/bin/sh\necho hi\n', metadata: { a: 'b' }, tags: ['t'],
    personality: [{ path: '/etc/motd', contents: Buffer.from([0, 255]), owner: 'root', mode: 0o600 }],
  });
  assert.deepEqual([created.id, created.adminPass], ['s1', 'pw']);
  const [post] = requests;
  assert.equal(`${post?.method} ${post?.url.pathname}`, 'POST /compute/v2.1/servers');
  assert.deepEqual(post?.body, {
    server: {
      name: 'vm', imageRef: 'img', flavorRef: '1', metadata: { a: 'b' }, key_name: 'k', user_data: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
      personality: [{ path: '/etc/motd', owner: 'root', mode: 0o600, contents: 'AP8=' }], tags: ['t'], networks: 'none',
    },
  });
  // Tags on create need 2.52; reads stay at 2.46, where a server's flavor is a reference.
  assert.equal(post?.headers['openstack-api-version'], 'compute 2.52');
  await client.servers.get('s1').catch(() => undefined);
  assert.equal(requests[1]?.headers['openstack-api-version'], 'compute 2.46');
});

test('actions are POSTs to /action with Nova bodies', async () => {
  const { requests, client } = recording((url, init) => (JSON.parse(String(init.body ?? '{}'))['os-getConsoleOutput'] ? json({ output: 'boot\n' }) : new Response(null, { status: 202 })));
  await client.servers.stop('s');
  await client.servers.reboot('s', 'HARD');
  await client.servers.resize('s', '3');
  assert.equal(await client.servers.consoleOutput('s', 10), 'boot\n');
  assert.deepEqual(requests.map((r) => r.body), [{ 'os-stop': null }, { reboot: { type: 'HARD' } }, { resize: { flavorRef: '3' } }, { 'os-getConsoleOutput': { length: 10 } }]);
  assert.ok(requests.every((r) => r.url.pathname === '/compute/v2.1/servers/s/action'));
});

test('listDetail follows servers_links with the last id as marker, and stops at the limit', async () => {
  const { requests, client } = recording((url) => {
    const marker = url.searchParams.get('marker');
    if (marker === null) return json({ servers: [server('a', 'a', 'ACTIVE'), server('b', 'b', 'ACTIVE')], servers_links: [{ rel: 'next', href: 'http://elsewhere/x' }] });
    if (marker === 'b') return json({ servers: [server('c', 'c', 'ACTIVE')] });
    return json({ servers: [] });
  });
  assert.deepEqual((await client.servers.listDetail({ status: 'ACTIVE', pageSize: 2 })).map((s) => s.id), ['a', 'b', 'c']);
  assert.equal(requests[0]?.url.search, '?status=ACTIVE&limit=2');
  assert.equal(requests[1]?.url.search, '?status=ACTIVE&limit=2&marker=b');
  requests.length = 0;
  assert.deepEqual((await client.servers.listDetail({ limit: 2 })).map((s) => s.id), ['a', 'b']);
  assert.equal(requests.length, 1, 'no page after the limit is reached');
});

test('find: an id first, then the exact name; an ambiguous name lists the ids', async () => {
  const uuid = '0b7a1ad1-6b0b-4a2c-9d6c-3b1f2c1d0e01';
  const { requests, client } = recording((url) => {
    if (url.pathname.endsWith(uuid)) return notFound();
    // The server's name filter is a regular expression: it answers a superset.
    return json({ servers: [server('1', 'web', 'ACTIVE'), server('2', 'web2', 'ACTIVE'), server('3', 'web', 'ACTIVE'), server('4', uuid, 'ACTIVE')] });
  });
  assert.equal((await client.servers.find('web2')).id, '2');
  assert.equal((await client.servers.find(uuid)).id, '4', 'a name that looks like an id');
  assert.equal(requests.some((r) => r.url.pathname.endsWith('/servers/web2')), false, 'a name is not tried as an id');
  await assert.rejects(client.servers.find('web'), (e: unknown) => {
    assert.ok(e instanceof AmbiguousNameError);
    assert.deepEqual([e.status, e.ids, e.message], [409, ['1', '3'], '2 servers are named web; use an id: 1, 3']);
    return true;
  });
  await assert.rejects(client.servers.find('nothing'), { status: 404, message: 'No server found with ID or name nothing' });
});

test('flavors: create sends is_public; find by name; access actions', async () => {
  const flavor = { id: 'f1', name: 'big', vcpus: 2, ram: 512, disk: 1, 'os-flavor-access:is_public': false };
  const { requests, client } = recording((url, init) => {
    if (url.pathname.endsWith('/detail')) return json({ flavors: [flavor] });
    if (url.pathname.endsWith('/action')) return json({ flavor_access: [{ flavor_id: 'f1', tenant_id: 'p1' }] });
    if (init.method === 'POST') return json({ flavor });
    return notFound();
  });
  await client.flavors.create({ name: 'big', vcpus: 2, ram: 512, disk: 1, isPublic: false });
  assert.deepEqual(requests[0]?.body, { flavor: { name: 'big', vcpus: 2, ram: 512, disk: 1, 'os-flavor-access:is_public': false } });
  assert.equal((await client.flavors.find('big')).id, 'f1');
  assert.deepEqual(await client.flavors.addAccess('f1', 'p1'), [{ flavor_id: 'f1', tenant_id: 'p1' }]);
  assert.deepEqual(requests.at(-1)?.body, { addTenantAccess: { tenant: 'p1' } });
});

test('keypairs: the list is unwrapped; generate asks without a public key', async () => {
  const key = { name: 'k', public_key: 'ssh-ed25519 AAAA', fingerprint: 'fp', type: 'ssh' };
  const { requests, client } = recording((url, init) => (init.method === 'POST' ? json({ keypair: { ...key, private_key: 'PRIV' } }) : json({ keypairs: [{ keypair: key }] })));
  assert.deepEqual(await client.keypairs.list(), [key]);
  assert.equal((await client.keypairs.generate('k')).private_key, 'PRIV');
  assert.deepEqual(requests[1]?.body, { keypair: { name: 'k' } });
});

test('waitFor reports each change and ends at the target with no task, at ERROR, or at 404 for DELETED', async () => {
  const states = [server('s', 'vm', 'BUILD', 'spawning'), server('s', 'vm', 'BUILD', 'spawning'), server('s', 'vm', 'ACTIVE', 'powering-off'), server('s', 'vm', 'ACTIVE')];
  const { client } = recording((_url, _init, n) => json({ server: states[Math.min(n, states.length - 1)] }));
  const seen: string[] = [];
  const done = await client.servers.waitFor('s', 'ACTIVE', { onChange: (s) => seen.push(`${s?.status}/${s?.['OS-EXT-STS:task_state']}`) });
  assert.equal(done?.status, 'ACTIVE');
  assert.deepEqual(seen, ['BUILD/spawning', 'ACTIVE/powering-off', 'ACTIVE/null']);

  const failing = recording(() => json({ server: { ...server('s', 'vm', 'ERROR'), fault: { code: 500, message: 'no room', created: '' } } }));
  assert.equal((await failing.client.servers.waitFor('s', 'ACTIVE'))?.fault?.message, 'no room');

  const gone = recording((_url, _init, n) => (n === 0 ? json({ server: server('s', 'vm', 'ACTIVE', 'deleting') }) : notFound()));
  assert.equal(await gone.client.servers.waitFor('s', 'DELETED'), null);
  const goneEarly = recording(() => notFound());
  await assert.rejects(goneEarly.client.servers.waitFor('s', 'ACTIVE'), { status: 404, message: 'server s was deleted while waiting for ACTIVE' });
});

test('waitFor gives up after the timeout, saying where the server is', async () => {
  const { client } = recording(() => json({ server: server('s', 'vm', 'BUILD', 'spawning') }));
  await assert.rejects(client.servers.waitFor('s', ['ACTIVE', 'SHUTOFF'], { timeoutMs: 300 }), (e: unknown) => {
    assert.ok(e instanceof WaitTimeoutError);
    assert.equal(e.message, 'server s is still BUILD (spawning, 40%) after 0 s (waiting for ACTIVE or SHUTOFF)');
    return true;
  });
});
