// Passwords are argon2id hashes; API tokens are random strings of which only a SHA-256 is
// stored, so a copy of the database yields no usable credential.
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify, type Options } from '@node-rs/argon2';

// Algorithm is an ambient const enum in the typings, so its value is spelled out: 2 = Argon2id.
const ARGON2: Options = { algorithm: 2 as NonNullable<Options['algorithm']>, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

// Verified against when the user does not exist, so that a wrong name costs as much time as a
// wrong password and does not reveal which names exist.
const decoy = hashPassword(randomBytes(16).toString('hex'));

export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  try {
    return await verify(storedHash ?? (await decoy), password);
  } catch {
    return false;
  }
}

// A secret that starts with '-' reads as an option to command-line tools
// (`openstack token revoke -x...` fails), so such draws are redrawn.
function cliSafeSecret(bytes: number): string {
  for (;;) {
    const secret = randomBytes(bytes).toString('base64url');
    if (!secret.startsWith('-')) return secret;
  }
}

export function newToken(): string {
  return cliSafeSecret(32);
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newAuditId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

export function randomPassword(): string {
  return cliSafeSecret(18);
}
