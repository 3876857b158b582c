/* SPDX-License-Identifier: MIT */
/* cmd_routes.c - `preflight routes`: effective routes, next hops of sets
 *
 * Without --to: the effective route table of one subnet as Azure shows it
 * (`az network nic show-effective-route-table`): system routes, service
 * endpoint routes, UDRs, each Active or Invalid, plus what preflight could
 * not know.  With --to: the exact partition of an address, a prefix or a
 * service tag's whole address set by next hop (AZURE-SEMANTICS.md 2.4,
 * 2.5), printed as merged CIDR blocks with a one-line summary.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_jw.h"
#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"
#include "../eval/pf_route.h"
#include "../load/pf_load.h"
#include "../model/pf_model.h"
#include "../model/pf_tags.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight routes PATH... --subnet ID|NAME [--to IP|PREFIX|TAG]\n"
  "                        [--service-tags FILE] [--profile 2017|2023]\n"
  "                        [--all] [--format text|json]\n"
  "\n"
  "Compute the effective routes of a subnet offline: the system routes\n"
  "(virtual network, Internet, the reserved None prefixes), peering and\n"
  "service endpoint routes, and the user-defined routes of its route table,\n"
  "service tag prefixes included, chosen by longest prefix match and\n"
  "Azure's tie-breaks.  With --to, split an address, a prefix or every\n"
  "prefix of a service tag by the next hop its traffic takes.\n"
  "\n"
  "PATH is a JSON file, a directory, or - (az CLI output, ARM REST\n"
  "responses, Resource Graph results), as for `preflight inventory`.\n"
  "\n"
  "options:\n"
  "  --subnet ID|NAME     the subnet: an ARM id, or a name that is unique\n"
  "                       among the inputs\n"
  "  --to WHAT            an IP address, a CIDR prefix, or a service tag\n"
  "                       (Storage.WestEurope): show its next hops\n"
  "  --service-tags FILE  service tag file for tag routes, service\n"
  "                       endpoints and --to TAG; default\n"
  "                       $PREFLIGHT_SERVICE_TAGS or a tag file among PATH\n"
  "  --profile YEAR       reserved None routes of the 2023 documentation\n"
  "                       (default: 10/8, 172.16/12, 192.168/16, 100.64/10)\n"
  "                       or of 2017 (without 172.16.0.0/12)\n"
  "  --all                text: print every CIDR block of a part (default\n"
  "                       at most 20)\n"
  "  --format FMT         text (default) or json\n"
  PF_CLI_LOAD_USAGE
  "  -h, --help           show this help\n"
  "\n"
  "Routes that cannot be known (a route table or a virtual network not\n"
  "supplied, a tag missing from the tag file) are listed as Unknown with\n"
  "what to add; they are never guessed.\n"
  "\n"
  "examples:\n"
  "  preflight routes examples/contoso-westeurope --subnet snet-training\n"
  "  preflight routes examples/contoso-westeurope --subnet snet-training "
  "--to AzureMachineLearning.WestEurope\n"
  "  preflight routes vnet.json rt.json --subnet /subscriptions/.../subnets/"
  "snet-training --to 10.20.0.4 --format json\n";

#define WIDTH 79
#define PART_LIMIT 20

struct opts {
  const char *subnet;
  const char *to;
  enum pf_route_profile profile;
  enum pf_format fmt;
  int all;
};

/* ---- small helpers ------------------------------------------------------ */

/* Print \p text wrapped at WIDTH: the first line after \p first, the
 * others after \p indent (both already counted in columns). */
static void wrap(FILE *o, const char *first, const char *indent,
                 const char *text)
{
  size_t col = strlen(first), ind = strlen(indent);
  const char *p = text;
  int start = 1;
  fputs(first, o);
  while (*p) {
    const char *w = p;
    size_t n;
    while (*w == ' ')
      w++;
    n = strcspn(w, " ");
    if (!n)
      break;
    if (!start && col + 1 + n > WIDTH) {
      fprintf(o, "\n%s", indent);
      col = ind;
      start = 1;
    }
    if (!start) {
      fputc(' ', o);
      col++;
    }
    fwrite(w, 1, n, o);
    col += n;
    start = 0;
    p = w + n;
  }
  fputc('\n', o);
}

/* Decimal text of an address count ("2^128" for the saturated maximum). */
static void u128_text(pf_u128 v, char *buf, size_t cap)
{
  char tmp[48];
  size_t n = 0, i;
  if (v == ~(pf_u128)0) {
    snprintf(buf, cap, "2^128");
    return;
  }
  do {
    tmp[n++] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v && n < sizeof(tmp));
  for (i = 0; i < n && i + 1 < cap; i++)
    buf[i] = tmp[n - 1 - i];
  buf[i < cap ? i : cap - 1] = '\0';
}

static pf_u128 ipset_count(const struct pf_ipset *s)
{
  pf_u128 a = pf_rangeset_count(&s->fam[PF_AF_V4]);
  pf_u128 b = pf_rangeset_count(&s->fam[PF_AF_V6]);
  return a + b < a ? ~(pf_u128)0 : a + b;
}

static const char *last_segment(const char *id)
{
  const char *s = id ? strrchr(id, '/') : NULL;
  return s ? s + 1 : id;
}

/* Display group of a route, Azure's order: VnetLocal, peering, the
 * default routes, service endpoints, gateway routes, user routes. */
static int group_of(const struct pf_eroute *r)
{
  switch (r->src) {
  case PF_RSRC_VNET:
    return 0;
  case PF_RSRC_PEERING:
    return 1;
  case PF_RSRC_DEFAULT:
    return 2;
  case PF_RSRC_ENDPOINT:
    return 3;
  case PF_RSRC_BGP:
    return 4;
  case PF_RSRC_USER:
    break;
  }
  return 5;
}

static size_t *display_order(const struct pf_rtable *rt)
{
  size_t *o = pf_calloc(rt->n_routes + 1, sizeof(*o));
  size_t i, j;
  if (!o)
    return NULL;
  /* insertion sort by (group, order): tables are small */
  for (i = 0; i < rt->n_routes; i++) {
    const struct pf_eroute *r = &rt->routes[i];
    for (j = i; j > 0; j--) {
      const struct pf_eroute *q = &rt->routes[o[j - 1]];
      if (group_of(q) < group_of(r) ||
          (group_of(q) == group_of(r) && q->order < r->order))
        break;
      o[j] = o[j - 1];
    }
    o[j] = i;
  }
  return o;
}

/* The expression of a user route's appliance address that is known only
 * at deployment, or NULL (docs/semantics.md "Pending values"). */
static const char *hop_pending(const struct pf_eroute *r)
{
  return r->hop == PF_RHOP_VIRTUAL_APPLIANCE && !r->has_hop_ip && r->udr
             ? r->udr->hop_pending
             : NULL;
}

static const char *state_of(const struct pf_eroute *r)
{
  return r->unknown ? "Unknown" : r->invalid ? "Invalid" : "Active";
}

/* The address prefix column: the prefix, "Tag (N prefixes)", or what an
 * unknown route stands for. */
static void prefix_text(const struct pf_eroute *r, char *buf, size_t cap)
{
  if (r->unknown)
    snprintf(buf, cap, "%s", r->label ? r->label : "?");
  else if (r->tag || (r->label && r->n_prefixes != 1))
    snprintf(buf, cap, "%s (%zu prefix%s)", r->label ? r->label
                                                      : r->tag->name,
             r->n_prefixes, r->n_prefixes == 1 ? "" : "es");
  else if (r->n_prefixes == 1)
    pf_prefix_format(&r->prefixes[0], buf, cap);
  else
    snprintf(buf, cap, "-");
}

/* The route column: "table/name", "peering NAME", "endpoint SERVICE". */
static void route_text(const struct pf_eroute *r, char *buf, size_t cap)
{
  switch (r->src) {
  case PF_RSRC_USER:
    snprintf(buf, cap, "%s/%s", r->table ? r->table : "?",
             r->name ? r->name : "*");
    break;
  case PF_RSRC_PEERING:
    snprintf(buf, cap, "peering %s", r->name ? r->name : "?");
    break;
  case PF_RSRC_ENDPOINT:
    snprintf(buf, cap, "endpoint %s", r->service ? r->service : "?");
    break;
  case PF_RSRC_BGP:
    snprintf(buf, cap, "%s", r->name ? r->name : "-");
    break;
  case PF_RSRC_VNET:
  case PF_RSRC_DEFAULT:
    snprintf(buf, cap, "system");
    break;
  }
}

/* How the summary names the route that decided: "route NAME", ... */
static void route_desc(const struct pf_rtable *rt, size_t i, char *buf,
                       size_t cap)
{
  const struct pf_eroute *r;
  if (i == PF_ROUTE_NONE) {
    snprintf(buf, cap, "no route");
    return;
  }
  r = &rt->routes[i];
  switch (r->src) {
  case PF_RSRC_USER:
    snprintf(buf, cap, "route %s", r->name ? r->name : "?");
    break;
  case PF_RSRC_BGP:
    snprintf(buf, cap, "BGP route%s%s", r->name ? " " : "",
             r->name ? r->name : "");
    break;
  case PF_RSRC_VNET:
    snprintf(buf, cap, "virtual network route");
    break;
  case PF_RSRC_PEERING:
    snprintf(buf, cap, "peering %s", r->name ? r->name : "?");
    break;
  case PF_RSRC_ENDPOINT:
    snprintf(buf, cap, "service endpoint %s", r->service ? r->service : "?");
    break;
  case PF_RSRC_DEFAULT:
    snprintf(buf, cap, "default system route");
    break;
  }
}

static void hop_text(const struct pf_rtable *rt, size_t i, char *buf,
                     size_t cap)
{
  const struct pf_eroute *r;
  char ip[PF_ADDR_STRLEN];
  if (i == PF_ROUTE_NONE) {
    snprintf(buf, cap, "no route");
    return;
  }
  r = &rt->routes[i];
  if (r->has_hop_ip) {
    pf_addr_format(&r->hop_ip, ip, sizeof(ip));
    snprintf(buf, cap, "%s %s", pf_route_hop_name(r->hop), ip);
  } else if (hop_pending(r)) {
    snprintf(buf, cap, "%s at an address known only at deployment",
             pf_route_hop_name(r->hop));
  } else {
    snprintf(buf, cap, "%s", pf_route_hop_name(r->hop));
  }
}

static void tags_line(const struct pf_tagdb *db, char *buf, size_t cap)
{
  snprintf(buf, cap, "%s (cloud %s, changeNumber %lld)", pf_tagdb_path(db),
           pf_tagdb_cloud(db), (long long)pf_tagdb_change_number(db));
}

/* ---- the header shared by both outputs ---------------------------------- */

static void prefixes_join(const struct pf_prefix *p, size_t n, char *buf,
                          size_t cap)
{
  size_t i, used = 0;
  buf[0] = '\0';
  for (i = 0; i < n && used + PF_PREFIX_STRLEN + 2 < cap; i++) {
    if (i) {
      buf[used++] = ',';
      buf[used++] = ' ';
    }
    used += pf_prefix_format(&p[i], buf + used, cap - used);
  }
}

static void text_context(struct pf_ctx *ctx, const struct pf_rtable *rt,
                         int tags_used)
{
  FILE *o = ctx->out;
  const struct pf_subnet *s = rt->subnet;
  char buf[1024];

  if (rt->vnet) {
    prefixes_join(rt->vnet->prefixes, rt->vnet->n_prefixes, buf,
                  sizeof(buf));
    fprintf(o, "  virtual network:  %s (%s)\n", rt->vnet->hdr.name, buf);
  } else {
    fprintf(o, "  virtual network:  %s (not supplied)\n",
            last_segment(s->vnet.id));
  }
  if (!rt->table_id)
    fputs("  route table:      none\n", o);
  else if (!rt->table)
    fprintf(o, "  route table:      %s (not supplied)\n",
            last_segment(rt->table_id));
  else
    fprintf(o, "  route table:      %s, %zu route%s, BGP propagation "
            "%s\n",
            rt->table->hdr.name, rt->table->n_routes,
            rt->table->n_routes == 1 ? "" : "s",
            rt->bgp_disabled ? "disabled" : "enabled");
  fprintf(o, "  system routes:    %s documentation (--profile)\n",
          pf_route_profile_name(rt->profile));
  if (tags_used && rt->tags) {
    tags_line(rt->tags, buf, sizeof(buf));
    fprintf(o, "  service tags:     %s\n", buf);
  } else if (tags_used) {
    fputs("  service tags:     none given (--service-tags FILE)\n", o);
  }
}

static void jw_prefixes(struct pf_jw *jw, const struct pf_prefix *p,
                        size_t n)
{
  char buf[PF_PREFIX_STRLEN];
  size_t i;
  pf_jw_arr(jw);
  for (i = 0; i < n; i++) {
    pf_prefix_format(&p[i], buf, sizeof(buf));
    pf_jw_str(jw, buf);
  }
  pf_jw_arr_end(jw);
}

static void json_context(struct pf_jw *jw, const struct pf_rtable *rt,
                         int tags_used)
{
  const struct pf_subnet *s = rt->subnet;
  pf_cli_jw_tool(jw);
  pf_jw_key(jw, "subnet");
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "id", s->hdr.id);
  pf_jw_kstr(jw, "name", s->hdr.name);
  pf_jw_key(jw, "address_prefixes");
  jw_prefixes(jw, s->prefixes, s->n_prefixes);
  pf_jw_obj_end(jw);
  pf_jw_key(jw, "virtual_network");
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "id", rt->vnet ? rt->vnet->hdr.id : s->vnet.id);
  pf_jw_kstr(jw, "name", rt->vnet ? rt->vnet->hdr.name
                                  : last_segment(s->vnet.id));
  pf_jw_kbool(jw, "supplied", rt->vnet != NULL);
  pf_jw_key(jw, "address_prefixes");
  if (rt->vnet)
    jw_prefixes(jw, rt->vnet->prefixes, rt->vnet->n_prefixes);
  else
    pf_jw_null(jw);
  pf_jw_obj_end(jw);
  pf_jw_key(jw, "route_table");
  if (!rt->table_id) {
    pf_jw_null(jw);
  } else {
    pf_jw_obj(jw);
    pf_jw_kstr(jw, "id", rt->table_id);
    pf_jw_kstr(jw, "name", last_segment(rt->table_id));
    pf_jw_kbool(jw, "supplied", rt->table != NULL);
    pf_jw_key(jw, "disable_bgp_route_propagation");
    if (rt->table)
      pf_jw_bool(jw, rt->bgp_disabled);
    else
      pf_jw_null(jw);
    pf_jw_obj_end(jw);
  }
  pf_jw_kstr(jw, "profile", pf_route_profile_name(rt->profile));
  pf_jw_key(jw, "service_tags");
  if (tags_used && rt->tags) {
    pf_jw_obj(jw);
    pf_jw_kstr(jw, "path", pf_tagdb_path(rt->tags));
    pf_jw_kstr(jw, "cloud", pf_tagdb_cloud(rt->tags));
    pf_jw_kint(jw, "change_number", pf_tagdb_change_number(rt->tags));
    pf_jw_obj_end(jw);
  } else {
    pf_jw_null(jw);
  }
}

/* One route as JSON; \p full lists every prefix. */
static void jw_route(struct pf_jw *jw, const struct pf_rtable *rt, size_t i,
                     int full)
{
  const struct pf_eroute *r;
  char ip[PF_ADDR_STRLEN];
  pf_jw_obj(jw);
  if (i == PF_ROUTE_NONE) {
    pf_jw_kstr(jw, "source", NULL);
    pf_jw_kstr(jw, "origin", "none");
    pf_jw_kstr(jw, "next_hop_type", NULL);
    pf_jw_obj_end(jw);
    return;
  }
  r = &rt->routes[i];
  pf_jw_kstr(jw, "source", pf_route_src_azure(r->src));
  pf_jw_kstr(jw, "origin", pf_route_src_name(r->src));
  pf_jw_kstr(jw, "state", state_of(r));
  pf_jw_kstr(jw, "route_table", r->table);
  pf_jw_kstr(jw, "route", r->name);
  pf_jw_kstr(jw, "service", r->service);
  pf_jw_kstr(jw, "service_tag", r->tag ? r->tag->name : NULL);
  pf_jw_kstr(jw, "label", r->label);
  pf_jw_kstr(jw, "next_hop_type", pf_route_hop_name(r->hop));
  if (r->has_hop_ip) {
    pf_addr_format(&r->hop_ip, ip, sizeof(ip));
    pf_jw_kstr(jw, "next_hop_ip", ip);
  } else {
    pf_jw_kstr(jw, "next_hop_ip", NULL);
  }
  if (hop_pending(r))             /* only then: the address is unknown */
    pf_jw_kstr(jw, "next_hop_ip_pending", hop_pending(r));
  pf_jw_kint(jw, "prefix_count", (int64_t)r->n_prefixes);
  pf_jw_kint(jw, "overridden_prefixes", (int64_t)r->n_overridden);
  if (full) {
    pf_jw_key(jw, "address_prefixes");
    if (r->unknown)
      pf_jw_null(jw);
    else
      jw_prefixes(jw, r->prefixes, r->n_prefixes);
  }
  pf_jw_obj_end(jw);
}

static void jw_finding(struct pf_jw *jw, const struct pf_rtable *rt,
                       const struct pf_route_finding *f)
{
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "severity", pf_route_sev_name(f->sev));
  pf_jw_kstr(jw, "kind", pf_route_fkind_name(f->kind));
  pf_jw_kstr(jw, "route", f->route != PF_ROUTE_NONE
                              ? rt->routes[f->route].name
                              : NULL);
  pf_jw_kstr(jw, "message", f->msg);
  pf_jw_kstr(jw, "fix", f->fix[0] ? f->fix : NULL);
  pf_jw_obj_end(jw);
}

static void text_finding(struct pf_ctx *ctx, const struct pf_route_finding *f)
{
  char first[32];
  const char *col = f->sev == PF_RSEV_ERROR     ? pf_c_red(ctx)
                    : f->sev == PF_RSEV_INFO    ? pf_c_dim(ctx)
                                                : pf_c_yellow(ctx);
  fputs(col, ctx->out);
  snprintf(first, sizeof(first), "  %-8s ", pf_route_sev_name(f->sev));
  wrap(ctx->out, first, "           ", f->msg);
  if (f->fix[0]) {
    char buf[PF_ROUTE_FIX_MAX + 8];
    snprintf(buf, sizeof(buf), "fix: %s", f->fix);
    wrap(ctx->out, "           ", "                ", buf);
  }
  fputs(pf_c_reset(ctx), ctx->out);
}

/* ---- the effective table ------------------------------------------------ */

static int show_table(struct pf_ctx *ctx, const struct pf_rtable *rt,
                      const struct opts *op)
{
  size_t *ord = display_order(rt);
  size_t i, w[6] = {6, 5, 14, 13, 11, 5}, active = 0, invalid = 0,
            unknown = 0;
  char pb[512], rb[512], ip[PF_ADDR_STRLEN];
  FILE *o = ctx->out;

  if (!ord)
    return pf_cli_error(ctx, "out of memory");
  for (i = 0; i < rt->n_routes; i++) {
    const struct pf_eroute *r = &rt->routes[i];
    unknown += r->unknown != 0;
    invalid += !r->unknown && r->invalid;
    active += !r->unknown && !r->invalid;
  }
  if (op->fmt == PF_FMT_JSON) {
    struct pf_jw jw;
    pf_jw_init(&jw, o, 1);
    pf_jw_obj(&jw);
    json_context(&jw, rt, rt->tags_used);
    pf_jw_key(&jw, "routes");
    pf_jw_arr(&jw);
    for (i = 0; i < rt->n_routes; i++)
      jw_route(&jw, rt, ord[i], 1);
    pf_jw_arr_end(&jw);
    pf_jw_key(&jw, "counts");
    pf_jw_obj(&jw);
    pf_jw_kint(&jw, "active", (int64_t)active);
    pf_jw_kint(&jw, "invalid", (int64_t)invalid);
    pf_jw_kint(&jw, "unknown", (int64_t)unknown);
    pf_jw_kint(&jw, "next_hop_pending", (int64_t)rt->n_hop_pending);
    pf_jw_obj_end(&jw);
    pf_jw_kbool(&jw, "complete", rt->n_unknown == 0 &&
                                     rt->n_hop_pending == 0);
    pf_jw_key(&jw, "findings");
    pf_jw_arr(&jw);
    for (i = 0; i < rt->n_findings; i++)
      jw_finding(&jw, rt, &rt->findings[i]);
    pf_jw_arr_end(&jw);
    pf_jw_obj_end(&jw);
    pf_jw_end(&jw);
    pf_free(ord);
    return PF_EXIT_OK;
  }

  prefixes_join(rt->subnet->prefixes, rt->subnet->n_prefixes, pb,
                sizeof(pb));
  fprintf(o, "%sEffective routes of subnet %s%s (%s)\n", pf_c_bold(ctx),
          rt->subnet->hdr.name, pf_c_reset(ctx), pb);
  text_context(ctx, rt, rt->tags_used);
  /* column widths: Source, State, Address prefix, Next hop type,
   * Next hop IP, Route */
  for (i = 0; i < rt->n_routes; i++) {
    const struct pf_eroute *r = &rt->routes[i];
    size_t l;
    if ((l = strlen(pf_route_src_azure(r->src))) > w[0])
      w[0] = l;
    prefix_text(r, pb, sizeof(pb));
    if ((l = strlen(pb)) > w[2])
      w[2] = l;
    if ((l = strlen(pf_route_hop_name(r->hop))) > w[3])
      w[3] = l;
    if (r->has_hop_ip) {
      pf_addr_format(&r->hop_ip, ip, sizeof(ip));
      if ((l = strlen(ip)) > w[4])
        w[4] = l;
    } else if (hop_pending(r) && w[4] < 9) {
      w[4] = 9;                   /* "(pending)" */
    }
  }
  w[1] = 7;
  fprintf(o, "\n%s%-*s  %-*s  %-*s  %-*s  %-*s  %s%s\n", pf_c_bold(ctx),
          (int)w[0], "Source", (int)w[1], "State", (int)w[2],
          "Address prefix", (int)w[3], "Next hop type", (int)w[4],
          "Next hop IP", "Route", pf_c_reset(ctx));
  for (i = 0; i < rt->n_routes; i++) {
    const struct pf_eroute *r = &rt->routes[ord[i]];
    prefix_text(r, pb, sizeof(pb));
    route_text(r, rb, sizeof(rb));
    if (r->has_hop_ip)
      pf_addr_format(&r->hop_ip, ip, sizeof(ip));
    else
      snprintf(ip, sizeof(ip), "%s", hop_pending(r) ? "(pending)" : "-");
    fprintf(o, "%s%-*s  %-*s  %-*s  %-*s  %-*s  %s%s\n",
            r->unknown ? pf_c_yellow(ctx) : r->invalid ? pf_c_dim(ctx) : "",
            (int)w[0], pf_route_src_azure(r->src), (int)w[1], state_of(r),
            (int)w[2], pb, (int)w[3], pf_route_hop_name(r->hop), (int)w[4],
            ip, rb, (r->unknown || r->invalid) ? pf_c_reset(ctx) : "");
  }
  fprintf(o, "\n%zu route%s: %zu active, %zu invalid (overridden by a route "
          "with the same prefix), %zu unknown",
          rt->n_routes, rt->n_routes == 1 ? "" : "s", active, invalid,
          unknown);
  if (rt->n_hop_pending)
    fprintf(o, "; %zu with a next hop address known only at deployment",
            rt->n_hop_pending);
  fputc('\n', o);
  if (rt->n_findings) {
    fprintf(o, "\n%sFindings%s\n", pf_c_bold(ctx), pf_c_reset(ctx));
    for (i = 0; i < rt->n_findings; i++)
      text_finding(ctx, &rt->findings[i]);
  }
  pf_free(ord);
  return PF_EXIT_OK;
}

/* ---- next hops of a destination ----------------------------------------- */

struct dest {
  const char *query;
  const char *kind;               /* "service-tag", "prefix", "address" */
  const struct pf_tag *tag;
  struct pf_ipset set;
  struct pf_prefix *listed;       /* the prefixes counted in the summary */
  size_t n_listed, cap_listed;
  size_t n_v4, n_v6;
  pf_status status;
};

static int collect_listed(const char *text, size_t n, void *arg)
{
  struct dest *d = arg;
  struct pf_prefix p;
  struct pf_err perr;
  pf_err_clear(&perr);
  if (pf_prefix_parse(text, n, 1, &p, &perr) != PF_OK)
    return 0;                     /* validated when the file was loaded */
  if (PF_GROW(d->listed, d->cap_listed, d->n_listed + 1)) {
    d->status = PF_ENOMEM;
    return 1;
  }
  d->listed[d->n_listed++] = p;
  if (p.af == PF_AF_V4)
    d->n_v4++;
  else
    d->n_v6++;
  return 0;
}

static int parse_dest(struct pf_ctx *ctx, const struct pf_tagdb *db,
                      const char *q, struct dest *d)
{
  struct pf_prefix p;
  struct pf_err perr;
  const struct pf_tag *t = NULL;
  enum pf_tag_kind k;

  d->query = q;
  pf_err_clear(&perr);
  if (pf_prefix_parse(q, strlen(q), 1, &p, &perr) == PF_OK) {
    d->kind = strchr(q, '/') ? "prefix" : "address";
    if (pf_ipset_add_prefix(&d->set, &p) != PF_OK ||
        PF_GROW(d->listed, d->cap_listed, 1))
      return pf_cli_error(ctx, "out of memory");
    d->listed[d->n_listed++] = p;
    d->n_v4 = p.af == PF_AF_V4;
    d->n_v6 = p.af == PF_AF_V6;
    return PF_EXIT_OK;
  }
  /* something that was meant to be an address: report the parser */
  if ((q[0] >= '0' && q[0] <= '9') || strchr(q, ':') || strchr(q, '/'))
    return pf_cli_usage(ctx, "routes", "--to: %s", perr.msg);
  if (pf_tag_computed_name(q, strlen(q)))
    return pf_cli_usage(ctx, "routes", "--to: '%s' is computed from the "
                        "virtual network, not listed in the tag file; give "
                        "an address or a prefix",
                        q);
  if (!db)
    return pf_cli_usage(ctx, "routes", "--to %s needs a service tag file: "
                        "give --service-tags FILE or set "
                        "PREFLIGHT_SERVICE_TAGS",
                        q);
  k = pf_tagdb_find(db, q, strlen(q), &t);
  if (k != PF_TAG_FILE)
    return pf_cli_error(ctx, "routes: no service tag '%s' in %s (cloud %s, "
                        "changeNumber %lld)",
                        q, pf_tagdb_path(db), pf_tagdb_cloud(db),
                        (long long)pf_tagdb_change_number(db));
  d->kind = "service-tag";
  d->tag = t;
  if (pf_ipset_copy(&d->set, &t->set) != PF_OK)
    return pf_cli_error(ctx, "out of memory");
  pf_tagdb_each_listed(db, t, collect_listed, d);
  if (d->status != PF_OK)
    return pf_cli_error(ctx, "out of memory");
  return PF_EXIT_OK;
}

/* A next hop as the summary groups them: type and address, or no route. */
struct hop_group {
  size_t first_route;             /* a route of the group (for its hop) */
  size_t *routes;                 /* distinct routes, in part order */
  size_t n_routes, cap_routes;
  size_t n_whole;                 /* listed prefixes wholly in the group */
  pf_u128 addresses;
  size_t first_part;
};

struct summary {
  struct hop_group *g;
  size_t n, cap;
  size_t *group_of;               /* route (n_routes = none) -> group */
  size_t n_split;
  size_t cur;                     /* walk state: group of this prefix */
  int split;
};

static int same_hop(const struct pf_rtable *rt, size_t a, size_t b)
{
  const struct pf_eroute *x, *y;
  if (a == PF_ROUTE_NONE || b == PF_ROUTE_NONE)
    return a == b;
  x = &rt->routes[a];
  y = &rt->routes[b];
  if (x->hop != y->hop || x->has_hop_ip != y->has_hop_ip)
    return 0;
  /* two addresses known only at deployment may differ */
  if (a != b && (hop_pending(x) || hop_pending(y)))
    return 0;
  return !x->has_hop_ip ||
         (x->hop_ip.af == y->hop_ip.af && x->hop_ip.v == y->hop_ip.v);
}

struct walk_arg {
  const struct pf_rtable *rt;
  struct summary *sm;
};

static int summary_piece(size_t route, pf_u128 lo, pf_u128 hi, void *arg)
{
  struct walk_arg *wa = arg;
  size_t key = route == PF_ROUTE_NONE ? wa->rt->n_routes : route;
  size_t g = wa->sm->group_of[key];
  (void)lo;
  (void)hi;
  if (wa->sm->cur == PF_ROUTE_NONE)
    wa->sm->cur = g;
  else if (wa->sm->cur != g)
    wa->sm->split = 1;
  return 0;
}

static void summary_release(struct summary *sm)
{
  size_t i;
  for (i = 0; i < sm->n; i++)
    pf_free(sm->g[i].routes);
  pf_free(sm->g);
  pf_free(sm->group_of);
}

static int group_cmp(const void *a, const void *b)
{
  const struct hop_group *x = a, *y = b;
  if (x->n_whole != y->n_whole)
    return x->n_whole > y->n_whole ? -1 : 1;
  if (x->addresses != y->addresses)
    return x->addresses > y->addresses ? -1 : 1;
  return x->first_part < y->first_part ? -1 : x->first_part > y->first_part;
}

static pf_status summarise(const struct pf_rtable *rt,
                           const struct pf_route_parts *pp,
                           const struct dest *d, struct summary *sm)
{
  size_t i, k, g;
  struct walk_arg wa;

  memset(sm, 0, sizeof(*sm));
  sm->group_of = pf_calloc(rt->n_routes + 1, sizeof(*sm->group_of));
  if (!sm->group_of)
    return PF_ENOMEM;
  for (i = 0; i < pp->n; i++) {
    size_t r = pp->p[i].route;
    for (g = 0; g < sm->n; g++)
      if (same_hop(rt, sm->g[g].first_route, r))
        break;
    if (g == sm->n) {
      if (PF_GROW(sm->g, sm->cap, sm->n + 1))
        return PF_ENOMEM;
      memset(&sm->g[sm->n], 0, sizeof(sm->g[0]));
      sm->g[sm->n].first_route = r;
      sm->g[sm->n].first_part = i;
      sm->n++;
    }
    if (PF_GROW(sm->g[g].routes, sm->g[g].cap_routes,
                sm->g[g].n_routes + 1))
      return PF_ENOMEM;
    sm->g[g].routes[sm->g[g].n_routes++] = r;
    sm->g[g].addresses += ipset_count(&pp->p[i].set);
    sm->group_of[r == PF_ROUTE_NONE ? rt->n_routes : r] = g;
  }
  wa.rt = rt;
  wa.sm = sm;
  for (k = 0; k < d->n_listed; k++) {
    const struct pf_prefix *p = &d->listed[k];
    sm->cur = PF_ROUTE_NONE;
    sm->split = 0;
    pf_rtable_walk(rt, p->af, pf_prefix_first(p), pf_prefix_last(p),
                   summary_piece, &wa);
    if (sm->split)
      sm->n_split++;
    else if (sm->cur != PF_ROUTE_NONE)
      sm->g[sm->cur].n_whole++;
  }
  if (sm->n > 1)
    qsort(sm->g, sm->n, sizeof(*sm->g), group_cmp);
  return PF_OK;
}

/* Is route \p i of group \p g described like an earlier one?  (The four
 * reserved None routes all read "default system route".) */
static int desc_seen(const struct pf_rtable *rt, const struct hop_group *g,
                     size_t i)
{
  char a[256], b[256];
  size_t k;
  route_desc(rt, g->routes[i], b, sizeof(b));
  for (k = 0; k < i; k++) {
    route_desc(rt, g->routes[k], a, sizeof(a));
    if (!strcmp(a, b))
      return 1;
  }
  return 0;
}

/* "(route a)", "(route a; default system route)" */
static void group_routes(const struct pf_rtable *rt,
                         const struct hop_group *g, struct pf_strbuf *sb)
{
  size_t i;
  char buf[256];
  pf_strbuf_adds(sb, "(");
  for (i = 0; i < g->n_routes; i++) {
    if (desc_seen(rt, g, i))
      continue;
    route_desc(rt, g->routes[i], buf, sizeof(buf));
    pf_strbuf_addf(sb, "%s%s", i ? "; " : "", buf);
  }
  pf_strbuf_adds(sb, ")");
}

static void summary_text(const struct pf_rtable *rt, const struct dest *d,
                         const struct summary *sm, struct pf_strbuf *sb)
{
  size_t i;
  char hop[128], cnt[48];
  int is_tag = d->tag != NULL;
  const char *what = is_tag ? d->tag->name : d->query;

  for (i = 0; i < sm->n; i++) {
    const struct hop_group *g = &sm->g[i];
    int none = g->first_route == PF_ROUTE_NONE;
    size_t n = g->n_whole;
    hop_text(rt, g->first_route, hop, sizeof(hop));
    u128_text(g->addresses, cnt, sizeof(cnt));
    if (i)
      pf_strbuf_adds(sb, "; ");
    if (is_tag && i == 0 && n == d->n_listed)
      pf_strbuf_addf(sb, "%s %zu prefix%s of %s %s", n == 1 ? "The" : "All",
                     n, n == 1 ? "" : "es", what,
                     none ? (n == 1 ? "has" : "have")
                          : (n == 1 ? "leaves" : "leave"));
    else if (is_tag && i == 0)
      pf_strbuf_addf(sb, "%zu of %zu prefixes of %s %s", n, d->n_listed,
                     what, none ? (n == 1 ? "has" : "have")
                                : (n == 1 ? "leaves" : "leave"));
    else if (is_tag)
      pf_strbuf_addf(sb, "%zu%s", n, none ? (n == 1 ? " has" : " have")
                                          : "");
    else if (sm->n == 1)
      pf_strbuf_addf(sb, "%s %s", what, none ? "has" : "leaves");
    else if (i == 0)
      pf_strbuf_addf(sb, "%s: %s address%s %s", what, cnt,
                     g->addresses == 1 ? "" : "es",
                     none ? (g->addresses == 1 ? "has" : "have")
                          : (g->addresses == 1 ? "leaves" : "leave"));
    else
      pf_strbuf_addf(sb, "%s%s", cnt,
                     none ? (g->addresses == 1 ? " has" : " have") : "");
    if (none) {
      pf_strbuf_addf(sb, " no route%s", rt->has_v6 ? "" : " (the subnet "
                     "has no IPv6 address space)");
      continue;
    }
    pf_strbuf_addf(sb, " via %s ", hop);
    group_routes(rt, g, sb);
  }
  if (is_tag && sm->n_split)
    pf_strbuf_addf(sb, "; %zu %s split between next hops", sm->n_split,
                   sm->n_split == 1 ? "is" : "are");
  if (rt->n_unknown)
    pf_strbuf_addf(sb, "; this holds for the known routes only: %zu "
                   "route%s could not be determined (see Findings)",
                   rt->n_unknown, rt->n_unknown == 1 ? "" : "s");
}

struct print_arg {
  FILE *o;
  struct pf_jw *jw;
  size_t printed, limit;
};

static int print_prefix(const struct pf_prefix *p, void *arg)
{
  struct print_arg *pa = arg;
  char buf[PF_PREFIX_STRLEN];
  pf_prefix_format(p, buf, sizeof(buf));
  if (pa->jw) {
    pf_jw_str(pa->jw, buf);
  } else {
    if (pa->limit && pa->printed >= pa->limit) {
      pa->printed++;
      return 0;
    }
    fprintf(pa->o, "    %s\n", buf);
  }
  pa->printed++;
  return 0;
}

static size_t each_block(const struct pf_ipset *s, struct print_arg *pa)
{
  unsigned af;
  size_t i;
  pa->printed = 0;
  for (af = 0; af < PF_AF_COUNT; af++)
    for (i = 0; i < s->fam[af].n; i++)
      pf_range_to_prefixes((enum pf_af)af, s->fam[af].r[i].lo,
                           s->fam[af].r[i].hi, print_prefix, pa);
  return pa->printed;
}

static int count_one(const struct pf_prefix *p, void *arg)
{
  (void)p;
  (*(size_t *)arg)++;
  return 0;
}

/* Number of CIDR blocks that print \p s. */
static size_t count_blocks(const struct pf_ipset *s)
{
  unsigned af;
  size_t i, n = 0;
  for (af = 0; af < PF_AF_COUNT; af++)
    for (i = 0; i < s->fam[af].n; i++)
      pf_range_to_prefixes((enum pf_af)af, s->fam[af].r[i].lo,
                           s->fam[af].r[i].hi, count_one, &n);
  return n;
}

/* Findings worth repeating beside an answer: unknowns, findings about the
 * routes that won a part, and findings about no route in particular. */
static int relevant(const struct pf_route_parts *pp,
                    const struct pf_route_finding *f)
{
  size_t i;
  if (f->sev == PF_RSEV_UNKNOWN)
    return 1;
  if (f->route == PF_ROUTE_NONE)
    return f->sev != PF_RSEV_INFO;
  for (i = 0; i < pp->n; i++)
    if (pp->p[i].route == f->route)
      return 1;
  return 0;
}

/*
 * What the text output prints: the parts (one per winning route) merged
 * when both their next hop and the way they are described coincide - the
 * four reserved None routes print as one "None: default system route"
 * section - in the order of the summary's next hops.
 */
struct section {
  size_t route;                   /* a route of the section */
  char desc[256];
  struct pf_ipset set;
  size_t rank, first;
};

static int section_cmp(const void *a, const void *b)
{
  const struct section *x = a, *y = b;
  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  return x->first < y->first ? -1 : x->first > y->first;
}

static pf_status make_sections(const struct pf_rtable *rt,
                               const struct pf_route_parts *pp,
                               const struct summary *sm,
                               struct section **out, size_t *n_out)
{
  struct section *v = NULL;
  size_t n = 0, cap = 0, i, k;
  char desc[256], rb[256];

  for (i = 0; i < pp->n; i++) {
    const struct pf_route_part *p = &pp->p[i];
    if (p->route == PF_ROUTE_NONE) {
      snprintf(desc, sizeof(desc), "%s", rt->has_v6
               ? "no route covers these addresses"
               : "the subnet has no IPv6 address space");
    } else if (rt->routes[p->route].src == PF_RSRC_USER) {
      route_text(&rt->routes[p->route], rb, sizeof(rb));
      snprintf(desc, sizeof(desc), "route %s", rb);
    } else {
      route_desc(rt, p->route, desc, sizeof(desc));
    }
    for (k = 0; k < n; k++)
      if (same_hop(rt, v[k].route, p->route) && !strcmp(v[k].desc, desc))
        break;
    if (k == n) {
      if (PF_GROW(v, cap, n + 1))
        goto oom;
      memset(&v[n], 0, sizeof(v[n]));
      v[n].route = p->route;
      snprintf(v[n].desc, sizeof(v[n].desc), "%s", desc);
      pf_ipset_init(&v[n].set);
      v[n].first = i;
      for (v[n].rank = 0; v[n].rank < sm->n; v[n].rank++)
        if (same_hop(rt, sm->g[v[n].rank].first_route, p->route))
          break;
      if (pf_ipset_copy(&v[n].set, &p->set) != PF_OK) {
        n++;
        goto oom;
      }
      n++;
    } else {
      struct pf_ipset u;
      pf_ipset_init(&u);
      if (pf_ipset_union(&u, &v[k].set, &p->set) != PF_OK) {
        pf_ipset_release(&u);
        goto oom;
      }
      pf_ipset_release(&v[k].set);
      v[k].set = u;
    }
  }
  if (n > 1)
    qsort(v, n, sizeof(*v), section_cmp);
  *out = v;
  *n_out = n;
  return PF_OK;
oom:
  for (i = 0; i < n; i++)
    pf_ipset_release(&v[i].set);
  pf_free(v);
  return PF_ENOMEM;
}

static int show_to(struct pf_ctx *ctx, const struct pf_rtable *rt,
                   const struct dest *d, const struct opts *op)
{
  struct pf_route_parts pp;
  struct summary sm;
  struct pf_strbuf sb;
  struct print_arg pa;
  FILE *o = ctx->out;
  char hop[128], desc[256], cnt[48];
  struct section *sec = NULL;
  size_t i, shown = 0, n_sec = 0;
  int rc = PF_EXIT_OK, tags_used = rt->tags_used || d->tag;

  pf_route_parts_init(&pp);
  pf_strbuf_init(&sb, (size_t)1 << 20);
  memset(&sm, 0, sizeof(sm));
  if (pf_rtable_partition(rt, &d->set, &pp) != PF_OK ||
      summarise(rt, &pp, d, &sm) != PF_OK) {
    rc = pf_cli_error(ctx, "out of memory");
    goto done;
  }
  summary_text(rt, d, &sm, &sb);
  memset(&pa, 0, sizeof(pa));
  pa.o = o;
  pa.limit = op->all ? 0 : PART_LIMIT;

  if (op->fmt == PF_FMT_JSON) {
    struct pf_jw jw;
    pf_jw_init(&jw, o, 1);
    pa.jw = &jw;
    pf_jw_obj(&jw);
    json_context(&jw, rt, tags_used);
    pf_jw_key(&jw, "destination");
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "query", d->query);
    pf_jw_kstr(&jw, "kind", d->kind);
    pf_jw_kstr(&jw, "service_tag", d->tag ? d->tag->name : NULL);
    pf_jw_kint(&jw, "prefixes", (int64_t)d->n_listed);
    pf_jw_kint(&jw, "prefixes_ipv4", (int64_t)d->n_v4);
    pf_jw_kint(&jw, "prefixes_ipv6", (int64_t)d->n_v6);
    pf_jw_obj_end(&jw);
    pf_jw_kstr(&jw, "summary", pf_strbuf_str(&sb));
    pf_jw_key(&jw, "next_hops");
    pf_jw_arr(&jw);
    for (i = 0; i < sm.n; i++) {
      const struct hop_group *g = &sm.g[i];
      size_t k;
      pf_jw_obj(&jw);
      if (g->first_route == PF_ROUTE_NONE) {
        pf_jw_kstr(&jw, "next_hop_type", NULL);
        pf_jw_kstr(&jw, "next_hop_ip", NULL);
      } else {
        const struct pf_eroute *r = &rt->routes[g->first_route];
        char ip[PF_ADDR_STRLEN];
        pf_jw_kstr(&jw, "next_hop_type", pf_route_hop_name(r->hop));
        if (r->has_hop_ip)
          pf_addr_format(&r->hop_ip, ip, sizeof(ip));
        pf_jw_kstr(&jw, "next_hop_ip", r->has_hop_ip ? ip : NULL);
      }
      pf_jw_key(&jw, "routes");
      pf_jw_arr(&jw);
      for (k = 0; k < g->n_routes; k++) {
        if (desc_seen(rt, g, k))
          continue;
        route_desc(rt, g->routes[k], desc, sizeof(desc));
        pf_jw_str(&jw, desc);
      }
      pf_jw_arr_end(&jw);
      pf_jw_kint(&jw, "whole_prefixes", (int64_t)g->n_whole);
      u128_text(g->addresses, cnt, sizeof(cnt));
      pf_jw_kstr(&jw, "addresses", cnt);
      pf_jw_obj_end(&jw);
    }
    pf_jw_arr_end(&jw);
    pf_jw_kint(&jw, "split_prefixes", (int64_t)sm.n_split);
    pf_jw_key(&jw, "parts");
    pf_jw_arr(&jw);
    for (i = 0; i < pp.n; i++) {
      pf_jw_obj(&jw);
      pf_jw_key(&jw, "route");
      jw_route(&jw, rt, pp.p[i].route, 0);
      u128_text(ipset_count(&pp.p[i].set), cnt, sizeof(cnt));
      pf_jw_kstr(&jw, "addresses", cnt);
      pf_jw_key(&jw, "prefixes");
      pf_jw_arr(&jw);
      each_block(&pp.p[i].set, &pa);
      pf_jw_arr_end(&jw);
      pf_jw_obj_end(&jw);
    }
    pf_jw_arr_end(&jw);
    {
      /* a part sent to an appliance whose address is pending is not a
       * complete answer either */
      int complete = pp.complete;
      for (i = 0; i < pp.n; i++)
        if (pp.p[i].route != PF_ROUTE_NONE &&
            hop_pending(&rt->routes[pp.p[i].route]))
          complete = 0;
      pf_jw_kbool(&jw, "complete", complete);
    }
    pf_jw_key(&jw, "findings");
    pf_jw_arr(&jw);
    for (i = 0; i < rt->n_findings; i++)
      if (relevant(&pp, &rt->findings[i]))
        jw_finding(&jw, rt, &rt->findings[i]);
    pf_jw_arr_end(&jw);
    pf_jw_obj_end(&jw);
    pf_jw_end(&jw);
    goto done;
  }

  fprintf(o, "%sNext hops from subnet %s to %s%s\n", pf_c_bold(ctx),
          rt->subnet->hdr.name, d->tag ? d->tag->name : d->query,
          pf_c_reset(ctx));
  if (d->tag)
    fprintf(o, "  destination:      service tag %s, %zu prefix%s (%zu IPv4, "
            "%zu IPv6)\n",
            d->tag->name, d->n_listed, d->n_listed == 1 ? "" : "es",
            d->n_v4, d->n_v6);
  else
    fprintf(o, "  destination:      %s %s\n", d->kind, d->query);
  text_context(ctx, rt, tags_used);
  fputc('\n', o);
  wrap(o, "", "", pf_strbuf_str(&sb));
  if (make_sections(rt, &pp, &sm, &sec, &n_sec) != PF_OK) {
    rc = pf_cli_error(ctx, "out of memory");
    goto done;
  }
  for (i = 0; i < n_sec; i++) {
    const struct section *x = &sec[i];
    size_t n = count_blocks(&x->set);
    hop_text(rt, x->route, hop, sizeof(hop));
    u128_text(ipset_count(&x->set), cnt, sizeof(cnt));
    fprintf(o, "\n%s%s%s: %s\n  %s address%s in %zu block%s:\n",
            pf_c_bold(ctx), x->route == PF_ROUTE_NONE ? "No route" : hop,
            pf_c_reset(ctx), x->desc, cnt, strcmp(cnt, "1") ? "es" : "", n,
            n == 1 ? "" : "s");
    each_block(&x->set, &pa);
    if (pa.limit && n > pa.limit)
      fprintf(o, "    ... %zu more block%s (--all prints them)\n",
              n - pa.limit, n - pa.limit == 1 ? "" : "s");
  }
  for (i = 0; i < rt->n_findings; i++)
    if (relevant(&pp, &rt->findings[i])) {
      if (!shown++)
        fprintf(o, "\n%sFindings%s\n", pf_c_bold(ctx), pf_c_reset(ctx));
      text_finding(ctx, &rt->findings[i]);
    }
done:
  for (i = 0; i < n_sec; i++)
    pf_ipset_release(&sec[i].set);
  pf_free(sec);
  summary_release(&sm);
  pf_strbuf_release(&sb);
  pf_route_parts_release(&pp);
  return rc;
}

/* ---- the command -------------------------------------------------------- */

static int find_subnet(struct pf_ctx *ctx, const struct pf_config *cfg,
                       const char *arg, const struct pf_subnet **out)
{
  const struct pf_subnet *hit = NULL;
  size_t i, n = 0, nsub = cfg->n_res[PF_K_SUBNET];
  struct pf_strbuf sb;
  int rc;

  *out = NULL;
  if (strchr(arg, '/')) {
    const struct pf_res *r = pf_config_find(cfg, arg);
    if (r && r->kind == PF_K_SUBNET) {
      *out = (const struct pf_subnet *)r;
      return PF_EXIT_OK;
    }
  } else {
    for (i = 0; i < nsub; i++) {
      const struct pf_res *r = cfg->res[PF_K_SUBNET][i];
      if (r->name && !strcasecmp(r->name, arg)) {
        hit = (const struct pf_subnet *)r;
        n++;
      }
    }
    if (n == 1) {
      *out = hit;
      return PF_EXIT_OK;
    }
  }
  pf_strbuf_init(&sb, (size_t)1 << 20);
  for (i = 0; i < nsub; i++) {
    const struct pf_res *r = cfg->res[PF_K_SUBNET][i];
    if (n > 1 && strcasecmp(r->name, arg))
      continue;
    pf_strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", n > 1 ? r->id : r->name);
  }
  if (n > 1)
    rc = pf_cli_usage(ctx, "routes", "subnet name '%s' is ambiguous: give "
                      "one of the ids %s",
                      arg, pf_strbuf_str(&sb));
  else
    rc = pf_cli_error(ctx, "routes: subnet '%s' is not among the inputs "
                      "(%s%s); add `az network vnet show` output that "
                      "contains it",
                      arg, nsub ? "subnets: " : "no subnets were loaded",
                      pf_strbuf_str(&sb));
  pf_strbuf_release(&sb);
  return rc;
}

int cmd_routes(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option lopts[] = {
    {"all", no_argument, NULL, 'a'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"profile", required_argument, NULL, 'p'},
    {"service-tags", required_argument, NULL, 't'},
    {"subnet", required_argument, NULL, 's'},
    {"to", required_argument, NULL, 'T'},
    PF_CLI_LOAD_OPTIONS,
    {NULL, 0, NULL, 0}
  };
  const char *tags_opt = NULL;
  struct opts op;
  struct pf_config *cfg = NULL;
  struct pf_tagdb *db = NULL;
  struct pf_rtable *rt = NULL;
  const struct pf_subnet *s = NULL;
  struct pf_route_opts ro;
  struct pf_err err;
  struct dest d;
  pf_status st;
  int c, rc = PF_EXIT_OK;

  memset(&op, 0, sizeof(op));
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
    switch (c) {
    case 'a':
      op.all = 1;
      break;
    case 'f':
      if (pf_cli_format(ctx, "routes", optarg, 0, &op.fmt))
        return PF_EXIT_ERROR;
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case 'p':
      if (pf_route_profile_parse(optarg, &op.profile) != PF_OK)
        return pf_cli_usage(ctx, "routes", "unknown profile '%s' (expected "
                            "2017 or 2023)", optarg);
      break;
    case 's':
      op.subnet = optarg;
      break;
    case 't':
      tags_opt = optarg;
      break;
    case 'T':
      op.to = optarg;
      break;
    default:
      if (pf_cli_load_option(ctx, c, optarg))   /* PF_CLI_LOAD_OPTIONS */
        break;
      return pf_cli_usage(ctx, "routes", "unknown or incomplete option "
                          "'%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return pf_cli_usage(ctx, "routes", "no PATH given");
  if (!op.subnet)
    return pf_cli_usage(ctx, "routes", "--subnet ID|NAME is required");

  pf_err_clear(&err);
  memset(&d, 0, sizeof(d));
  pf_ipset_init(&d.set);
  if ((rc = pf_cli_load(ctx, argv + optind, (size_t)(argc - optind),
                         tags_opt, &cfg, &db)) != PF_EXIT_OK)
    goto done;
  pf_cli_warn_config(ctx, cfg);
  if ((rc = find_subnet(ctx, cfg, op.subnet, &s)) != PF_EXIT_OK)
    goto done;
  if (op.to && (rc = parse_dest(ctx, db, op.to, &d)) != PF_EXIT_OK)
    goto done;
  ro.profile = op.profile;
  ro.tags = db;
  if ((st = pf_rtable_build(cfg, s, &ro, &rt, &err)) != PF_OK) {
    rc = pf_cli_fail(ctx, st, &err);
    goto done;
  }
  rc = op.to ? show_to(ctx, rt, &d, &op) : show_table(ctx, rt, &op);
done:
  pf_free(d.listed);
  pf_ipset_release(&d.set);
  pf_rtable_destroy(rt);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
  return rc;
}
