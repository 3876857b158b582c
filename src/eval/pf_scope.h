/* SPDX-License-Identifier: MIT */
/* pf_scope.h - what rule addresses mean in one virtual network
 *
 * Service tags come from the tag file; VirtualNetwork, AzureLoadBalancer
 * and Internet are computed (AZURE-SEMANTICS.md 1.9, 3.1); application
 * security groups resolve through NIC membership (1.8).  Anything that
 * cannot be resolved is reported as unknown with the reason, never
 * guessed.  docs/semantics.md records the choices made here.
 */
#ifndef PF_SCOPE_H
#define PF_SCOPE_H

#include "../model/pf_ip.h"
#include "../model/pf_model.h"
#include "../model/pf_tags.h"

struct pf_scope {
  const struct pf_config *cfg;
  const struct pf_tagdb *tags;   /* NULL: no tag file given */
  const struct pf_vnet *vnet;    /* NULL: VirtualNetwork is unknown */
  struct pf_ipset vnet_set;      /* VirtualNetwork */
  struct pf_ipset internet;      /* Internet */
  struct pf_ipset lb;            /* AzureLoadBalancer */
  struct pf_ipset all;           /* "*": every address of both families */
};

/**
 * Prepare the scope of \p vnet (may be NULL).  VirtualNetwork = the vnet's
 * address space, its peerings' remote address spaces, the CIDR prefixes of
 * user-defined routes on its subnets (not 0.0.0.0/0 or ::/0) and the host
 * address 168.63.129.16; Internet = the public IPv4 space Azure expands
 * the tag to (a recorded effective-rules answer) and 2000::/3, minus
 * VirtualNetwork.  \return PF_OK or PF_ENOMEM.
 */
pf_status pf_scope_init(struct pf_scope *s, const struct pf_config *cfg,
                        const struct pf_tagdb *tags,
                        const struct pf_vnet *vnet);
void pf_scope_release(struct pf_scope *s);

/**
 * Resolve one rule address into \p out (added to it).  \return 1 when the
 * address is fully known, 0 when it is not (\p *why says why; \p out then
 * holds what is known for sure, possibly nothing).
 */
int pf_scope_addr(const struct pf_scope *s, const struct pf_addrspec *a,
                  struct pf_ipset *out, const char **why, pf_status *st);

/**
 * The set an address item stands for when it is a stable set owned by the
 * scope or the tag file ("*", a service tag, a computed tag), so compiled
 * rules can borrow it instead of copying.  \return NULL otherwise
 * (prefixes, ASGs, anything unknown).
 */
const struct pf_ipset *pf_scope_fixed(const struct pf_scope *s,
                                      const struct pf_addrspec *a);

/**
 * The ipset of a name as used on the command line: a service tag
 * (including the computed ones) or a prefix.  \return 1 known, 0 unknown.
 */
int pf_scope_name(const struct pf_scope *s, const char *name,
                  struct pf_ipset *out, const char **why, pf_status *st);

#endif
