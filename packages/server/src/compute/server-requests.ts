// Request bodies of the servers API, checked and turned into typed values. Every failure is
// a 400 that names the field, as Nova's "Invalid input for field/attribute ..." does.
import { isIPv4, isIPv6 } from 'node:net';
import type { PersonalityFile } from '../backends/backend.ts';
import { badRequest, forbidden } from '../http/errors.ts';
import { novaAtLeast, type ComputeApi } from './microversion.ts';
import { SINCE } from './nova-versions.ts';

export const MAX_METADATA_ITEMS = 128;
export const MAX_METADATA_KEY = 255;
export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 60;
export const MAX_USER_DATA = 65535;
export const MAX_PERSONALITY_FILES = 5;
export const MAX_PERSONALITY_BYTES = 10240;

export interface CreateRequest {
  name: string;
  imageRef: string;
  flavorRef: string;
  metadata: Record<string, string>;
  keyName: string | null;
  userData: Buffer | null;
  files: PersonalityFile[];
  adminPass: string | null;
  tags: string[];
  description: string | null;
  accessIPv4: string;
  accessIPv6: string;
  /** The guest's hostname when the user chose one (2.90). */
  hostname: string | null;
}

const invalid = (field: string, why: string) => badRequest(`Invalid input for field/attribute ${field}. ${why}`);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Nova's schemas allow no other members: the first unexpected one is a 400, worded as Nova's. */
export function only(value: unknown, allowed: readonly string[], field: string): void {
  const unexpected = isObject(value) ? Object.keys(value).find((key) => !allowed.includes(key)) : undefined;
  if (unexpected !== undefined) throw invalid(field, `Additional properties are not allowed ('${unexpected}' was unexpected).`);
}

/**
 * The body's member `key`, which must be an object, and the body's only member (but
 * `alsoAtRoot`); with `fields`, the object may hold no others.
 */
export function member(body: unknown, key: string, fields?: readonly string[], alsoAtRoot: readonly string[] = []): Record<string, unknown> {
  if (!isObject(body) || !isObject(body[key])) throw invalid(key, `The request body needs a "${key}" object.`);
  only(body, [key, ...alsoAtRoot], 'body');
  if (fields) only(body[key], fields, key);
  return body[key] as Record<string, unknown>;
}

/** What Nova 2.1's server create takes (and we accept and ignore where we have no use). */
const CREATE_FIELDS = [
  'name', 'imageRef', 'flavorRef', 'adminPass', 'metadata', 'networks', 'OS-DCF:diskConfig', 'accessIPv4', 'accessIPv6', 'personality',
  'availability_zone', 'block_device_mapping', 'block_device_mapping_v2', 'config_drive', 'key_name', 'min_count', 'max_count',
  'return_reservation_id', 'security_groups', 'user_data',
];
/** What later microversions add to (or, with `until`, take from) a create. */
const CREATE_VERSIONED: { field: string; since: string; until?: string }[] = [
  { field: 'description', since: SINCE.serverDescription },
  { field: 'tags', since: SINCE.createTags },
  { field: 'personality', since: '2.1', until: SINCE.rebuildUserData },
  { field: 'trusted_image_certificates', since: SINCE.trustedCertificates },
  { field: 'host', since: '2.74' },
  { field: 'hypervisor_hostname', since: '2.74' },
  { field: 'hostname', since: SINCE.hostname },
];
/** Cyclades' create also takes these (kamaki's `--project-id`, Synnefo's key names). */
const CYCLADES_CREATE_FIELDS = ['tags', 'project', 'shared_to_project', 'SNF:key_names'];

/** The members a create (or, with `base`, another request) takes at the request's API. */
function fieldsAt(api: ComputeApi, base: readonly string[], versioned: typeof CREATE_VERSIONED, cyclades: readonly string[]): string[] {
  if (api.synnefo) return [...base, ...cyclades];
  const inRange = (v: (typeof versioned)[number]) => novaAtLeast(api, v.since) && (v.until === undefined || !novaAtLeast(api, v.until));
  const dropped = versioned.filter((v) => !inRange(v)).map((v) => v.field);
  return [...base.filter((f) => !dropped.includes(f)), ...versioned.filter(inRange).map((v) => v.field)];
}

export function serverName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'A server name is a non-empty string.');
  if (value.length > 255) throw invalid(field, 'A server name has at most 255 characters.');
  if (value.trim() !== value) throw invalid(field, 'A server name cannot start or end with whitespace.');
  return value;
}

/** An id, or a URL ending in one (Nova accepts both for imageRef and flavorRef). */
export function reference(value: unknown, field: string): string {
  if (typeof value !== 'string' && typeof value !== 'number') throw invalid(field, 'It is required.');
  const text = String(value).replace(/\/+$/, '');
  const id = text.slice(text.lastIndexOf('/') + 1);
  if (id === '') throw invalid(field, 'It is empty.');
  return id;
}

export function metadata(value: unknown, field = 'metadata'): Record<string, string> {
  if (!isObject(value)) throw invalid(field, 'Metadata is an object of strings.');
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_ITEMS) throw badRequest(`Quota exceeded for metadata items: at most ${MAX_METADATA_ITEMS} per server`);
  for (const [key, item] of entries) metadataItem(key, item, field);
  return value as Record<string, string>;
}

export function metadataItem(key: string, item: unknown, field = 'metadata'): void {
  if (key.length === 0 || key.length > MAX_METADATA_KEY) throw invalid(field, `Metadata keys have 1 to ${MAX_METADATA_KEY} characters.`);
  if (typeof item !== 'string' || item.length > 255) throw invalid(field, `The value of ${key} must be a string of at most 255 characters.`);
}

export function tag(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TAG_LENGTH) throw invalid('tags', `A tag is a string of 1 to ${MAX_TAG_LENGTH} characters.`);
  if (value.includes('/') || value.includes(',')) throw invalid('tags', `A tag cannot contain '/' or ',': ${value}`);
  return value;
}

export function tagList(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalid('tags', 'Tags are a list of strings.');
  const tags = [...new Set(value.map(tag))];
  if (tags.length > MAX_TAGS) throw badRequest(`The number of tags exceeds the per-server limit ${MAX_TAGS}`);
  return tags;
}

function base64(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) throw invalid(field, 'It must be base64 encoded.');
  return Buffer.from(value, 'base64');
}

function personality(value: unknown): CreateRequest['files'] {
  if (!Array.isArray(value)) throw invalid('personality', 'It is a list of {path, contents}.');
  if (value.length > MAX_PERSONALITY_FILES) throw badRequest(`Personality file limit exceeded: at most ${MAX_PERSONALITY_FILES} files`);
  return value.map((file) => {
    if (!isObject(file) || typeof file.path !== 'string' || file.path === '' || file.path.length > 255) throw invalid('personality', 'Each file has a path of 1 to 255 characters.');
    const contents = base64(file.contents, 'personality.contents');
    if (contents.length > MAX_PERSONALITY_BYTES) throw badRequest(`Personality content limit exceeded: ${file.path} has more than ${MAX_PERSONALITY_BYTES} bytes`);
    return { path: file.path, contents, ...fileOwnership(file) };
  });
}

const ACCOUNT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/** Synnefo's additions to a personality file: owner and group (user and group names) and mode (a number up to 0o7777). */
function fileOwnership(file: Record<string, unknown>): Pick<PersonalityFile, 'owner' | 'group' | 'mode'> {
  const out: Pick<PersonalityFile, 'owner' | 'group' | 'mode'> = {};
  for (const key of ['owner', 'group'] as const) {
    const value = file[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || !ACCOUNT_NAME.test(value)) throw invalid(`personality.${key}`, 'It is a user or group name of up to 32 letters, digits, _, . and -.');
    out[key] = value;
  }
  if (file.mode !== undefined && file.mode !== null) {
    if (!Number.isInteger(file.mode) || (file.mode as number) < 0 || (file.mode as number) > 0o7777) throw invalid('personality.mode', 'It is a number from 0 to 4095 (0o7777).');
    out.mode = file.mode as number;
  }
  return out;
}

/**
 * Checks `networks`: a list, or from 2.37 also "none" or "auto" (Nova's and Cyclades' schemas).
 * Until networking lands only "no network" is possible.
 */
function networks(value: unknown, api: ComputeApi): void {
  const named = novaAtLeast(api, SINCE.networksRequired);
  if (typeof value === 'string' && !named) throw invalid('networks', `Value: ${value}. '${value}' is not of type 'array'`);
  if (value === undefined || value === 'none' || value === 'auto' || (Array.isArray(value) && value.length === 0)) return;
  if (Array.isArray(value)) throw badRequest(`networking is not available yet: ${named ? 'use networks "none" or "auto"' : 'leave networks out'}`);
  throw invalid('networks', named ? 'It is "none", "auto" or a list.' : 'It is a list.');
}

function count(value: unknown, field: string): void {
  if (value === undefined) return;
  if (Number(value) !== 1) throw badRequest(`Invalid ${field}: only one server can be created per request`);
}

/** The `server` object of `POST /servers`, as the request's API takes it. */
export function createRequest(body: unknown, api: ComputeApi, caller: { admin: boolean; projectId: string }): CreateRequest {
  const s = member(body, 'server', fieldsAt(api, CREATE_FIELDS, CREATE_VERSIONED, CYCLADES_CREATE_FIELDS), ['os:scheduler_hints', 'OS-SCH-HNT:scheduler_hints']);
  if (s.networks === undefined && novaAtLeast(api, SINCE.networksRequired)) throw invalid('server', "'networks' is a required property");
  networks(s.networks, api);
  trustedCertificates(s.trusted_image_certificates);
  for (const field of ['host', 'hypervisor_hostname'] as const) {
    if (s[field] === undefined) continue;
    if (!caller.admin) throw forbidden(`Policy doesn't allow compute:servers:create:requested_destination to be performed.`);
    throw badRequest(`Compute host ${String(s[field])} could not be found.`);
  }
  if (s.project !== undefined && s.project !== caller.projectId) throw badRequest(`Servers are charged to the project of the token (${caller.projectId}), not ${String(s.project)}`);
  if (s.shared_to_project !== undefined && s.shared_to_project !== false) throw badRequest('Shared resources are not enabled on this cloud');
  const keyNames = s['SNF:key_names'];
  if (keyNames !== undefined && (!Array.isArray(keyNames) || keyNames.length > 1 || keyNames.some((k) => typeof k !== 'string'))) {
    throw invalid('SNF:key_names', 'At most one key name is supported.');
  }
  if (Array.isArray(keyNames) && keyNames.length === 1 && s.key_name === undefined) s.key_name = keyNames[0];
  count(s.min_count, 'min_count');
  count(s.max_count, 'max_count');
  if (s.key_name !== undefined && s.key_name !== null && typeof s.key_name !== 'string') throw invalid('key_name', 'It is a string.');
  if (s.adminPass !== undefined && (typeof s.adminPass !== 'string' || s.adminPass.length > 255)) throw invalid('adminPass', 'It is a string of at most 255 characters.');
  if (s.user_data !== undefined && s.user_data !== null && typeof s.user_data === 'string' && s.user_data.length > MAX_USER_DATA) {
    throw invalid('user_data', `It has at most ${MAX_USER_DATA} characters.`);
  }
  return {
    name: serverName(s.name),
    imageRef: reference(s.imageRef, 'imageRef'),
    flavorRef: reference(s.flavorRef, 'flavorRef'),
    metadata: s.metadata === undefined ? {} : metadata(s.metadata),
    keyName: (s.key_name as string | undefined) ?? null,
    userData: s.user_data === undefined || s.user_data === null ? null : base64(s.user_data, 'user_data'),
    files: s.personality === undefined ? [] : personality(s.personality),
    adminPass: (s.adminPass as string | undefined) ?? null,
    tags: s.tags === undefined ? [] : tagList(s.tags),
    description: description(s.description),
    accessIPv4: s.accessIPv4 === undefined ? '' : accessIp(s.accessIPv4, 4),
    accessIPv6: s.accessIPv6 === undefined ? '' : accessIp(s.accessIPv6, 6),
    hostname: s.hostname === undefined ? null : hostname(s.hostname),
  };
}

/** A server's description (2.19): up to 255 characters, or null. */
export function description(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > 255) throw invalid('description', 'It is a string of at most 255 characters, or null.');
  return value;
}

/** accessIPv4 / accessIPv6: an address of that family. */
export function accessIp(value: unknown, family: 4 | 6): string {
  if (typeof value !== 'string' || !(family === 4 ? isIPv4(value) : isIPv6(value))) throw invalid(`accessIPv${family}`, `It is not a valid IPv${family} address.`);
  return value;
}

/** A guest hostname (2.90): a DNS label (fully qualified names come with 2.94, not served here). */
export function hostname(value: unknown): string {
  if (typeof value !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$/.test(value)) throw invalid('hostname', 'It is a hostname of 2 to 63 letters, digits and dashes.');
  return value;
}

/** trusted_image_certificates (2.63): this cloud verifies no image signatures, so only null is accepted. */
function trustedCertificates(value: unknown): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) throw invalid('trusted_image_certificates', 'It is a non-empty list of certificate ids, or null.');
  throw badRequest('Image certificate validation is not enabled on this cloud: trusted_image_certificates must be null');
}

/** `PUT /servers/{id}`: what Nova's update takes at the request's version (Cyclades: a new name only). */
export function updateRequest(body: unknown, api: ComputeApi): Partial<Pick<CreateRequest, 'name' | 'description' | 'accessIPv4' | 'accessIPv6'>> & { hostname?: string } {
  if (api.synnefo) return { name: serverName(member(body, 'server').name) };
  const fields = ['name', 'accessIPv4', 'accessIPv6', 'OS-DCF:diskConfig',
    ...(novaAtLeast(api, SINCE.serverDescription) ? ['description'] : []), ...(novaAtLeast(api, SINCE.hostname) ? ['hostname'] : [])];
  const s = member(body, 'server', fields);
  return {
    ...(s.name === undefined ? {} : { name: serverName(s.name) }),
    ...('description' in s ? { description: description(s.description) } : {}),
    ...(s.accessIPv4 === undefined ? {} : { accessIPv4: s.accessIPv4 === null ? '' : accessIp(s.accessIPv4, 4) }),
    ...(s.accessIPv6 === undefined ? {} : { accessIPv6: s.accessIPv6 === null ? '' : accessIp(s.accessIPv6, 6) }),
    ...(s.hostname === undefined ? {} : { hostname: hostname(s.hostname) }),
  };
}

/** What a rebuild changes besides the image; absent fields stay as they were. */
export interface RebuildRequest {
  imageRef: string;
  name?: string;
  metadata?: Record<string, string>;
  files: PersonalityFile[];
  adminPass: string | null;
  description?: string | null;
  accessIPv4?: string;
  accessIPv6?: string;
  /** A key name, null to boot without one (2.54), or absent to keep the server's. */
  keyName?: string | null;
  /** User data (2.57), null to drop it; absent keeps none (user data is not kept after a build). */
  userData: Buffer | null;
  hostname?: string;
}

const REBUILD_FIELDS = ['imageRef', 'name', 'adminPass', 'metadata', 'OS-DCF:diskConfig', 'accessIPv4', 'accessIPv6', 'preserve_ephemeral', 'personality'];
const REBUILD_VERSIONED: typeof CREATE_VERSIONED = [
  { field: 'description', since: SINCE.serverDescription },
  { field: 'key_name', since: SINCE.rebuildKeyName },
  { field: 'personality', since: '2.1', until: SINCE.rebuildUserData },
  { field: 'user_data', since: SINCE.rebuildUserData },
  { field: 'trusted_image_certificates', since: SINCE.trustedCertificates },
  { field: 'hostname', since: SINCE.hostname },
];

/** The `rebuild` action's argument. */
export function rebuildRequest(args: unknown, api: ComputeApi): RebuildRequest {
  if (!isObject(args)) throw invalid('rebuild', 'It is an object with at least imageRef.');
  only(args, fieldsAt(api, REBUILD_FIELDS, REBUILD_VERSIONED, []), 'rebuild');
  if (args.preserve_ephemeral !== undefined && typeof args.preserve_ephemeral !== 'boolean') throw invalid('preserve_ephemeral', 'It is a boolean.');
  if (args.key_name !== undefined && args.key_name !== null && typeof args.key_name !== 'string') throw invalid('key_name', 'It is a string or null.');
  if (args.adminPass !== undefined && (typeof args.adminPass !== 'string' || args.adminPass.length > 255)) throw invalid('adminPass', 'It is a string of at most 255 characters.');
  if (typeof args.user_data === 'string' && args.user_data.length > MAX_USER_DATA) throw invalid('user_data', `It has at most ${MAX_USER_DATA} characters.`);
  trustedCertificates(args.trusted_image_certificates);
  return {
    imageRef: reference(args.imageRef, 'imageRef'),
    ...(args.name === undefined ? {} : { name: serverName(args.name) }),
    ...(args.metadata === undefined ? {} : { metadata: metadata(args.metadata) }),
    files: args.personality === undefined ? [] : personality(args.personality),
    adminPass: (args.adminPass as string | undefined) ?? null,
    ...('description' in args ? { description: description(args.description) } : {}),
    ...(args.accessIPv4 === undefined ? {} : { accessIPv4: accessIp(args.accessIPv4, 4) }),
    ...(args.accessIPv6 === undefined ? {} : { accessIPv6: accessIp(args.accessIPv6, 6) }),
    ...('key_name' in args ? { keyName: args.key_name as string | null } : {}),
    userData: args.user_data === undefined || args.user_data === null ? null : base64(args.user_data, 'user_data'),
    ...(args.hostname === undefined ? {} : { hostname: hostname(args.hostname) }),
  };
}

/** `reboot.type`: SOFT or HARD. */
export function rebootType(value: unknown, options: { defaultSoft?: boolean } = {}): 'SOFT' | 'HARD' {
  only(value, ['type'], 'reboot');
  // Cyclades takes a reboot without a type as a soft one.
  if (options.defaultSoft && (!isObject(value) || value.type === undefined)) return 'SOFT';
  const type = isObject(value) && typeof value.type === 'string' ? value.type.toUpperCase() : undefined;
  if (type !== 'SOFT' && type !== 'HARD') throw invalid('type', 'A reboot is SOFT or HARD.');
  return type;
}

/** `os-getConsoleOutput.length`: a number of lines, or null (and -1) for all of them. */
export function consoleLength(value: unknown): number | null {
  only(value, ['length'], 'os-getConsoleOutput');
  const length = isObject(value) ? value.length : undefined;
  if (length === undefined || length === null) return null;
  const n = typeof length === 'string' && /^-?\d+$/.test(length) ? Number(length) : length;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) throw invalid('length', 'It is a number of lines (-1 for all).');
  return n === -1 ? null : n;
}
