// Images as the two image APIs describe them: Glance v2's JSON (core fields, with custom
// properties at the top level) and Plankton's Glance v1 record (properties apart, plus the
// Pithos+ location of the file).

export type Visibility = 'public' | 'private' | 'shared' | 'community';
export type MemberStatus = 'pending' | 'accepted' | 'rejected';

/** A Glance v2 image. Custom properties (OSFAMILY, ROOT_PARTITION, USERS...) are extra string fields. */
export interface Image {
  id: string;
  name: string | null;
  /** queued (no data yet), saving (data arriving), active. */
  status: string;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
  /** Hex MD5 of the data. */
  checksum: string | null;
  owner: string;
  size: number | null;
  virtual_size: number | null;
  /** MiB. */
  min_ram: number;
  /** GiB. */
  min_disk: number;
  disk_format: string | null;
  container_format: string | null;
  created_at: string;
  updated_at: string;
  tags: string[];
  [property: string]: unknown;
}

/** Fields of a Glance image that are not custom properties. */
const CORE_FIELDS = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'size',
  'virtual_size', 'min_ram', 'min_disk', 'disk_format', 'container_format', 'created_at', 'updated_at', 'tags', 'self', 'file',
  'schema', 'direct_url', 'locations',
]);

/** The custom properties of a Glance image, by name. */
export function imageProperties(image: Image): Record<string, string> {
  return Object.fromEntries(Object.entries(image).filter(([key, value]) => !CORE_FIELDS.has(key) && typeof value === 'string')) as Record<string, string>;
}

export interface ImageMember {
  image_id: string;
  /** The user's UUID. */
  member_id: string;
  status: MemberStatus;
  created_at: string;
  updated_at: string;
}

/** Plankton's record of an image registered from a Pithos+ file. */
export interface RegisteredImage {
  id: string;
  name: string;
  /** Upper case: ACTIVE. */
  status: string;
  is_public: boolean;
  owner: string;
  /** `pithos://ACCOUNT/CONTAINER/PATH`. */
  location: string | null;
  disk_format: string;
  container_format: string;
  size: number;
  checksum: string;
  created_at: string;
  updated_at: string;
  /** Names are upper case: Plankton upper-cases them. */
  properties: Record<string, string>;
}

/** A file in Pithos+, as a `pithos://` location names it. */
export interface PithosLocation {
  account: string;
  container: string;
  name: string;
}

/** `pithos://ACCOUNT/CONTAINER/PATH` → its parts; undefined for anything else. */
export function parseLocation(location: string): PithosLocation | undefined {
  const match = /^pithos:\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(location);
  return match ? { account: match[1]!, container: match[2]!, name: match[3]! } : undefined;
}
