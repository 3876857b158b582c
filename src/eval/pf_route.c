/* SPDX-License-Identifier: MIT */
/* pf_route.c - effective routes of a subnet, next hops of address sets
 *
 * specification: AZURE-SEMANTICS.md 2.1-2.5 and 1.9 (see pf_route.h).
 *
 * Selection in one paragraph: every (prefix, route) pair is an entry.
 * Entries with the same prefix form a node of the prefix tree; the best
 * entry of a node (source precedence, then tag rank, then table order)
 * wins the node and the others are "overridden" there.  An address is
 * decided by the deepest node containing it (longest prefix match), with
 * one exception: below a VNet, peering or service endpoint route, BGP
 * routes do not compete at all, "even if a BGP route is more specific"
 * (2.4.3).  A depth-first sweep over the sorted nodes carries both
 * winners (with and without BGP) down the tree and emits disjoint
 * segments, so the whole address space is decided in O(n log n).
 */
#include "pf_route.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_mem.h"

/* ---- names ------------------------------------------------------------- */

pf_status pf_route_profile_parse(const char *s, enum pf_route_profile *out)
{
  if (!strcmp(s, "2023"))
    *out = PF_ROUTE_PROFILE_2023;
  else if (!strcmp(s, "2017"))
    *out = PF_ROUTE_PROFILE_2017;
  else
    return PF_EINVAL;
  return PF_OK;
}

const char *pf_route_profile_name(enum pf_route_profile p)
{
  return p == PF_ROUTE_PROFILE_2017 ? "2017" : "2023";
}

const char *pf_route_src_name(enum pf_route_src s)
{
  switch (s) {
  case PF_RSRC_USER:
    return "user";
  case PF_RSRC_BGP:
    return "bgp";
  case PF_RSRC_VNET:
    return "vnet";
  case PF_RSRC_PEERING:
    return "peering";
  case PF_RSRC_ENDPOINT:
    return "service-endpoint";
  case PF_RSRC_DEFAULT:
    break;
  }
  return "default";
}

const char *pf_route_src_azure(enum pf_route_src s)
{
  if (s == PF_RSRC_USER)
    return "User";
  if (s == PF_RSRC_BGP)
    return "VirtualNetworkGateway";
  return "Default";
}

const char *pf_route_hop_name(enum pf_route_hop h)
{
  switch (h) {
  case PF_RHOP_VNET_LOCAL:
    return "VnetLocal";
  case PF_RHOP_INTERNET:
    return "Internet";
  case PF_RHOP_VIRTUAL_APPLIANCE:
    return "VirtualAppliance";
  case PF_RHOP_VNET_GATEWAY:
    return "VirtualNetworkGateway";
  case PF_RHOP_NONE:
    return "None";
  case PF_RHOP_PEERING:
    return "VNetPeering";
  case PF_RHOP_ENDPOINT:
    break;
  }
  return "VirtualNetworkServiceEndpoint";
}

const char *pf_route_sev_name(enum pf_route_sev s)
{
  switch (s) {
  case PF_RSEV_INFO:
    return "info";
  case PF_RSEV_WARNING:
    return "warning";
  case PF_RSEV_ERROR:
    return "error";
  case PF_RSEV_UNKNOWN:
    break;
  }
  return "unknown";
}

const char *pf_route_fkind_name(enum pf_route_fkind k)
{
  static const char *const names[] = {
    "route-table-missing", "route-table-by-back-reference",
    "vnet-missing", "no-service-tags", "tag-unknown", "tag-not-routable",
    "tag-without-udr", "tag-features-unlisted", "too-many-tag-routes",
    "next-hop-outside-vnet", "duplicate-prefix", "endpoint-unknown",
    "peering-unknown", "peering-not-connected", "bgp-disabled",
    "next-hop-pending"};
  if ((size_t)k < sizeof(names) / sizeof(names[0]))
    return names[k];
  return "?";
}

enum pf_route_tagrank pf_route_tag_rank(const struct pf_tag *tag)
{
  /* 2.5: regional > top-level > AzureCloud.<region> > AzureCloud.  A
   * dotted name is not necessarily regional (3.1: AzureFrontDoor.Frontend
   * has region ""), so the region field decides, not the dot. */
  if (!strncasecmp(tag->name, "AzureCloud", 10) &&
      (tag->name[10] == '\0' || tag->name[10] == '.'))
    return tag->name[10] == '\0' ? PF_RTAG_CLOUD : PF_RTAG_CLOUD_REGIONAL;
  return tag->region[0] ? PF_RTAG_REGIONAL : PF_RTAG_GLOBAL;
}

/* ---- the table --------------------------------------------------------- */

struct rt_seg {
  pf_u128 lo, hi;
  size_t route;
};

/* Exists from creation: it also owns the labels made up while building;
 * `compiled` says whether the segments match the routes. */
struct pf_rtable_idx {
  int compiled;
  struct rt_seg *seg[PF_AF_COUNT];
  size_t n[PF_AF_COUNT], cap[PF_AF_COUNT];
  char **strs;                  /* strings made for labels, owned */
  size_t n_strs, cap_strs;
};

static void idx_clear_segments(struct pf_rtable_idx *x)
{
  unsigned af;
  for (af = 0; af < PF_AF_COUNT; af++) {
    pf_free(x->seg[af]);
    x->seg[af] = NULL;
    x->n[af] = x->cap[af] = 0;
  }
}

pf_status pf_rtable_create(struct pf_rtable **out)
{
  struct pf_rtable *rt = pf_calloc(1, sizeof(*rt));
  struct pf_rtable_idx *x = pf_calloc(1, sizeof(*x));
  *out = NULL;
  if (!rt || !x) {
    pf_free(rt);
    pf_free(x);
    return PF_ENOMEM;
  }
  rt->idx = x;
  *out = rt;
  return PF_OK;
}

void pf_rtable_destroy(struct pf_rtable *rt)
{
  size_t i;
  if (!rt)
    return;
  for (i = 0; i < rt->n_routes; i++)
    pf_free(rt->routes[i].prefixes);
  pf_free(rt->routes);
  pf_free(rt->findings);
  if (rt->idx) {
    struct pf_rtable_idx *x = rt->idx;
    idx_clear_segments(x);
    for (i = 0; i < x->n_strs; i++)
      pf_free(x->strs[i]);
    pf_free(x->strs);
    pf_free(x);
  }
  pf_free(rt);
}

/* A string owned by the table (labels such as "Storage (northeurope)"). */
static const char *rt_strdup(struct pf_rtable *rt, const char *s)
{
  struct pf_rtable_idx *x = rt->idx;
  char *c;
  if (PF_GROW(x->strs, x->cap_strs, x->n_strs + 1))
    return NULL;
  if (!(c = pf_strdup(s)))
    return NULL;
  x->strs[x->n_strs++] = c;
  return c;
}

static int prefix_cmp(const void *a, const void *b)
{
  const struct pf_prefix *x = a, *y = b;
  if (x->af != y->af)
    return x->af < y->af ? -1 : 1;
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  return 0;
}

pf_status pf_rtable_note(struct pf_rtable *rt, enum pf_route_fkind kind,
                         enum pf_route_sev sev, size_t route,
                         const char *fix, const char *fmt, ...)
{
  struct pf_route_finding *f;
  va_list ap;
  if (PF_GROW(rt->findings, rt->cap_findings, rt->n_findings + 1))
    return PF_ENOMEM;
  f = &rt->findings[rt->n_findings++];
  memset(f, 0, sizeof(*f));
  f->kind = kind;
  f->sev = sev;
  f->route = route;
  va_start(ap, fmt);
  vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
  va_end(ap);
  if (fix)
    snprintf(f->fix, sizeof(f->fix), "%s", fix);
  return PF_OK;
}

pf_status pf_rtable_add(struct pf_rtable *rt, const struct pf_eroute *r,
                        const struct pf_prefix *p, size_t n, size_t *index)
{
  struct pf_eroute *d;
  size_t i, k;

  if (index)
    *index = PF_ROUTE_NONE;
  if (r->src == PF_RSRC_BGP && rt->bgp_disabled) {
    char buf[PF_PREFIX_STRLEN] = "";
    if (n)
      pf_prefix_format(&p[0], buf, sizeof(buf));
    return pf_rtable_note(rt, PF_RF_BGP_DISABLED, PF_RSEV_INFO,
                          PF_ROUTE_NONE, NULL,
                          "BGP route %s%s%s not added: the route table "
                          "disables BGP route propagation",
                          r->name ? r->name : "", r->name ? " " : "", buf);
  }
  if (PF_GROW(rt->routes, rt->cap_routes, rt->n_routes + 1))
    return PF_ENOMEM;
  d = &rt->routes[rt->n_routes];
  *d = *r;
  d->prefixes = NULL;
  d->n_prefixes = 0;
  d->n_overridden = 0;
  d->invalid = 0;
  if (n) {
    d->prefixes = pf_reallocarray(NULL, n, sizeof(*d->prefixes));
    if (!d->prefixes)
      return PF_ENOMEM;
    memcpy(d->prefixes, p, n * sizeof(*p));
    qsort(d->prefixes, n, sizeof(*d->prefixes), prefix_cmp);
    /* a tag may list a prefix twice; one route, one entry per prefix */
    for (i = 1, k = 1; i < n; i++)
      if (prefix_cmp(&d->prefixes[i], &d->prefixes[k - 1]))
        d->prefixes[k++] = d->prefixes[i];
    d->n_prefixes = k;
  }
  d->order = rt->n_routes;
  rt->n_unknown += d->unknown != 0;
  if (index)
    *index = rt->n_routes;
  rt->n_routes++;
  rt->idx->compiled = 0;
  return PF_OK;
}

/* ---- compile ----------------------------------------------------------- */

/*
 * Precedence among routes with the very same prefix (2.4, 2.5): a user
 * route with an explicit prefix, then user tag routes by tag rank, then
 * the VNet, peering and service endpoint system routes (they beat BGP,
 * 2.4.3), then BGP, then the remaining system routes (Internet, None).
 * Inference: the order among the three protected system kinds is not
 * documented; they rarely share a prefix.  Equal scores fall back to the
 * order of addition (table order for UDRs).
 */
static int route_score(const struct pf_eroute *r)
{
  switch (r->src) {
  case PF_RSRC_USER:
    return r->rank == PF_RTAG_NONE ? 100 : 90 - (int)r->rank;
  case PF_RSRC_VNET:
    return 60;
  case PF_RSRC_PEERING:
    return 59;
  case PF_RSRC_ENDPOINT:
    return 58;
  case PF_RSRC_BGP:
    return 40;
  case PF_RSRC_DEFAULT:
    break;
  }
  return 20;
}

static int route_protected(const struct pf_eroute *r)
{
  return r->src == PF_RSRC_VNET || r->src == PF_RSRC_PEERING ||
         r->src == PF_RSRC_ENDPOINT;
}

struct rt_ent {
  pf_u128 lo, hi;
  unsigned len;
  int score;
  size_t order;
  size_t route;
};

static int ent_cmp(const void *a, const void *b)
{
  const struct rt_ent *x = a, *y = b;
  if (x->lo != y->lo)
    return x->lo < y->lo ? -1 : 1;
  if (x->len != y->len)          /* containing prefixes first */
    return x->len < y->len ? -1 : 1;
  if (x->score != y->score)      /* the winner of the node first */
    return x->score > y->score ? -1 : 1;
  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  return 0;
}

static pf_status seg_emit(struct pf_rtable_idx *x, unsigned af, pf_u128 lo,
                          pf_u128 hi, size_t route)
{
  struct rt_seg *last;
  if (lo > hi)
    return PF_OK;
  last = x->n[af] ? &x->seg[af][x->n[af] - 1] : NULL;
  if (last && last->route == route && last->hi + 1 == lo) {
    last->hi = hi;
    return PF_OK;
  }
  if (PF_GROW(x->seg[af], x->cap[af], x->n[af] + 1))
    return PF_ENOMEM;
  x->seg[af][x->n[af]].lo = lo;
  x->seg[af][x->n[af]].hi = hi;
  x->seg[af][x->n[af]].route = route;
  x->n[af]++;
  return PF_OK;
}

/* One open node of the sweep. */
struct rt_frame {
  pf_u128 hi;
  size_t win_all;       /* deepest node winner on the path */
  size_t win_nobgp;     /* deepest non-BGP node winner on the path */
  int prot;             /* a VNet/peering/endpoint route on the path */
  size_t winner;
};

/* Nested prefixes have strictly growing lengths: at most 129 levels. */
#define RT_MAX_DEPTH 130

static pf_status sweep(struct pf_rtable *rt, unsigned af,
                       const struct rt_ent *e, size_t n)
{
  struct pf_rtable_idx *x = rt->idx;
  struct rt_frame st[RT_MAX_DEPTH];
  size_t depth = 0, i = 0, j;
  pf_u128 cur = 0;
  pf_status status;

  while (i < n) {
    struct rt_frame f;
    size_t best_nobgp = PF_ROUTE_NONE;
    int prot = 0;
    pf_u128 lo = e[i].lo;

    /* the node: every entry with this prefix; the first one wins it */
    for (j = i; j < n && e[j].lo == lo && e[j].len == e[i].len; j++) {
      const struct pf_eroute *r = &rt->routes[e[j].route];
      if (j > i)
        rt->routes[e[j].route].n_overridden++;
      if (best_nobgp == PF_ROUTE_NONE && r->src != PF_RSRC_BGP)
        best_nobgp = e[j].route;
      prot |= route_protected(r);
    }
    /* close the nodes that end before this one starts */
    while (depth && st[depth - 1].hi < lo) {
      status = seg_emit(x, af, cur, st[depth - 1].hi, st[depth - 1].winner);
      if (status != PF_OK)
        return status;
      cur = st[depth - 1].hi + 1;   /* < lo: no overflow */
      depth--;
    }
    if (depth && cur < lo) {
      status = seg_emit(x, af, cur, lo - 1, st[depth - 1].winner);
      if (status != PF_OK)
        return status;
    }
    cur = lo;
    if (depth) {
      f = st[depth - 1];
    } else {
      f.win_all = f.win_nobgp = PF_ROUTE_NONE;
      f.prot = 0;
    }
    f.hi = e[i].hi;
    f.win_all = e[i].route;
    if (best_nobgp != PF_ROUTE_NONE)
      f.win_nobgp = best_nobgp;
    f.prot |= prot;
    /* 2.4.3: under a protected system route BGP does not compete */
    f.winner = f.prot ? f.win_nobgp : f.win_all;
    if (depth == RT_MAX_DEPTH)
      return PF_EINVAL;             /* cannot happen for CIDR blocks */
    st[depth++] = f;
    i = j;
  }
  while (depth) {
    const struct rt_frame *t = &st[depth - 1];
    if (cur <= t->hi) {
      status = seg_emit(x, af, cur, t->hi, t->winner);
      if (status != PF_OK)
        return status;
    }
    if (t->hi == pf_af_max((enum pf_af)af))
      break;                        /* everything after is decided */
    cur = t->hi + 1;
    depth--;
  }
  return PF_OK;
}

pf_status pf_rtable_compile(struct pf_rtable *rt)
{
  struct rt_ent *e[PF_AF_COUNT] = {NULL, NULL};
  size_t n[PF_AF_COUNT] = {0, 0}, cap[PF_AF_COUNT] = {0, 0}, i, k;
  pf_status status = PF_OK;
  unsigned af;

  idx_clear_segments(rt->idx);
  rt->idx->compiled = 0;
  for (i = 0; i < rt->n_routes; i++) {
    struct pf_eroute *r = &rt->routes[i];
    int score = route_score(r);
    r->n_overridden = 0;
    r->invalid = 0;
    for (k = 0; k < r->n_prefixes; k++) {
      const struct pf_prefix *p = &r->prefixes[k];
      struct rt_ent *t;
      af = (unsigned)p->af;
      if (PF_GROW(e[af], cap[af], n[af] + 1)) {
        status = PF_ENOMEM;
        goto done;
      }
      t = &e[af][n[af]++];
      t->lo = pf_prefix_first(p);
      t->hi = pf_prefix_last(p);
      t->len = p->len;
      t->score = score;
      t->order = r->order;
      t->route = i;
    }
  }
  for (af = 0; af < PF_AF_COUNT; af++) {
    if (n[af])
      qsort(e[af], n[af], sizeof(*e[af]), ent_cmp);
    if ((status = sweep(rt, af, e[af], n[af])) != PF_OK)
      goto done;
  }
  for (i = 0; i < rt->n_routes; i++) {
    struct pf_eroute *r = &rt->routes[i];
    r->invalid = r->n_prefixes && r->n_overridden == r->n_prefixes;
  }
  rt->idx->compiled = 1;
done:
  pf_free(e[0]);
  pf_free(e[1]);
  if (status != PF_OK)
    idx_clear_segments(rt->idx);
  return status;
}

/* ---- questions --------------------------------------------------------- */

/* First segment of \p af whose end is >= v (n when none). */
static size_t seg_find(const struct pf_rtable_idx *x, unsigned af, pf_u128 v)
{
  size_t lo = 0, hi = x->n[af];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->seg[af][mid].hi < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

size_t pf_rtable_lookup(const struct pf_rtable *rt, const struct pf_addr *a)
{
  const struct pf_rtable_idx *x = rt->idx;
  unsigned af = (unsigned)a->af;
  size_t i;
  if (!rt->idx->compiled)
    return PF_ROUTE_NONE;
  i = seg_find(x, af, a->v);
  if (i < x->n[af] && x->seg[af][i].lo <= a->v)
    return x->seg[af][i].route;
  return PF_ROUTE_NONE;
}

int pf_rtable_walk(const struct pf_rtable *rt, enum pf_af af, pf_u128 lo,
                   pf_u128 hi,
                   int (*cb)(size_t route, pf_u128 lo, pf_u128 hi,
                             void *arg),
                   void *arg)
{
  const struct pf_rtable_idx *x = rt->idx;
  unsigned f = (unsigned)af;
  size_t i;
  pf_u128 pos = lo;
  int rc;

  if (!rt->idx->compiled)
    return -1;
  for (i = seg_find(x, f, lo); i < x->n[f] && x->seg[f][i].lo <= hi; i++) {
    const struct rt_seg *s = &x->seg[f][i];
    pf_u128 end = s->hi < hi ? s->hi : hi;
    if (s->lo > pos) {
      if ((rc = cb(PF_ROUTE_NONE, pos, s->lo - 1, arg)) != 0)
        return rc;
      pos = s->lo;
    }
    if ((rc = cb(s->route, pos, end, arg)) != 0)
      return rc;
    if (end == hi)
      return 0;
    pos = end + 1;
  }
  return cb(PF_ROUTE_NONE, pos, hi, arg);
}

void pf_route_parts_init(struct pf_route_parts *pp)
{
  memset(pp, 0, sizeof(*pp));
}

void pf_route_parts_release(struct pf_route_parts *pp)
{
  size_t i;
  if (!pp)
    return;
  for (i = 0; i < pp->n; i++)
    pf_ipset_release(&pp->p[i].set);
  pf_free(pp->p);
  memset(pp, 0, sizeof(*pp));
}

struct part_walk {
  struct pf_route_parts *out;
  size_t *slot;           /* route (n_routes = no route) -> part + 1 */
  size_t n_routes;
  unsigned af;
  pf_status status;
};

static int part_piece(size_t route, pf_u128 lo, pf_u128 hi, void *arg)
{
  struct part_walk *w = arg;
  size_t key = route == PF_ROUTE_NONE ? w->n_routes : route;
  struct pf_route_part *p;
  if (!w->slot[key]) {
    if (PF_GROW(w->out->p, w->out->cap, w->out->n + 1)) {
      w->status = PF_ENOMEM;
      return 1;
    }
    p = &w->out->p[w->out->n++];
    p->route = route;
    pf_ipset_init(&p->set);
    w->slot[key] = w->out->n;
  }
  p = &w->out->p[w->slot[key] - 1];
  /* pieces arrive in ascending order: push, normalise once at the end */
  if (pf_rangeset_push(&p->set.fam[w->af], lo, hi) != PF_OK) {
    w->status = PF_ENOMEM;
    return 1;
  }
  return 0;
}

static int part_cmp(const void *a, const void *b)
{
  const struct pf_route_part *x = a, *y = b;
  unsigned af;
  for (af = 0; af < PF_AF_COUNT; af++) {
    int ex = x->set.fam[af].n == 0, ey = y->set.fam[af].n == 0;
    if (ex != ey)
      return ex ? 1 : -1;
    if (!ex && x->set.fam[af].r[0].lo != y->set.fam[af].r[0].lo)
      return x->set.fam[af].r[0].lo < y->set.fam[af].r[0].lo ? -1 : 1;
    if (!ex)
      return 0;
  }
  return 0;
}

pf_status pf_rtable_partition(const struct pf_rtable *rt,
                              const struct pf_ipset *dst,
                              struct pf_route_parts *out)
{
  struct part_walk w;
  size_t i;
  unsigned af;

  pf_route_parts_release(out);
  if (!rt->idx->compiled)
    return PF_EINVAL;
  memset(&w, 0, sizeof(w));
  w.out = out;
  w.n_routes = rt->n_routes;
  w.slot = pf_calloc(rt->n_routes + 1, sizeof(*w.slot));
  if (!w.slot)
    return PF_ENOMEM;
  for (af = 0; af < PF_AF_COUNT && w.status == PF_OK; af++) {
    const struct pf_rangeset *d = &dst->fam[af];
    w.af = af;
    for (i = 0; i < d->n && w.status == PF_OK; i++)
      pf_rtable_walk(rt, (enum pf_af)af, d->r[i].lo, d->r[i].hi,
                     part_piece, &w);
  }
  pf_free(w.slot);
  if (w.status != PF_OK) {
    pf_route_parts_release(out);
    return w.status;
  }
  for (i = 0; i < out->n; i++)
    pf_ipset_normalize(&out->p[i].set);
  if (out->n > 1)
    qsort(out->p, out->n, sizeof(*out->p), part_cmp);
  out->complete = rt->n_unknown == 0;
  return PF_OK;
}

/* ---- building the table of a subnet ------------------------------------ */

/* The None routes of 2.1 by documentation version. */
static const struct {
  uint32_t addr;
  unsigned len;
  int since_2023;     /* only in the 2023 table */
} reserved[] = {
  {0x0A000000u, 8, 0},     /* 10.0.0.0/8 */
  {0x64400000u, 10, 0},    /* 100.64.0.0/10 */
  {0xAC100000u, 12, 1},    /* 172.16.0.0/12 */
  {0xC0A80000u, 16, 0},    /* 192.168.0.0/16 */
};

/*
 * Service endpoint -> the tag holding its prefixes (2.2: "the service's
 * public prefixes (same as its service tag)").  Inference: the tags are
 * the nine whose networkFeatures list VSE in the public file (3.1).
 * `global`: the endpoint is not regional, use the top-level tag.
 */
static const struct {
  const char *service;
  const char *tag;
  int global;
} endpoint_tags[] = {
  {"Microsoft.Storage", "Storage", 0},
  {"Microsoft.Storage.Global", "Storage", 1},
  {"Microsoft.Sql", "Sql", 0},
  {"Microsoft.AzureCosmosDB", "AzureCosmosDB", 0},
  {"Microsoft.KeyVault", "AzureKeyVault", 0},
  {"Microsoft.ServiceBus", "ServiceBus", 0},
  {"Microsoft.EventHub", "EventHub", 0},
  {"Microsoft.AzureActiveDirectory", "AzureActiveDirectory", 1},
  {"Microsoft.Web", "AppService", 0},
  {"Microsoft.ContainerRegistry", "AzureContainerRegistry", 0},
};

/* Tags Azure refuses as a route prefix besides the computed ones (1.9). */
static const char *const unroutable_tags[] = {
  "AzurePlatformDNS", "AzurePlatformIMDS", "AzurePlatformLKM"};

struct build {
  const struct pf_config *cfg;
  struct pf_rtable *rt;
  struct pf_prefix *tmp;        /* scratch prefix list */
  size_t n_tmp, cap_tmp;
  pf_status status;
};

static int collect_listed(const char *text, size_t n, void *arg)
{
  struct build *b = arg;
  struct pf_prefix p;
  struct pf_err perr;
  pf_err_clear(&perr);
  /* validated when the tag file was loaded; skip rather than guess */
  if (pf_prefix_parse(text, n, 1, &p, &perr) != PF_OK)
    return 0;
  if (PF_GROW(b->tmp, b->cap_tmp, b->n_tmp + 1)) {
    b->status = PF_ENOMEM;
    return 1;
  }
  b->tmp[b->n_tmp++] = p;
  return 0;
}

/* Every prefix \p tag lists, as listed (not merged: the listed lengths
 * are what longest prefix match compares), into b->tmp. */
static pf_status tag_prefixes(struct build *b, const struct pf_tag *tag)
{
  b->n_tmp = 0;
  pf_tagdb_each_listed(b->rt->tags, tag, collect_listed, b);
  return b->status;
}

static pf_status add_system(struct build *b, enum pf_route_src src,
                            enum pf_route_hop hop, const struct pf_prefix *p,
                            const char *name)
{
  struct pf_eroute r;
  memset(&r, 0, sizeof(r));
  r.src = src;
  r.hop = hop;
  r.name = name;
  return pf_rtable_add(b->rt, &r, p, 1, NULL);
}

static pf_status add_unknown(struct build *b, enum pf_route_src src,
                             enum pf_route_hop hop, const char *label,
                             size_t *index)
{
  struct pf_eroute r;
  memset(&r, 0, sizeof(r));
  r.src = src;
  r.hop = hop;
  r.label = label;
  r.unknown = 1;
  return pf_rtable_add(b->rt, &r, NULL, 0, index);
}

static int reserved_covered(const struct pf_vnet *v,
                            const struct pf_prefix *res)
{
  size_t i;
  /* 2.1: a VNet range equal to a reserved prefix turns its route into
   * VnetLocal, one containing it replaces it; the VNet route is there
   * already, so in both cases the None route disappears.  A VNet range
   * inside a reserved prefix leaves it (observed: 10.0.0.0/16 beside
   * 10.0.0.0/8 None in nic_effective_route_table.json). */
  for (i = 0; v && i < v->n_prefixes; i++) {
    const struct pf_prefix *p = &v->prefixes[i];
    if (p->af == PF_AF_V4 && p->len <= res->len &&
        pf_prefix_first(p) <= res->addr && res->addr <= pf_prefix_last(p))
      return 1;
  }
  return 0;
}

static pf_status build_system(struct build *b)
{
  struct pf_rtable *rt = b->rt;
  const struct pf_vnet *v = rt->vnet;
  const struct pf_subnet *s = rt->subnet;
  struct pf_prefix p;
  size_t i, k;
  pf_status st = PF_OK;
  char fix[PF_ROUTE_FIX_MAX];

  for (i = 0; i < s->n_prefixes; i++)
    rt->has_v6 |= s->prefixes[i].af == PF_AF_V6;
  if (v) {
    for (i = 0; i < v->n_prefixes && st == PF_OK; i++) {
      rt->has_v6 |= v->prefixes[i].af == PF_AF_V6;
      st = add_system(b, PF_RSRC_VNET, PF_RHOP_VNET_LOCAL, &v->prefixes[i],
                      NULL);
    }
  } else {
    size_t idx;
    const char *vid = s->vnet.id ? s->vnet.id : "?";
    const char *vname = strrchr(vid, '/') ? strrchr(vid, '/') + 1 : vid;
    st = add_unknown(b, PF_RSRC_VNET, PF_RHOP_VNET_LOCAL,
                     "virtual network address space", &idx);
    if (st == PF_OK) {
      snprintf(fix, sizeof(fix), "add `az network vnet show --ids %s` "
               "output", vid);
      st = pf_rtable_note(rt, PF_RF_VNET_MISSING, PF_RSEV_UNKNOWN, idx, fix,
                          "virtual network '%s' was not supplied: its "
                          "address space (the VnetLocal routes) and its "
                          "peerings are unknown",
                          vname);
    }
  }
  /* 2.2: each range of a peered network, next hop VNetPeering */
  for (i = 0; v && i < v->n_peerings && st == PF_OK; i++) {
    const struct pf_peering *pe = &v->peerings[i];
    const struct pf_prefix *pp = pe->remote_prefixes;
    size_t n = pe->n_remote_prefixes;
    const char *pname = pe->name ? pe->name : "?";
    if (pe->state && strcasecmp(pe->state, "Connected") != 0) {
      st = pf_rtable_note(rt, PF_RF_PEERING_NOT_CONNECTED, PF_RSEV_INFO,
                          PF_ROUTE_NONE, NULL,
                          "peering '%s' is %s, not Connected: it adds no "
                          "routes",
                          pname, pe->state);
      continue;
    }
    if (!n && pe->remote_vnet.target &&
        pe->remote_vnet.target->kind == PF_K_VNET) {
      const struct pf_vnet *rv =
          (const struct pf_vnet *)pe->remote_vnet.target;
      pp = rv->prefixes;
      n = rv->n_prefixes;
    }
    if (!n) {
      size_t idx;
      st = add_unknown(b, PF_RSRC_PEERING, PF_RHOP_PEERING, pname, &idx);
      if (st != PF_OK)
        break;
      snprintf(fix, sizeof(fix), "add `az network vnet show --ids %s` "
               "output", pe->remote_vnet.id ? pe->remote_vnet.id : "?");
      st = pf_rtable_note(rt, PF_RF_PEERING_UNKNOWN, PF_RSEV_UNKNOWN, idx,
                          fix,
                          "peering '%s' gives no remote address space and "
                          "the remote virtual network was not supplied: "
                          "its VNetPeering routes are unknown",
                          pname);
      continue;
    }
    for (k = 0; k < n && st == PF_OK; k++) {
      rt->has_v6 |= pp[k].af == PF_AF_V6;
      st = add_system(b, PF_RSRC_PEERING, PF_RHOP_PEERING, &pp[k], pname);
    }
  }
  if (st != PF_OK)
    return st;
  memset(&p, 0, sizeof(p));
  p.af = PF_AF_V4;
  if ((st = add_system(b, PF_RSRC_DEFAULT, PF_RHOP_INTERNET, &p, NULL)) !=
      PF_OK)
    return st;
  /* Inference: Azure adds ::/0 -> Internet for networks with IPv6
   * ranges; the observed IPv4-only table (nic_effective_route_table.json)
   * has no IPv6 route at all. */
  if (rt->has_v6) {
    p.af = PF_AF_V6;
    if ((st = add_system(b, PF_RSRC_DEFAULT, PF_RHOP_INTERNET, &p, NULL)) !=
        PF_OK)
      return st;
  }
  for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
    if (reserved[i].since_2023 && rt->profile == PF_ROUTE_PROFILE_2017)
      continue;
    p.af = PF_AF_V4;
    p.addr = reserved[i].addr;
    p.len = reserved[i].len;
    if (reserved_covered(v, &p))
      continue;
    if ((st = add_system(b, PF_RSRC_DEFAULT, PF_RHOP_NONE, &p, NULL)) !=
        PF_OK)
      return st;
  }
  return PF_OK;
}

static pf_status endpoint_tag(struct build *b, const char *service,
                              const struct pf_tag *tag, const char *label)
{
  struct pf_eroute r;
  pf_status st;
  if ((st = tag_prefixes(b, tag)) != PF_OK)
    return st;
  memset(&r, 0, sizeof(r));
  r.src = PF_RSRC_ENDPOINT;
  r.hop = PF_RHOP_ENDPOINT;
  r.service = service;
  r.tag = tag;
  r.label = label;
  return pf_rtable_add(b->rt, &r, b->tmp, b->n_tmp, NULL);
}

/* An endpoint route whose prefixes are unknown, with the finding that
 * says why (\p why completes "service endpoint S[ for location L]: "). */
static pf_status endpoint_unknown(struct build *b, const char *service,
                                  const char *location, const char *label,
                                  const char *why, const char *fix)
{
  struct pf_eroute r;
  size_t idx;
  pf_status st;
  memset(&r, 0, sizeof(r));
  r.src = PF_RSRC_ENDPOINT;
  r.hop = PF_RHOP_ENDPOINT;
  r.service = service;
  r.label = rt_strdup(b->rt, label);
  r.unknown = 1;
  if (!r.label)
    return PF_ENOMEM;
  if ((st = pf_rtable_add(b->rt, &r, NULL, 0, &idx)) != PF_OK)
    return st;
  return pf_rtable_note(b->rt, b->rt->tags ? PF_RF_ENDPOINT_UNKNOWN
                                           : PF_RF_NO_TAGS,
                        PF_RSEV_UNKNOWN, idx, fix,
                        "service endpoint %s%s%s%s: %s", service,
                        location ? " for location '" : "",
                        location ? location : "", location ? "'" : "", why);
}

/* 2.2: a service endpoint adds the service's prefixes with next hop
 * VirtualNetworkServiceEndpoint, to this subnet only. */
static pf_status build_endpoints(struct build *b)
{
  struct pf_rtable *rt = b->rt;
  const struct pf_subnet *s = rt->subnet;
  const struct pf_tagdb *db = rt->tags;
  char label[256], why[PF_ROUTE_MSG_MAX], fix[PF_ROUTE_FIX_MAX];
  size_t i, k, m;
  pf_status st = PF_OK;

  for (i = 0; i < s->n_endpoints && st == PF_OK; i++) {
    const struct pf_service_endpoint *se = &s->endpoints[i];
    const char *base = NULL;
    int global = 0;
    for (m = 0; m < sizeof(endpoint_tags) / sizeof(endpoint_tags[0]); m++)
      if (!strcasecmp(se->service, endpoint_tags[m].service)) {
        base = endpoint_tags[m].tag;
        global = endpoint_tags[m].global;
      }
    rt->tags_used = 1;
    if (!base) {
      st = endpoint_unknown(b, se->service, NULL, se->service,
                            "preflight does not know which service tag "
                            "holds this service's prefixes, so the routes "
                            "to the endpoint are unknown",
                            "compare with `az network nic "
                            "show-effective-route-table` output");
      continue;
    }
    for (k = 0; k < se->n_locations; k++)
      global |= !strcmp(se->locations[k], "*");
    if (!se->n_locations)
      global = 1;
    if (global) {
      const struct pf_tag *t = NULL;
      if (db && pf_tagdb_find(db, base, strlen(base), &t) == PF_TAG_FILE) {
        st = endpoint_tag(b, se->service, t, t->name);
        continue;
      }
      snprintf(why, sizeof(why), "%s, so the prefixes routed to the "
               "endpoint (tag %s) are unknown",
               db ? "the tag file does not list its tag"
                  : "no service tag file was given",
               base);
      snprintf(fix, sizeof(fix), db ? "use a tag file that lists %s"
                                    : "give --service-tags FILE (it must "
                                      "list %s)",
               base);
      st = endpoint_unknown(b, se->service, NULL, base, why, fix);
      continue;
    }
    for (k = 0; k < se->n_locations && st == PF_OK; k++) {
      const struct pf_tag *t = db ? pf_tagdb_regional(db, base,
                                                      se->locations[k])
                                  : NULL;
      if (t) {
        st = endpoint_tag(b, se->service, t, t->name);
        continue;
      }
      /* the regional name is not guessed: say base and location */
      snprintf(label, sizeof(label), "%s (%s)", base, se->locations[k]);
      snprintf(why, sizeof(why), "%s, so the prefixes routed to the "
               "endpoint are unknown",
               db ? "the tag file has no regional tag of this service for "
                    "it"
                  : "no service tag file was given");
      snprintf(fix, sizeof(fix), db ? "use a tag file that lists the %s "
                                      "tag of region '%s'"
                                    : "give --service-tags FILE (it must "
                                      "list the %s tag of region '%s')",
               base, se->locations[k]);
      st = endpoint_unknown(b, se->service, se->locations[k], label, why,
                            fix);
    }
  }
  return st;
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
  if (!used)
    snprintf(buf, cap, "(none)");
}

static pf_status udr_tag(struct build *b, const struct pf_route *u,
                         struct pf_eroute *r)
{
  struct pf_rtable *rt = b->rt;
  const struct pf_tagdb *db = rt->tags;
  const char *text = u->prefix_text, *rn = u->name ? u->name : "?";
  const struct pf_tag *tag = NULL;
  enum pf_tag_kind kind = PF_TAG_UNKNOWN;
  char fix[PF_ROUTE_FIX_MAX], feats[64];
  size_t idx, i;
  pf_status st;

  rt->tags_used = 1;
  r->label = text;
  for (i = 0; i < sizeof(unroutable_tags) / sizeof(unroutable_tags[0]); i++)
    if (!strcasecmp(text, unroutable_tags[i]))
      kind = PF_TAG_COMPUTED;
  if (kind != PF_TAG_COMPUTED && pf_tag_computed_name(text, strlen(text)))
    kind = PF_TAG_COMPUTED;
  if (kind == PF_TAG_COMPUTED) {
    r->unknown = 1;
    if ((st = pf_rtable_add(rt, r, NULL, 0, &idx)) != PF_OK)
      return st;
    return pf_rtable_note(rt, PF_RF_TAG_NOT_ROUTABLE, PF_RSEV_ERROR, idx,
                          "replace the tag by the prefixes it should route",
                          "route '%s': service tag '%s' cannot be a route "
                          "prefix (VirtualNetwork, AzureLoadBalancer, "
                          "Internet and the AzurePlatform tags are refused "
                          "in routes)",
                          rn, text);
  }
  if (!db) {
    r->unknown = 1;
    if ((st = pf_rtable_add(rt, r, NULL, 0, &idx)) != PF_OK)
      return st;
    return pf_rtable_note(rt, PF_RF_NO_TAGS, PF_RSEV_UNKNOWN, idx,
                          "give --service-tags FILE (or set "
                          "PREFLIGHT_SERVICE_TAGS)",
                          "route '%s' uses service tag '%s' but no service "
                          "tag file was given: its prefixes are unknown",
                          rn, text);
  }
  kind = pf_tagdb_find(db, text, strlen(text), &tag);
  if (kind != PF_TAG_FILE) {
    r->unknown = 1;
    if ((st = pf_rtable_add(rt, r, NULL, 0, &idx)) != PF_OK)
      return st;
    snprintf(fix, sizeof(fix), "use a tag file that lists '%s', or correct "
             "the route's addressPrefix", text);
    return pf_rtable_note(rt, PF_RF_TAG_UNKNOWN, PF_RSEV_UNKNOWN, idx, fix,
                          "route '%s': service tag '%s' is not in the tag "
                          "file: its prefixes are unknown",
                          rn, text);
  }
  r->tag = tag;
  r->rank = pf_route_tag_rank(tag);
  if ((st = tag_prefixes(b, tag)) != PF_OK ||
      (st = pf_rtable_add(rt, r, b->tmp, b->n_tmp, &idx)) != PF_OK)
    return st;
  if (tag->features & PF_TAGF_NULL)
    return pf_rtable_note(rt, PF_RF_TAG_FEATURES_UNLISTED, PF_RSEV_INFO, idx,
                          NULL,
                          "route '%s': the tag file lists no "
                          "networkFeatures for '%s', so whether Azure "
                          "accepts it in routes is not known",
                          rn, tag->name);
  if (!(tag->features & PF_TAGF_UDR)) {
    features_text(tag->features, feats, sizeof(feats));
    return pf_rtable_note(rt, PF_RF_TAG_NO_UDR, PF_RSEV_WARNING, idx,
                          "check that Azure accepts the route, or route the "
                          "tag's prefixes as explicit CIDR routes",
                          "route '%s': service tag '%s' lists "
                          "networkFeatures %s, without UDR: the tag file "
                          "does not mark it usable in routes",
                          rn, tag->name, feats);
  }
  return PF_OK;
}

/* Is \p a inside some known virtual network address space?  \p known_out
 * gets the number of ranges looked at. */
static int in_known_vnets(const struct build *b, const struct pf_addr *a,
                          size_t *known_out)
{
  const struct pf_config *cfg = b->cfg;
  const struct pf_rtable *rt = b->rt;
  size_t i, k, known = 0;
  int in = 0;
  for (i = 0; i < cfg->n_res[PF_K_VNET]; i++) {
    const struct pf_vnet *v = (const struct pf_vnet *)cfg->res[PF_K_VNET][i];
    for (k = 0; k < v->n_prefixes; k++, known++)
      in |= pf_prefix_contains(&v->prefixes[k], a);
  }
  /* peered ranges count: an appliance may sit in a peered hub (2.3) */
  for (i = 0; i < rt->n_routes; i++) {
    const struct pf_eroute *r = &rt->routes[i];
    if (r->src != PF_RSRC_PEERING)
      continue;
    for (k = 0; k < r->n_prefixes; k++, known++)
      in |= pf_prefix_contains(&r->prefixes[k], a);
  }
  *known_out = known;
  return in;
}

static pf_status build_udrs(struct build *b)
{
  struct pf_rtable *rt = b->rt;
  const struct pf_route_table *t = rt->table;
  char fix[PF_ROUTE_FIX_MAX], ip[PF_ADDR_STRLEN];
  size_t i, j, first = rt->n_routes;
  pf_status st = PF_OK;

  for (i = 0; i < t->n_routes && st == PF_OK; i++) {
    const struct pf_route *u = &t->routes[i];
    struct pf_eroute r;
    memset(&r, 0, sizeof(r));
    r.src = PF_RSRC_USER;
    r.hop = (enum pf_route_hop)u->next_hop;
    r.hop_ip = u->next_hop_ip;
    r.has_hop_ip = u->has_next_hop_ip;
    r.table = t->hdr.name;
    r.name = u->name;
    r.udr = u;
    if (u->is_tag) {
      rt->n_tag_routes++;
      st = udr_tag(b, u, &r);
    } else {
      st = pf_rtable_add(rt, &r, &u->prefix, 1, NULL);
    }
  }
  if (st != PF_OK)
    return st;
  if (rt->n_tag_routes > 25 &&
      (st = pf_rtable_note(rt, PF_RF_TOO_MANY_TAG_ROUTES, PF_RSEV_ERROR,
                           PF_ROUTE_NONE,
                           "replace some tag routes by broader tags or "
                           "explicit prefixes",
                           "route table '%s' has %zu routes with a service "
                           "tag prefix; Azure allows at most 25 per table",
                           t->hdr.name, rt->n_tag_routes)) != PF_OK)
    return st;
  for (i = first; i < rt->n_routes && st == PF_OK; i++) {
    const struct pf_eroute *r = &rt->routes[i];
    size_t known;
    /* 2.3: the appliance must be directly reachable: in the network or a
     * peered one.  Network Watcher answered next hop None for a route to
     * an address outside the network (oracle azure_sdk_for_net case).
     * When the appliance's address is known only at deployment the prefixes
     * are routed to it, but to which address, and whether that is
     * reachable, is unknown (docs/semantics.md "Pending values") */
    if (r->hop == PF_RHOP_VIRTUAL_APPLIANCE && !r->has_hop_ip &&
        r->udr->hop_pending) {
      rt->n_hop_pending++;
      st = pf_rtable_note(rt, PF_RF_HOP_PENDING, PF_RSEV_UNKNOWN, i,
                          "check again with the deployed route table (the "
                          "applied Terraform state, or `preflight fetch`)",
                          "route '%s': next hop VirtualAppliance at an "
                          "address known only at deployment: %s (%s: %s); "
                          "which appliance receives the traffic, and "
                          "whether it is reachable, is unknown",
                          r->name ? r->name : "?", r->udr->hop_pending,
                          t->hdr.file ? t->hdr.file : "?",
                          r->udr->hop_pending_path
                              ? r->udr->hop_pending_path
                              : "?");
    } else if (r->hop == PF_RHOP_VIRTUAL_APPLIANCE && r->has_hop_ip &&
        !in_known_vnets(b, &r->hop_ip, &known)) {
      pf_addr_format(&r->hop_ip, ip, sizeof(ip));
      snprintf(fix, sizeof(fix), rt->vnet
                   ? "correct nextHopIpAddress, or supply the peered "
                     "virtual network that holds the appliance"
                   : "add the subnet's virtual network (`az network vnet "
                     "show`) to decide");
      st = pf_rtable_note(rt, PF_RF_HOP_OUTSIDE_VNET,
                          rt->vnet ? PF_RSEV_WARNING : PF_RSEV_UNKNOWN, i,
                          fix,
                          "route '%s': next hop %s is outside every known "
                          "virtual network address space; the appliance "
                          "must be reachable in the virtual network or a "
                          "peered one, else the traffic is lost (Network "
                          "Watcher has answered next hop None for such a "
                          "route)",
                          r->name ? r->name : "?", ip);
    }
    for (j = first; j < i && st == PF_OK; j++) {
      const struct pf_eroute *q = &rt->routes[j];
      int same = 0;
      if (!r->udr->is_tag && !q->udr->is_tag)
        same = !prefix_cmp(&r->udr->prefix, &q->udr->prefix);
      else if (r->udr->is_tag && q->udr->is_tag)
        same = !strcasecmp(r->udr->prefix_text, q->udr->prefix_text);
      if (same)
        st = pf_rtable_note(rt, PF_RF_DUPLICATE_PREFIX, PF_RSEV_WARNING, i,
                            "remove one of the two routes",
                            "routes '%s' and '%s' have the same address "
                            "prefix %s; the earlier one is taken to win",
                            q->name ? q->name : "?", r->name ? r->name : "?",
                            r->udr->prefix_text);
    }
  }
  return st;
}

/* The subnet's route table: its reference, else a table whose back
 * references list the subnet (the subnet input may lack the field). */
static pf_status find_table(struct build *b)
{
  struct pf_rtable *rt = b->rt;
  const struct pf_subnet *s = rt->subnet;
  const struct pf_config *cfg = b->cfg;
  char fix[PF_ROUTE_FIX_MAX];
  size_t i, k, idx;
  pf_status st;

  if (s->route_table.id) {
    rt->table_id = s->route_table.id;
    if (s->route_table.target &&
        s->route_table.target->kind == PF_K_ROUTE_TABLE) {
      rt->table = (const struct pf_route_table *)s->route_table.target;
      return PF_OK;
    }
    /* 2.4 cannot be applied without the UDRs: every answer is partial */
    st = add_unknown(b, PF_RSRC_USER, PF_RHOP_NONE, "routes of the route "
                     "table", &idx);
    if (st != PF_OK)
      return st;
    rt->routes[idx].table = strrchr(rt->table_id, '/')
                                ? strrchr(rt->table_id, '/') + 1
                                : rt->table_id;
    snprintf(fix, sizeof(fix), "add `az network route-table show --ids %s` "
             "output", rt->table_id);
    return pf_rtable_note(rt, PF_RF_TABLE_MISSING, PF_RSEV_UNKNOWN, idx, fix,
                          "route table '%s' is referenced by subnet '%s' but "
                          "was not supplied: its routes are unknown",
                          rt->routes[idx].table, s->hdr.name);
  }
  for (i = 0; i < cfg->n_res[PF_K_ROUTE_TABLE]; i++) {
    const struct pf_route_table *t =
        (const struct pf_route_table *)cfg->res[PF_K_ROUTE_TABLE][i];
    for (k = 0; k < t->n_subnets; k++)
      if (t->subnets[k].id && pf_id_eq(t->subnets[k].id, s->hdr.id)) {
        rt->table = t;
        rt->table_id = t->hdr.id;
        return pf_rtable_note(rt, PF_RF_TABLE_BY_BACKREF, PF_RSEV_INFO,
                              PF_ROUTE_NONE, NULL,
                              "subnet '%s' names no route table; route "
                              "table '%s' lists it among its subnets and is "
                              "used",
                              s->hdr.name, t->hdr.name);
      }
  }
  return PF_OK;
}

pf_status pf_rtable_build(const struct pf_config *cfg,
                          const struct pf_subnet *s,
                          const struct pf_route_opts *opts,
                          struct pf_rtable **out, struct pf_err *err)
{
  struct build b;
  struct pf_rtable *rt = NULL;
  pf_status st;

  *out = NULL;
  memset(&b, 0, sizeof(b));
  if ((st = pf_rtable_create(&rt)) != PF_OK)
    goto done;
  b.cfg = cfg;
  b.rt = rt;
  rt->subnet = s;
  rt->tags = opts ? opts->tags : NULL;
  rt->profile = opts ? opts->profile : PF_ROUTE_PROFILE_2023;
  if (s->vnet.target && s->vnet.target->kind == PF_K_VNET)
    rt->vnet = (const struct pf_vnet *)s->vnet.target;
  if ((st = find_table(&b)) != PF_OK)
    goto done;
  rt->bgp_disabled =
      rt->table && rt->table->disable_bgp_propagation == PF_TRI_TRUE;
  if ((st = build_system(&b)) != PF_OK ||
      (st = build_endpoints(&b)) != PF_OK)
    goto done;
  if (rt->table && (st = build_udrs(&b)) != PF_OK)
    goto done;
  st = pf_rtable_compile(rt);
done:
  pf_free(b.tmp);
  if (st != PF_OK) {
    pf_rtable_destroy(rt);
    return pf_err_set(err, st, "route table of subnet '%s': %s",
                      s->hdr.name, pf_strerror(st));
  }
  *out = rt;
  return PF_OK;
}
