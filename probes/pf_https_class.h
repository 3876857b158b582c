/* SPDX-License-Identifier: MIT */
/* pf_https_class.h - what an HTTPS probe's answer means (issue 5): the
 * service error code read from headers and body, the transport outcome
 * from libcurl's result, and the per-service verdict
 *
 * Pure functions, no I/O, so the tables in docs/probe-https.md are unit
 * tested (tests/unit/test_https_class.c) and the parsers fuzzed
 * (tests/fuzz/fuzz_https.c).  Every input byte is untrusted: bodies are
 * read with pf_jsonr or a bounded tag scanner, copied out only as
 * printable ASCII and truncated to the fields' sizes.
 */
#ifndef PF_HTTPS_CLASS_H
#define PF_HTTPS_CLASS_H

#include <stddef.h>

#include "pf_https_probe.h"

/* The caps on what a probe reads from a server (docs/probe-https.md). */
#define PF_HTTPSC_HDR_MAX ((size_t)64 * 1024)   /* all response headers */
#define PF_HTTPSC_BODY_MAX ((size_t)16 * 1024)  /* body bytes kept */

struct pf_https_svcerr {
  char code[64];      /* x-ms-error-code, else the body's code */
  char inner[64];     /* innermost JSON innererror.code (Key Vault) */
  char message[256];  /* first line of the service's message */
};

/**
 * Read one response header line (as libcurl hands it over, with CRLF).
 * An x-ms-error-code header sets \p e->code (it wins over the body's).
 * Lines of other names are ignored.  Never fails.
 */
void pf_httpsc_header(const char *line, size_t len, struct pf_https_svcerr *e);

/**
 * Read the service error out of a response body: JSON (Key Vault and ARM
 * `error.code` / `error.message` / `error.innererror.code`, registry
 * `errors[0].code` / `.message`, table `odata.error.code` /
 * `.message.value`, Entra ID `error` / `error_description`) or XML
 * (storage `<Code>` / `<Message>`, table `<code>` / `<message>`).
 * Fields already set (a code from the header) are kept.  Anything else,
 * malformed or truncated input included, leaves \p e as it was.
 */
void pf_httpsc_body(const char *body, size_t len, struct pf_https_svcerr *e);

/** The facts about one finished transfer that decide its outcome. */
struct pf_httpsc_transport {
  int result;          /* CURLcode */
  long os_errno;       /* CURLINFO_OS_ERRNO */
  long verify_result;  /* CURLINFO_SSL_VERIFYRESULT (OpenSSL X509_V_*) */
  int sock_opened;     /* a TCP connect was started (the name resolved) */
  int connected;       /* the TCP handshake completed */
  int tls_done;        /* the TLS handshake completed */
  int hdr_overflow;    /* the headers passed PF_HTTPSC_HDR_MAX */
  int body_capped;     /* the body passed PF_HTTPSC_BODY_MAX (answer kept) */
  long status;         /* HTTP status or 0 */
};

/**
 * The outcome of a transfer; a one-line reason goes to \p detail (at most
 * \p n bytes) built from the facts and libcurl's message \p curl_msg
 * (may be NULL or "").
 */
enum pf_https_outcome pf_httpsc_outcome(const struct pf_httpsc_transport *t,
                                        const char *curl_msg, char *detail,
                                        size_t n);

/**
 * The verdict for an answer: \p outcome, and for ANSWERED the \p status
 * and service error \p e.  \p why gets a static sentence naming the
 * reason and the doc section; \p fw_known is set to 1 when the answer
 * tells whether the resource firewall admitted the request.
 */
enum pf_https_verdict pf_httpsc_verdict(enum pf_https_service s,
                                        enum pf_https_outcome outcome,
                                        long status,
                                        const struct pf_https_svcerr *e,
                                        const char **why, int *fw_known);

#endif
