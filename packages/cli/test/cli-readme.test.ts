// Every `oceanos` command the README shows must exist with the options it is given: each one
// runs against a cloud that is not there, where a command line the CLI accepts fails with 1
// (cannot connect, or a local file is missing) and one it rejects fails with 2.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { isolatedEnv, removeHomes, runCli } from './run-cli.ts';

after(removeHomes);

const README = resolve(import.meta.dirname, '..', '..', '..', 'README.md');

/** The README's `oceanos ...` lines from its sh blocks, comments dropped, `serve` aside (it starts a server). */
function readmeCommands(text: string): string[] {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('oceanos ') && !line.startsWith('oceanos serve'));
}

/** Splits a line as sh would for these simple lines: quotes group, $VARIABLES and <placeholders> become values. */
function words(line: string): string[] {
  const filled = line.replaceAll('$OS_PASSWORD', 'a-password').replace(/<[^>]+>/g, '00000000-0000-0000-0000-000000000000');
  return [...filled.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

test('the README shows oceanos commands, and each parses', async () => {
  const commands = readmeCommands(readFileSync(README, 'utf8'));
  assert.ok(commands.length >= 30, `found only ${commands.length} oceanos commands in the README`);
  const env = isolatedEnv({ OCEANOS_URL: 'http://127.0.0.1:1', OCEANOS_TOKEN: 'not-a-token' });
  // The clouds the README logs in to, so that `config use admin` has one to switch to.
  mkdirSync(dirname(env.OCEANOS_CONFIG!), { recursive: true });
  writeFileSync(env.OCEANOS_CONFIG!, JSON.stringify({ 'cloud.admin.url': 'http://127.0.0.1:1', 'cloud.bob.url': 'http://127.0.0.1:1' }));
  // Four at a time: each is a node process.
  const results: { line: string; result: Awaited<ReturnType<typeof runCli>> }[] = [];
  for (let i = 0; i < commands.length; i += 4) {
    results.push(...await Promise.all(commands.slice(i, i + 4).map(async (line) => ({ line, result: await runCli(words(line).slice(1), env) }))));
  }
  const rejected = results.filter(({ result }) => result.code === 2 || /unknown (command|option)/.test(result.stderr));
  assert.deepEqual(rejected.map(({ line, result }) => `${line}\n  ${result.stderr.trim()}`), []);
});

test('words() splits as the shell would', () => {
  assert.deepEqual(words(`oceanos user authenticate --name bob --password 'bob-password-1'`), ['oceanos', 'user', 'authenticate', '--name', 'bob', '--password', 'bob-password-1']);
  assert.deepEqual(words('oceanos image members add mine <user uuid>'), ['oceanos', 'image', 'members', 'add', 'mine', '00000000-0000-0000-0000-000000000000']);
  assert.deepEqual(readmeCommands('```sh\noceanos frob --x   # a comment\nls\noceanos serve --listen x\n```\n'), ['oceanos frob --x']);
});
