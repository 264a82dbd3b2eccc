// Isolation attacks on identity (Keystone v3, Synnefo's /identity/v2.0) and the account API:
// B tries A's user, projects, roles, tokens, password and quotas. Keystone answers 403 to what
// its policy refuses, whatever exists; the account API's operator calls are admins' only.
import type { Attack } from './helpers/isolation.ts';

const V3 = '/identity/v3';
const V2 = '/identity/v2.0';
const ACCOUNT = '/account/v1.0';
// Knowing a token is owning it: Keystone tells a valid token of another user (403) from an
// invalid one (404), and so do we.
const TOKEN_ORACLE = 'a valid token of another user is 403 and an invalid one 404, as in Keystone; only its holder can ask';
// Failed logins are throttled per user and address: B's tries come from elsewhere than A's.
const ELSEWHERE = '10.66.0.2';

const login = (user: Record<string, unknown>, scope?: unknown) => ({
  auth: { identity: { methods: ['password'], password: { user: { domain: { id: 'default' }, ...user } } }, ...(scope ? { scope } : {}) },
});

export const identityAttacks: Attack[] = [
  { method: 'GET', path: '/identity', expect: 300 },
  { method: 'GET', path: V3, expect: 200 },
  // Logging in as A, or scoping one's own token to A's project.
  { method: 'POST', path: `${V3}/auth/tokens`, body: login({ id: '{a.id}', password: 'not-the-password' }), expect: 401, from: ELSEWHERE },
  { method: 'POST', path: `${V3}/auth/tokens`, body: { auth: { identity: { methods: ['token'], token: { id: '{b.token}' } }, scope: { project: { id: '{a.project}' } } } }, expect: 401 },
  { method: 'POST', path: `${V3}/auth/tokens`, body: { auth: { identity: { methods: ['token'], token: { id: '{b.token}' } }, scope: { project: { name: '{a.projectName}', domain: { id: 'default' } } } } }, expect: 401 },
  { method: 'GET', path: `${V3}/auth/tokens`, headers: { 'x-subject-token': '{a.token}' }, expect: 403, oracle: TOKEN_ORACLE },
  { method: 'DELETE', path: `${V3}/auth/tokens`, headers: { 'x-subject-token': '{a.token}' }, expect: 403, oracle: TOKEN_ORACLE },
  { method: 'GET', path: `${V3}/auth/catalog`, expect: 200 },
  { method: 'GET', path: `${V3}/auth/projects`, expect: 200 },
  { method: 'GET', path: `${V3}/auth/domains`, expect: 200 },
  { method: 'GET', path: `${V3}/domains`, expect: 200 },
  { method: 'GET', path: `${V3}/domains/default`, expect: 200 },
  { method: 'GET', path: `${V3}/domains/{a.project}`, expect: 404 },
  // Users.
  { method: 'GET', path: `${V3}/users`, expect: 403 },
  { method: 'GET', path: `${V3}/users?name=alpha-{mark}`, expect: 403 },
  { method: 'POST', path: `${V3}/users`, body: { user: { name: 'alpha-{mark}-twin', password: 'whatever-1', is_admin: true } }, expect: 403 },
  { method: 'GET', path: `${V3}/users/{a.id}`, expect: 403 },
  { method: 'PATCH', path: `${V3}/users/{a.id}`, body: { user: { password: 'taken-over-1', enabled: false } }, expect: 403 },
  { method: 'DELETE', path: `${V3}/users/{a.id}`, expect: 403 },
  { method: 'POST', path: `${V3}/users/{a.id}/password`, body: { user: { original_password: 'a-guess-1', password: 'taken-over-1' } }, expect: 403 },
  { method: 'GET', path: `${V3}/users/{a.id}/projects`, expect: 403 },
  { method: 'GET', path: `${V3}/users/{a.id}/groups`, expect: 403 },
  // Projects, roles and assignments.
  { method: 'GET', path: `${V3}/projects`, expect: 200 },
  { method: 'GET', path: `${V3}/projects?name={a.projectName}`, expect: 200 },
  { method: 'POST', path: `${V3}/projects`, body: { project: { name: '{a.projectName}-twin' } }, expect: 403 },
  { method: 'GET', path: `${V3}/projects/{a.project}`, expect: 403 },
  { method: 'GET', path: `${V3}/projects/{a.id}`, expect: 403 },
  { method: 'PATCH', path: `${V3}/projects/{a.project}`, body: { project: { name: 'renamed-by-b' } }, expect: 403 },
  { method: 'DELETE', path: `${V3}/projects/{a.project}`, expect: 403 },
  { method: 'GET', path: `${V3}/roles`, expect: 200 },
  { method: 'GET', path: `${V3}/roles/{a.role}`, expect: 200 },
  { method: 'GET', path: `${V3}/projects/{a.project}/users/{a.id}/roles`, expect: 403 },
  { method: 'GET', path: `${V3}/projects/{a.project}/users/{b.id}/roles`, expect: 200 },
  { method: 'GET', path: `${V3}/projects/{a.project}/users/{a.id}/roles/{a.role}`, expect: 403 },
  { method: 'PUT', path: `${V3}/projects/{a.project}/users/{b.id}/roles/{a.role}`, expect: 403 },
  { method: 'DELETE', path: `${V3}/projects/{a.project}/users/{a.id}/roles/{a.role}`, expect: 403 },
  { method: 'GET', path: `${V3}/role_assignments?user.id={a.id}`, expect: 403 },
  { method: 'GET', path: `${V3}/role_assignments?scope.project.id={a.project}`, expect: 403 },
  { method: 'GET', path: `${V3}/role_assignments?user.id={b.id}&scope.project.id={a.project}&include_names`, expect: 200 },

  // Synnefo's token API.
  { method: 'GET', path: V2, expect: 200 },
  { method: 'POST', path: `${V2}/tokens`, body: { auth: { passwordCredentials: { username: '{a.id}', password: 'not-the-password' } } }, expect: 401, from: ELSEWHERE },
  { method: 'POST', path: `${V2}/tokens`, body: { auth: { token: { id: '{b.token}' }, tenantId: '{a.project}' } }, expect: 401 },
  { method: 'POST', path: `${V2}/tokens`, body: { auth: { token: { id: '{b.token}' }, tenantName: '{a.projectName}' } }, expect: 401 },
  { method: 'GET', path: `${V2}/tokens/{a.token}`, expect: 403, oracle: TOKEN_ORACLE },
  { method: 'GET', path: `${V2}/tokens/{b.token}?belongsTo={a.project}`, expect: 404 },
  { method: 'POST', path: `${V2}/users/{a.id}/action`, body: { renewToken: {} }, expect: 403 },

  // The account API: B's own quotas only; limits, defaults and commissions are the operator's.
  { method: 'GET', path: ACCOUNT, expect: 200 },
  { method: 'GET', path: '/account', expect: 300 },
  { method: 'GET', path: `${ACCOUNT}/resources`, expect: 200 },
  { method: 'PATCH', path: `${ACCOUNT}/resources/cyclades.vm`, body: { system_default: 1000 }, expect: 403 },
  { method: 'GET', path: `${ACCOUNT}/quotas`, expect: 200 },
  { method: 'PUT', path: `${ACCOUNT}/quotas/{a.id}/cyclades.vm`, body: { limit: 1000 }, expect: 403 },
  { method: 'PUT', path: `${ACCOUNT}/quotas/{b.id}/cyclades.vm`, body: { limit: 1000 }, expect: 403 },
  { method: 'GET', path: `${ACCOUNT}/service_quotas?user={a.id}`, expect: 403 },
  { method: 'POST', path: `${ACCOUNT}/commissions`, body: { name: 'b', force: true, auto_accept: true, provisions: [{ holder: '{a.id}', source: 'system', resource: 'cyclades.vm', quantity: 100 }] }, expect: 403 },
  { method: 'GET', path: `${ACCOUNT}/commissions`, expect: 403 },
  { method: 'GET', path: `${ACCOUNT}/commissions/1`, expect: 403 },
  { method: 'POST', path: `${ACCOUNT}/commissions/1/action`, body: { reject: '' }, expect: 403 },
  { method: 'POST', path: `${ACCOUNT}/commissions/action`, body: { accept: [1], reject: [2] }, expect: 403 },
  // Synnefo's user catalog maps UUIDs and names for any user, by design; nothing else shows.
  { method: 'POST', path: `${ACCOUNT}/user_catalogs`, body: { uuids: ['{a.id}'], displaynames: [] }, expect: 200 },
];
