/* SPDX-License-Identifier: MIT */
/* report_read.c - read `check --format json` documents (and the `probe` /
 * `capture` documents of the same result shape) back into findings
 *
 * The document format is docs/check-json.md.  Keys this reader does not
 * know are ignored (later versions may add keys); the keys it needs are
 * checked, and a wrong one is an input error "<file>: <json.path>: reason".
 * The view a document gives is its top-level "command" ("check",
 * "probe", "capture"; default "check"), or a result's own "origin".
 */
#include "report.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "core/pf_file.h"
#include "core/pf_mem.h"
#include "load/pf_load.h"

struct rd {
  struct pf_report *rep;
  const char *path;
  struct pf_err *err;
};

static pf_status bad(struct rd *r, const char *jpath, const char *what)
{
  return pf_err_set(r->err, PF_EPARSE, "%s: %s: %s", r->path, jpath, what);
}

/* A string member: NULL when absent or null; an error for other types. */
static pf_status opt_str(struct rd *r, const cJSON *o, const char *key,
                         const char *at, const char **out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  char jp[256];
  *out = NULL;
  if (!v || cJSON_IsNull(v))
    return PF_OK;
  if (!cJSON_IsString(v)) {
    snprintf(jp, sizeof(jp), "%s.%s", at, key);
    return bad(r, jp, "expected a string");
  }
  *out = pf_report_str(r->rep, v->valuestring);
  return *out ? PF_OK : PF_ENOMEM;
}

static pf_status req_str(struct rd *r, const cJSON *o, const char *key,
                         const char *at, const char **out)
{
  char jp[256];
  pf_status st = opt_str(r, o, key, at, out);
  if (st == PF_OK && !*out) {
    snprintf(jp, sizeof(jp), "%s.%s", at, key);
    return bad(r, jp, "missing (a results document of 'preflight check "
               "--format json' is expected)");
  }
  return st;
}

static pf_status read_result(struct rd *r, const cJSON *o, size_t idx,
                             const char *doc_origin)
{
  char at[64], jp[128];
  const char *s;
  const cJSON *ev, *rem, *sup, *loc;
  struct pf_finding *f;
  pf_status st;
  int v;

  snprintf(at, sizeof(at), "$.results[%zu]", idx);
  if (!cJSON_IsObject(o))
    return bad(r, at, "expected an object");
  if (!(f = pf_report_new(r->rep)))
    return PF_ENOMEM;
  if ((st = req_str(r, o, "rule", at, &f->rule)) != PF_OK)
    return st;
  if ((st = req_str(r, o, "severity", at, &s)) != PF_OK)
    return st;
  if ((v = pf_report_sev_parse(s)) < 0) {
    snprintf(jp, sizeof(jp), "%s.severity", at);
    return bad(r, jp, "expected error, warning or info");
  }
  f->sev = (enum pf_sev)v;
  if ((st = req_str(r, o, "status", at, &s)) != PF_OK)
    return st;
  if ((v = pf_report_status_parse(s)) < 0) {
    snprintf(jp, sizeof(jp), "%s.status", at);
    return bad(r, jp, "expected pass, fail or unknown");
  }
  f->status = (enum pf_rstatus)v;
  if ((st = opt_str(r, o, "resource", at, &f->resource)) != PF_OK ||
      (st = opt_str(r, o, "resource_kind", at, &f->kind)) != PF_OK ||
      (st = opt_str(r, o, "resource_name", at, &f->name)) != PF_OK ||
      (st = opt_str(r, o, "title", at, &f->title)) != PF_OK ||
      (st = req_str(r, o, "message", at, &f->message)) != PF_OK ||
      (st = opt_str(r, o, "source", at, &f->source)) != PF_OK ||
      (st = opt_str(r, o, "why", at, &f->why)) != PF_OK ||
      (st = opt_str(r, o, "origin", at, &s)) != PF_OK)
    return st;
  if (!f->resource)
    f->resource = "";
  f->origin = s ? s : doc_origin;
  if (strcmp(f->origin, PF_ORIGIN_CHECK) &&
      strcmp(f->origin, PF_ORIGIN_PROBE) &&
      strcmp(f->origin, PF_ORIGIN_CAPTURE)) {
    snprintf(jp, sizeof(jp), "%s.origin", at);
    return bad(r, jp, "expected check, probe or capture");
  }
  f->from = r->rep->docs[r->rep->n_docs - 1];
  ev = cJSON_GetObjectItemCaseSensitive(o, "evidence");
  if (ev && !cJSON_IsNull(ev)) {
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(ev, "checks");
    char *txt;
    if (!cJSON_IsObject(ev) || (checks && !cJSON_IsArray(checks))) {
      snprintf(jp, sizeof(jp), "%s.evidence", at);
      return bad(r, jp, "expected {\"checks\": [...]}");
    }
    if (checks) {
      if (!(txt = cJSON_PrintUnformatted(checks)))
        return PF_ENOMEM;
      f->evidence = pf_report_str(r->rep, txt);
      cJSON_free(txt);
      if (!f->evidence)
        return PF_ENOMEM;
    }
  }
  rem = cJSON_GetObjectItemCaseSensitive(o, "remediation");
  if (rem && !cJSON_IsNull(rem)) {
    snprintf(jp, sizeof(jp), "%s.remediation", at);
    if (!cJSON_IsObject(rem))
      return bad(r, jp, "expected an object or null");
    if ((st = opt_str(r, rem, "az", jp, &f->fix_az)) != PF_OK ||
        (st = opt_str(r, rem, "bicep", jp, &f->fix_bicep)) != PF_OK ||
        (st = opt_str(r, rem, "terraform", jp, &f->fix_terraform)) != PF_OK)
      return st;
  }
  sup = cJSON_GetObjectItemCaseSensitive(o, "suppressed");
  if (sup && !cJSON_IsNull(sup)) {
    snprintf(jp, sizeof(jp), "%s.suppressed", at);
    if (!cJSON_IsObject(sup))
      return bad(r, jp, "expected {\"justification\", \"expires\"}");
    if ((st = req_str(r, sup, "justification", jp, &f->supp_reason)) !=
            PF_OK ||
        (st = opt_str(r, sup, "expires", jp, &f->supp_expires)) != PF_OK)
      return st;
    f->suppressed = 1;
  }
  loc = cJSON_GetObjectItemCaseSensitive(o, "location");
  if (loc && !cJSON_IsNull(loc)) {
    snprintf(jp, sizeof(jp), "%s.location", at);
    if (!cJSON_IsObject(loc))
      return bad(r, jp, "expected {\"file\", \"jpath\"}");
    if ((st = opt_str(r, loc, "file", jp, &f->file)) != PF_OK ||
        (st = opt_str(r, loc, "jpath", jp, &f->jpath)) != PF_OK)
      return st;
  }
  return PF_OK;
}

static pf_status read_doc(struct rd *r, const cJSON *root)
{
  const cJSON *v, *results, *x;
  const char *origin = PF_ORIGIN_CHECK, *s;
  size_t i;
  pf_status st;

  if (!cJSON_IsObject(root))
    return bad(r, "$", "expected an object (a results document of "
               "'preflight check --format json')");
  results = cJSON_GetObjectItemCaseSensitive(root, "results");
  if (!results)
    return bad(r, "$.results", "missing (a results document of "
               "'preflight check --format json' is expected)");
  if (!cJSON_IsArray(results))
    return bad(r, "$.results", "expected an array");
  if ((st = opt_str(r, root, "command", "$", &s)) != PF_OK)
    return st;
  if (s) {
    if (strcmp(s, PF_ORIGIN_CHECK) && strcmp(s, PF_ORIGIN_PROBE) &&
        strcmp(s, PF_ORIGIN_CAPTURE))
      return bad(r, "$.command", "expected check, probe or capture");
    origin = s;
  }
  v = cJSON_GetObjectItemCaseSensitive(root, "tool");
  if (v && cJSON_IsObject(v) && !r->rep->version) {
    if ((st = opt_str(r, v, "version", "$.tool", &r->rep->version)) != PF_OK)
      return st;
  }
  if ((st = opt_str(r, root, "profile", "$", &s)) != PF_OK)
    return st;
  if (s && !r->rep->profile)
    r->rep->profile = s;
  else if (s && strcmp(s, r->rep->profile))
    pf_report_note(r->rep, "%s: profile %s differs from profile %s of an "
                   "earlier document", r->path, s, r->rep->profile);
  v = cJSON_GetObjectItemCaseSensitive(root, "service_tags");
  if (v && cJSON_IsObject(v) && !r->rep->tags_path) {
    x = cJSON_GetObjectItemCaseSensitive(v, "change_number");
    if ((st = opt_str(r, v, "path", "$.service_tags",
                      &r->rep->tags_path)) != PF_OK ||
        (st = opt_str(r, v, "cloud", "$.service_tags",
                      &r->rep->tags_cloud)) != PF_OK)
      return st;
    if (cJSON_IsNumber(x))
      r->rep->tags_change = (int64_t)x->valuedouble;
  }
  v = cJSON_GetObjectItemCaseSensitive(root, "inputs");
  if (v && !cJSON_IsArray(v))
    return bad(r, "$.inputs", "expected an array of file names");
  i = 0;
  cJSON_ArrayForEach(x, v) {
    char jp[64];
    snprintf(jp, sizeof(jp), "$.inputs[%zu]", i++);
    if (!cJSON_IsString(x))
      return bad(r, jp, "expected a string");
    if (pf_report_add_input(r->rep, x->valuestring) != PF_OK)
      return PF_ENOMEM;
  }
  i = 0;
  cJSON_ArrayForEach(x, results) {
    if ((st = read_result(r, x, i++, origin)) != PF_OK)
      return st;
  }
  return PF_OK;
}

pf_status pf_report_read(struct pf_report *rep, const char *path,
                         struct pf_err *err)
{
  struct rd r;
  cJSON *root = NULL;
  char *buf = NULL;
  size_t len = 0;
  const char *doc;
  pf_status st;

  r.rep = rep;
  r.path = path;
  r.err = err;
  if ((st = pf_file_read(path, PF_FILE_MAX_DEFAULT, &buf, &len, err)) !=
      PF_OK)
    return st;
  st = pf_json_parse(path, buf, len, &root, err);
  pf_free(buf);
  if (st != PF_OK)
    return st;
  if (PF_GROW(rep->docs, rep->cap_docs, rep->n_docs + 1) ||
      !(doc = pf_report_str(rep, path))) {
    pf_json_free(root);
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", path);
  }
  rep->docs[rep->n_docs++] = doc;
  st = read_doc(&r, root);
  pf_json_free(root);
  if (st == PF_ENOMEM)
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", path);
  return st;
}
