/* SPDX-License-Identifier: MIT */
/* pf_tcp_probe.c - non-blocking connects under epoll, classified by
 * SO_ERROR
 */
#include "pf_tcp_probe.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "../src/core/pf_mem.h"

const char *pf_tcp_outcome_name(enum pf_tcp_outcome o)
{
  switch (o) {
  case PF_TCP_OPEN: return "open";
  case PF_TCP_REFUSED: return "refused";
  case PF_TCP_FILTERED: return "filtered";
  case PF_TCP_UNREACHABLE: return "unreachable";
  default: return "error";
  }
}

enum pf_tcp_outcome pf_tcp_classify(int e)
{
  switch (e) {
  case 0:
    return PF_TCP_OPEN;
  case ECONNREFUSED:
    return PF_TCP_REFUSED;
  case ETIMEDOUT:   /* the kernel's own SYN retries ran out */
    return PF_TCP_FILTERED;
  case EHOSTUNREACH:
  case ENETUNREACH:
  case EHOSTDOWN:
  case ENETDOWN:
  case EACCES:      /* ICMP administratively prohibited, some stacks */
  case EPERM:       /* a local firewall rule (nft reject on output) */
    return PF_TCP_UNREACHABLE;
  default:
    return PF_TCP_ERROR;
  }
}

static int64_t now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Room for \p want descriptors: raise the soft limit towards the hard one.
 * \return how many connects may be in flight. */
static size_t fd_room(size_t want)
{
  struct rlimit rl;
  rlim_t need = (rlim_t)want + 64;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return want < 256 ? want : 256;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
    struct rlimit nr = rl;
    nr.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need
                      ? need
                      : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &nr) == 0)
      rl = nr;
  }
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
    return want;
  return rl.rlim_cur > 96 ? (size_t)(rl.rlim_cur - 64) : 32;
}

static socklen_t to_sockaddr(const struct pf_tcp_target *t,
                             struct sockaddr_storage *ss)
{
  memset(ss, 0, sizeof(*ss));
  if (t->addr.af == PF_AF_V4) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)t->port);
    s4->sin_addr.s_addr = htonl((uint32_t)t->addr.v);
    return sizeof(*s4);
  } else {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    int i;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)t->port);
    for (i = 0; i < 16; i++)
      s6->sin6_addr.s6_addr[i] = (uint8_t)(t->addr.v >> (8 * (15 - i)));
    return sizeof(*s6);
  }
}

struct slot {
  int fd;
  int64_t t0;
  int done;
};

static void finish(struct slot *s, struct pf_tcp_result *r, int e,
                   int64_t now, size_t *inflight, size_t *ndone)
{
  r->outcome = pf_tcp_classify(e);
  r->errno_value = e;
  r->ms = (double)(now - s->t0) / 1000.0;
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
    (*inflight)--;
  }
  s->done = 1;
  (*ndone)++;
}

pf_status pf_tcp_probe(const struct pf_tcp_target *t, size_t n,
                       const struct pf_tcp_opts *o,
                       struct pf_tcp_result *out, struct pf_err *err)
{
  struct epoll_event evs[256];
  struct slot *s;
  long timeout = o->timeout_ms > 0 ? o->timeout_ms : 3000;
  size_t cap = fd_room(o->concurrency ? o->concurrency : 1000);
  size_t next = 0, head = 0, inflight = 0, ndone = 0, i;
  int64_t t_start = now_us(), last_progress = 0;
  int ep;
  pf_status st = PF_OK;

  for (i = 0; i < n; i++) {
    out[i].outcome = PF_TCP_ERROR;
    out[i].errno_value = 0;
    out[i].ms = 0;
  }
  if (!n)
    return PF_OK;
  if (!(s = pf_calloc(n, sizeof(*s))))
    return pf_err_set(err, PF_ENOMEM, "out of memory");
  for (i = 0; i < n; i++)
    s[i].fd = -1;
  if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
    pf_free(s);
    return pf_err_set(err, PF_EIO, "epoll_create1: %s", strerror(errno));
  }
  while (ndone < n) {
    int64_t now = now_us(), wait_us;
    int k, nev;

    /* start what the cap and the rate allow */
    while (next < n && inflight < cap) {
      struct sockaddr_storage ss;
      socklen_t sl;
      struct epoll_event ev;
      int fd;
      if (o->rate > 0 &&
          (double)next >= o->rate * (double)(now - t_start) / 1e6 + 1.0)
        break;
      s[next].t0 = now;
      fd = socket(t[next].addr.af == PF_AF_V4 ? AF_INET : AF_INET6,
                  SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        finish(&s[next], &out[next], errno, now, &inflight, &ndone);
        out[next].outcome = PF_TCP_ERROR;
        next++;
        continue;
      }
      s[next].fd = fd;
      inflight++;
      sl = to_sockaddr(&t[next], &ss);
      if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
        finish(&s[next], &out[next], 0, now_us(), &inflight, &ndone);
      } else if (errno != EINPROGRESS) {
        finish(&s[next], &out[next], errno, now_us(), &inflight, &ndone);
      } else {
        ev.events = EPOLLOUT;
        ev.data.u64 = next;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
          finish(&s[next], &out[next], errno, now_us(), &inflight,
                 &ndone);
      }
      next++;
    }
    /* expire the oldest: starts are in index order, so are deadlines */
    now = now_us();
    while (head < next && (s[head].done ||
                           now - s[head].t0 >= (int64_t)timeout * 1000)) {
      if (!s[head].done)
        finish(&s[head], &out[head], ETIMEDOUT, now, &inflight, &ndone);
      head++;
    }
    if (ndone >= n)
      break;
    /* sleep until an event, the oldest deadline, or the next start */
    wait_us = head < next ? s[head].t0 + (int64_t)timeout * 1000 - now
                          : 100000;
    if (next < n && inflight < cap && o->rate > 0) {
      int64_t due = t_start + (int64_t)((double)next / o->rate * 1e6);
      if (due - now < wait_us)
        wait_us = due - now;
    }
    if (wait_us < 0)
      wait_us = 0;
    if (o->progress && wait_us > 100000)
      wait_us = 100000;
    nev = epoll_wait(ep, evs, 256, (int)((wait_us + 999) / 1000));
    if (nev < 0 && errno != EINTR) {
      st = pf_err_set(err, PF_EIO, "epoll_wait: %s", strerror(errno));
      break;
    }
    now = now_us();
    for (k = 0; k < nev; k++) {
      size_t idx = (size_t)evs[k].data.u64;
      int e = 0;
      socklen_t el = sizeof(e);
      if (idx >= n || s[idx].done)
        continue;
      if (getsockopt(s[idx].fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
        e = errno;
      finish(&s[idx], &out[idx], e, now, &inflight, &ndone);
    }
    if (o->progress && now - last_progress >= 100000) {
      last_progress = now;
      o->progress(o->progress_arg, ndone, n);
    }
  }
  for (i = 0; i < n; i++)
    if (s[i].fd >= 0)
      close(s[i].fd);
  close(ep);
  pf_free(s);
  return st;
}
