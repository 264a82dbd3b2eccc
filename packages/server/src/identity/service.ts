// Astakos: users, their system projects, roles and tokens. Other services call this module,
// never identity/store.ts.
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import type { Executor, Schema } from '../db/schema.ts';
import { isUniqueViolation, withTransaction } from '../db/transaction.ts';
import { badRequest, conflict, forbidden, notFound, unauthorized } from '../http/errors.ts';
import type { Transaction } from 'kysely';
import type { LoginThrottle } from './login-throttle.ts';
import { hashPassword, newAuditId, newToken, tokenHash, verifyPassword } from './secrets.ts';
import * as store from './store.ts';

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;
export const SYSTEM_PROJECT_PREFIX = 'system:';

export interface UserView {
  id: string;
  name: string;
  email: string | null;
  displayName: string | null;
  description: string | null;
  enabled: boolean;
  isAdmin: boolean;
  /** The user's system project: same UUID as the user. */
  defaultProjectId: string;
  createdAt: string;
}

export interface ProjectView { id: string; name: string; description: string; enabled: boolean; isSystem: boolean }
export interface Role { id: string; name: string }

export interface TokenInfo {
  user: UserView;
  project: ProjectView | null;
  roles: Role[];
  methods: string[];
  issuedAt: string;
  expiresAt: string;
  auditId: string;
}

/** What a request is allowed to do: the validated token plus its secret. */
export interface AuthContext extends TokenInfo { token: string }

export interface NewUser {
  name: string;
  password?: string;
  email?: string;
  displayName?: string;
  description?: string;
  enabled?: boolean;
  isAdmin?: boolean;
}
export type UserPatch = Partial<NewUser>;

export type ScopeRequest = { kind: 'default' } | { kind: 'unscoped' } | { kind: 'project'; id?: string; name?: string };

/** Runs inside the deletion transaction; throws to veto (e.g. the user still holds resources). */
export type UserDeletionGuard = (trx: Transaction<Schema>, userId: string) => Promise<void>;

export interface IdentityOptions { tokenTtlSeconds: number }

const toUserView = (row: store.UserRow, isAdmin: boolean): UserView => ({
  id: row.id, name: row.name, email: row.email, displayName: row.display_name, description: row.description,
  enabled: row.enabled === 1, isAdmin, defaultProjectId: row.id, createdAt: row.created_at,
});

const toProjectView = (row: store.ProjectRow): ProjectView => ({
  id: row.id, name: row.name, description: row.description, enabled: row.enabled === 1, isSystem: row.is_system === 1,
});

/**
 * Logins that ended: every token of a user (disabled, deleted, password changed, tokens
 * renewed) or one token, by its hash (revoked). Whatever lives only as long as a login (an
 * open console) ends with it.
 */
export type EndedLogins = { userId: string } | { tokenHash: string };
export type LoginsEndedListener = (ended: EndedLogins) => void;

export class IdentityService {
  private readonly deletionGuards: UserDeletionGuard[] = [];
  private readonly endedListeners: LoginsEndedListener[] = [];

  constructor(
    private readonly database: Database,
    private readonly options: IdentityOptions,
    private readonly throttle: LoginThrottle,
  ) {}

  private get db() { return this.database.db; }

  addUserDeletionGuard(guard: UserDeletionGuard): void {
    this.deletionGuards.push(guard);
  }

  /** Listeners are told in this process, after the change is committed; they must not throw. */
  onLoginsEnded(listener: LoginsEndedListener): void {
    this.endedListeners.push(listener);
  }

  private loginsEnded(ended: EndedLogins): void {
    for (const listener of this.endedListeners) listener(ended);
  }

  // ---- users

  /** Creates the user with its system project and `member` role on it (and `admin` if asked). */
  async createUser(input: NewUser): Promise<UserView> {
    if (input.name.startsWith(SYSTEM_PROJECT_PREFIX)) throw badRequest(`User names may not start with "${SYSTEM_PROJECT_PREFIX}"`);
    const id = randomUUID();
    const now = new Date().toISOString();
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    try {
      await withTransaction(this.database, async (trx) => {
        await store.insertUser(trx, {
          id, name: input.name, email: input.email ?? null, display_name: input.displayName ?? null,
          description: input.description ?? null, password_hash: passwordHash, enabled: input.enabled === false ? 0 : 1,
          created_at: now, updated_at: now,
        });
        await store.insertProject(trx, {
          id, name: `${SYSTEM_PROJECT_PREFIX}${id}`, description: `System project of ${input.name}`, enabled: 1, is_system: 1, created_at: now,
        });
        await store.addAssignment(trx, id, id, await this.roleId(trx, 'member'));
        if (input.isAdmin) await store.addAssignment(trx, id, id, await this.roleId(trx, 'admin'));
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A user named "${input.name}" already exists`);
      throw error;
    }
    return this.getUser(id);
  }

  async getUser(id: string, ex: Executor = this.db): Promise<UserView> {
    const row = await store.findUserById(ex, id);
    if (!row) throw notFound(`Could not find user: ${id}`);
    return toUserView(row, await store.isAdmin(ex, id));
  }

  /** Finds a user by UUID or, failing that, by name. */
  async findUser(idOrName: string): Promise<UserView> {
    const row = (await store.findUserById(this.db, idOrName)) ?? (await store.findUserByName(this.db, idOrName));
    if (!row) throw notFound(`Could not find user: ${idOrName}`);
    return toUserView(row, await store.isAdmin(this.db, row.id));
  }

  async listUsers(filter: { name?: string; enabled?: boolean } = {}): Promise<UserView[]> {
    const rows = await store.listUsers(this.db, filter);
    const admins = new Set((await store.listAssignments(this.db, { roleId: await this.roleId(this.db, 'admin') })).map((a) => a.user_id));
    return rows.map((row) => toUserView(row, admins.has(row.id)));
  }

  /** Applies the patch. Disabling a user or changing their password revokes their tokens. */
  async updateUser(id: string, patch: UserPatch): Promise<UserView> {
    if (patch.name?.startsWith(SYSTEM_PROJECT_PREFIX)) throw badRequest(`User names may not start with "${SYSTEM_PROJECT_PREFIX}"`);
    const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
    try {
      await withTransaction(this.database, async (trx) => {
        if (!(await store.findUserById(trx, id))) throw notFound(`Could not find user: ${id}`);
        const row: Partial<store.UserRow> = { updated_at: new Date().toISOString() };
        if (patch.name !== undefined) row.name = patch.name;
        if (patch.email !== undefined) row.email = patch.email;
        if (patch.displayName !== undefined) row.display_name = patch.displayName;
        if (patch.description !== undefined) row.description = patch.description;
        if (patch.enabled !== undefined) row.enabled = patch.enabled ? 1 : 0;
        if (passwordHash !== undefined) row.password_hash = passwordHash;
        await store.updateUser(trx, id, row);
        if (patch.isAdmin !== undefined) {
          const adminRole = await this.roleId(trx, 'admin');
          if (patch.isAdmin) await store.addAssignment(trx, id, id, adminRole);
          else for (const a of await store.listAssignments(trx, { userId: id, roleId: adminRole })) await store.removeAssignment(trx, id, a.project_id, adminRole);
        }
        if (patch.enabled === false || passwordHash !== undefined) await store.revokeUserTokens(trx, id);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A user named "${patch.name}" already exists`);
      throw error;
    }
    if (patch.enabled === false || passwordHash !== undefined) this.loginsEnded({ userId: id });
    return this.getUser(id);
  }

  /** Self-service password change: needs the current password, revokes every token. */
  async changePassword(id: string, originalPassword: string, newPassword: string, clientAddress: string): Promise<void> {
    const row = await store.findUserById(this.db, id);
    if (!row) throw notFound(`Could not find user: ${id}`);
    await this.throttle.admit(row.id, clientAddress);
    if (!(await verifyPassword(row.password_hash, originalPassword))) throw unauthorized('The original password is not correct.');
    await this.throttle.succeeded(row.id, clientAddress);
    await this.updateUser(id, { password: newPassword });
  }

  /** Deletes the user, their system project and tokens, unless a guard vetoes it. */
  async deleteUser(id: string): Promise<void> {
    await withTransaction(this.database, async (trx) => {
      if (!(await store.findUserById(trx, id))) throw notFound(`Could not find user: ${id}`);
      for (const guard of this.deletionGuards) await guard(trx, id);
      await store.deleteUser(trx, id);
      await store.deleteProject(trx, id);
    });
    this.loginsEnded({ userId: id });
  }

  // ---- projects

  async createProject(input: { name: string; description?: string; enabled?: boolean }): Promise<ProjectView> {
    if (input.name.startsWith(SYSTEM_PROJECT_PREFIX)) throw badRequest(`Project names starting with "${SYSTEM_PROJECT_PREFIX}" are reserved`);
    const id = randomUUID().replaceAll('-', '');
    try {
      await store.insertProject(this.db, {
        id, name: input.name, description: input.description ?? '', enabled: input.enabled === false ? 0 : 1, is_system: 0,
        created_at: new Date().toISOString(),
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A project named "${input.name}" already exists`);
      throw error;
    }
    return this.getProject(id);
  }

  async getProject(id: string, ex: Executor = this.db): Promise<ProjectView> {
    const row = await store.findProjectById(ex, id);
    if (!row) throw notFound(`Could not find project: ${id}`);
    return toProjectView(row);
  }

  async listProjects(filter: { name?: string; enabled?: boolean; memberId?: string } = {}): Promise<ProjectView[]> {
    return (await store.listProjects(this.db, filter)).map(toProjectView);
  }

  async updateProject(id: string, patch: { name?: string; description?: string; enabled?: boolean }): Promise<ProjectView> {
    const project = await this.getProject(id);
    if (project.isSystem && patch.name !== undefined && patch.name !== project.name) throw forbidden('System projects cannot be renamed');
    if (!project.isSystem && patch.name?.startsWith(SYSTEM_PROJECT_PREFIX)) throw badRequest(`Project names starting with "${SYSTEM_PROJECT_PREFIX}" are reserved`);
    const row: Partial<store.ProjectRow> = {};
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.description !== undefined) row.description = patch.description;
    if (patch.enabled !== undefined) row.enabled = patch.enabled ? 1 : 0;
    if (Object.keys(row).length === 0) return project;
    try {
      await store.updateProject(this.db, id, row);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A project named "${patch.name}" already exists`);
      throw error;
    }
    return this.getProject(id);
  }

  async deleteProject(id: string): Promise<void> {
    const project = await this.getProject(id);
    if (project.isSystem) throw forbidden('A system project is deleted with its user');
    await store.deleteProject(this.db, id);
  }

  /** True if the user has any role on the project. */
  async isMember(userId: string, projectId: string, ex: Executor = this.db): Promise<boolean> {
    return (await store.listAssignments(ex, { userId, projectId })).length > 0;
  }

  // ---- roles

  async listRoles(name?: string): Promise<Role[]> {
    return store.listRoles(this.db, name);
  }

  async getRole(idOrName: string): Promise<Role> {
    const role = await store.findRole(this.db, idOrName);
    if (!role) throw notFound(`Could not find role: ${idOrName}`);
    return role;
  }

  private async roleId(ex: Executor, name: string): Promise<string> {
    const role = await store.findRole(ex, name);
    if (!role) throw new Error(`built-in role ${name} is missing`);
    return role.id;
  }

  async listAssignments(filter: { userId?: string; projectId?: string; roleId?: string }) {
    return store.listAssignments(this.db, filter);
  }

  /** Grants a role. `admin` on any project makes the user a cloud administrator. */
  async grantRole(userId: string, projectId: string, roleId: string): Promise<void> {
    await this.getUser(userId);
    await this.getProject(projectId);
    const role = await this.getRole(roleId);
    await store.addAssignment(this.db, userId, projectId, role.id);
  }

  async revokeRole(userId: string, projectId: string, roleId: string): Promise<void> {
    const result = await store.removeAssignment(this.db, userId, projectId, roleId);
    if (Number(result.numDeletedRows) === 0) throw notFound(`Could not find role assignment of ${roleId} to user ${userId} on project ${projectId}`);
  }

  // ---- authentication and tokens

  /**
   * Checks a name (or id) and password. Attempts are throttled per user and address and per
   * address (login-throttle.ts), counted by the user whichever name form is given.
   */
  async authenticatePassword(user: { id?: string; name?: string }, password: string, clientAddress: string): Promise<UserView> {
    if (!user.id && !user.name) throw badRequest('Either user.id or user.name is required');
    const row = user.id ? await store.findUserById(this.db, user.id) : await store.findUserByName(this.db, user.name!);
    // A name nobody has is counted as itself, so that the answers do not tell it apart.
    const key = row?.id ?? `unknown:${user.id || user.name}`;
    await this.throttle.admit(key, clientAddress);
    const ok = await verifyPassword(row?.password_hash ?? null, password);
    if (!row || !ok || row.enabled !== 1) throw unauthorized('The request you have made requires authentication.');
    await this.throttle.succeeded(key, clientAddress);
    return toUserView(row, await store.isAdmin(this.db, row.id));
  }

  /** Issues a token for an authenticated user. Throws 401 if the scope is not allowed. */
  async issueToken(user: UserView, scope: ScopeRequest, methods: string[], expiresAt?: string): Promise<AuthContext> {
    const project = await this.resolveScope(user, scope);
    const token = newToken();
    const now = new Date();
    const expires = expiresAt ?? new Date(now.getTime() + this.options.tokenTtlSeconds * 1000).toISOString();
    await store.insertToken(this.db, {
      hash: tokenHash(token), user_id: user.id, project_id: project?.id ?? null, methods: methods.join(','),
      audit_id: newAuditId(), issued_at: now.toISOString(), expires_at: expires, revoked: 0,
    });
    return { token, ...(await this.validateToken(token)) };
  }

  private async resolveScope(user: UserView, scope: ScopeRequest): Promise<ProjectView | null> {
    if (scope.kind === 'unscoped') return null;
    if (scope.kind === 'default') {
      return (await this.isMember(user.id, user.defaultProjectId)) ? this.getProject(user.defaultProjectId) : null;
    }
    const row = scope.id !== undefined ? await store.findProjectById(this.db, scope.id) : await store.findProjectByName(this.db, scope.name ?? '');
    if (!row || row.enabled !== 1 || !(await this.isMember(user.id, row.id))) {
      throw unauthorized(`User ${user.id} has no access to project ${scope.id ?? scope.name}`);
    }
    return toProjectView(row);
  }

  /** Resolves a token; throws 401 if it is unknown, expired, revoked or its user is disabled. */
  async validateToken(token: string): Promise<TokenInfo> {
    const r = await store.findTokenWithOwner(this.db, tokenHash(token));
    if (!r || r.revoked || r.expires_at <= new Date().toISOString() || r.user_enabled !== 1) {
      throw unauthorized('The token is invalid, expired or revoked.');
    }
    const assignments = await store.listAssignments(this.db, { userId: r.user_id });
    const user = toUserView({
      id: r.user_id, name: r.user_name, email: r.user_email, display_name: r.user_display_name, description: r.user_description,
      password_hash: null, enabled: r.user_enabled, created_at: r.user_created_at, updated_at: r.user_updated_at,
    }, assignments.some((a) => a.role_name === 'admin'));
    let project: ProjectView | null = null;
    if (r.project_id !== null) {
      if (r.project_name === null || r.project_enabled !== 1) throw unauthorized('The token is scoped to a project that is disabled or gone.');
      project = toProjectView({
        id: r.project_id, name: r.project_name, description: r.project_description ?? '', enabled: r.project_enabled,
        is_system: r.project_is_system ?? 0, created_at: r.project_created_at ?? '',
      });
    }
    const roles = assignments.filter((a) => a.project_id === r.project_id).map((a) => ({ id: a.role_id, name: a.role_name }));
    return { user, project, roles, methods: r.methods.split(','), issuedAt: r.issued_at, expiresAt: r.expires_at, auditId: r.audit_id };
  }

  /**
   * Whether the token with this hash still lets its user act: known, not revoked, not expired,
   * its user enabled. For services that remember which token asked for something (consoles).
   */
  async isTokenLive(hash: string): Promise<boolean> {
    const r = await store.findTokenWithOwner(this.db, hash);
    return r !== undefined && !r.revoked && r.expires_at > new Date().toISOString() && r.user_enabled === 1;
  }

  async revokeToken(token: string): Promise<void> {
    const hash = tokenHash(token);
    const result = await store.revokeToken(this.db, hash);
    if (Number(result.numUpdatedRows) === 0) throw notFound('Could not find token');
    this.loginsEnded({ tokenHash: hash });
  }

  /** Revokes every token of the user and returns a fresh one scoped to their system project. */
  async renewTokens(userId: string): Promise<AuthContext> {
    await store.revokeUserTokens(this.db, userId);
    this.loginsEnded({ userId });
    return this.issueToken(await this.getUser(userId), { kind: 'default' }, ['password']);
  }

  /** Deletes tokens that expired more than a day ago. Returns how many. */
  async purgeExpiredTokens(): Promise<number> {
    const result = await store.purgeTokens(this.db, new Date(Date.now() - 86_400_000).toISOString());
    return Number(result.numDeletedRows);
  }
}
