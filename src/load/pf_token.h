/* SPDX-License-Identifier: MIT */
/* pf_token.h - bearer tokens for Azure Resource Manager (fetch)
 *
 * Three sources, never the command line (COMMON.md "Secrets"):
 *   - $AZURE_ACCESS_TOKEN (the bare token);
 *   - a file written by `az account get-access-token` (JSON with
 *     accessToken, expiresOn "YYYY-MM-DD HH:MM:SS[.ffffff]" in local
 *     time, and in newer CLIs expires_on, seconds since the epoch);
 *   - the managed identity endpoint of an Azure node (IMDS,
 *     http://169.254.169.254/metadata/identity/oauth2/token with the
 *     header "Metadata: true"; answer access_token / expires_on), whose
 *     URL $PREFLIGHT_IMDS_ENDPOINT replaces (tests point it at loopback).
 *
 * A token is never printed: error messages name the source, never the
 * value.  Tokens are checked for the characters a bearer token may hold
 * (RFC 6750 b64token), so none can inject a header, and wiped on release.
 */
#ifndef PF_TOKEN_H
#define PF_TOKEN_H

#include <stddef.h>
#include <time.h>

#include "../core/pf_err.h"

#define PF_TOKEN_MAX 16384
#define PF_TOKEN_ENV "AZURE_ACCESS_TOKEN"
#define PF_TOKEN_IMDS_ENV "PREFLIGHT_IMDS_ENDPOINT"
#define PF_TOKEN_IMDS_URL \
  "http://169.254.169.254/metadata/identity/oauth2/token"
#define PF_TOKEN_RESOURCE "https://management.azure.com/"

struct pf_token {
  char *value;      /* owned, wiped by pf_token_release */
  time_t expires;   /* 0: not known */
  const char *source;   /* "AZURE_ACCESS_TOKEN", a file name, "managed
                           identity" (static or borrowed) */
};

void pf_token_release(struct pf_token *t);

/** \return non-zero when \p s (length \p n) is a well-formed bearer token. */
int pf_token_valid(const char *s, size_t n);

/**
 * Parse a token document: the output of `az account get-access-token`
 * (accessToken, expiresOn / expires_on) or an IMDS answer (access_token,
 * expires_on as a string or a number).  Every byte goes through pf_jsonr.
 * Errors read "<name>: <json.path>: <reason>" and never hold the token.
 */
pf_status pf_token_parse(const char *name, const char *buf, size_t len,
                         struct pf_token *out, struct pf_err *err);

/**
 * Read a token file (bounded, 64 KiB) and parse it; an expired token is an
 * error telling how to get a new one.  \p now is the current time.
 */
pf_status pf_token_from_file(const char *path, time_t now,
                             struct pf_token *out, struct pf_err *err);

/** The token in $AZURE_ACCESS_TOKEN (\p value: its value, or NULL). */
pf_status pf_token_from_value(const char *value, const char *source,
                              struct pf_token *out, struct pf_err *err);

/**
 * Ask the managed identity endpoint (\p endpoint, or PF_TOKEN_IMDS_URL
 * when NULL) for a token for Resource Manager; \p client_id selects a
 * user-assigned identity (NULL: the system-assigned one).
 */
pf_status pf_token_from_imds(const char *endpoint, const char *client_id,
                             long timeout_ms, time_t now,
                             struct pf_token *out, struct pf_err *err);

#endif
