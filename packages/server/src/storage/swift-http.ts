// HTTP details of the Swift API that are not routing: conditional requests, byte ranges,
// timestamps and content-type guessing.
import { extname } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { badRequest } from '../http/errors.ts';

export const httpDate = (iso: string) => new Date(iso).toUTCString();
/** Swift's X-Timestamp: seconds with five decimals. */
export const xTimestamp = (iso: string) => (Date.parse(iso) / 1000).toFixed(5);

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const etagList = (value: string) => value.split(',').map((v) => v.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));

/**
 * RFC 9110 preconditions for reading: 304 (not modified), 412 (failed), or null to go on.
 * `etag` is compared without quotes.
 */
export function readPrecondition(request: FastifyRequest, etag: string, modifiedAt: string): 304 | 412 | null {
  const bare = etag.replace(/"/g, '');
  const ifMatch = header(request, 'if-match');
  if (ifMatch !== undefined && ifMatch.trim() !== '*' && !etagList(ifMatch).includes(bare)) return 412;
  const seconds = Math.floor(Date.parse(modifiedAt) / 1000);
  const ifUnmodified = header(request, 'if-unmodified-since');
  if (ifMatch === undefined && ifUnmodified !== undefined) {
    const since = Date.parse(ifUnmodified);
    if (!Number.isNaN(since) && seconds > since / 1000) return 412;
  }
  const ifNoneMatch = header(request, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*' || etagList(ifNoneMatch).includes(bare)) return 304;
    return null;
  }
  const ifModified = header(request, 'if-modified-since');
  if (ifModified !== undefined) {
    const since = Date.parse(ifModified);
    if (!Number.isNaN(since) && seconds <= since / 1000) return 304;
  }
  return null;
}

/**
 * Pithos' `until` as an ISO time, or undefined where Pithos ignores it: it reads the parameter
 * as Python's int() does and drops what is not a whole, non-negative number of seconds since
 * the epoch (kamaki's `container delete` sends a fraction, which makes it a plain delete).
 */
export function parseUntil(value: string | undefined): string | undefined {
  if (value === undefined || !/^\s*\+?\d+\s*$/.test(value)) return undefined;
  const seconds = Math.min(Number(value), 253402300799);
  return new Date(seconds * 1000).toISOString();
}

/** [start, end) byte ranges, 'unsatisfiable', or null for "the whole object". */
export function parseRange(value: string | undefined, size: number): [number, number][] | 'unsatisfiable' | null {
  if (value === undefined) return null;
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(value);
  if (!match) return null;
  const ranges: [number, number][] = [];
  for (const part of match[1]!.split(',')) {
    const m = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(part);
    if (!m || (m[1] === '' && m[2] === '')) return null; // malformed: ignore the header, as Swift does
    if (m[1] === '') {
      const suffix = Number(m[2]);
      if (suffix > 0 && size > 0) ranges.push([Math.max(0, size - suffix), size]);
      continue;
    }
    const start = Number(m[1]);
    const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
    if (start < size) ranges.push([start, end + 1]);
  }
  return ranges.length ? ranges : 'unsatisfiable';
}

const TYPES: Record<string, string> = {
  '.txt': 'text/plain', '.html': 'text/html', '.htm': 'text/html', '.css': 'text/css', '.csv': 'text/csv', '.md': 'text/markdown',
  '.js': 'application/javascript', '.json': 'application/json', '.xml': 'application/xml', '.pdf': 'application/pdf',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.svg': 'image/svg+xml', '.webp': 'image/webp',
  '.mp4': 'video/mp4', '.mp3': 'audio/mpeg', '.zip': 'application/zip', '.gz': 'application/gzip', '.tar': 'application/x-tar',
  '.iso': 'application/x-iso9660-image', '.qcow2': 'application/x-qemu-disk',
};

/** What Swift does without a Content-Type: guess from the name, else octet-stream. */
export function guessContentType(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** Header-safe text: names may hold any Unicode, headers only Latin-1. */
export const headerSafe = (value: string) => /^[\x20-\x7e]*$/.test(value) ? value : encodeURI(value);
