/* SPDX-License-Identifier: MIT */
/* pf_sharedkey.c - Azure Storage Shared Key signing (KEY-2) */
#include "pf_sharedkey.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"

#define STS_MAX ((size_t)64 << 10)
#define KEY_MAX 256

void pf_sk_wipe(void *p, size_t n)
{
  pf_mem_wipe(p, n);
}

void pf_sk_date(time_t t, char buf[PF_SK_DATE_LEN])
{
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu",
                                  "Fri", "Sat"};
  static const char mons[12][4] = {"Jan", "Feb", "Mar", "Apr", "May",
                                   "Jun", "Jul", "Aug", "Sep", "Oct",
                                   "Nov", "Dec"};
  struct tm tm;
  gmtime_r(&t, &tm);
  snprintf(buf, PF_SK_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d GMT",
           days[tm.tm_wday % 7], tm.tm_mday, mons[tm.tm_mon % 12],
           tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

struct qp {
  char *name;          /* lower-cased */
  const char *value;
  size_t vlen;
};

static int qp_cmp(const void *a, const void *b)
{
  const struct qp *x = a, *y = b;
  return strcmp(x->name, y->name);
}

/* The query parameters of \p q, names lower-cased, sorted (stable for
 * equal names: the insertion index breaks ties). */
static pf_status canon_query(struct pf_strbuf *b, const char *q)
{
  struct qp *v = NULL;
  size_t n = 0, cap = 0, i;
  pf_status st = PF_OK;
  const char *p = q;

  while (p && *p) {
    const char *amp = strchr(p, '&'), *eq;
    size_t l = amp ? (size_t)(amp - p) : strlen(p), nl;
    if (l) {
      eq = memchr(p, '=', l);
      nl = eq ? (size_t)(eq - p) : l;
      if (PF_GROW(v, cap, n + 1) || !(v[n].name = pf_strndup(p, nl))) {
        st = PF_ENOMEM;
        break;
      }
      for (i = 0; i < nl; i++)
        v[n].name[i] = (char)tolower((unsigned char)v[n].name[i]);
      v[n].value = eq ? eq + 1 : p + l;
      v[n].vlen = eq ? l - nl - 1 : 0;
      n++;
    }
    p = amp ? amp + 1 : NULL;
  }
  if (st == PF_OK && n > 1) {
    /* insertion sort keeps repeated names in their order */
    for (i = 1; i < n; i++) {
      struct qp t = v[i];
      size_t j = i;
      while (j > 0 && qp_cmp(&v[j - 1], &t) > 0) {
        v[j] = v[j - 1];
        j--;
      }
      v[j] = t;
    }
  }
  for (i = 0; st == PF_OK && i < n; i++) {
    if (i > 0 && !strcmp(v[i].name, v[i - 1].name))
      st = pf_strbuf_addc(b, ',');
    else
      st = pf_strbuf_addf(b, "\n%s:", v[i].name);
    if (st == PF_OK)
      st = pf_strbuf_addn(b, v[i].value, v[i].vlen);
  }
  for (i = 0; i < n; i++)
    pf_free(v[i].name);
  pf_free(v);
  return st;
}

pf_status pf_sk_string_to_sign(const struct pf_sk_req *r, char **out)
{
  struct pf_strbuf b;
  pf_status st;
  int k;

  *out = NULL;
  if (!r->method || !r->account || !*r->account || !r->path ||
      r->path[0] != '/' || !r->date || !r->version)
    return PF_EINVAL;
  pf_strbuf_init(&b, STS_MAX);
  st = pf_strbuf_adds(&b, r->method);
  /* Content-Encoding ... Range: eleven empty standard headers */
  for (k = 0; st == PF_OK && k < 12; k++)
    st = pf_strbuf_addc(&b, '\n');
  if (st == PF_OK)
    st = pf_strbuf_addf(&b, "x-ms-date:%s\nx-ms-version:%s\n/%s%s",
                        r->date, r->version, r->account, r->path);
  if (st == PF_OK)
    st = canon_query(&b, r->query);
  if (st == PF_OK && !pf_strbuf_str(&b))
    st = PF_ENOMEM;
  if (st == PF_OK && !(*out = pf_strbuf_detach(&b)))
    st = PF_ENOMEM;
  pf_strbuf_release(&b);
  return st;
}

pf_status pf_sk_sign(const char *key_b64, const char *sts,
                     char sig[PF_SK_SIG_LEN])
{
  unsigned char key[KEY_MAX], mac[EVP_MAX_MD_SIZE];
  unsigned int mlen = 0;
  size_t kl = strlen(key_b64), i;
  int n;
  pf_status st = PF_OK;

  sig[0] = '\0';
  if (!kl || kl % 4 || kl / 4 * 3 > sizeof(key))
    return PF_EINVAL;
  for (i = 0; i < kl; i++) {
    unsigned char c = (unsigned char)key_b64[i];
    if (!isalnum(c) && c != '+' && c != '/' &&
        !(c == '=' && i + 2 >= kl))
      return PF_EINVAL;
  }
  n = EVP_DecodeBlock(key, (const unsigned char *)key_b64, (int)kl);
  if (n < 0) {
    st = PF_EINVAL;
  } else {
    /* EVP_DecodeBlock counts the padding as zero bytes */
    n -= key_b64[kl - 1] == '=';
    n -= key_b64[kl - 2] == '=';
    if (!HMAC(EVP_sha256(), key, n, (const unsigned char *)sts,
              strlen(sts), mac, &mlen) || mlen != 32)
      st = PF_EINVAL;
    else
      EVP_EncodeBlock((unsigned char *)sig, mac, (int)mlen);
  }
  pf_sk_wipe(key, sizeof(key));
  pf_sk_wipe(mac, sizeof(mac));
  return st;
}
