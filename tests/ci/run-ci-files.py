#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""run-ci-files.py PREFLIGHT SRCDIR - the CI integrations of docs/ci/ work
as written (issue 10): each file is parsed with PyYAML and its shell steps
are run, in order, with the build's preflight first on PATH, in a scratch
git repository whose infra/ is the bundled example (a design with error
findings, so the gates must fail and the reports must carry failures).

  github-actions.yml   every `run:` step runs as GitHub runs it (bash -eo
                       pipefail, GITHUB_PATH / GITHUB_STEP_SUMMARY /
                       RUNNER_TEMP provided, env of workflow, job and step);
                       `uses:` steps are not run: they must be well-formed
                       (owner/repo[/path]@ref), and upload-sarif's
                       sarif_file must exist afterwards as SARIF 2.1.0 from
                       preflight with results.  The step with id `gate`
                       must exit 1, every other step 0.
  azure-pipelines.yml  every `bash:` step runs as the Bash task runs it
                       (variables as upper-case environment, ##vso
                       prependpath honoured); PublishTestResults@2 must
                       name JUnit, and its testResultsFiles pattern under
                       its searchFolder must match JUnit XML with failing
                       test cases.  The step named `gate` must exit 1.
  pre-commit-config.yaml   run by pre-commit itself (Debian's package;
                       language: system, so offline): the secrets hook
                       passes on clean code and fails on a planted key, the
                       check hook fails on the example's errors.
  pre-commit           the plain git hook, installed in .git/hooks: a clean
                       commit goes through, a planted key and the example's
                       errors are refused.
Skips (77) when PyYAML is missing.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

try:
    import yaml
except ImportError:
    print("SKIP: PyYAML (python3-yaml) is missing")
    sys.exit(77)

FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg)


def ok(msg):
    print("ok: " + msg)


USES = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?"
                  r"@[A-Za-z0-9_.-]+$")
GHA_STEP_KEYS = {"name", "id", "if", "uses", "run", "with", "env", "shell",
                 "continue-on-error", "timeout-minutes", "working-directory"}


def workspace(src, exe):
    ws = tempfile.mkdtemp(prefix="pf-ci.")
    shutil.copytree(os.path.join(src, "examples", "contoso-westeurope"),
                    os.path.join(ws, "infra"))
    shutil.copy(os.path.join(src, "tests", "secrets", "negative", "clean.py"),
                os.path.join(ws, "train.py"))
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(os.path.abspath(exe)) + os.pathsep + \
        env.get("PATH", "")
    env.pop("PREFLIGHT_RULES", None)
    env["NO_COLOR"] = "1"
    git(ws, env, "init", "-q")
    git(ws, env, "add", "-A")
    git(ws, env, "commit", "-qm", "base")
    return ws, env


def git(ws, env, *args):
    e = dict(env, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
             GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    return subprocess.run(["git", "-C", ws] + list(args), env=e,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)


def isolation():
    """A new network namespace with no interface up, when one can be made:
    the steps only run preflight on files, and must never reach out."""
    for pre in (["unshare", "-n"], ["unshare", "-rn"]):
        try:
            if subprocess.run(pre + ["true"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                return pre
        except OSError:
            pass
    return []


ISOLATE = isolation()


def sh(script, cwd, env, bash_args):
    p = subprocess.run(ISOLATE + ["bash", "--noprofile", "--norc"] +
                       bash_args +
                       ["-c", script], cwd=cwd, env=env, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode, p.stdout


def check_sarif(path):
    try:
        doc = json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError) as e:
        return "not JSON: %s" % e
    if doc.get("version") != "2.1.0":
        return "version is %r" % doc.get("version")
    runs = doc.get("runs") or [{}]
    if runs[0].get("tool", {}).get("driver", {}).get("name") != "preflight":
        return "tool.driver.name is not preflight"
    if not runs[0].get("results"):
        return "no results"
    return None


def github(src, exe):
    path = os.path.join(src, "docs", "ci", "github-actions.yml")
    wf = yaml.safe_load(open(path, encoding="utf-8"))
    on = wf.get("on", wf.get(True))    # YAML 1.1 reads `on` as true
    if not on:
        fail("github-actions.yml: no 'on' triggers")
    ws, env = workspace(src, exe)
    tmp = os.path.join(ws, ".runner")
    os.makedirs(tmp)
    gh_path = os.path.join(tmp, "path")
    summary = os.path.join(tmp, "summary.md")
    open(gh_path, "w").close()
    open(summary, "w").close()
    env.update({"GITHUB_WORKSPACE": ws, "RUNNER_TEMP": tmp, "CI": "true",
                "GITHUB_PATH": gh_path, "GITHUB_STEP_SUMMARY": summary})
    env.update({k: str(v) for k, v in (wf.get("env") or {}).items()})
    ran = 0
    sarif_files = []
    for jname, job in wf["jobs"].items():
        jenv = dict(env, **{k: str(v) for k, v in
                            (job.get("env") or {}).items()})
        for i, st in enumerate(job["steps"]):
            label = "github %s step %d (%s)" % (jname, i + 1,
                                               st.get("name", st.get("uses")))
            bad = set(st) - GHA_STEP_KEYS
            if bad:
                fail("%s: unknown keys %s" % (label, sorted(bad)))
            if ("uses" in st) == ("run" in st):
                fail("%s: needs exactly one of uses and run" % label)
                continue
            if "uses" in st:
                if not USES.match(st["uses"]):
                    fail("%s: malformed uses '%s'" % (label, st["uses"]))
                if "upload-sarif" in st["uses"]:
                    f = (st.get("with") or {}).get("sarif_file")
                    if not f:
                        fail("%s: upload-sarif without sarif_file" % label)
                    else:
                        sarif_files.append((label, f))
                    if st.get("if") != "always()":
                        fail("%s: upload-sarif should run if: always()"
                             % label)
                ok("%s: well-formed, not run" % label)
                continue
            senv = dict(jenv, **{k: str(v) for k, v in
                                 (st.get("env") or {}).items()})
            extra = [p.strip() for p in open(gh_path) if p.strip()]
            if extra:
                senv["PATH"] = os.pathsep.join(extra[::-1] + [senv["PATH"]])
            rc, out = sh(st["run"], ws, senv, ["-eo", "pipefail"])
            want = 1 if st.get("id") == "gate" else 0
            ran += 1
            if rc != want:
                fail("%s exited %d, expected %d:\n%s" % (label, rc, want,
                                                         out))
            else:
                ok("%s exited %d" % (label, rc))
    for label, f in sarif_files:
        err = check_sarif(os.path.join(ws, f))
        if err:
            fail("%s: %s: %s" % (label, f, err))
        else:
            ok("%s: %s is SARIF 2.1.0 from preflight" % (label, f))
    text = open(summary, encoding="utf-8").read()
    if "NSG-5" not in text:
        fail("github: the job summary has no findings:\n" + text[:300])
    shutil.rmtree(ws)
    return ran


def azure(src, exe):
    path = os.path.join(src, "docs", "ci", "azure-pipelines.yml")
    pl = yaml.safe_load(open(path, encoding="utf-8"))
    ws, env = workspace(src, exe)
    tmp = os.path.join(ws, ".agent")
    results = os.path.join(tmp, "TestResults")
    os.makedirs(results)
    variables = pl.get("variables") or {}
    if isinstance(variables, list):
        variables = {v["name"]: v["value"] for v in variables if "name" in v}
    macros = {"Common.TestResultsDirectory": results,
              "Agent.TempDirectory": tmp,
              "Build.SourcesDirectory": ws}
    macros.update({k: str(v) for k, v in variables.items()})
    for k, v in macros.items():
        env[k.upper().replace(".", "_")] = v
    env["TF_BUILD"] = "True"
    prepend = []
    ran = 0
    publish = []
    for i, st in enumerate(pl["steps"]):
        label = "azure step %d (%s)" % (i + 1, st.get("displayName",
                                                      st.get("task", "")))
        if "checkout" in st:
            ok("%s: checkout, not run" % label)
            continue
        if "task" in st:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*@\d+", st["task"]):
                fail("%s: malformed task '%s'" % (label, st["task"]))
            if st["task"].startswith("PublishTestResults@"):
                publish.append((label, st))
            ok("%s: task %s, not run" % (label, st["task"]))
            continue
        if "bash" not in st:
            fail("%s: neither checkout, task nor bash" % label)
            continue
        senv = dict(env, **{k: str(v) for k, v in
                            (st.get("env") or {}).items()})
        if prepend:
            senv["PATH"] = os.pathsep.join(prepend + [senv["PATH"]])
        if re.search(r"\$\([A-Za-z]+\.[A-Za-z.]+\)", st["bash"]):
            fail("%s: a $(Macro.Name) in a bash script is replaced before "
                 "bash sees it; use the environment variable" % label)
        rc, out = sh(st["bash"], ws, senv, [])
        for m in re.finditer(r"##vso\[task\.prependpath\](.*)", out):
            prepend.insert(0, m.group(1).strip())
        want = 1 if st.get("name") == "gate" else 0
        ran += 1
        if rc != want:
            fail("%s exited %d, expected %d:\n%s" % (label, rc, want, out))
        else:
            ok("%s exited %d" % (label, rc))
    if not publish:
        fail("azure-pipelines.yml: no PublishTestResults task")
    for label, st in publish:
        inp = st.get("inputs") or {}
        if inp.get("testResultsFormat") != "JUnit":
            fail("%s: testResultsFormat is not JUnit" % label)
        if st.get("condition") != "always()":
            fail("%s: should run with condition: always()" % label)
        folder = re.sub(r"\$\(([^)]+)\)", lambda m: macros.get(m.group(1),
                                                               m.group(0)),
                        str(inp.get("searchFolder",
                                    "$(System.DefaultWorkingDirectory)")))
        files = glob.glob(os.path.join(folder, inp.get("testResultsFiles",
                                                       "**/TEST-*.xml")),
                          recursive=True)
        if not files:
            fail("%s: %s matches no file under %s" % (
                label, inp.get("testResultsFiles"), folder))
        for f in files:
            try:
                root = ET.parse(f).getroot()
            except ET.ParseError as e:
                fail("%s: %s is not XML: %s" % (label, f, e))
                continue
            cases = root.iter("testcase")
            n = sum(1 for _ in cases)
            failed = sum(1 for c in root.iter("testcase")
                         if c.find("failure") is not None)
            if root.tag not in ("testsuites", "testsuite") or not n \
                    or not failed:
                fail("%s: %s: root %s, %d test cases, %d failures" % (
                    label, os.path.basename(f), root.tag, n, failed))
            else:
                ok("%s: %s: JUnit, %d test cases, %d failures" % (
                    label, os.path.basename(f), n, failed))
    shutil.rmtree(ws)
    return ran


def precommit(src, exe):
    ran = 0
    cfg = os.path.join(src, "docs", "ci", "pre-commit-config.yaml")
    doc = yaml.safe_load(open(cfg, encoding="utf-8"))
    ids = [h["id"] for r in doc["repos"] for h in r["hooks"]]
    for r in doc["repos"]:
        for h in r["hooks"]:
            if h.get("language") != "system" or not h.get("entry", "") \
                    .startswith("preflight "):
                fail("pre-commit-config.yaml: hook %s must run preflight "
                     "with language: system" % h.get("id"))
    if shutil.which("pre-commit"):
        ws, env = workspace(src, exe)
        env["PRE_COMMIT_HOME"] = os.path.join(ws, ".pre-commit-home")
        shutil.copy(cfg, os.path.join(ws, ".pre-commit-config.yaml"))
        git(ws, env, "add", ".pre-commit-config.yaml")

        def run_hook(hook, want, why):
            nonlocal ran
            p = subprocess.run(["pre-commit", "run", hook, "--all-files"],
                               cwd=ws, env=env, text=True,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
            ran += 1
            if p.returncode != want:
                fail("pre-commit run %s (%s) exited %d, expected %d:\n%s"
                     % (hook, why, p.returncode, want, p.stdout))
            else:
                ok("pre-commit run %s: %s -> %s" % (
                    hook, why, "Passed" if want == 0 else "Failed"))
        run_hook("preflight-secrets", 0, "clean training code")
        run_hook("preflight-check", 1, "the example's errors")
        shutil.copy(os.path.join(src, "tests", "secrets", "positive",
                                 "train.py"), os.path.join(ws, "leak.py"))
        git(ws, env, "add", "leak.py")
        run_hook("preflight-secrets", 1, "a planted storage key")
        shutil.rmtree(ws)
    else:
        print("note: pre-commit is not installed; only the git hook runs")
    if set(ids) != {"preflight-secrets", "preflight-check"}:
        fail("pre-commit-config.yaml: hooks are %s" % ids)

    # the plain git hook
    ws, env = workspace(src, exe)
    hook = os.path.join(ws, ".git", "hooks", "pre-commit")
    shutil.copy(os.path.join(src, "docs", "ci", "pre-commit"), hook)
    os.chmod(hook, 0o755)

    def commit(path, content_from, want, why):
        nonlocal ran
        shutil.copy(content_from, os.path.join(ws, path))
        git(ws, env, "add", path)
        p = git(ws, env, "commit", "-qm", why)
        ran += 1
        if (p.returncode == 0) != want:
            fail("git hook: %s: commit %s:\n%s" % (
                why, "refused" if want else "accepted", p.stdout))
        else:
            ok("git hook: %s: commit %s" % (why, "accepted" if want
                                             else "refused"))
        if not want:
            git(ws, env, "reset", "-q", "--hard")
    commit("clean2.py", os.path.join(src, "tests", "secrets", "negative",
                                     "clean.py"), True, "clean code")
    commit("leak.py", os.path.join(src, "tests", "secrets", "positive",
                                   "train.py"), False, "a planted key")
    commit("infra/extra.json", os.path.join(
        src, "examples", "contoso-westeurope",
        sorted(f for f in os.listdir(os.path.join(
            src, "examples", "contoso-westeurope"))
            if f.endswith(".json"))[0]), False, "infra with errors")
    shutil.rmtree(ws)
    return ran


def main(argv):
    if len(argv) != 3:
        print("usage: run-ci-files.py PREFLIGHT SRCDIR")
        return 2
    exe, src = argv[1], argv[2]
    n = github(src, exe) + azure(src, exe) + precommit(src, exe)
    if FAILS:
        print("%d problem(s)" % len(FAILS))
        return 1
    print("PASS: %d CI steps and hooks of docs/ci ran as their files say" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
