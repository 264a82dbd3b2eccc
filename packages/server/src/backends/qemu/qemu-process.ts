// Starting and ending a VM's QEMU process. QEMU runs detached (-daemonize: its own session,
// reparented away from us) so that VMs outlive the control plane; we therefore never wait()
// for it and watch /proc instead.
import { execFile } from 'node:child_process';
import { BackendError } from '../backend.ts';
import { isVmProcess } from './vm-dir.ts';

/** Longest time QEMU may take to set a VM up before its launcher exits. */
const LAUNCH_TIMEOUT_MS = 60_000;
const POLL_MS = 50;

/**
 * Runs `binary argv` (a -daemonize command line) and resolves once QEMU has daemonized.
 * Throws BackendError('QEMU failed to start: <QEMU's own message>') when it cannot start.
 */
export function launchQemu(binary: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, argv, { timeout: LAUNCH_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const why = stderr.split('\n').map((line) => line.replace(/^[^:\s]*qemu[^:\s]*: /, '').trim()).filter(Boolean).join('; ');
      reject(new BackendError(`QEMU failed to start: ${(why || error.message).slice(0, 500)}`));
    });
  });
}

/** Resolves true once QEMU `pid` of VM `id` has exited, false if it still runs after `timeoutMs`. */
export async function exited(pid: number, id: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isVmProcess(pid, id)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

/** Sends `signal` to QEMU `pid` of VM `id`, unless that pid is no longer this VM's QEMU. */
export function signalVm(pid: number, id: string, signal: NodeJS.Signals): void {
  if (!isVmProcess(pid, id)) return;
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** SIGKILLs QEMU `pid` of VM `id` and waits until it is gone. Throws BackendError if it outlives the signal. */
export async function killVm(pid: number, id: string): Promise<void> {
  signalVm(pid, id, 'SIGKILL');
  if (!(await exited(pid, id, 10_000))) throw new BackendError(`QEMU process ${pid} of VM ${id} does not die`);
}
