/* SPDX-License-Identifier: MIT */
/* fuzz_keys_file.c - libFuzzer target for the --keys file reader (KEY-2)
 *
 * Any byte string goes through pf_keysrc_parse.  A file that loads has at
 * least one key, each non-empty, found again by pf_keysrc_find for its
 * account; a file that does not load says why, starting "--keys f.json".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../probes/pf_key_probe.h"
#include "core/pf_mem.h"
#include "eval/pf_sharedkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct pf_keysrc k;
  struct pf_err err;
  size_t i;
  pf_keysrc_init(&k);
  pf_err_clear(&err);
  if (pf_keysrc_parse(&k, "f.json", (const char *)data, size, &err) ==
      PF_OK) {
    if (!k.n)
      abort();
    for (i = 0; i < k.n; i++) {
      if (!k.v[i].key || !*k.v[i].key)
        abort();
      if (k.v[i].account && strlen(k.v[i].account) >= 3 &&
          strlen(k.v[i].account) <= 24 &&
          strspn(k.v[i].account, "abcdefghijklmnopqrstuvwxyz0123456789") ==
              strlen(k.v[i].account)) {
        int arr = 0;
        char *key = pf_keysrc_find(&k, k.v[i].account, &arr);
        if (!key)
          abort();
        pf_sk_wipe(key, strlen(key));
        pf_free(key);
      }
    }
  } else if (strncmp(err.msg, "--keys f.json", 13) != 0 &&
             err.code != PF_ENOMEM) {
    abort();
  }
  pf_keysrc_release(&k);
  return 0;
}
