/* SPDX-License-Identifier: MIT */
/* pf_tf.h - Terraform `terraform show -json` output (plans and states)
 *
 * The JSON output format is documented by HashiCorp ("JSON Output Format",
 * terraform/internals/json-format): a plan carries planned_values (the
 * values after apply, unknown values omitted), resource_changes (with
 * change.after_unknown marking what is known only after apply), prior_state
 * (data sources read while planning) and configuration (the expressions,
 * with the references each one makes); a state carries values.  Both nest
 * modules as child_modules.
 *
 * The azurerm resources that preflight evaluates are translated into ARM
 * REST-shaped resource objects (docs/terraform.md has the mapping table)
 * and handed to the ordinary kind loaders.  Ids of resources still to be
 * created are synthesised from the subscription, the resource group and
 * the name, following references through the configuration; a value that
 * is known only after apply and that no reference resolves becomes the
 * marker {"$unknown": "<address>.<attribute> (known after apply)"}, never
 * a guess.  Errors and warnings name the plan file and a JSON path in the
 * plan, not in the translated tree.
 */
#ifndef PF_TF_H
#define PF_TF_H

#include "pf_lj.h"

/** Non-zero when \p root looks like `terraform show -json` output. */
int pf_tf_sniff(const cJSON *root);

/** Called once per translated resource object \p o, with \p lj's path at
 * the object's place in the translated tree; or with \p o NULL and the
 * Terraform \p type of an azurerm resource that is not translated. */
typedef pf_status (*pf_tf_emit_fn)(struct pf_lj *lj, const cJSON *o,
                                   const char *type, void *arg);

/**
 * Translate the plan or state \p root (read from lj->file) and hand each
 * resource to \p emit.  \p subscription (check --subscription; may be
 * NULL) is the subscription of synthesised ids when the document names
 * none.  \p *skipped is set to a reason when the document is Terraform
 * JSON of another kind (provider schemas) or holds no resources.  Errors
 * read "<file>: <path in the plan>: <what is wrong>" (PF_EINVAL).
 */
pf_status pf_tf_load(struct pf_lj *lj, const cJSON *root, pf_tf_emit_fn emit,
                     void *arg, const char *subscription,
                     const char **skipped);

/** The marker member of an unknown value. */
#define PF_TF_UNKNOWN_KEY "$unknown"

#endif
