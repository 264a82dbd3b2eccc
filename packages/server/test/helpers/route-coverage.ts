// Which registered routes a suite reached, read from the access log's `route` field, and which
// it left out. The isolation and fuzz suites fail on a route they neither reached nor exempted
// with a reason, so the routes of a new service must join them.
import { servedRoutes, type App } from '../../src/http/app.ts';

/** `METHOD /url/:pattern`, the way a route is named in the suites' tables. */
export type RouteKey = string;

const normalise = (url: string) => (url.length > 1 ? url.replace(/\/$/, '') : url);
export const routeKey = (method: string, url: string): RouteKey => `${method} ${normalise(url)}`;

/** Every route the plane serves. */
export const registeredRoutes = (app: App): RouteKey[] => servedRoutes(app).map((r) => routeKey(r.method, r.url));

/** The routes that answered a request in `logs` (one JSON line each) from line `from` on. */
export function reachedRoutes(logs: string[], from = 0): Set<RouteKey> {
  const out = new Set<RouteKey>();
  for (const line of logs.slice(from)) {
    const entry = JSON.parse(line) as { msg?: string; method?: string; route?: string };
    if (entry.msg === 'request' && entry.method && entry.route) out.add(routeKey(entry.method, entry.route));
  }
  return out;
}

/**
 * What is wrong with a suite's coverage: registered routes neither reached nor exempt, and
 * exemptions that name no registered route (so that the list cannot rot).
 */
export function coverageGaps(app: App, reached: Set<RouteKey>, exempt: Record<RouteKey, string>): { missing: RouteKey[]; stale: RouteKey[] } {
  const registered = new Set(registeredRoutes(app));
  return {
    missing: [...registered].filter((key) => !reached.has(key) && !(key in exempt)).sort(),
    stale: Object.keys(exempt).filter((key) => !registered.has(key)).sort(),
  };
}
