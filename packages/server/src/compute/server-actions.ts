// `POST /servers/{id}/action`: one action per request. Nova's set on /compute/v2.1 (with
// rebuild; createImage is answered as Nova answers a feature a cloud lacks), Cyclades' set on
// /compute/v2.0 (start/shutdown, reboot with an optional type, a resize with no confirmation,
// the `console` action). Each action's state rules are in server-states.ts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import { badRequest } from '../http/errors.ts';
import { viewContext } from './api-context.ts';
import type { ComputeCaller } from './caller.ts';
import { notImplemented } from './errors.ts';
import { apiOf, type ComputeApi } from './microversion.ts';
import type { ComputeDeps } from './routes.ts';
import { consoleLength, only, rebootType, rebuildRequest, reference } from './server-requests.ts';
import { cycladesOverLimit } from './server-quota.ts';
import { cycladesWrongState } from './server-states.ts';
import { serverView } from './server-views.ts';

/** Cyclades actions this cloud does not have (no networks, rescue images or projects to move to yet): 501. */
const CYCLADES_MISSING = new Set(['firewallProfile', 'reassign', 'addFloatingIp', 'removeFloatingIp', 'rescue', 'unrescue', 'os-getSPICEConsole', 'os-getRDPConsole']);

export function serverActionRoutes(app: App, deps: ComputeDeps, caller: (request: FastifyRequest) => Promise<ComputeCaller>): void {
  app.post('/servers/:id/action', async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length !== 1) {
      throw badRequest('Malformed request body: an action is an object with one member, the action\'s name');
    }
    const [name, args] = Object.entries(body)[0]!;
    const api = apiOf(request);
    const id = (request.params as { id: string }).id;
    const who = await caller(request);
    if (api.synnefo) return cycladesAction(deps, who, id, name, args, reply).catch(cycladesOverLimit).catch(cycladesWrongState);
    return novaAction(deps, request, who, id, name, args, reply, api);
  });
}

async function novaAction(deps: ComputeDeps, request: FastifyRequest, who: ComputeCaller, id: string, name: string, args: unknown, reply: FastifyReply, api: ComputeApi) {
  const { servers } = deps;
  switch (name) {
    case 'rebuild': {
      const { row, adminPass } = await servers.rebuild(who, id, rebuildRequest(args, api));
      const view = serverView(row, await viewContext(deps, request, who.admin), 'rebuild');
      return reply.code(202).send({ server: { ...view, adminPass } });
    }
    case 'resize':
      return resize(deps, who, id, args, reply, true);
    case 'confirmResize':
      await servers.confirmResize(who, id);
      return reply.code(204).send();
    case 'revertResize':
      await servers.revertResize(who, id);
      return reply.code(202).send();
    case 'os-getConsoleOutput':
      return { output: await servers.consoles.output(who, id, consoleLength(args)) };
    case 'createImage':
      // Snapshots come with volumes; until then the server must exist for the answer to be this one.
      await servers.get(who, id);
      throw notImplemented('The requested functionality is not supported: createImage (server snapshots) is not available on this cloud.');
    default:
      return commonAction(deps, who, id, name, args, reply, false) ?? badAction(`There is no such action: ${name}`);
  }
}

async function cycladesAction(deps: ComputeDeps, who: ComputeCaller, id: string, name: string, args: unknown, reply: FastifyReply) {
  // Cyclades finds the server first, then takes an action's argument only as an object (kamaki sends {"shutdown": {}}).
  const row = await deps.servers.get(who, id);
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw badRequest(`Malformed request: the argument of ${name} is an object`);
  if (name === 'resize') return resize(deps, who, id, args, reply, false);
  if (name === 'console') {
    // Cyclades' raw VNC console: host, one-time port and password of the VNC-auth proxy (console/raw-proxy.ts).
    const type = (args as { type?: unknown }).type;
    if (type === undefined) throw badRequest('No console \'type\' specified.');
    if (type !== 'vnc') throw badRequest('Supported types: vnc');
    // Cyclades answers a server that does not run with 400, where Nova's consoles answer 409.
    if (row.vm_state !== 'active') throw badRequest('Server not in ACTIVE state.');
    return { console: { type: 'vnc', ...(await deps.servers.consoles.rawVnc(who, id)) } };
  }
  if (CYCLADES_MISSING.has(name)) throw notImplemented(`${name} is not implemented`);
  // Nova's others (rebuild, confirmResize, createImage, ...) are not Cyclades actions at all.
  return commonAction(deps, who, id, name, args, reply, true) ?? badAction(`Action ${name} not supported`);
}

/** The actions both APIs have; undefined for any other. */
function commonAction(deps: ComputeDeps, who: ComputeCaller, id: string, name: string, args: unknown, reply: FastifyReply, synnefo: boolean) {
  const { servers } = deps;
  const accepted = () => reply.code(202).send();
  switch (name) {
    case 'os-start':
    case 'start':
      return servers.startServer(who, id).then(accepted);
    case 'os-stop':
    case 'shutdown':
      return servers.stopServer(who, id).then(accepted);
    case 'reboot':
      return servers.reboot(who, id, rebootType(args, { defaultSoft: synnefo })).then(accepted);
    case 'os-getVNCConsole':
      return (async () => {
        only(args, ['type'], 'os-getVNCConsole');
        if ((args as { type?: unknown } | null)?.type !== 'novnc') throw badRequest('Unsupported console type: only "novnc" is served');
        return { console: { type: 'novnc', url: await servers.consoles.vnc(who, id) } };
      })();
    default:
      return undefined;
  }
}

const badAction = (message: string): never => {
  throw badRequest(message);
};

/** Nova's resize waits for confirmation (`verify`); Cyclades' does not, and only stopped servers resize. */
async function resize(deps: ComputeDeps, who: ComputeCaller, id: string, args: unknown, reply: FastifyReply, verify: boolean) {
  only(args, ['flavorRef', 'OS-DCF:diskConfig'], 'resize');
  await deps.servers.resize(who, id, reference((args as { flavorRef?: unknown } | null)?.flavorRef, 'flavorRef'), { verify });
  return reply.code(202).send();
}
