/* SPDX-License-Identifier: MIT */
/* test_ip.c - unit tests of model/pf_ip: parsers, formatting, range sets
 *
 * Besides table tests, the range-set engine is checked against a plain
 * bitmap model with a fixed seed, once near 0 and once at the top of the
 * 128-bit space, and the address parser and formatter against glibc's
 * inet_pton/inet_ntop (which implement the same strict language).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "model/pf_ip.h"

#define U128_MAX (~(pf_u128)0)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------ */

struct rng {
  uint64_t s;
};

/* splitmix64: tiny, deterministic, good enough for test data. */
static uint64_t rng_next(struct rng *r)
{
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
  return (unsigned)(rng_next(r) % n);
}

static pf_u128 u128_of(uint64_t hi, uint64_t lo)
{
  return (pf_u128)hi << 64 | lo;
}

static const char *u128_str(char *buf, pf_u128 v)
{
  char tmp[40];
  size_t k = sizeof(tmp);
  tmp[--k] = '\0';
  do {
    tmp[--k] = (char)('0' + (unsigned)(v % 10));
    v /= 10;
  } while (v);
  memcpy(buf, tmp + k, sizeof(tmp) - k);
  return buf;
}

static void check_addr_ok(const char *txt, const char *canon)
{
  struct pf_err err;
  struct pf_addr a, b;
  char buf[PF_ADDR_STRLEN];
  size_t len;

  pf_err_clear(&err);
  if (pf_addr_parse(txt, strlen(txt), &a, &err) != PF_OK)
    fail_msg("'%s' rejected: %s", txt, err.msg);
  len = pf_addr_format(&a, buf, sizeof(buf));
  assert_int_equal(len, strlen(buf));
  if (strcmp(buf, canon) != 0)
    fail_msg("'%s' formats as '%s', want '%s'", txt, buf, canon);
  assert_int_equal(pf_addr_parse(buf, len, &b, &err), PF_OK);
  assert_true(a.v == b.v);
  assert_int_equal(a.af, b.af);
  assert_false(pf_err_isset(&err));
}

static void check_addr_err(const char *txt, const char *msg)
{
  struct pf_err err;
  struct pf_addr a;

  pf_err_clear(&err);
  if (pf_addr_parse(txt, strlen(txt), &a, &err) != PF_EINVAL)
    fail_msg("'%s' accepted", txt);
  assert_int_equal(err.code, PF_EINVAL);
  if (msg && strcmp(err.msg, msg) != 0)
    fail_msg("'%s': got \"%s\", want \"%s\"", txt, err.msg, msg);
}

static void check_prefix_ok(const char *txt, int bare, const char *canon)
{
  struct pf_err err;
  struct pf_prefix p, q;
  char buf[PF_PREFIX_STRLEN];
  size_t len;

  pf_err_clear(&err);
  if (pf_prefix_parse(txt, strlen(txt), bare, &p, &err) != PF_OK)
    fail_msg("'%s' rejected: %s", txt, err.msg);
  len = pf_prefix_format(&p, buf, sizeof(buf));
  assert_int_equal(len, strlen(buf));
  if (strcmp(buf, canon) != 0)
    fail_msg("'%s' formats as '%s', want '%s'", txt, buf, canon);
  assert_int_equal(pf_prefix_parse(buf, len, 0, &q, &err), PF_OK);
  assert_true(p.addr == q.addr);
  assert_int_equal(p.len, q.len);
  assert_int_equal(p.af, q.af);
}

static void check_prefix_err(const char *txt, int bare, const char *msg)
{
  struct pf_err err;
  struct pf_prefix p;

  pf_err_clear(&err);
  if (pf_prefix_parse(txt, strlen(txt), bare, &p, &err) != PF_EINVAL)
    fail_msg("'%s' accepted", txt);
  if (msg && strcmp(err.msg, msg) != 0)
    fail_msg("'%s': got \"%s\", want \"%s\"", txt, err.msg, msg);
}

/* ---- IPv4 --------------------------------------------------------------- */

static void test_v4_valid(void **state)
{
  static const char *const ok[] = {
    "0.0.0.0", "1.2.3.4", "10.0.0.1", "192.168.100.200", "255.255.255.255",
    "127.0.0.1", "100.64.0.0", "9.99.199.249",
  };
  struct pf_addr a;
  struct pf_err err;
  size_t i;
  (void)state;

  for (i = 0; i < ARRAY_LEN(ok); i++)
    check_addr_ok(ok[i], ok[i]);
  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse("255.255.255.255", 15, &a, &err), PF_OK);
  assert_true(a.v == 0xffffffffu);
  assert_int_equal(a.af, PF_AF_V4);
  assert_int_equal(pf_addr_parse("1.2.3.4", 7, &a, &err), PF_OK);
  assert_true(a.v == 0x01020304u);
  assert_int_equal(pf_af_bits(PF_AF_V4), 32);
  assert_int_equal(pf_af_bits(PF_AF_V6), 128);
  assert_true(pf_af_max(PF_AF_V4) == 0xffffffffu);
  assert_true(pf_af_max(PF_AF_V6) == U128_MAX);
}

static void test_v4_invalid(void **state)
{
  static const struct {
    const char *in, *msg;
  } bad[] = {
    {"", "invalid IP address '': empty"},
    {"300.1.1.1", "invalid IP address '300.1.1.1': octet above 255"},
    {"1.2.3.256", "invalid IP address '1.2.3.256': octet above 255"},
    {"1.2.3.99999999999999999999",
     "invalid IP address '1.2.3.99999999999999999999': octet above 255"},
    {"010.0.0.1", "invalid IP address '010.0.0.1': leading zero in octet"},
    {"1.2.3.00", "invalid IP address '1.2.3.00': leading zero in octet"},
    {"1.2.3.04", "invalid IP address '1.2.3.04': leading zero in octet"},
    {"1.2.3", "invalid IP address '1.2.3': fewer than 4 octets"},
    {"1.2.3.4.5", "invalid IP address '1.2.3.4.5': more than 4 octets"},
    {"1.2.3.4.", "invalid IP address '1.2.3.4.': more than 4 octets"},
    {"1.2.3.", "invalid IP address '1.2.3.': empty octet"},
    {".1.2.3", "invalid IP address '.1.2.3': empty octet"},
    {"1..2.3", "invalid IP address '1..2.3': empty octet"},
    {"+1.2.3.4", "invalid IP address '+1.2.3.4': unexpected character '+'"},
    {"-1.2.3.4", "invalid IP address '-1.2.3.4': unexpected character '-'"},
    {" 1.2.3.4", "invalid IP address ' 1.2.3.4': unexpected character ' '"},
    {"1.2.3.4 ", "invalid IP address '1.2.3.4 ': unexpected character ' '"},
    {"1.2.3.4/32",
     "invalid IP address '1.2.3.4/32': unexpected character '/'"},
    {"1.2.3.x", "invalid IP address '1.2.3.x': unexpected character 'x'"},
    {"0x1.2.3.4", "invalid IP address '0x1.2.3.4': unexpected character 'x'"},
    {"1.2.3.4\n", "invalid IP address '1.2.3.4\\x0a': unexpected character "
                  "'\\x0a'"},
    {"10", "invalid IP address '10': not an IPv4 or IPv6 address"},
    {"VirtualNetwork",
     "invalid IP address 'VirtualNetwork': not an IPv4 or IPv6 address"},
    {"*", "invalid IP address '*': not an IPv4 or IPv6 address"},
    {"1.2.3.4e", "invalid IP address '1.2.3.4e': unexpected character 'e'"},
    {"１.2.3.4", NULL},
    {"1,2,3,4", "invalid IP address '1,2,3,4': not an IPv4 or IPv6 address"},
    {"1.2.3.-4", "invalid IP address '1.2.3.-4': unexpected character '-'"},
  };
  size_t i;
  (void)state;

  for (i = 0; i < ARRAY_LEN(bad); i++)
    check_addr_err(bad[i].in, bad[i].msg);
}

/* ---- IPv6 --------------------------------------------------------------- */

static void test_v6_valid(void **state)
{
  static const struct {
    const char *in, *canon;
  } ok[] = {
    /* RFC 5952 section 2 and 4 examples */
    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
    {"2001:0db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
    {"2001:db8::1:0:0:1", "2001:db8::1:0:0:1"},
    {"2001:db8::0:1:0:0:1", "2001:db8::1:0:0:1"},
    {"2001:0db8::1:0:0:1", "2001:db8::1:0:0:1"},
    {"2001:db8:0:0:1::1", "2001:db8::1:0:0:1"},
    {"2001:db8:0000:0:1::1", "2001:db8::1:0:0:1"},
    {"2001:DB8:0:0:1::1", "2001:db8::1:0:0:1"},
    {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001",
     "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"},
    {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
    {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
    {"2001:db8::aaaa:0:0:1", "2001:db8::aaaa:0:0:1"},
    /* edges */
    {"::", "::"},
    {"0:0:0:0:0:0:0:0", "::"},
    {"0000:0000:0000:0000:0000:0000:0000:0000", "::"},
    {"::1", "::1"},
    {"1::", "1::"},
    {"::0:1", "::1"},
    {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
    {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
    {"1:2:3:4::6:7:8", "1:2:3:4:0:6:7:8"},
    {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
    {"1:0:0:0:2:0:0:3", "1::2:0:0:3"},
    {"0:0:1:0:0:1:0:0", "::1:0:0:1:0:0"},
    {"1:0:0:1:0:0:1:0", "1::1:0:0:1:0"},
    {"fe80::1", "fe80::1"},
    {"FE80::ABCD:EF01", "fe80::abcd:ef01"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF",
     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"},
    /* embedded IPv4 (RFC 4291 2.2 item 3, RFC 5952 5) */
    {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
    {"::ffff:c000:0201", "::ffff:192.0.2.1"},
    {"0:0:0:0:0:ffff:1.2.3.4", "::ffff:1.2.3.4"},
    {"::ffff:0.0.0.0", "::ffff:0.0.0.0"},
    {"::ffff:255.255.255.255", "::ffff:255.255.255.255"},
    {"::192.0.2.1", "::c000:201"},
    {"::0.0.0.1", "::1"},
    {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
    {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
    {"1::1.2.3.4", "1::102:304"},
    {"::1:ffff:1.2.3.4", "::1:ffff:102:304"},
  };
  struct pf_addr a;
  struct pf_err err;
  size_t i;
  (void)state;

  for (i = 0; i < ARRAY_LEN(ok); i++)
    check_addr_ok(ok[i].in, ok[i].canon);
  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse("::1", 3, &a, &err), PF_OK);
  assert_true(a.v == 1);
  assert_int_equal(a.af, PF_AF_V6);
  assert_int_equal(pf_addr_parse("1::", 3, &a, &err), PF_OK);
  assert_true(a.v == u128_of(0x0001000000000000ull, 0));
  assert_int_equal(
      pf_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 39, &a, &err),
      PF_OK);
  assert_true(a.v == U128_MAX);
  assert_int_equal(pf_addr_parse("::ffff:1.2.3.4", 14, &a, &err), PF_OK);
  assert_true(a.v == u128_of(0, 0x0000ffff01020304ull));
}

static void test_v6_invalid(void **state)
{
  static const struct {
    const char *in, *msg;
  } bad[] = {
    {"fe80::1%eth0",
     "invalid IP address 'fe80::1%eth0': zone ids are not supported"},
    {"fe80::1%1",
     "invalid IP address 'fe80::1%1': zone ids are not supported"},
    {"1:2:3:4:5:6:7:8:9",
     "invalid IP address '1:2:3:4:5:6:7:8:9': too many groups"},
    {"1:2:3:4::5:6:7:8",
     "invalid IP address '1:2:3:4::5:6:7:8': too many groups"},
    {"::1:2:3:4:5:6:7:8",
     "invalid IP address '::1:2:3:4:5:6:7:8': too many groups"},
    {"1:2:3:4:5:6:7:8::",
     "invalid IP address '1:2:3:4:5:6:7:8::': too many groups"},
    {"1:2:3:4:5:6:7", "invalid IP address '1:2:3:4:5:6:7': fewer than 8 "
                      "groups"},
    {"1::2::3", "invalid IP address '1::2::3': more than one '::'"},
    {"::1::", "invalid IP address '::1::': more than one '::'"},
    {":::", "invalid IP address ':::': more than two consecutive ':'"},
    {"1:::2", "invalid IP address '1:::2': more than two consecutive ':'"},
    {":1::2", "invalid IP address ':1::2': leading single ':'"},
    {":", "invalid IP address ':': leading single ':'"},
    {"1::2:", "invalid IP address '1::2:': trailing single ':'"},
    {"1:2:3:4:5:6:7:8:",
     "invalid IP address '1:2:3:4:5:6:7:8:': trailing single ':'"},
    {"12345::", "invalid IP address '12345::': group longer than 4 hex "
                "digits"},
    {"::00000", "invalid IP address '::00000': group longer than 4 hex "
                "digits"},
    {"::g", "invalid IP address '::g': unexpected character 'g'"},
    {"[::1]", "invalid IP address '[::1]': unexpected character '['"},
    {"::1]", "invalid IP address '::1]': unexpected character ']'"},
    {" ::1", "invalid IP address ' ::1': unexpected character ' '"},
    {"::1 ", "invalid IP address '::1 ': unexpected character ' '"},
    {"::1/128", "invalid IP address '::1/128': unexpected character '/'"},
    {"::-1", "invalid IP address '::-1': unexpected character '-'"},
    {"1.2.3.4::", "invalid IP address '1.2.3.4::': embedded IPv4 address "
                  "must be last"},
    {"::1.2.3.4:1", "invalid IP address '::1.2.3.4:1': embedded IPv4 "
                    "address must be last"},
    {"::1.2.3", "invalid IP address '::1.2.3': embedded IPv4 address: "
                "fewer than 4 octets"},
    {"::1.2.3.256", "invalid IP address '::1.2.3.256': embedded IPv4 "
                    "address: octet above 255"},
    {"::ffff:01.2.3.4", "invalid IP address '::ffff:01.2.3.4': embedded "
                        "IPv4 address: leading zero in octet"},
    {"::1a.2.3.4", "invalid IP address '::1a.2.3.4': embedded IPv4 "
                   "address: unexpected character 'a'"},
    {"1:2:3:4:5:6:7:1.2.3.4",
     "invalid IP address '1:2:3:4:5:6:7:1.2.3.4': too many groups"},
    {"1:2:3:4:5:6::1.2.3.4",
     "invalid IP address '1:2:3:4:5:6::1.2.3.4': too many groups"},
    {"1:2:3:4:5:1.2.3.4",
     "invalid IP address '1:2:3:4:5:1.2.3.4': fewer than 8 groups"},
    {"::ffff:1.2.3.4.5", "invalid IP address '::ffff:1.2.3.4.5': embedded "
                         "IPv4 address: more than 4 octets"},
    {"0x1::", "invalid IP address '0x1::': unexpected character 'x'"},
    {"1:+2::", "invalid IP address '1:+2::': unexpected character '+'"},
  };
  size_t i;
  (void)state;

  for (i = 0; i < ARRAY_LEN(bad); i++)
    check_addr_err(bad[i].in, bad[i].msg);
}

/* Input is (s, n): bytes past n must never be looked at or quoted. */
static void test_not_nul_terminated(void **state)
{
  static const char text[] = "10.0.0.0/24XYZ::1%eth0";
  struct pf_rangeset ports;
  struct pf_prefix p;
  struct pf_addr a;
  struct pf_err err;
  (void)state;

  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse(text, 8, &a, &err), PF_OK);
  assert_true(a.v == 0x0a000000u);
  assert_int_equal(pf_prefix_parse(text, 11, 0, &p, &err), PF_OK);
  assert_int_equal(p.len, 24);
  assert_int_equal(pf_prefix_parse(text, 8, 1, &p, &err), PF_OK);
  assert_int_equal(p.len, 32);
  assert_int_equal(pf_prefix_parse(text, 10, 0, &p, &err), PF_EINVAL);
  assert_string_equal(err.msg, "invalid IP prefix '10.0.0.0/2': host bits "
                               "set (did you mean 0.0.0.0/2?)");
  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse(text, 6, &a, &err), PF_EINVAL);
  assert_string_equal(err.msg,
                      "invalid IP address '10.0.0': fewer than 4 octets");
  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse(text + 14, 3, &a, &err), PF_OK);
  assert_true(a.v == 1);

  pf_rangeset_init(&ports);
  assert_int_equal(pf_portset_parse_add(&ports, "8080x", 2, &err), PF_OK);
  assert_int_equal(ports.n, 1);
  assert_true(ports.r[0].lo == 80);
  pf_rangeset_release(&ports);
}

static void test_message_quoting(void **state)
{
  char longtxt[300], want[200];
  struct pf_addr a;
  struct pf_err err;
  (void)state;

  memset(longtxt, '1', sizeof(longtxt));
  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse(longtxt, sizeof(longtxt), &a, &err),
                   PF_EINVAL);
  /* 97 chars of the text, then "..." */
  snprintf(want, sizeof(want), "invalid IP address '%.97s...': not an IPv4 "
           "or IPv6 address", longtxt);
  assert_string_equal(err.msg, want);

  /* Exactly 100 chars are quoted whole. */
  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse(longtxt, 100, &a, &err), PF_EINVAL);
  snprintf(want, sizeof(want), "invalid IP address '%.100s': not an IPv4 "
           "or IPv6 address", longtxt);
  assert_string_equal(err.msg, want);

  /* Control bytes, NUL and non-ASCII are escaped. */
  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse("1.2\0.3", 6, &a, &err), PF_EINVAL);
  assert_string_equal(err.msg, "invalid IP address '1.2\\x00.3': "
                               "unexpected character '\\x00'");
  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse("\x1b[31m1.2.3.4", 12, &a, &err),
                   PF_EINVAL);
  assert_string_equal(err.msg, "invalid IP address '\\x1b[31m1.2.3.4': "
                               "unexpected character '\\x1b'");

  /* The first error wins (pf_err contract). */
  assert_int_equal(pf_addr_parse("x.y", 3, &a, &err), PF_EINVAL);
  assert_string_equal(err.msg, "invalid IP address '\\x1b[31m1.2.3.4': "
                               "unexpected character '\\x1b'");
  /* A NULL err is allowed. */
  assert_int_equal(pf_addr_parse("x.y", 3, &a, NULL), PF_EINVAL);
}

static void test_format_truncation(void **state)
{
  struct pf_addr a;
  struct pf_prefix p;
  struct pf_rangeset ports;
  struct pf_err err;
  char buf[8];
  (void)state;

  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse("192.168.100.200", 15, &a, &err), PF_OK);
  memset(buf, 'x', sizeof(buf));
  assert_int_equal(pf_addr_format(&a, buf, 8), 15);
  assert_string_equal(buf, "192.168");
  assert_int_equal(pf_addr_format(&a, NULL, 0), 15);
  assert_int_equal(pf_addr_format(&a, buf, 1), 15);
  assert_string_equal(buf, "");

  a.af = PF_AF_V6;
  a.v = U128_MAX;
  {
    char big[PF_ADDR_STRLEN];
    assert_int_equal(pf_addr_format(&a, big, sizeof(big)), 39);
    assert_int_equal(pf_addr_format(&a, big, 40), 39);
    assert_string_equal(big, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  }
  /* The longest forms fit the documented sizes. */
  a.v = u128_of(0x0000000000000000ull, 0x0000ffffffffffffull);
  {
    char big[PF_ADDR_STRLEN];
    assert_int_equal(pf_addr_format(&a, big, sizeof(big)), 22);
    assert_string_equal(big, "::ffff:255.255.255.255");
  }
  p.af = PF_AF_V6;
  p.addr = u128_of(0xffff0fff0fff0fffull, 0x0fff0fff0fff0ff0ull);
  p.len = 124;
  {
    char big[PF_PREFIX_STRLEN];
    assert_true(pf_prefix_format(&p, big, sizeof(big)) < sizeof(big));
    assert_string_equal(big, "ffff:fff:fff:fff:fff:fff:fff:ff0/124");
    assert_int_equal(pf_prefix_format(&p, buf, sizeof(buf)), 36);
    assert_string_equal(buf, "ffff:ff");
  }

  pf_rangeset_init(&ports);
  assert_int_equal(pf_portset_parse_add(&ports, "80", 2, &err), PF_OK);
  assert_int_equal(pf_portset_parse_add(&ports, "443", 3, &err), PF_OK);
  assert_int_equal(pf_portset_parse_add(&ports, "8000-8080", 9, &err),
                   PF_OK);
  assert_int_equal(pf_portset_format(&ports, buf, sizeof(buf)), 16);
  assert_string_equal(buf, "80,443,");
  assert_int_equal(pf_portset_format(&ports, NULL, 0), 16);
  pf_rangeset_release(&ports);
}

/* Differential check against glibc: inet_pton implements the same strict
 * language (no leading zeros in an IPv4 octet, RFC 4291 forms only), and
 * inet_ntop the RFC 5952 form except that it also prints "IPv4-compatible"
 * ::a.b.c.d addresses in dotted form. */
static void test_v6_vs_libc(void **state)
{
  static const char *const tokens[] = {
    "0", "1", "a", "F", "ff", "ffff", "12345", ":", ":", ":", "::", ".",
    "1.2.3.4", "255", "256", "01", "00", "%", "g", " ", "0.0",
  };
  struct rng r = {0x5eed1234u};
  char buf[PF_ADDR_STRLEN], want[INET6_ADDRSTRLEN], text[64];
  unsigned i, k;
  (void)state;

  for (i = 0; i < 20000; i++) {
    unsigned char raw[16];
    struct pf_addr a;
    pf_u128 v = 0;

    /* Bias groups to zero so every compression case shows up. */
    for (k = 0; k < 8; k++) {
      unsigned g = rng_below(&r, 3) ? 0 : (unsigned)rng_next(&r) & 0xffff;
      if (rng_below(&r, 8) == 0)
        g = 0xffff;
      v = v << 16 | g;
      raw[2 * k] = (unsigned char)(g >> 8);
      raw[2 * k + 1] = (unsigned char)g;
    }
    a.v = v;
    a.af = PF_AF_V6;
    pf_addr_format(&a, buf, sizeof(buf));
    assert_non_null(inet_ntop(AF_INET6, raw, want, sizeof(want)));
    /* glibc's ::a.b.c.d: the first six groups zero, the seventh not. */
    if (!(v >> 32 == 0 && (v >> 16 & 0xffff) != 0) && strcmp(buf, want))
      fail_msg("format: got '%s', inet_ntop says '%s'", buf, want);
    {
      struct pf_addr b;
      assert_int_equal(pf_addr_parse(buf, strlen(buf), &b, NULL), PF_OK);
      assert_true(b.v == v);
    }
  }

  /* Random token soup: accept/reject and value must match inet_pton. */
  for (i = 0; i < 30000; i++) {
    unsigned char raw[16];
    unsigned ntok = rng_below(&r, 9);
    size_t len = 0;
    struct pf_addr a;
    int ours, libc;

    text[0] = '\0';
    for (k = 0; k < ntok; k++) {
      const char *t = tokens[rng_below(&r, ARRAY_LEN(tokens))];
      if (len + strlen(t) >= sizeof(text))
        break;
      memcpy(text + len, t, strlen(t) + 1);
      len += strlen(t);
    }
    ours = pf_addr_parse(text, len, &a, NULL) == PF_OK;
    if (memchr(text, ':', len)) {
      libc = inet_pton(AF_INET6, text, raw) == 1;
      if (ours != libc)
        fail_msg("'%s': ours %d, inet_pton %d", text, ours, libc);
      if (ours) {
        pf_u128 v = 0;
        for (k = 0; k < 16; k++)
          v = v << 8 | raw[k];
        assert_int_equal(a.af, PF_AF_V6);
        assert_true(a.v == v);
      }
    } else {
      libc = inet_pton(AF_INET, text, raw) == 1;
      if (ours != libc)
        fail_msg("'%s': ours %d, inet_pton %d", text, ours, libc);
      if (ours) {
        assert_int_equal(a.af, PF_AF_V4);
        assert_true(a.v == ((pf_u128)raw[0] << 24 | (pf_u128)raw[1] << 16 |
                            (pf_u128)raw[2] << 8 | raw[3]));
      }
    }
  }
}

/* ---- prefixes ----------------------------------------------------------- */

static void test_prefix_valid(void **state)
{
  struct pf_prefix p;
  struct pf_err err;
  struct pf_addr a;
  (void)state;

  check_prefix_ok("10.0.0.0/8", 0, "10.0.0.0/8");
  check_prefix_ok("0.0.0.0/0", 0, "0.0.0.0/0");
  check_prefix_ok("1.2.3.4/32", 0, "1.2.3.4/32");
  check_prefix_ok("255.255.255.255/32", 0, "255.255.255.255/32");
  check_prefix_ok("255.255.255.254/31", 0, "255.255.255.254/31");
  check_prefix_ok("128.0.0.0/1", 0, "128.0.0.0/1");
  check_prefix_ok("1.2.3.4", 1, "1.2.3.4/32");
  check_prefix_ok("::/0", 0, "::/0");
  check_prefix_ok("::1/128", 0, "::1/128");
  check_prefix_ok("::1", 1, "::1/128");
  check_prefix_ok("2001:DB8::/32", 0, "2001:db8::/32");
  check_prefix_ok("8000::/1", 0, "8000::/1");
  check_prefix_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 0,
                  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
  check_prefix_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", 0,
                  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
  check_prefix_ok("::ffff:10.0.0.0/104", 0, "::ffff:10.0.0.0/104");

  pf_err_clear(&err);
  assert_int_equal(pf_prefix_parse("10.1.0.0/16", 11, 0, &p, &err), PF_OK);
  assert_true(pf_prefix_first(&p) == 0x0a010000u);
  assert_true(pf_prefix_last(&p) == 0x0a01ffffu);
  assert_int_equal(pf_addr_parse("10.1.255.255", 12, &a, &err), PF_OK);
  assert_true(pf_prefix_contains(&p, &a));
  assert_int_equal(pf_addr_parse("10.2.0.0", 8, &a, &err), PF_OK);
  assert_false(pf_prefix_contains(&p, &a));
  assert_int_equal(pf_addr_parse("::a01:0", 7, &a, &err), PF_OK);
  assert_false(pf_prefix_contains(&p, &a)); /* other family */

  assert_int_equal(pf_prefix_parse("0.0.0.0/0", 9, 0, &p, &err), PF_OK);
  assert_true(pf_prefix_first(&p) == 0);
  assert_true(pf_prefix_last(&p) == 0xffffffffu);
  assert_int_equal(pf_addr_parse("255.255.255.255", 15, &a, &err), PF_OK);
  assert_true(pf_prefix_contains(&p, &a));

  assert_int_equal(pf_prefix_parse("::/0", 4, 0, &p, &err), PF_OK);
  assert_true(pf_prefix_first(&p) == 0);
  assert_true(pf_prefix_last(&p) == U128_MAX);
  assert_int_equal(pf_prefix_parse("::1/128", 7, 0, &p, &err), PF_OK);
  assert_true(pf_prefix_first(&p) == 1 && pf_prefix_last(&p) == 1);
  assert_int_equal(pf_prefix_parse("255.255.255.255/32", 18, 0, &p, &err),
                   PF_OK);
  assert_true(pf_prefix_first(&p) == 0xffffffffu);
  assert_true(pf_prefix_last(&p) == 0xffffffffu);
  assert_false(pf_err_isset(&err));
}

static void test_prefix_invalid(void **state)
{
  (void)state;
  check_prefix_err("10.0.0.1/24", 0, "invalid IP prefix '10.0.0.1/24': host "
                   "bits set (did you mean 10.0.0.0/24?)");
  check_prefix_err("50.206.209.68/27", 0, "invalid IP prefix "
                   "'50.206.209.68/27': host bits set (did you mean "
                   "50.206.209.64/27?)");
  check_prefix_err("0.0.0.1/0", 0, "invalid IP prefix '0.0.0.1/0': host "
                   "bits set (did you mean 0.0.0.0/0?)");
  check_prefix_err("255.255.255.255/31", 0, "invalid IP prefix "
                   "'255.255.255.255/31': host bits set (did you mean "
                   "255.255.255.254/31?)");
  check_prefix_err("2001:db8::1/64", 0, "invalid IP prefix "
                   "'2001:db8::1/64': host bits set (did you mean "
                   "2001:db8::/64?)");
  check_prefix_err("::1/0", 0, "invalid IP prefix '::1/0': host bits set "
                   "(did you mean ::/0?)");
  check_prefix_err("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127", 0,
                   "invalid IP prefix "
                   "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127': host "
                   "bits set (did you mean "
                   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127?)");
  check_prefix_err("10.0.0.0/33", 0, "invalid IP prefix '10.0.0.0/33': "
                   "prefix length above 32");
  check_prefix_err("10.0.0.0/4294967306", 0, "invalid IP prefix "
                   "'10.0.0.0/4294967306': prefix length above 32");
  check_prefix_err("::/129", 0, "invalid IP prefix '::/129': prefix length "
                   "above 128");
  check_prefix_err("10.0.0.0/08", 0, "invalid IP prefix '10.0.0.0/08': "
                   "leading zero in prefix length");
  check_prefix_err("0.0.0.0/00", 0, "invalid IP prefix '0.0.0.0/00': "
                   "leading zero in prefix length");
  check_prefix_err("10.0.0.0/", 0, "invalid IP prefix '10.0.0.0/': missing "
                   "prefix length");
  check_prefix_err("10.0.0.0/", 1, "invalid IP prefix '10.0.0.0/': missing "
                   "prefix length");
  check_prefix_err("10.0.0.0", 0, "invalid IP prefix '10.0.0.0': missing "
                   "prefix length");
  check_prefix_err("/8", 0, "invalid IP prefix '/8': missing address");
  check_prefix_err("", 1, "invalid IP prefix '': empty");
  check_prefix_err("10.0.0.0/-8", 0, "invalid IP prefix '10.0.0.0/-8': "
                   "unexpected character '-'");
  check_prefix_err("10.0.0.0/+8", 0, "invalid IP prefix '10.0.0.0/+8': "
                   "unexpected character '+'");
  check_prefix_err("10.0.0.0/ 8", 0, "invalid IP prefix '10.0.0.0/ 8': "
                   "unexpected character ' '");
  check_prefix_err("10.0.0.0/8 ", 0, "invalid IP prefix '10.0.0.0/8 ': "
                   "unexpected character ' '");
  check_prefix_err("10.0.0.0/8/8", 0, "invalid IP prefix '10.0.0.0/8/8': "
                   "unexpected character '/'");
  check_prefix_err("10.0.0.256/8", 0, "invalid IP prefix '10.0.0.256/8': "
                   "octet above 255");
  check_prefix_err("fe80::%eth0/64", 0, "invalid IP prefix "
                   "'fe80::%eth0/64': zone ids are not supported");
  check_prefix_err("*", 1, "invalid IP prefix '*': not an IPv4 or IPv6 "
                   "address");
}

/* ---- CIDR decomposition ------------------------------------------------- */

struct collect {
  char text[300][PF_PREFIX_STRLEN];
  struct pf_prefix p[300];
  size_t n;
  size_t stop_at; /* return 7 when n reaches this; 0: never */
};

static int collect_cb(const struct pf_prefix *p, void *arg)
{
  struct collect *c = arg;
  if (c->n < ARRAY_LEN(c->p)) {
    c->p[c->n] = *p;
    pf_prefix_format(p, c->text[c->n], PF_PREFIX_STRLEN);
  }
  c->n++;
  return c->stop_at && c->n == c->stop_at ? 7 : 0;
}

/* The prefixes must tile [lo, hi] exactly, each aligned, and no two
 * neighbours may merge into one larger prefix (greedy is minimal). */
static void check_cover(enum pf_af af, pf_u128 lo, pf_u128 hi,
                        const struct collect *c)
{
  pf_u128 next = lo;
  size_t i;

  assert_true(c->n >= 1 && c->n <= 2 * pf_af_bits(af));
  for (i = 0; i < c->n; i++) {
    const struct pf_prefix *p = &c->p[i];
    assert_int_equal(p->af, af);
    assert_true(p->len <= pf_af_bits(af));
    assert_true(pf_prefix_first(p) == p->addr); /* aligned */
    assert_true(p->addr == next);
    next = pf_prefix_last(p) + 1;
    if (i > 0 && c->p[i - 1].len == p->len && p->len > 0) {
      /* siblings: same length and the pair is aligned one level up */
      struct pf_prefix up = c->p[i - 1];
      up.len--;
      assert_false(pf_prefix_first(&up) == c->p[i - 1].addr);
    }
  }
  assert_true(pf_prefix_last(&c->p[c->n - 1]) == hi);
}

static void test_range_to_prefixes(void **state)
{
  struct collect c;
  struct rng r = {42};
  unsigned i;
  (void)state;

  memset(&c, 0, sizeof(c));
  assert_int_equal(pf_range_to_prefixes(PF_AF_V4, 0x0a000001u, 0x0a000006u,
                                        collect_cb, &c), 0);
  assert_int_equal(c.n, 4);
  assert_string_equal(c.text[0], "10.0.0.1/32");
  assert_string_equal(c.text[1], "10.0.0.2/31");
  assert_string_equal(c.text[2], "10.0.0.4/31");
  assert_string_equal(c.text[3], "10.0.0.6/32");

  memset(&c, 0, sizeof(c));
  pf_range_to_prefixes(PF_AF_V4, 0, 0xffffffffu, collect_cb, &c);
  assert_int_equal(c.n, 1);
  assert_string_equal(c.text[0], "0.0.0.0/0");

  memset(&c, 0, sizeof(c));
  pf_range_to_prefixes(PF_AF_V6, 0, U128_MAX, collect_cb, &c);
  assert_int_equal(c.n, 1);
  assert_string_equal(c.text[0], "::/0");

  memset(&c, 0, sizeof(c));
  pf_range_to_prefixes(PF_AF_V6, U128_MAX, U128_MAX, collect_cb, &c);
  assert_int_equal(c.n, 1);
  assert_string_equal(c.text[0],
                      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");

  memset(&c, 0, sizeof(c));
  pf_range_to_prefixes(PF_AF_V4, 0xffffffffu, 0xffffffffu, collect_cb, &c);
  assert_int_equal(c.n, 1);
  assert_string_equal(c.text[0], "255.255.255.255/32");

  /* Worst cases: 2 * bits - 2 prefixes. */
  memset(&c, 0, sizeof(c));
  pf_range_to_prefixes(PF_AF_V6, 1, U128_MAX - 1, collect_cb, &c);
  assert_int_equal(c.n, 254);
  assert_string_equal(c.text[0], "::1/128");
  assert_string_equal(c.text[1], "::2/127");
  assert_string_equal(c.text[127], "8000::/2");
  check_cover(PF_AF_V6, 1, U128_MAX - 1, &c);

  memset(&c, 0, sizeof(c));
  pf_range_to_prefixes(PF_AF_V4, 1, 0xfffffffeu, collect_cb, &c);
  assert_int_equal(c.n, 62);
  check_cover(PF_AF_V4, 1, 0xfffffffeu, &c);

  memset(&c, 0, sizeof(c));
  pf_range_to_prefixes(PF_AF_V6, 0, U128_MAX - 1, collect_cb, &c);
  assert_int_equal(c.n, 128);
  assert_string_equal(c.text[0], "::/1");
  check_cover(PF_AF_V6, 0, U128_MAX - 1, &c);

  memset(&c, 0, sizeof(c));
  pf_range_to_prefixes(PF_AF_V4, 0x0a000000u, 0x0a0000ffu, collect_cb, &c);
  assert_int_equal(c.n, 1);
  assert_string_equal(c.text[0], "10.0.0.0/24");

  /* A non-zero callback return stops the walk and is passed through. */
  memset(&c, 0, sizeof(c));
  c.stop_at = 2;
  assert_int_equal(pf_range_to_prefixes(PF_AF_V4, 0x0a000001u, 0x0a000006u,
                                        collect_cb, &c), 7);
  assert_int_equal(c.n, 2);

  /* lo > hi: nothing; hi beyond the family is clipped. */
  memset(&c, 0, sizeof(c));
  assert_int_equal(pf_range_to_prefixes(PF_AF_V4, 5, 4, collect_cb, &c), 0);
  assert_int_equal(c.n, 0);
  pf_range_to_prefixes(PF_AF_V4, 0, U128_MAX, collect_cb, &c);
  assert_int_equal(c.n, 1);
  assert_string_equal(c.text[0], "0.0.0.0/0");

  for (i = 0; i < 3000; i++) {
    enum pf_af af = i & 1 ? PF_AF_V6 : PF_AF_V4;
    pf_u128 lo, hi, t, m = pf_af_max(af);
    if (af == PF_AF_V4) {
      lo = rng_next(&r) & 0xffffffffu;
      hi = rng_next(&r) & 0xffffffffu;
    } else {
      lo = u128_of(rng_next(&r), rng_next(&r));
      hi = u128_of(rng_next(&r), rng_next(&r));
      if (i % 3 == 0) /* ending near the top */
        hi = U128_MAX - (hi & 0xff);
    }
    if (lo > hi) {
      t = lo;
      lo = hi;
      hi = t;
    }
    if (i % 5 == 0) { /* short ranges */
      hi = lo + (rng_next(&r) & 0xff);
      if (hi < lo || hi > m)
        hi = m;
    }
    memset(&c, 0, sizeof(c));
    pf_range_to_prefixes(af, lo, hi, collect_cb, &c);
    check_cover(af, lo, hi, &c);
  }
}

/* ---- range sets: explicit edge cases ----------------------------------- */

static void assert_normal(const struct pf_rangeset *s)
{
  size_t i;
  for (i = 0; i < s->n; i++) {
    assert_true(s->r[i].lo <= s->r[i].hi);
    if (i)
      assert_true(s->r[i].lo > s->r[i - 1].hi &&
                  s->r[i].lo - 1 > s->r[i - 1].hi);
  }
}

static void test_rangeset_top(void **state)
{
  struct pf_rangeset a, b, d;
  const pf_u128 M = U128_MAX;
  (void)state;

  pf_rangeset_init(&a);
  pf_rangeset_init(&b);
  pf_rangeset_init(&d);

  /* Adjacency at the top merges; hi + 1 must not wrap to 0. */
  assert_int_equal(pf_rangeset_add(&a, M, M), PF_OK);
  assert_int_equal(pf_rangeset_add(&a, 0, 0), PF_OK);
  assert_int_equal(a.n, 2); /* 0 and M are not adjacent */
  assert_int_equal(pf_rangeset_add(&a, M - 1, M - 1), PF_OK);
  assert_int_equal(a.n, 2);
  assert_true(a.r[1].lo == M - 1 && a.r[1].hi == M);
  assert_true(pf_rangeset_contains(&a, M));
  assert_true(pf_rangeset_contains(&a, 0));
  assert_false(pf_rangeset_contains(&a, 1));
  assert_true(pf_rangeset_count(&a) == 3);
  assert_normal(&a);

  /* Complement within the maximum. */
  assert_int_equal(pf_rangeset_complement(&d, &a, M), PF_OK);
  assert_int_equal(d.n, 1);
  assert_true(d.r[0].lo == 1 && d.r[0].hi == M - 2);
  assert_true(pf_rangeset_count(&d) == M - 2);

  /* Push + normalize at the top. */
  pf_rangeset_clear(&b);
  assert_int_equal(pf_rangeset_push(&b, M, M), PF_OK);
  assert_int_equal(pf_rangeset_push(&b, M - 5, M - 1), PF_OK);
  assert_int_equal(pf_rangeset_push(&b, 0, 0), PF_OK);
  assert_int_equal(pf_rangeset_push(&b, M - 1, M), PF_OK);
  pf_rangeset_normalize(&b);
  assert_int_equal(b.n, 2);
  assert_true(b.r[1].lo == M - 5 && b.r[1].hi == M);

  /* Whole space: count saturates. */
  pf_rangeset_clear(&a);
  assert_int_equal(pf_rangeset_add(&a, 0, M), PF_OK);
  assert_true(pf_rangeset_count(&a) == M);
  pf_rangeset_clear(&a);
  assert_int_equal(pf_rangeset_add(&a, 0, M - 1), PF_OK);
  assert_true(pf_rangeset_count(&a) == M);
  assert_int_equal(pf_rangeset_add(&a, M, M), PF_OK);
  assert_int_equal(a.n, 1);
  assert_true(pf_rangeset_count(&a) == M);
  pf_rangeset_clear(&a);
  assert_int_equal(pf_rangeset_add(&a, 0, M / 2), PF_OK);
  assert_int_equal(pf_rangeset_add(&a, M / 2 + 2, M), PF_OK);
  assert_true(pf_rangeset_count(&a) == M); /* one short of 2^128 */

  /* Complement of the whole space is empty, of empty is everything. */
  pf_rangeset_clear(&a);
  assert_int_equal(pf_rangeset_add(&a, 0, M), PF_OK);
  assert_int_equal(pf_rangeset_complement(&d, &a, M), PF_OK);
  assert_true(pf_rangeset_empty(&d));
  pf_rangeset_clear(&a);
  assert_int_equal(pf_rangeset_complement(&d, &a, M), PF_OK);
  assert_int_equal(d.n, 1);
  assert_true(d.r[0].lo == 0 && d.r[0].hi == M);
  /* Ranges above max are clipped away. */
  assert_int_equal(pf_rangeset_add(&a, 10, 20), PF_OK);
  assert_int_equal(pf_rangeset_add(&a, 0x100000000ull, M), PF_OK);
  assert_int_equal(pf_rangeset_complement(&d, &a, 0xffffffffu), PF_OK);
  assert_int_equal(d.n, 2);
  assert_true(d.r[1].lo == 21 && d.r[1].hi == 0xffffffffu);

  /* Subtract and union touching the top. */
  pf_rangeset_clear(&a);
  pf_rangeset_clear(&b);
  pf_rangeset_add(&a, M - 10, M);
  pf_rangeset_add(&b, M - 3, M - 2);
  assert_int_equal(pf_rangeset_subtract(&d, &a, &b), PF_OK);
  assert_int_equal(d.n, 2);
  assert_true(d.r[0].lo == M - 10 && d.r[0].hi == M - 4);
  assert_true(d.r[1].lo == M - 1 && d.r[1].hi == M);
  pf_rangeset_clear(&b);
  pf_rangeset_add(&b, M, M);
  assert_int_equal(pf_rangeset_subtract(&d, &a, &b), PF_OK);
  assert_int_equal(d.n, 1);
  assert_true(d.r[0].hi == M - 1);
  assert_int_equal(pf_rangeset_union(&d, &a, &b), PF_OK);
  assert_true(pf_rangeset_equal(&d, &a));
  assert_true(pf_rangeset_contains_set(&a, &b));
  assert_false(pf_rangeset_contains_set(&b, &a));
  assert_true(pf_rangeset_overlaps(&a, &b));

  /* lo > hi is an empty interval and adds nothing. */
  pf_rangeset_clear(&a);
  assert_int_equal(pf_rangeset_add(&a, 5, 4), PF_OK);
  assert_int_equal(pf_rangeset_push(&a, 5, 4), PF_OK);
  assert_true(pf_rangeset_empty(&a));

  /* copy */
  pf_rangeset_add(&a, 1, 2);
  pf_rangeset_add(&a, M, M);
  assert_int_equal(pf_rangeset_copy(&d, &a), PF_OK);
  assert_true(pf_rangeset_equal(&d, &a));
  assert_int_equal(pf_rangeset_copy(&d, &d), PF_OK);
  assert_true(pf_rangeset_equal(&d, &a));

  pf_rangeset_release(&a);
  pf_rangeset_release(&b);
  pf_rangeset_release(&d);
  pf_rangeset_release(&d); /* released twice is fine */
  pf_rangeset_release(NULL);
}

/* ---- randomized differential test against a bitmap -------------------- */

#define UNIV 1024u
#define WORDS (UNIV / 64)

struct bm {
  uint64_t w[WORDS];
};

static void bm_set(struct bm *b, unsigned lo, unsigned hi)
{
  unsigned w;
  for (w = lo / 64; w <= hi / 64; w++) {
    unsigned a = w == lo / 64 ? lo % 64 : 0;
    unsigned z = w == hi / 64 ? hi % 64 : 63;
    uint64_t m = z - a == 63 ? ~0ull : ((1ull << (z - a + 1)) - 1) << a;
    b->w[w] |= m;
  }
}

static int bm_test(const struct bm *b, unsigned v)
{
  return (int)(b->w[v / 64] >> (v % 64) & 1);
}

static unsigned bm_count(const struct bm *b)
{
  unsigned k, c = 0;
  for (k = 0; k < WORDS; k++)
    c += (unsigned)__builtin_popcountll(b->w[k]);
  return c;
}

/* One iteration's universe: UNIV values starting at base.  With base at
 * U128_MAX - UNIV + 1 the last value is the maximum of pf_u128. */
struct diff {
  pf_u128 base;
  uint64_t seed;
  unsigned iter;
  const struct pf_rangeset *a, *b;
};

static void dump_set(const char *name, const struct pf_rangeset *s,
                     pf_u128 base)
{
  size_t i;
  print_message("  %s = {", name);
  for (i = 0; i < s->n; i++) {
    char x[64], y[48];
    if (s->r[i].lo < base)
      snprintf(x, sizeof(x), "base-%s", u128_str(y, base - s->r[i].lo));
    else
      u128_str(x, s->r[i].lo - base);
    print_message("%s[%s, %s]", i ? ", " : "", x,
                  s->r[i].hi < base ? "below-base"
                                    : u128_str(y, s->r[i].hi - base));
  }
  print_message("}\n");
}

static void diff_fail(const struct diff *d, const char *op,
                      const struct pf_rangeset *got, const char *what)
{
  char b[48];
  print_message("MISMATCH in %s (%s), seed %llu, iteration %u, base %s\n"
                "reproducer (values are offsets from base):\n",
                op, what, (unsigned long long)d->seed, d->iter,
                u128_str(b, d->base));
  dump_set("a", d->a, d->base);
  dump_set("b", d->b, d->base);
  if (got)
    dump_set("result", got, d->base);
  fail_msg("%s: %s", op, what);
}

/* Compare \p s with \p want: normal form, nothing outside the universe
 * except, with low_fill, exactly [0, base - 1] below it. */
static void check_set(const struct diff *d, const char *op,
                      const struct pf_rangeset *s, const struct bm *want,
                      int low_fill)
{
  struct bm got;
  size_t i;

  memset(&got, 0, sizeof(got));
  for (i = 0; i < s->n; i++) {
    pf_u128 lo = s->r[i].lo, hi = s->r[i].hi;
    if (lo > hi)
      diff_fail(d, op, s, "range with lo > hi");
    if (i && (lo <= s->r[i - 1].hi || lo - 1 == s->r[i - 1].hi))
      diff_fail(d, op, s, "ranges overlap, touch or are unsorted");
    if (lo < d->base) {
      if (!low_fill || i != 0 || lo != 0 || hi < d->base - 1)
        diff_fail(d, op, s, "range below the universe");
      if (hi < d->base)
        continue;
      lo = d->base;
    }
    if (hi - d->base >= UNIV)
      diff_fail(d, op, s, "range above the universe");
    bm_set(&got, (unsigned)(lo - d->base), (unsigned)(hi - d->base));
  }
  if (low_fill && (s->n == 0 || s->r[0].lo != 0))
    diff_fail(d, op, s, "values below the universe missing");
  if (memcmp(&got, want, sizeof(got)))
    diff_fail(d, op, s, "elements differ from the bitmap");
}

static void check_int(const struct diff *d, const char *op, int got,
                      int want)
{
  char what[64];
  if (!!got == !!want)
    return;
  snprintf(what, sizeof(what), "got %d, want %d", !!got, !!want);
  diff_fail(d, op, NULL, what);
}

/* A random set inside [lo_w, lo_w + span - 1] of the universe, built with
 * add (use_push 0) or push + normalize (1), mirrored into \p bm. */
static void random_set(struct rng *r, struct pf_rangeset *s, struct bm *bm,
                       pf_u128 base, unsigned lo_w, unsigned span,
                       int use_push)
{
  unsigned k, nr = rng_below(r, 9);

  pf_rangeset_clear(s);
  memset(bm, 0, sizeof(*bm));
  for (k = 0; k < nr; k++) {
    unsigned lo, hi, len, pick = rng_below(r, 8);
    lo = pick == 0   ? lo_w
         : pick == 1 ? lo_w + span - 1
                     : lo_w + rng_below(r, span);
    len = 1 + rng_below(r, 1u << rng_below(r, 7));
    hi = lo + len - 1;
    if (hi > lo_w + span - 1 || rng_below(r, 8) == 0)
      hi = lo_w + span - 1;
    bm_set(bm, lo, hi);
    if (use_push)
      assert_int_equal(pf_rangeset_push(s, base + lo, base + hi), PF_OK);
    else
      assert_int_equal(pf_rangeset_add(s, base + lo, base + hi), PF_OK);
  }
  if (use_push)
    pf_rangeset_normalize(s);
}

/* A random subset of \p src (used so contains_set / equal are true often
 * enough to matter). */
static void random_subset(struct rng *r, struct pf_rangeset *s,
                          struct bm *bm, const struct pf_rangeset *src,
                          pf_u128 base)
{
  size_t i;
  pf_rangeset_clear(s);
  memset(bm, 0, sizeof(*bm));
  for (i = 0; i < src->n; i++) {
    unsigned lo = (unsigned)(src->r[i].lo - base);
    unsigned hi = (unsigned)(src->r[i].hi - base);
    if (rng_below(r, 4) == 0)
      continue;
    if (rng_below(r, 2)) {
      lo += rng_below(r, hi - lo + 1);
      hi = lo + rng_below(r, hi - lo + 1);
    }
    bm_set(bm, lo, hi);
    assert_int_equal(pf_rangeset_push(s, base + lo, base + hi), PF_OK);
  }
  pf_rangeset_normalize(s);
}

static void run_differential(pf_u128 base, uint64_t seed, unsigned iters)
{
  static const unsigned spans[] = {8, 32, 128, UNIV};
  struct pf_rangeset a, a2, b, b2, d;
  struct bm ba, ba2, bb, bb2, want;
  struct rng r;
  struct diff ctx;
  const int top = base != 0;
  unsigned it, k;

  r.s = seed;
  ctx.base = base;
  ctx.seed = seed;
  ctx.a = &a;
  ctx.b = &b;
  pf_rangeset_init(&a);
  pf_rangeset_init(&a2);
  pf_rangeset_init(&b);
  pf_rangeset_init(&b2);
  pf_rangeset_init(&d);
  for (it = 0; it < iters; it++) {
    unsigned span = spans[rng_below(&r, ARRAY_LEN(spans))];
    unsigned lo_w = top || rng_below(&r, 2) ? UNIV - span : 0;
    unsigned mode = rng_below(&r, 8), max_off;
    pf_u128 cnt;

    ctx.iter = it;
    /* a by add, and the same random draw again by push + normalize */
    {
      struct rng save = r;
      random_set(&r, &a, &ba, base, lo_w, span, 0);
      r = save;
      random_set(&r, &a2, &ba2, base, lo_w, span, 1);
    }
    check_set(&ctx, "add", &a, &ba, 0);
    check_set(&ctx, "push+normalize", &a2, &ba, 0);
    check_int(&ctx, "equal(add, push)", pf_rangeset_equal(&a, &a2), 1);

    if (mode == 0) {
      random_subset(&r, &b, &bb, &a, base);
    } else if (mode == 1) {
      assert_int_equal(pf_rangeset_copy(&b, &a), PF_OK);
      bb = ba;
    } else {
      struct rng save = r;
      random_set(&r, &b, &bb, base, lo_w, span, 1);
      r = save;
      random_set(&r, &b2, &bb2, base, lo_w, span, 0);
      check_int(&ctx, "equal(push, add)", pf_rangeset_equal(&b, &b2), 1);
    }
    check_set(&ctx, "b", &b, &bb, 0);

    for (k = 0; k < WORDS; k++)
      want.w[k] = ba.w[k] | bb.w[k];
    assert_int_equal(pf_rangeset_union(&d, &a, &b), PF_OK);
    check_set(&ctx, "union", &d, &want, 0);
    cnt = pf_rangeset_count(&d);
    if (cnt != bm_count(&want))
      diff_fail(&ctx, "count(union)", &d, "count differs");

    for (k = 0; k < WORDS; k++)
      want.w[k] = ba.w[k] & bb.w[k];
    assert_int_equal(pf_rangeset_intersect(&d, &a, &b), PF_OK);
    check_set(&ctx, "intersect", &d, &want, 0);
    check_int(&ctx, "overlaps(a, b)", pf_rangeset_overlaps(&a, &b),
              bm_count(&want) != 0);
    check_int(&ctx, "overlaps(b, a)", pf_rangeset_overlaps(&b, &a),
              bm_count(&want) != 0);

    for (k = 0; k < WORDS; k++)
      want.w[k] = ba.w[k] & ~bb.w[k];
    assert_int_equal(pf_rangeset_subtract(&d, &a, &b), PF_OK);
    check_set(&ctx, "subtract(a, b)", &d, &want, 0);
    check_int(&ctx, "contains_set(b, a)", pf_rangeset_contains_set(&b, &a),
              bm_count(&want) == 0);

    for (k = 0; k < WORDS; k++)
      want.w[k] = bb.w[k] & ~ba.w[k];
    assert_int_equal(pf_rangeset_subtract(&d, &b, &a), PF_OK);
    check_set(&ctx, "subtract(b, a)", &d, &want, 0);
    check_int(&ctx, "contains_set(a, b)", pf_rangeset_contains_set(&a, &b),
              bm_count(&want) == 0);

    check_int(&ctx, "equal(a, b)", pf_rangeset_equal(&a, &b),
              !memcmp(&ba, &bb, sizeof(ba)));

    /* complement within a random max inside the universe (or its top) */
    max_off = rng_below(&r, 2) ? UNIV - 1 : rng_below(&r, UNIV);
    memset(&want, 0, sizeof(want));
    for (k = 0; k <= max_off; k++)
      if (!bm_test(&ba, k))
        want.w[k / 64] |= 1ull << (k % 64);
    assert_int_equal(pf_rangeset_complement(&d, &a, base + max_off),
                     PF_OK);
    check_set(&ctx, "complement", &d, &want, top);
    cnt = pf_rangeset_count(&d);
    {
      /* below the universe there are base values more, saturating */
      pf_u128 exp = bm_count(&want);
      if (top)
        exp = exp > U128_MAX - base ? U128_MAX : exp + base;
      if (cnt != exp)
        diff_fail(&ctx, "count(complement)", &d, "count differs");
    }

    /* contains, including the values just outside the universe */
    for (k = 0; k < 16; k++) {
      unsigned v = k < 2 ? (k ? UNIV - 1 : 0) : rng_below(&r, UNIV);
      check_int(&ctx, "contains", pf_rangeset_contains(&a, base + v),
                bm_test(&ba, v));
    }
    if (top)
      check_int(&ctx, "contains(base - 1)",
                pf_rangeset_contains(&a, base - 1), 0);
    else
      check_int(&ctx, "contains(UNIV)", pf_rangeset_contains(&a, UNIV), 0);
    check_int(&ctx, "contains(0)", pf_rangeset_contains(&a, 0),
              !top && bm_test(&ba, 0));
    check_int(&ctx, "contains(max)", pf_rangeset_contains(&a, U128_MAX),
              top && bm_test(&ba, UNIV - 1));
    if (pf_rangeset_count(&a) != bm_count(&ba))
      diff_fail(&ctx, "count(a)", &a, "count differs");

    /* incremental add on top of an existing set */
    assert_int_equal(pf_rangeset_copy(&d, &a), PF_OK);
    want = ba;
    for (k = 0; k < b.n; k++)
      assert_int_equal(pf_rangeset_add(&d, b.r[k].lo, b.r[k].hi), PF_OK);
    for (k = 0; k < WORDS; k++)
      want.w[k] |= bb.w[k];
    check_set(&ctx, "add(a, ranges of b)", &d, &want, 0);
  }
  pf_rangeset_release(&a);
  pf_rangeset_release(&a2);
  pf_rangeset_release(&b);
  pf_rangeset_release(&b2);
  pf_rangeset_release(&d);
}

static void test_rangeset_random_low(void **state)
{
  (void)state;
  run_differential(0, 20240601u, 25000);
}

static void test_rangeset_random_top(void **state)
{
  (void)state;
  run_differential(U128_MAX - (UNIV - 1), 777u, 25000);
}

/* A large set against a single range: the galloping searches must give
 * the same answers as the plain ones. */
static void test_rangeset_large(void **state)
{
  struct pf_rangeset a, b, d;
  unsigned i;
  (void)state;

  pf_rangeset_init(&a);
  pf_rangeset_init(&b);
  pf_rangeset_init(&d);
  for (i = 0; i < 10000; i++) /* even numbers 0..19998 as [2i, 2i] */
    assert_int_equal(pf_rangeset_push(&a, 2 * i, 2 * i), PF_OK);
  pf_rangeset_normalize(&a);
  assert_int_equal(a.n, 10000);
  for (i = 0; i < 20000; i++)
    assert_int_equal(pf_rangeset_contains(&a, i), (i & 1) == 0);
  assert_false(pf_rangeset_contains(&a, 20000));
  pf_rangeset_add(&b, 19998, 19998);
  assert_true(pf_rangeset_contains_set(&a, &b));
  assert_true(pf_rangeset_overlaps(&a, &b));
  assert_true(pf_rangeset_overlaps(&b, &a));
  pf_rangeset_add(&b, 19999, 30000);
  assert_false(pf_rangeset_contains_set(&a, &b));
  pf_rangeset_clear(&b);
  pf_rangeset_add(&b, 19999, 19999);
  assert_false(pf_rangeset_overlaps(&a, &b));
  assert_false(pf_rangeset_overlaps(&b, &a));
  /* filling the odd numbers merges everything into one range */
  for (i = 0; i < 10000; i++)
    assert_int_equal(pf_rangeset_add(&a, 2 * i + 1, 2 * i + 1), PF_OK);
  assert_int_equal(a.n, 1);
  assert_true(a.r[0].lo == 0 && a.r[0].hi == 19999);
  /* reverse-order push is sorted by normalize */
  pf_rangeset_clear(&d);
  for (i = 10000; i-- > 0;)
    assert_int_equal(pf_rangeset_push(&d, 3 * i, 3 * i + 1), PF_OK);
  pf_rangeset_normalize(&d);
  assert_int_equal(d.n, 10000);
  assert_normal(&d);
  pf_rangeset_release(&a);
  pf_rangeset_release(&b);
  pf_rangeset_release(&d);
}

/* ---- address sets ------------------------------------------------------- */

static struct pf_prefix pfx(const char *txt)
{
  struct pf_prefix p;
  struct pf_err err;
  pf_err_clear(&err);
  if (pf_prefix_parse(txt, strlen(txt), 1, &p, &err) != PF_OK)
    fail_msg("%s", err.msg);
  return p;
}

static struct pf_addr addr(const char *txt)
{
  struct pf_addr a;
  if (pf_addr_parse(txt, strlen(txt), &a, NULL) != PF_OK)
    fail_msg("bad test address '%s'", txt);
  return a;
}

static void test_ipset(void **state)
{
  struct pf_ipset a, b, d, all;
  struct pf_prefix p;
  struct pf_addr x;
  (void)state;

  pf_ipset_init(&a);
  pf_ipset_init(&b);
  pf_ipset_init(&d);
  pf_ipset_init(&all);
  assert_true(pf_ipset_empty(&a));

  p = pfx("10.0.0.0/8");
  assert_int_equal(pf_ipset_add_prefix(&a, &p), PF_OK);
  p = pfx("2001:db8::/32");
  assert_int_equal(pf_ipset_add_prefix(&a, &p), PF_OK);
  assert_false(pf_ipset_empty(&a));
  x = addr("10.255.255.255");
  assert_true(pf_ipset_contains_addr(&a, &x));
  x = addr("11.0.0.0");
  assert_false(pf_ipset_contains_addr(&a, &x));
  /* same numeric value, other family */
  x = addr("::a00:1");
  assert_false(pf_ipset_contains_addr(&a, &x));
  x = addr("2001:db8:ffff::1");
  assert_true(pf_ipset_contains_addr(&a, &x));

  /* b by push + normalize: 10.1.0.0/16 and 10.2.0.0/16 and ::1 */
  p = pfx("10.2.0.0/16");
  assert_int_equal(pf_ipset_push_prefix(&b, &p), PF_OK);
  p = pfx("10.1.0.0/16");
  assert_int_equal(pf_ipset_push_prefix(&b, &p), PF_OK);
  p = pfx("::1");
  assert_int_equal(pf_ipset_push_prefix(&b, &p), PF_OK);
  pf_ipset_normalize(&b);
  assert_int_equal(b.fam[PF_AF_V4].n, 1); /* adjacent /16s merged */
  assert_int_equal(b.fam[PF_AF_V6].n, 1);

  assert_true(pf_ipset_overlaps(&a, &b));
  assert_false(pf_ipset_contains_set(&a, &b)); /* ::1 */
  assert_int_equal(pf_ipset_intersect(&d, &a, &b), PF_OK);
  assert_true(pf_rangeset_count(&d.fam[PF_AF_V4]) == 2 * 65536);
  assert_true(pf_ipset_contains_set(&a, &d));
  assert_true(pf_ipset_contains_set(&b, &d));
  assert_int_equal(pf_ipset_union(&d, &a, &b), PF_OK);
  assert_true(pf_ipset_contains_set(&d, &a));
  assert_true(pf_ipset_contains_set(&d, &b));
  assert_int_equal(pf_ipset_subtract(&d, &a, &b), PF_OK);
  assert_false(pf_ipset_overlaps(&d, &b));
  assert_true(pf_rangeset_count(&d.fam[PF_AF_V4]) ==
              (1u << 24) - 2 * 65536);

  assert_int_equal(pf_ipset_add_all(&all), PF_OK);
  assert_true(pf_ipset_contains_set(&all, &a));
  assert_true(pf_ipset_contains_set(&all, &b));
  assert_true(all.fam[PF_AF_V4].r[0].hi == 0xffffffffu);
  assert_true(all.fam[PF_AF_V6].r[0].hi == U128_MAX);
  x = addr("255.255.255.255");
  assert_true(pf_ipset_contains_addr(&all, &x));
  x = addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  assert_true(pf_ipset_contains_addr(&all, &x));
  p = pfx("0.0.0.0/0");
  pf_ipset_clear(&d);
  assert_int_equal(pf_ipset_add_prefix(&d, &p), PF_OK);
  assert_false(pf_ipset_equal(&d, &all));
  p = pfx("::/0");
  assert_int_equal(pf_ipset_add_prefix(&d, &p), PF_OK);
  assert_true(pf_ipset_equal(&d, &all));

  assert_int_equal(pf_ipset_copy(&d, &a), PF_OK);
  assert_true(pf_ipset_equal(&d, &a));
  pf_ipset_clear(&d);
  assert_true(pf_ipset_empty(&d));

  pf_ipset_release(&a);
  pf_ipset_release(&b);
  pf_ipset_release(&d);
  pf_ipset_release(&all);
  pf_ipset_release(NULL);
}

/* ---- ports -------------------------------------------------------------- */

static void check_ports(const char *const *fields, size_t n,
                        const char *want)
{
  struct pf_rangeset s;
  struct pf_err err;
  char buf[256];
  size_t i;

  pf_rangeset_init(&s);
  pf_err_clear(&err);
  for (i = 0; i < n; i++)
    if (pf_portset_parse_add(&s, fields[i], strlen(fields[i]), &err))
      fail_msg("'%s' rejected: %s", fields[i], err.msg);
  assert_int_equal(pf_portset_format(&s, buf, sizeof(buf)), strlen(want));
  assert_string_equal(buf, want);
  pf_rangeset_release(&s);
}

static void check_port_err(const char *txt, const char *msg)
{
  struct pf_rangeset s;
  struct pf_err err;

  pf_rangeset_init(&s);
  pf_err_clear(&err);
  if (pf_portset_parse_add(&s, txt, strlen(txt), &err) != PF_EINVAL)
    fail_msg("'%s' accepted", txt);
  assert_true(pf_rangeset_empty(&s));
  if (strcmp(err.msg, msg))
    fail_msg("'%s': got \"%s\", want \"%s\"", txt, err.msg, msg);
  pf_rangeset_release(&s);
}

static void test_ports(void **state)
{
  static const char *const f1[] = {"443", "80", "8000-8080"};
  static const char *const f2[] = {"*"};
  static const char *const f3[] = {"0-65535"};
  static const char *const f4[] = {"0-100", "101-65535"};
  static const char *const f5[] = {"22", "21", "23", "65535", "0"};
  static const char *const f6[] = {"080", "00443"};
  static const char *const f7[] = {"1-65535"};
  static const char *const f8[] = {"80-80"};
  (void)state;

  check_ports(f1, 3, "80,443,8000-8080");
  check_ports(f2, 1, "*");
  check_ports(f3, 1, "*");
  check_ports(f4, 2, "*");
  check_ports(f5, 5, "0,21-23,65535");
  check_ports(f6, 2, "80,443");
  check_ports(f7, 1, "1-65535");
  check_ports(f8, 1, "80");
  check_ports(NULL, 0, "");

  check_port_err("", "invalid port range '': empty");
  check_port_err("70000", "invalid port range '70000': port above 65535");
  check_port_err("65536", "invalid port range '65536': port above 65535");
  check_port_err("99999999999999999999999", "invalid port range "
                 "'99999999999999999999999': port above 65535");
  check_port_err("1-65536", "invalid port range '1-65536': port above "
                 "65535");
  check_port_err("90-80", "invalid port range '90-80': start above end");
  check_port_err("-80", "invalid port range '-80': missing start port");
  check_port_err("80-", "invalid port range '80-': missing end port");
  check_port_err("-", "invalid port range '-': missing start port");
  check_port_err("+80", "invalid port range '+80': unexpected character "
                 "'+'");
  check_port_err(" 80", "invalid port range ' 80': unexpected character "
                 "' '");
  check_port_err("80 ", "invalid port range '80 ': unexpected character "
                 "' '");
  check_port_err("80 - 90", "invalid port range '80 - 90': unexpected "
                 "character ' '");
  check_port_err("80-90-100", "invalid port range '80-90-100': unexpected "
                 "character '-'");
  check_port_err("80,443", "invalid port range '80,443': unexpected "
                 "character ','");
  check_port_err("**", "invalid port range '**': unexpected character "
                 "'*'");
  check_port_err("*-80", "invalid port range '*-80': unexpected character "
                 "'*'");
  check_port_err("Any", "invalid port range 'Any': unexpected character "
                 "'A'");
  check_port_err("0x50", "invalid port range '0x50': unexpected character "
                 "'x'");
  check_port_err("80-+90", "invalid port range '80-+90': unexpected "
                 "character '+'");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_v4_valid),
    cmocka_unit_test(test_v4_invalid),
    cmocka_unit_test(test_v6_valid),
    cmocka_unit_test(test_v6_invalid),
    cmocka_unit_test(test_not_nul_terminated),
    cmocka_unit_test(test_message_quoting),
    cmocka_unit_test(test_format_truncation),
    cmocka_unit_test(test_v6_vs_libc),
    cmocka_unit_test(test_prefix_valid),
    cmocka_unit_test(test_prefix_invalid),
    cmocka_unit_test(test_range_to_prefixes),
    cmocka_unit_test(test_rangeset_top),
    cmocka_unit_test(test_rangeset_random_low),
    cmocka_unit_test(test_rangeset_random_top),
    cmocka_unit_test(test_rangeset_large),
    cmocka_unit_test(test_ipset),
    cmocka_unit_test(test_ports),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
