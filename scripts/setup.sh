#!/usr/bin/env bash
# Installs what oceanos needs on Debian. Always: the npm packages (and the compiler that
# better-sqlite3 may need), QEMU and the tools the compute backend runs. With --test: the
# Debian packages the test suite drives (python3-openstackclient, python3-swiftclient,
# rclone, PostgreSQL). Safe to run again: it skips what is in place.
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
      say "cannot install ${missing[*]} (not root, no sudo); tests that need them will be skipped"
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

if $want_test; then
  apt_install python3-openstackclient python3-swiftclient rclone
  # A PostgreSQL server for the production-dialect tests, unless one is already reachable.
  if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
  fi
fi
