/* SPDX-License-Identifier: MIT */
/* pf_load_data.c - loaders for storage accounts, key vaults, container
 * registries, role assignments and locks
 *
 * specification: AZURE-SEMANTICS.md 7.4 (storage networkAcls and the az
 * CLI's networkRuleSet client names), 7.5 (key vault), 7.6 (registry).
 */
#include <string.h>
#include <strings.h>

#include "pf_load_int.h"

#define NEW(lj, T) ((T *)pf_arena_alloc((lj)->a, sizeof(T)))

static const char *const action_names[] = {"Allow", "Deny", NULL};

/* "AzureServices, Logging, Metrics" or "None" (7.4) */
static pf_status parse_bypass(struct pf_lj *lj, const cJSON *acl,
                              struct pf_firewall *fw)
{
  const char *which, *s, *p;
  const cJSON *v = pf_lj_get(acl, "bypass|networkRuleBypassOptions", &which);
  if (!v)
    return PF_OK;
  if (!cJSON_IsString(v))
    return pf_lj_fail(lj, which, "expected a string, found %s",
                      pf_lj_typename(v));
  s = v->valuestring;
  fw->bypass = 0;
  fw->bypass_known = 1;
  p = s;
  while (*p) {
    size_t n;
    while (*p == ' ' || *p == ',')
      p++;
    n = strcspn(p, ", ");
    if (!n)
      break;
    if (n == 13 && !strncasecmp(p, "AzureServices", n))
      fw->bypass |= PF_BYPASS_AZURE_SERVICES;
    else if (n == 7 && !strncasecmp(p, "Logging", n))
      fw->bypass |= PF_BYPASS_LOGGING;
    else if (n == 7 && !strncasecmp(p, "Metrics", n))
      fw->bypass |= PF_BYPASS_METRICS;
    else if (!(n == 4 && !strncasecmp(p, "None", n)))
      return pf_lj_fail(lj, which,
                        "unknown bypass value '%.*s' (expected "
                        "AzureServices, Logging, Metrics or None)",
                        (int)(n > 40 ? 40 : n), p);
    p += n;
  }
  return PF_OK;
}

static pf_status parse_ip_rules(struct pf_lj *lj, const cJSON *acl,
                                struct pf_firewall *fw)
{
  const cJSON *arr, *e;
  const char *which;
  size_t i = 0, cap = 0;
  pf_status st = pf_lj_arr(lj, acl, "ipRules", &arr, &which);
  if (st != PF_OK || !arr)
    return st;
  pf_lj_push_key(lj, which);
  cJSON_ArrayForEach(e, arr) {
    const char *w;
    const cJSON *val;
    pf_lj_push_idx(lj, i++);
    if (cJSON_IsString(e)) {
      val = e;
      w = NULL;
    } else if (cJSON_IsObject(e)) {
      val = pf_lj_get(e, "value|ipAddressOrRange|ipAddressRange", &w);
      if (!val)
        st = pf_lj_fail(lj, NULL, "IP rule has no value (value or "
                        "ipAddressOrRange)");
    } else {
      st = pf_lj_fail(lj, NULL, "expected an IP rule, found %s",
                      pf_lj_typename(e));
      val = NULL;
      w = NULL;
    }
    if (st == PF_OK && pf_lj_pending_text(val)) {
      /* an address known only at deployment (a template's reference()):
       * recorded on the account, the rule is not guessed */
      st = pf_lj_note_pending(lj, w, val);
      pf_lj_pop(lj);
      if (st != PF_OK)
        break;
      continue;
    }
    if (st == PF_OK && !cJSON_IsString(val))
      st = pf_lj_fail(lj, w, "expected a string, found %s",
                      pf_lj_typename(val));
    if (st == PF_OK) {
      struct pf_prefix p;
      struct pf_err perr;
      pf_err_clear(&perr);
      if (pf_prefix_parse(val->valuestring, strlen(val->valuestring), 1, &p,
                          &perr) != PF_OK) {
        st = pf_lj_fail(lj, w, "%s", perr.msg);
      } else {
        if (fw->n_ip_rules == cap) {
          size_t ncap = cap ? cap * 2 : 4;
          struct pf_prefix *np = pf_arena_calloc(lj->a, ncap, sizeof(*np));
          if (!np) {
            pf_lj_pop(lj);
            pf_lj_pop(lj);
            return pf_load_oom(lj);
          }
          if (fw->n_ip_rules)
            memcpy(np, fw->ip_rules, fw->n_ip_rules * sizeof(*np));
          fw->ip_rules = np;
          cap = ncap;
        }
        fw->ip_rules[fw->n_ip_rules++] = p;
      }
    }
    pf_lj_pop(lj);
    if (st != PF_OK)
      break;
  }
  pf_lj_pop(lj);
  return st;
}

static pf_status parse_vnet_rules(struct pf_lj *lj, const cJSON *acl,
                                  struct pf_firewall *fw)
{
  const cJSON *arr, *e;
  const char *which;
  size_t i = 0;
  pf_status st = pf_lj_arr(lj, acl, "virtualNetworkRules", &arr, &which);
  if (st != PF_OK || !arr || !cJSON_GetArraySize(arr))
    return st;
  fw->vnet_rules = pf_arena_calloc(lj->a, (size_t)cJSON_GetArraySize(arr),
                                   sizeof(*fw->vnet_rules));
  if (!fw->vnet_rules)
    return pf_load_oom(lj);
  pf_lj_push_key(lj, which);
  cJSON_ArrayForEach(e, arr) {
    pf_lj_push_idx(lj, i++);
    if (!cJSON_IsObject(e))
      st = pf_lj_fail(lj, NULL, "expected a virtual network rule, found %s",
                      pf_lj_typename(e));
    else {
      const cJSON *ep = pf_lj_enter(lj, e);
      st = pf_lj_ref(lj, ep, "id|virtualNetworkResourceId|subnetId",
                     &fw->vnet_rules[fw->n_vnet_rules]);
      pf_lj_leave(lj, e, ep);
    }
    if (st == PF_OK && !fw->vnet_rules[fw->n_vnet_rules].id)
      st = pf_lj_fail(lj, NULL, "virtual network rule names no subnet (id "
                      "or virtualNetworkResourceId)");
    pf_lj_pop(lj);
    if (st != PF_OK)
      break;
    fw->n_vnet_rules++;
  }
  pf_lj_pop(lj);
  return st;
}

/* The firewall object: ARM networkAcls, az networkRuleSet (storage, ACR). */
static pf_status load_firewall(struct pf_lj *lj, const cJSON *p,
                               const cJSON *top, struct pf_firewall *fw)
{
  const cJSON *acl;
  const char *which;
  int action = 0;
  pf_status st;

  if ((st = pf_lj_enabled(lj, p, "publicNetworkAccess",
                          &fw->public_access)) != PF_OK)
    return st;
  if (top != p && fw->public_access == PF_TRI_UNSET &&
      (st = pf_lj_enabled(lj, top, "publicNetworkAccess",
                          &fw->public_access)) != PF_OK)
    return st;
  if ((st = pf_lj_obj(lj, p, "networkAcls|networkRuleSet", &acl, &which)) !=
      PF_OK)
    return st;
  if (!acl)
    return PF_OK;
  fw->present = 1;
  pf_lj_push_key(lj, which);
  if (pf_lj_get(acl, "defaultAction", NULL)) {
    st = pf_lj_enum(lj, acl, "defaultAction", action_names, &action);
    fw->default_deny = action == 1;
    fw->default_pending = pf_lj_pending_under(lj, "defaultAction") != NULL;
  }
  if (st == PF_OK)
    st = parse_bypass(lj, acl, fw);
  if (st == PF_OK)
    st = parse_ip_rules(lj, acl, fw);
  if (st == PF_OK)
    st = parse_vnet_rules(lj, acl, fw);
  pf_lj_pop(lj);
  /* ACR keeps the bypass beside the rule set (7.6) */
  if (st == PF_OK && !fw->bypass_known)
    st = parse_bypass(lj, p, fw);
  return st;
}

static pf_status sku_name(struct pf_lj *lj, const cJSON *o, const cJSON *p,
                          const char **out)
{
  const cJSON *sku;
  pf_status st = pf_lj_obj(lj, o, "sku", &sku, NULL);
  if (st == PF_OK && !sku)
    st = pf_lj_obj(lj, p, "sku", &sku, NULL);
  if (st != PF_OK)
    return st;
  if (sku) {
    pf_lj_push_key(lj, "sku");
    st = pf_lj_str(lj, sku, "name", out);
    pf_lj_pop(lj);
  }
  return st;
}

pf_status pf_load_storage(struct pf_lj *lj, const cJSON *o)
{
  struct pf_storage *s = NEW(lj, struct pf_storage);
  const cJSON *p = pf_lj_props(o);
  pf_status st;
  if (!s)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_STORAGE, NULL, &s->hdr)) != PF_OK ||
      (st = sku_name(lj, o, p, &s->sku)) != PF_OK ||
      (st = pf_lj_str(lj, o, "kind", &s->account_kind)) != PF_OK ||
      (st = pf_lj_bool(lj, p, "isHnsEnabled", &s->hns)) != PF_OK ||
      (st = pf_lj_bool(lj, p, "supportsHttpsTrafficOnly|"
                       "enableHttpsTrafficOnly", &s->https_only)) != PF_OK ||
      (st = pf_lj_bool(lj, p, "allowSharedKeyAccess",
                       &s->shared_key_access)) != PF_OK ||
      (st = load_firewall(lj, p, o, &s->fw)) != PF_OK)
    return st;
  return pf_load_add(lj, &s->hdr);
}

pf_status pf_load_keyvault(struct pf_lj *lj, const cJSON *o)
{
  struct pf_keyvault *kv = NEW(lj, struct pf_keyvault);
  const cJSON *p = pf_lj_props(o);
  pf_status st;
  if (!kv)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_KEYVAULT, NULL, &kv->hdr)) != PF_OK ||
      (st = sku_name(lj, o, p, &kv->sku)) != PF_OK ||
      (st = pf_lj_str(lj, p, "vaultUri", &kv->vault_uri)) != PF_OK ||
      (st = load_firewall(lj, p, o, &kv->fw)) != PF_OK)
    return st;
  return pf_load_add(lj, &kv->hdr);
}

pf_status pf_load_registry(struct pf_lj *lj, const cJSON *o)
{
  struct pf_registry *r = NEW(lj, struct pf_registry);
  const cJSON *p = pf_lj_props(o);
  pf_status st;
  if (!r)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_REGISTRY, NULL, &r->hdr)) != PF_OK ||
      (st = sku_name(lj, o, p, &r->sku)) != PF_OK ||
      (st = pf_lj_str(lj, p, "loginServer", &r->login_server)) != PF_OK ||
      (st = pf_lj_bool(lj, p, "adminUserEnabled", &r->admin_user)) != PF_OK ||
      (st = pf_lj_bool(lj, p, "dataEndpointEnabled", &r->data_endpoint)) !=
          PF_OK ||
      (st = load_firewall(lj, p, o, &r->fw)) != PF_OK)
    return st;
  return pf_load_add(lj, &r->hdr);
}

pf_status pf_load_role_assignment(struct pf_lj *lj, const cJSON *o)
{
  struct pf_role_assignment *ra = NEW(lj, struct pf_role_assignment);
  const cJSON *p = pf_lj_props(o);
  pf_status st;
  if (!ra)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_ROLE_ASSIGNMENT, NULL, &ra->hdr)) !=
          PF_OK ||
      (st = pf_lj_str(lj, p, "principalId", &ra->principal_id)) != PF_OK ||
      (st = pf_lj_str(lj, p, "roleDefinitionId", &ra->role_definition_id)) !=
          PF_OK ||
      (st = pf_lj_str(lj, p, "roleDefinitionName", &ra->role_name)) !=
          PF_OK ||
      (st = pf_lj_str(lj, p, "scope", &ra->scope)) != PF_OK)
    return st;
  return pf_load_add(lj, &ra->hdr);
}

pf_status pf_load_lock(struct pf_lj *lj, const cJSON *o)
{
  struct pf_lock *l = NEW(lj, struct pf_lock);
  const cJSON *p = pf_lj_props(o);
  const char *marker;
  pf_status st;
  if (!l)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_LOCK, NULL, &l->hdr)) != PF_OK ||
      (st = pf_lj_str(lj, p, "level", &l->level)) != PF_OK)
    return st;
  /* a lock applies to the resource (or group) whose id precedes
   * /providers/Microsoft.Authorization/locks */
  marker = strcasestr(l->hdr.id, "/providers/Microsoft.Authorization/locks");
  if (marker)
    l->scope = pf_arena_strndup(lj->a, l->hdr.id,
                                (size_t)(marker - l->hdr.id));
  return pf_load_add(lj, &l->hdr);
}
