/* SPDX-License-Identifier: MIT */
/* pf_path.h - which NSGs a flow meets, found from the configuration
 *
 * The inside end of a flow (the destination of an inbound flow, the source
 * of an outbound one) picks its subnet (the loaded subnet with the longest
 * prefix containing it) and, when NIC JSON is loaded, its NIC.  When both
 * ends lie in loaded subnets the source side's outbound NSGs come first,
 * then the destination side's inbound ones (AZURE-SEMANTICS.md 1.7).
 * Compiled NSGs and scopes are cached per virtual network, so evaluating
 * many flows compiles each NSG once; effective route tables per subnet.
 */
#ifndef PF_PATH_H
#define PF_PATH_H

#include "pf_nsgeval.h"
#include "pf_route.h"

struct pf_planner;

/** \return PF_OK or PF_ENOMEM. The planner borrows cfg and tags. */
pf_status pf_planner_create(struct pf_planner **out,
                            const struct pf_config *cfg,
                            const struct pf_tagdb *tags);
void pf_planner_destroy(struct pf_planner *p);
/** Index every NSG compiled from now on for fast single flows (and those
 * compiled already).  \return PF_OK or PF_ENOMEM. */
pf_status pf_planner_index_flows(struct pf_planner *p);

/** The loaded subnet with the longest prefix containing \p a, or NULL. */
const struct pf_subnet *pf_planner_subnet_of(const struct pf_planner *p,
                                             const struct pf_addr *a);
/** The loaded NIC with private address \p a, or NULL. */
const struct pf_nic *pf_planner_nic_of(const struct pf_planner *p,
                                       const struct pf_addr *a);
/** The vnet of a subnet (its parent), or NULL when not loaded. */
const struct pf_vnet *pf_planner_vnet_of(const struct pf_planner *p,
                                         const struct pf_subnet *s);

/**
 * Append the stage of \p owner (a subnet or NIC) in direction \p dir.
 * \p vnet selects the scope (what VirtualNetwork means).
 */
pf_status pf_planner_stage(struct pf_planner *p, const struct pf_res *owner,
                           const struct pf_vnet *vnet, enum pf_dir dir,
                           struct pf_stage *out);

/**
 * Stages of one flow from \p src to \p dst in \p dir.  \p *n is 0 and
 * \p *why set when no end lies in a loaded subnet (the verdict is then
 * unknown).  \p out holds PF_MAX_STAGES entries.
 */
pf_status pf_planner_flow(struct pf_planner *p, enum pf_dir dir,
                          const struct pf_addr *src,
                          const struct pf_addr *dst, struct pf_stage *out,
                          size_t *n, const char **why);

/** The scope (tags, VirtualNetwork, Internet) of \p vnet, cached. */
const struct pf_scope *pf_planner_scope(struct pf_planner *p,
                                        const struct pf_vnet *vnet,
                                        pf_status *st);

/**
 * The effective routes of \p s (current profile, the planner's tags),
 * built once per subnet and owned by the planner: `check` asks for them
 * once per compute and route rule.  \return PF_OK, PF_ENOMEM, or the
 * build's error in \p err.
 */
pf_status pf_planner_rtable(struct pf_planner *p, const struct pf_subnet *s,
                            const struct pf_rtable **out, struct pf_err *err);

#endif
