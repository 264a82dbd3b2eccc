// Key pairs: named SSH public keys of one user, imported or generated here, which servers
// get at first boot. Private keys are handed out once and never stored.
import type { Database } from '../db/database.ts';
import type { KeypairsTable } from '../db/schema.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import { deleteKeypair, findKeypair, insertKeypair, listKeypairs } from './keypair-store.ts';
import { generateRsaKeyPair, InvalidPublicKey, parsePublicKey, type PublicKey } from './ssh-keys.ts';

export type KeypairRow = KeypairsTable;

export interface NewKeypair {
  name: string;
  /** An OpenSSH public key line to import; a new RSA key pair is generated without one. */
  publicKey?: string;
}

/** A stored key pair and, when it was generated, its private key (PKCS#1 PEM). */
export interface CreatedKeypair { row: KeypairRow; privateKey?: string }

const NAME = /^[A-Za-z0-9 _\-.@]{1,255}$/;
// Nova's generated keys end with "Generated-by-Nova"; ours say who made them the same way.
const GENERATED_COMMENT = 'Generated-by-oceanos';

const invalid = (reason: string) => badRequest(`Keypair data is invalid: ${reason}`);

export class KeypairService {
  constructor(private readonly database: Database) {}

  /** The user's key pairs, by name. */
  list(userId: string): Promise<KeypairRow[]> {
    return listKeypairs(this.database.db, userId);
  }

  /** The caller's key pair by name; 404 otherwise. */
  async get(userId: string, name: string): Promise<KeypairRow> {
    const row = await findKeypair(this.database.db, userId, name);
    if (!row) throw missing(userId, name);
    return row;
  }

  /**
   * Imports `publicKey`, or generates an RSA key pair when there is none. Throws 400 for a
   * bad name or a public key that does not parse, 409 if the user has a key pair of that name.
   */
  async create(userId: string, input: NewKeypair): Promise<CreatedKeypair> {
    if (input.name.trim().length === 0 || input.name.length > 255) {
      throw invalid('Keypair name must be string and between 1 and 255 characters long');
    }
    if (!NAME.test(input.name)) throw invalid('Keypair name contains unsafe characters');
    if (await findKeypair(this.database.db, userId, input.name)) throw exists(input.name);
    let key: PublicKey;
    let privateKey: string | undefined;
    if (input.publicKey === undefined) {
      ({ publicKey: key, privateKey } = await generateRsaKeyPair(GENERATED_COMMENT));
    } else {
      try {
        key = parsePublicKey(input.publicKey);
      } catch (error) {
        if (error instanceof InvalidPublicKey) throw invalid(error.message);
        throw error;
      }
    }
    const row: KeypairRow = {
      user_id: userId, name: input.name, public_key: key.line, fingerprint: key.fingerprint, type: 'ssh', created_at: new Date().toISOString(),
    };
    // A concurrent create of the same name may have won since the check above.
    if (!(await insertKeypair(this.database.db, row))) throw exists(input.name);
    return { row, ...(privateKey === undefined ? {} : { privateKey }) };
  }

  /** Throws 404 if the user has no key pair of that name. Servers keep the key they booted with. */
  async delete(userId: string, name: string): Promise<void> {
    if (!(await deleteKeypair(this.database.db, userId, name))) throw missing(userId, name);
  }
}

const missing = (userId: string, name: string) => notFound(`Keypair ${name} not found for user ${userId}`);
const exists = (name: string) => conflict(`Key pair '${name}' already exists.`);
