// How images look on the wire: Glance v2 JSON, and Plankton's (Glance v1) headers and JSON.
import { headerSafe } from '../storage/swift-http.ts';
import type { ImageRow, MemberRow } from './store.ts';

/** Glance writes times without fractions: 2024-01-02T03:04:05Z. */
export const glanceTime = (iso: string) => `${iso.slice(0, 19)}Z`;

export const properties = (row: ImageRow): Record<string, string> => JSON.parse(row.properties);
export const tags = (row: ImageRow): string[] => JSON.parse(row.tags);

export function glanceImage(row: ImageRow): Record<string, unknown> {
  return {
    ...properties(row),
    id: row.id,
    name: row.name === '' ? null : row.name,
    status: row.status,
    visibility: row.visibility,
    protected: row.protected === 1,
    os_hidden: row.os_hidden === 1,
    checksum: row.checksum,
    os_hash_algo: null,
    os_hash_value: null,
    owner: row.owner,
    size: row.size,
    virtual_size: row.virtual_size,
    min_ram: row.min_ram,
    min_disk: row.min_disk,
    disk_format: row.disk_format,
    container_format: row.container_format,
    created_at: glanceTime(row.created_at),
    updated_at: glanceTime(row.updated_at),
    tags: tags(row),
    self: `/v2/images/${row.id}`,
    file: `/v2/images/${row.id}/file`,
    schema: '/v2/schemas/image',
  };
}

export function glanceMember(row: MemberRow): Record<string, unknown> {
  return {
    image_id: row.image_id,
    member_id: row.member,
    status: row.status,
    created_at: glanceTime(row.created_at),
    updated_at: glanceTime(row.updated_at),
    schema: '/v2/schemas/member',
  };
}

/** Plankton's location of an image's file. */
export const pithosLocation = (row: ImageRow) =>
  row.file_container === null ? null : `pithos://${row.owner}/${row.file_container}/${row.file_name}`;

/** Plankton's statuses (Synnefo's API_STATUS_FROM_IMAGE_STATUS): anything else is UNKNOWN. */
const PLANKTON_STATUS: Partial<Record<ImageRow['status'], string>> = { active: 'AVAILABLE', queued: 'SAVING', saving: 'SAVING', deleted: 'DELETED' };

/** Plankton writes times as `2026-01-02 03:04:05` (UTC, no zone), as Synnefo formats them. */
export const planktonTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

export interface PlanktonImage {
  id: string; name: string; status: string; is_public: boolean; owner: string; location: string | null;
  disk_format: string | null; container_format: string | null; size: number | null; checksum: string | null;
  created_at: string; updated_at: string; deleted_at: string; is_snapshot: boolean; properties: Record<string, string>;
}

/** Plankton's image record (Glance v1 shape, with `location` and `is_public`). */
export function planktonImage(row: ImageRow): PlanktonImage {
  return {
    id: row.id,
    name: row.name,
    status: PLANKTON_STATUS[row.status] ?? 'UNKNOWN',
    is_public: row.visibility === 'public',
    owner: row.owner,
    location: pithosLocation(row),
    disk_format: row.disk_format,
    container_format: row.container_format,
    size: row.size,
    checksum: row.checksum,
    created_at: planktonTime(row.created_at),
    updated_at: planktonTime(row.updated_at),
    deleted_at: '',
    is_snapshot: false,
    properties: properties(row),
  };
}

/**
 * The same record as Plankton's X-Image-Meta-* headers (register, HEAD, PUT): every field, ''
 * when unset; Python's True/False; the name, description and properties percent-encoded (kamaki
 * decodes exactly those), property names with `-` for `_`.
 */
export function planktonHeaders(row: ImageRow): Record<string, string> {
  const image = planktonImage(row);
  const props = properties(row);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...image, description: props.description ?? props.DESCRIPTION ?? '' })) {
    if (key === 'properties') continue;
    const text = typeof value === 'boolean' ? (value ? 'True' : 'False') : value === null ? '' : String(value);
    headers[`x-image-meta-${key.replaceAll('_', '-')}`] = key === 'name' || key === 'description' ? pythonQuote(text) : headerSafe(text);
  }
  for (const [key, value] of Object.entries(props)) headers[`x-image-meta-property-${pythonQuote(key.toLowerCase().replaceAll('_', '-'))}`] = pythonQuote(value);
  return headers;
}

/** Python 2's urllib.quote: all but letters, digits, `_.-` and `/` percent-encoded as UTF-8. */
export const pythonQuote = (text: string) => encodeURIComponent(text).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replaceAll('%2F', '/');
