/* SPDX-License-Identifier: MIT */
/* report_baseline.c - suppressions: --baseline FILE and .preflight-ignore
 *
 * Two formats, sniffed by the first character (docs/reports.md):
 *
 *   # .preflight-ignore: one suppression a line
 *   RULE  RESOURCE  [expires=YYYY-MM-DD]  justification...
 *
 *   {"suppressions": [{"rule": "NSG-2", "resource": "...",
 *                      "expires": "2026-06-30", "justification": "..."}]}
 *
 * RULE and RESOURCE are globs (fnmatch, case-insensitive); RESOURCE
 * matches the ARM id or the resource name.  A justification is required.
 * Only failing and unknown results are suppressed.  An expired entry no
 * longer suppresses; expired and unused entries are reported.
 */
#include "report.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/pf_file.h"
#include "core/pf_mem.h"
#include "load/pf_load.h"

struct bl_entry {
  const char *rule, *resource, *expires, *reason;
  char where[64];              /* "line 3" or "$.suppressions[2]" */
  size_t used;
};

struct pf_baseline {
  struct pf_arena a;
  const char *path;
  struct bl_entry *e;
  size_t n, cap;
};

#define DEFAULT_IGNORE ".preflight-ignore"

const char *pf_baseline_path(const char *opt)
{
  if (opt)
    return opt;
  if (access(DEFAULT_IGNORE, R_OK) == 0)
    return DEFAULT_IGNORE;
  return NULL;
}

void pf_report_today(char buf[11])
{
  const char *fixed = getenv("PREFLIGHT_FIXED_TIME");
  time_t now;
  struct tm tm;
  if (fixed && strlen(fixed) >= 10 && fixed[4] == '-' && fixed[7] == '-') {
    memcpy(buf, fixed, 10);
    buf[10] = '\0';
    return;
  }
  now = fixed && *fixed ? (time_t)strtoll(fixed, NULL, 10) : time(NULL);
  gmtime_r(&now, &tm);
  strftime(buf, 11, "%Y-%m-%d", &tm);
}

static int valid_date(const char *s)
{
  int i, m, d;
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
    return 0;
  for (i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
      return 0;
  m = (s[5] - '0') * 10 + (s[6] - '0');
  d = (s[8] - '0') * 10 + (s[9] - '0');
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static pf_status add(struct pf_baseline *b, const char *rule,
                     const char *res, const char *expires,
                     const char *reason, const char *where,
                     struct pf_err *err)
{
  struct bl_entry *e;
  if (!reason || !*reason)
    return pf_err_set(err, PF_EINVAL, "%s: %s: a justification is required "
                      "(why may this finding be ignored?)", b->path, where);
  if (expires && !valid_date(expires))
    return pf_err_set(err, PF_EINVAL, "%s: %s: expires must be a date "
                      "YYYY-MM-DD, not '%s'", b->path, where, expires);
  if (PF_GROW(b->e, b->cap, b->n + 1))
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", b->path);
  e = &b->e[b->n];
  memset(e, 0, sizeof(*e));
  e->rule = pf_arena_strdup(&b->a, rule);
  e->resource = pf_arena_strdup(&b->a, res);
  e->expires = pf_arena_strdup(&b->a, expires ? expires : "");
  e->reason = pf_arena_strdup(&b->a, reason);
  snprintf(e->where, sizeof(e->where), "%s", where);
  if (!e->rule || !e->resource || !e->expires || !e->reason)
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", b->path);
  b->n++;
  return PF_OK;
}

static const char *next_field(char **p)
{
  char *s = *p, *start;
  while (*s == ' ' || *s == '\t')
    s++;
  if (!*s)
    return NULL;
  start = s;
  while (*s && *s != ' ' && *s != '\t')
    s++;
  if (*s)
    *s++ = '\0';
  *p = s;
  return start;
}

static pf_status load_lines(struct pf_baseline *b, char *buf,
                            struct pf_err *err)
{
  char *line = buf, *nl;
  unsigned long no = 0;
  for (; line; line = nl) {
    char *p = line, where[32];
    const char *rule, *res, *expires = NULL;
    size_t n;
    pf_status st;
    nl = strchr(line, '\n');
    if (nl)
      *nl++ = '\0';
    no++;
    n = strlen(line);
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
                 line[n - 1] == '\t'))
      line[--n] = '\0';
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p || *p == '#')
      continue;
    snprintf(where, sizeof(where), "line %lu", no);
    rule = next_field(&p);
    res = next_field(&p);
    if (!res)
      return pf_err_set(err, PF_EINVAL, "%s: %s: expected 'RULE RESOURCE "
                        "[expires=YYYY-MM-DD] justification'", b->path,
                        where);
    while (*p == ' ' || *p == '\t')
      p++;
    if (!strncmp(p, "expires=", 8)) {
      expires = next_field(&p) + 8;
      while (*p == ' ' || *p == '\t')
        p++;
    }
    if ((st = add(b, rule, res, expires, p, where, err)) != PF_OK)
      return st;
  }
  return PF_OK;
}

static pf_status json_field(struct pf_baseline *b, const cJSON *o,
                            const char *key, const char *where, int need,
                            const char **out, struct pf_err *err)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  *out = NULL;
  if (!v || cJSON_IsNull(v)) {
    if (need)
      return pf_err_set(err, PF_EINVAL, "%s: %s.%s: missing", b->path,
                        where, key);
    return PF_OK;
  }
  if (!cJSON_IsString(v))
    return pf_err_set(err, PF_EINVAL, "%s: %s.%s: expected a string",
                      b->path, where, key);
  *out = v->valuestring;
  return PF_OK;
}

static pf_status load_json(struct pf_baseline *b, const char *buf,
                           size_t len, struct pf_err *err)
{
  cJSON *root = NULL;
  const cJSON *list, *o;
  size_t i = 0;
  pf_status st = pf_json_parse(b->path, buf, len, &root, err);
  if (st != PF_OK)
    return st;
  list = cJSON_IsArray(root)
             ? root
             : cJSON_GetObjectItemCaseSensitive(root, "suppressions");
  if (!cJSON_IsArray(list)) {
    pf_json_free(root);
    return pf_err_set(err, PF_EINVAL, "%s: $.suppressions: expected an "
                      "array of {\"rule\", \"resource\", \"expires\", "
                      "\"justification\"}", b->path);
  }
  cJSON_ArrayForEach(o, list) {
    char where[64];
    const char *rule, *res, *exp, *why;
    snprintf(where, sizeof(where), "%s[%zu]",
             list == root ? "$" : "$.suppressions", i++);
    if (!cJSON_IsObject(o)) {
      st = pf_err_set(err, PF_EINVAL, "%s: %s: expected an object",
                      b->path, where);
      break;
    }
    if ((st = json_field(b, o, "rule", where, 1, &rule, err)) != PF_OK ||
        (st = json_field(b, o, "resource", where, 0, &res, err)) != PF_OK ||
        (st = json_field(b, o, "expires", where, 0, &exp, err)) != PF_OK ||
        (st = json_field(b, o, "justification", where, 0, &why, err)) !=
            PF_OK ||
        (st = add(b, rule, res ? res : "*", exp, why, where, err)) != PF_OK)
      break;
  }
  pf_json_free(root);
  return st;
}

pf_status pf_baseline_load(struct pf_baseline **out, const char *path,
                           struct pf_err *err)
{
  struct pf_baseline *b;
  char *buf = NULL;
  const char *p;
  size_t len = 0;
  pf_status st;

  *out = NULL;
  if (!(b = pf_calloc(1, sizeof(*b))))
    return pf_err_set(err, PF_ENOMEM, "out of memory");
  pf_arena_init(&b->a);
  b->path = pf_arena_strdup(&b->a, path);
  if ((st = pf_file_read(path, (size_t)4 << 20, &buf, &len, err)) != PF_OK) {
    pf_baseline_destroy(b);
    return st;
  }
  for (p = buf; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++)
    ;
  st = (*p == '{' || *p == '[') ? load_json(b, buf, len, err)
                                : load_lines(b, buf, err);
  pf_free(buf);
  if (st != PF_OK) {
    pf_baseline_destroy(b);
    return st;
  }
  *out = b;
  return PF_OK;
}

void pf_baseline_destroy(struct pf_baseline *b)
{
  if (!b)
    return;
  pf_free(b->e);
  pf_arena_release(&b->a);
  pf_free(b);
}

static int expired(const struct bl_entry *e, const char *today)
{
  return e->expires[0] && strcmp(e->expires, today) < 0;
}

int pf_baseline_match(struct pf_baseline *b, const char *rule,
                      const char *resource, const char *name,
                      const char *today)
{
  size_t i;
  int hit = -1;
  for (i = 0; b && i < b->n; i++) {
    struct bl_entry *e = &b->e[i];
    if (fnmatch(e->rule, rule, FNM_CASEFOLD) != 0)
      continue;
    if (fnmatch(e->resource, resource ? resource : "", FNM_CASEFOLD) != 0 &&
        (!name || fnmatch(e->resource, name, FNM_CASEFOLD) != 0))
      continue;
    e->used++;
    if (!expired(e, today) && hit < 0)
      hit = (int)i;
  }
  return hit;
}

const char *pf_baseline_reason(const struct pf_baseline *b, int i)
{
  return b->e[i].reason;
}

const char *pf_baseline_expires(const struct pf_baseline *b, int i)
{
  return b->e[i].expires;
}

void pf_baseline_each_stale(const struct pf_baseline *b, const char *today,
                            void (*cb)(void *arg, const char *msg),
                            void *arg)
{
  size_t i;
  char msg[1024];
  for (i = 0; b && i < b->n; i++) {
    const struct bl_entry *e = &b->e[i];
    if (expired(e, today))
      snprintf(msg, sizeof(msg), "%s: %s: suppression of %s %s expired on "
               "%s (%zu finding%s no longer suppressed)", b->path, e->where,
               e->rule, e->resource, e->expires, e->used,
               e->used == 1 ? "" : "s");
    else if (!e->used)
      snprintf(msg, sizeof(msg), "%s: %s: suppression of %s %s matches no "
               "result (remove it?)", b->path, e->where, e->rule,
               e->resource);
    else
      continue;
    cb(arg, msg);
  }
}

struct stale_ctx {
  struct pf_report *rep;
  void (*warn)(void *arg, const char *msg);
  void *arg;
  pf_status st;
};

static void stale_note(void *arg, const char *msg)
{
  struct stale_ctx *c = arg;
  if (pf_report_note(c->rep, "%s", msg) != PF_OK)
    c->st = PF_ENOMEM;
  if (c->warn)
    c->warn(c->arg, msg);
}

pf_status pf_report_apply_matches(struct pf_report *rep,
                                  const struct pf_baseline *b,
                                  const int *match, const char *today)
{
  struct stale_ctx c;
  size_t i;
  for (i = 0; match && i < rep->n; i++) {
    struct pf_finding *f = &rep->f[i];
    if (match[i] < 0)
      continue;
    f->suppressed = 1;
    f->supp_reason = pf_report_str(rep, b->e[match[i]].reason);
    f->supp_expires = b->e[match[i]].expires[0]
                          ? pf_report_str(rep, b->e[match[i]].expires)
                          : NULL;
    if (!f->supp_reason)
      return PF_ENOMEM;
  }
  c.rep = rep;
  c.warn = NULL;
  c.arg = NULL;
  c.st = PF_OK;
  pf_baseline_each_stale(b, today, stale_note, &c);
  return c.st;
}

pf_status pf_baseline_apply(struct pf_baseline *b, struct pf_report *rep,
                            const char *today,
                            void (*warn)(void *arg, const char *msg),
                            void *arg)
{
  struct stale_ctx c;
  size_t i;
  for (i = 0; i < rep->n; i++) {
    struct pf_finding *f = &rep->f[i];
    int k;
    if (f->suppressed || f->status == PF_RS_PASS)
      continue;
    k = pf_baseline_match(b, f->rule, f->resource, f->name, today);
    if (k < 0)
      continue;
    f->suppressed = 1;
    f->supp_reason = pf_report_str(rep, b->e[k].reason);
    f->supp_expires = b->e[k].expires[0]
                          ? pf_report_str(rep, b->e[k].expires)
                          : NULL;
    if (!f->supp_reason)
      return PF_ENOMEM;
  }
  c.rep = rep;
  c.warn = warn;
  c.arg = arg;
  c.st = PF_OK;
  pf_baseline_each_stale(b, today, stale_note, &c);
  return c.st;
}
