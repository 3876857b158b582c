/* SPDX-License-Identifier: MIT */
/* test_sharedkey.c - Shared Key signing (KEY-2): the string-to-sign and
 * the signature against vectors computed independently with Python's
 * hmac, hashlib and base64 modules
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/pf_mem.h"
#include "eval/pf_sharedkey.h"

/* base64 of the bytes 0..63 (a test value, not a key of any account) */
#define KEY "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss" \
  "LS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
#define DATE "Mon, 23 Nov 2026 14:48:39 GMT"
#define NL12 "\n\n\n\n\n\n\n\n\n\n\n\n"

/* python3: sts = "GET" + "\n"*12 + "x-ms-date:" + DATE +
 *   "\nx-ms-version:2021-08-06\n/acct1/acct1/ctr1\nrestype:container"
 * base64.b64encode(hmac.new(base64.b64decode(KEY), sts.encode(),
 *   hashlib.sha256).digest()) */
static void test_path_style(void **state)
{
  struct pf_sk_req r = {"GET", "acct1", "/acct1/ctr1", "restype=container",
                        DATE, PF_SK_VERSION};
  char *sts = NULL, sig[PF_SK_SIG_LEN];
  (void)state;
  assert_int_equal(pf_sk_string_to_sign(&r, &sts), PF_OK);
  assert_string_equal(sts, "GET" NL12 "x-ms-date:" DATE
                      "\nx-ms-version:2021-08-06\n/acct1/acct1/ctr1"
                      "\nrestype:container");
  assert_int_equal(pf_sk_sign(KEY, sts, sig), PF_OK);
  assert_string_equal(sig, "kH/Jbp+zfFs5iOlmcCmGVNp7Bapk2kkQ8K9xI7h43Z0=");
  pf_free(sts);
}

/* Host-style URL, query names lower-cased and sorted. */
static void test_sorted_query(void **state)
{
  struct pf_sk_req r = {"GET", "myacct", "/mycontainer",
                        "restype=container&COMP=list", DATE, PF_SK_VERSION};
  char *sts = NULL, sig[PF_SK_SIG_LEN];
  (void)state;
  assert_int_equal(pf_sk_string_to_sign(&r, &sts), PF_OK);
  assert_string_equal(sts, "GET" NL12 "x-ms-date:" DATE
                      "\nx-ms-version:2021-08-06\n/myacct/mycontainer"
                      "\ncomp:list\nrestype:container");
  assert_int_equal(pf_sk_sign(KEY, sts, sig), PF_OK);
  assert_string_equal(sig, "qV7RCvoFDHS+KhDJXMMpKBpC4m7a/xiMRNLcXccgGog=");
  pf_free(sts);
}

static void test_bad_input(void **state)
{
  struct pf_sk_req r = {"GET", "acct1", "no-slash", NULL, DATE,
                        PF_SK_VERSION};
  char *sts = NULL, sig[PF_SK_SIG_LEN];
  (void)state;
  assert_int_equal(pf_sk_string_to_sign(&r, &sts), PF_EINVAL);
  assert_null(sts);
  assert_int_equal(pf_sk_sign("not base64!", "x", sig), PF_EINVAL);
  assert_int_equal(pf_sk_sign("", "x", sig), PF_EINVAL);
  assert_int_equal(pf_sk_sign("QUJD=QUJD", "x", sig), PF_EINVAL);
}

/* python3: email.utils.formatdate(1795445319, usegmt=True) */
static void test_date(void **state)
{
  char d[PF_SK_DATE_LEN];
  (void)state;
  pf_sk_date((time_t)1795445319, d);
  assert_string_equal(d, DATE);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_path_style),
      cmocka_unit_test(test_sorted_query),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_date),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
