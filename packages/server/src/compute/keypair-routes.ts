// Nova os-keypairs (microversion 2.1 answers, plus `type` from 2.2): each user sees only
// their own key pairs.
import type { Keypair } from '@oceanos/contract';
import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { badRequest } from '../http/errors.ts';
import { computeCaller } from './caller.ts';
import type { KeypairRow, NewKeypair } from './keypair-service.ts';
import type { ComputeDeps } from './routes.ts';

const NameParam = Type.Object({ name: Type.String() });
const FIELDS = new Set(['name', 'public_key', 'type']);

/**
 * Reads `{"keypair": {"name", "public_key"?, "type"?}}` by hand: Fastify's Ajv would drop
 * unknown fields silently, where Nova refuses them.
 */
function parseCreate(body: unknown): NewKeypair {
  const keypair = (body as { keypair?: unknown } | null)?.keypair as Record<string, unknown> | undefined;
  if (typeof keypair !== 'object' || keypair === null || Array.isArray(keypair) || Object.keys(body as object).length !== 1) {
    throw badRequest('Invalid input: the request body must be {"keypair": {"name": ..., "public_key": ...}} and nothing else');
  }
  const unexpected = Object.keys(keypair).find((key) => !FIELDS.has(key));
  if (unexpected !== undefined) throw badRequest(`Invalid input: additional properties are not allowed ('${unexpected}' was unexpected)`);
  if (keypair.name === undefined) throw badRequest("Invalid input: 'name' is a required property");
  if (typeof keypair.name !== 'string') throw badRequest('Invalid input for field/attribute name: it must be a string');
  if (keypair.public_key !== undefined && typeof keypair.public_key !== 'string') throw badRequest('Invalid input for field/attribute public_key: it must be a string');
  const type = keypair.type ?? 'ssh';
  if (type !== 'ssh') throw badRequest(`Keypair data is invalid: only ssh key pairs are supported, not ${JSON.stringify(type)}`);
  return { name: keypair.name, ...(keypair.public_key === undefined ? {} : { publicKey: keypair.public_key }) };
}

const summary = (row: KeypairRow): Keypair => ({ name: row.name, public_key: row.public_key, fingerprint: row.fingerprint, type: row.type });

/**
 * Nova shows its row's integer id, which no client uses to address a key pair; ours is
 * derived from the owner, name and creation time, so it is stable while the key pair lives.
 */
const numericId = (row: KeypairRow): number =>
  createHash('sha256').update(`${row.user_id}\n${row.name}\n${row.created_at}`).digest().readUIntBE(0, 6);

export function keypairRoutes(app: App, { keypairs, authenticate }: ComputeDeps): void {
  const userId = async (request: Parameters<typeof authenticate>[0]) => computeCaller(await authenticate(request)).userId;

  app.get('/os-keypairs', async (request) => ({
    keypairs: (await keypairs.list(await userId(request))).map((row) => ({ keypair: summary(row) })),
  }));

  app.get('/os-keypairs/:name', { schema: { params: NameParam } }, async (request) => {
    const row = await keypairs.get(await userId(request), request.params.name);
    return {
      keypair: {
        ...summary(row), user_id: row.user_id, created_at: row.created_at, id: numericId(row),
        deleted: false, updated_at: null, deleted_at: null,
      },
    };
  });

  // Nova 2.1 answers 200 (201 came with 2.2).
  app.post('/os-keypairs', async (request) => {
    const owner = await userId(request);
    const { row, privateKey } = await keypairs.create(owner, parseCreate(request.body));
    return { keypair: { ...summary(row), user_id: row.user_id, ...(privateKey === undefined ? {} : { private_key: privateKey }) } };
  });

  app.delete('/os-keypairs/:name', { schema: { params: NameParam } }, async (request, reply) => {
    await keypairs.delete(await userId(request), request.params.name);
    return reply.code(202).send();
  });
}
