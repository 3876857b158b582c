/* SPDX-License-Identifier: MIT */
/* fuzz_tags.c - libFuzzer target for the service tag loader
 *
 * Any byte string goes through pf_tagdb_load_buf; what loads is then
 * exercised through every read-only entry point (lookup with aliases,
 * regional lookup, the listed entries, distinct, and an extract that must
 * load back).  Failures must produce a message prefixed with the name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pf_strbuf.h"
#include "model/pf_tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_cb(const char *text, size_t n, void *arg)
{
  size_t *c = arg;
  (void)text;
  if (n == 0)
    abort(); /* a listed prefix was validated: never empty */
  (*c)++;
  return 0;
}

static void exercise(const struct pf_tagdb *db)
{
  static const char *const probes[] = {
      "Storage", "storage.westus", "Frontdoor.FirstParty", "Keyvault",
      "ContainerRegistry.eastus", "VIRTUAL_NETWORK", "a", ""};
  const struct pf_tag *t;
  struct pf_strbuf sb;
  struct pf_err err;
  const char **names;
  size_t i, n = pf_tagdb_count(db), distinct, v4, v6;

  for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
    pf_tagdb_find(db, probes[i], strlen(probes[i]), &t);
    pf_tagdb_regional(db, probes[i], "westus");
  }
  pf_tagdb_totals(db, &v4, &v6);
  if (pf_tagdb_distinct(db, &distinct) == PF_OK && distinct > v4 + v6)
    abort();

  names = calloc(n ? n : 1, sizeof(*names));
  if (!names)
    return;
  for (i = 0; i < n; i++) {
    size_t c = 0;
    t = pf_tagdb_at(db, i);
    names[i] = t->name;
    if (pf_tagdb_find(db, t->name, strlen(t->name), NULL) == PF_TAG_UNKNOWN)
      abort(); /* every loaded name can be found */
    if (pf_tagdb_each_listed(db, t, count_cb, &c) != 0 ||
        c != t->n_v4 + t->n_v6)
      abort();
    if (t->region[0])
      pf_tagdb_regional(db, t->name, t->region);
  }

  /* names may be computed ("Internet") and then refused: that is fine */
  pf_strbuf_init(&sb, (size_t)64 << 20);
  pf_err_clear(&err);
  if (pf_tagdb_extract(db, names, n, &sb, &err) == PF_OK) {
    struct pf_tagdb *back = NULL;
    if (pf_tagdb_load_buf(&back, "extract", sb.buf ? sb.buf : "", sb.len,
                          &err) != PF_OK)
      abort(); /* extract output must always load */
    if (pf_tagdb_count(back) != n)
      abort();
    for (i = 0; i < n; i++)
      if (!pf_ipset_equal(&pf_tagdb_at(back, i)->set,
                          &pf_tagdb_at(db, i)->set))
        abort();
    pf_tagdb_destroy(back);
  }
  pf_strbuf_release(&sb);
  free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct pf_tagdb *db = NULL;
  struct pf_err err;
  pf_err_clear(&err);
  if (pf_tagdb_load_buf(&db, "f.json", (const char *)data, size, &err) ==
      PF_OK) {
    exercise(db);
    pf_tagdb_destroy(db);
  } else if (db || strncmp(err.msg, "f.json: ", 8) != 0) {
    abort();
  }
  return 0;
}
