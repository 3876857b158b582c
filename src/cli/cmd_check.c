/* SPDX-License-Identifier: MIT */
/* cmd_check.c - `preflight check`: every requirement against the
 * configuration, with evidence and a ready fix
 *
 * JSON output schema: docs/check-json.md.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_jw.h"
#include "../core/pf_mem.h"
#include "../eval/pf_check.h"
#include "../load/pf_fetch.h"
#include "../load/pf_load.h"
#include "../../reports/report.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight check PATH... [--service-tags FILE] [--profile 2020|2023]\n"
  "                       [--format text|json|markdown|html|sarif|junit]\n"
  "                       [--fail-on error|warning|info|never]\n"
  "                       [--rules ID,...] [--rules-dir DIR]\n"
  "                       [--baseline FILE] [--client-ip IP]\n"
  "       preflight check --live --subscription ID [--resource-group RG]...\n"
  "                       [--token-file FILE | --managed-identity]\n"
  "                       [--endpoint URL] [--ca-file FILE] [PATH...]\n"
  "\n"
  "Check an Azure Machine Learning network design against every documented\n"
  "requirement (REQUIREMENTS.md: storage, key vault and registry firewalls,\n"
  "required ports, limited outbound, forced tunnelling, AKS, ACI, ...).\n"
  "Each result is pass, fail or unknown (an input is missing: the message\n"
  "says what to add), with evidence; failures come with the fix as az CLI,\n"
  "Bicep and Terraform.\n"
  "\n"
  "options:\n"
  "  --service-tags FILE  service tag file (default $PREFLIGHT_SERVICE_TAGS,\n"
  "                       or a tag file among the inputs)\n"
  "  --profile P          2020: the requirements of the source articles\n"
  "                       (default); 2023: current documentation (outbound\n"
  "                       443/8787/18881 and UDP 5831 to AzureMachineLearning,\n"
  "                       no inbound rules for no-public-IP compute)\n"
  "  --format FMT         text (default), json, markdown (PR comment,\n"
  "                       ticket), html (one self-contained page), sarif\n"
  "                       (code scanning) or junit (CI test reporters)\n"
  "  --baseline FILE      suppressions (default .preflight-ignore if any):\n"
  "                       'RULE RESOURCE [expires=YYYY-MM-DD] justification'\n"
  "                       lines or JSON; suppressed results stay listed as\n"
  "                       suppressed and do not fail the run\n"
  "  --fail-on SEV        exit 1 when a failing result is at or above SEV\n"
  "                       (default error; never: always exit 0)\n"
  "  --rules ID,...       run only these rules\n"
  "  --client-ip IP       the address SDK clients outside the network use\n"
  "                       (ST-3: it must be in the storage firewall)\n"
  "  --rules-dir DIR      the rule catalogue (default: installed, or "
  "$PREFLIGHT_RULES)\n"
  PF_CLI_LOAD_USAGE
  "  --live               fetch from Azure Resource Manager into a temporary\n"
  "                       directory first, then check it (with any PATH):\n"
  "                       --subscription and --resource-group (-g,\n"
  "                       repeatable) name what is fetched; the fetch\n"
  "                       options --token-file, --managed-identity,\n"
  "                       --endpoint, --ca-file, --timeout, --max-pages,\n"
  "                       --max-retries, --max-wait, --no-follow and\n"
  "                       --max-refs are those of 'fetch --help'\n"
  "  -h, --help           show this help\n"
  "\n"
  "examples:\n"
  "  preflight check examples/contoso-westeurope\n"
  "  preflight check ./exported --service-tags ServiceTags_Public_20251028.json "
  "--format json\n"
  "  preflight check ./exported --rules NSG-1,UDR-1 --fail-on warning\n";

static int sev_rank(const char *s)
{
  if (!strcmp(s, "info")) return 0;
  if (!strcmp(s, "warning")) return 1;
  if (!strcmp(s, "error")) return 2;
  if (!strcmp(s, "never")) return 3;
  return -1;
}

static int cmp_results(const void *a, const void *b)
{
  const struct pf_result *x = a, *y = b;
  int c;
  const char *ix = x->resource_id ? x->resource_id : "";
  const char *iy = y->resource_id ? y->resource_id : "";
  c = strcasecmp(ix, iy);
  if (c)
    return c;
  /* failures first, then unknown, then pass; severe first */
  if (x->status != y->status) {
    static const int order[] = {2, 0, 1};   /* pass, fail, unknown */
    return order[x->status] - order[y->status];
  }
  if (x->rule->severity != y->rule->severity)
    return (int)y->rule->severity - (int)x->rule->severity;
  return strcmp(x->rule->id, y->rule->id);
}

static void summary(const struct pf_results *rs, size_t fail[3],
                    size_t *pass, size_t *unknown)
{
  size_t i;
  fail[0] = fail[1] = fail[2] = 0;
  *pass = *unknown = 0;
  for (i = 0; i < rs->n; i++) {
    if (rs->r[i].status == PF_RS_FAIL)
      fail[rs->r[i].rule->severity]++;
    else if (rs->r[i].status == PF_RS_PASS)
      (*pass)++;
    else
      (*unknown)++;
  }
}

static void write_json(struct pf_ctx *ctx, const struct pf_config *cfg,
                       const struct pf_tagdb *db, const char *profile,
                       const struct pf_results *rs,
                       const struct pf_baseline *bl, const int *supp)
{
  struct pf_jw jw;
  size_t i, fail[3], pass, unknown;

  pf_jw_init(&jw, ctx->out, 1);
  pf_jw_obj(&jw);
  pf_cli_jw_tool(&jw);
  pf_jw_kstr(&jw, "profile", profile);
  pf_jw_key(&jw, "service_tags");
  if (db) {
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "path", pf_tagdb_path(db));
    pf_jw_kstr(&jw, "cloud", pf_tagdb_cloud(db));
    pf_jw_kint(&jw, "change_number", pf_tagdb_change_number(db));
    pf_jw_obj_end(&jw);
  } else {
    pf_jw_null(&jw);
  }
  pf_jw_key(&jw, "inputs");
  pf_jw_arr(&jw);
  for (i = 0; i < cfg->n_inputs; i++)
    pf_jw_str(&jw, cfg->inputs[i].path);
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "results");
  pf_jw_arr(&jw);
  for (i = 0; i < rs->n; i++) {
    const struct pf_result *r = &rs->r[i];
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "rule", r->rule->id);
    pf_jw_kstr(&jw, "severity", pf_sev_name(r->rule->severity));
    pf_jw_kstr(&jw, "status", pf_rstatus_name(r->status));
    pf_jw_kstr(&jw, "resource", r->resource_id);
    pf_jw_kstr(&jw, "resource_kind", r->resource_kind);
    pf_jw_kstr(&jw, "resource_name", r->resource_name);
    pf_jw_kstr(&jw, "title", r->rule->title);
    pf_jw_kstr(&jw, "message", r->message);
    pf_jw_key(&jw, "evidence");
    pf_jw_obj(&jw);
    pf_jw_key(&jw, "checks");
    /* pre-rendered compact JSON array from the evaluator */
    pf_jw_raw(&jw, r->evidence_json);
    pf_jw_obj_end(&jw);
    pf_jw_key(&jw, "remediation");
    if (r->status == PF_RS_FAIL) {
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "az", r->fix_az);
      pf_jw_kstr(&jw, "bicep", r->fix_bicep);
      pf_jw_kstr(&jw, "terraform", r->fix_terraform);
      pf_jw_obj_end(&jw);
    } else {
      pf_jw_null(&jw);
    }
    pf_jw_kstr(&jw, "source", r->rule->source);
    if (supp && supp[i] >= 0) {
      const char *exp = pf_baseline_expires(bl, supp[i]);
      pf_jw_key(&jw, "suppressed");
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "justification", pf_baseline_reason(bl, supp[i]));
      pf_jw_kstr(&jw, "expires", *exp ? exp : NULL);
      pf_jw_obj_end(&jw);
    }
    pf_jw_obj_end(&jw);
  }
  pf_jw_arr_end(&jw);
  summary(rs, fail, &pass, &unknown);
  pf_jw_key(&jw, "summary");
  pf_jw_obj(&jw);
  pf_jw_key(&jw, "fail");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "error", (int64_t)fail[PF_SEV_ERROR]);
  pf_jw_kint(&jw, "warning", (int64_t)fail[PF_SEV_WARNING]);
  pf_jw_kint(&jw, "info", (int64_t)fail[PF_SEV_INFO]);
  pf_jw_obj_end(&jw);
  pf_jw_kint(&jw, "pass", (int64_t)pass);
  pf_jw_kint(&jw, "unknown", (int64_t)unknown);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_end(&jw);
}

/* Print \p text line by line; the first line follows what is already on
 * the line, the others get \p prefix. */
static void indent_lines(FILE *o, const char *prefix, const char *text)
{
  const char *p = text;
  int first = 1;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    fprintf(o, "%s%.*s\n", first ? "" : prefix, (int)n, p);
    first = 0;
    if (!nl)
      break;
    p = nl + 1;
  }
}

static void write_text(struct pf_ctx *ctx, const struct pf_tagdb *db,
                       const char *profile, const struct pf_results *rs,
                       const struct pf_baseline *bl, const int *supp)
{
  FILE *o = ctx->out;
  size_t i, fail[3], pass, unknown;
  const char *cur = NULL;

  for (i = 0; i < rs->n; i++) {
    const struct pf_result *r = &rs->r[i];
    const char *col = r->status == PF_RS_PASS   ? pf_c_green(ctx)
                      : r->status == PF_RS_FAIL ? (r->rule->severity ==
                                                           PF_SEV_ERROR
                                                       ? pf_c_red(ctx)
                                                       : pf_c_yellow(ctx))
                                                : pf_c_yellow(ctx);
    /* --quiet: only what needs attention, and the summary (issue 10) */
    if (ctx->quiet && r->status == PF_RS_PASS)
      continue;
    if (!cur || strcasecmp(cur, r->resource_id ? r->resource_id : "")) {
      const char *prev = cur;
      cur = r->resource_id ? r->resource_id : "";
      fprintf(o, "%s%s%s %s%s\n", prev ? "\n" : "", pf_c_bold(ctx),
              r->resource_kind, r->resource_name ? r->resource_name : cur,
              pf_c_reset(ctx));
    }
    fprintf(o, "  %s%-7s%s %-6s %-7s %s\n", col,
            r->status == PF_RS_PASS   ? "pass"
            : r->status == PF_RS_FAIL ? "FAIL"
                                      : "unknown",
            pf_c_reset(ctx), r->rule->id, pf_sev_name(r->rule->severity),
            r->message);
    if ((r->status != PF_RS_PASS || ctx->verbose > 0) &&
        *r->evidence_text) {
      fputs("                         ", o);
      indent_lines(o, "                         ", r->evidence_text);
    }
    if (supp && supp[i] >= 0)
      fprintf(o, "                         suppressed: %s%s%s%s\n",
              pf_baseline_reason(bl, supp[i]),
              *pf_baseline_expires(bl, supp[i]) ? " (until " : "",
              pf_baseline_expires(bl, supp[i]),
              *pf_baseline_expires(bl, supp[i]) ? ")" : "");
    if (r->status == PF_RS_FAIL) {
      fprintf(o, "                         fix: ");
      indent_lines(o, "                              ", r->fix_az);
    }
  }
  summary(rs, fail, &pass, &unknown);
  fprintf(o, "\n%s%zu failed%s (%zu error, %zu warning, %zu info), %zu "
          "passed, %zu unknown; profile %s",
          fail[0] + fail[1] + fail[2] ? pf_c_red(ctx) : pf_c_green(ctx),
          fail[0] + fail[1] + fail[2], pf_c_reset(ctx), fail[PF_SEV_ERROR],
          fail[PF_SEV_WARNING], fail[PF_SEV_INFO], pass, unknown, profile);
  if (db)
    fprintf(o, "; service tags %s (cloud %s, changeNumber %lld)",
            pf_tagdb_path(db), pf_tagdb_cloud(db),
            (long long)pf_tagdb_change_number(db));
  else
    fputs("; no service tag file", o);
  fputc('\n', o);
}

static void warn_stale(void *arg, const char *msg)
{
  pf_cli_warn(arg, "%s", msg);
}

/* --format through a report writer (reports/): markdown, html, sarif,
 * junit. */
static int write_report(struct pf_ctx *ctx,
                        const struct pf_report_ops *writer,
                        const struct pf_config *cfg,
                        const struct pf_tagdb *db,
                        const struct pf_catalogue *cat, const char *profile,
                        const struct pf_results *rs,
                        const struct pf_baseline *bl, const int *supp,
                        const char *today)
{
  struct pf_report rep;
  pf_status st;
  pf_report_init(&rep);
  st = pf_report_add_results(&rep, cfg, db, profile, rs);
  pf_report_use_catalogue(&rep, cat);
  if (st == PF_OK && bl)
    st = pf_report_apply_matches(&rep, bl, supp, today);
  if (st == PF_OK)
    st = writer->write(&rep, ctx->out);
  pf_report_release(&rep);
  if (st != PF_OK)
    return pf_cli_error(ctx, "check: %s report: %s", writer->name,
                        pf_strerror(st));
  return PF_EXIT_OK;
}

int cmd_check(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"baseline", required_argument, NULL, 'b'},
    {"live", no_argument, NULL, 'L'},
    PF_CLI_LIVE_OPTIONS,
    {"client-ip", required_argument, NULL, 'c'},
    {"fail-on", required_argument, NULL, 'x'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"profile", required_argument, NULL, 'p'},
    {"rules", required_argument, NULL, 'r'},
    {"rules-dir", required_argument, NULL, 'R'},
    {"service-tags", required_argument, NULL, 't'},
    PF_CLI_LOAD_OPTIONS,
    {NULL, 0, NULL, 0}
  };
  const char *tags_opt = NULL, *profile = "2020";
  const char *rules_opt = NULL, *rules_dir = NULL, *fail_on = "error";
  const char *client_ip = NULL, *baseline_opt = NULL, *bl_path;
  const struct pf_report_ops *writer = NULL;
  struct pf_baseline *bl = NULL;
  int *supp = NULL;
  char dirbuf[4096], today[11];
  enum pf_format fmt = PF_FMT_TEXT;
  struct pf_config *cfg = NULL;
  struct pf_tagdb *db = NULL;
  struct pf_catalogue *cat = NULL;
  struct pf_results rs;
  struct pf_check_opts copts;
  struct pf_err err;
  char *only_buf = NULL;
  const char **only = NULL;
  size_t n_only = 0, i;
  int c, rc = PF_EXIT_OK, threshold, live = 0, live_opt = 0;
  struct pf_cli_live lo;
  char live_dir[4096] = "";
  char **paths = NULL;
  size_t n_paths;
  pf_status st;

  memset(&rs, 0, sizeof(rs));
  pf_cli_live_init(&lo);
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "hg:", opts, NULL)) != -1) {
    if (c == 'g')
      c = PF_CLI_OPT_RESOURCE_GROUP;
    switch (c) {
    case 'b': baseline_opt = optarg; break;
    case 'c': client_ip = optarg; break;
    case 'x': fail_on = optarg; break;
    case 'f':
      writer = pf_report_ops_find(optarg);
      if (!writer && strcmp(optarg, "text") && strcmp(optarg, "json"))
        return pf_cli_usage(ctx, "check", "unknown format '%s' (expected "
                            "text, json, %s)", optarg,
                            pf_report_ops_names());
      if (!writer && pf_cli_format(ctx, "check", optarg, 0, &fmt))
        return PF_EXIT_ERROR;
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case 'p': profile = optarg; break;
    case 'r': rules_opt = optarg; break;
    case 'R': rules_dir = optarg; break;
    case 't': tags_opt = optarg; break;
    case 'L': live = 1; break;
    case PF_CLI_OPT_SUBSCRIPTION:
    case PF_CLI_OPT_RESOURCE_GROUP:
      /* the scope of a template's ids and, with --live, what is fetched */
      if ((rc = pf_cli_live_opt(ctx, "check", &lo,
                                c == PF_CLI_OPT_SUBSCRIPTION ? PF_LIVE_SUB
                                                             : PF_LIVE_GROUP,
                                optarg)) != PF_EXIT_OK)
        return rc;
      pf_cli_load_option(ctx, c, optarg);
      break;
    case PF_CLI_OPT_PARAMETERS:
    case PF_CLI_OPT_LOCATION:
      pf_cli_load_option(ctx, c, optarg);
      break;
    default:
      if (c >= PF_LIVE_SUB && c <= PF_LIVE_LAST) {
        if (c == PF_LIVE_TOKEN_FILE &&
            !pf_cli_live_token_file_spelled(argv, optind))
          return pf_cli_usage(ctx, "check", "write --token-file in full");
        if ((rc = pf_cli_live_opt(ctx, "check", &lo, c, optarg)) !=
            PF_EXIT_OK)
          return rc;
        live_opt = 1;
        break;
      }
      return pf_cli_live_bad_opt(ctx, "check", argv[optind - 1]);
    }
  }
  if (optind >= argc && !live)
    return pf_cli_usage(ctx, "check", "no PATH given");
  if (live_opt && !live)
    return pf_cli_usage(ctx, "check", "--token-file, --endpoint and the "
                        "other fetch options need --live");
  if (strcmp(profile, "2020") && strcmp(profile, "2023"))
    return pf_cli_usage(ctx, "check", "unknown profile '%s' (2020 or 2023)",
                        profile);
  threshold = sev_rank(fail_on);
  if (threshold < 0)
    return pf_cli_usage(ctx, "check", "unknown --fail-on '%s' (error, "
                        "warning, info or never)", fail_on);
  pf_err_clear(&err);
  st = pf_catalogue_load(&cat, pf_rules_dir(rules_dir, argv[0], dirbuf,
                                            sizeof(dirbuf)),
                         &err);
  if (st != PF_OK) {
    rc = pf_cli_fail(ctx, st, &err);
    goto done;
  }
  if (rules_opt && (rc = pf_cli_rule_ids(ctx, "check", cat, rules_opt,
                                          &only_buf, &only, &n_only)) !=
                       PF_EXIT_OK)
    goto done;
  /* --live: fetch into a private temporary directory, checked with the
   * PATHs (docs/fetch.md "check --live") */
  n_paths = (size_t)(argc - optind);
  if (!(paths = pf_calloc(n_paths + 1, sizeof(*paths)))) {
    rc = pf_cli_error(ctx, "out of memory");
    goto done;
  }
  for (i = 0; i < n_paths; i++)
    paths[i] = argv[optind + (int)i];
  if (live) {
    const char *tmp = getenv("TMPDIR");
    snprintf(live_dir, sizeof(live_dir), "%s/preflight-live-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(live_dir)) {
      rc = pf_cli_error(ctx, "check: %s: cannot create a temporary "
                        "directory", live_dir);
      live_dir[0] = '\0';
      goto done;
    }
    if ((rc = pf_cli_live_fetch(ctx, "check", &lo, live_dir)) != PF_EXIT_OK)
      goto done;
    paths[n_paths++] = live_dir;
  }
  if ((rc = pf_cli_load(ctx, paths, n_paths, tags_opt, &cfg, &db)) !=
      PF_EXIT_OK)
    goto done;
  pf_cli_warn_config(ctx, cfg);
  /* nothing to evaluate is not a clean bill of health: every rule would
   * be silent and the run would exit 0 */
  {
    size_t n_res = 0;
    unsigned k;
    for (k = 0; k < PF_K_COUNT; k++)
      n_res += cfg->n_res[k];
    if (n_res == 0) {
      rc = pf_cli_error(ctx, "check: no Azure resource configuration was "
                        "loaded from the inputs (see the warnings above, or "
                        "'preflight inventory PATH')");
      goto done;
    }
  }
  if (client_ip) {
    struct pf_prefix cp;
    if (pf_prefix_parse(client_ip, strlen(client_ip), 1, &cp, &err) !=
        PF_OK) {
      rc = pf_cli_usage(ctx, "check", "--client-ip: %s", err.msg);
      goto done;
    }
    cfg->client_ip = client_ip;
  }
  memset(&copts, 0, sizeof(copts));
  copts.profile = profile;
  copts.only = only;
  copts.n_only = n_only;
  if ((st = pf_check_run(cat, cfg, db, &copts, &rs)) != PF_OK) {
    rc = pf_cli_error(ctx, "check: %s", pf_strerror(st));
    goto done;
  }
  if (rs.n)
    qsort(rs.r, rs.n, sizeof(*rs.r), cmp_results);
  pf_report_today(today);
  if ((bl_path = pf_baseline_path(baseline_opt))) {
    if ((st = pf_baseline_load(&bl, bl_path, &err)) != PF_OK) {
      rc = pf_cli_fail(ctx, st, &err);
      goto done;
    }
    if (!(supp = pf_calloc(rs.n ? rs.n : 1, sizeof(*supp)))) {
      rc = pf_cli_error(ctx, "out of memory");
      goto done;
    }
    for (i = 0; i < rs.n; i++)
      supp[i] = rs.r[i].status == PF_RS_PASS
                    ? -1
                    : pf_baseline_match(bl, rs.r[i].rule->id,
                                        rs.r[i].resource_id,
                                        rs.r[i].resource_name, today);
    pf_baseline_each_stale(bl, today, warn_stale, ctx);
  }
  if (writer) {
    if ((rc = write_report(ctx, writer, cfg, db, cat, profile, &rs, bl,
                           supp, today)) != PF_EXIT_OK)
      goto done;
  } else if (fmt == PF_FMT_JSON) {
    write_json(ctx, cfg, db, profile, &rs, bl, supp);
  } else {
    write_text(ctx, db, profile, &rs, bl, supp);
  }
  rc = PF_EXIT_OK;
  for (i = 0; i < rs.n; i++)
    if (rs.r[i].status == PF_RS_FAIL && !(supp && supp[i] >= 0) &&
        (int)rs.r[i].rule->severity >= threshold)
      rc = PF_EXIT_FINDINGS;
done:
  if (live_dir[0])
    pf_fetch_remove(live_dir);
  pf_free(paths);
  pf_free(supp);
  pf_baseline_destroy(bl);
  pf_results_release(&rs);
  pf_free(only);
  pf_free(only_buf);
  pf_catalogue_destroy(cat);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
  return rc;
}
