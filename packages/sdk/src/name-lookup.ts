// Resolving what people type — a name or an id — into one record. Names are not unique in
// OpenStack, so an ambiguous name is an error that lists the candidates' ids.
import { ApiError } from './api-error.ts';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Several records have the name asked for; `ids` are theirs. Status 409, kind `conflict`. */
export class AmbiguousNameError extends ApiError {
  constructor(readonly what: string, readonly nameOrId: string, readonly ids: string[]) {
    super({ status: 409, kind: 'conflict', title: 'Conflict', message: `${ids.length} ${what}s are named ${nameOrId}; use an id: ${ids.join(', ')}` });
    this.name = 'AmbiguousNameError';
  }
}

/** A 404 made on this side, worded like the server's. */
function notFound(what: string, nameOrId: string): ApiError {
  return new ApiError({ status: 404, kind: 'notFound', title: 'Not Found', message: `No ${what} found with ID or name ${nameOrId}` });
}

/**
 * `byId` when it finds the record, else the one record of `candidates()` named exactly
 * `nameOrId`. `byId` is skipped when `looksLikeId` says no. Throws ApiError 404 if nothing
 * matches, AmbiguousNameError if several records have the name.
 */
export async function findByNameOrId<T extends { id: string; name: string | null }>(
  what: string,
  nameOrId: string,
  byId: (id: string) => Promise<T>,
  candidates: () => Promise<T[]>,
  looksLikeId: (text: string) => boolean = () => true,
): Promise<T> {
  if (looksLikeId(nameOrId)) {
    try {
      return await byId(nameOrId);
    } catch (error) {
      // A name may look like an id.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
  // Servers filter names by regular expression: equality is checked here.
  const matches = (await candidates()).filter((record) => record.name === nameOrId);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw notFound(what, nameOrId);
  throw new AmbiguousNameError(what, nameOrId, matches.map((record) => record.id));
}
