// ImageApi without a server: Plankton headers, Glance's JSON patch and error shape, paging URLs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OceanosClient, type Fetch } from '@oceanos/sdk';
import { headerValue, registerHeaders } from '../src/image-plankton.ts';

function recording(answer: (url: URL, init: RequestInit) => Response) {
  const requests: { method: string; url: URL; headers: Headers; body: unknown }[] = [];
  const fetch: Fetch = async (input, init = {}) => {
    const url = new URL(String(input));
    requests.push({ method: init.method ?? 'GET', url, headers: new Headers(init.headers), body: init.body });
    return answer(url, init);
  };
  return { requests, images: new OceanosClient({ url: 'http://cloud.test', token: 'tok', fetch }).images };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

test('register headers: X-Image-Meta-*, non-ASCII and % percent-encoded', () => {
  assert.equal(headerValue('Débian 100%'), 'D%C3%A9bian 100%25');
  assert.equal(headerValue('😀'), '%F0%9F%98%80');
  assert.deepEqual(registerHeaders({ name: 'n', location: '/images/a', is_public: false, min_disk: 2, properties: { OSFAMILY: 'linux' } }), {
    'x-image-meta-name': 'n', 'x-image-meta-location': '/images/a', 'x-image-meta-is-public': 'false', 'x-image-meta-min-disk': '2',
    'x-image-meta-property-OSFAMILY': 'linux',
  });
});

test('update is one JSON patch: replace for attributes, add and remove for properties', async () => {
  const { requests, images } = recording(() => json({ id: 'i' }));
  await images.update('i', { name: 'n', tags: ['a'], properties: { 'A/B': 'v' }, removeProperties: ['OLD'] });
  const [patch] = requests;
  assert.equal(patch?.method, 'PATCH');
  assert.equal(patch?.url.pathname, '/image/v2/images/i');
  assert.equal(patch?.headers.get('content-type'), 'application/openstack-images-v2.1-json-patch');
  assert.deepEqual(JSON.parse(String(patch?.body)), [
    { op: 'replace', path: '/name', value: 'n' }, { op: 'replace', path: '/tags', value: ['a'] },
    { op: 'add', path: '/A~1B', value: 'v' }, { op: 'remove', path: '/OLD' },
  ]);
  await images.update('i', {});
  assert.equal(requests[1]?.method, 'GET', 'no changes: just the image');
});

test('Glance errors keep their title and message', async () => {
  const { images } = recording(() => json({ message: 'No image found with ID x', code: '404 Not Found', title: 'Not Found' }, 404));
  await assert.rejects(images.get('x'), { name: 'ApiError', status: 404, kind: 'notFound', title: 'Not Found', message: 'No image found with ID x' });
});

test('list sends the filters and follows next (relative to /image) to the end', async () => {
  const { requests, images } = recording((url) => (url.searchParams.get('marker') === null
    ? json({ images: [{ id: 'a' }], next: '/v2/images?OSFAMILY=linux&limit=1&marker=a' })
    : json({ images: [{ id: 'b' }] })));
  const listed = await images.list({ visibility: 'public', properties: { OSFAMILY: 'linux' }, pageSize: 1 });
  assert.deepEqual(listed.map((i) => i.id), ['a', 'b']);
  assert.equal(requests[0]?.url.search, '?OSFAMILY=linux&visibility=public&limit=1');
  assert.equal(`${requests[1]?.url.pathname}${requests[1]?.url.search}`, '/image/v2/images?OSFAMILY=linux&limit=1&marker=a');
});
