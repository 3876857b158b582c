/* SPDX-License-Identifier: MIT */
/* pf_http.c - one HTTPS GET with headers (KEY-2) */
#include "pf_http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define ERR_HDR "x-ms-error-code:"
#define BODY_MAX ((size_t)1 << 20)

struct sink {
  struct pf_http_resp *resp;
  size_t body;
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

/* The body is not needed (the error code comes in a header): dropped,
 * with a bound so a misbehaving server cannot keep the request open. */
static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
  struct sink *s = arg;
  (void)buf;
  s->body += size * n;
  return s->body > BODY_MAX ? 0 : size * n;
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
  if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
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
