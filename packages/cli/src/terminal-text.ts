// Text from the cloud shown on the user's terminal. A server's serial log (or a name someone
// else chose) can hold escape sequences that would move the cursor, retitle the window or
// make the terminal answer (ESC[6n asks it for the cursor position, typed back as input).

/** CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), and the other two-byte ESC sequences. */
const ESCAPE_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;
/** Control characters other than tab and newline, DEL and the C1 controls. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * `text` safe to print: escape sequences removed, CR LF line ends made LF, and every other
 * control character shown as \xNN, so nothing reaches the terminal that it would act on.
 */
export function printable(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCE, '')
    .replace(/\r+\n/g, '\n')
    .replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * An API time as UTC with its zone, to the second: "2026-01-31T12:00:00Z". Times without a
 * zone (Swift's last_modified, Nova's key pairs) are UTC by the APIs' definition. Anything
 * that is not a time is returned as it is.
 */
export function utcTime(text: string | null | undefined): string | undefined {
  if (text === null || text === undefined || text === '') return undefined;
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text);
  // An HTTP date (Last-Modified: "Sat, 31 Jan 2026 12:00:00 GMT") is shown the same way.
  if (!iso && !/^\w{3}, \d{2} \w{3} \d{4} [\d:]{8} GMT$/.test(text)) return text;
  const zoned = !iso || /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  const time = Date.parse(iso ? zoned.replace(' ', 'T') : zoned);
  return Number.isNaN(time) ? text : `${new Date(time).toISOString().slice(0, 19)}Z`;
}
