// Isolation attacks on object storage (Swift + Pithos at /object-store/v1, public links):
// B, with whom A shares nothing, tries A's account, containers, objects, versions, hashes,
// grants and links, directly and through copies, moves, manifests and bulk deletes; C, with
// whom A shares one object through a group and a large object directly, sees those and
// nothing more. Pithos answers 403 for what another user may not reach, existing or not.
import type { Reply, TestPlane } from './helpers/control-plane.ts';
import type { Estate } from './helpers/estate.ts';
import type { Attack } from './helpers/isolation.ts';

const STORE = '/object-store/v1';
const account = `${STORE}/{a.id}`;
const box = `${account}/{a.container}`;
const object = `${box}/{a.object}`;
const mine = `${STORE}/{b.id}/{b.container}`;

/** B's attacks on one of A's objects. */
const onObject = (path: string): Attack[] => [
  { method: 'GET', path, expect: 403 },
  { method: 'GET', path: `${path}?version=list&format=json`, expect: 403 },
  { method: 'GET', path: `${path}?version={a.version}`, expect: 403 },
  { method: 'GET', path: `${path}?hashmap&format=json`, expect: 403 },
  { method: 'GET', path: `${path}?multipart-manifest=get`, expect: 403 },
  { method: 'PUT', path, raw: 'overwritten by b', expect: 403 },
  { method: 'PUT', path: `${path}?hashmap&format=json`, headers: { 'content-type': 'text/plain' }, raw: '{"bytes": 1, "hashes": ["{a.blockHash}"]}', expect: 403 },
  { method: 'POST', path, headers: { 'x-object-sharing': 'read={b.id}' }, expect: 403 },
  { method: 'POST', path, headers: { 'x-object-public': 'true' }, expect: 403 },
  { method: 'POST', path, headers: { 'x-object-meta-alpha': 'changed' }, expect: 403 },
  { method: 'COPY', path, headers: { destination: '/{b.container}/stolen', 'destination-account': '{b.id}' }, expect: 403 },
  { method: 'MOVE', path, headers: { destination: '/{b.container}/stolen', 'destination-account': '{b.id}' }, expect: 403 },
  { method: 'DELETE', path: `${path}?until=9999999999`, expect: 403 },
  { method: 'DELETE', path: `${path}?delimiter=/`, expect: 403 },
  { method: 'DELETE', path, expect: 403 },
  // Pithos' partial updates: appending, overwriting, cutting, or writing from another object.
  { method: 'POST', path: `${path}?update&format=json`, headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes */*' }, raw: 'appended by b', expect: 403 },
  { method: 'POST', path: `${path}?update&format=json`, headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-1/*' }, raw: 'bb', expect: 403 },
  { method: 'POST', path: `${path}?update`, headers: { 'x-object-bytes': '0' }, expect: 403 },
  { method: 'POST', path: `${path}?update`, headers: { 'content-range': 'bytes 0-3/*', 'x-source-object': '/{b.container}/{b.object}', 'x-source-account': '{b.id}' }, expect: 403 },
];

/**
 * C's account listing of A counts the objects A shares with C and weighs no more than they do
 * (not the whole container's count and bytes, as A's own listing does).
 */
async function countsOnlyShared(reply: Reply, plane: TestPlane, estate: Estate): Promise<string | undefined> {
  const v = estate.vars;
  const own = await plane.call('GET', `${STORE}/${v['a.id']}/${v['a.container']}?format=json`, { token: estate.a.token });
  const shared = (own.body as { name: string; bytes: number }[]).filter((o) => [v['a.sharedObject'], v['a.manifest'], v['a.slo']].includes(o.name));
  const entry = (reply.body as { name: string; count: number; bytes: number }[]).find((c) => c.name === v['a.container']);
  const most = shared.reduce((sum, o) => sum + o.bytes, 0);
  if (entry?.count === shared.length && entry.bytes <= most) return undefined;
  return `C's listing counts ${JSON.stringify(entry)}, more than the ${shared.length} objects (${most} bytes) shared`;
}

export const storageAttacks: Attack[] = [
  { method: 'GET', path: '/object-store/info', expect: 200 },
  { method: 'GET', path: STORE, expect: [200, 204] },
  { method: 'GET', path: `${STORE}?format=json`, expect: 200 },
  // A's account.
  { method: 'GET', path: account, expect: 403 },
  { method: 'GET', path: `${account}?format=json`, expect: 403 },
  { method: 'POST', path: account, headers: { 'x-account-meta-alpha': 'changed' }, expect: 403 },
  { method: 'POST', path: account, headers: { 'x-account-group-{a.group}': '{b.id}' }, expect: 403 },
  // Swift's bulk delete answers 200 with an error per name.
  { method: 'POST', path: `${account}?bulk-delete`, headers: { 'content-type': 'text/plain' }, raw: '/{a.container}/{a.object}\n/{a.privateContainer}/{a.diary}\n', expect: 200, sameBody: true },
  { method: 'DELETE', path: `${account}?bulk-delete`, headers: { 'content-type': 'text/plain' }, raw: '/{a.container}/{a.object}\n', expect: 200, sameBody: true },
  // A's containers.
  { method: 'PUT', path: box, expect: 403 },
  { method: 'PUT', path: `${account}/{a.container}-twin`, expect: 403 },
  { method: 'GET', path: box, expect: 403 },
  { method: 'GET', path: `${box}?format=json&prefix=alpha`, expect: 403 },
  { method: 'GET', path: `${box}?shared&format=json`, expect: 403 },
  { method: 'GET', path: `${box}?public&format=json`, expect: 403 },
  { method: 'GET', path: `${account}/{a.privateContainer}?format=json`, expect: 403 },
  { method: 'POST', path: box, headers: { 'x-container-meta-alpha': 'changed', 'x-container-policy-quota': '1' }, expect: 403 },
  { method: 'POST', path: box, headers: { 'content-type': 'application/octet-stream' }, raw: 'blocks of b', expect: 403 },
  { method: 'DELETE', path: `${box}?until=9999999999`, expect: 403 },
  { method: 'DELETE', path: `${account}/{a.privateContainer}`, expect: 403 },
  { method: 'DELETE', path: `${box}?delimiter=/`, expect: 403 },
  { method: 'DELETE', path: `${account}/{a.privateContainer}?delimiter=/`, expect: 403 },
  { method: 'POST', path: `${box}?update`, headers: { 'x-container-meta-alpha': 'changed' }, expect: 403 },
  { method: 'POST', path: `${account}?update`, headers: { 'x-account-group-{a.group}': '{b.id}' }, expect: 403 },
  // A's objects: the plain one with history, the one shared with C, the large one.
  ...onObject(object),
  ...onObject(`${box}/{a.sharedObject}`),
  ...onObject(`${box}/{a.manifest}`),
  { method: 'GET', path: `${account}/{a.privateContainer}/{a.diary}`, expect: 403 },
  { method: 'PUT', path: `${box}/planted-by-b`, raw: 'b was here', expect: 403 },
  { method: 'PATCH', path: object, expect: 405 },
  { method: 'PUT', path: `${box}/planted-by-b`, headers: { 'x-copy-from': '/{a.container}/{a.object}' }, expect: 403 },
  // The token in the query, as Pithos' links carry it.
  { method: 'GET', path: `${object}?X-Auth-Token={b.token}`, as: 'nobody', expect: 403 },
  // B's own objects as the way in: copies and moves from A, copies and moves into A's account.
  { method: 'PUT', path: `${mine}/stolen`, headers: { 'x-copy-from': '/{a.container}/{a.object}', 'x-source-account': '{a.id}' }, expect: 403 },
  { method: 'PUT', path: `${mine}/stolen`, headers: { 'x-copy-from': '/{a.container}/{a.object}', 'x-source-account': '{a.id}', 'x-source-version': '{a.version}' }, expect: 403 },
  { method: 'PUT', path: `${mine}/stolen`, headers: { 'x-move-from': '/{a.container}/{a.object}', 'x-source-account': '{a.id}' }, expect: 403 },
  { method: 'PUT', path: `${mine}/stolen`, headers: { 'x-copy-from': '/{a.privateContainer}/{a.diary}', 'x-source-account': '{a.id}' }, expect: 403 },
  { method: 'COPY', path: `${mine}/{b.object}`, headers: { destination: '/{a.container}/planted-by-b', 'destination-account': '{a.id}' }, expect: 403 },
  { method: 'MOVE', path: `${mine}/{b.object}`, headers: { destination: '/{a.container}/{a.object}', 'destination-account': '{a.id}' }, expect: 403 },
  { method: 'PUT', path: `${mine}/{b.object}`, headers: { 'x-object-manifest': '{a.container}/{a.object}' }, raw: '', expect: 201 },
  { method: 'GET', path: `${mine}/{b.object}`, expect: 200 },
  // Knowing a block's hash is not having it: a hashmap naming A's block is missing that block.
  // Partial updates of B's own object from A's: the source is read with B's rights.
  { method: 'POST', path: `${mine}/{b.object}?update`, headers: { 'content-range': 'bytes 0-3/*', 'x-source-object': '/{a.container}/{a.object}', 'x-source-account': '{a.id}' }, expect: 403 },
  { method: 'POST', path: `${mine}/{b.object}?update`, headers: { 'content-range': 'bytes 0-3/*', 'x-source-object': '/{a.privateContainer}/{a.diary}', 'x-source-account': '{a.id}' }, expect: 403 },
  { method: 'PUT', path: `${mine}/possessed?hashmap&format=json`, headers: { 'content-type': 'text/plain' }, raw: '{"bytes": 25, "hashes": ["{a.blockHash}"]}', expect: 409 },
  { method: 'GET', path: `${mine}/possessed`, expect: 404 },
  { method: 'PUT', path: `${mine}/{b.object}`, raw: 'beta content', expect: 201 },
  // Public links: only the published object, and only its content headers.
  { method: 'GET', path: '/public/{a.publicToken}', expect: 200, shows: ['a.publicContent'], oracle: 'the link is the secret: anyone holding it reads the object' },
  { method: 'GET', path: '/public/{a.publicToken}x', expect: 404 },

  // C reads what A shares with C, and nothing else.
  { as: 'c', method: 'GET', path: `${STORE}?format=json`, expect: 200, shows: ['a.id'], oracle: 'A shares with C' },
  { as: 'c', method: 'GET', path: `${account}?format=json`, expect: 200, shows: ['a.container'], oracle: 'A shares with C', check: countsOnlyShared },
  { as: 'c', method: 'GET', path: `${box}?format=json`, expect: 200, shows: ['a.sharedObject', 'a.manifest', 'a.slo'], oracle: 'A shares with C' },
  { as: 'c', method: 'GET', path: `${box}/{a.sharedObject}`, expect: 200, shows: ['a.sharedContent'], oracle: 'A shares with C' },
  { as: 'c', method: 'GET', path: `${box}/{a.sharedObject}?version=list&format=json`, expect: 200, oracle: 'A shares with C' },
  { as: 'c', method: 'GET', path: `${box}/{a.sharedObject}?version={a.sharedOldVersion}`, expect: 404, oracle: 'A shares with C' },
  { as: 'c', method: 'PUT', path: `${STORE}/{c.id}/mine`, expect: [201, 202] },
  { as: 'c', method: 'PUT', path: `${STORE}/{c.id}/mine/copy`, headers: { 'x-copy-from': '/{a.container}/{a.sharedObject}', 'x-source-account': '{a.id}', 'x-source-version': '{a.sharedOldVersion}' }, expect: 404, oracle: 'A shares with C' },
  { as: 'c', method: 'GET', path: `${box}/{a.manifest}`, expect: [200, 403], oracle: 'A shares with C' },
  // A static large object whose segments C may not read is a 409 (Swift's answer to a segment it cannot serve).
  { as: 'c', method: 'GET', path: `${box}/{a.slo}`, expect: [200, 403, 409], oracle: 'A shares with C' },
  { as: 'c', method: 'GET', path: `${box}/{a.slo}?multipart-manifest=get`, expect: [200, 403, 409], oracle: 'A shares with C' },
  { as: 'c', method: 'PUT', path: `${box}/{a.sharedObject}`, raw: 'overwritten by c', expect: 403, oracle: 'A shares with C' },
  { as: 'c', method: 'POST', path: `${box}/{a.sharedObject}`, headers: { 'x-object-sharing': 'read={c.id},{b.id}' }, expect: 403, oracle: 'A shares with C' },
  { as: 'c', method: 'DELETE', path: `${box}/{a.sharedObject}`, expect: 403, oracle: 'A shares with C' },
  { as: 'c', method: 'GET', path: object, expect: 403 },
  { as: 'c', method: 'GET', path: `${object}?hashmap&format=json`, expect: 403 },
  { as: 'c', method: 'GET', path: `${account}/{a.privateContainer}?format=json`, expect: 403 },
  { as: 'c', method: 'PUT', path: `${box}/planted-by-c`, raw: 'c was here', expect: 403, oracle: 'A shares with C' },
];
