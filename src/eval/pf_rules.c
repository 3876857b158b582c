/* SPDX-License-Identifier: MIT */
/* pf_rules.c - loading and validating the requirement catalogue */
#include "pf_rules.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../core/pf_file.h"
#include "../core/pf_mem.h"
#include "../load/pf_lj.h"
#include "../load/pf_load.h"

struct pf_catalogue {
  struct pf_config *cfg;   /* only for its arena and the loader helpers */
  struct pf_rule *rules;
  size_t n, cap;
  struct pf_cond **conds;  /* every FLOW condition, to free port sets */
  size_t n_conds, cap_conds;
};

static const char *const cop_names[] = {
#define PF_COP_NAME(e, name) name,
  PF_COP_MAP(PF_COP_NAME)
#undef PF_COP_NAME
};

const char *pf_cop_name(enum pf_cop op)
{
  return (unsigned)op < PF_COP_COUNT ? cop_names[op] : "?";
}

const char *pf_sev_name(enum pf_sev s)
{
  return s == PF_SEV_ERROR ? "error" : s == PF_SEV_WARNING ? "warning"
                                                           : "info";
}

/* Placeholders a template may use besides {var.prop}. */
static const char *const facts[] = {
  "flow.nsg", "flow.nsg_resource_group", "flow.priority",
  "flow.blocking_rule", "flow.blocking_priority", "flow.tag", "flow.ports",
  "flow.protocol", "flow.direction", "flow.source", "flow.destination",
  "flow.access", "route.tag", "route.table", "route.table_resource_group",
  "route.name", "route.next_hop", "profile", NULL
};

int pf_rule_in_profile(const struct pf_rule *r, const char *profile)
{
  size_t i;
  if (!r->n_profiles)
    return 1;
  for (i = 0; i < r->n_profiles; i++)
    if (!strcmp(r->profiles[i], profile))
      return 1;
  return 0;
}

/* ---- checks on keys --------------------------------------------------- */

static pf_status only_keys(struct pf_lj *lj, const cJSON *o,
                           const char *const *allowed)
{
  const cJSON *c;
  for (c = o->child; c; c = c->next) {
    size_t i;
    int ok = 0;
    for (i = 0; allowed[i]; i++)
      ok |= !strcmp(c->string, allowed[i]);
    if (!ok) {
      char list[256];
      size_t used = 0;
      list[0] = '\0';
      for (i = 0; allowed[i] && used < sizeof(list); i++) {
        int w = snprintf(list + used, sizeof(list) - used, "%s%s",
                         i ? ", " : "", allowed[i]);
        if (w < 0)
          break;
        used += (size_t)w;
      }
      return pf_lj_fail(lj, c->string, "unknown key '%s' (expected %s)",
                        c->string, list);
    }
  }
  return PF_OK;
}

/* A placeholder is "{name}" with name made of [a-z0-9_.] starting with a
 * letter; any other brace is literal text (Bicep and Terraform bodies). */
size_t pf_placeholder_len(const char *p)
{
  size_t n = 1;
  if (p[0] != '{' || !(p[1] >= 'a' && p[1] <= 'z'))
    return 0;
  while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9') ||
         p[n] == '_' || p[n] == '.')
    n++;
  return p[n] == '}' ? n + 1 : 0;
}

static pf_status check_template(struct pf_lj *lj, const char *key,
                                const char *t)
{
  const char *p = t;
  while ((p = strchr(p, '{')) != NULL) {
    size_t len = pf_placeholder_len(p), i;
    char name[96];
    int ok = 0;
    if (!len || len - 2 >= sizeof(name)) {
      p++;
      continue;
    }
    memcpy(name, p + 1, len - 2);
    name[len - 2] = '\0';
    for (i = 0; facts[i]; i++)
      ok |= !strcmp(facts[i], name);
    if (!ok && !pf_prop_known(name))
      return pf_lj_fail(lj, key, "unknown placeholder '{%s}'", name);
    p += len;
  }
  return PF_OK;
}

/* ---- conditions ---------------------------------------------------------- */

static pf_status parse_cond(struct pf_catalogue *cat, struct pf_lj *lj,
                            const cJSON *o, struct pf_cond *c);

static pf_status parse_operand(struct pf_lj *lj, const cJSON *o,
                               const char *key, int prop_only,
                               struct pf_operand *op)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  memset(op, 0, sizeof(*op));
  if (!v)
    return PF_OK;
  if (prop_only) {
    if (!cJSON_IsString(v))
      return pf_lj_fail(lj, key, "expected a property path, found %s",
                        pf_lj_typename(v));
    if (!pf_prop_known(v->valuestring))
      return pf_lj_fail(lj, key, "unknown property '%s' (see 'preflight "
                        "rules props')", v->valuestring);
    op->t = PF_O_PROP;
    op->s = pf_arena_strdup(lj->a, v->valuestring);
    return PF_OK;
  }
  if (cJSON_IsObject(v)) {
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(v, "prop");
    if (!cJSON_IsString(pr) || cJSON_GetArraySize(v) != 1)
      return pf_lj_fail(lj, key, "expected a literal or {\"prop\": PATH}");
    if (!pf_prop_known(pr->valuestring))
      return pf_lj_fail(lj, key, "unknown property '%s'", pr->valuestring);
    op->t = PF_O_PROP;
    op->s = pf_arena_strdup(lj->a, pr->valuestring);
  } else if (cJSON_IsString(v)) {
    op->t = PF_O_STR;
    op->s = pf_arena_strdup(lj->a, v->valuestring);
  } else if (cJSON_IsBool(v)) {
    op->t = PF_O_BOOL;
    op->i = cJSON_IsTrue(v);
  } else if (cJSON_IsNumber(v)) {
    op->t = PF_O_INT;
    op->i = (int64_t)v->valuedouble;
  } else if (cJSON_IsArray(v)) {
    pf_status st = pf_lj_strs(lj, o, key, &op->list, &op->n);
    if (st != PF_OK)
      return st;
    op->t = PF_O_LIST;
  } else {
    return pf_lj_fail(lj, key, "unsupported operand %s", pf_lj_typename(v));
  }
  return PF_OK;
}

static pf_status parse_end(struct pf_lj *lj, const cJSON *o, const char *key,
                           struct pf_endspec *e)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  static const char *const keys[] = {"tag", "regional", "region_of",
                                     "prefix", NULL};
  memset(e, 0, sizeof(*e));
  e->region_of = PF_VAR_WORKSPACE;
  if (!v)
    return pf_lj_fail(lj, key, "required member is missing");
  if (cJSON_IsString(v)) {
    if (!strcmp(v->valuestring, "subnet")) {
      e->kind = PF_END_SUBNET;
    } else if (!strcmp(v->valuestring, "*")) {
      e->kind = PF_END_ANY;
    } else {
      /* a fixed tag name (VirtualNetwork, Internet, AzureMachineLearning) */
      e->kind = PF_END_TAG;
      e->tag = pf_arena_strdup(lj->a, v->valuestring);
    }
    return PF_OK;
  }
  if (!cJSON_IsObject(v))
    return pf_lj_fail(lj, key, "expected \"subnet\", \"*\", a tag name or "
                      "an object");
  pf_lj_push_key(lj, key);
  if (only_keys(lj, v, keys) != PF_OK)
    return PF_EINVAL;
  if (cJSON_GetObjectItemCaseSensitive(v, "prefix")) {
    e->kind = PF_END_PREFIX;
    if (pf_lj_req_str(lj, v, "prefix", &e->tag) != PF_OK)
      return PF_EINVAL;
  } else {
    enum pf_tri reg = PF_TRI_UNSET;
    const char *rof = NULL;
    e->kind = PF_END_TAG;
    if (pf_lj_req_str(lj, v, "tag", &e->tag) != PF_OK ||
        pf_lj_bool(lj, v, "regional", &reg) != PF_OK ||
        pf_lj_str(lj, v, "region_of", &rof) != PF_OK)
      return PF_EINVAL;
    e->regional = reg == PF_TRI_TRUE;
    if (rof) {
      e->region_of = pf_var_find(rof, strlen(rof));
      if (e->region_of == PF_VAR_COUNT)
        return pf_lj_fail(lj, "region_of", "unknown variable '%s'", rof);
    }
  }
  pf_lj_pop(lj);
  return PF_OK;
}

static pf_status parse_flow(struct pf_catalogue *cat, struct pf_lj *lj,
                            const cJSON *f, struct pf_cond *c)
{
  static const char *const keys[] = {"direction", "protocol", "from", "to",
                                     "ports", "expect", "level", NULL};
  static const char *const dirs[] = {"inbound", "outbound", NULL};
  static const char *const expects[] = {"allow", "deny", NULL};
  static const char *const levels[] = {"subnet", "nic", NULL};
  const char *proto = "*", *ports = "*";
  int dir = 0, expect = 0, level = 0;
  struct pf_err perr;
  pf_status st;

  if (!cJSON_IsObject(f))
    return pf_lj_fail(lj, NULL, "expected an object");
  if ((st = only_keys(lj, f, keys)) != PF_OK)
    return st;
  if (!cJSON_GetObjectItemCaseSensitive(f, "direction"))
    return pf_lj_fail(lj, "direction", "required member is missing");
  if ((st = pf_lj_enum(lj, f, "direction", dirs, &dir)) != PF_OK ||
      (st = pf_lj_enum(lj, f, "expect", expects, &expect)) != PF_OK ||
      (st = pf_lj_enum(lj, f, "level", levels, &level)) != PF_OK ||
      (st = pf_lj_str(lj, f, "protocol", &proto)) != PF_OK ||
      (st = pf_lj_str(lj, f, "ports", &ports)) != PF_OK ||
      (st = parse_end(lj, f, "from", &c->from)) != PF_OK ||
      (st = parse_end(lj, f, "to", &c->to)) != PF_OK)
    return st;
  c->dir = dir ? PF_DIR_OUTBOUND : PF_DIR_INBOUND;
  c->expect = expect ? PF_V_DENY : PF_V_ALLOW;
  c->nic_level = level == 1;
  c->proto = pf_proto_parse(proto);
  if (!c->proto)
    return pf_lj_fail(lj, "protocol", "unknown protocol '%s'", proto);
  if ((c->dir == PF_DIR_INBOUND ? c->to.kind : c->from.kind) !=
      PF_END_SUBNET)
    return pf_lj_fail(lj, c->dir == PF_DIR_INBOUND ? "to" : "from",
                      "the inside end of an %s flow must be \"subnet\"",
                      dirs[dir]);
  pf_rangeset_init(&c->ports);
  pf_err_clear(&perr);
  {
    const char *p = ports;
    for (;;) {
      size_t len = strcspn(p, ",");
      if (pf_portset_parse_add(&c->ports, p, len, &perr) != PF_OK)
        return pf_lj_fail(lj, "ports", "%s", perr.msg);
      if (!p[len])
        break;
      p += len + 1;
    }
  }
  if (PF_GROW(cat->conds, cat->cap_conds, cat->n_conds + 1))
    return pf_err_set(lj->err, PF_ENOMEM, "out of memory");
  cat->conds[cat->n_conds++] = c;
  return PF_OK;
}

static pf_status parse_kids(struct pf_catalogue *cat, struct pf_lj *lj,
                            const cJSON *arr, const char *key,
                            struct pf_cond *c)
{
  const cJSON *e;
  size_t i = 0;
  pf_status st = PF_OK;
  if (!cJSON_IsArray(arr) || !cJSON_GetArraySize(arr))
    return pf_lj_fail(lj, key, "expected a non-empty array of conditions");
  c->n_kids = (size_t)cJSON_GetArraySize(arr);
  c->kids = pf_arena_calloc(lj->a, c->n_kids, sizeof(*c->kids));
  if (!c->kids)
    return pf_err_set(lj->err, PF_ENOMEM, "out of memory");
  pf_lj_push_key(lj, key);
  cJSON_ArrayForEach(e, arr) {
    pf_lj_push_idx(lj, i);
    st = parse_cond(cat, lj, e, &c->kids[i]);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
    i++;
  }
  pf_lj_pop(lj);
  return PF_OK;
}

static pf_status parse_cond(struct pf_catalogue *cat, struct pf_lj *lj,
                            const cJSON *o, struct pf_cond *c)
{
  static const char *const pred_keys[] = {"op", "left", "right", NULL};
  const cJSON *v;
  const char *opname = NULL;
  size_t i;
  pf_status st;

  memset(c, 0, sizeof(*c));
  c->jpath = pf_lj_path(lj, NULL);
  if (!cJSON_IsObject(o))
    return pf_lj_fail(lj, NULL, "expected a condition object, found %s",
                      pf_lj_typename(o));
  if ((v = cJSON_GetObjectItemCaseSensitive(o, "all")) ||
      (v = cJSON_GetObjectItemCaseSensitive(o, "any"))) {
    c->op = !strcmp(v->string, "all") ? PF_COP_ALL : PF_COP_ANY;
    if (cJSON_GetArraySize(o) != 1)
      return pf_lj_fail(lj, NULL, "'%s' stands alone in its object",
                        v->string);
    return parse_kids(cat, lj, v, v->string, c);
  }
  if ((v = cJSON_GetObjectItemCaseSensitive(o, "not"))) {
    c->op = PF_COP_NOT;
    if (cJSON_GetArraySize(o) != 1)
      return pf_lj_fail(lj, NULL, "'not' stands alone in its object");
    c->n_kids = 1;
    c->kids = pf_arena_calloc(lj->a, 1, sizeof(*c->kids));
    if (!c->kids)
      return pf_err_set(lj->err, PF_ENOMEM, "out of memory");
    pf_lj_push_key(lj, "not");
    st = parse_cond(cat, lj, v, c->kids);
    pf_lj_pop(lj);
    return st;
  }
  if ((v = cJSON_GetObjectItemCaseSensitive(o, "flow"))) {
    c->op = PF_COP_FLOW;
    if (cJSON_GetArraySize(o) != 1)
      return pf_lj_fail(lj, NULL, "'flow' stands alone in its object");
    pf_lj_push_key(lj, "flow");
    st = parse_flow(cat, lj, v, c);
    pf_lj_pop(lj);
    return st;
  }
  if ((v = cJSON_GetObjectItemCaseSensitive(o, "route"))) {
    static const char *const keys[] = {"to", "next_hop", NULL};
    static const char *const hops[] = {"VnetLocal", "Internet",
                                       "VirtualAppliance",
                                       "VirtualNetworkGateway", "None", NULL};
    int nh = 1;
    c->op = PF_COP_ROUTE;
    if (cJSON_GetArraySize(o) != 1 || !cJSON_IsObject(v))
      return pf_lj_fail(lj, NULL, "'route' takes an object and stands "
                        "alone");
    pf_lj_push_key(lj, "route");
    if ((st = only_keys(lj, v, keys)) != PF_OK ||
        (st = parse_end(lj, v, "to", &c->to)) != PF_OK ||
        (st = pf_lj_enum(lj, v, "next_hop", hops, &nh)) != PF_OK)
      return st;
    c->next_hop = (enum pf_nexthop)nh;
    pf_lj_pop(lj);
    return PF_OK;
  }
  if ((v = cJSON_GetObjectItemCaseSensitive(o, "needs"))) {
    /* a requirement whose evidence is not configuration (scripts, job
     * definitions): always unknown, saying what to run or supply */
    c->op = PF_COP_NEEDS;
    if (!cJSON_IsString(v) || cJSON_GetArraySize(o) != 1)
      return pf_lj_fail(lj, "needs", "expected a string, alone");
    c->text = pf_arena_strdup(lj->a, v->valuestring);
    return PF_OK;
  }
  if ((v = cJSON_GetObjectItemCaseSensitive(o, "info"))) {
    c->op = PF_COP_INFO;
    if (!cJSON_IsString(v) || cJSON_GetArraySize(o) != 1)
      return pf_lj_fail(lj, "info", "expected a string, alone");
    c->text = pf_arena_strdup(lj->a, v->valuestring);
    return check_template(lj, "info", c->text);
  }
  if ((st = only_keys(lj, o, pred_keys)) != PF_OK ||
      (st = pf_lj_req_str(lj, o, "op", &opname)) != PF_OK)
    return st;
  for (i = PF_COP_EQ; i < PF_COP_FLOW; i++)
    if (!strcmp(cop_names[i], opname))
      break;
  if (i == PF_COP_FLOW)
    return pf_lj_fail(lj, "op", "unknown operator '%s' (expected eq, ne, "
                      "in, contains, contains_any, exists, absent, ge, le, "
                      "same, overlaps, within; or all, any, not, flow, "
                      "route, info)", opname);
  c->op = (enum pf_cop)i;
  if ((st = parse_operand(lj, o, "left", 1, &c->left)) != PF_OK ||
      (st = parse_operand(lj, o, "right", 0, &c->right)) != PF_OK)
    return st;
  if (c->left.t == PF_O_NONE)
    return pf_lj_fail(lj, "left", "required member is missing");
  if (c->op != PF_COP_EXISTS && c->op != PF_COP_ABSENT &&
      c->right.t == PF_O_NONE)
    return pf_lj_fail(lj, "right", "required member is missing");
  if (c->op == PF_COP_IN && c->right.t != PF_O_LIST)
    return pf_lj_fail(lj, "right", "'in' needs a list");
  return PF_OK;
}

/* ---- rules --------------------------------------------------------------- */

static pf_status parse_rule(struct pf_catalogue *cat, struct pf_lj *lj,
                            const cJSON *o, struct pf_rule *r)
{
  static const char *const keys[] = {
    "id", "title", "severity", "source", "profiles", "applies_to",
    "compute_types", "when", "condition", "messages", "why", "remediation",
    NULL};
  static const char *const sevs[] = {"info", "warning", "error", NULL};
  static const char *const msg_keys[] = {"pass", "fail", "unknown", NULL};
  static const char *const fix_keys[] = {"az", "bicep", "terraform", NULL};
  const cJSON *v;
  const char *sel = NULL;
  int sev = 2;
  pf_status st;
  size_t i;

  memset(r, 0, sizeof(*r));
  r->file = lj->file;
  r->jpath = pf_lj_path(lj, NULL);
  if (!cJSON_IsObject(o))
    return pf_lj_fail(lj, NULL, "expected a rule object");
  if ((st = only_keys(lj, o, keys)) != PF_OK ||
      (st = pf_lj_req_str(lj, o, "id", &r->id)) != PF_OK ||
      (st = pf_lj_req_str(lj, o, "title", &r->title)) != PF_OK ||
      (st = pf_lj_req_str(lj, o, "source", &r->source)) != PF_OK ||
      (st = pf_lj_req_str(lj, o, "applies_to", &sel)) != PF_OK ||
      (st = pf_lj_strs(lj, o, "profiles", &r->profiles, &r->n_profiles)) !=
          PF_OK ||
      (st = pf_lj_strs(lj, o, "compute_types", &r->compute_types,
                       &r->n_compute_types)) != PF_OK ||
      (st = pf_lj_str(lj, o, "why", &r->why)) != PF_OK)
    return st;
  if (!cJSON_GetObjectItemCaseSensitive(o, "severity"))
    return pf_lj_fail(lj, "severity", "required member is missing");
  if ((st = pf_lj_enum(lj, o, "severity", sevs, &sev)) != PF_OK)
    return st;
  r->severity = (enum pf_sev)sev;
  for (i = 0; i < r->n_profiles; i++)
    if (strcmp(r->profiles[i], "2020") && strcmp(r->profiles[i], "2023"))
      return pf_lj_fail(lj, "profiles", "unknown profile '%s' (2020 or "
                        "2023)", r->profiles[i]);
  for (i = 0; i < r->n_compute_types; i++) {
    static const char *const types[] = {
      "AmlCompute", "ComputeInstance", "AKS", "ACI", "VirtualMachine",
      "HDInsight", "Databricks", "Kubernetes", "DataFactory",
      "SynapseSpark", NULL};
    size_t k;
    int ok = 0;
    for (k = 0; types[k]; k++)
      ok |= !strcmp(types[k], r->compute_types[i]);
    if (!ok)
      return pf_lj_fail(lj, "compute_types", "unknown compute type '%s'",
                        r->compute_types[i]);
  }
  r->applies_to = pf_sel_find(sel);
  if (r->applies_to == PF_SEL_COUNT)
    return pf_lj_fail(lj, "applies_to", "unknown selector '%s' (see "
                      "'preflight rules selectors')", sel);
  if ((v = cJSON_GetObjectItemCaseSensitive(o, "when"))) {
    r->when = pf_arena_calloc(lj->a, 1, sizeof(*r->when));
    if (!r->when)
      return pf_err_set(lj->err, PF_ENOMEM, "out of memory");
    pf_lj_push_key(lj, "when");
    st = parse_cond(cat, lj, v, r->when);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  v = cJSON_GetObjectItemCaseSensitive(o, "condition");
  if (!v)
    return pf_lj_fail(lj, "condition", "required member is missing");
  r->cond = pf_arena_calloc(lj->a, 1, sizeof(*r->cond));
  if (!r->cond)
    return pf_err_set(lj->err, PF_ENOMEM, "out of memory");
  pf_lj_push_key(lj, "condition");
  st = parse_cond(cat, lj, v, r->cond);
  pf_lj_pop(lj);
  if (st != PF_OK)
    return st;
  v = cJSON_GetObjectItemCaseSensitive(o, "messages");
  if (!cJSON_IsObject(v))
    return pf_lj_fail(lj, "messages", "required object is missing");
  pf_lj_push_key(lj, "messages");
  if ((st = only_keys(lj, v, msg_keys)) != PF_OK ||
      (st = pf_lj_req_str(lj, v, "pass", &r->msg_pass)) != PF_OK ||
      (st = pf_lj_req_str(lj, v, "fail", &r->msg_fail)) != PF_OK ||
      (st = pf_lj_str(lj, v, "unknown", &r->msg_unknown)) != PF_OK ||
      (st = check_template(lj, "pass", r->msg_pass)) != PF_OK ||
      (st = check_template(lj, "fail", r->msg_fail)) != PF_OK ||
      (r->msg_unknown &&
       (st = check_template(lj, "unknown", r->msg_unknown)) != PF_OK))
    return st;
  pf_lj_pop(lj);
  v = cJSON_GetObjectItemCaseSensitive(o, "remediation");
  if (!cJSON_IsObject(v))
    return pf_lj_fail(lj, "remediation", "required object is missing");
  pf_lj_push_key(lj, "remediation");
  if ((st = only_keys(lj, v, fix_keys)) != PF_OK ||
      (st = pf_lj_req_str(lj, v, "az", &r->fix_az)) != PF_OK ||
      (st = pf_lj_req_str(lj, v, "bicep", &r->fix_bicep)) != PF_OK ||
      (st = pf_lj_req_str(lj, v, "terraform", &r->fix_terraform)) != PF_OK ||
      (st = check_template(lj, "az", r->fix_az)) != PF_OK ||
      (st = check_template(lj, "bicep", r->fix_bicep)) != PF_OK ||
      (st = check_template(lj, "terraform", r->fix_terraform)) != PF_OK)
    return st;
  pf_lj_pop(lj);
  return PF_OK;
}

static pf_status load_file(struct pf_catalogue *cat, const char *path,
                           struct pf_err *err)
{
  char *buf = NULL;
  size_t len = 0, i = 0;
  cJSON *root = NULL;
  const cJSON *rules, *e;
  struct pf_lj lj;
  pf_status st;

  if ((st = pf_file_read(path, (size_t)4 << 20, &buf, &len, err)) != PF_OK)
    return st;
  st = pf_json_parse(path, buf, len, &root, err);
  pf_free(buf);
  if (st != PF_OK)
    return st;
  pf_lj_init(&lj, cat->cfg, path, err);
  rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
  if (!cJSON_IsObject(root) || !cJSON_IsArray(rules)) {
    st = pf_lj_fail(&lj, NULL, "expected {\"area\": ..., \"rules\": [...]}");
    goto done;
  }
  {
    static const char *const keys[] = {"area", "description", "rules",
                                       NULL};
    if ((st = only_keys(&lj, root, keys)) != PF_OK)
      goto done;
  }
  pf_lj_push_key(&lj, "rules");
  cJSON_ArrayForEach(e, rules) {
    if (PF_GROW(cat->rules, cat->cap, cat->n + 1)) {
      st = pf_err_set(err, PF_ENOMEM, "out of memory");
      break;
    }
    pf_lj_push_idx(&lj, i++);
    st = parse_rule(cat, &lj, e, &cat->rules[cat->n]);
    pf_lj_pop(&lj);
    if (st != PF_OK)
      break;
    cat->n++;
  }
  pf_lj_pop(&lj);
done:
  if (st == PF_OK && pf_err_isset(err))
    st = err->code;
  pf_lj_release(&lj);
  cJSON_Delete(root);
  return st;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

pf_status pf_catalogue_load(struct pf_catalogue **out, const char *dir,
                            struct pf_err *err)
{
  struct pf_catalogue *cat;
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0, i;
  pf_status st = PF_OK;

  *out = NULL;
  cat = pf_calloc(1, sizeof(*cat));
  if (!cat || pf_config_create(&cat->cfg) != PF_OK) {
    pf_free(cat);
    return pf_err_set(err, PF_ENOMEM, "out of memory");
  }
  d = opendir(dir);
  if (!d) {
    pf_catalogue_destroy(cat);
    return pf_err_set(err, PF_ENOENT, "%s: cannot read the rules "
                      "directory (give --rules-dir or set PREFLIGHT_RULES)",
                      dir);
  }
  while ((e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".json"))
      continue;
    if (PF_GROW(names, cap, n + 1) ||
        !(names[n] = pf_malloc(strlen(dir) + l + 2))) {
      st = pf_err_set(err, PF_ENOMEM, "out of memory");
      break;
    }
    sprintf(names[n], "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (st == PF_OK) {
    qsort(names, n, sizeof(*names), cmp_str);
    for (i = 0; i < n && st == PF_OK; i++)
      st = load_file(cat, names[i], err);
  }
  if (st == PF_OK && cat->n == 0)
    st = pf_err_set(err, PF_ENOENT, "%s: no rules found", dir);
  for (i = 0; i < n; i++)
    pf_free(names[i]);
  pf_free(names);
  if (st != PF_OK) {
    pf_catalogue_destroy(cat);
    return st;
  }
  *out = cat;
  return PF_OK;
}

void pf_catalogue_destroy(struct pf_catalogue *c)
{
  size_t i;
  if (!c)
    return;
  for (i = 0; i < c->n_conds; i++)
    pf_rangeset_release(&c->conds[i]->ports);
  pf_free(c->conds);
  pf_free(c->rules);
  pf_config_destroy(c->cfg);
  pf_free(c);
}

size_t pf_catalogue_count(const struct pf_catalogue *c)
{
  return c->n;
}

const struct pf_rule *pf_catalogue_at(const struct pf_catalogue *c, size_t i)
{
  return &c->rules[i];
}

const char *pf_rules_dir(const char *opt, const char *argv0, char *buf,
                         size_t cap)
{
  const char *env = getenv("PREFLIGHT_RULES");
  struct stat st;
  char exe[PATH_MAX];
  ssize_t n;

  if (opt)
    return opt;
  if (env && *env)
    return env;
  /* installed: <prefix>/bin/preflight -> <prefix>/share/preflight/rules */
  n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    char *slash;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      snprintf(buf, cap, "%s/../share/preflight/rules", exe);
      if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
        return buf;
    }
  }
  (void)argv0;
  snprintf(buf, cap, "%s/rules", PF_SOURCE_DIR);
  return buf;
}
