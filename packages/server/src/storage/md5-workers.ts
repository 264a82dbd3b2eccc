// MD5 (Swift's ETag) of an upload, computed on a worker thread so that the event loop keeps
// parsing the body while the thread pool hashes and writes blocks. Blocks are handed over
// in order; a block that owns its whole memory is transferred rather than copied.
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let hash = createHash('md5');
parentPort.on('message', (message) => {
  if (message === null) {
    parentPort.postMessage(hash.digest('hex'));
    hash = createHash('md5');
  } else {
    hash.update(new Uint8Array(message.buffer, message.offset, message.length));
  }
});
`;

const MAX_IDLE = 4;

export class Md5Workers {
  private readonly idle: Worker[] = [];

  /** A running MD5 over the blocks given to `update`, in that order. */
  start(): Md5Stream {
    const worker = this.idle.pop() ?? this.spawn();
    return new Md5Stream(worker, (w) => {
      if (this.idle.length < MAX_IDLE) this.idle.push(w);
      else void w.terminate();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    return worker;
  }
}

export class Md5Stream {
  private done = false;

  constructor(private readonly worker: Worker, private readonly release: (worker: Worker) => void) {}

  /** Hands a block over; the caller must not touch it afterwards. */
  update(block: Buffer): void {
    const ownsMemory = block.byteOffset === 0 && block.buffer.byteLength === block.length && block.buffer instanceof ArrayBuffer;
    // A slice of a shared pool is copied: transferring would detach its neighbours.
    const buffer = (ownsMemory ? block.buffer : new Uint8Array(block).buffer) as ArrayBuffer;
    this.worker.postMessage({ buffer, offset: 0, length: block.length }, [buffer]);
  }

  digest(): Promise<string> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => { this.done = true; reject(error); };
      this.worker.once('error', onError);
      this.worker.once('message', (hex: string) => {
        this.worker.off('error', onError);
        this.done = true;
        this.release(this.worker);
        resolve(hex);
      });
      this.worker.postMessage(null);
    });
  }

  /** For an abandoned upload: the worker's state is reset before it is reused. */
  async abandon(): Promise<void> {
    if (!this.done) await this.digest().catch(() => undefined);
  }
}
