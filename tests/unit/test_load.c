/* SPDX-License-Identifier: MIT */
/* test_load.c - the resource loaders: every fixture, real shapes, errors
 *
 * Part one loads every file under ../shared/fixtures/arm on its own and
 * pins what it gives: resources per kind, why a file is skipped, ignored
 * types, warnings and references.  The counts were checked independently
 * with python3 (json module: resource types from "type" or from the id,
 * subnets inside vnets, list envelopes and API examples unwrapped).
 * Exactly one fixture is refused: Microsoft's own key vault example writes
 * an IP rule as "'10.91.4.0/24'", with the quotes.
 *
 * Part two reads model contents of real shapes (fixtures and in-memory
 * documents in the az CLI, ARM, az ml and PowerShell shapes of
 * AZURE-SEMANTICS.md 7) and checks references, duplicates and secrets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/pf_strbuf.h"
#include "load/pf_load.h"
#include "model/pf_ip.h"
#include "model/pf_model.h"

#define ARM_DIR PF_FIXTURES "/arm"
#define CLI ARM_DIR "/azure-cli-recordings/"
#define SPEC ARM_DIR "/rest-api-specs-examples/"

#define SUB "/subscriptions/6f2b1c3e-8a4d-4b7e-9c1f-2d3e4f5a6b7c"
#define RG SUB "/resourceGroups/rg-ml-prod"
#define NET RG "/providers/Microsoft.Network"
#define WS RG "/providers/Microsoft.MachineLearningServices/workspaces/mlw"

/* ---- helpers ------------------------------------------------------------ */

static int have_fixtures(void)
{
  struct stat st;
  return stat(ARM_DIR, &st) == 0 && S_ISDIR(st.st_mode);
}

#define NEED_FIXTURES()                                                   \
  do {                                                                    \
    if (!have_fixtures()) {                                               \
      print_message("fixtures not found at %s (../shared/fixtures is "   \
                    "absent): skipped\n", ARM_DIR);                       \
      skip();                                                             \
    }                                                                     \
  } while (0)

static struct pf_config *new_cfg(void)
{
  struct pf_config *cfg = NULL;
  assert_int_equal(pf_config_create(&cfg), PF_OK);
  assert_non_null(cfg);
  return cfg;
}

/* Load files (NULL-terminated) and resolve; fail the test on error. */
static struct pf_config *load_files(const char *first, ...)
{
  const char *paths[8];
  struct pf_config *cfg = new_cfg();
  struct pf_err err;
  size_t n = 0;
  va_list ap;
  const char *p = first;
  va_start(ap, first);
  while (p && n < 8) {
    paths[n++] = p;
    p = va_arg(ap, const char *);
  }
  va_end(ap);
  pf_err_clear(&err);
  if (pf_load_paths(cfg, paths, n, NULL, &err) != PF_OK)
    fail_msg("%s", err.msg);
  return cfg;
}

/* Load in-memory documents (name, text pairs, NULL-terminated). */
static struct pf_config *load_docs(const char *name, ...)
{
  struct pf_config *cfg = new_cfg();
  struct pf_err err;
  const char *n = name;
  va_list ap;
  va_start(ap, name);
  while (n) {
    const char *text = va_arg(ap, const char *);
    pf_err_clear(&err);
    if (pf_load_buffer(cfg, n, text, strlen(text), &err) != PF_OK)
      fail_msg("%s", err.msg);
    n = va_arg(ap, const char *);
  }
  va_end(ap);
  assert_int_equal(pf_config_resolve(cfg), PF_OK);
  return cfg;
}

static struct pf_config *load_doc(const char *json)
{
  return load_docs("doc.json", json, NULL);
}

/* Load \p json expecting an error; \return its message (static). */
static const char *load_err(const char *json)
{
  static struct pf_err err;
  struct pf_config *cfg = new_cfg();
  pf_status st;
  pf_err_clear(&err);
  st = pf_load_buffer(cfg, "doc.json", json, strlen(json), &err);
  pf_config_destroy(cfg);
  if (st == PF_OK)
    fail_msg("accepted: %s", json);
  assert_true(pf_err_isset(&err));
  return err.msg;
}

/* "vnet=1 subnet=1": resources per kind, in kind order. */
static const char *counts(const struct pf_config *cfg)
{
  static char buf[256];
  size_t used = 0;
  unsigned k;
  buf[0] = '\0';
  for (k = 0; k < PF_K_COUNT; k++)
    if (cfg->n_res[k])
      used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s=%zu",
                               used ? " " : "",
                               pf_kind_name((enum pf_kind)k), cfg->n_res[k]);
  return buf;
}

static void *res_at(const struct pf_config *cfg, enum pf_kind k, size_t i)
{
  if (i >= cfg->n_res[k])
    fail_msg("no %s #%zu (have %zu)", pf_kind_name(k), i, cfg->n_res[k]);
  return cfg->res[k][i];
}

static void *res_named(const struct pf_config *cfg, enum pf_kind k,
                       const char *name)
{
  size_t i;
  for (i = 0; i < cfg->n_res[k]; i++)
    if (!strcmp(cfg->res[k][i]->name, name))
      return cfg->res[k][i];
  fail_msg("no %s named %s", pf_kind_name(k), name);
  return NULL;
}

static const char *prefix_str(const struct pf_prefix *p)
{
  static char buf[4][PF_PREFIX_STRLEN];
  static unsigned n;
  char *b = buf[n++ % 4];
  pf_prefix_format(p, b, PF_PREFIX_STRLEN);
  return b;
}

static const char *addr_str(const struct pf_addr *a)
{
  static char buf[PF_ADDR_STRLEN];
  pf_addr_format(a, buf, sizeof(buf));
  return buf;
}

static const char *ports_str(const struct pf_rangeset *s)
{
  static char buf[2][256];
  static unsigned n;
  char *b = buf[n++ % 2];
  pf_portset_format(s, b, 256);
  return b;
}

struct ref_count {
  size_t resolved, unresolved;
};

static void count_ref(const struct pf_res *from, const struct pf_ref *ref,
                      void *arg)
{
  struct ref_count *c = arg;
  (void)from;
  if (ref->target)
    c->resolved++;
  else
    c->unresolved++;
}

static const struct pf_nsg_rule *rule_named(const struct pf_nsg *n,
                                            const char *name)
{
  size_t i;
  for (i = 0; i < n->n_rules; i++)
    if (!strcmp(n->rules[i].name, name))
      return &n->rules[i];
  fail_msg("NSG %s has no rule %s", n->hdr.name, name);
  return NULL;
}

/* ---- part one: every fixture file --------------------------------------- */

#define NOT_AZURE "not Azure resource JSON (no object with an ARM id or type)"

static const struct fixture {
  const char *file;        /* under arm/ */
  const char *counts;      /* resources per kind */
  const char *skipped;     /* skip reason, or NULL */
  size_t ignored;          /* resources of other types */
  const char *ignored_type;
  size_t warnings;
  size_t refs_resolved, refs_unresolved, back_unresolved;
  const char *error;       /* after "<path>: " when loading fails */
} fixtures[] = {
  {"azure-cli-recordings/INDEX.json", "", NOT_AZURE, 0, NULL, 0, 0, 0, 0,
   NULL},
  {"azure-cli-recordings/acr_network_rule_set.json", "registry=1", NULL, 0,
   NULL, 0, 0, 1, 0, NULL},
  {"azure-cli-recordings/keyvault_created_with_network_acls.json",
   "key-vault=1", NULL, 0, NULL, 0, 0, 3, 0, NULL},
  {"azure-cli-recordings/keyvault_network_acls_ip_rules.json", "key-vault=1",
   NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"azure-cli-recordings/keyvault_network_acls_vnet_rules.json",
   "key-vault=1", NULL, 0, NULL, 0, 0, 1, 0, NULL},
  {"azure-cli-recordings/nic_effective_nsg.json", "", NOT_AZURE, 0, NULL, 0,
   0, 0, 0, NULL},
  {"azure-cli-recordings/nic_effective_route_table.json", "", NOT_AZURE, 0,
   NULL, 0, 0, 0, 0, NULL},
  {"azure-cli-recordings/nsg_for_vnet_subnet.json", "nsg=1", NULL, 0, NULL,
   0, 0, 0, 0, NULL},
  /* 32 NSGs, 27 user rules, 29 subnet/NIC back references; rule "web" of
   * test-nsg1 uses the bare numbers 789 and 1234 (two warnings) */
  {"azure-cli-recordings/nsg_list_subscription.json", "nsg=32", NULL, 0,
   NULL, 2, 0, 0, 29, NULL},
  /* a single rule resource: no NSG to put it in, so an ignored type */
  {"azure-cli-recordings/nsg_rule_multi_prefix_port_ranges.json", "", NULL,
   1, "Microsoft.Network/networkSecurityGroups/securityRules", 0, 0, 0, 0,
   NULL},
  {"azure-cli-recordings/nsg_show_custom_rule_web.json", "nsg=1", NULL, 0,
   NULL, 2, 0, 0, 0, NULL},
  {"azure-cli-recordings/route_table_show_with_route.json", "route-table=1",
   NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"azure-cli-recordings/route_table_two_routes_internet_vnetlocal.json",
   "route-table=1", NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"azure-cli-recordings/storage_account_network_rule_set_after_remove.json",
   "storage=1", NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"azure-cli-recordings/"
   "storage_account_network_rule_set_ip_and_vnet_rules.json",
   "storage=1", NULL, 0, NULL, 0, 0, 1, 0, NULL},
  {"azure-cli-recordings/subnet_with_nsg.json", "subnet=1", NULL, 0, NULL, 0,
   0, 2, 0, NULL},
  {"azure-cli-recordings/subnet_with_service_endpoint_storage.json",
   "subnet=1", NULL, 0, NULL, 0, 0, 1, 0, NULL},
  {"azure-cli-recordings/vnet_subnet_with_route_table.json",
   "vnet=1 subnet=1", NULL, 0, NULL, 0, 1, 1, 0, NULL},
  {"azure-cli-recordings/vnet_with_subnet_nsg.json", "vnet=1 subnet=1", NULL,
   0, NULL, 0, 1, 1, 0, NULL},
  {"azure-cli-recordings/watcher_network_configuration_diagnostic.json", "",
   NOT_AZURE, 0, NULL, 0, 0, 0, 0, NULL},
  {"azure-cli-recordings/watcher_next_hop.json", "", NOT_AZURE, 0, NULL, 0,
   0, 0, 0, NULL},
  {"rest-api-specs-examples/containerregistry.2019-05-01.RegistryCreate.json",
   "registry=1", NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/containerregistry.2019-05-01.RegistryGet.json",
   "registry=1", NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "keyvault.2019-09-01.createVaultWithNetworkAcls.json",
   NULL, NULL, 0, NULL, 0, 0, 0, 0,
   "$.responses.200.body.properties.networkAcls.ipRules[1].value: invalid "
   "IP prefix ''10.91.4.0/24'': unexpected character '''"},
  {"rest-api-specs-examples/keyvault.2019-09-01.getVault.json", "key-vault=1",
   NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "machinelearningservices.2021-04-01.createBasicAmlCompute.json",
   "compute=1", NULL, 0, NULL, 0, 0, 1, 0, NULL},
  {"rest-api-specs-examples/"
   "machinelearningservices.2021-04-01.createComputeInstance.json",
   "compute=1", NULL, 0, NULL, 0, 0, 1, 0, NULL},
  {"rest-api-specs-examples/"
   "machinelearningservices.2021-04-01.createWorkspace.json",
   "workspace=1", NULL, 0, NULL, 0, 0, 4, 0, NULL},
  /* subnet "test-subnet-resource-id" is no ARM id: one warning */
  {"rest-api-specs-examples/"
   "machinelearningservices.2021-04-01.getAmlCompute.json",
   "compute=1", NULL, 0, NULL, 1, 0, 2, 0, NULL},
  {"rest-api-specs-examples/"
   "machinelearningservices.2021-04-01.getComputeInstance.json",
   "compute=1", NULL, 0, NULL, 1, 0, 2, 0, NULL},
  {"rest-api-specs-examples/"
   "machinelearningservices.2021-04-01.getComputes.json",
   "compute=2", NULL, 0, NULL, 0, 0, 2, 0, NULL},
  {"rest-api-specs-examples/"
   "machinelearningservices.2021-04-01.getWorkspace.json",
   "workspace=1", NULL, 0, NULL, 0, 0, 4, 0, NULL},
  {"rest-api-specs-examples/network.2021-02-01.DefaultSecurityRuleList.json",
   "", NULL, 6, "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
   0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.NetworkInterfaceEffectiveNSGList.json",
   "", NOT_AZURE, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.NetworkInterfaceEffectiveRouteTableList.json",
   "", NOT_AZURE, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.NetworkSecurityGroupCreateWithRule.json",
   "nsg=1", NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/network.2021-02-01.NetworkSecurityGroupGet.json",
   "nsg=1", NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.NetworkSecurityGroupListAll.json",
   "nsg=2", NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.NetworkSecurityGroupRuleGet.json",
   "", NULL, 1, "Microsoft.Network/networkSecurityGroups/securityRules", 0, 0,
   0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.NetworkWatcherIpFlowVerify.json",
   "", NOT_AZURE, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/network.2021-02-01.NetworkWatcherNextHopGet.json",
   "", NOT_AZURE, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.NetworkWatcherSecurityGroupViewGet.json",
   "", NOT_AZURE, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.RouteTableCreateWithRoute.json",
   "route-table=1", NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/network.2021-02-01.RouteTableGet.json",
   "route-table=1", NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/network.2021-02-01.RouteTableRouteGet.json", "",
   NULL, 1, "Microsoft.Network/routeTables/routes", 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.ServiceEndpointPolicyCreateWithDefinition.json",
   "", NULL, 1, "Microsoft.Network/ServiceEndpointPolicies", 0, 0, 0, 0,
   NULL},
  {"rest-api-specs-examples/network.2021-02-01.ServiceTagsList.json", "",
   "service tag file", 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.SubnetCreateServiceEndpoint.json",
   "subnet=1", NULL, 0, NULL, 0, 0, 1, 0, NULL},
  {"rest-api-specs-examples/network.2021-02-01.SubnetGet.json", "subnet=1",
   NULL, 0, NULL, 0, 0, 1, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.VirtualNetworkCreateServiceEndpoints.json",
   "vnet=1 subnet=1", NULL, 0, NULL, 0, 1, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.VirtualNetworkCreateSubnet.json",
   "vnet=1 subnet=1", NULL, 0, NULL, 0, 1, 0, 0, NULL},
  {"rest-api-specs-examples/network.2021-02-01.VirtualNetworkGet.json",
   "vnet=1 subnet=1", NULL, 0, NULL, 0, 1, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "network.2021-02-01.VirtualNetworkGetWithSubnetDelegation.json",
   "vnet=1 subnet=1", NULL, 0, NULL, 0, 1, 0, 0, NULL},
  {"rest-api-specs-examples/storage.2021-04-01.StorageAccountCreate.json",
   "storage=1", NULL, 0, NULL, 0, 0, 0, 0, NULL},
  {"rest-api-specs-examples/"
   "storage.2021-04-01.StorageAccountGetPrivateEndpointConnection.json",
   "", NULL, 1,
   "Microsoft.Storage/storageAccounts/privateEndpointConnections", 0, 0, 0,
   0, NULL},
  {"rest-api-specs-examples/"
   "storage.2021-04-01.StorageAccountGetProperties.json",
   "storage=1", NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

/* Every resource's header is complete and consistent with its id. */
static void check_headers(const struct pf_config *cfg, const char *path)
{
  struct pf_arena a;
  unsigned k;
  size_t i;
  pf_arena_init(&a);
  for (k = 0; k < PF_K_COUNT; k++) {
    for (i = 0; i < cfg->n_res[k]; i++) {
      const struct pf_res *r = cfg->res[k][i];
      const char *sub, *rg, *type, *name;
      assert_int_equal(r->kind, k);
      assert_string_equal(r->file, path);
      assert_non_null(r->name);
      assert_non_null(r->jpath);
      assert_int_equal(r->jpath[0], '$');
      assert_int_equal(pf_id_parse(&a, r->id, &sub, &rg, &type, &name),
                       PF_OK);
      if (pf_kind_from_type(type) != r->kind)
        fail_msg("%s: %s has type %s", path, r->id, type);
      assert_string_equal(r->subscription, sub);
      assert_true(pf_config_find(cfg, r->id) == r);
    }
  }
  pf_arena_release(&a);
}

static const struct fixture *fixture_for(const char *rel)
{
  size_t i;
  for (i = 0; i < N_FIXTURES; i++)
    if (!strcmp(fixtures[i].file, rel))
      return &fixtures[i];
  return NULL;
}

/* Every *.json under arm/ is in the table (new fixtures must be pinned). */
static void test_fixture_table_complete(void **state)
{
  static const char *const dirs[] = {"azure-cli-recordings",
                                     "rest-api-specs-examples"};
  size_t d, seen = 0;
  (void)state;
  NEED_FIXTURES();
  for (d = 0; d < 2; d++) {
    char path[1024];
    DIR *dir;
    struct dirent *e;
    snprintf(path, sizeof(path), "%s/%s", ARM_DIR, dirs[d]);
    dir = opendir(path);
    assert_non_null(dir);
    while ((e = readdir(dir)) != NULL) {
      char rel[512];
      size_t n = strlen(e->d_name);
      if (n < 5 || strcmp(e->d_name + n - 5, ".json"))
        continue;
      snprintf(rel, sizeof(rel), "%s/%s", dirs[d], e->d_name);
      if (!fixture_for(rel))
        fail_msg("fixture %s is not in the table of test_load.c", rel);
      seen++;
    }
    closedir(dir);
  }
  assert_int_equal(seen, N_FIXTURES);
}

static void test_fixtures_one_by_one(void **state)
{
  size_t i;
  (void)state;
  NEED_FIXTURES();
  for (i = 0; i < N_FIXTURES; i++) {
    const struct fixture *f = &fixtures[i];
    char path[1024];
    const char *paths[1];
    struct pf_config *cfg = new_cfg();
    struct ref_count fwd = {0, 0}, back = {0, 0};
    struct pf_err err;
    pf_status st;

    snprintf(path, sizeof(path), "%s/%s", ARM_DIR, f->file);
    paths[0] = path;
    pf_err_clear(&err);
    st = pf_load_paths(cfg, paths, 1, NULL, &err);
    if (f->error) {
      char want[1200];
      snprintf(want, sizeof(want), "%s: %s", path, f->error);
      if (st != PF_EINVAL)
        fail_msg("%s: status %s, wanted PF_EINVAL", f->file,
                 pf_errname(st));
      assert_string_equal(err.msg, want);
      pf_config_destroy(cfg);
      continue;
    }
    if (st != PF_OK)
      fail_msg("%s: %s", f->file, err.msg);
    if (strcmp(counts(cfg), f->counts))
      fail_msg("%s: loaded '%s', wanted '%s'", f->file, counts(cfg),
               f->counts);
    assert_int_equal(cfg->n_inputs, 1);
    assert_string_equal(cfg->inputs[0].path, path);
    assert_int_equal(cfg->inputs[0].is_service_tags,
                     f->skipped && !strcmp(f->skipped, "service tag file"));
    if (f->skipped)
      assert_string_equal(cfg->inputs[0].skipped, f->skipped);
    else if (cfg->inputs[0].skipped)
      fail_msg("%s: skipped: %s", f->file, cfg->inputs[0].skipped);
    assert_int_equal(cfg->n_ignored, f->ignored);
    if (f->ignored_type) {
      assert_int_equal(cfg->n_ignored_types, 1);
      assert_string_equal(cfg->ignored_types[0], f->ignored_type);
    } else {
      assert_int_equal(cfg->n_ignored_types, 0);
    }
    {
      /* a file named alone that is skipped (not a tag file) is said in
       * one warning more, the last one */
      size_t want = f->warnings;
      if (f->skipped && strcmp(f->skipped, "service tag file")) {
        char says[512];
        want++;
        snprintf(says, sizeof(says), "%s: not loaded: %s", path, f->skipped);
        assert_true(cfg->n_warnings > 0);
        assert_string_equal(cfg->warnings[cfg->n_warnings - 1], says);
      }
      if (cfg->n_warnings != want)
        fail_msg("%s: %zu warnings, wanted %zu (first: %s)", f->file,
                 cfg->n_warnings, want,
                 cfg->n_warnings ? cfg->warnings[0] : "-");
    }
    assert_int_equal(cfg->n_duplicates, 0);
    assert_int_equal(cfg->inputs[0].n_duplicates, 0);
    pf_config_each_ref(cfg, 0, count_ref, &fwd);
    pf_config_each_ref(cfg, 1, count_ref, &back);
    if (fwd.resolved != f->refs_resolved ||
        fwd.unresolved != f->refs_unresolved ||
        back.unresolved != f->back_unresolved)
      fail_msg("%s: references %zu/%zu, back %zu", f->file, fwd.resolved,
               fwd.unresolved, back.unresolved);
    assert_int_equal(back.resolved, 0);
    check_headers(cfg, path);
    pf_config_destroy(cfg);
  }
}

/* All fixtures in one call: the walk stops at the first bad file, names
 * it, and loads nothing silently after it. */
static void test_fixture_directory_stops_at_error(void **state)
{
  const char *paths[1] = {ARM_DIR};
  struct pf_config *cfg;
  struct pf_err err;
  size_t i, loaded_before = 0;
  (void)state;
  NEED_FIXTURES();
  cfg = new_cfg();
  pf_err_clear(&err);
  assert_int_equal(pf_load_paths(cfg, paths, 1, NULL, &err), PF_EINVAL);
  assert_string_equal(err.msg,
                      SPEC "keyvault.2019-09-01.createVaultWithNetworkAcls."
                      "json: $.responses.200.body.properties.networkAcls."
                      "ipRules[1].value: invalid IP prefix "
                      "''10.91.4.0/24'': unexpected character '''");
  /* sorted walk: every azure-cli-recordings file and the two registry
   * examples came first: 50 resources, 4 of them defined twice (key vault
   * cli-test-kv-nr-000002, storage cli000002, NSG test-nsg1 and registry
   * myRegistry are each recorded in two files) */
  assert_int_equal(cfg->n_inputs, 21 + 2);
  for (i = 0; i < cfg->n_inputs; i++)
    loaded_before += cfg->inputs[i].n_resources;
  assert_int_equal(loaded_before, 46);
  assert_int_equal(cfg->n_duplicates, 4);
  pf_config_destroy(cfg);
}

/* ---- part two: network shapes ------------------------------------------- */

static void test_nsg_get_rules_and_defaults(void **state)
{
  static const struct {
    const char *name;
    int prio;
    enum pf_dir dir;
    enum pf_access access;
    const char *src, *dst;
  } want[] = {
    {"rule1", 130, PF_DIR_INBOUND, PF_ACCESS_ALLOW, "*", "*"},
    {"AllowVnetInBound", 65000, PF_DIR_INBOUND, PF_ACCESS_ALLOW,
     "VirtualNetwork", "VirtualNetwork"},
    {"AllowAzureLoadBalancerInBound", 65001, PF_DIR_INBOUND, PF_ACCESS_ALLOW,
     "AzureLoadBalancer", "*"},
    {"DenyAllInBound", 65500, PF_DIR_INBOUND, PF_ACCESS_DENY, "*", "*"},
    {"AllowVnetOutBound", 65000, PF_DIR_OUTBOUND, PF_ACCESS_ALLOW,
     "VirtualNetwork", "VirtualNetwork"},
    {"AllowInternetOutBound", 65001, PF_DIR_OUTBOUND, PF_ACCESS_ALLOW, "*",
     "Internet"},
    {"DenyAllOutBound", 65500, PF_DIR_OUTBOUND, PF_ACCESS_DENY, "*", "*"},
  };
  struct pf_config *cfg;
  const struct pf_nsg *n;
  size_t i;
  (void)state;
  NEED_FIXTURES();
  cfg = load_files(SPEC "network.2021-02-01.NetworkSecurityGroupGet.json",
                   NULL);
  n = res_at(cfg, PF_K_NSG, 0);
  assert_string_equal(n->hdr.name, "testnsg");
  assert_string_equal(n->hdr.location, "westus");
  assert_string_equal(n->hdr.resource_group, "rg1");
  assert_int_equal(n->hdr.shape, PF_SHAPE_ARM);
  assert_string_equal(n->hdr.jpath, "$.responses.200.body");
  assert_int_equal(n->defaults_synthesised, 0);
  assert_int_equal(n->n_rules, 7);
  for (i = 0; i < 7; i++) {
    const struct pf_nsg_rule *r = &n->rules[i];
    assert_string_equal(r->name, want[i].name);
    assert_int_equal(r->priority, want[i].prio);
    assert_int_equal(r->dir, want[i].dir);
    assert_int_equal(r->access, want[i].access);
    assert_int_equal(r->proto, PF_PROTO_ANY);
    assert_int_equal(r->is_default, i > 0);
    assert_int_equal(r->n_src, 1);
    assert_int_equal(r->n_dst, 1);
    assert_string_equal(r->src[0].text, want[i].src);
    assert_string_equal(r->dst[0].text, want[i].dst);
    assert_int_equal(r->src[0].kind,
                     strcmp(want[i].src, "*") ? PF_ADDR_TAG : PF_ADDR_ANY);
    assert_string_equal(ports_str(&r->src_ports), "*");
    assert_string_equal(ports_str(&r->dst_ports), i ? "*" : "80");
  }
  assert_string_equal(n->rules[0].jpath,
                      "$.responses.200.body.properties.securityRules[0]");
  assert_string_equal(n->rules[3].jpath,
                      "$.responses.200.body.properties."
                      "defaultSecurityRules[2]");
  assert_string_equal(n->rules[0].id,
                      "/subscriptions/subid/resourceGroups/rg1/providers/"
                      "Microsoft.Network/networkSecurityGroups/testnsg/"
                      "securityRules/rule1");
  pf_config_destroy(cfg);
}

/* The rule of nsg_rule_multi_prefix_port_ranges.json (az network nsg rule
 * create with several prefixes and ports) is a resource of its own and
 * ignored; put inside an NSG it reads as one augmented rule. */
static void test_nsg_augmented_rule(void **state)
{
  struct pf_config *cfg;
  const struct pf_nsg *n;
  const struct pf_nsg_rule *r;
  char *text, *doc;
  cJSON *rule, *nsg, *props, *rules;
  FILE *f;
  long len;
  (void)state;
  NEED_FIXTURES();

  cfg = load_files(CLI "nsg_rule_multi_prefix_port_ranges.json", NULL);
  assert_string_equal(counts(cfg), "");
  assert_null(cfg->inputs[0].skipped);
  assert_int_equal(cfg->inputs[0].n_resources, 0);
  assert_int_equal(cfg->n_ignored, 1);
  pf_config_destroy(cfg);

  f = fopen(CLI "nsg_rule_multi_prefix_port_ranges.json", "rb");
  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  len = ftell(f);
  assert_true(len > 0);
  rewind(f);
  text = calloc(1, (size_t)len + 1);
  assert_non_null(text);
  assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  rule = cJSON_Parse(text);
  free(text);
  assert_non_null(rule);
  nsg = cJSON_CreateObject();
  cJSON_AddStringToObject(nsg, "id",
                          "/subscriptions/00000000-0000-0000-0000-"
                          "000000000000/resourceGroups/cli_test_extended_"
                          "nsg000001/providers/Microsoft.Network/"
                          "networkSecurityGroups/nsg1");
  cJSON_AddStringToObject(nsg, "name", "nsg1");
  cJSON_AddStringToObject(nsg, "type",
                          "Microsoft.Network/networkSecurityGroups");
  props = cJSON_AddObjectToObject(nsg, "properties");
  rules = cJSON_AddArrayToObject(props, "securityRules");
  cJSON_AddItemToArray(rules, rule);
  doc = cJSON_PrintUnformatted(nsg);
  cJSON_Delete(nsg);
  cfg = load_doc(doc);
  free(doc);

  n = res_at(cfg, PF_K_NSG, 0);
  assert_int_equal(n->defaults_synthesised, 1);
  assert_int_equal(n->n_rules, 7);
  r = rule_named(n, "rule1");
  assert_int_equal(r->priority, 1000);
  assert_int_equal(r->dir, PF_DIR_INBOUND);
  assert_int_equal(r->proto, PF_PROTO_ANY);
  /* sourceAddressPrefix "" is not given; the plural list is */
  assert_int_equal(r->n_src, 2);
  assert_int_equal(r->src[0].kind, PF_ADDR_PREFIX);
  assert_string_equal(prefix_str(&r->src[0].prefix), "10.0.0.0/24");
  assert_string_equal(prefix_str(&r->src[1].prefix), "11.0.0.0/24");
  assert_int_equal(r->n_dst, 1);
  assert_int_equal(r->dst[0].kind, PF_ADDR_TAG);
  assert_string_equal(r->dst[0].text, "Internet");
  assert_string_equal(ports_str(&r->src_ports), "*");
  assert_string_equal(ports_str(&r->dst_ports), "500-1000,2000,3000");
  assert_string_equal(r->jpath, "$.properties.securityRules[0]");
  pf_config_destroy(cfg);
}

#define AZ_RULE(name, prio, dir, access, proto, src, dst, dport)          \
  "{\"name\": \"" name "\", \"priority\": " #prio ", \"direction\": \""    \
  dir "\", \"access\": \"" access "\", \"protocol\": \"" proto "\", "      \
  "\"sourceAddressPrefix\": \"" src "\", \"sourceAddressPrefixes\": [], "  \
  "\"sourcePortRange\": \"*\", \"sourcePortRanges\": [], "                 \
  "\"destinationAddressPrefix\": \"" dst "\", "                            \
  "\"destinationAddressPrefixes\": [], \"destinationPortRange\": \""       \
  dport "\", \"destinationPortRanges\": []}"

#define AZ_NSG(name, rules_json, extra)                                   \
  "{\"id\": \"" NET "/networkSecurityGroups/" name "\", \"name\": \""      \
  name "\", \"location\": \"westeurope\", \"resourceGroup\": "             \
  "\"rg-ml-prod\", \"type\": \"Microsoft.Network/networkSecurityGroups\", "\
  "\"securityRules\": [" rules_json "]" extra "}"

/* `az network nsg rule list` style input has no defaultSecurityRules: the
 * six defaults of AZURE-SEMANTICS.md 1.6 are synthesised. */
static void test_nsg_defaults_synthesised(void **state)
{
  static const char *const names[] = {
      "AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound",
      "AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound"};
  static const int prios[] = {65000, 65001, 65500, 65000, 65001, 65500};
  struct pf_config *cfg;
  const struct pf_nsg *n;
  size_t i;
  (void)state;

  cfg = load_doc(AZ_NSG("nsg-aml",
                        AZ_RULE("AllowAzureML", 100, "Inbound", "Allow",
                                "Tcp", "AzureMachineLearning",
                                "VirtualNetwork", "44224") ","
                        AZ_RULE("DenyInternetOut", 4096, "Outbound", "Deny",
                                "*", "VirtualNetwork", "Internet", "*"),
                        ""));
  n = res_at(cfg, PF_K_NSG, 0);
  assert_int_equal(n->hdr.shape, PF_SHAPE_AZ);
  assert_int_equal(n->defaults_synthesised, 1);
  assert_int_equal(n->n_rules, 8);
  assert_string_equal(n->rules[0].name, "AllowAzureML");
  assert_int_equal(n->rules[0].proto, PF_PROTO_TCP);
  assert_string_equal(ports_str(&n->rules[0].dst_ports), "44224");
  assert_string_equal(n->rules[1].name, "DenyInternetOut");
  assert_int_equal(n->rules[1].dir, PF_DIR_OUTBOUND);
  assert_int_equal(n->rules[1].access, PF_ACCESS_DENY);
  for (i = 0; i < 6; i++) {
    const struct pf_nsg_rule *r = &n->rules[2 + i];
    assert_string_equal(r->name, names[i]);
    assert_int_equal(r->priority, prios[i]);
    assert_int_equal(r->is_default, 1);
    assert_int_equal(r->dir, i < 3 ? PF_DIR_INBOUND : PF_DIR_OUTBOUND);
    assert_int_equal(r->access,
                     i == 2 || i == 5 ? PF_ACCESS_DENY : PF_ACCESS_ALLOW);
    assert_int_equal(r->proto, PF_PROTO_ANY);
    assert_string_equal(r->jpath, "(default rule)");
    assert_string_equal(ports_str(&r->src_ports), "*");
    assert_string_equal(ports_str(&r->dst_ports), "*");
  }
  assert_string_equal(n->rules[3].src[0].text, "AzureLoadBalancer");
  assert_int_equal(n->rules[3].src[0].kind, PF_ADDR_TAG);
  assert_int_equal(n->rules[3].dst[0].kind, PF_ADDR_ANY);
  assert_string_equal(n->rules[6].dst[0].text, "Internet");
  pf_config_destroy(cfg);

  /* an empty list counts as absent */
  cfg = load_doc(AZ_NSG("nsg-empty", "", ", \"defaultSecurityRules\": []"));
  n = res_at(cfg, PF_K_NSG, 0);
  assert_int_equal(n->defaults_synthesised, 1);
  assert_int_equal(n->n_rules, 6);
  pf_config_destroy(cfg);
}

static void test_nsg_defaults_given(void **state)
{
  struct pf_config *cfg;
  const struct pf_nsg *n;
  size_t i, defaults = 0;
  (void)state;
  NEED_FIXTURES();
  cfg = load_files(CLI "nsg_list_subscription.json", NULL);
  for (i = 0; i < cfg->n_res[PF_K_NSG]; i++) {
    size_t j;
    n = (const struct pf_nsg *)cfg->res[PF_K_NSG][i];
    assert_int_equal(n->defaults_synthesised, 0);
    for (j = 0; j < n->n_rules; j++)
      defaults += n->rules[j].is_default;
  }
  assert_int_equal(defaults, 32 * 6);
  /* aadds-nsg: three user rules sorted by priority, then the defaults */
  n = res_named(cfg, PF_K_NSG, "aadds-nsg");
  assert_int_equal(n->n_rules, 9);
  assert_string_equal(n->rules[0].name, "AllowSyncWithAzureAD");
  assert_string_equal(n->rules[1].name, "AllowRD");
  assert_string_equal(n->rules[2].name, "AllowPSRemoting");
  assert_int_equal(n->rules[2].priority, 301);
  assert_string_equal(n->rules[1].src[0].text, "CorpNetSaw");
  assert_int_equal(n->rules[1].src[0].kind, PF_ADDR_TAG);
  assert_int_equal(n->n_subnets, 1);
  assert_string_equal(n->subnets[0].id,
                      "/subscriptions/00000000-0000-0000-0000-000000000000/"
                      "resourceGroups/zuh/providers/Microsoft.Network/"
                      "virtualNetworks/aadds-vnet/subnets/aadds-subnet");
  assert_null(n->subnets[0].target);
  /* "web" uses the bare numbers the az CLI tests create: kept as opaque
   * addresses, with a warning naming the place */
  n = res_named(cfg, PF_K_NSG, "test-nsg1");
  assert_int_equal(n->rules[0].src[0].kind, PF_ADDR_OPAQUE);
  assert_string_equal(n->rules[0].src[0].text, "789");
  assert_int_equal(n->rules[0].dst[0].kind, PF_ADDR_OPAQUE);
  assert_string_equal(cfg->warnings[0],
                      CLI "nsg_list_subscription.json: $.value[2]."
                      "properties.securityRules[0].properties."
                      "sourceAddressPrefix: address '789' is not a prefix "
                      "or tag; flows this rule could match are reported as "
                      "unknown");
  pf_config_destroy(cfg);
}

/* The same priority is allowed once per direction (AZURE-SEMANTICS 1.1). */
static void test_nsg_priority_per_direction(void **state)
{
  struct pf_config *cfg;
  (void)state;
  cfg = load_doc(AZ_NSG("nsg-dirs",
                        AZ_RULE("In", 200, "Inbound", "Allow", "Tcp", "*",
                                "*", "22") ","
                        AZ_RULE("Out", 200, "Outbound", "Allow", "Tcp", "*",
                                "*", "443"),
                        ""));
  assert_int_equal(((struct pf_nsg *)res_at(cfg, PF_K_NSG, 0))->n_rules, 8);
  pf_config_destroy(cfg);
  assert_string_equal(
      load_err(AZ_NSG("nsg-dup",
                      AZ_RULE("A", 300, "Outbound", "Allow", "Udp", "*", "*",
                              "53") ","
                      AZ_RULE("B", 200, "Outbound", "Allow", "Tcp", "*", "*",
                              "443") ","
                      AZ_RULE("C", 300, "outbound", "Deny", "*", "*", "*",
                              "*"),
                      "")),
      "doc.json: $.securityRules[2]: priority 300 is used by both 'A' and "
      "'C' (outbound); Azure requires unique priorities per direction");
  /* the range boundaries */
  cfg = load_doc(AZ_NSG("nsg-edges",
                        AZ_RULE("Lo", 100, "Inbound", "Allow", "Tcp", "*",
                                "*", "1") ","
                        AZ_RULE("Hi", 4096, "Inbound", "Allow", "Tcp", "*",
                                "*", "65535"),
                        ""));
  pf_config_destroy(cfg);
}

static void test_nsg_rule_fields(void **state)
{
  static const char doc[] =
      "{\"id\": \"" NET "/networkSecurityGroups/nsg-mix\", \"type\": "
      "\"Microsoft.Network/networkSecurityGroups\", \"properties\": {"
      "\"securityRules\": [{\"name\": \"mix\", \"properties\": {"
      "\"priority\": \"310\", \"direction\": \"inbound\", \"access\": "
      "\"ALLOW\", \"protocol\": \"udp\", \"sourceAddressPrefix\": "
      "\"10.1.0.0/16\", \"sourceAddressPrefixes\": [\"10.2.0.1\", "
      "\"2001:db8::/32\"], \"sourceApplicationSecurityGroups\": [{\"id\": \""
      NET "/applicationSecurityGroups/asg-web\"}], \"sourcePortRange\": "
      "1024, \"destinationAddressPrefix\": \"Storage.WestEurope\", "
      "\"destinationPortRanges\": [\"443\", \"80-81\", \"8080\"]}}]}}";
  struct pf_config *cfg = load_doc(doc);
  const struct pf_nsg *n = res_at(cfg, PF_K_NSG, 0);
  const struct pf_nsg_rule *r = &n->rules[0];
  (void)state;
  assert_string_equal(n->hdr.name, "nsg-mix");   /* from the id */
  assert_null(n->hdr.location);
  assert_int_equal(r->priority, 310);            /* a string of digits */
  assert_int_equal(r->proto, PF_PROTO_UDP);
  assert_int_equal(r->n_src, 4);
  assert_string_equal(prefix_str(&r->src[0].prefix), "10.1.0.0/16");
  assert_string_equal(prefix_str(&r->src[1].prefix), "10.2.0.1/32");
  assert_string_equal(prefix_str(&r->src[2].prefix), "2001:db8::/32");
  assert_int_equal(r->src[3].kind, PF_ADDR_ASG);
  assert_string_equal(r->src[3].asg.id,
                      NET "/applicationSecurityGroups/asg-web");
  assert_string_equal(r->src[3].asg.jpath,
                      "$.properties.securityRules[0].properties."
                      "sourceApplicationSecurityGroups[0].id");
  assert_null(r->src[3].asg.target);
  assert_string_equal(r->dst[0].text, "Storage.WestEurope");
  assert_int_equal(r->dst[0].kind, PF_ADDR_TAG);
  assert_string_equal(ports_str(&r->src_ports), "1024");
  assert_string_equal(ports_str(&r->dst_ports), "80-81,443,8080");
  pf_config_destroy(cfg);
}

/* vnet_with_subnet_nsg.json names the NSG of nsg_for_vnet_subnet.json. */
static void test_vnet_subnet_nsg_resolution(void **state)
{
  static const char *const nsg_id =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
      "cli_vnet_with_subnet_nsg_test000001/providers/Microsoft.Network/"
      "networkSecurityGroups/nsg";
  struct pf_config *cfg;
  const struct pf_vnet *v;
  const struct pf_subnet *s;
  const struct pf_nsg *n;
  int order;
  (void)state;
  NEED_FIXTURES();

  /* alone: the reference is kept, unresolved, with where it was read */
  cfg = load_files(CLI "vnet_with_subnet_nsg.json", NULL);
  s = res_at(cfg, PF_K_SUBNET, 0);
  assert_string_equal(s->nsg.id, nsg_id);
  assert_null(s->nsg.target);
  assert_string_equal(s->nsg.jpath,
                      "$.properties.subnets[0].properties."
                      "networkSecurityGroup");
  pf_config_destroy(cfg);

  for (order = 0; order < 2; order++) {
    cfg = order ? load_files(CLI "nsg_for_vnet_subnet.json",
                             CLI "vnet_with_subnet_nsg.json", NULL)
                : load_files(CLI "vnet_with_subnet_nsg.json",
                             CLI "nsg_for_vnet_subnet.json", NULL);
    assert_string_equal(counts(cfg), "vnet=1 subnet=1 nsg=1");
    v = res_at(cfg, PF_K_VNET, 0);
    s = res_at(cfg, PF_K_SUBNET, 0);
    n = res_at(cfg, PF_K_NSG, 0);
    assert_ptr_equal(s->nsg.target, &n->hdr);
    assert_ptr_equal(s->vnet.target, &v->hdr);
    assert_null(s->vnet.jpath);
    assert_int_equal(v->n_subnets, 1);
    assert_ptr_equal(v->subnets[0], s);
    assert_int_equal(v->n_prefixes, 2);
    assert_string_equal(prefix_str(&v->prefixes[0]), "20.0.0.0/16");
    assert_string_equal(prefix_str(&v->prefixes[1]), "10.0.0.0/16");
    assert_int_equal(s->n_prefixes, 1);
    assert_string_equal(prefix_str(&s->prefixes[0]), "20.0.0.0/24");
    assert_string_equal(s->pe_network_policies, "Enabled");
    assert_int_equal(s->hdr.shape, PF_SHAPE_ARM);
    assert_string_equal(s->hdr.jpath, "$.properties.subnets[0]");
    assert_int_equal(n->n_rules, 6);
    assert_int_equal(n->defaults_synthesised, 0);
    assert_int_equal(pf_subnet_capacity(s), 256 - 5);
    pf_config_destroy(cfg);
  }
}

static void test_subnet_fixtures(void **state)
{
  struct pf_config *cfg;
  const struct pf_subnet *s;
  const struct pf_vnet *v;
  (void)state;
  NEED_FIXTURES();
  cfg = load_files(CLI "subnet_with_service_endpoint_storage.json", NULL);
  s = res_at(cfg, PF_K_SUBNET, 0);
  assert_int_equal(s->n_endpoints, 1);
  assert_string_equal(s->endpoints[0].service, "Microsoft.Storage");
  assert_int_equal(s->endpoints[0].n_locations, 2);
  assert_string_equal(s->endpoints[0].locations[0], "westus");
  assert_string_equal(s->endpoints[0].locations[1], "eastus");
  assert_string_equal(s->vnet.id,
                      "/subscriptions/00000000-0000-0000-0000-000000000000/"
                      "resourceGroups/cli_test_storage_service_endpoints"
                      "000001/providers/Microsoft.Network/virtualNetworks/"
                      "vnet1");
  pf_config_destroy(cfg);

  cfg = load_files(SPEC "network.2021-02-01."
                   "VirtualNetworkGetWithSubnetDelegation.json", NULL);
  v = res_at(cfg, PF_K_VNET, 0);
  s = res_at(cfg, PF_K_SUBNET, 0);
  assert_ptr_equal(v->subnets[0], s);
  assert_int_equal(s->n_delegations, 1);
  assert_string_equal(s->delegations[0], "Microsoft.Provider/resourceType");
  assert_int_equal(s->ip_configurations_known, 1);
  assert_int_equal(s->n_ip_configurations, 1);
  pf_config_destroy(cfg);

  cfg = load_files(CLI "vnet_subnet_with_route_table.json", NULL);
  s = res_at(cfg, PF_K_SUBNET, 0);
  assert_non_null(s->route_table.id);
  assert_null(s->route_table.target);
  assert_int_equal(s->ip_configurations_known, 0);
  pf_config_destroy(cfg);
}

static void test_route_tables(void **state)
{
  static const char az_rt[] =
      "{\"disableBgpRoutePropagation\": true, \"id\": \"" NET
      "/routeTables/rt-egress\", \"location\": \"West Europe\", \"name\": "
      "\"rt-egress\", \"resourceGroup\": \"rg-ml-prod\", \"routes\": ["
      "{\"addressPrefix\": \"0.0.0.0/0\", \"name\": \"to-fw\", "
      "\"nextHopIpAddress\": \"10.20.250.4\", \"nextHopType\": "
      "\"VirtualAppliance\"},"
      "{\"addressPrefix\": \"AzureMachineLearning\", \"name\": \"aml\", "
      "\"nextHopType\": \"Internet\", \"nextHopIpAddress\": \"\"},"
      "{\"addressPrefix\": \"fd00:20::/48\", \"name\": \"v6\", "
      "\"nextHopType\": \"virtualappliance\", \"nextHopIpAddress\": "
      "\"fd00:20::4\"}], \"subnets\": [{\"id\": \"" NET
      "/virtualNetworks/vnet/subnets/snet\"}], \"type\": "
      "\"Microsoft.Network/routeTables\"}";
  struct pf_config *cfg;
  const struct pf_route_table *t;
  (void)state;

  cfg = load_doc(az_rt);
  t = res_at(cfg, PF_K_ROUTE_TABLE, 0);
  assert_string_equal(t->hdr.location, "westeurope");
  assert_int_equal(t->disable_bgp_propagation, PF_TRI_TRUE);
  assert_int_equal(t->n_routes, 3);
  assert_int_equal(t->routes[0].next_hop, PF_NH_VIRTUAL_APPLIANCE);
  assert_int_equal(t->routes[0].has_next_hop_ip, 1);
  assert_string_equal(addr_str(&t->routes[0].next_hop_ip), "10.20.250.4");
  assert_string_equal(prefix_str(&t->routes[0].prefix), "0.0.0.0/0");
  assert_int_equal(t->routes[0].is_tag, 0);
  assert_int_equal(t->routes[1].is_tag, 1);
  assert_string_equal(t->routes[1].prefix_text, "AzureMachineLearning");
  assert_int_equal(t->routes[1].next_hop, PF_NH_INTERNET);
  assert_int_equal(t->routes[1].has_next_hop_ip, 0);
  assert_string_equal(t->routes[1].jpath, "$.routes[1]");
  assert_string_equal(addr_str(&t->routes[2].next_hop_ip), "fd00:20::4");
  assert_int_equal(t->n_subnets, 1);
  pf_config_destroy(cfg);

  NEED_FIXTURES();
  cfg = load_files(CLI "route_table_two_routes_internet_vnetlocal.json",
                   CLI "route_table_show_with_route.json",
                   SPEC "network.2021-02-01.RouteTableGet.json", NULL);
  t = res_named(cfg, PF_K_ROUTE_TABLE, "vcCliTestRouteTable");
  assert_int_equal(t->disable_bgp_propagation, PF_TRI_FALSE);
  assert_int_equal(t->n_routes, 2);
  assert_string_equal(t->routes[0].name, "vcCliTestRouteInternet");
  assert_int_equal(t->routes[0].next_hop, PF_NH_INTERNET);
  assert_string_equal(prefix_str(&t->routes[0].prefix), "0.0.0.0/0");
  assert_int_equal(t->routes[1].next_hop, PF_NH_VNET_LOCAL);
  assert_string_equal(prefix_str(&t->routes[1].prefix), "10.0.0.0/24");
  assert_string_equal(t->routes[1].jpath, "$.properties.routes[1]");
  t = res_named(cfg, PF_K_ROUTE_TABLE, "cli-test-route-table");
  assert_int_equal(t->disable_bgp_propagation, PF_TRI_TRUE);
  assert_int_equal(t->routes[0].next_hop, PF_NH_NONE);
  assert_string_equal(prefix_str(&t->routes[0].prefix), "10.0.5.0/24");
  t = res_named(cfg, PF_K_ROUTE_TABLE, "testrt");
  assert_int_equal(t->routes[0].next_hop, PF_NH_VNET_GATEWAY);
  assert_string_equal(pf_nexthop_name(t->routes[0].next_hop),
                      "VirtualNetworkGateway");
  pf_config_destroy(cfg);
}

/* ---- part two: data services -------------------------------------------- */

/* The az CLI prints storage's networkAcls as networkRuleSet with client
 * names (AZURE-SEMANTICS.md 7.4); the ARM recording of the same account
 * must read the same. */
static void test_storage_az_and_arm_shapes(void **state)
{
  static const char az[] =
      "{\"accessTier\": \"Hot\", \"allowSharedKeyAccess\": false, "
      "\"enableHttpsTrafficOnly\": true, \"id\": \"/subscriptions/00000000-"
      "0000-0000-0000-000000000000/resourceGroups/cli_test_storage_service_"
      "endpoints000001/providers/Microsoft.Storage/storageAccounts/"
      "cli000002\", \"isHnsEnabled\": true, \"kind\": \"StorageV2\", "
      "\"location\": \"westus\", \"name\": \"cli000002\", "
      "\"networkRuleSet\": {\"bypass\": \"Logging\", \"defaultAction\": "
      "\"Deny\", \"ipRules\": [{\"action\": \"Allow\", \"ipAddressOrRange\": "
      "\"25.1.2.3\"}, {\"action\": \"Allow\", \"ipAddressOrRange\": "
      "\"25.2.0.0/24\"}], \"ipv6Rules\": [], \"resourceAccessRules\": null, "
      "\"virtualNetworkRules\": [{\"action\": \"Allow\", \"state\": "
      "\"Succeeded\", \"virtualNetworkResourceId\": \"/subscriptions/"
      "00000000-0000-0000-0000-000000000000/resourceGroups/cli_test_storage_"
      "service_endpoints000001/providers/Microsoft.Network/virtualNetworks/"
      "vnet1/subnets/subnet1\"}]}, \"primaryEndpoints\": {\"blob\": "
      "\"https://cli000002.blob.core.windows.net/\"}, "
      "\"publicNetworkAccess\": \"Enabled\", \"resourceGroup\": "
      "\"cli_test_storage_service_endpoints000001\", \"sku\": {\"name\": "
      "\"Standard_RAGRS\", \"tier\": \"Standard\"}, \"type\": "
      "\"Microsoft.Storage/storageAccounts\"}";
  struct pf_config *cfg;
  const struct pf_storage *s[2];
  int i;
  (void)state;
  NEED_FIXTURES();
  cfg = load_files(CLI "storage_account_network_rule_set_ip_and_vnet_rules."
                   "json", NULL);
  s[0] = res_at(cfg, PF_K_STORAGE, 0);
  {
    struct pf_config *az_cfg = load_doc(az);
    s[1] = res_at(az_cfg, PF_K_STORAGE, 0);
    assert_int_equal(s[0]->hdr.shape, PF_SHAPE_ARM);
    assert_int_equal(s[1]->hdr.shape, PF_SHAPE_AZ);
    for (i = 0; i < 2; i++) {
      const struct pf_firewall *fw = &s[i]->fw;
      assert_string_equal(s[i]->hdr.id, s[0]->hdr.id);
      assert_string_equal(s[i]->sku, "Standard_RAGRS");
      assert_string_equal(s[i]->account_kind, "StorageV2");
      assert_int_equal(s[i]->https_only, PF_TRI_TRUE);
      assert_int_equal(fw->present, 1);
      assert_int_equal(fw->default_deny, 1);
      assert_int_equal(fw->bypass_known, 1);
      assert_int_equal(fw->bypass, PF_BYPASS_LOGGING);
      assert_int_equal(fw->n_ip_rules, 2);
      assert_string_equal(prefix_str(&fw->ip_rules[0]), "25.1.2.3/32");
      assert_string_equal(prefix_str(&fw->ip_rules[1]), "25.2.0.0/24");
      assert_int_equal(fw->n_vnet_rules, 1);
      assert_string_equal(fw->vnet_rules[0].id,
                          "/subscriptions/00000000-0000-0000-0000-"
                          "000000000000/resourceGroups/cli_test_storage_"
                          "service_endpoints000001/providers/"
                          "Microsoft.Network/virtualNetworks/vnet1/"
                          "subnets/subnet1");
    }
    /* only the az document says these */
    assert_int_equal(s[0]->fw.public_access, PF_TRI_UNSET);
    assert_int_equal(s[1]->fw.public_access, PF_TRI_TRUE);
    assert_int_equal(s[0]->hns, PF_TRI_UNSET);
    assert_int_equal(s[1]->hns, PF_TRI_TRUE);
    assert_int_equal(s[1]->shared_key_access, PF_TRI_FALSE);
    assert_string_equal(s[1]->fw.vnet_rules[0].jpath,
                        "$.networkRuleSet.virtualNetworkRules[0]."
                        "virtualNetworkResourceId");
    assert_string_equal(s[0]->fw.vnet_rules[0].jpath,
                        "$.properties.networkAcls.virtualNetworkRules[0]."
                        "id");
    pf_config_destroy(az_cfg);
  }
  pf_config_destroy(cfg);

  cfg = load_files(SPEC "storage.2021-04-01.StorageAccountGetProperties.json",
                   SPEC "storage.2021-04-01.StorageAccountCreate.json", NULL);
  s[0] = res_named(cfg, PF_K_STORAGE, "sto8596");
  assert_int_equal(s[0]->fw.present, 1);
  assert_int_equal(s[0]->fw.default_deny, 0);
  assert_int_equal(s[0]->fw.bypass, PF_BYPASS_AZURE_SERVICES);
  assert_int_equal(s[0]->hns, PF_TRI_TRUE);
  assert_int_equal(s[0]->https_only, PF_TRI_FALSE);
  assert_string_equal(s[0]->hdr.location, "eastus2(stage)");
  s[1] = res_named(cfg, PF_K_STORAGE, "sto4445");
  assert_int_equal(s[1]->fw.present, 0);
  assert_int_equal(s[1]->shared_key_access, PF_TRI_TRUE);
  pf_config_destroy(cfg);
}

static void test_keyvault_rules(void **state)
{
  static const char subnet[] =
      "{\"id\": \"/subscriptions/00000000-0000-0000-0000-000000000000/"
      "resourceGroups/cli_test_keyvault_network_rule000001/providers/"
      "Microsoft.Network/virtualNetworks/cli-test-vnet-000008/subnets/"
      "cli-test-subnet-000011\", \"name\": \"cli-test-subnet-000011\", "
      "\"addressPrefix\": \"10.0.0.0/24\", \"type\": "
      "\"Microsoft.Network/virtualNetworks/subnets\"}";
  struct pf_config *cfg;
  const struct pf_keyvault *kv;
  const struct pf_subnet *s;
  struct pf_err err;
  const char *path[1] = {CLI "keyvault_network_acls_vnet_rules.json"};
  (void)state;
  NEED_FIXTURES();

  cfg = load_files(CLI "keyvault_created_with_network_acls.json", NULL);
  kv = res_at(cfg, PF_K_KEYVAULT, 0);
  assert_string_equal(kv->sku, "standard");
  assert_string_equal(kv->vault_uri,
                      "https://cli-test-kv-nr-000006.vault.azure.net/");
  assert_int_equal(kv->fw.present, 1);
  assert_int_equal(kv->fw.default_deny, 0);
  assert_int_equal(kv->fw.bypass, PF_BYPASS_AZURE_SERVICES);
  assert_int_equal(kv->fw.n_ip_rules, 4);
  assert_string_equal(prefix_str(&kv->fw.ip_rules[0]), "1.2.3.4/32");
  assert_string_equal(prefix_str(&kv->fw.ip_rules[3]), "4.5.0.0/16");
  assert_int_equal(kv->fw.n_vnet_rules, 3);
  assert_int_equal(kv->fw.public_access, PF_TRI_UNSET);
  pf_config_destroy(cfg);

  /* key vault returns subnet ids in lower case (7.5): they still resolve
   * to the subnet as Azure spells it */
  cfg = new_cfg();
  pf_err_clear(&err);
  assert_int_equal(pf_load_paths(cfg, path, 1, NULL, &err), PF_OK);
  assert_int_equal(pf_load_buffer(cfg, "subnet.json", subnet,
                                  strlen(subnet), &err), PF_OK);
  assert_int_equal(pf_config_resolve(cfg), PF_OK);
  kv = res_at(cfg, PF_K_KEYVAULT, 0);
  s = res_at(cfg, PF_K_SUBNET, 0);
  assert_string_equal(kv->sku, "premium");
  assert_int_equal(kv->fw.default_deny, 1);
  assert_int_equal(kv->fw.n_ip_rules, 0);
  assert_int_equal(kv->fw.n_vnet_rules, 1);
  assert_non_null(strstr(kv->fw.vnet_rules[0].id,
                         "/resourcegroups/cli_test_keyvault_network_rule"));
  assert_ptr_equal(kv->fw.vnet_rules[0].target, &s->hdr);
  assert_ptr_equal(pf_config_find(cfg, kv->fw.vnet_rules[0].id), &s->hdr);
  pf_config_destroy(cfg);
}

static void test_registry_rules(void **state)
{
  struct pf_config *cfg;
  const struct pf_registry *r;
  (void)state;
  NEED_FIXTURES();
  cfg = load_files(CLI "acr_network_rule_set.json",
                   SPEC "containerregistry.2019-05-01.RegistryGet.json", NULL);
  r = res_named(cfg, PF_K_REGISTRY, "clireg000002");
  assert_string_equal(r->sku, "Premium");
  assert_string_equal(r->login_server, "clireg000002.azurecr.io");
  assert_int_equal(r->admin_user, PF_TRI_FALSE);
  assert_int_equal(r->data_endpoint, PF_TRI_FALSE);
  assert_int_equal(r->fw.public_access, PF_TRI_TRUE);
  assert_int_equal(r->fw.present, 1);
  assert_int_equal(r->fw.default_deny, 1);
  assert_int_equal(r->fw.bypass_known, 0);
  assert_int_equal(r->fw.n_ip_rules, 1);
  assert_string_equal(prefix_str(&r->fw.ip_rules[0]), "16.17.18.0/24");
  assert_int_equal(r->fw.n_vnet_rules, 1);
  assert_string_equal(r->fw.vnet_rules[0].id,
                      "/subscriptions/00000000-0000-0000-0000-000000000000/"
                      "resourceGroups/clitest.rg000001/providers/"
                      "Microsoft.Network/virtualNetworks/cliregvnet/subnets/"
                      "cliregsubnet");
  r = res_named(cfg, PF_K_REGISTRY, "myRegistry");
  assert_string_equal(r->sku, "Standard");
  assert_int_equal(r->admin_user, PF_TRI_TRUE);
  assert_int_equal(r->fw.present, 0);
  pf_config_destroy(cfg);

  /* az acr show: bypass beside the rule set (7.6) */
  cfg = load_doc("{\"adminUserEnabled\": false, \"id\": \"" RG
                 "/providers/Microsoft.ContainerRegistry/registries/crml\", "
                 "\"loginServer\": \"crml.azurecr.io\", \"name\": \"crml\", "
                 "\"networkRuleBypassOptions\": \"None\", \"networkRuleSet\": "
                 "{\"defaultAction\": \"Deny\", \"ipRules\": []}, "
                 "\"publicNetworkAccess\": \"Disabled\", \"sku\": {\"name\": "
                 "\"Premium\", \"tier\": \"Premium\"}, \"type\": "
                 "\"Microsoft.ContainerRegistry/registries\"}");
  r = res_at(cfg, PF_K_REGISTRY, 0);
  assert_int_equal(r->fw.bypass_known, 1);
  assert_int_equal(r->fw.bypass, 0);
  assert_int_equal(r->fw.public_access, PF_TRI_FALSE);
  assert_int_equal(r->hdr.shape, PF_SHAPE_AZ);
  pf_config_destroy(cfg);
}

/* ---- part two: machine learning ----------------------------------------- */

static void test_ml_spec_computes(void **state)
{
  struct pf_config *cfg;
  const struct pf_compute *c;
  (void)state;
  NEED_FIXTURES();
  cfg = load_files(SPEC "machinelearningservices.2021-04-01.getAmlCompute."
                   "json", NULL);
  c = res_at(cfg, PF_K_COMPUTE, 0);
  assert_int_equal(c->hdr.shape, PF_SHAPE_ARM);
  assert_int_equal(c->type, PF_CT_AMLCOMPUTE);
  assert_string_equal(c->type_text, "AmlCompute");
  assert_string_equal(c->vm_size, "STANDARD_NC6");
  assert_string_equal(c->os_type, "Windows");
  assert_int_equal(c->max_nodes, 1);
  assert_int_equal(c->min_nodes, 0);
  assert_int_equal(c->node_public_ip, PF_TRI_TRUE);
  assert_string_equal(c->ssh_public_access, "Enabled");
  assert_int_equal(c->unusable_nodes, 0);
  assert_string_equal(c->state, "Succeeded");
  assert_int_equal(c->ssh_port, -1);
  /* "test-subnet-resource-id" is kept (with a warning), never resolved */
  assert_string_equal(c->subnet.id, "test-subnet-resource-id");
  assert_null(c->subnet.target);
  assert_string_equal(c->subnet.jpath,
                      "$.responses.200.body.properties.properties.subnet");
  assert_string_equal(cfg->warnings[0],
                      SPEC "machinelearningservices.2021-04-01."
                      "getAmlCompute.json: $.responses.200.body.properties."
                      "properties.subnet: 'test-subnet-resource-id' is not "
                      "an ARM resource id; the reference stays unresolved");
  assert_string_equal(c->workspace.id,
                      "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/"
                      "resourceGroups/testrg123/providers/"
                      "Microsoft.MachineLearningServices/workspaces/"
                      "workspaces123");
  pf_config_destroy(cfg);

  cfg = load_files(SPEC "machinelearningservices.2021-04-01."
                   "getComputeInstance.json", NULL);
  c = res_at(cfg, PF_K_COMPUTE, 0);
  assert_int_equal(c->type, PF_CT_COMPUTE_INSTANCE);
  assert_string_equal(c->ssh_public_access, "Enabled");
  assert_int_equal(c->ssh_port, 22);
  assert_string_equal(c->state, "Running");
  assert_int_equal(c->max_nodes, -1);
  assert_int_equal(c->node_public_ip, PF_TRI_UNSET);
  pf_config_destroy(cfg);

  cfg = load_files(SPEC "machinelearningservices.2021-04-01.getComputes.json",
                   SPEC "machinelearningservices.2021-04-01."
                   "createBasicAmlCompute.json", NULL);
  /* compute123 is in both files (same id): loaded once */
  assert_int_equal(cfg->n_res[PF_K_COMPUTE], 2);
  assert_int_equal(cfg->n_duplicates, 1);
  c = res_named(cfg, PF_K_COMPUTE, "compute1234");
  assert_int_equal(c->type, PF_CT_AKS);
  assert_string_equal(c->resource_id,
                      "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/"
                      "resourcegroups/testrg123/providers/"
                      "Microsoft.ContainerService/managedClusters/"
                      "compute1234-56826-c9b00420020b2");
  assert_string_equal(c->hdr.jpath, "$.responses.200.body.value[1]");
  c = res_named(cfg, PF_K_COMPUTE, "compute123");
  assert_int_equal(c->type, PF_CT_AKS);     /* the first definition */
  pf_config_destroy(cfg);
}

static void test_ml_spec_workspace(void **state)
{
  struct pf_config *cfg;
  const struct pf_workspace *w;
  (void)state;
  NEED_FIXTURES();
  cfg = load_files(SPEC "machinelearningservices.2021-04-01.getWorkspace.json",
                   NULL);
  w = res_at(cfg, PF_K_WORKSPACE, 0);
  assert_int_equal(w->hdr.shape, PF_SHAPE_ARM);
  assert_string_equal(w->hdr.location, "eastus2euap");
  assert_string_equal(w->storage.id,
                      "/subscriptions/00000000-1111-2222-3333-444444444444/"
                      "resourceGroups/accountcrud-1234/providers/"
                      "Microsoft.Storage/storageAccounts/"
                      "testStorageAccount");
  assert_string_equal(w->storage.jpath,
                      "$.responses.200.body.properties.storageAccount");
  assert_non_null(strstr(w->key_vault.id, "/vaults/testkv"));
  assert_non_null(strstr(w->registry.id, "/registries/testRegistry"));
  assert_non_null(strstr(w->app_insights.id, "/components/testinsights"));
  assert_int_equal(w->hbi, PF_TRI_FALSE);
  assert_int_equal(w->allow_public_behind_vnet, PF_TRI_FALSE);
  assert_int_equal(w->public_access, PF_TRI_UNSET);
  assert_string_equal(w->image_build_compute, "testcompute");
  assert_string_equal(w->principal_id, "00000000-1111-2222-3333-444444444444");
  assert_non_null(strstr(w->cmk_key_vault, "/vaults/testkv"));
  assert_string_equal(w->cmk_key_uri,
                      "https://testkv.vault.azure.net/keys/testkey/"
                      "aabbccddee112233445566778899aabb");
  assert_int_equal(w->n_private_endpoint_connections, 1);
  assert_null(w->sku);
  pf_config_destroy(cfg);
}

/* `az ml workspace show` (AZURE-SEMANTICS.md 7.7) */
static const char azml_workspace[] =
    "{\"application_insights\": \"" RG "/providers/Microsoft.Insights/"
    "components/appi-ml\", \"container_registry\": \"" RG
    "/providers/Microsoft.ContainerRegistry/registries/crml\", "
    "\"description\": \"prod\", \"discovery_url\": \"https://westeurope.api."
    "azureml.ms/discovery\", \"display_name\": \"mlw\", \"hbi_workspace\": "
    "true, \"id\": \"" WS "\", \"identity\": {\"principal_id\": "
    "\"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\", \"tenant_id\": "
    "\"72f988bf-86f1-41af-91ab-2d7cd011db47\", \"type\": "
    "\"system_assigned\"}, \"image_build_compute\": \"cpu-cluster\", "
    "\"key_vault\": \"" RG "/providers/Microsoft.KeyVault/vaults/kv-ml\", "
    "\"location\": \"westeurope\", \"managed_network\": {\"isolation_mode\": "
    "\"allow_only_approved_outbound\", \"outbound_rules\": []}, "
    "\"mlflow_tracking_uri\": \"azureml://westeurope.api.azureml.ms/mlflow/"
    "v1.0" WS "\", \"name\": \"mlw\", \"public_network_access\": "
    "\"Disabled\", \"resource_group\": \"rg-ml-prod\", \"storage_account\": "
    "\"" RG "/providers/Microsoft.Storage/storageAccounts/stml\", "
    "\"tags\": {}}";

/* `az ml compute show` of a cluster in a vnet (7.8) */
static const char azml_compute[] =
    "{\"id\": \"" WS "/computes/cpu-cluster\", "
    "\"idle_time_before_scale_down\": 120, \"location\": \"westeurope\", "
    "\"max_instances\": 4, \"min_instances\": 0, \"name\": \"cpu-cluster\", "
    "\"network_settings\": {\"subnet\": \"" NET "/virtualNetworks/vnet-ml/"
    "subnets/snet-train\", \"vnet_name\": \"vnet-ml\"}, "
    "\"provisioning_state\": \"Succeeded\", \"resourceGroup\": "
    "\"rg-ml-prod\", \"size\": \"STANDARD_DS3_V2\", "
    "\"ssh_public_access_enabled\": false, \"enable_node_public_ip\": false, "
    "\"ssh_settings\": {\"admin_username\": \"azureuser\", \"ssh_port\": "
    "50000}, \"tier\": \"dedicated\", \"type\": \"amlcompute\"}";

/* a compute instance whose subnet is given by name next to its vnet */
static const char azml_instance[] =
    "{\"id\": \"" WS "/computes/ci-alice\", \"location\": \"westeurope\", "
    "\"name\": \"ci-alice\", \"network_settings\": {\"private_ip_address\": "
    "\"10.20.1.5\", \"public_ip_address\": null, \"subnet\": \"snet-train\", "
    "\"vnet_name\": \"vnet-ml\"}, \"provisioning_state\": \"Succeeded\", "
    "\"size\": \"Standard_DS3_v2\", \"ssh_public_access_enabled\": true, "
    "\"state\": \"Running\", \"type\": \"computeinstance\"}";

#define SECRET "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6" \
               "tq/K1SZFPTOtr/KBHBeksoGMGw=="

/* `az ml datastore show` of a blob datastore with an account key */
static const char azml_datastore[] =
    "{\"account_name\": \"stml\", \"container_name\": "
    "\"azureml-blobstore-0a1b2c3d\", \"credentials\": {\"account_key\": \""
    SECRET "\"}, \"description\": \"training data\", \"endpoint\": "
    "\"core.windows.net\", \"id\": \"" WS "/datastores/trainingdata\", "
    "\"name\": \"trainingdata\", \"protocol\": \"https\", \"type\": "
    "\"azure_blob\"}";

static const char arm_storage_stml[] =
    "{\"id\": \"" RG "/providers/Microsoft.Storage/storageAccounts/stml\", "
    "\"name\": \"stml\", \"type\": \"Microsoft.Storage/storageAccounts\", "
    "\"kind\": \"StorageV2\", \"location\": \"westeurope\", "
    "\"sku\": {\"name\": \"Standard_LRS\"}, \"properties\": "
    "{\"networkAcls\": {\"bypass\": \"AzureServices, Logging, Metrics\", "
    "\"defaultAction\": \"Deny\", \"ipRules\": [], \"virtualNetworkRules\": "
    "[]}, \"publicNetworkAccess\": \"Enabled\"}}";

static void test_azml_shapes(void **state)
{
  struct pf_config *cfg;
  const struct pf_workspace *w;
  const struct pf_compute *c;
  const struct pf_datastore *d;
  const struct pf_storage *s;
  (void)state;

  cfg = load_docs("ws.json", azml_workspace, "compute.json", azml_compute,
                  "ci.json", azml_instance, "ds.json", azml_datastore,
                  "st.json", arm_storage_stml, NULL);
  assert_string_equal(counts(cfg),
                      "workspace=1 datastore=1 compute=2 storage=1");
  w = res_at(cfg, PF_K_WORKSPACE, 0);
  assert_int_equal(w->hdr.shape, PF_SHAPE_AZML);
  assert_int_equal(w->hbi, PF_TRI_TRUE);
  assert_int_equal(w->public_access, PF_TRI_FALSE);
  assert_string_equal(w->image_build_compute, "cpu-cluster");
  assert_string_equal(w->principal_id,
                      "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
  assert_string_equal(w->managed_network, "allow_only_approved_outbound");
  assert_string_equal(w->storage.jpath, "$.storage_account");
  s = res_at(cfg, PF_K_STORAGE, 0);
  assert_ptr_equal(w->storage.target, &s->hdr);
  assert_null(w->key_vault.target);
  assert_int_equal(s->fw.bypass, PF_BYPASS_AZURE_SERVICES |
                                     PF_BYPASS_LOGGING | PF_BYPASS_METRICS);

  c = res_named(cfg, PF_K_COMPUTE, "cpu-cluster");
  assert_int_equal(c->hdr.shape, PF_SHAPE_AZML);
  assert_int_equal(c->type, PF_CT_AMLCOMPUTE);
  assert_string_equal(c->type_text, "amlcompute");
  assert_string_equal(c->vm_size, "STANDARD_DS3_V2");
  assert_string_equal(c->subnet.id,
                      NET "/virtualNetworks/vnet-ml/subnets/snet-train");
  assert_string_equal(c->subnet.jpath, "$.network_settings.subnet");
  assert_string_equal(c->vnet_name, "vnet-ml");
  assert_null(c->subnet_name);
  assert_int_equal(c->max_nodes, 4);
  assert_int_equal(c->min_nodes, 0);
  assert_int_equal(c->node_public_ip, PF_TRI_FALSE);
  assert_string_equal(c->ssh_public_access, "Disabled");
  assert_int_equal(c->ssh_port, 50000);
  assert_string_equal(c->state, "Succeeded");
  assert_ptr_equal(c->workspace.target, &w->hdr);

  c = res_named(cfg, PF_K_COMPUTE, "ci-alice");
  assert_int_equal(c->type, PF_CT_COMPUTE_INSTANCE);
  assert_null(c->subnet.id);
  assert_string_equal(c->subnet_name, "snet-train");
  assert_string_equal(c->vnet_name, "vnet-ml");
  assert_string_equal(c->ssh_public_access, "Enabled");
  assert_string_equal(c->state, "Running");
  assert_int_equal(c->node_public_ip, PF_TRI_UNSET);

  d = res_at(cfg, PF_K_DATASTORE, 0);
  assert_string_equal(d->ds_type, "AzureBlob");
  assert_string_equal(d->account_name, "stml");
  assert_string_equal(d->container, "azureml-blobstore-0a1b2c3d");
  assert_string_equal(d->endpoint, "core.windows.net");
  assert_int_equal(d->cred, PF_CRED_KEY);
  assert_string_equal(pf_cred_name(d->cred), "account-key");
  assert_int_equal(d->is_default, 0);
  assert_ptr_equal(d->workspace.target, &w->hdr);
  assert_ptr_equal(d->storage, &s->hdr);   /* matched by account name */
  pf_config_destroy(cfg);
}

static void test_datastore_credentials(void **state)
{
  static const struct {
    const char *creds;
    enum pf_cred want;
  } cases[] = {
    {"\"credentials\": {\"sas_token\": \"?sv=2022-11-02&sig=abc\"}",
     PF_CRED_SAS},
    {"\"credentials\": {\"client_id\": \"x\", \"tenant_id\": \"y\", "
     "\"client_secret\": \"z\"}", PF_CRED_SERVICE_PRINCIPAL},
    /* az ml hides the secret as {}: the kind is not known */
    {"\"credentials\": {}", PF_CRED_UNKNOWN},
    {"\"credentials\": {\"credentialsType\": \"None\"}", PF_CRED_IDENTITY},
    {"\"credentials\": {\"credentialsType\": \"Certificate\"}", PF_CRED_CERT},
    {"\"credential_type\": \"Sas\"", PF_CRED_SAS},
    {"\"account_name\": \"x\"", PF_CRED_UNKNOWN},
  };
  size_t i;
  char doc[1024];
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct pf_config *cfg;
    snprintf(doc, sizeof(doc),
             "{\"id\": \"%s/datastores/d\", \"name\": \"d\", \"type\": "
             "\"azure_file\", %s}", WS, cases[i].creds);
    cfg = load_doc(doc);
    assert_int_equal(((struct pf_datastore *)res_at(cfg, PF_K_DATASTORE, 0))
                         ->cred,
                     cases[i].want);
    assert_string_equal(((struct pf_datastore *)res_at(cfg, PF_K_DATASTORE,
                                                       0))->ds_type,
                        "AzureFile");
    pf_config_destroy(cfg);
  }
}

/* ---- secrets ------------------------------------------------------------ */

typedef void (*str_fn)(const char *s, void *arg);

static void s_ref(const struct pf_ref *r, str_fn fn, void *arg)
{
  fn(r->id, arg);
  fn(r->jpath, arg);
}

static void s_refs(const struct pf_ref *r, size_t n, str_fn fn, void *arg)
{
  size_t i;
  for (i = 0; i < n; i++)
    s_ref(&r[i], fn, arg);
}

static void s_addrs(const struct pf_addrspec *a, size_t n, str_fn fn,
                    void *arg)
{
  size_t i;
  for (i = 0; i < n; i++) {
    fn(a[i].text, arg);
    s_ref(&a[i].asg, fn, arg);
  }
}

/* Call \p fn on every string the model holds. */
static void walk_strings(const struct pf_config *cfg, str_fn fn, void *arg)
{
  size_t i, j, k;
  unsigned kind;
  for (i = 0; i < cfg->n_inputs; i++) {
    fn(cfg->inputs[i].path, arg);
    fn(cfg->inputs[i].format, arg);
    fn(cfg->inputs[i].skipped, arg);
  }
  for (i = 0; i < cfg->n_ignored_types; i++)
    fn(cfg->ignored_types[i], arg);
  for (i = 0; i < cfg->n_warnings; i++)
    fn(cfg->warnings[i], arg);
  for (kind = 0; kind < PF_K_COUNT; kind++) {
    for (i = 0; i < cfg->n_res[kind]; i++) {
      const struct pf_res *r = cfg->res[kind][i];
      fn(r->id, arg);
      fn(r->name, arg);
      fn(r->location, arg);
      fn(r->subscription, arg);
      fn(r->resource_group, arg);
      fn(r->file, arg);
      fn(r->jpath, arg);
      switch (r->kind) {
      case PF_K_WORKSPACE: {
        const struct pf_workspace *w = (const void *)r;
        s_ref(&w->storage, fn, arg);
        s_ref(&w->key_vault, fn, arg);
        s_ref(&w->registry, fn, arg);
        s_ref(&w->app_insights, fn, arg);
        fn(w->sku, arg);
        fn(w->image_build_compute, arg);
        fn(w->principal_id, arg);
        fn(w->cmk_key_vault, arg);
        fn(w->cmk_key_uri, arg);
        fn(w->managed_network, arg);
        for (j = 0; j < w->n_spl; j++)
          fn(w->spl_groups[j], arg);
        break;
      }
      case PF_K_DATASTORE: {
        const struct pf_datastore *d = (const void *)r;
        s_ref(&d->workspace, fn, arg);
        fn(d->ds_type, arg);
        fn(d->account_name, arg);
        fn(d->container, arg);
        fn(d->endpoint, arg);
        break;
      }
      case PF_K_COMPUTE: {
        const struct pf_compute *c = (const void *)r;
        s_ref(&c->workspace, fn, arg);
        s_ref(&c->subnet, fn, arg);
        fn(c->type_text, arg);
        fn(c->vnet_name, arg);
        fn(c->subnet_name, arg);
        fn(c->vm_size, arg);
        fn(c->os_type, arg);
        fn(c->ssh_public_access, arg);
        fn(c->state, arg);
        fn(c->aks_service_cidr, arg);
        fn(c->aks_dns_service_ip, arg);
        fn(c->aks_docker_bridge_cidr, arg);
        fn(c->aks_cluster_purpose, arg);
        fn(c->aks_load_balancer_type, arg);
        fn(c->resource_id, arg);
        fn(c->address, arg);
        break;
      }
      case PF_K_VNET: {
        const struct pf_vnet *v = (const void *)r;
        for (j = 0; j < v->n_peerings; j++) {
          fn(v->peerings[j].name, arg);
          fn(v->peerings[j].state, arg);
          s_ref(&v->peerings[j].remote_vnet, fn, arg);
        }
        break;
      }
      case PF_K_SUBNET: {
        const struct pf_subnet *s = (const void *)r;
        s_ref(&s->vnet, fn, arg);
        s_ref(&s->nsg, fn, arg);
        s_ref(&s->route_table, fn, arg);
        s_ref(&s->nat_gateway, fn, arg);
        for (j = 0; j < s->n_endpoints; j++) {
          fn(s->endpoints[j].service, arg);
          for (k = 0; k < s->endpoints[j].n_locations; k++)
            fn(s->endpoints[j].locations[k], arg);
        }
        for (j = 0; j < s->n_delegations; j++)
          fn(s->delegations[j], arg);
        fn(s->pe_network_policies, arg);
        s_refs(s->private_endpoints, s->n_private_endpoints, fn, arg);
        break;
      }
      case PF_K_NSG: {
        const struct pf_nsg *n = (const void *)r;
        for (j = 0; j < n->n_rules; j++) {
          const struct pf_nsg_rule *ru = &n->rules[j];
          fn(ru->name, arg);
          fn(ru->id, arg);
          fn(ru->description, arg);
          fn(ru->jpath, arg);
          s_addrs(ru->src, ru->n_src, fn, arg);
          s_addrs(ru->dst, ru->n_dst, fn, arg);
        }
        s_refs(n->subnets, n->n_subnets, fn, arg);
        s_refs(n->nics, n->n_nics, fn, arg);
        break;
      }
      case PF_K_NIC: {
        const struct pf_nic *n = (const void *)r;
        for (j = 0; j < n->n_ipconfigs; j++) {
          fn(n->ipconfigs[j].name, arg);
          s_ref(&n->ipconfigs[j].subnet, fn, arg);
          s_refs(n->ipconfigs[j].asgs, n->ipconfigs[j].n_asgs, fn, arg);
        }
        s_ref(&n->nsg, fn, arg);
        s_ref(&n->vm, fn, arg);
        break;
      }
      case PF_K_ROUTE_TABLE: {
        const struct pf_route_table *t = (const void *)r;
        for (j = 0; j < t->n_routes; j++) {
          fn(t->routes[j].name, arg);
          fn(t->routes[j].jpath, arg);
          fn(t->routes[j].prefix_text, arg);
        }
        s_refs(t->subnets, t->n_subnets, fn, arg);
        break;
      }
      case PF_K_STORAGE:
      case PF_K_KEYVAULT:
      case PF_K_REGISTRY: {
        const struct pf_firewall *fw =
            r->kind == PF_K_STORAGE ? &((const struct pf_storage *)r)->fw
            : r->kind == PF_K_KEYVAULT
                ? &((const struct pf_keyvault *)r)->fw
                : &((const struct pf_registry *)r)->fw;
        s_refs(fw->vnet_rules, fw->n_vnet_rules, fn, arg);
        if (r->kind == PF_K_STORAGE) {
          fn(((const struct pf_storage *)r)->sku, arg);
          fn(((const struct pf_storage *)r)->account_kind, arg);
        } else if (r->kind == PF_K_KEYVAULT) {
          fn(((const struct pf_keyvault *)r)->sku, arg);
          fn(((const struct pf_keyvault *)r)->vault_uri, arg);
        } else {
          fn(((const struct pf_registry *)r)->sku, arg);
          fn(((const struct pf_registry *)r)->login_server, arg);
        }
        break;
      }
      case PF_K_PRIVATE_ENDPOINT: {
        const struct pf_private_endpoint *p = (const void *)r;
        s_ref(&p->subnet, fn, arg);
        s_refs(p->targets, p->n_targets, fn, arg);
        for (j = 0; j < p->n_targets; j++)
          fn(p->group_ids[j], arg);
        s_refs(p->nics, p->n_nics, fn, arg);
        for (j = 0; j < p->n_dns; j++)
          fn(p->dns_fqdns[j], arg);
        break;
      }
      case PF_K_ROLE_ASSIGNMENT: {
        const struct pf_role_assignment *a = (const void *)r;
        fn(a->principal_id, arg);
        fn(a->role_definition_id, arg);
        fn(a->role_name, arg);
        fn(a->scope, arg);
        break;
      }
      case PF_K_LOCK: {
        const struct pf_lock *l = (const void *)r;
        fn(l->level, arg);
        fn(l->scope, arg);
        break;
      }
      case PF_K_SERVICE: {
        const struct pf_service *v = (const void *)r;
        s_ref(&v->workspace, fn, arg);
        fn(v->compute_type, arg);
        fn(v->vnet_name, arg);
        fn(v->subnet_name, arg);
        break;
      }
      case PF_K_DATABRICKS: {
        const struct pf_databricks *b = (const void *)r;
        s_ref(&b->vnet, fn, arg);
        fn(b->public_subnet, arg);
        fn(b->private_subnet, arg);
        break;
      }
      case PF_K_VM: {
        const struct pf_vm *v = (const void *)r;
        fn(v->publisher, arg);
        fn(v->offer, arg);
        fn(v->image_sku, arg);
        fn(v->os_type, arg);
        s_refs(v->nics, v->n_nics, fn, arg);
        break;
      }
      case PF_K_AKS_CLUSTER: {
        const struct pf_aks_cluster *a = (const void *)r;
        fn(a->kubernetes_version, arg);
        fn(a->service_cidr, arg);
        fn(a->dns_service_ip, arg);
        fn(a->docker_bridge_cidr, arg);
        fn(a->outbound_type, arg);
        s_refs(a->subnets, a->n_subnets, fn, arg);
        break;
      }
      case PF_K_ASG:
      case PF_K_COUNT:
        break;
      }
    }
  }
}

struct secret_scan {
  const char *needle;
  size_t strings, hits;
};

static void scan_one(const char *s, void *arg)
{
  struct secret_scan *sc = arg;
  if (!s)
    return;
  sc->strings++;
  if (strstr(s, sc->needle)) {
    print_message("'%s' found in '%s'\n", sc->needle, s);
    sc->hits++;
  }
}

/* The account key of a datastore reaches no string of the model, whatever
 * shape the datastore comes in; part of the key is enough to be a leak. */
static void test_datastore_secret_never_stored(void **state)
{
  static const char arm_ds[] =
      "{\"id\": \"" WS "/datastores/blob2\", \"name\": \"blob2\", \"type\": "
      "\"Microsoft.MachineLearningServices/workspaces/datastores\", "
      "\"properties\": {\"datastoreType\": \"AzureBlob\", \"accountName\": "
      "\"stml\", \"containerName\": \"c\", \"credentials\": "
      "{\"credentialsType\": \"AccountKey\", \"secrets\": {\"secretsType\": "
      "\"AccountKey\", \"key\": \"" SECRET "\"}}}}";
  static const char v1_ds[] =
      "{\"id\": \"" WS "/datastores/blob3\", \"name\": \"blob3\", "
      "\"datastore_type\": \"AzureBlob\", \"account_name\": \"stml\", "
      "\"container_name\": \"c\", \"credential_type\": \"AccountKey\", "
      "\"account_key\": \"" SECRET "\"}";
  struct secret_scan sc = {"Eby8vdM02xNOcqFl", 0, 0};
  struct pf_config *cfg;
  (void)state;
  cfg = load_docs("ds.json", azml_datastore, "arm.json", arm_ds, "v1.json",
                  v1_ds, "ws.json", azml_workspace, "st.json",
                  arm_storage_stml, NULL);
  assert_int_equal(cfg->n_res[PF_K_DATASTORE], 3);
  walk_strings(cfg, scan_one, &sc);
  assert_true(sc.strings > 40);
  assert_int_equal(sc.hits, 0);
  /* the walker does find what is there */
  sc.needle = "azureml-blobstore-0a1b2c3d";
  walk_strings(cfg, scan_one, &sc);
  assert_int_equal(sc.hits, 1);
  pf_config_destroy(cfg);
}

/* ---- part two: envelopes and other producers ---------------------------- */

static void test_resource_graph(void **state)
{
  static const char doc[] =
      "{\"count\": 2, \"data\": [" AZ_NSG("nsg-a", "", "") ", {\"id\": \"" NET
      "/virtualNetworks/vnet-a\", \"name\": \"vnet-a\", \"type\": "
      "\"microsoft.network/virtualnetworks\", \"location\": \"westeurope\", "
      "\"resourceGroup\": \"rg-ml-prod\", \"subscriptionId\": \"6f2b1c3e-"
      "8a4d-4b7e-9c1f-2d3e4f5a6b7c\", \"properties\": {\"addressSpace\": "
      "{\"addressPrefixes\": [\"10.20.0.0/16\"]}, \"subnets\": [{\"name\": "
      "\"snet\", \"properties\": {\"addressPrefix\": \"10.20.1.0/24\", "
      "\"networkSecurityGroup\": {\"id\": \"" NET
      "/networkSecurityGroups/NSG-A\"}}}]}}], \"skip_token\": null, "
      "\"total_records\": 2}";
  struct pf_config *cfg = load_doc(doc);
  const struct pf_subnet *s;
  (void)state;
  assert_string_equal(counts(cfg), "vnet=1 subnet=1 nsg=1");
  assert_string_equal(((struct pf_res *)res_at(cfg, PF_K_NSG, 0))->jpath,
                      "$.data[0]");
  assert_string_equal(((struct pf_res *)res_at(cfg, PF_K_VNET, 0))->jpath,
                      "$.data[1]");
  s = res_at(cfg, PF_K_SUBNET, 0);
  /* a subnet with only a name gets its id from the vnet */
  assert_string_equal(s->hdr.id, NET "/virtualNetworks/vnet-a/subnets/snet");
  /* ids compare case-insensitively */
  assert_ptr_equal(s->nsg.target, res_at(cfg, PF_K_NSG, 0));
  assert_ptr_equal(s->vnet.target, res_at(cfg, PF_K_VNET, 0));
  pf_config_destroy(cfg);
}

static void test_list_envelope(void **state)
{
  static const char doc[] =
      "{\"value\": [" AZ_NSG("nsg-a", "", "") ", " AZ_NSG("nsg-b", "", "")
      ", {\"id\": \"" NET "/publicIPAddresses/pip\", \"name\": \"pip\", "
      "\"type\": \"Microsoft.Network/publicIPAddresses\"}, 42], "
      "\"nextLink\": \"https://management.azure.com/subscriptions/x/"
      "providers/Microsoft.Network/networkSecurityGroups?api-version="
      "2023-09-01&$skiptoken=abc\"}";
  struct pf_config *cfg = load_doc(doc);
  (void)state;
  assert_string_equal(counts(cfg), "nsg=2");
  assert_string_equal(((struct pf_res *)res_at(cfg, PF_K_NSG, 1))->jpath,
                      "$.value[1]");
  assert_int_equal(cfg->n_ignored, 1);
  assert_string_equal(cfg->ignored_types[0],
                      "Microsoft.Network/publicIPAddresses");
  assert_int_equal(cfg->inputs[0].n_resources, 2);
  assert_null(cfg->inputs[0].skipped);
  pf_config_destroy(cfg);

  /* a bare array (az ... list) */
  cfg = load_doc("[" AZ_NSG("nsg-a", "", "") "]");
  assert_string_equal(((struct pf_res *)res_at(cfg, PF_K_NSG, 0))->jpath,
                      "$[0]");
  pf_config_destroy(cfg);
}

/* Get-AzResource | ConvertTo-Json: PascalCase names */
static void test_powershell_shape(void **state)
{
  static const char doc[] =
      "{\"Name\": \"nsg-ps\", \"ResourceGroupName\": \"rg-ml-prod\", "
      "\"ResourceType\": \"Microsoft.Network/networkSecurityGroups\", "
      "\"Location\": \"West Europe\", \"ResourceId\": \"" NET
      "/networkSecurityGroups/nsg-ps\", \"Properties\": "
      "{\"provisioningState\": \"Succeeded\", \"securityRules\": "
      "[{\"Name\": \"AllowSsh\", "
      "\"Properties\": {\"Priority\": 300, \"Direction\": \"Inbound\", "
      "\"Access\": \"Allow\", \"Protocol\": \"Tcp\", \"SourceAddressPrefix\": "
      "\"203.0.113.10\", \"SourcePortRange\": \"*\", "
      "\"DestinationAddressPrefix\": \"*\", \"DestinationPortRange\": "
      "\"22\"}}]}}";
  struct pf_config *cfg = load_doc(doc);
  const struct pf_nsg *n = res_at(cfg, PF_K_NSG, 0);
  const struct pf_nsg_rule *r = rule_named(n, "AllowSsh");
  (void)state;
  assert_string_equal(n->hdr.name, "nsg-ps");
  assert_string_equal(n->hdr.id, NET "/networkSecurityGroups/nsg-ps");
  assert_string_equal(n->hdr.location, "westeurope");
  assert_int_equal(n->hdr.shape, PF_SHAPE_ARM);
  assert_int_equal(r->priority, 300);
  assert_string_equal(prefix_str(&r->src[0].prefix), "203.0.113.10/32");
  assert_string_equal(ports_str(&r->dst_ports), "22");
  assert_string_equal(r->jpath, "$.Properties.securityRules[0]");
  pf_config_destroy(cfg);
}

static void test_skipped_documents(void **state)
{
  static const struct {
    const char *doc, *why;
  } cases[] = {
    /* resource-group templates are evaluated (docs/templates.md) */
    {"{\"$schema\": \"https://schema.management.azure.com/schemas/"
     "2018-05-01/subscriptionDeploymentTemplate.json#\", "
     "\"contentVersion\": \"1.0.0.0\", \"resources\": []}",
     "ARM deployment template at subscription, management group or tenant "
     "scope (only resource group templates are evaluated)"},
    {"{\"$schema\": \"https://schema.management.azure.com/schemas/"
     "2019-04-01/deploymentParameters.json#\", \"parameters\": {}}",
     "ARM parameters file"},
    {"{\"format_version\": \"1.2\", \"terraform_version\": \"1.6.0\"}",
     "Terraform state without resources"},
    {"{\"networkSecurityGroups\": [], \"effectiveSecurityRules\": []}",
     "effective security rules (a Network Watcher answer, not "
     "configuration)"},
    {"{\"changeNumber\": 1, \"cloud\": \"Public\", \"values\": []}",
     "service tag file"},
    {"\"just a string\"",
     "not Azure resource JSON (top level is not an object or array)"},
    {"{\"parameters\": {}, \"responses\": {\"204\": {}}}",
     "API example without a response body"},
    {"{\"name\": \"x\", \"value\": 3}", NOT_AZURE},
    {"[1, 2, {\"a\": 1}]", NOT_AZURE},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct pf_config *cfg = load_doc(cases[i].doc);
    assert_string_equal(counts(cfg), "");
    assert_int_equal(cfg->n_inputs, 1);
    if (!cfg->inputs[0].skipped)
      fail_msg("not skipped: %s", cases[i].doc);
    assert_string_equal(cfg->inputs[0].skipped, cases[i].why);
    pf_config_destroy(cfg);
  }
}

static void test_template_resources_warned(void **state)
{
  struct pf_config *cfg = load_doc(
      "[{\"type\": \"Microsoft.Network/networkSecurityGroups\", "
      "\"apiVersion\": \"2023-09-01\", \"name\": \"nsg-t\", \"location\": "
      "\"[resourceGroup().location]\", \"properties\": {}}, {\"type\": "
      "\"Microsoft.Network/virtualNetworks\", \"apiVersion\": "
      "\"2023-09-01\", \"name\": \"vnet-t\"}]");
  (void)state;
  assert_string_equal(counts(cfg), "");
  assert_int_equal(cfg->n_warnings, 1);
  assert_string_equal(cfg->warnings[0],
                      "doc.json: 2 deployment template resources (type and "
                      "apiVersion, no id) not loaded");
  pf_config_destroy(cfg);
}

/* ---- references, ids, duplicates ---------------------------------------- */

struct ref_list {
  char text[2048];
};

static void list_ref(const struct pf_res *from, const struct pf_ref *ref,
                     void *arg)
{
  struct ref_list *l = arg;
  size_t n = strlen(l->text);
  snprintf(l->text + n, sizeof(l->text) - n, "%s %s -> %s (%s)%s\n",
           pf_kind_name(from->kind), from->name, ref->id,
           ref->jpath ? ref->jpath : "parent",
           ref->target ? "" : " unresolved");
}

static void test_reference_not_supplied(void **state)
{
  static const char subnet[] =
      "{\"addressPrefix\": \"10.20.1.0/24\", \"id\": \"" NET
      "/virtualNetworks/vnet-ml/subnets/snet-train\", \"name\": "
      "\"snet-train\", \"networkSecurityGroup\": {\"id\": \"" NET
      "/networkSecurityGroups/nsg-train\", \"resourceGroup\": "
      "\"rg-ml-prod\"}, \"routeTable\": {\"id\": \"" NET
      "/routeTables/rt-train\"}, \"natGateway\": null, \"privateEndpoints\": "
      "[{\"id\": \"" NET "/privateEndpoints/pe-kv\"}], \"type\": "
      "\"Microsoft.Network/virtualNetworks/subnets\"}";
  struct pf_config *cfg = load_doc(subnet);
  const struct pf_subnet *s = res_at(cfg, PF_K_SUBNET, 0);
  struct ref_list fwd, back;
  (void)state;
  assert_null(s->nsg.target);
  assert_string_equal(s->nsg.id, NET "/networkSecurityGroups/nsg-train");
  assert_string_equal(s->nsg.jpath, "$.networkSecurityGroup");
  assert_null(s->nat_gateway.id);
  fwd.text[0] = back.text[0] = '\0';
  pf_config_each_ref(cfg, 0, list_ref, &fwd);
  pf_config_each_ref(cfg, 1, list_ref, &back);
  assert_string_equal(fwd.text,
                      "subnet snet-train -> " NET "/virtualNetworks/vnet-ml "
                      "(parent) unresolved\n"
                      "subnet snet-train -> " NET
                      "/networkSecurityGroups/nsg-train "
                      "($.networkSecurityGroup) unresolved\n"
                      "subnet snet-train -> " NET "/routeTables/rt-train "
                      "($.routeTable) unresolved\n");
  assert_string_equal(back.text,
                      "subnet snet-train -> " NET "/privateEndpoints/pe-kv "
                      "($.privateEndpoints[0].id) unresolved\n");
  /* resolving again changes nothing */
  assert_int_equal(pf_config_resolve(cfg), PF_OK);
  assert_null(s->nsg.target);
  pf_config_destroy(cfg);
}

static void test_case_insensitive_ids(void **state)
{
  struct pf_config *cfg = load_docs(
      "subnet.json",
      "{\"id\": \"/SUBSCRIPTIONS/6F2B1C3E-8A4D-4B7E-9C1F-2D3E4F5A6B7C/"
      "resourcegroups/RG-ML-PROD/providers/microsoft.network/"
      "virtualnetworks/VNET-ML/subnets/SNET\", \"addressPrefix\": "
      "\"10.0.0.0/24\", \"networkSecurityGroup\": {\"id\": \"" NET
      "/networkSecurityGroups/nsg-a\"}, \"type\": "
      "\"Microsoft.Network/virtualNetworks/subnets\"}",
      "nsg.json",
      "{\"id\": \"" RG "/providers/MICROSOFT.NETWORK/networkSecurityGroups/"
      "NSG-A\", \"type\": \"Microsoft.Network/networkSecurityGroups\", "
      "\"securityRules\": [], \"subnets\": [{\"id\": \"" NET
      "/virtualNetworks/vnet-ml/subnets/snet\"}]}",
      NULL);
  const struct pf_subnet *s = res_at(cfg, PF_K_SUBNET, 0);
  const struct pf_nsg *n = res_at(cfg, PF_K_NSG, 0);
  (void)state;
  assert_ptr_equal(s->nsg.target, &n->hdr);
  assert_ptr_equal(n->subnets[0].target, &s->hdr);
  assert_string_equal(s->hdr.name, "SNET");
  assert_ptr_equal(pf_config_find(cfg, NET "/networkSecurityGroups/nsg-a"),
                   &n->hdr);
  assert_null(pf_config_find(cfg, NET "/networkSecurityGroups/nsg-b"));
  assert_true(pf_id_eq("/a/B/c", "/A/b/C"));
  assert_true(pf_id_eq("/a/b", "/a/b/"));
  assert_false(pf_id_eq("/a/b", "/a/bc"));
  assert_false(pf_id_eq(NULL, "/a"));
  pf_config_destroy(cfg);
}

static void test_duplicates(void **state)
{
  static const char nsg1[] = AZ_NSG("nsg-dup", AZ_RULE("A", 100, "Inbound",
                                                       "Allow", "Tcp", "*",
                                                       "*", "22"), "");
  static const char nsg2[] =
      "{\"id\": \"" NET "/networkSecurityGroups/NSG-DUP\", \"name\": "
      "\"NSG-DUP\", \"type\": \"Microsoft.Network/networkSecurityGroups\", "
      "\"securityRules\": []}";
  struct pf_config *cfg =
      load_docs("a.json", nsg1, "b.json", nsg2, "c.json",
                "[" AZ_NSG("nsg-dup", "", "") ", " AZ_NSG("nsg-dup", "", "")
                "]",
                NULL);
  const struct pf_nsg *n;
  (void)state;
  assert_int_equal(cfg->n_res[PF_K_NSG], 1);
  assert_int_equal(cfg->n_duplicates, 3);
  n = res_at(cfg, PF_K_NSG, 0);
  assert_string_equal(n->hdr.file, "a.json");      /* the first is kept */
  assert_int_equal(n->n_rules, 7);
  assert_int_equal(cfg->n_inputs, 3);
  assert_int_equal(cfg->inputs[0].n_resources, 1);
  assert_int_equal(cfg->inputs[1].n_resources, 0);
  assert_int_equal(cfg->inputs[1].n_duplicates, 1);
  assert_int_equal(cfg->inputs[2].n_duplicates, 2);
  assert_null(cfg->inputs[1].skipped);
  assert_int_equal(cfg->n_warnings, 3);
  assert_string_equal(cfg->warnings[0],
                      "b.json: $: nsg 'NSG-DUP' is also defined in a.json; "
                      "the first definition is used");
  assert_string_equal(cfg->warnings[2],
                      "c.json: $[1]: nsg 'nsg-dup' is also defined in "
                      "a.json; the first definition is used");
  pf_config_destroy(cfg);
}

/* ---- errors: what loading stops at -------------------------------------- */

static void test_load_errors(void **state)
{
  static const struct {
    const char *doc, *msg;
  } cases[] = {
    {AZ_NSG("n", AZ_RULE("r", 99, "Inbound", "Allow", "Tcp", "*", "*", "22"),
            ""),
     "doc.json: $.securityRules[0].priority: 99 is outside 100-4096"},
    {AZ_NSG("n", AZ_RULE("r", 200, "Inbound", "Allow", "Tcpp", "*", "*",
                         "22"), ""),
     "doc.json: $.securityRules[0].protocol: unknown value 'Tcpp' (expected "
     "one of: *, Tcp, Udp, Icmp, Esp, Ah, Any)"},
    {AZ_NSG("n", AZ_RULE("r", 200, "Inbound", "Allow", "Tcp", "10.0.0.1/8",
                         "*", "22"), ""),
     "doc.json: $.securityRules[0].sourceAddressPrefix: invalid IP prefix "
     "'10.0.0.1/8': host bits set (did you mean 10.0.0.0/8?)"},
    {AZ_NSG("n", AZ_RULE("r", 200, "Inbound", "Allow", "Tcp", "*", "*",
                         "0-65536"), ""),
     "doc.json: $.securityRules[0].destinationPortRange: invalid port range "
     "'0-65536': port above 65535"},
    {"{\"id\": \"" NET "/networkSecurityGroups/n\", \"type\": "
     "\"Microsoft.Network/networkSecurityGroups\", \"securityRules\": "
     "\"none\"}",
     "doc.json: $.securityRules: expected an array, found a string"},
    {"{\"id\": \"" NET "/routeTables/rt\", \"type\": "
     "\"Microsoft.Network/routeTables\", \"routes\": [{\"name\": \"r\", "
     "\"addressPrefix\": \"0.0.0.0/0\", \"nextHopType\": "
     "\"VirtualAppliance\"}]}",
     "doc.json: $.routes[0].nextHopIpAddress: route 'r' has next hop "
     "VirtualAppliance but no nextHopIpAddress"},
    {"{\"id\": \"" NET "/virtualNetworks/v\", \"type\": "
     "\"Microsoft.Network/virtualNetworks\", \"addressSpace\": "
     "{\"addressPrefixes\": [\"10.0.0.0/16\"]}, \"subnets\": [{\"name\": "
     "\"s\", \"addressPrefix\": \"10.1.0.0/24\"}, {\"name\": \"t\"}]}",
     "doc.json: $.subnets[1]: subnet 't' has neither addressPrefix nor "
     "addressPrefixes"},
    {"{\"id\": \"/subscriptions/x/resourceGroups/rg/providers\", \"type\": "
     "\"Microsoft.Network/networkSecurityGroups\"}",
     "doc.json: $.id: '/subscriptions/x/resourceGroups/rg/providers' is not "
     "an ARM resource id"},
    {"{\"type\": \"Microsoft.Network/networkSecurityGroups\", \"name\": "
     "\"n\"}",
     "doc.json: $.id: nsg resource has no 'id'"},
    {"{\"id\": \"" WS "/computes/c\", \"type\": \"amlcompute\", "
     "\"max_instances\": -1}",
     "doc.json: $.max_instances: -1 is outside 0-100000"},
    {"{\"id\": \"" RG "/providers/Microsoft.Storage/storageAccounts/s\", "
     "\"type\": \"Microsoft.Storage/storageAccounts\", \"properties\": "
     "{\"networkAcls\": {\"defaultAction\": \"Deny\", \"ipRules\": "
     "[{\"value\": \"10.0.0.0/33\"}]}}}",
     "doc.json: $.properties.networkAcls.ipRules[0].value: invalid IP prefix "
     "'10.0.0.0/33': prefix length above 32"},
    {"{\"id\": \"" NET "/networkSecurityGroups/n\", \"type\": "
     "\"Microsoft.Network/networkSecurityGroups\", \"securityRules\": "
     "[], \"subnets\": [{\"id\": 7}]}",
     "doc.json: $.subnets[0].id: expected an ARM resource id, found a "
     "number"},
    {"{\"a\": [1, 2", "doc.json: $.a[1]: line 1, column 12: expected ',' or "
                      "']', found end of input"},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    assert_string_equal(load_err(cases[i].doc), cases[i].msg);
}

/* Files and directories: missing paths and a bad file inside a folder. */
static void test_paths_and_files(void **state)
{
  char dir[] = "/tmp/test_load.XXXXXX";
  char path[256], want[512];
  const char *paths[2];
  struct pf_config *cfg;
  struct pf_err err;
  FILE *f;
  struct pf_load_opts opts;
  (void)state;

  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/a-nsg.json", dir);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs(AZ_NSG("nsg-a", "", ""), f);
  fclose(f);
  snprintf(path, sizeof(path), "%s/b-notes.txt", dir);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs("not json", f);
  fclose(f);

  /* a folder: only *.json is read */
  paths[0] = dir;
  cfg = new_cfg();
  pf_err_clear(&err);
  assert_int_equal(pf_load_paths(cfg, paths, 1, NULL, &err), PF_OK);
  assert_string_equal(counts(cfg), "nsg=1");
  assert_int_equal(cfg->n_inputs, 1);
  pf_config_destroy(cfg);

  /* a size limit smaller than the file */
  memset(&opts, 0, sizeof(opts));
  opts.max_file_size = 100;
  cfg = new_cfg();
  pf_err_clear(&err);
  assert_int_equal(pf_load_paths(cfg, paths, 1, &opts, &err), PF_ETOOBIG);
  assert_non_null(strstr(err.msg, "a-nsg.json: file is "));
  assert_non_null(strstr(err.msg, " bytes, larger than the limit of 100 "
                                  "bytes"));
  pf_config_destroy(cfg);

  /* a broken file after a good one: the error names it */
  snprintf(path, sizeof(path), "%s/c-vnet.json", dir);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs("{\"id\": \"" NET "/virtualNetworks/v\", \"subnets\": [", f);
  fclose(f);
  cfg = new_cfg();
  pf_err_clear(&err);
  assert_int_equal(pf_load_paths(cfg, paths, 1, NULL, &err), PF_EPARSE);
  snprintf(want, sizeof(want), "%s/c-vnet.json: $.subnets[0]: line 1, column "
           "%zu: expected a value, found end of input", dir,
           strlen("{\"id\": \"" NET "/virtualNetworks/v\", \"subnets\": [")
               + 1);
  assert_string_equal(err.msg, want);
  pf_config_destroy(cfg);
  remove(path);

  /* a missing path */
  snprintf(path, sizeof(path), "%s/missing.json", dir);
  paths[1] = path;
  cfg = new_cfg();
  pf_err_clear(&err);
  assert_int_equal(pf_load_paths(cfg, paths, 2, NULL, &err), PF_ENOENT);
  assert_int_equal(strncmp(err.msg, path, strlen(path)), 0);
  pf_config_destroy(cfg);

  snprintf(path, sizeof(path), "%s/a-nsg.json", dir);
  remove(path);
  snprintf(path, sizeof(path), "%s/b-notes.txt", dir);
  remove(path);
  rmdir(dir);
}

/* Values known only at deployment ({"$unknown": ...} from the template
 * and plan translators): recorded, attached to their resource, read as
 * not given; pending rule sides become opaque; a pending priority is an
 * input error (pf_lj.h, docs/semantics.md "Pending values"). */
static void test_pending_values(void **state)
{
  static const char doc[] =
      "[{\"id\": \"" RG "/providers/Microsoft.Storage/storageAccounts/st1\","
      " \"type\": \"Microsoft.Storage/storageAccounts\", \"properties\": {"
      "\"networkAcls\": {\"defaultAction\": {\"$unknown\": "
      "\"[reference('x').acl]\"}, \"ipRules\": [{\"$unknown\": \"[y]\"}]}}},"
      "{\"id\": \"" NET "/networkSecurityGroups/nsg-p\", \"type\": "
      "\"Microsoft.Network/networkSecurityGroups\", \"properties\": {"
      "\"securityRules\": [{\"name\": \"p\", \"properties\": {"
      "\"priority\": 200, \"direction\": \"Outbound\", \"access\": "
      "\"Deny\", \"protocol\": \"Tcp\", \"sourceAddressPrefix\": \"*\", "
      "\"sourcePortRange\": \"*\", \"destinationAddressPrefixes\": "
      "[\"10.0.0.0/8\", {\"$unknown\": \"[parameters('x')]\"}], "
      "\"destinationPortRange\": \"443\"}}]}},"
      "{\"id\": \"" NET "/virtualNetworks/v1\", \"type\": "
      "\"Microsoft.Network/virtualNetworks\", \"properties\": {"
      "\"addressSpace\": {\"addressPrefixes\": [\"10.0.0.0/16\"]}}}]";
  static const char bad[] =
      "{\"id\": \"" NET "/networkSecurityGroups/nsg-q\", \"type\": "
      "\"Microsoft.Network/networkSecurityGroups\", \"properties\": {"
      "\"securityRules\": [{\"name\": \"q\", \"properties\": {"
      "\"priority\": {\"$unknown\": \"[reference('p').n]\"}, "
      "\"direction\": \"Outbound\", \"access\": \"Deny\", \"protocol\": "
      "\"Tcp\", \"sourceAddressPrefix\": \"*\", \"sourcePortRange\": \"*\","
      " \"destinationAddressPrefix\": \"*\", \"destinationPortRange\": "
      "\"443\"}}]}}";
  struct pf_config *cfg = load_doc(doc);
  const struct pf_storage *st = res_at(cfg, PF_K_STORAGE, 0);
  const struct pf_nsg *n = res_at(cfg, PF_K_NSG, 0);
  const struct pf_vnet *v = res_at(cfg, PF_K_VNET, 0);
  const struct pf_nsg_rule *r = &n->rules[0];
  (void)state;
  assert_int_equal(cfg->n_pending, 3);
  assert_int_equal(st->hdr.n_pending, 2);
  assert_non_null(st->hdr.pending);
  /* array elements are recorded first, when the tree is walked */
  assert_string_equal(st->hdr.pending->text, "[y]");
  assert_string_equal(st->hdr.pending->jpath,
                      "$[0].properties.networkAcls.ipRules[0]");
  assert_string_equal(cfg->pending[2].text, "[reference('x').acl]");
  assert_string_equal(cfg->pending[2].jpath,
                      "$[0].properties.networkAcls.defaultAction");
  assert_int_equal(n->hdr.n_pending, 1);
  assert_int_equal(v->hdr.n_pending, 0);
  assert_null(v->hdr.pending);
  /* the rule matches an unknown part of outbound: both sides pending */
  assert_int_equal(r->priority, 200);
  assert_int_equal(r->dir, PF_DIR_OUTBOUND);
  assert_int_equal(r->access, PF_ACCESS_DENY);
  assert_int_equal(r->n_src, 1);
  assert_int_equal(r->src[0].kind, PF_ADDR_PENDING);
  assert_int_equal(r->dst[0].kind, PF_ADDR_PENDING);
  assert_string_equal(r->dst[0].text, "[parameters('x')]");
  assert_string_equal(ports_str(&r->dst_ports), "*");
  assert_true(cfg->n_warnings >= 1);
  pf_config_destroy(cfg);
  assert_string_equal(load_err(bad),
                      "doc.json: $.properties.securityRules[0].properties."
                      "priority: known only at deployment "
                      "([reference('p').n]): the rule cannot be placed in "
                      "evaluation order");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fixture_table_complete),
    cmocka_unit_test(test_fixtures_one_by_one),
    cmocka_unit_test(test_fixture_directory_stops_at_error),
    cmocka_unit_test(test_nsg_get_rules_and_defaults),
    cmocka_unit_test(test_nsg_augmented_rule),
    cmocka_unit_test(test_nsg_defaults_synthesised),
    cmocka_unit_test(test_nsg_defaults_given),
    cmocka_unit_test(test_nsg_priority_per_direction),
    cmocka_unit_test(test_nsg_rule_fields),
    cmocka_unit_test(test_vnet_subnet_nsg_resolution),
    cmocka_unit_test(test_subnet_fixtures),
    cmocka_unit_test(test_route_tables),
    cmocka_unit_test(test_storage_az_and_arm_shapes),
    cmocka_unit_test(test_keyvault_rules),
    cmocka_unit_test(test_registry_rules),
    cmocka_unit_test(test_ml_spec_computes),
    cmocka_unit_test(test_ml_spec_workspace),
    cmocka_unit_test(test_azml_shapes),
    cmocka_unit_test(test_datastore_credentials),
    cmocka_unit_test(test_datastore_secret_never_stored),
    cmocka_unit_test(test_resource_graph),
    cmocka_unit_test(test_list_envelope),
    cmocka_unit_test(test_powershell_shape),
    cmocka_unit_test(test_skipped_documents),
    cmocka_unit_test(test_template_resources_warned),
    cmocka_unit_test(test_reference_not_supplied),
    cmocka_unit_test(test_case_insensitive_ids),
    cmocka_unit_test(test_duplicates),
    cmocka_unit_test(test_load_errors),
    cmocka_unit_test(test_paths_and_files),
    cmocka_unit_test(test_pending_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
