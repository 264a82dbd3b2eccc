import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ApiError } from '../http/errors.ts';
import { LoginThrottle } from './login-throttle.ts';

it('locks a user after the allowed failures and unlocks when the window passes', () => {
  let now = 1_000_000;
  const throttle = new LoginThrottle({ maxFailuresPerUser: 2, maxFailuresPerAddress: 100, windowSeconds: 60 }, () => now);
  throttle.check('alice', '10.0.0.1');
  throttle.recordFailure('alice', '10.0.0.1');
  throttle.recordFailure('alice', '10.0.0.2');
  assert.throws(() => throttle.check('alice', '10.0.0.3'), (e: ApiError) => e.status === 429 && e.headers['retry-after'] === '60');
  throttle.check('bob', '10.0.0.1');
  now += 30_000;
  assert.throws(() => throttle.check('alice', '10.0.0.3'), (e: ApiError) => e.headers['retry-after'] === '30');
  now += 30_001;
  throttle.check('alice', '10.0.0.3');
});

it('counts failures per address across names, and a success clears only the user', () => {
  const throttle = new LoginThrottle({ maxFailuresPerUser: 10, maxFailuresPerAddress: 3, windowSeconds: 60 });
  for (const name of ['a', 'b', 'c']) throttle.recordFailure(name, '192.0.2.1');
  assert.throws(() => throttle.check('d', '192.0.2.1'), ApiError);
  throttle.check('d', '192.0.2.2');
  throttle.recordSuccess('a');
  assert.throws(() => throttle.check('a', '192.0.2.1'), ApiError, 'the address stays limited');
});
