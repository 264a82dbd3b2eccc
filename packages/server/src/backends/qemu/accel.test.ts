import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { resolveAccel } from './accel.ts';

// Scratch directories live under one root, removed when this file's tests end.
const TMP = mkdtempSync(join(tmpdir(), 'oceanos-accel-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** A fake host: a KVM device file (present or not) and a kvm_pvm module directory (or not). */
function host(kvm: 'usable' | 'absent' | 'unreadable', pvm: boolean) {
  const root = mkdtempSync(join(TMP, 'host-'));
  const probes = { kvmDevice: join(root, 'kvm'), pvmModule: join(root, 'kvm_pvm') };
  if (kvm !== 'absent') writeFileSync(probes.kvmDevice, '');
  if (kvm === 'unreadable') chmodSync(probes.kvmDevice, 0o000);
  if (pvm) mkdirSync(probes.pvmModule);
  return probes;
}

it('auto picks kvm only on a usable, non-pvm KVM host', () => {
  assert.equal(resolveAccel('auto', host('usable', false)).accel, 'kvm');
  assert.equal(resolveAccel('auto', host('absent', false)).accel, 'tcg');
  const pvm = resolveAccel('auto', host('usable', true));
  assert.equal(pvm.accel, 'tcg');
  assert.match(pvm.reason, /kvm_pvm/);
});

it('auto falls back to tcg when the device cannot be opened', { skip: process.getuid?.() === 0 && 'root can open any file' }, () => {
  assert.equal(resolveAccel('auto', host('unreadable', false)).accel, 'tcg');
});

it('an explicit accelerator wins over what the host offers', () => {
  assert.equal(resolveAccel('kvm', host('absent', true)).accel, 'kvm');
  assert.equal(resolveAccel('tcg', host('usable', false)).accel, 'tcg');
});
