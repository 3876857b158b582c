/* SPDX-License-Identifier: MIT */
/* fuzz_pcap.c - libFuzzer target for the capture file reader and decoder
 *
 * Any byte string is read as a capture file through libpcap
 * (pf_pcap_open_buf: pcap or pcapng) and every packet it yields goes
 * through the analysis; the same bytes are then decoded as one packet of
 * every supported link type.  Opening may fail (with a message naming the
 * input); reading may stop early (a marked partial result); neither may
 * crash, and the connection states must be consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/pf_capture.h"
#include "load/pf_pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_conns(const struct pf_cap *c)
{
  size_t i, n = pf_cap_count(c);
  for (i = 0; i < n; i++) {
    const struct pf_conn *k = pf_cap_at(c, i);
    if ((unsigned)k->state >= PF_CS_COUNT || k->packets == 0 ||
        k->last_ns < k->first_ns)
      abort();
    if (k->state == PF_CS_REPLY_LOST && k->synack_count == 0)
      abort();
    if (k->state == PF_CS_UNANSWERED && k->synack_count != 0)
      abort();
    if (i && pf_cap_at(c, i - 1)->first_ns > k->first_ns)
      abort();   /* ordered by first packet */
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const int lts[] = {
      PF_LINKTYPE_NULL, PF_LINKTYPE_ETHERNET, PF_LINKTYPE_RAW,
      PF_LINKTYPE_LOOP, PF_LINKTYPE_LINUX_SLL, PF_LINKTYPE_IPV4,
      PF_LINKTYPE_IPV6, PF_LINKTYPE_LINUX_SLL2};
  struct pf_pcap *p = NULL;
  struct pf_cap *c = NULL;
  struct pf_pcap_pkt pkt;
  struct pf_seg s;
  struct pf_err err;
  size_t i, count = 0;

  pf_err_clear(&err);
  if (pf_pcap_open_buf(&p, "f.pcap", data, size, &err) == PF_OK) {
    if (pf_cap_create(&c, pf_pcap_linktype(p), 4096) != PF_OK)
      abort();
    while (count++ < 100000 &&
           pf_pcap_next(p, &pkt, &err) == PF_PCAP_PACKET) {
      if (pkt.caplen && !pkt.data)
        abort();
      if (pf_cap_feed(c, pkt.ts_ns, pkt.data, pkt.caplen, pkt.len) != PF_OK)
        abort();
    }
    pf_pcap_close(p);
    pf_cap_finish(c, 0);
    check_conns(c);
    pf_cap_destroy(c);
  } else if (p || strncmp(err.msg, "f.pcap: ", 8) != 0) {
    abort();
  }
  for (i = 0; i < sizeof(lts) / sizeof(lts[0]); i++)
    pf_cap_decode(lts[i], data, size, &s);
  return 0;
}
