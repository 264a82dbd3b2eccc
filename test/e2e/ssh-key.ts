// SSH public keys for tests: a fresh ed25519 key as an OpenSSH line, and what oceanos-tiny's
// ssh-key marker (and `ssh-keygen -l`) says of it.
import { createHash, generateKeyPairSync } from 'node:crypto';

/** An OpenSSH ed25519 public key line, built from a fresh key pair. */
export function sshPublicKey(comment = 'test@oceanos'): string {
  const x = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;
  const field = (data: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(Buffer.from(x, 'base64url'))]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

/** ssh-keygen -l's fingerprint, type and comment of a key line. */
export function keySummary(key: string): string {
  const [type, blob, comment] = key.split(' ');
  const fingerprint = createHash('sha256').update(Buffer.from(blob!, 'base64')).digest('base64').replace(/=+$/, '');
  return `SHA256:${fingerprint} ${type} ${comment}`;
}
