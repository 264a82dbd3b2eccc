// Base images under DIR/<contentKey>.<format>, one local copy per content, which VM disks
// use as their copy-on-write backing file. A copy is written to DIR/tmp, fsynced and renamed
// into place, so a crash never leaves a partial base under a valid name.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { removeOlderThan, syncDir } from '../../fs/durable.ts';
import { BackendError, type ImageSource } from '../backend.ts';

/** A content key names a file: nothing that could climb out of the directory. */
const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;
/** Runs of zeros this long are skipped rather than written: raw images stay sparse. */
const SPARSE_STEP = 64 * 1024;
const ZEROS = Buffer.alloc(SPARSE_STEP);
/** Temporary files older than this belong to a writer that died (a live one keeps writing). */
const STALE_TMP_MS = 60 * 60 * 1000;

export class ImageCache {
  private readonly tmpDir: string;
  /** Writes in progress, by file name: concurrent callers for one image share one copy. */
  private readonly writing = new Map<string, Promise<string>>();
  private purged = false;

  /** `dir` is DIR/images; it is created on first use. */
  constructor(private readonly dir: string) {
    this.tmpDir = join(dir, 'tmp');
  }

  /**
   * Path of a complete local copy of the image (format image.format), written once per
   * contentKey: concurrent calls for one key share one write. Throws BackendError
   * 'insufficientResources' when the disk is full, BackendError 'failed' when the image's
   * bytes do not come to its size or its key is not a plain name; in every failure the
   * temporary file is removed and no base is left.
   */
  async base(image: ImageSource): Promise<string> {
    if (!SAFE_KEY.test(image.contentKey)) throw new BackendError(`image content key ${JSON.stringify(image.contentKey)} is not a plain name`);
    if (image.format !== 'raw' && image.format !== 'qcow2') throw new BackendError(`image format ${JSON.stringify(image.format)} is neither raw nor qcow2`);
    const name = `${image.contentKey}.${image.format}`;
    // Registered before any await, so that a second caller finds it.
    let pending = this.writing.get(name);
    if (!pending) {
      pending = this.ensure(image, join(this.dir, name)).finally(() => this.writing.delete(name));
      this.writing.set(name, pending);
    }
    return pending;
  }

  private async ensure(image: ImageSource, path: string): Promise<string> {
    if (await stat(path).then(() => true, () => false)) return path;
    return this.write(image, path);
  }

  private async write(image: ImageSource, path: string): Promise<string> {
    await mkdir(this.tmpDir, { recursive: true });
    await this.purgeStale();
    const tmp = join(this.tmpDir, `${image.contentKey}.${randomBytes(6).toString('hex')}`);
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
    return path;
  }

  /** Removes what writers killed mid-copy left in DIR/tmp, once per process. */
  private async purgeStale(): Promise<void> {
    if (this.purged) return;
    this.purged = true;
    await removeOlderThan(this.tmpDir, new Date(Date.now() - STALE_TMP_MS));
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
