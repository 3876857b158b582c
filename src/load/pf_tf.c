/* SPDX-License-Identifier: MIT */
/* pf_tf.c - `terraform show -json` plans and states to ARM-shaped resources
 *
 * specification: HashiCorp's "JSON Output Format" (format_version 0.x and
 * 1.x: values representation, plan representation with resource_changes
 * and after_unknown, configuration representation with expression
 * references); the attribute mapping is docs/terraform.md.
 *
 * Three passes: collect the resource instances (planned_values or values,
 * modules recursively, plus data sources read while planning from
 * prior_state); link the resources that Terraform keeps apart and ARM
 * nests (security rules, routes, associations, peerings, network rules)
 * to their parent; build one ARM REST object per resource and hand it to
 * the kind loaders.  Every node built records where in the plan it came
 * from, so the loaders' messages name the plan (lj->map_path).
 */
#include "pf_tf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_mem.h"
#include "pf_load_int.h"

#define TF_MAX_DEPTH 16          /* reference chains followed */
#define TF_SUB_PLACEHOLDER PF_PLACEHOLDER_SUBSCRIPTION

/* ---- instances ----------------------------------------------------------- */

enum tf_build {
  B_NONE = 0,     /* not translated: listed as ignored */
  B_SILENT,       /* not a resource (random_string, client config) */
  B_VNET, B_SUBNET, B_NSG, B_NSG_RULE, B_SUBNET_NSG, B_RT, B_ROUTE,
  B_SUBNET_RT, B_STORAGE, B_STORAGE_RULES, B_KV, B_ACR, B_WS, B_CLUSTER,
  B_INSTANCE, B_PE, B_NIC, B_NIC_NSG, B_NIC_ASG, B_PEERING, B_ASG
};

enum tf_parent { P_RG = 0, P_VNET, P_NSG, P_RT, P_WS, P_SELF_RG, P_NONE };

static const struct tf_type {
  const char *tf;
  const char *arm;            /* provider path of the id */
  enum tf_parent parent;
  enum tf_build build;
} tf_types[] = {
  {"azurerm_virtual_network", "Microsoft.Network/virtualNetworks", P_RG,
   B_VNET},
  {"azurerm_subnet", "subnets", P_VNET, B_SUBNET},
  {"azurerm_network_security_group",
   "Microsoft.Network/networkSecurityGroups", P_RG, B_NSG},
  {"azurerm_network_security_rule", "securityRules", P_NSG, B_NSG_RULE},
  {"azurerm_subnet_network_security_group_association", NULL, P_NONE,
   B_SUBNET_NSG},
  {"azurerm_route_table", "Microsoft.Network/routeTables", P_RG, B_RT},
  {"azurerm_route", "routes", P_RT, B_ROUTE},
  {"azurerm_subnet_route_table_association", NULL, P_NONE, B_SUBNET_RT},
  {"azurerm_storage_account", "Microsoft.Storage/storageAccounts", P_RG,
   B_STORAGE},
  {"azurerm_storage_account_network_rules", NULL, P_NONE, B_STORAGE_RULES},
  {"azurerm_key_vault", "Microsoft.KeyVault/vaults", P_RG, B_KV},
  {"azurerm_container_registry", "Microsoft.ContainerRegistry/registries",
   P_RG, B_ACR},
  {"azurerm_machine_learning_workspace",
   "Microsoft.MachineLearningServices/workspaces", P_RG, B_WS},
  {"azurerm_machine_learning_compute_cluster", "computes", P_WS, B_CLUSTER},
  {"azurerm_machine_learning_compute_instance", "computes", P_WS,
   B_INSTANCE},
  {"azurerm_private_endpoint", "Microsoft.Network/privateEndpoints", P_RG,
   B_PE},
  {"azurerm_network_interface", "Microsoft.Network/networkInterfaces", P_RG,
   B_NIC},
  {"azurerm_network_interface_security_group_association", NULL, P_NONE,
   B_NIC_NSG},
  {"azurerm_network_interface_application_security_group_association",
   NULL, P_NONE, B_NIC_ASG},
  {"azurerm_virtual_network_peering", "virtualNetworkPeerings", P_VNET,
   B_PEERING},
  {"azurerm_application_security_group",
   "Microsoft.Network/applicationSecurityGroups", P_RG, B_ASG},
  /* not evaluated, but referenced by id (workspace dependencies, DNS
   * zone groups, firewall next hops) */
  {"azurerm_resource_group", NULL, P_SELF_RG, B_SILENT},
  {"azurerm_application_insights", "Microsoft.Insights/components", P_RG,
   B_NONE},
  {"azurerm_private_dns_zone", "Microsoft.Network/privateDnsZones", P_RG,
   B_NONE},
  {"azurerm_public_ip", "Microsoft.Network/publicIPAddresses", P_RG, B_NONE},
  {"azurerm_nat_gateway", "Microsoft.Network/natGateways", P_RG, B_NONE},
  {"azurerm_firewall", "Microsoft.Network/azureFirewalls", P_RG, B_NONE},
  {"azurerm_bastion_host", "Microsoft.Network/bastionHosts", P_RG, B_NONE},
  {"azurerm_user_assigned_identity",
   "Microsoft.ManagedIdentity/userAssignedIdentities", P_RG, B_NONE},
  {"azurerm_client_config", NULL, P_NONE, B_SILENT},
  {"azurerm_subscription", NULL, P_NONE, B_SILENT},
};

struct tf_inst {
  const char *addr;           /* "module.m.azurerm_subnet.x[0]" */
  const char *mod;            /* "module.m" or "" */
  const char *type;
  const struct tf_type *tt;   /* NULL: not an azurerm type we know */
  int data;                   /* a data source */
  const cJSON *vals, *unk, *expr;
  const char *rpath, *vpath;  /* plan paths of the resource, its values */
  const char *id;             /* known or synthesised; NULL if neither */
  int id_state;               /* 0 not yet, 1 computing, 2 done */
  int id_synth;
  struct tf_inst **kids;      /* rules, routes, associations, peerings */
  size_t n_kids, cap_kids;
  int linked;                 /* a kid attached to its parent */
};

/* A place in one resource's values, with its after_unknown and
 * configuration expressions at the same place. */
struct tf_view {
  const cJSON *val, *unk, *expr;
  const char *path;           /* plan path of val */
  const char *addr;           /* "azurerm_x.y.block[0]" for messages */
  struct tf_inst *inst;
};

/* A value read through a view. */
enum tf_kind { V_ABSENT = 0, V_KNOWN, V_UNKNOWN };
struct tf_val {
  enum tf_kind k;
  const cJSON *j;             /* V_KNOWN */
  const char *text;           /* V_UNKNOWN: "addr.attr (known after apply)" */
  const char *path;           /* plan path of the attribute */
};

/* string -> pointer, first entry wins (addresses exact, ids ASCII
 * case-insensitive as ARM compares them) */
struct tf_hent {
  const char *key;
  size_t idx;                 /* an instance index */
  const cJSON *j;             /* or a node of the document */
};
struct tf_hash {
  struct tf_hent *e;
  size_t n, cap;
  int icase;
};

/* path map: translated-tree path -> plan path */
struct tf_map_ent {
  const char *key, *val;
};

struct tf {
  struct pf_lj *lj;
  struct pf_arena *a;
  const cJSON *root;
  const cJSON *conf_root;     /* configuration.root_module */
  int is_plan;
  struct tf_inst *in;
  size_t n_in, cap_in;
  const char *sub;            /* subscription of synthesised ids */
  cJSON *scratch;             /* values made while resolving */
  struct tf_map_ent *map;
  size_t n_map, cap_map;      /* open addressing, cap a power of two */
  size_t n_arm;
  struct tf_hash by_addr;     /* instance address -> instance */
  struct tf_hash by_id;       /* id of a parent kind -> instance */
  struct tf_hash changes;     /* resource_changes address -> index */
  struct tf_inst *float_nsg;  /* first association whose subnet is known */
  struct tf_inst *float_rt;   /* only after apply (NSG, route table) */
  struct tf_inst *float_nic;  /* NIC NSG association of an unknown NIC */
  cJSON *extra;               /* placeholder NSGs (unknown associations) */
  const char **extra_from;    /* the plan path each one stands for */
  size_t n_extra, cap_extra;
  int oom;
  size_t depth;
};

/* ---- small helpers ------------------------------------------------------- */

static char *tf_fmt(struct tf *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *tf_fmt(struct tf *t, const char *fmt, ...)
{
  va_list ap;
  int n;
  char *s;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !(s = pf_arena_alloc(t->a, (size_t)n + 1))) {
    t->oom = 1;
    return NULL;
  }
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

static int plain_key(const char *k)
{
  if (!*k)
    return 0;
  for (; *k; k++)
    if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
          (*k >= '0' && *k <= '9') || *k == '_' || *k == '-' || *k == '$'))
      return 0;
  return 1;
}

/* "base.key" (or base["key"]) as pf_lj writes paths */
static const char *pkey(struct tf *t, const char *base, const char *key)
{
  if (!base)
    return NULL;
  return plain_key(key) ? tf_fmt(t, "%s.%s", base, key)
                        : tf_fmt(t, "%s[\"%.80s\"]", base, key);
}

static const char *pidx(struct tf *t, const char *base, size_t i)
{
  return base ? tf_fmt(t, "%s[%zu]", base, i) : NULL;
}

static const cJSON *member(const cJSON *o, const char *k)
{
  const cJSON *v;
  if (!o || !cJSON_IsObject(o))
    return NULL;
  v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNull(v) ? NULL : v;
}

static pf_status tf_fail(struct tf *t, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static pf_status tf_fail(struct tf *t, const char *path, const char *fmt, ...)
{
  char what[512];
  va_list ap;
  if (pf_err_isset(t->lj->err))
    return t->lj->err->code;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  return pf_err_set(t->lj->err, PF_EINVAL, "%s: %s: %s", t->lj->file,
                    path ? path : "$", what);
}

static pf_status tf_oom(struct tf *t)
{
  return pf_load_oom(t->lj);
}

/* ---- the path map (FNV-1a, open addressing) ------------------------------ */

static size_t hash_str(const char *s)
{
  size_t h = (size_t)1469598103934665603ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= (size_t)1099511628211ULL;
  }
  return h;
}

static void map_put(struct tf *t, const char *key, const char *val)
{
  size_t i, mask;
  if (!key || !val) {
    t->oom |= !key || !val;
    return;
  }
  if ((t->n_map + 1) * 2 > t->cap_map) {
    size_t ncap = t->cap_map ? t->cap_map * 2 : 256, j;
    struct tf_map_ent *nm = pf_calloc(ncap, sizeof(*nm));
    if (!nm) {
      t->oom = 1;
      return;
    }
    for (j = 0; j < t->cap_map; j++) {
      if (!t->map[j].key)
        continue;
      i = hash_str(t->map[j].key) & (ncap - 1);
      while (nm[i].key)
        i = (i + 1) & (ncap - 1);
      nm[i] = t->map[j];
    }
    pf_free(t->map);
    t->map = nm;
    t->cap_map = ncap;
  }
  mask = t->cap_map - 1;
  i = hash_str(key) & mask;
  while (t->map[i].key) {
    if (!strcmp(t->map[i].key, key)) {
      t->map[i].val = val;
      return;
    }
    i = (i + 1) & mask;
  }
  t->map[i].key = key;
  t->map[i].val = val;
  t->n_map++;
}

static const char *map_get(const struct tf *t, const char *key, size_t n)
{
  size_t i, mask;
  size_t h = (size_t)1469598103934665603ULL, j;
  if (!t->cap_map)
    return NULL;
  for (j = 0; j < n; j++) {
    h ^= (unsigned char)key[j];
    h *= (size_t)1099511628211ULL;
  }
  mask = t->cap_map - 1;
  for (i = h & mask; t->map[i].key; i = (i + 1) & mask)
    if (!strncmp(t->map[i].key, key, n) && t->map[i].key[n] == '\0')
      return t->map[i].val;
  return NULL;
}

/* The longest mapped prefix of \p path (at a component boundary), with
 * the rest appended: elements of arrays copied one to one keep their
 * index. */
static const char *map_path(void *ctx, const char *path)
{
  struct tf *t = ctx;
  size_t n = strlen(path);
  while (n > 1) {
    const char *v = map_get(t, path, n);
    if (v)
      return n == strlen(path) ? v : tf_fmt(t, "%s%s", v, path + n);
    /* strip the last component: ".key", "[n]" or ["key"] */
    while (n > 1 && path[n - 1] != '.' && path[n - 1] != '[')
      n--;
    if (n > 1)
      n--;
  }
  return NULL;
}

static size_t hash_n(const char *s, size_t n, int icase)
{
  size_t h = (size_t)1469598103934665603ULL, i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (icase && c >= 'A' && c <= 'Z')
      c = (unsigned char)(c - 'A' + 'a');
    h ^= c;
    h *= (size_t)1099511628211ULL;
  }
  return h;
}

static int key_eq(const char *a, const char *b, size_t n, int icase)
{
  return (icase ? !strncasecmp(a, b, n) : !strncmp(a, b, n)) && a[n] == '\0';
}

static void h_put(struct tf *t, struct tf_hash *h, const char *key,
                  size_t idx, const cJSON *j)
{
  size_t i, mask, n;
  if (!key)
    return;
  if ((h->n + 1) * 2 > h->cap) {
    size_t ncap = h->cap ? h->cap * 2 : 64, k;
    struct tf_hent *ne = pf_calloc(ncap, sizeof(*ne));
    if (!ne) {
      t->oom = 1;
      return;
    }
    for (k = 0; k < h->cap; k++) {
      if (!h->e[k].key)
        continue;
      i = hash_n(h->e[k].key, strlen(h->e[k].key), h->icase) & (ncap - 1);
      while (ne[i].key)
        i = (i + 1) & (ncap - 1);
      ne[i] = h->e[k];
    }
    pf_free(h->e);
    h->e = ne;
    h->cap = ncap;
  }
  mask = h->cap - 1;
  n = strlen(key);
  for (i = hash_n(key, n, h->icase) & mask; h->e[i].key; i = (i + 1) & mask)
    if (key_eq(h->e[i].key, key, n, h->icase))
      return;   /* the first one is kept */
  h->e[i].key = key;
  h->e[i].idx = idx;
  h->e[i].j = j;
  h->n++;
}

static const struct tf_hent *h_get(const struct tf_hash *h, const char *key,
                                   size_t n)
{
  size_t i, mask;
  if (!h->cap || !key)
    return NULL;
  mask = h->cap - 1;
  for (i = hash_n(key, n, h->icase) & mask; h->e[i].key; i = (i + 1) & mask)
    if (key_eq(h->e[i].key, key, n, h->icase))
      return &h->e[i];
  return NULL;
}

/* ---- the translated tree ------------------------------------------------- */

struct tf_obj {
  cJSON *j;
  const char *sp;   /* its path in the translated tree */
};

static void keep(struct tf *t, cJSON *item)
{
  if (!item) {
    t->oom = 1;
    return;
  }
  cJSON_AddItemToArray(t->scratch, item);
}

/* Add \p item under \p key of \p o (or at the end of an array when \p key
 * is NULL), record where it came from; \return its tree node. */
static struct tf_obj put(struct tf *t, struct tf_obj *o, const char *key,
                         cJSON *item, const char *pp)
{
  struct tf_obj r = {NULL, NULL};
  if (!o->j || !item) {
    cJSON_Delete(item);
    t->oom |= o->j != NULL;
    return r;
  }
  if (key) {
    if (!cJSON_AddItemToObject(o->j, key, item)) {
      cJSON_Delete(item);
      t->oom = 1;
      return r;
    }
    r.sp = pkey(t, o->sp, key);
  } else {
    size_t i = (size_t)cJSON_GetArraySize(o->j);
    if (!cJSON_AddItemToArray(o->j, item)) {
      cJSON_Delete(item);
      t->oom = 1;
      return r;
    }
    r.sp = pidx(t, o->sp, i);
  }
  r.j = item;
  if (pp)
    map_put(t, r.sp, pp);
  return r;
}

static struct tf_obj put_obj(struct tf *t, struct tf_obj *o, const char *key,
                             const char *pp)
{
  return put(t, o, key, cJSON_CreateObject(), pp);
}

static struct tf_obj put_arr(struct tf *t, struct tf_obj *o, const char *key,
                             const char *pp)
{
  return put(t, o, key, cJSON_CreateArray(), pp);
}

static void put_str(struct tf *t, struct tf_obj *o, const char *key,
                    const char *s, const char *pp)
{
  if (s)
    put(t, o, key, cJSON_CreateString(s), pp);
}

static void put_unknown(struct tf *t, struct tf_obj *o, const char *key,
                        const char *text, const char *pp)
{
  struct tf_obj m = put_obj(t, o, key, pp);
  put_str(t, &m, PF_TF_UNKNOWN_KEY, text, pp);
}

/* ---- addresses and references -------------------------------------------- */

static const struct tf_type *type_of(const char *type)
{
  size_t i;
  for (i = 0; i < sizeof(tf_types) / sizeof(tf_types[0]); i++)
    if (!strcmp(tf_types[i].tf, type))
      return &tf_types[i];
  return NULL;
}

/* Length of the next address component of \p s (up to a '.' outside
 * brackets and quotes). */
static size_t comp_len(const char *s)
{
  size_t n = 0;
  int br = 0, q = 0;
  for (; s[n]; n++) {
    char c = s[n];
    if (q) {
      if (c == '\\' && s[n + 1])
        n++;
      else if (c == '"')
        q = 0;
    } else if (c == '"') {
      q = 1;
    } else if (c == '[') {
      br++;
    } else if (c == ']') {
      br--;
    } else if (c == '.' && br <= 0) {
      break;
    }
  }
  return n;
}

static struct tf_inst *find_inst(struct tf *t, const char *addr, size_t n)
{
  const struct tf_hent *e = h_get(&t->by_addr, addr, n);
  return e ? &t->in[e->idx] : NULL;
}

static const char *inst_id(struct tf *t, struct tf_inst *in);
static struct tf_val resolve(struct tf *t, const struct tf_view *v,
                             const char *attr);

static void root_view(struct tf_inst *in, struct tf_view *v)
{
  v->val = in->vals;
  v->unk = in->unk;
  v->expr = in->expr;
  v->path = in->vpath;
  v->addr = in->addr;
  v->inst = in;
}

/* One reference of a configuration expression, in the module of \p from:
 * "azurerm_subnet.x.id", "data.azurerm_subnet.y.id",
 * "azurerm_subnet.z[0].id".  \return the instance and (in *attr, *attr_n)
 * the attribute named after it, or NULL for var., local., module. and
 * other references that do not name a resource. */
static struct tf_inst *ref_target(struct tf *t, const struct tf_inst *from,
                                  const char *ref, const char **attr,
                                  size_t *attr_n)
{
  const char *p = ref;
  size_t n, len;
  char *full;
  struct tf_inst *in;
  static const char *const nonres[] = {"var", "local", "module", "each",
                                       "count", "path", "terraform", "self",
                                       NULL};
  int i;

  *attr = NULL;
  *attr_n = 0;
  n = comp_len(p);
  for (i = 0; nonres[i]; i++)
    if (strlen(nonres[i]) == n && !strncmp(p, nonres[i], n))
      return NULL;
  if (n == 4 && !strncmp(p, "data", 4) && p[4] == '.')
    p += 5 + comp_len(p + 5);          /* data.TYPE */
  else
    p += n;                            /* TYPE */
  if (*p != '.')
    return NULL;
  p++;
  p += comp_len(p);                    /* NAME or NAME[idx] */
  len = (size_t)(p - ref);
  if (*p == '.') {
    *attr = p + 1;
    *attr_n = comp_len(p + 1);
  }
  full = from->mod[0] ? tf_fmt(t, "%s.%.*s", from->mod, (int)len, ref)
                      : tf_fmt(t, "%.*s", (int)len, ref);
  if (!full)
    return NULL;
  in = find_inst(t, full, strlen(full));
  return in;
}

/* The references of \p expr that name resource attributes, deduplicated
 * by instance, in order.  \return the count, or -1 when the expression
 * also refers to something else (a variable, a module output): then it
 * is more than a plain reference and its value cannot be derived. */
static int expr_targets(struct tf *t, const struct tf_inst *from,
                        const cJSON *expr, struct tf_inst **tg,
                        const char **attrs, size_t *attr_ns, int max)
{
  const cJSON *refs = member(expr, "references"), *r;
  int n = 0, j, pass;
  if (!cJSON_IsArray(refs))
    return 0;
  /* pass 0 collects the instances named; pass 1 looks at the rest: the
   * bare "azurerm_subnet.s" that Terraform lists beside
   * "azurerm_subnet.s[0].id" names no instance of its own and is
   * skipped; any other reference that names no instance here (a
   * variable, a local, a module output, count.index, another module's
   * resource) makes the expression more than a reference */
  for (pass = 0; pass < 2; pass++) {
    cJSON_ArrayForEach(r, refs) {
      const char *attr;
      size_t an;
      struct tf_inst *in;
      if (!cJSON_IsString(r))
        return -1;
      in = ref_target(t, from, r->valuestring, &attr, &an);
      if (pass == 1) {
        size_t len = strlen(r->valuestring), pl;
        int companion = 0;
        if (in)
          continue;
        pl = strlen(from->mod) + (from->mod[0] ? 1 : 0);
        for (j = 0; j < n && !companion; j++)
          companion = !attr && strlen(tg[j]->addr) > pl + len &&
                      !strncmp(tg[j]->addr + pl, r->valuestring, len) &&
                      tg[j]->addr[pl + len] == '[';
        if (!companion)
          return -1;
        continue;
      }
      if (!in)
        continue;
      for (j = 0; j < n; j++)
        if (tg[j] == in)
          break;
      if (j < n) {
        if (!attrs[j] && attr) {
          attrs[j] = attr;
          attr_ns[j] = an;
        }
        continue;
      }
      if (n >= max)
        return -1;
      tg[n] = in;
      attrs[n] = attr;
      attr_ns[n] = an;
      n++;
    }
  }
  return n;
}

static struct tf_val unknown_val(struct tf *t, const struct tf_view *v,
                                 const char *attr, const char *pp);

/* The value of "<target>.<attr>" (attr a single name): known, or unknown
 * naming where the unknown value comes from (the end of the chain). */
static struct tf_val target_value(struct tf *t, struct tf_inst *in,
                                  const char *attr, size_t an)
{
  char name[128];
  struct tf_view v;
  struct tf_val r = {V_ABSENT, NULL, NULL, NULL};
  root_view(in, &v);
  if (!attr || an == 0 || an >= sizeof(name) || memchr(attr, '[', an))
    return r;
  memcpy(name, attr, an);
  name[an] = '\0';
  if (!strcmp(name, "id")) {
    const char *id = inst_id(t, in);
    cJSON *s;
    if (!id)
      return unknown_val(t, &v, "id", pkey(t, in->vpath, "id"));
    s = cJSON_CreateString(id);
    keep(t, s);
    r.k = s ? V_KNOWN : V_ABSENT;
    r.j = s;
    return r;
  }
  if (t->depth >= TF_MAX_DEPTH)
    return r;
  t->depth++;
  r = resolve(t, &v, pf_arena_strdup(t->a, name));
  t->depth--;
  return r;
}

static struct tf_val unknown_val(struct tf *t, const struct tf_view *v,
                                 const char *attr, const char *pp)
{
  struct tf_val r;
  r.k = V_UNKNOWN;
  r.j = NULL;
  r.text = tf_fmt(t, "%s.%s (known after apply)", v->addr, attr);
  r.path = pp;
  return r;
}

/* The value of \p attr at \p v: known, derived through the configuration's
 * references, or unknown. */
static struct tf_val resolve(struct tf *t, const struct tf_view *v,
                             const char *attr)
{
  struct tf_val r = {V_ABSENT, NULL, NULL, NULL};
  const cJSON *val = member(v->val, attr);
  const cJSON *unk = member(v->unk, attr);
  const cJSON *expr = member(v->expr, attr);
  struct tf_inst *tg[16];
  const char *attrs[16];
  size_t ans[16];
  int n;

  r.path = pkey(t, v->path, attr);
  if (cJSON_IsTrue(unk) && v->expr && !expr && strcmp(attr, "id")) {
    /* known after apply but not configured: computed by the provider from
     * what Azure does when the property is not sent, which is what an
     * absent property means to the loaders (docs/terraform.md) */
    return r;
  }
  if (cJSON_IsTrue(unk)) {
    n = expr_targets(t, v->inst, expr, tg, attrs, ans, 16);
    if (n == 1) {
      struct tf_val tv = target_value(t, tg[0], attrs[0], ans[0]);
      if (tv.k == V_KNOWN) {
        r.k = V_KNOWN;
        r.j = tv.j;
        return r;
      }
      if (tv.k == V_UNKNOWN) {
        /* a plain reference to a value itself unknown: name the origin
         * (one placeholder for every id built from it) */
        tv.path = r.path;
        return tv;
      }
    }
    return unknown_val(t, v, attr, r.path);
  }
  if (cJSON_IsArray(unk) && (cJSON_IsArray(val) || !val)) {
    /* a list with unknown elements: planned values hold null in their
     * places (element order is how unknownness is correlated); the k-th
     * unknown element is the k-th resource the expression names */
    const cJSON *u;
    cJSON *out;
    int nu = 0, k = 0, i = 0;
    cJSON_ArrayForEach(u, unk) nu += cJSON_IsTrue(u);
    if (!nu)
      goto known;
    n = expr_targets(t, v->inst, expr, tg, attrs, ans, 16);
    if (n != nu)
      return unknown_val(t, v, attr, r.path);
    out = cJSON_CreateArray();
    keep(t, out);
    if (!out)
      return r;
    cJSON_ArrayForEach(u, unk) {
      const cJSON *e = cJSON_GetArrayItem(val, i), *x;
      if (cJSON_IsTrue(u)) {
        struct tf_val tv = target_value(t, tg[k], attrs[k], ans[k]);
        x = tv.k == V_KNOWN ? tv.j : NULL;
        k++;
        if (!x) {
          char idx[32];
          snprintf(idx, sizeof(idx), "%s[%d]", attr, i);
          return unknown_val(t, v, idx, r.path);
        }
      } else {
        x = e;
      }
      cJSON_AddItemToArray(out, x ? cJSON_Duplicate(x, 1) : cJSON_CreateNull());
      i++;
    }
    r.k = V_KNOWN;
    r.j = out;
    return r;
  }
known:
  if (!val)
    return r;
  r.k = V_KNOWN;
  r.j = val;
  return r;
}

/* A string attribute: known text, or NULL with *unknown set when it is
 * known only after apply. */
static const char *resolve_str(struct tf *t, const struct tf_view *v,
                               const char *attr, struct tf_val *rv)
{
  struct tf_val r = resolve(t, v, attr);
  if (rv)
    *rv = r;
  if (r.k == V_KNOWN && cJSON_IsString(r.j) && r.j->valuestring[0])
    return r.j->valuestring;
  return NULL;
}

/* ---- ids ------------------------------------------------------------------ */

/* A name segment for an id part known only after apply: the address of
 * what it comes from, braced, never a guessed name. */
static const char *placeholder(struct tf *t, const struct tf_inst *in,
                               const char *attr)
{
  char *s = tf_fmt(t, "{%s.%s}", in->addr, attr), *p;
  if (s)
    for (p = s; *p; p++)
      if (*p == '/')
        *p = '_';
  return s;
}

/* "{origin.attr}" from the text of an unknown value */
static const char *origin_placeholder(struct tf *t, const struct tf_val *r)
{
  const char *e;
  char *s, *p;
  if (r->k != V_UNKNOWN || !r->text)
    return NULL;
  e = strstr(r->text, " (known after apply)");
  s = tf_fmt(t, "{%.*s}", (int)(e ? (size_t)(e - r->text) : strlen(r->text)),
             r->text);
  if (s)
    for (p = s; *p; p++)
      if (*p == '/')
        *p = '_';
  return s;
}

static const char *seg(struct tf *t, struct tf_inst *in, const char *attr,
                       int *guessed)
{
  struct tf_view v;
  struct tf_val r;
  const char *s;
  root_view(in, &v);
  s = resolve_str(t, &v, attr, &r);
  if (s && !strchr(s, '/'))
    return s;
  *guessed = 1;
  s = origin_placeholder(t, &r);
  return s ? s : placeholder(t, in, attr);
}

static const char *synth_id(struct tf *t, struct tf_inst *in)
{
  const struct tf_type *tt = in->tt;
  struct tf_view v;
  int g = 0;
  const char *rg, *name, *parent, *pattr = NULL;
  const char *ptype = NULL;

  if (!tt || tt->parent == P_NONE)
    return NULL;
  root_view(in, &v);
  name = seg(t, in, "name", &g);
  if (tt->parent == P_SELF_RG)
    return tf_fmt(t, "/subscriptions/%s/resourceGroups/%s", t->sub, name);
  if (tt->parent == P_WS) {
    struct tf_val r;
    const char *ws = resolve_str(t, &v, "machine_learning_workspace_id", &r);
    if (!ws)
      ws = origin_placeholder(t, &r);
    if (!ws)
      ws = placeholder(t, in, "machine_learning_workspace_id");
    return tf_fmt(t, "%s/computes/%s", ws, name);
  }
  rg = seg(t, in, "resource_group_name", &g);
  if (tt->parent == P_RG)
    return tf_fmt(t, "/subscriptions/%s/resourceGroups/%s/providers/%s/%s",
                  t->sub, rg, tt->arm, name);
  switch (tt->parent) {
  case P_VNET:
    pattr = "virtual_network_name";
    ptype = "Microsoft.Network/virtualNetworks";
    break;
  case P_NSG:
    pattr = "network_security_group_name";
    ptype = "Microsoft.Network/networkSecurityGroups";
    break;
  default:
    pattr = "route_table_name";
    ptype = "Microsoft.Network/routeTables";
    break;
  }
  parent = seg(t, in, pattr, &g);
  return tf_fmt(t, "/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s/%s",
                t->sub, rg, ptype, parent, tt->arm, name);
}

/* The resource's ARM id: as planned or recorded when known, else
 * synthesised (and said so in a warning). */
static const char *inst_id(struct tf *t, struct tf_inst *in)
{
  struct tf_view v;
  const char *id;
  if (in->id_state == 2 || in->id_state == 1)
    return in->id;
  in->id_state = 1;
  root_view(in, &v);
  id = resolve_str(t, &v, "id", NULL);
  if (id && id[0] == '/') {
    in->id = id;
  } else if (in->tt && in->tt->parent != P_NONE && !in->data) {
    in->id = synth_id(t, in);
    in->id_synth = in->id != NULL;
  }
  in->id_state = 2;
  return in->id;
}

/* ---- collecting instances --------------------------------------------- */

static const cJSON *conf_module(struct tf *t, const char *mod)
{
  const cJSON *m = t->conf_root;
  const char *p = mod;
  while (m && *p) {
    size_t n;
    char name[256];
    const cJSON *calls;
    if (strncmp(p, "module.", 7))
      return NULL;
    p += 7;
    n = comp_len(p);
    /* strip an instance key: module.x[0], module.x["k"] */
    {
      size_t k = 0;
      while (k < n && p[k] != '[')
        k++;
      if (k >= sizeof(name))
        return NULL;
      memcpy(name, p, k);
      name[k] = '\0';
    }
    calls = member(m, "module_calls");
    m = member(member(calls, name), "module");
    p += n;
    if (*p == '.')
      p++;
  }
  return m;
}

static const cJSON *conf_resource(struct tf *t, const char *mod,
                                  const char *caddr)
{
  const cJSON *m = conf_module(t, mod), *arr, *r;
  arr = member(m, "resources");
  if (!cJSON_IsArray(arr))
    return NULL;
  cJSON_ArrayForEach(r, arr) {
    const cJSON *a = member(r, "address");
    if (cJSON_IsString(a) && !strcmp(a->valuestring, caddr))
      return member(r, "expressions");
  }
  return NULL;
}

static const cJSON *change_of(struct tf *t, const char *addr,
                              const char **path)
{
  const struct tf_hent *e = h_get(&t->changes, addr, strlen(addr));
  if (!e)
    return NULL;
  *path = pidx(t, "$.resource_changes", e->idx);
  return member(e->j, "change");
}

/* resource_changes by address (a plan lists each instance once) */
static pf_status index_changes(struct tf *t, const cJSON *rc)
{
  const cJSON *e;
  size_t i = 0;
  cJSON_ArrayForEach(e, rc) {
    const cJSON *a = member(e, "address");
    if (cJSON_IsString(a))
      h_put(t, &t->changes, a->valuestring, i, e);
    i++;
  }
  return t->oom ? tf_oom(t) : PF_OK;
}

static pf_status want(struct tf *t, const cJSON *v, int (*is)(const cJSON *),
                      const char *path, const char *what)
{
  if (v && !is(v))
    return tf_fail(t, path, "expected %s, found %s", what,
                   pf_lj_typename(v));
  return PF_OK;
}

static int is_obj(const cJSON *v) { return cJSON_IsObject(v); }
static int is_arr(const cJSON *v) { return cJSON_IsArray(v); }
static int is_str(const cJSON *v) { return cJSON_IsString(v); }

static pf_status add_resource(struct tf *t, const cJSON *r, const char *mod,
                              const char *path, int only_data)
{
  const cJSON *addr = member(r, "address"), *mode = member(r, "mode"),
              *type = member(r, "type"), *name = member(r, "name"),
              *vals = member(r, "values");
  struct tf_inst *in;
  pf_status st;
  const char *caddr;

  if (!cJSON_IsObject(r))
    return tf_fail(t, path, "expected a resource object, found %s",
                   pf_lj_typename(r));
  if ((st = want(t, addr, is_str, pkey(t, path, "address"), "a string")) ||
      (st = want(t, mode, is_str, pkey(t, path, "mode"), "a string")) ||
      (st = want(t, type, is_str, pkey(t, path, "type"), "a string")) ||
      (st = want(t, name, is_str, pkey(t, path, "name"), "a string")) ||
      (st = want(t, vals, is_obj, pkey(t, path, "values"), "an object")))
    return st;
  if (!addr)
    return tf_fail(t, pkey(t, path, "address"), "required member is missing");
  if (!type)
    return tf_fail(t, pkey(t, path, "type"), "required member is missing");
  if (mode && strcmp(mode->valuestring, "managed") &&
      strcmp(mode->valuestring, "data"))
    return tf_fail(t, pkey(t, path, "mode"),
                   "unknown mode '%.40s' (expected managed or data)",
                   mode->valuestring);
  if (only_data && !(mode && !strcmp(mode->valuestring, "data")))
    return PF_OK;
  /* addresses in a module start with the module's address */
  if (mod[0] && (strncmp(addr->valuestring, mod, strlen(mod)) ||
                 addr->valuestring[strlen(mod)] != '.'))
    return tf_fail(t, pkey(t, path, "address"),
                   "'%.200s' is not an address in module '%.200s'",
                   addr->valuestring, mod);
  /* a data source read while planning may also be in planned_values */
  if (find_inst(t, addr->valuestring, strlen(addr->valuestring)))
    return PF_OK;
  if (PF_GROW(t->in, t->cap_in, t->n_in + 1))
    return tf_oom(t);
  in = &t->in[t->n_in];
  memset(in, 0, sizeof(*in));
  in->addr = pf_arena_strdup(t->a, addr->valuestring);
  in->mod = pf_arena_strdup(t->a, mod);
  in->type = pf_arena_strdup(t->a, type->valuestring);
  in->tt = type_of(type->valuestring);
  in->data = mode && !strcmp(mode->valuestring, "data");
  in->vals = vals;
  in->rpath = path;
  in->vpath = pkey(t, path, "values");
  if (!in->addr || !in->mod || !in->type || !in->vpath)
    return tf_oom(t);
  /* the configuration's address drops the module path and the index */
  {
    const char *p = in->addr + strlen(mod) + (mod[0] ? 1 : 0);
    size_t n = strlen(p);
    if (n && p[n - 1] == ']') {
      const char *b = strrchr(p, '[');
      if (b)
        n = (size_t)(b - p);
    }
    caddr = tf_fmt(t, "%.*s", (int)n, p);
    if (!caddr)
      return tf_oom(t);
    in->expr = conf_resource(t, mod, caddr);
  }
  if (t->is_plan && !in->data) {
    const char *cpath = NULL;
    const cJSON *ch = change_of(t, in->addr, &cpath);
    if (ch) {
      const cJSON *au = member(ch, "after_unknown");
      if ((st = want(t, au, is_obj, pkey(t, pkey(t, cpath, "change"),
                                             "after_unknown"),
                     "an object")) != PF_OK)
        return st;
      in->unk = au;
    }
  }
  h_put(t, &t->by_addr, in->addr, t->n_in, NULL);
  t->n_in++;
  return t->oom ? tf_oom(t) : PF_OK;
}

static pf_status walk_module(struct tf *t, const cJSON *m, const char *path,
                             int only_data, unsigned depth)
{
  const cJSON *res, *kids, *e, *a;
  const char *mod = "";
  pf_status st;
  size_t i;

  if (!cJSON_IsObject(m))
    return tf_fail(t, path, "expected a module object, found %s",
                   pf_lj_typename(m));
  if (depth > 64)
    return tf_fail(t, path, "modules nested more than 64 deep");
  a = member(m, "address");
  if ((st = want(t, a, is_str, pkey(t, path, "address"), "a string")))
    return st;
  if (a)
    mod = a->valuestring;
  res = member(m, "resources");
  kids = member(m, "child_modules");
  if ((st = want(t, res, is_arr, pkey(t, path, "resources"), "an array")) ||
      (st = want(t, kids, is_arr, pkey(t, path, "child_modules"),
                 "an array")))
    return st;
  i = 0;
  cJSON_ArrayForEach(e, res) {
    const char *rp = pidx(t, pkey(t, path, "resources"), i++);
    if (!rp)
      return tf_oom(t);
    if ((st = add_resource(t, e, mod, rp, only_data)) != PF_OK)
      return st;
  }
  i = 0;
  cJSON_ArrayForEach(e, kids) {
    const char *kp = pidx(t, pkey(t, path, "child_modules"), i++);
    if (!kp)
      return tf_oom(t);
    if ((st = walk_module(t, e, kp, only_data, depth + 1)) != PF_OK)
      return st;
  }
  return PF_OK;
}

/* The subscription of synthesised ids: the provider's, a client config
 * read while planning, any known id, check --subscription, else a
 * placeholder (said so). */
static pf_status pick_subscription(struct tf *t, const char *given)
{
  const cJSON *pc = member(member(t->root, "configuration"),
                           "provider_config");
  const cJSON *s = member(member(member(member(pc, "azurerm"), "expressions"),
                                 "subscription_id"),
                          "constant_value");
  size_t i;
  if (cJSON_IsString(s) && s->valuestring[0] && !strchr(s->valuestring, '/')) {
    t->sub = s->valuestring;
    return PF_OK;
  }
  for (i = 0; i < t->n_in; i++) {
    const cJSON *v = member(t->in[i].vals, "subscription_id");
    if ((!strcmp(t->in[i].type, "azurerm_client_config") ||
         !strcmp(t->in[i].type, "azurerm_subscription")) &&
        cJSON_IsString(v) && v->valuestring[0] && !strchr(v->valuestring, '/')) {
      t->sub = v->valuestring;
      return PF_OK;
    }
  }
  for (i = 0; i < t->n_in; i++) {
    const cJSON *v = member(t->in[i].vals, "id");
    const char *sub, *rg, *ty, *nm;
    if (cJSON_IsString(v) &&
        pf_id_parse(t->a, v->valuestring, &sub, &rg, &ty, &nm) == PF_OK &&
        sub) {
      t->sub = sub;
      return PF_OK;
    }
  }
  /* check --subscription: the scope the user names */
  if (given && *given && !strchr(given, '/')) {
    t->sub = given;
    return PF_OK;
  }
  t->sub = TF_SUB_PLACEHOLDER;
  return PF_OK;
}

/* ---- linking children to parents --------------------------------------- */

static pf_status attach(struct tf *t, struct tf_inst *parent,
                        struct tf_inst *kid)
{
  if (PF_GROW(parent->kids, parent->cap_kids, parent->n_kids + 1))
    return tf_oom(t);
  parent->kids[parent->n_kids++] = kid;
  kid->linked = 1;
  return PF_OK;
}

static struct tf_inst *find_by_id(struct tf *t, const char *id,
                                  enum tf_build b)
{
  const struct tf_hent *e;
  if (!id)
    return NULL;
  e = h_get(&t->by_id, id, strlen(id));
  return e && t->in[e->idx].tt && t->in[e->idx].tt->build == b
             ? &t->in[e->idx]
             : NULL;
}

/* The ids of the kinds that others attach to (after every instance is
 * known: ids follow references between them). */
static pf_status index_ids(struct tf *t)
{
  size_t i;
  for (i = 0; i < t->n_in; i++) {
    struct tf_inst *in = &t->in[i];
    const char *id;
    if (!in->tt)
      continue;
    switch (in->tt->build) {
    case B_VNET: case B_SUBNET: case B_NSG: case B_RT: case B_STORAGE:
    case B_NIC:
      if ((id = inst_id(t, in)) != NULL)
        h_put(t, &t->by_id, id, i, NULL);
      break;
    default:
      break;
    }
  }
  return t->oom ? tf_oom(t) : PF_OK;
}

static pf_status warnf(struct tf *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static pf_status warnf(struct tf *t, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (pf_config_warn(t->lj->cfg, "%s", buf) != PF_OK)
    return tf_oom(t);
  return PF_OK;
}

/* The parent of a child resource is named by an attribute: an id
 * (associations) or a name beside the resource group (rules, routes). */
static pf_status link_one(struct tf *t, struct tf_inst *in, const char *attr,
                          enum tf_build pb, int by_name)
{
  struct tf_view v;
  struct tf_val r;
  const char *pid = NULL;
  struct tf_inst *p;
  root_view(in, &v);
  if (by_name) {
    /* the id a rule/route/peering would have, less its own segment */
    const char *id = inst_id(t, in);
    pid = id ? pf_id_parent(t->a, id) : NULL;
    r.k = V_KNOWN;
    r.path = pkey(t, in->vpath, attr);
  } else {
    pid = resolve_str(t, &v, attr, &r);
  }
  p = find_by_id(t, pid, pb);
  if (p)
    return attach(t, p, in);
  if (r.k == V_UNKNOWN && (pb == B_SUBNET || (pb == B_NIC &&
                                                in->tt->build == B_NIC_NSG)))
    return warnf(t, "%s: %s: %s: %s is known only after apply and names "
                 "no resource of this plan; every %s without an "
                 "association of its own may be the one",
                 t->lj->file, r.path, in->addr, attr,
                 pb == B_SUBNET ? "subnet" : "network interface");
  if (r.k == V_UNKNOWN)
    return warnf(t, "%s: %s: %s: %s is known only after apply and names "
                 "no resource of this plan; %s is not applied",
                 t->lj->file, r.path, in->addr, attr, in->type);
  return warnf(t, "%s: %s: %s: %s '%s' is not in this %s; %s is not "
               "applied", t->lj->file, r.path ? r.path : in->vpath, in->addr,
               attr, pid ? pid : "?", t->is_plan ? "plan" : "state",
               in->type);
}

static pf_status link_all(struct tf *t)
{
  size_t i;
  pf_status st = PF_OK;
  for (i = 0; i < t->n_in && st == PF_OK; i++) {
    struct tf_inst *in = &t->in[i];
    if (!in->tt)
      continue;
    switch (in->tt->build) {
    case B_NSG_RULE: st = link_one(t, in, "network_security_group_name",
                                   B_NSG, 1); break;
    case B_ROUTE: st = link_one(t, in, "route_table_name", B_RT, 1); break;
    case B_PEERING: st = link_one(t, in, "virtual_network_name", B_VNET, 1);
      break;
    case B_STORAGE_RULES:
      st = link_one(t, in, "storage_account_id", B_STORAGE, 0);
      break;
    case B_NIC_NSG:
    case B_NIC_ASG:
      st = link_one(t, in, "network_interface_id", B_NIC, 0);
      if (st == PF_OK && !in->linked && in->tt->build == B_NIC_NSG &&
          !t->float_nic) {
        struct tf_view v;
        root_view(in, &v);
        if (resolve(t, &v, "network_interface_id").k == V_UNKNOWN)
          t->float_nic = in;
      }
      break;
    case B_SUBNET_NSG:
    case B_SUBNET_RT: {
      /* both ends learn of the association: the subnet its NSG/route
       * table, the NSG/route table its subnet (a back reference kept when
       * the subnet itself is not in the plan) */
      struct tf_view v;
      struct tf_val r;
      const char *other = in->tt->build == B_SUBNET_NSG
                              ? "network_security_group_id"
                              : "route_table_id";
      struct tf_inst *p;
      root_view(in, &v);
      st = link_one(t, in, "subnet_id", B_SUBNET, 0);
      /* which subnet is unknown: any subnet of the plan without an
       * association of its own may be it (build_subnet) */
      if (st == PF_OK && !in->linked &&
          resolve(t, &v, "subnet_id").k == V_UNKNOWN) {
        struct tf_inst **fl = in->tt->build == B_SUBNET_NSG ? &t->float_nsg
                                                            : &t->float_rt;
        if (!*fl)
          *fl = in;
      }
      if (st == PF_OK) {
        p = find_by_id(t, resolve_str(t, &v, other, &r),
                       in->tt->build == B_SUBNET_NSG ? B_NSG : B_RT);
        if (p)
          st = attach(t, p, in);
      }
      break;
    }
    default:
      break;
    }
  }
  return st;
}

/* ---- values to ARM ------------------------------------------------------- */

enum tf_conv { C_STR, C_BOOL, C_NUM, C_STRS, C_ENABLED, C_REF, C_REFS,
               C_NOT };

/* Write \p attr of \p v as \p key of \p o. */
static pf_status conv(struct tf *t, const struct tf_view *v, const char *attr,
                      struct tf_obj *o, const char *key, enum tf_conv c)
{
  struct tf_val r = resolve(t, v, attr);
  const cJSON *j = r.j, *e;
  size_t i = 0;

  if (r.k == V_ABSENT)
    return PF_OK;
  if (r.k == V_UNKNOWN) {
    put_unknown(t, o, key, r.text, r.path);
    return PF_OK;
  }
  switch (c) {
  case C_STR:
    if (!cJSON_IsString(j))
      return tf_fail(t, r.path, "expected a string, found %s",
                     pf_lj_typename(j));
    if (j->valuestring[0])    /* "" is how the provider writes unset */
      put_str(t, o, key, j->valuestring, r.path);
    break;
  case C_BOOL:
  case C_NOT:
  case C_ENABLED:
    if (!cJSON_IsBool(j))
      return tf_fail(t, r.path, "expected a boolean, found %s",
                     pf_lj_typename(j));
    if (c == C_ENABLED)
      put_str(t, o, key, cJSON_IsTrue(j) ? "Enabled" : "Disabled", r.path);
    else
      put(t, o, key, cJSON_CreateBool(cJSON_IsTrue(j) != (c == C_NOT)),
          r.path);
    break;
  case C_NUM:
    if (!cJSON_IsNumber(j))
      return tf_fail(t, r.path, "expected a number, found %s",
                     pf_lj_typename(j));
    put(t, o, key, cJSON_CreateNumber(j->valuedouble), r.path);
    break;
  case C_REF:
    if (!cJSON_IsString(j))
      return tf_fail(t, r.path, "expected an id string, found %s",
                     pf_lj_typename(j));
    if (j->valuestring[0]) {
      struct tf_obj ref = put_obj(t, o, key, r.path);
      put_str(t, &ref, "id", j->valuestring, r.path);
    }
    break;
  case C_STRS:
  case C_REFS: {
    struct tf_obj arr;
    if (!cJSON_IsArray(j))
      return tf_fail(t, r.path, "expected an array, found %s",
                     pf_lj_typename(j));
    if (!cJSON_GetArraySize(j))
      break;
    cJSON_ArrayForEach(e, j) {
      if (!cJSON_IsString(e))
        return tf_fail(t, pidx(t, r.path, i), "expected a string, found %s",
                       pf_lj_typename(e));
      i++;
    }
    arr = put_arr(t, o, key, r.path);
    i = 0;
    cJSON_ArrayForEach(e, j) {
      const char *ep = pidx(t, r.path, i++);
      if (c == C_STRS) {
        put(t, &arr, NULL, cJSON_CreateString(e->valuestring), ep);
      } else {
        struct tf_obj ref = put_obj(t, &arr, NULL, ep);
        put_str(t, &ref, "id", e->valuestring, ep);
      }
    }
    break;
  }
  }
  return t->oom ? tf_oom(t) : PF_OK;
}

/* Number of blocks \p attr holds; -1 when the whole block list is known
 * only after apply (*r says so). */
static int n_blocks(struct tf *t, const struct tf_view *v, const char *attr,
                    struct tf_val *r, pf_status *st)
{
  *r = resolve(t, v, attr);
  *st = PF_OK;
  if (r->k == V_UNKNOWN)
    return -1;
  if (r->k == V_ABSENT)
    return 0;
  if (!cJSON_IsArray(r->j)) {
    *st = tf_fail(t, r->path, "expected a list of blocks, found %s",
                  pf_lj_typename(r->j));
    return 0;
  }
  return cJSON_GetArraySize(r->j);
}

static pf_status block(struct tf *t, const struct tf_view *v, const char *attr,
                       int i, struct tf_view *out)
{
  const cJSON *arr = member(v->val, attr), *ua = member(v->unk, attr),
              *ea = member(v->expr, attr);
  const char *bp = pidx(t, pkey(t, v->path, attr), (size_t)i);
  out->val = cJSON_GetArrayItem(arr, i);
  out->unk = cJSON_IsArray(ua) ? cJSON_GetArrayItem(ua, i) : NULL;
  /* configuration blocks are in configuration order; sets may be planned
   * in another, so only equal counts are paired */
  out->expr = cJSON_IsArray(ea) &&
                      cJSON_GetArraySize(ea) == cJSON_GetArraySize(arr)
                  ? cJSON_GetArrayItem(ea, i)
                  : NULL;
  out->path = bp;
  out->addr = tf_fmt(t, "%s.%s[%d]", v->addr, attr, i);
  out->inst = v->inst;
  if (!bp || !out->addr)
    return tf_oom(t);
  if (!cJSON_IsObject(out->val))
    return tf_fail(t, bp, "expected a block object, found %s",
                   pf_lj_typename(out->val));
  if (out->unk && !cJSON_IsObject(out->unk))
    out->unk = NULL;
  if (out->expr && !cJSON_IsObject(out->expr))
    out->expr = NULL;
  return PF_OK;
}

/* The common header: id, name, location, type. */
static struct tf_obj arm_header(struct tf *t, struct tf_inst *in,
                                const char *arm_type, struct tf_obj *props)
{
  struct tf_obj o;
  struct tf_view v;
  struct tf_val r;
  const char *name;
  o.j = cJSON_CreateObject();
  o.sp = tf_fmt(t, "$[%zu]", t->n_arm);
  if (!o.j || !o.sp) {
    cJSON_Delete(o.j);
    o.j = NULL;
    t->oom = 1;
    props->j = NULL;
    return o;
  }
  map_put(t, o.sp, in->rpath);
  root_view(in, &v);
  put_str(t, &o, "id", inst_id(t, in), pkey(t, in->vpath, "id"));
  name = resolve_str(t, &v, "name", &r);
  /* a name known only after apply: the id names it by address */
  put_str(t, &o, "name", name, r.path);
  put_str(t, &o, "type", arm_type, in->rpath);
  if (conv(t, &v, "location", &o, "location", C_STR) != PF_OK)
    t->oom |= !pf_err_isset(t->lj->err);
  *props = put_obj(t, &o, "properties", in->vpath);
  return o;
}

/* The name of a nested object (rule, route, peering, delegation,
 * connection, IP configuration): names identify, they decide nothing, so
 * one known only after apply is the placeholder of its origin rather than
 * a pending value that would make the whole parent unknown. */
static pf_status put_name(struct tf *t, const struct tf_view *v,
                          struct tf_obj *o)
{
  struct tf_val r = resolve(t, v, "name");
  if (r.k == V_UNKNOWN) {
    put_str(t, o, "name", origin_placeholder(t, &r), r.path);
    return t->oom ? tf_oom(t) : PF_OK;
  }
  return conv(t, v, "name", o, "name", C_STR);
}

/* NSG rule from an inline security_rule block or an
 * azurerm_network_security_rule resource (same attribute names). */
static pf_status arm_rule(struct tf *t, const struct tf_view *v,
                          struct tf_obj *rules, const char *rule_path)
{
  struct tf_obj r = put_obj(t, rules, NULL, rule_path), p;
  pf_status st;
  if ((st = put_name(t, v, &r)) != PF_OK)
    return st;
  p = put_obj(t, &r, "properties", v->path);
  if ((st = conv(t, v, "description", &p, "description", C_STR)) ||
      (st = conv(t, v, "priority", &p, "priority", C_NUM)) ||
      (st = conv(t, v, "direction", &p, "direction", C_STR)) ||
      (st = conv(t, v, "access", &p, "access", C_STR)) ||
      (st = conv(t, v, "protocol", &p, "protocol", C_STR)) ||
      (st = conv(t, v, "source_port_range", &p, "sourcePortRange", C_STR)) ||
      (st = conv(t, v, "source_port_ranges", &p, "sourcePortRanges",
                 C_STRS)) ||
      (st = conv(t, v, "destination_port_range", &p, "destinationPortRange",
                 C_STR)) ||
      (st = conv(t, v, "destination_port_ranges", &p,
                 "destinationPortRanges", C_STRS)) ||
      (st = conv(t, v, "source_address_prefix", &p, "sourceAddressPrefix",
                 C_STR)) ||
      (st = conv(t, v, "source_address_prefixes", &p,
                 "sourceAddressPrefixes", C_STRS)) ||
      (st = conv(t, v, "destination_address_prefix", &p,
                 "destinationAddressPrefix", C_STR)) ||
      (st = conv(t, v, "destination_address_prefixes", &p,
                 "destinationAddressPrefixes", C_STRS)) ||
      (st = conv(t, v, "source_application_security_group_ids", &p,
                 "sourceApplicationSecurityGroups", C_REFS)) ||
      (st = conv(t, v, "destination_application_security_group_ids", &p,
                 "destinationApplicationSecurityGroups", C_REFS)))
    return st;
  return PF_OK;
}

static pf_status arm_route(struct tf *t, const struct tf_view *v,
                           struct tf_obj *routes, const char *route_path)
{
  struct tf_obj r = put_obj(t, routes, NULL, route_path), p;
  pf_status st;
  if ((st = put_name(t, v, &r)) != PF_OK)
    return st;
  p = put_obj(t, &r, "properties", v->path);
  if ((st = conv(t, v, "address_prefix", &p, "addressPrefix", C_STR)) ||
      (st = conv(t, v, "next_hop_type", &p, "nextHopType", C_STR)) ||
      (st = conv(t, v, "next_hop_in_ip_address", &p, "nextHopIpAddress",
                 C_STR)))
    return st;
  return PF_OK;
}

/*
 * An NSG whose rules are known only after apply decides nothing that can
 * be known: a pending Deny and a pending Allow ahead of every other rule,
 * in each direction, make every flow through it unknown (a pending rule
 * may or may not match, docs/semantics.md "Pending values"), where an NSG
 * left with only its default rules would give definite answers.
 */
static void opaque_rules(struct tf *t, struct tf_obj *rules, const char *text,
                         const char *pp)
{
  static const char *const dirs[] = {"Inbound", "Outbound"};
  static const char *const acc[] = {"Deny", "Allow"};
  int d, a;
  for (d = 0; d < 2; d++)
    for (a = 0; a < 2; a++) {
      struct tf_obj r = put_obj(t, rules, NULL, pp), p;
      put_str(t, &r, "name",
              tf_fmt(t, "unknown-%s-%s", dirs[d], acc[a]), pp);
      p = put_obj(t, &r, "properties", pp);
      put(t, &p, "priority", cJSON_CreateNumber(100 + a), pp);
      put_str(t, &p, "direction", dirs[d], pp);
      put_str(t, &p, "access", acc[a], pp);
      put_str(t, &p, "protocol", "*", pp);
      put_unknown(t, &p, "sourceAddressPrefix", text, pp);
      put_str(t, &p, "destinationAddressPrefix", "*", pp);
      put_str(t, &p, "sourcePortRange", "*", pp);
      put_str(t, &p, "destinationPortRange", "*", pp);
    }
}

/* The id of an NSG that an association names by a value known only after
 * apply: a placeholder naming that value, in the group of \p near (the
 * subnet or NIC), standing for an NSG whose rules are unknown. */
static const char *placeholder_nsg(struct tf *t, const char *near,
                                   const struct tf_val *r)
{
  const char *sub, *rg, *ty, *nm, *name, *id;
  cJSON *o;
  struct tf_obj obj, props, ra;
  size_t i;
  if (!near || pf_id_parse(t->a, near, &sub, &rg, &ty, &nm) != PF_OK || !rg)
    return NULL;
  name = origin_placeholder(t, r);
  id = tf_fmt(t, "/subscriptions/%s/resourceGroups/%s/providers/"
              "Microsoft.Network/networkSecurityGroups/%s", sub, rg, name);
  if (!id)
    return NULL;
  for (i = 0; i < t->n_extra; i++) {
    const cJSON *x = cJSON_GetArrayItem(t->extra, (int)i);
    const cJSON *xid = member(x, "id");
    if (cJSON_IsString(xid) && !strcmp(xid->valuestring, id))
      return id;
  }
  if (PF_GROW(t->extra_from, t->cap_extra, t->n_extra + 1)) {
    t->oom = 1;
    return NULL;
  }
  o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(t->extra, o)) {
    cJSON_Delete(o);
    t->oom = 1;
    return NULL;
  }
  obj.j = o;
  obj.sp = tf_fmt(t, "$.tfextra%zu", t->n_extra);
  t->extra_from[t->n_extra++] = r->path;
  map_put(t, obj.sp, r->path);
  put_str(t, &obj, "id", id, r->path);
  put_str(t, &obj, "name", name, r->path);
  put_str(t, &obj, "type", "Microsoft.Network/networkSecurityGroups", r->path);
  props = put_obj(t, &obj, "properties", r->path);
  ra = put_arr(t, &props, "securityRules", r->path);
  opaque_rules(t, &ra, r->text, r->path);
  return id;
}

/* An association's NSG id: known, a reference, or a placeholder NSG. */
static pf_status nsg_link(struct tf *t, const struct tf_view *av,
                          const char *near, struct tf_obj *p)
{
  struct tf_val r = resolve(t, av, "network_security_group_id");
  const char *id;
  if (r.k != V_UNKNOWN)
    return conv(t, av, "network_security_group_id", p,
                "networkSecurityGroup", C_REF);
  id = placeholder_nsg(t, near, &r);
  if (!id) {
    put_unknown(t, p, "networkSecurityGroup", r.text, r.path);
  } else {
    struct tf_obj ref = put_obj(t, p, "networkSecurityGroup", r.path);
    put_str(t, &ref, "id", id, r.path);
    if (warnf(t, "%s: %s: %s: the NSG is known only after apply; flows "
              "through it are unknown (%s)", t->lj->file, r.path,
              av->inst->addr, id) != PF_OK)
      return tf_oom(t);
  }
  return t->oom ? tf_oom(t) : PF_OK;
}

static pf_status build_vnet(struct tf *t, struct tf_inst *in,
                            struct tf_obj *p)
{
  struct tf_view v;
  struct tf_obj as, dhcp, peers;
  pf_status st;
  size_t k;
  root_view(in, &v);
  as = put_obj(t, p, "addressSpace", in->vpath);
  if ((st = conv(t, &v, "address_space", &as, "addressPrefixes", C_STRS)))
    return st;
  if (member(v.val, "dns_servers") || cJSON_IsTrue(member(v.unk,
                                                          "dns_servers"))) {
    dhcp = put_obj(t, p, "dhcpOptions", in->vpath);
    if ((st = conv(t, &v, "dns_servers", &dhcp, "dnsServers", C_STRS)))
      return st;
  }
  /* inline subnet blocks */
  {
    struct tf_val bv;
    int n, i;
    n = n_blocks(t, &v, "subnet", &bv, &st);
    if (st != PF_OK)
      return st;
    if (n < 0) {
      put_unknown(t, p, "subnets", bv.text, bv.path);
    } else if (n > 0) {
      struct tf_obj subs = put_arr(t, p, "subnets", bv.path);
      for (i = 0; i < n; i++) {
        struct tf_view sv;
        struct tf_obj s, sp;
        const char *sid, *sname;
        if ((st = block(t, &v, "subnet", i, &sv)) != PF_OK)
          return st;
        /* a state lists every subnet here (the attribute is computed);
         * one that is an azurerm_subnet of its own is built from that */
        sid = resolve_str(t, &sv, "id", NULL);
        sname = resolve_str(t, &sv, "name", NULL);
        if (!sid && sname && inst_id(t, in))
          sid = tf_fmt(t, "%s/subnets/%s", inst_id(t, in), sname);
        if (find_by_id(t, sid, B_SUBNET))
          continue;
        s = put_obj(t, &subs, NULL, sv.path);
        if ((st = put_name(t, &sv, &s)) != PF_OK)
          return st;
        sp = put_obj(t, &s, "properties", sv.path);
        if ((st = conv(t, &sv, "address_prefix", &sp, "addressPrefix",
                       C_STR)) ||
            (st = conv(t, &sv, "address_prefixes", &sp, "addressPrefixes",
                       C_STRS)) ||
            (st = conv(t, &sv, "security_group", &sp, "networkSecurityGroup",
                       C_REF)))
          return st;
      }
    }
  }
  peers.j = NULL;
  for (k = 0; k < in->n_kids; k++) {
    struct tf_inst *pe = in->kids[k];
    struct tf_view pv;
    struct tf_obj e, pp, ras;
    const char *rid;
    struct tf_val rr;
    struct tf_inst *remote;
    if (pe->tt->build != B_PEERING)
      continue;
    if (!peers.j)
      peers = put_arr(t, p, "virtualNetworkPeerings", in->vpath);
    root_view(pe, &pv);
    e = put_obj(t, &peers, NULL, pe->rpath);
    if ((st = put_name(t, &pv, &e)) != PF_OK)
      return st;
    pp = put_obj(t, &e, "properties", pe->vpath);
    if ((st = conv(t, &pv, "remote_virtual_network_id", &pp,
                   "remoteVirtualNetwork", C_REF)) ||
        (st = conv(t, &pv, "allow_virtual_network_access", &pp,
                   "allowVirtualNetworkAccess", C_BOOL)) ||
        (st = conv(t, &pv, "allow_forwarded_traffic", &pp,
                   "allowForwardedTraffic", C_BOOL)) ||
        (st = conv(t, &pv, "use_remote_gateways", &pp, "useRemoteGateways",
                   C_BOOL)))
      return st;
    /* the remote address space ARM reports is the remote vnet's, when the
     * plan holds it */
    rid = resolve_str(t, &pv, "remote_virtual_network_id", &rr);
    remote = find_by_id(t, rid, B_VNET);
    if (remote) {
      struct tf_view rv;
      root_view(remote, &rv);
      ras = put_obj(t, &pp, "remoteAddressSpace", remote->vpath);
      if ((st = conv(t, &rv, "address_space", &ras, "addressPrefixes",
                     C_STRS)))
        return st;
    }
  }
  return PF_OK;
}

/* The networkSecurityGroup placeholder of `in` when the association `a` of
 * an unknown subnet or NIC (its `attr`) may be in's: 1 when one was put. */
static int float_nsg_ref(struct tf *t, struct tf_inst *in, struct tf_inst *a,
                         const char *attr, struct tf_obj *p)
{
  struct tf_view av;
  struct tf_val r;
  const char *pid;
  root_view(a, &av);
  r = resolve(t, &av, attr);
  pid = placeholder_nsg(t, inst_id(t, in), &r);
  if (pid) {
    struct tf_obj ref = put_obj(t, p, "networkSecurityGroup", r.path);
    put_str(t, &ref, "id", pid, r.path);
    return 1;
  }
  return 0;
}

static pf_status build_subnet(struct tf *t, struct tf_inst *in,
                              struct tf_obj *p)
{
  struct tf_view v;
  pf_status st;
  size_t k;
  int have_nsg = 0, have_rt = 0;
  root_view(in, &v);
  /* azurerm 2.x and the data source also give the first prefix alone */
  if ((st = conv(t, &v, "address_prefixes", p, "addressPrefixes", C_STRS)))
    return st;
  if (!cJSON_GetArraySize(member(v.val, "address_prefixes")) &&
      (st = conv(t, &v, "address_prefix", p, "addressPrefix", C_STR)))
    return st;
  /* associations (resources of their own in Terraform) */
  for (k = 0; k < in->n_kids; k++) {
    struct tf_inst *a = in->kids[k];
    struct tf_view av;
    root_view(a, &av);
    if (a->tt->build == B_SUBNET_NSG && !have_nsg) {
      have_nsg = 1;
      st = nsg_link(t, &av, inst_id(t, in), p);
    } else if (a->tt->build == B_SUBNET_RT && !have_rt) {
      have_rt = 1;
      st = conv(t, &av, "route_table_id", p, "routeTable", C_REF);
    }
    if (st != PF_OK)
      return st;
  }
  /* an association of an unknown subnet may be this subnet's: its NSG
   * is then unknown (an opaque placeholder), its route table pending */
  if (!have_nsg && t->float_nsg &&
      float_nsg_ref(t, in, t->float_nsg, "subnet_id", p))
    have_nsg = 1;
  if (!have_rt && t->float_rt) {
    struct tf_view av;
    struct tf_val r;
    root_view(t->float_rt, &av);
    r = resolve(t, &av, "subnet_id");
    put_unknown(t, p, "routeTable", r.text, r.path);
    have_rt = 1;
  }
  /* data sources (existing subnets) carry their links themselves */
  if (!have_nsg &&
      (st = conv(t, &v, "network_security_group_id", p,
                 "networkSecurityGroup", C_REF)))
    return st;
  if (!have_rt &&
      (st = conv(t, &v, "route_table_id", p, "routeTable", C_REF)))
    return st;
  {
    struct tf_val r = resolve(t, &v, "service_endpoints");
    if (r.k == V_UNKNOWN) {
      put_unknown(t, p, "serviceEndpoints", r.text, r.path);
    } else if (r.k == V_KNOWN && cJSON_IsArray(r.j) &&
               cJSON_GetArraySize(r.j)) {
      struct tf_obj arr = put_arr(t, p, "serviceEndpoints", r.path);
      const cJSON *e;
      size_t i = 0;
      cJSON_ArrayForEach(e, r.j) {
        const char *ep = pidx(t, r.path, i++);
        struct tf_obj se;
        if (!cJSON_IsString(e))
          return tf_fail(t, ep, "expected a string, found %s",
                         pf_lj_typename(e));
        se = put_obj(t, &arr, NULL, ep);
        put_str(t, &se, "service", e->valuestring, ep);
      }
    } else if (r.k == V_KNOWN && !cJSON_IsArray(r.j)) {
      return tf_fail(t, r.path, "expected an array, found %s",
                     pf_lj_typename(r.j));
    }
  }
  {
    struct tf_val bv;
    int n, i;
    n = n_blocks(t, &v, "delegation", &bv, &st);
    if (st != PF_OK)
      return st;
    if (n < 0) {
      put_unknown(t, p, "delegations", bv.text, bv.path);
    } else if (n > 0) {
      struct tf_obj arr = put_arr(t, p, "delegations", bv.path);
      for (i = 0; i < n; i++) {
        struct tf_view dv, sv;
        struct tf_obj d, dp;
        if ((st = block(t, &v, "delegation", i, &dv)) != PF_OK)
          return st;
        d = put_obj(t, &arr, NULL, dv.path);
        if ((st = put_name(t, &dv, &d)) != PF_OK)
          return st;
        dp = put_obj(t, &d, "properties", dv.path);
        if (cJSON_GetArraySize(member(dv.val, "service_delegation")) > 0) {
          if ((st = block(t, &dv, "service_delegation", 0, &sv)) ||
              (st = conv(t, &sv, "name", &dp, "serviceName", C_STR)))
            return st;
        }
      }
    }
  }
  /* private endpoint network policies: v4 string, v3 boolean, and the
   * older enforce_... whose true means the policies are disabled */
  {
    struct tf_val r4 = resolve(t, &v, "private_endpoint_network_policies");
    struct tf_val r3 =
        resolve(t, &v, "private_endpoint_network_policies_enabled");
    struct tf_val r2 =
        resolve(t, &v, "enforce_private_link_endpoint_network_policies");
    const char *key = "privateEndpointNetworkPolicies";
    if (r4.k == V_KNOWN && cJSON_IsString(r4.j)) {
      put_str(t, p, key, r4.j->valuestring, r4.path);
    } else if (r3.k == V_KNOWN && cJSON_IsBool(r3.j)) {
      put_str(t, p, key, cJSON_IsTrue(r3.j) ? "Enabled" : "Disabled",
              r3.path);
    } else if (r2.k == V_KNOWN && cJSON_IsBool(r2.j)) {
      put_str(t, p, key, cJSON_IsTrue(r2.j) ? "Disabled" : "Enabled",
              r2.path);
    } else if (r4.k == V_UNKNOWN || r3.k == V_UNKNOWN || r2.k == V_UNKNOWN) {
      const struct tf_val *u = r4.k == V_UNKNOWN   ? &r4
                               : r3.k == V_UNKNOWN ? &r3
                                                   : &r2;
      put_unknown(t, p, key, u->text, u->path);
    }
  }
  if ((st = conv(t, &v, "default_outbound_access_enabled", p,
                 "defaultOutboundAccess", C_BOOL)))
    return st;
  return PF_OK;
}

/* Members of an NSG or route table: the n inline blocks `key` first, then
 * the child resources of type `kid` (azurerm_network_security_rule,
 * azurerm_route), each translated by the same `arm` into arr. */
static pf_status put_members(struct tf *t, struct tf_inst *in,
                             const struct tf_view *v, const char *key, int n,
                             enum tf_build kid,
                             pf_status (*arm)(struct tf *,
                                              const struct tf_view *,
                                              struct tf_obj *, const char *),
                             struct tf_obj *arr)
{
  pf_status st;
  size_t k;
  int i;
  for (i = 0; i < n; i++) {
    struct tf_view rv;
    if ((st = block(t, v, key, i, &rv)) || (st = arm(t, &rv, arr, rv.path)))
      return st;
  }
  for (k = 0; k < in->n_kids; k++) {
    struct tf_view rv;
    if (in->kids[k]->tt->build != kid)
      continue;
    root_view(in->kids[k], &rv);
    if ((st = arm(t, &rv, arr, in->kids[k]->vpath)))
      return st;
  }
  return PF_OK;
}

static pf_status build_nsg(struct tf *t, struct tf_inst *in, struct tf_obj *p)
{
  struct tf_view v;
  struct tf_val bv;
  struct tf_obj rules, subs;
  pf_status st;
  int n;
  size_t k;
  root_view(in, &v);
  n = n_blocks(t, &v, "security_rule", &bv, &st);
  if (st != PF_OK)
    return st;
  if (n < 0) {
    /* rules known only after apply: the NSG's behaviour is unknown (the
     * rules of azurerm_network_security_rule resources are part of that
     * unknown set and add nothing certain) */
    rules = put_arr(t, p, "securityRules", bv.path);
    opaque_rules(t, &rules, bv.text, bv.path);
  } else {
    rules = put_arr(t, p, "securityRules",
                    bv.path ? bv.path : pkey(t, in->vpath, "security_rule"));
    if ((st = put_members(t, in, &v, "security_rule", n, B_NSG_RULE,
                          arm_rule, &rules)))
      return st;
  }
  subs.j = NULL;
  for (k = 0; k < in->n_kids; k++) {
    struct tf_view av;
    struct tf_inst *a = in->kids[k];
    if (a->tt->build != B_SUBNET_NSG)
      continue;
    root_view(a, &av);
    if (!subs.j)
      subs = put_arr(t, p, "subnets", in->vpath);
    {
      struct tf_val r = resolve(t, &av, "subnet_id");
      if (r.k == V_KNOWN && cJSON_IsString(r.j)) {
        struct tf_obj ref = put_obj(t, &subs, NULL, r.path);
        put_str(t, &ref, "id", r.j->valuestring, r.path);
      }
    }
  }
  return PF_OK;
}

static pf_status build_rt(struct tf *t, struct tf_inst *in, struct tf_obj *p)
{
  struct tf_view v;
  struct tf_val bv;
  struct tf_obj routes, subs;
  pf_status st;
  int n;
  size_t k;
  root_view(in, &v);
  if ((st = conv(t, &v, "disable_bgp_route_propagation", p,
                 "disableBgpRoutePropagation", C_BOOL)) ||
      (st = conv(t, &v, "bgp_route_propagation_enabled", p,
                 "disableBgpRoutePropagation", C_NOT)))
    return st;
  n = n_blocks(t, &v, "route", &bv, &st);
  if (st != PF_OK)
    return st;
  if (n < 0) {
    put_unknown(t, p, "routes", bv.text, bv.path);
  } else {
    routes = put_arr(t, p, "routes",
                     bv.path ? bv.path : pkey(t, in->vpath, "route"));
    if ((st = put_members(t, in, &v, "route", n, B_ROUTE, arm_route,
                          &routes)))
      return st;
  }
  subs.j = NULL;
  for (k = 0; k < in->n_kids; k++) {
    struct tf_view av;
    struct tf_val r;
    if (in->kids[k]->tt->build != B_SUBNET_RT)
      continue;
    root_view(in->kids[k], &av);
    r = resolve(t, &av, "subnet_id");
    if (r.k == V_KNOWN && cJSON_IsString(r.j)) {
      struct tf_obj ref;
      if (!subs.j)
        subs = put_arr(t, p, "subnets", in->vpath);
      ref = put_obj(t, &subs, NULL, r.path);
      put_str(t, &ref, "id", r.j->valuestring, r.path);
    }
  }
  return PF_OK;
}

/* one list of strings under `key` as ARM's [{<field>: s, action: Allow}]
 * in acl[out] (unknown stays unknown) */
static pf_status acl_list(struct tf *t, const struct tf_view *v,
                          const char *key, struct tf_obj *acl,
                          const char *out, const char *field)
{
  struct tf_val r = resolve(t, v, key);
  const cJSON *e;
  size_t i = 0;
  if (r.k == V_UNKNOWN) {
    put_unknown(t, acl, out, r.text, r.path);
  } else if (r.k == V_KNOWN) {
    struct tf_obj arr;
    if (!cJSON_IsArray(r.j))
      return tf_fail(t, r.path, "expected an array, found %s",
                     pf_lj_typename(r.j));
    arr = put_arr(t, acl, out, r.path);
    cJSON_ArrayForEach(e, r.j) {
      const char *ep = pidx(t, r.path, i++);
      struct tf_obj o;
      if (!cJSON_IsString(e))
        return tf_fail(t, ep, "expected a string, found %s",
                       pf_lj_typename(e));
      o = put_obj(t, &arr, NULL, ep);
      put_str(t, &o, field, e->valuestring, ep);
      put_str(t, &o, "action", "Allow", ep);
    }
  }
  return PF_OK;
}

/* ip_rules / virtual_network_subnet_ids of storage and key vault rules */
static pf_status acl_lists(struct tf *t, const struct tf_view *v,
                           struct tf_obj *acl)
{
  pf_status st;
  if ((st = acl_list(t, v, "ip_rules", acl, "ipRules", "value")) ||
      (st = acl_list(t, v, "virtual_network_subnet_ids", acl,
                     "virtualNetworkRules", "id")))
    return st;
  return t->oom ? tf_oom(t) : PF_OK;
}

/* bypass: a set of strings (storage) or one string (key vault) */
static pf_status acl_bypass(struct tf *t, const struct tf_view *v,
                            struct tf_obj *acl)
{
  struct tf_val r = resolve(t, v, "bypass");
  const cJSON *e;
  char buf[256];
  size_t n = 0;
  if (r.k == V_UNKNOWN) {
    put_unknown(t, acl, "bypass", r.text, r.path);
    return PF_OK;
  }
  if (r.k == V_ABSENT)
    return PF_OK;
  if (cJSON_IsString(r.j)) {
    put_str(t, acl, "bypass", r.j->valuestring, r.path);
    return PF_OK;
  }
  if (!cJSON_IsArray(r.j))
    return tf_fail(t, r.path, "expected a string or a set of strings, "
                   "found %s", pf_lj_typename(r.j));
  buf[0] = '\0';
  cJSON_ArrayForEach(e, r.j) {
    size_t l;
    if (!cJSON_IsString(e))
      return tf_fail(t, r.path, "expected a set of strings, found %s in it",
                     pf_lj_typename(e));
    l = strlen(e->valuestring);
    if (n + l + 3 >= sizeof(buf))
      return tf_fail(t, r.path, "bypass list too long");
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? ", " : "",
                          e->valuestring);
  }
  put_str(t, acl, "bypass", n ? buf : "None", r.path);
  return PF_OK;
}

/* network_rules / network_acls: one block */
static pf_status acl_block(struct tf *t, const struct tf_view *v,
                           const char *attr, struct tf_obj *p,
                           const char *key)
{
  struct tf_val bv;
  pf_status st;
  int n = n_blocks(t, v, attr, &bv, &st);
  struct tf_view av;
  struct tf_obj acl;
  if (st != PF_OK || n == 0)
    return st;
  if (n < 0) {
    put_unknown(t, p, key, bv.text, bv.path);
    return PF_OK;
  }
  if ((st = block(t, v, attr, 0, &av)) != PF_OK)
    return st;
  acl = put_obj(t, p, key, av.path);
  if ((st = conv(t, &av, "default_action", &acl, "defaultAction", C_STR)) ||
      (st = acl_bypass(t, &av, &acl)) || (st = acl_lists(t, &av, &acl)))
    return st;
  return PF_OK;
}

static pf_status build_storage(struct tf *t, struct tf_inst *in,
                               struct tf_obj *o, struct tf_obj *p)
{
  struct tf_view v;
  pf_status st;
  const char *tier, *repl;
  struct tf_val rt, rr;
  size_t k;
  root_view(in, &v);
  if ((st = conv(t, &v, "account_kind", o, "kind", C_STR)))
    return st;
  tier = resolve_str(t, &v, "account_tier", &rt);
  repl = resolve_str(t, &v, "account_replication_type", &rr);
  if (tier && repl) {
    struct tf_obj sku = put_obj(t, o, "sku", rt.path);
    put_str(t, &sku, "name", tf_fmt(t, "%s_%s", tier, repl), rt.path);
  }
  if ((st = conv(t, &v, "is_hns_enabled", p, "isHnsEnabled", C_BOOL)) ||
      (st = conv(t, &v, "https_traffic_only_enabled", p,
                 "supportsHttpsTrafficOnly", C_BOOL)) ||
      (st = conv(t, &v, "enable_https_traffic_only", p,
                 "supportsHttpsTrafficOnly", C_BOOL)) ||
      (st = conv(t, &v, "shared_access_key_enabled", p,
                 "allowSharedKeyAccess", C_BOOL)) ||
      (st = conv(t, &v, "public_network_access_enabled", p,
                 "publicNetworkAccess", C_ENABLED)))
    return st;
  /* azurerm_storage_account_network_rules replaces the inline block */
  for (k = 0; k < in->n_kids; k++) {
    if (in->kids[k]->tt->build == B_STORAGE_RULES) {
      struct tf_view rv;
      struct tf_obj acl;
      root_view(in->kids[k], &rv);
      acl = put_obj(t, p, "networkAcls", in->kids[k]->vpath);
      if ((st = conv(t, &rv, "default_action", &acl, "defaultAction",
                     C_STR)) ||
          (st = acl_bypass(t, &rv, &acl)) || (st = acl_lists(t, &rv, &acl)))
        return st;
      return PF_OK;
    }
  }
  return acl_block(t, &v, "network_rules", p, "networkAcls");
}

/* sku {name} from a string attribute; absent or unknown leaves it out */
static void put_sku(struct tf *t, const struct tf_view *v, const char *key,
                    struct tf_obj *o)
{
  struct tf_val r;
  const char *sku = resolve_str(t, v, key, &r);
  if (sku) {
    struct tf_obj s = put_obj(t, o, "sku", r.path);
    put_str(t, &s, "name", sku, r.path);
  }
}

static pf_status build_kv(struct tf *t, struct tf_inst *in, struct tf_obj *p)
{
  struct tf_view v;
  pf_status st;
  root_view(in, &v);
  put_sku(t, &v, "sku_name", p);
  if (member(v.val, "vault_uri") &&
      (st = conv(t, &v, "vault_uri", p, "vaultUri", C_STR)))
    return st;
  if ((st = conv(t, &v, "public_network_access_enabled", p,
                 "publicNetworkAccess", C_ENABLED)))
    return st;
  return acl_block(t, &v, "network_acls", p, "networkAcls");
}

static pf_status build_acr(struct tf *t, struct tf_inst *in,
                           struct tf_obj *o, struct tf_obj *p)
{
  struct tf_view v, sv;
  struct tf_val bv;
  pf_status st;
  int n, i;
  root_view(in, &v);
  put_sku(t, &v, "sku", o);
  if ((member(v.val, "login_server") &&
       (st = conv(t, &v, "login_server", p, "loginServer", C_STR))) ||
      (st = conv(t, &v, "admin_enabled", p, "adminUserEnabled", C_BOOL)) ||
      (st = conv(t, &v, "data_endpoint_enabled", p, "dataEndpointEnabled",
                 C_BOOL)) ||
      (st = conv(t, &v, "public_network_access_enabled", p,
                 "publicNetworkAccess", C_ENABLED)) ||
      (st = conv(t, &v, "network_rule_bypass_option", p,
                 "networkRuleBypassOptions", C_STR)))
    return st;
  n = n_blocks(t, &v, "network_rule_set", &bv, &st);
  if (st != PF_OK || n == 0)
    return st;
  if (n < 0) {
    put_unknown(t, p, "networkRuleSet", bv.text, bv.path);
    return PF_OK;
  }
  if ((st = block(t, &v, "network_rule_set", 0, &sv)) != PF_OK)
    return st;
  {
    struct tf_obj acl = put_obj(t, p, "networkRuleSet", sv.path), arr;
    const char *blk[2] = {"ip_rule", "virtual_network"};
    int b;
    if ((st = conv(t, &sv, "default_action", &acl, "defaultAction", C_STR)))
      return st;
    for (b = 0; b < 2; b++) {
      struct tf_val lv;
      n = n_blocks(t, &sv, blk[b], &lv, &st);
      if (st != PF_OK)
        return st;
      if (n < 0) {
        put_unknown(t, &acl, b ? "virtualNetworkRules" : "ipRules", lv.text,
                    lv.path);
        continue;
      }
      if (!n)
        continue;
      arr = put_arr(t, &acl, b ? "virtualNetworkRules" : "ipRules", lv.path);
      for (i = 0; i < n; i++) {
        struct tf_view ev;
        struct tf_obj e;
        if ((st = block(t, &sv, blk[b], i, &ev)) != PF_OK)
          return st;
        e = put_obj(t, &arr, NULL, ev.path);
        if ((st = conv(t, &ev, "action", &e, "action", C_STR)) ||
            (st = conv(t, &ev, b ? "subnet_id" : "ip_range", &e,
                       b ? "id" : "value", C_STR)))
          return st;
      }
    }
  }
  return PF_OK;
}

static pf_status build_ws(struct tf *t, struct tf_inst *in, struct tf_obj *o,
                          struct tf_obj *p)
{
  struct tf_view v, bv;
  pf_status st;
  root_view(in, &v);
  put_sku(t, &v, "sku_name", o);
  if ((st = conv(t, &v, "storage_account_id", p, "storageAccount", C_STR)) ||
      (st = conv(t, &v, "key_vault_id", p, "keyVault", C_STR)) ||
      (st = conv(t, &v, "container_registry_id", p, "containerRegistry",
                 C_STR)) ||
      (st = conv(t, &v, "application_insights_id", p, "applicationInsights",
                 C_STR)) ||
      (st = conv(t, &v, "high_business_impact", p, "hbiWorkspace", C_BOOL)) ||
      (st = conv(t, &v, "public_network_access_enabled", p,
                 "publicNetworkAccess", C_ENABLED)) ||
      (st = conv(t, &v, "public_access_behind_virtual_network_enabled", p,
                 "allowPublicAccessWhenBehindVnet", C_BOOL)) ||
      (st = conv(t, &v, "image_build_compute_name", p, "imageBuildCompute",
                 C_STR)))
    return st;
  if (cJSON_GetArraySize(member(v.val, "encryption")) > 0) {
    struct tf_obj enc, kvp;
    if ((st = block(t, &v, "encryption", 0, &bv)) != PF_OK)
      return st;
    enc = put_obj(t, p, "encryption", bv.path);
    kvp = put_obj(t, &enc, "keyVaultProperties", bv.path);
    if ((st = conv(t, &bv, "key_vault_id", &kvp, "keyVaultArmId", C_STR)) ||
        (st = conv(t, &bv, "key_id", &kvp, "keyIdentifier", C_STR)))
      return st;
  }
  if (cJSON_GetArraySize(member(v.val, "managed_network")) > 0) {
    struct tf_obj mn;
    if ((st = block(t, &v, "managed_network", 0, &bv)) != PF_OK)
      return st;
    mn = put_obj(t, p, "managedNetwork", bv.path);
    if ((st = conv(t, &bv, "isolation_mode", &mn, "isolationMode", C_STR)))
      return st;
  }
  return PF_OK;
}

static pf_status build_compute(struct tf *t, struct tf_inst *in,
                               struct tf_obj *p, int cluster)
{
  struct tf_view v, bv;
  struct tf_obj inner;
  pf_status st;
  root_view(in, &v);
  put_str(t, p, "computeType", cluster ? "AmlCompute" : "ComputeInstance",
          in->vpath);
  inner = put_obj(t, p, "properties", in->vpath);
  if ((st = conv(t, &v, cluster ? "vm_size" : "virtual_machine_size", &inner,
                 "vmSize", C_STR)) ||
      (st = conv(t, &v, "subnet_resource_id", &inner, "subnet", C_REF)) ||
      (st = conv(t, &v, "node_public_ip_enabled", &inner,
                 "enableNodePublicIp", C_BOOL)))
    return st;
  if (cluster) {
    if ((st = conv(t, &v, "vm_priority", &inner, "vmPriority", C_STR)) ||
        (st = conv(t, &v, "ssh_public_access_enabled", &inner,
                   "remoteLoginPortPublicAccess", C_ENABLED)))
      return st;
    if (cJSON_GetArraySize(member(v.val, "scale_settings")) > 0) {
      struct tf_obj sc;
      if ((st = block(t, &v, "scale_settings", 0, &bv)) != PF_OK)
        return st;
      sc = put_obj(t, &inner, "scaleSettings", bv.path);
      if ((st = conv(t, &bv, "min_node_count", &sc, "minNodeCount", C_NUM)) ||
          (st = conv(t, &bv, "max_node_count", &sc, "maxNodeCount", C_NUM)))
        return st;
    }
  } else {
    /* the provider enables SSH exactly when an ssh block is given */
    const cJSON *ssh = member(v.val, "ssh");
    const char *sp = pkey(t, in->vpath, "ssh");
    struct tf_obj ss;
    if (cJSON_IsTrue(member(v.unk, "ssh"))) {
      put_unknown(t, &inner, "sshSettings",
                  tf_fmt(t, "%s.ssh (known after apply)", in->addr), sp);
    } else {
      ss = put_obj(t, &inner, "sshSettings", sp);
      put_str(t, &ss, "sshPublicAccess",
              cJSON_GetArraySize(ssh) > 0 ? "Enabled" : "Disabled", sp);
    }
  }
  return t->oom ? tf_oom(t) : PF_OK;
}

static pf_status build_pe(struct tf *t, struct tf_inst *in, struct tf_obj *p)
{
  struct tf_view v;
  struct tf_val bv;
  pf_status st;
  int n, i;
  struct tf_obj auto_c, man_c;
  root_view(in, &v);
  if ((st = conv(t, &v, "subnet_id", p, "subnet", C_REF)))
    return st;
  n = n_blocks(t, &v, "private_service_connection", &bv, &st);
  if (st != PF_OK)
    return st;
  if (n < 0)
    put_unknown(t, p, "privateLinkServiceConnections", bv.text, bv.path);
  auto_c.j = man_c.j = NULL;
  for (i = 0; i < n; i++) {
    struct tf_view cv;
    struct tf_obj c, cp, *arr;
    struct tf_val mr;
    if ((st = block(t, &v, "private_service_connection", i, &cv)) != PF_OK)
      return st;
    mr = resolve(t, &cv, "is_manual_connection");
    arr = (mr.k == V_KNOWN && cJSON_IsTrue(mr.j)) ? &man_c : &auto_c;
    if (!arr->j)
      *arr = put_arr(t, p, arr == &man_c
                               ? "manualPrivateLinkServiceConnections"
                               : "privateLinkServiceConnections",
                     bv.path);
    c = put_obj(t, arr, NULL, cv.path);
    if ((st = put_name(t, &cv, &c)) != PF_OK)
      return st;
    cp = put_obj(t, &c, "properties", cv.path);
    if ((st = conv(t, &cv, "private_connection_resource_id", &cp,
                   "privateLinkServiceId", C_STR)) ||
        (st = conv(t, &cv, "subresource_names", &cp, "groupIds", C_STRS)))
      return st;
  }
  n = n_blocks(t, &v, "network_interface", &bv, &st);
  if (st != PF_OK)
    return st;
  /* network_interface is an output Azure assigns (the NIC of the
   * endpoint); evaluation does not read it, so in a plan, where it is
   * known only after apply, it is left out rather than made pending */
  if (n > 0) {
    struct tf_obj arr = put_arr(t, p, "networkInterfaces", bv.path);
    for (i = 0; i < n; i++) {
      struct tf_view nv;
      struct tf_obj e;
      if ((st = block(t, &v, "network_interface", i, &nv)) != PF_OK)
        return st;
      e = put_obj(t, &arr, NULL, nv.path);
      if ((st = conv(t, &nv, "id", &e, "id", C_STR)))
        return st;
    }
  }
  return PF_OK;
}

/* ASG membership: azurerm_network_interface_application_security_group_
 * association puts every IP configuration of the NIC in the group */
static pf_status nic_asgs(struct tf *t, struct tf_inst *in, struct tf_obj *cp)
{
  struct tf_obj arr;
  size_t k;
  arr.j = NULL;
  for (k = 0; k < in->n_kids; k++) {
    struct tf_view av;
    struct tf_val r;
    if (in->kids[k]->tt->build != B_NIC_ASG)
      continue;
    root_view(in->kids[k], &av);
    r = resolve(t, &av, "application_security_group_id");
    if (!arr.j)
      arr = put_arr(t, cp, "applicationSecurityGroups", in->kids[k]->vpath);
    if (r.k == V_UNKNOWN) {
      /* an element known only after apply: membership is pending */
      put_unknown(t, &arr, NULL, r.text, r.path);
    } else if (r.k == V_KNOWN && cJSON_IsString(r.j)) {
      struct tf_obj ref = put_obj(t, &arr, NULL, r.path);
      put_str(t, &ref, "id", r.j->valuestring, r.path);
    } else if (r.k == V_KNOWN) {
      return tf_fail(t, r.path, "expected an id string, found %s",
                     pf_lj_typename(r.j));
    }
  }
  return t->oom ? tf_oom(t) : PF_OK;
}

static pf_status build_nic(struct tf *t, struct tf_inst *in, struct tf_obj *p)
{
  struct tf_view v;
  struct tf_val bv;
  pf_status st;
  int n, i;
  size_t k;
  root_view(in, &v);
  for (k = 0; k < in->n_kids; k++) {
    struct tf_view av;
    if (in->kids[k]->tt->build != B_NIC_NSG)
      continue;
    root_view(in->kids[k], &av);
    if ((st = nsg_link(t, &av, inst_id(t, in), p)))
      return st;
    break;
  }
  if (k == in->n_kids && t->float_nic) {
    /* an NSG association of an unknown NIC may be this NIC's */
    float_nsg_ref(t, in, t->float_nic, "network_interface_id", p);
  }
  n = n_blocks(t, &v, "ip_configuration", &bv, &st);
  if (st != PF_OK)
    return st;
  if (n < 0) {
    put_unknown(t, p, "ipConfigurations", bv.text, bv.path);
  } else if (n > 0) {
    struct tf_obj arr = put_arr(t, p, "ipConfigurations", bv.path);
    for (i = 0; i < n; i++) {
      struct tf_view cv;
      struct tf_obj c, cp;
      if ((st = block(t, &v, "ip_configuration", i, &cv)) != PF_OK)
        return st;
      c = put_obj(t, &arr, NULL, cv.path);
      if ((st = put_name(t, &cv, &c)) != PF_OK)
        return st;
      cp = put_obj(t, &c, "properties", cv.path);
      if ((st = conv(t, &cv, "subnet_id", &cp, "subnet", C_REF)) ||
          (st = conv(t, &cv, "private_ip_address", &cp, "privateIPAddress",
                     C_STR)) ||
          (st = conv(t, &cv, "primary", &cp, "primary", C_BOOL)) ||
          (st = nic_asgs(t, in, &cp)))
        return st;
    }
  }
  return PF_OK;
}

static const char *arm_type(enum tf_build b)
{
  switch (b) {
  case B_VNET: return "Microsoft.Network/virtualNetworks";
  case B_SUBNET: return "Microsoft.Network/virtualNetworks/subnets";
  case B_NSG: return "Microsoft.Network/networkSecurityGroups";
  case B_RT: return "Microsoft.Network/routeTables";
  case B_STORAGE: return "Microsoft.Storage/storageAccounts";
  case B_KV: return "Microsoft.KeyVault/vaults";
  case B_ACR: return "Microsoft.ContainerRegistry/registries";
  case B_WS: return "Microsoft.MachineLearningServices/workspaces";
  case B_CLUSTER:
  case B_INSTANCE:
    return "Microsoft.MachineLearningServices/workspaces/computes";
  case B_PE: return "Microsoft.Network/privateEndpoints";
  case B_NIC: return "Microsoft.Network/networkInterfaces";
  case B_ASG: return "Microsoft.Network/applicationSecurityGroups";
  default: return NULL;
  }
}

/* Build the ARM object of one instance; NULL (and no error) for
 * resources that ARM nests elsewhere. */
static pf_status build(struct tf *t, struct tf_inst *in, cJSON **out)
{
  const char *type;
  struct tf_obj o, p;
  pf_status st = PF_OK;

  *out = NULL;
  if (!in->tt || !(type = arm_type(in->tt->build)))
    return PF_OK;
  if (!inst_id(t, in))
    return warnf(t, "%s: %s: %s has no id and none can be synthesised; "
                 "not loaded", t->lj->file, in->rpath, in->addr);
  o = arm_header(t, in, type, &p);
  if (!o.j)
    return tf_oom(t);
  if (pf_err_isset(t->lj->err)) {
    cJSON_Delete(o.j);
    return t->lj->err->code;
  }
  switch (in->tt->build) {
  case B_VNET: st = build_vnet(t, in, &p); break;
  case B_SUBNET: st = build_subnet(t, in, &p); break;
  case B_NSG: st = build_nsg(t, in, &p); break;
  case B_RT: st = build_rt(t, in, &p); break;
  case B_STORAGE: st = build_storage(t, in, &o, &p); break;
  case B_KV: st = build_kv(t, in, &p); break;
  case B_ACR: st = build_acr(t, in, &o, &p); break;
  case B_WS: st = build_ws(t, in, &o, &p); break;
  case B_CLUSTER: st = build_compute(t, in, &p, 1); break;
  case B_INSTANCE: st = build_compute(t, in, &p, 0); break;
  case B_PE: st = build_pe(t, in, &p); break;
  case B_NIC: st = build_nic(t, in, &p); break;
  default: break;
  }
  if (st == PF_OK && t->oom)
    st = tf_oom(t);
  if (st != PF_OK) {
    cJSON_Delete(o.j);
    return st;
  }
  t->n_arm++;
  *out = o.j;
  return PF_OK;
}

/* ---- entry points -------------------------------------------------------- */

int pf_tf_sniff(const cJSON *root)
{
  if (!cJSON_IsObject(root) || !member(root, "format_version"))
    return 0;
  return member(root, "terraform_version") != NULL ||
         member(root, "planned_values") != NULL ||
         member(root, "resource_changes") != NULL ||
         member(root, "provider_schemas") != NULL ||
         cJSON_IsObject(member(member(root, "values"), "root_module"));
}

static pf_status check_version(struct tf *t)
{
  const cJSON *fv = member(t->root, "format_version");
  const char *s;
  char *end;
  long major;
  if (!cJSON_IsString(fv))
    return tf_fail(t, "$.format_version", "expected a string, found %s",
                   pf_lj_typename(fv));
  s = fv->valuestring;
  major = strtol(s, &end, 10);
  if (end == s || *end != '.' || end[1] < '0' || end[1] > '9')
    return tf_fail(t, "$.format_version", "'%.40s' is not a version "
                   "(expected major.minor)", s);
  /* "Reject any input which reports an unsupported major version" */
  if (major != 0 && major != 1)
    return tf_fail(t, "$.format_version", "unsupported format_version "
                   "'%.40s' (this version reads 0.x and 1.x)", s);
  return PF_OK;
}

/* Synthesised ids and names known only after apply, said once per
 * resource. */
static pf_status note_synth(struct tf *t)
{
  size_t i;
  for (i = 0; i < t->n_in; i++) {
    struct tf_inst *in = &t->in[i];
    struct tf_view v;
    struct tf_val r;
    if (!in->tt || !arm_type(in->tt->build) || !in->id_synth)
      continue;
    root_view(in, &v);
    resolve_str(t, &v, "name", &r);
    if (warnf(t, "%s: %s: %s: id known after apply; synthesised as %s%s",
              t->lj->file, in->rpath, in->addr, in->id,
              r.k == V_UNKNOWN ? " (its name is known only after apply)"
                               : "") != PF_OK)
      return tf_oom(t);
  }
  return PF_OK;
}

pf_status pf_tf_load(struct pf_lj *lj, const cJSON *root, pf_tf_emit_fn emit,
                     void *arg, const char *subscription,
                     const char **skipped)
{
  struct tf t;
  pf_status st;
  const cJSON *pv, *vals, *conf, *rc, *ps;
  size_t i;
  cJSON **objs = NULL;

  *skipped = NULL;
  memset(&t, 0, sizeof(t));
  t.lj = lj;
  t.a = lj->a;
  t.root = root;
  if ((st = check_version(&t)) != PF_OK)
    return st;
  if (member(root, "provider_schemas")) {
    *skipped = "Terraform provider schemas (not configuration)";
    return PF_OK;
  }
  pv = member(root, "planned_values");
  vals = member(root, "values");
  conf = member(root, "configuration");
  rc = member(root, "resource_changes");
  ps = member(root, "prior_state");
  if ((st = want(&t, pv, is_obj, "$.planned_values", "an object")) ||
      (st = want(&t, vals, is_obj, "$.values", "an object")) ||
      (st = want(&t, conf, is_obj, "$.configuration", "an object")) ||
      (st = want(&t, rc, is_arr, "$.resource_changes", "an array")) ||
      (st = want(&t, ps, is_obj, "$.prior_state", "an object")))
    return st;
  t.is_plan = pv || rc || ps;
  t.by_id.icase = 1;
  if ((st = index_changes(&t, rc)) != PF_OK)
    goto done;
  t.conf_root = member(conf, "root_module");
  t.scratch = cJSON_CreateArray();
  t.extra = cJSON_CreateArray();
  if (!t.scratch || !t.extra) {
    cJSON_Delete(t.scratch);
    cJSON_Delete(t.extra);
    return tf_oom(&t);
  }
  {
    const cJSON *m;
    /* plan: planned values, then data sources read while planning; state:
     * its values */
    if (t.is_plan) {
      m = member(pv, "root_module");
      if (m && (st = walk_module(&t, m, "$.planned_values.root_module", 0,
                                 0)) != PF_OK)
        goto done;
      m = member(member(ps, "values"), "root_module");
      if (m && (st = walk_module(&t, m, "$.prior_state.values.root_module",
                                 1, 0)) != PF_OK)
        goto done;
    } else {
      m = member(vals, "root_module");
      if (m && (st = walk_module(&t, m, "$.values.root_module", 0, 0)) !=
                   PF_OK)
        goto done;
    }
  }
  if (!t.n_in) {
    *skipped = t.is_plan ? "Terraform plan without resources"
                         : "Terraform state without resources";
    goto done;
  }
  if ((st = pick_subscription(&t, subscription)) != PF_OK ||
      (st = index_ids(&t)) != PF_OK || (st = link_all(&t)) != PF_OK)
    goto done;
  if (t.n_in) {
    objs = pf_calloc(t.n_in, sizeof(*objs));
    if (!objs) {
      st = tf_oom(&t);
      goto done;
    }
  }
  for (i = 0; i < t.n_in; i++)
    if ((st = build(&t, &t.in[i], &objs[i])) != PF_OK)
      goto done;
  if ((st = note_synth(&t)) != PF_OK)
    goto done;
  if (!strcmp(t.sub, TF_SUB_PLACEHOLDER) && t.n_arm &&
      (st = warnf(&t, "%s: no subscription id in the %s (provider "
                  "configuration, azurerm_client_config, known ids) and no "
                  "--subscription; synthesised ids use %s", lj->file,
                  t.is_plan ? "plan" : "state", TF_SUB_PLACEHOLDER)) != PF_OK)
    goto done;
  /* hand each object to the loaders, paths mapped back into the plan */
  lj->map_path = map_path;
  lj->map_ctx = &t;
  {
    size_t k = 0;
    for (i = 0; i < t.n_in && st == PF_OK; i++) {
      if (objs[i]) {
        size_t before = lj->cfg->n_pending, j;
        pf_lj_push_idx(lj, k++);
        st = pf_lj_strip_pending(lj, objs[i]);
        if (st == PF_OK)
          st = emit(lj, objs[i], NULL, arg);
        pf_lj_pop(lj);
        /* values of a merged rule, route or association are at their own
         * place in the plan: they belong to the resource built here */
        for (j = before; j < lj->cfg->n_pending; j++) {
          struct pf_pending *p = &lj->cfg->pending[j];
          size_t n = strlen(t.in[i].rpath);
          if (!(strncmp(p->jpath, t.in[i].rpath, n) == 0 &&
                (p->jpath[n] == '\0' || p->jpath[n] == '.' ||
                 p->jpath[n] == '[')))
            p->owner = t.in[i].rpath;
        }
      } else if (t.in[i].tt == NULL || (t.in[i].tt->build == B_NONE)) {
        if (!t.in[i].data && !strncmp(t.in[i].type, "azurerm_", 8))
          st = emit(lj, NULL, t.in[i].type, arg);
      }
    }
  }
  /* placeholder NSGs; their values belong to them */
  for (i = 0; i < t.n_extra && st == PF_OK; i++) {
    char key[32];
    cJSON *o = cJSON_GetArrayItem(t.extra, (int)i);
    snprintf(key, sizeof(key), "tfextra%zu", i);
    pf_lj_push_key(lj, key);
    st = pf_lj_strip_pending(lj, o);
    if (st == PF_OK)
      st = emit(lj, o, NULL, arg);
    pf_lj_pop(lj);
  }
  lj->map_path = NULL;
  lj->map_ctx = NULL;
done:
  if (objs) {
    for (i = 0; i < t.n_in; i++)
      cJSON_Delete(objs[i]);
    pf_free(objs);
  }
  for (i = 0; i < t.n_in; i++)
    pf_free(t.in[i].kids);
  pf_free(t.in);
  pf_free(t.map);
  pf_free(t.by_addr.e);
  pf_free(t.by_id.e);
  pf_free(t.changes.e);
  cJSON_Delete(t.scratch);
  cJSON_Delete(t.extra);
  pf_free(t.extra_from);
  if (st == PF_OK && pf_err_isset(lj->err))
    st = lj->err->code;
  return st;
}
