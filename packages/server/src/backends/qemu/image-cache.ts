// Base images under DIR/<contentKey>.<format>, one local copy per content, which VM disks
// use as their copy-on-write backing file. A copy is written to DIR/tmp, fsynced and renamed
// into place, so a crash never leaves a partial base under a valid name; what a dead writer
// left in DIR/tmp goes at start (a copy's name carries its writer's pid: another process
// sharing the data directory may be copying at that moment). The cache keeps under a size limit by evicting the least recently
// used bases that no VM disk uses (nor a create about to use), and makes room the same way
// before a copy would eat the disk's reserve.
import { randomBytes } from 'node:crypto';
import { mkdir, open, opendir, rename, rm, stat, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiskSpace } from '../../fs/disk-space.ts';
import { syncDir } from '../../fs/durable.ts';
import { BackendError, type ImageSource } from '../backend.ts';

/** A content key names a file: nothing that could climb out of the directory. */
const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;
const BASE_NAME = /^[A-Za-z0-9_-]{1,128}\.(raw|qcow2)$/;
/** Runs of zeros this long are skipped rather than written: raw images stay sparse. */
const SPARSE_STEP = 64 * 1024;
const ZEROS = Buffer.alloc(SPARSE_STEP);
/** `<contentKey>.<writer's pid>.<random>`. */
const TMP_NAME = /^[A-Za-z0-9_-]{1,128}\.(\d+)\.[0-9a-f]+$/;
/** A copy this old whose writer's pid is alive belongs to another program that reused a dead writer's pid. */
const STALE_TMP_MS = 60 * 60 * 1000;

export interface ImageCacheOptions {
  /** The most bytes (on disk) the bases may take; beyond it unused ones are evicted. 0: no limit. */
  limitBytes: number;
  /** The bases (absolute paths) that VM disks use: never evicted. */
  inUse(): Promise<Set<string>>;
  /** Copies leave the filesystem's reserve free. */
  space?: Pick<DiskSpace, 'report' | 'reserveBytes'>;
}

export interface CacheReport { bytes: number; limitBytes: number; bases: number }

interface Base { path: string; bytes: number; usedAt: number }

export class ImageCache {
  private readonly tmpDir: string;
  /** Writes in progress, by file name: concurrent callers for one image share one copy. */
  private readonly writing = new Map<string, Promise<string>>();
  /** Bases handed to a create that has not written its disk yet, with how many such creates. */
  private readonly pinned = new Map<string, number>();
  private readonly started: Promise<void>;

  /** `dir` is DIR/images; it is created on first use. What dead writers left in DIR/tmp goes now. */
  constructor(private readonly dir: string, private readonly options: ImageCacheOptions) {
    this.tmpDir = join(dir, 'tmp');
    // A failed clean-up leaves the files for the next start; it must not stop copies.
    this.started = removeDeadWriters(this.tmpDir).catch(() => undefined);
  }

  /**
   * Path of a complete local copy of the image (format image.format), written once per
   * contentKey: concurrent calls for one key share one write. The base stays pinned (never
   * evicted) until `release`. Throws BackendError 'insufficientResources' when the disk is
   * full, BackendError 'failed' when the image's bytes do not come to its size or its key is
   * not a plain name; in every failure the temporary file is removed and no base is left.
   */
  async base(image: ImageSource): Promise<string> {
    if (!SAFE_KEY.test(image.contentKey)) throw new BackendError(`image content key ${JSON.stringify(image.contentKey)} is not a plain name`);
    if (image.format !== 'raw' && image.format !== 'qcow2') throw new BackendError(`image format ${JSON.stringify(image.format)} is neither raw nor qcow2`);
    const name = `${image.contentKey}.${image.format}`;
    const path = join(this.dir, name);
    // Pinned and registered before any await, so that neither an eviction nor a second caller misses it.
    this.pin(path);
    let pending = this.writing.get(name);
    if (!pending) {
      pending = this.ensure(image, path).finally(() => this.writing.delete(name));
      this.writing.set(name, pending);
    }
    return pending.catch((error) => {
      this.release(path);
      throw error;
    });
  }

  /** The create that asked for `path` made its disk (or failed): the base may be evicted again. */
  release(path: string): void {
    const count = (this.pinned.get(path) ?? 1) - 1;
    if (count > 0) this.pinned.set(path, count);
    else this.pinned.delete(path);
  }

  async report(): Promise<CacheReport> {
    const bases = await this.bases();
    return { bytes: bases.reduce((sum, b) => sum + b.bytes, 0), limitBytes: this.options.limitBytes, bases: bases.length };
  }

  /** Evicts unused bases, least recently used first, until they take at most `limit` bytes. */
  async prune(limit = this.options.limitBytes): Promise<number> {
    const bases = await this.bases();
    let total = bases.reduce((sum, b) => sum + b.bytes, 0);
    if (total <= limit) return 0;
    const used = await this.options.inUse();
    let evicted = 0;
    for (const base of bases.sort((a, b) => a.usedAt - b.usedAt)) {
      if (total <= limit) break;
      if (used.has(base.path) || this.pinned.has(base.path)) continue;
      await rm(base.path, { force: true });
      total -= base.bytes;
      evicted++;
    }
    return evicted;
  }

  private async ensure(image: ImageSource, path: string): Promise<string> {
    await this.started;
    const now = new Date();
    // A hit marks the base as just used, for the least-recently-used order.
    if (await utimes(path, now, now).then(() => true, () => false)) return path;
    await this.makeRoom(image.size);
    await this.write(image, path);
    if (this.options.limitBytes > 0) await this.prune();
    return path;
  }

  /** Evicts unused bases if a copy of `bytes` would eat the disk's reserve; throws if that is not enough. */
  private async makeRoom(bytes: number): Promise<void> {
    const space = this.options.space;
    if (!space) return;
    const { freeBytes } = await space.report();
    const short = bytes + space.reserveBytes - freeBytes;
    if (short <= 0) return;
    const bases = await this.bases();
    await this.prune(Math.max(0, bases.reduce((sum, b) => sum + b.bytes, 0) - short));
    if ((await space.report()).freeBytes - bytes < space.reserveBytes) {
      throw new BackendError(`not enough disk space on the host for an image of ${bytes} bytes`, 'insufficientResources');
    }
  }

  private async write(image: ImageSource, path: string): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, `${image.contentKey}.${process.pid}.${randomBytes(6).toString('hex')}`);
    const file = await open(tmp, 'wx', 0o644);
    try {
      const written = await copySparse(image.read(), file);
      if (written !== image.size) throw new BackendError(`image ${image.contentKey} gave ${written} bytes, not its size ${image.size}`);
      await file.truncate(written);
      await file.sync();
      await file.close();
      await rename(tmp, path);
    } catch (error) {
      await file.close().catch(() => {});
      await rm(tmp, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw new BackendError(`not enough disk space for image ${image.contentKey} (${image.size} bytes)`, 'insufficientResources');
      throw error;
    }
    await syncDir(this.dir);
  }

  /** The complete bases on disk, with the bytes they take and when they were last used. */
  private async bases(): Promise<Base[]> {
    const out: Base[] = [];
    const entries = await opendir(this.dir).catch(() => null);
    if (!entries) return out;
    for await (const entry of entries) {
      if (!entry.isFile() || !BASE_NAME.test(entry.name)) continue;
      const path = join(this.dir, entry.name);
      const info = await stat(path).catch(() => null);
      if (info) out.push({ path, bytes: info.blocks * 512, usedAt: info.mtimeMs });
    }
    return out;
  }

  private pin(path: string): void {
    this.pinned.set(path, (this.pinned.get(path) ?? 0) + 1);
  }
}

/** Removes the partial copies of writers that are gone (and anything not named as a copy). */
async function removeDeadWriters(tmpDir: string): Promise<void> {
  const entries = await opendir(tmpDir).catch(() => null);
  if (!entries) return;
  const staleBefore = Date.now() - STALE_TMP_MS;
  for await (const entry of entries) {
    const path = join(tmpDir, entry.name);
    const pid = Number(TMP_NAME.exec(entry.name)?.[1] ?? 0);
    const info = await stat(path).catch(() => null);
    if (!info) continue;
    // Our own pid: a run before ours that had it (this cache has written nothing yet).
    if (pid === 0 || pid === process.pid || !alive(pid) || info.mtimeMs < staleBefore) await rm(path, { recursive: true, force: true });
  }
}

/** Whether a process `pid` exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes the chunks in order, leaving holes where 64 KiB steps are all zeros; returns the byte count. */
async function copySparse(chunks: AsyncIterable<Buffer>, file: FileHandle): Promise<number> {
  let position = 0;
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += SPARSE_STEP) {
      const step = chunk.subarray(at, at + SPARSE_STEP);
      if (!ZEROS.subarray(0, step.length).equals(step)) await writeAll(file, step, position + at);
    }
    position += chunk.length;
  }
  return position;
}

async function writeAll(file: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let done = 0; done < data.length;) {
    const { bytesWritten } = await file.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}
