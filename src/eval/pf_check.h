/* SPDX-License-Identifier: MIT */
/* pf_check.h - evaluate the requirement catalogue against a configuration
 *
 * One result per (rule x resource it applies to): pass, fail or unknown
 * (an input is missing: the message says exactly what to add).  Every
 * result carries evidence (the values compared; for flow rules the exact
 * blocked prefix ranges and the deciding rule of each) and, for failures,
 * the remediation templates filled with the real names.
 */
#ifndef PF_CHECK_H
#define PF_CHECK_H

#include "../model/pf_model.h"
#include "../model/pf_tags.h"
#include "pf_rules.h"

enum pf_rstatus { PF_RS_PASS = 0, PF_RS_FAIL, PF_RS_UNKNOWN };
const char *pf_rstatus_name(enum pf_rstatus s);

struct pf_result {
  const struct pf_rule *rule;
  enum pf_rstatus status;
  const char *resource_id;     /* the subject's ARM id */
  const char *resource_name;
  const char *resource_kind;
  char *message;               /* owned */
  char *evidence_json;         /* owned: a JSON array */
  char *evidence_text;         /* owned: lines */
  char *fix_az, *fix_bicep, *fix_terraform;   /* owned; NULL unless fail */
};

struct pf_results {
  struct pf_result *r;
  size_t n, cap;
};

struct pf_check_opts {
  const char *profile;         /* "2020" (default) or "2023" */
  const char *const *only;     /* rule ids to run; NULL = all */
  size_t n_only;
};

/**
 * Run every rule of \p cat (in the profile, filtered by id) over \p cfg.
 * \p tags may be NULL (tag-dependent results are then unknown).
 * \return PF_OK or PF_ENOMEM.
 */
pf_status pf_check_run(const struct pf_catalogue *cat,
                       const struct pf_config *cfg,
                       const struct pf_tagdb *tags,
                       const struct pf_check_opts *opts,
                       struct pf_results *out);
void pf_results_release(struct pf_results *rs);

#endif
