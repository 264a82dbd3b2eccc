// Synnefo's Keystone v2.0-shaped token API (/identity/v2.0/tokens).
import { Type, type Static } from 'typebox';

export const V2AuthRequest = Type.Object({
  auth: Type.Object({
    token: Type.Optional(Type.Object({ id: Type.String({ minLength: 1 }) })),
    passwordCredentials: Type.Optional(Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String() })),
    tenantName: Type.Optional(Type.String()),
    tenantId: Type.Optional(Type.String()),
  }),
});
export type V2AuthRequest = Static<typeof V2AuthRequest>;

export interface V2Endpoint { versionId: string; publicURL: string; region: string; 'SNF:uiURL': string }
export interface V2CatalogEntry { name: string; type: string; endpoints: V2Endpoint[]; endpoints_links: [] }
export interface V2Access {
  access: {
    token?: { id: string; expires: string; tenant: { id: string; name: string } };
    user?: { id: string; name: string; roles: { id: string; name: string }[]; roles_links: [] };
    serviceCatalog: V2CatalogEntry[];
  };
}
