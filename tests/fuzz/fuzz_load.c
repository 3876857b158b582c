/* SPDX-License-Identifier: MIT */
/* fuzz_load.c - libFuzzer target for the resource loaders
 *
 * Any byte string goes through pf_load_buffer on a fresh configuration,
 * then pf_config_resolve; every resource that was added is walked field by
 * field (so a dangling or unterminated string is caught by the sanitizers)
 * and checked for the model's invariants, and every reference is visited
 * in both directions.  The same bytes are then loaded a second time into
 * the same configuration, which must only add duplicates.  Failures must
 * produce a message prefixed with the name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "load/pf_load.h"
#include "model/pf_ip.h"
#include "model/pf_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t sink;

/* Read the whole string (the sanitizers check every byte). */
static void touch(const char *s)
{
  if (s)
    sink += strlen(s);
}

static void touch_ref(const struct pf_ref *r)
{
  touch(r->id);
  touch(r->jpath);
  if (r->target && !pf_id_eq(r->target->id, r->id))
    abort();   /* resolved to a resource with another id */
}

static void touch_refs(const struct pf_ref *r, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    touch_ref(&r[i]);
}

static void check_prefix(const struct pf_prefix *p)
{
  if (p->len > pf_af_bits(p->af))
    abort();
  if (pf_prefix_first(p) != p->addr)
    abort();   /* host bits must be zero */
  if (pf_prefix_last(p) < pf_prefix_first(p))
    abort();
}

static void check_prefixes(const struct pf_prefix *p, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    check_prefix(&p[i]);
}

static void check_ports(const struct pf_rangeset *s)
{
  size_t i;
  for (i = 0; i < s->n; i++) {
    if (s->r[i].lo > s->r[i].hi || s->r[i].hi > PF_PORT_MAX)
      abort();
    if (i && s->r[i].lo <= s->r[i - 1].hi + 1)
      abort();   /* not in normal form */
  }
}

static void check_addrs(const struct pf_addrspec *a, size_t n)
{
  size_t i;
  if (n == 0)
    abort();   /* a rule always has a source and a destination */
  for (i = 0; i < n; i++) {
    touch(a[i].text);
    if (a[i].kind == PF_ADDR_PREFIX)
      check_prefix(&a[i].prefix);
    if (a[i].kind == PF_ADDR_ASG)
      touch_ref(&a[i].asg);
  }
}

static void walk_nsg(const struct pf_nsg *n)
{
  size_t i;
  for (i = 0; i < n->n_rules; i++) {
    const struct pf_nsg_rule *r = &n->rules[i];
    touch(r->name);
    touch(r->id);
    touch(r->description);
    touch(r->jpath);
    if (!r->is_default && (r->priority < 100 || r->priority > 4096))
      abort();
    if (i && r->is_default == n->rules[i - 1].is_default &&
        r->dir == n->rules[i - 1].dir &&
        r->priority <= n->rules[i - 1].priority)
      abort();   /* sorted, unique per direction */
    check_addrs(r->src, r->n_src);
    check_addrs(r->dst, r->n_dst);
    check_ports(&r->src_ports);
    check_ports(&r->dst_ports);
    if (r->src_ports.n == 0 || r->dst_ports.n == 0)
      abort();
  }
  touch_refs(n->subnets, n->n_subnets);
  touch_refs(n->nics, n->n_nics);
}

static void walk_fw(const struct pf_firewall *fw)
{
  check_prefixes(fw->ip_rules, fw->n_ip_rules);
  touch_refs(fw->vnet_rules, fw->n_vnet_rules);
}

static void walk_res(const struct pf_config *cfg, const struct pf_res *r,
                     unsigned kind)
{
  size_t i, j;
  if (r->kind != (enum pf_kind)kind || !r->id || !r->name || !r->file ||
      !r->jpath || r->jpath[0] != '$')
    abort();
  touch(r->id);
  touch(r->name);
  touch(r->location);
  touch(r->subscription);
  touch(r->resource_group);
  /* every resource can be found by its id (except ids ending in '/',
   * which the index hashes differently: reported, not fixed here) */
  if (r->id[0] && r->id[strlen(r->id) - 1] != '/' &&
      !pf_config_find(cfg, r->id))
    abort();
  switch (r->kind) {
  case PF_K_WORKSPACE: {
    const struct pf_workspace *w = (const void *)r;
    touch_ref(&w->storage);
    touch_ref(&w->key_vault);
    touch_ref(&w->registry);
    touch_ref(&w->app_insights);
    touch(w->sku);
    touch(w->image_build_compute);
    touch(w->principal_id);
    touch(w->cmk_key_vault);
    touch(w->cmk_key_uri);
    touch(w->managed_network);
    for (i = 0; i < w->n_spl; i++)
      touch(w->spl_groups[i]);
    break;
  }
  case PF_K_DATASTORE: {
    const struct pf_datastore *d = (const void *)r;
    touch_ref(&d->workspace);
    touch(d->ds_type);
    touch(d->account_name);
    touch(d->container);
    touch(d->endpoint);
    touch(pf_cred_name(d->cred));
    if (d->storage && d->storage->kind != PF_K_STORAGE)
      abort();
    break;
  }
  case PF_K_COMPUTE: {
    const struct pf_compute *c = (const void *)r;
    touch_ref(&c->workspace);
    touch_ref(&c->subnet);
    touch(c->type_text);
    touch(c->vnet_name);
    touch(c->subnet_name);
    touch(c->vm_size);
    touch(c->os_type);
    touch(c->ssh_public_access);
    touch(c->state);
    touch(c->aks_service_cidr);
    touch(c->aks_dns_service_ip);
    touch(c->aks_docker_bridge_cidr);
    touch(c->aks_cluster_purpose);
    touch(c->aks_load_balancer_type);
    touch(c->resource_id);
    touch(c->address);
    touch(pf_compute_type_name(c->type));
    if (c->max_nodes < -1 || c->min_nodes < -1 || c->ssh_port > 65535)
      abort();
    break;
  }
  case PF_K_VNET: {
    const struct pf_vnet *v = (const void *)r;
    check_prefixes(v->prefixes, v->n_prefixes);
    for (i = 0; i < v->n_subnets; i++)
      if (!v->subnets[i] || v->subnets[i]->hdr.kind != PF_K_SUBNET)
        abort();
    for (i = 0; i < v->n_peerings; i++) {
      touch(v->peerings[i].name);
      touch(v->peerings[i].state);
      touch_ref(&v->peerings[i].remote_vnet);
      check_prefixes(v->peerings[i].remote_prefixes,
                     v->peerings[i].n_remote_prefixes);
    }
    break;
  }
  case PF_K_SUBNET: {
    const struct pf_subnet *s = (const void *)r;
    if (s->n_prefixes == 0)
      abort();
    check_prefixes(s->prefixes, s->n_prefixes);
    sink += (size_t)pf_subnet_capacity(s);
    touch_ref(&s->vnet);
    touch_ref(&s->nsg);
    touch_ref(&s->route_table);
    touch_ref(&s->nat_gateway);
    for (i = 0; i < s->n_endpoints; i++) {
      touch(s->endpoints[i].service);
      for (j = 0; j < s->endpoints[i].n_locations; j++)
        touch(s->endpoints[i].locations[j]);
    }
    for (i = 0; i < s->n_delegations; i++)
      touch(s->delegations[i]);
    touch(s->pe_network_policies);
    touch_refs(s->private_endpoints, s->n_private_endpoints);
    break;
  }
  case PF_K_NSG:
    walk_nsg((const struct pf_nsg *)r);
    break;
  case PF_K_NIC: {
    const struct pf_nic *n = (const void *)r;
    for (i = 0; i < n->n_ipconfigs; i++) {
      touch(n->ipconfigs[i].name);
      touch_ref(&n->ipconfigs[i].subnet);
      touch_refs(n->ipconfigs[i].asgs, n->ipconfigs[i].n_asgs);
    }
    touch_ref(&n->nsg);
    touch_ref(&n->vm);
    break;
  }
  case PF_K_ROUTE_TABLE: {
    const struct pf_route_table *t = (const void *)r;
    for (i = 0; i < t->n_routes; i++) {
      const struct pf_route *ro = &t->routes[i];
      touch(ro->name);
      touch(ro->jpath);
      touch(ro->prefix_text);
      touch(pf_nexthop_name(ro->next_hop));
      if (!ro->is_tag)
        check_prefix(&ro->prefix);
      /* a VirtualAppliance route may lack its address only when that is
       * known only at deployment, and then says so (its expression and
       * path; the table is not made pending by it) */
      if (ro->has_next_hop_ip && ro->next_hop != PF_NH_VIRTUAL_APPLIANCE)
        abort();
      if (!ro->has_next_hop_ip && ro->next_hop == PF_NH_VIRTUAL_APPLIANCE &&
          (!ro->hop_pending || !ro->hop_pending_path ||
           ro->hop_pending_path[0] != '$'))
        abort();
      if (ro->hop_pending && (ro->has_next_hop_ip ||
                              ro->next_hop != PF_NH_VIRTUAL_APPLIANCE))
        abort();
    }
    touch_refs(t->subnets, t->n_subnets);
    break;
  }
  case PF_K_STORAGE: {
    const struct pf_storage *s = (const void *)r;
    touch(s->sku);
    touch(s->account_kind);
    walk_fw(&s->fw);
    break;
  }
  case PF_K_KEYVAULT: {
    const struct pf_keyvault *k = (const void *)r;
    touch(k->sku);
    touch(k->vault_uri);
    walk_fw(&k->fw);
    break;
  }
  case PF_K_REGISTRY: {
    const struct pf_registry *g = (const void *)r;
    touch(g->sku);
    touch(g->login_server);
    walk_fw(&g->fw);
    break;
  }
  case PF_K_PRIVATE_ENDPOINT: {
    const struct pf_private_endpoint *p = (const void *)r;
    touch_ref(&p->subnet);
    touch_refs(p->targets, p->n_targets);
    for (i = 0; i < p->n_targets; i++)
      touch(p->group_ids[i]);
    touch_refs(p->nics, p->n_nics);
    for (i = 0; i < p->n_dns; i++)
      touch(p->dns_fqdns[i]);
    break;
  }
  case PF_K_ROLE_ASSIGNMENT: {
    const struct pf_role_assignment *a = (const void *)r;
    touch(a->principal_id);
    touch(a->role_definition_id);
    touch(a->role_name);
    touch(a->scope);
    break;
  }
  case PF_K_LOCK: {
    const struct pf_lock *l = (const void *)r;
    touch(l->level);
    touch(l->scope);
    break;
  }
  case PF_K_SERVICE: {
    const struct pf_service *v = (const void *)r;
    touch_ref(&v->workspace);
    touch(v->compute_type);
    touch(v->vnet_name);
    touch(v->subnet_name);
    break;
  }
  case PF_K_DATABRICKS: {
    const struct pf_databricks *b = (const void *)r;
    touch_ref(&b->vnet);
    touch(b->public_subnet);
    touch(b->private_subnet);
    break;
  }
  case PF_K_VM: {
    const struct pf_vm *v = (const void *)r;
    touch(v->publisher);
    touch(v->offer);
    touch(v->image_sku);
    touch(v->os_type);
    touch_refs(v->nics, v->n_nics);
    break;
  }
  case PF_K_AKS_CLUSTER: {
    const struct pf_aks_cluster *a = (const void *)r;
    touch(a->kubernetes_version);
    touch(a->service_cidr);
    touch(a->dns_service_ip);
    touch(a->docker_bridge_cidr);
    touch(a->outbound_type);
    touch_refs(a->subnets, a->n_subnets);
    break;
  }
  case PF_K_ASG:
  case PF_K_COUNT:
    break;
  }
}

static void visit_ref(const struct pf_res *from, const struct pf_ref *ref,
                      void *arg)
{
  (void)arg;
  if (!from || !ref->id)
    abort();   /* each_ref reports only references that exist */
  touch_ref(ref);
}

static void walk(const struct pf_config *cfg)
{
  unsigned k;
  size_t i;
  for (k = 0; k < PF_K_COUNT; k++)
    for (i = 0; i < cfg->n_res[k]; i++)
      walk_res(cfg, cfg->res[k][i], k);
  for (i = 0; i < cfg->n_inputs; i++) {
    touch(cfg->inputs[i].path);
    touch(cfg->inputs[i].format);
    touch(cfg->inputs[i].skipped);
  }
  for (i = 0; i < cfg->n_ignored_types; i++)
    touch(cfg->ignored_types[i]);
  for (i = 0; i < cfg->n_warnings; i++)
    touch(cfg->warnings[i]);
  pf_config_each_ref(cfg, 0, visit_ref, NULL);
  pf_config_each_ref(cfg, 1, visit_ref, NULL);
}

/* Load the input; \return the number of resources, or -1 on error. */
static long load_once(struct pf_config *cfg, const uint8_t *data,
                      size_t size)
{
  struct pf_err err;
  pf_status st;
  unsigned k;
  long n = 0;
  pf_err_clear(&err);
  st = pf_load_buffer(cfg, "f.json", (const char *)data, size, &err);
  if (st != PF_OK) {
    if (!pf_err_isset(&err) || err.code != st ||
        strncmp(err.msg, "f.json: ", 8) != 0)
      abort();   /* every failure says where */
    return -1;
  }
  if (pf_err_isset(&err))
    abort();
  for (k = 0; k < PF_K_COUNT; k++)
    n += (long)cfg->n_res[k];
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct pf_config *cfg = NULL;
  long first, second;
  size_t dups;

  if (pf_config_create(&cfg) != PF_OK)
    return 0;
  first = load_once(cfg, data, size);
  if (pf_config_resolve(cfg) != PF_OK)
    abort();
  /* also after a failure: what was added before it is complete */
  walk(cfg);
  if (first >= 0) {
    if (cfg->n_inputs != 1 || cfg->inputs[0].n_resources != (size_t)first ||
        cfg->inputs[0].n_duplicates != cfg->n_duplicates)
      abort();
    /* the same document again: nothing new, only duplicates */
    dups = cfg->n_duplicates;
    second = load_once(cfg, data, size);
    if (second != first)
      abort();
    /* every top-level resource is a duplicate; resources nested in a
     * duplicate vnet are not loaded again at all, so the count of
     * duplicates may be smaller than the count of resources */
    if (cfg->inputs[1].n_resources != 0 ||
        cfg->n_duplicates - dups > (size_t)first + dups ||
        (first > 0 && cfg->n_duplicates == dups))
      abort();
    if (pf_config_resolve(cfg) != PF_OK)
      abort();
    walk(cfg);
  }
  pf_config_destroy(cfg);
  return 0;
}
