/* SPDX-License-Identifier: MIT */
/* fuzz_tf.c - libFuzzer target for the Terraform plan/state loader (pf_tf.c)
 *
 * Random bytes seldom look like `terraform show -json` output, so a JSON
 * object input that lacks "format_version" gets "format_version": "1.0"
 * (and "terraform_version") added before loading: every object then goes through the translation
 * (instances, references, ids, merged children) and the kind loaders.
 * The document is checked with all of fuzz_load.c's invariants (included
 * here with its entry point renamed), and then for the translator's own:
 * no path of the translated tree ("$[n]...", "$.tfextraN...") ever reaches a message, a
 * resource, a reference or a pending value - they all name the plan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define LLVMFuzzerTestOneInput fuzz_load_one
#include "fuzz_load.c"
#undef LLVMFuzzerTestOneInput

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* \p s is a JSON path, or a message "f.json: <path>: ..."; the document
 * is an object, so its paths start "$." or '$["' - a translated tree's
 * start "$[<digit>" or "$.tfextra" (values quoted later in a message may
 * hold anything) */
static void no_tree_path(const char *s)
{
  if (!s)
    return;
  if (!strncmp(s, "f.json: ", 8))
    s += 8;
  if ((!strncmp(s, "$[", 2) && s[2] >= '0' && s[2] <= '9') ||
      !strncmp(s, "$.tfextra", 9))
    abort();   /* a translated-tree path leaked out ($["key"] is not one) */
}

static void check_paths(const uint8_t *data, size_t size)
{
  struct pf_config *cfg = NULL;
  struct pf_err err;
  unsigned k;
  size_t i;
  if (pf_config_create(&cfg) != PF_OK)
    return;
  pf_err_clear(&err);
  if (pf_load_buffer(cfg, "f.json", (const char *)data, size, &err) !=
      PF_OK)
    no_tree_path(err.msg);
  (void)pf_config_resolve(cfg);
  for (k = 0; k < PF_K_COUNT; k++)
    for (i = 0; i < cfg->n_res[k]; i++) {
      const struct pf_res *r = cfg->res[k][i];
      no_tree_path(r->jpath);
      if (r->pending && (!r->pending->jpath || r->pending->jpath[0] != '$'))
        abort();
    }
  for (i = 0; i < cfg->n_warnings; i++)
    no_tree_path(cfg->warnings[i]);
  for (i = 0; i < cfg->n_pending; i++)
    no_tree_path(cfg->pending[i].jpath);
  pf_config_destroy(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct cJSON *root = NULL;
  struct pf_err err;
  char *text;
  pf_err_clear(&err);
  /* only valid JSON objects are worth rewriting; anything else is the
   * load target's business and is replayed as it is */
  if (pf_json_parse("f.json", (const char *)data, size, &root, &err) !=
          PF_OK ||
      !cJSON_IsObject(root)) {
    pf_json_free(root);
    fuzz_load_one(data, size);
    return 0;
  }
  if (!cJSON_GetObjectItemCaseSensitive(root, "format_version")) {
    cJSON_AddStringToObject(root, "format_version", "1.0");
    cJSON_AddStringToObject(root, "terraform_version", "1.5.7");
  }
  text = cJSON_PrintUnformatted(root);
  pf_json_free(root);
  if (!text)
    return 0;
  fuzz_load_one((const uint8_t *)text, strlen(text));
  check_paths((const uint8_t *)text, strlen(text));
  cJSON_free(text);
  return 0;
}
