/* SPDX-License-Identifier: MIT */
/* pf_jw.h - streaming JSON writer with stable, two-space formatting
 *
 * Machine output is written in one deterministic layout (keys in the order
 * the caller writes them, two-space indentation or one line per document)
 * so golden files and diffs stay readable.  Strings are escaped per RFC
 * 8259 section 7; the writer never emits invalid JSON for valid calls.
 */
#ifndef PF_JW_H
#define PF_JW_H

#include <stdint.h>
#include <stdio.h>

#define PF_JW_MAX_DEPTH 64

struct pf_jw {
  FILE *f;
  int pretty;                         /* 0: compact (JSON lines) */
  int depth;
  unsigned char count[PF_JW_MAX_DEPTH];  /* 0: no member written yet */
  int after_key;
};

void pf_jw_init(struct pf_jw *w, FILE *f, int pretty);
void pf_jw_obj(struct pf_jw *w);
void pf_jw_obj_end(struct pf_jw *w);
void pf_jw_arr(struct pf_jw *w);
void pf_jw_arr_end(struct pf_jw *w);
void pf_jw_key(struct pf_jw *w, const char *k);
/** A string value; NULL writes null. */
void pf_jw_str(struct pf_jw *w, const char *s);
void pf_jw_strn(struct pf_jw *w, const char *s, size_t n);
void pf_jw_int(struct pf_jw *w, int64_t v);
void pf_jw_uint(struct pf_jw *w, uint64_t v);
void pf_jw_bool(struct pf_jw *w, int v);
void pf_jw_null(struct pf_jw *w);
/** Write \p json (already valid JSON text) as the next value. */
void pf_jw_raw(struct pf_jw *w, const char *json);
/** Finish the document (newline when pretty). */
void pf_jw_end(struct pf_jw *w);

/* key + value shorthands */
void pf_jw_kstr(struct pf_jw *w, const char *k, const char *s);
void pf_jw_kint(struct pf_jw *w, const char *k, int64_t v);
void pf_jw_kbool(struct pf_jw *w, const char *k, int v);

/** Write \p s JSON-escaped (without quotes) to \p f. */
void pf_json_escape(FILE *f, const char *s, size_t n);

#endif
