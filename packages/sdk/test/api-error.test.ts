import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { ApiError, OceanosClient } from '@oceanos/sdk';

test('parses a Keystone error body', () => {
  const e = ApiError.fromResponse(403, JSON.stringify({ error: { code: 403, title: 'Forbidden', message: 'No way.' } }));
  assert.equal(e.status, 403);
  assert.equal(e.kind, 'forbidden');
  assert.equal(e.title, 'Forbidden');
  assert.equal(e.fault, undefined);
  assert.equal(e.message, 'No way.');
  assert.equal(e.describe(), 'Forbidden (403): No way.');
});

test('parses a Synnefo cloudFault body, keeping its name and data', () => {
  const body = { overLimit: { code: 413, message: 'Resource cyclades.vm limit exceeded', details: '', data: { limit: 5 } } };
  const e = ApiError.fromResponse(413, JSON.stringify(body));
  assert.equal(e.kind, 'overLimit');
  assert.equal(e.fault, 'overLimit');
  assert.deepEqual(e.data, { limit: 5 });
  assert.equal(e.describe(), 'Over Limit (413): Resource cyclades.vm limit exceeded');
});

test('parses a Glance error body', () => {
  const e = ApiError.fromResponse(404, JSON.stringify({ message: 'No image found with ID x', code: '404 Not Found', title: 'Not Found' }));
  assert.equal(e.kind, 'notFound');
  assert.equal(e.fault, undefined);
  assert.equal(e.describe(), 'Not Found (404): No image found with ID x');
});

test('keeps the text of a body in neither format', () => {
  const e = ApiError.fromResponse(502, '<html>\n<body>Bad gateway</body>\n</html>');
  assert.equal(e.kind, 'unavailable');
  assert.equal(e.message, '<html> <body>Bad gateway</body> </html>');
  assert.equal(ApiError.fromResponse(500, '').message, 'the server gave no explanation');
  assert.equal(ApiError.fromResponse(418, '{"a":1,"b":2}').title, 'HTTP 418');
});

test('a refused connection says which URL could not be reached and why', async () => {
  // A port that was free a moment ago.
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));

  const client = new OceanosClient({ url: `http://127.0.0.1:${port}/` });
  await assert.rejects(client.account.resources(), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 0);
    assert.equal(e.kind, 'connectionFailed');
    assert.equal(e.message, `cannot reach http://127.0.0.1:${port}: connection refused`);
    assert.equal(e.describe(), e.message);
    return true;
  });
});

test('an unknown host and a timeout are named too', async () => {
  const unknownHost = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND nowhere'), { code: 'ENOTFOUND' }) });
  assert.equal(ApiError.unreachable('http://nowhere', unknownHost).message, 'cannot reach http://nowhere: unknown host');
  // A fetch that never answers; the timer only keeps the event loop alive meanwhile.
  const slow = new OceanosClient({ url: 'http://example.test', timeoutMs: 10, fetch: (_url, init) => new Promise((_resolve, reject) => {
    const keepAlive = setTimeout(() => {}, 5000);
    init?.signal?.addEventListener('abort', () => { clearTimeout(keepAlive); reject(init.signal!.reason); });
  }) });
  await assert.rejects(slow.account.resources(), { kind: 'connectionFailed', message: 'cannot reach http://example.test: no answer in time' });
});

test('refuses URLs that are not http(s)', () => {
  assert.throws(() => new OceanosClient({ url: 'localhost:8585' }), /invalid URL: localhost:8585/);
  assert.throws(() => new OceanosClient({ url: 'not a url' }), /invalid URL/);
});
