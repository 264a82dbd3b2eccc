// `oceanos serve`: runs the control plane until SIGTERM or SIGINT. On first start it creates
// the admin user and writes DIR/admin-credentials and DIR/admin-openrc.sh (mode 0600).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig, type ConfigSources } from './config.ts';
import { ApiError } from './http/errors.ts';
import { ensureBuiltinImage } from './images/builtin-image.ts';
import { randomPassword } from './identity/secrets.ts';
import { createLogger } from './logging.ts';
import { createControlPlane, type ControlPlane } from './main.ts';

export const ADMIN_USER = 'admin';

/** Creates the admin user if missing; returns its password when it was just created. */
export async function bootstrapAdmin(plane: ControlPlane, password: string | undefined): Promise<{ created: boolean; password?: string; projectId: string; userId: string }> {
  const existing = await plane.identity.listUsers({ name: ADMIN_USER });
  if (existing[0]) return { created: false, projectId: existing[0].defaultProjectId, userId: existing[0].id };
  const chosen = password || randomPassword();
  try {
    const admin = await plane.identity.createUser({ name: ADMIN_USER, password: chosen, isAdmin: true, displayName: 'Cloud administrator' });
    return { created: true, password: chosen, projectId: admin.defaultProjectId, userId: admin.id };
  } catch (error) {
    // Another process created it at the same moment.
    if (error instanceof ApiError && error.kind === 'conflict') return bootstrapAdmin(plane, password);
    throw error;
  }
}

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

export function writeAdminFiles(dataDir: string, baseUrl: string, region: string, password: string, projectId: string): void {
  const authUrl = `${baseUrl}/identity/v3`;
  writeFileSync(join(dataDir, 'admin-credentials'),
    `# oceanos administrator (created on first start)\nusername=${ADMIN_USER}\npassword=${password}\nauth_url=${authUrl}\nproject_id=${projectId}\n`, { mode: 0o600 });
  writeFileSync(join(dataDir, 'admin-openrc.sh'), [
    '# Source me: . admin-openrc.sh && openstack token issue',
    `export OS_AUTH_URL=${authUrl}`,
    'export OS_IDENTITY_API_VERSION=3',
    `export OS_USERNAME=${ADMIN_USER}`,
    `export OS_PASSWORD=${shellQuote(password)}`,
    'export OS_USER_DOMAIN_ID=default',
    `export OS_PROJECT_ID=${projectId}`,
    `export OS_REGION_NAME=${region}`,
    'export OS_INTERFACE=public',
    '',
  ].join('\n'), { mode: 0o600 });
}

export async function serve(sources: ConfigSources): Promise<void> {
  const config = loadConfig(sources);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const plane = await createControlPlane(config, createLogger(config.logLevel, config.logFormat));
  const { logger } = plane;

  await plane.app.listen({ host: config.host, port: config.port });
  const address = plane.app.server.address() as AddressInfo;
  if (config.publicUrl === null && config.port === 0) {
    plane.catalog.setBaseUrl(`http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${address.port}`);
  }

  const admin = await bootstrapAdmin(plane, process.env.OCEANOS_ADMIN_PASSWORD);
  if (admin.created) {
    writeAdminFiles(config.dataDir, plane.catalog.baseUrl, config.region, admin.password!, admin.projectId);
    logger.info({ file: join(config.dataDir, 'admin-openrc.sh') }, 'created the admin user');
  } else if (!existsSync(join(config.dataDir, 'admin-openrc.sh'))) {
    logger.warn('the admin user exists but admin-openrc.sh is missing; reset the password with `oceanos admin user modify admin --password ...`');
  }
  if (config.images.builtin) {
    // A cloud without its first image still serves; the operator hears why.
    await ensureBuiltinImage(plane, admin.userId).catch((error) => logger.warn({ err: error }, 'could not build or register the built-in image'));
  }
  logger.info({ url: plane.catalog.baseUrl, database: plane.database.description, dataDir: config.dataDir }, 'oceanos is serving');
  process.stdout.write(`oceanos is serving at ${plane.catalog.baseUrl} (credentials: ${join(config.dataDir, 'admin-openrc.sh')})\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    plane.close().then(() => process.exit(0), (error) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
