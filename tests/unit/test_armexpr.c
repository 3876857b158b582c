/* SPDX-License-Identifier: MIT */
/* test_armexpr.c - the ARM template expression evaluator
 *
 * Table-driven: each case is a template string and the compact JSON it
 * must give, or the error text it must give.  The uniqueString() values
 * are ones Azure produced (Bicep/ARM outputs published with two
 * independent reimplementations of its Murmur-variant hash); the guid()
 * value follows RFC 4122 version 5 in ARM's namespace
 * 11fb06fb-712d-4ddd-98c7-e71bbd588830 (checked with python3 uuid.uuid5).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "load/pf_armexpr.h"

/* ---- a small host ------------------------------------------------------ */

static const char params_json[] =
    "{\"name\":\"web\",\"count\":3,\"flag\":true,\"tags\":{\"env\":\"prod\","
    "\"Owner\":\"ml\"},\"list\":[\"a\",\"b\",\"c\"],\"nothing\":null,"
    "\"later\":{\"$unknown\":\"[reference('x').y]\"}}";

static cJSON *g_params;

static pf_status t_param(void *arg, struct pf_armx *x, const char *name,
                         cJSON **out)
{
  const cJSON *v = cJSON_GetObjectItem(g_params, name);
  (void)arg;
  if (!v)
    return pf_armx_fail(x, "parameters(): no parameter '%s'", name);
  *out = cJSON_Duplicate(v, 1);
  return PF_OK;
}

static pf_status t_var(void *arg, struct pf_armx *x, const char *name,
                       cJSON **out)
{
  (void)arg;
  if (!strcmp(name, "prefix")) {
    *out = cJSON_CreateString("pf");
    return PF_OK;
  }
  return pf_armx_fail(x, "variables(): no variable '%s'", name);
}

static pf_status t_copy(void *arg, struct pf_armx *x, const char *loop,
                        int64_t *out)
{
  (void)arg;
  if (loop && strcmp(loop, "subnets"))
    return pf_armx_fail(x, "copyIndex(): no copy loop named '%s' here", loop);
  *out = 2;
  return PF_OK;
}

static pf_status t_ref(void *arg, struct pf_armx *x, const char *target,
                       int full, cJSON **out)
{
  (void)arg;
  (void)x;
  (void)full;
  if (!strcmp(target, "declared")) {
    *out = cJSON_Parse("{\"addressSpace\":{\"addressPrefixes\":"
                       "[\"10.0.0.0/16\"]},\"ipConfigurations\":[{\"name\":"
                       "\"c\",\"properties\":{}}],\"$partial\":true}");
    return PF_OK;
  }
  *out = pf_armx_unknown("reference()");
  return PF_OK;
}

static void t_scope(void *arg, struct pf_armx_scope *s)
{
  (void)arg;
  s->subscription = "11111111-2222-3333-4444-555555555555";
  s->tenant = "99999999-8888-7777-6666-555555555555";
  s->rg_name = "rg-ml";
  s->rg_location = "westeurope";
}

static const struct pf_armx_host host = {NULL, t_param, t_var, t_copy, t_ref,
                                         t_scope};

static char *eval_ok(const char *expr)
{
  cJSON *v = NULL;
  char msg[512];
  long budget = 1000000;
  char *s;
  pf_status st = pf_armx_eval(&host, &budget, expr, &v, msg, sizeof(msg));
  if (st != PF_OK) {
    fprintf(stderr, "unexpected error for %s: %s\n", expr, msg);
    return NULL;
  }
  s = cJSON_PrintUnformatted(v);
  cJSON_Delete(v);
  return s;
}

struct ok_case {
  const char *expr;
  const char *want;   /* compact JSON */
};

static const struct ok_case ok_cases[] = {
  /* literals and escapes */
  {"plain text", "\"plain text\""},
  {"[[not an expression]", "\"[not an expression]\""},
  {"['it''s']", "\"it's\""},
  {"['']", "\"\""},
  {"[42]", "42"},
  {"[-7]", "-7"},
  {"[true()]", "true"},
  {"[false()]", "false"},
  {"[null()]", "null"},
  {"[ concat( 'a' , 'b' ) ]", "\"ab\""},
  /* parameters, variables, member access */
  {"[parameters('name')]", "\"web\""},
  {"[parameters('tags').env]", "\"prod\""},
  {"[parameters('tags').owner]", "\"ml\""},
  {"[parameters('tags')['Owner']]", "\"ml\""},
  {"[parameters('list')[1]]", "\"b\""},
  {"[parameters('list')[parameters('count')-1]]", NULL},  /* see errors */
  {"[variables('prefix')]", "\"pf\""},
  {"[createObject('a', createArray(1, 2)).a[1]]", "2"},
  /* strings */
  {"[concat('vnet-', parameters('name'), '-', 1)]", "\"vnet-web-1\""},
  {"[concat(createArray(1), createArray(2, 3))]", "[1,2,3]"},
  {"[format('{0}-{1}', 'a', 2)]", "\"a-2\""},
  {"[format('{{literal}} {0}', 'x')]", "\"{literal} x\""},
  {"[format('{1}{0}{1}', 'a', 'b')]", "\"bab\""},
  {"[toLower('MiXeD')]", "\"mixed\""},
  {"[toUpper('MiXeD')]", "\"MIXED\""},
  {"[replace('a-b-c', '-', '')]", "\"abc\""},
  {"[substring('abcdef', 2, 3)]", "\"cde\""},
  {"[substring('abcdef', 4)]", "\"ef\""},
  {"[split('a,b;c', createArray(',', ';'))]", "[\"a\",\"b\",\"c\"]"},
  {"[split('a,,b', ',')]", "[\"a\",\"\",\"b\"]"},
  {"[trim('  x y  ')]", "\"x y\""},
  {"[startsWith('Microsoft.Network', 'microsoft')]", "true"},
  {"[endsWith('abc', 'BC')]", "true"},
  {"[indexOf('abcabc', 'C')]", "2"},
  {"[lastIndexOf('abcabc', 'c')]", "5"},
  {"[padLeft('7', 3, '0')]", "\"007\""},
  {"[join(createArray('a', 'b'), '+')]", "\"a+b\""},
  {"[base64('one')]", "\"b25l\""},
  {"[string(5)]", "\"5\""},
  {"[string(true())]", "\"True\""},
  {"[string(createObject('a', 1))]", "\"{\\\"a\\\":1}\""},
  {"[int('42')]", "42"},
  {"[bool('True')]", "true"},
  {"[json('{\"a\":[1,null]}').a[0]]", "1"},
  {"[json('null')]", "null"},
  {"[length('héllo')]", "5"},
  {"[length(parameters('list'))]", "3"},
  {"[length(parameters('tags'))]", "2"},
  /* hashes: values Azure produces */
  {"[uniqueString('test')]", "\"rbgf3xv4ufgzg\""},
  {"[uniqueString('hello', 'world')]", "\"a7wkljktk6wne\""},
  {"[uniqueString('abc')]", "\"cgtzqvhu4i23s\""},
  {"[uniqueString('/subscriptions/00000000-0000-0000-0000-000000000000/"
   "resourceGroups/my-rg')]", "\"bmg7c6xu4tw46\""},
  {"[uniqueString('foo', 'bar', 'baz')]", "\"xzi4ioaxtmth4\""},
  {"[guid('a')]", "\"3703365d-5a9f-59b4-bca7-b9681389e4c1\""},
  /* logic and comparison */
  {"[if(equals(parameters('count'), 3), 'three', 'other')]", "\"three\""},
  {"[if(parameters('flag'), 'yes', listKeys('x', '1').keys)]", "\"yes\""},
  {"[not(parameters('flag'))]", "false"},
  {"[and(true(), parameters('flag'), not(false()))]", "true"},
  {"[or(false(), false())]", "false"},
  {"[and(false(), equals(parameters('later'), 1))]", "false"},
  {"[or(true(), equals(parameters('later'), 1))]", "true"},
  {"[equals(createArray(1, 'a'), createArray(1, 'a'))]", "true"},
  {"[equals('a', 'A')]", "false"},
  {"[less(1, 2)]", "true"},
  {"[lessOrEquals(2, 2)]", "true"},
  {"[greater('b', 'a')]", "true"},
  {"[greaterOrEquals(1, 2)]", "false"},
  {"[empty('')]", "true"},
  {"[empty(parameters('nothing'))]", "true"},
  {"[empty(createObject())]", "true"},
  {"[empty(parameters('list'))]", "false"},
  {"[contains('abc', 'b')]", "true"},
  {"[contains(parameters('list'), 'c')]", "true"},
  {"[contains(parameters('tags'), 'ENV')]", "true"},
  /* arrays and objects */
  {"[union(createObject('a', 1, 'n', createObject('x', 1)), "
   "createObject('b', 2, 'n', createObject('y', 2)))]",
   "{\"a\":1,\"n\":{\"x\":1,\"y\":2},\"b\":2}"},
  {"[union(createArray(1, 2), createArray(2, 3))]", "[1,2,3]"},
  {"[intersection(createArray(1, 2, 3), createArray(3, 2))]", "[2,3]"},
  {"[intersection(createObject('a', 1, 'b', 2), createObject('a', 1, "
   "'b', 3))]", "{\"a\":1}"},
  {"[array('x')]", "[\"x\"]"},
  {"[array(createArray(1))]", "[1]"},
  {"[first(parameters('list'))]", "\"a\""},
  {"[last('xyz')]", "\"z\""},
  {"[take(parameters('list'), 2)]", "[\"a\",\"b\"]"},
  {"[skip('abcdef', 4)]", "\"ef\""},
  {"[coalesce(null(), parameters('nothing'), 'x', 'y')]", "\"x\""},
  {"[range(5, 3)]", "[5,6,7]"},
  {"[min(3, createArray(1, 7))]", "1"},
  {"[max(3, createArray(1, 7))]", "7"},
  {"[add(1, mul(2, 3))]", "7"},
  {"[div(7, 2)]", "3"},
  {"[mod(7, 2)]", "1"},
  {"[sub(1, 4)]", "-3"},
  /* copy loops, scope, ids */
  {"[copyIndex()]", "2"},
  {"[copyIndex('subnets', 1)]", "3"},
  {"[copyIndex(10)]", "12"},
  {"[resourceGroup().location]", "\"westeurope\""},
  {"[resourceGroup().id]",
   "\"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/"
   "rg-ml\""},
  {"[subscription().subscriptionId]",
   "\"11111111-2222-3333-4444-555555555555\""},
  {"[subscription().tenantId]", "\"99999999-8888-7777-6666-555555555555\""},
  {"[environment().suffixes.storage]", "\"core.windows.net\""},
  {"[toLower(environment().name)]", "\"azurecloud\""},
  {"[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]",
   "\"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/"
   "rg-ml/providers/Microsoft.Network/virtualNetworks/v/subnets/s\""},
  {"[resourceId('other-rg', 'Microsoft.Network/virtualNetworks', 'v')]",
   "\"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/"
   "other-rg/providers/Microsoft.Network/virtualNetworks/v\""},
  {"[resourceId('s2', 'rg2', 'Microsoft.Storage/storageAccounts', 'st')]",
   "\"/subscriptions/s2/resourceGroups/rg2/providers/Microsoft.Storage/"
   "storageAccounts/st\""},
  {"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
   "'r1')]", "\"/subscriptions/11111111-2222-3333-4444-555555555555/"
   "providers/Microsoft.Authorization/roleDefinitions/r1\""},
  {"[tenantResourceId('Microsoft.Management/managementGroups', 'mg')]",
   "\"/providers/Microsoft.Management/managementGroups/mg\""},
  {"[extensionResourceId('/subscriptions/s/resourceGroups/r', "
   "'Microsoft.Authorization/locks', 'l')]",
   "\"/subscriptions/s/resourceGroups/r/providers/Microsoft.Authorization/"
   "locks/l\""},
  {"[reference('declared').addressSpace.addressPrefixes[0]]",
   "\"10.0.0.0/16\""},
  /* unknown values: quoted, never guessed */
  {"[reference('declared').provisioningState]",
   "{\"$unknown\":\"[reference('declared').provisioningState]\"}"},
  /* inside a declared array too (a firewall's assigned private address);
   * the array itself comes out without the markers */
  {"[reference('declared').ipConfigurations[0].properties."
   "privateIPAddress]",
   "{\"$unknown\":\"[reference('declared').ipConfigurations[0]."
   "properties.privateIPAddress]\"}"},
  {"[reference('declared').ipConfigurations]",
   "[{\"name\":\"c\",\"properties\":{}}]"},
  {"[listKeys('st', '2021-01-01').keys[0].value]",
   "{\"$unknown\":\"[listKeys('st', '2021-01-01').keys[0].value] "
   "(unknown: listKeys('st', '2021-01-01'))\"}"},
  {"[newGuid()]", "{\"$unknown\":\"[newGuid()]\"}"},
  {"[concat('x', parameters('later'))]",
   "{\"$unknown\":\"[concat('x', parameters('later'))] (unknown: "
   "[reference('x').y])\"}"},
  {"[if(parameters('later'), 1, 2)]",
   "{\"$unknown\":\"[if(parameters('later'), 1, 2)] (unknown: "
   "[reference('x').y])\"}"},
  {"[format('{0:N2}', 1)]", "{\"$unknown\":\"[format('{0:N2}', 1)]\"}"},
  {"[createArray(1, parameters('later'))]",
   "[1,{\"$unknown\":\"[reference('x').y]\"}]"},
  {"[coalesce(parameters('later'), 'x')]",
   "{\"$unknown\":\"[coalesce(parameters('later'), 'x')] (unknown: "
   "[reference('x').y])\"}"},
};

static void test_ok_cases(void **state)
{
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
    char *got;
    if (!ok_cases[i].want)
      continue;
    got = eval_ok(ok_cases[i].expr);
    if (!got || strcmp(got, ok_cases[i].want))
      fprintf(stderr, "case %s\n  want %s\n  got  %s\n", ok_cases[i].expr,
              ok_cases[i].want, got ? got : "(error)");
    assert_non_null(got);
    assert_string_equal(got, ok_cases[i].want);
    cJSON_free(got);
  }
}

struct err_case {
  const char *expr;
  const char *want;   /* the message */
};

static const struct err_case err_cases[] = {
  {"[concat('a', 'b']", "concat(): expected ',' or ')' at offset 16 (the "
   "expression ends early)"},
  {"['unterminated]", "unterminated string literal"},
  {"[concat('a') 'b']", "unexpected ''' at offset 13 after the expression"},
  {"[concatt('a')]", "unknown function 'concatt'"},
  {"[parameters]", "'parameters' is not a function call (expected '(' at "
   "offset 11) (the expression ends early)"},
  {"[format('{0}-{1}', 'a')]", "format(): placeholder {1} but only 1 "
   "argument after the format string"},
  {"[format(1)]", "format(): argument 1 must be a String, found Integer"},
  {"[toLower(1)]", "toLower(): argument 1 must be a String, found Integer"},
  {"[substring('abc', 2, 5)]", "substring(): start 2 and length 5 do not "
   "lie within the string of length 3"},
  {"[if('yes', 1, 2)]", "if(): the condition must be a Boolean, found "
   "String"},
  {"[not(1)]", "not(): argument 1 must be a Boolean, found Integer"},
  {"[and(true())]", "and(): takes at least 2 arguments, found 1"},
  {"[equals(1)]", "equals(): takes 2 arguments, found 1"},
  {"[parameters('tags').missing]", "the object has no member 'missing'"},
  {"[parameters('list')[3]]", "index 3 is outside the array of 3 elements"},
  {"[parameters('name').x]", "cannot read member 'x' of String"},
  {"[parameters('nope')]", "parameters(): no parameter 'nope'"},
  {"[copyIndex('disks')]", "copyIndex(): no copy loop named 'disks' here"},
  {"[range(0, 10001)]", "range(): count 10001 is outside 0..10000"},
  {"[resourceId('v')]", "resourceId(): takes at least 2 arguments, found 1"},
  {"[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v')]",
   "resourceId(): resource type 'Microsoft.Network/virtualNetworks/subnets' "
   "needs 2 names, found 1"},
  {"[concat('a', createObject())]", "concat(): arguments must all be arrays "
   "or all be strings and integers; argument 2 is Object"},
  {"[int('4x')]", "int(): '4x' is not an integer"},
  {"[div(1, 0)]", "div(): division by zero"},
  {"[createObject('a')]", "createObject(): needs key and value pairs, found "
   "1 argument"},
  {"[union(createArray(), createObject())]", "union(): arguments must all "
   "be Arrays or all be Objects"},
  {"[json('{')]", "json(): '{' is not valid JSON"},
  {"[1.5]", "ARM expressions have integers only (offset 1)"},
  {"[parameters('list')[parameters('count')-1]]",
   "expected ']' at offset 39"},
  {"[if(true(), 1, concatt())]", "unknown function 'concatt'"},
};

static void test_errors(void **state)
{
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
    cJSON *v = NULL;
    char msg[512];
    long budget = 1000000;
    pf_status st = pf_armx_eval(&host, &budget, err_cases[i].expr, &v, msg,
                                sizeof(msg));
    if (st == PF_OK || strcmp(msg, err_cases[i].want))
      fprintf(stderr, "case %s\n  want %s\n  got  %s\n", err_cases[i].expr,
              err_cases[i].want, st == PF_OK ? "(no error)" : msg);
    assert_int_equal(st, PF_EINVAL);
    assert_null(v);
    assert_string_equal(msg, err_cases[i].want);
  }
}

/* Limits: deep nesting, long expressions, the shared work budget. */
static void test_limits(void **state)
{
  char *deep = malloc(2000), *p;
  cJSON *v = NULL;
  char msg[512];
  long budget = 1000000;
  int i;
  (void)state;
  assert_non_null(deep);
  p = deep;
  *p++ = '[';
  for (i = 0; i < 100; i++)
    p += sprintf(p, "not(");
  p += sprintf(p, "true()");
  for (i = 0; i < 100; i++)
    *p++ = ')';
  *p++ = ']';
  *p = '\0';
  assert_int_equal(pf_armx_eval(&host, &budget, deep, &v, msg, sizeof(msg)),
                   PF_EINVAL);
  assert_string_equal(msg, "expressions are nested more than 64 deep");
  free(deep);

  budget = 3;
  assert_int_equal(pf_armx_eval(&host, &budget,
                                "[concat('a', concat('b', concat('c', "
                                "concat('d'))))]", &v, msg, sizeof(msg)),
                   PF_EINVAL);
  assert_non_null(strstr(msg, "too much evaluation work"));
}

static void test_unique_string_direct(void **state)
{
  char out[14], g[37];
  (void)state;
  pf_armx_unique_string("test", 4, out);
  assert_string_equal(out, "rbgf3xv4ufgzg");
  /* the argument join: uniqueString('a', 'b') hashes "a-b" */
  pf_armx_unique_string("hello-world", 11, out);
  assert_string_equal(out, "a7wkljktk6wne");
  assert_int_equal(pf_armx_guid("a", 1, g), PF_OK);
  assert_string_equal(g, "3703365d-5a9f-59b4-bca7-b9681389e4c1");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ok_cases),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_unique_string_direct),
  };
  int rc;
  g_params = cJSON_Parse(params_json);
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  cJSON_Delete(g_params);
  return rc;
}
