#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gen-completion.py SRCDIR OUTDIR - write OUTDIR/preflight (bash) and
OUTDIR/_preflight (zsh), generated from the code's option tables and
usage texts and from rules/ by cli_model.py (issue 10)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_model  # noqa: E402

if len(sys.argv) != 3:
    sys.stderr.write("usage: gen-completion.py SRCDIR OUTDIR\n")
    sys.exit(2)
m = cli_model.model(sys.argv[1])
for name, text in (("preflight", cli_model.bash_completion(m)),
                   ("_preflight", cli_model.zsh_completion(m))):
    tmp = os.path.join(sys.argv[2], name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, os.path.join(sys.argv[2], name))
