/* SPDX-License-Identifier: MIT */
/* pf_pcap.c - packet sources over libpcap: files, memory, live interfaces
 *
 * specification: pcap (draft-ietf-opsawg-pcap), pcapng
 * (draft-ietf-opsawg-pcapng), LINKTYPE_ values (tcpdump.org linktypes).
 */
#include "pf_pcap.h"

#include <errno.h>
#include <grp.h>
#include <pcap.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "../core/pf_mem.h"

/* seconds whose nanoseconds, and differences of them, fit in an int64_t
 * (2^62 ns: the years 1824 to 2116) */
#define PF_PCAP_MAX_SEC 4611686017LL

struct pf_pcap {
  pcap_t *pc;
  char *name;              /* file name or interface, for messages */
  int nano;                /* timestamps are in nanoseconds */
  int live;
  int fd;                  /* live: selectable descriptor, or -1 */
  int timeout_ms;          /* live: longest wait in pf_pcap_next */
  uint64_t count;          /* packets handed out */
};

/* The LINKTYPE_ number (file formats) of a DLT_ value (platform). */
static int linktype_of(int dlt)
{
  switch (dlt) {
  case DLT_NULL: return 0;
  case DLT_EN10MB: return 1;
  case DLT_RAW: return 101;
#ifdef DLT_LOOP
  case DLT_LOOP: return 108;
#endif
  case DLT_LINUX_SLL: return 113;
#ifdef DLT_LINUX_SLL2
  case DLT_LINUX_SLL2: return 276;
#endif
#ifdef DLT_IPV4
  case DLT_IPV4: return 228;
#endif
#ifdef DLT_IPV6
  case DLT_IPV6: return 229;
#endif
  default: return dlt;
  }
}

static pf_status wrap(struct pf_pcap **out, pcap_t *pc, const char *name,
                      int live, struct pf_err *err)
{
  struct pf_pcap *p = pf_calloc(1, sizeof(*p));
  if (!p || !(p->name = pf_strdup(name))) {
    pf_free(p);
    pcap_close(pc);
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", name);
  }
  p->pc = pc;
  p->live = live;
  p->fd = -1;
  p->nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
  *out = p;
  return PF_OK;
}

pf_status pf_pcap_open_file(struct pf_pcap **out, const char *path,
                            struct pf_err *err)
{
  char eb[PCAP_ERRBUF_SIZE];
  pcap_t *pc;
  FILE *f;

  *out = NULL;
  eb[0] = '\0';
  f = fopen(path, "rb");
  if (!f)
    return pf_err_set(err, errno == ENOENT ? PF_ENOENT : PF_EIO, "%s: %s",
                      path, strerror(errno));
  pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO,
                                                eb);
  if (!pc) {
    fclose(f);
    return pf_err_set(err, PF_EPARSE, "%s: not a readable pcap or pcapng "
                      "capture: %s", path, eb[0] ? eb : "unknown error");
  }
  return wrap(out, pc, path, 0, err);
}

pf_status pf_pcap_open_buf(struct pf_pcap **out, const char *name,
                           const void *buf, size_t len, struct pf_err *err)
{
  char eb[PCAP_ERRBUF_SIZE];
  pcap_t *pc;
  FILE *f;

  *out = NULL;
  eb[0] = '\0';
  if (len == 0)
    return pf_err_set(err, PF_EPARSE, "%s: not a readable pcap or pcapng "
                      "capture: the file is empty", name);
  f = fmemopen((void *)(uintptr_t)buf, len, "rb");
  if (!f)
    return pf_err_set(err, PF_ENOMEM, "%s: %s", name, strerror(errno));
  pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO,
                                                eb);
  if (!pc) {
    fclose(f);
    return pf_err_set(err, PF_EPARSE, "%s: not a readable pcap or pcapng "
                      "capture: %s", name, eb[0] ? eb : "unknown error");
  }
  return wrap(out, pc, name, 0, err);
}

pf_status pf_pcap_open_live(struct pf_pcap **out,
                            const struct pf_pcap_live_opts *opts,
                            struct pf_err *err)
{
  char eb[PCAP_ERRBUF_SIZE];
  struct bpf_program prog;
  pcap_t *pc;
  int rc;

  *out = NULL;
  eb[0] = '\0';
  pc = pcap_create(opts->iface, eb);
  if (!pc)
    return pf_err_set(err, PF_EIO, "%s: cannot open for capture: %s",
                      opts->iface, eb);
  if (pcap_set_snaplen(pc, opts->snaplen) != 0 ||
      pcap_set_promisc(pc, 0) != 0 ||
      pcap_set_timeout(pc, opts->timeout_ms) != 0 ||
      pcap_set_immediate_mode(pc, 1) != 0) {
    pcap_close(pc);
    return pf_err_set(err, PF_EIO, "%s: cannot set capture options",
                      opts->iface);
  }
  /* nanosecond timestamps where the platform has them; else microseconds
   * (pcap_get_tstamp_precision tells which) */
  (void)pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
  rc = pcap_activate(pc);
  if (rc < 0) {
    const char *why = rc == PCAP_ERROR ? pcap_geterr(pc)
                                       : pcap_statustostr(rc);
    pf_err_set(err, PF_EIO, "%s: cannot capture: %s%s", opts->iface, why,
               rc == PCAP_ERROR_PERM_DENIED
                   ? " (capturing needs root or CAP_NET_RAW)"
                   : "");
    pcap_close(pc);
    return PF_EIO;
  }
  if (opts->filter) {
    if (pcap_compile(pc, &prog, opts->filter, 1, PCAP_NETMASK_UNKNOWN) !=
        0) {
      pf_err_set(err, PF_EINVAL, "%s: filter '%s': %s", opts->iface,
                 opts->filter, pcap_geterr(pc));
      pcap_close(pc);
      return PF_EINVAL;
    }
    rc = pcap_setfilter(pc, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
      pf_err_set(err, PF_EIO, "%s: cannot install filter: %s", opts->iface,
                 pcap_geterr(pc));
      pcap_close(pc);
      return PF_EIO;
    }
  }
  /* non-blocking reads and poll(): the read timeout alone does not wake a
   * reader when the filter lets nothing through (immediate mode) */
  if (pcap_setnonblock(pc, 1, eb) != 0) {
    pf_err_set(err, PF_EIO, "%s: %s", opts->iface, eb);
    pcap_close(pc);
    return PF_EIO;
  }
  if (wrap(out, pc, opts->iface, 1, err) != PF_OK)
    return PF_ENOMEM;
  (*out)->fd = pcap_get_selectable_fd(pc);
  (*out)->timeout_ms = opts->timeout_ms;
  return PF_OK;
}

pf_status pf_pcap_drop_privileges(const char *user, int *dropped,
                                  struct pf_err *err)
{
  struct passwd *pw;

  *dropped = 0;
  if (geteuid() != 0 && getuid() != 0)
    return PF_OK;
  errno = 0;
  pw = getpwnam(user);
  if (!pw)
    return pf_err_set(err, PF_EIO, "cannot drop root privileges: no user "
                      "'%s'%s%s", user, errno ? ": " : "",
                      errno ? strerror(errno) : "");
  if (pw->pw_uid == 0)
    return pf_err_set(err, PF_EIO, "cannot drop root privileges: user '%s' "
                      "is root", user);
  if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
      setuid(pw->pw_uid) != 0)
    return pf_err_set(err, PF_EIO, "cannot drop root privileges to '%s': %s",
                      user, strerror(errno));
  /* root must be gone for good */
  if (setuid(0) == 0 || geteuid() == 0 || getegid() == 0)
    return pf_err_set(err, PF_EIO, "cannot drop root privileges to '%s': "
                      "root could be regained", user);
  *dropped = 1;
  return PF_OK;
}

enum pf_pcap_rc pf_pcap_next(struct pf_pcap *p, struct pf_pcap_pkt *pkt,
                             struct pf_err *err)
{
  struct pcap_pkthdr *h;
  const u_char *data;
  int rc = pcap_next_ex(p->pc, &h, &data);

  if (rc == 0 && p->live && p->fd >= 0) {
    struct pollfd pfd;
    pfd.fd = p->fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (poll(&pfd, 1, p->timeout_ms) > 0)
      rc = pcap_next_ex(p->pc, &h, &data);
  }

  if (rc == 1) {
    /* pcapng timestamps are 64-bit counts of any resolution: clamp the
     * seconds so nanoseconds and their differences fit in 64 bits */
    int64_t sec = (int64_t)h->ts.tv_sec;
    int64_t frac = (int64_t)h->ts.tv_usec % 1000000000;
    if (sec > PF_PCAP_MAX_SEC)
      sec = PF_PCAP_MAX_SEC;
    else if (sec < -PF_PCAP_MAX_SEC)
      sec = -PF_PCAP_MAX_SEC;
    p->count++;
    pkt->ts_ns = sec * 1000000000 + (p->nano ? frac : frac % 1000000 * 1000);
    pkt->caplen = h->caplen;
    pkt->len = h->len;
    pkt->data = data;
    return PF_PCAP_PACKET;
  }
  if (rc == 0)
    return PF_PCAP_TIMEOUT;
  if (rc == PCAP_ERROR_BREAK)
    return PF_PCAP_END;
  pf_err_set(err, PF_EPARSE, "%s: packet %llu: %s", p->name,
             (unsigned long long)p->count + 1, pcap_geterr(p->pc));
  return PF_PCAP_ERROR;
}

int pf_pcap_linktype(const struct pf_pcap *p)
{
  return linktype_of(pcap_datalink(p->pc));
}

uint32_t pf_pcap_snaplen(const struct pf_pcap *p)
{
  int n = pcap_snapshot(p->pc);
  return n > 0 ? (uint32_t)n : 0;
}

uint64_t pf_pcap_dropped(struct pf_pcap *p)
{
  struct pcap_stat st;
  if (!p->live || pcap_stats(p->pc, &st) != 0)
    return 0;
  return (uint64_t)st.ps_drop + st.ps_ifdrop;
}

void pf_pcap_close(struct pf_pcap *p)
{
  if (!p)
    return;
  pcap_close(p->pc);
  pf_free(p->name);
  pf_free(p);
}
