// Nova key pairs: named SSH public keys of the caller, put into servers at first boot.
import { COMPUTE_PREFIX } from '@oceanos/contract';
import type { Keypair } from './compute-types.ts';
import { segment, type HttpTransport } from './http-transport.ts';

const KEYPAIRS = `${COMPUTE_PREFIX}/os-keypairs`;

export class KeypairsApi {
  constructor(private readonly http: HttpTransport) {}

  async list(): Promise<Keypair[]> {
    return (await this.http.json<{ keypairs: { keypair: Keypair }[] }>('GET', KEYPAIRS)).keypairs.map((entry) => entry.keypair);
  }

  async get(name: string): Promise<Keypair> {
    return (await this.http.json<{ keypair: Keypair }>('GET', `${KEYPAIRS}/${segment(name)}`)).keypair;
  }

  /** Stores an OpenSSH public key line. Throws ApiError 409 if the name is taken, 400 if the key does not parse. */
  async upload(name: string, publicKey: string): Promise<Keypair> {
    return this.create({ name, public_key: publicKey });
  }

  /**
   * Has the server make a key pair. The answer's `private_key` is the only copy there will
   * ever be: the server keeps the public half only.
   */
  async generate(name: string): Promise<Keypair & { private_key: string }> {
    return this.create({ name }) as Promise<Keypair & { private_key: string }>;
  }

  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', `${KEYPAIRS}/${segment(name)}`);
  }

  private async create(keypair: { name: string; public_key?: string }): Promise<Keypair> {
    return (await this.http.json<{ keypair: Keypair }>('POST', KEYPAIRS, { body: { keypair } })).keypair;
  }
}
