/* SPDX-License-Identifier: MIT */
/* pf_capture.h - TCP handshake diagnosis of management traffic in packets
 *
 * specification: link types (tcpdump.org linktypes: Ethernet with 802.1Q
 * and 802.1ad tags, Linux cooked SLL and SLL2, raw IP, BSD loopback),
 * IPv4 (RFC 791), IPv6 and its extension headers (RFC 8200 section 4),
 * TCP header and handshake (RFC 9293 sections 3.1 and 3.5),
 * REQUIREMENTS.md NSG-1, NSG-5, NSG-7, UDR-1, UDR-2,
 * AZURE-SEMANTICS.md 4.3 (unusable nodes).
 *
 * Pure analysis: packets in (link type, bytes, timestamps), connections
 * out; no I/O and no libpcap.  Every packet byte is read through
 * bounds-checked helpers against the captured length; IPv6 extension
 * headers are walked at most PF_CAP_MAX_EXTHDR deep; fragments are not
 * reassembled (they are counted and skipped); payload is never kept.
 *
 * Each connection is one handshake attempt between a client (the end that
 * sent the SYN) and a server.  At the end of the capture it gets a state:
 *   completed   the client acknowledged the server's SYN-ACK
 *   refused     the server answered the SYN with RST (nothing listens)
 *   unanswered  SYNs, and neither SYN-ACK nor RST came back
 *   reply-lost  the server sent SYN-ACK but the client kept retransmitting
 *               its SYN (or the server its SYN-ACK): the answers are lost
 *               on the way back, the asymmetric route of forced tunnelling
 *   reset       established, then reset (or aborted by the client)
 *   pending     the capture ended too soon after the last SYN or SYN-ACK
 *               to tell (less than PF_CAP_PATIENCE_NS)
 *   midstream   the handshake is not in the capture
 *
 * Ownership: pf_cap_create returns an analysis the caller frees with
 * pf_cap_destroy (NULL-safe).  Connections returned by pf_cap_at belong to
 * it.  Fallible functions return PF_OK or PF_ENOMEM.
 */
#ifndef PF_CAPTURE_H
#define PF_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/pf_err.h"
#include "../model/pf_ip.h"
#include "../model/pf_tags.h"

/* LINKTYPE_ values of the capture file formats */
#define PF_LINKTYPE_NULL 0
#define PF_LINKTYPE_ETHERNET 1
#define PF_LINKTYPE_RAW 101
#define PF_LINKTYPE_LOOP 108
#define PF_LINKTYPE_LINUX_SLL 113
#define PF_LINKTYPE_IPV4 228
#define PF_LINKTYPE_IPV6 229
#define PF_LINKTYPE_LINUX_SLL2 276

/** "Ethernet", "Linux cooked (SLL)", ...; NULL when not supported. */
const char *pf_linktype_name(int linktype);

#define PF_CAP_MAX_EXTHDR 8           /* IPv6 extension headers walked */
#define PF_CAP_MAX_VLAN 4             /* stacked VLAN tags */
#define PF_CAP_PATIENCE_NS 1000000000LL   /* 1 s: one initial RTO */

/* TCP flags (RFC 9293 3.1) */
#define PF_TCP_FIN 0x01u
#define PF_TCP_SYN 0x02u
#define PF_TCP_RST 0x04u
#define PF_TCP_PSH 0x08u
#define PF_TCP_ACK 0x10u

/* What the decoder made of one packet. */
enum pf_pkt_kind {
  PF_PK_TCP = 0,        /* a TCP segment: struct pf_seg filled */
  PF_PK_NOT_IP,         /* ARP, LLDP, ... */
  PF_PK_NOT_TCP,        /* IP, another protocol (UDP, ICMP, ESP...) */
  PF_PK_FRAGMENT,       /* an IP fragment: not reassembled */
  PF_PK_SHORT,          /* headers cut by the snap length */
  PF_PK_BAD             /* malformed headers */
};

struct pf_seg {
  enum pf_af af;
  pf_u128 src, dst;
  unsigned sport, dport;
  unsigned flags;       /* PF_TCP_* */
  uint32_t seq, ack;
  uint32_t paylen;      /* TCP payload bytes on the wire (not captured) */
};

/**
 * Decode the headers of one packet of link type \p linktype: \p caplen
 * bytes at \p data.  Never reads past \p caplen.
 */
enum pf_pkt_kind pf_cap_decode(int linktype, const uint8_t *data,
                               size_t caplen, struct pf_seg *out);

enum pf_conn_state {
  PF_CS_COMPLETED = 0,
  PF_CS_REFUSED,
  PF_CS_UNANSWERED,
  PF_CS_REPLY_LOST,
  PF_CS_RESET,
  PF_CS_PENDING,
  PF_CS_MIDSTREAM
};
#define PF_CS_COUNT 7
/** "completed", "refused", "unanswered", "reply-lost", ... */
const char *pf_conn_state_name(enum pf_conn_state s);

/* struct pf_conn.seen bits */
#define PF_CF_SYN 0x001u          /* a SYN of the client was seen */
#define PF_CF_SYNACK 0x002u       /* a SYN-ACK of the server */
#define PF_CF_EST 0x004u          /* handshake completed */
#define PF_CF_RST_SERVER 0x008u   /* RST from the server before EST */
#define PF_CF_RST_CLIENT 0x010u   /* RST from the client before EST */
#define PF_CF_RST_AFTER 0x020u    /* RST after EST */
#define PF_CF_FIN_CLIENT 0x040u
#define PF_CF_FIN_SERVER 0x080u
#define PF_CF_DATA_C 0x100u       /* client sent payload */
#define PF_CF_DATA_S 0x200u       /* server sent payload */

struct pf_conn {
  enum pf_af af;
  pf_u128 client, server;
  unsigned cport, sport;
  int64_t first_ns, last_ns;
  int64_t syn_ns;               /* last client SYN */
  int64_t synack_ns;            /* first server SYN-ACK */
  int64_t est_ns;               /* handshake completed */
  uint32_t client_isn, server_isn;
  uint32_t next_c, next_s;      /* highest sequence end seen, per side */
  unsigned seen;                /* PF_CF_* */
  uint32_t packets;
  uint32_t syn_count;           /* client SYNs, retransmissions included */
  uint32_t synack_count;        /* server SYN-ACKs */
  uint32_t syn_after_synack;    /* client SYNs after a SYN-ACK */
  uint32_t retrans;             /* payload segments sent again */
  enum pf_conn_state state;     /* set by pf_cap_finish */
};

struct pf_cap_stats {
  uint64_t packets, bytes;      /* every packet; bytes on the wire */
  uint64_t tcp, not_ip, not_tcp, fragments, short_hdr, bad;
  int64_t first_ns, last_ns;    /* 0 when no packet */
  int sub_us;                   /* some timestamp has sub-microsecond digits */
  uint64_t conns_dropped;       /* segments of connections over the limit */
};

struct pf_cap;

/**
 * A new analysis of packets of link type \p linktype, keeping at most
 * \p max_conns connections (0: PF_CAP_MAX_CONNS).
 */
#define PF_CAP_MAX_CONNS ((size_t)1 << 21)
pf_status pf_cap_create(struct pf_cap **out, int linktype, size_t max_conns);
void pf_cap_destroy(struct pf_cap *c);

/** Analyse one packet: \p caplen bytes captured of \p len on the wire. */
pf_status pf_cap_feed(struct pf_cap *c, int64_t ts_ns, const uint8_t *data,
                      size_t caplen, size_t len);
/** Analyse one decoded segment (pf_cap_feed without the decoder). */
pf_status pf_cap_feed_seg(struct pf_cap *c, int64_t ts_ns,
                          const struct pf_seg *s);

/**
 * Give every connection its state, as of \p end_ns (the end of the
 * capture: its last packet, or when a live capture stopped; 0: the last
 * packet), and order them by first packet.  Call once, after the last
 * feed.
 */
void pf_cap_finish(struct pf_cap *c, int64_t end_ns);

const struct pf_cap_stats *pf_cap_stats(const struct pf_cap *c);
size_t pf_cap_count(const struct pf_cap *c);
const struct pf_conn *pf_cap_at(const struct pf_cap *c, size_t i);

/** A connection's state as of \p end_ns (what pf_cap_finish sets). */
enum pf_conn_state pf_conn_classify(const struct pf_conn *k, int64_t end_ns);

/* ---- diagnosis ---------------------------------------------------------- */

/**
 * The requirement a connection to \p server_port in state \p st bears on:
 * 29876-29877 NSG-1 (UDR-1 when the replies are lost), 44224 NSG-5 (UDR-2),
 * 22 VM-2; NULL for other ports.
 */
const char *pf_cap_requirement(unsigned server_port, enum pf_conn_state st);
/** The service tag family expected on \p server_port
 * ("BatchNodeManagement", "AzureMachineLearning"), or NULL. */
const char *pf_cap_expected_tag(unsigned server_port);

/**
 * The tags of \p db whose prefixes contain \p a, at most \p cap of them in
 * \p out: a global tag is left out when a regional tag of the same service
 * (same name before the '.') also contains \p a; management tags
 * (BatchNodeManagement, AzureMachineLearning) first, then by name.
 * \return how many were found (may exceed \p cap).
 */
size_t pf_cap_tags_of(const struct pf_tagdb *db, const struct pf_addr *a,
                      const struct pf_tag **out, size_t cap);

/**
 * Format \p ns as RFC 3339 UTC ("2010-01-07T19:38:34.341715Z"), with nine
 * fractional digits when \p nano, else six.  \return the length.
 */
size_t pf_cap_time_format(int64_t ns, int nano, char *buf, size_t cap);

#endif
