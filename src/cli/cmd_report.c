/* SPDX-License-Identifier: MIT */
/* cmd_report.c - `preflight report`: merge results of check (and probe,
 * capture) runs into one Markdown, HTML, SARIF or JUnit report
 *
 * Results documents are read back (reports/report_read.c), merged
 * (duplicates dropped; static and live views of one requirement and
 * resource side by side, disagreements marked), suppressed by the baseline
 * and written by the chosen writer.  The input files the documents name are
 * loaded again when they are still there, for resource locations and the
 * picture of the network; without them the report says less, not wrong.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../reports/report.h"
#include "../core/pf_mem.h"
#include "../load/pf_load.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight report RESULTS.json...\n"
  "                        --format markdown|html|sarif|junit\n"
  "                        [--baseline FILE] [--fail-on "
  "error|warning|info|never]\n"
  "                        [--rules-dir DIR] [--no-inputs]\n"
  "\n"
  "Merge the JSON results of 'preflight check --format json' runs (and of\n"
  "probe and capture runs, which share the result shape) into one report.\n"
  "Identical results are shown once; where a static check and a live view\n"
  "of the same requirement and resource disagree, both are shown and the\n"
  "disagreement is marked.  The input files the results name are read\n"
  "again when present, to locate each resource (SARIF) and draw the\n"
  "network (HTML).\n"
  "\n"
  "options:\n"
  "  --format FMT      markdown (PR comment, ticket), html (one\n"
  "                    self-contained page), sarif (code scanning) or junit\n"
  "                    (CI test reporters)\n"
  "  --baseline FILE   suppressions (default .preflight-ignore when present;\n"
  "                    see docs/reports.md)\n"
  "  --fail-on SEV     exit 1 when an unsuppressed failure is at or above\n"
  "                    SEV\n"
  "                    (default never: report only renders)\n"
  "  --rules-dir DIR   the rule catalogue, for why each requirement matters\n"
  "  --no-inputs       do not read the input files named by the results\n"
  "  -h, --help        show this help\n"
  "\n"
  "examples:\n"
  "  preflight check ./exported --format json > check.json\n"
  "  preflight report check.json --format html > report.html\n"
  "  preflight report check-*.json probe-*.json --format sarif > "
  "preflight.sarif\n";

static int sev_rank(const char *s)
{
  if (!strcmp(s, "info")) return 0;
  if (!strcmp(s, "warning")) return 1;
  if (!strcmp(s, "error")) return 2;
  if (!strcmp(s, "never")) return 3;
  return -1;
}

static void warn_cb(void *arg, const char *msg)
{
  pf_cli_warn(arg, "%s", msg);
}

/* Read the inputs again (those still readable): locations and picture. */
static void use_inputs(struct pf_report *rep)
{
  struct pf_config *cfg = NULL;
  struct pf_err err;
  const char **paths = NULL;
  size_t i, n = 0;

  if (!rep->n_inputs || pf_config_create(&cfg) != PF_OK)
    return;
  paths = pf_calloc(rep->n_inputs, sizeof(*paths));
  for (i = 0; paths && i < rep->n_inputs; i++)
    if (access(rep->inputs[i], R_OK) == 0)
      paths[n++] = rep->inputs[i];
  pf_err_clear(&err);
  if (n && pf_load_paths(cfg, paths, n, NULL, &err) == PF_OK)
    pf_report_use_config(rep, cfg);
  else
    pf_report_note(rep, "the input files the results name are not "
                   "readable here: resources are not located and the "
                   "network is not drawn");
  pf_free(paths);
  pf_config_destroy(cfg);
}

int cmd_report(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"baseline", required_argument, NULL, 'b'},
    {"fail-on", required_argument, NULL, 'x'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"no-inputs", no_argument, NULL, 'N'},
    {"rules-dir", required_argument, NULL, 'R'},
    {NULL, 0, NULL, 0}
  };
  const struct pf_report_ops *writer = NULL;
  const char *baseline_opt = NULL, *bl_path, *rules_dir = NULL;
  const char *fail_on = "never";
  struct pf_report rep;
  struct pf_baseline *bl = NULL;
  struct pf_catalogue *cat = NULL;
  struct pf_err err;
  char dirbuf[4096], today[11];
  int c, rc = PF_EXIT_OK, threshold, no_inputs = 0;
  size_t i;
  pf_status st;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'b': baseline_opt = optarg; break;
    case 'x': fail_on = optarg; break;
    case 'f':
      if (!(writer = pf_report_ops_find(optarg)))
        return pf_cli_usage(ctx, "report", "unknown format '%s' (expected "
                            "%s)", optarg, pf_report_ops_names());
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case 'N': no_inputs = 1; break;
    case 'R': rules_dir = optarg; break;
    default:
      return pf_cli_usage(ctx, "report", "unknown or incomplete option "
                          "'%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return pf_cli_usage(ctx, "report", "no RESULTS.json given");
  if (!writer)
    return pf_cli_usage(ctx, "report", "--format is required (%s)",
                        pf_report_ops_names());
  if ((threshold = sev_rank(fail_on)) < 0)
    return pf_cli_usage(ctx, "report", "unknown --fail-on '%s' (error, "
                        "warning, info or never)", fail_on);

  pf_report_init(&rep);
  rep.merged = 1;
  pf_err_clear(&err);
  for (i = (size_t)optind; i < (size_t)argc; i++) {
    if ((st = pf_report_read(&rep, argv[i], &err)) != PF_OK) {
      rc = pf_cli_fail(ctx, st, &err);
      goto done;
    }
  }
  pf_err_clear(&err);
  if (pf_catalogue_load(&cat, pf_rules_dir(rules_dir, argv[0], dirbuf,
                                           sizeof(dirbuf)),
                        &err) == PF_OK)
    pf_report_use_catalogue(&rep, cat);
  else
    pf_cli_warn(ctx, "%s (reports go without the rules' explanations)",
                err.msg);
  if (!no_inputs)
    use_inputs(&rep);
  pf_report_find_lines(&rep);
  if ((st = pf_report_merge(&rep)) != PF_OK) {
    rc = pf_cli_error(ctx, "report: %s", pf_strerror(st));
    goto done;
  }
  for (i = 0; i < rep.n_notes; i++)
    if (strstr(rep.notes[i], "live view says otherwise"))
      pf_cli_warn(ctx, "%s", rep.notes[i]);
  pf_report_today(today);
  if ((bl_path = pf_baseline_path(baseline_opt))) {
    pf_err_clear(&err);
    if ((st = pf_baseline_load(&bl, bl_path, &err)) != PF_OK) {
      rc = pf_cli_fail(ctx, st, &err);
      goto done;
    }
    if ((st = pf_baseline_apply(bl, &rep, today, warn_cb, ctx)) != PF_OK) {
      rc = pf_cli_error(ctx, "report: %s", pf_strerror(st));
      goto done;
    }
  }
  if ((st = writer->write(&rep, ctx->out)) != PF_OK) {
    rc = pf_cli_error(ctx, "report: %s", pf_strerror(st));
    goto done;
  }
  for (i = 0; i < rep.n; i++)
    if (rep.f[i].status == PF_RS_FAIL && !rep.f[i].suppressed &&
        (int)rep.f[i].sev >= threshold)
      rc = PF_EXIT_FINDINGS;
done:
  pf_baseline_destroy(bl);
  pf_catalogue_destroy(cat);
  pf_report_release(&rep);
  return rc;
}
