// Control-plane latency against a baseline measured in the same run (performance anchor
// R13): a Node hello-world HTTP server on loopback, one request in flight. Prints p50/p99 of
// token validation, quota reads, commission issue+accept and password logins, each as a
// ratio to the baseline. Usage: node --import tsx bench/identity-api.ts [--pg URL] [--n N]
import { createServer, request as httpRequest, Agent } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrapAdmin, createControlPlane, loadConfig } from '@oceanos/server';

const { values } = parseArgs({ options: { pg: { type: 'string' }, n: { type: 'string', default: '2000' } } });
const N = Number(values.n);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent, headers: body ? { ...headers, 'content-type': 'application/json' } : headers }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

async function measure(n: number, op: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < Math.min(200, n); i++) await op();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await op();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(n * 0.5)]!, p99: times[Math.floor(n * 0.99)]! };
}

const hello = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"hello":"world"}'); });
await new Promise<void>((ok) => hello.listen(0, '127.0.0.1', ok));
const helloPort = (hello.address() as { port: number }).port;

const config = loadConfig({ dataDir: mkdtempSync(join(tmpdir(), 'oceanos-bench-')), listen: '127.0.0.1:0', env: values.pg ? { OCEANOS_DATABASE_URL: values.pg } : {} });
config.logLevel = 'warn';
const plane = await createControlPlane(config);
await plane.app.listen({ host: '127.0.0.1', port: 0 });
const port = (plane.app.server.address() as { port: number }).port;
await bootstrapAdmin(plane, 'bench-admin-pw');
const login = JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'bench-admin-pw' } } } } });
const token = String((await call(port, 'POST', '/identity/v3/auth/tokens', {}, login)).headers['x-subject-token']);
const auth = { 'x-auth-token': token };
const user = await plane.identity.createUser({ name: 'bench-user' });
await plane.quota.setUserLimit(user.id, 'cyclades.vm', Number.MAX_SAFE_INTEGER);
const commission = JSON.stringify({ provisions: [{ holder: user.id, source: 'system', resource: 'cyclades.vm', quantity: 1 }] });

const baseline = await measure(N, () => call(helloPort, 'GET', '/'));
const rows: [string, { p50: number; p99: number }][] = [
  ['validate token (GET /auth/tokens)', await measure(N, () => call(port, 'GET', '/identity/v3/auth/tokens?nocatalog', { ...auth, 'x-subject-token': token }))],
  ['quota report (GET /quotas)', await measure(N, () => call(port, 'GET', '/account/v1.0/quotas', auth))],
  ['commission issue + accept', await measure(Math.floor(N / 4), async () => {
    const issued = JSON.parse((await call(port, 'POST', '/account/v1.0/commissions', auth, commission)).text);
    await call(port, 'POST', `/account/v1.0/commissions/${issued.serial}/action`, auth, '{"accept":""}');
  })],
  ['password login (argon2id)', await measure(Math.min(100, N), () => call(port, 'POST', '/identity/v3/auth/tokens?nocatalog', {}, login))],
];

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
console.log(`database: ${plane.database.dialect}; ${N} requests per row, one in flight, keep-alive`);
console.log(`baseline (Node hello-world RTT): p50 ${fmt(baseline.p50)}  p99 ${fmt(baseline.p99)}`);
for (const [name, r] of rows) {
  console.log(`${name.padEnd(36)} p50 ${fmt(r.p50).padStart(9)} (${(r.p50 / baseline.p50).toFixed(1)}x RTT)  p99 ${fmt(r.p99).padStart(9)} (p99/p50 ${(r.p99 / r.p50).toFixed(1)})`);
}
console.log('targets (R13): list p50 <= 5x RTT and <= 20 ms; p99 <= 5x p50; token validation p50 <= 5 ms');
await plane.close();
hello.close();
agent.destroy();
