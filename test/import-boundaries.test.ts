// Dependencies point one way (see STYLE.md): clients import only the SDK and the contract,
// the server never imports a client, and a service reaches another only through its
// service.ts, never its store.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2])!);
}

function violations(pkg: string, allowed: (spec: string, file: string) => boolean, skip: (file: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const file of sources(join(ROOT, 'packages', pkg, 'src'))) {
    if (skip(file)) continue;
    for (const spec of importsOf(file)) if (!allowed(spec, file)) out.push(`${relative(ROOT, file)} imports ${spec}`);
  }
  return out;
}

const isRelative = (s: string) => s.startsWith('.');
const isNode = (s: string) => s.startsWith('node:');

it('the contract depends on nothing of ours', () => {
  assert.deepEqual(violations('contract', (s) => isRelative(s) || isNode(s) || s.startsWith('typebox')), []);
});

it('the SDK depends only on the contract', () => {
  assert.deepEqual(violations('sdk', (s) => isRelative(s) || isNode(s) || s === '@oceanos/contract' || s.startsWith('@oceanos/contract/')), []);
});

it('the CLI depends only on the SDK and the contract (serve-command.ts starts the server)', () => {
  const clientOnly = (s: string) => isRelative(s) || isNode(s) || (['@oceanos/sdk', '@oceanos/contract', 'commander', '@commander-js/extra-typings', 'cli-table3'].includes(s) || s.startsWith('@oceanos/contract/'));
  assert.deepEqual(violations('cli', clientOnly, (f) => f.endsWith('serve-command.ts')), []);
});

it('the server never imports a client', () => {
  assert.deepEqual(violations('server', (s) => !['@oceanos/sdk', 'oceanos'].includes(s) && !s.includes('/cli/') && !s.includes('/sdk/')), []);
});

it('services reach each other through service.ts, never another service\'s store.ts', () => {
  const serverSrc = join(ROOT, 'packages', 'server', 'src');
  const offenders = violations('server', (spec, file) => {
    if (!isRelative(spec) || !/(^|\/)store\.ts$/.test(spec)) return true;
    return dirname(resolve(dirname(file), spec)) === dirname(file);
  });
  assert.deepEqual(offenders, [], `store.ts is private to its folder under ${relative(ROOT, serverSrc)}`);
});
