/* SPDX-License-Identifier: MIT */
/* pf_lj.c - typed, path-aware reads of JSON trees for the loaders */
#include "pf_lj.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_mem.h"

#define PATH_MAX_BYTES 4096

void pf_lj_init(struct pf_lj *lj, struct pf_config *cfg, const char *file,
                struct pf_err *err)
{
  memset(lj, 0, sizeof(*lj));
  lj->cfg = cfg;
  lj->a = &cfg->arena;
  lj->file = pf_arena_strdup(lj->a, file);
  if (!lj->file)
    lj->file = "<input>";
  lj->err = err;
  pf_strbuf_init(&lj->path, PATH_MAX_BYTES);
  pf_strbuf_addc(&lj->path, '$');
}

void pf_lj_release(struct pf_lj *lj)
{
  pf_strbuf_release(&lj->path);
}

static void add_key(struct pf_strbuf *sb, const char *key)
{
  const char *k;
  int plain = *key != '\0';
  for (k = key; *k; k++) {
    char c = *k;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '$')) {
      plain = 0;
      break;
    }
  }
  if (plain)
    pf_strbuf_addf(sb, ".%s", key);
  else
    pf_strbuf_addf(sb, "[\"%.80s\"]", key);
}

void pf_lj_push_key(struct pf_lj *lj, const char *key)
{
  if (lj->depth < PF_LJ_MAX_DEPTH)
    lj->mark[lj->depth] = lj->path.len;
  lj->depth++;
  add_key(&lj->path, key);
}

void pf_lj_push_idx(struct pf_lj *lj, size_t i)
{
  char buf[24];
  size_t n = sizeof(buf);
  if (lj->depth < PF_LJ_MAX_DEPTH)
    lj->mark[lj->depth] = lj->path.len;
  lj->depth++;
  /* hot in large lists: format the index by hand, not with printf */
  buf[--n] = ']';
  do {
    buf[--n] = (char)('0' + i % 10);
    i /= 10;
  } while (i);
  buf[--n] = '[';
  pf_strbuf_addn(&lj->path, buf + n, sizeof(buf) - n);
}

void pf_lj_pop(struct pf_lj *lj)
{
  if (!lj->depth)
    return;
  lj->depth--;
  if (lj->depth < PF_LJ_MAX_DEPTH)
    pf_strbuf_truncate(&lj->path, lj->mark[lj->depth]);
}

void pf_lj_set_root(struct pf_lj *lj, const char *file, const char *path,
                    const struct pf_lj_remap *remap, size_t n)
{
  const char *f = pf_arena_strdup(lj->a, file);
  if (f)
    lj->file = f;
  pf_strbuf_reset(&lj->path);
  pf_strbuf_adds(&lj->path, path);
  lj->depth = 0;
  lj->remap = remap;
  lj->n_remap = n;
}

/* The path as the source names it: the longest remapped prefix that ends
 * at a member boundary is replaced. */
static const char *render(struct pf_lj *lj, char *buf, size_t size)
{
  const char *p = pf_strbuf_str(&lj->path);
  size_t i, best = 0, blen = 0;
  int found = 0;
  for (i = 0; i < lj->n_remap; i++) {
    size_t n = strlen(lj->remap[i].from);
    if (n >= blen && !strncmp(p, lj->remap[i].from, n) &&
        (p[n] == '\0' || p[n] == '.' || p[n] == '[')) {
      best = i;
      blen = n;
      found = 1;
    }
  }
  if (!found)
    return p;
  snprintf(buf, size, "%s%s", lj->remap[best].to, p + blen);
  return buf;
}

const char *pf_lj_path(struct pf_lj *lj, const char *key)
{
  size_t mark = lj->path.len;
  const char *s;
  char buf[PATH_MAX_BYTES + 512];
  if (key)
    add_key(&lj->path, key);
  s = pf_arena_strdup(lj->a, render(lj, buf, sizeof(buf)));
  pf_strbuf_truncate(&lj->path, mark);
  if (s && lj->map_path) {
    const char *m = lj->map_path(lj->map_ctx, s);
    if (m)
      s = m;
  }
  return s ? s : "$";
}

pf_status pf_lj_fail(struct pf_lj *lj, const char *key, const char *fmt, ...)
{
  char what[768], buf[PATH_MAX_BYTES + 512];
  size_t mark = lj->path.len;
  va_list ap;
  if (pf_err_isset(lj->err))
    return PF_EINVAL;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  if (key)
    add_key(&lj->path, key);
  {
    const char *where = render(lj, buf, sizeof(buf)), *m;
    if (lj->map_path && (m = lj->map_path(lj->map_ctx, where)) != NULL)
      where = m;
    pf_err_set(lj->err, PF_EINVAL, "%s: %s: %s", lj->file, where, what);
  }
  pf_strbuf_truncate(&lj->path, mark);
  return PF_EINVAL;
}

const char *pf_lj_typename(const cJSON *v)
{
  if (!v)
    return "nothing";
  if (cJSON_IsString(v))
    return "a string";
  if (cJSON_IsNumber(v))
    return "a number";
  if (cJSON_IsBool(v))
    return "a boolean";
  if (cJSON_IsNull(v))
    return "null";
  if (cJSON_IsArray(v))
    return "an array";
  if (cJSON_IsObject(v))
    return "an object";
  return "an unknown value";
}

const cJSON *pf_lj_get(const cJSON *obj, const char *keys, const char **which)
{
  static const char sep = '|';
  const char *k = keys;
  const cJSON *c;
  int pascal = 0;
  if (which)
    *which = NULL;
  if (!obj || !cJSON_IsObject(obj))
    return NULL;
  /* exact names first: the hot path for ARM and az JSON */
  while (*k) {
    const char *e = strchr(k, sep);
    size_t n = e ? (size_t)(e - k) : strlen(k);
    for (c = obj->child; c; c = c->next) {
      if (c->string && c->string[0] == k[0] &&
          !strncmp(c->string, k, n) && c->string[n] == '\0') {
        if (cJSON_IsNull(c))
          break;
        if (which)
          *which = c->string;
        return c;
      }
    }
    if (!e)
      break;
    k = e + 1;
  }
  /* PowerShell exports PascalCase ("Properties", "Name", "Location");
   * ARM itself treats member names case-insensitively, so fall back -
   * only in objects that have such names */
  for (c = obj->child; c && !pascal; c = c->next)
    pascal = c->string && c->string[0] >= 'A' && c->string[0] <= 'Z';
  if (!pascal)
    return NULL;
  for (k = keys; *k;) {
    const char *e = strchr(k, sep);
    size_t n = e ? (size_t)(e - k) : strlen(k);
    for (c = obj->child; c; c = c->next) {
      if (c->string && !strncasecmp(c->string, k, n) &&
          c->string[n] == '\0' && !cJSON_IsNull(c)) {
        if (which)
          *which = c->string;
        return c;
      }
    }
    if (!e)
      break;
    k = e + 1;
  }
  return NULL;
}

const char *pf_lj_pending_text(const cJSON *v)
{
  const cJSON *t;
  if (!v || !cJSON_IsObject(v))
    return NULL;
  t = cJSON_GetObjectItemCaseSensitive(v, PF_LJ_PENDING_KEY);
  return cJSON_IsString(t) ? t->valuestring : NULL;
}

pf_status pf_lj_note_pending(struct pf_lj *lj, const char *key,
                             const cJSON *v)
{
  const char *text = pf_lj_pending_text(v);
  if (!text)
    return PF_OK;
  if (pf_config_pending(lj->cfg, lj->file, pf_lj_path(lj, key), text) !=
      PF_OK)
    return pf_err_set(lj->err, PF_ENOMEM, "%s: out of memory", lj->file);
  return PF_OK;
}

pf_status pf_lj_strip_pending(struct pf_lj *lj, cJSON *o)
{
  cJSON *c, *next;
  size_t i = 0;
  pf_status st = PF_OK;
  lj->may_pend = 1;
  if (lj->depth >= PF_LJ_MAX_DEPTH - 1)
    return PF_OK;   /* the strict reader bounds nesting already */
  if (cJSON_IsArray(o)) {
    for (c = o->child; c && st == PF_OK; c = next, i++) {
      next = c->next;
      pf_lj_push_idx(lj, i);
      if (pf_lj_pending_text(c)) {
        st = pf_lj_note_pending(lj, NULL, c);
        cJSON_Delete(cJSON_DetachItemViaPointer(o, c));
      } else {
        st = pf_lj_strip_pending(lj, c);
      }
      pf_lj_pop(lj);
    }
  } else if (cJSON_IsObject(o) && !pf_lj_pending_text(o)) {
    for (c = o->child; c && st == PF_OK; c = c->next) {
      if (!cJSON_IsArray(c) && !cJSON_IsObject(c))
        continue;
      pf_lj_push_key(lj, c->string);
      st = pf_lj_strip_pending(lj, c);
      pf_lj_pop(lj);
    }
  }
  return st;
}

const char *pf_lj_pending_under(struct pf_lj *lj, const char *key)
{
  const struct pf_pending *p = pf_lj_pending_find(lj, key);
  return p ? p->text : NULL;
}

struct pf_pending *pf_lj_pending_find(struct pf_lj *lj,
                                            const char *key)
{
  const char *path = pf_lj_path(lj, key);
  size_t i, n;
  if (!path)
    return NULL;
  n = strlen(path);
  for (i = 0; i < lj->cfg->n_pending; i++) {
    struct pf_pending *p = &lj->cfg->pending[i];
    if (!strcmp(p->file, lj->file) && !strncmp(p->jpath, path, n) &&
        (p->jpath[n] == '\0' || p->jpath[n] == '.' || p->jpath[n] == '['))
      return p;
  }
  return NULL;
}

/* pf_lj_get for the typed reads: a value known only at deployment is
 * recorded as pending and read as not given (the evaluators then answer
 * unknown for what it decides, never a default). */
static const cJSON *lj_get(struct pf_lj *lj, const cJSON *obj,
                           const char *keys, const char **which)
{
  const cJSON *v = pf_lj_get(obj, keys, which);
  if (v && pf_lj_pending_text(v)) {
    (void)pf_lj_note_pending(lj, which ? *which : NULL, v);
    return NULL;
  }
  return v;
}

const cJSON *pf_lj_props(const cJSON *o)
{
  /* PowerShell exports (Get-AzResource, PSRule) write "Properties" */
  const cJSON *p = pf_lj_get(o, "properties", NULL);
  return cJSON_IsObject(p) ? p : o;
}

const cJSON *pf_lj_enter(struct pf_lj *lj, const cJSON *o)
{
  const cJSON *p = pf_lj_props(o);
  if (p != o)
    pf_lj_push_key(lj, p->string ? p->string : "properties");
  return p;
}

void pf_lj_leave(struct pf_lj *lj, const cJSON *o, const cJSON *p)
{
  if (p != o)
    pf_lj_pop(lj);
}

pf_status pf_lj_str(struct pf_lj *lj, const cJSON *obj, const char *keys,
                    const char **out)
{
  const char *which;
  const cJSON *v = lj_get(lj, obj, keys, &which);
  char *s;
  if (!v)
    return PF_OK;
  if (!cJSON_IsString(v))
    return pf_lj_fail(lj, which, "expected a string, found %s",
                      pf_lj_typename(v));
  s = pf_arena_strdup(lj->a, v->valuestring);
  if (!s)
    return pf_err_set(lj->err, PF_ENOMEM, "%s: out of memory", lj->file);
  *out = s;
  return PF_OK;
}

pf_status pf_lj_req_str(struct pf_lj *lj, const cJSON *obj, const char *keys,
                        const char **out)
{
  const char *s = NULL;
  pf_status st = pf_lj_str(lj, obj, keys, &s);
  char first[64];
  size_t n;
  if (st != PF_OK)
    return st;
  if (!s || !*s) {
    n = strcspn(keys, "|");
    if (n >= sizeof(first))
      n = sizeof(first) - 1;
    memcpy(first, keys, n);
    first[n] = '\0';
    return pf_lj_fail(lj, first, "required %s is missing",
                      s ? "value" : "member");
  }
  *out = s;
  return PF_OK;
}

pf_status pf_lj_bool(struct pf_lj *lj, const cJSON *obj, const char *keys,
                     enum pf_tri *out)
{
  const char *which;
  const cJSON *v = lj_get(lj, obj, keys, &which);
  if (!v)
    return PF_OK;
  if (cJSON_IsBool(v)) {
    *out = cJSON_IsTrue(v) ? PF_TRI_TRUE : PF_TRI_FALSE;
    return PF_OK;
  }
  /* ARM accepts "true"/"false" strings in templates and some az output */
  if (cJSON_IsString(v)) {
    if (!strcasecmp(v->valuestring, "true")) {
      *out = PF_TRI_TRUE;
      return PF_OK;
    }
    if (!strcasecmp(v->valuestring, "false")) {
      *out = PF_TRI_FALSE;
      return PF_OK;
    }
  }
  return pf_lj_fail(lj, which, "expected true or false, found %s",
                    pf_lj_typename(v));
}

pf_status pf_lj_int(struct pf_lj *lj, const cJSON *obj, const char *keys,
                    int64_t min, int64_t max, int64_t *out)
{
  const char *which;
  const cJSON *v = lj_get(lj, obj, keys, &which);
  double d;
  if (!v)
    return PF_OK;
  if (cJSON_IsNumber(v)) {
    d = v->valuedouble;
    if (d != floor(d))
      return pf_lj_fail(lj, which, "expected an integer, found %g", d);
  } else if (cJSON_IsString(v)) {
    const char *s = v->valuestring;
    size_t i, n = strlen(s);
    if (n == 0 || n > 18)
      return pf_lj_fail(lj, which, "expected an integer, found '%.40s'", s);
    for (i = (s[0] == '-') ? 1 : 0; i < n; i++)
      if (s[i] < '0' || s[i] > '9')
        return pf_lj_fail(lj, which, "expected an integer, found '%.40s'", s);
    if (n == 1 && s[0] == '-')
      return pf_lj_fail(lj, which, "expected an integer, found '-'");
    d = 0;
    for (i = (s[0] == '-') ? 1 : 0; i < n; i++)
      d = d * 10 + (s[i] - '0');
    if (s[0] == '-')
      d = -d;
  } else {
    return pf_lj_fail(lj, which, "expected an integer, found %s",
                      pf_lj_typename(v));
  }
  if (d < (double)min || d > (double)max)
    return pf_lj_fail(lj, which, "%.0f is outside %lld-%lld", d,
                      (long long)min, (long long)max);
  *out = (int64_t)d;
  return PF_OK;
}

pf_status pf_lj_obj(struct pf_lj *lj, const cJSON *obj, const char *keys,
                    const cJSON **out, const char **which)
{
  const char *w;
  const cJSON *v = lj_get(lj, obj, keys, &w);
  *out = NULL;
  if (which)
    *which = w;
  if (!v)
    return PF_OK;
  if (!cJSON_IsObject(v))
    return pf_lj_fail(lj, w, "expected an object, found %s",
                      pf_lj_typename(v));
  *out = v;
  return PF_OK;
}

pf_status pf_lj_arr(struct pf_lj *lj, const cJSON *obj, const char *keys,
                    const cJSON **out, const char **which)
{
  const char *w;
  const cJSON *v = lj_get(lj, obj, keys, &w);
  *out = NULL;
  if (which)
    *which = w;
  if (!v)
    return PF_OK;
  if (!cJSON_IsArray(v))
    return pf_lj_fail(lj, w, "expected an array, found %s",
                      pf_lj_typename(v));
  *out = v;
  return PF_OK;
}

pf_status pf_lj_enum(struct pf_lj *lj, const cJSON *obj, const char *keys,
                     const char *const *names, int *out)
{
  const char *which;
  const cJSON *v = lj_get(lj, obj, keys, &which);
  char allowed[256];
  size_t used = 0;
  int i;
  if (!v)
    return PF_OK;
  if (!cJSON_IsString(v))
    return pf_lj_fail(lj, which, "expected a string, found %s",
                      pf_lj_typename(v));
  for (i = 0; names[i]; i++) {
    if (!strcasecmp(v->valuestring, names[i])) {
      *out = i;
      return PF_OK;
    }
  }
  allowed[0] = '\0';
  for (i = 0; names[i] && used < sizeof(allowed); i++) {
    int w = snprintf(allowed + used, sizeof(allowed) - used, "%s%s",
                     i ? ", " : "", names[i]);
    if (w < 0)
      break;
    used += (size_t)w;
  }
  return pf_lj_fail(lj, which, "unknown value '%.60s' (expected one of: %s)",
                    v->valuestring, allowed);
}

pf_status pf_lj_enabled(struct pf_lj *lj, const cJSON *obj, const char *keys,
                        enum pf_tri *out)
{
  const char *which;
  const cJSON *v = lj_get(lj, obj, keys, &which);
  if (!v)
    return PF_OK;
  if (cJSON_IsBool(v)) {
    *out = cJSON_IsTrue(v) ? PF_TRI_TRUE : PF_TRI_FALSE;
    return PF_OK;
  }
  if (cJSON_IsString(v)) {
    const char *s = v->valuestring;
    if (!strcasecmp(s, "Enabled") || !strcasecmp(s, "true")) {
      *out = PF_TRI_TRUE;
      return PF_OK;
    }
    if (!strcasecmp(s, "Disabled") || !strcasecmp(s, "false")) {
      *out = PF_TRI_FALSE;
      return PF_OK;
    }
    /* SecuredByPerimeter (2023+): not public; NotSpecified: leave unset */
    if (!strcasecmp(s, "SecuredByPerimeter")) {
      *out = PF_TRI_FALSE;
      return PF_OK;
    }
    if (!strcasecmp(s, "NotSpecified") || !*s)
      return PF_OK;
    return pf_lj_fail(lj, which,
                      "unknown value '%.60s' (expected Enabled or Disabled)",
                      s);
  }
  return pf_lj_fail(lj, which, "expected Enabled or Disabled, found %s",
                    pf_lj_typename(v));
}

static pf_status ref_from(struct pf_lj *lj, const cJSON *v, const char *which,
                          struct pf_ref *out)
{
  const char *id = NULL;
  if (cJSON_IsString(v)) {
    id = v->valuestring;
  } else if (cJSON_IsObject(v)) {
    const cJSON *i = pf_lj_get(v, "id", NULL);
    if (!i || cJSON_IsNull(i))
      return PF_OK;   /* {"id": null} or {}: no reference */
    if (!cJSON_IsString(i)) {
      pf_lj_push_key(lj, which);
      pf_lj_fail(lj, "id", "expected a string, found %s", pf_lj_typename(i));
      pf_lj_pop(lj);
      return PF_EINVAL;
    }
    id = i->valuestring;
  } else {
    return pf_lj_fail(lj, which,
                      "expected a resource reference ({\"id\": ...}), "
                      "found %s",
                      pf_lj_typename(v));
  }
  if (!*id)
    return PF_OK;
  if (*id != '/' &&
      pf_config_warn(lj->cfg, "%s: %s: '%.100s' is not an ARM resource id; "
                     "the reference stays unresolved", lj->file,
                     pf_lj_path(lj, which), id) != PF_OK)
    return pf_err_set(lj->err, PF_ENOMEM, "%s: out of memory", lj->file);
  out->id = pf_arena_strdup(lj->a, id);
  out->jpath = pf_lj_path(lj, which);
  out->target = NULL;
  if (!out->id)
    return pf_err_set(lj->err, PF_ENOMEM, "%s: out of memory", lj->file);
  return PF_OK;
}

pf_status pf_lj_ref(struct pf_lj *lj, const cJSON *obj, const char *keys,
                    struct pf_ref *out)
{
  const char *which;
  const cJSON *v = lj_get(lj, obj, keys, &which);
  if (!v)
    return PF_OK;
  return ref_from(lj, v, which, out);
}

pf_status pf_lj_refs(struct pf_lj *lj, const cJSON *obj, const char *keys,
                     struct pf_ref **out, size_t *n)
{
  const char *which;
  const cJSON *arr, *e;
  size_t cnt, i = 0;
  pf_status st = pf_lj_arr(lj, obj, keys, &arr, &which);
  *out = NULL;
  *n = 0;
  if (st != PF_OK || !arr)
    return st;
  cnt = (size_t)cJSON_GetArraySize(arr);
  if (!cnt)
    return PF_OK;
  *out = pf_arena_calloc(lj->a, cnt, sizeof(**out));
  if (!*out)
    return pf_err_set(lj->err, PF_ENOMEM, "%s: out of memory", lj->file);
  pf_lj_push_key(lj, which);
  cJSON_ArrayForEach(e, arr) {
    {
      struct pf_ref r = {0};
      size_t mark = lj->path.len;
      pf_strbuf_addf(&lj->path, "[%zu]", i);
      if (pf_lj_pending_text(e)) {
        st = pf_lj_note_pending(lj, NULL, e);
      } else if (cJSON_IsString(e)) {
        if (*e->valuestring)
          st = ref_from(lj, e, NULL, &r);
      } else if (cJSON_IsObject(e)) {
        const cJSON *id = pf_lj_get(e, "id", NULL);
        if (cJSON_IsString(id)) {
          if (*id->valuestring)
            st = ref_from(lj, id, "id", &r);
        } else if (id) {
          st = pf_lj_fail(lj, "id", "expected an ARM resource id, found %s",
                          pf_lj_typename(id));
        }
      } else {
        st = pf_lj_fail(lj, NULL,
                        "expected a resource reference, found %s",
                        pf_lj_typename(e));
      }
      pf_strbuf_truncate(&lj->path, mark);
      if (st != PF_OK)
        break;
      if (r.id)
        (*out)[(*n)++] = r;
    }
    i++;
  }
  pf_lj_pop(lj);
  return st;
}

pf_status pf_lj_strs(struct pf_lj *lj, const cJSON *obj, const char *keys,
                     const char ***out, size_t *n)
{
  const char *which;
  const cJSON *arr, *e;
  size_t cnt, i = 0;
  pf_status st = pf_lj_arr(lj, obj, keys, &arr, &which);
  *out = NULL;
  *n = 0;
  if (st != PF_OK || !arr)
    return st;
  cnt = (size_t)cJSON_GetArraySize(arr);
  if (!cnt)
    return PF_OK;
  *out = pf_arena_calloc(lj->a, cnt, sizeof(**out));
  if (!*out)
    return pf_err_set(lj->err, PF_ENOMEM, "%s: out of memory", lj->file);
  pf_lj_push_key(lj, which);
  cJSON_ArrayForEach(e, arr) {
    if (pf_lj_pending_text(e)) {
      pf_lj_push_idx(lj, i++);
      st = pf_lj_note_pending(lj, NULL, e);
      pf_lj_pop(lj);
      if (st != PF_OK)
        break;
      continue;
    }
    if (!cJSON_IsString(e)) {
      pf_lj_push_idx(lj, i);
      st = pf_lj_fail(lj, NULL, "expected a string, found %s",
                      pf_lj_typename(e));
      pf_lj_pop(lj);
      break;
    }
    (*out)[(*n)++] = pf_arena_strdup(lj->a, e->valuestring);
    i++;
  }
  pf_lj_pop(lj);
  return st;
}

static pf_status add_prefix(struct pf_lj *lj, const char *text, int allow_bare,
                            struct pf_prefix **out, size_t *n, size_t *cap)
{
  struct pf_prefix p;
  struct pf_err perr;
  pf_err_clear(&perr);
  if (pf_prefix_parse(text, strlen(text), allow_bare, &p, &perr) != PF_OK)
    return pf_lj_fail(lj, NULL, "%s", perr.msg);
  if (*n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 4;
    struct pf_prefix *np = pf_arena_calloc(lj->a, ncap, sizeof(*np));
    if (!np)
      return pf_err_set(lj->err, PF_ENOMEM, "%s: out of memory", lj->file);
    if (*n)
      memcpy(np, *out, *n * sizeof(*np));
    *out = np;
    *cap = ncap;
  }
  (*out)[(*n)++] = p;
  return PF_OK;
}

pf_status pf_lj_prefixes(struct pf_lj *lj, const cJSON *obj,
                         const char *keys, int allow_bare,
                         struct pf_prefix **out, size_t *n)
{
  const char *which;
  const cJSON *v = lj_get(lj, obj, keys, &which);
  size_t cap = *n;
  pf_status st = PF_OK;
  if (!v)
    return PF_OK;
  pf_lj_push_key(lj, which);
  if (cJSON_IsString(v)) {
    if (*v->valuestring)
      st = add_prefix(lj, v->valuestring, allow_bare, out, n, &cap);
  } else if (cJSON_IsArray(v)) {
    const cJSON *e;
    size_t i = 0;
    cJSON_ArrayForEach(e, v) {
      pf_lj_push_idx(lj, i++);
      if (pf_lj_pending_text(e))
        st = pf_lj_note_pending(lj, NULL, e);
      else if (!cJSON_IsString(e))
        st = pf_lj_fail(lj, NULL, "expected an IP prefix string, found %s",
                        pf_lj_typename(e));
      else
        st = add_prefix(lj, e->valuestring, allow_bare, out, n, &cap);
      pf_lj_pop(lj);
      if (st != PF_OK)
        break;
    }
  } else {
    st = pf_lj_fail(lj, NULL, "expected an IP prefix or a list of them, "
                    "found %s", pf_lj_typename(v));
  }
  pf_lj_pop(lj);
  return st;
}
