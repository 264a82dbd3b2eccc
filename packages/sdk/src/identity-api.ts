// Tokens: Keystone v3 /auth/* for logging in and validating, Synnefo's /identity/v2.0 for
// "renew token" (revoke every token of a user and get a fresh one).
import type { CatalogEntry, NamedRef, Project, Token, TokenResponse, V2Access } from '@oceanos/contract';
import { ApiError } from './api-error.ts';
import { segment, type HttpTransport } from './http-transport.ts';

/** A token and what it stands for. */
export interface Session {
  /** The secret to send as X-Auth-Token. */
  token: string;
  expiresAt: string;
  issuedAt: string;
  methods: string[];
  user: { id: string; name: string; domain: { id: string; name: string } };
  /** The project the token is scoped to; null for unscoped tokens. */
  project: { id: string; name: string } | null;
  roles: NamedRef[];
  catalog: CatalogEntry[];
  /** The Keystone body as the server sent it. */
  raw: Token;
}

export interface PasswordCredentials {
  name: string;
  password: string;
  /** Scope to this project (by id or name); the user's system project by default. */
  project?: { id: string } | { name: string };
  /** Asks for a token with no project scope. */
  unscoped?: boolean;
}

export interface RenewedToken {
  token: string;
  expiresAt: string;
  userId: string;
  projectId: string;
  /** The Synnefo v2.0 body as the server sent it. */
  raw: V2Access;
}

function toSession(token: string, body: TokenResponse): Session {
  const t = body.token;
  return {
    token,
    expiresAt: t.expires_at,
    issuedAt: t.issued_at,
    methods: t.methods,
    user: { id: t.user.id, name: t.user.name, domain: t.user.domain },
    project: t.project ? { id: t.project.id, name: t.project.name } : null,
    roles: t.roles ?? [],
    catalog: t.catalog ?? [],
    raw: t,
  };
}

export class IdentityApi {
  constructor(private readonly http: HttpTransport) {}

  /** Logs in with a user name and password. Throws ApiError 401 on bad credentials. */
  async authenticate(credentials: PasswordCredentials): Promise<Session> {
    const identity = {
      methods: ['password'],
      password: { user: { name: credentials.name, domain: { id: 'default' }, password: credentials.password } },
    };
    return this.issue({ identity, ...scopeOf(credentials) });
  }

  /** Trades a token (the client's own by default) for a new one that expires no later. */
  async authenticateWithToken(token = this.ownToken(), scope: Pick<PasswordCredentials, 'project' | 'unscoped'> = {}): Promise<Session> {
    return this.issue({ identity: { methods: ['token'], token: { id: token } }, ...scopeOf(scope) });
  }

  /** Checks a token (the client's own by default). Throws ApiError 401/404 if it is not valid. */
  async validate(subjectToken = this.ownToken()): Promise<Session> {
    const body = await this.http.json<TokenResponse>('GET', '/identity/v3/auth/tokens', { headers: { 'x-subject-token': subjectToken } });
    return toSession(subjectToken, body);
  }

  /** Revokes a token (the client's own by default). */
  async revoke(subjectToken = this.ownToken()): Promise<void> {
    await this.http.request('DELETE', '/identity/v3/auth/tokens', { headers: { 'x-subject-token': subjectToken } });
  }

  /**
   * Revokes every token of a user (the token's owner by default) and returns a fresh one.
   * Afterwards this client's own token no longer works if it belonged to that user.
   */
  async renewToken(userId?: string): Promise<RenewedToken> {
    const id = userId ?? (await this.validate()).user.id;
    const raw = await this.http.json<V2Access>('POST', `/identity/v2.0/users/${segment(id)}/action`, { body: { renewToken: {} } });
    const token = raw.access.token;
    if (!token) throw new ApiError({ status: 200, kind: 'unexpected', title: 'Bad answer', message: 'renewToken answered without a token' });
    return { token: token.id, expiresAt: token.expires, userId: raw.access.user?.id ?? id, projectId: token.tenant.id, raw };
  }

  /** The projects the token's user may scope to. */
  async projects(): Promise<Project[]> {
    return (await this.http.json<{ projects: Project[] }>('GET', '/identity/v3/auth/projects')).projects;
  }

  /** The service catalog, as Keystone v3 lists it. */
  async catalog(): Promise<CatalogEntry[]> {
    return (await this.http.json<{ catalog: CatalogEntry[] }>('GET', '/identity/v3/auth/catalog')).catalog;
  }

  private async issue(auth: object): Promise<Session> {
    const response = await this.http.request<TokenResponse>('POST', '/identity/v3/auth/tokens', { body: { auth } });
    const token = response.headers.get('x-subject-token');
    if (!token) throw new ApiError({ status: response.status, kind: 'unexpected', title: 'Bad answer', message: 'the server issued no X-Subject-Token' });
    return toSession(token, response.body);
  }

  private ownToken(): string {
    if (!this.http.token) throw new TypeError('this client has no token: authenticate first or pass one');
    return this.http.token;
  }
}

function scopeOf(options: Pick<PasswordCredentials, 'project' | 'unscoped'>): { scope?: unknown } {
  if (options.unscoped) return { scope: 'unscoped' };
  if (options.project) return { scope: { project: { ...options.project, domain: { id: 'default' } } } };
  return {};
}
