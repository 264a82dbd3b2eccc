// The package's export (see package.json): the command line as a function, for embedding.
export { main } from './main.ts';
