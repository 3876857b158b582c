/* SPDX-License-Identifier: MIT */
/* pf_flow.c - sets of flows as unions of boxes */
#include "pf_flow.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_mem.h"

unsigned pf_proto_bits(enum pf_proto p)
{
  switch (p) {
  case PF_PROTO_TCP: return PF_PB_TCP;
  case PF_PROTO_UDP: return PF_PB_UDP;
  case PF_PROTO_ICMP: return PF_PB_ICMP;
  case PF_PROTO_ESP: return PF_PB_ESP;
  case PF_PROTO_AH: return PF_PB_AH;
  case PF_PROTO_ANY: break;
  }
  return PF_PB_ALL;
}

unsigned pf_proto_parse(const char *s)
{
  if (!strcasecmp(s, "tcp")) return PF_PB_TCP;
  if (!strcasecmp(s, "udp")) return PF_PB_UDP;
  if (!strcasecmp(s, "icmp")) return PF_PB_ICMP;
  if (!strcasecmp(s, "esp")) return PF_PB_ESP;
  if (!strcasecmp(s, "ah")) return PF_PB_AH;
  if (!strcmp(s, "*") || !strcasecmp(s, "any")) return PF_PB_ALL;
  return 0;
}

size_t pf_proto_format(unsigned bits, char *buf, size_t cap)
{
  static const char *const names[] = {"Tcp", "Udp", "Icmp", "Esp", "Ah",
                                      "Other"};
  size_t used = 0;
  unsigned i;
  if (!cap)
    return 0;
  buf[0] = '\0';
  if ((bits & PF_PB_ALL) == PF_PB_ALL) {
    snprintf(buf, cap, "*");
    return 1;
  }
  for (i = 0; i < 6; i++) {
    int w;
    if (!(bits & (1u << i)))
      continue;
    w = snprintf(buf + used, cap - used, "%s%s", used ? "," : "", names[i]);
    if (w < 0 || (size_t)w >= cap - used)
      break;
    used += (size_t)w;
  }
  return used;
}

void pf_box_init(struct pf_box *b, enum pf_af af)
{
  b->af = af;
  b->proto = 0;
  pf_rangeset_init(&b->src);
  pf_rangeset_init(&b->sport);
  pf_rangeset_init(&b->dst);
  pf_rangeset_init(&b->dport);
}

void pf_box_release(struct pf_box *b)
{
  if (!b)
    return;
  pf_rangeset_release(&b->src);
  pf_rangeset_release(&b->sport);
  pf_rangeset_release(&b->dst);
  pf_rangeset_release(&b->dport);
}

pf_status pf_box_copy(struct pf_box *dst, const struct pf_box *src)
{
  dst->af = src->af;
  dst->proto = src->proto;
  if (pf_rangeset_copy(&dst->src, &src->src) != PF_OK ||
      pf_rangeset_copy(&dst->sport, &src->sport) != PF_OK ||
      pf_rangeset_copy(&dst->dst, &src->dst) != PF_OK ||
      pf_rangeset_copy(&dst->dport, &src->dport) != PF_OK)
    return PF_ENOMEM;
  return PF_OK;
}

void pf_box_move(struct pf_box *dst, struct pf_box *src)
{
  *dst = *src;
  pf_box_init(src, src->af);
}

int pf_box_empty(const struct pf_box *b)
{
  return !b->proto || pf_rangeset_empty(&b->src) ||
         pf_rangeset_empty(&b->sport) || pf_rangeset_empty(&b->dst) ||
         pf_rangeset_empty(&b->dport);
}

int pf_box_overlaps(const struct pf_box *a, const struct pf_box *b)
{
  /* cheapest dimensions first: protocol, ports, then addresses */
  return a->af == b->af && (a->proto & b->proto) &&
         pf_rangeset_overlaps(&a->dport, &b->dport) &&
         pf_rangeset_overlaps(&a->sport, &b->sport) &&
         pf_rangeset_overlaps(&a->dst, &b->dst) &&
         pf_rangeset_overlaps(&a->src, &b->src);
}

pf_status pf_box_intersect(struct pf_box *out, const struct pf_box *a,
                           const struct pf_box *b)
{
  out->af = a->af;
  out->proto = a->proto & b->proto;
  if (a->af != b->af) {
    out->proto = 0;
    pf_rangeset_clear(&out->src);
    return PF_OK;
  }
  if (pf_rangeset_intersect(&out->src, &a->src, &b->src) != PF_OK ||
      pf_rangeset_intersect(&out->sport, &a->sport, &b->sport) != PF_OK ||
      pf_rangeset_intersect(&out->dst, &a->dst, &b->dst) != PF_OK ||
      pf_rangeset_intersect(&out->dport, &a->dport, &b->dport) != PF_OK)
    return PF_ENOMEM;
  return PF_OK;
}

void pf_boxset_init(struct pf_boxset *s)
{
  s->b = NULL;
  s->n = s->cap = 0;
}

void pf_boxset_release(struct pf_boxset *s)
{
  size_t i;
  if (!s)
    return;
  for (i = 0; i < s->n; i++)
    pf_box_release(&s->b[i]);
  pf_free(s->b);
  s->b = NULL;
  s->n = s->cap = 0;
}

pf_status pf_boxset_push(struct pf_boxset *s, struct pf_box *b)
{
  if (PF_GROW(s->b, s->cap, s->n + 1))
    return PF_ENOMEM;
  pf_box_move(&s->b[s->n++], b);
  return PF_OK;
}

/*
 * a - b as disjoint boxes: for each dimension d in turn, the part of a that
 * agrees with b on every earlier dimension and lies outside b on d.
 */
pf_status pf_box_subtract(struct pf_boxset *out, const struct pf_box *a,
                          const struct pf_box *b)
{
  struct pf_box cur, piece;
  struct pf_rangeset *cd[4];
  const struct pf_rangeset *bd[4];
  pf_status st = PF_OK;
  int d;

  pf_box_init(&cur, a->af);
  pf_box_init(&piece, a->af);
  if (!pf_box_overlaps(a, b)) {
    if ((st = pf_box_copy(&cur, a)) == PF_OK)
      st = pf_boxset_push(out, &cur);
    goto done;
  }
  if ((st = pf_box_copy(&cur, a)) != PF_OK)
    goto done;
  /* protocol */
  if (cur.proto & ~b->proto) {
    if ((st = pf_box_copy(&piece, &cur)) != PF_OK)
      goto done;
    piece.proto = cur.proto & ~b->proto;
    if ((st = pf_boxset_push(out, &piece)) != PF_OK)
      goto done;
  }
  cur.proto &= b->proto;
  cd[0] = &cur.dport;
  cd[1] = &cur.sport;
  cd[2] = &cur.dst;
  cd[3] = &cur.src;
  bd[0] = &b->dport;
  bd[1] = &b->sport;
  bd[2] = &b->dst;
  bd[3] = &b->src;
  for (d = 0; d < 4; d++) {
    struct pf_rangeset outside, inside;
    pf_rangeset_init(&outside);
    pf_rangeset_init(&inside);
    if (pf_rangeset_subtract(&outside, cd[d], bd[d]) != PF_OK ||
        pf_rangeset_intersect(&inside, cd[d], bd[d]) != PF_OK) {
      pf_rangeset_release(&outside);
      pf_rangeset_release(&inside);
      st = PF_ENOMEM;
      goto done;
    }
    if (!pf_rangeset_empty(&outside)) {
      pf_box_release(&piece);
      pf_box_init(&piece, a->af);
      if ((st = pf_box_copy(&piece, &cur)) != PF_OK) {
        pf_rangeset_release(&outside);
        pf_rangeset_release(&inside);
        goto done;
      }
      {
        struct pf_rangeset *pd = d == 0   ? &piece.dport
                                 : d == 1 ? &piece.sport
                                 : d == 2 ? &piece.dst
                                          : &piece.src;
        pf_rangeset_release(pd);
        *pd = outside;
        pf_rangeset_init(&outside);
      }
      if ((st = pf_boxset_push(out, &piece)) != PF_OK) {
        pf_rangeset_release(&inside);
        goto done;
      }
    }
    pf_rangeset_release(&outside);
    pf_rangeset_release(cd[d]);
    *cd[d] = inside;
  }
done:
  pf_box_release(&cur);
  pf_box_release(&piece);
  return st;
}
