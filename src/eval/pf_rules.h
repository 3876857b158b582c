/* SPDX-License-Identifier: MIT */
/* pf_rules.h - the requirement catalogue: rules as data (rules/ folder)
 *
 * Each rule encodes one requirement of REQUIREMENTS.md: its id, title,
 * severity, source (seed file and section, plus later documentation where a
 * profile differs), what it applies to (a selector, pf_bind.h), an optional
 * `when` (applicability) and a `condition`, messages and remediation
 * templates (az CLI, Bicep, Terraform) with {placeholders}.  The format is
 * documented in rules/README.md; the loader is strict: an unknown key,
 * operator, selector, property or placeholder is an input error naming the
 * file and JSON path.
 */
#ifndef PF_RULES_H
#define PF_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "../core/pf_err.h"
#include "../model/pf_model.h"
#include "pf_bind.h"
#include "pf_nsgeval.h"

enum pf_sev { PF_SEV_INFO = 0, PF_SEV_WARNING, PF_SEV_ERROR };
const char *pf_sev_name(enum pf_sev s);

#define PF_COP_MAP(X)                                            \
  X(ALL, "all") X(ANY, "any") X(NOT, "not")                      \
  X(EQ, "eq") X(NE, "ne") X(IN, "in") X(CONTAINS, "contains")    \
  X(CONTAINS_ANY, "contains_any") X(EXISTS, "exists")            \
  X(ABSENT, "absent") X(GE, "ge") X(LE, "le") X(SAME, "same")    \
  X(OVERLAPS, "overlaps") X(WITHIN, "within") X(FLOW, "flow")    \
  X(ROUTE, "route") X(INFO, "info") X(NEEDS, "needs")

enum pf_cop {
#define PF_COP_ENUM(e, name) PF_COP_##e,
  PF_COP_MAP(PF_COP_ENUM)
#undef PF_COP_ENUM
  PF_COP_COUNT
};
const char *pf_cop_name(enum pf_cop op);

/* An operand: a property path ("storage.firewall.bypass") or a literal. */
enum pf_otype { PF_O_NONE = 0, PF_O_PROP, PF_O_STR, PF_O_INT, PF_O_BOOL,
                PF_O_LIST };

struct pf_operand {
  enum pf_otype t;
  const char *s;        /* PROP path or STR */
  int64_t i;            /* INT, BOOL */
  const char **list;    /* LIST of strings */
  size_t n;
};

/* One end of a flow or route condition. */
enum pf_end_kind {
  PF_END_SUBNET = 0,    /* the bound subnet (or NIC for level "nic") */
  PF_END_TAG,           /* a service tag; regional: "<tag>.<region>" */
  PF_END_PREFIX,        /* a literal prefix */
  PF_END_ANY            /* "*" */
};

struct pf_endspec {
  enum pf_end_kind kind;
  const char *tag;      /* TAG (or computed tag), PREFIX text */
  int regional;         /* TAG: the variant of the region below */
  enum pf_var region_of;   /* whose location names the region */
};

struct pf_cond {
  enum pf_cop op;
  const char *jpath;               /* in the rule file, for messages */
  struct pf_cond *kids;            /* ALL, ANY, NOT */
  size_t n_kids;
  struct pf_operand left, right;
  /* FLOW */
  enum pf_dir dir;
  unsigned proto;
  struct pf_endspec from, to;
  struct pf_rangeset ports;        /* destination ports (owned) */
  enum pf_verdict expect;
  int nic_level;                   /* evaluate the bound NIC's NSG */
  /* ROUTE: every prefix of `to` must leave via next_hop */
  enum pf_nexthop next_hop;
  const char *text;                /* INFO; NEEDS: what input is missing */
};

struct pf_rule {
  const char *id;                  /* requirement id, e.g. "NSG-1" */
  const char *title;
  enum pf_sev severity;
  const char *source;              /* "003_1c3fe92bbd698fc0.txt#required-ports" */
  const char **profiles;           /* "2020", "2023" */
  size_t n_profiles;
  enum pf_sel applies_to;
  const char **compute_types;      /* for compute selectors; NULL = all */
  size_t n_compute_types;
  struct pf_cond *when;            /* NULL: always */
  struct pf_cond *cond;
  const char *msg_pass, *msg_fail, *msg_unknown;
  const char *why;                 /* documented consequence */
  const char *fix_az, *fix_bicep, *fix_terraform;
  const char *file, *jpath;        /* where the rule was read */
};

struct pf_catalogue;

/**
 * Load every "*.json" in \p dir (sorted) into a new catalogue.  Errors
 * read "<file>: <json.path>: <reason>".  Caller frees with
 * pf_catalogue_destroy.
 */
pf_status pf_catalogue_load(struct pf_catalogue **out, const char *dir,
                            struct pf_err *err);
void pf_catalogue_destroy(struct pf_catalogue *c);
size_t pf_catalogue_count(const struct pf_catalogue *c);
const struct pf_rule *pf_catalogue_at(const struct pf_catalogue *c, size_t i);
/** Length of the placeholder "{a.b}" at \p p, or 0 when \p p does not
 * start one (braces of Bicep bodies are literal). */
size_t pf_placeholder_len(const char *p);
/** \return non-zero when the rule applies under \p profile. */
int pf_rule_in_profile(const struct pf_rule *r, const char *profile);

/**
 * The rules directory: \p opt, else $PREFLIGHT_RULES, else the installed
 * data directory next to the executable, else the source tree's rules/.
 * \p buf receives the path.
 */
const char *pf_rules_dir(const char *opt, const char *argv0, char *buf,
                         size_t cap);

#endif
