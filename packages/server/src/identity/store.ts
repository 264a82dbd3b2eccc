// Queries on the identity tables. Only identity/service.ts calls these.
import type { Executor, ProjectsTable, RolesTable, TokensTable, UsersTable } from '../db/schema.ts';

export type UserRow = UsersTable;
export type ProjectRow = ProjectsTable;
export type RoleRow = RolesTable;
export interface AssignmentRow { user_id: string; project_id: string; role_id: string; role_name: string }

export type TokenRecord = TokensTable;

// ---- users

export const insertUser = (ex: Executor, row: UserRow) => ex.insertInto('users').values(row).execute();

export const findUserById = (ex: Executor, id: string) =>
  ex.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

export const findUserByName = (ex: Executor, name: string) =>
  ex.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();

export function listUsers(ex: Executor, filter: { name?: string; enabled?: boolean; ids?: string[] }) {
  let q = ex.selectFrom('users').selectAll().orderBy('name');
  if (filter.name !== undefined) q = q.where('name', '=', filter.name);
  if (filter.enabled !== undefined) q = q.where('enabled', '=', filter.enabled ? 1 : 0);
  if (filter.ids !== undefined) q = filter.ids.length ? q.where('id', 'in', filter.ids) : q.where('id', '=', '');
  return q.execute();
}

export const updateUser = (ex: Executor, id: string, patch: Partial<UserRow>) =>
  ex.updateTable('users').set(patch).where('id', '=', id).execute();

export const deleteUser = (ex: Executor, id: string) => ex.deleteFrom('users').where('id', '=', id).executeTakeFirst();

// ---- projects

export const insertProject = (ex: Executor, row: ProjectRow) => ex.insertInto('projects').values(row).execute();

export const findProjectById = (ex: Executor, id: string) =>
  ex.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();

export const findProjectByName = (ex: Executor, name: string) =>
  ex.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();

export function listProjects(ex: Executor, filter: { name?: string; enabled?: boolean; memberId?: string }) {
  let q = ex.selectFrom('projects').selectAll('projects').orderBy('projects.name');
  if (filter.name !== undefined) q = q.where('projects.name', '=', filter.name);
  if (filter.enabled !== undefined) q = q.where('projects.enabled', '=', filter.enabled ? 1 : 0);
  if (filter.memberId !== undefined) {
    const memberId = filter.memberId;
    q = q.where((eb) => eb.exists(eb.selectFrom('role_assignments').select('role_assignments.user_id')
      .whereRef('role_assignments.project_id', '=', 'projects.id').where('role_assignments.user_id', '=', memberId)));
  }
  return q.execute();
}

export const updateProject = (ex: Executor, id: string, patch: Partial<ProjectRow>) =>
  ex.updateTable('projects').set(patch).where('id', '=', id).execute();

export const deleteProject = (ex: Executor, id: string) => ex.deleteFrom('projects').where('id', '=', id).executeTakeFirst();

// ---- roles and assignments

export function listRoles(ex: Executor, name?: string): Promise<RoleRow[]> {
  let q = ex.selectFrom('roles').selectAll().orderBy('name');
  if (name !== undefined) q = q.where('name', '=', name);
  return q.execute();
}

export const findRole = (ex: Executor, idOrName: string) =>
  ex.selectFrom('roles').selectAll().where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])).executeTakeFirst();

export const addAssignment = (ex: Executor, userId: string, projectId: string, roleId: string) =>
  ex.insertInto('role_assignments').values({ user_id: userId, project_id: projectId, role_id: roleId })
    .onConflict((oc) => oc.doNothing()).execute();

export const removeAssignment = (ex: Executor, userId: string, projectId: string, roleId: string) =>
  ex.deleteFrom('role_assignments').where('user_id', '=', userId).where('project_id', '=', projectId)
    .where('role_id', '=', roleId).executeTakeFirst();

export function listAssignments(ex: Executor, filter: { userId?: string; projectId?: string; roleId?: string }): Promise<AssignmentRow[]> {
  let q = ex.selectFrom('role_assignments').innerJoin('roles', 'roles.id', 'role_assignments.role_id')
    .select(['role_assignments.user_id', 'role_assignments.project_id', 'role_assignments.role_id', 'roles.name as role_name'])
    .orderBy('role_assignments.user_id').orderBy('role_assignments.project_id').orderBy('roles.name');
  if (filter.userId !== undefined) q = q.where('role_assignments.user_id', '=', filter.userId);
  if (filter.projectId !== undefined) q = q.where('role_assignments.project_id', '=', filter.projectId);
  if (filter.roleId !== undefined) q = q.where('role_assignments.role_id', '=', filter.roleId);
  return q.execute();
}

export async function isAdmin(ex: Executor, userId: string): Promise<boolean> {
  const row = await ex.selectFrom('role_assignments').innerJoin('roles', 'roles.id', 'role_assignments.role_id')
    .select('role_assignments.user_id').where('role_assignments.user_id', '=', userId).where('roles.name', '=', 'admin')
    .executeTakeFirst();
  return row !== undefined;
}

// ---- tokens

export const insertToken = (ex: Executor, row: TokenRecord) => ex.insertInto('tokens').values(row).execute();

/** A token with its user and, when scoped, its project: one round trip per validation. */
export const findTokenWithOwner = (ex: Executor, hash: string) =>
  ex.selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .leftJoin('projects', 'projects.id', 'tokens.project_id')
    .select([
      'tokens.user_id', 'tokens.project_id', 'tokens.methods', 'tokens.audit_id', 'tokens.issued_at', 'tokens.expires_at', 'tokens.revoked',
      'users.name as user_name', 'users.email as user_email', 'users.display_name as user_display_name',
      'users.description as user_description', 'users.enabled as user_enabled',
      'users.created_at as user_created_at', 'users.updated_at as user_updated_at',
      'projects.name as project_name', 'projects.description as project_description', 'projects.enabled as project_enabled',
      'projects.is_system as project_is_system', 'projects.created_at as project_created_at',
    ])
    .where('tokens.hash', '=', hash)
    .executeTakeFirst();

export const revokeToken = (ex: Executor, hash: string) =>
  ex.updateTable('tokens').set({ revoked: 1 }).where('hash', '=', hash).where('revoked', '=', 0).executeTakeFirst();

export const revokeUserTokens = (ex: Executor, userId: string) =>
  ex.updateTable('tokens').set({ revoked: 1 }).where('user_id', '=', userId).execute();

/** Drops tokens that expired more than a grace period ago (revoked ones included). */
export const purgeTokens = (ex: Executor, before: string) =>
  ex.deleteFrom('tokens').where('expires_at', '<', before).executeTakeFirst();
