// What a server costs in quota, and moving its charge from what it holds to what it should
// hold, in the caller's transaction. `charged` on the row records exactly what is held, so a
// settlement is a difference and running it twice (after a crash) charges nothing more.
import type { Transaction } from 'kysely';
import type { Schema } from '../db/schema.ts';
import { ApiError, forbidden } from '../http/errors.ts';
import type { QuotaService } from '../quota/service.ts';
import type { Charged, ServerRow } from './server-store.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface ServerSize { vcpus: number; ram: number; disk: number }

/** Held while the server exists, running or not. */
export function existingCharges(size: ServerSize): Charged {
  return { 'cyclades.vm': 1, 'cyclades.total_cpu': size.vcpus, 'cyclades.total_ram': size.ram * MiB, 'cyclades.disk': size.disk * GiB };
}

/** Held while it runs (from a start request until a stop completes). */
function runningCharges(size: ServerSize): Charged {
  return { 'cyclades.cpu': size.vcpus, 'cyclades.ram': size.ram * MiB };
}

export const activeCharges = (size: ServerSize): Charged => ({ ...existingCharges(size), ...runningCharges(size) });

/**
 * Issues the commission that takes `server` from what it holds to `target`, inside `trx`, and
 * returns the JSON to store as its new `charged`. Without `force`, a charge over the limit
 * throws 403 in Nova's words and nothing is charged; releases always pass.
 */
export async function settle(quota: QuotaService, trx: Transaction<Schema>, server: Pick<ServerRow, 'id' | 'user_id' | 'project_id' | 'charged'>, target: Charged, options: { force?: boolean } = {}): Promise<string> {
  const held: Charged = JSON.parse(server.charged);
  const charges = [...new Set([...Object.keys(held), ...Object.keys(target)])]
    .map((resource) => ({ userId: server.user_id, projectId: server.project_id, resource, quantity: (target[resource] ?? 0) - (held[resource] ?? 0) }))
    .filter((c) => c.quantity !== 0);
  if (charges.length) {
    const releaseOnly = charges.every((c) => c.quantity < 0);
    try {
      await quota.issue({ issuer: 'cyclades', name: `server ${server.id}`, charges, autoAccept: true, force: options.force || releaseOnly }, trx);
    } catch (error) {
      throw quotaExceeded(error);
    }
  }
  const kept = Object.entries(target).filter(([, quantity]) => quantity !== 0);
  return JSON.stringify(Object.fromEntries(kept));
}

/**
 * Nova's 403: "Quota exceeded for cyclades.ram: Requested 1, but already used 2 of 2". It keeps
 * the quota service's own 413 (Synnefo's overLimit), which Cyclades answers (cycladesOverLimit).
 */
function quotaExceeded(error: unknown): unknown {
  if (!(error instanceof ApiError) || error.kind !== 'overLimit') return error;
  const data = error.data as { provision?: { resource: string; quantity: number }; limit?: number; usage?: number } | undefined;
  if (!data?.provision) return error;
  const message = `Quota exceeded for ${data.provision.resource}: Requested ${data.provision.quantity}, but already used ${data.usage} of ${data.limit}`;
  const refused = forbidden(message);
  refused.cause = error;
  return refused;
}

/** Cyclades answers over quota with Astakos' 413 overLimit, where Nova answers 403. */
export function cycladesOverLimit(error: unknown): never {
  throw error instanceof ApiError && error.cause instanceof ApiError && error.cause.kind === 'overLimit' ? error.cause : error;
}
