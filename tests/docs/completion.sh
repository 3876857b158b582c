#!/bin/bash
# SPDX-License-Identifier: MIT
# completion.sh COMPLETIONS_DIR SRCDIR - the generated bash completion
# (scripts/cli_model.py) completes real prefixes, loaded into bash the way
# bash-completion loads it; the zsh one is loaded under compinit and typed
# into an interactive zsh (zsh-complete.zsh, zpty) when zsh is here.
#
# Besides fixed cases (`preflight ch<TAB>`, `check --pro<TAB>`, rule ids),
# every command of main.c and every long option of every command's option
# table must be offered, so a new command is covered once it is merged.
set -u
dir=$1
src=$2
bash_file=$dir/preflight
[ -f "$bash_file" ] || { echo "FAIL: $bash_file was not generated"; exit 1; }
status=0
# a non-interactive bash has no programmable completion state; the
# file must still define _preflight and register it
if [ -f /usr/share/bash-completion/bash_completion ]; then
  # shellcheck disable=SC1091
  . /usr/share/bash-completion/bash_completion 2>/dev/null
fi
# shellcheck disable=SC1090
. "$bash_file" || { echo "FAIL: sourcing $bash_file"; exit 1; }
complete -p preflight >/dev/null || { echo "FAIL: no 'complete' for preflight"; exit 1; }

# complete "WORDS..." - the candidates for the last word (may be empty)
complete_words() {
  local line=$1
  read -r -a COMP_WORDS <<<"$line"
  [[ $line == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE=$line
  COMP_POINT=${#line}
  COMPREPLY=()
  _preflight preflight "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

expect() { # expect LINE WANT (exact candidate list, sorted)
  local got
  got=$(complete_words "$1")
  if [[ $got != "$2" ]]; then
    echo "FAIL: '$1<TAB>' gave '$got', expected '$2'"
    status=1
  else
    echo "ok: '$1<TAB>' -> $got"
  fi
}

expect_has() { # expect_has LINE WORD...
  local got w line=$1
  shift
  got=" $(complete_words "$line") "
  for w in "$@"; do
    if [[ $got != *" $w "* ]]; then
      echo "FAIL: '$line<TAB>' does not offer '$w' (got:$got)"
      status=1
    fi
  done
}

expect "preflight ch" "check"
expect "preflight check --pro" "--profile"
expect "preflight --quiet check --pro" "--profile"
expect "preflight check --profile " "2020 2023"
expect "preflight check --format s" "sarif"
expect "preflight check --fail-on w" "warning"
if declare -F _init_completion >/dev/null; then
  expect "preflight check --format=sa" "sarif"
fi
ids_with() { # the rule ids of rules/ that start with $1
  python3 - "$src" "$1" <<'EOF'
import sys; sys.path.insert(0, sys.argv[1] + "/scripts"); import cli_model
print(" ".join(sorted(i for i in cli_model.model(sys.argv[1])["rule_ids"]
                      if i.startswith(sys.argv[2]))))
EOF
}
expect "preflight check --rules NSG-" "$(ids_with NSG-)"
expect "preflight check --rules NSG-1,UDR-" "NSG-1,UDR-1 NSG-1,UDR-2"
expect "preflight rules show ST-" "$(ids_with ST-)"
expect "preflight rules " "doc list path props selectors show"
expect "preflight keys " "plan verify"
expect "preflight keys plan --key " "key1 key2"
expect "preflight explain x --direction " "inbound outbound"
expect "preflight --no" "--no-color"
expect "preflight help ex" "explain"
# file arguments complete files
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/exported" && touch "$tmp/exported/nsg.json"
(cd "$tmp" && expect "preflight check exp" "exported") || status=1
(cd "$tmp" && expect "preflight check --baseline exported/n" "exported/nsg.json") || status=1

# every command and every long option of the code is offered
while read -r cmd opts; do
  expect_has "preflight " "$cmd"
  # shellcheck disable=SC2086
  expect_has "preflight $cmd --" $opts
done < <(python3 - "$src" <<'EOF'
import sys; sys.path.insert(0, sys.argv[1] + "/scripts"); import cli_model
for c in cli_model.model(sys.argv[1])["commands"]:
    print(c["name"], " ".join(c["options"]))
EOF
)

# zsh: the completion function parses and loads under compinit
if command -v zsh >/dev/null 2>&1; then
  if zsh -n "$dir/_preflight" &&
     zsh -f -c "fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -d $tmp/zcd; \
                [[ \${_comps[preflight]} == _preflight ]]"; then
    echo "ok: zsh loads _preflight for preflight"
    here=$(cd "$(dirname "$0")" && pwd)
    TMPDIR=$tmp timeout 300 zsh -f "$here/zsh-complete.zsh" "$dir" \
      "preflight ch" "=preflight check" \
      "preflight check --pro" "=preflight check --profile" \
      "preflight --quiet check --pro" "=preflight --quiet check --profile" \
      "preflight check --format s" "=preflight check --format sarif" \
      "preflight keys verify --ca" "=preflight keys verify --ca-file" \
      "preflight help ex" "=preflight help explain" \
      "preflight rules show NSG-" "NSG-6" \
      "preflight check --rules KV-1,UDR-" "UDR-2"
    case $? in
      0) ;;
      77) echo "note: zsh has no zpty module: zsh completions not typed" ;;
      *) status=1 ;;
    esac
  else
    echo "FAIL: zsh does not load $dir/_preflight"
    status=1
  fi
else
  echo "note: zsh is not installed; the zsh completion was not loaded"
fi
[ "$status" = 0 ] && echo "PASS: bash and zsh completions offer every command and option"
exit "$status"
