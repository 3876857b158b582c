/* SPDX-License-Identifier: MIT */
/* cmd_rules.c - `preflight rules`: the requirement catalogue
 *
 * `rules doc` writes docs/rules.md from the same data `check` runs, and a
 * test compares the committed page with it, so the documentation cannot
 * drift from the rules.
 */
#include <getopt.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_jw.h"
#include "../eval/pf_rules.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight rules list [--profile 2020|2023] [--format text|json]\n"
  "       preflight rules show ID\n"
  "       preflight rules doc\n"
  "       preflight rules props | selectors | path\n"
  "\n"
  "Print the requirement catalogue that `preflight check` runs: every rule\n"
  "with its requirement id, severity, source, what it applies to, its\n"
  "condition and its remediation templates.\n"
  "\n"
  "  list       one line per rule\n"
  "  show ID    everything about the rules of one requirement id\n"
  "  doc        the catalogue as Markdown (docs/rules.md is generated so)\n"
  "  props      the resource properties conditions may read\n"
  "  selectors  what a rule may apply to\n"
  "  path       the rules directory in use\n"
  "\n"
  "options:\n"
  "  --rules-dir DIR   the catalogue (default: installed, or "
  "$PREFLIGHT_RULES)\n"
  "  --profile P       list: only the rules of profile 2020 or 2023\n"
  "  --format FMT      list: text (default) or json\n"
  "  -h, --help        show this help\n"
  "\n"
  "examples:\n"
  "  preflight rules list\n"
  "  preflight rules show NSG-1\n";

static void print_cond(FILE *o, const struct pf_cond *c, int depth)
{
  size_t i;
  char ports[128], proto[32];
  fprintf(o, "%*s", depth * 2, "");
  switch (c->op) {
  case PF_COP_ALL:
  case PF_COP_ANY:
  case PF_COP_NOT:
    fprintf(o, "%s:\n", pf_cop_name(c->op));
    for (i = 0; i < c->n_kids; i++)
      print_cond(o, &c->kids[i], depth + 1);
    return;
  case PF_COP_FLOW:
    pf_portset_format(&c->ports, ports, sizeof(ports));
    pf_proto_format(c->proto, proto, sizeof(proto));
    fprintf(o, "flow %s %s from %s%s to %s%s ports %s: expect %s%s\n",
            c->dir == PF_DIR_INBOUND ? "inbound" : "outbound", proto,
            c->from.kind == PF_END_SUBNET ? "the subnet"
            : c->from.kind == PF_END_ANY  ? "*"
                                          : c->from.tag,
            c->from.regional ? ".<region>" : "",
            c->to.kind == PF_END_SUBNET ? "the subnet"
            : c->to.kind == PF_END_ANY  ? "*"
                                        : c->to.tag,
            c->to.regional ? ".<region>" : "", ports,
            pf_verdict_name(c->expect), c->nic_level ? " (NIC NSG)" : "");
    return;
  case PF_COP_ROUTE:
    fprintf(o, "route: every prefix of %s%s leaves via %s\n", c->to.tag,
            c->to.regional ? ".<region>" : "", pf_nexthop_name(c->next_hop));
    return;
  case PF_COP_INFO:
    fprintf(o, "info: %s\n", c->text);
    return;
  case PF_COP_NEEDS:
    fprintf(o, "needs: %s\n", c->text);
    return;
  default:
    break;
  }
  fprintf(o, "%s %s", c->left.s, pf_cop_name(c->op));
  if (c->right.t == PF_O_PROP || c->right.t == PF_O_STR)
    fprintf(o, " %s", c->right.s);
  else if (c->right.t == PF_O_INT)
    fprintf(o, " %lld", (long long)c->right.i);
  else if (c->right.t == PF_O_BOOL)
    fprintf(o, " %s", c->right.i ? "true" : "false");
  else if (c->right.t == PF_O_LIST) {
    fputs(" [", o);
    for (i = 0; i < c->right.n; i++)
      fprintf(o, "%s%s", i ? ", " : "", c->right.list[i]);
    fputc(']', o);
  }
  fputc('\n', o);
}

static void profiles_text(const struct pf_rule *r, char *buf, size_t cap)
{
  size_t i, used = 0;
  if (!r->n_profiles) {
    snprintf(buf, cap, "all");
    return;
  }
  buf[0] = '\0';
  for (i = 0; i < r->n_profiles; i++) {
    int w = snprintf(buf + used, cap - used, "%s%s", i ? "," : "",
                     r->profiles[i]);
    if (w < 0 || (size_t)w >= cap - used)
      break;
    used += (size_t)w;
  }
}

static void show_rule(FILE *o, const struct pf_rule *r)
{
  char prof[32];
  size_t i;
  profiles_text(r, prof, sizeof(prof));
  fprintf(o, "%s  %s\n", r->id, r->title);
  fprintf(o, "  severity:    %s\n", pf_sev_name(r->severity));
  fprintf(o, "  profiles:    %s\n", prof);
  fprintf(o, "  source:      %s\n", r->source);
  fprintf(o, "  applies to:  %s", pf_sel_name(r->applies_to));
  for (i = 0; i < r->n_compute_types; i++)
    fprintf(o, "%s%s", i ? ", " : " (", r->compute_types[i]);
  fprintf(o, "%s\n", r->n_compute_types ? ")" : "");
  if (r->why)
    fprintf(o, "  why:         %s\n", r->why);
  if (r->when) {
    fputs("  when:\n", o);
    print_cond(o, r->when, 2);
  }
  fputs("  condition:\n", o);
  print_cond(o, r->cond, 2);
  fprintf(o, "  fail:        %s\n", r->msg_fail);
  fprintf(o, "  az:          %s\n", r->fix_az);
  fprintf(o, "  bicep:       %s\n", r->fix_bicep);
  fprintf(o, "  terraform:   %s\n", r->fix_terraform);
  fprintf(o, "  defined in:  %s %s\n", r->file, r->jpath);
}

static void doc(FILE *o, const struct pf_catalogue *cat)
{
  size_t i;
  fputs("# Rule catalogue\n\n"
        "Generated by `preflight rules doc` from `rules/*.json`; a test "
        "checks this page\nagainst the catalogue. Each rule encodes one "
        "requirement of `REQUIREMENTS.md`.\n\n"
        "| id | severity | profiles | applies to | title | source |\n"
        "|---|---|---|---|---|---|\n",
        o);
  for (i = 0; i < pf_catalogue_count(cat); i++) {
    const struct pf_rule *r = pf_catalogue_at(cat, i);
    char prof[32];
    profiles_text(r, prof, sizeof(prof));
    fprintf(o, "| %s | %s | %s | %s | %s | %s |\n", r->id,
            pf_sev_name(r->severity), prof, pf_sel_name(r->applies_to),
            r->title, r->source);
  }
  fputs("\n## Details\n", o);
  for (i = 0; i < pf_catalogue_count(cat); i++) {
    fputs("\n```\n", o);
    show_rule(o, pf_catalogue_at(cat, i));
    fputs("```\n", o);
  }
}

static void prop_cb(const char *path, const char *d, void *arg)
{
  fprintf(arg, "  %-42s %s\n", path, d);
}

int cmd_rules(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"profile", required_argument, NULL, 'p'},
    {"rules-dir", required_argument, NULL, 'R'},
    {NULL, 0, NULL, 0}
  };
  const char *rules_dir = NULL, *profile = NULL, *sub;
  enum pf_format fmt = PF_FMT_TEXT;
  struct pf_catalogue *cat = NULL;
  struct pf_err err;
  char dirbuf[4096];
  size_t i;
  int c, rc = PF_EXIT_OK;
  pf_status st;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (pf_cli_format(ctx, "rules", optarg, 0, &fmt))
        return PF_EXIT_ERROR;
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case 'p': profile = optarg; break;
    case 'R': rules_dir = optarg; break;
    default:
      return pf_cli_usage(ctx, "rules", "unknown or incomplete option '%s'",
                          argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return pf_cli_usage(ctx, "rules", "no subcommand given (list, show, "
                        "doc, props or selectors)");
  sub = argv[optind];
  if (!strcmp(sub, "props")) {
    pf_prop_each(prop_cb, ctx->out);
    return PF_EXIT_OK;
  }
  if (!strcmp(sub, "path")) {
    fprintf(ctx->out, "%s\n",
            pf_rules_dir(rules_dir, argv[0], dirbuf, sizeof(dirbuf)));
    return PF_EXIT_OK;
  }
  if (!strcmp(sub, "selectors")) {
    for (i = 0; i < PF_SEL_COUNT; i++)
      fprintf(ctx->out, "  %-20s %s\n", pf_sel_name((enum pf_sel)i),
              pf_sel_doc((enum pf_sel)i));
    return PF_EXIT_OK;
  }
  if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "doc"))
    return pf_cli_usage(ctx, "rules", "unknown subcommand '%s'", sub);
  if (!strcmp(sub, "show") && optind + 1 >= argc)
    return pf_cli_usage(ctx, "rules", "show needs a rule ID");
  pf_err_clear(&err);
  st = pf_catalogue_load(&cat, pf_rules_dir(rules_dir, argv[0], dirbuf,
                                            sizeof(dirbuf)),
                         &err);
  if (st != PF_OK)
    return pf_cli_fail(ctx, st, &err);
  if (!strcmp(sub, "doc")) {
    doc(ctx->out, cat);
  } else if (!strcmp(sub, "show")) {
    int found = 0;
    for (i = 0; i < pf_catalogue_count(cat); i++) {
      const struct pf_rule *r = pf_catalogue_at(cat, i);
      if (strcasecmp(r->id, argv[optind + 1]))
        continue;
      if (found++)
        fputc('\n', ctx->out);
      show_rule(ctx->out, r);
    }
    if (!found)
      rc = pf_cli_error(ctx, "rules: no rule '%s' (see 'preflight rules "
                        "list')", argv[optind + 1]);
  } else if (fmt == PF_FMT_JSON) {
    struct pf_jw jw;
    pf_jw_init(&jw, ctx->out, 1);
    pf_jw_arr(&jw);
    for (i = 0; i < pf_catalogue_count(cat); i++) {
      const struct pf_rule *r = pf_catalogue_at(cat, i);
      size_t k;
      if (profile && !pf_rule_in_profile(r, profile))
        continue;
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "id", r->id);
      pf_jw_kstr(&jw, "title", r->title);
      pf_jw_kstr(&jw, "severity", pf_sev_name(r->severity));
      pf_jw_key(&jw, "profiles");
      pf_jw_arr(&jw);
      for (k = 0; k < r->n_profiles; k++)
        pf_jw_str(&jw, r->profiles[k]);
      pf_jw_arr_end(&jw);
      pf_jw_kstr(&jw, "applies_to", pf_sel_name(r->applies_to));
      pf_jw_kstr(&jw, "source", r->source);
      pf_jw_obj_end(&jw);
    }
    pf_jw_arr_end(&jw);
    pf_jw_end(&jw);
  } else {
    for (i = 0; i < pf_catalogue_count(cat); i++) {
      const struct pf_rule *r = pf_catalogue_at(cat, i);
      char prof[32];
      if (profile && !pf_rule_in_profile(r, profile))
        continue;
      profiles_text(r, prof, sizeof(prof));
      fprintf(ctx->out, "%-7s %-8s %-10s %s\n", r->id,
              pf_sev_name(r->severity), prof, r->title);
    }
  }
  pf_catalogue_destroy(cat);
  return rc;
}
