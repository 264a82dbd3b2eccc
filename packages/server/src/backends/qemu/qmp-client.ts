// A small client of the QEMU Machine Protocol over a VM's unix socket: one typed method per
// command the backend uses, events by name, and named errors for the ways a call can fail.
// QMP is JSON objects separated by CRLF; replies carry the `id` of their command, events none.
import { createConnection, type Socket } from 'node:net';

/** QEMU answered the command with an error (`class` is QMP's error class, e.g. GenericError). */
export class QmpError extends Error {
  constructor(readonly command: string, readonly errorClass: string, description: string) {
    super(`QMP ${command}: ${description}`);
  }
}

/** No answer (greeting, reply or event) within the time allowed. */
export class QmpTimeoutError extends Error {}

/** The socket could not be reached or closed before the answer came (QEMU not running, or exiting). */
export class QmpDisconnectedError extends Error {}

/** An asynchronous event, e.g. SHUTDOWN (the guest powered off or QEMU was told to quit). */
export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

/** What `query-status` says: `running`, `paused`, `shutdown`, `inmigrate`, ... */
export interface QmpStatus { status: string; running: boolean }

interface Pending { command: string; resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }

const DEFAULT_TIMEOUT_MS = 5_000;

export class QmpClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: QmpEvent) => void>();
  private isClosed = false;
  /** Resolves once the connection has closed, whoever closed it. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket, private readonly timeoutMs: number) {
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.isClosed = true;
      for (const [id, call] of this.pending) this.settle(id, call, new QmpDisconnectedError(`QMP ${call.command}: QEMU closed the connection`));
      resolve();
    }));
  }

  /**
   * Connects to the QMP socket at `path`, reads QEMU's greeting and leaves negotiation mode.
   * `timeoutMs` bounds that and is each command's default timeout. Throws
   * QmpDisconnectedError when nothing listens there (QEMU not running), QmpTimeoutError when
   * the greeting does not come (QEMU accepts one QMP client at a time).
   */
  static async connect(path: string, options: { timeoutMs?: number } = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = createConnection(path);
    const client = new QmpClient(socket, timeoutMs);
    try {
      const greeting = new Promise<void>((resolve, reject) => {
        const fail = (error: Error) => { clearTimeout(timer); reject(error); };
        const timer = setTimeout(() => fail(new QmpTimeoutError(`QMP ${path}: no greeting within ${timeoutMs} ms`)), timeoutMs);
        socket.once('error', (error) => fail(new QmpDisconnectedError(`QMP ${path}: ${error.message}`)));
        void client.closed.then(() => fail(new QmpDisconnectedError(`QMP ${path}: closed before the greeting`)));
        client.onGreeting = () => { clearTimeout(timer); resolve(); };
      });
      client.listen();
      await greeting;
      await client.execute('qmp_capabilities');
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** The guest's run state. */
  async queryStatus(): Promise<QmpStatus> {
    return await this.execute('query-status') as QmpStatus;
  }

  /** Presses the ACPI power button; the guest decides whether and when to power off. */
  async systemPowerdown(): Promise<void> {
    await this.execute('system_powerdown');
  }

  /** Resets the machine at once, as the reset button does. */
  async systemReset(): Promise<void> {
    await this.execute('system_reset');
  }

  /** Makes QEMU exit at once (no guest shutdown). A disconnect before the reply counts as done. */
  async quit(): Promise<void> {
    try {
      await this.execute('quit');
    } catch (error) {
      if (!(error instanceof QmpDisconnectedError)) throw error;
    }
  }

  /** Calls `listener` with every event until the returned function is called. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next event named `name`; QmpTimeoutError after `timeoutMs`, QmpDisconnectedError if the connection closes first. */
  waitForEvent(name: string, timeoutMs = this.timeoutMs): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const done = (error: Error | null, event?: QmpEvent) => {
        clearTimeout(timer);
        unsubscribe();
        if (error) reject(error); else resolve(event!);
      };
      const timer = setTimeout(() => done(new QmpTimeoutError(`QMP: no ${name} event within ${timeoutMs} ms`)), timeoutMs);
      const unsubscribe = this.onEvent((event) => { if (event.event === name) done(null, event); });
      void this.closed.then(() => done(new QmpDisconnectedError(`QMP: closed before a ${name} event`)));
    });
  }

  /** Closes the connection; pending commands fail with QmpDisconnectedError. */
  close(): void {
    this.socket.destroy();
  }

  /** Sends `command` and resolves with its `return` value. Throws QmpError, QmpTimeoutError or QmpDisconnectedError. */
  private execute(command: string, args?: Record<string, unknown>, timeoutMs = this.timeoutMs): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new QmpDisconnectedError(`QMP ${command}: not connected`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, this.pending.get(id), new QmpTimeoutError(`QMP ${command}: no reply within ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(id, { command, resolve, reject, timer });
      this.socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id })}\r\n`);
    });
  }

  private onGreeting: () => void = () => {};

  private listen(): void {
    let buffered = '';
    this.socket.setEncoding('utf8');
    // Errors surface as 'close' (and as the connect failure); without a listener they would throw.
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, end).trim();
        buffered = buffered.slice(end + 1);
        if (line) this.receive(line);
      }
    });
  }

  private receive(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // Not QMP; nothing can be matched to it.
    }
    if ('QMP' in message) return this.onGreeting();
    if (typeof message.event === 'string') {
      for (const listener of [...this.listeners]) listener(message as unknown as QmpEvent);
      return;
    }
    const id = message.id as number;
    const error = message.error as { class?: string; desc?: string } | undefined;
    const call = this.pending.get(id);
    if (!call) return;
    if (error) this.settle(id, call, new QmpError(call.command, error.class ?? 'GenericError', error.desc ?? 'failed'));
    else this.settle(id, call, null, message.return);
  }

  private settle(id: number, call: Pending | undefined, error: Error | null, value?: unknown): void {
    if (!call) return;
    this.pending.delete(id);
    clearTimeout(call.timer);
    if (error) call.reject(error); else call.resolve(value);
  }
}
