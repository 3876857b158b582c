/* SPDX-License-Identifier: MIT */
/* pf_tcp_probe.h - TCP connect probes, all at once (epoll)
 *
 * Every target gets one non-blocking connect(); epoll reports the ends.
 * The outcome is read from SO_ERROR, which is what the kernel learnt from
 * the network: 0 after a SYN-ACK (open), ECONNREFUSED after a RST
 * (refused), EHOSTUNREACH / ENETUNREACH after an ICMP unreachable or with
 * no route (unreachable); no answer before the timeout is "filtered"
 * (DESIGN.md "What it probes").  In-flight connects are capped
 * (concurrency) and their starts paced (rate); total time is about one
 * timeout however many targets there are, as long as they fit in the cap.
 */
#ifndef PF_TCP_PROBE_H
#define PF_TCP_PROBE_H

#include <stddef.h>

#include "../src/core/pf_err.h"
#include "../src/model/pf_ip.h"

enum pf_tcp_outcome {
  PF_TCP_OPEN = 0,
  PF_TCP_REFUSED,       /* RST */
  PF_TCP_FILTERED,      /* no answer before the timeout */
  PF_TCP_UNREACHABLE,   /* ICMP unreachable, or no route */
  PF_TCP_ERROR          /* local failure (detail in errno_value) */
};
const char *pf_tcp_outcome_name(enum pf_tcp_outcome o);

struct pf_tcp_target {
  struct pf_addr addr;
  unsigned port;
};

struct pf_tcp_result {
  enum pf_tcp_outcome outcome;
  int errno_value;      /* SO_ERROR / connect() errno, 0 when open */
  double ms;            /* connect() to the answer (or to the timeout) */
};

struct pf_tcp_opts {
  long timeout_ms;          /* per connect */
  size_t concurrency;       /* in flight at most (0: 1000) */
  double rate;              /* connects started per second (0: no cap) */
  /* progress, called from the loop at most every 100 ms; may be NULL */
  void (*progress)(void *arg, size_t done, size_t total);
  void *progress_arg;
};

/**
 * Probe \p t[0..n): \p out[i] is the result of t[i].  \return PF_OK (every
 * target classified), PF_EIO (epoll could not start) or PF_ENOMEM, with
 * \p err set.
 */
pf_status pf_tcp_probe(const struct pf_tcp_target *t, size_t n,
                       const struct pf_tcp_opts *o,
                       struct pf_tcp_result *out, struct pf_err *err);

/** The outcome an errno from connect()/SO_ERROR stands for. */
enum pf_tcp_outcome pf_tcp_classify(int err);

#endif
