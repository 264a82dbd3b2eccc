// Tokens and generated passwords are pasted into command lines, where a leading '-' reads as
// an option (this once made `openstack token revoke` fail one run in 64).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newToken, randomPassword } from '../src/identity/secrets.ts';

it('never starts a token or generated password with a dash', () => {
  for (let i = 0; i < 4000; i++) {
    assert.doesNotMatch(newToken(), /^-/);
    assert.doesNotMatch(randomPassword(), /^-/);
  }
  assert.match(newToken(), /^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
});
