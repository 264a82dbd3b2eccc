// Turns global options, environment and config file into the cloud to talk to and a client.
// Precedence: --url/--token, then OCEANOS_URL/OCEANOS_TOKEN, then the config file's cloud,
// then (for a missing token only) the OS_* variables of a sourced admin-openrc.sh.
import { OceanosClient } from '@oceanos/sdk';
import { ConfigFile, configPath } from './config-file.ts';
import { Output, type Io, type OutputFormat } from './output.ts';
import { UsageError } from './usage-error.ts';

export interface GlobalOptions {
  cloud?: string;
  url?: string;
  token?: string;
  output: OutputFormat;
}

/** Where the token in use came from; only a token from the config file is updated there. */
export type TokenSource = 'option' | 'env' | 'config' | 'openrc';

export class Context {
  private configFile?: ConfigFile;
  /** Set once client() has found a token. */
  tokenSource?: TokenSource;

  /** `globals` is read when a command runs, after commander has parsed the options. */
  constructor(readonly io: Io, private readonly globals: () => GlobalOptions) {}

  get env(): NodeJS.ProcessEnv { return this.io.env; }

  get output(): Output { return new Output(this.io, this.globals().output); }

  get config(): ConfigFile {
    this.configFile ??= new ConfigFile(configPath(this.env));
    return this.configFile;
  }

  /** The cloud named by --cloud or OCEANOS_CLOUD, if one is. */
  explicitCloud(): string | undefined {
    return this.globals().cloud || this.env.OCEANOS_CLOUD || undefined;
  }

  /** --cloud, else OCEANOS_CLOUD, else default_cloud, else the only cloud configured, else "default". */
  cloudName(): string {
    const chosen = this.explicitCloud() || this.config.get('default_cloud');
    if (chosen) return chosen;
    const clouds = this.config.clouds();
    return clouds.length === 1 ? clouds[0]! : 'default';
  }

  /** The base URL of the cloud. Throws UsageError if nothing names one. */
  url(): string {
    const cloud = this.cloudName();
    const url = this.globals().url || this.env.OCEANOS_URL || this.config.get(`cloud.${cloud}.url`) || openrcUrl(this.env);
    if (url) return url;
    const known = this.config.clouds();
    const hint = known.length > 0 && !known.includes(cloud) ? ` (configured clouds: ${known.join(', ')})` : '';
    throw new UsageError(`no URL for cloud "${cloud}"${hint}: run \`oceanos config set cloud.${cloud}.url http://HOST:8585\` or pass --url`);
  }

  /** A client without a token, for logging in and public calls. Throws UsageError on a bad URL. */
  anonymousClient(): OceanosClient {
    try {
      return new OceanosClient({ url: this.url() });
    } catch (error) {
      if (error instanceof TypeError) throw new UsageError(error.message);
      throw error;
    }
  }

  /**
   * A client with a token. Logs in with OS_USERNAME/OS_PASSWORD if that is the only way to
   * get one. Throws UsageError if there is no token at all, ApiError if logging in fails.
   */
  async client(): Promise<OceanosClient> {
    const anonymous = this.anonymousClient();
    const cloud = this.cloudName();
    const found: [TokenSource, string | undefined][] = [
      ['option', this.globals().token],
      ['env', this.env.OCEANOS_TOKEN],
      ['config', this.config.get(`cloud.${cloud}.token`)],
    ];
    for (const [source, token] of found) {
      if (!token) continue;
      this.tokenSource = source;
      return anonymous.withToken(token);
    }
    const { OS_USERNAME: name, OS_PASSWORD: password, OS_PROJECT_ID: projectId } = this.env;
    if (this.env.OS_AUTH_URL && name && password) {
      const session = await anonymous.identity.authenticate({ name, password, project: projectId ? { id: projectId } : undefined });
      this.tokenSource = 'openrc';
      return anonymous.withToken(session.token);
    }
    throw new UsageError(`not logged in to cloud "${cloud}": run \`oceanos user authenticate --name NAME --password PASSWORD\` or pass --token`);
  }

  /**
   * Stores a token, the URL it is valid for and its user's name as cloud `cloud`; with
   * `makeDefault`, commands without --cloud use that cloud from now on.
   */
  saveToken(cloud: string, url: string, token: string, user: string | undefined, makeDefault: boolean): void {
    this.config.update({
      [`cloud.${cloud}.url`]: url,
      [`cloud.${cloud}.token`]: token,
      ...(user === undefined ? {} : { [`cloud.${cloud}.user`]: user }),
      ...(makeDefault ? { default_cloud: cloud } : {}),
    });
  }

  /** Who the token in use stands for, in words, for error messages; undefined before client(). */
  identity(): string | undefined {
    switch (this.tokenSource) {
      case 'config': {
        const cloud = this.cloudName();
        const user = this.config.get(`cloud.${cloud}.user`);
        return `${user === undefined ? 'the token' : `user ${user}`} of cloud "${cloud}" (${this.config.path})`;
      }
      case 'openrc': return `user ${this.env.OS_USERNAME} (OS_USERNAME of the sourced openrc)`;
      case 'env': return 'the token in $OCEANOS_TOKEN';
      case 'option': return 'the token of --token';
      default: return undefined;
    }
  }
}

/** `http://h:p/identity/v3` → `http://h:p`, the base URL of the openrc's cloud. */
export function openrcUrl(env: NodeJS.ProcessEnv): string | undefined {
  return env.OS_AUTH_URL?.replace(/\/+$/, '').replace(/\/identity\/v3$/, '') || undefined;
}
