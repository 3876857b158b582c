/* SPDX-License-Identifier: MIT */
/* pf_arm.c - ARM deployment templates translated into resource objects
 *
 * Evaluation order follows Azure Resource Manager: parameters (given
 * values, else defaultValue), then every resource instance's name and
 * type (copy loops expanded), then each instance in declaration order -
 * its condition, then its body.  Variables, parameters and instances are
 * evaluated on first use and memoised, so reference() to a nested
 * deployment evaluates that deployment (and its outputs) first, and a
 * cycle is an error instead of a hang.  docs/templates.md.
 */
#include "pf_arm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_file.h"
#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"
#include "pf_armexpr.h"
#include "pf_load.h"

#define PLACEHOLDER_SUB PF_PLACEHOLDER_SUBSCRIPTION
#define PLACEHOLDER_TENANT "00000000-0000-0000-0000-000000000000"
#define PLACEHOLDER_RG PF_PLACEHOLDER_RESOURCE_GROUP
#define PLACEHOLDER_LOC PF_PLACEHOLDER_LOCATION
#define BUDGET 2000000L   /* steps and copied nodes per template */

struct frame {
  const char *name;     /* copy loop name */
  int64_t index;
  const struct frame *up;
};

struct param {
  const char *name;
  const cJSON *decl;
  cJSON *given;         /* owned */
  const char *given_file;
  char *given_path;
  cJSON *value;         /* owned, evaluated */
  int state;            /* 0 new, 1 evaluating, 2 done */
};

struct var {
  const char *name;
  const cJSON *decl;    /* the value, or the copy spec ("input"...) */
  int is_copy;
  char *path;
  cJSON *value;
  int state;
};

struct inst {
  const cJSON *decl;
  char *path;
  struct frame loop;    /* name NULL: not in a loop */
  size_t parent;        /* index + 1 of the parent instance, 0: none */
  char *type, *name, *id;
  int state;
  int present;
  const cJSON *body;    /* the emitted object (for reference()) */
  cJSON *outputs;       /* deployments */
};

struct run;

struct ctx {
  struct run *run;
  struct ctx *pv;       /* whose parameters and variables apply */
  struct ctx *up;       /* the deploying template's context */
  const char *file;
  char *tpath;
  const cJSON *t;
  struct param *p;
  size_t np;
  struct var *v;
  size_t nv;
  struct inst *r;
  size_t nr, capr;
  char *sub, *rg, *loc;
  const struct frame *loops;
  int depth;
};

struct run {
  const struct pf_arm_opts *o;
  struct pf_arm_out *out;
  struct pf_err *err;
  long budget;
  int location_used;    /* resourceGroup() was read */
  cJSON *secrets;       /* string values of secure parameters (array) */
  const char *pfile;    /* the top template's parameters file, or NULL */
};

/* ---- small helpers ----------------------------------------------------- */

static pf_status oom(struct run *r)
{
  return pf_err_set(r->err, PF_ENOMEM, "out of memory");
}

static pf_status fail(struct ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static pf_status fail(struct ctx *c, const char *path, const char *fmt, ...)
{
  char what[768], *p;
  va_list ap;
  if (pf_err_isset(c->run->err))
    return c->run->err->code;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  for (p = what; *p; p++)   /* one line, whatever the template holds */
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
  return pf_err_set(c->run->err, PF_EINVAL, "%s: %s: %s", c->file, path,
                    what);
}

static pf_status warn(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static pf_status warn(struct run *r, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  struct pf_arm_out *o = r->out;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (o->n_warn >= 200)
    return PF_OK;
  if (PF_GROW(o->warn, o->cap_warn, o->n_warn + 1) ||
      !(o->warn[o->n_warn] = pf_strdup(buf)))
    return oom(r);
  o->n_warn++;
  return PF_OK;
}

/* JSON path of member \p key under \p path, spelled as pf_lj spells it */
static char *jp_key(const char *path, const char *key)
{
  struct pf_strbuf sb;
  const char *k;
  int plain = *key != '\0';
  for (k = key; *k; k++)
    if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
          (*k >= '0' && *k <= '9') || *k == '_' || *k == '-' || *k == '$')) {
      plain = 0;
      break;
    }
  pf_strbuf_init(&sb, 8192);
  if (plain)
    pf_strbuf_addf(&sb, "%s.%s", path, key);
  else
    pf_strbuf_addf(&sb, "%s[\"%.80s\"]", path, key);
  return pf_strbuf_detach(&sb);
}

static char *jp_idx(const char *path, size_t i)
{
  struct pf_strbuf sb;
  pf_strbuf_init(&sb, 8192);
  pf_strbuf_addf(&sb, "%s[%zu]", path, i);
  return pf_strbuf_detach(&sb);
}

static const cJSON *member(const cJSON *o, const char *key)
{
  return cJSON_IsObject(o) ? cJSON_GetObjectItem(o, key) : NULL;
}

/* ---- expression host --------------------------------------------------- */

/* What copying \p v costs: its nodes, long strings by 64-byte pieces.
 * Stops counting past \p cap (the caller only compares). */
static long cost(const cJSON *v, long cap)
{
  long n = 1;
  const cJSON *e;
  if (cJSON_IsString(v))
    n += (long)(strlen(v->valuestring) / 64);
  if (cJSON_IsArray(v) || cJSON_IsObject(v))
    for (e = v->child; e && n <= cap; e = e->next)
      n += cost(e, cap - n);
  return n;
}

/* A copy of a memoised value for an expression, paid from the budget so
 * values that double through variables cannot grow without bound. */
static pf_status dup_for(struct ctx *c, struct pf_armx *x, const cJSON *v,
                         cJSON **out)
{
  c->run->budget -= cost(v, c->run->budget + 1);
  if (c->run->budget < 0)
    return pf_armx_fail(x, "the template needs too much evaluation work "
                        "(values too large)");
  *out = cJSON_Duplicate(v, 1);
  return *out ? PF_OK : PF_ENOMEM;
}

static pf_status eval_value(struct ctx *c, const cJSON *v, const char *path,
                            cJSON **out);
static pf_status param_value(struct ctx *c, struct param *p);
static pf_status var_value(struct ctx *c, struct var *v);
static pf_status eval_inst(struct ctx *c, struct inst *in);

static pf_status h_parameter(void *arg, struct pf_armx *x, const char *name,
                             cJSON **out)
{
  struct ctx *c = ((struct ctx *)arg)->pv;
  size_t i;
  for (i = 0; i < c->np; i++)
    if (!strcasecmp(c->p[i].name, name)) {
      pf_status st = param_value(c, &c->p[i]);
      if (st != PF_OK)
        return pf_armx_fail(x, "parameter '%.80s' cannot be evaluated", name);
      return dup_for(c, x, c->p[i].value, out);
    }
  return pf_armx_fail(x, "parameters(): the template has no parameter "
                      "'%.80s'", name);
}

static pf_status h_variable(void *arg, struct pf_armx *x, const char *name,
                            cJSON **out)
{
  struct ctx *c = ((struct ctx *)arg)->pv;
  size_t i;
  for (i = 0; i < c->nv; i++)
    if (!strcasecmp(c->v[i].name, name)) {
      pf_status st;
      if (c->v[i].state == 1)
        return pf_armx_fail(x, "variables(): variable '%.80s' depends on "
                            "itself (a cycle of variables)", name);
      st = var_value(c, &c->v[i]);
      if (st != PF_OK)
        return pf_armx_fail(x, "variable '%.80s' cannot be evaluated", name);
      return dup_for(c, x, c->v[i].value, out);
    }
  return pf_armx_fail(x, "variables(): the template has no variable "
                      "'%.80s'", name);
}

static pf_status h_copy_index(void *arg, struct pf_armx *x, const char *loop,
                              int64_t *out)
{
  struct ctx *c = arg;
  const struct frame *f;
  for (f = c->loops; f; f = f->up)
    if (!loop || (f->name && !strcasecmp(f->name, loop))) {
      *out = f->index;
      return PF_OK;
    }
  if (loop)
    return pf_armx_fail(x, "copyIndex(): no copy loop named '%.80s' here",
                        loop);
  return pf_armx_fail(x, "copyIndex(): not inside a copy loop");
}

static struct inst *find_inst(struct ctx *c, const char *target)
{
  size_t i;
  int by_id = target[0] == '/';
  for (i = 0; i < c->nr; i++) {
    const char *k = by_id ? c->r[i].id : c->r[i].name;
    if (k && !strcasecmp(k, target))
      return &c->r[i];
  }
  return NULL;
}

static pf_status h_reference(void *arg, struct pf_armx *x, const char *target,
                             int full, cJSON **out)
{
  struct ctx *c = arg, *where = c;
  struct inst *in = find_inst(c, target);
  cJSON *o;
  char why[600];
  pf_status st;

  if (!in && c->pv != c && (in = find_inst(c->pv, target)) != NULL)
    where = c->pv;
  snprintf(why, sizeof(why), "reference('%.500s')", target);
  if (!in) {
    /* a resource this template does not declare: its state exists only
     * in Azure */
    *out = pf_armx_unknown(why);
    return *out ? PF_OK : PF_ENOMEM;
  }
  if (in->state == 1)
    return pf_armx_fail(x, "reference(): '%.200s' refers to itself through "
                        "its own properties", target);
  if ((st = eval_inst(where, in)) != PF_OK)
    return pf_armx_fail(x, "reference(): '%.200s' cannot be evaluated",
                        target);
  if (!in->present) {
    *out = pf_armx_unknown(why);
    return *out ? PF_OK : PF_ENOMEM;
  }
  c->run->budget -= cost(in->outputs ? in->outputs : in->body,
                         c->run->budget + 1);
  if (c->run->budget < 0)
    return pf_armx_fail(x, "the template needs too much evaluation work "
                        "(values too large)");
  if (in->outputs) {
    o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToObject(o, "outputs",
                                     cJSON_Duplicate(in->outputs, 1))) {
      cJSON_Delete(o);
      return PF_ENOMEM;
    }
  } else {
    const cJSON *props = member(in->body, "properties");
    if (full) {
      o = cJSON_Duplicate(in->body, 1);
    } else {
      o = props && cJSON_IsObject(props) ? cJSON_Duplicate(props, 1)
                                         : cJSON_CreateObject();
    }
    if (!o)
      return PF_ENOMEM;
  }
  /* members not declared (provisioningState, runtime addresses) are
   * unknown, not errors */
  if (!cJSON_AddTrueToObject(o, "$partial")) {
    cJSON_Delete(o);
    return PF_ENOMEM;
  }
  *out = o;
  return PF_OK;
}

static void h_scope(void *arg, struct pf_armx_scope *s)
{
  struct ctx *c = arg;
  s->subscription = c->sub;
  s->tenant = PLACEHOLDER_TENANT;
  s->rg_name = c->rg;
  s->rg_location = c->loc;
  s->location_used = &c->run->location_used;
}

static const struct pf_armx_host host_ops = {
  NULL, h_parameter, h_variable, h_copy_index, h_reference, h_scope
};

/* ---- value evaluation -------------------------------------------------- */

static pf_status eval_string(struct ctx *c, const char *s, const char *path,
                             cJSON **out)
{
  struct pf_armx_host h = host_ops;
  char msg[512];
  pf_status st;
  h.arg = c;
  st = pf_armx_eval(&h, &c->run->budget, s, out, msg, sizeof(msg));
  if (st == PF_ENOMEM)
    return oom(c->run);
  if (st != PF_OK)
    return fail(c, path, "%s (in \"%.200s%s\")", msg, s,
                strlen(s) > 200 ? "..." : "");
  return PF_OK;
}

static pf_status get_count(struct ctx *c, const cJSON *spec, const char *path,
                           int64_t *n)
{
  const cJSON *cnt = member(spec, "count");
  cJSON *v = NULL;
  char *p = jp_key(path, "count");
  pf_status st;
  if (!p)
    return oom(c->run);
  if (!cnt) {
    st = fail(c, path, "copy has no count");
    pf_free(p);
    return st;
  }
  if ((st = eval_value(c, cnt, p, &v)) != PF_OK) {
    pf_free(p);
    return st;
  }
  if (pf_armx_is_unknown(v))
    st = fail(c, p, "the copy count is known only at deployment (%.200s)",
              v->child->valuestring);
  else if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int64_t)v->valuedouble)
    st = fail(c, p, "the copy count must be an integer, found %s",
              pf_armx_typename(v));
  else if (v->valuedouble < 0 || v->valuedouble > PF_ARM_MAX_COPY)
    st = fail(c, p, "copy count %.0f is outside 0..%d (the Azure Resource "
              "Manager limit)", v->valuedouble, PF_ARM_MAX_COPY);
  else
    *n = (int64_t)v->valuedouble;
  cJSON_Delete(v);
  pf_free(p);
  return st;
}

/* "copy": [{"name", "count", "input"}] inside an object: property
 * iteration; each name becomes an array member. */
static int is_prop_copy(const cJSON *m)
{
  const cJSON *e;
  if (!m->string || strcasecmp(m->string, "copy") || !cJSON_IsArray(m) ||
      !m->child)
    return 0;
  cJSON_ArrayForEach(e, m)
    if (!cJSON_IsString(member(e, "name")) || !member(e, "input"))
      return 0;
  return 1;
}

/* One copy spec {"name", "count", "input"} at \p sp: the array of its
 * inputs, copyIndex() answering for its name. */
static pf_status eval_copy_spec(struct ctx *c, const cJSON *spec,
                                const char *sp, cJSON **out)
{
  const cJSON *nm = member(spec, "name");
  const char *name = cJSON_IsString(nm) ? nm->valuestring : NULL;
  char *ip = jp_key(sp, "input");
  int64_t n = 0, i;
  cJSON *arr = cJSON_CreateArray();
  pf_status st;
  *out = NULL;
  if (!ip || !arr) {
    pf_free(ip);
    cJSON_Delete(arr);
    return oom(c->run);
  }
  st = get_count(c, spec, sp, &n);
  if (st == PF_OK && !member(spec, "input"))
    st = fail(c, sp, "copy has no input");
  for (i = 0; st == PF_OK && i < n; i++) {
    struct frame f;
    const struct frame *saved = c->loops;
    cJSON *v = NULL;
    f.name = name;
    f.index = i;
    f.up = saved;
    c->loops = &f;
    st = eval_value(c, member(spec, "input"), ip, &v);
    c->loops = saved;
    if (st == PF_OK)
      cJSON_AddItemToArray(arr, v);
  }
  pf_free(ip);
  if (st != PF_OK) {
    cJSON_Delete(arr);
    return st;
  }
  *out = arr;
  return PF_OK;
}

static pf_status eval_prop_copy(struct ctx *c, const cJSON *m,
                                const char *path, cJSON *dst)
{
  const cJSON *spec;
  size_t j = 0;
  pf_status st = PF_OK;
  char *cp = jp_key(path, "copy");
  if (!cp)
    return oom(c->run);
  cJSON_ArrayForEach(spec, m) {
    char *sp = jp_idx(cp, j++);
    cJSON *arr = NULL;
    if (!sp) {
      st = oom(c->run);
      break;
    }
    st = eval_copy_spec(c, spec, sp, &arr);
    pf_free(sp);
    if (st != PF_OK)
      break;
    {
      const cJSON *nm = member(spec, "name");
      const char *name = nm && cJSON_IsString(nm) ? nm->valuestring : "copy";
      cJSON_DeleteItemFromObject(dst, name);
      cJSON_AddItemToObject(dst, name, arr);
    }
  }
  pf_free(cp);
  return st;
}

/* Member m of an object at `path`, evaluated into dst under its own name. */
static pf_status eval_member(struct ctx *c, const cJSON *m, const char *path,
                             cJSON *dst)
{
  cJSON *e = NULL;
  char *p = jp_key(path, m->string);
  pf_status st;
  if (!p)
    return oom(c->run);
  st = eval_value(c, m, p, &e);
  pf_free(p);
  if (st == PF_OK)
    cJSON_AddItemToObject(dst, m->string, e);
  return st;
}

static pf_status eval_value(struct ctx *c, const cJSON *v, const char *path,
                            cJSON **out)
{
  const cJSON *m;
  cJSON *r;
  pf_status st = PF_OK;
  size_t i = 0;

  *out = NULL;
  if (--c->run->budget < 0)
    return fail(c, path, "the template needs too much evaluation work");
  if (cJSON_IsString(v))
    return eval_string(c, v->valuestring, path, out);
  if (cJSON_IsArray(v)) {
    if (!(r = cJSON_CreateArray()))
      return oom(c->run);
    cJSON_ArrayForEach(m, v) {
      cJSON *e = NULL;
      char *p = jp_idx(path, i++);
      if (!p) {
        st = oom(c->run);
        break;
      }
      st = eval_value(c, m, p, &e);
      pf_free(p);
      if (st != PF_OK)
        break;
      cJSON_AddItemToArray(r, e);
    }
  } else if (cJSON_IsObject(v)) {
    if (!(r = cJSON_CreateObject()))
      return oom(c->run);
    cJSON_ArrayForEach(m, v) {
      if (is_prop_copy(m)) {
        if ((st = eval_prop_copy(c, m, path, r)) != PF_OK)
          break;
        continue;
      }
      if ((st = eval_member(c, m, path, r)) != PF_OK)
        break;
    }
  } else {
    r = cJSON_Duplicate(v, 1);
    if (!r)
      return oom(c->run);
  }
  if (st != PF_OK) {
    cJSON_Delete(r);
    return st;
  }
  *out = r;
  return PF_OK;
}

/* ---- secure values ----------------------------------------------------- */

/* Secure values are never printed (docs/templates.md): a secureString or
 * secureObject value that reaches a resource (a password wired into a
 * property the loaders read) would otherwise be echoed by their errors,
 * inventory and evidence.  Every string of a secure parameter's value is
 * remembered; a resource string that holds one becomes a pending value
 * that names no secret, and error and warning texts are masked. */
#define SECRET_MIN_SUBSTR 6   /* shorter secrets match whole strings only */

static pf_status note_secrets(struct run *r, const cJSON *v)
{
  const cJSON *e;
  if (cJSON_IsString(v) && v->valuestring[0] &&
      !pf_armx_is_unknown(v)) {
    cJSON *s;
    if (!r->secrets && !(r->secrets = cJSON_CreateArray()))
      return oom(r);
    if (!(s = cJSON_CreateString(v->valuestring)) ||
        !cJSON_AddItemToArray(r->secrets, s)) {
      cJSON_Delete(s);
      return oom(r);
    }
    return PF_OK;
  }
  cJSON_ArrayForEach(e, v) {
    pf_status st = note_secrets(r, e);
    if (st != PF_OK)
      return st;
  }
  return PF_OK;
}

static int holds_secret(const struct run *r, const char *s)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, r->secrets) {
    const char *x = e->valuestring;
    if (strlen(x) >= SECRET_MIN_SUBSTR ? strstr(s, x) != NULL
                                       : !strcmp(s, x))
      return 1;
  }
  return 0;
}

static pf_status scrub_tree(struct run *r, cJSON *parent)
{
  cJSON *e, *next;
  for (e = parent ? parent->child : NULL; e; e = next) {
    next = e->next;
    if (cJSON_IsString(e) && holds_secret(r, e->valuestring)) {
      cJSON *u = pf_armx_unknown("the value of a secure parameter "
                                 "(not shown)");
      if (!u)
        return oom(r);
      /* ViaPointer would leave an object member unnamed */
      if (e->string
              ? !cJSON_ReplaceItemInObjectCaseSensitive(parent, e->string, u)
              : !cJSON_ReplaceItemViaPointer(parent, e, u)) {
        cJSON_Delete(u);
        return oom(r);
      }
    } else if (cJSON_IsObject(e) || cJSON_IsArray(e)) {
      pf_status st = scrub_tree(r, e);
      if (st != PF_OK)
        return st;
    }
  }
  return PF_OK;
}

/* Mask every secret in \p s (in place; the mask is never longer). */
static void scrub_text(const struct run *r, char *s)
{
  static const char mask[] = "***";
  const cJSON *e;
  cJSON_ArrayForEach(e, r->secrets) {
    const char *x = e->valuestring;
    size_t n = strlen(x);
    char *at;
    if (n < SECRET_MIN_SUBSTR && strcmp(s, x))
      continue;
    while ((at = strstr(s, x)) != NULL) {
      size_t m = n < sizeof(mask) - 1 ? n : sizeof(mask) - 1;
      memcpy(at, mask, m);
      memmove(at + m, at + n, strlen(at + n) + 1);
    }
  }
}

static pf_status scrub_secrets(struct run *r)
{
  size_t i;
  pf_status st = PF_OK;
  if (!r->secrets)
    return PF_OK;
  for (i = 0; i < r->out->n && st == PF_OK; i++)
    st = scrub_tree(r, r->out->r[i].obj);
  for (i = 0; i < r->out->n_warn; i++)
    scrub_text(r, r->out->warn[i]);
  if (pf_err_isset(r->err))
    scrub_text(r, r->err->msg);
  return st;
}

/* ---- parameters -------------------------------------------------------- */

static const char *type_name_of(const cJSON *decl)
{
  const cJSON *t = member(decl, "type");
  return cJSON_IsString(t) ? t->valuestring : NULL;
}

/* NULL when \p v fits the declared \p type, else what it is */
static const char *type_mismatch(const char *type, const cJSON *v)
{
  if (pf_armx_is_unknown(v) || !type)
    return NULL;
  if (!strcasecmp(type, "string") || !strcasecmp(type, "securestring"))
    return cJSON_IsString(v) ? NULL : pf_armx_typename(v);
  if (!strcasecmp(type, "int"))
    return cJSON_IsNumber(v) &&
                   v->valuedouble == (double)(int64_t)v->valuedouble
               ? NULL
               : pf_armx_typename(v);
  if (!strcasecmp(type, "bool"))
    return cJSON_IsBool(v) ? NULL : pf_armx_typename(v);
  if (!strcasecmp(type, "object") || !strcasecmp(type, "secureObject"))
    return cJSON_IsObject(v) ? NULL : pf_armx_typename(v);
  if (!strcasecmp(type, "array"))
    return cJSON_IsArray(v) ? NULL : pf_armx_typename(v);
  return NULL;
}

static int allowed_has(const cJSON *allowed, const cJSON *v)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, allowed) {
    if (cJSON_IsString(e) && cJSON_IsString(v)) {
      if (!strcasecmp(e->valuestring, v->valuestring))
        return 1;
    } else if (cJSON_Compare(e, v, 1)) {
      return 1;
    }
  }
  return 0;
}

static pf_status check_param(struct ctx *c, struct param *p, const char *file,
                             const char *path)
{
  const char *type = type_name_of(p->decl), *bad;
  const cJSON *allowed = member(p->decl, "allowedValues"), *mn, *mx;
  const cJSON *v = p->value;
  struct ctx loc = *c;
  /* secure values are never printed; quickstart test values
   * ("GEN-UNIQUE-6") are placeholders its harness replaces */
  int secure = type && (!strcasecmp(type, "securestring") ||
                        !strcasecmp(type, "secureObject"));
  const char *hint = cJSON_IsString(v) && !secure &&
                             (!strncmp(v->valuestring, "GEN-", 4) ||
                              !strncmp(v->valuestring, "GET-PREREQ-", 11))
                         ? " ('GEN-...'/'GET-PREREQ-...' are quickstart "
                           "test placeholders: give real values)"
                         : "";
  loc.file = file;
  if (pf_armx_is_unknown(v))
    return PF_OK;
  /* the value is accepted (Azure would), but names and ids built from it
   * are the harness's, not the user's; said once per value (a nested
   * deployment handing it on is the same value) */
  if (*hint && p->given) {
    char said[96];
    size_t i;
    int seen = 0;
    snprintf(said, sizeof(said), " is '%.60s', a quickstart", v->valuestring);
    for (i = 0; i < c->run->out->n_warn; i++)
      seen |= strstr(c->run->out->warn[i], said) != NULL;
    if (!seen) {
      pf_status st = warn(c->run, "%s: %s: parameter '%s'%s test "
                          "placeholder ('GEN-...', 'GET-PREREQ-...'): give "
                          "real values with --parameters", file, path,
                          p->name, said);
      if (st != PF_OK)
        return st;
    }
  }
  if ((bad = type_mismatch(type, v)) != NULL)
    return fail(&loc, path, "parameter '%s' is declared %s but the value is "
                "%s", p->name, type, bad);
  if (cJSON_IsArray(allowed)) {
    if (cJSON_IsArray(v) && type && !strcasecmp(type, "array")) {
      const cJSON *e;
      cJSON_ArrayForEach(e, v)
        if (!allowed_has(allowed, e))
          return fail(&loc, path, "parameter '%s': an element is not one of "
                      "its allowedValues", p->name);
    } else if (!allowed_has(allowed, v)) {
      char *s = secure ? NULL : cJSON_PrintUnformatted(v);
      pf_status st = fail(&loc, path, "parameter '%s': %.100s is not one of "
                          "its allowedValues", p->name, s ? s : "the value");
      cJSON_free(s);
      return st;
    }
  }
  mn = member(p->decl, "minValue");
  mx = member(p->decl, "maxValue");
  if (cJSON_IsNumber(v) && ((cJSON_IsNumber(mn) && v->valuedouble <
                             mn->valuedouble) ||
                            (cJSON_IsNumber(mx) && v->valuedouble >
                             mx->valuedouble)))
    return fail(&loc, path, "parameter '%s': %.0f is outside its minValue/"
                "maxValue", p->name, v->valuedouble);
  mn = member(p->decl, "minLength");
  mx = member(p->decl, "maxLength");
  if (cJSON_IsString(v) || cJSON_IsArray(v)) {
    double n = cJSON_IsString(v) ? (double)strlen(v->valuestring)
                                 : (double)cJSON_GetArraySize(v);
    if ((cJSON_IsNumber(mn) && n < mn->valuedouble) ||
        (cJSON_IsNumber(mx) && n > mx->valuedouble))
      return fail(&loc, path, "parameter '%s': length %.0f is outside its "
                  "minLength/maxLength (%.0f..%.0f)%s", p->name, n,
                  cJSON_IsNumber(mn) ? mn->valuedouble : 0.0,
                  cJSON_IsNumber(mx) ? mx->valuedouble : 1e9, hint);
  }
  return PF_OK;
}

static pf_status param_value(struct ctx *c, struct param *p)
{
  char *dpath = NULL, *ppath;
  const cJSON *def;
  pf_status st;
  const struct frame *saved;

  if (p->state == 2)
    return PF_OK;
  if (p->state == 1)
    return fail(c, c->tpath, "parameter '%s' depends on itself through its "
                "defaultValue", p->name);
  if (pf_err_isset(c->run->err))
    return c->run->err->code;
  p->state = 1;
  if (!(ppath = jp_key(c->tpath, "parameters")) ||
      !(dpath = jp_key(ppath, p->name))) {
    pf_free(ppath);
    return oom(c->run);
  }
  pf_free(ppath);
  if (p->given) {
    p->value = cJSON_Duplicate(p->given, 1);
    st = p->value ? check_param(c, p, p->given_file, p->given_path)
                  : oom(c->run);
  } else if ((def = member(p->decl, "defaultValue")) != NULL) {
    char *vp = jp_key(dpath, "defaultValue");
    saved = c->loops;
    c->loops = NULL;   /* defaults see no loop */
    st = vp ? eval_value(c, def, vp, &p->value) : oom(c->run);
    c->loops = saved;
    if (st == PF_OK)
      st = check_param(c, p, c->file, vp);
    pf_free(vp);
  } else if (!c->up && c->run->pfile) {
    /* a parameters file of another template reads the same way */
    st = fail(c, dpath, "parameter '%s' has no value in %s and no "
              "defaultValue: give it there (is that file this template's "
              "parameters?)", p->name, c->run->pfile);
  } else {
    st = fail(c, dpath, "parameter '%s' has no value: give it in the "
              "parameters file (--parameters) or declare a defaultValue",
              p->name);
  }
  pf_free(dpath);
  {
    const char *type = type_name_of(p->decl);
    if (st == PF_OK && type && (!strcasecmp(type, "securestring") ||
                                !strcasecmp(type, "secureObject")))
      st = note_secrets(c->run, p->value);
  }
  p->state = st == PF_OK ? 2 : 1;
  return st;
}

/* Parameters declared by the template, with the values given to it:
 * \p given is {"name": {"value": v} | {"reference": ...}} read from
 * \p gfile at \p gpath (already evaluated for nested deployments). */
static pf_status init_params(struct ctx *c, const cJSON *given,
                             const char *gfile, const char *gpath)
{
  const cJSON *decls = member(c->t, "parameters"), *d, *g;
  size_t n = 0;
  if (decls && !cJSON_IsObject(decls))
    return fail(c, c->tpath, "'parameters' must be an object");
  cJSON_ArrayForEach(d, decls)
    n++;
  if (n > 256)
    return fail(c, c->tpath, "%zu parameters; Azure Resource Manager allows "
                "256", n);
  c->p = n ? pf_calloc(n, sizeof(*c->p)) : NULL;
  if (n && !c->p)
    return oom(c->run);
  cJSON_ArrayForEach(d, decls) {
    struct param *p = &c->p[c->np++];
    p->name = d->string;
    p->decl = d;
    if (!cJSON_IsObject(d)) {
      char *pp = jp_key(c->tpath, "parameters"), *q = pp ? jp_key(pp, d->string)
                                                        : NULL;
      pf_status st = fail(c, q ? q : c->tpath, "parameter '%s' must be an "
                          "object with a type", d->string);
      pf_free(pp);
      pf_free(q);
      return st;
    }
  }
  cJSON_ArrayForEach(g, given) {
    struct param *p = NULL;
    size_t i;
    char *gp = jp_key(gpath, g->string), *vp;
    const cJSON *val;
    if (!gp)
      return oom(c->run);
    for (i = 0; i < c->np; i++)
      if (!strcasecmp(c->p[i].name, g->string))
        p = &c->p[i];
    if (!p) {
      struct ctx loc = *c;
      pf_status st;
      loc.file = gfile;
      st = fail(&loc, gp, "the template %s has no parameter '%s'", c->file,
                g->string);
      pf_free(gp);
      return st;
    }
    if ((val = member(g, "value")) != NULL) {
      p->given = cJSON_Duplicate(val, 1);
      vp = jp_key(gp, "value");
    } else if (member(g, "reference")) {
      /* a Key Vault secret: its value exists only in Azure */
      char why[200];
      snprintf(why, sizeof(why), "parameter '%.80s' (a Key Vault reference)",
               p->name);
      p->given = pf_armx_unknown(why);
      vp = jp_key(gp, "reference");
    } else {
      struct ctx loc = *c;
      pf_status st;
      loc.file = gfile;
      st = fail(&loc, gp, "parameter '%s' has neither 'value' nor "
                "'reference'", g->string);
      pf_free(gp);
      return st;
    }
    pf_free(gp);
    if (!p->given || !vp) {
      pf_free(vp);
      return oom(c->run);
    }
    pf_free(p->given_path);
    p->given_path = vp;
    p->given_file = gfile;
  }
  return PF_OK;
}

/* ---- variables --------------------------------------------------------- */

static pf_status var_value(struct ctx *c, struct var *v)
{
  const struct frame *saved = c->loops;
  pf_status st;
  if (v->state == 2)
    return PF_OK;
  if (v->state == 1)
    return fail(c, v->path, "variable '%s' depends on itself", v->name);
  if (pf_err_isset(c->run->err))
    return c->run->err->code;
  v->state = 1;
  c->loops = NULL;
  if (v->is_copy) {
    /* "copy": [{"name", "count", "input"}] in variables: an array */
    st = eval_copy_spec(c, v->decl, v->path, &v->value);
  } else {
    st = eval_value(c, v->decl, v->path, &v->value);
  }
  c->loops = saved;
  v->state = st == PF_OK ? 2 : 1;
  return st;
}

static pf_status init_vars(struct ctx *c)
{
  const cJSON *decls = member(c->t, "variables"), *d, *e;
  size_t n = 0;
  char *vpath;
  if (!decls)
    return PF_OK;
  if (!cJSON_IsObject(decls))
    return fail(c, c->tpath, "'variables' must be an object");
  cJSON_ArrayForEach(d, decls) {
    if (!strcasecmp(d->string, "copy") && cJSON_IsArray(d))
      n += (size_t)cJSON_GetArraySize(d);
    else
      n++;
  }
  if (n > 256)
    return fail(c, c->tpath, "%zu variables; Azure Resource Manager allows "
                "256", n);
  if (!n)
    return PF_OK;
  if (!(c->v = pf_calloc(n, sizeof(*c->v))) ||
      !(vpath = jp_key(c->tpath, "variables")))
    return oom(c->run);
  cJSON_ArrayForEach(d, decls) {
    if (!strcasecmp(d->string, "copy") && cJSON_IsArray(d)) {
      size_t i = 0;
      char *cp = jp_key(vpath, "copy");
      cJSON_ArrayForEach(e, d) {
        struct var *v = &c->v[c->nv];
        const cJSON *nm = member(e, "name");
        v->path = cp ? jp_idx(cp, i++) : NULL;
        if (!v->path) {
          pf_free(cp);
          pf_free(vpath);
          return oom(c->run);
        }
        c->nv++;
        if (!cJSON_IsString(nm) || !member(e, "input")) {
          pf_status st = fail(c, v->path, "a variable copy needs 'name', "
                              "'count' and 'input'");
          pf_free(cp);
          pf_free(vpath);
          return st;
        }
        v->name = nm->valuestring;
        v->decl = e;
        v->is_copy = 1;
      }
      pf_free(cp);
      continue;
    }
    c->v[c->nv].name = d->string;
    c->v[c->nv].decl = d;
    if (!(c->v[c->nv].path = jp_key(vpath, d->string))) {
      pf_free(vpath);
      return oom(c->run);
    }
    c->nv++;
  }
  pf_free(vpath);
  return PF_OK;
}

/* ---- resource instances ------------------------------------------------ */

static int type_segments(const char *type)
{
  int n = 0;
  for (; *type; type++)
    n += *type == '/';
  return n;
}

static int name_segments(const char *name)
{
  return type_segments(name) + 1;
}

static pf_status eval_str_member(struct ctx *c, const cJSON *decl,
                                 const char *key, const char *path,
                                 char **out)
{
  const cJSON *m = member(decl, key);
  cJSON *v = NULL;
  char *p = jp_key(path, key);
  pf_status st;
  *out = NULL;
  if (!p)
    return oom(c->run);
  if (!m) {
    st = fail(c, path, "resource has no '%s'", key);
  } else if ((st = eval_value(c, m, p, &v)) == PF_OK) {
    if (pf_armx_is_unknown(v))
      st = fail(c, p, "the %s is known only at deployment (%.200s); Azure "
                "requires it at the start of the deployment", key,
                v->child->valuestring);
    else if (!cJSON_IsString(v) || !*v->valuestring)
      st = fail(c, p, "the %s must be a non-empty string, found %s", key,
                pf_armx_typename(v));
    else if (!(*out = pf_strdup(v->valuestring)))
      st = oom(c->run);
  }
  cJSON_Delete(v);
  pf_free(p);
  return st;
}

/* Build the id: /subscriptions/S/resourceGroups/RG/providers/NS/t1/n1/...
 * (or under the resource's "scope" for extension resources). */
static pf_status make_id(struct ctx *c, struct inst *in, const char *scope)
{
  struct pf_strbuf sb;
  const char *t = in->type, *n = in->name, *slash = strchr(t, '/');
  pf_strbuf_init(&sb, 8192);
  if (scope && scope[0] == '/')
    pf_strbuf_addf(&sb, "%s", scope);
  else if (scope)   /* "Microsoft.Storage/storageAccounts/st": this group */
    pf_strbuf_addf(&sb, "/subscriptions/%s/resourceGroups/%s/providers/%s",
                   c->sub, c->rg, scope);
  else
    pf_strbuf_addf(&sb, "/subscriptions/%s/resourceGroups/%s", c->sub,
                   c->rg);
  pf_strbuf_adds(&sb, "/providers/");
  pf_strbuf_addn(&sb, t, (size_t)(slash - t));
  t = slash;
  while (t && *t) {
    const char *tn = strchr(t + 1, '/'), *nn = strchr(n, '/');
    size_t tl = tn ? (size_t)(tn - t) : strlen(t);
    size_t nl = nn ? (size_t)(nn - n) : strlen(n);
    pf_strbuf_addn(&sb, t, tl);
    pf_strbuf_addc(&sb, '/');
    pf_strbuf_addn(&sb, n, nl);
    t = tn;
    n = nn ? nn + 1 : n + nl;
  }
  in->id = pf_strbuf_detach(&sb);
  return in->id ? PF_OK : oom(c->run);
}

static pf_status add_inst(struct ctx *c, const cJSON *decl, const char *path,
                          size_t parent);

static pf_status add_children(struct ctx *c, const cJSON *decl,
                              const char *path, size_t self)
{
  const cJSON *kids = member(decl, "resources"), *k;
  char *kp;
  size_t i = 0;
  pf_status st = PF_OK;
  if (!kids)
    return PF_OK;
  if (!cJSON_IsArray(kids))
    return fail(c, path, "'resources' must be an array");
  if (!(kp = jp_key(path, "resources")))
    return oom(c->run);
  cJSON_ArrayForEach(k, kids) {
    char *p = jp_idx(kp, i++);
    if (!p) {
      st = oom(c->run);
      break;
    }
    st = add_inst(c, k, p, self);
    pf_free(p);
    if (st != PF_OK)
      break;
  }
  pf_free(kp);
  return st;
}

static pf_status add_one(struct ctx *c, const cJSON *decl, const char *path,
                         size_t parent, const char *loop, int64_t index)
{
  struct inst *in;
  const struct frame *saved = c->loops;
  const cJSON *scope_m;
  char *scope = NULL;
  size_t self;
  pf_status st;

  if (c->nr >= PF_ARM_MAX_COPY)
    return fail(c, path, "more than %d resources in one template (the Azure "
                "Resource Manager limit, copies included)", PF_ARM_MAX_COPY);
  if (PF_GROW(c->r, c->capr, c->nr + 1))
    return oom(c->run);
  self = c->nr++;
  in = &c->r[self];
  memset(in, 0, sizeof(*in));
  in->decl = decl;
  in->parent = parent;
  if (loop) {
    /* copies share a declaration: "(copy N)" tells them apart in
     * messages and keeps pending values with their own instance */
    struct pf_strbuf pb;
    pf_strbuf_init(&pb, 8192);
    pf_strbuf_addf(&pb, "%s(copy %lld)", path, (long long)index);
    in->path = pf_strbuf_detach(&pb);
  } else {
    in->path = pf_strdup(path);
  }
  if (!in->path)
    return oom(c->run);
  if (loop) {
    in->loop.name = loop;
    in->loop.index = index;
  }
  /* frames never point into c->r (it moves when it grows): the chain is
   * rebuilt from the parent index where it is needed (inst_frames) */
  in->loop.up = NULL;
  c->loops = NULL;
  {
    struct frame f[2];
    const struct frame *top = NULL;
    if (parent && c->r[parent - 1].loop.name) {
      f[0] = c->r[parent - 1].loop;
      f[0].up = NULL;
      top = &f[0];
    }
    if (loop) {
      f[1].name = loop;
      f[1].index = index;
      f[1].up = top;
      top = &f[1];
    }
    c->loops = top;
    st = eval_str_member(c, decl, "type", c->r[self].path, &c->r[self].type);
    if (st == PF_OK)
      st = eval_str_member(c, decl, "name", c->r[self].path,
                           &c->r[self].name);
    if (st == PF_OK && (scope_m = member(decl, "scope")) != NULL) {
      char *sp = NULL;
      st = eval_str_member(c, decl, "scope", c->r[self].path, &sp);
      scope = sp;
    }
  }
  c->loops = saved;
  in = &c->r[self];
  if (st != PF_OK) {
    pf_free(scope);
    return st;
  }
  if (parent) {
    /* a nested child: type and name relative to the parent */
    const struct inst *pa = &c->r[parent - 1];
    if (!strchr(in->type, '/')) {
      char *t = pf_malloc(strlen(pa->type) + strlen(in->type) + 2);
      if (!t)
        return oom(c->run);
      sprintf(t, "%s/%s", pa->type, in->type);
      pf_free(in->type);
      in->type = t;
    }
    if (name_segments(in->name) < type_segments(in->type)) {
      char *n = pf_malloc(strlen(pa->name) + strlen(in->name) + 2);
      if (!n)
        return oom(c->run);
      sprintf(n, "%s/%s", pa->name, in->name);
      pf_free(in->name);
      in->name = n;
    }
  }
  if (!strchr(in->type, '/')) {
    pf_free(scope);
    return fail(c, in->path, "type '%.100s' is not Namespace/type", in->type);
  }
  if (name_segments(in->name) != type_segments(in->type)) {
    pf_status e = fail(c, in->path, "name '%.100s' has %d segment%s but type "
                       "'%.100s' needs %d", in->name, name_segments(in->name),
                       name_segments(in->name) == 1 ? "" : "s", in->type,
                       type_segments(in->type));
    pf_free(scope);
    return e;
  }
  st = make_id(c, &c->r[self], scope);
  pf_free(scope);
  if (st != PF_OK)
    return st;
  return add_children(c, decl, c->r[self].path, self + 1);
}

/* One declaration: its instances (copy expanded) and their children. */
static pf_status add_inst(struct ctx *c, const cJSON *decl, const char *path,
                          size_t parent)
{
  const cJSON *copy = member(decl, "copy"), *nm;
  int64_t n = 0, i;
  char *cp;
  pf_status st;
  if (!cJSON_IsObject(decl))
    return fail(c, path, "a resource must be an object, found %s",
                pf_armx_typename(decl));
  if (!copy)
    return add_one(c, decl, path, parent, NULL, 0);
  if (!(cp = jp_key(path, "copy")))
    return oom(c->run);
  nm = member(copy, "name");
  if (!cJSON_IsObject(copy) || !cJSON_IsString(nm)) {
    st = fail(c, cp, "a resource copy needs 'name' and 'count'");
    pf_free(cp);
    return st;
  }
  st = get_count(c, copy, cp, &n);
  pf_free(cp);
  for (i = 0; st == PF_OK && i < n; i++)
    st = add_one(c, decl, path, parent, nm->valuestring, i);
  return st;
}

/* The loop frames an instance is evaluated in (its own, its parent's). */
static const struct frame *inst_frames(struct ctx *c, const struct inst *in,
                                       struct frame f[2])
{
  const struct frame *top = NULL;
  if (in->parent && c->r[in->parent - 1].loop.name) {
    f[0] = c->r[in->parent - 1].loop;
    f[0].up = NULL;
    top = &f[0];
  }
  if (in->loop.name) {
    f[1] = in->loop;
    f[1].up = top;
    top = &f[1];
  }
  return top;
}

static int is_deployment(const char *type)
{
  return !strcasecmp(type, "Microsoft.Resources/deployments");
}

static pf_status run_template(struct ctx *c, const cJSON *given,
                              const char *gfile, const char *gpath,
                              cJSON **outputs);
static void ctx_release(struct ctx *c);

static char *dir_of(const char *file)
{
  const char *s = strrchr(file, '/');
  char *d;
  size_t n = s ? (size_t)(s - file) : 0;
  d = pf_malloc(n + 3);
  if (!d)
    return NULL;
  if (s) {
    memcpy(d, file, n);
    d[n] = '\0';
  } else {
    strcpy(d, ".");
  }
  return d;
}

static const char *keep_file(struct run *r, char *name)
{
  struct pf_arm_out *o = r->out;
  if (PF_GROW(o->files, o->cap_files, o->n_files + 1)) {
    pf_free(name);
    return NULL;
  }
  o->files[o->n_files++] = name;
  return name;
}

/* A nested (inline) or linked (templateLink.relativePath) deployment. */
static pf_status run_deployment(struct ctx *c, struct inst *in)
{
  const cJSON *props = member(in->decl, "properties"), *t, *link, *opt;
  struct ctx sub;
  cJSON *tree = NULL, *given = NULL;
  char *ppath = NULL, *tpath = NULL, *gpath = NULL;
  const char *tfile = c->file, *gfile = c->file;
  int inner = 0;
  pf_status st = PF_OK;

  if (!cJSON_IsObject(props))
    return fail(c, in->path, "a deployment needs 'properties'");
  if (c->depth + 1 > PF_ARM_MAX_NESTING)
    return fail(c, in->path, "deployments nested more than %d deep",
                PF_ARM_MAX_NESTING);
  if (!(ppath = jp_key(in->path, "properties")))
    return oom(c->run);
  memset(&sub, 0, sizeof(sub));
  sub.run = c->run;
  sub.up = c;
  sub.depth = c->depth + 1;
  opt = member(member(props, "expressionEvaluationOptions"), "scope");
  if (cJSON_IsString(opt) && !strcasecmp(opt->valuestring, "inner"))
    inner = 1;
  if ((t = member(props, "template")) != NULL) {
    if (!cJSON_IsObject(t)) {
      st = fail(c, ppath, "'template' must be an object");
      goto done;
    }
    tpath = jp_key(ppath, "template");
  } else if ((link = member(props, "templateLink")) != NULL) {
    const cJSON *rel = member(link, "relativePath");
    char *lp = jp_key(ppath, "templateLink"), *rp = NULL, *dir, *full;
    cJSON *relv = NULL;
    char *buf = NULL;
    size_t len = 0;
    if (!lp) {
      st = oom(c->run);
      goto done;
    }
    if (!rel) {
      /* a template at a URI is not fetched: no resources, unknown
       * outputs */
      const cJSON *uri = member(link, "uri");
      char why[300];
      snprintf(why, sizeof(why), "outputs of the linked template %.200s",
               cJSON_IsString(uri) ? uri->valuestring : "(templateLink)");
      st = warn(c->run, "%s: %s: linked template %.200s is not fetched: its "
                "resources are not loaded and its outputs are unknown",
                c->file, lp, cJSON_IsString(uri) ? uri->valuestring : "");
      pf_free(lp);
      if (st == PF_OK && !(in->outputs = pf_armx_unknown(why)))
        st = oom(c->run);
      goto done;
    }
    rp = jp_key(lp, "relativePath");
    pf_free(lp);
    if (!rp || (st = eval_value(c, rel, rp, &relv)) != PF_OK) {
      pf_free(rp);
      if (st == PF_OK)
        st = oom(c->run);
      goto done;
    }
    if (!cJSON_IsString(relv) || !*relv->valuestring ||
        relv->valuestring[0] == '/') {
      st = fail(c, rp, "relativePath must be a relative file name");
      cJSON_Delete(relv);
      pf_free(rp);
      goto done;
    }
    dir = dir_of(c->file);
    full = dir ? pf_malloc(strlen(dir) + strlen(relv->valuestring) + 2)
               : NULL;
    if (!full) {
      pf_free(dir);
      cJSON_Delete(relv);
      pf_free(rp);
      st = oom(c->run);
      goto done;
    }
    sprintf(full, "%s/%s", dir, relv->valuestring);
    pf_free(dir);
    cJSON_Delete(relv);
    pf_free(rp);
    if (!(tfile = keep_file(c->run, full))) {
      st = oom(c->run);
      goto done;
    }
    {
      /* a missing or unreadable linked file is this template's error */
      struct pf_err rerr;
      pf_err_clear(&rerr);
      st = pf_file_read(tfile, PF_ARM_MAX_TEMPLATE_BYTES, &buf, &len, &rerr);
      if (st != PF_OK) {
        char *lp2 = jp_key(ppath, "templateLink");
        char *rp2 = lp2 ? jp_key(lp2, "relativePath") : NULL;
        st = fail(c, rp2 ? rp2 : ppath, "linked template: %s", rerr.msg);
        pf_free(lp2);
        pf_free(rp2);
        goto done;
      }
    }
    if (st == PF_OK) {
      st = pf_json_parse(tfile, buf, len, &tree, c->run->err);
      pf_free(buf);
    }
    if (st != PF_OK)
      goto done;
    t = tree;
    tpath = pf_strdup("$");
    inner = 1;   /* a linked template has its own parameters */
  } else {
    st = fail(c, ppath, "a deployment needs 'template' or 'templateLink'");
    goto done;
  }
  if (!tpath) {
    st = oom(c->run);
    goto done;
  }
  sub.file = tfile;
  sub.tpath = tpath;
  tpath = NULL;
  sub.t = t;
  /* target scope: the deployment's resourceGroup / subscriptionId */
  {
    static const char *const keys[2] = {"subscriptionId", "resourceGroup"};
    char **dst[2];
    int k;
    dst[0] = &sub.sub;
    dst[1] = &sub.rg;
    for (k = 0; k < 2 && st == PF_OK; k++) {
      const cJSON *m = member(in->decl, keys[k]);
      char *v = NULL;
      if (m) {
        cJSON *val = NULL;
        char *mp = jp_key(in->path, keys[k]);
        if (!mp) {
          st = oom(c->run);
          break;
        }
        st = eval_value(c, m, mp, &val);
        if (st == PF_OK && cJSON_IsString(val) && *val->valuestring)
          v = pf_strdup(val->valuestring);
        else if (st == PF_OK)
          st = warn(c->run, "%s: %s: the deployment's %s is not known "
                    "before deployment; its resources are placed in the "
                    "deploying template's scope", c->file, mp, keys[k]);
        cJSON_Delete(val);
        pf_free(mp);
      }
      if (st == PF_OK && !v)
        v = pf_strdup(k == 0 ? c->sub : c->rg);
      if (st == PF_OK && !v)
        st = oom(c->run);
      *dst[k] = v;
    }
    /* another resource group's location is not known here */
    if (st == PF_OK && c->loc && !strcasecmp(sub.rg, c->rg) &&
        !strcasecmp(sub.sub, c->sub) && !(sub.loc = pf_strdup(c->loc)))
      st = oom(c->run);
  }
  if (st != PF_OK)
    goto done;
  if (inner) {
    const cJSON *gp = member(props, "parameters"), *g;
    sub.pv = &sub;
    if (gp && !cJSON_IsObject(gp)) {
      st = fail(c, ppath, "'parameters' must be an object");
      goto done;
    }
    if (member(props, "parametersLink")) {
      st = fail(c, ppath, "parametersLink is not supported: give the "
                "parameters inline");
      goto done;
    }
    /* values given by the deploying template, evaluated in its scope */
    if (!(given = cJSON_CreateObject()) ||
        !(gpath = jp_key(ppath, "parameters"))) {
      st = oom(c->run);
      goto done;
    }
    cJSON_ArrayForEach(g, gp) {
      const cJSON *val = member(g, "value");
      cJSON *ev = NULL, *w;
      char *p1 = jp_key(gpath, g->string), *p2 = p1 ? jp_key(p1, "value")
                                                    : NULL;
      if (!p2) {
        pf_free(p1);
        st = oom(c->run);
        goto done;
      }
      if (val)
        st = eval_value(c, val, p2, &ev);
      else
        ev = NULL;
      pf_free(p1);
      pf_free(p2);
      if (st != PF_OK)
        goto done;
      if (!(w = cJSON_CreateObject())) {
        cJSON_Delete(ev);
        st = oom(c->run);
        goto done;
      }
      if (ev)
        cJSON_AddItemToObject(w, "value", ev);
      else if (member(g, "reference"))
        cJSON_AddItemToObject(w, "reference",
                              cJSON_Duplicate(member(g, "reference"), 1));
      cJSON_AddItemToObject(given, g->string, w);
    }
    gfile = c->file;
  } else {
    /* outer scope: the nested template sees the deploying template's
     * parameters and variables (ARM's default for inline templates) */
    sub.pv = c->pv;
  }
  st = run_template(&sub, inner ? given : NULL, gfile, gpath ? gpath : "$",
                    &in->outputs);
done:
  ctx_release(&sub);
  cJSON_Delete(tree);
  cJSON_Delete(given);
  pf_free(gpath);
  pf_free(tpath);
  pf_free(ppath);
  return st;
}

static int skip_key(const char *k)
{
  static const char *const skip[] = {
      "name", "type", "apiVersion", "condition", "copy", "dependsOn",
      "resources", "comments", "scope", "existing", NULL};
  int i;
  for (i = 0; skip[i]; i++)
    if (!strcasecmp(k, skip[i]))
      return 1;
  return 0;
}

static pf_status emit(struct ctx *c, struct inst *in)
{
  struct pf_arm_out *o = c->run->out;
  const cJSON *m;
  const char *last = strrchr(in->name, '/');
  cJSON *obj = cJSON_CreateObject();
  pf_status st = PF_OK;

  if (!obj || !cJSON_AddStringToObject(obj, "id", in->id) ||
      !cJSON_AddStringToObject(obj, "name", last ? last + 1 : in->name) ||
      !cJSON_AddStringToObject(obj, "type", in->type)) {
    cJSON_Delete(obj);
    return oom(c->run);
  }
  cJSON_ArrayForEach(m, in->decl) {
    if (skip_key(m->string))
      continue;
    if ((st = eval_member(c, m, in->path, obj)) != PF_OK)
      break;
  }
  if (st == PF_OK && PF_GROW(o->r, o->cap, o->n + 1))
    st = oom(c->run);
  if (st != PF_OK) {
    cJSON_Delete(obj);
    return st;
  }
  memset(&o->r[o->n], 0, sizeof(o->r[0]));
  o->r[o->n].obj = obj;
  o->r[o->n].file = c->file;
  if (!(o->r[o->n].path = pf_strdup(in->path))) {
    cJSON_Delete(obj);
    return oom(c->run);
  }
  o->n++;
  in->body = obj;
  return PF_OK;
}

static pf_status eval_inst(struct ctx *c, struct inst *in)
{
  const cJSON *cond;
  const struct frame *saved = c->loops;
  struct frame f[2];
  size_t self = (size_t)(in - c->r);
  pf_status st = PF_OK;

  if (in->state == 2)
    return PF_OK;
  if (in->state == 1)
    return fail(c, in->path, "resource '%s' depends on itself through "
                "reference()", in->name);
  if (pf_err_isset(c->run->err))
    return c->run->err->code;
  in->state = 1;
  in->present = 1;
  if (in->parent) {
    st = eval_inst(c, &c->r[in->parent - 1]);
    in = &c->r[self];
    if (st != PF_OK)
      return st;
    in->present = c->r[in->parent - 1].present;
  }
  c->loops = inst_frames(c, in, f);
  if (in->present && (cond = member(in->decl, "condition")) != NULL) {
    cJSON *v = NULL;
    char *p = jp_key(in->path, "condition");
    st = p ? eval_value(c, cond, p, &v) : oom(c->run);
    if (st == PF_OK) {
      if (pf_armx_is_unknown(v)) {
        st = warn(c->run, "%s: %s: the condition is known only at "
                  "deployment (%.200s): %s '%s' is not loaded", c->file, p,
                  v->child->valuestring, in->type, in->name);
        in->present = 0;
      } else if (cJSON_IsBool(v)) {
        in->present = cJSON_IsTrue(v);
      } else {
        st = fail(c, p, "the condition must be a Boolean, found %s",
                  pf_armx_typename(v));
      }
    }
    cJSON_Delete(v);
    pf_free(p);
  }
  if (st == PF_OK && in->present && !cJSON_IsTrue(member(in->decl,
                                                         "existing"))) {
    if (is_deployment(in->type))
      st = run_deployment(c, in);
    else
      st = emit(c, in);
  }
  c->loops = saved;
  in->state = 2;
  return st;
}

/* ---- templates --------------------------------------------------------- */

static pf_status eval_outputs(struct ctx *c, cJSON **out)
{
  const cJSON *outs = member(c->t, "outputs"), *d;
  char *op;
  cJSON *r;
  pf_status st = PF_OK;
  if (!(r = cJSON_CreateObject()))
    return oom(c->run);
  *out = r;
  if (!outs)
    return PF_OK;
  if (!(op = jp_key(c->tpath, "outputs")))
    return oom(c->run);
  cJSON_ArrayForEach(d, outs) {
    char *p = jp_key(op, d->string);
    const cJSON *cond = member(d, "condition"), *val = member(d, "value");
    const cJSON *copy = member(d, "copy");
    cJSON *v = NULL, *w;
    if (!p) {
      st = oom(c->run);
      break;
    }
    if (cond) {
      char *cp = jp_key(p, "condition");
      st = cp ? eval_value(c, cond, cp, &v) : oom(c->run);
      pf_free(cp);
      if (st == PF_OK && cJSON_IsFalse(v)) {
        cJSON_Delete(v);
        pf_free(p);
        continue;
      }
      cJSON_Delete(v);
      v = NULL;
    }
    if (st == PF_OK && copy) {
      char *cp = jp_key(p, "copy");
      st = cp ? eval_copy_spec(c, copy, cp, &v) : oom(c->run);
      pf_free(cp);
    } else if (st == PF_OK && val) {
      char *vp = jp_key(p, "value");
      st = vp ? eval_value(c, val, vp, &v) : oom(c->run);
      pf_free(vp);
    }
    pf_free(p);
    if (st != PF_OK)
      break;
    if (!(w = cJSON_CreateObject())) {
      cJSON_Delete(v);
      st = oom(c->run);
      break;
    }
    {
      const cJSON *ty = member(d, "type");
      if (ty && cJSON_IsString(ty))
        cJSON_AddStringToObject(w, "type", ty->valuestring);
    }
    cJSON_AddItemToObject(w, "value", v ? v : cJSON_CreateNull());
    cJSON_AddItemToObject(r, d->string, w);
  }
  pf_free(op);
  return st;
}

static pf_status run_template(struct ctx *c, const cJSON *given,
                              const char *gfile, const char *gpath,
                              cJSON **outputs)
{
  const cJSON *res, *d;
  char *rp;
  size_t i = 0;
  pf_status st = PF_OK;

  if (!cJSON_IsObject(c->t))
    return fail(c, c->tpath, "a template must be an object");
  if (c->pv == c) {
    if ((st = init_params(c, given, gfile, gpath)) != PF_OK ||
        (st = init_vars(c)) != PF_OK)
      return st;
    /* every parameter is checked at the start, as Azure does */
    for (i = 0; i < c->np; i++)
      if ((st = param_value(c, &c->p[i])) != PF_OK)
        return st;
  }
  res = member(c->t, "resources");
  if (res && !cJSON_IsArray(res) && !cJSON_IsObject(res))
    return fail(c, c->tpath, "'resources' must be an array");
  if (!(rp = jp_key(c->tpath, "resources")))
    return oom(c->run);
  i = 0;
  cJSON_ArrayForEach(d, res) {
    char *p = cJSON_IsArray(res) ? jp_idx(rp, i) : jp_key(rp, d->string);
    i++;
    if (!p) {
      st = oom(c->run);
      break;
    }
    st = add_inst(c, d, p, 0);
    pf_free(p);
    if (st != PF_OK)
      break;
  }
  pf_free(rp);
  for (i = 0; st == PF_OK && i < c->nr; i++)
    st = eval_inst(c, &c->r[i]);
  if (st == PF_OK && outputs)
    st = eval_outputs(c, outputs);
  return st;
}

static void ctx_release(struct ctx *c)
{
  size_t i;
  if (c->pv == c) {
    for (i = 0; i < c->np; i++) {
      cJSON_Delete(c->p[i].given);
      cJSON_Delete(c->p[i].value);
      pf_free(c->p[i].given_path);
    }
    for (i = 0; i < c->nv; i++) {
      cJSON_Delete(c->v[i].value);
      pf_free(c->v[i].path);
    }
  }
  pf_free(c->p);
  pf_free(c->v);
  for (i = 0; i < c->nr; i++) {
    pf_free(c->r[i].path);
    pf_free(c->r[i].type);
    pf_free(c->r[i].name);
    pf_free(c->r[i].id);
    cJSON_Delete(c->r[i].outputs);
  }
  pf_free(c->r);
  pf_free(c->sub);
  pf_free(c->rg);
  pf_free(c->loc);
  pf_free(c->tpath);
  memset(c, 0, sizeof(*c));
}

/* ---- child resources into parents ------------------------------------- */

/* child type suffix -> the parent's array */
static const char *child_array(const char *type)
{
  static const char *const map[][2] = {
      {"Microsoft.Network/virtualNetworks/subnets", "subnets"},
      {"Microsoft.Network/networkSecurityGroups/securityRules",
       "securityRules"},
      {"Microsoft.Network/routeTables/routes", "routes"},
      {"Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
       "virtualNetworkPeerings"},
      {NULL, NULL}};
  int i;
  for (i = 0; map[i][0]; i++)
    if (!strcasecmp(type, map[i][0]))
      return map[i][1];
  return NULL;
}

static pf_status add_remap(struct pf_arm_res *p, const char *from,
                           const char *to)
{
  struct pf_lj_remap *r = pf_reallocarray(p->remap, p->n_remap + 1,
                                           sizeof(*r));
  if (!r)
    return PF_ENOMEM;
  p->remap = r;
  r[p->n_remap].from = pf_strdup(from);
  r[p->n_remap].to = pf_strdup(to);
  if (!r[p->n_remap].from || !r[p->n_remap].to) {
    pf_free(r[p->n_remap].from);
    pf_free(r[p->n_remap].to);
    return PF_ENOMEM;
  }
  p->n_remap++;
  return PF_OK;
}

static pf_status merge_children(struct run *run)
{
  struct pf_arm_out *o = run->out;
  size_t i, j, k, kept = 0;
  for (i = 0; i < o->n; i++) {
    struct pf_arm_res *ch = &o->r[i];
    const cJSON *type = ch->obj ? cJSON_GetObjectItem(ch->obj, "type") : NULL;
    const cJSON *id = cJSON_GetObjectItem(ch->obj, "id");
    const char *key = cJSON_IsString(type) ? child_array(type->valuestring)
                                           : NULL, *slash;
    struct pf_arm_res *pa = NULL;
    size_t plen;
    if (!key || !cJSON_IsString(id))
      continue;
    /* the parent's id: drop "/<childtype>/<name>" */
    slash = strrchr(id->valuestring, '/');
    for (k = 0; slash && k < 1; k++) {
      const char *s = slash - 1;
      while (s > id->valuestring && *s != '/')
        s--;
      slash = s;
    }
    if (!slash)
      continue;
    plen = (size_t)(slash - id->valuestring);
    for (j = 0; j < o->n; j++) {
      const cJSON *pid = cJSON_GetObjectItem(o->r[j].obj, "id");
      if (j != i && o->r[j].obj && cJSON_IsString(pid) &&
          strlen(pid->valuestring) == plen &&
          !strncasecmp(pid->valuestring, id->valuestring, plen) &&
          !strcmp(o->r[j].file, ch->file)) {
        pa = &o->r[j];
        break;
      }
    }
    if (!pa)
      continue;   /* loaded on its own (a subnet has its own id) */
    {
      cJSON *props = cJSON_GetObjectItem(pa->obj, "properties"), *arr, *e;
      cJSON *item;
      const cJSON *nmv = cJSON_GetObjectItem(ch->obj, "name");
      const char *nm = cJSON_IsString(nmv) ? nmv->valuestring : "";
      char *from, *pp, *ap;
      size_t idx = 0, found = (size_t)-1;
      if (!props || !cJSON_IsObject(props)) {
        cJSON_DeleteItemFromObject(pa->obj, "properties");
        if (!(props = cJSON_AddObjectToObject(pa->obj, "properties")))
          return oom(run);
      }
      arr = cJSON_GetObjectItem(props, key);
      if (!arr || !cJSON_IsArray(arr)) {
        if (arr)
          continue;   /* an unknown array stays unknown */
        if (!(arr = cJSON_AddArrayToObject(props, key)))
          return oom(run);
      }
      cJSON_ArrayForEach(e, arr) {
        const cJSON *en = cJSON_GetObjectItem(e, "name");
        if (cJSON_IsString(en) && !strcasecmp(en->valuestring, nm))
          found = idx;
        idx++;
      }
      /* the child keeps its own id and properties */
      item = ch->obj;
      ch->obj = NULL;
      cJSON_DeleteItemFromObject(item, "type");
      if (found != (size_t)-1) {
        cJSON_ReplaceItemInArray(arr, (int)found, item);
        idx = found;
      } else {
        cJSON_AddItemToArray(arr, item);
        idx = (size_t)cJSON_GetArraySize(arr) - 1;
      }
      pp = jp_key(pa->path, cJSON_GetObjectItem(pa->obj, "properties")
                                ->string);
      ap = pp ? jp_key(pp, key) : NULL;
      from = ap ? jp_idx(ap, idx) : NULL;
      if (!from || add_remap(pa, from, ch->path) != PF_OK) {
        pf_free(pp);
        pf_free(ap);
        pf_free(from);
        return oom(run);
      }
      pf_free(pp);
      pf_free(ap);
      pf_free(from);
    }
  }
  /* drop merged entries */
  for (i = 0; i < o->n; i++) {
    if (!o->r[i].obj) {
      pf_free(o->r[i].path);
      continue;
    }
    o->r[kept++] = o->r[i];
  }
  o->n = kept;
  return PF_OK;
}

/* ---- entry points ------------------------------------------------------ */

int pf_arm_is_template(const cJSON *root)
{
  const cJSON *s = member(root, "$schema");
  return cJSON_IsString(s) && strstr(s->valuestring, "deploymentTemplate");
}

int pf_arm_is_parameters(const cJSON *root)
{
  const cJSON *s = member(root, "$schema");
  return cJSON_IsString(s) && strstr(s->valuestring, "deploymentParameters");
}

/* <dir>/<name>.json -> <dir>/<name>.parameters.json */
static char *beside(const char *file)
{
  size_t n = strlen(file);
  char *p;
  if (n < 5 || strcmp(file + n - 5, ".json"))
    return NULL;
  p = pf_malloc(n + 12);
  if (!p)
    return NULL;
  memcpy(p, file, n - 5);
  strcpy(p + n - 5, ".parameters.json");
  return p;
}

static pf_status read_parameters(struct run *r, const char *tfile,
                                 cJSON **tree, const char **pfile)
{
  const char *name = r->o ? r->o->parameters : NULL;
  char *buf = NULL, *b = NULL;
  size_t len = 0;
  const cJSON *p;
  pf_status st;
  *tree = NULL;
  *pfile = NULL;
  if (!name) {
    FILE *f;
    if (!(b = beside(tfile)))
      return PF_OK;
    if (!(f = fopen(b, "rb"))) {
      pf_free(b);
      return PF_OK;   /* no parameters file: defaults only */
    }
    fclose(f);
    if (!(name = keep_file(r, b)))
      return oom(r);
  }
  st = pf_file_read(name, PF_ARM_MAX_TEMPLATE_BYTES, &buf, &len, r->err);
  if (st != PF_OK)
    return st;
  st = pf_json_parse(name, buf, len, tree, r->err);
  pf_free(buf);
  if (st != PF_OK)
    return st;
  p = member(*tree, "parameters");
  if (pf_arm_is_template(*tree)) {
    /* a template's own "parameters" are declarations, not values */
    cJSON_Delete(*tree);
    *tree = NULL;
    return pf_err_set(r->err, PF_EINVAL, "%s: $: a deployment template, not "
                      "a parameters file: give its parameters file "
                      "(<name>.parameters.json) to --parameters", name);
  }
  if (!cJSON_IsObject(p)) {
    cJSON_Delete(*tree);
    *tree = NULL;
    return pf_err_set(r->err, PF_EINVAL, "%s: $: not an ARM parameters file "
                      "(no \"parameters\" object)", name);
  }
  *pfile = name;
  return PF_OK;
}

pf_status pf_arm_translate(const char *file, size_t len, const cJSON *tmpl,
                           const struct pf_arm_opts *opts,
                           struct pf_arm_out *out, struct pf_err *err)
{
  struct run run;
  struct ctx c;
  cJSON *ptree = NULL, *outputs = NULL;
  const char *pfile = NULL;
  pf_status st;
  char missing[200] = "";

  memset(out, 0, sizeof(*out));
  memset(&run, 0, sizeof(run));
  run.o = opts;
  run.out = out;
  run.err = err;
  run.budget = BUDGET;
  if (len > PF_ARM_MAX_TEMPLATE_BYTES)
    return pf_err_set(err, PF_ETOOBIG, "%s: $: the template is %zu bytes; "
                      "Azure Resource Manager accepts at most 4 MB (%zu "
                      "bytes)", file, len, PF_ARM_MAX_TEMPLATE_BYTES);
  memset(&c, 0, sizeof(c));
  c.run = &run;
  c.pv = &c;
  c.file = file;
  c.t = tmpl;
  c.tpath = pf_strdup("$");
  c.sub = pf_strdup(opts && opts->subscription ? opts->subscription
                                               : PLACEHOLDER_SUB);
  c.rg = pf_strdup(opts && opts->resource_group ? opts->resource_group
                                                : PLACEHOLDER_RG);
  c.loc = pf_strdup(opts && opts->location ? opts->location
                                           : PLACEHOLDER_LOC);
  if (!c.tpath || !c.sub || !c.rg || !c.loc) {
    ctx_release(&c);
    return oom(&run);
  }
  st = read_parameters(&run, file, &ptree, &pfile);
  run.pfile = pfile;
  if (st == PF_OK)
    st = run_template(&c, member(ptree, "parameters"), pfile,
                      "$.parameters", &outputs);
  if (st == PF_OK)
    st = merge_children(&run);
  if (st == PF_OK) {
    pf_status st2;
    if (!opts || !opts->subscription)
      strcat(missing, " subscription " PLACEHOLDER_SUB " (--subscription),");
    if (!opts || !opts->resource_group) {
      strcat(missing, " resource group '" PLACEHOLDER_RG "' (--resource-group),");
      out->rg_placeholder = 1;
    }
    if ((!opts || !opts->location) && run.location_used)
      strcat(missing, " location '" PLACEHOLDER_LOC "' (--location),");
    if (*missing) {
      missing[strlen(missing) - 1] = '\0';
      if ((st2 = warn(&run, "%s: deployment scope not given: placeholders "
                     "used in ids and locations:%s", file, missing)) != PF_OK) {
        st = st2;
      }
    }
  }
  cJSON_Delete(outputs);
  cJSON_Delete(ptree);
  ctx_release(&c);
  {
    pf_status st2 = scrub_secrets(&run);
    if (st == PF_OK)
      st = st2;
  }
  cJSON_Delete(run.secrets);
  if (st == PF_OK && pf_err_isset(err))
    st = err->code;
  return st;
}

void pf_arm_out_release(struct pf_arm_out *out)
{
  size_t i, k;
  for (i = 0; i < out->n; i++) {
    cJSON_Delete(out->r[i].obj);
    pf_free(out->r[i].path);
    for (k = 0; k < out->r[i].n_remap; k++) {
      pf_free(out->r[i].remap[k].from);
      pf_free(out->r[i].remap[k].to);
    }
    pf_free(out->r[i].remap);
  }
  pf_free(out->r);
  for (i = 0; i < out->n_warn; i++)
    pf_free(out->warn[i]);
  pf_free(out->warn);
  for (i = 0; i < out->n_files; i++)
    pf_free(out->files[i]);
  pf_free(out->files);
  memset(out, 0, sizeof(*out));
}
