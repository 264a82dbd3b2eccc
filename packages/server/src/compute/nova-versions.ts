// The one place that knows which Nova microversion brought which field or parameter. Views
// and request parsers ask `novaAtLeast(api, SINCE.x)`; Cyclades (/compute/v2.0) never has them.
// Sources: Nova's REST API version history and api-ref (compute).

export const SINCE = {
  /** Key pairs: `type` in bodies; create answers 201 and delete 204. */
  keypairType: '2.2',
  /** Servers: `locked` (false: this cloud has no lock action). */
  locked: '2.9',
  /** Key pairs: admins act on another user's with `user_id`. */
  keypairUserId: '2.10',
  /** Servers: `description` on create, update, rebuild and in views. */
  serverDescription: '2.19',
  /** Servers: `tags` in views. */
  serverTags: '2.26',
  /** Key pairs: `limit` and `marker` on the list, with `keypairs_links`. */
  keypairPaging: '2.35',
  /** Server lists: a status filter Nova does not know is a 400. */
  strictStatusFilter: '2.38',
  /** Servers: `networks` is required on create ("auto", "none" or a list). */
  networksRequired: '2.37',
  /** Servers: the flavor embedded in the view (sizes, `original_name`, `extra_specs`) instead of id and links. */
  embeddedFlavor: '2.47',
  /** Servers: `tags` on create. */
  createTags: '2.52',
  /** Rebuild: `key_name`. */
  rebuildKeyName: '2.54',
  /** Flavors: `description` in views, on create, and PUT /flavors/{id} to change it. */
  flavorDescription: '2.55',
  /** Rebuild: `user_data`; create and rebuild no longer take `personality`. */
  rebuildUserData: '2.57',
  /** Flavors: `extra_specs` in detail views. */
  flavorExtraSpecs: '2.61',
  /** Servers: `trusted_image_certificates` (null: this cloud verifies no signatures). */
  trustedCertificates: '2.63',
  /** Servers: `changes-before` list filter. */
  changesBefore: '2.66',
  /** Servers: `server_groups` in show, update and rebuild answers ([]: no server groups here). */
  serverGroups: '2.71',
  /** Servers: `locked_reason`. */
  lockedReason: '2.73',
  /** Servers: update and rebuild answer the whole server; flavors: `swap` is 0, not "". */
  fullServerAnswers: '2.75',
  /** Server lists: non-admins filter on key_name, vm_state, task_state, power_state, user_id, availability_zone, ... */
  userServerFilters: '2.83',
  /** Servers: `hostname` on create, update and rebuild, `OS-EXT-SRV-ATTR:hostname` shown to everyone. */
  hostname: '2.90',
  /** Key pairs: only imports (a public key is required). */
  keypairImportOnly: '2.92',
} as const;

/** Nova's one availability zone's name, where none is configured. */
export const AVAILABILITY_ZONE = 'nova';
