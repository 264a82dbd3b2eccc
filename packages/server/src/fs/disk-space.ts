// Free space on the data directory's filesystem, with a reserve that data writes never use
// (Swift's fallocate_reserve): when objects, images and VM disks have filled the disk, the
// database still has room, so that logins and metadata changes keep working, and writing
// resumes by itself once space returns.
import { statfs } from 'node:fs/promises';
import { ApiError } from '../http/errors.ts';

/** A data write that would eat into the reserve (or met ENOSPC): 507 Insufficient Storage. */
export class InsufficientStorage extends ApiError {
  constructor(message = 'The cloud is out of storage space: the write was refused and nothing was lost. Try again later, or ask the operator.') {
    super('insufficientStorage', message);
  }
}

/** Whether an error of a write means the disk (or a disk quota) is full. */
export const isDiskFull = (error: unknown) => ['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException)?.code ?? '');

export interface SpaceReport { totalBytes: number; freeBytes: number; reserveBytes: number }

export class DiskSpace {
  constructor(private readonly dir: string, readonly reserveBytes: number) {}

  async report(): Promise<SpaceReport> {
    const s = await statfs(this.dir);
    return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize, reserveBytes: this.reserveBytes };
  }

  /** Throws InsufficientStorage unless `bytes` more can be written leaving the reserve free. */
  async ensureRoom(bytes: number): Promise<void> {
    if ((await this.report()).freeBytes - bytes < this.reserveBytes) throw new InsufficientStorage();
  }
}
