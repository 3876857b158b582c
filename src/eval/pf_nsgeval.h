/* SPDX-License-Identifier: MIT */
/* pf_nsgeval.h - exact NSG evaluation over sets of flows and single flows
 *
 * specification: AZURE-SEMANTICS.md 1.1 (priorities, first match wins),
 * 1.6 (default rules), 1.7 (inbound: subnet NSG then NIC NSG; outbound:
 * NIC then subnet; every NSG present must allow; no NSG allows).
 *
 * An NSG is compiled once per scope (what its tags and ASGs mean) into
 * boxes.  A rule whose address cannot be resolved gets two boxes: what it
 * matches for sure (min) and what it might match (max); flows in max but
 * not in min are UNKNOWN, attributed to that rule, and never reach later
 * rules.  Set evaluation partitions the query exactly: every flow of the
 * query lands in exactly one part, with the trace of the rules that
 * decided it at each stage.
 */
#ifndef PF_NSGEVAL_H
#define PF_NSGEVAL_H

#include "pf_flow.h"
#include "pf_scope.h"

enum pf_verdict { PF_V_ALLOW = 0, PF_V_DENY, PF_V_UNKNOWN };
const char *pf_verdict_name(enum pf_verdict v);   /* "allow" ... */

struct pf_crule {
  const struct pf_nsg_rule *rule;
  struct pf_box min[PF_AF_COUNT];   /* flows the rule matches for sure */
  struct pf_box max[PF_AF_COUNT];   /* flows it may match; when exact, a
                                     * shallow alias of min (not owned) */
  int exact;                        /* min == max */
  const char *why;                  /* why not exact */
  unsigned char borrowed[PF_AF_COUNT];   /* min's dims borrowed from the
                                          * model, scope or tag file */
};

/** The flows rule \p cr may match in family \p af. */
static inline const struct pf_box *pf_crule_max(const struct pf_crule *cr,
                                                unsigned af)
{
  return cr->exact ? &cr->min[af] : &cr->max[af];
}

/* Bit-vector index for single flows (Lakshman and Stiliadis): per
 * dimension, the elementary intervals cut by every rule's range bounds,
 * each with the bitset of rules whose `max` box covers it.  A flow's
 * candidate rules are the AND of five bitsets; the lowest set bit is the
 * first rule that may match, as a linear scan would find. */
struct pf_dimidx {
  pf_u128 *lo;       /* interval starts, ascending, lo[0] == 0 */
  uint64_t *bits;    /* n * words */
  size_t n;
};

struct pf_flowidx {
  size_t words;                    /* 64-bit words per bitset */
  struct pf_dimidx dim[4];         /* src, sport, dst, dport */
  uint64_t *proto;                 /* 6 bitsets, one per PF_PB_* bit */
};

struct pf_nsgc {
  const struct pf_nsg *nsg;
  struct pf_crule *rules[2];        /* per enum pf_dir, priority order */
  size_t n[2];
  int indexed;                      /* idx built (pf_nsgc_index) */
  struct pf_flowidx idx[2][PF_AF_COUNT];   /* [dir][af] */
};

/** Compile \p nsg for \p scope.  \return PF_OK or PF_ENOMEM. */
pf_status pf_nsgc_compile(struct pf_nsgc *c, const struct pf_nsg *nsg,
                          const struct pf_scope *scope);
void pf_nsgc_release(struct pf_nsgc *c);
/**
 * Build the single-flow index (bit vectors per dimension).  Worth it when
 * many flows are evaluated (explain --flows); set questions never use it.
 * pf_eval_flow falls back to a linear scan without it.  \return PF_OK or
 * PF_ENOMEM.
 */
pf_status pf_nsgc_index(struct pf_nsgc *c);

/* ---- evaluation paths --------------------------------------------------- */

enum pf_level { PF_LEVEL_SUBNET = 0, PF_LEVEL_NIC };
const char *pf_level_name(enum pf_level l);

/* One NSG on the way: compiled, or absent (allows), or referenced but not
 * supplied (unknown). */
struct pf_stage {
  enum pf_level level;
  enum pf_dir dir;
  const struct pf_nsgc *nsgc;       /* NULL: no NSG at this level */
  const char *missing_id;           /* an NSG referenced, not supplied */
  const struct pf_res *owner;       /* the subnet or NIC */
};

/* What one stage said about a part. */
struct pf_step {
  const struct pf_stage *stage;
  const struct pf_nsg_rule *rule;   /* NULL: no NSG / not supplied */
  enum pf_verdict v;
  const char *why;                  /* for UNKNOWN */
};

#define PF_MAX_STAGES 4

struct pf_part {
  struct pf_box box;
  enum pf_verdict v;
  struct pf_step steps[PF_MAX_STAGES];
  size_t n_steps;
};

struct pf_partition {
  struct pf_part *p;
  size_t n, cap;
};

void pf_partition_init(struct pf_partition *pt);
void pf_partition_release(struct pf_partition *pt);

/**
 * Evaluate the flows of \p query through \p stages in order (each
 * direction as given by its stage).  The result partitions the query:
 * parts denied or unknown at a stage stop there.  \return PF_OK or
 * PF_ENOMEM.
 */
pf_status pf_eval_set(const struct pf_stage *stages, size_t n_stages,
                      const struct pf_boxset *query,
                      struct pf_partition *out);

/**
 * Merge parts with the same verdict and trace that differ only in their
 * source addresses (then only in their destinations), so an answer reads
 * as a few prefix lists.  The partition stays exact.  \return PF_OK or
 * PF_ENOMEM.
 */
pf_status pf_partition_merge(struct pf_partition *pt);

/* ---- single flows -------------------------------------------------------- */

struct pf_flow {
  enum pf_af af;
  unsigned proto;                   /* one PF_PB_* bit */
  pf_u128 src, dst;
  unsigned sport, dport;
};

struct pf_flow_result {
  enum pf_verdict v;
  struct pf_step steps[PF_MAX_STAGES];
  size_t n_steps;
};

/** First-match evaluation of one flow through the stages (no allocation). */
void pf_eval_flow(const struct pf_stage *stages, size_t n_stages,
                  const struct pf_flow *f, struct pf_flow_result *out);

/**
 * The step that explains \p r's verdict: the first stage that did not
 * allow, else the last one a rule decided.  \return NULL when no step
 * qualifies (no stages, or only defaults without a rule).
 */
const struct pf_step *pf_flow_deciding_step(const struct pf_flow_result *r);

#endif
