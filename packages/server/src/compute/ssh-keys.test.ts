// Public key lines made by OpenSSH 9.2 (`ssh-keygen -t ...`), with the fingerprints that
// `ssh-keygen -l -E md5` printed for them, and damaged variants of each.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateRsaKeyPair, InvalidPublicKey, parsePublicKey } from './ssh-keys.ts';

const FIXTURES: [line: string, md5: string][] = [
  ['ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDq24bqd9vQG9gQkl2ewABAKWoCfIriu3eyKWZjI9yInIYD7qzbBvaN9fyUSaHtpabhPBfhELPselL8JkZ2L5i9UUXlg1AgkAPKwbaDtkta0q0LU9Qhm6GfUB+XDuQi2mdMGEQ2IYHs69T9jF30OT0z+tUp48SIcUQ77k62OKpotwiz3zfuWnqKlJLi5L7JW5chV+Xo4zrOXXnwp6OfC6LeBqU8kqkSocHl3m91XUf7M/08kcIGc2/4HYMXAS7jWVy+3/Le2ChaKIdKvJdn47RdL66qinC6cmP+Bvh6FanYi1EvrKsd+A4ULmyMW7mEPzKuJUFfdwxOSVocd6SzU2Ul fixture-rsa', '0f:be:94:ce:4e:1f:01:ca:83:2f:25:aa:c1:a9:c5:e2'],
  ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMs/8uoFlpVky81V7HZB58ptAKuDgmRHno4DK1cjtur/ fixture-ed25519', '27:5b:f0:2b:d3:02:ee:70:5a:f2:54:d2:72:f8:b1:f6'],
  ['ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLeq83Zm9EJmjs9nZf/Z4HHW9FNHt1zitaw9vhmhLVd0N6FHflo9fa15seH/eE13vuQxXtAmSFHEA50BdWC29R4= fixture-ecdsa256', '48:e0:b9:b9:10:13:95:2d:9e:fb:f7:70:a3:cc:a5:c3'],
  ['ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBIsRxCepTDB9FXDtMZIDLrVAWoCTn/uhEjOshCR0gBHYwGS42i1Am99f3cf9KONhfy0SoqC5saHldzvkNJghQsieugsqGhIt5OrBG5bwe1b0MEJgsrBRM7Rp3MoCBC62Tw== fixture-ecdsa384', 'd5:cd:f9:77:4b:f2:40:94:3a:14:e6:ce:06:1c:25:c1'],
  ['ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAGFTNkqqHdSPVnmdlfAFMzRhCAvfxcnZNwzrVTJhMXUYxpPPwXl7QDwsnu0ajK1Wgzc6FHQiquZ00XE7B3FLE6GKAHHmGGwmaGBVBh4fycv8Ngy/4OFVNeyJM6Qc32J22EMNYV7BQGZpozLruzJZxY0Gx021UQ+gThlYzwJB9VFCThnDw== fixture-ecdsa521', '25:af:74:c8:73:2d:3b:36:c3:58:20:4a:ac:62:aa:64'],
  ['ssh-dss AAAAB3NzaC1kc3MAAACBAMOETtTSUkqULoZbvCCHmf5axFqTr/cbhu3KaLtWwIR2Rmu+DI3O5df73DoxH/Gzu1/keRkBpbklFbeB3HbAATd2JKK5quS6LIte3Pqomr5nn+SfQ+6E61r0MvvWuulJGdUuVEa/ZjGVeIDWIlYj8ta+Q7XMh2yab+vq9O7Qj6n5AAAAFQDyYUWZEoAl2rcd/f/7a4haIeMuBwAAAIEAoJb3N1+TSnQriaV/yEtc3jbFvrJHEOPdcSlQtWblLBizKxQbsawFQvTfd22JG4TDYBmohWl0MHgCYJDr9941ucqbqutA/rMtpMbgSPZfvPzkjJc+0alsxm/nG2nQ3gZQvCnZ6W+9ckC3yAGN5ggIo/TXX97ZFD/41xbU+6XtujoAAACBAITE3PtHDGktU4G5W0WDFdJTd7h0llEerDaRXJeFmj8WSARAibIhm9wiFFZMOAFfVsfrDeba4HZQaUq8DNrSXYW7uNRaRnyRy5HHAEz6q3RArL+NbB0wu3qPnYl35SY2DBu1FPpx+pmwmprPMC8uis0Y6FoEHBW7jgj4di7ZLpKr fixture-dsa', '7e:4a:d8:75:1c:95:54:6f:f7:4a:d7:06:be:18:15:7a'],
];
const [RSA, ED25519, P256, , , DSA] = FIXTURES.map(([line]) => line) as string[];

const blobOf = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');
const lineOf = (type: string, blob: Buffer) => `${type} ${blob.toString('base64')}`;
const field = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
const rejects = (line: string, reason: RegExp) => assert.throws(() => parsePublicKey(line), (e: Error) => e instanceof InvalidPublicKey && reason.test(e.message));

describe('parsePublicKey', () => {
  it('accepts what ssh-keygen makes, with its MD5 fingerprints', () => {
    for (const [line, md5] of FIXTURES) {
      const key = parsePublicKey(`  ${line.replace(' ', '\t')}\n`);
      assert.equal(key.fingerprint, md5, line.slice(0, 20));
      assert.equal(key.type, line.split(' ')[0]);
      assert.equal(key.line, line);
    }
  });

  it('accepts a line without a comment and keeps a comment with spaces', () => {
    const bare = RSA!.split(' ').slice(0, 2).join(' ');
    assert.equal(parsePublicKey(bare).line, bare);
    assert.equal(parsePublicKey(`${bare} me @ laptop`).line, `${bare} me @ laptop`);
  });

  it('refuses empty input, several lines and unknown or certificate types', () => {
    rejects('   ', /empty/);
    rejects(`${RSA}\n${ED25519}`, /single line/);
    rejects('ssh-foo AAAA', /unsupported key type/);
    rejects(`ssh-rsa-cert-v01@openssh.com ${blobOf(RSA!).toString('base64')}`, /unsupported key type/);
    rejects(`from="10.0.0.1" ${ED25519}`, /unsupported key type/);
  });

  it('refuses data that is not base64 or names another type than the line', () => {
    rejects('ssh-rsa not*base64', /base64/);
    rejects('ssh-rsa AAAAB3NzaC1yc2E', /base64/);
    rejects(lineOf('ssh-rsa', blobOf(ED25519!)), /of type "ssh-ed25519", not ssh-rsa/);
  });

  it('refuses truncated key data and trailing bytes', () => {
    for (const line of [RSA!, ED25519!, P256!, DSA!]) {
      const [type] = line.split(' ');
      const blob = blobOf(line);
      rejects(lineOf(type!, blob.subarray(0, blob.length - 3)), /truncated/);
      rejects(lineOf(type!, Buffer.concat([blob, Buffer.from([0, 0, 0, 0])])), /trailing/);
    }
  });

  it('refuses keys that are not valid keys of their type', () => {
    const p256 = blobOf(P256!);
    const offCurve = Buffer.from(p256);
    offCurve[offCurve.length - 1]! ^= 1;
    rejects(lineOf('ecdsa-sha2-nistp256', offCurve), /not a valid EC public key/);
    const compressed = Buffer.concat([field(Buffer.from('ecdsa-sha2-nistp256')), field(Buffer.from('nistp256')), field(Buffer.concat([Buffer.from([2]), Buffer.alloc(32, 7)]))]);
    rejects(lineOf('ecdsa-sha2-nistp256', compressed), /not a point on nistp256/);
    const wrongCurve = Buffer.concat([field(Buffer.from('ecdsa-sha2-nistp256')), field(Buffer.from('nistp384'))]);
    rejects(lineOf('ecdsa-sha2-nistp256', wrongCurve), /curve nistp256/);
    rejects(lineOf('ssh-ed25519', Buffer.concat([field(Buffer.from('ssh-ed25519')), field(Buffer.alloc(31, 1))])), /32 bytes/);
    const dsa = blobOf(DSA!);
    dsa[dsa.length - 1]! ^= 1;
    rejects(lineOf('ssh-dss', dsa), /not a valid DSA public key/);
    const negative = Buffer.concat([field(Buffer.from('ssh-rsa')), field(Buffer.from([0x81])), field(Buffer.alloc(129, 0x55))]);
    rejects(lineOf('ssh-rsa', negative), /negative/);
  });

  it('refuses RSA keys shorter than OpenSSH accepts', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 768 });
    const jwk = publicKey.export({ format: 'jwk' });
    const n = Buffer.concat([Buffer.from([0]), Buffer.from(jwk.n!, 'base64url')]);
    const blob = Buffer.concat([field(Buffer.from('ssh-rsa')), field(Buffer.from(jwk.e!, 'base64url')), Buffer.from([0, 0, 0, n.length]), n]);
    rejects(lineOf('ssh-rsa', blob), /at least 1024 bits/);
  });
});

describe('generateRsaKeyPair', () => {
  it('makes a PKCS#1 private key whose public half is the public key line', async () => {
    const { publicKey, privateKey } = await generateRsaKeyPair('made-by-test');
    assert.match(privateKey, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+-----END RSA PRIVATE KEY-----\n$/);
    assert.equal(publicKey.type, 'ssh-rsa');
    assert.match(publicKey.line, /^ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB\S+ made-by-test$/);
    const derived = createPublicKey(createPrivateKey(privateKey)).export({ format: 'jwk' });
    const blob = publicKey.blob;
    // e = 65537 (3 bytes), then n with its sign byte: 4 + 7 + 4 + 3 + 4 + 257 bytes.
    assert.equal(blob.length, 279);
    assert.equal(blob.subarray(23).toString('base64url'), derived.n);
    assert.equal(createPrivateKey(privateKey).asymmetricKeyDetails?.modulusLength, 2048);
  });
});
