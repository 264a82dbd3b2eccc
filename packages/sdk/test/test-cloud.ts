// A real control plane on a random port with a fresh SQLite database, for tests.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapAdmin, createControlPlane, loadConfig, type ControlPlane } from '@oceanos/server';

export const ADMIN_PASSWORD = 'admin-pass';

export interface TestCloud {
  url: string;
  plane: ControlPlane;
  close(): Promise<void>;
}

export async function startTestCloud(): Promise<TestCloud> {
  const dataDir = await mkdtemp(join(tmpdir(), 'oceanos-sdk-test-'));
  const config = loadConfig({ dataDir, listen: '127.0.0.1:0', env: {} });
  config.logLevel = 'silent';
  const plane = await createControlPlane(config);
  await plane.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(plane.app.server.address() as AddressInfo).port}`;
  plane.catalog.setBaseUrl(url);
  await bootstrapAdmin(plane, ADMIN_PASSWORD);
  return {
    url,
    plane,
    async close() {
      await plane.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
