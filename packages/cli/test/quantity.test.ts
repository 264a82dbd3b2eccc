import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatQuantity, parseQuantity } from '../src/quantity.ts';

const GiB = 1024 ** 3;

test('parses plain numbers for any resource', () => {
  assert.equal(parseQuantity('12', null), 12);
  assert.equal(parseQuantity(' 0 ', 'bytes'), 0);
});

test('parses binary and decimal sizes for byte resources', () => {
  assert.equal(parseQuantity('10GiB', 'bytes'), 10 * GiB);
  assert.equal(parseQuantity('512MiB', 'bytes'), 512 * 1024 ** 2);
  assert.equal(parseQuantity('1.5 g', 'bytes'), 1.5 * GiB);
  assert.equal(parseQuantity('2TB', 'bytes'), 2e12);
  assert.equal(parseQuantity('100B', 'bytes'), 100);
});

test('refuses sizes for counted resources, unknown units, fractions and negatives', () => {
  assert.throws(() => parseQuantity('10GiB', null, 'limit'), /invalid limit: 10GiB \(this resource is a count, not a size\)/);
  assert.throws(() => parseQuantity('10XB', 'bytes'), /unknown size unit "XB"/);
  assert.throws(() => parseQuantity('1.5', null), /not a whole number/);
  assert.throws(() => parseQuantity('-1', null), /expected a number/);
  assert.throws(() => parseQuantity('lots', 'bytes'), /expected a number or a size such as 10GiB/);
});

test('formats byte amounts for people and leaves counts alone', () => {
  assert.equal(formatQuantity(10 * GiB, 'bytes'), '10 GiB');
  assert.equal(formatQuantity(1.5 * GiB, 'bytes'), '1.5 GiB');
  assert.equal(formatQuantity(512 * 1024 ** 2, 'bytes'), '512 MiB');
  assert.equal(formatQuantity(0, 'bytes'), '0 B');
  assert.equal(formatQuantity(1023, 'bytes'), '1023 B');
  assert.equal(formatQuantity(10 * GiB, null), String(10 * GiB));
});
