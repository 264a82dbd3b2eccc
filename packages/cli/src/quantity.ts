// Resource amounts as people write and read them: "10GiB" in, "10 GiB" out for resources
// counted in bytes, plain integers for everything else.
import { UsageError } from './usage-error.ts';

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

const MULTIPLIERS: Record<string, number> = { b: 1 };
BINARY.slice(1).forEach((name, i) => {
  MULTIPLIERS[name.toLowerCase()] = 1024 ** (i + 1);
  // K, M, G... are binary, as in qemu-img and kamaki.
  MULTIPLIERS[name[0]!.toLowerCase()] = 1024 ** (i + 1);
  // KB, MB, GB... are decimal (SI).
  MULTIPLIERS[`${name[0]!.toLowerCase()}b`] = 1000 ** (i + 1);
});

/**
 * Parses "12", "10GiB", "1.5 G", "500MB". Sizes are allowed only when `unit` is "bytes".
 * Throws UsageError when the text is not a non-negative whole amount.
 */
export function parseQuantity(text: string, unit: string | null, what = 'value'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  if (!match) throw new UsageError(`invalid ${what}: ${JSON.stringify(text)} (expected a number${unit === 'bytes' ? ' or a size such as 10GiB' : ''})`);
  const [, number, suffix] = match as unknown as [string, string, string];
  let multiplier = 1;
  if (suffix) {
    if (unit !== 'bytes') throw new UsageError(`invalid ${what}: ${text} (this resource is a count, not a size)`);
    const m = MULTIPLIERS[suffix.toLowerCase()];
    if (m === undefined) throw new UsageError(`invalid ${what}: unknown size unit "${suffix}" (use B, KiB, MiB, GiB, TiB, PiB or KB, MB, GB...)`);
    multiplier = m;
  }
  const value = Number(number) * multiplier;
  if (!Number.isSafeInteger(value)) throw new UsageError(`invalid ${what}: ${text} (not a whole number${unit === 'bytes' ? ' of bytes' : ''})`);
  return value;
}

/** "10 GiB" for byte amounts (up to two decimals), the number itself otherwise. */
export function formatQuantity(value: number, unit: string | null): string {
  if (unit !== 'bytes') return String(value);
  let exponent = 0;
  while (exponent < BINARY.length - 1 && Math.abs(value) >= 1024 ** (exponent + 1)) exponent++;
  const scaled = Math.round((value / 1024 ** exponent) * 100) / 100;
  return `${scaled} ${BINARY[exponent]}`;
}
