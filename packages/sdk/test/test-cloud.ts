// A real control plane on a random port with a fresh SQLite database, for tests. Its
// compute backend is the in-memory FakeBackend (plane.backend), so servers need no QEMU.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OceanosClient } from '@oceanos/sdk';
import { bootstrapAdmin, createControlPlane, loadConfig, type ControlPlane } from '@oceanos/server';
import { FakeBackend } from '../../server/src/backends/fake/fake-backend.ts';

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
  const plane = await createControlPlane(config, undefined, { backend: new FakeBackend() });
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

export { sshPublicKey } from '../../../test/e2e/ssh-key.ts';

/** A public raw image of 1 MiB, active, made by `admin`: something servers can be created from. */
export async function createTestImage(admin: OceanosClient, name = 'test-image'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'oceanos-test-image-'));
  try {
    await writeFile(join(dir, 'disk.raw'), Buffer.alloc(1024 * 1024));
    const image = await admin.images.create({ name, disk_format: 'raw', container_format: 'bare', visibility: 'public' });
    await admin.images.uploadData(image.id, join(dir, 'disk.raw'));
    return image.id;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
