/* SPDX-License-Identifier: MIT */
/* test_fetch.c - the pure parts of the live fetch: Retry-After, backoff,
 * the nextLink origin check, ARM error bodies, token documents, and the
 * subscription / resource group checks (docs/fetch.md)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "load/pf_armrest.h"
#include "load/pf_fetch.h"
#include "load/pf_token.h"

/* Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example) */
#define T1994 ((time_t)784111777)

static void test_retry_after_seconds(void **state)
{
  unsigned s = 99;
  (void)state;
  assert_int_equal(pf_armrest_retry_after("1", 0, &s), 0);
  assert_int_equal(s, 1);
  assert_int_equal(pf_armrest_retry_after(" 120 ", 0, &s), 0);
  assert_int_equal(s, 120);
  assert_int_equal(pf_armrest_retry_after("0", 0, &s), 0);
  assert_int_equal(s, 0);
  /* huge values saturate (the caller caps the wait) */
  assert_int_equal(pf_armrest_retry_after("99999999999999999999", 0, &s), 0);
  assert_int_equal(s, 86400u * 365);
}

static void test_retry_after_date(void **state)
{
  unsigned s = 99;
  (void)state;
  assert_int_equal(pf_armrest_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                      T1994 - 30, &s), 0);
  assert_int_equal(s, 30);
  /* a date in the past: retry now */
  assert_int_equal(pf_armrest_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                      T1994 + 5, &s), 0);
  assert_int_equal(s, 0);
}

static void test_retry_after_bad(void **state)
{
  unsigned s = 7;
  (void)state;
  assert_int_equal(pf_armrest_retry_after(NULL, 0, &s), -1);
  assert_int_equal(pf_armrest_retry_after("", 0, &s), -1);
  assert_int_equal(pf_armrest_retry_after("-1", 0, &s), -1);
  assert_int_equal(pf_armrest_retry_after("1.5", 0, &s), -1);
  assert_int_equal(pf_armrest_retry_after("10s", 0, &s), -1);
  assert_int_equal(pf_armrest_retry_after("tomorrow", 0, &s), -1);
  assert_int_equal(pf_armrest_retry_after("Sun, 06 Nov 1994 08:49:37 GMT x",
                                      0, &s), -1);
  assert_int_equal(s, 7);
}

static void test_backoff(void **state)
{
  (void)state;
  assert_int_equal(pf_armrest_backoff_ms(0, 1000, 60000), 1000);
  assert_int_equal(pf_armrest_backoff_ms(1, 1000, 60000), 2000);
  assert_int_equal(pf_armrest_backoff_ms(3, 1000, 60000), 8000);
  assert_int_equal(pf_armrest_backoff_ms(6, 1000, 60000), 60000);
  assert_int_equal(pf_armrest_backoff_ms(200, 1000, 60000), 60000);
  assert_int_equal(pf_armrest_backoff_ms(5, 0, 60000), 0);
}

static void test_same_origin(void **state)
{
  const char *ep = "https://management.azure.com";
  (void)state;
  assert_true(pf_armrest_same_origin(ep, "https://management.azure.com/"
                                 "subscriptions/x?api-version=1&$skiptoken=2"));
  assert_true(pf_armrest_same_origin(ep, "HTTPS://Management.Azure.COM/x"));
  assert_true(pf_armrest_same_origin("https://127.0.0.1:4443",
                                 "https://127.0.0.1:4443/a?b"));
  assert_false(pf_armrest_same_origin("https://127.0.0.1:4443",
                                  "https://127.0.0.1:4444/a"));
  assert_false(pf_armrest_same_origin(ep, "http://management.azure.com/x"));
  assert_false(pf_armrest_same_origin(ep, "https://management.azure.com.evil.example/x"));
  assert_false(pf_armrest_same_origin(ep, "https://management.azure.com@evil.example/x"));
  assert_false(pf_armrest_same_origin(ep, "https://evil.example/?https://management.azure.com"));
  assert_false(pf_armrest_same_origin(ep, "/subscriptions/x"));
  assert_false(pf_armrest_same_origin(ep, "nextLink"));
  assert_false(pf_armrest_same_origin(ep, ""));
  assert_false(pf_armrest_same_origin(ep, NULL));
}

static void test_error_body(void **state)
{
  char code[64], msg[128];
  const char *b1 = "{\"error\": {\"code\": \"ExpiredAuthenticationToken\", "
                   "\"message\": \"The access token expiry UTC time\"}}";
  const char *b2 = "{\"code\": \"NotFound\", \"message\": \"gone\", "
                   "\"details\": [{\"code\": \"Inner\"}]}";
  const char *b3 = "{\"error\": {\"code\": \"Cut";
  const char *b4 = "{\"code\": \"Outer\", \"error\": {\"code\": \"Inner\", "
                   "\"message\": \"line\\nbreak\"}}";
  (void)state;
  pf_armrest_error_body(b1, strlen(b1), code, sizeof(code), msg, sizeof(msg));
  assert_string_equal(code, "ExpiredAuthenticationToken");
  assert_string_equal(msg, "The access token expiry UTC time");
  pf_armrest_error_body(b2, strlen(b2), code, sizeof(code), msg, sizeof(msg));
  assert_string_equal(code, "NotFound");
  assert_string_equal(msg, "gone");
  pf_armrest_error_body(b3, strlen(b3), code, sizeof(code), msg, sizeof(msg));
  assert_string_equal(msg, "");
  /* the inner error wins; control characters become '?' */
  pf_armrest_error_body(b4, strlen(b4), code, sizeof(code), msg, sizeof(msg));
  assert_string_equal(code, "Inner");
  assert_string_equal(msg, "line?break");
  pf_armrest_error_body(NULL, 0, code, sizeof(code), msg, sizeof(msg));
  assert_string_equal(code, "");
  pf_armrest_error_body("<html>", 6, code, sizeof(code), msg, sizeof(msg));
  assert_string_equal(code, "");
}

static void test_token_az_file(void **state)
{
  struct pf_token t;
  struct pf_err err;
  const char *doc =
      "{\"accessToken\": \"eyJ0eXAi.abc-_~+/==\", \"expiresOn\": "
      "\"2026-11-23 16:20:06.000000\", \"expires_on\": 1795450806, "
      "\"subscription\": \"s\", \"tenant\": \"t\", \"tokenType\": "
      "\"Bearer\"}";
  (void)state;
  pf_err_clear(&err);
  assert_int_equal(pf_token_parse("tok.json", doc, strlen(doc), &t, &err),
                   PF_OK);
  assert_string_equal(t.value, "eyJ0eXAi.abc-_~+/==");
  assert_int_equal((long long)t.expires, 1795450806LL);
  pf_token_release(&t);
  assert_null(t.value);
}

static void test_token_imds(void **state)
{
  struct pf_token t;
  struct pf_err err;
  const char *doc = "{\"access_token\": \"eyJabc\", \"expires_on\": "
                    "\"1795450806\", \"token_type\": \"Bearer\"}";
  (void)state;
  pf_err_clear(&err);
  assert_int_equal(pf_token_parse("imds", doc, strlen(doc), &t, &err), PF_OK);
  assert_string_equal(t.value, "eyJabc");
  assert_int_equal((long long)t.expires, 1795450806LL);
  pf_token_release(&t);
}

/* Errors name the file and the JSON path, never the token. */
static void test_token_bad(void **state)
{
  static const struct {
    const char *doc, *msg;
  } cases[] = {
    {"{\"tokenType\": \"Bearer\"}",
     "tok.json: $: no accessToken (expected the output of 'az account "
     "get-access-token')"},
    {"{\"accessToken\": \"eyJ secret\"}",
     "tok.json: $.accessToken: line 1, column 17: not a bearer token"},
    {"{\"accessToken\": \"eyJsecret\\r\\nX-Evil: 1\"}",
     "tok.json: $.accessToken: line 1, column 17: not a bearer token"},
    {"{\"accessToken\": \"\"}",
     "tok.json: $.accessToken: line 1, column 17: not a bearer token"},
    {"{\"accessToken\": 12}",
     "tok.json: $.accessToken: line 1, column 17: the token must be a "
     "string"},
    {"{\"accessToken\": \"eyJa\", \"accessToken\": \"eyJb\"}",
     "tok.json: $.accessToken: line 1, column 40: the token is given "
     "twice"},
    {"{\"accessToken\": \"eyJa\", \"expires_on\": \"soon\"}",
     "tok.json: $.expires_on: line 1, column 39: expected seconds"},
    {"{\"accessToken\": \"eyJa\", \"expiresOn\": \"23/11/2026\"}",
     "tok.json: $.expiresOn: line 1, column 38: expected a time"},
    {"{\"accessToken\": \"eyJsecret", "tok.json: $.accessToken: line 1"},
    {"[\"eyJsecret\"]", "tok.json: $: line 1, column 1: expected an "
     "object with accessToken"},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct pf_token t;
    struct pf_err err;
    pf_err_clear(&err);
    assert_int_equal(pf_token_parse("tok.json", cases[i].doc,
                                    strlen(cases[i].doc), &t, &err),
                     PF_EPARSE);
    if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)))
      fail_msg("case %zu: '%s'", i, err.msg);
    assert_null(strstr(err.msg, "secret"));
    assert_null(t.value);
  }
}

static void test_token_value(void **state)
{
  struct pf_token t;
  struct pf_err err;
  (void)state;
  pf_err_clear(&err);
  assert_int_equal(pf_token_from_value("eyJabc.def\n", "$AZURE_ACCESS_TOKEN",
                                       &t, &err), PF_OK);
  assert_string_equal(t.value, "eyJabc.def");
  pf_token_release(&t);
  pf_err_clear(&err);
  assert_int_equal(pf_token_from_value("Bearer eyJsecret", "$X", &t, &err),
                   PF_EINVAL);
  assert_null(strstr(err.msg, "secret"));
  assert_false(pf_token_valid("=", 1));
  assert_true(pf_token_valid("a==", 3));
  assert_false(pf_token_valid("a=b", 3));
}

static void test_ids(void **state)
{
  (void)state;
  assert_true(pf_fetch_subscription_ok("00000000-1111-2222-3333-444444444444"));
  assert_true(pf_fetch_subscription_ok("ABCDEF01-abcd-ef01-2345-6789abcdef01"));
  assert_false(pf_fetch_subscription_ok("00000000-1111-2222-3333-44444444444"));
  assert_false(pf_fetch_subscription_ok("00000000_1111-2222-3333-444444444444"));
  assert_false(pf_fetch_subscription_ok("../../../../../../../../../../../x"));
  assert_false(pf_fetch_subscription_ok(NULL));
  assert_true(pf_fetch_group_ok("rg-ml_prod.(weu)"));
  assert_false(pf_fetch_group_ok("rg."));
  assert_false(pf_fetch_group_ok("rg/../x"));
  assert_false(pf_fetch_group_ok("rg?x=1"));
  assert_false(pf_fetch_group_ok(""));
}

static void test_ref_prefix(void **state)
{
  const char *api = NULL;
  const char *sub = "/subscriptions/s/resourceGroups/rg-net/providers/"
                    "Microsoft.Network/virtualNetworks/hub/subnets/aks";
  const char *rule = "/subscriptions/s/resourceGroups/g/providers/"
                     "microsoft.network/networkSecurityGroups/n/"
                     "securityRules/r";
  const char *st = "/subscriptions/s/resourceGroups/g/providers/"
                   "Microsoft.Storage/storageAccounts/acct";
  const char *nic = "/subscriptions/s/resourceGroups/g/providers/"
                    "Microsoft.Network/networkInterfaces/nic/"
                    "ipConfigurations/ip";
  const char *lock = "/subscriptions/s/resourceGroups/g/providers/"
                     "Microsoft.Network/virtualNetworks/v/providers/"
                     "Microsoft.Authorization/locks/l";
  (void)state;
  assert_int_equal(pf_fetch_ref_prefix(sub, strlen(sub), &api),
                   strlen(sub) - strlen("/subnets/aks"));
  assert_string_equal(api, "2023-09-01");
  assert_int_equal(pf_fetch_ref_prefix(rule, strlen(rule), &api),
                   strlen(rule) - strlen("/securityRules/r"));
  assert_int_equal(pf_fetch_ref_prefix(st, strlen(st), &api), strlen(st));
  assert_string_equal(api, "2023-01-01");
  /* NICs are not followed (a subnet lists every NIC in it) */
  assert_int_equal(pf_fetch_ref_prefix(nic, strlen(nic), &api), 0);
  /* a lock on a vnet names the vnet */
  assert_int_equal(pf_fetch_ref_prefix(lock, strlen(lock), &api),
                   strlen(lock) - strlen("/providers/Microsoft."
                                         "Authorization/locks/l"));
  assert_int_equal(pf_fetch_ref_prefix("/subscriptions/s", 16, &api), 0);
  assert_int_equal(pf_fetch_ref_prefix("Microsoft.Storage/storageAccounts/a",
                                       35, &api), 0);
  assert_int_equal(pf_fetch_ref_prefix(st, strlen(st) - strlen("/acct"),
                                       &api), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_retry_after_seconds),
    cmocka_unit_test(test_retry_after_date),
    cmocka_unit_test(test_retry_after_bad),
    cmocka_unit_test(test_backoff),
    cmocka_unit_test(test_same_origin),
    cmocka_unit_test(test_error_body),
    cmocka_unit_test(test_token_az_file),
    cmocka_unit_test(test_token_imds),
    cmocka_unit_test(test_token_bad),
    cmocka_unit_test(test_token_value),
    cmocka_unit_test(test_ids),
    cmocka_unit_test(test_ref_prefix),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
