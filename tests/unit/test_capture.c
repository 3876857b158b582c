/* SPDX-License-Identifier: MIT */
/* test_capture.c - packet decoding, the handshake state machine, the
 * libpcap reader on real and damaged captures, tag attribution
 *
 * Expected states of the shared captures were read off tcpdump -r (see
 * ../shared/fixtures/pcap/PCAP_SUMMARY.txt and SOURCES.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/pf_mem.h"
#include "eval/pf_capture.h"
#include "load/pf_pcap.h"
#include "model/pf_tags.h"

#define PCAP_DIR PF_FIXTURES "/pcap/"
#define DATA_DIR PF_TESTS_DIR "/data/capture/"
#define EXAMPLE_TAGS PF_TESTS_DIR "/../examples/contoso-westeurope/" \
  "service-tags.json"

#define NEED(path)                                                        \
  do {                                                                    \
    if (access((path), R_OK) != 0) {                                      \
      print_message("fixture %s missing: skipped\n", (path));             \
      skip();                                                             \
    }                                                                     \
  } while (0)

/* ---- packet builders --------------------------------------------------- */

static size_t put16(uint8_t *p, unsigned v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
  return 2;
}

static size_t put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
  return 4;
}

static size_t tcp_hdr(uint8_t *p, unsigned sport, unsigned dport,
                      uint32_t seq, uint32_t ack, unsigned flags)
{
  memset(p, 0, 20);
  put16(p, sport);
  put16(p + 2, dport);
  put32(p + 4, seq);
  put32(p + 8, ack);
  p[12] = 5 << 4;
  p[13] = (uint8_t)flags;
  return 20;
}

/* IPv4 + TCP (+ paylen zero bytes) at p. */
static size_t ip4_tcp(uint8_t *p, uint32_t src, uint32_t dst, unsigned sport,
                      unsigned dport, uint32_t seq, uint32_t ack,
                      unsigned flags, unsigned paylen)
{
  memset(p, 0, 20);
  p[0] = 0x45;
  put16(p + 2, 40 + paylen);
  p[8] = 64;
  p[9] = 6;
  put32(p + 12, src);
  put32(p + 16, dst);
  tcp_hdr(p + 20, sport, dport, seq, ack, flags);
  memset(p + 40, 0, paylen);
  return 40 + paylen;
}

static size_t eth_hdr(uint8_t *p, unsigned type)
{
  memset(p, 0, 12);
  p[0] = 2;
  p[6] = 2;
  return 12 + put16(p + 12, type);
}

/* ---- decoding ----------------------------------------------------------- */

static void test_decode_ethernet_vlan(void **state)
{
  uint8_t b[256];
  struct pf_seg s;
  size_t n = eth_hdr(b, 0x8100);
  (void)state;
  n += put16(b + n, 7);          /* TCI */
  n += put16(b + n, 0x0800);
  n += ip4_tcp(b + n, 0x0D454146, 0x0A140104, 50000, 29876, 1000, 0,
               PF_TCP_SYN, 0);
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_ETHERNET, b, n, &s), PF_PK_TCP);
  assert_int_equal(s.af, PF_AF_V4);
  assert_true(s.src == 0x0D454146);
  assert_true(s.dst == 0x0A140104);
  assert_int_equal(s.sport, 50000);
  assert_int_equal(s.dport, 29876);
  assert_int_equal(s.seq, 1000);
  assert_int_equal(s.flags, PF_TCP_SYN);
  assert_int_equal(s.paylen, 0);
}

static void test_decode_sll_sll2_null(void **state)
{
  uint8_t b[256];
  struct pf_seg s;
  size_t n;
  (void)state;
  /* SLL: 16 bytes, protocol at 14 */
  memset(b, 0, 16);
  put16(b + 14, 0x0800);
  n = 16 + ip4_tcp(b + 16, 1, 2, 3, 4, 5, 6, PF_TCP_ACK, 10);
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_LINUX_SLL, b, n, &s),
                   PF_PK_TCP);
  assert_int_equal(s.paylen, 10);
  /* SLL2: 20 bytes, protocol at 0 */
  memset(b, 0, 20);
  put16(b, 0x0800);
  n = 20 + ip4_tcp(b + 20, 1, 2, 3, 4, 5, 6, PF_TCP_ACK, 0);
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_LINUX_SLL2, b, n, &s),
                   PF_PK_TCP);
  assert_int_equal(s.sport, 3);
  /* SLL2 with ARP */
  put16(b, 0x0806);
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_LINUX_SLL2, b, n, &s),
                   PF_PK_NOT_IP);
  /* BSD loopback, family 2 in either byte order */
  b[0] = 2;
  b[1] = b[2] = b[3] = 0;
  n = 4 + ip4_tcp(b + 4, 1, 2, 3, 4, 5, 6, PF_TCP_ACK, 0);
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_NULL, b, n, &s), PF_PK_TCP);
  b[0] = 0;
  b[3] = 2;
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_LOOP, b, n, &s), PF_PK_TCP);
  b[3] = 99;
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_LOOP, b, n, &s), PF_PK_NOT_IP);
  /* unsupported link type */
  assert_int_equal(pf_cap_decode(105, b, n, &s), PF_PK_BAD);
  assert_null(pf_linktype_name(105));
  assert_string_equal(pf_linktype_name(PF_LINKTYPE_LINUX_SLL2),
                      "Linux cooked v2 (SLL2)");
}

/* Raw IPv6 with \p n_ext extension headers of type \p ext_type. */
static size_t ip6_tcp(uint8_t *b, unsigned ext_type, unsigned n_ext,
                      unsigned paylen)
{
  size_t n = 40, i;
  memset(b, 0, 40);
  b[0] = 0x60;
  b[6] = (uint8_t)(n_ext ? ext_type : 6);
  b[7] = 64;
  b[8] = 0x20;
  b[9] = 0x01;
  b[23] = 5;      /* 2001::5 */
  b[24] = 0x20;
  b[25] = 0x01;
  b[39] = 6;      /* 2001::6 */
  for (i = 0; i < n_ext; i++) {
    memset(b + n, 0, 8);
    b[n] = (uint8_t)(i + 1 < n_ext ? ext_type : 6);
    n += 8;
  }
  n += tcp_hdr(b + n, 1234, 44224, 77, 0, PF_TCP_SYN);
  memset(b + n, 0, paylen);
  n += paylen;
  put16(b + 4, (unsigned)(n - 40));
  return n;
}

static void test_decode_ipv6_exthdr(void **state)
{
  uint8_t b[512];
  struct pf_seg s;
  size_t n;
  (void)state;
  n = ip6_tcp(b, 0, 0, 5);
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s), PF_PK_TCP);
  assert_int_equal(s.af, PF_AF_V6);
  assert_true(s.src == (((pf_u128)0x20010000u << 96) | 5));
  assert_int_equal(s.dport, 44224);
  assert_int_equal(s.paylen, 5);
  n = ip6_tcp(b, 60, 3, 0);          /* three destination options */
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_IPV6, b, n, &s), PF_PK_TCP);
  assert_int_equal(s.seq, 77);
  n = ip6_tcp(b, 0, PF_CAP_MAX_EXTHDR, 0);
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s), PF_PK_TCP);
  n = ip6_tcp(b, 60, PF_CAP_MAX_EXTHDR + 1, 0);   /* one too many */
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s), PF_PK_BAD);
  /* a fragment header with offset 0 and M set: a first fragment */
  n = ip6_tcp(b, 44, 1, 0);
  b[40 + 3] = 1;
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s),
                   PF_PK_FRAGMENT);
  /* an atomic fragment (offset 0, M clear) is a whole packet */
  b[40 + 3] = 0;
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s), PF_PK_TCP);
  /* ICMPv6 */
  n = ip6_tcp(b, 0, 0, 0);
  b[6] = 58;
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s),
                   PF_PK_NOT_TCP);
  /* an extension header longer than the payload length says */
  n = ip6_tcp(b, 60, 1, 0);
  b[41] = 200;
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s), PF_PK_BAD);
}

static void test_decode_ipv4_edge(void **state)
{
  uint8_t b[128];
  struct pf_seg s;
  size_t n;
  (void)state;
  n = ip4_tcp(b, 1, 2, 3, 4, 5, 6, PF_TCP_SYN, 0);
  b[6] = 0x20;                        /* MF: a first fragment */
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s),
                   PF_PK_FRAGMENT);
  b[6] = 0x00;
  b[7] = 0x10;                        /* offset 16 */
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s),
                   PF_PK_FRAGMENT);
  b[7] = 0;
  b[6] = 0x40;                        /* DF is fine */
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s), PF_PK_TCP);
  b[32] = 4 << 4;                     /* TCP data offset 4: malformed */
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s), PF_PK_BAD);
  b[32] = 5 << 4;
  b[0] = 0x44;                        /* IHL 4 */
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s), PF_PK_BAD);
  b[0] = 0x45;
  b[9] = 17;                          /* UDP */
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s),
                   PF_PK_NOT_TCP);
  b[9] = 6;
  b[2] = b[3] = 0;                    /* total length 0 (TSO) */
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s), PF_PK_TCP);
  assert_int_equal(s.paylen, 0);
  b[0] = 0x75;                        /* version 7 */
  assert_int_equal(pf_cap_decode(PF_LINKTYPE_RAW, b, n, &s), PF_PK_BAD);
}

/* Every prefix of a valid packet decodes without reading past it (ASan
 * checks each length with an exact-size heap copy). */
static void test_decode_every_cut(void **state)
{
  uint8_t b[512];
  size_t sizes[4], i, cut;
  int lts[4] = {PF_LINKTYPE_ETHERNET, PF_LINKTYPE_RAW, PF_LINKTYPE_RAW,
                PF_LINKTYPE_LINUX_SLL2};
  uint8_t pkts[4][512];
  (void)state;
  sizes[0] = eth_hdr(pkts[0], 0x88A8);
  sizes[0] += put16(pkts[0] + sizes[0], 1);
  sizes[0] += put16(pkts[0] + sizes[0], 0x8100);
  sizes[0] += put16(pkts[0] + sizes[0], 2);
  sizes[0] += put16(pkts[0] + sizes[0], 0x0800);
  sizes[0] += ip4_tcp(pkts[0] + sizes[0], 1, 2, 3, 4, 5, 6, PF_TCP_SYN, 0);
  sizes[1] = ip6_tcp(pkts[1], 0, 4, 3);
  sizes[2] = ip6_tcp(pkts[2], 51, 2, 0);
  memset(b, 0, 20);
  put16(b, 0x86DD);
  sizes[3] = 20 + ip6_tcp(b + 20, 43, 1, 0);
  memcpy(pkts[3], b, sizes[3]);
  for (i = 0; i < 4; i++) {
    struct pf_seg s;
    assert_int_equal(pf_cap_decode(lts[i], pkts[i], sizes[i], &s),
                     PF_PK_TCP);
    for (cut = 0; cut < sizes[i]; cut++) {
      uint8_t *copy = pf_malloc(cut ? cut : 1);
      enum pf_pkt_kind k;
      assert_non_null(copy);
      memcpy(copy, pkts[i], cut);
      k = pf_cap_decode(lts[i], copy, cut, &s);
      /* a cut inside the payload still decodes; in the headers: short */
      assert_true(k == PF_PK_SHORT || k == PF_PK_TCP);
      pf_free(copy);
    }
  }
}

/* ---- state machine ------------------------------------------------------ */

#define C_ADDR 0x0D454146u   /* 13.69.65.70 */
#define S_ADDR 0x0A140104u   /* 10.20.1.4 */
#define SEC 1000000000LL

static void seg(struct pf_cap *c, int64_t t, int from_client, unsigned flags,
                uint32_t seq, uint32_t ack, uint32_t paylen)
{
  struct pf_seg s;
  memset(&s, 0, sizeof(s));
  s.af = PF_AF_V4;
  s.src = from_client ? C_ADDR : S_ADDR;
  s.dst = from_client ? S_ADDR : C_ADDR;
  s.sport = from_client ? 50000 : 29876;
  s.dport = from_client ? 29876 : 50000;
  s.flags = flags;
  s.seq = seq;
  s.ack = ack;
  s.paylen = paylen;
  assert_int_equal(pf_cap_feed_seg(c, t, &s), PF_OK);
}

static const struct pf_conn *only(struct pf_cap *c, int64_t end)
{
  pf_cap_finish(c, end);
  assert_int_equal(pf_cap_count(c), 1);
  return pf_cap_at(c, 0);
}

static void test_state_completed_and_reset(void **state)
{
  struct pf_cap *c;
  const struct pf_conn *k;
  (void)state;
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 1, PF_TCP_SYN, 100, 0, 0);
  seg(c, 10, 0, PF_TCP_SYN | PF_TCP_ACK, 900, 101, 0);
  seg(c, 20, 1, PF_TCP_ACK, 101, 901, 0);
  seg(c, 30, 1, PF_TCP_ACK | PF_TCP_PSH, 101, 901, 50);
  seg(c, 40, 1, PF_TCP_ACK | PF_TCP_PSH, 101, 901, 50);   /* again */
  k = only(c, 0);
  assert_int_equal(k->state, PF_CS_COMPLETED);
  assert_true(k->client == C_ADDR);
  assert_int_equal(k->sport, 29876);
  assert_int_equal(k->syn_count, 1);
  assert_int_equal(k->synack_count, 1);
  assert_int_equal(k->retrans, 1);
  assert_int_equal(k->packets, 5);
  pf_cap_destroy(c);

  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 1, PF_TCP_SYN, 100, 0, 0);
  seg(c, 10, 0, PF_TCP_SYN | PF_TCP_ACK, 900, 101, 0);
  seg(c, 20, 1, PF_TCP_ACK, 101, 901, 0);
  seg(c, 30, 0, PF_TCP_RST, 901, 0, 0);
  assert_int_equal(only(c, 0)->state, PF_CS_RESET);
  pf_cap_destroy(c);
}

static void test_state_refused_unanswered_pending(void **state)
{
  struct pf_cap *c;
  (void)state;
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 1, PF_TCP_SYN, 100, 0, 0);
  seg(c, 10, 0, PF_TCP_RST | PF_TCP_ACK, 0, 101, 0);
  assert_int_equal(only(c, 0)->state, PF_CS_REFUSED);
  pf_cap_destroy(c);

  /* one SYN, capture ends 0.5 s later: too early to tell */
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 1, PF_TCP_SYN, 100, 0, 0);
  assert_int_equal(only(c, SEC / 2)->state, PF_CS_PENDING);
  pf_cap_destroy(c);

  /* the same, 1 s later: unanswered */
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 1, PF_TCP_SYN, 100, 0, 0);
  assert_int_equal(only(c, SEC)->state, PF_CS_UNANSWERED);
  pf_cap_destroy(c);

  /* retransmitted SYN: unanswered at once, one connection */
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 1, PF_TCP_SYN, 100, 0, 0);
  seg(c, 5, 1, PF_TCP_SYN, 100, 0, 0);
  assert_int_equal(only(c, 0)->syn_count, 2);
  assert_int_equal(pf_cap_at(c, 0)->state, PF_CS_UNANSWERED);
  pf_cap_destroy(c);
}

static void test_state_reply_lost(void **state)
{
  struct pf_cap *c;
  const struct pf_conn *k;
  (void)state;
  /* SYN-ACK, then the client's SYN again: our answer did not arrive */
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 1, PF_TCP_SYN, 100, 0, 0);
  seg(c, 1, 0, PF_TCP_SYN | PF_TCP_ACK, 900, 101, 0);
  seg(c, SEC, 1, PF_TCP_SYN, 100, 0, 0);
  seg(c, SEC + 1, 0, PF_TCP_SYN | PF_TCP_ACK, 900, 101, 0);
  k = only(c, 0);
  assert_int_equal(k->state, PF_CS_REPLY_LOST);
  assert_int_equal(k->syn_after_synack, 1);
  assert_string_equal(pf_conn_state_name(k->state), "reply-lost");
  pf_cap_destroy(c);

  /* one SYN-ACK, capture ends soon after: pending; long after: lost */
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 1, PF_TCP_SYN, 100, 0, 0);
  seg(c, 1, 0, PF_TCP_SYN | PF_TCP_ACK, 900, 101, 0);
  k = only(c, SEC);
  assert_int_equal(k->state, PF_CS_PENDING);
  assert_int_equal(pf_conn_classify(k, 4 * SEC), PF_CS_REPLY_LOST);
  pf_cap_destroy(c);

  /* an ACK that does not acknowledge the SYN-ACK completes nothing */
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 1, PF_TCP_SYN, 100, 0, 0);
  seg(c, 1, 0, PF_TCP_SYN | PF_TCP_ACK, 900, 101, 0);
  seg(c, 2, 1, PF_TCP_ACK, 101, 500, 0);
  seg(c, 3, 0, PF_TCP_SYN | PF_TCP_ACK, 900, 101, 0);
  assert_int_equal(only(c, 0)->state, PF_CS_REPLY_LOST);
  pf_cap_destroy(c);
}

static void test_state_reuse_midstream_limit(void **state)
{
  struct pf_cap *c;
  const struct pf_conn *k;
  (void)state;
  /* a completed connection, then the same ports with a new ISN */
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 1, PF_TCP_SYN, 100, 0, 0);
  seg(c, 1, 0, PF_TCP_SYN | PF_TCP_ACK, 900, 101, 0);
  seg(c, 2, 1, PF_TCP_ACK, 101, 901, 0);
  seg(c, 10, 1, PF_TCP_SYN, 5000, 0, 0);
  seg(c, 11, 0, PF_TCP_RST | PF_TCP_ACK, 0, 5001, 0);
  pf_cap_finish(c, 0);
  assert_int_equal(pf_cap_count(c), 2);
  assert_int_equal(pf_cap_at(c, 0)->state, PF_CS_COMPLETED);
  assert_int_equal(pf_cap_at(c, 1)->state, PF_CS_REFUSED);
  pf_cap_destroy(c);

  /* no handshake: the lower port is the server */
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 0, PF_TCP_ACK, 1, 1, 10);
  k = only(c, 0);
  assert_int_equal(k->state, PF_CS_MIDSTREAM);
  assert_int_equal(k->sport, 29876);
  pf_cap_destroy(c);

  /* SYN-ACK first (the SYN was before the capture), then the ACK */
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  seg(c, 0, 0, PF_TCP_SYN | PF_TCP_ACK, 900, 101, 0);
  seg(c, 1, 1, PF_TCP_ACK, 101, 901, 0);
  k = only(c, 0);
  assert_int_equal(k->state, PF_CS_COMPLETED);
  assert_int_equal(k->syn_count, 0);
  pf_cap_destroy(c);

  /* the connection limit: further connections are counted, not kept */
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 2), PF_OK);
  {
    struct pf_seg s;
    unsigned i;
    memset(&s, 0, sizeof(s));
    s.af = PF_AF_V4;
    s.src = C_ADDR;
    s.dst = S_ADDR;
    s.dport = 29876;
    s.flags = PF_TCP_SYN;
    for (i = 0; i < 5000; i++) {
      s.sport = 1024 + i;
      assert_int_equal(pf_cap_feed_seg(c, i, &s), PF_OK);
    }
  }
  pf_cap_finish(c, 0);
  assert_int_equal(pf_cap_count(c), 2);
  assert_int_equal(pf_cap_stats(c)->conns_dropped, 4998);
  pf_cap_destroy(c);
}

/* Many connections force the table to grow; each keeps its own state. */
static void test_state_many(void **state)
{
  struct pf_cap *c;
  struct pf_seg s;
  unsigned i;
  (void)state;
  assert_int_equal(pf_cap_create(&c, PF_LINKTYPE_RAW, 0), PF_OK);
  memset(&s, 0, sizeof(s));
  s.af = PF_AF_V6;
  for (i = 0; i < 20000; i++) {
    s.src = ((pf_u128)0x20010db8u << 96) | i;
    s.dst = ((pf_u128)0x20010db8u << 96) | 0xFFFFu;
    s.sport = 40000 + (i % 1000);
    s.dport = 44224;
    s.flags = PF_TCP_SYN;
    s.seq = i;
    assert_int_equal(pf_cap_feed_seg(c, i, &s), PF_OK);
    if (i % 2) {   /* odd ones are refused */
      struct pf_seg r = s;
      r.src = s.dst;
      r.dst = s.src;
      r.sport = s.dport;
      r.dport = s.sport;
      r.flags = PF_TCP_RST | PF_TCP_ACK;
      assert_int_equal(pf_cap_feed_seg(c, i, &r), PF_OK);
    }
  }
  pf_cap_finish(c, 10 * SEC);
  assert_int_equal(pf_cap_count(c), 20000);
  for (i = 0; i < 20000; i++) {
    const struct pf_conn *k = pf_cap_at(c, i);
    assert_int_equal(k->first_ns, i);   /* ordered by first packet */
    assert_int_equal(k->state, (i % 2) ? PF_CS_REFUSED : PF_CS_UNANSWERED);
  }
  pf_cap_destroy(c);
}

/* ---- reader ------------------------------------------------------------- */

/* Read \p path through pf_pcap into a finished analysis. */
static struct pf_cap *read_file(const char *path, int *truncated)
{
  struct pf_pcap *p = NULL;
  struct pf_pcap_pkt pkt;
  struct pf_cap *c = NULL;
  struct pf_err err;
  enum pf_pcap_rc rc;
  pf_err_clear(&err);
  assert_int_equal(pf_pcap_open_file(&p, path, &err), PF_OK);
  assert_non_null(pf_linktype_name(pf_pcap_linktype(p)));
  assert_int_equal(pf_cap_create(&c, pf_pcap_linktype(p), 0), PF_OK);
  while ((rc = pf_pcap_next(p, &pkt, &err)) == PF_PCAP_PACKET)
    assert_int_equal(pf_cap_feed(c, pkt.ts_ns, pkt.data, pkt.caplen,
                                 pkt.len), PF_OK);
  *truncated = rc == PF_PCAP_ERROR;
  if (*truncated)
    assert_non_null(strstr(err.msg, "packet "));
  pf_pcap_close(p);
  pf_cap_finish(c, 0);
  return c;
}

static void expect_one(const char *path, enum pf_conn_state st,
                       unsigned syns, int linktype)
{
  int trunc;
  struct pf_cap *c;
  NEED(path);
  c = read_file(path, &trunc);
  assert_false(trunc);
  assert_int_equal(pf_cap_count(c), 1);
  assert_int_equal(pf_cap_at(c, 0)->state, st);
  assert_int_equal(pf_cap_at(c, 0)->syn_count, syns);
  (void)linktype;
  pf_cap_destroy(c);
}

static void test_reader_fixtures(void **state)
{
  int trunc;
  struct pf_cap *c;
  (void)state;
  expect_one(PCAP_DIR "ppa_tcp_handshake.pcapng", PF_CS_COMPLETED, 1, 1);
  expect_one(PCAP_DIR "ppa_tcp_refuseconnection.pcapng", PF_CS_REFUSED, 1,
             1);
  expect_one(PCAP_DIR "ppa_nowebaccess2.pcapng", PF_CS_REFUSED, 3, 1);
  expect_one(PCAP_DIR "ppa_nowebaccess3.pcapng", PF_CS_UNANSWERED, 3, 1);
  expect_one(PCAP_DIR "ppa_tcp_retransmissions.pcapng", PF_CS_MIDSTREAM, 0,
             1);
  expect_one(PCAP_DIR "ppa_tcp_teardown.pcapng", PF_CS_MIDSTREAM, 0, 1);
  expect_one(PCAP_DIR "tcpdump_accecn_handshake.pcap", PF_CS_COMPLETED, 1,
             1);
  expect_one(PCAP_DIR "tcpdump_tcp_rst_data.pcap", PF_CS_RESET, 0, 1);
  NEED(PCAP_DIR "tcpdump_tcp-handshake-nano.pcap");
  c = read_file(PCAP_DIR "tcpdump_tcp-handshake-nano.pcap", &trunc);
  /* nanosecond pcap, Linux SLL: 1418145369.924505488 */
  assert_true(pf_cap_stats(c)->sub_us);
  assert_true(pf_cap_stats(c)->first_ns == 1418145369924505488LL);
  assert_int_equal(pf_cap_at(c, 0)->state, PF_CS_COMPLETED);
  pf_cap_destroy(c);
  /* the retransmitted data segment is counted */
  c = read_file(PCAP_DIR "ppa_tcp_retransmissions.pcapng", &trunc);
  assert_int_equal(pf_cap_at(c, 0)->retrans, 5);
  pf_cap_destroy(c);
}

static void test_reader_generated(void **state)
{
  int trunc;
  struct pf_cap *c;
  char tb[64];
  (void)state;
  c = read_file(DATA_DIR "reply-lost.pcapng", &trunc);
  assert_int_equal(pf_cap_count(c), 2);
  assert_int_equal(pf_cap_at(c, 0)->state, PF_CS_REPLY_LOST);
  assert_int_equal(pf_cap_at(c, 1)->sport, 44224);
  pf_cap_time_format(pf_cap_at(c, 1)->first_ns, 0, tb, sizeof(tb));
  assert_string_equal(tb, "2024-05-01T10:00:10.000000Z");
  pf_cap_destroy(c);
  c = read_file(DATA_DIR "sll2-states.pcap", &trunc);
  assert_int_equal(pf_cap_count(c), 3);
  assert_int_equal(pf_cap_stats(c)->fragments, 1);
  assert_int_equal(pf_cap_stats(c)->not_tcp, 1);
  pf_cap_destroy(c);
  c = read_file(DATA_DIR "ipv6-exthdr.pcap", &trunc);
  assert_int_equal(pf_cap_at(c, 0)->af, PF_AF_V6);
  assert_int_equal(pf_cap_at(c, 0)->state, PF_CS_UNANSWERED);
  pf_cap_destroy(c);
}

static void test_reader_damaged(void **state)
{
  struct pf_pcap *p = NULL;
  struct pf_err err;
  int trunc;
  struct pf_cap *c;
  static const unsigned char junk[] = "not a capture";
  (void)state;
  c = read_file(DATA_DIR "bad-cut-mid-packet.pcap", &trunc);
  assert_true(trunc);
  assert_int_equal(pf_cap_stats(c)->packets, 4);
  pf_cap_destroy(c);
  c = read_file(DATA_DIR "bad-block-length.pcapng", &trunc);
  assert_true(trunc);
  pf_cap_destroy(c);
  c = read_file(DATA_DIR "bad-absurd-snaplen.pcap", &trunc);
  assert_true(trunc);
  assert_int_equal(pf_cap_stats(c)->packets, 1);
  pf_cap_destroy(c);
  pf_err_clear(&err);
  assert_int_equal(pf_pcap_open_file(&p, DATA_DIR "bad-not-a-capture.pcap",
                                     &err), PF_EPARSE);
  assert_null(p);
  assert_non_null(strstr(err.msg, "not a readable pcap or pcapng"));
  pf_err_clear(&err);
  assert_int_equal(pf_pcap_open_file(&p, DATA_DIR "nope.pcap", &err),
                   PF_ENOENT);
  pf_err_clear(&err);
  assert_int_equal(pf_pcap_open_buf(&p, "m", junk, sizeof(junk), &err),
                   PF_EPARSE);
  pf_err_clear(&err);
  assert_int_equal(pf_pcap_open_buf(&p, "m", junk, 0, &err), PF_EPARSE);
  assert_string_equal(err.msg, "m: not a readable pcap or pcapng capture: "
                      "the file is empty");
}

/* ---- diagnosis ---------------------------------------------------------- */

static void test_requirements_and_tags(void **state)
{
  struct pf_tagdb *db = NULL;
  struct pf_err err;
  struct pf_addr a;
  const struct pf_tag *t[8];
  size_t n;
  (void)state;
  assert_string_equal(pf_cap_requirement(29876, PF_CS_UNANSWERED), "NSG-1");
  assert_string_equal(pf_cap_requirement(29877, PF_CS_REPLY_LOST), "UDR-1");
  assert_string_equal(pf_cap_requirement(44224, PF_CS_REFUSED), "NSG-5");
  assert_string_equal(pf_cap_requirement(44224, PF_CS_REPLY_LOST), "UDR-2");
  assert_string_equal(pf_cap_requirement(22, PF_CS_COMPLETED), "VM-2");
  assert_null(pf_cap_requirement(80, PF_CS_COMPLETED));
  assert_string_equal(pf_cap_expected_tag(29877), "BatchNodeManagement");
  pf_err_clear(&err);
  assert_int_equal(pf_tagdb_load_file(&db, EXAMPLE_TAGS, &err), PF_OK);
  a.af = PF_AF_V4;
  a.v = 0x0D454146u;   /* 13.69.65.70: BatchNodeManagement.WestEurope */
  n = pf_cap_tags_of(db, &a, t, 8);
  assert_true(n >= 1);
  assert_string_equal(t[0]->name, "BatchNodeManagement.WestEurope");
  a.v = 0x0D4540C8u;   /* 13.69.64.200: AzureMachineLearning.WestEurope */
  n = pf_cap_tags_of(db, &a, t, 8);
  assert_true(n >= 1);
  assert_string_equal(t[0]->name, "AzureMachineLearning.WestEurope");
  a.v = 0xCB007105u;   /* 203.0.113.5 */
  assert_int_equal(pf_cap_tags_of(db, &a, t, 8), 0);
  pf_tagdb_destroy(db);
}

static void test_time_format(void **state)
{
  char b[64];
  (void)state;
  pf_cap_time_format(1418145369924505488LL, 1, b, sizeof(b));
  assert_string_equal(b, "2014-12-09T17:16:09.924505488Z");
  pf_cap_time_format(1418145369924505488LL, 0, b, sizeof(b));
  assert_string_equal(b, "2014-12-09T17:16:09.924505Z");
  pf_cap_time_format(-1, 1, b, sizeof(b));
  assert_string_equal(b, "1969-12-31T23:59:59.999999999Z");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode_ethernet_vlan),
      cmocka_unit_test(test_decode_sll_sll2_null),
      cmocka_unit_test(test_decode_ipv6_exthdr),
      cmocka_unit_test(test_decode_ipv4_edge),
      cmocka_unit_test(test_decode_every_cut),
      cmocka_unit_test(test_state_completed_and_reset),
      cmocka_unit_test(test_state_refused_unanswered_pending),
      cmocka_unit_test(test_state_reply_lost),
      cmocka_unit_test(test_state_reuse_midstream_limit),
      cmocka_unit_test(test_state_many),
      cmocka_unit_test(test_reader_fixtures),
      cmocka_unit_test(test_reader_generated),
      cmocka_unit_test(test_reader_damaged),
      cmocka_unit_test(test_requirements_and_tags),
      cmocka_unit_test(test_time_format),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
