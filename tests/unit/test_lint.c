/* SPDX-License-Identifier: MIT */
/* test_lint.c - pf_lint: every finding kind, its negative, and unknowns
 *
 * Each case builds an NSG (az CLI shape, default rules synthesised) in a
 * virtual network 10.60.0.0/16 (+ fd00:60::/48 when asked) from a table
 * of rules, lints it with a small tag file, and checks the findings.
 * The expected answers were worked out by hand from AZURE-SEMANTICS.md 1
 * (first match, default rules) and docs/semantics.md (Internet =
 * public space minus VirtualNetwork).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/pf_mem.h"
#include "core/pf_strbuf.h"
#include "eval/pf_lint.h"
#include "load/pf_load.h"
#include "model/pf_model.h"
#include "model/pf_tags.h"

#define NET "/subscriptions/9d1c2b3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d/" \
            "resourceGroups/rg-t/providers/Microsoft.Network"
#define VNET_ID NET "/virtualNetworks/vnet-t"
#define SUBNET_ID VNET_ID "/subnets/snet-t"
#define NSG_ID NET "/networkSecurityGroups/nsg-t"

#define EXAMPLE PF_SOURCE_DIR "/examples/contoso-westeurope"

/* A small tag file: real West Europe prefixes (a few of each), one tag
 * with no prefixes and one with IPv6 prefixes only. */
static const char tags_json[] =
  "{\"changeNumber\": 7, \"cloud\": \"Public\", \"values\": ["
  "{\"name\": \"BatchNodeManagement.WestEurope\", \"properties\": "
  "{\"addressPrefixes\": [\"13.69.65.64/26\", \"13.69.106.128/26\"]}},"
  "{\"name\": \"AzureMachineLearning\", \"properties\": "
  "{\"addressPrefixes\": [\"13.69.64.192/28\", \"20.86.88.160/28\"]}},"
  "{\"name\": \"Storage.WestEurope\", \"properties\": "
  "{\"addressPrefixes\": [\"13.69.40.16/28\", \"2603:1020:201::/48\"]}},"
  "{\"name\": \"Retired.WestEurope\", \"properties\": "
  "{\"addressPrefixes\": []}},"
  "{\"name\": \"AzureSignalR.FranceSouth\", \"properties\": "
  "{\"addressPrefixes\": [\"2603:1020:905:2::100/120\"]}}"
  "]}";

/* One rule; an address or port field starting with '[' is written as
 * the plural field (a JSON array), anything else as the singular one. */
struct rs {
  const char *name;
  int prio;
  const char *dir, *access, *proto, *src, *dst, *dport;
};

enum { NO_VNET = 0, VNET_V4 = 1, VNET_V6 = 2 };

struct env {
  struct pf_config *cfg;
  struct pf_tagdb *db;
  struct pf_lint_report rep;
};

/* ---- building documents ------------------------------------------------ */

static void field(struct pf_strbuf *sb, const char *singular,
                  const char *plural, const char *v)
{
  if (v[0] == '[')
    pf_strbuf_addf(sb, "\"%s\": %s, ", plural, v);
  else
    pf_strbuf_addf(sb, "\"%s\": \"%s\", ", singular, v);
}

static char *nsg_json(const char *name, int attached, const struct rs *r,
                      size_t n)
{
  struct pf_strbuf sb;
  size_t i;
  pf_strbuf_init(&sb, 1 << 20);
  pf_strbuf_addf(&sb, "{\"id\": \"%s/networkSecurityGroups/%s\", "
                 "\"name\": \"%s\", \"location\": \"westeurope\", "
                 "\"type\": \"Microsoft.Network/networkSecurityGroups\", "
                 "\"securityRules\": [",
                 NET, name, name);
  for (i = 0; i < n; i++) {
    pf_strbuf_addf(&sb, "%s{\"name\": \"%s\", \"priority\": %d, "
                   "\"direction\": \"%s\", \"access\": \"%s\", "
                   "\"protocol\": \"%s\", \"sourcePortRange\": \"*\", ",
                   i ? ", " : "", r[i].name, r[i].prio,
                   r[i].dir ? r[i].dir : "Inbound", r[i].access,
                   r[i].proto ? r[i].proto : "Tcp");
    field(&sb, "sourceAddressPrefix", "sourceAddressPrefixes", r[i].src);
    field(&sb, "destinationAddressPrefix", "destinationAddressPrefixes",
          r[i].dst);
    field(&sb, "destinationPortRange", "destinationPortRanges", r[i].dport);
    pf_strbuf_addf(&sb, "\"id\": \"%s/networkSecurityGroups/%s/"
                   "securityRules/%s\"}",
                   NET, name, r[i].name);
  }
  pf_strbuf_addf(&sb, "]");
  if (attached)
    pf_strbuf_addf(&sb, ", \"subnets\": [{\"id\": \"%s\"}]", SUBNET_ID);
  pf_strbuf_addf(&sb, "}");
  return pf_strbuf_detach(&sb);
}

static char *vnet_json(int v6)
{
  struct pf_strbuf sb;
  pf_strbuf_init(&sb, 1 << 16);
  pf_strbuf_addf(&sb, "{\"id\": \"%s\", \"name\": \"vnet-t\", "
                 "\"location\": \"westeurope\", "
                 "\"type\": \"Microsoft.Network/virtualNetworks\", "
                 "\"addressSpace\": {\"addressPrefixes\": [\"10.60.0.0/16\""
                 "%s]}, \"subnets\": [{\"id\": \"%s\", \"name\": \"snet-t\","
                 " \"addressPrefix\": \"10.60.1.0/24\"}]}",
                 VNET_ID, v6 ? ", \"fd00:60::/48\"" : "", SUBNET_ID);
  return pf_strbuf_detach(&sb);
}

static void load(struct pf_config *cfg, const char *name, char *text)
{
  struct pf_err err;
  pf_err_clear(&err);
  assert_non_null(text);
  if (pf_load_buffer(cfg, name, text, strlen(text), &err) != PF_OK)
    fail_msg("%s: %s", err.msg, text);
  pf_free(text);
}

/* Lint one NSG "nsg-t" of \p r in the given vnet, with or without tags. */
static void lint(struct env *e, int vnet, int tags, const struct rs *r,
                 size_t n)
{
  struct pf_err err;
  memset(e, 0, sizeof(*e));
  assert_int_equal(pf_config_create(&e->cfg), PF_OK);
  if (vnet != NO_VNET)
    load(e->cfg, "vnet.json", vnet_json(vnet == VNET_V6));
  load(e->cfg, "nsg.json", nsg_json("nsg-t", vnet != NO_VNET, r, n));
  assert_int_equal(pf_config_resolve(e->cfg), PF_OK);
  if (tags) {
    pf_err_clear(&err);
    if (pf_tagdb_load_buf(&e->db, "tags.json", tags_json,
                          strlen(tags_json), &err) != PF_OK)
      fail_msg("%s", err.msg);
  }
  assert_int_equal(pf_lint_config(&e->rep, e->cfg, e->db), PF_OK);
  assert_int_equal(e->rep.n, 1);
}

static void env_free(struct env *e)
{
  pf_lint_report_release(&e->rep);
  pf_tagdb_destroy(e->db);
  pf_config_destroy(e->cfg);
}

/* The finding of \p kind about rule \p rule, or NULL. */
static const struct pf_lint_finding *find(const struct env *e,
                                          const char *rule,
                                          enum pf_lint_kind kind)
{
  size_t i, j;
  for (i = 0; i < e->rep.n; i++)
    for (j = 0; j < e->rep.nsgs[i].n; j++) {
      const struct pf_lint_finding *f = &e->rep.nsgs[i].f[j];
      if (f->kind == kind && !strcmp(f->rule->name, rule))
        return f;
    }
  return NULL;
}

static const struct pf_lint_finding *must(const struct env *e,
                                          const char *rule,
                                          enum pf_lint_kind kind)
{
  const struct pf_lint_finding *f = find(e, rule, kind);
  if (!f)
    fail_msg("no %s finding for %s", pf_lint_kind_name(kind), rule);
  return f;
}

/* The "may be exposed" finding (unknown, with ports) about \p rule. */
static const struct pf_lint_finding *must_maybe(const struct env *e,
                                                const char *rule)
{
  size_t i, j;
  for (i = 0; i < e->rep.n; i++)
    for (j = 0; j < e->rep.nsgs[i].n; j++) {
      const struct pf_lint_finding *f = &e->rep.nsgs[i].f[j];
      if (f->kind == PF_LINT_UNKNOWN && f->ports &&
          !strcmp(f->rule->name, rule))
        return f;
    }
  fail_msg("no finding of possible exposure for %s", rule);
  return NULL;
}

/* Findings about \p rule, any kind. */
static size_t n_about(const struct env *e, const char *rule)
{
  size_t i, j, n = 0;
  for (i = 0; i < e->rep.n; i++)
    for (j = 0; j < e->rep.nsgs[i].n; j++)
      n += !strcmp(e->rep.nsgs[i].f[j].rule->name, rule);
  return n;
}

static void covered(const struct pf_lint_finding *f, const char *a,
                    const char *b)
{
  assert_int_equal(f->n_covered, b ? 2 : 1);
  assert_string_equal(f->covered_by[0]->name, a);
  if (b)
    assert_string_equal(f->covered_by[1]->name, b);
}

#define LINT(e, vnet, tags, rules) \
  lint((e), (vnet), (tags), (rules), sizeof(rules) / sizeof((rules)[0]))

/* ---- shadowed ----------------------------------------------------------- */

static void test_shadowed_same_access(void **state)
{
  static const struct rs r[] = {
    {"A", 100, NULL, "Allow", NULL, "10.1.0.0/17", "*", "443"},
    {"B", 110, NULL, "Allow", NULL, "10.1.128.0/17", "*", "443-444"},
    /* no single earlier rule covers C: only their union does */
    {"C", 120, NULL, "Allow", NULL, "10.1.0.0/16", "*", "443"},
    /* D reaches outside the union (port 445) */
    {"D", 130, NULL, "Allow", NULL, "10.1.0.0/16", "*", "443-445"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, VNET_V4, 1, r);
  f = must(&e, "C", PF_LINT_SHADOWED);
  assert_int_equal(f->sev, PF_LINT_WARNING);
  covered(f, "A", "B");
  assert_non_null(strstr(f->message, "A (100) and B (110)"));
  assert_null(find(&e, "C", PF_LINT_SHADOWED_OPPOSITE));
  assert_null(find(&e, "D", PF_LINT_SHADOWED));
  assert_null(find(&e, "D", PF_LINT_SHADOWED_OPPOSITE));
  assert_null(find(&e, "A", PF_LINT_SHADOWED));
  env_free(&e);
}

/* PEERS.md note 6: posture scanners flag the Allow at 300; it can never
 * match, its intent is defeated, and nothing is exposed. */
static void test_shadowed_opposite_peers_trap(void **state)
{
  static const struct rs r[] = {
    {"DenySshInternet", 200, NULL, "Deny", NULL, "Internet", "*", "22"},
    {"AllowSshInternet", 300, NULL, "Allow", NULL, "Internet", "*", "22"},
  };
  static const struct rs swapped[] = {
    {"AllowSshInternet", 200, NULL, "Allow", NULL, "Internet", "*", "22"},
    {"DenySshInternet", 300, NULL, "Deny", NULL, "Internet", "*", "22"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, VNET_V4, 1, r);
  f = must(&e, "AllowSshInternet", PF_LINT_SHADOWED_OPPOSITE);
  assert_int_equal(f->sev, PF_LINT_ERROR);
  assert_int_equal(f->rule->priority, 300);
  covered(f, "DenySshInternet", NULL);
  assert_non_null(strstr(f->message, "denied first by DenySshInternet"));
  assert_int_equal(e.rep.by_kind[PF_LINT_EXPOSED], 0);
  /* the Deny is not redundant: without it the Allow would match */
  assert_int_equal(n_about(&e, "DenySshInternet"), 0);
  env_free(&e);

  /* the other way round the Allow is live and exposes SSH (a warning,
   * REQUIREMENTS.md NSG-2) and the Deny is the defeated one */
  LINT(&e, VNET_V4, 1, swapped);
  f = must(&e, "AllowSshInternet", PF_LINT_EXPOSED);
  assert_int_equal(f->sev, PF_LINT_WARNING);
  assert_string_equal(f->ports, "22");
  assert_null(find(&e, "AllowSshInternet", PF_LINT_SHADOWED_OPPOSITE));
  f = must(&e, "DenySshInternet", PF_LINT_SHADOWED_OPPOSITE);
  assert_non_null(strstr(f->message, "allowed first by AllowSshInternet"));
  env_free(&e);
}

static void test_shadowed_partly_opposite(void **state)
{
  static const struct rs r[] = {
    {"DenyLow", 100, NULL, "Deny", NULL, "10.2.0.0/17", "*", "80"},
    {"AllowHigh", 110, NULL, "Allow", NULL, "10.2.128.0/17", "*", "80"},
    {"AllowAll", 120, NULL, "Allow", NULL, "10.2.0.0/16", "*", "80"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, VNET_V4, 1, r);
  f = must(&e, "AllowAll", PF_LINT_SHADOWED_OPPOSITE);
  covered(f, "DenyLow", "AllowHigh");
  assert_non_null(strstr(f->message, "partly"));
  env_free(&e);
}

/* ---- empty -------------------------------------------------------------- */

static void test_empty(void **state)
{
  static const struct rs r[] = {
    /* IPv4 source, IPv6 destination */
    {"MixedFamilies", 100, NULL, "Allow", NULL, "10.0.0.0/8",
     "2001:db8::/32", "*"},
    /* a tag listing no prefixes */
    {"RetiredTag", 110, NULL, "Allow", NULL, "Retired.WestEurope", "*",
     "443"},
    /* IPv6-only tag against an IPv4-only VirtualNetwork */
    {"SignalR", 120, NULL, "Allow", NULL, "AzureSignalR.FranceSouth",
     "VirtualNetwork", "443"},
    /* negatives: one family shared, or "*" on one side */
    {"V4Any", 130, NULL, "Allow", NULL, "10.0.0.0/8", "*", "8443"},
    {"V6Tag", 140, NULL, "Allow", NULL, "AzureSignalR.FranceSouth", "*",
     "8443"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, VNET_V4, 1, r);
  f = must(&e, "MixedFamilies", PF_LINT_EMPTY);
  assert_int_equal(f->sev, PF_LINT_WARNING);
  assert_non_null(strstr(f->message, "share no address family"));
  f = must(&e, "RetiredTag", PF_LINT_EMPTY);
  assert_non_null(strstr(f->message, "source (Retired.WestEurope) "
                                     "resolves to no address"));
  must(&e, "SignalR", PF_LINT_EMPTY);
  /* an empty rule is only empty: not also shadowed or redundant */
  assert_int_equal(n_about(&e, "MixedFamilies"), 1);
  assert_null(find(&e, "V4Any", PF_LINT_EMPTY));
  assert_null(find(&e, "V6Tag", PF_LINT_EMPTY));
  env_free(&e);

  /* in a dual-stack vnet the IPv6 tag meets VirtualNetwork */
  LINT(&e, VNET_V6, 1, r);
  assert_null(find(&e, "SignalR", PF_LINT_EMPTY));
  must(&e, "MixedFamilies", PF_LINT_EMPTY);
  env_free(&e);
}

/* ---- redundant ---------------------------------------------------------- */

static void test_redundant(void **state)
{
  static const struct rs r[] = {
    /* duplicates AllowVnetInBound (65000) */
    {"AllowVnet", 100, NULL, "Allow", "*", "VirtualNetwork",
     "VirtualNetwork", "*"},
    /* negative: a later Allow would take 8080 without it */
    {"DenyDocNet", 120, NULL, "Deny", NULL, "198.51.100.0/24", "*",
     "8080"},
    {"AllowWeb", 130, NULL, "Allow", NULL, "*", "*", "8080"},
    /* what AllowWeb leaves, DenyAllInBound (65500) denies anyway */
    {"DenyTestNet", 140, NULL, "Deny", "*", "203.0.113.0/24", "*", "*"},
    {"DenyOut", 100, "Outbound", "Deny", "*", "*", "Internet", "*"},
    /* duplicates AllowVnetOutBound (65000) */
    {"AllowVnetOut", 110, "Outbound", "Allow", "*", "VirtualNetwork",
     "VirtualNetwork", "*"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, VNET_V4, 1, r);
  f = must(&e, "AllowVnet", PF_LINT_REDUNDANT);
  assert_int_equal(f->sev, PF_LINT_INFO);
  /* AllowWeb takes the vnet's 8080 first, the default rule the rest */
  covered(f, "AllowWeb", "AllowVnetInBound");
  assert_true(f->covered_by[1]->is_default);
  f = must(&e, "DenyTestNet", PF_LINT_REDUNDANT);
  covered(f, "DenyAllInBound", NULL);
  assert_null(find(&e, "DenyDocNet", PF_LINT_REDUNDANT));
  assert_null(find(&e, "AllowWeb", PF_LINT_REDUNDANT));
  /* the deny to Internet changes verdicts: AllowInternetOutBound */
  assert_null(find(&e, "DenyOut", PF_LINT_REDUNDANT));
  f = must(&e, "AllowVnetOut", PF_LINT_REDUNDANT);
  covered(f, "AllowVnetOutBound", NULL);
  assert_int_equal(f->rule->dir, PF_DIR_OUTBOUND);
  env_free(&e);
}

/* The example: its two redundant rules, and no exposure, no error. */
static void test_example(void **state)
{
  const char *paths[1] = {EXAMPLE};
  struct pf_config *cfg = NULL;
  struct pf_tagdb *db = NULL;
  struct pf_lint_report rep;
  struct pf_err err;
  (void)state;
  pf_err_clear(&err);
  assert_int_equal(pf_config_create(&cfg), PF_OK);
  if (pf_load_paths(cfg, paths, 1, NULL, &err) != PF_OK)
    fail_msg("%s", err.msg);
  if (pf_tagdb_load_file(&db, EXAMPLE "/service-tags.json", &err) != PF_OK)
    fail_msg("%s", err.msg);
  assert_int_equal(pf_lint_config(&rep, cfg, db), PF_OK);
  assert_int_equal(rep.n, 1);
  assert_string_equal(rep.nsgs[0].vnet->hdr.name, "vnet-ml-prod");
  assert_null(rep.nsgs[0].note);
  assert_int_equal(rep.by_kind[PF_LINT_EXPOSED], 0);
  assert_int_equal(rep.by_sev[PF_LINT_ERROR], 0);
  assert_int_equal(rep.by_sev[PF_LINT_WARNING], 0);
  assert_int_equal(rep.nsgs[0].n, 2);
  assert_string_equal(rep.nsgs[0].f[0].rule->name, "DenySshFromInternet");
  assert_int_equal(rep.nsgs[0].f[0].kind, PF_LINT_REDUNDANT);
  assert_string_equal(rep.nsgs[0].f[1].rule->name, "AllowVnetOutbound");
  assert_int_equal(rep.nsgs[0].f[1].kind, PF_LINT_REDUNDANT);
  pf_lint_report_release(&rep);

  /* without the tag file the Batch rule is unknown, not exposed */
  assert_int_equal(pf_lint_config(&rep, cfg, NULL), PF_OK);
  assert_int_equal(rep.by_kind[PF_LINT_EXPOSED], 0);
  assert_int_equal(rep.by_sev[PF_LINT_WARNING] + rep.by_sev[PF_LINT_ERROR],
                   0);
  pf_lint_report_release(&rep);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
}

/* ---- exposed ------------------------------------------------------------ */

static void test_exposed(void **state)
{
  static const struct rs r[] = {
    /* required by AML (REQUIREMENTS.md NSG-1, NSG-5): not exposure */
    {"Batch", 100, NULL, "Allow", NULL, "BatchNodeManagement.WestEurope",
     "VirtualNetwork", "29876-29877"},
    {"AmlInstance", 110, NULL, "Allow", NULL, "AzureMachineLearning", "*",
     "44224"},
    /* one admin address: not "the Internet" */
    {"AdminRdp", 120, NULL, "Allow", NULL, "203.0.113.5", "*", "3389"},
    /* a Deny of part of the Internet leaves the rest exposed */
    {"DenyHalf", 130, NULL, "Deny", "*", "0.0.0.0/1", "*", "*"},
    {"AnyRdp", 140, NULL, "Allow", "*", "*", "*", "3389"},
    {"InternetBatch", 150, NULL, "Allow", NULL, "Internet", "*",
     "29876-29877"},
    {"Web", 160, NULL, "Allow", NULL, "*", "*", "[\"80\", \"443\"]"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, VNET_V4, 1, r);
  assert_null(find(&e, "Batch", PF_LINT_EXPOSED));
  assert_null(find(&e, "AmlInstance", PF_LINT_EXPOSED));
  assert_null(find(&e, "AdminRdp", PF_LINT_EXPOSED));
  assert_null(find(&e, "Web", PF_LINT_EXPOSED));
  f = must(&e, "AnyRdp", PF_LINT_EXPOSED);
  assert_int_equal(f->sev, PF_LINT_ERROR);
  assert_string_equal(f->ports, "3389");
  /* protocol "*": TCP and UDP */
  assert_non_null(strstr(f->message, "Tcp,Udp 3389"));
  f = must(&e, "InternetBatch", PF_LINT_EXPOSED);
  assert_int_equal(f->sev, PF_LINT_ERROR);
  assert_string_equal(f->ports, "29876-29877");
  assert_non_null(strstr(f->message, "NSG-1"));
  assert_int_equal(e.rep.by_kind[PF_LINT_EXPOSED], 2);
  env_free(&e);
}

static void test_not_exposed_behind_deny(void **state)
{
  static const struct rs r[] = {
    {"DenyInternet", 100, NULL, "Deny", "*", "Internet", "*", "*"},
    {"AllowAll", 200, NULL, "Allow", "*", "*", "*", "*"},
  };
  struct env e;
  (void)state;
  LINT(&e, VNET_V4, 1, r);
  assert_int_equal(e.rep.by_kind[PF_LINT_EXPOSED], 0);
  /* private sources outside the vnet still reach AllowAll */
  assert_int_equal(n_about(&e, "AllowAll"), 0);
  env_free(&e);
}

/* ---- unknown ------------------------------------------------------------ */

static void test_unknown_never_shadows(void **state)
{
  static const struct rs r[] = {
    /* no tag file: the tag may be anything */
    {"Tagged", 100, NULL, "Allow", NULL, "Storage.WestEurope", "*", "443"},
    {"Inside", 110, NULL, "Allow", NULL, "13.69.40.16/28", "*", "443"},
    {"Prefix", 200, NULL, "Deny", NULL, "10.0.0.0/8", "*", "8080"},
    {"TaggedAfter", 210, NULL, "Allow", NULL, "Storage.WestEurope", "*",
     "8080"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, VNET_V4, 0, r);
  f = must(&e, "Tagged", PF_LINT_UNKNOWN);
  assert_int_equal(f->sev, PF_LINT_INFO);
  assert_non_null(strstr(f->message, "tag file"));
  /* Inside may or may not be shadowed: said so, never claimed */
  assert_null(find(&e, "Inside", PF_LINT_SHADOWED));
  f = must(&e, "Inside", PF_LINT_UNKNOWN);
  assert_non_null(strstr(f->message, "may never match"));
  covered(f, "Tagged", NULL);
  /* an unknown rule is tested with all it might match: not shadowed */
  assert_null(find(&e, "TaggedAfter", PF_LINT_SHADOWED_OPPOSITE));
  must(&e, "TaggedAfter", PF_LINT_UNKNOWN);
  env_free(&e);

  /* with the tag file all is known: Inside is shadowed */
  LINT(&e, VNET_V4, 1, r);
  must(&e, "Inside", PF_LINT_SHADOWED);
  assert_null(find(&e, "Tagged", PF_LINT_UNKNOWN));
  env_free(&e);
}

/* An NSG attached to nothing loaded: VirtualNetwork and Internet are
 * unknown, and the report says why. */
static void test_unknown_no_vnet(void **state)
{
  static const struct rs r[] = {
    {"VnetRule", 110, NULL, "Allow", NULL, "VirtualNetwork", "*", "8443"},
    {"SshInternet", 120, NULL, "Allow", NULL, "Internet", "*", "22"},
    {"RdpAny", 130, NULL, "Allow", NULL, "*", "*", "3389"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, NO_VNET, 1, r);
  assert_non_null(e.rep.nsgs[0].note);
  assert_null(e.rep.nsgs[0].vnet);
  assert_non_null(strstr(e.rep.nsgs[0].note, "VirtualNetwork"));
  must(&e, "VnetRule", PF_LINT_UNKNOWN);
  /* Internet without the vnet: maybe exposed (warning), not exposed */
  assert_null(find(&e, "SshInternet", PF_LINT_EXPOSED));
  f = must_maybe(&e, "SshInternet");
  assert_int_equal(f->sev, PF_LINT_WARNING);
  assert_string_equal(f->ports, "22");
  /* "*" is the whole Internet with or without the vnet */
  f = must(&e, "RdpAny", PF_LINT_EXPOSED);
  assert_string_equal(f->ports, "3389");
  env_free(&e);
}

/* An uncertain Deny in front of an open Allow: maybe exposed, never
 * claimed either way. */
static void test_unknown_deny_before_allow(void **state)
{
  static const struct rs r[] = {
    {"DenyTag", 100, NULL, "Deny", NULL, "Storage.WestEurope", "*", "22"},
    {"AllowSsh", 200, NULL, "Allow", NULL, "*", "*", "22"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, VNET_V4, 0, r);
  assert_null(find(&e, "AllowSsh", PF_LINT_EXPOSED));
  f = must_maybe(&e, "AllowSsh");
  assert_int_equal(f->sev, PF_LINT_WARNING);
  covered(f, "DenyTag", NULL);
  assert_non_null(strstr(f->message, "depends on DenyTag (100)"));
  env_free(&e);

  /* with tags the Deny takes only Storage: SSH is exposed for sure */
  LINT(&e, VNET_V4, 1, r);
  must(&e, "AllowSsh", PF_LINT_EXPOSED);
  env_free(&e);
}

/* ASG membership is known only from NICs (1.8); none are loaded. */
static void test_unknown_asg(void **state)
{
  struct env e;
  struct pf_err err;
  const struct pf_lint_finding *f;
  char *text;
  static const char nsg[] =
    "{\"id\": \"" NSG_ID "\", \"name\": \"nsg-t\", "
    "\"type\": \"Microsoft.Network/networkSecurityGroups\", "
    "\"securityRules\": [{\"name\": \"FromAsg\", \"priority\": 100, "
    "\"direction\": \"Inbound\", \"access\": \"Allow\", \"protocol\": "
    "\"Tcp\", \"sourcePortRange\": \"*\", \"destinationAddressPrefix\": "
    "\"*\", \"destinationPortRange\": \"443\", "
    "\"sourceApplicationSecurityGroups\": [{\"id\": \"" NET
    "/applicationSecurityGroups/asg-web\"}]}, "
    "{\"name\": \"Later\", \"priority\": 200, \"direction\": \"Inbound\", "
    "\"access\": \"Allow\", \"protocol\": \"Tcp\", \"sourcePortRange\": "
    "\"*\", \"sourceAddressPrefix\": \"10.9.0.0/16\", "
    "\"destinationAddressPrefix\": \"*\", \"destinationPortRange\": "
    "\"443\"}], \"subnets\": [{\"id\": \"" SUBNET_ID "\"}]}";
  (void)state;
  memset(&e, 0, sizeof(e));
  assert_int_equal(pf_config_create(&e.cfg), PF_OK);
  load(e.cfg, "vnet.json", vnet_json(0));
  text = pf_strdup(nsg);
  load(e.cfg, "nsg.json", text);
  assert_int_equal(pf_config_resolve(e.cfg), PF_OK);
  pf_err_clear(&err);
  assert_int_equal(pf_lint_config(&e.rep, e.cfg, NULL), PF_OK);
  f = must(&e, "FromAsg", PF_LINT_UNKNOWN);
  assert_non_null(strstr(f->message, "application security group"));
  assert_null(find(&e, "Later", PF_LINT_SHADOWED));
  must(&e, "Later", PF_LINT_UNKNOWN);
  env_free(&e);
}

/* The scope comes from either side of the association, and from NICs:
 * with it, VirtualNetwork is known and AllowVnet is redundant. */
static void test_scope(void **state)
{
  static const struct rs r[] = {
    {"AllowVnet", 100, NULL, "Allow", "*", "VirtualNetwork",
     "VirtualNetwork", "*"},
  };
  static const char vnet_ref[] =
    "{\"id\": \"" VNET_ID "\", \"name\": \"vnet-t\", "
    "\"type\": \"Microsoft.Network/virtualNetworks\", "
    "\"addressSpace\": {\"addressPrefixes\": [\"10.60.0.0/16\"]}, "
    "\"subnets\": [{\"id\": \"" SUBNET_ID "\", \"name\": \"snet-t\", "
    "\"addressPrefix\": \"10.60.1.0/24\", \"networkSecurityGroup\": "
    "{\"id\": \"" NSG_ID "\"}}]}";
  static const char nic[] =
    "{\"id\": \"" NET "/networkInterfaces/nic-t\", \"name\": \"nic-t\", "
    "\"type\": \"Microsoft.Network/networkInterfaces\", "
    "\"networkSecurityGroup\": {\"id\": \"" NSG_ID "\"}, "
    "\"ipConfigurations\": [{\"name\": \"ipconfig1\", "
    "\"privateIPAddress\": \"10.60.1.4\", \"subnet\": {\"id\": \""
    SUBNET_ID "\"}}]}";
  const char *second[2] = {vnet_ref, nic};
  struct env e;
  size_t k;
  (void)state;
  for (k = 0; k < 2; k++) {
    memset(&e, 0, sizeof(e));
    assert_int_equal(pf_config_create(&e.cfg), PF_OK);
    /* the NSG names nothing; the subnet or the NIC names the NSG */
    load(e.cfg, "nsg.json", nsg_json("nsg-t", 0, r, 1));
    if (k == 1)
      load(e.cfg, "vnet.json", vnet_json(0));
    load(e.cfg, "second.json", pf_strdup(second[k]));
    assert_int_equal(pf_config_resolve(e.cfg), PF_OK);
    assert_int_equal(pf_lint_config(&e.rep, e.cfg, NULL), PF_OK);
    assert_non_null(e.rep.nsgs[0].vnet);
    assert_string_equal(e.rep.nsgs[0].vnet->hdr.name, "vnet-t");
    assert_null(e.rep.nsgs[0].note);
    must(&e, "AllowVnet", PF_LINT_REDUNDANT);
    env_free(&e);
  }
}

/* ---- IPv6 and plural fields --------------------------------------------- */

static void test_ipv6(void **state)
{
  static const struct rs r[] = {
    {"DenySshInternet", 100, NULL, "Deny", NULL, "Internet", "*", "22"},
    /* ::/0 minus the IPv6 Internet (2000::/3) still matches fc00::/7 */
    {"AllowSshV6", 110, NULL, "Allow", NULL, "::/0", "*", "22"},
    {"DocV6", 200, NULL, "Allow", NULL, "2001:db8::/32", "*", "443"},
    {"DocV6Part", 210, NULL, "Allow", NULL, "2001:db8:1::/48",
     "fd00:60::/64", "443"},
    {"RdpV6", 300, NULL, "Allow", NULL, "::/0", "*", "3389"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, VNET_V6, 1, r);
  assert_null(find(&e, "AllowSshV6", PF_LINT_EXPOSED));
  assert_null(find(&e, "AllowSshV6", PF_LINT_SHADOWED_OPPOSITE));
  f = must(&e, "DocV6Part", PF_LINT_SHADOWED);
  covered(f, "DocV6", NULL);
  f = must(&e, "RdpV6", PF_LINT_EXPOSED);
  assert_string_equal(f->ports, "3389");
  assert_int_equal(f->sev, PF_LINT_ERROR);
  env_free(&e);
}

static void test_plural_fields(void **state)
{
  static const struct rs r[] = {
    {"Plural", 100, NULL, "Allow", NULL,
     "[\"10.1.0.0/24\", \"10.2.0.0/24\"]", "*", "[\"80\", \"443\"]"},
    /* covered by one element of each plural field */
    {"Single", 110, NULL, "Allow", NULL, "10.2.0.0/24", "*", "443"},
    /* reaches a port Plural does not list */
    {"Wider", 120, NULL, "Allow", NULL, "10.2.0.0/24", "*",
     "[\"443\", \"8443\"]"},
    /* the plural Deny takes 22 and 3389 before the plural Allow */
    {"DenyMgmt", 200, NULL, "Deny", NULL, "*", "*", "[\"22\", \"3389\"]"},
    {"AllowMany", 210, NULL, "Allow", NULL, "*", "*",
     "[\"22\", \"3389\", \"8080\"]"},
    {"AllowMgmt", 220, NULL, "Allow", NULL, "*", "*", "[\"3389\", \"22\"]"},
  };
  struct env e;
  const struct pf_lint_finding *f;
  (void)state;
  LINT(&e, VNET_V4, 1, r);
  f = must(&e, "Single", PF_LINT_SHADOWED);
  covered(f, "Plural", NULL);
  assert_null(find(&e, "Wider", PF_LINT_SHADOWED));
  assert_null(find(&e, "AllowMany", PF_LINT_EXPOSED));
  assert_null(find(&e, "AllowMany", PF_LINT_SHADOWED_OPPOSITE));
  f = must(&e, "AllowMgmt", PF_LINT_SHADOWED_OPPOSITE);
  covered(f, "DenyMgmt", NULL);
  assert_int_equal(e.rep.by_kind[PF_LINT_EXPOSED], 0);
  env_free(&e);
}

static void test_names_and_counts(void **state)
{
  static const struct rs r[] = {
    {"A", 100, NULL, "Allow", "*", "*", "*", "*"},
    {"B", 110, NULL, "Deny", NULL, "10.0.0.0/8", "*", "22"},
  };
  struct env e;
  enum pf_lint_sev s;
  size_t i, total = 0, kinds = 0;
  (void)state;
  assert_string_equal(pf_lint_kind_name(PF_LINT_SHADOWED_OPPOSITE),
                      "shadowed-opposite");
  assert_string_equal(pf_lint_sev_name(PF_LINT_WARNING), "warning");
  assert_int_equal(pf_lint_sev_parse("error", &s), 0);
  assert_int_equal(s, PF_LINT_ERROR);
  assert_int_equal(pf_lint_sev_parse("fatal", &s), -1);
  LINT(&e, VNET_V4, 1, r);
  must(&e, "B", PF_LINT_SHADOWED_OPPOSITE);
  must(&e, "A", PF_LINT_EXPOSED);
  for (i = 0; i < 3; i++)
    total += e.rep.by_sev[i];
  for (i = 0; i < PF_LINT_KIND_COUNT; i++)
    kinds += e.rep.by_kind[i];
  assert_int_equal(total, e.rep.nsgs[0].n);
  assert_int_equal(kinds, e.rep.nsgs[0].n);
  env_free(&e);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_shadowed_same_access),
    cmocka_unit_test(test_shadowed_opposite_peers_trap),
    cmocka_unit_test(test_shadowed_partly_opposite),
    cmocka_unit_test(test_empty),
    cmocka_unit_test(test_redundant),
    cmocka_unit_test(test_example),
    cmocka_unit_test(test_exposed),
    cmocka_unit_test(test_not_exposed_behind_deny),
    cmocka_unit_test(test_unknown_never_shadows),
    cmocka_unit_test(test_unknown_no_vnet),
    cmocka_unit_test(test_unknown_deny_before_allow),
    cmocka_unit_test(test_unknown_asg),
    cmocka_unit_test(test_scope),
    cmocka_unit_test(test_ipv6),
    cmocka_unit_test(test_plural_fields),
    cmocka_unit_test(test_names_and_counts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
