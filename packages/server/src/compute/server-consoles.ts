// Server consoles: the serial log, and one-time graphical consoles (noVNC for Nova, a raw VNC
// host, port and password for Cyclades) through the console proxy (console/).
import { BackendError, type Backend } from '../backends/backend.ts';
import type { ConsoleService } from '../console/service.ts';
import type { Database } from '../db/database.ts';
import { conflict, unauthorized } from '../http/errors.ts';
import type { ComputeCaller } from './caller.ts';
import { checkAction } from './server-states.ts';
import { findServer, type ServerRow } from './server-store.ts';

/** How much serial output is read for `os-getConsoleOutput` before cutting it to lines. */
const MAX_CONSOLE_BYTES = 1024 * 1024;

export class ServerConsoles {
  constructor(
    private readonly deps: { database: Database; backend: Backend; consoles: ConsoleService },
    /** A server the caller may see (ServerService.get). */
    private readonly visible: (caller: ComputeCaller, id: string) => Promise<ServerRow>,
  ) {}

  private get db() { return this.deps.database.db; }

  /** The last `lines` lines of the serial console (all with null). */
  async output(caller: ComputeCaller, id: string, lines: number | null): Promise<string> {
    const row = await this.visible(caller, id);
    checkAction(row, 'os-getConsoleOutput');
    const bytes = await this.deps.backend.consoleOutput(row.id, MAX_CONSOLE_BYTES).catch(backendConflict);
    return tail(bytes.toString('utf8'), lines);
  }

  /** A noVNC URL with a one-time token, for a running server; 409 if it is not, or the backend has no graphical console. */
  async vnc(caller: ComputeCaller, id: string): Promise<string> {
    const { row, issuer } = await this.consoleOf(caller, id);
    return (await this.deps.consoles.issue(row.id, issuer)).url;
  }

  /** Cyclades' raw VNC console: a one-time host, port and password, under the same rules as vnc. */
  async rawVnc(caller: ComputeCaller, id: string): Promise<{ host: string; port: number; password: string }> {
    const { row, issuer } = await this.consoleOf(caller, id);
    return this.deps.consoles.issueRaw(row.id, issuer);
  }

  private async consoleOf(caller: ComputeCaller, id: string) {
    const row = await this.visible(caller, id);
    checkAction(row, 'os-getVNCConsole');
    if (!this.deps.backend.capabilities.vncConsole) throw conflict(`The compute backend (${this.deps.backend.name}) does not serve graphical consoles`);
    if (!caller.tokenHash) throw unauthorized('A console is issued to a signed-in user');
    return { row, issuer: { userId: caller.userId, tokenHash: caller.tokenHash } };
  }

  /** The VNC socket of a running server (for the console proxy); throws if it does not run. */
  async socket(serverId: string): Promise<string> {
    const row = await findServer(this.db, serverId);
    if (!row || row.vm_state !== 'active') throw conflict(`Instance ${serverId} is not running`);
    return this.deps.backend.consoleSocket(serverId);
  }
}

const backendConflict = (error: unknown): never => {
  throw error instanceof BackendError ? conflict(error.message) : error;
};

/** The last `lines` lines of `text`, as Nova cuts console output; a final newline does not count as a line. */
export function tail(text: string, lines: number | null): string {
  if (lines === null) return text;
  const ends = text.endsWith('\n');
  const all = (ends ? text.slice(0, -1) : text).split('\n');
  if (lines === 0 || text === '') return '';
  return all.slice(-lines).join('\n') + (ends ? '\n' : '');
}
