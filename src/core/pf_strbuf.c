/* SPDX-License-Identifier: MIT */
/* pf_strbuf.c - bounded growable string buffer */
#include "pf_strbuf.h"

#include <stdio.h>
#include <string.h>

#include "pf_mem.h"

void pf_strbuf_init(struct pf_strbuf *sb, size_t max)
{
  sb->buf = NULL;
  sb->len = 0;
  sb->cap = 0;
  sb->max = max;
}

void pf_strbuf_release(struct pf_strbuf *sb)
{
  if (!sb)
    return;
  pf_free(sb->buf);
  sb->buf = NULL;
  sb->len = sb->cap = 0;
}

void pf_strbuf_reset(struct pf_strbuf *sb)
{
  sb->len = 0;
  if (sb->buf)
    sb->buf[0] = '\0';
}

pf_status pf_strbuf_addn(struct pf_strbuf *sb, const char *s, size_t n)
{
  if (n > sb->max || sb->len > sb->max - n)
    return PF_ETOOBIG;
  if (pf_grow((void **)&sb->buf, &sb->cap, sb->len + n + 1, 1))
    return PF_ENOMEM;
  if (n)
    memcpy(sb->buf + sb->len, s, n);
  sb->len += n;
  sb->buf[sb->len] = '\0';
  return PF_OK;
}

pf_status pf_strbuf_adds(struct pf_strbuf *sb, const char *s)
{
  return pf_strbuf_addn(sb, s, strlen(s));
}

pf_status pf_strbuf_addc(struct pf_strbuf *sb, char c)
{
  return pf_strbuf_addn(sb, &c, 1);
}

pf_status pf_strbuf_vaddf(struct pf_strbuf *sb, const char *fmt, va_list ap)
{
  char small[256];
  va_list ap2;
  int n;

  va_copy(ap2, ap);
  n = vsnprintf(small, sizeof(small), fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return PF_EINVAL;
  if ((size_t)n < sizeof(small))
    return pf_strbuf_addn(sb, small, (size_t)n);
  {
    size_t need = (size_t)n;
    pf_status st;
    if (need > sb->max || sb->len > sb->max - need)
      return PF_ETOOBIG;
    if (pf_grow((void **)&sb->buf, &sb->cap, sb->len + need + 1, 1))
      return PF_ENOMEM;
    vsnprintf(sb->buf + sb->len, need + 1, fmt, ap);
    sb->len += need;
    st = PF_OK;
    return st;
  }
}

pf_status pf_strbuf_addf(struct pf_strbuf *sb, const char *fmt, ...)
{
  va_list ap;
  pf_status st;
  va_start(ap, fmt);
  st = pf_strbuf_vaddf(sb, fmt, ap);
  va_end(ap);
  return st;
}

void pf_strbuf_truncate(struct pf_strbuf *sb, size_t len)
{
  if (len < sb->len) {
    sb->len = len;
    sb->buf[len] = '\0';
  }
}

const char *pf_strbuf_str(const struct pf_strbuf *sb)
{
  return sb->buf ? sb->buf : "";
}

char *pf_strbuf_detach(struct pf_strbuf *sb)
{
  char *s = sb->buf;
  if (!s)
    s = pf_strdup("");
  sb->buf = NULL;
  sb->len = sb->cap = 0;
  return s;
}
