// Flavors (the sizes servers come in) and, for private ones, the projects that may use them.
// Admin-only operations are checked by the routes; this service checks visibility.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import type { Executor, FlavorsTable } from '../db/schema.ts';
import { withTransaction } from '../db/transaction.ts';
import { conflict, notFound } from '../http/errors.ts';
import type { ComputeCaller } from './caller.ts';
import type { NewFlavor } from './flavor-input.ts';
import { listFlavors, parseIsPublic, type FlavorPage, type FlavorQuery } from './flavor-listing.ts';
import * as store from './flavor-store.ts';
import { isSerial } from './migration.ts';
import { nextSerial } from './server-store.ts';

export type FlavorRow = FlavorsTable;

const missing = (id: string) => notFound(`Flavor ${id} could not be found.`);

export class FlavorService {
  constructor(private readonly database: Database) {}

  /**
   * One page of the flavors the caller sees: public ones and private ones their project was
   * given; admins choose with `is_public` (true, false or none). Throws 400 for bad query values.
   */
  async list(caller: ComputeCaller, query: FlavorQuery): Promise<FlavorPage> {
    const isPublic = caller.admin ? parseIsPublic(query) : true;
    const db = this.database.db;
    const granted = isPublic === true ? await store.flavorsOfProject(db, caller.projectId) : new Set<string>();
    const visible = (await store.allFlavors(db)).filter((row) =>
      isPublic === null || (isPublic ? row.is_public === 1 || granted.has(row.id) : row.is_public === 0));
    return listFlavors(visible, query);
  }

  /** A flavor the caller may use (public, or private with access for their project); 404 otherwise. */
  async usable(caller: ComputeCaller, id: string): Promise<FlavorRow> {
    const row = await store.findFlavor(this.database.db, id);
    if (!row) throw missing(id);
    if (row.is_public === 1 || caller.admin || (await store.hasAccess(this.database.db, row.id, caller.projectId))) return row;
    throw missing(id);
  }

  /** Creates a flavor (a UUID id when none is given). Throws 409 if the id or the name is taken. */
  async create(input: NewFlavor): Promise<FlavorRow> {
    const id = input.id ?? randomUUID();
    // An integer id is also the flavor's Cyclades id; any other gets the next free integer.
    if (isSerial(id) && (await store.findFlavor(this.database.db, id))) throw conflict(`Flavor with ID ${id} already exists.`);
    return withTransaction(this.database, async (trx) => {
      const row: FlavorRow = {
        id, name: input.name, vcpus: input.vcpus, ram: input.ram, disk: input.disk, serial: await nextSerial(trx, 'flavor', isSerial(id) ? Number(id) : undefined),
        is_public: input.isPublic ? 1 : 0, description: input.description, extra_specs: '{}', created_at: new Date().toISOString(),
      };
      // A taken id, name or integer id makes the insert do nothing; checkFree then says which.
      if (!(await store.insertFlavor(trx, row))) {
        await checkFree(trx, row);
        throw conflict(`Flavor with ID ${row.id} or name ${row.name} already exists.`);
      }
      return row;
    });
  }

  /** Changes a flavor's description (Nova 2.55); returns the flavor. Throws 404 if absent. */
  async describe(ref: string, description: string | null): Promise<FlavorRow> {
    return withTransaction(this.database, async (trx) => {
      const row = await store.findFlavor(trx, ref);
      if (!row) throw missing(ref);
      await store.setDescription(trx, row.id, description);
      return { ...row, description };
    });
  }

  /** Every flavor by id (deleted ones are gone): what server views look flavors up in. */
  async byId(): Promise<Map<string, FlavorRow>> {
    return new Map((await store.allFlavors(this.database.db)).map((row) => [row.id, row]));
  }

  /** Servers keep their own copy of the sizes, so a flavor in use can go. Throws 404 if absent. */
  async delete(id: string): Promise<void> {
    const deleted = await withTransaction(this.database, async (trx) => {
      const row = await store.findFlavor(trx, id);
      return row !== undefined && store.deleteFlavor(trx, row.id);
    });
    if (!deleted) throw missing(id);
  }

  /** The projects that may use a private flavor. Throws 404 for an unknown or public flavor. */
  async access(id: string): Promise<string[]> {
    const row = await store.findFlavor(this.database.db, id);
    if (!row) throw missing(id);
    if (row.is_public === 1) throw notFound('Access list not available for public flavors.');
    return store.accessList(this.database.db, row.id);
  }

  /** Gives a project a private flavor; returns the access list. Throws 404, or 409 if public or already given. */
  addAccess(id: string, projectId: string): Promise<string[]> {
    return withTransaction(this.database, async (trx) => {
      const row = await store.findFlavor(trx, id);
      if (!row) throw missing(id);
      if (row.is_public === 1) throw conflict('Can not add access to a public flavor.');
      if (!(await store.insertAccess(trx, row.id, projectId))) {
        throw conflict(`Flavor access already exists for flavor ${id} and project ${projectId} combination.`);
      }
      return store.accessList(trx, row.id);
    });
  }

  /** Takes a flavor away from a project; returns the access list. Throws 404 if it had no access. */
  removeAccess(id: string, projectId: string): Promise<string[]> {
    return withTransaction(this.database, async (trx) => {
      const row = await store.findFlavor(trx, id);
      if (!row) throw missing(id);
      if (!(await store.deleteAccess(trx, row.id, projectId))) throw notFound(`Flavor access not found for ${id} / ${projectId} combination.`);
      return store.accessList(trx, row.id);
    });
  }

  /** The extra specs of a flavor the caller may use. */
  async extraSpecs(caller: ComputeCaller, id: string): Promise<Record<string, string>> {
    return JSON.parse((await this.usable(caller, id)).extra_specs);
  }

  /**
   * Replaces a flavor's extra specs with what `change` makes of them, in one transaction.
   * Throws 404 for an unknown flavor, or whatever `change` throws (nothing is written then).
   */
  updateExtraSpecs(id: string, change: (specs: Record<string, string>) => Record<string, string>): Promise<void> {
    return withTransaction(this.database, async (trx) => {
      const row = await store.findFlavor(trx, id);
      if (!row) throw missing(id);
      await store.setExtraSpecs(trx, row.id, change(JSON.parse(row.extra_specs)));
    });
  }
}

/** Says which of a new flavor's id or name is taken (409). */
async function checkFree(ex: Executor, row: FlavorRow): Promise<void> {
  if (await store.findFlavor(ex, row.id)) throw conflict(`Flavor with ID ${row.id} already exists.`);
  if (await store.findFlavorByName(ex, row.name)) throw conflict(`Flavor with name ${row.name} already exists.`);
}
