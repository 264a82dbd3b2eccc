// Where the control plane's log goes, and in which shape. JSON lines (pino's own) for log
// collectors and pipes; at a terminal, one short line per record for the person watching.
// Both carry the same fields: secrets are kept out of the records themselves (http/app.ts),
// so neither shape can show one.
import { pino, type DestinationStream, type Logger } from 'pino';

export type LogFormat = 'auto' | 'pretty' | 'json';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Fields every record has that say nothing to a person at the terminal. */
const HIDDEN = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'err']);

/**
 * A logger writing to `out` (stdout by default): human-readable lines with `pretty`, or
 * with `auto` when `out` is a terminal; JSON lines otherwise.
 */
export function createLogger(level: string, format: LogFormat, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && out.isTTY === true);
  if (!pretty) return out === process.stdout ? pino({ level }) : pino({ level }, out as DestinationStream);
  return pino({ level }, { write: (line: string) => out.write(prettyLine(line)) });
}

const value = (v: unknown): string => (typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v));

/**
 * One JSON log record as "2026-01-31T12:00:00.000Z INFO  message key=value ...", an error's
 * stack indented below it. A line that is not JSON is passed on as it is.
 */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : '';
  const level = (LEVELS[record.level as number] ?? String(record.level)).padEnd(5);
  // An access line's route is news only where it differs from the path (a path with ids).
  const fields = Object.entries(record)
    .filter(([k, v]) => !HIDDEN.has(k) && !(k === 'route' && v === record.path))
    .map(([k, v]) => `${k}=${value(v)}`);
  const head = [time, level, record.msg ?? '', ...fields].filter((part) => part !== '').join(' ');
  const err = record.err as { stack?: string; message?: string; type?: string } | undefined;
  const detail = err ? `\n    ${(err.stack ?? `${err.type ?? 'Error'}: ${err.message}`).replaceAll('\n', '\n    ')}` : '';
  return `${head}${detail}\n`;
}
