// What may be done to a server in each state, in one table, and the API status derived from
// Nova's vm_state and task_state. A test walks every (state, action) pair through the API.
import type { ServerStatus } from '@oceanos/contract';
import type { VmState } from '../db/schema.ts';
import { ApiError, badRequest } from '../http/errors.ts';
import { BuildInProgress } from './errors.ts';

/** Nova's power states. */
export const POWER = { unknown: 0, running: 1, shutdown: 4 } as const;

export type ServerAction =
  | 'os-start' | 'os-stop' | 'reboot' | 'rebootHard' | 'rebuild' | 'resize' | 'confirmResize' | 'revertResize' | 'delete'
  | 'os-getConsoleOutput' | 'os-getVNCConsole' | 'update' | 'metadata' | 'tags';

interface Rule {
  /** The vm_states in which the action is allowed. */
  states: VmState[];
  /** Also allowed while a task is pending (it changes nothing a task depends on). */
  whileBusy: boolean;
}

const LIVE: VmState[] = ['building', 'active', 'stopped', 'resized', 'error'];

export const ACTION_RULES: Record<ServerAction, Rule> = {
  'os-start': { states: ['stopped'], whileBusy: false },
  'os-stop': { states: ['active'], whileBusy: false },
  reboot: { states: ['active'], whileBusy: false },
  // Nova hard-reboots a stopped server too: it starts it.
  rebootHard: { states: ['active', 'stopped'], whileBusy: false },
  // Re-imaging keeps the power state the server had (an error one ends up running).
  rebuild: { states: ['active', 'stopped', 'error'], whileBusy: false },
  // Nova resizes a running server too (stopped and started again); Cyclades only a stopped
  // one (server-service.ts checks that on /compute/v2.0). See server-resize.ts.
  resize: { states: ['active', 'stopped'], whileBusy: false },
  confirmResize: { states: ['resized'], whileBusy: false },
  revertResize: { states: ['resized'], whileBusy: false },
  // A delete queues behind the running job; it is how a stuck task is got rid of.
  delete: { states: LIVE, whileBusy: true },
  // The serial log survives stops, so a stopped server still shows it.
  'os-getConsoleOutput': { states: ['active', 'stopped', 'resized'], whileBusy: false },
  'os-getVNCConsole': { states: ['active'], whileBusy: false },
  // Renaming, metadata and tags touch the record only.
  update: { states: LIVE, whileBusy: true },
  metadata: { states: LIVE, whileBusy: true },
  tags: { states: LIVE, whileBusy: true },
};

/**
 * An action refused for the server's state: 409 (`conflictingRequest`) in Nova's words, and
 * the answer Cyclades gives instead (its commands.py): 409 `buildInProgress` while the server
 * is being built, 400 otherwise.
 */
export class WrongState extends ApiError {
  constructor(message: string, readonly cyclades: ApiError) {
    super('conflict', message);
  }
}

/** Cyclades' names for the actions and tasks (vm.task holds the action under way) and for the states. */
const CYCLADES_ACTION: Partial<Record<ServerAction, string>> = {
  'os-start': 'START', 'os-stop': 'STOP', reboot: 'REBOOT', rebootHard: 'REBOOT', resize: 'RESIZE', delete: 'DESTROY',
};
const CYCLADES_TASK: Record<string, string> = {
  spawning: 'BUILD', 'powering-on': 'START', 'powering-off': 'STOP', rebooting: 'REBOOT', rebooting_hard: 'REBOOT',
  resize_prep: 'RESIZE', resizing: 'RESIZE', resize_reverting: 'RESIZE', deleting: 'DESTROY', rebuilding: 'REBUILD',
};
const CYCLADES_OPERSTATE: Record<VmState, string> = {
  building: 'BUILD', active: 'STARTED', stopped: 'STOPPED', resized: 'STARTED', error: 'ERROR', deleted: 'DESTROYED',
};

/** Throws WrongState unless `action` is allowed now. */
export function checkAction(server: { id: string; serial?: number; vm_state: VmState; task_state: string | null }, action: ServerAction): void {
  const rule = ACTION_RULES[action];
  const wrongState = !rule.states.includes(server.vm_state);
  const busy = server.task_state !== null && !rule.whileBusy;
  if (!wrongState && !busy) return;
  // Nova looks at the vm_state first, Cyclades at the pending task.
  const name = action === 'rebootHard' ? 'reboot' : action;
  const nova = wrongState
    ? `Cannot '${name}' instance ${server.id} while it is in vm_state ${server.vm_state}`
    : `Cannot '${name}' instance ${server.id} while it is in task_state ${server.task_state}`;
  const cycladesName = CYCLADES_ACTION[action] ?? action.toUpperCase();
  const task = busy ? CYCLADES_TASK[server.task_state!] ?? server.task_state!.toUpperCase() : undefined;
  const operstate = CYCLADES_OPERSTATE[server.vm_state];
  const cyclades = task === 'BUILD' || (task === undefined && operstate === 'BUILD')
    ? new BuildInProgress(`Server '${server.serial ?? server.id}' is being built.`)
    : badRequest(task !== undefined
      ? `Cannot perform '${cycladesName}' action while there is a pending '${task}'.`
      : `Cannot perform '${cycladesName}' action while server is in '${operstate}' state.`);
  throw new WrongState(nova, cyclades);
}

/** Rethrows a WrongState as Cyclades answers it (for /compute/v2.0). */
export function cycladesWrongState(error: unknown): never {
  throw error instanceof WrongState ? error.cyclades : error;
}

const RESIZING = new Set<string | null>(['resize_prep', 'resizing']);

/** Whether the server's VM should be running: what the reconciler compares with the backend. */
export const expectsRunning = (row: { vm_state: VmState; power_state: number }) =>
  row.vm_state === 'active' || (row.vm_state === 'resized' && row.power_state === POWER.running);

/** The status Nova's clients see. */
export function serverStatus(vmState: VmState, taskState: string | null): ServerStatus {
  if (vmState === 'deleted') return 'DELETED';
  if (taskState === 'rebuilding') return 'REBUILD';
  if (taskState === 'rebooting') return 'REBOOT';
  if (taskState === 'rebooting_hard') return 'HARD_REBOOT';
  switch (vmState) {
    case 'building': return 'BUILD';
    case 'active': return RESIZING.has(taskState) ? 'RESIZE' : 'ACTIVE';
    case 'stopped': return RESIZING.has(taskState) ? 'RESIZE' : 'SHUTOFF';
    case 'resized': return taskState === 'resize_reverting' ? 'REVERT_RESIZE' : 'VERIFY_RESIZE';
    case 'error': return 'ERROR';
  }
}

/** Cyclades' statuses: STOPPED for SHUTOFF, REBOOT for every reboot, no resize confirmation, no rebuild. */
const CYCLADES_STATUS: Partial<Record<ServerStatus, string>> = {
  SHUTOFF: 'STOPPED', HARD_REBOOT: 'REBOOT', VERIFY_RESIZE: 'RESIZE', REVERT_RESIZE: 'RESIZE', REBUILD: 'BUILD',
};

/** The status Cyclades' clients (kamaki) see on /compute/v2.0. */
export const cycladesStatus = (vmState: VmState, taskState: string | null): string => {
  const status = serverStatus(vmState, taskState);
  return CYCLADES_STATUS[status] ?? status;
};

const SYNNEFO_TASKS: Record<string, string> = {
  spawning: 'BUILDING', 'powering-on': 'STARTING', 'powering-off': 'STOPPING', rebooting: 'REBOOTING',
  rebooting_hard: 'REBOOTING', resize_prep: 'RESIZING', resizing: 'RESIZING', resize_reverting: 'RESIZING', deleting: 'DESTROYING', rebuilding: 'BUILDING',
};

/** Synnefo's name for a task (`SNF:task_state`). */
export const synnefoTask = (taskState: string | null): string | null => taskState === null ? null : SYNNEFO_TASKS[taskState] ?? taskState.toUpperCase();
