// The compiled client (scripts/build-cli.sh): it must run on plain node, with no TypeScript
// loader, or every `oceanos` command falls back to the slow sources without anyone noticing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { isolatedEnv, removeHomes } from './run-cli.ts';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..', '..', '..');
// Inside the repository (.tmp/ is ignored by git): the build finds third-party packages in
// the repository's node_modules, as packages/cli/dist does.
mkdirSync(join(repo, 'packages', 'cli', '.tmp'), { recursive: true });
const out = mkdtempSync(join(repo, 'packages', 'cli', '.tmp', 'build-'));

after(() => {
  rmSync(out, { recursive: true, force: true });
  removeHomes();
});

test('the client compiles to JavaScript that plain node runs without tsx', async () => {
  await run('bash', [join(repo, 'scripts', 'build-cli.sh'), join(out, 'dist')], { cwd: repo });
  const env = isolatedEnv();
  // A fresh node without --import tsx: any .ts file left in the import graph fails to load.
  const script = `const { main } = await import(${JSON.stringify(join(out, 'dist', 'cli', 'src', 'main.js'))});
    process.exitCode = await main(process.argv.slice(1));`;
  const help = await run(process.execPath, ['--input-type=module', '-e', script, '--', '--help'], { env });
  assert.match(help.stdout, /Usage: oceanos \[options\] \[command\]/);
  const version = await run(process.execPath, ['--input-type=module', '-e', script, '--', '--version'], { env });
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  // Commands that reach the SDK and the contract load them from the compiled tree.
  await run(process.execPath, ['--input-type=module', '-e', script, '--', 'config', 'set', 'cloud.lab.url', 'http://127.0.0.1:1'], { env });
  const refused = await run(process.execPath, ['--input-type=module', '-e', script, '--', '--cloud', 'lab', 'flavor', 'list', '--token', 't'], { env }).catch((error) => error);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^oceanos: .*127\.0\.0\.1:1/);
});
