// The entry point of the SDK: one object per cloud and token, its calls grouped by API.
import { AccountApi } from './account-api.ts';
import { CommissionsApi } from './commissions-api.ts';
import { FlavorsApi } from './flavors-api.ts';
import { HttpTransport, type TransportOptions } from './http-transport.ts';
import { IdentityApi } from './identity-api.ts';
import { ImageApi } from './image-api.ts';
import { KeypairsApi } from './keypairs-api.ts';
import { SERVERS_VERSION, ServersApi } from './servers-api.ts';
import { computeVersion } from './compute-types.ts';
import { StorageApi } from './storage-api.ts';
import { UsersApi } from './users-api.ts';

export type ClientOptions = TransportOptions;

/**
 * A client of one oceanos cloud. Without a token only logging in and listing resources work.
 * Every failing call throws ApiError.
 *
 *   const anonymous = new OceanosClient({ url: 'http://127.0.0.1:8585' });
 *   const session = await anonymous.identity.authenticate({ name: 'alice', password: 'secret' });
 *   const client = anonymous.withToken(session.token);
 *   console.log(await client.account.quotas());
 */
export class OceanosClient {
  readonly identity: IdentityApi;
  readonly users: UsersApi;
  readonly account: AccountApi;
  readonly commissions: CommissionsApi;
  /** Pithos+ files of the token's user (their UUID is the account; looked up once, on first use). */
  readonly storage: StorageApi;
  /** Images: Glance v2, and Plankton for registering Pithos+ files. */
  readonly images: ImageApi;
  /** Compute (Nova v2.1): servers of the token's project, and the flavors and key pairs they are made with. */
  readonly servers: ServersApi;
  readonly flavors: FlavorsApi;
  readonly keypairs: KeypairsApi;
  private readonly http: HttpTransport;

  /** Throws TypeError if the URL is not http(s). */
  constructor(options: ClientOptions | HttpTransport) {
    this.http = options instanceof HttpTransport ? options : new HttpTransport(options);
    this.identity = new IdentityApi(this.http);
    this.users = new UsersApi(this.http);
    this.account = new AccountApi(this.http);
    this.commissions = new CommissionsApi(this.http);
    this.storage = new StorageApi(this.http, async () => (await this.identity.validate()).user.id);
    this.images = new ImageApi(this.http, () => this.storage.accountId());
    // Each compute API at the Nova microversion whose shapes compute-types.ts describes.
    this.servers = new ServersApi(this.http.withHeaders(computeVersion(SERVERS_VERSION)));
    this.flavors = new FlavorsApi(this.http.withHeaders(computeVersion('2.61')));
    this.keypairs = new KeypairsApi(this.http.withHeaders(computeVersion('2.2')));
  }

  /** Base URL, without a trailing slash. */
  get url(): string { return this.http.url; }

  get token(): string | undefined { return this.http.token; }

  /** A client of the same cloud that sends another token. */
  withToken(token: string | undefined): OceanosClient {
    return new OceanosClient(this.http.withToken(token));
  }
}
