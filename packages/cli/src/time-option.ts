// A point in time given on the command line (ISO 8601, or anything Date parses).
import { UsageError } from './usage-error.ts';

/** The time `text` names; now when it is undefined. */
export function timeOption(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw new UsageError(`${text} is not a time (use ISO 8601, e.g. 2026-12-01T12:00:00Z)`);
  return time;
}
