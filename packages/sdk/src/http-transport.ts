// JSON over HTTP with the X-Auth-Token header. Every failure, from a refused connection to a
// 4xx answer, comes out as an ApiError.
import { ApiError } from './api-error.ts';

export type Fetch = typeof globalThis.fetch;

export interface TransportOptions {
  /** Base URL of the cloud, e.g. `http://127.0.0.1:8585`; a trailing slash is ignored. */
  url: string;
  token?: string;
  fetch?: Fetch;
  /** Gives up on a request after this long; 60 s by default. */
  timeoutMs?: number;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
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
  private readonly timeoutMs: number;

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
  }

  withToken(token: string | undefined): HttpTransport {
    return new HttpTransport({ url: this.url, token, fetch: this.fetch, timeoutMs: this.timeoutMs });
  }

  /** Sends one request; resolves on 2xx, throws ApiError otherwise. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const url = this.url + path + queryString(options.query);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.token) headers['x-auth-token'] = this.token;
    // Only requests with a body say it is JSON: the server refuses an empty JSON body.
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw ApiError.unreachable(this.url, error, method);
    }
    if (!response.ok) throw ApiError.fromResponse(response.status, text, { method, url });
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ApiError({ status: response.status, kind: 'unexpected', title: 'Bad answer', message: `${method} ${url} answered with something that is not JSON`, method, url });
    }
    return { status: response.status, headers: response.headers, body: body as T };
  }

  /** Like request(), returning the body only. */
  async json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    return (await this.request<T>(method, path, options)).body;
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
