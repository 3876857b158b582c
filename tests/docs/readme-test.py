#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""readme-test.py PREFLIGHT SRCDIR FIXTURES - every command shown in
README.md runs, and where the README shows output, the output is the
README's (issue 10: the docs cannot rot).

Conventions for whoever edits README.md
---------------------------------------
* Fenced blocks opened with ```sh (or ```bash, ```shell): every line is a
  command; a line ending in a backslash continues on the next.  Comments
  (`# ...`) are allowed at the end of a line.  The commands of the whole
  README run in order, in one scratch directory, through
  `bash -o pipefail -c`, with the build's preflight first on PATH, in a
  network namespace with no interface up (unshare -n, or -rn without
  root: nothing a command does can leave the machine; where neither
  works the test skips).  A
  command passes when it exits 0, or 1 (findings: the documented result
  for the example, which has some).  Exit 2 (a usage or input error),
  any other status, or a crash fails the test: the README shows a command
  that does not work.
* Fenced blocks opened with ```console: lines starting with `$ ` are
  commands (same rules); the lines after one, up to the next `$ ` line or
  the end of the block, are its expected standard output, compared
  exactly (trailing blanks ignored).  A line holding only `...` matches
  any number of lines.
* A command that cannot run in a test (a live capture, anything needing
  Azure or a login, building the tree) ends with a comment that contains
  `not tested`, e.g. `sudo preflight capture -i eth0   # live, not tested`,
  AND is listed in NOT_RUN below with the reason.  Both ways are checked:
  a marked command missing from NOT_RUN, or a NOT_RUN entry that is not in
  the README, fails the test, so nothing is skipped by accident.
* The scratch directory holds what the README's commands name:
  examples/ (the repository's), exported/ (a copy of the example, as if
  exported with az), flows.jsonl (three flows), node.pcap (a capture of
  management traffic from tests/data/capture), training/ (clean training
  code from tests/secrets/negative), build/preflight (the binary), and
  ServiceTags_Public_*.json from ../shared/fixtures/servicetags (commands
  naming a tag file that is absent are skipped with a note), and any path
  of the repository a command names (tests/terraform/201-plan.json) is
  copied in before it runs.  A command needing another input: add it to
  scratch() below.
* The first two commands of the README are what CI runs
  (`./scripts/setup && ./scripts/test`); the test runs the part of the
  first one after `./scripts/setup &&` and lists the rest in NOT_RUN
  without a marker (those two lines stay as they are).
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

# command (as written, continuation lines joined, comment removed) ->
# (reason, marked in README)
NOT_RUN = {
    "./scripts/setup && ./scripts/test":
        ("CI runs exactly this; the test runs inside that build", False),
    "sudo preflight capture -i eth0 --seconds 120":
        ("a live capture needs root and an interface with management "
         "traffic; tests/lab/capture-lab.sh covers it in namespaces", True),
    "az account get-access-token > token.json":
        ("needs an Azure login", True),
    "preflight fetch --subscription $SUB -g rg-ml --token-file token.json "
    "-o ./live":
        ("reads Azure Resource Manager; tests/fetch/fetch.sh runs fetch "
         "against a local ARM stand-in", True),
    "preflight check --live --subscription $SUB -g rg-ml --token-file "
    "token.json":
        ("reads Azure Resource Manager; tests/fetch/fetch.sh covers "
         "check --live", True),
    "cmake -S . -B build && cmake --build build -j":
        ("builds the tree this test runs in", True),
    "cmake -S . -B build-asan -DPF_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug":
        ("configures a second build; CI does it", True),
    "preflight probe ./exported --node 10.20.1.5 --format json > probe.json":
        ("live probes belong on a node of the subnet; tests/lab/probe-lab.sh "
         "runs them in namespaces", True),
    "cmake --build build --target deb":
        ("builds in the tree; tests/package/deb.sh builds, installs, uses "
         "and removes the package", True),
    "cmake --build build --target portable":
        ("builds in the tree; tests/package/portable.sh runs the tarball in "
         "chroots without its libraries", True),
    "./scripts/fuzz 60":
        ("60 s per parser; CI runs ./scripts/fuzz 20", True),
}
SETUP_PREFIX = "./scripts/setup && "
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg)


def strip_comment(line):
    """The command without its trailing comment (outside quotes)."""
    q = None
    for i, ch in enumerate(line):
        if q:
            if ch == q:
                q = None
        elif ch in "'\"":
            q = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def parse(readme):
    """[(lineno, command, comment, expected_output or None)]"""
    out = []
    lines = readme.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        kind = m.group(1)
        j = i + 1
        body = []
        while j < len(lines) and not lines[j].startswith("```"):
            body.append((j + 1, lines[j]))
            j += 1
        i = j + 1
        if kind in ("sh", "bash", "shell"):
            k = 0
            while k < len(body):
                no, text = body[k]
                if not text.strip() or text.lstrip().startswith("#"):
                    k += 1
                    continue
                parts = []
                while text.rstrip().endswith("\\") and k + 1 < len(body):
                    parts.append(text.rstrip()[:-1].rstrip())
                    k += 1
                    text = body[k][1].strip()
                parts.append(text.strip())
                cmd, comment = strip_comment(" ".join(parts))
                out.append((no, cmd, comment, None))
                k += 1
        elif kind == "console":
            cur = None
            for no, text in body:
                if text.startswith("$ "):
                    if cur:
                        out.append(cur)
                    cmd, comment = strip_comment(text[2:])
                    cur = (no, cmd, comment, [])
                elif cur is not None:
                    cur[3].append(text)
            if cur:
                out.append(cur)
    return out


def scratch(src, exe, fixtures):
    d = tempfile.mkdtemp(prefix="pf-readme.")
    # copies, not links: the loader does not follow symbolic links
    shutil.copytree(os.path.join(src, "examples"), os.path.join(d, "examples"))
    shutil.copytree(os.path.join(src, "examples", "contoso-westeurope"),
                    os.path.join(d, "exported"))
    with open(os.path.join(d, "flows.jsonl"), "w") as f:
        f.write('{"direction":"inbound","protocol":"tcp","src":"13.69.66.10",'
                '"src_port":40000,"dst":"10.20.1.12","dst_port":44224}\n'
                '{"direction":"inbound","protocol":"tcp","src":"13.69.66.10",'
                '"src_port":40001,"dst":"10.20.1.4","dst_port":29876}\n'
                '{"direction":"outbound","protocol":"tcp","src":"10.20.1.4",'
                '"src_port":50000,"dst":"20.50.1.1","dst_port":443}\n')
    shutil.copy(os.path.join(src, "tests", "data", "capture",
                             "lab-node.pcap"), os.path.join(d, "node.pcap"))
    shutil.copytree(os.path.join(src, "tests", "secrets", "negative"),
                    os.path.join(d, "training"))
    os.makedirs(os.path.join(d, "build"))
    os.symlink(os.path.abspath(exe), os.path.join(d, "build", "preflight"))
    tags = os.path.join(fixtures, "servicetags")
    if os.path.isdir(tags):
        for f in os.listdir(tags):
            if f.startswith("ServiceTags_") and f.endswith(".json"):
                shutil.copy(os.path.join(tags, f), os.path.join(d, f))
    return d


def bring_repo_paths(cmd, src, d):
    """Copy into the scratch directory every path of the repository that
    the command names (tests/terraform/201-plan.json, probes/plan-...),
    so the README can show any file of the repository."""
    try:
        lex = shlex.shlex(cmd, posix=True, punctuation_chars="|><&;")
        lex.whitespace_split = True
        words = list(lex)
    except ValueError:
        return
    for w in words:
        w = w.split("=", 1)[-1]
        if "/" not in w or w.startswith(("/", "-", "./", "../")):
            continue
        here, there = os.path.join(src, w), os.path.join(d, w)
        if os.path.exists(there) or not os.path.exists(here):
            continue
        os.makedirs(os.path.dirname(there), exist_ok=True)
        if os.path.isdir(here):
            shutil.copytree(here, there)
        else:
            shutil.copy(here, there)


def isolation():
    """Run the commands in a new network namespace with no interface up
    when this machine allows it (root or user namespaces), so a live
    command that was not marked cannot send a packet anywhere."""
    for pre in (["unshare", "-n"], ["unshare", "-rn"]):
        try:
            if subprocess.run(pre + ["true"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                return pre
        except OSError:
            pass
    return []


ISOLATE = isolation()


def main(argv):
    if len(argv) != 4:
        print("usage: readme-test.py PREFLIGHT SRCDIR FIXTURES")
        return 2
    exe, src, fixtures = argv[1:]
    cmds = parse(open(os.path.join(src, "README.md"), encoding="utf-8")
                 .read())
    if not cmds:
        fail("README.md shows no command")
    if not ISOLATE:
        print("SKIP: no network namespace can be made here (unshare -n or "
              "-rn); README commands are only run where nothing they do "
              "can leave the machine")
        return 77
    d = scratch(src, exe, fixtures)
    env = dict(os.environ, NO_COLOR="1", TZ="UTC")
    env["PATH"] = os.path.dirname(os.path.abspath(exe)) + os.pathsep + \
        env.get("PATH", "")
    env.pop("PREFLIGHT_RULES", None)
    env.pop("PREFLIGHT_SERVICE_TAGS", None)
    seen = set()
    ran = skipped = compared = 0
    for no, cmd, comment, expect in cmds:
        where = "README.md:%d" % no
        marked = "not tested" in comment
        if cmd in NOT_RUN:
            seen.add(cmd)
            reason, want_mark = NOT_RUN[cmd]
            if want_mark and not marked:
                fail("%s: '%s' is in NOT_RUN but not marked '# ... not "
                     "tested' in the README" % (where, cmd))
            print("not run: %s: %s (%s)" % (where, cmd, reason))
            skipped += 1
            continue
        if marked:
            fail("%s: '%s' is marked not tested but NOT_RUN in %s does not "
                 "list it" % (where, cmd, os.path.basename(__file__)))
            continue
        run = cmd[len(SETUP_PREFIX):] if cmd.startswith(SETUP_PREFIX) \
            else cmd
        bring_repo_paths(run, src, d)
        missing = [f for f in re.findall(r"ServiceTags_\w+\.json", run)
                   if not os.path.exists(os.path.join(d, f))]
        if missing:
            print("not run: %s: %s (%s is not in ../shared/fixtures)"
                  % (where, cmd, missing[0]))
            skipped += 1
            continue
        try:
            p = subprocess.run(ISOLATE + ["bash", "-o", "pipefail", "-c",
                                          run], cwd=d,
                               env=env, text=True, timeout=300,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except subprocess.TimeoutExpired:
            fail("%s: '%s' did not finish in 300 s" % (where, cmd))
            continue
        ran += 1
        if p.returncode not in (0, 1):
            fail("%s: '%s' exited %d:\n%s" % (where, cmd, p.returncode,
                                             p.stderr[-2000:]))
            continue
        # exit 1 is also what the shell returns when a redirection fails
        # (`--subscription <id>` reads a file "id"): not findings
        shell_err = [l for l in p.stderr.splitlines()
                     if l.startswith("bash: ")]
        if shell_err:
            fail("%s: '%s': the shell failed: %s" % (where, cmd,
                                                     shell_err[0]))
            continue
        print("ok: %s: %s -> exit %d" % (where, cmd, p.returncode))
        if expect is not None:
            compared += 1
            if not matches(expect, p.stdout.splitlines()):
                fail("%s: the output of '%s' is not the README's:\n"
                     "--- README\n%s\n--- actual\n%s" % (
                         where, cmd, "\n".join(expect), p.stdout))
    for cmd in sorted(set(NOT_RUN) - seen):
        fail("NOT_RUN lists '%s', which README.md does not show (remove it)"
             % cmd)
    shutil.rmtree(d)
    if FAILS:
        print("%d problem(s)" % len(FAILS))
        return 1
    print("PASS: %d README commands ran (%d outputs compared), %d not run, "
          "each for a listed reason" % (ran, compared, skipped))
    return 0


def matches(want, got):
    """Exact line match, trailing blanks ignored; '...' matches any run of
    lines."""
    want = [w.rstrip() for w in want]
    got = [g.rstrip() for g in got]
    while want and not want[-1]:
        want.pop()
    while got and not got[-1]:
        got.pop()

    def m(i, j):
        if i == len(want):
            return j == len(got)
        if want[i] == "...":
            return any(m(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and want[i] == got[j] and m(i + 1, j + 1)
    return m(0, 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
