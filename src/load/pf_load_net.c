/* SPDX-License-Identifier: MIT */
/* pf_load_net.c - loaders for vnets, subnets, NSGs, NICs, ASGs, route
 * tables and private endpoints
 *
 * specification: AZURE-SEMANTICS.md 1.1-1.8 (rules), 2.3 (routes), 7.1-7.3
 * (az CLI shapes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_mem.h"
#include "pf_load_int.h"

#define NEW(lj, T) ((T *)pf_arena_alloc((lj)->a, sizeof(T)))

/* ---- subnets and vnets --------------------------------------------------- */

static pf_status load_endpoints(struct pf_lj *lj, const cJSON *p,
                                struct pf_subnet *s)
{
  const cJSON *arr, *e;
  const char *which;
  size_t i = 0;
  pf_status st = pf_lj_arr(lj, p, "serviceEndpoints", &arr, &which);
  if (st != PF_OK || !arr || !cJSON_GetArraySize(arr))
    return st;
  s->endpoints = pf_arena_calloc(lj->a, (size_t)cJSON_GetArraySize(arr),
                                 sizeof(*s->endpoints));
  if (!s->endpoints)
    return pf_load_oom(lj);
  pf_lj_push_key(lj, which);
  cJSON_ArrayForEach(e, arr) {
    struct pf_service_endpoint *se = &s->endpoints[s->n_endpoints];
    const cJSON *ep;
    pf_lj_push_idx(lj, i++);
    if (!cJSON_IsObject(e))
      st = pf_lj_fail(lj, NULL, "expected an object, found %s",
                      pf_lj_typename(e));
    ep = pf_lj_enter(lj, e);
    if (st == PF_OK)
      st = pf_lj_req_str(lj, ep, "service", &se->service);
    if (st == PF_OK)
      st = pf_lj_strs(lj, ep, "locations", &se->locations, &se->n_locations);
    pf_lj_leave(lj, e, ep);
    pf_lj_pop(lj);
    if (st != PF_OK)
      break;
    s->n_endpoints++;
  }
  pf_lj_pop(lj);
  return st;
}

static pf_status load_delegations(struct pf_lj *lj, const cJSON *p,
                                  struct pf_subnet *s)
{
  const cJSON *arr, *e;
  const char *which;
  size_t i = 0;
  pf_status st = pf_lj_arr(lj, p, "delegations", &arr, &which);
  if (st != PF_OK || !arr || !cJSON_GetArraySize(arr))
    return st;
  s->delegations = pf_arena_calloc(lj->a, (size_t)cJSON_GetArraySize(arr),
                                   sizeof(*s->delegations));
  if (!s->delegations)
    return pf_load_oom(lj);
  pf_lj_push_key(lj, which);
  cJSON_ArrayForEach(e, arr) {
    const char *svc = NULL;
    pf_lj_push_idx(lj, i++);
    if (!cJSON_IsObject(e))
      st = pf_lj_fail(lj, NULL, "expected an object, found %s",
                      pf_lj_typename(e));
    else {
      const cJSON *ep = pf_lj_enter(lj, e);
      st = pf_lj_req_str(lj, ep, "serviceName", &svc);
      pf_lj_leave(lj, e, ep);
    }
    pf_lj_pop(lj);
    if (st != PF_OK)
      break;
    s->delegations[s->n_delegations++] = svc;
  }
  pf_lj_pop(lj);
  return st;
}

pf_status pf_load_subnet(struct pf_lj *lj, const cJSON *o, const char *vnet_id,
                         struct pf_subnet **out)
{
  struct pf_subnet *s = NEW(lj, struct pf_subnet);
  const cJSON *p = pf_lj_props(o), *ipc;
  char hint[1024];
  const char *name = NULL, *hint_id = NULL;
  pf_status st;

  if (!s)
    return pf_load_oom(lj);
  if (out)
    *out = NULL;
  if (!cJSON_IsObject(o))
    return pf_lj_fail(lj, NULL, "expected a subnet object, found %s",
                      pf_lj_typename(o));
  /* subnets written inside a vnet (templates) may have only a name */
  if (vnet_id && pf_lj_str(lj, o, "name", &name) == PF_OK && name) {
    snprintf(hint, sizeof(hint), "%s/subnets/%s", vnet_id, name);
    hint_id = hint;
  }
  st = pf_load_header(lj, o, PF_K_SUBNET, hint_id, &s->hdr);
  if (st == PF_OK && s->hdr.id == hint)
    s->hdr.id = pf_arena_strdup(lj->a, hint);
  if (st != PF_OK)
    return st;
  s->vnet.id = vnet_id ? vnet_id : pf_id_parent(lj->a, s->hdr.id);
  s->vnet.jpath = NULL;   /* the parent, implied by the id */
  if ((st = pf_lj_prefixes(lj, p, "addressPrefix", 0, &s->prefixes,
                           &s->n_prefixes)) != PF_OK ||
      (st = pf_lj_prefixes(lj, p, "addressPrefixes", 0, &s->prefixes,
                           &s->n_prefixes)) != PF_OK ||
      (st = pf_lj_ref(lj, p, "networkSecurityGroup", &s->nsg)) != PF_OK ||
      (st = pf_lj_ref(lj, p, "routeTable", &s->route_table)) != PF_OK ||
      (st = pf_lj_ref(lj, p, "natGateway", &s->nat_gateway)) != PF_OK ||
      (st = load_endpoints(lj, p, s)) != PF_OK ||
      (st = load_delegations(lj, p, s)) != PF_OK ||
      (st = pf_lj_str(lj, p, "privateEndpointNetworkPolicies",
                      &s->pe_network_policies)) != PF_OK ||
      (st = pf_lj_refs(lj, p, "privateEndpoints", &s->private_endpoints,
                       &s->n_private_endpoints)) != PF_OK ||
      (st = pf_lj_bool(lj, p, "defaultOutboundAccess",
                       &s->default_outbound_access)) != PF_OK)
    return st;
  if (s->n_prefixes == 0)
    return pf_lj_fail(lj, NULL,
                      "subnet '%s' has neither addressPrefix nor "
                      "addressPrefixes",
                      s->hdr.name);
  if ((st = pf_lj_arr(lj, p, "ipConfigurations", &ipc, NULL)) != PF_OK)
    return st;
  if (ipc) {
    s->n_ip_configurations = (size_t)cJSON_GetArraySize(ipc);
    s->ip_configurations_known = 1;
  }
  st = pf_load_add(lj, &s->hdr);
  if (st == PF_OK && out)
    *out = (struct pf_subnet *)pf_config_find(lj->cfg, s->hdr.id);
  return st;
}

static pf_status load_peerings(struct pf_lj *lj, const cJSON *p,
                               struct pf_vnet *v)
{
  const cJSON *arr, *e;
  const char *which;
  size_t i = 0;
  pf_status st = pf_lj_arr(lj, p, "virtualNetworkPeerings", &arr, &which);
  if (st != PF_OK || !arr || !cJSON_GetArraySize(arr))
    return st;
  v->peerings = pf_arena_calloc(lj->a, (size_t)cJSON_GetArraySize(arr),
                                sizeof(*v->peerings));
  if (!v->peerings)
    return pf_load_oom(lj);
  pf_lj_push_key(lj, which);
  cJSON_ArrayForEach(e, arr) {
    struct pf_peering *pe = &v->peerings[v->n_peerings];
    const cJSON *pp, *ras;
    pf_lj_push_idx(lj, i++);
    st = cJSON_IsObject(e) ? PF_OK
                           : pf_lj_fail(lj, NULL, "expected an object, "
                                        "found %s", pf_lj_typename(e));
    if (st == PF_OK)
      st = pf_lj_str(lj, e, "name", &pe->name);
    pp = pf_lj_enter(lj, e);
    if (st == PF_OK)
      st = pf_lj_ref(lj, pp, "remoteVirtualNetwork", &pe->remote_vnet);
    if (st == PF_OK)
      st = pf_lj_str(lj, pp, "peeringState", &pe->state);
    if (st == PF_OK)
      st = pf_lj_bool(lj, pp, "allowVirtualNetworkAccess",
                      &pe->allow_vnet_access);
    if (st == PF_OK)
      st = pf_lj_bool(lj, pp, "allowForwardedTraffic", &pe->allow_forwarded);
    if (st == PF_OK)
      st = pf_lj_bool(lj, pp, "useRemoteGateways", &pe->use_remote_gateways);
    if (st == PF_OK)
      st = pf_lj_obj(lj, pp, "remoteAddressSpace", &ras, NULL);
    if (st == PF_OK && ras) {
      pf_lj_push_key(lj, "remoteAddressSpace");
      st = pf_lj_prefixes(lj, ras, "addressPrefixes", 0, &pe->remote_prefixes,
                          &pe->n_remote_prefixes);
      pf_lj_pop(lj);
    }
    pf_lj_leave(lj, e, pp);
    pf_lj_pop(lj);
    if (st != PF_OK)
      break;
    v->n_peerings++;
  }
  pf_lj_pop(lj);
  return st;
}

pf_status pf_load_vnet(struct pf_lj *lj, const cJSON *o)
{
  struct pf_vnet *v = NEW(lj, struct pf_vnet);
  const cJSON *p = pf_lj_props(o), *as, *dhcp, *subs, *e;
  const char *which;
  pf_status st;
  size_t i = 0;

  if (!v)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_VNET, NULL, &v->hdr)) != PF_OK)
    return st;
  /* a vnet defined earlier is kept whole: its subnets are not mixed with
   * this definition's (pf_load_add records the duplicate) */
  if (pf_config_find(lj->cfg, v->hdr.id))
    return pf_load_add(lj, &v->hdr);
  if ((st = pf_lj_obj(lj, p, "addressSpace", &as, &which)) != PF_OK)
    return st;
  if (as) {
    pf_lj_push_key(lj, which);
    st = pf_lj_prefixes(lj, as, "addressPrefixes", 0, &v->prefixes,
                        &v->n_prefixes);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  if ((st = pf_lj_obj(lj, p, "dhcpOptions", &dhcp, &which)) != PF_OK)
    return st;
  if (dhcp) {
    const char **dns = NULL;
    size_t n = 0, k;
    struct pf_pending *pend;
    pf_lj_push_key(lj, which);
    st = pf_lj_strs(lj, dhcp, "dnsServers", &dns, &n);
    if (st == PF_OK && (pend = pf_lj_pending_find(lj, "dnsServers"))) {
      v->dns_servers_pending = 1;
      pend->represented = 1;
    }
    if (st == PF_OK && n) {
      v->dns_servers = pf_arena_calloc(lj->a, n, sizeof(*v->dns_servers));
      if (!v->dns_servers)
        return pf_load_oom(lj);
      pf_lj_push_key(lj, "dnsServers");
      for (k = 0; k < n && st == PF_OK; k++) {
        struct pf_err perr;
        pf_err_clear(&perr);
        pf_lj_push_idx(lj, k);
        /* a DNS server is an address, not a prefix */
        if (pf_addr_parse(dns[k], strlen(dns[k]), &v->dns_servers[k],
                          &perr) != PF_OK)
          st = pf_lj_fail(lj, NULL, "%s", perr.msg);
        pf_lj_pop(lj);
      }
      pf_lj_pop(lj);
      v->n_dns_servers = n;
    }
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  if ((st = load_peerings(lj, p, v)) != PF_OK)
    return st;
  if ((st = pf_lj_arr(lj, p, "subnets", &subs, &which)) != PF_OK)
    return st;
  if (!subs)
    return pf_load_add(lj, &v->hdr);
  v->subnets = pf_arena_calloc(lj->a, (size_t)cJSON_GetArraySize(subs) + 1,
                               sizeof(*v->subnets));
  if (!v->subnets)
    return pf_load_oom(lj);
  pf_lj_push_key(lj, which);
  cJSON_ArrayForEach(e, subs) {
    struct pf_subnet *s = NULL;
    pf_lj_push_idx(lj, i++);
    st = pf_load_subnet(lj, e, v->hdr.id, &s);
    pf_lj_pop(lj);
    if (st != PF_OK)
      break;
    if (s)
      v->subnets[v->n_subnets++] = s;
  }
  pf_lj_pop(lj);
  if (st != PF_OK)
    return st;
  return pf_load_add(lj, &v->hdr);
}

/* ---- NSGs ------------------------------------------------------------------ */

static const char *const proto_names[] = {"*", "Tcp", "Udp", "Icmp", "Esp",
                                          "Ah", "Any", NULL};
static const char *const dir_names[] = {"Inbound", "Outbound", NULL};
static const char *const access_names[] = {"Allow", "Deny", NULL};

/* A service tag name as Azure spells them: letters first, then letters,
 * digits, '.', '_' and '-' ("Storage.WestEurope", "AzureCloud.centralfrance"). */
static int looks_like_tag(const char *s)
{
  const char *p;
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
    return 0;
  for (p = s; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
          (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
      return 0;
  return 1;
}

static pf_status parse_addr(struct pf_lj *lj, const char *text, int plural,
                            struct pf_addrspec *a)
{
  struct pf_err perr;
  a->text = text;
  if (!strcmp(text, "*") || !strcasecmp(text, "Any")) {
    a->kind = PF_ADDR_ANY;
    return PF_OK;
  }
  if (looks_like_tag(text) && !strchr(text, ':')) {
    /* ARM rejects tags in the plural lists
     * (SecurityRuleParameterContainsUnsupportedValue, AZURE-SEMANTICS 1.3) */
    if (plural)
      return pf_lj_fail(lj, NULL,
                        "service tag '%.80s' in an address list: Azure "
                        "accepts a tag only in the singular field",
                        text);
    a->kind = PF_ADDR_TAG;
    return PF_OK;
  }
  if (strspn(text, "0123456789") == strlen(text)) {
    /* Azure has accepted bare numbers ("789" in the az CLI's own test
     * recordings) without documenting their meaning: keep the rule, let
     * the evaluator answer unknown where it matters */
    a->kind = PF_ADDR_OPAQUE;
    return pf_config_warn(lj->cfg, "%s: %s: address '%.40s' is not a prefix "
                          "or tag; flows this rule could match are "
                          "reported as unknown", lj->file,
                          pf_lj_path(lj, NULL), text) == PF_OK
               ? PF_OK
               : pf_load_oom(lj);
  }
  pf_err_clear(&perr);
  if (pf_prefix_parse(text, strlen(text), 1, &a->prefix, &perr) != PF_OK)
    return pf_lj_fail(lj, NULL, "%s", perr.msg);
  a->kind = PF_ADDR_PREFIX;
  return PF_OK;
}

/* Source or destination of a rule: the singular field, every entry of the
 * plural field, and every ASG (AZURE-SEMANTICS.md 1.3, inference). */
static pf_status load_side(struct pf_lj *lj, const cJSON *p, const char *side,
                           struct pf_addrspec **out, size_t *n)
{
  /* the field names of one side (no formatting on this hot path) */
  int src = side[0] == 's';
  const char *k1 = src ? "sourceAddressPrefix" : "destinationAddressPrefix";
  const char *k2 = src ? "sourceAddressPrefixes"
                       : "destinationAddressPrefixes";
  const char *k3 = src ? "sourceApplicationSecurityGroups"
                       : "destinationApplicationSecurityGroups";
  const cJSON *one, *many, *asgs;
  const char *w1, *w2, *w3;
  size_t cap, i;
  pf_status st = PF_OK;

  one = pf_lj_get(p, k1, &w1);
  if ((st = pf_lj_arr(lj, p, k2, &many, &w2)) != PF_OK ||
      (st = pf_lj_arr(lj, p, k3, &asgs, &w3)) != PF_OK)
    return st;
  if (one && !cJSON_IsString(one))
    return pf_lj_fail(lj, w1, "expected a string, found %s",
                      pf_lj_typename(one));
  cap = 1 + (many ? (size_t)cJSON_GetArraySize(many) : 0) +
        (asgs ? (size_t)cJSON_GetArraySize(asgs) : 0);
  *out = pf_arena_calloc(lj->a, cap, sizeof(**out));
  *n = 0;
  if (!*out)
    return pf_load_oom(lj);
  if (one && *one->valuestring) {
    pf_lj_push_key(lj, w1);
    st = parse_addr(lj, pf_arena_strdup(lj->a, one->valuestring), 0,
                    &(*out)[(*n)++]);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  if (many) {
    const cJSON *e;
    i = 0;
    pf_lj_push_key(lj, w2);
    cJSON_ArrayForEach(e, many) {
      pf_lj_push_idx(lj, i++);
      if (!cJSON_IsString(e))
        st = pf_lj_fail(lj, NULL, "expected a string, found %s",
                        pf_lj_typename(e));
      else
        st = parse_addr(lj, pf_arena_strdup(lj->a, e->valuestring), 1,
                        &(*out)[(*n)++]);
      pf_lj_pop(lj);
      if (st != PF_OK)
        break;
    }
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  if (asgs) {
    struct pf_ref *refs;
    size_t nr;
    if ((st = pf_lj_refs(lj, p, k3, &refs, &nr)) != PF_OK)
      return st;
    for (i = 0; i < nr; i++) {
      struct pf_addrspec *a = &(*out)[(*n)++];
      a->kind = PF_ADDR_ASG;
      a->text = refs[i].id;
      a->asg = refs[i];
    }
  }
  if (*n == 0)
    return pf_lj_fail(lj, NULL, "rule has no %s address (%s, %s or %s)",
                      side, k1, k2, k3);
  return PF_OK;
}

static pf_status load_ports(struct pf_lj *lj, const cJSON *p, const char *side,
                            struct pf_rangeset *ports)
{
  int src = side[0] == 's';
  const char *k1 = src ? "sourcePortRange" : "destinationPortRange";
  const char *k2 = src ? "sourcePortRanges" : "destinationPortRanges";
  const cJSON *one, *many;
  const char *w1, *w2;
  struct pf_err perr;
  int any = 0;
  pf_status st;

  one = pf_lj_get(p, k1, &w1);
  if ((st = pf_lj_arr(lj, p, k2, &many, &w2)) != PF_OK)
    return st;
  if (one) {
    char num[32];
    const char *text;
    if (cJSON_IsNumber(one)) {
      if (one->valuedouble != (double)(long long)one->valuedouble ||
          one->valuedouble < 0 || one->valuedouble > 65535)
        return pf_lj_fail(lj, w1, "invalid port %g", one->valuedouble);
      snprintf(num, sizeof(num), "%.0f", one->valuedouble);
      text = num;
    } else if (cJSON_IsString(one)) {
      text = one->valuestring;
    } else {
      return pf_lj_fail(lj, w1, "expected a port or range, found %s",
                        pf_lj_typename(one));
    }
    if (*text) {
      pf_err_clear(&perr);
      if (pf_portset_parse_add(ports, text, strlen(text), &perr) != PF_OK)
        return pf_lj_fail(lj, w1, "%s", perr.msg);
      any = 1;
    }
  }
  if (many) {
    const cJSON *e;
    size_t i = 0;
    pf_lj_push_key(lj, w2);
    cJSON_ArrayForEach(e, many) {
      pf_lj_push_idx(lj, i++);
      st = PF_OK;
      if (!cJSON_IsString(e)) {
        st = pf_lj_fail(lj, NULL, "expected a port or range, found %s",
                        pf_lj_typename(e));
      } else {
        pf_err_clear(&perr);
        if (pf_portset_parse_add(ports, e->valuestring, strlen(e->valuestring),
                                 &perr) != PF_OK)
          st = pf_lj_fail(lj, NULL, "%s", perr.msg);
        any = 1;
      }
      pf_lj_pop(lj);
      if (st != PF_OK) {
        pf_lj_pop(lj);
        return st;
      }
    }
    pf_lj_pop(lj);
  }
  if (!any)
    return pf_lj_fail(lj, NULL, "rule has no %s port (%s or %s)", side, k1,
                      k2);
  return PF_OK;
}

static pf_status load_rule_props(struct pf_lj *lj, const cJSON *p,
                                 int is_default, struct pf_nsg_rule *r);

static pf_status load_rule(struct pf_lj *lj, const cJSON *o, int is_default,
                           struct pf_nsg_rule *r)
{
  const cJSON *p;
  pf_status st;

  pf_rangeset_init(&r->src_ports);
  pf_rangeset_init(&r->dst_ports);
  r->is_default = is_default;
  r->jpath = pf_lj_path(lj, NULL);
  if (!cJSON_IsObject(o))
    return pf_lj_fail(lj, NULL, "expected a security rule object, found %s",
                      pf_lj_typename(o));
  if ((st = pf_lj_req_str(lj, o, "name", &r->name)) != PF_OK ||
      (st = pf_lj_str(lj, o, "id", &r->id)) != PF_OK)
    return st;
  p = pf_lj_enter(lj, o);
  st = load_rule_props(lj, p, is_default, r);
  pf_lj_leave(lj, o, p);
  return st;
}

/*
 * A rule with values known only at deployment (templates, plans: see
 * pf_lj.h).  Priority, direction and access place the rule; without them
 * no verdict could be honest, so they are an input error.  A pending
 * protocol, address or port makes the rule match an unknown part of its
 * direction: both sides become one pending address quoting the expression,
 * so every flow the rule might decide evaluates to unknown.
 * \p *handled is set when the rule was loaded here.
 */
static pf_status pending_rule(struct pf_lj *lj, const cJSON *p,
                              struct pf_nsg_rule *r, int *handled)
{
  static const char *const placing[] = {"priority", "direction", "access"};
  static const char *const wide[] = {
      "protocol", "sourceAddressPrefix", "sourceAddressPrefixes",
      "destinationAddressPrefix", "destinationAddressPrefixes",
      "sourceApplicationSecurityGroups",
      "destinationApplicationSecurityGroups", "sourcePortRange",
      "sourcePortRanges", "destinationPortRange", "destinationPortRanges"};
  const char *text = NULL, *t;
  const cJSON *v;
  struct pf_err perr;
  size_t i;
  pf_status st;
  int dir = 0, access = 0;
  int64_t prio = -1;

  *handled = 0;
  if (!lj->may_pend)   /* the hot path: a document without the notation */
    return PF_OK;
  for (i = 0; i < sizeof(placing) / sizeof(placing[0]); i++)
    if ((t = pf_lj_pending_text(pf_lj_get(p, placing[i], NULL))) != NULL)
      return pf_lj_fail(lj, placing[i],
                        "known only at deployment (%.200s): the rule cannot "
                        "be placed in evaluation order", t);
  /* members are recorded here; array elements were recorded (and
   * removed) when the translated tree was loaded */
  for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
    v = pf_lj_get(p, wide[i], NULL);
    if (pf_lj_pending_text(v) &&
        (st = pf_lj_note_pending(lj, wide[i], v)) != PF_OK)
      return st;
    if (!text && (t = pf_lj_pending_under(lj, wide[i])) != NULL)
      text = t;
  }
  *handled = 0;
  if (!text)
    return PF_OK;
  *handled = 1;
  if ((st = pf_lj_int(lj, p, "priority", 100, 4096, &prio)) != PF_OK ||
      (st = pf_lj_enum(lj, p, "direction", dir_names, &dir)) != PF_OK ||
      (st = pf_lj_enum(lj, p, "access", access_names, &access)) != PF_OK)
    return st;
  if (prio < 0)
    return pf_lj_fail(lj, "priority", "required member is missing");
  r->priority = (int)prio;
  r->dir = dir ? PF_DIR_OUTBOUND : PF_DIR_INBOUND;
  r->access = access ? PF_ACCESS_DENY : PF_ACCESS_ALLOW;
  r->proto = PF_PROTO_ANY;
  r->src = pf_arena_calloc(lj->a, 1, sizeof(*r->src));
  r->dst = pf_arena_calloc(lj->a, 1, sizeof(*r->dst));
  if (!r->src || !r->dst)
    return pf_load_oom(lj);
  r->src->kind = r->dst->kind = PF_ADDR_PENDING;
  r->src->text = r->dst->text = pf_arena_strdup(lj->a, text);
  r->n_src = r->n_dst = 1;
  pf_err_clear(&perr);
  if (pf_portset_parse_add(&r->src_ports, "*", 1, &perr) != PF_OK ||
      pf_portset_parse_add(&r->dst_ports, "*", 1, &perr) != PF_OK)
    return pf_lj_fail(lj, NULL, "%s", perr.msg);
  return pf_config_warn(lj->cfg, "%s: %s: rule %s depends on a value known "
                        "only at deployment (%.200s): flows it may decide "
                        "are unknown", lj->file, pf_lj_path(lj, NULL),
                        r->name ? r->name : "", text) == PF_OK
             ? PF_OK
             : pf_load_oom(lj);
}

static pf_status load_rule_props(struct pf_lj *lj, const cJSON *p,
                                 int is_default, struct pf_nsg_rule *r)
{
  int proto = 0, dir = 0, access = 0, pending = 0;
  int64_t prio = -1;
  pf_status st;

  if ((st = pf_lj_str(lj, p, "description", &r->description)) != PF_OK)
    return st;
  if ((st = pending_rule(lj, p, r, &pending)) != PF_OK || pending)
    return st;
  if (!pf_lj_get(p, "priority", NULL))
    return pf_lj_fail(lj, "priority", "required member is missing");
  /* user rules 100..4096; the defaults use 65000/65001/65500 (1.1, 1.6) */
  if ((st = pf_lj_int(lj, p, "priority", is_default ? 100 : 100,
                      is_default ? 65500 : 4096, &prio)) != PF_OK)
    return st;
  r->priority = (int)prio;
  if (!pf_lj_get(p, "direction", NULL))
    return pf_lj_fail(lj, "direction", "required member is missing");
  if (!pf_lj_get(p, "access", NULL))
    return pf_lj_fail(lj, "access", "required member is missing");
  if (!pf_lj_get(p, "protocol", NULL))
    return pf_lj_fail(lj, "protocol", "required member is missing");
  if ((st = pf_lj_enum(lj, p, "direction", dir_names, &dir)) != PF_OK ||
      (st = pf_lj_enum(lj, p, "access", access_names, &access)) != PF_OK ||
      (st = pf_lj_enum(lj, p, "protocol", proto_names, &proto)) != PF_OK)
    return st;
  r->dir = dir ? PF_DIR_OUTBOUND : PF_DIR_INBOUND;
  r->access = access ? PF_ACCESS_DENY : PF_ACCESS_ALLOW;
  r->proto = proto == 6 ? PF_PROTO_ANY : (enum pf_proto)proto;
  if ((st = load_side(lj, p, "source", &r->src, &r->n_src)) != PF_OK ||
      (st = load_side(lj, p, "destination", &r->dst, &r->n_dst)) != PF_OK ||
      (st = load_ports(lj, p, "source", &r->src_ports)) != PF_OK ||
      (st = load_ports(lj, p, "destination", &r->dst_ports)) != PF_OK)
    return st;
  return PF_OK;
}

/* The six default rules (AZURE-SEMANTICS.md 1.6), used when the input
 * lists none (az nsg rule list output, templates). */
static const struct {
  const char *name, *src, *dst;
  int prio;
  enum pf_dir dir;
  enum pf_access access;
} default_rules[] = {
  {"AllowVnetInBound", "VirtualNetwork", "VirtualNetwork", 65000,
   PF_DIR_INBOUND, PF_ACCESS_ALLOW},
  {"AllowAzureLoadBalancerInBound", "AzureLoadBalancer", "*", 65001,
   PF_DIR_INBOUND, PF_ACCESS_ALLOW},
  {"DenyAllInBound", "*", "*", 65500, PF_DIR_INBOUND, PF_ACCESS_DENY},
  {"AllowVnetOutBound", "VirtualNetwork", "VirtualNetwork", 65000,
   PF_DIR_OUTBOUND, PF_ACCESS_ALLOW},
  {"AllowInternetOutBound", "*", "Internet", 65001, PF_DIR_OUTBOUND,
   PF_ACCESS_ALLOW},
  {"DenyAllOutBound", "*", "*", 65500, PF_DIR_OUTBOUND, PF_ACCESS_DENY},
};

static pf_status synth_default(struct pf_lj *lj, size_t i,
                               struct pf_nsg_rule *r)
{
  struct pf_addrspec *a = pf_arena_calloc(lj->a, 2, sizeof(*a));
  if (!a)
    return pf_load_oom(lj);
  pf_rangeset_init(&r->src_ports);
  pf_rangeset_init(&r->dst_ports);
  r->name = default_rules[i].name;
  r->priority = default_rules[i].prio;
  r->is_default = 1;
  r->dir = default_rules[i].dir;
  r->access = default_rules[i].access;
  r->proto = PF_PROTO_ANY;
  r->jpath = "(default rule)";
  a[0].text = default_rules[i].src;
  a[0].kind = strcmp(a[0].text, "*") ? PF_ADDR_TAG : PF_ADDR_ANY;
  a[1].text = default_rules[i].dst;
  a[1].kind = strcmp(a[1].text, "*") ? PF_ADDR_TAG : PF_ADDR_ANY;
  r->src = &a[0];
  r->dst = &a[1];
  r->n_src = r->n_dst = 1;
  if (pf_rangeset_add(&r->src_ports, 0, PF_PORT_MAX) != PF_OK ||
      pf_rangeset_add(&r->dst_ports, 0, PF_PORT_MAX) != PF_OK)
    return pf_load_oom(lj);
  return PF_OK;
}

static int cmp_rules(const void *a, const void *b)
{
  const struct pf_nsg_rule *x = a, *y = b;
  if (x->is_default != y->is_default)
    return x->is_default - y->is_default;
  if (x->dir != y->dir)
    return (int)x->dir - (int)y->dir;
  return x->priority - y->priority;
}

pf_status pf_load_nsg(struct pf_lj *lj, const cJSON *o)
{
  struct pf_nsg *nsg = NEW(lj, struct pf_nsg);
  const cJSON *p = pf_lj_props(o), *user, *defs;
  const char *wu, *wd;
  size_t cap, i, j;
  pf_status st;

  if (!nsg)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_NSG, NULL, &nsg->hdr)) != PF_OK ||
      (st = pf_lj_arr(lj, p, "securityRules", &user, &wu)) != PF_OK ||
      (st = pf_lj_arr(lj, p, "defaultSecurityRules", &defs, &wd)) != PF_OK ||
      (st = pf_lj_refs(lj, p, "subnets", &nsg->subnets, &nsg->n_subnets)) !=
          PF_OK ||
      (st = pf_lj_refs(lj, p, "networkInterfaces", &nsg->nics,
                       &nsg->n_nics)) != PF_OK)
    return st;
  cap = (user ? (size_t)cJSON_GetArraySize(user) : 0) +
        (defs && cJSON_GetArraySize(defs) ? (size_t)cJSON_GetArraySize(defs)
                                          : 6);
  nsg->rules = pf_arena_calloc(lj->a, cap, sizeof(*nsg->rules));
  if (!nsg->rules)
    return pf_load_oom(lj);
  for (j = 0; j < 2; j++) {
    const cJSON *arr = j == 0 ? user : defs, *e;
    if (!arr)
      continue;
    i = 0;
    pf_lj_push_key(lj, j == 0 ? wu : wd);
    cJSON_ArrayForEach(e, arr) {
      pf_lj_push_idx(lj, i++);
      st = load_rule(lj, e, (int)j, &nsg->rules[nsg->n_rules]);
      pf_lj_pop(lj);
      if (st != PF_OK) {
        pf_rangeset_release(&nsg->rules[nsg->n_rules].src_ports);
        pf_rangeset_release(&nsg->rules[nsg->n_rules].dst_ports);
        break;
      }
      nsg->n_rules++;
    }
    pf_lj_pop(lj);
    if (st != PF_OK)
      goto fail;
  }
  if (!defs || !cJSON_GetArraySize(defs)) {
    nsg->defaults_synthesised = 1;
    for (i = 0; i < 6; i++) {
      if ((st = synth_default(lj, i, &nsg->rules[nsg->n_rules])) != PF_OK)
        goto fail;
      nsg->n_rules++;
    }
  }
  qsort(nsg->rules, nsg->n_rules, sizeof(*nsg->rules), cmp_rules);
  /* "Two rules may not share the same priority and direction" (1.1) */
  for (i = 1; i < nsg->n_rules; i++) {
    const struct pf_nsg_rule *a = &nsg->rules[i - 1], *b = &nsg->rules[i];
    if (a->is_default == b->is_default && a->dir == b->dir &&
        a->priority == b->priority) {
      pf_err_set(lj->err, PF_EINVAL,
                 "%s: %s: priority %d is used by both '%s' and '%s' (%s); "
                 "Azure requires unique priorities per direction",
                 lj->file, b->jpath, b->priority, a->name, b->name,
                 b->dir == PF_DIR_INBOUND ? "inbound" : "outbound");
      st = PF_EINVAL;
      goto fail;
    }
  }
  st = pf_load_add(lj, &nsg->hdr);
  if (st == PF_OK && pf_config_find(lj->cfg, nsg->hdr.id) == &nsg->hdr)
    return PF_OK;
  if (st != PF_OK)
    goto fail;
  /* duplicate: ours was not kept, release its port sets now */
fail:
  for (i = 0; i < nsg->n_rules; i++) {
    pf_rangeset_release(&nsg->rules[i].src_ports);
    pf_rangeset_release(&nsg->rules[i].dst_ports);
  }
  nsg->n_rules = 0;
  return st;
}

/* ---- NICs, ASGs ------------------------------------------------------------ */

pf_status pf_load_nic(struct pf_lj *lj, const cJSON *o)
{
  struct pf_nic *nic = NEW(lj, struct pf_nic);
  const cJSON *p = pf_lj_props(o), *arr, *e;
  const char *which;
  size_t i = 0;
  pf_status st;

  if (!nic)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_NIC, NULL, &nic->hdr)) != PF_OK ||
      (st = pf_lj_ref(lj, p, "networkSecurityGroup", &nic->nsg)) != PF_OK ||
      (st = pf_lj_ref(lj, p, "virtualMachine", &nic->vm)) != PF_OK ||
      (st = pf_lj_arr(lj, p, "ipConfigurations", &arr, &which)) != PF_OK)
    return st;
  if (arr && cJSON_GetArraySize(arr)) {
    nic->ipconfigs = pf_arena_calloc(lj->a, (size_t)cJSON_GetArraySize(arr),
                                     sizeof(*nic->ipconfigs));
    if (!nic->ipconfigs)
      return pf_load_oom(lj);
    pf_lj_push_key(lj, which);
    cJSON_ArrayForEach(e, arr) {
      struct pf_nic_ipconfig *c = &nic->ipconfigs[nic->n_ipconfigs];
      const cJSON *cp;
      const char *ip = NULL;
      enum pf_tri primary = PF_TRI_UNSET;
      pf_lj_push_idx(lj, i++);
      st = cJSON_IsObject(e) ? PF_OK
                             : pf_lj_fail(lj, NULL, "expected an object, "
                                          "found %s", pf_lj_typename(e));
      if (st == PF_OK)
        st = pf_lj_str(lj, e, "name", &c->name);
      cp = pf_lj_enter(lj, e);
      if (st == PF_OK)
        st = pf_lj_str(lj, cp, "privateIPAddress|privateIpAddress", &ip);
      if (st == PF_OK && ip && *ip) {
        struct pf_err perr;
        pf_err_clear(&perr);
        if (pf_addr_parse(ip, strlen(ip), &c->private_ip, &perr) != PF_OK)
          st = pf_lj_fail(lj, "privateIPAddress", "%s", perr.msg);
        else
          c->has_private_ip = 1;
      }
      if (st == PF_OK)
        st = pf_lj_ref(lj, cp, "subnet", &c->subnet);
      if (st == PF_OK)
        st = pf_lj_refs(lj, cp, "applicationSecurityGroups", &c->asgs,
                        &c->n_asgs);
      if (st == PF_OK)
        st = pf_lj_bool(lj, cp, "primary", &primary);
      c->primary = primary == PF_TRI_TRUE;
      pf_lj_leave(lj, e, cp);
      pf_lj_pop(lj);
      if (st != PF_OK)
        break;
      nic->n_ipconfigs++;
    }
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  return pf_load_add(lj, &nic->hdr);
}

pf_status pf_load_asg(struct pf_lj *lj, const cJSON *o)
{
  struct pf_asg *asg = NEW(lj, struct pf_asg);
  pf_status st;
  if (!asg)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_ASG, NULL, &asg->hdr)) != PF_OK)
    return st;
  return pf_load_add(lj, &asg->hdr);
}

/* ---- route tables ---------------------------------------------------------- */

static const char *const nexthop_names[] = {
    "VnetLocal", "Internet", "VirtualAppliance", "VirtualNetworkGateway",
    "None", NULL};

static pf_status load_route_props(struct pf_lj *lj, const cJSON *p,
                                  struct pf_route *r);

static pf_status load_route(struct pf_lj *lj, const cJSON *o,
                            struct pf_route *r)
{
  const cJSON *p;
  pf_status st;
  r->jpath = pf_lj_path(lj, NULL);
  if (!cJSON_IsObject(o))
    return pf_lj_fail(lj, NULL, "expected a route object, found %s",
                      pf_lj_typename(o));
  if ((st = pf_lj_str(lj, o, "name", &r->name)) != PF_OK)
    return st;
  p = pf_lj_enter(lj, o);
  st = load_route_props(lj, p, r);
  pf_lj_leave(lj, o, p);
  return st;
}

static pf_status load_route_props(struct pf_lj *lj, const cJSON *p,
                                  struct pf_route *r)
{
  const char *ip = NULL;
  struct pf_pending *pend;
  int nh = 0;
  pf_status st;

  if ((st = pf_lj_req_str(lj, p, "addressPrefix", &r->prefix_text)) != PF_OK)
    return st;
  if (!pf_lj_get(p, "nextHopType", NULL))
    return pf_lj_fail(lj, "nextHopType", "required member is missing");
  if ((st = pf_lj_enum(lj, p, "nextHopType", nexthop_names, &nh)) != PF_OK ||
      (st = pf_lj_str(lj, p, "nextHopIpAddress|nextHopIPAddress", &ip)) !=
          PF_OK)
    return st;
  r->next_hop = (enum pf_nexthop)nh;
  /* service tags are allowed as a route's prefix (2.5) */
  if (looks_like_tag(r->prefix_text)) {
    r->is_tag = 1;
  } else {
    struct pf_err perr;
    pf_err_clear(&perr);
    if (pf_prefix_parse(r->prefix_text, strlen(r->prefix_text), 0, &r->prefix,
                        &perr) != PF_OK)
      return pf_lj_fail(lj, "addressPrefix", "%s", perr.msg);
  }
  if (ip && *ip) {
    struct pf_err perr;
    /* nextHopIpAddress only with VirtualAppliance (2.3) */
    if (r->next_hop != PF_NH_VIRTUAL_APPLIANCE)
      return pf_lj_fail(lj, "nextHopIpAddress",
                        "a next hop address is only allowed with "
                        "nextHopType VirtualAppliance (found %s)",
                        pf_nexthop_name(r->next_hop));
    pf_err_clear(&perr);
    if (pf_addr_parse(ip, strlen(ip), &r->next_hop_ip, &perr) != PF_OK)
      return pf_lj_fail(lj, "nextHopIpAddress", "%s", perr.msg);
    r->has_next_hop_ip = 1;
  } else if (r->next_hop == PF_NH_VIRTUAL_APPLIANCE &&
             (pend = pf_lj_pending_find(lj, "nextHopIpAddress")) != NULL) {
    /* the appliance's address is known only at deployment (a plan's
     * firewall private IP): the route is kept without it and says so
     * (routes shows its next hop as pending).  No evaluation reads the
     * address (the rules read next hop types), so it does not make the
     * whole table pending: UDR-1 can still be decided */
    r->has_next_hop_ip = 0;
    r->hop_pending = pend->text;     /* arena strings of the config */
    r->hop_pending_path = pend->jpath;
    pend->represented = 1;
  } else if (r->next_hop == PF_NH_VIRTUAL_APPLIANCE) {
    return pf_lj_fail(lj, "nextHopIpAddress",
                      "route '%s' has next hop VirtualAppliance but no "
                      "nextHopIpAddress",
                      r->name ? r->name : "?");
  }
  return PF_OK;
}

pf_status pf_load_route_table(struct pf_lj *lj, const cJSON *o)
{
  struct pf_route_table *t = NEW(lj, struct pf_route_table);
  const cJSON *p = pf_lj_props(o), *arr, *e;
  const char *which;
  size_t i = 0;
  pf_status st;

  if (!t)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_ROUTE_TABLE, NULL, &t->hdr)) != PF_OK ||
      (st = pf_lj_bool(lj, p, "disableBgpRoutePropagation",
                       &t->disable_bgp_propagation)) != PF_OK ||
      (st = pf_lj_refs(lj, p, "subnets", &t->subnets, &t->n_subnets)) !=
          PF_OK ||
      (st = pf_lj_arr(lj, p, "routes", &arr, &which)) != PF_OK)
    return st;
  if (arr && cJSON_GetArraySize(arr)) {
    t->routes = pf_arena_calloc(lj->a, (size_t)cJSON_GetArraySize(arr),
                                sizeof(*t->routes));
    if (!t->routes)
      return pf_load_oom(lj);
    pf_lj_push_key(lj, which);
    cJSON_ArrayForEach(e, arr) {
      pf_lj_push_idx(lj, i++);
      st = load_route(lj, e, &t->routes[t->n_routes]);
      pf_lj_pop(lj);
      if (st != PF_OK)
        break;
      t->n_routes++;
    }
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  /* the 25-tag limit (AZURE-SEMANTICS.md 2.5) is a finding of the route
   * evaluator, not a load error: Azure reports it at deployment */
  return pf_load_add(lj, &t->hdr);
}

/* ---- private endpoints ----------------------------------------------------- */

static pf_status load_pe_connections(struct pf_lj *lj, const cJSON *p,
                                     const char *keys,
                                     struct pf_private_endpoint *pe)
{
  const cJSON *arr, *e;
  const char *which;
  size_t i = 0, n;
  pf_status st = pf_lj_arr(lj, p, keys, &arr, &which);
  if (st != PF_OK || !arr || !(n = (size_t)cJSON_GetArraySize(arr)))
    return st;
  {
    struct pf_ref *t = pf_arena_calloc(lj->a, pe->n_targets + n, sizeof(*t));
    const char **g = pf_arena_calloc(lj->a, pe->n_targets + n, sizeof(*g));
    if (!t || !g)
      return pf_load_oom(lj);
    if (pe->n_targets) {
      memcpy(t, pe->targets, pe->n_targets * sizeof(*t));
      memcpy(g, pe->group_ids, pe->n_targets * sizeof(*g));
    }
    pe->targets = t;
    pe->group_ids = g;
  }
  pf_lj_push_key(lj, which);
  cJSON_ArrayForEach(e, arr) {
    const cJSON *cp;
    const char **groups = NULL;
    size_t ng = 0;
    pf_lj_push_idx(lj, i++);
    if (!cJSON_IsObject(e))
      return pf_lj_fail(lj, NULL, "expected a connection object, found %s",
                        pf_lj_typename(e));
    cp = pf_lj_enter(lj, e);
    st = pf_lj_ref(lj, cp, "privateLinkServiceId",
                   &pe->targets[pe->n_targets]);
    if (st == PF_OK)
      st = pf_lj_strs(lj, cp, "groupIds", &groups, &ng);
    pf_lj_leave(lj, e, cp);
    pf_lj_pop(lj);
    if (st != PF_OK)
      break;
    pe->group_ids[pe->n_targets] = ng ? groups[0] : NULL;
    pe->n_targets++;
  }
  pf_lj_pop(lj);
  return st;
}

pf_status pf_load_private_endpoint(struct pf_lj *lj, const cJSON *o)
{
  struct pf_private_endpoint *pe = NEW(lj, struct pf_private_endpoint);
  const cJSON *p = pf_lj_props(o), *dns, *e;
  const char *which;
  size_t i = 0;
  pf_status st;

  if (!pe)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_PRIVATE_ENDPOINT, NULL, &pe->hdr)) !=
          PF_OK ||
      (st = pf_lj_ref(lj, p, "subnet", &pe->subnet)) != PF_OK ||
      (st = pf_lj_refs(lj, p, "networkInterfaces", &pe->nics, &pe->n_nics)) !=
          PF_OK ||
      (st = load_pe_connections(lj, p, "privateLinkServiceConnections", pe)) !=
          PF_OK ||
      (st = load_pe_connections(lj, p, "manualPrivateLinkServiceConnections",
                                pe)) != PF_OK ||
      (st = pf_lj_arr(lj, p, "customDnsConfigs", &dns, &which)) != PF_OK)
    return st;
  if (dns && cJSON_GetArraySize(dns)) {
    size_t n = (size_t)cJSON_GetArraySize(dns);
    pe->dns_fqdns = pf_arena_calloc(lj->a, n, sizeof(*pe->dns_fqdns));
    pe->dns_ips = pf_arena_calloc(lj->a, n, sizeof(*pe->dns_ips));
    if (!pe->dns_fqdns || !pe->dns_ips)
      return pf_load_oom(lj);
    pf_lj_push_key(lj, which);
    cJSON_ArrayForEach(e, dns) {
      struct pf_prefix *ips = NULL;
      size_t nip = 0;
      pf_lj_push_idx(lj, i++);
      if (!cJSON_IsObject(e))
        return pf_lj_fail(lj, NULL, "expected a DNS configuration object, "
                          "found %s", pf_lj_typename(e));
      st = pf_lj_str(lj, e, "fqdn", &pe->dns_fqdns[pe->n_dns]);
      if (st == PF_OK)
        st = pf_lj_prefixes(lj, e, "ipAddresses", 1, &ips, &nip);
      pf_lj_pop(lj);
      if (st != PF_OK)
        break;
      if (nip) {
        pe->dns_ips[pe->n_dns].v = ips[0].addr;
        pe->dns_ips[pe->n_dns].af = ips[0].af;
      }
      pe->n_dns++;
    }
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  return pf_load_add(lj, &pe->hdr);
}
