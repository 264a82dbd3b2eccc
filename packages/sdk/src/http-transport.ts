// JSON over HTTP with the X-Auth-Token header. Every failure, from a refused connection to a
// 4xx answer, comes out as an ApiError.
import { sendBytes } from './binary-post.ts';
import { ApiError } from './api-error.ts';

export type Fetch = typeof globalThis.fetch;

export interface TransportOptions {
  /** Base URL of the cloud, e.g. `http://127.0.0.1:8585`; a trailing slash is ignored. */
  url: string;
  token?: string;
  fetch?: Fetch;
  /** Gives up on a request after this long; 60 s by default. */
  timeoutMs?: number;
  /** Headers every request carries (a request's own win), e.g. the compute microversion. */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
}

export interface RawRequestOptions {
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Statuses besides 2xx that are answers rather than errors (e.g. 409 listing missing blocks). */
  allow?: number[];
  /** The caller streams the body: time only the wait for the headers, not the transfer. */
  stream?: boolean;
  /** Overrides the transport's timeout for this request. */
  timeoutMs?: number;
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the answer had none. */
  body: T;
}

export class HttpTransport {
  readonly url: string;
  readonly token: string | undefined;
  private readonly fetch: Fetch;
  readonly timeoutMs: number;
  private readonly headers: Record<string, string>;

  /** Throws TypeError if `url` is not an http(s) URL. */
  constructor(options: TransportOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new TypeError(`invalid URL: ${options.url}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`invalid URL: ${options.url} (expected http:// or https://)`);
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token || undefined;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.headers = options.headers ?? {};
  }

  withToken(token: string | undefined): HttpTransport {
    return new HttpTransport({ url: this.url, token, fetch: this.fetch, timeoutMs: this.timeoutMs, headers: this.headers });
  }

  /** The same transport, with `headers` on every request too. */
  withHeaders(headers: Record<string, string>): HttpTransport {
    return new HttpTransport({ url: this.url, token: this.token, fetch: this.fetch, timeoutMs: this.timeoutMs, headers: { ...this.headers, ...headers } });
  }

  /** Sends one JSON request; resolves on 2xx, throws ApiError otherwise. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    // Only requests with a body say it is JSON: the server refuses an empty JSON body.
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const response = await this.send(method, path, { query: options.query, headers, body });
    return { status: response.status, headers: response.headers, body: await readJson<T>(response, method, this.url) };
  }

  /**
   * Sends one request with any body and returns the answer with its body unread. Throws
   * ApiError when no answer comes or its status is neither 2xx nor in `allow`.
   */
  async send(method: string, path: string, options: RawRequestOptions = {}): Promise<Response> {
    const url = this.url + path + queryString(options.query);
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    if (this.token) headers['x-auth-token'] = this.token;
    // A streamed body may take as long as it takes: only the wait for the headers is timed.
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const headersTimeout = new AbortController();
    const timer = options.stream ? setTimeout(() => headersTimeout.abort(new DOMException('no answer', 'TimeoutError')), timeoutMs) : undefined;
    let response: Response;
    try {
      response = options.body instanceof Uint8Array && this.fetch === globalThis.fetch
        ? await sendBytes(url, method, headers, options.body, timeoutMs)
        : await this.fetch(url, { method, headers, body: options.body, signal: options.stream ? headersTimeout.signal : AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw ApiError.unreachable(this.url, error, method);
    } finally {
      clearTimeout(timer);
    }
    if (response.ok || options.allow?.includes(response.status)) return response;
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw ApiError.unreachable(this.url, error, method);
    }
    throw ApiError.fromResponse(response.status, text, { method, url });
  }

  /** Like request(), returning the body only. */
  async json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return (await this.request<T>(method, path, options)).body;
  }
}

/** Reads a JSON body (undefined when empty). Throws ApiError if it is cut short or not JSON. */
export async function readJson<T>(response: Response, method: string, baseUrl: string): Promise<T> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw ApiError.unreachable(baseUrl, error, method);
  }
  try {
    return (text === '' ? undefined : JSON.parse(text)) as T;
  } catch {
    throw new ApiError({ status: response.status, kind: 'unexpected', title: 'Bad answer', message: `${method} ${response.url || baseUrl} answered with something that is not JSON`, method, url: response.url || baseUrl });
  }
}

function queryString(query: Record<string, string | undefined> | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, value);
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Encodes one path segment (ids, user names, resource names). */
export const segment = (value: string | number) => encodeURIComponent(String(value));
