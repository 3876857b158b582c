/* SPDX-License-Identifier: MIT */
/* pf_armrest.c - Azure Resource Manager GETs: retries, throttling, errors */
#include "pf_armrest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../core/pf_jsonr.h"
#include "../core/pf_strbuf.h"

#define WAIT_MAX_DEFAULT 60u

int pf_armrest_retry_after(const char *value, time_t now, unsigned *secs)
{
  const char *p = value;
  unsigned long v = 0;
  struct tm tm;
  char *end;
  time_t t;

  if (!p)
    return -1;
  while (*p == ' ' || *p == '\t')
    p++;
  if (!*p)
    return -1;
  if (*p >= '0' && *p <= '9') {
    /* delay-seconds = 1*DIGIT; anything after the digits is malformed */
    for (; *p >= '0' && *p <= '9'; p++) {
      v = v * 10 + (unsigned long)(*p - '0');
      if (v > 86400ul * 365)
        v = 86400ul * 365;   /* saturate: the caller caps the wait anyway */
    }
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p)
      return -1;
    *secs = (unsigned)v;
    return 0;
  }
  /* HTTP-date, IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
  memset(&tm, 0, sizeof(tm));
  end = strptime(p, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end)
    return -1;
  while (*end == ' ' || *end == '\t')
    end++;
  if (*end || (t = timegm(&tm)) == (time_t)-1)
    return -1;
  *secs = t > now ? (unsigned)((t - now) > 86400 * 365 ? 86400 * 365
                                                       : (t - now))
                  : 0;
  return 0;
}

unsigned pf_armrest_backoff_ms(unsigned attempt, unsigned base_ms,
                           unsigned cap_ms)
{
  unsigned long long v = base_ms;
  unsigned i;
  for (i = 0; i < attempt && v < cap_ms; i++)
    v *= 2;
  return v > cap_ms ? cap_ms : (unsigned)v;
}

/* Length of "scheme://host[:port]" at the start of \p url, 0 when it is
 * not an absolute http(s) URL. */
static size_t origin_len(const char *url)
{
  const char *p;
  if (!strncasecmp(url, "https://", 8))
    p = url + 8;
  else if (!strncasecmp(url, "http://", 7))
    p = url + 7;
  else
    return 0;
  if (*p == '\0' || *p == '/' || *p == '?' || *p == '#')
    return 0;
  while (*p && *p != '/' && *p != '?' && *p != '#') {
    if (*p == '@' || *p == '\\')   /* userinfo: refused, never compared */
      return 0;
    p++;
  }
  return (size_t)(p - url);
}

int pf_armrest_same_origin(const char *endpoint, const char *url)
{
  size_t a, b;
  if (!endpoint || !url)
    return 0;
  a = origin_len(endpoint);
  b = origin_len(url);
  if (!a || a != b || strncasecmp(endpoint, url, a))
    return 0;
  /* the endpoint is https (fetch refuses others), so is the URL */
  return 1;
}

void pf_armrest_error_body(const char *body, size_t len, char *code,
                       size_t code_cap, char *msg, size_t msg_cap)
{
  struct pf_jsonr r;
  enum pf_jtok t;
  unsigned depth_of_error = 0;

  if (code_cap)
    code[0] = '\0';
  if (msg_cap)
    msg[0] = '\0';
  if (!body || !len)
    return;
  pf_jsonr_init(&r, body, len, 16);
  if (pf_jsonr_next(&r) != PF_JT_OBJ_BEGIN)
    goto done;
  /* members of the root, or of the root's "error" object */
  for (;;) {
    int is_code, is_msg, is_error;
    t = pf_jsonr_next(&r);
    if (t == PF_JT_OBJ_END) {
      if (depth_of_error) {
        depth_of_error = 0;
        continue;
      }
      break;
    }
    if (t != PF_JT_KEY)
      break;
    is_code = pf_jsonr_is(&r, "code");
    is_msg = pf_jsonr_is(&r, "message");
    is_error = !depth_of_error && pf_jsonr_is(&r, "error");
    t = pf_jsonr_next(&r);
    if (t == PF_JT_ERROR)
      break;
    if (is_error && t == PF_JT_OBJ_BEGIN) {
      depth_of_error = r.depth;
      if (code_cap)
        code[0] = '\0';   /* the inner error wins over the root's */
      if (msg_cap)
        msg[0] = '\0';
      continue;
    }
    if (is_code && t == PF_JT_STRING && (!code[0] || depth_of_error))
      pf_http_printable(r.str, r.len, code, code_cap);
    else if (is_msg && t == PF_JT_STRING && (!msg[0] || depth_of_error))
      pf_http_printable(r.str, r.len, msg, msg_cap);
    else if (pf_jsonr_skip(&r, t) != PF_OK)
      break;
  }
done:
  pf_jsonr_release(&r);
}

void pf_armrest_init(struct pf_armrest *a)
{
  memset(a, 0, sizeof(*a));
  a->endpoint = PF_ARMREST_ENDPOINT;
  a->timeout_ms = 60000;
  a->body_max = (size_t)32 << 20;
  a->max_retries = 4;
  a->max_wait_s = WAIT_MAX_DEFAULT;
  a->base_ms = 1000;
}

static void sleep_ms(unsigned ms)
{
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

static void logf_(struct pf_armrest *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_(struct pf_armrest *a, const char *fmt, ...)
{
  char line[1024];
  va_list ap;
  if (!a->log)
    return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  a->log(a->log_arg, line);
}

static int in_list(const char *list, const char *code)
{
  size_t n = strlen(code);
  const char *p = list;
  if (!list || !n)
    return 0;
  while (*p) {
    const char *e = strchr(p, '|');
    size_t k = e ? (size_t)(e - p) : strlen(p);
    if (k == n && !strncasecmp(p, code, n))
      return 1;
    if (!e)
      break;
    p = e + 1;
  }
  return 0;
}

/* A server (or a proxy on the way) that echoes the request back must not
 * make us print the token: any text holding its first 16 characters is
 * withheld. */
static void withhold_token(const char *token, char *text, size_t cap)
{
  char head[17];
  size_t n = token ? strlen(token) : 0;
  if (n < 16 || !cap)
    return;
  memcpy(head, token, 16);
  head[16] = '\0';
  if (strstr(text, head))
    snprintf(text, cap, "(withheld: the server's text holds the token)");
}

/* The final error of a non-200 answer: what happened and what to do. */
static pf_status answer_error(const struct pf_armrest *a, const char *url,
                              const char *scope,
                              const struct pf_http_resp *resp,
                              const char *code, const char *msg,
                              struct pf_err *err)
{
  const char *sep = msg[0] ? ": " : "";
  if (resp->status == 401) {
    if (!strcasecmp(code, "ExpiredAuthenticationToken"))
      return pf_err_set(err, PF_EINVAL, "GET %s: HTTP 401 %s: the access "
                        "token has expired: get a new one ('az account "
                        "get-access-token' into $AZURE_ACCESS_TOKEN or "
                        "--token-file) and run again", url, code);
    return pf_err_set(err, PF_EINVAL, "GET %s: HTTP 401 %s: the access "
                      "token was not accepted%s%s%s: it must be a valid "
                      "Resource Manager token ('az account get-access-token "
                      "--resource https://management.azure.com/') of the "
                      "tenant that holds the subscription", url,
                      code[0] ? code : "(no error code)", msg[0] ? " (" : "",
                      msg, msg[0] ? ")" : "");
  }
  if (resp->status == 403)
    return pf_err_set(err, PF_EINVAL, "GET %s: HTTP 403 %s: the identity "
                      "may not read %s: assign it the Reader role there "
                      "(docs/fetch.md \"Permissions\")%s%s", url,
                      code[0] ? code : "(no error code)", scope, sep, msg);
  (void)a;
  return pf_err_set(err, PF_EIO, "GET %s: HTTP %ld%s%s%s%s", url,
                    resp->status, code[0] ? " " : "", code, sep, msg);
}

pf_status pf_armrest_get(struct pf_armrest *a, const char *url, const char *scope,
                     const char *soft, struct pf_http_resp *resp,
                     struct pf_err *err)
{
  struct pf_strbuf auth;
  struct pf_http_req req;
  const char *hdrs[2];
  char code[128], msg[512];
  unsigned attempt = 0;
  pf_status st;

  memset(resp, 0, sizeof(*resp));
  if (!pf_armrest_same_origin(a->endpoint, url))
    return pf_err_set(err, PF_EINVAL, "refusing to send the token to %s: "
                      "not at the endpoint %s", url, a->endpoint);
  pf_strbuf_init(&auth, 16400 + 32);
  if ((st = pf_strbuf_addf(&auth, "Authorization: Bearer %s", a->token)) !=
      PF_OK) {
    pf_strbuf_release(&auth);
    return pf_err_set(err, st, "GET %s: %s", url, pf_strerror(st));
  }
  hdrs[0] = pf_strbuf_str(&auth);
  hdrs[1] = "Accept: application/json";
  memset(&req, 0, sizeof(req));
  req.url = url;
  req.headers = hdrs;
  req.n_headers = 2;
  req.ca_file = a->ca_file;
  req.timeout_ms = a->timeout_ms;
  req.body_max = a->body_max;
  for (;;) {
    unsigned wait_ms, ra;
    int has_ra;
    a->requests++;
    st = pf_http_get(&req, resp);
    if (st != PF_OK) {
      pf_err_set(err, st, "GET %s: %s", url, pf_strerror(st));
      break;
    }
    if (resp->status == 0) {
      st = pf_err_set(err, PF_EIO, "GET %s: %s%s", url, resp->error,
                      resp->tls_error
                          ? " (the server's certificate is not trusted or "
                            "TLS failed: for a private CA give --ca-file; "
                            "verification is never turned off)"
                          : "");
      break;
    }
    logf_(a, "GET %s: HTTP %ld, %zu bytes", url, resp->status,
          resp->body_len);
    if (resp->status == 200 && !resp->body_too_big)
      break;
    if (resp->status == 200) {
      st = pf_err_set(err, PF_ETOOBIG, "GET %s: the answer is larger than "
                      "%zu bytes", url, a->body_max);
      break;
    }
    pf_armrest_error_body(resp->body, resp->body_len, code, sizeof(code), msg,
                      sizeof(msg));
    if (!code[0] && resp->error_code[0])
      snprintf(code, sizeof(code), "%s", resp->error_code);
    withhold_token(a->token, code, sizeof(code));
    withhold_token(a->token, msg, sizeof(msg));
    if ((resp->status == 401 || resp->status == 403 ||
         resp->status == 404 || resp->status == 409) &&
        in_list(soft, code)) {
      snprintf(resp->error_code, sizeof(resp->error_code), "%s", code);
      st = PF_ENOTFOUND;
      break;
    }
    if (resp->status != 429 && resp->status < 500) {
      st = answer_error(a, url, scope, resp, code, msg, err);
      break;
    }
    if (attempt >= a->max_retries) {
      st = pf_err_set(err, PF_EIO, "GET %s: HTTP %ld%s%s after %u "
                      "retries%s%s", url, resp->status, code[0] ? " " : "",
                      code, attempt, msg[0] ? ": " : "", msg);
      break;
    }
    has_ra = pf_armrest_retry_after(resp->retry_after, time(NULL), &ra) == 0;
    wait_ms = has_ra ? ra * 1000u
                     : pf_armrest_backoff_ms(attempt, a->base_ms,
                                         a->max_wait_s * 1000u);
    if (wait_ms > a->max_wait_s * 1000u)
      wait_ms = a->max_wait_s * 1000u;
    if (resp->status == 429)
      a->throttled++;
    a->retries++;
    logf_(a, "GET %s: HTTP %ld%s%s: retry %u in %u ms", url, resp->status,
          code[0] ? " " : "", code, attempt + 1, wait_ms);
    pf_http_resp_release(resp);
    sleep_ms(wait_ms);
    attempt++;
  }
  /* the header buffer held the token */
  if (auth.buf)
    memset(auth.buf, 0, auth.len);
  pf_strbuf_release(&auth);
  if (st != PF_OK && st != PF_ENOTFOUND)
    pf_http_resp_release(resp);
  return st;
}
