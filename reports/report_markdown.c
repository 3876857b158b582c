/* SPDX-License-Identifier: MIT */
/* report_markdown.c - `--format markdown`: a report for a pull-request
 * comment or a change ticket
 *
 * Summary table by requirement, then for each failing requirement: what is
 * wrong (per resource), the evidence (blocked prefixes, deciding rule,
 * route), why it matters (the rule's documented consequence) and the fix as
 * az CLI, Bicep and Terraform in fenced blocks.  Unknown, suppressed and
 * passed results follow, then the notes.  GitHub-flavoured Markdown;
 * nothing depends on HTML except the collapsed list of passed results.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/pf_mem.h"

#define MD_PREFIXES 8

/* Text with Markdown's active characters escaped; newlines become spaces
 * (table cells) or stay (\p keep_nl). */
static void md(FILE *o, const char *s, int keep_nl)
{
  for (; s && *s; s++) {
    if (strchr("\\`*_[]<>|#~", *s))
      fputc('\\', o);
    if (*s == '\n' && !keep_nl)
      fputc(' ', o);
    else
      fputc(*s, o);
  }
}

/* An inline code span: backticks inside need a longer delimiter; a
 * newline would end a table row, so it becomes a space. */
static void code(FILE *o, const char *s)
{
  size_t run = 0, best = 0, n;
  const char *p;
  for (p = s; p && *p; p++) {
    run = *p == '`' ? run + 1 : 0;
    if (run > best)
      best = run;
  }
  for (n = 0; n <= best; n++)
    fputc('`', o);
  if (best)
    fputc(' ', o);
  for (p = s; p && *p; p++)
    fputc(*p == '\n' || *p == '|' ? ' ' : *p, o);
  if (best)
    fputc(' ', o);
  for (n = 0; n <= best; n++)
    fputc('`', o);
}

/* A fence longer than any backtick run in \p s (CommonMark 4.5). */
static void fenced(FILE *o, const char *lang, const char *s)
{
  size_t run = 0, best = 2, n;
  const char *p;
  for (p = s; *p; p++) {
    run = *p == '`' ? run + 1 : 0;
    if (run > best)
      best = run;
  }
  for (n = 0; n <= best; n++)
    fputc('`', o);
  fprintf(o, "%s\n%s", lang, s);
  if (*s && s[strlen(s) - 1] != '\n')
    fputc('\n', o);
  for (n = 0; n <= best; n++)
    fputc('`', o);
  fputs("\n\n", o);
}

struct rule_row {
  const char *rule, *title;
  int order;
  enum pf_sev sev;
  size_t fail, unknown, pass, suppressed;
};

static int cmp_rows(const void *a, const void *b)
{
  const struct rule_row *x = a, *y = b;
  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  return strcmp(x->rule, y->rule);
}

static int in_row(const struct pf_finding *f, const struct rule_row *r)
{
  return !strcasecmp(r->rule, f->rule) &&
         !strcmp(r->title ? r->title : "", f->title ? f->title : "");
}

/* One row per requirement id and title (an id may have several aspects,
 * OUT-1 one per service tag), in catalogue order. */
static struct rule_row *rule_rows(const struct pf_report *rep, size_t *n)
{
  struct rule_row *rows = NULL;
  size_t i, k, cap = 0;
  *n = 0;
  for (i = 0; i < rep->n; i++) {
    const struct pf_finding *f = &rep->f[i];
    for (k = 0; k < *n && !in_row(f, &rows[k]); k++)
      ;
    if (k == *n) {
      if (PF_GROW(rows, cap, *n + 1)) {
        pf_free(rows);
        *n = 0;
        return NULL;
      }
      memset(&rows[k], 0, sizeof(rows[k]));
      rows[k].rule = f->rule;
      rows[k].title = f->title;
      rows[k].order = f->order;
      rows[k].sev = f->sev;
      (*n)++;
    }
    if (f->order < rows[k].order)
      rows[k].order = f->order;
    if (f->suppressed)
      rows[k].suppressed++;
    else if (f->status == PF_RS_FAIL)
      rows[k].fail++;
    else if (f->status == PF_RS_UNKNOWN)
      rows[k].unknown++;
    else
      rows[k].pass++;
  }
  if (*n > 1)
    qsort(rows, *n, sizeof(*rows), cmp_rows);
  return rows;
}

static void header(const struct pf_report *rep, FILE *o,
                   const struct pf_report_counts *c)
{
  size_t failed = c->fail[0] + c->fail[1] + c->fail[2];
  fputs("# preflight report\n\n", o);
  fprintf(o, "**%s%zu failed** (%zu error, %zu warning, %zu info) · %zu "
          "passed · %zu unknown", failed ? "" : "✓ ", failed,
          c->fail[PF_SEV_ERROR], c->fail[PF_SEV_WARNING],
          c->fail[PF_SEV_INFO], c->pass, c->unknown);
  if (c->suppressed)
    fprintf(o, " · %zu suppressed", c->suppressed);
  if (c->disagree)
    fprintf(o, " · %zu where the static and live views disagree",
            c->disagree);
  fputs("\n\n", o);
  fprintf(o, "Profile %s", rep->profile ? rep->profile : "2020");
  if (rep->tags_path) {
    fputs(" · service tags ", o);
    code(o, rep->tags_path);
    fprintf(o, " (cloud %s, change number %lld)",
            rep->tags_cloud ? rep->tags_cloud : "?",
            (long long)rep->tags_change);
  } else {
    fputs(" · no service tag file (tag-dependent results are unknown)", o);
  }
  fprintf(o, " · %zu input file%s", rep->n_inputs,
          rep->n_inputs == 1 ? "" : "s");
  if (rep->n_docs)
    fprintf(o, " · merged from %zu results document%s", rep->n_docs,
            rep->n_docs == 1 ? "" : "s");
  fprintf(o, " · preflight %s\n\n", rep->version ? rep->version : "?");
}

static void summary_table(FILE *o, const struct rule_row *rows, size_t n)
{
  size_t i;
  fputs("| Requirement | Severity | Failed | Unknown | Passed | What must "
        "hold |\n|---|---|---:|---:|---:|---|\n", o);
  for (i = 0; i < n; i++) {
    const struct rule_row *r = &rows[i];
    fprintf(o, "| %s%s%s | %s | %zu%s | %zu | %zu | ", r->fail ? "**" : "",
            r->rule, r->fail ? "**" : "", pf_sev_name(r->sev), r->fail,
            r->suppressed ? " (+suppressed)" : "", r->unknown, r->pass);
    md(o, r->title ? r->title : "", 0);
    fputs(" |\n", o);
  }
  fputc('\n', o);
}

static const char *subject(const struct pf_finding *f)
{
  return f->name ? f->name : f->resource;
}

static void one_failure(const struct pf_report *rep, FILE *o,
                        const struct pf_finding *f,
                        const struct pf_finding *prev)
{
  struct pf_strbuf ev;
  (void)rep;
  fprintf(o, "#### %s ", f->kind ? f->kind : "resource");
  code(o, subject(f));
  if (strcmp(f->origin, PF_ORIGIN_CHECK))
    fprintf(o, " (%s)", f->origin);
  fputs("\n\n", o);
  md(o, f->message, 0);
  fputs("\n\n", o);
  if (f->disagrees) {
    fputs("> **The static and live views disagree:** ", o);
    fprintf(o, "%s says %s; ", f->origin, pf_rstatus_name(f->status));
    md(o, f->disagrees, 0);
    fputs(".\n\n", o);
  }
  if (f->file) {
    fputs("Resource: ", o);
    code(o, f->file);
    if (f->line)
      fprintf(o, " line %lu", f->line);
    if (f->jpath) {
      fputs(" at ", o);
      code(o, f->jpath);
    }
    fputs("\n\n", o);
  }
  pf_strbuf_init(&ev, (size_t)16 << 20);
  pf_report_evidence_text(f->evidence, MD_PREFIXES, &ev);
  if (ev.len) {
    fputs("Evidence:\n\n", o);
    fenced(o, "text", pf_strbuf_str(&ev));
  }
  pf_strbuf_release(&ev);
  if (prev && prev->fix_az && f->fix_az && !strcmp(prev->fix_az, f->fix_az)) {
    fputs("Fix: the same as above.\n\n", o);
    return;
  }
  if (f->fix_az) {
    fputs("Fix with the az CLI:\n\n", o);
    fenced(o, "bash", f->fix_az);
  }
  if (f->fix_bicep) {
    fputs("Bicep:\n\n", o);
    fenced(o, "bicep", f->fix_bicep);
  }
  if (f->fix_terraform) {
    fputs("Terraform:\n\n", o);
    fenced(o, "hcl", f->fix_terraform);
  }
}

static void failures(const struct pf_report *rep, FILE *o,
                     const struct rule_row *rows, size_t n)
{
  size_t i, k;
  int any = 0;
  for (i = 0; i < n; i++) {
    const struct pf_finding *prev = NULL, *first = NULL;
    if (!rows[i].fail)
      continue;
    if (!any++)
      fputs("## Failing requirements\n\n", o);
    for (k = 0; k < rep->n && !first; k++)
      if (in_row(&rep->f[k], &rows[i]) && rep->f[k].status == PF_RS_FAIL &&
          !rep->f[k].suppressed)
        first = &rep->f[k];
    fprintf(o, "### %s: ", rows[i].rule);
    md(o, rows[i].title ? rows[i].title : "", 0);
    fprintf(o, "\n\nSeverity **%s** · %zu failing result%s", 
            pf_sev_name(rows[i].sev), rows[i].fail,
            rows[i].fail == 1 ? "" : "s");
    if (first && first->source) {
      fputs(" · source ", o);
      code(o, first->source);
    }
    fputs("\n\n", o);
    if (first && first->why) {
      fputs("**Why it matters:** ", o);
      md(o, first->why, 0);
      fputs("\n\n", o);
    }
    for (k = 0; k < rep->n; k++) {
      const struct pf_finding *f = &rep->f[k];
      if (!in_row(f, &rows[i]) || f->status != PF_RS_FAIL || f->suppressed)
        continue;
      one_failure(rep, o, f, prev);
      prev = f;
    }
  }
}

static void table_of(const struct pf_report *rep, FILE *o,
                     const char *title, int want_status, int want_supp,
                     const char *last_col)
{
  size_t i;
  int any = 0;
  for (i = 0; i < rep->n; i++) {
    const struct pf_finding *f = &rep->f[i];
    if (f->suppressed != want_supp ||
        (want_status >= 0 && (int)f->status != want_status))
      continue;
    if (!any++)
      fprintf(o, "%s\n\n| Requirement | Resource | View | %s |\n"
              "|---|---|---|---|\n", title, last_col);
    fprintf(o, "| %s | %s ", f->rule, f->kind ? f->kind : "");
    code(o, subject(f));
    fprintf(o, " | %s | ", f->origin);
    if (want_supp) {
      md(o, f->supp_reason, 0);
      if (f->supp_expires)
        fprintf(o, " (until %s)", f->supp_expires);
      fprintf(o, "; was %s: ", pf_rstatus_name(f->status));
    }
    md(o, f->message, 0);
    if (f->disagrees) {
      fputs(" **(disagrees: ", o);
      md(o, f->disagrees, 0);
      fputs(")**", o);
    }
    fputs(" |\n", o);
  }
  if (any)
    fputc('\n', o);
}

static pf_status write_md(const struct pf_report *rep, FILE *o)
{
  struct pf_report_counts c;
  struct rule_row *rows;
  size_t n, i;

  pf_report_count(rep, &c);
  rows = rule_rows(rep, &n);
  if (!rows && rep->n)
    return PF_ENOMEM;
  header(rep, o, &c);
  if (rep->n_notes) {
    fputs("> [!WARNING]\n", o);
    for (i = 0; i < rep->n_notes; i++) {
      fputs("> ", o);
      md(o, rep->notes[i], 0);
      fputs(i + 1 < rep->n_notes ? "\\\n" : "\n", o);
    }
    fputc('\n', o);
  }
  if (n)
    summary_table(o, rows, n);
  failures(rep, o, rows, n);
  table_of(rep, o, "## Unknown: an input is missing", PF_RS_UNKNOWN, 0,
           "What to add");
  table_of(rep, o, "## Suppressed", -1, 1, "Justification");
  if (c.pass) {
    fprintf(o, "<details><summary>%zu passed</summary>\n\n", c.pass);
    table_of(rep, o, "", PF_RS_PASS, 0, "Result");
    fputs("</details>\n\n", o);
  }
  fputs("---\nGenerated by preflight. Review every fix before you apply "
        "it.\n", o);
  pf_free(rows);
  return ferror(o) ? PF_EIO : PF_OK;
}

const struct pf_report_ops pf_report_markdown_ops = {
  "markdown", "Markdown for a pull-request comment or a ticket", write_md
};
