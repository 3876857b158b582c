/* SPDX-License-Identifier: MIT */
/* fuzz_ip.c - libFuzzer target for the address, prefix and port parsers
 *
 * Every successful parse is formatted and parsed again and must give the
 * same value and the same text (the canonical form is a fixed point).
 * Address acceptance is also compared with glibc inet_pton, which reads
 * the same strict language.  Any mismatch aborts.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pf_mem.h"
#include "model/pf_ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MISMATCH(...)                                                      \
  do {                                                                     \
    fprintf(stderr, "fuzz_ip: " __VA_ARGS__);                              \
    fputc('\n', stderr);                                                   \
    abort();                                                               \
  } while (0)

/* A failed parse must say why, and quote nothing past PF_ERR_MSG_MAX. */
static void check_error(pf_status st, const struct pf_err *err)
{
  if (st != PF_EINVAL || err->code != PF_EINVAL || !err->msg[0] ||
      strnlen(err->msg, sizeof(err->msg)) >= sizeof(err->msg))
    MISMATCH("bad error report (status %d): %s", (int)st, err->msg);
}

static void fuzz_addr(const char *s, size_t n)
{
  struct pf_err err;
  struct pf_addr a, b;
  char buf[PF_ADDR_STRLEN], buf2[PF_ADDR_STRLEN], z[128];
  unsigned char raw[16];
  pf_status st;
  size_t len;
  int libc = -1;

  pf_err_clear(&err);
  st = pf_addr_parse(s, n, &a, &err);
  /* Cross-check with inet_pton when the text holds no NUL (it stops
   * there) and fits the copy. */
  if (n < sizeof(z) && !memchr(s, '\0', n)) {
    memcpy(z, s, n);
    z[n] = '\0';
    libc = inet_pton(memchr(s, ':', n) ? AF_INET6 : AF_INET, z, raw);
    if ((st == PF_OK) != (libc == 1))
      MISMATCH("'%s': pf_addr_parse %d, inet_pton %d", z, (int)st, libc);
  }
  if (st != PF_OK) {
    check_error(st, &err);
    return;
  }
  if (libc == 1) {
    pf_u128 v = 0;
    size_t k, nb = a.af == PF_AF_V4 ? 4 : 16;
    for (k = 0; k < nb; k++)
      v = v << 8 | raw[k];
    if (v != a.v)
      MISMATCH("'%s': value differs from inet_pton", z);
  }
  len = pf_addr_format(&a, buf, sizeof(buf));
  if (len != strlen(buf) || len >= sizeof(buf))
    MISMATCH("format length %zu for '%s'", len, buf);
  if (pf_addr_parse(buf, len, &b, &err) != PF_OK || b.v != a.v ||
      b.af != a.af)
    MISMATCH("round trip of '%s' failed: %s", buf, err.msg);
  pf_addr_format(&b, buf2, sizeof(buf2));
  if (strcmp(buf, buf2))
    MISMATCH("canonical form not stable: '%s' then '%s'", buf, buf2);
}

static void fuzz_prefix(const char *s, size_t n, int bare)
{
  struct pf_err err;
  struct pf_prefix p, q;
  struct pf_addr a;
  char buf[PF_PREFIX_STRLEN];
  pf_status st;
  size_t len;

  pf_err_clear(&err);
  st = pf_prefix_parse(s, n, bare, &p, &err);
  if (st != PF_OK) {
    check_error(st, &err);
    return;
  }
  if (p.len > pf_af_bits(p.af) || pf_prefix_first(&p) != p.addr ||
      pf_prefix_last(&p) < p.addr || pf_prefix_last(&p) > pf_af_max(p.af))
    MISMATCH("inconsistent prefix");
  len = pf_prefix_format(&p, buf, sizeof(buf));
  if (len != strlen(buf) || len >= sizeof(buf))
    MISMATCH("format length %zu for '%s'", len, buf);
  if (pf_prefix_parse(buf, len, 0, &q, &err) != PF_OK || q.addr != p.addr ||
      q.len != p.len || q.af != p.af)
    MISMATCH("round trip of '%s' failed: %s", buf, err.msg);
  a.af = p.af;
  a.v = pf_prefix_last(&p);
  if (!pf_prefix_contains(&p, &a))
    MISMATCH("'%s' does not contain its last address", buf);
}

/* Re-parse "80,443,8000-8080" field by field. */
static void reparse_ports(const char *txt, size_t len,
                          const struct pf_rangeset *want)
{
  struct pf_rangeset s;
  struct pf_err err;
  size_t i = 0;

  pf_rangeset_init(&s);
  pf_err_clear(&err);
  while (len && i <= len) {
    const char *comma = memchr(txt + i, ',', len - i);
    size_t end = comma ? (size_t)(comma - txt) : len;
    if (pf_portset_parse_add(&s, txt + i, end - i, &err) != PF_OK)
      MISMATCH("port text '%s' does not parse: %s", txt, err.msg);
    i = end + 1;
  }
  if (!pf_rangeset_equal(&s, want))
    MISMATCH("port round trip of '%s' differs", txt);
  pf_rangeset_release(&s);
}

static void fuzz_ports(const char *s, size_t n)
{
  struct pf_rangeset ports;
  struct pf_err err;
  char buf[64];
  pf_status st;
  size_t len, start = 0, i;

  /* Comma-separated fields feed one set, like a plural ARM port list. */
  pf_rangeset_init(&ports);
  for (i = 0; i <= n; i++) {
    if (i < n && s[i] != ',')
      continue;
    pf_err_clear(&err);
    st = pf_portset_parse_add(&ports, s + start, i - start, &err);
    if (st != PF_OK)
      check_error(st, &err);
    start = i + 1;
  }
  for (i = 0; i < ports.n; i++)
    if (ports.r[i].hi > PF_PORT_MAX || ports.r[i].lo > ports.r[i].hi ||
        (i && ports.r[i].lo - 1 <= ports.r[i - 1].hi))
      MISMATCH("port set not in normal form");
  len = pf_portset_format(&ports, NULL, 0);
  {
    char *txt = pf_malloc(len + 1);
    if (!txt)
      abort();
    if (pf_portset_format(&ports, txt, len + 1) != len ||
        strlen(txt) != len)
      MISMATCH("port format length");
    /* a short buffer holds a prefix of the full text */
    pf_portset_format(&ports, buf, sizeof(buf));
    if (strncmp(buf, txt, sizeof(buf) - 1))
      MISMATCH("truncated port text differs");
    reparse_ports(txt, len, &ports);
    pf_free(txt);
  }
  pf_rangeset_release(&ports);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data;

  fuzz_addr(s, size);
  fuzz_prefix(s, size, 0);
  fuzz_prefix(s, size, 1);
  fuzz_ports(s, size);
  return 0;
}
