// Queries on block references and uploads in flight. Only storage/ calls these.
import { sql } from 'kysely';
import type { Dialect } from '../db/database.ts';
import type { Executor } from '../db/schema.ts';

/** IN lists stay well below every driver's limit on bound parameters. */
const CHUNK = 500;

function* chunks<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += CHUNK) yield items.slice(i, i + CHUNK);
}

/** How many times each hash occurs in a hashmap. */
export function countHashes(hashes: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const hash of hashes) counts.set(hash, (counts.get(hash) ?? 0) + 1);
  return counts;
}

// ---- references

/** A new kept version of `account` references these blocks. */
export async function addRefs(ex: Executor, account: string, hashes: string[]): Promise<void> {
  for (const batch of chunks([...countHashes(hashes)])) {
    await ex.insertInto('pithos_refs').values(batch.map(([hash, refs]) => ({ account, hash, refs })))
      .onConflict((oc) => oc.columns(['account', 'hash']).doUpdateSet({ refs: sql`pithos_refs.refs + excluded.refs` }))
      .execute();
  }
}

/** Kept versions of `account` that referenced these blocks are gone. */
export async function removeRefs(ex: Executor, account: string, hashes: string[]): Promise<void> {
  const byCount = new Map<number, string[]>();
  for (const [hash, count] of countHashes(hashes)) byCount.set(count, [...(byCount.get(count) ?? []), hash]);
  for (const [count, group] of byCount) {
    for (const batch of chunks(group)) {
      await ex.updateTable('pithos_refs').set({ refs: sql`refs - ${count}` }).where('account', '=', account).where('hash', 'in', batch).execute();
    }
  }
  for (const batch of chunks([...new Set(hashes)])) {
    await ex.deleteFrom('pithos_refs').where('account', '=', account).where('hash', 'in', batch).where('refs', '<=', 0).execute();
  }
}

/** The hashes among `hashes` that `account` references, or holds in an upload of its own. */
export async function possessedBy(ex: Executor, account: string, hashes: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const batch of chunks([...new Set(hashes)])) {
    const referenced = await ex.selectFrom('pithos_refs').select('hash').where('account', '=', account).where('hash', 'in', batch).execute();
    const held = await ex.selectFrom('pithos_held_blocks as h').innerJoin('pithos_uploads as u', 'u.id', 'h.upload_id')
      .select('h.hash').where('u.account', '=', account).where('h.hash', 'in', batch).execute();
    for (const row of [...referenced, ...held]) out.add(row.hash);
  }
  return out;
}

/** The hashes among `hashes` that some version references or some upload holds. */
export async function inUse(ex: Executor, hashes: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const batch of chunks([...new Set(hashes)])) {
    const referenced = await ex.selectFrom('pithos_refs').select('hash').distinct().where('hash', 'in', batch).execute();
    const held = await ex.selectFrom('pithos_held_blocks').select('hash').distinct().where('hash', 'in', batch).execute();
    for (const row of [...referenced, ...held]) out.add(row.hash);
  }
  return out;
}

// ---- uploads

export const insertUpload = (ex: Executor, id: string, account: string, owner: string | null, expiresAt: string) =>
  ex.insertInto('pithos_uploads').values({ id, account, owner, expires_at: expiresAt, serials: '' })
    .onConflict((oc) => oc.column('id').doUpdateSet({ expires_at: expiresAt })).execute();

export const extendUpload = (ex: Executor, id: string, expiresAt: string) =>
  ex.updateTable('pithos_uploads').set({ expires_at: expiresAt }).where('id', '=', id).execute();

/** The upload's row, locked until the transaction ends (PostgreSQL; SQLite serialises anyway), or undefined once it ended. */
export const lockUpload = (ex: Executor, dialect: Dialect, id: string) =>
  ex.selectFrom('pithos_uploads').select('id').where('id', '=', id).$if(dialect === 'postgres', (q) => q.forUpdate()).executeTakeFirst();

/** Records a quota reservation that the upload holds until it ends; false if the upload has ended. */
export async function addUploadSerial(ex: Executor, id: string, serial: number): Promise<boolean> {
  const result = await ex.updateTable('pithos_uploads').set({ serials: sql`serials || ${`${serial} `}` }).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export const parseSerials = (serials: string): number[] => serials.split(' ').filter(Boolean).map(Number);

/** Ends an upload; returns the reservations it held (read as it is deleted, so none added meanwhile is missed). */
export async function deleteUpload(ex: Executor, id: string): Promise<number[]> {
  const row = await ex.deleteFrom('pithos_uploads').where('id', '=', id).returning('serials').executeTakeFirst();
  return parseSerials(row?.serials ?? '');
}

/** Uploads whose lease ran out, and the streamed ones with their owning process. */
export const uploadLeases = (ex: Executor) => ex.selectFrom('pithos_uploads').select(['id', 'owner', 'expires_at']).execute();

/** Holds a block for an upload; false if the upload held it already. */
export async function holdBlock(ex: Executor, uploadId: string, hash: string, bytes: number, serial: number | null): Promise<boolean> {
  const result = await ex.insertInto('pithos_held_blocks').values({ upload_id: uploadId, hash, bytes, serial })
    .onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export const isHeld = async (ex: Executor, uploadId: string, hash: string) =>
  (await ex.selectFrom('pithos_held_blocks').select('hash').where('upload_id', '=', uploadId).where('hash', '=', hash).executeTakeFirst()) !== undefined;

/** Lets go of an upload's blocks (all, or those in `hashes`); returns what was held. */
export async function releaseHeld(ex: Executor, uploadId: string, hashes?: string[]): Promise<{ hash: string; serial: number | null }[]> {
  if (hashes === undefined) {
    return (await ex.deleteFrom('pithos_held_blocks').where('upload_id', '=', uploadId).returning(['hash', 'serial']).execute())
      .map((r) => ({ hash: r.hash, serial: r.serial === null ? null : Number(r.serial) }));
  }
  const out: { hash: string; serial: number | null }[] = [];
  for (const batch of chunks([...new Set(hashes)])) {
    const rows = await ex.deleteFrom('pithos_held_blocks').where('upload_id', '=', uploadId).where('hash', 'in', batch).returning(['hash', 'serial']).execute();
    out.push(...rows.map((r) => ({ hash: r.hash, serial: r.serial === null ? null : Number(r.serial) })));
  }
  return out;
}

/** Every quota reservation some upload holds (the rest of a service's pending ones are orphans). */
export async function heldSerials(ex: Executor): Promise<Set<number>> {
  const out = new Set<number>();
  for (const row of await ex.selectFrom('pithos_held_blocks').select('serial').where('serial', 'is not', null).execute()) out.add(Number(row.serial));
  for (const row of await ex.selectFrom('pithos_uploads').select('serials').where('serials', '!=', '').execute()) for (const s of parseSerials(row.serials)) out.add(s);
  return out;
}
