// Query strings as Fastify parses them: a repeated key gives an array, which the HTTP edge
// refuses (400) unless the route declares that key repeatable (app.ts).
export type Query = Record<string, string | string[] | undefined>;

/** The value of a parameter that is not repeatable (its last one, were it a list). */
export const lastValue = (query: Query, key: string): string | undefined => [query[key] ?? []].flat().at(-1);
