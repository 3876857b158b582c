/* SPDX-License-Identifier: MIT */
/* pf_keys.h - storage account key rotation: the datastores and workspaces
 * that use an account (KEY-1) and the ordered runbook (KEY-3)
 *
 * Seed 000: after a key is regenerated, the workspace (az ml workspace
 * sync-keys) and every datastore registered with the key (re-registered
 * with overwrite) must be updated together.
 */
#ifndef PF_KEYS_H
#define PF_KEYS_H

#include <stddef.h>

#include "../core/pf_err.h"
#include "../model/pf_model.h"

struct pf_key_ds {
  const struct pf_datastore *ds;
  const char *workspace;        /* name, from the id; NULL if unknown */
  const char *resource_group;   /* the workspace's */
  const char *subscription;
};

struct pf_key_ws {
  const struct pf_workspace *ws;   /* NULL: known only from a datastore */
  const char *name, *resource_group, *subscription;
  int default_storage;          /* the account is its storage account */
  size_t n_key_ds;              /* its datastores that hold the key */
};

struct pf_key_plan {
  const char *account;
  const struct pf_storage *storage;   /* the account, when loaded */
  const char *storage_rg;             /* its resource group, or NULL */
  struct pf_key_ds *ds;
  size_t n_ds, cap_ds;
  struct pf_key_ws *ws;
  size_t n_ws, cap_ws;
  size_t n_key, n_sas;                /* datastores by credential */
  char **owned;                       /* strings cut from ids */
  size_t n_owned, cap_owned;
};

/**
 * Every datastore of \p cfg on storage account \p account (AzureBlob,
 * AzureFile, ADLS Gen2; names compared case-insensitively) and every
 * workspace using the account.  Strings point into \p cfg.
 * \return PF_OK or PF_ENOMEM.
 */
pf_status pf_keys_plan(const struct pf_config *cfg, const char *account,
                       struct pf_key_plan *plan);
void pf_keys_plan_release(struct pf_key_plan *plan);

#endif
