/* SPDX-License-Identifier: MIT */
/* pf_probe_plan.c - the probe plan: derived from the configuration or read
 * strictly from a plan file (docs/probe.md)
 */
#include "pf_probe_plan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../src/core/pf_file.h"
#include "../src/core/pf_jsonr.h"
#include "../src/core/pf_jw.h"
#include "../src/core/pf_mem.h"
#include "../src/model/pf_model.h"
#include "pf_https_probe.h"

static const char *const svc_names[] = {
#define PF_PSVC_NAME(e, n) n,
  PF_PSVC_MAP(PF_PSVC_NAME)
#undef PF_PSVC_NAME
};

const char *pf_psvc_name(enum pf_psvc s)
{
  return s < PF_PSVC_COUNT ? svc_names[s] : "?";
}

enum pf_psvc pf_psvc_parse(const char *n, size_t len)
{
  size_t i;
  for (i = 0; i < PF_PSVC_COUNT; i++)
    if (strlen(svc_names[i]) == len && !memcmp(svc_names[i], n, len))
      return (enum pf_psvc)i;
  return PF_PSVC_COUNT;
}

int pf_psvc_https(enum pf_psvc s)
{
  switch (s) {
  case PF_PSVC_BLOB: return PF_HTTPS_BLOB;
  case PF_PSVC_QUEUE: return PF_HTTPS_QUEUE;
  case PF_PSVC_TABLE: return PF_HTTPS_TABLE;
  case PF_PSVC_FILE: return PF_HTTPS_FILE;
  case PF_PSVC_DFS: return PF_HTTPS_DFS;
  case PF_PSVC_KEYVAULT: return PF_HTTPS_KEYVAULT;
  case PF_PSVC_REGISTRY:
  case PF_PSVC_REGISTRY_DATA: return PF_HTTPS_REGISTRY;
  case PF_PSVC_ML: return PF_HTTPS_ML;
  case PF_PSVC_MANAGEMENT: return PF_HTTPS_MANAGEMENT;
  case PF_PSVC_LOGIN: return PF_HTTPS_LOGIN;
  case PF_PSVC_MCR: return PF_HTTPS_MCR;
  default: return PF_HTTPS_OTHER;
  }
}

const char *pf_psvc_default_path(enum pf_psvc s)
{
  return pf_https_default_path((enum pf_https_service)pf_psvc_https(s));
}

const char *pf_pexpect_name(enum pf_pexpect e)
{
  return e == PF_PEXP_PRIVATE ? "private"
         : e == PF_PEXP_PUBLIC ? "public"
                               : "any";
}

void pf_probe_plan_init(struct pf_probe_plan *p)
{
  memset(p, 0, sizeof(*p));
  pf_arena_init(&p->arena);
}

void pf_probe_plan_release(struct pf_probe_plan *p)
{
  if (!p)
    return;
  pf_free(p->t);
  pf_arena_release(&p->arena);
  memset(p, 0, sizeof(*p));
}

int pf_probe_addr_private(const struct pf_addr *a)
{
  if (a->af == PF_AF_V4) {
    uint32_t v = (uint32_t)a->v;
    return (v >> 24) == 10 || (v >> 20) == ((172u << 4) | 1) ||
           (v >> 16) == ((192u << 8) | 168) ||
           (v >> 22) == ((100u << 2) | 1);   /* 100.64.0.0/10 */
  }
  return (unsigned)(a->v >> 121) == 0x7e;    /* fc00::/7 */
}

/* ---- validation shared by both sources ---- */

/* A DNS name as a plan may hold it: letters, digits, '-', '_' and dots,
 * labels of 1-63, at most 253 in all, no trailing dot. */
static int valid_name(const char *s, size_t n)
{
  size_t i, lab = 0;
  if (!n || n > PF_PROBE_HOST_MAX)
    return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.') {
      if (!lab)
        return 0;
      lab = 0;
    } else if (isalnum(c) || c == '-' || c == '_') {
      if (++lab > 63)
        return 0;
    } else {
      return 0;
    }
  }
  return lab > 0;
}

static int valid_requirement(const char *s, size_t n)
{
  size_t i = 0, d;
  while (i < n && s[i] >= 'A' && s[i] <= 'Z')
    i++;
  if (!i || i > 8 || i >= n || s[i] != '-')
    return 0;
  for (d = ++i; i < n && isdigit((unsigned char)s[i]); i++)
    ;
  return i == n && i > d && i - d <= 3;
}

static int valid_path(const char *s, size_t n)
{
  size_t i;
  if (!n || n > PF_PROBE_PATH_MAX || s[0] != '/')
    return 0;
  for (i = 0; i < n; i++)
    if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
      return 0;
  return 1;
}

/* ---- building ---- */

static struct pf_probe_target *new_target(struct pf_probe_plan *p)
{
  struct pf_probe_target *t;
  if (PF_GROW(p->t, p->cap, p->n + 1))
    return NULL;
  t = &p->t[p->n++];
  memset(t, 0, sizeof(*t));
  return t;
}

static void add_port(struct pf_probe_target *t, unsigned port)
{
  size_t i;
  for (i = 0; i < t->n_ports; i++)
    if (t->ports[i] == port)
      return;
  if (t->n_ports < PF_PROBE_MAX_PORTS)
    t->ports[t->n_ports++] = port;
}

static void add_expect(struct pf_probe_target *t, const struct pf_addr *a)
{
  size_t i;
  for (i = 0; i < t->n_expect; i++)
    if (t->expect_addrs[i].af == a->af && t->expect_addrs[i].v == a->v)
      return;
  if (t->n_expect < PF_PROBE_MAX_EXPECT)
    t->expect_addrs[t->n_expect++] = *a;
}

static struct pf_probe_target *find_host(struct pf_probe_plan *p,
                                         const char *host)
{
  size_t i;
  for (i = 0; i < p->n; i++)
    if (!strcasecmp(p->t[i].host, host))
      return &p->t[i];
  return NULL;
}

struct dctx {
  struct pf_probe_plan *p;
  const struct pf_config *cfg;
  struct pf_err *err;
};

static char *lower_dup(struct pf_arena *a, const char *s)
{
  char *d = pf_arena_strdup(a, s);
  size_t i;
  for (i = 0; d && d[i]; i++)
    d[i] = (char)tolower((unsigned char)d[i]);
  return d;
}

/* Add (or merge into) the target for \p host.  NULL when out of memory
 * or when the name is not a valid DNS name (*skipped set). */
static struct pf_probe_target *add_host(struct dctx *d, const char *host,
                                        enum pf_psvc svc, const char *req,
                                        const struct pf_res *r,
                                        const char *why, unsigned port,
                                        unsigned port2, int *oom)
{
  struct pf_probe_target *t;
  *oom = 0;
  if (!valid_name(host, strlen(host)))
    return NULL;
  if ((t = find_host(d->p, host))) {
    add_port(t, port);
    if (port2)
      add_port(t, port2);
    return t;
  }
  if (!(t = new_target(d->p)) ||
      !(t->host = lower_dup(&d->p->arena, host)) ||
      !(t->why = pf_arena_strdup(&d->p->arena, why))) {
    *oom = 1;
    return NULL;
  }
  t->service = svc;
  t->requirement = req;
  if (r) {
    t->resource = r->id;
    t->resource_name = r->name;
  }
  add_port(t, port);
  if (port2)
    add_port(t, port2);
  t->https = svc != PF_PSVC_NODE;
  t->path = pf_psvc_default_path(svc);
  return t;
}

/* The private endpoints of \p r with group id \p group (case-insensitive;
 * NULL: any group): the target expects a private answer, at the address of
 * the endpoint's DNS configuration for the host when it is given. */
static void apply_pe(struct dctx *d, struct pf_probe_target *t,
                     const struct pf_res *r, const char *group)
{
  size_t i, j;
  if (!t || !r)
    return;
  for (i = 0; i < d->cfg->n_res[PF_K_PRIVATE_ENDPOINT]; i++) {
    const struct pf_private_endpoint *pe =
        (const struct pf_private_endpoint *)
            d->cfg->res[PF_K_PRIVATE_ENDPOINT][i];
    int hit = 0;
    for (j = 0; j < pe->n_targets; j++)
      if (pe->targets[j].id && !strcasecmp(pe->targets[j].id, r->id) &&
          (!group || (pe->group_ids[j] &&
                      !strcasecmp(pe->group_ids[j], group))))
        hit = 1;
    if (!hit)
      continue;
    t->expect = PF_PEXP_PRIVATE;
    for (j = 0; j < pe->n_dns; j++)
      if (pe->dns_fqdns[j] && !strcasecmp(pe->dns_fqdns[j], t->host))
        add_expect(t, &pe->dns_ips[j]);
  }
}

static pf_status derive_storage(struct dctx *d, const struct pf_res *r,
                                const char *account, const char *suffix,
                                const char *why)
{
  static const struct {
    enum pf_psvc svc;
    const char *sub, *req;
    unsigned port2;
  } kinds[5] = {
    /* UDR-3 names blob, queue and table; file (445 too, DESIGN.md) and
     * dfs bear on reaching the account at all (ST-1) */
    {PF_PSVC_BLOB, "blob", "UDR-3", 0},
    {PF_PSVC_QUEUE, "queue", "UDR-3", 0},
    {PF_PSVC_TABLE, "table", "UDR-3", 0},
    {PF_PSVC_FILE, "file", "ST-1", 445},
    {PF_PSVC_DFS, "dfs", "ST-1", 0},
  };
  char host[PF_PROBE_HOST_MAX + 2];
  size_t k;
  int oom;
  for (k = 0; k < 5; k++) {
    struct pf_probe_target *t;
    if (snprintf(host, sizeof(host), "%s.%s.%s", account, kinds[k].sub,
                 suffix) >= (int)sizeof(host))
      return PF_OK;
    t = add_host(d, host, kinds[k].svc, kinds[k].req, r, why, 443,
                 kinds[k].port2, &oom);
    if (oom)
      return pf_err_set(d->err, PF_ENOMEM, "out of memory");
    apply_pe(d, t, r, kinds[k].sub);
  }
  return PF_OK;
}

static const char *host_of_uri(struct pf_arena *a, const char *uri)
{
  const char *s = uri, *e;
  if (!strncasecmp(s, "https://", 8))
    s += 8;
  e = s + strcspn(s, "/:");
  return pf_arena_strndup(a, s, (size_t)(e - s));
}

static const char *region_of(const struct pf_config *cfg)
{
  size_t i;
  for (i = 0; i < cfg->n_res[PF_K_WORKSPACE]; i++)
    if (cfg->res[PF_K_WORKSPACE][i]->location)
      return cfg->res[PF_K_WORKSPACE][i]->location;
  for (i = 0; i < cfg->n_res[PF_K_COMPUTE]; i++)
    if (cfg->res[PF_K_COMPUTE][i]->location)
      return cfg->res[PF_K_COMPUTE][i]->location;
  return NULL;
}

static const struct pf_subnet *compute_subnet(const struct pf_compute *c)
{
  const struct pf_res *t = c->subnet.target;
  return t && t->kind == PF_K_SUBNET ? (const struct pf_subnet *)t : NULL;
}

/* Ports a node of compute \p c answers on (NSG-7): 29876-29877 on cluster
 * nodes, 44224 on instances, 22 when SSH is enabled. */
static void node_ports(const struct pf_compute *c, struct pf_probe_target *t)
{
  if (c->type == PF_CT_AMLCOMPUTE) {
    add_port(t, 29876);
    add_port(t, 29877);
  } else if (c->type == PF_CT_COMPUTE_INSTANCE) {
    add_port(t, 44224);
  }
  if (c->ssh_public_access && !strcasecmp(c->ssh_public_access, "Enabled"))
    add_port(t, 22);
}

static pf_status add_node(struct dctx *d, const struct pf_addr *a,
                          const char *why, struct pf_probe_target **out)
{
  char ip[PF_ADDR_STRLEN];
  struct pf_probe_target *t;
  size_t i;
  pf_addr_format(a, ip, sizeof(ip));
  *out = NULL;
  for (i = 0; i < d->p->n; i++)
    if (d->p->t[i].host_is_addr && d->p->t[i].addr.af == a->af &&
        d->p->t[i].addr.v == a->v) {
      *out = &d->p->t[i];
      return PF_OK;
    }
  if (!(t = new_target(d->p)) ||
      !(t->host = pf_arena_strdup(&d->p->arena, ip)) ||
      !(t->why = pf_arena_strdup(&d->p->arena, why)))
    return pf_err_set(d->err, PF_ENOMEM, "out of memory");
  t->host_is_addr = 1;
  t->addr = *a;
  t->service = PF_PSVC_NODE;
  t->requirement = "NSG-7";
  *out = t;
  return PF_OK;
}

static pf_status derive_nodes(struct dctx *d,
                              const struct pf_probe_derive_opts *o)
{
  const struct pf_config *cfg = d->cfg;
  struct pf_probe_target *t;
  char why[256];
  size_t i, j, k;
  pf_status st;

  for (i = 0; o && i < o->n_nodes; i++) {
    int any = 0;
    if ((st = add_node(d, &o->nodes[i], "--node", &t)) != PF_OK)
      return st;
    /* the ports of every compute loaded; all three without any */
    for (j = 0; j < cfg->n_res[PF_K_COMPUTE]; j++) {
      const struct pf_compute *c =
          (const struct pf_compute *)cfg->res[PF_K_COMPUTE][j];
      if (c->type == PF_CT_AMLCOMPUTE || c->type == PF_CT_COMPUTE_INSTANCE) {
        node_ports(c, t);
        if (!t->resource) {
          t->resource = c->hdr.id;
          t->resource_name = c->hdr.name;
        }
        any = 1;
      }
    }
    if (!any) {
      add_port(t, 29876);
      add_port(t, 29877);
      add_port(t, 44224);
    }
  }
  /* NIC addresses in the subnet of a cluster or an instance */
  for (i = 0; i < cfg->n_res[PF_K_NIC]; i++) {
    const struct pf_nic *n = (const struct pf_nic *)cfg->res[PF_K_NIC][i];
    for (j = 0; j < n->n_ipconfigs; j++) {
      const struct pf_nic_ipconfig *ic = &n->ipconfigs[j];
      if (!ic->has_private_ip || !ic->subnet.target)
        continue;
      for (k = 0; k < cfg->n_res[PF_K_COMPUTE]; k++) {
        const struct pf_compute *c =
            (const struct pf_compute *)cfg->res[PF_K_COMPUTE][k];
        if ((c->type != PF_CT_AMLCOMPUTE &&
             c->type != PF_CT_COMPUTE_INSTANCE) ||
            compute_subnet(c) != (const struct pf_subnet *)ic->subnet.target)
          continue;
        snprintf(why, sizeof(why), "NIC %s in the subnet of compute %s",
                 n->hdr.name ? n->hdr.name : "?",
                 c->hdr.name ? c->hdr.name : "?");
        if ((st = add_node(d, &ic->private_ip, why, &t)) != PF_OK)
          return st;
        if (!t->resource) {
          t->resource = c->hdr.id;
          t->resource_name = c->hdr.name;
        }
        node_ports(c, t);
      }
    }
  }
  return PF_OK;
}

/* The address probes stand for in the configuration: the first usable
 * address (Azure keeps the first four) of the first compute's subnet. */
void pf_probe_plan_default_from(struct pf_probe_plan *p,
                                const struct pf_config *cfg)
{
  char why[256];
  size_t i;
  if (p->has_from)
    return;
  for (i = 0; i < cfg->n_res[PF_K_COMPUTE]; i++) {
    const struct pf_compute *c =
        (const struct pf_compute *)cfg->res[PF_K_COMPUTE][i];
    const struct pf_subnet *s = compute_subnet(c);
    if (!s || !s->n_prefixes)
      continue;
    p->has_from = 1;
    p->from.af = s->prefixes[0].af;
    p->from.v = pf_prefix_first(&s->prefixes[0]) + 4;
    snprintf(why, sizeof(why), "first usable address of subnet %s "
             "(compute %s)", s->hdr.name ? s->hdr.name : "?",
             c->hdr.name ? c->hdr.name : "?");
    p->from_why = pf_arena_strdup(&p->arena, why);
    return;
  }
}

static enum pf_psvc svc_of_fqdn(const char *h)
{
  size_t n = strlen(h);
#define ENDS(s) (n >= sizeof(s) - 1 && !strcasecmp(h + n - (sizeof(s) - 1), s))
  if (ENDS(".vault.azure.net"))
    return PF_PSVC_KEYVAULT;
  if (ENDS(".azurecr.io"))
    return strstr(h, ".data.azurecr.io") ? PF_PSVC_REGISTRY_DATA
                                         : PF_PSVC_REGISTRY;
  if (ENDS(".api.azureml.ms") || ENDS(".notebooks.azure.net") ||
      ENDS(".azureml.net"))
    return PF_PSVC_ML;
  if (ENDS(".blob.core.windows.net"))
    return PF_PSVC_BLOB;
  if (ENDS(".file.core.windows.net"))
    return PF_PSVC_FILE;
#undef ENDS
  return PF_PSVC_OTHER;
}

static int cmp_target(const void *pa, const void *pb)
{
  const struct pf_probe_target *a = pa, *b = pb;
  if (a->host_is_addr != b->host_is_addr)
    return a->host_is_addr - b->host_is_addr;
  if (a->host_is_addr) {
    if (a->addr.af != b->addr.af)
      return (int)a->addr.af - (int)b->addr.af;
    return a->addr.v < b->addr.v ? -1 : a->addr.v > b->addr.v;
  }
  if (a->service != b->service)
    return (int)a->service - (int)b->service;
  return strcmp(a->host, b->host);
}

pf_status pf_probe_plan_derive(struct pf_probe_plan *p,
                               const struct pf_config *cfg,
                               const struct pf_probe_derive_opts *o,
                               struct pf_err *err)
{
  struct dctx d;
  struct pf_probe_target *t;
  const char *region = o && o->region ? o->region : region_of(cfg);
  char host[PF_PROBE_HOST_MAX + 2], why[300];
  size_t i, j;
  int oom = 0;
  pf_status st;

  d.p = p;
  d.cfg = cfg;
  d.err = err;
  for (i = 0; i < cfg->n_res[PF_K_STORAGE]; i++) {
    const struct pf_res *r = cfg->res[PF_K_STORAGE][i];
    snprintf(why, sizeof(why), "storage account");
    if (r->name &&
        (st = derive_storage(&d, r, r->name, "core.windows.net", why)) !=
            PF_OK)
      return st;
  }
  /* datastore accounts that were not loaded themselves */
  for (i = 0; i < cfg->n_res[PF_K_DATASTORE]; i++) {
    const struct pf_datastore *ds =
        (const struct pf_datastore *)cfg->res[PF_K_DATASTORE][i];
    if (!ds->account_name || ds->storage)
      continue;
    snprintf(why, sizeof(why), "datastore %s (account %s)",
             ds->hdr.name ? ds->hdr.name : "?", ds->account_name);
    if ((st = derive_storage(&d, &ds->hdr, ds->account_name,
                             ds->endpoint ? ds->endpoint
                                          : "core.windows.net",
                             why)) != PF_OK)
      return st;
  }
  for (i = 0; i < cfg->n_res[PF_K_KEYVAULT]; i++) {
    const struct pf_keyvault *kv =
        (const struct pf_keyvault *)cfg->res[PF_K_KEYVAULT][i];
    const char *h = kv->vault_uri ? host_of_uri(&p->arena, kv->vault_uri)
                                  : NULL;
    if (!h && kv->hdr.name) {
      snprintf(host, sizeof(host), "%s.vault.azure.net", kv->hdr.name);
      h = host;
    }
    snprintf(why, sizeof(why), "key vault");
    if (!h)
      continue;
    t = add_host(&d, h, PF_PSVC_KEYVAULT, "KV-3", &kv->hdr, why, 443, 0,
                 &oom);
    if (oom)
      break;
    apply_pe(&d, t, &kv->hdr, "vault");
  }
  for (i = 0; !oom && i < cfg->n_res[PF_K_REGISTRY]; i++) {
    const struct pf_registry *cr =
        (const struct pf_registry *)cfg->res[PF_K_REGISTRY][i];
    const char *h = cr->login_server;
    if (!cr->hdr.name)
      continue;
    if (!h) {
      snprintf(host, sizeof(host), "%s.azurecr.io", cr->hdr.name);
      h = host;
    }
    /* OUT-1: outbound to AzureContainerRegistry must stay open */
    snprintf(why, sizeof(why), "registry login server");
    t = add_host(&d, h, PF_PSVC_REGISTRY, "OUT-1", &cr->hdr, why, 443, 0,
                 &oom);
    if (oom)
      break;
    apply_pe(&d, t, &cr->hdr, "registry");
    if (cr->hdr.location || region) {
      snprintf(host, sizeof(host), "%s.%s.data.azurecr.io", cr->hdr.name,
               cr->hdr.location ? cr->hdr.location : region);
      snprintf(why, sizeof(why), "registry data endpoint");
      t = add_host(&d, host, PF_PSVC_REGISTRY_DATA, "OUT-1", &cr->hdr, why,
                   443, 0, &oom);
      if (oom)
        break;
      apply_pe(&d, t, &cr->hdr, "registry");
    }
  }
  /* the region's ML API endpoints (AZURE-SEMANTICS.md 5.6, the 2023
   * firewall FQDN list: <region>.api.azureml.ms and
   * <region>.experiments.azureml.net) and the studio, ml.azure.com */
  if (!oom && region) {
    static const char *const sfx[2] = {"api.azureml.ms",
                                       "experiments.azureml.net"};
    for (i = 0; !oom && i < 2; i++) {
      snprintf(host, sizeof(host), "%s.%s", region, sfx[i]);
      snprintf(why, sizeof(why), "Azure Machine Learning API of region %s",
               region);
      add_host(&d, host, PF_PSVC_ML, "OUT-1", NULL, why, 443, 0, &oom);
    }
  }
  if (!oom && cfg->n_res[PF_K_WORKSPACE])
    add_host(&d, "ml.azure.com", PF_PSVC_ML, "OUT-1", NULL,
             "Azure Machine Learning studio", 443, 0, &oom);
  /* every DNS name a private endpoint declares (workspace, notebooks) */
  for (i = 0; !oom && i < cfg->n_res[PF_K_PRIVATE_ENDPOINT]; i++) {
    const struct pf_private_endpoint *pe =
        (const struct pf_private_endpoint *)
            cfg->res[PF_K_PRIVATE_ENDPOINT][i];
    const struct pf_res *tr = pe->n_targets ? pe->targets[0].target : NULL;
    for (j = 0; !oom && j < pe->n_dns; j++) {
      if (!pe->dns_fqdns[j])
        continue;
      snprintf(why, sizeof(why), "private endpoint %s",
               pe->hdr.name ? pe->hdr.name : "?");
      t = add_host(&d, pe->dns_fqdns[j], svc_of_fqdn(pe->dns_fqdns[j]),
                   "OUT-1", tr ? tr : &pe->hdr, why, 443, 0, &oom);
      if (t) {
        t->expect = PF_PEXP_PRIVATE;
        add_expect(t, &pe->dns_ips[j]);
        if (t->requirement && !strcmp(t->requirement, "OUT-1") &&
            t->service == PF_PSVC_KEYVAULT)
          t->requirement = "KV-3";
      }
    }
  }
  if (!oom) {
    static const struct {
      const char *h, *req, *why;
      enum pf_psvc svc;
    } fixed[3] = {
      {"management.azure.com", "OUT-1", "Azure Resource Manager",
       PF_PSVC_MANAGEMENT},
      {"login.microsoftonline.com", "OUT-1", "Microsoft Entra ID sign-in",
       PF_PSVC_LOGIN},
      {"mcr.microsoft.com", "OUT-2", "Microsoft Container Registry",
       PF_PSVC_MCR},
    };
    for (i = 0; !oom && i < 3; i++)
      add_host(&d, fixed[i].h, fixed[i].svc, fixed[i].req, NULL,
               fixed[i].why, 443, 0, &oom);
  }
  if (oom)
    return pf_err_set(err, PF_ENOMEM, "out of memory");
  if ((st = derive_nodes(&d, o)) != PF_OK)
    return st;
  /* names with no private endpoint: a public answer is what is expected */
  for (i = 0; i < p->n; i++)
    if (!p->t[i].host_is_addr && p->t[i].expect == PF_PEXP_ANY)
      p->t[i].expect = PF_PEXP_PUBLIC;
  pf_probe_plan_default_from(p, cfg);
  if (p->n > 1)
    qsort(p->t, p->n, sizeof(*p->t), cmp_target);
  return PF_OK;
}

/* ---- the plan file ---- */

struct rd {
  struct pf_jsonr r;
  struct pf_probe_plan *p;
};

static pf_status rd_status(const struct rd *d)
{
  pf_status st = pf_jsonr_error(&d->r)->code;
  return st == PF_OK ? PF_EPARSE : st;
}

static const char *tok_kind(enum pf_jtok t)
{
  switch (t) {
  case PF_JT_OBJ_BEGIN: return "an object";
  case PF_JT_ARR_BEGIN: return "an array";
  case PF_JT_STRING: return "a string";
  case PF_JT_NUMBER: return "a number";
  case PF_JT_TRUE:
  case PF_JT_FALSE: return "a boolean";
  case PF_JT_NULL: return "null";
  default: return "something else";
  }
}

static pf_status want(struct rd *d, enum pf_jtok got, enum pf_jtok w,
                      const char *what)
{
  if (got == PF_JT_ERROR)
    return rd_status(d);
  if (got != w)
    return pf_jsonr_fail(&d->r, PF_EINVAL, "expected %s, found %s", what,
                         tok_kind(got));
  return PF_OK;
}

static pf_status str_dup(struct rd *d, const char **out)
{
  if (!(*out = pf_arena_strndup(&d->p->arena, d->r.str, d->r.len)))
    return pf_jsonr_fail(&d->r, PF_ENOMEM, "out of memory");
  return PF_OK;
}

static pf_status read_addr(struct rd *d, struct pf_addr *a)
{
  struct pf_err e;
  pf_status st = want(d, pf_jsonr_next(&d->r), PF_JT_STRING,
                      "an IP address");
  if (st != PF_OK)
    return st;
  pf_err_clear(&e);
  if (pf_addr_parse(d->r.str, d->r.len, a, &e) != PF_OK)
    return pf_jsonr_fail(&d->r, PF_EINVAL, "%s", e.msg);
  return PF_OK;
}

static pf_status once(struct rd *d, unsigned *seen, unsigned bit,
                      const char *key)
{
  if (*seen & bit)
    return pf_jsonr_fail(&d->r, PF_EINVAL, "duplicate member '%s'", key);
  *seen |= bit;
  return PF_OK;
}

static pf_status read_target(struct rd *d, const char *obj_start)
{
  struct pf_probe_target *t = new_target(d->p);
  struct pf_err e;
  unsigned seen = 0;
  enum pf_jtok k;
  pf_status st;

  if (!t)
    return pf_jsonr_fail(&d->r, PF_ENOMEM, "out of memory");
  t->service = PF_PSVC_OTHER;
  while ((k = pf_jsonr_next(&d->r)) == PF_JT_KEY) {
    enum pf_jtok v;
    if (pf_jsonr_is(&d->r, "host")) {
      if ((st = once(d, &seen, 1u << 0, "host")) != PF_OK ||
          (st = want(d, pf_jsonr_next(&d->r), PF_JT_STRING,
                     "a DNS name or an IP address")) != PF_OK)
        return st;
      pf_err_clear(&e);
      if (pf_addr_parse(d->r.str, d->r.len, &t->addr, &e) == PF_OK)
        t->host_is_addr = 1;
      else if (!valid_name(d->r.str, d->r.len))
        return pf_jsonr_fail(&d->r, PF_EINVAL, "not a DNS name or an IP "
                             "address");
      if ((st = str_dup(d, &t->host)) != PF_OK)
        return st;
    } else if (pf_jsonr_is(&d->r, "service")) {
      if ((st = once(d, &seen, 1u << 1, "service")) != PF_OK ||
          (st = want(d, pf_jsonr_next(&d->r), PF_JT_STRING,
                     "a service name")) != PF_OK)
        return st;
      if ((t->service = pf_psvc_parse(d->r.str, d->r.len)) == PF_PSVC_COUNT)
        return pf_jsonr_fail(&d->r, PF_EINVAL, "unknown service (expected "
                             "blob, queue, table, file, dfs, keyvault, "
                             "registry, registry-data, ml, management, "
                             "login, mcr, node or other)");
    } else if (pf_jsonr_is(&d->r, "requirement")) {
      if ((st = once(d, &seen, 1u << 2, "requirement")) != PF_OK ||
          (st = want(d, pf_jsonr_next(&d->r), PF_JT_STRING,
                     "a requirement ID")) != PF_OK)
        return st;
      if (!valid_requirement(d->r.str, d->r.len))
        return pf_jsonr_fail(&d->r, PF_EINVAL, "not a requirement ID "
                             "(like NSG-7 or KV-3)");
      if ((st = str_dup(d, &t->requirement)) != PF_OK)
        return st;
    } else if (pf_jsonr_is(&d->r, "resource") ||
               pf_jsonr_is(&d->r, "resource_name") ||
               pf_jsonr_is(&d->r, "why")) {
      const char **dst = pf_jsonr_is(&d->r, "resource") ? &t->resource
                         : pf_jsonr_is(&d->r, "why") ? &t->why
                                                      : &t->resource_name;
      unsigned bit = dst == &t->resource ? 1u << 3
                     : dst == &t->why    ? 1u << 4
                                         : 1u << 5;
      if ((st = once(d, &seen, bit, bit == 1u << 3   ? "resource"
                                    : bit == 1u << 4 ? "why"
                                                     : "resource_name")) !=
          PF_OK)
        return st;
      if ((v = pf_jsonr_next(&d->r)) == PF_JT_NULL)
        continue;
      if ((st = want(d, v, PF_JT_STRING, "a string or null")) != PF_OK)
        return st;
      if (d->r.len > 1024)
        return pf_jsonr_fail(&d->r, PF_EINVAL, "longer than 1024 bytes");
      if ((st = str_dup(d, dst)) != PF_OK)
        return st;
    } else if (pf_jsonr_is(&d->r, "ports")) {
      if ((st = once(d, &seen, 1u << 6, "ports")) != PF_OK ||
          (st = want(d, pf_jsonr_next(&d->r), PF_JT_ARR_BEGIN,
                     "an array of ports")) != PF_OK)
        return st;
      while ((v = pf_jsonr_next(&d->r)) != PF_JT_ARR_END) {
        int64_t port;
        size_t i;
        if ((st = want(d, v, PF_JT_NUMBER, "a port number")) != PF_OK)
          return st;
        if (pf_jsonr_int(&d->r, 1, 65535, &port) != PF_OK)
          return pf_jsonr_fail(&d->r, PF_EINVAL, "a port is an integer "
                               "from 1 to 65535");
        for (i = 0; i < t->n_ports; i++)
          if (t->ports[i] == (unsigned)port)
            return pf_jsonr_fail(&d->r, PF_EINVAL, "port %u listed twice",
                                 (unsigned)port);
        if (t->n_ports == PF_PROBE_MAX_PORTS)
          return pf_jsonr_fail(&d->r, PF_EINVAL, "more than %d ports",
                               PF_PROBE_MAX_PORTS);
        t->ports[t->n_ports++] = (unsigned)port;
      }
    } else if (pf_jsonr_is(&d->r, "https")) {
      if ((st = once(d, &seen, 1u << 7, "https")) != PF_OK)
        return st;
      v = pf_jsonr_next(&d->r);
      if (v != PF_JT_TRUE && v != PF_JT_FALSE)
        return want(d, v, PF_JT_TRUE, "true or false");
      t->https = v == PF_JT_TRUE;
    } else if (pf_jsonr_is(&d->r, "path")) {
      if ((st = once(d, &seen, 1u << 8, "path")) != PF_OK ||
          (st = want(d, pf_jsonr_next(&d->r), PF_JT_STRING,
                     "a URL path")) != PF_OK)
        return st;
      if (!valid_path(d->r.str, d->r.len))
        return pf_jsonr_fail(&d->r, PF_EINVAL, "a path starts with '/' and "
                             "holds at most %d printable characters, no "
                             "spaces", PF_PROBE_PATH_MAX);
      if ((st = str_dup(d, &t->path)) != PF_OK)
        return st;
    } else if (pf_jsonr_is(&d->r, "expect")) {
      if ((st = once(d, &seen, 1u << 9, "expect")) != PF_OK ||
          (st = want(d, pf_jsonr_next(&d->r), PF_JT_STRING,
                     "private, public or any")) != PF_OK)
        return st;
      if (pf_jsonr_is(&d->r, "private"))
        t->expect = PF_PEXP_PRIVATE;
      else if (pf_jsonr_is(&d->r, "public"))
        t->expect = PF_PEXP_PUBLIC;
      else if (pf_jsonr_is(&d->r, "any"))
        t->expect = PF_PEXP_ANY;
      else
        return pf_jsonr_fail(&d->r, PF_EINVAL, "expected private, public "
                             "or any");
    } else if (pf_jsonr_is(&d->r, "expect_addresses")) {
      if ((st = once(d, &seen, 1u << 10, "expect_addresses")) != PF_OK ||
          (st = want(d, pf_jsonr_next(&d->r), PF_JT_ARR_BEGIN,
                     "an array of IP addresses")) != PF_OK)
        return st;
      for (;;) {
        struct pf_addr a;
        pf_err_clear(&e);
        v = pf_jsonr_next(&d->r);
        if (v == PF_JT_ARR_END)
          break;
        if ((st = want(d, v, PF_JT_STRING, "an IP address")) != PF_OK)
          return st;
        if (pf_addr_parse(d->r.str, d->r.len, &a, &e) != PF_OK)
          return pf_jsonr_fail(&d->r, PF_EINVAL, "%s", e.msg);
        if (t->n_expect == PF_PROBE_MAX_EXPECT)
          return pf_jsonr_fail(&d->r, PF_EINVAL, "more than %d addresses",
                               PF_PROBE_MAX_EXPECT);
        t->expect_addrs[t->n_expect++] = a;
      }
    } else if (pf_jsonr_is(&d->r, "connect_to")) {
      if ((st = once(d, &seen, 1u << 11, "connect_to")) != PF_OK)
        return st;
      if ((v = pf_jsonr_next(&d->r)) == PF_JT_NULL)
        continue;
      if (v != PF_JT_STRING)
        return want(d, v, PF_JT_STRING, "an IP address or null");
      pf_err_clear(&e);
      if (pf_addr_parse(d->r.str, d->r.len, &t->connect_to, &e) != PF_OK)
        return pf_jsonr_fail(&d->r, PF_EINVAL, "%s", e.msg);
      t->has_connect_to = 1;
    } else {
      return pf_jsonr_fail(&d->r, PF_EINVAL, "unknown field (expected "
                           "host, service, requirement, resource, "
                           "resource_name, why, ports, https, path, expect, "
                           "expect_addresses or connect_to)");
    }
  }
  if (k != PF_JT_OBJ_END)
    return rd_status(d);
  d->r.tok_start = obj_start;
  if (!t->path)
    t->path = pf_psvc_default_path(t->service);
  if (!t->host)
    return pf_jsonr_fail(&d->r, PF_EINVAL, "missing 'host'");
  if (t->https && !t->host_is_addr) {
    /* what the HTTPS prober would refuse (a SAS signature, user info) is
     * refused here, before anything is sent */
    char url[PF_PROBE_HOST_MAX + PF_PROBE_PATH_MAX + 16];
    const char *why;
    snprintf(url, sizeof(url), "https://%s%s", t->host, t->path);
    if ((why = pf_https_url_problem(url)) != NULL)
      return pf_jsonr_fail(&d->r, PF_EINVAL, "the HTTPS request: %s (the "
                           "path is not repeated here)", why);
  }
  if (!t->host)
    return pf_jsonr_fail(&d->r, PF_EINVAL, "missing 'host'");
  if (!t->requirement)
    return pf_jsonr_fail(&d->r, PF_EINVAL, "missing 'requirement'");
  if (t->host_is_addr && (t->n_expect || t->expect != PF_PEXP_ANY))
    return pf_jsonr_fail(&d->r, PF_EINVAL, "'expect' is for DNS names, "
                         "not an address");
  if (t->host_is_addr && t->has_connect_to)
    return pf_jsonr_fail(&d->r, PF_EINVAL, "'connect_to' is for DNS names, "
                         "not an address");
  if (t->https && t->host_is_addr)
    return pf_jsonr_fail(&d->r, PF_EINVAL, "'https' needs a DNS name (the "
                         "certificate is checked against it)");
  if (t->n_expect && t->expect != PF_PEXP_PRIVATE)
    return pf_jsonr_fail(&d->r, PF_EINVAL, "'expect_addresses' needs "
                         "\"expect\": \"private\"");
  if (t->host_is_addr && !t->n_ports)
    return pf_jsonr_fail(&d->r, PF_EINVAL, "an address without 'ports' "
                         "probes nothing");
  return PF_OK;
}

pf_status pf_probe_plan_parse(struct pf_probe_plan *p, const char *name,
                              const char *buf, size_t len,
                              struct pf_err *err)
{
  struct rd d;
  enum pf_jtok k;
  unsigned seen = 0;
  pf_status st = PF_OK;

  memset(&d, 0, sizeof(d));
  d.p = p;
  pf_jsonr_init(&d.r, buf, len, 16);
  if (!(p->source = pf_arena_strdup(&p->arena, name))) {
    pf_jsonr_release(&d.r);
    return pf_err_set(err, PF_ENOMEM, "out of memory");
  }
  if ((st = want(&d, pf_jsonr_next(&d.r), PF_JT_OBJ_BEGIN,
                 "an object {\"version\": 1, \"targets\": [...]}")) != PF_OK)
    goto done;
  while ((k = pf_jsonr_next(&d.r)) == PF_JT_KEY) {
    if (pf_jsonr_is(&d.r, "version")) {
      int64_t v;
      if ((st = once(&d, &seen, 1, "version")) != PF_OK ||
          (st = want(&d, pf_jsonr_next(&d.r), PF_JT_NUMBER,
                     "the number 1")) != PF_OK)
        goto done;
      if (pf_jsonr_int(&d.r, 1, 1, &v) != PF_OK) {
        st = pf_jsonr_fail(&d.r, PF_EINVAL, "unsupported version (this "
                           "preflight reads version 1)");
        goto done;
      }
    } else if (pf_jsonr_is(&d.r, "from")) {
      if ((st = once(&d, &seen, 2, "from")) != PF_OK ||
          (st = read_addr(&d, &p->from)) != PF_OK)
        goto done;
      p->has_from = 1;
      p->from_why = "the plan file";
    } else if (pf_jsonr_is(&d.r, "targets")) {
      if ((st = once(&d, &seen, 4, "targets")) != PF_OK ||
          (st = want(&d, pf_jsonr_next(&d.r), PF_JT_ARR_BEGIN,
                     "an array of targets")) != PF_OK)
        goto done;
      while ((k = pf_jsonr_next(&d.r)) != PF_JT_ARR_END) {
        const char *at = d.r.tok_start;
        if ((st = want(&d, k, PF_JT_OBJ_BEGIN, "a target object")) !=
                PF_OK ||
            (st = read_target(&d, at)) != PF_OK)
          goto done;
      }
    } else if (pf_jsonr_is(&d.r, "key_checks")) {
      /* what `probe --print-plan` lists for KEY-2: informational, the
       * checks always come from the datastores of the configuration and
       * the keys given (docs/probe.md "Storage keys (KEY-2)") */
      if ((st = once(&d, &seen, 8, "key_checks")) != PF_OK ||
          (st = want(&d, pf_jsonr_next(&d.r), PF_JT_ARR_BEGIN,
                     "an array")) != PF_OK ||
          (st = pf_jsonr_skip(&d.r, PF_JT_ARR_BEGIN)) != PF_OK)
        goto done;
    } else {
      st = pf_jsonr_fail(&d.r, PF_EINVAL, "unknown field (expected "
                         "version, from, targets or key_checks)");
      goto done;
    }
  }
  if (k != PF_JT_OBJ_END) {
    st = rd_status(&d);
    goto done;
  }
  if (!(seen & 1) || !(seen & 4)) {
    d.r.tok_start = d.r.start;
    st = pf_jsonr_fail(&d.r, PF_EINVAL, "missing '%s'",
                       !(seen & 1) ? "version" : "targets");
    goto done;
  }
  if (pf_jsonr_next(&d.r) != PF_JT_EOF)
    st = rd_status(&d);
done:
  if (st != PF_OK) {
    const struct pf_err *je = pf_jsonr_error(&d.r);
    if (je->code != PF_OK)
      pf_err_set(err, st, "%s: %s", name, je->msg);
    else
      pf_err_set(err, st, "%s: %s", name, pf_strerror(st));
  }
  pf_jsonr_release(&d.r);
  return st;
}

pf_status pf_probe_plan_read(struct pf_probe_plan *p, const char *path,
                             struct pf_err *err)
{
  char *buf = NULL;
  size_t len = 0;
  pf_status st = pf_file_read(path, PF_PROBE_PLAN_MAX_BYTES, &buf, &len,
                              err);
  if (st == PF_OK)
    st = pf_probe_plan_parse(p, path, buf, len, err);
  pf_free(buf);
  return st;
}

void pf_probe_plan_write_json(const struct pf_probe_plan *p,
                              struct pf_jw *jw)
{
  pf_probe_plan_write_json_open(p, jw);
  pf_jw_obj_end(jw);
}

void pf_probe_plan_write_json_open(const struct pf_probe_plan *p,
                                   struct pf_jw *jw)
{
  char ip[PF_ADDR_STRLEN];
  size_t i, j;
  pf_jw_obj(jw);
  pf_jw_kint(jw, "version", 1);
  if (p->has_from) {
    pf_addr_format(&p->from, ip, sizeof(ip));
    pf_jw_kstr(jw, "from", ip);
  }
  pf_jw_key(jw, "targets");
  pf_jw_arr(jw);
  for (i = 0; i < p->n; i++) {
    const struct pf_probe_target *t = &p->t[i];
    pf_jw_obj(jw);
    pf_jw_kstr(jw, "host", t->host);
    pf_jw_kstr(jw, "service", pf_psvc_name(t->service));
    pf_jw_kstr(jw, "requirement", t->requirement);
    pf_jw_kstr(jw, "resource", t->resource);
    pf_jw_kstr(jw, "resource_name", t->resource_name);
    pf_jw_kstr(jw, "why", t->why);
    pf_jw_key(jw, "ports");
    pf_jw_arr(jw);
    for (j = 0; j < t->n_ports; j++)
      pf_jw_int(jw, t->ports[j]);
    pf_jw_arr_end(jw);
    if (!t->host_is_addr) {
      pf_jw_kbool(jw, "https", t->https);
      if (t->https)
        pf_jw_kstr(jw, "path", t->path);
      pf_jw_kstr(jw, "expect", pf_pexpect_name(t->expect));
      if (t->n_expect) {
        pf_jw_key(jw, "expect_addresses");
        pf_jw_arr(jw);
        for (j = 0; j < t->n_expect; j++) {
          pf_addr_format(&t->expect_addrs[j], ip, sizeof(ip));
          pf_jw_str(jw, ip);
        }
        pf_jw_arr_end(jw);
      }
      if (t->has_connect_to) {
        pf_addr_format(&t->connect_to, ip, sizeof(ip));
        pf_jw_kstr(jw, "connect_to", ip);
      }
    }
    pf_jw_obj_end(jw);
  }
  pf_jw_arr_end(jw);
}
