/* SPDX-License-Identifier: MIT */
/* test_report.c - the report model (reports/): JSON path to RFC 6901
 * pointer, secret redaction, fingerprints, suppressions in both formats,
 * reading results back, merging static and live views, and every writer
 * on the same findings (escaping in XML, HTML and Markdown)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../reports/report.h"
#include "core/pf_mem.h"

#define EXAMPLE_CHECK PF_TESTS_DIR "/report/example-check.json"
#define EXAMPLE_PROBE PF_TESTS_DIR "/report/example-probe.json"

static char *tmp_file(const char *text)
{
  char *path = strdup("/tmp/pf-test-report-XXXXXX");
  int fd = mkstemp(path);
  FILE *f;
  assert_true(fd >= 0);
  f = fdopen(fd, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static void pointer_is(const char *jpath, const char *want)
{
  struct pf_strbuf sb;
  pf_strbuf_init(&sb, 4096);
  assert_int_equal(pf_report_pointer(jpath, &sb), PF_OK);
  assert_string_equal(pf_strbuf_str(&sb), want);
  pf_strbuf_release(&sb);
}

static void json_path_to_pointer(void **state)
{
  struct pf_strbuf sb;
  (void)state;
  pointer_is("$", "");
  pointer_is("$[1]", "/1");
  pointer_is("$.value[3].properties", "/value/3/properties");
  pointer_is("$.resources[0][\"a/b~c\"]", "/resources/0/a~1b~0c");
  pointer_is("$[\"quote\\\"d\"]", "/quote\"d");
  pf_strbuf_init(&sb, 4096);
  assert_int_equal(pf_report_pointer("a.b", &sb), PF_EINVAL);
  assert_int_equal(pf_report_pointer("$[x]", &sb), PF_EINVAL);
  pf_strbuf_release(&sb);
}

static void secrets_are_redacted(void **state)
{
  struct pf_report rep;
  const char *s;
  (void)state;
  pf_report_init(&rep);
  s = pf_report_str(&rep, "conn DefaultEndpointsProtocol=https;AccountName="
                    "st;AccountKey=abcDEF123/+xyz==;EndpointSuffix=x");
  assert_null(strstr(s, "abcDEF123"));
  assert_non_null(strstr(s, "AccountKey=***REDACTED***;EndpointSuffix"));
  s = pf_report_str(&rep, "https://st.blob.core.windows.net/c?sv=2022&"
                    "sig=c2VjcmV0c2lnbmF0dXJl%3D&se=2030");
  assert_null(strstr(s, "c2VjcmV0"));
  s = pf_report_str(&rep, "key Q2FudGFyZWxsYVNlY3JldEtleUZvclByZWZsaWdodF"
                    "Rlc3RzT25seTEyMzQ1Njc4OTA= end");
  assert_string_equal(s, "key ***REDACTED*** end");
  s = pf_report_str(&rep, "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3"
                    "ODkwIn0.c2lnbmF0dXJl");
  assert_string_equal(s, "Bearer ***REDACTED***");
  /* ordinary text, ARM ids and prefixes stay as they are */
  s = pf_report_str(&rep, "/subscriptions/3f9d2c1e-5b7a-4c8e-9d21-6a0b4e7f2c1"
                    "3/resourceGroups/rg/providers/Microsoft.Network/"
                    "networkSecurityGroups/nsg 10.0.0.0/8 priority=100");
  assert_null(strstr(s, "REDACTED"));
  assert_null(pf_report_str(&rep, NULL));
  pf_report_release(&rep);
}

static void fingerprint_hash_is_stable(void **state)
{
  char a[17], b[17];
  (void)state;
  pf_report_hash("NSG-1|/subscriptions/x|title|message", a);
  pf_report_hash("NSG-1|/subscriptions/x|title|message", b);
  assert_string_equal(a, b);
  assert_int_equal(strlen(a), 16);
  pf_report_hash("", a);
  assert_string_equal(a, "cbf29ce484222325");   /* FNV-1a offset basis */
}

static void baseline_line_format(void **state)
{
  struct pf_baseline *b = NULL;
  struct pf_err err;
  char *path = tmp_file(
      "# comment\n\n"
      "NSG-*  */computes/ci-*  expires=2999-01-01  owner accepted the risk\n"
      "KV-1   kv-main  no expiry here\n"
      "ST-1   old  expires=2000-01-01  expired long ago\n"
      "UDR-1  nothing  expires=2999-01-01  matches nothing\n");
  int i;
  (void)state;
  pf_err_clear(&err);
  assert_int_equal(pf_baseline_load(&b, path, &err), PF_OK);
  i = pf_baseline_match(b, "NSG-5", "/subscriptions/s/resourceGroups/r/"
                        "providers/Microsoft.MachineLearningServices/"
                        "workspaces/w/computes/ci-01", "ci-01",
                        "2026-01-01");
  assert_int_equal(i, 0);
  assert_string_equal(pf_baseline_reason(b, i), "owner accepted the risk");
  assert_string_equal(pf_baseline_expires(b, i), "2999-01-01");
  i = pf_baseline_match(b, "kv-1", "/x/vaults/kv-main", "KV-MAIN",
                        "2026-01-01");
  assert_int_equal(i, 1);
  assert_string_equal(pf_baseline_expires(b, i), "");
  /* expired: no longer suppresses */
  assert_int_equal(pf_baseline_match(b, "ST-1", "/x/old", "old",
                                     "2026-01-01"), -1);
  assert_int_equal(pf_baseline_match(b, "ST-1", "/x/old", "old",
                                     "1999-12-31"), 2);
  pf_baseline_destroy(b);
  unlink(path);
  free(path);
}

static void baseline_errors(void **state)
{
  struct pf_baseline *b = NULL;
  struct pf_err err;
  char *p1 = tmp_file("NSG-1 x expires=2999-01-01\n");
  char *p2 = tmp_file("{\"suppressions\": [{\"resource\": \"x\"}]}");
  char *p3 = tmp_file("[{\"rule\": \"A\", \"justification\": \"ok\", "
                      "\"expires\": \"2026-02-30x\"}]");
  (void)state;
  pf_err_clear(&err);
  assert_int_equal(pf_baseline_load(&b, p1, &err), PF_EINVAL);
  assert_non_null(strstr(err.msg, ": line 1: a justification is required"));
  pf_err_clear(&err);
  assert_int_equal(pf_baseline_load(&b, p2, &err), PF_EINVAL);
  assert_non_null(strstr(err.msg, "$.suppressions[0].rule: missing"));
  pf_err_clear(&err);
  assert_int_equal(pf_baseline_load(&b, p3, &err), PF_EINVAL);
  assert_non_null(strstr(err.msg, "$[0]: expires must be a date"));
  assert_null(b);
  unlink(p1);
  unlink(p2);
  unlink(p3);
  free(p1);
  free(p2);
  free(p3);
}

static void read_merge_and_suppress(void **state)
{
  struct pf_report rep;
  struct pf_report_counts c;
  struct pf_baseline *b = NULL;
  struct pf_err err;
  char *bl = tmp_file("NSG-4 ci-data-science-01 expires=2999-01-01 ok\n"
                      "XX-9 nothing expires=2999-01-01 unused\n");
  size_t i, n_check, disagree = 0;
  (void)state;
  pf_report_init(&rep);
  pf_err_clear(&err);
  assert_int_equal(pf_report_read(&rep, EXAMPLE_CHECK, &err), PF_OK);
  n_check = rep.n;
  /* the same document twice: duplicates are dropped */
  assert_int_equal(pf_report_read(&rep, EXAMPLE_CHECK, &err), PF_OK);
  assert_int_equal(pf_report_read(&rep, EXAMPLE_PROBE, &err), PF_OK);
  assert_int_equal(pf_report_merge(&rep), PF_OK);
  assert_int_equal(rep.n, n_check + 3);
  for (i = 0; i < rep.n; i++)
    if (rep.f[i].disagrees)
      disagree++;
  assert_int_equal(disagree, 4);   /* NSG-5 and NSG-1, both views each */
  assert_int_equal(pf_baseline_load(&b, bl, &err), PF_OK);
  assert_int_equal(pf_baseline_apply(b, &rep, "2026-01-01", NULL, NULL),
                   PF_OK);
  pf_report_count(&rep, &c);
  assert_int_equal(c.suppressed, 1);
  assert_int_equal(c.fail[PF_SEV_ERROR], 15 - 1 + 2);
  assert_int_equal(c.disagree, 4);
  /* notes: two disagreements, one unused entry */
  assert_int_equal(rep.n_notes, 3);
  assert_non_null(strstr(rep.notes[2], "XX-9 nothing matches no result"));
  pf_baseline_destroy(b);
  pf_report_release(&rep);
  unlink(bl);
  free(bl);
}

static void read_errors_name_file_and_path(void **state)
{
  struct pf_report rep;
  struct pf_err err;
  char *p = tmp_file("{\"results\": [{\"rule\": \"A\", \"severity\": "
                     "\"fatal\", \"status\": \"fail\", \"message\": \"m\"}]}");
  (void)state;
  pf_report_init(&rep);
  pf_err_clear(&err);
  assert_int_equal(pf_report_read(&rep, p, &err), PF_EPARSE);
  assert_non_null(strstr(err.msg, ": $.results[0].severity: expected "
                                  "error, warning or info"));
  assert_int_equal(strncmp(err.msg, p, strlen(p)), 0);
  pf_report_release(&rep);
  unlink(p);
  free(p);
}

/* One finding full of markup goes through every writer escaped. */
static void writers_escape(void **state)
{
  static const char *const names[] = {"markdown", "html", "sarif", "junit"};
  struct pf_report rep;
  struct pf_finding *f;
  size_t i;
  (void)state;
  pf_report_init(&rep);
  rep.version = "0.0.0";
  f = pf_report_new(&rep);
  assert_non_null(f);
  f->rule = "NSG-1";
  f->title = "a <b> & \"c\" | `d`";
  f->sev = PF_SEV_ERROR;
  f->status = PF_RS_FAIL;
  f->resource = "/x/<script>alert(1)</script>";
  f->kind = "compute";
  f->name = "<script>alert(1)</script>";
  f->message = "blocked ]]> & <!-- \x01 --> \"quoted\"";
  f->evidence = "[{\"kind\":\"compare\",\"property\":\"p<\",\"value\":\"v\","
                "\"op\":\"eq\",\"expected\":\"e&\",\"result\":\"false\"}]";
  f->fix_az = "echo '</pre><script>x</script>'";
  for (i = 0; i < 4; i++) {
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    const struct pf_report_ops *ops = pf_report_ops_find(names[i]);
    assert_non_null(ops);
    assert_int_equal(ops->write(&rep, o), PF_OK);
    fclose(o);
    if (i == 0) {
      /* Markdown: only inside code spans and fenced blocks */
      const char *p;
      for (p = buf; (p = strstr(p, "<script>alert")); p++)
        assert_true(p > buf && p[-1] == '`');
      assert_non_null(strstr(buf, "```bash\necho '</pre><script>"));
    } else if (i != 2) {   /* SARIF is JSON: markup is data there */
      assert_null(strstr(buf, "<script>alert"));
      assert_null(strstr(buf, "</pre><script>"));
    }
    if (i == 3) {
      assert_null(strstr(buf, "\x01"));
      assert_non_null(strstr(buf, "&lt;script&gt;"));
    }
    free(buf);
  }
  assert_null(pf_report_ops_find("pdf"));
  assert_ptr_equal(pf_report_ops_find("md"), &pf_report_markdown_ops);
  pf_report_release(&rep);
}

static void evidence_text_cuts_prefix_lists(void **state)
{
  struct pf_strbuf sb;
  (void)state;
  pf_strbuf_init(&sb, 1 << 16);
  assert_int_equal(pf_report_evidence_text(
                       "[{\"kind\":\"route\",\"subnet\":\"s\",\"destination\":"
                       "\"T\",\"required_next_hop\":\"Internet\",\"result\":"
                       "\"false\",\"parts\":[{\"prefixes\":[\"1.0.0.0/8\","
                       "\"2.0.0.0/8\",\"3.0.0.0/8\"],\"next_hop\":"
                       "\"VirtualAppliance\",\"route\":\"r\"}]}]",
                       2, &sb),
                   PF_OK);
  assert_string_equal(pf_strbuf_str(&sb),
                      "routes of s for T: some prefixes leave elsewhere\n"
                      "  1.0.0.0/8 2.0.0.0/8 ... (3 prefixes in all) -> "
                      "VirtualAppliance (route r)\n");
  assert_int_equal(pf_report_evidence_text("[", 0, &sb), PF_EPARSE);
  pf_strbuf_release(&sb);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(json_path_to_pointer),
    cmocka_unit_test(secrets_are_redacted),
    cmocka_unit_test(fingerprint_hash_is_stable),
    cmocka_unit_test(baseline_line_format),
    cmocka_unit_test(baseline_errors),
    cmocka_unit_test(read_merge_and_suppress),
    cmocka_unit_test(read_errors_name_file_and_path),
    cmocka_unit_test(writers_escape),
    cmocka_unit_test(evidence_text_cuts_prefix_lists),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
