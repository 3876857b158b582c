/* SPDX-License-Identifier: MIT */
/* report_sarif.c - `--format sarif`: SARIF 2.1.0 for code scanning
 *
 * specification: OASIS SARIF 2.1.0 (errata 01); schema in
 * shared/fixtures/schemas, checked by tests/report/sarif-validate.py.
 *
 * One run.  tool.driver.rules: one reporting descriptor per requirement id
 * met (title, the documented consequence, the source in REQUIREMENTS.md
 * terms, help text and Markdown).  results: every failing result (kind
 * fail, level from the severity) and every unknown one (kind review: an
 * input is missing, a person must look), each located in the input file
 * and line of the offending resource with its JSON pointer (RFC 6901) and
 * ARM id as logical location, and a partial fingerprint that depends only
 * on the rule, the resource and the finding's text, never on the run.
 * Suppressed results carry a `suppressions` entry (external, accepted).
 * Passed results are counted in run.properties, not listed.
 */
#include "report.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/pf_jw.h"
#include "core/pf_mem.h"

#define SARIF_PREFIXES 16

/* A relative path as a URI reference (RFC 3986): unreserved characters
 * and '/' as they are, everything else percent-encoded. */
static void uri_of(const char *path, struct pf_strbuf *sb)
{
  const unsigned char *p = (const unsigned char *)path;
  for (; *p; p++) {
    if (isalnum(*p) || strchr("-._~/", *p))
      pf_strbuf_addc(sb, (char)*p);
    else
      pf_strbuf_addf(sb, "%%%02X", *p);
  }
}

static const char *sev_level(enum pf_sev s)
{
  return s == PF_SEV_ERROR ? "error" : s == PF_SEV_WARNING ? "warning"
                                                           : "note";
}

static const char *security_severity(enum pf_sev s)
{
  return s == PF_SEV_ERROR ? "8.0" : s == PF_SEV_WARNING ? "5.0" : "2.0";
}

struct srule {
  const struct pf_finding *f;   /* first finding of the id */
  int order;
};

static int cmp_srule(const void *a, const void *b)
{
  const struct srule *x = a, *y = b;
  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  return strcmp(x->f->rule, y->f->rule);
}

static size_t rule_index(const struct srule *rules, size_t n,
                         const char *id)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (!strcasecmp(rules[i].f->rule, id))
      return i;
  return 0;
}

static void write_rule(struct pf_jw *jw, const struct pf_finding *f)
{
  struct pf_strbuf t;
  pf_strbuf_init(&t, 1 << 16);
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "id", f->rule);
  pf_jw_key(jw, "shortDescription");
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "text", f->title ? f->title : f->rule);
  pf_jw_obj_end(jw);
  pf_jw_key(jw, "fullDescription");
  pf_jw_obj(jw);
  pf_strbuf_addf(&t, "%s.", f->title ? f->title : f->rule);
  if (f->why)
    pf_strbuf_addf(&t, " %s", f->why);
  pf_jw_kstr(jw, "text", pf_strbuf_str(&t));
  pf_jw_obj_end(jw);
  pf_jw_key(jw, "defaultConfiguration");
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "level", sev_level(f->sev));
  pf_jw_obj_end(jw);
  pf_jw_key(jw, "help");
  pf_jw_obj(jw);
  pf_strbuf_reset(&t);
  pf_strbuf_addf(&t, "%s (%s, severity %s).\n", f->title ? f->title : "",
                 f->rule, pf_sev_name(f->sev));
  if (f->why)
    pf_strbuf_addf(&t, "Why it matters: %s\n", f->why);
  if (f->source)
    pf_strbuf_addf(&t, "Requirement source: %s (REQUIREMENTS.md %s)\n",
                   f->source, f->rule);
  pf_strbuf_adds(&t, "Each result names the resource, the evidence and "
                 "the fix (az CLI, Bicep, Terraform: result properties "
                 "'remediation'); 'preflight rules show ");
  pf_strbuf_addf(&t, "%s' explains the rule.", f->rule);
  pf_jw_kstr(jw, "text", pf_strbuf_str(&t));
  pf_strbuf_reset(&t);
  pf_strbuf_addf(&t, "**%s** (`%s`, severity %s)\n\n",
                 f->title ? f->title : "", f->rule, pf_sev_name(f->sev));
  if (f->why)
    pf_strbuf_addf(&t, "**Why it matters:** %s\n\n", f->why);
  if (f->source)
    pf_strbuf_addf(&t, "**Requirement source:** `%s` (REQUIREMENTS.md "
                   "%s)\n\n", f->source, f->rule);
  pf_strbuf_addf(&t, "Run `preflight check PATH --rules %s` for the "
                 "evidence and the fix, or `preflight fix PATH --rules %s` "
                 "for a reviewed script.", f->rule, f->rule);
  pf_jw_kstr(jw, "markdown", pf_strbuf_str(&t));
  pf_jw_obj_end(jw);
  pf_jw_key(jw, "properties");
  pf_jw_obj(jw);
  pf_jw_key(jw, "tags");
  pf_jw_arr(jw);
  pf_jw_str(jw, "security");
  pf_jw_str(jw, "network");
  pf_jw_str(jw, "azure-machine-learning");
  pf_jw_arr_end(jw);
  pf_jw_kstr(jw, "precision", "high");
  pf_jw_kstr(jw, "problem.severity",
             f->sev == PF_SEV_INFO ? "recommendation" : sev_level(f->sev));
  pf_jw_kstr(jw, "security-severity", security_severity(f->sev));
  pf_jw_kstr(jw, "requirement", f->rule);
  if (f->source)
    pf_jw_kstr(jw, "source", f->source);
  pf_jw_obj_end(jw);
  pf_jw_obj_end(jw);
  pf_strbuf_release(&t);
}

static void write_location(struct pf_jw *jw, const struct pf_report *rep,
                           const struct pf_finding *f)
{
  struct pf_strbuf sb;
  const char *file = f->file ? f->file : rep->n_inputs ? rep->inputs[0]
                                                        : NULL;
  pf_strbuf_init(&sb, 1 << 16);
  pf_jw_key(jw, "locations");
  pf_jw_arr(jw);
  pf_jw_obj(jw);
  if (file) {
    pf_jw_key(jw, "physicalLocation");
    pf_jw_obj(jw);
    pf_jw_key(jw, "artifactLocation");
    pf_jw_obj(jw);
    uri_of(file, &sb);
    pf_jw_kstr(jw, "uri", pf_strbuf_str(&sb));
    pf_jw_obj_end(jw);
    pf_jw_key(jw, "region");
    pf_jw_obj(jw);
    pf_jw_kint(jw, "startLine", f->file && f->line ? (int64_t)f->line : 1);
    pf_jw_obj_end(jw);
    pf_jw_obj_end(jw);
  }
  pf_jw_key(jw, "logicalLocations");
  pf_jw_arr(jw);
  pf_jw_obj(jw);
  if (f->name)
    pf_jw_kstr(jw, "name", f->name);
  pf_jw_kstr(jw, "fullyQualifiedName", *f->resource ? f->resource
                                                    : "(configuration)");
  pf_jw_kstr(jw, "kind", "resource");
  pf_jw_obj_end(jw);
  pf_jw_arr_end(jw);
  if (f->file && f->jpath) {
    pf_strbuf_reset(&sb);
    pf_jw_key(jw, "properties");
    pf_jw_obj(jw);
    if (pf_report_pointer(f->jpath, &sb) == PF_OK)
      pf_jw_kstr(jw, "jsonPointer", pf_strbuf_str(&sb));
    pf_jw_kstr(jw, "jsonPath", f->jpath);
    pf_jw_obj_end(jw);
  }
  pf_jw_obj_end(jw);
  pf_jw_arr_end(jw);
  pf_strbuf_release(&sb);
}

static void write_lines(struct pf_jw *jw, const char *text)
{
  const char *p = text;
  pf_jw_arr(jw);
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    pf_jw_strn(jw, p, n);
    if (!nl)
      break;
    p = nl + 1;
  }
  pf_jw_arr_end(jw);
}

static void write_result(struct pf_jw *jw, const struct pf_report *rep,
                         const struct pf_finding *f, size_t rule_idx)
{
  struct pf_strbuf sb;
  char h[17];
  pf_strbuf_init(&sb, (size_t)16 << 20);
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "ruleId", f->rule);
  pf_jw_kint(jw, "ruleIndex", (int64_t)rule_idx);
  if (f->status == PF_RS_FAIL) {
    pf_jw_kstr(jw, "kind", "fail");
    pf_jw_kstr(jw, "level", sev_level(f->sev));
  } else {
    pf_jw_kstr(jw, "kind", "review");
  }
  pf_jw_key(jw, "message");
  pf_jw_obj(jw);
  pf_strbuf_addf(&sb, "%s%s", f->status == PF_RS_FAIL ? "" : "unknown: ",
                 f->message ? f->message : "");
  pf_jw_kstr(jw, "text", pf_strbuf_str(&sb));
  pf_jw_obj_end(jw);
  write_location(jw, rep, f);
  pf_strbuf_reset(&sb);
  pf_strbuf_addf(&sb, "%s|", f->rule);
  {
    size_t i0 = sb.len, i;
    pf_strbuf_adds(&sb, f->resource);
    for (i = i0; i < sb.len; i++)
      sb.buf[i] = (char)tolower((unsigned char)sb.buf[i]);
  }
  pf_strbuf_addf(&sb, "|%s|%s", f->title ? f->title : "",
                 f->message ? f->message : "");
  pf_report_hash(pf_strbuf_str(&sb), h);
  pf_jw_key(jw, "partialFingerprints");
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "preflightFinding/v1", h);
  pf_jw_obj_end(jw);
  if (f->suppressed) {
    pf_jw_key(jw, "suppressions");
    pf_jw_arr(jw);
    pf_jw_obj(jw);
    pf_jw_kstr(jw, "kind", "external");
    pf_jw_kstr(jw, "status", "accepted");
    pf_jw_kstr(jw, "justification", f->supp_reason);
    if (f->supp_expires) {
      pf_jw_key(jw, "properties");
      pf_jw_obj(jw);
      pf_jw_kstr(jw, "expires", f->supp_expires);
      pf_jw_obj_end(jw);
    }
    pf_jw_obj_end(jw);
    pf_jw_arr_end(jw);
  }
  pf_jw_key(jw, "properties");
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "resource", f->resource);
  if (f->kind)
    pf_jw_kstr(jw, "resourceKind", f->kind);
  pf_jw_kstr(jw, "severity", pf_sev_name(f->sev));
  pf_jw_kstr(jw, "status", pf_rstatus_name(f->status));
  pf_jw_kstr(jw, "view", f->origin);
  if (f->disagrees)
    pf_jw_kstr(jw, "otherViews", f->disagrees);
  pf_strbuf_reset(&sb);
  pf_report_evidence_text(f->evidence, SARIF_PREFIXES, &sb);
  pf_jw_key(jw, "evidence");
  write_lines(jw, pf_strbuf_str(&sb));
  if (f->fix_az || f->fix_bicep || f->fix_terraform) {
    pf_jw_key(jw, "remediation");
    pf_jw_obj(jw);
    pf_jw_kstr(jw, "az", f->fix_az);
    pf_jw_kstr(jw, "bicep", f->fix_bicep);
    pf_jw_kstr(jw, "terraform", f->fix_terraform);
    pf_jw_obj_end(jw);
  }
  pf_jw_obj_end(jw);
  pf_jw_obj_end(jw);
  pf_strbuf_release(&sb);
}

static pf_status write_sarif(const struct pf_report *rep, FILE *o)
{
  struct pf_jw jw;
  struct pf_report_counts c;
  struct srule *rules = NULL;
  size_t n_rules = 0, cap = 0, i, k;

  for (i = 0; i < rep->n; i++) {
    for (k = 0; k < n_rules; k++)
      if (!strcasecmp(rules[k].f->rule, rep->f[i].rule))
        break;
    if (k < n_rules) {
      if (rep->f[i].order < rules[k].order)
        rules[k].order = rep->f[i].order;
      continue;
    }
    if (PF_GROW(rules, cap, n_rules + 1)) {
      pf_free(rules);
      return PF_ENOMEM;
    }
    rules[n_rules].f = &rep->f[i];
    rules[n_rules++].order = rep->f[i].order;
  }
  if (n_rules > 1)
    qsort(rules, n_rules, sizeof(*rules), cmp_srule);
  pf_report_count(rep, &c);

  pf_jw_init(&jw, o, 1);
  pf_jw_obj(&jw);
  pf_jw_kstr(&jw, "$schema", "https://docs.oasis-open.org/sarif/sarif/"
             "v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json");
  pf_jw_kstr(&jw, "version", "2.1.0");
  pf_jw_key(&jw, "runs");
  pf_jw_arr(&jw);
  pf_jw_obj(&jw);
  pf_jw_key(&jw, "tool");
  pf_jw_obj(&jw);
  pf_jw_key(&jw, "driver");
  pf_jw_obj(&jw);
  pf_jw_kstr(&jw, "name", "preflight");
  pf_jw_kstr(&jw, "fullName", "preflight: network preflight validator for "
             "Azure Machine Learning");
  pf_jw_kstr(&jw, "version", rep->version ? rep->version : "unknown");
  if (rep->version)
    pf_jw_kstr(&jw, "semanticVersion", rep->version);
  pf_jw_key(&jw, "rules");
  pf_jw_arr(&jw);
  for (i = 0; i < n_rules; i++)
    write_rule(&jw, rules[i].f);
  pf_jw_arr_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_key(&jw, "invocations");
  pf_jw_arr(&jw);
  pf_jw_obj(&jw);
  pf_jw_kbool(&jw, "executionSuccessful", 1);
  if (rep->n_notes) {
    pf_jw_key(&jw, "toolExecutionNotifications");
    pf_jw_arr(&jw);
    for (i = 0; i < rep->n_notes; i++) {
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "level", "warning");
      pf_jw_key(&jw, "message");
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "text", rep->notes[i]);
      pf_jw_obj_end(&jw);
      pf_jw_obj_end(&jw);
    }
    pf_jw_arr_end(&jw);
  }
  pf_jw_obj_end(&jw);
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "results");
  pf_jw_arr(&jw);
  for (i = 0; i < rep->n; i++)
    if (rep->f[i].status != PF_RS_PASS)
      write_result(&jw, rep, &rep->f[i],
                   rule_index(rules, n_rules, rep->f[i].rule));
  pf_jw_arr_end(&jw);
  pf_jw_kstr(&jw, "columnKind", "unicodeCodePoints");
  pf_jw_key(&jw, "properties");
  pf_jw_obj(&jw);
  pf_jw_kstr(&jw, "profile", rep->profile ? rep->profile : "2020");
  if (rep->tags_path) {
    pf_jw_key(&jw, "serviceTags");
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "path", rep->tags_path);
    pf_jw_kstr(&jw, "cloud", rep->tags_cloud);
    pf_jw_kint(&jw, "changeNumber", rep->tags_change);
    pf_jw_obj_end(&jw);
  }
  pf_jw_key(&jw, "inputs");
  pf_jw_arr(&jw);
  for (i = 0; i < rep->n_inputs; i++)
    pf_jw_str(&jw, rep->inputs[i]);
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "summary");
  pf_jw_obj(&jw);
  pf_jw_key(&jw, "fail");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "error", (int64_t)c.fail[PF_SEV_ERROR]);
  pf_jw_kint(&jw, "warning", (int64_t)c.fail[PF_SEV_WARNING]);
  pf_jw_kint(&jw, "info", (int64_t)c.fail[PF_SEV_INFO]);
  pf_jw_obj_end(&jw);
  pf_jw_kint(&jw, "pass", (int64_t)c.pass);
  pf_jw_kint(&jw, "unknown", (int64_t)c.unknown);
  pf_jw_kint(&jw, "suppressed", (int64_t)c.suppressed);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_arr_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_end(&jw);
  pf_free(rules);
  return ferror(o) ? PF_EIO : PF_OK;
}

const struct pf_report_ops pf_report_sarif_ops = {
  "sarif", "SARIF 2.1.0 for code scanning", write_sarif
};
