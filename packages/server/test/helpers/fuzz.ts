// The fuzz suite's cases and checks. For one registered route: a few fixed cases (a repeated
// query parameter, a broken JSON body, no token) and a number of seeded random ones mixing
// good and bad path parameters, query strings, headers, callers and bodies. An answer is
// wrong if it is a 5xx, logs an error, shows a stack trace, or is an error whose body is not
// in the format of the API family that served it.
import { familyOf, type App, type ServedRoute } from '../../src/http/app.ts';
import { ApiError, cloudFault, type ErrorKind } from '../../src/http/errors.ts';
import type { Reply } from './control-plane.ts';
import { BAD_HEADERS, BAD_SEGMENTS, badQuery, garbageBody, mutate, type Random } from './fuzz-inputs.ts';
import { fill } from './isolation.ts';
import { paramValues, SAMPLES, type Sample } from './fuzz-samples.ts';

export type Caller = 'a' | 'b' | 'admin' | 'nobody';

export interface FuzzCase { method: string; url: string; caller: Caller; headers: Record<string, string>; payload?: string | Buffer }

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const PARAM = /(:[A-Za-z_]+|\*)/g;

/** The route's path with each parameter given a value: a good one, or a bad one (`good` forces good). */
function path(route: ServedRoute, vars: Record<string, string>, random: Random, good: boolean): string {
  return route.url.replace(PARAM, (param) => {
    const values = paramValues(route.url, param);
    if (!values) throw new Error(`no value known for ${param} of ${route.method} ${route.url}: add one to fuzz-samples.ts`);
    const value = fill(random.pick(values), vars).split('/').map(encodeURIComponent).join('/');
    if (good || random.chance(0.3)) return value;
    switch (random.int(4)) {
      case 0: return `${value}${random.pick(['%00', '/..', '%2F..', '/', '//x'])}`;
      case 1: return param === '*' ? `${value}/${random.pick(BAD_SEGMENTS)}` : value.toUpperCase();
      default: return random.pick(BAD_SEGMENTS);
    }
  });
}

/** The route's sample as is (`good`), or with its body mutated or garbage, in some content type. */
function request(route: ServedRoute, vars: Record<string, string>, random: Random, good: boolean): { payload?: string | Buffer; headers: Record<string, string> } {
  const samples: Sample[] | undefined = SAMPLES[`${route.method} ${route.url}`];
  const anyType = () => random.pick(BAD_HEADERS[0]![1]);
  if (!samples) return good ? { headers: {} } : { payload: garbageBody(random), headers: { 'content-type': anyType() } };
  const sample = fill(random.pick(samples), vars);
  const headers = { ...sample.headers };
  const json = sample.body !== undefined;
  if (!json && sample.raw === undefined) return { headers };
  headers['content-type'] = good || random.chance(0.8) ? (sample.contentType ?? 'application/json') : anyType();
  if (good) return { payload: json ? JSON.stringify(sample.body) : sample.raw, headers };
  return { payload: json && random.chance(0.8) ? mutate(random, sample.body) : garbageBody(random), headers };
}

function headers(random: Random): Record<string, string> {
  const out: Record<string, string> = {};
  for (let n = 1 + random.int(2); n > 0; n--) {
    const [name, values] = random.pick(BAD_HEADERS);
    out[name] = random.pick(values);
  }
  return out;
}

/**
 * The fixed cases every route gets, then `count` random ones: each a good request (good path,
 * the route's sample body, the owner or an admin) with one thing wrong, so that most get past
 * the first check, and now and then everything wrong at once.
 */
export function casesFor(route: ServedRoute, vars: Record<string, string>, random: Random, count: number): FuzzCase[] {
  const good = path(route, vars, random, true);
  const cases: FuzzCase[] = [
    { method: route.method, url: `${good}?limit=1&limit=2&marker=a&marker=b`, caller: 'a', headers: {} },
    { method: route.method, url: good, caller: 'nobody', headers: {} },
  ];
  if (BODY_METHODS.has(route.method)) cases.push({ method: route.method, url: good, caller: 'a', headers: { 'content-type': 'application/json' }, payload: '{"truncated":' });
  for (let i = 0; i < count; i++) {
    const wrong = random.int(6);
    const all = wrong === 5;
    const made = request(route, vars, random, !(all || wrong === 3));
    const query = all || wrong === 1 ? badQuery(random) : '';
    cases.push({
      method: route.method,
      url: `${path(route, vars, random, !(all || wrong === 0))}${query ? `?${query}` : ''}`,
      caller: all || wrong === 4 ? random.pick<Caller>(['b', 'nobody']) : random.pick<Caller>(['a', 'admin']),
      headers: { ...made.headers, ...(all || wrong === 2 ? headers(random) : {}) },
      payload: made.payload,
    });
  }
  return cases;
}

// Values at the edges of what columns and parsers hold: 32- and 64-bit integers, long text.
const BOUNDARIES: unknown[] = [2 ** 31, 2 ** 63, -1, 1.5, 'x'.repeat(65_536), ''];
const HEADER_BOUNDARIES = ['2147483648', '-1', 'x'.repeat(8192), ''];

/**
 * Every leaf of the route's sample bodies and every header of its samples set, one at a time,
 * to each boundary value; sent by the owner and an admin in turn, with a good path.
 */
export function boundaryCases(route: ServedRoute, vars: Record<string, string>, random: Random): FuzzCase[] {
  const url = path(route, vars, random, true);
  const cases: FuzzCase[] = [];
  const add = (headers: Record<string, string>, payload?: string) =>
    cases.push({ method: route.method, url, caller: cases.length % 2 ? 'admin' : 'a', headers, payload });
  for (const sample of fill(SAMPLES[`${route.method} ${route.url}`] ?? [], vars)) {
    const type = sample.contentType ?? 'application/json';
    for (const name of Object.keys(sample.headers ?? {})) {
      for (const value of HEADER_BOUNDARIES) add({ ...sample.headers, [name]: value, ...(sample.raw === undefined ? {} : { 'content-type': type }) }, sample.raw);
    }
    if (sample.body === undefined) continue;
    for (const leaf of leaves(sample.body)) {
      for (const value of BOUNDARIES) add({ ...sample.headers, 'content-type': type }, JSON.stringify(leaf(value)));
    }
  }
  return cases;
}

/** For each leaf of `body`, a function that returns a copy of `body` with that leaf replaced. */
function leaves(body: unknown): ((value: unknown) => unknown)[] {
  const out: ((value: unknown) => unknown)[] = [];
  const walk = (node: unknown, at: (string | number)[]) => {
    if (node === null || typeof node !== 'object') {
      out.push((value) => {
        if (at.length === 0) return value;
        const copy = structuredClone(body) as Record<string | number, unknown>;
        let parent = copy;
        for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        parent[at.at(-1)!] = value;
        return copy;
      });
      return;
    }
    for (const [key, child] of Object.entries(node)) walk(child, [...at, Array.isArray(node) ? Number(key) : key]);
  };
  walk(body, []);
  return out;
}

const KINDS: ErrorKind[] = ['badRequest', 'unauthorized', 'forbidden', 'notFound', 'methodNotAllowed', 'conflict', 'overLimit', 'tooManyRequests', 'insufficientStorage', 'internal'];

/** The body's structure: keys and the types of the values, not the values. */
const skeleton = (value: unknown): string => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `{${Object.entries(value).filter(([key]) => key !== 'data').sort(([x], [y]) => x.localeCompare(y)).map(([key, v]) => `${key}:${skeleton(v)}`).join(',')}}`;
};

/** Why an error answer is not in its family's format (undefined if it is). */
function formatProblem(app: App, url: string, reply: Reply): string | undefined {
  // The path as the server saw it (the client library resolves `..`).
  const format = familyOf(app, new URL(url, 'http://localhost').pathname)?.format ?? cloudFault;
  const probes = KINDS.map((kind) => format(new ApiError(kind, 'probe', undefined, {}, reply.status)));
  if (typeof probes[0] === 'string') {
    const type = String(reply.headers['content-type'] ?? '');
    // Swift's own errors are text too: swob's HTML pages, or a sentence as text/plain.
    const text = type.startsWith('text/plain') || type.startsWith('text/html');
    return text || (reply.status === 409 && Array.isArray(reply.body)) ? undefined : `a text error was expected, not ${type}`;
  }
  if (reply.body === undefined) return `the error body is not JSON: ${reply.text.slice(0, 200)}`;
  if (!probes.some((probe) => skeleton(probe) === skeleton(reply.body))) return `the error body is not in the family's format: ${reply.text.slice(0, 200)}`;
  if (!reply.text.includes(String(reply.status))) return `the error body does not carry its status: ${reply.text.slice(0, 200)}`;
  return undefined;
}

/** What is wrong with the answer to one case; `logged` are the log lines it produced. */
export function problemsOf(app: App, c: FuzzCase, reply: Reply, logged: string[]): string[] {
  const problems: string[] = [];
  if (reply.status >= 500) problems.push(`answered ${reply.status}: ${reply.text.slice(0, 300)}`);
  for (const line of logged) if (JSON.parse(line).level >= 50) problems.push(`logged an error: ${line.slice(0, 500)}`);
  if (/\n\s+at .+:\d+:\d+|node_modules\//.test(reply.text)) problems.push(`the answer shows a stack trace: ${reply.text.slice(0, 300)}`);
  if (reply.status >= 400 && c.method !== 'HEAD' && reply.text !== '') {
    const problem = formatProblem(app, c.url, reply);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** One line that replays a case by hand. */
export const describeCase = (c: FuzzCase) =>
  `${c.caller}: ${c.method} ${c.url.slice(0, 300)} ${JSON.stringify(c.headers).slice(0, 300)}${c.payload === undefined ? '' : ` body ${JSON.stringify(String(c.payload).slice(0, 200))}`}`;
