// The attributes a user may set on an image, how Glance's create body and JSON patch map to
// them, and their checks. Anything that is not a known attribute is a free-form string
// property (OSFAMILY, ROOT_PARTITION, USERS, ...), as in Glance.
import { badRequest, conflict, forbidden } from '../http/errors.ts';
import { CONTAINER_FORMATS, DISK_FORMATS } from './disk-format.ts';
import { customProperties } from './schemas.ts';
import type { ImageRow } from './store.ts';
import { properties as propertiesOf } from './views.ts';

export const VISIBILITIES = ['public', 'private', 'shared', 'community'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export interface ImageAttributes {
  name?: string | null;
  visibility?: Visibility;
  disk_format?: string;
  container_format?: string;
  min_disk?: number;
  min_ram?: number;
  protected?: boolean;
  os_hidden?: boolean;
  tags?: string[];
  properties?: Record<string, string>;
}

const WRITABLE = new Set(['name', 'visibility', 'disk_format', 'container_format', 'min_disk', 'min_ram', 'protected', 'os_hidden', 'tags']);
/** Set by the service; a request naming one is refused (403, as Glance answers). */
const READ_ONLY = new Set([
  'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'size', 'virtual_size', 'created_at', 'updated_at',
  'self', 'file', 'schema', 'direct_url', 'locations', 'location', 'deleted', 'deleted_at', 'id',
]);
const MAX_PROPERTY = 255;
const MAX_VALUE = 65535;
const MAX_INT32 = 2 ** 31 - 1;

/** Checks values and formats. */
export function checkAttributes(a: ImageAttributes): void {
  if (a.name != null && (typeof a.name !== 'string' || a.name.length > 255)) throw badRequest('name must be a string of at most 255 characters');
  if (a.visibility !== undefined && !VISIBILITIES.includes(a.visibility)) throw badRequest(`Invalid visibility value: ${a.visibility}`);
  if (a.disk_format !== undefined && !(DISK_FORMATS as readonly string[]).includes(a.disk_format)) {
    throw badRequest(`Invalid disk format '${a.disk_format}': use one of ${DISK_FORMATS.join(', ')}`);
  }
  if (a.container_format !== undefined && !(CONTAINER_FORMATS as readonly string[]).includes(a.container_format)) {
    throw badRequest(`Invalid container format '${a.container_format}': use one of ${CONTAINER_FORMATS.join(', ')}`);
  }
  for (const key of ['min_disk', 'min_ram'] as const) {
    const value = a[key];
    // 32-bit columns, as Glance's: a larger number is a 400, not a database error.
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0 || value > MAX_INT32)) throw badRequest(`${key} must be an integer from 0 to ${MAX_INT32}`);
  }
  for (const key of ['protected', 'os_hidden'] as const) {
    if (a[key] !== undefined && typeof a[key] !== 'boolean') throw badRequest(`${key} must be true or false`);
  }
  if (a.tags !== undefined && (!Array.isArray(a.tags) || a.tags.some((t) => typeof t !== 'string' || t.length === 0 || t.length > 255))) {
    throw badRequest('tags must be a list of strings of 1 to 255 characters');
  }
  for (const [key, value] of Object.entries(a.properties ?? {})) checkProperty(key, value);
}

function checkProperty(key: string, value: unknown): void {
  if (key.length === 0 || key.length > MAX_PROPERTY) throw badRequest(`Property names are 1 to ${MAX_PROPERTY} characters`);
  if (typeof value !== 'string' || value.length > MAX_VALUE) throw badRequest(`Property '${key}' must be a string of at most ${MAX_VALUE} characters`);
  // Glance validates the properties its schema names (kernel_id, ...) against the schema.
  const known = SCHEMA_PROPERTIES[key];
  if (known?.pattern !== undefined && !new RegExp(known.pattern).test(value) || known?.enum !== undefined && !known.enum.includes(value)) {
    throw badRequest(`Provided object does not match schema 'image': '${value}' is not a valid ${key}`);
  }
}

const SCHEMA_PROPERTIES = customProperties() as Record<string, { pattern?: string; enum?: string[] }>;

/** A Glance v2 create body: known attributes plus string properties. */
export function fromCreateBody(body: unknown): ImageAttributes & { id?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body must be a JSON object');
  const attributes: ImageAttributes & { id?: string } = {};
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'id') {
      if (typeof value !== 'string') throw badRequest('id must be a string');
      attributes.id = value;
    } else if (READ_ONLY.has(key)) {
      throw forbidden(`Attribute '${key}' is read-only.`);
    } else if (WRITABLE.has(key)) {
      (attributes as Record<string, unknown>)[key] = value;
    } else {
      checkProperty(key, value);
      properties[key] = value as string;
    }
  }
  attributes.properties = properties;
  return attributes;
}

interface PatchOp { op: string; path: string; value?: unknown }

/**
 * Applies a Glance JSON patch (`application/openstack-images-v2.1-json-patch`) to an image
 * and returns the attributes that change. Paths name one attribute or property: `/name`,
 * `/tags` (the whole list), `/OSFAMILY`.
 */
export function applyPatch(row: ImageRow, body: unknown): ImageAttributes {
  if (!Array.isArray(body)) throw badRequest('A JSON patch is a list of operations');
  const change: ImageAttributes = {};
  const properties = propertiesOf(row);
  let propertiesChanged = false;
  for (const raw of body as PatchOp[]) {
    if (typeof raw !== 'object' || raw === null || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest('Each patch operation needs "op" and "path"');
    }
    const { op, path, value } = raw;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw badRequest(`Unsupported patch operation '${op}': use add, replace or remove`);
    if (op !== 'remove' && !('value' in raw)) throw badRequest(`Operation '${op}' needs a value`);
    const key = pointerKey(path);
    if (READ_ONLY.has(key)) throw forbidden(`Attribute '${key}' is read-only.`);
    if (WRITABLE.has(key)) {
      if (op === 'remove') throw forbidden(`Attribute '${key}' cannot be removed.`);
      (change as Record<string, unknown>)[key] = value;
      continue;
    }
    const exists = key in properties;
    if (op === 'replace' && !exists) throw conflict(`Property ${key} does not exist.`);
    if (op === 'remove') {
      if (!exists) throw conflict(`Property ${key} does not exist.`);
      delete properties[key];
    } else {
      checkProperty(key, value);
      properties[key] = value as string;
    }
    propertiesChanged = true;
  }
  if (propertiesChanged) change.properties = properties;
  return change;
}

/** `/name` → `name`; JSON pointer escapes (~1 for /, ~0 for ~) are undone. */
function pointerKey(path: string): string {
  const parts = path.split('/');
  if (parts.length !== 2 || parts[0] !== '' || parts[1] === '') throw badRequest(`Invalid JSON pointer for this resource: '${path}'`);
  return parts[1]!.replaceAll('~1', '/').replaceAll('~0', '~');
}
