/* SPDX-License-Identifier: MIT */
/* cmd_explain.c - `preflight explain`: IP flow verify, offline, and the
 * same question over whole sets of flows
 *
 * Single flows (--flow, --flows) get the full rule trace, like Network
 * Watcher's IP flow verify; a set question (--from/--to/--ports) is
 * answered exactly by pf_eval_set, printed as merged prefix ranges per
 * verdict and deciding rule (AZURE-SEMANTICS.md 1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_file.h"
#include "../core/pf_jsonr.h"
#include "../core/pf_jw.h"
#include "../core/pf_mem.h"
#include "../eval/pf_path.h"
#include "../load/pf_load.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight explain PATH... --flow 'DIR PROTO SRC[:PORT] -> "
  "DST[:PORT]'\n"
  "       preflight explain PATH... --flows FILE [--format jsonl|json|text]\n"
  "       preflight explain PATH... --from TAG|PREFIX|SUBNET --to "
  "SUBNET|PREFIX|TAG\n"
  "                         --protocol P --ports RANGE [--src-ports RANGE]\n"
  "                         [--direction inbound|outbound]\n"
  "\n"
  "Evaluate network security groups offline with Azure's semantics:\n"
  "priorities, default rules, service tags, subnet then NIC NSG.  The NSGs\n"
  "that apply are found from the configuration: the inside end of a flow\n"
  "(the destination of an inbound flow, the source of an outbound one)\n"
  "picks its subnet, and its NIC when NIC JSON is loaded.  When both ends\n"
  "lie in loaded subnets, the source's outbound NSGs come first, then the\n"
  "destination's inbound NSGs.\n"
  "\n"
  "A set question (--from/--to) is answered for every flow of the set:\n"
  "the result splits it into allowed, denied and unknown parts, each with\n"
  "the rule that decided it, printed as merged prefix ranges.\n"
  "\n"
  "options:\n"
  "  --flow SPEC          one flow: 'inbound tcp 13.69.66.10:40000 -> "
  "10.0.1.4:29876'\n"
  "                       (IPv6 as [2001:db8::1]:443; no port means 0, as "
  "for ICMP)\n"
  "  --flows FILE         JSON lines {\"direction\",\"protocol\",\"src\","
  "\"src_port\",\n"
  "                       \"dst\",\"dst_port\"}; - for standard input; "
  "blank lines\n"
  "                       are skipped, results carry the input line number\n"
  "  --from, --to X       a service tag, a prefix or address, or a subnet "
  "(name or id)\n"
  "  --protocol P         tcp, udp, icmp, esp, ah or * (default tcp)\n"
  "  --ports RANGE        destination ports: 443, 29876-29877, 80,443 or * "
  "(default *)\n"
  "  --src-ports RANGE    source ports (default *)\n"
  "  --direction D        inbound (default) or outbound: which end is "
  "inside\n"
  "  --service-tags FILE  service tag file (default "
  "$PREFLIGHT_SERVICE_TAGS,\n"
  "                       or a tag file among the inputs)\n"
  "  --format FMT         text (default), json, or jsonl (--flows)\n"
  PF_CLI_LOAD_USAGE
  "  -h, --help           show this help\n"
  "\n"
  "Verdicts are allow, deny, or unknown when something needed is missing\n"
  "(a tag file, an NSG that is referenced but not supplied, ASG membership).\n"
  "Exit status: 0 when every flow is allowed, 1 when any is denied or\n"
  "unknown, 2 on usage or input errors.\n"
  "\n"
  "examples:\n"
  "  preflight explain examples/contoso-westeurope --flow "
  "'inbound tcp 13.69.66.10:40000 -> 10.20.1.4:29876'\n"
  "  preflight explain examples/contoso-westeurope --from "
  "BatchNodeManagement.WestEurope \\\n"
  "      --to snet-training --protocol tcp --ports 29876-29877\n"
  "  preflight explain examples/contoso-westeurope --direction outbound "
  "--from snet-training \\\n"
  "      --to AzureContainerRegistry.WestEurope --ports 443\n";

struct explain {
  struct pf_ctx *ctx;
  struct pf_config *cfg;
  struct pf_tagdb *db;
  struct pf_planner *planner;
  enum pf_format fmt;
};

/* ---- flow parsing -------------------------------------------------------- */

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

static int parse_port(const char *s, size_t n, unsigned *out)
{
  unsigned long v = 0;
  size_t i;
  if (!n || n > 5)
    return -1;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  if (v > 65535)
    return -1;
  *out = (unsigned)v;
  return 0;
}

/* "1.2.3.4:80", "[2001:db8::1]:443", "1.2.3.4" (port 0) */
static int parse_endpoint(const char *s, struct pf_addr *a, unsigned *port,
                          char *why, size_t cap)
{
  const char *colon;
  struct pf_err e;
  size_t n = strlen(s);
  pf_err_clear(&e);
  *port = 0;
  if (s[0] == '[') {
    const char *close = strchr(s, ']');
    if (!close) {
      snprintf(why, cap, "'%s': missing ']'", s);
      return -1;
    }
    if (pf_addr_parse(s + 1, (size_t)(close - s - 1), a, &e) != PF_OK) {
      snprintf(why, cap, "%s", e.msg);
      return -1;
    }
    if (close[1] == ':' &&
        parse_port(close + 2, strlen(close + 2), port) != 0) {
      snprintf(why, cap, "invalid port in '%s'", s);
      return -1;
    }
    if (close[1] != ':' && close[1] != '\0') {
      snprintf(why, cap, "unexpected text after ']' in '%s'", s);
      return -1;
    }
    return 0;
  }
  colon = strrchr(s, ':');
  if (colon && strchr(s, ':') == colon) {
    if (pf_addr_parse(s, (size_t)(colon - s), a, &e) != PF_OK) {
      snprintf(why, cap, "%s", e.msg);
      return -1;
    }
    if (parse_port(colon + 1, strlen(colon + 1), port) != 0) {
      snprintf(why, cap, "invalid port in '%s'", s);
      return -1;
    }
    return 0;
  }
  if (pf_addr_parse(s, n, a, &e) != PF_OK) {
    snprintf(why, cap, "%s", e.msg);
    return -1;
  }
  return 0;
}

static int parse_flow_spec(const char *spec, enum pf_dir *dir,
                           struct pf_flow *f, char *why, size_t cap)
{
  char buf[512], *tok[8], *save = NULL, *t;
  int n = 0;
  struct pf_addr src, dst;
  if (strlen(spec) >= sizeof(buf)) {
    snprintf(why, cap, "flow too long");
    return -1;
  }
  strcpy(buf, spec);
  for (t = strtok_r(buf, " \t", &save); t && n < 8;
       t = strtok_r(NULL, " \t", &save))
    tok[n++] = t;
  if (n != 5 || strcmp(tok[3], "->") != 0) {
    snprintf(why, cap, "expected 'DIRECTION PROTOCOL SRC[:PORT] -> "
             "DST[:PORT]', found '%s'", spec);
    return -1;
  }
  if (parse_dir(tok[0], dir)) {
    snprintf(why, cap, "unknown direction '%s' (inbound or outbound)",
             tok[0]);
    return -1;
  }
  f->proto = pf_proto_parse(tok[1]);
  if (!f->proto || f->proto == PF_PB_ALL) {
    snprintf(why, cap, "unknown protocol '%s' (tcp, udp, icmp, esp or ah)",
             tok[1]);
    return -1;
  }
  if (parse_endpoint(tok[2], &src, &f->sport, why, cap) ||
      parse_endpoint(tok[4], &dst, &f->dport, why, cap))
    return -1;
  if (src.af != dst.af) {
    snprintf(why, cap, "source and destination are of different address "
             "families");
    return -1;
  }
  f->af = src.af;
  f->src = src.v;
  f->dst = dst.v;
  return 0;
}

/* ---- output helpers ------------------------------------------------------- */

static const char *owner_name(const struct pf_stage *sg)
{
  return sg->owner ? sg->owner->name : "?";
}

static void jw_step(struct pf_jw *jw, const struct pf_step *st)
{
  const struct pf_stage *sg = st->stage;
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "level", pf_level_name(sg->level));
  pf_jw_kstr(jw, "direction", sg->dir == PF_DIR_INBOUND ? "inbound"
                                                         : "outbound");
  pf_jw_kstr(jw, "owner", owner_name(sg));
  pf_jw_kstr(jw, "nsg", sg->nsgc ? sg->nsgc->nsg->hdr.name : NULL);
  pf_jw_kstr(jw, "nsg_id", sg->nsgc ? sg->nsgc->nsg->hdr.id
                                    : sg->missing_id);
  pf_jw_kstr(jw, "rule", st->rule ? st->rule->name : NULL);
  pf_jw_key(jw, "priority");
  if (st->rule)
    pf_jw_int(jw, st->rule->priority);
  else
    pf_jw_null(jw);
  pf_jw_key(jw, "access");
  if (st->v == PF_V_ALLOW)
    pf_jw_str(jw, "Allow");
  else if (st->v == PF_V_DENY)
    pf_jw_str(jw, "Deny");
  else
    pf_jw_null(jw);
  if (st->v == PF_V_UNKNOWN)
    pf_jw_kstr(jw, "reason", st->why);
  pf_jw_obj_end(jw);
}

/* Stages that evaluated an NSG (or were meant to): the JSON trace lists
 * one stage per NSG, not the levels that have none. */
static int step_listed(const struct pf_step *st)
{
  return st->stage->nsgc || st->stage->missing_id;
}

static void jw_flow_result(struct pf_jw *jw, const struct pf_flow_result *r,
                           const char *why, size_t line)
{
  size_t i;
  pf_jw_obj(jw);
  if (line)
    pf_jw_kint(jw, "line", (int64_t)line);
  pf_jw_kstr(jw, "verdict", pf_verdict_name(r->v));
  pf_jw_key(jw, "stages");
  pf_jw_arr(jw);
  for (i = 0; i < r->n_steps; i++)
    if (step_listed(&r->steps[i]))
      jw_step(jw, &r->steps[i]);
  pf_jw_arr_end(jw);
  if (why)
    pf_jw_kstr(jw, "reason", why);
  pf_jw_obj_end(jw);
}

static void text_step(struct explain *ex, size_t idx, const struct pf_step *st)
{
  FILE *o = ex->ctx->out;
  const struct pf_stage *sg = st->stage;
  const char *col = st->v == PF_V_ALLOW  ? pf_c_green(ex->ctx)
                    : st->v == PF_V_DENY ? pf_c_red(ex->ctx)
                                         : pf_c_yellow(ex->ctx);
  fprintf(o, "  %zu. %s %s, %s: ", idx, pf_level_name(sg->level),
          owner_name(sg), sg->dir == PF_DIR_INBOUND ? "inbound" : "outbound");
  if (!sg->nsgc && !sg->missing_id) {
    fprintf(o, "no NSG -> %sallow%s\n", col, pf_c_reset(ex->ctx));
    return;
  }
  if (!sg->nsgc) {
    fprintf(o, "NSG %s not supplied -> %sunknown%s\n", sg->missing_id, col,
            pf_c_reset(ex->ctx));
    return;
  }
  fprintf(o, "NSG %s", sg->nsgc->nsg->hdr.name);
  if (st->rule)
    fprintf(o, ", rule %s (priority %d%s)", st->rule->name,
            st->rule->priority, st->rule->is_default ? ", default" : "");
  fprintf(o, " -> %s%s%s", col, pf_verdict_name(st->v), pf_c_reset(ex->ctx));
  if (st->v == PF_V_UNKNOWN && st->why)
    fprintf(o, " (%s)", st->why);
  fputc('\n', o);
}

static void tags_line(struct explain *ex)
{
  if (ex->db)
    fprintf(ex->ctx->out, "service tags: %s (cloud %s, changeNumber %lld)\n",
            pf_tagdb_path(ex->db), pf_tagdb_cloud(ex->db),
            (long long)pf_tagdb_change_number(ex->db));
}

static void jw_tags(struct pf_jw *jw, const struct pf_tagdb *db)
{
  pf_jw_key(jw, "service_tags");
  if (!db) {
    pf_jw_null(jw);
    return;
  }
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "path", pf_tagdb_path(db));
  pf_jw_kstr(jw, "cloud", pf_tagdb_cloud(db));
  pf_jw_kint(jw, "change_number", pf_tagdb_change_number(db));
  pf_jw_obj_end(jw);
}

static void fmt_endpoint(enum pf_af af, pf_u128 v, unsigned port, char *buf,
                         size_t cap)
{
  struct pf_addr a;
  char ip[PF_ADDR_STRLEN];
  a.af = af;
  a.v = v;
  pf_addr_format(&a, ip, sizeof(ip));
  if (af == PF_AF_V6)
    snprintf(buf, cap, "[%s]:%u", ip, port);
  else
    snprintf(buf, cap, "%s:%u", ip, port);
}

/* ---- one flow ----------------------------------------------------------------- */

/* \p stages receives the stages; the result's steps point into it, so it
 * must live as long as \p r is used. */
static int explain_one(struct explain *ex, enum pf_dir dir,
                       const struct pf_flow *f, struct pf_stage *stages,
                       struct pf_flow_result *r, const char **why)
{
  struct pf_addr src, dst;
  size_t n = 0;
  src.af = dst.af = f->af;
  src.v = f->src;
  dst.v = f->dst;
  if (pf_planner_flow(ex->planner, dir, &src, &dst, stages, &n, why) !=
      PF_OK)
    return -1;
  if (!n) {
    r->v = PF_V_UNKNOWN;
    r->n_steps = 0;
    return 0;
  }
  pf_eval_flow(stages, n, f, r);
  return 0;
}

static int cmd_flow(struct explain *ex, const char *spec)
{
  struct pf_stage stages[PF_MAX_STAGES];
  struct pf_flow f;
  struct pf_flow_result r;
  enum pf_dir dir;
  char why[256], sbuf[64], dbuf[64], proto[32];
  const char *reason = NULL;
  size_t i;

  memset(&f, 0, sizeof(f));
  if (parse_flow_spec(spec, &dir, &f, why, sizeof(why)))
    return pf_cli_usage(ex->ctx, "explain", "--flow: %s", why);
  if (explain_one(ex, dir, &f, stages, &r, &reason))
    return pf_cli_error(ex->ctx, "out of memory");
  if (ex->fmt != PF_FMT_TEXT) {
    struct pf_jw jw;
    pf_jw_init(&jw, ex->ctx->out, ex->fmt == PF_FMT_JSON);
    jw_flow_result(&jw, &r, reason, 0);
    pf_jw_end(&jw);
    return r.v == PF_V_ALLOW ? PF_EXIT_OK : PF_EXIT_FINDINGS;
  }
  pf_proto_format(f.proto, proto, sizeof(proto));
  fmt_endpoint(f.af, f.src, f.sport, sbuf, sizeof(sbuf));
  fmt_endpoint(f.af, f.dst, f.dport, dbuf, sizeof(dbuf));
  fprintf(ex->ctx->out, "flow: %s %s %s -> %s\n",
          dir == PF_DIR_INBOUND ? "inbound" : "outbound", proto, sbuf, dbuf);
  for (i = 0; i < r.n_steps; i++)
    text_step(ex, i + 1, &r.steps[i]);
  if (reason)
    fprintf(ex->ctx->out, "  %s\n", reason);
  fprintf(ex->ctx->out, "verdict: %s%s%s\n",
          r.v == PF_V_ALLOW  ? pf_c_green(ex->ctx)
          : r.v == PF_V_DENY ? pf_c_red(ex->ctx)
                             : pf_c_yellow(ex->ctx),
          pf_verdict_name(r.v), pf_c_reset(ex->ctx));
  tags_line(ex);
  return r.v == PF_V_ALLOW ? PF_EXIT_OK : PF_EXIT_FINDINGS;
}

/* ---- many flows (JSON lines) ------------------------------------------------ */

/* Read one {"direction",...} object with the bounded reader. */
static int read_flow_line(const char *line, size_t len, enum pf_dir *dir,
                          struct pf_flow *f, char *why, size_t cap)
{
  struct pf_jsonr r;
  enum pf_jtok t;
  int have = 0, rc = -1;
  struct pf_addr src, dst;
  char key[32];
  pf_jsonr_init(&r, line, len, 4);
  memset(f, 0, sizeof(*f));
  if (pf_jsonr_next(&r) != PF_JT_OBJ_BEGIN) {
    snprintf(why, cap, "expected a JSON object");
    goto done;
  }
  while ((t = pf_jsonr_next(&r)) == PF_JT_KEY) {
    size_t kl = r.len < sizeof(key) - 1 ? r.len : sizeof(key) - 1;
    memcpy(key, r.str, kl);
    key[kl] = '\0';
    t = pf_jsonr_next(&r);
    if (t == PF_JT_ERROR)
      break;
    if (!strcmp(key, "src_port") || !strcmp(key, "dst_port")) {
      int64_t v;
      if (t != PF_JT_NUMBER || pf_jsonr_int(&r, 0, 65535, &v) != PF_OK) {
        snprintf(why, cap, "$.%s: expected a port number 0-65535", key);
        goto done;
      }
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
      if (t != PF_JT_STRING) {
        snprintf(why, cap, "$.%s: expected a string", key);
        goto done;
      }
      vl = r.len < sizeof(val) - 1 ? r.len : sizeof(val) - 1;
      memcpy(val, r.str, vl);
      val[vl] = '\0';
      pf_err_clear(&e);
      if (key[0] == 'd' && key[1] == 'i') {
        if (parse_dir(val, dir)) {
          snprintf(why, cap, "$.direction: unknown direction '%s'", val);
          goto done;
        }
        have |= 1;
      } else if (key[0] == 'p') {
        f->proto = pf_proto_parse(val);
        if (!f->proto || f->proto == PF_PB_ALL) {
          snprintf(why, cap, "$.protocol: unknown protocol '%s'", val);
          goto done;
        }
        have |= 2;
      } else if (strchr(val, '.') && strchr(val, ':')) {
        snprintf(why, cap, "$.%s: '%s' carries a port: give the address "
                 "alone and the port in \"%s_port\"", key, val, key);
        goto done;
      } else if (pf_addr_parse(val, vl, key[0] == 's' ? &src : &dst, &e) !=
                 PF_OK) {
        snprintf(why, cap, "$.%s: %s", key, e.msg);
        goto done;
      } else {
        have |= key[0] == 's' ? 4 : 16;
      }
      continue;
    }
    if (pf_jsonr_skip(&r, t) != PF_OK)
      break;
  }
  if (t == PF_JT_ERROR || pf_jsonr_error(&r)->code != PF_OK) {
    snprintf(why, cap, "%s", pf_jsonr_error(&r)->msg);
    goto done;
  }
  if ((have & 0x37) != 0x37) {
    snprintf(why, cap, "missing %s",
             !(have & 1)    ? "\"direction\""
             : !(have & 2)  ? "\"protocol\""
             : !(have & 4)  ? "\"src\""
             : !(have & 16) ? "\"dst\""
                            : "\"dst_port\"");
    goto done;
  }
  if (src.af != dst.af) {
    snprintf(why, cap, "source and destination are of different address "
             "families");
    goto done;
  }
  f->af = src.af;
  f->src = src.v;
  f->dst = dst.v;
  rc = 0;
done:
  pf_jsonr_release(&r);
  return rc;
}

/* The JSON of one stage depends only on what decided it; with a million
 * flows there are a handful of distinct ones, so they are rendered once. */
struct stage_memo {
  const struct pf_res *owner;
  const struct pf_nsgc *nsgc;
  const char *missing;
  const struct pf_nsg_rule *rule;
  const char *why;
  enum pf_dir dir;
  enum pf_verdict v;
  char *json;
};

#define STAGE_MEMO_MAX 256

static const char *stage_json(struct stage_memo *m, size_t *n,
                              const struct pf_step *st)
{
  const struct pf_stage *sg = st->stage;
  char *buf = NULL;
  size_t len = 0, i;
  FILE *mf;
  struct pf_jw jw;
  for (i = 0; i < *n; i++)
    if (m[i].owner == sg->owner && m[i].nsgc == sg->nsgc &&
        m[i].missing == sg->missing_id && m[i].rule == st->rule &&
        m[i].why == st->why && m[i].dir == sg->dir && m[i].v == st->v)
      return m[i].json;
  mf = open_memstream(&buf, &len);
  if (!mf)
    return NULL;
  pf_jw_init(&jw, mf, 0);
  jw_step(&jw, st);
  if (fclose(mf) != 0) {
    free(buf);
    return NULL;
  }
  if (*n == STAGE_MEMO_MAX) {
    /* too many distinct stages to remember: the caller renders it */
    free(buf);
    return NULL;
  }
  m[*n].owner = sg->owner;
  m[*n].nsgc = sg->nsgc;
  m[*n].missing = sg->missing_id;
  m[*n].rule = st->rule;
  m[*n].why = st->why;
  m[*n].dir = sg->dir;
  m[*n].v = st->v;
  m[*n].json = buf;
  return m[(*n)++].json;
}

/* One result line of --flows in JSON (same shape as jw_flow_result). */
static void put_flow_json(FILE *o, struct stage_memo *m, size_t *nm,
                          const struct pf_flow_result *r, const char *why,
                          size_t line)
{
  size_t i, k = 0;
  fprintf(o, "{\"line\":%zu,\"verdict\":\"%s\",\"stages\":[", line,
          pf_verdict_name(r->v));
  for (i = 0; i < r->n_steps; i++) {
    const char *js;
    if (!step_listed(&r->steps[i]))
      continue;
    js = stage_json(m, nm, &r->steps[i]);
    if (k++)
      fputc(',', o);
    if (js) {
      fputs(js, o);
    } else {
      struct pf_jw jw;
      pf_jw_init(&jw, o, 0);
      jw_step(&jw, &r->steps[i]);
    }
  }
  fputc(']', o);
  if (why) {
    fputs(",\"reason\":\"", o);
    pf_json_escape(o, why, strlen(why));
    fputc('"', o);
  }
  fputc('}', o);
}

static int cmd_flows(struct explain *ex, const char *path)
{
  struct stage_memo memo[STAGE_MEMO_MAX];
  size_t n_memo = 0;
  struct flowline {
    struct pf_flow f;
    enum pf_dir dir;
    size_t line;
  } *fl = NULL;
  char *buf = NULL;
  size_t len = 0, pos = 0, lineno = 0, any_bad = 0, n_fl = 0, cap_fl = 0, fi;
  struct pf_err err;
  struct pf_jw jw;
  int rc = PF_EXIT_OK;

  pf_err_clear(&err);
  if (pf_file_read(path, (size_t)1 << 30, &buf, &len, &err) != PF_OK)
    return pf_cli_fail(ex->ctx, err.code, &err);
  /* parse every line first, once: bad input must not give partial
   * output, and the evaluation loop then touches no text */
  while (pos < len) {
    const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
    size_t ll = nl ? (size_t)(nl - line) : len - pos;
    char why[256];
    pos += ll + (nl != NULL);
    lineno++;
    if (ll && line[ll - 1] == '\r')
      ll--;
    if (!ll)
      continue;
    if (PF_GROW(fl, cap_fl, n_fl + 1)) {
      pf_free(buf);
      return pf_cli_error(ex->ctx, "out of memory");
    }
    fl[n_fl].line = lineno;
    if (read_flow_line(line, ll, &fl[n_fl].dir, &fl[n_fl].f, why,
                       sizeof(why))) {
      rc = pf_cli_error(ex->ctx, "%s: line %zu: %s",
                        strcmp(path, "-") ? path : "<stdin>", lineno, why);
      pf_free(buf);
      pf_free(fl);
      return rc;
    }
    n_fl++;
  }
  pf_free(buf);
  buf = NULL;
  pf_jw_init(&jw, ex->ctx->out, ex->fmt == PF_FMT_JSON);
  if (ex->fmt == PF_FMT_JSON)
    pf_jw_arr(&jw);
  for (fi = 0; fi < n_fl; fi++) {
    struct pf_flow f = fl[fi].f;
    struct pf_flow_result r;
    struct pf_stage stages[PF_MAX_STAGES];
    enum pf_dir dir = fl[fi].dir;
    const char *why = NULL;
    lineno = fl[fi].line;
    if (explain_one(ex, dir, &f, stages, &r, &why)) {
      pf_free(fl);
      for (fi = 0; fi < n_memo; fi++)
        free(memo[fi].json);
      return pf_cli_error(ex->ctx, "out of memory");
    }
    if (r.v != PF_V_ALLOW)
      any_bad = 1;
    if (ex->fmt == PF_FMT_TEXT) {
      char sbuf[64], dbuf[64], proto[16];
      size_t i;
      pf_proto_format(f.proto, proto, sizeof(proto));
      fmt_endpoint(f.af, f.src, f.sport, sbuf, sizeof(sbuf));
      fmt_endpoint(f.af, f.dst, f.dport, dbuf, sizeof(dbuf));
      fprintf(ex->ctx->out, "%-7s %s %s %s -> %s", pf_verdict_name(r.v),
              dir == PF_DIR_INBOUND ? "inbound" : "outbound", proto, sbuf,
              dbuf);
      for (i = 0; i < r.n_steps; i++) {
        const struct pf_step *st = &r.steps[i];
        if (!step_listed(st))
          continue;
        fprintf(ex->ctx->out, "  [%s %s: %s]", pf_level_name(st->stage->level),
                st->stage->nsgc ? st->stage->nsgc->nsg->hdr.name
                                : "(not supplied)",
                st->rule ? st->rule->name : pf_verdict_name(st->v));
        if (st->v == PF_V_UNKNOWN && st->why)
          fprintf(ex->ctx->out, " (%s)", st->why);
      }
      if (why)
        fprintf(ex->ctx->out, "  (%s)", why);
      fputc('\n', ex->ctx->out);
    } else if (ex->fmt == PF_FMT_JSONL) {
      put_flow_json(ex->ctx->out, memo, &n_memo, &r, why, lineno);
      fputc('\n', ex->ctx->out);
    } else {
      jw_flow_result(&jw, &r, why, lineno);
    }
  }
  for (fi = 0; fi < n_memo; fi++)
    free(memo[fi].json);
  if (ex->fmt == PF_FMT_JSON) {
    pf_jw_arr_end(&jw);
    pf_jw_end(&jw);
  }
  pf_free(fl);
  return any_bad ? PF_EXIT_FINDINGS : PF_EXIT_OK;
}

/* ---- set questions ---------------------------------------------------------- */

struct end {
  const char *text;
  const struct pf_subnet *subnet;   /* the subnet the end lies in */
  const struct pf_nic *nic;         /* a single address of a loaded NIC */
  struct pf_ipset set;
};

static const struct pf_subnet *subnet_named(struct explain *ex,
                                            const char *text, int *ambiguous)
{
  const struct pf_subnet *found = NULL;
  size_t i;
  *ambiguous = 0;
  for (i = 0; i < ex->cfg->n_res[PF_K_SUBNET]; i++) {
    const struct pf_res *r = ex->cfg->res[PF_K_SUBNET][i];
    if (pf_id_eq(r->id, text))
      return (const struct pf_subnet *)r;
    if (!strcasecmp(r->name, text)) {
      if (found)
        *ambiguous = 1;
      found = (const struct pf_subnet *)r;
    }
  }
  return *ambiguous ? NULL : found;
}

/* Resolve an end.  \p vnet_hint is the other end's vnet, used for
 * VirtualNetwork/Internet when this end is remote. */
static int resolve_end(struct explain *ex, struct end *e,
                       const struct pf_vnet *vnet_hint, const char *opt)
{
  int ambiguous;
  struct pf_prefix p;
  const struct pf_scope *scope;
  const char *why = NULL;
  pf_status st;

  e->subnet = subnet_named(ex, e->text, &ambiguous);
  if (ambiguous)
    return pf_cli_usage(ex->ctx, "explain", "%s '%s' names several subnets; "
                        "give the subnet's id", opt, e->text);
  if (e->subnet) {
    size_t i;
    for (i = 0; i < e->subnet->n_prefixes; i++)
      if (pf_ipset_add_prefix(&e->set, &e->subnet->prefixes[i]) != PF_OK)
        return pf_cli_error(ex->ctx, "out of memory");
    return PF_EXIT_OK;
  }
  if (pf_prefix_parse(e->text, strlen(e->text), 1, &p, NULL) == PF_OK) {
    struct pf_addr first, last;
    first.af = last.af = p.af;
    first.v = pf_prefix_first(&p);
    last.v = pf_prefix_last(&p);
    if (pf_ipset_add_prefix(&e->set, &p) != PF_OK)
      return pf_cli_error(ex->ctx, "out of memory");
    e->subnet = pf_planner_subnet_of(ex->planner, &first);
    if (e->subnet && pf_planner_subnet_of(ex->planner, &last) != e->subnet)
      e->subnet = NULL;   /* spans several subnets: treat as remote */
    if (p.len == pf_af_bits(p.af))
      e->nic = pf_planner_nic_of(ex->planner, &first);
    return PF_EXIT_OK;
  }
  scope = pf_planner_scope(ex->planner, vnet_hint, &st);
  if (!scope)
    return pf_cli_error(ex->ctx, "out of memory");
  if (!pf_scope_name(scope, e->text, &e->set, &why, &st)) {
    if (st != PF_OK)
      return pf_cli_error(ex->ctx, "out of memory");
    return pf_cli_error(ex->ctx, "explain: %s '%s': %s", opt, e->text, why);
  }
  return PF_EXIT_OK;
}

struct plist {
  FILE *o;
  struct pf_jw *jw;
  size_t n, col;
};

static int put_prefix(const struct pf_prefix *p, void *arg)
{
  struct plist *l = arg;
  char buf[PF_PREFIX_STRLEN];
  pf_prefix_format(p, buf, sizeof(buf));
  if (l->jw) {
    pf_jw_str(l->jw, buf);
  } else {
    if (l->col && l->col + strlen(buf) > 72) {
      fputs("\n       ", l->o);
      l->col = 0;
    }
    fprintf(l->o, "%s%s", l->col ? " " : "", buf);
    l->col += strlen(buf) + 1;
  }
  l->n++;
  return 0;
}

static int count_cb(const struct pf_prefix *p, void *arg)
{
  (void)p;
  (*(size_t *)arg)++;
  return 0;
}

static size_t n_prefixes(enum pf_af af, const struct pf_rangeset *s)
{
  size_t i, n = 0;
  for (i = 0; i < s->n; i++)
    pf_range_to_prefixes(af, s->r[i].lo, s->r[i].hi, count_cb, &n);
  return n;
}

static void list_prefixes(struct plist *l, enum pf_af af,
                          const struct pf_rangeset *s)
{
  size_t i;
  for (i = 0; i < s->n; i++)
    pf_range_to_prefixes(af, s->r[i].lo, s->r[i].hi, put_prefix, l);
}

static const char *overall(const struct pf_partition *pt)
{
  size_t i;
  int seen[3] = {0, 0, 0};
  for (i = 0; i < pt->n; i++)
    seen[pt->p[i].v] = 1;
  if (seen[0] + seen[1] + seen[2] > 1)
    return "mixed";
  if (seen[1])
    return "deny";
  if (seen[2])
    return "unknown";
  return "allow";
}

/* A part of one end: the addresses that meet the same NSGs. */
struct piece {
  struct pf_ipset set;
  const struct pf_subnet *subnet;   /* NULL: outside every loaded subnet */
  const struct pf_nic *nic;         /* a loaded NIC's own addresses */
};

static void free_pieces(struct piece *p, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    pf_ipset_release(&p[i].set);
  pf_free(p);
}

static int add_piece(struct piece **p, size_t *n, size_t *cap,
                     struct pf_ipset *set, const struct pf_subnet *s,
                     const struct pf_nic *nic)
{
  if (PF_GROW(*p, *cap, *n + 1))
    return -1;
  (*p)[*n].set = *set;
  (*p)[*n].subnet = s;
  (*p)[*n].nic = nic;
  (*n)++;
  pf_ipset_init(set);
  return 0;
}

static int cmp_subnet_len(const void *a, const void *b)
{
  const struct pf_subnet *x = *(const struct pf_subnet *const *)a;
  const struct pf_subnet *y = *(const struct pf_subnet *const *)b;
  unsigned lx = x->n_prefixes ? x->prefixes[0].len : 0;
  unsigned ly = y->n_prefixes ? y->prefixes[0].len : 0;
  return lx == ly ? 0 : lx > ly ? -1 : 1;
}

/* Split \p set by loaded subnet (most specific first) and NIC. */
static int split_end(struct explain *ex, const struct pf_ipset *set,
                     struct piece **out, size_t *n)
{
  const struct pf_config *cfg = ex->cfg;
  const struct pf_subnet **subs = NULL;
  struct pf_ipset rem, sset, inter, tmp, nicset;
  size_t cap = 0, i, j, k, ns = cfg->n_res[PF_K_SUBNET];
  int rc = PF_EXIT_OK;

  *out = NULL;
  *n = 0;
  pf_ipset_init(&rem);
  pf_ipset_init(&sset);
  pf_ipset_init(&inter);
  pf_ipset_init(&tmp);
  pf_ipset_init(&nicset);
  subs = pf_calloc(ns ? ns : 1, sizeof(*subs));
  if (!subs || pf_ipset_copy(&rem, set) != PF_OK)
    goto oom;
  for (i = 0; i < ns; i++)
    subs[i] = (const struct pf_subnet *)cfg->res[PF_K_SUBNET][i];
  qsort(subs, ns, sizeof(*subs), cmp_subnet_len);
  for (i = 0; i < ns && !pf_ipset_empty(&rem); i++) {
    const struct pf_subnet *s = subs[i];
    pf_ipset_clear(&sset);
    for (j = 0; j < s->n_prefixes; j++)
      if (pf_ipset_add_prefix(&sset, &s->prefixes[j]) != PF_OK)
        goto oom;
    if (pf_ipset_intersect(&inter, &rem, &sset) != PF_OK)
      goto oom;
    if (pf_ipset_empty(&inter))
      continue;
    if (pf_ipset_subtract(&tmp, &rem, &sset) != PF_OK)
      goto oom;
    pf_ipset_release(&rem);
    rem = tmp;
    pf_ipset_init(&tmp);
    /* the loaded NICs of this subnet with their own addresses */
    for (j = 0; j < cfg->n_res[PF_K_NIC]; j++) {
      const struct pf_nic *nic = (const struct pf_nic *)cfg->res[PF_K_NIC][j];
      struct pf_ipset mine;
      pf_ipset_init(&mine);
      pf_ipset_clear(&nicset);
      for (k = 0; k < nic->n_ipconfigs; k++) {
        const struct pf_nic_ipconfig *c = &nic->ipconfigs[k];
        struct pf_prefix p;
        if (!c->has_private_ip || c->subnet.target != &s->hdr)
          continue;
        p.af = c->private_ip.af;
        p.addr = c->private_ip.v;
        p.len = pf_af_bits(p.af);
        if (pf_ipset_add_prefix(&nicset, &p) != PF_OK)
          goto oom;
      }
      if (pf_ipset_empty(&nicset))
        continue;
      if (pf_ipset_intersect(&mine, &inter, &nicset) != PF_OK ||
          pf_ipset_subtract(&tmp, &inter, &nicset) != PF_OK) {
        pf_ipset_release(&mine);
        goto oom;
      }
      pf_ipset_release(&inter);
      inter = tmp;
      pf_ipset_init(&tmp);
      if (!pf_ipset_empty(&mine) && add_piece(out, n, &cap, &mine, s, nic)) {
        pf_ipset_release(&mine);
        goto oom;
      }
      pf_ipset_release(&mine);
    }
    if (!pf_ipset_empty(&inter) && add_piece(out, n, &cap, &inter, s, NULL))
      goto oom;
  }
  if (!pf_ipset_empty(&rem) && add_piece(out, n, &cap, &rem, NULL, NULL))
    goto oom;
  goto done;
oom:
  rc = pf_cli_error(ex->ctx, "out of memory");
done:
  pf_free(subs);
  pf_ipset_release(&rem);
  pf_ipset_release(&sset);
  pf_ipset_release(&inter);
  pf_ipset_release(&tmp);
  pf_ipset_release(&nicset);
  return rc;
}

static int piece_stages(struct explain *ex, const struct piece *s,
                        const struct piece *d, struct pf_stage *stg,
                        size_t *n)
{
  pf_status st = PF_OK;
  if (s->subnet) {
    const struct pf_vnet *v = pf_planner_vnet_of(ex->planner, s->subnet);
    if (s->nic)
      st = pf_planner_stage(ex->planner, &s->nic->hdr, v, PF_DIR_OUTBOUND,
                            &stg[(*n)++]);
    if (st == PF_OK)
      st = pf_planner_stage(ex->planner, &s->subnet->hdr, v,
                            PF_DIR_OUTBOUND, &stg[(*n)++]);
  }
  if (st == PF_OK && d->subnet) {
    const struct pf_vnet *v = pf_planner_vnet_of(ex->planner, d->subnet);
    st = pf_planner_stage(ex->planner, &d->subnet->hdr, v, PF_DIR_INBOUND,
                          &stg[(*n)++]);
    if (st == PF_OK && d->nic)
      st = pf_planner_stage(ex->planner, &d->nic->hdr, v, PF_DIR_INBOUND,
                            &stg[(*n)++]);
  }
  return st == PF_OK ? PF_EXIT_OK : pf_cli_error(ex->ctx, "out of memory");
}

/* Evaluate one pair of pieces and move its parts into \p pt. */
static int eval_pair(struct explain *ex, const struct piece *s,
                     const struct piece *d, const struct pf_stage *stg,
                     size_t n, unsigned proto,
                     const struct pf_rangeset *sports,
                     const struct pf_rangeset *dports,
                     struct pf_partition *pt)
{
  struct pf_boxset q;
  struct pf_partition one;
  unsigned af;
  size_t i;
  int rc = PF_EXIT_OK;

  pf_boxset_init(&q);
  pf_partition_init(&one);
  for (af = 0; af < PF_AF_COUNT; af++) {
    struct pf_box b;
    if (pf_rangeset_empty(&s->set.fam[af]) ||
        pf_rangeset_empty(&d->set.fam[af]))
      continue;
    pf_box_init(&b, (enum pf_af)af);
    b.proto = proto;
    if (pf_rangeset_copy(&b.src, &s->set.fam[af]) != PF_OK ||
        pf_rangeset_copy(&b.dst, &d->set.fam[af]) != PF_OK ||
        pf_rangeset_copy(&b.sport, sports) != PF_OK ||
        pf_rangeset_copy(&b.dport, dports) != PF_OK ||
        pf_boxset_push(&q, &b) != PF_OK) {
      pf_box_release(&b);
      rc = pf_cli_error(ex->ctx, "out of memory");
      goto done;
    }
    pf_box_release(&b);
  }
  if (!q.n)
    goto done;
  if (pf_eval_set(stg, n, &q, &one) != PF_OK) {
    rc = pf_cli_error(ex->ctx, "out of memory");
    goto done;
  }
  for (i = 0; i < one.n; i++) {
    struct pf_part *p;
    if (PF_GROW(pt->p, pt->cap, pt->n + 1)) {
      rc = pf_cli_error(ex->ctx, "out of memory");
      goto done;
    }
    p = &pt->p[pt->n++];
    *p = one.p[i];
    /* flows between two addresses outside every loaded subnet meet no
     * known NSG: unknown, not allowed */
    if (!n)
      p->v = PF_V_UNKNOWN;
    pf_box_init(&one.p[i].box, one.p[i].box.af);
  }
done:
  pf_partition_release(&one);
  pf_boxset_release(&q);
  return rc;
}

static void note_stage(struct pf_stage *all, size_t *n,
                       const struct pf_stage *sg)
{
  size_t i;
  for (i = 0; i < *n; i++)
    if (all[i].owner == sg->owner && all[i].dir == sg->dir)
      return;
  if (*n < 32)
    all[(*n)++] = *sg;
}

static int cmd_set(struct explain *ex, enum pf_dir dir, const char *from,
                   const char *to, unsigned proto,
                   const struct pf_rangeset *sports,
                   const struct pf_rangeset *dports, const char *ports_text,
                   const char *sports_text)
{
  struct end src, dst, *inside, *remote;
  struct piece *sp = NULL, *dp = NULL;
  size_t nsp = 0, ndp = 0, n_sets = 0, cap_sets = 0, n_all = 0;
  struct pf_stage **stage_sets = NULL, all[32];
  struct pf_partition pt;
  size_t i, si;
  int rc;
  char ptext[32];

  memset(&src, 0, sizeof(src));
  memset(&dst, 0, sizeof(dst));
  pf_ipset_init(&src.set);
  pf_ipset_init(&dst.set);
  pf_partition_init(&pt);
  src.text = from;
  dst.text = to;
  inside = dir == PF_DIR_INBOUND ? &dst : &src;
  remote = dir == PF_DIR_INBOUND ? &src : &dst;
  if ((rc = resolve_end(ex, inside, NULL,
                        dir == PF_DIR_INBOUND ? "--to" : "--from")) !=
      PF_EXIT_OK)
    goto done;
  if (!inside->subnet) {
    rc = pf_cli_error(ex->ctx, "explain: %s '%s' is not inside a loaded "
                      "subnet (load the virtual network, or check "
                      "--direction)",
                      dir == PF_DIR_INBOUND ? "--to" : "--from", inside->text);
    goto done;
  }
  if ((rc = resolve_end(ex, remote,
                        pf_planner_vnet_of(ex->planner, inside->subnet),
                        dir == PF_DIR_INBOUND ? "--from" : "--to")) !=
      PF_EXIT_OK)
    goto done;
  /* Each end splits into pieces by the loaded subnet (and NIC) its
   * addresses lie in; every pair of pieces meets the source piece's
   * outbound NSGs (NIC, subnet), then the destination piece's inbound
   * ones (subnet, NIC) - AZURE-SEMANTICS.md 1.7 */
  if ((rc = split_end(ex, &src.set, &sp, &nsp)) != PF_EXIT_OK ||
      (rc = split_end(ex, &dst.set, &dp, &ndp)) != PF_EXIT_OK)
    goto done;
  for (i = 0; i < nsp; i++) {
    size_t j;
    for (j = 0; j < ndp; j++) {
      struct pf_stage *stg;
      size_t n = 0;
      if (PF_GROW(stage_sets, cap_sets, n_sets + 1) ||
          !(stg = pf_calloc(PF_MAX_STAGES, sizeof(*stg)))) {
        rc = pf_cli_error(ex->ctx, "out of memory");
        goto done;
      }
      stage_sets[n_sets++] = stg;
      if ((rc = piece_stages(ex, &sp[i], &dp[j], stg, &n)) != PF_EXIT_OK ||
          (rc = eval_pair(ex, &sp[i], &dp[j], stg, n, proto, sports, dports,
                          &pt)) != PF_EXIT_OK)
        goto done;
      for (si = 0; si < n; si++)
        note_stage(all, &n_all, &stg[si]);
    }
  }
  if (!pt.n) {
    rc = pf_cli_error(ex->ctx, "explain: '%s' and '%s' share no address "
                      "family: no flow to evaluate", from, to);
    goto done;
  }
  if (pf_partition_merge(&pt) != PF_OK) {
    rc = pf_cli_error(ex->ctx, "out of memory");
    goto done;
  }
  pf_proto_format(proto, ptext, sizeof(ptext));
  if (ex->fmt != PF_FMT_TEXT) {
    struct pf_jw jw;
    struct plist l;
    pf_jw_init(&jw, ex->ctx->out, 1);
    pf_jw_obj(&jw);
    pf_jw_key(&jw, "question");
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "direction", dir == PF_DIR_INBOUND ? "inbound"
                                                        : "outbound");
    pf_jw_kstr(&jw, "protocol", ptext);
    pf_jw_kstr(&jw, "from", from);
    pf_jw_kstr(&jw, "to", to);
    pf_jw_kstr(&jw, "src_ports", sports_text);
    pf_jw_kstr(&jw, "dst_ports", ports_text);
    pf_jw_obj_end(&jw);
    pf_jw_kstr(&jw, "verdict", overall(&pt));
    pf_jw_key(&jw, "parts");
    pf_jw_arr(&jw);
    for (i = 0; i < pt.n; i++) {
      const struct pf_part *p = &pt.p[i];
      char pbuf[256];
      size_t k;
      pf_jw_obj(&jw);
      pf_jw_kstr(&jw, "verdict", pf_verdict_name(p->v));
      pf_proto_format(p->box.proto, pbuf, sizeof(pbuf));
      pf_jw_kstr(&jw, "protocol", pbuf);
      memset(&l, 0, sizeof(l));
      l.jw = &jw;
      pf_jw_key(&jw, "src");
      pf_jw_arr(&jw);
      list_prefixes(&l, p->box.af, &p->box.src);
      pf_jw_arr_end(&jw);
      pf_portset_format(&p->box.sport, pbuf, sizeof(pbuf));
      pf_jw_kstr(&jw, "src_ports", pbuf);
      pf_jw_key(&jw, "dst");
      pf_jw_arr(&jw);
      list_prefixes(&l, p->box.af, &p->box.dst);
      pf_jw_arr_end(&jw);
      pf_portset_format(&p->box.dport, pbuf, sizeof(pbuf));
      pf_jw_kstr(&jw, "dst_ports", pbuf);
      pf_jw_key(&jw, "stages");
      pf_jw_arr(&jw);
      for (k = 0; k < p->n_steps; k++)
        if (step_listed(&p->steps[k]))
          jw_step(&jw, &p->steps[k]);
      pf_jw_arr_end(&jw);
      pf_jw_obj_end(&jw);
    }
    pf_jw_arr_end(&jw);
    jw_tags(&jw, ex->db);
    pf_jw_obj_end(&jw);
    pf_jw_end(&jw);
  } else {
    FILE *o = ex->ctx->out;
    fprintf(o, "question: %s %s from %s to %s, source ports %s, destination "
            "ports %s\n",
            dir == PF_DIR_INBOUND ? "inbound" : "outbound", ptext, from, to,
            sports_text, ports_text);
    for (i = 0; i < n_all; i++) {
      const struct pf_stage *sg = &all[i];
      fprintf(o, "  %zu. %s %s, %s: %s%s\n", i + 1, pf_level_name(sg->level),
              owner_name(sg), sg->dir == PF_DIR_INBOUND ? "inbound"
                                                        : "outbound",
              sg->nsgc ? "NSG " : sg->missing_id ? "NSG not supplied: "
                                                 : "no NSG",
              sg->nsgc ? sg->nsgc->nsg->hdr.name
                       : sg->missing_id ? sg->missing_id : "");
    }
    fprintf(o, "answer: %s\n", overall(&pt));
    for (i = 0; i < pt.n; i++) {
      const struct pf_part *p = &pt.p[i];
      struct plist l;
      char pbuf[256], dpbuf[256], pr[32];
      size_t k;
      const char *col = p->v == PF_V_ALLOW  ? pf_c_green(ex->ctx)
                        : p->v == PF_V_DENY ? pf_c_red(ex->ctx)
                                            : pf_c_yellow(ex->ctx);
      fprintf(o, "\n%s%s%s", col, p->v == PF_V_ALLOW  ? "ALLOW"
                                  : p->v == PF_V_DENY ? "DENY"
                                                      : "UNKNOWN",
              pf_c_reset(ex->ctx));
      for (k = 0; k < p->n_steps; k++) {
        const struct pf_step *st = &p->steps[k];
        if (!step_listed(st))
          continue;
        if (st->rule)
          fprintf(o, "  %s %s rule %s (%d)", pf_level_name(st->stage->level),
                  st->stage->nsgc->nsg->hdr.name, st->rule->name,
                  st->rule->priority);
        else
          fprintf(o, "  %s NSG %s", pf_level_name(st->stage->level),
                  st->stage->nsgc ? st->stage->nsgc->nsg->hdr.name
                                  : "not supplied");
        if (st->v == PF_V_UNKNOWN && st->why)
          fprintf(o, ": %s", st->why);
      }
      {
        size_t listed = 0;
        for (k = 0; k < p->n_steps; k++)
          listed += step_listed(&p->steps[k]);
        if (!listed)
          fputs(p->n_steps ? "  no NSG on the path"
                           : "  neither end lies in a loaded subnet",
                o);
      }
      pf_proto_format(p->box.proto, pr, sizeof(pr));
      pf_portset_format(&p->box.sport, pbuf, sizeof(pbuf));
      pf_portset_format(&p->box.dport, dpbuf, sizeof(dpbuf));
      fprintf(o, "\n  protocol %s, source ports %s, destination ports %s\n",
              pr, pbuf, dpbuf);
      memset(&l, 0, sizeof(l));
      l.o = o;
      fprintf(o, "  from (%zu): ", n_prefixes(p->box.af, &p->box.src));
      list_prefixes(&l, p->box.af, &p->box.src);
      memset(&l, 0, sizeof(l));
      l.o = o;
      fprintf(o, "\n  to (%zu):   ", n_prefixes(p->box.af, &p->box.dst));
      list_prefixes(&l, p->box.af, &p->box.dst);
      fputc('\n', o);
    }
    tags_line(ex);
  }
  rc = strcmp(overall(&pt), "allow") ? PF_EXIT_FINDINGS : PF_EXIT_OK;
done:
  pf_partition_release(&pt);
  free_pieces(sp, nsp);
  free_pieces(dp, ndp);
  for (i = 0; i < n_sets; i++)
    pf_free(stage_sets[i]);
  pf_free(stage_sets);
  pf_ipset_release(&src.set);
  pf_ipset_release(&dst.set);
  return rc;
}

int cmd_explain(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"direction", required_argument, NULL, 'd'},
    {"flow", required_argument, NULL, 'F'},
    {"flows", required_argument, NULL, 'L'},
    {"format", required_argument, NULL, 'f'},
    {"from", required_argument, NULL, 'a'},
    {"help", no_argument, NULL, 'h'},
    {"ports", required_argument, NULL, 'p'},
    {"protocol", required_argument, NULL, 'P'},
    {"service-tags", required_argument, NULL, 't'},
    {"src-ports", required_argument, NULL, 's'},
    {"to", required_argument, NULL, 'b'},
    PF_CLI_LOAD_OPTIONS,
    {NULL, 0, NULL, 0}
  };
  const char *flow = NULL, *flows = NULL, *from = NULL, *to = NULL;
  const char *ports = "*", *sports = "*", *proto_text = "tcp";
  const char *tags_opt = NULL;
  enum pf_dir dir = PF_DIR_INBOUND;
  struct explain ex;
  struct pf_rangeset dset, sset;
  struct pf_err err;
  unsigned proto;
  int c, rc = PF_EXIT_OK;

  memset(&ex, 0, sizeof(ex));
  ex.ctx = ctx;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'a': from = optarg; break;
    case 'b': to = optarg; break;
    case 'd':
      if (parse_dir(optarg, &dir))
        return pf_cli_usage(ctx, "explain", "unknown direction '%s' "
                            "(inbound or outbound)", optarg);
      break;
    case 'F': flow = optarg; break;
    case 'L': flows = optarg; break;
    case 'f':
      if (pf_cli_format(ctx, "explain", optarg, 1, &ex.fmt))
        return PF_EXIT_ERROR;
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case 'p': ports = optarg; break;
    case 'P': proto_text = optarg; break;
    case 's': sports = optarg; break;
    case 't': tags_opt = optarg; break;
    default:
      if (pf_cli_load_option(ctx, c, optarg))   /* PF_CLI_LOAD_OPTIONS */
        break;
      return pf_cli_usage(ctx, "explain", "unknown or incomplete option "
                          "'%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return pf_cli_usage(ctx, "explain", "no PATH given");
  if ((flow != NULL) + (flows != NULL) + (from || to) != 1)
    return pf_cli_usage(ctx, "explain", "give exactly one of --flow, --flows "
                        "or --from/--to");
  if ((from || to) && !(from && to))
    return pf_cli_usage(ctx, "explain", "--from and --to go together");
  proto = pf_proto_parse(proto_text);
  if (!proto)
    return pf_cli_usage(ctx, "explain", "unknown protocol '%s' (tcp, udp, "
                        "icmp, esp, ah or *)", proto_text);
  pf_rangeset_init(&dset);
  pf_rangeset_init(&sset);
  pf_err_clear(&err);
  {
    /* port lists: "80,443,8000-8080" */
    const char *lists[2] = {ports, sports};
    struct pf_rangeset *sets[2] = {&dset, &sset};
    int k;
    for (k = 0; k < 2; k++) {
      const char *p = lists[k];
      while (1) {
        size_t len = strcspn(p, ",");
        if (pf_portset_parse_add(sets[k], p, len, &err) != PF_OK) {
          rc = pf_cli_usage(ctx, "explain", "%s: %s",
                            k ? "--src-ports" : "--ports", err.msg);
          goto done;
        }
        if (!p[len])
          break;
        p += len + 1;
      }
    }
  }
  if ((rc = pf_cli_load(ctx, argv + optind, (size_t)(argc - optind),
                         tags_opt, &ex.cfg, &ex.db)) != PF_EXIT_OK)
    goto done;
  pf_cli_warn_config(ctx, ex.cfg);
  if (pf_planner_create(&ex.planner, ex.cfg, ex.db) != PF_OK) {
    rc = pf_cli_error(ctx, "out of memory");
    goto done;
  }
  if (flow) {
    rc = cmd_flow(&ex, flow);
  } else if (flows) {
    if (pf_planner_index_flows(ex.planner) != PF_OK) {
      rc = pf_cli_error(ctx, "out of memory");
      goto done;
    }
    rc = cmd_flows(&ex, flows);
  }
  else
    rc = cmd_set(&ex, dir, from, to, proto, &sset, &dset, ports, sports);
done:
  pf_planner_destroy(ex.planner);
  pf_tagdb_destroy(ex.db);
  pf_config_destroy(ex.cfg);
  pf_rangeset_release(&dset);
  pf_rangeset_release(&sset);
  return rc;
}
