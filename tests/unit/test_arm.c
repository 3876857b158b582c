/* SPDX-License-Identifier: MIT */
/* test_arm.c - ARM deployment templates translated and loaded
 *
 * tests/templates/features exercises what the quickstart templates do not
 * (variable, property and resource copy, a linked template by
 * relativePath with outputs, child resources merged into parents,
 * conditions, an outer-scope nested template, a reference() of runtime
 * state); the checks read the loaded model: ids under the given scope,
 * files and JSON paths in the template, pending values.  In-memory
 * templates cover scope options and placeholders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "load/pf_load.h"
#include "model/pf_model.h"

#define FEAT PF_TESTS_DIR "/templates/features/azuredeploy.json"
#define SUB "/subscriptions/11111111-2222-3333-4444-555555555555"
#define RG SUB "/resourceGroups/rg-feat"
#define NET RG "/providers/Microsoft.Network"

static struct pf_config *load_feat(void)
{
  struct pf_config *cfg = NULL;
  struct pf_load_opts o;
  struct pf_err err;
  const char *paths[1] = {FEAT};
  memset(&o, 0, sizeof(o));
  o.subscription = "11111111-2222-3333-4444-555555555555";
  o.resource_group = "rg-feat";
  o.location = "westeurope";
  pf_err_clear(&err);
  assert_int_equal(pf_config_create(&cfg), PF_OK);
  if (pf_load_paths(cfg, paths, 1, &o, &err) != PF_OK)
    fprintf(stderr, "%s\n", err.msg);
  assert_false(pf_err_isset(&err));
  return cfg;
}

static void test_features(void **state)
{
  struct pf_config *cfg = load_feat();
  const struct pf_res *r;
  const struct pf_vnet *v;
  const struct pf_nsg *nsg;
  const struct pf_route_table *rt;
  const struct pf_storage *st;
  size_t i;
  (void)state;

  /* variable copy feeds the property copy: 3 subnets, plus the child */
  r = pf_config_find(cfg, NET "/virtualNetworks/vnet-feat-yszi");
  if (!r) {
    for (i = 0; i < cfg->n_res[PF_K_VNET]; i++)
      fprintf(stderr, "vnet %s\n", cfg->res[PF_K_VNET][i]->id);
  }
  assert_non_null(r);
  v = (const struct pf_vnet *)r;
  assert_string_equal(r->location, "westeurope");
  assert_string_equal(r->jpath, "$.resources[0]");
  assert_int_equal(v->n_subnets, 4);
  assert_string_equal(v->subnets[1]->hdr.name, "snet-1");
  /* the NSG id came from the linked deployment's outputs */
  assert_string_equal(v->subnets[1]->nsg.id, NET "/networkSecurityGroups/"
                      "nsg-feat");
  assert_non_null(v->subnets[1]->nsg.target);
  /* the merged child keeps its own path in the template */
  assert_string_equal(v->subnets[3]->hdr.name, "snet-extra");
  assert_string_equal(v->subnets[3]->hdr.jpath, "$.resources[1]");
  assert_string_equal(v->subnets[3]->route_table.id, NET "/routeTables/"
                      "rt-feat");

  /* the linked template: its file, the rule child merged */
  r = pf_config_find(cfg, NET "/networkSecurityGroups/nsg-feat");
  assert_non_null(r);
  nsg = (const struct pf_nsg *)r;
  assert_non_null(strstr(r->file, "templates/features/linked/nsg.json"));
  assert_string_equal(r->jpath, "$.resources[0]");
  assert_int_equal(nsg->n_rules, 2 + 6);
  for (i = 0; i < nsg->n_rules; i++)
    if (!strcmp(nsg->rules[i].name, "AzureMachineLearning"))
      assert_string_equal(nsg->rules[i].jpath, "$.resources[1]");

  /* the nested child route, the route table deployed by its condition */
  r = pf_config_find(cfg, NET "/routeTables/rt-feat");
  assert_non_null(r);
  rt = (const struct pf_route_table *)r;
  assert_int_equal(rt->n_routes, 1);
  assert_null(pf_config_find(cfg, NET "/routeTables/rt-never"));

  /* resource copy in an outer-scope nested template; the IP rule is a
   * reference() of a public IP the template does not declare: pending */
  r = pf_config_find(cfg, RG "/providers/Microsoft.Storage/storageAccounts/"
                          "stfeat1");
  assert_non_null(r);
  st = (const struct pf_storage *)r;
  assert_int_equal(st->fw.n_ip_rules, 0);
  assert_int_equal(st->fw.n_vnet_rules, 1);
  assert_int_equal(r->n_pending, 1);
  /* copies of one declaration are told apart by "(copy N)" */
  assert_string_equal(r->jpath, "$.resources[5].properties.template"
                      ".resources[0](copy 1)");
  assert_string_equal(r->pending->jpath, "$.resources[5].properties.template"
                      ".resources[0](copy 1).properties.networkAcls.ipRules[0]"
                      ".value");
  assert_non_null(strstr(r->pending->text, "[reference(resourceId("
                         "'Microsoft.Network/publicIPAddresses', "
                         "'pip-gateway'), '2023-04-01').ipAddress]"));
  r = pf_config_find(cfg, RG "/providers/Microsoft.Storage/storageAccounts/"
                          "stfeat0");
  assert_non_null(r);
  assert_int_equal(r->n_pending, 1);
  pf_config_destroy(cfg);
}

static pf_status load_text(struct pf_config *cfg, const char *text,
                           struct pf_err *err)
{
  return pf_load_buffer(cfg, "t.json", text, strlen(text), err);
}

#define HEAD "{\"$schema\": \"https://schema.management.azure.com/schemas/" \
             "2019-04-01/deploymentTemplate.json#\", "

static void test_placeholders_and_unknowns(void **state)
{
  static const char t[] =
      HEAD "\"parameters\": {\"cond\": {\"type\": \"bool\", "
      "\"defaultValue\": \"[equals(reference('x').y, 1)]\"}}, "
      "\"resources\": [{\"type\": \"Microsoft.Network/virtualNetworks\", "
      "\"apiVersion\": \"2023-04-01\", \"name\": \"[concat('v', "
      "uniqueString(resourceGroup().id))]\", \"location\": "
      "\"[resourceGroup().location]\", \"properties\": {\"addressSpace\": "
      "{\"addressPrefixes\": [\"10.0.0.0/16\"]}}}, "
      "{\"condition\": \"[parameters('cond')]\", \"type\": "
      "\"Microsoft.Network/routeTables\", \"apiVersion\": \"2023-04-01\", "
      "\"name\": \"rt\", \"properties\": {}}]}";
  struct pf_config *cfg = NULL;
  struct pf_err err;
  const struct pf_res *r;
  size_t i;
  int placeholder = 0, condition = 0;
  (void)state;
  pf_err_clear(&err);
  assert_int_equal(pf_config_create(&cfg), PF_OK);
  assert_int_equal(load_text(cfg, t, &err), PF_OK);
  assert_int_equal(cfg->n_res[PF_K_VNET], 1);
  r = cfg->res[PF_K_VNET][0];
  /* uniqueString of the placeholder group's id, as Azure computes it */
  assert_string_equal(r->id, "/subscriptions/00000000-0000-0000-0000-"
                      "000000000000/resourceGroups/rg/providers/"
                      "Microsoft.Network/virtualNetworks/vdojm7b5lc3trm");
  assert_string_equal(r->location, "placeholder-location");
  /* a condition known only at deployment: not loaded, with a warning */
  assert_int_equal(cfg->n_res[PF_K_ROUTE_TABLE], 0);
  for (i = 0; i < cfg->n_warnings; i++) {
    placeholder |= strstr(cfg->warnings[i], "placeholders used") != NULL &&
                   strstr(cfg->warnings[i], "placeholder-location") != NULL;
    condition |= strstr(cfg->warnings[i], "$.resources[1].condition: the "
                        "condition is known only at deployment") != NULL;
  }
  assert_true(placeholder);
  assert_true(condition);
  pf_config_destroy(cfg);
}

static void test_errors(void **state)
{
  static const struct {
    const char *text;
    const char *msg;
  } cases[] = {
    {HEAD "\"resources\": [{\"type\": \"Microsoft.Network/virtualNetworks\","
     " \"apiVersion\": \"1\", \"name\": \"[reference('x').name]\"}]}",
     "t.json: $.resources[0].name: the name is known only at deployment "
     "([reference('x').name] (unknown: reference('x'))); Azure requires it "
     "at the start of the deployment"},
    {HEAD "\"resources\": [{\"type\": \"Microsoft.Resources/deployments\", "
     "\"apiVersion\": \"1\", \"name\": \"d\", \"properties\": {\"template\":"
     " {\"resources\": [{\"type\": \"Microsoft.Network/virtualNetworks\", "
     "\"apiVersion\": \"1\", \"name\": \"[parameters('missing')]\"}]}}}]}",
     "t.json: $.resources[0].properties.template.resources[0].name: "
     "parameters(): the template has no parameter 'missing' (in "
     "\"[parameters('missing')]\")"},
    {HEAD "\"resources\": [{\"type\": \"Microsoft.Network/virtualNetworks\","
     " \"apiVersion\": \"1\", \"name\": \"v\", \"copy\": {\"name\": \"c\", "
     "\"count\": -1}}]}",
     "t.json: $.resources[0].copy.count: copy count -1 is outside 0..800 "
     "(the Azure Resource Manager limit)"},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct pf_config *cfg = NULL;
    struct pf_err err;
    pf_err_clear(&err);
    assert_int_equal(pf_config_create(&cfg), PF_OK);
    assert_int_not_equal(load_text(cfg, cases[i].text, &err), PF_OK);
    if (strcmp(err.msg, cases[i].msg))
      fprintf(stderr, "want %s\ngot  %s\n", cases[i].msg, err.msg);
    assert_string_equal(err.msg, cases[i].msg);
    pf_config_destroy(cfg);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_features),
    cmocka_unit_test(test_placeholders_and_unknowns),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
