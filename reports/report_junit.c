/* SPDX-License-Identifier: MIT */
/* report_junit.c - `--format junit`: JUnit XML for CI test reporters
 *
 * The structure the common JUnit schema (Jenkins' junit.xsd) describes and
 * Azure DevOps (PublishTestResults, JUnit) and GitHub test reporters read:
 * <testsuites> with one <testsuite> per requirement id and one <testcase>
 * per rule x resource.  A failing result is a <failure> (message: the
 * finding; body: evidence and the az CLI fix); an unknown one is
 * <skipped> with what is missing; a suppressed one is <skipped> with its
 * justification.  Times are 0: the results are not timed, and golden files
 * stay stable.  Checked by tests/report/junit.xsd.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/pf_mem.h"

#define JUNIT_PREFIXES 16

/* XML 1.0 character data or attribute value: markup escaped, characters
 * XML forbids (C0 controls but tab, newline, return) replaced by '?';
 * in attributes newlines and tabs are kept as character references. */
static void xml(FILE *o, const char *s, int attr)
{
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
    case '&': fputs("&amp;", o); break;
    case '<': fputs("&lt;", o); break;
    case '>': fputs("&gt;", o); break;
    case '"': fputs(attr ? "&quot;" : "\"", o); break;
    case '\'': fputs(attr ? "&apos;" : "'", o); break;
    case '\n': fputs(attr ? "&#10;" : "\n", o); break;
    case '\t': fputs(attr ? "&#9;" : "\t", o); break;
    case '\r': fputs("&#13;", o); break;
    default:
      if (c < 0x20 || c == 0x7F)
        fputc('?', o);
      else
        fputc(c, o);
    }
  }
}

struct suite {
  const char *rule;
  const struct pf_finding *first;
  int order;
  size_t tests, failures, skipped;
};

static int cmp_suite(const void *a, const void *b)
{
  const struct suite *x = a, *y = b;
  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  return strcmp(x->rule, y->rule);
}

static void testcase(FILE *o, const struct pf_finding *f, size_t nth)
{
  struct pf_strbuf ev;
  fputs("    <testcase name=\"", o);
  xml(o, f->kind ? f->kind : "resource", 1);
  fputc(' ', o);
  xml(o, f->name ? f->name : f->resource, 1);
  if (strcmp(f->origin, PF_ORIGIN_CHECK)) {
    fputs(" [", o);
    xml(o, f->origin, 1);
    fputc(']', o);
  }
  if (nth > 1)
    fprintf(o, " (%zu)", nth);
  fputs("\" classname=\"preflight.", o);
  xml(o, f->rule, 1);
  fputs("\" time=\"0\"", o);
  if (f->file) {
    fputs(" file=\"", o);
    xml(o, f->file, 1);
    fputc('"', o);
    if (f->line)
      fprintf(o, " line=\"%lu\"", f->line);
  }
  if (f->status == PF_RS_PASS && !f->suppressed) {
    fputs("/>\n", o);
    return;
  }
  fputs(">\n", o);
  if (f->suppressed) {
    fputs("      <skipped message=\"suppressed: ", o);
    xml(o, f->supp_reason, 1);
    if (f->supp_expires) {
      fputs(" (until ", o);
      xml(o, f->supp_expires, 1);
      fputc(')', o);
    }
    fputs("\"/>\n", o);
  } else if (f->status == PF_RS_UNKNOWN) {
    fputs("      <skipped message=\"unknown: ", o);
    xml(o, f->message, 1);
    fputs("\"/>\n", o);
  } else {
    fprintf(o, "      <failure type=\"%s\" message=\"",
            pf_sev_name(f->sev));
    xml(o, f->message, 1);
    fputs("\">", o);
    xml(o, f->message, 0);
    fputc('\n', o);
    if (f->disagrees) {
      fputs("\nThe static and live views disagree: ", o);
      xml(o, f->disagrees, 0);
      fputc('\n', o);
    }
    pf_strbuf_init(&ev, (size_t)16 << 20);
    pf_report_evidence_text(f->evidence, JUNIT_PREFIXES, &ev);
    if (ev.len) {
      fputs("\nEvidence:\n", o);
      xml(o, pf_strbuf_str(&ev), 0);
    }
    pf_strbuf_release(&ev);
    if (f->why) {
      fputs("\nWhy it matters: ", o);
      xml(o, f->why, 0);
      fputc('\n', o);
    }
    if (f->fix_az) {
      fputs("\nFix (az CLI):\n", o);
      xml(o, f->fix_az, 0);
      fputc('\n', o);
    }
    fputs("</failure>\n", o);
  }
  fputs("    </testcase>\n", o);
}

static pf_status write_junit(const struct pf_report *rep, FILE *o)
{
  struct suite *s = NULL;
  struct pf_report_counts c;
  size_t n = 0, cap = 0, i, k, j;

  for (i = 0; i < rep->n; i++) {
    const struct pf_finding *f = &rep->f[i];
    for (k = 0; k < n && strcasecmp(s[k].rule, f->rule); k++)
      ;
    if (k == n) {
      if (PF_GROW(s, cap, n + 1)) {
        pf_free(s);
        return PF_ENOMEM;
      }
      memset(&s[n], 0, sizeof(s[n]));
      s[n].rule = f->rule;
      s[n].first = f;
      s[n].order = f->order;
      n++;
    }
    s[k].tests++;
    if (f->suppressed || f->status == PF_RS_UNKNOWN)
      s[k].skipped++;
    else if (f->status == PF_RS_FAIL)
      s[k].failures++;
  }
  if (n > 1)
    qsort(s, n, sizeof(*s), cmp_suite);
  pf_report_count(rep, &c);
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", o);
  fprintf(o, "<testsuites name=\"preflight\" tests=\"%zu\" failures=\"%zu\" "
          "errors=\"0\" skipped=\"%zu\" time=\"0\">\n", c.total,
          c.fail[0] + c.fail[1] + c.fail[2], c.unknown + c.suppressed);
  for (i = 0; i < n; i++) {
    const struct pf_finding *f = s[i].first;
    fputs("  <testsuite name=\"", o);
    xml(o, f->rule, 1);
    fputs(": ", o);
    xml(o, f->title ? f->title : "", 1);
    fprintf(o, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
            "skipped=\"%zu\" time=\"0\">\n", s[i].tests, s[i].failures,
            s[i].skipped);
    fputs("    <properties>\n", o);
    fprintf(o, "      <property name=\"severity\" value=\"%s\"/>\n",
            pf_sev_name(f->sev));
    if (f->source) {
      fputs("      <property name=\"source\" value=\"", o);
      xml(o, f->source, 1);
      fputs("\"/>\n", o);
    }
    if (rep->profile)
      fprintf(o, "      <property name=\"profile\" value=\"%s\"/>\n",
              rep->profile);
    fputs("    </properties>\n", o);
    for (k = 0; k < rep->n; k++) {
      size_t nth = 1;
      if (strcasecmp(rep->f[k].rule, s[i].rule))
        continue;
      /* same rule, kind and name earlier: number the test case */
      for (j = 0; j < k; j++)
        if (!strcasecmp(rep->f[j].rule, s[i].rule) &&
            !strcasecmp(rep->f[j].resource, rep->f[k].resource) &&
            !strcmp(rep->f[j].origin, rep->f[k].origin))
          nth++;
      testcase(o, &rep->f[k], nth);
    }
    fputs("  </testsuite>\n", o);
  }
  if (rep->n_notes) {
    /* notes (expired suppressions, disagreements) as a suite of their
     * own: reporters show system-err */
    fputs("  <testsuite name=\"preflight notes\" tests=\"0\" failures=\"0\" "
          "errors=\"0\" skipped=\"0\" time=\"0\">\n    <system-err>", o);
    for (i = 0; i < rep->n_notes; i++) {
      xml(o, rep->notes[i], 0);
      fputc('\n', o);
    }
    fputs("</system-err>\n  </testsuite>\n", o);
  }
  fputs("</testsuites>\n", o);
  pf_free(s);
  return ferror(o) ? PF_EIO : PF_OK;
}

const struct pf_report_ops pf_report_junit_ops = {
  "junit", "JUnit XML for CI test reporters", write_junit
};
