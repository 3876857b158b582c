/* SPDX-License-Identifier: MIT */
/* report.h - the finding model of reports and the writers behind one
 * interface (Markdown, HTML, SARIF 2.1.0, JUnit XML)
 *
 * A struct pf_report is built either from the results of `check` (in
 * process, pf_report_add_results) or from `check`/`probe`/`capture` JSON
 * documents read back (report_read.c); both give the same findings, so
 * every writer serves `check --format X` and `report --format X` alike.
 * Findings are strings only: the writers never see the evaluator's types.
 * Everything is copied into the report's arena, through the redactor
 * (pf_report_redact), so no secret that reached a message can reach a
 * report.  Formats: docs/reports.md.
 */
#ifndef PF_REPORT_H
#define PF_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "core/pf_arena.h"
#include "core/pf_err.h"
#include "core/pf_strbuf.h"
#include "eval/pf_check.h"

/* Where a finding comes from: the static check or a live view. */
#define PF_ORIGIN_CHECK "check"
#define PF_ORIGIN_PROBE "probe"
#define PF_ORIGIN_CAPTURE "capture"

struct pf_finding {
  const char *rule;            /* requirement id, "NSG-1" */
  const char *title;
  enum pf_sev sev;
  enum pf_rstatus status;
  const char *resource;        /* ARM id of the subject */
  const char *kind, *name;     /* "compute", "cpu-cluster" */
  const char *message;
  const char *evidence;        /* compact JSON array of checks; "[]" */
  const char *fix_az, *fix_bicep, *fix_terraform;  /* NULL unless fail */
  const char *source;          /* "003_....txt#required-ports" */
  const char *why;             /* documented consequence, or NULL */
  const char *file, *jpath;    /* where the resource was read, or NULL */
  unsigned long line;          /* line of the resource in file; 0: unknown */
  const char *origin;          /* PF_ORIGIN_* */
  const char *from;            /* results document read, or NULL */
  int order;                   /* rank of the rule in the catalogue */
  size_t seq;                  /* order of arrival (stable sorting) */
  int suppressed;
  const char *supp_reason, *supp_expires;   /* when suppressed */
  const char *disagrees;       /* the other view's verdicts, when the
                                * static and live views disagree */
};

/* The configuration drawn in the HTML picture (from the loaded model). */
struct pf_topo_subnet {
  const char *id, *name, *prefixes;
  const char *nsg, *nsg_id;              /* NULL: none */
  const char *route_table, *rt_id;       /* NULL: none */
  const char *default_route;             /* "0.0.0.0/0 -> VirtualAppliance" */
  const char **computes;                 /* "cpu-cluster (AmlCompute)" */
  size_t n_computes;
  const char **endpoints;                /* private endpoints: "pe -> kv" */
  size_t n_endpoints;
};

struct pf_topo_vnet {
  const char *id, *name, *prefixes, *location;
  struct pf_topo_subnet *subnets;
  size_t n_subnets;
};

struct pf_topo_dep {
  const char *id, *kind, *name;
  const char *access;          /* "firewall: deny by default", ... */
};

struct pf_topo {
  struct pf_topo_vnet *vnets;
  size_t n_vnets;
  struct pf_topo_dep *deps;
  size_t n_deps;
};

struct pf_report {
  struct pf_arena arena;
  const char *version;         /* preflight version that produced it */
  const char *profile;
  const char *tags_path, *tags_cloud;   /* NULL: no tag file */
  int64_t tags_change;
  const char **inputs;
  size_t n_inputs, cap_inputs;
  const char **docs;           /* results documents merged (report) */
  size_t n_docs, cap_docs;
  struct pf_finding *f;
  size_t n, cap;
  const char **notes;          /* warnings shown in every format */
  size_t n_notes, cap_notes;
  struct pf_topo *topo;        /* NULL: no picture */
  int merged;                  /* built by `report` */
};

struct pf_report_counts {
  size_t fail[3];              /* by enum pf_sev, suppressed excluded */
  size_t pass, unknown, suppressed, total, disagree;
};

/* ---- the writers -------------------------------------------------------- */

struct pf_report_ops {
  const char *name;            /* --format value */
  const char *what;            /* one line for --help */
  pf_status (*write)(const struct pf_report *rep, FILE *out);
};

extern const struct pf_report_ops pf_report_markdown_ops;
extern const struct pf_report_ops pf_report_html_ops;
extern const struct pf_report_ops pf_report_sarif_ops;
extern const struct pf_report_ops pf_report_junit_ops;

/** The writer named \p name ("markdown", "html", "sarif", "junit"), or
 * NULL. */
const struct pf_report_ops *pf_report_ops_find(const char *name);
/** "markdown, html, sarif or junit", for messages. */
const char *pf_report_ops_names(void);

/* ---- building a report -------------------------------------------------- */

void pf_report_init(struct pf_report *rep);
void pf_report_release(struct pf_report *rep);

/** Copy \p s into the report's arena, secrets redacted.  NULL stays NULL;
 * \return NULL only when out of memory (and \p s was not NULL). */
const char *pf_report_str(struct pf_report *rep, const char *s);
pf_status pf_report_note(struct pf_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
pf_status pf_report_add_input(struct pf_report *rep, const char *path);
/** Append a zeroed finding; \return NULL when out of memory. */
struct pf_finding *pf_report_new(struct pf_report *rep);

/**
 * Add the results of a check run over \p cfg (either may be NULL except
 * \p rs): tool facts, inputs, one finding per result, resource locations
 * and the picture.
 */
pf_status pf_report_add_results(struct pf_report *rep,
                                const struct pf_config *cfg,
                                const struct pf_tagdb *db,
                                const char *profile,
                                const struct pf_results *rs);
/** Fill file/jpath/line of findings from \p cfg and draw its picture. */
pf_status pf_report_use_config(struct pf_report *rep,
                               const struct pf_config *cfg);
/** Fill `why`, `source`, `title` and the order of findings from the
 * catalogue where they are missing. */
void pf_report_use_catalogue(struct pf_report *rep,
                             const struct pf_catalogue *cat);
/** Find the line of each finding's resource in its file (cheap: one scan
 * per file). */
void pf_report_find_lines(struct pf_report *rep);
/**
 * Merge findings of several documents: drop exact duplicates, mark static
 * and live views of one requirement and resource that disagree, sort.
 */
pf_status pf_report_merge(struct pf_report *rep);

void pf_report_count(const struct pf_report *rep, struct pf_report_counts *c);

/**
 * Read a `check` (or `probe`/`capture`) JSON results document into \p rep.
 * Errors read "<file>: <json.path>: <reason>".
 */
pf_status pf_report_read(struct pf_report *rep, const char *path,
                         struct pf_err *err);

/* ---- suppressions (report_baseline.c) ----------------------------------- */

struct pf_baseline;

/**
 * Load a baseline: JSON ({"suppressions": [{"rule", "resource",
 * "expires", "justification"}]}) or the line format of .preflight-ignore
 * (docs/reports.md).  Errors read "<file>: <line N | json.path>: reason".
 */
pf_status pf_baseline_load(struct pf_baseline **out, const char *path,
                           struct pf_err *err);
void pf_baseline_destroy(struct pf_baseline *b);
/** The suppression matching (rule, resource id, resource name) that has
 * not expired (today: YYYY-MM-DD), or -1. */
int pf_baseline_match(struct pf_baseline *b, const char *rule,
                      const char *resource, const char *name,
                      const char *today);
/** Justification and expiry ("" when none) of entry \p i. */
const char *pf_baseline_reason(const struct pf_baseline *b, int i);
const char *pf_baseline_expires(const struct pf_baseline *b, int i);
/**
 * Mark the findings of \p rep that \p b suppresses and add a note for
 * every expired or unused entry; \p warn (may be NULL) is called with each
 * note too.
 */
pf_status pf_baseline_apply(struct pf_baseline *b, struct pf_report *rep,
                            const char *today,
                            void (*warn)(void *arg, const char *msg),
                            void *arg);
/** Notes for entries that are expired or matched nothing (after matching
 * with pf_baseline_match). */
void pf_baseline_each_stale(const struct pf_baseline *b, const char *today,
                            void (*cb)(void *arg, const char *msg),
                            void *arg);
/**
 * Mark findings i of \p rep whose match[i] (pf_baseline_match, in the
 * order of the results the report was built from) is >= 0 as suppressed,
 * and add a note for every expired or unused entry.
 */
pf_status pf_report_apply_matches(struct pf_report *rep,
                                  const struct pf_baseline *b,
                                  const int *match, const char *today);
/** Today as YYYY-MM-DD (UTC), or $PREFLIGHT_FIXED_TIME's date part. */
void pf_report_today(char buf[11]);
/** The baseline to use: \p opt, else ".preflight-ignore" when it exists,
 * else NULL. */
const char *pf_baseline_path(const char *opt);

/* ---- helpers shared by the writers (report.c) ------------------------- */

/** Convert "$.a.b[3]" to the RFC 6901 pointer "/a/b/3". */
pf_status pf_report_pointer(const char *jpath, struct pf_strbuf *out);
/** Render the evidence JSON array as text lines (as `check` prints them);
 * prefix lists are cut after \p max_prefixes (0: all). */
pf_status pf_report_evidence_text(const char *evidence, size_t max_prefixes,
                                  struct pf_strbuf *out);
/** A stable 64-bit FNV-1a hash of \p s, as 16 hex digits. */
void pf_report_hash(const char *s, char out[17]);
/** "error"/"warning"/"info" and "pass"/"fail"/"unknown" parsed; -1. */
int pf_report_sev_parse(const char *s);
int pf_report_status_parse(const char *s);
/** Label for a status that accounts for suppression ("suppressed"). */
const char *pf_report_status_label(const struct pf_finding *f);

#endif
