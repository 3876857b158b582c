/* SPDX-License-Identifier: MIT */
/* test_tf.c - Terraform plans and states (pf_tf.c): id synthesis,
 * reference resolution through the configuration, modules, values known
 * only after apply, merged child resources, paths in messages.
 *
 * Each test writes a small `terraform show -json` document in the
 * documented format (planned_values, resource_changes with after_unknown,
 * prior_state, configuration with references) and loads it through
 * pf_load_buffer, as the CLI does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/pf_load.h"
#include "model/pf_model.h"

#define SUBID "5f2a3c7e-0b1d-4e6f-9a8b-7c6d5e4f3a21"
#define RGP "/subscriptions/" SUBID "/resourceGroups/rg-a"
#define VNET RGP "/providers/Microsoft.Network/virtualNetworks/vnet-a"
#define NSG RGP "/providers/Microsoft.Network/networkSecurityGroups/nsg-a"

struct loaded {
  struct pf_config *cfg;
  struct pf_err err;
  pf_status st;
};

static void load(struct loaded *l, const char *doc)
{
  l->cfg = NULL;
  assert_int_equal(pf_config_create(&l->cfg), PF_OK);
  pf_err_clear(&l->err);
  l->st = pf_load_buffer(l->cfg, "plan.json", doc, strlen(doc), &l->err);
  if (l->st == PF_OK)
    assert_int_equal(pf_config_resolve(l->cfg), PF_OK);
}

static void done(struct loaded *l)
{
  pf_config_destroy(l->cfg);
}

static const struct pf_res *only(const struct pf_config *cfg, enum pf_kind k,
                                 size_t i)
{
  assert_true(cfg->n_res[k] > i);
  return cfg->res[k][i];
}

static int has_warning(const struct pf_config *cfg, const char *needle)
{
  size_t i;
  for (i = 0; i < cfg->n_warnings; i++)
    if (strstr(cfg->warnings[i], needle))
      return 1;
  return 0;
}

/* ---- documents ------------------------------------------------------- */

#define CLIENT_CONFIG                                                       \
  "\"prior_state\":{\"format_version\":\"1.0\",\"values\":{\"root_module\":" \
  "{\"resources\":[{\"address\":\"data.azurerm_client_config.c\","          \
  "\"mode\":\"data\",\"type\":\"azurerm_client_config\",\"name\":\"c\","    \
  "\"values\":{\"subscription_id\":\"" SUBID "\",\"tenant_id\":\"t\"}}]}}},"

#define R(addr, type, name, vals)                                           \
  "{\"address\":\"" addr "\",\"mode\":\"managed\",\"type\":\"" type         \
  "\",\"name\":\"" name "\",\"values\":" vals "}"

#define CH(addr, unk)                                                       \
  "{\"address\":\"" addr "\",\"change\":{\"actions\":[\"create\"],"         \
  "\"after_unknown\":" unk "}}"

#define REF(r, base) "{\"references\":[\"" r "\",\"" base "\"]}"

/* vnet, subnet, NSG with one rule, association: everything created */
static const char plan_basic[] =
    "{\"format_version\":\"1.2\",\"terraform_version\":\"1.5.7\","
    CLIENT_CONFIG
    "\"planned_values\":{\"root_module\":{\"resources\":["
    R("azurerm_virtual_network.v", "azurerm_virtual_network", "v",
      "{\"name\":\"vnet-a\",\"resource_group_name\":\"rg-a\","
      "\"location\":\"West Europe\",\"address_space\":[\"10.1.0.0/16\"]}") ","
    R("azurerm_subnet.s", "azurerm_subnet", "s",
      "{\"name\":\"snet-a\",\"resource_group_name\":\"rg-a\","
      "\"virtual_network_name\":\"vnet-a\","
      "\"address_prefixes\":[\"10.1.1.0/24\"],"
      "\"service_endpoints\":[\"Microsoft.Storage\"],"
      "\"enforce_private_link_endpoint_network_policies\":true}") ","
    R("azurerm_network_security_group.n", "azurerm_network_security_group",
      "n",
      "{\"name\":\"nsg-a\",\"resource_group_name\":\"rg-a\","
      "\"location\":\"westeurope\",\"security_rule\":[{\"name\":\"ml\","
      "\"priority\":110,\"direction\":\"Inbound\",\"access\":\"Allow\","
      "\"protocol\":\"Tcp\",\"source_port_range\":\"*\","
      "\"source_port_ranges\":[],\"destination_port_range\":\"44224\","
      "\"destination_port_ranges\":[],"
      "\"source_address_prefix\":\"AzureMachineLearning\","
      "\"source_address_prefixes\":[],"
      "\"destination_address_prefix\":\"*\","
      "\"destination_address_prefixes\":[],\"description\":\"\"}]}") ","
    R("azurerm_network_security_rule.extra", "azurerm_network_security_rule",
      "extra",
      "{\"name\":\"batch\",\"resource_group_name\":\"rg-a\","
      "\"network_security_group_name\":\"nsg-a\",\"priority\":100,"
      "\"direction\":\"Inbound\",\"access\":\"Allow\",\"protocol\":\"Tcp\","
      "\"source_port_range\":\"*\",\"destination_port_range\":\"29876-29877\","
      "\"source_address_prefix\":\"BatchNodeManagement\","
      "\"destination_address_prefix\":\"*\"}") ","
    R("azurerm_subnet_network_security_group_association.a",
      "azurerm_subnet_network_security_group_association", "a", "{}")
    "]}},"
    "\"resource_changes\":["
    CH("azurerm_virtual_network.v", "{\"id\":true}") ","
    CH("azurerm_subnet.s", "{\"id\":true}") ","
    CH("azurerm_network_security_group.n", "{\"id\":true}") ","
    CH("azurerm_network_security_rule.extra", "{\"id\":true}") ","
    CH("azurerm_subnet_network_security_group_association.a",
       "{\"id\":true,\"subnet_id\":true,\"network_security_group_id\":true}")
    "],"
    "\"configuration\":{\"root_module\":{\"resources\":["
    "{\"address\":\"azurerm_subnet_network_security_group_association.a\","
    "\"expressions\":{\"subnet_id\":" REF("azurerm_subnet.s.id",
                                           "azurerm_subnet.s")
    ",\"network_security_group_id\":"
    REF("azurerm_network_security_group.n.id",
        "azurerm_network_security_group.n") "}}]}}}";

static void test_ids_synthesised_and_references_resolved(void **state)
{
  struct loaded l;
  const struct pf_subnet *s;
  const struct pf_nsg *n;
  const struct pf_vnet *v;
  size_t i;
  int batch = 0;
  (void)state;
  load(&l, plan_basic);
  assert_int_equal(l.st, PF_OK);
  v = (const struct pf_vnet *)only(l.cfg, PF_K_VNET, 0);
  assert_string_equal(v->hdr.id, VNET);
  assert_string_equal(v->hdr.location, "westeurope");
  s = (const struct pf_subnet *)only(l.cfg, PF_K_SUBNET, 0);
  /* the subscription of the client config read while planning, the group
   * and the names: deterministic */
  assert_string_equal(s->hdr.id, VNET "/subnets/snet-a");
  assert_ptr_equal(s->vnet.target, &v->hdr);
  /* the association's subnet_id and network_security_group_id are
   * unknown; the configuration's references name the planned resources */
  assert_non_null(s->nsg.id);
  assert_string_equal(s->nsg.id, NSG);
  n = (const struct pf_nsg *)only(l.cfg, PF_K_NSG, 0);
  assert_ptr_equal(s->nsg.target, &n->hdr);
  assert_int_equal(n->n_subnets, 1);
  assert_string_equal(n->subnets[0].id, s->hdr.id);
  /* the inline rule and the azurerm_network_security_rule are one NSG */
  assert_int_equal(n->n_rules, 2 + 6);
  for (i = 0; i < n->n_rules; i++)
    if (n->rules[i].name && !strcmp(n->rules[i].name, "batch")) {
      batch = 1;
      /* its path is the rule resource's own place in the plan */
      assert_string_equal(n->rules[i].jpath,
                          "$.planned_values.root_module.resources[3].values");
    }
  assert_true(batch);
  assert_string_equal(s->pe_network_policies, "Disabled");
  assert_int_equal(s->n_endpoints, 1);
  assert_string_equal(s->hdr.jpath,
                      "$.planned_values.root_module.resources[1]");
  assert_true(has_warning(l.cfg, "plan.json: $.planned_values.root_module."
                                 "resources[1]: azurerm_subnet.s: id known "
                                 "after apply; synthesised as " VNET
                                 "/subnets/snet-a"));
  assert_int_equal(l.cfg->n_pending, 0);
  done(&l);
}

/* the placeholder subscription when nothing names one */
static void test_subscription_placeholder(void **state)
{
  static const char doc[] =
      "{\"format_version\":\"1.0\",\"terraform_version\":\"1.5.7\","
      "\"planned_values\":{\"root_module\":{\"resources\":["
      R("azurerm_network_security_group.n", "azurerm_network_security_group",
        "n", "{\"name\":\"nsg-b\",\"resource_group_name\":\"rg-b\","
             "\"location\":\"westeurope\",\"security_rule\":[]}")
      "]}},\"resource_changes\":["
      CH("azurerm_network_security_group.n", "{\"id\":true}") "]}";
  struct loaded l;
  (void)state;
  load(&l, doc);
  assert_int_equal(l.st, PF_OK);
  assert_string_equal(only(l.cfg, PF_K_NSG, 0)->id,
                      "/subscriptions/00000000-0000-0000-0000-000000000000/"
                      "resourceGroups/rg-b/providers/Microsoft.Network/"
                      "networkSecurityGroups/nsg-b");
  assert_true(has_warning(l.cfg, "no subscription id in the plan"));
  done(&l);
}

/* a module: addresses carry the module path, references are relative to
 * the module, and an unknown resource group name is one placeholder for
 * every id built from it */
static void test_module_and_unknown_group(void **state)
{
  static const char doc[] =
      "{\"format_version\":\"1.2\",\"terraform_version\":\"1.5.7\","
      CLIENT_CONFIG
      "\"planned_values\":{\"root_module\":{\"child_modules\":[{"
      "\"address\":\"module.net\",\"resources\":["
      R("module.net.azurerm_resource_group.g", "azurerm_resource_group", "g",
        "{\"location\":\"westeurope\"}") ","
      R("module.net.azurerm_virtual_network.v", "azurerm_virtual_network",
        "v", "{\"name\":\"vnet-m\",\"location\":\"westeurope\","
             "\"address_space\":[\"10.2.0.0/16\"]}") ","
      R("module.net.azurerm_subnet.s[0]", "azurerm_subnet", "s",
        "{\"name\":\"snet-m\",\"virtual_network_name\":\"vnet-m\","
        "\"address_prefixes\":[\"10.2.1.0/24\"]}")
      "]}]}},\"resource_changes\":["
      CH("module.net.azurerm_resource_group.g", "{\"id\":true,\"name\":true}")
      "," CH("module.net.azurerm_virtual_network.v",
             "{\"id\":true,\"resource_group_name\":true}")
      "," CH("module.net.azurerm_subnet.s[0]",
             "{\"id\":true,\"resource_group_name\":true}") "],"
      "\"configuration\":{\"root_module\":{\"module_calls\":{\"net\":{"
      "\"source\":\"./net\",\"module\":{\"resources\":["
      "{\"address\":\"azurerm_resource_group.g\",\"expressions\":{"
      "\"name\":{\"references\":[\"var.prefix\",\"random_string.r.result\","
      "\"random_string.r\"]}}},"
      "{\"address\":\"azurerm_virtual_network.v\",\"expressions\":{"
      "\"resource_group_name\":" REF("azurerm_resource_group.g.name",
                                     "azurerm_resource_group.g") "}},"
      "{\"address\":\"azurerm_subnet.s\",\"expressions\":{"
      "\"resource_group_name\":" REF("azurerm_resource_group.g.name",
                                     "azurerm_resource_group.g")
      ",\"virtual_network_name\":" REF("azurerm_virtual_network.v.name",
                                       "azurerm_virtual_network.v")
      "}}]}}}}}}";
  struct loaded l;
  const struct pf_subnet *s;
  (void)state;
  load(&l, doc);
  assert_int_equal(l.st, PF_OK);
  assert_string_equal(only(l.cfg, PF_K_VNET, 0)->id,
                      "/subscriptions/" SUBID "/resourceGroups/"
                      "{module.net.azurerm_resource_group.g.name}/providers/"
                      "Microsoft.Network/virtualNetworks/vnet-m");
  s = (const struct pf_subnet *)only(l.cfg, PF_K_SUBNET, 0);
  assert_string_equal(s->hdr.id, "/subscriptions/" SUBID "/resourceGroups/"
                                 "{module.net.azurerm_resource_group.g.name}/"
                                 "providers/Microsoft.Network/"
                                 "virtualNetworks/vnet-m/subnets/snet-m");
  /* same placeholder: the subnet finds its vnet */
  assert_non_null(s->vnet.target);
  assert_string_equal(s->hdr.jpath, "$.planned_values.root_module."
                                    "child_modules[0].resources[2]");
  done(&l);
}

/* element-wise unknown lists: the k-th unknown element is the k-th
 * resource referenced; what no reference gives is pending */
static void test_unknown_values(void **state)
{
  static const char doc[] =
      "{\"format_version\":\"1.2\",\"terraform_version\":\"1.5.7\","
      CLIENT_CONFIG
      "\"planned_values\":{\"root_module\":{\"resources\":["
      R("azurerm_subnet.s", "azurerm_subnet", "s",
        "{\"name\":\"snet-a\",\"resource_group_name\":\"rg-a\","
        "\"virtual_network_name\":\"vnet-a\","
        "\"address_prefixes\":[\"10.1.1.0/24\"]}") ","
      R("azurerm_storage_account.st", "azurerm_storage_account", "st",
        "{\"name\":\"sta\",\"resource_group_name\":\"rg-a\","
        "\"location\":\"westeurope\",\"account_tier\":\"Standard\","
        "\"account_replication_type\":\"LRS\","
        "\"network_rules\":[{\"default_action\":\"Deny\","
        "\"bypass\":[\"AzureServices\",\"Logging\"],"
        "\"virtual_network_subnet_ids\":[null]}]}") ","
      R("azurerm_key_vault.kv", "azurerm_key_vault", "kv",
        "{\"resource_group_name\":\"rg-a\",\"location\":\"westeurope\","
        "\"sku_name\":\"standard\"}")
      "]}},\"resource_changes\":["
      CH("azurerm_subnet.s", "{\"id\":true}") ","
      CH("azurerm_storage_account.st",
         "{\"id\":true,\"network_rules\":[{\"ip_rules\":true,"
         "\"virtual_network_subnet_ids\":[true]}]}") ","
      CH("azurerm_key_vault.kv",
         "{\"id\":true,\"name\":true,\"network_acls\":true,"
         "\"vault_uri\":true}") "],"
      "\"configuration\":{\"root_module\":{\"resources\":["
      "{\"address\":\"azurerm_storage_account.st\",\"expressions\":{"
      "\"network_rules\":[{\"default_action\":{\"constant_value\":\"Deny\"},"
      "\"virtual_network_subnet_ids\":" REF("azurerm_subnet.s.id",
                                            "azurerm_subnet.s") "}]}},"
      "{\"address\":\"azurerm_key_vault.kv\",\"expressions\":{"
      "\"name\":{\"references\":[\"random_string.r.result\","
      "\"random_string.r\"]},"
      "\"network_acls\":[{\"default_action\":{\"references\":"
      "[\"var.action\"]}}]}}]}}}";
  struct loaded l;
  const struct pf_storage *st;
  const struct pf_keyvault *kv;
  (void)state;
  load(&l, doc);
  assert_int_equal(l.st, PF_OK);
  st = (const struct pf_storage *)only(l.cfg, PF_K_STORAGE, 0);
  /* ip_rules is known only after apply but not configured: the provider
   * reads back what Azure has, no rules; the subnet id comes from the
   * reference */
  assert_int_equal(st->fw.n_vnet_rules, 1);
  assert_string_equal(st->fw.vnet_rules[0].id, VNET "/subnets/snet-a");
  assert_non_null(st->fw.vnet_rules[0].target);
  assert_int_equal(st->fw.n_ip_rules, 0);
  assert_true(st->fw.default_deny);
  assert_int_equal(st->fw.bypass, PF_BYPASS_AZURE_SERVICES |
                                      PF_BYPASS_LOGGING);
  assert_string_equal(st->sku, "Standard_LRS");
  assert_null(st->hdr.pending);
  kv = (const struct pf_keyvault *)only(l.cfg, PF_K_KEYVAULT, 0);
  /* a name from a random string: the id names it by address */
  assert_string_equal(kv->hdr.id, RGP "/providers/Microsoft.KeyVault/vaults/"
                                      "{azurerm_key_vault.kv.name}");
  assert_true(has_warning(l.cfg, "(its name is known only after apply)"));
  /* network_acls configured, known only after apply: pending, never the
   * default */
  assert_non_null(kv->hdr.pending);
  assert_string_equal(kv->hdr.pending->text,
                      "azurerm_key_vault.kv.network_acls (known after apply)");
  assert_string_equal(kv->hdr.pending->jpath,
                      "$.planned_values.root_module.resources[2].values."
                      "network_acls");
  assert_false(kv->fw.present);
  done(&l);
}

/* a rule resource whose source is known only after apply: the NSG it is
 * merged into owns the pending value; the rule is opaque */
static void test_pending_rule_owner(void **state)
{
  static const char doc[] =
      "{\"format_version\":\"1.2\",\"terraform_version\":\"1.5.7\","
      CLIENT_CONFIG
      "\"planned_values\":{\"root_module\":{\"resources\":["
      R("azurerm_network_security_group.n", "azurerm_network_security_group",
        "n", "{\"name\":\"nsg-a\",\"resource_group_name\":\"rg-a\","
             "\"location\":\"westeurope\"}") ","
      R("azurerm_network_security_rule.r", "azurerm_network_security_rule",
        "r", "{\"name\":\"from-fw\",\"resource_group_name\":\"rg-a\","
             "\"network_security_group_name\":\"nsg-a\",\"priority\":200,"
             "\"direction\":\"Inbound\",\"access\":\"Allow\","
             "\"protocol\":\"*\",\"source_port_range\":\"*\","
             "\"destination_port_range\":\"*\","
             "\"destination_address_prefix\":\"*\"}")
      "]}},\"resource_changes\":["
      CH("azurerm_network_security_group.n",
         "{\"id\":true,\"security_rule\":true}") ","
      CH("azurerm_network_security_rule.r",
         "{\"id\":true,\"source_address_prefix\":true}") "],"
      "\"configuration\":{\"root_module\":{\"resources\":["
      "{\"address\":\"azurerm_network_security_group.n\",\"expressions\":{"
      "\"name\":{\"constant_value\":\"nsg-a\"}}},"
      "{\"address\":\"azurerm_network_security_rule.r\",\"expressions\":{"
      "\"source_address_prefix\":{\"references\":[\"azurerm_firewall.f."
      "ip_configuration[0].private_ip_address\",\"azurerm_firewall.f."
      "ip_configuration[0]\",\"azurerm_firewall.f.ip_configuration\","
      "\"azurerm_firewall.f\"]}}}]}}}";
  struct loaded l;
  const struct pf_nsg *n;
  size_t i;
  int found = 0;
  (void)state;
  load(&l, doc);
  assert_int_equal(l.st, PF_OK);
  n = (const struct pf_nsg *)only(l.cfg, PF_K_NSG, 0);
  assert_non_null(n->hdr.pending);
  assert_string_equal(n->hdr.pending->text,
                      "azurerm_network_security_rule.r.source_address_prefix "
                      "(known after apply)");
  assert_string_equal(n->hdr.pending->jpath,
                      "$.planned_values.root_module.resources[1].values."
                      "source_address_prefix");
  for (i = 0; i < n->n_rules; i++)
    if (!strcmp(n->rules[i].name, "from-fw")) {
      found = 1;
      assert_int_equal(n->rules[i].src[0].kind, PF_ADDR_PENDING);
    }
  assert_true(found);
  done(&l);
}

/* an NSG whose rule set is known only after apply, and an association
 * whose NSG is: flows through them are unknown, never decided by the
 * default rules alone */
static void test_unknown_nsg_is_opaque(void **state)
{
  static const char doc[] =
      "{\"format_version\":\"1.2\",\"terraform_version\":\"1.5.7\","
      CLIENT_CONFIG
      "\"planned_values\":{\"root_module\":{\"resources\":["
      R("azurerm_subnet.s", "azurerm_subnet", "s",
        "{\"name\":\"snet-a\",\"resource_group_name\":\"rg-a\","
        "\"virtual_network_name\":\"vnet-a\","
        "\"address_prefixes\":[\"10.1.1.0/24\"]}") ","
      R("azurerm_network_security_group.n", "azurerm_network_security_group",
        "n", "{\"name\":\"nsg-a\",\"resource_group_name\":\"rg-a\","
             "\"location\":\"westeurope\"}") ","
      R("azurerm_subnet_network_security_group_association.a",
        "azurerm_subnet_network_security_group_association", "a", "{}")
      "]}},\"resource_changes\":["
      CH("azurerm_subnet.s", "{\"id\":true}") ","
      CH("azurerm_network_security_group.n",
         "{\"id\":true,\"security_rule\":true}") ","
      CH("azurerm_subnet_network_security_group_association.a",
         "{\"id\":true,\"subnet_id\":true,"
         "\"network_security_group_id\":true}") "],"
      "\"configuration\":{\"root_module\":{\"resources\":["
      "{\"address\":\"azurerm_network_security_group.n\",\"expressions\":{"
      "\"security_rule\":{\"references\":[\"local.rules\"]}}},"
      "{\"address\":\"azurerm_subnet_network_security_group_association.a\","
      "\"expressions\":{\"subnet_id\":" REF("azurerm_subnet.s.id",
                                             "azurerm_subnet.s")
      ",\"network_security_group_id\":{\"references\":"
      "[\"module.sec.nsg_id\",\"module.sec\"]}}}]}}}";
  struct loaded l;
  const struct pf_nsg *n = NULL, *ph = NULL;
  const struct pf_subnet *s;
  size_t i, pending = 0;
  (void)state;
  load(&l, doc);
  assert_int_equal(l.st, PF_OK);
  assert_int_equal(l.cfg->n_res[PF_K_NSG], 2);
  for (i = 0; i < 2; i++) {
    const struct pf_nsg *x = (const struct pf_nsg *)l.cfg->res[PF_K_NSG][i];
    if (!strcmp(x->hdr.name, "nsg-a"))
      n = x;
    else
      ph = x;
  }
  assert_non_null(n);
  assert_non_null(ph);
  /* a pending Deny and Allow ahead of the defaults, each direction */
  assert_int_equal(n->n_rules, 4 + 6);
  for (i = 0; i < n->n_rules; i++)
    if (!n->rules[i].is_default) {
      assert_int_equal(n->rules[i].src[0].kind, PF_ADDR_PENDING);
      assert_true(n->rules[i].priority == 100 || n->rules[i].priority == 101);
      pending++;
    }
  assert_int_equal(pending, 4);
  assert_non_null(n->hdr.pending);
  /* the subnet's NSG is a placeholder naming the unknown value, itself
   * opaque */
  s = (const struct pf_subnet *)only(l.cfg, PF_K_SUBNET, 0);
  assert_string_equal(s->nsg.id,
                      RGP "/providers/Microsoft.Network/networkSecurityGroups/"
                          "{azurerm_subnet_network_security_group_association."
                          "a.network_security_group_id}");
  assert_ptr_equal(s->nsg.target, &ph->hdr);
  assert_int_equal(ph->n_rules, 4 + 6);
  assert_non_null(ph->hdr.pending);
  assert_string_equal(ph->hdr.jpath, "$.planned_values.root_module."
                                     "resources[2].values."
                                     "network_security_group_id");
  assert_true(has_warning(l.cfg, "the NSG is known only after apply"));
  done(&l);
}

/* references to count and for_each instances: Terraform lists
 * "azurerm_subnet.s[0].id", "azurerm_subnet.s[0]" and the bare
 * "azurerm_subnet.s", which names no instance; count.index does not
 * resolve */
static void test_indexed_references(void **state)
{
  static const char doc[] =
      "{\"format_version\":\"1.2\",\"terraform_version\":\"1.5.7\","
      CLIENT_CONFIG
      "\"planned_values\":{\"root_module\":{\"resources\":["
      R("azurerm_subnet.s[0]", "azurerm_subnet", "s",
        "{\"name\":\"snet-0\",\"resource_group_name\":\"rg-a\","
        "\"virtual_network_name\":\"vnet-a\","
        "\"address_prefixes\":[\"10.1.0.0/24\"]}") ","
      R("azurerm_subnet.f[\\\"b\\\"]", "azurerm_subnet", "f",
        "{\"name\":\"snet-b\",\"resource_group_name\":\"rg-a\","
        "\"virtual_network_name\":\"vnet-a\","
        "\"address_prefixes\":[\"10.1.1.0/24\"]}") ","
      R("azurerm_subnet.lone", "azurerm_subnet", "lone",
        "{\"name\":\"snet-lone\",\"resource_group_name\":\"rg-a\","
        "\"virtual_network_name\":\"vnet-a\","
        "\"address_prefixes\":[\"10.1.2.0/24\"]}") ","
      R("azurerm_network_security_group.n", "azurerm_network_security_group",
        "n", "{\"name\":\"nsg-a\",\"resource_group_name\":\"rg-a\","
             "\"location\":\"westeurope\",\"security_rule\":[]}") ","
      R("azurerm_subnet_network_security_group_association.a[0]",
        "azurerm_subnet_network_security_group_association", "a", "{}") ","
      R("azurerm_subnet_network_security_group_association.b",
        "azurerm_subnet_network_security_group_association", "b", "{}") ","
      R("azurerm_subnet_network_security_group_association.c",
        "azurerm_subnet_network_security_group_association", "c", "{}")
      "]}},\"resource_changes\":["
      CH("azurerm_subnet.s[0]", "{\"id\":true}") ","
      CH("azurerm_subnet.f[\\\"b\\\"]", "{\"id\":true}") ","
      CH("azurerm_subnet.lone", "{\"id\":true}") ","
      CH("azurerm_network_security_group.n", "{\"id\":true}") ","
      CH("azurerm_subnet_network_security_group_association.a[0]",
         "{\"id\":true,\"subnet_id\":true,"
         "\"network_security_group_id\":true}") ","
      CH("azurerm_subnet_network_security_group_association.b",
         "{\"id\":true,\"subnet_id\":true,"
         "\"network_security_group_id\":true}") ","
      CH("azurerm_subnet_network_security_group_association.c",
         "{\"id\":true,\"subnet_id\":true,"
         "\"network_security_group_id\":true}") "],"
      "\"configuration\":{\"root_module\":{\"resources\":["
      "{\"address\":\"azurerm_subnet_network_security_group_association.a\","
      "\"expressions\":{\"subnet_id\":{\"references\":["
      "\"azurerm_subnet.s[count.index]\",\"azurerm_subnet.s\"]},"
      "\"network_security_group_id\":" REF("azurerm_network_security_group.n.id",
                                          "azurerm_network_security_group.n")
      "}},"
      "{\"address\":\"azurerm_subnet_network_security_group_association.b\","
      "\"expressions\":{\"subnet_id\":{\"references\":["
      "\"azurerm_subnet.s[0].id\",\"azurerm_subnet.s[0]\","
      "\"azurerm_subnet.s\"]},"
      "\"network_security_group_id\":" REF("azurerm_network_security_group.n.id",
                                          "azurerm_network_security_group.n")
      "}},"
      "{\"address\":\"azurerm_subnet_network_security_group_association.c\","
      "\"expressions\":{\"subnet_id\":{\"references\":["
      "\"azurerm_subnet.f[\\\"b\\\"].id\",\"azurerm_subnet.f[\\\"b\\\"]\","
      "\"azurerm_subnet.f\"]},"
      "\"network_security_group_id\":" REF("azurerm_network_security_group.n.id",
                                          "azurerm_network_security_group.n")
      "}}]}}}";
  struct loaded l;
  size_t i;
  (void)state;
  load(&l, doc);
  assert_int_equal(l.st, PF_OK);
  assert_int_equal(l.cfg->n_res[PF_K_SUBNET], 3);
  for (i = 0; i < 3; i++) {
    const struct pf_subnet *s =
        (const struct pf_subnet *)l.cfg->res[PF_K_SUBNET][i];
    assert_non_null(s->nsg.id);
    if (!strcmp(s->hdr.name, "snet-lone")) {
      /* a[0]'s subnet may be this one, the only subnet without an
       * association: its NSG is an opaque placeholder, never "none" */
      const struct pf_nsg *ph = (const struct pf_nsg *)s->nsg.target;
      assert_string_equal(s->nsg.id,
                          RGP "/providers/Microsoft.Network/"
                              "networkSecurityGroups/{azurerm_subnet_network_"
                              "security_group_association.a[0].subnet_id}");
      assert_non_null(ph);
      assert_int_equal(ph->n_rules, 4 + 6);
      assert_non_null(ph->hdr.pending);
    } else {
      assert_string_equal(s->nsg.id, NSG);
    }
  }
  /* a[0]: count.index is not evaluated, so its subnet cannot be told */
  assert_true(has_warning(l.cfg, "azurerm_subnet_network_security_group_"
                                 "association.a[0]: subnet_id is known only "
                                 "after apply and names no resource of this "
                                 "plan; every subnet without an association "
                                 "of its own may be the one"));
  done(&l);
}

/* a NIC in an application security group and behind an NSG, both by
 * association resources */
static void test_nic_associations(void **state)
{
  static const char doc[] =
      "{\"format_version\":\"1.2\",\"terraform_version\":\"1.5.7\","
      CLIENT_CONFIG
      "\"planned_values\":{\"root_module\":{\"resources\":["
      R("azurerm_application_security_group.g",
        "azurerm_application_security_group", "g",
        "{\"name\":\"asg-ml\",\"resource_group_name\":\"rg-a\","
        "\"location\":\"westeurope\"}") ","
      R("azurerm_network_security_group.n", "azurerm_network_security_group",
        "n", "{\"name\":\"nsg-a\",\"resource_group_name\":\"rg-a\","
             "\"location\":\"westeurope\",\"security_rule\":[]}") ","
      R("azurerm_network_interface.nic", "azurerm_network_interface", "nic",
        "{\"name\":\"nic-a\",\"resource_group_name\":\"rg-a\","
        "\"location\":\"westeurope\",\"ip_configuration\":[{"
        "\"name\":\"ipc\",\"private_ip_address\":\"10.1.1.4\","
        "\"primary\":true}]}") ","
      R("azurerm_network_interface_application_security_group_association.x",
        "azurerm_network_interface_application_security_group_association",
        "x", "{}") ","
      R("azurerm_network_interface_security_group_association.y",
        "azurerm_network_interface_security_group_association", "y", "{}")
      "]}},\"resource_changes\":["
      CH("azurerm_application_security_group.g", "{\"id\":true}") ","
      CH("azurerm_network_security_group.n", "{\"id\":true}") ","
      CH("azurerm_network_interface.nic",
         "{\"id\":true,\"ip_configuration\":[{\"subnet_id\":true}]}") ","
      CH("azurerm_network_interface_application_security_group_association.x",
         "{\"id\":true,\"network_interface_id\":true,"
         "\"application_security_group_id\":true}") ","
      CH("azurerm_network_interface_security_group_association.y",
         "{\"id\":true,\"network_interface_id\":true,"
         "\"network_security_group_id\":true}") "],"
      "\"configuration\":{\"root_module\":{\"resources\":["
      "{\"address\":\"azurerm_network_interface.nic\",\"expressions\":{"
      "\"ip_configuration\":[{\"subnet_id\":{\"references\":["
      "\"data.azurerm_subnet.gone.id\",\"data.azurerm_subnet.gone\"]}}]}},"
      "{\"address\":\"azurerm_network_interface_application_security_group_"
      "association.x\",\"expressions\":{\"network_interface_id\":"
      REF("azurerm_network_interface.nic.id", "azurerm_network_interface.nic")
      ",\"application_security_group_id\":"
      REF("azurerm_application_security_group.g.id",
          "azurerm_application_security_group.g") "}},"
      "{\"address\":\"azurerm_network_interface_security_group_"
      "association.y\",\"expressions\":{\"network_interface_id\":"
      REF("azurerm_network_interface.nic.id", "azurerm_network_interface.nic")
      ",\"network_security_group_id\":"
      REF("azurerm_network_security_group.n.id",
          "azurerm_network_security_group.n") "}}]}}}";
  struct loaded l;
  const struct pf_nic *nic;
  (void)state;
  load(&l, doc);
  assert_int_equal(l.st, PF_OK);
  nic = (const struct pf_nic *)only(l.cfg, PF_K_NIC, 0);
  assert_int_equal(nic->n_ipconfigs, 1);
  assert_int_equal(nic->ipconfigs[0].n_asgs, 1);
  assert_string_equal(nic->ipconfigs[0].asgs[0].id,
                      RGP "/providers/Microsoft.Network/"
                          "applicationSecurityGroups/asg-ml");
  assert_ptr_equal(nic->ipconfigs[0].asgs[0].target,
                   only(l.cfg, PF_K_ASG, 0));
  assert_string_equal(nic->nsg.id, NSG);
  /* the subnet comes from a data source that is not in the plan: the
   * NIC's subnet is pending, never guessed */
  assert_null(nic->ipconfigs[0].subnet.id);
  assert_non_null(nic->hdr.pending);
  assert_string_equal(nic->hdr.pending->text,
                      "azurerm_network_interface.nic.ip_configuration[0]."
                      "subnet_id (known after apply)");
  done(&l);
}

/* an NSG association whose NIC is known only after apply may be any
 * unassociated NIC's: that NIC's NSG is an opaque placeholder */
static void test_floating_nic_association(void **state)
{
  static const char doc[] =
      "{\"format_version\":\"1.2\",\"terraform_version\":\"1.5.7\","
      CLIENT_CONFIG
      "\"planned_values\":{\"root_module\":{\"resources\":["
      R("azurerm_network_interface.nic", "azurerm_network_interface", "nic",
        "{\"name\":\"nic-a\",\"resource_group_name\":\"rg-a\","
        "\"location\":\"westeurope\",\"ip_configuration\":[]}") ","
      R("azurerm_network_interface_security_group_association.y",
        "azurerm_network_interface_security_group_association", "y", "{}")
      "]}},\"resource_changes\":["
      CH("azurerm_network_interface.nic", "{\"id\":true}") ","
      CH("azurerm_network_interface_security_group_association.y",
         "{\"id\":true,\"network_interface_id\":true,"
         "\"network_security_group_id\":true}") "],"
      "\"configuration\":{\"root_module\":{\"resources\":["
      "{\"address\":\"azurerm_network_interface_security_group_"
      "association.y\",\"expressions\":{\"network_interface_id\":"
      "{\"references\":[\"module.vm.nic_id\",\"module.vm\"]},"
      "\"network_security_group_id\":{\"references\":[\"var.nsg\"]}}}"
      "]}}}";
  struct loaded l;
  const struct pf_nic *nic;
  (void)state;
  load(&l, doc);
  assert_int_equal(l.st, PF_OK);
  nic = (const struct pf_nic *)only(l.cfg, PF_K_NIC, 0);
  assert_non_null(nic->nsg.id);
  assert_non_null(strstr(nic->nsg.id, "/networkSecurityGroups/{azurerm_"
                                      "network_interface_security_group_"
                                      "association.y.network_interface_id}"));
  assert_non_null(nic->nsg.target);
  assert_non_null(nic->nsg.target->pending);
  assert_true(has_warning(l.cfg, "every network interface without an "
                                 "association of its own may be the one"));
  done(&l);
}

/* a state: ids as recorded, no synthesis, no warnings */
static void test_state_ids_kept(void **state)
{
  static const char doc[] =
      "{\"format_version\":\"1.0\",\"terraform_version\":\"1.5.7\","
      "\"values\":{\"root_module\":{\"resources\":["
      R("azurerm_route_table.t", "azurerm_route_table", "t",
        "{\"id\":\"" RGP "/providers/Microsoft.Network/routeTables/rt\","
        "\"name\":\"rt\",\"resource_group_name\":\"rg-a\","
        "\"location\":\"westeurope\",\"route\":[{\"name\":\"r1\","
        "\"address_prefix\":\"0.0.0.0/0\",\"next_hop_type\":"
        "\"VirtualAppliance\",\"next_hop_in_ip_address\":\"10.0.0.4\"}],"
        "\"disable_bgp_route_propagation\":true}") ","
      R("azurerm_route.r2", "azurerm_route", "r2",
        "{\"id\":\"" RGP "/providers/Microsoft.Network/routeTables/rt/"
        "routes/r2\",\"name\":\"r2\",\"resource_group_name\":\"rg-a\","
        "\"route_table_name\":\"rt\",\"address_prefix\":\"AzureCloud\","
        "\"next_hop_type\":\"Internet\",\"next_hop_in_ip_address\":\"\"}")
      "]}}}";
  struct loaded l;
  const struct pf_route_table *t;
  (void)state;
  load(&l, doc);
  assert_int_equal(l.st, PF_OK);
  t = (const struct pf_route_table *)only(l.cfg, PF_K_ROUTE_TABLE, 0);
  assert_string_equal(t->hdr.id,
                      RGP "/providers/Microsoft.Network/routeTables/rt");
  assert_int_equal(t->n_routes, 2);
  assert_int_equal(t->disable_bgp_propagation, PF_TRI_TRUE);
  assert_int_equal(l.cfg->n_warnings, 0);
  done(&l);
}

/* errors name the plan and the path in it */
static void test_errors(void **state)
{
  struct loaded l;
  char *doc;
  (void)state;
  load(&l, "{\"format_version\":\"2.0\",\"terraform_version\":\"2.0.0\"}");
  assert_int_equal(l.st, PF_EINVAL);
  assert_string_equal(l.err.msg, "plan.json: $.format_version: unsupported "
                                 "format_version '2.0' (this version reads "
                                 "0.x and 1.x)");
  done(&l);
  load(&l, "{\"format_version\":\"1.0\",\"planned_values\":{\"root_module\":"
           "{\"resources\":{}}}}");
  assert_int_equal(l.st, PF_EINVAL);
  assert_string_equal(l.err.msg, "plan.json: $.planned_values.root_module."
                                 "resources: expected an array, found an "
                                 "object");
  done(&l);
  /* the loader's complaint about a priority, at the plan's place */
  {
    size_t n = strlen(plan_basic) + 2;
    const char *at = strstr(plan_basic, "\"priority\":110");
    doc = malloc(n);
    assert_non_null(doc);
    snprintf(doc, n, "%.*s\"priority\":5100%s", (int)(at - plan_basic),
             plan_basic, at + strlen("\"priority\":110"));
  }
  load(&l, doc);
  assert_int_equal(l.st, PF_EINVAL);
  assert_string_equal(l.err.msg,
                      "plan.json: $.planned_values.root_module.resources[2]."
                      "values.security_rule[0].priority: 5100 is outside "
                      "100-4096");
  done(&l);
  free(doc);
}

/* not Terraform configuration: provider schemas are skipped */
static void test_provider_schemas_skipped(void **state)
{
  struct loaded l;
  (void)state;
  load(&l, "{\"format_version\":\"1.0\",\"provider_schemas\":{}}");
  assert_int_equal(l.st, PF_OK);
  assert_int_equal(l.cfg->n_inputs, 1);
  assert_non_null(l.cfg->inputs[0].skipped);
  assert_non_null(strstr(l.cfg->inputs[0].skipped, "provider schemas"));
  done(&l);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ids_synthesised_and_references_resolved),
    cmocka_unit_test(test_subscription_placeholder),
    cmocka_unit_test(test_module_and_unknown_group),
    cmocka_unit_test(test_unknown_values),
    cmocka_unit_test(test_pending_rule_owner),
    cmocka_unit_test(test_unknown_nsg_is_opaque),
    cmocka_unit_test(test_indexed_references),
    cmocka_unit_test(test_nic_associations),
    cmocka_unit_test(test_floating_nic_association),
    cmocka_unit_test(test_state_ids_kept),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_provider_schemas_skipped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
