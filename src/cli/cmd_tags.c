/* SPDX-License-Identifier: MIT */
/* cmd_tags.c - `preflight tags`: info, show, lookup, extract
 *
 * A window on the service tag file the evaluation uses: which cloud and
 * changeNumber (named in every output that used tags), what a tag holds,
 * which tags contain an address, and a smaller tag file for examples and
 * tickets.  Names follow AZURE-SEMANTICS.md 5.7 (case-insensitive, doc
 * aliases); VirtualNetwork, AzureLoadBalancer and Internet are computed
 * from the configuration (3.1), so they are explained, not listed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pf_jw.h"
#include "../core/pf_mem.h"
#include "../model/pf_tags.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight tags info FILE [--format text|json]\n"
  "       preflight tags show NAME [--merged] --service-tags FILE "
  "[--format text|json]\n"
  "       preflight tags lookup IP|PREFIX --service-tags FILE "
  "[--format text|json]\n"
  "       preflight tags extract NAME... --from FILE [-o OUT]\n"
  "\n"
  "Inspect the service tag file Microsoft publishes (ServiceTags_<cloud>_\n"
  "<date>.json) or `az network list-service-tags` output.\n"
  "\n"
  "  info     cloud, changeNumber, number of tags and prefixes\n"
  "  show     one tag: region, service, features and its prefixes as listed\n"
  "           (--merged: the minimal set of CIDR blocks covering them)\n"
  "  lookup   every tag whose prefixes contain the address or prefix\n"
  "  extract  write a smaller tag file with only the named tags\n"
  "\n"
  "Tag names are matched case-insensitively; documentation spellings such\n"
  "as Keyvault.<region> and ContainerRegistry.<region> are understood.\n"
  "VirtualNetwork, AzureLoadBalancer and Internet are not in the file: they\n"
  "are computed from the virtual network configuration.\n"
  "\n"
  "options:\n"
  "  --service-tags FILE  tag file for show and lookup (default\n"
  "                       $PREFLIGHT_SERVICE_TAGS)\n"
  "  --from FILE          tag file to extract from\n"
  "  -o, --output OUT     where extract writes (default standard output)\n"
  "  --merged             show: print merged CIDR blocks\n"
  "  --format FMT         text (default) or json\n"
  "  -h, --help           show this help\n"
  "\n"
  "examples:\n"
  "  preflight tags info ServiceTags_Public_20251028.json\n"
  "  preflight tags lookup 13.69.66.10 --service-tags "
  "ServiceTags_Public_20251028.json\n"
  "  preflight tags extract BatchNodeManagement.WestEurope "
  "AzureMachineLearning --from ServiceTags_Public_20251028.json -o tags.json\n";

static const char *computed_note(const char *canon)
{
  if (!strcmp(canon, "AzureLoadBalancer"))
    return "the Azure infrastructure load balancer, host address "
           "168.63.129.16/32 (health probes)";
  if (!strcmp(canon, "VirtualNetwork"))
    return "the virtual network's address space, peered networks, "
           "gateway-connected prefixes, user-defined route prefixes and "
           "168.63.129.16: computed from the configuration";
  return "public address space outside the virtual network, including "
         "Azure's public ranges: computed from the configuration";
}

static void features_text(unsigned f, char *buf, size_t cap)
{
  static const struct {
    unsigned bit;
    const char *name;
  } names[] = {{PF_TAGF_API, "API"}, {PF_TAGF_NSG, "NSG"},
               {PF_TAGF_UDR, "UDR"}, {PF_TAGF_FW, "FW"},
               {PF_TAGF_VSE, "VSE"}};
  size_t i, used = 0;
  buf[0] = '\0';
  if (f & PF_TAGF_NULL) {
    snprintf(buf, cap, "(not listed)");
    return;
  }
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    int w;
    if (!(f & names[i].bit))
      continue;
    w = snprintf(buf + used, cap - used, "%s%s", used ? "," : "",
                 names[i].name);
    if (w < 0 || (size_t)w >= cap - used)
      break;
    used += (size_t)w;
  }
}

static void jw_features(struct pf_jw *jw, unsigned f)
{
  static const struct {
    unsigned bit;
    const char *name;
  } names[] = {{PF_TAGF_API, "API"}, {PF_TAGF_NSG, "NSG"},
               {PF_TAGF_UDR, "UDR"}, {PF_TAGF_FW, "FW"},
               {PF_TAGF_VSE, "VSE"}};
  size_t i;
  if (f & PF_TAGF_NULL) {
    pf_jw_null(jw);
    return;
  }
  pf_jw_arr(jw);
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (f & names[i].bit)
      pf_jw_str(jw, names[i].name);
  pf_jw_arr_end(jw);
}

static int load_db(struct pf_ctx *ctx, const char *path, const char *sub,
                   struct pf_tagdb **db)
{
  struct pf_err err;
  pf_status st;
  if (!path)
    return pf_cli_usage(ctx, "tags", "%s needs a tag file: give "
                        "--service-tags FILE or set PREFLIGHT_SERVICE_TAGS",
                        sub);
  pf_err_clear(&err);
  st = pf_tagdb_load_file(db, path, &err);
  if (st != PF_OK)
    return pf_cli_fail(ctx, st, &err);
  return PF_EXIT_OK;
}

static void jw_source(struct pf_jw *jw, const struct pf_tagdb *db)
{
  pf_jw_key(jw, "service_tags");
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "path", pf_tagdb_path(db));
  pf_jw_kstr(jw, "cloud", pf_tagdb_cloud(db));
  pf_jw_kint(jw, "change_number", pf_tagdb_change_number(db));
  pf_jw_obj_end(jw);
}

static int do_info(struct pf_ctx *ctx, const struct pf_tagdb *db,
                   enum pf_format fmt)
{
  size_t v4, v6, distinct = 0, i, regional = 0;
  unsigned nsg = 0, udr = 0;
  pf_tagdb_totals(db, &v4, &v6);
  if (pf_tagdb_distinct(db, &distinct) != PF_OK)
    return pf_cli_error(ctx, "out of memory");
  for (i = 0; i < pf_tagdb_count(db); i++) {
    const struct pf_tag *t = pf_tagdb_at(db, i);
    regional += t->region[0] != '\0';
    nsg += (t->features & PF_TAGF_NSG) != 0;
    udr += (t->features & PF_TAGF_UDR) != 0;
  }
  if (fmt == PF_FMT_JSON) {
    struct pf_jw jw;
    pf_jw_init(&jw, ctx->out, 1);
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "path", pf_tagdb_path(db));
    pf_jw_kstr(&jw, "cloud", pf_tagdb_cloud(db));
    pf_jw_kint(&jw, "change_number", pf_tagdb_change_number(db));
    pf_jw_kstr(&jw, "shape", pf_tagdb_shape(db) == PF_TAGDB_DOWNLOAD
                                 ? "download"
                                 : "discovery-api");
    pf_jw_kint(&jw, "tags", (int64_t)pf_tagdb_count(db));
    pf_jw_kint(&jw, "regional_tags", (int64_t)regional);
    pf_jw_kint(&jw, "prefixes", (int64_t)(v4 + v6));
    pf_jw_kint(&jw, "prefixes_ipv4", (int64_t)v4);
    pf_jw_kint(&jw, "prefixes_ipv6", (int64_t)v6);
    pf_jw_kint(&jw, "distinct_prefixes", (int64_t)distinct);
    pf_jw_kint(&jw, "usable_in_nsg", nsg);
    pf_jw_kint(&jw, "usable_in_udr", udr);
    pf_jw_obj_end(&jw);
    pf_jw_end(&jw);
    return PF_EXIT_OK;
  }
  fprintf(ctx->out,
          "file:              %s\n"
          "cloud:             %s\n"
          "changeNumber:      %lld\n"
          "shape:             %s\n"
          "tags:              %zu (%zu regional, %zu global)\n"
          "prefixes:          %zu listed (%zu IPv4, %zu IPv6), %zu distinct\n"
          "usable in NSGs:    %u tags%s\n"
          "usable in routes:  %u tags\n",
          pf_tagdb_path(db), pf_tagdb_cloud(db),
          (long long)pf_tagdb_change_number(db),
          pf_tagdb_shape(db) == PF_TAGDB_DOWNLOAD
              ? "download file"
              : "service tag discovery API (az network list-service-tags)",
          pf_tagdb_count(db), regional, pf_tagdb_count(db) - regional,
          v4 + v6, v4, v6, distinct, nsg,
          pf_tagdb_shape(db) == PF_TAGDB_DISCOVERY
              ? " (features not listed; the discovery API returns only "
                "NSG-usable tags)"
              : "",
          udr);
  return PF_EXIT_OK;
}

struct listed {
  struct pf_ctx *ctx;
  struct pf_jw *jw;
};

static int print_listed(const char *text, size_t n, void *arg)
{
  struct listed *l = arg;
  if (l->jw)
    pf_jw_strn(l->jw, text, n);
  else
    fprintf(l->ctx->out, "  %.*s\n", (int)n, text);
  return 0;
}

static int print_merged(const struct pf_prefix *p, void *arg)
{
  struct listed *l = arg;
  char buf[PF_PREFIX_STRLEN];
  pf_prefix_format(p, buf, sizeof(buf));
  if (l->jw)
    pf_jw_str(l->jw, buf);
  else
    fprintf(l->ctx->out, "  %s\n", buf);
  return 0;
}

static void each_merged(const struct pf_tag *t, struct listed *l)
{
  unsigned af;
  size_t i;
  for (af = 0; af < PF_AF_COUNT; af++)
    for (i = 0; i < t->set.fam[af].n; i++)
      pf_range_to_prefixes((enum pf_af)af, t->set.fam[af].r[i].lo,
                           t->set.fam[af].r[i].hi, print_merged, l);
}

static int do_show(struct pf_ctx *ctx, const struct pf_tagdb *db,
                   const char *name, int merged, enum pf_format fmt)
{
  const struct pf_tag *t = NULL;
  enum pf_tag_kind kind = pf_tagdb_find(db, name, strlen(name), &t);
  struct listed l;
  char feats[64];

  if (kind == PF_TAG_COMPUTED) {
    const char *canon = pf_tag_computed_name(name, strlen(name));
    if (fmt == PF_FMT_JSON) {
      struct pf_jw jw;
      pf_jw_init(&jw, ctx->out, 1);
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "name", canon);
      pf_jw_kbool(&jw, "computed", 1);
      pf_jw_kstr(&jw, "definition", computed_note(canon));
      jw_source(&jw, db);
      pf_jw_obj_end(&jw);
      pf_jw_end(&jw);
    } else {
      fprintf(ctx->out, "%s is computed, not listed in the tag file: %s.\n",
              canon, computed_note(canon));
    }
    return PF_EXIT_OK;
  }
  if (kind != PF_TAG_FILE)
    return pf_cli_error(ctx, "tags: no service tag '%s' in %s (cloud %s, "
                        "changeNumber %lld)",
                        name, pf_tagdb_path(db), pf_tagdb_cloud(db),
                        (long long)pf_tagdb_change_number(db));
  features_text(t->features, feats, sizeof(feats));
  l.ctx = ctx;
  l.jw = NULL;
  if (fmt == PF_FMT_JSON) {
    struct pf_jw jw;
    pf_jw_init(&jw, ctx->out, 1);
    l.jw = &jw;
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "name", t->name);
    pf_jw_kbool(&jw, "computed", 0);
    pf_jw_kstr(&jw, "region", t->region);
    pf_jw_kstr(&jw, "system_service", t->system_service);
    pf_jw_kint(&jw, "change_number", t->change_number);
    pf_jw_key(&jw, "network_features");
    jw_features(&jw, t->features);
    pf_jw_kint(&jw, "prefixes_ipv4", (int64_t)t->n_v4);
    pf_jw_kint(&jw, "prefixes_ipv6", (int64_t)t->n_v6);
    pf_jw_key(&jw, merged ? "merged_prefixes" : "address_prefixes");
    pf_jw_arr(&jw);
    if (merged)
      each_merged(t, &l);
    else
      pf_tagdb_each_listed(db, t, print_listed, &l);
    pf_jw_arr_end(&jw);
    jw_source(&jw, db);
    pf_jw_obj_end(&jw);
    pf_jw_end(&jw);
    return PF_EXIT_OK;
  }
  fprintf(ctx->out,
          "%s%s%s\n"
          "  region:          %s\n"
          "  system service:  %s\n"
          "  changeNumber:    %lld\n"
          "  usable in:       %s\n"
          "  prefixes:        %zu IPv4, %zu IPv6\n"
          "  source:          %s (cloud %s, changeNumber %lld)\n"
          "%s:\n",
          pf_c_bold(ctx), t->name, pf_c_reset(ctx),
          t->region[0] ? t->region : "(global)",
          t->system_service[0] ? t->system_service : "-",
          (long long)t->change_number, feats, t->n_v4, t->n_v6,
          pf_tagdb_path(db), pf_tagdb_cloud(db),
          (long long)pf_tagdb_change_number(db),
          merged ? "merged prefixes" : "address prefixes");
  if (merged)
    each_merged(t, &l);
  else
    pf_tagdb_each_listed(db, t, print_listed, &l);
  return PF_EXIT_OK;
}

static int do_lookup(struct pf_ctx *ctx, const struct pf_tagdb *db,
                     const char *what, enum pf_format fmt)
{
  struct pf_prefix p;
  struct pf_err perr;
  struct pf_ipset q;
  const struct pf_tag **hits = NULL;
  size_t n = 0, cap = 0, i;
  int lb = 0, rc = PF_EXIT_OK;

  pf_err_clear(&perr);
  if (pf_prefix_parse(what, strlen(what), 1, &p, &perr) != PF_OK)
    return pf_cli_error(ctx, "tags lookup: %s", perr.msg);
  pf_ipset_init(&q);
  if (pf_ipset_add_prefix(&q, &p) != PF_OK) {
    pf_ipset_release(&q);
    return pf_cli_error(ctx, "out of memory");
  }
  for (i = 0; i < pf_tagdb_count(db); i++) {
    const struct pf_tag *t = pf_tagdb_at(db, i);
    if (!pf_ipset_contains_set(&t->set, &q))
      continue;
    if (PF_GROW(hits, cap, n + 1)) {
      rc = pf_cli_error(ctx, "out of memory");
      goto done;
    }
    hits[n++] = t;
  }
  /* AzureLoadBalancer is the host address 168.63.129.16 (1.9, 1.10) */
  lb = p.af == PF_AF_V4 && p.len == 32 && p.addr == 0xA83F8110u;
  if (fmt == PF_FMT_JSON) {
    struct pf_jw jw;
    pf_jw_init(&jw, ctx->out, 1);
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "query", what);
    pf_jw_key(&jw, "tags");
    pf_jw_arr(&jw);
    for (i = 0; i < n; i++) {
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "name", hits[i]->name);
      pf_jw_kstr(&jw, "region", hits[i]->region);
      pf_jw_kstr(&jw, "system_service", hits[i]->system_service);
      pf_jw_obj_end(&jw);
    }
    pf_jw_arr_end(&jw);
    pf_jw_key(&jw, "computed");
    pf_jw_arr(&jw);
    if (lb)
      pf_jw_str(&jw, "AzureLoadBalancer");
    pf_jw_arr_end(&jw);
    jw_source(&jw, db);
    pf_jw_obj_end(&jw);
    pf_jw_end(&jw);
  } else {
    fprintf(ctx->out, "%s is in %zu tag%s of %s (cloud %s, changeNumber "
            "%lld)%s\n",
            what, n, n == 1 ? "" : "s", pf_tagdb_path(db), pf_tagdb_cloud(db),
            (long long)pf_tagdb_change_number(db), n ? ":" : "");
    for (i = 0; i < n; i++)
      fprintf(ctx->out, "  %-48s %s\n", hits[i]->name,
              hits[i]->region[0] ? hits[i]->region : "(global)");
    if (lb)
      fprintf(ctx->out, "  %-48s (computed: Azure host address)\n",
              "AzureLoadBalancer");
    fputs("VirtualNetwork and Internet depend on the virtual network; "
          "`preflight explain` evaluates them.\n", ctx->out);
  }
done:
  pf_free(hits);
  pf_ipset_release(&q);
  return rc;
}

static int do_extract(struct pf_ctx *ctx, const char *from, const char *out,
                      char **names, size_t n)
{
  struct pf_tagdb *db = NULL;
  struct pf_strbuf sb;
  struct pf_err err;
  FILE *f;
  int rc;

  if (!from)
    return pf_cli_usage(ctx, "tags", "extract needs --from FILE");
  if (!n)
    return pf_cli_usage(ctx, "tags", "extract needs at least one tag NAME");
  if ((rc = load_db(ctx, from, "extract", &db)) != PF_EXIT_OK)
    return rc;
  pf_err_clear(&err);
  pf_strbuf_init(&sb, (size_t)256 << 20);
  if (pf_tagdb_extract(db, (const char *const *)names, n, &sb, &err) !=
      PF_OK) {
    rc = pf_cli_fail(ctx, err.code, &err);
    goto done;
  }
  f = out ? fopen(out, "w") : ctx->out;
  if (!f) {
    rc = pf_cli_error(ctx, "%s: cannot write: %s", out, strerror(errno));
    goto done;
  }
  fwrite(pf_strbuf_str(&sb), 1, sb.len, f);
  if ((out && fclose(f) != 0) || (!out && fflush(f) != 0)) {
    rc = pf_cli_error(ctx, "%s: write failed", out ? out : "<stdout>");
    goto done;
  }
  rc = PF_EXIT_OK;
done:
  pf_strbuf_release(&sb);
  pf_tagdb_destroy(db);
  return rc;
}

int cmd_tags(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"from", required_argument, NULL, 'F'},
    {"help", no_argument, NULL, 'h'},
    {"merged", no_argument, NULL, 'm'},
    {"output", required_argument, NULL, 'o'},
    {"service-tags", required_argument, NULL, 't'},
    {NULL, 0, NULL, 0}
  };
  const char *tags_opt = NULL, *from = NULL, *out = NULL, *sub;
  enum pf_format fmt = PF_FMT_TEXT;
  struct pf_tagdb *db = NULL;
  int c, merged = 0, rc;
  char **pos;
  size_t npos;

  optind = 0;
  opterr = 0;
  /* options may follow the positional words ("show NAME --merged") */
  while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (pf_cli_format(ctx, "tags", optarg, 0, &fmt))
        return PF_EXIT_ERROR;
      break;
    case 'F':
      from = optarg;
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case 'm':
      merged = 1;
      break;
    case 'o':
      out = optarg;
      break;
    case 't':
      tags_opt = optarg;
      break;
    default:
      return pf_cli_usage(ctx, "tags", "unknown or incomplete option '%s'",
                          argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return pf_cli_usage(ctx, "tags", "no subcommand given (info, show, "
                        "lookup or extract)");
  sub = argv[optind];
  pos = argv + optind + 1;
  npos = (size_t)(argc - optind - 1);
  if (!strcmp(sub, "extract"))
    return do_extract(ctx, from, out, pos, npos);
  if (!strcmp(sub, "info")) {
    const char *path = npos ? pos[0] : pf_cli_tags_path(tags_opt);
    if (npos > 1)
      return pf_cli_usage(ctx, "tags", "info takes one FILE");
    if ((rc = load_db(ctx, path, "info", &db)) != PF_EXIT_OK)
      return rc;
    rc = do_info(ctx, db, fmt);
  } else if (!strcmp(sub, "show") || !strcmp(sub, "lookup")) {
    if (npos != 1)
      return pf_cli_usage(ctx, "tags", "%s takes exactly one %s", sub,
                          sub[0] == 's' ? "NAME" : "IP or PREFIX");
    if ((rc = load_db(ctx, pf_cli_tags_path(tags_opt), sub, &db)) !=
        PF_EXIT_OK)
      return rc;
    rc = sub[0] == 's' ? do_show(ctx, db, pos[0], merged, fmt)
                       : do_lookup(ctx, db, pos[0], fmt);
  } else {
    return pf_cli_usage(ctx, "tags", "unknown subcommand '%s' (expected "
                        "info, show, lookup or extract)", sub);
  }
  pf_tagdb_destroy(db);
  return rc;
}
