/* SPDX-License-Identifier: MIT */
/* pf_load.h - read configuration files into the model
 *
 * Inputs are files or directories (recursively *.json), any mix; the shape
 * is sniffed: single resource objects, arrays, {"value": [...]} list
 * envelopes (nextLink ignored: each page is a file), Resource Graph results
 * ({"data": [...]}), and API-specification examples ({"parameters",
 * "responses": {"200": {"body"}}}).  Both the ARM REST shape (properties
 * nested) and the az CLI flattened shape are read, camelCase and the
 * snake_case of `az ml ... show` (AZURE-SEMANTICS.md 7).
 *
 * Any invalid value in a recognised resource stops loading with
 * "<file>: <json.path>: <what is wrong>" (exit 2 at the CLI).  Files that
 * hold no Azure configuration (tag files, templates, effective-rule
 * answers, other JSON) are recorded as skipped with the reason.
 */
#ifndef PF_LOAD_H
#define PF_LOAD_H

#include <stddef.h>

#include "../core/pf_err.h"
#include "../model/pf_model.h"

struct pf_load_opts {
  size_t max_file_size;   /* 0: PF_FILE_MAX_DEFAULT */
  /* ARM deployment templates (docs/templates.md): the parameters file
   * (NULL: <template>.parameters.json beside it) and the deployment scope
   * (NULL: placeholders, warned) */
  const char *parameters;
  const char *subscription;
  const char *resource_group;
  const char *location;
};

/**
 * Load every path (file, directory, or "-" for stdin) into \p cfg and
 * resolve references.  Stops at the first error.
 */
pf_status pf_load_paths(struct pf_config *cfg, const char *const *paths,
                        size_t n, const struct pf_load_opts *opts,
                        struct pf_err *err);

/** Load one in-memory document named \p name (no reference resolution). */
pf_status pf_load_buffer(struct pf_config *cfg, const char *name,
                         const char *buf, size_t len, struct pf_err *err);

/**
 * Parse \p buf strictly (grammar, UTF-8, nesting) into a cJSON tree.
 * Errors read "<name>: <json.path>: line L, column C: <reason>".  The
 * caller frees the tree with pf_json_free.
 */
struct cJSON;
pf_status pf_json_parse(const char *name, const char *buf, size_t len,
                        struct cJSON **out, struct pf_err *err);
void pf_json_free(struct cJSON *root);

#endif
