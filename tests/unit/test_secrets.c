/* SPDX-License-Identifier: MIT */
/* test_secrets.c - the secret scanner: each detector, look-alikes that
 * must not match, the get_secret dataflow, the corpus, and no planted
 * secret in any output format
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

#include "cli/pf_cli.h"
#include "core/pf_mem.h"
#include "eval/pf_secrets.h"

#define CORPUS PF_TESTS_DIR "/secrets/"

/* fake, random values (tests/secrets/planted.txt holds the corpus's) */
#define KEY88 "7b+IRl8Dre0pqxTCVufYUFZ5GjhDIMQ0lWhy1yyIa8uPrhZmAtIcwftHDHnZ" \
  "OQE+ZWepBCpECCv+Zdcjy2IvSg=="
#define JWT "eyJhbGciOiAiUlMyNTYiLCAidHlwIjogIkpXVCJ9.eyJhdWQiOiAiaHR0cHM6" \
  "Ly9tYW5hZ2VtZW50LmF6dXJlLmNvbSJ9.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl"

static size_t scan(struct pf_secrets *s, const char *file, const char *text)
{
  pf_secrets_init(s);
  assert_int_equal(pf_secrets_scan_buf(s, file, text, strlen(text)), PF_OK);
  pf_secrets_sort(s);
  return s->n;
}

static void expect_one(const char *file, const char *text, const char *rule,
                       const char *kind, unsigned long line,
                       unsigned long col)
{
  struct pf_secrets s;
  size_t n = scan(&s, file, text);
  if (n != 1)
    fail_msg("%s: %zu findings, expected 1 (%s %s)", file, n, rule, kind);
  assert_string_equal(s.f[0].rule, rule);
  assert_string_equal(s.f[0].kind, kind);
  if (line)
    assert_int_equal(s.f[0].line, line);
  if (col)
    assert_int_equal(s.f[0].col, col);
  pf_secrets_release(&s);
}

static void expect_none(const char *file, const char *text)
{
  struct pf_secrets s;
  size_t n = scan(&s, file, text);
  if (n)
    fail_msg("%s: %zu findings, expected none; first %s %s at %lu:%lu "
             "in:\n%s", file, n, s.f[0].rule, s.f[0].kind, s.f[0].line,
             s.f[0].col, text);
  pf_secrets_release(&s);
}

static void test_redact_entropy(void **state)
{
  char out[8];
  (void)state;
  pf_secret_redact("abcdefghijkl", 12, out);
  assert_string_equal(out, "abc...");
  pf_secret_redact(KEY88, 88, out);
  assert_string_equal(out, "7b+I...");
  pf_secret_redact("abc", 3, out);
  assert_string_equal(out, "...");
  assert_true(pf_secret_entropy("aaaa", 4) < 0.01);
  assert_true(pf_secret_entropy(KEY88, 88) > 5.0);
}

static void test_value_detectors(void **state)
{
  (void)state;
  expect_one("a.py", "k = \"" KEY88 "\"\n", "SCR-1", "storage-account-key",
             1, 6);
  expect_one("a.py", "c = 'DefaultEndpointsProtocol=https;AccountName=st;"
             "AccountKey=" KEY88 ";EndpointSuffix=core.windows.net'\n",
             "SCR-1", "connection-string", 1, 0);
  expect_one("a.py", "u = 'https://st.blob.core.windows.net/c?sv=2019-02-02"
             "&sp=r&se=2030-01-01&sig=Zm9yZ2VkU2lnbmF0dXJlRm9yVGVzdHM%3D'\n",
             "SCR-1", "sas-token", 1, 0);
  expect_one("a.py", "h = {'Authorization': 'Bearer " JWT "'}\n", "SCR-1",
             "jwt", 1, 0);
  expect_one("a.py", "h = 'Bearer Zx9qLm2Rt8Vp4Ks7Wd1Yf6Hn3'\n", "SCR-1",
             "bearer-token", 1, 0);
  expect_one("a.cfg", "k = -----BEGIN EC PRIVATE KEY-----\n", "SCR-1",
             "private-key", 1, 5);
  expect_one("a.cfg", "url = mysql://ml:Qz8-vLp2Rm@db:3306/x\n", "SCR-1",
             "url-password", 1, 0);
}

static void test_named(void **state)
{
  (void)state;
  expect_one("a.py", "db_password = \"Tr41n!ng-Db\"\n", "SCR-1", "password",
             1, 16);
  expect_one("a.py", "cfg = {\"clientSecret\": \"Xy7~Qm2.Lp9_Rt4\"}\n",
             "SCR-1", "secret", 1, 0);
  expect_one("a.py", "connect(user='ml', password='Tr41n!ng-Db')\n",
             "SCR-1", "password", 1, 0);
  expect_one(".env", "export API_TOKEN=ghx_4fT9qL2mZ8rW1vK7\n", "SCR-1",
             "token", 1, 18);
  expect_one("a.sh", "python train.py --db-password Sup3r-S3cret-99\n",
             "SCR-1", "password", 1, 0);
  expect_one("x.json", "{\"storage\": {\"accountKey\": \"" KEY88 "\"}}",
             "SCR-1", "storage-account-key", 1, 0);
}

static void test_lookalikes(void **state)
{
  (void)state;
  /* the articles' own pattern */
  expect_none("a.py", "my_secret = os.environ.get(\"MY_SECRET\")\n"
              "keyvault.set_secret(name=\"mysecret\", value = my_secret)\n"
              "secret_value = run.get_secret(name=\"mysecret\")\n"
              "conn = connect(password=secret_value)\n");
  expect_none("a.py", "account_key = os.environ[\"KEY\"]\n"
              "os.environ[\"ACCOUNT_KEY\"] = account_key\n");
  expect_none("a.py", "password = \"<your-password>\"\n"
              "api_key = \"xxxxxxxxxxxxxxxx\"\n"
              "token = \"YOUR_TOKEN_HERE\"\n"
              "account_key='new storage account key'\n"
              "key = \"${{ secrets.KEY }}\"\n");
  expect_none("a.py", "sha = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822"
              "cd15d6c15b0f00a08\"\n"
              "token_hash = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b8"
              "22cd15d6c15b0f00a08\"\n"
              "secret = \"3f9d2c1e-5b7a-4c8e-9d21-6a0b4e7f2c13\"\n"
              "secret_name = \"db-password-2020\"\n"
              "key_vault_name = \"kv-ml-prod-weu\"\n"
              "sort_key = \"timestamp\"\n"
              "if password == \"admin12345\":\n");
  expect_none("a.md.json", "{\"image/png\": \"iVBORw0KGgo\"}");
  /* a base64 image in a notebook output and attachment */
  expect_none("n.ipynb",
              "{\"cells\": [{\"cell_type\": \"code\", \"outputs\": [{\"data\":"
              " {\"image/png\": \"" KEY88 "\"}}], \"attachments\": "
              "{\"a.png\": {\"image/png\": \"" KEY88 "\"}}, \"source\": "
              "[\"plot(df)\\n\"]}]}");
  /* data: URI of exactly key length */
  expect_none("a.md.py", "x = 'data:image/png;base64," KEY88 "'\n");
}

static void test_dataflow(void **state)
{
  struct pf_secrets s;
  (void)state;
  expect_one("r.py", "s = run.get_secret(name='x')\nprint(s)\n", "SCR-2",
             "printed-secret", 2, 1);
  expect_one("r.py", "s = run.get_secret(name='x')\nlogger.info('%s', s)\n",
             "SCR-2", "printed-secret", 2, 1);
  expect_one("r.py", "s = run.get_secret(name='x')\nt = s\n"
             "run.log('v', t)\n", "SCR-2", "printed-secret", 3, 1);
  expect_one("r.py", "print(Run.get_context().get_secret('x'))\n", "SCR-2",
             "printed-secret", 1, 1);
  expect_one("r.py", "s = run.get_secret(name='x')\nprint(f'v={s}')\n",
             "SCR-2", "printed-secret", 2, 1);
  /* reassigned, named in a literal, passed as a keyword name, used */
  expect_none("r.py", "s = run.get_secret(name='x')\nprint('s is set')\n"
              "connect(s=1)\ns = 3\nprint(s)\n");
  assert_int_equal(scan(&s, "n.ipynb",
                        "{\"cells\": [{\"source\": [\"s = run.get_secret('x')"
                        "\\n\", \"print(s)\\n\"]}]}"), 1);
  assert_string_equal(s.f[0].rule, "SCR-2");
  assert_string_equal(s.f[0].name, "s");
  pf_secrets_release(&s);
}

static void test_env_vars(void **state)
{
  (void)state;
  expect_one("job.yml", "command: python t.py\nenvironment_variables:\n"
             "  DB_PASSWORD: Pa55w0rd-Prod!\n  URI: azureml://x\n"
             "compute: c\n", "SEC-6", "password", 3, 16);
  expect_none("job.yml", "environment_variables:\n  DB_PASSWORD: "
              "${{secrets.DB}}\nDB_PASSWORD_FILE: /run/x\n");
  expect_one("job.json", "{\"properties\": {\"environmentVariables\": "
             "{\"STORAGE\": \"" KEY88 "\"}}}", "SEC-6",
             "storage-account-key", 1, 0);
  /* after the block: not an environment variable any more */
  expect_one("job.yml", "env:\n  A: b\npassword: Pa55w0rd-Prod!\n", "SCR-1",
             "password", 3, 0);
}

static void test_corpus(void **state)
{
  struct pf_secrets s;
  struct pf_err err;
  size_t i, scr2 = 0, sec6 = 0;
  (void)state;
  pf_secrets_init(&s);
  pf_err_clear(&err);
  assert_int_equal(pf_secrets_scan_path(&s, CORPUS "negative", &err), PF_OK);
  for (i = 0; i < s.n; i++)
    print_message("false positive: %s:%lu:%lu %s\n", s.f[i].file,
                  s.f[i].line, s.f[i].col, s.f[i].kind);
  assert_int_equal(s.n, 0);
  assert_int_equal(s.files, 5);
  pf_secrets_release(&s);

  pf_secrets_init(&s);
  assert_int_equal(pf_secrets_scan_path(&s, CORPUS "positive", &err), PF_OK);
  for (i = 0; i < s.n; i++) {
    scr2 += !strcmp(s.f[i].rule, "SCR-2");
    sec6 += !strcmp(s.f[i].rule, "SEC-6");
  }
  assert_int_equal(s.n, 23);
  assert_int_equal(scr2, 6);
  assert_int_equal(sec6, 4);
  pf_secrets_release(&s);

  pf_secrets_init(&s);
  assert_int_not_equal(pf_secrets_scan_path(&s, CORPUS "absent", &err),
                       PF_OK);
  pf_secrets_release(&s);
}

/* A symbolic link loop and a link out of the tree are never followed. */
static void test_walk_links(void **state)
{
  char dir[] = "/tmp/pf-secrets-XXXXXX", p[256];
  struct pf_secrets s;
  struct pf_err err;
  FILE *f;
  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(p, sizeof(p), "%s/loop", dir);
  assert_int_equal(symlink(".", p), 0);
  snprintf(p, sizeof(p), "%s/out.py", dir);
  assert_int_equal(symlink(CORPUS "positive/train.py", p), 0);
  snprintf(p, sizeof(p), "%s/a.py", dir);
  assert_non_null(f = fopen(p, "w"));
  fputs("password = \"Tr41n!ng-Db\"\n", f);
  fclose(f);
  pf_secrets_init(&s);
  pf_err_clear(&err);
  assert_int_equal(pf_secrets_scan_path(&s, dir, &err), PF_OK);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.files, 1);
  assert_int_equal(s.skipped, 2);
  pf_secrets_release(&s);
  unlink(p);
  snprintf(p, sizeof(p), "%s/out.py", dir);
  unlink(p);
  snprintf(p, sizeof(p), "%s/loop", dir);
  unlink(p);
  rmdir(dir);
}

static char *slurp(FILE *f, size_t *n)
{
  long sz;
  char *b;
  fflush(f);
  fseek(f, 0, SEEK_END);
  sz = ftell(f);
  rewind(f);
  b = malloc((size_t)sz + 1);
  assert_non_null(b);
  *n = fread(b, 1, (size_t)sz, f);
  b[*n] = '\0';
  return b;
}

/* Every planted secret, in every output format: never printed. */
static void test_no_secret_in_output(void **state)
{
  static const char *const fmts[][6] = {
    {"secrets", "scan", CORPUS "positive", NULL},
    {"secrets", "scan", CORPUS "positive", "--format", "json", NULL},
    {"secrets", "scan", CORPUS "positive", "--fail-on", "never", NULL},
  };
  char line[512], *outs[3], *errs[3];
  size_t i, k, n, planted = 0;
  FILE *pf;
  (void)state;
  for (i = 0; i < 3; i++) {
    struct pf_ctx ctx;
    char *argv[7];
    int rc;
    for (k = 0; fmts[i][k]; k++)
      argv[k] = (char *)(uintptr_t)fmts[i][k];
    argv[k] = NULL;
    memset(&ctx, 0, sizeof(ctx));
    ctx.out = tmpfile();
    ctx.err = tmpfile();
    ctx.prog = "preflight";
    assert_non_null(ctx.out);
    assert_non_null(ctx.err);
    rc = cmd_secrets((int)k, argv, &ctx);
    assert_int_equal(rc, i == 2 ? PF_EXIT_OK : PF_EXIT_FINDINGS);
    outs[i] = slurp(ctx.out, &n);
    errs[i] = slurp(ctx.err, &n);
    fclose(ctx.out);
    fclose(ctx.err);
  }
  assert_non_null(strstr(outs[1], "\"rule\": \"SEC-6\""));
  pf = fopen(CORPUS "planted.txt", "r");
  assert_non_null(pf);
  while (fgets(line, sizeof(line), pf)) {
    size_t l = strcspn(line, "\r\n");
    line[l] = '\0';
    if (l < 8)
      continue;
    planted++;
    for (i = 0; i < 3; i++) {
      /* the whole value, and every 8-byte piece of it */
      for (k = 0; k + 8 <= l; k++) {
        char piece[9];
        memcpy(piece, line + k, 8);
        piece[8] = '\0';
        if (strstr(outs[i], piece) || strstr(errs[i], piece))
          fail_msg("output %zu holds part of a planted secret", i);
      }
    }
  }
  fclose(pf);
  assert_true(planted >= 10);
  for (i = 0; i < 3; i++) {
    free(outs[i]);
    free(errs[i]);
  }
}

/* keys plan reads datastores whose export holds the account key: the key
 * never reaches the runbook, in either format. */
static void test_keys_plan_no_key(void **state)
{
  static const char *const fmts[][7] = {
    {"keys", "plan", "--account", "stkeysweu", CORPUS "keys", NULL},
    {"keys", "plan", "--account", "stkeysweu", CORPUS "keys", "--format=json",
     NULL},
  };
  char key[256], *out;
  size_t i, k, n;
  FILE *pf = fopen(CORPUS "keys/planted.txt", "r");
  (void)state;
  assert_non_null(pf);
  assert_non_null(fgets(key, sizeof(key), pf));
  fclose(pf);
  key[strcspn(key, "\r\n")] = '\0';
  for (i = 0; i < 2; i++) {
    struct pf_ctx ctx;
    char *argv[8];
    for (k = 0; fmts[i][k]; k++)
      argv[k] = (char *)(uintptr_t)fmts[i][k];
    argv[k] = NULL;
    memset(&ctx, 0, sizeof(ctx));
    ctx.out = tmpfile();
    ctx.err = tmpfile();
    ctx.prog = "preflight";
    assert_int_equal(cmd_keys((int)k, argv, &ctx), PF_EXIT_OK);
    out = slurp(ctx.out, &n);
    assert_non_null(strstr(out, "sync-keys -w mlw-keys -g rg-ml-keys"));
    assert_non_null(strstr(out, "training_data"));
    assert_null(strstr(out, key));
    assert_null(strstr(out, "Wm9yZ2Vk"));
    free(out);
    fclose(ctx.out);
    fclose(ctx.err);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_redact_entropy),
      cmocka_unit_test(test_value_detectors),
      cmocka_unit_test(test_named),
      cmocka_unit_test(test_lookalikes),
      cmocka_unit_test(test_dataflow),
      cmocka_unit_test(test_env_vars),
      cmocka_unit_test(test_corpus),
      cmocka_unit_test(test_walk_links),
      cmocka_unit_test(test_no_secret_in_output),
      cmocka_unit_test(test_keys_plan_no_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
