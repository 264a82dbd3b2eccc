// Reads object bytes out of the block store: whole objects, byte ranges, and the MD5 that
// Swift clients verify. One block is read ahead while the previous one is being sent.
import { BLOCK_SIZE, blockLength } from '@oceanos/contract';
import type { BlockStore } from './block-store.ts';
import type { HashWorkers } from './hash-workers.ts';

/** Blocks read ahead of the MD5 thread when an object's MD5 is computed from the store. */
const MD5_AHEAD = 4;

/** A stored object's content: its size and hashmap. */
export interface Content { size: number; hashes: string[] }

/** Bytes [start, end) of one content. */
export interface Slice { content: Content; start: number; end: number }

export function splitHashes(concatenated: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < concatenated.length; i += 64) out.push(concatenated.slice(i, i + 64));
  return out;
}

export class ObjectReader {
  private readonly md5InFlight = new Map<string, Promise<string>>();

  constructor(private readonly blocks: BlockStore, private readonly hashes: HashWorkers, private readonly blockSize = BLOCK_SIZE) {}

  /** The bytes of the slices in order, as buffers of at most one block. */
  async *read(slices: Slice[]): AsyncGenerator<Buffer> {
    const reads = this.blockReads(slices);
    let next = reads.next();
    while (true) {
      const current = await next;
      if (current.done) return;
      next = reads.next(); // starts reading the following block while this one is consumed
      yield await current.value;
    }
  }

  /** One promise per block touched by the slices, created lazily. */
  private *blockReads(slices: Slice[]): Generator<Promise<Buffer>> {
    for (const { content, start, end } of slices) {
      if (end <= start) continue;
      const first = Math.floor(start / this.blockSize);
      const last = Math.floor((end - 1) / this.blockSize);
      for (let index = first; index <= last; index++) {
        const offset = index * this.blockSize;
        const from = Math.max(start - offset, 0);
        const to = Math.min(end - offset, this.blockSize);
        yield this.blocks.get(content.hashes[index]!, blockLength(content.size, index, this.blockSize))
          .then((block) => (from === 0 && to === block.length ? block : block.subarray(from, to)));
      }
    }
  }

  /** MD5 of a content, computed once even when many requests ask at the same time. */
  md5(key: string, content: Content): Promise<string> {
    let pending = this.md5InFlight.get(key);
    if (!pending) {
      pending = (async () => {
        // On a worker thread: a GiB of MD5 would hold the event loop for seconds.
        const hash = this.hashes.md5();
        // A few blocks may wait for the MD5 thread, not the whole object.
        const reading: Promise<void>[] = [];
        try {
          for await (const chunk of this.read([{ content, start: 0, end: content.size }])) {
            const read = hash.update(chunk);
            read.catch(() => undefined); // seen when awaited below
            reading.push(read);
            if (reading.length > MD5_AHEAD) await reading.shift();
          }
          await Promise.all(reading);
        } catch (error) {
          await Promise.allSettled(reading);
          await hash.abandon();
          throw error;
        }
        return hash.digest();
      })().finally(() => this.md5InFlight.delete(key));
      this.md5InFlight.set(key, pending);
    }
    return pending;
  }
}

/** The parts of `slices` (concatenated) that cover bytes [start, end). */
export function cut(slices: Slice[], start: number, end: number): Slice[] {
  const out: Slice[] = [];
  let offset = 0;
  for (const slice of slices) {
    const length = slice.end - slice.start;
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + length);
    if (from < to) out.push({ content: slice.content, start: slice.start + from - offset, end: slice.start + to - offset });
    offset += length;
  }
  return out;
}
