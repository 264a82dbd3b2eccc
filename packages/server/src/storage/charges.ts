// Synnefo's reconcile-resources-pithos: what pithos.diskspace charges each account must equal
// the bytes of its kept versions. Every commit keeps the two equal in its own transaction;
// this check, run at each start, repairs what no commit saw (a store from a version that kept
// history for free) and reports it, so that drift never goes unnoticed.
import type { Database } from '../db/database.ts';
import { withTransaction } from '../db/transaction.ts';
import type { QuotaService } from '../quota/service.ts';
import { lockForCollection } from './collector-lock.ts';
import * as store from './store.ts';
import { DISKSPACE, ISSUER } from './uploads.ts';

export interface ChargeDrift { account: string; charged: number; kept: number }

/**
 * Compares charges with kept bytes for every account, and with `fix` charges or releases the
 * difference. Accounts whose user no longer exists cannot be charged: they are reported only.
 */
export function reconcileCharges(database: Database, quota: QuotaService, fix: boolean): Promise<ChargeDrift[]> {
  return withTransaction(database, async (trx) => {
    // The exclusive lock keeps every commit out, so both sides are read at one moment.
    await lockForCollection(trx, database.dialect);
    const kept = await store.keptBytes(trx);
    const charged = await quota.systemUsage(DISKSPACE, trx);
    const drift: ChargeDrift[] = [];
    for (const account of new Set([...kept.keys(), ...charged.keys()])) {
      const entry = { account, charged: charged.get(account) ?? 0, kept: kept.get(account) ?? 0 };
      if (entry.charged === entry.kept) continue;
      drift.push(entry);
      if (!fix || !charged.has(account)) continue;
      await quota.issue({
        issuer: ISSUER, name: `reconcile ${account}`, force: true, autoAccept: true,
        charges: [{ userId: account, projectId: account, resource: DISKSPACE, quantity: entry.kept - entry.charged }],
      }, trx);
    }
    return drift;
  });
}
