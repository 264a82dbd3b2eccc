// Large objects: a manifest object's bytes are the concatenation of other objects. Dynamic
// (DLO, `X-Object-Manifest: container/prefix`): every object under the prefix, in name
// order, at read time. Static (SLO, `?multipart-manifest=put`): a fixed list of segments.
import { createHash } from 'node:crypto';
import { badRequest } from '../http/errors.ts';
import { HTML, swiftError } from './swift-answers.ts';

export interface SloSegment { path: string; etag: string; size_bytes: number }
/** A static manifest also records its total size and ETag, for listings. */
export type Manifest = { dlo: string } | { slo: SloSegment[]; bytes?: number; etag?: string };

export const MAX_SEGMENTS = 1000;

export function parseManifest(stored: string | null): Manifest | null {
  return stored === null ? null : (JSON.parse(stored) as Manifest);
}

/** `X-Object-Manifest: <container>/<prefix>` (percent-decoded as Swift does). */
export function dloFromHeader(value: string): Manifest {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    throw badRequest('X-Object-Manifest must be UTF-8');
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0) throw badRequest('X-Object-Manifest must be in the format container/prefix');
  return { dlo: decoded.replace(/^\/+/, '') };
}

export function splitDlo(dlo: string): { container: string; prefix: string } {
  const slash = dlo.indexOf('/');
  return { container: dlo.slice(0, slash), prefix: dlo.slice(slash + 1) };
}

/** Splits `/container/object` (or `container/object`) into its parts. */
export function splitSegmentPath(path: string): { container: string; name: string } {
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  if (slash <= 0 || slash === trimmed.length - 1) throw badRequest(`Invalid segment path ${path}: expected /container/object`);
  return { container: trimmed.slice(0, slash), name: trimmed.slice(slash + 1) };
}

/** What `?multipart-manifest=put` sends: a JSON list of {path, etag, size_bytes}. */
export function parseSloBody(text: string): { path: string; etag: string | null; size_bytes: number | null }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw swiftError(400, 'Manifest must be valid JSON.\n', HTML);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw badRequest('Manifest must be a non-empty JSON list of segments');
  if (parsed.length > MAX_SEGMENTS) throw badRequest(`Too many segments; max ${MAX_SEGMENTS}`);
  return parsed.map((item: any, i) => {
    if (typeof item !== 'object' || item === null || typeof item.path !== 'string') throw badRequest(`Index ${i}: segment needs a "path"`);
    if (item.range !== undefined) throw badRequest(`Index ${i}: segment ranges are not supported`);
    const etag = item.etag ?? null;
    const size = item.size_bytes ?? null;
    if (etag !== null && typeof etag !== 'string') throw badRequest(`Index ${i}: "etag" must be a string`);
    if (size !== null && (!Number.isSafeInteger(size) || size < 0)) throw badRequest(`Index ${i}: "size_bytes" must be a non-negative integer`);
    return { path: item.path, etag: etag === null ? null : etag.replace(/"/g, '').toLowerCase(), size_bytes: size };
  });
}

/** Swift's ETag of a large object: the MD5 of its segments' ETags, quoted. */
export function manifestEtag(segmentEtags: string[]): string {
  return `"${createHash('md5').update(segmentEtags.join('')).digest('hex')}"`;
}
