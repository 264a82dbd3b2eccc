// Error bodies of the compute APIs. Nova's: `{"itemNotFound": {"code": 404, "message": "..."}}`,
// with Nova's names for each status (409 `conflictingRequest`, 501 `notImplemented`, any
// other unnamed one `computeFault`). Cyclades' (/compute/v2.0) are Synnefo's cloudFault
// bodies, which also carry `details`.
import { CLOUD_FAULT_NAMES, cloudFault, ApiError, type ErrorFormatter, type ErrorKind } from '../http/errors.ts';

/** Nova's names (its wsgi Fault's `_fault_names`; any other status is `computeFault`). */
const NAMES: Record<ErrorKind, string> = { ...CLOUD_FAULT_NAMES, methodNotAllowed: 'badMethod', conflict: 'conflictingRequest', insufficientStorage: 'computeFault' };

/** Statuses whose name does not follow from the error's kind. */
const NOVA_BY_STATUS: Record<number, string> = { 406: 'computeFault', 501: 'notImplemented' };
const CYCLADES_BY_STATUS: Record<number, string> = { 501: 'notImplemented' };

export const novaFault: ErrorFormatter = (e) => ({ [NOVA_BY_STATUS[e.status] ?? NAMES[e.kind]]: { code: e.status, message: e.message } });

/** Cyclades' 409 for an action on a server still being built. */
export class BuildInProgress extends ApiError {
  constructor(message: string) {
    super('conflict', message);
  }
}

export const cycladesFault: ErrorFormatter = (e) => {
  const body = cloudFault(e) as Record<string, unknown>;
  const name = e instanceof BuildInProgress ? 'buildInProgress' : CYCLADES_BY_STATUS[e.status];
  return name === undefined ? body : { [name]: Object.values(body)[0] };
};

/** 501: what Nova answers for a feature this cloud does not have. */
export const notImplemented = (message: string) => new ApiError('internal', message, undefined, {}, 501);
