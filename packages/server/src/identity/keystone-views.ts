// JSON shapes of Keystone v3 answers, built from the identity service's views.
import type { Project, Token, User } from '@oceanos/contract';
import type { ServiceCatalog } from '../catalog/catalog.ts';
import { DEFAULT_DOMAIN, type ProjectView, type Role, type TokenInfo, type UserView } from './service.ts';

export const KEYSTONE_VERSION = {
  id: 'v3.14',
  status: 'stable',
  updated: '2020-04-07T00:00:00Z',
  'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
};

/** Synnefo's tokens API as a Keystone version entry (Keystone's v2.0 media type). */
export const KEYSTONE_V2_VERSION = {
  id: 'v2.0',
  status: 'deprecated',
  updated: '2014-04-17T00:00:00Z',
  'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v2.0+json' }],
};

export const domainView = (catalog: ServiceCatalog) => ({
  id: DEFAULT_DOMAIN.id, name: DEFAULT_DOMAIN.name, description: 'The only domain of this cloud', enabled: true, tags: [], options: {},
  links: { self: catalog.url(`/identity/v3/domains/${DEFAULT_DOMAIN.id}`) },
});

export const userView = (u: UserView, catalog: ServiceCatalog): User => ({
  id: u.id, name: u.name, domain_id: DEFAULT_DOMAIN.id, enabled: u.enabled, email: u.email, display_name: u.displayName,
  description: u.description, default_project_id: u.defaultProjectId, is_admin: u.isAdmin, password_expires_at: null, options: {},
  links: { self: catalog.url(`/identity/v3/users/${u.id}`) },
});

export const projectView = (p: ProjectView, catalog: ServiceCatalog): Project => ({
  id: p.id, name: p.name, description: p.description, domain_id: DEFAULT_DOMAIN.id, enabled: p.enabled, is_domain: false,
  parent_id: DEFAULT_DOMAIN.id, tags: [], options: {}, links: { self: catalog.url(`/identity/v3/projects/${p.id}`) },
});

export const roleView = (r: Role, catalog: ServiceCatalog) => ({
  id: r.id, name: r.name, domain_id: null, description: null, options: {}, links: { self: catalog.url(`/identity/v3/roles/${r.id}`) },
});

export function tokenView(info: TokenInfo, catalog: ServiceCatalog | null): { token: Token } {
  const domain = { id: DEFAULT_DOMAIN.id, name: DEFAULT_DOMAIN.name };
  const token: Token = {
    methods: info.methods,
    user: { id: info.user.id, name: info.user.name, domain, password_expires_at: null },
    audit_ids: [info.auditId],
    expires_at: info.expiresAt,
    issued_at: info.issuedAt,
  };
  if (info.project) {
    token.project = { id: info.project.id, name: info.project.name, domain };
    token.is_domain = false;
    token.roles = info.roles.map((r) => ({ id: r.id, name: r.name }));
    if (catalog) token.catalog = catalog.v3(info.user.id);
  }
  return { token };
}

export const listLinks = (catalog: ServiceCatalog, path: string) => ({ self: catalog.url(path), previous: null, next: null });
