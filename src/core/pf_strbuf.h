/* SPDX-License-Identifier: MIT */
/* pf_strbuf.h - growable string buffer with a mandatory maximum size
 *
 * Modelled on curl's dynbuf: every append fails with PF_ETOOBIG past the
 * limit given at init, so no input can make output grow without bound.  The
 * buffer is always NUL-terminated once anything was appended.
 */
#ifndef PF_STRBUF_H
#define PF_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "pf_status.h"

struct pf_strbuf {
  char *buf;    /* owned; NULL until the first append */
  size_t len;   /* bytes used, excluding the NUL */
  size_t cap;   /* bytes allocated */
  size_t max;   /* hard limit on len */
};

/** Initialise an empty buffer that may hold up to \p max bytes. */
void pf_strbuf_init(struct pf_strbuf *sb, size_t max);
/** Free the contents; the buffer can be reused after pf_strbuf_init. */
void pf_strbuf_release(struct pf_strbuf *sb);
/** Empty the buffer, keeping its memory. */
void pf_strbuf_reset(struct pf_strbuf *sb);
pf_status pf_strbuf_addn(struct pf_strbuf *sb, const char *s, size_t n);
pf_status pf_strbuf_adds(struct pf_strbuf *sb, const char *s);
pf_status pf_strbuf_addc(struct pf_strbuf *sb, char c);
pf_status pf_strbuf_addf(struct pf_strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
pf_status pf_strbuf_vaddf(struct pf_strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/** Cut the buffer back to \p len bytes (no-op if already shorter). */
void pf_strbuf_truncate(struct pf_strbuf *sb, size_t len);
/** \return the contents ("" when empty); valid until the next append. */
const char *pf_strbuf_str(const struct pf_strbuf *sb);
/** Hand the string over to the caller (who frees it with pf_free). */
char *pf_strbuf_detach(struct pf_strbuf *sb);

#endif
