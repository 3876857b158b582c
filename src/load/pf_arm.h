/* SPDX-License-Identifier: MIT */
/* pf_arm.h - ARM deployment templates translated into resource objects
 *
 * A template (azuredeploy.json) with its parameters (--parameters FILE, or
 * <name>.parameters.json beside it) is evaluated the way Azure Resource
 * Manager would deploy it: parameters with defaults, allowed values and
 * types; variables (with copy); resource and property copy loops;
 * conditions; nested inline and relative-path linked deployments with
 * inner/outer expression scope and their outputs; reference() to declared
 * resources and to nested deployments' outputs.  The result is a list of
 * resource objects in ARM REST shape (with ids under the placeholder or
 * given subscription and resource group), each with the file and JSON
 * path it was declared at, for the kind loaders.  Child resources
 * (subnets, security rules, routes, peerings) are merged into their
 * parent when the parent is declared in the same file.
 *
 * Values known only at deployment are {"$unknown": "<expression>"}
 * (pf_lj.h); errors read "<file>: <json.path>: <reason> (in "<expr>")".
 * docs/templates.md has the details.
 */
#ifndef PF_ARM_H
#define PF_ARM_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/pf_err.h"
#include "pf_lj.h"

/* Azure Resource Manager template limits (ARM "Template limits") */
#define PF_ARM_MAX_TEMPLATE_BYTES ((size_t)4 << 20)
#define PF_ARM_MAX_COPY 800          /* copy count, resources per template */
#define PF_ARM_MAX_NESTING 16        /* nested deployments in depth */

struct pf_arm_opts {
  const char *parameters;    /* parameters file; NULL: the one beside */
  const char *subscription;  /* NULL: placeholder, warned once */
  const char *resource_group;
  const char *location;
};

/* One resource for the loaders. */
struct pf_arm_res {
  cJSON *obj;                    /* ARM REST shape, with "id" */
  const char *file;              /* the template file declaring it */
  char *path;                    /* its JSON path there */
  struct pf_lj_remap *remap;     /* merged children's paths */
  size_t n_remap;
};

struct pf_arm_out {
  struct pf_arm_res *r;
  size_t n, cap;
  char **warn;                   /* messages for pf_config_warn */
  size_t n_warn, cap_warn;
  char **files;                  /* names of linked files (owned) */
  size_t n_files, cap_files;
  int rg_placeholder;            /* ids use the placeholder group */
};

/**
 * Translate the template \p tmpl (parsed from \p file, \p len bytes).
 * \return PF_OK with \p out filled (release with pf_arm_out_release, also
 * on errors), or an input error in \p err.
 */
pf_status pf_arm_translate(const char *file, size_t len, const cJSON *tmpl,
                           const struct pf_arm_opts *opts,
                           struct pf_arm_out *out, struct pf_err *err);
void pf_arm_out_release(struct pf_arm_out *out);

/** Is \p root a deployment template / parameters file ($schema)? */
int pf_arm_is_template(const cJSON *root);
int pf_arm_is_parameters(const cJSON *root);

#endif
