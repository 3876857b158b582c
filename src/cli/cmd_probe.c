/* SPDX-License-Identifier: MIT */
/* cmd_probe.c - `preflight probe`: live DNS and TCP probes from inside the
 * subnet, each result next to the static verdict for the same path
 * (issue 5; DESIGN.md "What it probes"; docs/probe.md)
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../../probes/pf_dns_probe.h"
#include "../../probes/pf_https_probe.h"
#include "../../probes/pf_key_probe.h"
#include "../../probes/pf_probe_plan.h"
#include "../../probes/pf_tcp_probe.h"
#include "../core/pf_err.h"
#include "../core/pf_jw.h"
#include "../core/pf_mem.h"
#include "../eval/pf_path.h"
#include "../eval/pf_route.h"
#include "../load/pf_load.h"
#include "../model/pf_model.h"
#include "../model/pf_tags.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight probe [PATH...] [--plan FILE] [--print-plan]\n"
  "                       [--node IP]... [--from IP] [--region NAME]\n"
  "                       [--dns-server IP[:PORT]] [--timeout MS]\n"
  "                       [--concurrency N] [--rate N]\n"
  "                       [--dns-concurrency N] [--ca-file FILE]\n"
  "                       [--keys FILE] [--blob-endpoint URL]\n"
  "                       [--service-tags FILE] [--format text|json]\n"
  "                       [--fail-on error|warning|info|never]\n"
  "\n"
  "Live probes from inside the subnet, run where the compute runs: every\n"
  "name of the plan is resolved at once (public, private via a\n"
  "privatelink CNAME or a private address, nxdomain, nodata, servfail,\n"
  "refused, timeout, unreachable) and compared with the private endpoint\n"
  "the configuration expects; then every port of the plan gets one TCP\n"
  "connect (open, refused, filtered, unreachable) and every name one\n"
  "anonymous HTTPS request (TLS outcome, HTTP status, the service's\n"
  "error code: reachable, blocked by its firewall).  Each result names\n"
  "the requirement it bears on and, when the configuration in PATH is\n"
  "loaded, the NSG verdict and route for the same flow, so static and\n"
  "live agree or the difference shows.  Nothing outside the plan is ever\n"
  "contacted: --print-plan shows it and sends nothing.\n"
  "\n"
  "Storage keys (KEY-2): when a key is given for a datastore's account\n"
  "($PREFLIGHT_KEY_<ACCOUNT>, or --keys FILE; never on the command line,\n"
  "never printed), each datastore of PATH holding an account key gets one\n"
  "Shared Key signed request (as `keys verify`): authenticates (pass), key\n"
  "rejected, stale after a rotation (fail), unreachable, untrusted or\n"
  "blocked (unknown).  Without a key, probe says KEY-2 was not run.\n"
  "\n"
  "The plan is derived from PATH (storage blob/queue/table/file/dfs, key\n"
  "vault, registry login and data endpoints, the region's ML API, the\n"
  "private endpoints' names, management, login, MCR, compute nodes from\n"
  "--node and NIC addresses) or read from --plan FILE (docs/probe.md;\n"
  "templates in probes/).\n"
  "\n"
  "options:\n"
  "  --plan FILE          read the plan instead of deriving it\n"
  "  --print-plan         print the plan (text or json) and send nothing\n"
  "  --node IP            a compute node to probe (29876, 29877, 44224, and\n"
  "                       22 when SSH is enabled); repeatable\n"
  "  --from IP            the address the probes stand for in the\n"
  "                       configuration (default: the first usable address\n"
  "                       of the first compute's subnet)\n"
  "  --region NAME        region of the ML API endpoint (default: the\n"
  "                       workspace's)\n"
  "  --dns-server S       ask this server (IP, IP:PORT, [IPv6]:PORT)\n"
  "                       instead of the system resolver\n"
  "  --timeout MS         per name and per connect (default 3000)\n"
  "  --concurrency N      connects in flight (default 1000)\n"
  "  --dns-concurrency N  DNS queries in flight (default 50: more makes\n"
  "                       small DNS servers drop queries)\n"
  "  --rate N             connects started per second (default: no cap)\n"
  "  --ca-file FILE       PEM CAs that replace the system store for HTTPS\n"
  "  --keys FILE          storage keys, `az storage account keys list` JSON\n"
  "                       (key1 is used) or {\"<account>\": [...], ...}\n"
  "  --blob-endpoint URL  https URL of the blob service for KEY-2 (Azurite:\n"
  "                       https://127.0.0.1:PORT/<account>); default\n"
  "                       https://<account>.blob.core.windows.net\n"
  "  --service-tags FILE  tag file for the static verdicts\n"
  "  --format FMT         text or json (the `check` result document)\n"
  "  --fail-on SEV        exit 1 when a failing result is at or above SEV\n"
  "                       (default error)\n"
  "  -h, --help           show this help\n"
  "\n"
  "examples:\n"
  "  preflight probe examples/contoso-westeurope --print-plan\n"
  "  preflight probe ./exported --node 10.20.1.5 --format json > probe.json\n"
  "  preflight probe --plan probes/plan-nodes.json --dns-server 10.0.0.2\n"
  "  PREFLIGHT_KEY_STMLPRODWEU=\"$(cat key.txt)\" preflight probe ./exported\n"
  "\n"
  "Exit status: 1 when a failing result is at or above --fail-on, 0\n"
  "otherwise, 2 on usage or input errors.\n";

#define MAX_NODES 256

enum rstat { RS_PASS = 0, RS_FAIL, RS_UNKNOWN };
enum rkind { RK_DNS = 0, RK_TCP, RK_HTTPS };

struct stat_verdict {          /* what the configuration says */
  int has;                     /* configuration loaded and evaluated */
  enum pf_verdict v;
  const char *nsg, *rule, *level, *reason;
  int priority;
  const struct pf_eroute *route;
  char text[400];
};

struct pres {
  const struct pf_probe_target *t;
  enum rkind kind;
  size_t dns;                  /* index into dns results, or SIZE_MAX */
  size_t tcp;                  /* index into tcp results, or SIZE_MAX */
  size_t https;                /* index into https results, or SIZE_MAX */
  unsigned port;
  struct pf_addr addr;         /* TCP: the address connected to */
  enum rstat status;
  struct stat_verdict sv;
  int agrees;                  /* -1 no static, 0 differs, 1 agrees */
  char msg[900];
};

struct probe {
  struct pf_ctx *ctx;
  struct pf_config *cfg;
  struct pf_tagdb *db;
  struct pf_planner *planner;
  struct pf_probe_plan plan;
  const char *dns_server;
  const char *ca_file;
  long timeout_ms;
  size_t concurrency, dns_concurrency;
  double rate;
  /* DNS: unique names */
  const char **names;
  size_t n_names;
  size_t *t_dns;               /* per target: index into names or MAX */
  struct pf_dns_result *dres;
  /* TCP */
  struct pf_tcp_target *tt;
  struct pf_tcp_result *tres;
  size_t n_tcp;
  /* HTTPS: one request per target with https */
  struct pf_https_target *ht;
  struct pf_https_result *hres;
  char (*hconn)[64];           /* connect_to strings */
  char **hurl;
  size_t n_https, cap_https;
  struct pres *r;
  size_t n_r, cap_r;
  /* KEY-2: one signed request per datastore key (probes/pf_key_probe.c) */
  struct pf_keysrc keys;
  struct pf_kp_opts kopt;
  struct pf_kp_target *kt;
  size_t n_kt, n_kt_keyed, n_kt_send;   /* targets, with a key, sent */
  char key_note[300];          /* why KEY-2 was not run, or "" */
  const struct pf_subnet *from_subnet;
  struct pf_rtable *rt;
  int rt_tried;
  double wall_ms, dns_ms, tcp_ms, https_ms, key_ms;
};

static const char *req_severity(const char *req)
{
  /* SEC-8 is a warning in REQUIREMENTS.md; every other probe ID an
   * error (KV-3, NSG-7, UDR-3, KEY-2, OUT-1, OUT-2, ST-1) */
  return req && !strcmp(req, "SEC-8") ? "warning" : "error";
}

static int sev_rank(const char *s)
{
  return !strcmp(s, "error") ? 2 : !strcmp(s, "warning") ? 1
                               : !strcmp(s, "info")      ? 0
                               : !strcmp(s, "never")     ? 3
                                                         : -1;
}

static const char *stat_name(enum rstat s)
{
  return s == RS_PASS ? "pass" : s == RS_FAIL ? "fail" : "unknown";
}

static const char *kind_of(enum pf_psvc s)
{
  switch (s) {
  case PF_PSVC_BLOB: case PF_PSVC_QUEUE: case PF_PSVC_TABLE:
  case PF_PSVC_FILE: case PF_PSVC_DFS:
    return "storage";
  case PF_PSVC_KEYVAULT: return "key-vault";
  case PF_PSVC_REGISTRY: case PF_PSVC_REGISTRY_DATA: return "registry";
  case PF_PSVC_NODE: return "compute";
  default: return "endpoint";
  }
}

static int64_t now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- storage keys (KEY-2) ---- */

/* The KEY-2 targets: every datastore of the configuration that holds an
 * account key, once a key source ($PREFLIGHT_KEY_<ACCOUNT>, --keys FILE)
 * has a key for one of them; the same selection and request as `keys
 * verify` (probes/pf_key_probe.c).  Otherwise pr->key_note says, once,
 * that KEY-2 was not run and how to run it: "not supplied" is no result,
 * as `check` gives none for an input it was not given. */
static int keys_setup(struct probe *pr, const char *keys_file)
{
  struct pf_err err;
  const char *example = NULL;
  char env[64];
  size_t i, eligible = 0;

  pf_err_clear(&err);
  if (keys_file && pf_keysrc_read(&pr->keys, keys_file, &err) != PF_OK)
    return pf_cli_error(pr->ctx, "probe: %s", err.msg);
  if (!pr->cfg) {
    snprintf(pr->key_note, sizeof(pr->key_note), "KEY-2 (storage keys) "
             "not run: no configuration loaded; give PATH with the "
             "datastores and a key (" PF_KEY_ENV_PREFIX "<ACCOUNT> or "
             "--keys FILE)");
    return PF_EXIT_OK;
  }
  for (i = 0; i < pr->cfg->n_res[PF_K_DATASTORE]; i++) {
    const struct pf_datastore *d =
        (const struct pf_datastore *)pr->cfg->res[PF_K_DATASTORE][i];
    if (pf_kp_eligible(d)) {
      eligible++;
      if (!example)
        example = d->account_name;
    }
  }
  if (pf_kp_select(pr->cfg, &pr->keys, &pr->kopt, 0, &pr->kt, &pr->n_kt,
                   &err) != PF_OK)
    return pf_cli_error(pr->ctx, "probe: %s", err.msg);
  for (i = 0; i < pr->n_kt; i++)
    pr->n_kt_keyed += pr->kt[i].has_key;
  for (i = 0; i < pr->n_kt; i++)
    pr->n_kt_send += !pf_kp_unsent(&pr->kt[i], NULL, 0);
  if (!eligible) {
    snprintf(pr->key_note, sizeof(pr->key_note), "KEY-2 (storage keys) "
             "not run: no datastore of the configuration holds an account "
             "key");
  } else if (!pr->n_kt_keyed) {
    pf_kp_env_name(example, env, sizeof(env));
    snprintf(pr->key_note, sizeof(pr->key_note), "KEY-2 (storage keys) "
             "not run: no key given for the %zu datastore%s holding an "
             "account key; set " PF_KEY_ENV_PREFIX "<ACCOUNT> (e.g. %s) or "
             "give --keys FILE (`az storage account keys list` JSON)",
             eligible, eligible == 1 ? "" : "s", env);
    pf_kp_release(pr->kt, pr->n_kt);
    pr->kt = NULL;
    pr->n_kt = 0;
  }
  return PF_EXIT_OK;
}

static void print_keys_plan(struct probe *pr)
{
  FILE *o = pr->ctx->out;
  char why[300];
  size_t i;
  if (pr->key_note[0]) {
    fprintf(o, "\n%s\n", pr->key_note);
    return;
  }
  for (i = 0; i < pr->n_kt; i++) {
    const struct pf_kp_target *k = &pr->kt[i];
    const struct pf_datastore *d = k->d;
    fprintf(o, "\n%sdatastore %s%s  storage-key KEY-2\n", pf_c_bold(pr->ctx),
            d->hdr.name ? d->hdr.name : "?", pf_c_reset(pr->ctx));
    fprintf(o, "  for    account %s, container %s (credential: %s)\n",
            d->account_name,
            d->container ? d->container : "?", pf_cred_name(d->cred));
    if (pf_kp_unsent(k, why, sizeof(why)))
      fprintf(o, "  key    not sent (unknown): %s\n", why);
    else
      fprintf(o, "  key    GET %s, signed with the account's key "
              "(Shared Key)\n", k->url);
  }
}

static void key_msg(const struct pf_kp_target *k, char *buf, size_t cap)
{
  if (k->url)
    snprintf(buf, cap, "GET %s (account %s, container %s): %s", k->url,
             k->d->account_name, k->d->container ? k->d->container : "?",
             k->msg);
  else
    snprintf(buf, cap, "account %s, container %s: %s", k->d->account_name,
             k->d->container ? k->d->container : "?", k->msg);
}

/* `key_checks` of the JSON plan: the targets, never a key */
static void jw_key_plan(struct pf_jw *jw, const struct probe *pr)
{
  size_t i;
  pf_jw_key(jw, "key_checks");
  pf_jw_arr(jw);
  for (i = 0; i < pr->n_kt; i++) {
    const struct pf_kp_target *k = &pr->kt[i];
    pf_jw_obj(jw);
    pf_jw_kstr(jw, "requirement", "KEY-2");
    pf_jw_kstr(jw, "datastore", k->d->hdr.name);
    pf_jw_kstr(jw, "resource", k->d->hdr.id);
    pf_jw_kstr(jw, "account", k->d->account_name);
    pf_jw_kstr(jw, "container", k->d->container);
    pf_jw_kstr(jw, "credential", pf_cred_name(k->d->cred));
    pf_jw_kstr(jw, "url", k->url);
    pf_jw_kbool(jw, "key_given", k->has_key);
    pf_jw_kbool(jw, "sent", !pf_kp_unsent(k, NULL, 0));
    pf_jw_obj_end(jw);
  }
  pf_jw_arr_end(jw);
}

/* ---- the plan in text ---- */

static void print_plan_text(struct probe *pr)
{
  FILE *o = pr->ctx->out;
  const struct pf_probe_plan *p = &pr->plan;
  char ip[PF_ADDR_STRLEN];
  size_t i, j, nd = 0, nt = 0, nh = 0;
  for (i = 0; i < p->n; i++) {
    nd += !p->t[i].host_is_addr;
    nt += p->t[i].n_ports;
    nh += p->t[i].https;
  }
  fprintf(o, "probe plan (%s): %zu target%s, %zu DNS name%s, %zu TCP "
          "port%s, %zu HTTPS request%s",
          p->source ? p->source : "derived from the configuration", p->n,
          p->n == 1 ? "" : "s", nd, nd == 1 ? "" : "s", nt,
          nt == 1 ? "" : "s", nh, nh == 1 ? "" : "s");
  if (pr->n_kt)
    fprintf(o, ", %zu storage key request%s", pr->n_kt_send,
            pr->n_kt_send == 1 ? "" : "s");
  fputc('\n', o);
  if (p->has_from) {
    pf_addr_format(&p->from, ip, sizeof(ip));
    fprintf(o, "from %s (%s)\n", ip, p->from_why ? p->from_why : "--from");
  }
  for (i = 0; i < p->n; i++) {
    const struct pf_probe_target *t = &p->t[i];
    fprintf(o, "\n%s%s%s  %s %s\n", pf_c_bold(pr->ctx), t->host,
            pf_c_reset(pr->ctx), pf_psvc_name(t->service), t->requirement);
    if (t->resource_name || t->why)
      fprintf(o, "  for    %s%s%s%s\n", t->resource_name ? t->resource_name : "",
              t->resource_name && t->why ? " (" : "", t->why ? t->why : "",
              t->resource_name && t->why ? ")" : "");
    if (!t->host_is_addr) {
      fprintf(o, "  dns    A, expect %s", pf_pexpect_name(t->expect));
      for (j = 0; j < t->n_expect; j++) {
        pf_addr_format(&t->expect_addrs[j], ip, sizeof(ip));
        fprintf(o, "%s%s", j ? ", " : " at ", ip);
      }
      fputc('\n', o);
    }
    if (t->n_ports) {
      fputs("  tcp   ", o);
      for (j = 0; j < t->n_ports; j++)
        fprintf(o, " %u", t->ports[j]);
      if (t->has_connect_to) {
        pf_addr_format(&t->connect_to, ip, sizeof(ip));
        fprintf(o, " at %s", ip);
      }
      fputc('\n', o);
    }
    if (t->https)
      fprintf(o, "  https  GET https://%s%s\n", t->host, t->path);
  }
  print_keys_plan(pr);
}

/* ---- static verdicts ---- */

static const struct pf_rtable *from_routes(struct probe *pr)
{
  struct pf_route_opts ro;
  struct pf_err err;
  if (pr->rt_tried)
    return pr->rt;
  pr->rt_tried = 1;
  if (!pr->from_subnet)
    return NULL;
  memset(&ro, 0, sizeof(ro));
  ro.profile = PF_ROUTE_PROFILE_2023;
  ro.tags = pr->db;
  pf_err_clear(&err);
  if (pf_rtable_build(pr->cfg, pr->from_subnet, &ro, &pr->rt, &err) != PF_OK)
    pr->rt = NULL;
  return pr->rt;
}

static const char *route_name(const struct pf_eroute *r)
{
  return r->name ? r->name : r->label ? r->label : pf_route_src_name(r->src);
}

/* The NSG verdict (pf_path + pf_nsgeval, first match through every stage
 * the flow meets) and the route of the flow from the plan's `from` to
 * \p dst:\p port, as cmd_capture reads them. */
static pf_status static_verdict(struct probe *pr, const struct pf_addr *dst,
                                unsigned port, struct stat_verdict *sv)
{
  struct pf_stage stages[PF_MAX_STAGES];
  struct pf_flow_result fr;
  struct pf_flow f;
  const char *why = NULL;
  size_t n = 0;
  const struct pf_step *sp;
  const struct pf_rtable *rt;
  char hop[PF_ADDR_STRLEN + 2];
  size_t len;

  memset(sv, 0, sizeof(*sv));
  sv->priority = -1;
  if (!pr->planner || !pr->plan.has_from)
    return PF_OK;
  sv->has = 1;
  if (dst->af != pr->plan.from.af) {
    sv->v = PF_V_UNKNOWN;
    sv->reason = "the address family differs from --from";
  } else {
    memset(&f, 0, sizeof(f));
    f.af = dst->af;
    f.proto = PF_PB_TCP;
    f.src = pr->plan.from.v;
    f.dst = dst->v;
    f.sport = 50000;   /* an ephemeral port: rules rarely name one */
    f.dport = port;
    if (pf_planner_flow(pr->planner, PF_DIR_OUTBOUND, &pr->plan.from, dst,
                        stages, &n, &why) != PF_OK)
      return PF_ENOMEM;
    if (!n) {
      sv->v = PF_V_UNKNOWN;
      sv->reason = why;
    } else {
      pf_eval_flow(stages, n, &f, &fr);
      sv->v = fr.v;
      if ((sp = pf_flow_deciding_step(&fr)) != NULL) {
        const struct pf_stage *sg = sp->stage;
        if (sg->nsgc)
          sv->nsg = sg->nsgc->nsg->hdr.name;
        sv->rule = sp->rule ? sp->rule->name : NULL;
        sv->priority = sp->rule ? sp->rule->priority : -1;
        sv->level = pf_level_name(sg->level);
        sv->reason = sp->why;
        if (!sv->reason && sg->missing_id)
          sv->reason = "an NSG is referenced but not supplied";
      }
    }
  }
  if ((rt = from_routes(pr))) {
    size_t idx = pf_rtable_lookup(rt, dst);
    if (idx != PF_ROUTE_NONE)
      sv->route = &rt->routes[idx];
  }
  /* the sentence */
  if (sv->v == PF_V_DENY)
    snprintf(sv->text, sizeof(sv->text), "the %s NSG %s rule %s (%d) "
             "denies this flow", sv->level ? sv->level : "?",
             sv->nsg ? sv->nsg : "?", sv->rule ? sv->rule : "?",
             sv->priority);
  else if (sv->v == PF_V_ALLOW && sv->rule)
    snprintf(sv->text, sizeof(sv->text), "the %s NSG %s rule %s (%d) "
             "allows this flow", sv->level ? sv->level : "?",
             sv->nsg ? sv->nsg : "?", sv->rule, sv->priority);
  else if (sv->v == PF_V_ALLOW)
    snprintf(sv->text, sizeof(sv->text), "no NSG on the path: the NSGs "
             "allow this flow");
  else
    snprintf(sv->text, sizeof(sv->text), "the NSG verdict is unknown (%s)",
             sv->reason ? sv->reason : "the configuration is incomplete");
  len = strlen(sv->text);
  if (sv->route && len < sizeof(sv->text)) {
    hop[0] = '\0';
    if (sv->route->has_hop_ip) {
      hop[0] = ' ';
      pf_addr_format(&sv->route->hop_ip, hop + 1, sizeof(hop) - 1);
    }
    snprintf(sv->text + len, sizeof(sv->text) - len, "; route %s: next hop "
             "%s%s", route_name(sv->route),
             pf_route_hop_name(sv->route->hop), hop);
  }
  return PF_OK;
}

static int route_blocks(const struct pf_eroute *r)
{
  return r && (r->hop == PF_RHOP_VIRTUAL_APPLIANCE ||
               r->hop == PF_RHOP_VNET_GATEWAY || r->hop == PF_RHOP_NONE);
}

/* ---- results ---- */

static struct pres *new_res(struct probe *pr, const struct pf_probe_target *t,
                            enum rkind k)
{
  struct pres *r;
  if (PF_GROW(pr->r, pr->cap_r, pr->n_r + 1))
    return NULL;
  r = &pr->r[pr->n_r++];
  memset(r, 0, sizeof(*r));
  r->t = t;
  r->kind = k;
  r->dns = r->tcp = r->https = (size_t)-1;
  r->agrees = -1;
  return r;
}

static int expected_addr(const struct pf_probe_target *t,
                         const struct pf_dns_result *d)
{
  size_t i, j;
  if (!t->n_expect)
    return 1;
  for (i = 0; i < d->n_addrs; i++)
    for (j = 0; j < t->n_expect; j++)
      if (d->addrs[i].af == t->expect_addrs[j].af &&
          d->addrs[i].v == t->expect_addrs[j].v)
        return 1;
  return 0;
}

static void addr_list(const struct pf_addr *a, size_t n, char *buf,
                      size_t cap)
{
  size_t i, len = 0;
  buf[0] = '\0';
  for (i = 0; i < n && len + PF_ADDR_STRLEN + 2 < cap; i++) {
    if (i)
      buf[len++] = ',', buf[len++] = ' ';
    len += pf_addr_format(&a[i], buf + len, cap - len);
  }
}

static void dns_result(struct pres *r, const struct pf_dns_result *d)
{
  const struct pf_probe_target *t = r->t;
  char addrs[200], exp[200], via[300];
  const char *c;
  size_t vl = 0;

  addr_list(d->addrs, d->n_addrs, addrs, sizeof(addrs));
  addr_list(t->expect_addrs, t->n_expect, exp, sizeof(exp));
  via[0] = '\0';
  for (c = pf_dns_chain_first(d); c && vl + 4 < sizeof(via);
       c = pf_dns_chain_next(d, c))
    vl += (size_t)snprintf(via + vl, sizeof(via) - vl, " -> %s", c);
  if (vl >= sizeof(via))
    vl = sizeof(via) - 1;
  switch (d->outcome) {
  case PF_DNS_PRIVATE:
    if (t->expect == PF_PEXP_PRIVATE && !expected_addr(t, d)) {
      r->status = RS_FAIL;
      snprintf(r->msg, sizeof(r->msg), "%s resolves private%s to %s, not "
               "to the private endpoint's %s: a stale record in the "
               "private DNS zone or another endpoint", t->host, via, addrs,
               exp);
    } else {
      r->status = RS_PASS;
      snprintf(r->msg, sizeof(r->msg), "%s resolves private%s to %s (%s)%s",
               t->host, via, addrs,
               d->why == PF_DNS_WHY_PRIVATELINK ? "privatelink CNAME"
                                                : "private address",
               t->expect == PF_PEXP_PUBLIC
                   ? "; no private endpoint for it is in the configuration"
                   : "");
    }
    break;
  case PF_DNS_PUBLIC:
    if (t->expect == PF_PEXP_PRIVATE) {
      r->status = RS_FAIL;
      snprintf(r->msg, sizeof(r->msg), "%s resolves public%s to %s, but "
               "the configuration has a private endpoint for it%s%s: the "
               "private DNS zone is not linked to this vnet, or the DNS "
               "server does not forward to Azure DNS (168.63.129.16)",
               t->host, via, addrs, exp[0] ? " at " : "", exp);
    } else {
      r->status = RS_PASS;
      snprintf(r->msg, sizeof(r->msg), "%s resolves public%s to %s",
               t->host, via, addrs);
    }
    break;
  case PF_DNS_NXDOMAIN:
    r->status = RS_FAIL;
    snprintf(r->msg, sizeof(r->msg), "%s does not exist (NXDOMAIN)%s%s%s",
             t->host, vl ? " at the end of" : "", via,
             d->why == PF_DNS_WHY_PRIVATELINK
                 ? ": the privatelink CNAME leads to a private DNS zone "
                   "without a record for it"
                 : "");
    break;
  case PF_DNS_NODATA:
    r->status = RS_FAIL;
    snprintf(r->msg, sizeof(r->msg), "%s exists but has no A record%s",
             t->host, via);
    break;
  case PF_DNS_SERVFAIL:
    r->status = RS_FAIL;
    snprintf(r->msg, sizeof(r->msg), "the DNS server failed to resolve %s "
             "(SERVFAIL): its forwarder or the zone is broken", t->host);
    break;
  case PF_DNS_REFUSED:
    r->status = RS_FAIL;
    snprintf(r->msg, sizeof(r->msg), "the DNS server refused to resolve "
             "%s (REFUSED)", t->host);
    break;
  case PF_DNS_TIMEOUT:
    r->status = RS_FAIL;
    snprintf(r->msg, sizeof(r->msg), "no DNS answer for %s in time: the "
             "DNS server is down or unreachable from this subnet", t->host);
    break;
  case PF_DNS_UNREACHABLE:
    r->status = RS_FAIL;
    snprintf(r->msg, sizeof(r->msg), "the DNS server cannot be reached "
             "to resolve %s (%s)", t->host, d->detail);
    break;
  default:
    r->status = RS_UNKNOWN;
    snprintf(r->msg, sizeof(r->msg), "%s: the DNS answer could not be "
             "read (%s)", t->host, d->detail);
    break;
  }
}

static void tcp_result(struct pres *r, const struct pf_tcp_result *tr,
                       long timeout_ms)
{
  char ip[PF_ADDR_STRLEN], live[200];
  pf_addr_format(&r->addr, ip, sizeof(ip));
  switch (tr->outcome) {
  case PF_TCP_OPEN:
    r->status = RS_PASS;
    snprintf(live, sizeof(live), "open in %.1f ms", tr->ms);
    break;
  case PF_TCP_REFUSED:
    r->status = RS_FAIL;
    snprintf(live, sizeof(live), "refused (RST in %.1f ms): nothing "
             "listens, or a device answers for it", tr->ms);
    break;
  case PF_TCP_FILTERED:
    r->status = RS_FAIL;
    snprintf(live, sizeof(live), "filtered (no answer in %ld ms)",
             timeout_ms);
    break;
  case PF_TCP_UNREACHABLE:
    r->status = RS_FAIL;
    snprintf(live, sizeof(live), "unreachable (%s after %.1f ms)",
             strerror(tr->errno_value), tr->ms);
    break;
  default:
    r->status = RS_UNKNOWN;
    snprintf(live, sizeof(live), "not probed: %s",
             strerror(tr->errno_value));
    break;
  }
  if (r->sv.has) {
    int open = tr->outcome == PF_TCP_OPEN;
    if (tr->outcome == PF_TCP_ERROR || r->sv.v == PF_V_UNKNOWN)
      r->agrees = -1;
    else
      r->agrees = open == (r->sv.v == PF_V_ALLOW && !route_blocks(r->sv.route));
    snprintf(r->msg, sizeof(r->msg), "%s:%u%s%s%s %s; %s%s", ip, r->port,
             r->t->host_is_addr ? "" : " (",
             r->t->host_is_addr ? "" : r->t->host,
             r->t->host_is_addr ? "" : ")", live, r->sv.text,
             r->agrees == 1   ? ""
             : r->agrees == -1 ? ""
             : open ? " - live and static differ: the port answered, so the "
                      "configuration loaded is not what is deployed"
                    : " - live and static differ: the configuration allows "
                      "it, so look beyond the NSGs: a firewall or an "
                      "on-premises device on the way, or the service "
                      "itself");
  } else {
    snprintf(r->msg, sizeof(r->msg), "%s:%u%s%s%s %s", ip, r->port,
             r->t->host_is_addr ? "" : " (",
             r->t->host_is_addr ? "" : r->t->host,
             r->t->host_is_addr ? "" : ")", live);
  }
}

static void https_result(struct pres *r, const struct pf_https_result *h,
                         const char *url)
{
  char code[140];
  code[0] = '\0';
  if (h->error_code[0] || h->inner_code[0])
    snprintf(code, sizeof(code), " %s%s%s", h->error_code,
             h->inner_code[0] && h->error_code[0] ? "/" : "", h->inner_code);
  switch (h->verdict) {
  case PF_HTTPS_REACHABLE: r->status = RS_PASS; break;
  case PF_HTTPS_BLOCKED_BY_FIREWALL:
  case PF_HTTPS_NOT_REACHED: r->status = RS_FAIL; break;
  default: r->status = RS_UNKNOWN; break;
  }
  if (r->sv.has) {
    /* the firewall of the service is not in the NSG verdict: only "not
     * reached" is compared with it */
    int reached = h->outcome == PF_HTTPS_ANSWERED;
    int allowed = r->sv.v == PF_V_ALLOW && !route_blocks(r->sv.route);
    r->agrees = r->sv.v == PF_V_UNKNOWN ? -1 : reached == allowed;
  }
  if (h->outcome == PF_HTTPS_ANSWERED)
    snprintf(r->msg, sizeof(r->msg), "GET %s: HTTP %ld%s: %s (%s)%s%s", url,
             h->status, code, pf_https_verdict_name(h->verdict),
             h->why ? h->why : "-", h->detail[0] ? "; " : "", h->detail);
  else
    snprintf(r->msg, sizeof(r->msg), "GET %s: %s: %s (%s)%s%s", url,
             pf_https_outcome_name(h->outcome),
             pf_https_verdict_name(h->verdict), h->why ? h->why : "-",
             h->detail[0] ? "; " : "", h->detail);
  if (r->sv.has) {
    size_t len = strlen(r->msg);
    snprintf(r->msg + len, sizeof(r->msg) - len, "; %s%s", r->sv.text,
             r->agrees != 0 ? ""
             : h->outcome == PF_HTTPS_ANSWERED
                 ? " - live and static differ: the service answered"
                 : " - live and static differ: the configuration allows "
                   "it, so look beyond the NSGs");
  }
}

/* ---- running ---- */

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void progress(void *arg, size_t done, size_t total)
{
  struct probe *pr = arg;
  fprintf(pr->ctx->err, "\rprobe: tcp %zu/%zu", done, total);
  fflush(pr->ctx->err);
}

struct https_job {
  struct probe *pr;
  pf_status st;
  struct pf_err err;
  double ms;
};

/* HTTPS runs beside TCP (its own libcurl multi loop), so the whole run
 * stays near one timeout after DNS. */
static void *https_thread(void *arg)
{
  struct https_job *j = arg;
  struct pf_https_opts o;
  int64_t t0 = now_us();
  memset(&o, 0, sizeof(o));
  o.ca_file = j->pr->ca_file;
  o.timeout_ms = j->pr->timeout_ms;
  o.concurrency = j->pr->concurrency;
  pf_err_clear(&j->err);
  j->st = pf_https_probe(j->pr->ht, j->pr->n_https, &o, j->pr->hres,
                         &j->err);
  j->ms = (double)(now_us() - t0) / 1000.0;
  return NULL;
}

static int run_probes(struct probe *pr)
{
  struct pf_probe_plan *p = &pr->plan;
  struct pf_dns_opts dopt;
  struct pf_tcp_opts topt;
  struct pf_err err;
  size_t i, j, k, cap_tcp = 0, n_h = 0;
  struct https_job job;
  pthread_t th;
  int threaded = 0;
  int tty = isatty(fileno(pr->ctx->err)) && !pr->ctx->quiet;
  int64_t t0 = now_us(), t1;

  pf_err_clear(&err);
  /* DNS: each distinct name once */
  if (!(pr->names = pf_calloc(p->n ? p->n : 1, sizeof(*pr->names))) ||
      !(pr->t_dns = pf_calloc(p->n ? p->n : 1, sizeof(*pr->t_dns))))
    return pf_cli_error(pr->ctx, "probe: out of memory");
  for (i = 0; i < p->n; i++)
    if (!p->t[i].host_is_addr)
      pr->names[pr->n_names++] = p->t[i].host;
  if (pr->n_names > 1)
    qsort(pr->names, pr->n_names, sizeof(*pr->names), cmp_str);
  for (i = j = 0; i < pr->n_names; i++)
    if (!j || strcmp(pr->names[j - 1], pr->names[i]))
      pr->names[j++] = pr->names[i];
  pr->n_names = j;
  for (i = 0; i < p->n; i++) {
    const char **hit;
    pr->t_dns[i] = (size_t)-1;
    if (p->t[i].host_is_addr)
      continue;
    hit = bsearch(&p->t[i].host, pr->names, pr->n_names,
                  sizeof(*pr->names), cmp_str);
    if (hit)
      pr->t_dns[i] = (size_t)(hit - pr->names);
  }
  for (i = 0; i < p->n; i++)
    n_h += p->t[i].https;
  if (!(pr->dres = pf_calloc(pr->n_names ? pr->n_names : 1,
                             sizeof(*pr->dres))) ||
      !(pr->ht = pf_calloc(n_h ? n_h : 1, sizeof(*pr->ht))) ||
      !(pr->hres = pf_calloc(n_h ? n_h : 1, sizeof(*pr->hres))) ||
      !(pr->hconn = pf_calloc(n_h ? n_h : 1, sizeof(*pr->hconn))) ||
      !(pr->hurl = pf_calloc(n_h ? n_h : 1, sizeof(*pr->hurl))))
    return pf_cli_error(pr->ctx, "probe: out of memory");
  pr->cap_https = n_h;
  dopt.server = pr->dns_server;
  dopt.timeout_ms = pr->timeout_ms;
  dopt.window = pr->dns_concurrency;
  if (tty && pr->n_names)
    fprintf(pr->ctx->err, "probe: resolving %zu name%s\n", pr->n_names,
            pr->n_names == 1 ? "" : "s");
  t1 = now_us();
  if (pf_dns_probe(pr->names, pr->n_names, &dopt, pr->dres, &err) != PF_OK)
    return pf_cli_error(pr->ctx, "probe: %s", err.msg);
  pr->dns_ms = (double)(now_us() - t1) / 1000.0;
  /* DNS results, then TCP targets: the address literal, connect_to, or
   * the first address the name resolved to - never anything else */
  for (i = 0; i < p->n; i++) {
    const struct pf_probe_target *t = &p->t[i];
    const struct pf_dns_result *d =
        pr->t_dns[i] != (size_t)-1 ? &pr->dres[pr->t_dns[i]] : NULL;
    struct pf_addr a;
    int have = 0;
    if (d) {
      struct pres *r = new_res(pr, t, RK_DNS);
      if (!r)
        return pf_cli_error(pr->ctx, "probe: out of memory");
      r->dns = pr->t_dns[i];
      dns_result(r, d);
    }
    if (t->host_is_addr) {
      a = t->addr;
      have = 1;
    } else if (t->has_connect_to) {
      a = t->connect_to;
      have = 1;
    } else if (d && d->n_addrs) {
      a = d->addrs[0];
      have = 1;
    }
    for (k = 0; k < t->n_ports; k++) {
      struct pres *r = new_res(pr, t, RK_TCP);
      if (!r)
        return pf_cli_error(pr->ctx, "probe: out of memory");
      r->port = t->ports[k];
      if (!have) {
        r->status = RS_UNKNOWN;
        snprintf(r->msg, sizeof(r->msg), "%s:%u not probed: the name did "
                 "not resolve (%s)", t->host, t->ports[k],
                 d ? pf_dns_outcome_name(d->outcome) : "no address");
        continue;
      }
      r->addr = a;
      if (PF_GROW(pr->tt, cap_tcp, pr->n_tcp + 1))
        return pf_cli_error(pr->ctx, "probe: out of memory");
      pr->tt[pr->n_tcp].addr = a;
      pr->tt[pr->n_tcp].port = t->ports[k];
      r->tcp = pr->n_tcp++;
    }
    if (t->https) {
      struct pres *r = new_res(pr, t, RK_HTTPS);
      size_t h = pr->n_https;
      char ip[PF_ADDR_STRLEN];
      size_t ul = strlen(t->host) + strlen(t->path) + 9;
      if (!r || !(pr->hurl[h] = pf_malloc(ul)))
        return pf_cli_error(pr->ctx, "probe: out of memory");
      snprintf(pr->hurl[h], ul, "https://%s%s", t->host, t->path);
      if (!have) {
        r->status = RS_UNKNOWN;
        snprintf(r->msg, sizeof(r->msg), "GET %s not sent: the name did "
                 "not resolve (%s)", pr->hurl[h],
                 d ? pf_dns_outcome_name(d->outcome) : "no address");
        pf_free(pr->hurl[h]);
        pr->hurl[h] = NULL;
        continue;
      }
      /* the address DNS gave (or connect_to): the request goes where the
       * probe's own resolution says, never elsewhere */
      r->addr = a;
      pf_addr_format(&a, ip, sizeof(ip));
      snprintf(pr->hconn[h], sizeof(pr->hconn[h]),
               a.af == PF_AF_V6 ? "[%s]:443" : "%s:443", ip);
      pr->ht[h].url = pr->hurl[h];
      pr->ht[h].service = (enum pf_https_service)pf_psvc_https(t->service);
      pr->ht[h].connect_to = pr->hconn[h];
      r->https = h;
      pr->n_https++;
    }
  }
  if (!(pr->tres = pf_calloc(pr->n_tcp ? pr->n_tcp : 1, sizeof(*pr->tres))))
    return pf_cli_error(pr->ctx, "probe: out of memory");
  memset(&topt, 0, sizeof(topt));
  topt.timeout_ms = pr->timeout_ms;
  topt.concurrency = pr->concurrency;
  topt.rate = pr->rate;
  if (tty) {
    topt.progress = progress;
    topt.progress_arg = pr;
  }
  t1 = now_us();
  memset(&job, 0, sizeof(job));
  job.pr = pr;
  if (pr->n_https) {
    if (pthread_create(&th, NULL, https_thread, &job) == 0)
      threaded = 1;
    else
      https_thread(&job);
  }
  if (pf_tcp_probe(pr->tt, pr->n_tcp, &topt, pr->tres, &err) != PF_OK) {
    if (threaded)
      pthread_join(th, NULL);
    return pf_cli_error(pr->ctx, "probe: %s", err.msg);
  }
  pr->tcp_ms = (double)(now_us() - t1) / 1000.0;
  if (threaded)
    pthread_join(th, NULL);
  pr->https_ms = job.ms;
  if (job.st != PF_OK)
    return pf_cli_error(pr->ctx, "probe: https: %s", job.err.msg);
  if (tty && pr->n_tcp)
    fprintf(pr->ctx->err, "\rprobe: tcp %zu/%zu\n", pr->n_tcp, pr->n_tcp);
  pr->wall_ms = (double)(now_us() - t0) / 1000.0;
  for (i = 0; i < pr->n_r; i++) {
    struct pres *r = &pr->r[i];
    if (r->kind == RK_HTTPS && r->https != (size_t)-1) {
      /* the same path as TCP 443: the verdict goes beside the answer */
      if (static_verdict(pr, &r->addr, 443, &r->sv) != PF_OK)
        return pf_cli_error(pr->ctx, "probe: out of memory");
      r->port = 443;
      https_result(r, &pr->hres[r->https], pr->hurl[r->https]);
      continue;
    }
    if (r->kind != RK_TCP || r->tcp == (size_t)-1)
      continue;
    if (static_verdict(pr, &r->addr, r->port, &r->sv) != PF_OK)
      return pf_cli_error(pr->ctx, "probe: out of memory");
    tcp_result(r, &pr->tres[r->tcp], pr->timeout_ms);
  }
  return PF_EXIT_OK;
}

/* ---- output ---- */

static void counts(const struct probe *pr, size_t fail[3], size_t *pass,
                   size_t *unknown)
{
  size_t i;
  fail[0] = fail[1] = fail[2] = 0;
  *pass = *unknown = 0;
  for (i = 0; i < pr->n_r; i++) {
    const struct pres *r = &pr->r[i];
    if (r->status == RS_PASS)
      (*pass)++;
    else if (r->status == RS_UNKNOWN)
      (*unknown)++;
    else
      fail[strcmp(req_severity(r->t->requirement), "error") ? 1 : 0]++;
  }
  for (i = 0; i < pr->n_kt; i++) {   /* KEY-2: an error */
    if (pr->kt[i].status == PF_KP_PASS)
      (*pass)++;
    else if (pr->kt[i].status == PF_KP_UNKNOWN)
      (*unknown)++;
    else
      fail[0]++;
  }
}

static void write_text(struct probe *pr)
{
  FILE *o = pr->ctx->out;
  struct pf_ctx *ctx = pr->ctx;
  size_t i, fail[3], pass, unknown;
  char ip[PF_ADDR_STRLEN];
  const struct pf_probe_target *cur = NULL;

  if (pr->plan.has_from && pr->cfg) {
    pf_addr_format(&pr->plan.from, ip, sizeof(ip));
    fprintf(o, "static verdicts for flows from %s (%s)\n", ip,
            pr->plan.from_why ? pr->plan.from_why : "--from");
  } else if (pr->cfg) {
    fputs("no static verdicts: no compute subnet in the configuration "
          "says where the probes stand (give --from IP)\n", o);
  }
  for (i = 0; i < pr->n_r; i++) {
    const struct pres *r = &pr->r[i];
    const char *col = r->status == RS_PASS   ? pf_c_green(ctx)
                      : r->status == RS_FAIL ? pf_c_red(ctx)
                                             : pf_c_yellow(ctx);
    if (r->t != cur) {
      cur = r->t;
      fprintf(o, "%s%s%s %s%s\n", i || pr->cfg ? "\n" : "",
              pf_c_bold(ctx), kind_of(cur->service),
              cur->resource_name ? cur->resource_name : cur->host,
              pf_c_reset(ctx));
    }
    fprintf(o, "  %s%-7s%s %-6s %-4s %s\n", col,
            r->status == RS_PASS ? "pass"
            : r->status == RS_FAIL ? "FAIL"
                                   : "unknown",
            pf_c_reset(ctx), r->t->requirement,
            r->kind == RK_DNS ? "dns" : r->kind == RK_TCP ? "tcp" : "https",
            r->msg);
  }
  for (i = 0; i < pr->n_kt; i++) {
    const struct pf_kp_target *k = &pr->kt[i];
    const char *col = k->status == PF_KP_PASS   ? pf_c_green(ctx)
                      : k->status == PF_KP_FAIL ? pf_c_red(ctx)
                                                : pf_c_yellow(ctx);
    char msg[900];
    key_msg(k, msg, sizeof(msg));
    fprintf(o, "%s%sdatastore %s%s\n", pr->n_r || i || pr->cfg ? "\n" : "",
            pf_c_bold(ctx), k->d->hdr.name ? k->d->hdr.name : "?",
            pf_c_reset(ctx));
    fprintf(o, "  %s%-7s%s %-6s %-4s %s\n", col,
            k->status == PF_KP_PASS   ? "pass"
            : k->status == PF_KP_FAIL ? "FAIL"
                                      : "unknown",
            pf_c_reset(ctx), "KEY-2", "key", msg);
  }
  if (pr->key_note[0])
    fprintf(o, "\n%s\n", pr->key_note);
  counts(pr, fail, &pass, &unknown);
  fprintf(o, "\n%zu result%s: %zu fail (%zu error, %zu warning), %zu pass, "
          "%zu unknown; %zu name%s, %zu connect%s, %zu HTTPS request%s",
          pr->n_r + pr->n_kt, pr->n_r + pr->n_kt == 1 ? "" : "s",
          fail[0] + fail[1], fail[0],
          fail[1], pass, unknown, pr->n_names,
          pr->n_names == 1 ? "" : "s", pr->n_tcp, pr->n_tcp == 1 ? "" : "s",
          pr->n_https, pr->n_https == 1 ? "" : "s");
  if (pr->n_kt)
    fprintf(o, ", %zu storage key request%s", pr->n_kt_send,
            pr->n_kt_send == 1 ? "" : "s");
  fprintf(o, " in %.0f ms\n", pr->wall_ms);
}

static void jw_static(struct pf_jw *jw, const struct probe *pr,
                      const struct pres *r)
{
  char ip[PF_ADDR_STRLEN];
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "kind", "static");
  pf_addr_format(&pr->plan.from, ip, sizeof(ip));
  pf_jw_kstr(jw, "from", ip);
  pf_addr_format(&r->addr, ip, sizeof(ip));
  pf_jw_kstr(jw, "to", ip);
  pf_jw_kint(jw, "port", r->port);
  pf_jw_kstr(jw, "verdict", pf_verdict_name(r->sv.v));
  pf_jw_kstr(jw, "nsg", r->sv.nsg);
  pf_jw_kstr(jw, "rule", r->sv.rule);
  pf_jw_key(jw, "priority");
  if (r->sv.priority >= 0)
    pf_jw_int(jw, r->sv.priority);
  else
    pf_jw_null(jw);
  pf_jw_kstr(jw, "level", r->sv.level);
  pf_jw_kstr(jw, "reason", r->sv.v == PF_V_UNKNOWN ? r->sv.reason : NULL);
  if (r->sv.route) {
    pf_jw_kstr(jw, "route", route_name(r->sv.route));
    pf_jw_kstr(jw, "next_hop", pf_route_hop_name(r->sv.route->hop));
  } else {
    pf_jw_kstr(jw, "route", NULL);
    pf_jw_kstr(jw, "next_hop", NULL);
  }
  pf_jw_key(jw, "agrees");
  if (r->agrees < 0)
    pf_jw_null(jw);
  else
    pf_jw_bool(jw, r->agrees);
  pf_jw_obj_end(jw);
}

static void jw_dns(struct pf_jw *jw, const struct probe *pr,
                   const struct pres *r)
{
  const struct pf_dns_result *d = &pr->dres[r->dns];
  char ip[PF_ADDR_STRLEN], ms[32];
  const char *c;
  size_t i;
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "kind", "dns");
  pf_jw_kstr(jw, "name", r->t->host);
  pf_jw_kstr(jw, "server", pr->dns_server ? pr->dns_server : "system");
  pf_jw_kstr(jw, "outcome", pf_dns_outcome_name(d->outcome));
  pf_jw_kstr(jw, "private_by", d->outcome != PF_DNS_PRIVATE ? NULL
                               : d->why == PF_DNS_WHY_PRIVATELINK
                                   ? "privatelink-cname"
                                   : "private-address");
  pf_jw_kstr(jw, "expect", pf_pexpect_name(r->t->expect));
  pf_jw_key(jw, "expect_addresses");
  pf_jw_arr(jw);
  for (i = 0; i < r->t->n_expect; i++) {
    pf_addr_format(&r->t->expect_addrs[i], ip, sizeof(ip));
    pf_jw_str(jw, ip);
  }
  pf_jw_arr_end(jw);
  pf_jw_key(jw, "cname_chain");
  pf_jw_arr(jw);
  for (c = pf_dns_chain_first(d); c; c = pf_dns_chain_next(d, c))
    pf_jw_str(jw, c);
  pf_jw_arr_end(jw);
  pf_jw_key(jw, "addresses");
  pf_jw_arr(jw);
  for (i = 0; i < d->n_addrs; i++) {
    pf_addr_format(&d->addrs[i], ip, sizeof(ip));
    pf_jw_str(jw, ip);
  }
  pf_jw_arr_end(jw);
  pf_jw_key(jw, "rcode");
  if (d->rcode >= 0)
    pf_jw_int(jw, d->rcode);
  else
    pf_jw_null(jw);
  pf_jw_key(jw, "time_ms");
  snprintf(ms, sizeof(ms), "%.1f", d->ms);
  pf_jw_raw(jw, ms);
  pf_jw_kstr(jw, "result", stat_name(r->status));
  pf_jw_obj_end(jw);
}

static void jw_tcp(struct pf_jw *jw, const struct probe *pr,
                   const struct pres *r)
{
  char ip[PF_ADDR_STRLEN], ms[32];
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "kind", "tcp");
  pf_jw_kstr(jw, "host", r->t->host);
  if (r->tcp == (size_t)-1) {
    pf_jw_kstr(jw, "address", NULL);
    pf_jw_kint(jw, "port", r->port);
    pf_jw_kstr(jw, "outcome", "not-probed");
  } else {
    const struct pf_tcp_result *t = &pr->tres[r->tcp];
    pf_addr_format(&r->addr, ip, sizeof(ip));
    pf_jw_kstr(jw, "address", ip);
    pf_jw_kint(jw, "port", r->port);
    pf_jw_kstr(jw, "outcome", pf_tcp_outcome_name(t->outcome));
    pf_jw_kstr(jw, "error", t->errno_value && t->outcome != PF_TCP_FILTERED
                                ? strerror(t->errno_value)
                                : NULL);
    pf_jw_kint(jw, "timeout_ms", pr->timeout_ms);
    pf_jw_key(jw, "time_ms");
    snprintf(ms, sizeof(ms), "%.1f", t->ms);
    pf_jw_raw(jw, ms);
  }
  pf_jw_kstr(jw, "result", stat_name(r->status));
  pf_jw_obj_end(jw);
}

static void jw_ms(struct pf_jw *jw, const char *k, double v)
{
  char b[32];
  pf_jw_key(jw, k);
  if (v < 0) {
    pf_jw_null(jw);
    return;
  }
  snprintf(b, sizeof(b), "%.1f", v);
  pf_jw_raw(jw, b);
}

static void jw_https(struct pf_jw *jw, const struct probe *pr,
                     const struct pres *r)
{
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "kind", "https");
  pf_jw_kstr(jw, "host", r->t->host);
  if (r->https == (size_t)-1) {
    pf_jw_kstr(jw, "url", NULL);
    pf_jw_kstr(jw, "outcome", "not-probed");
  } else {
    const struct pf_https_result *h = &pr->hres[r->https];
    pf_jw_kstr(jw, "url", pr->hurl[r->https]);
    pf_jw_kstr(jw, "connect_to", pr->hconn[r->https]);
    pf_jw_kstr(jw, "service",
               pf_https_service_name(pr->ht[r->https].service));
    pf_jw_kstr(jw, "outcome", pf_https_outcome_name(h->outcome));
    pf_jw_kstr(jw, "verdict", pf_https_verdict_name(h->verdict));
    pf_jw_key(jw, "http_status");
    if (h->status)
      pf_jw_int(jw, h->status);
    else
      pf_jw_null(jw);
    pf_jw_kstr(jw, "error_code", h->error_code[0] ? h->error_code : NULL);
    pf_jw_kstr(jw, "inner_code", h->inner_code[0] ? h->inner_code : NULL);
    pf_jw_kbool(jw, "firewall_known", h->firewall_known);
    pf_jw_kstr(jw, "why", h->why);
    pf_jw_kstr(jw, "detail", h->detail[0] ? h->detail : NULL);
    pf_jw_kstr(jw, "ip", h->ip[0] ? h->ip : NULL);
    pf_jw_kint(jw, "timeout_ms", pr->timeout_ms);
    pf_jw_key(jw, "time_ms");
    pf_jw_obj(jw);
    jw_ms(jw, "dns", h->t_dns_ms);
    jw_ms(jw, "connect", h->t_connect_ms);
    jw_ms(jw, "tls", h->t_tls_ms);
    jw_ms(jw, "first_byte", h->t_first_byte_ms);
    jw_ms(jw, "total", h->t_total_ms);
    pf_jw_obj_end(jw);
  }
  pf_jw_kstr(jw, "result", stat_name(r->status));
  pf_jw_obj_end(jw);
}

/* A KEY-2 result: the model of `keys verify --format json`, the datastore
 * as the resource; the key itself is never in it. */
static void jw_key(struct pf_jw *jw, const struct pf_kp_target *k)
{
  char msg[900], title[300];
  key_msg(k, msg, sizeof(msg));
  snprintf(title, sizeof(title), "The account key of datastore %s "
           "authenticates against storage account %s",
           k->d->hdr.name ? k->d->hdr.name : "?", k->d->account_name);
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "rule", "KEY-2");
  pf_jw_kstr(jw, "severity", "error");
  pf_jw_kstr(jw, "status", pf_kp_status_name(k->status));
  pf_jw_kstr(jw, "resource", k->d->hdr.id ? k->d->hdr.id : "");
  pf_jw_kstr(jw, "resource_kind", "datastore");
  pf_jw_kstr(jw, "resource_name", k->d->hdr.name);
  pf_jw_kstr(jw, "title", title);
  pf_jw_kstr(jw, "message", msg);
  pf_jw_key(jw, "evidence");
  pf_jw_obj(jw);
  pf_jw_key(jw, "checks");
  pf_jw_arr(jw);
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "kind", "storage-key");
  pf_jw_kstr(jw, "method", "GET");
  pf_jw_kstr(jw, "url", k->url);
  pf_jw_kstr(jw, "account", k->d->account_name);
  pf_jw_kstr(jw, "container", k->d->container);
  pf_jw_kstr(jw, "credential", pf_cred_name(k->d->cred));
  pf_jw_kbool(jw, "key_given", k->has_key);
  pf_jw_key(jw, "http_status");
  if (k->http)
    pf_jw_int(jw, k->http);
  else
    pf_jw_null(jw);
  pf_jw_kstr(jw, "error_code", k->code[0] ? k->code : NULL);
  pf_jw_kstr(jw, "result", pf_kp_status_name(k->status));
  pf_jw_obj_end(jw);
  pf_jw_arr_end(jw);
  pf_jw_obj_end(jw);
  pf_jw_key(jw, "remediation");
  pf_jw_null(jw);
  pf_jw_kstr(jw, "source", "000_7b4221b7c0f83a55.txt#update-the-access-key");
  pf_jw_obj_end(jw);
}

static void write_json(struct probe *pr)
{
  struct pf_jw jw;
  size_t i, fail[3], pass, unknown;
  char ip[PF_ADDR_STRLEN], title[400];

  pf_jw_init(&jw, pr->ctx->out, 1);
  pf_jw_obj(&jw);
  pf_cli_jw_tool(&jw);
  pf_jw_kstr(&jw, "command", "probe");
  pf_jw_key(&jw, "inputs");
  pf_jw_arr(&jw);
  for (i = 0; pr->cfg && i < pr->cfg->n_inputs; i++)
    pf_jw_str(&jw, pr->cfg->inputs[i].path);
  pf_jw_arr_end(&jw);
  pf_jw_kstr(&jw, "plan", pr->plan.source);
  if (pr->plan.has_from) {
    pf_addr_format(&pr->plan.from, ip, sizeof(ip));
    pf_jw_kstr(&jw, "from", ip);
  } else {
    pf_jw_kstr(&jw, "from", NULL);
  }
  pf_jw_kstr(&jw, "dns_server", pr->dns_server ? pr->dns_server : "system");
  pf_jw_kint(&jw, "timeout_ms", pr->timeout_ms);
  pf_jw_key(&jw, "elapsed_ms");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "dns", (int64_t)(pr->dns_ms + 0.5));
  pf_jw_kint(&jw, "tcp", (int64_t)(pr->tcp_ms + 0.5));
  pf_jw_kint(&jw, "https", (int64_t)(pr->https_ms + 0.5));
  pf_jw_kint(&jw, "keys", (int64_t)(pr->key_ms + 0.5));
  pf_jw_kint(&jw, "total", (int64_t)(pr->wall_ms + 0.5));
  pf_jw_obj_end(&jw);
  pf_jw_key(&jw, "results");
  pf_jw_arr(&jw);
  for (i = 0; i < pr->n_r; i++) {
    const struct pres *r = &pr->r[i];
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "rule", r->t->requirement);
    pf_jw_kstr(&jw, "severity", req_severity(r->t->requirement));
    pf_jw_kstr(&jw, "status", stat_name(r->status));
    pf_jw_kstr(&jw, "resource", r->t->resource ? r->t->resource : "");
    pf_jw_kstr(&jw, "resource_kind", kind_of(r->t->service));
    pf_jw_kstr(&jw, "resource_name",
               r->t->resource_name ? r->t->resource_name : r->t->host);
    if (r->kind == RK_DNS)
      snprintf(title, sizeof(title), "%s resolves from inside the subnet%s",
               r->t->host, r->t->expect == PF_PEXP_PRIVATE
                               ? " to its private endpoint"
                               : "");
    else if (r->kind == RK_HTTPS)
      snprintf(title, sizeof(title), "%s answers HTTPS from inside the "
               "subnet, its firewall letting the request through",
               r->t->host);
    else
      snprintf(title, sizeof(title), "%s answers on TCP %u from inside the "
               "subnet", r->t->host, r->port);
    pf_jw_kstr(&jw, "title", title);
    pf_jw_kstr(&jw, "message", r->msg);
    pf_jw_key(&jw, "evidence");
    pf_jw_obj(&jw);
    pf_jw_key(&jw, "checks");
    pf_jw_arr(&jw);
    if (r->kind == RK_DNS) {
      jw_dns(&jw, pr, r);
    } else if (r->kind == RK_HTTPS) {
      jw_https(&jw, pr, r);
      if (r->sv.has)
        jw_static(&jw, pr, r);
    } else {
      jw_tcp(&jw, pr, r);
      if (r->sv.has)
        jw_static(&jw, pr, r);
    }
    pf_jw_arr_end(&jw);
    pf_jw_obj_end(&jw);
    pf_jw_key(&jw, "remediation");
    pf_jw_null(&jw);
    pf_jw_kstr(&jw, "source", "DESIGN.md#what-it-probes");
    pf_jw_obj_end(&jw);
  }
  for (i = 0; i < pr->n_kt; i++)
    jw_key(&jw, &pr->kt[i]);
  pf_jw_arr_end(&jw);
  /* what was not run, and how to run it (KEY-2 without a key) */
  pf_jw_key(&jw, "not_run");
  pf_jw_arr(&jw);
  if (pr->key_note[0]) {
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "rule", "KEY-2");
    pf_jw_kstr(&jw, "reason", pr->key_note);
    pf_jw_obj_end(&jw);
  }
  pf_jw_arr_end(&jw);
  counts(pr, fail, &pass, &unknown);
  pf_jw_key(&jw, "summary");
  pf_jw_obj(&jw);
  pf_jw_key(&jw, "fail");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "error", (int64_t)fail[0]);
  pf_jw_kint(&jw, "warning", (int64_t)fail[1]);
  pf_jw_kint(&jw, "info", 0);
  pf_jw_obj_end(&jw);
  pf_jw_kint(&jw, "pass", (int64_t)pass);
  pf_jw_kint(&jw, "unknown", (int64_t)unknown);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_end(&jw);
}

/* ---- the command ---- */

static int parse_long(const char *s, long lo, long hi, long *out)
{
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end || v < lo || v > hi)
    return 0;
  *out = v;
  return 1;
}

int cmd_probe(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"blob-endpoint", required_argument, NULL, 'b'},
    {"ca-file", required_argument, NULL, 'C'},
    {"concurrency", required_argument, NULL, 'c'},
    {"dns-concurrency", required_argument, NULL, 'D'},
    {"dns-server", required_argument, NULL, 'd'},
    {"fail-on", required_argument, NULL, 'x'},
    {"format", required_argument, NULL, 'f'},
    {"from", required_argument, NULL, 'F'},
    {"help", no_argument, NULL, 'h'},
    {"keys", required_argument, NULL, 'k'},
    {"node", required_argument, NULL, 'n'},
    {"plan", required_argument, NULL, 'p'},
    {"print-plan", no_argument, NULL, 'P'},
    {"rate", required_argument, NULL, 'r'},
    {"region", required_argument, NULL, 'R'},
    {"service-tags", required_argument, NULL, 's'},
    {"timeout", required_argument, NULL, 't'},
    {NULL, 0, NULL, 0}
  };
  struct probe pr;
  struct pf_addr nodes[MAX_NODES], from;
  struct pf_probe_derive_opts dop;
  struct pf_err err;
  const char *plan_file = NULL, *tags_opt = NULL, *region = NULL;
  const char *fail_on = "error", *keys_file = NULL;
  enum pf_format fmt = PF_FMT_TEXT;
  size_t n_nodes = 0, i, fail[3], pass, unknown;
  int c, rc = PF_EXIT_OK, print_plan = 0, has_from = 0, threshold;
  long v;

  memset(&pr, 0, sizeof(pr));
  pf_probe_plan_init(&pr.plan);
  pr.ctx = ctx;
  pr.timeout_ms = 3000;
  pr.concurrency = 1000;
  pr.dns_concurrency = 50;
  pf_keysrc_init(&pr.keys);
  pf_err_clear(&err);
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'c':
      if (!parse_long(optarg, 1, 100000, &v))
        return pf_cli_usage(ctx, "probe", "--concurrency: 1 to 100000");
      pr.concurrency = (size_t)v;
      break;
    case 'D':
      if (!parse_long(optarg, 1, 100000, &v))
        return pf_cli_usage(ctx, "probe", "--dns-concurrency: 1 to 100000");
      pr.dns_concurrency = (size_t)v;
      break;
    case 'd': pr.dns_server = optarg; break;
    case 'C': pr.ca_file = optarg; break;
    case 'b': pr.kopt.base = optarg; break;
    case 'k': keys_file = optarg; break;
    case 'x': fail_on = optarg; break;
    case 'f':
      if (pf_cli_format(ctx, "probe", optarg, 0, &fmt) != PF_EXIT_OK)
        return PF_EXIT_ERROR;
      break;
    case 'F':
      if (pf_addr_parse(optarg, strlen(optarg), &from, &err) != PF_OK)
        return pf_cli_usage(ctx, "probe", "--from: %s", err.msg);
      has_from = 1;
      break;
    case 'n':
      if (n_nodes == MAX_NODES)
        return pf_cli_usage(ctx, "probe", "at most %d --node", MAX_NODES);
      pf_err_clear(&err);
      if (pf_addr_parse(optarg, strlen(optarg), &nodes[n_nodes], &err) !=
          PF_OK)
        return pf_cli_usage(ctx, "probe", "--node: %s", err.msg);
      n_nodes++;
      break;
    case 'p': plan_file = optarg; break;
    case 'P': print_plan = 1; break;
    case 'r':
      if (!parse_long(optarg, 1, 1000000, &v))
        return pf_cli_usage(ctx, "probe", "--rate: connects per second, 1 "
                            "to 1000000");
      pr.rate = (double)v;
      break;
    case 'R': region = optarg; break;
    case 's': tags_opt = optarg; break;
    case 't':
      if (!parse_long(optarg, 1, 600000, &pr.timeout_ms))
        return pf_cli_usage(ctx, "probe", "--timeout: milliseconds, 1 to "
                            "600000");
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    default:
      return pf_cli_usage(ctx, "probe", "unknown or incomplete option '%s'",
                          argv[optind - 1]);
    }
  }
  if ((threshold = sev_rank(fail_on)) < 0)
    return pf_cli_usage(ctx, "probe", "unknown --fail-on '%s' (error, "
                        "warning, info or never)", fail_on);
  if (!plan_file && optind >= argc)
    return pf_cli_usage(ctx, "probe", "give PATH (the configuration to "
                        "derive the plan from) or --plan FILE");
  if (pr.kopt.base && strncasecmp(pr.kopt.base, "https://", 8))
    return pf_cli_usage(ctx, "probe", "--blob-endpoint must be an https "
                        "URL");
  if (keys_file && optind >= argc)
    return pf_cli_usage(ctx, "probe", "--keys needs PATH: the datastores "
                        "whose keys are checked come from the "
                        "configuration");
  if (plan_file && n_nodes)
    return pf_cli_usage(ctx, "probe", "--node adds to a derived plan; with "
                        "--plan FILE list the nodes in the file");
  if (optind < argc) {
    if ((rc = pf_cli_load(ctx, argv + optind, (size_t)(argc - optind),
                          tags_opt, &pr.cfg, &pr.db)) != PF_EXIT_OK)
      goto done;
    for (i = 0; i < pr.cfg->n_warnings; i++)
      pf_cli_warn(ctx, "%s", pr.cfg->warnings[i]);
  }
  pf_err_clear(&err);
  if (plan_file) {
    if (pf_probe_plan_read(&pr.plan, plan_file, &err) != PF_OK) {
      rc = pf_cli_error(ctx, "%s", err.msg);
      goto done;
    }
    if (pr.cfg)
      pf_probe_plan_default_from(&pr.plan, pr.cfg);
  } else {
    memset(&dop, 0, sizeof(dop));
    dop.nodes = nodes;
    dop.n_nodes = n_nodes;
    dop.region = region;
    if (pf_probe_plan_derive(&pr.plan, pr.cfg, &dop, &err) != PF_OK) {
      rc = pf_cli_fail(ctx, err.code, &err);
      goto done;
    }
  }
  if (has_from) {
    pr.plan.has_from = 1;
    pr.plan.from = from;
    pr.plan.from_why = "--from";
  }
  pr.kopt.ca_file = pr.ca_file;
  pr.kopt.timeout_ms = pr.timeout_ms;
  if ((rc = keys_setup(&pr, keys_file)) != PF_EXIT_OK)
    goto done;
  if (print_plan) {
    if (fmt == PF_FMT_JSON) {
      struct pf_jw jw;
      pf_jw_init(&jw, ctx->out, 1);
      pf_probe_plan_write_json_open(&pr.plan, &jw);
      if (pr.n_kt)
        jw_key_plan(&jw, &pr);
      pf_jw_obj_end(&jw);
      pf_jw_end(&jw);
    } else {
      print_plan_text(&pr);
    }
    rc = PF_EXIT_OK;
    goto done;
  }
  if (pr.cfg) {
    if (pf_planner_create(&pr.planner, pr.cfg, pr.db) != PF_OK ||
        pf_planner_index_flows(pr.planner) != PF_OK) {
      rc = pf_cli_error(ctx, "probe: out of memory");
      goto done;
    }
    if (pr.plan.has_from)
      pr.from_subnet = pf_planner_subnet_of(pr.planner, &pr.plan.from);
  } else if (has_from) {
    pf_cli_warn(ctx, "--from without a configuration: no static verdicts");
  }
  if ((rc = run_probes(&pr)) != PF_EXIT_OK)
    goto done;
  if (pr.n_kt) {
    int64_t t0 = now_us();
    if (isatty(fileno(ctx->err)) && !ctx->quiet)
      fprintf(ctx->err, "probe: %zu storage key request%s\n", pr.n_kt_send,
              pr.n_kt_send == 1 ? "" : "s");
    pf_err_clear(&err);
    if (pf_kp_run(pr.kt, pr.n_kt, &pr.keys, &pr.kopt, &err) != PF_OK) {
      rc = pf_cli_error(ctx, "probe: %s", err.msg);
      goto done;
    }
    pr.key_ms = (double)(now_us() - t0) / 1000.0;
    pr.wall_ms += pr.key_ms;
  }
  if (fmt == PF_FMT_JSON)
    write_json(&pr);
  else
    write_text(&pr);
  counts(&pr, fail, &pass, &unknown);
  rc = (threshold <= 2 && fail[0]) || (threshold <= 1 && fail[1])
           ? PF_EXIT_FINDINGS
           : PF_EXIT_OK;
done:
  pf_free(pr.names);
  pf_free(pr.t_dns);
  pf_free(pr.dres);
  pf_free(pr.tt);
  pf_free(pr.tres);
  for (i = 0; pr.hurl && i < pr.cap_https; i++)
    pf_free(pr.hurl[i]);
  pf_free(pr.hurl);
  pf_free(pr.hconn);
  pf_free(pr.ht);
  pf_free(pr.hres);
  pf_free(pr.r);
  pf_kp_release(pr.kt, pr.n_kt);
  pf_keysrc_release(&pr.keys);
  pf_rtable_destroy(pr.rt);
  pf_planner_destroy(pr.planner);
  pf_probe_plan_release(&pr.plan);
  pf_tagdb_destroy(pr.db);
  pf_config_destroy(pr.cfg);
  return rc;
}
