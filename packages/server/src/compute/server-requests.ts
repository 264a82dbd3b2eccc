// Request bodies of the servers API, checked and turned into typed values. Every failure is
// a 400 that names the field, as Nova's "Invalid input for field/attribute ..." does.
import type { PersonalityFile } from '../backends/backend.ts';
import { badRequest } from '../http/errors.ts';

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

/** What Nova 2.1's server create takes (and we accept and ignore where we have no use), plus tags and description. */
const CREATE_FIELDS = [
  'name', 'imageRef', 'flavorRef', 'adminPass', 'metadata', 'networks', 'OS-DCF:diskConfig', 'accessIPv4', 'accessIPv6', 'personality',
  'availability_zone', 'block_device_mapping', 'block_device_mapping_v2', 'config_drive', 'key_name', 'min_count', 'max_count',
  'return_reservation_id', 'security_groups', 'user_data', 'description', 'tags',
];

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

/** Checks `networks`: until networking lands only "no network" is possible. */
function networks(value: unknown): void {
  if (value === undefined || value === 'none' || value === 'auto' || (Array.isArray(value) && value.length === 0)) return;
  if (Array.isArray(value)) throw badRequest('networking is not available yet: use networks "none" or "auto"');
  throw invalid('networks', 'It is "none", "auto" or a list.');
}

function count(value: unknown, field: string): void {
  if (value === undefined) return;
  if (Number(value) !== 1) throw badRequest(`Invalid ${field}: only one server can be created per request`);
}

/** The `server` object of `POST /servers`. */
export function createRequest(body: unknown): CreateRequest {
  const s = member(body, 'server', CREATE_FIELDS, ['os:scheduler_hints', 'OS-SCH-HNT:scheduler_hints']);
  networks(s.networks);
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
  };
}

/** `reboot.type`: SOFT or HARD. */
export function rebootType(value: unknown): 'SOFT' | 'HARD' {
  only(value, ['type'], 'reboot');
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
