/* SPDX-License-Identifier: MIT */
/* pf_capture.c - header decoding and the TCP handshake state machine
 *
 * specification: tcpdump.org linktypes (Ethernet, LINUX_SLL, LINUX_SLL2,
 * RAW, IPV4, IPV6, NULL, LOOP), IEEE 802.1Q/802.1ad tags, RFC 791
 * (IPv4 header, fragments), RFC 8200 section 4 (IPv6 extension headers),
 * RFC 4302 section 2.2 (AH length), RFC 9293 sections 3.1 (TCP header),
 * 3.4 (sequence number comparison) and 3.5 (handshake, reset).
 */
#include "pf_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../core/pf_mem.h"

/* ---- bounds-checked reads ----------------------------------------------- */

/* Every packet byte is read through these: offsets are checked against
 * the captured length before any access, with no pointer arithmetic past
 * it. */
struct rd {
  const uint8_t *p;
  size_t n;
};

static int rd8(const struct rd *r, size_t off, unsigned *v)
{
  if (off >= r->n)
    return -1;
  *v = r->p[off];
  return 0;
}

static int rd16(const struct rd *r, size_t off, unsigned *v)
{
  if (off > r->n || r->n - off < 2)
    return -1;
  *v = (unsigned)r->p[off] << 8 | r->p[off + 1];
  return 0;
}

static int rd32(const struct rd *r, size_t off, uint32_t *v)
{
  if (off > r->n || r->n - off < 4)
    return -1;
  *v = (uint32_t)r->p[off] << 24 | (uint32_t)r->p[off + 1] << 16 |
       (uint32_t)r->p[off + 2] << 8 | r->p[off + 3];
  return 0;
}

static int rdaddr(const struct rd *r, size_t off, size_t len, pf_u128 *v)
{
  size_t i;
  if (off > r->n || r->n - off < len)
    return -1;
  *v = 0;
  for (i = 0; i < len; i++)
    *v = *v << 8 | r->p[off + i];
  return 0;
}

/* ---- decoding ----------------------------------------------------------- */

#define ETH_IPV4 0x0800u
#define ETH_IPV6 0x86DDu
#define L4LEN_UNKNOWN UINT32_MAX   /* IP length 0: TSO or jumbogram */

const char *pf_linktype_name(int linktype)
{
  switch (linktype) {
  case PF_LINKTYPE_NULL: return "BSD loopback";
  case PF_LINKTYPE_ETHERNET: return "Ethernet";
  case PF_LINKTYPE_RAW: return "raw IP";
  case PF_LINKTYPE_LOOP: return "OpenBSD loopback";
  case PF_LINKTYPE_LINUX_SLL: return "Linux cooked (SLL)";
  case PF_LINKTYPE_IPV4: return "raw IPv4";
  case PF_LINKTYPE_IPV6: return "raw IPv6";
  case PF_LINKTYPE_LINUX_SLL2: return "Linux cooked v2 (SLL2)";
  default: return NULL;
  }
}

static enum pf_pkt_kind dec_tcp(const struct rd *r, size_t off,
                                uint32_t l4len, struct pf_seg *out)
{
  unsigned sport, dport, b12, flags;
  uint32_t seq, ack, doff;
  if (rd16(r, off, &sport) || rd16(r, off + 2, &dport) ||
      rd32(r, off + 4, &seq) || rd32(r, off + 8, &ack) ||
      rd8(r, off + 12, &b12) || rd8(r, off + 13, &flags))
    return PF_PK_SHORT;
  doff = (uint32_t)(b12 >> 4) * 4;
  if (doff < 20)
    return PF_PK_BAD;
  if (l4len == L4LEN_UNKNOWN)
    out->paylen = 0;
  else if (l4len < doff)
    return PF_PK_BAD;
  else
    out->paylen = l4len - doff;
  out->sport = sport;
  out->dport = dport;
  out->seq = seq;
  out->ack = ack;
  out->flags = flags;
  return PF_PK_TCP;
}

static enum pf_pkt_kind dec_ipv4(const struct rd *r, size_t off,
                                 struct pf_seg *out)
{
  unsigned b, tl, fo, proto;
  size_t ihl;
  if (rd8(r, off, &b))
    return PF_PK_SHORT;
  if (b >> 4 != 4)
    return PF_PK_BAD;
  ihl = (size_t)(b & 15) * 4;
  if (ihl < 20)
    return PF_PK_BAD;
  if (rd16(r, off + 2, &tl) || rd16(r, off + 6, &fo) ||
      rd8(r, off + 9, &proto) || rdaddr(r, off + 12, 4, &out->src) ||
      rdaddr(r, off + 16, 4, &out->dst))
    return PF_PK_SHORT;
  if (tl && tl < ihl)
    return PF_PK_BAD;
  out->af = PF_AF_V4;
  /* any fragment, the first one too: nothing is reassembled */
  if (fo & 0x3FFFu)
    return PF_PK_FRAGMENT;
  if (proto != 6)
    return PF_PK_NOT_TCP;
  if (off + ihl > r->n)
    return PF_PK_SHORT;
  return dec_tcp(r, off + ihl, tl ? (uint32_t)(tl - ihl) : L4LEN_UNKNOWN,
                 out);
}

static enum pf_pkt_kind dec_ipv6(const struct rd *r, size_t off,
                                 struct pf_seg *out)
{
  unsigned b, plen, nh, i;
  uint32_t l4len;
  size_t pos;
  if (rd8(r, off, &b))
    return PF_PK_SHORT;
  if (b >> 4 != 6)
    return PF_PK_BAD;
  if (rd16(r, off + 4, &plen) || rd8(r, off + 6, &nh) ||
      rdaddr(r, off + 8, 16, &out->src) ||
      rdaddr(r, off + 24, 16, &out->dst))
    return PF_PK_SHORT;
  out->af = PF_AF_V6;
  l4len = plen ? plen : L4LEN_UNKNOWN;
  pos = off + 40;
  for (i = 0; nh != 6; i++) {
    unsigned hl, fo, next;
    size_t len;
    if (i == PF_CAP_MAX_EXTHDR)
      return PF_PK_BAD;
    switch (nh) {
    case 0:    /* hop-by-hop options */
    case 43:   /* routing */
    case 60:   /* destination options */
      if (rd8(r, pos, &next) || rd8(r, pos + 1, &hl))
        return PF_PK_SHORT;
      len = ((size_t)hl + 1) * 8;
      break;
    case 44:   /* fragment */
      if (rd8(r, pos, &next) || rd16(r, pos + 2, &fo))
        return PF_PK_SHORT;
      if ((fo >> 3) != 0 || (fo & 1u))
        return PF_PK_FRAGMENT;
      len = 8;   /* an atomic fragment: the whole packet */
      break;
    case 51:   /* authentication header */
      if (rd8(r, pos, &next) || rd8(r, pos + 1, &hl))
        return PF_PK_SHORT;
      len = ((size_t)hl + 2) * 4;
      break;
    default:   /* ESP, ICMPv6, UDP, no next header, ... */
      return PF_PK_NOT_TCP;
    }
    if (l4len != L4LEN_UNKNOWN) {
      if (len > l4len)
        return PF_PK_BAD;
      l4len -= (uint32_t)len;
    }
    pos += len;
    nh = next;
  }
  return dec_tcp(r, pos, l4len, out);
}

enum pf_pkt_kind pf_cap_decode(int linktype, const uint8_t *data,
                               size_t caplen, struct pf_seg *out)
{
  struct rd r;
  unsigned et = 0, i;
  uint32_t fam;
  size_t off = 0;

  r.p = data;
  r.n = caplen;
  switch (linktype) {
  case PF_LINKTYPE_ETHERNET:
    if (rd16(&r, 12, &et))
      return PF_PK_SHORT;
    off = 14;
    for (i = 0; et == 0x8100u || et == 0x88A8u || et == 0x9100u; i++) {
      if (i == PF_CAP_MAX_VLAN)
        return PF_PK_BAD;
      if (rd16(&r, off + 2, &et))
        return PF_PK_SHORT;
      off += 4;
    }
    break;
  case PF_LINKTYPE_LINUX_SLL:
    if (rd16(&r, 14, &et))
      return PF_PK_SHORT;
    off = 16;
    break;
  case PF_LINKTYPE_LINUX_SLL2:
    if (rd16(&r, 0, &et) || caplen < 20)
      return PF_PK_SHORT;
    off = 20;
    break;
  case PF_LINKTYPE_RAW:
  case PF_LINKTYPE_IPV4:
  case PF_LINKTYPE_IPV6: {
    unsigned b;
    if (rd8(&r, 0, &b))
      return PF_PK_SHORT;
    et = b >> 4 == 4 ? ETH_IPV4 : b >> 4 == 6 ? ETH_IPV6 : 0;
    if (!et)
      return PF_PK_BAD;
    break;
  }
  case PF_LINKTYPE_NULL:
  case PF_LINKTYPE_LOOP: {
    uint32_t sw;
    if (rd32(&r, 0, &fam))
      return PF_PK_SHORT;
    /* the writer's byte order (NULL) or network order (LOOP): try both */
    sw = (fam >> 24) | ((fam >> 8) & 0xFF00u) | ((fam << 8) & 0xFF0000u) |
         (fam << 24);
    if (fam == 2 || sw == 2)
      et = ETH_IPV4;
    else if (fam == 24 || fam == 28 || fam == 30 || sw == 24 || sw == 28 ||
             sw == 30)
      et = ETH_IPV6;
    off = 4;
    break;
  }
  default:
    return PF_PK_BAD;
  }
  if (et == ETH_IPV4)
    return dec_ipv4(&r, off, out);
  if (et == ETH_IPV6)
    return dec_ipv6(&r, off, out);
  return PF_PK_NOT_IP;
}

/* ---- connections -------------------------------------------------------- */

#define PF_CF_NEXT_C 0x400u    /* next_c is set */
#define PF_CF_NEXT_S 0x800u    /* next_s is set */

struct pf_cap {
  int linktype;
  size_t max_conns;
  struct pf_conn *conns;
  size_t n, cap;
  uint32_t *slots;             /* 1 + index of the newest connection of a
                                * key; 0: empty */
  size_t nslots, used;         /* power of two; occupied slots */
  struct pf_cap_stats st;
};

static const char *const state_names[PF_CS_COUNT] = {
  "completed", "refused", "unanswered", "reply-lost", "reset", "pending",
  "midstream"};

const char *pf_conn_state_name(enum pf_conn_state s)
{
  return (unsigned)s < PF_CS_COUNT ? state_names[s] : "?";
}

static uint64_t mix64(uint64_t x)
{
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

static uint64_t ep_hash(pf_u128 a, unsigned port)
{
  return mix64((uint64_t)a ^ mix64((uint64_t)(a >> 64) ^
                                   ((uint64_t)port << 1 | 1)));
}

/* Symmetric in the two ends: both directions find the same slot. */
static uint64_t key_hash(enum pf_af af, pf_u128 a, unsigned pa, pf_u128 b,
                         unsigned pb)
{
  return mix64(ep_hash(a, pa) ^ ep_hash(b, pb) ^ (uint64_t)af);
}

static int conn_is(const struct pf_conn *k, const struct pf_seg *s)
{
  if (k->af != s->af)
    return 0;
  return (k->client == s->src && k->cport == s->sport &&
          k->server == s->dst && k->sport == s->dport) ||
         (k->client == s->dst && k->cport == s->dport &&
          k->server == s->src && k->sport == s->sport);
}

pf_status pf_cap_create(struct pf_cap **out, int linktype, size_t max_conns)
{
  struct pf_cap *c = pf_calloc(1, sizeof(*c));
  *out = NULL;
  if (!c)
    return PF_ENOMEM;
  c->linktype = linktype;
  c->max_conns = max_conns ? max_conns : PF_CAP_MAX_CONNS;
  if (c->max_conns > UINT32_MAX - 1)
    c->max_conns = UINT32_MAX - 1;
  c->nslots = 1024;
  c->slots = pf_calloc(c->nslots, sizeof(*c->slots));
  if (!c->slots) {
    pf_free(c);
    return PF_ENOMEM;
  }
  *out = c;
  return PF_OK;
}

void pf_cap_destroy(struct pf_cap *c)
{
  if (!c)
    return;
  pf_free(c->conns);
  pf_free(c->slots);
  pf_free(c);
}

static pf_status rehash(struct pf_cap *c)
{
  size_t n = c->nslots * 2, i;
  uint32_t *s = pf_calloc(n, sizeof(*s));
  if (!s)
    return PF_ENOMEM;
  for (i = 0; i < c->nslots; i++) {
    const struct pf_conn *k;
    size_t pos;
    if (!c->slots[i])
      continue;
    k = &c->conns[c->slots[i] - 1];
    pos = (size_t)key_hash(k->af, k->client, k->cport, k->server, k->sport) &
          (n - 1);
    while (s[pos])
      pos = (pos + 1) & (n - 1);
    s[pos] = c->slots[i];
  }
  pf_free(c->slots);
  c->slots = s;
  c->nslots = n;
  return PF_OK;
}

/* Sequence number comparison, RFC 9293 3.4: a >= b modulo 2^32. */
static int seq_ge(uint32_t a, uint32_t b)
{
  return (uint32_t)(a - b) < 0x80000000u;
}

/* A new connection for segment \p s in slot \p pos (occupied or not);
 * \p *out is NULL when the limit is reached. */
static pf_status conn_new(struct pf_cap *c, size_t pos,
                          const struct pf_seg *s, int64_t ts,
                          struct pf_conn **out)
{
  struct pf_conn *k;
  int client_is_src;
  *out = NULL;
  if (c->n >= c->max_conns) {
    c->st.conns_dropped++;
    return PF_OK;
  }
  if (PF_GROW(c->conns, c->cap, c->n + 1))
    return PF_ENOMEM;
  if ((s->flags & (PF_TCP_SYN | PF_TCP_ACK)) == PF_TCP_SYN)
    client_is_src = 1;
  else if (s->flags & PF_TCP_SYN)
    client_is_src = 0;   /* a SYN-ACK: its sender is the server */
  else   /* handshake not seen: the lower port is the service */
    client_is_src = s->sport > s->dport ||
                    (s->sport == s->dport && s->src > s->dst);
  k = &c->conns[c->n];
  memset(k, 0, sizeof(*k));
  k->af = s->af;
  k->client = client_is_src ? s->src : s->dst;
  k->cport = client_is_src ? s->sport : s->dport;
  k->server = client_is_src ? s->dst : s->src;
  k->sport = client_is_src ? s->dport : s->sport;
  k->first_ns = ts;
  if (!c->slots[pos])
    c->used++;
  c->slots[pos] = (uint32_t)(++c->n);
  *out = k;
  return PF_OK;
}

static void track_data(struct pf_conn *k, const struct pf_seg *s,
                       unsigned have, uint32_t *next)
{
  uint32_t end = s->seq + s->paylen;
  if (!(k->seen & have)) {
    k->seen |= have;
    *next = end;
  } else if (seq_ge(*next, end)) {
    k->retrans++;
  } else {
    *next = end;
  }
}

static void conn_update(struct pf_conn *k, const struct pf_seg *s,
                        int64_t ts)
{
  int from_client = k->client == s->src && k->cport == s->sport;
  unsigned f = s->flags;
  int syn = (f & PF_TCP_SYN) != 0, ack = (f & PF_TCP_ACK) != 0;
  int rst = (f & PF_TCP_RST) != 0;

  k->packets++;
  if (ts > k->last_ns)
    k->last_ns = ts;
  if (ts < k->first_ns)
    k->first_ns = ts;
  if (from_client) {
    if (syn && !ack && !rst) {
      if (!(k->seen & PF_CF_SYN))
        k->client_isn = s->seq;
      k->seen |= PF_CF_SYN;
      k->syn_count++;
      k->syn_ns = ts;
      if (k->seen & PF_CF_SYNACK)
        k->syn_after_synack++;
    } else if (rst) {
      k->seen |= (k->seen & PF_CF_EST) ? PF_CF_RST_AFTER : PF_CF_RST_CLIENT;
    } else if (ack && !syn && (k->seen & PF_CF_SYNACK) &&
               !(k->seen & PF_CF_EST) &&
               seq_ge(s->ack, k->server_isn + 1)) {
      k->seen |= PF_CF_EST;
      k->est_ns = ts;
    }
    if (f & PF_TCP_FIN)
      k->seen |= PF_CF_FIN_CLIENT;
    if (s->paylen && !syn && !rst) {
      k->seen |= PF_CF_DATA_C;
      track_data(k, s, PF_CF_NEXT_C, &k->next_c);
    }
  } else {
    if (syn && ack && !rst) {
      if (!(k->seen & PF_CF_SYNACK)) {
        k->server_isn = s->seq;
        k->synack_ns = ts;
      }
      k->seen |= PF_CF_SYNACK;
      k->synack_count++;
    } else if (rst) {
      k->seen |= (k->seen & PF_CF_EST) ? PF_CF_RST_AFTER : PF_CF_RST_SERVER;
    } else if (!syn && s->paylen && (k->seen & PF_CF_SYNACK) &&
               !(k->seen & PF_CF_EST)) {
      /* the server sends data: it had the client's ACK */
      k->seen |= PF_CF_EST;
      k->est_ns = ts;
    }
    if (f & PF_TCP_FIN)
      k->seen |= PF_CF_FIN_SERVER;
    if (s->paylen && !syn && !rst) {
      k->seen |= PF_CF_DATA_S;
      track_data(k, s, PF_CF_NEXT_S, &k->next_s);
    }
  }
}

pf_status pf_cap_feed_seg(struct pf_cap *c, int64_t ts_ns,
                          const struct pf_seg *s)
{
  size_t pos, mask;
  struct pf_conn *k = NULL;

  if ((c->used + 1) * 2 > c->nslots && rehash(c) != PF_OK)
    return PF_ENOMEM;
  mask = c->nslots - 1;
  pos = (size_t)key_hash(s->af, s->src, s->sport, s->dst, s->dport) & mask;
  while (c->slots[pos]) {
    if (conn_is(&c->conns[c->slots[pos] - 1], s)) {
      k = &c->conns[c->slots[pos] - 1];
      break;
    }
    pos = (pos + 1) & mask;
  }
  if (k && (s->flags & (PF_TCP_SYN | PF_TCP_ACK | PF_TCP_RST)) ==
               PF_TCP_SYN) {
    /* a SYN starts a new connection unless it retransmits this one's */
    int from_client = k->client == s->src && k->cport == s->sport;
    if (!from_client || !(k->seen & PF_CF_SYN) || s->seq != k->client_isn)
      k = NULL;
  }
  if (!k) {
    pf_status st = conn_new(c, pos, s, ts_ns, &k);
    if (st != PF_OK || !k)
      return st;
  }
  conn_update(k, s, ts_ns);
  return PF_OK;
}

pf_status pf_cap_feed(struct pf_cap *c, int64_t ts_ns, const uint8_t *data,
                      size_t caplen, size_t len)
{
  struct pf_seg s;
  struct pf_cap_stats *st = &c->st;

  if (!st->packets || ts_ns < st->first_ns)
    st->first_ns = ts_ns;
  if (!st->packets || ts_ns > st->last_ns)
    st->last_ns = ts_ns;
  st->packets++;
  st->bytes += len;
  if (ts_ns % 1000)
    st->sub_us = 1;
  switch (pf_cap_decode(c->linktype, data, caplen, &s)) {
  case PF_PK_TCP:
    st->tcp++;
    return pf_cap_feed_seg(c, ts_ns, &s);
  case PF_PK_NOT_IP: st->not_ip++; break;
  case PF_PK_NOT_TCP: st->not_tcp++; break;
  case PF_PK_FRAGMENT: st->fragments++; break;
  case PF_PK_SHORT: st->short_hdr++; break;
  case PF_PK_BAD: st->bad++; break;
  }
  return PF_OK;
}

enum pf_conn_state pf_conn_classify(const struct pf_conn *k, int64_t end_ns)
{
  unsigned f = k->seen;
  if (f & PF_CF_EST)
    return (f & PF_CF_RST_AFTER) ? PF_CS_RESET : PF_CS_COMPLETED;
  if (!(f & PF_CF_SYN))
    return (f & (PF_CF_RST_AFTER | PF_CF_RST_CLIENT | PF_CF_RST_SERVER))
               ? PF_CS_RESET
               : PF_CS_MIDSTREAM;
  if (f & PF_CF_RST_SERVER)
    return PF_CS_REFUSED;
  if (f & PF_CF_RST_CLIENT)
    return PF_CS_RESET;
  if (f & PF_CF_SYNACK) {
    if (k->syn_after_synack || k->synack_count >= 2 ||
        end_ns - k->synack_ns >= 3 * PF_CAP_PATIENCE_NS)
      return PF_CS_REPLY_LOST;
    return PF_CS_PENDING;
  }
  if (k->syn_count >= 2 || end_ns - k->syn_ns >= PF_CAP_PATIENCE_NS)
    return PF_CS_UNANSWERED;
  return PF_CS_PENDING;
}

static int cmp_u128(pf_u128 a, pf_u128 b)
{
  return a < b ? -1 : a > b;
}

static int cmp_conn(const void *pa, const void *pb)
{
  const struct pf_conn *a = pa, *b = pb;
  int c;
  if (a->first_ns != b->first_ns)
    return a->first_ns < b->first_ns ? -1 : 1;
  if (a->af != b->af)
    return (int)a->af - (int)b->af;
  if ((c = cmp_u128(a->client, b->client)) != 0 ||
      (c = cmp_u128(a->server, b->server)) != 0)
    return c;
  if (a->cport != b->cport)
    return a->cport < b->cport ? -1 : 1;
  if (a->sport != b->sport)
    return a->sport < b->sport ? -1 : 1;
  return a->last_ns < b->last_ns ? -1 : a->last_ns > b->last_ns;
}

void pf_cap_finish(struct pf_cap *c, int64_t end_ns)
{
  size_t i;
  if (!end_ns)
    end_ns = c->st.last_ns;
  for (i = 0; i < c->n; i++)
    c->conns[i].state = pf_conn_classify(&c->conns[i], end_ns);
  if (c->n > 1)
    qsort(c->conns, c->n, sizeof(*c->conns), cmp_conn);
  /* the key index points at the old order: feeding is over */
  pf_free(c->slots);
  c->slots = NULL;
  c->nslots = c->used = 0;
}

const struct pf_cap_stats *pf_cap_stats(const struct pf_cap *c)
{
  return &c->st;
}

size_t pf_cap_count(const struct pf_cap *c)
{
  return c->n;
}

const struct pf_conn *pf_cap_at(const struct pf_cap *c, size_t i)
{
  return i < c->n ? &c->conns[i] : NULL;
}

/* ---- diagnosis ---------------------------------------------------------- */

const char *pf_cap_requirement(unsigned server_port, enum pf_conn_state st)
{
  switch (server_port) {
  case 29876:
  case 29877: return st == PF_CS_REPLY_LOST ? "UDR-1" : "NSG-1";
  case 44224: return st == PF_CS_REPLY_LOST ? "UDR-2" : "NSG-5";
  case 22: return "VM-2";
  default: return NULL;
  }
}

const char *pf_cap_expected_tag(unsigned server_port)
{
  switch (server_port) {
  case 29876:
  case 29877: return "BatchNodeManagement";
  case 44224:
  case 22: return "AzureMachineLearning";
  default: return NULL;
  }
}

static size_t base_len(const char *name)
{
  const char *dot = strchr(name, '.');
  return dot ? (size_t)(dot - name) : strlen(name);
}

static int is_mgmt_tag(const struct pf_tag *t)
{
  size_t n = base_len(t->name);
  return (n == 19 && !strncasecmp(t->name, "BatchNodeManagement", n)) ||
         (n == 20 && !strncasecmp(t->name, "AzureMachineLearning", n));
}

static int cmp_tag(const void *pa, const void *pb)
{
  const struct pf_tag *a = *(const struct pf_tag *const *)pa;
  const struct pf_tag *b = *(const struct pf_tag *const *)pb;
  int ma = is_mgmt_tag(a), mb = is_mgmt_tag(b);
  if (ma != mb)
    return mb - ma;
  return strcasecmp(a->name, b->name);
}

#define PF_CAP_MAX_TAGS 128

size_t pf_cap_tags_of(const struct pf_tagdb *db, const struct pf_addr *a,
                      const struct pf_tag **out, size_t cap)
{
  const struct pf_tag *found[PF_CAP_MAX_TAGS];
  size_t n = 0, i, j, kept = 0, total = pf_tagdb_count(db);

  for (i = 0; i < total && n < PF_CAP_MAX_TAGS; i++) {
    const struct pf_tag *t = pf_tagdb_at(db, i);
    if (pf_ipset_contains_addr(&t->set, a))
      found[n++] = t;
  }
  for (i = 0; i < n; i++) {
    const struct pf_tag *g = found[i];
    int covered = 0;
    if (g->region[0])
      goto keep;
    for (j = 0; j < n && !covered; j++) {
      const struct pf_tag *r = found[j];
      size_t bl = base_len(r->name);
      covered = r->region[0] && bl == strlen(g->name) &&
                !strncasecmp(r->name, g->name, bl);
    }
    if (covered)
      continue;
  keep:
    found[kept++] = g;
  }
  if (kept > 1)
    qsort(found, kept, sizeof(found[0]), cmp_tag);
  for (i = 0; i < kept && i < cap; i++)
    out[i] = found[i];
  return kept;
}

size_t pf_cap_time_format(int64_t ns, int nano, char *buf, size_t cap)
{
  int64_t sec = ns / 1000000000, frac = ns % 1000000000;
  struct tm tm;
  time_t t;
  int n;
  if (frac < 0) {
    frac += 1000000000;
    sec--;
  }
  t = (time_t)sec;
  if (!gmtime_r(&t, &tm)) {
    n = snprintf(buf, cap, "?");
    return n > 0 ? (size_t)n : 0;
  }
  if (nano)
    n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (long long)frac);
  else
    n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (long long)(frac / 1000));
  return n > 0 ? (size_t)n : 0;
}
