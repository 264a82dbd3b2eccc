// What "answers as Swift does" means, as code: two responses to the same request, made
// comparable (the account's name, times, request ids and multipart boundaries taken out),
// then compared on status, header names, the header values that must match, and body.
export interface Answer { status: number; headers: Record<string, string>; body: string }

/** Headers whose value is a time or an id: present on both sides, any value. */
const ANY_VALUE = new Set([
  'date', 'last-modified', 'x-timestamp', 'x-put-timestamp', 'x-trans-id', 'x-openstack-request-id',
  'x-copied-from-last-modified',
  // Swift updates an account's object totals later (its container updater), not at once.
  'x-account-object-count', 'x-account-bytes-used',
  'x-account-storage-policy-policy-0-object-count', 'x-account-storage-policy-policy-0-bytes-used',
]);
/** Transport details that either side may choose. */
const TRANSPORT = new Set(['connection', 'keep-alive', 'transfer-encoding']);
/**
 * Pithos' extensions, which oceanos adds to Swift's answers (docs/api.md), and Swift-only
 * headers oceanos does not send on purpose, each with the reason.
 */
const OCEANOS_ONLY = /^(x-object-(hash|uuid|version|version-timestamp|modified-by)|x-container-block-(size|hash)|x-container-policy-(versioning|quota)|x-account-policy-quota)$/;
const SWIFT_ONLY: Record<string, string> = {
  vary: 'Swift varies listings on Accept; oceanos caches nothing',
  'x-put-timestamp': 'Swift sends it for an account it has not stored yet; oceanos stores an account at its first request',
};

export interface Difference { what: string; swift: unknown; oceanos: unknown }

/** Replaces what legitimately differs between the two servers with placeholders. */
export function normalise(answer: Answer, account: string): Answer {
  const swap = (text: string) => text.split(account).join('{account}');
  const headers: Record<string, string> = {};
  let boundary: string | undefined;
  for (const [name, value] of Object.entries(answer.headers)) {
    const key = name.toLowerCase();
    if (TRANSPORT.has(key)) continue;
    let v = swap(value);
    const m = /boundary=([^;\s]+)/.exec(v);
    if (m) { boundary = m[1]; v = v.replace(m[1]!, '{boundary}').replace(/;\s*boundary/, '; boundary'); }
    headers[key] = ANY_VALUE.has(key) ? '{any}' : v;
  }
  let body = swap(answer.body);
  if (boundary) body = body.split(boundary).join('{boundary}');
  // Listing times: "2026-12-04T22:26:05.123450" (JSON, XML) are the servers' clocks.
  body = body.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?/g, '{time}');
  const counts = body;
  // An account listing's per-container totals: Swift's come later (above).
  body = body.replace(/<count>\d+<\/count><bytes>\d+<\/bytes>/g, '<count>{n}</count><bytes>{n}</bytes>');
  body = body.replace(/"count": ?\d+, ?"bytes": ?\d+/g, '"count": "{n}", "bytes": "{n}"');
  // The lengths of boundaries, account names and totals differ; the bodies are compared instead.
  if (boundary || answer.body.includes(account) || counts !== body) headers['content-length'] = '{any}';
  return { status: answer.status, headers, body };
}

/** The differences between Swift's normalised answer and oceanos'; empty when they agree. */
export function differences(swift: Answer, oceanos: Answer, options: { ignoreBody?: boolean; ignoreHeaders?: string[]; oceanosStatus?: number } = {}): Difference[] {
  const out: Difference[] = [];
  const status = options.oceanosStatus === undefined ? swift.status : options.oceanosStatus;
  if (status !== oceanos.status) out.push({ what: 'status', swift: swift.status, oceanos: oceanos.status });
  const ignored = new Set(options.ignoreHeaders ?? []);
  const names = new Set([...Object.keys(swift.headers), ...Object.keys(oceanos.headers)]);
  for (const name of [...names].sort()) {
    if (ignored.has(name)) continue;
    const s = swift.headers[name];
    const o = oceanos.headers[name];
    if (s === undefined && OCEANOS_ONLY.test(name)) continue;
    if (o === undefined && name in SWIFT_ONLY) continue;
    // Swift keeps a policy's totals once the account has had a container in it, even at 0.
    if (name.startsWith('x-account-storage-policy-') && swift.headers['x-account-container-count'] === '0') continue;
    if (s !== o) out.push({ what: `header ${name}`, swift: s, oceanos: o });
  }
  if (!options.ignoreBody && canonicalBody(swift.body) !== canonicalBody(oceanos.body)) {
    out.push({ what: 'body', swift: swift.body.slice(0, 400), oceanos: oceanos.body.slice(0, 400) });
  }
  return out;
}

/** JSON bodies compare as values (key order and spacing aside); others as text. */
function canonicalBody(body: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(body)));
  } catch {
    return body;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
