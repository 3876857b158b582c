/* SPDX-License-Identifier: MIT */
/* pf_dns_probe.c - concurrent A queries with c-ares, answers read here
 *
 * specification: RFC 1035 4.1 (message format), 4.1.4 (compression)
 */
#include "pf_dns_probe.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/nameser.h>
#include <ares.h>

#include "../src/core/pf_mem.h"
#include "pf_probe_plan.h"

static const char *const outcome_names[] = {
  "public", "private", "nxdomain", "nodata", "servfail", "refused",
  "timeout", "unreachable", "error"
};

const char *pf_dns_outcome_name(enum pf_dns_outcome o)
{
  return (size_t)o < sizeof(outcome_names) / sizeof(outcome_names[0])
             ? outcome_names[o]
             : "?";
}

const char *pf_dns_chain_first(const struct pf_dns_result *r)
{
  return r->n_cname ? r->chain : NULL;
}

const char *pf_dns_chain_next(const struct pf_dns_result *r, const char *s)
{
  const char *n = s + strlen(s) + 1;
  size_t k = 0;
  const char *p = r->chain;
  /* position of s in the chain decides whether there is a next */
  while (p != s && k < r->n_cname) {
    p += strlen(p) + 1;
    k++;
  }
  return k + 1 < r->n_cname ? n : NULL;
}

static void chain_add(struct pf_dns_result *r, const char *name)
{
  size_t used = 0, i, l = strlen(name);
  const char *p = r->chain;
  for (i = 0; i < r->n_cname; i++) {
    size_t pl = strlen(p);
    used += pl + 1;
    p += pl + 1;
  }
  if (used + l + 1 > sizeof(r->chain)) {
    r->chain_truncated = 1;
    return;
  }
  memcpy(r->chain + used, name, l + 1);
  r->n_cname++;
}

/* A label "privatelink" anywhere in the name: Azure's private endpoint
 * CNAME (<name>.privatelink.blob.core.windows.net). */
static int is_privatelink(const char *name)
{
  const char *p = name;
  while ((p = strstr(p, "privatelink.")) != NULL) {
    if (p == name || p[-1] == '.')
      return 1;
    p++;
  }
  return 0;
}

static uint16_t get16(const unsigned char *p)
{
  return (uint16_t)((p[0] << 8) | p[1]);
}

/* Skip a (possibly compressed) name at \p p; \return the next byte or
 * NULL when it runs past the end. */
static const unsigned char *skip_name(const unsigned char *p,
                                      const unsigned char *end)
{
  while (p < end) {
    if (*p == 0)
      return p + 1;
    if ((*p & 0xc0) == 0xc0)
      return p + 2 <= end ? p + 2 : NULL;
    if (*p & 0xc0)
      return NULL;
    p += 1 + *p;
  }
  return NULL;
}

static void classify(struct pf_dns_result *r)
{
  const char *c;
  size_t i;
  for (c = pf_dns_chain_first(r); c; c = pf_dns_chain_next(r, c))
    if (is_privatelink(c)) {
      r->why = PF_DNS_WHY_PRIVATELINK;
      break;
    }
  if (r->rcode == ns_r_nxdomain) {
    r->outcome = PF_DNS_NXDOMAIN;
    return;
  }
  if (r->rcode == ns_r_servfail) {
    r->outcome = PF_DNS_SERVFAIL;
    return;
  }
  if (r->rcode == ns_r_refused) {
    r->outcome = PF_DNS_REFUSED;
    return;
  }
  if (r->rcode != ns_r_noerror) {
    r->outcome = PF_DNS_ERROR;
    snprintf(r->detail, sizeof(r->detail), "rcode %d", r->rcode);
    return;
  }
  if (!r->n_addrs) {
    r->outcome = PF_DNS_NODATA;
    return;
  }
  if (r->why == PF_DNS_WHY_NONE)
    for (i = 0; i < r->n_addrs; i++)
      if (pf_probe_addr_private(&r->addrs[i]))
        r->why = PF_DNS_WHY_ADDRESS;
  r->outcome = r->why != PF_DNS_WHY_NONE ? PF_DNS_PRIVATE : PF_DNS_PUBLIC;
}

void pf_dns_read_answer(const unsigned char *buf, size_t len,
                        struct pf_dns_result *r)
{
  const unsigned char *p, *end = buf + len;
  unsigned qd, an, i;

  r->n_addrs = 0;
  r->n_cname = 0;
  r->why = PF_DNS_WHY_NONE;
  r->rcode = -1;
  if (!buf || len < 12 || len > 65535) {
    r->outcome = PF_DNS_ERROR;
    snprintf(r->detail, sizeof(r->detail), "short or oversized answer");
    return;
  }
  r->rcode = buf[3] & 0x0f;
  qd = get16(buf + 4);
  an = get16(buf + 6);
  p = buf + 12;
  for (i = 0; i < qd && p; i++) {
    p = skip_name(p, end);
    p = p && p + 4 <= end ? p + 4 : NULL;
  }
  for (i = 0; i < an && p; i++) {
    unsigned type, cls, rdlen;
    const unsigned char *rd;
    p = skip_name(p, end);
    if (!p || p + 10 > end) {
      p = NULL;
      break;
    }
    type = get16(p);
    cls = get16(p + 2);
    rdlen = get16(p + 8);
    rd = p + 10;
    if (rd + rdlen > end) {
      p = NULL;
      break;
    }
    p = rd + rdlen;
    if (cls != ns_c_in)
      continue;
    if (type == ns_t_cname) {
      char *name = NULL;
      long enc = 0;
      if (ares_expand_name(rd, buf, (int)len, &name, &enc) == ARES_SUCCESS) {
        chain_add(r, name);
        ares_free_string(name);
      } else {
        p = NULL;
      }
    } else if (type == ns_t_a && rdlen == 4 &&
               r->n_addrs < PF_DNS_MAX_ADDRS) {
      r->addrs[r->n_addrs].af = PF_AF_V4;
      r->addrs[r->n_addrs].v = ((pf_u128)rd[0] << 24) |
                               ((pf_u128)rd[1] << 16) |
                               ((pf_u128)rd[2] << 8) | rd[3];
      r->n_addrs++;
    } else if (type == ns_t_aaaa && rdlen == 16 &&
               r->n_addrs < PF_DNS_MAX_ADDRS) {
      pf_u128 v = 0;
      unsigned k;
      for (k = 0; k < 16; k++)
        v = (v << 8) | rd[k];
      r->addrs[r->n_addrs].af = PF_AF_V6;
      r->addrs[r->n_addrs].v = v;
      r->n_addrs++;
    }
  }
  if (!p) {
    r->outcome = PF_DNS_ERROR;
    snprintf(r->detail, sizeof(r->detail), "malformed answer");
    r->n_addrs = 0;
    return;
  }
  classify(r);
}

/* ---- the resolver loop ---- */

struct query;

struct run {
  ares_channel ch;
  const char *const *names;
  struct pf_dns_result *out;
  struct query *q;
  size_t pending;
};

struct query {
  struct run *run;
  size_t idx;
  int64_t t0;
  int done;
};

static int64_t now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_answer(void *arg, int status, int timeouts,
                      unsigned char *abuf, int alen)
{
  struct query *q = arg;
  struct pf_dns_result *r = &q->run->out[q->idx];
  (void)timeouts;
  if (q->done)
    return;
  q->done = 1;
  q->run->pending--;
  r->ms = (double)(now_us() - q->t0) / 1000.0;
  r->rcode = -1;
  if (abuf && alen > 0 && status != ARES_ETIMEOUT &&
      status != ARES_ECANCELLED && status != ARES_EDESTRUCTION) {
    pf_dns_read_answer(abuf, (size_t)alen, r);
    return;
  }
  switch (status) {
  case ARES_ETIMEOUT:
  case ARES_ECANCELLED:
  case ARES_EDESTRUCTION:
    r->outcome = PF_DNS_TIMEOUT;
    break;
  case ARES_ENOTFOUND:
    r->outcome = PF_DNS_NXDOMAIN;
    break;
  case ARES_ENODATA:
    r->outcome = PF_DNS_NODATA;
    break;
  case ARES_ESERVFAIL:
    r->outcome = PF_DNS_SERVFAIL;
    break;
  case ARES_EREFUSED:
    r->outcome = PF_DNS_REFUSED;
    break;
  case ARES_ECONNREFUSED:
    r->outcome = PF_DNS_UNREACHABLE;
    snprintf(r->detail, sizeof(r->detail), "the DNS server's port is "
             "closed");
    break;
  default:
    r->outcome = PF_DNS_ERROR;
    snprintf(r->detail, sizeof(r->detail), "%s", ares_strerror(status));
    break;
  }
}

/* "IP", "IP:PORT", "[v6]:PORT" into c-ares' "IP:PORT" csv form. */
static int server_csv(const char *s, char *buf, size_t cap)
{
  struct pf_addr a;
  struct pf_err e;
  const char *colon = strrchr(s, ':');
  unsigned long port = 53;
  char host[64];
  size_t hl;
  pf_err_clear(&e);
  if (s[0] == '[') {
    const char *rb = strchr(s, ']');
    if (!rb || (size_t)(rb - s - 1) >= sizeof(host))
      return 0;
    hl = (size_t)(rb - s - 1);
    memcpy(host, s + 1, hl);
    host[hl] = '\0';
    colon = rb[1] == ':' ? rb + 1 : NULL;
    if (rb[1] && rb[1] != ':')
      return 0;
  } else if (colon && strchr(s, ':') == colon) {
    hl = (size_t)(colon - s);
    if (hl >= sizeof(host))
      return 0;
    memcpy(host, s, hl);
    host[hl] = '\0';
  } else {
    snprintf(host, sizeof(host), "%s", s);
    colon = NULL;
  }
  if (pf_addr_parse(host, strlen(host), &a, &e) != PF_OK)
    return 0;
  if (colon) {
    char *endp;
    errno = 0;
    port = strtoul(colon + 1, &endp, 10);
    if (endp == colon + 1 || *endp || port < 1 || port > 65535)
      return 0;
  }
  if (a.af == PF_AF_V6)
    snprintf(buf, cap, "[%s]:%lu", host, port);
  else
    snprintf(buf, cap, "%s:%lu", host, port);
  return 1;
}

pf_status pf_dns_probe(const char *const *names, size_t n,
                       const struct pf_dns_opts *o,
                       struct pf_dns_result *out, struct pf_err *err)
{
  struct ares_options ao;
  struct run run;
  char csv[96], lookups[2] = "b";
  long timeout = o->timeout_ms > 0 ? o->timeout_ms : 2000;
  size_t window = o->window ? o->window : 1000, next = 0, i;
  int64_t deadline;
  int rc, optmask;
  pf_status st = PF_OK;

  memset(&run, 0, sizeof(run));
  for (i = 0; i < n; i++) {
    memset(&out[i], 0, sizeof(out[i]));
    out[i].outcome = PF_DNS_TIMEOUT;
    out[i].rcode = -1;
  }
  if (!n)
    return PF_OK;
  if (o->server && !server_csv(o->server, csv, sizeof(csv)))
    return pf_err_set(err, PF_EINVAL, "--dns-server '%s': expected IP, "
                      "IP:PORT or [IPv6]:PORT", o->server);
  if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS)
    return pf_err_set(err, PF_EIO, "c-ares: %s", ares_strerror(rc));
  memset(&ao, 0, sizeof(ao));
  /* NOCHECKRESP: a SERVFAIL or REFUSED answer is the result, not a reason
   * to ask again; TRIES 2 with c-ares' doubling makes 3 parts of the
   * timeout; "b": DNS only, never /etc/hosts (the probe is about DNS) */
  ao.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
  ao.tries = 2;
  ao.timeout = (int)(timeout / 3 > 0 ? timeout / 3 : 1);
  ao.lookups = lookups;
  ao.socket_receive_buffer_size = 4 << 20;
  optmask = ARES_OPT_FLAGS | ARES_OPT_TRIES | ARES_OPT_TIMEOUTMS |
            ARES_OPT_LOOKUPS | ARES_OPT_SOCK_RCVBUF;
  if ((rc = ares_init_options(&run.ch, &ao, optmask)) != ARES_SUCCESS) {
    ares_library_cleanup();
    return pf_err_set(err, PF_EIO, "c-ares: %s", ares_strerror(rc));
  }
  if (o->server &&
      (rc = ares_set_servers_ports_csv(run.ch, csv)) != ARES_SUCCESS) {
    st = pf_err_set(err, PF_EINVAL, "--dns-server '%s': %s", o->server,
                    ares_strerror(rc));
    goto done;
  }
  if (!(run.q = pf_calloc(n, sizeof(*run.q)))) {
    st = pf_err_set(err, PF_ENOMEM, "out of memory");
    goto done;
  }
  run.names = names;
  run.out = out;
  /* a hard end: every window of names gets one timeout, plus slack */
  deadline = now_us() +
             ((int64_t)((n + window - 1) / window) * timeout + 250) * 1000;
  for (;;) {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    struct pollfd pfd[ARES_GETSOCK_MAXNUM];
    struct timeval maxtv, tv, *tvp;
    int bits, np = 0, k, ready, ms;
    int64_t now;

    while (next < n && run.pending < window) {
      struct query *q = &run.q[next];
      q->run = &run;
      q->idx = next;
      q->t0 = now_us();
      run.pending++;
      ares_query(run.ch, names[next], ns_c_in, ns_t_a, on_answer, q);
      next++;
    }
    if (!run.pending && next >= n)
      break;
    now = now_us();
    if (now >= deadline) {
      ares_cancel(run.ch);    /* the rest: timeouts (on_answer) */
      break;
    }
    bits = ares_getsock(run.ch, socks, ARES_GETSOCK_MAXNUM);
    for (k = 0; k < ARES_GETSOCK_MAXNUM; k++) {
      short ev = 0;
      /* c-ares' ARES_GETSOCK_WRITABLE shifts a signed 1 by up to 31 */
      if ((unsigned)bits & (1u << k))
        ev |= POLLIN;
      if ((unsigned)bits & (1u << (k + ARES_GETSOCK_MAXNUM)))
        ev |= POLLOUT;
      if (!ev)
        continue;
      pfd[np].fd = socks[k];
      pfd[np].events = ev;
      pfd[np].revents = 0;
      np++;
    }
    maxtv.tv_sec = (deadline - now) / 1000000;
    maxtv.tv_usec = (deadline - now) % 1000000;
    tvp = ares_timeout(run.ch, &maxtv, &tv);
    ms = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
    ready = poll(pfd, (nfds_t)np, ms);
    if (ready < 0 && errno != EINTR) {
      st = pf_err_set(err, PF_EIO, "poll: %s", strerror(errno));
      ares_cancel(run.ch);
      break;
    }
    if (ready <= 0) {
      ares_process_fd(run.ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      continue;
    }
    for (k = 0; k < np; k++)
      ares_process_fd(run.ch,
                      pfd[k].revents & (POLLIN | POLLERR | POLLHUP)
                          ? pfd[k].fd
                          : ARES_SOCKET_BAD,
                      pfd[k].revents & POLLOUT ? pfd[k].fd
                                               : ARES_SOCKET_BAD);
  }
  /* queries never sent (cancelled before their turn) stay timeouts */
done:
  ares_destroy(run.ch);
  ares_library_cleanup();
  pf_free(run.q);
  return st;
}
