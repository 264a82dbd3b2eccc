// The backend contract on the real QemuBackend: detached QEMU processes under TCG (KVM hangs
// stock kernels on this project's hosts) booting the oceanos-tiny guest that
// guest/build-tiny-image.sh builds, in a temporary data directory. Skipped, saying why,
// where QEMU or the image's build tools are missing (but not under CI).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ImageSource } from '../src/backends/backend.ts';
import { QemuBackend } from '../src/backends/qemu/qemu-backend.ts';
import { missingTools } from '../../../test/e2e/tools.ts';
import { backendContract } from './backend-contract.ts';

const BUILDER = fileURLToPath(new URL('../../../guest/build-tiny-image.sh', import.meta.url));

/** The tiny guest image as an ImageSource: its bytes from the builder's cache, keyed by their SHA-256. */
async function tinyImage(): Promise<ImageSource> {
  const { stdout } = await promisify(execFile)('bash', [BUILDER], { maxBuffer: 1 << 20 });
  const path = stdout.trim().split('\n').at(-1)!;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return {
    contentKey: hash.digest('hex'),
    format: 'raw',
    size: (await stat(path)).size,
    read: () => createReadStream(path, { highWaterMark: 1 << 20 }),
  };
}

const missing = missingTools(['qemu-system-x86_64', 'qemu-img', 'genisoimage', 'mformat', 'syslinux', 'sfdisk', 'cpio']);
if (missing) {
  it('backend contract: qemu', { skip: missing }, () => {});
} else {
  backendContract('qemu', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oceanos-backend-qemu-'));
    const backend = new QemuBackend({ vmsDir: join(dir, 'vms'), imagesDir: join(dir, 'images'), accel: 'tcg' });
    return {
      backend,
      image: await tinyImage(),
      // No QEMU may outlive the test, whatever step failed.
      async cleanup() {
        for (const vm of await backend.list()) await backend.destroy(vm.id);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }, { bootTimeoutMs: 120_000, stopTimeoutMs: 30_000 });
}
