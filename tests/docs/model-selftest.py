#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""model-selftest.py SRCDIR - a command added the usual way is covered
without touching the generators (issue 10).

A scratch copy of src/cli and rules/ gets a new command `frob` the way
docs/architecture.md says to add one: an entry in main.c's table and a
cmd_frob.c with a usage text (synopsis with subcommands and choices,
options, examples), a `struct option` table and a getopt optstring.  Then:

  - cli_model.py sees the command, its long and short options, its
    subcommands, the choices of --format and the argument kinds;
  - the generated bash completion offers them (loaded into bash);
  - the generated zsh completion is valid zsh;
  - man-draft writes a page that documents exactly those options;
  - check-man.py's page lookup reports the command as undocumented when
    its page is missing.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(SRC, "scripts"))
import cli_model  # noqa: E402

CMD_FROB = r'''/* cmd_frob.c - a command written for the generators' self-test */
#include <getopt.h>
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight frob twist PATH... [--format text|json|yaml]\n"
  "       preflight frob turn | spin [--rules-dir DIR] [--rules ID,...]\n"
  "\n"
  "Frobnicate the configuration.\n"
  "\n"
  "options:\n"
  "  --format FMT     text, json or yaml\n"
  "  --rules-dir DIR  the catalogue\n"
  "  --rules ID,...   only these\n"
  "  -n, --dry-run    change nothing\n"
  "  -h, --help       show this help\n"
  "\n"
  "examples:\n"
  "  preflight frob twist examples/contoso-westeurope --format yaml\n";

int cmd_frob(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"dry-run", no_argument, NULL, 'n'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"rules", required_argument, NULL, 'r'},
    {"rules-dir", required_argument, NULL, 'R'},
    {NULL, 0, NULL, 0}
  };
  int c;
  while ((c = getopt_long(argc, argv, "hn", opts, NULL)) != -1)
    (void)c;
  (void)ctx;
  return 0;
}
'''

FAILS = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        FAILS.append(what)


def main():
    tmp = tempfile.mkdtemp(prefix="pf-model.")
    try:
        shutil.copytree(os.path.join(SRC, "src", "cli"),
                        os.path.join(tmp, "src", "cli"))
        shutil.copytree(os.path.join(SRC, "rules"), os.path.join(tmp, "rules"))
        main_c = os.path.join(tmp, "src", "cli", "main.c")
        text = open(main_c, encoding="utf-8").read()
        anchor = "  {NULL, NULL, NULL}"
        check(anchor in text, "main.c's table ends with {NULL, NULL, NULL}")
        text = text.replace(anchor, '  {"frob", cmd_frob,\n   "frobnicate '
                            'the configuration"},\n' + anchor)
        open(main_c, "w", encoding="utf-8").write(text)
        open(os.path.join(tmp, "src", "cli", "cmd_frob.c"), "w").write(
            CMD_FROB)

        m = cli_model.model(tmp)
        frob = [c for c in m["commands"] if c["name"] == "frob"]
        check(len(frob) == 1, "the model has the new command")
        if not frob:
            return 1
        c = frob[0]
        check(c["summary"] == "frobnicate the configuration", "its summary")
        check(c["options"] == ["--dry-run", "--format", "--help", "--rules",
                               "--rules-dir"], "its long options: %s"
              % c["options"])
        check(c["short"] == ["-h", "-n"], "its short options: %s"
              % c["short"])
        check(c["subcommands"] == ["twist", "turn", "spin"],
              "its subcommands: %s" % c["subcommands"])
        check(c["args"]["--format"]["choices"] == ["text", "json", "yaml"],
              "the choices of --format")
        check(c["args"]["--rules"]["kind"] == "rules", "--rules takes ids")
        check(c["args"]["--rules-dir"]["kind"] == "dir", "--rules-dir: dir")

        comp = os.path.join(tmp, "preflight.bash")
        open(comp, "w").write(cli_model.bash_completion(m))
        script = r'''
. "$1"
t() { COMP_WORDS=($2); [[ $2 == *" " ]] && COMP_WORDS+=("");
      COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=();
      _preflight; echo "$1=${COMPREPLY[*]}"; }
t cmd "preflight fr"
t opts "preflight frob twist --dr"
t sub "preflight frob "
t fmt "preflight frob twist --format y"
t ids "preflight frob twist --rules NSG-1,UDR-"
'''
        out = subprocess.run(["bash", "-c", script, "t", comp], text=True,
                             stdout=subprocess.PIPE).stdout
        got = dict(ln.split("=", 1) for ln in out.splitlines() if "=" in ln)
        check(got.get("cmd") == "frob", "bash: 'preflight fr' -> frob")
        check(got.get("opts") == "--dry-run", "bash: --dr -> --dry-run")
        check(got.get("sub") == "twist turn spin", "bash: subcommands")
        check(got.get("fmt") == "yaml", "bash: --format y -> yaml")
        check("NSG-1,UDR-1" in got.get("ids", ""), "bash: rule ids in lists")

        if shutil.which("zsh"):
            zf = os.path.join(tmp, "_preflight")
            open(zf, "w").write(cli_model.zsh_completion(m))
            r = subprocess.run(["zsh", "-n", zf])
            check(r.returncode == 0, "zsh: the function parses")
            check("'1:subcommand:(twist turn spin)'" in open(zf).read(),
                  "zsh: subcommands")

        draft = cli_model.man_draft(m, "frob")
        sys.path.insert(0, HERE)
        import importlib
        cm = importlib.import_module("check-man")
        doc = cm.terms(cm.sections(draft).get("OPTIONS", []))
        check(doc == set(c["options"]) | set(c["short"]),
              "man-draft documents exactly the options: %s" % sorted(doc))
        for s in c["subcommands"]:
            check("### %s" % s in draft, "man-draft has ### %s" % s)
        check(not os.path.exists(os.path.join(SRC, "docs", "man",
                                              "preflight-frob.1.md")),
              "no page exists for it, so check-man.py would fail on it")
    finally:
        shutil.rmtree(tmp)
    if FAILS:
        print("%d problem(s)" % len(FAILS))
        return 1
    print("PASS: a new command is covered by the model, the completions and "
          "the man page draft")
    return 0


if __name__ == "__main__":
    sys.exit(main())
