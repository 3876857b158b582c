/* SPDX-License-Identifier: MIT */
/* pf_http.c - one HTTPS GET with headers (KEY-2, fetch) */
#include "pf_http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"

#define ERR_HDR "x-ms-error-code:"
#define RETRY_HDR "retry-after:"
#define BODY_MAX ((size_t)1 << 20)
#define KEEP 4096            /* the start of the body, for <Message> */

struct sink {
  struct pf_http_resp *resp;
  size_t body;
  char keep[KEEP + 1];
  size_t n_keep;
  struct pf_strbuf all;      /* the whole body, when asked for */
  int want_all;
  int oom;
};

pf_status pf_http_global_init(void)
{
  return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? PF_OK
                                                           : PF_ENOMEM;
}

void pf_http_global_cleanup(void)
{
  curl_global_cleanup();
}

void pf_http_printable(const char *s, size_t n, char *out, size_t cap)
{
  size_t i;
  if (!cap)
    return;
  if (n >= cap)
    n = cap - 1;
  for (i = 0; i < n; i++)
    out[i] = (s[i] < 0x20 || s[i] > 0x7e) ? '?' : s[i];
  out[n] = '\0';
}

/* Copy the value of header \p name (lower case, with the colon) from the
 * header line \p buf into \p out when the line is that header. */
static void header_value(const char *buf, size_t len, const char *name,
                         char *out, size_t cap)
{
  size_t hl = strlen(name), i = hl, e;
  if (len <= hl || strncasecmp(buf, name, hl))
    return;
  while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
    i++;
  e = len;
  while (e > i && (buf[e - 1] == '\r' || buf[e - 1] == '\n' ||
                   buf[e - 1] == ' '))
    e--;
  if (e - i >= cap)
    e = i + cap - 1;
  memcpy(out, buf + i, e - i);
  out[e - i] = '\0';
  for (; *out; out++)   /* server text: printable only */
    if ((unsigned char)*out < 0x20 || (unsigned char)*out > 0x7e)
      *out = '?';
}

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
  struct sink *s = arg;
  size_t len = size * n;
  header_value(buf, len, ERR_HDR, s->resp->error_code,
               sizeof(s->resp->error_code));
  header_value(buf, len, RETRY_HDR, s->resp->retry_after,
               sizeof(s->resp->retry_after));
  return len;
}

/* The start of the body is kept (an error's <Message>), the rest
 * dropped, with a bound so a misbehaving server cannot keep the request
 * open. */
static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
  struct sink *s = arg;
  size_t len = size * n, k = KEEP - s->n_keep;
  if (k > len)
    k = len;
  memcpy(s->keep + s->n_keep, buf, k);
  s->n_keep += k;
  s->body += len;
  if (s->want_all) {
    pf_status st = pf_strbuf_addn(&s->all, buf, len);
    if (st == PF_ETOOBIG)
      s->resp->body_too_big = 1;
    else if (st != PF_OK)
      s->oom = 1;
    return st == PF_OK ? len : 0;
  }
  return s->body > BODY_MAX ? 0 : len;
}

static void error_message(struct sink *s)
{
  const char *b, *e;
  size_t n;
  s->keep[s->n_keep] = '\0';
  if (!(b = strstr(s->keep, "<Message>")))
    return;
  b += sizeof("<Message>") - 1;
  if (!(e = strstr(b, "</Message>")))
    return;
  n = (size_t)(e - b);
  if (memchr(b, '\n', n))
    n = (size_t)((const char *)memchr(b, '\n', n) - b);
  /* no NUL inside: strstr found the end tag before any */
  pf_http_printable(b, n, s->resp->message, sizeof(s->resp->message));
}

void pf_http_verify_tls(void *curl, const char *ca_file)
{
  CURL *c = curl;
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (ca_file)
    curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
}

pf_status pf_http_get(const struct pf_http_req *r, struct pf_http_resp *resp)
{
  struct curl_slist *hl = NULL, *t;
  struct sink s;
  char ebuf[CURL_ERROR_SIZE];
  CURL *c;
  CURLcode rc;
  pf_status st = PF_OK;
  size_t i;

  memset(resp, 0, sizeof(*resp));
  if (!r->url || (strncasecmp(r->url, "https://", 8) &&
                  !(r->allow_http && !strncasecmp(r->url, "http://", 7))))
    return PF_EINVAL;
  s.want_all = r->body_max > 0;
  s.oom = 0;
  pf_strbuf_init(&s.all, r->body_max);
  if (!(c = curl_easy_init()))
    return PF_ENOMEM;
  for (i = 0; i < r->n_headers; i++) {
    if (!(t = curl_slist_append(hl, r->headers[i]))) {
      st = PF_ENOMEM;
      goto done;
    }
    hl = t;
  }
  s.resp = resp;
  s.body = 0;
  s.n_keep = 0;
  ebuf[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, r->url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
                   r->allow_http ? "https,http" : "https");
  /* plain http is the managed identity endpoint: its answer holds a token
   * in clear text, which must never pass through an $http_proxy */
  if (r->allow_http)
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  pf_http_verify_tls(c, r->ca_file);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->timeout_ms);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "preflight");
  rc = curl_easy_perform(c);
  if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    error_message(&s);
  }
  if (rc != CURLE_OK && !resp->status) {
    resp->status = 0;
    resp->tls_error = rc == CURLE_PEER_FAILED_VERIFICATION ||
                      rc == CURLE_SSL_CONNECT_ERROR ||
                      rc == CURLE_SSL_CACERT_BADFILE ||
                      rc == CURLE_SSL_CERTPROBLEM;
    snprintf(resp->error, sizeof(resp->error), "%s",
             ebuf[0] ? ebuf : curl_easy_strerror(rc));
  }
  if (s.oom) {
    st = PF_ENOMEM;
  } else if (s.want_all && resp->status) {
    resp->body_len = s.all.len;
    if (!(resp->body = pf_strbuf_detach(&s.all)))
      st = PF_ENOMEM;
  }
done:
  pf_strbuf_release(&s.all);
  /* the Authorization header (a bearer token, a signature) is not kept
   * in freed memory */
  for (t = hl; t; t = t->next)
    memset(t->data, 0, strlen(t->data));
  curl_slist_free_all(hl);
  curl_easy_cleanup(c);
  return st;
}

void pf_http_resp_release(struct pf_http_resp *resp)
{
  if (!resp)
    return;
  pf_free(resp->body);
  resp->body = NULL;
  resp->body_len = 0;
}
