// Nova's error bodies: `{"itemNotFound": {"code": 404, "message": "..."}}`, with Nova's names
// for each status (409 is `conflictingRequest`, 500 `computeFault`).
import type { ErrorFormatter, ErrorKind } from '../http/errors.ts';

const NAMES: Record<ErrorKind, string> = {
  badRequest: 'badRequest', unauthorized: 'unauthorized', forbidden: 'forbidden', notFound: 'itemNotFound',
  methodNotAllowed: 'methodNotAllowed', conflict: 'conflictingRequest', overLimit: 'overLimit',
  tooManyRequests: 'overLimit', internal: 'computeFault',
};

export const novaFault: ErrorFormatter = (e) => ({ [NAMES[e.kind]]: { code: e.status, message: e.message } });
