// The body of `POST /flavors` as Nova's flavor-manage schema reads it, checked field by
// field with Nova's messages. Ephemeral disks, swap and rxtx factors other than Nova's
// defaults are refused: the compute backend gives a server its root disk only.
import { badRequest } from '../http/errors.ts';

export interface NewFlavor {
  /** Absent: the service picks a UUID. */
  id?: string;
  name: string;
  vcpus: number;
  /** MiB. */
  ram: number;
  /** GiB. */
  disk: number;
  isPublic: boolean;
  description: string | null;
}

const MAX_INT = 0x7fffffff;
const ID = /^(?! )[A-Za-z0-9. _-]{1,255}(?<! )$/;
const FIELDS = new Set(['id', 'name', 'ram', 'vcpus', 'disk', 'os-flavor-access:is_public', 'description', 'OS-FLV-EXT-DATA:ephemeral', 'swap', 'rxtx_factor']);
const TRUE = ['true', 't', 'yes', 'y', 'on', '1'];
const FALSE = ['false', 'f', 'no', 'n', 'off', '0'];

const invalid = (field: string, value: unknown, reason: string) =>
  badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${reason}`);

function checkDescription(value: unknown): asserts value is string | null | undefined {
  if (value !== undefined && value !== null && (typeof value !== 'string' || value.length > 65535)) {
    throw invalid('description', value, 'The description must be a string of at most 65535 characters.');
  }
}

/** `PUT /flavors/{id}` (2.55): `{"flavor": {"description": ...}}`, the only thing that changes. */
export function parseFlavorUpdate(body: unknown): string | null {
  const flavor = (body as { flavor?: unknown } | null)?.flavor as Record<string, unknown> | undefined;
  if (typeof flavor !== 'object' || flavor === null || Array.isArray(flavor) || Object.keys(body as object).length !== 1) {
    throw badRequest('The request body must be {"flavor": {"description": ...}}');
  }
  const unexpected = Object.keys(flavor).find((key) => key !== 'description');
  if (unexpected !== undefined) throw badRequest(`Additional properties are not allowed ('${unexpected}' was unexpected)`);
  if (!('description' in flavor)) throw badRequest("'description' is a required property");
  checkDescription(flavor.description);
  return flavor.description ?? null;
}

/**
 * Reads `{"flavor": {...}}`; throws 400 naming the first field that is missing or wrong.
 * `description` is a field only from microversion 2.55.
 */
export function parseNewFlavor(body: unknown, options: { description: boolean } = { description: true }): NewFlavor {
  const flavor = (body as { flavor?: unknown } | null)?.flavor;
  if (typeof flavor !== 'object' || flavor === null || Array.isArray(flavor) || Object.keys(body as object).length !== 1) {
    throw badRequest('The request body must be {"flavor": {"name", "ram", "vcpus", "disk", ...}}');
  }
  const f = flavor as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (!FIELDS.has(key) || (key === 'description' && !options.description)) throw badRequest(`Additional properties are not allowed ('${key}' was unexpected)`);
  }
  for (const key of ['name', 'ram', 'vcpus', 'disk']) {
    if (f[key] === undefined) throw badRequest(`'${key}' is a required property`);
  }
  if (typeof f.name !== 'string' || f.name.length < 1 || f.name.length > 255 || f.name.trim() !== f.name) {
    throw invalid('name', f.name, 'The name must be a string of 1 to 255 characters without leading or trailing spaces.');
  }
  const ephemeral = f['OS-FLV-EXT-DATA:ephemeral'];
  if (ephemeral !== undefined && integer('OS-FLV-EXT-DATA:ephemeral', ephemeral, 0) !== 0) {
    throw invalid('OS-FLV-EXT-DATA:ephemeral', ephemeral, 'Ephemeral disks are not supported: use 0.');
  }
  if (f.swap !== undefined && f.swap !== '' && integer('swap', f.swap, 0) !== 0) throw invalid('swap', f.swap, 'Swap disks are not supported: use 0.');
  if (f.rxtx_factor !== undefined && Number(f.rxtx_factor) !== 1) throw invalid('rxtx_factor', f.rxtx_factor, 'Only the rxtx factor 1.0 is supported.');
  checkDescription(f.description);
  return {
    ...flavorId(f.id),
    name: f.name,
    ram: integer('ram', f.ram, 1),
    vcpus: integer('vcpus', f.vcpus, 1),
    disk: integer('disk', f.disk, 1),
    isPublic: f['os-flavor-access:is_public'] === undefined ? true : boolean('os-flavor-access:is_public', f['os-flavor-access:is_public']),
    description: f.description ?? null,
  };
}

/** An integer or a string of digits, from `minimum` to the database's largest int. */
function integer(field: string, value: unknown, minimum: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw invalid(field, value, 'It must be an integer.');
  if (n < minimum) throw invalid(field, value, `${n} is less than the minimum of ${minimum}`);
  if (n > MAX_INT) throw invalid(field, value, `${n} is greater than the maximum of ${MAX_INT}`);
  return n;
}

/** Nova's (oslo's) boolean words, any case; undefined for anything else. */
export function booleanWord(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  return TRUE.includes(word) ? true : FALSE.includes(word) ? false : undefined;
}

function boolean(field: string, value: unknown): boolean {
  const parsed = typeof value === 'boolean' ? value : booleanWord(String(value));
  if (parsed === undefined) throw invalid(field, value, 'It must be a boolean.');
  return parsed;
}

/** A given id as a string (Nova accepts numbers); none (or null) leaves the choice to the service. */
function flavorId(value: unknown): { id?: string } {
  if (value === undefined || value === null) return {};
  const id = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof id !== 'string' || !ID.test(id)) {
    throw invalid('id', value, 'An id is 1 to 255 letters, digits, spaces, ".", "_" or "-", not starting or ending with a space.');
  }
  return { id };
}

const SPEC_KEY = /^[A-Za-z0-9\-_:. ]{1,255}$/;

/** One extra spec value: a string of up to 255 characters; numbers and booleans become strings. */
function specValue(key: string, value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string' || value.length > 255) throw invalid(key, value, 'An extra spec value is a string of at most 255 characters.');
  return value;
}

/** Reads `{"extra_specs": {key: value, ...}}`; throws 400 for a bad key or value. */
export function parseExtraSpecs(body: unknown): Record<string, string> {
  const specs = (body as { extra_specs?: unknown } | null)?.extra_specs;
  if (typeof specs !== 'object' || specs === null || Array.isArray(specs) || Object.keys(body as object).length !== 1) {
    throw badRequest('The request body must be {"extra_specs": {"key": "value", ...}} and nothing else');
  }
  // fromEntries defines properties, so even a key named __proto__ stays a plain key.
  return Object.fromEntries(Object.entries(specs).map(([key, value]) => {
    if (!SPEC_KEY.test(key)) throw invalid('extra_specs', key, 'Keys are 1 to 255 letters, digits, spaces, "-", "_", ":" or ".".');
    return [key, specValue(key, value)];
  }));
}

/** Reads `PUT .../os-extra_specs/{key}`'s body `{key: value}`, which must name that key only. */
export function parseExtraSpec(key: string, body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(`The request body must be {"${key}": "value"}`);
  const entries = Object.entries(body);
  if (entries.length > 1) throw badRequest('Request body contains too many items');
  if (entries[0]?.[0] !== key) throw badRequest('Request body and URI mismatch');
  return specValue(key, entries[0][1]);
}

/** Reads `{"addTenantAccess": {"tenant": id}}` or the same with removeTenantAccess; 400 for anything else. */
export function parseAccessAction(body: unknown): { action: 'addTenantAccess' | 'removeTenantAccess'; tenant: string } {
  const entries = typeof body === 'object' && body !== null ? Object.entries(body) : [];
  const [action, argument] = entries[0] ?? [];
  if (entries.length !== 1 || (action !== 'addTenantAccess' && action !== 'removeTenantAccess')) {
    throw badRequest(`There is no such action: ${entries.map(([key]) => key).join(', ') || 'none'} (use addTenantAccess or removeTenantAccess)`);
  }
  const unexpected = typeof argument === 'object' && argument !== null ? Object.keys(argument).find((key) => key !== 'tenant') : undefined;
  if (unexpected !== undefined) throw badRequest(`Additional properties are not allowed ('${unexpected}' was unexpected)`);
  const tenant = (argument as { tenant?: unknown } | null)?.tenant;
  if (typeof tenant !== 'string' || tenant.length < 1 || tenant.length > 255) {
    throw invalid(`${action}.tenant`, tenant, 'The tenant is a project id of 1 to 255 characters.');
  }
  return { action, tenant };
}
