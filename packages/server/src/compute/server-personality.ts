// What the create job gives the backend: the VM's spec with its personalisation. The secrets
// (admin password, user data, files) travel in the job's payload, never in the servers
// table, and are gone once the job is done.
import { randomBytes } from 'node:crypto';
import type { ImageSource, PersonalityFile, VmSpec } from '../backends/backend.ts';
import { badRequest } from '../http/errors.ts';
import type { CreateRequest } from './server-requests.ts';
import { metadataOf, type ServerRow } from './server-store.ts';

const GiB = 1024 ** 3;

/** The create job's payload, as JSON. */
export interface CreatePayload {
  adminPass: string;
  /** Base64, or null. */
  userData: string | null;
  /** Contents in base64. */
  files: (Omit<PersonalityFile, 'contents'> & { contents: string })[];
  /** Key name to public key, copied at the request so a later key pair delete does not matter. */
  publicKeys: Record<string, string>;
  /** Whether the creator was an admin: the image is read as they could see it. */
  admin: boolean;
}

/** The rebuild job's payload: a create's, and whether the server runs afterwards. */
export interface RebuildPayload extends CreatePayload { running: boolean }

export function createPayload(request: Pick<CreateRequest, 'userData' | 'files'>, adminPass: string, publicKeys: Record<string, string>, admin: boolean): CreatePayload {
  return {
    adminPass,
    userData: request.userData?.toString('base64') ?? null,
    files: request.files.map((f) => ({ ...f, contents: f.contents.toString('base64') })),
    publicKeys,
    admin,
  };
}

/** A DNS label from the server's name: lowercase letters, digits and dashes, at most 63. */
export function hostnameFor(name: string, id: string): string {
  const label = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return label === '' ? `server-${id.slice(0, 8)}` : label;
}

/** The disk of a server: the flavor's size, or the image's when the flavor says 0. */
export const diskBytes = (flavorDiskGiB: number, imageVirtualSize: number) => flavorDiskGiB === 0 ? imageVirtualSize : flavorDiskGiB * GiB;

/** Nova's checks of an image against the flavor (or server) it is to boot with: 400 if it does not fit. */
export function checkFits(flavor: { ram: number; disk: number }, image: { min_ram: number; min_disk: number; virtual_size: number | null; size: number | null }): void {
  if (flavor.ram < image.min_ram) throw badRequest('Flavor\'s memory is too small for requested image.');
  const imageSize = image.virtual_size ?? image.size ?? 0;
  if (flavor.disk !== 0 && (flavor.disk < image.min_disk || diskBytes(flavor.disk, imageSize) < imageSize)) throw badRequest('Flavor\'s disk is too small for requested image.');
}

/** Nova's generated admin passwords: 12 characters without look-alikes. */
export function generatePassword(): string {
  const symbols = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(randomBytes(12), (b) => symbols[b % symbols.length]).join('');
}

export function vmSpec(row: ServerRow, payload: CreatePayload, image: ImageSource, imageVirtualSize: number): VmSpec {
  return {
    id: row.id,
    name: row.name,
    vcpus: row.vcpus,
    ramMiB: row.ram,
    diskBytes: Math.max(diskBytes(row.disk, imageVirtualSize), imageVirtualSize),
    image,
    personalisation: {
      hostname: row.hostname || hostnameFor(row.name, row.id),
      publicKeys: payload.publicKeys,
      userData: payload.userData === null ? null : Buffer.from(payload.userData, 'base64'),
      files: payload.files.map((f) => ({ ...f, contents: Buffer.from(f.contents, 'base64') })),
      metadata: metadataOf(row),
      adminPass: payload.adminPass,
    },
  };
}
