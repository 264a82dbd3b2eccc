// SHA-256 of blocks and MD5 of whole objects (Swift's ETag), on a fixed pool of worker
// threads, so that the event loop keeps parsing request bodies while the blocks of an upload
// hash in parallel. Blocks in shared memory (block-buffers.ts) are read by the workers where
// they lie: nothing is copied, and the caller keeps using the block meanwhile. Other buffers
// are handed over (transferred) when they own their memory, copied otherwise. Small inputs
// are hashed on the spot: a round trip to a thread costs more than hashing them.
import { createHash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { trimTrailingZeros } from '@oceanos/contract';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const streams = new Map();
parentPort.on('message', (m) => {
  try {
    const data = new Uint8Array(m.memory, m.offset ?? 0, m.length ?? 0);
    if (m.op === 'sha256') {
      let end = data.length;
      while (end > 0 && data[end - 1] === 0) end--;
      parentPort.postMessage({ id: m.id, hex: createHash('sha256').update(data.subarray(0, end)).digest('hex') });
    } else if (m.op === 'update') {
      let hash = streams.get(m.stream);
      if (!hash) streams.set(m.stream, hash = createHash('md5'));
      hash.update(data);
      parentPort.postMessage({ id: m.id });
    } else if (m.op === 'digest') {
      const hash = streams.get(m.stream) ?? createHash('md5');
      streams.delete(m.stream);
      parentPort.postMessage({ id: m.id, hex: hash.digest('hex') });
    } else if (m.op === 'drop') {
      streams.delete(m.stream);
      parentPort.postMessage({ id: m.id });
    }
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String(error) });
  }
});
`;

/** Below this many bytes a hash is computed on the calling thread. */
const INLINE_BYTES = 256 * 1024;

interface Pending { resolve(hex: string | undefined): void; reject(error: Error): void }

/** One worker and what it has been asked and not yet answered. */
class HashWorker {
  readonly pending = new Map<number, Pending>();
  private worker: Worker;
  private closing = false;
  /** Counts restarts: an MD5 begun on an earlier worker cannot go on. */
  generation = 0;

  constructor() {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (m: { id: number; hex?: string; error?: string }) => {
      const waiting = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) waiting?.reject(new Error(m.error));
      else waiting?.resolve(m.hex);
    });
    // A worker that dies takes its MD5 states with it: whoever waits hears of it, and a new
    // worker takes the next requests.
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => {
      this.failAll(new Error('a hash worker stopped'));
      if (this.worker === worker && !this.closing) {
        this.generation++;
        this.worker = this.spawn();
      }
    });
    return worker;
  }

  private failAll(error: Error) {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(error);
  }

  ask(id: number, message: Record<string, unknown>, data?: Buffer): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (!data) return this.worker.postMessage({ id, ...message, memory: new ArrayBuffer(0) });
      const shared = data.buffer instanceof SharedArrayBuffer;
      const owns = !shared && data.byteOffset === 0 && data.buffer.byteLength === data.length;
      // Shared memory is read in place; a buffer that owns its memory is handed over; a
      // slice of a shared pool is copied (handing it over would detach its neighbours).
      const memory = shared || owns ? data.buffer : new Uint8Array(data).buffer;
      const offset = shared ? data.byteOffset : 0;
      this.worker.postMessage({ id, ...message, memory, offset, length: data.length }, owns ? [memory as ArrayBuffer] : []);
    });
  }

  close(): Promise<number> {
    this.closing = true;
    return this.worker.terminate();
  }
}

export class HashWorkers {
  private readonly workers: HashWorker[];
  private nextId = 0;
  private nextStream = 0;

  constructor(size = availableParallelism()) {
    this.workers = Array.from({ length: Math.max(1, size) }, () => new HashWorker());
  }

  /** The least busy worker. */
  private pick(): HashWorker {
    return this.workers.reduce((best, w) => (w.pending.size < best.pending.size ? w : best));
  }

  /** The Pithos hash of a block: SHA-256 of the block without its trailing zeros. */
  async sha256(block: Buffer): Promise<string> {
    if (block.length < INLINE_BYTES) return createHash('sha256').update(trimTrailingZeros(block)).digest('hex');
    return (await this.pick().ask(this.nextId++, { op: 'sha256' }, block))!;
  }

  /** A running MD5 over the data given to `update`, in that order. */
  md5(): Md5Stream {
    return new Md5Stream(() => this.pick(), () => this.nextId++, this.nextStream++);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

export class Md5Stream {
  private worker: HashWorker | undefined;
  private generation = 0;
  /** Set once data was hashed on the spot: the rest of the object is then hashed here too. */
  private inline: Hash | undefined;
  private done = false;

  constructor(private readonly choose: () => HashWorker, private readonly id: () => number, private readonly stream: number) {}

  /**
   * Adds data; resolves once it has been read, after which shared memory may be reused. A
   * buffer that owns its memory is handed over: the caller must not touch it afterwards.
   * An object whose first piece is small is hashed on the spot (small objects are one piece).
   */
  update(data: Buffer): Promise<void> {
    if (!this.worker && (this.inline || data.length < INLINE_BYTES)) {
      (this.inline ??= createHash('md5')).update(data);
      return Promise.resolve();
    }
    if (!this.worker) {
      this.worker = this.choose();
      this.generation = this.worker.generation;
    }
    return this.ask('update', data).then(() => undefined);
  }

  async digest(): Promise<string> {
    this.done = true;
    if (!this.worker) return (this.inline ?? createHash('md5')).digest('hex');
    return (await this.ask('digest'))!;
  }

  /** For an abandoned upload: the worker forgets the stream. */
  async abandon(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.worker) await this.ask('drop').catch(() => undefined);
  }

  private ask(op: string, data?: Buffer): Promise<string | undefined> {
    if (this.worker!.generation !== this.generation) return Promise.reject(new Error('the MD5 was lost with its hash worker'));
    return this.worker!.ask(this.id(), { op, stream: this.stream }, data);
  }
}
