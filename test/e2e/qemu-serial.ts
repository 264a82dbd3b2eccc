// A QEMU character device on a unix socket (`-serial unix:PATH,server=on,...`, or the
// monitor), as tests use it: collect everything the guest prints, wait for a pattern, type
// a line. The whole log goes into every failure message.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export class SerialConsole {
  readonly #socket: Socket;
  #log = '';
  #closed = false;
  #wake = new Set<() => void>();

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => { this.#log += text; this.#notify(); });
    socket.on('close', () => { this.#closed = true; this.#notify(); });
    socket.on('error', () => {});   // 'close' follows; waiters report it with the log
  }

  /** Connects to QEMU's socket, retrying while QEMU is still creating it. */
  static async connect(path: string, timeoutMs = 30_000): Promise<SerialConsole> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((ok, fail) => {
          const s = connect(path, () => { s.off('error', fail); ok(s); }).once('error', fail);
        });
        return new SerialConsole(socket);
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`cannot connect to ${path}: ${(error as Error).message}`);
        await sleep(50);
      }
    }
  }

  /** Everything received so far. */
  get log(): string { return this.#log; }

  /** Where the next output will start; pass it as `from` to wait only for newer output. */
  get position(): number { return this.#log.length; }

  /**
   * Resolves with the first match of `pattern` in the output from `from` on (default: all of
   * it), as soon as it arrives. Rejects, with the log, after `timeoutMs` or when the other
   * end closes without a match. Output is matched as it arrives, so end a pattern with
   * `\r?\n` to get a whole line; typed lines are echoed back, so match output, not input
   * (type `echo "x=$((6*7))"` and wait for /x=42\r?\n/).
   */
  async waitFor(pattern: RegExp, { from = 0, timeoutMs = 120_000 } = {}): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.#log.slice(from));
      if (match) return match;
      const left = deadline - Date.now();
      if (this.#closed || left <= 0) {
        const why = this.#closed ? 'the connection closed' : `${timeoutMs / 1000} s passed`;
        throw new Error(`${why} before the console printed ${pattern}; console log:\n${this.#log}`);
      }
      await new Promise<void>((ok) => {
        const done = () => { clearTimeout(timer); this.#wake.delete(done); ok(); };
        const timer = setTimeout(done, left);
        this.#wake.add(done);
      });
    }
  }

  /** Types `text` and Enter. */
  writeLine(text: string): void { this.#socket.write(`${text}\n`); }

  close(): void { this.#socket.destroy(); }

  #notify(): void { for (const wake of [...this.#wake]) wake(); }
}
