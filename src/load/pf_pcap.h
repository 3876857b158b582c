/* SPDX-License-Identifier: MIT */
/* pf_pcap.h - packet sources: capture files and live interfaces (libpcap)
 *
 * specification: pcap file format (draft-ietf-opsawg-pcap), pcapng
 * (draft-ietf-opsawg-pcapng), link types (tcpdump.org linktypes.html).
 *
 * The only module that includes <pcap.h>.  Files are read by libpcap
 * (pcap and pcapng, microsecond and nanosecond timestamps, either byte
 * order); timestamps are handed out in nanoseconds since the epoch and the
 * link type as the LINKTYPE_ number of the file formats (not the DLT_
 * value of the platform), so the analysis never needs libpcap.  Live
 * capture opens an interface with a short snap length (headers only), a
 * read timeout and a BPF filter; pf_pcap_drop_privileges then gives up
 * root before any packet is read.
 *
 * Ownership: pf_pcap_open_* return a source the caller frees with
 * pf_pcap_close (NULL-safe).  Packet bytes handed out by pf_pcap_next stay
 * valid until the next call.
 */
#ifndef PF_PCAP_H
#define PF_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "../core/pf_err.h"

struct pf_pcap;

struct pf_pcap_pkt {
  int64_t ts_ns;           /* nanoseconds since 1970-01-01 UTC */
  uint32_t caplen;         /* bytes captured (at most the snap length) */
  uint32_t len;            /* bytes on the wire */
  const uint8_t *data;     /* caplen bytes */
};

enum pf_pcap_rc {
  PF_PCAP_ERROR = -1,      /* read error; err says what and where */
  PF_PCAP_END = 0,         /* end of file */
  PF_PCAP_PACKET = 1,      /* *pkt filled */
  PF_PCAP_TIMEOUT = 2      /* live: no packet within the read timeout */
};

/**
 * Open capture file \p path (pcap or pcapng).  Errors read "<path>: <what
 * libpcap said>" (PF_ENOENT, PF_EPARSE).
 */
pf_status pf_pcap_open_file(struct pf_pcap **out, const char *path,
                            struct pf_err *err);
/** Open a capture held in memory; \p name is used in messages.  \p buf
 * must outlive the source. */
pf_status pf_pcap_open_buf(struct pf_pcap **out, const char *name,
                           const void *buf, size_t len, struct pf_err *err);

struct pf_pcap_live_opts {
  const char *iface;
  int snaplen;             /* bytes per packet kept (headers only) */
  int timeout_ms;          /* read timeout: how often next() returns */
  const char *filter;      /* BPF filter expression; NULL: none */
};

/**
 * Open interface opts->iface for capture (pcap_create, snap length, read
 * timeout, immediate mode, pcap_activate) and install the filter.
 * \return PF_OK, or PF_EIO / PF_EINVAL with a message.
 */
pf_status pf_pcap_open_live(struct pf_pcap **out,
                            const struct pf_pcap_live_opts *opts,
                            struct pf_err *err);

/**
 * When running as root, become user \p user (supplementary groups
 * cleared, then group, then user) and verify that root cannot be
 * regained.  Not root: nothing to do.  \p *dropped says whether it
 * happened.  \return PF_OK or PF_EIO with a message.
 */
pf_status pf_pcap_drop_privileges(const char *user, int *dropped,
                                  struct pf_err *err);

/** Next packet; see enum pf_pcap_rc. */
enum pf_pcap_rc pf_pcap_next(struct pf_pcap *p, struct pf_pcap_pkt *pkt,
                             struct pf_err *err);

/** LINKTYPE_ number of the source (1 Ethernet, 113 Linux SLL, ...). */
int pf_pcap_linktype(const struct pf_pcap *p);
/** Snap length of the file header or of the live source. */
uint32_t pf_pcap_snaplen(const struct pf_pcap *p);
/** Packets the kernel dropped (live), or 0. */
uint64_t pf_pcap_dropped(struct pf_pcap *p);
/** Free the source; NULL-safe. */
void pf_pcap_close(struct pf_pcap *p);

#endif
