/* SPDX-License-Identifier: MIT */
/* bench_route.c - effective route table build and next-hop partition time
 *
 * Usage: bench_route [TAGFILE] [iterations]
 *
 * The brief's target: partitioning every BatchNodeManagement prefix (the
 * global tag and all regional ones) through a route table with 25
 * service-tag routes and 100 CIDR routes takes well under 5 ms.  The 25
 * tags are the largest UDR-usable ones of the file (a worst case: tens of
 * thousands of route prefixes); the 100 CIDR routes are fixed
 * pseudo-random /8../28 blocks.  Building the table (parsing the listed
 * prefixes of the 25 tags, sorting, sweeping) is timed separately from the
 * partition itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/pf_mem.h"
#include "core/pf_strbuf.h"
#include "eval/pf_route.h"
#include "load/pf_load.h"
#include "model/pf_model.h"
#include "model/pf_tags.h"

#define DEFAULT_TAGS                                                  \
  PF_SOURCE_DIR "/../shared/fixtures/servicetags/"                    \
                "ServiceTags_Public_20251028.json"
#define NET "/subscriptions/00000000-0000-0000-0000-00000000000b/" \
            "resourceGroups/rg/providers/Microsoft.Network"

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_size(const void *a, const void *b)
{
  const struct pf_tag *x = *(const struct pf_tag *const *)a;
  const struct pf_tag *y = *(const struct pf_tag *const *)b;
  size_t nx = x->n_v4 + x->n_v6, ny = y->n_v4 + y->n_v6;
  if (nx != ny)
    return nx > ny ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* The configuration: vnet 10.0.0.0/16, subnet 10.0.1.0/24, route table
 * with the 25 tag routes and 100 CIDR routes. */
static int make_config(const struct pf_tagdb *db, struct pf_strbuf *sb)
{
  const struct pf_tag **t;
  size_t n = pf_tagdb_count(db), i, k = 0;
  uint32_t x = 12345;

  t = pf_calloc(n, sizeof(*t));
  if (!t)
    return -1;
  for (i = 0; i < n; i++) {
    const struct pf_tag *g = pf_tagdb_at(db, i);
    if ((g->features & PF_TAGF_UDR) &&
        strncasecmp(g->name, "BatchNodeManagement", 19) != 0)
      t[k++] = g;
  }
  qsort(t, k, sizeof(*t), by_size);
  pf_strbuf_addf(sb,
                 "[{\"id\": \"" NET "/virtualNetworks/v\", \"name\": \"v\","
                 " \"type\": \"Microsoft.Network/virtualNetworks\","
                 " \"addressSpace\": {\"addressPrefixes\": [\"10.0.0.0/16\"]},"
                 " \"subnets\": [{\"id\": \"" NET "/virtualNetworks/v/subnets/"
                 "s\", \"name\": \"s\", \"addressPrefix\": \"10.0.1.0/24\","
                 " \"routeTable\": {\"id\": \"" NET "/routeTables/rt\"}}]},"
                 "{\"id\": \"" NET "/routeTables/rt\", \"name\": \"rt\","
                 " \"type\": \"Microsoft.Network/routeTables\","
                 " \"routes\": [");
  for (i = 0; i < 25 && i < k; i++)
    pf_strbuf_addf(sb, "%s{\"name\": \"tag%zu\", \"addressPrefix\": \"%s\","
                   " \"nextHopType\": \"%s\"%s}",
                   i ? "," : "", i, t[i]->name,
                   i % 2 ? "Internet" : "VirtualAppliance",
                   i % 2 ? "" : ", \"nextHopIpAddress\": \"10.0.0.4\"");
  for (i = 0; i < 100; i++) {
    unsigned len = 8 + (unsigned)(i % 21);
    uint32_t a, mask;
    x = x * 1103515245u + 12345u;
    a = x;
    mask = len ? ~(uint32_t)0 << (32 - len) : 0;
    a &= mask;
    pf_strbuf_addf(sb, ",{\"name\": \"cidr%zu\", \"addressPrefix\": "
                   "\"%u.%u.%u.%u/%u\", \"nextHopType\": \"%s\"%s}",
                   i, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, len,
                   i % 3 ? "None" : "VirtualAppliance",
                   i % 3 ? "" : ", \"nextHopIpAddress\": \"10.0.0.5\"");
  }
  pf_strbuf_adds(sb, "]}]");
  pf_free((void *)t);
  return 0;
}

int main(int argc, char **argv)
{
  const char *path = argc > 1 ? argv[1] : DEFAULT_TAGS;
  int iters = argc > 2 ? atoi(argv[2]) : 200;
  struct pf_tagdb *db = NULL;
  struct pf_config *cfg = NULL;
  struct pf_rtable *rt = NULL;
  struct pf_route_parts pp;
  struct pf_route_opts ro;
  struct pf_strbuf sb;
  struct pf_ipset dst, tmp;
  struct pf_err err;
  size_t i, n_entries = 0, n_listed = 0, n_tags = 0;
  double t0, build_ms = 0, part_ms = 0, best_part = 1e9, best_build = 1e9;
  int it, rc = 1;

  pf_err_clear(&err);
  pf_strbuf_init(&sb, (size_t)1 << 24);
  pf_ipset_init(&dst);
  pf_ipset_init(&tmp);
  pf_route_parts_init(&pp);
  if (iters < 1)
    iters = 1;
  if (pf_tagdb_load_file(&db, path, &err) != PF_OK) {
    fprintf(stderr, "bench_route: %s\n", err.msg);
    goto done;
  }
  /* the destination: every BatchNodeManagement tag, all regions */
  for (i = 0; i < pf_tagdb_count(db); i++) {
    const struct pf_tag *t = pf_tagdb_at(db, i);
    if (strncasecmp(t->name, "BatchNodeManagement", 19) != 0)
      continue;
    n_tags++;
    n_listed += t->n_v4 + t->n_v6;
    if (pf_ipset_union(&tmp, &dst, &t->set) != PF_OK ||
        pf_ipset_copy(&dst, &tmp) != PF_OK)
      goto oom;
  }
  if (make_config(db, &sb) != 0 || pf_config_create(&cfg) != PF_OK)
    goto oom;
  if (pf_load_buffer(cfg, "bench.json", pf_strbuf_str(&sb), sb.len, &err) !=
          PF_OK ||
      pf_config_resolve(cfg) != PF_OK) {
    fprintf(stderr, "bench_route: %s\n", err.msg);
    goto done;
  }
  ro.profile = PF_ROUTE_PROFILE_2023;
  ro.tags = db;
  for (it = 0; it < iters; it++) {
    const struct pf_subnet *s =
        (const struct pf_subnet *)cfg->res[PF_K_SUBNET][0];
    double b, p;
    pf_rtable_destroy(rt);
    rt = NULL;
    t0 = now_ms();
    if (pf_rtable_build(cfg, s, &ro, &rt, &err) != PF_OK) {
      fprintf(stderr, "bench_route: %s\n", err.msg);
      goto done;
    }
    b = now_ms() - t0;
    t0 = now_ms();
    if (pf_rtable_partition(rt, &dst, &pp) != PF_OK)
      goto oom;
    p = now_ms() - t0;
    build_ms += b;
    part_ms += p;
    if (b < best_build)
      best_build = b;
    if (p < best_part)
      best_part = p;
  }
  for (i = 0; i < rt->n_routes; i++)
    n_entries += rt->routes[i].n_prefixes;
  printf("tag file:        %s\n", path);
  printf("route table:     %zu routes (%zu with a tag prefix), %zu route "
         "prefixes in all\n",
         rt->n_routes, rt->n_tag_routes, n_entries);
  printf("destination:     %zu BatchNodeManagement tags, %zu listed "
         "prefixes, %zu IPv4 + %zu IPv6 ranges\n",
         n_tags, n_listed, dst.fam[0].n, dst.fam[1].n);
  printf("result:          %zu parts\n", pp.n);
  printf("build:           mean %.3f ms, best %.3f ms (%d runs)\n",
         build_ms / iters, best_build, iters);
  printf("partition:       mean %.3f ms, best %.3f ms (%d runs)\n",
         part_ms / iters, best_part, iters);
  rc = 0;
  goto done;
oom:
  fprintf(stderr, "bench_route: out of memory\n");
done:
  pf_route_parts_release(&pp);
  pf_ipset_release(&dst);
  pf_ipset_release(&tmp);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
  pf_tagdb_destroy(db);
  pf_strbuf_release(&sb);
  return rc;
}
