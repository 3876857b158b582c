/* SPDX-License-Identifier: MIT */
/* pf_armrest.h - Azure Resource Manager GETs: retries, throttling, errors
 *
 * One GET with a bearer token against the ARM endpoint, retried within
 * bounds (docs/fetch.md "Retries"):
 *   - 429 waits for Retry-After (seconds or an HTTP date), at most
 *     max_wait_s per wait; without the header the backoff below;
 *   - 5xx waits base * 2^attempt (capped), or Retry-After when given;
 *   - at most max_retries retries per request, then an error.
 * Errors name the URL (never the token): 401 ExpiredAuthenticationToken /
 * InvalidAuthenticationToken* say how to get a new token, 403
 * AuthorizationFailed names the scope and the Reader role.  The pure
 * functions (Retry-After, backoff, nextLink origin, the error body) are
 * exported for the unit tests.
 */
#ifndef PF_ARMREST_H
#define PF_ARMREST_H

#include <stddef.h>
#include <time.h>

#include "../core/pf_err.h"
#include "pf_http.h"

#define PF_ARMREST_ENDPOINT "https://management.azure.com"

/**
 * Parse a Retry-After value (RFC 9110 10.2.3: delay-seconds or an
 * HTTP-date) relative to \p now into seconds (a date in the past is 0).
 * \return 0, or -1 when absent or malformed.
 */
int pf_armrest_retry_after(const char *value, time_t now, unsigned *secs);

/** Exponential backoff: base_ms * 2^attempt, at most cap_ms. */
unsigned pf_armrest_backoff_ms(unsigned attempt, unsigned base_ms,
                           unsigned cap_ms);

/**
 * \return non-zero when \p url has the scheme, host and port of
 * \p endpoint (ASCII case-insensitive host): the token is only ever sent
 * to the endpoint, whatever a nextLink says.
 */
int pf_armrest_same_origin(const char *endpoint, const char *url);

/**
 * The ARM error body {"error": {"code", "message"}} (also a bare
 * {"code", "message"}): printable text into \p code / \p msg, "" when
 * absent.  Never fails; malformed bodies give "".
 */
void pf_armrest_error_body(const char *body, size_t len, char *code,
                       size_t code_cap, char *msg, size_t msg_cap);

struct pf_armrest {
  const char *endpoint;   /* https://management.azure.com or --endpoint */
  const char *token;      /* borrowed; never printed */
  const char *ca_file;
  long timeout_ms;        /* one request */
  size_t body_max;        /* one response body */
  unsigned max_retries;   /* per request */
  unsigned max_wait_s;    /* cap on one wait */
  unsigned base_ms;       /* 5xx backoff base */
  /* progress lines ("GET url: 200, 1234 bytes") for --verbose; never
   * given the token */
  void (*log)(void *arg, const char *line);
  void *log_arg;
  /* counters */
  size_t requests, retries, throttled;
};

/** Fill the defaults (endpoint, 60 s, 32 MiB, 4 retries, 60 s, 1 s). */
void pf_armrest_init(struct pf_armrest *a);

/**
 * GET \p url (a full https:// URL at the endpoint) with retries.  On
 * PF_OK \p resp holds a 200 answer and its body (pf_http_resp_release).
 * A 401, 403, 404 or 409 whose code is in \p soft (codes separated by '|', or NULL)
 * returns PF_ENOTFOUND with the code in resp->error_code, so the caller
 * can treat it as "none there".  \p scope names what was read for 403
 * messages ("subscription S", "resource group RG").
 */
pf_status pf_armrest_get(struct pf_armrest *a, const char *url, const char *scope,
                     const char *soft, struct pf_http_resp *resp,
                     struct pf_err *err);

#endif
