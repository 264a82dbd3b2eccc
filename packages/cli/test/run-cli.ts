// Runs the real `oceanos` binary in a child process, with an environment of its own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OCEANOS_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'oceanos.js');

export interface CliResult { code: number | null; stdout: string; stderr: string }

const homes: string[] = [];

/** A fresh HOME and config file, and none of the caller's OS_* or OCEANOS_* variables. */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'oceanos-cli-test-'));
  homes.push(home);
  return { PATH: process.env.PATH ?? '', HOME: home, OCEANOS_CONFIG: join(home, 'oceanos', 'config.json'), ...extra };
}

/** Removes the HOME directories isolatedEnv() made. */
export function removeHomes(): void {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [OCEANOS_BIN, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Runs a command expected to succeed and returns its stdout (JSON-parsed with `json`). */
export async function ok(args: string[], env: Record<string, string>): Promise<string> {
  const result = await runCli(args, env);
  if (result.code !== 0) throw new Error(`oceanos ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

export async function okJson<T = any>(args: string[], env: Record<string, string>): Promise<T> {
  return JSON.parse(await ok([...args, '-o', 'json'], env)) as T;
}

/** Runs a command expected to fail with `code` and one line on stderr; returns that line. */
export async function fails(args: string[], env: Record<string, string>, code = 1): Promise<string> {
  const result = await runCli(args, env);
  assert.equal(result.code, code, `oceanos ${args.join(' ')}: ${result.stderr}${result.stdout}`);
  assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
  return result.stderr;
}
