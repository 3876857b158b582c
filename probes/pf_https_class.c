/* SPDX-License-Identifier: MIT */
/* pf_https_class.c - what an HTTPS probe's answer means (issue 5) */
#include "pf_https_class.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/x509_vfy.h>

#include "../src/core/pf_jsonr.h"
#include "../src/core/pf_strbuf.h"

#define HDR_CODE "x-ms-error-code:"

/* Copy server text as printable ASCII: other bytes become '?', the copy
 * stops at the first line break (messages carry a RequestId and the
 * caller's identity on later lines, AZURE-SEMANTICS 9.1 / 9.2), leading
 * and trailing blanks are dropped, and it is cut to \p cap - 1 bytes. */
static void copy_clean(char *dst, size_t cap, const char *s, size_t n)
{
  size_t i = 0, o = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t'))
    i++;
  for (; i < n && o + 1 < cap; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '\r' || ch == '\n')
      break;
    dst[o++] = (ch >= 0x20 && ch <= 0x7e) ? (char)ch : '?';
  }
  while (o > 0 && (dst[o - 1] == ' ' || dst[o - 1] == '\t'))
    o--;
  dst[o] = '\0';
}

void pf_httpsc_header(const char *line, size_t len, struct pf_https_svcerr *e)
{
  size_t hl = sizeof(HDR_CODE) - 1;
  if (len > hl && !strncasecmp(line, HDR_CODE, hl))
    copy_clean(e->code, sizeof(e->code), line + hl, len - hl);
}

/* The innermost `$.error.innererror...innererror.code`: \return the
 * number of innererror levels in \p path, 0 when it is not such a path. */
static unsigned inner_level(const char *path)
{
  static const char pre[] = "$.error", mid[] = ".innererror",
                    end[] = ".code";
  unsigned k = 0;
  if (strncmp(path, pre, sizeof(pre) - 1))
    return 0;
  path += sizeof(pre) - 1;
  while (!strncmp(path, mid, sizeof(mid) - 1)) {
    path += sizeof(mid) - 1;
    k++;
  }
  return strcmp(path, end) ? 0 : k;
}

static void json_body(const char *body, size_t len, struct pf_https_svcerr *e)
{
  struct pf_jsonr r;
  struct pf_strbuf path;
  enum pf_jtok tok;
  unsigned best = 0, lvl;
  int have_code = e->code[0] != '\0', have_msg = e->message[0] != '\0';

  pf_jsonr_init(&r, body, len, 32);
  pf_strbuf_init(&path, 512);
  while ((tok = pf_jsonr_next(&r)) != PF_JT_ERROR && tok != PF_JT_EOF) {
    const char *p;
    if (tok != PF_JT_STRING)
      continue;
    pf_strbuf_reset(&path);
    if (pf_jsonr_path(&r, &path) != PF_OK)
      continue;            /* deeper than any path read here */
    p = pf_strbuf_str(&path);
    if (!have_code && (!strcmp(p, "$.error.code") ||
                       !strcmp(p, "$.errors[0].code") ||
                       !strcmp(p, "$[\"odata.error\"].code") ||
                       !strcmp(p, "$.error"))) {
      copy_clean(e->code, sizeof(e->code), r.str, r.len);
      have_code = 1;
    } else if (!have_msg && (!strcmp(p, "$.error.message") ||
                             !strcmp(p, "$.errors[0].message") ||
                             !strcmp(p, "$[\"odata.error\"].message.value") ||
                             !strcmp(p, "$[\"odata.error\"].message") ||
                             !strcmp(p, "$.error_description"))) {
      copy_clean(e->message, sizeof(e->message), r.str, r.len);
      have_msg = 1;
    } else if ((lvl = inner_level(p)) > best) {
      copy_clean(e->inner, sizeof(e->inner), r.str, r.len);
      best = lvl;
    }
  }
  pf_strbuf_release(&path);
  pf_jsonr_release(&r);
}

/* The text of the first element \p tag ("Code", "Message") in \p b:
 * `<Tag>` or `<Tag attr...>` up to the next '<'.  \return 0 when found. */
static int xml_text(const char *b, size_t len, const char *tag,
                    const char **s, size_t *n)
{
  size_t tl = strlen(tag), i, j;
  for (i = 0; i + tl + 2 <= len; i++) {
    if (b[i] != '<' || memcmp(b + i + 1, tag, tl))
      continue;
    j = i + 1 + tl;
    if (b[j] != '>' && b[j] != ' ')
      continue;
    while (j < len && b[j] != '>')
      j++;
    if (j >= len)
      return -1;
    *s = b + ++j;
    while (j < len && b[j] != '<')
      j++;
    if (j >= len)
      return -1;          /* cut off: not an element we can trust */
    *n = (size_t)(b + j - *s);
    return 0;
  }
  return -1;
}

static void xml_body(const char *body, size_t len, struct pf_https_svcerr *e)
{
  const char *s;
  size_t n;
  if (!e->code[0] && (!xml_text(body, len, "Code", &s, &n) ||
                      !xml_text(body, len, "code", &s, &n)))
    copy_clean(e->code, sizeof(e->code), s, n);
  if (!e->message[0] && (!xml_text(body, len, "Message", &s, &n) ||
                         !xml_text(body, len, "message", &s, &n)))
    copy_clean(e->message, sizeof(e->message), s, n);
}

void pf_httpsc_body(const char *body, size_t len, struct pf_https_svcerr *e)
{
  size_t i = 0;
  if (!body)
    return;
  if (len >= 3 && !memcmp(body, "\xef\xbb\xbf", 3))
    i = 3;
  while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' ||
                     body[i] == '\n'))
    i++;
  if (i >= len)
    return;
  if (body[i] == '{')
    json_body(body + i, len - i, e);
  else if (body[i] == '<')
    xml_body(body + i, len - i, e);
}

static void say(char *d, size_t n, const char *what, const char *msg)
{
  if (!n)
    return;
  if (msg && *msg)
    snprintf(d, n, "%s: %s", what, msg);
  else
    snprintf(d, n, "%s", what);
}

static enum pf_https_outcome verify_outcome(long v, const char *msg,
                                            char *d, size_t n)
{
  /* libcurl checks the host name itself after OpenSSL accepted the
   * chain and then leaves the verify result unset (0, or 1 with libcurl
   * 7.88 and OpenSSL 3, measured): only its message tells */
  if ((v == X509_V_OK || v == 1) && msg &&
      (strstr(msg, "subject name") || strstr(msg, "host name"))) {
    say(d, n, "certificate is not for this host name", msg);
    return PF_HTTPS_TLS_WRONG_HOST;
  }
  switch (v) {
  case X509_V_ERR_HOSTNAME_MISMATCH:
  case X509_V_ERR_IP_ADDRESS_MISMATCH:
    say(d, n, "certificate is not for this host name", msg);
    return PF_HTTPS_TLS_WRONG_HOST;
  case X509_V_ERR_CERT_HAS_EXPIRED:
    say(d, n, "certificate has expired", msg);
    return PF_HTTPS_TLS_EXPIRED;
  case X509_V_ERR_CERT_NOT_YET_VALID:
    say(d, n, "certificate is not valid yet", msg);
    return PF_HTTPS_TLS_EXPIRED;
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
  case X509_V_ERR_CERT_UNTRUSTED:
  case X509_V_ERR_CERT_REJECTED:
    say(d, n, "certificate is not from a trusted CA", msg);
    return PF_HTTPS_TLS_UNTRUSTED;
  default:
    say(d, n, "certificate verification failed", msg);
    return PF_HTTPS_TLS_FAILED;
  }
}

static enum pf_https_outcome connect_outcome(long e, const char *msg,
                                             char *d, size_t n)
{
  switch (e) {
  case ECONNREFUSED:
    say(d, n, "connection refused (RST)", msg);
    return PF_HTTPS_REFUSED;
  case ETIMEDOUT:
    say(d, n, "no answer to the connection request", msg);
    return PF_HTTPS_CONNECT_TIMEOUT;
  default:
    /* EHOSTUNREACH / ENETUNREACH (ICMP or no route), EPERM / EACCES (a
     * local firewall), and anything else that ends a connect early */
    say(d, n, "destination unreachable", msg);
    return PF_HTTPS_UNREACHABLE;
  }
}

enum pf_https_outcome pf_httpsc_outcome(const struct pf_httpsc_transport *t,
                                        const char *msg, char *d, size_t n)
{
  if (t->hdr_overflow) {
    say(d, n, "response headers larger than 64 KiB", NULL);
    return PF_HTTPS_PROTOCOL_ERROR;
  }
  switch (t->result) {
  case CURLE_OK:
    if (t->status > 0) {
      say(d, n, "answered", NULL);
      return PF_HTTPS_ANSWERED;
    }
    say(d, n, "no HTTP status in the answer", msg);
    return PF_HTTPS_PROTOCOL_ERROR;
  case CURLE_WRITE_ERROR:
    if (t->body_capped && t->status > 0) {
      say(d, n, "answered (body read up to 16 KiB)", NULL);
      return PF_HTTPS_ANSWERED;
    }
    say(d, n, "answer could not be read", msg);
    return PF_HTTPS_PROTOCOL_ERROR;
  case CURLE_COULDNT_RESOLVE_HOST:
    say(d, n, "name did not resolve", msg);
    return PF_HTTPS_DNS_FAILED;
  case CURLE_COULDNT_CONNECT:
    return connect_outcome(t->os_errno, msg, d, n);
  case CURLE_OPERATION_TIMEDOUT:
    if (!t->sock_opened) {
      say(d, n, "name resolution did not finish in time", msg);
      return PF_HTTPS_DNS_FAILED;
    }
    if (!t->connected) {
      say(d, n, "no answer to the connection request", msg);
      return PF_HTTPS_CONNECT_TIMEOUT;
    }
    say(d, n, t->tls_done ? "connected, no HTTP answer in time"
                          : "connected, no TLS answer in time", msg);
    return PF_HTTPS_TIMEOUT;
  case CURLE_PEER_FAILED_VERIFICATION:
    return verify_outcome(t->verify_result, msg, d, n);
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_USE_SSL_FAILED:
    say(d, n, "TLS handshake failed", msg);
    return PF_HTTPS_TLS_FAILED;
  default:
    break;
  }
  /* Everything else (connection closed or reset, garbage, libcurl's own
   * header limits) is placed by how far the transfer got. */
  if (t->tls_done && t->result == CURLE_OUT_OF_MEMORY) {
    /* libcurl refuses a header line over 100 KiB with this code */
    say(d, n, "a response header line too long to read", NULL);
    return PF_HTTPS_PROTOCOL_ERROR;
  }
  if (t->tls_done) {
    say(d, n, "not a valid HTTP answer", msg);
    return PF_HTTPS_PROTOCOL_ERROR;
  }
  if (t->connected) {
    say(d, n, "TLS handshake failed", msg);
    return PF_HTTPS_TLS_FAILED;
  }
  if (t->sock_opened)
    return connect_outcome(t->os_errno, msg, d, n);
  say(d, n, "name did not resolve", msg);
  return PF_HTTPS_DNS_FAILED;
}

/* The verdict tables, docs/probe-https.md "Verdicts". */

#define WHY_NOT_REACHED \
  "no HTTP answer: the service was not reached (DNS, TCP or TLS)"
#define WHY_PROTOCOL \
  "something answered TLS for the name but gave no valid HTTP answer"
#define WHY_5XX \
  "server error (5xx): says nothing about the network path"

static int is_code(const struct pf_https_svcerr *e, const char *c)
{
  return e && !strcasecmp(e->code, c);
}

static int is_inner(const struct pf_https_svcerr *e, const char *c)
{
  return e && (!strcasecmp(e->inner, c) || !strcasecmp(e->code, c));
}

static enum pf_https_verdict storage(long status,
                                     const struct pf_https_svcerr *e,
                                     const char **why, int *fw)
{
  int has_code = e && e->code[0];
  /* AuthorizationFailure with the words of an authentication failure is
   * not the firewall: Azure says them with AuthenticationFailed, Azurite
   * with AuthorizationFailure to every anonymous request (measured,
   * docs/probe-https.md); the firewall's own message is "This request is
   * not authorized to perform this operation." (AZURE-SEMANTICS 9.1) */
  if (status == 403 && is_code(e, "AuthorizationFailure") &&
      !strncasecmp(e->message, "Server failed to authenticate", 29)) {
    *fw = 1;
    *why = "storage answered 403 AuthorizationFailure \"Server failed to "
           "authenticate\": an authentication answer, given after the "
           "network rules admitted the request (AZURE-SEMANTICS 9.1)";
    return PF_HTTPS_REACHABLE;
  }
  if (status == 403 && is_code(e, "AuthorizationFailure")) {
    *fw = 1;
    *why = "storage answered 403 AuthorizationFailure to an anonymous "
           "request: its firewall rejected this address (AZURE-SEMANTICS "
           "9.1)";
    return PF_HTTPS_BLOCKED_BY_FIREWALL;
  }
  if (status == 403 && !has_code) {
    *why = "403 without a storage error code: not a storage answer "
           "(a proxy or appliance?)";
    return PF_HTTPS_INCONCLUSIVE;
  }
  if (has_code && status < 500) {
    *fw = 1;
    *why = status == 403
               ? "storage answered 403 with an authorisation code that is "
                 "not the firewall's: the network rules admitted the "
                 "request (AZURE-SEMANTICS 9.1)"
               : "storage answered with a service error code "
                 "(e.g. NoAuthenticationInformation, ResourceNotFound): "
                 "its firewall admitted the request (AZURE-SEMANTICS 9.1)";
    return PF_HTTPS_REACHABLE;
  }
  if (status >= 200 && status < 300) {
    *fw = 1;
    *why = "storage answered 2xx: the request was admitted";
    return PF_HTTPS_REACHABLE;
  }
  *why = status >= 500 ? WHY_5XX
                       : "answer without a storage error code: not a "
                         "storage answer (a proxy or appliance?)";
  return PF_HTTPS_INCONCLUSIVE;
}

static enum pf_https_verdict keyvault(long status,
                                      const struct pf_https_svcerr *e,
                                      const char **why, int *fw)
{
  if (status == 403 && (is_inner(e, "ForbiddenByFirewall") ||
                        is_inner(e, "ForbiddenByConnection"))) {
    *fw = 1;
    *why = is_inner(e, "ForbiddenByFirewall")
               ? "Key Vault answered 403 ForbiddenByFirewall: the vault "
                 "firewall does not admit this address (AZURE-SEMANTICS "
                 "9.2)"
               : "Key Vault answered 403 ForbiddenByConnection: public "
                 "access is disabled and this is not an approved private "
                 "link (AZURE-SEMANTICS 9.2)";
    return PF_HTTPS_BLOCKED_BY_FIREWALL;
  }
  if (status == 401) {
    *why = "Key Vault answered 401 to an anonymous request: the path "
           "works; the vault checks its firewall only after "
           "authentication, so this does not prove the firewall admits "
           "the subnet (AZURE-SEMANTICS 9.2)";
    return PF_HTTPS_REACHABLE;
  }
  if (status == 403) {
    if (e && e->inner[0]) {
      *fw = 1;
      *why = "Key Vault answered 403 for a reason that is not its "
             "firewall (e.g. ForbiddenByRbac): the firewall admitted the "
             "request (AZURE-SEMANTICS 9.2)";
      return PF_HTTPS_REACHABLE;
    }
    *why = "Key Vault 403 without an inner error code: access policy or "
           "firewall cannot be told apart (AZURE-SEMANTICS 9.2)";
    return PF_HTTPS_INCONCLUSIVE;
  }
  if (status < 500 && e && e->code[0]) {
    *why = "Key Vault answered with a service error code: the path works";
    return PF_HTTPS_REACHABLE;
  }
  if (status >= 200 && status < 300) {
    *why = "Key Vault answered 2xx: the path works";
    return PF_HTTPS_REACHABLE;
  }
  *why = status >= 500 ? WHY_5XX
                       : "answer without a Key Vault error: not a vault "
                         "answer (a proxy or appliance?)";
  return PF_HTTPS_INCONCLUSIVE;
}

static enum pf_https_verdict registry(long status,
                                      const struct pf_https_svcerr *e,
                                      const char **why, int *fw)
{
  if (status == 403 && is_code(e, "DENIED") && e &&
      strstr(e->message, "not allowed access")) {
    *fw = 1;
    *why = "registry answered 403 DENIED \"client with IP ... is not "
           "allowed access\": its firewall rejected this address "
           "(docs/probe-https.md, ACR troubleshooting)";
    return PF_HTTPS_BLOCKED_BY_FIREWALL;
  }
  if (status == 401 || (status >= 200 && status < 300) || status == 404) {
    *fw = 1;
    *why = "registry answered the anonymous /v2/ request (401 challenge "
           "or content): its firewall, checked first, admitted the "
           "request (docs/probe-https.md)";
    return PF_HTTPS_REACHABLE;
  }
  *why = status >= 500 ? WHY_5XX
                       : "registry answer that names no firewall decision";
  return PF_HTTPS_INCONCLUSIVE;
}

static enum pf_https_verdict generic(long status, const char **why)
{
  if ((status >= 200 && status < 400) || status == 400 || status == 401 ||
      status == 404 || status == 405) {
    *why = "the service answered with a valid certificate for its name: "
           "the network path works (no resource firewall is read from "
           "this service's answers)";
    return PF_HTTPS_REACHABLE;
  }
  *why = status >= 500 ? WHY_5XX
                       : "an answer (e.g. 403) that may come from the "
                         "service or from a proxy in the path";
  return PF_HTTPS_INCONCLUSIVE;
}

enum pf_https_verdict pf_httpsc_verdict(enum pf_https_service s,
                                        enum pf_https_outcome outcome,
                                        long status,
                                        const struct pf_https_svcerr *e,
                                        const char **why, int *fw_known)
{
  const char *w = NULL;
  int fw = 0;
  enum pf_https_verdict v;

  if (outcome == PF_HTTPS_PROTOCOL_ERROR) {
    w = WHY_PROTOCOL;
    v = PF_HTTPS_INCONCLUSIVE;
  } else if (outcome != PF_HTTPS_ANSWERED) {
    w = WHY_NOT_REACHED;
    v = PF_HTTPS_NOT_REACHED;
  } else if (status < 200 || status > 599) {
    w = "answered with an HTTP status outside 200-599";
    v = PF_HTTPS_INCONCLUSIVE;
  } else {
    switch (s) {
    case PF_HTTPS_BLOB:
    case PF_HTTPS_QUEUE:
    case PF_HTTPS_TABLE:
    case PF_HTTPS_FILE:
    case PF_HTTPS_DFS:
      v = storage(status, e, &w, &fw);
      break;
    case PF_HTTPS_KEYVAULT:
      v = keyvault(status, e, &w, &fw);
      break;
    case PF_HTTPS_REGISTRY:
      v = registry(status, e, &w, &fw);
      break;
    default:
      v = generic(status, &w);
      break;
    }
  }
  if (why)
    *why = w;
  if (fw_known)
    *fw_known = fw;
  return v;
}
