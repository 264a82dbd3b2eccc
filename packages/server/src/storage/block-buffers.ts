// Memory for blocks on their way into the store. A fresh 4 MiB buffer per block costs more
// than everything else an upload does on the event loop: the allocator maps new pages for
// each, and the kernel faults every one of them in (a GiB of uploads: 0.8 s of copying into
// new memory against 0.03 s into reused memory, measured on these machines). So blocks are
// kept and reused. They live in shared memory, which hash workers read in place, and each
// starts where the block store can write it without the page cache (see `align`).
import { BLOCK_SIZE } from '@oceanos/contract';

/** A block's memory, on loan until `release`. */
export interface BlockBuffer {
  /** The bytes of the block (a view of `blockSize` bytes, or fewer for the last block). */
  data: Buffer;
  release(): void;
}

/** Free buffers kept for reuse; beyond this they are left to the garbage collector. */
const MAX_IDLE = 32;
/** How far into its memory a buffer may start, to find an aligned address. */
export const ALIGN_SLACK = 4096;

export class BlockBuffers {
  private readonly idle: Buffer[] = [];
  /** Where each buffer's aligned view starts in its memory (absent: not known aligned). */
  private readonly alignedAt = new WeakMap<ArrayBufferLike, number>();

  /**
   * `align` finds where in new memory a buffer starts at an address the store can write
   * directly (undefined: nowhere, or the store writes through the page cache anyway).
   */
  constructor(
    readonly blockSize = BLOCK_SIZE,
    private readonly align: (memory: SharedArrayBuffer) => number | undefined = () => undefined,
  ) {}

  /** A buffer of `blockSize` bytes with whatever it held before. */
  take(): Buffer {
    const reused = this.idle.pop();
    if (reused) return reused;
    const memory = new SharedArrayBuffer(this.blockSize + ALIGN_SLACK);
    const offset = this.align(memory);
    const buffer = Buffer.from(memory, offset ?? 0, this.blockSize);
    if (offset !== undefined) this.alignedAt.set(memory, offset);
    return buffer;
  }

  /** Takes back a buffer from `take` (or a view of it) that nothing uses any more. */
  give(buffer: Buffer): void {
    if (this.idle.length >= MAX_IDLE) return;
    const start = this.alignedAt.get(buffer.buffer) ?? 0;
    this.idle.push(Buffer.from(buffer.buffer, start, this.blockSize));
  }

  /** Whether `data` starts where its memory was found aligned for the store. */
  isAligned(data: Buffer): boolean {
    return this.alignedAt.get(data.buffer) === data.byteOffset;
  }

  /**
   * Cuts a stream of chunks into blocks of `blockSize` bytes (the last may be shorter), each
   * filled by one copy of the chunks into a reused buffer. The consumer releases each block.
   */
  async *split(chunks: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<BlockBuffer> {
    let block: Buffer | undefined;
    let filled = 0;
    const lend = (buffer: Buffer, length: number): BlockBuffer => {
      let released = false;
      return {
        data: buffer.subarray(0, length),
        release: () => {
          if (!released) this.give(buffer);
          released = true;
        },
      };
    };
    try {
      for await (const chunk of chunks) {
        let from = 0;
        while (from < chunk.length) {
          block ??= this.take();
          const n = Math.min(chunk.length - from, this.blockSize - filled);
          block.set(chunk.subarray(from, from + n), filled);
          filled += n;
          from += n;
          if (filled === this.blockSize) {
            const full = block;
            block = undefined;
            filled = 0;
            yield lend(full, this.blockSize);
          }
        }
      }
      if (block && filled > 0) {
        const last = block;
        block = undefined;
        yield lend(last, filled);
      }
    } finally {
      // A block being filled when the stream failed or stopped is not lent to anyone.
      if (block) this.give(block);
    }
  }
}
