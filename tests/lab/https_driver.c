/* SPDX-License-Identifier: MIT */
/* https_driver.c - test driver for pf_https_probe (tests/lab/https-lab.sh)
 *
 * usage: https_driver PLAN.json
 *
 * PLAN: {"ca_file": "ca.pem" | null, "timeout_ms": 3000, "concurrency": 0,
 *        "targets": [{"name": "...", "url": "https://...",
 *                     "service": "blob", "connect_to": "IP:PORT"}]}
 * Prints {"elapsed_ms": N, "results": [{"name", "outcome", "verdict",
 * "status", "error_code", "inner_code", "detail", "ip", "firewall_known",
 * "why", "t_dns_ms", ...}]}.  Test-only: `preflight probe` is the command.
 * Exit 0 after probing, 2 for a bad plan or a refused target.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/pf_err.h"
#include "core/pf_file.h"
#include "core/pf_jsonr.h"
#include "core/pf_jw.h"
#include "core/pf_mem.h"
#include "../../probes/pf_https_probe.h"

struct item {                /* owned strings of one target */
  char *name, *url, *connect_to;
  enum pf_https_service service;
};

struct plan {
  char *ca_file;
  long timeout_ms;
  size_t concurrency;
  struct item *it;
  size_t n, cap;
};

static char *dup_tok(const struct pf_jsonr *r)
{
  return pf_strndup(r->str, r->len);
}

static pf_status read_target(struct pf_jsonr *r, struct plan *p)
{
  enum pf_jtok tok;
  struct item *t;

  if (PF_GROW(p->it, p->cap, p->n + 1))
    return PF_ENOMEM;
  t = &p->it[p->n++];
  memset(t, 0, sizeof(*t));
  t->service = PF_HTTPS_OTHER;
  while ((tok = pf_jsonr_next(r)) == PF_JT_KEY) {
    char key[32];
    snprintf(key, sizeof(key), "%.*s", (int)r->len, r->str);
    tok = pf_jsonr_next(r);
    if (!strcmp(key, "name") && tok == PF_JT_STRING) {
      t->name = dup_tok(r);
    } else if (!strcmp(key, "url") && tok == PF_JT_STRING) {
      t->url = dup_tok(r);
    } else if (!strcmp(key, "connect_to") && tok == PF_JT_STRING) {
      t->connect_to = dup_tok(r);
    } else if (!strcmp(key, "service") && tok == PF_JT_STRING) {
      char *s = dup_tok(r);
      int bad = !s || pf_https_service_parse(s, &t->service);
      pf_free(s);
      if (bad)
        return pf_jsonr_fail(r, PF_EINVAL, "unknown service");
    } else {
      return pf_jsonr_fail(r, PF_EINVAL, "unknown member or wrong type");
    }
  }
  return tok == PF_JT_OBJ_END ? PF_OK : pf_jsonr_fail(r, PF_EPARSE, "bad");
}

static pf_status read_plan(const char *buf, size_t len, struct plan *p,
                           struct pf_err *err)
{
  struct pf_jsonr r;
  enum pf_jtok tok;
  int64_t v;
  pf_status st = PF_OK;

  pf_jsonr_init(&r, buf, len, 8);
  if (pf_jsonr_next(&r) != PF_JT_OBJ_BEGIN)
    st = pf_jsonr_fail(&r, PF_EPARSE, "expected an object");
  while (st == PF_OK && (tok = pf_jsonr_next(&r)) == PF_JT_KEY) {
    char key[32];
    snprintf(key, sizeof(key), "%.*s", (int)r.len, r.str);
    tok = pf_jsonr_next(&r);
    if (!strcmp(key, "ca_file") && tok == PF_JT_STRING) {
      p->ca_file = dup_tok(&r);
    } else if (!strcmp(key, "ca_file") && tok == PF_JT_NULL) {
      p->ca_file = NULL;
    } else if (!strcmp(key, "timeout_ms") && tok == PF_JT_NUMBER &&
               !pf_jsonr_int(&r, 1, 3600000, &v)) {
      p->timeout_ms = (long)v;
    } else if (!strcmp(key, "concurrency") && tok == PF_JT_NUMBER &&
               !pf_jsonr_int(&r, 0, 100000, &v)) {
      p->concurrency = (size_t)v;
    } else if (!strcmp(key, "targets") && tok == PF_JT_ARR_BEGIN) {
      while (st == PF_OK && (tok = pf_jsonr_next(&r)) == PF_JT_OBJ_BEGIN)
        st = read_target(&r, p);
      if (st == PF_OK && tok != PF_JT_ARR_END)
        st = pf_jsonr_fail(&r, PF_EPARSE, "expected a target object");
    } else {
      st = pf_jsonr_fail(&r, PF_EINVAL, "unknown member or wrong type");
    }
  }
  if (st == PF_OK && pf_jsonr_error(&r)->code != PF_OK)
    st = pf_jsonr_error(&r)->code;
  if (st != PF_OK)
    pf_err_set(err, st, "%s", pf_jsonr_error(&r)->msg);
  pf_jsonr_release(&r);
  return st;
}

static void kms(struct pf_jw *w, const char *k, double v)
{
  char num[64];
  snprintf(num, sizeof(num), "%.3f", v);
  pf_jw_key(w, k);
  pf_jw_raw(w, num);
}

int main(int argc, char **argv)
{
  struct plan p;
  struct pf_err err;
  struct pf_https_opts o;
  struct pf_https_result *res;
  struct pf_https_target *t = NULL;
  struct pf_jw w;
  struct timespec a, b;
  char *buf = NULL;
  size_t len, i;
  int rc = 0;

  memset(&p, 0, sizeof(p));
  pf_err_clear(&err);
  p.timeout_ms = 3000;
  if (argc != 2) {
    fprintf(stderr, "usage: https_driver PLAN.json\n");
    return 2;
  }
  if (pf_file_read(argv[1], 1 << 20, &buf, &len, &err) ||
      read_plan(buf, len, &p, &err)) {
    fprintf(stderr, "https_driver: %s: %s\n", argv[1], err.msg);
    rc = 2;
    goto out;
  }
  if (!(res = pf_calloc(p.n ? p.n : 1, sizeof(*res))) ||
      !(t = pf_calloc(p.n ? p.n : 1, sizeof(*t)))) {
    pf_free(res);
    rc = 2;
    goto out;
  }
  for (i = 0; i < p.n; i++) {
    t[i].url = p.it[i].url;
    t[i].service = p.it[i].service;
    t[i].connect_to = p.it[i].connect_to;
  }
  o.ca_file = p.ca_file;
  o.timeout_ms = p.timeout_ms;
  o.concurrency = p.concurrency;
  clock_gettime(CLOCK_MONOTONIC, &a);
  if (pf_https_probe(t, p.n, &o, res, &err) != PF_OK) {
    fprintf(stderr, "https_driver: %s\n", err.msg);
    pf_free(res);
    rc = 2;
    goto out;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  pf_jw_init(&w, stdout, 1);
  pf_jw_obj(&w);
  kms(&w, "elapsed_ms", (double)(b.tv_sec - a.tv_sec) * 1e3 +
                        (double)(b.tv_nsec - a.tv_nsec) / 1e6);
  pf_jw_key(&w, "results");
  pf_jw_arr(&w);
  for (i = 0; i < p.n; i++) {
    const struct pf_https_result *r = &res[i];
    pf_jw_obj(&w);
    pf_jw_kstr(&w, "name", p.it[i].name);
    pf_jw_kstr(&w, "service", pf_https_service_name(p.it[i].service));
    pf_jw_kstr(&w, "outcome", pf_https_outcome_name(r->outcome));
    pf_jw_kstr(&w, "verdict", pf_https_verdict_name(r->verdict));
    pf_jw_kint(&w, "status", r->status);
    pf_jw_kstr(&w, "error_code", r->error_code);
    pf_jw_kstr(&w, "inner_code", r->inner_code);
    pf_jw_kstr(&w, "detail", r->detail);
    pf_jw_kstr(&w, "ip", r->ip);
    pf_jw_kbool(&w, "firewall_known", r->firewall_known);
    pf_jw_kstr(&w, "why", r->why);
    kms(&w, "t_dns_ms", r->t_dns_ms);
    kms(&w, "t_connect_ms", r->t_connect_ms);
    kms(&w, "t_tls_ms", r->t_tls_ms);
    kms(&w, "t_first_byte_ms", r->t_first_byte_ms);
    kms(&w, "t_total_ms", r->t_total_ms);
    pf_jw_obj_end(&w);
  }
  pf_jw_arr_end(&w);
  pf_jw_obj_end(&w);
  pf_jw_end(&w);
  pf_free(res);
out:
  for (i = 0; i < p.n; i++) {
    pf_free(p.it[i].url);
    pf_free(p.it[i].connect_to);
    pf_free(p.it[i].name);
  }
  pf_free(p.it);
  pf_free(t);
  pf_free(p.ca_file);
  pf_free(buf);
  return rc;
}
