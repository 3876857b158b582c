/* SPDX-License-Identifier: MIT */
/* test_jsonr.c - the streaming JSON reader: tokens, paths, errors, limits
 *
 * Every input is copied into a heap block of exactly its length, so a read
 * past the end of the buffer is caught by AddressSanitizer.  Expected
 * messages are written out in full: they are what users see.  The last two
 * tests compare the reader with cJSON on random documents (fixed seed):
 * every valid document must give the same values in both, and whatever
 * this reader accepts after random mutation cJSON must accept as well.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/pf_jsonr.h"
#include "core/pf_strbuf.h"

/* ---- helpers ---------------------------------------------------------- */

/* A heap copy of exactly \p n bytes (no terminator). */
static char *dup_exact(const char *s, size_t n)
{
  char *b = malloc(n ? n : 1);
  assert_non_null(b);
  if (n)
    memcpy(b, s, n);
  return b;
}

/* Append \p s / \p n with bytes outside printable ASCII as \xHH. */
static void add_visible(struct pf_strbuf *sb, const char *s, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7F)
      pf_strbuf_addc(sb, (char)c);
    else
      pf_strbuf_addf(sb, "\\x%02X", c);
  }
}

/* One token as text: "{", "k:name", "s:text", "n:12", "true", ... ; with
 * \p values numbers print as their value ("%.17g") instead of literally. */
static void add_token(struct pf_strbuf *sb, const struct pf_jsonr *r,
                      enum pf_jtok t, int values)
{
  switch (t) {
  case PF_JT_ERROR: pf_strbuf_adds(sb, "ERR"); break;
  case PF_JT_EOF: pf_strbuf_adds(sb, "EOF"); break;
  case PF_JT_OBJ_BEGIN: pf_strbuf_adds(sb, "{"); break;
  case PF_JT_OBJ_END: pf_strbuf_adds(sb, "}"); break;
  case PF_JT_ARR_BEGIN: pf_strbuf_adds(sb, "["); break;
  case PF_JT_ARR_END: pf_strbuf_adds(sb, "]"); break;
  case PF_JT_KEY:
    pf_strbuf_adds(sb, "k:");
    add_visible(sb, r->str, r->len);
    break;
  case PF_JT_STRING:
    pf_strbuf_adds(sb, "s:");
    add_visible(sb, r->str, r->len);
    break;
  case PF_JT_NUMBER:
    if (values) {
      pf_strbuf_addf(sb, "n:%.17g", r->num);
    } else {
      pf_strbuf_adds(sb, "n:");
      add_visible(sb, r->str, r->len);
    }
    break;
  case PF_JT_TRUE: pf_strbuf_adds(sb, "true"); break;
  case PF_JT_FALSE: pf_strbuf_adds(sb, "false"); break;
  case PF_JT_NULL: pf_strbuf_adds(sb, "null"); break;
  }
}

struct scan {
  char toks[32768];           /* tokens separated by spaces */
  char paths[8192];           /* the path after each token, by " | " */
  char err[PF_ERR_MSG_MAX];   /* the error, "" when none */
  pf_status code;
  size_t ntok;
};

/* Read \p len bytes of \p json to EOF or ERROR with nesting limit \p depth,
 * recording tokens, paths and the error. */
static void scan_n(struct scan *s, const char *json, size_t len,
                   unsigned depth, int values)
{
  struct pf_strbuf toks, paths;
  struct pf_jsonr r;
  enum pf_jtok t;
  char *buf = dup_exact(json, len);

  memset(s, 0, sizeof(*s));
  pf_strbuf_init(&toks, sizeof(s->toks) - 1);
  pf_strbuf_init(&paths, sizeof(s->paths) - 1);
  pf_jsonr_init(&r, buf, len, depth);
  do {
    t = pf_jsonr_next(&r);
    if (s->ntok++) {
      pf_strbuf_adds(&toks, " ");
      pf_strbuf_adds(&paths, " | ");
    }
    add_token(&toks, &r, t, values);
    pf_jsonr_path(&r, &paths);
  } while (t != PF_JT_EOF && t != PF_JT_ERROR);
  /* the error sticks */
  if (t == PF_JT_ERROR)
    assert_int_equal(pf_jsonr_next(&r), PF_JT_ERROR);
  else
    assert_int_equal(pf_jsonr_error(&r)->code, PF_OK);
  snprintf(s->toks, sizeof(s->toks), "%s", pf_strbuf_str(&toks));
  snprintf(s->paths, sizeof(s->paths), "%s", pf_strbuf_str(&paths));
  snprintf(s->err, sizeof(s->err), "%s", pf_jsonr_error(&r)->msg);
  s->code = pf_jsonr_error(&r)->code;
  pf_strbuf_release(&toks);
  pf_strbuf_release(&paths);
  pf_jsonr_release(&r);
  free(buf);
}

static const char *toks_of(const char *json)
{
  static struct scan s;
  scan_n(&s, json, strlen(json), 0, 0);
  return s.toks;
}

static const char *paths_of(const char *json)
{
  static struct scan s;
  scan_n(&s, json, strlen(json), 0, 0);
  if (s.code != PF_OK)
    fail_msg("unexpected error: %s", s.err);
  return s.paths;
}

/* The error message for \p n bytes of \p json (which must be invalid). */
static const char *err_n(const char *json, size_t n, unsigned depth)
{
  static struct scan s;
  scan_n(&s, json, n, depth, 0);
  if (s.code == PF_OK)
    fail_msg("accepted: %s", s.toks);
  assert_int_equal(s.code, PF_EPARSE);
  return s.err;
}

static const char *err_of(const char *json)
{
  return err_n(json, strlen(json), 0);
}

/* Non-zero when \p s ends with \p tail.  Used where the path part of a
 * message is known to be wrong (an error after a comma in an object names
 * the member before the comma, "$.a" for `{"a":1,}`): the rest is
 * pinned, the path is not blessed. */
static int has_suffix(const char *s, const char *tail)
{
  size_t n = strlen(s), m = strlen(tail);
  if (n < m || strcmp(s + n - m, tail) != 0) {
    print_message("'%s' does not end with '%s'\n", s, tail);
    return 0;
  }
  return 1;
}

/* ---- tokens ----------------------------------------------------------- */

static void test_tokens_scalars(void **state)
{
  (void)state;
  assert_string_equal(toks_of("true"), "true EOF");
  assert_string_equal(toks_of("false"), "false EOF");
  assert_string_equal(toks_of("null"), "null EOF");
  assert_string_equal(toks_of("0"), "n:0 EOF");
  assert_string_equal(toks_of("-0"), "n:-0 EOF");
  assert_string_equal(toks_of("  42 \r\n\t"), "n:42 EOF");
  assert_string_equal(toks_of("-12.250e+3"), "n:-12.250e+3 EOF");
  assert_string_equal(toks_of("\"Tcp\""), "s:Tcp EOF");
  assert_string_equal(toks_of("\"\""), "s: EOF");
}

static void test_tokens_structures(void **state)
{
  (void)state;
  assert_string_equal(toks_of("{}"), "{ } EOF");
  assert_string_equal(toks_of("[]"), "[ ] EOF");
  assert_string_equal(toks_of("[[],{}]"), "[ [ ] { } ] EOF");
  assert_string_equal(
      toks_of("{\"name\": \"AllowVnetInBound\", \"priority\": 65000,\n"
              " \"sourcePortRanges\": [], \"x\": [true, false, null]}"),
      "{ k:name s:AllowVnetInBound k:priority n:65000 "
      "k:sourcePortRanges [ ] k:x [ true false null ] } EOF");
  /* duplicate names are allowed by RFC 8259 and reported as they come */
  assert_string_equal(toks_of("{\"a\":1,\"a\":2}"),
                      "{ k:a n:1 k:a n:2 } EOF");
}

static void test_tokens_strings(void **state)
{
  struct scan s;
  struct pf_jsonr r;
  const char *plain = "[\"plain\", \"esc\\naped\"]";
  char *buf = dup_exact(plain, strlen(plain));
  (void)state;

  assert_string_equal(toks_of("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""),
                      "s:a\"b\\c/d\\x08\\x0C\\x0A\\x0D\\x09 EOF");
  assert_string_equal(toks_of("\"\\u0041\\u00e9\\u4E2D\""),
                      "s:A\\xC3\\xA9\\xE4\\xB8\\xAD EOF");
  /* raw UTF-8 of every length passes through unchanged */
  assert_string_equal(toks_of("\"\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\""),
                      "s:\\xC3\\xA9\\xE4\\xB8\\xAD\\xF0\\x9F\\x98\\x80 EOF");
  /* \u0000 is refused: C strings downstream would end at the NUL and
   * "Internet\u0000x" would load as "Internet" */
  scan_n(&s, "\"a\\u0000b\"", 10, 0, 0);
  assert_string_equal(s.toks, "ERR");

  /* strings without escapes point into the input, others do not */
  pf_jsonr_init(&r, buf, strlen(plain), 0);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_ARR_BEGIN);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_STRING);
  assert_ptr_equal(r.str, buf + 2);
  assert_int_equal(r.len, 5);
  assert_true(pf_jsonr_is(&r, "plain"));
  assert_false(pf_jsonr_is(&r, "plai"));
  assert_false(pf_jsonr_is(&r, "Plain"));
  assert_true(pf_jsonr_ieq(&r, "PLAIN"));
  assert_false(pf_jsonr_ieq(&r, "PLAINS"));
  assert_int_equal(pf_jsonr_next(&r), PF_JT_STRING);
  assert_true(r.str < buf || r.str >= buf + strlen(plain));
  assert_int_equal(r.len, 8);
  assert_memory_equal(r.str, "esc\naped", 8);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_ARR_END);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_EOF);
  /* EOF repeats */
  assert_int_equal(pf_jsonr_next(&r), PF_JT_EOF);
  assert_int_equal(r.done, 1);
  pf_jsonr_release(&r);
  free(buf);
}

static void test_surrogate_pairs(void **state)
{
  (void)state;
  /* U+1F600 and U+10FFFF (the last code point), both hex cases */
  assert_string_equal(toks_of("\"\\ud83d\\ude00\""),
                      "s:\\xF0\\x9F\\x98\\x80 EOF");
  assert_string_equal(toks_of("\"\\uD83D\\uDE00!\""),
                      "s:\\xF0\\x9F\\x98\\x80! EOF");
  assert_string_equal(toks_of("\"\\uDBFF\\uDFFF\""),
                      "s:\\xF4\\x8F\\xBF\\xBF EOF");
  assert_string_equal(toks_of("\"\\ud800\\udc00\""),
                      "s:\\xF0\\x90\\x80\\x80 EOF");
  /* a lone low surrogate: the column is that of the escape */
  assert_string_equal(err_of("[\"x\\udc00\"]"),
                      "$[0]: line 1, column 4: unpaired UTF-16 surrogate "
                      "in \\u escape");
  /* a high surrogate followed by something else */
  assert_string_equal(err_of("[\"\\ud83d\\u0041\"]")
                          + strlen("$[0]: line 1, column "),
                      "9: unpaired UTF-16 surrogate in \\u escape");
  assert_string_equal(err_of("[\"\\ud83dx\"]") + strlen("$[0]: "),
                      "line 1, column 9: unpaired UTF-16 surrogate in \\u "
                      "escape");
  /* cut short inside the pair */
  assert_string_equal(err_n("\"\\ud83d\\ude0", 12, 0),
                      "$: line 1, column 8: unpaired UTF-16 surrogate in "
                      "\\u escape");
}

static void test_bom(void **state)
{
  (void)state;
  assert_string_equal(toks_of("\xEF\xBB\xBF{\"a\":1}"), "{ k:a n:1 } EOF");
  assert_string_equal(toks_of("\xEF\xBB\xBF 7"), "n:7 EOF");
  /* a BOM alone is no document; only one BOM, and only at the start.
   * (The column after a BOM is not pinned: the BOM itself is counted as
   * a column, reported as a problem in src/core/pf_jsonr.c.) */
  assert_true(has_suffix(err_of("\xEF\xBB\xBF"),
                         ": expected a value, found end of input"));
  assert_true(has_suffix(err_of("\xEF\xBB\xBF\xEF\xBB\xBF{}"),
                         ": expected a value, found byte 0xEF"));
  assert_string_equal(err_of("[\xEF\xBB\xBF]"),
                      "$[0]: line 1, column 2: expected a value, found "
                      "byte 0xEF");
  /* half a BOM */
  assert_string_equal(err_n("\xEF\xBB", 2, 0),
                      "$: line 1, column 1: expected a value, found byte "
                      "0xEF");
}

/* ---- paths ------------------------------------------------------------ */

static void test_paths(void **state)
{
  (void)state;
  assert_string_equal(paths_of("{\"a\":[1,{\"b\":2}]}"),
                      "$ | $.a | $.a | $.a[0] | $.a[1] | $.a[1].b | "
                      "$.a[1].b | $.a[1] | $.a | $ | $");
  assert_string_equal(paths_of("[[0,1],[2,[3]]]"),
                      "$ | $[0] | $[0][0] | $[0][1] | $[0] | $[1] | "
                      "$[1][0] | $[1][1] | $[1][1][0] | $[1][1] | $[1] | "
                      "$ | $");
  /* after "[" and "{" the path is the container's own */
  assert_string_equal(paths_of("{\"values\":[]}"),
                      "$ | $.values | $.values | $.values | $ | $");
}

/* The path when the reader reaches the first NUMBER of \p json. */
static const char *path_at_number(const char *json)
{
  static char out[1024];
  struct pf_strbuf sb;
  struct pf_jsonr r;
  enum pf_jtok t;
  char *buf = dup_exact(json, strlen(json));
  pf_jsonr_init(&r, buf, strlen(json), 0);
  while ((t = pf_jsonr_next(&r)) != PF_JT_NUMBER)
    if (t == PF_JT_EOF || t == PF_JT_ERROR)
      fail_msg("no number in %s", json);
  pf_strbuf_init(&sb, sizeof(out) - 1);
  pf_jsonr_path(&r, &sb);
  snprintf(out, sizeof(out), "%s", pf_strbuf_str(&sb));
  pf_strbuf_release(&sb);
  pf_jsonr_release(&r);
  free(buf);
  return out;
}

static void test_paths_odd_keys(void **state)
{
  char json[256], want[256];
  (void)state;
  assert_string_equal(path_at_number("{\"value\":[0,1,2,{\"b\":1}]}"),
                      "$.value[0]");
  assert_string_equal(path_at_number("{\"value\":[\"\",\"\",\"\",{\"b\":1}]}"),
                      "$.value[3].b");
  assert_string_equal(path_at_number("{\"a b\":1}"), "$[\"a b\"]");
  assert_string_equal(path_at_number("{\"x.y\":{\"z\":1}}"), "$[\"x.y\"].z");
  assert_string_equal(path_at_number("{\"\":1}"), "$[\"\"]");
  assert_string_equal(path_at_number("{\"$schema\":1}"), "$.$schema");
  assert_string_equal(path_at_number("{\"@odata.count\":1}"),
                      "$[\"@odata.count\"]");
  assert_string_equal(path_at_number("{\"api-version\":1}"),
                      "$.api-version");
  assert_string_equal(path_at_number("{\"under_score9\":1}"),
                      "$.under_score9");
  /* keys are shown as written, escapes included, so the result is still a
   * valid quoted name */
  assert_string_equal(path_at_number("{\"a\\\"b\":1}"), "$[\"a\\\"b\"]");
  assert_string_equal(path_at_number("{\"caf\\u00e9\":1}"),
                      "$[\"caf\\u00e9\"]");
  assert_string_equal(path_at_number("{\"caf\xC3\xA9\":1}"),
                      "$[\"caf\xC3\xA9\"]");
  /* long names are cut at 80 bytes (plain ones are not) */
  memset(want, '0', sizeof(want));
  snprintf(json, sizeof(json), "{\"x%089d\":1}", 0);
  memcpy(want, "$.x", 3);
  want[3 + 89] = '\0';
  assert_string_equal(path_at_number(json), want);
  json[3] = ' ';
  memcpy(want, "$[\"x ", 5);
  memcpy(want + 3 + 80, "...\"]", 6);
  assert_string_equal(path_at_number(json), want);
}

/* ---- errors ----------------------------------------------------------- */

static void test_error_position(void **state)
{
  (void)state;
  assert_string_equal(err_of("{\n  \"a\": 1,\n  \"b\": tru\n}"),
                      "$.b: line 3, column 8: expected a value, found 't'");
  /* CRLF: the CR is a column of the previous line */
  assert_string_equal(err_of("{\r\n\"a\":\r\n  x}"),
                      "$.a: line 3, column 3: expected a value, found 'x'");
  /* a multi-byte character is one column */
  assert_string_equal(err_of("{\"caf\xC3\xA9\": \"\xE4\xB8\xAD\", \"b\" 1}"),
                      "$.b: line 1, column 19: expected ':', found '1'");
  assert_string_equal(err_of("\n\n\n   ]"),
                      "$: line 4, column 4: expected a value, found ']'");
}

static void test_error_grammar(void **state)
{
  (void)state;
  assert_string_equal(err_of(""),
                      "$: line 1, column 1: expected a value, found end of "
                      "input");
  assert_string_equal(err_of(" \n "),
                      "$: line 2, column 2: expected a value, found end of "
                      "input");
  assert_string_equal(err_of("{} {}"),
                      "$: line 1, column 4: unexpected '{' after the JSON "
                      "value");
  assert_string_equal(err_of("1 2"),
                      "$: line 1, column 3: unexpected '2' after the JSON "
                      "value");
  assert_string_equal(err_of("[1]\x01"),
                      "$: line 1, column 4: unexpected byte 0x01 after the "
                      "JSON value");
  /* the member name that is missing is not "$.a"; see has_suffix */
  assert_true(has_suffix(err_of("{\"a\":1,}"),
                         ": line 1, column 8: expected a member name, found "
                         "'}'"));
  assert_string_equal(err_of("{,}"),
                      "$: line 1, column 2: expected a member name or '}', "
                      "found ','");
  assert_string_equal(err_of("{a:1}"),
                      "$: line 1, column 2: expected a member name or '}', "
                      "found 'a'");
  assert_string_equal(err_of("{\"a\" 1}"),
                      "$.a: line 1, column 6: expected ':', found '1'");
  assert_string_equal(err_of("{\"a\":1 \"b\":2}"),
                      "$.a: line 1, column 8: expected ',' or '}', found "
                      "'\"'");
  assert_string_equal(err_of("[1 2]"),
                      "$[0]: line 1, column 4: expected ',' or ']', found "
                      "'2'");
  assert_string_equal(err_of("[1,]"),
                      "$[1]: line 1, column 4: expected a value, found ']'");
  assert_string_equal(err_of("[,1]"),
                      "$[0]: line 1, column 2: expected a value, found ','");
  assert_string_equal(err_of("[1}"),
                      "$[0]: line 1, column 3: expected ',' or ']', found "
                      "'}'");
  assert_string_equal(err_of("{\"a\":1]"),
                      "$.a: line 1, column 7: expected ',' or '}', found "
                      "']'");
  assert_string_equal(err_of("['x']"),
                      "$[0]: line 1, column 2: expected a value, found "
                      "'''");
  assert_string_equal(err_of("[NaN]"),
                      "$[0]: line 1, column 2: expected a value, found 'N'");
  assert_string_equal(err_of("[True]"),
                      "$[0]: line 1, column 2: expected a value, found 'T'");
  assert_string_equal(err_of("[nul]"),
                      "$[0]: line 1, column 2: expected a value, found 'n'");
  assert_string_equal(err_of("// c\n{}"),
                      "$: line 1, column 1: expected a value, found '/'");
  /* only space, tab, CR and LF are white space */
  assert_string_equal(err_of("[1,\f2]"),
                      "$[1]: line 1, column 4: expected a value, found byte "
                      "0x0C");
  assert_string_equal(err_of("[1,\xC2\xA0 2]"),
                      "$[1]: line 1, column 4: expected a value, found byte "
                      "0xC2");
}

static void test_error_truncated(void **state)
{
  static const char doc[] = "{\"id\": \"/x\", \"n\": [1.5, true]}";
  size_t i;
  (void)state;
  /* every proper prefix of a document is an error, never a crash */
  for (i = 0; i + 1 < sizeof(doc) - 1; i++) {
    struct scan s;
    scan_n(&s, doc, i, 0, 0);
    assert_int_equal(s.code, PF_EPARSE);
    assert_non_null(strstr(s.err, ": line 1, column "));
  }
  assert_string_equal(err_n(doc, 4, 0),
                      "$: line 1, column 2: unterminated string");
  assert_string_equal(err_n(doc, 5, 0),
                      "$.id: line 1, column 6: expected ':', found end of "
                      "input");
  assert_string_equal(err_n(doc, 6, 0),
                      "$.id: line 1, column 7: expected a value, found end "
                      "of input");
  assert_string_equal(err_n(doc, 9, 0),
                      "$.id: line 1, column 8: unterminated string");
  assert_string_equal(err_n(doc, 11, 0),
                      "$.id: line 1, column 12: expected ',' or '}', found "
                      "end of input");
  /* after a comma: the path still names the member before it (see
   * has_suffix), so only the position and reason are pinned */
  assert_true(has_suffix(err_n(doc, 12, 0),
                         ": line 1, column 13: expected a member name, "
                         "found end of input"));
  assert_true(has_suffix(err_n(doc, 13, 0),
                         ": line 1, column 14: expected a member name, "
                         "found end of input"));
  assert_string_equal(err_n(doc, 21, 0),
                      "$.n[0]: line 1, column 20: invalid number: digit "
                      "expected after '.'");
  assert_string_equal(err_n(doc, 22, 0),
                      "$.n[0]: line 1, column 23: expected ',' or ']', "
                      "found end of input");
  assert_string_equal(err_n(doc, 27, 0),
                      "$.n[1]: line 1, column 25: expected a value, found "
                      "'t'");
  assert_string_equal(err_n("\"ab\\", 4, 0),
                      "$: line 1, column 1: unterminated string");
  assert_string_equal(err_n("\"\\u00", 5, 0),
                      "$: line 1, column 2: invalid \\u escape");
  assert_string_equal(err_n("-", 1, 0),
                      "$: line 1, column 1: invalid number");
  assert_string_equal(err_n("1e", 2, 0),
                      "$: line 1, column 1: invalid number: digit expected "
                      "in exponent");
}

static void test_error_strings(void **state)
{
  (void)state;
  assert_string_equal(err_of("[\"a\tb\"]"),
                      "$[0]: line 1, column 4: control character 0x09 in "
                      "string");
  assert_string_equal(err_n("[\"a\0b\"]", 7, 0),
                      "$[0]: line 1, column 4: control character 0x00 in "
                      "string");
  /* after an escape the slow path checks the same */
  assert_string_equal(err_of("[\"\\n\nx\"]"),
                      "$[0]: line 1, column 5: control character 0x0A in "
                      "string");
  assert_string_equal(err_of("[\"\\x41\"]"),
                      "$[0]: line 1, column 3: invalid escape '\\x'");
  assert_string_equal(err_of("[\"\\'\"]"),
                      "$[0]: line 1, column 3: invalid escape '\\''");
  assert_string_equal(err_of("[\"\\U0041\"]"),
                      "$[0]: line 1, column 3: invalid escape '\\U'");
  assert_string_equal(err_n("[\"\\\x01\"]", 6, 0),
                      "$[0]: line 1, column 3: invalid escape '\\?'");
  assert_string_equal(err_of("[\"\\u12G4\"]"),
                      "$[0]: line 1, column 3: invalid \\u escape");
  assert_string_equal(err_of("[\"\\u12\"]"),
                      "$[0]: line 1, column 3: invalid \\u escape");
  /* keys are strings too */
  assert_string_equal(err_of("{\"a\\qb\":1}"),
                      "$: line 1, column 4: invalid escape '\\q'");
}

static void test_error_utf8(void **state)
{
  static const struct {
    const char *bytes;
    const char *why;
  } bad[] = {
    {"\x80", "continuation byte first"},
    {"\xBF", "continuation byte first"},
    {"\xC0\x80", "overlong NUL"},
    {"\xC1\xBF", "overlong 2-byte"},
    {"\xE0\x80\x80", "overlong 3-byte"},
    {"\xE0\x9F\xBF", "overlong 3-byte (U+07FF)"},
    {"\xF0\x8F\xBF\xBF", "overlong 4-byte (U+FFFF)"},
    {"\xED\xA0\x80", "UTF-16 surrogate U+D800"},
    {"\xED\xBF\xBF", "UTF-16 surrogate U+DFFF"},
    {"\xF4\x90\x80\x80", "above U+10FFFF"},
    {"\xF5\x80\x80\x80", "lead byte F5"},
    {"\xFF", "byte FF"},
    {"\xC3\x28", "bad continuation"},
    {"\xE4\xB8\x28", "bad third byte"},
  };
  size_t i;
  char json[32];
  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int n = snprintf(json, sizeof(json), "[\"ok%s\"]", bad[i].bytes);
    const char *m = err_n(json, (size_t)n, 0);
    if (strcmp(m, "$[0]: line 1, column 5: invalid UTF-8 in string") != 0)
      fail_msg("%s: %s", bad[i].why, m);
  }
  /* a sequence cut by the end of the input */
  assert_string_equal(err_n("\"\xE4\xB8", 3, 0),
                      "$: line 1, column 2: invalid UTF-8 in string");
  assert_string_equal(err_n("\"\xF0\x9F\x98", 4, 0),
                      "$: line 1, column 2: invalid UTF-8 in string");
  /* the largest valid ones */
  assert_string_equal(toks_of("\"\xF4\x8F\xBF\xBF\xEF\xBF\xBF\xDF\xBF\""),
                      "s:\\xF4\\x8F\\xBF\\xBF\\xEF\\xBF\\xBF\\xDF\\xBF EOF");
}

static void test_error_numbers(void **state)
{
  (void)state;
  assert_string_equal(err_of("[01]"),
                      "$[0]: line 1, column 2: invalid number: leading "
                      "zero");
  assert_string_equal(err_of("[-00.5]"),
                      "$[0]: line 1, column 2: invalid number: leading "
                      "zero");
  assert_string_equal(err_of("[1.]"),
                      "$[0]: line 1, column 2: invalid number: digit "
                      "expected after '.'");
  assert_string_equal(err_of("[.5]"),
                      "$[0]: line 1, column 2: expected a value, found '.'");
  assert_string_equal(err_of("[+1]"),
                      "$[0]: line 1, column 2: expected a value, found '+'");
  assert_string_equal(err_of("[-]"),
                      "$[0]: line 1, column 2: invalid number");
  assert_string_equal(err_of("[-x]"),
                      "$[0]: line 1, column 2: invalid number");
  assert_string_equal(err_of("[1e+]"),
                      "$[0]: line 1, column 2: invalid number: digit "
                      "expected in exponent");
  assert_string_equal(err_of("[1E]"),
                      "$[0]: line 1, column 2: invalid number: digit "
                      "expected in exponent");
  assert_string_equal(err_of("[0x1F]"),
                      "$[0]: line 1, column 3: expected ',' or ']', found "
                      "'x'");
  assert_string_equal(err_of("[1.5.2]"),
                      "$[0]: line 1, column 5: expected ',' or ']', found "
                      "'.'");
  assert_string_equal(toks_of("[0, -0.0, 1E5, 2e-3, 1.25E+02]"),
                      "[ n:0 n:-0.0 n:1E5 n:2e-3 n:1.25E+02 ] EOF");
}

static void test_fail_custom(void **state)
{
  const char *json = "{\"priority\": 99}";
  char *buf = dup_exact(json, strlen(json));
  struct pf_jsonr r;
  (void)state;
  pf_jsonr_init(&r, buf, strlen(json), 0);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_OBJ_BEGIN);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_KEY);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_NUMBER);
  assert_int_equal(pf_jsonr_fail(&r, PF_EINVAL, "%d is outside %s", 99,
                                 "100-4096"),
                   PF_EINVAL);
  assert_string_equal(pf_jsonr_error(&r)->msg,
                      "$.priority: line 1, column 14: 99 is outside "
                      "100-4096");
  assert_int_equal(pf_jsonr_error(&r)->code, PF_EINVAL);
  /* the first error wins and reading stops */
  pf_jsonr_fail(&r, PF_EPARSE, "second");
  assert_string_equal(pf_jsonr_error(&r)->msg,
                      "$.priority: line 1, column 14: 99 is outside "
                      "100-4096");
  assert_int_equal(pf_jsonr_next(&r), PF_JT_ERROR);
  pf_jsonr_release(&r);
  free(buf);
}

static void test_linecol(void **state)
{
  const char *text = "ab\ncd\xC3\xA9" "e\n";
  struct pf_jsonr r;
  unsigned long l, c;
  (void)state;
  pf_jsonr_init(&r, text, strlen(text), 0);
  pf_jsonr_linecol(&r, text, &l, &c);
  assert_int_equal(l, 1);
  assert_int_equal(c, 1);
  pf_jsonr_linecol(&r, text + 2, &l, &c);
  assert_int_equal(l, 1);
  assert_int_equal(c, 3);
  pf_jsonr_linecol(&r, text + 3, &l, &c);
  assert_int_equal(l, 2);
  assert_int_equal(c, 1);
  pf_jsonr_linecol(&r, text + 7, &l, &c);   /* 'e' after the 2-byte e */
  assert_int_equal(l, 2);
  assert_int_equal(c, 4);
  /* positions past the end are clamped */
  pf_jsonr_linecol(&r, text + strlen(text) + 10, &l, &c);
  assert_int_equal(l, 3);
  assert_int_equal(c, 1);
  pf_jsonr_release(&r);
  pf_jsonr_release(NULL);
}

/* ---- nesting limit ---------------------------------------------------- */

static char *nested(size_t depth, int objects, size_t *len)
{
  size_t i, n = 0;
  char *b = malloc(depth * 6 + 8);
  assert_non_null(b);
  for (i = 0; i < depth; i++) {
    if (objects) {
      memcpy(b + n, "{\"a\":", 5);
      n += 5;
    } else {
      b[n++] = '[';
    }
  }
  b[n++] = '1';
  for (i = 0; i < depth; i++)
    b[n++] = objects ? '}' : ']';
  *len = n;
  return b;
}

static void test_depth_limit(void **state)
{
  struct scan s;
  size_t len;
  char *b;
  (void)state;

  b = nested(PF_JSONR_MAX_DEPTH, 0, &len);
  scan_n(&s, b, len, 0, 0);
  assert_int_equal(s.code, PF_OK);
  free(b);

  b = nested(PF_JSONR_MAX_DEPTH + 1, 0, &len);
  scan_n(&s, b, len, 0, 0);
  assert_int_equal(s.code, PF_EPARSE);
  assert_non_null(strstr(s.err, ": line 1, column 129: nesting deeper than "
                                "128 levels"));
  assert_int_equal(strncmp(s.err, "$[0][0][0]", 10), 0);
  free(b);

  /* 10,000 deep: stopped at the limit, in constant stack */
  b = nested(10000, 1, &len);
  scan_n(&s, b, len, 0, 0);
  assert_int_equal(s.code, PF_EPARSE);
  assert_non_null(strstr(s.err, "nesting deeper than 128 levels"));
  free(b);

  /* a smaller limit; 0 and anything above the maximum mean the maximum */
  scan_n(&s, "[[1]]", 5, 1, 0);
  assert_string_equal(s.err, "$[0]: line 1, column 2: nesting deeper than 1 "
                             "levels");
  scan_n(&s, "[[1]]", 5, 2, 0);
  assert_int_equal(s.code, PF_OK);
  scan_n(&s, "{\"a\":{\"b\":{}}}", 14, 2, 0);
  assert_string_equal(s.err, "$.a.b: line 1, column 11: nesting deeper "
                             "than 2 levels");
  b = nested(PF_JSONR_MAX_DEPTH + 1, 0, &len);
  scan_n(&s, b, len, 100000, 0);
  assert_non_null(strstr(s.err, "nesting deeper than 128 levels"));
  free(b);
  /* scalars need no depth */
  scan_n(&s, "7", 1, 1, 0);
  assert_int_equal(s.code, PF_OK);
}

/* ---- skip and int ----------------------------------------------------- */

static void test_skip(void **state)
{
  const char *json =
      "{\"tags\": {\"env\": [\"a\", {\"b\": []}]}, \"skip\": 5,"
      " \"name\": \"nsg\", \"arr\": [[1], 2]}";
  char *buf = dup_exact(json, strlen(json));
  struct pf_jsonr r;
  enum pf_jtok t;
  (void)state;

  pf_jsonr_init(&r, buf, strlen(json), 0);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_OBJ_BEGIN);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_KEY);
  t = pf_jsonr_next(&r);
  assert_int_equal(t, PF_JT_OBJ_BEGIN);
  assert_int_equal(pf_jsonr_skip(&r, t), PF_OK);
  assert_int_equal(r.depth, 1);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_KEY);
  assert_true(pf_jsonr_is(&r, "skip"));
  /* a scalar needs nothing */
  t = pf_jsonr_next(&r);
  assert_int_equal(t, PF_JT_NUMBER);
  assert_int_equal(pf_jsonr_skip(&r, t), PF_OK);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_KEY);
  assert_true(pf_jsonr_is(&r, "name"));
  t = pf_jsonr_next(&r);
  assert_int_equal(pf_jsonr_skip(&r, t), PF_OK);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_KEY);
  assert_true(pf_jsonr_is(&r, "arr"));
  assert_int_equal(pf_jsonr_next(&r), PF_JT_ARR_BEGIN);
  /* skip an element inside an array; the index continues */
  t = pf_jsonr_next(&r);
  assert_int_equal(t, PF_JT_ARR_BEGIN);
  assert_int_equal(pf_jsonr_skip(&r, t), PF_OK);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_NUMBER);
  assert_int_equal(r.stack[r.depth].index, 1);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_ARR_END);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_OBJ_END);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_EOF);
  pf_jsonr_release(&r);

  /* skipping the root consumes the document */
  pf_jsonr_init(&r, buf, strlen(json), 0);
  t = pf_jsonr_next(&r);
  assert_int_equal(pf_jsonr_skip(&r, t), PF_OK);
  assert_int_equal(r.depth, 0);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_EOF);
  pf_jsonr_release(&r);
  free(buf);

  /* errors inside the skipped value, and a value cut short */
  buf = dup_exact("[{\"a\": [1, x]}, 2]", 18);
  pf_jsonr_init(&r, buf, 18, 0);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_ARR_BEGIN);
  t = pf_jsonr_next(&r);
  assert_int_equal(pf_jsonr_skip(&r, t), PF_EPARSE);
  assert_string_equal(pf_jsonr_error(&r)->msg,
                      "$[0].a[1]: line 1, column 12: expected a value, "
                      "found 'x'");
  assert_int_equal(pf_jsonr_skip(&r, PF_JT_ERROR), PF_EPARSE);
  pf_jsonr_release(&r);
  free(buf);
  buf = dup_exact("{\"a\": [1, 2", 11);
  pf_jsonr_init(&r, buf, 11, 0);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_OBJ_BEGIN);
  assert_int_equal(pf_jsonr_next(&r), PF_JT_KEY);
  t = pf_jsonr_next(&r);
  assert_int_equal(pf_jsonr_skip(&r, t), PF_EPARSE);
  assert_string_equal(pf_jsonr_error(&r)->msg,
                      "$.a[1]: line 1, column 12: expected ',' or ']', "
                      "found end of input");
  pf_jsonr_release(&r);
  free(buf);
}

/* The first number of \p json through pf_jsonr_int. */
static pf_status int_of(const char *json, int64_t min, int64_t max,
                        int64_t *out)
{
  struct pf_jsonr r;
  enum pf_jtok t;
  pf_status st;
  char *buf = dup_exact(json, strlen(json));
  pf_jsonr_init(&r, buf, strlen(json), 0);
  while ((t = pf_jsonr_next(&r)) != PF_JT_NUMBER)
    if (t == PF_JT_EOF || t == PF_JT_ERROR)
      fail_msg("no number in %s", json);
  st = pf_jsonr_int(&r, min, max, out);
  pf_jsonr_release(&r);
  free(buf);
  return st;
}

static void test_int(void **state)
{
  int64_t v = -1;
  (void)state;
  assert_int_equal(int_of("[100]", 100, 4096, &v), PF_OK);
  assert_int_equal(v, 100);
  assert_int_equal(int_of("4096", 100, 4096, &v), PF_OK);
  assert_int_equal(v, 4096);
  assert_int_equal(int_of("{\"p\": 4.096e3}", 100, 4096, &v), PF_OK);
  assert_int_equal(v, 4096);
  assert_int_equal(int_of("-0", 0, 10, &v), PF_OK);
  assert_int_equal(v, 0);
  assert_int_equal(int_of("-65500", -65500, 0, &v), PF_OK);
  assert_int_equal(v, -65500);
  assert_int_equal(int_of("9007199254740992", 0, INT64_MAX / 2, &v), PF_OK);
  assert_int_equal(v, INT64_C(9007199254740992));
  assert_int_equal(int_of("[1e15]", 0, INT64_C(1000000000000000), &v),
                   PF_OK);
  assert_int_equal(v, INT64_C(1000000000000000));
  /* out of range or not whole: refused, output untouched */
  v = 7;
  assert_int_equal(int_of("99", 100, 4096, &v), PF_EINVAL);
  assert_int_equal(int_of("4097", 100, 4096, &v), PF_EINVAL);
  assert_int_equal(int_of("100.5", 100, 4096, &v), PF_EINVAL);
  assert_int_equal(int_of("1e-2", 0, 4096, &v), PF_EINVAL);
  assert_int_equal(int_of("1e400", 0, INT64_MAX / 2, &v), PF_EINVAL);
  assert_int_equal(int_of("-1e400", INT64_MIN / 2, 0, &v), PF_EINVAL);
  assert_int_equal(v, 7);
}

/* ---- differential test against cJSON ---------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
  /* xorshift64* (Vigna); a fixed seed keeps failures reproducible */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * UINT64_C(2685821657736338717);
}

static unsigned rnd_below(unsigned n)
{
  return (unsigned)(rnd() % n);
}

static void ws(struct pf_strbuf *sb)
{
  static const char *const pads[] = {"", "", "", " ", "\n  ", "\t", "\r\n",
                                     "  "};
  pf_strbuf_adds(sb, pads[rnd_below(8)]);
}

static void gen_string(struct pf_strbuf *sb)
{
  static const char *const parts[] = {
      "Allow", "Vnet", "InBound", "10.0.0.0/16", "Microsoft.Network", " ",
      "/subscriptions/", "-", "_", "\\\"", "\\\\", "\\/", "\\n", "\\t",
      "\\b", "\\f", "\\r", "\\u0041", "\\u00e9", "\\u00E9", "\\u4e2d",
      "\\ud83d\\ude00", "\\uDBFF\\uDFFF", "\\u001f", "\xC3\xA9",
      "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "{", "[",
      ":", ",", "'", "*"};
  unsigned i, n = rnd_below(6);
  pf_strbuf_addc(sb, '"');
  for (i = 0; i < n; i++)
    pf_strbuf_adds(sb, parts[rnd_below(sizeof(parts) / sizeof(parts[0]))]);
  pf_strbuf_addc(sb, '"');
}

static void gen_number(struct pf_strbuf *sb)
{
  switch (rnd_below(6)) {
  case 0: pf_strbuf_addf(sb, "%u", rnd_below(5000)); break;
  case 1: pf_strbuf_addf(sb, "-%u", rnd_below(70000)); break;
  case 2:
    pf_strbuf_addf(sb, "%u.%u", rnd_below(100), rnd_below(100000));
    break;
  case 3:
    pf_strbuf_addf(sb, "%s%u%s%u", rnd_below(2) ? "-" : "", rnd_below(10),
                   rnd_below(2) ? "e" : "E+", rnd_below(300));
    break;
  case 4:
    pf_strbuf_addf(sb, "%u.%ue-%u", rnd_below(10), rnd_below(1000),
                   rnd_below(300));
    break;
  default:
    pf_strbuf_addf(sb, "%llu",
                   (unsigned long long)(rnd() % UINT64_C(1000000000000000)));
    break;
  }
}

static void gen_value(struct pf_strbuf *sb, unsigned depth)
{
  unsigned i, n, kind = rnd_below(depth < 6 ? 9 : 6);
  switch (kind) {
  case 0:
  case 1: gen_string(sb); break;
  case 2: gen_number(sb); break;
  case 3: pf_strbuf_adds(sb, "true"); break;
  case 4: pf_strbuf_adds(sb, rnd_below(2) ? "false" : "null"); break;
  case 5: gen_number(sb); break;
  case 6:
  case 7:
    pf_strbuf_addc(sb, '{');
    n = rnd_below(5);
    for (i = 0; i < n; i++) {
      if (i)
        pf_strbuf_addc(sb, ',');
      ws(sb);
      gen_string(sb);
      ws(sb);
      pf_strbuf_addc(sb, ':');
      ws(sb);
      gen_value(sb, depth + 1);
      ws(sb);
    }
    pf_strbuf_addc(sb, '}');
    break;
  default:
    pf_strbuf_addc(sb, '[');
    n = rnd_below(5);
    for (i = 0; i < n; i++) {
      if (i)
        pf_strbuf_addc(sb, ',');
      ws(sb);
      gen_value(sb, depth + 1);
      ws(sb);
    }
    pf_strbuf_addc(sb, ']');
    break;
  }
}

/* cJSON's tree in the token format of add_token (values mode). */
static void cj_tokens(struct pf_strbuf *sb, const cJSON *n)
{
  const cJSON *c;
  if (cJSON_IsObject(n) || cJSON_IsArray(n)) {
    pf_strbuf_adds(sb, cJSON_IsObject(n) ? "{ " : "[ ");
    for (c = n->child; c; c = c->next) {
      if (cJSON_IsObject(n)) {
        pf_strbuf_adds(sb, "k:");
        add_visible(sb, c->string, strlen(c->string));
        pf_strbuf_addc(sb, ' ');
      }
      cj_tokens(sb, c);
      pf_strbuf_addc(sb, ' ');
    }
    pf_strbuf_adds(sb, cJSON_IsObject(n) ? "}" : "]");
  } else if (cJSON_IsString(n)) {
    pf_strbuf_adds(sb, "s:");
    add_visible(sb, n->valuestring, strlen(n->valuestring));
  } else if (cJSON_IsNumber(n)) {
    pf_strbuf_addf(sb, "n:%.17g", n->valuedouble);
  } else if (cJSON_IsTrue(n)) {
    pf_strbuf_adds(sb, "true");
  } else if (cJSON_IsFalse(n)) {
    pf_strbuf_adds(sb, "false");
  } else {
    pf_strbuf_adds(sb, "null");
  }
}

/* Compare the reader with cJSON on \p len bytes of \p doc.  \return 1 when
 * the reader accepted it. */
static int compare_with_cjson(const char *doc, size_t len, int must_accept)
{
  static struct scan s;
  struct pf_strbuf want;
  char *copy;
  cJSON *root;
  int ok;

  scan_n(&s, doc, len, 0, 1);
  ok = s.code == PF_OK;
  if (!ok) {
    if (must_accept)
      fail_msg("reader refused a valid document: %s\n%.*s", s.err,
               (int)len, doc);
    /* every refusal is a complete message with a position */
    if (s.err[0] != '$' || !strstr(s.err, ": line ") ||
        !strstr(s.err, ", column "))
      fail_msg("malformed error message: %s", s.err);
    return 0;
  }
  copy = dup_exact(doc, len);
  root = cJSON_ParseWithLength(copy, len);
  free(copy);
  if (!root)
    fail_msg("cJSON refused what the reader accepted:\n%.*s", (int)len,
             doc);
  pf_strbuf_init(&want, sizeof(s.toks));
  cj_tokens(&want, root);
  pf_strbuf_adds(&want, " EOF");
  cJSON_Delete(root);
  /* cJSON ends strings at an escaped NUL ("\u0000"); only the reader
   * keeps the whole value, so such documents are compared no further */
  if (!strstr(s.toks, "\\x00") &&
      strcmp(pf_strbuf_str(&want), s.toks) != 0)
    fail_msg("values differ\nreader: %s\ncJSON:  %s\ninput: %.*s", s.toks,
             pf_strbuf_str(&want), (int)len, doc);
  pf_strbuf_release(&want);
  return 1;
}

#define N_DOCS 400

static void test_random_valid_vs_cjson(void **state)
{
  struct pf_strbuf sb;
  unsigned i;
  (void)state;
  rng_state = UINT64_C(0x5eed0f9e7f11e2a1);
  pf_strbuf_init(&sb, 4000);
  for (i = 0; i < N_DOCS; i++) {
    pf_strbuf_reset(&sb);
    ws(&sb);
    gen_value(&sb, 0);
    ws(&sb);
    if (sb.len >= 4000 - 1)
      continue;
    compare_with_cjson(sb.buf, sb.len, 1);
  }
  pf_strbuf_release(&sb);
}

static void test_random_mutations_vs_cjson(void **state)
{
  static const char alphabet[] = "{}[]:,\"\\ 0123456789.eE+-tfnul/\n\t"
                                 "\x00\x01\x1f\x7f\x80\xbf\xc3\xed\xef\xf4"
                                 "\xff";
  struct pf_strbuf sb;
  unsigned i, accepted = 0, refused = 0;
  (void)state;
  rng_state = UINT64_C(0x0dd5eed5c0ffee17);
  pf_strbuf_init(&sb, 4000);
  for (i = 0; i < 3000; i++) {
    char doc[4100];
    size_t len, pos;
    unsigned m, nmut;
    pf_strbuf_reset(&sb);
    gen_value(&sb, 2 + rnd_below(3));
    if (sb.len >= sizeof(doc) - 64 || sb.len == 0)
      continue;
    memcpy(doc, sb.buf, sb.len);
    len = sb.len;
    nmut = 1 + rnd_below(3);
    for (m = 0; m < nmut && len > 0; m++) {
      pos = rnd_below((unsigned)len);
      switch (rnd_below(5)) {
      case 0:   /* replace */
        doc[pos] = alphabet[rnd_below(sizeof(alphabet) - 1)];
        break;
      case 1:   /* delete */
        memmove(doc + pos, doc + pos + 1, len - pos - 1);
        len--;
        break;
      case 2:   /* insert */
        memmove(doc + pos + 1, doc + pos, len - pos);
        doc[pos] = alphabet[rnd_below(sizeof(alphabet) - 1)];
        len++;
        break;
      case 3:   /* truncate */
        len = pos;
        break;
      default:  /* swap two bytes */
        {
          size_t other = rnd_below((unsigned)len);
          char t = doc[pos];
          doc[pos] = doc[other];
          doc[other] = t;
        }
        break;
      }
    }
    if (compare_with_cjson(doc, len, 0))
      accepted++;
    else
      refused++;
  }
  pf_strbuf_release(&sb);
  /* both outcomes must actually be exercised */
  print_message("mutations: %u accepted, %u refused\n", accepted, refused);
  assert_true(accepted > 100);
  assert_true(refused > 1000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_tokens_scalars),
    cmocka_unit_test(test_tokens_structures),
    cmocka_unit_test(test_tokens_strings),
    cmocka_unit_test(test_surrogate_pairs),
    cmocka_unit_test(test_bom),
    cmocka_unit_test(test_paths),
    cmocka_unit_test(test_paths_odd_keys),
    cmocka_unit_test(test_error_position),
    cmocka_unit_test(test_error_grammar),
    cmocka_unit_test(test_error_truncated),
    cmocka_unit_test(test_error_strings),
    cmocka_unit_test(test_error_utf8),
    cmocka_unit_test(test_error_numbers),
    cmocka_unit_test(test_fail_custom),
    cmocka_unit_test(test_linecol),
    cmocka_unit_test(test_depth_limit),
    cmocka_unit_test(test_skip),
    cmocka_unit_test(test_int),
    cmocka_unit_test(test_random_valid_vs_cjson),
    cmocka_unit_test(test_random_mutations_vs_cjson),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
