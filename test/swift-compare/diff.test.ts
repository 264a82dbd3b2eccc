// The comparison itself: it must be able to fail.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { differences, normalise, type Answer } from './diff.ts';

const swift: Answer = {
  status: 201,
  headers: { 'content-type': 'text/html; charset=UTF-8', 'content-length': '0', etag: 'abc', date: 'x', 'x-trans-id': 'tx1', 'last-modified': 'a' },
  body: '',
};

describe('Swift differential comparison', () => {
  it('accepts the same answer with other times, ids and Pithos extension headers', () => {
    const oceanos = { ...swift, headers: { ...swift.headers, date: 'y', 'x-trans-id': 'tx2', 'last-modified': 'b', 'x-object-uuid': 'u' } };
    assert.deepEqual(differences(normalise(swift, 'AUTH_test'), normalise(oceanos, 'uuid')), []);
  });
  it('catches another status, a missing or different header, and another body', () => {
    const oceanos = { status: 200, headers: { 'content-type': 'text/plain', etag: 'abc', date: 'y', 'x-trans-id': 't', 'last-modified': 'b' }, body: 'x' };
    const found = differences(normalise(swift, 'AUTH_test'), normalise(oceanos, 'uuid')).map((d) => d.what);
    assert.deepEqual(found, ['status', 'header content-length', 'header content-type', 'body']);
  });
  it('takes the account name out of values and bodies, and compares JSON as values', () => {
    const a = normalise({ status: 200, headers: { 'x-copied-from-account': 'AUTH_test' }, body: '[{"a":1,"b":"AUTH_test"}]' }, 'AUTH_test');
    const b = normalise({ status: 200, headers: { 'x-copied-from-account': 'u1' }, body: '[{"b":"u1","a":1}]' }, 'u1');
    assert.deepEqual(differences(a, b), []);
  });
});
