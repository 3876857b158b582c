/* SPDX-License-Identifier: MIT */
/* bench_capture.c - capture analysis speed, next to tcpdump on the same file
 *
 * Usage: bench_capture [FILE [PACKETS [RUNS]]]
 *
 * specification: pcap file format (draft-ietf-opsawg-pcap).
 *
 * The target: analysing a 1,000,000-packet capture at 1 M packets
 * per second or more, reported next to `tcpdump -r FILE -n > /dev/null`
 * on the same file.  Unless FILE exists, a capture of PACKETS (default
 * 1,000,000) Ethernet/IPv4/TCP packets is written there first (default
 * $TMPDIR/bench_capture.pcap): management connections from 65,536 client
 * addresses to 256 nodes on 29876, 29877 and 44224, in the mix of a
 * troubled pool: 70 % completed (SYN, SYN-ACK, ACK, 2 data, 2 FIN, ACK:
 * 8 packets), 10 % refused (2), 10 % unanswered (3 SYNs), 10 % reply-lost
 * (4 SYNs and 4 SYN-ACKs), interleaved 64 connections at a time.  The
 * timed part is what `preflight capture -r` does before printing: read
 * every packet through libpcap, decode, track, classify.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/pf_err.h"
#include "eval/pf_capture.h"
#include "load/pf_pcap.h"

#define T0 1714557600u

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void le32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static void be16(uint8_t *p, unsigned v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

struct conn {
  uint32_t client, server;
  unsigned cport, sport;
  int kind;        /* 0 completed, 1 refused, 2 unanswered, 3 reply-lost */
  int step;
};

/* One packet of connection \p c (its step-th); 0 when it is done. */
static int packet(const struct conn *c, uint8_t *b, size_t *len)
{
  static const int n_steps[4] = {8, 2, 3, 8};
  int from_client = 1, paylen = 0;
  unsigned flags = 0;
  uint32_t seq = 1000, ack = 0;
  if (c->step >= n_steps[c->kind])
    return 0;
  switch (c->kind) {
  case 0: {
    static const unsigned f[8] = {0x02, 0x12, 0x10, 0x18, 0x18, 0x11, 0x11,
                                  0x10};
    static const int fc[8] = {1, 0, 1, 1, 0, 1, 0, 1};
    flags = f[c->step];
    from_client = fc[c->step];
    paylen = (c->step == 3 || c->step == 4) ? 100 : 0;
    seq = from_client ? 1001 + (c->step > 3 ? 100u : 0u) : 9000;
    ack = from_client ? 9001 : 1001;
    if (c->step == 0)
      seq = 1000, ack = 0;
    break;
  }
  case 1:
    flags = c->step ? 0x14 : 0x02;
    from_client = !c->step;
    ack = c->step ? 1001 : 0;
    break;
  case 2:
    flags = 0x02;
    break;
  default:
    from_client = !(c->step & 1);
    flags = from_client ? 0x02 : 0x12;
    seq = from_client ? 1000 : 9000;
    ack = from_client ? 0 : 1001;
    break;
  }
  memset(b, 0, 54);
  b[0] = 2;
  b[6] = 2;
  be16(b + 12, 0x0800);
  b[14] = 0x45;
  be16(b + 16, (unsigned)(40 + paylen));
  b[22] = 64;
  b[23] = 6;
  be32(b + 26, from_client ? c->client : c->server);
  be32(b + 30, from_client ? c->server : c->client);
  be16(b + 34, from_client ? c->cport : c->sport);
  be16(b + 36, from_client ? c->sport : c->cport);
  be32(b + 38, seq);
  be32(b + 42, ack);
  b[46] = 5 << 4;
  b[47] = (uint8_t)flags;
  *len = 54 + (size_t)paylen;
  return 1;
}

static int write_capture(const char *path, unsigned long packets)
{
  enum { WINDOW = 64 };
  struct conn live[WINDOW];
  uint8_t hdr[24], rec[16], b[256], snap[128];
  unsigned long written = 0, serial = 0;
  FILE *f = fopen(path, "wb");
  unsigned i;
  if (!f)
    return -1;
  le32(hdr, 0xA1B2C3D4u);
  hdr[4] = 2;
  hdr[5] = 0;
  hdr[6] = 4;
  hdr[7] = 0;
  memset(hdr + 8, 0, 8);
  le32(hdr + 16, 128);
  le32(hdr + 20, 1);
  fwrite(hdr, 1, sizeof(hdr), f);
  memset(live, 0, sizeof(live));
  for (i = 0; i < WINDOW; i++)
    live[i].step = 99;   /* start fresh */
  while (written < packets) {
    for (i = 0; i < WINDOW && written < packets; i++) {
      struct conn *c = &live[i];
      size_t len, cap;
      uint32_t usec;
      if (!packet(c, b, &len)) {
        unsigned long r = serial++ * 2654435761u;
        c->client = 0x0D000000u | (uint32_t)(serial & 0xFFFFu) << 4;
        c->server = 0x0A140000u | (uint32_t)(r >> 8 & 0xFFu);
        c->cport = 1024 + (unsigned)(serial % 60000);
        c->sport = (serial % 3 == 0) ? 29876 : (serial % 3 == 1) ? 29877
                                                                  : 44224;
        c->kind = (serial % 10) < 7 ? 0 : (int)(serial % 10) - 6;
        c->step = 0;
        packet(c, b, &len);
      }
      c->step++;
      cap = len < sizeof(snap) ? len : sizeof(snap);
      usec = (uint32_t)(written * 10);
      le32(rec, T0 + usec / 1000000);
      le32(rec + 4, usec % 1000000);
      le32(rec + 8, (uint32_t)cap);
      le32(rec + 12, (uint32_t)len);
      fwrite(rec, 1, sizeof(rec), f);
      fwrite(b, 1, cap, f);
      written++;
    }
  }
  return fclose(f);
}

/* Read and analyse \p path once.  \return seconds, or -1. */
static double analyse(const char *path, unsigned long *packets,
                      size_t *conns, size_t states[PF_CS_COUNT])
{
  struct pf_pcap *p = NULL;
  struct pf_cap *c = NULL;
  struct pf_pcap_pkt pkt;
  struct pf_err err;
  double t0 = now(), t;
  size_t i;
  pf_err_clear(&err);
  if (pf_pcap_open_file(&p, path, &err) != PF_OK ||
      pf_cap_create(&c, pf_pcap_linktype(p), 0) != PF_OK) {
    fprintf(stderr, "bench_capture: %s\n", err.msg);
    pf_pcap_close(p);
    return -1;
  }
  *packets = 0;
  while (pf_pcap_next(p, &pkt, &err) == PF_PCAP_PACKET) {
    pf_cap_feed(c, pkt.ts_ns, pkt.data, pkt.caplen, pkt.len);
    (*packets)++;
  }
  pf_cap_finish(c, 0);
  t = now() - t0;
  *conns = pf_cap_count(c);
  memset(states, 0, PF_CS_COUNT * sizeof(states[0]));
  for (i = 0; i < *conns; i++)
    states[pf_cap_at(c, i)->state]++;
  pf_pcap_close(p);
  pf_cap_destroy(c);
  return t;
}

int main(int argc, char **argv)
{
  char defpath[1024], cmd[1200];
  const char *tmp = getenv("TMPDIR");
  const char *path;
  unsigned long want = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
  int runs = argc > 3 ? atoi(argv[3]) : 3, r;
  double best = 1e9, tbest = 1e9, sum = 0;
  unsigned long packets = 0;
  size_t conns = 0, states[PF_CS_COUNT], i;
  struct stat st;

  snprintf(defpath, sizeof(defpath), "%s/bench_capture.pcap",
           tmp && *tmp ? tmp : "/tmp");
  path = argc > 1 ? argv[1] : defpath;
  if (runs < 1)
    runs = 1;
  if (stat(path, &st) != 0) {
    double t0 = now();
    if (write_capture(path, want) != 0) {
      fprintf(stderr, "bench_capture: cannot write %s\n", path);
      return 1;
    }
    printf("wrote:           %s (%lu packets, %.2f s)\n", path, want,
           now() - t0);
    if (stat(path, &st) != 0)
      return 1;
  }
  for (r = 0; r < runs; r++) {
    double t = analyse(path, &packets, &conns, states);
    if (t < 0)
      return 1;
    sum += t;
    if (t < best)
      best = t;
  }
  printf("capture:         %s (%lu packets, %.1f MB)\n", path, packets,
         (double)st.st_size / 1e6);
  printf("connections:     %zu (", conns);
  for (i = 0; i < PF_CS_COUNT; i++)
    printf("%s%zu %s", i ? ", " : "", states[i],
           pf_conn_state_name((enum pf_conn_state)i));
  printf(")\n");
  printf("analysis:        mean %.3f s, best %.3f s (%d runs): %.2f M "
         "packets/s\n", sum / runs, best, runs, (double)packets / best / 1e6);
  snprintf(cmd, sizeof(cmd), "tcpdump -r '%s' -n > /dev/null 2>&1", path);
  if (system("command -v tcpdump > /dev/null 2>&1") == 0) {
    for (r = 0; r < runs; r++) {
      double t0 = now(), t;
      if (system(cmd) != 0) {
        tbest = -1;
        break;
      }
      t = now() - t0;
      if (t < tbest)
        tbest = t;
    }
    if (tbest > 0)
      printf("tcpdump -r -n:   best %.3f s: preflight is %.1fx faster "
             "(ratio tcpdump/preflight)\n", tbest, tbest / best);
    else
      printf("tcpdump -r -n:   failed\n");
  } else {
    printf("tcpdump -r -n:   not installed (apt-get install tcpdump)\n");
  }
  printf("target:          >= 1 M packets/s: %s\n",
         (double)packets / best >= 1e6 ? "met" : "NOT met");
  return 0;
}
