# SPDX-License-Identifier: MIT
# zsh-complete.zsh DIR LINE EXPECT [LINE EXPECT]... - type LINE and TAB into
# an interactive zsh (zpty) that has DIR's _preflight under compinit.
# EXPECT "=TEXT": the command line after completion is TEXT (the line is
# then printed by the shell itself, so redraw details do not matter);
# otherwise EXPECT must appear on the screen (a list of candidates).
# Waits up to 20 s for it; prints ok/FAIL per case; exits 1 when any case
# failed.  Used by completion.sh.
zmodload zsh/zpty || exit 77
dir=$1; shift
zpty z zsh -f -i || exit 77
zpty -w z "PS1='%% '; fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -d ${TMPDIR:-/tmp}/zcd.$$; preflight() { :; }"
st=0
while (( $# >= 2 )); do
  line=$1 want=$2; shift 2
  if [[ $want == '='* ]]; then
    # TAB, then turn the edited line into: print -r -- "<...>"
    zpty -wn z $'\C-u'"$line"$'\t'$'\C-e'"]]'"$'\C-a'"print -r -- '[["$'\n'
    want="[[${want#=}]]"
  else
    zpty -wn z $'\C-u'"$line"$'\t'
  fi
  screen="" found=0
  for i in {1..200}; do
    while zpty -rt z chunk 2>/dev/null; do screen+=$chunk; done
    plain=${screen//$'\e'\[[0-9;?]##[A-Za-z]/}
    plain=${plain//$'\e'\[[A-Za-z]/}
    if [[ $plain == *"$want"* ]]; then found=1; break; fi
    sleep 0.1
  done
  if (( found )); then
    print -r -- "ok: zsh '$line<TAB>' shows '$want'"
  else
    print -r -- "FAIL: zsh '$line<TAB>' did not show '$want'"; [[ -n ${PF_ZSH_DEBUG:-} ]] && print -r -- "$plain" | cat -v | tail -5
    st=1
  fi
  zpty -wn z $'\C-u'
done
zpty -d z
rm -f ${TMPDIR:-/tmp}/zcd.$$
exit $st
