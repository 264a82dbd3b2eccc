// The image a new cloud boots at once: oceanos-tiny, built from Debian packages by
// guest/build-tiny-image.sh and registered, public, on the first start that finds no image.
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { PithosService } from '../storage/service.ts';
import { UPLOAD_CONTAINER, type ImageService } from './service.ts';

export const BUILTIN_IMAGE = 'oceanos-tiny';
const BUILDER = fileURLToPath(new URL('../../../../guest/build-tiny-image.sh', import.meta.url));
const FILE = { container: UPLOAD_CONTAINER, name: 'oceanos-tiny.raw' };

/** The properties Synnefo's UI and snf-image read; see guest/README.md for what the guest does. */
const PROPERTIES = {
  OS: 'busybox', OSFAMILY: 'linux', ROOT_PARTITION: '1', USERS: 'root',
  DESCRIPTION: 'Debian kernel and busybox; reads config drives, DHCP and SLAAC on every NIC, root shell on the serial console',
};

/**
 * Builds (or takes from the builder's cache) the tiny image and registers it as `owner`'s
 * public image, unless the cloud already has an image. Returns the image id, or null.
 */
export async function ensureBuiltinImage(deps: { images: ImageService; pithos: PithosService; logger: Logger }, owner: string): Promise<string | null> {
  const { images, pithos, logger } = deps;
  if ((await images.count()) > 0) return null;
  const started = Date.now();
  const { stdout } = await promisify(execFile)('bash', [BUILDER], { maxBuffer: 1 << 20 });
  const built = stdout.trim().split('\n').at(-1)!;

  await pithos.accounts.putContainer(owner, owner, FILE.container, {}, { set: {}, remove: [] });
  const path = { account: owner, ...FILE };
  const upload = await pithos.writer.begin(path, null);
  const stored = await pithos.writer.storeStream(createReadStream(built, { highWaterMark: 1 << 20 }), upload);
  await pithos.writer.commit(path, { ...stored, contentType: 'application/octet-stream', metadata: {}, manifest: null }, { modifiedBy: owner, upload });
  const { image } = await images.register({ user: owner, admin: true }, path, {
    // Protected, so that deleting it takes a deliberate step (`protected: false` first).
    name: BUILTIN_IMAGE, visibility: 'public', disk_format: 'raw', container_format: 'bare', protected: true, properties: PROPERTIES,
  }, {});
  logger.info({ image: image.id, size: image.size, ms: Date.now() - started }, `registered the built-in image ${BUILTIN_IMAGE}`);
  return image.id;
}
