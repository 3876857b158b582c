/* SPDX-License-Identifier: MIT */
/* test_probe.c - the probe plan (parsing, strictness, derivation from the
 * bundled example, write/read round trip), the DNS answer reader and its
 * classification on hand-built messages (RFC 1035 4.1), and the TCP
 * errno classification; plus two live checks on loopback (a listening
 * port is open, a closed one refused) that assert outcomes, never timings
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "../../probes/pf_dns_probe.h"
#include "../../probes/pf_probe_plan.h"
#include "../../probes/pf_tcp_probe.h"
#include "core/pf_jw.h"
#include "core/pf_mem.h"
#include "load/pf_load.h"
#include "model/pf_model.h"

#define EXAMPLE PF_SOURCE_DIR "/examples/contoso-westeurope"

static pf_status parse(struct pf_probe_plan *p, const char *json,
                       struct pf_err *err)
{
  pf_probe_plan_init(p);
  pf_err_clear(err);
  return pf_probe_plan_parse(p, "plan.json", json, strlen(json), err);
}

static void test_plan_parse_ok(void **state)
{
  struct pf_probe_plan p;
  struct pf_err err;
  char ip[PF_ADDR_STRLEN];
  (void)state;
  assert_int_equal(
      parse(&p,
            "{\"version\": 1, \"from\": \"10.0.1.4\", \"targets\": ["
            "{\"host\": \"st1.blob.core.windows.net\", \"service\": \"blob\","
            " \"requirement\": \"UDR-3\", \"ports\": [443, 445],"
            " \"https\": true, \"path\": \"/c?restype=container\","
            " \"expect\": \"private\", \"expect_addresses\": [\"10.0.2.5\"]},"
            "{\"host\": \"10.0.1.7\", \"requirement\": \"NSG-7\","
            " \"ports\": [29876], \"resource\": null}]}",
            &err),
      PF_OK);
  assert_int_equal(p.n, 2);
  assert_true(p.has_from);
  assert_string_equal(p.t[0].host, "st1.blob.core.windows.net");
  assert_int_equal(p.t[0].service, PF_PSVC_BLOB);
  assert_string_equal(p.t[0].requirement, "UDR-3");
  assert_int_equal(p.t[0].n_ports, 2);
  assert_int_equal(p.t[0].ports[1], 445);
  assert_true(p.t[0].https);
  assert_string_equal(p.t[0].path, "/c?restype=container");
  assert_int_equal(p.t[0].expect, PF_PEXP_PRIVATE);
  assert_int_equal(p.t[0].n_expect, 1);
  pf_addr_format(&p.t[0].expect_addrs[0], ip, sizeof(ip));
  assert_string_equal(ip, "10.0.2.5");
  assert_true(p.t[1].host_is_addr);
  assert_int_equal(p.t[1].service, PF_PSVC_OTHER);
  assert_null(p.t[1].resource);
  pf_probe_plan_release(&p);
}

struct bad_case {
  const char *json;
  const char *msg;    /* the whole expected message */
};

static void test_plan_parse_bad(void **state)
{
  static const struct bad_case cases[] = {
    {"{\"version\": 1, \"targets\": [{\"host\": \"a.b\", \"requirement\": "
     "\"KV-3\", \"colour\": 1}]}",
     "plan.json: $.targets[0].colour: line 1, column 67: unknown field "
     "(expected host, service, requirement, resource, resource_name, why, "
     "ports, https, path, expect, expect_addresses or connect_to)"},
    {"{\"version\": 2, \"targets\": []}",
     "plan.json: $.version: line 1, column 13: unsupported version (this "
     "preflight reads version 1)"},
    {"{\"targets\": []}",
     "plan.json: $: line 1, column 1: missing 'version'"},
    {"{\"version\": 1, \"targets\": [{\"host\": \"a b\", "
     "\"requirement\": \"KV-3\"}]}",
     "plan.json: $.targets[0].host: line 1, column 37: not a DNS name or an "
     "IP address"},
    {"{\"version\": 1, \"targets\": [{\"host\": \"a.b\", "
     "\"requirement\": \"KV-3\", \"ports\": [0]}]}",
     "plan.json: $.targets[0].ports[0]: line 1, column 77: a port is an "
     "integer from 1 to 65535"},
    {"{\"version\": 1, \"targets\": [{\"host\": \"a.b\", "
     "\"requirement\": \"KV3\"}]}",
     "plan.json: $.targets[0].requirement: line 1, column 59: not a "
     "requirement ID (like NSG-7 or KV-3)"},
    {"{\"version\": 1, \"targets\": [{\"host\": \"a.b\"}]}",
     "plan.json: $.targets[0]: line 1, column 28: missing 'requirement'"},
    {"{\"version\": 1, \"targets\": [{\"host\": \"10.0.0.1\", "
     "\"requirement\": \"NSG-7\"}]}",
     "plan.json: $.targets[0]: line 1, column 28: an address without "
     "'ports' probes nothing"},
    {"{\"version\": 1, \"targets\": [{\"host\": \"a.b\", \"requirement\": "
     "\"KV-3\", \"expect\": \"maybe\"}]}",
     "plan.json: $.targets[0].expect: line 1, column 77: expected private, "
     "public or any"},
    {"{\"version\": 1, \"targets\": [{\"host\": \"a.b\", \"requirement\": "
     "\"KV-3\", \"ports\": [443, 443]}]}",
     "plan.json: $.targets[0].ports[1]: line 1, column 82: port 443 listed "
     "twice"},
    {"{\"version\": 1, \"targets\": [], \"targets\": []}",
     "plan.json: $.targets: line 1, column 31: duplicate member 'targets'"},
    {"{\"version\": 1, \"targets\": [{\"host\": \"a.b\", \"requirement\": "
     "\"KV-3\", \"connect_to\": \"10.0.0.300\"}]}",
     NULL},
    {"{\"version\": 1, \"targets\": [{\"host\": \"a.b\", \"requirement\": "
     "\"KV-3\", \"service\": \"ftp\"}]}",
     NULL},
    {"[1]", NULL},
    {"{\"version\": 1, \"targets\": []", NULL},
  };
  size_t i, bad = 0;
  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct pf_probe_plan p;
    struct pf_err err;
    pf_status st = parse(&p, cases[i].json, &err);
    if (st == PF_OK)
      fail_msg("case %zu parsed: %s", i, cases[i].json);
    assert_int_equal(strncmp(err.msg, "plan.json: $", 12), 0);
    if (getenv("PF_SHOW"))
      printf("%zu %s\n", i, err.msg);
    if (cases[i].msg && strcmp(err.msg, cases[i].msg)) {
      print_error("case %zu:\n  got  %s\n  want %s\n", i, err.msg,
                  cases[i].msg);
      bad++;
    }
    pf_probe_plan_release(&p);
  }
  assert_int_equal(bad, 0);
}

static struct pf_config *load_example(void)
{
  struct pf_config *cfg = NULL;
  struct pf_err err;
  const char *paths[1] = {EXAMPLE};
  pf_err_clear(&err);
  assert_int_equal(pf_config_create(&cfg), PF_OK);
  assert_int_equal(pf_load_paths(cfg, paths, 1, NULL, &err), PF_OK);
  return cfg;
}

static const struct pf_probe_target *find(const struct pf_probe_plan *p,
                                          const char *host)
{
  size_t i;
  for (i = 0; i < p->n; i++)
    if (!strcmp(p->t[i].host, host))
      return &p->t[i];
  return NULL;
}

static void test_plan_derive(void **state)
{
  struct pf_config *cfg = load_example();
  struct pf_probe_plan p, back;
  struct pf_probe_derive_opts o;
  struct pf_addr node;
  struct pf_err err;
  const struct pf_probe_target *t;
  char ip[PF_ADDR_STRLEN], *buf = NULL;
  size_t len = 0, i;
  FILE *f;
  struct pf_jw jw;
  (void)state;

  pf_err_clear(&err);
  assert_int_equal(pf_addr_parse("10.20.1.9", 9, &node, &err), PF_OK);
  memset(&o, 0, sizeof(o));
  o.nodes = &node;
  o.n_nodes = 1;
  pf_probe_plan_init(&p);
  assert_int_equal(pf_probe_plan_derive(&p, cfg, &o, &err), PF_OK);
  /* storage: five endpoints, file with 445 */
  assert_non_null(t = find(&p, "stmlprodweu.blob.core.windows.net"));
  assert_string_equal(t->requirement, "UDR-3");
  assert_int_equal(t->n_ports, 1);
  assert_non_null(t = find(&p, "stmlprodweu.file.core.windows.net"));
  assert_int_equal(t->n_ports, 2);
  assert_int_equal(t->ports[1], 445);
  assert_non_null(find(&p, "stmlprodweu.dfs.core.windows.net"));
  /* key vault (KV-3), registry login + data endpoint */
  assert_non_null(t = find(&p, "kv-ml-prod-weu.vault.azure.net"));
  assert_string_equal(t->requirement, "KV-3");
  assert_non_null(find(&p, "crmlprodweu.azurecr.io"));
  assert_non_null(find(&p, "crmlprodweu.westeurope.data.azurecr.io"));
  assert_non_null(find(&p, "westeurope.api.azureml.ms"));
  assert_non_null(t = find(&p, "mcr.microsoft.com"));
  assert_string_equal(t->requirement, "OUT-2");
  assert_non_null(find(&p, "management.azure.com"));
  assert_non_null(find(&p, "login.microsoftonline.com"));
  /* the workspace private endpoint's names expect its address */
  assert_non_null(t = find(&p, "0c6f2d9a-7e41-4b53-a8f0-1d2e3c4b5a69."
                               "workspace.westeurope.api.azureml.ms"));
  assert_int_equal(t->expect, PF_PEXP_PRIVATE);
  assert_int_equal(t->n_expect, 1);
  pf_addr_format(&t->expect_addrs[0], ip, sizeof(ip));
  assert_string_equal(ip, "10.20.2.4");
  /* the node: cluster ports and the instance port (both computes) */
  assert_non_null(t = find(&p, "10.20.1.9"));
  assert_true(t->host_is_addr);
  assert_string_equal(t->requirement, "NSG-7");
  assert_int_equal(t->n_ports, 3);
  /* from: the first usable address of the compute subnet */
  assert_true(p.has_from);
  pf_addr_format(&p.from, ip, sizeof(ip));
  assert_string_equal(ip, "10.20.1.4");

  /* round trip through the plan file format */
  f = open_memstream(&buf, &len);
  assert_non_null(f);
  pf_jw_init(&jw, f, 1);
  pf_probe_plan_write_json(&p, &jw);
  pf_jw_end(&jw);
  fclose(f);
  pf_probe_plan_init(&back);
  pf_err_clear(&err);
  if (pf_probe_plan_parse(&back, "rt.json", buf, len, &err) != PF_OK)
    fail_msg("%s", err.msg);
  assert_int_equal(back.n, p.n);
  for (i = 0; i < p.n; i++) {
    assert_string_equal(back.t[i].host, p.t[i].host);
    assert_int_equal(back.t[i].n_ports, p.t[i].n_ports);
    assert_int_equal(back.t[i].expect, p.t[i].expect);
    assert_int_equal(back.t[i].n_expect, p.t[i].n_expect);
    assert_int_equal(back.t[i].https, p.t[i].https);
    assert_int_equal(back.t[i].service, p.t[i].service);
  }
  free(buf);
  pf_probe_plan_release(&back);
  pf_probe_plan_release(&p);
  pf_config_destroy(cfg);
}

/* ---- DNS answers ---- */

struct msg {
  unsigned char b[512];
  size_t n;
};

static void put16(struct msg *m, unsigned v)
{
  m->b[m->n++] = (unsigned char)(v >> 8);
  m->b[m->n++] = (unsigned char)v;
}

static void put_name(struct msg *m, const char *name)
{
  while (*name) {
    const char *dot = strchr(name, '.');
    size_t l = dot ? (size_t)(dot - name) : strlen(name);
    m->b[m->n++] = (unsigned char)l;
    memcpy(m->b + m->n, name, l);
    m->n += l;
    name += l + (dot ? 1 : 0);
  }
  m->b[m->n++] = 0;
}

static void header(struct msg *m, unsigned rcode, unsigned an,
                   const char *q)
{
  m->n = 0;
  put16(m, 0x1234);
  put16(m, 0x8180 | rcode);
  put16(m, 1);
  put16(m, an);
  put16(m, 0);
  put16(m, 0);
  put_name(m, q);
  put16(m, 1);
  put16(m, 1);
}

static void rr_cname(struct msg *m, const char *owner, const char *target)
{
  size_t at;
  put_name(m, owner);
  put16(m, 5);
  put16(m, 1);
  put16(m, 0);
  put16(m, 60);
  at = m->n;
  put16(m, 0);
  put_name(m, target);
  m->b[at] = (unsigned char)((m->n - at - 2) >> 8);
  m->b[at + 1] = (unsigned char)(m->n - at - 2);
}

static void rr_a(struct msg *m, const char *owner, unsigned a, unsigned b,
                 unsigned c, unsigned d)
{
  put_name(m, owner);
  put16(m, 1);
  put16(m, 1);
  put16(m, 0);
  put16(m, 60);
  put16(m, 4);
  m->b[m->n++] = (unsigned char)a;
  m->b[m->n++] = (unsigned char)b;
  m->b[m->n++] = (unsigned char)c;
  m->b[m->n++] = (unsigned char)d;
}

static void test_dns_privatelink(void **state)
{
  struct msg m;
  struct pf_dns_result r;
  char ip[PF_ADDR_STRLEN];
  const char *c;
  (void)state;
  header(&m, 0, 3, "st.blob.core.windows.net");
  rr_cname(&m, "st.blob.core.windows.net",
           "st.privatelink.blob.core.windows.net");
  rr_cname(&m, "st.privatelink.blob.core.windows.net",
           "blob.ams07prdstr02a.store.core.windows.net");
  rr_a(&m, "blob.ams07prdstr02a.store.core.windows.net", 20, 60, 222, 4);
  memset(&r, 0, sizeof(r));
  pf_dns_read_answer(m.b, m.n, &r);
  /* public address, but through a privatelink CNAME: the private
   * endpoint path (here its zone answers with the public record) */
  assert_int_equal(r.outcome, PF_DNS_PRIVATE);
  assert_int_equal(r.why, PF_DNS_WHY_PRIVATELINK);
  assert_int_equal(r.n_cname, 2);
  c = pf_dns_chain_first(&r);
  assert_string_equal(c, "st.privatelink.blob.core.windows.net");
  c = pf_dns_chain_next(&r, c);
  assert_string_equal(c, "blob.ams07prdstr02a.store.core.windows.net");
  assert_null(pf_dns_chain_next(&r, c));
  assert_int_equal(r.n_addrs, 1);
  pf_addr_format(&r.addrs[0], ip, sizeof(ip));
  assert_string_equal(ip, "20.60.222.4");
}

static void test_dns_classes(void **state)
{
  struct msg m;
  struct pf_dns_result r;
  (void)state;
  /* public */
  header(&m, 0, 1, "kv.vault.azure.net");
  rr_a(&m, "kv.vault.azure.net", 52, 1, 2, 3);
  pf_dns_read_answer(m.b, m.n, &r);
  assert_int_equal(r.outcome, PF_DNS_PUBLIC);
  /* private by address: 10/8, 172.16/12, 192.168/16, 100.64/10 */
  header(&m, 0, 1, "kv.vault.azure.net");
  rr_a(&m, "kv.vault.azure.net", 172, 31, 0, 9);
  pf_dns_read_answer(m.b, m.n, &r);
  assert_int_equal(r.outcome, PF_DNS_PRIVATE);
  assert_int_equal(r.why, PF_DNS_WHY_ADDRESS);
  header(&m, 0, 1, "kv.vault.azure.net");
  rr_a(&m, "kv.vault.azure.net", 172, 32, 0, 9);
  pf_dns_read_answer(m.b, m.n, &r);
  assert_int_equal(r.outcome, PF_DNS_PUBLIC);
  /* NXDOMAIN after a privatelink CNAME: the zone lacks the record */
  header(&m, 3, 1, "st.blob.core.windows.net");
  rr_cname(&m, "st.blob.core.windows.net",
           "st.privatelink.blob.core.windows.net");
  pf_dns_read_answer(m.b, m.n, &r);
  assert_int_equal(r.outcome, PF_DNS_NXDOMAIN);
  assert_int_equal(r.why, PF_DNS_WHY_PRIVATELINK);
  assert_int_equal(r.n_cname, 1);
  /* NODATA, SERVFAIL, REFUSED, other rcodes */
  header(&m, 0, 0, "a.b");
  pf_dns_read_answer(m.b, m.n, &r);
  assert_int_equal(r.outcome, PF_DNS_NODATA);
  header(&m, 2, 0, "a.b");
  pf_dns_read_answer(m.b, m.n, &r);
  assert_int_equal(r.outcome, PF_DNS_SERVFAIL);
  header(&m, 5, 0, "a.b");
  pf_dns_read_answer(m.b, m.n, &r);
  assert_int_equal(r.outcome, PF_DNS_REFUSED);
  header(&m, 4, 0, "a.b");
  pf_dns_read_answer(m.b, m.n, &r);
  assert_int_equal(r.outcome, PF_DNS_ERROR);
  /* "notprivatelink." is not the label */
  header(&m, 0, 2, "x.y");
  rr_cname(&m, "x.y", "a.notprivatelink.z");
  rr_a(&m, "a.notprivatelink.z", 8, 8, 8, 8);
  pf_dns_read_answer(m.b, m.n, &r);
  assert_int_equal(r.outcome, PF_DNS_PUBLIC);
}

static void test_dns_malformed(void **state)
{
  struct msg m;
  struct pf_dns_result r;
  size_t cut;
  (void)state;
  header(&m, 0, 1, "kv.vault.azure.net");
  rr_a(&m, "kv.vault.azure.net", 52, 1, 2, 3);
  /* every truncation is an error, never a read past the end */
  for (cut = 0; cut < m.n; cut++) {
    unsigned char copy[512];
    memcpy(copy, m.b, cut);
    pf_dns_read_answer(copy, cut, &r);
    if (cut < m.n && r.outcome != PF_DNS_ERROR)
      fail_msg("truncated at %zu: %s", cut, pf_dns_outcome_name(r.outcome));
  }
  /* a compression pointer loop in the CNAME target */
  header(&m, 0, 1, "a.b");
  put16(&m, 0xc00c);
  put16(&m, 5);
  put16(&m, 1);
  put16(&m, 0);
  put16(&m, 60);
  put16(&m, 2);
  put16(&m, 0xc000 | (unsigned)m.n);   /* points at itself */
  pf_dns_read_answer(m.b, m.n, &r);
  assert_int_equal(r.outcome, PF_DNS_ERROR);
}

static void test_dns_bad_server(void **state)
{
  struct pf_dns_opts o;
  struct pf_dns_result r;
  struct pf_err err;
  const char *names[1] = {"a.b"};
  (void)state;
  memset(&o, 0, sizeof(o));
  o.server = "not-an-address";
  o.timeout_ms = 100;
  pf_err_clear(&err);
  assert_int_equal(pf_dns_probe(names, 1, &o, &r, &err), PF_EINVAL);
  assert_string_equal(err.msg, "--dns-server 'not-an-address': expected "
                      "IP, IP:PORT or [IPv6]:PORT");
  pf_err_clear(&err);
  o.server = "127.0.0.1:70000";
  assert_int_equal(pf_dns_probe(names, 1, &o, &r, &err), PF_EINVAL);
}

/* A loopback DNS port nobody listens on: the answer is an ICMP port
 * unreachable or nothing; either way a classified result, in bounded
 * time (c-ares' retries then the hard deadline). */
static void test_dns_closed_server(void **state)
{
  struct pf_dns_opts o;
  struct pf_dns_result r[2];
  struct pf_err err;
  const char *names[2] = {"a.example", "b.example"};
  (void)state;
  memset(&o, 0, sizeof(o));
  o.server = "127.0.0.1:9";
  o.timeout_ms = 300;
  pf_err_clear(&err);
  assert_int_equal(pf_dns_probe(names, 2, &o, r, &err), PF_OK);
  assert_true(r[0].outcome == PF_DNS_UNREACHABLE ||
              r[0].outcome == PF_DNS_TIMEOUT);
  assert_true(r[1].outcome == PF_DNS_UNREACHABLE ||
              r[1].outcome == PF_DNS_TIMEOUT);
}

/* ---- TCP ---- */

static void test_tcp_classify(void **state)
{
  (void)state;
  assert_int_equal(pf_tcp_classify(0), PF_TCP_OPEN);
  assert_int_equal(pf_tcp_classify(ECONNREFUSED), PF_TCP_REFUSED);
  assert_int_equal(pf_tcp_classify(ETIMEDOUT), PF_TCP_FILTERED);
  assert_int_equal(pf_tcp_classify(EHOSTUNREACH), PF_TCP_UNREACHABLE);
  assert_int_equal(pf_tcp_classify(ENETUNREACH), PF_TCP_UNREACHABLE);
  assert_int_equal(pf_tcp_classify(EMFILE), PF_TCP_ERROR);
  assert_string_equal(pf_tcp_outcome_name(PF_TCP_FILTERED), "filtered");
}

static void test_tcp_loopback(void **state)
{
  struct sockaddr_in sa;
  socklen_t sl = sizeof(sa);
  struct pf_tcp_target t[2];
  struct pf_tcp_result r[2];
  struct pf_tcp_opts o;
  struct pf_err err;
  int ls, closed;
  (void)state;
  /* one listening port, one bound but not listening (refused) */
  ls = socket(AF_INET, SOCK_STREAM, 0);
  closed = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(ls >= 0 && closed >= 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(listen(ls, 4), 0);
  assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
  t[0].addr.af = PF_AF_V4;
  t[0].addr.v = 0x7f000001;
  t[0].port = ntohs(sa.sin_port);
  sa.sin_port = 0;
  assert_int_equal(bind(closed, (struct sockaddr *)&sa, sizeof(sa)), 0);
  sl = sizeof(sa);
  assert_int_equal(getsockname(closed, (struct sockaddr *)&sa, &sl), 0);
  t[1].addr = t[0].addr;
  t[1].port = ntohs(sa.sin_port);
  memset(&o, 0, sizeof(o));
  o.timeout_ms = 2000;
  pf_err_clear(&err);
  assert_int_equal(pf_tcp_probe(t, 2, &o, r, &err), PF_OK);
  assert_int_equal(r[0].outcome, PF_TCP_OPEN);
  assert_int_equal(r[1].outcome, PF_TCP_REFUSED);
  /* one at a time, paced: the same answers */
  o.concurrency = 1;
  o.rate = 50;
  assert_int_equal(pf_tcp_probe(t, 2, &o, r, &err), PF_OK);
  assert_int_equal(r[0].outcome, PF_TCP_OPEN);
  assert_int_equal(r[1].outcome, PF_TCP_REFUSED);
  close(ls);
  close(closed);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_plan_parse_ok),
    cmocka_unit_test(test_plan_parse_bad),
    cmocka_unit_test(test_plan_derive),
    cmocka_unit_test(test_dns_privatelink),
    cmocka_unit_test(test_dns_classes),
    cmocka_unit_test(test_dns_malformed),
    cmocka_unit_test(test_dns_bad_server),
    cmocka_unit_test(test_dns_closed_server),
    cmocka_unit_test(test_tcp_classify),
    cmocka_unit_test(test_tcp_loopback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
