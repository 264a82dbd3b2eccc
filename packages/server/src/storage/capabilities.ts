// Swift's GET /info: what this object store supports, for clients that ask (swiftclient
// uses it to choose bulk deletes).
import { BLOCK_SIZE } from '@oceanos/contract';
import { MAX_BULK_DELETES } from './bulk-delete.ts';
import { MAX_LISTING } from './listing.ts';
import { MAX_SEGMENTS } from './manifest.ts';
import { MAX_CONTAINER_NAME_BYTES, MAX_META_COUNT, MAX_META_NAME, MAX_META_OVERALL, MAX_META_VALUE, MAX_OBJECT_NAME_BYTES } from './names.ts';

export function swiftCapabilities() {
  return {
    swift: {
      version: 'oceanos',
      account_listing_limit: MAX_LISTING,
      container_listing_limit: MAX_LISTING,
      max_container_name_length: MAX_CONTAINER_NAME_BYTES,
      max_object_name_length: MAX_OBJECT_NAME_BYTES,
      max_meta_name_length: MAX_META_NAME,
      max_meta_value_length: MAX_META_VALUE,
      max_meta_count: MAX_META_COUNT,
      max_meta_overall_size: MAX_META_OVERALL,
      strict_cors_mode: true,
      policies: [{ name: 'Policy-0', default: true }], // Swift's default name; X-Storage-Policy says the same
    },
    bulk_delete: { max_deletes_per_request: MAX_BULK_DELETES, max_failed_deletes: MAX_BULK_DELETES },
    slo: { max_manifest_segments: MAX_SEGMENTS, min_segment_size: 1 },
    pithos: { block_size: BLOCK_SIZE, block_hash: 'sha256' },
  };
}
