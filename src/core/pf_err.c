/* SPDX-License-Identifier: MIT */
/* pf_err.c - status names and the first-error-wins error object */
#include "pf_err.h"

#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
#define PF_STATUS_NAME(name, text) "PF_" #name,
  PF_STATUS_MAP(PF_STATUS_NAME)
#undef PF_STATUS_NAME
};

static const char *const status_texts[] = {
#define PF_STATUS_TEXT(name, text) text,
  PF_STATUS_MAP(PF_STATUS_TEXT)
#undef PF_STATUS_TEXT
};

const char *pf_errname(pf_status s)
{
  if ((unsigned)s >= PF_STATUS_MAX)
    return "PF_UNKNOWN";
  return status_names[s];
}

const char *pf_strerror(pf_status s)
{
  if ((unsigned)s >= PF_STATUS_MAX)
    return "unknown status";
  return status_texts[s];
}

void pf_err_clear(struct pf_err *err)
{
  if (!err)
    return;
  err->code = PF_OK;
  err->msg[0] = '\0';
}

int pf_err_isset(const struct pf_err *err)
{
  return err && err->code != PF_OK;
}

pf_status pf_err_vset(struct pf_err *err, pf_status code, const char *fmt,
                      va_list ap)
{
  if (!err || err->code != PF_OK)
    return code;
  err->code = code == PF_OK ? PF_EINVAL : code;
  vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  /* messages quote untrusted input: never let it break the line or drive
   * the terminal */
  {
    char *p;
    for (p = err->msg; *p; p++)
      if ((unsigned char)*p < 0x20 || *p == 0x7F)
        *p = '?';
  }
  return code;
}

pf_status pf_err_set(struct pf_err *err, pf_status code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  pf_err_vset(err, code, fmt, ap);
  va_end(ap);
  return code;
}

void pf_err_prefix(struct pf_err *err, const char *fmt, ...)
{
  char pre[PF_ERR_MSG_MAX];
  char old[PF_ERR_MSG_MAX];
  va_list ap;

  if (!err || err->code == PF_OK)
    return;
  va_start(ap, fmt);
  vsnprintf(pre, sizeof(pre), fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof(old));
  {
    /* "pre: old", cut at the buffer size */
    size_t np = strlen(pre), no = strlen(old), cap = sizeof(err->msg) - 1;
    size_t at = 0;
    if (np > cap)
      np = cap;
    memcpy(err->msg, pre, np);
    at = np;
    if (at + 2 <= cap) {
      memcpy(err->msg + at, ": ", 2);
      at += 2;
    }
    if (no > cap - at)
      no = cap - at;
    memcpy(err->msg + at, old, no);
    err->msg[at + no] = '\0';
  }
}
