/* SPDX-License-Identifier: MIT */
/* pf_lint.h - NSG hygiene: dead, empty and redundant rules, exposed ports
 *
 * Every question is answered on sets of flows with first-match semantics
 * (AZURE-SEMANTICS.md 1.1, 1.6), never one rule at a time: a rule is
 * shadowed when the rules before it take every flow it matches, redundant
 * when the rules after it would decide every flow it decides the same way,
 * and a management port is exposed only when flows from the Internet
 * reach it through an Allow after all priorities (the trap of PEERS.md
 * note 6: an Allow behind a Deny exposes nothing).
 *
 * Uncertainty (a tag not in the tag file, ASG membership, VirtualNetwork
 * without the virtual network) follows pf_nsgeval.h: coverage by earlier
 * rules uses only what they match for sure (min), the rule under test
 * everything it might match (max), so no finding rests on a guess; what
 * cannot be decided is reported as "unknown".
 *
 * Ownership: a report owns its findings' strings and arrays; the rule and
 * NSG pointers borrow from the configuration, which must outlive it.
 */
#ifndef PF_LINT_H
#define PF_LINT_H

#include <stddef.h>

#include "../model/pf_model.h"
#include "../model/pf_tags.h"

enum pf_lint_kind {
  PF_LINT_SHADOWED = 0,        /* never matches; earlier rules agree */
  PF_LINT_SHADOWED_OPPOSITE,   /* never matches; earlier rules disagree */
  PF_LINT_EMPTY,               /* matches no flow at all */
  PF_LINT_REDUNDANT,           /* removing it changes no verdict */
  PF_LINT_EXPOSED,             /* management ports open to the Internet */
  PF_LINT_UNKNOWN              /* cannot be decided from the input */
};
#define PF_LINT_KIND_COUNT 6

enum pf_lint_sev { PF_LINT_INFO = 0, PF_LINT_WARNING, PF_LINT_ERROR };

/** "shadowed", "shadowed-opposite", "empty", "redundant", "exposed",
 * "unknown". */
const char *pf_lint_kind_name(enum pf_lint_kind k);
/** "info", "warning", "error". */
const char *pf_lint_sev_name(enum pf_lint_sev s);
/** Parse a severity name; \return 0 on success, -1 when unknown. */
int pf_lint_sev_parse(const char *s, enum pf_lint_sev *out);

struct pf_lint_finding {
  enum pf_lint_kind kind;
  enum pf_lint_sev sev;
  const struct pf_nsg_rule *rule;
  char *message;                         /* one line, owned */
  const struct pf_nsg_rule **covered_by; /* priority order, owned array */
  size_t n_covered;
  char *ports;      /* exposed management ports ("22,3389"), else NULL */
  size_t seq;       /* creation order, for a stable sort */
};

struct pf_lint_nsg {
  const struct pf_nsg *nsg;
  const struct pf_vnet *vnet;   /* whose scope it was evaluated in */
  char *note;                   /* about the scope, or NULL; owned */
  struct pf_lint_finding *f;    /* inbound then outbound, by priority */
  size_t n, cap;
};

struct pf_lint_report {
  struct pf_lint_nsg *nsgs;     /* in load order */
  size_t n, cap;
  size_t by_sev[3];             /* findings per enum pf_lint_sev */
  size_t by_kind[PF_LINT_KIND_COUNT];
};

/**
 * Lint every NSG of \p cfg.  Each NSG is evaluated in the scope of the
 * virtual network of a subnet (or NIC) it is attached to; one attached to
 * nothing loaded has no VirtualNetwork, and its note says so.  \p tags may
 * be NULL.  \return PF_OK or PF_ENOMEM (\p out is then empty).
 */
pf_status pf_lint_config(struct pf_lint_report *out,
                         const struct pf_config *cfg,
                         const struct pf_tagdb *tags);
/** Free everything; NULL-safe, and the report may be reused after. */
void pf_lint_report_release(struct pf_lint_report *r);

#endif
