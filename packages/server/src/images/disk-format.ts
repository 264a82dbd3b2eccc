// What we accept as an image's disk, checked from the file's first bytes. A qcow2 may not
// name a backing file or an external data file: QEMU would open that path on the host when it
// boots the image, so an uploaded image could read any file of the host.

export const DISK_FORMATS = ['raw', 'qcow2', 'diskdump'] as const;
export const CONTAINER_FORMATS = ['bare', 'ovf'] as const;

/** Bytes of the file's start that `inspect` needs. */
export const HEADER_BYTES = 512;

const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"
const EXTERNAL_DATA_FILE = 1n << 2n;

/**
 * Checks that the file's head fits the declared format; returns the virtual size (what the
 * guest sees as its disk) or throws with the reason.
 */
export function inspect(format: string, head: Buffer, fileSize: number): number {
  if (format !== 'qcow2') return fileSize;
  if (head.length < 104 || head.readUInt32BE(0) !== QCOW2_MAGIC) throw new Error('the data is not a qcow2 image');
  const version = head.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw new Error(`qcow2 version ${version} is not supported`);
  if (head.readBigUInt64BE(8) !== 0n) throw new Error('qcow2 images with a backing file are not accepted');
  if (version === 3 && (head.readBigUInt64BE(72) & EXTERNAL_DATA_FILE) !== 0n) throw new Error('qcow2 images with an external data file are not accepted');
  const virtualSize = head.readBigUInt64BE(24);
  if (virtualSize === 0n || virtualSize > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('the qcow2 header gives an invalid disk size');
  return Number(virtualSize);
}
