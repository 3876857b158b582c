/* SPDX-License-Identifier: MIT */
/* pf_sharedkey.h - Azure Storage Shared Key request signing (KEY-2)
 *
 * Pure: the string-to-sign of the Azure Storage "Authorize with Shared
 * Key" documentation (versions 2009-09-19 and later) and its HMAC-SHA256
 * signature.  No I/O; the key is only held in buffers that are wiped.
 */
#ifndef PF_SHAREDKEY_H
#define PF_SHAREDKEY_H

#include <stddef.h>
#include <time.h>

#include "../core/pf_status.h"

#define PF_SK_VERSION "2021-08-06"
#define PF_SK_DATE_LEN 30      /* "Mon, 23 Nov 2026 14:48:39 GMT" + NUL */
#define PF_SK_SIG_LEN 45       /* base64 of 32 bytes + NUL */

/* A request without a body: every standard header field is empty. */
struct pf_sk_req {
  const char *method;   /* "GET" */
  const char *account;  /* the storage account */
  const char *path;     /* URL path as sent, "/ctr" or "/acct/ctr" */
  const char *query;    /* "restype=container", no '?'; NULL or "" none */
  const char *date;     /* x-ms-date, RFC 1123 */
  const char *version;  /* x-ms-version */
};

/** \p t as an RFC 1123 GMT date into \p buf (PF_SK_DATE_LEN bytes). */
void pf_sk_date(time_t t, char buf[PF_SK_DATE_LEN]);

/**
 * The string-to-sign of \p r: VERB, eleven empty standard headers, the
 * canonicalized x-ms- headers and the canonicalized resource
 * "/<account><path>" followed by "\n<name>:<value>" per query parameter
 * (names lower-cased and sorted; values of a repeated name joined with
 * ','; no percent-decoding).  \p *out is allocated (pf_free).
 * \return PF_OK, PF_EINVAL or PF_ENOMEM.
 */
pf_status pf_sk_string_to_sign(const struct pf_sk_req *r, char **out);

/**
 * base64(HMAC-SHA256(base64decode(\p key_b64), \p sts)) into \p sig
 * (PF_SK_SIG_LEN bytes).  \return PF_OK, or PF_EINVAL when the key is not
 * base64.
 */
pf_status pf_sk_sign(const char *key_b64, const char *sts,
                     char sig[PF_SK_SIG_LEN]);

/** Overwrite \p n bytes at \p p so that the compiler keeps the stores. */
void pf_sk_wipe(void *p, size_t n);

#endif
