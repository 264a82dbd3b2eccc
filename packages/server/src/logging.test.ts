import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createLogger, prettyLine } from './logging.ts';

/** A stream that collects what is written, posing as a terminal or not. */
function sink(isTTY: boolean) {
  const out = Object.assign(new PassThrough(), { isTTY, text: '' });
  out.on('data', (chunk: Buffer) => { out.text += chunk.toString(); });
  return out;
}

test('auto: one readable line per record at a terminal, JSON lines into a pipe', async () => {
  const terminal = sink(true);
  createLogger('info', 'auto', terminal).info({ method: 'GET', path: '/compute/v2.1/servers', status: 200, ms: 3 }, 'request');
  const pipe = sink(false);
  createLogger('info', 'auto', pipe).info({ method: 'GET', status: 200 }, 'request');
  await new Promise((resolve) => setImmediate(resolve));
  assert.match(terminal.text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z INFO  request method=GET path=\/compute\/v2\.1\/servers status=200 ms=3\n$/);
  assert.deepEqual(Object.keys(JSON.parse(pipe.text)).sort(), ['hostname', 'level', 'method', 'msg', 'pid', 'status', 'time']);
});

test('the format can be forced either way', async () => {
  const terminal = sink(true);
  createLogger('info', 'json', terminal).warn('disk low');
  const pipe = sink(false);
  createLogger('info', 'pretty', pipe).warn('disk low');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(JSON.parse(terminal.text).msg, 'disk low');
  assert.match(pipe.text, /Z WARN  disk low\n$/);
});

test('prettyLine quotes values with spaces, indents stacks and passes non-JSON through', () => {
  const line = prettyLine(JSON.stringify({ level: 50, time: 0, pid: 1, hostname: 'h', msg: 'unhandled error', reason: 'two words', n: { a: 1 }, err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' } }));
  assert.equal(line, '1970-01-01T00:00:00.000Z ERROR unhandled error reason="two words" n={"a":1}\n    Error: boom\n        at x\n');
  assert.equal(prettyLine('not json'), 'not json\n');
  const access = (path: string) => prettyLine(JSON.stringify({ level: 30, time: 0, msg: 'request', path, route: '/compute/v2.1/servers', status: 200 }));
  assert.equal(access('/compute/v2.1/servers'), '1970-01-01T00:00:00.000Z INFO  request path=/compute/v2.1/servers status=200\n');
  assert.match(access('/compute/v2.1/servers?limit=1'), / route=\/compute\/v2\.1\/servers /);
});
