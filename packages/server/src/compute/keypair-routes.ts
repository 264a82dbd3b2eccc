// Nova os-keypairs at the microversion asked (`type`, 201 and 204 from 2.2; admins act for
// another user with `user_id` from 2.10; paging from 2.35; imports only from 2.92), and
// Cyclades' on /compute/v2.0 (201 and 204). Each user sees only their own key pairs.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ServiceCatalog } from '../catalog/catalog.ts';
import type { App } from '../http/app.ts';
import { badRequest, forbidden } from '../http/errors.ts';
import { scalar, type Query } from '../http/query.ts';
import { flavorContext } from './api-context.ts';
import { computeCaller, type ComputeCaller } from './caller.ts';
import type { KeypairRow, NewKeypair } from './keypair-service.ts';
import { apiOf, novaAtLeast, type ComputeApi } from './microversion.ts';
import { SINCE } from './nova-versions.ts';
import type { ComputeDeps } from './routes.ts';

const NameParam = Type.Object({ name: Type.String() });

/**
 * Reads `{"keypair": {"name", "public_key"?, "type"?, "user_id"?}}` by hand: Fastify's Ajv
 * would drop unknown fields silently, where Nova refuses them.
 */
function parseCreate(body: unknown, api: ComputeApi): NewKeypair & { userId?: string } {
  const keypair = (body as { keypair?: unknown } | null)?.keypair as Record<string, unknown> | undefined;
  if (typeof keypair !== 'object' || keypair === null || Array.isArray(keypair) || Object.keys(body as object).length !== 1) {
    throw badRequest('Invalid input: the request body must be {"keypair": {"name": ..., "public_key": ...}} and nothing else');
  }
  const fields = ['name', 'public_key', ...(novaAtLeast(api, SINCE.keypairType) ? ['type'] : []), ...(novaAtLeast(api, SINCE.keypairUserId) ? ['user_id'] : [])];
  const unexpected = Object.keys(keypair).find((key) => !fields.includes(key));
  if (unexpected !== undefined) throw badRequest(`Invalid input: additional properties are not allowed ('${unexpected}' was unexpected)`);
  if (keypair.name === undefined) throw badRequest("Invalid input: 'name' is a required property");
  if (typeof keypair.name !== 'string') throw badRequest('Invalid input for field/attribute name: it must be a string');
  if (keypair.public_key === undefined && novaAtLeast(api, SINCE.keypairImportOnly)) throw badRequest("Invalid input: 'public_key' is a required property");
  if (keypair.public_key !== undefined && typeof keypair.public_key !== 'string') throw badRequest('Invalid input for field/attribute public_key: it must be a string');
  if (keypair.user_id !== undefined && (typeof keypair.user_id !== 'string' || keypair.user_id === '')) throw badRequest('Invalid input for field/attribute user_id: it must be a string');
  const type = keypair.type ?? 'ssh';
  if (type !== 'ssh') throw badRequest(`Keypair data is invalid: only ssh key pairs are supported, not ${JSON.stringify(type)}`);
  return {
    name: keypair.name,
    ...(keypair.public_key === undefined ? {} : { publicKey: keypair.public_key as string }),
    ...(keypair.user_id === undefined ? {} : { userId: keypair.user_id as string }),
  };
}

/**
 * Nova shows its row's integer id, which no client uses to address a key pair; ours is
 * derived from the owner, name and creation time, so it is stable while the key pair lives.
 */
const numericId = (row: KeypairRow): number =>
  createHash('sha256').update(`${row.user_id}\n${row.name}\n${row.created_at}`).digest().readUIntBE(0, 6);

/** The user whose key pairs a request is about: the caller, or (admins, 2.10) the one named. */
function owner(caller: ComputeCaller, api: ComputeApi, asked: string | undefined): string {
  if (asked === undefined || !novaAtLeast(api, SINCE.keypairUserId)) return caller.userId;
  if (asked !== caller.userId && !caller.admin) throw forbidden(`Policy doesn't allow os_compute_api:os-keypairs to be performed for user ${asked}.`);
  return asked;
}

export function keypairRoutes(app: App, { keypairs, authenticate, catalog }: ComputeDeps): void {
  const caller = async (request: FastifyRequest) => computeCaller(await authenticate(request));
  const typed = (api: ComputeApi, row: KeypairRow) => (novaAtLeast(api, SINCE.keypairType) ? { type: row.type } : {});
  const summary = (api: ComputeApi, row: KeypairRow) => ({ name: row.name, public_key: row.public_key, fingerprint: row.fingerprint, ...typed(api, row) });

  app.get('/os-keypairs', async (request) => {
    const api = apiOf(request);
    const query = request.query as Query;
    const rows = await keypairs.list(owner(await caller(request), api, scalar(query, 'user_id')));
    return { keypairs: page(rows, query, api).map((row) => ({ keypair: summary(api, row) })), ...pageLinks(rows, query, api, catalog, request) };
  });

  app.get('/os-keypairs/:name', { schema: { params: NameParam } }, async (request) => {
    const api = apiOf(request);
    const row = await keypairs.get(owner(await caller(request), api, scalar(request.query as Query, 'user_id')), request.params.name);
    return {
      keypair: {
        ...summary(api, row), user_id: row.user_id, created_at: row.created_at, id: numericId(row),
        deleted: false, updated_at: null, deleted_at: null,
      },
    };
  });

  app.post('/os-keypairs', async (request, reply) => {
    const api = apiOf(request);
    const input = parseCreate(request.body, api);
    const { row, privateKey } = await keypairs.create(owner(await caller(request), api, input.userId), input);
    // Nova 2.1 answers 200; 2.2 and Cyclades 201.
    return reply.code(api.synnefo || novaAtLeast(api, SINCE.keypairType) ? 201 : 200).send({
      keypair: { ...summary(api, row), user_id: row.user_id, ...(privateKey === undefined ? {} : { private_key: privateKey }) },
    });
  });

  app.delete('/os-keypairs/:name', { schema: { params: NameParam } }, async (request, reply) => {
    const api = apiOf(request);
    await keypairs.delete(owner(await caller(request), api, scalar(request.query as Query, 'user_id')), request.params.name);
    return reply.code(api.synnefo || novaAtLeast(api, SINCE.keypairType) ? 204 : 202).send();
  });
}

/** Nova's key pair paging (2.35): `limit`, and `marker` naming the last key pair seen. */
function page(rows: KeypairRow[], query: Query, api: ComputeApi): KeypairRow[] {
  if (!novaAtLeast(api, SINCE.keypairPaging)) return rows;
  const marker = scalar(query, 'marker');
  let from = 0;
  if (marker !== undefined) {
    from = rows.findIndex((row) => row.name === marker) + 1;
    if (from === 0) throw badRequest(`marker [${marker}] not found`);
  }
  return rows.slice(from, from + limitOf(query));
}

function limitOf(query: Query): number {
  const raw = scalar(query, 'limit');
  if (raw === undefined) return Number.MAX_SAFE_INTEGER;
  if (!/^\d+$/.test(raw)) throw badRequest(`Invalid input for query parameters limit. Value: ${raw}. It is not a non-negative integer.`);
  return Number(raw);
}

/** `keypairs_links` with the next page, when a limit cut the list short. */
function pageLinks(rows: KeypairRow[], query: Query, api: ComputeApi, catalog: ServiceCatalog, request: FastifyRequest) {
  if (!novaAtLeast(api, SINCE.keypairPaging) || scalar(query, 'limit') === undefined) return {};
  const shown = page(rows, query, api);
  const last = shown.at(-1);
  if (last === undefined || last === rows.at(-1) || shown.length < limitOf(query)) return {};
  const params = new URLSearchParams(request.url.split('?')[1] ?? '');
  params.set('marker', last.name);
  return { keypairs_links: [{ rel: 'next', href: `${flavorContext(catalog, request).urls.versioned('/os-keypairs')}?${params}` }] };
}
