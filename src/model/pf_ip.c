/* SPDX-License-Identifier: MIT */
/* pf_ip.c - IPv4/IPv6 parsing and formatting, prefixes, exact range sets
 *
 * specification: RFC 4291 2.2-2.3 (IPv6 text forms and prefixes),
 * RFC 5952 (canonical IPv6 text), RFC 4632 3.1 (CIDR prefixes).
 *
 * Every range set is kept in normal form (sorted, disjoint, non-adjacent,
 * lo <= hi), so the binary operations are single linear merges and the
 * membership tests are binary searches.  Ranges may end at the largest
 * pf_u128, so "hi + 1" is never computed without first proving hi is not
 * the maximum.
 */
#include "model/pf_ip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pf_mem.h"

#define U128_MAX (~(pf_u128)0)
#define V4_MAX ((pf_u128)0xffffffffu)

/* At most this many input bytes are quoted in an error message. */
#define QUOTE_MAX 100
/* Room for QUOTE_MAX bytes each escaped as "\xNN", the "..." and the NUL. */
#define QUOTE_BUF (QUOTE_MAX * 4 + 4)
/* Room for the reason part of a parse error. */
#define WHY_MAX 160

/* ---- small helpers ---------------------------------------------------- */

/* Quote untrusted text for a message: printable ASCII as is, anything else
 * (control bytes, UTF-8, backslash) as \xNN so the terminal sees no raw
 * escape sequences; long inputs are cut to QUOTE_MAX chars with "...". */
static const char *quote_text(char *dst, const char *s, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  size_t i, k = 0, lim = n > QUOTE_MAX ? QUOTE_MAX - 3 : n;

  for (i = 0; i < lim; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      dst[k++] = (char)c;
    } else {
      dst[k++] = '\\';
      dst[k++] = 'x';
      dst[k++] = hex[c >> 4];
      dst[k++] = hex[c & 15];
    }
  }
  if (lim < n) {
    memcpy(dst + k, "...", 3);
    k += 3;
  }
  dst[k] = '\0';
  return dst;
}

/* Record a reason; \return -1 so parsers can `return fail(...)`. */
static int fail(char *why, const char *text)
{
  snprintf(why, WHY_MAX, "%s", text);
  return -1;
}

static int fail_char(char *why, unsigned char c)
{
  char q[QUOTE_BUF];
  char ch = (char)c;
  snprintf(why, WHY_MAX, "unexpected character '%s'",
           quote_text(q, &ch, 1));
  return -1;
}

static pf_status parse_error(struct pf_err *err, const char *what,
                             const char *s, size_t n, const char *why)
{
  char q[QUOTE_BUF];
  return pf_err_set(err, PF_EINVAL, "invalid %s '%s': %s", what,
                    quote_text(q, s, n), why);
}

static int is_digit(unsigned char c)
{
  return c >= '0' && c <= '9';
}

static int hex_val(unsigned char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Mask of the low \p h bits (h <= 128); a shift by 128 would be UB. */
static pf_u128 low_mask(unsigned h)
{
  return h >= 128 ? U128_MAX : ((pf_u128)1 << h) - 1;
}

static unsigned ctz128(pf_u128 v)
{
  uint64_t lo = (uint64_t)v;
  if (lo)
    return (unsigned)__builtin_ctzll(lo);
  return 64 + (unsigned)__builtin_ctzll((uint64_t)(v >> 64));
}

/* floor(log2(v)) for v != 0. */
static unsigned log2_128(pf_u128 v)
{
  uint64_t hi = (uint64_t)(v >> 64);
  if (hi)
    return 127 - (unsigned)__builtin_clzll(hi);
  return 63 - (unsigned)__builtin_clzll((uint64_t)v);
}

/* Copy a formatted string out with snprintf semantics: write what fits,
 * always NUL-terminate when cap > 0, \return the full length. */
static size_t copy_out(char *buf, size_t cap, const char *src, size_t len)
{
  if (buf && cap) {
    size_t k = len < cap ? len : cap - 1;
    memcpy(buf, src, k);
    buf[k] = '\0';
  }
  return len;
}

unsigned pf_af_bits(enum pf_af af)
{
  return af == PF_AF_V4 ? 32u : 128u;
}

pf_u128 pf_af_max(enum pf_af af)
{
  return af == PF_AF_V4 ? V4_MAX : U128_MAX;
}

/* ---- parsing ------------------------------------------------------------ */

/* Strict dotted quad: exactly four decimal octets 0-255 without leading
 * zeros.  "010" is rejected rather than read as decimal or octal because
 * inet_aton reads it as 8 and ARM as 10; an ambiguous value must not pass
 * silently. */
static int parse_v4(const char *s, size_t n, uint32_t *out, char *why)
{
  const unsigned char *u = (const unsigned char *)s;
  uint32_t v = 0;
  unsigned octets = 0;
  size_t i = 0;

  for (;;) {
    size_t start = i;
    unsigned val = 0;
    while (i < n && is_digit(u[i])) {
      if (val <= 255) /* cap so long digit runs cannot overflow */
        val = val * 10 + (unsigned)(u[i] - '0');
      i++;
    }
    if (i == start) {
      if (i < n && u[i] != '.')
        return fail_char(why, u[i]);
      return fail(why, "empty octet");
    }
    if (u[start] == '0' && i - start > 1)
      return fail(why, "leading zero in octet");
    if (val > 255)
      return fail(why, "octet above 255");
    v = v << 8 | val;
    octets++;
    if (i == n)
      break;
    if (u[i] != '.')
      return fail_char(why, u[i]);
    if (octets == 4)
      return fail(why, "more than 4 octets");
    i++;
  }
  if (octets != 4)
    return fail(why, "fewer than 4 octets");
  *out = v;
  return 0;
}

/* RFC 4291 2.2: x:x:x:x:x:x:x:x with 1-4 hex digits per group, one "::"
 * standing for one or more zero groups, and optionally the last 32 bits as
 * a dotted quad.  Zone ids (RFC 4007 11) name an interface, not an address
 * an NSG can hold, so they are refused. */
static int parse_v6(const char *s, size_t n, pf_u128 *out, char *why)
{
  const unsigned char *u = (const unsigned char *)s;
  unsigned g[8];
  size_t ng = 0, i = 0, k;
  long dc = -1; /* group index the "::" stands before; -1: none */
  pf_u128 v = 0;

  if (memchr(s, '%', n))
    return fail(why, "zone ids are not supported");
  if (n >= 2 && u[0] == ':' && u[1] == ':') {
    dc = 0;
    i = 2;
  } else if (u[0] == ':') {
    return fail(why, "leading single ':'");
  }
  while (i < n) {
    size_t j = i;
    unsigned val = 0;
    while (j < n && hex_val(u[j]) >= 0) {
      if (j - i < 4)
        val = val << 4 | (unsigned)hex_val(u[j]);
      j++;
    }
    if (j < n && u[j] == '.') {
      /* Trailing dotted quad: it must run to the end of the text. */
      char why4[WHY_MAX];
      uint32_t v4;
      for (k = i; k < n && u[k] != ':'; k++)
        ;
      if (k < n)
        return fail(why, "embedded IPv4 address must be last");
      if (ng > 6)
        return fail(why, "too many groups");
      if (parse_v4(s + i, n - i, &v4, why4)) {
        snprintf(why, WHY_MAX, "embedded IPv4 address: %.100s", why4);
        return -1;
      }
      g[ng++] = v4 >> 16;
      g[ng++] = v4 & 0xffff;
      break;
    }
    if (j == i) {
      if (u[i] == ':')
        return fail(why, "more than two consecutive ':'");
      return fail_char(why, u[i]);
    }
    if (j - i > 4)
      return fail(why, "group longer than 4 hex digits");
    if (ng == 8)
      return fail(why, "too many groups");
    g[ng++] = val;
    i = j;
    if (i == n)
      break;
    if (u[i] != ':')
      return fail_char(why, u[i]);
    i++;
    if (i < n && u[i] == ':') {
      if (dc >= 0)
        return fail(why, "more than one '::'");
      dc = (long)ng;
      i++;
    } else if (i == n) {
      return fail(why, "trailing single ':'");
    }
  }
  if (dc < 0 && ng != 8)
    return fail(why, "fewer than 8 groups");
  /* "::" must stand for at least one group (RFC 4291 2.2 item 2). */
  if (dc >= 0 && ng > 7)
    return fail(why, "too many groups");
  for (k = 0; k <= ng; k++) {
    if ((long)k == dc) {
      size_t f;
      for (f = ng; f < 8; f++)
        v <<= 16;
    }
    if (k < ng)
      v = v << 16 | g[k];
  }
  *out = v;
  return 0;
}

/* Dispatch on the text: a ':' means IPv6 (a dotted quad never has one). */
static int parse_addr(const char *s, size_t n, struct pf_addr *out,
                      char *why)
{
  if (n == 0)
    return fail(why, "empty");
  if (memchr(s, ':', n)) {
    pf_u128 v;
    if (parse_v6(s, n, &v, why))
      return -1;
    out->v = v;
    out->af = PF_AF_V6;
    return 0;
  }
  if (!memchr(s, '.', n))
    return fail(why, "not an IPv4 or IPv6 address");
  {
    uint32_t v4;
    if (parse_v4(s, n, &v4, why))
      return -1;
    out->v = v4;
    out->af = PF_AF_V4;
  }
  return 0;
}

pf_status pf_addr_parse(const char *s, size_t n, struct pf_addr *out,
                        struct pf_err *err)
{
  char why[WHY_MAX];
  struct pf_addr a;

  if (parse_addr(s, n, &a, why)) {
    memset(out, 0, sizeof(*out));
    return parse_error(err, "IP address", s, n, why);
  }
  *out = a;
  return PF_OK;
}

pf_status pf_prefix_parse(const char *s, size_t n, int allow_bare,
                          struct pf_prefix *out, struct pf_err *err)
{
  char why[WHY_MAX];
  const char *slash;
  struct pf_addr a;
  size_t alen;
  unsigned bits, len;
  pf_u128 host;

  memset(out, 0, sizeof(*out));
  if (n == 0)
    return parse_error(err, "IP prefix", s, n, "empty");
  slash = memchr(s, '/', n);
  alen = slash ? (size_t)(slash - s) : n;
  if (alen == 0)
    return parse_error(err, "IP prefix", s, n, "missing address");
  if (parse_addr(s, alen, &a, why))
    return parse_error(err, "IP prefix", s, n, why);
  bits = pf_af_bits(a.af);
  if (!slash) {
    if (!allow_bare)
      return parse_error(err, "IP prefix", s, n, "missing prefix length");
    len = bits;
  } else {
    const unsigned char *u = (const unsigned char *)slash + 1;
    size_t ln = n - alen - 1, i;

    if (ln == 0)
      return parse_error(err, "IP prefix", s, n, "missing prefix length");
    len = 0;
    for (i = 0; i < ln; i++) {
      if (!is_digit(u[i])) {
        fail_char(why, u[i]);
        return parse_error(err, "IP prefix", s, n, why);
      }
      if (len <= bits) /* cap so long digit runs cannot overflow */
        len = len * 10 + (unsigned)(u[i] - '0');
    }
    if (u[0] == '0' && ln > 1)
      return parse_error(err, "IP prefix", s, n,
                         "leading zero in prefix length");
    if (len > bits) {
      snprintf(why, sizeof(why), "prefix length above %u", bits);
      return parse_error(err, "IP prefix", s, n, why);
    }
  }
  /* ARM rejects host bits (SecurityRuleInvalidAddressPrefix); naming the
   * network the user probably meant makes the fix obvious. */
  host = low_mask(bits - len);
  if (a.v & host) {
    char net[PF_PREFIX_STRLEN];
    struct pf_prefix p;
    p.addr = a.v & ~host;
    p.len = len;
    p.af = a.af;
    pf_prefix_format(&p, net, sizeof(net));
    snprintf(why, sizeof(why), "host bits set (did you mean %s?)", net);
    return parse_error(err, "IP prefix", s, n, why);
  }
  out->addr = a.v;
  out->len = len;
  out->af = a.af;
  return PF_OK;
}

/* ---- formatting --------------------------------------------------------- */

static char *put_dec(char *p, unsigned v)
{
  char tmp[10];
  size_t k = 0;
  do {
    tmp[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (k)
    *p++ = tmp[--k];
  return p;
}

static char *put_v4(char *p, uint32_t v)
{
  p = put_dec(p, v >> 24);
  *p++ = '.';
  p = put_dec(p, v >> 16 & 0xff);
  *p++ = '.';
  p = put_dec(p, v >> 8 & 0xff);
  *p++ = '.';
  return put_dec(p, v & 0xff);
}

/* Lowercase hex without leading zeros (RFC 5952 4.1, 4.3). */
static char *put_hex16(char *p, unsigned v)
{
  static const char hex[] = "0123456789abcdef";
  int shift = 12;
  while (shift > 0 && !(v >> shift & 0xf))
    shift -= 4;
  for (; shift >= 0; shift -= 4)
    *p++ = hex[v >> shift & 0xf];
  return p;
}

/* RFC 5952 canonical text; the caller's buffer holds PF_ADDR_STRLEN. */
static char *put_v6(char *p, pf_u128 v)
{
  unsigned g[8];
  int k, best = -1, best_len = 0, cur = -1, cur_len = 0;

  for (k = 0; k < 8; k++)
    g[k] = (unsigned)(v >> (16 * (7 - k))) & 0xffff;
  /* RFC 5952 5: IPv4-mapped addresses keep the dotted quad. */
  if (!g[0] && !g[1] && !g[2] && !g[3] && !g[4] && g[5] == 0xffff) {
    memcpy(p, "::ffff:", 7);
    return put_v4(p + 7, (uint32_t)(v & V4_MAX));
  }
  /* RFC 5952 4.2: compress the longest run of two or more zero groups,
   * the first one on ties (strict > keeps the earlier run). */
  for (k = 0; k < 8; k++) {
    if (g[k] == 0) {
      if (cur < 0) {
        cur = k;
        cur_len = 0;
      }
      cur_len++;
      if (cur_len > best_len) {
        best = cur;
        best_len = cur_len;
      }
    } else {
      cur = -1;
    }
  }
  if (best_len < 2)
    best = -1;
  for (k = 0; k < 8; k++) {
    if (k == best) {
      *p++ = ':';
      *p++ = ':';
      k += best_len - 1;
      continue;
    }
    if (k > 0 && k != best + best_len)
      *p++ = ':';
    p = put_hex16(p, g[k]);
  }
  return p;
}

static size_t fmt_addr(char *dst, pf_u128 v, enum pf_af af)
{
  char *end = af == PF_AF_V4 ? put_v4(dst, (uint32_t)(v & V4_MAX))
                             : put_v6(dst, v);
  *end = '\0';
  return (size_t)(end - dst);
}

size_t pf_addr_format(const struct pf_addr *a, char *buf, size_t cap)
{
  char tmp[PF_ADDR_STRLEN];
  size_t len = fmt_addr(tmp, a->v, a->af);
  return copy_out(buf, cap, tmp, len);
}

size_t pf_prefix_format(const struct pf_prefix *p, char *buf, size_t cap)
{
  char tmp[PF_PREFIX_STRLEN];
  size_t len = fmt_addr(tmp, p->addr, p->af);
  char *end;
  tmp[len++] = '/';
  end = put_dec(tmp + len, p->len > 128 ? 128 : p->len);
  *end = '\0';
  return copy_out(buf, cap, tmp, (size_t)(end - tmp));
}

/* ---- prefixes ----------------------------------------------------------- */

static pf_u128 prefix_host_mask(const struct pf_prefix *p)
{
  unsigned bits = pf_af_bits(p->af);
  return low_mask(bits - (p->len > bits ? bits : p->len));
}

pf_u128 pf_prefix_first(const struct pf_prefix *p)
{
  return p->addr & ~prefix_host_mask(p);
}

pf_u128 pf_prefix_last(const struct pf_prefix *p)
{
  return (p->addr | prefix_host_mask(p)) & pf_af_max(p->af);
}

int pf_prefix_contains(const struct pf_prefix *p, const struct pf_addr *a)
{
  return p->af == a->af && a->v <= pf_af_max(a->af) &&
         (a->v & ~prefix_host_mask(p)) == pf_prefix_first(p);
}

/* ---- range sets -------------------------------------------------------- */

/* A range starting at \p lo (>= the previous range's lo) overlaps or
 * touches a range ending at \p hi.  When lo > hi, lo >= 1, so lo - 1
 * cannot wrap; hi + 1 would when hi is the maximum. */
static int joins(pf_u128 hi, pf_u128 lo)
{
  return lo <= hi || lo - 1 == hi;
}

static int rs_reserve(struct pf_rangeset *s, size_t need)
{
  return PF_GROW(s->r, s->cap, need);
}

/* Reserve room for a result of at most a + b ranges and empty \p dst.  On
 * failure \p dst is left empty rather than half built. */
static pf_status rs_prepare(struct pf_rangeset *dst, size_t a, size_t b)
{
  dst->n = 0;
  if (a > SIZE_MAX - b || rs_reserve(dst, a + b))
    return PF_ENOMEM;
  return PF_OK;
}

/* Append to a result whose room is reserved; ranges arrive by lo. */
static void rs_emit(struct pf_rangeset *d, pf_u128 lo, pf_u128 hi)
{
  if (d->n && joins(d->r[d->n - 1].hi, lo)) {
    if (hi > d->r[d->n - 1].hi)
      d->r[d->n - 1].hi = hi;
    return;
  }
  d->r[d->n].lo = lo;
  d->r[d->n].hi = hi;
  d->n++;
}

/* First index k in [i, n) with r[k].hi >= v, or n.  The his are sorted
 * because the ranges are disjoint and sorted. */
static size_t lower_hi(const struct pf_range *r, size_t i, size_t n,
                       pf_u128 v)
{
  while (i < n) {
    size_t m = i + (n - i) / 2;
    if (r[m].hi < v)
      i = m + 1;
    else
      n = m;
  }
  return i;
}

/* lower_hi from a cursor, probing 1, 2, 4, ... ahead first: a walk of m
 * ranges against n costs O(m log(n / m)), so a small set against a huge
 * one is logarithmic and two similar sets stay linear. */
static size_t gallop_hi(const struct pf_range *r, size_t i, size_t n,
                        pf_u128 v)
{
  size_t lo = i, hi, step = 1;

  if (i >= n || r[i].hi >= v)
    return i;
  for (;;) { /* r[lo].hi < v */
    hi = lo + step;
    if (hi >= n) {
      hi = n;
      break;
    }
    if (r[hi].hi >= v)
      break;
    lo = hi;
    step *= 2;
  }
  return lower_hi(r, lo + 1, hi, v);
}

void pf_rangeset_init(struct pf_rangeset *s)
{
  s->r = NULL;
  s->n = 0;
  s->cap = 0;
}

void pf_rangeset_release(struct pf_rangeset *s)
{
  if (!s)
    return;
  pf_free(s->r);
  pf_rangeset_init(s);
}

void pf_rangeset_clear(struct pf_rangeset *s)
{
  s->n = 0;
}

pf_status pf_rangeset_add(struct pf_rangeset *s, pf_u128 lo, pf_u128 hi)
{
  size_t i, j;

  if (lo > hi) /* an empty interval: nothing to add */
    return PF_OK;
  /* First range that overlaps or touches [lo, hi] from below.  Appending
   * in order is the common case, so try the end first. */
  if (s->n == 0 || (lo && s->r[s->n - 1].hi < lo - 1))
    i = s->n;
  else
    i = lower_hi(s->r, 0, s->n, lo ? lo - 1 : 0);
  for (j = i; j < s->n && joins(hi, s->r[j].lo); j++)
    ;
  if (j > i) {
    /* Ranges i .. j-1 collapse into one. */
    if (s->r[i].lo < lo)
      lo = s->r[i].lo;
    if (s->r[j - 1].hi > hi)
      hi = s->r[j - 1].hi;
    s->r[i].lo = lo;
    s->r[i].hi = hi;
    memmove(s->r + i + 1, s->r + j, (s->n - j) * sizeof(*s->r));
    s->n -= j - i - 1;
    return PF_OK;
  }
  if (s->n == SIZE_MAX || rs_reserve(s, s->n + 1))
    return PF_ENOMEM;
  memmove(s->r + i + 1, s->r + i, (s->n - i) * sizeof(*s->r));
  s->r[i].lo = lo;
  s->r[i].hi = hi;
  s->n++;
  return PF_OK;
}

pf_status pf_rangeset_push(struct pf_rangeset *s, pf_u128 lo, pf_u128 hi)
{
  if (lo > hi) /* an empty interval: nothing to add */
    return PF_OK;
  if (s->n == SIZE_MAX || rs_reserve(s, s->n + 1))
    return PF_ENOMEM;
  s->r[s->n].lo = lo;
  s->r[s->n].hi = hi;
  s->n++;
  return PF_OK;
}

static int range_cmp(const void *x, const void *y)
{
  const struct pf_range *a = x;
  const struct pf_range *b = y;
  if (a->lo != b->lo)
    return a->lo < b->lo ? -1 : 1;
  return 0;
}

void pf_rangeset_normalize(struct pf_rangeset *s)
{
  size_t i, k = 0;

  if (s->n < 2)
    return;
  /* Bulk loads often arrive sorted; skip the sort then. */
  for (i = 1; i < s->n && s->r[i - 1].lo <= s->r[i].lo; i++)
    ;
  if (i < s->n)
    qsort(s->r, s->n, sizeof(*s->r), range_cmp);
  for (i = 1; i < s->n; i++) {
    if (joins(s->r[k].hi, s->r[i].lo)) {
      if (s->r[i].hi > s->r[k].hi)
        s->r[k].hi = s->r[i].hi;
    } else {
      s->r[++k] = s->r[i];
    }
  }
  s->n = k + 1;
}

pf_status pf_rangeset_copy(struct pf_rangeset *dst,
                           const struct pf_rangeset *src)
{
  if (dst == src)
    return PF_OK;
  if (rs_prepare(dst, src->n, 0))
    return PF_ENOMEM;
  if (src->n)
    memcpy(dst->r, src->r, src->n * sizeof(*src->r));
  dst->n = src->n;
  return PF_OK;
}

pf_status pf_rangeset_union(struct pf_rangeset *dst,
                            const struct pf_rangeset *a,
                            const struct pf_rangeset *b)
{
  size_t i = 0, j = 0;

  if (rs_prepare(dst, a->n, b->n))
    return PF_ENOMEM;
  while (i < a->n || j < b->n) {
    const struct pf_range *r;
    if (j == b->n || (i < a->n && a->r[i].lo <= b->r[j].lo))
      r = &a->r[i++];
    else
      r = &b->r[j++];
    rs_emit(dst, r->lo, r->hi);
  }
  return PF_OK;
}

/* Pieces of two normal-form sets are already normal: x and x + 1 both in
 * a and in b lie in one range of each, hence in one piece. */
pf_status pf_rangeset_intersect(struct pf_rangeset *dst,
                                const struct pf_rangeset *a,
                                const struct pf_rangeset *b)
{
  size_t i = 0, j = 0;

  if (rs_prepare(dst, a->n, b->n))
    return PF_ENOMEM;
  while (i < a->n && j < b->n) {
    pf_u128 lo = a->r[i].lo > b->r[j].lo ? a->r[i].lo : b->r[j].lo;
    pf_u128 hi = a->r[i].hi < b->r[j].hi ? a->r[i].hi : b->r[j].hi;
    if (lo <= hi) {
      dst->r[dst->n].lo = lo;
      dst->r[dst->n].hi = hi;
      dst->n++;
    }
    if (a->r[i].hi < b->r[j].hi)
      i++;
    else
      j++;
  }
  return PF_OK;
}

pf_status pf_rangeset_subtract(struct pf_rangeset *dst,
                               const struct pf_rangeset *a,
                               const struct pf_rangeset *b)
{
  size_t i, j = 0;

  if (rs_prepare(dst, a->n, b->n))
    return PF_ENOMEM;
  for (i = 0; i < a->n; i++) {
    pf_u128 cur = a->r[i].lo, hi = a->r[i].hi;
    int left = 1; /* [cur, hi] still to emit */

    while (j < b->n && b->r[j].hi < cur)
      j++;
    /* b ranges ending before hi are used up; the one reaching past hi may
     * also cut the next range of a, so j stays on it. */
    for (; j < b->n && b->r[j].lo <= hi; j++) {
      if (b->r[j].lo > cur) {
        dst->r[dst->n].lo = cur;
        dst->r[dst->n].hi = b->r[j].lo - 1;
        dst->n++;
      }
      if (b->r[j].hi >= hi) {
        left = 0;
        break;
      }
      cur = b->r[j].hi + 1; /* b->r[j].hi < hi: no wrap */
    }
    if (left) {
      dst->r[dst->n].lo = cur;
      dst->r[dst->n].hi = hi;
      dst->n++;
    }
  }
  return PF_OK;
}

pf_status pf_rangeset_complement(struct pf_rangeset *dst,
                                 const struct pf_rangeset *a, pf_u128 max)
{
  pf_u128 cur = 0;
  size_t i;

  if (rs_prepare(dst, a->n, 1))
    return PF_ENOMEM;
  for (i = 0; i < a->n; i++) {
    if (a->r[i].lo > max)
      break;
    if (a->r[i].lo > cur) {
      dst->r[dst->n].lo = cur;
      dst->r[dst->n].hi = a->r[i].lo - 1;
      dst->n++;
    }
    if (a->r[i].hi >= max)
      return PF_OK; /* nothing left; also keeps hi + 1 from wrapping */
    cur = a->r[i].hi + 1;
  }
  dst->r[dst->n].lo = cur;
  dst->r[dst->n].hi = max;
  dst->n++;
  return PF_OK;
}

int pf_rangeset_contains(const struct pf_rangeset *s, pf_u128 v)
{
  size_t k = lower_hi(s->r, 0, s->n, v);
  return k < s->n && s->r[k].lo <= v;
}

int pf_rangeset_contains_set(const struct pf_rangeset *a,
                             const struct pf_rangeset *b)
{
  size_t i = 0, j;

  for (j = 0; j < b->n; j++) {
    /* Normal form: a range of b lies inside one range of a or is not
     * covered at all. */
    i = gallop_hi(a->r, i, a->n, b->r[j].lo);
    if (i == a->n || a->r[i].lo > b->r[j].lo || a->r[i].hi < b->r[j].hi)
      return 0;
  }
  return 1;
}

int pf_rangeset_overlaps(const struct pf_rangeset *a,
                         const struct pf_rangeset *b)
{
  size_t i = 0, j = 0;

  while (i < a->n && j < b->n) {
    i = gallop_hi(a->r, i, a->n, b->r[j].lo);
    if (i == a->n)
      return 0;
    if (a->r[i].lo <= b->r[j].hi)
      return 1;
    /* a->r[i] lies wholly after b->r[j]. */
    j = gallop_hi(b->r, j, b->n, a->r[i].lo);
    if (j == b->n)
      return 0;
    if (b->r[j].lo <= a->r[i].hi)
      return 1;
  }
  return 0;
}

int pf_rangeset_equal(const struct pf_rangeset *a,
                      const struct pf_rangeset *b)
{
  /* struct pf_range is two pf_u128, so it has no padding to compare. */
  return a->n == b->n &&
         (a->n == 0 || !memcmp(a->r, b->r, a->n * sizeof(*a->r)));
}

pf_u128 pf_rangeset_count(const struct pf_rangeset *s)
{
  pf_u128 total = 0;
  size_t i;

  for (i = 0; i < s->n; i++) {
    pf_u128 d = s->r[i].hi - s->r[i].lo;
    if (d == U128_MAX || total > U128_MAX - (d + 1))
      return U128_MAX;
    total += d + 1;
  }
  return total;
}

/* ---- address sets ---------------------------------------------------- */

void pf_ipset_init(struct pf_ipset *s)
{
  int f;
  for (f = 0; f < PF_AF_COUNT; f++)
    pf_rangeset_init(&s->fam[f]);
}

void pf_ipset_release(struct pf_ipset *s)
{
  int f;
  if (!s)
    return;
  for (f = 0; f < PF_AF_COUNT; f++)
    pf_rangeset_release(&s->fam[f]);
}

void pf_ipset_clear(struct pf_ipset *s)
{
  int f;
  for (f = 0; f < PF_AF_COUNT; f++)
    pf_rangeset_clear(&s->fam[f]);
}

static int af_index(enum pf_af af)
{
  return af == PF_AF_V4 ? PF_AF_V4 : PF_AF_V6;
}

pf_status pf_ipset_add_prefix(struct pf_ipset *s, const struct pf_prefix *p)
{
  return pf_rangeset_add(&s->fam[af_index(p->af)], pf_prefix_first(p),
                         pf_prefix_last(p));
}

pf_status pf_ipset_push_prefix(struct pf_ipset *s, const struct pf_prefix *p)
{
  return pf_rangeset_push(&s->fam[af_index(p->af)], pf_prefix_first(p),
                          pf_prefix_last(p));
}

void pf_ipset_normalize(struct pf_ipset *s)
{
  int f;
  for (f = 0; f < PF_AF_COUNT; f++)
    pf_rangeset_normalize(&s->fam[f]);
}

pf_status pf_ipset_add_all(struct pf_ipset *s)
{
  if (pf_rangeset_add(&s->fam[PF_AF_V4], 0, V4_MAX) ||
      pf_rangeset_add(&s->fam[PF_AF_V6], 0, U128_MAX))
    return PF_ENOMEM;
  return PF_OK;
}

pf_status pf_ipset_copy(struct pf_ipset *dst, const struct pf_ipset *src)
{
  int f;
  for (f = 0; f < PF_AF_COUNT; f++)
    if (pf_rangeset_copy(&dst->fam[f], &src->fam[f]))
      return PF_ENOMEM;
  return PF_OK;
}

pf_status pf_ipset_union(struct pf_ipset *dst, const struct pf_ipset *a,
                         const struct pf_ipset *b)
{
  int f;
  for (f = 0; f < PF_AF_COUNT; f++)
    if (pf_rangeset_union(&dst->fam[f], &a->fam[f], &b->fam[f]))
      return PF_ENOMEM;
  return PF_OK;
}

pf_status pf_ipset_intersect(struct pf_ipset *dst, const struct pf_ipset *a,
                             const struct pf_ipset *b)
{
  int f;
  for (f = 0; f < PF_AF_COUNT; f++)
    if (pf_rangeset_intersect(&dst->fam[f], &a->fam[f], &b->fam[f]))
      return PF_ENOMEM;
  return PF_OK;
}

pf_status pf_ipset_subtract(struct pf_ipset *dst, const struct pf_ipset *a,
                            const struct pf_ipset *b)
{
  int f;
  for (f = 0; f < PF_AF_COUNT; f++)
    if (pf_rangeset_subtract(&dst->fam[f], &a->fam[f], &b->fam[f]))
      return PF_ENOMEM;
  return PF_OK;
}

int pf_ipset_contains_addr(const struct pf_ipset *s, const struct pf_addr *a)
{
  return pf_rangeset_contains(&s->fam[af_index(a->af)], a->v);
}

int pf_ipset_contains_set(const struct pf_ipset *a, const struct pf_ipset *b)
{
  return pf_rangeset_contains_set(&a->fam[PF_AF_V4], &b->fam[PF_AF_V4]) &&
         pf_rangeset_contains_set(&a->fam[PF_AF_V6], &b->fam[PF_AF_V6]);
}

int pf_ipset_overlaps(const struct pf_ipset *a, const struct pf_ipset *b)
{
  return pf_rangeset_overlaps(&a->fam[PF_AF_V4], &b->fam[PF_AF_V4]) ||
         pf_rangeset_overlaps(&a->fam[PF_AF_V6], &b->fam[PF_AF_V6]);
}

int pf_ipset_equal(const struct pf_ipset *a, const struct pf_ipset *b)
{
  return pf_rangeset_equal(&a->fam[PF_AF_V4], &b->fam[PF_AF_V4]) &&
         pf_rangeset_equal(&a->fam[PF_AF_V6], &b->fam[PF_AF_V6]);
}

int pf_ipset_empty(const struct pf_ipset *s)
{
  return pf_rangeset_empty(&s->fam[PF_AF_V4]) &&
         pf_rangeset_empty(&s->fam[PF_AF_V6]);
}

/* RFC 4632 3.1 style decomposition: at each step take the largest block
 * that is aligned at lo (trailing zero bits of lo) and still ends at or
 * before hi (floor(log2(hi - lo + 1))). */
int pf_range_to_prefixes(enum pf_af af, pf_u128 lo, pf_u128 hi,
                         int (*cb)(const struct pf_prefix *p, void *arg),
                         void *arg)
{
  unsigned bits = pf_af_bits(af);

  if (hi > pf_af_max(af))
    hi = pf_af_max(af);
  if (lo > hi)
    return 0;
  for (;;) {
    struct pf_prefix p;
    unsigned h = lo ? ctz128(lo) : bits;
    pf_u128 span = hi - lo, end;
    unsigned hs = span == U128_MAX ? 128 : log2_128(span + 1);
    int rc;

    if (hs < h)
      h = hs;
    p.addr = lo;
    p.len = bits - h;
    p.af = af;
    rc = cb(&p, arg);
    if (rc)
      return rc;
    end = lo | low_mask(h);
    if (end >= hi)
      return 0;
    lo = end + 1;
  }
}

/* ---- port sets ------------------------------------------------------- */

static int parse_port(const char *s, size_t n, unsigned *out, char *why)
{
  const unsigned char *u = (const unsigned char *)s;
  unsigned v = 0;
  size_t i;

  /* Leading zeros ("080") are accepted: unlike an IPv4 octet a port has
   * no octal reading to be confused with. */
  for (i = 0; i < n; i++) {
    if (!is_digit(u[i]))
      return fail_char(why, u[i]);
    if (v <= PF_PORT_MAX) /* cap so long digit runs cannot overflow */
      v = v * 10 + (unsigned)(u[i] - '0');
  }
  if (v > PF_PORT_MAX)
    return fail(why, "port above 65535");
  *out = v;
  return 0;
}

pf_status pf_portset_parse_add(struct pf_rangeset *ports, const char *s,
                               size_t n, struct pf_err *err)
{
  char why[WHY_MAX];
  unsigned a, b;
  const char *dash;

  if (n == 0)
    return parse_error(err, "port range", s, n, "empty");
  dash = memchr(s, '-', n);
  if (n == 1 && s[0] == '*') {
    a = 0;
    b = PF_PORT_MAX;
  } else if (!dash) {
    if (parse_port(s, n, &a, why))
      return parse_error(err, "port range", s, n, why);
    b = a;
  } else {
    size_t left = (size_t)(dash - s);
    if (left == 0)
      return parse_error(err, "port range", s, n, "missing start port");
    if (parse_port(s, left, &a, why))
      return parse_error(err, "port range", s, n, why);
    if (left + 1 == n)
      return parse_error(err, "port range", s, n, "missing end port");
    if (parse_port(dash + 1, n - left - 1, &b, why))
      return parse_error(err, "port range", s, n, why);
    if (a > b)
      return parse_error(err, "port range", s, n, "start above end");
  }
  if (pf_rangeset_add(ports, a, b))
    return pf_err_set(err, PF_ENOMEM, "out of memory");
  return PF_OK;
}

/* Bounded writer with snprintf semantics: len counts every char asked
 * for, only what fits is stored. */
struct out {
  char *buf;
  size_t cap, len;
};

static void out_str(struct out *o, const char *s, size_t n)
{
  if (o->buf && o->len < o->cap) {
    size_t room = o->cap - 1 - o->len;
    memcpy(o->buf + o->len, s, n < room ? n : room);
  }
  o->len += n;
}

static void out_u128(struct out *o, pf_u128 v)
{
  char tmp[40];
  size_t k = sizeof(tmp);
  do {
    tmp[--k] = (char)('0' + (unsigned)(v % 10));
    v /= 10;
  } while (v);
  out_str(o, tmp + k, sizeof(tmp) - k);
}

size_t pf_portset_format(const struct pf_rangeset *ports, char *buf,
                         size_t cap)
{
  struct out o;
  size_t i;

  o.buf = buf;
  o.cap = cap;
  o.len = 0;
  if (ports->n == 1 && ports->r[0].lo == 0 &&
      ports->r[0].hi == PF_PORT_MAX) {
    out_str(&o, "*", 1);
  } else {
    for (i = 0; i < ports->n; i++) {
      if (i)
        out_str(&o, ",", 1);
      out_u128(&o, ports->r[i].lo);
      if (ports->r[i].hi != ports->r[i].lo) {
        out_str(&o, "-", 1);
        out_u128(&o, ports->r[i].hi);
      }
    }
  }
  if (buf && cap)
    buf[o.len < cap ? o.len : cap - 1] = '\0';
  return o.len;
}
