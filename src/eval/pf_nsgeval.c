/* SPDX-License-Identifier: MIT */
/* pf_nsgeval.c - exact NSG evaluation over sets of flows and single flows */
#include "pf_nsgeval.h"

#include <stdlib.h>
#include <string.h>

#include "../core/pf_mem.h"

const char *pf_verdict_name(enum pf_verdict v)
{
  switch (v) {
  case PF_V_ALLOW: return "allow";
  case PF_V_DENY: return "deny";
  case PF_V_UNKNOWN: break;
  }
  return "unknown";
}

const char *pf_level_name(enum pf_level l)
{
  return l == PF_LEVEL_NIC ? "nic" : "subnet";
}

/* ---- compilation ------------------------------------------------------- */

enum { BORROW_SRC = 1, BORROW_DST = 2, BORROW_SPORT = 4, BORROW_DPORT = 8 };

/* Resolve one side of a rule into sure / possible address sets. */
static pf_status resolve_side(const struct pf_scope *scope,
                              const struct pf_addrspec *a, size_t n,
                              struct pf_ipset *min, struct pf_ipset *max,
                              int *exact, const char **why)
{
  size_t i;
  pf_status st = PF_OK;
  int all_known = 1;
  for (i = 0; i < n; i++) {
    const char *w = NULL;
    if (!pf_scope_addr(scope, &a[i], min, &w, &st)) {
      if (st != PF_OK)
        return st;
      all_known = 0;
      if (!*why)
        *why = w;
    } else if (st != PF_OK) {
      return st;
    }
  }
  if (all_known)
    return PF_OK;   /* max is min: nothing to keep twice */
  *exact = 0;
  /* an unknown item may stand for any address */
  return pf_ipset_add_all(max);
}

static pf_status fill_box(struct pf_box *b, enum pf_af af, unsigned proto,
                          const struct pf_ipset *src,
                          const struct pf_rangeset *sport,
                          const struct pf_ipset *dst,
                          const struct pf_rangeset *dport)
{
  b->af = af;
  b->proto = proto;
  if (pf_rangeset_copy(&b->src, &src->fam[af]) != PF_OK ||
      pf_rangeset_copy(&b->sport, sport) != PF_OK ||
      pf_rangeset_copy(&b->dst, &dst->fam[af]) != PF_OK ||
      pf_rangeset_copy(&b->dport, dport) != PF_OK)
    return PF_ENOMEM;
  return PF_OK;
}

static pf_status compile_rule(struct pf_crule *cr, const struct pf_nsg_rule *r,
                              const struct pf_scope *scope)
{
  struct pf_ipset smin, smax, dmin, dmax;
  unsigned proto = pf_proto_bits(r->proto);
  pf_status st;
  unsigned af;

  memset(cr, 0, sizeof(*cr));
  cr->rule = r;
  cr->exact = 1;
  for (af = 0; af < PF_AF_COUNT; af++) {
    pf_box_init(&cr->min[af], (enum pf_af)af);
    pf_box_init(&cr->max[af], (enum pf_af)af);
  }
  pf_ipset_init(&smin);
  pf_ipset_init(&smax);
  pf_ipset_init(&dmin);
  pf_ipset_init(&dmax);
  st = resolve_side(scope, r->src, r->n_src, &smin, &smax, &cr->exact,
                    &cr->why);
  if (st == PF_OK)
    st = resolve_side(scope, r->dst, r->n_dst, &dmin, &dmax, &cr->exact,
                      &cr->why);
  for (af = 0; af < PF_AF_COUNT && st == PF_OK; af++) {
    /* exact rules borrow what is stable instead of copying it: the ports
     * (owned by the model) and a side that is one tag or "*" (owned by
     * the tag file or the scope); only the dims of min are borrowed */
    if (cr->exact) {
      const struct pf_ipset *fs = r->n_src == 1
                                      ? pf_scope_fixed(scope, &r->src[0])
                                      : NULL;
      const struct pf_ipset *fd = r->n_dst == 1
                                      ? pf_scope_fixed(scope, &r->dst[0])
                                      : NULL;
      struct pf_box *b = &cr->min[af];
      b->af = (enum pf_af)af;
      b->proto = proto;
      b->sport = r->src_ports;
      b->dport = r->dst_ports;
      cr->borrowed[af] = BORROW_SPORT | BORROW_DPORT;
      if (fs) {
        b->src = fs->fam[af];
        cr->borrowed[af] |= BORROW_SRC;
      } else if ((st = pf_rangeset_copy(&b->src, &smin.fam[af])) != PF_OK) {
        break;
      }
      if (fd) {
        b->dst = fd->fam[af];
        cr->borrowed[af] |= BORROW_DST;
      } else if ((st = pf_rangeset_copy(&b->dst, &dmin.fam[af])) != PF_OK) {
        break;
      }
      continue;
    }
    st = fill_box(&cr->min[af], (enum pf_af)af, proto, &smin, &r->src_ports,
                  &dmin, &r->dst_ports);
    if (st == PF_OK && !cr->exact) {
      /* a known side's max is its min */
      st = fill_box(&cr->max[af], (enum pf_af)af, proto,
                    pf_ipset_empty(&smax) ? &smin : &smax, &r->src_ports,
                    pf_ipset_empty(&dmax) ? &dmin : &dmax, &r->dst_ports);
    }
  }
  /* exact rules share min's sets instead of holding a second copy */
  if (st == PF_OK && cr->exact)
    for (af = 0; af < PF_AF_COUNT; af++)
      cr->max[af] = cr->min[af];
  pf_ipset_release(&smin);
  pf_ipset_release(&smax);
  pf_ipset_release(&dmin);
  pf_ipset_release(&dmax);
  return st;
}

static void release_rule(struct pf_crule *cr)
{
  unsigned af;
  for (af = 0; af < PF_AF_COUNT; af++) {
    struct pf_box *b = &cr->min[af];
    if (!cr->exact)
      pf_box_release(&cr->max[af]);
    if (!(cr->borrowed[af] & BORROW_SRC))
      pf_rangeset_release(&b->src);
    if (!(cr->borrowed[af] & BORROW_DST))
      pf_rangeset_release(&b->dst);
    if (!(cr->borrowed[af] & BORROW_SPORT))
      pf_rangeset_release(&b->sport);
    if (!(cr->borrowed[af] & BORROW_DPORT))
      pf_rangeset_release(&b->dport);
  }
}

/* ---- the single-flow index --------------------------------------------- */

static const struct pf_rangeset *box_dim(const struct pf_box *b, int d)
{
  return d == 0 ? &b->src : d == 1 ? &b->sport : d == 2 ? &b->dst : &b->dport;
}

static int cmp_u128(const void *a, const void *b)
{
  pf_u128 x = *(const pf_u128 *)a, y = *(const pf_u128 *)b;
  return x < y ? -1 : x > y;
}

/* index of the interval holding v: the last lo <= v */
static size_t dim_find(const struct pf_dimidx *di, pf_u128 v)
{
  size_t lo = 0, hi = di->n;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (di->lo[mid] <= v)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

static pf_status build_dim(struct pf_dimidx *di, const struct pf_crule *rules,
                           size_t n, unsigned af, int d, size_t words)
{
  size_t cnt = 1, i, j, k;
  pf_u128 *b;
  for (i = 0; i < n; i++)
    cnt += 2 * box_dim(pf_crule_max(&rules[i], af), d)->n;
  b = pf_calloc(cnt, sizeof(*b));
  if (!b)
    return PF_ENOMEM;
  k = 0;
  b[k++] = 0;
  for (i = 0; i < n; i++) {
    const struct pf_rangeset *rs = box_dim(pf_crule_max(&rules[i], af), d);
    for (j = 0; j < rs->n; j++) {
      b[k++] = rs->r[j].lo;
      if (rs->r[j].hi != (pf_u128)-1)
        b[k++] = rs->r[j].hi + 1;
    }
  }
  qsort(b, k, sizeof(*b), cmp_u128);
  for (i = 1, j = 1; i < k; i++)
    if (b[i] != b[j - 1])
      b[j++] = b[i];
  di->lo = b;
  di->n = j;
  di->bits = pf_calloc(di->n * words, sizeof(uint64_t));
  if (!di->bits)
    return PF_ENOMEM;
  for (i = 0; i < n; i++) {
    const struct pf_rangeset *rs = box_dim(pf_crule_max(&rules[i], af), d);
    for (j = 0; j < rs->n; j++) {
      size_t a = dim_find(di, rs->r[j].lo), z = dim_find(di, rs->r[j].hi);
      for (; a <= z; a++)
        di->bits[a * words + i / 64] |= (uint64_t)1 << (i % 64);
    }
  }
  return PF_OK;
}

static void release_idx(struct pf_flowidx *x)
{
  int d;
  for (d = 0; d < 4; d++) {
    pf_free(x->dim[d].lo);
    pf_free(x->dim[d].bits);
  }
  pf_free(x->proto);
  memset(x, 0, sizeof(*x));
}

static pf_status build_idx(struct pf_flowidx *x, const struct pf_crule *rules,
                           size_t n, unsigned af)
{
  size_t i;
  int d;
  pf_status st = PF_OK;
  memset(x, 0, sizeof(*x));
  x->words = n / 64 + 1;
  x->proto = pf_calloc(6 * x->words, sizeof(uint64_t));
  if (!x->proto)
    return PF_ENOMEM;
  for (i = 0; i < n; i++) {
    unsigned bit;
    for (bit = 0; bit < 6; bit++)
      if (pf_crule_max(&rules[i], af)->proto & (1u << bit))
        x->proto[bit * x->words + i / 64] |= (uint64_t)1 << (i % 64);
  }
  for (d = 0; d < 4 && st == PF_OK; d++)
    st = build_dim(&x->dim[d], rules, n, af, d, x->words);
  return st;
}

/* The first rule whose `max` box holds the flow, or -1. */
static long idx_first(const struct pf_flowidx *x, const struct pf_flow *f)
{
  const uint64_t *b[5];
  unsigned bit = 0;
  size_t w;
  while (bit < 6 && !(f->proto & (1u << bit)))
    bit++;
  if (bit == 6)
    return -1;
  b[0] = x->proto + bit * x->words;
  b[1] = x->dim[0].bits + dim_find(&x->dim[0], f->src) * x->words;
  b[2] = x->dim[1].bits + dim_find(&x->dim[1], f->sport) * x->words;
  b[3] = x->dim[2].bits + dim_find(&x->dim[2], f->dst) * x->words;
  b[4] = x->dim[3].bits + dim_find(&x->dim[3], f->dport) * x->words;
  for (w = 0; w < x->words; w++) {
    uint64_t m = b[0][w] & b[1][w] & b[2][w] & b[3][w] & b[4][w];
    if (m)
      return (long)(w * 64 + (size_t)__builtin_ctzll(m));
  }
  return -1;
}

pf_status pf_nsgc_compile(struct pf_nsgc *c, const struct pf_nsg *nsg,
                          const struct pf_scope *scope)
{
  size_t i, d;
  pf_status st = PF_OK;

  memset(c, 0, sizeof(*c));
  c->nsg = nsg;
  for (d = 0; d < 2; d++) {
    c->rules[d] = pf_calloc(nsg->n_rules ? nsg->n_rules : 1,
                            sizeof(*c->rules[d]));
    if (!c->rules[d]) {
      pf_nsgc_release(c);
      return PF_ENOMEM;
    }
  }
  /* the loader sorted rules: user rules by priority, then the defaults
   * (whose priorities 65000+ are above every user rule, 1.6) */
  for (i = 0; i < nsg->n_rules && st == PF_OK; i++) {
    const struct pf_nsg_rule *r = &nsg->rules[i];
    d = r->dir == PF_DIR_OUTBOUND;
    st = compile_rule(&c->rules[d][c->n[d]], r, scope);
    c->n[d]++;
  }
  if (st != PF_OK)
    pf_nsgc_release(c);
  return st;
}

pf_status pf_nsgc_index(struct pf_nsgc *c)
{
  pf_status st = PF_OK;
  size_t d;
  if (c->indexed)
    return PF_OK;
  for (d = 0; d < 2 && st == PF_OK; d++) {
    unsigned af;
    for (af = 0; af < PF_AF_COUNT && st == PF_OK; af++)
      st = build_idx(&c->idx[d][af], c->rules[d], c->n[d], af);
  }
  c->indexed = st == PF_OK;
  return st;
}

void pf_nsgc_release(struct pf_nsgc *c)
{
  size_t i, d;
  if (!c)
    return;
  for (d = 0; d < 2; d++) {
    unsigned af;
    for (af = 0; af < PF_AF_COUNT; af++)
      release_idx(&c->idx[d][af]);
    for (i = 0; i < c->n[d]; i++)
      release_rule(&c->rules[d][i]);
    pf_free(c->rules[d]);
    c->rules[d] = NULL;
    c->n[d] = 0;
  }
}

/* ---- set evaluation ----------------------------------------------------- */

void pf_partition_init(struct pf_partition *pt)
{
  pt->p = NULL;
  pt->n = pt->cap = 0;
}

void pf_partition_release(struct pf_partition *pt)
{
  size_t i;
  if (!pt)
    return;
  for (i = 0; i < pt->n; i++)
    pf_box_release(&pt->p[i].box);
  pf_free(pt->p);
  pt->p = NULL;
  pt->n = pt->cap = 0;
}

/* Append a part made of \p box (taken) with \p proto's steps plus one. */
static pf_status emit(struct pf_partition *out, struct pf_box *box,
                      const struct pf_part *proto, const struct pf_step *step,
                      enum pf_verdict v)
{
  struct pf_part *p;
  if (PF_GROW(out->p, out->cap, out->n + 1))
    return PF_ENOMEM;
  p = &out->p[out->n++];
  memcpy(p->steps, proto->steps, sizeof(p->steps));
  p->n_steps = proto->n_steps;
  if (step && p->n_steps < PF_MAX_STAGES)
    p->steps[p->n_steps++] = *step;
  p->v = v;
  pf_box_move(&p->box, box);
  return PF_OK;
}

/* One allowed part through one stage. */
static pf_status eval_stage(const struct pf_stage *sg, const struct pf_part *in,
                            struct pf_partition *out)
{
  struct pf_boxset cur, next;
  struct pf_box tmp;
  struct pf_step step;
  const struct pf_nsgc *c = sg->nsgc;
  size_t r, i;
  pf_status st = PF_OK;
  enum pf_af af = in->box.af;

  memset(&step, 0, sizeof(step));
  step.stage = sg;
  pf_box_init(&tmp, af);
  if (!c) {
    /* no NSG at this level allows; an NSG referenced but not supplied is
     * unknown (1.7) */
    step.v = sg->missing_id ? PF_V_UNKNOWN : PF_V_ALLOW;
    step.why = sg->missing_id ? "network security group not supplied" : NULL;
    if ((st = pf_box_copy(&tmp, &in->box)) == PF_OK)
      st = emit(out, &tmp, in, &step, step.v);
    pf_box_release(&tmp);
    return st;
  }
  pf_boxset_init(&cur);
  pf_boxset_init(&next);
  if ((st = pf_box_copy(&tmp, &in->box)) != PF_OK ||
      (st = pf_boxset_push(&cur, &tmp)) != PF_OK)
    goto done;
  {
    size_t d = sg->dir == PF_DIR_OUTBOUND;
    for (r = 0; r < c->n[d] && cur.n; r++) {
      const struct pf_crule *cr = &c->rules[d][r];
      const struct pf_box *bmax = pf_crule_max(cr, af), *bmin = &cr->min[af];
      step.rule = cr->rule;
      for (i = 0; i < cur.n && st == PF_OK; i++) {
        const struct pf_box *b = &cur.b[i];
        if (!pf_box_overlaps(b, bmax)) {
          struct pf_box keep;
          pf_box_init(&keep, af);
          pf_box_move(&keep, &cur.b[i]);
          st = pf_boxset_push(&next, &keep);
          continue;
        }
        /* decided for sure by this rule */
        pf_box_release(&tmp);
        pf_box_init(&tmp, af);
        if ((st = pf_box_intersect(&tmp, b, bmin)) != PF_OK)
          break;
        if (!pf_box_empty(&tmp)) {
          enum pf_verdict v = cr->rule->access == PF_ACCESS_ALLOW
                                  ? PF_V_ALLOW
                                  : PF_V_DENY;
          step.v = v;
          step.why = NULL;
          if ((st = emit(out, &tmp, in, &step, v)) != PF_OK)
            break;
        }
        /* maybe matched: unknown, attributed to this rule */
        if (!cr->exact) {
          struct pf_boxset maybe;
          size_t k;
          pf_box_release(&tmp);
          pf_box_init(&tmp, af);
          pf_boxset_init(&maybe);
          if ((st = pf_box_intersect(&tmp, b, bmax)) == PF_OK &&
              !pf_box_empty(&tmp))
            st = pf_box_subtract(&maybe, &tmp, bmin);
          for (k = 0; k < maybe.n && st == PF_OK; k++) {
            if (pf_box_empty(&maybe.b[k]))
              continue;
            step.v = PF_V_UNKNOWN;
            step.why = cr->why;
            st = emit(out, &maybe.b[k], in, &step, PF_V_UNKNOWN);
          }
          pf_boxset_release(&maybe);
          if (st != PF_OK)
            break;
        }
        /* the rest goes on to later rules */
        {
          struct pf_boxset rest;
          size_t k;
          pf_boxset_init(&rest);
          st = pf_box_subtract(&rest, b, bmax);
          for (k = 0; k < rest.n && st == PF_OK; k++)
            if (!pf_box_empty(&rest.b[k]))
              st = pf_boxset_push(&next, &rest.b[k]);
          pf_boxset_release(&rest);
        }
      }
      if (st != PF_OK)
        goto done;
      pf_boxset_release(&cur);
      cur = next;
      pf_boxset_init(&next);
    }
  }
  /* the default rules cover everything; anything left means the input's
   * default rules were incomplete */
  for (i = 0; i < cur.n && st == PF_OK; i++) {
    if (pf_box_empty(&cur.b[i]))
      continue;
    step.rule = NULL;
    step.v = PF_V_UNKNOWN;
    step.why = "no rule matched (the NSG's default rules are incomplete)";
    st = emit(out, &cur.b[i], in, &step, PF_V_UNKNOWN);
  }
done:
  pf_box_release(&tmp);
  pf_boxset_release(&cur);
  pf_boxset_release(&next);
  return st;
}

pf_status pf_eval_set(const struct pf_stage *stages, size_t n_stages,
                      const struct pf_boxset *query, struct pf_partition *out)
{
  struct pf_partition cur, next;
  size_t s, i;
  pf_status st = PF_OK;

  pf_partition_init(&cur);
  pf_partition_init(&next);
  for (i = 0; i < query->n && st == PF_OK; i++) {
    struct pf_part seed;
    struct pf_box b;
    if (pf_box_empty(&query->b[i]))
      continue;
    memset(&seed, 0, sizeof(seed));
    pf_box_init(&b, query->b[i].af);
    if ((st = pf_box_copy(&b, &query->b[i])) == PF_OK)
      st = emit(&cur, &b, &seed, NULL, PF_V_ALLOW);
    pf_box_release(&b);
  }
  for (s = 0; s < n_stages && st == PF_OK; s++) {
    for (i = 0; i < cur.n && st == PF_OK; i++) {
      struct pf_part *p = &cur.p[i];
      if (p->v != PF_V_ALLOW) {
        struct pf_box b;
        pf_box_init(&b, p->box.af);
        pf_box_move(&b, &p->box);
        st = emit(&next, &b, p, NULL, p->v);
        continue;
      }
      st = eval_stage(&stages[s], p, &next);
    }
    pf_partition_release(&cur);
    cur = next;
    pf_partition_init(&next);
  }
  if (st != PF_OK) {
    pf_partition_release(&cur);
    return st;
  }
  *out = cur;
  return PF_OK;
}

static int same_steps(const struct pf_part *a, const struct pf_part *b)
{
  size_t i;
  if (a->v != b->v || a->n_steps != b->n_steps)
    return 0;
  for (i = 0; i < a->n_steps; i++)
    if (a->steps[i].stage != b->steps[i].stage ||
        a->steps[i].rule != b->steps[i].rule ||
        a->steps[i].v != b->steps[i].v)
      return 0;
  return 1;
}

pf_status pf_partition_merge(struct pf_partition *pt)
{
  size_t i, j, pass;
  for (pass = 0; pass < 2; pass++) {
    for (i = 0; i < pt->n; i++) {
      for (j = i + 1; j < pt->n;) {
        struct pf_part *a = &pt->p[i], *b = &pt->p[j];
        struct pf_rangeset u;
        int can = same_steps(a, b) && a->box.af == b->box.af &&
                  a->box.proto == b->box.proto &&
                  pf_rangeset_equal(&a->box.sport, &b->box.sport) &&
                  pf_rangeset_equal(&a->box.dport, &b->box.dport) &&
                  (pass == 0 ? pf_rangeset_equal(&a->box.dst, &b->box.dst)
                             : pf_rangeset_equal(&a->box.src, &b->box.src));
        if (!can) {
          j++;
          continue;
        }
        pf_rangeset_init(&u);
        if (pf_rangeset_union(&u, pass == 0 ? &a->box.src : &a->box.dst,
                              pass == 0 ? &b->box.src : &b->box.dst) !=
            PF_OK) {
          pf_rangeset_release(&u);
          return PF_ENOMEM;
        }
        if (pass == 0) {
          pf_rangeset_release(&a->box.src);
          a->box.src = u;
        } else {
          pf_rangeset_release(&a->box.dst);
          a->box.dst = u;
        }
        pf_box_release(&b->box);
        pt->p[j] = pt->p[pt->n - 1];
        pt->n--;
      }
    }
  }
  return PF_OK;
}

/* ---- single flows --------------------------------------------------------- */

static int in_box(const struct pf_box *b, const struct pf_flow *f)
{
  return (b->proto & f->proto) && pf_rangeset_contains(&b->dport, f->dport) &&
         pf_rangeset_contains(&b->sport, f->sport) &&
         pf_rangeset_contains(&b->dst, f->dst) &&
         pf_rangeset_contains(&b->src, f->src);
}

const struct pf_step *pf_flow_deciding_step(const struct pf_flow_result *r)
{
  size_t i;
  for (i = 0; i < r->n_steps; i++)
    if (r->steps[i].v != PF_V_ALLOW)
      return &r->steps[i];
  for (i = r->n_steps; i-- > 0;)
    if (r->steps[i].rule)
      return &r->steps[i];
  return NULL;
}

void pf_eval_flow(const struct pf_stage *stages, size_t n_stages,
                  const struct pf_flow *f, struct pf_flow_result *out)
{
  size_t s, r;
  out->v = PF_V_ALLOW;
  out->n_steps = 0;
  for (s = 0; s < n_stages && out->v == PF_V_ALLOW; s++) {
    const struct pf_stage *sg = &stages[s];
    struct pf_step *step = &out->steps[out->n_steps++];
    memset(step, 0, sizeof(*step));
    step->stage = sg;
    if (!sg->nsgc) {
      step->v = sg->missing_id ? PF_V_UNKNOWN : PF_V_ALLOW;
      step->why = sg->missing_id ? "network security group not supplied"
                                 : NULL;
      out->v = step->v;
      continue;
    }
    step->v = PF_V_UNKNOWN;
    step->why = "no rule matched (the NSG's default rules are incomplete)";
    {
      size_t d = sg->dir == PF_DIR_OUTBOUND;
      const struct pf_nsgc *c = sg->nsgc;
      size_t start = 0;
      if (c->indexed) {
        long first = idx_first(&c->idx[d][f->af], f);
        start = first < 0 ? c->n[d] : (size_t)first;
      }
      for (r = start; r < c->n[d]; r++) {
        const struct pf_crule *cr = &c->rules[d][r];
        if (!c->indexed && !in_box(pf_crule_max(cr, f->af), f))
          continue;
        step->rule = cr->rule;
        if (cr->exact || in_box(&cr->min[f->af], f)) {
          step->v = cr->rule->access == PF_ACCESS_ALLOW ? PF_V_ALLOW
                                                        : PF_V_DENY;
          step->why = NULL;
        } else {
          step->v = PF_V_UNKNOWN;
          step->why = cr->why;
        }
        break;
      }
    }
    out->v = step->v;
  }
}
