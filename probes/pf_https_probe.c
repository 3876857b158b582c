/* SPDX-License-Identifier: MIT */
/* pf_https_probe.c - anonymous HTTPS probes, libcurl multi (issue 5) */
#include "pf_https_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../src/core/pf_mem.h"
#include "../src/core/pf_strbuf.h"
#include "../src/load/pf_http.h"
#include "pf_https_class.h"

static const char *const outcome_names[PF_HTTPS_OUTCOME_COUNT] = {
  "answered", "dns-failed", "refused", "connect-timeout", "unreachable",
  "tls-untrusted", "tls-expired", "tls-wrong-host", "tls-failed", "timeout",
  "protocol-error"
};

static const char *const verdict_names[PF_HTTPS_VERDICT_COUNT] = {
  "reachable", "blocked-by-firewall", "not-reached", "inconclusive"
};

static const char *const service_names[PF_HTTPS_SERVICE_COUNT] = {
  "blob", "queue", "table", "file", "dfs", "keyvault", "registry", "ml",
  "login", "management", "mcr", "other"
};

/* Why each path: docs/probe-https.md "Requests".  All are reads that
 * name no resource of the user's, sent without credentials. */
static const char *const default_paths[PF_HTTPS_SERVICE_COUNT] = {
  "/?comp=list",                 /* blob: List Containers */
  "/?comp=list",                 /* queue: List Queues */
  "/Tables",                     /* table: Query Tables */
  "/?comp=list",                 /* file: List Shares */
  "/?resource=account",          /* dfs: List Filesystems */
  "/secrets?api-version=7.4",    /* keyvault: the 401 challenge */
  "/v2/",                        /* registry: the v2 API ping */
  "/",                           /* ml */
  "/common/v2.0/.well-known/openid-configuration",   /* login */
  "/metadata/endpoints?api-version=2019-05-01",      /* management */
  "/v2/",                        /* mcr */
  "/"                            /* other */
};

const char *pf_https_outcome_name(enum pf_https_outcome o)
{
  return (unsigned)o < PF_HTTPS_OUTCOME_COUNT ? outcome_names[o] : "?";
}

const char *pf_https_verdict_name(enum pf_https_verdict v)
{
  return (unsigned)v < PF_HTTPS_VERDICT_COUNT ? verdict_names[v] : "?";
}

const char *pf_https_service_name(enum pf_https_service s)
{
  return (unsigned)s < PF_HTTPS_SERVICE_COUNT ? service_names[s] : "?";
}

int pf_https_service_parse(const char *name, enum pf_https_service *s)
{
  int i;
  for (i = 0; i < PF_HTTPS_SERVICE_COUNT; i++)
    if (name && !strcmp(name, service_names[i])) {
      *s = (enum pf_https_service)i;
      return 0;
    }
  return -1;
}

const char *pf_https_default_path(enum pf_https_service s)
{
  return (unsigned)s < PF_HTTPS_SERVICE_COUNT ? default_paths[s] : "/";
}

/* One transfer in flight. */
struct xfer {
  CURL *h;
  struct pf_https_result *r;
  enum pf_https_service service;
  struct curl_slist *connect_to;
  size_t hdr_bytes;
  int hdr_overflow;
  int body_capped;
  int sock_opened;
  int tcp_connected;
  char sock_ip[64];
  struct pf_strbuf body;
  struct pf_https_svcerr se;
  char ebuf[CURL_ERROR_SIZE];
};

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
  struct xfer *x = arg;
  size_t len = size * n;
  x->hdr_bytes += len;
  if (x->hdr_bytes > PF_HTTPSC_HDR_MAX) {
    x->hdr_overflow = 1;
    return 0;              /* libcurl stops the transfer */
  }
  pf_httpsc_header(buf, len, &x->se);
  return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
  struct xfer *x = arg;
  size_t len = size * n;
  if (pf_strbuf_addn(&x->body, buf, len) != PF_OK) {
    /* past the cap: what was kept decides; stop reading */
    pf_strbuf_addn(&x->body, buf, PF_HTTPSC_BODY_MAX - x->body.len);
    x->body_capped = 1;
    return 0;
  }
  return len;
}

/* Records the address each connect attempt goes to (so a refused or
 * timed-out connect still names it) and that resolution finished. */
/* libcurl 7.88 sets CONNECT_TIME only once TLS is up too, so whether
 * the TCP handshake completed (a server that accepts and never answers
 * TLS) is read from the socket as libcurl closes it. */
static int on_close(void *arg, curl_socket_t fd)
{
  struct xfer *x = arg;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  if (!getpeername(fd, (struct sockaddr *)&ss, &sl))
    x->tcp_connected = 1;
  return close(fd);
}

static curl_socket_t on_open(void *arg, curlsocktype purpose,
                             struct curl_sockaddr *a)
{
  struct xfer *x = arg;
  (void)purpose;
  x->sock_opened = 1;
  if (a->family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(void *)&a->addr)
                            ->sin_addr, x->sock_ip, sizeof(x->sock_ip));
  else if (a->family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(void *)&a->addr)
                             ->sin6_addr, x->sock_ip, sizeof(x->sock_ip));
  return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* "IP", "IP:PORT", "[V6]" or "[V6]:PORT" -> curl's "::HOST:PORT" (any
 * host and port of this handle's URL go to HOST:PORT; an empty port keeps
 * the URL's).  \return 0, or -1 when it is not an address. */
static int connect_to_spec(const char *ct, char *out, size_t n)
{
  char ip[64];
  const char *port = "";
  unsigned char bin[16];
  size_t len;
  const char *c;
  int v6 = 0;
  long pv;
  char *end;

  if (ct[0] == '[') {
    if (!(c = strchr(ct, ']')))
      return -1;
    len = (size_t)(c - ct - 1);
    if (len == 0 || len >= sizeof(ip))
      return -1;
    memcpy(ip, ct + 1, len);
    ip[len] = '\0';
    if (c[1] == ':')
      port = c + 2;
    else if (c[1])
      return -1;
    v6 = 1;
  } else if ((c = strchr(ct, ':')) && !strchr(c + 1, ':')) {
    len = (size_t)(c - ct);
    if (len == 0 || len >= sizeof(ip))
      return -1;
    memcpy(ip, ct, len);
    ip[len] = '\0';
    port = c + 1;
  } else {
    if (strlen(ct) >= sizeof(ip))
      return -1;
    snprintf(ip, sizeof(ip), "%s", ct);
    v6 = strchr(ct, ':') != NULL;
  }
  if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, bin) != 1)
    return -1;
  if (*port) {
    errno = 0;
    pv = strtol(port, &end, 10);
    if (*end || errno || pv < 1 || pv > 65535 || port[0] == '+' ||
        port[0] == '-')
      return -1;
  } else if (ct[strlen(ct) - 1] == ':') {
    return -1;
  }
  snprintf(out, n, v6 ? "::[%s]:%s" : "::%s:%s", ip, port);
  return 0;
}

/* A URL the probe may send: https, no user info (credentials are never
 * sent), no SAS signature in the query. \return NULL or the reason. */
const char *pf_https_url_problem(const char *url)
{
  CURLU *u;
  char *v = NULL;
  const char *why = NULL;
  CURLUcode rc;

  if (!url || strncasecmp(url, "https://", 8))
    return "not an https:// URL";
  if (!(u = curl_url()))
    return "out of memory";
  if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
    why = "not a valid URL";
  } else if (curl_url_get(u, CURLUPART_USER, &v, 0) == CURLUE_OK) {
    why = "user info in the URL: probes never send credentials";
  } else {
    rc = curl_url_get(u, CURLUPART_QUERY, &v, 0);
    if (rc == CURLUE_OK && v &&
        (!strncasecmp(v, "sig=", 4) || strcasestr(v, "&sig=")))
      why = "a SAS signature in the URL: probes never send credentials";
  }
  curl_free(v);
  curl_url_cleanup(u);
  return why;
}

static pf_status check_args(const struct pf_https_target *t, size_t n,
                            const struct pf_https_opts *o, struct pf_err *err)
{
  size_t i;
  const char *why;
  char spec[128];
  FILE *f;

  if (!o || o->timeout_ms <= 0)
    return pf_err_set(err, PF_EINVAL, "timeout: must be > 0 ms");
  if (o->ca_file) {
    if (!(f = fopen(o->ca_file, "r")))
      return pf_err_set(err, PF_EINVAL, "%s: cannot read the CA file: %s",
                        o->ca_file, strerror(errno));
    fclose(f);
  }
  for (i = 0; i < n; i++) {
    if ((why = pf_https_url_problem(t[i].url)))
      return pf_err_set(err, PF_EINVAL, "targets[%zu].url: %s", i, why);
    if ((unsigned)t[i].service >= PF_HTTPS_SERVICE_COUNT)
      return pf_err_set(err, PF_EINVAL, "targets[%zu].service: unknown", i);
    if (t[i].connect_to &&
        connect_to_spec(t[i].connect_to, spec, sizeof(spec)))
      return pf_err_set(err, PF_EINVAL,
                        "targets[%zu].connect_to: not IP, IP:PORT or "
                        "[IPv6]:PORT: '%.64s'", i, t[i].connect_to);
  }
  return PF_OK;
}

static pf_status start(CURLM *m, struct xfer *x,
                       const struct pf_https_target *t,
                       const struct pf_https_opts *o)
{
  char spec[128];
  CURL *h;

  if (!(h = curl_easy_init()))
    return PF_ENOMEM;
  x->h = h;
  if (t->connect_to) {
    connect_to_spec(t->connect_to, spec, sizeof(spec));
    if (!(x->connect_to = curl_slist_append(NULL, spec)))
      return PF_ENOMEM;
    curl_easy_setopt(h, CURLOPT_CONNECT_TO, x->connect_to);
  }
  curl_easy_setopt(h, CURLOPT_URL, t->url);
  curl_easy_setopt(h, CURLOPT_PRIVATE, x);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  /* verification is never turned off (issue 5, SEC-8) */
  pf_http_verify_tls(h, o->ca_file);
  /* nothing outside the plan: no proxy from the environment */
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  /* each probe measures its own connection */
  curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "preflight-probe");
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x);
  curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close);
  curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, x);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->ebuf);
  if (curl_multi_add_handle(m, h) != CURLM_OK)
    return PF_ENOMEM;
  return PF_OK;
}

static double ms(curl_off_t us)
{
  return (double)us / 1000.0;
}

static void finish(struct xfer *x, CURLcode rc)
{
  struct pf_https_result *r = x->r;
  struct pf_httpsc_transport tr;
  curl_off_t dns = 0, con = 0, app = 0, pre = 0, first = 0, total = 0;
  char *ip = NULL;
  const char *msg;

  memset(&tr, 0, sizeof(tr));
  tr.result = (int)rc;
  curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &tr.os_errno);
  curl_easy_getinfo(x->h, CURLINFO_SSL_VERIFYRESULT, &tr.verify_result);
  curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &tr.status);
  curl_easy_getinfo(x->h, CURLINFO_NAMELOOKUP_TIME_T, &dns);
  curl_easy_getinfo(x->h, CURLINFO_CONNECT_TIME_T, &con);
  curl_easy_getinfo(x->h, CURLINFO_APPCONNECT_TIME_T, &app);
  curl_easy_getinfo(x->h, CURLINFO_PRETRANSFER_TIME_T, &pre);
  curl_easy_getinfo(x->h, CURLINFO_STARTTRANSFER_TIME_T, &first);
  curl_easy_getinfo(x->h, CURLINFO_TOTAL_TIME_T, &total);
  curl_easy_getinfo(x->h, CURLINFO_PRIMARY_IP, &ip);
  tr.sock_opened = x->sock_opened;
  tr.connected = x->tcp_connected || con > 0 || tr.status > 0;
  tr.tls_done = app > 0 || tr.status > 0;
  tr.hdr_overflow = x->hdr_overflow;
  tr.body_capped = x->body_capped;

  msg = x->ebuf[0] ? x->ebuf : (rc != CURLE_OK ? curl_easy_strerror(rc)
                                               : "");
  r->outcome = pf_httpsc_outcome(&tr, msg, r->detail, sizeof(r->detail));
  r->status = r->outcome == PF_HTTPS_ANSWERED ? tr.status : 0;
  if (r->outcome == PF_HTTPS_ANSWERED) {
    pf_httpsc_body(pf_strbuf_str(&x->body), x->body.len, &x->se);
    snprintf(r->error_code, sizeof(r->error_code), "%s", x->se.code);
    snprintf(r->inner_code, sizeof(r->inner_code), "%s", x->se.inner);
    if (x->se.message[0])
      snprintf(r->detail, sizeof(r->detail), "%s", x->se.message);
    else
      snprintf(r->detail, sizeof(r->detail), "HTTP %ld%s", tr.status,
               x->body_capped ? " (body read up to 16 KiB)" : "");
  }
  r->verdict = pf_httpsc_verdict(x->service, r->outcome, r->status, &x->se,
                                 &r->why, &r->firewall_known);
  snprintf(r->ip, sizeof(r->ip), "%s",
           ip && *ip ? ip : x->sock_ip);

  r->t_total_ms = ms(total);
  r->t_dns_ms = x->sock_opened ? ms(dns) : -1;
  r->t_connect_ms = con > 0 && con >= dns ? ms(con - dns) : -1;
  r->t_tls_ms = app > 0 && app >= con ? ms(app - con) : -1;
  r->t_first_byte_ms = first > 0 && first >= pre ? ms(first - pre) : -1;
}

static void release(CURLM *m, struct xfer *x)
{
  if (x->h) {
    curl_multi_remove_handle(m, x->h);
    curl_easy_cleanup(x->h);
    x->h = NULL;
  }
  curl_slist_free_all(x->connect_to);
  x->connect_to = NULL;
  pf_strbuf_release(&x->body);
}

pf_status pf_https_probe(const struct pf_https_target *t, size_t n,
                         const struct pf_https_opts *o,
                         struct pf_https_result *out, struct pf_err *err)
{
  struct xfer *xs;
  CURLM *m;
  CURLMsg *msg;
  size_t next = 0, active = 0, done = 0, cap, i;
  int still, left;
  pf_status st;

  if (n == 0)
    return PF_OK;
  if (!t || !out)
    return pf_err_set(err, PF_EINVAL, "no targets");
  if ((st = check_args(t, n, o, err)) != PF_OK)
    return st;
  cap = o->concurrency == 0 || o->concurrency > n ? n : o->concurrency;
  if (!(xs = pf_calloc(n, sizeof(*xs))))
    return pf_err_set(err, PF_ENOMEM, "out of memory");
  /* libcurl counts its initialisations, so this nests with other users */
  if (pf_http_global_init() != PF_OK) {
    pf_free(xs);
    return pf_err_set(err, PF_ENOMEM, "libcurl initialisation failed");
  }
  if (!(m = curl_multi_init())) {
    pf_http_global_cleanup();
    pf_free(xs);
    return pf_err_set(err, PF_ENOMEM, "out of memory");
  }
  for (i = 0; i < n; i++) {
    memset(&out[i], 0, sizeof(out[i]));
    xs[i].r = &out[i];
    xs[i].service = t[i].service;
    pf_strbuf_init(&xs[i].body, PF_HTTPSC_BODY_MAX);
  }
  st = PF_OK;
  while (done < n && st == PF_OK) {
    while (active < cap && next < n && st == PF_OK) {
      st = start(m, &xs[next], &t[next], o);
      next++;
      active++;
    }
    if (st != PF_OK)
      break;
    if (curl_multi_perform(m, &still) != CURLM_OK) {
      st = PF_ENOMEM;
      break;
    }
    while ((msg = curl_multi_info_read(m, &left))) {
      struct xfer *x = NULL;
      if (msg->msg != CURLMSG_DONE)
        continue;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
      finish(x, msg->data.result);
      release(m, x);
      active--;
      done++;
    }
    if (done < n && active > 0 &&
        curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
      st = PF_ENOMEM;
  }
  for (i = 0; i < n; i++)
    release(m, &xs[i]);
  curl_multi_cleanup(m);
  pf_http_global_cleanup();
  pf_free(xs);
  if (st != PF_OK)
    return pf_err_set(err, st, "HTTPS probes: %s", pf_strerror(st));
  return PF_OK;
}
