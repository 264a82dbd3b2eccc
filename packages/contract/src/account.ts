// Synnefo account API (/account/v1.0): resources, quotas and commissions.
import { Type, type Static } from 'typebox';

export interface ResourceDescription {
  unit: string | null;
  description: string;
  service: string;
  allow_in_projects: boolean;
  ui_visible: boolean;
  api_visible: boolean;
  system_default: number;
  project_default: number;
}
export type ResourceList = Record<string, ResourceDescription>;

export interface QuotaEntry {
  limit: number;
  usage: number;
  pending: number;
  project_limit: number;
  project_usage: number;
  project_pending: number;
}
/** project uuid → resource name → quota */
export type QuotaReport = Record<string, Record<string, QuotaEntry>>;

export const Provision = Type.Object({
  holder: Type.String({ minLength: 1 }),
  source: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  resource: Type.String({ minLength: 1 }),
  quantity: Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
});
export type Provision = Static<typeof Provision>;

export const CommissionRequest = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 4096 })),
  force: Type.Optional(Type.Boolean()),
  auto_accept: Type.Optional(Type.Boolean()),
  provisions: Type.Array(Provision, { minItems: 1, maxItems: 1000 }),
});
export type CommissionRequest = Static<typeof CommissionRequest>;

export interface Commission {
  serial: number;
  issue_time: string;
  name: string;
  provisions: Provision[];
}

export const CommissionAction = Type.Union([
  Type.Object({ accept: Type.Unknown() }, { required: ['accept'] }),
  Type.Object({ reject: Type.Unknown() }, { required: ['reject'] }),
]);

export const BulkCommissionAction = Type.Object({
  accept: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10000 })),
  reject: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10000 })),
});
export type BulkCommissionAction = Static<typeof BulkCommissionAction>;

/** A Synnefo "cloudFault": `{"overLimit": {"code": 413, "message": ..., "details": ...}}`. */
export type CloudFault = Record<string, { code: number; message: string; details?: string; data?: unknown }>;

export interface BulkCommissionResult { accepted: number[]; rejected: number[]; failed: [number, CloudFault][] }

/** Operator request: set (or, with null, reset to the default) one user's limit on one resource. */
export const QuotaLimitSet = Type.Object({
  limit: Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()]),
}, { additionalProperties: false });
export type QuotaLimitSet = Static<typeof QuotaLimitSet>;

export const ResourceDefaultsSet = Type.Object({
  system_default: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  project_default: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
}, { minProperties: 1, additionalProperties: false });
export type ResourceDefaultsSet = Static<typeof ResourceDefaultsSet>;
