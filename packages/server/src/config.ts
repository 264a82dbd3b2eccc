// Control-plane configuration: defaults, then the JSON config file, then environment
// variables, then command-line flags.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { LogFormat } from './logging.ts';

const FileConfig = Type.Object({
  dataDir: Type.Optional(Type.String()),
  listen: Type.Optional(Type.String({ pattern: '^.+:[0-9]+$' })),
  databaseUrl: Type.Optional(Type.String()),
  publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  region: Type.Optional(Type.String({ minLength: 1 })),
  tokenTtlSeconds: Type.Optional(Type.Integer({ minimum: 60 })),
  trustProxy: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
  logLevel: Type.Optional(Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)))),
  logFormat: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('pretty'), Type.Literal('json')])),
  loginThrottle: Type.Optional(Type.Object({
    maxFailuresPerUser: Type.Integer({ minimum: 1 }),
    maxFailuresPerAddress: Type.Integer({ minimum: 1 }),
    maxFailuresPerUserAnywhere: Type.Optional(Type.Integer({ minimum: 1 })),
    windowSeconds: Type.Integer({ minimum: 1 }),
  })),
  quotaDefaults: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 0 }))),
  storage: Type.Optional(Type.Object({
    gcGraceSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    gcIntervalSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    uploadIdleSeconds: Type.Optional(Type.Integer({ minimum: 10 })),
    reserveBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  }, { additionalProperties: false })),
  images: Type.Optional(Type.Object({
    builtin: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false })),
  compute: Type.Optional(Type.Object({
    accel: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('kvm'), Type.Literal('tcg')])),
    qemuBinary: Type.Optional(Type.String({ minLength: 1 })),
    stopTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    consoleTokenSeconds: Type.Optional(Type.Integer({ minimum: 10 })),
    consoleRecheckSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    consoleVncHost: Type.Optional(Type.String({ minLength: 1 })),
    consoleVncPorts: Type.Optional(Type.String({ pattern: '^[0-9]+-[0-9]+$' })),
    reconcileIntervalSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    imageCacheBytes: Type.Optional(Type.Integer({ minimum: 0 })),
    resizeConfirmSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
export type FileConfig = Static<typeof FileConfig>;

export interface Config {
  dataDir: string;
  host: string;
  port: number;
  /** A SQLite file path or a postgres:// URL. */
  databaseUrl: string;
  /** External base URL used in the catalog; derived from the listen address when unset. */
  publicUrl: string | null;
  region: string;
  tokenTtlSeconds: number;
  trustProxy: boolean | string;
  logLevel: string;
  /** logging.ts: `auto` is readable lines when stdout is a terminal, JSON lines otherwise. */
  logFormat: LogFormat;
  /** identity/login-throttle.ts; maxFailuresPerUserAnywhere defaults to 20 × maxFailuresPerUser. */
  loginThrottle: { maxFailuresPerUser: number; maxFailuresPerAddress: number; maxFailuresPerUserAnywhere?: number; windowSeconds: number };
  /** Operator overrides of resources' system defaults, applied at every start. */
  quotaDefaults: Record<string, number>;
  /**
   * Block garbage collection: an unreferenced block is deleted once it is older than the
   * grace period, by a sweep every interval. An upload that makes no progress for
   * uploadIdleSeconds (a client gone quiet, blocks posted for a hashmap that never comes) is
   * over: its quota reservations and its blocks are released within a minute after that.
   * Data writes (blocks, image bases, VM disks) leave reserveBytes of the data directory's
   * filesystem free, for the database: a full disk refuses uploads (507), not logins.
   */
  storage: { gcGraceSeconds: number; gcIntervalSeconds: number; uploadIdleSeconds: number; reserveBytes: number };
  /** Build and register oceanos-tiny on a start that finds no image (OCEANOS_BUILTIN_IMAGE=0 turns it off). */
  images: { builtin: boolean };
  /**
   * The embedded qemu backend. accel `auto` uses KVM only where stock guests boot under it
   * (not on a paravirtual kvm-pvm host) and TCG otherwise; OCEANOS_ACCEL overrides it.
   * A stop waits stopTimeoutSeconds for the guest to power off before a hard stop.
   */
  compute: {
    accel: 'auto' | 'kvm' | 'tcg'; qemuBinary: string; stopTimeoutSeconds: number; consoleTokenSeconds: number;
    /** The database is compared with the backend at start and this often after (0: at start only). */
    reconcileIntervalSeconds: number;
    /** Local copies of images (DIR/images) beyond this are evicted, least recently used first, unless a VM uses them (0: no limit). */
    imageCacheBytes: number;
    /** A resize waiting in VERIFY_RESIZE longer than this is confirmed by the periodic pass (Nova's resize_confirm_window; 0: never). */
    resizeConfirmSeconds: number;
    /** Open consoles check this often that the login that opened them is still valid (console/proxy.ts). */
    consoleRecheckSeconds: number;
    /** The address raw VNC consoles (Cyclades' `console` action) listen on; the control plane's host unless set. */
    consoleVncHost: string;
    /** The one-time ports of raw VNC consoles, both ends included. */
    consoleVncPorts: { first: number; last: number };
  };
}

export interface ConfigSources {
  dataDir?: string;
  listen?: string;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
}

export class ConfigError extends Error {}

function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(at + 1));
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`Invalid listen address: ${listen} (expected HOST:PORT)`);
  return { host, port };
}

function portRange(range: string): { first: number; last: number } {
  const [first, last] = range.split('-').map(Number) as [number, number];
  if (!(first >= 1 && first <= last && last <= 65535)) throw new ConfigError(`Invalid compute.consoleVncPorts: ${range} (expected FIRST-LAST, 1-65535)`);
  return { first, last };
}

function accelOf(value: string | undefined): Config['compute']['accel'] | undefined {
  if (!value) return undefined;
  if (value === 'auto' || value === 'kvm' || value === 'tcg') return value;
  throw new ConfigError(`Invalid OCEANOS_ACCEL: ${value} (expected auto, kvm or tcg)`);
}

function logFormatOf(value: string | undefined): LogFormat | undefined {
  if (!value) return undefined;
  if (value === 'auto' || value === 'pretty' || value === 'json') return value;
  throw new ConfigError(`Invalid OCEANOS_LOG_FORMAT: ${value} (expected auto, pretty or json)`);
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  let file: FileConfig = {};
  if (sources.configFile) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(sources.configFile, 'utf8'));
    } catch (error) {
      throw new ConfigError(`Cannot read config file ${sources.configFile}: ${(error as Error).message}`);
    }
    if (!Value.Check(FileConfig, parsed)) {
      const first = [...Value.Errors(FileConfig, parsed)][0];
      throw new ConfigError(`Invalid config file ${sources.configFile}: ${first?.instancePath || '/'} ${first?.message ?? ''}`.trim());
    }
    file = parsed;
  }
  const dataDir = resolve(sources.dataDir ?? file.dataDir ?? './data');
  const { host, port } = splitListen(sources.listen ?? file.listen ?? '127.0.0.1:8585');
  return {
    dataDir,
    host,
    port,
    databaseUrl: env.OCEANOS_DATABASE_URL || file.databaseUrl || join(dataDir, 'db.sqlite'),
    publicUrl: (env.OCEANOS_PUBLIC_URL || file.publicUrl || null)?.replace(/\/+$/, '') ?? null,
    region: file.region ?? 'default',
    tokenTtlSeconds: file.tokenTtlSeconds ?? 24 * 3600,
    trustProxy: file.trustProxy ?? false,
    logLevel: env.OCEANOS_LOG_LEVEL || file.logLevel || 'info',
    logFormat: logFormatOf(env.OCEANOS_LOG_FORMAT) ?? file.logFormat ?? 'auto',
    loginThrottle: file.loginThrottle ?? { maxFailuresPerUser: 5, maxFailuresPerAddress: 50, windowSeconds: 300 },
    quotaDefaults: file.quotaDefaults ?? {},
    storage: {
      gcGraceSeconds: file.storage?.gcGraceSeconds ?? 24 * 3600,
      gcIntervalSeconds: file.storage?.gcIntervalSeconds ?? 3600,
      uploadIdleSeconds: file.storage?.uploadIdleSeconds ?? 600,
      reserveBytes: file.storage?.reserveBytes ?? 512 * 1024 * 1024,
    },
    images: { builtin: env.OCEANOS_BUILTIN_IMAGE ? env.OCEANOS_BUILTIN_IMAGE !== '0' : file.images?.builtin ?? true },
    compute: {
      accel: accelOf(env.OCEANOS_ACCEL) ?? file.compute?.accel ?? 'auto',
      qemuBinary: file.compute?.qemuBinary ?? 'qemu-system-x86_64',
      stopTimeoutSeconds: file.compute?.stopTimeoutSeconds ?? 60,
      reconcileIntervalSeconds: file.compute?.reconcileIntervalSeconds ?? 60,
      imageCacheBytes: file.compute?.imageCacheBytes ?? 20 * 1024 ** 3,
      resizeConfirmSeconds: file.compute?.resizeConfirmSeconds ?? 3600,
      consoleTokenSeconds: file.compute?.consoleTokenSeconds ?? 300,
      consoleRecheckSeconds: file.compute?.consoleRecheckSeconds ?? 30,
      consoleVncHost: file.compute?.consoleVncHost ?? host,
      consoleVncPorts: portRange(file.compute?.consoleVncPorts ?? '15900-15999'),
    },
  };
}
