#!/bin/sh
# SPDX-License-Identifier: MIT
# deb.sh BUILD [SRC] - the Debian package from CPack (issue 10): built with
# the `deb` target, its runtime Depends computed by dpkg-shlibdeps name the
# Debian library packages, `apt-get install ./preflight_*.deb` installs it
# from the local file (the dependencies are already on the machine, so no
# download: apt's proxy is pointed at a closed loopback port, so any
# fetch would fail), and the installed tool works: `preflight check` on the
# bundled example from /usr/bin, rules found without flags, man pages and
# both completions where man, bash-completion and zsh look.  The package
# is removed again at the end, also on failure.
# Needs root and apt-get; skips (77) otherwise, and when a preflight
# package is already installed (it is not ours to replace).
set -u
build=$(cd "$1" && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: needs root to install a package"
  exit 77
fi
for t in apt-get dpkg dpkg-deb dpkg-shlibdeps; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is missing"; exit 77; }
done
if dpkg -s preflight >/dev/null 2>&1; then
  echo "SKIP: a preflight package is already installed; not replacing it"
  exit 77
fi
rm -f "$build"/packages/preflight_*.deb
cmake --build "$build" --target deb >"$build/deb.log" 2>&1 || {
  echo "FAIL: cmake --build --target deb"; tail -n 20 "$build/deb.log"; exit 1; }
deb=$(ls "$build"/packages/preflight_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "FAIL: no package in $build/packages"; exit 1; }
echo "package: $(basename "$deb")"
status=0
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libc6 libcurl4 libpcap0.8 libcjson1; do
  case ", $depends" in
    *", $lib "*|*", $lib,"*|*", $lib") ;;
    *) echo "FAIL: Depends lacks $lib"; status=1 ;;
  esac
done
work=$(mktemp -d) || exit 1
cleanup() {
  [ -n "${work:-}" ] && umount "$work/minbase/proc" 2>/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq \
    -o DPkg::Lock::Timeout=600 preflight >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
cp "$deb" "$work/"
# apt-get wants a path to recognise a local file
if ! (cd "$work" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        -o DPkg::Lock::Timeout=600 -o Acquire::http::Proxy=http://127.0.0.1:9 \
        -o Acquire::https::Proxy=http://127.0.0.1:9 \
        "./$(basename "$deb")" >"$work/apt.log" 2>&1); then
  echo "FAIL: apt-get install ./$(basename "$deb")"
  cat "$work/apt.log"
  exit 1
fi
ver=$(/usr/bin/preflight --version)
echo "installed: $ver"
case $ver in
  "preflight $(dpkg-deb -f "$deb" Version) ("*")") ;;
  *) echo "FAIL: --version '$ver' does not match the package"; status=1 ;;
esac
unset PREFLIGHT_RULES
rules=$(cd / && /usr/bin/preflight rules path)
[ "$rules" = /usr/bin/../share/preflight/rules ] || {
  echo "FAIL: installed preflight reads rules from '$rules'"; status=1; }
ex=/usr/share/doc/preflight/examples/contoso-westeurope
(cd "$work" && /usr/bin/preflight check "$ex" --format json >out.json 2>err)
rc=$?
if [ "$rc" != 1 ] || ! grep -q '"rule": "NSG-5"' "$work/out.json"; then
  echo "FAIL: installed check of $ex exited $rc (expected 1 with NSG-5)"
  cat "$work/err"
  status=1
else
  echo "ok: installed 'preflight check' on the bundled example: $(grep -c '"rule":' "$work/out.json") results"
fi
# man pages: one per command, found by man
for c in $(cd / && /usr/bin/preflight --help | awk '/^commands:/{p=1;next} /^$/{p=0} p{print $1}'); do
  [ -f "/usr/share/man/man1/preflight-$c.1" ] || {
    echo "FAIL: no man page for $c"; status=1; }
done
if command -v man >/dev/null 2>&1; then
  man -w preflight-check >/dev/null 2>&1 || { echo "FAIL: man does not find preflight-check"; status=1; }
  MANWIDTH=80 man preflight 2>/dev/null | grep -q "GLOBAL OPTIONS" || {
    echo "FAIL: man preflight does not render"; status=1; }
fi
[ -f /usr/share/bash-completion/completions/preflight ] || {
  echo "FAIL: no bash completion installed"; status=1; }
[ -f /usr/share/zsh/vendor-completions/_preflight ] || {
  echo "FAIL: no zsh completion installed"; status=1; }
if command -v zsh >/dev/null 2>&1; then
  # zsh's own default fpath, nothing added: compinit must find it
  zsh -fc "autoload -Uz compinit; compinit -u -d $work/zcd;
           [[ \${_comps[preflight]} == _preflight ]]" || {
    echo "FAIL: zsh's compinit does not find the installed completion"
    status=1; }
fi
if [ -f /usr/share/bash-completion/bash_completion ]; then
  # bash-completion loads completions on demand from its directory
  got=$(bash -c '. /usr/share/bash-completion/bash_completion;
    __load_completion preflight; COMP_WORDS=(preflight ch); COMP_CWORD=1;
    COMP_LINE="preflight ch"; COMP_POINT=12;
    _preflight preflight ch preflight; echo "${COMPREPLY[*]}"' 2>/dev/null)
  [ "$got" = check ] || { echo "FAIL: installed bash completion gave '$got' for 'preflight ch'"; status=1; }
fi
# Depends complete: in a bare Debian root (debootstrap minbase, made once
# by minbase.sh), apt-get installs the package and exactly
# what its Depends pull from the mirror, and the tool runs there.  Needs
# the mirror; skipped with the reason when it cannot be reached.
if command -v chroot >/dev/null 2>&1 &&
   cache=$(sh "$(dirname "$0")/minbase.sh"); then
  root=$work/minbase
  cp -a "$cache" "$root"
  cp "$deb" "$root/tmp/"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
  mount -t proc proc "$root/proc" 2>/dev/null
  if ! chroot "$root" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get update -qq' \
       >"$work/mb-update.log" 2>&1; then
    echo "note: bare root: the Debian mirror cannot be reached; Depends not tried there ($(tail -n 1 "$work/mb-update.log"))"
  elif chroot "$root" sh -c "cd /tmp && DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -qq --no-install-recommends ./$(basename "$deb")" \
         >"$work/mb-install.log" 2>&1; then
    chroot "$root" preflight check \
      /usr/share/doc/preflight/examples/contoso-westeurope --format json \
      >"$work/mb.json" 2>"$work/mb.err"
    rc=$?
    if [ "$rc" = 1 ] && grep -q '"rule": "NSG-5"' "$work/mb.json"; then
      echo "ok: in a bare debootstrap root, apt-get pulled what Depends names and preflight check runs"
    else
      echo "FAIL: bare root: preflight check exited $rc: $(head -n 3 "$work/mb.err")"
      status=1
    fi
  else
    echo "FAIL: bare root: apt-get install of the package failed:"
    tail -n 15 "$work/mb-install.log"
    status=1
  fi
  umount "$root/proc" 2>/dev/null
else
  echo "note: no debootstrap root (the reason is above): Depends not tried in a bare root"
fi

if DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq -o DPkg::Lock::Timeout=600 \
     preflight >"$work/rm.log" 2>&1 && [ ! -e /usr/bin/preflight ]; then
  echo "ok: removed"
else
  echo "FAIL: apt-get remove preflight"; cat "$work/rm.log"; status=1
fi
[ "$status" = 0 ] && echo "PASS: the Debian package installs, works and is removed"
exit "$status"
