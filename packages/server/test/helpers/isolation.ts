// The isolation suite's machinery: an attack is one request by another user (B, or C whom A
// shares with) aimed at A's estate, written with placeholders (`{a.server}`). Each is sent
// twice: with A's values, and with look-alikes that never existed, which must get the same
// answer (else the API tells whether A's resource exists). An answer must hold none of A's
// values that the request did not name.
import type { Reply, TestPlane } from './control-plane.ts';
import { ghost, type Estate } from './estate.ts';

export interface Attack {
  /** Who sends it: B (no share from A, the default), C (A shares with C), or nobody (no token). */
  as?: 'b' | 'c' | 'nobody';
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string;
  expect: number | number[];
  /** Why a look-alike may get another answer: an existence check the API makes by design. */
  oracle?: string;
  /** A's values (placeholder names) this caller may see by design, e.g. what A shares with C. */
  shows?: string[];
  /** The look-alike's answer must have the same body too, not only the same status (errors always do). */
  sameBody?: boolean;
  /** A further check of the answer: what is wrong with it, or undefined. */
  check?: (reply: Reply, plane: TestPlane, estate: Estate) => Promise<string | undefined>;
  /** Sent from this address (login attempts must not lock A out of 127.0.0.1). */
  from?: string;
}

const PLACEHOLDER = /\{([abc]\.\w+|mark)\}/g;

/** `value` with every `{name}` replaced from `vars`; throws on an unknown name. */
export function fill<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_m, name: string) => {
      if (!(name in vars)) throw new Error(`no value for {${name}}`);
      return vars[name]!;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, vars)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [fill(k, vars), fill(v, vars)])) as T;
  return value;
}

/** `text` with A's values put back as placeholders, longest first, to compare answers about look-alikes. */
function unfill(text: string, vars: Record<string, string>): string {
  const named = Object.entries(vars).filter(([key, value]) => key.startsWith('a.') && value.length >= 8).sort((x, y) => y[1].length - x[1].length);
  const long = named.reduce((out, [key, value]) => out.replaceAll(value, `{${key}}`), text);
  // Integer ids (Cyclades' servers and flavors) are short: put back only where they stand as a whole word.
  const serials = Object.entries(vars).filter(([key]) => key.startsWith('a.') && key.endsWith('Serial'));
  return serials.reduce((out, [key, value]) => out.replace(new RegExp(`(?<![\\w.-])${value}(?![\\w.-])`, 'g'), `{${key}}`), long);
}

const tokenOf = (estate: Estate, as: Attack['as']) => (as === 'nobody' ? undefined : as === 'c' ? estate.c.token : estate.b.token);

async function send(plane: TestPlane, estate: Estate, attack: Attack, vars: Record<string, string>, method = attack.method) {
  const request = {
    method, path: fill(attack.path, vars), headers: fill(attack.headers ?? {}, vars),
    ...(attack.body === undefined ? {} : { body: fill(attack.body, vars) }), ...(attack.raw === undefined ? {} : { raw: fill(attack.raw, vars) }),
  };
  const reply = await plane.call(method, request.path, {
    token: tokenOf(estate, attack.as), headers: request.headers, body: request.body, rawBody: request.raw, remoteAddress: attack.from,
  });
  return { request: JSON.stringify(request), reply };
}

/** A's values in `reply` that `request` did not name and `shows` does not allow. */
function leaks(estate: Estate, attack: Attack, request: string, reply: Reply): string[] {
  const allowed = new Set((attack.shows ?? []).map((name) => estate.vars[name]));
  const answer = `${reply.text}\n${JSON.stringify(reply.headers)}`;
  return estate.secrets.filter((s) => !allowed.has(s) && answer.includes(s) && !request.includes(s));
}

const expected = (attack: Attack) => [attack.expect].flat();

/**
 * Runs one attack (and, for a GET, the same as HEAD); returns what went wrong, empty if
 * nothing did.
 */
export async function runAttack(plane: TestPlane, estate: Estate, attack: Attack): Promise<string[]> {
  const problems: string[] = [];
  const real = await send(plane, estate, attack, estate.vars);
  const describe = (r: Reply) => `${r.status} ${r.text.slice(0, 300)}`;
  if (!expected(attack).includes(real.reply.status)) problems.push(`answered ${describe(real.reply)}, expected ${expected(attack).join(' or ')}`);
  for (const leak of leaks(estate, attack, real.request, real.reply)) problems.push(`the answer shows ${leak}: ${describe(real.reply)}`);
  const checked = await attack.check?.(real.reply, plane, estate);
  if (checked) problems.push(checked);

  if (attack.method === 'GET') {
    const head = await send(plane, estate, attack, estate.vars, 'HEAD');
    const same = head.reply.status === real.reply.status || (head.reply.status < 300 && real.reply.status < 300);
    if (!same) problems.push(`HEAD answered ${head.reply.status} where GET answered ${real.reply.status}`);
    for (const leak of leaks(estate, attack, head.request, head.reply)) problems.push(`the HEAD answer shows ${leak}`);
  }

  const aimed = JSON.stringify(attack).includes('{a.');
  if (aimed && attack.oracle === undefined) {
    const vars = ghost(estate.vars);
    const twin = await send(plane, estate, attack, vars);
    if (twin.reply.status !== real.reply.status) {
      problems.push(`A's resource answers ${real.reply.status} but one that never existed ${describe(twin.reply)}: the answer tells that A's exists`);
    } else if ((real.reply.status >= 400 || attack.sameBody) && unfill(real.reply.text, estate.vars) !== unfill(twin.reply.text, vars)) {
      problems.push(`A's resource answers ${describe(real.reply)} but one that never existed ${describe(twin.reply)}`);
    }
  }
  return problems;
}

/** Runs `attacks` in order, as one list of problems per attack, for a caller's assertions. */
export const attackName = (attack: Attack) => `${attack.as ?? 'b'} ${attack.method} ${attack.path}${attack.headers ? ` ${Object.keys(attack.headers).join(',')}` : ''}`;

// What A sees of their estate: read before and after the attacks, it must not have changed.
const A_VIEW: [string, string, Record<string, string>?][] = [
  ['GET', '/identity/v3/users/{a.id}'],
  ['GET', '/identity/v3/users/{a.id}/projects'],
  ['GET', '/identity/v3/role_assignments?user.id={a.id}'],
  ['GET', '/identity/v3/auth/tokens', { 'x-subject-token': '{a.token}' }],
  ['GET', '/account/v1.0/quotas'],
  ['GET', '/compute/v2.1/os-keypairs'],
  ['GET', '/compute/v2.1/servers/detail?changes-since=2000-01-01T00:00:00Z'],
  ['GET', '/compute/v2.1/servers/{a.server}/tags'],
  ['GET', '/compute/v2.1/flavors/{a.flavor}'],
  ['GET', '/compute/v2.1/flavors/{a.flavor}/os-extra_specs'],
  ['GET', '/image/v2/images?visibility=all&member_status=all'],
  ['GET', '/image/v2/images/{a.sharedImage}/members'],
  ['GET', '/image/v1.0/images/detail'],
  ['GET', '/image/v1.0/images/{a.plankton}/members'],
  ['GET', '/object-store/v1/{a.id}?format=json'],
  ['HEAD', '/object-store/v1/{a.id}'],
  ['GET', '/object-store/v1/{a.id}/{a.container}?format=json'],
  ['HEAD', '/object-store/v1/{a.id}/{a.container}'],
  ['GET', '/object-store/v1/{a.id}/{a.privateContainer}?format=json'],
  ['GET', '/object-store/v1/{a.id}/{a.container}/{a.object}'],
  ['GET', '/object-store/v1/{a.id}/{a.container}/{a.object}?version=list&format=json'],
  ['GET', '/object-store/v1/{a.id}/{a.container}/{a.sharedObject}'],
  ['GET', '/object-store/v1/{a.id}/{a.container}/{a.manifest}'],
  ['GET', '/object-store/v1/{a.id}/{a.privateContainer}/{a.diary}'],
  ['GET', '/public/{a.publicToken}'],
];

// Headers that change without anyone changing anything.
const VOLATILE = new Set(['date', 'x-openstack-request-id', 'x-compute-request-id', 'x-trans-id', 'content-length']);

/** A's own view of the estate, as comparable text. */
export async function viewOfA(plane: TestPlane, estate: Estate): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [method, path, headers] of A_VIEW) {
    const url = fill(path, estate.vars);
    const reply = await plane.call(method, url, { token: estate.a.token, headers: fill(headers ?? {}, estate.vars) });
    const kept = Object.entries(reply.headers).filter(([name]) => !VOLATILE.has(name)).sort();
    out[`${method} ${path}`] = `${reply.status}\n${JSON.stringify(kept)}\n${reply.text}`;
  }
  return out;
}
