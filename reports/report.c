/* SPDX-License-Identifier: MIT */
/* report.c - the finding model: building, merging, redacting, counting
 *
 * The writers (report_*.c) only read a finished struct pf_report.  This
 * file turns check results or read-back documents into findings, finds
 * where each resource was read (file, JSON path, line: SARIF locations),
 * draws the configuration into a small topology for the HTML picture, and
 * merges documents of several runs (static `check` and live `probe` /
 * `capture` views side by side).
 */
#include "report.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/pf_file.h"
#include "core/pf_jsonr.h"
#include "core/pf_mem.h"
#include "model/pf_tags.h"
#include "pf_version.h"

#define NOTE_MAX 1024

/* ---- the writer table --------------------------------------------------- */

static const struct pf_report_ops *const all_ops[] = {
  &pf_report_markdown_ops, &pf_report_html_ops, &pf_report_sarif_ops,
  &pf_report_junit_ops
};

const struct pf_report_ops *pf_report_ops_find(const char *name)
{
  size_t i;
  for (i = 0; name && i < sizeof(all_ops) / sizeof(all_ops[0]); i++)
    if (!strcmp(all_ops[i]->name, name))
      return all_ops[i];
  if (name && !strcmp(name, "md"))
    return &pf_report_markdown_ops;
  return NULL;
}

const char *pf_report_ops_names(void)
{
  return "markdown, html, sarif or junit";
}

/* ---- the report object -------------------------------------------------- */

void pf_report_init(struct pf_report *rep)
{
  memset(rep, 0, sizeof(*rep));
  pf_arena_init(&rep->arena);
}

void pf_report_release(struct pf_report *rep)
{
  if (!rep)
    return;
  pf_free(rep->inputs);
  pf_free(rep->docs);
  pf_free(rep->f);
  pf_free(rep->notes);
  pf_arena_release(&rep->arena);
  memset(rep, 0, sizeof(*rep));
}

static int b64c(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static int b64url(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Secret-bearing "key=value" names (connection strings, SAS tokens). */
static const char *const secret_keys[] = {
  "accountkey=", "sharedaccesskey=", "sharedaccesssignature=", "sig=",
  "password=", "pwd=", "client_secret=", "secret="
};

/* Length of the secret starting at s[i] (the value after a key, a long
 * base64 run ending in '=', a JWT), and where its value starts. */
static size_t secret_at(const char *s, size_t i, size_t *keep)
{
  size_t k, j;
  *keep = 0;
  if (i == 0 || !(b64c((unsigned char)s[i - 1]) || s[i - 1] == '_' ||
                  s[i - 1] == '-')) {
    for (k = 0; k < sizeof(secret_keys) / sizeof(secret_keys[0]); k++) {
      size_t n = strlen(secret_keys[k]);
      if (!strncasecmp(s + i, secret_keys[k], n)) {
        for (j = i + n; s[j] && s[j] != ';' && s[j] != '&' && s[j] != '"' &&
                        s[j] != '\\' && s[j] != '\'' && s[j] != ' ' &&
                        s[j] != '\n' && s[j] != ',';
             j++)
          ;
        if (j > i + n) {
          *keep = n;
          return j - i;
        }
      }
    }
  }
  if (i == 0 || !b64c((unsigned char)s[i - 1])) {
    /* base64 keys: 40+ characters closed by padding */
    for (j = i; b64c((unsigned char)s[j]); j++)
      ;
    if (j - i >= 40 && s[j] == '=') {
      while (s[j] == '=')
        j++;
      return j - i;
    }
    /* JSON web tokens (bearer tokens) */
    if (!strncmp(s + i, "eyJ", 3)) {
      for (j = i; b64url((unsigned char)s[j]) || s[j] == '.'; j++)
        ;
      if (j - i >= 40)
        return j - i;
    }
  }
  return 0;
}

const char *pf_report_str(struct pf_report *rep, const char *s)
{
  struct pf_strbuf sb;
  size_t i, run = 0;
  char *out;
  int found = 0;
  if (!s)
    return NULL;
  pf_strbuf_init(&sb, (size_t)64 << 20);
  for (i = 0; s[i]; i++) {
    size_t keep, n = secret_at(s, i, &keep);
    if (!n)
      continue;
    found = 1;
    pf_strbuf_addn(&sb, s + run, i - run);
    pf_strbuf_addn(&sb, s + i, keep);
    pf_strbuf_adds(&sb, "***REDACTED***");
    i += n - 1;
    run = i + 1;
  }
  if (!found) {
    pf_strbuf_release(&sb);
    return pf_arena_strdup(&rep->arena, s);
  }
  pf_strbuf_addn(&sb, s + run, i - run);
  out = pf_arena_strdup(&rep->arena, pf_strbuf_str(&sb));
  pf_strbuf_release(&sb);
  return out;
}

pf_status pf_report_note(struct pf_report *rep, const char *fmt, ...)
{
  char buf[NOTE_MAX];
  const char *s;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (PF_GROW(rep->notes, rep->cap_notes, rep->n_notes + 1))
    return PF_ENOMEM;
  if (!(s = pf_report_str(rep, buf)))
    return PF_ENOMEM;
  rep->notes[rep->n_notes++] = s;
  return PF_OK;
}

pf_status pf_report_add_input(struct pf_report *rep, const char *path)
{
  size_t i;
  const char *s;
  for (i = 0; i < rep->n_inputs; i++)
    if (!strcmp(rep->inputs[i], path))
      return PF_OK;
  if (PF_GROW(rep->inputs, rep->cap_inputs, rep->n_inputs + 1))
    return PF_ENOMEM;
  if (!(s = pf_report_str(rep, path)))
    return PF_ENOMEM;
  rep->inputs[rep->n_inputs++] = s;
  return PF_OK;
}

struct pf_finding *pf_report_new(struct pf_report *rep)
{
  struct pf_finding *f;
  if (PF_GROW(rep->f, rep->cap, rep->n + 1))
    return NULL;
  f = &rep->f[rep->n];
  memset(f, 0, sizeof(*f));
  f->seq = rep->n++;
  f->order = INT_MAX;
  f->origin = PF_ORIGIN_CHECK;
  f->evidence = "[]";
  return f;
}

/* ---- from check results ------------------------------------------------- */

pf_status pf_report_add_results(struct pf_report *rep,
                                const struct pf_config *cfg,
                                const struct pf_tagdb *db,
                                const char *profile,
                                const struct pf_results *rs)
{
  size_t i;
#define CP(dst, src)                                 \
  do {                                               \
    const char *s_ = (src);                          \
    (dst) = s_ ? pf_report_str(rep, s_) : NULL;      \
    if (s_ && !(dst))                                \
      return PF_ENOMEM;                              \
  } while (0)
  if (!rep->version)
    rep->version = PF_VERSION;
  CP(rep->profile, profile);
  if (db) {
    CP(rep->tags_path, pf_tagdb_path(db));
    CP(rep->tags_cloud, pf_tagdb_cloud(db));
    rep->tags_change = pf_tagdb_change_number(db);
  }
  for (i = 0; cfg && i < cfg->n_inputs; i++)
    if (pf_report_add_input(rep, cfg->inputs[i].path) != PF_OK)
      return PF_ENOMEM;
  for (i = 0; i < rs->n; i++) {
    const struct pf_result *r = &rs->r[i];
    struct pf_finding *f = pf_report_new(rep);
    if (!f)
      return PF_ENOMEM;
    CP(f->rule, r->rule->id);
    CP(f->title, r->rule->title);
    f->sev = r->rule->severity;
    f->status = r->status;
    CP(f->resource, r->resource_id ? r->resource_id : "");
    CP(f->kind, r->resource_kind);
    CP(f->name, r->resource_name);
    CP(f->message, r->message);
    CP(f->evidence, r->evidence_json && *r->evidence_json ? r->evidence_json
                                                          : "[]");
    if (r->status == PF_RS_FAIL) {
      CP(f->fix_az, r->fix_az);
      CP(f->fix_bicep, r->fix_bicep);
      CP(f->fix_terraform, r->fix_terraform);
    }
    CP(f->source, r->rule->source);
    CP(f->why, r->rule->why);
  }
#undef CP
  if (cfg)
    return pf_report_use_config(rep, cfg);
  return PF_OK;
}

void pf_report_use_catalogue(struct pf_report *rep,
                             const struct pf_catalogue *cat)
{
  size_t i, k, n = cat ? pf_catalogue_count(cat) : 0;
  for (i = 0; i < rep->n; i++) {
    struct pf_finding *f = &rep->f[i];
    for (k = 0; k < n; k++) {
      const struct pf_rule *r = pf_catalogue_at(cat, k);
      if (strcasecmp(r->id, f->rule))
        continue;
      if ((int)k < f->order)
        f->order = (int)k;
      if (!f->why && r->why)
        f->why = pf_report_str(rep, r->why);
      if (!f->source && r->source)
        f->source = pf_report_str(rep, r->source);
      if (!f->title && r->title)
        f->title = pf_report_str(rep, r->title);
      /* several entries may share an id: the one whose title matches
       * says it best */
      if (f->title && r->why && !strcmp(f->title, r->title))
        f->why = pf_report_str(rep, r->why);
    }
  }
}

/* ---- the picture -------------------------------------------------------- */

static const char *prefixes_text(struct pf_report *rep,
                                 const struct pf_prefix *p, size_t n)
{
  struct pf_strbuf sb;
  const char *s;
  size_t i;
  char buf[PF_PREFIX_STRLEN];
  pf_strbuf_init(&sb, 1 << 16);
  for (i = 0; i < n; i++) {
    pf_prefix_format(&p[i], buf, sizeof(buf));
    pf_strbuf_addf(&sb, "%s%s", i ? ", " : "", buf);
  }
  s = pf_arena_strdup(&rep->arena, pf_strbuf_str(&sb));
  pf_strbuf_release(&sb);
  return s;
}

static const char *ref_name(const struct pf_ref *r)
{
  const char *slash;
  if (!r->id)
    return NULL;
  if (r->target && r->target->name)
    return r->target->name;
  slash = strrchr(r->id, '/');
  return slash ? slash + 1 : r->id;
}

static const char *firewall_text(const struct pf_firewall *fw)
{
  if (fw->public_access == PF_TRI_FALSE)
    return "public access disabled";
  if (!fw->present)
    return "firewall not given";
  if (fw->default_deny)
    return "firewall denies by default";
  return "firewall allows all networks";
}

static pf_status topo_subnet(struct pf_report *rep,
                             const struct pf_config *cfg,
                             const struct pf_subnet *s,
                             struct pf_topo_subnet *ts)
{
  size_t i, k, capc = 0, cape = 0;
  char buf[512];
  /* copies: the picture outlives the configuration (report) */
  ts->id = pf_report_str(rep, s->hdr.id);
  ts->name = pf_report_str(rep, s->hdr.name ? s->hdr.name : s->hdr.id);
  ts->prefixes = prefixes_text(rep, s->prefixes, s->n_prefixes);
  ts->nsg = pf_report_str(rep, ref_name(&s->nsg));
  ts->nsg_id = pf_report_str(rep, s->nsg.id);
  ts->route_table = pf_report_str(rep, ref_name(&s->route_table));
  ts->rt_id = pf_report_str(rep, s->route_table.id);
  if (!ts->id || !ts->name || !ts->prefixes)
    return PF_ENOMEM;
  if (s->route_table.target) {
    const struct pf_route_table *rt =
        (const struct pf_route_table *)s->route_table.target;
    for (i = 0; i < rt->n_routes; i++) {
      const struct pf_route *r = &rt->routes[i];
      if (r->prefix_text && (!strcmp(r->prefix_text, "0.0.0.0/0") ||
                             !strcmp(r->prefix_text, "::/0"))) {
        snprintf(buf, sizeof(buf), "%s -> %s", r->prefix_text,
                 pf_nexthop_name(r->next_hop));
        ts->default_route = pf_arena_strdup(&rep->arena, buf);
        break;
      }
    }
  }
  for (k = 0; k < cfg->n_res[PF_K_COMPUTE]; k++) {
    const struct pf_compute *c =
        (const struct pf_compute *)cfg->res[PF_K_COMPUTE][k];
    if (!c->subnet.id || !pf_id_eq(c->subnet.id, s->hdr.id))
      continue;
    if (PF_GROW(ts->computes, capc, ts->n_computes + 1))
      return PF_ENOMEM;
    snprintf(buf, sizeof(buf), "%s (%s)", c->hdr.name ? c->hdr.name : "?",
             c->type_text ? c->type_text : pf_compute_type_name(c->type));
    ts->computes[ts->n_computes++] = pf_arena_strdup(&rep->arena, buf);
  }
  for (k = 0; k < cfg->n_res[PF_K_PRIVATE_ENDPOINT]; k++) {
    const struct pf_private_endpoint *pe =
        (const struct pf_private_endpoint *)
            cfg->res[PF_K_PRIVATE_ENDPOINT][k];
    if (!pe->subnet.id || !pf_id_eq(pe->subnet.id, s->hdr.id))
      continue;
    if (PF_GROW(ts->endpoints, cape, ts->n_endpoints + 1))
      return PF_ENOMEM;
    snprintf(buf, sizeof(buf), "%s%s%s", pe->hdr.name ? pe->hdr.name : "?",
             pe->n_targets ? " -> " : "",
             pe->n_targets ? ref_name(&pe->targets[0]) : "");
    ts->endpoints[ts->n_endpoints++] = pf_arena_strdup(&rep->arena, buf);
  }
  return PF_OK;
}

/* Arrays of the topology grow with pf_grow; they are moved into the arena
 * once complete, so the report frees them with everything else. */
static void *to_arena(struct pf_report *rep, void *p, size_t n, size_t sz)
{
  void *q;
  if (!p)
    return NULL;
  q = pf_arena_calloc(&rep->arena, n ? n : 1, sz);
  if (q)
    memcpy(q, p, n * sz);
  pf_free(p);
  return q;
}

static pf_status build_topo(struct pf_report *rep,
                            const struct pf_config *cfg)
{
  struct pf_topo *t = pf_arena_calloc(&rep->arena, 1, sizeof(*t));
  size_t i, j, cap = 0;
  static const enum pf_kind dep_kinds[] = {
    PF_K_WORKSPACE, PF_K_STORAGE, PF_K_KEYVAULT, PF_K_REGISTRY
  };
  if (!t)
    return PF_ENOMEM;
  t->n_vnets = cfg->n_res[PF_K_VNET];
  t->vnets = pf_arena_calloc(&rep->arena, t->n_vnets ? t->n_vnets : 1,
                             sizeof(*t->vnets));
  if (!t->vnets)
    return PF_ENOMEM;
  for (i = 0; i < t->n_vnets; i++) {
    const struct pf_vnet *v = (const struct pf_vnet *)cfg->res[PF_K_VNET][i];
    struct pf_topo_vnet *tv = &t->vnets[i];
    tv->id = pf_report_str(rep, v->hdr.id);
    tv->name = pf_report_str(rep, v->hdr.name ? v->hdr.name : v->hdr.id);
    tv->prefixes = prefixes_text(rep, v->prefixes, v->n_prefixes);
    tv->location = pf_report_str(rep, v->hdr.location);
    if (!tv->id || !tv->name || !tv->prefixes)
      return PF_ENOMEM;
    tv->n_subnets = v->n_subnets;
    tv->subnets = pf_arena_calloc(&rep->arena, v->n_subnets ? v->n_subnets
                                                            : 1,
                                  sizeof(*tv->subnets));
    if (!tv->subnets)
      return PF_ENOMEM;
    for (j = 0; j < v->n_subnets; j++) {
      struct pf_topo_subnet *ts = &tv->subnets[j];
      pf_status st = topo_subnet(rep, cfg, v->subnets[j], ts);
      ts->computes = to_arena(rep, ts->computes, ts->n_computes,
                              sizeof(*ts->computes));
      ts->endpoints = to_arena(rep, ts->endpoints, ts->n_endpoints,
                               sizeof(*ts->endpoints));
      if (st != PF_OK)
        return st;
    }
  }
  for (i = 0; i < sizeof(dep_kinds) / sizeof(dep_kinds[0]); i++) {
    for (j = 0; j < cfg->n_res[dep_kinds[i]]; j++) {
      const struct pf_res *r = cfg->res[dep_kinds[i]][j];
      struct pf_topo_dep *d;
      if (PF_GROW(t->deps, cap, t->n_deps + 1)) {
        pf_free(t->deps);
        t->deps = NULL;
        return PF_ENOMEM;
      }
      d = &t->deps[t->n_deps++];
      d->id = pf_report_str(rep, r->id);
      d->kind = pf_kind_name(r->kind);
      d->name = pf_report_str(rep, r->name ? r->name : r->id);
      if (!d->id || !d->name) {
        pf_free(t->deps);
        t->deps = NULL;
        return PF_ENOMEM;
      }
      switch (r->kind) {
      case PF_K_STORAGE:
        d->access = firewall_text(&((const struct pf_storage *)r)->fw);
        break;
      case PF_K_KEYVAULT:
        d->access = firewall_text(&((const struct pf_keyvault *)r)->fw);
        break;
      case PF_K_REGISTRY:
        d->access = firewall_text(&((const struct pf_registry *)r)->fw);
        break;
      default: {
        const struct pf_workspace *w = (const struct pf_workspace *)r;
        d->access = w->n_private_endpoint_connections ? "private endpoint"
                    : w->public_access == PF_TRI_FALSE
                        ? "public access disabled"
                        : "public endpoint";
        break;
      }
      }
    }
  }
  t->deps = to_arena(rep, t->deps, t->n_deps, sizeof(*t->deps));
  rep->topo = t;
  return PF_OK;
}

pf_status pf_report_use_config(struct pf_report *rep,
                               const struct pf_config *cfg)
{
  size_t i;
  for (i = 0; i < rep->n; i++) {
    struct pf_finding *f = &rep->f[i];
    const struct pf_res *r;
    if (f->file || !f->resource || !*f->resource)
      continue;
    r = pf_config_find(cfg, f->resource);
    if (!r)
      continue;
    f->file = r->file ? pf_report_str(rep, r->file) : NULL;
    f->jpath = r->jpath ? pf_report_str(rep, r->jpath) : NULL;
  }
  pf_report_find_lines(rep);
  return build_topo(rep, cfg);
}

/* ---- lines of resources in their files ---------------------------------- */

static void lines_of_file(struct pf_report *rep, const char *file)
{
  struct pf_err err;
  struct pf_jsonr jr;
  struct pf_strbuf path;
  char *buf = NULL;
  size_t len = 0, i, left = 0;
  enum pf_jtok t;

  for (i = 0; i < rep->n; i++)
    if (rep->f[i].file && !strcmp(rep->f[i].file, file) && rep->f[i].jpath &&
        !rep->f[i].line)
      left++;
  if (!left)
    return;
  pf_err_clear(&err);
  if (pf_file_read(file, (size_t)8 << 20, &buf, &len, &err) != PF_OK)
    return;
  pf_jsonr_init(&jr, buf, len, 0);
  pf_strbuf_init(&path, 1 << 16);
  while (left && (t = pf_jsonr_next(&jr)) != PF_JT_EOF && t != PF_JT_ERROR) {
    unsigned long line, col;
    if (t != PF_JT_OBJ_BEGIN)
      continue;
    pf_strbuf_reset(&path);
    if (pf_jsonr_path(&jr, &path) != PF_OK)
      break;
    pf_jsonr_linecol(&jr, jr.tok_start, &line, &col);
    for (i = 0; i < rep->n; i++) {
      struct pf_finding *f = &rep->f[i];
      if (f->line || !f->jpath || !f->file || strcmp(f->file, file) ||
          strcmp(f->jpath, pf_strbuf_str(&path)))
        continue;
      f->line = line;
      left--;
    }
  }
  pf_strbuf_release(&path);
  pf_jsonr_release(&jr);
  pf_free(buf);
}

void pf_report_find_lines(struct pf_report *rep)
{
  size_t i;
  for (i = 0; i < rep->n; i++)
    if (rep->f[i].file && rep->f[i].jpath && !rep->f[i].line)
      lines_of_file(rep, rep->f[i].file);
}

/* ---- merging ------------------------------------------------------------ */

static int origin_rank(const char *o)
{
  return !strcmp(o, PF_ORIGIN_CHECK) ? 0 : !strcmp(o, PF_ORIGIN_PROBE) ? 1
                                                                       : 2;
}

static int is_live(const struct pf_finding *f)
{
  return strcmp(f->origin, PF_ORIGIN_CHECK) != 0;
}

static int cmp_findings(const void *a, const void *b)
{
  static const int order[] = {2, 0, 1};   /* pass, fail, unknown */
  const struct pf_finding *x = a, *y = b;
  int c = strcasecmp(x->resource, y->resource);
  if (c)
    return c;
  if (x->status != y->status)
    return order[x->status] - order[y->status];
  if (x->sev != y->sev)
    return (int)y->sev - (int)x->sev;
  if ((c = strcmp(x->rule, y->rule)))
    return c;
  if ((c = origin_rank(x->origin) - origin_rank(y->origin)))
    return c;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int same_key(const struct pf_finding *a, const struct pf_finding *b)
{
  return !strcasecmp(a->rule, b->rule) && !strcasecmp(a->resource,
                                                      b->resource);
}

pf_status pf_report_merge(struct pf_report *rep)
{
  size_t i, j, n = 0;
  struct pf_strbuf sb;

  /* exact duplicates: the same view, verdict and message */
  for (i = 0; i < rep->n; i++) {
    int dup = 0;
    for (j = 0; j < n && !dup; j++)
      dup = same_key(&rep->f[i], &rep->f[j]) &&
            !strcmp(rep->f[i].origin, rep->f[j].origin) &&
            rep->f[i].status == rep->f[j].status &&
            !strcmp(rep->f[i].message ? rep->f[i].message : "",
                    rep->f[j].message ? rep->f[j].message : "");
    if (!dup)
      rep->f[n++] = rep->f[i];
  }
  rep->n = n;
  /* static and live views of one requirement and resource */
  pf_strbuf_init(&sb, 1 << 16);
  for (i = 0; i < rep->n; i++) {
    struct pf_finding *f = &rep->f[i];
    int differs = 0;
    pf_strbuf_reset(&sb);
    for (j = 0; j < rep->n; j++) {
      const struct pf_finding *g = &rep->f[j];
      if (i == j || !same_key(f, g) || is_live(f) == is_live(g))
        continue;
      pf_strbuf_addf(&sb, "%s%s says %s", sb.len ? "; " : "", g->origin,
                     pf_rstatus_name(g->status));
      if (g->status != f->status && g->status != PF_RS_UNKNOWN &&
          f->status != PF_RS_UNKNOWN)
        differs = 1;
    }
    if (differs) {
      f->disagrees = pf_report_str(rep, pf_strbuf_str(&sb));
      if (!f->disagrees) {
        pf_strbuf_release(&sb);
        return PF_ENOMEM;
      }
      if (!is_live(f) &&
          pf_report_note(rep, "%s %s: the static check says %s but the "
                         "live view says otherwise (%s)", f->rule,
                         f->name ? f->name : f->resource,
                         pf_rstatus_name(f->status),
                         pf_strbuf_str(&sb)) != PF_OK) {
        pf_strbuf_release(&sb);
        return PF_ENOMEM;
      }
    }
  }
  pf_strbuf_release(&sb);
  if (rep->n > 1)
    qsort(rep->f, rep->n, sizeof(*rep->f), cmp_findings);
  return PF_OK;
}

void pf_report_count(const struct pf_report *rep, struct pf_report_counts *c)
{
  size_t i;
  memset(c, 0, sizeof(*c));
  for (i = 0; i < rep->n; i++) {
    const struct pf_finding *f = &rep->f[i];
    c->total++;
    if (f->disagrees)
      c->disagree++;
    if (f->suppressed)
      c->suppressed++;
    else if (f->status == PF_RS_FAIL)
      c->fail[f->sev]++;
    else if (f->status == PF_RS_PASS)
      c->pass++;
    else
      c->unknown++;
  }
}

/* ---- helpers for the writers -------------------------------------------- */

pf_status pf_report_pointer(const char *jpath, struct pf_strbuf *out)
{
  const char *p = jpath;
  if (!p || *p != '$')
    return PF_EINVAL;
  p++;
  while (*p) {
    if (*p == '.') {
      pf_strbuf_addc(out, '/');
      for (p++; *p && *p != '.' && *p != '['; p++) {
        if (*p == '~')
          pf_strbuf_adds(out, "~0");
        else if (*p == '/')
          pf_strbuf_adds(out, "~1");
        else
          pf_strbuf_addc(out, *p);
      }
    } else if (p[0] == '[' && p[1] == '"') {
      /* a quoted key, still JSON-escaped */
      pf_strbuf_addc(out, '/');
      for (p += 2; *p && !(p[0] == '"' && p[1] == ']'); p++) {
        char c = *p;
        if (c == '\\' && p[1]) {
          p++;
          c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
        }
        if (c == '~')
          pf_strbuf_adds(out, "~0");
        else if (c == '/')
          pf_strbuf_adds(out, "~1");
        else
          pf_strbuf_addc(out, c);
      }
      if (!*p)
        return PF_EINVAL;
      p += 2;
    } else if (*p == '[') {
      pf_strbuf_addc(out, '/');
      for (p++; *p >= '0' && *p <= '9'; p++)
        pf_strbuf_addc(out, *p);
      if (*p != ']')
        return PF_EINVAL;
      p++;
    } else {
      return PF_EINVAL;
    }
  }
  return PF_OK;
}

void pf_report_hash(const char *s, char out[17])
{
  uint64_t h = 14695981039346656037ULL;   /* FNV-1a 64 offset basis */
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  snprintf(out, 17, "%016llx", (unsigned long long)h);
}

int pf_report_sev_parse(const char *s)
{
  if (!s)
    return -1;
  if (!strcmp(s, "error"))
    return PF_SEV_ERROR;
  if (!strcmp(s, "warning"))
    return PF_SEV_WARNING;
  if (!strcmp(s, "info"))
    return PF_SEV_INFO;
  return -1;
}

int pf_report_status_parse(const char *s)
{
  if (!s)
    return -1;
  if (!strcmp(s, "pass"))
    return PF_RS_PASS;
  if (!strcmp(s, "fail"))
    return PF_RS_FAIL;
  if (!strcmp(s, "unknown"))
    return PF_RS_UNKNOWN;
  return -1;
}

const char *pf_report_status_label(const struct pf_finding *f)
{
  if (f->suppressed)
    return "suppressed";
  return pf_rstatus_name(f->status);
}

/* ---- evidence as text --------------------------------------------------- */

static const char *jstr(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void list_prefixes(struct pf_strbuf *out, const cJSON *arr,
                          size_t max)
{
  const cJSON *v;
  size_t n = 0, all = (size_t)cJSON_GetArraySize(arr);
  cJSON_ArrayForEach(v, arr) {
    if (!cJSON_IsString(v))
      continue;
    if (max && n >= max)
      break;
    pf_strbuf_addf(out, "%s%s", n ? " " : "", v->valuestring);
    n++;
  }
  if (!n)
    pf_strbuf_adds(out, "(none)");
  if (max && all > max)
    pf_strbuf_addf(out, " ... (%zu prefixes in all)", all);
}

static const char *flow_result(const cJSON *c)
{
  const char *r = jstr(c, "result"), *e = jstr(c, "expect");
  if (!r)
    return "?";
  if (!strcmp(r, "true"))
    return e && !strcmp(e, "deny") ? "denied" : "allowed";
  if (!strcmp(r, "false"))
    return "not as required";
  return r;
}

static void ev_compare(struct pf_strbuf *out, const cJSON *c)
{
  const char *op = jstr(c, "op"), *other = jstr(c, "other_property");
  const char *exp = jstr(c, "expected"), *val = jstr(c, "value");
  pf_strbuf_addf(out, "%s = %s", jstr(c, "property") ? jstr(c, "property")
                                                     : "?",
                 val ? val : "(not set)");
  if (op) {
    pf_strbuf_addf(out, "; %s", op);
    if (other)
      pf_strbuf_addf(out, " %s =", other);
    if (exp)
      pf_strbuf_addf(out, " %s", exp);
  }
  pf_strbuf_addf(out, " -> %s\n", jstr(c, "result") ? jstr(c, "result")
                                                   : "?");
}

static void ev_flow(struct pf_strbuf *out, const cJSON *c, size_t max)
{
  const char *dir = jstr(c, "direction"), *remote = jstr(c, "remote");
  const char *inside = jstr(c, "inside"), *level = jstr(c, "level");
  const cJSON *parts = cJSON_GetObjectItemCaseSensitive(c, "parts"), *p;
  int in = dir && !strcmp(dir, "inbound");
  pf_strbuf_addf(out, "%s %s (%s NSG) from %s to %s, ports %s: %s\n",
                 dir ? dir : "?", jstr(c, "protocol") ? jstr(c, "protocol")
                                                     : "*",
                 level ? level : "subnet",
                 in ? (remote ? remote : "?") : (inside ? inside : "?"),
                 in ? (inside ? inside : "?") : (remote ? remote : "?"),
                 jstr(c, "ports") ? jstr(c, "ports") : "*",
                 flow_result(c));
  cJSON_ArrayForEach(p, parts) {
    const cJSON *prio = cJSON_GetObjectItemCaseSensitive(p, "priority");
    pf_strbuf_addf(out, "  %s: from ", jstr(p, "verdict") ? jstr(p, "verdict")
                                                         : "?");
    list_prefixes(out, cJSON_GetObjectItemCaseSensitive(p, "src"), max);
    pf_strbuf_adds(out, " to ");
    list_prefixes(out, cJSON_GetObjectItemCaseSensitive(p, "dst"), max);
    pf_strbuf_addf(out, " ports %s", jstr(p, "ports") ? jstr(p, "ports")
                                                     : "*");
    if (jstr(p, "nsg"))
      pf_strbuf_addf(out, ", %s NSG %s", level ? level : "subnet",
                     jstr(p, "nsg"));
    if (jstr(p, "rule"))
      pf_strbuf_addf(out, " rule %s (%d)", jstr(p, "rule"),
                     cJSON_IsNumber(prio) ? prio->valueint : 0);
    if (jstr(p, "reason"))
      pf_strbuf_addf(out, ": %s", jstr(p, "reason"));
    pf_strbuf_addc(out, '\n');
  }
}

static void ev_route(struct pf_strbuf *out, const cJSON *c, size_t max)
{
  const cJSON *parts = cJSON_GetObjectItemCaseSensitive(c, "parts"), *p;
  const char *r = jstr(c, "result");
  pf_strbuf_addf(out, "routes of %s for %s: %s\n",
                 jstr(c, "subnet") ? jstr(c, "subnet") : "?",
                 jstr(c, "destination") ? jstr(c, "destination") : "?",
                 r && !strcmp(r, "true")
                     ? "every prefix leaves as required"
                 : r && !strcmp(r, "false") ? "some prefixes leave elsewhere"
                                            : "unknown");
  cJSON_ArrayForEach(p, parts) {
    pf_strbuf_adds(out, "  ");
    list_prefixes(out, cJSON_GetObjectItemCaseSensitive(p, "prefixes"),
                  max);
    pf_strbuf_addf(out, " -> %s (route %s)\n",
                   jstr(p, "next_hop") ? jstr(p, "next_hop") : "?",
                   jstr(p, "route") ? jstr(p, "route") : "?");
  }
}

pf_status pf_report_evidence_text(const char *evidence, size_t max_prefixes,
                                  struct pf_strbuf *out)
{
  cJSON *root, *c;
  if (!evidence || !*evidence)
    return PF_OK;
  root = cJSON_Parse(evidence);
  if (!root)
    return PF_EPARSE;
  cJSON_ArrayForEach(c, root) {
    const char *kind = jstr(c, "kind");
    if (!kind)
      continue;
    if (!strcmp(kind, "compare"))
      ev_compare(out, c);
    else if (!strcmp(kind, "flow"))
      ev_flow(out, c, max_prefixes);
    else if (!strcmp(kind, "route"))
      ev_route(out, c, max_prefixes);
    else if (jstr(c, "text"))
      pf_strbuf_addf(out, "%s\n", jstr(c, "text"));
  }
  cJSON_Delete(root);
  return PF_OK;
}
