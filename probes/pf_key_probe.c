/* SPDX-License-Identifier: MIT */
/* pf_key_probe.c - the storage key check (KEY-2) for `keys verify` and
 * `probe`: key sources, targets, one Shared Key signed GET per datastore
 */
#include "pf_key_probe.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../src/core/pf_file.h"
#include "../src/core/pf_jsonr.h"
#include "../src/core/pf_mem.h"
#include "../src/core/pf_strbuf.h"
#include "../src/eval/pf_sharedkey.h"
#include "../src/load/pf_http.h"

#define KEYS_FILE_MAX ((size_t)1 << 20)
#define ACCOUNT_MAX 24
#define AUTH_MSG "Server failed to authenticate the request"

void pf_keysrc_init(struct pf_keysrc *k)
{
  memset(k, 0, sizeof(*k));
}

void pf_keysrc_release(struct pf_keysrc *k)
{
  size_t i;
  for (i = 0; i < k->n; i++) {
    pf_free(k->v[i].account);
    if (k->v[i].key) {
      pf_sk_wipe(k->v[i].key, strlen(k->v[i].key));
      pf_free(k->v[i].key);
    }
  }
  pf_free(k->v);
  memset(k, 0, sizeof(*k));
}

static void wipe_free(char *s)
{
  if (s) {
    pf_sk_wipe(s, strlen(s));
    pf_free(s);
  }
}

/* A string token as an owned C string (the key material is wiped by the
 * caller). */
static char *tok_dup(const struct pf_jsonr *r)
{
  return pf_strndup(r->str, r->len);
}

/* One `az storage account keys list` array, its ARR_BEGIN just read: key1
 * if it is there, else the first non-empty value.  \p *key is NULL when
 * none.  \return PF_OK, PF_EPARSE (not JSON) or PF_ENOMEM. */
static pf_status key_list(struct pf_jsonr *r, char **key)
{
  char *first = NULL, *k1 = NULL;
  enum pf_jtok t;
  pf_status st = PF_OK;

  *key = NULL;
  while (st == PF_OK && (t = pf_jsonr_next(r)) != PF_JT_ARR_END) {
    char *name = NULL, *value = NULL;
    if (t == PF_JT_ERROR || t == PF_JT_EOF) {
      st = PF_EPARSE;
      break;
    }
    if (t != PF_JT_OBJ_BEGIN) {
      st = pf_jsonr_skip(r, t);
      continue;
    }
    while (st == PF_OK && (t = pf_jsonr_next(r)) == PF_JT_KEY) {
      int is_name = pf_jsonr_is(r, "keyName");
      int is_value = pf_jsonr_is(r, "value");
      t = pf_jsonr_next(r);
      if (t == PF_JT_ERROR || t == PF_JT_EOF) {
        st = PF_EPARSE;
      } else if (t == PF_JT_STRING && (is_name || is_value)) {
        char **dst = is_name ? &name : &value;
        wipe_free(*dst);     /* a repeated member: the last one */
        if (!(*dst = tok_dup(r)))
          st = PF_ENOMEM;
      } else {
        st = pf_jsonr_skip(r, t);
      }
    }
    if (st == PF_OK && t != PF_JT_OBJ_END)
      st = PF_EPARSE;
    if (st == PF_OK && value && *value) {
      if (!k1 && name && !strcmp(name, "key1")) {
        k1 = value;
        value = NULL;
      } else if (!first) {
        first = value;
        value = NULL;
      }
    }
    pf_free(name);
    wipe_free(value);
  }
  if (st != PF_OK) {
    wipe_free(first);
    wipe_free(k1);
    return st;
  }
  if (k1) {
    wipe_free(first);
    *key = k1;
  } else {
    *key = first;
  }
  return PF_OK;
}

static pf_status add(struct pf_keysrc *k, char *account, char *key)
{
  if (PF_GROW(k->v, k->cap, k->n + 1)) {
    pf_free(account);
    wipe_free(key);
    return PF_ENOMEM;
  }
  k->v[k->n].account = account;
  k->v[k->n].key = key;
  k->n++;
  return PF_OK;
}

static pf_status parse_keys(struct pf_keysrc *k, struct pf_jsonr *r,
                            const char *path, struct pf_err *err)
{
  enum pf_jtok t = pf_jsonr_next(r);
  char *key = NULL, *account;
  pf_status st;

  if (t == PF_JT_ARR_BEGIN) {
    if ((st = key_list(r, &key)) == PF_ENOMEM)
      return pf_err_set(err, PF_ENOMEM, "out of memory");
    if (st == PF_OK && pf_jsonr_next(r) != PF_JT_EOF) {
      wipe_free(key);
      st = PF_EPARSE;
    }
    if (st != PF_OK)
      return pf_err_set(err, PF_EPARSE, "--keys %s: not the JSON of `az "
                        "storage account keys list`", path);
    if (!key)
      return pf_err_set(err, PF_EPARSE, "--keys %s: no key value in it",
                        path);
    return add(k, NULL, key) == PF_OK
               ? PF_OK
               : pf_err_set(err, PF_ENOMEM, "out of memory");
  }
  if (t != PF_JT_OBJ_BEGIN)
    return pf_err_set(err, PF_EPARSE, "--keys %s: not the JSON of `az "
                      "storage account keys list`", path);
  while ((t = pf_jsonr_next(r)) == PF_JT_KEY) {
    if (!(account = tok_dup(r)))
      return pf_err_set(err, PF_ENOMEM, "out of memory");
    t = pf_jsonr_next(r);
    st = PF_OK;
    key = NULL;
    if (t == PF_JT_ARR_BEGIN)
      st = key_list(r, &key);
    else if (t == PF_JT_ERROR || t == PF_JT_EOF)
      st = PF_EPARSE;
    if (st == PF_ENOMEM) {
      pf_free(account);
      return pf_err_set(err, PF_ENOMEM, "out of memory");
    }
    if (st != PF_OK) {
      pf_free(account);
      return pf_err_set(err, PF_EPARSE, "--keys %s: not the JSON of `az "
                        "storage account keys list`", path);
    }
    if (!key) {
      /* pf_err keeps the first message: the name is copied into it */
      pf_err_set(err, PF_EPARSE, "--keys %s: no key value for account "
                 "'%s'", path, account);
      pf_free(account);
      return PF_EPARSE;
    }
    if (add(k, account, key) != PF_OK)
      return pf_err_set(err, PF_ENOMEM, "out of memory");
  }
  if (t != PF_JT_OBJ_END || pf_jsonr_next(r) != PF_JT_EOF)
    return pf_err_set(err, PF_EPARSE, "--keys %s: not the JSON of `az "
                      "storage account keys list`", path);
  /* {} names no account: a file that verifies nothing is a mistake */
  if (!k->n)
    return pf_err_set(err, PF_EPARSE, "--keys %s: no key value in it", path);
  return PF_OK;
}

pf_status pf_keysrc_parse(struct pf_keysrc *k, const char *path,
                          const char *buf, size_t len, struct pf_err *err)
{
  struct pf_jsonr r;
  pf_status st;
  k->file = path;
  pf_jsonr_init(&r, buf, len, 8);
  st = parse_keys(k, &r, path, err);
  /* escaped key text was decoded into the reader's scratch buffer */
  pf_jsonr_release_wipe(&r);
  return st;
}

pf_status pf_keysrc_read(struct pf_keysrc *k, const char *path,
                         struct pf_err *err)
{
  struct pf_err ferr;
  char *buf = NULL;
  size_t len = 0;
  pf_status st;

  k->file = path;
  pf_err_clear(&ferr);
  if ((st = pf_file_read(path, KEYS_FILE_MAX, &buf, &len, &ferr)) != PF_OK) {
    pf_free(buf);
    return pf_err_set(err, st, "--keys %s", ferr.msg[0] ? ferr.msg : path);
  }
  st = pf_keysrc_parse(k, path, buf, len, err);
  pf_sk_wipe(buf, len);
  pf_free(buf);
  return st;
}

static int valid_account(const char *a)
{
  size_t i;
  for (i = 0; a[i]; i++)
    if (!isalnum((unsigned char)a[i]) || i >= ACCOUNT_MAX)
      return 0;
  return i >= 3;
}

void pf_kp_env_name(const char *account, char *buf, size_t cap)
{
  size_t i, p = sizeof(PF_KEY_ENV_PREFIX) - 1;
  if (!account || !valid_account(account) || cap < p + ACCOUNT_MAX + 1) {
    snprintf(buf, cap, PF_KEY_ENV_PREFIX "<ACCOUNT>");
    return;
  }
  memcpy(buf, PF_KEY_ENV_PREFIX, p);
  for (i = 0; account[i]; i++)
    buf[p + i] = (char)toupper((unsigned char)account[i]);
  buf[p + i] = '\0';
}

char *pf_keysrc_find(const struct pf_keysrc *k, const char *account,
                     int *from_array)
{
  char env[sizeof(PF_KEY_ENV_PREFIX) + ACCOUNT_MAX + 8];
  const char *v;
  size_t i;
  if (!account || !valid_account(account))
    return NULL;
  pf_kp_env_name(account, env, sizeof(env));
  if ((v = getenv(env)) && *v)
    return pf_strdup(v);
  for (i = 0; i < k->n; i++)
    if (k->v[i].account && !strcasecmp(k->v[i].account, account))
      return pf_strdup(k->v[i].key);
  for (i = 0; i < k->n; i++)
    if (!k->v[i].account) {
      *from_array = 1;
      return pf_strdup(k->v[i].key);
    }
  return NULL;
}

static int is_type(const struct pf_datastore *d, const char *t)
{
  return d->ds_type && !strcasecmp(d->ds_type, t);
}

int pf_kp_eligible(const struct pf_datastore *d)
{
  return d->account_name &&
         (d->cred == PF_CRED_KEY || d->cred == PF_CRED_UNKNOWN) &&
         (is_type(d, "AzureBlob") || is_type(d, "AzureFile"));
}

static int valid_container(const char *c)
{
  size_t i;
  for (i = 0; c[i]; i++)
    if (!(islower((unsigned char)c[i]) || isdigit((unsigned char)c[i]) ||
          c[i] == '-'))
      return 0;
  return i >= 3 && i <= 63;
}

/* <blob endpoint>/<container>?restype=container, and the path as signed */
static pf_status make_url(const struct pf_datastore *d, const char *base,
                          char **url, char **path)
{
  struct pf_strbuf u;
  const char *p;
  pf_status st;

  *url = *path = NULL;
  pf_strbuf_init(&u, 4096);
  if (base)
    st = pf_strbuf_adds(&u, base);
  else
    st = pf_strbuf_addf(&u, "https://%s.blob.%s", d->account_name,
                        d->endpoint && *d->endpoint ? d->endpoint
                                                    : "core.windows.net");
  while (st == PF_OK && pf_strbuf_str(&u)[0] &&
         pf_strbuf_str(&u)[strlen(pf_strbuf_str(&u)) - 1] == '/')
    pf_strbuf_truncate(&u, strlen(pf_strbuf_str(&u)) - 1);
  if (st == PF_OK)
    st = pf_strbuf_addf(&u, "/%s", d->container ? d->container : "");
  if (st == PF_OK && !pf_strbuf_str(&u))
    st = PF_ENOMEM;
  if (st == PF_OK) {
    /* the path as sent: after "https://host[:port]" */
    const char *s = pf_strbuf_str(&u);
    p = strlen(s) > 8 ? strchr(s + 8, '/') : NULL;
    if (!(*path = pf_strdup(p ? p : "/")))
      st = PF_ENOMEM;
  }
  if (st == PF_OK)
    st = pf_strbuf_adds(&u, "?restype=container");
  if (st == PF_OK && !(*url = pf_strdup(pf_strbuf_str(&u))))
    st = PF_ENOMEM;
  if (st != PF_OK) {
    pf_free(*path);
    *path = NULL;
  }
  pf_strbuf_release(&u);
  return st;
}

pf_status pf_kp_select(const struct pf_config *cfg, const struct pf_keysrc *k,
                       const struct pf_kp_opts *o, int require_key,
                       struct pf_kp_target **out, size_t *n,
                       struct pf_err *err)
{
  struct pf_kp_target *t = NULL;
  const char *array_account = NULL;
  size_t cap = 0, i;
  char *path;

  *out = NULL;
  *n = 0;
  for (i = 0; i < cfg->n_res[PF_K_DATASTORE]; i++) {
    const struct pf_datastore *d =
        (const struct pf_datastore *)cfg->res[PF_K_DATASTORE][i];
    char *key;
    int arr = 0;
    if (!pf_kp_eligible(d))
      continue;
    key = pf_keysrc_find(k, d->account_name, &arr);
    if (key && arr) {
      /* the array form is the keys of one account */
      if (array_account && strcasecmp(array_account, d->account_name)) {
        wipe_free(key);
        pf_kp_release(t, *n);
        *n = 0;
        return pf_err_set(err, PF_EINVAL, "--keys %s holds the keys of one "
                          "account, but accounts %s and %s need one: use "
                          "{\"<account>\": [...], ...}", k->file,
                          array_account, d->account_name);
      }
      array_account = d->account_name;
    }
    if (!key && d->cred == PF_CRED_KEY && require_key) {
      char env[64];
      pf_kp_env_name(d->account_name, env, sizeof(env));
      pf_kp_release(t, *n);
      *n = 0;
      return pf_err_set(err, PF_EINVAL, "datastore %s holds the key of "
                        "account %s: set %s or give --keys FILE",
                        d->hdr.name ? d->hdr.name : "?", d->account_name,
                        env);
    }
    if (!key && d->cred != PF_CRED_KEY)
      continue;     /* a hidden credential: a key tells it is one */
    wipe_free(key);
    if (PF_GROW(t, cap, *n + 1)) {
      pf_kp_release(t, *n);
      *n = 0;
      return pf_err_set(err, PF_ENOMEM, "out of memory");
    }
    memset(&t[*n], 0, sizeof(t[*n]));
    t[*n].d = d;
    t[*n].has_key = key != NULL;
    t[*n].status = PF_KP_UNKNOWN;
    (*n)++;
    /* the URL of a request that is sent; NULL for one that is not */
    if (pf_kp_unsent(&t[*n - 1], NULL, 0))
      continue;
    if (make_url(d, o->base, &t[*n - 1].url, &path) != PF_OK) {
      pf_kp_release(t, *n);
      *n = 0;
      return pf_err_set(err, PF_ENOMEM, "out of memory");
    }
    pf_free(path);
  }
  *out = t;
  return PF_OK;
}

void pf_kp_release(struct pf_kp_target *t, size_t n)
{
  size_t i;
  for (i = 0; t && i < n; i++)
    pf_free(t[i].url);
  pf_free(t);
}

int pf_kp_unsent(const struct pf_kp_target *t, char *why, size_t cap)
{
  const struct pf_datastore *d = t->d;
  if (!t->has_key) {
    char env[64];
    pf_kp_env_name(d->account_name, env, sizeof(env));
    snprintf(why, cap, "no key given for account %s: set %s or give it in "
             "--keys FILE", d->account_name, env);
    return 1;
  }
  if (is_type(d, "AzureFile")) {
    snprintf(why, cap, "an AzureFile share: verify checks Blob containers "
             "only");
    return 1;
  }
  if (!d->container || !valid_container(d->container)) {
    snprintf(why, cap, "no valid container name in the export: not sent");
    return 1;
  }
  return 0;
}

const char *pf_kp_status_name(enum pf_kp_status s)
{
  return s == PF_KP_PASS ? "pass" : s == PF_KP_FAIL ? "fail" : "unknown";
}

/* Send the signed request for \p r->d with \p key; fill the result. */
static pf_status probe_one(struct pf_kp_target *r, const char *key,
                           const struct pf_kp_opts *o)
{
  const struct pf_datastore *d = r->d;
  struct pf_strbuf auth;
  struct pf_sk_req q;
  struct pf_http_resp resp;
  struct pf_http_req h;
  char date[PF_SK_DATE_LEN], sig[PF_SK_SIG_LEN], hdate[64];
  char *sts = NULL, *path = NULL, *url = NULL;
  const char *hdrs[3];
  pf_status st;

  pf_strbuf_init(&auth, 512);
  if ((st = make_url(d, o->base, &url, &path)) != PF_OK)
    goto done;
  pf_sk_date(time(NULL), date);
  q.method = "GET";
  q.account = d->account_name;
  q.path = path;
  q.query = "restype=container";
  q.date = date;
  q.version = PF_SK_VERSION;
  if ((st = pf_sk_string_to_sign(&q, &sts)) != PF_OK)
    goto done;
  if (pf_sk_sign(key, sts, sig) != PF_OK) {
    r->status = PF_KP_UNKNOWN;
    snprintf(r->msg, sizeof(r->msg), "the key given for account %s is "
             "not base64: not sent", d->account_name);
    goto done;
  }
  st = pf_strbuf_addf(&auth, "Authorization: SharedKey %s:%s",
                      d->account_name, sig);
  pf_sk_wipe(sig, sizeof(sig));
  if (st == PF_OK && !pf_strbuf_str(&auth))
    st = PF_ENOMEM;
  if (st != PF_OK)
    goto done;
  snprintf(hdate, sizeof(hdate), "x-ms-date: %s", date);
  hdrs[0] = hdate;
  hdrs[1] = "x-ms-version: " PF_SK_VERSION;
  hdrs[2] = pf_strbuf_str(&auth);
  memset(&h, 0, sizeof(h));   /* body_max, allow_http: off */
  h.url = url;
  h.headers = hdrs;
  h.n_headers = 3;
  h.ca_file = o->ca_file;
  h.timeout_ms = o->timeout_ms;
  if ((st = pf_http_get(&h, &resp)) != PF_OK) {
    if (st == PF_EINVAL) {
      r->status = PF_KP_UNKNOWN;
      snprintf(r->msg, sizeof(r->msg), "not an https URL: %s", url);
      st = PF_OK;
    }
    goto done;
  }
  r->http = resp.status;
  snprintf(r->code, sizeof(r->code), "%s", resp.error_code);
  if (resp.status == 0) {
    r->status = PF_KP_UNKNOWN;
    snprintf(r->msg, sizeof(r->msg), "unreachable: %s", resp.error);
  } else if (resp.status == 200) {
    r->status = PF_KP_PASS;
    snprintf(r->msg, sizeof(r->msg), "authenticates");
  } else if (resp.status == 404 &&
             !strcmp(resp.error_code, "ContainerNotFound")) {
    r->status = PF_KP_PASS;
    snprintf(r->msg, sizeof(r->msg), "authenticates (but container %s "
             "does not exist)", d->container);
  } else if (resp.status == 403 &&
             (!strcmp(resp.error_code, "AuthenticationFailed") ||
              !strncmp(resp.message, AUTH_MSG, sizeof(AUTH_MSG) - 1))) {
    /* Azure answers AuthenticationFailed; Azurite AuthorizationFailure
     * with the same message.  The firewall's AuthorizationFailure says
     * "This request is not authorized to perform this operation." */
    r->status = PF_KP_FAIL;
    snprintf(r->msg, sizeof(r->msg), "key rejected: stale after a "
             "rotation (re-register the datastore / sync-keys)");
  } else if (resp.status == 403 &&
             !strcmp(resp.error_code, "AuthorizationFailure")) {
    r->status = PF_KP_UNKNOWN;
    snprintf(r->msg, sizeof(r->msg), "the storage firewall blocked this "
             "client%s%s", resp.message[0] ? ": " : "", resp.message);
  } else {
    r->status = PF_KP_UNKNOWN;
    snprintf(r->msg, sizeof(r->msg), "unexpected answer: HTTP %ld%s%s",
             resp.status, resp.error_code[0] ? " " : "", resp.error_code);
  }
  pf_http_resp_release(&resp);
done:
  if (auth.buf)
    pf_sk_wipe(auth.buf, auth.len);
  pf_strbuf_release(&auth);
  pf_free(sts);
  pf_free(path);
  pf_free(url);
  return st;
}

/* The requests run in at most KP_THREADS threads at once, so n requests
 * take about one timeout, not n (issue 5: "total time about one timeout
 * however many targets").  Each thread writes only its own targets. */
#define KP_THREADS 16

struct kp_pool {
  struct pf_kp_target *t;
  size_t n, next;
  const struct pf_keysrc *k;
  const struct pf_kp_opts *o;
  pthread_mutex_t mu;
  pf_status st;
  struct pf_err *err;
};

static void *kp_worker(void *arg)
{
  struct kp_pool *p = arg;
  for (;;) {
    struct pf_kp_target *r;
    pf_status st;
    char *key;
    int arr = 0;
    size_t i;
    pthread_mutex_lock(&p->mu);
    i = p->st == PF_OK ? p->next++ : p->n;
    pthread_mutex_unlock(&p->mu);
    if (i >= p->n)
      return NULL;
    r = &p->t[i];
    if (pf_kp_unsent(r, NULL, 0))
      continue;
    if (!(key = pf_keysrc_find(p->k, r->d->account_name, &arr))) {
      st = PF_ENOMEM;
    } else {
      st = probe_one(r, key, p->o);
      wipe_free(key);
    }
    if (st != PF_OK) {
      pthread_mutex_lock(&p->mu);
      if (p->st == PF_OK) {
        p->st = st;
        pf_err_set(p->err, st, "%s", pf_strerror(st));
      }
      pthread_mutex_unlock(&p->mu);
    }
  }
}

pf_status pf_kp_run(struct pf_kp_target *t, size_t n,
                    const struct pf_keysrc *k, const struct pf_kp_opts *o,
                    struct pf_err *err)
{
  pthread_t th[KP_THREADS];
  struct kp_pool pool;
  size_t i, send = 0, nth = 0;

  for (i = 0; i < n; i++) {
    t[i].status = PF_KP_UNKNOWN;
    t[i].http = 0;
    t[i].code[0] = '\0';
    if (pf_kp_unsent(&t[i], t[i].msg, sizeof(t[i].msg)))
      continue;
    t[i].msg[0] = '\0';
    send++;
  }
  if (!send)
    return PF_OK;
  if (pf_http_global_init() != PF_OK)
    return pf_err_set(err, PF_EIO, "cannot initialise libcurl");
  memset(&pool, 0, sizeof(pool));
  pool.t = t;
  pool.n = n;
  pool.k = k;
  pool.o = o;
  pool.st = PF_OK;
  pool.err = err;
  pthread_mutex_init(&pool.mu, NULL);
  while (nth < send && nth < KP_THREADS &&
         pthread_create(&th[nth], NULL, kp_worker, &pool) == 0)
    nth++;
  if (!nth)
    kp_worker(&pool);     /* no thread: this one does the work */
  for (i = 0; i < nth; i++)
    pthread_join(th[i], NULL);
  pthread_mutex_destroy(&pool.mu);
  pf_http_global_cleanup();
  return pool.st;
}
