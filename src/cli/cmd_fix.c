/* SPDX-License-Identifier: MIT */
/* cmd_fix.c - `preflight fix`: the failing results' az CLI fixes as one
 * shell script to review, never run by the tool
 *
 * The script is ordered by requirement (the catalogue's order), each fix
 * once however many results it repairs, with the results it repairs named
 * above it.  Commands that create a rule, route or endpoint are guarded by
 * the matching `show` so the script can run twice; NSG priorities already
 * taken (by the NSG or an earlier command of the script) are moved to the
 * next free one; a command that still holds a <placeholder> is left
 * commented out for the reviewer to complete.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../reports/report.h"
#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"
#include "../eval/pf_check.h"
#include "../load/pf_load.h"
#include "pf_cli.h"
#include "pf_version.h"

static const char usage_text[] =
  "usage: preflight fix PATH... [--format script] [--service-tags FILE]\n"
  "                     [--profile 2020|2023] [--rules ID,...] "
  "[--rules-dir DIR]\n"
  "                     [--baseline FILE]\n"
  "\n"
  "Check the configuration like 'preflight check' and write the az CLI\n"
  "fixes of every failing result as one bash script (set -euo pipefail),\n"
  "ordered by requirement, each fix once.  Creations are guarded by the\n"
  "matching 'show' so the script can run twice; NSG priorities that are\n"
  "taken are moved to the next free one; commands that still need a value\n"
  "(<placeholder>) are left commented out.  preflight never runs the\n"
  "script: review it, then run it yourself.\n"
  "\n"
  "options:\n"
  "  --format script      the only format (default)\n"
  "  --service-tags FILE  service tag file (as for check)\n"
  "  --profile P          2020 (default) or 2023\n"
  "  --rules ID,...       fix only these rules\n"
  "  --rules-dir DIR      the rule catalogue\n"
  "  --baseline FILE      suppressed results are not fixed (default\n"
  "                       .preflight-ignore when present)\n"
  PF_CLI_LOAD_USAGE
  "  -h, --help           show this help\n"
  "\n"
  "examples:\n"
  "  preflight fix examples/contoso-westeurope > fix.sh\n"
  "  preflight fix ./exported --rules NSG-1,UDR-1 > fix-ports.sh\n";

/* NSG priorities in use: the loaded NSGs' and the script's own. */
struct prio {
  char *key;            /* "rg/nsg/direction", lower case */
  int p;
};

struct prios {
  struct prio *v;
  size_t n, cap;
};

static void lower(char *s)
{
  for (; *s; s++)
    *s = (char)tolower((unsigned char)*s);
}

static char *prio_key(const char *rg, const char *nsg, const char *dir)
{
  size_t n = strlen(rg) + strlen(nsg) + strlen(dir) + 3;
  char *k = pf_malloc(n);
  if (k) {
    snprintf(k, n, "%s/%s/%s", rg, nsg, dir);
    lower(k);
  }
  return k;
}

static int prio_used(const struct prios *ps, const char *key, int p)
{
  size_t i;
  for (i = 0; i < ps->n; i++)
    if (ps->v[i].p == p && !strcmp(ps->v[i].key, key))
      return 1;
  return 0;
}

static pf_status prio_add(struct prios *ps, const char *rg, const char *nsg,
                          const char *dir, int p)
{
  char *k = prio_key(rg, nsg, dir);
  if (!k || PF_GROW(ps->v, ps->cap, ps->n + 1)) {
    pf_free(k);
    return PF_ENOMEM;
  }
  ps->v[ps->n].key = k;
  ps->v[ps->n++].p = p;
  return PF_OK;
}

static void prios_release(struct prios *ps)
{
  size_t i;
  for (i = 0; i < ps->n; i++)
    pf_free(ps->v[i].key);
  pf_free(ps->v);
}

static pf_status prios_from_config(struct prios *ps,
                                   const struct pf_config *cfg)
{
  size_t i, k;
  for (i = 0; i < cfg->n_res[PF_K_NSG]; i++) {
    const struct pf_nsg *g = (const struct pf_nsg *)cfg->res[PF_K_NSG][i];
    for (k = 0; k < g->n_rules; k++) {
      const struct pf_nsg_rule *r = &g->rules[k];
      if (r->is_default)
        continue;
      if (prio_add(ps, g->hdr.resource_group ? g->hdr.resource_group : "",
                   g->hdr.name ? g->hdr.name : "",
                   r->dir == PF_DIR_INBOUND ? "inbound" : "outbound",
                   r->priority) != PF_OK)
        return PF_ENOMEM;
    }
  }
  return PF_OK;
}

/* The value after option \p a or \p b in a command line, copied. */
static int opt_value(const char *line, const char *a, const char *b,
                     char *out, size_t cap)
{
  const char *p = line;
  while ((p = strstr(p, " -")) != NULL) {
    const char *o = p + 1, *v, *e;
    size_t n = strcspn(o, " ");
    p = o + n;
    if (!((strlen(a) == n && !strncmp(o, a, n)) ||
          (b && strlen(b) == n && !strncmp(o, b, n))))
      continue;
    v = o + n;
    while (*v == ' ')
      v++;
    e = v + strcspn(v, " ");
    if ((size_t)(e - v) >= cap)
      return 0;
    memcpy(out, v, (size_t)(e - v));
    out[e - v] = '\0';
    return e > v;
  }
  return 0;
}

struct script {
  FILE *o;
  struct prios prios;
  size_t n_cmds, n_todo, n_moved;
  int rg_placeholder;             /* pf_config.rg_placeholder */
};

/* Why \p line names no real resource: a template's scope placeholder
 * (docs/templates.md "Placeholders") or a Terraform name known only after
 * apply ("{azurerm_x.y.name}", docs/terraform.md); NULL when it does.  Such
 * a command would act on a group or resource that is not the one meant. */
static const char *placeholder_in(const struct script *sc, const char *line)
{
  char rg[256];
  if (strstr(line, PF_PLACEHOLDER_LOCATION))
    return "the location is a placeholder (give --location)";
  if (strstr(line, PF_PLACEHOLDER_SUBSCRIPTION))
    return "the subscription is a placeholder (give --subscription)";
  if (strstr(line, "{azurerm_") || strstr(line, "{module."))
    return "a name is known only after apply";
  if (sc->rg_placeholder &&
      ((opt_value(line, "-g", "--resource-group", rg, sizeof(rg)) &&
        !strcmp(rg, PF_PLACEHOLDER_RESOURCE_GROUP)) ||
       strstr(line, "/resourceGroups/" PF_PLACEHOLDER_RESOURCE_GROUP "/")))
    return "the resource group is a placeholder (give --resource-group)";
  return NULL;
}

/* One command line of a fix: guarded, renumbered or left for review. */
static pf_status emit_command(struct script *sc, const char *line)
{
  char rg[256], name[256], parent[256], dir[32], pr[32];
  struct pf_strbuf sb;
  const char *guard = NULL;
  pf_status st = PF_OK;
  const char *why = placeholder_in(sc, line);

  if (why) {
    fprintf(sc->o, "# EDIT: %s: fill in the real value, then uncomment:\n"
            "# %s\n", why, line);
    sc->n_todo++;
    return PF_OK;
  }
  if (strchr(line, '<')) {
    fprintf(sc->o, "# EDIT: fill in the <...> values, then uncomment:\n"
            "# %s\n", line);
    sc->n_todo++;
    return PF_OK;
  }
  pf_strbuf_init(&sb, 1 << 16);
  pf_strbuf_adds(&sb, line);
  if (!strncmp(line, "az network nsg rule create ", 27) &&
      opt_value(line, "-g", "--resource-group", rg, sizeof(rg)) &&
      opt_value(line, "--nsg-name", NULL, parent, sizeof(parent)) &&
      opt_value(line, "-n", "--name", name, sizeof(name))) {
    guard = "az network nsg rule show";
    if (opt_value(line, "--priority", NULL, pr, sizeof(pr)) &&
        opt_value(line, "--direction", NULL, dir, sizeof(dir))) {
      char *key = prio_key(rg, parent, dir);
      int p = atoi(pr), q = p;
      if (!key)
        return PF_ENOMEM;
      while (q > 100 && prio_used(&sc->prios, key, q))
        q--;
      pf_free(key);
      if (q != p && q >= 100) {
        char from[48], to[48];
        const char *at;
        snprintf(from, sizeof(from), "--priority %d", p);
        snprintf(to, sizeof(to), "--priority %d", q);
        at = strstr(line, from);
        if (at) {
          pf_strbuf_reset(&sb);
          pf_strbuf_addn(&sb, line, (size_t)(at - line));
          pf_strbuf_adds(&sb, to);
          pf_strbuf_adds(&sb, at + strlen(from));
          fprintf(sc->o, "# priority %d is taken in NSG %s (%s): moved to "
                  "%d, still before the rule it must precede\n", p, parent,
                  dir, q);
          sc->n_moved++;
        }
      }
      st = prio_add(&sc->prios, rg, parent, dir, q);
    }
    fprintf(sc->o, "%s -g %s --nsg-name %s -n %s --output none 2>/dev/null "
            "||\n  ", guard, rg, parent, name);
  } else if (!strncmp(line, "az network route-table route create ", 36) &&
             opt_value(line, "-g", "--resource-group", rg, sizeof(rg)) &&
             opt_value(line, "--route-table-name", NULL, parent,
                       sizeof(parent)) &&
             opt_value(line, "-n", "--name", name, sizeof(name))) {
    fprintf(sc->o, "az network route-table route show -g %s "
            "--route-table-name %s -n %s --output none 2>/dev/null ||\n  ",
            rg, parent, name);
  } else if (!strncmp(line, "az network private-endpoint create ", 35) &&
             opt_value(line, "-g", "--resource-group", rg, sizeof(rg)) &&
             opt_value(line, "-n", "--name", name, sizeof(name))) {
    fprintf(sc->o, "az network private-endpoint show -g %s -n %s --output "
            "none 2>/dev/null ||\n  ", rg, name);
  }
  fprintf(sc->o, "%s\n", pf_strbuf_str(&sb));
  pf_strbuf_release(&sb);
  sc->n_cmds++;
  return st;
}

static pf_status emit_fix(struct script *sc, const char *fix)
{
  const char *p = fix;
  pf_status st = PF_OK;
  char *line;
  while (*p && st == PF_OK) {
    size_t n = strcspn(p, "\n");
    const char *q = p;
    while (*q == ' ' && q < p + n)
      q++;
    if (!(line = pf_strndup(p, n)))
      return PF_ENOMEM;
    if (*q == '#' || q == p + n)
      fprintf(sc->o, "%s\n", line);
    else
      st = emit_command(sc, line);
    pf_free(line);
    p += n;
    if (*p == '\n')
      p++;
  }
  return st;
}

struct fixref {
  const struct pf_finding *f;
};

static int cmp_fix(const void *a, const void *b)
{
  const struct pf_finding *x = ((const struct fixref *)a)->f;
  const struct pf_finding *y = ((const struct fixref *)b)->f;
  int c;
  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  if ((c = strcmp(x->rule, y->rule)))
    return c;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static pf_status write_script(const struct pf_report *rep,
                              const struct pf_config *cfg, FILE *o)
{
  struct script sc;
  struct fixref *v;
  size_t n = 0, i, k;
  pf_status st = PF_OK;

  memset(&sc, 0, sizeof(sc));
  sc.o = o;
  sc.rg_placeholder = cfg->rg_placeholder;
  if (!(v = pf_calloc(rep->n ? rep->n : 1, sizeof(*v))))
    return PF_ENOMEM;
  for (i = 0; i < rep->n; i++)
    if (rep->f[i].status == PF_RS_FAIL && !rep->f[i].suppressed &&
        rep->f[i].fix_az)
      v[n++].f = &rep->f[i];
  if (n > 1)
    qsort(v, n, sizeof(*v), cmp_fix);
  if ((st = prios_from_config(&sc.prios, cfg)) != PF_OK)
    goto out;
  fprintf(o, "#!/usr/bin/env bash\n"
          "# Generated by preflight %s ('preflight fix'): the az CLI fixes "
          "of %zu failing\n"
          "# result%s, ordered by requirement.\n"
          "#\n"
          "# REVIEW EVERY COMMAND BEFORE YOU RUN THIS SCRIPT.  preflight "
          "never runs it.\n"
          "# It changes Azure resources; it assumes 'az login' and the "
          "subscription of\n"
          "# the resources ('az account set -s ...').  Creations are guarded "
          "by 'show',\n"
          "# so running it twice is safe.  Re-run 'preflight check' "
          "afterwards.\n"
          "#\n# inputs:\n", PF_VERSION, n, n == 1 ? "" : "s");
  for (i = 0; i < rep->n_inputs; i++)
    fprintf(o, "#   %s\n", rep->inputs[i]);
  fputs("set -euo pipefail\n", o);
  for (i = 0; i < n && st == PF_OK; i++) {
    const struct pf_finding *f = v[i].f;
    int dup = 0;
    for (k = 0; k < i && !dup; k++)
      dup = !strcmp(v[k].f->fix_az, f->fix_az);
    if (dup)
      continue;
    fprintf(o, "\n# ---- %s (%s): %s\n", f->rule, pf_sev_name(f->sev),
            f->title ? f->title : "");
    fprintf(o, "# preflight-fix: %s\n", f->rule);
    for (k = i; k < n; k++) {
      const char *m;
      if (strcmp(v[k].f->fix_az, f->fix_az))
        continue;
      fprintf(o, "# fixes %s %s: ", v[k].f->kind ? v[k].f->kind : "",
              v[k].f->name ? v[k].f->name : v[k].f->resource);
      for (m = v[k].f->message; m && *m; m++)
        fputc(*m == '\n' || *m == '\r' ? ' ' : *m, o);
      fputc('\n', o);
    }
    st = emit_fix(&sc, f->fix_az);
  }
  if (st == PF_OK)
    fprintf(o, "\n# %zu command%s, %zu left for you to complete, %zu "
            "priorit%s moved.\n", sc.n_cmds, sc.n_cmds == 1 ? "" : "s",
            sc.n_todo, sc.n_moved, sc.n_moved == 1 ? "y" : "ies");
out:
  prios_release(&sc.prios);
  pf_free(v);
  return st;
}

int cmd_fix(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"baseline", required_argument, NULL, 'b'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"profile", required_argument, NULL, 'p'},
    {"rules", required_argument, NULL, 'r'},
    {"rules-dir", required_argument, NULL, 'R'},
    {"service-tags", required_argument, NULL, 't'},
    PF_CLI_LOAD_OPTIONS,
    {NULL, 0, NULL, 0}
  };
  const char *tags_opt = NULL, *profile = "2020", *rules_opt = NULL;
  const char *rules_dir = NULL, *baseline_opt = NULL, *bl_path;
  struct pf_config *cfg = NULL;
  struct pf_tagdb *db = NULL;
  struct pf_catalogue *cat = NULL;
  struct pf_baseline *bl = NULL;
  struct pf_results rs;
  struct pf_check_opts copts;
  struct pf_report rep;
  struct pf_err err;
  char dirbuf[4096], today[11], *only_buf = NULL;
  const char **only = NULL;
  size_t n_only = 0;
  int c, rc = PF_EXIT_OK;
  pf_status st;

  memset(&rs, 0, sizeof(rs));
  pf_report_init(&rep);
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'b': baseline_opt = optarg; break;
    case 'f':
      if (strcmp(optarg, "script"))
        return pf_cli_usage(ctx, "fix", "unknown format '%s' (expected "
                            "script)", optarg);
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case 'p': profile = optarg; break;
    case 'r': rules_opt = optarg; break;
    case 'R': rules_dir = optarg; break;
    case 't': tags_opt = optarg; break;
    default:
      if (pf_cli_load_option(ctx, c, optarg))   /* PF_CLI_LOAD_OPTIONS */
        break;
      return pf_cli_usage(ctx, "fix", "unknown or incomplete option '%s'",
                          argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return pf_cli_usage(ctx, "fix", "no PATH given");
  if (strcmp(profile, "2020") && strcmp(profile, "2023"))
    return pf_cli_usage(ctx, "fix", "unknown profile '%s' (2020 or 2023)",
                        profile);
  pf_err_clear(&err);
  st = pf_catalogue_load(&cat, pf_rules_dir(rules_dir, argv[0], dirbuf,
                                            sizeof(dirbuf)),
                         &err);
  if (st != PF_OK) {
    rc = pf_cli_fail(ctx, st, &err);
    goto done;
  }
  if (rules_opt && (rc = pf_cli_rule_ids(ctx, "fix", cat, rules_opt,
                                          &only_buf, &only, &n_only)) !=
                       PF_EXIT_OK)
    goto done;
  if ((rc = pf_cli_load(ctx, argv + optind, (size_t)(argc - optind),
                        tags_opt, &cfg, &db)) != PF_EXIT_OK)
    goto done;
  pf_cli_warn_config(ctx, cfg);
  memset(&copts, 0, sizeof(copts));
  copts.profile = profile;
  copts.only = only;
  copts.n_only = n_only;
  if ((st = pf_check_run(cat, cfg, db, &copts, &rs)) != PF_OK ||
      (st = pf_report_add_results(&rep, cfg, db, profile, &rs)) != PF_OK) {
    rc = pf_cli_error(ctx, "fix: %s", pf_strerror(st));
    goto done;
  }
  pf_report_use_catalogue(&rep, cat);
  pf_report_today(today);
  if ((bl_path = pf_baseline_path(baseline_opt))) {
    if ((st = pf_baseline_load(&bl, bl_path, &err)) != PF_OK) {
      rc = pf_cli_fail(ctx, st, &err);
      goto done;
    }
    pf_baseline_apply(bl, &rep, today, NULL, NULL);
  }
  if ((st = write_script(&rep, cfg, ctx->out)) != PF_OK)
    rc = pf_cli_error(ctx, "fix: %s", pf_strerror(st));
done:
  pf_baseline_destroy(bl);
  pf_report_release(&rep);
  pf_results_release(&rs);
  pf_free(only);
  pf_free(only_buf);
  pf_catalogue_destroy(cat);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
  return rc;
}
