/* SPDX-License-Identifier: MIT */
/* pf_http.c - one HTTPS GET with headers (KEY-2) */
#include "pf_http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define ERR_HDR "x-ms-error-code:"
#define BODY_MAX ((size_t)1 << 20)
#define KEEP 4096            /* the start of the body, for <Message> */

struct sink {
  struct pf_http_resp *resp;
  size_t body;
  char keep[KEEP + 1];
  size_t n_keep;
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

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
  struct sink *s = arg;
  size_t len = size * n, hl = sizeof(ERR_HDR) - 1, i = hl, e;
  if (len > hl && !strncasecmp(buf, ERR_HDR, hl)) {
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
      i++;
    e = len;
    while (e > i && (buf[e - 1] == '\r' || buf[e - 1] == '\n' ||
                     buf[e - 1] == ' '))
      e--;
    if (e - i >= sizeof(s->resp->error_code))
      e = i + sizeof(s->resp->error_code) - 1;
    memcpy(s->resp->error_code, buf + i, e - i);
    s->resp->error_code[e - i] = '\0';
  }
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
  if (n >= sizeof(s->resp->message))
    n = sizeof(s->resp->message) - 1;
  memcpy(s->resp->message, b, n);
  s->resp->message[n] = '\0';
  for (e = s->resp->message; *e; e++)   /* server text: printable only */
    if ((unsigned char)*e < 0x20 || (unsigned char)*e > 0x7e)
      s->resp->message[e - s->resp->message] = '?';
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
  if (!r->url || strncasecmp(r->url, "https://", 8))
    return PF_EINVAL;
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
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (r->ca_file)
    curl_easy_setopt(c, CURLOPT_CAINFO, r->ca_file);
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
    snprintf(resp->error, sizeof(resp->error), "%s",
             ebuf[0] ? ebuf : curl_easy_strerror(rc));
  }
done:
  curl_slist_free_all(hl);   /* the Authorization header is not kept */
  curl_easy_cleanup(c);
  return st;
}
