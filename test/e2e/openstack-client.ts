// Debian's python3-openstackclient as end-to-end tests drive it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface OpenstackResult { code: number; stdout: string; stderr: string }

/**
 * Runs `openstack` with HOME at `home` and the environment `defaultEnv()` gives unless a call
 * passes its own: `run` reports the exit code, `ok` asserts success, `json` parses `-f json`.
 */
export function openstackClient(home: string, defaultEnv: () => Record<string, string>) {
  const run = async (args: string[], env: Record<string, string> = defaultEnv()): Promise<OpenstackResult> => {
    try {
      const { stdout } = await exec('openstack', args, { env: { PATH: process.env.PATH ?? '', HOME: home, ...env }, timeout: 120_000, maxBuffer: 64 << 20 });
      return { code: 0, stdout, stderr: '' };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const ok = async (args: string[], env?: Record<string, string>): Promise<string> => {
    const res = await run(args, env);
    assert.equal(res.code, 0, `openstack ${args.join(' ')} failed: ${res.stderr}`);
    return res.stdout;
  };
  const json = async (args: string[], env?: Record<string, string>) => JSON.parse(await ok([...args, '-f', 'json'], env));
  return { run, ok, json };
}
