// OpenSSH public keys: parsing and checking a key line (`ssh-ed25519 AAAA... comment`), Nova's
// MD5 fingerprint, and generating RSA key pairs. The key blob is the SSH wire format of
// RFC 4253 §6.6 (RSA, DSA), RFC 5656 §3.1 (ECDSA) and RFC 8709 §4 (Ed25519).
import { createHash, createPublicKey, generateKeyPair, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';

export type SshKeyType = 'ssh-rsa' | 'ssh-dss' | 'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521';

export interface PublicKey {
  type: SshKeyType;
  /** The decoded key blob. */
  blob: Buffer;
  /** The line as stored: type, base64 blob and comment (if any), single-spaced. */
  line: string;
  /** MD5 of the blob as colon-separated hex (`ssh-keygen -l -E md5` without the `MD5:`). */
  fingerprint: string;
}

/** Why a public key line was refused; the message is meant for the user. */
export class InvalidPublicKey extends Error {}

const ECDSA_CURVES: Record<string, { name: string; jwk: string; bytes: number }> = {
  'ecdsa-sha2-nistp256': { name: 'nistp256', jwk: 'P-256', bytes: 32 },
  'ecdsa-sha2-nistp384': { name: 'nistp384', jwk: 'P-384', bytes: 48 },
  'ecdsa-sha2-nistp521': { name: 'nistp521', jwk: 'P-521', bytes: 66 },
};
const TYPES = new Set<string>(['ssh-rsa', 'ssh-dss', 'ssh-ed25519', ...Object.keys(ECDSA_CURVES)]);
// OpenSSH (since 7.2) refuses shorter RSA keys, so a guest could never be logged into with one.
const MIN_RSA_BITS = 1024;

export const md5Fingerprint = (blob: Buffer): string => createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:');

/**
 * Parses one OpenSSH public key line and checks that its blob is a well-formed key of the
 * type the line names (for RSA, ECDSA and Ed25519, one that node:crypto accepts as a key).
 * Throws InvalidPublicKey saying what is wrong otherwise.
 */
export function parsePublicKey(text: string): PublicKey {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidPublicKey('the public key is empty');
  if (/[\r\n]/.test(trimmed)) throw new InvalidPublicKey('the public key must be a single line');
  const [type = '', encoded = '', ...comment] = trimmed.split(/[ \t]+/);
  if (!TYPES.has(type)) throw new InvalidPublicKey(`unsupported key type "${type.slice(0, 40)}" (use ${[...TYPES].join(', ')})`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw new InvalidPublicKey('the key is not valid base64');
  const blob = Buffer.from(encoded, 'base64');
  const reader = new BlobReader(blob);
  const embedded = reader.string().toString('latin1');
  if (embedded !== type) throw new InvalidPublicKey(`the key data is of type "${embedded.slice(0, 40)}", not ${type}`);
  checkKey(type as SshKeyType, reader);
  if (!reader.done()) throw new InvalidPublicKey('the key data has trailing bytes');
  return { type: type as SshKeyType, blob, line: [type, encoded, ...comment].join(' '), fingerprint: md5Fingerprint(blob) };
}

function checkKey(type: SshKeyType, reader: BlobReader): void {
  if (type === 'ssh-rsa') {
    const e = reader.mpint();
    const n = reader.mpint();
    if (bitLength(n) < MIN_RSA_BITS) throw new InvalidPublicKey(`RSA keys must have at least ${MIN_RSA_BITS} bits`);
    checkJwk({ kty: 'RSA', n: base64url(n), e: base64url(e) });
  } else if (type === 'ssh-ed25519') {
    const key = reader.string();
    if (key.length !== 32) throw new InvalidPublicKey('an Ed25519 key is 32 bytes long');
    checkJwk({ kty: 'OKP', crv: 'Ed25519', x: base64url(key) });
  } else if (type === 'ssh-dss') {
    checkDsa(reader.mpint(), reader.mpint(), reader.mpint(), reader.mpint());
  } else {
    const curve = ECDSA_CURVES[type]!;
    if (reader.string().toString('latin1') !== curve.name) throw new InvalidPublicKey(`the key data does not name the curve ${curve.name}`);
    const point = reader.string();
    // OpenSSH writes points uncompressed: 0x04, then x and y.
    if (point.length !== 1 + 2 * curve.bytes || point[0] !== 4) throw new InvalidPublicKey(`the key data is not a point on ${curve.name}`);
    checkJwk({ kty: 'EC', crv: curve.jwk, x: base64url(point.subarray(1, 1 + curve.bytes)), y: base64url(point.subarray(1 + curve.bytes)) });
  }
}

function checkJwk(jwk: JsonWebKey): void {
  try {
    createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new InvalidPublicKey(`the key data is not a valid ${jwk.kty} public key`);
  }
}

/** node:crypto cannot import DSA from raw numbers, so check the group laws directly. */
function checkDsa(p: Buffer, q: Buffer, g: Buffer, y: Buffer): void {
  const [P, Q, G, Y] = [p, q, g, y].map(toBigInt) as [bigint, bigint, bigint, bigint];
  const valid = P > 3n && Q > 1n && (P - 1n) % Q === 0n && G > 1n && G < P && Y > 1n && Y < P
    && modPow(G, Q, P) === 1n && modPow(Y, Q, P) === 1n;
  if (!valid) throw new InvalidPublicKey('the key data is not a valid DSA public key');
}

export interface GeneratedKeyPair {
  /** `ssh-rsa <base64> <comment>`. */
  publicKey: PublicKey;
  /** PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), which every OpenSSH release reads. */
  privateKey: string;
}

const generateRsa = promisify(generateKeyPair);

/** A new 2048-bit RSA key pair; its public key line ends with `comment`. */
export async function generateRsaKeyPair(comment: string): Promise<GeneratedKeyPair> {
  const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshMpint(Buffer.from(jwk.e!, 'base64url')), sshMpint(Buffer.from(jwk.n!, 'base64url'))]);
  return {
    publicKey: parsePublicKey(`ssh-rsa ${blob.toString('base64')} ${comment}`),
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
  };
}

/** Reads the length-prefixed fields of a key blob; running short is an InvalidPublicKey. */
class BlobReader {
  private offset = 0;
  constructor(private readonly blob: Buffer) {}

  string(): Buffer {
    if (this.offset + 4 > this.blob.length) throw new InvalidPublicKey('the key data is truncated');
    const length = this.blob.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + length > this.blob.length) throw new InvalidPublicKey('the key data is truncated');
    this.offset = start + length;
    return this.blob.subarray(start, start + length);
  }

  /** A positive multiple-precision integer, without its sign byte. */
  mpint(): Buffer {
    const value = this.string();
    if (value.length === 0 || (value[0]! & 0x80) !== 0) throw new InvalidPublicKey('the key data holds a zero or negative number');
    return value[0] === 0 ? value.subarray(1) : value;
  }

  done(): boolean {
    return this.offset === this.blob.length;
  }
}

function sshString(value: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
}

/** A positive integer as an SSH mpint: a zero byte in front when the top bit is set. */
const sshMpint = (magnitude: Buffer): Buffer => sshString((magnitude[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude);

const base64url = (bytes: Buffer): string => bytes.toString('base64url');
const toBigInt = (bytes: Buffer): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`));
const bitLength = (bytes: Buffer): number => toBigInt(bytes).toString(2).length;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}
