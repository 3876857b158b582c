/* SPDX-License-Identifier: MIT */
/* pf_lint.c - NSG hygiene: dead, empty and redundant rules, exposed ports
 *
 * All checks run pf_eval_set over slices of one compiled NSG: the rules
 * before a rule (what takes its flows first), the rules after it (what
 * would decide its flows without it), or the whole direction (what the
 * Internet reaches).  A slice is a view on the compiled rules, not a copy.
 */
#include "pf_lint.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"
#include "pf_nsgeval.h"
#include "pf_path.h"

#define MSG_MAX 8192

/* Management ports: SSH, RDP, the Batch node agent (29876-29877) and the
 * compute instance agent (44224); REQUIREMENTS.md NSG-1, NSG-2, NSG-5. */
static const unsigned mgmt_ports[][2] = {
  {22, 22}, {3389, 3389}, {29876, 29877}, {44224, 44224}
};

const char *pf_lint_kind_name(enum pf_lint_kind k)
{
  switch (k) {
  case PF_LINT_SHADOWED: return "shadowed";
  case PF_LINT_SHADOWED_OPPOSITE: return "shadowed-opposite";
  case PF_LINT_EMPTY: return "empty";
  case PF_LINT_REDUNDANT: return "redundant";
  case PF_LINT_EXPOSED: return "exposed";
  case PF_LINT_UNKNOWN: break;
  }
  return "unknown";
}

const char *pf_lint_sev_name(enum pf_lint_sev s)
{
  switch (s) {
  case PF_LINT_INFO: return "info";
  case PF_LINT_WARNING: return "warning";
  case PF_LINT_ERROR: break;
  }
  return "error";
}

int pf_lint_sev_parse(const char *s, enum pf_lint_sev *out)
{
  if (!strcmp(s, "info"))
    *out = PF_LINT_INFO;
  else if (!strcmp(s, "warning"))
    *out = PF_LINT_WARNING;
  else if (!strcmp(s, "error"))
    *out = PF_LINT_ERROR;
  else
    return -1;
  return 0;
}

/* ---- rule lists and messages ----------------------------------------- */

/* Rules in priority order, each once. */
struct rlist {
  const struct pf_nsg_rule **r;
  size_t n, cap;
};

static int rule_before(const struct pf_nsg_rule *a,
                       const struct pf_nsg_rule *b)
{
  if (a->is_default != b->is_default)
    return a->is_default < b->is_default;
  return a->priority < b->priority;
}

static pf_status rlist_add(struct rlist *l, const struct pf_nsg_rule *r)
{
  size_t i;
  for (i = 0; i < l->n; i++)
    if (l->r[i] == r)
      return PF_OK;
  if (PF_GROW(l->r, l->cap, l->n + 1))
    return PF_ENOMEM;
  for (i = l->n; i > 0 && rule_before(r, l->r[i - 1]); i--)
    l->r[i] = l->r[i - 1];
  l->r[i] = r;
  l->n++;
  return PF_OK;
}

static void rlist_release(struct rlist *l)
{
  pf_free(l->r);
  l->r = NULL;
  l->n = l->cap = 0;
}

/* A message under construction; the first failed append is kept. */
struct msg {
  struct pf_strbuf sb;
  pf_status st;
};

static void msg_init(struct msg *m)
{
  pf_strbuf_init(&m->sb, MSG_MAX);
  m->st = PF_OK;
}

static void msgf(struct msg *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void msgf(struct msg *m, const char *fmt, ...)
{
  va_list ap;
  pf_status st;
  va_start(ap, fmt);
  st = pf_strbuf_vaddf(&m->sb, fmt, ap);
  va_end(ap);
  if (m->st == PF_OK && st != PF_OK)
    m->st = st;
}

static const char *rname(const struct pf_nsg_rule *r)
{
  return r->name ? r->name : "?";
}

/* "DenyAllInBound (65500, default)" */
static void msg_rule(struct msg *m, const struct pf_nsg_rule *r)
{
  msgf(m, "%s (%d%s)", rname(r), r->priority,
       r->is_default ? ", default" : "");
}

/* "A (100), B (110) and C (120)" */
static void msg_rules(struct msg *m, const struct rlist *l)
{
  size_t i;
  for (i = 0; i < l->n; i++) {
    if (i)
      msgf(m, i + 1 == l->n ? " and " : ", ");
    msg_rule(m, l->r[i]);
  }
}

/* The addresses of one side as written: "Internet", "10.0.0.0/24, ..." */
static void msg_side(struct msg *m, const struct pf_addrspec *a, size_t n)
{
  size_t i, shown = n > 4 ? 3 : n;
  if (!n) {
    msgf(m, "none");
    return;
  }
  for (i = 0; i < shown; i++)
    msgf(m, "%s%s", i ? ", " : "", a[i].text ? a[i].text : "?");
  if (shown < n)
    msgf(m, ", ... (%zu in all)", n);
}

static const char *access_verb(enum pf_access a)
{
  return a == PF_ACCESS_ALLOW ? "allow" : "deny";
}

static const char *access_done(enum pf_access a)
{
  return a == PF_ACCESS_ALLOW ? "allowed" : "denied";
}

static enum pf_access opposite(enum pf_access a)
{
  return a == PF_ACCESS_ALLOW ? PF_ACCESS_DENY : PF_ACCESS_ALLOW;
}

/* ---- findings ----------------------------------------------------------- */

struct lint {
  const struct pf_scope *scope;
  const struct pf_nsgc *c;
  struct pf_lint_nsg *out;
  size_t seq;
};

/* Append a finding; the message is taken from \p m (released either
 * way). */
static pf_status add_finding(struct lint *L, enum pf_lint_kind kind,
                             enum pf_lint_sev sev,
                             const struct pf_nsg_rule *r,
                             const struct rlist *cov,
                             const struct pf_rangeset *ports, struct msg *m)
{
  struct pf_lint_finding *f;
  pf_status st = m->st;

  if (st == PF_OK && PF_GROW(L->out->f, L->out->cap, L->out->n + 1))
    st = PF_ENOMEM;
  if (st != PF_OK) {
    pf_strbuf_release(&m->sb);
    return st;
  }
  f = &L->out->f[L->out->n];
  memset(f, 0, sizeof(*f));
  f->kind = kind;
  f->sev = sev;
  f->rule = r;
  f->seq = L->seq++;
  f->message = pf_strbuf_detach(&m->sb);
  if (!f->message)
    f->message = pf_strdup("");
  if (!f->message)
    return PF_ENOMEM;
  if (cov && cov->n) {
    f->covered_by = pf_calloc(cov->n, sizeof(*f->covered_by));
    if (!f->covered_by) {
      pf_free(f->message);
      return PF_ENOMEM;
    }
    memcpy(f->covered_by, cov->r, cov->n * sizeof(*f->covered_by));
    f->n_covered = cov->n;
  }
  if (ports) {
    char buf[128];
    pf_portset_format(ports, buf, sizeof(buf));
    f->ports = pf_strdup(buf);
    if (!f->ports) {
      pf_free(f->covered_by);
      pf_free(f->message);
      return PF_ENOMEM;
    }
  }
  L->out->n++;
  return PF_OK;
}

/* ---- boxes and slices --------------------------------------------------- */

/* What a rule may match: an exact rule's max is its min (pf_nsgeval.h). */
static const struct pf_box *cmax(const struct pf_crule *cr, unsigned af)
{
  return cr->exact ? &cr->min[af] : &cr->max[af];
}

static int max_empty(const struct pf_crule *cr)
{
  unsigned af;
  for (af = 0; af < PF_AF_COUNT; af++)
    if (!pf_box_empty(cmax(cr, af)))
      return 0;
  return 1;
}

static pf_status push_copy(struct pf_boxset *s, const struct pf_box *b)
{
  struct pf_box t;
  pf_status st;
  pf_box_init(&t, b->af);
  if ((st = pf_box_copy(&t, b)) == PF_OK)
    st = pf_boxset_push(s, &t);
  pf_box_release(&t);
  return st;
}

/* The non-empty per-family boxes of what a rule may match, as a set. */
static pf_status rule_set(struct pf_boxset *s, const struct pf_crule *cr)
{
  unsigned af;
  pf_status st = PF_OK;
  for (af = 0; af < PF_AF_COUNT && st == PF_OK; af++)
    if (!pf_box_empty(cmax(cr, af)))
      st = push_copy(s, cmax(cr, af));
  return st;
}

/* s -= b, dropping empty pieces. */
static pf_status minus_box(struct pf_boxset *s, const struct pf_box *b)
{
  struct pf_boxset next;
  size_t i, k;
  pf_status st = PF_OK;

  if (pf_box_empty(b))
    return PF_OK;
  pf_boxset_init(&next);
  for (i = 0; i < s->n && st == PF_OK; i++) {
    struct pf_boxset piece;
    if (!pf_box_overlaps(&s->b[i], b)) {
      struct pf_box t;
      pf_box_init(&t, s->b[i].af);
      pf_box_move(&t, &s->b[i]);
      st = pf_boxset_push(&next, &t);
      pf_box_release(&t);
      continue;
    }
    pf_boxset_init(&piece);
    st = pf_box_subtract(&piece, &s->b[i], b);
    for (k = 0; k < piece.n && st == PF_OK; k++)
      if (!pf_box_empty(&piece.b[k]))
        st = pf_boxset_push(&next, &piece.b[k]);
    pf_boxset_release(&piece);
  }
  if (st != PF_OK) {
    pf_boxset_release(&next);
    return st;
  }
  pf_boxset_release(s);
  *s = next;
  return PF_OK;
}

/* Evaluate \p q through \p n compiled rules of direction \p d as if they
 * were a whole NSG (one stage).  Flows no rule takes come back as parts
 * with no rule. */
static pf_status eval_rules(const struct pf_nsg *nsg, size_t d,
                            struct pf_crule *rules, size_t n,
                            const struct pf_boxset *q,
                            struct pf_partition *out)
{
  struct pf_nsgc view;
  struct pf_stage sg;
  memset(&view, 0, sizeof(view));
  memset(&sg, 0, sizeof(sg));
  view.nsg = nsg;
  view.rules[d] = rules;
  view.n[d] = n;
  sg.level = PF_LEVEL_SUBNET;
  sg.dir = d ? PF_DIR_OUTBOUND : PF_DIR_INBOUND;
  sg.nsgc = &view;
  pf_partition_init(out);
  return pf_eval_set(&sg, 1, q, out);
}

static pf_status eval_range(const struct pf_nsgc *c, size_t d, size_t off,
                            size_t n, const struct pf_boxset *q,
                            struct pf_partition *out)
{
  return eval_rules(c->nsg, d, c->rules[d] + off, n, q, out);
}

/* Who decided the parts of a partition, compared with access \p acc. */
struct verdicts {
  struct rlist all;    /* every rule that took some part */
  struct rlist opp;    /* ... deciding it with the opposite access */
  struct rlist unk;    /* ... whose match of it is uncertain */
  const char *why;     /* the first reason for an uncertain part */
  int leftover;        /* some part reached no rule */
};

static void verdicts_init(struct verdicts *v)
{
  memset(v, 0, sizeof(*v));
}

static void verdicts_release(struct verdicts *v)
{
  rlist_release(&v->all);
  rlist_release(&v->opp);
  rlist_release(&v->unk);
}

static pf_status classify(const struct pf_partition *pt, enum pf_access acc,
                          struct verdicts *v)
{
  size_t i;
  pf_status st = PF_OK;
  for (i = 0; i < pt->n && st == PF_OK; i++) {
    const struct pf_part *p = &pt->p[i];
    const struct pf_step *s = p->n_steps ? &p->steps[0] : NULL;
    if (!s || !s->rule) {
      v->leftover = 1;
      continue;
    }
    st = rlist_add(&v->all, s->rule);
    if (st != PF_OK)
      break;
    if (p->v == PF_V_UNKNOWN) {
      st = rlist_add(&v->unk, s->rule);
      if (!v->why)
        v->why = s->why;
    } else if ((p->v == PF_V_ALLOW) != (acc == PF_ACCESS_ALLOW)) {
      st = rlist_add(&v->opp, s->rule);
    }
  }
  return st;
}

/* all - sub, both in priority order */
static pf_status rlist_minus(struct rlist *out, const struct rlist *all,
                             const struct rlist *sub)
{
  size_t i, j;
  pf_status st = PF_OK;
  for (i = 0; i < all->n && st == PF_OK; i++) {
    int found = 0;
    for (j = 0; j < sub->n; j++)
      found |= all->r[i] == sub->r[j];
    if (!found)
      st = rlist_add(out, all->r[i]);
  }
  return st;
}

/* ---- per rule ----------------------------------------------------------- */

/* A rule that matches no flow at all: a side resolved to no address, or
 * the two sides share no address family. */
static pf_status lint_empty(struct lint *L, const struct pf_crule *cr)
{
  const struct pf_nsg_rule *r = cr->rule;
  int src_any = 0, dst_any = 0;
  unsigned af;
  struct msg m;

  for (af = 0; af < PF_AF_COUNT; af++) {
    src_any |= !pf_rangeset_empty(&cmax(cr, af)->src);
    dst_any |= !pf_rangeset_empty(&cmax(cr, af)->dst);
  }
  msg_init(&m);
  msgf(&m, "matches no flow: ");
  if (!src_any || !dst_any) {
    msgf(&m, "its %s (", !src_any ? "source" : "destination");
    if (!src_any)
      msg_side(&m, r->src, r->n_src);
    else
      msg_side(&m, r->dst, r->n_dst);
    msgf(&m, ") resolves to no address");
  } else {
    msgf(&m, "its source (");
    msg_side(&m, r->src, r->n_src);
    msgf(&m, ") and destination (");
    msg_side(&m, r->dst, r->n_dst);
    msgf(&m, ") share no address family");
  }
  return add_finding(L, PF_LINT_EMPTY, PF_LINT_WARNING, r, NULL, NULL, &m);
}

static pf_status lint_shadowed(struct lint *L, const struct pf_crule *cr,
                               const struct verdicts *v)
{
  const struct pf_nsg_rule *r = cr->rule;
  enum pf_access a = r->access;
  struct rlist same;
  struct msg m;
  pf_status st;

  memset(&same, 0, sizeof(same));
  msg_init(&m);
  if ((st = rlist_minus(&same, &v->all, &v->opp)) != PF_OK) {
    pf_strbuf_release(&m.sb);
    return st;
  }
  if (v->opp.n) {
    /* the author meant these flows to get the other verdict: a likely
     * bug, not just clutter */
    msgf(&m, "never matches, and its intent is %sdefeated: ",
         same.n ? "partly " : "");
    msgf(&m, "%s flows it would %s are %s first by ",
         same.n ? "some" : "the", access_verb(a), access_done(opposite(a)));
    msg_rules(&m, &v->opp);
    if (same.n) {
      msgf(&m, " (the others are %s first by ", access_done(a));
      msg_rules(&m, &same);
      msgf(&m, ")");
    }
  } else {
    msgf(&m, "never matches: every flow it would %s is %s first by ",
         access_verb(a), access_done(a));
    msg_rules(&m, &v->all);
    msgf(&m, ", so it is dead");
  }
  if (v->unk.n && v->why) {
    msgf(&m, "; whether ");
    msg_rules(&m, &v->unk);
    msgf(&m, " take%s some of them first is unknown (%s)",
         v->unk.n == 1 ? "s" : "", v->why);
  }
  st = add_finding(L, v->opp.n ? PF_LINT_SHADOWED_OPPOSITE : PF_LINT_SHADOWED,
                   v->opp.n ? PF_LINT_ERROR : PF_LINT_WARNING, r, &v->all,
                   NULL, &m);
  rlist_release(&same);
  return st;
}

static int earlier_uncertain(const struct pf_nsgc *c, size_t d, size_t k)
{
  size_t i;
  for (i = 0; i < k; i++)
    if (!c->rules[d][i].exact)
      return 1;
  return 0;
}

static pf_status lint_rule(struct lint *L, size_t d, size_t k)
{
  const struct pf_nsgc *c = L->c;
  const struct pf_crule *cr = &c->rules[d][k];
  const struct pf_nsg_rule *r = cr->rule;
  struct pf_boxset mx, rest;
  struct pf_partition pt;
  struct verdicts v;
  struct msg m;
  size_t i;
  unsigned af;
  pf_status st;

  if (max_empty(cr))
    return lint_empty(L, cr);
  pf_boxset_init(&mx);
  pf_boxset_init(&rest);
  pf_partition_init(&pt);
  verdicts_init(&v);
  if (!cr->exact) {
    msg_init(&m);
    msgf(&m, "cannot be judged fully: %s; the other checks use only what "
         "is certain about it", cr->why ? cr->why : "address unknown");
    if ((st = add_finding(L, PF_LINT_UNKNOWN, PF_LINT_INFO, r, NULL, NULL,
                          &m)) != PF_OK)
      goto done;
  }
  /* what the rule may match, minus what earlier rules surely take: empty
   * means it can never match (only sure matches shadow) */
  if ((st = rule_set(&mx, cr)) != PF_OK ||
      (st = rule_set(&rest, cr)) != PF_OK)
    goto done;
  for (i = 0; i < k && rest.n && st == PF_OK; i++)
    for (af = 0; af < PF_AF_COUNT && st == PF_OK; af++)
      st = minus_box(&rest, &c->rules[d][i].min[af]);
  if (st != PF_OK)
    goto done;
  if (!rest.n) {
    if ((st = eval_range(c, d, 0, k, &mx, &pt)) == PF_OK &&
        (st = classify(&pt, r->access, &v)) == PF_OK)
      st = lint_shadowed(L, cr, &v);
    goto done;
  }
  if (cr->exact && earlier_uncertain(c, d, k)) {
    /* it matches for sure when the uncertain rules match little; does it
     * still when they match all they might? */
    if ((st = eval_range(c, d, 0, k, &mx, &pt)) != PF_OK ||
        (st = classify(&pt, r->access, &v)) != PF_OK)
      goto done;
    if (!v.leftover && v.unk.n) {
      msg_init(&m);
      msgf(&m, "may never match: every flow it matches may be taken first "
           "by ");
      msg_rules(&m, &v.unk);
      msgf(&m, ", whose match is uncertain (%s)",
           v.why ? v.why : "address unknown");
      if ((st = add_finding(L, PF_LINT_UNKNOWN, PF_LINT_INFO, r, &v.unk,
                            NULL, &m)) != PF_OK)
        goto done;
    }
    pf_partition_release(&pt);
    verdicts_release(&v);
    verdicts_init(&v);
  }
  /* redundant: every flow the rule may decide gets the same verdict from
   * the rules after it (the default rules included, 1.6) */
  if ((st = eval_range(c, d, k + 1, c->n[d] - k - 1, &rest, &pt)) !=
          PF_OK ||
      (st = classify(&pt, r->access, &v)) != PF_OK)
    goto done;
  if (!v.leftover && !v.unk.n && !v.opp.n && v.all.n) {
    msg_init(&m);
    msgf(&m, "removing it alone changes no verdict: every flow it decides "
         "would be %s anyway by ", access_done(r->access));
    msg_rules(&m, &v.all);
    st = add_finding(L, PF_LINT_REDUNDANT, PF_LINT_INFO, r, &v.all, NULL,
                     &m);
  }
done:
  pf_boxset_release(&mx);
  pf_boxset_release(&rest);
  pf_partition_release(&pt);
  verdicts_release(&v);
  return st;
}

/* ---- exposed management ports ------------------------------------------- */

/* Every Internet address of the family is a source of the rule for sure:
 * "*", "Internet", 0.0.0.0/0 or a union that large. */
static int covers_internet(const struct lint *L, const struct pf_crule *cr,
                           unsigned af)
{
  const struct pf_rangeset *net = &L->scope->internet.fam[af];
  return !pf_rangeset_empty(net) &&
         pf_rangeset_contains_set(&cr->min[af].src, net);
}

/* Could the rule's source be the whole Internet?  Only "*", Internet and
 * undocumented values can; a service tag, VirtualNetwork or an ASG never
 * is, resolved or not (1.8, 1.9). */
static int may_open(const struct lint *L, const struct pf_crule *cr)
{
  const struct pf_nsg_rule *r = cr->rule;
  unsigned af;
  size_t i;
  for (af = 0; af < PF_AF_COUNT; af++)
    if (covers_internet(L, cr, af))
      return 1;
  for (i = 0; i < r->n_src; i++) {
    const struct pf_addrspec *a = &r->src[i];
    const char *cn;
    if (a->kind == PF_ADDR_OPAQUE || a->kind == PF_ADDR_PENDING ||
        a->kind == PF_ADDR_ANY)
      return 1;
    if (a->kind != PF_ADDR_TAG || !a->text)
      continue;
    cn = pf_tag_computed_name(a->text, strlen(a->text));
    if (cn && !strcmp(cn, "Internet"))
      return 1;
  }
  return 0;
}

static const struct pf_crule *find_crule(const struct pf_nsgc *c, size_t d,
                                         const struct pf_nsg_rule *r)
{
  size_t i;
  for (i = 0; i < c->n[d]; i++)
    if (c->rules[d][i].rule == r)
      return &c->rules[d][i];
  return NULL;
}

/* Management ports reached through one rule. */
struct expo {
  const struct pf_nsg_rule *r;
  unsigned proto;
  struct pf_rangeset ports;
};

struct expos {
  struct expo *e;
  size_t n, cap;
};

static void expos_release(struct expos *x)
{
  size_t i;
  for (i = 0; i < x->n; i++)
    pf_rangeset_release(&x->e[i].ports);
  pf_free(x->e);
  x->e = NULL;
  x->n = x->cap = 0;
}

static struct expo *expo_find(const struct expos *x,
                              const struct pf_nsg_rule *r)
{
  size_t i;
  for (i = 0; i < x->n; i++)
    if (x->e[i].r == r)
      return &x->e[i];
  return NULL;
}

static pf_status expo_add(struct expos *x, const struct pf_nsg_rule *r,
                          const struct pf_box *b)
{
  struct expo *e = expo_find(x, r);
  struct pf_rangeset u;
  if (!e) {
    if (PF_GROW(x->e, x->cap, x->n + 1))
      return PF_ENOMEM;
    e = &x->e[x->n++];
    e->r = r;
    e->proto = 0;
    pf_rangeset_init(&e->ports);
  }
  e->proto |= b->proto;
  pf_rangeset_init(&u);
  if (pf_rangeset_union(&u, &e->ports, &b->dport) != PF_OK) {
    pf_rangeset_release(&u);
    return PF_ENOMEM;
  }
  pf_rangeset_release(&e->ports);
  e->ports = u;
  return PF_OK;
}

static int only_ssh(const struct pf_rangeset *ports)
{
  return ports->n == 1 && ports->r[0].lo == 22 && ports->r[0].hi == 22;
}

static int has_agent_port(const struct pf_rangeset *ports)
{
  return pf_rangeset_contains(ports, 29876) ||
         pf_rangeset_contains(ports, 29877) ||
         pf_rangeset_contains(ports, 44224);
}

static pf_status report_exposed(struct lint *L, const struct expo *e)
{
  char proto[32], ports[128];
  struct msg m;
  pf_proto_format(e->proto, proto, sizeof(proto));
  pf_portset_format(&e->ports, ports, sizeof(ports));
  msg_init(&m);
  msgf(&m, "allows %s %s from any Internet address (source ", proto,
       ports);
  msg_side(&m, e->r->src, e->r->n_src);
  msgf(&m, "), after every higher-priority rule");
  if (has_agent_port(&e->ports))
    msgf(&m, "; AML needs 29876-29877 only from BatchNodeManagement and "
         "44224 only from AzureMachineLearning (REQUIREMENTS.md NSG-1, "
         "NSG-5)");
  /* SSH may be wanted on purpose (REQUIREMENTS.md NSG-2: a weakness);
   * RDP and the agents' ports open to everyone are errors */
  return add_finding(L, PF_LINT_EXPOSED,
                     only_ssh(&e->ports) ? PF_LINT_WARNING : PF_LINT_ERROR,
                     e->r, NULL, &e->ports, &m);
}

static pf_status report_maybe_exposed(struct lint *L, const struct expo *e,
                                      const struct pf_rangeset *ports,
                                      const struct verdicts *v)
{
  char proto[32], pbuf[128];
  const struct pf_crule *first;
  struct rlist dep;
  struct msg m;
  size_t i;
  pf_status st = PF_OK;

  /* only the uncertain rules at or before this one can stand between
   * the Internet and it */
  memset(&dep, 0, sizeof(dep));
  for (i = 0; i < v->unk.n && st == PF_OK; i++)
    if (v->unk.r[i] == e->r || rule_before(v->unk.r[i], e->r))
      st = rlist_add(&dep, v->unk.r[i]);
  if (st != PF_OK || !dep.n) {
    rlist_release(&dep);
    return st;
  }
  first = find_crule(L->c, PF_DIR_INBOUND, dep.r[0]);
  pf_proto_format(e->proto, proto, sizeof(proto));
  pf_portset_format(ports, pbuf, sizeof(pbuf));
  msg_init(&m);
  msgf(&m, "may allow %s %s from the Internet (source ", proto, pbuf);
  msg_side(&m, e->r->src, e->r->n_src);
  if (dep.n == 1 && dep.r[0] == e->r) {
    msgf(&m, "): its own match is uncertain");
  } else {
    msgf(&m, "): it depends on ");
    msg_rules(&m, &dep);
    msgf(&m, ", whose match is uncertain");
  }
  msgf(&m, " (%s)", first && first->why ? first->why : "address unknown");
  st = add_finding(L, PF_LINT_UNKNOWN, PF_LINT_WARNING, e->r, &dep, ports,
                   &m);
  rlist_release(&dep);
  return st;
}

/*
 * Flows from every Internet address to the management ports, TCP and UDP,
 * through the whole inbound direction: the parts an Allow decides whose
 * rule opens to the whole Internet are exposed for sure.  When uncertain
 * rules decide some parts, the question is asked again with every rule
 * that could open to the Internet matching all it might and every other
 * rule only what it surely matches: what is allowed then may be exposed.
 */
static pf_status lint_exposure(struct lint *L)
{
  const struct pf_nsgc *c = L->c;
  const size_t d = PF_DIR_INBOUND, n = c->n[PF_DIR_INBOUND];
  struct pf_boxset q;
  struct pf_partition pt;
  struct pf_rangeset mp;
  struct expos sure, maybe;
  struct verdicts v;
  struct pf_crule *view = NULL;
  size_t i, j;
  unsigned af;
  pf_status st = PF_OK;

  pf_boxset_init(&q);
  pf_partition_init(&pt);
  pf_rangeset_init(&mp);
  memset(&sure, 0, sizeof(sure));
  memset(&maybe, 0, sizeof(maybe));
  verdicts_init(&v);
  for (i = 0; i < sizeof(mgmt_ports) / sizeof(mgmt_ports[0]); i++)
    if ((st = pf_rangeset_add(&mp, mgmt_ports[i][0], mgmt_ports[i][1])) !=
        PF_OK)
      goto done;
  for (af = 0; af < PF_AF_COUNT; af++) {
    struct pf_box b;
    if (pf_rangeset_empty(&L->scope->internet.fam[af]))
      continue;
    pf_box_init(&b, (enum pf_af)af);
    b.proto = PF_PB_TCP | PF_PB_UDP;
    if ((st = pf_rangeset_copy(&b.src, &L->scope->internet.fam[af])) ==
            PF_OK &&
        (st = pf_rangeset_add(&b.sport, 0, PF_PORT_MAX)) == PF_OK &&
        (st = pf_rangeset_add(&b.dst, 0, pf_af_max((enum pf_af)af))) ==
            PF_OK &&
        (st = pf_rangeset_copy(&b.dport, &mp)) == PF_OK)
      st = pf_boxset_push(&q, &b);
    pf_box_release(&b);
    if (st != PF_OK)
      goto done;
  }
  if (!q.n || !n)
    goto done;
  if ((st = eval_range(c, d, 0, n, &q, &pt)) != PF_OK ||
      (st = classify(&pt, PF_ACCESS_ALLOW, &v)) != PF_OK)
    goto done;
  for (i = 0; i < pt.n && st == PF_OK; i++) {
    const struct pf_part *p = &pt.p[i];
    const struct pf_crule *cr;
    if (p->v != PF_V_ALLOW || !p->n_steps || !p->steps[0].rule)
      continue;
    cr = find_crule(c, d, p->steps[0].rule);
    if (cr && covers_internet(L, cr, p->box.af))
      st = expo_add(&sure, cr->rule, &p->box);
  }
  if (st != PF_OK)
    goto done;
  if (v.unk.n) {
    pf_partition_release(&pt);
    if (!(view = pf_calloc(n, sizeof(*view)))) {
      st = PF_ENOMEM;
      goto done;
    }
    /* shallow copies: the view borrows the compiled boxes */
    for (j = 0; j < n; j++) {
      const struct pf_crule *cr = &c->rules[d][j];
      int wide = cr->rule->access == PF_ACCESS_ALLOW && may_open(L, cr);
      view[j] = *cr;
      /* exact: each view rule matches exactly its min */
      for (af = 0; af < PF_AF_COUNT; af++) {
        if (wide)
          view[j].min[af] = *cmax(cr, af);
        view[j].max[af] = view[j].min[af];
      }
      view[j].exact = 1;
    }
    if ((st = eval_rules(c->nsg, d, view, n, &q, &pt)) != PF_OK)
      goto done;
    for (i = 0; i < pt.n && st == PF_OK; i++) {
      const struct pf_part *p = &pt.p[i];
      const struct pf_crule *cr;
      if (p->v != PF_V_ALLOW || !p->n_steps || !p->steps[0].rule)
        continue;
      cr = find_crule(c, d, p->steps[0].rule);
      if (cr && may_open(L, cr))
        st = expo_add(&maybe, cr->rule, &p->box);
    }
    if (st != PF_OK)
      goto done;
  }
  for (i = 0; i < sure.n && st == PF_OK; i++)
    st = report_exposed(L, &sure.e[i]);
  for (i = 0; i < maybe.n && st == PF_OK; i++) {
    const struct expo *s = expo_find(&sure, maybe.e[i].r);
    struct pf_rangeset left;
    pf_rangeset_init(&left);
    if (s)
      st = pf_rangeset_subtract(&left, &maybe.e[i].ports, &s->ports);
    else
      st = pf_rangeset_copy(&left, &maybe.e[i].ports);
    if (st == PF_OK && !pf_rangeset_empty(&left))
      st = report_maybe_exposed(L, &maybe.e[i], &left, &v);
    pf_rangeset_release(&left);
  }
done:
  pf_free(view);
  pf_boxset_release(&q);
  pf_partition_release(&pt);
  pf_rangeset_release(&mp);
  expos_release(&sure);
  expos_release(&maybe);
  verdicts_release(&v);
  return st;
}

/* ---- scope of an NSG ---------------------------------------------------- */

struct attach {
  const struct pf_vnet *vnet;     /* the first one found */
  const struct pf_vnet *other;    /* another vnet it is attached in */
  const struct pf_res *orphan;    /* attached where no vnet is loaded */
  size_t n;                       /* attachments seen */
};

static const struct pf_vnet *vnet_of(const struct pf_res *subnet)
{
  const struct pf_subnet *s = (const struct pf_subnet *)subnet;
  if (!subnet || subnet->kind != PF_K_SUBNET || !s->vnet.target ||
      s->vnet.target->kind != PF_K_VNET)
    return NULL;
  return (const struct pf_vnet *)s->vnet.target;
}

static void attach_via(struct attach *a, const struct pf_res *via,
                       const struct pf_res *subnet)
{
  const struct pf_vnet *v = vnet_of(subnet);
  a->n++;
  if (!v) {
    if (!a->orphan)
      a->orphan = via;
  } else if (!a->vnet) {
    a->vnet = v;
  } else if (v != a->vnet && !a->other) {
    a->other = v;
  }
}

static void attach_nic(struct attach *a, const struct pf_nic *nic)
{
  size_t i;
  int any = 0;
  for (i = 0; i < nic->n_ipconfigs; i++) {
    const struct pf_res *s = nic->ipconfigs[i].subnet.target;
    if (s && s->kind == PF_K_SUBNET) {
      attach_via(a, &nic->hdr, s);
      any = 1;
    }
  }
  if (!any)
    attach_via(a, &nic->hdr, NULL);
}

/* Where the NSG is attached: subnets and NICs naming it, and the ones its
 * own back references name (ARM records both sides, inputs often one). */
static void find_attach(const struct pf_config *cfg, const struct pf_nsg *nsg,
                        struct attach *a)
{
  const struct pf_res *self = &nsg->hdr;
  size_t i;
  memset(a, 0, sizeof(*a));
  for (i = 0; i < cfg->n_res[PF_K_SUBNET]; i++) {
    const struct pf_subnet *s =
        (const struct pf_subnet *)cfg->res[PF_K_SUBNET][i];
    if (s->nsg.target == self)
      attach_via(a, &s->hdr, &s->hdr);
  }
  for (i = 0; i < nsg->n_subnets; i++) {
    const struct pf_res *t = nsg->subnets[i].target;
    if (t && t->kind == PF_K_SUBNET)
      attach_via(a, t, t);
  }
  for (i = 0; i < cfg->n_res[PF_K_NIC]; i++) {
    const struct pf_nic *nic = (const struct pf_nic *)cfg->res[PF_K_NIC][i];
    if (nic->nsg.target == self)
      attach_nic(a, nic);
  }
  for (i = 0; i < nsg->n_nics; i++) {
    const struct pf_res *t = nsg->nics[i].target;
    if (t && t->kind == PF_K_NIC)
      attach_nic(a, (const struct pf_nic *)t);
  }
}

static pf_status scope_note(const struct attach *a, char **note)
{
  struct msg m;
  *note = NULL;
  msg_init(&m);
  if (!a->vnet && !a->n) {
    msgf(&m, "attached to no loaded subnet or network interface, so "
         "VirtualNetwork and Internet are unknown: rules using them are "
         "judged only on what holds without them");
  } else if (!a->vnet) {
    msgf(&m, "attached to %s %s, whose virtual network is not loaded, so "
         "VirtualNetwork and Internet are unknown: rules using them are "
         "judged only on what holds without them",
         pf_kind_name(a->orphan->kind), a->orphan->name);
  } else if (a->other) {
    msgf(&m, "also attached in virtual network %s; evaluated in the scope "
         "of %s only", a->other->hdr.name, a->vnet->hdr.name);
  } else {
    return PF_OK;
  }
  if (m.st != PF_OK) {
    pf_strbuf_release(&m.sb);
    return m.st;
  }
  *note = pf_strbuf_detach(&m.sb);
  return *note ? PF_OK : PF_ENOMEM;
}

/* ---- driver ------------------------------------------------------------- */

static int cmp_finding(const void *pa, const void *pb)
{
  const struct pf_lint_finding *a = pa, *b = pb;
  if (a->rule->dir != b->rule->dir)
    return (int)a->rule->dir - (int)b->rule->dir;
  if (a->rule != b->rule)
    return rule_before(a->rule, b->rule) ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static pf_status lint_nsg(struct pf_planner *pl, const struct pf_config *cfg,
                          const struct pf_nsg *nsg, struct pf_lint_nsg *out)
{
  struct attach a;
  struct pf_nsgc c;
  struct lint L;
  const struct pf_scope *scope;
  size_t d, k;
  pf_status st;

  memset(out, 0, sizeof(*out));
  out->nsg = nsg;
  find_attach(cfg, nsg, &a);
  out->vnet = a.vnet;
  if ((st = scope_note(&a, &out->note)) != PF_OK)
    return st;
  scope = pf_planner_scope(pl, a.vnet, &st);
  if (!scope)
    return st;
  if ((st = pf_nsgc_compile(&c, nsg, scope)) != PF_OK)
    return st;
  memset(&L, 0, sizeof(L));
  L.scope = scope;
  L.c = &c;
  L.out = out;
  /* default rules cannot be removed or changed (1.6): judged only as
   * the rules that follow the user's */
  for (d = 0; d < 2 && st == PF_OK; d++)
    for (k = 0; k < c.n[d] && st == PF_OK; k++)
      if (!c.rules[d][k].rule->is_default)
        st = lint_rule(&L, d, k);
  if (st == PF_OK)
    st = lint_exposure(&L);
  pf_nsgc_release(&c);
  if (st == PF_OK && out->n > 1)
    qsort(out->f, out->n, sizeof(*out->f), cmp_finding);
  return st;
}

static void release_nsg(struct pf_lint_nsg *ln)
{
  size_t i;
  for (i = 0; i < ln->n; i++) {
    pf_free(ln->f[i].message);
    pf_free(ln->f[i].covered_by);
    pf_free(ln->f[i].ports);
  }
  pf_free(ln->f);
  pf_free(ln->note);
  memset(ln, 0, sizeof(*ln));
}

pf_status pf_lint_config(struct pf_lint_report *out,
                         const struct pf_config *cfg,
                         const struct pf_tagdb *tags)
{
  struct pf_planner *pl = NULL;
  size_t i, j;
  pf_status st;

  memset(out, 0, sizeof(*out));
  if ((st = pf_planner_create(&pl, cfg, tags)) != PF_OK)
    return st;
  for (i = 0; i < cfg->n_res[PF_K_NSG] && st == PF_OK; i++) {
    const struct pf_nsg *nsg = (const struct pf_nsg *)cfg->res[PF_K_NSG][i];
    struct pf_lint_nsg *ln;
    if (PF_GROW(out->nsgs, out->cap, out->n + 1)) {
      st = PF_ENOMEM;
      break;
    }
    ln = &out->nsgs[out->n++];
    st = lint_nsg(pl, cfg, nsg, ln);
    for (j = 0; j < ln->n && st == PF_OK; j++) {
      out->by_sev[ln->f[j].sev]++;
      out->by_kind[ln->f[j].kind]++;
    }
  }
  pf_planner_destroy(pl);
  if (st != PF_OK)
    pf_lint_report_release(out);
  return st;
}

void pf_lint_report_release(struct pf_lint_report *r)
{
  size_t i;
  if (!r)
    return;
  for (i = 0; i < r->n; i++)
    release_nsg(&r->nsgs[i]);
  pf_free(r->nsgs);
  memset(r, 0, sizeof(*r));
}
