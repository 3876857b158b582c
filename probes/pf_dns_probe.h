/* SPDX-License-Identifier: MIT */
/* pf_dns_probe.h - resolve every name of a probe plan at once (c-ares)
 *
 * One A query per name, all in flight together (up to a window), through
 * the system resolver's servers or one given server.  The raw answer is
 * read here (not by c-ares' hostent helpers) so the CNAME chain is kept in
 * order and an NXDOMAIN after a privatelink CNAME is still seen as such:
 * the classic private endpoint failure (DESIGN.md "What it probes").
 * Every query ends in bounded time: c-ares' own retries, then a hard
 * deadline after which whatever is left is a timeout.
 */
#ifndef PF_DNS_PROBE_H
#define PF_DNS_PROBE_H

#include <stddef.h>

#include "../src/core/pf_err.h"
#include "../src/model/pf_ip.h"

#define PF_DNS_MAX_ADDRS 8
#define PF_DNS_CHAIN_MAX 768

enum pf_dns_outcome {
  PF_DNS_PUBLIC = 0,    /* public addresses, no privatelink CNAME */
  PF_DNS_PRIVATE,       /* privatelink CNAME or a private address */
  PF_DNS_NXDOMAIN,      /* the name (or the end of its CNAME chain) does
                         * not exist */
  PF_DNS_NODATA,        /* exists, no A record */
  PF_DNS_SERVFAIL,
  PF_DNS_REFUSED,       /* the server refused to answer */
  PF_DNS_TIMEOUT,       /* no answer in time */
  PF_DNS_UNREACHABLE,   /* the server's port is closed (ICMP) */
  PF_DNS_ERROR          /* anything else (detail says what) */
};
const char *pf_dns_outcome_name(enum pf_dns_outcome o);

enum pf_dns_why { PF_DNS_WHY_NONE = 0, PF_DNS_WHY_PRIVATELINK,
                  PF_DNS_WHY_ADDRESS };

struct pf_dns_result {
  enum pf_dns_outcome outcome;
  enum pf_dns_why why;                  /* for PF_DNS_PRIVATE */
  int rcode;                            /* -1: no answer */
  struct pf_addr addrs[PF_DNS_MAX_ADDRS];
  size_t n_addrs;
  char chain[PF_DNS_CHAIN_MAX];         /* CNAME targets in order, each
                                         * NUL-terminated */
  size_t n_cname;
  int chain_truncated;
  double ms;                            /* query to answer */
  char detail[96];
};

struct pf_dns_opts {
  const char *server;     /* "IP", "IP:PORT", "[IPv6]:PORT"; NULL: system */
  long timeout_ms;        /* per name, retries included */
  size_t window;          /* queries in flight at most (0: 1000) */
};

/**
 * Resolve \p names[0..n) (A records).  \p out[i] is the result of
 * names[i].  \return PF_OK (every name has a classified result), PF_EINVAL
 * (bad server) or PF_EIO (c-ares could not start), with \p err set.
 */
pf_status pf_dns_probe(const char *const *names, size_t n,
                       const struct pf_dns_opts *o,
                       struct pf_dns_result *out, struct pf_err *err);

/**
 * Read a DNS answer into \p r: rcode, CNAME chain, A/AAAA addresses, then
 * classify it (public / private / nxdomain / nodata / servfail / refused).
 * Bounded: malformed input gives PF_DNS_ERROR.  Exposed for unit tests.
 */
void pf_dns_read_answer(const unsigned char *buf, size_t len,
                        struct pf_dns_result *r);

/** Iterate the chain: first name, then pf_dns_chain_next until NULL. */
const char *pf_dns_chain_first(const struct pf_dns_result *r);
const char *pf_dns_chain_next(const struct pf_dns_result *r, const char *s);

#endif
