/* SPDX-License-Identifier: MIT */
/* pf_check.c - evaluate the requirement catalogue against a configuration
 *
 * Conditions are three-valued: true, false, unknown.  "all" is false when
 * any part is false, else unknown when any is unknown; "any" is true when
 * any part is true, else unknown when any is unknown; "not" swaps true and
 * false.  Unknown never turns into pass.
 */
#include "pf_check.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"
#include "pf_path.h"
#include "pf_route.h"

enum tv { TV_FALSE = 0, TV_TRUE, TV_UNKNOWN };

const char *pf_rstatus_name(enum pf_rstatus s)
{
  return s == PF_RS_PASS ? "pass" : s == PF_RS_FAIL ? "fail" : "unknown";
}

#define EVIDENCE_MAX ((size_t)4 << 20)

/* Facts a failing flow condition leaves for the remediation templates. */
struct flow_facts {
  int set;
  char nsg[256], nsg_rg[256], priority[64], blocking_rule[128];
  char blocking_priority[16], tag[128], ports[256], protocol[16];
  char direction[16], source[128], destination[128], access[8];
  /* route conditions */
  char r_tag[128], r_table[256], r_table_rg[256], r_name[256], r_hop[64];
};

struct ev {
  const struct pf_config *cfg;
  const struct pf_tagdb *tags;
  struct pf_planner *planner;
  const char *profile;
  const struct pf_binding *b;
  struct pf_strbuf text, json;   /* evidence */
  struct flow_facts ff;
  const char *unknown_why;       /* first reason something was unknown */
  char why_buf[512];             /* its copy (values do not outlive us) */
  pf_status st;
};

/* ---- evidence -------------------------------------------------------- */

static void json_str(struct pf_strbuf *sb, const char *s)
{
  const char *run;
  pf_strbuf_addc(sb, '"');
  for (run = s; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c != '"' && c != '\\' && c >= 0x20)
      continue;
    pf_strbuf_addn(sb, run, (size_t)(s - run));
    if (c < 0x20)
      pf_strbuf_addf(sb, "\\u%04x", c);
    else
      pf_strbuf_addf(sb, "\\%c", c);
    run = s + 1;
  }
  if (s)
    pf_strbuf_addn(sb, run, (size_t)(s - run));
  pf_strbuf_addc(sb, '"');
}

static void json_item_begin(struct ev *e)
{
  if (e->json.len > 1)
    pf_strbuf_addc(&e->json, ',');
  pf_strbuf_addc(&e->json, '{');
}

static void json_kv(struct ev *e, const char *k, const char *v, int first)
{
  if (!first)
    pf_strbuf_addc(&e->json, ',');
  json_str(&e->json, k);
  pf_strbuf_addc(&e->json, ':');
  if (v)
    json_str(&e->json, v);
  else
    pf_strbuf_adds(&e->json, "null");
}

static const char *tv_name(enum tv t)
{
  return t == TV_TRUE ? "true" : t == TV_FALSE ? "false" : "unknown";
}

static void note_unknown(struct ev *e, const char *why)
{
  if (!e->unknown_why && why) {
    snprintf(e->why_buf, sizeof(e->why_buf), "%s", why);
    e->unknown_why = e->why_buf;
  }
}

/* ---- values ------------------------------------------------------------- */

static int str_ieq(const char *a, const char *b)
{
  return a && b && (a[0] == '/' || b[0] == '/' ? pf_id_eq(a, b)
                                               : !strcasecmp(a, b));
}

static void value_text(const struct pf_value *v, struct pf_strbuf *sb)
{
  pf_value_format(v, sb);
}

static void operand_text(const struct pf_operand *o, struct pf_strbuf *sb)
{
  size_t i;
  switch (o->t) {
  case PF_O_STR: pf_strbuf_adds(sb, o->s); break;
  case PF_O_PROP: pf_strbuf_adds(sb, o->s); break;
  case PF_O_INT: pf_strbuf_addf(sb, "%" PRId64, o->i); break;
  case PF_O_BOOL: pf_strbuf_adds(sb, o->i ? "true" : "false"); break;
  case PF_O_LIST:
    pf_strbuf_addc(sb, '[');
    for (i = 0; i < o->n; i++)
      pf_strbuf_addf(sb, "%s%s", i ? ", " : "", o->list[i]);
    pf_strbuf_addc(sb, ']');
    break;
  case PF_O_NONE: break;
  }
}

/* Read an operand as a value (literals are converted). */
static pf_status operand_value(struct ev *e, const struct pf_operand *o,
                               struct pf_value *v)
{
  size_t i;
  switch (o->t) {
  case PF_O_PROP: return pf_prop_get(e->b, o->s, e->cfg, v);
  case PF_O_STR: pf_value_str(v, o->s); return PF_OK;
  case PF_O_INT: pf_value_int(v, o->i); return PF_OK;
  case PF_O_BOOL: pf_value_bool(v, (int)o->i); return PF_OK;
  case PF_O_LIST:
    v->t = PF_VAL_LIST;
    for (i = 0; i < o->n; i++)
      if (pf_value_list_add(v, o->list[i]) != PF_OK)
        return PF_ENOMEM;
    return PF_OK;
  case PF_O_NONE: break;
  }
  return PF_OK;
}

static int as_addrs(const struct pf_value *v, struct pf_ipset *out)
{
  struct pf_prefix p;
  if (v->t == PF_VAL_ADDRS)
    return pf_ipset_union(out, &v->addrs, &v->addrs) == PF_OK;
  if (v->t == PF_VAL_STR &&
      pf_prefix_parse(v->s, strlen(v->s), 1, &p, NULL) == PF_OK)
    return pf_ipset_add_prefix(out, &p) == PF_OK;
  return 0;
}

static enum tv compare(struct ev *e, const struct pf_cond *c)
{
  struct pf_value l, r;
  enum tv t = TV_UNKNOWN;
  size_t i, j;

  pf_value_init(&l);
  pf_value_init(&r);
  if ((e->st = operand_value(e, &c->left, &l)) != PF_OK ||
      (c->right.t != PF_O_NONE &&
       (e->st = operand_value(e, &c->right, &r)) != PF_OK))
    goto done;
  if (l.t == PF_VAL_UNKNOWN || r.t == PF_VAL_UNKNOWN) {
    const struct pf_value *u = l.t == PF_VAL_UNKNOWN ? &l : &r;
    note_unknown(e, u->s);
    t = TV_UNKNOWN;
    goto record;
  }
  switch (c->op) {
  case PF_COP_EXISTS:
  case PF_COP_ABSENT: {
    int present = l.t != PF_VAL_ABSENT &&
                  !((l.t == PF_VAL_LIST) && l.n == 0) &&
                  !(l.t == PF_VAL_ADDRS && pf_ipset_empty(&l.addrs));
    t = (c->op == PF_COP_EXISTS) == present ? TV_TRUE : TV_FALSE;
    break;
  }
  case PF_COP_EQ:
  case PF_COP_NE:
  case PF_COP_SAME: {
    int eq;
    if (l.t == PF_VAL_ABSENT || r.t == PF_VAL_ABSENT) {
      if (c->op == PF_COP_SAME) {
        t = TV_UNKNOWN;
        note_unknown(e, "a value compared is not given in the input");
        goto record;
      }
      eq = l.t == r.t;
    } else if (l.t == PF_VAL_STR && r.t == PF_VAL_STR) {
      eq = str_ieq(l.s, r.s);
      /* a placeholder of a template's or plan's scope stands for the real
       * subscription or region, which may be the other one: equal
       * placeholders are the same value, a placeholder and a real value
       * are unknown (docs/templates.md "Placeholders") */
      if (!eq && c->op == PF_COP_SAME) {
        const char *ph = NULL;
        if (str_ieq(l.s, PF_PLACEHOLDER_LOCATION) ||
            str_ieq(r.s, PF_PLACEHOLDER_LOCATION))
          ph = "the deployment's location is a placeholder: give "
               "--location";
        else if (str_ieq(l.s, PF_PLACEHOLDER_SUBSCRIPTION) ||
                 str_ieq(r.s, PF_PLACEHOLDER_SUBSCRIPTION))
          ph = "the deployment's subscription is a placeholder: give "
               "--subscription";
        if (ph) {
          t = TV_UNKNOWN;
          note_unknown(e, ph);
          goto record;
        }
      }
    } else if ((l.t == PF_VAL_INT || l.t == PF_VAL_BOOL) && l.t == r.t) {
      eq = l.i == r.i;
    } else if (l.t == PF_VAL_ADDRS && r.t == PF_VAL_ADDRS) {
      eq = pf_ipset_equal(&l.addrs, &r.addrs);
    } else {
      eq = 0;
    }
    t = (c->op == PF_COP_NE) != eq ? TV_TRUE : TV_FALSE;
    break;
  }
  case PF_COP_IN:
    t = TV_FALSE;
    if (l.t == PF_VAL_STR)
      for (i = 0; i < r.n; i++)
        if (str_ieq(l.s, r.list[i]))
          t = TV_TRUE;
    break;
  case PF_COP_CONTAINS:
    t = TV_FALSE;
    if (l.t == PF_VAL_LIST && r.t == PF_VAL_STR) {
      for (i = 0; i < l.n; i++)
        if (str_ieq(l.list[i], r.s))
          t = TV_TRUE;
    } else if (l.t == PF_VAL_ADDRS) {
      struct pf_ipset q;
      pf_ipset_init(&q);
      if (as_addrs(&r, &q) && !pf_ipset_empty(&q) &&
          pf_ipset_contains_set(&l.addrs, &q))
        t = TV_TRUE;
      pf_ipset_release(&q);
    }
    break;
  case PF_COP_CONTAINS_ANY:
    t = TV_FALSE;
    if (l.t == PF_VAL_LIST && r.t == PF_VAL_LIST)
      for (i = 0; i < l.n; i++)
        for (j = 0; j < r.n; j++)
          if (str_ieq(l.list[i], r.list[j]))
            t = TV_TRUE;
    break;
  case PF_COP_GE:
  case PF_COP_LE:
    if (l.t != PF_VAL_INT || r.t != PF_VAL_INT) {
      t = TV_UNKNOWN;
      note_unknown(e, l.t != PF_VAL_INT ? "a number compared is not given "
                                          "in the input"
                                        : "a number compared is not given "
                                          "in the input");
      break;
    }
    t = (c->op == PF_COP_GE ? l.i >= r.i : l.i <= r.i) ? TV_TRUE : TV_FALSE;
    break;
  case PF_COP_OVERLAPS:
  case PF_COP_WITHIN: {
    struct pf_ipset a, b2;
    pf_ipset_init(&a);
    pf_ipset_init(&b2);
    if (l.t == PF_VAL_ABSENT || r.t == PF_VAL_ABSENT) {
      t = c->op == PF_COP_OVERLAPS ? TV_FALSE : TV_UNKNOWN;
      if (t == TV_UNKNOWN)
        note_unknown(e, "an address range compared is not given");
    } else if (as_addrs(&l, &a) && as_addrs(&r, &b2)) {
      t = c->op == PF_COP_OVERLAPS
              ? (pf_ipset_overlaps(&a, &b2) ? TV_TRUE : TV_FALSE)
              : (pf_ipset_contains_set(&b2, &a) && !pf_ipset_empty(&a)
                     ? TV_TRUE
                     : TV_FALSE);
    }
    pf_ipset_release(&a);
    pf_ipset_release(&b2);
    break;
  }
  default:
    break;
  }
record: {
  struct pf_strbuf lv, rv;
  pf_strbuf_init(&lv, 65536);
  pf_strbuf_init(&rv, 65536);
  value_text(&l, &lv);
  if (c->right.t == PF_O_PROP)
    value_text(&r, &rv);
  else
    operand_text(&c->right, &rv);
  pf_strbuf_addf(&e->text, "%s = %s; %s %s%s%s -> %s\n", c->left.s,
                 pf_strbuf_str(&lv), pf_cop_name(c->op),
                 c->right.t == PF_O_PROP ? c->right.s : "",
                 c->right.t == PF_O_PROP ? " = " : "", pf_strbuf_str(&rv),
                 tv_name(t));
  json_item_begin(e);
  json_kv(e, "kind", "compare", 1);
  json_kv(e, "property", c->left.s, 0);
  json_kv(e, "value", pf_strbuf_str(&lv), 0);
  json_kv(e, "op", pf_cop_name(c->op), 0);
  if (c->right.t == PF_O_PROP)
    json_kv(e, "other_property", c->right.s, 0);
  json_kv(e, "expected", pf_strbuf_str(&rv), 0);
  json_kv(e, "result", tv_name(t), 0);
  pf_strbuf_addc(&e->json, '}');
  pf_strbuf_release(&lv);
  pf_strbuf_release(&rv);
}
done:
  pf_value_release(&l);
  pf_value_release(&r);
  return t;
}

/* ---- flows ---------------------------------------------------------------- */

static const char *var_location(struct ev *e, enum pf_var v)
{
  if (e->b->v[v])
    return e->b->v[v]->location;
  return NULL;
}

/* Resolve a tag end into \p out; the name used goes to \p name. */
static enum tv end_set(struct ev *e, const struct pf_endspec *sp,
                       const struct pf_scope *scope, struct pf_ipset *out,
                       char *name, size_t cap)
{
  const char *why = NULL;
  pf_status st = PF_OK;
  switch (sp->kind) {
  case PF_END_ANY:
    snprintf(name, cap, "*");
    e->st = pf_ipset_add_all(out);
    return TV_TRUE;
  case PF_END_PREFIX: {
    struct pf_prefix p;
    snprintf(name, cap, "%s", sp->tag);
    if (pf_prefix_parse(sp->tag, strlen(sp->tag), 1, &p, NULL) != PF_OK)
      return TV_UNKNOWN;
    e->st = pf_ipset_add_prefix(out, &p);
    return TV_TRUE;
  }
  case PF_END_TAG:
    if (sp->regional) {
      const char *loc = var_location(e, sp->region_of);
      const struct pf_tag *t;
      if (!loc) {
        snprintf(name, cap, "%s.<region>", sp->tag);
        note_unknown(e, "the region is unknown (load the workspace)");
        return TV_UNKNOWN;
      }
      if (str_ieq(loc, PF_PLACEHOLDER_LOCATION)) {
        snprintf(name, cap, "%s.<region>", sp->tag);
        note_unknown(e, "the workspace's region is the deployment's "
                        "location, a placeholder: give --location");
        return TV_UNKNOWN;
      }
      if (!e->tags) {
        snprintf(name, cap, "%s.%s", sp->tag, loc);
        note_unknown(e, "service tags needed: give --service-tags FILE");
        return TV_UNKNOWN;
      }
      t = pf_tagdb_regional(e->tags, sp->tag, loc);
      if (!t) {
        snprintf(name, cap, "%s.%s", sp->tag, loc);
        note_unknown(e, "no regional service tag for the workspace's "
                        "region in the tag file");
        return TV_UNKNOWN;
      }
      snprintf(name, cap, "%s", t->name);
      e->st = pf_ipset_union(out, &t->set, &t->set);
      return TV_TRUE;
    }
    snprintf(name, cap, "%s", sp->tag);
    if (!pf_scope_name(scope, sp->tag, out, &why, &st)) {
      e->st = st;
      note_unknown(e, why);
      return TV_UNKNOWN;
    }
    return TV_TRUE;
  case PF_END_SUBNET:
    break;
  }
  return TV_UNKNOWN;
}

/* Highest free user priority below \p p in \p nsg's direction \p dir, so
 * that a new allow rule wins over the blocking rule and still comes after
 * every other user rule it can. */
static int free_priority(const struct pf_nsg *nsg, enum pf_dir dir, int p)
{
  int q;
  size_t i;
  if (p > 4097)
    p = 4097;
  for (q = p - 1; q >= 100; q--) {
    int used = 0;
    for (i = 0; i < nsg->n_rules && !used; i++)
      used = !nsg->rules[i].is_default && nsg->rules[i].dir == dir &&
             nsg->rules[i].priority == q;
    if (!used)
      return q;
  }
  return -1;
}

struct plist {
  struct pf_strbuf *text, *json;
  size_t n;
};

/* Text evidence names the first prefixes; JSON lists them all. */
#define TEXT_PREFIXES 8

static int put_pfx(const struct pf_prefix *p, void *arg)
{
  struct plist *l = arg;
  char buf[PF_PREFIX_STRLEN];
  pf_prefix_format(p, buf, sizeof(buf));
  if (l->text && l->n < TEXT_PREFIXES)
    pf_strbuf_addf(l->text, "%s%s", l->n ? " " : "", buf);
  if (l->json) {
    if (l->n)
      pf_strbuf_addc(l->json, ',');
    json_str(l->json, buf);
  }
  l->n++;
  return 0;
}

static void list_set(struct pf_strbuf *text, struct pf_strbuf *json,
                     enum pf_af af, const struct pf_rangeset *s)
{
  struct plist l;
  size_t i;
  l.text = text;
  l.json = json;
  l.n = 0;
  for (i = 0; i < s->n; i++)
    pf_range_to_prefixes(af, s->r[i].lo, s->r[i].hi, put_pfx, &l);
  if (text && l.n > TEXT_PREFIXES)
    pf_strbuf_addf(text, " ... (%zu prefixes in all)", l.n);
}

static enum tv flow(struct ev *e, const struct pf_cond *c)
{
  const struct pf_res *owner;
  const struct pf_vnet *vnet;
  const struct pf_scope *scope;
  struct pf_stage stage;
  struct pf_ipset inside, remote;
  struct pf_boxset q;
  struct pf_partition pt;
  const struct pf_endspec *rsp;
  char rname[160], proto[32], ports[256];
  enum tv t = TV_TRUE;
  size_t i, k, good = 0;
  unsigned af;
  int set_here = 0;

  pf_ipset_init(&inside);
  pf_ipset_init(&remote);
  pf_boxset_init(&q);
  pf_partition_init(&pt);
  pf_proto_format(c->proto, proto, sizeof(proto));
  pf_portset_format(&c->ports, ports, sizeof(ports));
  rsp = c->dir == PF_DIR_INBOUND ? &c->from : &c->to;
  rname[0] = '\0';
  owner = c->nic_level ? e->b->v[PF_VAR_NIC] : e->b->v[PF_VAR_SUBNET];
  if (!owner) {
    enum pf_var v = c->nic_level ? PF_VAR_NIC : PF_VAR_SUBNET;
    note_unknown(e, c->nic_level
                        ? (e->b->missing[v] ? "the NIC was not supplied "
                                              "(load the network interface)"
                                            : "no loaded NIC")
                    : e->b->missing[v] ? "the compute's subnet was not "
                                         "supplied (load the virtual network)"
                                       : "the compute is not in a loaded "
                                         "subnet");
    t = TV_UNKNOWN;
    goto record;
  }
  vnet = (const struct pf_vnet *)e->b->v[PF_VAR_VNET];
  scope = pf_planner_scope(e->planner, vnet, &e->st);
  if (!scope)
    goto done;
  if ((t = end_set(e, rsp, scope, &remote, rname, sizeof(rname))) !=
      TV_TRUE)
    goto record;
  /* the inside end: the subnet's prefixes, or the NIC's addresses */
  if (owner->kind == PF_K_SUBNET) {
    const struct pf_subnet *s = (const struct pf_subnet *)owner;
    for (i = 0; i < s->n_prefixes; i++)
      pf_ipset_add_prefix(&inside, &s->prefixes[i]);
  } else {
    const struct pf_nic *n = (const struct pf_nic *)owner;
    for (i = 0; i < n->n_ipconfigs; i++) {
      struct pf_prefix p;
      if (!n->ipconfigs[i].has_private_ip)
        continue;
      p.af = n->ipconfigs[i].private_ip.af;
      p.addr = n->ipconfigs[i].private_ip.v;
      p.len = pf_af_bits(p.af);
      pf_ipset_add_prefix(&inside, &p);
    }
  }
  if ((e->st = pf_planner_stage(e->planner, owner, vnet, c->dir, &stage)) !=
      PF_OK)
    goto done;
  for (af = 0; af < PF_AF_COUNT; af++) {
    const struct pf_ipset *src = c->dir == PF_DIR_INBOUND ? &remote : &inside;
    const struct pf_ipset *dst = c->dir == PF_DIR_INBOUND ? &inside : &remote;
    struct pf_box b;
    if (pf_rangeset_empty(&src->fam[af]) || pf_rangeset_empty(&dst->fam[af]))
      continue;
    pf_box_init(&b, (enum pf_af)af);
    b.proto = c->proto;
    if (pf_rangeset_copy(&b.src, &src->fam[af]) != PF_OK ||
        pf_rangeset_copy(&b.dst, &dst->fam[af]) != PF_OK ||
        pf_rangeset_add(&b.sport, 0, PF_PORT_MAX) != PF_OK ||
        pf_rangeset_copy(&b.dport, &c->ports) != PF_OK ||
        pf_boxset_push(&q, &b) != PF_OK) {
      pf_box_release(&b);
      e->st = PF_ENOMEM;
      goto done;
    }
  }
  if ((e->st = pf_eval_set(&stage, 1, &q, &pt)) != PF_OK ||
      (e->st = pf_partition_merge(&pt)) != PF_OK)
    goto done;
  t = TV_TRUE;
  for (i = 0; i < pt.n; i++) {
    if (pt.p[i].v == c->expect)
      good++;
    else if (pt.p[i].v == PF_V_UNKNOWN && t == TV_TRUE)
      t = TV_UNKNOWN;
    else if (pt.p[i].v != PF_V_UNKNOWN)
      t = TV_FALSE;
  }
  if (t == TV_UNKNOWN)
    for (i = 0; i < pt.n; i++)
      if (pt.p[i].v == PF_V_UNKNOWN && pt.p[i].n_steps)
        note_unknown(e, pt.p[i].steps[pt.p[i].n_steps - 1].why);
record:
  if (!rname[0])
    snprintf(rname, sizeof(rname), "%s", "?");
  pf_strbuf_addf(&e->text, "%s %s %s from %s to %s, ports %s: %s\n",
                 c->dir == PF_DIR_INBOUND ? "inbound" : "outbound", proto,
                 c->nic_level ? "(NIC NSG)" : "(subnet NSG)",
                 c->dir == PF_DIR_INBOUND ? rname
                                          : (owner ? owner->name : "?"),
                 c->dir == PF_DIR_INBOUND ? (owner ? owner->name : "?")
                                          : rname,
                 ports,
                 t == TV_TRUE ? (c->expect == PF_V_ALLOW ? "allowed"
                                                         : "denied")
                 : t == TV_FALSE ? "not as required"
                                 : "unknown");
  json_item_begin(e);
  json_kv(e, "kind", "flow", 1);
  json_kv(e, "direction", c->dir == PF_DIR_INBOUND ? "inbound" : "outbound",
          0);
  json_kv(e, "protocol", proto, 0);
  json_kv(e, "level", c->nic_level ? "nic" : "subnet", 0);
  json_kv(e, "remote", rname, 0);
  json_kv(e, "inside", owner ? owner->name : NULL, 0);
  json_kv(e, "ports", ports, 0);
  json_kv(e, "expect", pf_verdict_name(c->expect), 0);
  json_kv(e, "result", tv_name(t), 0);
  pf_strbuf_adds(&e->json, ",\"parts\":[");
  set_here = 0;
  for (i = 0, k = 0; i < pt.n; i++) {
    const struct pf_part *p = &pt.p[i];
    const struct pf_step *st = p->n_steps ? &p->steps[p->n_steps - 1] : NULL;
    char pp[256];
    if (p->v == c->expect)
      continue;
    if (k++)
      pf_strbuf_addc(&e->json, ',');
    pf_strbuf_adds(&e->json, "{\"verdict\":");
    json_str(&e->json, pf_verdict_name(p->v));
    pf_strbuf_adds(&e->json, ",\"src\":[");
    pf_strbuf_addf(&e->text, "  %s: from ", pf_verdict_name(p->v));
    list_set(&e->text, &e->json, p->box.af, &p->box.src);
    pf_strbuf_adds(&e->json, "],\"dst\":[");
    pf_strbuf_adds(&e->text, " to ");
    list_set(&e->text, &e->json, p->box.af, &p->box.dst);
    pf_portset_format(&p->box.dport, pp, sizeof(pp));
    pf_strbuf_adds(&e->json, "],\"ports\":");
    json_str(&e->json, pp);
    pf_strbuf_addf(&e->text, " ports %s", pp);
    if (st && st->stage->nsgc) {
      pf_strbuf_adds(&e->json, ",\"nsg\":");
      json_str(&e->json, st->stage->nsgc->nsg->hdr.name);
      pf_strbuf_addf(&e->text, ", %s NSG %s",
                     pf_level_name(st->stage->level),
                     st->stage->nsgc->nsg->hdr.name);
    }
    if (st && st->rule) {
      pf_strbuf_adds(&e->json, ",\"rule\":");
      json_str(&e->json, st->rule->name);
      pf_strbuf_addf(&e->json, ",\"priority\":%d", st->rule->priority);
      pf_strbuf_addf(&e->text, " rule %s (%d)", st->rule->name,
                     st->rule->priority);
    }
    if (st && st->why) {
      pf_strbuf_adds(&e->json, ",\"reason\":");
      json_str(&e->json, st->why);
      pf_strbuf_addf(&e->text, ": %s", st->why);
    }
    pf_strbuf_adds(&e->json, "}");
    pf_strbuf_addc(&e->text, '\n');
    /* the first blocking rule feeds the remediation templates */
    if (p->v != PF_V_UNKNOWN && st && st->rule && st->stage->nsgc &&
        !e->ff.set) {
      const struct pf_nsg *nsg = st->stage->nsgc->nsg;
      int fp = free_priority(nsg, c->dir, st->rule->priority);
      e->ff.set = 1;
      set_here = 1;
      snprintf(e->ff.nsg, sizeof(e->ff.nsg), "%s", nsg->hdr.name);
      snprintf(e->ff.nsg_rg, sizeof(e->ff.nsg_rg), "%s",
               nsg->hdr.resource_group ? nsg->hdr.resource_group : "");
      snprintf(e->ff.blocking_rule, sizeof(e->ff.blocking_rule), "%s",
               st->rule->name);
      snprintf(e->ff.blocking_priority, sizeof(e->ff.blocking_priority),
               "%d", st->rule->priority);
      if (fp > 0)
        snprintf(e->ff.priority, sizeof(e->ff.priority), "%d", fp);
      else
        snprintf(e->ff.priority, sizeof(e->ff.priority), "<free priority "
                 "below %d>", st->rule->priority);
    }
  }
  pf_strbuf_addf(&e->json, "],\"parts_as_required\":%zu}", good);
  /* the facts describe one flow: the first that was blocked, else the
   * first evaluated */
  if (e->ff.tag[0] && !(set_here))
    goto done;
  snprintf(e->ff.tag, sizeof(e->ff.tag), "%s", rname);
  snprintf(e->ff.ports, sizeof(e->ff.ports), "%s", ports);
  snprintf(e->ff.protocol, sizeof(e->ff.protocol), "%s", proto);
  snprintf(e->ff.direction, sizeof(e->ff.direction), "%s",
           c->dir == PF_DIR_INBOUND ? "Inbound" : "Outbound");
  snprintf(e->ff.access, sizeof(e->ff.access), "%s",
           c->expect == PF_V_ALLOW ? "Allow" : "Deny");
  snprintf(e->ff.source, sizeof(e->ff.source), "%s",
           c->dir == PF_DIR_INBOUND ? rname : "VirtualNetwork");
  snprintf(e->ff.destination, sizeof(e->ff.destination), "%s",
           c->dir == PF_DIR_INBOUND ? "VirtualNetwork" : rname);
done:
  pf_partition_release(&pt);
  pf_boxset_release(&q);
  pf_ipset_release(&inside);
  pf_ipset_release(&remote);
  return t;
}

/* ---- routes ------------------------------------------------------------------ */

/* Every address of the destination must leave via the required next hop
 * (UDR-1, UDR-2: forced tunnelling needs Internet routes for the
 * management prefixes; longest prefix wins, AZURE-SEMANTICS.md 2.4). */
static enum tv route(struct ev *e, const struct pf_cond *c)
{
  const struct pf_subnet *s = (const struct pf_subnet *)e->b->v[PF_VAR_SUBNET];
  const struct pf_vnet *vnet = (const struct pf_vnet *)e->b->v[PF_VAR_VNET];
  const struct pf_scope *scope;
  const struct pf_rtable *rt = NULL;
  struct pf_route_parts parts;
  struct pf_ipset dst;
  struct pf_err err;
  char name[160];
  enum tv t = TV_TRUE;
  size_t i, good = 0;

  pf_ipset_init(&dst);
  pf_route_parts_init(&parts);
  name[0] = '\0';
  if (!s) {
    note_unknown(e, "the compute's subnet was not supplied (load the "
                    "virtual network)");
    t = TV_UNKNOWN;
    goto record;
  }
  scope = pf_planner_scope(e->planner, vnet, &e->st);
  if (!scope)
    goto done;
  if ((t = end_set(e, &c->to, scope, &dst, name, sizeof(name))) != TV_TRUE)
    goto record;
  /* a subnet without addresses of a family sends no traffic of it */
  {
    int has[PF_AF_COUNT] = {0, 0};
    unsigned af;
    for (i = 0; i < s->n_prefixes; i++)
      has[s->prefixes[i].af] = 1;
    for (af = 0; af < PF_AF_COUNT; af++)
      if (!has[af])
        pf_rangeset_clear(&dst.fam[af]);
  }
  pf_err_clear(&err);
  if ((e->st = pf_planner_rtable(e->planner, s, &rt, &err)) != PF_OK ||
      (e->st = pf_rtable_partition(rt, &dst, &parts)) != PF_OK)
    goto done;
  for (i = 0; i < parts.n; i++) {
    const struct pf_eroute *r =
        parts.p[i].route == PF_ROUTE_NONE ? NULL : &rt->routes[parts.p[i].route];
    if (r && (int)r->hop == (int)c->next_hop)
      good++;
    else
      t = TV_FALSE;
  }
  if (t == TV_FALSE && !parts.complete) {
    t = TV_UNKNOWN;
    note_unknown(e, "some routes of the subnet could not be determined "
                    "(see preflight routes)");
  }
record:
  pf_strbuf_addf(&e->text, "routes of %s for %s: %s\n",
                 s ? s->hdr.name : "?", name,
                 t == TV_TRUE ? "every prefix leaves via the required next hop"
                 : t == TV_FALSE ? "some prefixes leave elsewhere"
                                 : "unknown");
  json_item_begin(e);
  json_kv(e, "kind", "route", 1);
  json_kv(e, "subnet", s ? s->hdr.name : NULL, 0);
  json_kv(e, "destination", name, 0);
  json_kv(e, "required_next_hop", pf_nexthop_name(c->next_hop), 0);
  json_kv(e, "result", tv_name(t), 0);
  pf_strbuf_adds(&e->json, ",\"parts\":[");
  {
    size_t k = 0;
    for (i = 0; rt && i < parts.n; i++) {
      const struct pf_eroute *r = parts.p[i].route == PF_ROUTE_NONE
                                      ? NULL
                                      : &rt->routes[parts.p[i].route];
      unsigned af;
      if (r && (int)r->hop == (int)c->next_hop)
        continue;
      if (k++)
        pf_strbuf_addc(&e->json, ',');
      pf_strbuf_adds(&e->json, "{\"prefixes\":[");
      pf_strbuf_adds(&e->text, "  ");
      {
        size_t before = 0;
        for (af = 0; af < PF_AF_COUNT; af++) {
          if (!pf_rangeset_empty(&parts.p[i].set.fam[af]) && before)
            pf_strbuf_addc(&e->json, ',');
          if (!pf_rangeset_empty(&parts.p[i].set.fam[af])) {
            list_set(&e->text, &e->json, (enum pf_af)af,
                     &parts.p[i].set.fam[af]);
            before = 1;
          }
        }
      }
      pf_strbuf_adds(&e->json, "],\"next_hop\":");
      json_str(&e->json, r ? pf_route_hop_name(r->hop) : "none");
      pf_strbuf_adds(&e->json, ",\"route\":");
      json_str(&e->json, r && r->name ? r->name
                         : r ? pf_route_src_name(r->src) : "none");
      pf_strbuf_adds(&e->json, "}");
      pf_strbuf_addf(&e->text, " -> %s (%s%s%s)\n",
                     r ? pf_route_hop_name(r->hop) : "no route",
                     r && r->table ? r->table : "",
                     r && r->table ? " " : "",
                     r && r->name ? r->name
                     : r          ? pf_route_src_name(r->src)
                                  : "");
      if (r && !e->ff.r_name[0]) {
        snprintf(e->ff.r_name, sizeof(e->ff.r_name), "%s",
                 r->name ? r->name : pf_route_src_name(r->src));
        snprintf(e->ff.r_hop, sizeof(e->ff.r_hop), "%s",
                 pf_route_hop_name(r->hop));
      }
    }
  }
  pf_strbuf_addf(&e->json, "],\"parts_as_required\":%zu}", good);
  snprintf(e->ff.r_tag, sizeof(e->ff.r_tag), "%s", name);
  if (rt && rt->table) {
    snprintf(e->ff.r_table, sizeof(e->ff.r_table), "%s",
             rt->table->hdr.name);
    snprintf(e->ff.r_table_rg, sizeof(e->ff.r_table_rg), "%s",
             rt->table->hdr.resource_group ? rt->table->hdr.resource_group
                                           : "");
  }
done:
  pf_route_parts_release(&parts);
  pf_ipset_release(&dst);
  return t;
}

/* ---- the tree ---------------------------------------------------------------- */

static enum tv eval(struct ev *e, const struct pf_cond *c)
{
  size_t i;
  enum tv t, acc;
  if (e->st != PF_OK)
    return TV_UNKNOWN;
  switch (c->op) {
  case PF_COP_ALL:
    acc = TV_TRUE;
    for (i = 0; i < c->n_kids; i++) {
      t = eval(e, &c->kids[i]);
      if (t == TV_FALSE)
        acc = TV_FALSE;
      else if (t == TV_UNKNOWN && acc == TV_TRUE)
        acc = TV_UNKNOWN;
    }
    return acc;
  case PF_COP_ANY:
    acc = TV_FALSE;
    for (i = 0; i < c->n_kids; i++) {
      t = eval(e, &c->kids[i]);
      if (t == TV_TRUE)
        acc = TV_TRUE;
      else if (t == TV_UNKNOWN && acc == TV_FALSE)
        acc = TV_UNKNOWN;
    }
    return acc;
  case PF_COP_NOT:
    t = eval(e, c->kids);
    return t == TV_UNKNOWN ? t : t == TV_TRUE ? TV_FALSE : TV_TRUE;
  case PF_COP_FLOW:
    return flow(e, c);
  case PF_COP_ROUTE:
    return route(e, c);
  case PF_COP_INFO:
    return TV_TRUE;
  case PF_COP_NEEDS:
    note_unknown(e, c->text);
    return TV_UNKNOWN;
  default:
    return compare(e, c);
  }
}

/* ---- templates --------------------------------------------------------------- */

static const char *fact(const struct ev *e, const char *name)
{
  const struct flow_facts *f = &e->ff;
  if (!strcmp(name, "profile")) return e->profile;
  if (!strcmp(name, "flow.nsg")) return f->nsg;
  if (!strcmp(name, "flow.nsg_resource_group")) return f->nsg_rg;
  if (!strcmp(name, "flow.priority")) return f->priority;
  if (!strcmp(name, "flow.blocking_rule")) return f->blocking_rule;
  if (!strcmp(name, "flow.blocking_priority")) return f->blocking_priority;
  if (!strcmp(name, "flow.tag")) return f->tag;
  if (!strcmp(name, "flow.ports")) return f->ports;
  if (!strcmp(name, "flow.protocol")) return f->protocol;
  if (!strcmp(name, "flow.direction")) return f->direction;
  if (!strcmp(name, "flow.source")) return f->source;
  if (!strcmp(name, "flow.destination")) return f->destination;
  if (!strcmp(name, "flow.access")) return f->access;
  if (!strcmp(name, "route.tag")) return f->r_tag;
  if (!strcmp(name, "route.table")) return f->r_table;
  if (!strcmp(name, "route.table_resource_group")) return f->r_table_rg;
  if (!strcmp(name, "route.name")) return f->r_name;
  if (!strcmp(name, "route.next_hop")) return f->r_hop;
  return NULL;
}

/* Fill a rule's text.  In a fix (\p message 0) a value that is not there
 * stays "<name>", which cmd_fix leaves for the user to fill in; in a
 * message a reader sees "not set", "unknown" or "none", never the
 * catalogue's placeholder syntax. */
static char *fill(struct ev *e, const char *t, int message)
{
  struct pf_strbuf sb;
  const char *p = t;
  pf_strbuf_init(&sb, 1 << 20);
  while (*p) {
    const char *open = strchr(p, '{');
    char name[96];
    size_t len;
    if (!open) {
      pf_strbuf_adds(&sb, p);
      break;
    }
    pf_strbuf_addn(&sb, p, (size_t)(open - p));
    len = pf_placeholder_len(open);
    if (!len || len - 2 >= sizeof(name)) {
      pf_strbuf_addc(&sb, '{');
      p = open + 1;
      continue;
    }
    memcpy(name, open + 1, len - 2);
    name[len - 2] = '\0';
    if (fact(e, name)) {
      const char *v = fact(e, name);
      pf_strbuf_adds(&sb, *v ? v : message ? "unknown" : "<unknown>");
    } else {
      struct pf_value v;
      pf_value_init(&v);
      pf_status gs = pf_prop_get(e->b, name, e->cfg, &v);
      if (message && gs == PF_OK && v.t == PF_VAL_LIST && v.n == 0)
        pf_strbuf_adds(&sb, "none");
      else if (gs == PF_OK && v.t != PF_VAL_ABSENT && v.t != PF_VAL_UNKNOWN)
        pf_value_format(&v, &sb);
      else if (message)
        pf_strbuf_adds(&sb, gs == PF_OK && v.t == PF_VAL_ABSENT
                                ? "not set"
                                : "unknown");
      else
        pf_strbuf_addf(&sb, "<%s>", name);
      pf_value_release(&v);
    }
    p = open + len;
  }
  return pf_strbuf_detach(&sb);
}

/* ---- running ------------------------------------------------------------------ */

struct run {
  const struct pf_rule *rule;
  struct pf_results *out;
  const struct pf_config *cfg;
  const struct pf_tagdb *tags;
  struct pf_planner *planner;
  const char *profile;
  pf_status st;
};

static void ev_init(struct ev *e, struct run *r, const struct pf_binding *b)
{
  memset(e, 0, sizeof(*e));
  e->cfg = r->cfg;
  e->tags = r->tags;
  e->planner = r->planner;
  e->profile = r->profile;
  e->b = b;
  pf_strbuf_init(&e->text, EVIDENCE_MAX);
  pf_strbuf_init(&e->json, EVIDENCE_MAX);
  pf_strbuf_addc(&e->json, '[');
}

static int one(const struct pf_binding *b, void *arg)
{
  struct run *r = arg;
  const struct pf_rule *rule = r->rule;
  struct ev e;
  struct pf_result *res;
  enum tv t;
  const struct pf_res *subj = b->v[b->primary];

  ev_init(&e, r, b);
  if (rule->when) {
    t = eval(&e, rule->when);
    if (t == TV_FALSE || e.st != PF_OK) {
      r->st = e.st;
      pf_strbuf_release(&e.text);
      pf_strbuf_release(&e.json);
      return e.st != PF_OK;
    }
    if (t == TV_UNKNOWN)
      goto record;
    /* applicability is not evidence, and its flows are not the ones the
     * templates describe: keep only the condition's */
    pf_strbuf_reset(&e.text);
    pf_strbuf_reset(&e.json);
    pf_strbuf_addc(&e.json, '[');
    memset(&e.ff, 0, sizeof(e.ff));
  }
  t = eval(&e, rule->cond);
record:
  if (e.st != PF_OK) {
    r->st = e.st;
    pf_strbuf_release(&e.text);
    pf_strbuf_release(&e.json);
    return 1;
  }
  if (PF_GROW(r->out->r, r->out->cap, r->out->n + 1)) {
    r->st = PF_ENOMEM;
    pf_strbuf_release(&e.text);
    pf_strbuf_release(&e.json);
    return 1;
  }
  res = &r->out->r[r->out->n++];
  memset(res, 0, sizeof(*res));
  res->rule = rule;
  res->status = t == TV_TRUE ? PF_RS_PASS : t == TV_FALSE ? PF_RS_FAIL
                                                          : PF_RS_UNKNOWN;
  res->resource_id = subj ? subj->id : b->missing[b->primary];
  res->resource_name = subj ? subj->name : NULL;
  res->resource_kind = pf_var_name(b->primary);
  if (res->status == PF_RS_PASS) {
    res->message = fill(&e, rule->msg_pass, 1);
  } else if (res->status == PF_RS_FAIL) {
    res->message = fill(&e, rule->msg_fail, 1);
    res->fix_az = fill(&e, rule->fix_az, 0);
    res->fix_bicep = fill(&e, rule->fix_bicep, 0);
    res->fix_terraform = fill(&e, rule->fix_terraform, 0);
  } else {
    char *base = fill(&e, rule->msg_unknown ? rule->msg_unknown
                                            : rule->msg_fail, 1);
    struct pf_strbuf sb;
    pf_strbuf_init(&sb, 1 << 20);
    if (rule->msg_unknown)
      pf_strbuf_adds(&sb, base);
    else
      pf_strbuf_adds(&sb, "could not be evaluated");
    if (e.unknown_why)
      pf_strbuf_addf(&sb, ": %s", e.unknown_why);
    pf_free(base);
    res->message = pf_strbuf_detach(&sb);
  }
  pf_strbuf_addc(&e.json, ']');
  res->evidence_json = pf_strbuf_detach(&e.json);
  res->evidence_text = pf_strbuf_detach(&e.text);
  if (!res->message || !res->evidence_json || !res->evidence_text)
    r->st = PF_ENOMEM;
  return r->st != PF_OK;
}

pf_status pf_check_run(const struct pf_catalogue *cat,
                       const struct pf_config *cfg,
                       const struct pf_tagdb *tags,
                       const struct pf_check_opts *opts,
                       struct pf_results *out)
{
  struct run r;
  size_t i, k;
  pf_status st;

  memset(out, 0, sizeof(*out));
  memset(&r, 0, sizeof(r));
  r.out = out;
  r.cfg = cfg;
  r.tags = tags;
  r.profile = opts && opts->profile ? opts->profile : "2020";
  if ((st = pf_planner_create(&r.planner, cfg, tags)) != PF_OK)
    return st;
  for (i = 0; i < pf_catalogue_count(cat) && r.st == PF_OK; i++) {
    const struct pf_rule *rule = pf_catalogue_at(cat, i);
    if (!pf_rule_in_profile(rule, r.profile))
      continue;
    if (opts && opts->only) {
      int sel = 0;
      for (k = 0; k < opts->n_only; k++)
        sel |= !strcasecmp(opts->only[k], rule->id);
      if (!sel)
        continue;
    }
    r.rule = rule;
    pf_sel_each(rule->applies_to, cfg, rule->compute_types,
                rule->n_compute_types, one, &r);
  }
  pf_planner_destroy(r.planner);
  if (r.st != PF_OK)
    pf_results_release(out);
  return r.st;
}

void pf_results_release(struct pf_results *rs)
{
  size_t i;
  if (!rs)
    return;
  for (i = 0; i < rs->n; i++) {
    pf_free(rs->r[i].message);
    pf_free(rs->r[i].evidence_json);
    pf_free(rs->r[i].evidence_text);
    pf_free(rs->r[i].fix_az);
    pf_free(rs->r[i].fix_bicep);
    pf_free(rs->r[i].fix_terraform);
  }
  pf_free(rs->r);
  memset(rs, 0, sizeof(*rs));
}
