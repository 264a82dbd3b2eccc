// Resizing a server, as Nova does it on /compute/v2.1 and as Cyclades does on /compute/v2.0.
// Nova: an active or stopped server is stopped if it runs, takes the new flavor, is started
// again if it ran, and waits in VERIFY_RESIZE until confirmResize keeps the new flavor or
// revertResize goes back to the old one (or the periodic pass confirms it once
// compute.resizeConfirmSeconds have passed, as Nova's resize_confirm_window does).
// Cyclades: only a stopped server resizes; it takes the new flavor and stays stopped, with
// nothing to confirm.
import type { Backend } from '../backends/backend.ts';
import { activeCharges, existingCharges, type ServerSize } from './server-quota.ts';
import { POWER } from './server-states.ts';
import type { Charged, ServerRow } from './server-store.ts';

/** A flavor's size, as a resize moves between two. */
export interface FlavorSize { flavorId: string; vcpus: number; ram: number }

/** What a resize remembers (servers.resize_from): where it came from, and how it ends. */
export interface ResizeFrom extends FlavorSize {
  /** The state to go back to, or to end in. */
  vmState: 'active' | 'stopped';
  /** Nova's resize waits for confirmation; Cyclades' does not. */
  verify: boolean;
  /** When it reached VERIFY_RESIZE (for the automatic confirmation). */
  at?: string;
}

export const resizeFromOf = (row: Pick<ServerRow, 'resize_from'>): ResizeFrom | null => (row.resize_from === null ? null : JSON.parse(row.resize_from));

const sizeOf = (flavor: FlavorSize, disk: number): ServerSize => ({ vcpus: flavor.vcpus, ram: flavor.ram, disk });

/** What a server of `flavor` holds in `vmState`. */
export function chargesIn(flavor: FlavorSize, disk: number, vmState: 'active' | 'stopped'): Charged {
  return vmState === 'active' ? activeCharges(sizeOf(flavor, disk)) : existingCharges(sizeOf(flavor, disk));
}

/**
 * What a server holds while it resizes and waits for confirmation: the larger of both flavors,
 * so that a revert always fits in the quota, and, while it runs, the new flavor's cpu and ram.
 */
export function resizingCharges(from: ResizeFrom, to: FlavorSize, disk: number): Charged {
  const larger = { flavorId: to.flavorId, vcpus: Math.max(from.vcpus, to.vcpus), ram: Math.max(from.ram, to.ram) };
  const held = existingCharges(sizeOf(larger, disk));
  if (from.vmState !== 'active') return held;
  const running = activeCharges(sizeOf(to, disk));
  return { ...held, 'cyclades.cpu': running['cyclades.cpu']!, 'cyclades.ram': running['cyclades.ram']! };
}

/** How a finished resize leaves the server, and what it holds then. */
export function resized(from: ResizeFrom, to: FlavorSize, disk: number): { patch: Partial<ServerRow>; target: Charged } {
  const flavor = { flavor_id: to.flavorId, vcpus: to.vcpus, ram: to.ram };
  if (!from.verify) return { patch: { ...flavor, resize_from: null }, target: chargesIn(to, disk, from.vmState) };
  return {
    patch: { ...flavor, vm_state: 'resized', resize_from: JSON.stringify({ ...from, at: new Date().toISOString() }) },
    target: resizingCharges(from, to, disk),
  };
}

/** How a confirmed (or reverted, with `to` the old flavor) resize leaves the server. */
export function settledResize(from: ResizeFrom, to: FlavorSize, disk: number): { patch: Partial<ServerRow>; target: Charged } {
  return {
    patch: {
      vm_state: from.vmState, power_state: from.vmState === 'active' ? POWER.running : POWER.shutdown,
      flavor_id: to.flavorId, vcpus: to.vcpus, ram: to.ram, resize_from: null,
    },
    target: chargesIn(to, disk, from.vmState),
  };
}

/**
 * The backend's part of a resize (or of its revert): a running VM is stopped, takes `size`,
 * and is started again. If that fails (the host may have no room for the new size), the VM
 * goes back to `previous`, running as before, so that the record of the old flavor stays
 * true, and the error is thrown. Running it again after a crash gets the same result.
 */
export async function resizeVm(backend: Backend, id: string, size: FlavorSize, previous: FlavorSize, running: boolean, stopTimeoutMs: number): Promise<void> {
  if (running) await backend.stop(id, { timeoutMs: stopTimeoutMs });
  try {
    await backend.resize(id, size.vcpus, size.ram);
    if (running) await backend.start(id);
  } catch (error) {
    // Best effort: what is left undone here, the reconciler sees (a VM that does not run).
    await backend.resize(id, previous.vcpus, previous.ram).catch(() => {});
    if (running) await backend.start(id).catch(() => {});
    throw error;
  }
}
