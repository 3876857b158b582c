/* SPDX-License-Identifier: MIT */
/* fuzz_jsonr.c - libFuzzer target for the streaming JSON reader
 *
 * Each input is read three times: token by token to EOF or ERROR, taking
 * the path at every token; again skipping every other container with
 * pf_jsonr_skip, which must end the same way with the same message; and
 * with a small nesting limit taken from the first byte.  Tokens must
 * satisfy the reader's promises (strings inside the input or the scratch
 * buffer, numbers matching their literal, paths starting with "$") and an
 * error must be one line with a position.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pf_jsonr.h"
#include "core/pf_strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t sink;

static void check_error(const struct pf_jsonr *r)
{
  const struct pf_err *e = pf_jsonr_error(r);
  if (e->code == PF_OK || e->msg[0] != '$' || !strstr(e->msg, ": line ") ||
      !strstr(e->msg, ", column "))
    abort();
}

static void check_token(struct pf_jsonr *r, enum pf_jtok t,
                        struct pf_strbuf *path)
{
  size_t i;
  pf_strbuf_reset(path);
  if (pf_jsonr_path(r, path) == PF_OK && path->buf && path->buf[0] != '$')
    abort();
  switch (t) {
  case PF_JT_KEY:
  case PF_JT_STRING:
    if (!r->str)
      abort();
    for (i = 0; i < r->len; i++)
      sink += (unsigned char)r->str[i];
    sink += (size_t)pf_jsonr_is(r, "id") + (size_t)pf_jsonr_ieq(r, "ID");
    break;
  case PF_JT_NUMBER: {
    int64_t v;
    if (!r->len || r->str < r->start || r->str + r->len > r->end)
      abort();   /* numbers are always literal text of the input */
    if (isnan(r->num))
      abort();
    if (pf_jsonr_int(r, -(INT64_C(1) << 53), INT64_C(1) << 53, &v) ==
            PF_OK &&
        (double)v != r->num)
      abort();
    break;
  }
  default:
    break;
  }
}

/* Read to the end; \return the final token. */
static enum pf_jtok read_all(const uint8_t *data, size_t size,
                             unsigned depth, int skip, char *msg,
                             size_t cap)
{
  struct pf_jsonr r;
  struct pf_strbuf path;
  enum pf_jtok t;
  unsigned n = 0;
  pf_jsonr_init(&r, (const char *)data, size, depth);
  pf_strbuf_init(&path, 1 << 16);
  do {
    t = pf_jsonr_next(&r);
    check_token(&r, t, &path);
    if (skip && (t == PF_JT_OBJ_BEGIN || t == PF_JT_ARR_BEGIN) &&
        (n++ & 1)) {
      unsigned before = r.depth;
      if (pf_jsonr_skip(&r, t) == PF_OK) {
        if (r.depth != before - 1)
          abort();
      } else if (r.err.code == PF_OK) {
        abort();   /* a failed skip leaves a message */
      } else {
        t = PF_JT_ERROR;
      }
    }
  } while (t != PF_JT_EOF && t != PF_JT_ERROR);
  if (t == PF_JT_ERROR) {
    check_error(&r);
    if (pf_jsonr_next(&r) != PF_JT_ERROR)
      abort();   /* errors stick */
  } else if (pf_jsonr_error(&r)->code != PF_OK || !r.done) {
    abort();
  }
  if (msg)
    strncpy(msg, pf_jsonr_error(&r)->msg, cap - 1);
  {
    unsigned long line, col;
    pf_jsonr_linecol(&r, r.start + size / 2, &line, &col);
    if (line == 0 || col == 0)
      abort();
  }
  pf_strbuf_release(&path);
  pf_jsonr_release(&r);
  return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static char m1[PF_ERR_MSG_MAX], m2[PF_ERR_MSG_MAX];
  enum pf_jtok a, b;
  memset(m1, 0, sizeof(m1));
  memset(m2, 0, sizeof(m2));
  a = read_all(data, size, 0, 0, m1, sizeof(m1));
  b = read_all(data, size, 0, 1, m2, sizeof(m2));
  /* skipping reads the same tokens: same outcome, same message */
  if (a != b || strcmp(m1, m2) != 0)
    abort();
  if (size)
    read_all(data, size, 1u + data[0] % 8u, 0, NULL, 0);
  return 0;
}
