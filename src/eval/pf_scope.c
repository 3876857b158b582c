/* SPDX-License-Identifier: MIT */
/* pf_scope.c - what rule addresses mean in one virtual network */
#include "pf_scope.h"

#include <string.h>
#include <strings.h>

/*
 * The IPv4 Internet tag as Azure expands it in effective security rules:
 * all public unicast space except the special-use ranges and a set of
 * Microsoft-held ranges (216 prefixes).  Fact recorded in the az CLI test
 * recording network interface show-effective-nsg (azure-cli, tests/latest/
 * recordings, see ../shared/fixtures/arm/azure-cli-recordings/
 * nic_effective_nsg.json, tagMap.Internet).
 */
static const char *const internet_v4[] = {
  "1.0.0.0/8", "2.0.0.0/7", "4.0.0.0/6", "8.0.0.0/7", "11.0.0.0/8",
  "12.0.0.0/8", "13.0.0.0/10", "13.64.0.0/11", "13.104.0.0/13",
  "13.112.0.0/12", "13.128.0.0/9", "14.0.0.0/7", "16.0.0.0/6", "20.0.0.0/9",
  "20.129.0.0/16", "20.131.0.0/16", "20.132.0.0/14", "20.136.0.0/13",
  "20.148.0.0/14", "20.152.0.0/13", "20.160.0.0/12", "20.184.0.0/13",
  "20.192.0.0/10", "23.0.0.0/8", "24.0.0.0/8", "25.25.0.0/16", "25.26.0.0/15",
  "25.132.0.0/14", "25.136.0.0/14", "25.140.0.0/15", "25.240.0.0/14",
  "25.250.86.0/23", "25.250.88.0/21", "25.250.96.0/19", "25.250.128.0/17",
  "25.254.9.0/24", "25.254.10.0/23", "25.254.12.0/22", "25.254.32.0/19",
  "26.0.0.0/7", "28.0.0.0/6", "32.0.0.0/5", "40.0.0.0/10", "40.64.0.0/15",
  "40.66.0.0/17", "40.67.0.0/16", "40.68.0.0/14", "40.72.0.0/13",
  "40.80.0.0/12", "40.96.0.0/11", "40.128.0.0/9", "41.0.0.0/8", "42.0.0.0/7",
  "44.0.0.0/6", "48.0.0.0/6", "52.0.0.0/9", "52.128.0.0/14", "52.136.0.0/13",
  "52.144.0.0/16", "52.146.0.0/15", "52.148.0.0/14", "52.152.0.0/13",
  "52.160.0.0/11", "52.192.0.0/10", "53.0.0.0/8", "54.0.0.0/7", "56.0.0.0/5",
  "64.0.0.0/3", "96.0.0.0/6", "100.0.0.0/10", "100.128.0.0/9", "101.0.0.0/8",
  "102.0.0.0/7", "104.0.0.0/9", "104.128.0.0/10", "104.192.0.0/12",
  "104.208.0.0/14", "104.212.0.0/19", "104.212.32.0/22", "104.212.40.0/21",
  "104.212.48.0/22", "104.212.56.0/21", "104.212.64.0/18", "104.212.128.0/17",
  "104.213.0.0/16", "104.214.0.0/15", "104.216.0.0/13", "104.224.0.0/11",
  "105.0.0.0/8", "106.0.0.0/7", "108.0.0.0/6", "112.0.0.0/5", "120.0.0.0/6",
  "124.0.0.0/7", "126.0.0.0/8", "128.0.0.0/8", "129.0.0.0/10",
  "129.64.0.0/13", "129.72.0.0/15", "129.74.0.0/16", "129.76.0.0/14",
  "129.80.0.0/12", "129.96.0.0/11", "129.128.0.0/9", "130.0.0.0/7",
  "132.0.0.0/7", "134.0.0.0/9", "134.128.0.0/11", "134.160.0.0/12",
  "134.176.0.0/16", "134.178.0.0/15", "134.180.0.0/14", "134.184.0.0/13",
  "134.192.0.0/10", "135.0.0.0/8", "136.0.0.0/7", "138.0.0.0/9",
  "138.128.0.0/10", "138.192.0.0/14", "138.197.0.0/16", "138.198.0.0/15",
  "138.200.0.0/13", "138.208.0.0/12", "138.224.0.0/11", "139.0.0.0/8",
  "140.0.0.0/8", "141.0.0.0/9", "141.128.0.0/10", "141.192.0.0/11",
  "141.224.0.0/12", "141.240.0.0/13", "141.248.0.0/15", "141.250.0.0/16",
  "141.252.0.0/14", "142.0.0.0/7", "144.0.0.0/7", "146.0.0.0/9",
  "146.128.0.0/12", "146.144.0.0/15", "146.146.0.0/16", "146.148.0.0/14",
  "146.152.0.0/13", "146.160.0.0/11", "146.192.0.0/10", "147.0.0.0/8",
  "148.0.0.0/6", "152.0.0.0/5", "160.0.0.0/5", "168.0.0.0/8", "169.0.0.0/9",
  "169.128.0.0/10", "169.192.0.0/11", "169.224.0.0/12", "169.240.0.0/13",
  "169.248.0.0/14", "169.252.0.0/15", "169.255.0.0/16", "170.0.0.0/7",
  "172.0.0.0/12", "172.32.0.0/11", "172.64.0.0/10", "172.128.0.0/9",
  "173.0.0.0/8", "174.0.0.0/7", "176.0.0.0/4", "192.0.0.0/23", "192.0.3.0/24",
  "192.0.4.0/22", "192.0.8.0/21", "192.0.16.0/20", "192.0.32.0/19",
  "192.0.64.0/18", "192.0.128.0/17", "192.1.0.0/16", "192.2.0.0/15",
  "192.4.0.0/14", "192.8.0.0/13", "192.16.0.0/12", "192.33.0.0/16",
  "192.34.0.0/15", "192.36.0.0/14", "192.40.0.0/13", "192.48.0.0/12",
  "192.64.0.0/11", "192.96.0.0/14", "192.100.0.0/18", "192.100.64.0/19",
  "192.100.96.0/22", "192.100.100.0/23", "192.100.104.0/21",
  "192.100.112.0/20", "192.100.128.0/17", "192.101.0.0/16", "192.102.0.0/15",
  "192.104.0.0/13", "192.112.0.0/12", "192.128.0.0/11", "192.160.0.0/13",
  "192.169.0.0/16", "192.170.0.0/15", "192.172.0.0/14", "192.176.0.0/12",
  "192.192.0.0/10", "193.0.0.0/8", "194.0.0.0/7", "196.0.0.0/7",
  "198.0.0.0/12", "198.16.0.0/15", "198.20.0.0/14", "198.24.0.0/13",
  "198.32.0.0/11", "198.64.0.0/10", "198.128.0.0/9", "199.0.0.0/8",
  "200.0.0.0/5", "208.0.0.0/4",
};

/* Azure's host address: DHCP, DNS, health probes (1.10) */
#define HOST_V4 0xA83F8110u   /* 168.63.129.16 */

static pf_status add_text(struct pf_ipset *set, const char *text)
{
  struct pf_prefix p;
  if (pf_prefix_parse(text, strlen(text), 1, &p, NULL) != PF_OK)
    return PF_EINVAL;
  return pf_ipset_add_prefix(set, &p);
}

static pf_status add_prefixes(struct pf_ipset *set, const struct pf_prefix *p,
                              size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (pf_ipset_add_prefix(set, &p[i]) != PF_OK)
      return PF_ENOMEM;
  return PF_OK;
}

static pf_status build_vnet(struct pf_scope *s)
{
  const struct pf_vnet *v = s->vnet;
  struct pf_prefix host;
  size_t i, j;
  pf_status st;

  host.af = PF_AF_V4;
  host.addr = HOST_V4;
  host.len = 32;
  if ((st = pf_ipset_add_prefix(&s->vnet_set, &host)) != PF_OK)
    return st;
  if ((st = add_prefixes(&s->vnet_set, v->prefixes, v->n_prefixes)) != PF_OK)
    return st;
  for (i = 0; i < v->n_peerings; i++) {
    const struct pf_peering *pe = &v->peerings[i];
    if ((st = add_prefixes(&s->vnet_set, pe->remote_prefixes,
                           pe->n_remote_prefixes)) != PF_OK)
      return st;
    if (pe->remote_vnet.target) {
      const struct pf_vnet *rv = (const struct pf_vnet *)pe->remote_vnet.target;
      if ((st = add_prefixes(&s->vnet_set, rv->prefixes, rv->n_prefixes)) !=
          PF_OK)
        return st;
    }
  }
  /* "prefixes used on user-defined routes" (ST-2023): CIDR routes of the
   * tables on this vnet's subnets, without the default routes */
  for (i = 0; i < v->n_subnets; i++) {
    const struct pf_route_table *rt =
        (const struct pf_route_table *)v->subnets[i]->route_table.target;
    if (!rt)
      continue;
    for (j = 0; j < rt->n_routes; j++) {
      const struct pf_route *r = &rt->routes[j];
      if (r->is_tag || r->prefix.len == 0)
        continue;
      if ((st = pf_ipset_add_prefix(&s->vnet_set, &r->prefix)) != PF_OK)
        return st;
    }
  }
  return PF_OK;
}

pf_status pf_scope_init(struct pf_scope *s, const struct pf_config *cfg,
                        const struct pf_tagdb *tags,
                        const struct pf_vnet *vnet)
{
  struct pf_ipset all;
  size_t i;
  pf_status st;

  memset(s, 0, sizeof(*s));
  s->cfg = cfg;
  s->tags = tags;
  s->vnet = vnet;
  pf_ipset_init(&s->vnet_set);
  pf_ipset_init(&s->internet);
  pf_ipset_init(&s->lb);
  pf_ipset_init(&s->all);
  pf_ipset_init(&all);
  if ((st = pf_ipset_add_all(&s->all)) != PF_OK)
    goto fail;
  /* AzureLoadBalancer: 168.63.129.16/32 (1.9) and the IPv6 host address
   * shown in the same recorded tag map */
  if ((st = add_text(&s->lb, "168.63.129.16/32")) != PF_OK ||
      (st = add_text(&s->lb, "fe80::1234:5678:9abc/128")) != PF_OK)
    goto fail;
  for (i = 0; i < sizeof(internet_v4) / sizeof(internet_v4[0]); i++)
    if ((st = add_text(&all, internet_v4[i])) != PF_OK)
      goto fail;
  /* IPv6: the recorded expansion lists none; global unicast 2000::/3 is
   * the documented "public address space" (docs/semantics.md) */
  if ((st = add_text(&all, "2000::/3")) != PF_OK)
    goto fail;
  if (vnet && (st = build_vnet(s)) != PF_OK)
    goto fail;
  /* "address space outside the virtual network" (1.9) */
  if ((st = pf_ipset_subtract(&s->internet, &all, &s->vnet_set)) != PF_OK)
    goto fail;
  pf_ipset_release(&all);
  return PF_OK;
fail:
  pf_ipset_release(&all);
  pf_scope_release(s);
  return st == PF_EINVAL ? PF_ENOMEM : st;
}

void pf_scope_release(struct pf_scope *s)
{
  if (!s)
    return;
  pf_ipset_release(&s->vnet_set);
  pf_ipset_release(&s->internet);
  pf_ipset_release(&s->lb);
  pf_ipset_release(&s->all);
}

const struct pf_ipset *pf_scope_fixed(const struct pf_scope *s,
                                      const struct pf_addrspec *a)
{
  const char *computed;
  const struct pf_tag *tag = NULL;
  if (a->kind == PF_ADDR_ANY)
    return &s->all;
  if (a->kind != PF_ADDR_TAG)
    return NULL;
  computed = pf_tag_computed_name(a->text, strlen(a->text));
  if (computed) {
    if (!strcmp(computed, "AzureLoadBalancer"))
      return &s->lb;
    if (!s->vnet)
      return NULL;
    return !strcmp(computed, "VirtualNetwork") ? &s->vnet_set : &s->internet;
  }
  if (s->tags &&
      pf_tagdb_find(s->tags, a->text, strlen(a->text), &tag) == PF_TAG_FILE)
    return &tag->set;
  return NULL;
}

static int asg_members(const struct pf_scope *s, const struct pf_addrspec *a,
                       struct pf_ipset *out, pf_status *st)
{
  const struct pf_config *cfg = s->cfg;
  size_t i, j, k;
  int seen = 0;
  for (i = 0; i < cfg->n_res[PF_K_NIC]; i++) {
    const struct pf_nic *nic = (const struct pf_nic *)cfg->res[PF_K_NIC][i];
    for (j = 0; j < nic->n_ipconfigs; j++) {
      const struct pf_nic_ipconfig *c = &nic->ipconfigs[j];
      for (k = 0; k < c->n_asgs; k++) {
        struct pf_prefix p;
        if (!pf_id_eq(c->asgs[k].id, a->text))
          continue;
        seen = 1;
        if (!c->has_private_ip)
          continue;
        p.af = c->private_ip.af;
        p.addr = c->private_ip.v;
        p.len = pf_af_bits(p.af);
        if (pf_ipset_add_prefix(out, &p) != PF_OK)
          *st = PF_ENOMEM;
      }
    }
  }
  return seen;
}

int pf_scope_addr(const struct pf_scope *s, const struct pf_addrspec *a,
                  struct pf_ipset *out, const char **why, pf_status *st)
{
  *st = PF_OK;
  switch (a->kind) {
  case PF_ADDR_ANY:
    *st = pf_ipset_add_all(out);
    return 1;
  case PF_ADDR_PREFIX:
    *st = pf_ipset_add_prefix(out, &a->prefix);
    return 1;
  case PF_ADDR_OPAQUE:
    *why = "an address Azure accepted but whose meaning is undocumented";
    return 0;
  case PF_ADDR_PENDING:
    *why = "a rule value known only at deployment (see the load warning)";
    return 0;
  case PF_ADDR_ASG:
    /* membership is known only from the NICs that were loaded (1.8) */
    if (!asg_members(s, a, out, st)) {
      *why = "application security group membership unknown (load the "
             "network interfaces)";
      return 0;
    }
    return 1;
  case PF_ADDR_TAG:
    break;
  }
  return pf_scope_name(s, a->text, out, why, st);
}

int pf_scope_name(const struct pf_scope *s, const char *name,
                  struct pf_ipset *out, const char **why, pf_status *st)
{
  const char *computed = pf_tag_computed_name(name, strlen(name));
  const struct pf_tag *tag = NULL;
  struct pf_ipset tmp;
  const struct pf_ipset *src = NULL;

  *st = PF_OK;
  if (computed) {
    if (!strcmp(computed, "AzureLoadBalancer")) {
      src = &s->lb;
    } else if (!s->vnet) {
      *why = "VirtualNetwork and Internet need the virtual network (load "
             "it)";
      return 0;
    } else {
      src = !strcmp(computed, "VirtualNetwork") ? &s->vnet_set : &s->internet;
    }
  } else if (strchr(name, '.') || strchr(name, ':') ||
             (name[0] >= '0' && name[0] <= '9')) {
    struct pf_prefix p;
    if (pf_prefix_parse(name, strlen(name), 1, &p, NULL) == PF_OK) {
      *st = pf_ipset_add_prefix(out, &p);
      return 1;
    }
  }
  if (!src) {
    if (!s->tags) {
      *why = "service tags need a tag file (--service-tags)";
      return 0;
    }
    if (pf_tagdb_find(s->tags, name, strlen(name), &tag) != PF_TAG_FILE) {
      *why = "service tag not in the tag file";
      return 0;
    }
    src = &tag->set;
  }
  pf_ipset_init(&tmp);
  if (pf_ipset_union(&tmp, out, src) != PF_OK) {
    *st = PF_ENOMEM;
    pf_ipset_release(&tmp);
    return 0;
  }
  pf_ipset_release(out);
  *out = tmp;
  return 1;
}
