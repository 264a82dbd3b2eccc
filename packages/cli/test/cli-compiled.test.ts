// The compiled client (scripts/build-cli.sh): one file that must run on plain node, with no
// TypeScript loader and no node_modules, or every `oceanos` command falls back to the slow
// sources without anyone noticing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { isolatedEnv, removeHomes } from './run-cli.ts';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..', '..', '..');
const out = mkdtempSync(join(tmpdir(), 'oceanos-cli-build-'));

after(() => {
  rmSync(out, { recursive: true, force: true });
  removeHomes();
});

test('the client compiles to one JavaScript file that plain node runs anywhere', async () => {
  await run('bash', [join(repo, 'scripts', 'build-cli.sh'), join(out, 'dist')], { cwd: repo });
  assert.deepEqual(readdirSync(join(out, 'dist')).sort(), ['BUILT', 'oceanos.mjs']);
  const env = isolatedEnv();
  // Outside the repository (no node_modules to find) and without --import tsx.
  const script = `const { main } = await import(${JSON.stringify(join(out, 'dist', 'oceanos.mjs'))});
    process.exitCode = await main(process.argv.slice(1));`;
  const oceanos = (...args: string[]) => run(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { env, cwd: out });
  assert.match((await oceanos('--help')).stdout, /Usage: oceanos \[options\] \[command\]/);
  assert.match((await oceanos('--version')).stdout, /^\d+\.\d+\.\d+\n$/);
  // Commands that reach the SDK and the contract.
  await oceanos('config', 'set', 'cloud.lab.url', 'http://127.0.0.1:1');
  const refused = await oceanos('--cloud', 'lab', 'flavor', 'list', '--token', 't').catch((error) => error);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^oceanos: .*127\.0\.0\.1:1/);
});
