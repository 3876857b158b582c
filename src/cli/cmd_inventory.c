/* SPDX-License-Identifier: MIT */
/* cmd_inventory.c - `preflight inventory`: what was loaded
 *
 * Lists the inputs (and why any was skipped), the resources by kind, the
 * references that resolved and those that did not (never silently
 * dropped, DESIGN.md), ignored resource types, and the service tag file's
 * cloud, changeNumber and counts.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pf_jw.h"
#include "../load/pf_load.h"
#include "../model/pf_model.h"
#include "../model/pf_tags.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight inventory PATH... [--service-tags FILE] "
  "[--format text|json]\n"
  "\n"
  "Load Azure configuration and show what was understood: every input file\n"
  "(or why it was skipped), the resources by kind, references between them\n"
  "that resolved or did not, and the service tag file.\n"
  "\n"
  "PATH is a JSON file, a directory (searched recursively for *.json), or -\n"
  "for standard input: az CLI output (`az network nsg show`, `az ml compute\n"
  "show`, lists), ARM REST responses, Resource Graph results, or ARM\n"
  "deployment templates (evaluated with their parameters; Bicep: compile\n"
  "it first with `az bicep build`).\n"
  "\n"
  "options:\n"
  "  --service-tags FILE  service tag file (ServiceTags_Public_*.json or\n"
  "                       `az network list-service-tags` output); default\n"
  "                       $PREFLIGHT_SERVICE_TAGS\n"
  "  --format FMT         text (default) or json\n"
  PF_CLI_LOAD_USAGE
  "  -h, --help           show this help\n"
  "\n"
  "examples:\n"
  "  preflight inventory examples/contoso-westeurope\n"
  "  preflight inventory nsg.json vnet.json --service-tags "
  "ServiceTags_Public_20251028.json\n"
  "  az network nsg list -o json | preflight inventory - --format json\n";

struct unresolved {
  const struct pf_res *from;
  const struct pf_ref *ref;
};

struct ref_walk {
  struct unresolved *v;
  size_t n, cap;
  size_t resolved;
  size_t back_missing;
};

static void collect_fwd(const struct pf_res *from, const struct pf_ref *ref,
                        void *arg)
{
  struct ref_walk *w = arg;
  if (ref->target) {
    w->resolved++;
    return;
  }
  if (w->n == w->cap) {
    size_t ncap = w->cap ? w->cap * 2 : 16;
    struct unresolved *nv = realloc(w->v, ncap * sizeof(*nv));
    if (!nv)
      return;
    w->v = nv;
    w->cap = ncap;
  }
  w->v[w->n].from = from;
  w->v[w->n].ref = ref;
  w->n++;
}

static void collect_back(const struct pf_res *from, const struct pf_ref *ref,
                         void *arg)
{
  struct ref_walk *w = arg;
  (void)from;
  if (!ref->target)
    w->back_missing++;
}

/* The reference's field relative to its resource ("properties.subnet"),
 * or "parent" for the parent implied by a child's id. */
static const char *field_of(const struct pf_res *from, const char *jpath)
{
  size_t n;
  if (!jpath)
    return "parent";
  n = strlen(from->jpath);
  if (!strncmp(jpath, from->jpath, n) && jpath[n] == '.')
    return jpath + n + 1;
  return jpath;
}

static void describe_res(const struct pf_res *r, char *buf, size_t cap)
{
  buf[0] = '\0';
  switch (r->kind) {
  case PF_K_SUBNET: {
    const struct pf_subnet *s = (const struct pf_subnet *)r;
    size_t i, used = 0;
    for (i = 0; i < s->n_prefixes && used + PF_PREFIX_STRLEN + 2 < cap; i++) {
      if (i)
        buf[used++] = ' ';
      used += pf_prefix_format(&s->prefixes[i], buf + used, cap - used);
    }
    break;
  }
  case PF_K_VNET: {
    const struct pf_vnet *v = (const struct pf_vnet *)r;
    size_t i, used = 0;
    for (i = 0; i < v->n_prefixes && used + PF_PREFIX_STRLEN + 2 < cap; i++) {
      if (i)
        buf[used++] = ' ';
      used += pf_prefix_format(&v->prefixes[i], buf + used, cap - used);
    }
    break;
  }
  case PF_K_NSG: {
    const struct pf_nsg *n = (const struct pf_nsg *)r;
    size_t i, user = 0;
    for (i = 0; i < n->n_rules; i++)
      user += !n->rules[i].is_default;
    snprintf(buf, cap, "%zu rules + %zu default%s", user, n->n_rules - user,
             n->defaults_synthesised ? " (synthesised)" : "");
    break;
  }
  case PF_K_ROUTE_TABLE:
    snprintf(buf, cap, "%zu routes",
             ((const struct pf_route_table *)r)->n_routes);
    break;
  case PF_K_COMPUTE: {
    const struct pf_compute *c = (const struct pf_compute *)r;
    if (c->max_nodes >= 0)
      snprintf(buf, cap, "%s, max %lld nodes", pf_compute_type_name(c->type),
               (long long)c->max_nodes);
    else
      snprintf(buf, cap, "%s", pf_compute_type_name(c->type));
    break;
  }
  case PF_K_DATASTORE: {
    const struct pf_datastore *d = (const struct pf_datastore *)r;
    snprintf(buf, cap, "%s %s/%s, %s", d->ds_type ? d->ds_type : "?",
             d->account_name ? d->account_name : "?",
             d->container ? d->container : "?", pf_cred_name(d->cred));
    break;
  }
  case PF_K_STORAGE:
  case PF_K_KEYVAULT:
  case PF_K_REGISTRY: {
    const struct pf_firewall *fw =
        r->kind == PF_K_STORAGE    ? &((const struct pf_storage *)r)->fw
        : r->kind == PF_K_KEYVAULT ? &((const struct pf_keyvault *)r)->fw
                                   : &((const struct pf_registry *)r)->fw;
    if (!fw->present)
      snprintf(buf, cap, "no firewall given");
    else
      snprintf(buf, cap, "firewall default %s, %zu IP rules, %zu subnet rules",
               fw->default_pending ? "known only at deployment"
               : fw->default_deny  ? "Deny"
                                   : "Allow",
               fw->n_ip_rules,
               fw->n_vnet_rules);
    break;
  }
  default:
    break;
  }
}

static void text_report(struct pf_ctx *ctx, const struct pf_config *cfg,
                        const struct ref_walk *w, const struct pf_tagdb *db)
{
  FILE *o = ctx->out;
  size_t i, total = 0;
  unsigned k;

  for (k = 0; k < PF_K_COUNT; k++)
    total += cfg->n_res[k];
  fprintf(o, "%sInputs%s (%zu file%s)\n", pf_c_bold(ctx), pf_c_reset(ctx),
          cfg->n_inputs, cfg->n_inputs == 1 ? "" : "s");
  for (i = 0; i < cfg->n_inputs; i++) {
    const struct pf_input *in = &cfg->inputs[i];
    if (in->is_service_tags)
      fprintf(o, "  %s  service tag file\n", in->path);
    else if (in->skipped)
      fprintf(o, "  %s  %sskipped: %s%s\n", in->path, pf_c_yellow(ctx),
              in->skipped, pf_c_reset(ctx));
    else if (in->n_duplicates)
      fprintf(o, "  %s  %zu resource%s (+%zu defined earlier)\n", in->path,
              in->n_resources, in->n_resources == 1 ? "" : "s",
              in->n_duplicates);
    else
      fprintf(o, "  %s  %zu resource%s\n", in->path, in->n_resources,
              in->n_resources == 1 ? "" : "s");
  }
  fprintf(o, "\n%sResources%s (%zu)\n", pf_c_bold(ctx), pf_c_reset(ctx),
          total);
  for (k = 0; k < PF_K_COUNT; k++) {
    if (!cfg->n_res[k])
      continue;
    fprintf(o, "  %s (%zu)\n", pf_kind_name((enum pf_kind)k), cfg->n_res[k]);
    for (i = 0; i < cfg->n_res[k]; i++) {
      const struct pf_res *r = cfg->res[k][i];
      char desc[256];
      describe_res(r, desc, sizeof(desc));
      fprintf(o, "    %s%s%s%s%s%s\n", r->name,
              r->location ? "  " : "", r->location ? r->location : "",
              desc[0] ? "  " : "", pf_c_dim(ctx), desc);
      if (ctx->color)
        fputs(pf_c_reset(ctx), o);
    }
  }
  fprintf(o, "\n%sReferences%s: %zu resolved, %zu unresolved\n",
          pf_c_bold(ctx), pf_c_reset(ctx), w->resolved, w->n);
  for (i = 0; i < w->n; i++) {
    const struct unresolved *u = &w->v[i];
    fprintf(o, "  %s%s '%s' %s -> %s (not supplied)%s\n", pf_c_yellow(ctx),
            pf_kind_name(u->from->kind), u->from->name,
            field_of(u->from, u->ref->jpath),
            u->ref->id, pf_c_reset(ctx));
  }
  if (w->back_missing)
    fprintf(o, "  %zu back-reference%s (attached subnets, NICs or "
            "endpoints listed by a resource) name resources not supplied\n",
            w->back_missing, w->back_missing == 1 ? "" : "s");
  if (cfg->n_ignored) {
    fprintf(o, "\nIgnored: %zu resource%s of other types (", cfg->n_ignored,
            cfg->n_ignored == 1 ? "" : "s");
    for (i = 0; i < cfg->n_ignored_types; i++)
      fprintf(o, "%s%s", i ? ", " : "", cfg->ignored_types[i]);
    fputs(")\n", o);
  }
  if (cfg->n_warnings) {
    fprintf(o, "\n%sWarnings%s (%zu)\n", pf_c_bold(ctx), pf_c_reset(ctx),
            cfg->n_warnings);
    for (i = 0; i < cfg->n_warnings; i++)
      fprintf(o, "  %s\n", cfg->warnings[i]);
  }
  if (cfg->n_pending) {
    /* docs/semantics.md "Pending values": what evaluation will call
     * unknown because the design does not fix it yet */
    fprintf(o, "\n%sKnown only at deployment%s (%zu): what depends on "
            "these is unknown\n", pf_c_bold(ctx), pf_c_reset(ctx),
            cfg->n_pending);
    for (i = 0; i < cfg->n_pending; i++)
      fprintf(o, "  %s: %s: %s\n", cfg->pending[i].file,
              cfg->pending[i].jpath, cfg->pending[i].text);
  }
  if (cfg->n_duplicates)
    fprintf(o, "\nDuplicates: %zu resource%s defined more than once (the "
            "first definition is used)\n",
            cfg->n_duplicates, cfg->n_duplicates == 1 ? "" : "s");
  fprintf(o, "\n%sService tags%s: ", pf_c_bold(ctx), pf_c_reset(ctx));
  if (!db) {
    fputs("none loaded (give --service-tags FILE to evaluate rules that use "
          "tags)\n", o);
  } else {
    size_t v4, v6;
    pf_tagdb_totals(db, &v4, &v6);
    fprintf(o, "%s, cloud %s, changeNumber %lld, %zu tags, %zu prefixes "
            "(%zu IPv4, %zu IPv6)\n",
            pf_tagdb_path(db), pf_tagdb_cloud(db),
            (long long)pf_tagdb_change_number(db), pf_tagdb_count(db),
            v4 + v6, v4, v6);
  }
}

static void json_report(struct pf_ctx *ctx, const struct pf_config *cfg,
                        const struct ref_walk *w, const struct pf_tagdb *db)
{
  struct pf_jw jw;
  size_t i;
  unsigned k;

  pf_jw_init(&jw, ctx->out, 1);
  pf_jw_obj(&jw);
  pf_cli_jw_tool(&jw);
  pf_jw_key(&jw, "inputs");
  pf_jw_arr(&jw);
  for (i = 0; i < cfg->n_inputs; i++) {
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "path", cfg->inputs[i].path);
    pf_jw_kint(&jw, "resources", (int64_t)cfg->inputs[i].n_resources);
    pf_jw_kint(&jw, "duplicates", (int64_t)cfg->inputs[i].n_duplicates);
    pf_jw_kstr(&jw, "skipped", cfg->inputs[i].is_service_tags
                                   ? NULL
                                   : cfg->inputs[i].skipped);
    pf_jw_kbool(&jw, "service_tags", cfg->inputs[i].is_service_tags);
    pf_jw_obj_end(&jw);
  }
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "counts");
  pf_jw_obj(&jw);
  for (k = 0; k < PF_K_COUNT; k++)
    pf_jw_kint(&jw, pf_kind_name((enum pf_kind)k), (int64_t)cfg->n_res[k]);
  pf_jw_obj_end(&jw);
  pf_jw_key(&jw, "resources");
  pf_jw_arr(&jw);
  for (k = 0; k < PF_K_COUNT; k++) {
    for (i = 0; i < cfg->n_res[k]; i++) {
      const struct pf_res *r = cfg->res[k][i];
      char desc[256];
      describe_res(r, desc, sizeof(desc));
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "kind", pf_kind_name(r->kind));
      pf_jw_kstr(&jw, "name", r->name);
      pf_jw_kstr(&jw, "id", r->id);
      pf_jw_kstr(&jw, "location", r->location);
      pf_jw_kstr(&jw, "summary", desc[0] ? desc : NULL);
      pf_jw_kstr(&jw, "file", r->file);
      pf_jw_kstr(&jw, "json_path", r->jpath);
      pf_jw_obj_end(&jw);
    }
  }
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "references");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "resolved", (int64_t)w->resolved);
  pf_jw_key(&jw, "unresolved");
  pf_jw_arr(&jw);
  for (i = 0; i < w->n; i++) {
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "from", w->v[i].from->id);
    pf_jw_kstr(&jw, "from_kind", pf_kind_name(w->v[i].from->kind));
    pf_jw_kstr(&jw, "field", field_of(w->v[i].from, w->v[i].ref->jpath));
    pf_jw_kstr(&jw, "id", w->v[i].ref->id);
    pf_jw_obj_end(&jw);
  }
  pf_jw_arr_end(&jw);
  pf_jw_kint(&jw, "back_references_unresolved", (int64_t)w->back_missing);
  pf_jw_obj_end(&jw);
  pf_jw_key(&jw, "ignored");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "count", (int64_t)cfg->n_ignored);
  pf_jw_key(&jw, "types");
  pf_jw_arr(&jw);
  for (i = 0; i < cfg->n_ignored_types; i++)
    pf_jw_str(&jw, cfg->ignored_types[i]);
  pf_jw_arr_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_kint(&jw, "duplicates", (int64_t)cfg->n_duplicates);
  pf_jw_key(&jw, "warnings");
  pf_jw_arr(&jw);
  for (i = 0; i < cfg->n_warnings; i++)
    pf_jw_str(&jw, cfg->warnings[i]);
  pf_jw_arr_end(&jw);
  if (cfg->n_pending) {   /* present only when there are any */
    pf_jw_key(&jw, "pending");
    pf_jw_arr(&jw);
    for (i = 0; i < cfg->n_pending; i++) {
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "file", cfg->pending[i].file);
      pf_jw_kstr(&jw, "path", cfg->pending[i].jpath);
      pf_jw_kstr(&jw, "expression", cfg->pending[i].text);
      pf_jw_obj_end(&jw);
    }
    pf_jw_arr_end(&jw);
  }
  pf_jw_key(&jw, "service_tags");
  if (!db) {
    pf_jw_null(&jw);
  } else {
    size_t v4, v6;
    pf_tagdb_totals(db, &v4, &v6);
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "path", pf_tagdb_path(db));
    pf_jw_kstr(&jw, "cloud", pf_tagdb_cloud(db));
    pf_jw_kint(&jw, "change_number", pf_tagdb_change_number(db));
    pf_jw_kint(&jw, "tags", (int64_t)pf_tagdb_count(db));
    pf_jw_kint(&jw, "prefixes_ipv4", (int64_t)v4);
    pf_jw_kint(&jw, "prefixes_ipv6", (int64_t)v6);
    pf_jw_obj_end(&jw);
  }
  pf_jw_obj_end(&jw);
  pf_jw_end(&jw);
}

int cmd_inventory(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"service-tags", required_argument, NULL, 't'},
    PF_CLI_LOAD_OPTIONS,
    {NULL, 0, NULL, 0}
  };
  const char *tags_opt = NULL;
  enum pf_format fmt = PF_FMT_TEXT;
  struct pf_config *cfg = NULL;
  struct pf_tagdb *db = NULL;
  struct pf_err err;
  struct ref_walk w;
  int c, rc = PF_EXIT_OK;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (pf_cli_format(ctx, "inventory", optarg, 0, &fmt))
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
      return pf_cli_usage(ctx, "inventory", "unknown or incomplete option "
                          "'%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return pf_cli_usage(ctx, "inventory", "no PATH given");

  pf_err_clear(&err);
  memset(&w, 0, sizeof(w));
  if ((rc = pf_cli_load(ctx, argv + optind, (size_t)(argc - optind),
                         tags_opt, &cfg, &db)) != PF_EXIT_OK)
    goto done;
  pf_config_each_ref(cfg, 0, collect_fwd, &w);
  pf_config_each_ref(cfg, 1, collect_back, &w);
  if (fmt == PF_FMT_JSON)
    json_report(ctx, cfg, &w, db);
  else
    text_report(ctx, cfg, &w, db);
done:
  free(w.v);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
  return rc;
}
