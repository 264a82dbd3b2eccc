// A real control plane on a random port with a fresh SQLite database, for tests. Its
// compute backend is the in-memory FakeBackend (plane.backend), so servers need no QEMU.
import { generateKeyPairSync } from 'node:crypto';
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

/** An OpenSSH public key line of a fresh ed25519 key, as `ssh-keygen` would write it. */
export function sshPublicKey(comment = 'test@oceanos'): string {
  const raw = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const field = (data: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} ${comment}`;
}

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
