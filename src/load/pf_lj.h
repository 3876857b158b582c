/* SPDX-License-Identifier: MIT */
/* pf_lj.h - typed, path-aware reads of JSON trees for the loaders
 *
 * The only module besides pf_json.c that sees cJSON.  Every read names the
 * member it wants (with "|"-separated alternatives for the ARM, az CLI and
 * az ml spellings of the same field), checks its type, and on failure
 * records "<file>: <json.path>: <what is wrong>" in the first-error-wins
 * error object.  Absent and null members are "not given", never errors,
 * unless the field is required.
 *
 * Ownership: strings returned are copied into the configuration arena.
 */
#ifndef PF_LJ_H
#define PF_LJ_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../core/pf_err.h"
#include "../core/pf_strbuf.h"
#include "../model/pf_model.h"

#define PF_LJ_MAX_DEPTH 128

struct pf_lj {
  struct pf_config *cfg;
  struct pf_arena *a;
  const char *file;              /* arena copy of the input path */
  struct pf_strbuf path;         /* "$.value[3].properties" */
  size_t mark[PF_LJ_MAX_DEPTH];
  unsigned depth;
  struct pf_err *err;
  size_t loaded;                 /* resources added from this file */
  size_t duplicates;             /* resources already defined elsewhere */
  int may_pend;                  /* the tree may hold pending values: set
                                  * by pf_lj_strip_pending (see below) */
  /* paths of a translated tree that came from elsewhere in the source
   * (a template's child resource merged into its parent): rendered
   * paths are rewritten so messages name the template (pf_arm.c) */
  const struct pf_lj_remap *remap;
  size_t n_remap;
  /* translated inputs (Terraform plans, pf_tf.c): maps a path in the
   * translated tree to the place in the document the user wrote, so that
   * errors, warnings and resource paths name the user's file; NULL to
   * keep the path as it is */
  const char *(*map_path)(void *ctx, const char *path);
  void *map_ctx;
};

/* "$.resources[0].properties.subnets[2]" is really "$.resources[1]" */
struct pf_lj_remap {
  char *from;
  char *to;
};

void pf_lj_init(struct pf_lj *lj, struct pf_config *cfg, const char *file,
                struct pf_err *err);
void pf_lj_release(struct pf_lj *lj);

void pf_lj_push_key(struct pf_lj *lj, const char *key);
void pf_lj_push_idx(struct pf_lj *lj, size_t i);
void pf_lj_pop(struct pf_lj *lj);
/**
 * Start over at \p path ("$.resources[3]") of \p file (an arena copy is
 * kept), with \p n remapped prefixes (see struct pf_lj_remap).
 */
void pf_lj_set_root(struct pf_lj *lj, const char *file, const char *path,
                    const struct pf_lj_remap *remap, size_t n);
/** Arena copy of the current path (with ".key" appended when non-NULL). */
const char *pf_lj_path(struct pf_lj *lj, const char *key);

/** Record "<file>: <path>[.key]: msg"; \return PF_EINVAL. */
pf_status pf_lj_fail(struct pf_lj *lj, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** First member of \p obj named by any alternative in \p keys; sets \p
 * *which to the name found.  JSON null counts as absent. */
const cJSON *pf_lj_get(const cJSON *obj, const char *keys, const char **which);

/* Typed reads; PF_OK with the output untouched when absent. */
pf_status pf_lj_str(struct pf_lj *lj, const cJSON *obj, const char *keys,
                    const char **out);
pf_status pf_lj_req_str(struct pf_lj *lj, const cJSON *obj, const char *keys,
                        const char **out);
pf_status pf_lj_bool(struct pf_lj *lj, const cJSON *obj, const char *keys,
                     enum pf_tri *out);
/** Integer member (a JSON number, or a string of digits) in [min, max]. */
pf_status pf_lj_int(struct pf_lj *lj, const cJSON *obj, const char *keys,
                    int64_t min, int64_t max, int64_t *out);
/** Object / array members; \p *out NULL when absent. */
pf_status pf_lj_obj(struct pf_lj *lj, const cJSON *obj, const char *keys,
                    const cJSON **out, const char **which);
pf_status pf_lj_arr(struct pf_lj *lj, const cJSON *obj, const char *keys,
                    const cJSON **out, const char **which);
/**
 * Case-insensitive enum: \p names is NULL-terminated; \p *out gets the
 * index.  An unknown value is an error listing the allowed ones.
 */
pf_status pf_lj_enum(struct pf_lj *lj, const cJSON *obj, const char *keys,
                     const char *const *names, int *out);
/** Enabled/Disabled (and true/false) strings to a tri-state. */
pf_status pf_lj_enabled(struct pf_lj *lj, const cJSON *obj, const char *keys,
                        enum pf_tri *out);
/** A reference: {"id": "..."} or a bare id string. */
pf_status pf_lj_ref(struct pf_lj *lj, const cJSON *obj, const char *keys,
                    struct pf_ref *out);
/** Array of references ({"id"} objects or strings); arena array. */
pf_status pf_lj_refs(struct pf_lj *lj, const cJSON *obj, const char *keys,
                     struct pf_ref **out, size_t *n);
/** Array of strings; arena array. */
pf_status pf_lj_strs(struct pf_lj *lj, const cJSON *obj, const char *keys,
                     const char ***out, size_t *n);
/**
 * IP prefixes from a string or an array of strings (bare addresses allowed
 * when \p allow_bare); appended to the arena array \p *out.
 */
pf_status pf_lj_prefixes(struct pf_lj *lj, const cJSON *obj,
                         const char *keys, int allow_bare,
                         struct pf_prefix **out, size_t *n);

/*
 * Values known only at deployment.  Template and plan translators
 * (ARM reference() of runtime state, Terraform "known after apply") put
 * {"$unknown": "<expression>"} where the value would be.  The typed reads
 * above record such a value with pf_config_pending and treat it as not
 * given; loaders that read members directly check pf_lj_pending_text.
 */
#define PF_LJ_PENDING_KEY "$unknown"
/** The expression of a pending value, or NULL when \p v is not one. */
const char *pf_lj_pending_text(const cJSON *v);
/**
 * Record every pending value that is an array element inside \p o (paths
 * from the current one) and remove it from its array, so loaders that walk
 * arrays never meet one.  pf_load_buffer runs it on documents holding the
 * notation; a translator runs it on the tree it builds before loading it.
 */
pf_status pf_lj_strip_pending(struct pf_lj *lj, cJSON *o);
/** Whether a pending value was recorded at or under the current path
 * [.key] of this file; \return its text or NULL. */
const char *pf_lj_pending_under(struct pf_lj *lj, const char *key);
/** The same, as the recorded value (its path and expression); valid until
 * the next value is recorded. */
struct pf_pending *pf_lj_pending_find(struct pf_lj *lj,
                                            const char *key);
const char *pf_lj_pending_text(const cJSON *v);
/** Record \p v (if pending) at the current path [.key]. */
pf_status pf_lj_note_pending(struct pf_lj *lj, const char *key,
                             const cJSON *v);

/** The object holding a resource's properties: o.properties if it is an
 * object, else \p o itself (az CLI flattens). */
const cJSON *pf_lj_props(const cJSON *o);

/**
 * Enter the property bag of \p o (see pf_lj_props), pushing
 * ".properties" on the path when \p o nests one; pf_lj_leave pops it.
 */
const cJSON *pf_lj_enter(struct pf_lj *lj, const cJSON *o);
void pf_lj_leave(struct pf_lj *lj, const cJSON *o, const cJSON *p);

/** Human name of a JSON type ("a string"). */
const char *pf_lj_typename(const cJSON *v);

#endif
