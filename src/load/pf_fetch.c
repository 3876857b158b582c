/* SPDX-License-Identifier: MIT */
/* pf_fetch.c - lists from Azure Resource Manager into loader-ready files */
#include "pf_fetch.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/pf_jsonr.h"
#include "../core/pf_jw.h"
#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"

#define PAGES_DEFAULT 1000u
#define URL_MAX 8192
#define MANIFEST "manifest.json"

/* Codes that mean "there are none": the resource provider was never
 * registered in the subscription, so nothing of its kinds exists. */
#define SOFT_NONE "MissingSubscriptionRegistration"
/* An attached resource that is gone: the reference stays unresolved. */
#define SOFT_GONE "ResourceNotFound|NotFound|ResourceGroupNotFound"

enum scope_kind { SC_SCOPE, SC_WORKSPACE };

/* One list: AZURE-SEMANTICS.md 7 and the specs it cites give the shapes
 * and api-versions (docs/fetch.md "What is fetched"). */
struct list_spec {
  const char *file;
  const char *path;        /* provider type, or the child collection */
  const char *api;
  enum scope_kind scope;
  int late;                /* after the references: their scopes too */
};

static const struct list_spec lists[] = {
  {"workspaces.json", "Microsoft.MachineLearningServices/workspaces",
   "2023-04-01", SC_SCOPE, 0},
  {"computes.json", "computes", "2023-04-01", SC_WORKSPACE, 0},
  {"datastores.json", "datastores", "2023-04-01", SC_WORKSPACE, 0},
  {"virtualNetworks.json", "Microsoft.Network/virtualNetworks", "2023-09-01",
   SC_SCOPE, 0},
  {"networkSecurityGroups.json", "Microsoft.Network/networkSecurityGroups",
   "2023-09-01", SC_SCOPE, 0},
  {"networkInterfaces.json", "Microsoft.Network/networkInterfaces",
   "2023-09-01", SC_SCOPE, 0},
  {"routeTables.json", "Microsoft.Network/routeTables", "2023-09-01",
   SC_SCOPE, 0},
  {"applicationSecurityGroups.json",
   "Microsoft.Network/applicationSecurityGroups", "2023-09-01", SC_SCOPE, 0},
  {"privateEndpoints.json", "Microsoft.Network/privateEndpoints",
   "2023-09-01", SC_SCOPE, 0},
  {"storageAccounts.json", "Microsoft.Storage/storageAccounts", "2023-01-01",
   SC_SCOPE, 0},
  {"vaults.json", "Microsoft.KeyVault/vaults", "2022-07-01", SC_SCOPE, 0},
  {"registries.json", "Microsoft.ContainerRegistry/registries", "2023-07-01",
   SC_SCOPE, 0},
  {"roleAssignments.json", "Microsoft.Authorization/roleAssignments",
   "2022-04-01", SC_SCOPE, 0},
  {"locks.json", "Microsoft.Authorization/locks", "2016-09-01", SC_SCOPE, 1},
};
#define N_LISTS (sizeof(lists) / sizeof(lists[0]))
static size_t lists_n(void)
{
  return N_LISTS;
}

/* Resources a compute attaches (properties.resourceId), read by id. */
static const struct {
  const char *type, *api;
} attached_types[] = {
  {"Microsoft.Databricks/workspaces", "2023-02-01"},
  {"Microsoft.Compute/virtualMachines", "2023-09-01"},
  {"Microsoft.ContainerService/managedClusters", "2023-08-01"},
};
#define N_ATTACHED (sizeof(attached_types) / sizeof(attached_types[0]))
#define ATTACHED_FILE "attached.json"
#define REFERENCED_FILE "referenced.json"
#define REFS_DEFAULT 500u
/* A referenced resource that is gone or out of reach: the reference stays
 * unresolved (unknown in check), the manifest counts it. */
#define SOFT_REF "ResourceNotFound|NotFound|ResourceGroupNotFound|" \
  "SubscriptionNotFound|AuthorizationFailed|InvalidAuthenticationTokenTenant"

/* Kinds read by id when something fetched references them and they were
 * not in the lists (another resource group or subscription: a hub vnet,
 * the workspace's storage in a shared group, the NSG of a peered subnet).
 * Their api-versions are the lists'. */
static const char *const follow_types[] = {
  "Microsoft.Network/virtualNetworks",
  "Microsoft.Network/networkSecurityGroups",
  "Microsoft.Network/routeTables",
  "Microsoft.Network/applicationSecurityGroups",
  "Microsoft.Network/privateEndpoints",
  "Microsoft.Storage/storageAccounts",
  "Microsoft.KeyVault/vaults",
  "Microsoft.ContainerRegistry/registries",
};
#define N_FOLLOW (sizeof(follow_types) / sizeof(follow_types[0]))

/* ---- small sets of ids (case-insensitive, as ARM compares them) ------- */

struct idset {
  char **slot;
  size_t cap, n;
  char **order;   /* insertion order */
  size_t cap_order;
};

static uint64_t hash_ci(const char *s)
{
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) {
    h ^= (unsigned char)tolower((unsigned char)*s);
    h *= 1099511628211ull;
  }
  return h;
}

static void idset_release(struct idset *s)
{
  size_t i;
  for (i = 0; i < s->n; i++)
    pf_free(s->order[i]);
  pf_free(s->slot);
  pf_free(s->order);
  memset(s, 0, sizeof(*s));
}

static int idset_has(const struct idset *s, const char *id)
{
  size_t i;
  if (!s->cap)
    return 0;
  for (i = (size_t)(hash_ci(id) & (s->cap - 1)); s->slot[i];
       i = (i + 1) & (s->cap - 1))
    if (!strcasecmp(s->slot[i], id))
      return 1;
  return 0;
}

/* \return 1 added, 0 already there, -1 out of memory */
static int idset_add(struct idset *s, const char *id)
{
  size_t i;
  char *d;
  if (idset_has(s, id))
    return 0;
  if ((s->n + 1) * 2 > s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 64, j;
    char **ns = pf_calloc(ncap, sizeof(*ns));
    if (!ns)
      return -1;
    for (j = 0; j < s->n; j++) {
      for (i = (size_t)(hash_ci(s->order[j]) & (ncap - 1)); ns[i];
           i = (i + 1) & (ncap - 1))
        ;
      ns[i] = s->order[j];
    }
    pf_free(s->slot);
    s->slot = ns;
    s->cap = ncap;
  }
  if (PF_GROW(s->order, s->cap_order, s->n + 1))
    return -1;
  if (!(d = pf_strdup(id)))
    return -1;
  for (i = (size_t)(hash_ci(id) & (s->cap - 1)); s->slot[i];
       i = (i + 1) & (s->cap - 1))
    ;
  s->slot[i] = d;
  s->order[s->n++] = d;
  return 1;
}

/* ---- output files ------------------------------------------------------ */

struct out_file {
  char *path, *tmp;
  FILE *f;
  size_t count;
  struct idset ids;       /* dedupe: a subscription-wide role assignment
                             is listed for every resource group */
};

static pf_status out_open(struct out_file *o, const char *dir,
                          const char *name, struct pf_err *err)
{
  struct pf_strbuf a, b;
  memset(o, 0, sizeof(*o));
  pf_strbuf_init(&a, 4096);
  pf_strbuf_init(&b, 4096);
  if (pf_strbuf_addf(&a, "%s/%s", dir, name) != PF_OK ||
      pf_strbuf_addf(&b, "%s/.%s.tmp", dir, name) != PF_OK) {
    pf_strbuf_release(&a);
    pf_strbuf_release(&b);
    return pf_err_set(err, PF_ENOMEM, "%s: path too long", dir);
  }
  o->path = pf_strbuf_detach(&a);
  o->tmp = pf_strbuf_detach(&b);
  if (!o->path || !o->tmp)
    return pf_err_set(err, PF_ENOMEM, "out of memory");
  if (!(o->f = fopen(o->tmp, "w")))
    return pf_err_set(err, PF_EIO, "%s: %s", o->tmp, strerror(errno));
  fputs("{\"value\": [", o->f);
  return PF_OK;
}

/* Drop a list file that was not finished (the temporary goes). */
static void out_abandon(struct out_file *o)
{
  if (o->f) {
    fclose(o->f);
    o->f = NULL;
    if (o->tmp)
      unlink(o->tmp);
  }
  pf_free(o->path);
  pf_free(o->tmp);
  idset_release(&o->ids);
  memset(o, 0, sizeof(*o));
}

static pf_status out_add(struct out_file *o, const char *id, const char *s,
                         size_t n, struct pf_err *err)
{
  if (id) {
    int r = idset_add(&o->ids, id);
    if (r < 0)
      return pf_err_set(err, PF_ENOMEM, "out of memory");
    if (r == 0)
      return PF_OK;
  }
  fputs(o->count ? ",\n" : "\n", o->f);
  fwrite(s, 1, n, o->f);
  o->count++;
  return PF_OK;
}

static pf_status out_close(struct out_file *o, struct pf_err *err)
{
  int bad;
  fputs(o->count ? "\n]}\n" : "]}\n", o->f);
  bad = ferror(o->f);
  bad |= fclose(o->f) != 0;
  o->f = NULL;
  if (bad || rename(o->tmp, o->path) != 0) {
    pf_status st = pf_err_set(err, PF_EIO, "%s: %s", o->path,
                              strerror(errno ? errno : EIO));
    unlink(o->tmp);
    out_abandon(o);
    return st;
  }
  pf_free(o->path);
  pf_free(o->tmp);
  idset_release(&o->ids);
  o->path = o->tmp = NULL;
  return PF_OK;
}

/* ---- URLs -------------------------------------------------------------- */

int pf_fetch_subscription_ok(const char *s)
{
  size_t i;
  static const int dash[] = {8, 13, 18, 23};
  if (!s || strlen(s) != 36)
    return 0;
  for (i = 0; i < 36; i++) {
    int want_dash = i == (size_t)dash[0] || i == (size_t)dash[1] ||
                    i == (size_t)dash[2] || i == (size_t)dash[3];
    if (want_dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
      return 0;
  }
  return 1;
}

int pf_fetch_group_ok(const char *s)
{
  size_t n, i;
  if (!s || !(n = strlen(s)) || n > 90 || s[n - 1] == '.')
    return 0;
  for (i = 0; i < n; i++)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' ||
          s[i] == '.' || s[i] == '(' || s[i] == ')'))
      return 0;
  return 1;
}

/* Append \p s percent-encoding everything but unreserved characters, '/'
 * and parentheses (ids come from the server: nothing in them may turn
 * into a query or a fragment). */
static pf_status add_path(struct pf_strbuf *u, const char *s)
{
  pf_status st = PF_OK;
  for (; *s && st == PF_OK; s++) {
    unsigned char c = (unsigned char)*s;
    if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        c == '/' || c == '(' || c == ')')
      st = pf_strbuf_addc(u, (char)c);
    else
      st = pf_strbuf_addf(u, "%%%02X", c);
  }
  return st;
}

/* An id from an answer that fetch will read below: /subscriptions/... */
static int arm_id_ok(const char *id)
{
  return id && !strncasecmp(id, "/subscriptions/", 15) &&
         !strstr(id, "/../") && !strstr(id, "//") && strlen(id) < 2048;
}

/* ---- one page ---------------------------------------------------------- */

struct page_ctx {
  const char *url;
  struct out_file *out;
  struct idset *collect;       /* ids of elements (workspaces), or NULL */
  struct idset *attached;      /* properties.resourceId of computes */
  struct idset *fetched;       /* every id written */
  struct idset *refs;          /* ids referenced (to follow), or NULL */
  char next[URL_MAX];
};

/* The top-level resource \p s (length \p n) names, when it is of a kind
 * fetch follows: "/subscriptions/S/resourceGroups/G/providers/NS/T/N"
 * from any longer id (a subnet, a rule, an ip configuration).  \return
 * the length of that prefix, 0 when none. */
size_t pf_fetch_ref_prefix(const char *s, size_t n, const char **api)
{
  const char *p, *end = s + n, *q;
  size_t k, seg;
  if (n < 16 || n >= 2048 || strncasecmp(s, "/subscriptions/", 15) ||
      memchr(s, '\0', n))
    return 0;
  p = strcasestr(s, "/providers/");
  if (!p || p >= end)
    return 0;
  p += 11;
  for (k = 0; k < N_FOLLOW; k++) {
    size_t tl = strlen(follow_types[k]);
    if ((size_t)(end - p) > tl + 1 && !strncasecmp(p, follow_types[k], tl) &&
        p[tl] == '/')
      break;
  }
  if (k == N_FOLLOW)
    return 0;
  q = p + strlen(follow_types[k]) + 1;
  for (seg = 0; q + seg < end && q[seg] != '/'; seg++)
    ;
  if (!seg)
    return 0;
  for (k = 0; k < lists_n(); k++)
    if (!strncasecmp(p, lists[k].path, strlen(lists[k].path)) &&
        p[strlen(lists[k].path)] == '/')
      *api = lists[k].api;
  return (size_t)(q + seg - s);
}

/* Every string in one element that names a resource of a followed kind
 * (references in any shape: {"id": ...}, plain strings, back references). */
static pf_status scan_refs(const char *s, size_t n, struct idset *refs,
                           struct pf_err *err)
{
  struct pf_jsonr r;
  enum pf_jtok t;
  char id[2048];
  pf_status st = PF_OK;
  pf_jsonr_init(&r, s, n, 0);
  while ((t = pf_jsonr_next(&r)) != PF_JT_EOF && t != PF_JT_ERROR) {
    const char *api = NULL;
    size_t k;
    if (t != PF_JT_STRING || !(k = pf_fetch_ref_prefix(r.str, r.len, &api)))
      continue;
    memcpy(id, r.str, k);
    id[k] = '\0';
    if (idset_add(refs, id) < 0) {
      st = pf_err_set(err, PF_ENOMEM, "out of memory");
      break;
    }
  }
  pf_jsonr_release(&r);
  return st;
}

/* The "id" and "properties.resourceId" of one element. */
static void element_ids(const char *s, size_t n, char *id, size_t id_cap,
                        char *rid, size_t rid_cap)
{
  struct pf_jsonr r;
  enum pf_jtok t;
  int in_props = 0;
  id[0] = rid[0] = '\0';
  pf_jsonr_init(&r, s, n, 0);
  if (pf_jsonr_next(&r) != PF_JT_OBJ_BEGIN)
    goto done;
  for (;;) {
    int is_id, is_props, is_rid;
    t = pf_jsonr_next(&r);
    if (t == PF_JT_OBJ_END) {
      if (in_props) {
        in_props = 0;
        continue;
      }
      break;
    }
    if (t != PF_JT_KEY)
      break;
    is_id = !in_props && pf_jsonr_is(&r, "id");
    is_props = !in_props && pf_jsonr_is(&r, "properties");
    is_rid = in_props && pf_jsonr_is(&r, "resourceId");
    t = pf_jsonr_next(&r);
    if (t == PF_JT_ERROR)
      break;
    if (is_props && t == PF_JT_OBJ_BEGIN) {
      in_props = 1;
      continue;
    }
    if ((is_id || is_rid) && t == PF_JT_STRING) {
      char *d = is_id ? id : rid;
      size_t cap = is_id ? id_cap : rid_cap;
      if (r.len < cap && !memchr(r.str, '\0', r.len)) {
        memcpy(d, r.str, r.len);
        d[r.len] = '\0';
      }
      continue;
    }
    if (pf_jsonr_skip(&r, t) != PF_OK)
      break;
  }
done:
  pf_jsonr_release(&r);
}

/* Copy the elements of {"value": [...], "nextLink": ...} to the output,
 * validating every byte on the way. */
static pf_status read_page(struct page_ctx *pc, const char *body, size_t len,
                           size_t *n_elems, struct pf_err *err)
{
  struct pf_jsonr r;
  enum pf_jtok t;
  int seen_value = 0;
  pf_status st = PF_OK;
  char id[2048], rid[2048];

  pc->next[0] = '\0';
  *n_elems = 0;
  pf_jsonr_init(&r, body, len, 0);
  t = pf_jsonr_next(&r);
  if (t != PF_JT_OBJ_BEGIN) {
    if (t != PF_JT_ERROR)
      pf_jsonr_fail(&r, PF_EPARSE, "expected a list {\"value\": [...]}");
    goto bad;
  }
  for (;;) {
    int is_value, is_next;
    t = pf_jsonr_next(&r);
    if (t == PF_JT_OBJ_END)
      break;
    if (t != PF_JT_KEY)
      goto bad;
    is_value = pf_jsonr_is(&r, "value");
    is_next = pf_jsonr_is(&r, "nextLink");
    t = pf_jsonr_next(&r);
    if (t == PF_JT_ERROR)
      goto bad;
    if (is_value) {
      if (t != PF_JT_ARR_BEGIN) {
        pf_jsonr_fail(&r, PF_EPARSE, "expected an array");
        goto bad;
      }
      seen_value = 1;
      while ((t = pf_jsonr_next(&r)) != PF_JT_ARR_END) {
        const char *start = r.tok_start;
        if (t == PF_JT_ERROR)
          goto bad;
        if (t != PF_JT_OBJ_BEGIN) {
          pf_jsonr_fail(&r, PF_EPARSE, "expected a resource object");
          goto bad;
        }
        if (pf_jsonr_skip(&r, t) != PF_OK)
          goto bad;
        element_ids(start, (size_t)(r.p - start), id, sizeof(id), rid,
                    sizeof(rid));
        if ((st = out_add(pc->out, id[0] ? id : NULL, start,
                          (size_t)(r.p - start), err)) != PF_OK)
          goto out;
        if (id[0] && idset_add(pc->fetched, id) < 0) {
          st = pf_err_set(err, PF_ENOMEM, "out of memory");
          goto out;
        }
        if (pc->refs && (st = scan_refs(start, (size_t)(r.p - start),
                                        pc->refs, err)) != PF_OK)
          goto out;
        (*n_elems)++;
        if (pc->collect && arm_id_ok(id) && idset_add(pc->collect, id) < 0) {
          st = pf_err_set(err, PF_ENOMEM, "out of memory");
          goto out;
        }
        if (pc->attached && arm_id_ok(rid) &&
            idset_add(pc->attached, rid) < 0) {
          st = pf_err_set(err, PF_ENOMEM, "out of memory");
          goto out;
        }
      }
    } else if (is_next) {
      if (t == PF_JT_NULL)
        continue;
      if (t != PF_JT_STRING || r.len >= sizeof(pc->next) ||
          memchr(r.str, '\0', r.len)) {
        pf_jsonr_fail(&r, PF_EPARSE, "expected a URL");
        goto bad;
      }
      memcpy(pc->next, r.str, r.len);
      pc->next[r.len] = '\0';
    } else if (pf_jsonr_skip(&r, t) != PF_OK) {
      goto bad;
    }
  }
  if (pf_jsonr_next(&r) != PF_JT_EOF)
    goto bad;
  if (!seen_value) {
    st = pf_err_set(err, PF_EPARSE, "GET %s: $: expected a list "
                    "{\"value\": [...]}, found no 'value'", pc->url);
    goto out;
  }
  goto out;
bad:
  st = pf_err_set(err, PF_EPARSE, "GET %s: %s", pc->url,
                  pf_jsonr_error(&r)->msg);
out:
  pf_jsonr_release(&r);
  return st;
}

/* ---- lists ------------------------------------------------------------- */

struct run {
  struct pf_armrest *arm;
  const struct pf_fetch_opts *o;
  const char *dir;
  struct pf_fetch_stats *stats;
  struct pf_err *err;
  struct idset workspaces, attached;
  struct idset fetched, refs;   /* written ids; referenced ids */
  struct idset by_id;           /* ids read one by one (attached, refs) */
  struct pf_jw *man;    /* manifest, "lists" array open */
};

/* Every page of one list at \p first_url into \p out. */
static pf_status read_list(struct run *rn, const char *first_url,
                           const char *scope, const char *soft,
                           struct out_file *out, struct idset *collect,
                           struct idset *attached, size_t *pages,
                           size_t *count, char *code, size_t code_cap)
{
  struct page_ctx pc;
  struct pf_http_resp resp;
  char *url = pf_strdup(first_url);
  unsigned max = rn->o->max_pages ? rn->o->max_pages : PAGES_DEFAULT;
  pf_status st = PF_OK;

  memset(&pc, 0, sizeof(pc));
  pc.out = out;
  pc.collect = collect;
  pc.attached = attached;
  pc.fetched = &rn->fetched;
  pc.refs = rn->o->no_follow ? NULL : &rn->refs;
  if (!url)
    return pf_err_set(rn->err, PF_ENOMEM, "out of memory");
  for (;;) {
    size_t n = 0;
    if (*pages >= max) {
      st = pf_err_set(rn->err, PF_ETOOBIG, "GET %s: more than %u pages "
                      "(--max-pages)", first_url, max);
      break;
    }
    st = pf_armrest_get(rn->arm, url, scope, soft, &resp, rn->err);
    if (st == PF_ENOTFOUND) {
      /* a soft answer (the caller says what it means) */
      snprintf(code, code_cap, "%s", resp.error_code);
      pf_http_resp_release(&resp);
      break;
    }
    if (st != PF_OK)
      break;
    (*pages)++;
    rn->stats->pages++;
    pc.url = url;
    st = read_page(&pc, resp.body, resp.body_len, &n, rn->err);
    pf_http_resp_release(&resp);
    if (st != PF_OK)
      break;
    *count += n;
    if (!pc.next[0])
      break;
    if (!pf_armrest_same_origin(rn->arm->endpoint, pc.next)) {
      st = pf_err_set(rn->err, PF_EINVAL, "GET %s: $.nextLink: '%.200s' is "
                      "not at the endpoint %s: not followed (the token is "
                      "only sent there)", url, pc.next, rn->arm->endpoint);
      break;
    }
    pf_free(url);
    if (!(url = pf_strdup(pc.next))) {
      st = pf_err_set(rn->err, PF_ENOMEM, "out of memory");
      break;
    }
  }
  pf_free(url);
  return st;
}

static void man_list(struct run *rn, const char *file, const char *type,
                     const char *api, size_t scopes, size_t pages,
                     size_t count, int none, const struct idset *unreadable,
                     size_t extra)
{
  struct pf_jw *w = rn->man;
  size_t i;
  pf_jw_obj(w);
  pf_jw_kstr(w, "file", file);
  pf_jw_kstr(w, "type", type);
  pf_jw_kstr(w, "api_version", api);
  pf_jw_kint(w, "scopes", (int64_t)scopes);
  pf_jw_kint(w, "pages", (int64_t)pages);
  pf_jw_kint(w, "resources", (int64_t)count);
  if (none)
    pf_jw_kbool(w, "provider_not_registered", 1);
  if (extra || (unreadable && unreadable->n)) {
    pf_jw_kint(w, "extra_scopes", (int64_t)extra);
    pf_jw_key(w, "unreadable_scopes");
    pf_jw_arr(w);
    for (i = 0; unreadable && i < unreadable->n; i++)
      pf_jw_str(w, unreadable->order[i]);
    pf_jw_arr_end(w);
  }
  pf_jw_obj_end(w);
}

/* "/subscriptions/X" (\p rg 0) or "/subscriptions/X/resourceGroups/G" of
 * an id into \p out; \return 0, or -1 when the id has no such part. */
static int id_scope(const char *id, int rg, char *out, size_t cap)
{
  const char *p = id + 15, *e;
  size_t n;
  if (strncasecmp(id, "/subscriptions/", 15) || !(e = strchr(p, '/')))
    return -1;
  if (rg) {
    if (strncasecmp(e, "/resourceGroups/", 16) ||
        !(e = strchr(e + 16, '/')))
      return -1;
  }
  n = (size_t)(e - id);
  if (n >= cap)
    return -1;
  memcpy(out, id, n);
  out[n] = '\0';
  return 0;
}

/* Locks also at the scopes the fetch reached outside its own (docs/fetch.md
 * "Locks"): the whole subscription when only groups were listed, and the
 * subscription and group of every resource read by id.  A scope that
 * cannot be read is listed in the manifest, never an error. */
static pf_status late_scopes(struct run *rn, const struct list_spec *ls,
                             struct out_file *out, size_t *extra,
                             size_t *pages, struct idset *unreadable)
{
  struct idset own, want;
  struct pf_strbuf url;
  char sc[2048], code[128];
  size_t i;
  pf_status st = PF_OK;

  memset(&own, 0, sizeof(own));
  memset(&want, 0, sizeof(want));
  pf_strbuf_init(&url, URL_MAX);
  /* the scopes listed already */
  snprintf(sc, sizeof(sc), "/subscriptions/%s", rn->o->subscription);
  if (!rn->o->n_groups) {
    if (idset_add(&own, sc) < 0)
      st = PF_ENOMEM;
  } else if (idset_add(&want, sc) < 0) {
    st = PF_ENOMEM;
  }
  for (i = 0; st == PF_OK && i < rn->o->n_groups; i++) {
    snprintf(sc, sizeof(sc), "/subscriptions/%s/resourceGroups/%s",
             rn->o->subscription, rn->o->groups[i]);
    if (idset_add(&own, sc) < 0)
      st = PF_ENOMEM;
  }
  for (i = 0; st == PF_OK && i < rn->by_id.n; i++) {
    int rg;
    for (rg = 0; rg < 2 && st == PF_OK; rg++) {
      char sub[2048];
      if (id_scope(rn->by_id.order[i], rg, sc, sizeof(sc)) ||
          idset_has(&own, sc))
        continue;
      /* a group of a subscription listed whole is covered */
      if (rg && !id_scope(sc, 0, sub, sizeof(sub)) && idset_has(&own, sub))
        continue;
      if (idset_add(&want, sc) < 0)
        st = PF_ENOMEM;
    }
  }
  if (st != PF_OK)
    st = pf_err_set(rn->err, PF_ENOMEM, "out of memory");
  for (i = 0; st == PF_OK && i < want.n; i++) {
    size_t count = 0;
    pf_strbuf_reset(&url);
    st = pf_strbuf_adds(&url, rn->arm->endpoint);
    if (st == PF_OK)
      st = add_path(&url, want.order[i]);
    if (st == PF_OK)
      st = pf_strbuf_addf(&url, "/providers/%s?api-version=%s", ls->path,
                          ls->api);
    if (st != PF_OK) {
      st = pf_err_set(rn->err, st, "%.200s: cannot build the URL",
                      want.order[i]);
      break;
    }
    (*extra)++;
    rn->stats->lists++;
    code[0] = '\0';
    st = read_list(rn, pf_strbuf_str(&url), want.order[i], SOFT_REF, out,
                   NULL, NULL, pages, &count, code, sizeof(code));
    if (st == PF_ENOTFOUND) {
      rn->stats->unreadable_lock_scopes++;
      if (idset_add(unreadable, want.order[i]) < 0)
        st = pf_err_set(rn->err, PF_ENOMEM, "out of memory");
      else
        st = PF_OK;
    }
  }
  pf_strbuf_release(&url);
  idset_release(&own);
  idset_release(&want);
  return st;
}

static pf_status fetch_list(struct run *rn, const struct list_spec *ls)
{
  struct out_file out;
  struct pf_strbuf url, scope;
  struct idset unreadable;
  size_t pages = 0, count = 0, scopes = 0, i, n, extra = 0;
  char code[128];
  int none = 0;
  pf_status st;
  const int ws = !strcmp(ls->file, "workspaces.json");
  const int comp = !strcmp(ls->file, "computes.json");

  memset(&unreadable, 0, sizeof(unreadable));
  if ((st = out_open(&out, rn->dir, ls->file, rn->err)) != PF_OK) {
    out_abandon(&out);
    return st;
  }
  pf_strbuf_init(&url, URL_MAX);
  pf_strbuf_init(&scope, 512);
  n = ls->scope == SC_WORKSPACE ? rn->workspaces.n
      : rn->o->n_groups        ? rn->o->n_groups
                               : 1;
  for (i = 0; i < n && st == PF_OK; i++) {
    pf_strbuf_reset(&url);
    pf_strbuf_reset(&scope);
    st = pf_strbuf_adds(&url, rn->arm->endpoint);
    if (ls->scope == SC_WORKSPACE) {
      const char *wid = rn->workspaces.order[i];
      if (st == PF_OK)
        st = add_path(&url, wid);
      if (st == PF_OK)
        st = pf_strbuf_addf(&url, "/%s", ls->path);
      if (st == PF_OK)
        st = pf_strbuf_addf(&scope, "workspace %s", wid);
    } else {
      if (st == PF_OK)
        st = pf_strbuf_addf(&url, "/subscriptions/%s", rn->o->subscription);
      if (st == PF_OK && rn->o->n_groups) {
        st = pf_strbuf_adds(&url, "/resourceGroups/");
        if (st == PF_OK)
          st = add_path(&url, rn->o->groups[i]);
        if (st == PF_OK)
          st = pf_strbuf_addf(&scope, "resource group %s (subscription "
                              "%s)", rn->o->groups[i], rn->o->subscription);
      } else if (st == PF_OK) {
        st = pf_strbuf_addf(&scope, "subscription %s", rn->o->subscription);
      }
      if (st == PF_OK)
        st = pf_strbuf_addf(&url, "/providers/%s", ls->path);
    }
    if (st == PF_OK)
      st = pf_strbuf_addf(&url, "?api-version=%s", ls->api);
    if (st != PF_OK) {
      pf_err_set(rn->err, st, "%s: cannot build the URL: %s", ls->file,
                 pf_strerror(st));
      break;
    }
    scopes++;
    rn->stats->lists++;
    st = read_list(rn, pf_strbuf_str(&url), pf_strbuf_str(&scope),
                   SOFT_NONE, &out, ws ? &rn->workspaces : NULL,
                   comp ? &rn->attached : NULL, &pages, &count, code,
                   sizeof(code));
    if (st == PF_ENOTFOUND) {
      /* the provider is not registered: there are none (manifest says) */
      none = 1;
      st = PF_OK;
    }
  }
  if (st == PF_OK && ls->late)
    st = late_scopes(rn, ls, &out, &extra, &pages, &unreadable);
  pf_strbuf_release(&url);
  pf_strbuf_release(&scope);
  if (st != PF_OK) {
    out_abandon(&out);
    idset_release(&unreadable);
    return st;
  }
  count = out.count;   /* after removing duplicates */
  if ((st = out_close(&out, rn->err)) != PF_OK)
    return st;
  rn->stats->files++;
  rn->stats->resources += count;
  man_list(rn, ls->file,
           ls->scope == SC_WORKSPACE
               ? (!strcmp(ls->path, "computes")
                      ? "Microsoft.MachineLearningServices/workspaces/computes"
                      : "Microsoft.MachineLearningServices/workspaces/"
                        "datastores")
               : ls->path,
           ls->api, scopes, pages, count, none, &unreadable, extra);
  idset_release(&unreadable);
  return PF_OK;
}

/* GET one resource by id into \p out.  \return PF_OK (\p *found says
 * whether it was there), or an error. */
static pf_status get_one(struct run *rn, const char *id, const char *api,
                         const char *soft, struct out_file *out, int *found)
{
  struct pf_strbuf url;
  struct pf_http_resp resp;
  struct pf_jsonr r;
  enum pf_jtok t;
  pf_status st;

  *found = 0;
  pf_strbuf_init(&url, URL_MAX);
  st = pf_strbuf_adds(&url, rn->arm->endpoint);
  if (st == PF_OK)
    st = add_path(&url, id);
  if (st == PF_OK)
    st = pf_strbuf_addf(&url, "?api-version=%s", api);
  if (st != PF_OK) {
    pf_strbuf_release(&url);
    return pf_err_set(rn->err, st, "%.200s: cannot build the URL", id);
  }
  st = pf_armrest_get(rn->arm, pf_strbuf_str(&url), id, soft, &resp, rn->err);
  if (st == PF_ENOTFOUND) {
    if (rn->arm->log) {
      char line[512];
      snprintf(line, sizeof(line), "%.300s: %s: left unresolved", id,
               resp.error_code);
      rn->arm->log(rn->arm->log_arg, line);
    }
    pf_http_resp_release(&resp);
    pf_strbuf_release(&url);
    return PF_OK;
  }
  if (st != PF_OK) {
    pf_strbuf_release(&url);
    return st;
  }
  rn->stats->pages++;
  /* one resource object, validated before it is copied */
  pf_jsonr_init(&r, resp.body, resp.body_len, 0);
  t = pf_jsonr_next(&r);
  if (t == PF_JT_OBJ_BEGIN && pf_jsonr_skip(&r, t) == PF_OK &&
      pf_jsonr_next(&r) == PF_JT_EOF) {
    st = out_add(out, id, resp.body, resp.body_len, rn->err);
    if (st == PF_OK && (idset_add(&rn->fetched, id) < 0 ||
                        idset_add(&rn->by_id, id) < 0))
      st = pf_err_set(rn->err, PF_ENOMEM, "out of memory");
    if (st == PF_OK && !rn->o->no_follow)
      st = scan_refs(resp.body, resp.body_len, &rn->refs, rn->err);
    *found = 1;
  } else {
    if (t != PF_JT_ERROR && !pf_err_isset(pf_jsonr_error(&r)))
      pf_jsonr_fail(&r, PF_EPARSE, "expected a resource object");
    st = pf_err_set(rn->err, PF_EPARSE, "GET %s: %s", pf_strbuf_str(&url),
                    pf_jsonr_error(&r)->msg);
  }
  pf_jsonr_release(&r);
  pf_http_resp_release(&resp);
  pf_strbuf_release(&url);
  return st;
}

static pf_status by_id_done(struct run *rn, struct out_file *out,
                            pf_status st, const char *file,
                            const char *what, size_t got, size_t gone,
                            const char *more_key, size_t more)
{
  if (st != PF_OK) {
    out_abandon(out);
    return st;
  }
  if ((st = out_close(out, rn->err)) != PF_OK)
    return st;
  rn->stats->files++;
  rn->stats->resources += got;
  pf_jw_obj(rn->man);
  pf_jw_kstr(rn->man, "file", file);
  pf_jw_kstr(rn->man, "type", what);
  pf_jw_kint(rn->man, "resources", (int64_t)got);
  pf_jw_kint(rn->man, "not_found", (int64_t)gone);
  pf_jw_kint(rn->man, more_key, (int64_t)more);
  pf_jw_obj_end(rn->man);
  return PF_OK;
}

/* Databricks workspaces, virtual machines and AKS clusters that computes
 * attach: one GET each (they may sit in other resource groups). */
static pf_status fetch_attached(struct run *rn)
{
  struct out_file out;
  size_t i, got = 0, gone = 0, skipped = 0;
  pf_status st;

  if ((st = out_open(&out, rn->dir, ATTACHED_FILE, rn->err)) != PF_OK) {
    out_abandon(&out);
    return st;
  }
  for (i = 0; i < rn->attached.n && st == PF_OK; i++) {
    const char *id = rn->attached.order[i], *api = NULL;
    size_t k;
    int found;
    for (k = 0; k < N_ATTACHED; k++) {
      const char *p = strcasestr(id, "/providers/");
      size_t tl = strlen(attached_types[k].type);
      if (p && !strncasecmp(p + 11, attached_types[k].type, tl) &&
          p[11 + tl] == '/' && !strchr(p + 11 + tl + 1, '/'))
        api = attached_types[k].api;
    }
    if (!api) {
      skipped++;   /* another kind (HDInsight, Synapse, ...): not read */
      continue;
    }
    st = get_one(rn, id, api, SOFT_GONE, &out, &found);
    if (found)
      got++;
    else
      gone++;
  }
  return by_id_done(rn, &out, st, ATTACHED_FILE,
                    "resources attached to computes (by id)", got, gone,
                    "other_kinds", skipped);
}

/* Resources referenced by what was fetched but not in the lists, read by
 * id, breadth first (a hub vnet found through a compute's subnet brings
 * its NSGs and route tables), at most max_refs GETs. */
static pf_status fetch_referenced(struct run *rn)
{
  struct out_file out;
  size_t i, got = 0, gone = 0, asked = 0;
  unsigned max = rn->o->max_refs ? rn->o->max_refs : REFS_DEFAULT;
  pf_status st;

  if ((st = out_open(&out, rn->dir, REFERENCED_FILE, rn->err)) != PF_OK) {
    out_abandon(&out);
    return st;
  }
  /* refs grows while it is walked: the next round is appended */
  for (i = 0; i < rn->refs.n && st == PF_OK; i++) {
    const char *id = rn->refs.order[i], *api = NULL;
    int found;
    if (idset_has(&rn->fetched, id) ||
        !pf_fetch_ref_prefix(id, strlen(id), &api) || !api)
      continue;
    if (asked >= max)
      break;
    asked++;
    st = get_one(rn, id, api, SOFT_REF, &out, &found);
    if (found)
      got++;
    else
      gone++;
  }
  /* what was left when the bound was reached */
  {
    size_t left = 0, j;
    for (j = i; j < rn->refs.n; j++)
      left += !idset_has(&rn->fetched, rn->refs.order[j]);
    return by_id_done(rn, &out, st, REFERENCED_FILE,
                      "resources referenced from other groups or "
                      "subscriptions (by id)", got, gone, "not_followed",
                      left);
  }
}

static pf_status make_dir(const char *dir, struct pf_err *err)
{
  struct stat sb;
  if (mkdir(dir, 0700) == 0)
    return PF_OK;
  if (errno == EEXIST && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
    return PF_OK;
  return pf_err_set(err, PF_EIO, "%s: %s", dir,
                    errno == EEXIST ? "exists and is not a directory"
                                    : strerror(errno));
}

/* The name of every file fetch writes; \p i from 0 until NULL. */
static const char *file_name(size_t i)
{
  return i < N_LISTS       ? lists[i].file
         : i == N_LISTS     ? ATTACHED_FILE
         : i == N_LISTS + 1 ? REFERENCED_FILE
         : i == N_LISTS + 2 ? MANIFEST
                            : NULL;
}

/* Remove what fetch wrote in \p dir (and its temporaries). */
static void remove_files(const char *dir)
{
  char path[4096];
  const char *f;
  size_t i;
  for (i = 0; (f = file_name(i)); i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, f);
    unlink(path);
    snprintf(path, sizeof(path), "%s/.%s.tmp", dir, f);
    unlink(path);
  }
}

/* Move the complete set from the staging directory into \p dir: a
 * failed fetch leaves the files of an earlier one as they were, never a
 * mix of both. */
static pf_status publish(const char *staging, const char *dir,
                         struct pf_err *err)
{
  char from[4096], to[4096];
  const char *f;
  size_t i;
  for (i = 0; (f = file_name(i)); i++) {
    snprintf(from, sizeof(from), "%s/%s", staging, f);
    snprintf(to, sizeof(to), "%s/%s", dir, f);
    if (rename(from, to) != 0)
      return pf_err_set(err, PF_EIO, "%s: %s", to, strerror(errno));
  }
  return PF_OK;
}

pf_status pf_fetch_run(struct pf_armrest *arm, const struct pf_fetch_opts *o,
                       const char *dir, struct pf_fetch_stats *stats,
                       struct pf_err *err)
{
  struct run rn;
  struct pf_jw jw;
  struct out_file man;
  char when[32];
  time_t now = time(NULL);
  struct tm tm;
  size_t i;
  char staging[4096];
  pf_status st = PF_OK;

  memset(stats, 0, sizeof(*stats));
  if (!pf_fetch_subscription_ok(o->subscription))
    return pf_err_set(err, PF_EINVAL, "'%s' is not a subscription id (a "
                      "GUID such as 00000000-0000-0000-0000-000000000000)",
                      o->subscription ? o->subscription : "");
  for (i = 0; i < o->n_groups; i++)
    if (!pf_fetch_group_ok(o->groups[i]))
      return pf_err_set(err, PF_EINVAL, "'%.100s' is not a resource group "
                        "name", o->groups[i]);
  if (strncasecmp(arm->endpoint, "https://", 8) ||
      !pf_armrest_same_origin(arm->endpoint, arm->endpoint))
    return pf_err_set(err, PF_EINVAL, "endpoint '%s' is not an https:// "
                      "URL", arm->endpoint);
  if ((st = make_dir(dir, err)) != PF_OK)
    return st;
  /* hidden, so a loader walking DIR never reads a half-done fetch */
  if ((size_t)snprintf(staging, sizeof(staging), "%s/.preflight-fetch-XXXXXX",
                       dir) >= sizeof(staging))
    return pf_err_set(err, PF_EINVAL, "%s: path too long", dir);
  if (!mkdtemp(staging))
    return pf_err_set(err, PF_EIO, "%s: %s", staging, strerror(errno));
  memset(&rn, 0, sizeof(rn));
  rn.arm = arm;
  rn.o = o;
  rn.dir = staging;
  rn.stats = stats;
  rn.err = err;
  /* the manifest is written as the lists complete, renamed at the end */
  memset(&man, 0, sizeof(man));
  {
    struct pf_strbuf a, b;
    pf_strbuf_init(&a, 4096);
    pf_strbuf_init(&b, 4096);
    if (pf_strbuf_addf(&a, "%s/%s", staging, MANIFEST) != PF_OK ||
        pf_strbuf_addf(&b, "%s/.%s.tmp", staging, MANIFEST) != PF_OK) {
      pf_strbuf_release(&a);
      pf_strbuf_release(&b);
      rmdir(staging);
      return pf_err_set(err, PF_ENOMEM, "%s: path too long", dir);
    }
    man.path = pf_strbuf_detach(&a);
    man.tmp = pf_strbuf_detach(&b);
  }
  if (!man.path || !man.tmp || !(man.f = fopen(man.tmp, "w"))) {
    st = pf_err_set(err, PF_EIO, "%s/%s: %s", staging, MANIFEST,
                    strerror(errno ? errno : ENOMEM));
    out_abandon(&man);
    rmdir(staging);
    return st;
  }
  gmtime_r(&now, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  pf_jw_init(&jw, man.f, 1);
  rn.man = &jw;
  pf_jw_obj(&jw);
  pf_jw_key(&jw, "preflight_fetch");
  pf_jw_obj(&jw);
  pf_jw_kstr(&jw, "version", o->tool_version ? o->tool_version : "");
  pf_jw_kstr(&jw, "fetched_at", when);
  pf_jw_kstr(&jw, "endpoint", arm->endpoint);
  pf_jw_kstr(&jw, "subscription", o->subscription);
  pf_jw_key(&jw, "resource_groups");
  pf_jw_arr(&jw);
  for (i = 0; i < o->n_groups; i++)
    pf_jw_str(&jw, o->groups[i]);
  pf_jw_arr_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_key(&jw, "lists");
  pf_jw_arr(&jw);
  for (i = 0; i < N_LISTS && st == PF_OK; i++)
    if (!lists[i].late)
      st = fetch_list(&rn, &lists[i]);
  if (st == PF_OK)
    st = fetch_attached(&rn);
  if (st == PF_OK)   /* written even when empty: no stale file survives */
    st = fetch_referenced(&rn);
  for (i = 0; i < N_LISTS && st == PF_OK; i++)
    if (lists[i].late)
      st = fetch_list(&rn, &lists[i]);
  if (st == PF_OK) {
    pf_jw_arr_end(&jw);
    pf_jw_kint(&jw, "requests", (int64_t)arm->requests);
    pf_jw_kint(&jw, "retries", (int64_t)arm->retries);
    pf_jw_kint(&jw, "throttled", (int64_t)arm->throttled);
    pf_jw_obj_end(&jw);
    pf_jw_end(&jw);
    if (ferror(man.f) | (fclose(man.f) != 0) ||
        rename(man.tmp, man.path) != 0) {
      man.f = NULL;
      st = pf_err_set(err, PF_EIO, "%s: %s", man.path, strerror(errno));
      unlink(man.tmp);
    }
    man.f = NULL;
  }
  out_abandon(&man);
  idset_release(&rn.workspaces);
  idset_release(&rn.attached);
  idset_release(&rn.fetched);
  idset_release(&rn.refs);
  idset_release(&rn.by_id);
  if (st == PF_OK)
    st = publish(staging, dir, err);
  remove_files(staging);
  rmdir(staging);
  return st;
}

void pf_fetch_remove(const char *dir)
{
  remove_files(dir);
  rmdir(dir);
}
