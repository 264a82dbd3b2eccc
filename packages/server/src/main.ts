// The composition root: wires the database, services and HTTP edge. No logic lives here.
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Backend } from './backends/backend.ts';
import { QemuBackend } from './backends/qemu/qemu-backend.ts';
import { ServiceCatalog } from './catalog/catalog.ts';
import { FlavorService } from './compute/flavor-service.ts';
import { KeypairService } from './compute/keypair-service.ts';
import { ServerService } from './compute/server-service.ts';
import { attachConsoleProxy, type ConsoleProxy } from './console/proxy.ts';
import { RawVncProxy } from './console/raw-proxy.ts';
import { ConsoleService } from './console/service.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { DiskSpace } from './fs/disk-space.ts';
import { migrate } from './db/migrator.ts';
import { buildHttpServer, type App } from './http/app.ts';
import { makeAuthenticate } from './http/auth.ts';
import { apiFamilies } from './families.ts';
import { LoginThrottle } from './identity/login-throttle.ts';
import { IdentityService } from './identity/service.ts';
import { ImageService } from './images/service.ts';
import { JobQueue } from './jobs/job-queue.ts';
import { QuotaService } from './quota/service.ts';
import type { GarbageCollector } from './storage/garbage-collector.ts';
import { LocalBlockStore } from './storage/local-block-store.ts';
import { PithosService } from './storage/service.ts';
import { COMPUTE_RESOURCES, IDENTITY_RESOURCES, STORAGE_RESOURCES } from './quota/standard-resources.ts';

export interface ControlPlane {
  app: App;
  database: Database;
  identity: IdentityService;
  quota: QuotaService;
  pithos: PithosService;
  images: ImageService;
  collector: GarbageCollector;
  catalog: ServiceCatalog;
  jobs: JobQueue;
  backend: Backend;
  flavors: FlavorService;
  keypairs: KeypairService;
  servers: ServerService;
  consoles: ConsoleService;
  consoleProxy: ConsoleProxy;
  logger: Logger;
  close(): Promise<void>;
}

/** Parts a test may replace (a fake backend); production uses the defaults. */
export interface PlaneParts { backend?: Backend }

export async function createControlPlane(config: Config, logger: Logger = pino({ level: config.logLevel }), parts: PlaneParts = {}): Promise<ControlPlane> {
  const database = openDatabase(config.databaseUrl);
  try {
    const applied = await migrate(database);
    if (applied.length) logger.info({ applied }, 'database migrated');

    const throttle = new LoginThrottle(database, config.loginThrottle);
    const identity = new IdentityService(database, { tokenTtlSeconds: config.tokenTtlSeconds }, throttle);
    const quota = new QuotaService(database, identity);
    // Compute and storage resources are registered now so that limits can be set before those
    // services are deployed; each service re-registers its own when it starts.
    await quota.registerResources([...IDENTITY_RESOURCES, ...COMPUTE_RESOURCES, ...STORAGE_RESOURCES]);
    for (const [name, value] of Object.entries(config.quotaDefaults)) await quota.setResourceDefaults(name, { systemDefault: value });

    const space = new DiskSpace(config.dataDir, config.storage.reserveBytes);
    const blocks = new LocalBlockStore(join(config.dataDir, 'blocks'), space);
    const pithos = new PithosService(database, blocks, quota, logger, {
      gcGraceMs: config.storage.gcGraceSeconds * 1000, uploadLeaseMs: config.storage.uploadIdleSeconds * 1000,
    });
    await pithos.start();
    const images = new ImageService(database, pithos, logger);
    await images.start();
    const collector = pithos.collector;

    const jobs = new JobQueue(database, logger);
    const backend = parts.backend ?? new QemuBackend({
      vmsDir: join(config.dataDir, 'vms'), imagesDir: join(config.dataDir, 'images'),
      accel: config.compute.accel, qemuBinary: config.compute.qemuBinary, logger, imageCacheBytes: config.compute.imageCacheBytes, space,
    });
    const flavors = new FlavorService(database);
    const keypairs = new KeypairService(database);

    const baseUrl = config.publicUrl ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${config.port}`;
    const catalog = new ServiceCatalog(baseUrl, config.region);
    const consoles = new ConsoleService(database, identity, { ttlSeconds: config.compute.consoleTokenSeconds, url: (path) => catalog.url(path) });
    const servers = new ServerService({
      database, quota, images, pithos, flavors, keypairs, backend, jobs, consoles, logger,
      options: {
        stopTimeoutMs: config.compute.stopTimeoutSeconds * 1000, reconcileMs: config.compute.reconcileIntervalSeconds * 1000,
        resizeConfirmMs: config.compute.resizeConfirmSeconds * 1000,
      },
    });
    servers.registerJobs();
    const authenticate = makeAuthenticate(identity);
    const app = await buildHttpServer({
      logger,
      trustProxy: config.trustProxy,
      families: apiFamilies({
        identity, quota, pithos, images, catalog, authenticate, flavors, keypairs, servers,
        capacity: async () => ({ disk: await space.report(), storage: { keptBytes: await pithos.housekeeping.keptBytes() }, compute: await servers.backendCapacity() }),
      }),
    });
    const consoleProxy = attachConsoleProxy(app.server, {
      consoles, socketFor: (id) => servers.consoles.socket(id), logger, recheckMs: config.compute.consoleRecheckSeconds * 1000,
    });
    const rawConsoles = new RawVncProxy({
      consoles, socketFor: (id) => servers.consoles.socket(id), logger, listenHost: config.compute.consoleVncHost,
      ports: config.compute.consoleVncPorts, ttlMs: config.compute.consoleTokenSeconds * 1000, recheckMs: config.compute.consoleRecheckSeconds * 1000,
    });
    consoles.serveRawConsoles({ host: new URL(baseUrl).hostname.replace(/^\[(.*)\]$/, '$1'), open: (password) => rawConsoles.open(password) });
    identity.onLoginsEnded((ended) => {
      consoleProxy.endLogins(ended);
      rawConsoles.endLogins(ended);
    });
    await jobs.start();
    await servers.start().catch(async (error) => {
      await jobs.close();
      throw error;
    });

    const purge = setInterval(() => {
      identity.purgeExpiredTokens().catch((error) => logger.warn({ err: error }, 'token purge failed'));
      throttle.purge().catch((error) => logger.warn({ err: error }, 'login throttle purge failed'));
    }, 3600_000);
    purge.unref();
    pithos.housekeeping.startSweeping(config.storage.gcIntervalSeconds * 1000);

    return {
      app, database, identity, quota, pithos, images, collector, catalog, jobs, backend, flavors, keypairs, servers, consoles, consoleProxy, logger,
      async close() {
        clearInterval(purge);
        consoleProxy.close();
        rawConsoles.close();
        servers.stop();
        await jobs.close();
        await pithos.close();
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
