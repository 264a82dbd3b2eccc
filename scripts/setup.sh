#!/usr/bin/env bash
# Installs what oceanos needs on Debian. Always: the npm packages (and the compiler that
# better-sqlite3 may need), QEMU and the tools the compute backend runs, the clients the README
# uses (python3-openstackclient, python3-swiftclient, rclone), the compiled `oceanos` client,
# and an `oceanos` command on the PATH. With --test: PostgreSQL and OpenStack Swift (the
# reference of the Swift differential suite) too. Safe to run again: it skips what is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

say() { printf 'setup: %s\n' "$*" >&2; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      say "cannot install ${missing[*]} (not root, no sudo): install them yourself; tests that need them will be skipped"
      return 0
    fi
  fi
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "oceanos needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))"
  exit 1
fi

# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
command -v make >/dev/null && command -v g++ >/dev/null && command -v python3 >/dev/null || apt_install make g++ python3

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The guest image builder (guest/build-tiny-image.sh; the server builds the tiny image on its
# first start), QEMU and qemu-img (the compute backend) and genisoimage (config drives).
apt_install mtools syslinux syslinux-common fdisk cpio qemu-system-x86 qemu-utils genisoimage

# The clients the README drives the cloud with.
apt_install python3-openstackclient python3-swiftclient rclone

# The client bundled into one JavaScript file, so that each `oceanos` command starts in about a
# tenth of a second (bin/oceanos.js falls back to the TypeScript sources while it is stale).
if ! node --input-type=module -e "import { compiledIsFresh } from './packages/cli/bin/compiled-build.js'; process.exit(compiledIsFresh() ? 0 : 1)"; then
  say "compiling the oceanos client"
  bash scripts/build-cli.sh || say "could not compile the oceanos client: it runs from its TypeScript sources (slower)"
fi

# `oceanos` on the PATH: /usr/local/bin as root (or with password-less sudo), else ~/.local/bin.
# A command of that name that is already there (another checkout's, say) is left alone.
link_cli() {
  local bin="$PWD/packages/cli/bin/oceanos.js" found dir sudo=""
  # Not npm's own node_modules/.bin, which `npm start` puts first on the PATH of this script.
  found=$(PATH=$(tr ':' '\n' <<<"$PATH" | grep -v '/node_modules/' | paste -sd: -) command -v oceanos || true)
  if [ -n "$found" ]; then
    [ "$(realpath "$found")" = "$bin" ] && return 0
    say "\`oceanos\` on your PATH is $found, not this checkout's; to use this one: ln -sf $bin $found"
    return 0
  fi
  if [ "$(id -u)" -eq 0 ]; then dir=/usr/local/bin
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then dir=/usr/local/bin sudo="sudo -n"
  else dir="$HOME/.local/bin"; mkdir -p "$dir"
  fi
  $sudo ln -sf "$bin" "$dir/oceanos"
  say "linked $dir/oceanos to $bin"
  case ":$PATH:" in *":$dir:"*) ;; *) say "$dir is not on your PATH: add it (export PATH=\"$dir:\$PATH\") or run $bin";; esac
}
link_cli

if $want_test; then
  # A PostgreSQL server for the production-dialect tests, unless one is already reachable.
  if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
  fi
  # OpenStack Swift 2.30, the reference the Swift differential suite (test/swift-compare)
  # replays every request against; started by the suite itself on loopback ports.
  command -v swift-proxy-server >/dev/null || apt_install swift swift-proxy swift-account swift-container swift-object memcached
fi
