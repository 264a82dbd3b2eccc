// DES and VNC authentication against known answers: the FIPS 46 worked examples, and vectors
// computed once with OpenSSL's legacy des-ecb (`node --openssl-legacy-provider`), which a
// default Node lacks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desEncryptBlock } from './des.ts';
import { clientMinor } from './raw-proxy.ts';
import { newVncPassword, vncAuthResponse, vncAuthValid, vncKey } from './vnc-auth.ts';

const hex = (text: string) => Buffer.from(text, 'hex');

describe('DES', () => {
  it('encrypts the FIPS 46 examples', () => {
    assert.equal(desEncryptBlock(hex('133457799bbcdff1'), hex('0123456789abcdef')).toString('hex'), '85e813540f0ab405');
    assert.equal(desEncryptBlock(hex('0123456789abcdef'), hex('4e6f772069732074')).toString('hex'), '3fa40e8a984d4815');
  });

  it('agrees with OpenSSL on random keys and blocks', () => {
    for (const [key, block, cipher] of [
      ['2c8648f7ef5319bc', '0abe5da7fd811220', '42d715c973fcff53'],
      ['3bd256d4877b565a', 'd03ea7a9bcfd41f9', '158ed5fe6d6260d9'],
      ['e3e54bd104d6649a', 'a668ca9cc9fe5b9e', '0d5f4af6a60fec27'],
    ] as const) assert.equal(desEncryptBlock(hex(key), hex(block)).toString('hex'), cipher);
  });

  it('ignores the parity bits of the key and refuses other lengths', () => {
    assert.deepEqual(desEncryptBlock(hex('123557799bbcdff0'), hex('0123456789abcdef')), desEncryptBlock(hex('133457799bbcdff1'), hex('0123456789abcdef')));
    assert.throws(() => desEncryptBlock(Buffer.alloc(7), Buffer.alloc(8)), RangeError);
  });
});

describe('VNC authentication', () => {
  const challenge = hex('000102030405060708090a0b0c0d0e0f');

  it('reverses the bits of each key byte, and pads or cuts the password to 8 bytes', () => {
    assert.equal(vncKey('\x01\x80').toString('hex'), '8001000000000000');
    assert.deepEqual(vncKey('longpassword'), vncKey('longpass'));
  });

  it('answers a challenge as VNC clients do', () => {
    assert.equal(vncAuthResponse(challenge, 'password').toString('hex'), 'b866924125c8eebb9debc1db61c538e2');
    assert.equal(vncAuthResponse(challenge, 'secret').toString('hex'), 'ee22539f33a5983ec12f9c2edbc995dd');
    assert.equal(vncAuthResponse(challenge, 'longpassword').toString('hex'), '5931256585fd62106d317e09fc963baf');
  });

  it('accepts the right answer only', () => {
    assert.ok(vncAuthValid(challenge, hex('b866924125c8eebb9debc1db61c538e2'), 'password'));
    assert.ok(!vncAuthValid(challenge, hex('b866924125c8eebb9debc1db61c538e3'), 'password'));
    assert.ok(!vncAuthValid(challenge, hex('b866924125c8eebb'), 'password'));
  });

  it('makes 8-character passwords', () => {
    const passwords = new Set(Array.from({ length: 100 }, newVncPassword));
    assert.equal(passwords.size, 100);
    for (const password of passwords) assert.match(password, /^[A-Za-z2-9]{8}$/);
  });

  it('answers RFB 3.3, 3.7 and 3.8 clients in their version, and later ones in 3.8', () => {
    assert.deepEqual(['RFB 003.003\n', 'RFB 003.007\n', 'RFB 003.008\n', 'RFB 003.889\n', 'RFB 003.005\n', 'HTTP/1.1 200'].map(clientMinor), [3, 7, 8, 8, 3, null]);
  });
});
