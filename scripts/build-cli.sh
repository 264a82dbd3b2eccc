#!/usr/bin/env bash
# Compiles the `oceanos` client (packages/cli with the SDK and the wire contract it imports) to
# plain JavaScript in packages/cli/dist, so that each command starts with node alone instead of
# paying tsx's ~2 s of start-up. bin/oceanos.js runs it only while it is newer than every
# source, and falls back to the TypeScript sources otherwise. Usage: build-cli.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-packages/cli/dist}")
work=$(mktemp -d "$(dirname "$out")/.dist-build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Stamped before compiling, so that a source saved during the build counts as newer than it.
touch "$work/BUILT"
npx --no-install tsc -p packages/cli/tsconfig.build.json --outDir "$work/tree"

# The layout plain node resolves without help: dist/cli/src/main.js finds @oceanos/sdk and
# @oceanos/contract in dist/node_modules, and third-party packages in the repository's own.
mkdir -p "$work/node_modules/@oceanos"
mv "$work/tree/cli" "$work/cli"
for pkg in sdk contract; do mv "$work/tree/$pkg" "$work/node_modules/@oceanos/$pkg"; done
for pkg in cli sdk contract; do
  dest=$([ "$pkg" = cli ] && echo "$work/cli" || echo "$work/node_modules/@oceanos/$pkg")
  # The package's own package.json, its exports pointing at the compiled files.
  node -e '
    const [src, dest] = process.argv.slice(1);
    const pkg = JSON.parse(require("fs").readFileSync(src, "utf8"));
    const js = (v) => typeof v === "string" ? v.replace(/\.ts$/, ".js") : Object.fromEntries(Object.entries(v).map(([k, w]) => [k, js(w)]));
    if (pkg.exports) pkg.exports = js(pkg.exports);
    require("fs").writeFileSync(dest, JSON.stringify(pkg, null, 2) + "\n");
  ' "packages/$pkg/package.json" "$dest/package.json"
done
rmdir "$work/tree"

# Swapped in whole: a command running meanwhile sees the old tree or the new one.
rm -rf "$out.old"
[ -e "$out" ] && mv "$out" "$out.old"
mv "$work" "$out"
rm -rf "$out.old"
trap - EXIT
