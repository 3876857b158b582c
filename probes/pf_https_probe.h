/* SPDX-License-Identifier: MIT */
/* pf_https_probe.h - anonymous HTTPS probes of Azure endpoints (KV-3,
 * UDR-3, SEC-8; issue 5), all targets at once with libcurl multi
 *
 * Each target gets one anonymous GET, certificate verification always on
 * (peer and host name), HTTPS only, no redirects, no proxy, no credentials
 * of any kind, one timeout for the whole transfer, response headers and
 * body read only up to fixed caps.  The result tells how far the request
 * got (outcome: DNS, TCP, TLS, HTTP) and what the answer means for the
 * service's firewall (verdict); docs/probe-https.md has the tables and the
 * AZURE-SEMANTICS sections behind them.
 *
 * The interface was agreed in spec/pf_https_probe.h; fields and functions
 * were only added.
 */
#ifndef PF_HTTPS_PROBE_H
#define PF_HTTPS_PROBE_H

#include <stddef.h>

#include "../src/core/pf_err.h"
#include "../src/core/pf_status.h"

enum pf_https_service {   /* what the URL is, decides how answers read */
  PF_HTTPS_BLOB, PF_HTTPS_QUEUE, PF_HTTPS_TABLE, PF_HTTPS_FILE, PF_HTTPS_DFS,
  PF_HTTPS_KEYVAULT, PF_HTTPS_REGISTRY, PF_HTTPS_ML, PF_HTTPS_LOGIN,
  PF_HTTPS_MANAGEMENT, PF_HTTPS_MCR, PF_HTTPS_OTHER
};
#define PF_HTTPS_SERVICE_COUNT (PF_HTTPS_OTHER + 1)

struct pf_https_target {
  const char *url;                 /* https://host[:port]/path; no user
                                    * info, no SAS signature (refused) */
  enum pf_https_service service;
  const char *connect_to;          /* optional "IP" or "IP:PORT" ("[v6]:PORT")
                                    * to use instead of resolving the host
                                    * (curl CONNECT_TO), so the lab and the
                                    * DNS probe's answer can be used; TLS
                                    * still checks the URL's host name;
                                    * NULL = resolve normally */
};

struct pf_https_opts {
  const char *ca_file;             /* PEM bundle that replaces the system
                                    * CA store, or NULL for the system one */
  long timeout_ms;                 /* per target, whole transfer (> 0) */
  size_t concurrency;              /* max transfers at once (0 = all) */
};

enum pf_https_outcome {
  PF_HTTPS_ANSWERED,               /* an HTTP status came back */
  PF_HTTPS_DNS_FAILED,             /* incl. no answer from the resolver */
  PF_HTTPS_REFUSED,                /* TCP RST */
  PF_HTTPS_CONNECT_TIMEOUT,        /* no answer to SYN */
  PF_HTTPS_UNREACHABLE,            /* ICMP unreachable / no route */
  PF_HTTPS_TLS_UNTRUSTED,          /* chain does not end in a trusted CA */
  PF_HTTPS_TLS_EXPIRED,            /* outside its validity period */
  PF_HTTPS_TLS_WRONG_HOST,         /* no name in it matches the URL's host */
  PF_HTTPS_TLS_FAILED,             /* other handshake failure, incl. not TLS */
  PF_HTTPS_TIMEOUT,                /* connected, no complete answer in time */
  PF_HTTPS_PROTOCOL_ERROR          /* garbage, oversized headers, ... */
};
#define PF_HTTPS_OUTCOME_COUNT (PF_HTTPS_PROTOCOL_ERROR + 1)

enum pf_https_verdict {            /* what the answer means for reachability */
  PF_HTTPS_REACHABLE,              /* firewall passed (e.g. 400/404 ResourceNotFound,
                                    * NoAuthenticationInformation, 401) */
  PF_HTTPS_BLOCKED_BY_FIREWALL,    /* storage AuthorizationFailure 403, Key Vault
                                    * ForbiddenByFirewall / ForbiddenByConnection,
                                    * registry "denied: client with IP ..." */
  PF_HTTPS_NOT_REACHED,            /* DNS / connect / TLS / timeout */
  PF_HTTPS_INCONCLUSIVE            /* answered, meaning unclear */
};
#define PF_HTTPS_VERDICT_COUNT (PF_HTTPS_INCONCLUSIVE + 1)

struct pf_https_result {
  enum pf_https_outcome outcome;
  enum pf_https_verdict verdict;
  long status;                     /* HTTP status or 0 */
  char error_code[64];             /* x-ms-error-code / JSON error.code / XML <Code> */
  char detail[256];                /* human text: curl error or service message,
                                    * secrets never included */
  char ip[64];                     /* address connected to, or "" */
  /* Phase durations in milliseconds, -1 when the phase was not reached:
   * name resolution, TCP handshake, TLS handshake, request sent to the
   * first response byte; total is the whole transfer. */
  double t_dns_ms, t_connect_ms, t_tls_ms, t_first_byte_ms, t_total_ms;
  /* added fields */
  char inner_code[64];             /* Key Vault innererror.code (innermost),
                                    * e.g. ForbiddenByFirewall, or "" */
  const char *why;                 /* static sentence: why the verdict
                                    * (names the doc section); never NULL
                                    * after pf_https_probe */
  int firewall_known;              /* 1 when the answer says whether the
                                    * resource firewall admitted us (storage
                                    * codes, registry, explicit blocks);
                                    * 0 e.g. for Key Vault's anonymous 401,
                                    * which comes before its firewall check */
};

/**
 * Probe \p n targets concurrently and fill \p out[0..n-1] (same order).
 * Transport failures are results, not errors: the call fails only for
 * bad arguments (a URL that is not https://, carries user info or a SAS
 * signature, a malformed connect_to, an unreadable ca_file, timeout <= 0)
 * with "targets[i].url: reason" in \p err, or for PF_ENOMEM.  Finishes in
 * about one timeout when concurrency >= n.
 * \return PF_OK, PF_EINVAL or PF_ENOMEM.
 */
pf_status pf_https_probe(const struct pf_https_target *t, size_t n,
                         const struct pf_https_opts *o,
                         struct pf_https_result *out, struct pf_err *err);

/**
 * Why pf_https_probe would refuse \p url (not https://, not a valid URL,
 * user info, a SAS signature in the query), or NULL when it may be sent.
 * Lets a plan reader reject a target before any probe runs.
 */
const char *pf_https_url_problem(const char *url);

const char *pf_https_outcome_name(enum pf_https_outcome o);   /* "tls-untrusted" */
const char *pf_https_verdict_name(enum pf_https_verdict v);   /* "blocked-by-firewall" */
const char *pf_https_service_name(enum pf_https_service s);   /* "keyvault" */
/** Parse a service name ("blob", "keyvault", ...). \return 0 or -1. */
int pf_https_service_parse(const char *name, enum pf_https_service *s);
/**
 * The harmless path (with query) an anonymous probe of \p s should GET,
 * e.g. "/?comp=list" for blob; docs/probe-https.md says why each.
 */
const char *pf_https_default_path(enum pf_https_service s);

#endif
