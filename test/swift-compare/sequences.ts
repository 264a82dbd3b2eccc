// The request sequences the differential suite replays to Swift and to oceanos. Paths are
// relative to the account's URL; `{account}` in a header or body is the account's name on
// each side. Every sequence starts from an empty account.
export interface Step {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** No token, or a wrong one (the default is the account owner's). */
  token?: 'none' | 'bad';
  /** The body is not comparable (generated data, server-specific text). */
  ignoreBody?: boolean;
  ignoreHeaders?: string[];
  /** Where oceanos answers otherwise on purpose: its status, and why. */
  oceanosStatus?: number;
  why?: string;
  /** A difference not fixed yet: reported (SWIFT_COMPARE_REPORT=1) but not failed. */
  known?: string;
}
export interface Sequence { name: string; steps: Step[] }

const put = (path: string, body = '', headers: Record<string, string> = {}): Step => ({ method: 'PUT', path, body, headers });
const get = (path: string, headers: Record<string, string> = {}): Step => ({ method: 'GET', path, headers });
const head = (path: string, headers: Record<string, string> = {}): Step => ({ method: 'HEAD', path, headers });
const post = (path: string, headers: Record<string, string> = {}): Step => ({ method: 'POST', path, headers });
const del = (path: string, headers: Record<string, string> = {}): Step => ({ method: 'DELETE', path, headers });
const listings = (path: string) => ['', '?format=json', '?format=xml', '?format=plain'].map((q) => get(`${path}${q}`));

const tree = [
  put('/c'),
  put('/c/a.txt', 'alpha', { 'content-type': 'text/plain' }),
  put('/c/b/one', '1'), put('/c/b/two', '22'), put('/c/b/sub/three', '333'),
  put('/c/c%20space', 'sp'), put('/c/d', ''), put('/c/%C3%A9t%C3%A9', 'summer'),
];

export const SEQUENCES: Sequence[] = [
  // Swift answers for an account it has not stored yet without Accept-Ranges (and with 200
  // to a HEAD, where Pithos answers 204 and kamaki insists on it).
  { name: 'fresh account', steps: [
    { ...head(''), oceanosStatus: 204, ignoreHeaders: ['accept-ranges'], why: 'Pithos answers 204 and kamaki insists' },
    ...[get(''), get('?format=json'), get('?format=xml')].map((s) => ({ ...s, ignoreHeaders: ['accept-ranges'] })),
    get('/nothing'), head('/nothing')] },
  { name: 'container create, update, delete', steps: [
    put('/c'), put('/c'), head('/c'), get('/c'), get('/c?format=json'), get('/c?format=xml'), head(''), get(''), get('?format=json'),
    del('/c'), del('/c'), head('/c'), get('/c'),
  ] },
  { name: 'container metadata', steps: [
    put('/c', '', { 'x-container-meta-color': 'blue', 'x-container-meta-empty': '' }), head('/c'),
    post('/c', { 'x-container-meta-color': 'red', 'x-container-meta-size': 'L' }), head('/c'),
    post('/c', { 'x-container-meta-color': '' }), head('/c'),
    post('/c', { 'x-remove-container-meta-size': 'x' }), head('/c'),
    post('/nope', { 'x-container-meta-a': 'b' }),
  ] },
  { name: 'metadata names with underscores', steps: [
    put('/c', '', { 'x-container-meta-a_b': '1' }), head('/c'),
    put('/c/o', 'x', { 'x-object-meta-snake_case': 'v', 'x-object-meta-Mixed_Case_Name': 'w' }), head('/c/o'), get('/c/o'),
    post('/c/o', { 'x-object-meta-x_y': 'z' }), head('/c/o'),
    post('', { 'x-account-meta-k_v': 'q' }), head(''), post('', { 'x-account-meta-k_v': '' }),
  ] },
  { name: 'empty metadata values', steps: [
    put('/c'), put('/c/o', 'x', { 'x-object-meta-empty': '', 'x-object-meta-full': 'y' }), head('/c/o'),
    post('/c/o', { 'x-object-meta-a': '1', 'x-object-meta-b': '' }), head('/c/o'),
  ] },
  { name: 'account metadata', steps: [
    post('', { 'x-account-meta-color': 'green' }), head(''), get(''),
    post('', { 'x-account-meta-color': '' }), head(''),
  ] },
  { name: 'object lifecycle', steps: [
    put('/c'),
    put('/c/o', 'hello', { 'content-type': 'text/plain', 'x-object-meta-color': 'blue' }),
    head('/c/o'), get('/c/o'),
    put('/c/o', 'hello again', { 'content-type': 'text/plain' }), get('/c/o'),
    post('/c/o', { 'x-object-meta-new': 'yes', 'content-type': 'text/x-new' }), head('/c/o'),
    del('/c/o'), del('/c/o'), head('/c/o'), get('/c/o'), post('/c/o', { 'x-object-meta-a': 'b' }),
  ] },
  { name: 'objects in a missing container', steps: [put('/nope/o', 'x'), get('/nope/o'), head('/nope/o'), del('/nope/o')] },
  { name: 'content types', steps: [
    put('/c'), put('/c/page.html', '<p>'), put('/c/data.json', '{}'), put('/c/blob', 'b'),
    put('/c/typed', 'x', { 'content-type': 'application/x-custom' }),
    head('/c/page.html'), head('/c/data.json'), head('/c/blob'), head('/c/typed'),
  ] },
  { name: 'listings', steps: [...tree, ...listings('/c'), ...listings(''), head('/c')] },
  { name: 'listing parameters', steps: [
    ...tree,
    get('/c?prefix=b/'), get('/c?prefix=b/&format=json'), get('/c?delimiter=/'), get('/c?delimiter=/&format=json'),
    get('/c?delimiter=/&format=xml'), get('/c?prefix=b/&delimiter=/&format=json'), get('/c?marker=b/one'),
    get('/c?end_marker=b/two'), get('/c?limit=2&format=json'), get('/c?limit=0'), get('/c?marker=zzz'),
    get('/c?path=b'), get('/c?prefix=nothing'), get('/c?prefix=nothing&format=json'),
    get('/c?limit=10001'), get('/c?limit=abc'), get('/c?format=bogus'),
    get('/c', { accept: 'application/json' }), get('/c', { accept: 'application/xml' }),
  ] },
  { name: 'conditional requests', steps: [
    put('/c'), put('/c/o', 'hello'),
    get('/c/o', { 'if-match': '"5d41402abc4b2a76b9719d911017c592"' }), get('/c/o', { 'if-match': '"nope"' }),
    get('/c/o', { 'if-none-match': '"5d41402abc4b2a76b9719d911017c592"' }), get('/c/o', { 'if-none-match': '*' }),
    head('/c/o', { 'if-match': 'nope' }),
    get('/c/o', { 'if-modified-since': 'Sat, 01 Jan 2100 00:00:00 GMT' }),
    get('/c/o', { 'if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' }),
    put('/c/o', 'x', { 'if-none-match': '*' }),
    put('/c/new', 'x', { 'if-none-match': '*' }),
  ] },
  { name: 'ranges', steps: [
    put('/c'), put('/c/o', '0123456789', { 'content-type': 'text/plain' }),
    get('/c/o', { range: 'bytes=0-3' }), get('/c/o', { range: 'bytes=5-' }), get('/c/o', { range: 'bytes=-3' }),
    get('/c/o', { range: 'bytes=20-30' }), get('/c/o', { range: 'bytes=8-100' }), get('/c/o', { range: 'bytes=0-1,4-5' }),
    get('/c/o', { range: 'chars=0-1' }), head('/c/o', { range: 'bytes=0-3' }),
  ] },
  { name: 'uploads with ETag and lengths', steps: [
    put('/c'),
    put('/c/good', 'hello', { etag: '5d41402abc4b2a76b9719d911017c592' }),
    { ...put('/c/bad', 'hello', { etag: '00000000000000000000000000000000' }), ignoreHeaders: ['last-modified'], why: 'Swift dates a refused upload' },
    head('/c/bad'),
  ] },
  { name: 'copy', steps: [
    put('/c'), put('/d'), put('/c/src', 'data', { 'content-type': 'text/x-src', 'x-object-meta-a': '1' }),
    { method: 'COPY', path: '/c/src', headers: { destination: '/d/dst' } }, head('/d/dst'),
    put('/d/dst2', '', { 'x-copy-from': '/c/src', 'x-object-meta-b': '2' }), head('/d/dst2'),
    put('/d/dst3', '', { 'x-copy-from': '/c/src', 'x-fresh-metadata': 'true' }), head('/d/dst3'),
    { method: 'COPY', path: '/c/src', headers: { destination: '/d/typed', 'content-type': 'text/x-other' } }, head('/d/typed'),
    { method: 'COPY', path: '/c/missing', headers: { destination: '/d/x' } },
    put('/d/x', '', { 'x-copy-from': '/c/missing' }),
    put('/d/x', '', { 'x-copy-from': 'nocontainer' }),
    { method: 'COPY', path: '/c/src', headers: {} },
    { method: 'COPY', path: '/c/src', headers: { destination: '/d/x', 'destination-account': '{account}' } },
  ] },
  { name: 'dynamic large object', steps: [
    put('/c'), put('/c/seg/1', 'aaa'), put('/c/seg/2', 'bbb'),
    put('/c/big', '', { 'x-object-manifest': 'c/seg/' }), head('/c/big'), get('/c/big'), get('/c/big', { range: 'bytes=2-4' }),
    get('/c/big?multipart-manifest=get'),
  ] },
  { name: 'static large object', steps: [
    put('/c'), put('/c/s1', 'aaa'), put('/c/s2', 'bbb'),
    { method: 'PUT', path: '/c/slo?multipart-manifest=put', body: JSON.stringify([{ path: '/c/s1', etag: null, size_bytes: null }, { path: '/c/s2', etag: null, size_bytes: null }]) },
    { ...head('/c/slo'), ignoreHeaders: ['x-manifest-etag'], why: "the MD5 of Swift's stored manifest, which holds its times" },
    { ...get('/c/slo'), ignoreHeaders: ['x-manifest-etag'], why: "the MD5 of Swift's stored manifest, which holds its times" },
    { ...get('/c/slo?multipart-manifest=get&format=json'), ignoreHeaders: ['etag', 'content-length'], ignoreBody: true, why: "Swift's stored manifest holds its times" },
    { method: 'PUT', path: '/c/bad?multipart-manifest=put', body: 'not json', ignoreBody: true },
    { ...del('/c/slo?multipart-manifest=delete'), ignoreHeaders: ['content-length'], why: 'Swift streams the summary' }, head('/c/s1'),
  ] },
  { name: 'bulk delete', steps: [
    put('/c'), put('/c/a', '1'), put('/c/b', '2'),
    { method: 'POST', path: '?bulk-delete', headers: { 'content-type': 'text/plain', accept: 'application/json' }, body: '/c/a\n/c/b\n/c/missing\n/c\n', ignoreHeaders: ['content-length'], why: 'Swift streams the summary' },
    put('/c'), put('/c/a', '1'),
    { method: 'DELETE', path: '?bulk-delete', headers: { 'content-type': 'text/plain' }, body: '/c/a\n/c\n', ignoreHeaders: ['content-length'], why: 'Swift streams the summary' },
    head('/c'),
  ] },
  { name: 'deleting a container that holds objects', steps: [put('/c'), put('/c/o', 'x'), del('/c'), del('/c/o'), del('/c')] },
  { name: 'account listing parameters', steps: [
    put('/a1'), put('/a2'), put('/b1'), put('/b-2'),
    get('?prefix=a'), get('?prefix=a&format=json'), get('?marker=a2'), get('?end_marker=b'), get('?limit=1&format=json'),
    get('?delimiter=-'), get('?delimiter=-&format=json'), get('?delimiter=-&format=xml'), get('?reverse=true'),
    get('?prefix=zz'), head('?prefix=a'),
  ] },
  { name: 'listing in reverse', steps: [
    ...tree,
    get('/c?reverse=true'), get('/c?reverse=true&limit=2'), get('/c?reverse=true&marker=b/one'), get('/c?reverse=true&end_marker=b/two'),
    get('/c?reverse=true&delimiter=/&format=json'), get('/c?reverse=true&prefix=b/&delimiter=/'), get('/c?reverse=on&format=xml'),
  ] },
  { name: 'object headers kept and replaced', steps: [
    put('/c'),
    put('/c/o', 'x', { 'content-disposition': 'attachment; filename="x.bin"', 'content-encoding': 'gzip', 'x-object-meta-a': '1', 'x-object-meta-b': '2' }),
    head('/c/o'),
    post('/c/o', { 'x-object-meta-c': '3' }), head('/c/o'),
    post('/c/o', { 'x-remove-object-meta-c': 'x', 'x-object-meta-d': '4' }), head('/c/o'),
    post('/c/o', { 'content-disposition': 'inline' }), head('/c/o'),
    put('/c/u', 'x', { 'x-object-meta-utf': 'caf\u00e9' }), head('/c/u'),
    put('/c/detect.json', '{}', { 'content-type': 'text/plain', 'x-detect-content-type': 'true' }), head('/c/detect.json'),
  ] },
  { name: 'names that need encoding', steps: [
    put('/c'), put('/c/a%2Fb', 'slash'), put('/c/sp%20ace', 's'), put('/c/q%3Fmark', 'q'), put('/c/%E2%98%83', 'snow'),
    get('/c/a%2Fb'), get('/c?format=json'), get('/c?format=xml'), get('/c?prefix=a/'), head('/c/%E2%98%83'),
  ] },
  { name: 'copy onto itself and conditional reads', steps: [
    put('/c'), put('/c/o', 'data', { 'x-object-meta-a': '1' }),
    { method: 'COPY', path: '/c/o', headers: { destination: '/c/o', 'x-object-meta-b': '2' } }, head('/c/o'),
    put('/c/o', '', { 'x-copy-from': '/c/o', 'x-fresh-metadata': 'true', 'x-object-meta-c': '3' }), head('/c/o'),
    get('/c/o', { 'if-none-match': '"8d777f385d3dfec8815d20f7496026dc"' }),
    head('/c/o', { 'if-none-match': '8d777f385d3dfec8815d20f7496026dc' }),
    get('/c/o', { 'if-match': '*' }),
  ] },
  { name: 'large objects read in ranges', steps: [
    put('/c'), put('/c/seg/1', 'abcd'), put('/c/seg/2', 'efgh'), put('/c/seg/3', 'ij'),
    put('/c/dlo', '', { 'x-object-manifest': 'c/seg/' }),
    get('/c/dlo', { range: 'bytes=3-5' }), get('/c/dlo', { range: 'bytes=-3' }), head('/c/dlo'), get('/c?format=json&prefix=dlo'),
    { method: 'PUT', path: '/c/slo?multipart-manifest=put', body: JSON.stringify([{ path: '/c/seg/1' }, { path: '/c/seg/2' }]) },
    { ...get('/c/slo', { range: 'bytes=2-5' }), ignoreHeaders: ['x-manifest-etag'], why: "the MD5 of Swift's stored manifest, which holds its times" },
    { ...head('/c/slo'), ignoreHeaders: ['x-manifest-etag'], why: "the MD5 of Swift's stored manifest, which holds its times" },
    { ...get('/c?format=json&prefix=slo'), known: "Swift lists a static large object's hash as the MD5 of its stored manifest (which holds Swift's times), and counts the manifest's bytes in the container" },
  ] },
  { name: 'more refusals', steps: [
    put('/c'), put('/c/o', 'x'),
    get('/c/o?multipart-manifest=get'),
    { ...post('/c/o', { 'x-object-manifest': 'nocontainer' }), known: 'oceanos refuses a malformed X-Object-Manifest on a POST as on a PUT; Swift stores it unchecked' },
    put('/c/m', '', { 'x-object-manifest': 'c/o' }), get('/c/m'),
    { ...put('/c/many', 'x', Object.fromEntries(Array.from({ length: 91 }, (_, i) => [`x-object-meta-k${i}`, 'v']))) },
    put('/c/long', 'x', { [`x-object-meta-${'n'.repeat(129)}`]: 'v' }),
    post('', { 'x-account-meta-big': 'v'.repeat(257) }),
    put('/c/copy', '', { 'x-copy-from': '/c/o%20missing' }),
    { method: 'DELETE', path: '/c/o', headers: { 'if-match': 'nope' } },
  ] },
  { name: 'authentication', steps: [
    { method: 'GET', path: '', token: 'none' }, { method: 'GET', path: '', token: 'bad' },
    { method: 'HEAD', path: '/c', token: 'bad' }, { method: 'PUT', path: '/c/o', token: 'none', body: 'x' },
  ] },
  { name: 'bad names and methods', steps: [
    { method: 'PATCH', path: '/c', ignoreHeaders: ['allow', 'content-length'], why: 'Allow lists the methods each serves (oceanos: COPY, MOVE; Swift: OPTIONS)' }, { method: 'PUT', path: `/${'x'.repeat(257)}` },
    put('/c'), { method: 'PUT', path: `/c/${'o'.repeat(1025)}`, body: 'x' },
    put('/c/o', 'x', { 'x-object-meta-big': 'v'.repeat(300) }),
  ] },
];
