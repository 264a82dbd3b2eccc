// Runs `oceanos serve` as a real process for end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OCEANOS_BIN = join(ROOT, 'packages', 'cli', 'bin', 'oceanos.js');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    }).on('error', fail);
  });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Kills the process with SIGKILL (a crash: nothing is cleaned up) and waits until it is gone. */
  kill(): Promise<void>;
}

// The data dirs the tests made in the temporary directory, removed when the test process ends
// (however its tests ended): a cloud's blocks and image copies are tens of megabytes each.
const temporaryDataDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of temporaryDataDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts `oceanos serve` on `dataDir`; a data dir inside os.tmpdir() is removed when the test
 * process exits. `nodeArgs` go to node itself (benchmarks profile with `--cpu-prof`).
 */
export async function startServe(dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServeProcess> {
  const inTmp = relative(tmpdir(), resolve(dataDir));
  if (inTmp !== '' && !inTmp.startsWith('..')) temporaryDataDirs.add(resolve(tmpdir(), inTmp.split('/')[0]!));
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, OCEANOS_BIN, 'serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`], {
    // The built-in image is left to the tests about images.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', OCEANOS_BUILTIN_IMAGE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  await new Promise<void>((ok, fail) => {
    // A first start may build the built-in image, which fetches Debian packages once.
    const timer = setTimeout(() => fail(new Error(`oceanos serve did not start in 180 s:\n${output}`)), 180_000);
    const poll = setInterval(() => {
      if (output.includes('oceanos is serving')) { clearInterval(poll); clearTimeout(timer); ok(); }
    }, 50);
    exited.then((code) => { clearInterval(poll); clearTimeout(timer); fail(new Error(`oceanos serve exited with ${code}:\n${output}`)); });
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((ok) => setTimeout(() => ok('timeout'), 15_000));
      const result = await Promise.race([exited, timeout]);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        throw new Error('oceanos serve did not stop within 15 s of SIGTERM');
      }
      return result;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A token of the admin user of a cloud started by startServe, from DIR/admin-openrc.sh. */
export async function adminToken(url: string, dataDir: string): Promise<string> {
  const env = readOpenrc(join(dataDir, 'admin-openrc.sh'));
  const res = await fetch(`${url}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: env.OS_USERNAME, domain: { id: 'default' }, password: env.OS_PASSWORD } } } } }),
  });
  if (res.status !== 201) throw new Error(`admin login failed: ${res.status} ${await res.text()}`);
  return res.headers.get('x-subject-token')!;
}

/** Reads `export K=V` lines of an openrc file into an environment. */
export function readOpenrc(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (!m) continue;
    env[m[1]!] = m[2]!.startsWith("'") ? m[2]!.slice(1, -1).replaceAll("'\\''", "'") : m[2]!;
  }
  return env;
}
