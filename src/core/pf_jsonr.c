/* SPDX-License-Identifier: MIT */
/* pf_jsonr.c - bounded, strict, streaming JSON reader
 *
 * specification: RFC 8259 (grammar, section 7 strings and escapes, section
 * 8.1 UTF-8).  The parser is a table of per-frame states; nothing recurses,
 * so the nesting limit is the only stack the input can grow.
 */
#include "pf_jsonr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_mem.h"

enum {
  S_ROOT,       /* expect the root value */
  S_ROOT_DONE,  /* expect end of input */
  S_OBJ_FIRST,  /* after '{': member name or '}' */
  S_OBJ_KEY,    /* after ',': member name */
  S_OBJ_COLON,  /* after a name: ':' and a value */
  S_OBJ_NEXT,   /* after a value: ',' or '}' */
  S_ARR_FIRST,  /* after '[': value or ']' */
  S_ARR_NEXT    /* after a value: ',' or ']' */
};

#define STRING_MAX ((size_t)64 << 20)

void pf_jsonr_init(struct pf_jsonr *r, const char *buf, size_t len,
                   unsigned max_depth)
{
  memset(r, 0, sizeof(*r));
  r->start = buf;
  r->p = buf;
  r->end = buf + len;
  if (len >= 3 && (unsigned char)buf[0] == 0xEF &&
      (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
    r->p += 3;
  r->max_depth = (max_depth == 0 || max_depth > PF_JSONR_MAX_DEPTH)
                     ? PF_JSONR_MAX_DEPTH
                     : max_depth;
  r->stack[0].state = S_ROOT;
  r->tok_start = r->p;
  pf_strbuf_init(&r->scratch, STRING_MAX);
  pf_err_clear(&r->err);
}

void pf_jsonr_release(struct pf_jsonr *r)
{
  if (r)
    pf_strbuf_release(&r->scratch);
}

void pf_jsonr_release_wipe(struct pf_jsonr *r)
{
  if (r && r->scratch.buf)
    pf_mem_wipe(r->scratch.buf, r->scratch.cap);
  pf_jsonr_release(r);
}

const struct pf_err *pf_jsonr_error(const struct pf_jsonr *r)
{
  return &r->err;
}

void pf_jsonr_linecol(const struct pf_jsonr *r, const char *pos,
                      unsigned long *line, unsigned long *col)
{
  const char *q;
  unsigned long l = 1, c = 1;
  if (pos > r->end)
    pos = r->end;
  for (q = r->start; q < pos; q++) {
    if (*q == '\n') {
      l++;
      c = 1;
    } else if (((unsigned char)*q & 0xC0) != 0x80) {
      c++;
    }
  }
  *line = l;
  *col = c;
}

static void path_add_key(struct pf_strbuf *sb, const char *k, size_t n)
{
  size_t i;
  int plain = n > 0;
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)k[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
          (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '$' ||
          ch == '@')) {
      plain = 0;
      break;
    }
  }
  if (plain) {
    pf_strbuf_addc(sb, '.');
    pf_strbuf_addn(sb, k, n);
  } else {
    /* the raw key is still JSON-escaped, so it can be quoted as is */
    pf_strbuf_adds(sb, "[\"");
    pf_strbuf_addn(sb, k, n > 80 ? 80 : n);
    pf_strbuf_adds(sb, n > 80 ? "...\"]" : "\"]");
  }
}

pf_status pf_jsonr_path(const struct pf_jsonr *r, struct pf_strbuf *sb)
{
  unsigned i;
  pf_status st = pf_strbuf_addc(sb, '$');
  for (i = 1; i <= r->depth && st == PF_OK; i++) {
    const struct pf_jframe *f = &r->stack[i];
    if (f->is_array) {
      if (f->state != S_ARR_FIRST)
        st = pf_strbuf_addf(sb, "[%zu]", f->index);
    } else if (f->state != S_OBJ_FIRST && f->state != S_OBJ_KEY && f->key) {
      path_add_key(sb, f->key, f->keylen);
    }
  }
  return st;
}

static pf_status vfail_at(struct pf_jsonr *r, const char *pos, pf_status code,
                          const char *fmt, va_list ap)
{
  struct pf_strbuf sb;
  char what[512];
  unsigned long line, col;

  r->failed = 1;
  if (pf_err_isset(&r->err))
    return r->err.code;
  pf_strbuf_init(&sb, 512);
  pf_jsonr_path(r, &sb);
  pf_jsonr_linecol(r, pos, &line, &col);
  vsnprintf(what, sizeof(what), fmt, ap);
  pf_err_set(&r->err, code, "%s: line %lu, column %lu: %s",
             pf_strbuf_str(&sb), line, col, what);
  pf_strbuf_release(&sb);
  return code;
}

static pf_status fail_at(struct pf_jsonr *r, const char *pos, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));
static pf_status fail_at(struct pf_jsonr *r, const char *pos, const char *fmt,
                         ...)
{
  va_list ap;
  va_start(ap, fmt);
  vfail_at(r, pos, PF_EPARSE, fmt, ap);
  va_end(ap);
  return PF_EPARSE;
}

pf_status pf_jsonr_fail(struct pf_jsonr *r, pf_status code, const char *fmt,
                        ...)
{
  va_list ap;
  va_start(ap, fmt);
  vfail_at(r, r->tok_start, code, fmt, ap);
  va_end(ap);
  return code;
}

static void skip_ws(struct pf_jsonr *r)
{
  const char *p = r->p;
  while (p < r->end &&
         (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  r->p = p;
}

static const char *describe(const struct pf_jsonr *r, char *buf, size_t cap)
{
  unsigned char c;
  if (r->p >= r->end)
    return "end of input";
  c = (unsigned char)*r->p;
  if (c >= 0x21 && c < 0x7F)
    snprintf(buf, cap, "'%c'", c);
  else
    snprintf(buf, cap, "byte 0x%02X", c);
  return buf;
}

/* Length of a valid UTF-8 sequence at p (lead byte >= 0x80), 0 if invalid.
 * RFC 3629 section 4: no overlongs, no surrogates, max U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
  unsigned c = p[0];
  size_t n, i;
  unsigned cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if ((size_t)(end - p) < n)
    return 0;
  for (i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

static int hex4(const char *p, unsigned *out)
{
  unsigned v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static pf_status put_utf8(struct pf_strbuf *sb, unsigned cp)
{
  char b[4];
  size_t n;
  if (cp < 0x80) {
    b[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    b[0] = (char)(0xC0 | (cp >> 6));
    b[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = (char)(0xE0 | (cp >> 12));
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return pf_strbuf_addn(sb, b, n);
}

/* Read a string starting at the opening quote; sets r->str / r->len. */
static pf_status read_string(struct pf_jsonr *r)
{
  const char *p = r->p + 1;
  const char *end = r->end;
  const char *s = p;

  /* fast path: plain ASCII without escapes */
  while (p < end) {
    unsigned char c = (unsigned char)*p;
    if (c == '"') {
      r->str = s;
      r->len = (size_t)(p - s);
      r->p = p + 1;
      return PF_OK;
    }
    if (c == '\\')
      break;
    if (c < 0x20)
      return fail_at(r, p, "control character 0x%02X in string", c);
    if (c >= 0x80) {
      size_t n = utf8_seq((const unsigned char *)p, (const unsigned char *)end);
      if (!n)
        return fail_at(r, p, "invalid UTF-8 in string");
      p += n;
    } else {
      p++;
    }
  }
  if (p >= end)
    return fail_at(r, r->p, "unterminated string");

  /* slow path: decode escapes into the scratch buffer */
  pf_strbuf_reset(&r->scratch);
  if (pf_strbuf_addn(&r->scratch, s, (size_t)(p - s)) != PF_OK)
    return fail_at(r, r->p, "string too long");
  while (p < end) {
    unsigned char c = (unsigned char)*p;
    pf_status st = PF_OK;
    if (c == '"') {
      r->str = pf_strbuf_str(&r->scratch);
      r->len = r->scratch.len;
      r->p = p + 1;
      return PF_OK;
    }
    if (c < 0x20)
      return fail_at(r, p, "control character 0x%02X in string", c);
    if (c == '\\') {
      if (end - p < 2)
        break;
      switch (p[1]) {
      case '"': st = pf_strbuf_addc(&r->scratch, '"'); break;
      case '\\': st = pf_strbuf_addc(&r->scratch, '\\'); break;
      case '/': st = pf_strbuf_addc(&r->scratch, '/'); break;
      case 'b': st = pf_strbuf_addc(&r->scratch, '\b'); break;
      case 'f': st = pf_strbuf_addc(&r->scratch, '\f'); break;
      case 'n': st = pf_strbuf_addc(&r->scratch, '\n'); break;
      case 'r': st = pf_strbuf_addc(&r->scratch, '\r'); break;
      case 't': st = pf_strbuf_addc(&r->scratch, '\t'); break;
      case 'u': {
        unsigned cp, lo;
        if (end - p < 6 || hex4(p + 2, &cp))
          return fail_at(r, p, "invalid \\u escape");
        p += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) ||
              lo < 0xDC00 || lo > 0xDFFF)
            return fail_at(r, p, "unpaired UTF-16 surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return fail_at(r, p - 6, "unpaired UTF-16 surrogate in \\u escape");
        } else if (cp == 0) {
          /* C strings end at NUL: "Internet\u0000x" would silently load as
           * "Internet"; no Azure value contains one */
          return fail_at(r, p - 6, "\\u0000 (NUL) is not allowed in strings");
        }
        if (put_utf8(&r->scratch, cp) != PF_OK)
          return fail_at(r, p, "string too long");
        continue;
      }
      default:
        return fail_at(r, p, "invalid escape '\\%c'",
                       (p[1] > 0x20 && p[1] < 0x7F) ? p[1] : '?');
      }
      if (st != PF_OK)
        return fail_at(r, p, "string too long");
      p += 2;
      continue;
    }
    if (c >= 0x80) {
      size_t n = utf8_seq((const unsigned char *)p, (const unsigned char *)end);
      if (!n)
        return fail_at(r, p, "invalid UTF-8 in string");
      st = pf_strbuf_addn(&r->scratch, p, n);
      p += n;
    } else {
      st = pf_strbuf_addc(&r->scratch, (char)c);
      p++;
    }
    if (st != PF_OK)
      return fail_at(r, p, "string too long");
  }
  return fail_at(r, r->p, "unterminated string");
}

static pf_status read_number(struct pf_jsonr *r)
{
  const char *p = r->p, *end = r->end, *s = p;
  char small[64];
  char *num;
  if (p < end && *p == '-')
    p++;
  if (p >= end || *p < '0' || *p > '9')
    return fail_at(r, s, "invalid number");
  if (*p == '0') {
    p++;
    if (p < end && *p >= '0' && *p <= '9')
      return fail_at(r, s, "invalid number: leading zero");
  } else {
    while (p < end && *p >= '0' && *p <= '9')
      p++;
  }
  if (p < end && *p == '.') {
    p++;
    if (p >= end || *p < '0' || *p > '9')
      return fail_at(r, s, "invalid number: digit expected after '.'");
    while (p < end && *p >= '0' && *p <= '9')
      p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-'))
      p++;
    if (p >= end || *p < '0' || *p > '9')
      return fail_at(r, s, "invalid number: digit expected in exponent");
    while (p < end && *p >= '0' && *p <= '9')
      p++;
  }
  r->str = s;
  r->len = (size_t)(p - s);
  r->p = p;
  if (r->len < sizeof(small)) {
    memcpy(small, s, r->len);
    small[r->len] = '\0';
    num = small;
  } else {
    pf_strbuf_reset(&r->scratch);
    if (pf_strbuf_addn(&r->scratch, s, r->len) != PF_OK)
      return fail_at(r, s, "number too long");
    num = r->scratch.buf;
  }
  r->num = strtod(num, NULL);
  return PF_OK;
}

static enum pf_jtok error_tok(struct pf_jsonr *r)
{
  r->failed = 1;
  return PF_JT_ERROR;
}

static enum pf_jtok read_value(struct pf_jsonr *r)
{
  const char *p = r->p;
  char dbuf[16];
  r->tok_start = p;
  if (p >= r->end)
    return fail_at(r, p, "expected a value, found end of input"),
           error_tok(r);
  switch (*p) {
  case '{':
  case '[':
    if (r->depth >= r->max_depth)
      return fail_at(r, p, "nesting deeper than %u levels", r->max_depth),
             error_tok(r);
    r->depth++;
    r->stack[r->depth].is_array = *p == '[';
    r->stack[r->depth].state = *p == '[' ? S_ARR_FIRST : S_OBJ_FIRST;
    r->stack[r->depth].index = 0;
    r->stack[r->depth].key = NULL;
    r->stack[r->depth].keylen = 0;
    r->p = p + 1;
    return *p == '[' ? PF_JT_ARR_BEGIN : PF_JT_OBJ_BEGIN;
  case '"':
    return read_string(r) == PF_OK ? PF_JT_STRING : error_tok(r);
  case 't':
    if (r->end - p >= 4 && memcmp(p, "true", 4) == 0) {
      r->p = p + 4;
      return PF_JT_TRUE;
    }
    break;
  case 'f':
    if (r->end - p >= 5 && memcmp(p, "false", 5) == 0) {
      r->p = p + 5;
      return PF_JT_FALSE;
    }
    break;
  case 'n':
    if (r->end - p >= 4 && memcmp(p, "null", 4) == 0) {
      r->p = p + 4;
      return PF_JT_NULL;
    }
    break;
  default:
    if (*p == '-' || (*p >= '0' && *p <= '9'))
      return read_number(r) == PF_OK ? PF_JT_NUMBER : error_tok(r);
    break;
  }
  fail_at(r, p, "expected a value, found %s", describe(r, dbuf, sizeof(dbuf)));
  return error_tok(r);
}

static enum pf_jtok read_key(struct pf_jsonr *r, struct pf_jframe *f)
{
  r->tok_start = r->p;
  if (read_string(r) != PF_OK)
    return error_tok(r);
  /* the raw text between the quotes, for paths (stable across scratch) */
  f->key = r->tok_start + 1;
  f->keylen = (size_t)(r->p - 1 - f->key);
  f->state = S_OBJ_COLON;
  return PF_JT_KEY;
}

static enum pf_jtok close_frame(struct pf_jsonr *r, enum pf_jtok tok)
{
  r->tok_start = r->p;
  r->p++;
  r->depth--;
  if (r->depth == 0)
    r->stack[0].state = S_ROOT_DONE;
  return tok;
}

enum pf_jtok pf_jsonr_next(struct pf_jsonr *r)
{
  struct pf_jframe *f;
  char dbuf[16];

  if (r->failed)
    return PF_JT_ERROR;
  skip_ws(r);
  f = &r->stack[r->depth];
  switch (f->state) {
  case S_ROOT:
    f->state = S_ROOT_DONE;
    return read_value(r);
  case S_ROOT_DONE:
    if (r->p < r->end) {
      r->tok_start = r->p;
      fail_at(r, r->p, "unexpected %s after the JSON value",
              describe(r, dbuf, sizeof(dbuf)));
      return error_tok(r);
    }
    r->done = 1;
    return PF_JT_EOF;
  case S_OBJ_FIRST:
    if (r->p < r->end && *r->p == '}')
      return close_frame(r, PF_JT_OBJ_END);
    if (r->p < r->end && *r->p == '"')
      return read_key(r, f);
    fail_at(r, r->p, "expected a member name or '}', found %s",
            describe(r, dbuf, sizeof(dbuf)));
    return error_tok(r);
  case S_OBJ_KEY:
    if (r->p < r->end && *r->p == '"')
      return read_key(r, f);
    fail_at(r, r->p, "expected a member name, found %s",
            describe(r, dbuf, sizeof(dbuf)));
    return error_tok(r);
  case S_OBJ_COLON:
    if (r->p >= r->end || *r->p != ':') {
      fail_at(r, r->p, "expected ':', found %s",
              describe(r, dbuf, sizeof(dbuf)));
      return error_tok(r);
    }
    r->p++;
    skip_ws(r);
    f->state = S_OBJ_NEXT;
    return read_value(r);
  case S_OBJ_NEXT:
    if (r->p < r->end && *r->p == '}')
      return close_frame(r, PF_JT_OBJ_END);
    if (r->p < r->end && *r->p == ',') {
      r->p++;
      skip_ws(r);
      f->state = S_OBJ_KEY;
      if (r->p < r->end && *r->p == '"')
        return read_key(r, f);
      fail_at(r, r->p, "expected a member name, found %s",
              describe(r, dbuf, sizeof(dbuf)));
      return error_tok(r);
    }
    fail_at(r, r->p, "expected ',' or '}', found %s",
            describe(r, dbuf, sizeof(dbuf)));
    return error_tok(r);
  case S_ARR_FIRST:
    if (r->p < r->end && *r->p == ']')
      return close_frame(r, PF_JT_ARR_END);
    f->state = S_ARR_NEXT;
    f->index = 0;
    return read_value(r);
  case S_ARR_NEXT:
    if (r->p < r->end && *r->p == ']')
      return close_frame(r, PF_JT_ARR_END);
    if (r->p < r->end && *r->p == ',') {
      r->p++;
      skip_ws(r);
      f->index++;
      return read_value(r);
    }
    fail_at(r, r->p, "expected ',' or ']', found %s",
            describe(r, dbuf, sizeof(dbuf)));
    return error_tok(r);
  default:
    break;
  }
  fail_at(r, r->p, "internal reader state");
  return error_tok(r);
}

pf_status pf_jsonr_skip(struct pf_jsonr *r, enum pf_jtok first)
{
  unsigned target;
  if (first == PF_JT_ERROR)
    return PF_EPARSE;
  if (first != PF_JT_OBJ_BEGIN && first != PF_JT_ARR_BEGIN)
    return PF_OK;
  target = r->depth - 1;
  while (r->depth > target) {
    enum pf_jtok t = pf_jsonr_next(r);
    if (t == PF_JT_ERROR || t == PF_JT_EOF)
      return PF_EPARSE;
  }
  return PF_OK;
}

pf_status pf_jsonr_int(const struct pf_jsonr *r, int64_t min, int64_t max,
                       int64_t *out)
{
  double v = r->num;
  /* (double)INT64_MAX rounds up to 2^63: compare against the powers of two
   * first so the cast below is always defined */
  if (!(v == floor(v)) || v >= 9223372036854775808.0 ||
      v < -9223372036854775808.0)
    return PF_EINVAL;
  if ((int64_t)v < min || (int64_t)v > max)
    return PF_EINVAL;
  *out = (int64_t)v;
  return PF_OK;
}

int pf_jsonr_is(const struct pf_jsonr *r, const char *s)
{
  size_t n = strlen(s);
  return r->len == n && memcmp(r->str, s, n) == 0;
}

int pf_jsonr_ieq(const struct pf_jsonr *r, const char *s)
{
  size_t n = strlen(s), i;
  if (r->len != n)
    return 0;
  for (i = 0; i < n; i++) {
    char a = r->str[i], b = s[i];
    if (a >= 'A' && a <= 'Z')
      a = (char)(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z')
      b = (char)(b - 'A' + 'a');
    if (a != b)
      return 0;
  }
  return 1;
}
