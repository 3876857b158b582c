/* SPDX-License-Identifier: MIT */
/* pf_model.c - configuration model: registry, id index, references */
#include "pf_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_mem.h"

static const char *const kind_names[] = {
#define PF_KIND_NAME(e, name, type) name,
  PF_KIND_MAP(PF_KIND_NAME)
#undef PF_KIND_NAME
};

static const char *const kind_types[] = {
#define PF_KIND_TYPE(e, name, type) type,
  PF_KIND_MAP(PF_KIND_TYPE)
#undef PF_KIND_TYPE
};

const char *pf_kind_name(enum pf_kind k)
{
  return (unsigned)k < PF_K_COUNT ? kind_names[k] : "unknown";
}

const char *pf_kind_type(enum pf_kind k)
{
  return (unsigned)k < PF_K_COUNT ? kind_types[k] : "unknown";
}

enum pf_kind pf_kind_from_type(const char *type)
{
  unsigned k;
  if (!type)
    return PF_K_COUNT;
  for (k = 0; k < PF_K_COUNT; k++)
    if (strcasecmp(type, kind_types[k]) == 0)
      return (enum pf_kind)k;
  return PF_K_COUNT;
}

const char *pf_nexthop_name(enum pf_nexthop nh)
{
  switch (nh) {
  case PF_NH_VNET_LOCAL: return "VnetLocal";
  case PF_NH_INTERNET: return "Internet";
  case PF_NH_VIRTUAL_APPLIANCE: return "VirtualAppliance";
  case PF_NH_VNET_GATEWAY: return "VirtualNetworkGateway";
  case PF_NH_NONE: return "None";
  }
  return "unknown";
}

const char *pf_compute_type_name(enum pf_compute_type t)
{
  switch (t) {
  case PF_CT_AMLCOMPUTE: return "AmlCompute";
  case PF_CT_COMPUTE_INSTANCE: return "ComputeInstance";
  case PF_CT_AKS: return "AKS";
  case PF_CT_ACI: return "ACI";
  case PF_CT_VM: return "VirtualMachine";
  case PF_CT_HDINSIGHT: return "HDInsight";
  case PF_CT_DATABRICKS: return "Databricks";
  case PF_CT_KUBERNETES: return "Kubernetes";
  case PF_CT_DATAFACTORY: return "DataFactory";
  case PF_CT_SYNAPSE: return "SynapseSpark";
  case PF_CT_OTHER: break;
  }
  return "other";
}

const char *pf_cred_name(enum pf_cred c)
{
  switch (c) {
  case PF_CRED_NONE: return "none";
  case PF_CRED_KEY: return "account-key";
  case PF_CRED_SAS: return "sas";
  case PF_CRED_IDENTITY: return "identity";
  case PF_CRED_SERVICE_PRINCIPAL: return "service-principal";
  case PF_CRED_CERT: return "certificate";
  case PF_CRED_KERBEROS: return "kerberos";
  case PF_CRED_UNKNOWN: break;
  }
  return "unknown";
}

/* ---- id index: open addressing over case-folded FNV-1a hashes -------- */

struct pf_idx {
  struct pf_res **slot;
  size_t cap, n;
};

static size_t id_hash(const char *s)
{
  uint64_t h = 1469598103934665603ull;
  size_t n = strlen(s), i;
  /* trailing slashes do not make another id (pf_id_eq) */
  while (n && s[n - 1] == '/')
    n--;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 'A' && c <= 'Z')
      c = (unsigned char)(c - 'A' + 'a');
    h ^= c;
    h *= 1099511628211ull;
  }
  return (size_t)h;
}

int pf_id_eq(const char *a, const char *b)
{
  if (!a || !b)
    return 0;
  /* ARM ids are ASCII; "/" separators make trailing-slash variants differ,
   * so strip one trailing slash on either side */
  {
    size_t na = strlen(a), nb = strlen(b);
    while (na && a[na - 1] == '/')
      na--;
    while (nb && b[nb - 1] == '/')
      nb--;
    return na == nb && strncasecmp(a, b, na) == 0;
  }
}

static pf_status idx_put(struct pf_idx *ix, struct pf_res *r,
                         struct pf_res **existing)
{
  size_t i, mask;
  *existing = NULL;
  if ((ix->n + 1) * 2 > ix->cap) {
    size_t ncap = ix->cap ? ix->cap * 2 : 256, j;
    struct pf_res **ns = pf_calloc(ncap, sizeof(*ns));
    if (!ns)
      return PF_ENOMEM;
    for (j = 0; j < ix->cap; j++) {
      struct pf_res *e = ix->slot[j];
      size_t k;
      if (!e)
        continue;
      for (k = id_hash(e->id) & (ncap - 1); ns[k]; k = (k + 1) & (ncap - 1))
        ;
      ns[k] = e;
    }
    pf_free(ix->slot);
    ix->slot = ns;
    ix->cap = ncap;
  }
  mask = ix->cap - 1;
  for (i = id_hash(r->id) & mask; ix->slot[i]; i = (i + 1) & mask) {
    if (pf_id_eq(ix->slot[i]->id, r->id)) {
      *existing = ix->slot[i];
      return PF_EDUP;
    }
  }
  ix->slot[i] = r;
  ix->n++;
  return PF_OK;
}

static struct pf_res *idx_get(const struct pf_idx *ix, const char *id)
{
  size_t i, mask;
  if (!ix || !ix->cap || !id)
    return NULL;
  mask = ix->cap - 1;
  for (i = id_hash(id) & mask; ix->slot[i]; i = (i + 1) & mask)
    if (pf_id_eq(ix->slot[i]->id, id))
      return ix->slot[i];
  return NULL;
}

pf_status pf_config_create(struct pf_config **out)
{
  struct pf_config *cfg = pf_calloc(1, sizeof(*cfg));
  *out = NULL;
  if (!cfg)
    return PF_ENOMEM;
  pf_arena_init(&cfg->arena);
  cfg->idx = pf_calloc(1, sizeof(*cfg->idx));
  if (!cfg->idx) {
    pf_free(cfg);
    return PF_ENOMEM;
  }
  *out = cfg;
  return PF_OK;
}

void pf_config_destroy(struct pf_config *cfg)
{
  size_t i, j;
  unsigned k;
  if (!cfg)
    return;
  for (i = 0; i < cfg->n_res[PF_K_NSG]; i++) {
    struct pf_nsg *nsg = (struct pf_nsg *)cfg->res[PF_K_NSG][i];
    for (j = 0; j < nsg->n_rules; j++) {
      pf_rangeset_release(&nsg->rules[j].src_ports);
      pf_rangeset_release(&nsg->rules[j].dst_ports);
    }
  }
  for (k = 0; k < PF_K_COUNT; k++)
    pf_free(cfg->res[k]);
  pf_free(cfg->inputs);
  pf_free(cfg->ignored_types);
  pf_free(cfg->warnings);
  pf_free(cfg->pending);
  if (cfg->idx)
    pf_free(cfg->idx->slot);
  pf_free(cfg->idx);
  pf_arena_release(&cfg->arena);
  pf_free(cfg);
}

pf_status pf_config_add(struct pf_config *cfg, struct pf_res *r)
{
  struct pf_res *existing;
  pf_status st = idx_put(cfg->idx, r, &existing);
  if (st == PF_EDUP) {
    cfg->n_duplicates++;
    return PF_EDUP;
  }
  if (st != PF_OK)
    return st;
  if (PF_GROW(cfg->res[r->kind], cfg->cap_res[r->kind],
              cfg->n_res[r->kind] + 1))
    return PF_ENOMEM;
  cfg->res[r->kind][cfg->n_res[r->kind]++] = r;
  return PF_OK;
}

pf_status pf_config_warn(struct pf_config *cfg, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (PF_GROW(cfg->warnings, cfg->cap_warnings, cfg->n_warnings + 1))
    return PF_ENOMEM;
  cfg->warnings[cfg->n_warnings] = pf_arena_strdup(&cfg->arena, buf);
  if (!cfg->warnings[cfg->n_warnings])
    return PF_ENOMEM;
  cfg->n_warnings++;
  return PF_OK;
}

pf_status pf_config_pending(struct pf_config *cfg, const char *file,
                            const char *jpath, const char *text)
{
  struct pf_pending *p;
  if (PF_GROW(cfg->pending, cfg->cap_pending, cfg->n_pending + 1))
    return PF_ENOMEM;
  p = &cfg->pending[cfg->n_pending];
  p->file = pf_arena_strdup(&cfg->arena, file ? file : "");
  p->jpath = pf_arena_strdup(&cfg->arena, jpath ? jpath : "$");
  p->text = pf_arena_strdup(&cfg->arena, text ? text : "");
  p->owner = NULL;
  p->represented = 0;
  if (!p->file || !p->jpath || !p->text)
    return PF_ENOMEM;
  cfg->n_pending++;
  return PF_OK;
}

/* \p prefix is \p path or a whole-member prefix of it ("$.a" of "$.a.b"
 * and "$.a[0]", not of "$.ab"). */
static int path_under(const char *prefix, const char *path)
{
  size_t n = strlen(prefix);
  return !strncmp(prefix, path, n) &&
         (path[n] == '\0' || path[n] == '.' || path[n] == '[');
}

/* Attach each pending value to the resource holding it: the one of the
 * same file whose JSON path is the longest prefix of the value's path. */
static void attach_pending(struct pf_config *cfg)
{
  size_t i, j;
  unsigned k;
  for (k = 0; k < PF_K_COUNT; k++)
    for (j = 0; j < cfg->n_res[k]; j++) {
      cfg->res[k][j]->pending = NULL;
      cfg->res[k][j]->n_pending = 0;
    }
  for (i = 0; i < cfg->n_pending; i++) {
    const struct pf_pending *p = &cfg->pending[i];
    struct pf_res *best = NULL;
    size_t best_len = 0;
    if (p->represented)
      continue;
    for (k = 0; k < PF_K_COUNT; k++)
      for (j = 0; j < cfg->n_res[k]; j++) {
        struct pf_res *r = cfg->res[k][j];
        size_t n;
        if (!r->file || !r->jpath || strcmp(r->file, p->file) ||
            (p->owner ? strcmp(r->jpath, p->owner)
                      : !path_under(r->jpath, p->jpath)))
          continue;
        n = strlen(r->jpath);
        if (!best || n > best_len) {
          best = r;
          best_len = n;
        }
      }
    if (!best)
      continue;
    if (!best->pending)
      best->pending = p;
    best->n_pending++;
  }
}

struct pf_res *pf_config_find(const struct pf_config *cfg, const char *id)
{
  return idx_get(cfg->idx, id);
}

/* Walk every reference field of one resource. */
static void each_ref_of(struct pf_res *r, int back,
                        void (*cb)(struct pf_res *from, struct pf_ref *ref,
                                   void *arg),
                        void *arg)
{
  size_t i, j;
  switch (r->kind) {
  case PF_K_WORKSPACE: {
    struct pf_workspace *w = (struct pf_workspace *)r;
    if (back)
      break;
    cb(r, &w->storage, arg);
    cb(r, &w->key_vault, arg);
    cb(r, &w->registry, arg);
    cb(r, &w->app_insights, arg);
    break;
  }
  case PF_K_DATASTORE: {
    struct pf_datastore *d = (struct pf_datastore *)r;
    if (!back)
      cb(r, &d->workspace, arg);
    break;
  }
  case PF_K_COMPUTE: {
    struct pf_compute *c = (struct pf_compute *)r;
    if (back)
      break;
    cb(r, &c->workspace, arg);
    cb(r, &c->subnet, arg);
    break;
  }
  case PF_K_SUBNET: {
    struct pf_subnet *s = (struct pf_subnet *)r;
    if (back) {
      for (i = 0; i < s->n_private_endpoints; i++)
        cb(r, &s->private_endpoints[i], arg);
      break;
    }
    cb(r, &s->vnet, arg);
    cb(r, &s->nsg, arg);
    cb(r, &s->route_table, arg);
    cb(r, &s->nat_gateway, arg);
    break;
  }
  case PF_K_VNET: {
    struct pf_vnet *v = (struct pf_vnet *)r;
    if (!back)
      break;
    for (i = 0; i < v->n_peerings; i++)
      cb(r, &v->peerings[i].remote_vnet, arg);
    break;
  }
  case PF_K_NSG: {
    struct pf_nsg *n = (struct pf_nsg *)r;
    if (back) {
      for (i = 0; i < n->n_subnets; i++)
        cb(r, &n->subnets[i], arg);
      for (i = 0; i < n->n_nics; i++)
        cb(r, &n->nics[i], arg);
      break;
    }
    for (i = 0; i < n->n_rules; i++) {
      struct pf_nsg_rule *ru = &n->rules[i];
      for (j = 0; j < ru->n_src; j++)
        if (ru->src[j].kind == PF_ADDR_ASG)
          cb(r, &ru->src[j].asg, arg);
      for (j = 0; j < ru->n_dst; j++)
        if (ru->dst[j].kind == PF_ADDR_ASG)
          cb(r, &ru->dst[j].asg, arg);
    }
    break;
  }
  case PF_K_NIC: {
    struct pf_nic *n = (struct pf_nic *)r;
    if (back) {
      cb(r, &n->vm, arg);
      break;
    }
    cb(r, &n->nsg, arg);
    for (i = 0; i < n->n_ipconfigs; i++) {
      cb(r, &n->ipconfigs[i].subnet, arg);
      for (j = 0; j < n->ipconfigs[i].n_asgs; j++)
        cb(r, &n->ipconfigs[i].asgs[j], arg);
    }
    break;
  }
  case PF_K_ROUTE_TABLE: {
    struct pf_route_table *t = (struct pf_route_table *)r;
    if (back)
      for (i = 0; i < t->n_subnets; i++)
        cb(r, &t->subnets[i], arg);
    break;
  }
  case PF_K_STORAGE:
  case PF_K_KEYVAULT:
  case PF_K_REGISTRY: {
    struct pf_firewall *fw =
        r->kind == PF_K_STORAGE    ? &((struct pf_storage *)r)->fw
        : r->kind == PF_K_KEYVAULT ? &((struct pf_keyvault *)r)->fw
                                   : &((struct pf_registry *)r)->fw;
    if (back)
      break;
    for (i = 0; i < fw->n_vnet_rules; i++)
      cb(r, &fw->vnet_rules[i], arg);
    break;
  }
  case PF_K_PRIVATE_ENDPOINT: {
    struct pf_private_endpoint *p = (struct pf_private_endpoint *)r;
    if (back) {
      for (i = 0; i < p->n_nics; i++)
        cb(r, &p->nics[i], arg);
      break;
    }
    cb(r, &p->subnet, arg);
    for (i = 0; i < p->n_targets; i++)
      cb(r, &p->targets[i], arg);
    break;
  }
  case PF_K_SERVICE:
    if (!back)
      cb(r, &((struct pf_service *)r)->workspace, arg);
    break;
  case PF_K_DATABRICKS:
    if (!back)
      cb(r, &((struct pf_databricks *)r)->vnet, arg);
    break;
  case PF_K_VM: {
    struct pf_vm *vm = (struct pf_vm *)r;
    if (!back)
      for (i = 0; i < vm->n_nics; i++)
        cb(r, &vm->nics[i], arg);
    break;
  }
  case PF_K_AKS_CLUSTER: {
    struct pf_aks_cluster *k = (struct pf_aks_cluster *)r;
    if (!back)
      for (i = 0; i < k->n_subnets; i++)
        cb(r, &k->subnets[i], arg);
    break;
  }
  case PF_K_ASG:
  case PF_K_ROLE_ASSIGNMENT:
  case PF_K_LOCK:
  case PF_K_COUNT:
    break;
  }
}

static void resolve_one(struct pf_res *from, struct pf_ref *ref, void *arg)
{
  const struct pf_config *cfg = arg;
  (void)from;
  if (ref->id && !ref->target)
    ref->target = pf_config_find(cfg, ref->id);
}

pf_status pf_config_resolve(struct pf_config *cfg)
{
  unsigned k;
  size_t i, j;
  for (k = 0; k < PF_K_COUNT; k++)
    for (i = 0; i < cfg->n_res[k]; i++) {
      each_ref_of(cfg->res[k][i], 0, resolve_one, cfg);
      each_ref_of(cfg->res[k][i], 1, resolve_one, cfg);
    }
  attach_pending(cfg);
  /* datastores name their storage account, not its id */
  for (i = 0; i < cfg->n_res[PF_K_DATASTORE]; i++) {
    struct pf_datastore *d = (struct pf_datastore *)cfg->res[PF_K_DATASTORE][i];
    if (d->storage || !d->account_name)
      continue;
    for (j = 0; j < cfg->n_res[PF_K_STORAGE]; j++) {
      struct pf_res *s = cfg->res[PF_K_STORAGE][j];
      if (s->name && strcasecmp(s->name, d->account_name) == 0) {
        d->storage = s;
        break;
      }
    }
  }
  return PF_OK;
}

struct each_ref_ctx {
  void (*cb)(const struct pf_res *from, const struct pf_ref *ref, void *arg);
  void *arg;
};

static void each_ref_tramp(struct pf_res *from, struct pf_ref *ref, void *arg)
{
  struct each_ref_ctx *c = arg;
  if (ref->id)
    c->cb(from, ref, c->arg);
}

void pf_config_each_ref(const struct pf_config *cfg, int back,
                        void (*cb)(const struct pf_res *from,
                                   const struct pf_ref *ref, void *arg),
                        void *arg)
{
  struct each_ref_ctx c;
  unsigned k;
  size_t i;
  c.cb = cb;
  c.arg = arg;
  for (k = 0; k < PF_K_COUNT; k++)
    for (i = 0; i < cfg->n_res[k]; i++)
      each_ref_of(cfg->res[k][i], back, each_ref_tramp, &c);
}

/* ---- ARM ids ----------------------------------------------------------- */

pf_status pf_id_parse(struct pf_arena *a, const char *id, const char **sub,
                      const char **rg, const char **type, const char **name)
{
  /* /subscriptions/{s}/resourceGroups/{g}/providers/{ns}/{t}/{n}[/{t}/{n}]* */
  const char *seg[64];
  size_t len[64], n = 0, i;
  const char *p = id;
  char typebuf[512];
  size_t tl = 0;

  *sub = *rg = *type = *name = NULL;
  if (!id || *id != '/')
    return PF_EINVAL;
  while (*p) {
    const char *s;
    while (*p == '/')
      p++;
    if (!*p)
      break;
    s = p;
    while (*p && *p != '/')
      p++;
    if (n == 64)
      return PF_EINVAL;
    seg[n] = s;
    len[n] = (size_t)(p - s);
    n++;
  }
  if (n < 2 || len[0] != 13 || strncasecmp(seg[0], "subscriptions", 13))
    return PF_EINVAL;
  *sub = pf_arena_strndup(a, seg[1], len[1]);
  i = 2;
  if (i + 1 < n && len[i] == 14 && !strncasecmp(seg[i], "resourceGroups", 14)) {
    *rg = pf_arena_strndup(a, seg[i + 1], len[i + 1]);
    i += 2;
  }
  if (i >= n)
    return PF_OK;
  if (len[i] != 9 || strncasecmp(seg[i], "providers", 9) || i + 3 > n)
    return PF_EINVAL;
  /* namespace, then (type, name) pairs; nested providers restart */
  i++;
  if (len[i] >= sizeof(typebuf))
    return PF_EINVAL;
  memcpy(typebuf, seg[i], len[i]);
  tl = len[i];
  i++;
  while (i + 1 < n) {
    if (len[i] == 9 && !strncasecmp(seg[i], "providers", 9) && i + 3 <= n) {
      /* extension resource: the type restarts at the inner provider */
      i++;
      if (len[i] >= sizeof(typebuf))
        return PF_EINVAL;
      memcpy(typebuf, seg[i], len[i]);
      tl = len[i];
      i++;
      continue;
    }
    if (tl + 1 + len[i] >= sizeof(typebuf))
      return PF_EINVAL;
    typebuf[tl++] = '/';
    memcpy(typebuf + tl, seg[i], len[i]);
    tl += len[i];
    *name = pf_arena_strndup(a, seg[i + 1], len[i + 1]);
    i += 2;
  }
  if (i != n)
    return PF_EINVAL;
  *type = pf_arena_strndup(a, typebuf, tl);
  return PF_OK;
}

const char *pf_id_parent(struct pf_arena *a, const char *id)
{
  size_t n;
  int slashes = 0;
  if (!id)
    return NULL;
  n = strlen(id);
  while (n && id[n - 1] == '/')
    n--;
  while (n) {
    if (id[n - 1] == '/' && ++slashes == 2)
      return pf_arena_strndup(a, id, n - 1);
    n--;
  }
  return NULL;
}

int64_t pf_subnet_capacity(const struct pf_subnet *s)
{
  int64_t total = 0;
  size_t i;
  for (i = 0; i < s->n_prefixes; i++) {
    unsigned host;
    int64_t n;
    if (s->prefixes[i].af == PF_AF_V6)
      return -1;
    host = 32 - s->prefixes[i].len;
    n = host >= 62 ? INT64_MAX / 4 : ((int64_t)1 << host);
    n -= 5;   /* .0, .1, .2, .3 and the last address (AZURE-SEMANTICS 8) */
    if (n > 0)
      total += n;
  }
  return total;
}
