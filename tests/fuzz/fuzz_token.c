/* SPDX-License-Identifier: MIT */
/* fuzz_token.c - libFuzzer target for the fetch parsers (docs/fetch.md)
 *
 * Each input is read as a token document (az account get-access-token
 * output or an IMDS answer), as an ARM error body, and, cut at the first
 * NUL or 200 bytes, as a Retry-After value.  A token that parses must be
 * a well-formed bearer token; an error must name the document and hold a
 * JSON path; the error body's code and message must be printable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "load/pf_armrest.h"
#include "load/pf_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
      abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *buf = (const char *)data;
  struct pf_token t;
  struct pf_err err;
  char code[64], msg[256], ra[201];
  unsigned secs;
  size_t n;
  pf_status st;

  pf_err_clear(&err);
  st = pf_token_parse("doc", buf, size, &t, &err);
  if (st == PF_OK) {
    if (!t.value || !pf_token_valid(t.value, strlen(t.value)) ||
        pf_err_isset(&err))
      abort();
    pf_token_release(&t);
  } else if (st != PF_EPARSE || t.value || strncmp(err.msg, "doc: $", 6)) {
    abort();
  }
  pf_armrest_error_body(buf, size, code, sizeof(code), msg, sizeof(msg));
  printable(code);
  printable(msg);
  n = size < 200 ? size : 200;
  memcpy(ra, buf, n);
  ra[n] = '\0';
  secs = 12345;
  if (pf_armrest_retry_after(ra, 784111777, &secs) != 0 && secs != 12345)
    abort();
  if (secs > 86400u * 365 && secs != 12345)
    abort();
  return 0;
}
