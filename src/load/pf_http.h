/* SPDX-License-Identifier: MIT */
/* pf_http.h - one HTTPS GET with headers (KEY-2); the only libcurl user
 *
 * TLS verification is always on (peer and host name); HTTPS only, no
 * redirects, connect and total timeouts.  --ca-file replaces the system
 * CA store for the request (libcurl's CURLOPT_CAINFO).
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
};

struct pf_http_resp {
  long status;                  /* HTTP status; 0 when none came back */
  char error_code[64];          /* x-ms-error-code, or "" */
  char message[256];            /* <Message> of an XML error body, or "" */
  char error[256];              /* transport error when status is 0 */
};

/** Once per process, before any request / after the last. */
pf_status pf_http_global_init(void);
void pf_http_global_cleanup(void);

/**
 * GET \p r->url.  A transport failure (DNS, connect, TLS, timeout) is
 * PF_OK with status 0 and the reason in \p resp->error.
 * \return PF_OK, or PF_ENOMEM / PF_EINVAL.
 */
pf_status pf_http_get(const struct pf_http_req *r, struct pf_http_resp *resp);

#endif
