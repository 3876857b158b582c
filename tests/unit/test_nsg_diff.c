/* SPDX-License-Identifier: MIT */
/* test_nsg_diff.c - the NSG engine against a brute-force evaluator
 *
 * Random configurations are written as JSON text (vnet with one or two
 * subnets, NSGs in the ARM or the az shape, NICs with ASGs, peerings, a
 * route table, a synthetic service tag file) and loaded with
 * pf_load_buffer.  The same text is parsed again with cJSON by a small,
 * deliberately plain evaluator in this file (section "brute force"),
 * which answers one concrete flow at a time with AZURE-SEMANTICS.md 1 and
 * docs/semantics.md: placement, rules in priority order, first match,
 * unknown when an address cannot be resolved.
 *
 * (a) pf_planner_flow + pf_eval_flow must give the brute force's verdict
 *     and the same step per stage (level, owner, direction, rule,
 *     verdict) for every random flow, both by the linear scan (--flow)
 *     and with the single-flow index (pf_planner_index_flows, --flows);
 * (b) pf_eval_set on small boxes must partition them exactly: every
 *     concrete flow of the box lies in exactly one part, whose verdict and
 *     steps equal the brute force's.
 *
 * NSGs have 1-40 rules, now and then 65-140 (more than one 64-bit word
 * in the index).  The seed is fixed; PF_DIFF_SEED overrides it,
 * PF_DIFF_CONFIGS sets the number of configurations (260 flows and 3 set
 * questions each), PF_DIFF_KEEP_GOING=1 continues after a mismatch and
 * PF_DIFF_DUMP=N prints configuration N.  A mismatch is shrunk (rules,
 * peerings, NICs, the route table removed while it persists) and printed
 * as a reproducer: the configuration JSON, the tag file, the flow in
 * `preflight explain --flow` syntax and both answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/pf_mem.h"
#include "eval/pf_path.h"
#include "load/pf_load.h"
#include "model/pf_tags.h"

/* ======================================================================
 * helpers: random numbers, a string builder
 * ====================================================================== */

static uint64_t rng_state;

static uint64_t rnd(void)
{
  /* splitmix64 */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static unsigned rn(unsigned n)
{
  return n ? (unsigned)(rnd() % n) : 0;
}

static int chance(unsigned pct)
{
  return rn(100) < pct;
}

struct sb {
  char *p;
  size_t n, cap;
};

static void sb_printf(struct sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
  va_list ap;
  int w;
  for (;;) {
    size_t room = b->cap - b->n;
    va_start(ap, fmt);
    w = vsnprintf(b->p ? b->p + b->n : NULL, room, fmt, ap);
    va_end(ap);
    assert_true(w >= 0);
    if ((size_t)w < room) {
      b->n += (size_t)w;
      return;
    }
    b->cap = (b->cap + (size_t)w + 1) * 2;
    b->p = realloc(b->p, b->cap);
    assert_non_null(b->p);
  }
}

static void sb_free(struct sb *b)
{
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

/* ======================================================================
 * brute force: addresses and prefixes with inet_pton and plain masks
 * ====================================================================== */

struct bip {
  int v6;
  uint64_t hi, lo;   /* IPv4 in the low 32 bits of lo */
};

struct bpfx {
  struct bip a;
  unsigned len;
};

static int bip_parse(const char *s, size_t n, struct bip *a)
{
  char buf[64];
  unsigned char b[16];
  int i;
  if (n >= sizeof(buf))
    return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  memset(a, 0, sizeof(*a));
  if (inet_pton(AF_INET, buf, b) == 1) {
    a->lo = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 |
            (uint64_t)b[2] << 8 | b[3];
    return 0;
  }
  if (inet_pton(AF_INET6, buf, b) == 1) {
    a->v6 = 1;
    for (i = 0; i < 8; i++) {
      a->hi = a->hi << 8 | b[i];
      a->lo = a->lo << 8 | b[i + 8];
    }
    return 0;
  }
  return -1;
}

/* "a.b.c.d", "a.b.c.d/n", "x::y/n"; -1 when not an address */
static int bpfx_parse(const char *s, struct bpfx *p)
{
  const char *slash = strchr(s, '/');
  size_t n = slash ? (size_t)(slash - s) : strlen(s);
  if (bip_parse(s, n, &p->a))
    return -1;
  p->len = p->a.v6 ? 128 : 32;
  if (slash) {
    char *end;
    long l = strtol(slash + 1, &end, 10);
    if (*end || end == slash + 1 || l < 0 || l > (long)p->len)
      return -1;
    p->len = (unsigned)l;
  }
  return 0;
}

static void masks(const struct bpfx *p, uint64_t *mhi, uint64_t *mlo)
{
  if (!p->a.v6) {
    *mhi = 0;
    *mlo = p->len ? (0xFFFFFFFFull << (32 - p->len)) & 0xFFFFFFFFull : 0;
    return;
  }
  *mhi = p->len >= 64 ? ~0ull : p->len ? ~0ull << (64 - p->len) : 0;
  *mlo = p->len <= 64 ? 0 : p->len == 128 ? ~0ull : ~0ull << (128 - p->len);
}

static int bpfx_has(const struct bpfx *p, const struct bip *a)
{
  uint64_t mhi, mlo;
  if (p->a.v6 != a->v6)
    return 0;
  masks(p, &mhi, &mlo);
  return (a->hi & mhi) == (p->a.hi & mhi) && (a->lo & mlo) == (p->a.lo & mlo);
}

static int bip_eq(const struct bip *a, const struct bip *b)
{
  return a->v6 == b->v6 && a->hi == b->hi && a->lo == b->lo;
}

static void bip_fmt(const struct bip *a, char *buf, size_t cap)
{
  unsigned char b[16];
  int i;
  if (!a->v6) {
    b[0] = (unsigned char)(a->lo >> 24);
    b[1] = (unsigned char)(a->lo >> 16);
    b[2] = (unsigned char)(a->lo >> 8);
    b[3] = (unsigned char)a->lo;
    inet_ntop(AF_INET, b, buf, (socklen_t)cap);
    return;
  }
  for (i = 0; i < 8; i++) {
    b[i] = (unsigned char)(a->hi >> (56 - 8 * i));
    b[i + 8] = (unsigned char)(a->lo >> (56 - 8 * i));
  }
  inet_ntop(AF_INET6, b, buf, (socklen_t)cap);
}

static void bpfx_fmt(const struct bpfx *p, int bare, char *buf, size_t cap)
{
  char ip[64];
  bip_fmt(&p->a, ip, sizeof(ip));
  if (bare && p->len == (p->a.v6 ? 128u : 32u))
    snprintf(buf, cap, "%s", ip);
  else
    snprintf(buf, cap, "%s/%u", ip, p->len);
}

static pf_u128 bip_u128(const struct bip *a)
{
  return a->v6 ? ((pf_u128)a->hi << 64) | a->lo : (pf_u128)a->lo;
}

static struct bip bip_add(const struct bip *a, int d)
{
  struct bip r = *a;
  if (!r.v6) {
    r.lo = (r.lo + (uint64_t)(int64_t)d) & 0xFFFFFFFFull;
    return r;
  }
  if (d >= 0) {
    uint64_t o = r.lo;
    r.lo += (uint64_t)d;
    if (r.lo < o)
      r.hi++;
  } else {
    uint64_t o = r.lo;
    r.lo -= (uint64_t)-d;
    if (r.lo > o)
      r.hi--;
  }
  return r;
}

/* ---- the Internet tag: copied from src/eval/pf_scope.c (216 prefixes,
 * the recorded effective-rules expansion), plus 2000::/3 for IPv6 ---- */
static const char *const internet_v4[] = {
  "1.0.0.0/8", "2.0.0.0/7", "4.0.0.0/6", "8.0.0.0/7", "11.0.0.0/8",
  "12.0.0.0/8", "13.0.0.0/10", "13.64.0.0/11", "13.104.0.0/13",
  "13.112.0.0/12", "13.128.0.0/9", "14.0.0.0/7", "16.0.0.0/6", "20.0.0.0/9",
  "20.129.0.0/16", "20.131.0.0/16", "20.132.0.0/14", "20.136.0.0/13",
  "20.148.0.0/14", "20.152.0.0/13", "20.160.0.0/12", "20.184.0.0/13",
  "20.192.0.0/10", "23.0.0.0/8", "24.0.0.0/8", "25.25.0.0/16", "25.26.0.0/15",
  "25.132.0.0/14", "25.136.0.0/14", "25.140.0.0/15", "25.240.0.0/14",
  "25.250.86.0/23", "25.250.88.0/21", "25.250.96.0/19", "25.250.128.0/17",
  "25.254.9.0/24", "25.254.10.0/23", "25.254.12.0/22", "25.254.32.0/19",
  "26.0.0.0/7", "28.0.0.0/6", "32.0.0.0/5", "40.0.0.0/10", "40.64.0.0/15",
  "40.66.0.0/17", "40.67.0.0/16", "40.68.0.0/14", "40.72.0.0/13",
  "40.80.0.0/12", "40.96.0.0/11", "40.128.0.0/9", "41.0.0.0/8", "42.0.0.0/7",
  "44.0.0.0/6", "48.0.0.0/6", "52.0.0.0/9", "52.128.0.0/14", "52.136.0.0/13",
  "52.144.0.0/16", "52.146.0.0/15", "52.148.0.0/14", "52.152.0.0/13",
  "52.160.0.0/11", "52.192.0.0/10", "53.0.0.0/8", "54.0.0.0/7", "56.0.0.0/5",
  "64.0.0.0/3", "96.0.0.0/6", "100.0.0.0/10", "100.128.0.0/9", "101.0.0.0/8",
  "102.0.0.0/7", "104.0.0.0/9", "104.128.0.0/10", "104.192.0.0/12",
  "104.208.0.0/14", "104.212.0.0/19", "104.212.32.0/22", "104.212.40.0/21",
  "104.212.48.0/22", "104.212.56.0/21", "104.212.64.0/18", "104.212.128.0/17",
  "104.213.0.0/16", "104.214.0.0/15", "104.216.0.0/13", "104.224.0.0/11",
  "105.0.0.0/8", "106.0.0.0/7", "108.0.0.0/6", "112.0.0.0/5", "120.0.0.0/6",
  "124.0.0.0/7", "126.0.0.0/8", "128.0.0.0/8", "129.0.0.0/10",
  "129.64.0.0/13", "129.72.0.0/15", "129.74.0.0/16", "129.76.0.0/14",
  "129.80.0.0/12", "129.96.0.0/11", "129.128.0.0/9", "130.0.0.0/7",
  "132.0.0.0/7", "134.0.0.0/9", "134.128.0.0/11", "134.160.0.0/12",
  "134.176.0.0/16", "134.178.0.0/15", "134.180.0.0/14", "134.184.0.0/13",
  "134.192.0.0/10", "135.0.0.0/8", "136.0.0.0/7", "138.0.0.0/9",
  "138.128.0.0/10", "138.192.0.0/14", "138.197.0.0/16", "138.198.0.0/15",
  "138.200.0.0/13", "138.208.0.0/12", "138.224.0.0/11", "139.0.0.0/8",
  "140.0.0.0/8", "141.0.0.0/9", "141.128.0.0/10", "141.192.0.0/11",
  "141.224.0.0/12", "141.240.0.0/13", "141.248.0.0/15", "141.250.0.0/16",
  "141.252.0.0/14", "142.0.0.0/7", "144.0.0.0/7", "146.0.0.0/9",
  "146.128.0.0/12", "146.144.0.0/15", "146.146.0.0/16", "146.148.0.0/14",
  "146.152.0.0/13", "146.160.0.0/11", "146.192.0.0/10", "147.0.0.0/8",
  "148.0.0.0/6", "152.0.0.0/5", "160.0.0.0/5", "168.0.0.0/8", "169.0.0.0/9",
  "169.128.0.0/10", "169.192.0.0/11", "169.224.0.0/12", "169.240.0.0/13",
  "169.248.0.0/14", "169.252.0.0/15", "169.255.0.0/16", "170.0.0.0/7",
  "172.0.0.0/12", "172.32.0.0/11", "172.64.0.0/10", "172.128.0.0/9",
  "173.0.0.0/8", "174.0.0.0/7", "176.0.0.0/4", "192.0.0.0/23", "192.0.3.0/24",
  "192.0.4.0/22", "192.0.8.0/21", "192.0.16.0/20", "192.0.32.0/19",
  "192.0.64.0/18", "192.0.128.0/17", "192.1.0.0/16", "192.2.0.0/15",
  "192.4.0.0/14", "192.8.0.0/13", "192.16.0.0/12", "192.33.0.0/16",
  "192.34.0.0/15", "192.36.0.0/14", "192.40.0.0/13", "192.48.0.0/12",
  "192.64.0.0/11", "192.96.0.0/14", "192.100.0.0/18", "192.100.64.0/19",
  "192.100.96.0/22", "192.100.100.0/23", "192.100.104.0/21",
  "192.100.112.0/20", "192.100.128.0/17", "192.101.0.0/16", "192.102.0.0/15",
  "192.104.0.0/13", "192.112.0.0/12", "192.128.0.0/11", "192.160.0.0/13",
  "192.169.0.0/16", "192.170.0.0/15", "192.172.0.0/14", "192.176.0.0/12",
  "192.192.0.0/10", "193.0.0.0/8", "194.0.0.0/7", "196.0.0.0/7",
  "198.0.0.0/12", "198.16.0.0/15", "198.20.0.0/14", "198.24.0.0/13",
  "198.32.0.0/11", "198.64.0.0/10", "198.128.0.0/9", "199.0.0.0/8",
  "200.0.0.0/5", "208.0.0.0/4",
};
#define N_INTERNET (sizeof(internet_v4) / sizeof(internet_v4[0]))
static struct bpfx internet_pfx[N_INTERNET + 1];

static void internet_init(void)
{
  size_t i;
  for (i = 0; i < N_INTERNET; i++)
    assert_int_equal(bpfx_parse(internet_v4[i], &internet_pfx[i]), 0);
  assert_int_equal(bpfx_parse("2000::/3", &internet_pfx[N_INTERNET]), 0);
}

/* ======================================================================
 * brute force: the configuration, read back from the JSON text
 * ====================================================================== */

enum { IK_ANY, IK_PFX, IK_TAG, IK_ASG, IK_OPAQUE };
enum { PR_TCP, PR_UDP, PR_ICMP, PR_ESP, PR_AH, PR_OTHER, PR_N };
static const char *const proto_name[PR_N] = {"Tcp", "Udp", "Icmp", "Esp",
                                             "Ah", "Other"};

#define BMAX_ITEMS 12
#define BMAX_PORTS 8
#define BMAX_RULES 160

struct bitem {
  int kind;
  struct bpfx p;
  const char *text;
};

struct brule {
  const char *name;
  int prio, outbound, deny;
  const char *proto;
  struct bitem src[BMAX_ITEMS], dst[BMAX_ITEMS];
  int ns, nd;
  unsigned sp[BMAX_PORTS][2], dp[BMAX_PORTS][2];
  int nsp, ndp;
};

struct bnsg {
  const char *id, *name;
  struct brule r[BMAX_RULES];
  int n;
  const char *subnets[4];   /* back references */
  int nsub;
};

struct bsubnet {
  const char *id, *name, *nsg, *rt;
  struct bpfx p[4];
  int np, in_vnet;
};

struct bnic {
  const char *id, *name, *nsg;
  struct bip ip[2];     /* per IP configuration */
  int nip;
  const char *asg[2][4];   /* ASGs are listed per IP configuration */
  int nasg[2];
};

struct btag {
  const char *name;
  struct bpfx p[8];
  int n;
};

struct bcfg {
  cJSON *root, *troot;
  int vnet;                 /* the vnet itself was loaded */
  struct bpfx vn[24];       /* VirtualNetwork */
  int nvn;
  struct bsubnet sn[4];
  int nsn;
  struct bnsg nsg[4];
  int nnsg;
  struct bnic nic[4];
  int nnic;
  struct btag tag[8];
  int ntag, have_tags;
};

static const cJSON *jget(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNull(v) ? NULL : v;
}

/* The ARM shape nests under "properties"; the az shape does not. */
static const cJSON *props(const cJSON *o)
{
  const cJSON *p = jget(o, "properties");
  return cJSON_IsObject(p) ? p : o;
}

static const char *jstr(const cJSON *o, const char *k)
{
  const cJSON *v = jget(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *jref(const cJSON *o, const char *k)
{
  const cJSON *v = jget(o, k);
  return v ? jstr(v, "id") : NULL;
}

static void add_item(struct bitem *it, int *n, const char *text)
{
  struct bitem *x;
  size_t i, len = strlen(text);
  assert_true(*n < BMAX_ITEMS);
  x = &it[(*n)++];
  memset(x, 0, sizeof(*x));
  x->text = text;
  if (!strcmp(text, "*")) {
    x->kind = IK_ANY;
    return;
  }
  if (!bpfx_parse(text, &x->p)) {
    x->kind = IK_PFX;
    return;
  }
  for (i = 0; i < len && text[i] >= '0' && text[i] <= '9'; i++)
    ;
  x->kind = i == len ? IK_OPAQUE : IK_TAG;
}

static void read_side(const cJSON *p, const char *one, const char *many,
                      const char *asgs, struct bitem *it, int *n)
{
  const cJSON *e;
  const char *s = jstr(p, one);
  *n = 0;
  if (s && *s)
    add_item(it, n, s);
  cJSON_ArrayForEach(e, jget(p, many)) add_item(it, n, e->valuestring);
  cJSON_ArrayForEach(e, jget(p, asgs)) {
    assert_true(*n < BMAX_ITEMS);
    it[*n].kind = IK_ASG;
    it[*n].text = jstr(e, "id");
    (*n)++;
  }
}

static void add_ports(unsigned (*pr)[2], int *n, const char *s)
{
  const char *dash = strchr(s, '-');
  assert_true(*n < BMAX_PORTS);
  if (!strcmp(s, "*")) {
    pr[*n][0] = 0;
    pr[*n][1] = 65535;
  } else if (dash) {
    pr[*n][0] = (unsigned)atoi(s);
    pr[*n][1] = (unsigned)atoi(dash + 1);
  } else {
    pr[*n][0] = pr[*n][1] = (unsigned)atoi(s);
  }
  (*n)++;
}

static void read_ports(const cJSON *p, const char *one, const char *many,
                       unsigned (*pr)[2], int *n)
{
  const cJSON *v = jget(p, one), *e;
  *n = 0;
  if (cJSON_IsNumber(v)) {
    char num[16];
    snprintf(num, sizeof(num), "%d", v->valueint);
    add_ports(pr, n, num);
  } else if (cJSON_IsString(v) && *v->valuestring) {
    add_ports(pr, n, v->valuestring);
  }
  cJSON_ArrayForEach(e, jget(p, many)) add_ports(pr, n, e->valuestring);
}

static void read_rule(const cJSON *o, struct brule *r)
{
  const cJSON *p = props(o), *prio = jget(p, "priority");
  memset(r, 0, sizeof(*r));
  r->name = jstr(o, "name");
  r->prio = cJSON_IsNumber(prio) ? prio->valueint : atoi(prio->valuestring);
  r->outbound = !strcasecmp(jstr(p, "direction"), "Outbound");
  r->deny = !strcasecmp(jstr(p, "access"), "Deny");
  r->proto = jstr(p, "protocol");
  read_side(p, "sourceAddressPrefix", "sourceAddressPrefixes",
            "sourceApplicationSecurityGroups", r->src, &r->ns);
  read_side(p, "destinationAddressPrefix", "destinationAddressPrefixes",
            "destinationApplicationSecurityGroups", r->dst, &r->nd);
  read_ports(p, "sourcePortRange", "sourcePortRanges", r->sp, &r->nsp);
  read_ports(p, "destinationPortRange", "destinationPortRanges", r->dp,
             &r->ndp);
}

/* The six default rules of AZURE-SEMANTICS.md 1.6. */
static const char *const default_json =
    "["
    "{\"name\":\"AllowVnetInBound\",\"priority\":65000,\"direction\":"
    "\"Inbound\",\"access\":\"Allow\",\"protocol\":\"*\","
    "\"sourceAddressPrefix\":\"VirtualNetwork\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefix\":\"VirtualNetwork\","
    "\"destinationPortRange\":\"*\"},"
    "{\"name\":\"AllowAzureLoadBalancerInBound\",\"priority\":65001,"
    "\"direction\":\"Inbound\",\"access\":\"Allow\",\"protocol\":\"*\","
    "\"sourceAddressPrefix\":\"AzureLoadBalancer\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"*\"},"
    "{\"name\":\"DenyAllInBound\",\"priority\":65500,\"direction\":"
    "\"Inbound\",\"access\":\"Deny\",\"protocol\":\"*\","
    "\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"*\"},"
    "{\"name\":\"AllowVnetOutBound\",\"priority\":65000,\"direction\":"
    "\"Outbound\",\"access\":\"Allow\",\"protocol\":\"*\","
    "\"sourceAddressPrefix\":\"VirtualNetwork\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefix\":\"VirtualNetwork\","
    "\"destinationPortRange\":\"*\"},"
    "{\"name\":\"AllowInternetOutBound\",\"priority\":65001,\"direction\":"
    "\"Outbound\",\"access\":\"Allow\",\"protocol\":\"*\","
    "\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefix\":\"Internet\",\"destinationPortRange\":"
    "\"*\"},"
    "{\"name\":\"DenyAllOutBound\",\"priority\":65500,\"direction\":"
    "\"Outbound\",\"access\":\"Deny\",\"protocol\":\"*\","
    "\"sourceAddressPrefix\":\"*\",\"sourcePortRange\":\"*\","
    "\"destinationAddressPrefix\":\"*\",\"destinationPortRange\":\"*\"}"
    "]";
static cJSON *default_rules;

static void read_nsg(const cJSON *o, struct bnsg *g)
{
  const cJSON *p = props(o), *e, *defs = jget(p, "defaultSecurityRules");
  int i, j;
  memset(g, 0, sizeof(*g));
  g->id = jstr(o, "id");
  g->name = jstr(o, "name");
  cJSON_ArrayForEach(e, jget(p, "securityRules")) {
    assert_true(g->n < BMAX_RULES);
    read_rule(e, &g->r[g->n++]);
  }
  if (!defs || !cJSON_GetArraySize(defs))
    defs = default_rules;
  cJSON_ArrayForEach(e, defs) {
    assert_true(g->n < BMAX_RULES);
    read_rule(e, &g->r[g->n++]);
  }
  cJSON_ArrayForEach(e, jget(p, "subnets")) {
    assert_true(g->nsub < 4);
    g->subnets[g->nsub++] = jstr(e, "id");
  }
  /* priority order (insertion sort; priorities are unique per direction) */
  for (i = 1; i < g->n; i++) {
    struct brule t = g->r[i];
    for (j = i; j > 0 && g->r[j - 1].prio > t.prio; j--)
      g->r[j] = g->r[j - 1];
    g->r[j] = t;
  }
}

static void read_subnet(struct bcfg *c, const cJSON *o, int in_vnet)
{
  const cJSON *p = props(o), *e;
  struct bsubnet *s;
  const char *one;
  assert_true(c->nsn < 4);
  s = &c->sn[c->nsn++];
  memset(s, 0, sizeof(*s));
  s->id = jstr(o, "id");
  s->name = jstr(o, "name");
  s->nsg = jref(p, "networkSecurityGroup");
  s->rt = jref(p, "routeTable");
  s->in_vnet = in_vnet;
  if ((one = jstr(p, "addressPrefix")) != NULL)
    assert_int_equal(bpfx_parse(one, &s->p[s->np++]), 0);
  cJSON_ArrayForEach(e, jget(p, "addressPrefixes"))
    assert_int_equal(bpfx_parse(e->valuestring, &s->p[s->np++]), 0);
}

static void add_vn(struct bcfg *c, const char *text)
{
  assert_true(c->nvn < 24);
  assert_int_equal(bpfx_parse(text, &c->vn[c->nvn++]), 0);
}

static void bcfg_read(struct bcfg *c, const char *json, const char *tags)
{
  const cJSON *o, *e, *r;
  const cJSON *vnet = NULL;
  int i;

  memset(c, 0, sizeof(*c));
  c->root = cJSON_Parse(json);
  assert_non_null(c->root);
  cJSON_ArrayForEach(o, c->root) {
    const char *type = jstr(o, "type");
    const cJSON *p = props(o);
    if (!strcasecmp(type, "Microsoft.Network/virtualNetworks")) {
      vnet = o;
      c->vnet = 1;
      cJSON_ArrayForEach(e, jget(p, "subnets")) read_subnet(c, e, 1);
    } else if (!strcasecmp(type,
                           "Microsoft.Network/virtualNetworks/subnets")) {
      read_subnet(c, o, 0);
    } else if (!strcasecmp(type, "Microsoft.Network/networkSecurityGroups")) {
      assert_true(c->nnsg < 4);
      read_nsg(o, &c->nsg[c->nnsg++]);
    } else if (!strcasecmp(type, "Microsoft.Network/networkInterfaces")) {
      struct bnic *n = &c->nic[c->nnic++];
      memset(n, 0, sizeof(*n));
      n->id = jstr(o, "id");
      n->name = jstr(o, "name");
      n->nsg = jref(p, "networkSecurityGroup");
      cJSON_ArrayForEach(e, jget(p, "ipConfigurations")) {
        const cJSON *cp = props(e), *a;
        const char *ip = jstr(cp, "privateIPAddress");
        assert_non_null(ip);
        assert_int_equal(bip_parse(ip, strlen(ip), &n->ip[n->nip]), 0);
        cJSON_ArrayForEach(a, jget(cp, "applicationSecurityGroups"))
          n->asg[n->nip][n->nasg[n->nip]++] = jstr(a, "id");
        n->nip++;
      }
    }
  }
  /* VirtualNetwork (docs/semantics.md): address space, peerings' remote
   * spaces, CIDR routes of the vnet's subnets' tables, 168.63.129.16 */
  if (vnet) {
    const cJSON *p = props(vnet);
    add_vn(c, "168.63.129.16/32");
    cJSON_ArrayForEach(e, jget(jget(p, "addressSpace"), "addressPrefixes"))
      add_vn(c, e->valuestring);
    cJSON_ArrayForEach(e, jget(p, "virtualNetworkPeerings")) {
      const cJSON *ras = jget(props(e), "remoteAddressSpace");
      cJSON_ArrayForEach(r, jget(ras, "addressPrefixes"))
        add_vn(c, r->valuestring);
    }
    for (i = 0; i < c->nsn; i++) {
      if (!c->sn[i].in_vnet || !c->sn[i].rt)
        continue;
      cJSON_ArrayForEach(o, c->root) {
        if (strcasecmp(jstr(o, "type"), "Microsoft.Network/routeTables") ||
            strcasecmp(jstr(o, "id"), c->sn[i].rt))
          continue;
        cJSON_ArrayForEach(r, jget(props(o), "routes")) {
          struct bpfx x;
          const char *ap = jstr(props(r), "addressPrefix");
          if (!bpfx_parse(ap, &x) && x.len > 0)
            add_vn(c, ap);
        }
      }
    }
  }
  if (tags) {
    c->have_tags = 1;
    c->troot = cJSON_Parse(tags);
    assert_non_null(c->troot);
    cJSON_ArrayForEach(o, jget(c->troot, "values")) {
      struct btag *t = &c->tag[c->ntag++];
      t->name = jstr(o, "name");
      t->n = 0;
      cJSON_ArrayForEach(e, jget(props(o), "addressPrefixes"))
        assert_int_equal(bpfx_parse(e->valuestring, &t->p[t->n++]), 0);
    }
  }
}

static void bcfg_free(struct bcfg *c)
{
  cJSON_Delete(c->root);
  cJSON_Delete(c->troot);
  c->root = c->troot = NULL;
}

/* ======================================================================
 * brute force: evaluation of one concrete flow
 * ====================================================================== */

struct bflow {
  int outbound;
  int proto;          /* PR_* */
  struct bip src, dst;
  unsigned sport, dport;
};

enum { BV_ALLOW = 0, BV_DENY, BV_UNKNOWN };   /* same order as pf_verdict */

struct bstep {
  int nic;            /* level: 0 subnet, 1 NIC */
  int outbound;
  const char *owner;  /* subnet or NIC name */
  const char *rule;   /* NULL: no NSG or NSG not supplied */
  int v;
};

struct bres {
  int v;
  int n;
  struct bstep s[4];
};

static int in_vnet(const struct bcfg *c, const struct bip *a)
{
  int i;
  for (i = 0; i < c->nvn; i++)
    if (bpfx_has(&c->vn[i], a))
      return 1;
  return 0;
}

static int in_internet(const struct bcfg *c, const struct bip *a)
{
  size_t i;
  for (i = 0; i <= N_INTERNET; i++)
    if (bpfx_has(&internet_pfx[i], a))
      return !in_vnet(c, a);
  return 0;
}

/* 1: the address is in the item, 0: it is not, -1: cannot tell */
static int item_has(const struct bcfg *c, const struct bitem *it,
                    const struct bip *a)
{
  int i, j, seen = 0;
  switch (it->kind) {
  case IK_ANY:
    return 1;
  case IK_PFX:
    return bpfx_has(&it->p, a);
  case IK_OPAQUE:
    return -1;
  case IK_ASG:
    /* members: the IP configurations that list the ASG; unknown when no
     * loaded NIC lists it (docs/semantics.md) */
    for (i = 0; i < c->nnic; i++)
      for (j = 0; j < c->nic[i].nip; j++) {
        int k;
        for (k = 0; k < c->nic[i].nasg[j]; k++)
          if (!strcasecmp(c->nic[i].asg[j][k], it->text)) {
            seen = 1;
            if (bip_eq(&c->nic[i].ip[j], a))
              return 1;
          }
      }
    return seen ? 0 : -1;
  default:
    break;
  }
  if (!strcasecmp(it->text, "AzureLoadBalancer") ||
      !strcasecmp(it->text, "AZURE_LOADBALANCER")) {
    struct bpfx lb4, lb6;
    bpfx_parse("168.63.129.16", &lb4);
    bpfx_parse("fe80::1234:5678:9abc", &lb6);
    return bpfx_has(&lb4, a) || bpfx_has(&lb6, a);
  }
  if (!strcasecmp(it->text, "VirtualNetwork") ||
      !strcasecmp(it->text, "VIRTUAL_NETWORK"))
    return c->vnet ? in_vnet(c, a) : -1;
  if (!strcasecmp(it->text, "Internet"))
    return c->vnet ? in_internet(c, a) : -1;
  if (!c->have_tags)
    return -1;
  for (i = 0; i < c->ntag; i++) {
    if (strcasecmp(c->tag[i].name, it->text))
      continue;
    for (j = 0; j < c->tag[i].n; j++)
      if (bpfx_has(&c->tag[i].p[j], a))
        return 1;
    return 0;
  }
  return -1;
}

static int side_has(const struct bcfg *c, const struct bitem *it, int n,
                    const struct bip *a)
{
  int i, unknown = 0;
  for (i = 0; i < n; i++) {
    int m = item_has(c, &it[i], a);
    if (m == 1)
      return 1;
    if (m < 0)
      unknown = 1;
  }
  return unknown ? -1 : 0;
}

static int port_in(const unsigned (*pr)[2], int n, unsigned p)
{
  int i;
  for (i = 0; i < n; i++)
    if (p >= pr[i][0] && p <= pr[i][1])
      return 1;
  return 0;
}

/* The NSG a stage uses: 1 with *g set, 0 no NSG, -1 referenced but not
 * supplied. */
static int find_nsg(const struct bcfg *c, const char *id,
                    const struct bnsg **g)
{
  int i;
  *g = NULL;
  if (!id)
    return 0;
  for (i = 0; i < c->nnsg; i++)
    if (!strcasecmp(c->nsg[i].id, id)) {
      *g = &c->nsg[i];
      return 1;
    }
  return -1;
}

static int subnet_nsg(const struct bcfg *c, const struct bsubnet *s,
                      const struct bnsg **g)
{
  int i, j;
  if (s->nsg)
    return find_nsg(c, s->nsg, g);
  for (i = 0; i < c->nnsg; i++)
    for (j = 0; j < c->nsg[i].nsub; j++)
      if (!strcasecmp(c->nsg[i].subnets[j], s->id)) {
        *g = &c->nsg[i];
        return 1;
      }
  *g = NULL;
  return 0;
}

static const struct bsubnet *subnet_of(const struct bcfg *c,
                                       const struct bip *a)
{
  const struct bsubnet *best = NULL;
  unsigned best_len = 0;
  int i, j;
  for (i = 0; i < c->nsn; i++)
    for (j = 0; j < c->sn[i].np; j++)
      if (bpfx_has(&c->sn[i].p[j], a) &&
          (!best || c->sn[i].p[j].len > best_len)) {
        best = &c->sn[i];
        best_len = c->sn[i].p[j].len;
      }
  return best;
}

static const struct bnic *nic_of(const struct bcfg *c, const struct bip *a)
{
  int i, j;
  for (i = 0; i < c->nnic; i++)
    for (j = 0; j < c->nic[i].nip; j++)
      if (bip_eq(&c->nic[i].ip[j], a))
        return &c->nic[i];
  return NULL;
}

/* One NSG, one direction: first match in priority order. */
static void eval_nsg(const struct bcfg *c, const struct bnsg *g,
                     int outbound, const struct bflow *f, struct bstep *st)
{
  int i;
  st->rule = NULL;
  st->v = BV_UNKNOWN;   /* no rule matched at all */
  for (i = 0; i < g->n; i++) {
    const struct brule *r = &g->r[i];
    int ms, md;
    if (r->outbound != outbound)
      continue;
    if (strcmp(r->proto, "*") && strcasecmp(r->proto, "Any") &&
        strcasecmp(r->proto, proto_name[f->proto]))
      continue;
    if (!port_in(r->sp, r->nsp, f->sport) ||
        !port_in(r->dp, r->ndp, f->dport))
      continue;
    ms = side_has(c, r->src, r->ns, &f->src);
    md = side_has(c, r->dst, r->nd, &f->dst);
    if (ms == 0 || md == 0)
      continue;
    st->rule = r->name;
    st->v = ms == 1 && md == 1 ? (r->deny ? BV_DENY : BV_ALLOW) : BV_UNKNOWN;
    return;
  }
}

struct bstage {
  int nic, outbound;
  const char *owner;
  int has;               /* 1 NSG, 0 none, -1 not supplied */
  const struct bnsg *g;
};

/* The stages of one end: outbound NIC then subnet, inbound subnet then
 * NIC (AZURE-SEMANTICS.md 1.7). */
static void end_stages(const struct bcfg *c, const struct bip *a,
                       int outbound, struct bstage *out, int *n)
{
  const struct bsubnet *s = subnet_of(c, a);
  const struct bnic *nic = nic_of(c, a);
  struct bstage sub, ns;
  if (!s)
    return;
  sub.nic = 0;
  sub.outbound = outbound;
  sub.owner = s->name;
  sub.has = subnet_nsg(c, s, &sub.g);
  if (nic) {
    ns.nic = 1;
    ns.outbound = outbound;
    ns.owner = nic->name;
    ns.has = find_nsg(c, nic->nsg, &ns.g);
  }
  if (outbound && nic)
    out[(*n)++] = ns;
  out[(*n)++] = sub;
  if (!outbound && nic)
    out[(*n)++] = ns;
}

static void plan(const struct bcfg *c, const struct bflow *f,
                 struct bstage *st, int *n)
{
  int src_in = subnet_of(c, &f->src) != NULL;
  int dst_in = subnet_of(c, &f->dst) != NULL;
  *n = 0;
  if (src_in && dst_in) {
    end_stages(c, &f->src, 1, st, n);
    end_stages(c, &f->dst, 0, st, n);
  } else if (!f->outbound) {
    end_stages(c, &f->dst, 0, st, n);
  } else {
    end_stages(c, &f->src, 1, st, n);
  }
}

static void brute(const struct bcfg *c, const struct bflow *f,
                  struct bres *res)
{
  struct bstage st[4];
  int n, i;
  plan(c, f, st, &n);
  res->n = 0;
  res->v = n ? BV_ALLOW : BV_UNKNOWN;   /* no stage: inside end not loaded */
  for (i = 0; i < n && res->v == BV_ALLOW; i++) {
    struct bstep *s = &res->s[res->n++];
    s->nic = st[i].nic;
    s->outbound = st[i].outbound;
    s->owner = st[i].owner;
    s->rule = NULL;
    if (st[i].has == 0)
      s->v = BV_ALLOW;
    else if (st[i].has < 0)
      s->v = BV_UNKNOWN;
    else
      eval_nsg(c, st[i].g, st[i].outbound, f, s);
    res->v = s->v;
  }
}

/* ======================================================================
 * the generator: a model, written out as JSON text
 * ====================================================================== */

#define SUBS "/subscriptions/00000000-0000-0000-0000-00000000d1ff"
#define RG SUBS "/resourceGroups/rg-diff"
#define NET RG "/providers/Microsoft.Network"
#define VNET_ID NET "/virtualNetworks/vnet-diff"
#define RT_ID NET "/routeTables/rt-diff"
#define MAXR 140   /* 1-40 mostly; now and then more than 64 */

static const char *const asg_names[] = {"asg-web", "asg-db", "asg-none"};

struct g_side {
  char one[64];
  int one_key;         /* write the singular key (possibly "") */
  char many[4][64];
  int n_many;
  int asg[2], n_asg;
  int asg_lower;       /* write ASG ids in lower case */
};

struct g_ports {
  char one[16];
  int one_key, one_number;
  char many[4][16];
  int n_many;
};

struct g_rule {
  char name[16];
  int prio, outbound, deny, prio_string;
  const char *proto;
  struct g_side src, dst;
  struct g_ports sp, dp;
};

struct g_nsg {
  int arm, explicit_defaults, empty_defaults;
  int n;
  struct g_rule r[MAXR];
  int backref[2];       /* list subnet i in "subnets" */
};

struct g_subnet {
  int nsg;              /* -1: none, else the NSG index */
  int by_backref;       /* association only on the NSG side */
  int rt;
};

struct g_nic {
  int subnet, nsg, arm;
  int host;             /* last octet */
  int v6;               /* second ipconfig with an IPv6 address */
  int asg[2], n_asg;
};

struct g_tag {
  char name[40];
  char p[4][64];
  int n;
};

struct g_cfg {
  int vnet_arm, vnet_loaded, dual;
  int n_sub;
  struct g_subnet sub[2];
  struct g_nsg nsg[3];
  int nsg_present[3];
  int n_nic;
  struct g_nic nic[2];
  int n_peer;
  int rt;
  int have_tags, n_tag;
  struct g_tag tag[5];
};

static const char *const sub_names[] = {"snet-a", "snet-b"};
static const char *const sub4[] = {"10.0.0.0/24", "10.0.1.0/24"};
static const char *const sub6[] = {"2001:db8:0:1::/64", "2001:db8:0:2::/64"};
static const char *const peer_pfx[] = {"10.1.0.0/24", "192.168.10.0/24",
                                       "fd00:1::/64"};

/* Prefixes rules, tags and flows are built around: the vnet, its
 * neighbours, private and special ranges, some public ones. */
static const char *const pool4[] = {
    "10.0.0.0/22",   "10.0.0.0/24",    "10.0.0.0/25",     "10.0.0.128/25",
    "10.0.0.4/32",   "10.0.0.8/29",    "10.0.1.0/24",     "10.0.1.16/28",
    "10.0.1.5/32",   "10.0.2.0/24",    "10.0.3.0/26",     "10.1.0.0/24",
    "10.0.0.0/8",    "192.168.10.0/24", "172.16.0.0/12",  "172.31.255.0/24",
    "100.64.0.0/10", "13.69.64.0/22",  "13.69.65.64/26",  "20.50.0.0/16",
    "52.174.0.0/15", "8.8.8.8/32",     "168.63.129.16/32", "1.2.3.0/24",
    "13.104.0.0/13", "224.0.0.0/4",    "0.0.0.0/0",       "192.0.2.0/24",
};
static const char *const pool6[] = {
    "2001:db8::/32",         "2001:db8:0:1::/64", "2001:db8:0:1::4/128",
    "2001:db8:0:1::/120",    "2001:db8:0:2::/64", "2603:1020::/32",
    "2603:1020:206::/48",    "fe80::1234:5678:9abc/128", "fd00::/8",
    "fd00:1::/64",           "::/0",              "2000::/3",
};
/* where Internet's definition has edges */
static const char *const edges[] = {
    "172.15.255.255", "172.16.0.0", "172.31.255.255", "172.32.0.0",
    "100.63.255.255", "100.64.0.0", "100.127.255.255", "100.128.0.0",
    "13.103.255.255", "13.104.0.0", "192.0.2.1", "224.0.0.1",
    "255.255.255.255", "0.0.0.0", "127.0.0.1", "169.254.169.254",
    "168.63.129.15", "168.63.129.16", "168.63.129.17", "25.250.86.0",
    "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2000::",
    "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "4000::",
    "fe80::1234:5678:9abc", "fe80::1234:5678:9abd",
};
static const unsigned port_pool[] = {0,    1,    22,    53,    80,    443,
                                     1000, 1024, 3389,  8080,  29876, 29877,
                                     44224, 65534, 65535};
#define NPORTS (sizeof(port_pool) / sizeof(port_pool[0]))

/* A random CIDR near a pool prefix, host bits cleared. */
static void rand_prefix(int v6, int bare_ok, char *buf, size_t cap)
{
  struct bpfx p;
  unsigned max, len;
  uint64_t mhi, mlo;
  const char *base = v6 ? pool6[rn(sizeof(pool6) / sizeof(pool6[0]))]
                        : pool4[rn(sizeof(pool4) / sizeof(pool4[0]))];
  assert_int_equal(bpfx_parse(base, &p), 0);
  max = v6 ? 128 : 32;
  len = p.len;
  if (chance(50)) {
    /* a random sub-prefix */
    len = p.len + rn(max - p.len + 1);
    if (len > p.len + 10)
      len = p.len + rn(11);
    if (len > max)
      len = max;
    /* random host bits below the pool prefix */
    masks(&p, &mhi, &mlo);
    p.a.hi ^= rnd() & ~mhi;
    p.a.lo ^= rnd() & ~mlo;
    if (!v6) {
      p.a.hi = 0;
      p.a.lo &= 0xFFFFFFFFull;
    }
  } else if (chance(30) && len > 0) {
    len = len - 1 - rn(len < 4 ? len : 4);
  }
  p.len = len;
  masks(&p, &mhi, &mlo);
  p.a.hi &= mhi;
  p.a.lo &= mlo;
  bpfx_fmt(&p, bare_ok && chance(50), buf, cap);
}

static void rand_port(char *buf, size_t cap, int allow_star)
{
  unsigned a = chance(70) ? port_pool[rn(NPORTS)] : rn(65536), b;
  unsigned k = rn(100);
  if (allow_star && k < 10) {
    snprintf(buf, cap, "*");
  } else if (k < 60) {
    snprintf(buf, cap, "%u", a);
  } else {
    b = chance(50) ? port_pool[rn(NPORTS)] : a + rn(200);
    if (b > 65535)
      b = 65535;
    if (b < a) {
      unsigned t = a;
      a = b;
      b = t;
    }
    snprintf(buf, cap, "%u-%u", a, b);
  }
}

static void gen_ports(struct g_ports *p)
{
  unsigned k = rn(100);
  memset(p, 0, sizeof(*p));
  if (k < 40) {
    p->one_key = 1;
    strcpy(p->one, "*");
  } else if (k < 80) {
    p->one_key = 1;
    rand_port(p->one, sizeof(p->one), 0);
    p->one_number = !strchr(p->one, '-') && chance(15);
  } else {
    int i;
    p->one_key = chance(50);   /* written as "" */
    p->n_many = 2 + (int)rn(3);
    for (i = 0; i < p->n_many; i++)
      rand_port(p->many[i], sizeof(p->many[i]), chance(5));
  }
}

static const char *tag_ref(const struct g_cfg *g)
{
  static const char *const unknown[] = {"SynZ", "Storage.WestEurope",
                                        "AzureCloud"};
  if (g->n_tag && chance(85))
    return g->tag[rn((unsigned)g->n_tag)].name;
  return unknown[rn(3)];
}

static void gen_side(const struct g_cfg *g, struct g_side *s)
{
  unsigned k = rn(100);
  int v6 = g->dual ? chance(30) : chance(5);
  memset(s, 0, sizeof(*s));
  s->one_key = 1;
  if (k < 25) {
    strcpy(s->one, "*");
  } else if (k < 55) {
    rand_prefix(v6, 1, s->one, sizeof(s->one));
  } else if (k < 67) {
    int i;
    s->one_key = chance(50);
    s->n_many = 2 + (int)rn(3);
    for (i = 0; i < s->n_many; i++)
      rand_prefix(chance(g->dual ? 30 : 5), 1, s->many[i],
                  sizeof(s->many[i]));
    if (s->one_key && chance(10))   /* both forms: the union */
      rand_prefix(0, 1, s->one, sizeof(s->one));
  } else if (k < 78) {
    snprintf(s->one, sizeof(s->one), "%s", tag_ref(g));
  } else if (k < 85) {
    strcpy(s->one, chance(85) ? "VirtualNetwork" : "VIRTUAL_NETWORK");
  } else if (k < 90) {
    strcpy(s->one, "Internet");
  } else if (k < 93) {
    strcpy(s->one, chance(85) ? "AzureLoadBalancer" : "AZURE_LOADBALANCER");
  } else if (k < 99) {
    s->one_key = chance(30);
    s->n_asg = chance(85) ? 1 : 2;
    s->asg[0] = (int)rn(3);
    s->asg[1] = (int)rn(3);
    s->asg_lower = chance(10);
  } else {
    strcpy(s->one, "789");   /* accepted by Azure, meaning undocumented */
  }
}

static const char *gen_proto(void)
{
  static const char *const p[] = {"Tcp", "Tcp", "Tcp", "TCP", "Udp", "Udp",
                                  "Icmp", "Esp", "Ah", "*", "*", "*", "*",
                                  "Any", "tcp"};
  return p[rn(sizeof(p) / sizeof(p[0]))];
}

static int prio_used(const struct g_nsg *n, int outbound, int prio)
{
  int i;
  for (i = 0; i < n->n; i++)
    if (n->r[i].outbound == outbound && n->r[i].prio == prio)
      return 1;
  return 0;
}

static void gen_nsg(const struct g_cfg *g, struct g_nsg *n)
{
  int i, count = chance(4) ? 65 + (int)rn(MAXR - 64) : 1 + (int)rn(40);
  memset(n, 0, sizeof(*n));
  n->arm = chance(50);
  n->explicit_defaults = chance(50);
  n->empty_defaults = !n->explicit_defaults && chance(20);
  for (i = 0; i < count; i++) {
    struct g_rule *r = &n->r[n->n];
    int prio;
    if (n->n && chance(15)) {
      /* looks like an earlier rule: same fields, another priority */
      *r = n->r[rn((unsigned)n->n)];
      if (chance(40))
        r->deny = !r->deny;
    } else {
      memset(r, 0, sizeof(*r));
      r->outbound = chance(50);
      r->deny = chance(50);
      r->proto = gen_proto();
      gen_side(g, &r->src);
      gen_side(g, &r->dst);
      gen_ports(&r->sp);
      if (chance(60)) {   /* source ports are mostly "*" */
        memset(&r->sp, 0, sizeof(r->sp));
        r->sp.one_key = 1;
        strcpy(r->sp.one, "*");
      }
      gen_ports(&r->dp);
    }
    do
      prio = chance(50) ? 100 + (int)rn(60) * 10 : 100 + (int)rn(3997);
    while (prio_used(n, r->outbound, prio));
    r->prio = prio;
    r->prio_string = chance(5);
    snprintf(r->name, sizeof(r->name), "r%d", i);
    n->n++;
  }
}

static void gen_cfg(struct g_cfg *g)
{
  static const char *const tag_names[] = {"SynA", "SynB.WestEurope", "SynC",
                                          "SynD.NorthEurope", "SynE"};
  int i, j;
  memset(g, 0, sizeof(*g));
  g->vnet_arm = chance(50);
  g->vnet_loaded = chance(92);
  g->dual = chance(30);
  g->have_tags = chance(85);
  g->n_tag = 3 + (int)rn(3);
  for (i = 0; i < g->n_tag; i++) {
    struct g_tag *t = &g->tag[i];
    snprintf(t->name, sizeof(t->name), "%s", tag_names[i]);
    t->n = 1 + (int)rn(4);
    for (j = 0; j < t->n; j++)
      rand_prefix(chance(20), 0, t->p[j], sizeof(t->p[j]));
  }
  g->n_sub = 1 + (int)chance(60);
  for (i = 0; i < g->n_sub; i++) {
    unsigned k = rn(100);
    g->sub[i].nsg = k < 75 ? i : k < 85 ? -1 : k < 95 ? 0 : i;
    if (k >= 95)
      g->nsg_present[i] = -1;   /* decided below: referenced, missing */
    g->sub[i].by_backref = chance(20);
    g->sub[i].rt = chance(20);
  }
  g->rt = g->sub[0].rt || (g->n_sub > 1 && g->sub[1].rt);
  g->n_peer = chance(25) ? 1 + (int)rn(3) : 0;
  g->n_nic = chance(65) ? 1 + (int)chance(30) : 0;
  for (i = 0; i < g->n_nic; i++) {
    struct g_nic *n = &g->nic[i];
    unsigned k = rn(100);
    n->subnet = (int)rn((unsigned)g->n_sub);
    n->host = 4 + (int)rn(3) + i * 10;
    n->arm = chance(50);
    n->v6 = g->dual && chance(60);
    n->nsg = k < 50 ? 2 : k < 65 ? -1 : k < 80 ? g->sub[n->subnet].nsg : 2;
    if (k >= 80 && k < 85)
      g->nsg_present[2] = -1;   /* NIC NSG referenced, missing */
    n->n_asg = (int)rn(3);
    n->asg[0] = (int)rn(2);
    n->asg[1] = 1 - n->asg[0];
  }
  for (i = 0; i < 3; i++) {
    if (g->nsg_present[i] == -1) {
      g->nsg_present[i] = 0;
    } else {
      g->nsg_present[i] = 1;
      gen_nsg(g, &g->nsg[i]);
    }
  }
  for (i = 0; i < g->n_sub; i++) {
    if (g->sub[i].nsg < 0 || !g->nsg_present[g->sub[i].nsg])
      g->sub[i].by_backref = 0;
    if (g->sub[i].by_backref)
      g->nsg[g->sub[i].nsg].backref[i] = 1;
  }
}

/* ---- writing JSON ---------------------------------------------------- */

static void put_asg(struct sb *b, int asg, int lower)
{
  char id[256];
  size_t i;
  snprintf(id, sizeof(id), NET "/applicationSecurityGroups/%s",
           asg_names[asg]);
  if (lower)
    for (i = 0; id[i]; i++)
      if (id[i] >= 'A' && id[i] <= 'Z')
        id[i] = (char)(id[i] - 'A' + 'a');
  sb_printf(b, "{\"id\":\"%s\"}", id);
}

static void put_side(struct sb *b, const char *side, const struct g_side *s)
{
  int i;
  if (s->one_key)
    sb_printf(b, ",\"%sAddressPrefix\":\"%s\"", side, s->one);
  sb_printf(b, ",\"%sAddressPrefixes\":[", side);
  for (i = 0; i < s->n_many; i++)
    sb_printf(b, "%s\"%s\"", i ? "," : "", s->many[i]);
  sb_printf(b, "]");
  if (s->n_asg) {
    sb_printf(b, ",\"%sApplicationSecurityGroups\":[", side);
    for (i = 0; i < s->n_asg; i++) {
      if (i)
        sb_printf(b, ",");
      put_asg(b, s->asg[i], s->asg_lower);
    }
    sb_printf(b, "]");
  }
}

static void put_ports(struct sb *b, const char *side, const struct g_ports *p)
{
  int i;
  if (p->one_key && p->one_number)
    sb_printf(b, ",\"%sPortRange\":%s", side, p->one);
  else if (p->one_key)
    sb_printf(b, ",\"%sPortRange\":\"%s\"", side, p->one);
  sb_printf(b, ",\"%sPortRanges\":[", side);
  for (i = 0; i < p->n_many; i++)
    sb_printf(b, "%s\"%s\"", i ? "," : "", p->many[i]);
  sb_printf(b, "]");
}

static void put_rule_fields(struct sb *b, const struct g_rule *r)
{
  if (r->prio_string)
    sb_printf(b, "\"priority\":\"%d\"", r->prio);
  else
    sb_printf(b, "\"priority\":%d", r->prio);
  sb_printf(b, ",\"direction\":\"%s\",\"access\":\"%s\",\"protocol\":\"%s\"",
            r->outbound ? "Outbound" : "Inbound", r->deny ? "Deny" : "Allow",
            r->proto);
  put_side(b, "source", &r->src);
  put_side(b, "destination", &r->dst);
  put_ports(b, "source", &r->sp);
  put_ports(b, "destination", &r->dp);
}

static void put_rule(struct sb *b, const char *nsg_id, const char *coll,
                     int arm, const struct g_rule *r)
{
  sb_printf(b, "{\"name\":\"%s\",\"id\":\"%s/%s/%s\",", r->name, nsg_id, coll,
            r->name);
  if (arm) {
    sb_printf(b, "\"properties\":{");
    put_rule_fields(b, r);
    sb_printf(b, "}}");
  } else {
    sb_printf(b, "\"type\":\"Microsoft.Network/networkSecurityGroups/%s\",",
              coll);
    put_rule_fields(b, r);
    sb_printf(b, "}");
  }
}

static void put_defaults(struct sb *b, const char *nsg_id, int arm)
{
  cJSON *e;
  int first = 1;
  cJSON_ArrayForEach(e, default_rules) {
    struct g_rule r;
    memset(&r, 0, sizeof(r));
    r.prio = jget(e, "priority")->valueint;
    r.outbound = !strcmp(jstr(e, "direction"), "Outbound");
    r.deny = !strcmp(jstr(e, "access"), "Deny");
    r.proto = "*";
    r.src.one_key = r.dst.one_key = r.sp.one_key = r.dp.one_key = 1;
    snprintf(r.src.one, sizeof(r.src.one), "%s",
             jstr(e, "sourceAddressPrefix"));
    snprintf(r.dst.one, sizeof(r.dst.one), "%s",
             jstr(e, "destinationAddressPrefix"));
    strcpy(r.sp.one, "*");
    strcpy(r.dp.one, "*");
    if (!first)
      sb_printf(b, ",");
    first = 0;
    sb_printf(b, "{\"name\":\"%s\",\"id\":\"%s/defaultSecurityRules/%s\",",
              jstr(e, "name"), nsg_id, jstr(e, "name"));
    if (arm)
      sb_printf(b, "\"properties\":{");
    put_rule_fields(b, &r);
    sb_printf(b, arm ? "}}" : "}");
  }
}

static void put_nsg(struct sb *b, const struct g_cfg *g, int idx)
{
  const struct g_nsg *n = &g->nsg[idx];
  char id[256];
  int i, first = 1;
  snprintf(id, sizeof(id), NET "/networkSecurityGroups/nsg-%d", idx);
  sb_printf(b, ",\n{\"id\":\"%s\",\"name\":\"nsg-%d\",\"type\":"
            "\"Microsoft.Network/networkSecurityGroups\",\"location\":"
            "\"westeurope\",",
            id, idx);
  if (n->arm)
    sb_printf(b, "\"properties\":{");
  sb_printf(b, "\"securityRules\":[");
  for (i = 0; i < n->n; i++) {
    sb_printf(b, "%s\n  ", i ? "," : "");
    put_rule(b, id, "securityRules", n->arm, &n->r[i]);
  }
  sb_printf(b, "]");
  if (n->explicit_defaults) {
    sb_printf(b, ",\"defaultSecurityRules\":[");
    put_defaults(b, id, n->arm);
    sb_printf(b, "]");
  } else if (n->empty_defaults) {
    sb_printf(b, ",\"defaultSecurityRules\":[]");
  }
  sb_printf(b, ",\"subnets\":[");
  for (i = 0; i < 2; i++)
    if (n->backref[i]) {
      sb_printf(b, "%s{\"id\":\"" VNET_ID "/subnets/%s\"}", first ? "" : ",",
                sub_names[i]);
      first = 0;
    }
  sb_printf(b, "]");
  sb_printf(b, n->arm ? "}}" : "}");
}

static void put_subnet_fields(struct sb *b, const struct g_cfg *g, int i)
{
  const struct g_subnet *s = &g->sub[i];
  if (g->dual)
    sb_printf(b, "\"addressPrefixes\":[\"%s\",\"%s\"]", sub4[i], sub6[i]);
  else
    sb_printf(b, "\"addressPrefix\":\"%s\"", sub4[i]);
  if (s->nsg >= 0 && !s->by_backref)
    sb_printf(b, ",\"networkSecurityGroup\":{\"id\":\"" NET
              "/networkSecurityGroups/nsg-%d\"}",
              s->nsg);
  if (s->rt)
    sb_printf(b, ",\"routeTable\":{\"id\":\"" RT_ID "\"}");
}

static void put_subnet(struct sb *b, const struct g_cfg *g, int i,
                       int standalone)
{
  sb_printf(b, "{\"id\":\"" VNET_ID "/subnets/%s\",\"name\":\"%s\"",
            sub_names[i], sub_names[i]);
  if (standalone || !g->vnet_arm)
    sb_printf(b, ",\"type\":\"Microsoft.Network/virtualNetworks/subnets\"");
  sb_printf(b, ",");
  if (g->vnet_arm) {
    sb_printf(b, "\"properties\":{");
    put_subnet_fields(b, g, i);
    sb_printf(b, "}}");
  } else {
    put_subnet_fields(b, g, i);
    sb_printf(b, "}");
  }
}

static void put_vnet(struct sb *b, const struct g_cfg *g)
{
  int i;
  if (!g->vnet_loaded) {
    for (i = 0; i < g->n_sub; i++) {
      sb_printf(b, i ? ",\n" : "");
      put_subnet(b, g, i, 1);
    }
    return;
  }
  sb_printf(b, "{\"id\":\"" VNET_ID "\",\"name\":\"vnet-diff\",\"type\":"
            "\"Microsoft.Network/virtualNetworks\",\"location\":"
            "\"westeurope\",");
  if (g->vnet_arm)
    sb_printf(b, "\"properties\":{");
  sb_printf(b, "\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/22\"%s]},",
            g->dual ? ",\"2001:db8::/48\"" : "");
  sb_printf(b, "\"subnets\":[");
  for (i = 0; i < g->n_sub; i++) {
    sb_printf(b, i ? ",\n  " : "\n  ");
    put_subnet(b, g, i, 0);
  }
  sb_printf(b, "],\"virtualNetworkPeerings\":[");
  for (i = 0; i < g->n_peer; i++)
    sb_printf(b, "%s{\"name\":\"peer%d\",%s\"peeringState\":"
              "\"Connected\",\"remoteAddressSpace\":{\"addressPrefixes\":"
              "[\"%s\"]}%s}",
              i ? "," : "", i, g->vnet_arm ? "\"properties\":{" : "",
              peer_pfx[i], g->vnet_arm ? "}" : "");
  sb_printf(b, "]");
  sb_printf(b, g->vnet_arm ? "}}" : "}");
}

static void put_nic(struct sb *b, const struct g_cfg *g, int i)
{
  const struct g_nic *n = &g->nic[i];
  int k;
  sb_printf(b, ",\n{\"id\":\"" NET "/networkInterfaces/nic-%d\",\"name\":"
            "\"nic-%d\",\"type\":\"Microsoft.Network/networkInterfaces\",",
            i, i);
  if (n->arm)
    sb_printf(b, "\"properties\":{");
  if (n->nsg >= 0)
    sb_printf(b, "\"networkSecurityGroup\":{\"id\":\"" NET
              "/networkSecurityGroups/nsg-%d\"},",
              n->nsg);
  sb_printf(b, "\"ipConfigurations\":[{\"name\":\"ipconfig1\",");
  if (n->arm)
    sb_printf(b, "\"properties\":{");
  sb_printf(b, "\"privateIPAddress\":\"10.0.%d.%d\",\"primary\":true,"
            "\"subnet\":{\"id\":\"" VNET_ID "/subnets/%s\"},"
            "\"applicationSecurityGroups\":[",
            n->subnet, n->host, sub_names[n->subnet]);
  for (k = 0; k < n->n_asg; k++) {
    if (k)
      sb_printf(b, ",");
    put_asg(b, n->asg[k], 0);
  }
  sb_printf(b, "]%s}", n->arm ? "}" : "");
  if (n->v6) {
    sb_printf(b, ",{\"name\":\"ipconfig6\",%s\"privateIPAddress\":"
              "\"2001:db8:0:%d::%d\",\"subnet\":{\"id\":\"" VNET_ID
              "/subnets/%s\"}%s}",
              n->arm ? "\"properties\":{" : "", n->subnet + 1, n->host,
              sub_names[n->subnet], n->arm ? "}" : "");
  }
  sb_printf(b, "]%s}", n->arm ? "}" : "");
}

static void put_rt(struct sb *b)
{
  sb_printf(b, ",\n{\"id\":\"" RT_ID "\",\"name\":\"rt-diff\",\"type\":"
            "\"Microsoft.Network/routeTables\",\"properties\":{\"routes\":["
            "{\"name\":\"default\",\"properties\":{\"addressPrefix\":"
            "\"0.0.0.0/0\",\"nextHopType\":\"VirtualAppliance\","
            "\"nextHopIpAddress\":\"10.0.2.4\"}},"
            "{\"name\":\"onprem\",\"properties\":{\"addressPrefix\":"
            "\"172.20.0.0/16\",\"nextHopType\":\"VirtualAppliance\","
            "\"nextHopIpAddress\":\"10.0.2.4\"}},"
            "{\"name\":\"v6\",\"properties\":{\"addressPrefix\":"
            "\"fd00:20::/48\",\"nextHopType\":\"None\"}},"
            "{\"name\":\"tag\",\"properties\":{\"addressPrefix\":"
            "\"SynA\",\"nextHopType\":\"Internet\"}}]}}");
}

static void gen_json(const struct g_cfg *g, struct sb *cfg, struct sb *tags)
{
  int i, j;
  sb_printf(cfg, "[");
  put_vnet(cfg, g);
  for (i = 0; i < 3; i++)
    if (g->nsg_present[i])
      put_nsg(cfg, g, i);
  for (i = 0; i < g->n_nic; i++)
    put_nic(cfg, g, i);
  if (g->rt)
    put_rt(cfg);
  sb_printf(cfg, "\n]\n");
  if (!g->have_tags)
    return;
  sb_printf(tags, "{\"changeNumber\":7,\"cloud\":\"Public\",\"values\":[");
  for (i = 0; i < g->n_tag; i++) {
    const struct g_tag *t = &g->tag[i];
    sb_printf(tags, "%s\n{\"name\":\"%s\",\"id\":\"%s\",\"properties\":{"
              "\"changeNumber\":1,\"region\":\"\",\"platform\":\"Azure\","
              "\"systemService\":\"\",\"addressPrefixes\":[",
              i ? "," : "", t->name, t->name);
    for (j = 0; j < t->n; j++)
      sb_printf(tags, "%s\"%s\"", j ? "," : "", t->p[j]);
    sb_printf(tags, "],\"networkFeatures\":[\"API\",\"NSG\"]}}");
  }
  sb_printf(tags, "\n]}\n");
}

/* ======================================================================
 * the engine side
 * ====================================================================== */

struct world {
  struct sb json, tjson;
  struct pf_config *cfg;
  struct pf_tagdb *db;
  struct pf_planner *pl;    /* linear scan (--flow, set questions) */
  struct pf_planner *pli;   /* with the single-flow index (--flows) */
  struct bcfg *bf;
};

static void world_build(struct world *w, const struct g_cfg *g)
{
  struct pf_err err;
  memset(w, 0, sizeof(*w));
  gen_json(g, &w->json, &w->tjson);
  pf_err_clear(&err);
  assert_int_equal(pf_config_create(&w->cfg), PF_OK);
  if (pf_load_buffer(w->cfg, "diff.json", w->json.p, w->json.n, &err) !=
      PF_OK) {
    printf("generated configuration rejected: %s\n%s\n", err.msg,
           w->json.p);
    fail();
  }
  assert_int_equal(pf_config_resolve(w->cfg), PF_OK);
  if (g->have_tags &&
      pf_tagdb_load_buf(&w->db, "tags.json", w->tjson.p, w->tjson.n, &err) !=
          PF_OK) {
    printf("generated tag file rejected: %s\n%s\n", err.msg, w->tjson.p);
    fail();
  }
  assert_int_equal(pf_planner_create(&w->pl, w->cfg, w->db), PF_OK);
  assert_int_equal(pf_planner_create(&w->pli, w->cfg, w->db), PF_OK);
  assert_int_equal(pf_planner_index_flows(w->pli), PF_OK);
  w->bf = malloc(sizeof(*w->bf));
  assert_non_null(w->bf);
  bcfg_read(w->bf, w->json.p, g->have_tags ? w->tjson.p : NULL);
}

static void world_free(struct world *w)
{
  pf_planner_destroy(w->pl);
  pf_planner_destroy(w->pli);
  pf_tagdb_destroy(w->db);
  pf_config_destroy(w->cfg);
  bcfg_free(w->bf);
  free(w->bf);
  sb_free(&w->json);
  sb_free(&w->tjson);
}

static struct pf_flow to_pf(const struct bflow *f, struct pf_addr *src,
                            struct pf_addr *dst)
{
  struct pf_flow pf;
  memset(&pf, 0, sizeof(pf));
  pf.af = f->src.v6 ? PF_AF_V6 : PF_AF_V4;
  pf.proto = 1u << f->proto;
  pf.src = bip_u128(&f->src);
  pf.dst = bip_u128(&f->dst);
  pf.sport = f->sport;
  pf.dport = f->dport;
  src->af = dst->af = pf.af;
  src->v = pf.src;
  dst->v = pf.dst;
  return pf;
}

/* The engine's answer for one flow, as `preflight explain` computes it:
 * with the single-flow index (--flows) when \p indexed, by a linear scan
 * of the rules (--flow) otherwise. */
static void engine_flow_by(struct world *w, int indexed,
                           const struct bflow *f, struct pf_stage *stages,
                           struct pf_flow_result *r)
{
  struct pf_addr src, dst;
  struct pf_flow pf = to_pf(f, &src, &dst);
  const char *why = NULL;
  size_t n = 0;
  assert_int_equal(pf_planner_flow(indexed ? w->pli : w->pl,
                                   f->outbound ? PF_DIR_OUTBOUND
                                               : PF_DIR_INBOUND,
                                   &src, &dst, stages, &n, &why),
                   PF_OK);
  r->v = PF_V_UNKNOWN;
  r->n_steps = 0;
  if (n)
    pf_eval_flow(stages, n, &pf, r);
}

static int engine_indexed;   /* which path report_flow replays */

static void engine_flow(struct world *w, const struct bflow *f,
                        struct pf_stage *stages, struct pf_flow_result *r)
{
  engine_flow_by(w, engine_indexed, f, stages, r);
}

static int same_steps(const struct bres *b, enum pf_verdict v,
                      const struct pf_step *s, size_t n)
{
  size_t i;
  if ((int)v != b->v || n != (size_t)b->n)
    return 0;
  for (i = 0; i < n; i++) {
    const struct bstep *x = &b->s[i];
    const struct pf_stage *sg = s[i].stage;
    if ((int)sg->level != x->nic || (sg->dir == PF_DIR_OUTBOUND) !=
                                        x->outbound ||
        strcmp(sg->owner->name, x->owner) || (int)s[i].v != x->v)
      return 0;
    if ((s[i].rule == NULL) != (x->rule == NULL))
      return 0;
    if (s[i].rule && strcmp(s[i].rule->name, x->rule))
      return 0;
  }
  return 1;
}

static void flow_text(const struct bflow *f, char *buf, size_t cap)
{
  char s[64], d[64];
  bip_fmt(&f->src, s, sizeof(s));
  bip_fmt(&f->dst, d, sizeof(d));
  if (f->src.v6)
    snprintf(buf, cap, "%s %s [%s]:%u -> [%s]:%u",
             f->outbound ? "outbound" : "inbound", proto_name[f->proto], s,
             f->sport, d, f->dport);
  else
    snprintf(buf, cap, "%s %s %s:%u -> %s:%u",
             f->outbound ? "outbound" : "inbound", proto_name[f->proto], s,
             f->sport, d, f->dport);
}

static void print_bres(const char *who, const struct bres *b)
{
  static const char *const vn[] = {"allow", "deny", "unknown"};
  int i;
  printf("  %s: %s\n", who, vn[b->v]);
  for (i = 0; i < b->n; i++)
    printf("    %d. %s %s %s: rule %s -> %s\n", i + 1,
                  b->s[i].nic ? "nic" : "subnet", b->s[i].owner,
                  b->s[i].outbound ? "outbound" : "inbound",
                  b->s[i].rule ? b->s[i].rule : "(none)", vn[b->s[i].v]);
}

static void print_engine(const char *who, enum pf_verdict v,
                         const struct pf_step *s, size_t n)
{
  size_t i;
  printf("  %s: %s\n", who, pf_verdict_name(v));
  for (i = 0; i < n; i++)
    printf("    %zu. %s %s %s: rule %s -> %s%s%s\n", i + 1,
                  pf_level_name(s[i].stage->level), s[i].stage->owner->name,
                  s[i].stage->dir == PF_DIR_OUTBOUND ? "outbound" : "inbound",
                  s[i].rule ? s[i].rule->name : "(none)",
                  pf_verdict_name(s[i].v), s[i].why ? ": " : "",
                  s[i].why ? s[i].why : "");
}

/* ======================================================================
 * mismatches: shrink, print, fail
 * ====================================================================== */

static unsigned long mismatches;
static unsigned long cur_cfg;   /* index of the configuration */

static int keep_going(void)
{
  const char *e = getenv("PF_DIFF_KEEP_GOING");
  return e && *e == '1';
}

/* Does the single flow still disagree on this configuration? */
static int flow_disagrees(const struct g_cfg *g, const struct bflow *f)
{
  struct world w;
  struct pf_stage stages[PF_MAX_STAGES];
  struct pf_flow_result r;
  struct bres b;
  int bad;
  world_build(&w, g);
  engine_flow(&w, f, stages, &r);
  brute(w.bf, f, &b);
  bad = !same_steps(&b, r.v, r.steps, r.n_steps);
  world_free(&w);
  return bad;
}

/* Remove rules (and other parts) one at a time while the flow still
 * disagrees: what is left is a small reproducer. */
static void shrink(struct g_cfg *g, const struct bflow *f)
{
  struct g_cfg *t = malloc(sizeof(*t));
  int changed = 1, i, k;
  assert_non_null(t);
#define TRY(edit)                                                         \
  do {                                                                    \
    *t = *g;                                                              \
    edit;                                                                 \
    if (flow_disagrees(t, f)) {                                           \
      *g = *t;                                                            \
      changed = 1;                                                        \
    }                                                                     \
  } while (0)
  while (changed) {
    changed = 0;
    for (i = 0; i < 3; i++) {
      if (!g->nsg_present[i])
        continue;
      for (k = g->nsg[i].n - 1; k >= 0; k--)
        TRY({
          struct g_nsg *n = &t->nsg[i];
          memmove(&n->r[k], &n->r[k + 1],
                  (size_t)(n->n - k - 1) * sizeof(n->r[0]));
          n->n--;
        });
    }
    if (g->n_peer)
      TRY(t->n_peer = 0);
    if (g->n_nic)
      TRY(t->n_nic--);
    if (g->rt)
      TRY(t->rt = t->sub[0].rt = t->sub[1].rt = 0);
  }
#undef TRY
  free(t);
}

static void report_flow(const struct g_cfg *g0, const struct bflow *f,
                        const char *what)
{
  struct g_cfg *g;
  struct world w;
  struct pf_stage stages[PF_MAX_STAGES];
  struct pf_flow_result r;
  struct bres b;
  char ft[256];

  mismatches++;
  if (mismatches > 3)
    return;   /* the first few are enough */
  g = malloc(sizeof(*g));
  assert_non_null(g);
  *g = *g0;
  if (flow_disagrees(g, f))
    shrink(g, f);
  world_build(&w, g);
  engine_flow(&w, f, stages, &r);
  brute(w.bf, f, &b);
  flow_text(f, ft, sizeof(ft));
  /* printf: print_message cuts long messages */
  printf("\n=== MISMATCH (%s), configuration %lu ===\n", what, cur_cfg);
  printf("--- configuration (config.json) ---\n%s", w.json.p);
  if (g->have_tags)
    printf("--- tag file (tags.json) ---\n%s", w.tjson.p);
  else
    printf("--- no tag file ---\n");
  printf("--- flow ---\n  preflight explain config.json%s --flow '%s'\n",
         g->have_tags ? " --service-tags tags.json" : "", ft);
  print_engine(engine_indexed ? "engine (pf_eval_flow, indexed)"
                              : "engine (pf_eval_flow, linear)",
               r.v, r.steps, r.n_steps);
  print_bres("brute force", &b);
  fflush(stdout);
  world_free(&w);
  free(g);
}

/* ======================================================================
 * flows
 * ====================================================================== */

struct cands {
  struct bip a[2][600];   /* [v6] */
  int n[2];
  struct bip inside[2][64];
  int ni[2];
  unsigned ports[256];
  int np;
};

static void cand_add(struct cands *c, const struct bip *a)
{
  int f = a->v6;
  if (c->n[f] < 600)
    c->a[f][c->n[f]++] = *a;
}

static void cand_inside(struct cands *c, const struct bip *a)
{
  int f = a->v6;
  if (c->ni[f] < 64)
    c->inside[f][c->ni[f]++] = *a;
}

/* first, last, their outside neighbours and a random inside address */
static void cand_prefix(struct cands *c, const struct bpfx *p)
{
  uint64_t mhi, mlo;
  struct bip first = p->a, last = p->a, mid = p->a;
  masks(p, &mhi, &mlo);
  last.hi |= ~mhi;
  last.lo |= ~mlo;
  mid.hi |= rnd() & ~mhi;
  mid.lo |= rnd() & ~mlo;
  if (!p->a.v6) {
    last.hi = mid.hi = 0;
    last.lo &= 0xFFFFFFFFull;
    mid.lo &= 0xFFFFFFFFull;
  }
  cand_add(c, &first);
  cand_add(c, &last);
  cand_add(c, &mid);
  {
    struct bip b = bip_add(&first, -1), a = bip_add(&last, 1);
    cand_add(c, &b);
    cand_add(c, &a);
  }
}

static void cand_text(struct cands *c, const char *text)
{
  struct bpfx p;
  if (!bpfx_parse(text, &p))
    cand_prefix(c, &p);
}

static void cand_port(struct cands *c, unsigned p)
{
  if (c->np < 256 && p <= 65535)
    c->ports[c->np++] = p;
}

static void cand_ports(struct cands *c, const char *s)
{
  const char *dash = strchr(s, '-');
  unsigned lo, hi;
  if (!*s || !strcmp(s, "*"))
    return;
  lo = (unsigned)atoi(s);
  hi = dash ? (unsigned)atoi(dash + 1) : lo;
  cand_port(c, lo);
  cand_port(c, hi);
  if (lo)
    cand_port(c, lo - 1);
  cand_port(c, hi + 1);
}

static void build_cands(const struct g_cfg *g, const struct bcfg *bc,
                        struct cands *c)
{
  int i, j, k;
  size_t e;
  memset(c, 0, sizeof(*c));
  for (i = 0; i < bc->nvn; i++)
    cand_prefix(c, &bc->vn[i]);
  for (i = 0; i < bc->nsn; i++)
    for (j = 0; j < bc->sn[i].np; j++) {
      const struct bpfx *p = &bc->sn[i].p[j];
      struct bip a = p->a;
      cand_prefix(c, p);
      for (k = 0; k < 3; k++) {
        a = bip_add(&p->a, k == 0 ? 4 : k == 1 ? 200 : 5 + (int)rn(250));
        cand_inside(c, &a);
      }
    }
  for (i = 0; i < bc->nnic; i++)
    for (j = 0; j < bc->nic[i].nip; j++) {
      cand_inside(c, &bc->nic[i].ip[j]);
      cand_inside(c, &bc->nic[i].ip[j]);
      cand_add(c, &bc->nic[i].ip[j]);
    }
  for (i = 0; i < g->n_tag; i++)
    for (j = 0; j < g->tag[i].n; j++)
      cand_text(c, g->tag[i].p[j]);
  for (e = 0; e < sizeof(edges) / sizeof(edges[0]); e++) {
    struct bip a;
    assert_int_equal(bip_parse(edges[e], strlen(edges[e]), &a), 0);
    cand_add(c, &a);
  }
  for (i = 0; i < 3; i++) {
    const struct g_nsg *n = &g->nsg[i];
    if (!g->nsg_present[i])
      continue;
    for (j = 0; j < n->n; j++) {
      const struct g_rule *r = &n->r[j];
      cand_text(c, r->src.one);
      cand_text(c, r->dst.one);
      for (k = 0; k < r->src.n_many; k++)
        cand_text(c, r->src.many[k]);
      for (k = 0; k < r->dst.n_many; k++)
        cand_text(c, r->dst.many[k]);
      cand_ports(c, r->sp.one);
      cand_ports(c, r->dp.one);
      for (k = 0; k < r->sp.n_many; k++)
        cand_ports(c, r->sp.many[k]);
      for (k = 0; k < r->dp.n_many; k++)
        cand_ports(c, r->dp.many[k]);
    }
  }
  for (e = 0; e < NPORTS; e++)
    cand_port(c, port_pool[e]);
}

static struct bip pick_addr(const struct cands *c, int v6, int inside)
{
  struct bip a;
  if (inside && c->ni[v6] && chance(88))
    return c->inside[v6][rn((unsigned)c->ni[v6])];
  if (c->n[v6] && chance(90))
    return c->a[v6][rn((unsigned)c->n[v6])];
  memset(&a, 0, sizeof(a));
  a.v6 = v6;
  if (v6) {
    a.hi = rnd();
    a.lo = rnd();
  } else {
    a.lo = rnd() & 0xFFFFFFFFull;
  }
  return a;
}

static unsigned pick_port(const struct cands *c)
{
  if (chance(85))
    return c->ports[rn((unsigned)c->np)];
  return rn(65536);
}

static void gen_flow(const struct g_cfg *g, const struct cands *c,
                     struct bflow *f)
{
  static const int protos[] = {PR_TCP, PR_TCP, PR_TCP, PR_UDP, PR_UDP,
                               PR_ICMP, PR_ESP, PR_AH, PR_OTHER};
  int v6 = g->dual ? chance(25) : chance(4);
  f->outbound = chance(50);
  f->proto = protos[rn(sizeof(protos) / sizeof(protos[0]))];
  f->src = pick_addr(c, v6, f->outbound);
  f->dst = pick_addr(c, v6, !f->outbound || chance(20));
  f->sport = pick_port(c);
  f->dport = pick_port(c);
}

/* ======================================================================
 * (b) set questions: a small box, enumerated
 * ====================================================================== */

struct placement {
  const struct bsubnet *s;
  const struct bnic *n;
};

static struct placement place(const struct bcfg *c, const struct bip *a)
{
  struct placement p;
  p.s = subnet_of(c, a);
  p.n = nic_of(c, a);
  return p;
}

static int same_place(struct placement a, struct placement b)
{
  return a.s == b.s && a.n == b.n;
}

/* Up to 4 addresses near \p a (or from the candidates) that are placed
 * like \p a, so every flow of the box meets the same NSGs. */
static int box_addrs(const struct bcfg *bc, const struct cands *c,
                     const struct bip *a, struct bip *out)
{
  struct placement p = place(bc, a);
  int n = 0, tries;
  out[n++] = *a;
  for (tries = 0; tries < 12 && n < 4; tries++) {
    struct bip x;
    int i, dup = 0;
    if (chance(60))
      x = bip_add(a, (int)rn(5) - 2);
    else
      x = pick_addr(c, a->v6, 0);
    for (i = 0; i < n; i++)
      dup |= bip_eq(&out[i], &x);
    if (!dup && same_place(place(bc, &x), p))
      out[n++] = x;
  }
  return n;
}

static int box_ports(const struct cands *c, unsigned p, unsigned *out)
{
  int n = 0, tries;
  out[n++] = p;
  for (tries = 0; tries < 6 && n < 3; tries++) {
    unsigned x = chance(50) ? p + rn(3) - 1 : pick_port(c);
    int i, dup = 0;
    if (x > 65535)
      continue;
    for (i = 0; i < n; i++)
      dup |= out[i] == x;
    if (!dup)
      out[n++] = x;
  }
  return n;
}

static void print_box(const struct bip *s, int ns, const struct bip *d,
                      int nd, const unsigned *sp, int nsp, const unsigned *dp,
                      int ndp, unsigned protos)
{
  char buf[64];
  int i;
  printf("--- pf_eval_set query box: protocols 0x%x\n  src", protos);
  for (i = 0; i < ns; i++) {
    bip_fmt(&s[i], buf, sizeof(buf));
    printf(" %s", buf);
  }
  printf("\n  dst");
  for (i = 0; i < nd; i++) {
    bip_fmt(&d[i], buf, sizeof(buf));
    printf(" %s", buf);
  }
  printf("\n  sport");
  for (i = 0; i < nsp; i++)
    printf(" %u", sp[i]);
  printf("\n  dport");
  for (i = 0; i < ndp; i++)
    printf(" %u", dp[i]);
  printf("\n");
}

static void set_check(struct world *w, const struct g_cfg *g,
                      const struct cands *c, unsigned long *flows)
{
  struct bflow f0;
  struct bip srcs[4], dsts[4];
  unsigned sps[3], dps[3];
  int ns, nd, nsp, ndp, i, j, k, l, pr;
  unsigned protos;
  struct pf_box box;
  struct pf_boxset q;
  struct pf_partition pt;
  struct pf_stage stages[PF_MAX_STAGES];
  struct pf_addr src, dst;
  const char *why = NULL;
  size_t n = 0, pi;

  gen_flow(g, c, &f0);
  ns = box_addrs(w->bf, c, &f0.src, srcs);
  nd = box_addrs(w->bf, c, &f0.dst, dsts);
  nsp = box_ports(c, f0.sport, sps);
  ndp = box_ports(c, f0.dport, dps);
  protos = 1u << f0.proto;
  if (chance(50))
    protos |= 1u << rn(PR_N);
  if (chance(20))
    protos = PF_PB_ALL;

  to_pf(&f0, &src, &dst);
  assert_int_equal(pf_planner_flow(w->pl, f0.outbound ? PF_DIR_OUTBOUND
                                                      : PF_DIR_INBOUND,
                                   &src, &dst, stages, &n, &why),
                   PF_OK);
  if (!n)
    return;   /* no NSG to meet: covered by the single-flow check */

  pf_box_init(&box, src.af);
  box.proto = protos;
  for (i = 0; i < ns; i++)
    assert_int_equal(pf_rangeset_add(&box.src, bip_u128(&srcs[i]),
                                     bip_u128(&srcs[i])), PF_OK);
  for (i = 0; i < nd; i++)
    assert_int_equal(pf_rangeset_add(&box.dst, bip_u128(&dsts[i]),
                                     bip_u128(&dsts[i])), PF_OK);
  for (i = 0; i < nsp; i++)
    assert_int_equal(pf_rangeset_add(&box.sport, sps[i], sps[i]), PF_OK);
  for (i = 0; i < ndp; i++)
    assert_int_equal(pf_rangeset_add(&box.dport, dps[i], dps[i]), PF_OK);
  pf_boxset_init(&q);
  {
    struct pf_box copy;
    pf_box_init(&copy, box.af);
    assert_int_equal(pf_box_copy(&copy, &box), PF_OK);
    assert_int_equal(pf_boxset_push(&q, &copy), PF_OK);
    pf_box_release(&copy);
  }
  pf_partition_init(&pt);
  assert_int_equal(pf_eval_set(stages, n, &q, &pt), PF_OK);

  /* every part lies inside the question */
  for (pi = 0; pi < pt.n; pi++) {
    const struct pf_box *b = &pt.p[pi].box;
    if (pf_box_empty(b))
      continue;
    if (b->af != box.af || (b->proto & ~box.proto) ||
        !pf_rangeset_contains_set(&box.src, &b->src) ||
        !pf_rangeset_contains_set(&box.dst, &b->dst) ||
        !pf_rangeset_contains_set(&box.sport, &b->sport) ||
        !pf_rangeset_contains_set(&box.dport, &b->dport)) {
      struct bflow f = f0;
      print_box(srcs, ns, dsts, nd, sps, nsp, dps, ndp, protos);
      report_flow(g, &f, "a part of pf_eval_set lies outside the query");
    }
  }
  /* every flow of the question lies in exactly one part, which answers
   * like the brute force */
  for (pr = 0; pr < PR_N; pr++) {
    if (!(protos & (1u << pr)))
      continue;
    for (i = 0; i < ns; i++)
      for (j = 0; j < nd; j++)
        for (k = 0; k < nsp; k++)
          for (l = 0; l < ndp; l++) {
            struct bflow f = f0;
            struct pf_flow pf;
            struct bres b;
            const struct pf_part *hit = NULL;
            int hits = 0;
            f.proto = pr;
            f.src = srcs[i];
            f.dst = dsts[j];
            f.sport = sps[k];
            f.dport = dps[l];
            pf = to_pf(&f, &src, &dst);
            for (pi = 0; pi < pt.n; pi++) {
              const struct pf_box *pb = &pt.p[pi].box;
              if (pb->af == pf.af && (pb->proto & pf.proto) &&
                  pf_rangeset_contains(&pb->src, pf.src) &&
                  pf_rangeset_contains(&pb->dst, pf.dst) &&
                  pf_rangeset_contains(&pb->sport, pf.sport) &&
                  pf_rangeset_contains(&pb->dport, pf.dport)) {
                hits++;
                hit = &pt.p[pi];
              }
            }
            brute(w->bf, &f, &b);
            (*flows)++;
            if (hits != 1) {
              char ft[256];
              flow_text(&f, ft, sizeof(ft));
              printf("\npf_eval_set: flow %s lies in %d parts\n", ft, hits);
              print_box(srcs, ns, dsts, nd, sps, nsp, dps, ndp, protos);
              report_flow(g, &f, "set partition: not exactly one part");
            } else if (!same_steps(&b, hit->v, hit->steps, hit->n_steps)) {
              print_box(srcs, ns, dsts, nd, sps, nsp, dps, ndp, protos);
              print_engine("pf_eval_set part", hit->v, hit->steps,
                           hit->n_steps);
              report_flow(g, &f, "set partition: part answers differently");
            }
          }
  }
  pf_partition_release(&pt);
  pf_boxset_release(&q);
  pf_box_release(&box);
}

/* ======================================================================
 * the test
 * ====================================================================== */

static unsigned long env_num(const char *name, unsigned long dflt)
{
  const char *e = getenv(name);
  return e && *e ? strtoul(e, NULL, 0) : dflt;
}

static void test_differential(void **state)
{
  unsigned long seed = env_num("PF_DIFF_SEED", 20251123ul);
  unsigned long n_cfg = env_num("PF_DIFF_CONFIGS", 800);
  unsigned long per_cfg = 260, sets_per_cfg = 3;
  unsigned long flows = 0, set_flows = 0, cfgs;
  unsigned long verdicts[3] = {0, 0, 0}, why_unknown[3] = {0, 0, 0};
  struct timespec t0, t1;
  (void)state;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  internet_init();
  default_rules = cJSON_Parse(default_json);
  assert_non_null(default_rules);
  rng_state = seed;
  for (cfgs = 0; cfgs < n_cfg && (!mismatches || keep_going()); cfgs++) {
    struct g_cfg *g = malloc(sizeof(*g));
    struct world w;
    struct cands *c = malloc(sizeof(*c));
    unsigned long i;
    assert_non_null(g);
    assert_non_null(c);
    cur_cfg = cfgs;
    gen_cfg(g);
    world_build(&w, g);
    if (cfgs == env_num("PF_DIFF_DUMP", ~0ul))
      printf("--- configuration %lu ---\n%s--- tags ---\n%s", cfgs, w.json.p,
             w.tjson.p ? w.tjson.p : "(none)\n");
    build_cands(g, w.bf, c);
    for (i = 0; i < per_cfg; i++) {
      struct bflow f;
      struct pf_stage stages[PF_MAX_STAGES];
      struct pf_flow_result r;
      struct bres b;
      gen_flow(g, c, &f);
      brute(w.bf, &f, &b);
      flows++;
      verdicts[b.v]++;
      if (b.v == BV_UNKNOWN)
        why_unknown[!b.n ? 0 : !b.s[b.n - 1].rule ? 1 : 2]++;
      for (engine_indexed = 0; engine_indexed < 2; engine_indexed++) {
        engine_flow(&w, &f, stages, &r);
        if (!same_steps(&b, r.v, r.steps, r.n_steps))
          report_flow(g, &f, engine_indexed
                                 ? "pf_eval_flow with the flow index"
                                 : "pf_eval_flow, linear scan");
      }
      engine_indexed = 0;
    }
    for (i = 0; i < sets_per_cfg; i++)
      set_check(&w, g, c, &set_flows);
    world_free(&w);
    free(c);
    free(g);
  }
  cJSON_Delete(default_rules);
  default_rules = NULL;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  print_message("seed %lu: %lu configurations, %lu single flows (allow %lu, "
                "deny %lu, unknown %lu: %lu outside the subnets, %lu NSG "
                "not supplied, %lu by a rule), %lu flows of set questions, "
                "%.1f s\n",
                seed, cfgs, flows, verdicts[0], verdicts[1], verdicts[2],
                why_unknown[0], why_unknown[1], why_unknown[2], set_flows,
                (double)(t1.tv_sec - t0.tv_sec) +
                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  assert_int_equal(mismatches, 0);
  if (n_cfg >= 400)
    assert_true(flows >= 100000);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_differential),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
