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
  fputs("usage: preflight [--version] [--help] [--no-color] <command> "
        "[options]\n\n"
        "Network security preflight validator for Azure Machine Learning in "
        "a virtual\nnetwork.\n\ncommands:\n",
        f);
  for (c = pf_commands; c->name; c++)
    fprintf(f, "  %-12s %s\n", c->name, c->summary);
  fputs("\nRun 'preflight <command> --help' for a command's options.\n"
        "Exit status: 0 ok, 1 findings at or above --fail-on, 2 usage or "
        "input error.\n",
        f);
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
      fprintf(stderr, "preflight: unknown command '%s'\n", argv[i + 1]);
      return PF_EXIT_ERROR;
    }
    usage(stdout);
    return PF_EXIT_OK;
  }
  for (c = pf_commands; c->name; c++)
    if (!strcmp(c->name, argv[i]))
      return c->run(argc - i, argv + i, &ctx);
  fprintf(stderr, "preflight: unknown command '%s' (see 'preflight "
          "--help')\n", argv[i]);
  return PF_EXIT_ERROR;
}
