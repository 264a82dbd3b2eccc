// Keystone v3 request and response shapes (the subset oceanos serves).
import { Type, type Static } from 'typebox';

const Domain = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) });

const UserRef = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1 })),
  name: Type.Optional(Type.String({ minLength: 1 })),
  domain: Type.Optional(Domain),
  password: Type.String(),
});

const ProjectScope = Type.Object({
  project: Type.Object({
    id: Type.Optional(Type.String({ minLength: 1 })),
    name: Type.Optional(Type.String({ minLength: 1 })),
    domain: Type.Optional(Domain),
  }),
});
const DomainScope = Type.Object({ domain: Domain });
const SystemScope = Type.Object({ system: Type.Object({ all: Type.Boolean() }) });
const UnscopedScope = Type.Literal('unscoped');

export const AuthRequest = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.String(), { minItems: 1 }),
      password: Type.Optional(Type.Object({ user: UserRef })),
      token: Type.Optional(Type.Object({ id: Type.String({ minLength: 1 }) })),
    }),
    scope: Type.Optional(Type.Union([ProjectScope, DomainScope, SystemScope, UnscopedScope])),
  }),
});
export type AuthRequest = Static<typeof AuthRequest>;

export interface NamedRef { id: string; name: string }
export interface DomainRef extends NamedRef {}
export interface CatalogEndpoint { id: string; interface: 'public' | 'internal' | 'admin'; region: string; region_id: string; url: string }
export interface CatalogEntry { id: string; type: string; name: string; endpoints: CatalogEndpoint[] }

export interface Token {
  methods: string[];
  user: NamedRef & { domain: DomainRef; password_expires_at: null };
  audit_ids: string[];
  expires_at: string;
  issued_at: string;
  project?: NamedRef & { domain: DomainRef };
  is_domain?: boolean;
  roles?: NamedRef[];
  catalog?: CatalogEntry[];
}
export interface TokenResponse { token: Token }

export const UserCreate = Type.Object({
  user: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s/]+$' }),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    email: Type.Optional(Type.String({ maxLength: 255 })),
    display_name: Type.Optional(Type.String({ maxLength: 255 })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    enabled: Type.Optional(Type.Boolean()),
    domain_id: Type.Optional(Type.String()),
    default_project_id: Type.Optional(Type.String()),
    is_admin: Type.Optional(Type.Boolean()),
  }),
});
export type UserCreate = Static<typeof UserCreate>;

export const UserUpdate = Type.Object({
  user: Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s/]+$' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    email: Type.Optional(Type.String({ maxLength: 255 })),
    display_name: Type.Optional(Type.String({ maxLength: 255 })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    enabled: Type.Optional(Type.Boolean()),
    is_admin: Type.Optional(Type.Boolean()),
  }),
});
export type UserUpdate = Static<typeof UserUpdate>;

export const PasswordChange = Type.Object({
  user: Type.Object({
    original_password: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1, maxLength: 4096 }),
  }),
});
export type PasswordChange = Static<typeof PasswordChange>;

export interface User {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  email: string | null;
  display_name: string | null;
  description: string | null;
  default_project_id: string;
  is_admin: boolean;
  password_expires_at: null;
  options: Record<string, never>;
  links: { self: string };
}

export const ProjectCreate = Type.Object({
  project: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    enabled: Type.Optional(Type.Boolean()),
    domain_id: Type.Optional(Type.String()),
    parent_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    is_domain: Type.Optional(Type.Boolean()),
    tags: Type.Optional(Type.Array(Type.String())),
  }),
});
export type ProjectCreate = Static<typeof ProjectCreate>;

export const ProjectUpdate = Type.Object({
  project: Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    enabled: Type.Optional(Type.Boolean()),
  }),
});
export type ProjectUpdate = Static<typeof ProjectUpdate>;

export interface Project {
  id: string;
  name: string;
  description: string;
  domain_id: string;
  enabled: boolean;
  is_domain: false;
  parent_id: string;
  tags: string[];
  options: Record<string, never>;
  links: { self: string };
}

export interface KeystoneError { error: { code: number; title: string; message: string } }
