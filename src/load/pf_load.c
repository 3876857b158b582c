/* SPDX-License-Identifier: MIT */
/* pf_load.c - file walking, shape sniffing and dispatch to kind loaders */
#include "pf_load.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "../core/pf_file.h"
#include "../core/pf_jsonr.h"
#include "../core/pf_mem.h"
#include "pf_arm.h"
#include "pf_load_int.h"
#include "pf_tf.h"

/* ---- strict parse: pf_jsonr validates, cJSON builds the tree ----------- */

pf_status pf_json_parse(const char *name, const char *buf, size_t len,
                        struct cJSON **out, struct pf_err *err)
{
  struct pf_jsonr r;
  enum pf_jtok t;
  cJSON *root;

  *out = NULL;
  /* first pass: the bounded reader owns error reporting (path, line,
   * column, nesting limit) so cJSON only ever sees valid JSON */
  pf_jsonr_init(&r, buf, len, 0);
  do {
    t = pf_jsonr_next(&r);
  } while (t != PF_JT_EOF && t != PF_JT_ERROR);
  if (t == PF_JT_ERROR) {
    pf_err_set(err, PF_EPARSE, "%s: %s", name, pf_jsonr_error(&r)->msg);
    pf_jsonr_release(&r);
    return PF_EPARSE;
  }
  pf_jsonr_release(&r);
  root = cJSON_ParseWithLength(buf, len);
  if (!root)
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory while parsing",
                      name);
  *out = root;
  return PF_OK;
}

void pf_json_free(struct cJSON *root)
{
  cJSON_Delete(root);
}

/* ---- dispatch ---------------------------------------------------------- */

struct load_state {
  struct pf_lj *lj;
  size_t unrecognised;      /* objects that are not ARM resources */
  size_t template_resources;
  int is_tags;
  const char *skip_reason;
  const struct pf_load_opts *opts;
  size_t len;               /* bytes of the document */
  size_t *templates;        /* templates seen in this load (--parameters) */
  const char **first_template;
};

static pf_status note_ignored(struct pf_lj *lj, const char *type)
{
  struct pf_config *cfg = lj->cfg;
  size_t i;
  cfg->n_ignored++;
  for (i = 0; i < cfg->n_ignored_types; i++)
    if (!strcasecmp(cfg->ignored_types[i], type))
      return PF_OK;
  if (cfg->n_ignored_types >= 64)
    return PF_OK;
  if (PF_GROW(cfg->ignored_types, cfg->cap_ignored_types,
              cfg->n_ignored_types + 1))
    return pf_load_oom(lj);
  cfg->ignored_types[cfg->n_ignored_types] = pf_arena_strdup(lj->a, type);
  if (!cfg->ignored_types[cfg->n_ignored_types])
    return pf_load_oom(lj);
  cfg->n_ignored_types++;
  return PF_OK;
}

/* The ARM type of an object: its "type" when that is a provider type,
 * else the type encoded in its id (az ml prints type "amlcompute"). */
static enum pf_kind sniff_kind(struct pf_lj *lj, const cJSON *o,
                               const char **type_out)
{
  const cJSON *type = pf_lj_get(o, "type", NULL);
  const cJSON *id = pf_lj_get(o, "id|ResourceId", NULL);
  enum pf_kind k = PF_K_COUNT;
  const char *sub, *rg, *itype = NULL, *name;

  *type_out = NULL;
  if (cJSON_IsString(type)) {
    k = pf_kind_from_type(type->valuestring);
    if (strchr(type->valuestring, '/'))
      *type_out = type->valuestring;
  }
  if (k == PF_K_COUNT && cJSON_IsString(id) &&
      pf_id_parse(lj->a, id->valuestring, &sub, &rg, &itype, &name) == PF_OK &&
      itype) {
    k = pf_kind_from_type(itype);
    if (!*type_out)
      *type_out = itype;
  }
  /* az ml workspace/compute/datastore output may lack an id in dry runs;
   * without one the object cannot be placed and is not loaded */
  return k;
}

static pf_status load_object(struct load_state *ls, const cJSON *o)
{
  struct pf_lj *lj = ls->lj;
  const char *type;
  enum pf_kind k;

  if (!cJSON_IsObject(o)) {
    ls->unrecognised++;
    return PF_OK;
  }
  k = sniff_kind(lj, o, &type);
  {
    /* a provider type and an id that name different kinds is a broken
     * document, not a resource of either kind */
    const cJSON *tv = pf_lj_get(o, "type", NULL);
    const cJSON *iv = pf_lj_get(o, "id|ResourceId", NULL);
    const char *sub, *rg, *itype = NULL, *name;
    if (cJSON_IsString(tv) && cJSON_IsString(iv) &&
        pf_kind_from_type(tv->valuestring) != PF_K_COUNT &&
        pf_id_parse(lj->a, iv->valuestring, &sub, &rg, &itype, &name) ==
            PF_OK &&
        itype && strcasecmp(itype, tv->valuestring))
      return pf_lj_fail(lj, "type", "type '%.80s' does not match the id, "
                        "which names a %.80s", tv->valuestring, itype);
  }
  if (k != PF_K_COUNT && !pf_lj_get(o, "id|ResourceId", NULL) &&
      pf_lj_get(o, "apiVersion", NULL)) {
    /* {type, apiVersion, name} without an id: a deployment template's
     * resource (PSRule test data, template fragments) */
    ls->template_resources++;
    return PF_OK;
  }
  switch (k) {
  case PF_K_VNET: return pf_load_vnet(lj, o);
  case PF_K_SUBNET: return pf_load_subnet(lj, o, NULL, NULL);
  case PF_K_NSG: return pf_load_nsg(lj, o);
  case PF_K_NIC: return pf_load_nic(lj, o);
  case PF_K_ASG: return pf_load_asg(lj, o);
  case PF_K_ROUTE_TABLE: return pf_load_route_table(lj, o);
  case PF_K_PRIVATE_ENDPOINT: return pf_load_private_endpoint(lj, o);
  case PF_K_STORAGE: return pf_load_storage(lj, o);
  case PF_K_KEYVAULT: return pf_load_keyvault(lj, o);
  case PF_K_REGISTRY: return pf_load_registry(lj, o);
  case PF_K_ROLE_ASSIGNMENT: return pf_load_role_assignment(lj, o);
  case PF_K_LOCK: return pf_load_lock(lj, o);
  case PF_K_WORKSPACE: return pf_load_workspace(lj, o);
  case PF_K_COMPUTE: return pf_load_compute(lj, o);
  case PF_K_DATASTORE: return pf_load_datastore(lj, o);
  case PF_K_SERVICE: return pf_load_service(lj, o);
  case PF_K_DATABRICKS: return pf_load_databricks(lj, o);
  case PF_K_VM: return pf_load_vm(lj, o);
  case PF_K_AKS_CLUSTER: return pf_load_aks_cluster(lj, o);
  case PF_K_COUNT: break;
  }
  if (type)
    return note_ignored(lj, type);
  ls->unrecognised++;
  return PF_OK;
}

/* Terraform plans and states: translated objects load like ARM ones;
 * azurerm types that are not translated are listed as ignored */
static pf_status tf_emit(struct pf_lj *lj, const cJSON *o, const char *type,
                         void *arg)
{
  struct load_state *ls = arg;
  if (!o)
    return note_ignored(lj, type);
  return load_object(ls, o);
}

static pf_status load_array(struct load_state *ls, const cJSON *arr,
                            const char *key)
{
  const cJSON *e;
  size_t i = 0;
  pf_status st = PF_OK;
  if (key)
    pf_lj_push_key(ls->lj, key);
  cJSON_ArrayForEach(e, arr) {
    pf_lj_push_idx(ls->lj, i++);
    st = load_object(ls, e);
    pf_lj_pop(ls->lj);
    if (st != PF_OK)
      break;
  }
  if (key)
    pf_lj_pop(ls->lj);
  return st;
}

static int has(const cJSON *o, const char *k)
{
  return cJSON_GetObjectItemCaseSensitive(o, k) != NULL;
}

/* An ARM deployment template: evaluated with its parameters into resource
 * objects (pf_arm.c), each loaded at its path in the template. */
static pf_status load_template(struct load_state *ls, const cJSON *root)
{
  struct pf_lj *lj = ls->lj;
  struct pf_arm_opts ao;
  struct pf_arm_out out;
  const char *file = lj->file;
  pf_status st;
  size_t i;

  memset(&ao, 0, sizeof(ao));
  if (ls->opts) {
    ao.parameters = ls->opts->parameters;
    ao.subscription = ls->opts->subscription;
    ao.resource_group = ls->opts->resource_group;
    ao.location = ls->opts->location;
  }
  if (ls->templates && (*ls->templates)++ == 0 && ls->first_template)
    *ls->first_template = file;
  else if (ao.parameters && ls->templates)
    return pf_err_set(lj->err, PF_EUSAGE, "%s: --parameters %s belongs to "
                      "one template, and %s is a second one: load one "
                      "template per run with --parameters", file,
                      ao.parameters,
                      ls->first_template && *ls->first_template
                          ? *ls->first_template : "another input");
  st = pf_arm_translate(file, ls->len, root, &ao, &out, lj->err);
  if (st == PF_OK && out.rg_placeholder && out.n)
    lj->cfg->rg_placeholder = 1;     /* cmd_fix: "-g rg" is no real group */
  for (i = 0; st == PF_OK && i < out.n_warn; i++)
    if (pf_config_warn(lj->cfg, "%s", out.warn[i]) != PF_OK)
      st = pf_load_oom(lj);
  for (i = 0; st == PF_OK && i < out.n; i++) {
    pf_lj_set_root(lj, out.r[i].file, out.r[i].path, out.r[i].remap,
                   out.r[i].n_remap);
    st = pf_lj_strip_pending(lj, out.r[i].obj);
    if (st == PF_OK)
      st = load_object(ls, out.r[i].obj);
  }
  pf_lj_set_root(lj, file, "$", NULL, 0);
  lj->file = file;
  pf_arm_out_release(&out);
  return st;
}

/* Sniff the document's envelope and load what it holds. */
static pf_status load_root(struct load_state *ls, const cJSON *root)
{
  const cJSON *v;
  if (cJSON_IsArray(root))
    return load_array(ls, root, NULL);
  if (!cJSON_IsObject(root)) {
    ls->skip_reason = "not Azure resource JSON (top level is not an object "
                      "or array)";
    return PF_OK;
  }
  /* API specification example: the response body is the resource */
  if (has(root, "parameters") && cJSON_IsObject(v = cJSON_GetObjectItem(
                                     root, "responses"))) {
    static const char *const codes[] = {"200", "201", "202", NULL};
    int i;
    for (i = 0; codes[i]; i++) {
      const cJSON *resp = cJSON_GetObjectItemCaseSensitive(v, codes[i]);
      const cJSON *body = cJSON_GetObjectItemCaseSensitive(resp, "body");
      if (body) {
        pf_status st;
        pf_lj_push_key(ls->lj, "responses");
        pf_lj_push_key(ls->lj, codes[i]);
        pf_lj_push_key(ls->lj, "body");
        st = load_root(ls, body);
        pf_lj_pop(ls->lj);
        pf_lj_pop(ls->lj);
        pf_lj_pop(ls->lj);
        return st;
      }
    }
    ls->skip_reason = "API example without a response body";
    return PF_OK;
  }
  /* service tag file (download or discovery shape) */
  if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "values")) &&
      (has(root, "changeNumber") || has(root, "cloud"))) {
    ls->skip_reason = "service tag file";
    ls->is_tags = 1;
    return PF_OK;
  }
  /* ARM deployment template / Terraform plan: evaluated by their own
   * loaders (issue 7), not read as resource JSON */
  {
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "$schema");
    if (cJSON_IsString(schema) &&
        strstr(schema->valuestring, "deploymentTemplate"))
      return load_template(ls, root);
    if (cJSON_IsString(schema) &&
        strstr(schema->valuestring, "DeploymentTemplate")) {
      /* subscription-, management-group- or tenant-scope templates place
       * resources outside a resource group: not evaluated */
      ls->skip_reason = "ARM deployment template at subscription, management "
                        "group or tenant scope (only resource group templates "
                        "are evaluated)";
      return PF_OK;
    }
    if (cJSON_IsString(schema) &&
        strstr(schema->valuestring, "deploymentParameters")) {
      ls->skip_reason = "ARM parameters file";
      return PF_OK;
    }
  }
  if (pf_tf_sniff(root))
    return pf_tf_load(ls->lj, root, tf_emit, ls,
                      ls->opts ? ls->opts->subscription : NULL,
                      &ls->skip_reason);
  /* list envelope: {"value": [...], "nextLink": ...} */
  if (cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(root, "value")) &&
      !has(root, "id"))
    return load_array(ls, v, "value");
  /* Resource Graph: {"count", "data": [...], "totalRecords"|...} */
  if (cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(root, "data")) &&
      (has(root, "count") || has(root, "totalRecords") ||
       has(root, "total_records") || has(root, "skip_token") ||
       has(root, "$skipToken")))
    return load_array(ls, v, "data");
  if (has(root, "effectiveSecurityRules") ||
      (cJSON_IsArray(v = cJSON_GetObjectItemCaseSensitive(
                         root, "networkSecurityGroups")) &&
       !has(root, "id"))) {
    ls->skip_reason = "effective security rules (a Network Watcher answer, "
                      "not configuration)";
    return PF_OK;
  }
  return load_object(ls, root);
}

static pf_status load_buffer(struct pf_config *cfg, const char *name,
                             const char *buf, size_t len,
                             const struct pf_load_opts *opts,
                             size_t *templates, const char **first,
                             struct pf_err *err)
{
  cJSON *root = NULL;
  struct pf_lj lj;
  struct load_state ls;
  struct pf_input *in;
  int pending;
  pf_status st;

  st = pf_json_parse(name, buf, len, &root, err);
  if (st != PF_OK)
    return st;
  pf_lj_init(&lj, cfg, name, err);
  /* a document may carry values known only at deployment in the
   * translators' own notation (pf_lj.h); only then is the tree walked */
  pending = memmem(buf, len, "\"" PF_LJ_PENDING_KEY "\"",
                         sizeof(PF_LJ_PENDING_KEY) + 1) != NULL;
  memset(&ls, 0, sizeof(ls));
  ls.lj = &lj;
  ls.opts = opts;
  ls.len = len;
  ls.templates = templates;
  ls.first_template = first;
  /* array elements known only at deployment are recorded and removed
   * before any loader walks an array */
  st = pending ? pf_lj_strip_pending(&lj, root) : PF_OK;
  if (st == PF_OK)
    st = load_root(&ls, root);
  if (st == PF_OK && !pf_err_isset(err)) {
    if (PF_GROW(cfg->inputs, cfg->cap_inputs, cfg->n_inputs + 1)) {
      st = pf_load_oom(&lj);
    } else {
      in = &cfg->inputs[cfg->n_inputs++];
      memset(in, 0, sizeof(*in));
      in->path = lj.file;
      in->n_resources = lj.loaded;
      in->n_duplicates = lj.duplicates;
      in->is_service_tags = ls.is_tags;
      if (ls.template_resources &&
          pf_config_warn(cfg, "%s: %zu deployment template resource%s "
                         "(type and apiVersion, no id) not loaded",
                         lj.file, ls.template_resources,
                         ls.template_resources == 1 ? "" : "s") != PF_OK)
        st = pf_load_oom(&lj);
      if (ls.skip_reason)
        in->skipped = ls.skip_reason;
      else if (lj.loaded == 0 && lj.duplicates == 0 && ls.unrecognised)
        in->skipped = "not Azure resource JSON (no object with an ARM id "
                      "or type)";
    }
  }
  if (st == PF_OK && pf_err_isset(err))
    st = err->code;
  pf_lj_release(&lj);
  cJSON_Delete(root);
  return st;
}

pf_status pf_load_buffer(struct pf_config *cfg, const char *name,
                         const char *buf, size_t len, struct pf_err *err)
{
  return load_buffer(cfg, name, buf, len, NULL, NULL, NULL, err);
}

struct walk_ctx {
  struct pf_config *cfg;
  size_t max;
  struct pf_err *err;
  const struct pf_load_opts *opts;
  size_t templates;
  const char *first_template;
};

static int ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcasecmp(s + n - m, suffix);
}

static pf_status load_file(const char *file, void *arg)
{
  struct walk_ctx *w = arg;
  char *buf = NULL;
  size_t len = 0;
  pf_status st;
  if (ends_with(file, ".bicep"))
    /* Bicep is a language of its own; its compiled JSON is a template */
    return pf_err_set(w->err, PF_EUNSUPPORTED, "%s: Bicep files are not "
                      "loaded: compile it to an ARM template with `az bicep "
                      "build --file %s` and give the .json", file, file);
  st = pf_file_read(file, w->max, &buf, &len, w->err);
  if (st != PF_OK)
    return st;
  st = load_buffer(w->cfg, strcmp(file, "-") ? file : "<stdin>", buf, len,
                   w->opts, &w->templates, &w->first_template, w->err);
  pf_free(buf);
  return st;
}

pf_status pf_load_paths(struct pf_config *cfg, const char *const *paths,
                        size_t n, const struct pf_load_opts *opts,
                        struct pf_err *err)
{
  struct walk_ctx w;
  size_t i;
  pf_status st;
  w.cfg = cfg;
  w.max = (opts && opts->max_file_size) ? opts->max_file_size
                                        : PF_FILE_MAX_DEFAULT;
  w.err = err;
  w.opts = opts;
  w.templates = 0;
  w.first_template = NULL;
  for (i = 0; i < n; i++) {
    size_t before = cfg->n_inputs;
    const struct pf_input *in;
    st = pf_file_walk(paths[i], load_file, &w, err);
    if (st != PF_OK)
      return st;
    /* a file named on the command line that is not configuration is
     * said where every command shows it (in a directory, skipping such
     * files is expected; inventory lists them either way): a parameters
     * file given alone must not look like a clean design */
    in = cfg->n_inputs == before + 1 ? &cfg->inputs[before] : NULL;
    if (in && in->skipped && !in->is_service_tags &&
        !strcmp(in->path, paths[i]) &&
        pf_config_warn(cfg, "%s: not loaded: %s%s", in->path, in->skipped,
                       strcmp(in->skipped, "ARM parameters file")
                           ? ""
                           : " (not an input of its own: give its template; "
                             "the parameters are read with --parameters "
                             "FILE, or from <name>.parameters.json beside "
                             "<name>.json)") != PF_OK)
      return pf_err_set(err, PF_ENOMEM, "%s: out of memory", paths[i]);
  }
  return pf_config_resolve(cfg);
}

/* ---- shared helpers for the kind loaders ------------------------------ */

pf_status pf_load_oom(struct pf_lj *lj)
{
  return pf_err_set(lj->err, PF_ENOMEM, "%s: out of memory", lj->file);
}

pf_status pf_load_add(struct pf_lj *lj, struct pf_res *r)
{
  pf_status st;
  if (r->shape == PF_SHAPE_ARM)
    pf_lj_pop(lj);   /* the ".properties" pushed by pf_load_header */
  st = pf_config_add(lj->cfg, r);
  if (st == PF_EDUP) {
    /* the first definition is kept; say which files disagree */
    const struct pf_res *first = pf_config_find(lj->cfg, r->id);
    lj->duplicates++;
    if (pf_config_warn(lj->cfg, "%s: %s: %s '%s' is also defined in %s; "
                       "the first definition is used", r->file, r->jpath,
                       pf_kind_name(r->kind), r->name,
                       first ? first->file : "?") != PF_OK)
      return pf_load_oom(lj);
    return PF_OK;
  }
  if (st != PF_OK)
    return pf_load_oom(lj);
  lj->loaded++;
  return PF_OK;
}

static const char *norm_location(struct pf_arena *a, const char *loc)
{
  char *d, *q;
  const char *p;
  if (!loc)
    return NULL;
  d = pf_arena_alloc(a, strlen(loc) + 1);
  if (!d)
    return NULL;
  for (p = loc, q = d; *p; p++) {
    if (*p == ' ')
      continue;
    *q++ = (char)tolower((unsigned char)*p);
  }
  *q = '\0';
  return d;
}

pf_status pf_load_header(struct pf_lj *lj, const cJSON *o, enum pf_kind kind,
                         const char *id_hint, struct pf_res *hdr)
{
  const char *id = NULL, *loc = NULL, *sub, *rg, *type, *name;
  pf_status st;

  hdr->kind = kind;
  hdr->file = lj->file;
  hdr->jpath = pf_lj_path(lj, NULL);
  hdr->shape = PF_SHAPE_AZ;
  if ((st = pf_lj_str(lj, o, "id|ResourceId", &id)) != PF_OK ||
      (st = pf_lj_str(lj, o, "name", &hdr->name)) != PF_OK ||
      (st = pf_lj_str(lj, o, "location", &loc)) != PF_OK)
    return st;
  if (!id)
    id = id_hint;
  if (!id || !*id)
    return pf_lj_fail(lj, "id", "%s resource has no 'id'",
                      pf_kind_name(kind));
  if (pf_id_parse(lj->a, id, &sub, &rg, &type, &name) != PF_OK)
    return pf_lj_fail(lj, "id", "'%.200s' is not an ARM resource id", id);
  hdr->id = id;
  hdr->subscription = sub;
  hdr->resource_group = rg;
  if (!hdr->name)
    hdr->name = name;
  if (!hdr->name)
    return pf_lj_fail(lj, "name", "resource has no name");
  hdr->location = norm_location(lj->a, loc);
  /* from here on the loader reads the property bag; paths say so.
   * pf_load_add pops it (on errors loading stops, so balance is moot) */
  if (pf_lj_props(o) != o) {
    hdr->shape = PF_SHAPE_ARM;
    pf_lj_push_key(lj, pf_lj_props(o)->string);
  }
  return PF_OK;
}
