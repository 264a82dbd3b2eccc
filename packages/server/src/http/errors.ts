// The error kinds every service raises. Routes never build error bodies themselves: the
// formatter of the API family that served the request (Keystone, Synnefo, ...) does.

export type ErrorKind =
  | 'badRequest' | 'unauthorized' | 'forbidden' | 'notFound' | 'methodNotAllowed'
  | 'conflict' | 'overLimit' | 'tooManyRequests' | 'insufficientStorage' | 'internal';

const STATUS: Record<ErrorKind, number> = {
  badRequest: 400, unauthorized: 401, forbidden: 403, notFound: 404, methodNotAllowed: 405,
  conflict: 409, overLimit: 413, tooManyRequests: 429, insufficientStorage: 507, internal: 500,
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Extra machine-readable detail (Synnefo puts it under `data`). */
    readonly data?: unknown,
    readonly headers: Record<string, string> = {},
    /** Overrides the kind's usual status (e.g. 415 reported as a bad request). */
    status?: number,
  ) {
    super(message);
    this.status = status ?? STATUS[kind];
  }
}

export const badRequest = (message: string) => new ApiError('badRequest', message);
export const unauthorized = (message = 'The request you have made requires authentication.') => new ApiError('unauthorized', message);
export const forbidden = (message = 'You are not authorized to perform the requested action.') => new ApiError('forbidden', message);
export const notFound = (message: string, data?: unknown) => new ApiError('notFound', message, data);
export const conflict = (message: string) => new ApiError('conflict', message);
export const overLimit = (message: string, data?: unknown) => new ApiError('overLimit', message, data);
/** 412: a precondition of the request (If-Match, If-None-Match, a copy source) does not hold. */
export const preconditionFailed = (message: string) => new ApiError('badRequest', message, undefined, {}, 412);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new ApiError('tooManyRequests', message, undefined, { 'retry-after': String(retryAfterSeconds) });

/** Turns an error into the response body of one API family. */
export type ErrorFormatter = (error: ApiError) => unknown;

const TITLES: Record<number, string> = {
  400: 'Bad Request', 411: 'Length Required', 412: 'Precondition Failed', 422: 'Unprocessable Entity', 415: 'Unsupported Media Type', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Request Entity Too Large', 414: 'URI Too Long', 429: 'Too Many Requests', 500: 'Internal Server Error', 507: 'Insufficient Storage',
};

/** Keystone: `{"error": {"code", "title", "message"}}`. */
export const keystoneFault: ErrorFormatter = (e) => ({ error: { code: e.status, title: TITLES[e.status] ?? 'Error', message: e.message } });

export const CLOUD_FAULT_NAMES: Record<ErrorKind, string> = {
  badRequest: 'badRequest', unauthorized: 'unauthorized', forbidden: 'forbidden', notFound: 'itemNotFound',
  methodNotAllowed: 'notAllowed', conflict: 'conflict', overLimit: 'overLimit', tooManyRequests: 'overLimit',
  insufficientStorage: 'insufficientStorage', internal: 'computeFault',
};

/** Synnefo / Nova: `{"itemNotFound": {"code": 404, "message": ..., "details": ...}}`. */
export const cloudFault: ErrorFormatter = (e) => ({
  [CLOUD_FAULT_NAMES[e.kind]]: {
    code: e.status,
    message: e.message,
    details: '',
    ...(e.data === undefined ? {} : { data: e.data }),
  },
});
