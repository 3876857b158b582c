#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""cli_model.py - the command-line interface as data, read from the code.

The man page test, the shell completions and the README test must follow
the commands as they are, including commands added later, so nothing here
is a hand-kept list: everything is read from the sources (issue 10).

  src/cli/main.c      the command table {"name", cmd_fn, "summary"} and the
                      global options (strcmp(argv[i], "--...") in main())
  src/cli/cmd_*.c     per command: every `struct option NAME[] = {...}`
                      table (a file may hold one per subcommand), the short
                      options of its getopt_long() optstrings, and its usage
                      texts (static const char *usage*[] string literals);
                      object-like macros of src/cli/*.h and of the file
                      (PF_CLI_LOAD_OPTIONS, PF_CLI_LOAD_USAGE) are expanded
  rules/*.json        the rule ids ("id" of every rule)

From the usage texts come the subcommands (`preflight keys plan ...`), the
choices of an option (`--format text|json`) and what an option's argument
is (`--baseline FILE`, `--rules-dir DIR`, `--rules ID,...`).

Usage:  cli_model.py SRCDIR json            print the model as JSON
        cli_model.py SRCDIR bash            the bash completion script
        cli_model.py SRCDIR zsh             the zsh completion function
        cli_model.py SRCDIR man-draft CMD   a first docs/man page for CMD,
                                            from its usage text, to review
"""
import ast
import glob
import json
import os
import re
import sys

C_STR = r'"(?:[^"\\\n]|\\.)*"'


def c_strings(text):
    """Concatenate adjacent C string literals into one Python string."""
    return "".join(ast.literal_eval(s) for s in re.findall(C_STR, text))


def strip_comments(src):
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    return re.sub(r"//[^\n]*", " ", src)


def parse_main(path):
    src = strip_comments(open(path, encoding="utf-8").read())
    m = re.search(r"pf_commands\[\]\s*=\s*\{(.*?)\n\};", src, re.S)
    if not m:
        raise SystemExit(f"{path}: no pf_commands table")
    cmds = []
    for e in re.finditer(r'\{\s*"([a-z][a-z0-9-]*)"\s*,\s*(\w+)\s*,\s*((?:'
                         + C_STR + r'\s*)+)\}', m.group(1)):
        cmds.append({"name": e.group(1), "func": e.group(2),
                     "summary": c_strings(e.group(3)), "hidden": False})
    glob_opts = []
    body = src[src.find("int main("):]
    for line in body.splitlines():
        names = re.findall(r'strcmp\(argv\[i\],\s*"(-[^"]+)"\)', line)
        if names:
            glob_opts.append(sorted(names, key=lambda s: (-len(s), s)))
    return cmds, glob_opts


def object_macros(text):
    """{NAME: body} of the object-like #defines of \p text whose body is
    option entries or string literals (PF_CLI_LOAD_OPTIONS,
    PF_CLI_LOAD_USAGE: shared by several commands)."""
    text = strip_comments(text).replace("\\\n", " ")
    out = {}
    for m in re.finditer(r"^\s*#\s*define\s+([A-Z_][A-Z0-9_]*)[ \t]+(.*)$",
                         text, re.M):
        body = m.group(2).strip()
        if body.startswith(("{", '"')):
            out[m.group(1)] = body
    return out


def expand(src, macros):
    """Expand \p macros in \p src (twice: a macro may use another)."""
    for _ in range(2):
        for name, body in macros.items():
            src = re.sub(r"\b%s\b" % name, lambda _m, b=body: b, src)
    return src


def parse_command_file(path, macros=None):
    src = strip_comments(open(path, encoding="utf-8").read())
    src = re.sub(r"^\s*#\s*define[^\n]*(?:\\\n[^\n]*)*", "", src, flags=re.M)
    src = expand(src, dict(macros or {}, **object_macros(
        open(path, encoding="utf-8").read())))
    longs = {}
    for t in re.finditer(r"struct option\s+\w+\[\]\s*=\s*\{(.*?)\};", src,
                         re.S):
        for e in re.finditer(r'\{\s*"([^"]+)"\s*,\s*(\w+)', t.group(1)):
            longs[e.group(1)] = e.group(2) != "no_argument"
    shorts = {}
    for o in re.finditer(r"getopt_long\s*\([^,]+,[^,]+,\s*(" + C_STR + r")",
                         src):
        spec = c_strings(o.group(1)).lstrip("+-:")
        for i, ch in enumerate(spec):
            if ch != ":":
                shorts[ch] = spec[i + 1:i + 2] == ":"
    usage = []
    for u in re.finditer(r"static const char\s+(\w*usage\w*)\[\]\s*=\s*((?:"
                         + C_STR + r"\s*)+);", src):
        usage.append(c_strings(u.group(2)))
    return longs, shorts, usage


SYN_LINE = re.compile(r"^(?:usage:)?\s*preflight\s+(\S+)\s*(.*)$")


def synopsis_lines(usage_text):
    """The synopsis lines of a usage text: the 'usage:' line and the lines
    that continue it, up to the first blank line."""
    out = []
    for line in usage_text.splitlines():
        if not line.strip():
            break
        out.append(line)
    return out


def subcommands(usage_texts, name):
    subs = []
    for text in usage_texts:
        for line in synopsis_lines(text):
            m = SYN_LINE.match(line)
            if not m or m.group(1) != name:
                continue
            toks = m.group(2).split()
            k = 0
            while k < len(toks) and re.fullmatch(r"[a-z][a-z-]*", toks[k]):
                if toks[k] not in subs:
                    subs.append(toks[k])
                if k + 1 < len(toks) and toks[k + 1] == "|":
                    k += 2
                    continue
                break
    return subs


def option_args(usage_texts):
    """{"--opt": {"choices": [...], "kind": file|dir|rules|word}} from the
    synopsis and option lines of the usage texts."""
    info = {}
    for text in usage_texts:
        for m in re.finditer(r"(--[a-z][a-z0-9-]*|-[A-Za-z])[ =]"
                             r"([A-Za-z0-9][A-Za-z0-9_.,|]*)", text):
            opt, raw = m.group(1), m.group(2)
            arg = raw.rstrip("].,")
            d = info.setdefault(opt, {"choices": [], "kind": None})
            if "|" in arg and re.fullmatch(r"[a-z0-9]+(\|[a-z0-9]+)+", arg):
                for c in arg.split("|"):
                    if c not in d["choices"]:
                        d["choices"].append(c)
            elif d["kind"] is None and re.fullmatch(r"[A-Z][A-Z.,|]*", arg):
                if arg in ("DIR",):
                    d["kind"] = "dir"
                elif raw.startswith("ID,"):
                    d["kind"] = "rules"
                elif arg in ("FILE", "OUT", "PATH"):
                    d["kind"] = "file"
                else:
                    d["kind"] = "word"
    return info


def rule_ids(srcdir):
    ids = set()
    for f in glob.glob(os.path.join(srcdir, "rules", "*.json")):
        try:
            doc = json.load(open(f, encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for r in doc.get("rules", []) if isinstance(doc, dict) else []:
            if isinstance(r, dict) and isinstance(r.get("id"), str):
                ids.add(r["id"])
    return sorted(ids)


def model(srcdir):
    cli = os.path.join(srcdir, "src", "cli")
    cmds, glob_opts = parse_main(os.path.join(cli, "main.c"))
    files = sorted(glob.glob(os.path.join(cli, "*.c")))
    macros = {}
    for h in sorted(glob.glob(os.path.join(cli, "*.h"))):
        macros.update(object_macros(open(h, encoding="utf-8").read()))
    defs = {}
    for f in files:
        for m in re.finditer(r"^int\s+(cmd_\w+)\s*\(", open(
                f, encoding="utf-8").read(), re.M):
            defs[m.group(1)] = f
    for c in cmds:
        f = defs.get(c["func"])
        if not f:
            raise SystemExit(f"no definition of {c['func']} in {cli}")
        longs, shorts, usage = parse_command_file(f, macros)
        c["file"] = os.path.relpath(f, srcdir)
        c["options"] = ["--" + k for k in sorted(longs)]
        c["takes_arg"] = {"--" + k: v for k, v in longs.items()}
        c["takes_arg"].update({"-" + k: v for k, v in shorts.items()})
        c["short"] = ["-" + k for k in sorted(shorts)]
        c["usage"] = usage
        c["subcommands"] = subcommands(usage, c["name"])
        c["args"] = option_args(usage)
        # positional arguments: files unless the synopsis says otherwise
        c["positional_files"] = any(
            re.search(r"\b(PATH|FILE|RESULTS)", " ".join(
                synopsis_lines(u))) for u in usage)
    return {"commands": cmds, "global": glob_opts,
            "rule_ids": rule_ids(srcdir)}


# --- completion generators ------------------------------------------------

def sh_words(words):
    return " ".join(words)


def bash_completion(m):
    out = []
    w = out.append
    w("# bash completion for preflight -*- shell-script -*-")
    w("# shellcheck shell=bash disable=SC2207,SC2034")
    w("# (SC2207: compgen words never hold blanks; SC2034: split is set by _init_completion -s)")
    w("# SPDX-License-Identifier: MIT")
    w("# Generated by scripts/cli_model.py from src/cli and rules/: do not "
      "edit.")
    glob_words = [o for g in m["global"] for o in g]
    w("_preflight_rule_ids='%s'" % sh_words(m["rule_ids"]))
    w("_preflight()")
    w("{")
    w("  local cur prev words cword split")
    w("  if declare -F _init_completion >/dev/null 2>&1; then")
    w("    # -s: --opt=value completes value as if it were a separate word")
    w("    _init_completion -s -n : || return")
    w("  else")
    w("    cur=${COMP_WORDS[COMP_CWORD]}")
    w("    prev=${COMP_WORDS[COMP_CWORD-1]}")
    w("    words=(\"${COMP_WORDS[@]}\")")
    w("    cword=$COMP_CWORD")
    w("    # '=' breaks words in COMP_WORDS: --opt = value")
    w("    if [[ $prev == = && $cword -ge 2 ]]; then")
    w("      prev=${COMP_WORDS[COMP_CWORD-2]}")
    w("    elif [[ $cur == = ]]; then")
    w("      prev=${COMP_WORDS[COMP_CWORD-1]}; cur=")
    w("    fi")
    w("  fi")
    w("  local i cmd='' ci=0 sub=''")
    w("  for ((i = 1; i < cword; i++)); do")
    w("    case ${words[i]} in")
    w("      -*) ;;")
    w("      *) cmd=${words[i]}; ci=$i; break ;;")
    w("    esac")
    w("  done")
    w("  if [[ -z $cmd ]]; then")
    w("    if [[ $cur == -* ]]; then")
    w("      COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % sh_words(glob_words))
    w("    else")
    w("      COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % sh_words(
        [c["name"] for c in m["commands"] if not c["hidden"]] + ["help"]))
    w("    fi")
    w("    return")
    w("  fi")
    w("  if ((ci + 1 < cword)); then sub=${words[ci+1]}; fi")
    w("  local opts='' subs='' takes='' files=0")
    w("  case $cmd in")
    w("    help)")
    w("      ((cword == ci + 1)) && COMPREPLY=($(compgen -W '%s' -- \"$cur\"))"
      % sh_words([c["name"] for c in m["commands"] if not c["hidden"]]))
    w("      return ;;")
    for c in m["commands"]:
        opts = c["options"] + c["short"]
        takes = [o for o, v in sorted(c["takes_arg"].items()) if v]
        w("    %s)" % c["name"])
        w("      opts='%s'" % sh_words(opts))
        w("      subs='%s'" % sh_words(c["subcommands"]))
        w("      takes=' %s '" % sh_words(takes))
        w("      files=%d ;;" % (1 if c["positional_files"] else 0))
    w("    *) return ;;")
    w("  esac")
    # the value of an option
    w("  if [[ $prev == -* && $takes == *\" $prev \"* ]]; then")
    w("    case $cmd:$prev in")
    for c in m["commands"]:
        for o, d in sorted(c["args"].items()):
            if not c["takes_arg"].get(o):
                continue
            if d["choices"]:
                act = "COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % \
                    sh_words(d["choices"])
            elif d["kind"] == "rules":
                act = "_preflight_rules_value"
            elif d["kind"] == "dir":
                act = "COMPREPLY=($(compgen -d -- \"$cur\"))"
            elif d["kind"] == "file":
                act = "COMPREPLY=($(compgen -f -- \"$cur\"))"
            else:
                continue
            w("      %s:%s) %s ;;" % (c["name"], o, act))
    w("      *) COMPREPLY=() ;;")
    w("    esac")
    w("    return")
    w("  fi")
    w("  if [[ $cur == -* ]]; then")
    w("    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))")
    w("    return")
    w("  fi")
    w("  if [[ -n $subs ]] && ((cword == ci + 1)); then")
    w("    COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))")
    w("    return")
    w("  fi")
    w("  if [[ $cmd == rules && $sub == show ]]; then")
    w("    COMPREPLY=($(compgen -W \"$_preflight_rule_ids\" -- \"$cur\"))")
    w("    return")
    w("  fi")
    w("  if ((files)); then")
    w("    COMPREPLY=($(compgen -f -- \"$cur\"))")
    w("    compopt -o filenames 2>/dev/null")
    w("  fi")
    w("}")
    w("")
    w("# --rules ID,ID,...: complete the id after the last comma")
    w("_preflight_rules_value()")
    w("{")
    w("  local head='' last=$cur id")
    w("  if [[ $cur == *,* ]]; then head=${cur%,*},; last=${cur##*,}; fi")
    w("  COMPREPLY=()")
    w("  for id in $_preflight_rule_ids; do")
    w("    [[ $id == \"$last\"* ]] && COMPREPLY+=(\"$head$id\")")
    w("  done")
    w("  compopt -o nospace 2>/dev/null")
    w("}")
    w("complete -F _preflight preflight")
    return "\n".join(out) + "\n"


def zsh_quote(s):
    return s.replace("\\", "\\\\").replace("'", "'\\''").replace(
        "[", "\\[").replace("]", "\\]").replace(":", "\\:")


def option_help(c):
    """First line of each option's description in the usage text."""
    helps = {}
    for text in c["usage"]:
        for line in text.splitlines():
            m = re.match(r"^\s{2,}((?:-[A-Za-z], )?--?[a-z][a-z0-9-]*"
                         r"(?:, --[a-z][a-z0-9-]*)?)(?: [^ ]+)?\s{2,}(\S.*)$",
                         line)
            if m:
                for o in re.findall(r"--?[A-Za-z][a-z0-9-]*", m.group(1)):
                    helps.setdefault(o, m.group(2).strip())
    return helps


def zsh_completion(m):
    out = []
    w = out.append
    w("#compdef preflight")
    w("# SPDX-License-Identifier: MIT")
    w("# Generated by scripts/cli_model.py from src/cli and rules/: do not "
      "edit.")
    w("")
    w("_preflight_rule_ids() {")
    w("  _values -s , 'rule id' %s" % " ".join(m["rule_ids"]))
    w("}")
    w("")
    w("_preflight() {")
    w("  local curcontext=\"$curcontext\" state line ret=1")
    w("  typeset -A opt_args")
    gl = []
    for g in m["global"]:
        if len(g) > 1:
            gl.append("'(%s)'{%s}'[%s]'" % (" ".join(g), ",".join(g),
                                             "global option"))
        else:
            gl.append("'%s[global option]'" % g[0])
    w("  _arguments -C \\")
    for s in gl:
        w("    %s \\" % s)
    w("    '1:command:->command' \\")
    w("    '*::arg:->args' && ret=0")
    w("  case $state in")
    w("    command)")
    w("      local -a cmds")
    w("      cmds=(")
    for c in m["commands"]:
        if not c["hidden"]:
            w("        '%s:%s'" % (c["name"], zsh_quote(c["summary"])))
    w("        'help:show the help of a command'")
    w("      )")
    w("      _describe -t commands 'preflight command' cmds && ret=0 ;;")
    w("    args)")
    w("      case $words[1] in")
    for c in m["commands"]:
        helps = option_help(c)
        specs = []
        for o in c["options"] + c["short"]:
            h = zsh_quote(helps.get(o, o.lstrip("-")))
            if c["takes_arg"].get(o):
                d = c["args"].get(o, {"choices": [], "kind": None})
                if d["choices"]:
                    act = "(%s)" % " ".join(d["choices"])
                elif d["kind"] == "rules":
                    act = "_preflight_rule_ids"
                elif d["kind"] == "dir":
                    act = "_files -/"
                elif d["kind"] == "file":
                    act = "_files"
                else:
                    act = " "
                specs.append("'*%s[%s]:%s:%s'" % (o, h, o.lstrip("-"), act))
            else:
                specs.append("'%s[%s]'" % (o, h))
        if c["subcommands"]:
            specs.append("'1:subcommand:(%s)'" % " ".join(c["subcommands"]))
            if c["name"] == "rules":
                specs.append("'2:rule id:(%s)'" % " ".join(m["rule_ids"]))
        if c["positional_files"]:
            specs.append("'*:path:_files'")
        w("        %s)" % c["name"])
        w("          _arguments -S \\")
        for s in specs:
            w("            %s \\" % s)
        w("            && ret=0 ;;")
    w("        help)")
    w("          _arguments '1:command:(%s)' && ret=0 ;;" % " ".join(
        c["name"] for c in m["commands"] if not c["hidden"]))
    w("      esac ;;")
    w("  esac")
    w("  return ret")
    w("}")
    w("")
    w("_preflight \"$@\"")
    return "\n".join(out) + "\n"


def man_draft(m, name):
    """A first docs/man page for command \p name, from its usage text, in
    the form tests/docs/check-man.py accepts: review and complete it."""
    c = next((c for c in m["commands"] if c["name"] == name), None)
    if c is None:
        raise SystemExit("no command '%s' in main.c" % name)
    out = ["# preflight-%s(1) -- %s" % (name, c["summary"]), "",
           "## SYNOPSIS", ""]
    synopsis, desc, opts, examples, subs = [], [], [], [], {}
    for text in c["usage"]:
        lines = text.splitlines()
        k = 0
        while k < len(lines) and lines[k].strip():
            ln = re.sub(r"^usage:\s*", "", lines[k]).strip()
            if ln.startswith("preflight ") or not synopsis:
                synopsis.append(ln)
            else:
                synopsis[-1] += " " + ln
            k += 1
        section = "desc"
        for ln in lines[k:]:
            if re.match(r"^options?:$", ln):
                section = "opts"
                continue
            if re.match(r"^examples?:$", ln):
                section = "ex"
                continue
            if section == "opts" and ln.strip():
                mo = re.match(r"^\s{2}((?:-[A-Za-z], )?--?[\w-]+)(?: (\S+))?"
                              r"\s{2,}(.*)$", ln)
                if mo:
                    term = ", ".join("`%s`" % t for t in
                                     mo.group(1).split(", "))
                    if mo.group(2):
                        term += " *%s*" % mo.group(2)
                    opts.append([term, mo.group(3).strip()])
                elif opts:
                    opts[-1][1] += " " + ln.strip()
                continue
            if section == "ex" and ln.strip():
                examples.append(ln.strip())
                continue
            if section != "desc" and not ln.strip():
                section = "desc"
                continue
            ms = re.match(r"^\s{2}([a-z][a-z-]*)(?: \S+)?\s{2,}(.*)$", ln)
            if ms and ms.group(1) in c["subcommands"]:
                subs[ms.group(1)] = ms.group(2).strip()
                continue
            desc.append(ln)
    for ln in synopsis:
        out += [re.sub(r"(--?[A-Za-z][\w-]*)", r"`\1`", ln), ""]
    out += ["## DESCRIPTION", ""]
    para = " ".join(x.strip() for x in desc).strip()
    out += [para if para else
            "What `preflight %s` does." % name, ""]
    for sub in c["subcommands"]:
        out += ["### %s" % sub, "",
                subs.get(sub, "What `preflight %s %s` does." % (name, sub)),
                ""]
    out += ["## OPTIONS", ""]
    documented = set()
    for term, what in opts:
        out += ["* %s:" % term, "  " + what]
        documented |= set(re.findall(r"--?[A-Za-z][\w-]*", term))
    for o in c["options"] + c["short"]:
        if o not in documented:
            out += ["* `%s`:" % o, "  (undocumented in --help: describe it)"]
    out += ["", "## EXIT STATUS", "",
            "0 on success, 1 on findings at or above `--fail-on`, 2 on usage "
            "or input errors.", "", "## EXAMPLES", "", "```sh"]
    out += examples + ["```", "", "## SEE ALSO", "", "preflight(1)", ""]
    return "\n".join(out)


def main(argv):
    if len(argv) == 4 and argv[2] == "man-draft":
        sys.stdout.write(man_draft(model(argv[1]), argv[3]))
        return 0
    if len(argv) != 3 or argv[2] not in ("json", "bash", "zsh"):
        sys.stderr.write("usage: cli_model.py SRCDIR json|bash|zsh\n"
                         "       cli_model.py SRCDIR man-draft COMMAND\n")
        return 2
    m = model(argv[1])
    if argv[2] == "json":
        json.dump(m, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif argv[2] == "bash":
        sys.stdout.write(bash_completion(m))
    else:
        sys.stdout.write(zsh_completion(m))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
