#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-man.py - the man pages, --help and the code agree (issue 10; the
idea of curl's test1139: every option in the code is documented, every
documented option exists).

Usage: check-man.py PREFLIGHT SRCDIR MANDIR

The code is read by scripts/cli_model.py (main.c's command table and
global options; each command's `struct option` tables and getopt short
options; its usage texts).  For every command CMD of the table:

  - docs/man/preflight-CMD.1.md exists, and its title summary is the
    table's summary (the line `preflight --help` prints);
  - the options of its OPTIONS section (definition terms) are exactly the
    options of its tables, short ones included;
  - `preflight CMD --help`, and `preflight CMD SUB --help` for every
    subcommand its usage names, exit 0 on stdout, and the options they
    list (synopsis and option lines) are exactly the table's;
  - every subcommand has a `### SUB` subsection;
  - every option that a `preflight CMD` line of its EXAMPLES uses exists;
  - the examples of `--help` use existing options, name no missing file of
    the repository (examples/..., probes/...), and those that read files
    of the repository, and only such files, run without a usage or input
    error, in a network namespace with no interface up (unshare -n), so
    nothing is sent.

preflight.1.md lists every command under COMMANDS and exactly the global
options of main.c under GLOBAL OPTIONS, and `preflight --help` names every
command and global option.  No page may document a command that does not
exist.  Every page built into MANDIR renders with groff without a warning.
"""
import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
import cli_model  # noqa: E402

OPT = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[A-Za-z])(?![\w-])")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def sections(md):
    """{SECTION: [lines]} of '## ' sections; subsections stay inside."""
    out, cur = {}, None
    for ln in md.splitlines():
        if ln.startswith("## "):
            cur = ln[3:].strip().upper()
            out[cur] = []
        elif cur:
            out[cur].append(ln)
    return out


def terms(lines):
    """Options named in the definition terms ('* ...:') of \\p lines."""
    found = set()
    for ln in lines:
        if ln.startswith("* ") and ln.rstrip().endswith(":"):
            found |= set(OPT.findall(ln[2:]))
    return found


def term_words(lines):
    return {m.group(1) for ln in lines
            for m in [re.match(r"\* `([a-z][a-z0-9-]*)`:\s*$", ln)] if m}


def help_options(text):
    """Options a --help text lists: its synopsis (up to the first blank
    line), its options block ('options:' up to a blank line) and lines
    that start with an option ('  -x, --xx ARG   what')."""
    found = set()
    lines = text.splitlines()
    k = 0
    while k < len(lines) and lines[k].strip():
        found |= set(OPT.findall(lines[k]))
        k += 1
    in_opts = False
    for ln in lines[k:]:
        if re.match(r"^options?:$", ln):
            in_opts = True
            continue
        if not ln.strip():
            in_opts = False
        if in_opts:
            # the options block: every option it names (also one named in
            # another's description, "the fetch options (--subscription,
            # -g, ...)")
            found |= set(OPT.findall(ln))
            continue
        m = re.match(r"^\s{2,}((?:-[A-Za-z], )?--?[A-Za-z][\w-]*"
                     r"(?:, --?[\w-]+)*)", ln)
        if m:
            found |= set(OPT.findall(m.group(1)))
    return found


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=dict(os.environ, NO_COLOR="1"))
    return p.returncode, p.stdout, p.stderr


def example_options(lines, name):
    """(option, line) for each option used after 'preflight NAME' in the
    code blocks of \\p lines, up to a pipe or redirection."""
    out = []
    inblock = False
    for ln in lines:
        if ln.startswith("```"):
            inblock = not inblock
            continue
        if not inblock:
            continue
        for m in re.finditer(r"\bpreflight\s+(?:-\S+\s+)*" + re.escape(name)
                             + r"\b([^|>&;]*)", ln):
            rest = re.sub(r"'[^']*'|\"[^\"]*\"", "", m.group(1))
            out.extend((o, ln) for o in OPT.findall(rest))
    return out


def help_examples(text):
    """The example command lines of a --help text (continuations joined)."""
    out, on, cur = [], False, ""
    for ln in text.splitlines():
        if re.match(r"^examples?:$", ln):
            on = True
            continue
        if on and not ln.strip():
            break
        if on:
            cur += " " + ln.strip()
            if cur.endswith("\\"):
                cur = cur[:-1]
                continue
            out.append(cur.strip())
            cur = ""
    return out


def isolation():
    """A prefix that runs a command in a new network namespace with no
    interface up, so an example that would probe or fetch cannot send a
    packet anywhere; None when namespaces are not available here."""
    for pre in (["unshare", "-n"], ["unshare", "-rn"]):
        try:
            if subprocess.run(pre + ["true"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                return pre
        except OSError:
            pass
    return None


ISOLATE = isolation()


def run_example(exe, src, name, line, code, glob_opts):
    """Run a --help example from the source tree when every file it names
    is there (e.g. examples/contoso-westeurope); output is discarded.
    \return a failure text, or None."""
    try:
        lex = shlex.shlex(line, posix=True, punctuation_chars="|><&;")
        lex.whitespace_split = True
        words = list(lex)
    except ValueError as e:
        return "cannot parse: %s" % e
    if "|" in words or not words or words[0] != "preflight":
        return None
    for k, w in enumerate(words):
        if w and w[0] in "><&;":
            words = words[:k]
            break
    # the example may run another command (fetch --help shows check
    # --live): its options are that command's
    if len(words) > 1 and words[1] in code:
        name, code = words[1], code[words[1]]
    elif len(words) > 1 and not words[1].startswith("-"):
        return "runs 'preflight %s', which is no command" % words[1]
    else:
        code = code[name]
    for w in words[1:]:
        if OPT.fullmatch(w) and w not in code and w not in glob_opts:
            return "uses %s, which %s does not have" % (w, name)
    in_repo = 0
    for w in words[2:]:
        if not w.startswith("-") and ("/" in w or re.search(
                r"\.(json|jsonl|pcap|pcapng|py|yml|ipynb)$", w)):
            if os.path.exists(os.path.join(src, w)):
                in_repo += 1
            else:
                top = w.split("/")[0]
                if "/" in w and top not in (".", "..") and \
                        os.path.isdir(os.path.join(src, top)):
                    return "names %s, which the repository does not have" % w
                return None         # needs a file only users have
    # only examples about the repository's own files run: one that reads
    # nothing (a fetch from Azure, say) cannot work offline
    if not in_repo or ISOLATE is None:
        return None                 # and never without network isolation
    p = subprocess.run(ISOLATE + [exe] + words[1:], cwd=src, text=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env=dict(os.environ, NO_COLOR="1"))
    if p.returncode not in (0, 1):
        return "exited %d: %s" % (p.returncode, p.stderr.strip()[:300])
    print("ok: help example: %s" % line)
    return None


def main(argv):
    if len(argv) != 4:
        print("usage: check-man.py PREFLIGHT SRCDIR MANDIR")
        return 2
    exe, src, mandir = argv[1:]
    m = cli_model.model(src)
    glob_opts = {o for g in m["global"] for o in g}
    mandocs = os.path.join(src, "docs", "man")
    names = [c["name"] for c in m["commands"]]
    all_opts = {c["name"]: set(c["options"]) | set(c["short"])
                for c in m["commands"]}
    checked = 0

    for c in m["commands"]:
        name = c["name"]
        page = os.path.join(mandocs, "preflight-%s.1.md" % name)
        if not os.path.exists(page):
            fail("%s: command '%s' has no man page: write %s (a first "
                 "draft: python3 scripts/cli_model.py . man-draft %s > %s)"
                 % (c["file"], name, os.path.relpath(page, src), name,
                    os.path.relpath(page, src)))
            continue
        md = open(page, encoding="utf-8").read()
        rel = os.path.relpath(page, src)
        title = md.splitlines()[0]
        want = "# preflight-%s(1) -- %s" % (name, c["summary"])
        if title != want:
            fail("%s: title is '%s', the command table says '%s'"
                 % (rel, title, want))
        sec = sections(md)
        code = set(c["options"]) | set(c["short"])
        doc = terms(sec.get("OPTIONS", []))
        for o in sorted(code - doc):
            fail("%s: option %s of %s is not documented in OPTIONS"
                 % (rel, o, c["file"]))
        for o in sorted(doc - code):
            fail("%s: documents %s, which %s does not have"
                 % (rel, o, c["file"]))
        # --help, and each subcommand's --help
        seen, done = set(), set()
        for args in [[name]] + [[name, s] for s in c["subcommands"]]:
            rc, out, err = run([exe] + args + ["--help"])
            if rc != 0 or not out.startswith("usage: preflight " + name):
                fail("'preflight %s --help' exited %d, stdout %r, stderr %r"
                     % (" ".join(args), rc, out[:60], err[:200]))
                continue
            seen |= help_options(out)
            for ex in help_examples(out):
                if ex in done:
                    continue
                done.add(ex)
                why = run_example(exe, src, name, ex, all_opts, glob_opts)
                if why:
                    fail("'preflight %s --help' example '%s' %s"
                         % (" ".join(args), ex, why))
            if not re.search(r"^examples?:$", out, re.M) and len(args) == 1:
                fail("'preflight %s --help' shows no examples" % name)
        for o in sorted(code - seen):
            fail("'preflight %s --help' does not list %s" % (name, o))
        for o in sorted(seen - code):
            fail("'preflight %s --help' lists %s, which %s does not have"
                 % (name, o, c["file"]))
        for s in c["subcommands"]:
            if not re.search(r"^### %s$" % re.escape(s), md, re.M):
                fail("%s: subcommand '%s' has no '### %s' subsection"
                     % (rel, s, s))
        for o, ln in example_options(sec.get("EXAMPLES", []), name):
            if o not in code and o not in glob_opts:
                fail("%s: example uses %s, which %s does not have: %s"
                     % (rel, o, name, ln))
        checked += 1

    # preflight(1)
    page = os.path.join(mandocs, "preflight.1.md")
    md = open(page, encoding="utf-8").read()
    sec = sections(md)
    listed = term_words(sec.get("COMMANDS", []))
    for n in names:
        if n not in listed:
            fail("docs/man/preflight.1.md: COMMANDS does not list '%s'" % n)
        if "preflight-%s(1)" % n not in "\n".join(sec.get("SEE ALSO", [])):
            fail("docs/man/preflight.1.md: SEE ALSO lacks preflight-%s(1)"
                 % n)
    for n in sorted(listed - set(names)):
        fail("docs/man/preflight.1.md: COMMANDS lists '%s', which main.c "
             "does not have" % n)
    doc = terms(sec.get("GLOBAL OPTIONS", []))
    for o in sorted(glob_opts - doc):
        fail("docs/man/preflight.1.md: global option %s is not documented"
             % o)
    for o in sorted(doc - glob_opts):
        fail("docs/man/preflight.1.md: documents global option %s, which "
             "main.c does not have" % o)
    rc, out, _ = run([exe, "--help"])
    for n in names:
        if not re.search(r"^  %s " % re.escape(n), out, re.M):
            fail("'preflight --help' does not list command '%s'" % n)
    for o in sorted(glob_opts - help_options(out) - set(OPT.findall(out))):
        fail("'preflight --help' does not list global option %s" % o)

    for f in sorted(os.listdir(mandocs)):
        mm = re.fullmatch(r"preflight-(.+)\.1\.md", f)
        if mm and mm.group(1) not in names:
            fail("docs/man/%s documents a command main.c does not have" % f)

    # the generated pages: one per source, and clean for groff
    pages = [f[:-3] for f in os.listdir(mandocs) if f.endswith(".1.md")]
    for p in sorted(pages):
        built = os.path.join(mandir, p)
        if not os.path.exists(built):
            fail("%s was not generated from docs/man/%s.md" % (built, p))
            continue
        try:
            r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z",
                                built], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        except FileNotFoundError:
            fail("groff is missing (apt-get install groff-base): the pages "
                 "cannot be checked")
            break
        if r.returncode != 0 or r.stderr.strip():
            fail("groff warns about %s: %s" % (built, r.stderr.strip()))
    if failures:
        print("%d problem(s)" % len(failures))
        return 1
    print("PASS: %d command pages and preflight(1) agree with the option "
          "tables and --help; %d pages render cleanly" % (checked,
                                                          len(pages)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
