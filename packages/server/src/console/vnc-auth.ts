// VNC authentication (RFB 6143 §7.2.2): the server sends 16 random bytes, the client answers
// them DES-encrypted with its password as the key. VNC puts each key byte's bits in reverse
// order (an old quirk every client keeps), and only the first 8 bytes of a password count.
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { desEncryptBlock } from './des.ts';

/** VNC reads at most 8 bytes of a password; a longer one would only look stronger. */
export const VNC_PASSWORD_LENGTH = 8;
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password of 8 characters that are easy to tell apart (about 46 bits). */
export function newVncPassword(): string {
  return Array.from({ length: VNC_PASSWORD_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

export const newChallenge = (): Buffer => randomBytes(16);

/** The DES key of a VNC password: padded with zeros or cut to 8 bytes, each byte's bits reversed. */
export function vncKey(password: string): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  return Buffer.from(key.map((byte) => {
    let reversed = 0;
    for (let i = 0; i < 8; i++) reversed |= ((byte >> i) & 1) << (7 - i);
    return reversed;
  }));
}

/** What a client with `password` answers to `challenge` (16 bytes: two DES blocks). */
export function vncAuthResponse(challenge: Buffer, password: string): Buffer {
  const key = vncKey(password);
  return Buffer.concat([desEncryptBlock(key, challenge.subarray(0, 8)), desEncryptBlock(key, challenge.subarray(8, 16))]);
}

/** Whether `response` answers `challenge` for `password`, in constant time. */
export function vncAuthValid(challenge: Buffer, response: Buffer, password: string): boolean {
  return response.length === 16 && timingSafeEqual(response, vncAuthResponse(challenge, password));
}
