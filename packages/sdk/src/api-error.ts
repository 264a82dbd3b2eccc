// The one error type of the SDK. oceanos answers errors in two shapes, depending on the API
// family: Keystone's `{"error": {"code", "title", "message"}}` and Synnefo's cloudFault
// `{"itemNotFound": {"code", "message", "details", "data"?}}`. Both end up here, as does a
// server that cannot be reached at all.

/** What went wrong, independent of the wire format. */
export type ErrorKind =
  | 'badRequest' | 'unauthorized' | 'forbidden' | 'notFound' | 'methodNotAllowed' | 'conflict'
  | 'overLimit' | 'tooManyRequests' | 'internal' | 'unavailable' | 'unexpected'
  /** No HTTP answer at all: refused, unknown host, timeout... `status` is 0. */
  | 'connectionFailed';

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'notFound', 405: 'methodNotAllowed',
  409: 'conflict', 413: 'overLimit', 429: 'tooManyRequests', 500: 'internal', 502: 'unavailable', 503: 'unavailable',
};

// Keystone sends its own titles; cloudFaults have none, so they get these.
const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Over Limit', 415: 'Unsupported Media Type', 429: 'Too Many Requests',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export interface ApiErrorDetails {
  status: number;
  kind: ErrorKind;
  title: string;
  message: string;
  /** The cloudFault's name (`itemNotFound`, `overLimit`...), absent for Keystone errors. */
  fault?: string;
  /** Machine-readable detail, e.g. the provision, limit and usage of an overLimit fault. */
  data?: unknown;
  method?: string;
  url?: string;
  cause?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly kind: ErrorKind;
  readonly title: string;
  readonly fault?: string;
  readonly data?: unknown;
  readonly method?: string;
  readonly url?: string;

  constructor(details: ApiErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ApiError';
    this.status = details.status;
    this.kind = details.kind;
    this.title = details.title;
    this.fault = details.fault;
    this.data = details.data;
    this.method = details.method;
    this.url = details.url;
  }

  /** One line for people: `Forbidden (403): You are not authorized...`. */
  describe(): string {
    return this.status === 0 ? this.message : `${this.title} (${this.status}): ${this.message}`;
  }

  /**
   * Builds the error from an HTTP answer: Keystone's `{"error": {...}}`, Synnefo's and Nova's
   * `{"itemNotFound": {...}}`, Glance's flat `{"message", "code", "title"}`, or anything else.
   */
  static fromResponse(status: number, body: string, request: { method?: string; url?: string } = {}): ApiError {
    const base = { status, kind: KIND_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'unexpected'), title: TITLES[status] ?? `HTTP ${status}`, ...request } as const;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      const text = body.trim().replace(/\s+/g, ' ').slice(0, 200);
      return new ApiError({ ...base, message: text || 'the server gave no explanation' });
    }
    const object = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
    if (typeof object.message === 'string') {
      return new ApiError({ ...base, title: typeof object.title === 'string' ? object.title : base.title, message: object.message });
    }
    const entries = Object.entries(object);
    const [name, inner] = entries.length === 1 ? entries[0]! : [undefined, undefined];
    if (typeof inner !== 'object' || inner === null || typeof (inner as { message?: unknown }).message !== 'string') {
      return new ApiError({ ...base, message: body.slice(0, 200) });
    }
    const fault = inner as { title?: unknown; message: string; data?: unknown };
    if (name === 'error') {
      return new ApiError({ ...base, title: typeof fault.title === 'string' ? fault.title : base.title, message: fault.message });
    }
    return new ApiError({ ...base, message: fault.message, fault: name, data: fault.data });
  }

  /** Builds the error for a request that got no HTTP answer at all. */
  static unreachable(url: string, cause: unknown, method?: string): ApiError {
    return new ApiError({
      status: 0, kind: 'connectionFailed', title: 'Connection failed', message: `cannot reach ${url}: ${networkReason(cause)}`,
      method, url, cause,
    });
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'name resolution failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
};

/** fetch() hides the reason in `cause` (undici), sometimes inside an AggregateError. */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  let cause = (error as { cause?: unknown })?.cause ?? error;
  const nested = (cause as { errors?: unknown[] })?.errors;
  if (Array.isArray(nested) && nested.length > 0 && !(cause as { code?: unknown }).code) cause = nested[0];
  const code = (cause as { code?: unknown })?.code;
  if (typeof code === 'string' && REASONS[code]) return REASONS[code];
  const message = (cause as { message?: unknown })?.message;
  return typeof message === 'string' && message ? message : String(cause);
}
