#!/bin/sh
# SPDX-License-Identifier: MIT
# portable.sh BUILD SRC - the self-contained tarball (scripts/portable) runs
# on a machine that has none of its libraries (issue 10).
#
# It is unpacked into two minimal roots and run there with chroot:
#   1. a root holding only the files of the host's libc6 package (the
#      loader, libc, libm, ...): nothing else at all, no shell even; built
#      here from `dpkg -L libc6`, needs no network;
#   2. a Debian bookworm `debootstrap --variant=minbase` root: what a bare
#      node or jump host has.  It is made once and kept in
#      $PF_CHROOT_CACHE (default /var/cache/preflight-test/bookworm-minbase);
#      when it is absent and debootstrap or the mirror is not available,
#      this root is skipped with the reason and root 1 still decides.
# In each root: the tarball's `preflight check` on the bundled example
# finds the rules without flags and exits 1 with the example's NSG-5
# finding; none of curl, pcap, cJSON, OpenSSL is installed there; and the
# ordinary build's binary, copied in as a control, cannot start.
# Needs root (chroot, mount); skips (77) otherwise.
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root for chroot"
  exit 77
fi
for t in chroot mount dpkg tar ldd; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is missing"; exit 77; }
done
work=$(mktemp -d /tmp/pf-portable.XXXXXX) || exit 1
mounts=
cleanup() {
  for m in $mounts; do umount "$m" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

tarball=$(sh "$src/scripts/portable" "$build" "$work/out" | tail -n 1) || {
  echo "FAIL: scripts/portable"; exit 1; }
[ -f "$tarball" ] || { echo "FAIL: no tarball"; exit 1; }
name=$(basename "$tarball" .tar.gz)
echo "tarball: $(basename "$tarball"), $(tar tzf "$tarball" | grep -c '/lib/.') bundled libraries"

status=0
run_in() { # run_in ROOT LABEL
  root=$1 label=$2
  mkdir -p "$root/opt" "$root/proc" "$root/tmp"
  tar -C "$root/opt" -xzf "$tarball" || { echo "FAIL: $label: unpack"; status=1; return; }
  cp -R "$src/examples/contoso-westeurope" "$root/opt/example"
  for lib in 'libcurl.so*' 'libpcap.so*' 'libcjson.so*' 'libssl.so*' \
             'libnghttp2.so*'; do
    found=$(find "$root" -path "$root/opt" -prune -o -name "$lib" -print | head -n 1)
    if [ -n "$found" ]; then
      echo "FAIL: $label: the root is not minimal: ${found#"$root"}"
      status=1
    fi
  done
  mount -t proc proc "$root/proc" && mounts="$root/proc $mounts"
  # control: the ordinary binary cannot even start there
  cp "$build/preflight" "$root/opt/preflight-plain"
  if chroot "$root" /opt/preflight-plain --version >/dev/null 2>"$work/ctl.err"; then
    echo "FAIL: $label: the ordinary binary runs, so the root has its libraries"
    status=1
  else
    echo "$label: control: $(head -n 1 "$work/ctl.err")"
  fi
  chroot "$root" "/opt/$name/bin/preflight" --version || {
    echo "FAIL: $label: --version"; status=1; }
  rules=$(chroot "$root" "/opt/$name/bin/preflight" rules path)
  case $rules in
    "/opt/$name/bin/../share/preflight/rules") ;;
    *) echo "FAIL: $label: rules from '$rules'"; status=1 ;;
  esac
  chroot "$root" "/opt/$name/bin/preflight" check /opt/example --format json \
    >"$work/out.json" 2>"$work/err"
  rc=$?
  if [ "$rc" != 1 ] || ! grep -q '"rule": "NSG-5"' "$work/out.json"; then
    echo "FAIL: $label: check exited $rc (expected 1 with NSG-5)"
    cat "$work/err"
    status=1
  else
    echo "PASS: $label: $(grep -c '"rule":' "$work/out.json") results from" \
         "the tarball's binary, rules found without flags"
  fi
  umount "$root/proc" 2>/dev/null
}

# 1. libc6's files and nothing else
libc=$work/libc-root
mkdir -p "$libc"
dpkg -L libc6 | while read -r f; do
  if [ -f "$f" ] && [ ! -d "$f" ]; then
    mkdir -p "$libc$(dirname "$f")"
    cp -L "$f" "$libc$f"
  fi
done
# the loader's canonical path (usrmerge: /lib64 may be a link on the host)
interp=$(readelf -l "$build/preflight" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
if [ -n "$interp" ] && [ ! -e "$libc$interp" ]; then
  mkdir -p "$libc$(dirname "$interp")"
  cp -L "$interp" "$libc$interp"
fi
echo "root 1: libc6 only, $(find "$libc" -type f | wc -l) files"
run_in "$libc" "libc6-only root"

# 2. debootstrap --variant=minbase bookworm (made once, cached)
if cache=$(sh "$(dirname "$0")/minbase.sh"); then
  mb=$work/minbase
  cp -a "$cache" "$mb"
  run_in "$mb" "debootstrap minbase root"
else
  echo "root 2: skipped: no debootstrap root (the reason is above)"
fi
[ "$status" = 0 ] && echo "PASS: the self-contained tarball runs without its libraries installed"
exit "$status"
