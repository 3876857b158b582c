/* SPDX-License-Identifier: MIT */
/* fuzz_https.c - libFuzzer target for the HTTPS answer readers
 * (probes/pf_https_class.c)
 *
 * The input is an HTTP answer as a server could send it: header lines up
 * to the first empty line, then the body.  The first two bytes also give
 * an HTTP status.  Every header line goes through pf_httpsc_header, the
 * body through pf_httpsc_body (JSON via pf_jsonr, XML via the tag
 * scanner), and the verdict is taken for every service.  The fields must
 * stay NUL-terminated printable ASCII inside their sizes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../probes/pf_https_class.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s, size_t cap)
{
  size_t n = strnlen(s, cap);
  size_t i;
  if (n >= cap)
    abort();
  for (i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
      abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = (const char *)data, *end = p + size, *nl;
  struct pf_https_svcerr e;
  long status = 200;
  int s, fw;
  const char *why;

  memset(&e, 0, sizeof(e));
  if (size >= 2)
    status = 100 + (long)((data[0] << 8 | data[1]) % 500);
  /* header lines until an empty line */
  while (p < end) {
    nl = memchr(p, '\n', (size_t)(end - p));
    nl = nl ? nl + 1 : end;
    if (nl - p <= 2 && (*p == '\r' || *p == '\n')) {
      p = nl;
      break;
    }
    pf_httpsc_header(p, (size_t)(nl - p), &e);
    p = nl;
  }
  pf_httpsc_body(p, (size_t)(end - p), &e);
  /* the whole input as a body too (a server that sent no headers) */
  pf_httpsc_body((const char *)data, size, &e);
  printable(e.code, sizeof(e.code));
  printable(e.inner, sizeof(e.inner));
  printable(e.message, sizeof(e.message));
  for (s = 0; s < PF_HTTPS_SERVICE_COUNT; s++) {
    why = NULL;
    if ((unsigned)pf_httpsc_verdict((enum pf_https_service)s,
                                    PF_HTTPS_ANSWERED, status, &e, &why,
                                    &fw) >= PF_HTTPS_VERDICT_COUNT ||
        !why)
      abort();
  }
  return 0;
}
