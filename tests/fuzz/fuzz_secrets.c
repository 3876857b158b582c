/* SPDX-License-Identifier: MIT */
/* fuzz_secrets.c - libFuzzer target for the secret scanner
 *
 * The first byte picks the syntax (script, notebook, JSON, YAML, .env,
 * configuration); the rest is scanned.  Findings must point inside the
 * input, and their redacted value must be short and end in "...".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/pf_secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const names[] = {"t.py", "n.ipynb", "j.json", "j.yml",
                                      ".env", "a.cfg"};
  struct pf_secrets s;
  size_t i, lines = 1;
  const char *buf;
  if (!size)
    return 0;
  buf = (const char *)data + 1;
  for (i = 0; i + 1 < size; i++)
    lines += buf[i] == '\n';
  pf_secrets_init(&s);
  if (pf_secrets_scan_buf(&s, names[data[0] % 6], buf, size - 1) != PF_OK)
    abort();
  for (i = 0; i < s.n; i++) {
    size_t vl = strlen(s.f[i].value);
    if (s.f[i].line < 1 || s.f[i].line > lines || s.f[i].col < 1 ||
        s.f[i].col > size + 1 || vl > 7 ||
        (vl && strcmp(s.f[i].value + vl - 3, "...")))
      abort();
  }
  pf_secrets_release(&s);
  return 0;
}
