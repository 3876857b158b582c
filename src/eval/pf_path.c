/* SPDX-License-Identifier: MIT */
/* pf_path.c - which NSGs a flow meets, found from the configuration */
#include "pf_path.h"

#include <string.h>

#include "../core/pf_mem.h"

struct scope_entry {
  const struct pf_vnet *vnet;
  struct pf_scope scope;
};

struct nsgc_entry {
  const struct pf_nsg *nsg;
  const struct pf_vnet *vnet;
  struct pf_nsgc c;
};

struct pf_planner {
  const struct pf_config *cfg;
  const struct pf_tagdb *tags;
  /* entries are allocated one by one: stages and callers keep pointers to
   * them while more are added */
  struct scope_entry **scopes;
  size_t n_scopes, cap_scopes;
  struct nsgc_entry **nsgcs;
  size_t n_nsgcs, cap_nsgcs;
  struct rtable_entry *rtables;
  size_t n_rtables, cap_rtables;
  int index_flows;
};

struct rtable_entry {
  const struct pf_subnet *subnet;
  struct pf_rtable *rt;
};

pf_status pf_planner_index_flows(struct pf_planner *p)
{
  size_t i;
  p->index_flows = 1;
  for (i = 0; i < p->n_nsgcs; i++)
    if (pf_nsgc_index(&p->nsgcs[i]->c) != PF_OK)
      return PF_ENOMEM;
  return PF_OK;
}

pf_status pf_planner_create(struct pf_planner **out,
                            const struct pf_config *cfg,
                            const struct pf_tagdb *tags)
{
  struct pf_planner *p = pf_calloc(1, sizeof(*p));
  *out = NULL;
  if (!p)
    return PF_ENOMEM;
  p->cfg = cfg;
  p->tags = tags;
  *out = p;
  return PF_OK;
}

void pf_planner_destroy(struct pf_planner *p)
{
  size_t i;
  if (!p)
    return;
  for (i = 0; i < p->n_scopes; i++) {
    pf_scope_release(&p->scopes[i]->scope);
    pf_free(p->scopes[i]);
  }
  for (i = 0; i < p->n_nsgcs; i++) {
    pf_nsgc_release(&p->nsgcs[i]->c);
    pf_free(p->nsgcs[i]);
  }
  for (i = 0; i < p->n_rtables; i++)
    pf_rtable_destroy(p->rtables[i].rt);
  pf_free(p->scopes);
  pf_free(p->nsgcs);
  pf_free(p->rtables);
  pf_free(p);
}

pf_status pf_planner_rtable(struct pf_planner *p, const struct pf_subnet *s,
                            const struct pf_rtable **out, struct pf_err *err)
{
  struct pf_route_opts ro;
  struct pf_rtable *rt = NULL;
  size_t i;
  pf_status st;
  *out = NULL;
  for (i = 0; i < p->n_rtables; i++)
    if (p->rtables[i].subnet == s) {
      *out = p->rtables[i].rt;
      return PF_OK;
    }
  if (PF_GROW(p->rtables, p->cap_rtables, p->n_rtables + 1))
    return PF_ENOMEM;
  memset(&ro, 0, sizeof(ro));
  ro.profile = PF_ROUTE_PROFILE_2023;
  ro.tags = p->tags;
  if ((st = pf_rtable_build(p->cfg, s, &ro, &rt, err)) != PF_OK)
    return st;
  p->rtables[p->n_rtables].subnet = s;
  p->rtables[p->n_rtables].rt = rt;
  p->n_rtables++;
  *out = rt;
  return PF_OK;
}

const struct pf_subnet *pf_planner_subnet_of(const struct pf_planner *p,
                                             const struct pf_addr *a)
{
  const struct pf_subnet *best = NULL;
  unsigned best_len = 0;
  size_t i, j;
  for (i = 0; i < p->cfg->n_res[PF_K_SUBNET]; i++) {
    const struct pf_subnet *s =
        (const struct pf_subnet *)p->cfg->res[PF_K_SUBNET][i];
    for (j = 0; j < s->n_prefixes; j++) {
      if (!pf_prefix_contains(&s->prefixes[j], a))
        continue;
      if (!best || s->prefixes[j].len > best_len) {
        best = s;
        best_len = s->prefixes[j].len;
      }
    }
  }
  return best;
}

const struct pf_nic *pf_planner_nic_of(const struct pf_planner *p,
                                       const struct pf_addr *a)
{
  size_t i, j;
  for (i = 0; i < p->cfg->n_res[PF_K_NIC]; i++) {
    const struct pf_nic *n = (const struct pf_nic *)p->cfg->res[PF_K_NIC][i];
    for (j = 0; j < n->n_ipconfigs; j++)
      if (n->ipconfigs[j].has_private_ip &&
          n->ipconfigs[j].private_ip.af == a->af &&
          n->ipconfigs[j].private_ip.v == a->v)
        return n;
  }
  return NULL;
}

const struct pf_vnet *pf_planner_vnet_of(const struct pf_planner *p,
                                         const struct pf_subnet *s)
{
  (void)p;
  if (!s || !s->vnet.target || s->vnet.target->kind != PF_K_VNET)
    return NULL;
  return (const struct pf_vnet *)s->vnet.target;
}

const struct pf_scope *pf_planner_scope(struct pf_planner *p,
                                        const struct pf_vnet *vnet,
                                        pf_status *st)
{
  struct scope_entry *e;
  size_t i;
  *st = PF_OK;
  for (i = 0; i < p->n_scopes; i++)
    if (p->scopes[i]->vnet == vnet)
      return &p->scopes[i]->scope;
  if (PF_GROW(p->scopes, p->cap_scopes, p->n_scopes + 1) ||
      !(e = pf_calloc(1, sizeof(*e)))) {
    *st = PF_ENOMEM;
    return NULL;
  }
  e->vnet = vnet;
  *st = pf_scope_init(&e->scope, p->cfg, p->tags, vnet);
  if (*st != PF_OK) {
    pf_free(e);
    return NULL;
  }
  p->scopes[p->n_scopes++] = e;
  return &e->scope;
}

static const struct pf_nsgc *compiled(struct pf_planner *p,
                                      const struct pf_nsg *nsg,
                                      const struct pf_vnet *vnet,
                                      pf_status *st)
{
  const struct pf_scope *scope;
  struct nsgc_entry *e;
  size_t i;
  *st = PF_OK;
  for (i = 0; i < p->n_nsgcs; i++)
    if (p->nsgcs[i]->nsg == nsg && p->nsgcs[i]->vnet == vnet)
      return &p->nsgcs[i]->c;
  scope = pf_planner_scope(p, vnet, st);
  if (!scope)
    return NULL;
  if (PF_GROW(p->nsgcs, p->cap_nsgcs, p->n_nsgcs + 1) ||
      !(e = pf_calloc(1, sizeof(*e)))) {
    *st = PF_ENOMEM;
    return NULL;
  }
  *st = pf_nsgc_compile(&e->c, nsg, scope);
  if (*st == PF_OK && p->index_flows && (*st = pf_nsgc_index(&e->c)) != PF_OK)
    pf_nsgc_release(&e->c);
  if (*st != PF_OK) {
    pf_free(e);
    return NULL;
  }
  e->nsg = nsg;
  e->vnet = vnet;
  p->nsgcs[p->n_nsgcs++] = e;
  return &e->c;
}

/* The NSG of a subnet: its own reference, else an NSG whose `subnets`
 * lists it (the association may be recorded on either side). */
static const struct pf_ref *subnet_nsg(const struct pf_planner *p,
                                       const struct pf_subnet *s,
                                       const struct pf_nsg **nsg)
{
  size_t i, j;
  *nsg = NULL;
  if (s->nsg.id) {
    *nsg = (const struct pf_nsg *)s->nsg.target;
    return &s->nsg;
  }
  for (i = 0; i < p->cfg->n_res[PF_K_NSG]; i++) {
    const struct pf_nsg *n = (const struct pf_nsg *)p->cfg->res[PF_K_NSG][i];
    for (j = 0; j < n->n_subnets; j++)
      if (pf_id_eq(n->subnets[j].id, s->hdr.id)) {
        *nsg = n;
        return NULL;
      }
  }
  return NULL;
}

pf_status pf_planner_stage(struct pf_planner *p, const struct pf_res *owner,
                           const struct pf_vnet *vnet, enum pf_dir dir,
                           struct pf_stage *out)
{
  const struct pf_nsg *nsg = NULL;
  const struct pf_ref *ref = NULL;
  pf_status st = PF_OK;

  memset(out, 0, sizeof(*out));
  out->dir = dir;
  out->owner = owner;
  if (owner->kind == PF_K_SUBNET) {
    out->level = PF_LEVEL_SUBNET;
    ref = subnet_nsg(p, (const struct pf_subnet *)owner, &nsg);
  } else {
    const struct pf_nic *nic = (const struct pf_nic *)owner;
    out->level = PF_LEVEL_NIC;
    ref = nic->nsg.id ? &nic->nsg : NULL;
    nsg = ref ? (const struct pf_nsg *)nic->nsg.target : NULL;
  }
  if (ref && !nsg) {
    out->missing_id = ref->id;
    return PF_OK;
  }
  if (nsg && nsg->hdr.kind == PF_K_NSG)
    out->nsgc = compiled(p, nsg, vnet, &st);
  return st;
}

/* Stages of one side: outbound NIC then subnet; inbound subnet then NIC. */
static pf_status side(struct pf_planner *p, const struct pf_addr *a,
                      enum pf_dir dir, struct pf_stage *out, size_t *n)
{
  const struct pf_subnet *s = pf_planner_subnet_of(p, a);
  const struct pf_nic *nic = pf_planner_nic_of(p, a);
  const struct pf_vnet *v = pf_planner_vnet_of(p, s);
  pf_status st = PF_OK;
  if (!s)
    return PF_OK;
  if (dir == PF_DIR_OUTBOUND && nic)
    st = pf_planner_stage(p, &nic->hdr, v, dir, &out[(*n)++]);
  if (st == PF_OK)
    st = pf_planner_stage(p, &s->hdr, v, dir, &out[(*n)++]);
  if (st == PF_OK && dir == PF_DIR_INBOUND && nic)
    st = pf_planner_stage(p, &nic->hdr, v, dir, &out[(*n)++]);
  return st;
}

pf_status pf_planner_flow(struct pf_planner *p, enum pf_dir dir,
                          const struct pf_addr *src,
                          const struct pf_addr *dst, struct pf_stage *out,
                          size_t *n, const char **why)
{
  const struct pf_subnet *ss = pf_planner_subnet_of(p, src);
  const struct pf_subnet *ds = pf_planner_subnet_of(p, dst);
  pf_status st = PF_OK;
  *n = 0;
  *why = NULL;
  if (ss && ds) {
    if ((st = side(p, src, PF_DIR_OUTBOUND, out, n)) == PF_OK)
      st = side(p, dst, PF_DIR_INBOUND, out, n);
    return st;
  }
  if (dir == PF_DIR_INBOUND) {
    if (!ds) {
      *why = "no loaded subnet contains the destination (load the virtual "
             "network)";
      return PF_OK;
    }
    return side(p, dst, PF_DIR_INBOUND, out, n);
  }
  if (!ss) {
    *why = "no loaded subnet contains the source (load the virtual "
           "network)";
    return PF_OK;
  }
  return side(p, src, PF_DIR_OUTBOUND, out, n);
}
