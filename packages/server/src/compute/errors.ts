// Nova's error bodies: `{"itemNotFound": {"code": 404, "message": "..."}}`, with Nova's names
// for each status (409 is `conflictingRequest`, 500 `computeFault`).
import { CLOUD_FAULT_NAMES, type ErrorFormatter, type ErrorKind } from '../http/errors.ts';

/** Synnefo's names but for 405 and 409. */
const NAMES: Record<ErrorKind, string> = { ...CLOUD_FAULT_NAMES, methodNotAllowed: 'methodNotAllowed', conflict: 'conflictingRequest' };

export const novaFault: ErrorFormatter = (e) => ({ [NAMES[e.kind]]: { code: e.status, message: e.message } });
