# SPDX-License-Identifier: MIT
# common.sh - shared by the report tests (sourced): the repository root,
# a scratch folder, and tools installed from Debian when missing.
#
# A tool that is missing and cannot be installed (no root, no apt, no
# network) makes the test skip with exit 77 and a visible reason.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
export NO_COLOR=1 TZ=UTC

skip() {
  echo "SKIP: $*"
  exit 77
}

fail() {
  echo "FAIL: $*"
  exit 1
}

# apt_install PACKAGE...: install Debian packages if we can.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  [ "$(id -u)" = 0 ] || return 1
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" \
       >"$TMP/apt.log" 2>&1; then
    apt-get update -qq >"$TMP/apt.log" 2>&1 || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" \
      >"$TMP/apt.log" 2>&1 || return 1
  fi
}

# need_py MODULE DEBIAN_PACKAGE: set $PY to a python3 that imports MODULE.
need_py() {
  for PY in python3 /usr/bin/python3; do
    if command -v "$PY" >/dev/null 2>&1 &&
       "$PY" -c "import $1" >/dev/null 2>&1; then
      return 0
    fi
  done
  apt_install "$2" ||
    skip "python3 module $1 is missing and $2 cannot be installed"
  PY=/usr/bin/python3
  "$PY" -c "import $1" >/dev/null 2>&1 ||
    skip "python3 module $1 is still missing after installing $2"
}
