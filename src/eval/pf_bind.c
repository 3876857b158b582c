/* SPDX-License-Identifier: MIT */
/* pf_bind.c - rule subjects (selectors) and the property table */
#include "pf_bind.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_mem.h"

static const char *const var_names[] = {
#define PF_VAR_NAME(e, name, kind) name,
  PF_VAR_MAP(PF_VAR_NAME)
#undef PF_VAR_NAME
};

const char *pf_var_name(enum pf_var v)
{
  return (unsigned)v < PF_VAR_COUNT ? var_names[v] : "?";
}

enum pf_var pf_var_find(const char *name, size_t n)
{
  unsigned i;
  for (i = 0; i < PF_VAR_COUNT; i++)
    if (strlen(var_names[i]) == n && !strncmp(var_names[i], name, n))
      return (enum pf_var)i;
  return PF_VAR_COUNT;
}

static const struct {
  const char *name;
  enum pf_var primary;
  const char *doc;
} sels[] = {
#define PF_SEL_ROW(e, name, primary, doc) {name, PF_VAR_##primary, doc},
  PF_SEL_MAP(PF_SEL_ROW)
#undef PF_SEL_ROW
};

const char *pf_sel_name(enum pf_sel s)
{
  return (unsigned)s < PF_SEL_COUNT ? sels[s].name : "?";
}

const char *pf_sel_doc(enum pf_sel s)
{
  return (unsigned)s < PF_SEL_COUNT ? sels[s].doc : "";
}

enum pf_sel pf_sel_find(const char *name)
{
  unsigned i;
  for (i = 0; i < PF_SEL_COUNT; i++)
    if (!strcmp(sels[i].name, name))
      return (enum pf_sel)i;
  return PF_SEL_COUNT;
}

/* ---- filling bindings ----------------------------------------------------- */

static void set_ref(struct pf_binding *b, enum pf_var v, const struct pf_ref *r)
{
  if (!r->id)
    return;
  if (r->target)
    b->v[v] = r->target;
  else
    b->missing[v] = r->id;
}

/* The NSG of a subnet: its own reference, or an NSG listing it. */
static void subnet_nsg(const struct pf_config *cfg, struct pf_binding *b,
                       const struct pf_subnet *s)
{
  size_t i, j;
  if (s->nsg.id) {
    set_ref(b, PF_VAR_NSG, &s->nsg);
    return;
  }
  for (i = 0; i < cfg->n_res[PF_K_NSG]; i++) {
    const struct pf_nsg *n = (const struct pf_nsg *)cfg->res[PF_K_NSG][i];
    for (j = 0; j < n->n_subnets; j++)
      if (pf_id_eq(n->subnets[j].id, s->hdr.id)) {
        b->v[PF_VAR_NSG] = &n->hdr;
        return;
      }
  }
}

static void fill_subnet(const struct pf_config *cfg, struct pf_binding *b,
                        const struct pf_subnet *s)
{
  b->v[PF_VAR_SUBNET] = &s->hdr;
  set_ref(b, PF_VAR_VNET, &s->vnet);
  subnet_nsg(cfg, b, s);
  set_ref(b, PF_VAR_ROUTE_TABLE, &s->route_table);
}

static void fill_workspace(struct pf_binding *b, const struct pf_workspace *w)
{
  b->v[PF_VAR_WORKSPACE] = &w->hdr;
  set_ref(b, PF_VAR_STORAGE, &w->storage);
  set_ref(b, PF_VAR_KEYVAULT, &w->key_vault);
  set_ref(b, PF_VAR_REGISTRY, &w->registry);
}

/* The attached resource of a compute (AKS, VM, Databricks) by its
 * resourceId, and the network position it implies. */
static void fill_attached(const struct pf_config *cfg, struct pf_binding *b,
                          const struct pf_compute *c)
{
  const struct pf_res *r;
  if (!c->resource_id)
    return;
  r = pf_config_find(cfg, c->resource_id);
  if (!r) {
    enum pf_var v = c->type == PF_CT_VM           ? PF_VAR_VM
                    : c->type == PF_CT_DATABRICKS ? PF_VAR_DATABRICKS
                    : c->type == PF_CT_AKS        ? PF_VAR_AKS_CLUSTER
                                                  : PF_VAR_COUNT;
    if (v != PF_VAR_COUNT)
      b->missing[v] = c->resource_id;
    return;
  }
  if (r->kind == PF_K_VM) {
    const struct pf_vm *vm = (const struct pf_vm *)r;
    b->v[PF_VAR_VM] = r;
    if (vm->n_nics && vm->nics[0].target &&
        vm->nics[0].target->kind == PF_K_NIC) {
      const struct pf_nic *nic = (const struct pf_nic *)vm->nics[0].target;
      b->v[PF_VAR_NIC] = &nic->hdr;
      if (!b->v[PF_VAR_SUBNET] && nic->n_ipconfigs &&
          nic->ipconfigs[0].subnet.target)
        fill_subnet(cfg, b,
                    (const struct pf_subnet *)nic->ipconfigs[0].subnet.target);
    } else if (vm->n_nics) {
      b->missing[PF_VAR_NIC] = vm->nics[0].id;
    }
  } else if (r->kind == PF_K_DATABRICKS) {
    const struct pf_databricks *d = (const struct pf_databricks *)r;
    b->v[PF_VAR_DATABRICKS] = r;
    if (!b->v[PF_VAR_VNET])
      set_ref(b, PF_VAR_VNET, &d->vnet);
  } else if (r->kind == PF_K_AKS_CLUSTER) {
    const struct pf_aks_cluster *k = (const struct pf_aks_cluster *)r;
    b->v[PF_VAR_AKS_CLUSTER] = r;
    if (!b->v[PF_VAR_SUBNET] && !b->missing[PF_VAR_SUBNET] && k->n_subnets) {
      if (k->subnets[0].target) {
        fill_subnet(cfg, b, (const struct pf_subnet *)k->subnets[0].target);
      } else {
        b->missing[PF_VAR_SUBNET] = k->subnets[0].id;
        if (!b->v[PF_VAR_VNET])   /* found through the subnet only */
          b->missing[PF_VAR_VNET] = k->subnets[0].id;
      }
    }
  }
}

static void fill_compute(const struct pf_config *cfg, struct pf_binding *b,
                         const struct pf_compute *c)
{
  b->v[PF_VAR_COMPUTE] = &c->hdr;
  if (c->workspace.target)
    fill_workspace(b, (const struct pf_workspace *)c->workspace.target);
  else
    b->missing[PF_VAR_WORKSPACE] = c->workspace.id;
  if (c->subnet.target && c->subnet.target->kind == PF_K_SUBNET)
    fill_subnet(cfg, b, (const struct pf_subnet *)c->subnet.target);
  else if (c->subnet.id) {
    /* the virtual network is found through the subnet: unknown too, never
     * "absent" (CMP-3's "no lock covers it" passed on nothing) */
    b->missing[PF_VAR_SUBNET] = c->subnet.id;
    b->missing[PF_VAR_VNET] = c->subnet.id;
  }
  fill_attached(cfg, b, c);
}

static int type_ok(const struct pf_compute *c, const char *const *types,
                   size_t n)
{
  size_t i;
  if (!types || !n)
    return 1;
  for (i = 0; i < n; i++)
    if (!strcasecmp(types[i], pf_compute_type_name(c->type)))
      return 1;
  return 0;
}

static int each_compute_storage(const struct pf_config *cfg,
                                const struct pf_compute *c,
                                int (*cb)(const struct pf_binding *, void *),
                                void *arg)
{
  struct pf_binding base, b;
  const struct pf_res *seen[64];
  size_t nseen = 0, i, k;
  int rc;

  memset(&base, 0, sizeof(base));
  fill_compute(cfg, &base, c);
  base.primary = PF_VAR_STORAGE;
  /* the workspace's default storage */
  b = base;
  b.v[PF_VAR_DATASTORE] = NULL;
  if (b.v[PF_VAR_STORAGE] || b.missing[PF_VAR_STORAGE]) {
    if (b.v[PF_VAR_STORAGE])
      seen[nseen++] = b.v[PF_VAR_STORAGE];
    if ((rc = cb(&b, arg)) != 0)
      return rc;
  }
  /* every datastore account of the same workspace (ST-1: "default or
   * non-default, and every datastore's account") */
  for (i = 0; i < cfg->n_res[PF_K_DATASTORE]; i++) {
    const struct pf_datastore *d =
        (const struct pf_datastore *)cfg->res[PF_K_DATASTORE][i];
    int dup = 0;
    if (!base.v[PF_VAR_WORKSPACE] || d->workspace.target !=
                                         base.v[PF_VAR_WORKSPACE] ||
        !d->storage)
      continue;
    for (k = 0; k < nseen; k++)
      dup |= seen[k] == d->storage;
    if (dup)
      continue;
    if (nseen < 64)
      seen[nseen++] = d->storage;
    b = base;
    b.v[PF_VAR_STORAGE] = d->storage;
    b.missing[PF_VAR_STORAGE] = NULL;
    b.v[PF_VAR_DATASTORE] = &d->hdr;
    if ((rc = cb(&b, arg)) != 0)
      return rc;
  }
  return 0;
}

/* Default storage, then every distinct datastore account, of \p w. */
static int each_workspace_storage(const struct pf_config *cfg,
                                  const struct pf_workspace *w,
                                  int (*cb)(const struct pf_binding *,
                                            void *),
                                  void *arg)
{
  struct pf_binding b;
  const struct pf_res *seen[64];
  size_t nseen = 0, i, k;
  int rc;
  memset(&b, 0, sizeof(b));
  fill_workspace(&b, w);
  b.primary = PF_VAR_STORAGE;
  if (b.v[PF_VAR_STORAGE] || b.missing[PF_VAR_STORAGE]) {
    if (b.v[PF_VAR_STORAGE])
      seen[nseen++] = b.v[PF_VAR_STORAGE];
    if ((rc = cb(&b, arg)) != 0)
      return rc;
  }
  for (i = 0; i < cfg->n_res[PF_K_DATASTORE]; i++) {
    const struct pf_datastore *d =
        (const struct pf_datastore *)cfg->res[PF_K_DATASTORE][i];
    int dup = 0;
    if (d->workspace.target != &w->hdr || !d->storage)
      continue;
    for (k = 0; k < nseen; k++)
      dup |= seen[k] == d->storage;
    if (dup)
      continue;
    if (nseen < 64)
      seen[nseen++] = d->storage;
    memset(&b, 0, sizeof(b));
    fill_workspace(&b, w);
    b.v[PF_VAR_STORAGE] = d->storage;
    b.missing[PF_VAR_STORAGE] = NULL;
    b.v[PF_VAR_DATASTORE] = &d->hdr;
    b.primary = PF_VAR_STORAGE;
    if ((rc = cb(&b, arg)) != 0)
      return rc;
  }
  return 0;
}

/* A NIC of a virtual machine that is not the compute itself (a jump box
 * in the compute's subnet) is not one of the compute's nodes: NSG-6 is
 * about the NIC-level NSG Batch made for the nodes (seed 003). */
static int other_vms_nic(const struct pf_config *cfg,
                         const struct pf_compute *c, const struct pf_nic *nic)
{
  const char *vm = nic->vm.id;
  size_t i, j;
  for (i = 0; !vm && i < cfg->n_res[PF_K_VM]; i++) {
    const struct pf_vm *v = (const struct pf_vm *)cfg->res[PF_K_VM][i];
    for (j = 0; j < v->n_nics; j++)
      if (v->nics[j].id && pf_id_eq(v->nics[j].id, nic->hdr.id)) {
        vm = v->hdr.id;
        break;
      }
  }
  return vm && !(c->resource_id && pf_id_eq(c->resource_id, vm));
}

int pf_sel_each(enum pf_sel s, const struct pf_config *cfg,
                const char *const *types, size_t n_types,
                int (*cb)(const struct pf_binding *b, void *arg), void *arg)
{
  struct pf_binding b;
  size_t i, j, k;
  int rc = 0;

  switch (s) {
  case PF_SEL_WORKSPACE_STORAGE:
    for (i = 0; i < cfg->n_res[PF_K_WORKSPACE] && !rc; i++)
      rc = each_workspace_storage(
          cfg, (const struct pf_workspace *)cfg->res[PF_K_WORKSPACE][i], cb,
          arg);
    return rc;
  case PF_SEL_WORKSPACE:
  case PF_SEL_WORKSPACE_REGISTRY:
  case PF_SEL_WORKSPACE_KEYVAULT:
    for (i = 0; i < cfg->n_res[PF_K_WORKSPACE] && !rc; i++) {
      memset(&b, 0, sizeof(b));
      fill_workspace(&b, (const struct pf_workspace *)
                             cfg->res[PF_K_WORKSPACE][i]);
      b.primary = sels[s].primary;
      if (s != PF_SEL_WORKSPACE && !b.v[b.primary] && !b.missing[b.primary])
        continue;
      rc = cb(&b, arg);
    }
    return rc;
  case PF_SEL_COMPUTE:
  case PF_SEL_COMPUTE_KEYVAULT:
  case PF_SEL_COMPUTE_REGISTRY:
  case PF_SEL_COMPUTE_STORAGE:
    for (i = 0; i < cfg->n_res[PF_K_COMPUTE] && !rc; i++) {
      const struct pf_compute *c =
          (const struct pf_compute *)cfg->res[PF_K_COMPUTE][i];
      if (!type_ok(c, types, n_types))
        continue;
      if (s == PF_SEL_COMPUTE_STORAGE) {
        rc = each_compute_storage(cfg, c, cb, arg);
        continue;
      }
      memset(&b, 0, sizeof(b));
      fill_compute(cfg, &b, c);
      b.primary = sels[s].primary;
      if (b.primary != PF_VAR_COMPUTE && !b.v[b.primary] &&
          !b.missing[b.primary])
        continue;
      rc = cb(&b, arg);
    }
    return rc;
  case PF_SEL_SERVICE:
    for (i = 0; i < cfg->n_res[PF_K_SERVICE] && !rc; i++) {
      const struct pf_service *sv =
          (const struct pf_service *)cfg->res[PF_K_SERVICE][i];
      memset(&b, 0, sizeof(b));
      if (sv->workspace.target)
        fill_workspace(&b, (const struct pf_workspace *)sv->workspace.target);
      else
        b.missing[PF_VAR_WORKSPACE] = sv->workspace.id;
      b.v[PF_VAR_SERVICE] = &sv->hdr;
      b.primary = PF_VAR_SERVICE;
      /* an ACI service names its vnet and subnet by name (ACI-2) */
      if (sv->subnet_name) {
        for (j = 0; j < cfg->n_res[PF_K_SUBNET]; j++) {
          const struct pf_subnet *sn =
              (const struct pf_subnet *)cfg->res[PF_K_SUBNET][j];
          if (!strcasecmp(sn->hdr.name, sv->subnet_name) &&
              (!sv->vnet_name || (sn->vnet.target &&
                                  !strcasecmp(sn->vnet.target->name,
                                              sv->vnet_name)))) {
            fill_subnet(cfg, &b, sn);
            break;
          }
        }
      }
      rc = cb(&b, arg);
    }
    return rc;
  case PF_SEL_DATASTORE:
    for (i = 0; i < cfg->n_res[PF_K_DATASTORE] && !rc; i++) {
      const struct pf_datastore *d =
          (const struct pf_datastore *)cfg->res[PF_K_DATASTORE][i];
      memset(&b, 0, sizeof(b));
      if (d->workspace.target)
        fill_workspace(&b, (const struct pf_workspace *)d->workspace.target);
      b.v[PF_VAR_DATASTORE] = &d->hdr;
      b.v[PF_VAR_STORAGE] = d->storage;
      b.missing[PF_VAR_STORAGE] = NULL;
      b.primary = PF_VAR_DATASTORE;
      rc = cb(&b, arg);
    }
    return rc;
  case PF_SEL_COMPUTE_NIC:
    for (i = 0; i < cfg->n_res[PF_K_COMPUTE] && !rc; i++) {
      const struct pf_compute *c =
          (const struct pf_compute *)cfg->res[PF_K_COMPUTE][i];
      if (!type_ok(c, types, n_types) || !c->subnet.target)
        continue;
      for (j = 0; j < cfg->n_res[PF_K_NIC] && !rc; j++) {
        const struct pf_nic *nic =
            (const struct pf_nic *)cfg->res[PF_K_NIC][j];
        int in = 0;
        for (k = 0; k < nic->n_ipconfigs; k++)
          in |= nic->ipconfigs[k].subnet.target == c->subnet.target;
        if (!in || other_vms_nic(cfg, c, nic))
          continue;
        memset(&b, 0, sizeof(b));
        fill_compute(cfg, &b, c);
        /* the NIC-level NSG replaces the subnet's for NIC rules (NSG-6) */
        b.v[PF_VAR_NSG] = NULL;
        b.missing[PF_VAR_NSG] = NULL;
        set_ref(&b, PF_VAR_NSG, &nic->nsg);
        b.v[PF_VAR_NIC] = &nic->hdr;
        b.primary = PF_VAR_NIC;
        rc = cb(&b, arg);
      }
    }
    return rc;
  case PF_SEL_COUNT:
    break;
  }
  return 0;
}

/* ---- properties ------------------------------------------------------------ */

typedef pf_status (*getter_fn)(const struct pf_res *r,
                               const struct pf_config *cfg,
                               struct pf_value *out);

#define G(name) \
  static pf_status name(const struct pf_res *r, const struct pf_config *cfg, \
                        struct pf_value *out)

G(g_name) { (void)cfg; pf_value_str(out, r->name); return PF_OK; }
G(g_id) { (void)cfg; pf_value_str(out, r->id); return PF_OK; }
G(g_location) { (void)cfg; pf_value_str(out, r->location); return PF_OK; }
G(g_subscription)
{
  (void)cfg;
  pf_value_str(out, r->subscription);
  return PF_OK;
}
G(g_resource_group)
{
  (void)cfg;
  pf_value_str(out, r->resource_group);
  return PF_OK;
}

static void tri(struct pf_value *out, enum pf_tri t)
{
  if (t != PF_TRI_UNSET)
    pf_value_bool(out, t == PF_TRI_TRUE);
}

static void enabled(struct pf_value *out, enum pf_tri t)
{
  if (t != PF_TRI_UNSET)
    pf_value_str(out, t == PF_TRI_TRUE ? "Enabled" : "Disabled");
}

#define WS(r) ((const struct pf_workspace *)(r))
G(g_ws_sku) { (void)cfg; pf_value_str(out, WS(r)->sku); return PF_OK; }
G(g_ws_hbi) { (void)cfg; tri(out, WS(r)->hbi); return PF_OK; }
G(g_ws_public) { (void)cfg; enabled(out, WS(r)->public_access); return PF_OK; }
G(g_ws_ibc)
{
  (void)cfg;
  pf_value_str(out, WS(r)->image_build_compute);
  return PF_OK;
}
G(g_ws_pe)
{
  /* a private endpoint targeting the workspace, or connections listed */
  size_t i, j;
  int has = WS(r)->n_private_endpoint_connections > 0;
  for (i = 0; i < cfg->n_res[PF_K_PRIVATE_ENDPOINT] && !has; i++) {
    const struct pf_private_endpoint *pe =
        (const struct pf_private_endpoint *)cfg->res[PF_K_PRIVATE_ENDPOINT][i];
    for (j = 0; j < pe->n_targets; j++)
      has |= pf_id_eq(pe->targets[j].id, r->id);
  }
  pf_value_bool(out, has);
  return PF_OK;
}
G(g_ws_principal)
{
  (void)cfg;
  pf_value_str(out, WS(r)->principal_id);
  return PF_OK;
}
G(g_ws_cmk_kv)
{
  (void)cfg;
  pf_value_str(out, WS(r)->cmk_key_vault);
  return PF_OK;
}
G(g_ws_cmk_uri)
{
  (void)cfg;
  pf_value_str(out, WS(r)->cmk_key_uri);
  return PF_OK;
}
G(g_ws_computes)
{
  size_t i;
  pf_status st = PF_OK;
  out->t = PF_VAL_LIST;
  for (i = 0; i < cfg->n_res[PF_K_COMPUTE] && st == PF_OK; i++) {
    const struct pf_compute *c =
        (const struct pf_compute *)cfg->res[PF_K_COMPUTE][i];
    if (c->workspace.target == r)
      st = pf_value_list_add(out, c->hdr.name);
  }
  return st;
}
G(g_ws_clusters)
{
  size_t i;
  pf_status st = PF_OK;
  out->t = PF_VAL_LIST;
  for (i = 0; i < cfg->n_res[PF_K_COMPUTE] && st == PF_OK; i++) {
    const struct pf_compute *c =
        (const struct pf_compute *)cfg->res[PF_K_COMPUTE][i];
    if (c->workspace.target == r && c->type == PF_CT_AMLCOMPUTE)
      st = pf_value_list_add(out, c->hdr.name);
  }
  return st;
}

#define CP(r) ((const struct pf_compute *)(r))
G(g_c_type)
{
  (void)cfg;
  pf_value_str(out, pf_compute_type_name(CP(r)->type));
  return PF_OK;
}
G(g_c_subnet_id)
{
  (void)cfg;
  pf_value_str(out, CP(r)->subnet.id ? CP(r)->subnet.id : CP(r)->subnet_name);
  return PF_OK;
}
G(g_c_max)
{
  (void)cfg;
  if (CP(r)->max_nodes >= 0)
    pf_value_int(out, CP(r)->max_nodes);
  return PF_OK;
}
G(g_c_min)
{
  (void)cfg;
  if (CP(r)->min_nodes >= 0)
    pf_value_int(out, CP(r)->min_nodes);
  return PF_OK;
}
G(g_c_public_ip)
{
  /* enableNodePublicIp defaults to true (AZURE-SEMANTICS.md 7.8) */
  (void)cfg;
  pf_value_bool(out, CP(r)->node_public_ip != PF_TRI_FALSE);
  return PF_OK;
}
G(g_c_ssh)
{
  /* NotSpecified = closed when a vnet is given (7.8) */
  const char *s = CP(r)->ssh_public_access;
  (void)cfg;
  pf_value_bool(out, s && !strcasecmp(s, "Enabled"));
  return PF_OK;
}
G(g_c_os) { (void)cfg; pf_value_str(out, CP(r)->os_type); return PF_OK; }
G(g_c_state) { (void)cfg; pf_value_str(out, CP(r)->state); return PF_OK; }
G(g_c_vm_size) { (void)cfg; pf_value_str(out, CP(r)->vm_size); return PF_OK; }
G(g_c_unusable)
{
  (void)cfg;
  if (CP(r)->unusable_nodes >= 0)
    pf_value_int(out, CP(r)->unusable_nodes);
  return PF_OK;
}

/* Add n prefixes to an addrs value (subnet, vnet, firewall ip rules). */
static pf_status add_prefixes(struct pf_value *out, const struct pf_prefix *p,
                              size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (pf_ipset_add_prefix(&out->addrs, &p[i]) != PF_OK)
      return PF_ENOMEM;
  return PF_OK;
}

static pf_status addr_value(struct pf_value *out, const char *text)
{
  struct pf_prefix p;
  pf_value_addrs(out);
  if (!text)
    return PF_OK;
  if (pf_prefix_parse(text, strlen(text), 1, &p, NULL) != PF_OK) {
    pf_value_unknown(out, "not a valid address or prefix");
    return PF_OK;
  }
  return pf_ipset_add_prefix(&out->addrs, &p);
}

G(g_c_aks_service)
{
  (void)cfg;
  if (!CP(r)->aks_service_cidr)
    return PF_OK;
  return addr_value(out, CP(r)->aks_service_cidr);
}
G(g_c_aks_dns)
{
  (void)cfg;
  if (!CP(r)->aks_dns_service_ip)
    return PF_OK;
  return addr_value(out, CP(r)->aks_dns_service_ip);
}
G(g_c_aks_bridge)
{
  (void)cfg;
  if (!CP(r)->aks_docker_bridge_cidr)
    return PF_OK;
  return addr_value(out, CP(r)->aks_docker_bridge_cidr);
}
G(g_c_aks_lb)
{
  (void)cfg;
  pf_value_str(out, CP(r)->aks_load_balancer_type);
  return PF_OK;
}

#define SN(r) ((const struct pf_subnet *)(r))
G(g_s_prefixes)
{
  (void)cfg;
  pf_value_addrs(out);
  return add_prefixes(out, SN(r)->prefixes, SN(r)->n_prefixes);
}
G(g_s_capacity)
{
  int64_t c = pf_subnet_capacity(SN(r));
  (void)cfg;
  if (c >= 0)
    pf_value_int(out, c);
  return PF_OK;
}
G(g_s_used)
{
  (void)cfg;
  /* az omits empty ipConfigurations: absent means none in use */
  pf_value_int(out, (int64_t)SN(r)->n_ip_configurations);
  return PF_OK;
}
G(g_s_free)
{
  int64_t c = pf_subnet_capacity(SN(r));
  (void)cfg;
  if (c >= 0)
    pf_value_int(out, c - (int64_t)SN(r)->n_ip_configurations);
  return PF_OK;
}
G(g_s_delegations)
{
  size_t i;
  (void)cfg;
  out->t = PF_VAL_LIST;
  for (i = 0; i < SN(r)->n_delegations; i++)
    if (pf_value_list_add(out, SN(r)->delegations[i]) != PF_OK)
      return PF_ENOMEM;
  return PF_OK;
}
G(g_s_endpoints)
{
  size_t i;
  (void)cfg;
  out->t = PF_VAL_LIST;
  for (i = 0; i < SN(r)->n_endpoints; i++)
    if (pf_value_list_add(out, SN(r)->endpoints[i].service) != PF_OK)
      return PF_ENOMEM;
  return PF_OK;
}
G(g_s_pe_policies)
{
  (void)cfg;
  pf_value_str(out, SN(r)->pe_network_policies);
  return PF_OK;
}

#define VN(r) ((const struct pf_vnet *)(r))
G(g_v_prefixes)
{
  (void)cfg;
  pf_value_addrs(out);
  return add_prefixes(out, VN(r)->prefixes, VN(r)->n_prefixes);
}
G(g_v_subnet_prefixes)
{
  size_t i;
  (void)cfg;
  pf_value_addrs(out);
  for (i = 0; i < VN(r)->n_subnets; i++)
    if (add_prefixes(out, VN(r)->subnets[i]->prefixes,
                     VN(r)->subnets[i]->n_prefixes) != PF_OK)
      return PF_ENOMEM;
  return PF_OK;
}
G(g_v_subnet_ids)
{
  size_t i;
  pf_status st = PF_OK;
  out->t = PF_VAL_LIST;
  /* subnets inside the vnet and standalone ones whose parent it is */
  for (i = 0; i < cfg->n_res[PF_K_SUBNET] && st == PF_OK; i++) {
    const struct pf_subnet *s =
        (const struct pf_subnet *)cfg->res[PF_K_SUBNET][i];
    if (s->vnet.target == r || pf_id_eq(s->vnet.id, r->id))
      st = pf_value_list_add(out, s->hdr.id);
  }
  return st;
}
G(g_v_subnet_names)
{
  size_t i;
  pf_status st = PF_OK;
  out->t = PF_VAL_LIST;
  for (i = 0; i < cfg->n_res[PF_K_SUBNET] && st == PF_OK; i++) {
    const struct pf_subnet *s =
        (const struct pf_subnet *)cfg->res[PF_K_SUBNET][i];
    if (s->vnet.target == r || pf_id_eq(s->vnet.id, r->id))
      st = pf_value_list_add(out, s->hdr.name);
  }
  return st;
}

#define RT(r) ((const struct pf_route_table *)(r))
G(g_rt_default)
{
  /* next hop type of the table's 0.0.0.0/0 route (forced tunnelling) */
  size_t i;
  (void)cfg;
  for (i = 0; i < RT(r)->n_routes; i++) {
    const struct pf_route *ro = &RT(r)->routes[i];
    if (!ro->is_tag && ro->prefix.af == PF_AF_V4 && ro->prefix.len == 0)
      pf_value_str(out, pf_nexthop_name(ro->next_hop));
  }
  return PF_OK;
}

static const struct pf_firewall *fw_of(const struct pf_res *r)
{
  /* the table binds firewall properties to these three kinds only */
  static const struct pf_firewall none;
  switch (r->kind) {
  case PF_K_STORAGE: return &((const struct pf_storage *)r)->fw;
  case PF_K_KEYVAULT: return &((const struct pf_keyvault *)r)->fw;
  case PF_K_REGISTRY: return &((const struct pf_registry *)r)->fw;
  default: return &none;
  }
}

G(g_fw_present)
{
  (void)cfg;
  pf_value_bool(out, fw_of(r)->present);
  return PF_OK;
}
G(g_fw_default)
{
  const struct pf_firewall *fw = fw_of(r);
  (void)cfg;
  /* defaultAction defaults to Allow (AZURE-SEMANTICS.md 7.4), unless it
   * is given but known only at deployment (docs/semantics.md) */
  if (fw->default_pending)
    pf_value_unknown(out, "defaultAction is known only at deployment");
  else
    pf_value_str(out, fw->default_deny ? "Deny" : "Allow");
  return PF_OK;
}
G(g_fw_bypass)
{
  const struct pf_firewall *fw = fw_of(r);
  pf_status st = PF_OK;
  (void)cfg;
  out->t = PF_VAL_LIST;
  /* AzureServices is the default bypass when none is given (7.4, 7.5) */
  if (!fw->bypass_known || (fw->bypass & PF_BYPASS_AZURE_SERVICES))
    st = pf_value_list_add(out, "AzureServices");
  if (st == PF_OK && (fw->bypass & PF_BYPASS_LOGGING))
    st = pf_value_list_add(out, "Logging");
  if (st == PF_OK && (fw->bypass & PF_BYPASS_METRICS))
    st = pf_value_list_add(out, "Metrics");
  return st;
}
G(g_fw_vnet_rules)
{
  const struct pf_firewall *fw = fw_of(r);
  size_t i;
  (void)cfg;
  out->t = PF_VAL_LIST;
  for (i = 0; i < fw->n_vnet_rules; i++)
    if (pf_value_list_add(out, fw->vnet_rules[i].id) != PF_OK)
      return PF_ENOMEM;
  return PF_OK;
}
G(g_fw_ip_rules)
{
  const struct pf_firewall *fw = fw_of(r);
  (void)cfg;
  pf_value_addrs(out);
  return add_prefixes(out, fw->ip_rules, fw->n_ip_rules);
}
G(g_fw_public)
{
  (void)cfg;
  enabled(out, fw_of(r)->public_access);
  return PF_OK;
}
G(g_pe_subnets)
{
  /* subnets of private endpoints that target this resource */
  size_t i, j;
  pf_status st = PF_OK;
  out->t = PF_VAL_LIST;
  for (i = 0; i < cfg->n_res[PF_K_PRIVATE_ENDPOINT] && st == PF_OK; i++) {
    const struct pf_private_endpoint *pe =
        (const struct pf_private_endpoint *)cfg->res[PF_K_PRIVATE_ENDPOINT][i];
    for (j = 0; j < pe->n_targets; j++)
      if (pf_id_eq(pe->targets[j].id, r->id) && pe->subnet.id) {
        st = pf_value_list_add(out, pe->subnet.id);
        break;
      }
  }
  return st;
}

#define ST(r) ((const struct pf_storage *)(r))
G(g_st_sku) { (void)cfg; pf_value_str(out, ST(r)->sku); return PF_OK; }
G(g_st_kind)
{
  (void)cfg;
  pf_value_str(out, ST(r)->account_kind);
  return PF_OK;
}
G(g_st_hns) { (void)cfg; tri(out, ST(r)->hns); return PF_OK; }
#define RG(r) ((const struct pf_registry *)(r))
G(g_rg_sku) { (void)cfg; pf_value_str(out, RG(r)->sku); return PF_OK; }
#define DS(r) ((const struct pf_datastore *)(r))
G(g_ds_type) { (void)cfg; pf_value_str(out, DS(r)->ds_type); return PF_OK; }
G(g_ds_account)
{
  (void)cfg;
  pf_value_str(out, DS(r)->account_name);
  return PF_OK;
}
G(g_ds_container)
{
  (void)cfg;
  pf_value_str(out, DS(r)->container);
  return PF_OK;
}
G(g_ds_cred)
{
  (void)cfg;
  pf_value_str(out, pf_cred_name(DS(r)->cred));
  return PF_OK;
}
#define NI(r) ((const struct pf_nic *)(r))
G(g_nic_ips)
{
  size_t i;
  (void)cfg;
  pf_value_addrs(out);
  for (i = 0; i < NI(r)->n_ipconfigs; i++) {
    const struct pf_nic_ipconfig *c = &NI(r)->ipconfigs[i];
    struct pf_prefix p;
    if (!c->has_private_ip)
      continue;
    p.af = c->private_ip.af;
    p.addr = c->private_ip.v;
    p.len = pf_af_bits(p.af);
    if (pf_ipset_add_prefix(&out->addrs, &p) != PF_OK)
      return PF_ENOMEM;
  }
  return PF_OK;
}

#define SV(r) ((const struct pf_service *)(r))
G(g_sv_type) { (void)cfg; pf_value_str(out, SV(r)->compute_type); return PF_OK; }
G(g_sv_auth) { (void)cfg; tri(out, SV(r)->auth_enabled); return PF_OK; }
G(g_sv_token)
{
  (void)cfg;
  tri(out, SV(r)->token_auth_enabled);
  return PF_OK;
}
G(g_sv_ssl) { (void)cfg; tri(out, SV(r)->ssl_enabled); return PF_OK; }
G(g_sv_vnet) { (void)cfg; pf_value_str(out, SV(r)->vnet_name); return PF_OK; }
G(g_sv_subnet)
{
  (void)cfg;
  pf_value_str(out, SV(r)->subnet_name);
  return PF_OK;
}
G(g_sv_enc)
{
  (void)cfg;
  pf_value_bool(out, SV(r)->encryption_given);
  return PF_OK;
}
#define DB(r) ((const struct pf_databricks *)(r))
G(g_db_vnet) { (void)cfg; pf_value_str(out, DB(r)->vnet.id); return PF_OK; }
G(g_db_pub)
{
  (void)cfg;
  pf_value_str(out, DB(r)->public_subnet);
  return PF_OK;
}
G(g_db_priv)
{
  (void)cfg;
  pf_value_str(out, DB(r)->private_subnet);
  return PF_OK;
}
#define VMR(r) ((const struct pf_vm *)(r))
G(g_vm_pub) { (void)cfg; pf_value_str(out, VMR(r)->publisher); return PF_OK; }
G(g_vm_offer) { (void)cfg; pf_value_str(out, VMR(r)->offer); return PF_OK; }
G(g_vm_sku) { (void)cfg; pf_value_str(out, VMR(r)->image_sku); return PF_OK; }
G(g_vm_os) { (void)cfg; pf_value_str(out, VMR(r)->os_type); return PF_OK; }
#define AK(r) ((const struct pf_aks_cluster *)(r))
G(g_ak_version)
{
  (void)cfg;
  pf_value_str(out, AK(r)->kubernetes_version);
  return PF_OK;
}
G(g_ak_private) { (void)cfg; tri(out, AK(r)->private_cluster); return PF_OK; }
G(g_ak_service)
{
  (void)cfg;
  if (!AK(r)->service_cidr)
    return PF_OK;
  return addr_value(out, AK(r)->service_cidr);
}
G(g_ak_dns)
{
  (void)cfg;
  if (!AK(r)->dns_service_ip)
    return PF_OK;
  return addr_value(out, AK(r)->dns_service_ip);
}
G(g_ak_bridge)
{
  (void)cfg;
  if (!AK(r)->docker_bridge_cidr)
    return PF_OK;
  return addr_value(out, AK(r)->docker_bridge_cidr);
}
G(g_ak_outbound)
{
  (void)cfg;
  pf_value_str(out, AK(r)->outbound_type);
  return PF_OK;
}
G(g_ws_spl)
{
  size_t i;
  (void)cfg;
  out->t = PF_VAL_LIST;
  for (i = 0; i < WS(r)->n_spl; i++)
    if (pf_value_list_add(out, WS(r)->spl_groups[i]) != PF_OK)
      return PF_ENOMEM;
  return PF_OK;
}

/* Locks whose scope covers the resource: the resource itself, its group
 * or its subscription (CMP-3). */
G(g_locks)
{
  size_t i;
  /* no lock at all among the inputs means the locks were not supplied,
   * not that there are none: unknown, never a pass */
  if (!cfg->n_res[PF_K_LOCK]) {
    pf_value_unknown(out, "no locks among the inputs: add the output of "
                          "'az lock list --resource-group <group>' and of "
                          "'az lock list' for the subscription (when both "
                          "are empty, nothing is locked)");
    return PF_OK;
  }
  out->t = PF_VAL_LIST;
  for (i = 0; i < cfg->n_res[PF_K_LOCK]; i++) {
    const struct pf_lock *l = (const struct pf_lock *)cfg->res[PF_K_LOCK][i];
    size_t n;
    if (!l->scope)
      continue;
    n = strlen(l->scope);
    if (!strncasecmp(r->id, l->scope, n) &&
        (r->id[n] == '\0' || r->id[n] == '/'))
      if (pf_value_list_add(out, l->level ? l->level : "(level not given)") !=
          PF_OK)
        return PF_ENOMEM;
  }
  return PF_OK;
}

/* Built-in role definition ids (Azure built-in roles reference) */
static const char *role_name_of(const char *def)
{
  static const struct {
    const char *guid, *name;
  } roles[] = {
    {"b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"},
    {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"},
    {"acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"},
    {"ba92f5b4-2d11-453d-a403-e96b0029c9fe", "Storage Blob Data Contributor"},
    {"00482a5a-887f-4fb3-b363-3b7fe8e74483", "Key Vault Administrator"},
    {"4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User"},
    {"7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull"},
    {"8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush"},
  };
  size_t i, n;
  const char *slash;
  if (!def)
    return NULL;
  slash = strrchr(def, '/');
  slash = slash ? slash + 1 : def;
  n = sizeof(roles) / sizeof(roles[0]);
  for (i = 0; i < n; i++)
    if (!strcasecmp(roles[i].guid, slash))
      return roles[i].name;
  return def;
}

/* Roles the workspace identity holds on a target id (inherited from any
 * scope that is a prefix of it), for SEC-5. */
static pf_status roles_on(const struct pf_config *cfg, const char *principal,
                          const char *target, struct pf_value *out)
{
  size_t i;
  /* no assignments at all means they were not supplied, not that the
   * identity has none */
  if (!cfg->n_res[PF_K_ROLE_ASSIGNMENT]) {
    pf_value_unknown(out, "role assignments not supplied (az role "
                          "assignment list --all)");
    return PF_OK;
  }
  out->t = PF_VAL_LIST;
  if (!principal || !target)
    return PF_OK;
  for (i = 0; i < cfg->n_res[PF_K_ROLE_ASSIGNMENT]; i++) {
    const struct pf_role_assignment *ra =
        (const struct pf_role_assignment *)cfg->res[PF_K_ROLE_ASSIGNMENT][i];
    size_t n;
    if (!ra->principal_id || strcasecmp(ra->principal_id, principal) ||
        !ra->scope)
      continue;
    n = strlen(ra->scope);
    while (n && ra->scope[n - 1] == '/')
      n--;
    if (strncasecmp(target, ra->scope, n) ||
        (target[n] != '\0' && target[n] != '/'))
      continue;
    if (pf_value_list_add(out, ra->role_name ? ra->role_name
                                              : role_name_of(
                                                    ra->role_definition_id)) !=
        PF_OK)
      return PF_ENOMEM;
  }
  return PF_OK;
}

static const struct pf_ref *ws_dep(const struct pf_res *r, int which)
{
  const struct pf_workspace *w = WS(r);
  return which == 0 ? &w->storage : which == 1 ? &w->key_vault
                                               : &w->registry;
}

G(g_ws_roles_self)
{
  return roles_on(cfg, WS(r)->principal_id, r->id, out);
}
G(g_ws_roles_storage)
{
  return roles_on(cfg, WS(r)->principal_id, ws_dep(r, 0)->id, out);
}
G(g_ws_roles_kv)
{
  return roles_on(cfg, WS(r)->principal_id, ws_dep(r, 1)->id, out);
}
G(g_ws_roles_acr)
{
  return roles_on(cfg, WS(r)->principal_id, ws_dep(r, 2)->id, out);
}
G(g_ws_roles_rg)
{
  char rg[1024];
  if (!r->subscription || !r->resource_group)
    return PF_OK;
  snprintf(rg, sizeof(rg), "/subscriptions/%s/resourceGroups/%s",
           r->subscription, r->resource_group);
  return roles_on(cfg, WS(r)->principal_id, rg, out);
}
G(g_input_client_ip)
{
  (void)r;
  pf_value_str(out, cfg->client_ip);
  return PF_OK;
}

/* ---- getters added for the requirement catalogue (rules/README.md) ---- */

/* The subnet's NSG: its own reference, else an NSG listing it; absent when
 * the subnet has none (NSG-2 applies only to an NSG the user added). */
G(g_s_nsg_id)
{
  size_t i, j;
  if (SN(r)->nsg.id) {
    pf_value_str(out, SN(r)->nsg.id);
    return PF_OK;
  }
  for (i = 0; i < cfg->n_res[PF_K_NSG]; i++) {
    const struct pf_nsg *n = (const struct pf_nsg *)cfg->res[PF_K_NSG][i];
    for (j = 0; j < n->n_subnets; j++)
      if (pf_id_eq(n->subnets[j].id, r->id)) {
        pf_value_str(out, n->hdr.id);
        return PF_OK;
      }
  }
  return PF_OK;
}
/* The subnet's route table id; absent when it has none (UDR-1/2 apply only
 * to a subnet with a route table). */
G(g_s_rt_id)
{
  (void)cfg;
  pf_value_str(out, SN(r)->route_table.id);
  return PF_OK;
}

/* Does compute \p c run in a subnet of vnet \p v (CMP-4)? */
static int compute_in_vnet(const struct pf_compute *c, const struct pf_res *v)
{
  size_t n = strlen(v->id);
  if (c->subnet.target && c->subnet.target->kind == PF_K_SUBNET) {
    const struct pf_subnet *s = (const struct pf_subnet *)c->subnet.target;
    return s->vnet.target == v || pf_id_eq(s->vnet.id, v->id);
  }
  return c->subnet.id && !strncasecmp(c->subnet.id, v->id, n) &&
         c->subnet.id[n] == '/';
}
G(g_v_computes)
{
  size_t i;
  pf_status st = PF_OK;
  out->t = PF_VAL_LIST;
  for (i = 0; i < cfg->n_res[PF_K_COMPUTE] && st == PF_OK; i++) {
    const struct pf_compute *c =
        (const struct pf_compute *)cfg->res[PF_K_COMPUTE][i];
    if (compute_in_vnet(c, r))
      st = pf_value_list_add(out, c->hdr.name);
  }
  return st;
}
G(g_v_compute_count)
{
  size_t i, n = 0;
  for (i = 0; i < cfg->n_res[PF_K_COMPUTE]; i++)
    n += (size_t)compute_in_vnet(
        (const struct pf_compute *)cfg->res[PF_K_COMPUTE][i], r);
  pf_value_int(out, (int64_t)n);
  return PF_OK;
}
G(g_c_resource_id)
{
  (void)cfg;
  pf_value_str(out, CP(r)->resource_id);
  return PF_OK;
}
/* The Docker bridge is an interface address with its prefix length
 * ("172.17.0.1/16", the documented default): read it as its network, since
 * the strict prefix parser rejects host bits (AKS-6). */
G(g_c_aks_bridge_net)
{
  const char *t = CP(r)->aks_docker_bridge_cidr, *slash;
  struct pf_addr a;
  struct pf_prefix pfx;
  unsigned len = 0, bits;
  (void)cfg;
  if (!t)
    return PF_OK;
  slash = strchr(t, '/');
  if (!slash || pf_addr_parse(t, (size_t)(slash - t), &a, NULL) != PF_OK ||
      !slash[1]) {
    pf_value_unknown(out, "the Docker bridge address is not addr/len");
    return PF_OK;
  }
  bits = pf_af_bits(a.af);
  for (slash++; *slash >= '0' && *slash <= '9' && len <= bits; slash++)
    len = len * 10 + (unsigned)(*slash - '0');
  if (*slash || len > bits) {
    pf_value_unknown(out, "the Docker bridge address is not addr/len");
    return PF_OK;
  }
  pfx.af = a.af;
  pfx.len = len;
  pfx.addr = len ? a.v & ~((((pf_u128)1) << (bits - len)) - 1) : 0;
  pf_value_addrs(out);
  return pf_ipset_add_prefix(&out->addrs, &pfx);
}
/* "1.16.7" -> 116 (major * 100 + minor), for SEC-4's "1.16 or newer". */
G(g_ak_version_num)
{
  const char *p = AK(r)->kubernetes_version;
  int64_t major = 0, minor = 0;
  (void)cfg;
  if (!p)
    return PF_OK;
  if (*p == 'v')
    p++;
  if (*p < '0' || *p > '9') {
    pf_value_unknown(out, "the Kubernetes version is not a number");
    return PF_OK;
  }
  for (; *p >= '0' && *p <= '9' && major < 1000; p++)
    major = major * 10 + (*p - '0');
  if (*p == '.')
    for (p++; *p >= '0' && *p <= '9' && minor < 1000; p++)
      minor = minor * 10 + (*p - '0');
  pf_value_int(out, major * 100 + (minor > 99 ? 99 : minor));
  return PF_OK;
}
/* Names of the datastores that use this storage account (KEY-3). */
G(g_st_datastores)
{
  size_t i;
  pf_status st = PF_OK;
  out->t = PF_VAL_LIST;
  for (i = 0; i < cfg->n_res[PF_K_DATASTORE] && st == PF_OK; i++) {
    const struct pf_datastore *d =
        (const struct pf_datastore *)cfg->res[PF_K_DATASTORE][i];
    if (d->storage == r)
      st = pf_value_list_add(out, d->hdr.name);
  }
  return st;
}
/* The customer-managed-key vault of a workspace (SEC-7), when loaded; the
 * reason of an unknown names the vault to load. */
static const struct pf_res *cmk_vault(const struct pf_res *r,
                                      const struct pf_config *cfg,
                                      struct pf_value *out)
{
  const struct pf_res *kv;
  if (!WS(r)->cmk_key_vault)
    return NULL;
  kv = pf_config_find(cfg, WS(r)->cmk_key_vault);
  if (!kv)
    pf_value_unknown(out, WS(r)->cmk_key_vault);
  return kv;
}
G(g_ws_cmk_kv_location)
{
  const struct pf_res *kv = cmk_vault(r, cfg, out);
  if (kv)
    pf_value_str(out, kv->location);
  return PF_OK;
}
G(g_ws_cmk_kv_subscription)
{
  const struct pf_res *kv = cmk_vault(r, cfg, out);
  if (kv)
    pf_value_str(out, kv->subscription);
  return PF_OK;
}
/* The workspace's container registry reference; absent when it has none
 * (a workspace creates its registry on first use). */
G(g_ws_registry_id)
{
  (void)cfg;
  pf_value_str(out, ws_dep(r, 2)->id);
  return PF_OK;
}
/* Roles on the resource group of the workspace's key vault (SEC-5: "and
 * on the key vault's group when different"). */
G(g_ws_roles_kv_rg)
{
  char rg[1024];
  const char *id = ws_dep(r, 1)->id, *prov;
  prov = id ? strcasestr(id, "/providers/") : NULL;
  if (!prov || (size_t)(prov - id) >= sizeof(rg))
    return PF_OK;
  memcpy(rg, id, (size_t)(prov - id));
  rg[prov - id] = '\0';
  return roles_on(cfg, WS(r)->principal_id, rg, out);
}

static const struct prop {
  enum pf_var var;
  const char *name;   /* after "var." */
  getter_fn get;
  const char *doc;
} props[] = {
  /* every resource */
#define COMMON(v)                                                         \
  {v, "name", g_name, "name"}, {v, "id", g_id, "ARM id"},               \
  {v, "location", g_location, "region (lower case, no spaces)"},         \
  {v, "subscription", g_subscription, "subscription id"},                \
  {v, "resource_group", g_resource_group, "resource group"}
  COMMON(PF_VAR_WORKSPACE), COMMON(PF_VAR_COMPUTE), COMMON(PF_VAR_SUBNET),
  COMMON(PF_VAR_VNET), COMMON(PF_VAR_NSG), COMMON(PF_VAR_ROUTE_TABLE),
  COMMON(PF_VAR_STORAGE), COMMON(PF_VAR_KEYVAULT), COMMON(PF_VAR_REGISTRY),
  COMMON(PF_VAR_DATASTORE), COMMON(PF_VAR_NIC),
#undef COMMON
#define COMMON2(v)                                                        \
  {v, "name", g_name, "name"}, {v, "id", g_id, "ARM id"},               \
  {v, "location", g_location, "region (lower case, no spaces)"},         \
  {v, "subscription", g_subscription, "subscription id"},                \
  {v, "resource_group", g_resource_group, "resource group"}
  {PF_VAR_WORKSPACE, "sku", g_ws_sku, "edition (Basic, Enterprise)"},
  {PF_VAR_WORKSPACE, "hbi", g_ws_hbi, "high business impact flag"},
  {PF_VAR_WORKSPACE, "public_network_access", g_ws_public,
   "Enabled or Disabled"},
  {PF_VAR_WORKSPACE, "image_build_compute", g_ws_ibc,
   "compute named for image builds"},
  {PF_VAR_WORKSPACE, "has_private_endpoint", g_ws_pe,
   "a private endpoint targets the workspace"},
  {PF_VAR_WORKSPACE, "principal_id", g_ws_principal,
   "system-assigned identity"},
  {PF_VAR_WORKSPACE, "cmk_key_vault", g_ws_cmk_kv,
   "customer-managed key vault"},
  {PF_VAR_WORKSPACE, "cmk_key_uri", g_ws_cmk_uri, "customer-managed key"},
  {PF_VAR_WORKSPACE, "computes", g_ws_computes, "names of its computes"},
  {PF_VAR_WORKSPACE, "clusters", g_ws_clusters,
   "names of its AmlCompute clusters"},
  {PF_VAR_COMPUTE, "type", g_c_type,
   "AmlCompute, ComputeInstance, AKS, ..."},
  {PF_VAR_COMPUTE, "subnet_id", g_c_subnet_id, "subnet it runs in"},
  {PF_VAR_COMPUTE, "max_nodes", g_c_max, "maximum node count"},
  {PF_VAR_COMPUTE, "min_nodes", g_c_min, "minimum node count"},
  {PF_VAR_COMPUTE, "node_public_ip", g_c_public_ip,
   "nodes get public IPs (default true)"},
  {PF_VAR_COMPUTE, "ssh_enabled", g_c_ssh, "SSH public access enabled"},
  {PF_VAR_COMPUTE, "os_type", g_c_os, "Linux or Windows"},
  {PF_VAR_COMPUTE, "state", g_c_state, "provisioning or instance state"},
  {PF_VAR_COMPUTE, "vm_size", g_c_vm_size, "VM size"},
  {PF_VAR_COMPUTE, "unusable_nodes", g_c_unusable,
   "nodes in state unusable"},
  {PF_VAR_COMPUTE, "aks_service_cidr", g_c_aks_service,
   "AKS service address range"},
  {PF_VAR_COMPUTE, "aks_dns_service_ip", g_c_aks_dns, "AKS DNS service IP"},
  {PF_VAR_COMPUTE, "aks_docker_bridge_cidr", g_c_aks_bridge,
   "AKS docker bridge address"},
  {PF_VAR_COMPUTE, "aks_load_balancer_type", g_c_aks_lb,
   "PublicIp or InternalLoadBalancer"},
  {PF_VAR_SUBNET, "prefixes", g_s_prefixes, "address prefixes"},
  {PF_VAR_SUBNET, "capacity", g_s_capacity,
   "usable addresses (2^n - 5 per prefix)"},
  {PF_VAR_SUBNET, "used", g_s_used, "addresses in use (ipConfigurations)"},
  {PF_VAR_SUBNET, "free", g_s_free, "capacity - used"},
  {PF_VAR_SUBNET, "delegations", g_s_delegations,
   "delegated service names"},
  {PF_VAR_SUBNET, "service_endpoints", g_s_endpoints,
   "service endpoint services"},
  {PF_VAR_SUBNET, "private_endpoint_network_policies", g_s_pe_policies,
   "Enabled or Disabled"},
  {PF_VAR_VNET, "prefixes", g_v_prefixes, "address space"},
  {PF_VAR_VNET, "subnet_prefixes", g_v_subnet_prefixes,
   "prefixes of every subnet"},
  {PF_VAR_VNET, "subnet_ids", g_v_subnet_ids, "ids of its subnets"},
  {PF_VAR_VNET, "subnet_names", g_v_subnet_names, "names of its subnets"},
  {PF_VAR_ROUTE_TABLE, "default_route_next_hop", g_rt_default,
   "next hop type of 0.0.0.0/0"},
#define FW(v)                                                              \
  {v, "firewall.present", g_fw_present, "a firewall (network ACL) is given"}, \
  {v, "firewall.default_action", g_fw_default, "Allow or Deny"},          \
  {v, "firewall.bypass", g_fw_bypass, "bypass list (AzureServices, ...)"}, \
  {v, "firewall.vnet_rules", g_fw_vnet_rules, "subnet ids allowed"},       \
  {v, "firewall.ip_rules", g_fw_ip_rules, "addresses allowed"},            \
  {v, "public_network_access", g_fw_public, "Enabled or Disabled"},       \
  {v, "private_endpoint_subnets", g_pe_subnets,                           \
   "subnets of private endpoints to it"}
  FW(PF_VAR_STORAGE), FW(PF_VAR_KEYVAULT), FW(PF_VAR_REGISTRY),
#undef FW
  {PF_VAR_STORAGE, "sku", g_st_sku, "SKU name"},
  {PF_VAR_STORAGE, "kind", g_st_kind, "account kind"},
  {PF_VAR_STORAGE, "hns", g_st_hns,
   "hierarchical namespace (Data Lake Gen2)"},
  {PF_VAR_REGISTRY, "sku", g_rg_sku, "Basic, Standard or Premium"},
  {PF_VAR_DATASTORE, "type", g_ds_type,
   "AzureBlob, AzureFile, AzureDataLakeGen2"},
  {PF_VAR_DATASTORE, "account", g_ds_account, "storage account name"},
  {PF_VAR_DATASTORE, "container", g_ds_container,
   "container, share or filesystem"},
  {PF_VAR_DATASTORE, "credential", g_ds_cred,
   "account-key, sas, identity, ..."},
  {PF_VAR_NIC, "private_ips", g_nic_ips, "private addresses"},
  COMMON2(PF_VAR_SERVICE), COMMON2(PF_VAR_DATABRICKS), COMMON2(PF_VAR_VM),
  COMMON2(PF_VAR_AKS_CLUSTER),
  {PF_VAR_SERVICE, "compute_type", g_sv_type, "ACI, AKS or Custom"},
  {PF_VAR_SERVICE, "auth_enabled", g_sv_auth, "key authentication"},
  {PF_VAR_SERVICE, "token_auth_enabled", g_sv_token, "token authentication"},
  {PF_VAR_SERVICE, "ssl_enabled", g_sv_ssl, "served over TLS"},
  {PF_VAR_SERVICE, "vnet_name", g_sv_vnet, "ACI: virtual network name"},
  {PF_VAR_SERVICE, "subnet_name", g_sv_subnet, "ACI: subnet name"},
  {PF_VAR_SERVICE, "encryption", g_sv_enc, "encryption properties given"},
  {PF_VAR_DATABRICKS, "vnet_id", g_db_vnet, "injected virtual network"},
  {PF_VAR_DATABRICKS, "public_subnet", g_db_pub, "public subnet name"},
  {PF_VAR_DATABRICKS, "private_subnet", g_db_priv, "private subnet name"},
  {PF_VAR_VM, "publisher", g_vm_pub, "image publisher"},
  {PF_VAR_VM, "offer", g_vm_offer, "image offer (UbuntuServer, ...)"},
  {PF_VAR_VM, "image_sku", g_vm_sku, "image SKU"},
  {PF_VAR_VM, "os_type", g_vm_os, "Linux or Windows"},
  {PF_VAR_AKS_CLUSTER, "kubernetes_version", g_ak_version,
   "Kubernetes version"},
  {PF_VAR_AKS_CLUSTER, "private_cluster", g_ak_private,
   "private API server"},
  {PF_VAR_AKS_CLUSTER, "service_cidr", g_ak_service, "service range"},
  {PF_VAR_AKS_CLUSTER, "dns_service_ip", g_ak_dns, "DNS service address"},
  {PF_VAR_AKS_CLUSTER, "docker_bridge_cidr", g_ak_bridge,
   "docker bridge"},
  {PF_VAR_AKS_CLUSTER, "outbound_type", g_ak_outbound,
   "loadBalancer or userDefinedRouting"},
  {PF_VAR_WORKSPACE, "shared_private_links", g_ws_spl,
   "group ids of shared private link resources"},
  {PF_VAR_WORKSPACE, "roles_on_workspace", g_ws_roles_self,
   "roles its identity holds on itself"},
  {PF_VAR_WORKSPACE, "roles_on_storage", g_ws_roles_storage,
   "roles its identity holds on its storage"},
  {PF_VAR_WORKSPACE, "roles_on_key_vault", g_ws_roles_kv,
   "roles its identity holds on its key vault"},
  {PF_VAR_WORKSPACE, "roles_on_registry", g_ws_roles_acr,
   "roles its identity holds on its registry"},
  {PF_VAR_WORKSPACE, "roles_on_resource_group", g_ws_roles_rg,
   "roles its identity holds on its resource group"},
  {PF_VAR_VNET, "locks", g_locks, "levels of locks covering it"},
  {PF_VAR_WORKSPACE, "locks", g_locks, "levels of locks covering it"},
  {PF_VAR_INPUT, "client_ip", g_input_client_ip,
   "check --client-ip: the SDK client's address"},
  {PF_VAR_SUBNET, "nsg_id", g_s_nsg_id,
   "its NSG (own reference or an NSG listing it); absent: none"},
  {PF_VAR_SUBNET, "route_table_id", g_s_rt_id,
   "its route table; absent: none"},
  {PF_VAR_VNET, "computes", g_v_computes,
   "names of the computes in its subnets"},
  {PF_VAR_VNET, "compute_count", g_v_compute_count,
   "number of computes in its subnets"},
  {PF_VAR_COMPUTE, "resource_id", g_c_resource_id,
   "attached resource (AKS, VM, Databricks, HDInsight)"},
  {PF_VAR_COMPUTE, "aks_docker_bridge_network", g_c_aks_bridge_net,
   "AKS docker bridge as its network (172.17.0.1/16 -> 172.17.0.0/16)"},
  {PF_VAR_AKS_CLUSTER, "kubernetes_version_num", g_ak_version_num,
   "major * 100 + minor (1.16 -> 116)"},
  {PF_VAR_STORAGE, "datastores", g_st_datastores,
   "names of the datastores using the account"},
  {PF_VAR_WORKSPACE, "cmk_key_vault_location", g_ws_cmk_kv_location,
   "region of the customer-managed key vault (loaded)"},
  {PF_VAR_WORKSPACE, "cmk_key_vault_subscription", g_ws_cmk_kv_subscription,
   "subscription of the customer-managed key vault (loaded)"},
  {PF_VAR_WORKSPACE, "registry_id", g_ws_registry_id,
   "its container registry; absent: none"},
  {PF_VAR_WORKSPACE, "roles_on_key_vault_group", g_ws_roles_kv_rg,
   "roles its identity holds on its key vault's resource group"},
};

static const struct prop *find_prop(const char *path, enum pf_var *var)
{
  const char *dot = strchr(path, '.');
  size_t i;
  if (!dot)
    return NULL;
  *var = pf_var_find(path, (size_t)(dot - path));
  if (*var == PF_VAR_COUNT)
    return NULL;
  for (i = 0; i < sizeof(props) / sizeof(props[0]); i++)
    if (props[i].var == *var && !strcmp(props[i].name, dot + 1))
      return &props[i];
  return NULL;
}

static int is_identity(getter_fn g)
{
  return g == g_name || g == g_id || g == g_location || g == g_subscription ||
         g == g_resource_group;
}

static const struct pf_pending *bound_pending(const struct pf_binding *b)
{
  unsigned i;
  for (i = 0; i < PF_VAR_COUNT; i++)
    if (b->v[i] && b->v[i]->pending)
      return b->v[i]->pending;
  return NULL;
}

static void pending_why(struct pf_value *out, const struct pf_pending *p)
{
  char why[sizeof(out->why)];
  snprintf(why, sizeof(why), "known only at deployment: %s (%s)", p->text,
           p->jpath);
  pf_value_release(out);
  memcpy(out->why, why, sizeof(out->why));
  pf_value_unknown(out, out->why);
}

int pf_prop_known(const char *path)
{
  enum pf_var v;
  return find_prop(path, &v) != NULL;
}

pf_status pf_prop_get(const struct pf_binding *b, const char *path,
                      const struct pf_config *cfg, struct pf_value *out)
{
  enum pf_var v;
  const struct prop *p = find_prop(path, &v);
  const struct pf_pending *pend;
  pf_status st;
  if (!p)
    return PF_ENOTFOUND;
  if (v == PF_VAR_INPUT)
    return p->get(NULL, cfg, out);
  if (!b->v[v]) {
    /* referenced but not supplied: unknown, saying what to load; not
     * referenced at all: the property is absent - unless a bound
     * resource has values known only at deployment, one of which may be
     * the reference itself */
    if (b->missing[v]) {
      snprintf(out->why, sizeof(out->why), "load %s %s", pf_var_name(v),
               b->missing[v]);
      pf_value_unknown(out, out->why);
    } else if ((pend = bound_pending(b)) != NULL) {
      pending_why(out, pend);
    }
    return PF_OK;
  }
  st = p->get(b->v[v], cfg, out);
  /* a resource with values known only at deployment: every property but
   * its identity may hang on them (docs/semantics.md "Pending values") */
  if (st == PF_OK && b->v[v]->pending && !is_identity(p->get))
    pending_why(out, b->v[v]->pending);
  return st;
}

void pf_prop_each(void (*cb)(const char *path, const char *doc, void *arg),
                  void *arg)
{
  size_t i;
  char buf[128];
  for (i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
    snprintf(buf, sizeof(buf), "%s.%s", pf_var_name(props[i].var),
             props[i].name);
    cb(buf, props[i].doc, arg);
  }
}
