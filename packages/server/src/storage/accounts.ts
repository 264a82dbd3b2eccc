// Pithos+ accounts and their containers: an account's standard containers come at first use,
// and the answer to another user tells nothing about what is not shared with them.
import type { Database } from '../db/database.ts';
import { withTransaction } from '../db/transaction.ts';
import { ApiError, forbidden, notFound } from '../http/errors.ts';
import type { QuotaService } from '../quota/service.ts';
import { grantsForCaller, visibleIn } from './access.ts';
import { listWithDelimiter, type ListOptions } from './listing.ts';
import { checkMetadata, mergeMetadata, type Metadata } from './names.ts';
import { isValidGroupName } from './sharing.ts';
import * as store from './store.ts';
import { deleteUnder } from './tree-delete.ts';
import type { ObjectWriter } from './writer.ts';

/**
 * Pithos' standard containers: `pithos` (home), `trash`, and Synnefo's `images` and
 * `snapshots`. They come into being when their owner first uses them (a HEAD, a listing, an
 * upload), so that a fresh account lists no containers, as Swift's does.
 */
export const HOME_CONTAINERS = ['pithos', 'trash', 'images', 'snapshots'];

export interface ContainerPolicy { versioning?: 'auto' | 'none'; quota?: number }

export class Accounts {
  private readonly knownAccounts = new Set<string>();

  constructor(
    private readonly database: Database,
    private readonly quota: QuotaService,
    private readonly writer: ObjectWriter,
  ) {}

  private get db() { return this.database.db; }

  /** An account comes into being the first time its owner uses it, without containers. */
  private async ensureHome(account: string): Promise<void> {
    // Accounts are never removed, so once seen, an account needs no further query.
    if (this.knownAccounts.has(account)) return;
    await withTransaction(this.database, async (trx) => {
      if (!(await store.findAccount(trx, account))) await store.ensureAccount(trx, account);
    });
    this.knownAccounts.add(account);
  }

  /** One of the owner's standard containers, created at its first use (HOME_CONTAINERS). */
  private async homeContainer(account: string, name: string) {
    const now = new Date().toISOString();
    // Two first uses at once: the second insert does nothing.
    await store.insertContainer(this.db, { account, name, versioning: 'auto', quota: 0, metadata: '{}', created_at: now, modified_at: now });
    return store.findContainer(this.db, account, name);
  }

  async accountInfo(caller: string, account: string) {
    if (caller !== account) {
      if ((await grantsForCaller(this.db, caller, account)).length === 0) throw forbidden('Access denied');
      return { shared: true as const };
    }
    await this.ensureHome(account);
    const [row, stats, groups, quotas] = await Promise.all([
      store.findAccount(this.db, account), store.accountStats(this.db, account), store.groupsOf(this.db, account),
      this.quota.quotasOf(account).catch(() => undefined),
    ]);
    const grouped: Record<string, string[]> = {};
    for (const g of groups) (grouped[g.name] ??= []).push(g.member);
    return {
      shared: false as const,
      ...stats,
      metadata: JSON.parse(row?.metadata ?? '{}') as Metadata,
      groups: grouped,
      modifiedAt: row?.modified_at,
      quota: quotas?.[account]?.['pithos.diskspace']?.limit,
    };
  }

  /** Merges metadata (empty values remove) and replaces the named groups (empty removes). */
  async updateAccount(caller: string, account: string, change: { set: Metadata; remove: string[]; groups: Record<string, string[]> }): Promise<void> {
    if (caller !== account) throw forbidden('Access denied');
    for (const name of Object.keys(change.groups)) {
      if (!isValidGroupName(name)) throw new ApiError('badRequest', `Invalid group name ${name}`);
    }
    await withTransaction(this.database, async (trx) => {
      const row = await store.findAccount(trx, account);
      const metadata = mergeMetadata(JSON.parse(row?.metadata ?? '{}'), change);
      checkMetadata(metadata, 'account');
      await store.saveAccountMetadata(trx, account, JSON.stringify(metadata));
      for (const [name, members] of Object.entries(change.groups)) await store.replaceGroup(trx, account, name, members);
    });
  }

  async listContainers(caller: string, account: string, options: ListOptions) {
    if (caller === account) await this.ensureHome(account);
    const only = caller === account ? undefined : [...new Set((await grantsForCaller(this.db, caller, account)).map((g) => g.container))];
    if (only && only.length === 0) throw forbidden('Access denied');
    const rows = await listWithDelimiter(options, (range) => store.listContainers(this.db, account, range, only));
    if (caller === account) return rows;
    // A sharee learns the count and bytes of what is shared with them, not of the container.
    for (const row of rows) {
      if (row.kind === 'object') Object.assign(row, await store.visibleStats(this.db, account, row.name, (await visibleIn(this.db, caller, account, row.name)).names));
    }
    return rows;
  }

  /** Accounts that share something with the caller (Pithos' top-level listing), with when each last changed. */
  async sharingAccounts(caller: string, options: { marker?: string; limit: number }): Promise<{ name: string; modifiedAt: string }[]> {
    const names = await store.accountsSharingWith(this.db, caller, { after: options.marker, limit: options.limit });
    const modified = await store.accountsModifiedAt(this.db, names);
    return names.map((name) => ({ name, modifiedAt: modified.get(name) ?? new Date(0).toISOString() }));
  }

  /** Creates a container (true) or updates an existing one (false). */
  async putContainer(caller: string, account: string, name: string, policy: ContainerPolicy, change: { set: Metadata; remove: string[] }): Promise<boolean> {
    if (caller !== account) throw forbidden('Access denied');
    await this.ensureHome(account);
    return this.saveContainer(account, name, policy, change, true);
  }

  async updateContainer(caller: string, account: string, name: string, policy: ContainerPolicy, change: { set: Metadata; remove: string[] }): Promise<void> {
    if (caller !== account) throw forbidden('Access denied');
    await this.saveContainer(account, name, policy, change, false);
  }

  private saveContainer(account: string, name: string, policy: ContainerPolicy, change: { set: Metadata; remove: string[] }, mayCreate: boolean): Promise<boolean> {
    return withTransaction(this.database, async (trx) => {
      const now = new Date().toISOString();
      const existing = await store.findContainer(trx, account, name);
      if (!existing && !mayCreate) throw notFound(`Container ${name} does not exist`);
      const metadata = mergeMetadata(JSON.parse(existing?.metadata ?? '{}'), change);
      checkMetadata(metadata, 'container');
      if (existing) {
        await store.updateContainer(trx, account, name, { ...policy, metadata: JSON.stringify(metadata), modified_at: now });
        return false;
      }
      await store.insertContainer(trx, {
        account, name, versioning: policy.versioning ?? 'auto', quota: policy.quota ?? 0, metadata: JSON.stringify(metadata), created_at: now, modified_at: now,
      });
      return true;
    });
  }

  async containerInfo(caller: string, account: string, name: string) {
    const container = await this.requireContainer(account, name, caller);
    if (caller !== account) return { container, shared: true as const };
    return { container, shared: false as const, ...(await store.containerStats(this.db, account, name)), metadata: JSON.parse(container.metadata) as Metadata };
  }

  /** Deletes an empty container; the history kept in it goes too, and its charge with it. */
  async deleteContainer(caller: string, account: string, name: string): Promise<void> {
    if (caller !== account) throw forbidden('Access denied');
    await this.writer.deleteContainer(account, name);
  }

  /**
   * Pithos' purge (`DELETE ?until=`): drops the history of an object, or of every object of a
   * container, written up to `until`; the current versions stay. The owner's alone.
   */
  async purgeHistory(caller: string, scope: { account: string; container: string; name?: string }, until: string): Promise<number> {
    if (caller !== scope.account) throw forbidden('Access denied');
    await this.requireContainer(scope.account, scope.container, caller);
    return this.writer.purge(scope, until);
  }

  /**
   * A container the caller may look into. Another user gets 403 for any container where
   * nothing is shared with them, whether it exists or not, so that the answer tells nothing;
   * the owner gets 404 for a missing one, except for a standard container, which their first
   * use creates.
   */
  async requireContainer(account: string, name: string, caller: string) {
    if (caller === account) await this.ensureHome(account);
    else if ((await visibleIn(this.db, caller, account, name)).names.length === 0) throw forbidden('Access denied');
    let container = await store.findContainer(this.db, account, name);
    if (!container && caller === account && HOME_CONTAINERS.includes(name)) container = await this.homeContainer(account, name);
    if (!container) throw notFound(`Container ${name} does not exist`);
    return container;
  }

  /** Pithos' `DELETE ?delimiter=` on a container: deletes every object in it; the owner's alone. */
  async emptyContainer(caller: string, account: string, container: string): Promise<void> {
    if (caller !== account) throw forbidden('Access denied');
    await this.requireContainer(account, container, caller);
    await deleteUnder(this.db, this.writer, caller, { account, container, prefix: '' });
  }
}
