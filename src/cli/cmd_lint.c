/* SPDX-License-Identifier: MIT */
/* cmd_lint.c - `preflight lint`: dead, redundant and dangerous NSG rules
 *
 * Runs pf_lint_config over every loaded NSG and prints the findings
 * grouped by NSG, as text or JSON.  The questions are answered on whole
 * sets of flows after priorities (AZURE-SEMANTICS.md 1.1, 1.6), unlike
 * the one-rule-at-a-time posture scanners of PEERS.md note 6.
 */
#include <getopt.h>
#include <string.h>

#include "../core/pf_jw.h"
#include "../eval/pf_lint.h"
#include "../load/pf_load.h"
#include "../model/pf_model.h"
#include "../model/pf_tags.h"
#include "pf_cli.h"
#include "pf_version.h"

static const char usage_text[] =
  "usage: preflight lint PATH... [--service-tags FILE] [--format text|json]\n"
  "                      [--fail-on error|warning|info]\n"
  "\n"
  "Find network security group rules that never match, rules whose removal\n"
  "changes nothing, and management ports open to the Internet.  Every\n"
  "check is exact over whole sets of flows, in priority order with the\n"
  "default rules: an Allow behind a Deny that covers it exposes nothing.\n"
  "\n"
  "findings:\n"
  "  shadowed           never matches; earlier rules give its flows the\n"
  "                     same verdict (warning)\n"
  "  shadowed-opposite  never matches; earlier rules give its flows the\n"
  "                     opposite verdict, so its intent is defeated (error)\n"
  "  empty              matches no flow at all, e.g. a service tag with no\n"
  "                     prefixes (warning)\n"
  "  redundant          removing it alone changes no verdict, e.g. it\n"
  "                     repeats a default rule (info)\n"
  "  exposed            22, 3389, 29876-29877 or 44224 allowed from every\n"
  "                     Internet address (error; warning for 22 alone)\n"
  "  unknown            cannot be decided: a tag not in the tag file, ASG\n"
  "                     membership, or an NSG attached to no loaded vnet\n"
  "                     (info; warning when ports may be exposed)\n"
  "\n"
  "Each NSG is evaluated in the scope of the virtual network of a subnet or\n"
  "NIC it is attached to (what VirtualNetwork and Internet mean).\n"
  "\n"
  "options:\n"
  "  --service-tags FILE  service tag file (default "
  "$PREFLIGHT_SERVICE_TAGS,\n"
  "                       or a tag file among the inputs)\n"
  "  --format FMT         text (default) or json\n"
  "  --fail-on SEV        exit 1 when a finding is at least SEV (default\n"
  "                       warning)\n"
  PF_CLI_LOAD_USAGE
  "  -h, --help           show this help\n"
  "\n"
  "Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 on\n"
  "usage or input errors.\n"
  "\n"
  "examples:\n"
  "  preflight lint examples/contoso-westeurope\n"
  "  preflight lint nsg.json vnet.json --service-tags "
  "ServiceTags_Public_20251028.json\n"
  "  az network nsg list -o json | preflight lint - --format json\n";

static const char *sev_color(const struct pf_ctx *ctx, enum pf_lint_sev s)
{
  return s == PF_LINT_ERROR     ? pf_c_red(ctx)
         : s == PF_LINT_WARNING ? pf_c_yellow(ctx)
                                : pf_c_dim(ctx);
}

static const char *dir_name(enum pf_dir d)
{
  return d == PF_DIR_INBOUND ? "inbound" : "outbound";
}

static void text_report(struct pf_ctx *ctx, const struct pf_lint_report *r,
                        const struct pf_tagdb *db)
{
  FILE *o = ctx->out;
  size_t i, j, total = 0;

  for (i = 0; i < r->n; i++) {
    const struct pf_lint_nsg *ln = &r->nsgs[i];
    fprintf(o, "%s%sNSG %s%s", i ? "\n" : "", pf_c_bold(ctx),
            ln->nsg->hdr.name, pf_c_reset(ctx));
    if (ln->vnet)
      fprintf(o, "  (vnet %s)", ln->vnet->hdr.name);
    fputc('\n', o);
    if (ln->note)
      fprintf(o, "  note: %s\n", ln->note);
    if (!ln->n)
      fputs("  no findings\n", o);
    for (j = 0; j < ln->n; j++) {
      const struct pf_lint_finding *f = &ln->f[j];
      fprintf(o, "  %s%-7s%s %-17s %-8s %5d  %s%s\n", sev_color(ctx, f->sev),
              pf_lint_sev_name(f->sev), pf_c_reset(ctx),
              pf_lint_kind_name(f->kind), dir_name(f->rule->dir),
              f->rule->priority, f->rule->name,
              f->rule->is_default ? " (default)" : "");
      fprintf(o, "      %s\n", f->message);
    }
    total += ln->n;
  }
  fprintf(o, "\n%zu NSG%s, %zu finding%s: %zu error%s, %zu warning%s, "
          "%zu info\n",
          r->n, r->n == 1 ? "" : "s", total, total == 1 ? "" : "s",
          r->by_sev[PF_LINT_ERROR], r->by_sev[PF_LINT_ERROR] == 1 ? "" : "s",
          r->by_sev[PF_LINT_WARNING],
          r->by_sev[PF_LINT_WARNING] == 1 ? "" : "s",
          r->by_sev[PF_LINT_INFO]);
  if (db)
    fprintf(o, "service tags: %s (cloud %s, changeNumber %lld)\n",
            pf_tagdb_path(db), pf_tagdb_cloud(db),
            (long long)pf_tagdb_change_number(db));
  else
    fputs("service tags: none loaded (rules using service tags are "
          "unknown)\n", o);
}

static void json_report(struct pf_ctx *ctx, const struct pf_lint_report *r,
                        const struct pf_tagdb *db)
{
  struct pf_jw jw;
  size_t i, j, k, total = 0;
  unsigned kind;

  pf_jw_init(&jw, ctx->out, 1);
  pf_jw_obj(&jw);
  pf_jw_key(&jw, "tool");
  pf_jw_obj(&jw);
  pf_jw_kstr(&jw, "name", "preflight");
  pf_jw_kstr(&jw, "version", PF_VERSION);
  pf_jw_kstr(&jw, "command", "lint");
  pf_jw_obj_end(&jw);
  pf_jw_key(&jw, "service_tags");
  if (!db) {
    pf_jw_null(&jw);
  } else {
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "cloud", pf_tagdb_cloud(db));
    pf_jw_kint(&jw, "change_number", pf_tagdb_change_number(db));
    pf_jw_obj_end(&jw);
  }
  pf_jw_key(&jw, "nsgs");
  pf_jw_arr(&jw);
  for (i = 0; i < r->n; i++) {
    const struct pf_lint_nsg *ln = &r->nsgs[i];
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "id", ln->nsg->hdr.id);
    pf_jw_kstr(&jw, "name", ln->nsg->hdr.name);
    pf_jw_kstr(&jw, "vnet", ln->vnet ? ln->vnet->hdr.id : NULL);
    pf_jw_kstr(&jw, "note", ln->note);
    pf_jw_key(&jw, "findings");
    pf_jw_arr(&jw);
    for (j = 0; j < ln->n; j++) {
      const struct pf_lint_finding *f = &ln->f[j];
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "kind", pf_lint_kind_name(f->kind));
      pf_jw_kstr(&jw, "severity", pf_lint_sev_name(f->sev));
      pf_jw_kstr(&jw, "rule", f->rule->name);
      pf_jw_kint(&jw, "priority", f->rule->priority);
      pf_jw_kstr(&jw, "direction", dir_name(f->rule->dir));
      pf_jw_kbool(&jw, "default_rule", f->rule->is_default);
      pf_jw_kstr(&jw, "message", f->message);
      pf_jw_key(&jw, "covered_by");
      pf_jw_arr(&jw);
      for (k = 0; k < f->n_covered; k++)
        pf_jw_str(&jw, f->covered_by[k]->name);
      pf_jw_arr_end(&jw);
      pf_jw_kstr(&jw, "ports", f->ports);
      pf_jw_obj_end(&jw);
    }
    pf_jw_arr_end(&jw);
    pf_jw_obj_end(&jw);
    total += ln->n;
  }
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "summary");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "nsgs", (int64_t)r->n);
  pf_jw_kint(&jw, "findings", (int64_t)total);
  pf_jw_kint(&jw, "errors", (int64_t)r->by_sev[PF_LINT_ERROR]);
  pf_jw_kint(&jw, "warnings", (int64_t)r->by_sev[PF_LINT_WARNING]);
  pf_jw_kint(&jw, "info", (int64_t)r->by_sev[PF_LINT_INFO]);
  pf_jw_key(&jw, "by_kind");
  pf_jw_obj(&jw);
  for (kind = 0; kind < PF_LINT_KIND_COUNT; kind++)
    pf_jw_kint(&jw, pf_lint_kind_name((enum pf_lint_kind)kind),
               (int64_t)r->by_kind[kind]);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_end(&jw);
}

int cmd_lint(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"fail-on", required_argument, NULL, 'F'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"service-tags", required_argument, NULL, 't'},
    PF_CLI_LOAD_OPTIONS,
    {NULL, 0, NULL, 0}
  };
  const char *tags_opt = NULL;
  enum pf_format fmt = PF_FMT_TEXT;
  enum pf_lint_sev fail_on = PF_LINT_WARNING;
  struct pf_config *cfg = NULL;
  struct pf_tagdb *db = NULL;
  struct pf_lint_report rep;
  struct pf_err err;
  int c, rc = PF_EXIT_OK;
  unsigned s;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'F':
      if (pf_lint_sev_parse(optarg, &fail_on))
        return pf_cli_usage(ctx, "lint", "unknown severity '%s' (error, "
                            "warning or info)", optarg);
      break;
    case 'f':
      if (pf_cli_format(ctx, "lint", optarg, 0, &fmt))
        return PF_EXIT_ERROR;
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case 't':
      tags_opt = optarg;
      break;
    default:
      if (pf_cli_load_option(ctx, c, optarg))   /* PF_CLI_LOAD_OPTIONS */
        break;
      return pf_cli_usage(ctx, "lint", "unknown or incomplete option '%s'",
                          argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return pf_cli_usage(ctx, "lint", "no PATH given");

  pf_err_clear(&err);
  memset(&rep, 0, sizeof(rep));
  if ((rc = pf_cli_load(ctx, argv + optind, (size_t)(argc - optind),
                         tags_opt, &cfg, &db)) != PF_EXIT_OK)
    goto done;
  pf_cli_warn_config(ctx, cfg);
  if (!cfg->n_res[PF_K_NSG])
    pf_cli_warn(ctx, "lint: no network security group among the inputs");
  if (pf_lint_config(&rep, cfg, db) != PF_OK) {
    rc = pf_cli_error(ctx, "out of memory");
    goto done;
  }
  if (fmt == PF_FMT_JSON)
    json_report(ctx, &rep, db);
  else
    text_report(ctx, &rep, db);
  for (s = fail_on; s <= PF_LINT_ERROR; s++)
    if (rep.by_sev[s])
      rc = PF_EXIT_FINDINGS;
done:
  pf_lint_report_release(&rep);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
  return rc;
}
