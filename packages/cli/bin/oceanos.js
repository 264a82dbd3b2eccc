#!/usr/bin/env node
// Entry point of `oceanos`. `serve` starts the control plane; every other command is an API
// client. Client commands run the JavaScript that scripts/build-cli.sh compiles into ../dist
// (plain node: a fraction of a second) as long as it is newer than every source it was built
// from; otherwise, and always for `serve`, the TypeScript sources run through tsx's loader
// (~2 s of start-up), so an edited source is never shadowed by a stale build.
import { compiledIsFresh, compiledMain } from './compiled-build.js';

// `oceanos ... | head` closes our stdout early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const serve = process.argv[2] === 'serve';
let entry = compiledMain;
if (serve || process.env.OCEANOS_CLI_FROM_SOURCE === '1' || !compiledIsFresh()) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL(serve ? '../src/serve-command.ts' : '../src/main.ts', import.meta.url);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
