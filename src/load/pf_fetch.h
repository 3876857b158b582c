/* SPDX-License-Identifier: MIT */
/* pf_fetch.h - read the resources `check` needs from Azure Resource Manager
 *
 * One list per resource kind the loaders read (docs/fetch.md "What is
 * fetched"), for a subscription or for resource groups of it, every
 * nextLink followed (bounded), written as the loaders read them: one file
 * per list, {"value": [...]}, the elements exactly as ARM sent them, plus
 * manifest.json (what was read, api-versions, pages, retries).  Workspace
 * children (computes, datastores) are listed per workspace; resources a
 * compute attaches (Databricks, virtual machines, AKS clusters) are read
 * by id, and so are the networks, NSGs, route tables, private endpoints,
 * storage accounts, key vaults and registries that fetched resources
 * reference outside the lists (other groups, other subscriptions),
 * breadth first and bounded (referenced.json).
 *
 * Every body is read bounded and validated by pf_jsonr as it is copied:
 * an invalid answer stops the fetch with "GET <url>: <json.path>: line L,
 * column C: <reason>".  Files are written to a hidden staging directory
 * in DIR and moved into DIR only when everything was read, so a failed
 * fetch leaves an earlier one as it was.
 */
#ifndef PF_FETCH_H
#define PF_FETCH_H

#include <stddef.h>

#include "../core/pf_err.h"
#include "pf_armrest.h"

struct pf_fetch_opts {
  const char *subscription;            /* a subscription id (GUID) */
  const char *const *groups;           /* resource groups; none: the whole
                                          subscription */
  size_t n_groups;
  unsigned max_pages;                  /* per list and scope; 0: 1000 */
  int no_follow;                       /* do not read referenced resources
                                          outside the lists */
  unsigned max_refs;                   /* referenced resources read; 0:
                                          500 */
  const char *tool_version;            /* for the manifest */
};

struct pf_fetch_stats {
  size_t lists, pages, resources, files;
  size_t unreadable_lock_scopes;   /* extra lock scopes that answered 403
                                      or 404 (manifest.json names them) */
};

/** \return non-zero when \p s is a subscription id (a GUID). */
int pf_fetch_subscription_ok(const char *s);
/** \return non-zero when \p s can be a resource group name (1-90 chars,
 * letters, digits, '-', '_', '.', '(', ')', not ending in '.'). */
int pf_fetch_group_ok(const char *s);

/**
 * The top-level resource a reference \p s (length \p n) names, when it is
 * of a kind fetch follows (vnet, NSG, route table, ASG, private endpoint,
 * storage account, key vault, registry): a subnet id gives its vnet.
 * \return the length of that prefix of \p s, 0 when none; \p *api gets
 * the api-version to read it with.
 */
size_t pf_fetch_ref_prefix(const char *s, size_t n, const char **api);

/**
 * Fetch into directory \p dir (created when missing) with \p arm (endpoint,
 * token, limits).  \return PF_OK, or the first error in \p err.
 */
pf_status pf_fetch_run(struct pf_armrest *arm, const struct pf_fetch_opts *o,
                       const char *dir, struct pf_fetch_stats *stats,
                       struct pf_err *err);

/** Remove the files fetch writes from \p dir, then \p dir (check --live). */
void pf_fetch_remove(const char *dir);

#endif
