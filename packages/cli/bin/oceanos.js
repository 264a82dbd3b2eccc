#!/usr/bin/env node
// Entry point of `oceanos`. The sources are TypeScript, run through tsx's loader.
// `serve` starts the control plane; every other command is an API client.
import { register } from 'tsx/esm/api';

register();
// `oceanos ... | head` closes our stdout early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const entry = process.argv[2] === 'serve' ? '../src/serve-command.ts' : '../src/main.ts';
const { main } = await import(new URL(entry, import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
