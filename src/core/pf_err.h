/* SPDX-License-Identifier: MIT */
/* pf_err.h - error object: the first error wins
 *
 * Functions that can fail take a struct pf_err *.  On failure they fill it
 * with a complete, ready-to-print message ("file: json.path: what is wrong");
 * on success they leave it alone; once set it is never overwritten, so the
 * root cause reaches the user (curl Curl_failf, git strbuf *err).
 */
#ifndef PF_ERR_H
#define PF_ERR_H

#include <stdarg.h>
#include <stddef.h>

#include "pf_status.h"

#define PF_ERR_MSG_MAX 1024

struct pf_err {
  pf_status code;             /* PF_OK while unset */
  char msg[PF_ERR_MSG_MAX];   /* NUL-terminated, no trailing newline */
};

/** Reset \p err to "no error". NULL-safe. */
void pf_err_clear(struct pf_err *err);

/** \return non-zero when an error has been recorded. */
int pf_err_isset(const struct pf_err *err);

/**
 * Record an error unless one is already set.  \p err may be NULL (the
 * message is then dropped).  \return \p code, so callers can write
 * `return pf_err_set(err, PF_EPARSE, "...")`.
 */
pf_status pf_err_set(struct pf_err *err, pf_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
pf_status pf_err_vset(struct pf_err *err, pf_status code, const char *fmt,
                      va_list ap) __attribute__((format(printf, 3, 0)));

/**
 * Prefix an already recorded message with "prefix: " (used by outer layers
 * to add the file name).  No-op when no error is set.
 */
void pf_err_prefix(struct pf_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
