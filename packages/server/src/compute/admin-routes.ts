// Operator endpoints of compute (admins only; 403 otherwise), served at /oceanos/... and, for
// the SDK and CLI, under the compute API too (/compute/v2.1/oceanos/...):
//
//   GET  /oceanos/reconcile/servers               report only
//   POST /oceanos/reconcile/servers {"fix": bool}  report, and repair when fix is true
//   GET  /oceanos/capacity                        where the disk goes (CapacityReport)
//
// The reconcile calls answer 200 with the report (see ReconcileReport in reconciler.ts):
//   {"orphans": [vm id], "stale": [server id], "stuck": [server id],
//    "unsynced": [{"id", "db": "ACTIVE"|"SHUTOFF"|..., "backend": "running"|"stopped"}],
//    "fixed": bool}
// Errors use Nova's body ({"forbidden": {"code": 403, "message": ...}}).
import type { ApiFamily, App } from '../http/app.ts';
import { requireAdmin } from '../http/auth.ts';
import { badRequest } from '../http/errors.ts';
import { novaFault } from './errors.ts';
import type { ComputeDeps } from './routes.ts';

/** The /oceanos family: the admin routes at the root of the cloud. */
export function computeAdminFamily(deps: ComputeDeps): ApiFamily {
  return { prefix: '/oceanos', format: novaFault, routes: (app) => adminRoutes(app, deps, '') };
}

/** Mounts the admin routes at `base` (`/oceanos` inside the compute API, `` inside /oceanos). */
export function adminRoutes(app: App, deps: ComputeDeps, base = '/oceanos'): void {
  app.get(`${base}/reconcile/servers`, async (request) => {
    requireAdmin(await deps.authenticate(request), 'reconcile servers');
    return deps.servers.reconcile(false);
  });
  app.post(`${base}/reconcile/servers`, async (request) => {
    requireAdmin(await deps.authenticate(request), 'reconcile servers');
    const fix = (request.body as { fix?: unknown } | undefined)?.fix ?? false;
    if (typeof fix !== 'boolean') throw badRequest('fix is true or false');
    return deps.servers.reconcile(fix);
  });
  app.get(`${base}/capacity`, async (request) => {
    requireAdmin(await deps.authenticate(request), 'read the capacity report');
    return deps.capacity();
  });
}
