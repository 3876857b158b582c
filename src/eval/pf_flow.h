/* SPDX-License-Identifier: MIT */
/* pf_flow.h - sets of flows as unions of boxes
 *
 * A box is protocol set x source addresses x source ports x destination
 * addresses x destination ports, for one address family: the header-space
 * representation of DESIGN.md ("unions of disjoint boxes").  Every
 * dimension is a normalised pf_rangeset, so intersection is per dimension
 * and subtraction splits a box into at most five disjoint boxes.  An NSG
 * rule is one box (its singular and plural fields are unions within a
 * dimension), which makes first-match evaluation over a whole set exact.
 *
 * Ownership: boxes own their range sets; pf_boxset owns its boxes.
 */
#ifndef PF_FLOW_H
#define PF_FLOW_H

#include <stddef.h>

#include "../model/pf_ip.h"
#include "../model/pf_model.h"

/* protocol bits; "*" in a rule is all of them (AZURE-SEMANTICS.md 1.2) */
enum pf_pbit {
  PF_PB_TCP = 1 << 0,
  PF_PB_UDP = 1 << 1,
  PF_PB_ICMP = 1 << 2,
  PF_PB_ESP = 1 << 3,
  PF_PB_AH = 1 << 4,
  PF_PB_OTHER = 1 << 5
};
#define PF_PB_ALL 0x3Fu

/** Bits of a rule protocol (ANY -> PF_PB_ALL). */
unsigned pf_proto_bits(enum pf_proto p);
/** Parse "tcp", "udp", "icmp", "esp", "ah", "*"/"any" (case-insensitive);
 * \return the bits or 0. */
unsigned pf_proto_parse(const char *s);
/** "Tcp", "Tcp,Udp", "*" */
size_t pf_proto_format(unsigned bits, char *buf, size_t cap);

struct pf_box {
  enum pf_af af;
  unsigned proto;
  struct pf_rangeset src, sport, dst, dport;
};

void pf_box_init(struct pf_box *b, enum pf_af af);
void pf_box_release(struct pf_box *b);
pf_status pf_box_copy(struct pf_box *dst, const struct pf_box *src);
/** Move \p src into \p dst (dst must be released or fresh). */
void pf_box_move(struct pf_box *dst, struct pf_box *src);
int pf_box_empty(const struct pf_box *b);
/** Non-zero when a and b share a flow. */
int pf_box_overlaps(const struct pf_box *a, const struct pf_box *b);
/** out = a & b; out must be initialised and distinct (it is overwritten). */
pf_status pf_box_intersect(struct pf_box *out, const struct pf_box *a,
                           const struct pf_box *b);

struct pf_boxset {
  struct pf_box *b;
  size_t n, cap;
};

void pf_boxset_init(struct pf_boxset *s);
void pf_boxset_release(struct pf_boxset *s);
/** Append \p b, taking ownership (b is left empty). */
pf_status pf_boxset_push(struct pf_boxset *s, struct pf_box *b);
/** Append the disjoint pieces of a - b (a copy of a when they do not
 * overlap). */
pf_status pf_box_subtract(struct pf_boxset *out, const struct pf_box *a,
                          const struct pf_box *b);

#endif
