// A qcow2 (version 3) overlay written directly: an empty image whose every cluster reads from
// a backing file, as `qemu-img create -f qcow2 -b BASE -F FORMAT` makes it. Writing these few
// clusters ourselves spares every VM creation a process spawn, which costs the control plane
// more than the write (a fork copies its page tables). Layout, in 64 KiB clusters:
//   0: header, header extensions (the backing format), the backing file's name
//   1: refcount table, one entry: the refcount block
//   2: refcount block: the clusters of this file each used once
//   3..: L1 table, all zero (no cluster allocated yet)
// See docs/interop/qcow2.txt in QEMU's sources for the format.
import { open } from 'node:fs/promises';

const CLUSTER_BITS = 16;
const CLUSTER = 1 << CLUSTER_BITS;
/** Bytes one L2 table maps: a cluster of 8-byte entries, each mapping a cluster. */
const L2_COVERS = (CLUSTER / 8) * CLUSTER;
const HEADER_LENGTH = 104;
const BACKING_FORMAT_EXTENSION = 0xe2792aca;
/** 16-bit refcounts, as qemu-img makes them. */
const REFCOUNT_ORDER = 4;

/**
 * Writes at `path` (which must not exist) a qcow2 image of `virtualBytes` over `backing` (an
 * absolute path) of `backingFormat`. Throws if the file exists or cannot be written.
 */
export async function writeQcow2Overlay(path: string, backing: string, backingFormat: 'raw' | 'qcow2', virtualBytes: number): Promise<void> {
  const image = qcow2Overlay(backing, backingFormat, virtualBytes);
  const file = await open(path, 'wx');
  try {
    await file.write(image, 0, image.length, 0);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** The overlay's bytes (see writeQcow2Overlay). */
export function qcow2Overlay(backing: string, backingFormat: 'raw' | 'qcow2', virtualBytes: number): Buffer {
  if (!Number.isSafeInteger(virtualBytes) || virtualBytes <= 0 || virtualBytes % 512 !== 0) throw new Error(`qcow2: invalid virtual size ${virtualBytes}`);
  const backingName = Buffer.from(backing);
  const format = Buffer.from(backingFormat);
  const l1Entries = Math.ceil(virtualBytes / L2_COVERS);
  const l1Clusters = Math.ceil((l1Entries * 8) / CLUSTER);
  const clusters = 3 + l1Clusters;
  const extensionsEnd = HEADER_LENGTH + 8 + align8(format.length) + 8;
  if (extensionsEnd + backingName.length > CLUSTER || backingName.length > 1023) throw new Error('qcow2: the backing file name is too long');
  if (clusters > CLUSTER / 2) throw new Error('qcow2: virtual size too large for one refcount block');

  const image = Buffer.alloc(clusters * CLUSTER);
  // Header (big-endian), version 3.
  image.write('QFI\xfb', 0, 'latin1');
  image.writeUInt32BE(3, 4);
  image.writeBigUInt64BE(BigInt(extensionsEnd), 8); // backing_file_offset
  image.writeUInt32BE(backingName.length, 16);
  image.writeUInt32BE(CLUSTER_BITS, 20);
  image.writeBigUInt64BE(BigInt(virtualBytes), 24);
  image.writeUInt32BE(0, 32); // no encryption
  image.writeUInt32BE(l1Entries, 36);
  image.writeBigUInt64BE(BigInt(3 * CLUSTER), 40); // l1_table_offset
  image.writeBigUInt64BE(BigInt(1 * CLUSTER), 48); // refcount_table_offset
  image.writeUInt32BE(1, 56); // refcount_table_clusters
  // nb_snapshots, snapshots_offset, incompatible, compatible and autoclear features: 0.
  image.writeUInt32BE(REFCOUNT_ORDER, 96);
  image.writeUInt32BE(HEADER_LENGTH, 100);
  // Header extensions: the backing file's format, then the end marker.
  image.writeUInt32BE(BACKING_FORMAT_EXTENSION, HEADER_LENGTH);
  image.writeUInt32BE(format.length, HEADER_LENGTH + 4);
  format.copy(image, HEADER_LENGTH + 8);
  backingName.copy(image, extensionsEnd);
  // Refcount table → the block at cluster 2, which counts each cluster of the file once.
  image.writeBigUInt64BE(BigInt(2 * CLUSTER), CLUSTER);
  for (let i = 0; i < clusters; i++) image.writeUInt16BE(1, 2 * CLUSTER + 2 * i);
  return image;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * The backing file an overlay names (absolute, as we write them), or null when the file is
 * not a qcow2 image with one. Reads only the header.
 */
export async function backingFileOf(path: string): Promise<string | null> {
  const file = await open(path, 'r').catch(() => null);
  if (!file) return null;
  try {
    const header = Buffer.alloc(20);
    const { bytesRead } = await file.read(header, 0, 20, 0);
    if (bytesRead < 20 || header.toString('latin1', 0, 4) !== 'QFI\xfb') return null;
    const offset = Number(header.readBigUInt64BE(8));
    const length = header.readUInt32BE(16);
    if (offset === 0 || length === 0 || length > 1023) return null;
    const name = Buffer.alloc(length);
    await file.read(name, 0, length, offset);
    return name.toString();
  } finally {
    await file.close();
  }
}
