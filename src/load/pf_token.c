/* SPDX-License-Identifier: MIT */
/* pf_token.c - bearer tokens from the environment, a file, or IMDS */
#include "pf_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pf_file.h"
#include "../core/pf_jsonr.h"
#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"
#include "pf_http.h"

#define FILE_MAX ((size_t)64 << 10)
#define IMDS_API "2018-02-01"

void pf_token_release(struct pf_token *t)
{
  if (!t)
    return;
  if (t->value) {
    pf_mem_wipe(t->value, strlen(t->value));
    pf_free(t->value);
  }
  t->value = NULL;
  t->expires = 0;
}

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=" */
int pf_token_valid(const char *s, size_t n)
{
  size_t i = 0;
  if (!s || n == 0 || n > PF_TOKEN_MAX)
    return 0;
  for (; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
          c == '~' || c == '+' || c == '/'))
      break;
  }
  if (i == 0)
    return 0;
  while (i < n && s[i] == '=')
    i++;
  return i == n;
}

/* "2026-11-23 16:20:06.000000": local time (az CLI's expiresOn). */
static int parse_local(const char *s, size_t n, time_t *out)
{
  char buf[40];
  struct tm tm;
  int y, mo, d, h, mi, se;
  time_t t;
  if (n >= sizeof(buf))
    return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  if (sscanf(buf, "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) != 6)
    return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return -1;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  tm.tm_isdst = -1;
  if ((t = mktime(&tm)) == (time_t)-1)
    return -1;
  *out = t;
  return 0;
}

/* Seconds since the epoch, as a number or a string of digits. */
static int parse_epoch(const char *s, size_t n, time_t *out)
{
  unsigned long long v = 0;
  size_t i;
  if (n == 0 || n > 12)
    return -1;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  *out = (time_t)v;
  return 0;
}

pf_status pf_token_parse(const char *name, const char *buf, size_t len,
                         struct pf_token *out, struct pf_err *err)
{
  struct pf_jsonr r;
  enum pf_jtok t;
  time_t epoch = 0, local = 0;
  int have_epoch = 0, have_local = 0;
  pf_status st = PF_OK;

  memset(out, 0, sizeof(*out));
  pf_jsonr_init(&r, buf, len, 8);
  if ((t = pf_jsonr_next(&r)) != PF_JT_OBJ_BEGIN) {
    if (t != PF_JT_ERROR)
      pf_jsonr_fail(&r, PF_EPARSE, "expected an object with accessToken "
                    "(the output of 'az account get-access-token')");
    goto fail;
  }
  for (;;) {
    int is_tok, is_epoch, is_local;
    t = pf_jsonr_next(&r);
    if (t == PF_JT_OBJ_END)
      break;
    if (t != PF_JT_KEY)
      goto fail;
    is_tok = pf_jsonr_is(&r, "accessToken") || pf_jsonr_is(&r, "access_token");
    is_epoch = pf_jsonr_is(&r, "expires_on");
    is_local = pf_jsonr_is(&r, "expiresOn");
    t = pf_jsonr_next(&r);
    if (t == PF_JT_ERROR)
      goto fail;
    if (is_tok) {
      if (t != PF_JT_STRING) {
        pf_jsonr_fail(&r, PF_EPARSE, "the token must be a string");
        goto fail;
      }
      if (out->value) {
        pf_jsonr_fail(&r, PF_EPARSE, "the token is given twice");
        goto fail;
      }
      if (!pf_token_valid(r.str, r.len)) {
        /* never quote it: it may be most of a real token */
        pf_jsonr_fail(&r, PF_EPARSE, "not a bearer token (empty, longer "
                      "than %d bytes, or characters outside RFC 6750 "
                      "b64token)", PF_TOKEN_MAX);
        goto fail;
      }
      if (!(out->value = pf_strndup(r.str, r.len))) {
        st = PF_ENOMEM;
        goto fail;
      }
    } else if (is_epoch) {
      if ((t != PF_JT_NUMBER && t != PF_JT_STRING) ||
          parse_epoch(r.str, r.len, &epoch)) {
        pf_jsonr_fail(&r, PF_EPARSE, "expected seconds since the epoch");
        goto fail;
      }
      have_epoch = 1;
    } else if (is_local) {
      if (t != PF_JT_STRING || parse_local(r.str, r.len, &local)) {
        pf_jsonr_fail(&r, PF_EPARSE, "expected a time 'YYYY-MM-DD "
                      "HH:MM:SS'");
        goto fail;
      }
      have_local = 1;
    } else if (pf_jsonr_skip(&r, t) != PF_OK) {
      goto fail;
    }
  }
  if (pf_jsonr_next(&r) != PF_JT_EOF)
    goto fail;
  if (!out->value) {
    pf_err_set(err, PF_EPARSE, "%s: $: no accessToken (expected the output "
               "of 'az account get-access-token')", name);
    pf_jsonr_release_wipe(&r);
    return PF_EPARSE;
  }
  /* expires_on is exact; expiresOn is local time without a zone */
  out->expires = have_epoch ? epoch : have_local ? local : 0;
  pf_jsonr_release_wipe(&r);
  return PF_OK;
fail:
  if (st == PF_OK) {
    st = PF_EPARSE;
    pf_err_set(err, st, "%s: %s", name, pf_jsonr_error(&r)->msg);
  } else {
    pf_err_set(err, st, "%s: %s", name, pf_strerror(st));
  }
  pf_jsonr_release_wipe(&r);
  pf_token_release(out);
  return st;
}

pf_status pf_token_from_file(const char *path, time_t now,
                             struct pf_token *out, struct pf_err *err)
{
  char *buf = NULL;
  size_t len = 0;
  pf_status st;
  memset(out, 0, sizeof(*out));
  if ((st = pf_file_read(path, FILE_MAX, &buf, &len, err)) != PF_OK)
    return st;
  st = pf_token_parse(path, buf, len, out, err);
  pf_mem_wipe(buf, len);
  pf_free(buf);
  if (st != PF_OK)
    return st;
  out->source = path;
  if (out->expires && out->expires <= now) {
    char when[32];
    struct tm tm;
    gmtime_r(&out->expires, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    pf_token_release(out);
    return pf_err_set(err, PF_EINVAL, "%s: the access token expired at %s: "
                      "get a new one with 'az account get-access-token "
                      "--resource https://management.azure.com/ > %s'",
                      path, when, path);
  }
  return PF_OK;
}

pf_status pf_token_from_value(const char *value, const char *source,
                              struct pf_token *out, struct pf_err *err)
{
  size_t n;
  memset(out, 0, sizeof(*out));
  out->source = source;
  if (!value || !*value)
    return pf_err_set(err, PF_EINVAL, "%s is empty", source);
  n = strlen(value);
  /* a trailing newline from `export X=$(...)` copies is forgiven */
  while (n && (value[n - 1] == '\n' || value[n - 1] == '\r'))
    n--;
  if (!pf_token_valid(value, n))
    return pf_err_set(err, PF_EINVAL, "%s does not hold a bearer token "
                      "(characters outside RFC 6750 b64token, or longer "
                      "than %d bytes); set it to the accessToken of 'az "
                      "account get-access-token'", source, PF_TOKEN_MAX);
  if (!(out->value = pf_strndup(value, n)))
    return pf_err_set(err, PF_ENOMEM, "out of memory");
  return PF_OK;
}

/* {"error": "...", "error_description": "..."} of an IMDS refusal, as
 * printable text, or "" */
static void imds_error(const char *body, size_t len, char *out, size_t cap)
{
  struct pf_jsonr r;
  enum pf_jtok t;
  out[0] = '\0';
  pf_jsonr_init(&r, body, len, 8);
  if (pf_jsonr_next(&r) != PF_JT_OBJ_BEGIN) {
    pf_jsonr_release(&r);
    return;
  }
  while ((t = pf_jsonr_next(&r)) == PF_JT_KEY) {
    int want = pf_jsonr_is(&r, "error_description");
    t = pf_jsonr_next(&r);
    if (want && t == PF_JT_STRING) {
      pf_http_printable(r.str, r.len, out, cap);
      break;
    }
    if (pf_jsonr_skip(&r, t) != PF_OK)
      break;
  }
  pf_jsonr_release(&r);
}

pf_status pf_token_from_imds(const char *endpoint, const char *client_id,
                             long timeout_ms, time_t now,
                             struct pf_token *out, struct pf_err *err)
{
  struct pf_strbuf url;
  struct pf_http_req req;
  struct pf_http_resp resp;
  const char *hdrs[1] = {"Metadata: true"};
  char why[200];
  pf_status st;
  size_t i;

  memset(out, 0, sizeof(*out));
  out->source = "the managed identity endpoint";
  if (!endpoint)
    endpoint = PF_TOKEN_IMDS_URL;
  if (client_id)
    for (i = 0; client_id[i]; i++)
      if (!((client_id[i] >= '0' && client_id[i] <= '9') ||
            (client_id[i] >= 'a' && client_id[i] <= 'f') ||
            (client_id[i] >= 'A' && client_id[i] <= 'F') ||
            client_id[i] == '-'))
        return pf_err_set(err, PF_EINVAL, "AZURE_CLIENT_ID is not a client "
                          "id (a GUID)");
  pf_strbuf_init(&url, 4096);
  st = pf_strbuf_addf(&url, "%s?api-version=%s&resource=%s", endpoint,
                      IMDS_API, "https%3A%2F%2Fmanagement.azure.com%2F");
  if (st == PF_OK && client_id)
    st = pf_strbuf_addf(&url, "&client_id=%s", client_id);
  if (st != PF_OK) {
    pf_strbuf_release(&url);
    return pf_err_set(err, st, "managed identity endpoint: %s",
                      pf_strerror(st));
  }
  memset(&req, 0, sizeof(req));
  req.url = pf_strbuf_str(&url);
  req.headers = hdrs;
  req.n_headers = 1;
  req.timeout_ms = timeout_ms;
  req.body_max = FILE_MAX;
  req.allow_http = 1;   /* IMDS is plain HTTP on a link-local address */
  st = pf_http_get(&req, &resp);
  if (st == PF_EINVAL) {
    st = pf_err_set(err, PF_EINVAL, "managed identity endpoint '%s' is not "
                    "an http:// or https:// URL", endpoint);
  } else if (st != PF_OK) {
    pf_err_set(err, st, "managed identity endpoint: %s", pf_strerror(st));
  } else if (resp.status == 0) {
    st = pf_err_set(err, PF_EIO, "managed identity endpoint %s: %s (only "
                    "an Azure VM or compute node with a managed identity "
                    "has one; elsewhere use $%s or --token-file)", endpoint,
                    resp.error, PF_TOKEN_ENV);
  } else if (resp.status != 200 || resp.body_too_big) {
    imds_error(resp.body, resp.body_len, why, sizeof(why));
    st = pf_err_set(err, PF_EIO, "managed identity endpoint %s: HTTP %ld%s%s",
                    endpoint, resp.status, why[0] ? ": " : "", why);
  } else {
    st = pf_token_parse("managed identity answer", resp.body, resp.body_len,
                        out, err);
    if (st == PF_OK) {
      out->source = "the managed identity endpoint";
      if (out->expires && out->expires <= now) {
        pf_token_release(out);
        st = pf_err_set(err, PF_EINVAL, "the managed identity endpoint "
                        "returned an expired token");
      }
    }
  }
  if (resp.body)
    pf_mem_wipe(resp.body, resp.body_len);
  pf_http_resp_release(&resp);
  pf_strbuf_release(&url);
  return st;
}
