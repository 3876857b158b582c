/* SPDX-License-Identifier: MIT */
/* fuzz_armexpr.c - libFuzzer target for the ARM template expression
 * evaluator
 *
 * The input is one template string (wrapped in "[...]" unless it starts
 * with '['), evaluated against a host with parameters, variables, a copy
 * loop and reference() to one declared and any undeclared resource.  It
 * must either give a value (printable, and the same value when evaluated
 * again: evaluation is deterministic) or an error that is one non-empty
 * line; the work budget bounds time.  Templates as a whole are fuzzed by
 * fuzz_load (pf_load_buffer translates them).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "load/pf_armexpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char params_json[] =
    "{\"name\":\"web\",\"count\":3,\"flag\":true,\"tags\":{\"env\":\"prod\"},"
    "\"list\":[\"a\",\"b\"],\"nothing\":null,"
    "\"later\":{\"$unknown\":\"[reference('x').y]\"}}";

static pf_status f_param(void *arg, struct pf_armx *x, const char *name,
                         cJSON **out)
{
  cJSON *all = cJSON_Parse(params_json);
  cJSON *v;
  (void)arg;
  if (!all)
    return PF_ENOMEM;
  v = cJSON_DetachItemFromObject(all, name);
  cJSON_Delete(all);
  if (!v)
    return pf_armx_fail(x, "parameters(): no parameter '%.40s'", name);
  *out = v;
  return PF_OK;
}

static pf_status f_var(void *arg, struct pf_armx *x, const char *name,
                       cJSON **out)
{
  (void)arg;
  if (strcmp(name, "v"))
    return pf_armx_fail(x, "variables(): no variable '%.40s'", name);
  *out = cJSON_CreateString("value");
  return *out ? PF_OK : PF_ENOMEM;
}

static pf_status f_copy(void *arg, struct pf_armx *x, const char *loop,
                        int64_t *out)
{
  (void)arg;
  if (loop && strcmp(loop, "items"))
    return pf_armx_fail(x, "copyIndex(): no loop '%.40s'", loop);
  *out = 1;
  return PF_OK;
}

static pf_status f_ref(void *arg, struct pf_armx *x, const char *target,
                       int full, cJSON **out)
{
  (void)arg;
  (void)x;
  (void)full;
  if (!strcmp(target, "declared"))
    *out = cJSON_Parse("{\"a\":{\"b\":[1,2]},\"$partial\":true}");
  else
    *out = pf_armx_unknown("reference()");
  return *out ? PF_OK : PF_ENOMEM;
}

static const struct pf_armx_host host = {NULL, f_param, f_var, f_copy, f_ref,
                                         NULL};

static char *run(const char *s, pf_status *st, char *msg, size_t msgsz)
{
  cJSON *v = NULL;
  long budget = 200000;
  char *text = NULL;
  *st = pf_armx_eval(&host, &budget, s, &v, msg, msgsz);
  if (*st == PF_OK) {
    if (!v)
      abort();
    text = cJSON_PrintUnformatted(v);
    if (!text)
      abort();
  } else if (v) {
    abort();
  }
  cJSON_Delete(v);
  return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s, *a, *b, msg1[512], msg2[512];
  pf_status st1, st2;
  int wrap = !(size && data[0] == '[');
  if (size > 30000)
    return 0;
  s = malloc(size + 3);
  if (!s)
    return 0;
  if (wrap)
    s[0] = '[';
  memcpy(s + wrap, data, size);
  if (wrap)
    s[size + 1] = ']';
  s[size + 2 * wrap] = '\0';
  if (memchr(data, '\0', size)) {   /* C strings end at the first NUL */
    free(s);
    return 0;
  }
  a = run(s, &st1, msg1, sizeof(msg1));
  b = run(s, &st2, msg2, sizeof(msg2));
  if (st1 != st2)
    abort();
  if (st1 == PF_OK) {
    if (strcmp(a, b))
      abort();
  } else if (!msg1[0] || strchr(msg1, '\n') || strcmp(msg1, msg2)) {
    abort();
  }
  cJSON_free(a);
  cJSON_free(b);
  free(s);
  return 0;
}
