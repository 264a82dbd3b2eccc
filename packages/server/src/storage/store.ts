// Queries on Pithos+ tables. Only storage/ calls these.
import { sql, type ExpressionBuilder } from 'kysely';
import { CLUSTER, type Executor, type PithosContainersTable, type PithosVersionsTable, type Schema } from '../db/schema.ts';
import type { Grant, Sharing } from './sharing.ts';

export type ContainerRow = PithosContainersTable;
/** A container as made or changed by a request: its counters are the tally's (ContainerTally). */
export type NewContainer = Omit<ContainerRow, 'object_count' | 'bytes_used'>;
export type VersionRow = Omit<PithosVersionsTable, 'serial'> & { serial: number };
export type NewVersion = Omit<PithosVersionsTable, 'serial'>;
export interface Stats { count: number; bytes: number }

// ---- accounts and groups

export const findAccount = (ex: Executor, account: string) =>
  ex.selectFrom('pithos_accounts').selectAll().where('account', '=', account).executeTakeFirst();

export const saveAccountMetadata = (ex: Executor, account: string, metadata: string) =>
  ex.insertInto('pithos_accounts').values({ account, metadata, modified_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('account').doUpdateSet({ metadata, modified_at: new Date().toISOString() })).execute();

/** Records the account's creation the first time it holds something. */
export const ensureAccount = (ex: Executor, account: string) =>
  ex.insertInto('pithos_accounts').values({ account, metadata: '{}', modified_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('account').doNothing()).execute();

export async function accountStats(ex: Executor, account: string): Promise<Stats & { containers: number }> {
  const row = await ex.selectFrom('pithos_containers')
    .select((eb) => [eb.fn.countAll<number>().as('containers'), eb.fn.coalesce(eb.fn.sum<number>('object_count'), sql<number>`0`).as('count'),
      eb.fn.coalesce(eb.fn.sum<number>('bytes_used'), sql<number>`0`).as('bytes')])
    .where('account', '=', account).executeTakeFirstOrThrow();
  return { count: Number(row.count), bytes: Number(row.bytes), containers: Number(row.containers) };
}

export const groupsOf = (ex: Executor, account: string) =>
  ex.selectFrom('pithos_groups').select(['name', 'member']).where('account', '=', account).orderBy('name').orderBy('member').execute();

export async function replaceGroup(ex: Executor, account: string, name: string, members: string[]): Promise<void> {
  await ex.deleteFrom('pithos_groups').where('account', '=', account).where('name', '=', name).execute();
  if (members.length) await ex.insertInto('pithos_groups').values(members.map((member) => ({ account, name, member }))).execute();
}

/** Names of `owner`'s groups that have `member` in them. */
export async function groupsWithMember(ex: Executor, owner: string, member: string): Promise<string[]> {
  const rows = await ex.selectFrom('pithos_groups').select('name').where('account', '=', owner).where('member', '=', member).execute();
  return rows.map((r) => r.name);
}

// ---- containers

export const findContainer = (ex: Executor, account: string, name: string) =>
  ex.selectFrom('pithos_containers').selectAll().where('account', '=', account).where('name', '=', name).executeTakeFirst();

export const insertContainer = (ex: Executor, row: NewContainer) =>
  ex.insertInto('pithos_containers').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();

export const updateContainer = (ex: Executor, account: string, name: string, patch: Partial<NewContainer>) =>
  ex.updateTable('pithos_containers').set(patch).where('account', '=', account).where('name', '=', name).execute();

/** Deletes a container with its grants and links (its versions are dropped first, with their references). */
export async function deleteContainer(ex: Executor, account: string, name: string): Promise<void> {
  for (const table of ['pithos_grants', 'pithos_public'] as const) {
    await ex.deleteFrom(table).where('account', '=', account).where('container', '=', name).execute();
  }
  await ex.deleteFrom('pithos_containers').where('account', '=', account).where('name', '=', name).execute();
}

/** A container's current objects and their bytes, from its counters. */
export async function containerStats(ex: Executor, account: string, container: string): Promise<Stats> {
  const row = await ex.selectFrom('pithos_containers').select(['object_count', 'bytes_used'])
    .where('account', '=', account).where('name', '=', container).executeTakeFirst();
  return { count: Number(row?.object_count ?? 0), bytes: Number(row?.bytes_used ?? 0) };
}

/**
 * Changes in containers' current objects and bytes during one transaction, applied at its end
 * (tallyContainers) in a fixed order, so that two transactions never wait on each other's
 * container rows in opposite orders.
 */
export class ContainerTally {
  readonly changes = new Map<string, Stats & { account: string; container: string }>();

  add(account: string, container: string, count: number, bytes: number): void {
    const key = JSON.stringify([account, container]);
    const entry = this.changes.get(key) ?? { account, container, count: 0, bytes: 0 };
    entry.count += count;
    entry.bytes += bytes;
    this.changes.set(key, entry);
  }

  bytesOf(account: string, container: string): number {
    return this.changes.get(JSON.stringify([account, container]))?.bytes ?? 0;
  }
}

export async function tallyContainers(ex: Executor, tally: ContainerTally): Promise<void> {
  for (const key of [...tally.changes.keys()].sort()) {
    const { account, container, count, bytes } = tally.changes.get(key)!;
    if (count === 0 && bytes === 0) continue;
    await ex.updateTable('pithos_containers')
      .set((eb) => ({ object_count: eb('object_count', '+', count), bytes_used: eb('bytes_used', '+', bytes) }))
      .where('account', '=', account).where('name', '=', container).execute();
  }
}

/** Containers whose counters differ from a recount of their current objects; `fix` corrects them. */
export async function recountContainers(ex: Executor, fix: boolean): Promise<{ account: string; container: string; recorded: Stats; kept: Stats }[]> {
  const rows = (await sql<{ account: string; name: string; object_count: number; bytes_used: number; count: number; bytes: number }>`
    select c.account, c.name, c.object_count, c.bytes_used, coalesce(s.count, 0) as count, coalesce(s.bytes, 0) as bytes
    from pithos_containers c left join (
      select account, container, count(*) as count, sum(size) as bytes from pithos_versions
      where cluster = ${CLUSTER.normal} group by account, container) s on s.account = c.account and s.container = c.name
    where c.object_count <> coalesce(s.count, 0) or c.bytes_used <> coalesce(s.bytes, 0)`.execute(ex)).rows;
  const drift = rows.map((r) => ({ account: r.account, container: r.name,
    recorded: { count: Number(r.object_count), bytes: Number(r.bytes_used) }, kept: { count: Number(r.count), bytes: Number(r.bytes) } }));
  if (fix) {
    for (const d of drift) {
      await ex.updateTable('pithos_containers').set({ object_count: d.kept.count, bytes_used: d.kept.bytes })
        .where('account', '=', d.account).where('name', '=', d.container).execute();
    }
  }
  return drift;
}

export interface NameRange { after?: string; from?: string; before?: string; limit: number; descending?: boolean }

/** Containers in byte order with their object count and bytes. */
export async function listContainers(ex: Executor, account: string, range: NameRange, only?: string[]) {
  let q = ex.selectFrom('pithos_containers').select(['name', 'modified_at', 'object_count', 'bytes_used']).where('account', '=', account);
  if (range.after !== undefined) q = q.where('name', '>', range.after);
  if (range.from !== undefined) q = q.where('name', '>=', range.from);
  if (range.before !== undefined) q = q.where('name', '<', range.before);
  if (only) q = q.where('name', 'in', only.length ? only : ['']);
  const rows = await q.orderBy('name', range.descending ? 'desc' : 'asc').limit(range.limit).execute();
  return rows.map((r) => ({ name: r.name, modifiedAt: r.modified_at, count: Number(r.object_count), bytes: Number(r.bytes_used) }));
}

// ---- versions

const parse = (row: VersionRow): VersionRow => ({ ...row, serial: Number(row.serial), size: Number(row.size) });

export async function currentVersion(ex: Executor, account: string, container: string, name: string): Promise<VersionRow | undefined> {
  const row = await ex.selectFrom('pithos_versions').selectAll()
    .where('account', '=', account).where('container', '=', container).where('name', '=', name).where('cluster', '=', CLUSTER.normal)
    .executeTakeFirst();
  return row && parse(row);
}

/** The current version of the object with this UUID (an object keeps its UUID across moves). */
export async function currentByUuid(ex: Executor, uuid: string): Promise<VersionRow | undefined> {
  const row = await ex.selectFrom('pithos_versions').selectAll().where('uuid', '=', uuid).where('cluster', '=', CLUSTER.normal).executeTakeFirst();
  return row && parse(row);
}

export async function versionBySerial(ex: Executor, serial: number): Promise<VersionRow | undefined> {
  const row = await ex.selectFrom('pithos_versions').selectAll().where('serial', '=', serial).executeTakeFirst();
  return row && parse(row);
}

/** Every kept version of a name (current and history), oldest first. */
export const versionsOf = (ex: Executor, account: string, container: string, name: string) =>
  ex.selectFrom('pithos_versions').select(['serial', 'modified_at'])
    .where('account', '=', account).where('container', '=', container).where('name', '=', name)
    .where('cluster', 'in', [CLUSTER.normal, CLUSTER.history]).orderBy('serial').execute();

export async function insertVersion(ex: Executor, row: NewVersion): Promise<number> {
  const inserted = await ex.insertInto('pithos_versions').values(row).returning('serial').executeTakeFirstOrThrow();
  return Number(inserted.serial);
}

export const setCluster = (ex: Executor, serial: number, cluster: number) =>
  ex.updateTable('pithos_versions').set({ cluster }).where('serial', '=', serial).execute();

/** Which versions to delete: a name's or a container's, all of them or the history, up to a time. */
export interface VersionScope { account: string; container: string; name?: string; clusters: 'all' | 'history'; until?: string }

/** Deletes versions; returns their sizes and hashmaps (for the charge and the references). */
export async function deleteVersions(ex: Executor, scope: VersionScope): Promise<{ size: number; hashes: string; cluster: number }[]> {
  let q = ex.deleteFrom('pithos_versions').where('account', '=', scope.account).where('container', '=', scope.container);
  if (scope.name !== undefined) q = q.where('name', '=', scope.name);
  if (scope.clusters === 'history') q = q.where('cluster', '=', CLUSTER.history);
  if (scope.until !== undefined) q = q.where('modified_at', '<=', scope.until);
  const rows = await q.returning(['size', 'hashes', 'cluster']).execute();
  return rows.map((r) => ({ size: Number(r.size), hashes: r.hashes, cluster: Number(r.cluster) }));
}

export const updateVersion = (ex: Executor, serial: number, patch: { metadata?: string; content_type?: string; manifest?: string }) =>
  ex.updateTable('pithos_versions').set(patch).where('serial', '=', serial).execute();

export interface ListedObject { name: string; size: number; md5: string | null; content_type: string; modified_at: string; manifest: string | null; serial: number }

/** Names a grant list covers: each granted name itself and anything below `<name>/`. */
function coveredBy(eb: ExpressionBuilder<Schema, 'pithos_versions'>, names: string[]) {
  return eb.or(names.flatMap((n) => [
    eb('name', '=', n),
    // '0' follows '/' in byte order: this range is every name starting with `n/`.
    eb.and([eb('name', '>', `${n}/`), eb('name', '<', `${n}0`)]),
  ]));
}

/**
 * Current objects in byte order. `visible` restricts to names a grant covers: the granted
 * name itself or anything below `<name>/`.
 */
export async function listObjects(ex: Executor, account: string, container: string, range: NameRange, visible?: string[]): Promise<ListedObject[]> {
  let q = ex.selectFrom('pithos_versions').select(['name', 'size', 'md5', 'content_type', 'modified_at', 'manifest', 'serial'])
    .where('account', '=', account).where('container', '=', container).where('cluster', '=', CLUSTER.normal);
  if (range.after !== undefined) q = q.where('name', '>', range.after);
  if (range.from !== undefined) q = q.where('name', '>=', range.from);
  if (range.before !== undefined) q = q.where('name', '<', range.before);
  if (visible) {
    if (visible.length === 0) return [];
    q = q.where((eb) => coveredBy(eb, visible));
  }
  const rows = await q.orderBy('name', range.descending ? 'desc' : 'asc').limit(range.limit).execute();
  return rows.map((r) => ({ ...r, size: Number(r.size), serial: Number(r.serial) }));
}

/** Count and bytes of the current objects that grants on `visible` names cover. */
export async function visibleStats(ex: Executor, account: string, container: string, visible: string[]): Promise<Stats> {
  if (visible.length === 0) return { count: 0, bytes: 0 };
  const row = await ex.selectFrom('pithos_versions')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('bytes')])
    .where('account', '=', account).where('container', '=', container).where('cluster', '=', CLUSTER.normal)
    .where((eb) => coveredBy(eb, visible)).executeTakeFirstOrThrow();
  return { count: Number(row.count), bytes: Number(row.bytes) };
}

/** An MD5 already known for the same bytes (same Merkle root and size). */
export async function knownMd5(ex: Executor, objectHash: string, size: number): Promise<string | null> {
  const row = await ex.selectFrom('pithos_versions').select('md5').where('object_hash', '=', objectHash).where('size', '=', size)
    .where('md5', 'is not', null).limit(1).executeTakeFirst();
  return row?.md5 ?? null;
}

export const fillMd5 = (ex: Executor, objectHash: string, size: number, md5: string) =>
  ex.updateTable('pithos_versions').set({ md5 }).where('object_hash', '=', objectHash).where('size', '=', size).where('md5', 'is', null).execute();

/** Bytes of every kept version of each account: what pithos.diskspace must charge. */
export async function keptBytes(ex: Executor): Promise<Map<string, number>> {
  const rows = await ex.selectFrom('pithos_versions').select((eb) => ['account', eb.fn.sum<number>('size').as('bytes')]).groupBy('account').execute();
  return new Map(rows.map((r) => [r.account, Number(r.bytes)]));
}

// ---- grants and public links

export async function grantsOn(ex: Executor, account: string, container: string, name: string): Promise<Grant[]> {
  const rows = await ex.selectFrom('pithos_grants').select(['grantee', 'can_write'])
    .where('account', '=', account).where('container', '=', container).where('name', '=', name).execute();
  return rows.map((r) => ({ grantee: r.grantee, canWrite: r.can_write === 1 }));
}

/**
 * Replaces the grants on a name. A grantee who keeps access keeps the moment it was granted;
 * a new one is granted as of now, or with all history when `shareHistory` is set.
 */
export async function setGrants(ex: Executor, account: string, container: string, name: string, sharing: Sharing): Promise<void> {
  const rows = await ex.selectFrom('pithos_grants').select(['grantee', 'granted_serial'])
    .where('account', '=', account).where('container', '=', container).where('name', '=', name).execute();
  const before = new Map(rows.map((r) => [r.grantee, Number(r.granted_serial)]));
  await ex.deleteFrom('pithos_grants').where('account', '=', account).where('container', '=', container).where('name', '=', name).execute();
  if (sharing.grants.length === 0) return;
  const now = sharing.shareHistory ? 0 : await newestSerial(ex);
  await ex.insertInto('pithos_grants').values(sharing.grants.map((g) => ({
    account, container, name, grantee: g.grantee, can_write: g.canWrite ? 1 : 0,
    granted_serial: sharing.shareHistory ? 0 : before.get(g.grantee) ?? now,
  }))).execute();
}

/** The serial of the newest version in the store (0 when empty). */
async function newestSerial(ex: Executor): Promise<number> {
  const row = await ex.selectFrom('pithos_versions').select((eb) => eb.fn.max('serial').as('serial')).executeTakeFirst();
  return Number(row?.serial ?? 0);
}

/** The newest version of a name with a serial up to `serial`: the one current at that moment. */
export async function versionCurrentAt(ex: Executor, path: { account: string; container: string; name: string }, serial: number): Promise<number | undefined> {
  const row = await ex.selectFrom('pithos_versions').select((eb) => eb.fn.max('serial').as('serial'))
    .where('account', '=', path.account).where('container', '=', path.container).where('name', '=', path.name).where('serial', '<=', serial)
    .executeTakeFirst();
  return row?.serial === null || row?.serial === undefined ? undefined : Number(row.serial);
}

/** Grants `owner` made to any of `grantees`, optionally in one container. */
export const grantsTo = (ex: Executor, owner: string, grantees: string[], container?: string) => {
  let q = ex.selectFrom('pithos_grants').select(['container', 'name', 'can_write', 'granted_serial']).where('account', '=', owner).where('grantee', 'in', grantees);
  if (container !== undefined) q = q.where('container', '=', container);
  return q.execute();
};

/** Grants on names `owner` shares with anyone (the owner's `?shared` listing). */
export const sharedNames = (ex: Executor, owner: string, container: string) =>
  ex.selectFrom('pithos_grants').select('name').distinct().where('account', '=', owner).where('container', '=', container).execute();

/** Accounts that share something with `user`, directly, with everyone, or through a group. */
export async function accountsSharingWith(ex: Executor, user: string, range: NameRange): Promise<string[]> {
  let q = ex.selectFrom('pithos_grants as g').select('g.account').distinct()
    .where('g.account', '!=', user)
    .where((eb) => eb.or([
      eb('g.grantee', 'in', [user, '*']),
      eb('g.grantee', 'in', eb.selectFrom('pithos_groups as gr').select(sql<string>`gr.account || ':' || gr.name`.as('ref')).where('gr.member', '=', user)),
    ]));
  if (range.after !== undefined) q = q.where('g.account', '>', range.after);
  const rows = await q.orderBy('g.account').limit(range.limit).execute();
  return rows.map((r) => r.account);
}

/** When each account last changed: its own metadata or any of its containers (ISO times). */
export async function accountsModifiedAt(ex: Executor, accounts: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (accounts.length === 0) return out;
  const later = (account: string, time: string | null) => {
    if (time && (out.get(account) ?? '') < time) out.set(account, time);
  };
  for (const r of await ex.selectFrom('pithos_accounts').select(['account', 'modified_at']).where('account', 'in', accounts).execute()) later(r.account, r.modified_at);
  const containers = await ex.selectFrom('pithos_containers').select(['account', (eb) => eb.fn.max('modified_at').as('modified_at')])
    .where('account', 'in', accounts).groupBy('account').execute();
  for (const r of containers) later(r.account, r.modified_at as string | null);
  return out;
}

export const publicToken = async (ex: Executor, account: string, container: string, name: string) =>
  (await ex.selectFrom('pithos_public').select('token').where('account', '=', account).where('container', '=', container).where('name', '=', name).executeTakeFirst())?.token;

export const insertPublic = (ex: Executor, token: string, account: string, container: string, name: string) =>
  ex.insertInto('pithos_public').values({ token, account, container, name, created_at: new Date().toISOString() }).onConflict((oc) => oc.doNothing()).execute();

export const deletePublic = (ex: Executor, account: string, container: string, name: string) =>
  ex.deleteFrom('pithos_public').where('account', '=', account).where('container', '=', container).where('name', '=', name).execute();

export const findPublic = (ex: Executor, token: string) =>
  ex.selectFrom('pithos_public').selectAll().where('token', '=', token).executeTakeFirst();

/** Public names in a container (the owner's `?public` listing). */
export const publicNames = (ex: Executor, owner: string, container: string) =>
  ex.selectFrom('pithos_public').select('name').where('account', '=', owner).where('container', '=', container).execute();
