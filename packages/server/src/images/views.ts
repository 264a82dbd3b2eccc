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

/** Plankton's image record (Glance v1 shape, with `location` and `is_public`). */
export function planktonImage(row: ImageRow): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    status: row.status.toUpperCase(),
    is_public: row.visibility === 'public',
    owner: row.owner,
    location: pithosLocation(row),
    disk_format: row.disk_format,
    container_format: row.container_format,
    size: row.size,
    checksum: row.checksum,
    created_at: glanceTime(row.created_at),
    updated_at: glanceTime(row.updated_at),
    deleted_at: '',
    properties: properties(row),
  };
}

/** The same record as X-Image-Meta-* headers (HEAD, register). Values are made header-safe. */
export function planktonHeaders(row: ImageRow): Record<string, string> {
  const image = planktonImage(row);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(image)) {
    if (key === 'properties' || value === null) continue;
    headers[`x-image-meta-${key.replaceAll('_', '-')}`] = headerSafe(String(value));
  }
  for (const [key, value] of Object.entries(properties(row))) headers[`x-image-meta-property-${key.toLowerCase()}`] = headerSafe(value);
  return headers;
}
