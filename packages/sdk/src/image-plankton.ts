// Plankton (`/image/v1.0`), Synnefo's image API: registering a file already in Pithos+ as an
// image, the way `kamaki image register` does. Metadata travels in X-Image-Meta-* headers.
import { ApiError } from './api-error.ts';
import { segment, type HttpTransport } from './http-transport.ts';
import type { RegisteredImage } from './image-types.ts';

export const PLANKTON = '/image/v1.0';

export interface RegisterOptions {
  name: string;
  /** `/CONTAINER/PATH` in the caller's account, or `pithos://ACCOUNT/CONTAINER/PATH`. */
  location: string;
  /** diskdump (the default), raw or qcow2. */
  disk_format?: string;
  /** bare (the default) or ovf. */
  container_format?: string;
  is_public?: boolean;
  min_disk?: number;
  min_ram?: number;
  /** Plankton upper-cases the names. */
  properties?: Record<string, string>;
  /** The server refuses the file if it does not have this size or MD5. */
  size?: number;
  checksum?: string;
}

/**
 * Header values are ASCII: anything else (and `%`, so that the server's decoding gives back
 * exactly what was sent) is percent-encoded, as kamaki does.
 */
export const headerValue = (value: string) => value.replace(/[^\x20-\x24\x26-\x7e]/gu, (c) => encodeURIComponent(c));

export function registerHeaders(options: RegisterOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const meta: [string, string | number | boolean | undefined][] = [
    ['name', options.name], ['location', options.location], ['disk-format', options.disk_format],
    ['container-format', options.container_format], ['is-public', options.is_public], ['min-disk', options.min_disk],
    ['min-ram', options.min_ram], ['size', options.size], ['checksum', options.checksum],
  ];
  for (const [key, value] of meta) if (value !== undefined) headers[`x-image-meta-${key}`] = headerValue(String(value));
  for (const [key, value] of Object.entries(options.properties ?? {})) headers[`x-image-meta-property-${key}`] = headerValue(value);
  return headers;
}

/** Registers or refreshes (when the file already is an image) an image of a Pithos+ file. */
export async function register(http: HttpTransport, options: RegisterOptions): Promise<{ image: RegisteredImage }> {
  const response = await http.request<{ image: RegisteredImage }>('POST', `${PLANKTON}/images`, { headers: registerHeaders(options) });
  return { image: response.body.image };
}

/** The `pithos://` location of an image's file (null when it has none), from Plankton's headers. */
export async function location(http: HttpTransport, id: string): Promise<string | null> {
  const response = await http.send('HEAD', `${PLANKTON}/images/${segment(id)}`).catch((error: unknown) => {
    // A HEAD answer has no body to explain itself.
    if (error instanceof ApiError && error.status === 404) throw new ApiError({ ...error, message: `No image found with ID ${id}` });
    throw error;
  });
  const value = response.headers.get('x-image-meta-location');
  return value === null ? null : decodeHeader(value);
}

function decodeHeader(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Removes the image record; the file stays in Pithos+, whoever wrote it. */
export async function unregister(http: HttpTransport, id: string): Promise<void> {
  await http.send('DELETE', `${PLANKTON}/images/${segment(id)}`);
}
