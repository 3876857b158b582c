/* SPDX-License-Identifier: MIT */
/* pf_bind.h - rule subjects: which resources a rule looks at together
 *
 * A rule `applies_to` a named selector; each selector yields bindings that
 * fill variable slots (workspace, compute, subnet, storage, ...) from the
 * configuration's references.  A slot whose resource is referenced but not
 * supplied keeps the id in `missing`, so conditions that read it answer
 * unknown with "load <id>" instead of guessing.  Properties of a slot are
 * read by name through one table (pf_prop_get), so adding a documented
 * requirement is mostly adding rule data.
 */
#ifndef PF_BIND_H
#define PF_BIND_H

#include "../model/pf_model.h"
#include "../model/pf_tags.h"
#include "pf_value.h"

#define PF_VAR_MAP(X)                      \
  X(WORKSPACE, "workspace", PF_K_WORKSPACE) \
  X(COMPUTE, "compute", PF_K_COMPUTE)       \
  X(SUBNET, "subnet", PF_K_SUBNET)          \
  X(VNET, "vnet", PF_K_VNET)                \
  X(NSG, "nsg", PF_K_NSG)                   \
  X(ROUTE_TABLE, "route_table", PF_K_ROUTE_TABLE) \
  X(STORAGE, "storage", PF_K_STORAGE)       \
  X(KEYVAULT, "key_vault", PF_K_KEYVAULT)   \
  X(REGISTRY, "registry", PF_K_REGISTRY)    \
  X(DATASTORE, "datastore", PF_K_DATASTORE) \
  X(NIC, "nic", PF_K_NIC)                   \
  X(SERVICE, "service", PF_K_SERVICE)       \
  X(DATABRICKS, "databricks", PF_K_DATABRICKS) \
  X(VM, "vm", PF_K_VM)                      \
  X(AKS_CLUSTER, "aks_cluster", PF_K_AKS_CLUSTER) \
  X(INPUT, "input", PF_K_COUNT)

enum pf_var {
#define PF_VAR_ENUM(e, name, kind) PF_VAR_##e,
  PF_VAR_MAP(PF_VAR_ENUM)
#undef PF_VAR_ENUM
  PF_VAR_COUNT
};

const char *pf_var_name(enum pf_var v);
/** \return the variable named \p name (n bytes) or PF_VAR_COUNT. */
enum pf_var pf_var_find(const char *name, size_t n);

struct pf_binding {
  const struct pf_res *v[PF_VAR_COUNT];
  const char *missing[PF_VAR_COUNT];   /* referenced id not supplied */
  enum pf_var primary;                 /* the result's resource */
};

/* ---- selectors ------------------------------------------------------- */

#define PF_SEL_MAP(X)                                                      \
  X(WORKSPACE, "workspace", WORKSPACE,                                     \
    "each workspace, with its storage, key vault and registry")           \
  X(COMPUTE, "compute", COMPUTE,                                           \
    "each compute, with its workspace, subnet, vnet, NSG and route table") \
  X(WORKSPACE_STORAGE, "workspace-storage", STORAGE,                      \
    "each storage account a workspace uses (default storage and "          \
    "datastores)")                                                         \
  X(WORKSPACE_KEYVAULT, "workspace-keyvault", KEYVAULT,                    \
    "the key vault of each workspace")                                    \
  X(COMPUTE_STORAGE, "compute-storage", STORAGE,                           \
    "each storage account a compute's workspace uses (default storage and " \
    "datastores), with the compute")                                      \
  X(COMPUTE_KEYVAULT, "compute-keyvault", KEYVAULT,                        \
    "the workspace key vault of each compute, with the compute")         \
  X(COMPUTE_REGISTRY, "compute-registry", REGISTRY,                        \
    "the workspace registry of each compute, with the compute")          \
  X(WORKSPACE_REGISTRY, "workspace-registry", REGISTRY,                    \
    "the registry of each workspace")                                     \
  X(DATASTORE, "datastore", DATASTORE,                                     \
    "each datastore, with its workspace and storage account")            \
  X(SERVICE, "service", SERVICE,                                           \
    "each web service (ACI or AKS deployment), with its workspace")       \
  X(COMPUTE_NIC, "compute-nic", NIC,                                       \
    "each loaded NIC in a compute's subnet (not another virtual "          \
    "machine's), with the compute and the NIC's own NSG")

enum pf_sel {
#define PF_SEL_ENUM(e, name, primary, doc) PF_SEL_##e,
  PF_SEL_MAP(PF_SEL_ENUM)
#undef PF_SEL_ENUM
  PF_SEL_COUNT
};

const char *pf_sel_name(enum pf_sel s);
const char *pf_sel_doc(enum pf_sel s);
enum pf_sel pf_sel_find(const char *name);

/**
 * Call \p cb for each binding of selector \p s over \p cfg.  Compute-based
 * selectors may be limited to compute types (\p types, NULL = all; names
 * as pf_compute_type_name).  A non-zero return stops the walk.
 */
int pf_sel_each(enum pf_sel s, const struct pf_config *cfg,
                const char *const *types, size_t n_types,
                int (*cb)(const struct pf_binding *b, void *arg), void *arg);

/* ---- properties ------------------------------------------------------- */

/**
 * Read property \p path ("storage.firewall.default_action") of binding
 * \p b into \p out (initialised by the caller).  \return PF_OK, PF_ENOMEM,
 * or PF_ENOTFOUND when the path names no known property.  A missing slot
 * gives PF_VAL_UNKNOWN naming what to load.
 */
pf_status pf_prop_get(const struct pf_binding *b, const char *path,
                      const struct pf_config *cfg, struct pf_value *out);
/** \return non-zero when \p path names a known property. */
int pf_prop_known(const char *path);
/** Call \p cb for every property path (for `rules list --props`). */
void pf_prop_each(void (*cb)(const char *path, const char *doc, void *arg),
                  void *arg);

#endif
