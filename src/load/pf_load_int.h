/* SPDX-License-Identifier: MIT */
/* pf_load_int.h - per-kind resource loaders shared inside src/load/ */
#ifndef PF_LOAD_INT_H
#define PF_LOAD_INT_H

#include "pf_lj.h"

/**
 * Fill the common header of a resource read from \p o (id, name, location,
 * subscription, group, origin).  \p id_hint is used when \p o has no id
 * (child objects named inside a parent).
 */
pf_status pf_load_header(struct pf_lj *lj, const cJSON *o, enum pf_kind kind,
                         const char *id_hint, struct pf_res *hdr);

/* Each loader reads one resource object at the current path and adds it
 * (and its children) to lj->cfg. */
pf_status pf_load_vnet(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_subnet(struct pf_lj *lj, const cJSON *o,
                         const char *vnet_id, struct pf_subnet **out);
pf_status pf_load_nsg(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_nic(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_asg(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_route_table(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_private_endpoint(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_storage(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_keyvault(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_registry(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_role_assignment(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_lock(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_workspace(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_compute(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_datastore(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_service(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_databricks(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_vm(struct pf_lj *lj, const cJSON *o);
pf_status pf_load_aks_cluster(struct pf_lj *lj, const cJSON *o);

/** Add \p r to the configuration; a duplicate id is kept once. */
pf_status pf_load_add(struct pf_lj *lj, struct pf_res *r);

/** ENOMEM helper. */
pf_status pf_load_oom(struct pf_lj *lj);

#endif
