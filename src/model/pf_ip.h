/* SPDX-License-Identifier: MIT */
/* pf_ip.h - IPv4/IPv6 addresses, prefixes, and exact range sets
 *
 * Addresses of both families are held in one unsigned 128-bit integer (IPv4
 * in the low 32 bits) with a family tag.  A set of addresses or ports is a
 * pf_rangeset: a sorted array of disjoint, non-adjacent inclusive ranges.
 * That normal form makes equality a memcmp and every set operation a linear
 * merge; it is the building block of the set engine (AZURE-SEMANTICS.md 1.3:
 * "compare by CIDR containment, never by string equality").
 *
 * Parsing is strict (issue 2): host bits set, "/33", "300.1.1.1", leading
 * zeros in an IPv4 octet, ports above 65535 are errors whose message quotes
 * the offending text.
 *
 * Ownership: a pf_rangeset / pf_ipset is embedded by the caller, set up with
 * _init and freed with _release (NULL-safe).  Output sets of the binary
 * operations must be initialised and distinct from the inputs; they are
 * overwritten.  All fallible functions return PF_OK, PF_ENOMEM, or (parsers)
 * PF_EINVAL with \p err filled.
 */
#ifndef PF_IP_H
#define PF_IP_H

#include <stddef.h>
#include <stdint.h>

#include "../core/pf_err.h"

__extension__ typedef unsigned __int128 pf_u128;

enum pf_af { PF_AF_V4 = 0, PF_AF_V6 = 1 };
#define PF_AF_COUNT 2

struct pf_addr {
  pf_u128 v;        /* IPv4 in the low 32 bits */
  enum pf_af af;
};

struct pf_prefix {
  pf_u128 addr;     /* network address (host bits are zero) */
  unsigned len;     /* 0..32 or 0..128 */
  enum pf_af af;
};

/* Longest textual forms, including the NUL. */
#define PF_ADDR_STRLEN 46
#define PF_PREFIX_STRLEN 50

/** \return 32 or 128. */
unsigned pf_af_bits(enum pf_af af);
/** \return the largest address value of \p af. */
pf_u128 pf_af_max(enum pf_af af);

/**
 * Parse an IPv4 dotted quad or an IPv6 address (RFC 4291 2.2 forms,
 * including "::" compression and a trailing dotted quad) from \p s / \p n
 * (not necessarily NUL-terminated).  Zone ids are rejected.
 */
pf_status pf_addr_parse(const char *s, size_t n, struct pf_addr *out,
                        struct pf_err *err);

/**
 * Parse "addr/len".  When \p allow_bare is non-zero a bare address is taken
 * as /32 or /128.  Host bits set is an error naming the network
 * ("'10.0.0.1/24': host bits set (did you mean 10.0.0.0/24?)").
 */
pf_status pf_prefix_parse(const char *s, size_t n, int allow_bare,
                          struct pf_prefix *out, struct pf_err *err);

/** Format; IPv6 in RFC 5952 canonical form. \return chars written. */
size_t pf_addr_format(const struct pf_addr *a, char *buf, size_t cap);
size_t pf_prefix_format(const struct pf_prefix *p, char *buf, size_t cap);

/** First and last address of a prefix. */
pf_u128 pf_prefix_first(const struct pf_prefix *p);
pf_u128 pf_prefix_last(const struct pf_prefix *p);
/** Non-zero when \p p contains address \p a (same family). */
int pf_prefix_contains(const struct pf_prefix *p, const struct pf_addr *a);

/* ---- range sets ------------------------------------------------------ */

struct pf_range {
  pf_u128 lo, hi;   /* inclusive, lo <= hi */
};

struct pf_rangeset {
  struct pf_range *r;   /* owned; sorted, disjoint, non-adjacent */
  size_t n, cap;
};

void pf_rangeset_init(struct pf_rangeset *s);
void pf_rangeset_release(struct pf_rangeset *s);
/** Empty \p s, keeping its memory. */
void pf_rangeset_clear(struct pf_rangeset *s);
/** Add [lo, hi] (lo <= hi), merging so the normal form holds. */
pf_status pf_rangeset_add(struct pf_rangeset *s, pf_u128 lo, pf_u128 hi);
/**
 * Append [lo, hi] without normalising (fast bulk load); call
 * pf_rangeset_normalize before any other operation.
 */
pf_status pf_rangeset_push(struct pf_rangeset *s, pf_u128 lo, pf_u128 hi);
/** Sort and merge after pf_rangeset_push. */
void pf_rangeset_normalize(struct pf_rangeset *s);
pf_status pf_rangeset_copy(struct pf_rangeset *dst,
                           const struct pf_rangeset *src);
/** dst = a | b, a & b, a - b (dst distinct from a and b). */
pf_status pf_rangeset_union(struct pf_rangeset *dst,
                            const struct pf_rangeset *a,
                            const struct pf_rangeset *b);
pf_status pf_rangeset_intersect(struct pf_rangeset *dst,
                                const struct pf_rangeset *a,
                                const struct pf_rangeset *b);
pf_status pf_rangeset_subtract(struct pf_rangeset *dst,
                               const struct pf_rangeset *a,
                               const struct pf_rangeset *b);
/** Complement within [0, max]. */
pf_status pf_rangeset_complement(struct pf_rangeset *dst,
                                 const struct pf_rangeset *a, pf_u128 max);
int pf_rangeset_contains(const struct pf_rangeset *s, pf_u128 v);
/** Non-zero when every element of \p b is in \p a. */
int pf_rangeset_contains_set(const struct pf_rangeset *a,
                             const struct pf_rangeset *b);
int pf_rangeset_overlaps(const struct pf_rangeset *a,
                         const struct pf_rangeset *b);
int pf_rangeset_equal(const struct pf_rangeset *a,
                      const struct pf_rangeset *b);
static inline int pf_rangeset_empty(const struct pf_rangeset *s)
{
  return s->n == 0;
}
/** Number of elements, saturating at the maximum pf_u128. */
pf_u128 pf_rangeset_count(const struct pf_rangeset *s);

/* ---- address sets (both families) ------------------------------------ */

struct pf_ipset {
  struct pf_rangeset fam[PF_AF_COUNT];
};

void pf_ipset_init(struct pf_ipset *s);
void pf_ipset_release(struct pf_ipset *s);
void pf_ipset_clear(struct pf_ipset *s);
pf_status pf_ipset_add_prefix(struct pf_ipset *s, const struct pf_prefix *p);
/** Bulk: push without normalising; call pf_ipset_normalize afterwards. */
pf_status pf_ipset_push_prefix(struct pf_ipset *s, const struct pf_prefix *p);
void pf_ipset_normalize(struct pf_ipset *s);
/** Everything of both families (0.0.0.0/0 and ::/0). */
pf_status pf_ipset_add_all(struct pf_ipset *s);
pf_status pf_ipset_copy(struct pf_ipset *dst, const struct pf_ipset *src);
pf_status pf_ipset_union(struct pf_ipset *dst, const struct pf_ipset *a,
                         const struct pf_ipset *b);
pf_status pf_ipset_intersect(struct pf_ipset *dst, const struct pf_ipset *a,
                             const struct pf_ipset *b);
pf_status pf_ipset_subtract(struct pf_ipset *dst, const struct pf_ipset *a,
                            const struct pf_ipset *b);
int pf_ipset_contains_addr(const struct pf_ipset *s, const struct pf_addr *a);
int pf_ipset_contains_set(const struct pf_ipset *a, const struct pf_ipset *b);
int pf_ipset_overlaps(const struct pf_ipset *a, const struct pf_ipset *b);
int pf_ipset_equal(const struct pf_ipset *a, const struct pf_ipset *b);
int pf_ipset_empty(const struct pf_ipset *s);

/**
 * Write the minimal list of CIDR prefixes covering exactly the range
 * [lo, hi] of family \p af.  \p cb is called once per prefix in ascending
 * order; a non-zero return stops the walk and is returned.
 */
int pf_range_to_prefixes(enum pf_af af, pf_u128 lo, pf_u128 hi,
                         int (*cb)(const struct pf_prefix *p, void *arg),
                         void *arg);

/* ---- port sets -------------------------------------------------------- */

#define PF_PORT_MAX 65535u

/**
 * Parse one ARM port field ("80", "80-90", "*") and add it to \p ports.
 * "a-b" with a > b, anything above 65535, empty text, signs and spaces are
 * errors quoting the text.
 */
pf_status pf_portset_parse_add(struct pf_rangeset *ports, const char *s,
                               size_t n, struct pf_err *err);
/** Format as "80,443,8000-8080" or "*" for the full range. */
size_t pf_portset_format(const struct pf_rangeset *ports, char *buf,
                         size_t cap);

#endif
