// What commands print: tables for people, JSON (the API's own objects) for scripts.
import Table from 'cli-table3';
import { printable } from './terminal-text.ts';

export type OutputFormat = 'table' | 'json';
export type Cell = string | number | boolean | null | undefined;

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Width of stderr when it is a terminal (progress bars are drawn only then). */
  stderrColumns?: number;
}

// Values come from the cloud, and other users name things: no escape sequence reaches the terminal.
const cell = (value: Cell): string => (value === null || value === undefined || value === '' ? '-' : typeof value === 'boolean' ? (value ? 'yes' : 'no') : printable(String(value)));

// No colours (they would end up in files and pipes) and no rules between rows.
const STYLE = { head: [], border: [] };
const CHARS = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

export class Output {
  constructor(private readonly io: Io, readonly format: OutputFormat) {}

  get json(): boolean { return this.format === 'json'; }

  /**
   * Rows under a header line; `data` is what JSON mode prints instead. Without rows, the
   * sentence `empty` ("No servers.") instead of a frame with nothing in it.
   */
  table(head: string[], rows: Cell[][], data: unknown, empty = 'Nothing to list.'): void {
    if (this.json) return this.printJson(data);
    if (rows.length === 0) return this.io.stdout(`${empty}\n`);
    const table = new Table({ head, style: STYLE, chars: CHARS });
    table.push(...rows.map((row) => row.map(cell)));
    // cli-table3 rules either every row or none; only the header's is wanted.
    const lines = table.toString().split('\n');
    lines.splice(2, 0, lines[0]!.replace('┌', '├').replaceAll('┬', '┼').replace('┐', '┤'));
    this.io.stdout(`${lines.join('\n')}\n`);
  }

  /** One object as "field | value" lines; `data` is what JSON mode prints instead. */
  record(fields: [string, Cell][], data: unknown): void {
    if (this.json) return this.printJson(data);
    const table = new Table({ style: STYLE, chars: CHARS });
    table.push(...fields.map(([name, value]) => [name, cell(value)]));
    this.io.stdout(`${table.toString()}\n`);
  }

  /** A sentence for people; JSON mode prints `data` if given, else nothing. */
  message(text: string, data?: unknown): void {
    if (!this.json) this.io.stdout(`${text}\n`);
    else if (data !== undefined) this.printJson(data);
  }

  private printJson(data: unknown): void {
    this.io.stdout(`${JSON.stringify(data, null, 2)}\n`);
  }
}
