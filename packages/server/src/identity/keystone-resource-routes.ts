// Keystone v3: users, projects, roles and role assignments.
import { PasswordChange, ProjectCreate, ProjectUpdate, UserCreate, UserUpdate } from '@oceanos/contract';
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { requireAdmin, requireSelfOrAdmin } from '../http/auth.ts';
import { badRequest, forbidden, notFound } from '../http/errors.ts';
import type { KeystoneDeps } from './keystone-token-routes.ts';
import { listLinks, projectView, roleView, userView } from './keystone-views.ts';
import { DEFAULT_DOMAIN } from './service.ts';

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) });
const AssignmentParams = Type.Object({ project: Type.String(), user: Type.String(), role: Type.String() });
const ListQuery = Type.Object({ name: Type.Optional(Type.String()), enabled: Type.Optional(Type.String()) });

function parseEnabled(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (['true', '1', 'True'].includes(value)) return true;
  if (['false', '0', 'False'].includes(value)) return false;
  throw badRequest(`Invalid value for "enabled": ${value}`);
}

function checkDomain(domainId: string | undefined) {
  if (domainId !== undefined && domainId !== DEFAULT_DOMAIN.id) throw badRequest(`Unknown domain: ${domainId} (this cloud has only "${DEFAULT_DOMAIN.id}")`);
}

export function keystoneResourceRoutes(app: App, { identity, catalog, authenticate }: KeystoneDeps) {
  // ---- users

  app.get('/users', { schema: { querystring: ListQuery } }, async (request) => {
    requireAdmin(await authenticate(request), 'identity:list_users');
    const users = await identity.listUsers({ name: request.query.name, enabled: parseEnabled(request.query.enabled) });
    return { users: users.map((u) => userView(u, catalog)), links: listLinks(catalog, '/identity/v3/users') };
  });

  app.post('/users', { schema: { body: UserCreate } }, async (request, reply) => {
    requireAdmin(await authenticate(request), 'identity:create_user');
    const u = request.body.user;
    checkDomain(u.domain_id);
    if (u.default_project_id !== undefined) {
      throw badRequest("default_project_id cannot be chosen: every user's default project is their own system project");
    }
    const created = await identity.createUser({
      name: u.name, password: u.password, email: u.email, displayName: u.display_name, description: u.description,
      enabled: u.enabled, isAdmin: u.is_admin,
    });
    reply.code(201);
    return { user: userView(created, catalog) };
  });

  app.get('/users/:id', { schema: { params: IdParam } }, async (request) => {
    requireSelfOrAdmin(await authenticate(request), request.params.id, 'identity:get_user');
    return { user: userView(await identity.getUser(request.params.id), catalog) };
  });

  app.patch('/users/:id', { schema: { params: IdParam, body: UserUpdate } }, async (request) => {
    const auth = await authenticate(request);
    requireAdmin(auth, 'identity:update_user');
    const u = request.body.user;
    if (request.params.id === auth.user.id && (u.enabled === false || u.is_admin === false)) {
      throw forbidden('You cannot disable yourself or drop your own admin role');
    }
    const updated = await identity.updateUser(request.params.id, {
      name: u.name, password: u.password, email: u.email, displayName: u.display_name, description: u.description,
      enabled: u.enabled, isAdmin: u.is_admin,
    });
    return { user: userView(updated, catalog) };
  });

  app.delete('/users/:id', { schema: { params: IdParam } }, async (request, reply) => {
    const auth = await authenticate(request);
    requireAdmin(auth, 'identity:delete_user');
    if (request.params.id === auth.user.id) throw forbidden('You cannot delete your own user');
    await identity.deleteUser(request.params.id);
    reply.code(204).send();
  });

  app.post('/users/:id/password', { schema: { params: IdParam, body: PasswordChange } }, async (request, reply) => {
    const auth = await authenticate(request);
    if (auth.user.id !== request.params.id) throw forbidden('You can change only your own password');
    await identity.changePassword(auth.user.id, request.body.user.original_password, request.body.user.password, request.ip);
    reply.code(204).send();
  });

  app.get('/users/:id/projects', { schema: { params: IdParam } }, async (request) => {
    requireSelfOrAdmin(await authenticate(request), request.params.id, 'identity:list_user_projects');
    await identity.getUser(request.params.id);
    const projects = await identity.listProjects({ memberId: request.params.id });
    return { projects: projects.map((p) => projectView(p, catalog)), links: listLinks(catalog, `/identity/v3/users/${request.params.id}/projects`) };
  });

  app.get('/users/:id/groups', { schema: { params: IdParam } }, async (request) => {
    requireSelfOrAdmin(await authenticate(request), request.params.id, 'identity:list_groups_for_user');
    await identity.getUser(request.params.id);
    // oceanos has no Keystone groups: membership is by project.
    return { groups: [], links: listLinks(catalog, `/identity/v3/users/${request.params.id}/groups`) };
  });

  // ---- projects

  app.get('/projects', { schema: { querystring: ListQuery } }, async (request) => {
    const auth = await authenticate(request);
    // Non-admins see the projects they belong to rather than a 403.
    const projects = await identity.listProjects({
      name: request.query.name, enabled: parseEnabled(request.query.enabled), memberId: auth.user.isAdmin ? undefined : auth.user.id,
    });
    return { projects: projects.map((p) => projectView(p, catalog)), links: listLinks(catalog, '/identity/v3/projects') };
  });

  app.post('/projects', { schema: { body: ProjectCreate } }, async (request, reply) => {
    requireAdmin(await authenticate(request), 'identity:create_project');
    const p = request.body.project;
    checkDomain(p.domain_id);
    if (p.is_domain) throw badRequest('Projects acting as domains are not supported');
    if (p.parent_id !== undefined && p.parent_id !== null && p.parent_id !== DEFAULT_DOMAIN.id) throw badRequest('Nested projects are not supported');
    reply.code(201);
    return { project: projectView(await identity.createProject({ name: p.name, description: p.description, enabled: p.enabled }), catalog) };
  });

  app.get('/projects/:id', { schema: { params: IdParam } }, async (request) => {
    const auth = await authenticate(request);
    if (!auth.user.isAdmin && !(await identity.isMember(auth.user.id, request.params.id))) {
      throw forbidden('You are not authorized to perform the requested action: identity:get_project.');
    }
    return { project: projectView(await identity.getProject(request.params.id), catalog) };
  });

  app.patch('/projects/:id', { schema: { params: IdParam, body: ProjectUpdate } }, async (request) => {
    requireAdmin(await authenticate(request), 'identity:update_project');
    return { project: projectView(await identity.updateProject(request.params.id, request.body.project), catalog) };
  });

  app.delete('/projects/:id', { schema: { params: IdParam } }, async (request, reply) => {
    requireAdmin(await authenticate(request), 'identity:delete_project');
    await identity.deleteProject(request.params.id);
    reply.code(204).send();
  });

  // ---- roles and assignments

  app.get('/roles', { schema: { querystring: ListQuery } }, async (request) => {
    await authenticate(request);
    const roles = await identity.listRoles(request.query.name);
    return { roles: roles.map((r) => roleView(r, catalog)), links: listLinks(catalog, '/identity/v3/roles') };
  });

  app.get('/roles/:id', { schema: { params: IdParam } }, async (request) => {
    await authenticate(request);
    return { role: roleView(await identity.getRole(request.params.id), catalog) };
  });

  app.get('/projects/:project/users/:user/roles', { schema: { params: Type.Omit(AssignmentParams, ['role']) } }, async (request) => {
    requireSelfOrAdmin(await authenticate(request), request.params.user, 'identity:list_grants');
    const rows = await identity.listAssignments({ userId: request.params.user, projectId: request.params.project });
    return { roles: rows.map((a) => roleView({ id: a.role_id, name: a.role_name }, catalog)), links: listLinks(catalog, request.url) };
  });

  app.put('/projects/:project/users/:user/roles/:role', { schema: { params: AssignmentParams } }, async (request, reply) => {
    requireAdmin(await authenticate(request), 'identity:create_grant');
    await identity.grantRole(request.params.user, request.params.project, request.params.role);
    reply.code(204).send();
  });

  app.get('/projects/:project/users/:user/roles/:role', { schema: { params: AssignmentParams } }, async (request, reply) => {
    requireSelfOrAdmin(await authenticate(request), request.params.user, 'identity:check_grant');
    const role = await identity.getRole(request.params.role);
    const rows = await identity.listAssignments({ userId: request.params.user, projectId: request.params.project, roleId: role.id });
    if (rows.length === 0) throw notFound(`Could not find role assignment of ${request.params.role} to user ${request.params.user} on project ${request.params.project}`);
    reply.code(204).send();
  });

  app.delete('/projects/:project/users/:user/roles/:role', { schema: { params: AssignmentParams } }, async (request, reply) => {
    const auth = await authenticate(request);
    requireAdmin(auth, 'identity:revoke_grant');
    const role = await identity.getRole(request.params.role);
    if (role.name === 'admin' && request.params.user === auth.user.id) throw forbidden('You cannot drop your own admin role');
    await identity.revokeRole(request.params.user, request.params.project, role.id);
    reply.code(204).send();
  });

  app.get('/role_assignments', async (request) => {
    const auth = await authenticate(request);
    const q = request.query as Record<string, string | undefined>;
    const userId = q['user.id'];
    requireSelfOrAdmin(auth, userId ?? '', 'identity:list_role_assignments');
    const roleId = q['role.id'] === undefined ? undefined : (await identity.getRole(q['role.id'])).id;
    const rows = await identity.listAssignments({ userId, projectId: q['scope.project.id'], roleId });
    const names = 'include_names' in q && q.include_names !== 'false' && q.include_names !== '0';
    const users = names ? new Map((await identity.listUsers()).map((u) => [u.id, u.name])) : new Map<string, string>();
    const projects = names ? new Map((await identity.listProjects()).map((p) => [p.id, p.name])) : new Map<string, string>();
    const domain = { id: DEFAULT_DOMAIN.id, name: DEFAULT_DOMAIN.name };
    return {
      role_assignments: rows.map((a) => ({
        role: names ? { id: a.role_id, name: a.role_name } : { id: a.role_id },
        user: names ? { id: a.user_id, name: users.get(a.user_id), domain } : { id: a.user_id },
        scope: { project: names ? { id: a.project_id, name: projects.get(a.project_id), domain } : { id: a.project_id } },
        links: { assignment: catalog.url(`/identity/v3/projects/${a.project_id}/users/${a.user_id}/roles/${a.role_id}`) },
      })),
      links: listLinks(catalog, '/identity/v3/role_assignments'),
    };
  });
}
