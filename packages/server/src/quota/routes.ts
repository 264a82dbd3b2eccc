// The quota part of Synnefo's account API (/account/v1.0): resources, quotas, commissions,
// plus the operator's calls to set limits and defaults.
import { BulkCommissionAction, CommissionAction, CommissionRequest, QuotaLimitSet, ResourceDefaultsSet, type CloudFault } from '@oceanos/contract';
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { requireAdmin, type Authenticate } from '../http/auth.ts';
import { badRequest, cloudFault } from '../http/errors.ts';
import type { IdentityService } from '../identity/service.ts';
import type { Charge, QuotaService } from './service.ts';

export interface QuotaDeps { quota: QuotaService; identity: IdentityService; authenticate: Authenticate }

// Path parameters arrive as strings (bodies are not type-coerced, so neither are these).
const Serial = Type.Object({ serial: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) });
const strip = (value: string, prefix: string) => (value.startsWith(prefix) ? value.slice(prefix.length) : value);

export function quotaRoutes(app: App, { quota, identity, authenticate }: QuotaDeps) {
  app.get('/resources', async () => quota.listResources());

  app.patch('/resources/:name', { schema: { params: Type.Object({ name: Type.String() }), body: ResourceDefaultsSet } }, async (request) => {
    requireAdmin(await authenticate(request), 'modify resource defaults');
    await quota.setResourceDefaults(request.params.name, { systemDefault: request.body.system_default, projectDefault: request.body.project_default });
    return { [request.params.name]: (await quota.listResources())[request.params.name] };
  });

  app.get('/quotas', async (request) => quota.quotasOf((await authenticate(request)).user.id));

  app.put('/quotas/:user/:resource', { schema: { params: Type.Object({ user: Type.String(), resource: Type.String() }), body: QuotaLimitSet } }, async (request) => {
    requireAdmin(await authenticate(request), 'set quotas');
    const user = await identity.findUser(request.params.user);
    await quota.setUserLimit(user.id, request.params.resource, request.body.limit);
    return { [user.id]: await quota.quotasOf(user.id) };
  });

  app.get('/service_quotas', async (request) => {
    requireAdmin(await authenticate(request), 'read other users\' quotas');
    const { user } = request.query as { user?: string };
    const users = user === undefined ? await identity.listUsers() : [await identity.findUser(user)];
    const out: Record<string, unknown> = {};
    for (const u of users) out[u.id] = await quota.quotasOf(u.id);
    return out;
  });

  app.post('/commissions', { schema: { body: CommissionRequest } }, async (request, reply) => {
    const auth = await authenticate(request);
    requireAdmin(auth, 'issue commissions');
    const charges: Charge[] = [];
    for (const p of request.body.provisions) {
      const userId = strip(p.holder, 'user:');
      // "system" (or no source) means the holder's own system project, as in Synnefo.
      const projectId = p.source === null || p.source === 'system' ? userId : strip(p.source, 'project:');
      charges.push({ userId, projectId, resource: p.resource, quantity: p.quantity });
    }
    const serial = await quota.issue({
      issuer: auth.user.id, name: request.body.name, force: request.body.force, autoAccept: request.body.auto_accept, charges,
    });
    reply.code(201);
    return { serial };
  });

  app.get('/commissions', async (request) => {
    const auth = await authenticate(request);
    requireAdmin(auth, 'list commissions');
    return quota.pending(auth.user.id);
  });

  app.get('/commissions/:serial', { schema: { params: Serial } }, async (request) => {
    requireAdmin(await authenticate(request), 'read commissions');
    return quota.getCommission(Number(request.params.serial));
  });

  app.post('/commissions/:serial/action', { schema: { params: Serial, body: CommissionAction } }, async (request, reply) => {
    requireAdmin(await authenticate(request), 'resolve commissions');
    const body = request.body as Record<string, unknown>;
    if ('accept' in body && 'reject' in body) throw badRequest('Specify either accept or reject, not both');
    await quota.resolve(Number(request.params.serial), 'accept' in body ? 'accept' : 'reject');
    reply.code(200).send();
  });

  app.post('/commissions/action', { schema: { body: BulkCommissionAction } }, async (request) => {
    requireAdmin(await authenticate(request), 'resolve commissions');
    const result = await quota.resolveMany(request.body.accept ?? [], request.body.reject ?? []);
    return { accepted: result.accepted, rejected: result.rejected, failed: result.failed.map(([s, e]) => [s, cloudFault(e) as CloudFault]) };
  });
}
