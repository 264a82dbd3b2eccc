// The JSON schema documents Glance serves at /v2/schemas/{image,images,member,members}.
// python-glanceclient, openstacksdk and the `openstack image` CLI fetch them, validate images
// against them and decide from them which keys are attributes and which are properties, so
// they match Glance's (25.x, with its default schema-image.json of extra properties) key for
// key; only the formats are this cloud's and the descriptions are our words.
import { CONTAINER_FORMATS, DISK_FORMATS } from './disk-format.ts';

type Json = Record<string, unknown>;

const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';
const GUIDE = 'as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html';

export const IMAGE_STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'] as const;

/** Glance's built-in image attributes (`get_base_properties`). */
function baseProperties(): Json {
  const readOnly = (type: unknown, description: string, extra: Json = {}) => ({ type, readOnly: true, description, ...extra });
  return {
    id: { type: 'string', description: 'The image identifier', pattern: UUID_PATTERN },
    name: { type: ['null', 'string'], description: 'The image name', maxLength: 255 },
    status: readOnly('string', 'The image status', { enum: [...IMAGE_STATUSES] }),
    visibility: { type: 'string', description: 'Who can see the image', enum: ['community', 'public', 'private', 'shared'] },
    protected: { type: 'boolean', description: 'When true, the image cannot be deleted.' },
    os_hidden: { type: 'boolean', description: 'When true, the image is left out of default image lists.' },
    checksum: readOnly(['null', 'string'], 'MD5 of the image data.', { maxLength: 32 }),
    os_hash_algo: readOnly(['null', 'string'], 'The algorithm of os_hash_value', { maxLength: 64 }),
    os_hash_value: readOnly(['null', 'string'], 'Hex digest of the image data by os_hash_algo', { maxLength: 128 }),
    owner: { type: ['null', 'string'], description: 'The owner of the image', maxLength: 255 },
    size: readOnly(['null', 'integer'], 'Size of the image data in bytes'),
    virtual_size: readOnly(['null', 'integer'], 'Size of the disk the image holds, in bytes'),
    container_format: { type: ['null', 'string'], description: 'The container format', enum: [null, ...CONTAINER_FORMATS] },
    disk_format: { type: ['null', 'string'], description: 'The disk format', enum: [null, ...DISK_FORMATS] },
    created_at: readOnly('string', 'When the image was registered'),
    updated_at: readOnly('string', 'When the image last changed'),
    tags: { type: 'array', description: 'Strings attached to the image', items: { type: 'string', maxLength: 255 } },
    direct_url: readOnly('string', 'URL of the image data in an external store'),
    min_ram: { type: 'integer', description: 'RAM (MiB) needed to boot the image.' },
    min_disk: { type: 'integer', description: 'Disk (GiB) needed to boot the image.' },
    self: readOnly('string', 'The image URL'),
    file: readOnly('string', 'The image data URL'),
    stores: readOnly('string', 'Stores holding the image data (with multiple stores only; comma-separated).'),
    schema: readOnly('string', 'The image schema URL'),
    locations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          url: { type: 'string', maxLength: 255 },
          metadata: { type: 'object' },
          validation_data: {
            description: 'Values for the image\'s checksum and hash; for an image that is not queued they must equal those it has.',
            type: 'object',
            writeOnly: true,
            additionalProperties: false,
            properties: {
              checksum: { type: 'string', minLength: 32, maxLength: 32 },
              os_hash_algo: { type: 'string', maxLength: 64 },
              os_hash_value: { type: 'string', maxLength: 128 },
            },
            required: ['os_hash_algo', 'os_hash_value'],
          },
        },
        required: ['url', 'metadata'],
      },
      description: 'URLs of the image data in external stores',
    },
  };
}

/** The extra properties of Glance's default etc/schema-image.json (`is_base: false`). */
export function customProperties(): Json {
  const custom = (property: Json) => ({ ...property, is_base: false });
  return {
    kernel_id: custom({ type: ['null', 'string'], pattern: UUID_PATTERN, description: 'Image to boot as the kernel of an AMI-style image.' }),
    ramdisk_id: custom({ type: ['null', 'string'], pattern: UUID_PATTERN, description: 'Image to boot as the ramdisk of an AMI-style image.' }),
    instance_uuid: custom({ type: 'string', description: 'The instance this image is associated with (informational only).' }),
    architecture: custom({ description: `Operating system architecture ${GUIDE}`, type: 'string' }),
    os_distro: custom({ description: `Operating system distribution ${GUIDE}`, type: 'string' }),
    os_version: custom({ description: 'Operating system version, as the distributor names it.', type: 'string' }),
    description: custom({ description: 'A description of the image for people.', type: 'string' }),
    cinder_encryption_key_id: custom({ description: 'Key Manager id of the key Cinder uses for a volume made from this image', type: 'string' }),
    cinder_encryption_key_deletion_policy: custom({
      description: 'When the image service deletes the key named by cinder_encryption_key_id (nothing happens without this property)',
      type: 'string',
      enum: ['on_image_deletion', 'do_not_delete'],
    }),
  };
}

/** `GET /v2/schemas/image`: a permissive schema (other properties are strings). */
export function imageSchema(): Json {
  return {
    name: 'image',
    properties: { ...baseProperties(), ...customProperties() },
    additionalProperties: { type: 'string' },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

/** `GET /v2/schemas/images`. */
export const imagesSchema = () => collection('images', imageSchema(), true);

/** `GET /v2/schemas/member` (Glance serves the member schemas in their minimal form). */
export function memberSchema(): Json {
  return {
    name: 'member',
    properties: {
      member_id: { type: 'string', description: 'The member (a project id)' },
      image_id: { type: 'string', description: 'The image identifier', pattern: UUID_PATTERN },
      created_at: { type: 'string', description: 'When the membership was made' },
      updated_at: { type: 'string', description: 'When the membership last changed' },
      status: { type: 'string', description: 'Whether the member accepted the image', enum: ['pending', 'accepted', 'rejected'] },
      schema: { readOnly: true, type: 'string' },
    },
  };
}

/** `GET /v2/schemas/members`. */
export const membersSchema = () => collection('members', memberSchema(), false);

/** Glance's CollectionSchema: raw (paged: `first`, `next`) for images, minimal for members. */
function collection(name: string, item: Json, paged: boolean): Json {
  const pages = paged ? { first: { type: 'string' }, next: { type: 'string' } } : {};
  return {
    name,
    properties: { [name]: { type: 'array', items: item }, ...pages, schema: { type: 'string' } },
    links: [...(paged ? [{ rel: 'first', href: '{first}' }, { rel: 'next', href: '{next}' }] : []), { rel: 'describedby', href: '{schema}' }],
  };
}
