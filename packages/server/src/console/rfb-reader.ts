// Exact-length reads from a socket during an RFB handshake; afterwards the socket is handed
// back, paused, with any bytes read ahead put back in front.
import type { Socket } from 'node:net';

export class RfbReader {
  private buffered = Buffer.alloc(0);
  private waiting: { length: number; resolve(b: Buffer): void; reject(e: Error): void } | null = null;
  private failure: Error | null = null;
  private readonly onData = (chunk: Buffer) => { this.buffered = Buffer.concat([this.buffered, chunk]); this.serve(); };
  private readonly onEnd = () => this.fail(new Error('the peer closed the connection during the handshake'));
  private readonly onError = (error: Error) => this.fail(error);

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** The next `length` bytes; rejects if the socket ends first. */
  read(length: number): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { length, resolve, reject };
      this.serve();
    });
  }

  async u8(): Promise<number> { return (await this.read(1)).readUInt8(0); }
  async u32(): Promise<number> { return (await this.read(4)).readUInt32BE(0); }

  /** Stops reading: the socket is paused, with the bytes read ahead unshifted. */
  release(): Socket {
    const { socket } = this;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onEnd);
    socket.off('error', this.onError);
    socket.pause();
    if (this.buffered.length > 0) socket.unshift(this.buffered);
    this.buffered = Buffer.alloc(0);
    return socket;
  }

  private serve() {
    const waiting = this.waiting;
    if (!waiting || this.buffered.length < waiting.length) return;
    this.waiting = null;
    const bytes = this.buffered.subarray(0, waiting.length);
    this.buffered = this.buffered.subarray(waiting.length);
    waiting.resolve(Buffer.from(bytes));
  }

  private fail(error: Error) {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(this.failure);
  }
}
