// An in-process control plane for API tests, driven with Fastify's inject (no sockets).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.ts';
import { FakeBackend } from '../../src/backends/fake/fake-backend.ts';
import { createControlPlane, type ControlPlane, type PlaneParts } from '../../src/main.ts';
import { bootstrapAdmin } from '../../src/serve.ts';

export const ADMIN_PASSWORD = 'admin-secret-pw';

export interface TestPlane extends ControlPlane {
  adminToken: string;
  adminId: string;
  /** Everything the control plane logged, one JSON line each. */
  logs: string[];
  call(method: string, url: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string | Buffer; remoteAddress?: string }): Promise<Reply>;
  login(name: string, password: string, scope?: unknown): Promise<string>;
  createUser(name: string, extra?: Record<string, unknown>): Promise<{ id: string; token: string; password: string }>;
}

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: any; text: string }

// Data dirs not yet removed by close(): a test that failed before closing its plane, or forgot
// to, still leaves nothing behind in /tmp once its process ends.
const dataDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A control plane on a fresh data dir; VMs go to a FakeBackend unless `parts` says otherwise.
 * close() removes the data dir made here (not one that `tweak` put in its place).
 */
export async function startPlane(databaseUrl: string, tweak: (config: Config) => void = () => {}, parts: PlaneParts = {}): Promise<TestPlane> {
  const dataDir = mkdtempSync(join(tmpdir(), 'oceanos-plane-'));
  dataDirs.add(dataDir);
  const config = loadConfig({ dataDir, listen: '127.0.0.1:8585', env: { OCEANOS_DATABASE_URL: databaseUrl } });
  config.logLevel = 'info';
  // Tests must not depend on how full the machine's disk is; the full-disk test sets its own.
  config.storage.reserveBytes = 0;
  // Tests that change the backend behind the plane's back ask for reconciliation themselves.
  config.compute.reconcileIntervalSeconds = 0;
  tweak(config);
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  const plane = await createControlPlane(config, pino({ level: config.logLevel }, sink), { backend: new FakeBackend(), ...parts });
  const admin = await bootstrapAdmin(plane, ADMIN_PASSWORD);

  const call: TestPlane['call'] = async (method, url, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['x-auth-token'] = options.token;
    let payload: string | Buffer | undefined = options.rawBody;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await plane.app.inject({ method: method as 'GET', url, headers, payload, remoteAddress: options.remoteAddress });
    let body: unknown = undefined;
    try { body = res.body ? JSON.parse(res.body) : undefined; } catch { body = undefined; }
    return { status: res.statusCode, headers: res.headers as Reply['headers'], body, text: res.body };
  };

  const login: TestPlane['login'] = async (name, password, scope) => {
    const res = await call('POST', '/identity/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } }, ...(scope ? { scope } : {}) } },
    });
    if (res.status !== 201) throw new Error(`login ${name} failed: ${res.status} ${res.text}`);
    return res.headers['x-subject-token'] as string;
  };

  const adminToken = await login('admin', ADMIN_PASSWORD);
  let n = 0;
  const createUser: TestPlane['createUser'] = async (name, extra = {}) => {
    const password = `pw-${name}-${++n}`;
    const res = await call('POST', '/identity/v3/users', { token: adminToken, body: { user: { name, password, ...extra } } });
    if (res.status !== 201) throw new Error(`create ${name} failed: ${res.status} ${res.text}`);
    return { id: res.body.user.id, password, token: await login(name, password) };
  };

  const closePlane = plane.close.bind(plane);
  const close = async () => {
    try {
      await closePlane();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      dataDirs.delete(dataDir);
    }
  };
  return Object.assign(plane, { adminToken, adminId: admin.projectId, logs, call, login, createUser, close });
}
