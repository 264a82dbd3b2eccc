// What the fuzz suite starts from to get past the first checks of a route: a value for each
// path parameter (by the segment before it, else by its name), and a valid body for the
// routes that take one. A route with a parameter that has no value here fails the suite, so
// a new service names its own. Values use the estate's placeholders (`{a.server}`).

/** Path parameter values: `segment/:param` first, then `:param`. */
export const PARAM_VALUES: Record<string, string[]> = {
  'servers/:id': ['{a.server}'],
  'images/:id': ['{a.image}', '{a.sharedImage}', '{a.plankton}'],
  'users/:id': ['{a.id}'],
  'projects/:id': ['{a.project}', '{a.id}'],
  'flavors/:id': ['{a.flavor}', '1'],
  'roles/:id': ['{a.role}', 'member'],
  'domains/:id': ['default'],
  'os-keypairs/:name': ['{a.keypair}'],
  'resources/:name': ['cyclades.vm', 'pithos.diskspace'],
  'metadata/:key': ['{a.metaKey}'],
  'os-extra_specs/:key': ['{a.spec}'],
  'tags/:tag': ['{a.tag}', '{a.imageTag}'],
  'members/:member': ['{c.id}'],
  'shared-images/:member': ['{a.id}', '{c.id}'],
  'tokens/:token': ['{a.token}'],
  ':project': ['{a.project}', '{a.id}'],
  ':user': ['{a.id}'],
  ':role': ['{a.role}'],
  ':resource': ['cyclades.vm', 'pithos.diskspace'],
  ':serial': ['1', '2'],
  'public/:token': ['{a.publicToken}'],
  'v1/*': ['{a.id}', '{a.id}/{a.container}', '{a.id}/{a.container}/{a.object}', '{a.id}/{a.container}/{a.manifest}', '{b.id}/{b.container}/{b.object}'],
  'app/*': ['console.js', 'console.css'],
  'core/*': ['rfb.js'],
  'vendor/*': ['pako/lib/zlib/inflate.js'],
};

/** A request a route accepts: a JSON body (or raw text), and the headers it needs. */
export interface Sample { body?: unknown; raw?: string; contentType?: string; headers?: Record<string, string> }

const json = (body: unknown): Sample[] => [{ body }];
const password = (user: Record<string, unknown>) => ({ auth: { identity: { methods: ['password'], password: { user: { domain: { id: 'default' }, ...user } } }, scope: { project: { id: '{a.project}' } } } });

/** Valid bodies of the compute API, the same under /compute/v2.1 and /compute/v2.0. */
const COMPUTE: Record<string, Sample[]> = {
  'POST /flavors': json({ flavor: { name: 'fuzz', vcpus: 1, ram: 64, disk: 1, 'os-flavor-access:is_public': true } }),
  'POST /flavors/:id/action': [...json({ addTenantAccess: { tenant: '{a.id}' } }), ...json({ removeTenantAccess: { tenant: '{a.id}' } })],
  'POST /flavors/:id/os-extra_specs': json({ extra_specs: { 'hw:cpu_policy': 'shared' } }),
  'PUT /flavors/:id/os-extra_specs/:key': json({ '{a.spec}': 'value' }),
  'POST /os-keypairs': json({ keypair: { name: 'fuzz-key', public_key: '{a.publicKey}', type: 'ssh' } }),
  'POST /servers': json({
    server: {
      name: 'fuzz-vm', imageRef: '{a.image}', flavorRef: '1', metadata: { k: 'v' }, key_name: '{a.keypair}', tags: ['t'],
      user_data: 'aGVsbG8=', personality: [{ path: '/etc/motd', contents: 'aGk=' }], adminPass: 'fuzz-pass',
    },
  }),
  'PUT /servers/:id': json({ server: { name: 'fuzz-renamed' } }),
  'POST /servers/:id/action': [
    { 'os-stop': null }, { 'os-start': null }, { reboot: { type: 'SOFT' } }, { resize: { flavorRef: '1' } }, { confirmResize: null },
    { revertResize: null }, { 'os-getConsoleOutput': { length: 10 } }, { 'os-getVNCConsole': { type: 'novnc' } }, { rebuild: { imageRef: '{a.image}', name: 'fuzz-rebuilt' } },
  ].map((body) => ({ body })),
  'POST /servers/:id/remote-consoles': json({ remote_console: { protocol: 'vnc', type: 'novnc' } }),
  'POST /servers/:id/metadata': json({ metadata: { k: 'v' } }),
  'PUT /servers/:id/metadata': json({ metadata: { '{a.metaKey}': '{a.metaValue}' } }),
  'PUT /servers/:id/metadata/:key': json({ meta: { '{a.metaKey}': 'v' } }),
  'PUT /servers/:id/tags': json({ tags: ['{a.tag}', 'other'] }),
  'POST /oceanos/reconcile/servers': json({ fix: false }),
};

const subject: Sample[] = [{ headers: { 'x-subject-token': '{a.token}' } }];

export const SAMPLES: Record<string, Sample[]> = {
  'GET /identity/v3/auth/tokens': subject,
  'HEAD /identity/v3/auth/tokens': subject,
  'DELETE /identity/v3/auth/tokens': subject,
  'POST /identity/v3/auth/tokens': [...json(password({ id: '{a.id}', password: '{a.password}' })), ...json({ auth: { identity: { methods: ['token'], token: { id: '{a.token}' } }, scope: 'unscoped' } })],
  'POST /identity/v3/users': json({ user: { name: 'fuzz-user', password: 'fuzz-pass-1', email: 'f@example.org', enabled: true, description: 'd', is_admin: false } }),
  'PATCH /identity/v3/users/:id': json({ user: { email: 'f@example.org', display_name: 'Fuzz', enabled: true } }),
  'POST /identity/v3/users/:id/password': json({ user: { original_password: 'not-the-password', password: 'fuzz-pass-2' } }),
  'POST /identity/v3/projects': json({ project: { name: 'fuzz-project', description: 'd', enabled: true, domain_id: 'default' } }),
  'PATCH /identity/v3/projects/:id': json({ project: { description: 'fuzzed', enabled: true } }),
  'POST /identity/v2.0/tokens': [...json({ auth: { passwordCredentials: { username: '{a.id}', password: 'not-the-password' }, tenantName: '{a.projectName}' } }), ...json({ auth: { token: { id: '{a.token}' }, tenantId: '{a.project}' } })],
  'POST /identity/v2.0/users/:id/action': json({ renewToken: {} }),
  'PATCH /account/v1.0/resources/:name': json({ system_default: 1000, project_default: 1000 }),
  'PUT /account/v1.0/quotas/:user/:resource': json({ limit: 1000 }),
  'POST /account/v1.0/commissions': json({ name: 'fuzz', force: false, auto_accept: false, provisions: [{ holder: '{a.id}', source: 'system', resource: 'cyclades.vm', quantity: 1 }] }),
  'POST /account/v1.0/commissions/:serial/action': json({ reject: '' }),
  'POST /account/v1.0/commissions/action': json({ accept: [1], reject: [2] }),
  'POST /account/v1.0/user_catalogs': json({ uuids: ['{a.id}'], displaynames: ['admin'] }),
  'POST /image/v2/images': json({ name: 'fuzz-image', disk_format: 'raw', container_format: 'bare', visibility: 'private', min_disk: 1, min_ram: 1, protected: false, tags: ['t'], fuzz_property: 'v' }),
  'PATCH /image/v2/images/:id': [{ contentType: 'application/openstack-images-v2.1-json-patch', body: [{ op: 'replace', path: '/name', value: 'fuzzed' }, { op: 'add', path: '/fuzz_property', value: 'v' }] }],
  'PUT /image/v2/images/:id/file': [{ contentType: 'application/octet-stream', raw: 'not a disk image' }],
  'POST /image/v2/images/:id/members': json({ member: '{c.id}' }),
  'PUT /image/v2/images/:id/members/:member': json({ status: 'accepted' }),
  'PUT /image/v1.0/images/:id/members': json({ memberships: [{ member_id: '{c.id}' }] }),
  'POST /image/v1.0/images': [{ headers: { 'x-image-meta-location': 'pithos://{a.id}/{a.privateContainer}/{a.disk}', 'x-image-meta-name': 'fuzz', 'x-image-meta-min-disk': '1', 'x-image-meta-property-os': 'fuzz' } }],
  'PUT /image/v1.0/images/:id': [{ headers: { 'x-image-meta-name': 'fuzzed', 'x-image-meta-is-public': 'false', 'x-image-meta-property-os': 'fuzz' } }],
  // Object storage: one route for accounts, containers and objects; the path says which.
  'PUT /object-store/v1/*': [{ raw: 'fuzz data', contentType: 'text/plain', headers: { 'x-object-meta-fuzz': 'yes' } }, { headers: { 'x-container-policy-versioning': 'auto', 'x-container-policy-quota': '1000000' } }],
  'POST /object-store/v1/*': [
    { headers: { 'x-object-meta-fuzz': 'yes', 'x-container-meta-fuzz': 'yes', 'x-account-meta-fuzz': 'yes' } }, { headers: { 'x-object-sharing': 'read={c.id}' } },
    // Pithos' partial update (append).
    { raw: 'fuzz', contentType: 'application/octet-stream', headers: { 'content-range': 'bytes */*' } },
  ],
  'COPY /object-store/v1/*': [{ headers: { destination: '/{a.container}/fuzz-copy' } }],
  'MOVE /object-store/v1/*': [{ headers: { destination: '/{a.container}/fuzz-moved' } }],
  ...Object.fromEntries(['/compute/v2.1', '/compute/v2.0'].flatMap((prefix) => Object.entries(COMPUTE).map(([key, samples]) => {
    const [method, path] = key.split(' ');
    return [`${method} ${prefix}${path}`, samples];
  }))),
  'POST /oceanos/reconcile/servers': COMPUTE['POST /oceanos/reconcile/servers']!,
};

/** The values for one path parameter of `url` (a route pattern); undefined if none is known. */
export function paramValues(url: string, param: string): string[] | undefined {
  const segments = url.split('/');
  const at = segments.indexOf(param);
  const before = at > 0 ? segments[at - 1] : undefined;
  return (before !== undefined ? PARAM_VALUES[`${before}/${param}`] : undefined) ?? PARAM_VALUES[param];
}
