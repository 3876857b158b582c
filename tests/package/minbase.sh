#!/bin/sh
# SPDX-License-Identifier: MIT
# minbase.sh - print the path of a Debian bookworm `debootstrap
# --variant=minbase` root, made once and kept in $PF_CHROOT_CACHE (default
# /var/cache/preflight-test/bookworm-minbase); the mirror is the one of
# /etc/apt/sources.list*.  Exits 1 with the reason on stderr when it
# cannot be made (no debootstrap, no mirror).  Used by deb.sh and
# portable.sh; needs root.
set -u
cache=${PF_CHROOT_CACHE:-/var/cache/preflight-test/bookworm-minbase}
if [ -x "$cache/bin/sh" ]; then
  echo "$cache"
  exit 0
fi
command -v debootstrap >/dev/null 2>&1 || {
  echo "debootstrap is not installed" >&2; exit 1; }
mirror=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
  grep -o 'http[^ ]*debian' | grep -v security | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
echo "debootstrap --variant=minbase bookworm from $mirror (once, into $cache)" >&2
mkdir -p "$(dirname "$cache")"
rm -rf "$cache.tmp.$$"
if timeout 900 debootstrap --variant=minbase bookworm "$cache.tmp.$$" "$mirror" \
     >"$cache.log" 2>&1; then
  # another run may have made it meanwhile: keep the first
  mv "$cache.tmp.$$" "$cache" 2>/dev/null || rm -rf "$cache.tmp.$$"
  echo "$cache"
  exit 0
fi
echo "debootstrap failed: $(tail -n 1 "$cache.log")" >&2
rm -rf "$cache.tmp.$$"
exit 1
