// Whether the compiled client in ../dist (scripts/build-cli.sh) may run in place of the sources.
// Plain JavaScript: it runs before any TypeScript loader exists.
import { readdirSync, statSync } from 'node:fs';

const packages = new URL('../../', import.meta.url);

/** The compiled client: one file (scripts/build-cli.sh). */
export const compiledMain = new URL('../dist/oceanos.mjs', import.meta.url);

/**
 * True if dist/BUILT (stamped when the build started) is newer than every source file, folder
 * and package.json of cli, sdk and contract; false if there is no build.
 */
export function compiledIsFresh() {
  let built;
  try {
    built = statSync(new URL('../dist/BUILT', import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
  for (const pkg of ['cli', 'sdk', 'contract']) {
    const src = new URL(`${pkg}/src/`, packages);
    // Folders too: adding, removing or renaming a file changes its folder's mtime.
    const paths = [new URL(`${pkg}/package.json`, packages), src, ...readdirSync(src, { recursive: true }).map((name) => new URL(name, src))];
    if (paths.some((path) => statSync(path).mtimeMs > built)) return false;
  }
  return true;
}
