// Query strings as Fastify parses them: a repeated key gives an array.
export type Query = Record<string, string | string[] | undefined>;

/** The last value of `key` (OpenStack services take the last of a repeated parameter). */
export const lastValue = (query: Query, key: string): string | undefined => [query[key] ?? []].flat().at(-1);
