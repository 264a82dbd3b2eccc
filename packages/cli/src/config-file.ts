// The CLI's configuration: a flat JSON object of kamaki-style keys (`default_cloud`,
// `cloud.<name>.url`, `cloud.<name>.token`, `cloud.<name>.user`). A "cloud" is a profile: one
// URL with one user's token, so several users of one cloud are several clouds here. It holds
// tokens, so it is written with mode 0600.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, UsageError } from './usage-error.ts';

const CLOUD_KEY = /^cloud\.([A-Za-z0-9_-]+)\.(url|token|user)$/;

/** Whether `name` can be a cloud's name in a key. */
export const isCloudName = (name: string): boolean => /^[A-Za-z0-9_-]+$/.test(name);

/** $OCEANOS_CONFIG, else $XDG_CONFIG_HOME/oceanos/config.json, else ~/.config/oceanos/config.json. */
export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.OCEANOS_CONFIG) return env.OCEANOS_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'oceanos', 'config.json');
}

/** Throws UsageError for keys the CLI would never read, so that typos do not go unnoticed. */
export function checkKey(key: string): void {
  if (key === 'default_cloud' || CLOUD_KEY.test(key)) return;
  throw new UsageError(`unknown config key: ${key} (known: default_cloud, cloud.<name>.url, cloud.<name>.token, cloud.<name>.user)`);
}

export class ConfigFile {
  private values: Record<string, string>;

  /** Reads the file; a missing file is an empty config. Throws CliError if it is not valid. */
  constructor(readonly path: string) {
    this.values = ConfigFile.read(path);
  }

  get(key: string): string | undefined {
    return Object.hasOwn(this.values, key) ? this.values[key] : undefined;
  }

  entries(): [string, string][] {
    return Object.entries(this.values).sort(([a], [b]) => a.localeCompare(b));
  }

  /** Names of the clouds that have at least one key. */
  clouds(): string[] {
    return [...new Set(Object.keys(this.values).flatMap((k) => CLOUD_KEY.exec(k)?.[1] ?? []))].sort();
  }

  /** Sets (or, with undefined, deletes) keys and writes the file at once. */
  update(changes: Record<string, string | undefined>): void {
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) delete this.values[key];
      else this.values[key] = value;
    }
    this.write();
  }

  private write(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    // Written aside then renamed, so that a crash never leaves half a file (or lost tokens).
    const temporary = `${this.path}.${process.pid}.tmp`;
    const sorted = Object.fromEntries(this.entries());
    writeFileSync(temporary, `${JSON.stringify(sorted, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.path);
  }

  private static read(path: string): Record<string, string> {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new CliError(`cannot read config file ${path}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CliError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
    }
    const valid = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string');
    if (!valid) throw new CliError(`config file ${path} should be a JSON object of strings`);
    return { ...(parsed as Record<string, string>) };
  }
}
