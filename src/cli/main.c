/* SPDX-License-Identifier: MIT */
/* main.c - the dispatcher: global options, then one command per file */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_cli.h"
#include "pf_version.h"

const struct pf_cmd pf_commands[] = {
  {"inventory", cmd_inventory,
   "list what was loaded: resources, references, service tag file"},
  {"tags", cmd_tags, "inspect, look up and extract service tags"},
  {"check", cmd_check,
   "check the configuration against every documented requirement"},
  {"report", cmd_report,
   "merge check/probe/capture results: Markdown, HTML, SARIF, JUnit"},
  {"fix", cmd_fix, "the failing results' az CLI fixes as a script to review"},
  {"explain", cmd_explain,
   "evaluate NSGs for one flow, many flows, or a whole set of flows"},
  {"rules", cmd_rules, "list and show the requirement catalogue"},
  {"routes", cmd_routes, "effective routes of a subnet, next hop by destination"},
  {"lint", cmd_lint,
   "NSG rules that never match, redundant rules, exposed management ports"},
  {"probe", cmd_probe,
   "live DNS and TCP probes from inside the subnet, next to the static verdict"},
  {"capture", cmd_capture, "diagnose management traffic in a packet capture or live"},
  {"secrets", cmd_secrets,
   "find secrets in training scripts, notebooks and job configuration"},
  {"keys", cmd_keys,
   "storage key rotation: datastores using an account, the runbook"},
  {"fetch", cmd_fetch,
   "read the configuration from Azure Resource Manager into a directory"},
  {NULL, NULL, NULL}
};

static void usage(FILE *f)
{
  const struct pf_cmd *c;
  fputs("usage: preflight [-q|--quiet] [-v|--verbose] [--no-color] <command> "
        "[options]\n"
        "       preflight help <command>\n"
        "       preflight -V|--version | -h|--help\n\n"
        "Network security preflight validator for Azure Machine Learning in "
        "a virtual\nnetwork.\n\ncommands:\n",
        f);
  for (c = pf_commands; c->name; c++)
    fprintf(f, "  %-12s %s\n", c->name, c->summary);
  fputs("\nglobal options (--quiet, --verbose and --no-color may also follow "
        "the command):\n"
        "  -q, --quiet     no warnings or progress on stderr; check: only "
        "what is not a pass\n"
        "  -v, --verbose   more detail in text output (check: evidence of "
        "passes too)\n"
        "  --no-color      no colour (also NO_COLOR=1, TERM=dumb, or "
        "stdout not a terminal)\n"
        "  -V, --version   print the version and git revision\n"
        "  -h, --help      show this help\n"
        "\nexamples:\n"
        "  preflight check examples/contoso-westeurope\n"
        "  preflight --quiet check ./exported --format sarif > "
        "preflight.sarif\n"
        "  preflight help explain\n"
        "\nRun 'preflight <command> --help' for a command's options, 'man "
        "preflight-<command>'\nfor its manual.\n"
        "Exit status: 0 ok, 1 findings at or above --fail-on, 2 usage or "
        "input error.\n",
        f);
}

/* --quiet, --verbose and --no-color are accepted after the command too
 * (issue 10: users append them to the command line they already have).
 * They are taken out of argv before the command parses it; "--" ends
 * the search so an operand can still be spelled like them. */
static int take_global(struct pf_ctx *ctx, const char *a)
{
  if (!strcmp(a, "--no-color"))
    ctx->color = 0;
  else if (!strcmp(a, "--quiet"))
    ctx->quiet = 1;
  else if (!strcmp(a, "--verbose"))
    ctx->verbose++;
  else
    return 0;
  return 1;
}

static int strip_globals(struct pf_ctx *ctx, int argc, char **argv)
{
  int i, n = 1;
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--")) {
      while (i < argc)
        argv[n++] = argv[i++];
      break;
    }
    if (!take_global(ctx, argv[i]))
      argv[n++] = argv[i];
  }
  argv[n] = NULL;
  return n;
}

/* Edit distance of two short words (commands), capped: enough to tell
 * a typo ("chek") from a different word. */
static size_t distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b), i, j;
  size_t row[32];
  if (la >= 32 || lb >= 32)
    return 99;
  for (j = 0; j <= lb; j++)
    row[j] = j;
  for (i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* Unknown command: name the closest one when it is a likely typo (issue
 * 10: errors say what to do). */
static int unknown_command(const char *name)
{
  const struct pf_cmd *c, *best = NULL;
  size_t d, bd = 3;
  for (c = pf_commands; c->name; c++) {
    d = distance(name, c->name);
    if (d < bd || (strlen(name) >= 2 && !strncmp(c->name, name, strlen(name))
                   && !best)) {
      bd = d < bd ? d : bd;
      best = c;
    }
  }
  if (best)
    fprintf(stderr, "preflight: unknown command '%s'; did you mean '%s'? "
            "(see 'preflight --help')\n", name, best->name);
  else
    fprintf(stderr, "preflight: unknown command '%s' (see 'preflight "
            "--help')\n", name);
  return PF_EXIT_ERROR;
}

int main(int argc, char **argv)
{
  struct pf_ctx ctx;
  const struct pf_cmd *c;
  const char *nc = getenv("NO_COLOR");
  int i = 1;

  memset(&ctx, 0, sizeof(ctx));
  /* machine output can be hundreds of megabytes (explain --flows): write
   * it in large blocks when it does not go to a terminal */
  if (!isatty(STDOUT_FILENO))
    setvbuf(stdout, NULL, _IOFBF, (size_t)1 << 20);
  ctx.out = stdout;
  ctx.err = stderr;
  ctx.prog = "preflight";
  ctx.color = isatty(STDOUT_FILENO) && !(nc && *nc);
  {
    const char *term = getenv("TERM");
    if (term && !strcmp(term, "dumb"))
      ctx.color = 0;
  }
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
      printf("preflight %s (%s)\n", PF_VERSION, PF_GIT_REV);
      return PF_EXIT_OK;
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return PF_EXIT_OK;
    } else if (!strcmp(argv[i], "--no-color")) {
      ctx.color = 0;
    } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
      ctx.quiet = 1;
    } else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
      ctx.verbose++;
    } else {
      fprintf(stderr, "preflight: unknown option '%s' (see 'preflight "
              "--help')\n", argv[i]);
      return PF_EXIT_ERROR;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return PF_EXIT_ERROR;
  }
  if (!strcmp(argv[i], "help")) {
    if (i + 1 < argc) {
      static char help_opt[] = "--help";
      char *sub[3];
      sub[0] = argv[i + 1];
      sub[1] = help_opt;
      sub[2] = NULL;
      for (c = pf_commands; c->name; c++)
        if (!strcmp(c->name, argv[i + 1]))
          return c->run(2, sub, &ctx);
      return unknown_command(argv[i + 1]);
    }
    usage(stdout);
    return PF_EXIT_OK;
  }
  for (c = pf_commands; c->name; c++)
    if (!strcmp(c->name, argv[i]))
      return c->run(strip_globals(&ctx, argc - i, argv + i), argv + i,
                    &ctx);
  return unknown_command(argv[i]);
}
