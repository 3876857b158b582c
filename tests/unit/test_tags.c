/* SPDX-License-Identifier: MIT */
/* test_tags.c - service tag database: real files, lookups, bad input
 *
 * The counts of the real files were checked independently with python3
 * (json + ipaddress) and agree with the published figures.  Address facts
 * come from the same inspection of ServiceTags_Public_20251028.json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/pf_mem.h"
#include "core/pf_strbuf.h"
#include "model/pf_ip.h"
#include "model/pf_tags.h"

#define ST_DIR PF_FIXTURES "/servicetags/"
#define PUBLIC_2025 ST_DIR "ServiceTags_Public_20251028.json"

/* ---- helpers ---------------------------------------------------------- */

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

static struct pf_tagdb *load_path(const char *path)
{
  struct pf_tagdb *db = NULL;
  struct pf_err err;
  pf_err_clear(&err);
  if (pf_tagdb_load_file(&db, path, &err) != PF_OK)
    fail_msg("%s", err.msg);
  assert_non_null(db);
  return db;
}

static struct pf_tagdb *load_str(const char *json)
{
  struct pf_tagdb *db = NULL;
  struct pf_err err;
  pf_err_clear(&err);
  if (pf_tagdb_load_buf(&db, "t.json", json, strlen(json), &err) != PF_OK)
    fail_msg("%s", err.msg);
  assert_non_null(db);
  return db;
}

/* Load \p json expecting failure; \return the message (static). */
static const char *load_err(const char *json, size_t len, pf_status want)
{
  static struct pf_err err;
  struct pf_tagdb *db = NULL;
  pf_status st;
  pf_err_clear(&err);
  st = pf_tagdb_load_buf(&db, "t.json", json, len, &err);
  assert_null(db);
  if (st != want)
    fail_msg("status %s, wanted %s: %s", pf_errname(st), pf_errname(want),
             err.msg);
  assert_true(err.msg[0] != '\0');
  return err.msg;
}

static const struct pf_tag *must_find(const struct pf_tagdb *db,
                                      const char *name)
{
  const struct pf_tag *t = NULL;
  if (pf_tagdb_find(db, name, strlen(name), &t) != PF_TAG_FILE)
    fail_msg("tag '%s' not found", name);
  assert_non_null(t);
  return t;
}

static int tag_has(const struct pf_tag *t, const char *addr)
{
  struct pf_addr a;
  struct pf_err err;
  pf_err_clear(&err);
  if (pf_addr_parse(addr, strlen(addr), &a, &err) != PF_OK)
    fail_msg("%s", err.msg);
  return pf_ipset_contains_addr(&t->set, &a);
}

/* ---- real files ------------------------------------------------------- */

struct file_fact {
  const char *file, *cloud;
  int64_t change;
  size_t tags, v4, v6, distinct;
};

static const struct file_fact facts[] = {
    {"ServiceTags_Public_20251028.json", "Public", 375, 3039, 68933, 24429,
     52340},
    {"ServiceTags_Public_20200601.json", "Public", 92, 1369, 25231, 0,
     13766},
    {"ServiceTags_AzureGovernment_20260720.json", "AzureGovernment", 402,
     299, 4859, 1732, 3799},
    {"ServiceTags_China_20260720.json", "China", 405, 327, 3114, 1276, 2484},
    {"ServiceTags_AzureGermany_20220307.json", "AzureGermany", 193, 79, 362,
     10, 201},
};

static void test_real_counts(void **state)
{
  size_t i, checked = 0;
  (void)state;
  for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
    char path[1024];
    struct pf_tagdb *db;
    size_t v4, v6, d, j, s4 = 0, s6 = 0;
    snprintf(path, sizeof(path), "%s%s", ST_DIR, facts[i].file);
    if (!have(path)) {
      print_message("fixture %s missing: not checked\n", path);
      continue;
    }
    db = load_path(path);
    assert_string_equal(pf_tagdb_cloud(db), facts[i].cloud);
    assert_int_equal(pf_tagdb_change_number(db), facts[i].change);
    assert_int_equal(pf_tagdb_shape(db), PF_TAGDB_DOWNLOAD);
    assert_int_equal(pf_tagdb_count(db), facts[i].tags);
    pf_tagdb_totals(db, &v4, &v6);
    assert_int_equal(v4, facts[i].v4);
    assert_int_equal(v6, facts[i].v6);
    for (j = 0; j < pf_tagdb_count(db); j++) {
      s4 += pf_tagdb_at(db, j)->n_v4;
      s6 += pf_tagdb_at(db, j)->n_v6;
    }
    assert_int_equal(s4, v4);
    assert_int_equal(s6, v6);
    assert_null(pf_tagdb_at(db, pf_tagdb_count(db)));
    assert_int_equal(pf_tagdb_distinct(db, &d), PF_OK);
    assert_int_equal(d, facts[i].distinct);
    assert_string_equal(pf_tagdb_path(db), path);
    pf_tagdb_destroy(db);
    checked++;
  }
  if (!checked)
    skip();
}

static void test_public_fields(void **state)
{
  struct pf_tagdb *db;
  const struct pf_tag *t;
  (void)state;
  NEED(PUBLIC_2025);
  db = load_path(PUBLIC_2025);

  t = pf_tagdb_at(db, 0);
  assert_string_equal(t->name, "ActionGroup");
  assert_int_equal(t->change_number, 53);
  assert_string_equal(t->region, "");
  assert_string_equal(t->system_service, "ActionGroup");

  t = must_find(db, "BatchNodeManagement.WestEurope");
  assert_string_equal(t->region, "westeurope");
  assert_string_equal(t->system_service, "BatchNodeManagement");
  assert_int_equal(t->features, PF_TAGF_API | PF_TAGF_NSG);
  assert_int_equal(t->n_v4 + t->n_v6, 38);

  t = must_find(db, "Storage");
  assert_int_equal(t->features, PF_TAGF_API | PF_TAGF_NSG | PF_TAGF_UDR |
                                    PF_TAGF_FW | PF_TAGF_VSE);
  assert_int_equal(t->n_v4 + t->n_v6, 574);

  t = must_find(db, "ActionGroup.FranceCentral");
  assert_int_equal(t->features, PF_TAGF_NULL);
  assert_string_equal(t->region, "centralfrance");

  t = must_find(db, "AzureKeyVault.EastUS");
  assert_int_equal(t->n_v4, 6);
  assert_int_equal(t->n_v6, 6);
  pf_tagdb_destroy(db);
}

/* ---- lookups ---------------------------------------------------------- */

static void test_find(void **state)
{
  struct pf_tagdb *db;
  const struct pf_tag *t;
  (void)state;
  NEED(PUBLIC_2025);
  db = load_path(PUBLIC_2025);

  /* case-insensitive (5.7) */
  assert_string_equal(must_find(db, "azurefrontdoor.frontend")->name,
                      "AzureFrontDoor.Frontend");
  assert_string_equal(must_find(db, "AzureFrontDoor.FrontEnd")->name,
                      "AzureFrontDoor.Frontend");
  assert_string_equal(must_find(db, "Storage.westus")->name,
                      "Storage.WestUS");
  assert_string_equal(must_find(db, "STORAGE")->name, "Storage");
  /* aliases (5.7) */
  assert_string_equal(must_find(db, "Frontdoor.FirstParty")->name,
                      "AzureFrontDoor.FirstParty");
  assert_string_equal(must_find(db, "frontdoor.firstparty")->name,
                      "AzureFrontDoor.FirstParty");
  assert_string_equal(must_find(db, "ContainerRegistry.eastus")->name,
                      "AzureContainerRegistry.EastUS");
  assert_string_equal(must_find(db, "ContainerRegistry")->name,
                      "AzureContainerRegistry");
  assert_string_equal(must_find(db, "Keyvault.WestEurope")->name,
                      "AzureKeyVault.WestEurope");
  assert_string_equal(must_find(db, "keyvault")->name, "AzureKeyVault");
  /* a name is not a prefix */
  assert_int_equal(pf_tagdb_find(db, "Keyvaults", 9, &t), PF_TAG_UNKNOWN);
  assert_null(t);
  /* length-bounded, not NUL-terminated */
  assert_int_equal(pf_tagdb_find(db, "StorageXYZ", 7, &t), PF_TAG_FILE);
  assert_string_equal(t->name, "Storage");
  assert_int_equal(pf_tagdb_find(db, "NoSuchTag", 9, &t), PF_TAG_UNKNOWN);
  assert_int_equal(pf_tagdb_find(db, "", 0, &t), PF_TAG_UNKNOWN);
  assert_int_equal(pf_tagdb_find(db, "Storage.", 8, &t), PF_TAG_UNKNOWN);

  /* computed tags (1.9) are never looked up in the file */
  assert_int_equal(pf_tagdb_find(db, "VirtualNetwork", 14, &t),
                   PF_TAG_COMPUTED);
  assert_null(t);
  assert_int_equal(pf_tagdb_find(db, "INTERNET", 8, NULL), PF_TAG_COMPUTED);
  assert_int_equal(pf_tagdb_find(NULL, "AZURE_LOADBALANCER", 18, &t),
                   PF_TAG_COMPUTED);
  assert_int_equal(pf_tagdb_find(NULL, "Storage", 7, &t), PF_TAG_UNKNOWN);
  pf_tagdb_destroy(db);
}

static void test_computed_names(void **state)
{
  (void)state;
  assert_string_equal(pf_tag_computed_name("VirtualNetwork", 14),
                      "VirtualNetwork");
  assert_string_equal(pf_tag_computed_name("VIRTUAL_NETWORK", 15),
                      "VirtualNetwork");
  assert_string_equal(pf_tag_computed_name("virtualnetwork", 14),
                      "VirtualNetwork");
  assert_string_equal(pf_tag_computed_name("AzureLoadBalancer", 17),
                      "AzureLoadBalancer");
  assert_string_equal(pf_tag_computed_name("azure_loadbalancer", 18),
                      "AzureLoadBalancer");
  assert_string_equal(pf_tag_computed_name("Internet", 8), "Internet");
  assert_string_equal(pf_tag_computed_name("INTERNET", 8), "Internet");
  assert_null(pf_tag_computed_name("InternetX", 9));
  assert_null(pf_tag_computed_name("Inter", 5));
  assert_null(pf_tag_computed_name("Storage", 7));
  assert_null(pf_tag_computed_name(NULL, 0));
}

static void test_regional(void **state)
{
  struct pf_tagdb *db;
  const struct pf_tag *t;
  (void)state;
  NEED(PUBLIC_2025);
  db = load_path(PUBLIC_2025);

  t = pf_tagdb_regional(db, "BatchNodeManagement", "westeurope");
  assert_non_null(t);
  assert_string_equal(t->name, "BatchNodeManagement.WestEurope");
  /* region != suffix (3.1): matched on properties.region */
  t = pf_tagdb_regional(db, "BatchNodeManagement", "germanywc");
  assert_non_null(t);
  assert_string_equal(t->name, "BatchNodeManagement.GermanyWestCentral");
  t = pf_tagdb_regional(db, "Storage", "centralfrance");
  assert_non_null(t);
  assert_string_equal(t->name, "Storage.FranceCentral");
  /* AzureCloud.* is named by the short code; the ARM name still works */
  t = pf_tagdb_regional(db, "AzureCloud", "germanywestcentral");
  assert_non_null(t);
  assert_string_equal(t->name, "AzureCloud.germanywc");
  t = pf_tagdb_regional(db, "AzureCloud", "westeurope");
  assert_non_null(t);
  assert_string_equal(t->name, "AzureCloud.westeurope");
  /* aliases and display names */
  t = pf_tagdb_regional(db, "Keyvault", "eastus");
  assert_non_null(t);
  assert_string_equal(t->name, "AzureKeyVault.EastUS");
  t = pf_tagdb_regional(db, "ContainerRegistry", "germanywc");
  assert_non_null(t);
  assert_string_equal(t->name, "AzureContainerRegistry.GermanyWestCentral");
  t = pf_tagdb_regional(db, "storage", "West Europe");
  assert_non_null(t);
  assert_string_equal(t->name, "Storage.WestEurope");
  /* no regional variant */
  assert_null(pf_tagdb_regional(db, "AzureFrontDoor.FirstParty", "eastus"));
  assert_null(pf_tagdb_regional(db, "Storage", "atlantis"));
  assert_null(pf_tagdb_regional(db, "Storage", ""));
  assert_null(pf_tagdb_regional(db, "", "eastus"));
  assert_null(pf_tagdb_regional(NULL, "Storage", "eastus"));
  pf_tagdb_destroy(db);
}

static void test_contains(void **state)
{
  struct pf_tagdb *db;
  size_t i;
  (void)state;
  NEED(PUBLIC_2025);
  db = load_path(PUBLIC_2025);

  assert_true(tag_has(must_find(db, "AzureFrontDoor.FirstParty"),
                      "13.107.3.1"));
  assert_false(tag_has(must_find(db, "AzureFrontDoor.Frontend"),
                       "13.107.3.1"));
  assert_true(tag_has(must_find(db, "AzureKeyVault.EastUS"), "20.42.64.45"));
  assert_true(tag_has(must_find(db, "AzureKeyVault"), "20.42.64.45"));
  assert_false(tag_has(must_find(db, "AzureKeyVault.WestEurope"),
                       "20.42.64.45"));
  assert_true(tag_has(must_find(db, "AzureKeyVault.EastUS"),
                      "2603:1030:210::341"));
  assert_false(tag_has(must_find(db, "AzureKeyVault.EastUS"),
                       "2603:1030:210::348"));
  assert_true(tag_has(must_find(db, "BatchNodeManagement.WestEurope"),
                      "13.69.65.70"));
  /* 3.1: regional prefixes are subnets of the global tag's */
  assert_true(pf_ipset_contains_set(&must_find(db, "Storage")->set,
                                    &must_find(db, "Storage.WestUS")->set));
  /* 3.1: 168.63.129.16 is in no tag; neither is 8.8.8.8 */
  for (i = 0; i < pf_tagdb_count(db); i++) {
    assert_false(tag_has(pf_tagdb_at(db, i), "168.63.129.16"));
    assert_false(tag_has(pf_tagdb_at(db, i), "8.8.8.8"));
  }
  pf_tagdb_destroy(db);
}

struct listed {
  char text[16][64];
  size_t n, stop_at;
};

static int listed_cb(const char *text, size_t n, void *arg)
{
  struct listed *l = arg;
  if (l->n < 16 && n < 64) {
    memcpy(l->text[l->n], text, n);
    l->text[l->n][n] = '\0';
  }
  l->n++;
  return l->n == l->stop_at ? 42 : 0;
}

static void test_each_listed(void **state)
{
  struct pf_tagdb *db;
  const struct pf_tag *t;
  struct listed l;
  (void)state;
  /* the text as written, escapes decoded, in file order */
  db = load_str("{\"values\":[{\"name\":\"A\",\"properties\":"
                "{\"addressPrefixes\":[\"10.0.0.0/8\", \"2001:DB8::/32\","
                "\"192.168.1.0\\/24\",\"10.1.0.0/16\"]}}]}");
  t = must_find(db, "a");
  memset(&l, 0, sizeof(l));
  assert_int_equal(pf_tagdb_each_listed(db, t, listed_cb, &l), 0);
  assert_int_equal(l.n, 4);
  assert_string_equal(l.text[0], "10.0.0.0/8");
  assert_string_equal(l.text[1], "2001:DB8::/32");
  assert_string_equal(l.text[2], "192.168.1.0/24");
  assert_string_equal(l.text[3], "10.1.0.0/16");
  assert_int_equal(t->n_v4, 3);
  assert_int_equal(t->n_v6, 1);
  /* the set is normalised: 10.1/16 is inside 10/8 */
  assert_int_equal(t->set.fam[PF_AF_V4].n, 2);
  memset(&l, 0, sizeof(l));
  l.stop_at = 2;
  assert_int_equal(pf_tagdb_each_listed(db, t, listed_cb, &l), 42);
  assert_int_equal(l.n, 2);
  /* a tag of another database is refused */
  assert_int_equal(pf_tagdb_each_listed(db, NULL, listed_cb, &l), -1);
  pf_tagdb_destroy(db);

  if (!have(PUBLIC_2025))
    return;
  db = load_path(PUBLIC_2025);
  memset(&l, 0, sizeof(l));
  t = must_find(db, "AzureKeyVault.EastUS");
  assert_int_equal(pf_tagdb_each_listed(db, t, listed_cb, &l), 0);
  assert_int_equal(l.n, 12);
  assert_string_equal(l.text[0], "20.42.64.44/30");
  assert_string_equal(l.text[11], "2603:1030:210:c02::80/125");
  pf_tagdb_destroy(db);
}

/* ---- other shapes ------------------------------------------------------ */

static void test_per_tag_shape(void **state)
{
  struct pf_tagdb *db;
  const struct pf_tag *t;
  const char *p = ST_DIR "per_tag/AzureKeyVault.EastUS.json";
  (void)state;
  NEED(p);
  db = load_path(p);
  assert_int_equal(pf_tagdb_count(db), 1);
  assert_string_equal(pf_tagdb_cloud(db), "");
  assert_int_equal(pf_tagdb_change_number(db), 8);
  assert_int_equal(pf_tagdb_shape(db), PF_TAGDB_DOWNLOAD);
  t = must_find(db, "keyvault.eastus");
  assert_string_equal(t->name, "AzureKeyVault.EastUS");
  assert_int_equal(t->n_v4, 6);
  assert_int_equal(t->n_v6, 6);
  assert_true(tag_has(t, "40.71.10.201"));
  pf_tagdb_destroy(db);

  p = ST_DIR "per_tag/AzureMonitor.json";
  if (have(p)) {
    db = load_path(p);
    assert_int_equal(pf_tagdb_count(db), 1);
    assert_string_equal(pf_tagdb_at(db, 0)->name, "AzureMonitor");
    pf_tagdb_destroy(db);
  }
}

static void test_discovery_shape(void **state)
{
  struct pf_tagdb *db;
  const struct pf_tag *t;
  const char *p = PF_FIXTURES
      "/arm/rest-api-specs-examples/network.2021-02-01.ServiceTagsList.json";
  size_t v4, v6;
  (void)state;
  NEED(p);
  /* the REST example envelope around the discovery API result */
  db = load_path(p);
  assert_int_equal(pf_tagdb_shape(db), PF_TAGDB_DISCOVERY);
  assert_int_equal(pf_tagdb_change_number(db), 63);
  assert_string_equal(pf_tagdb_cloud(db), "Public");
  assert_int_equal(pf_tagdb_count(db), 5);
  pf_tagdb_totals(db, &v4, &v6);
  assert_int_equal(v4, 13);
  assert_int_equal(v6, 0);
  t = must_find(db, "ServiceBus.EastUS2");
  assert_int_equal(t->change_number, 1);
  assert_string_equal(t->region, "eastus2");
  assert_int_equal(t->features, PF_TAGF_NULL);
  assert_ptr_equal(pf_tagdb_regional(db, "ApiManagement",
                                     "australiacentral"),
                   must_find(db, "ApiManagement.AustraliaCentral"));
  pf_tagdb_destroy(db);
}

static void test_az_cli_shape(void **state)
{
  struct pf_tagdb *db;
  const struct pf_tag *t;
  (void)state;
  /* `az network list-service-tags`: values first, string change numbers,
   * serviceTagChangeNumber, state, null networkFeatures absent */
  db = load_str(
      "{\"values\":[{\"properties\":{\"state\":\"GA\",\"addressPrefixes\":"
      "[\"20.1.0.0/16\"],\"systemService\":\"AzureStorage\",\"region\":"
      "\"westus\",\"changeNumber\":\"12\"},\"serviceTagChangeNumber\":\"7\","
      "\"id\":\"Storage.WestUS\",\"name\":\"Storage.WestUS\"}],"
      "\"type\":\"Microsoft.Network/serviceTags\",\"cloud\":\"Public\","
      "\"name\":\"public\",\"id\":\"/subscriptions/x\","
      "\"changeNumber\":\"81\",\"nextLink\":null}");
  assert_int_equal(pf_tagdb_shape(db), PF_TAGDB_DISCOVERY);
  assert_int_equal(pf_tagdb_change_number(db), 81);
  assert_string_equal(pf_tagdb_cloud(db), "Public");
  t = must_find(db, "storage.westus");
  assert_int_equal(t->change_number, 12);
  assert_string_equal(t->system_service, "AzureStorage");
  assert_true(tag_has(t, "20.1.2.3"));
  pf_tagdb_destroy(db);

  /* download shape with members in another order, BOM, unknown keys */
  db = load_str("\xEF\xBB\xBF{\"values\":[{\"properties\":{\"networkFeatures"
                "\":[\"NSG\",\"Future\"],\"addressPrefixes\":[],\"x\":{\"y\":"
                "[1,2,{}]}},\"name\":\"T\"}],\"cloud\":\"AzureGovernment\","
                "\"changeNumber\":5,\"extra\":[true,false,null]}");
  assert_int_equal(pf_tagdb_shape(db), PF_TAGDB_DOWNLOAD);
  assert_int_equal(pf_tagdb_change_number(db), 5);
  assert_string_equal(pf_tagdb_cloud(db), "AzureGovernment");
  t = must_find(db, "T");
  assert_int_equal(t->features, PF_TAGF_NSG);
  assert_int_equal(t->change_number, -1);
  assert_string_equal(t->region, "");
  assert_string_equal(t->system_service, "");
  assert_true(pf_ipset_empty(&t->set));
  pf_tagdb_destroy(db);

  /* an empty values array is a valid, empty database */
  db = load_str("{\"changeNumber\":1,\"cloud\":\"Public\",\"values\":[]}");
  assert_int_equal(pf_tagdb_count(db), 0);
  assert_int_equal(pf_tagdb_find(db, "Storage", 7, &t), PF_TAG_UNKNOWN);
  assert_null(pf_tagdb_regional(db, "Storage", "westus"));
  pf_tagdb_destroy(db);
}

/* ---- bad input -------------------------------------------------------- */

static void expect_err(const char *json, pf_status st, const char *msg)
{
  const char *got = load_err(json, strlen(json), st);
  if (strcmp(got, msg) != 0)
    fail_msg("message\n  got:  %s\n  want: %s", got, msg);
}

static void test_bad_messages(void **state)
{
  (void)state;
  expect_err("{\n  \"values\": [\n    {\n      \"name\": \"A\",\n"
             "      \"properties\": {\n        \"addressPrefixes\": [\n"
             "          \"10.0.0.0/8\",\n          \"10.0.0.1/24\"\n"
             "        ]\n      }\n    }\n  ]\n}\n",
             PF_EINVAL,
             "t.json: $.values[0].properties.addressPrefixes[1]: line 8, "
             "column 11: invalid IP prefix '10.0.0.1/24': host bits set (did "
             "you mean 10.0.0.0/24?)");
  expect_err("{\"values\":[{\"name\":\"A\",\"properties\":{\"addressPrefixes\""
             ":[\"10.0.0.1\"]}}]}",
             PF_EINVAL,
             "t.json: $.values[0].properties.addressPrefixes[0]: line 1, "
             "column 57: invalid IP prefix '10.0.0.1': missing prefix "
             "length");
  expect_err("{\"values\":[{\"name\":7,\"properties\":{}}]}", PF_EINVAL,
             "t.json: $.values[0].name: line 1, column 20: expected a "
             "string, found a number");
  expect_err("{\"values\":{}}", PF_EINVAL,
             "t.json: $.values: line 1, column 11: expected an array, found "
             "an object");
  expect_err("{\"values\":[{\"name\":\"A\",\"properties\":{\"addressPrefixes\""
             ":[\"10.0.0.0/8\",null]}}]}",
             PF_EINVAL,
             "t.json: $.values[0].properties.addressPrefixes[1]: line 1, "
             "column 70: expected a string, found null");
  expect_err("{\"values\":[{\"name\":\"A\",\"properties\":{\"addressPrefixes\""
             ":\"10.0.0.0/8\"}}]}",
             PF_EINVAL,
             "t.json: $.values[0].properties.addressPrefixes: line 1, column "
             "56: expected an array, found a string");
  expect_err("{\"values\":[{\"name\":\"A\",\"properties\":[]}]}", PF_EINVAL,
             "t.json: $.values[0].properties: line 1, column 37: expected an "
             "object, found an array");
  expect_err("{\"values\":[3]}", PF_EINVAL,
             "t.json: $.values[0]: line 1, column 12: expected an object, "
             "found a number");
  expect_err("{\"values\":[{\"name\":\"A\",\"properties\":{\"addressPrefixes\""
             ":[],\"networkFeatures\":\"NSG\"}}]}",
             PF_EINVAL,
             "t.json: $.values[0].properties.networkFeatures: line 1, column "
             "77: expected an array or null, found a string");
  expect_err("{\"changeNumber\":\"x1\",\"values\":[]}", PF_EINVAL,
             "t.json: $.changeNumber: line 1, column 17: expected an integer "
             "or a string of digits, found 'x1'");
  expect_err("{\"changeNumber\":1.5,\"values\":[]}", PF_EINVAL,
             "t.json: $.changeNumber: line 1, column 17: expected a "
             "non-negative integer, found 1.5");
  expect_err("{\"cloud\":1,\"values\":[]}", PF_EINVAL,
             "t.json: $.cloud: line 1, column 10: expected a string, found a "
             "number");
  /* missing members */
  expect_err("{\"cloud\":\"Public\",\"changeNumber\":1}", PF_EINVAL,
             "t.json: not a service tag file: no 'values' array");
  expect_err("[]", PF_EINVAL,
             "t.json: $: line 1, column 1: expected an object, found an "
             "array");
  expect_err("{\"values\":[{\"properties\":{\"addressPrefixes\":[]}}]}",
             PF_EINVAL,
             "t.json: $.values[0]: line 1, column 12: missing required "
             "member 'name'");
  expect_err("{\"values\":[{\"name\":\"A\"}]}", PF_EINVAL,
             "t.json: $.values[0]: line 1, column 12: missing required "
             "member 'properties'");
  expect_err("{\"values\":[\n {\"name\":\"A\",\"properties\":"
             "{\"region\":\"\"}}]}",
             PF_EINVAL,
             "t.json: $.values[0].properties: line 2, column 27: missing "
             "required member 'addressPrefixes'");
  expect_err("{\"values\":[{\"name\":\"\",\"properties\":{}}]}", PF_EINVAL,
             "t.json: $.values[0].name: line 1, column 20: empty tag name");
  /* duplicates */
  expect_err("{\"values\":[\n"
             "{\"name\":\"Storage\",\"properties\":"
             "{\"addressPrefixes\":[]}},\n"
             "{\"name\":\"Sql\",\"properties\":{\"addressPrefixes\":[]}},\n"
             "{\"name\":\"storage\",\"properties\":"
             "{\"addressPrefixes\":[]}}]}",
             PF_EINVAL,
             "t.json: $.values[2].name: line 4, column 9: duplicate tag name "
             "'storage' (same as 'Storage' at $.values[0]; names are "
             "case-insensitive)");
  expect_err("{\"values\":[{\"name\":\"S\",\"properties\":{\"addressPrefixes\""
             ":[]}},{\"name\":\"S\",\"properties\":"
             "{\"addressPrefixes\":[]}}]}",
             PF_EINVAL,
             "t.json: $.values[1].name: line 1, column 69: duplicate tag "
             "name 'S' (first at $.values[0])");
  expect_err("{\"values\":[{\"name\":\"A\",\"properties\":{\"addressPrefixes\""
             ":[],\"addressPrefixes\":[]}}]}",
             PF_EINVAL,
             "t.json: $.values[0].properties.addressPrefixes: line 1, column "
             "59: duplicate member 'addressPrefixes'");
  expect_err("{\"values\":[],\"values\":[]}", PF_EINVAL,
             "t.json: $.values: line 1, column 14: duplicate member "
             "'values'");
  /* syntax: truncated, trailing data */
  expect_err("{\"values\":[{\"name\":\"A\",\"properties\":{\"addressPrefixes\""
             ":[\"10.0.0.0/8\",",
             PF_EPARSE,
             "t.json: $.values[0].properties.addressPrefixes[1]: line 1, "
             "column 70: expected a value, found end of input");
  expect_err("{\"values\":[]} x", PF_EPARSE,
             "t.json: $: line 1, column 15: unexpected 'x' after the JSON "
             "value");
  expect_err("", PF_EPARSE,
             "t.json: $: line 1, column 1: expected a value, found end of "
             "input");
}

static void test_bad_deep_and_truncated(void **state)
{
  char buf[4096];
  size_t i, n = 0;
  const char *prefix = "{\"values\":[{\"name\":\"A\",\"x\":";
  const char *msg;
  (void)state;

  /* nesting limit inside an unknown member */
  n = strlen(prefix);
  memcpy(buf, prefix, n);
  for (i = 0; i < 200; i++)
    buf[n++] = '[';
  buf[n] = '\0';
  msg = load_err(buf, n, PF_EPARSE);
  assert_non_null(strstr(msg, "nesting deeper than 32 levels"));
  assert_true(strncmp(msg, "t.json: $.values[0].x", 21) == 0);

  /* every truncation of a valid file fails cleanly, never crashes */
  if (have(ST_DIR "per_tag/BatchNodeManagement.EastUS.json")) {
    FILE *f = fopen(ST_DIR "per_tag/BatchNodeManagement.EastUS.json", "rb");
    size_t len;
    assert_non_null(f);
    len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    for (i = 0; i + 2 < len; i++) {
      struct pf_tagdb *db = NULL;
      struct pf_err err;
      pf_err_clear(&err);
      assert_int_not_equal(pf_tagdb_load_buf(&db, "t.json", buf, i, &err),
                           PF_OK);
      assert_null(db);
      assert_true(strncmp(err.msg, "t.json: ", 8) == 0);
    }
  }

  /* NUL bytes and bad UTF-8 */
  msg = load_err("{\"values\":[{\"name\":\"A\\u0000\",\"properties\":{}}]}",
                 46, PF_EPARSE);
  assert_non_null(strstr(msg, "NUL"));
  msg = load_err("{\"values\":[{\"name\":\"\xff\"}]}", 25, PF_EPARSE);
  assert_non_null(strstr(msg, "UTF-8"));
  msg = load_err("{\"values\":[]}\0", 14, PF_EPARSE);
  assert_non_null(strstr(msg, "after the JSON value"));
}

static void test_load_file_errors(void **state)
{
  struct pf_tagdb *db = (struct pf_tagdb *)1;
  struct pf_err err;
  (void)state;
  pf_err_clear(&err);
  assert_int_equal(pf_tagdb_load_file(&db, "/nonexistent/tags.json", &err),
                   PF_ENOENT);
  assert_null(db);
  assert_non_null(strstr(err.msg, "/nonexistent/tags.json"));
  pf_tagdb_destroy(NULL);
}

/* ---- extract ---------------------------------------------------------- */

static void same_tag(const struct pf_tag *a, const struct pf_tag *b)
{
  assert_string_equal(a->name, b->name);
  assert_string_equal(a->region, b->region);
  assert_string_equal(a->system_service, b->system_service);
  assert_int_equal(a->change_number, b->change_number);
  assert_int_equal(a->features, b->features);
  assert_int_equal(a->n_v4, b->n_v4);
  assert_int_equal(a->n_v6, b->n_v6);
  assert_true(pf_ipset_equal(&a->set, &b->set));
}

static void test_extract_round_trip(void **state)
{
  static const char *const names[] = {
      "Storage.WestEurope", "frontdoor.firstparty", "AzureCloud",
      "ActionGroup.FranceCentral", "Keyvault.EastUS", "Storage.WestEurope"};
  struct pf_tagdb *db, *back;
  struct pf_strbuf sb;
  struct pf_err err;
  size_t i;
  (void)state;
  NEED(PUBLIC_2025);
  db = load_path(PUBLIC_2025);
  pf_strbuf_init(&sb, (size_t)64 << 20);
  pf_err_clear(&err);
  assert_int_equal(pf_tagdb_extract(db, names, 6, &sb, &err), PF_OK);
  assert_non_null(strstr(sb.buf, "{\n  \"changeNumber\": 375,\n  \"cloud\": "
                                 "\"Public\",\n  \"values\": [\n    {\n"
                                 "      \"name\": \"Storage.WestEurope\",\n"
                                 "      \"id\": \"Storage.WestEurope\",\n"
                                 "      \"properties\": {\n        "
                                 "\"changeNumber\": "));
  assert_non_null(strstr(sb.buf, "\"networkFeatures\": null\n"));
  assert_non_null(strstr(sb.buf, "\"regionId\": "));
  assert_non_null(strstr(sb.buf, "\"platform\": \"Azure\",\n"));
  back = NULL;
  if (pf_tagdb_load_buf(&back, "extract", sb.buf, sb.len, &err) != PF_OK)
    fail_msg("%s", err.msg);
  /* requested order, the repeated name once */
  assert_int_equal(pf_tagdb_count(back), 5);
  assert_string_equal(pf_tagdb_cloud(back), "Public");
  assert_int_equal(pf_tagdb_change_number(back), 375);
  for (i = 0; i < 5; i++)
    same_tag(pf_tagdb_at(back, i), must_find(db, names[i]));
  pf_tagdb_destroy(back);

  /* unknown and computed names */
  {
    const char *bad1[] = {"Storage", "NoSuchTag"};
    const char *bad2[] = {"VirtualNetwork"};
    pf_strbuf_reset(&sb);
    pf_err_clear(&err);
    assert_int_equal(pf_tagdb_extract(db, bad1, 2, &sb, &err),
                     PF_ENOTFOUND);
    assert_string_equal(err.msg, PUBLIC_2025
                        ": no service tag named 'NoSuchTag'");
    pf_err_clear(&err);
    assert_int_equal(pf_tagdb_extract(db, bad2, 1, &sb, &err),
                     PF_ENOTFOUND);
    assert_string_equal(err.msg, PUBLIC_2025
                        ": 'VirtualNetwork' is computed from the "
                        "configuration and is not in the tag file");
  }
  pf_strbuf_release(&sb);
  pf_tagdb_destroy(db);
}

/* Every tag of every real file survives extract + load unchanged. */
static void test_extract_whole_files(void **state)
{
  size_t f, checked = 0;
  (void)state;
  for (f = 0; f < sizeof(facts) / sizeof(facts[0]); f++) {
    char path[1024];
    struct pf_tagdb *db, *back = NULL;
    struct pf_strbuf sb;
    struct pf_err err;
    const char **names;
    size_t i, n;
    snprintf(path, sizeof(path), "%s%s", ST_DIR, facts[f].file);
    if (!have(path))
      continue;
    db = load_path(path);
    n = pf_tagdb_count(db);
    names = pf_calloc(n, sizeof(*names));
    assert_non_null(names);
    for (i = 0; i < n; i++)
      names[i] = pf_tagdb_at(db, i)->name;
    pf_strbuf_init(&sb, (size_t)64 << 20);
    pf_err_clear(&err);
    assert_int_equal(pf_tagdb_extract(db, names, n, &sb, &err), PF_OK);
    if (pf_tagdb_load_buf(&back, "extract", sb.buf, sb.len, &err) != PF_OK)
      fail_msg("%s", err.msg);
    assert_int_equal(pf_tagdb_count(back), n);
    assert_string_equal(pf_tagdb_cloud(back), pf_tagdb_cloud(db));
    assert_int_equal(pf_tagdb_change_number(back),
                     pf_tagdb_change_number(db));
    for (i = 0; i < n; i++)
      same_tag(pf_tagdb_at(back, i), pf_tagdb_at(db, i));
    pf_tagdb_destroy(back);
    pf_strbuf_release(&sb);
    pf_free(names);
    pf_tagdb_destroy(db);
    checked++;
  }
  if (!checked)
    skip();
}

static void test_extract_escaping(void **state)
{
  struct pf_tagdb *db, *back = NULL;
  struct pf_strbuf sb;
  struct pf_err err;
  const char *names[] = {"q\"\\\n\x01\xc3\xa9"};
  (void)state;
  db = load_str("{\"cloud\":\"c\\\"\",\"values\":[{\"name\":"
                "\"q\\\"\\\\\\n\\u0001\\u00e9\",\"id\":\"i\\/d\","
                "\"properties\":{\"region\":\"r\\tx\",\"addressPrefixes\":"
                "[\"10.0.0.0\\/8\"],\"networkFeatures\":[]}}]}");
  pf_strbuf_init(&sb, 1 << 20);
  pf_err_clear(&err);
  assert_int_equal(pf_tagdb_extract(db, names, 1, &sb, &err), PF_OK);
  assert_non_null(strstr(sb.buf, "\"name\": \"q\\\"\\\\\\n\\u0001\xc3\xa9\""));
  assert_non_null(strstr(sb.buf, "\"networkFeatures\": []"));
  if (pf_tagdb_load_buf(&back, "x", sb.buf, sb.len, &err) != PF_OK)
    fail_msg("%s", err.msg);
  same_tag(pf_tagdb_at(back, 0), pf_tagdb_at(db, 0));
  assert_string_equal(pf_tagdb_cloud(back), "c\"");
  assert_int_equal(pf_tagdb_change_number(back), -1);
  pf_tagdb_destroy(back);
  pf_strbuf_release(&sb);
  pf_tagdb_destroy(db);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_real_counts),
      cmocka_unit_test(test_public_fields),
      cmocka_unit_test(test_find),
      cmocka_unit_test(test_computed_names),
      cmocka_unit_test(test_regional),
      cmocka_unit_test(test_contains),
      cmocka_unit_test(test_each_listed),
      cmocka_unit_test(test_per_tag_shape),
      cmocka_unit_test(test_discovery_shape),
      cmocka_unit_test(test_az_cli_shape),
      cmocka_unit_test(test_bad_messages),
      cmocka_unit_test(test_bad_deep_and_truncated),
      cmocka_unit_test(test_load_file_errors),
      cmocka_unit_test(test_extract_round_trip),
      cmocka_unit_test(test_extract_whole_files),
      cmocka_unit_test(test_extract_escaping),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
