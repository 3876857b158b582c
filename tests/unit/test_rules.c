/* SPDX-License-Identifier: MIT */
/* test_rules.c - the requirement catalogue against REQUIREMENTS.md, its
 * tests and its generated documentation
 *
 * A consistency test (curl's test1139 model): every ID that
 * ../shared/REQUIREMENTS.md marks `check` has a rule in rules/ for each
 * profile, with the severity the table gives; every rule cites a seed
 * article, has its messages and its three remediation templates, and is
 * exercised by a test environment (tests/check/<ID>/<pass|fail>[-2023],
 * each named in tests/TESTLIST) or, for rules that can only answer
 * unknown (`needs`), by a golden; docs/rules.md is what `preflight rules
 * doc` prints; and a catalogue with a broken rule is refused with a
 * message naming file, JSON path and cause.
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
#include <sys/stat.h>
#include <unistd.h>

#include "cli/pf_cli.h"
#include "core/pf_err.h"
#include "core/pf_mem.h"
#include "eval/pf_rules.h"

#define REQUIREMENTS PF_TESTS_DIR "/../../shared/REQUIREMENTS.md"
#define RULES_DIR PF_SOURCE_DIR "/rules"
#define CHECK_DIR PF_TESTS_DIR "/check"
#define TESTLIST PF_TESTS_DIR "/TESTLIST"

/* ---- helpers -------------------------------------------------------------- */

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  if (buf)
    buf[n] = '\0';
  fclose(f);
  return buf;
}

static int is_dir(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static struct pf_catalogue *load_catalogue(void)
{
  struct pf_catalogue *cat = NULL;
  struct pf_err err;
  pf_err_clear(&err);
  if (pf_catalogue_load(&cat, RULES_DIR, &err) != PF_OK)
    fail_msg("rules/ does not load: %s", err.msg);
  return cat;
}

/* One `check` row of REQUIREMENTS.md: "| ST-1 | check | ... | error |". */
struct req {
  char id[16];
  char sev[16];
};

/* Parse the table rows whose second cell is "check".  \return the count,
 * or -1 when the file is absent. */
static int read_requirements(struct req *out, int cap)
{
  char *text = slurp(REQUIREMENTS), *line, *save = NULL;
  int n = 0;
  if (!text)
    return -1;
  for (line = strtok_r(text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    char cells[8][256];
    int k = 0;
    const char *p = line;
    if (line[0] != '|')
      continue;
    /* split "| a | b | ... |" into trimmed cells */
    while (*p == '|' && k < 8) {
      const char *q = strchr(p + 1, '|');
      size_t len;
      if (!q)
        break;
      p++;
      while (p < q && *p == ' ')
        p++;
      len = (size_t)(q - p);
      while (len && p[len - 1] == ' ')
        len--;
      if (len >= sizeof(cells[0]))
        len = sizeof(cells[0]) - 1;
      memcpy(cells[k], p, len);
      cells[k][len] = '\0';
      k++;
      p = q;
    }
    if (k < 4 || strcmp(cells[1], "check") || n >= cap)
      continue;
    snprintf(out[n].id, sizeof(out[n].id), "%s", cells[0]);
    snprintf(out[n].sev, sizeof(out[n].sev), "%s", cells[k - 1]);
    n++;
  }
  free(text);
  return n;
}

static int in_profile_only(const struct pf_rule *r, const char *profile)
{
  return r->n_profiles == 1 && !strcmp(r->profiles[0], profile);
}

/* Does the condition tree hold an operator? */
static int has_op(const struct pf_cond *c, enum pf_cop op)
{
  size_t i;
  if (c->op == op)
    return 1;
  for (i = 0; i < c->n_kids; i++)
    if (has_op(&c->kids[i], op))
      return 1;
  return 0;
}

/* ---- the catalogue covers REQUIREMENTS.md --------------------------------- */

static void catalogue_covers_requirements(void **state)
{
  struct req reqs[128];
  struct pf_catalogue *cat;
  int n = read_requirements(reqs, 128), i;
  size_t k;
  (void)state;
  if (n < 0) {
    print_message("skipped: %s is absent\n", REQUIREMENTS);
    skip();
  }
  assert_true(n >= 50);
  cat = load_catalogue();
  for (i = 0; i < n; i++) {
    int any = 0, p2020 = 0, p2023 = 0;
    for (k = 0; k < pf_catalogue_count(cat); k++) {
      const struct pf_rule *r = pf_catalogue_at(cat, k);
      if (strcmp(r->id, reqs[i].id))
        continue;
      any = 1;
      p2020 |= pf_rule_in_profile(r, "2020");
      p2023 |= pf_rule_in_profile(r, "2023");
      if (strcmp(pf_sev_name(r->severity), reqs[i].sev))
        fail_msg("%s (%s %s): severity %s, REQUIREMENTS.md says %s",
                 r->id, r->file, r->jpath, pf_sev_name(r->severity),
                 reqs[i].sev);
    }
    if (!any)
      fail_msg("%s is marked check in REQUIREMENTS.md but has no rule",
               reqs[i].id);
    if (!p2020 || !p2023)
      fail_msg("%s has no rule for profile %s", reqs[i].id,
               p2020 ? "2023" : "2020");
  }
  /* and no rule encodes an ID that is not a check requirement */
  for (k = 0; k < pf_catalogue_count(cat); k++) {
    const struct pf_rule *r = pf_catalogue_at(cat, k);
    int found = 0;
    for (i = 0; i < n; i++)
      found |= !strcmp(r->id, reqs[i].id);
    if (!found)
      fail_msg("rule %s (%s) is not a check requirement of "
               "REQUIREMENTS.md", r->id, r->file);
  }
  pf_catalogue_destroy(cat);
}

/* ---- every rule cites a seed and carries its texts --------------------- */

static int cites_seed(const char *source)
{
  /* "00N_<16 hex>.txt#anchor" */
  const char *p = strstr(source, ".txt#");
  size_t i;
  if (!p || p - source < 20)
    return 0;
  p -= 20;
  if (strncmp(p, "00", 2) || p[3] != '_')
    return 0;
  for (i = 4; i < 20; i++)
    if (!strchr("0123456789abcdef", p[i]))
      return 0;
  return p == source;
}

static void rules_cite_sources_and_fixes(void **state)
{
  struct pf_catalogue *cat = load_catalogue();
  size_t k;
  (void)state;
  assert_true(pf_catalogue_count(cat) > 0);
  for (k = 0; k < pf_catalogue_count(cat); k++) {
    const struct pf_rule *r = pf_catalogue_at(cat, k);
    if (!cites_seed(r->source))
      fail_msg("%s (%s %s): source '%s' does not start with a seed file "
               "and anchor", r->id, r->file, r->jpath, r->source);
    /* a rule of the later profile names the later documentation too */
    if (in_profile_only(r, "2023") && !strchr(r->source, ';'))
      fail_msg("%s (%s %s): a 2023 rule must cite the later documentation "
               "after the seed", r->id, r->file, r->jpath);
    if (!*r->title || !*r->msg_pass || !*r->msg_fail || !r->why ||
        !*r->why)
      fail_msg("%s (%s %s): title, messages and why are required", r->id,
               r->file, r->jpath);
    if (!*r->fix_az || !*r->fix_bicep || !*r->fix_terraform)
      fail_msg("%s (%s %s): all three remediation templates are required",
               r->id, r->file, r->jpath);
  }
  pf_catalogue_destroy(cat);
}

/* ---- every rule is exercised ----------------------------------------------- */

/* \p dir of \p id exists and a TESTLIST line runs it. */
static void env_tested(const char *testlist, const struct pf_rule *r,
                       const char *dir)
{
  char path[1024], ref[256], sel[64];
  snprintf(path, sizeof(path), "%s/%s/%s", CHECK_DIR, r->id, dir);
  if (!is_dir(path))
    fail_msg("%s (%s %s): no test environment tests/check/%s/%s", r->id,
             r->file, r->jpath, r->id, dir);
  snprintf(ref, sizeof(ref), " tests/check/%s/%s ", r->id, dir);
  snprintf(sel, sizeof(sel), "--rules %s ", r->id);
  if (!strstr(testlist, ref))
    fail_msg("tests/check/%s/%s is not run by tests/TESTLIST", r->id, dir);
  {
    /* the line that names the environment selects the rule */
    const char *p = strstr(testlist, ref);
    const char *eol = strchr(p, '\n');
    const char *s = strstr(p, sel);
    if (!s || (eol && s > eol))
      fail_msg("the TESTLIST line of tests/check/%s/%s does not run "
               "--rules %s", r->id, dir, r->id);
  }
}

static void rules_are_exercised(void **state)
{
  struct pf_catalogue *cat = load_catalogue();
  char *testlist = slurp(TESTLIST);
  size_t k;
  (void)state;
  assert_non_null(testlist);
  for (k = 0; k < pf_catalogue_count(cat); k++) {
    const struct pf_rule *r = pf_catalogue_at(cat, k);
    const char *sfx = in_profile_only(r, "2023") ? "-2023" : "";
    char pass[32], fail[32];
    snprintf(pass, sizeof(pass), "pass%s", sfx);
    snprintf(fail, sizeof(fail), "fail%s", sfx);
    if (r->cond->op == PF_COP_NEEDS) {
      /* always unknown: a golden shows the unknown and its message */
      char name[64], sel[64];
      const char *p;
      snprintf(name, sizeof(name), "\ncheck-%s-unknown ", r->id);
      snprintf(sel, sizeof(sel), "--rules %s ", r->id);
      p = strstr(testlist, name);
      if (!p || !strstr(p, sel))
        fail_msg("%s (%s): a needs rule needs a golden check-%s-unknown "
                 "running --rules %s", r->id, r->file, r->id, r->id);
      continue;
    }
    env_tested(testlist, r, pass);
    /* an informational rule always passes: no failing environment */
    if (!has_op(r->cond, PF_COP_INFO))
      env_tested(testlist, r, fail);
  }
  free(testlist);
  pf_catalogue_destroy(cat);
}

/* Every environment belongs to a rule id and a known verdict. */
static void environments_are_named_for_rules(void **state)
{
  struct pf_catalogue *cat = load_catalogue();
  DIR *d = opendir(CHECK_DIR);
  struct dirent *e;
  (void)state;
  assert_non_null(d);
  while ((e = readdir(d)) != NULL) {
    char sub[1024];
    DIR *d2;
    struct dirent *e2;
    size_t k;
    int known = 0;
    if (e->d_name[0] == '.' || e->d_name[0] == '_')
      continue;
    snprintf(sub, sizeof(sub), "%s/%s", CHECK_DIR, e->d_name);
    if (!is_dir(sub))
      continue;
    for (k = 0; k < pf_catalogue_count(cat); k++)
      known |= !strcmp(pf_catalogue_at(cat, k)->id, e->d_name);
    if (!known)
      fail_msg("tests/check/%s names no rule", e->d_name);
    d2 = opendir(sub);
    assert_non_null(d2);
    while ((e2 = readdir(d2)) != NULL) {
      static const char *const ok[] = {"pass", "fail", "pass-2023",
                                       "fail-2023", "pending", NULL};
      size_t i;
      int good = 0;
      if (e2->d_name[0] == '.')
        continue;
      for (i = 0; ok[i]; i++)
        good |= !strcmp(e2->d_name, ok[i]);
      if (!good)
        fail_msg("tests/check/%s/%s: expected pass, fail, pass-2023, "
                 "fail-2023 or pending", e->d_name, e2->d_name);
    }
    closedir(d2);
  }
  closedir(d);
  pf_catalogue_destroy(cat);
}

/* ---- docs/rules.md is generated -------------------------------------------- */

static void doc_matches_generator(void **state)
{
  char cwd[4096];
  char *doc = NULL, *want;
  size_t len = 0;
  FILE *out, *err;
  struct pf_ctx ctx;
  char a0[] = "rules", a1[] = "doc", a2[] = "--rules-dir", a3[] = "rules";
  char *argv[] = {a0, a1, a2, a3, NULL};
  int rc;
  (void)state;
  /* run where `preflight rules doc --rules-dir rules > docs/rules.md` is
   * run, so the "defined in" paths match */
  assert_non_null(getcwd(cwd, sizeof(cwd)));
  assert_int_equal(chdir(PF_SOURCE_DIR), 0);
  out = open_memstream(&doc, &len);
  err = tmpfile();
  assert_non_null(out);
  assert_non_null(err);
  memset(&ctx, 0, sizeof(ctx));
  ctx.out = out;
  ctx.err = err;
  ctx.prog = "preflight";
  rc = cmd_rules(4, argv, &ctx);
  fclose(out);
  fclose(err);
  assert_int_equal(chdir(cwd), 0);
  assert_int_equal(rc, 0);
  want = slurp(PF_SOURCE_DIR "/docs/rules.md");
  if (!want)
    fail_msg("docs/rules.md is missing: run `preflight rules doc "
             "--rules-dir rules > docs/rules.md` in the source tree");
  if (strcmp(doc, want))
    fail_msg("docs/rules.md differs from the catalogue: run `preflight "
             "rules doc --rules-dir rules > docs/rules.md` in the source "
             "tree");
  free(want);
  free(doc);
}

/* ---- broken rules are refused precisely ------------------------------------ */

/* A minimal valid rule; %s slots: an extra member, the condition's left
 * property, the fail message, the profiles. */
static const char rule_fmt[] =
  "{\"area\": \"test\", \"rules\": [{\n"
  "  \"id\": \"KV-2\", \"title\": \"t\", \"severity\": \"error\",\n"
  "  \"source\": \"003_1c3fe92bbd698fc0.txt#use-a-key-vault\",\n"
  "  \"profiles\": [%s], %s\n"
  "  \"applies_to\": \"workspace-keyvault\",\n"
  "  \"condition\": {\"op\": \"contains\", \"left\": \"%s\", "
  "\"right\": \"AzureServices\"},\n"
  "  \"messages\": {\"pass\": \"ok\", \"fail\": \"%s\"},\n"
  "  \"why\": \"w\",\n"
  "  \"remediation\": {\"az\": \"az\", \"bicep\": \"b\", "
  "\"terraform\": \"t\"}\n"
  "}]}\n";

static void expect_refused(const char *extra, const char *prop,
                           const char *fail, const char *profiles,
                           const char *want)
{
  char dir[] = "/tmp/pf-test-rules-XXXXXX", file[64], msg[1200];
  struct pf_catalogue *cat = NULL;
  struct pf_err err;
  FILE *f;
  pf_status st;
  assert_non_null(mkdtemp(dir));
  snprintf(file, sizeof(file), "%s/bad.json", dir);
  f = fopen(file, "w");
  assert_non_null(f);
  fprintf(f, rule_fmt, profiles, extra, prop, fail);
  fclose(f);
  pf_err_clear(&err);
  st = pf_catalogue_load(&cat, dir, &err);
  unlink(file);
  rmdir(dir);
  assert_int_not_equal(st, PF_OK);
  assert_null(cat);
  snprintf(msg, sizeof(msg), "%s: %s", file, want);
  assert_string_equal(err.msg, msg);
}

static void broken_rules_are_refused(void **state)
{
  (void)state;
  /* the template itself loads */
  {
    char dir[] = "/tmp/pf-test-rules-XXXXXX", file[64];
    struct pf_catalogue *cat = NULL;
    struct pf_err err;
    FILE *f;
    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof(file), "%s/ok.json", dir);
    f = fopen(file, "w");
    assert_non_null(f);
    fprintf(f, rule_fmt, "\"2020\"", "", "key_vault.firewall.bypass",
            "vault {key_vault.name} denies");
    fclose(f);
    pf_err_clear(&err);
    assert_int_equal(pf_catalogue_load(&cat, dir, &err), PF_OK);
    assert_int_equal(pf_catalogue_count(cat), 1);
    pf_catalogue_destroy(cat);
    unlink(file);
    rmdir(dir);
  }
  expect_refused("\"severty\": \"error\",", "key_vault.firewall.bypass",
                 "x", "\"2020\"",
                 "$.rules[0].severty: unknown key 'severty' (expected id, "
                 "title, severity, source, profiles, applies_to, "
                 "compute_types, when, condition, messages, why, "
                 "remediation)");
  expect_refused("", "key_vault.firewall.bypas", "x", "\"2020\"",
                 "$.rules[0].condition.left: unknown property "
                 "'key_vault.firewall.bypas' (see 'preflight rules props')");
  expect_refused("", "key_vault.firewall.bypass",
                 "vault {key_vault.nmae} denies", "\"2020\"",
                 "$.rules[0].messages.fail: unknown placeholder "
                 "'{key_vault.nmae}'");
  expect_refused("", "key_vault.firewall.bypass", "x", "\"2021\"",
                 "$.rules[0].profiles: unknown profile '2021' (2020 or "
                 "2023)");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(catalogue_covers_requirements),
    cmocka_unit_test(rules_cite_sources_and_fixes),
    cmocka_unit_test(rules_are_exercised),
    cmocka_unit_test(environments_are_named_for_rules),
    cmocka_unit_test(doc_matches_generator),
    cmocka_unit_test(broken_rules_are_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
