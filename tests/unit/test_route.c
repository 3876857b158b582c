/* SPDX-License-Identifier: MIT */
/* test_route.c - effective routes: system routes, tie-breaks, partitions
 *
 * The rules under test are AZURE-SEMANTICS.md 2.1-2.5.  Expectations come
 * from the document (tie-breaks one by one), from recorded Azure answers
 * in the shared fixtures (an effective route table, Network Watcher next
 * hops), and from a brute-force evaluator written here independently of
 * the module: per address, every (route, prefix) containing it, BGP
 * dropped under a VNet/peering/endpoint route, longest prefix, then the
 * documented order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/pf_file.h"
#include "core/pf_mem.h"
#include "eval/pf_route.h"
#include "load/pf_load.h"
#include "model/pf_ip.h"
#include "model/pf_model.h"
#include "model/pf_tags.h"

#define REC PF_FIXTURES "/arm/azure-cli-recordings/"
#define ORACLE PF_FIXTURES "/oracle/"
#define EXAMPLE PF_TESTS_DIR "/../examples/contoso-westeurope"
#define DATA PF_TESTS_DIR "/data/routes/"

#define NET "/subscriptions/00000000-0000-0000-0000-00000000000a/" \
            "resourceGroups/rg/providers/Microsoft.Network"

/* ---- helpers ------------------------------------------------------------ */

static int have(const char *path)
{
  return access(path, R_OK) == 0;
}

#define NEED(path)                                                        \
  do {                                                                    \
    if (!have(path)) {                                                    \
      print_message("fixture %s missing: skipped\n", (path));             \
      skip();                                                             \
    }                                                                     \
  } while (0)

static struct pf_config *cfg_docs(const char *const *docs, size_t n)
{
  struct pf_config *cfg = NULL;
  struct pf_err err;
  size_t i;
  pf_err_clear(&err);
  assert_int_equal(pf_config_create(&cfg), PF_OK);
  for (i = 0; i < n; i++)
    if (pf_load_buffer(cfg, "t.json", docs[i], strlen(docs[i]), &err) !=
        PF_OK)
      fail_msg("%s", err.msg);
  assert_int_equal(pf_config_resolve(cfg), PF_OK);
  return cfg;
}

static struct pf_config *cfg_paths(const char *const *paths, size_t n)
{
  struct pf_config *cfg = NULL;
  struct pf_err err;
  pf_err_clear(&err);
  assert_int_equal(pf_config_create(&cfg), PF_OK);
  if (pf_load_paths(cfg, paths, n, NULL, &err) != PF_OK)
    fail_msg("%s", err.msg);
  return cfg;
}

static struct pf_tagdb *tags_file(const char *path)
{
  struct pf_tagdb *db = NULL;
  struct pf_err err;
  pf_err_clear(&err);
  if (pf_tagdb_load_file(&db, path, &err) != PF_OK)
    fail_msg("%s", err.msg);
  return db;
}

static const struct pf_subnet *subnet_named(const struct pf_config *cfg,
                                            const char *name)
{
  size_t i;
  for (i = 0; i < cfg->n_res[PF_K_SUBNET]; i++)
    if (!strcmp(cfg->res[PF_K_SUBNET][i]->name, name))
      return (const struct pf_subnet *)cfg->res[PF_K_SUBNET][i];
  fail_msg("no subnet %s", name);
  return NULL;
}

static struct pf_rtable *build(const struct pf_config *cfg,
                               const char *subnet,
                               enum pf_route_profile profile,
                               const struct pf_tagdb *db)
{
  struct pf_route_opts o;
  struct pf_rtable *rt = NULL;
  struct pf_err err;
  pf_err_clear(&err);
  o.profile = profile;
  o.tags = db;
  if (pf_rtable_build(cfg, subnet_named(cfg, subnet), &o, &rt, &err) !=
      PF_OK)
    fail_msg("%s", err.msg);
  return rt;
}

static struct pf_addr addr(const char *s)
{
  struct pf_addr a;
  struct pf_err err;
  pf_err_clear(&err);
  if (pf_addr_parse(s, strlen(s), &a, &err) != PF_OK)
    fail_msg("%s", err.msg);
  return a;
}

static struct pf_prefix pfx(const char *s)
{
  struct pf_prefix p;
  struct pf_err err;
  pf_err_clear(&err);
  if (pf_prefix_parse(s, strlen(s), 1, &p, &err) != PF_OK)
    fail_msg("%s", err.msg);
  return p;
}

/* The route deciding address \p s (fails when none). */
static const struct pf_eroute *at(const struct pf_rtable *rt, const char *s)
{
  struct pf_addr a = addr(s);
  size_t i = pf_rtable_lookup(rt, &a);
  if (i == PF_ROUTE_NONE)
    fail_msg("no route for %s", s);
  return &rt->routes[i];
}

static size_t findings(const struct pf_rtable *rt, enum pf_route_fkind k)
{
  size_t i, n = 0;
  for (i = 0; i < rt->n_findings; i++)
    n += rt->findings[i].kind == k;
  return n;
}

/* The system route (or the first route) whose single prefix is \p s. */
static const struct pf_eroute *route_with(const struct pf_rtable *rt,
                                          enum pf_route_src src,
                                          const char *s)
{
  struct pf_prefix p = pfx(s);
  size_t i;
  for (i = 0; i < rt->n_routes; i++) {
    const struct pf_eroute *r = &rt->routes[i];
    if (r->src == src && r->n_prefixes == 1 && r->prefixes[0].af == p.af &&
        r->prefixes[0].addr == p.addr && r->prefixes[0].len == p.len)
      return r;
  }
  return NULL;
}

static const struct pf_eroute *user_route(const struct pf_rtable *rt,
                                          const char *name)
{
  size_t i;
  for (i = 0; i < rt->n_routes; i++)
    if (rt->routes[i].src == PF_RSRC_USER && rt->routes[i].name &&
        !strcmp(rt->routes[i].name, name))
      return &rt->routes[i];
  fail_msg("no user route %s", name);
  return NULL;
}

/* A virtual network (az CLI shape) with one subnet snet1 and, when \p rt
 * is non-zero, the route table rt1. */
static char *vnet_doc(const char *space, const char *subnet_prefixes,
                      int rt, const char *extra)
{
  size_t cap = 4096;
  char *s = pf_malloc(cap);
  assert_non_null(s);
  snprintf(s, cap,
           "{\"id\": \"" NET "/virtualNetworks/vnet1\", \"name\": \"vnet1\","
           " \"type\": \"Microsoft.Network/virtualNetworks\","
           " \"location\": \"westeurope\","
           " \"addressSpace\": {\"addressPrefixes\": [%s]},"
           " \"subnets\": [{\"id\": \"" NET "/virtualNetworks/vnet1/subnets/"
           "snet1\", \"name\": \"snet1\", \"addressPrefixes\": [%s]%s%s}]}",
           space, subnet_prefixes,
           rt ? ", \"routeTable\": {\"id\": \"" NET "/routeTables/rt1\"}" : "",
           extra ? extra : "");
  return s;
}

static char *rt_doc(const char *routes, int disable_bgp)
{
  size_t cap = 16384;
  char *s = pf_malloc(cap);
  assert_non_null(s);
  snprintf(s, cap,
           "{\"id\": \"" NET "/routeTables/rt1\", \"name\": \"rt1\","
           " \"type\": \"Microsoft.Network/routeTables\","
           " \"location\": \"westeurope\","
           " \"disableBgpRoutePropagation\": %s, \"routes\": [%s]}",
           disable_bgp ? "true" : "false", routes);
  return s;
}

/* vnet + route table with \p routes; the config owns nothing of ours. */
static struct pf_config *cfg_vnet_rt(const char *space, const char *sub,
                                     const char *routes, const char *extra)
{
  char *docs[2];
  struct pf_config *cfg;
  docs[0] = vnet_doc(space, sub, routes != NULL, extra);
  docs[1] = routes ? rt_doc(routes, 0) : NULL;
  cfg = cfg_docs((const char *const *)docs, routes ? 2 : 1);
  pf_free(docs[0]);
  pf_free(docs[1]);
  return cfg;
}

/* A hand-built route for pf_rtable_add. */
static size_t add(struct pf_rtable *rt, enum pf_route_src src,
                  enum pf_route_hop hop, enum pf_route_tagrank rank,
                  const char *name, const char *prefix)
{
  struct pf_eroute r;
  struct pf_prefix p = pfx(prefix);
  size_t idx;
  memset(&r, 0, sizeof(r));
  r.src = src;
  r.hop = hop;
  r.rank = rank;
  r.name = name;
  assert_int_equal(pf_rtable_add(rt, &r, &p, 1, &idx), PF_OK);
  return idx;
}

static const char *winner(struct pf_rtable *rt, const char *a)
{
  const struct pf_eroute *r;
  assert_int_equal(pf_rtable_compile(rt), PF_OK);
  r = at(rt, a);
  return r->name ? r->name : "?";
}

/* ---- system routes (2.1) ------------------------------------------------ */

static void test_system_2023(void **state)
{
  struct pf_config *cfg = cfg_vnet_rt("\"10.20.0.0/16\"", "\"10.20.1.0/24\"",
                                      NULL, NULL);
  struct pf_rtable *rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, NULL);
  (void)state;
  assert_int_equal(rt->n_routes, 6);   /* vnet, 0/0, four None */
  assert_int_equal(rt->n_unknown, 0);
  assert_int_equal(at(rt, "10.20.1.5")->hop, PF_RHOP_VNET_LOCAL);
  assert_int_equal(at(rt, "10.20.255.255")->src, PF_RSRC_VNET);
  assert_int_equal(at(rt, "10.21.0.1")->hop, PF_RHOP_NONE);
  assert_int_equal(at(rt, "172.16.0.1")->hop, PF_RHOP_NONE);
  assert_int_equal(at(rt, "172.31.255.255")->hop, PF_RHOP_NONE);
  assert_int_equal(at(rt, "172.32.0.0")->hop, PF_RHOP_INTERNET);
  assert_int_equal(at(rt, "192.168.7.7")->hop, PF_RHOP_NONE);
  assert_int_equal(at(rt, "100.64.0.0")->hop, PF_RHOP_NONE);
  assert_int_equal(at(rt, "100.127.255.255")->hop, PF_RHOP_NONE);
  assert_int_equal(at(rt, "100.128.0.0")->hop, PF_RHOP_INTERNET);
  assert_int_equal(at(rt, "8.8.8.8")->hop, PF_RHOP_INTERNET);
  assert_int_equal(at(rt, "0.0.0.0")->hop, PF_RHOP_INTERNET);
  assert_int_equal(at(rt, "255.255.255.255")->hop, PF_RHOP_INTERNET);
  /* IPv4-only network: no IPv6 route at all */
  assert_false(rt->has_v6);
  {
    struct pf_addr a = addr("2001:db8::1");
    assert_true(pf_rtable_lookup(rt, &a) == PF_ROUTE_NONE);
  }
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

static void test_system_2017(void **state)
{
  struct pf_config *cfg = cfg_vnet_rt("\"10.20.0.0/16\"", "\"10.20.1.0/24\"",
                                      NULL, NULL);
  struct pf_rtable *rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2017, NULL);
  (void)state;
  assert_int_equal(rt->n_routes, 5);
  assert_null(route_with(rt, PF_RSRC_DEFAULT, "172.16.0.0/12"));
  assert_int_equal(at(rt, "172.16.0.1")->hop, PF_RHOP_INTERNET);
  assert_int_equal(at(rt, "10.99.0.1")->hop, PF_RHOP_NONE);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

/* 2.1: a VNet range equal to a reserved prefix turns it into VnetLocal; a
 * range containing one removes it; one inside a reserved prefix leaves it. */
static void test_reserved_vs_vnet(void **state)
{
  struct pf_config *cfg;
  struct pf_rtable *rt;
  (void)state;

  cfg = cfg_vnet_rt("\"10.0.0.0/8\", \"192.168.0.0/15\", \"100.64.0.0/16\"",
                    "\"10.1.0.0/24\"", NULL, NULL);
  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, NULL);
  assert_null(route_with(rt, PF_RSRC_DEFAULT, "10.0.0.0/8"));
  assert_non_null(route_with(rt, PF_RSRC_VNET, "10.0.0.0/8"));
  assert_null(route_with(rt, PF_RSRC_DEFAULT, "192.168.0.0/16"));
  assert_non_null(route_with(rt, PF_RSRC_DEFAULT, "100.64.0.0/10"));
  assert_non_null(route_with(rt, PF_RSRC_DEFAULT, "172.16.0.0/12"));
  assert_int_equal(at(rt, "10.200.0.1")->hop, PF_RHOP_VNET_LOCAL);
  assert_int_equal(at(rt, "192.168.200.1")->hop, PF_RHOP_VNET_LOCAL);
  assert_int_equal(at(rt, "192.169.0.1")->hop, PF_RHOP_VNET_LOCAL);
  assert_int_equal(at(rt, "100.64.0.9")->hop, PF_RHOP_VNET_LOCAL);
  assert_int_equal(at(rt, "100.65.0.9")->hop, PF_RHOP_NONE);
  assert_int_equal(rt->n_routes, 3 + 1 + 2);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);

  /* 172.16.0.0/12 as address space under the 2017 table: nothing to
   * remove, and 172.16.0.0/12 -> VnetLocal */
  cfg = cfg_vnet_rt("\"172.16.0.0/12\"", "\"172.16.0.0/24\"", NULL, NULL);
  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2017, NULL);
  assert_int_equal(rt->n_routes, 5);
  assert_int_equal(at(rt, "172.20.0.1")->hop, PF_RHOP_VNET_LOCAL);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

/* The effective route table Azure returned for a NIC in 10.0.0.0/16 (no
 * UDR): the 2017 table, in this order, all Default and Active. */
static void test_nic_effective_route_table(void **state)
{
  const char *path = REC "nic_effective_route_table.json";
  struct pf_config *cfg;
  struct pf_rtable *rt;
  struct pf_err err;
  char *buf = NULL, got[PF_PREFIX_STRLEN];
  size_t len, i = 0;
  cJSON *root, *v, *e;
  (void)state;
  NEED(path);

  pf_err_clear(&err);
  assert_int_equal(pf_file_read(path, 1 << 20, &buf, &len, &err), PF_OK);
  root = cJSON_ParseWithLength(buf, len);
  assert_non_null(root);
  v = cJSON_GetObjectItemCaseSensitive(root, "value");
  /* the recording does not hold the vnet; its VnetLocal route says the
   * address space is 10.0.0.0/16 (az network vnet create's default) */
  cfg = cfg_vnet_rt("\"10.0.0.0/16\"", "\"10.0.0.0/24\"", NULL, NULL);
  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2017, NULL);
  assert_int_equal((size_t)cJSON_GetArraySize(v), rt->n_routes);
  cJSON_ArrayForEach(e, v) {
    const struct pf_eroute *r = &rt->routes[i++];
    const cJSON *ap = cJSON_GetObjectItemCaseSensitive(e, "addressPrefix");
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(e, "source")->valuestring,
        pf_route_src_azure(r->src));
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(e, "state")->valuestring,
        r->invalid ? "Invalid" : "Active");
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(e, "nextHopType")->valuestring,
        pf_route_hop_name(r->hop));
    assert_int_equal(cJSON_GetArraySize(ap), 1);
    assert_int_equal(r->n_prefixes, 1);
    pf_prefix_format(&r->prefixes[0], got, sizeof(got));
    assert_string_equal(cJSON_GetArrayItem(ap, 0)->valuestring, got);
  }
  cJSON_Delete(root);
  pf_free(buf);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

/* ---- user routes and tie-breaks (2.4, 2.5) ------------------------------ */

/* The az CLI test's vnet 10.0.0.0/16 with route table: 0.0.0.0/0 ->
 * Internet and 10.0.0.0/24 -> VnetLocal. */
static void test_cli_route_table(void **state)
{
  const char *paths[] = {REC "vnet_subnet_with_route_table.json",
                         REC "route_table_two_routes_internet_vnetlocal.json"};
  struct pf_config *cfg;
  struct pf_rtable *rt;
  (void)state;
  NEED(paths[0]);
  NEED(paths[1]);
  cfg = cfg_paths(paths, 2);
  rt = build(cfg, "vcCliTestSubnet", PF_ROUTE_PROFILE_2023, NULL);
  assert_non_null(rt->table);
  assert_false(rt->bgp_disabled);
  assert_int_equal(rt->n_routes, 8);
  /* the UDR with the same prefix overrides the default route */
  assert_true(route_with(rt, PF_RSRC_DEFAULT, "0.0.0.0/0")->invalid);
  assert_false(user_route(rt, "vcCliTestRouteInternet")->invalid);
  assert_string_equal(at(rt, "8.8.8.8")->name, "vcCliTestRouteInternet");
  /* 10.0.0.0/24 is longer than the vnet's 10.0.0.0/16 */
  assert_string_equal(at(rt, "10.0.0.77")->name, "vcCliTestRouteVnetLoc");
  assert_int_equal(at(rt, "10.0.1.77")->src, PF_RSRC_VNET);
  assert_int_equal(at(rt, "10.1.0.1")->hop, PF_RHOP_NONE);
  assert_int_equal(rt->n_findings, 0);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

/* The az CLI test's route table: 10.0.5.0/24 -> None, BGP propagation
 * disabled.  The recording has no vnet; one whose subnet uses the table
 * is made up around it. */
static void test_cli_route_table_none(void **state)
{
  const char *path = REC "route_table_show_with_route.json";
  static const char vnet[] =
      "{\"id\": \"" NET "/virtualNetworks/v\", \"name\": \"v\","
      " \"type\": \"Microsoft.Network/virtualNetworks\","
      " \"addressSpace\": {\"addressPrefixes\": [\"10.0.0.0/16\"]},"
      " \"subnets\": [{\"id\": \"" NET "/virtualNetworks/v/subnets/s\","
      " \"name\": \"s\", \"addressPrefix\": \"10.0.0.0/24\","
      " \"routeTable\": {\"id\": \"/subscriptions/00000000-0000-0000-"
      "0000-000000000000/resourceGroups/cli_test_route_table000001/"
      "providers/Microsoft.Network/routeTables/cli-test-route-table\"}}]}";
  struct pf_config *cfg = NULL;
  struct pf_rtable *rt;
  struct pf_err err;
  struct pf_eroute r;
  struct pf_prefix p = pfx("10.0.5.0/25");
  size_t idx = 0;
  (void)state;
  NEED(path);
  pf_err_clear(&err);
  assert_int_equal(pf_config_create(&cfg), PF_OK);
  assert_int_equal(pf_load_buffer(cfg, "v.json", vnet, strlen(vnet), &err),
                   PF_OK);
  if (pf_load_paths(cfg, &path, 1, NULL, &err) != PF_OK)
    fail_msg("%s", err.msg);
  rt = build(cfg, "s", PF_ROUTE_PROFILE_2023, NULL);
  assert_non_null(rt->table);
  assert_true(rt->bgp_disabled);
  assert_string_equal(at(rt, "10.0.5.9")->name, "my-route");
  assert_int_equal(at(rt, "10.0.5.9")->hop, PF_RHOP_NONE);
  assert_int_equal(at(rt, "10.0.6.9")->src, PF_RSRC_VNET);
  /* a gateway route would not be propagated into this subnet (2.3) */
  memset(&r, 0, sizeof(r));
  r.src = PF_RSRC_BGP;
  r.hop = PF_RHOP_VNET_GATEWAY;
  assert_int_equal(pf_rtable_add(rt, &r, &p, 1, &idx), PF_OK);
  assert_true(idx == PF_ROUTE_NONE);
  assert_int_equal(findings(rt, PF_RF_BGP_DISABLED), 1);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

static void test_tiebreak_sources(void **state)
{
  struct pf_rtable *rt;
  (void)state;

  /* same prefix: user > BGP > system (Internet/None) */
  assert_int_equal(pf_rtable_create(&rt), PF_OK);
  add(rt, PF_RSRC_DEFAULT, PF_RHOP_NONE, 0, "sys", "10.0.0.0/8");
  add(rt, PF_RSRC_BGP, PF_RHOP_VNET_GATEWAY, 0, "bgp", "10.0.0.0/8");
  assert_string_equal(winner(rt, "10.1.1.1"), "bgp");
  assert_true(rt->routes[0].invalid);
  add(rt, PF_RSRC_USER, PF_RHOP_VIRTUAL_APPLIANCE, 0, "udr", "10.0.0.0/8");
  assert_string_equal(winner(rt, "10.1.1.1"), "udr");
  assert_true(rt->routes[1].invalid);
  assert_false(rt->routes[2].invalid);
  pf_rtable_destroy(rt);

  /* longest prefix first: a system /24 beats a user /16 */
  assert_int_equal(pf_rtable_create(&rt), PF_OK);
  add(rt, PF_RSRC_USER, PF_RHOP_VIRTUAL_APPLIANCE, 0, "udr", "10.1.0.0/16");
  add(rt, PF_RSRC_DEFAULT, PF_RHOP_NONE, 0, "sys", "10.1.2.0/24");
  assert_string_equal(winner(rt, "10.1.2.3"), "sys");
  assert_string_equal(winner(rt, "10.1.3.3"), "udr");
  assert_false(rt->routes[0].invalid);
  assert_false(rt->routes[1].invalid);
  pf_rtable_destroy(rt);

  /* a user route overrides the VNet route with the same prefix */
  assert_int_equal(pf_rtable_create(&rt), PF_OK);
  add(rt, PF_RSRC_VNET, PF_RHOP_VNET_LOCAL, 0, "vnet", "10.1.0.0/16");
  add(rt, PF_RSRC_USER, PF_RHOP_VIRTUAL_APPLIANCE, 0, "udr", "10.1.0.0/16");
  assert_string_equal(winner(rt, "10.1.9.9"), "udr");
  assert_true(rt->routes[0].invalid);
  pf_rtable_destroy(rt);
}

/* 2.4.3: VNet, peering and service endpoint routes beat BGP at the same
 * prefix and even when the BGP route is more specific; other system
 * routes do not. */
static void test_tiebreak_bgp_exception(void **state)
{
  static const enum pf_route_src prot[] = {PF_RSRC_VNET, PF_RSRC_PEERING,
                                           PF_RSRC_ENDPOINT};
  struct pf_rtable *rt;
  size_t i;
  (void)state;

  for (i = 0; i < 3; i++) {
    assert_int_equal(pf_rtable_create(&rt), PF_OK);
    add(rt, PF_RSRC_BGP, PF_RHOP_VNET_GATEWAY, 0, "bgp-same", "10.1.0.0/16");
    add(rt, prot[i], PF_RHOP_VNET_LOCAL, 0, "sys", "10.1.0.0/16");
    add(rt, PF_RSRC_BGP, PF_RHOP_VNET_GATEWAY, 0, "bgp-longer",
        "10.1.2.0/24");
    add(rt, PF_RSRC_BGP, PF_RHOP_VNET_GATEWAY, 0, "bgp-outside",
        "10.2.0.0/16");
    assert_string_equal(winner(rt, "10.1.0.1"), "sys");
    assert_string_equal(winner(rt, "10.1.2.1"), "sys");
    assert_string_equal(winner(rt, "10.2.0.1"), "bgp-outside");
    assert_true(rt->routes[0].invalid);     /* same prefix: overridden */
    assert_false(rt->routes[2].invalid);    /* loses, but not by prefix */
    /* a user route still wins by longest prefix inside the VNet */
    add(rt, PF_RSRC_USER, PF_RHOP_VIRTUAL_APPLIANCE, 0, "udr",
        "10.1.2.0/25");
    assert_string_equal(winner(rt, "10.1.2.1"), "udr");
    assert_string_equal(winner(rt, "10.1.2.200"), "sys");
    pf_rtable_destroy(rt);
  }
  /* not for the default routes: a more specific BGP route wins there */
  assert_int_equal(pf_rtable_create(&rt), PF_OK);
  add(rt, PF_RSRC_DEFAULT, PF_RHOP_NONE, 0, "sys", "10.0.0.0/8");
  add(rt, PF_RSRC_BGP, PF_RHOP_VNET_GATEWAY, 0, "bgp", "10.1.2.0/24");
  assert_string_equal(winner(rt, "10.1.2.1"), "bgp");
  assert_string_equal(winner(rt, "10.1.3.1"), "sys");
  pf_rtable_destroy(rt);
}

/* 2.3: with BGP propagation disabled, gateway routes are not added. */
static void test_bgp_disabled(void **state)
{
  struct pf_rtable *rt;
  struct pf_eroute r;
  struct pf_prefix p = pfx("10.0.0.0/8");
  size_t idx = 0;
  (void)state;
  assert_int_equal(pf_rtable_create(&rt), PF_OK);
  rt->bgp_disabled = 1;
  memset(&r, 0, sizeof(r));
  r.src = PF_RSRC_BGP;
  r.hop = PF_RHOP_VNET_GATEWAY;
  assert_int_equal(pf_rtable_add(rt, &r, &p, 1, &idx), PF_OK);
  assert_true(idx == PF_ROUTE_NONE);
  assert_int_equal(rt->n_routes, 0);
  assert_int_equal(findings(rt, PF_RF_BGP_DISABLED), 1);
  pf_rtable_destroy(rt);
}

/* 2.5: explicit prefix > tag; regional > top-level > AzureCloud.<region>
 * > AzureCloud; the table order never decides between ranks. */
static void test_tiebreak_tags(void **state)
{
  /* listed in the worst order on purpose */
  static const char routes[] =
      "{\"name\": \"cloud\", \"addressPrefix\": \"AzureCloud\","
      " \"nextHopType\": \"VirtualAppliance\","
      " \"nextHopIpAddress\": \"10.0.0.4\"},"
      "{\"name\": \"cloud-weu\", \"addressPrefix\": \"AzureCloud.westeurope\","
      " \"nextHopType\": \"VirtualAppliance\","
      " \"nextHopIpAddress\": \"10.0.0.5\"},"
      "{\"name\": \"afd\", \"addressPrefix\": \"AzureFrontDoor.Frontend\","
      " \"nextHopType\": \"Internet\"},"
      "{\"name\": \"storage\", \"addressPrefix\": \"Storage\","
      " \"nextHopType\": \"VirtualAppliance\","
      " \"nextHopIpAddress\": \"10.0.0.6\"},"
      "{\"name\": \"storage-weu\", \"addressPrefix\": \"storage.westeurope\","
      " \"nextHopType\": \"Internet\"}";
  struct pf_tagdb *db;
  struct pf_config *cfg;
  struct pf_rtable *rt;
  (void)state;

  db = tags_file(DATA "tags-rank.json");
  cfg = cfg_vnet_rt("\"10.0.0.0/16\"", "\"10.0.1.0/24\"", routes, NULL);
  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, db);
  assert_int_equal(user_route(rt, "cloud")->rank, PF_RTAG_CLOUD);
  assert_int_equal(user_route(rt, "cloud-weu")->rank,
                   PF_RTAG_CLOUD_REGIONAL);
  assert_int_equal(user_route(rt, "afd")->rank, PF_RTAG_GLOBAL);
  assert_int_equal(user_route(rt, "storage")->rank, PF_RTAG_GLOBAL);
  assert_int_equal(user_route(rt, "storage-weu")->rank, PF_RTAG_REGIONAL);
  /* 20.1.0.0/24 is listed by all five */
  assert_string_equal(at(rt, "20.1.0.1")->name, "storage-weu");
  /* 20.2.0.0/24: AzureCloud.westeurope over AzureCloud */
  assert_string_equal(at(rt, "20.2.0.1")->name, "cloud-weu");
  assert_string_equal(at(rt, "20.3.0.1")->name, "cloud");
  /* 20.9.0.0/16 by Storage and AzureCloud; the /24 of Storage.WestEurope
   * inside it wins by length */
  assert_string_equal(at(rt, "20.9.0.1")->name, "storage");
  assert_string_equal(at(rt, "20.9.4.1")->name, "storage-weu");
  /* two top-level tags share 20.1.0.0/24: the earlier one is overridden
   * there like the rest, and wins nothing */
  assert_true(user_route(rt, "afd")->invalid);
  assert_false(user_route(rt, "cloud")->invalid);
  /* 20.1/24, 20.2/24 and 20.9/16 (Storage's), not 20.3/24 */
  assert_int_equal(user_route(rt, "cloud")->n_overridden, 3);
  /* IPv6 prefixes of a tag route count too (but no ::/0 here) */
  assert_string_equal(at(rt, "2603:1020:1::1")->name, "storage");
  assert_string_equal(at(rt, "2603:1020:1:1::1")->name, "storage-weu");
  /* a tag whose networkFeatures lack UDR is not among these */
  assert_int_equal(findings(rt, PF_RF_TAG_NO_UDR), 0);
  assert_int_equal(rt->n_tag_routes, 5);
  assert_true(rt->tags_used);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);

  /* an explicit prefix beats every tag route with the same prefix, even
   * listed last */
  cfg = cfg_vnet_rt("\"10.0.0.0/16\"", "\"10.0.1.0/24\"",
                    "{\"name\": \"storage-weu\", \"addressPrefix\": "
                    "\"Storage.WestEurope\", \"nextHopType\": \"Internet\"},"
                    "{\"name\": \"cidr\", \"addressPrefix\": \"20.1.0.0/24\","
                    " \"nextHopType\": \"None\"}",
                    NULL);
  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, db);
  assert_string_equal(at(rt, "20.1.0.1")->name, "cidr");
  assert_string_equal(at(rt, "20.9.4.1")->name, "storage-weu");
  assert_false(user_route(rt, "storage-weu")->invalid);
  assert_int_equal(user_route(rt, "storage-weu")->n_overridden, 1);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
  pf_tagdb_destroy(db);
}

static void test_tag_findings(void **state)
{
  static const char routes[] =
      "{\"name\": \"batch\", \"addressPrefix\": "
      "\"BatchNodeManagement.WestEurope\", \"nextHopType\": \"Internet\"},"
      "{\"name\": \"aml\", \"addressPrefix\": "
      "\"AzureMachineLearning.WestEurope\", \"nextHopType\": \"Internet\"},"
      "{\"name\": \"nosuch\", \"addressPrefix\": \"NoSuchTag.WestEurope\","
      " \"nextHopType\": \"Internet\"},"
      "{\"name\": \"vnet\", \"addressPrefix\": \"VirtualNetwork\","
      " \"nextHopType\": \"Internet\"},"
      "{\"name\": \"dns\", \"addressPrefix\": \"AzurePlatformDNS\","
      " \"nextHopType\": \"None\"}";
  struct pf_tagdb *db = tags_file(DATA "tags-rank.json");
  struct pf_config *cfg =
      cfg_vnet_rt("\"10.0.0.0/16\"", "\"10.0.1.0/24\"", routes, NULL);
  struct pf_rtable *rt;
  (void)state;

  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, db);
  assert_int_equal(findings(rt, PF_RF_TAG_NO_UDR), 1);
  assert_int_equal(findings(rt, PF_RF_TAG_FEATURES_UNLISTED), 1);
  assert_int_equal(findings(rt, PF_RF_TAG_UNKNOWN), 1);
  assert_int_equal(findings(rt, PF_RF_TAG_NOT_ROUTABLE), 2);
  assert_int_equal(rt->n_unknown, 3);
  assert_true(user_route(rt, "nosuch")->unknown);
  assert_int_equal(user_route(rt, "nosuch")->n_prefixes, 0);
  /* known tag routes still decide their prefixes */
  assert_string_equal(at(rt, "20.5.0.64")->name, "batch");
  assert_int_equal(at(rt, "20.5.0.65")->src, PF_RSRC_DEFAULT);
  pf_rtable_destroy(rt);

  /* no tag file: every tag route is unknown, never guessed */
  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, NULL);
  assert_int_equal(findings(rt, PF_RF_NO_TAGS), 3);
  assert_int_equal(findings(rt, PF_RF_TAG_NOT_ROUTABLE), 2);
  assert_int_equal(rt->n_unknown, 5);
  assert_int_equal(at(rt, "20.5.0.1")->src, PF_RSRC_DEFAULT);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
  pf_tagdb_destroy(db);
}

static void test_too_many_tag_routes(void **state)
{
  char *routes = pf_malloc(16384);
  size_t used = 0, i;
  struct pf_tagdb *db = tags_file(DATA "tags-rank.json");
  struct pf_config *cfg;
  struct pf_rtable *rt;
  (void)state;
  assert_non_null(routes);
  for (i = 0; i < 26; i++)
    used += (size_t)snprintf(routes + used, 16384 - used,
                             "%s{\"name\": \"r%zu\", \"addressPrefix\": "
                             "\"Storage\", \"nextHopType\": \"Internet\"}",
                             i ? "," : "", i);
  cfg = cfg_vnet_rt("\"10.0.0.0/16\"", "\"10.0.1.0/24\"", routes, NULL);
  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, db);
  assert_int_equal(rt->n_tag_routes, 26);
  assert_int_equal(findings(rt, PF_RF_TOO_MANY_TAG_ROUTES), 1);
  /* 25 duplicates of the first route's prefix */
  assert_int_equal(findings(rt, PF_RF_DUPLICATE_PREFIX), 325);
  assert_string_equal(at(rt, "20.1.0.1")->name, "r0");
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);

  /* 25 is allowed */
  routes[strlen(routes) - strlen(",{\"name\": \"r25\", \"addressPrefix\": "
                                 "\"Storage\", \"nextHopType\": "
                                 "\"Internet\"}")] = '\0';
  cfg = cfg_vnet_rt("\"10.0.0.0/16\"", "\"10.0.1.0/24\"", routes, NULL);
  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, db);
  assert_int_equal(rt->n_tag_routes, 25);
  assert_int_equal(findings(rt, PF_RF_TOO_MANY_TAG_ROUTES), 0);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
  pf_tagdb_destroy(db);
  pf_free(routes);
}

/* An appliance address known only at deployment (docs/semantics.md
 * "Pending values"): the prefix still routes to VirtualAppliance, the
 * address is not invented, and an unknown finding says so. */
static void test_hop_pending(void **state)
{
  struct pf_config *cfg =
      cfg_vnet_rt("\"10.0.0.0/16\"", "\"10.0.1.0/24\"",
                  "{\"name\": \"to-fw\", \"addressPrefix\": \"0.0.0.0/0\","
                  " \"nextHopType\": \"VirtualAppliance\","
                  " \"nextHopIpAddress\": {\"$unknown\": "
                  "\"[reference('fw').ipConfigurations[0].privateIPAddress]\"}}",
                  NULL);
  struct pf_rtable *rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, NULL);
  const struct pf_eroute *r;
  size_t i;
  (void)state;
  r = at(rt, "8.8.8.8");
  assert_string_equal(r->name, "to-fw");
  assert_int_equal(r->hop, PF_RHOP_VIRTUAL_APPLIANCE);
  assert_false(r->has_hop_ip);
  assert_non_null(r->udr->hop_pending);
  assert_non_null(strstr(r->udr->hop_pending, "reference('fw')"));
  assert_int_equal(rt->n_hop_pending, 1);
  /* still listed as pending, but it does not make the table pending: no
   * evaluation reads the address */
  assert_int_equal(cfg->n_pending, 1);
  assert_true(cfg->pending[0].represented);
  assert_int_equal(rt->table->hdr.n_pending, 0);
  assert_int_equal(findings(rt, PF_RF_HOP_PENDING), 1);
  assert_int_equal(findings(rt, PF_RF_HOP_OUTSIDE_VNET), 0);
  for (i = 0; i < rt->n_findings; i++)
    if (rt->findings[i].kind == PF_RF_HOP_PENDING) {
      assert_int_equal(rt->findings[i].sev, PF_RSEV_UNKNOWN);
      assert_non_null(strstr(rt->findings[i].msg, "nextHopIpAddress"));
    }
  assert_string_equal(pf_route_fkind_name(PF_RF_HOP_PENDING),
                      "next-hop-pending");
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

/* ---- IPv6, peering, service endpoints ----------------------------------- */

static void test_ipv6(void **state)
{
  struct pf_config *cfg =
      cfg_vnet_rt("\"10.0.0.0/16\", \"fd00:1::/48\"",
                  "\"10.0.1.0/24\", \"fd00:1:0:1::/64\"",
                  "{\"name\": \"v6-fw\", \"addressPrefix\": \"2001:db8::/32\","
                  " \"nextHopType\": \"VirtualAppliance\","
                  " \"nextHopIpAddress\": \"fd00:1::4\"}",
                  NULL);
  struct pf_rtable *rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, NULL);
  (void)state;
  assert_true(rt->has_v6);
  assert_non_null(route_with(rt, PF_RSRC_DEFAULT, "::/0"));
  assert_int_equal(at(rt, "2606:4700::1")->hop, PF_RHOP_INTERNET);
  assert_int_equal(at(rt, "fd00:1:0:ffff::1")->hop, PF_RHOP_VNET_LOCAL);
  assert_string_equal(at(rt, "2001:db8:1::1")->name, "v6-fw");
  assert_int_equal(at(rt, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")->hop,
                   PF_RHOP_INTERNET);
  assert_int_equal(at(rt, "::")->hop, PF_RHOP_INTERNET);
  /* the appliance is inside fd00:1::/48: no finding */
  assert_int_equal(findings(rt, PF_RF_HOP_OUTSIDE_VNET), 0);
  assert_int_equal(at(rt, "8.8.8.8")->hop, PF_RHOP_INTERNET);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

static void test_peering(void **state)
{
  static const char vnet[] =
      "{\"id\": \"" NET "/virtualNetworks/hub\", \"name\": \"hub\","
      " \"type\": \"Microsoft.Network/virtualNetworks\","
      " \"addressSpace\": {\"addressPrefixes\": [\"10.0.0.0/16\"]},"
      " \"subnets\": [{\"id\": \"" NET "/virtualNetworks/hub/subnets/s\","
      " \"name\": \"s\", \"addressPrefix\": \"10.0.1.0/24\"}],"
      " \"virtualNetworkPeerings\": ["
      "  {\"name\": \"to-spoke\", \"peeringState\": \"Connected\","
      "   \"remoteVirtualNetwork\": {\"id\": \"" NET
      "/virtualNetworks/spoke\"},"
      "   \"remoteAddressSpace\": {\"addressPrefixes\": [\"10.0.0.0/8\"]}},"
      "  {\"name\": \"to-other\", \"peeringState\": \"Initiated\","
      "   \"remoteVirtualNetwork\": {\"id\": \"" NET
      "/virtualNetworks/other\"},"
      "   \"remoteAddressSpace\": {\"addressPrefixes\": "
      "[\"172.16.0.0/16\"]}},"
      "  {\"name\": \"to-far\", \"peeringState\": \"Connected\","
      "   \"remoteVirtualNetwork\": {\"id\": \"" NET "/virtualNetworks/far\"}}"
      " ]}";
  const char *docs[] = {vnet};
  struct pf_config *cfg = cfg_docs(docs, 1);
  struct pf_rtable *rt = build(cfg, "s", PF_ROUTE_PROFILE_2023, NULL);
  (void)state;
  /* the peered 10.0.0.0/8 has the very prefix of a None route: both
   * system routes, the peering wins (see route_score) */
  assert_int_equal(at(rt, "10.5.0.1")->hop, PF_RHOP_PEERING);
  assert_true(route_with(rt, PF_RSRC_DEFAULT, "10.0.0.0/8")->invalid);
  assert_int_equal(at(rt, "10.0.3.1")->hop, PF_RHOP_VNET_LOCAL);
  /* Initiated: no route; no address space for to-far: unknown */
  assert_int_equal(at(rt, "172.16.0.1")->hop, PF_RHOP_NONE);
  assert_int_equal(findings(rt, PF_RF_PEERING_NOT_CONNECTED), 1);
  assert_int_equal(findings(rt, PF_RF_PEERING_UNKNOWN), 1);
  assert_int_equal(rt->n_unknown, 1);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

/* The example: service endpoints for Microsoft.Storage (westeurope,
 * northeurope) and Microsoft.KeyVault (*), a UDR 0.0.0.0/0 to the
 * firewall and a tag route for BatchNodeManagement.WestEurope. */
static void test_example_training(void **state)
{
  const char *paths[] = {EXAMPLE};
  struct pf_config *cfg;
  struct pf_tagdb *db;
  struct pf_rtable *rt;
  const struct pf_eroute *r;
  size_t i, n_se = 0;
  (void)state;

  cfg = cfg_paths(paths, 1);
  db = tags_file(EXAMPLE "/service-tags.json");
  rt = build(cfg, "snet-training", PF_ROUTE_PROFILE_2023, db);
  assert_true(rt->bgp_disabled);
  for (i = 0; i < rt->n_routes; i++)
    n_se += rt->routes[i].src == PF_RSRC_ENDPOINT;
  assert_int_equal(n_se, 3);
  /* the example's tag file lists the tags of all three endpoints
   * (Storage.WestEurope, Storage.NorthEurope, AzureKeyVault) */
  assert_int_equal(rt->n_unknown, 0);
  assert_int_equal(findings(rt, PF_RF_ENDPOINT_UNKNOWN), 0);
  /* 13.69.40.16/28 is a Storage.WestEurope prefix: the endpoint route is
   * longer than the firewall's 0.0.0.0/0 (2.4) */
  r = at(rt, "13.69.40.20");
  assert_int_equal(r->hop, PF_RHOP_ENDPOINT);
  assert_string_equal(r->service, "Microsoft.Storage");
  assert_string_equal(r->tag->name, "Storage.WestEurope");
  r = at(rt, "13.69.65.70");
  assert_string_equal(r->name, "batch-management");
  assert_int_equal(r->hop, PF_RHOP_INTERNET);
  r = at(rt, "1.1.1.1");
  assert_string_equal(r->name, "default-to-firewall");
  assert_true(r->has_hop_ip);
  assert_true(route_with(rt, PF_RSRC_DEFAULT, "0.0.0.0/0")->invalid);
  assert_int_equal(findings(rt, PF_RF_TAG_NO_UDR), 1);
  assert_int_equal(findings(rt, PF_RF_HOP_OUTSIDE_VNET), 0);
  pf_rtable_destroy(rt);

  /* the endpoints belong to snet-training only (2.2) */
  rt = build(cfg, "snet-private-endpoints", PF_ROUTE_PROFILE_2023, db);
  assert_int_equal(at(rt, "13.69.40.20")->hop, PF_RHOP_INTERNET);
  assert_null(rt->table_id);
  assert_int_equal(rt->n_unknown, 0);
  assert_false(rt->tags_used);
  pf_rtable_destroy(rt);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
}

/* Missing inputs: a route table referenced but not supplied; a subnet
 * whose virtual network was not supplied. */
static void test_missing_inputs(void **state)
{
  const char *vnet_only[] = {EXAMPLE "/vnet.json"};
  const char *subnet_only[] = {
      REC "subnet_with_service_endpoint_storage.json"};
  struct pf_config *cfg;
  struct pf_rtable *rt;
  (void)state;

  cfg = cfg_paths(vnet_only, 1);
  rt = build(cfg, "snet-training", PF_ROUTE_PROFILE_2023, NULL);
  assert_non_null(rt->table_id);
  assert_null(rt->table);
  assert_int_equal(findings(rt, PF_RF_TABLE_MISSING), 1);
  /* Storage (2 locations) and KeyVault without a tag file + the table */
  assert_int_equal(findings(rt, PF_RF_NO_TAGS), 3);
  assert_int_equal(rt->n_unknown, 4);
  /* what is known is still decided */
  assert_int_equal(at(rt, "10.20.1.1")->hop, PF_RHOP_VNET_LOCAL);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);

  NEED(subnet_only[0]);
  cfg = cfg_paths(subnet_only, 1);
  assert_int_equal(cfg->n_res[PF_K_SUBNET], 1);
  rt = build(cfg, cfg->res[PF_K_SUBNET][0]->name, PF_ROUTE_PROFILE_2023,
             NULL);
  assert_null(rt->vnet);
  assert_int_equal(findings(rt, PF_RF_VNET_MISSING), 1);
  assert_true(rt->n_unknown >= 1);
  /* the None routes stay: a VNet range could only remove them */
  assert_non_null(route_with(rt, PF_RSRC_DEFAULT, "10.0.0.0/8"));
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

/* A subnet that does not name its table: the table's subnets list. */
static void test_table_by_back_reference(void **state)
{
  char *docs[2];
  struct pf_config *cfg;
  struct pf_rtable *rt;
  char *t;
  (void)state;
  docs[0] = vnet_doc("\"10.0.0.0/16\"", "\"10.0.1.0/24\"", 0, NULL);
  t = rt_doc("{\"name\": \"fw\", \"addressPrefix\": \"0.0.0.0/0\","
             " \"nextHopType\": \"VirtualAppliance\","
             " \"nextHopIpAddress\": \"10.0.0.4\"}",
             1);
  docs[1] = pf_malloc(strlen(t) + 256);
  assert_non_null(docs[1]);
  snprintf(docs[1], strlen(t) + 256, "%.*s, \"subnets\": [{\"id\": \"%s\"}]}",
           (int)strlen(t) - 1, t,
           NET "/virtualNetworks/vnet1/subnets/snet1");
  pf_free(t);
  cfg = cfg_docs((const char *const *)docs, 2);
  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, NULL);
  assert_non_null(rt->table);
  assert_true(rt->bgp_disabled);
  assert_int_equal(findings(rt, PF_RF_TABLE_BY_BACKREF), 1);
  assert_string_equal(at(rt, "1.2.3.4")->name, "fw");
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
  pf_free(docs[0]);
  pf_free(docs[1]);
}

/* ---- Network Watcher next hop answers ----------------------------------- */

static cJSON *json_file(const char *path, char **buf)
{
  struct pf_err err;
  size_t len;
  cJSON *root;
  pf_err_clear(&err);
  if (pf_file_read(path, 1 << 22, buf, &len, &err) != PF_OK)
    fail_msg("%s", err.msg);
  root = cJSON_ParseWithLength(*buf, len);
  assert_non_null(root);
  return root;
}

static const char *jstr(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * Network Watcher's words for our answer.  Its nextHopType enum has
 * VnetLocal, but the recorded answer for an address of the vnet reads
 * "VirtualNetwork"; both are accepted.  routeTableId is "System Route" or
 * the route table's id.
 */
static void check_watcher(const struct pf_rtable *rt, const cJSON *req,
                          const cJSON *resp, int *reproduced)
{
  const struct pf_eroute *r = at(rt, jstr(req, "destinationIPAddress"));
  const char *type = jstr(resp, "nextHopType");
  const char *table = jstr(resp, "routeTableId");
  const char *ip = jstr(resp, "nextHopIpAddress");
  char got[PF_ADDR_STRLEN];

  if (r->src == PF_RSRC_USER) {
    assert_non_null(table);
    assert_true(pf_id_eq(table, rt->table_id));
  } else {
    assert_string_equal(table, "System Route");
  }
  if (ip) {
    assert_true(r->has_hop_ip);
    pf_addr_format(&r->hop_ip, got, sizeof(got));
    assert_string_equal(ip, got);
  }
  if (!strcmp(type, pf_route_hop_name(r->hop)) ||
      (r->hop == PF_RHOP_VNET_LOCAL && !strcmp(type, "VirtualNetwork"))) {
    (*reproduced)++;
    return;
  }
  /*
   * Not reproducible from the configuration: route1 (10.1.3.0/24 ->
   * VirtualAppliance 10.0.1.2) decides - the answer names its table and
   * echoes 10.0.1.2 - but Azure reported "None".  The documented rule is
   * only that the appliance must be directly reachable (2.3); 10.0.1.2 is
   * outside the vnet 10.17.3.0/24 and nothing listened there.  We keep the
   * route's own next hop type and flag the address instead.
   */
  assert_string_equal(type, "None");
  assert_int_equal(r->hop, PF_RHOP_VIRTUAL_APPLIANCE);
  assert_int_equal(findings(rt, PF_RF_HOP_OUTSIDE_VNET), 1);
  assert_int_equal(rt->findings[0].route, (size_t)(r - rt->routes));
}

static void test_watcher_azure_cli(void **state)
{
  const char *path = ORACLE "azure_cli_watcher_vm_cases.json";
  const char *rec = REC "watcher_next_hop.json";
  char *buf = NULL, *buf2 = NULL, space[64], sub[64];
  cJSON *root, *res, *c, *vnet = NULL, *root2;
  struct pf_config *cfg;
  struct pf_rtable *rt;
  int n = 0, ok = 0;
  (void)state;
  NEED(path);
  NEED(rec);

  root = json_file(path, &buf);
  /* the configuration as the test deployed it */
  res = cJSON_GetObjectItemCaseSensitive(root, "deployment_resources");
  cJSON_ArrayForEach(c, res)
    if (!strcmp(jstr(c, "type"), "Microsoft.Network/virtualNetworks"))
      vnet = c;
  assert_non_null(vnet);
  {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(vnet, "properties");
    const cJSON *as = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(p, "addressSpace"),
        "addressPrefixes");
    const cJSON *s0 = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(p, "subnets"), 0);
    snprintf(space, sizeof(space), "\"%s\"",
             cJSON_GetArrayItem(as, 0)->valuestring);
    snprintf(sub, sizeof(sub), "\"%s\"",
             jstr(cJSON_GetObjectItemCaseSensitive(s0, "properties"),
                  "addressPrefix"));
  }
  cfg = cfg_vnet_rt(space, sub, NULL, NULL);
  rt = build(cfg, "snet1", PF_ROUTE_PROFILE_2023, NULL);
  root2 = json_file(rec, &buf2);
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cases")) {
    const cJSON *resp = cJSON_GetObjectItemCaseSensitive(c, "response");
    if (strcmp(jstr(c, "operation"), "nextHop"))
      continue;
    n++;
    check_watcher(rt, cJSON_GetObjectItemCaseSensitive(c, "request"), resp,
                  &ok);
    /* the standalone recording is the same answer */
    assert_string_equal(jstr(root2, "nextHopType"),
                        jstr(resp, "nextHopType"));
    assert_string_equal(jstr(root2, "routeTableId"),
                        jstr(resp, "routeTableId"));
  }
  assert_int_equal(n, 1);
  assert_int_equal(ok, 1);
  cJSON_Delete(root);
  cJSON_Delete(root2);
  pf_free(buf);
  pf_free(buf2);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

static void test_watcher_sdk_net(void **state)
{
  const char *path = ORACLE "azure_sdk_for_net_watcher_cases.json";
  const char *cfgp[] = {DATA "sdk-net-next-hop.json"};
  char *buf = NULL;
  cJSON *root, *nh, *c, *rts;
  struct pf_config *cfg;
  struct pf_rtable *rt;
  const struct pf_eroute *r1;
  int n = 0, ok = 0;
  (void)state;
  NEED(path);

  root = json_file(path, &buf);
  nh = cJSON_GetObjectItemCaseSensitive(root, "next_hop");
  cfg = cfg_paths(cfgp, 1);
  rt = build(cfg, "default", PF_ROUTE_PROFILE_2023, NULL);
  /* our data file encodes the recording's route table: check it */
  rts = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(nh, "route_table"), "routes");
  assert_int_equal(cJSON_GetArraySize(rts), 1);
  r1 = user_route(rt, jstr(cJSON_GetArrayItem(rts, 0), "name"));
  {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(rts, 0), "properties");
    char got[PF_PREFIX_STRLEN];
    pf_prefix_format(&r1->prefixes[0], got, sizeof(got));
    assert_string_equal(jstr(p, "addressPrefix"), got);
    pf_addr_format(&r1->hop_ip, got, sizeof(got));
    assert_string_equal(jstr(p, "nextHopIpAddress"), got);
  }
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(nh, "cases")) {
    n++;
    check_watcher(rt, cJSON_GetObjectItemCaseSensitive(c, "request"),
                  cJSON_GetObjectItemCaseSensitive(c, "response"), &ok);
  }
  assert_int_equal(n, 2);
  assert_int_equal(ok, 1);   /* the Internet answer; see check_watcher */
  cJSON_Delete(root);
  pf_free(buf);
  pf_rtable_destroy(rt);
  pf_config_destroy(cfg);
}

/* ---- partitions --------------------------------------------------------- */

static void check_partition(const struct pf_rtable *rt,
                            const struct pf_ipset *dst,
                            const struct pf_route_parts *pp)
{
  struct pf_ipset all, tmp;
  size_t i, k;
  pf_ipset_init(&all);
  pf_ipset_init(&tmp);
  for (i = 0; i < pp->n; i++) {
    assert_false(pf_ipset_empty(&pp->p[i].set));
    for (k = 0; k < i; k++) {
      assert_false(pf_ipset_overlaps(&pp->p[i].set, &pp->p[k].set));
      assert_true(pp->p[i].route != pp->p[k].route);
    }
    assert_int_equal(pf_ipset_union(&tmp, &all, &pp->p[i].set), PF_OK);
    assert_int_equal(pf_ipset_copy(&all, &tmp), PF_OK);
  }
  assert_true(pf_ipset_equal(&all, dst));
  assert_int_equal(pp->complete, rt->n_unknown == 0);
  pf_ipset_release(&all);
  pf_ipset_release(&tmp);
}

static void test_partition_example_tags(void **state)
{
  const char *paths[] = {EXAMPLE};
  struct pf_config *cfg = cfg_paths(paths, 1);
  struct pf_tagdb *db = tags_file(EXAMPLE "/service-tags.json");
  struct pf_rtable *rt = build(cfg, "snet-training", PF_ROUTE_PROFILE_2023,
                               db);
  const struct pf_tag *aml = NULL, *bnm = NULL;
  struct pf_route_parts pp;
  (void)state;

  assert_int_equal(pf_tagdb_find(db, "AzureMachineLearning.WestEurope", 31,
                                 &aml),
                   PF_TAG_FILE);
  assert_int_equal(pf_tagdb_find(db, "BatchNodeManagement.WestEurope", 30,
                                 &bnm),
                   PF_TAG_FILE);
  pf_route_parts_init(&pp);
  /* AML: 7 IPv4 prefixes to the firewall, its IPv6 prefix has no route
   * (IPv4-only network) */
  assert_int_equal(pf_rtable_partition(rt, &aml->set, &pp), PF_OK);
  check_partition(rt, &aml->set, &pp);
  assert_int_equal(pp.n, 2);
  assert_string_equal(rt->routes[pp.p[0].route].name, "default-to-firewall");
  assert_true(pf_rangeset_equal(&pp.p[0].set.fam[PF_AF_V4],
                                &aml->set.fam[PF_AF_V4]));
  assert_true(pp.p[1].route == PF_ROUTE_NONE);
  assert_true(pp.complete);
  /* Batch management: all of it, IPv6 included, by the tag route */
  assert_int_equal(pf_rtable_partition(rt, &bnm->set, &pp), PF_OK);
  check_partition(rt, &bnm->set, &pp);
  assert_int_equal(pp.n, 1);
  assert_string_equal(rt->routes[pp.p[0].route].name, "batch-management");
  pf_route_parts_release(&pp);
  pf_route_parts_release(&pp);    /* release twice is fine */
  pf_rtable_destroy(rt);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
}

/* ---- randomized check against a brute-force evaluator ------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
  /* xorshift64*: fixed seed, reproducible */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}

static size_t rndn(size_t n)
{
  return (size_t)(rnd() % n);
}

/* Equal-prefix order read straight from 2.4/2.5 (lower wins): explicit
 * UDR, tag UDRs by rank, VNet, peering, endpoint, BGP, other system. */
static int brute_class(const struct pf_eroute *r)
{
  switch (r->src) {
  case PF_RSRC_USER:
    return (int)r->rank;   /* 0 explicit, 1..4 tag ranks */
  case PF_RSRC_VNET:
    return 5;
  case PF_RSRC_PEERING:
    return 6;
  case PF_RSRC_ENDPOINT:
    return 7;
  case PF_RSRC_BGP:
    return 8;
  case PF_RSRC_DEFAULT:
    break;
  }
  return 9;
}

static size_t brute(const struct pf_rtable *rt, enum pf_af af, pf_u128 v)
{
  size_t i, k, best = PF_ROUTE_NONE;
  unsigned best_len = 0;
  int prot = 0;
  struct pf_addr a;
  a.af = af;
  a.v = v;
  for (i = 0; i < rt->n_routes; i++) {
    const struct pf_eroute *r = &rt->routes[i];
    if (r->src != PF_RSRC_VNET && r->src != PF_RSRC_PEERING &&
        r->src != PF_RSRC_ENDPOINT)
      continue;
    for (k = 0; k < r->n_prefixes; k++)
      prot |= r->prefixes[k].af == af &&
              pf_prefix_contains(&r->prefixes[k], &a);
  }
  for (i = 0; i < rt->n_routes; i++) {
    const struct pf_eroute *r = &rt->routes[i];
    if (prot && r->src == PF_RSRC_BGP)
      continue;     /* 2.4.3 */
    for (k = 0; k < r->n_prefixes; k++) {
      const struct pf_prefix *p = &r->prefixes[k];
      if (p->af != af || !pf_prefix_contains(p, &a))
        continue;
      if (best == PF_ROUTE_NONE || p->len > best_len ||
          (p->len == best_len &&
           brute_class(r) < brute_class(&rt->routes[best])))
        best = i, best_len = p->len;
    }
  }
  return best;
}

/* A random prefix near [base, base + win) of family af. */
static struct pf_prefix rnd_prefix(enum pf_af af, pf_u128 base,
                                   unsigned win_bits)
{
  unsigned bits = pf_af_bits(af), len;
  struct pf_prefix p;
  pf_u128 a, mask;
  size_t pick = rndn(10);
  if (pick == 0)
    len = (unsigned)rndn(bits + 1);                 /* anything */
  else
    len = bits - win_bits - 3 + (unsigned)rndn(win_bits + 4);
  a = base + (pf_u128)(rnd() % ((uint64_t)4 << win_bits)) -
      ((pf_u128)1 << (win_bits + 1));
  if (af == PF_AF_V4)
    a &= 0xFFFFFFFFu;
  mask = len == 0 ? 0 : (~(pf_u128)0 << (128 - len)) >> (128 - bits);
  p.af = af;
  p.len = len;
  p.addr = a & mask;
  return p;
}

static void random_case(enum pf_af af, pf_u128 base, unsigned win_bits)
{
  static const enum pf_route_src srcs[] = {
      PF_RSRC_USER, PF_RSRC_USER, PF_RSRC_BGP, PF_RSRC_VNET,
      PF_RSRC_PEERING, PF_RSRC_ENDPOINT, PF_RSRC_DEFAULT};
  struct pf_rtable *rt;
  struct pf_ipset dst;
  struct pf_route_parts pp;
  size_t n = 1 + rndn(12), i, k;
  pf_u128 win = (pf_u128)1 << win_bits, j;

  assert_int_equal(pf_rtable_create(&rt), PF_OK);
  for (i = 0; i < n; i++) {
    struct pf_eroute r;
    struct pf_prefix ps[4];
    size_t np = 1 + rndn(4);
    memset(&r, 0, sizeof(r));
    r.src = srcs[rndn(sizeof(srcs) / sizeof(srcs[0]))];
    r.hop = (enum pf_route_hop)rndn(7);
    if (r.src == PF_RSRC_USER)
      r.rank = (enum pf_route_tagrank)rndn(5);
    if (r.src != PF_RSRC_ENDPOINT &&
        !(r.src == PF_RSRC_USER && r.rank != PF_RTAG_NONE))
      np = 1;
    for (k = 0; k < np; k++)
      ps[k] = rnd_prefix(af, base, win_bits);
    /* sometimes the same prefix as an earlier route, to force ties */
    if (i && rndn(3) == 0)
      ps[0] = rt->routes[rndn(rt->n_routes)].prefixes[0];
    assert_int_equal(pf_rtable_add(rt, &r, ps, np, NULL), PF_OK);
  }
  assert_int_equal(pf_rtable_compile(rt), PF_OK);
  pf_ipset_init(&dst);
  for (i = 1 + rndn(4); i > 0; i--) {
    pf_u128 lo = base + (pf_u128)rndn((size_t)win);
    pf_u128 hi = lo + (pf_u128)rndn((size_t)(base + win - lo));
    assert_int_equal(pf_rangeset_add(&dst.fam[af], lo, hi), PF_OK);
  }
  pf_route_parts_init(&pp);
  assert_int_equal(pf_rtable_partition(rt, &dst, &pp), PF_OK);
  check_partition(rt, &dst, &pp);
  for (j = 0; j < win; j++) {
    pf_u128 v = base + j;   /* base + win may wrap at the top of IPv6 */
    size_t want = brute(rt, af, v), got;
    struct pf_addr a;
    a.af = af;
    a.v = v;
    got = pf_rtable_lookup(rt, &a);
    if (got != want)
      fail_msg("address %llx: route %zu, brute force %zu",
               (unsigned long long)v, got, want);
    if (!pf_rangeset_contains(&dst.fam[af], v))
      continue;
    for (k = 0; k < pp.n; k++)
      if (pf_rangeset_contains(&pp.p[k].set.fam[af], v))
        break;
    assert_true(k < pp.n);
    assert_true(pp.p[k].route == want);
  }
  pf_route_parts_release(&pp);
  pf_ipset_release(&dst);
  pf_rtable_destroy(rt);
}

static void test_random_vs_brute_force(void **state)
{
  size_t i;
  (void)state;
  for (i = 0; i < 3000; i++) {
    /* windows of 64..512 addresses, at ordinary, low and high ends */
    unsigned wb = 6 + (unsigned)rndn(4);
    pf_u128 base;
    switch (rndn(4)) {
    case 0:
      base = 0;
      break;
    case 1:
      base = 0xFFFFFFFFu - ((pf_u128)1 << wb) + 1;
      break;
    default:
      base = ((pf_u128)(rnd() & 0xFFFFFFFFu) >> wb) << wb;
      break;
    }
    random_case(PF_AF_V4, base, wb);
  }
  for (i = 0; i < 1000; i++) {
    unsigned wb = 6 + (unsigned)rndn(3);
    pf_u128 base = i % 7 == 0 ? 0 : ((pf_u128)rnd() << 64 | rnd());
    if (i % 7 == 1)
      base = ~(pf_u128)0;
    base = base >> wb << wb;
    random_case(PF_AF_V6, base, wb);
  }
}

/* ---- small things ------------------------------------------------------- */

static void test_names(void **state)
{
  enum pf_route_profile p;
  (void)state;
  assert_int_equal(pf_route_profile_parse("2017", &p), PF_OK);
  assert_int_equal(p, PF_ROUTE_PROFILE_2017);
  assert_int_equal(pf_route_profile_parse("2023", &p), PF_OK);
  assert_int_equal(p, PF_ROUTE_PROFILE_2023);
  assert_int_equal(pf_route_profile_parse("2020", &p), PF_EINVAL);
  assert_string_equal(pf_route_hop_name(PF_RHOP_PEERING), "VNetPeering");
  assert_string_equal(pf_route_hop_name(PF_RHOP_ENDPOINT),
                      "VirtualNetworkServiceEndpoint");
  assert_string_equal(pf_route_hop_name((enum pf_route_hop)PF_NH_VNET_LOCAL),
                      "VnetLocal");
  assert_string_equal(pf_route_src_azure(PF_RSRC_BGP),
                      "VirtualNetworkGateway");
  assert_string_equal(pf_route_fkind_name(PF_RF_BGP_DISABLED),
                      "bgp-disabled");
  pf_rtable_destroy(NULL);
  pf_route_parts_release(NULL);
}

static void test_uncompiled(void **state)
{
  struct pf_rtable *rt;
  struct pf_route_parts pp;
  struct pf_ipset s;
  struct pf_addr a = addr("1.2.3.4");
  (void)state;
  assert_int_equal(pf_rtable_create(&rt), PF_OK);
  add(rt, PF_RSRC_DEFAULT, PF_RHOP_INTERNET, 0, "d", "0.0.0.0/0");
  pf_route_parts_init(&pp);
  pf_ipset_init(&s);
  assert_int_equal(pf_rtable_partition(rt, &s, &pp), PF_EINVAL);
  assert_true(pf_rtable_lookup(rt, &a) == PF_ROUTE_NONE);
  assert_int_equal(pf_rtable_compile(rt), PF_OK);
  assert_int_equal(pf_rtable_lookup(rt, &a), 0);
  /* adding invalidates */
  add(rt, PF_RSRC_DEFAULT, PF_RHOP_NONE, 0, "n", "1.0.0.0/8");
  assert_true(pf_rtable_lookup(rt, &a) == PF_ROUTE_NONE);
  assert_int_equal(pf_rtable_compile(rt), PF_OK);
  assert_int_equal(pf_rtable_lookup(rt, &a), 1);
  /* the empty set partitions into nothing */
  assert_int_equal(pf_rtable_partition(rt, &s, &pp), PF_OK);
  assert_int_equal(pp.n, 0);
  pf_route_parts_release(&pp);
  pf_ipset_release(&s);
  pf_rtable_destroy(rt);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_system_2023),
      cmocka_unit_test(test_system_2017),
      cmocka_unit_test(test_reserved_vs_vnet),
      cmocka_unit_test(test_nic_effective_route_table),
      cmocka_unit_test(test_cli_route_table),
      cmocka_unit_test(test_cli_route_table_none),
      cmocka_unit_test(test_tiebreak_sources),
      cmocka_unit_test(test_tiebreak_bgp_exception),
      cmocka_unit_test(test_bgp_disabled),
      cmocka_unit_test(test_tiebreak_tags),
      cmocka_unit_test(test_tag_findings),
      cmocka_unit_test(test_too_many_tag_routes),
      cmocka_unit_test(test_hop_pending),
      cmocka_unit_test(test_ipv6),
      cmocka_unit_test(test_peering),
      cmocka_unit_test(test_example_training),
      cmocka_unit_test(test_missing_inputs),
      cmocka_unit_test(test_table_by_back_reference),
      cmocka_unit_test(test_watcher_azure_cli),
      cmocka_unit_test(test_watcher_sdk_net),
      cmocka_unit_test(test_partition_example_tags),
      cmocka_unit_test(test_random_vs_brute_force),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_uncompiled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
