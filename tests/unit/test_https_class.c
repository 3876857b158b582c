/* SPDX-License-Identifier: MIT */
/* test_https_class.c - what an HTTPS probe's answer means (issue 5): the
 * error code read from headers and bodies, the outcome of a transfer from
 * libcurl's result, and the verdict tables of docs/probe-https.md; plus
 * the argument checks of pf_https_probe (nothing is sent)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/x509_vfy.h>

#include "../../probes/pf_https_class.h"
#include "../../probes/pf_https_probe.h"

#define S(x) x, sizeof(x) - 1

/* AZURE-SEMANTICS 9.1: the storage firewall's answer */
static const char st_firewall[] =
  "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
  "AuthorizationFailure</Code><Message>This request is not authorized to "
  "perform this operation.\nRequestId:5b0c2a1e-0000\nTime:2026-11-23T10:"
  "00:00.0000000Z</Message></Error>";
/* AZURE-SEMANTICS 9.2: the vault firewall's answer */
static const char kv_firewall[] =
  "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Client address is not "
  "authorized and caller is not a trusted service.\\r\\nClient address: "
  "203.0.113.1\\r\\nCaller: appid=1;oid=2\\r\\nVault: kv;location=weu\","
  "\"innererror\":{\"code\":\"ForbiddenByFirewall\"}}}";
/* the registry firewall (ACR troubleshooting, docs/probe-https.md) */
static const char acr_denied[] =
  "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"client with IP "
  "\\u0027203.0.113.1\\u0027 is not allowed access. Refer "
  "https://aka.ms/acr/firewall to grant access.\"}]}";

static struct pf_https_svcerr parse(const char *hdr, const char *body,
                                    size_t len)
{
  struct pf_https_svcerr e;
  memset(&e, 0, sizeof(e));
  if (hdr)
    pf_httpsc_header(hdr, strlen(hdr), &e);
  pf_httpsc_body(body, len, &e);
  return e;
}

static void test_header(void **state)
{
  struct pf_https_svcerr e;
  char big[200];
  (void)state;
  e = parse("X-MS-Error-Code:   AuthorizationFailure \r\n", NULL, 0);
  assert_string_equal(e.code, "AuthorizationFailure");
  e = parse("x-ms-error-codes: Nope\r\n", NULL, 0);   /* other name */
  assert_string_equal(e.code, "");
  e = parse("x-ms-request-id: 1\r\n", NULL, 0);
  assert_string_equal(e.code, "");
  e = parse("x-ms-error-code: A\x01\xff" "B\r\n", NULL, 0);
  assert_string_equal(e.code, "A??B");            /* printable only */
  memset(big, 'C', sizeof(big));
  memcpy(big, "x-ms-error-code:", 16);
  memset(&e, 0, sizeof(e));
  pf_httpsc_header(big, sizeof(big), &e);
  assert_int_equal(strlen(e.code), sizeof(e.code) - 1);   /* cut */
}

static void test_body_storage(void **state)
{
  struct pf_https_svcerr e;
  (void)state;
  e = parse(NULL, S(st_firewall));
  assert_string_equal(e.code, "AuthorizationFailure");
  /* only the first line: RequestId and Time are dropped */
  assert_string_equal(e.message,
                      "This request is not authorized to perform this "
                      "operation.");
  /* the header's code wins over the body's */
  e = parse("x-ms-error-code: ResourceNotFound\r\n", S(st_firewall));
  assert_string_equal(e.code, "ResourceNotFound");
  /* table service XML: lower-case elements, attributes on <message> */
  e = parse(NULL, S("\xef\xbb\xbf  <?xml version=\"1.0\"?><error xmlns=\"x\">"
                    "<code>TableNotFound</code><message xml:lang=\"en-US\">"
                    "The table specified does not exist.</message></error>"));
  assert_string_equal(e.code, "TableNotFound");
  assert_string_equal(e.message, "The table specified does not exist.");
  /* cut off inside an element: nothing trusted from it */
  e = parse(NULL, S("<Error><Code>Authoriz"));
  assert_string_equal(e.code, "");
  /* neither JSON nor XML */
  e = parse(NULL, S("AuthorizationFailure"));
  assert_string_equal(e.code, "");
  e = parse(NULL, S("<Error><Codex>A</Codex></Error>"));
  assert_string_equal(e.code, "");
}

static void test_body_json(void **state)
{
  struct pf_https_svcerr e;
  (void)state;
  e = parse(NULL, S(kv_firewall));
  assert_string_equal(e.code, "Forbidden");
  assert_string_equal(e.inner, "ForbiddenByFirewall");
  assert_string_equal(e.message, "Client address is not authorized and "
                                 "caller is not a trusted service.");
  /* the innermost innererror wins, whatever the member order */
  e = parse(NULL, S("{\"error\":{\"innererror\":{\"innererror\":{\"code\":"
                    "\"Deep\"},\"code\":\"Shallow\"},\"code\":\"Forbidden\"}}"));
  assert_string_equal(e.code, "Forbidden");
  assert_string_equal(e.inner, "Deep");
  e = parse(NULL, S(acr_denied));
  assert_string_equal(e.code, "DENIED");
  assert_string_equal(e.message, "client with IP '203.0.113.1' is not "
                                 "allowed access. Refer https://aka.ms/acr/"
                                 "firewall to grant access.");
  /* only the first of several registry errors */
  e = parse(NULL, S("{\"errors\":[{\"code\":\"A\"},{\"code\":\"B\"}]}"));
  assert_string_equal(e.code, "A");
  e = parse(NULL, S("{\"odata.error\":{\"code\":\"ResourceNotFound\","
                    "\"message\":{\"lang\":\"en-US\",\"value\":\"The "
                    "specified resource does not exist.\"}}}"));
  assert_string_equal(e.code, "ResourceNotFound");
  assert_string_equal(e.message, "The specified resource does not exist.");
  e = parse(NULL, S("{\"error\":\"invalid_request\",\"error_description\":"
                    "\"AADSTS900144: The request body must contain...\"}"));
  assert_string_equal(e.code, "invalid_request");
  assert_string_equal(e.message,
                      "AADSTS900144: The request body must contain...");
  /* code not a string, code in the wrong place: nothing */
  e = parse(NULL, S("{\"error\":{\"code\":7},\"code\":\"X\",\"a\":{\"error\":"
                    "{\"code\":\"Y\"}}}"));
  assert_string_equal(e.code, "");
  /* malformed after the code: what came before is kept */
  e = parse(NULL, S("{\"error\":{\"code\":\"Forbidden\",\"message\":"));
  assert_string_equal(e.code, "Forbidden");
  e = parse(NULL, S("{\"error\":{\"code\":\"Bad\xff\"}}"));   /* bad UTF-8 */
  assert_string_equal(e.code, "");
  e = parse(NULL, "", 0);
  assert_string_equal(e.code, "");
}

struct oc {
  int result;
  long os_errno, verify;
  int opened, connected, tls, hdr_over, capped;
  long status;
  const char *msg;
  enum pf_https_outcome want;
};

static void test_outcome(void **state)
{
  static const struct oc cases[] = {
    {CURLE_OK, 0, 0, 1, 1, 1, 0, 0, 404, "", PF_HTTPS_ANSWERED},
    {CURLE_OK, 0, 0, 1, 1, 1, 0, 0, 0, "", PF_HTTPS_PROTOCOL_ERROR},
    {CURLE_WRITE_ERROR, 0, 0, 1, 1, 1, 0, 1, 200, "", PF_HTTPS_ANSWERED},
    {CURLE_WRITE_ERROR, 0, 0, 1, 1, 1, 1, 0, 200, "",
     PF_HTTPS_PROTOCOL_ERROR},
    {CURLE_WRITE_ERROR, 0, 0, 1, 1, 1, 0, 0, 0, "", PF_HTTPS_PROTOCOL_ERROR},
    {CURLE_COULDNT_RESOLVE_HOST, 0, 0, 0, 0, 0, 0, 0, 0, "",
     PF_HTTPS_DNS_FAILED},
    {CURLE_COULDNT_CONNECT, ECONNREFUSED, 0, 1, 0, 0, 0, 0, 0, "",
     PF_HTTPS_REFUSED},
    {CURLE_COULDNT_CONNECT, EHOSTUNREACH, 0, 1, 0, 0, 0, 0, 0, "",
     PF_HTTPS_UNREACHABLE},
    {CURLE_COULDNT_CONNECT, ENETUNREACH, 0, 1, 0, 0, 0, 0, 0, "",
     PF_HTTPS_UNREACHABLE},
    {CURLE_COULDNT_CONNECT, ETIMEDOUT, 0, 1, 0, 0, 0, 0, 0, "",
     PF_HTTPS_CONNECT_TIMEOUT},
    {CURLE_OPERATION_TIMEDOUT, 0, 0, 0, 0, 0, 0, 0, 0, "",
     PF_HTTPS_DNS_FAILED},
    {CURLE_OPERATION_TIMEDOUT, 0, 0, 1, 0, 0, 0, 0, 0, "",
     PF_HTTPS_CONNECT_TIMEOUT},
    {CURLE_OPERATION_TIMEDOUT, 0, 0, 1, 1, 0, 0, 0, 0, "", PF_HTTPS_TIMEOUT},
    {CURLE_OPERATION_TIMEDOUT, 0, 0, 1, 1, 1, 0, 0, 0, "", PF_HTTPS_TIMEOUT},
    {CURLE_PEER_FAILED_VERIFICATION, 0, X509_V_ERR_CERT_HAS_EXPIRED, 1, 1, 0,
     0, 0, 0, "", PF_HTTPS_TLS_EXPIRED},
    {CURLE_PEER_FAILED_VERIFICATION, 0, X509_V_ERR_CERT_NOT_YET_VALID, 1, 1,
     0, 0, 0, 0, "", PF_HTTPS_TLS_EXPIRED},
    {CURLE_PEER_FAILED_VERIFICATION, 0,
     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1, 1, 0, 0, 0, 0, "",
     PF_HTTPS_TLS_UNTRUSTED},
    {CURLE_PEER_FAILED_VERIFICATION, 0, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
     1, 1, 0, 0, 0, 0, "", PF_HTTPS_TLS_UNTRUSTED},
    {CURLE_PEER_FAILED_VERIFICATION, 0, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
     1, 1, 0, 0, 0, 0, "", PF_HTTPS_TLS_UNTRUSTED},
    {CURLE_PEER_FAILED_VERIFICATION, 0, X509_V_ERR_HOSTNAME_MISMATCH, 1, 1, 0,
     0, 0, 0, "", PF_HTTPS_TLS_WRONG_HOST},
    /* libcurl's own name check (7.88 + OpenSSL 3 leaves 1 behind) */
    {CURLE_PEER_FAILED_VERIFICATION, 0, 1, 1, 1, 0, 0, 0, 0,
     "SSL: no alternative certificate subject name matches target host "
     "name 'x'", PF_HTTPS_TLS_WRONG_HOST},
    {CURLE_PEER_FAILED_VERIFICATION, 0, 0, 1, 1, 0, 0, 0, 0,
     "SSL: certificate subject name 'a' does not match target host name "
     "'b'", PF_HTTPS_TLS_WRONG_HOST},
    {CURLE_PEER_FAILED_VERIFICATION, 0, 1, 1, 1, 0, 0, 0, 0, "other",
     PF_HTTPS_TLS_FAILED},
    {CURLE_PEER_FAILED_VERIFICATION, 0, X509_V_ERR_CERT_REVOKED, 1, 1, 0, 0,
     0, 0, "", PF_HTTPS_TLS_FAILED},
    {CURLE_SSL_CONNECT_ERROR, 0, 0, 1, 1, 0, 0, 0, 0, "wrong version number",
     PF_HTTPS_TLS_FAILED},
    {CURLE_RECV_ERROR, ECONNRESET, 0, 1, 1, 0, 0, 0, 0, "",
     PF_HTTPS_TLS_FAILED},
    {CURLE_RECV_ERROR, ECONNRESET, 0, 1, 1, 1, 0, 0, 0, "",
     PF_HTTPS_PROTOCOL_ERROR},
    {CURLE_GOT_NOTHING, 0, 0, 1, 1, 1, 0, 0, 0, "", PF_HTTPS_PROTOCOL_ERROR},
    {CURLE_UNSUPPORTED_PROTOCOL, 0, 0, 1, 1, 1, 0, 0, 0,
     "Received HTTP/0.9 when not allowed", PF_HTTPS_PROTOCOL_ERROR},
    {CURLE_OUT_OF_MEMORY, 0, 0, 1, 1, 1, 0, 0, 0, "",
     PF_HTTPS_PROTOCOL_ERROR},
    {CURLE_WEIRD_SERVER_REPLY, 0, 0, 1, 1, 1, 0, 0, 0, "",
     PF_HTTPS_PROTOCOL_ERROR},
    /* headers over the cap beat whatever libcurl said */
    {CURLE_OK, 0, 0, 1, 1, 1, 1, 0, 200, "", PF_HTTPS_PROTOCOL_ERROR},
    {CURLE_SEND_ERROR, EPIPE, 0, 1, 0, 0, 0, 0, 0, "", PF_HTTPS_UNREACHABLE},
  };
  size_t i;
  char d[256];
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct oc *c = &cases[i];
    struct pf_httpsc_transport t = {c->result, c->os_errno, c->verify,
                                    c->opened, c->connected, c->tls,
                                    c->hdr_over, c->capped, c->status};
    d[0] = '\0';
    if (pf_httpsc_outcome(&t, c->msg, d, sizeof(d)) != c->want)
      fail_msg("case %zu: got %s want %s (%s)", i,
               pf_https_outcome_name(pf_httpsc_outcome(&t, c->msg, d,
                                                       sizeof(d))),
               pf_https_outcome_name(c->want), d);
    assert_true(d[0] != '\0');
  }
  /* the reason keeps libcurl's words */
  {
    struct pf_httpsc_transport t = {CURLE_COULDNT_CONNECT, ECONNREFUSED, 0,
                                    1, 0, 0, 0, 0, 0};
    pf_httpsc_outcome(&t, "Failed to connect", d, sizeof(d));
    assert_string_equal(d, "connection refused (RST): Failed to connect");
    pf_httpsc_outcome(&t, "Failed to connect", d, 8);   /* cut, no overrun */
    assert_string_equal(d, "connect");
  }
}

struct vc {
  enum pf_https_service s;
  long status;
  const char *code, *inner, *message;
  enum pf_https_verdict want;
  int fw;
};

static void test_verdicts(void **state)
{
  static const struct vc cases[] = {
    /* storage, AZURE-SEMANTICS 9.1 */
    {PF_HTTPS_BLOB, 403, "AuthorizationFailure", "",
     "This request is not authorized to perform this operation.",
     PF_HTTPS_BLOCKED_BY_FIREWALL, 1},
    {PF_HTTPS_DFS, 403, "AuthorizationFailure", "", "",
     PF_HTTPS_BLOCKED_BY_FIREWALL, 1},
    /* Azurite's answer to anonymous requests: authentication, not network */
    {PF_HTTPS_TABLE, 403, "AuthorizationFailure", "",
     "Server failed to authenticate the request. Make sure ...",
     PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_QUEUE, 403, "AuthenticationFailed", "", "", PF_HTTPS_REACHABLE,
     1},
    {PF_HTTPS_BLOB, 403, "AuthorizationPermissionMismatch", "", "",
     PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_FILE, 403, "KeyBasedAuthenticationNotPermitted", "", "",
     PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_BLOB, 401, "NoAuthenticationInformation", "", "",
     PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_BLOB, 401, "InvalidAuthenticationInfo", "", "",
     PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_BLOB, 404, "ResourceNotFound", "", "", PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_BLOB, 409, "PublicAccessNotPermitted", "", "",
     PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_BLOB, 200, "", "", "", PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_BLOB, 403, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_BLOB, 404, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_BLOB, 302, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_BLOB, 503, "ServerBusy", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    /* Key Vault, AZURE-SEMANTICS 9.2 */
    {PF_HTTPS_KEYVAULT, 403, "Forbidden", "ForbiddenByFirewall", "",
     PF_HTTPS_BLOCKED_BY_FIREWALL, 1},
    {PF_HTTPS_KEYVAULT, 403, "Forbidden", "ForbiddenByConnection", "",
     PF_HTTPS_BLOCKED_BY_FIREWALL, 1},
    {PF_HTTPS_KEYVAULT, 401, "Unauthorized", "", "", PF_HTTPS_REACHABLE, 0},
    {PF_HTTPS_KEYVAULT, 401, "", "", "", PF_HTTPS_REACHABLE, 0},
    {PF_HTTPS_KEYVAULT, 403, "Forbidden", "ForbiddenByRbac", "",
     PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_KEYVAULT, 403, "Forbidden", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_KEYVAULT, 403, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_KEYVAULT, 404, "NotFound", "", "", PF_HTTPS_REACHABLE, 0},
    {PF_HTTPS_KEYVAULT, 404, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_KEYVAULT, 500, "InternalError", "", "", PF_HTTPS_INCONCLUSIVE,
     0},
    /* registry */
    {PF_HTTPS_REGISTRY, 403, "DENIED", "",
     "client with IP '1.2.3.4' is not allowed access. Refer https://aka.ms/"
     "acr/firewall to grant access.", PF_HTTPS_BLOCKED_BY_FIREWALL, 1},
    {PF_HTTPS_REGISTRY, 403, "DENIED", "",
     "requested access to the resource is denied", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_REGISTRY, 401, "UNAUTHORIZED", "", "", PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_REGISTRY, 200, "", "", "", PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_REGISTRY, 404, "", "", "", PF_HTTPS_REACHABLE, 1},
    {PF_HTTPS_REGISTRY, 403, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_REGISTRY, 502, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    /* services read only for the path */
    {PF_HTTPS_MANAGEMENT, 200, "", "", "", PF_HTTPS_REACHABLE, 0},
    {PF_HTTPS_LOGIN, 302, "", "", "", PF_HTTPS_REACHABLE, 0},
    {PF_HTTPS_ML, 401, "", "", "", PF_HTTPS_REACHABLE, 0},
    {PF_HTTPS_MCR, 404, "", "", "", PF_HTTPS_REACHABLE, 0},
    {PF_HTTPS_OTHER, 400, "", "", "", PF_HTTPS_REACHABLE, 0},
    {PF_HTTPS_OTHER, 403, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_OTHER, 407, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_ML, 503, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
    {PF_HTTPS_OTHER, 101, "", "", "", PF_HTTPS_INCONCLUSIVE, 0},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct vc *c = &cases[i];
    struct pf_https_svcerr e;
    const char *why = NULL;
    int fw = -1;
    enum pf_https_verdict v;
    memset(&e, 0, sizeof(e));
    strcpy(e.code, c->code);
    strcpy(e.inner, c->inner);
    strcpy(e.message, c->message);
    v = pf_httpsc_verdict(c->s, PF_HTTPS_ANSWERED, c->status, &e, &why, &fw);
    if (v != c->want || fw != c->fw)
      fail_msg("case %zu (%s %ld %s): got %s/%d want %s/%d", i,
               pf_https_service_name(c->s), c->status, c->code,
               pf_https_verdict_name(v), fw, pf_https_verdict_name(c->want),
               c->fw);
    assert_non_null(why);
  }
}

static void test_verdict_not_answered(void **state)
{
  int o, s;
  const char *why;
  int fw;
  (void)state;
  for (s = 0; s < PF_HTTPS_SERVICE_COUNT; s++)
    for (o = 0; o < PF_HTTPS_OUTCOME_COUNT; o++) {
      enum pf_https_verdict v;
      if (o == PF_HTTPS_ANSWERED)
        continue;
      v = pf_httpsc_verdict((enum pf_https_service)s,
                            (enum pf_https_outcome)o, 0, NULL, &why, &fw);
      assert_int_equal(v, o == PF_HTTPS_PROTOCOL_ERROR
                              ? PF_HTTPS_INCONCLUSIVE
                              : PF_HTTPS_NOT_REACHED);
      assert_int_equal(fw, 0);
      assert_non_null(why);
    }
  /* an answer without a parsed error (NULL) is read safely */
  assert_int_equal(pf_httpsc_verdict(PF_HTTPS_BLOB, PF_HTTPS_ANSWERED, 403,
                                     NULL, &why, &fw),
                   PF_HTTPS_INCONCLUSIVE);
}

static void test_names(void **state)
{
  enum pf_https_service s;
  int i;
  (void)state;
  assert_string_equal(pf_https_outcome_name(PF_HTTPS_TLS_UNTRUSTED),
                      "tls-untrusted");
  assert_string_equal(pf_https_outcome_name(PF_HTTPS_CONNECT_TIMEOUT),
                      "connect-timeout");
  assert_string_equal(pf_https_verdict_name(PF_HTTPS_BLOCKED_BY_FIREWALL),
                      "blocked-by-firewall");
  assert_string_equal(pf_https_outcome_name((enum pf_https_outcome)99), "?");
  for (i = 0; i < PF_HTTPS_SERVICE_COUNT; i++) {
    assert_int_equal(pf_https_service_parse(
                         pf_https_service_name((enum pf_https_service)i), &s),
                     0);
    assert_int_equal(s, i);
    assert_true(pf_https_default_path(s)[0] == '/');
  }
  assert_int_equal(pf_https_service_parse("Blob", &s), -1);
  assert_int_equal(pf_https_service_parse(NULL, &s), -1);
  assert_string_equal(pf_https_default_path(PF_HTTPS_KEYVAULT),
                      "/secrets?api-version=7.4");
}

/* Bad targets are refused before anything is sent. */
static void test_refused_targets(void **state)
{
  static const struct {
    const char *url, *ct, *msg;
  } bad[] = {
    {"http://x.blob.core.windows.net/", NULL,
     "targets[0].url: not an https:// URL"},
    {NULL, NULL, "targets[0].url: not an https:// URL"},
    {"https://u:p@x.blob.core.windows.net/", NULL,
     "targets[0].url: user info in the URL: probes never send credentials"},
    {"https://x.blob.core.windows.net/c?sv=1&sig=abc", NULL,
     "targets[0].url: a SAS signature in the URL: probes never send "
     "credentials"},
    {"https://x.blob.core.windows.net/c?SIG=abc", NULL,
     "targets[0].url: a SAS signature in the URL: probes never send "
     "credentials"},
    {"https://x/", "host.example", "targets[0].connect_to: not IP"},
    {"https://x/", "10.0.0.1:", "targets[0].connect_to: not IP"},
    {"https://x/", "10.0.0.1:70000", "targets[0].connect_to: not IP"},
    {"https://x/", "10.0.0.1:-1", "targets[0].connect_to: not IP"},
    {"https://x/", "[::1", "targets[0].connect_to: not IP"},
    {"https://x/", "[::1]x", "targets[0].connect_to: not IP"},
    {"https://x/", "", "targets[0].connect_to: not IP"},
  };
  struct pf_https_opts o = {NULL, 1000, 0};
  struct pf_https_result r;
  struct pf_err err;
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct pf_https_target t = {bad[i].url, PF_HTTPS_BLOB, bad[i].ct};
    pf_err_clear(&err);
    assert_int_equal(pf_https_probe(&t, 1, &o, &r, &err), PF_EINVAL);
    if (strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)))
      fail_msg("case %zu: %s", i, err.msg);
  }
  assert_null(pf_https_url_problem("https://st.blob.core.windows.net/"
                                    "?comp=list"));
  assert_null(pf_https_url_problem("https://h/x?design=1&signal=2"));
  assert_string_equal(pf_https_url_problem("https://h/x?a=1&Sig=2"),
                      "a SAS signature in the URL: probes never send "
                      "credentials");
  assert_string_equal(pf_https_url_problem("https://"), "not a valid URL");
  {
    struct pf_https_target t = {"https://x/", PF_HTTPS_BLOB, NULL};
    struct pf_https_opts z = {NULL, 0, 0};
    struct pf_https_opts ca = {"/nonexistent/ca.pem", 1000, 0};
    pf_err_clear(&err);
    assert_int_equal(pf_https_probe(&t, 1, &z, &r, &err), PF_EINVAL);
    assert_string_equal(err.msg, "timeout: must be > 0 ms");
    pf_err_clear(&err);
    assert_int_equal(pf_https_probe(&t, 1, &ca, &r, &err), PF_EINVAL);
    assert_string_equal(err.msg, "/nonexistent/ca.pem: cannot read the CA "
                                 "file: No such file or directory");
    t.service = (enum pf_https_service)42;
    pf_err_clear(&err);
    assert_int_equal(pf_https_probe(&t, 1, &o, &r, &err), PF_EINVAL);
    assert_int_equal(pf_https_probe(&t, 0, &o, &r, &err), PF_OK);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_header),
    cmocka_unit_test(test_body_storage),
    cmocka_unit_test(test_body_json),
    cmocka_unit_test(test_outcome),
    cmocka_unit_test(test_verdicts),
    cmocka_unit_test(test_verdict_not_answered),
    cmocka_unit_test(test_names),
    cmocka_unit_test(test_refused_targets),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
