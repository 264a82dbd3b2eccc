// Queries on the image tables. Only images/ calls these.
import type { Executor, ImageMembersTable, ImagesTable } from '../db/schema.ts';

export type ImageRow = ImagesTable;
export type MemberRow = ImageMembersTable;

const parse = (row: ImageRow): ImageRow => ({
  ...row,
  size: row.size === null ? null : Number(row.size),
  virtual_size: row.virtual_size === null ? null : Number(row.virtual_size),
});

/** An image by id, deleted ones included (a re-registration revives the row). */
export async function findImage(ex: Executor, id: string): Promise<ImageRow | undefined> {
  const row = await ex.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
  return row && parse(row);
}

export async function insertImage(ex: Executor, row: ImageRow): Promise<void> {
  await ex.insertInto('images').values(row).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
}

export async function updateImage(ex: Executor, id: string, patch: Partial<ImageRow>): Promise<void> {
  await ex.updateTable('images').set({ ...patch, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
}

/** Moves an image from one status to another only if it is still in the first (uploads race). */
export async function switchStatus(ex: Executor, id: string, from: ImageRow['status'], to: ImageRow['status']): Promise<boolean> {
  const result = await ex.updateTable('images').set({ status: to, updated_at: new Date().toISOString() })
    .where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Puts back to queued every image whose upload was cut off; returns how many. */
export async function requeueSaving(ex: Executor): Promise<number> {
  const result = await ex.updateTable('images').set({ status: 'queued' }).where('status', '=', 'saving').executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Every image `user` may see: their own, public and community ones, and shared ones of which
 * they are a member. With `all`, every image (admins).
 */
export async function visibleImages(ex: Executor, user: string, all = false): Promise<ImageRow[]> {
  let query = ex.selectFrom('images').selectAll().where('status', '!=', 'deleted');
  if (!all) {
    query = query.where((eb) => eb.or([
      eb('owner', '=', user),
      eb('visibility', 'in', ['public', 'community']),
      eb.and([
        eb('visibility', '=', 'shared'),
        eb('id', 'in', eb.selectFrom('image_members').select('image_id').where('member', '=', user)),
      ]),
    ]));
  }
  return (await query.execute()).map(parse);
}

/** The caller's membership status on each shared image they belong to. */
export async function membershipsOf(ex: Executor, member: string): Promise<Map<string, MemberRow['status']>> {
  const rows = await ex.selectFrom('image_members').select(['image_id', 'status']).where('member', '=', member).execute();
  return new Map(rows.map((r) => [r.image_id, r.status]));
}

export const listMembers = (ex: Executor, imageId: string) =>
  ex.selectFrom('image_members').selectAll().where('image_id', '=', imageId).orderBy('created_at').orderBy('member').execute();

export const findMember = (ex: Executor, imageId: string, member: string) =>
  ex.selectFrom('image_members').selectAll().where('image_id', '=', imageId).where('member', '=', member).executeTakeFirst();

export async function insertMember(ex: Executor, imageId: string, member: string): Promise<void> {
  const now = new Date().toISOString();
  await ex.insertInto('image_members').values({ image_id: imageId, member, status: 'pending', created_at: now, updated_at: now }).execute();
}

export async function setMemberStatus(ex: Executor, imageId: string, member: string, status: MemberRow['status']): Promise<void> {
  await ex.updateTable('image_members').set({ status, updated_at: new Date().toISOString() })
    .where('image_id', '=', imageId).where('member', '=', member).execute();
}

export async function deleteMember(ex: Executor, imageId: string, member: string): Promise<void> {
  await ex.deleteFrom('image_members').where('image_id', '=', imageId).where('member', '=', member).execute();
}

export async function deleteMembers(ex: Executor, imageId: string): Promise<void> {
  await ex.deleteFrom('image_members').where('image_id', '=', imageId).execute();
}

export async function countImages(ex: Executor): Promise<number> {
  const row = await ex.selectFrom('images').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '!=', 'deleted').executeTakeFirstOrThrow();
  return Number(row.n);
}
