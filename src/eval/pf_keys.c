/* SPDX-License-Identifier: MIT */
/* pf_keys.c - which datastores and workspaces use a storage account */
#include "pf_keys.h"

#include <string.h>
#include <strings.h>

#include "../core/pf_mem.h"

/* The id segment after "/<type>/", copied; NULL when absent. */
static const char *seg(struct pf_key_plan *p, const char *id,
                       const char *type, pf_status *st)
{
  size_t tl = strlen(type), n;
  const char *s = id, *e;
  char *c;
  if (!id)
    return NULL;
  for (; (s = strchr(s, '/')); s++) {
    if (!strncasecmp(s + 1, type, tl) && s[1 + tl] == '/') {
      s += tl + 2;
      e = strchr(s, '/');
      n = e ? (size_t)(e - s) : strlen(s);
      if (!n)
        return NULL;
      if (PF_GROW(p->owned, p->cap_owned, p->n_owned + 1) ||
          !(c = pf_strndup(s, n))) {
        *st = PF_ENOMEM;
        return NULL;
      }
      p->owned[p->n_owned++] = c;
      return c;
    }
  }
  return NULL;
}

static struct pf_key_ws *ws_find(struct pf_key_plan *p, const char *name,
                                 const char *rg)
{
  size_t i;
  for (i = 0; i < p->n_ws; i++)
    if (p->ws[i].name && name && !strcasecmp(p->ws[i].name, name) &&
        (!rg || !p->ws[i].resource_group ||
         !strcasecmp(p->ws[i].resource_group, rg)))
      return &p->ws[i];
  return NULL;
}

static struct pf_key_ws *ws_add(struct pf_key_plan *p)
{
  struct pf_key_ws *w;
  if (PF_GROW(p->ws, p->cap_ws, p->n_ws + 1))
    return NULL;
  w = &p->ws[p->n_ws++];
  memset(w, 0, sizeof(*w));
  return w;
}

pf_status pf_keys_plan(const struct pf_config *cfg, const char *account,
                       struct pf_key_plan *p)
{
  size_t i;
  pf_status st = PF_OK;

  memset(p, 0, sizeof(*p));
  p->account = account;
  for (i = 0; i < cfg->n_res[PF_K_STORAGE]; i++) {
    const struct pf_res *r = cfg->res[PF_K_STORAGE][i];
    if (r->name && !strcasecmp(r->name, account)) {
      p->storage = (const struct pf_storage *)r;
      p->storage_rg = r->resource_group;
      break;
    }
  }
  /* workspaces whose storage account it is */
  for (i = 0; i < cfg->n_res[PF_K_WORKSPACE]; i++) {
    const struct pf_workspace *w =
        (const struct pf_workspace *)cfg->res[PF_K_WORKSPACE][i];
    const char *sa = seg(p, w->storage.id, "storageAccounts", &st);
    struct pf_key_ws *k;
    if (st != PF_OK)
      return st;
    if (!sa || strcasecmp(sa, account))
      continue;
    if (!(k = ws_add(p)))
      return PF_ENOMEM;
    k->ws = w;
    k->name = w->hdr.name;
    k->resource_group = w->hdr.resource_group;
    k->subscription = w->hdr.subscription;
    k->default_storage = 1;
    if (!p->storage_rg)
      p->storage_rg = seg(p, w->storage.id, "resourceGroups", &st);
    if (st != PF_OK)
      return st;
  }
  /* datastores on the account */
  for (i = 0; i < cfg->n_res[PF_K_DATASTORE]; i++) {
    const struct pf_datastore *d =
        (const struct pf_datastore *)cfg->res[PF_K_DATASTORE][i];
    struct pf_key_ds *k;
    struct pf_key_ws *w;
    if (!d->account_name || strcasecmp(d->account_name, account))
      continue;
    if (d->ds_type && strcasecmp(d->ds_type, "AzureBlob") &&
        strcasecmp(d->ds_type, "AzureFile") &&
        strcasecmp(d->ds_type, "AzureDataLakeGen2"))
      continue;
    if (PF_GROW(p->ds, p->cap_ds, p->n_ds + 1))
      return PF_ENOMEM;
    k = &p->ds[p->n_ds++];
    memset(k, 0, sizeof(*k));
    k->ds = d;
    k->workspace = seg(p, d->hdr.id, "workspaces", &st);
    k->resource_group = d->hdr.resource_group;
    k->subscription = d->hdr.subscription;
    if (st != PF_OK)
      return st;
    if (d->cred == PF_CRED_KEY)
      p->n_key++;
    else if (d->cred == PF_CRED_SAS)
      p->n_sas++;
    if (!k->workspace)
      continue;
    if (!(w = ws_find(p, k->workspace, k->resource_group))) {
      if (!(w = ws_add(p)))
        return PF_ENOMEM;
      w->name = k->workspace;
      w->resource_group = k->resource_group;
      w->subscription = k->subscription;
    }
    if (d->cred == PF_CRED_KEY || d->cred == PF_CRED_UNKNOWN)
      w->n_key_ds++;
  }
  return PF_OK;
}

void pf_keys_plan_release(struct pf_key_plan *p)
{
  size_t i;
  if (!p)
    return;
  for (i = 0; i < p->n_owned; i++)
    pf_free(p->owned[i]);
  pf_free(p->owned);
  pf_free(p->ds);
  pf_free(p->ws);
  memset(p, 0, sizeof(*p));
}
