/* SPDX-License-Identifier: MIT */
/* pf_http.h - one HTTPS GET with headers (KEY-2, fetch) with libcurl
 *
 * TLS verification is always on (peer and host name); HTTPS only, no
 * redirects, connect and total timeouts.  --ca-file replaces the system
 * CA store for the request (libcurl's CURLOPT_CAINFO).  The one plain
 * http:// use is the managed identity endpoint of a node (IMDS, link-local
 * and not reachable off the host), which the caller asks for explicitly.
 */
#ifndef PF_HTTP_H
#define PF_HTTP_H

#include <stddef.h>

#include "../core/pf_status.h"

struct pf_http_req {
  const char *url;              /* https://... */
  const char *const *headers;   /* "Name: value" */
  size_t n_headers;
  const char *ca_file;          /* PEM file of trusted CAs, or NULL */
  long timeout_ms;              /* whole request */
  size_t body_max;              /* keep the body up to this many bytes
                                   (0: only its start, for <Message>) */
  int allow_http;               /* also http:// (the IMDS endpoint only) */
};

struct pf_http_resp {
  long status;                  /* HTTP status; 0 when none came back */
  char error_code[64];          /* x-ms-error-code, or "" */
  char message[256];            /* <Message> of an XML error body, or "" */
  char error[256];              /* transport error when status is 0 */
  int tls_error;                /* the transport error is the certificate
                                   or the TLS handshake */
  char retry_after[64];         /* Retry-After header, or "" */
  char *body;                   /* with body_max: the body, NUL-terminated
                                   (owned; pf_http_resp_release) */
  size_t body_len;
  int body_too_big;             /* the body passed body_max: cut off */
};

/** Once per process, before any request / after the last. */
pf_status pf_http_global_init(void);
void pf_http_global_cleanup(void);

/**
 * Copy \p n bytes of server text \p s into \p out as a string, cut to
 * \p cap - 1 bytes, every byte outside printable ASCII (0x20-0x7e) made
 * '?' (error codes and messages are shown to the user).
 */
void pf_http_printable(const char *s, size_t n, char *out, size_t cap);

/**
 * Turn on TLS verification (peer and host name, never off: SEC-8) on the
 * libcurl easy handle \p curl (a CURL *), with \p ca_file (or NULL) in
 * place of the system CA store.  The one place these options are set, for
 * pf_http_get and the HTTPS probe alike.
 */
void pf_http_verify_tls(void *curl, const char *ca_file);

/**
 * GET \p r->url.  A transport failure (DNS, connect, TLS, timeout) is
 * PF_OK with status 0 and the reason in \p resp->error.
 * \return PF_OK, or PF_ENOMEM / PF_EINVAL.
 */
pf_status pf_http_get(const struct pf_http_req *r, struct pf_http_resp *resp);

/** Free the body kept by pf_http_get.  NULL-safe. */
void pf_http_resp_release(struct pf_http_resp *resp);

#endif
