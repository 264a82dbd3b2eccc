import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printable, utcTime } from './terminal-text.ts';

test('printable drops escape sequences and shows other controls as \\xNN', () => {
  // What the tiny image's serial log carries: a cursor position query and colours.
  assert.equal(printable('login: \x1b[6n\x1b[1;32mok\x1b[0m\r\n'), 'login: ok\n');
  assert.equal(printable('title\x1b]0;pwned\x07 done'), 'title done');
  assert.equal(printable('bell\x07 back\x08 nul\x00 c1\x9b2J'), 'bell\\x07 back\\x08 nul\\x00 c1');
  assert.equal(printable('tabs\tand\nlines stay, é and 日本 too'), 'tabs\tand\nlines stay, é and 日本 too');
  assert.equal(printable('a lone \r return'), 'a lone \\x0d return');
  assert.equal(printable('a trailing ESC\x1b'), 'a trailing ESC\\x1b');
});

test('utcTime shows every API time in UTC with a Z, zone or not', () => {
  assert.equal(utcTime('2026-01-31T12:00:00Z'), '2026-01-31T12:00:00Z');
  assert.equal(utcTime('2026-01-31T12:00:00.123456Z'), '2026-01-31T12:00:00Z');
  assert.equal(utcTime('2026-01-31T12:00:00.123456'), '2026-01-31T12:00:00Z', 'no zone: UTC, as Swift and Nova mean it');
  assert.equal(utcTime('2026-01-31T14:00:00+02:00'), '2026-01-31T12:00:00Z');
  assert.equal(utcTime('2026-01-31 12:00:00'), '2026-01-31T12:00:00Z');
  assert.equal(utcTime('Sat, 31 Jan 2026 12:00:00 GMT'), '2026-01-31T12:00:00Z');
  assert.equal(utcTime('never'), 'never');
  assert.equal(utcTime(null), undefined);
  assert.equal(utcTime(''), undefined);
});
