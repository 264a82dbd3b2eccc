// The quotaholder (Astakos): resources, per-user per-project limits, and two-phase
// commissions. A commission charges each provision to two holdings, the user's inside the
// project and the project's own, so neither a member limit nor the project's pool is passed.
import type { Commission, Provision, QuotaEntry, QuotaReport, ResourceDescription } from '@oceanos/contract';
import type { Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Executor, Schema } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { badRequest, conflict, notFound, overLimit, type ApiError } from '../http/errors.ts';
import type { IdentityService } from '../identity/service.ts';
import * as store from './store.ts';

export interface ResourceDefinition {
  name: string;
  service: string;
  unit: string | null;
  description: string;
  /** Limit of each user's system project. */
  systemDefault: number;
  /** Member limit in other projects when the project does not say. Defaults to systemDefault. */
  projectDefault?: number;
  allowInProjects?: boolean;
  uiVisible?: boolean;
  apiVisible?: boolean;
}

/** One provision as the quotaholder sees it: a user, the project paying, a resource, a quantity. */
export interface Charge { userId: string; projectId: string; resource: string; quantity: number }

export interface IssueRequest {
  issuer: string;
  name?: string;
  force?: boolean;
  autoAccept?: boolean;
  charges: Charge[];
}

const userHolder = (userId: string) => `user:${userId}`;
const projectHolder = (projectId: string) => `project:${projectId}`;

/** The two holdings a charge touches. */
const holdingsFor = (c: Charge): store.HoldingKey[] => [
  { holder: userHolder(c.userId), source: projectHolder(c.projectId), resource: c.resource },
  { holder: projectHolder(c.projectId), source: '', resource: c.resource },
];

const provisionOf = (c: Charge): Provision => ({ holder: c.userId, source: c.projectId, resource: c.resource, quantity: c.quantity });
const keyOrder = (a: store.HoldingKey, b: store.HoldingKey) =>
  a.holder.localeCompare(b.holder) || a.source.localeCompare(b.source) || a.resource.localeCompare(b.resource);

export class QuotaService {
  constructor(private readonly database: Database, private readonly identity: IdentityService) {
    identity.addUserDeletionGuard((trx, userId) => this.releaseUser(trx, userId));
  }

  private get db() { return this.database.db; }

  // ---- resources

  async registerResources(definitions: ResourceDefinition[]): Promise<void> {
    await withTransaction(this.database, async (trx) => {
      for (const d of definitions) {
        await store.upsertResource(trx, {
          name: d.name, service: d.service, unit: d.unit, description: d.description,
          system_default: d.systemDefault, project_default: d.projectDefault ?? d.systemDefault,
          allow_in_projects: d.allowInProjects === false ? 0 : 1, ui_visible: d.uiVisible === false ? 0 : 1,
          api_visible: d.apiVisible === false ? 0 : 1,
        });
      }
    });
  }

  async listResources(): Promise<Record<string, ResourceDescription>> {
    const out: Record<string, ResourceDescription> = {};
    for (const r of await store.listResources(this.db)) {
      out[r.name] = {
        unit: r.unit, description: r.description, service: r.service, allow_in_projects: r.allow_in_projects === 1,
        ui_visible: r.ui_visible === 1, api_visible: r.api_visible === 1, system_default: r.system_default, project_default: r.project_default,
      };
    }
    return out;
  }

  /** Changes a resource's defaults; users without their own limit follow the new system default at once. */
  async setResourceDefaults(name: string, defaults: { systemDefault?: number; projectDefault?: number }): Promise<void> {
    const patch: Partial<store.ResourceRow> = {};
    if (defaults.systemDefault !== undefined) patch.system_default = defaults.systemDefault;
    if (defaults.projectDefault !== undefined) patch.project_default = defaults.projectDefault;
    const result = await store.updateResource(this.db, name, patch);
    if (Number(result.numUpdatedRows) === 0) throw notFound(`Unknown resource: ${name}`);
  }

  // ---- limits and usage

  /** Sets a user's base quota (their system project's limit); null returns it to the default. */
  async setUserLimit(userId: string, resource: string, limit: number | null): Promise<void> {
    await this.identity.getUser(userId);
    if (!(await store.findResource(this.db, resource))) throw notFound(`Unknown resource: ${resource}`);
    await withTransaction(this.database, async (trx) => {
      for (const key of holdingsFor({ userId, projectId: userId, resource, quantity: 0 })) {
        await store.insertHolding(trx, key, null);
        await store.setCapacity(trx, key, limit);
      }
    });
  }

  /** Limits, usage and pending amounts of one user in each project they belong to. */
  async quotasOf(userId: string): Promise<QuotaReport> {
    const projects = await this.identity.listProjects({ memberId: userId });
    const resources = (await store.listResources(this.db)).filter((r) => r.api_visible === 1);
    const rows = await store.holdingsOf(this.db, [userHolder(userId), ...projects.map((p) => projectHolder(p.id))]);
    const byKey = new Map(rows.map((h) => [`${h.holder}|${h.source}|${h.resource}`, h]));
    const report: QuotaReport = {};
    for (const project of projects) {
      const perResource: Record<string, QuotaEntry> = {};
      for (const r of resources) {
        const [userKey, projectKey] = holdingsFor({ userId, projectId: project.id, resource: r.name, quantity: 0 });
        const own = this.describe(byKey.get(`${userKey!.holder}|${userKey!.source}|${r.name}`), r, project.isSystem, 'member');
        const pool = this.describe(byKey.get(`${projectKey!.holder}||${r.name}`), r, project.isSystem, 'project');
        perResource[r.name] = { ...own, project_limit: pool.limit, project_usage: pool.usage, project_pending: pool.pending };
      }
      report[project.id] = perResource;
    }
    return report;
  }

  private describe(h: store.HoldingRow | undefined, r: store.ResourceRow, systemProject: boolean, level: 'member' | 'project') {
    const fallback = systemProject ? r.system_default : level === 'member' ? r.project_default : 0;
    return { limit: h?.capacity ?? fallback, usage: h?.usage_min ?? 0, pending: h ? h.usage_max - h.usage_min : 0 };
  }

  /**
   * Accepted usage of `resource` in each user's system project, by user: what a service's
   * reconciliation compares with what its users really hold.
   */
  async systemUsage(resource: string, ex: Executor = this.db): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const h of await store.holdingsOfResource(ex, resource)) {
      const user = h.holder.slice('user:'.length);
      if (h.holder.startsWith('user:') && h.source === projectHolder(user)) out.set(user, Number(h.usage_min));
    }
    return out;
  }

  // ---- commissions

  /**
   * Reserves every charge or none: returns the serial of a pending commission (or of an
   * accepted one with autoAccept). Throws 413 (overLimit) naming the first charge that does
   * not fit, 404 if a user, project or resource is unknown.
   */
  async issue(request: IssueRequest, inTransaction?: Transaction<Schema>): Promise<number> {
    if (request.charges.length === 0) throw badRequest('A commission needs at least one provision');
    // A service may charge inside its own transaction, so that the charge and the change it
    // pays for commit together or not at all.
    const run = <T>(work: (trx: Transaction<Schema>) => Promise<T>) => inTransaction ? work(inTransaction) : withTransaction(this.database, work);
    return run(async (trx) => {
      const steps = request.charges.flatMap((charge) => holdingsFor(charge).map((key) => ({ key, charge })));
      // A fixed order over holdings so concurrent commissions lock rows in the same order.
      steps.sort((a, b) => keyOrder(a.key, b.key));
      for (const { key, charge } of steps) {
        if (await store.reserve(trx, key, charge.quantity, request.force === true)) continue;
        if (!(await store.findHolding(trx, key))) {
          await this.openHolding(trx, key, charge);
          if (await store.reserve(trx, key, charge.quantity, request.force === true)) continue;
        }
        throw await this.capacityError(trx, key, charge);
      }
      const serial = await store.insertCommission(trx, {
        name: request.name ?? '', issuer: request.issuer, issue_time: new Date().toISOString(),
      });
      await store.insertProvisions(trx, request.charges.map((c, position) => ({
        serial, position, user_id: c.userId, project_id: c.projectId, resource: c.resource, quantity: c.quantity,
      })));
      if (request.autoAccept) await this.settle(trx, serial, 'accept');
      return serial;
    });
  }

  /** Creates a missing holding, after checking that the user, project and resource exist. */
  private async openHolding(trx: Transaction<Schema>, key: store.HoldingKey, charge: Charge): Promise<void> {
    const resource = await store.findResource(trx, charge.resource);
    const member = resource !== undefined && (await this.identity.isMember(charge.userId, charge.projectId, trx));
    if (!member) {
      throw notFound(`No holding for user ${charge.userId} in project ${charge.projectId} on resource ${charge.resource}`,
        { provision: provisionOf(charge), name: 'NoHoldingError' });
    }
    const project = await this.identity.getProject(charge.projectId, trx);
    // System projects follow the resource's system default; other projects start from their
    // member default and an empty pool until the project grants one.
    const capacity = project.isSystem ? null : key.source === '' ? 0 : resource!.project_default;
    await store.insertHolding(trx, key, capacity);
  }

  private async capacityError(trx: Executor, key: store.HoldingKey, charge: Charge): Promise<ApiError> {
    const h = await store.findHolding(trx, key);
    const limit = (await store.effectiveLimit(trx, key)) ?? 0;
    const releasing = charge.quantity < 0;
    const usage = releasing ? (h?.usage_min ?? 0) : (h?.usage_max ?? 0);
    // A system project has the user's UUID and a single member: name the user.
    const scope = charge.projectId === charge.userId ? `user ${charge.userId}`
      : key.source === '' ? `project ${charge.projectId}` : `user ${charge.userId} in project ${charge.projectId}`;
    const message = releasing
      ? `Cannot release ${-charge.quantity} of ${charge.resource} for ${scope}: only ${usage} in use`
      : `Resource ${charge.resource} limit exceeded for ${scope}: limit ${limit}, in use or pending ${usage}, requested ${charge.quantity}`;
    return overLimit(message, { provision: provisionOf(charge), name: releasing ? 'NoQuantityError' : 'NoCapacityError', limit, usage });
  }

  /** Accepts or rejects a pending commission. Throws 404 if there is no such pending serial. */
  async resolve(serial: number, action: 'accept' | 'reject', inTransaction?: Transaction<Schema>): Promise<void> {
    if (inTransaction) return this.settle(inTransaction, serial, action);
    await withTransaction(this.database, (trx) => this.settle(trx, serial, action));
  }

  private async settle(trx: Transaction<Schema>, serial: number, action: 'accept' | 'reject'): Promise<void> {
    if (!(await store.closeCommission(trx, serial, action === 'accept' ? 'accepted' : 'rejected'))) {
      throw notFound(`serial ${serial} does not exist or is not pending`);
    }
    const steps = (await store.provisionsOf(trx, serial)).flatMap((p) =>
      holdingsFor({ userId: p.user_id, projectId: p.project_id, resource: p.resource, quantity: p.quantity })
        .map((key) => ({ key, quantity: p.quantity })));
    steps.sort((a, b) => keyOrder(a.key, b.key));
    for (const { key, quantity } of steps) await store.settle(trx, key, quantity, action === 'accept');
  }

  /** Resolves many serials; each succeeds or fails on its own. */
  async resolveMany(accept: number[], reject: number[]): Promise<{ accepted: number[]; rejected: number[]; failed: [number, ApiError][] }> {
    const result = { accepted: [] as number[], rejected: [] as number[], failed: [] as [number, ApiError][] };
    const both = new Set(accept.filter((s) => reject.includes(s)));
    for (const serial of both) result.failed.push([serial, badRequest(`cannot both accept and reject serial ${serial}`)]);
    for (const [serials, action, done] of [[accept, 'accept', result.accepted], [reject, 'reject', result.rejected]] as const) {
      for (const serial of new Set(serials)) {
        if (both.has(serial)) continue;
        try {
          await this.resolve(serial, action);
          done.push(serial);
        } catch (error) {
          result.failed.push([serial, error as ApiError]);
        }
      }
    }
    return result;
  }

  async pending(issuer?: string): Promise<number[]> {
    return store.pendingSerials(this.db, issuer);
  }

  async getCommission(serial: number): Promise<Commission> {
    const row = await store.findCommission(this.db, serial);
    if (!row) throw notFound(`serial ${serial} does not exist`);
    const provisions = (await store.provisionsOf(this.db, serial)).map((p) =>
      provisionOf({ userId: p.user_id, projectId: p.project_id, resource: p.resource, quantity: p.quantity }));
    return { serial: Number(row.serial), issue_time: row.issue_time, name: row.name, provisions };
  }

  /** Deletion guard: a user still holding resources or with pending commissions stays. */
  private async releaseUser(trx: Transaction<Schema>, userId: string): Promise<void> {
    const held = (await store.holdingsOf(trx, [userHolder(userId)])).filter((h) => h.usage_max !== 0 || h.usage_min !== 0);
    if (held.length > 0) {
      const list = held.map((h) => `${h.resource}=${h.usage_max}`).join(', ');
      throw conflict(`User ${userId} still holds resources (${list}); release them before deleting the user`);
    }
    if ((await store.pendingCommissionsOfUser(trx, userId)).length > 0) {
      throw conflict(`User ${userId} has pending commissions; resolve them before deleting the user`);
    }
    await store.deleteHoldings(trx, [userHolder(userId), projectHolder(userId)]);
  }
}
