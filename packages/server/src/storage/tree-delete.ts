// Pithos' recursive deletes: `DELETE /{container}?delimiter=/` empties a container (kamaki's
// `container empty`, and `container delete -r` before it deletes the empty container), and
// `DELETE /{container}/{folder}?delimiter=/` deletes a folder object with everything under
// `folder/` (`file delete -r`). Each object goes as a DELETE of it alone would: with its
// history and its charge, and only if the caller may write it.
import { ApiError } from '../http/errors.ts';
import type { Executor } from '../db/schema.ts';
import { checkObjectAccess } from './access.ts';
import { prefixEnd } from './names.ts';
import * as store from './store.ts';
import type { ObjectPath, ObjectWriter } from './writer.ts';

const BATCH = 500;

/**
 * Deletes every current object of `container` whose name starts with `prefix` that `caller`
 * may write (others are left, unseen: a sharee learns nothing of them). Returns how many went.
 */
export async function deleteUnder(db: Executor, writer: ObjectWriter, caller: string, where: { account: string; container: string; prefix: string }): Promise<number> {
  let deleted = 0;
  let after: string | undefined;
  const before = where.prefix ? prefixEnd(where.prefix) : undefined;
  for (;;) {
    const rows = await store.listObjects(db, where.account, where.container, { after, from: where.prefix || undefined, before, limit: BATCH });
    for (const row of rows) {
      const path: ObjectPath = { account: where.account, container: where.container, name: row.name };
      if (caller !== where.account && !(await mayWrite(db, caller, path))) continue;
      try {
        await writer.delete(path);
        deleted++;
      } catch (error) {
        // Deleted meanwhile by someone else: what was asked for is done.
        if (!(error instanceof ApiError && error.kind === 'notFound')) throw error;
      }
    }
    if (rows.length < BATCH) return deleted;
    after = rows[rows.length - 1]!.name;
  }
}

async function mayWrite(db: Executor, caller: string, path: ObjectPath): Promise<boolean> {
  try {
    await checkObjectAccess(db, caller, path.account, path.container, path.name, 'write');
    return true;
  } catch (error) {
    if (error instanceof ApiError && (error.kind === 'forbidden' || error.kind === 'notFound')) return false;
    throw error;
  }
}
