// StorageApi without a server: headers in and out, URLs, listing pages and the hashmap 409.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, encodeObjectName, formatSharing, OceanosClient, parseSharing, type Fetch } from '@oceanos/sdk';
import { forEachConcurrently } from '../src/concurrency.ts';
import { objectInfo } from '../src/storage-types.ts';

function recording(answer: (url: URL, init: RequestInit) => Response) {
  const requests: { method: string; url: URL; headers: Headers }[] = [];
  const fetch: Fetch = async (input, init = {}) => {
    const url = new URL(String(input));
    requests.push({ method: init.method ?? 'GET', url, headers: new Headers(init.headers) });
    return answer(url, init);
  };
  const storage = new OceanosClient({ url: 'http://cloud.test/', token: 'tok', fetch }).storage.forAccount('acct');
  return { requests, storage };
}

test('sharing headers parse and format both ways', () => {
  assert.deepEqual(parseSharing('read=a,b; write=c'), { read: ['a', 'b'], write: ['c'] });
  assert.deepEqual(parseSharing('write=*'), { read: [], write: ['*'] });
  assert.equal(parseSharing(''), undefined);
  assert.equal(formatSharing({ read: ['a', 'b'], write: ['c'] }), 'read=a,b;write=c');
  assert.equal(formatSharing({ read: [], write: [] }), '', 'empty removes sharing');
});

test('object names keep their slashes and escape the rest', () => {
  assert.equal(encodeObjectName('a b/c?d/%e#'), 'a%20b/c%3Fd/%25e%23');
});

test('objectInfo reads the X-Object-* headers and resolves a relative public link', () => {
  const headers = new Headers({
    'content-length': '12', 'content-type': 'text/plain', etag: '"abc"', 'x-object-hash': 'h', 'x-object-uuid': 'u', 'x-object-version': '7',
    'x-object-meta-color': 'blue', 'x-object-sharing': 'read=x', 'x-object-public': '/public/tok',
  });
  assert.deepEqual(objectInfo('c', 'o', headers, 'http://cloud.test'), {
    container: 'c', name: 'o', bytes: 12, contentType: 'text/plain', etag: 'abc', lastModified: undefined, hash: 'h', uuid: 'u', version: '7',
    meta: { color: 'blue' }, sharing: { read: ['x'], write: [] }, publicUrl: 'http://cloud.test/public/tok',
  });
});

test('requests carry the token, the account and the object path; copies name their source', async () => {
  const { requests, storage } = recording(() => new Response(null, { status: 201 }));
  await storage.copyObject({ container: 'src', name: 'dir/a b', account: 'other' }, 'dst', 'x/y', { meta: { k: 'v' } });
  const [copy] = requests;
  assert.equal(copy?.method, 'PUT');
  assert.equal(copy?.url.pathname, '/object-store/v1/acct/dst/x/y');
  assert.equal(copy?.headers.get('x-auth-token'), 'tok');
  assert.equal(copy?.headers.get('x-copy-from'), '/src/dir/a%20b');
  assert.equal(copy?.headers.get('x-source-account'), 'other');
  assert.equal(copy?.headers.get('x-object-meta-k'), 'v');
  assert.equal(await storage.createContainer('new', { versioning: 'none' }), true);
  assert.equal(requests[1]?.headers.get('x-container-policy-versioning'), 'none');
});

test('listings follow the marker page by page, keeping a folded subdir once', async () => {
  const pages: Record<string, object[]> = {
    '': [{ name: 'a', bytes: 1 }, { subdir: 'b/' }],
    'b/': [{ subdir: 'b/' }, { name: 'c', bytes: 1 }],
    c: [{ name: 'd', bytes: 1 }],
  };
  const { requests, storage } = recording((url) => Response.json(pages[url.searchParams.get('marker') ?? ''] ?? []));
  const entries = await storage.listObjects('box', { delimiter: '/', pageSize: 2 });
  assert.deepEqual(entries.map((e) => ('subdir' in e ? e.subdir : e.name)), ['a', 'b/', 'c', 'd']);
  assert.deepEqual(requests.map((r) => [r.url.searchParams.get('marker'), r.url.searchParams.get('limit'), r.url.searchParams.get('delimiter')]), [[null, '2', '/'], ['b/', '2', '/'], ['c', '2', '/']]);
  const limited = await storage.listObjects('box', { limit: 3, pageSize: 2 });
  assert.equal(limited.length, 3);
  assert.equal(requests.at(-1)?.url.searchParams.get('limit'), '1', 'the last page asks only for what is left');
});

test('a hashmap PUT answers the missing blocks on 409, and other conflicts are errors', async () => {
  let answer = Response.json(['h1', 'h2'], { status: 409 });
  const { requests, storage } = recording(() => answer);
  assert.deepEqual(await storage.putHashmap('c', 'o', { bytes: 5, hashes: ['h1', 'h2'] }, { contentType: 'text/plain' }), ['h1', 'h2']);
  assert.equal(requests[0]?.url.search, '?hashmap=&format=json');
  assert.equal(requests[0]?.headers.get('content-type'), 'text/plain', "the object's type, not JSON");
  answer = Response.json({ conflict: { code: 409, message: 'Container is being deleted' } }, { status: 409 });
  await assert.rejects(storage.putHashmap('c', 'o', { bytes: 0, hashes: [] }), (e: unknown) => e instanceof ApiError && e.message === 'Container is being deleted');
});

test('forEachConcurrently bounds the calls in flight and stops after a failure', async () => {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  await assert.rejects(forEachConcurrently([1, 2, 3, 4, 5, 6, 7, 8], 3, async (n) => {
    started.push(n);
    most = Math.max(most, ++running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running--;
    if (n === 2) throw new Error('boom');
  }), /boom/);
  assert.equal(most, 3);
  assert.ok(started.length < 8, 'no new call starts after the failure');
});
