#!/usr/bin/env bash
# Builds oceanos-tiny, a small BIOS-bootable raw disk image: an MBR with SYSLINUX's boot code,
# one FAT partition holding SYSLINUX, Debian's kernel and an initramfs with busybox-static,
# the kernel modules in modules.list and the init in rootfs/. Needs no root and mounts
# nothing: packages come from `apt-get download`, the disk is written with sfdisk and mtools.
#
# Usage: guest/build-tiny-image.sh [OUTPUT.raw]
# Prints the image's path (OUTPUT, or the cached image) as the only line on stdout; progress
# and errors go to stderr, and any failure exits non-zero. Results are cached in
# $OCEANOS_GUEST_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/oceanos/guest), keyed on the
# package versions and this directory's files, so an unchanged rerun only prints the path.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${OCEANOS_GUEST_CACHE:-${XDG_CACHE_HOME:-${HOME:?HOME or OCEANOS_GUEST_CACHE must be set}/.cache}/oceanos/guest}
output=${1:-}
disk_mib=32          # virtual size of the image; the FAT partition fills all but the first MiB
part_start=2048      # first sector of the partition (1 MiB, the usual alignment)

say() { printf 'build-tiny-image: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
sha() { sha256sum | cut -c1-64; }
trap 'say "error: failed (line $LINENO): $BASH_COMMAND"' ERR

# The fast path hashes only local files, because each apt-cache call costs most of a second
# without apt's binary cache. The key for the package versions is remembered per state of
# the apt lists (their sizes and times) and of the host's boot loader tools.
builder_hash=$(cd "$here" && find . -type f ! -name '*.md' -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha)
tools=$(dpkg-query -W -f='${Package}=${Version}\n' syslinux syslinux-common mtools 2>/dev/null || true)
lists=$(stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null || true)
stamp=$(printf '%s\n' "$builder_hash" "$tools" "$lists" | sha)

finish() { # IMAGE: copy it to OUTPUT if asked, and print the result
  if [ -n "$output" ]; then
    cp --sparse=always "$1" "$output.tmp.$$" && mv -f "$output.tmp.$$" "$output" || die "cannot write $output"
    printf '%s\n' "$(realpath "$output")"
  else
    printf '%s\n' "$1"
  fi
  exit 0
}

image_for() { # RESOLVED-VERSIONS: the cache path of the image built from them
  echo "$cache/oceanos-tiny-$(printf '%s\n' "$builder_hash" "$tools" "$1" | sha | cut -c1-16).raw"
}

if [ -f "$cache/resolved/$stamp" ]; then
  image=$(image_for "$(cat "$cache/resolved/$stamp")")
  [ -f "$image" ] && finish "$image"
fi

for tool in apt-cache apt-get dpkg-deb dpkg-query sfdisk mformat mcopy syslinux cpio gzip flock; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh installs fdisk, mtools, syslinux, syslinux-common and cpio)"
done
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -f "$mbr" ] || die "$mbr is missing (install syslinux-common)"
[ -n "$tools" ] || die "cannot read the versions of syslinux, syslinux-common and mtools (dpkg-query)"

mkdir -p "$cache/resolved" "$cache/debs" || die "cannot create the cache directory $cache"
exec 9>"$cache/.lock"
flock 9   # one build at a time; a concurrent caller then finds the finished image
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Candidate versions of the kernel (through the linux-image-amd64 metapackage) and busybox.
resolve() {
  apt-cache show --no-all-versions linux-image-amd64 busybox-static 2>/dev/null | awk '
    /^Package: / { pkg = $2 }
    /^Version: / && pkg == "busybox-static" { print pkg "=" $2 }
    /^Depends: / && pkg == "linux-image-amd64" {
      if (match($0, /linux-image-[^ ,]+ \(= [^)]+\)/)) {
        split(substr($0, RSTART, RLENGTH), d, /[ ()=]+/); print d[1] "=" d[2]
      }
    }' | sort
}
download() { # PKG=VERSION...: into $cache/debs, unless there already
  local spec absent=()
  for spec in "$@"; do [ -f "$cache/debs/${spec//[:\/]/_}.deb" ] || absent+=("$spec"); done
  [ ${#absent[@]} -eq 0 ] && return 0
  say "downloading ${absent[*]}"
  mkdir -p "$work/dl"
  # As root, apt would first try its _apt user, which cannot write into our private dir.
  local sandbox=(); [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
  (cd "$work/dl" && apt-get download -q "${sandbox[@]}" "${absent[@]}") >&2 || return 1
  for spec in "${absent[@]}"; do
    mv "$work/dl/${spec%%=*}_"*.deb "$cache/debs/${spec//[:\/]/_}.deb"
  done
}

resolved=$(resolve)
if [ "$(wc -l <<<"$resolved")" -ne 2 ] || ! download $resolved; then
  # Stale package lists name versions the mirror no longer has; refresh them if we may.
  [ "$(id -u)" -eq 0 ] || die "cannot find or download the kernel and busybox-static packages; run 'apt-get update' as root (scripts/setup.sh does) and retry"
  say "refreshing the apt package lists"
  apt-get update -qq >&2 || die "apt-get update failed"
  resolved=$(resolve)
  [ "$(wc -l <<<"$resolved")" -eq 2 ] || die "apt knows no candidate for linux-image-amd64 or busybox-static (is Debian's main archive configured?)"
  download $resolved || die "apt-get download $resolved failed"
  lists=$(stat -c '%n %s %Y' /var/lib/apt/lists/*Packages* 2>/dev/null || true)
  stamp=$(printf '%s\n' "$builder_hash" "$tools" "$lists" | sha)
fi
image=$(image_for "$resolved")
if [ -f "$image" ]; then printf '%s\n' "$resolved" >"$cache/resolved/$stamp"; finish "$image"; fi
say "building $(basename "$image") from ${resolved//$'\n'/ }"

kernel_deb=$cache/debs/$(grep '^linux-image' <<<"$resolved" | tr ':/' '__').deb
busybox_deb=$cache/debs/$(grep '^busybox-static' <<<"$resolved" | tr ':/' '__').deb
mkdir -p "$work/pkg" "$work/root"
# Only the parts of the kernel package where modules.list's modules and their dependencies
# live: a quarter of its 400 MB, and a third of the time. A module elsewhere fails the build
# with "no module"; add its directory here.
kmods=./lib/modules/\*/kernel
dpkg-deb --fsys-tarfile "$kernel_deb" | tar -x -C "$work/pkg" --wildcards --no-wildcards-match-slash \
  ./boot/vmlinuz-\* ./lib/modules/\*/modules.builtin "$kmods"/{arch,block,crypto,fs,lib,net/core} \
  "$kmods"/drivers/{acpi,ata,base,block,cdrom,char,input,scsi,virtio} "$kmods"/drivers/net/\*.ko
dpkg-deb --fsys-tarfile "$busybox_deb" | tar -x -C "$work/pkg" ./bin/busybox
kver=$(basename "$(echo "$work"/pkg/lib/modules/*)")
moddir=$work/pkg/lib/modules/$kver

# The userland: busybox and one link per applet, the init files, and /init for the kernel.
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,root,mnt,var/log,lib/modules}
cp "$work/pkg/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list-full); do
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
ln -s /bin/busybox "$root/init"
cp -R "$here/rootfs/." "$root/"
# Modes come from content, not from the checkout: scripts are executable, the rest is not.
find "$root/etc" "$root/lib" -type f -exec sh -c 'for f; do
  if [ "$(head -c2 "$f")" = "#!" ]; then chmod 755 "$f"; else chmod 644 "$f"; fi; done' sh {} +
chmod 1777 "$root/tmp"; chmod 700 "$root/root"

# Kernel modules: those listed plus what they depend on (the depends= field of each .ko),
# stored flat and loaded at boot in the order written to lib/modules/load-order.
declare -A ko=() seen=()
while IFS= read -r -d '' f; do n=${f##*/}; n=${n%.ko}; ko[${n//-/_}]=$f; done \
  < <(find "$moddir/kernel" -name '*.ko' -print0)
order=()
add_module() {
  local m=${1//-/_} dep
  [ -n "${seen[$m]:-}" ] && return 0
  seen[$m]=1
  if [ -z "${ko[$m]:-}" ]; then
    grep -q "/${m}.ko$\|/${m//_/-}.ko$" "$moddir/modules.builtin" && return 0   # built into the kernel
    die "kernel $kver has no module $m"
  fi
  for dep in $(tr '\0' '\n' <"${ko[$m]}" | sed -n 's/^depends=//p' | head -n1 | tr ',' ' '); do
    add_module "$dep"
  done
  order+=("$m")
}
for m in $(sed 's/#.*//' "$here/modules.list"); do add_module "$m"; done
for m in "${order[@]}"; do cp "${ko[$m]}" "$root/lib/modules/$m.ko"; done
printf '%s\n' "${order[@]}" >"$root/lib/modules/load-order"

# The initramfs: a hand-written newc archive with /dev/console (making a device node in a
# directory would need root; the kernel needs it to give init a console), then the tree.
newc() { # NAME MODE RDEV_MAJOR RDEV_MINOR: one header for an entry without data
  local name=$1 size=$(( 110 + ${#1} + 1 ))
  printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
    "$RANDOM" "$2" 0 0 1 0 0 0 0 "$3" "$4" $(( ${#name} + 1 )) 0 "$name"
  head -c $(( (4 - size % 4) % 4 )) /dev/zero
}
{
  newc dev $((0040755)) 0 0
  newc dev/console $((0020600)) 5 1
  newc TRAILER!!! 0 0 0
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
} | gzip -9 -n >"$work/initrd.gz"

# The disk: partition table, SYSLINUX's MBR code, a FAT file system with SYSLINUX on it.
disk=$work/disk.raw
offset=$(( part_start * 512 ))
truncate -s "${disk_mib}M" "$disk"
printf 'label: dos\nstart=%s, type=e, bootable\n' "$part_start" | sfdisk -q "$disk" >&2
dd if="$mbr" of="$disk" bs=440 count=1 conv=notrunc status=none
mformat -i "$disk@@$offset" -T $(( disk_mib * 2048 - part_start )) -H "$part_start" -h 64 -s 32 -v OCEANOS ::
syslinux --install --offset "$offset" "$disk"
mcopy -i "$disk@@$offset" "$work/pkg/boot/vmlinuz-$kver" ::vmlinuz
mcopy -i "$disk@@$offset" "$work/initrd.gz" ::initrd.gz
mcopy -i "$disk@@$offset" "$here/syslinux.cfg" ::syslinux.cfg

mv -f "$disk" "$image"
printf '%s\n' "$resolved" >"$cache/resolved/$stamp"
# Keep only the packages this image was built from; the kernel package alone is 70 MB.
for deb in "$cache"/debs/*.deb; do
  [ "$deb" = "$kernel_deb" ] || [ "$deb" = "$busybox_deb" ] || rm -f "$deb"
done
say "built $image ($(du -h "$work/initrd.gz" | cut -f1) initramfs, ${#order[@]} kernel modules)"
finish "$image"
