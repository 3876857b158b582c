/* SPDX-License-Identifier: MIT */
/* pf_jsonr.h - bounded, strict, streaming JSON reader (pull tokens)
 *
 * specification: RFC 8259
 *
 * Every untrusted JSON byte passes through this reader first: it checks the
 * grammar, UTF-8, escapes and a nesting limit, and it knows the JSON path of
 * the token it is on, so any error becomes "$.a[3].b: line L, column C:
 * what is wrong".  The service tag file (4+ MB) is indexed straight from
 * the token stream, which keeps memory to the file plus the index instead
 * of a DOM five times the file size (issue 2 performance target).
 *
 * Ownership: the reader borrows the input buffer, which must outlive it.
 * String tokens point into the buffer when they hold no escape sequence and
 * into the reader's scratch buffer otherwise; either way they are valid
 * until the next call to pf_jsonr_next.
 */
#ifndef PF_JSONR_H
#define PF_JSONR_H

#include <stddef.h>
#include <stdint.h>

#include "pf_err.h"
#include "pf_strbuf.h"

#define PF_JSONR_MAX_DEPTH 128

enum pf_jtok {
  PF_JT_ERROR = 0,  /* see pf_jsonr_error */
  PF_JT_EOF,        /* the one root value was read completely */
  PF_JT_OBJ_BEGIN,
  PF_JT_OBJ_END,
  PF_JT_ARR_BEGIN,
  PF_JT_ARR_END,
  PF_JT_KEY,        /* object member name; str/len hold it */
  PF_JT_STRING,
  PF_JT_NUMBER,     /* str/len hold the literal; num the value */
  PF_JT_TRUE,
  PF_JT_FALSE,
  PF_JT_NULL
};

struct pf_jframe {
  unsigned char is_array;
  unsigned char state;
  size_t index;        /* arrays: index of the current element */
  const char *key;     /* objects: raw (escaped) text of the current key */
  size_t keylen;
};

struct pf_jsonr {
  const char *start, *p, *end;
  unsigned depth;
  unsigned max_depth;
  int done;                 /* root value complete */
  int failed;
  struct pf_jframe stack[PF_JSONR_MAX_DEPTH + 1];
  const char *tok_start;    /* where the current token began */
  const char *str;          /* current string/key/number text */
  size_t len;
  double num;
  struct pf_strbuf scratch; /* decoded strings with escapes */
  struct pf_err err;
};

/**
 * Start reading \p len bytes at \p buf.  \p max_depth (1..PF_JSONR_MAX_DEPTH,
 * 0 for the maximum) bounds nesting.  A UTF-8 byte order mark is skipped.
 */
void pf_jsonr_init(struct pf_jsonr *r, const char *buf, size_t len,
                   unsigned max_depth);
/** Free the scratch buffer. NULL-safe. */
void pf_jsonr_release(struct pf_jsonr *r);
/** Wipe the scratch buffer (escaped strings of a key or token file were
 * decoded into it), then free it.  NULL-safe. */
void pf_jsonr_release_wipe(struct pf_jsonr *r);

/** \return the next token; PF_JT_ERROR sticks once returned. */
enum pf_jtok pf_jsonr_next(struct pf_jsonr *r);

/**
 * Skip the rest of the value whose first token was just returned (an
 * object or array is consumed up to its end; scalars need nothing).
 * \return PF_OK or PF_EPARSE.
 */
pf_status pf_jsonr_skip(struct pf_jsonr *r, enum pf_jtok first);

/**
 * Interpret the current NUMBER token as an integer in [min, max].
 * \return PF_OK, or PF_EINVAL when it is fractional or out of range.
 */
pf_status pf_jsonr_int(const struct pf_jsonr *r, int64_t min, int64_t max,
                       int64_t *out);

/**
 * Append the JSON path of the current position ("$", "$.values[3].name")
 * to \p sb.
 */
pf_status pf_jsonr_path(const struct pf_jsonr *r, struct pf_strbuf *sb);

/**
 * Record an error at the current token: "<path>: line L, column C: <msg>".
 * First error wins; \return PF_EPARSE (or \p code).
 */
pf_status pf_jsonr_fail(struct pf_jsonr *r, pf_status code, const char *fmt,
                        ...) __attribute__((format(printf, 3, 4)));

/** \return the recorded error (code PF_OK when none). */
const struct pf_err *pf_jsonr_error(const struct pf_jsonr *r);

/** Line and column (1-based) of byte offset \p pos in the input. */
void pf_jsonr_linecol(const struct pf_jsonr *r, const char *pos,
                      unsigned long *line, unsigned long *col);

/** Compare the current KEY/STRING token with \p s (exact / ASCII-case). */
int pf_jsonr_is(const struct pf_jsonr *r, const char *s);
int pf_jsonr_ieq(const struct pf_jsonr *r, const char *s);

#endif
