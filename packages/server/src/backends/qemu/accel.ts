// Which accelerator QEMU runs guests with. KVM where it works; TCG (pure emulation, slower
// but always there) otherwise. Some hosts offer a paravirtual KVM (kvm-pvm) on which stock
// guest kernels hang at boot, so `auto` must not trust /dev/kvm alone.
import { accessSync, constants, existsSync } from 'node:fs';

export type Accel = 'kvm' | 'tcg';

/** Where the host is probed; tests point these at files of their own. */
export interface AccelProbes {
  /** The KVM device: usable when it can be opened for reading and writing. */
  kvmDevice: string;
  /** Present on kvm-pvm hosts, where stock guests hang under KVM. */
  pvmModule: string;
}

export const HOST_PROBES: AccelProbes = { kvmDevice: '/dev/kvm', pvmModule: '/sys/module/kvm_pvm' };

/**
 * The accelerator for `wanted` and why it was chosen. An explicit 'kvm' or 'tcg' always wins
 * (a wrong 'kvm' then fails at VM start with QEMU's own message); 'auto' picks 'kvm' only
 * when the device is usable and the host is not a kvm-pvm one. Never throws.
 */
export function resolveAccel(wanted: Accel | 'auto', probes: AccelProbes = HOST_PROBES): { accel: Accel; reason: string } {
  if (wanted !== 'auto') return { accel: wanted, reason: 'set in the configuration' };
  if (!usable(probes.kvmDevice)) return { accel: 'tcg', reason: `${probes.kvmDevice} is missing or not accessible` };
  if (existsSync(probes.pvmModule)) return { accel: 'tcg', reason: `${probes.pvmModule} exists: paravirtual KVM hangs stock guest kernels` };
  return { accel: 'kvm', reason: `${probes.kvmDevice} is usable` };
}

function usable(device: string): boolean {
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
