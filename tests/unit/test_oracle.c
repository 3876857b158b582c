/* SPDX-License-Identifier: MIT */
/* test_oracle.c - real Network Watcher answers, reproduced offline
 *
 * ../shared/fixtures/oracle/ holds IP flow verify answers Azure gave
 * (recorded by the az CLI and the .NET SDK tests, and stated in the
 * Network Watcher quickstart) with the setup they were given for.  Each
 * setup is rebuilt as resource JSON, from the file's own resources where
 * it has them and otherwise exactly as its description states, loaded
 * with pf_load_buffer, and every recorded flow is evaluated with the
 * planner: the verdict and the deciding rule's name must be Azure's.
 *
 * Network Watcher names the rule "securityRules/<name>" or
 * "defaultSecurityRules/<name>" (networkConfigurationDiagnostic writes
 * "DefaultRule_<name>"); the collection must match the rule's kind and
 * the name is compared case-insensitively (AZURE-SEMANTICS.md 1.6).  A
 * port given as "*" is answered for every port: the whole range is
 * evaluated with pf_eval_set and must give one verdict and one rule.
 *
 * Not reproduced here: the nextHop answers in the same files (routes, not
 * NSGs).  Skipped with a message when PF_FIXTURES is absent.
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
#include <unistd.h>

#include <cjson/cJSON.h>

#include "eval/pf_path.h"
#include "load/pf_load.h"

#define ORACLE PF_FIXTURES "/oracle/"
#define CLI_VM ORACLE "azure_cli_watcher_vm_cases.json"
#define SDK_NET ORACLE "azure_sdk_for_net_watcher_cases.json"
#define DOCS ORACLE "docs/ipflow_quickstart_cases.json"

/* ---- helpers ------------------------------------------------------------ */

static int n_reproduced;

static cJSON *read_json(const char *path)
{
  FILE *f;
  long n;
  char *buf;
  cJSON *root;
  if (access(path, R_OK) != 0)
    return NULL;
  f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  n = ftell(f);
  assert_true(n > 0);
  rewind(f);
  buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  root = cJSON_Parse(buf);
  free(buf);
  assert_non_null(root);
  return root;
}

#define NEED(root, path)                                                  \
  do {                                                                    \
    if (!(root)) {                                                        \
      print_message("fixture %s absent: skipped\n", (path));              \
      skip();                                                             \
    }                                                                     \
  } while (0)

static const cJSON *get(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  assert_non_null(v);
  return v;
}

static const char *str(const cJSON *o, const char *k)
{
  const cJSON *v = get(o, k);
  assert_true(cJSON_IsString(v));
  return v->valuestring;
}

struct env {
  struct pf_config *cfg;
  struct pf_planner *pl;
};

/* Load \p doc (an array of resources) and resolve references. */
static void env_load(struct env *e, cJSON *doc)
{
  struct pf_err err;
  char *text = cJSON_PrintUnformatted(doc);
  assert_non_null(text);
  pf_err_clear(&err);
  assert_int_equal(pf_config_create(&e->cfg), PF_OK);
  if (pf_load_buffer(e->cfg, "oracle.json", text, strlen(text), &err) !=
      PF_OK)
    fail_msg("configuration rejected: %s\n%s", err.msg, text);
  free(text);
  assert_int_equal(pf_config_resolve(e->cfg), PF_OK);
  assert_int_equal(pf_planner_create(&e->pl, e->cfg, NULL), PF_OK);
}

static void env_free(struct env *e)
{
  pf_planner_destroy(e->pl);
  pf_config_destroy(e->cfg);
}

/* A resource of \p type named \p name, with an ARM id under \p prefix
 * ("/subscriptions/<s>/resourceGroups/<rg>/providers/"). */
static cJSON *resource(const char *prefix, const char *type, const char *name)
{
  char id[512];
  cJSON *o = cJSON_CreateObject();
  snprintf(id, sizeof(id), "%s%s/%s", prefix, type, name);
  cJSON_AddStringToObject(o, "id", id);
  cJSON_AddStringToObject(o, "name", name);
  cJSON_AddStringToObject(o, "type", type);
  return o;
}

static cJSON *ref(const char *id)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "id", id);
  return o;
}

/* A deployment template resource made loadable: the id it got in the
 * deployment, no apiVersion (the loader skips template resources). */
static cJSON *deployed(const cJSON *r, const char *prefix)
{
  char id[512];
  cJSON *o = cJSON_Duplicate(r, 1);
  snprintf(id, sizeof(id), "%s%s/%s", prefix, str(r, "type"),
           str(r, "name"));
  cJSON_DeleteItemFromObjectCaseSensitive(o, "apiVersion");
  cJSON_DeleteItemFromObjectCaseSensitive(o, "dependsOn");
  cJSON_AddStringToObject(o, "id", id);
  return o;
}

/* "/subscriptions/s/resourceGroups/rg/providers/" of an id */
static void id_prefix(const char *id, char *buf, size_t cap)
{
  const char *p = strstr(id, "/providers/");
  size_t n;
  assert_non_null(p);
  n = (size_t)(p - id) + strlen("/providers/");
  assert_true(n < cap);
  memcpy(buf, id, n);
  buf[n] = '\0';
}

/* Split Network Watcher's rule name into kind and name. */
static void watcher_rule(const char *text, int *is_default, const char **name)
{
  const char *slash = strchr(text, '/');
  *is_default = 0;
  *name = text;
  if (slash) {
    *is_default = !strncasecmp(text, "defaultSecurityRules/", 21);
    *name = slash + 1;
  } else if (!strncasecmp(text, "DefaultRule_", 12)) {
    *is_default = 1;
    *name = text + 12;
  }
}

/* Older documentation spellings of the default rules (AZURE-SEMANTICS.md
 * 1.6 and the quickstart's note). */
static const char *doc_alias(const char *name)
{
  if (!strcasecmp(name, "DefaultOutboundDenyAll"))
    return "DenyAllOutBound";
  if (!strcasecmp(name, "DefaultInboundDenyAll"))
    return "DenyAllInBound";
  return name;
}

static void parse_ports(const char *text, unsigned *lo, unsigned *hi)
{
  char *end;
  unsigned long v;
  if (!strcmp(text, "*")) {
    *lo = 0;
    *hi = 65535;
    return;
  }
  v = strtoul(text, &end, 10);
  assert_true(*end == '\0' && v <= 65535);
  *lo = *hi = (unsigned)v;
}

/* The rule that decided a part or flow: the last step naming one. */
static const struct pf_nsg_rule *decider(const struct pf_step *s, size_t n)
{
  const struct pf_nsg_rule *r = NULL;
  size_t i;
  for (i = 0; i < n; i++)
    if (s[i].rule)
      r = s[i].rule;
  return r;
}

struct question {
  const char *label;
  enum pf_dir dir;
  const char *proto;
  const char *local_ip, *local_port, *remote_ip, *remote_port;
  const char *access;   /* "Allow" / "Deny" */
  const char *rule;     /* as Network Watcher printed it */
};

static void expect(const struct question *q, enum pf_verdict v,
                   const struct pf_step *s, size_t n, const char *what)
{
  const struct pf_nsg_rule *r = decider(s, n);
  enum pf_verdict want = !strcasecmp(q->access, "Allow") ? PF_V_ALLOW
                                                         : PF_V_DENY;
  const char *want_name;
  int want_default;
  watcher_rule(q->rule, &want_default, &want_name);
  want_name = doc_alias(want_name);
  if (v != want || !r || strcasecmp(r->name, want_name) ||
      r->is_default != want_default)
    fail_msg("%s (%s): Azure said %s by %s, preflight says %s by %s%s",
             q->label, what, q->access, q->rule, pf_verdict_name(v),
             r ? (r->is_default ? "defaultSecurityRules/"
                                : "securityRules/")
               : "",
             r ? r->name : "(no rule)");
}

/* Evaluate one recorded question with the stages \p stages: pf_eval_flow
 * at the lowest ports, and pf_eval_set over the ports given as "*". */
static void ask_stages(const struct question *q, const struct pf_stage *stages,
                       size_t n)
{
  struct pf_addr local, remote;
  struct pf_err err;
  unsigned llo, lhi, rlo, rhi;
  unsigned proto = pf_proto_parse(q->proto);
  const struct pf_addr *src, *dst;
  struct pf_flow f;
  struct pf_flow_result res;
  struct pf_box box;
  struct pf_boxset set;
  struct pf_partition pt;
  size_t i;

  pf_err_clear(&err);
  assert_true(proto && proto != PF_PB_ALL);
  assert_int_equal(pf_addr_parse(q->local_ip, strlen(q->local_ip), &local,
                                 &err), PF_OK);
  assert_int_equal(pf_addr_parse(q->remote_ip, strlen(q->remote_ip), &remote,
                                 &err), PF_OK);
  parse_ports(q->local_port, &llo, &lhi);
  parse_ports(q->remote_port, &rlo, &rhi);
  src = q->dir == PF_DIR_INBOUND ? &remote : &local;
  dst = q->dir == PF_DIR_INBOUND ? &local : &remote;

  memset(&f, 0, sizeof(f));
  f.af = local.af;
  f.proto = proto;
  f.src = src->v;
  f.dst = dst->v;
  f.sport = q->dir == PF_DIR_INBOUND ? rlo : llo;
  f.dport = q->dir == PF_DIR_INBOUND ? llo : rlo;
  pf_eval_flow(stages, n, &f, &res);
  expect(q, res.v, res.steps, res.n_steps, "pf_eval_flow");

  pf_box_init(&box, local.af);
  box.proto = proto;
  assert_int_equal(pf_rangeset_add(&box.src, src->v, src->v), PF_OK);
  assert_int_equal(pf_rangeset_add(&box.dst, dst->v, dst->v), PF_OK);
  assert_int_equal(pf_rangeset_add(&box.sport,
                                   q->dir == PF_DIR_INBOUND ? rlo : llo,
                                   q->dir == PF_DIR_INBOUND ? rhi : lhi),
                   PF_OK);
  assert_int_equal(pf_rangeset_add(&box.dport,
                                   q->dir == PF_DIR_INBOUND ? llo : rlo,
                                   q->dir == PF_DIR_INBOUND ? lhi : rhi),
                   PF_OK);
  pf_boxset_init(&set);
  assert_int_equal(pf_boxset_push(&set, &box), PF_OK);
  pf_partition_init(&pt);
  assert_int_equal(pf_eval_set(stages, n, &set, &pt), PF_OK);
  assert_true(pt.n >= 1);
  for (i = 0; i < pt.n; i++)
    expect(q, pt.p[i].v, pt.p[i].steps, pt.p[i].n_steps, "pf_eval_set");
  pf_partition_release(&pt);
  pf_boxset_release(&set);
  pf_box_release(&box);
  n_reproduced++;
  print_message("reproduced: %s: %s %s %s:%s %s %s:%s -> %s %s\n", q->label,
                q->dir == PF_DIR_INBOUND ? "inbound" : "outbound", q->proto,
                q->local_ip, q->local_port,
                q->dir == PF_DIR_INBOUND ? "<-" : "->", q->remote_ip,
                q->remote_port, q->access, q->rule);
}

/* The planner's stages for the recorded flow (IP flow verify evaluates the
 * flow at the VM's NIC: its subnet's NSG and its own). */
static void ask(struct env *e, const struct question *q)
{
  struct pf_stage stages[PF_MAX_STAGES];
  struct pf_addr local, remote;
  struct pf_err err;
  const char *why = NULL;
  size_t n = 0;
  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse(q->local_ip, strlen(q->local_ip), &local,
                                 &err), PF_OK);
  assert_int_equal(pf_addr_parse(q->remote_ip, strlen(q->remote_ip), &remote,
                                 &err), PF_OK);
  assert_int_equal(pf_planner_flow(e->pl, q->dir,
                                   q->dir == PF_DIR_INBOUND ? &remote : &local,
                                   q->dir == PF_DIR_INBOUND ? &local : &remote,
                                   stages, &n, &why),
                   PF_OK);
  if (!n)
    fail_msg("%s: no NSG found for the flow: %s", q->label, why);
  /* the local end is the VM's NIC: its NSG must be among the stages */
  assert_non_null(pf_planner_nic_of(e->pl, &local));
  ask_stages(q, stages, n);
}

static enum pf_dir dir_of(const char *s)
{
  return !strcasecmp(s, "Inbound") ? PF_DIR_INBOUND : PF_DIR_OUTBOUND;
}

static const struct pf_nic *nic_of_vm(const struct env *e, const char *vm)
{
  size_t i;
  for (i = 0; i < e->cfg->n_res[PF_K_NIC]; i++) {
    const struct pf_nic *n = (const struct pf_nic *)e->cfg->res[PF_K_NIC][i];
    if (n->vm.id && pf_id_eq(n->vm.id, vm))
      return n;
  }
  return NULL;
}

/* ---- azure-cli test_network_watcher_vm (westus, 2020) ------------------- */

/* vm1VNET and nsg1 from the deployment, vm1VMNic as recorded (GET). */
static void cli_vm_env(const cJSON *root, struct env *e)
{
  const cJSON *nic = get(root, "nic"), *r;
  char prefix[512];
  cJSON *doc = cJSON_CreateArray();
  id_prefix(str(nic, "id"), prefix, sizeof(prefix));
  cJSON_ArrayForEach(r, get(root, "deployment_resources")) {
    const char *type = str(r, "type");
    if (!strcasecmp(type, "Microsoft.Network/virtualNetworks") ||
        !strcasecmp(type, "Microsoft.Network/networkSecurityGroups"))
      cJSON_AddItemToArray(doc, deployed(r, prefix));
  }
  cJSON_AddItemToArray(doc, cJSON_Duplicate(nic, 1));
  env_load(e, doc);
  cJSON_Delete(doc);
}

static void test_cli_vm_ip_flow_verify(void **state)
{
  cJSON *root = read_json(CLI_VM);
  const cJSON *c;
  struct env e;
  int k = 0;
  (void)state;
  NEED(root, CLI_VM);
  cli_vm_env(root, &e);
  cJSON_ArrayForEach(c, get(root, "cases")) {
    const cJSON *rq = get(c, "request"), *rs = get(c, "response");
    struct question q;
    char label[64];
    k++;
    if (strcmp(str(c, "operation"), "ipFlowVerify"))
      continue;
    snprintf(label, sizeof(label), "azure-cli case %d", k);
    /* the VM the question names is vm1, whose NIC is vm1VMNic */
    assert_non_null(nic_of_vm(&e, str(rq, "targetResourceId")));
    q.label = label;
    q.dir = dir_of(str(rq, "direction"));
    q.proto = str(rq, "protocol");
    q.local_ip = str(rq, "localIPAddress");
    q.local_port = str(rq, "localPort");
    q.remote_ip = str(rq, "remoteIPAddress");
    q.remote_port = str(rq, "remotePort");
    q.access = str(rs, "access");
    q.rule = str(rs, "ruleName");
    ask(&e, &q);
  }
  env_free(&e);
  cJSON_Delete(root);
}

/* networkConfigurationDiagnostic evaluates the NIC's NSG for a flow whose
 * destination (10.1.1.4) is not the NIC's address: the planner would find
 * no subnet for it, so the NIC's stage is built directly.  Besides the
 * verdict, each rule's per-field match flags must agree. */
static void test_cli_vm_config_diagnostic(void **state)
{
  cJSON *root = read_json(CLI_VM);
  const cJSON *c;
  struct env e;
  (void)state;
  NEED(root, CLI_VM);
  cli_vm_env(root, &e);
  cJSON_ArrayForEach(c, get(root, "cases")) {
    const cJSON *rq = get(c, "request"), *res;
    const struct pf_nic *nic;
    const struct pf_subnet *sn;
    struct pf_stage stage;
    if (strcmp(str(c, "operation"), "networkConfigurationDiagnostic"))
      continue;
    nic = nic_of_vm(&e, str(rq, "targetResourceId"));
    assert_non_null(nic);
    assert_true(nic->n_ipconfigs >= 1);
    sn = (const struct pf_subnet *)nic->ipconfigs[0].subnet.target;
    assert_non_null(sn);
    cJSON_ArrayForEach(res, get(get(c, "response"), "results")) {
      const cJSON *prof = get(res, "profile");
      const cJSON *ng = get(res, "networkSecurityGroupResult");
      const cJSON *ev = cJSON_GetArrayItem(
          get(ng, "evaluatedNetworkSecurityGroups"), 0);
      const cJSON *rule_res;
      struct question q;
      const struct pf_nsgc *nc;
      struct pf_addr src, dst;
      struct pf_err err;
      enum pf_dir dir = dir_of(str(prof, "direction"));
      unsigned proto = pf_proto_parse(str(prof, "protocol"));
      unsigned dport = (unsigned)atoi(str(prof, "destinationPort"));

      /* the evaluated NSG is the NIC's, applied to the NIC */
      assert_true(pf_id_eq(str(ev, "appliedTo"), nic->hdr.id));
      assert_true(pf_id_eq(str(ev, "networkSecurityGroupId"), nic->nsg.id));
      assert_int_equal(pf_planner_stage(e.pl, &nic->hdr,
                                        pf_planner_vnet_of(e.pl, sn), dir,
                                        &stage),
                       PF_OK);
      assert_non_null(stage.nsgc);
      q.label = "azure-cli networkConfigurationDiagnostic";
      q.dir = dir;
      q.proto = str(prof, "protocol");
      /* the profile's destination is the local end of an inbound flow */
      q.local_ip = str(prof, dir == PF_DIR_INBOUND ? "destination"
                                                   : "source");
      q.remote_ip = str(prof, dir == PF_DIR_INBOUND ? "source"
                                                    : "destination");
      q.local_port = dir == PF_DIR_INBOUND ? str(prof, "destinationPort")
                                           : "*";
      q.remote_port = dir == PF_DIR_INBOUND ? "*"
                                            : str(prof, "destinationPort");
      q.access = str(ng, "securityRuleAccessResult");
      q.rule = str(get(ev, "matchedRule"), "ruleName");
      assert_string_equal(str(get(ev, "matchedRule"), "action"), q.access);
      ask_stages(&q, &stage, 1);

      /* rulesEvaluationResult: per rule, which fields matched */
      pf_err_clear(&err);
      assert_int_equal(pf_addr_parse(str(prof, "source"),
                                     strlen(str(prof, "source")), &src, &err),
                       PF_OK);
      assert_int_equal(pf_addr_parse(str(prof, "destination"),
                                     strlen(str(prof, "destination")), &dst,
                                     &err),
                       PF_OK);
      nc = stage.nsgc;
      cJSON_ArrayForEach(rule_res, get(ev, "rulesEvaluationResult")) {
        const char *name;
        int is_def;
        size_t i, d = dir == PF_DIR_OUTBOUND;
        const struct pf_crule *cr = NULL;
        watcher_rule(str(rule_res, "name"), &is_def, &name);
        for (i = 0; i < nc->n[d]; i++)
          if (!strcasecmp(nc->rules[d][i].rule->name, name) &&
              nc->rules[d][i].rule->is_default == is_def)
            cr = &nc->rules[d][i];
        if (!cr)
          fail_msg("rule %s not in the compiled NSG", str(rule_res, "name"));
        assert_true(cr->exact);
        assert_int_equal(!!(cr->max[src.af].proto & proto),
                         cJSON_IsTrue(get(rule_res, "protocolMatched")));
        assert_int_equal(pf_rangeset_contains(&cr->max[src.af].src, src.v),
                         cJSON_IsTrue(get(rule_res, "sourceMatched")));
        assert_int_equal(pf_rangeset_contains(&cr->max[dst.af].dst, dst.v),
                         cJSON_IsTrue(get(rule_res, "destinationMatched")));
        assert_int_equal(pf_rangeset_contains(&cr->max[dst.af].dport, dport),
                         cJSON_IsTrue(get(rule_res,
                                          "destinationPortMatched")));
        /* no source port in the profile: any port */
        assert_int_equal(pf_rangeset_count(&cr->max[src.af].sport) == 65536,
                         cJSON_IsTrue(get(rule_res, "sourcePortMatched")));
        print_message("reproduced: %s rule %s: protocol %d source %d source "
                      "port %d destination %d destination port %d\n",
                      q.label, str(rule_res, "name"),
                      cJSON_IsTrue(get(rule_res, "protocolMatched")),
                      cJSON_IsTrue(get(rule_res, "sourceMatched")),
                      cJSON_IsTrue(get(rule_res, "sourcePortMatched")),
                      cJSON_IsTrue(get(rule_res, "destinationMatched")),
                      cJSON_IsTrue(get(rule_res, "destinationPortMatched")));
      }
    }
  }
  env_free(&e);
  cJSON_Delete(root);
}

/* ---- azure-sdk-for-net VerifyIpFlowApiTest (eastus, 2017) --------------- */

/* As the description states: vnet 10.17.3.0/24, subnet 'default'
 * 10.17.3.0/24 (its route table plays no part in NSG evaluation), the
 * VM's NIC 10.17.3.4 with NSG <vm>-nsg holding the recorded rules and the
 * standard six defaults (synthesised: the file describes them in words). */
static void test_sdk_net_ip_flow_verify(void **state)
{
  static const char prefix[] =
      "/subscriptions/2c224e7e-3ef5-431d-a57b-e71f4662e3a6/resourceGroups/"
      "azsmnet-oracle/providers/";
  cJSON *root = read_json(SDK_NET);
  const cJSON *vf, *nsg_in, *c, *r;
  cJSON *doc, *vnet, *props, *subs, *sub, *nsg, *rules, *nic, *ipc, *cfg;
  char vnet_id[512], sub_id[600], nsg_id[512];
  struct env e;
  int k = 0;
  (void)state;
  NEED(root, SDK_NET);
  vf = get(root, "verify_ip_flow");
  nsg_in = get(vf, "nsg");

  doc = cJSON_CreateArray();
  vnet = resource(prefix, "Microsoft.Network/virtualNetworks",
                  "azsmnet-vnet");
  snprintf(vnet_id, sizeof(vnet_id), "%s", str(vnet, "id"));
  snprintf(sub_id, sizeof(sub_id), "%s/subnets/default", vnet_id);
  props = cJSON_AddObjectToObject(vnet, "properties");
  cJSON_AddItemToObject(cJSON_AddObjectToObject(props, "addressSpace"),
                        "addressPrefixes",
                        cJSON_CreateStringArray(
                            (const char *[]){"10.17.3.0/24"}, 1));
  subs = cJSON_AddArrayToObject(props, "subnets");
  sub = cJSON_CreateObject();
  cJSON_AddStringToObject(sub, "id", sub_id);
  cJSON_AddStringToObject(sub, "name", "default");
  cJSON_AddStringToObject(cJSON_AddObjectToObject(sub, "properties"),
                          "addressPrefix", "10.17.3.0/24");
  cJSON_AddItemToArray(subs, sub);
  cJSON_AddItemToArray(doc, vnet);

  nsg = resource(prefix, "Microsoft.Network/networkSecurityGroups",
                 str(nsg_in, "name"));
  snprintf(nsg_id, sizeof(nsg_id), "%s", str(nsg, "id"));
  rules = cJSON_AddArrayToObject(cJSON_AddObjectToObject(nsg, "properties"),
                                 "securityRules");
  cJSON_ArrayForEach(r, get(nsg_in, "securityRules"))
    cJSON_AddItemToArray(rules, cJSON_Duplicate(r, 1));
  cJSON_AddItemToArray(doc, nsg);

  nic = resource(prefix, "Microsoft.Network/networkInterfaces",
                 "azsmnet-nic");
  props = cJSON_AddObjectToObject(nic, "properties");
  cJSON_AddItemToObject(props, "networkSecurityGroup", ref(nsg_id));
  ipc = cJSON_AddArrayToObject(props, "ipConfigurations");
  cfg = cJSON_CreateObject();
  cJSON_AddStringToObject(cfg, "name", "ipconfig1");
  props = cJSON_AddObjectToObject(cfg, "properties");
  cJSON_AddStringToObject(props, "privateIPAddress", "10.17.3.4");
  cJSON_AddItemToObject(props, "subnet", ref(sub_id));
  cJSON_AddItemToArray(ipc, cfg);
  cJSON_AddItemToArray(doc, nic);
  env_load(&e, doc);
  cJSON_Delete(doc);

  cJSON_ArrayForEach(c, get(vf, "cases")) {
    const cJSON *rq = get(c, "request"), *rs = get(c, "response");
    struct question q;
    char label[64];
    snprintf(label, sizeof(label), "azure-sdk-for-net case %d", ++k);
    q.label = label;
    q.dir = dir_of(str(rq, "direction"));
    q.proto = str(rq, "protocol");
    q.local_ip = str(rq, "localIPAddress");
    q.local_port = str(rq, "localPort");
    q.remote_ip = str(rq, "remoteIPAddress");
    q.remote_port = str(rq, "remotePort");
    q.access = str(rs, "access");
    q.rule = str(rs, "ruleName");
    ask(&e, &q);
  }
  assert_true(k >= 1);
  env_free(&e);
  cJSON_Delete(root);
}

/* ---- Network Watcher quickstart (docs) ---------------------------------- */

/* `az vm create` defaults as the description states: vnet 10.0.0.0/16,
 * subnet 10.0.0.0/24, NIC myVmVMNic at 10.0.0.4 whose NSG holds the
 * defaults plus default-allow-ssh (TCP 22 inbound, priority 1000, as az vm
 * create writes it); the PowerShell variant differs only in the address
 * space (192.168.0.0/16, NIC at 192.168.1.4). */
static void docs_env(struct env *e, const char *space, const char *subnet,
                     const char *ip)
{
  char json[4096];
  snprintf(
      json, sizeof(json),
      "[{\"id\":\"/subscriptions/0/resourceGroups/myResourceGroup/providers/"
      "Microsoft.Network/virtualNetworks/myVmVNET\",\"name\":\"myVmVNET\","
      "\"type\":\"Microsoft.Network/virtualNetworks\",\"addressSpace\":"
      "{\"addressPrefixes\":[\"%s\"]},\"subnets\":[{\"name\":\"myVmSubnet\","
      "\"addressPrefix\":\"%s\"}]},"
      "{\"id\":\"/subscriptions/0/resourceGroups/myResourceGroup/providers/"
      "Microsoft.Network/networkSecurityGroups/myVmNSG\",\"name\":\"myVmNSG\","
      "\"type\":\"Microsoft.Network/networkSecurityGroups\","
      "\"securityRules\":[{\"name\":\"default-allow-ssh\",\"priority\":1000,"
      "\"direction\":\"Inbound\",\"access\":\"Allow\",\"protocol\":\"Tcp\","
      "\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
      "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"22\"}]},"
      "{\"id\":\"/subscriptions/0/resourceGroups/myResourceGroup/providers/"
      "Microsoft.Network/networkInterfaces/myVmVMNic\",\"name\":"
      "\"myVmVMNic\",\"type\":\"Microsoft.Network/networkInterfaces\","
      "\"networkSecurityGroup\":{\"id\":\"/subscriptions/0/resourceGroups/"
      "myResourceGroup/providers/Microsoft.Network/networkSecurityGroups/"
      "myVmNSG\"},\"ipConfigurations\":[{\"name\":\"ipconfigmyVm\","
      "\"privateIPAddress\":\"%s\",\"subnet\":{\"id\":\"/subscriptions/0/"
      "resourceGroups/myResourceGroup/providers/Microsoft.Network/"
      "virtualNetworks/myVmVNET/subnets/myVmSubnet\"}}]}]",
      space, subnet, ip);
  {
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    env_load(e, doc);
    cJSON_Delete(doc);
  }
}

static void split_endpoint(const char *text, char *ip, size_t cap,
                           const char **port)
{
  const char *colon = strrchr(text, ':');
  size_t n;
  assert_non_null(colon);
  n = (size_t)(colon - text);
  assert_true(n < cap);
  memcpy(ip, text, n);
  ip[n] = '\0';
  *port = colon + 1;
}

static void docs_cases(const cJSON *root, const char *variant,
                       const char *space, const char *subnet, const char *ip)
{
  const cJSON *c;
  struct env e;
  int k = 0;
  docs_env(&e, space, subnet, ip);
  cJSON_ArrayForEach(c, get(root, "cases")) {
    struct question q;
    char label[96], lip[64], rip[64];
    const char *lport, *rport;
    snprintf(label, sizeof(label), "quickstart (%s) case %d", variant, ++k);
    split_endpoint(str(c, "local"), lip, sizeof(lip), &lport);
    split_endpoint(str(c, "remote"), rip, sizeof(rip), &rport);
    /* the cases are written for the CLI variant's address */
    assert_string_equal(lip, "10.0.0.4");
    q.label = label;
    q.dir = dir_of(str(c, "direction"));
    q.proto = str(c, "protocol");
    q.local_ip = ip;
    q.local_port = lport;
    q.remote_ip = rip;
    q.remote_port = rport;
    q.access = str(c, "expected_access");
    q.rule = str(c, "expected_rule");
    ask(&e, &q);
  }
  assert_true(k >= 1);
  env_free(&e);
}

static void test_docs_quickstart(void **state)
{
  cJSON *root = read_json(DOCS);
  (void)state;
  NEED(root, DOCS);
  docs_cases(root, "CLI", "10.0.0.0/16", "10.0.0.0/24", "10.0.0.4");
  docs_cases(root, "PowerShell", "192.168.0.0/16", "192.168.1.0/24",
             "192.168.1.4");
  cJSON_Delete(root);
}

static void test_summary(void **state)
{
  (void)state;
  print_message("%d recorded IP flow verify answers reproduced\n",
                n_reproduced);
  if (access(CLI_VM, R_OK) == 0)
    assert_true(n_reproduced >= 9);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cli_vm_ip_flow_verify),
      cmocka_unit_test(test_cli_vm_config_diagnostic),
      cmocka_unit_test(test_sdk_net_ip_flow_verify),
      cmocka_unit_test(test_docs_quickstart),
      cmocka_unit_test(test_summary),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
