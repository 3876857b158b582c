/* SPDX-License-Identifier: MIT */
/* bench_explain.c - `explain --flows` throughput and set-question latency
 *
 * Usage: bench_explain [TAGFILE] [FLOWS] [-w DIR]
 *
 * The brief's targets (issue: exact NSG evaluation engine):
 *  - `--flows` with the full trace on an NSG pair of 500 rules each (a
 *    subnet NSG and a NIC NSG) whose rules use service tags of the full
 *    public tag file: at least 1,000,000 flows/s on one core, reported
 *    together with the ratio to simply reading and parsing the same JSON
 *    lines;
 *  - the set question "every BatchNodeManagement prefix (the global tag)
 *    to the NIC" through those 1,000 rules: at most 5 ms.
 *
 * The configuration (vnet, subnet, NIC, two NSGs) is generated as JSON
 * and loaded with pf_load_buffer; FLOWS JSON lines (default 1,000,000) are
 * generated in memory, half of them aimed at addresses the rules name.
 * Timed separately: (a) parsing the lines alone, with the logic of
 * read_flow_line in src/cli/cmd_explain.c; (b) planner + pf_eval_flow per
 * pre-parsed flow (the trace is the steps pf_eval_flow fills); (c) both,
 * as `explain --flows` runs them (output formatting excluded).  Compiling
 * the NSGs (resolving tags) and building the single-flow index
 * (pf_planner_index_flows, as --flows does) happen once, before (b), and
 * are reported on their own; (b') is (b) without the index, the linear
 * scan --flow uses.  -w DIR writes config.json and flows.jsonl so the
 * command itself can be timed on the same data:
 *   preflight explain DIR/config.json --service-tags TAGFILE \
 *       --flows DIR/flows.jsonl --format jsonl > /dev/null
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/pf_jsonr.h"
#include "core/pf_mem.h"
#include "core/pf_strbuf.h"
#include "eval/pf_path.h"
#include "load/pf_load.h"
#include "model/pf_tags.h"

#define DEFAULT_TAGS                                                  \
  PF_SOURCE_DIR "/../shared/fixtures/servicetags/"                    \
                "ServiceTags_Public_20251028.json"
#define NET "/subscriptions/00000000-0000-0000-0000-0000000000be/" \
            "resourceGroups/rg-bench/providers/Microsoft.Network"
#define RULES_PER_NSG 500

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t rng = 0x5eed2025u;

static uint64_t rnd(void)
{
  uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static unsigned rn(unsigned n)
{
  return (unsigned)(rnd() % n);
}

static void die(const char *what)
{
  fprintf(stderr, "bench_explain: %s\n", what);
  exit(1);
}

static void add(struct pf_strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add(struct pf_strbuf *sb, const char *fmt, ...)
{
  va_list ap;
  pf_status st;
  va_start(ap, fmt);
  st = pf_strbuf_vaddf(sb, fmt, ap);
  va_end(ap);
  if (st != PF_OK)
    die("out of memory");
}

/* ---- the configuration ------------------------------------------------- */

/* Tags a rule may name: in the file, usable in NSGs, with IPv4 prefixes. */
static const struct pf_tag **nsg_tags(const struct pf_tagdb *db, size_t *n)
{
  size_t i, k = 0, total = pf_tagdb_count(db);
  const struct pf_tag **out = calloc(total, sizeof(*out));
  if (!out)
    die("out of memory");
  for (i = 0; i < total; i++) {
    const struct pf_tag *t = pf_tagdb_at(db, i);
    if (t->n_v4 && ((t->features & PF_TAGF_NSG) ||
                    (t->features & PF_TAGF_NULL)))
      out[k++] = t;
  }
  *n = k;
  return out;
}

static const unsigned common_ports[] = {22,   53,   80,   123,  443,  445,
                                        1433, 3389, 5671, 5672, 8080, 8443,
                                        29876, 29877, 44224};
#define N_COMMON (sizeof(common_ports) / sizeof(common_ports[0]))

static void port_field(struct pf_strbuf *sb, const char *side)
{
  unsigned k = rn(100), a = common_ports[rn(N_COMMON)];
  if (k < 10) {
    add(sb, ",\"%sPortRange\":\"*\"", side);
  } else if (k < 65) {
    add(sb, ",\"%sPortRange\":\"%u\"", side, a);
  } else if (k < 80) {
    add(sb, ",\"%sPortRange\":\"%u-%u\"", side, a, a + 1 + rn(500));
  } else {
    add(sb, ",\"%sPortRanges\":[\"%u\",\"%u\",\"%u-%u\"]", side, a,
        common_ports[rn(N_COMMON)], 1024 + rn(1000), 3000 + rn(1000));
  }
}

static void random_cidr(char *buf, size_t cap)
{
  unsigned len = 8 + rn(25);
  uint32_t a = (uint32_t)rnd() & (len ? 0xFFFFFFFFu << (32 - len) : 0);
  snprintf(buf, cap, "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255,
           (a >> 8) & 255, a & 255, len);
}

/* The "remote" side of a rule: mostly a service tag. */
static void remote_side(struct pf_strbuf *sb, const char *side,
                        const struct pf_tag **tags, size_t n_tags)
{
  unsigned k = rn(100);
  if (k < 78) {
    add(sb, ",\"%sAddressPrefix\":\"%s\"", side,
        tags[rn((unsigned)n_tags)]->name);
  } else if (k < 95) {
    char a[32], b[32];
    random_cidr(a, sizeof(a));
    random_cidr(b, sizeof(b));
    add(sb, ",\"%sAddressPrefixes\":[\"%s\",\"%s\"]", side, a, b);
  } else if (k < 97) {
    add(sb, ",\"%sAddressPrefix\":\"Internet\"", side);
  } else if (k < 99) {
    add(sb, ",\"%sAddressPrefix\":\"VirtualNetwork\"", side);
  } else {
    add(sb, ",\"%sAddressPrefix\":\"*\"", side);
  }
}

static void inside_side(struct pf_strbuf *sb, const char *side)
{
  unsigned k = rn(100);
  if (k < 50)
    add(sb, ",\"%sAddressPrefix\":\"*\"", side);
  else if (k < 80)
    add(sb, ",\"%sAddressPrefix\":\"VirtualNetwork\"", side);
  else
    add(sb, ",\"%sAddressPrefix\":\"10.0.1.%u/%u\"", side, 0u, 24 + rn(2));
}

static void nsg_json(struct pf_strbuf *sb, const char *name,
                     const struct pf_tag **tags, size_t n_tags)
{
  unsigned i, prio[2] = {100, 100};
  add(sb, ",\n{\"id\":\"" NET "/networkSecurityGroups/%s\",\"name\":\"%s\","
      "\"type\":\"Microsoft.Network/networkSecurityGroups\","
      "\"securityRules\":[",
      name, name);
  for (i = 0; i < RULES_PER_NSG; i++) {
    int out = rn(100) < 40;
    unsigned k = rn(100);
    const char *proto = k < 60 ? "Tcp" : k < 80 ? "Udp" : "*";
    add(sb, "%s\n{\"name\":\"r%u\",\"priority\":%u,\"direction\":\"%s\","
        "\"access\":\"%s\",\"protocol\":\"%s\"",
        i ? "," : "", i, prio[out], out ? "Outbound" : "Inbound",
        rn(100) < 70 ? "Allow" : "Deny", proto);
    prio[out] += 7;
    if (out) {
      inside_side(sb, "source");
      remote_side(sb, "destination", tags, n_tags);
    } else {
      remote_side(sb, "source", tags, n_tags);
      inside_side(sb, "destination");
    }
    if (rn(100) < 85)
      add(sb, ",\"sourcePortRange\":\"*\"");
    else
      port_field(sb, "source");
    port_field(sb, "destination");
    add(sb, "}");
  }
  add(sb, "]}");
}

static void config_json(struct pf_strbuf *sb, const struct pf_tag **tags,
                        size_t n_tags)
{
  add(sb, "[{\"id\":\"" NET "/virtualNetworks/vnet-bench\",\"name\":"
      "\"vnet-bench\",\"type\":\"Microsoft.Network/virtualNetworks\","
      "\"addressSpace\":{\"addressPrefixes\":[\"10.0.0.0/16\"]},"
      "\"subnets\":[{\"name\":\"snet-train\",\"addressPrefix\":"
      "\"10.0.1.0/24\",\"networkSecurityGroup\":{\"id\":\"" NET
      "/networkSecurityGroups/nsg-subnet\"}}]}");
  nsg_json(sb, "nsg-subnet", tags, n_tags);
  nsg_json(sb, "nsg-nic", tags, n_tags);
  add(sb, ",\n{\"id\":\"" NET "/networkInterfaces/nic-train\",\"name\":"
      "\"nic-train\",\"type\":\"Microsoft.Network/networkInterfaces\","
      "\"networkSecurityGroup\":{\"id\":\"" NET
      "/networkSecurityGroups/nsg-nic\"},\"ipConfigurations\":[{\"name\":"
      "\"ipconfig1\",\"privateIPAddress\":\"10.0.1.4\",\"subnet\":{\"id\":"
      "\"" NET "/virtualNetworks/vnet-bench/subnets/snet-train\"}}]}]\n");
}

/* ---- flows ------------------------------------------------------------- */

/* An IPv4 address inside \p t, or a random public one. */
static uint32_t remote_addr(const struct pf_tag **tags, size_t n_tags)
{
  if (rn(100) < 60) {
    const struct pf_tag *t = tags[rn((unsigned)n_tags)];
    const struct pf_rangeset *s = &t->set.fam[PF_AF_V4];
    const struct pf_range *r = &s->r[rn((unsigned)s->n)];
    uint64_t span = (uint64_t)(r->hi - r->lo) + 1;
    return (uint32_t)(r->lo + (pf_u128)(rnd() % span));
  }
  return (uint32_t)rnd() | 0x01000000u;
}

static void flow_lines(struct pf_strbuf *sb, size_t n,
                       const struct pf_tag **tags, size_t n_tags)
{
  static const char *const protos[] = {"tcp", "tcp", "tcp", "udp", "icmp"};
  size_t i;
  for (i = 0; i < n; i++) {
    int out = rn(2);
    uint32_t r = remote_addr(tags, n_tags);
    char remote[20], inside[20];
    snprintf(remote, sizeof(remote), "%u.%u.%u.%u", r >> 24,
             (r >> 16) & 255, (r >> 8) & 255, r & 255);
    snprintf(inside, sizeof(inside), "10.0.1.%u", rn(3) ? 4 : 5 + rn(200));
    add(sb, "{\"direction\":\"%s\",\"protocol\":\"%s\",\"src\":\"%s\","
        "\"src_port\":%u,\"dst\":\"%s\",\"dst_port\":%u}\n",
        out ? "outbound" : "inbound", protos[rn(5)], out ? inside : remote,
        out ? 1024 + rn(60000) : rn(10) ? 1024 + rn(60000)
                                        : common_ports[rn(N_COMMON)],
        out ? remote : inside,
        rn(4) ? common_ports[rn(N_COMMON)] : rn(65536));
  }
}

/* ---- read_flow_line of src/cli/cmd_explain.c, copied ----------------- */

static int parse_dir(const char *s, enum pf_dir *d)
{
  if (!strcasecmp(s, "inbound") || !strcasecmp(s, "in")) {
    *d = PF_DIR_INBOUND;
    return 0;
  }
  if (!strcasecmp(s, "outbound") || !strcasecmp(s, "out")) {
    *d = PF_DIR_OUTBOUND;
    return 0;
  }
  return -1;
}

static int read_flow_line(const char *line, size_t len, enum pf_dir *dir,
                          struct pf_flow *f)
{
  struct pf_jsonr r;
  enum pf_jtok t;
  int have = 0, rc = -1;
  struct pf_addr src, dst;
  char key[32];
  pf_jsonr_init(&r, line, len, 4);
  memset(f, 0, sizeof(*f));
  memset(&src, 0, sizeof(src));
  memset(&dst, 0, sizeof(dst));
  if (pf_jsonr_next(&r) != PF_JT_OBJ_BEGIN)
    goto done;
  while ((t = pf_jsonr_next(&r)) == PF_JT_KEY) {
    size_t kl = r.len < sizeof(key) - 1 ? r.len : sizeof(key) - 1;
    memcpy(key, r.str, kl);
    key[kl] = '\0';
    t = pf_jsonr_next(&r);
    if (t == PF_JT_ERROR)
      break;
    if (!strcmp(key, "src_port") || !strcmp(key, "dst_port")) {
      int64_t v;
      if (t != PF_JT_NUMBER || pf_jsonr_int(&r, 0, 65535, &v) != PF_OK)
        goto done;
      if (key[0] == 's')
        f->sport = (unsigned)v;
      else
        f->dport = (unsigned)v;
      have |= key[0] == 's' ? 8 : 32;
      continue;
    }
    if (!strcmp(key, "direction") || !strcmp(key, "protocol") ||
        !strcmp(key, "src") || !strcmp(key, "dst")) {
      char val[128];
      struct pf_err e;
      size_t vl;
      if (t != PF_JT_STRING)
        goto done;
      vl = r.len < sizeof(val) - 1 ? r.len : sizeof(val) - 1;
      memcpy(val, r.str, vl);
      val[vl] = '\0';
      pf_err_clear(&e);
      if (key[0] == 'd' && key[1] == 'i') {
        if (parse_dir(val, dir))
          goto done;
        have |= 1;
      } else if (key[0] == 'p') {
        f->proto = pf_proto_parse(val);
        if (!f->proto || f->proto == PF_PB_ALL)
          goto done;
        have |= 2;
      } else if (pf_addr_parse(val, vl, key[0] == 's' ? &src : &dst, &e) !=
                 PF_OK) {
        goto done;
      } else {
        have |= key[0] == 's' ? 4 : 16;
      }
      continue;
    }
    if (pf_jsonr_skip(&r, t) != PF_OK)
      break;
  }
  if (t == PF_JT_ERROR || pf_jsonr_error(&r)->code != PF_OK)
    goto done;
  if ((have & 0x37) != 0x37 || src.af != dst.af)
    goto done;
  f->af = src.af;
  f->src = src.v;
  f->dst = dst.v;
  rc = 0;
done:
  pf_jsonr_release(&r);
  return rc;
}

/* ---- the measurements -------------------------------------------------- */

struct parsed {
  enum pf_dir dir;
  struct pf_flow f;
};

/* Planner + pf_eval_flow, as explain_one does; \return a checksum. */
static uint64_t eval_one(struct pf_planner *pl, const struct parsed *p,
                         uint64_t *verdicts)
{
  struct pf_stage stages[PF_MAX_STAGES];
  struct pf_flow_result r;
  struct pf_addr src, dst;
  const char *why = NULL;
  size_t n = 0, i;
  uint64_t sum = 0;
  src.af = dst.af = p->f.af;
  src.v = p->f.src;
  dst.v = p->f.dst;
  if (pf_planner_flow(pl, p->dir, &src, &dst, stages, &n, &why) != PF_OK)
    die("out of memory");
  if (!n) {
    verdicts[PF_V_UNKNOWN]++;
    return 1;
  }
  pf_eval_flow(stages, n, &p->f, &r);
  verdicts[r.v]++;
  for (i = 0; i < r.n_steps; i++)
    sum += r.steps[i].rule ? (uint64_t)r.steps[i].rule->priority : 7;
  return sum;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Inbound TCP from every prefix of \p tag to \p dst through \p stages. */
static void set_question(const char *label, const struct pf_stage *stages,
                         size_t n_stages, const struct pf_tag *tag,
                         pf_u128 dst_lo, pf_u128 dst_hi, unsigned proto,
                         unsigned plo, unsigned phi)
{
  double t[41];
  size_t parts = 0, allow = 0, deny = 0, unknown = 0;
  int k;
  for (k = 0; k < 41; k++) {
    struct pf_box b;
    struct pf_boxset q;
    struct pf_partition pt;
    double t0;
    size_t i;
    pf_boxset_init(&q);
    pf_box_init(&b, PF_AF_V4);
    b.proto = proto;
    if (pf_rangeset_copy(&b.src, &tag->set.fam[PF_AF_V4]) != PF_OK ||
        pf_rangeset_add(&b.dst, dst_lo, dst_hi) != PF_OK ||
        pf_rangeset_add(&b.sport, 0, 65535) != PF_OK ||
        pf_rangeset_add(&b.dport, plo, phi) != PF_OK ||
        pf_boxset_push(&q, &b) != PF_OK)
      die("out of memory");
    pf_partition_init(&pt);
    t0 = now_ms();
    if (pf_eval_set(stages, n_stages, &q, &pt) != PF_OK)
      die("out of memory");
    t[k] = now_ms() - t0;
    if (k == 0) {
      parts = pt.n;
      for (i = 0; i < pt.n; i++)
        pt.p[i].v == PF_V_ALLOW  ? allow++
        : pt.p[i].v == PF_V_DENY ? deny++
                                 : unknown++;
    }
    pf_partition_release(&pt);
    pf_boxset_release(&q);
    pf_box_release(&b);
  }
  /* the first run is a warm-up */
  qsort(t + 1, 40, sizeof(t[0]), cmp_double);
  printf("  %-52s median %.3f ms, min %.3f, max %.3f (%zu parts: %zu "
         "allow, %zu deny, %zu unknown) %s\n",
         label, t[20], t[1], t[40], parts, allow, deny, unknown,
         t[20] <= 5.0 ? "" : "ABOVE 5 ms");
}

int main(int argc, char **argv)
{
  const char *tags_path = DEFAULT_TAGS, *wdir = NULL;
  size_t n_flows = 1000000, n_tags, i, bad = 0, pos;
  struct pf_tagdb *db = NULL;
  struct pf_config *cfg = NULL;
  struct pf_planner *pl = NULL;
  struct pf_strbuf cj, fl;
  struct pf_err err;
  const struct pf_tag **tags;
  struct parsed *flows;
  double t0, t1, c0, c1, parse_ms, eval_ms, both_ms, compile_ms, index_ms;
  double lin_rate;
  uint64_t sum = 0, verdicts[3] = {0, 0, 0};
  int a, npos = 0;

  for (a = 1; a < argc; a++) {
    if (!strcmp(argv[a], "-w") && a + 1 < argc)
      wdir = argv[++a];
    else if (npos == 0 && (npos = 1))
      tags_path = argv[a];
    else
      n_flows = strtoul(argv[a], NULL, 10);
  }
  pf_err_clear(&err);
  t0 = now_ms();
  if (pf_tagdb_load_file(&db, tags_path, &err) != PF_OK) {
    fprintf(stderr, "bench_explain: %s\n", err.msg);
    return 1;
  }
  printf("tag file: %s (%zu tags), loaded in %.0f ms\n", tags_path,
         pf_tagdb_count(db), now_ms() - t0);
  tags = nsg_tags(db, &n_tags);

  /* configuration */
  pf_strbuf_init(&cj, (size_t)1 << 30);
  config_json(&cj, tags, n_tags);
  if (pf_config_create(&cfg) != PF_OK ||
      pf_load_buffer(cfg, "bench-config.json", pf_strbuf_str(&cj),
                     cj.len, &err) != PF_OK ||
      pf_config_resolve(cfg) != PF_OK) {
    fprintf(stderr, "bench_explain: %s\n", err.msg);
    return 1;
  }
  if (pf_planner_create(&pl, cfg, db) != PF_OK)
    die("out of memory");

  /* flows */
  pf_strbuf_init(&fl, (size_t)4 << 30);
  flow_lines(&fl, n_flows, tags, n_tags);
  printf("configuration: subnet NSG + NIC NSG, %d rules each, %zu "
         "candidate tags; %zu flow lines (%.1f MB)\n",
         RULES_PER_NSG, n_tags, n_flows, (double)fl.len / 1e6);
  if (wdir) {
    char path[4096];
    FILE *f;
    snprintf(path, sizeof(path), "%s/config.json", wdir);
    if (!(f = fopen(path, "w")) ||
        fwrite(pf_strbuf_str(&cj), 1, cj.len, f) !=
            cj.len ||
        fclose(f))
      die("cannot write config.json");
    snprintf(path, sizeof(path), "%s/flows.jsonl", wdir);
    if (!(f = fopen(path, "w")) ||
        fwrite(pf_strbuf_str(&fl), 1, fl.len, f) !=
            fl.len ||
        fclose(f))
      die("cannot write flows.jsonl");
    printf("wrote %s/config.json and %s/flows.jsonl\n", wdir, wdir);
  }
  flows = calloc(n_flows, sizeof(*flows));
  if (!flows)
    die("out of memory");

  /* compile both NSGs once (tags resolved, indexes built) */
  {
    struct pf_addr s, d;
    struct pf_stage st[PF_MAX_STAGES];
    const char *why;
    size_t n;
    s.af = d.af = PF_AF_V4;
    s.v = 0x01020304u;
    d.v = 0x0A000104u;   /* 10.0.1.4: subnet and NIC */
    t0 = now_ms();
    if (pf_planner_flow(pl, PF_DIR_INBOUND, &s, &d, st, &n, &why) != PF_OK ||
        n != 2 || !st[0].nsgc || !st[1].nsgc)
      die("planner did not find the subnet NSG and the NIC NSG");
    compile_ms = now_ms() - t0;
    /* explain --flows builds the single-flow index */
    t0 = now_ms();
    if (pf_planner_index_flows(pl) != PF_OK)
      die("out of memory");
    index_ms = now_ms() - t0;
  }

  /* (a) parse the lines */
  t0 = now_ms();
  c0 = cpu_ms();
  for (pos = 0, i = 0; pos < fl.len; i++) {
    const char *line = pf_strbuf_str(&fl) + pos;
    const char *nl = memchr(line, '\n', fl.len - pos);
    size_t ll = (size_t)(nl - line);
    pos += ll + 1;
    if (read_flow_line(line, ll, &flows[i].dir, &flows[i].f))
      bad++;
  }
  c1 = cpu_ms();
  t1 = now_ms();
  parse_ms = c1 - c0;
  if (bad)
    die("a generated line did not parse");

  /* (b) planner + pf_eval_flow */
  c0 = cpu_ms();
  for (i = 0; i < n_flows; i++)
    sum += eval_one(pl, &flows[i], verdicts);
  c1 = cpu_ms();
  eval_ms = c1 - c0;

  /* (c) both, line by line */
  c0 = cpu_ms();
  for (pos = 0; pos < fl.len;) {
    const char *line = pf_strbuf_str(&fl) + pos;
    const char *nl = memchr(line, '\n', fl.len - pos);
    size_t ll = (size_t)(nl - line);
    struct parsed p;
    uint64_t v[3];
    pos += ll + 1;
    if (read_flow_line(line, ll, &p.dir, &p.f))
      die("parse");
    sum += eval_one(pl, &p, v);
  }
  c1 = cpu_ms();
  both_ms = c1 - c0;
  (void)t0;
  (void)t1;

  /* (b') the same without the index (a linear scan, as --flow does), on
   * the first tenth of the flows */
  {
    struct pf_planner *lin = NULL;
    uint64_t v[3] = {0, 0, 0};
    size_t n_lin = n_flows / 10 ? n_flows / 10 : n_flows;
    if (pf_planner_create(&lin, cfg, db) != PF_OK)
      die("out of memory");
    sum += eval_one(lin, &flows[0], v);   /* compile outside the timing */
    c0 = cpu_ms();
    for (i = 0; i < n_lin; i++)
      sum += eval_one(lin, &flows[i], v);
    c1 = cpu_ms();
    lin_rate = (double)n_lin / (c1 - c0) / 1e3;
    pf_planner_destroy(lin);
  }

  printf("\nflows (CPU time of this process, one thread):\n");
  printf("  NSG compilation (2 x %d rules, tags resolved): %.1f ms, "
         "single-flow index: %.1f ms\n",
         RULES_PER_NSG, compile_ms, index_ms);
  printf("  (a) parse JSON lines only:       %8.1f ms  %6.2f M flows/s\n",
         parse_ms, (double)n_flows / parse_ms / 1e3);
  printf("  (b) planner + pf_eval_flow:      %8.1f ms  %6.2f M flows/s  "
         "%s\n",
         eval_ms, (double)n_flows / eval_ms / 1e3,
         (double)n_flows / eval_ms / 1e3 >= 1.0 ? "(target met)"
                                                : "(BELOW 1 M/s)");
  printf("  (c) parse + planner + eval:      %8.1f ms  %6.2f M flows/s  "
         "%s\n",
         both_ms, (double)n_flows / both_ms / 1e3,
         (double)n_flows / both_ms / 1e3 >= 1.0 ? "(target met)"
                                                : "(BELOW 1 M/s)");
  printf("  (b') planner + pf_eval_flow without the index (linear scan): "
         "%.2f M flows/s\n",
         lin_rate);
  printf("  ratio (b)/(a) = %.2f, (c)/(a) = %.2f\n", eval_ms / parse_ms,
         both_ms / parse_ms);
  printf("  verdicts: %llu allow, %llu deny, %llu unknown (checksum %llu)\n",
         (unsigned long long)verdicts[0], (unsigned long long)verdicts[1],
         (unsigned long long)verdicts[2], (unsigned long long)sum);

  /* the set question */
  {
    const struct pf_tag *batch = NULL;
    struct pf_stage st[2];
    const struct pf_subnet *sn =
        (const struct pf_subnet *)cfg->res[PF_K_SUBNET][0];
    const struct pf_nic *nic = (const struct pf_nic *)cfg->res[PF_K_NIC][0];
    const struct pf_vnet *v = pf_planner_vnet_of(pl, sn);
    if (pf_tagdb_find(db, "BatchNodeManagement", 19, &batch) != PF_TAG_FILE)
      die("no BatchNodeManagement tag");
    if (pf_planner_stage(pl, &sn->hdr, v, PF_DIR_INBOUND, &st[0]) != PF_OK ||
        pf_planner_stage(pl, &nic->hdr, v, PF_DIR_INBOUND, &st[1]) != PF_OK)
      die("out of memory");
    printf("\nset question: BatchNodeManagement (%zu IPv4 ranges) -> "
           "snet-train, through subnet NSG then NIC NSG:\n",
           batch->set.fam[PF_AF_V4].n);
    set_question("to 10.0.1.4 (1,000 rules), tcp 29876-29877:", st, 2,
                 batch, 0x0A000104u, 0x0A000104u, PF_PB_TCP, 29876, 29877);
    set_question("to 10.0.1.4 (1,000 rules), tcp, all ports:", st, 2, batch,
                 0x0A000104u, 0x0A000104u, PF_PB_TCP, 0, 65535);
    set_question("to 10.0.1.4 (1,000 rules), any protocol, all ports:", st,
                 2, batch, 0x0A000104u, 0x0A000104u, PF_PB_ALL, 0, 65535);
    set_question("to 10.0.1.0/24 (subnet NSG, 500 rules), tcp 29876-29877:",
                 st, 1, batch, 0x0A000100u, 0x0A0001FFu, PF_PB_TCP, 29876,
                 29877);
  }

  free(flows);
  free(tags);
  pf_strbuf_release(&cj);
  pf_strbuf_release(&fl);
  pf_planner_destroy(pl);
  pf_config_destroy(cfg);
  pf_tagdb_destroy(db);
  return 0;
}
