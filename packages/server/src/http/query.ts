// Query strings as handlers see them. The HTTP edge (input-rules.ts) has refused a repeated
// parameter unless the route declares that name repeatable, so any other is one string at most.
export type Query = Record<string, string | string[] | undefined>;

/** A parameter the route does not declare repeatable: one string, by the edge's rule. */
export function scalar(query: Query, key: string): string | undefined {
  const value = query[key];
  // A route that declares a name repeatable reads it with list(); this is a bug of ours.
  if (Array.isArray(value)) throw new Error(`query parameter ${key} is declared repeatable: read it as a list`);
  return value;
}

/** A parameter the route declares repeatable: every value given, in order. */
export const list = (query: Query, key: string): string[] => (query[key] === undefined ? [] : [query[key]!].flat());

/** The query of the page after `marker`: the same filters (every value of a list), `limit` and `marker` set. */
export function nextPageQuery(query: Query, marker: string, limit: number): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(query)) {
    if (key !== 'marker' && key !== 'limit') for (const value of list(query, key)) params.append(key, value);
  }
  params.set('limit', String(limit));
  params.set('marker', marker);
  return params.toString();
}
