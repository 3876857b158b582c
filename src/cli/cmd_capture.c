/* SPDX-License-Identifier: MIT */
/* cmd_capture.c - `preflight capture`: does management traffic reach the
 * nodes, is it answered, and do the answers get back?
 *
 * specification: REQUIREMENTS.md NSG-7 (the probe this command is), NSG-1,
 * NSG-5, NSG-6, VM-2, UDR-1, UDR-2; AZURE-SEMANTICS.md 4.3 (unusable
 * nodes), 4.4 (forced tunnelling).
 *
 * Packets come from a capture file or a live interface (src/load/pf_pcap),
 * connections and their handshake states from src/eval/pf_capture; this
 * file adds what the configuration says about each flow (the NSG verdict
 * of the request, the route of the answer), turns the states into results
 * of the `check` model, and prints them.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../core/pf_jw.h"
#include "../core/pf_mem.h"
#include "../eval/pf_capture.h"
#include "../eval/pf_check.h"
#include "../eval/pf_path.h"
#include "../eval/pf_route.h"
#include "../eval/pf_rules.h"
#include "../load/pf_pcap.h"
#include "../model/pf_model.h"
#include "../model/pf_tags.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight capture (-r FILE | -i IFACE [--seconds N]) [PATH...]\n"
  "                         [--service-tags FILE] [--ssh] [--port N]...\n"
  "                         [--all-ports] [--format text|json]\n"
  "                         [--fail-on error|warning|info|never] "
  "[--limit N]\n"
  "\n"
  "Diagnose Batch and Azure Machine Learning management traffic in a packet\n"
  "capture (pcap or pcapng: Ethernet, Linux cooked SLL/SLL2, raw IP; IPv4\n"
  "and IPv6) or live on an interface.  Every TCP connection to a management\n"
  "port (29876-29877 Batch node management, 44224 compute instances, 22\n"
  "with --ssh) gets a handshake state:\n"
  "  completed   answered, and the answer got back\n"
  "  refused     answered with RST: nothing listens on the port\n"
  "  unanswered  SYNs without SYN-ACK or RST\n"
  "  reply-lost  SYN-ACK sent, but the client keeps retransmitting its SYN:\n"
  "              the answers are lost on the way back (asymmetric route,\n"
  "              forced tunnelling through a firewall)\n"
  "  reset       reset after it was established\n"
  "  pending     the capture ended too soon to tell\n"
  "  midstream   the handshake is not in the capture\n"
  "Sources are named by the service tags that contain them; with the\n"
  "configuration (PATH...) each connection names its requirement (NSG-1,\n"
  "NSG-5, NSG-6, UDR-1, UDR-2) and what the NSGs and routes loaded say\n"
  "about it.  No management traffic at all is a finding too, with its\n"
  "likely causes ranked.  Only headers are read: no payload is stored or\n"
  "printed; IP fragments are not reassembled (they are counted).\n"
  "\n"
  "options:\n"
  "  -r, --read FILE      read a capture file\n"
  "  -i, --interface IF   capture live on IF (needs root or CAP_NET_RAW;\n"
  "                       root is dropped to --user once IF is open)\n"
  "  --seconds N          live: stop after N seconds (default 120)\n"
  "  --user NAME          live: the user to become (default nobody)\n"
  "  --service-tags FILE  service tag file (default $PREFLIGHT_SERVICE_TAGS,\n"
  "                       or a tag file among the inputs)\n"
  "  --ssh                count TCP 22 as management traffic too\n"
  "  --port N             management ports instead of the default ones\n"
  "                       (repeat, or N,M,...)\n"
  "  --all-ports          list every TCP connection, not only management\n"
  "  --format FMT         text (default) or json\n"
  "  --fail-on SEV        exit 1 when a failing result is at or above SEV\n"
  "                       (default error; never: always exit 0)\n"
  "  --limit N            text: list at most N connections (default 100)\n"
  PF_CLI_LOAD_USAGE
  "  -h, --help           show this help\n"
  "\n"
  "examples:\n"
  "  preflight capture -r node.pcap\n"
  "  preflight capture -r node.pcapng examples/contoso-westeurope "
  "--format json\n"
  "  sudo preflight capture -i eth0 --seconds 120 --service-tags "
  "ServiceTags_Public_20251028.json\n";

#define MAX_PORTS 64
#define TAGS_SHOWN 6
#define CLIENTS_KEPT 4
#define SNAPLEN 128
#define SOURCE_NSG7 "003_1c3fe92bbd698fc0.txt#required-ports"
#define TITLE_NSG7                                                       \
  "Management traffic from BatchNodeManagement / AzureMachineLearning "  \
  "arrives at the nodes and is answered"

/* The service tags of one client address. */
struct addrtags {
  enum pf_af af;
  pf_u128 a;
  const struct pf_tag *t[TAGS_SHOWN];
  size_t n;
};

/* One listed connection and what the configuration says about it. */
struct diag {
  const struct pf_conn *k;
  int mgmt;                       /* to a management port */
  const char *req;                /* requirement, or NULL */
  const struct addrtags *tags;    /* NULL: no tag file */
  int has_static;                 /* configuration loaded */
  enum pf_verdict v;
  const char *nsg, *nsg_rg, *rule, *level, *reason;
  int priority;                   /* -1: no rule */
  const struct pf_subnet *subnet;
  const struct pf_rtable *rt;
  const struct pf_eroute *route;  /* route of the answer, or NULL */
  int asym;                       /* the answer leaves by a tunnel */
};

/* Connections of one server, port and state: one result. */
struct group {
  const struct diag *first;
  enum pf_conn_state st;
  size_t n;
  uint64_t syn, synack;
  const struct diag *clients[CLIENTS_KEPT];
  size_t n_clients;               /* distinct ones kept */
  int more_clients;               /* and others beyond CLIENTS_KEPT */
  int64_t first_ns, last_ns;
};

struct cause {
  int score;
  const char *req;
  char text[400];
  char why[640];
};

#define MAX_CAUSES 6

struct cres {
  int fail;
  const char *severity;
  const struct group *g;          /* NULL: "no management traffic" */
  char resource_name[80];
  char msg[1200];
  char fix[700];                  /* "" when none */
  struct cause causes[MAX_CAUSES];
  size_t n_causes;
};

/* What the static check said about one requirement (causes ranking). */
struct sreq {
  const char *id;
  int ran;
  enum pf_rstatus worst;
  char msg[600];
};

struct capture {
  struct pf_ctx *ctx;
  enum pf_format fmt;
  const char *file, *iface, *user;
  unsigned ports[MAX_PORTS];
  size_t n_ports;
  int all_ports, ssh;
  long seconds;
  size_t limit;
  struct pf_config *cfg;
  struct pf_tagdb *db;
  struct pf_planner *planner;
  struct rtc {
    const struct pf_subnet *s;
    struct pf_rtable *rt;
  } *rts;
  size_t n_rts, cap_rts;
  struct pf_cap *cap;
  int linktype;
  uint32_t snaplen;
  uint64_t drops;
  int dropped_priv;
  char trunc[PF_ERR_MSG_MAX];     /* "" or the read error */
  int64_t end_ns;
  double duration;
  struct diag *d;
  size_t n_d;
  struct addrtags *at;
  size_t n_at;
  struct group *g;
  size_t n_g, cap_g;
  struct cres *res;
  size_t n_res, cap_res;
  struct sreq sreq[5];
  size_t n_mgmt;
  size_t states[PF_CS_COUNT];
};

/* ---- helpers ------------------------------------------------------------ */

static int is_mgmt_port(const struct capture *cp, unsigned port)
{
  size_t i;
  for (i = 0; i < cp->n_ports; i++)
    if (cp->ports[i] == port)
      return 1;
  return 0;
}

static void fmt_addr(enum pf_af af, pf_u128 v, char *buf, size_t cap)
{
  struct pf_addr a;
  a.af = af;
  a.v = v;
  pf_addr_format(&a, buf, cap);
}

static void fmt_ep(enum pf_af af, pf_u128 v, unsigned port, char *buf,
                   size_t cap)
{
  char ip[PF_ADDR_STRLEN];
  fmt_addr(af, v, ip, sizeof(ip));
  if (af == PF_AF_V6)
    snprintf(buf, cap, "[%s]:%u", ip, port);
  else
    snprintf(buf, cap, "%s:%u", ip, port);
}

static void fmt_ports(const struct capture *cp, char *buf, size_t cap)
{
  size_t i, n = 0;
  buf[0] = '\0';
  for (i = 0; i < cp->n_ports && n < cap; i++) {
    int w = snprintf(buf + n, cap - n, "%s%u", i ? ", " : "", cp->ports[i]);
    if (w < 0)
      break;
    n += (size_t)w;
  }
}

static const char *port_desc(unsigned port)
{
  switch (port) {
  case 29876:
  case 29877: return "Batch node management";
  case 44224: return "compute instance management";
  case 22: return "SSH";
  default: return "management";
  }
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
  char *end;
  unsigned long v;
  if (!*s || *s == '-' || *s == '+')
    return -1;
  v = strtoul(s, &end, 10);
  if (*end || v > max)
    return -1;
  *out = v;
  return 0;
}

static int add_ports(struct capture *cp, const char *arg)
{
  const char *p = arg;
  while (*p) {
    char num[8];
    size_t n = strcspn(p, ",");
    unsigned long v;
    if (n == 0 || n >= sizeof(num))
      return -1;
    memcpy(num, p, n);
    num[n] = '\0';
    if (parse_ulong(num, 65535, &v) || v == 0)
      return -1;
    if (!is_mgmt_port(cp, (unsigned)v)) {
      if (cp->n_ports == MAX_PORTS)
        return -1;
      cp->ports[cp->n_ports++] = (unsigned)v;
    }
    p += n;
    if (*p == ',')
      p++;
  }
  return 0;
}

/* ---- reading ------------------------------------------------------------ */

static int64_t now_ns(clockid_t clk)
{
  struct timespec ts;
  clock_gettime(clk, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void build_filter(const struct capture *cp, char *buf, size_t cap)
{
  size_t i, n;
  int w;
  if (cp->all_ports) {
    snprintf(buf, cap, "tcp");
    return;
  }
  w = snprintf(buf, cap, "tcp and (");
  n = w > 0 ? (size_t)w : 0;
  for (i = 0; i < cp->n_ports && n < cap; i++) {
    w = snprintf(buf + n, cap - n, "%sport %u", i ? " or " : "",
                 cp->ports[i]);
    if (w < 0)
      break;
    n += (size_t)w;
  }
  if (n < cap)
    snprintf(buf + n, cap - n, ")");
}

static int read_packets(struct capture *cp)
{
  struct pf_pcap *src = NULL;
  struct pf_pcap_pkt pkt;
  struct pf_err err;
  int64_t deadline = 0;
  pf_status st;
  int rc = PF_EXIT_OK;

  pf_err_clear(&err);
  if (cp->file) {
    st = pf_pcap_open_file(&src, cp->file, &err);
  } else {
    struct pf_pcap_live_opts lo;
    char filter[MAX_PORTS * 16 + 32];
    build_filter(cp, filter, sizeof(filter));
    lo.iface = cp->iface;
    lo.snaplen = SNAPLEN;
    lo.timeout_ms = 100;
    lo.filter = filter;
    st = pf_pcap_open_live(&src, &lo, &err);
    if (st == PF_OK)
      st = pf_pcap_drop_privileges(cp->user, &cp->dropped_priv, &err);
    if (st == PF_OK && !cp->ctx->quiet)
      fprintf(cp->ctx->err, "%s: capturing on %s for %ld s (filter: %s%s%s)"
              "\n", cp->ctx->prog, cp->iface, cp->seconds, filter,
              cp->dropped_priv ? "; running as " : "",
              cp->dropped_priv ? cp->user : "");
    fflush(cp->ctx->err);
    deadline = now_ns(CLOCK_MONOTONIC) + cp->seconds * 1000000000LL;
  }
  if (st != PF_OK) {
    pf_pcap_close(src);
    return pf_cli_fail(cp->ctx, st, &err);
  }
  cp->linktype = pf_pcap_linktype(src);
  cp->snaplen = pf_pcap_snaplen(src);
  if (!pf_linktype_name(cp->linktype)) {
    rc = pf_cli_error(cp->ctx, "%s: link type %d is not supported (Ethernet, "
                      "Linux cooked SLL and SLL2, raw IP, loopback)",
                      cp->file ? cp->file : cp->iface, cp->linktype);
    goto done;
  }
  if (pf_cap_create(&cp->cap, cp->linktype, 0) != PF_OK) {
    rc = pf_cli_error(cp->ctx, "out of memory");
    goto done;
  }
  for (;;) {
    enum pf_pcap_rc r;
    if (deadline && now_ns(CLOCK_MONOTONIC) >= deadline)
      break;
    r = pf_pcap_next(src, &pkt, &err);
    if (r == PF_PCAP_TIMEOUT)
      continue;
    if (r == PF_PCAP_END)
      break;
    if (r == PF_PCAP_ERROR) {
      /* a marked partial result: what was read before stays */
      snprintf(cp->trunc, sizeof(cp->trunc), "%s", err.msg);
      pf_cli_warn(cp->ctx, "%s; the result covers the packets before it",
                  err.msg);
      break;
    }
    if (pf_cap_feed(cp->cap, pkt.ts_ns, pkt.data, pkt.caplen, pkt.len) !=
        PF_OK) {
      rc = pf_cli_error(cp->ctx, "out of memory");
      goto done;
    }
  }
  if (cp->iface) {
    cp->end_ns = now_ns(CLOCK_REALTIME);
    cp->drops = pf_pcap_dropped(src);
    cp->duration = (double)cp->seconds;
  } else {
    const struct pf_cap_stats *s = pf_cap_stats(cp->cap);
    cp->end_ns = 0;
    cp->duration = s->packets ? (double)(s->last_ns - s->first_ns) / 1e9 : 0;
  }
  pf_cap_finish(cp->cap, cp->end_ns);
done:
  pf_pcap_close(src);
  return rc;
}

/* ---- diagnosis ---------------------------------------------------------- */

static int cmp_at(const void *pa, const void *pb)
{
  const struct addrtags *a = pa, *b = pb;
  if (a->af != b->af)
    return (int)a->af - (int)b->af;
  return a->a < b->a ? -1 : a->a > b->a;
}

static const struct addrtags *find_at(const struct capture *cp,
                                      enum pf_af af, pf_u128 a)
{
  struct addrtags key;
  key.af = af;
  key.a = a;
  return bsearch(&key, cp->at, cp->n_at, sizeof(*cp->at), cmp_at);
}

/* Tags of every distinct client address (sorted, unique). */
static pf_status attribute_tags(struct capture *cp)
{
  size_t i, n = 0;
  if (!cp->db || !cp->n_d)
    return PF_OK;
  cp->at = pf_calloc(cp->n_d, sizeof(*cp->at));
  if (!cp->at)
    return PF_ENOMEM;
  for (i = 0; i < cp->n_d; i++) {
    cp->at[i].af = cp->d[i].k->af;
    cp->at[i].a = cp->d[i].k->client;
  }
  qsort(cp->at, cp->n_d, sizeof(*cp->at), cmp_at);
  for (i = 0; i < cp->n_d; i++)
    if (!n || cmp_at(&cp->at[n - 1], &cp->at[i]))
      cp->at[n++] = cp->at[i];
  cp->n_at = n;
  for (i = 0; i < n; i++) {
    struct pf_addr a;
    size_t found;
    a.af = cp->at[i].af;
    a.v = cp->at[i].a;
    found = pf_cap_tags_of(cp->db, &a, cp->at[i].t, TAGS_SHOWN);
    cp->at[i].n = found < TAGS_SHOWN ? found : TAGS_SHOWN;
  }
  for (i = 0; i < cp->n_d; i++)
    cp->d[i].tags = find_at(cp, cp->d[i].k->af, cp->d[i].k->client);
  return PF_OK;
}

static const struct pf_rtable *rtable_for(struct capture *cp,
                                          const struct pf_subnet *s)
{
  struct pf_route_opts ro;
  struct pf_rtable *rt = NULL;
  struct pf_err err;
  size_t i;
  for (i = 0; i < cp->n_rts; i++)
    if (cp->rts[i].s == s)
      return cp->rts[i].rt;
  if (PF_GROW(cp->rts, cp->cap_rts, cp->n_rts + 1))
    return NULL;
  memset(&ro, 0, sizeof(ro));
  ro.profile = PF_ROUTE_PROFILE_2023;
  ro.tags = cp->db;
  pf_err_clear(&err);
  if (pf_rtable_build(cp->cfg, s, &ro, &rt, &err) != PF_OK)
    rt = NULL;
  cp->rts[cp->n_rts].s = s;
  cp->rts[cp->n_rts].rt = rt;
  cp->n_rts++;
  return rt;
}

/* What the configuration says: the NSG verdict of the request and the
 * route of the answer. */
static pf_status diagnose_static(struct capture *cp, struct diag *d)
{
  const struct pf_conn *k = d->k;
  struct pf_stage stages[PF_MAX_STAGES];
  struct pf_flow_result r;
  struct pf_flow f;
  struct pf_addr src, dst;
  const char *why = NULL;
  size_t n = 0;
  const struct pf_step *sp;

  d->has_static = 1;
  d->priority = -1;
  src.af = dst.af = k->af;
  src.v = k->client;
  dst.v = k->server;
  memset(&f, 0, sizeof(f));
  f.af = k->af;
  f.proto = PF_PB_TCP;
  f.src = k->client;
  f.dst = k->server;
  f.sport = k->cport;
  f.dport = k->sport;
  if (pf_planner_flow(cp->planner, PF_DIR_INBOUND, &src, &dst, stages, &n,
                      &why) != PF_OK)
    return PF_ENOMEM;
  d->subnet = pf_planner_subnet_of(cp->planner, &dst);
  if (!n) {
    d->v = PF_V_UNKNOWN;
    d->reason = why;
  } else {
    pf_eval_flow(stages, n, &f, &r);
    d->v = r.v;
    if ((sp = pf_flow_deciding_step(&r)) != NULL) {
      const struct pf_stage *sg = sp->stage;
      if (sg->nsgc) {
        d->nsg = sg->nsgc->nsg->hdr.name;
        d->nsg_rg = sg->nsgc->nsg->hdr.resource_group;
      }
      d->rule = sp->rule ? sp->rule->name : NULL;
      d->priority = sp->rule ? sp->rule->priority : -1;
      d->level = pf_level_name(sg->level);
      d->reason = sp->why;
      if (!d->reason && sg->missing_id)
        d->reason = "an NSG is referenced but not supplied";
      if (d->v == PF_V_DENY && sg->level == PF_LEVEL_NIC && d->req &&
          strncmp(d->req, "NSG-", 4) == 0)
        d->req = "NSG-6";   /* the NIC's NSG (Batch's own) was changed */
    }
  }
  if (d->subnet) {
    const struct pf_rtable *rt = rtable_for(cp, d->subnet);
    size_t idx = rt ? pf_rtable_lookup(rt, &src) : PF_ROUTE_NONE;
    if (idx != PF_ROUTE_NONE) {
      d->rt = rt;
      d->route = &rt->routes[idx];
      d->asym = d->route->hop == PF_RHOP_VIRTUAL_APPLIANCE ||
                d->route->hop == PF_RHOP_VNET_GATEWAY ||
                d->route->hop == PF_RHOP_NONE;
    }
  }
  return PF_OK;
}

static pf_status diagnose(struct capture *cp)
{
  size_t i, n = pf_cap_count(cp->cap);
  pf_status st;

  cp->d = pf_calloc(n ? n : 1, sizeof(*cp->d));
  if (!cp->d)
    return PF_ENOMEM;
  for (i = 0; i < n; i++) {
    const struct pf_conn *k = pf_cap_at(cp->cap, i);
    int mgmt = is_mgmt_port(cp, k->sport);
    struct diag *d;
    if (mgmt)
      cp->n_mgmt++;
    if (!mgmt && !cp->all_ports)
      continue;
    cp->states[k->state]++;
    d = &cp->d[cp->n_d++];
    d->k = k;
    d->mgmt = mgmt;
    d->priority = -1;
    d->req = pf_cap_requirement(k->sport, k->state);
    if (cp->planner && mgmt && (st = diagnose_static(cp, d)) != PF_OK)
      return st;
  }
  return attribute_tags(cp);
}

/* ---- results ------------------------------------------------------------ */

static int is_fail_state(enum pf_conn_state s)
{
  return s == PF_CS_REFUSED || s == PF_CS_UNANSWERED ||
         s == PF_CS_REPLY_LOST || s == PF_CS_RESET;
}

static pf_status group_conns(struct capture *cp)
{
  size_t i, j;
  for (i = 0; i < cp->n_d; i++) {
    const struct diag *d = &cp->d[i];
    const struct pf_conn *k = d->k;
    struct group *g = NULL;
    if (!d->mgmt ||
        !(is_fail_state(k->state) || k->state == PF_CS_COMPLETED))
      continue;
    for (j = 0; j < cp->n_g && !g; j++) {
      const struct pf_conn *h = cp->g[j].first->k;
      if (h->af == k->af && h->server == k->server &&
          h->sport == k->sport && cp->g[j].st == k->state)
        g = &cp->g[j];
    }
    if (!g) {
      if (PF_GROW(cp->g, cp->cap_g, cp->n_g + 1))
        return PF_ENOMEM;
      g = &cp->g[cp->n_g++];
      memset(g, 0, sizeof(*g));
      g->first = d;
      g->st = k->state;
      g->first_ns = k->first_ns;
    }
    g->n++;
    g->syn += k->syn_count;
    g->synack += k->synack_count;
    if (k->last_ns > g->last_ns)
      g->last_ns = k->last_ns;
    for (j = 0; j < g->n_clients; j++)
      if (g->clients[j]->k->client == k->client)
        break;
    if (j == g->n_clients) {
      if (g->n_clients < CLIENTS_KEPT)
        g->clients[g->n_clients++] = d;
      else
        g->more_clients = 1;
    }
  }
  return PF_OK;
}

/* "BatchNodeManagement.WestEurope (13.69.65.70)" */
static void who(const struct diag *d, char *buf, size_t cap)
{
  char ip[PF_ADDR_STRLEN];
  fmt_addr(d->k->af, d->k->client, ip, sizeof(ip));
  if (d->tags && d->tags->n)
    snprintf(buf, cap, "%s (%s)", d->tags->t[0]->name, ip);
  else
    snprintf(buf, cap, "%s", ip);
}

static void group_who(const struct group *g, char *buf, size_t cap)
{
  char one[160];
  who(g->clients[0], one, sizeof(one));
  if (g->more_clients)
    snprintf(buf, cap, "%s and more than %zu other clients", one,
             g->n_clients - 1);
  else if (g->n_clients > 1)
    snprintf(buf, cap, "%s and %zu other client%s", one, g->n_clients - 1,
             g->n_clients > 2 ? "s" : "");
  else
    snprintf(buf, cap, "%s", one);
}

/* The tag a fix should name: the client's regional management tag. */
static const char *fix_tag(const struct diag *d, char *buf, size_t cap)
{
  const char *base = pf_cap_expected_tag(d->k->sport);
  size_t i;
  if (!base)
    return NULL;
  if (d->tags)
    for (i = 0; i < d->tags->n; i++)
      if (!strncasecmp(d->tags->t[i]->name, base, strlen(base)))
        return d->tags->t[i]->name;
  snprintf(buf, cap, "%s.<Region>", base);
  return buf;
}

/* Whether the client is in the tag family its port expects (unknown
 * without a tag file: assumed). */
static int source_expected(const struct diag *d)
{
  const char *base = pf_cap_expected_tag(d->k->sport);
  size_t i;
  if (!base || !d->tags)
    return 1;
  for (i = 0; i < d->tags->n; i++)
    if (!strncasecmp(d->tags->t[i]->name, base, strlen(base)))
      return 1;
  return 0;
}

static void static_part(const struct diag *d, char *buf, size_t cap)
{
  size_t n;
  buf[0] = '\0';
  if (!source_expected(d))
    snprintf(buf, cap, " (the source is not in %s: this is not %s "
             "traffic)", pf_cap_expected_tag(d->k->sport),
             d->k->sport == 44224 || d->k->sport == 22
                 ? "Azure Machine Learning"
                 : "Batch");
  n = strlen(buf);
  buf += n;
  cap -= n;
  if (!d->has_static)
    return;
  if (d->v == PF_V_DENY)
    snprintf(buf, cap, ": NSG %s rule %s (priority %d, %s) denies this flow "
             "(requirement %s)", d->nsg ? d->nsg : "?",
             d->rule ? d->rule : "?", d->priority, d->level ? d->level : "?",
             d->req ? d->req : "-");
  else if (d->v == PF_V_ALLOW)
    snprintf(buf, cap, "; the NSGs loaded allow this flow, so look beyond "
             "them: a firewall on the way, the node's own firewall, or "
             "answers that leave by another path");
  else
    snprintf(buf, cap, "; the NSG verdict is unknown (%s)",
             d->reason ? d->reason : "the configuration is incomplete");
}

static void nsg_fix(const struct diag *d, char *buf, size_t cap)
{
  char tb[64];
  const char *tag = fix_tag(d, tb, sizeof(tb));
  int batch = d->k->sport == 29876 || d->k->sport == 29877;
  /* below the deny rule; a default rule (65000+) is beaten by any */
  int prio = d->priority > 4096  ? 4000
             : d->priority > 100 ? d->priority - 1
                                 : 100;
  if (!tag || d->v != PF_V_DENY || !d->nsg || !source_expected(d))
    return;
  snprintf(buf, cap, "az network nsg rule create -g %s --nsg-name %s -n %s "
           "--priority %d --direction Inbound --access Allow --protocol Tcp "
           "--source-address-prefixes %s --source-port-ranges '*' "
           "--destination-address-prefixes VirtualNetwork "
           "--destination-port-ranges %s",
           d->nsg_rg ? d->nsg_rg : "<resource-group>", d->nsg,
           batch ? "AllowBatchNodeManagementInbound"
                 : "AllowAzureMachineLearningInbound",
           prio, tag, batch ? "29876-29877" : "44224");
}

static void route_fix(const struct diag *d, char *buf, size_t cap)
{
  char tb[64];
  const char *tag = fix_tag(d, tb, sizeof(tb));
  const char *rg = "<resource-group>", *rtn = "<route-table>";
  size_t bl;
  if (!tag)
    return;
  if (d->rt && d->rt->table) {
    rtn = d->rt->table->hdr.name;
    if (d->rt->table->hdr.resource_group)
      rg = d->rt->table->hdr.resource_group;
  }
  bl = strcspn(tag, ".");
  snprintf(buf, cap, "az network route-table route create -g %s "
           "--route-table-name %s -n %.*s --address-prefix %s "
           "--next-hop-type Internet", rg, rtn, (int)bl, tag, tag);
}

static const char *route_name(const struct pf_eroute *r)
{
  return r->name ? r->name : r->label ? r->label : pf_route_src_name(r->src);
}

static void route_part(const struct diag *d, char *buf, size_t cap)
{
  char ip[PF_ADDR_STRLEN], hop[PF_ADDR_STRLEN + 2];
  char tb[64];
  const char *tag = fix_tag(d, tb, sizeof(tb));
  fmt_addr(d->k->af, d->k->client, ip, sizeof(ip));
  hop[0] = '\0';
  if (d->route && d->route->has_hop_ip) {
    hop[0] = ' ';
    pf_addr_format(&d->route->hop_ip, hop + 1, sizeof(hop) - 1);
  }
  if (d->route && d->asym)
    snprintf(buf, cap, ": the answer to %s leaves via %s%s (route %s), "
             "not the way the request came (requirement %s: route %s to "
             "the Internet)", ip, pf_route_hop_name(d->route->hop), hop,
             route_name(d->route), d->req ? d->req : "-",
             tag ? tag : "the source");
  else if (d->route)
    snprintf(buf, cap, "; the routes loaded send the answer to %s via %s "
             "(route %s), so look for a firewall or NAT on the way back",
             ip, pf_route_hop_name(d->route->hop), route_name(d->route));
  else
    snprintf(buf, cap, " (typically forced tunnelling: 0.0.0.0/0 to a "
             "firewall without a route for %s to the Internet, requirement "
             "%s)", tag ? tag : "the source", d->req ? d->req : "UDR-1");
}

static struct cres *new_result(struct capture *cp)
{
  struct cres *r;
  if (PF_GROW(cp->res, cp->cap_res, cp->n_res + 1))
    return NULL;
  r = &cp->res[cp->n_res++];
  memset(r, 0, sizeof(*r));
  return r;
}

static pf_status group_result(struct capture *cp, const struct group *g)
{
  const struct diag *d = g->first;
  const struct pf_conn *k = d->k;
  struct cres *r = new_result(cp);
  char server[PF_ADDR_STRLEN + 8], whos[400], extra[700];
  const char *s = g->n == 1 ? "" : "s";

  if (!r)
    return PF_ENOMEM;
  r->g = g;
  r->fail = is_fail_state(g->st);
  r->severity = g->st == PF_CS_RESET ? "warning" : "error";
  fmt_ep(k->af, k->server, k->sport, server, sizeof(server));
  fmt_addr(k->af, k->server, r->resource_name, sizeof(r->resource_name));
  group_who(g, whos, sizeof(whos));
  extra[0] = '\0';
  switch (g->st) {
  case PF_CS_COMPLETED:
    snprintf(r->msg, sizeof(r->msg), "%s traffic from %s reached %s and "
             "was answered (%zu connection%s completed)", port_desc(k->sport),
             whos, server, g->n, s);
    break;
  case PF_CS_REFUSED:
    snprintf(r->msg, sizeof(r->msg), "%s refused %zu connection%s from %s "
             "with RST: nothing listens on TCP %u (the node agent is not "
             "running, or not yet)", server, g->n, s, whos, k->sport);
    break;
  case PF_CS_UNANSWERED:
    static_part(d, extra, sizeof(extra));
    snprintf(r->msg, sizeof(r->msg), "%zu connection%s from %s to %s %s "
             "never answered (%llu SYN%s, no SYN-ACK or RST)%s", g->n, s,
             whos, server, g->n == 1 ? "was" : "were",
             (unsigned long long)g->syn, g->syn == 1 ? "" : "s", extra);
    nsg_fix(d, r->fix, sizeof(r->fix));
    break;
  case PF_CS_REPLY_LOST:
    route_part(d, extra, sizeof(extra));
    snprintf(r->msg, sizeof(r->msg), "%s answered %zu connection%s from %s "
             "with SYN-ACK, but the client kept retransmitting its SYN "
             "(%llu SYNs, %llu SYN-ACKs): the answers are lost on the way "
             "back%s", server, g->n, s, whos, (unsigned long long)g->syn,
             (unsigned long long)g->synack, extra);
    if (!d->has_static || d->asym)
      route_fix(d, r->fix, sizeof(r->fix));
    break;
  case PF_CS_RESET:
    snprintf(r->msg, sizeof(r->msg), "%zu established connection%s from %s "
             "to %s %s reset", g->n, s, whos, server,
             g->n == 1 ? "was" : "were");
    break;
  default:
    break;
  }
  /* the server answered: the request got through whatever was loaded */
  if (d->has_static && d->v == PF_V_DENY && g->st != PF_CS_UNANSWERED) {
    size_t n = strlen(r->msg);
    snprintf(r->msg + n, sizeof(r->msg) - n, "; note: the NSGs loaded deny "
             "this flow (NSG %s rule %s), yet it reached the server: the "
             "configuration loaded is not the one in force",
             d->nsg ? d->nsg : "?", d->rule ? d->rule : "?");
  }
  return PF_OK;
}

static int cmp_cause(const void *pa, const void *pb)
{
  const struct cause *a = pa, *b = pb;
  return b->score - a->score;
}

static const char *likelihood(int score)
{
  return score >= 80 ? "likely" : score >= 35 ? "possible" : "unlikely";
}

static struct cause *add_cause(struct cres *r, int score, const char *req)
{
  struct cause *c;
  if (r->n_causes == MAX_CAUSES)
    return NULL;
  c = &r->causes[r->n_causes++];
  c->score = score;
  c->req = req;
  return c;
}

/* Run the static requirements behind silence (NSG-1, NSG-5, NSG-6,
 * UDR-1, UDR-2) with the catalogue, when the configuration is loaded. */
static void static_requirements(struct capture *cp)
{
  static const char *const ids[5] = {"NSG-1", "NSG-5", "NSG-6", "UDR-1",
                                     "UDR-2"};
  struct pf_catalogue *cat = NULL;
  struct pf_check_opts co;
  struct pf_results rs;
  struct pf_err err;
  char dirbuf[4096];
  size_t i, j;

  for (i = 0; i < 5; i++) {
    cp->sreq[i].id = ids[i];
    cp->sreq[i].ran = 0;
  }
  if (!cp->cfg)
    return;
  memset(&rs, 0, sizeof(rs));
  pf_err_clear(&err);
  if (pf_catalogue_load(&cat, pf_rules_dir(NULL, "capture", dirbuf,
                                           sizeof(dirbuf)),
                        &err) != PF_OK) {
    pf_cli_warn(cp->ctx, "no static check of the requirements: %s", err.msg);
    pf_catalogue_destroy(cat);
    return;
  }
  memset(&co, 0, sizeof(co));
  co.profile = "2020";
  co.only = ids;
  co.n_only = 5;
  if (pf_check_run(cat, cp->cfg, cp->db, &co, &rs) == PF_OK) {
    for (i = 0; i < rs.n; i++) {
      const struct pf_result *x = &rs.r[i];
      static const int rank[3] = {0, 2, 1};   /* pass < unknown < fail */
      for (j = 0; j < 5; j++) {
        struct sreq *q = &cp->sreq[j];
        if (strcmp(x->rule->id, q->id))
          continue;
        if (!q->ran || rank[x->status] > rank[q->worst]) {
          q->worst = x->status;
          snprintf(q->msg, sizeof(q->msg), "%s", x->message);
        }
        q->ran = 1;
      }
    }
  }
  pf_results_release(&rs);
  pf_catalogue_destroy(cat);
}

/* "no management traffic arrived in N s" with its causes ranked. */
static pf_status silence_result(struct capture *cp)
{
  struct cres *r = new_result(cp);
  struct cause *c;
  const struct sreq *nsg[3] = {&cp->sreq[0], &cp->sreq[1], &cp->sreq[2]};
  const struct sreq *udr[2] = {&cp->sreq[3], &cp->sreq[4]};
  const struct sreq *nf = NULL, *uf = NULL;
  char ports[MAX_PORTS * 8];
  int nsg_ran = 0, nsg_pass = 1, udr_pass = 1;
  size_t i;

  if (!r)
    return PF_ENOMEM;
  r->fail = 1;
  r->severity = "error";
  snprintf(r->resource_name, sizeof(r->resource_name), "%s",
           cp->file ? cp->file : cp->iface);
  fmt_ports(cp, ports, sizeof(ports));
  snprintf(r->msg, sizeof(r->msg), "no management traffic arrived in "
           "%.1f s (TCP %s)", cp->duration, ports);
  for (i = 0; i < 3; i++)
    if (nsg[i]->ran) {
      nsg_ran = 1;
      if (nsg[i]->worst != PF_RS_PASS)
        nsg_pass = 0;
      if (nsg[i]->worst == PF_RS_FAIL && !nf)
        nf = nsg[i];
    }
  for (i = 0; i < 2; i++)
    if (udr[i]->ran && udr[i]->worst != PF_RS_PASS) {
      udr_pass = 0;
      if (udr[i]->worst == PF_RS_FAIL && !uf)
        uf = udr[i];
    }
  if (cp->duration < 60 && (c = add_cause(r, 95, NULL))) {
    snprintf(c->text, sizeof(c->text), "the capture is too short to "
             "conclude");
    snprintf(c->why, sizeof(c->why), "it covers %.1f s; management "
             "connections come and go, so capture for at least 120 s",
             cp->duration);
  }
  if ((c = add_cause(r, nf ? 90 : nsg_ran && nsg_pass ? 15 : 60,
                     nf ? nf->id : "NSG-1"))) {
    snprintf(c->text, sizeof(c->text), "an NSG on the subnet or the NIC "
             "drops the traffic (NSG-1: TCP 29876-29877 from "
             "BatchNodeManagement.<region>; NSG-5: TCP 44224 from "
             "AzureMachineLearning; NSG-6: the NIC's NSG); NSG denies are "
             "silent");
    if (nf)
      snprintf(c->why, sizeof(c->why), "the static check fails: %s",
               nf->msg);
    else if (nsg_ran && nsg_pass)
      snprintf(c->why, sizeof(c->why), "the static check passes for the "
               "configuration loaded");
    else if (nsg_ran)
      snprintf(c->why, sizeof(c->why), "the static check could not decide "
               "(see 'preflight check --rules NSG-1,NSG-5,NSG-6')");
    else
      snprintf(c->why, sizeof(c->why), "no configuration loaded: run "
               "'preflight check PATH --rules NSG-1,NSG-5,NSG-6'");
  }
  if ((c = add_cause(r, 50, NULL))) {
    snprintf(c->text, sizeof(c->text), "the pool uses simplified node "
             "communication");
    snprintf(c->why, sizeof(c->why), "then Batch opens no inbound "
             "connections at all: the nodes connect out to "
             "BatchNodeManagement.<region> on TCP 443");
  }
  if ((c = add_cause(r, 40, NULL))) {
    snprintf(c->text, sizeof(c->text), "the capture does not see the "
             "node's management traffic");
    snprintf(c->why, sizeof(c->why), "another interface (capture on the "
             "node's primary interface), another node, or a node that is "
             "not (or no longer) in the pool");
  }
  if ((c = add_cause(r, uf ? 45 : 20, uf ? uf->id : "UDR-1"))) {
    snprintf(c->text, sizeof(c->text), "forced tunnelling without routes "
             "for BatchNodeManagement / AzureMachineLearning to the "
             "Internet");
    if (uf)
      snprintf(c->why, sizeof(c->why), "the static check fails (%s), but "
               "this loses the answers (reply-lost connections) rather "
               "than the requests", uf->msg);
    else
      snprintf(c->why, sizeof(c->why), "it loses the answers (reply-lost "
               "connections), not the requests%s",
               udr_pass && (udr[0]->ran || udr[1]->ran)
                   ? "; the static check passes"
                   : "");
  }
  qsort(r->causes, r->n_causes, sizeof(r->causes[0]), cmp_cause);
  return PF_OK;
}

static pf_status build_results(struct capture *cp)
{
  size_t i;
  pf_status st;
  if ((st = group_conns(cp)) != PF_OK)
    return st;
  /* failures first, in order of appearance; then passes */
  for (i = 0; i < cp->n_g; i++)
    if (is_fail_state(cp->g[i].st) && (st = group_result(cp, &cp->g[i])))
      return st;
  if (!cp->n_mgmt) {
    static_requirements(cp);
    if ((st = silence_result(cp)) != PF_OK)
      return st;
  }
  for (i = 0; i < cp->n_g; i++)
    if (!is_fail_state(cp->g[i].st) && (st = group_result(cp, &cp->g[i])))
      return st;
  return PF_OK;
}

static void count_results(const struct capture *cp, size_t fail[3],
                          size_t *pass)
{
  size_t i;
  fail[0] = fail[1] = fail[2] = 0;
  *pass = 0;
  for (i = 0; i < cp->n_res; i++) {
    const struct cres *r = &cp->res[i];
    if (!r->fail)
      (*pass)++;
    else if (!strcmp(r->severity, "error"))
      fail[PF_SEV_ERROR]++;
    else if (!strcmp(r->severity, "warning"))
      fail[PF_SEV_WARNING]++;
    else
      fail[PF_SEV_INFO]++;
  }
}

/* ---- JSON --------------------------------------------------------------- */

static void jw_time(struct pf_jw *jw, const struct capture *cp,
                    const char *key, int64_t ns, int have)
{
  char buf[48];
  pf_jw_key(jw, key);
  if (!have) {
    pf_jw_null(jw);
    return;
  }
  pf_cap_time_format(ns, pf_cap_stats(cp->cap)->sub_us, buf, sizeof(buf));
  pf_jw_str(jw, buf);
}

static void jw_addr(struct pf_jw *jw, const char *key, enum pf_af af,
                    pf_u128 v)
{
  char ip[PF_ADDR_STRLEN];
  fmt_addr(af, v, ip, sizeof(ip));
  pf_jw_kstr(jw, key, ip);
}

static void jw_static(struct pf_jw *jw, const struct diag *d)
{
  pf_jw_key(jw, "static");
  if (!d->has_static) {
    pf_jw_null(jw);
    return;
  }
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "verdict", pf_verdict_name(d->v));
  pf_jw_kstr(jw, "nsg", d->nsg);
  pf_jw_kstr(jw, "rule", d->rule);
  pf_jw_key(jw, "priority");
  if (d->priority >= 0)
    pf_jw_int(jw, d->priority);
  else
    pf_jw_null(jw);
  pf_jw_kstr(jw, "level", d->level);
  pf_jw_kstr(jw, "reason", d->reason);
  pf_jw_key(jw, "reply_route");
  if (d->route) {
    char hop[PF_ADDR_STRLEN];
    pf_jw_obj(jw);
    pf_jw_kstr(jw, "next_hop", pf_route_hop_name(d->route->hop));
    pf_jw_key(jw, "next_hop_ip");
    if (d->route->has_hop_ip) {
      pf_addr_format(&d->route->hop_ip, hop, sizeof(hop));
      pf_jw_str(jw, hop);
    } else {
      pf_jw_null(jw);
    }
    pf_jw_kstr(jw, "route", route_name(d->route));
    pf_jw_kstr(jw, "source", pf_route_src_name(d->route->src));
    pf_jw_kbool(jw, "asymmetric", d->asym);
    pf_jw_obj_end(jw);
  } else {
    pf_jw_null(jw);
  }
  pf_jw_obj_end(jw);
}

static void jw_conn(struct pf_jw *jw, const struct capture *cp,
                    const struct diag *d)
{
  const struct pf_conn *k = d->k;
  size_t i;
  pf_jw_obj(jw);
  jw_addr(jw, "client", k->af, k->client);
  pf_jw_kint(jw, "client_port", k->cport);
  jw_addr(jw, "server", k->af, k->server);
  pf_jw_kint(jw, "server_port", k->sport);
  pf_jw_kstr(jw, "state", pf_conn_state_name(k->state));
  pf_jw_kbool(jw, "management", d->mgmt);
  pf_jw_kint(jw, "syn_count", k->syn_count);
  pf_jw_kint(jw, "synack_count", k->synack_count);
  pf_jw_kint(jw, "packets", k->packets);
  pf_jw_kint(jw, "retransmissions", k->retrans);
  jw_time(jw, cp, "first", k->first_ns, 1);
  jw_time(jw, cp, "last", k->last_ns, 1);
  pf_jw_key(jw, "source_tags");
  if (d->tags) {
    pf_jw_arr(jw);
    for (i = 0; i < d->tags->n; i++)
      pf_jw_str(jw, d->tags->t[i]->name);
    pf_jw_arr_end(jw);
  } else {
    pf_jw_null(jw);
  }
  pf_jw_kstr(jw, "requirement", d->req);
  jw_static(jw, d);
  pf_jw_obj_end(jw);
}

static void jw_result(struct pf_jw *jw, const struct capture *cp,
                      const struct cres *r)
{
  const struct group *g = r->g;
  size_t i;
  char ports[MAX_PORTS * 8];
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "rule", "NSG-7");
  pf_jw_kstr(jw, "severity", r->severity);
  pf_jw_kstr(jw, "status", r->fail ? "fail" : "pass");
  pf_jw_kstr(jw, "resource", g && g->first->subnet
                                 ? g->first->subnet->hdr.id
                                 : NULL);
  pf_jw_kstr(jw, "resource_kind", g ? "node" : "capture");
  pf_jw_kstr(jw, "resource_name", r->resource_name);
  pf_jw_kstr(jw, "title", TITLE_NSG7);
  pf_jw_kstr(jw, "message", r->msg);
  pf_jw_key(jw, "evidence");
  pf_jw_obj(jw);
  pf_jw_key(jw, "checks");
  pf_jw_arr(jw);
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "kind", "capture");
  if (g) {
    const struct diag *d = g->first;
    pf_jw_kstr(jw, "state", pf_conn_state_name(g->st));
    jw_addr(jw, "server", d->k->af, d->k->server);
    pf_jw_kint(jw, "server_port", d->k->sport);
    pf_jw_kint(jw, "connections", (int64_t)g->n);
    pf_jw_key(jw, "clients");
    pf_jw_arr(jw);
    for (i = 0; i < g->n_clients; i++) {
      char ip[PF_ADDR_STRLEN];
      fmt_addr(g->clients[i]->k->af, g->clients[i]->k->client, ip,
               sizeof(ip));
      pf_jw_str(jw, ip);
    }
    pf_jw_arr_end(jw);
    pf_jw_kbool(jw, "more_clients", g->more_clients);
    pf_jw_kint(jw, "syn_count", (int64_t)g->syn);
    pf_jw_kint(jw, "synack_count", (int64_t)g->synack);
    jw_time(jw, cp, "first", g->first_ns, 1);
    jw_time(jw, cp, "last", g->last_ns, 1);
    pf_jw_kstr(jw, "requirement", d->req);
    pf_jw_obj_end(jw);
    if (d->has_static) {
      pf_jw_obj(jw);
      pf_jw_kstr(jw, "kind", "static");
      jw_static(jw, d);
      pf_jw_obj_end(jw);
    }
  } else {
    const struct pf_cap_stats *s = pf_cap_stats(cp->cap);
    fmt_ports(cp, ports, sizeof(ports));
    pf_jw_kint(jw, "packets", (int64_t)s->packets);
    pf_jw_kint(jw, "tcp_packets", (int64_t)s->tcp);
    pf_jw_key(jw, "seconds");
    {
      char sec[32];
      snprintf(sec, sizeof(sec), "%.3f", cp->duration);
      pf_jw_raw(jw, sec);
    }
    pf_jw_kstr(jw, "ports", ports);
    pf_jw_obj_end(jw);
    pf_jw_obj(jw);
    pf_jw_kstr(jw, "kind", "causes");
    pf_jw_key(jw, "causes");
    pf_jw_arr(jw);
    for (i = 0; i < r->n_causes; i++) {
      const struct cause *c = &r->causes[i];
      pf_jw_obj(jw);
      pf_jw_kint(jw, "rank", (int64_t)i + 1);
      pf_jw_kstr(jw, "likelihood", likelihood(c->score));
      pf_jw_kstr(jw, "cause", c->text);
      pf_jw_kstr(jw, "requirement", c->req);
      pf_jw_kstr(jw, "why", c->why);
      pf_jw_obj_end(jw);
    }
    pf_jw_arr_end(jw);
    pf_jw_obj_end(jw);
  }
  pf_jw_arr_end(jw);
  pf_jw_obj_end(jw);
  pf_jw_key(jw, "remediation");
  if (r->fix[0]) {
    pf_jw_obj(jw);
    pf_jw_kstr(jw, "az", r->fix);
    pf_jw_kstr(jw, "bicep", NULL);
    pf_jw_kstr(jw, "terraform", NULL);
    pf_jw_obj_end(jw);
  } else {
    pf_jw_null(jw);
  }
  pf_jw_kstr(jw, "source", SOURCE_NSG7);
  pf_jw_obj_end(jw);
}

static void write_json(struct capture *cp)
{
  const struct pf_cap_stats *s = pf_cap_stats(cp->cap);
  struct pf_jw jw;
  size_t i, fail[3], pass;

  pf_jw_init(&jw, cp->ctx->out, 1);
  pf_jw_obj(&jw);
  pf_cli_jw_tool(&jw);
  pf_jw_key(&jw, "capture");
  pf_jw_obj(&jw);
  if (cp->file)
    pf_jw_kstr(&jw, "file", cp->file);
  else
    pf_jw_kstr(&jw, "interface", cp->iface);
  pf_jw_kstr(&jw, "link_type", pf_linktype_name(cp->linktype));
  pf_jw_kint(&jw, "snaplen", cp->snaplen);
  pf_jw_kint(&jw, "packets", (int64_t)s->packets);
  pf_jw_kint(&jw, "bytes", (int64_t)s->bytes);
  jw_time(&jw, cp, "first", s->first_ns, s->packets != 0);
  jw_time(&jw, cp, "last", s->last_ns, s->packets != 0);
  pf_jw_kbool(&jw, "truncated", cp->trunc[0] != '\0');
  pf_jw_kstr(&jw, "error", cp->trunc[0] ? cp->trunc : NULL);
  pf_jw_key(&jw, "skipped");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "not_ip", (int64_t)s->not_ip);
  pf_jw_kint(&jw, "not_tcp", (int64_t)s->not_tcp);
  pf_jw_kint(&jw, "fragments", (int64_t)s->fragments);
  pf_jw_kint(&jw, "short", (int64_t)s->short_hdr);
  pf_jw_kint(&jw, "malformed", (int64_t)s->bad);
  pf_jw_kint(&jw, "over_connection_limit", (int64_t)s->conns_dropped);
  pf_jw_kint(&jw, "kernel_drops", (int64_t)cp->drops);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_key(&jw, "service_tags");
  if (cp->db) {
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "path", pf_tagdb_path(cp->db));
    pf_jw_kstr(&jw, "cloud", pf_tagdb_cloud(cp->db));
    pf_jw_kint(&jw, "change_number", pf_tagdb_change_number(cp->db));
    pf_jw_obj_end(&jw);
  } else {
    pf_jw_null(&jw);
  }
  pf_jw_key(&jw, "inputs");
  pf_jw_arr(&jw);
  for (i = 0; cp->cfg && i < cp->cfg->n_inputs; i++)
    pf_jw_str(&jw, cp->cfg->inputs[i].path);
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "connections");
  pf_jw_arr(&jw);
  for (i = 0; i < cp->n_d; i++)
    jw_conn(&jw, cp, &cp->d[i]);
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "results");
  pf_jw_arr(&jw);
  for (i = 0; i < cp->n_res; i++)
    jw_result(&jw, cp, &cp->res[i]);
  pf_jw_arr_end(&jw);
  count_results(cp, fail, &pass);
  pf_jw_key(&jw, "summary");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "connections", (int64_t)pf_cap_count(cp->cap));
  pf_jw_kint(&jw, "management", (int64_t)cp->n_mgmt);
  pf_jw_key(&jw, "states");
  pf_jw_obj(&jw);
  for (i = 0; i < PF_CS_COUNT; i++)
    pf_jw_kint(&jw, pf_conn_state_name((enum pf_conn_state)i),
               (int64_t)cp->states[i]);
  pf_jw_obj_end(&jw);
  pf_jw_key(&jw, "fail");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "error", (int64_t)fail[PF_SEV_ERROR]);
  pf_jw_kint(&jw, "warning", (int64_t)fail[PF_SEV_WARNING]);
  pf_jw_kint(&jw, "info", (int64_t)fail[PF_SEV_INFO]);
  pf_jw_obj_end(&jw);
  pf_jw_kint(&jw, "pass", (int64_t)pass);
  pf_jw_kint(&jw, "unknown", 0);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_end(&jw);
}

/* ---- text --------------------------------------------------------------- */

static void text_header(struct capture *cp)
{
  const struct pf_cap_stats *s = pf_cap_stats(cp->cap);
  FILE *o = cp->ctx->out;
  char a[48], b[48];
  fprintf(o, "capture %s: %s, %llu packet%s (%llu bytes)",
          cp->file ? cp->file : cp->iface, pf_linktype_name(cp->linktype),
          (unsigned long long)s->packets, s->packets == 1 ? "" : "s",
          (unsigned long long)s->bytes);
  if (s->packets) {
    pf_cap_time_format(s->first_ns, s->sub_us, a, sizeof(a));
    pf_cap_time_format(s->last_ns, s->sub_us, b, sizeof(b));
    fprintf(o, ", %s to %s", a, b);
  }
  fprintf(o, " (%.3f s)\n", cp->duration);
  if (cp->trunc[0])
    fprintf(o, "  %sTRUNCATED%s: %s; the result covers the packets before "
            "it\n", pf_c_red(cp->ctx), pf_c_reset(cp->ctx), cp->trunc);
  if (s->fragments)
    fprintf(o, "  note: %llu IP fragment%s skipped (fragments are not "
            "reassembled)\n", (unsigned long long)s->fragments,
            s->fragments == 1 ? "" : "s");
  if (s->short_hdr)
    fprintf(o, "  note: %llu packet%s with headers cut by the snap length\n",
            (unsigned long long)s->short_hdr, s->short_hdr == 1 ? "" : "s");
  if (s->bad)
    fprintf(o, "  note: %llu malformed packet%s skipped\n",
            (unsigned long long)s->bad, s->bad == 1 ? "" : "s");
  if (s->conns_dropped)
    fprintf(o, "  note: connection limit reached: %llu segments of further "
            "connections ignored\n", (unsigned long long)s->conns_dropped);
  if (cp->drops)
    fprintf(o, "  note: the kernel dropped %llu packets\n",
            (unsigned long long)cp->drops);
}

static void text_conn(struct capture *cp, const struct diag *d)
{
  const struct pf_conn *k = d->k;
  FILE *o = cp->ctx->out;
  char c[80], s[80], t[48];
  const char *col = k->state == PF_CS_COMPLETED ? pf_c_green(cp->ctx)
                    : is_fail_state(k->state) && d->mgmt
                        ? pf_c_red(cp->ctx)
                        : "";
  size_t i;

  fmt_ep(k->af, k->client, k->cport, c, sizeof(c));
  fmt_ep(k->af, k->server, k->sport, s, sizeof(s));
  pf_cap_time_format(k->first_ns, pf_cap_stats(cp->cap)->sub_us, t,
                     sizeof(t));
  fprintf(o, "  %s%-10s%s  %s -> %s  SYN %u, SYN-ACK %u, %u packet%s",
          col, pf_conn_state_name(k->state), *col ? pf_c_reset(cp->ctx) : "",
          c, s, k->syn_count, k->synack_count, k->packets,
          k->packets == 1 ? "" : "s");
  if (k->retrans)
    fprintf(o, " (%u retransmitted)", k->retrans);
  fprintf(o, ", %s +%.3f s\n", t, (double)(k->last_ns - k->first_ns) / 1e9);
  if (!(d->tags && d->tags->n) && !d->req && !d->has_static)
    return;
  fputs("              ", o);
  if (d->tags) {
    fputs("source in ", o);
    for (i = 0; i < d->tags->n; i++)
      fprintf(o, "%s%s", i ? ", " : "", d->tags->t[i]->name);
    if (!d->tags->n)
      fputs("no service tag", o);
    fputs("; ", o);
  }
  fprintf(o, "requirement %s", d->req ? d->req : "-");
  if (d->has_static) {
    fprintf(o, "; static %s", pf_verdict_name(d->v));
    if (d->nsg)
      fprintf(o, " by %s", d->nsg);
    if (d->rule)
      fprintf(o, " rule %s (%d)", d->rule, d->priority);
    if (!d->nsg && d->v == PF_V_ALLOW)
      fputs(" (no NSG)", o);
    if (d->v == PF_V_UNKNOWN && d->reason)
      fprintf(o, " (%s)", d->reason);
    if (d->route) {
      char hop[PF_ADDR_STRLEN];
      fprintf(o, "; answer via %s", pf_route_hop_name(d->route->hop));
      if (d->route->has_hop_ip) {
        pf_addr_format(&d->route->hop_ip, hop, sizeof(hop));
        fprintf(o, " %s", hop);
      }
      fprintf(o, " (route %s)", route_name(d->route));
    }
  }
  fputc('\n', o);
}

static void write_text(struct capture *cp)
{
  FILE *o = cp->ctx->out;
  size_t i, fail[3], pass, shown;
  int first = 1;

  text_header(cp);
  fprintf(o, "\nconnections: %zu listed (%zu to management ports, %zu in "
          "all)\n", cp->n_d, cp->n_mgmt, pf_cap_count(cp->cap));
  shown = cp->n_d < cp->limit ? cp->n_d : cp->limit;
  for (i = 0; i < shown; i++)
    text_conn(cp, &cp->d[i]);
  if (shown < cp->n_d)
    fprintf(o, "  ... %zu more (--limit N, or --format json for all)\n",
            cp->n_d - shown);
  fputs("\nresults:\n", o);
  for (i = 0; i < cp->n_res; i++) {
    const struct cres *r = &cp->res[i];
    const char *col = !r->fail ? pf_c_green(cp->ctx)
                      : !strcmp(r->severity, "error") ? pf_c_red(cp->ctx)
                                                      : pf_c_yellow(cp->ctx);
    size_t j;
    fprintf(o, "  %s%-7s%s NSG-7  %-7s %s\n", col, r->fail ? "FAIL" : "pass",
            pf_c_reset(cp->ctx), r->severity, r->msg);
    for (j = 0; j < r->n_causes; j++)
      fprintf(o, "                         %zu. (%s%s%s) %s: %s\n", j + 1,
              likelihood(r->causes[j].score), r->causes[j].req ? ", " : "",
              r->causes[j].req ? r->causes[j].req : "", r->causes[j].text,
              r->causes[j].why);
    if (r->fix[0])
      fprintf(o, "                         fix: %s\n", r->fix);
    first = 0;
  }
  if (first)
    fputs("  (no management connection to judge)\n", o);
  count_results(cp, fail, &pass);
  fprintf(o, "\nsummary: %zu connection%s, %zu to management ports",
          pf_cap_count(cp->cap), pf_cap_count(cp->cap) == 1 ? "" : "s",
          cp->n_mgmt);
  for (i = 0; i < PF_CS_COUNT; i++)
    if (cp->states[i])
      fprintf(o, ", %zu %s", cp->states[i],
              pf_conn_state_name((enum pf_conn_state)i));
  fprintf(o, "; %s%zu failed%s (%zu error, %zu warning, %zu info), %zu "
          "passed", fail[0] + fail[1] + fail[2] ? pf_c_red(cp->ctx)
                                                : pf_c_green(cp->ctx),
          fail[0] + fail[1] + fail[2], pf_c_reset(cp->ctx),
          fail[PF_SEV_ERROR], fail[PF_SEV_WARNING], fail[PF_SEV_INFO], pass);
  if (cp->db)
    fprintf(o, "; service tags %s (cloud %s, changeNumber %lld)",
            pf_tagdb_path(cp->db), pf_tagdb_cloud(cp->db),
            (long long)pf_tagdb_change_number(cp->db));
  else
    fputs("; no service tag file", o);
  fputc('\n', o);
}

/* ---- command ------------------------------------------------------------ */

static int sev_rank(const char *s)
{
  if (!strcmp(s, "info")) return 0;
  if (!strcmp(s, "warning")) return 1;
  if (!strcmp(s, "error")) return 2;
  if (!strcmp(s, "never")) return 3;
  return -1;
}

static void release(struct capture *cp)
{
  size_t i;
  for (i = 0; i < cp->n_rts; i++)
    pf_rtable_destroy(cp->rts[i].rt);
  pf_free(cp->rts);
  pf_free(cp->res);
  pf_free(cp->g);
  pf_free(cp->at);
  pf_free(cp->d);
  pf_cap_destroy(cp->cap);
  pf_planner_destroy(cp->planner);
  pf_tagdb_destroy(cp->db);
  pf_config_destroy(cp->cfg);
}

int cmd_capture(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"all-ports", no_argument, NULL, 'A'},
    {"fail-on", required_argument, NULL, 'x'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"interface", required_argument, NULL, 'i'},
    {"limit", required_argument, NULL, 'l'},
    {"port", required_argument, NULL, 'p'},
    {"read", required_argument, NULL, 'r'},
    {"seconds", required_argument, NULL, 's'},
    {"service-tags", required_argument, NULL, 't'},
    {"ssh", no_argument, NULL, 'S'},
    {"user", required_argument, NULL, 'u'},
    PF_CLI_LOAD_OPTIONS,
    {NULL, 0, NULL, 0}
  };
  struct capture cp;
  const char *tags_opt = NULL, *fail_on = "error";
  int c, rc, threshold, seconds_given = 0;
  unsigned long v;
  size_t i;

  memset(&cp, 0, sizeof(cp));
  cp.ctx = ctx;
  cp.seconds = 120;
  cp.limit = 100;
  cp.user = "nobody";
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "hi:r:", opts, NULL)) != -1) {
    switch (c) {
    case 'A': cp.all_ports = 1; break;
    case 'x': fail_on = optarg; break;
    case 'f':
      if (pf_cli_format(ctx, "capture", optarg, 0, &cp.fmt))
        return PF_EXIT_ERROR;
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case 'i': cp.iface = optarg; break;
    case 'l':
      if (parse_ulong(optarg, 100000000, &v))
        return pf_cli_usage(ctx, "capture", "--limit: not a number: '%s'",
                            optarg);
      cp.limit = v;
      break;
    case 'p':
      if (add_ports(&cp, optarg))
        return pf_cli_usage(ctx, "capture", "--port: expected ports 1-65535 "
                            "(N or N,M,...), got '%s'", optarg);
      break;
    case 'r': cp.file = optarg; break;
    case 's':
      if (parse_ulong(optarg, 86400, &v) || v == 0)
        return pf_cli_usage(ctx, "capture", "--seconds: expected 1-86400, "
                            "got '%s'", optarg);
      cp.seconds = (long)v;
      seconds_given = 1;
      break;
    case 't': tags_opt = optarg; break;
    case 'S': cp.ssh = 1; break;
    case 'u': cp.user = optarg; break;
    default:
      if (pf_cli_load_option(ctx, c, optarg))   /* PF_CLI_LOAD_OPTIONS */
        break;
      return pf_cli_usage(ctx, "capture", "unknown or incomplete option '%s'",
                          argv[optind - 1]);
    }
  }
  if (!cp.file == !cp.iface)
    return pf_cli_usage(ctx, "capture", "give exactly one of -r FILE and "
                        "-i IFACE");
  if (seconds_given && cp.file)
    return pf_cli_usage(ctx, "capture", "--seconds applies to -i only");
  threshold = sev_rank(fail_on);
  if (threshold < 0)
    return pf_cli_usage(ctx, "capture", "unknown --fail-on '%s' (error, "
                        "warning, info or never)", fail_on);
  if (!cp.n_ports) {
    cp.ports[cp.n_ports++] = 29876;
    cp.ports[cp.n_ports++] = 29877;
    cp.ports[cp.n_ports++] = 44224;
  }
  if (cp.ssh && !is_mgmt_port(&cp, 22))
    cp.ports[cp.n_ports++] = 22;

  /* configuration and tags first: reading them may need the privileges
   * that a live capture gives up */
  if (optind < argc) {
    if ((rc = pf_cli_load(ctx, argv + optind, (size_t)(argc - optind),
                          tags_opt, &cp.cfg, &cp.db)) != PF_EXIT_OK)
      goto done;
    for (i = 0; i < cp.cfg->n_warnings; i++)
      pf_cli_warn(ctx, "%s", cp.cfg->warnings[i]);
    if (pf_planner_create(&cp.planner, cp.cfg, cp.db) != PF_OK) {
      rc = pf_cli_error(ctx, "out of memory");
      goto done;
    }
  } else {
    const char *tp = pf_cli_tags_path(tags_opt);
    struct pf_err err;
    pf_status st;
    pf_err_clear(&err);
    if (tp && (st = pf_tagdb_load_file(&cp.db, tp, &err)) != PF_OK) {
      rc = pf_cli_fail(ctx, st, &err);
      goto done;
    }
  }
  if ((rc = read_packets(&cp)) != PF_EXIT_OK)
    goto done;
  if (diagnose(&cp) != PF_OK || build_results(&cp) != PF_OK) {
    rc = pf_cli_error(ctx, "out of memory");
    goto done;
  }
  if (cp.fmt == PF_FMT_JSON)
    write_json(&cp);
  else
    write_text(&cp);
  rc = PF_EXIT_OK;
  for (i = 0; i < cp.n_res; i++)
    if (cp.res[i].fail && sev_rank(cp.res[i].severity) >= threshold)
      rc = PF_EXIT_FINDINGS;
done:
  release(&cp);
  return rc;
}
