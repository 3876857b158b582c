/* SPDX-License-Identifier: MIT */
/* test_key_probe.c - the storage key check's pure parts (KEY-2): the
 * --keys file, the key lookup (environment first), the targets of a
 * configuration and the requests that are not sent
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../probes/pf_key_probe.h"
#include "core/pf_mem.h"
#include "eval/pf_sharedkey.h"
#include "load/pf_load.h"

/* test values, not keys of any account */
#define K1 "a2V5MQ=="
#define K2 "a2V5Mg=="
#define KB "YWNjdGI="

static pf_status parse(struct pf_keysrc *k, const char *json,
                       struct pf_err *err)
{
  pf_keysrc_init(k);
  pf_err_clear(err);
  return pf_keysrc_parse(k, "keys.json", json, strlen(json), err);
}

static char *find(const struct pf_keysrc *k, const char *account, int *arr)
{
  *arr = 0;
  return pf_keysrc_find(k, account, arr);
}

static void free_key(char *s)
{
  if (s) {
    pf_sk_wipe(s, strlen(s));
    pf_free(s);
  }
}

/* The az array: key1 wins wherever it is; it serves any account. */
static void test_array_form(void **state)
{
  struct pf_keysrc k;
  struct pf_err err;
  char *key;
  int arr;
  (void)state;
  unsetenv("PREFLIGHT_KEY_ACCTA");
  assert_int_equal(parse(&k, "[{\"keyName\": \"key2\", \"value\": \"" K2
                         "\", \"permissions\": \"FULL\"}, {\"keyName\": "
                         "\"key1\", \"value\": \"" K1 "\"}]", &err), PF_OK);
  key = find(&k, "accta", &arr);
  assert_non_null(key);
  assert_string_equal(key, K1);
  assert_int_equal(arr, 1);
  free_key(key);
  pf_keysrc_release(&k);
  /* no key1: the first non-empty value */
  assert_int_equal(parse(&k, "[{\"keyName\": \"kerb1\", \"value\": \"\"}, "
                         "{\"keyName\": \"key2\", \"value\": \"" K2 "\"}]",
                         &err), PF_OK);
  key = find(&k, "accta", &arr);
  assert_string_equal(key, K2);
  free_key(key);
  pf_keysrc_release(&k);
}

/* {"<account>": [...]}: by account (any case); the environment first. */
static void test_object_form_and_env(void **state)
{
  struct pf_keysrc k;
  struct pf_err err;
  char *key;
  int arr;
  (void)state;
  unsetenv("PREFLIGHT_KEY_ACCTA");
  unsetenv("PREFLIGHT_KEY_ACCTB");
  assert_int_equal(parse(&k, "{\"accta\": [{\"keyName\": \"key1\", "
                         "\"value\": \"" K1 "\"}], \"AcctB\": [{\"keyName\":"
                         " \"key1\", \"value\": \"" KB "\"}]}", &err), PF_OK);
  key = find(&k, "accta", &arr);
  assert_string_equal(key, K1);
  assert_int_equal(arr, 0);
  free_key(key);
  key = find(&k, "acctb", &arr);
  assert_string_equal(key, KB);
  free_key(key);
  assert_null(find(&k, "acctc", &arr));
  assert_null(find(&k, "a_b", &arr));     /* not an account name */
  setenv("PREFLIGHT_KEY_ACCTA", K2, 1);
  key = find(&k, "accta", &arr);
  assert_string_equal(key, K2);
  free_key(key);
  unsetenv("PREFLIGHT_KEY_ACCTA");
  pf_keysrc_release(&k);
}

static void test_bad_files(void **state)
{
  static const struct {
    const char *json, *msg;
  } c[] = {
    {"", "--keys keys.json: not the JSON of `az storage account keys list`"},
    {"\"x\"", "--keys keys.json: not the JSON of `az storage account keys "
              "list`"},
    {"[{\"keyName\": \"key1\"", "--keys keys.json: not the JSON of `az "
                                "storage account keys list`"},
    {"[] []", "--keys keys.json: not the JSON of `az storage account keys "
              "list`"},
    {"[]", "--keys keys.json: no key value in it"},
    {"[{\"keyName\": \"key1\", \"value\": 5}]",
     "--keys keys.json: no key value in it"},
    {"{\"accta\": {}}", "--keys keys.json: no key value for account "
                        "'accta'"},
    {"{\"accta\": []}", "--keys keys.json: no key value for account "
                        "'accta'"},
  };
  struct pf_keysrc k;
  struct pf_err err;
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
    assert_int_not_equal(parse(&k, c[i].json, &err), PF_OK);
    assert_string_equal(err.msg, c[i].msg);
    pf_keysrc_release(&k);
  }
}

static void test_env_name(void **state)
{
  char b[64];
  (void)state;
  pf_kp_env_name("stMLprod01", b, sizeof(b));
  assert_string_equal(b, "PREFLIGHT_KEY_STMLPROD01");
  pf_kp_env_name("no-dash", b, sizeof(b));
  assert_string_equal(b, "PREFLIGHT_KEY_<ACCOUNT>");
  pf_kp_env_name(NULL, b, sizeof(b));
  assert_string_equal(b, "PREFLIGHT_KEY_<ACCOUNT>");
}

#define DS(name, type, acct, cred, ctr)                                      \
  "{\"id\": \"/subscriptions/00000000-0000-0000-0000-000000000000/"         \
  "resourceGroups/rg/providers/Microsoft.MachineLearningServices/"         \
  "workspaces/mlw/datastores/" name "\", \"name\": \"" name "\", "         \
  "\"type\": \"Microsoft.MachineLearningServices/workspaces/datastores\", " \
  "\"properties\": {\"datastoreType\": \"" type "\", \"accountName\": \""  \
  acct "\", \"credentials\": {\"credentialsType\": \"" cred "\"}, "        \
  "\"containerName\": \"" ctr "\"}}"

static struct pf_config *config(void)
{
  static const char doc[] =
    "{\"value\": ["
    DS("blob_key", "AzureBlob", "accta", "AccountKey", "data") ","
    DS("file_key", "AzureFile", "accta", "AccountKey", "share") ","
    DS("blob_sas", "AzureBlob", "accta", "Sas", "data") ","
    DS("blob_b", "AzureBlob", "acctb", "AccountKey", "Bad_Name") ","
    DS("blob_id", "AzureBlob", "acctc", "None", "data")
    "]}";
  struct pf_config *cfg = NULL;
  struct pf_err err;
  assert_int_equal(pf_config_create(&cfg), PF_OK);
  pf_err_clear(&err);
  if (pf_load_buffer(cfg, "datastores.json", doc, strlen(doc), &err) != PF_OK)
    fail_msg("%s", err.msg);
  assert_int_equal(pf_config_resolve(cfg), PF_OK);
  return cfg;
}

/* Targets in datastore order, URLs only for requests that are sent; a
 * missing key is an error only when asked (keys verify). */
static void test_select(void **state)
{
  struct pf_config *cfg = config();
  struct pf_keysrc k;
  struct pf_kp_opts o;
  struct pf_kp_target *t = NULL;
  struct pf_err err;
  char why[200];
  size_t n = 0;
  (void)state;
  unsetenv("PREFLIGHT_KEY_ACCTA");
  unsetenv("PREFLIGHT_KEY_ACCTB");
  memset(&o, 0, sizeof(o));
  o.base = "https://127.0.0.1:10000/accta/";
  assert_int_equal(parse(&k, "{\"accta\": [{\"keyName\": \"key1\", "
                         "\"value\": \"" K1 "\"}]}", &err), PF_OK);
  /* probe: acctb has no key: a target that is not sent */
  pf_err_clear(&err);
  assert_int_equal(pf_kp_select(cfg, &k, &o, 0, &t, &n, &err), PF_OK);
  assert_int_equal(n, 3);
  assert_string_equal(t[0].d->hdr.name, "blob_key");
  assert_int_equal(t[0].has_key, 1);
  assert_string_equal(t[0].url, "https://127.0.0.1:10000/accta/data"
                      "?restype=container");
  assert_int_equal(pf_kp_unsent(&t[0], why, sizeof(why)), 0);
  assert_string_equal(t[1].d->hdr.name, "file_key");
  assert_null(t[1].url);
  assert_int_equal(pf_kp_unsent(&t[1], why, sizeof(why)), 1);
  assert_string_equal(why, "an AzureFile share: verify checks Blob "
                      "containers only");
  assert_string_equal(t[2].d->hdr.name, "blob_b");
  assert_int_equal(t[2].has_key, 0);
  assert_int_equal(pf_kp_unsent(&t[2], why, sizeof(why)), 1);
  assert_string_equal(why, "no key given for account acctb: set "
                      "PREFLIGHT_KEY_ACCTB or give it in --keys FILE");
  pf_kp_release(t, n);
  /* keys verify: the same is an error, before anything is sent */
  pf_err_clear(&err);
  assert_int_equal(pf_kp_select(cfg, &k, &o, 1, &t, &n, &err), PF_EINVAL);
  assert_string_equal(err.msg, "datastore blob_b holds the key of account "
                      "acctb: set PREFLIGHT_KEY_ACCTB or give --keys FILE");
  assert_null(t);
  assert_int_equal(n, 0);
  /* with acctb's key: the container name is not valid, not sent */
  setenv("PREFLIGHT_KEY_ACCTB", KB, 1);
  pf_err_clear(&err);
  assert_int_equal(pf_kp_select(cfg, &k, &o, 1, &t, &n, &err), PF_OK);
  assert_int_equal(n, 3);
  assert_int_equal(pf_kp_unsent(&t[2], why, sizeof(why)), 1);
  assert_string_equal(why, "no valid container name in the export: not "
                      "sent");
  pf_kp_release(t, n);
  unsetenv("PREFLIGHT_KEY_ACCTB");
  pf_keysrc_release(&k);
  /* the array form serves one account: two need the object form */
  assert_int_equal(parse(&k, "[{\"keyName\": \"key1\", \"value\": \"" K1
                         "\"}]", &err), PF_OK);
  pf_err_clear(&err);
  assert_int_equal(pf_kp_select(cfg, &k, &o, 0, &t, &n, &err), PF_EINVAL);
  assert_string_equal(err.msg, "--keys keys.json holds the keys of one "
                      "account, but accounts accta and acctb need one: use "
                      "{\"<account>\": [...], ...}");
  pf_keysrc_release(&k);
  pf_config_destroy(cfg);
}

/* Requests that are not sent are unknown without touching the network. */
static void test_run_unsent(void **state)
{
  struct pf_config *cfg = config();
  struct pf_keysrc k;
  struct pf_kp_opts o;
  struct pf_kp_target *t = NULL;
  struct pf_err err;
  size_t n = 0, i;
  (void)state;
  unsetenv("PREFLIGHT_KEY_ACCTA");
  unsetenv("PREFLIGHT_KEY_ACCTB");
  memset(&o, 0, sizeof(o));
  pf_keysrc_init(&k);
  pf_err_clear(&err);
  assert_int_equal(pf_kp_select(cfg, &k, &o, 0, &t, &n, &err), PF_OK);
  assert_int_equal(n, 3);     /* the AccountKey ones; no key for any */
  assert_int_equal(pf_kp_run(t, n, &k, &o, &err), PF_OK);
  for (i = 0; i < n; i++) {
    assert_int_equal(t[i].status, PF_KP_UNKNOWN);
    assert_int_equal(t[i].http, 0);
    assert_non_null(strstr(t[i].msg, "no key given for account"));
  }
  assert_string_equal(pf_kp_status_name(PF_KP_FAIL), "fail");
  pf_kp_release(t, n);
  pf_keysrc_release(&k);
  pf_config_destroy(cfg);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_array_form),
    cmocka_unit_test(test_object_form_and_env),
    cmocka_unit_test(test_bad_files),
    cmocka_unit_test(test_env_name),
    cmocka_unit_test(test_select),
    cmocka_unit_test(test_run_unsent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
