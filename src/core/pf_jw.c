/* SPDX-License-Identifier: MIT */
/* pf_jw.c - streaming JSON writer */
#include "pf_jw.h"

#include <inttypes.h>
#include <string.h>

void pf_jw_init(struct pf_jw *w, FILE *f, int pretty)
{
  memset(w, 0, sizeof(*w));
  w->f = f;
  w->pretty = pretty;
}

static void indent(struct pf_jw *w)
{
  int i;
  if (!w->pretty)
    return;
  fputc('\n', w->f);
  for (i = 0; i < w->depth; i++)
    fputs("  ", w->f);
}

/* separator and indentation before a value or key */
static void before(struct pf_jw *w)
{
  if (w->after_key) {
    w->after_key = 0;
    return;
  }
  if (w->depth > 0 && w->depth < PF_JW_MAX_DEPTH) {
    if (w->count[w->depth])
      fputc(',', w->f);
    w->count[w->depth] = 1;
    indent(w);
  }
}

static void open(struct pf_jw *w, char c)
{
  before(w);
  fputc(c, w->f);
  w->depth++;
  if (w->depth < PF_JW_MAX_DEPTH)
    w->count[w->depth] = 0;
}

static void close_(struct pf_jw *w, char c)
{
  int had = w->depth < PF_JW_MAX_DEPTH && w->count[w->depth];
  w->depth--;
  if (had)
    indent(w);
  fputc(c, w->f);
}

void pf_jw_obj(struct pf_jw *w) { open(w, '{'); }
void pf_jw_obj_end(struct pf_jw *w) { close_(w, '}'); }
void pf_jw_arr(struct pf_jw *w) { open(w, '['); }
void pf_jw_arr_end(struct pf_jw *w) { close_(w, ']'); }

void pf_json_escape(FILE *f, const char *s, size_t n)
{
  size_t i, run = 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char buf[8];
    switch (c) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    default:
      if (c < 0x20 || c == 0x7F) {
        snprintf(buf, sizeof(buf), "\\u%04x", c);
        esc = buf;
      }
    }
    if (esc) {
      if (i > run)
        fwrite(s + run, 1, i - run, f);
      fputs(esc, f);
      run = i + 1;
    }
  }
  if (n > run)
    fwrite(s + run, 1, n - run, f);
}

void pf_jw_key(struct pf_jw *w, const char *k)
{
  before(w);
  fputc('"', w->f);
  pf_json_escape(w->f, k, strlen(k));
  fputs(w->pretty ? "\": " : "\":", w->f);
  w->after_key = 1;
}

void pf_jw_strn(struct pf_jw *w, const char *s, size_t n)
{
  before(w);
  fputc('"', w->f);
  pf_json_escape(w->f, s, n);
  fputc('"', w->f);
}

void pf_jw_str(struct pf_jw *w, const char *s)
{
  if (!s) {
    pf_jw_null(w);
    return;
  }
  pf_jw_strn(w, s, strlen(s));
}

void pf_jw_int(struct pf_jw *w, int64_t v)
{
  before(w);
  fprintf(w->f, "%" PRId64, v);
}

void pf_jw_uint(struct pf_jw *w, uint64_t v)
{
  before(w);
  fprintf(w->f, "%" PRIu64, v);
}

void pf_jw_bool(struct pf_jw *w, int v)
{
  before(w);
  fputs(v ? "true" : "false", w->f);
}

void pf_jw_null(struct pf_jw *w)
{
  before(w);
  fputs("null", w->f);
}

void pf_jw_raw(struct pf_jw *w, const char *json)
{
  before(w);
  fputs(json, w->f);
}

void pf_jw_end(struct pf_jw *w)
{
  fputc('\n', w->f);
}

void pf_jw_kstr(struct pf_jw *w, const char *k, const char *s)
{
  pf_jw_key(w, k);
  pf_jw_str(w, s);
}

void pf_jw_kint(struct pf_jw *w, const char *k, int64_t v)
{
  pf_jw_key(w, k);
  pf_jw_int(w, v);
}

void pf_jw_kbool(struct pf_jw *w, const char *k, int v)
{
  pf_jw_key(w, k);
  pf_jw_bool(w, v);
}
