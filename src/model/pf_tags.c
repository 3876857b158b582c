/* SPDX-License-Identifier: MIT */
/* pf_tags.c - service tag database: one-pass load, lookup, extract
 *
 * The tag file (AZURE-SEMANTICS.md 3.1, 3.2: 4+ MB, ~3,000 tags, ~95,000
 * prefixes) is indexed straight from the pf_jsonr token stream: no DOM, no
 * allocation per prefix.  Memory is the file bytes (kept so the prefixes
 * can be re-read exactly as written), one string pool, one record per tag
 * and one normalised address set per tag.
 *
 * Accepted shapes, all with members in any order:
 *   - the download file {changeNumber, cloud, values[]} (3.1);
 *   - the Service Tag Discovery API / `az network list-service-tags`
 *     (3.1 last bullets: string changeNumbers, serviceTagChangeNumber,
 *     state), also inside a REST spec example envelope
 *     {"parameters":..., "responses":{"200":{"body":{...}}}};
 *   - a single value object {name, id, properties} (the per-tag extracts
 *     of the fixtures), loaded as a one-tag database with cloud "" and the
 *     tag's own changeNumber.
 * Unknown members are skipped, so newer files keep loading.
 */
#include "pf_tags.h"

#include <stdlib.h>
#include <string.h>

#include "../core/pf_file.h"
#include "../core/pf_jsonr.h"
#include "../core/pf_mem.h"

/* Tag files are read whole; the public one is ~4.2 MB and growing (3.2). */
#define TAGS_FILE_MAX ((size_t)64 << 20)
/* Real files nest 5 levels (8 in the REST envelope); unknown members may
 * nest a little deeper, anything beyond this is hostile. */
#define TAGS_MAX_DEPTH 32
/* Change numbers and region ids are small counters; keep them exact in
 * the double the reader hands over (2^53). */
#define TAGS_INT_MAX ((int64_t)1 << 53)
/* Longest name handled by alias and regional lookups (real: < 64). */
#define NAME_MAX_LOOKUP 256

#define NONE ((size_t)-1)

struct tag_rec {
  struct pf_tag pub;        /* first, so a pf_tag pointer maps back */
  const char *id;           /* "id"; the name when absent */
  const char *platform;     /* NULL when absent */
  int64_t region_id;        /* -1 when absent */
  size_t name_len;
  size_t name_pos;          /* byte offset of the name token (messages) */
  size_t feat_off;          /* networkFeatures array; NONE if null/absent */
  size_t feat_len;
  /* string pool offsets, turned into the pointers above at the end */
  size_t name_at, id_at, region_at, svc_at, platform_at;
};

/* Sorted by ASCII-lowercased name for binary search (5.7: names are
 * case-insensitive). */
struct idx_ent {
  const char *name;
  size_t len;
  size_t i;
};

struct pf_tagdb {
  char *path;
  char *buf;                /* the file bytes, NUL-terminated */
  size_t len;
  char *pool;               /* NUL-terminated strings */
  const char *cloud;
  int64_t change_number;
  enum pf_tagdb_shape shape;
  struct tag_rec *tags;
  size_t n, cap;
  struct idx_ent *idx;
  size_t tot_v4, tot_v6;
};

struct loader {
  struct pf_jsonr r;
  struct pf_tagdb *db;
  struct pf_strbuf pool;
  struct pf_strbuf values_path; /* "$.values" or inside the envelope */
  struct pf_ipset scratch;      /* one tag's prefixes before normalising */
  int seen_values;
  int discovery;
  size_t cloud_at;
  /* a root object that is itself a tag (per-tag extract) */
  int root_props;
  int root_name_ok;
  struct tag_rec single;
};

/* ---- small helpers ---------------------------------------------------- */

static unsigned char lc(char c)
{
  unsigned char u = (unsigned char)c;
  return (u >= 'A' && u <= 'Z') ? (unsigned char)(u - 'A' + 'a') : u;
}

static int ci_cmp(const char *a, size_t an, const char *b, size_t bn)
{
  size_t n = an < bn ? an : bn, i;
  for (i = 0; i < n; i++) {
    unsigned char x = lc(a[i]), y = lc(b[i]);
    if (x != y)
      return x < y ? -1 : 1;
  }
  return an < bn ? -1 : an > bn ? 1 : 0;
}

static int ci_eq(const char *a, size_t an, const char *b, size_t bn)
{
  return an == bn && ci_cmp(a, an, b, bn) == 0;
}

static int ci_starts(const char *s, size_t n, const char *pre, size_t pn)
{
  return n >= pn && ci_cmp(s, pn, pre, pn) == 0;
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

/* The status of the error the reader holds (syntax: PF_EPARSE). */
static pf_status rd_status(const struct loader *ld)
{
  pf_status st = pf_jsonr_error(&ld->r)->code;
  return st == PF_OK ? PF_EPARSE : st;
}

/* Report a value of the wrong type at the current token. */
static pf_status bad_type(struct loader *ld, enum pf_jtok t, const char *want)
{
  if (t == PF_JT_ERROR)
    return rd_status(ld);
  return pf_jsonr_fail(&ld->r, PF_EINVAL, "expected %s, found %s", want,
                       tok_kind(t));
}

static pf_status oom(struct loader *ld)
{
  return pf_jsonr_fail(&ld->r, PF_ENOMEM, "out of memory");
}

/* Report at byte \p pos instead of the current token (the '{' of an object
 * that lacks a member is more useful than its '}'). */
static pf_status fail_at_pos(struct loader *ld, const char *pos,
                             const char *what, const char *name)
{
  ld->r.tok_start = pos;
  return pf_jsonr_fail(&ld->r, PF_EINVAL, "%s '%s'", what, name);
}

static pf_status pool_add(struct loader *ld, const char *s, size_t n,
                          size_t *at)
{
  *at = ld->pool.len;
  if (pf_strbuf_addn(&ld->pool, s, n) != PF_OK ||
      pf_strbuf_addc(&ld->pool, '\0') != PF_OK)
    return oom(ld);
  return PF_OK;
}

/* Skip the value whose first token is \p t. */
static pf_status skip_value(struct loader *ld, enum pf_jtok t)
{
  if (t == PF_JT_ERROR || pf_jsonr_skip(&ld->r, t) != PF_OK)
    return rd_status(ld);
  return PF_OK;
}

/* A member seen twice would silently double a tag's prefixes or hide a
 * value; RFC 8259 4 leaves duplicates undefined, so refuse them. */
static pf_status once(struct loader *ld, unsigned *seen, unsigned bit,
                      const char *key)
{
  if (*seen & bit)
    return pf_jsonr_fail(&ld->r, PF_EINVAL, "duplicate member '%s'", key);
  *seen |= bit;
  return PF_OK;
}

/*
 * changeNumber / regionId: an integer, or (discovery shape, 3.1) a string
 * of digits.  null means absent (-1).  *was_str tells the shape.
 */
static pf_status read_int(struct loader *ld, enum pf_jtok t, int allow_str,
                          int64_t *out, int *was_str)
{
  struct pf_jsonr *r = &ld->r;
  if (was_str)
    *was_str = 0;
  if (t == PF_JT_NULL) {
    *out = -1;
    return PF_OK;
  }
  if (t == PF_JT_NUMBER) {
    if (pf_jsonr_int(r, 0, TAGS_INT_MAX, out) != PF_OK)
      return pf_jsonr_fail(r, PF_EINVAL,
                           "expected a non-negative integer, found %.*s",
                           (int)(r->len > 40 ? 40 : r->len), r->str);
    return PF_OK;
  }
  if (t == PF_JT_STRING && allow_str) {
    int64_t v = 0;
    size_t i;
    int ok = r->len > 0 && r->len <= 15;
    for (i = 0; ok && i < r->len; i++) {
      if (r->str[i] < '0' || r->str[i] > '9')
        ok = 0;
      else
        v = v * 10 + (r->str[i] - '0');
    }
    if (!ok)
      return pf_jsonr_fail(r, PF_EINVAL,
                           "expected an integer or a string of digits, "
                           "found '%.*s'",
                           (int)(r->len > 40 ? 40 : r->len), r->str);
    *out = v;
    if (was_str)
      *was_str = 1;
    return PF_OK;
  }
  return bad_type(ld, t, "an integer");
}

/* Optional string member: pooled, or NONE for null. */
static pf_status read_opt_str(struct loader *ld, enum pf_jtok t, size_t *at)
{
  if (t == PF_JT_NULL) {
    *at = NONE;
    return PF_OK;
  }
  if (t != PF_JT_STRING)
    return bad_type(ld, t, "a string");
  return pool_add(ld, ld->r.str, ld->r.len, at);
}

static void rec_init(struct tag_rec *t)
{
  memset(t, 0, sizeof(*t));
  t->pub.change_number = -1;
  t->pub.features = PF_TAGF_NULL;
  pf_ipset_init(&t->pub.set);
  t->region_id = -1;
  t->feat_off = NONE;
  t->name_at = t->id_at = t->platform_at = NONE;
  t->region_at = t->svc_at = 0; /* the pool starts with "" */
}

/* ---- the addressPrefixes and networkFeatures arrays -------------------- */

/*
 * pf_ipset_copy grows by powers of two (at least 8 ranges); the database
 * keeps ~74,000 ranges for the public file, where that slack is ~1.7 MB of
 * the issue 2 memory budget (RSS <= 3 x file).  The range set fields are
 * public (pf_ip.h: r owned and freed by pf_rangeset_release), so size the
 * arrays exactly here.  \p dst must be empty.
 */
static pf_status set_copy_exact(struct pf_ipset *dst,
                                const struct pf_ipset *src)
{
  int f;
  for (f = 0; f < PF_AF_COUNT; f++) {
    const struct pf_rangeset *s = &src->fam[f];
    struct pf_rangeset *d = &dst->fam[f];
    if (s->n == 0)
      continue;
    d->r = pf_reallocarray(NULL, s->n, sizeof(*d->r));
    if (!d->r)
      return PF_ENOMEM;
    memcpy(d->r, s->r, s->n * sizeof(*d->r));
    d->n = d->cap = s->n;
  }
  return PF_OK;
}

/* After the '[' of addressPrefixes: parse every entry strictly (issue 2:
 * host bits set is an error), count the families and build the set. */
static pf_status read_prefixes(struct loader *ld, struct tag_rec *t)
{
  struct pf_jsonr *r = &ld->r;
  const char *open = r->tok_start;
  size_t v4 = 0, v6 = 0;

  pf_ipset_clear(&ld->scratch);
  for (;;) {
    enum pf_jtok k = pf_jsonr_next(r);
    struct pf_prefix p;
    struct pf_err perr;
    if (k == PF_JT_ARR_END)
      break;
    if (k != PF_JT_STRING)
      return bad_type(ld, k, "a string");
    pf_err_clear(&perr);
    if (pf_prefix_parse(r->str, r->len, 0, &p, &perr) != PF_OK)
      return pf_jsonr_fail(r, PF_EINVAL, "%s",
                           perr.msg[0] ? perr.msg : "invalid IP prefix");
    if (p.af == PF_AF_V4)
      v4++;
    else
      v6++;
    if (pf_ipset_push_prefix(&ld->scratch, &p) != PF_OK)
      return oom(ld);
  }
  t->pub.prefixes_off = (size_t)(open - r->start);
  t->pub.prefixes_len = (size_t)(r->p - open);
  t->pub.n_v4 = v4;
  t->pub.n_v6 = v6;
  /* normalise once per tag, then copy to an exactly sized set so the
   * scratch's growth slack is paid once, not per tag */
  pf_ipset_normalize(&ld->scratch);
  pf_ipset_release(&t->pub.set);
  pf_ipset_init(&t->pub.set);
  if (set_copy_exact(&t->pub.set, &ld->scratch) != PF_OK)
    return oom(ld);
  return PF_OK;
}

/* networkFeatures: a list of strings or null (3.1).  Unknown strings are
 * kept in the text (extract re-emits them) but have no flag. */
static pf_status read_features(struct loader *ld, struct tag_rec *t,
                               enum pf_jtok k)
{
  struct pf_jsonr *r = &ld->r;
  const char *open;
  static const struct {
    const char *s;
    unsigned f;
  } names[] = {{"API", PF_TAGF_API}, {"NSG", PF_TAGF_NSG},
               {"UDR", PF_TAGF_UDR}, {"FW", PF_TAGF_FW},
               {"VSE", PF_TAGF_VSE}};

  if (k == PF_JT_NULL) {
    t->pub.features = PF_TAGF_NULL;
    t->feat_off = NONE;
    return PF_OK;
  }
  if (k != PF_JT_ARR_BEGIN)
    return bad_type(ld, k, "an array or null");
  open = r->tok_start;
  t->pub.features = 0;
  for (;;) {
    size_t i;
    k = pf_jsonr_next(r);
    if (k == PF_JT_ARR_END)
      break;
    if (k != PF_JT_STRING)
      return bad_type(ld, k, "a string");
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
      if (pf_jsonr_ieq(r, names[i].s))
        t->pub.features |= names[i].f;
  }
  t->feat_off = (size_t)(open - r->start);
  t->feat_len = (size_t)(r->p - open);
  return PF_OK;
}

/* ---- one tag ---------------------------------------------------------- */

enum {
  P_CHANGE = 1 << 0, P_REGION = 1 << 1, P_REGION_ID = 1 << 2,
  P_PLATFORM = 1 << 3, P_SERVICE = 1 << 4, P_PREFIXES = 1 << 5,
  P_FEATURES = 1 << 6
};

/* After the '{' of properties. */
static pf_status read_props(struct loader *ld, struct tag_rec *t)
{
  struct pf_jsonr *r = &ld->r;
  const char *open = r->tok_start;
  unsigned seen = 0;
  pf_status st;

  for (;;) {
    enum pf_jtok k = pf_jsonr_next(r);
    int was_str;
    if (k == PF_JT_OBJ_END)
      break;
    if (k != PF_JT_KEY)
      return rd_status(ld);
    if (pf_jsonr_is(r, "changeNumber")) {
      if ((st = once(ld, &seen, P_CHANGE, "changeNumber")) != PF_OK)
        return st;
      st = read_int(ld, pf_jsonr_next(r), 1, &t->pub.change_number,
                    &was_str);
      if (was_str)
        ld->discovery = 1;
    } else if (pf_jsonr_is(r, "region")) {
      if ((st = once(ld, &seen, P_REGION, "region")) != PF_OK)
        return st;
      st = read_opt_str(ld, pf_jsonr_next(r), &t->region_at);
      if (st == PF_OK && t->region_at == NONE)
        t->region_at = 0;
    } else if (pf_jsonr_is(r, "regionId")) {
      if ((st = once(ld, &seen, P_REGION_ID, "regionId")) != PF_OK)
        return st;
      st = read_int(ld, pf_jsonr_next(r), 1, &t->region_id, NULL);
    } else if (pf_jsonr_is(r, "platform")) {
      if ((st = once(ld, &seen, P_PLATFORM, "platform")) != PF_OK)
        return st;
      st = read_opt_str(ld, pf_jsonr_next(r), &t->platform_at);
    } else if (pf_jsonr_is(r, "systemService")) {
      if ((st = once(ld, &seen, P_SERVICE, "systemService")) != PF_OK)
        return st;
      st = read_opt_str(ld, pf_jsonr_next(r), &t->svc_at);
      if (st == PF_OK && t->svc_at == NONE)
        t->svc_at = 0;
    } else if (pf_jsonr_is(r, "addressPrefixes")) {
      if ((st = once(ld, &seen, P_PREFIXES, "addressPrefixes")) != PF_OK)
        return st;
      k = pf_jsonr_next(r);
      st = k == PF_JT_ARR_BEGIN ? read_prefixes(ld, t)
                                : bad_type(ld, k, "an array");
    } else if (pf_jsonr_is(r, "networkFeatures")) {
      if ((st = once(ld, &seen, P_FEATURES, "networkFeatures")) != PF_OK)
        return st;
      st = read_features(ld, t, pf_jsonr_next(r));
    } else {
      /* "state" (discovery shape) and anything newer */
      if (pf_jsonr_is(r, "state"))
        ld->discovery = 1;
      st = skip_value(ld, pf_jsonr_next(r));
    }
    if (st != PF_OK)
      return st;
  }
  if (!(seen & P_PREFIXES))
    return fail_at_pos(ld, open, "missing required member",
                       "addressPrefixes");
  return PF_OK;
}

/* The value of "name" of a tag (current token is its first token). */
static pf_status read_name(struct loader *ld, struct tag_rec *t,
                           enum pf_jtok k)
{
  struct pf_jsonr *r = &ld->r;
  if (k != PF_JT_STRING)
    return bad_type(ld, k, "a string");
  if (r->len == 0)
    return pf_jsonr_fail(r, PF_EINVAL, "empty tag name");
  if (memchr(r->str, '\0', r->len))
    return pf_jsonr_fail(r, PF_EINVAL, "tag name contains a NUL character");
  t->name_len = r->len;
  t->name_pos = (size_t)(r->tok_start - r->start);
  return pool_add(ld, r->str, r->len, &t->name_at);
}

enum { V_NAME = 1 << 0, V_ID = 1 << 1, V_PROPS = 1 << 2 };

/* After the '{' of one element of values[]. */
static pf_status read_tag(struct loader *ld, struct tag_rec *t)
{
  struct pf_jsonr *r = &ld->r;
  const char *open = r->tok_start;
  unsigned seen = 0;
  pf_status st;

  for (;;) {
    enum pf_jtok k = pf_jsonr_next(r);
    if (k == PF_JT_OBJ_END)
      break;
    if (k != PF_JT_KEY)
      return rd_status(ld);
    if (pf_jsonr_is(r, "name")) {
      if ((st = once(ld, &seen, V_NAME, "name")) != PF_OK)
        return st;
      st = read_name(ld, t, pf_jsonr_next(r));
    } else if (pf_jsonr_is(r, "id")) {
      if ((st = once(ld, &seen, V_ID, "id")) != PF_OK)
        return st;
      st = read_opt_str(ld, pf_jsonr_next(r), &t->id_at);
    } else if (pf_jsonr_is(r, "properties")) {
      if ((st = once(ld, &seen, V_PROPS, "properties")) != PF_OK)
        return st;
      k = pf_jsonr_next(r);
      st = k == PF_JT_OBJ_BEGIN ? read_props(ld, t)
                                : bad_type(ld, k, "an object");
    } else {
      if (pf_jsonr_is(r, "serviceTagChangeNumber"))
        ld->discovery = 1;
      st = skip_value(ld, pf_jsonr_next(r));
    }
    if (st != PF_OK)
      return st;
  }
  if (!(seen & V_NAME))
    return fail_at_pos(ld, open, "missing required member", "name");
  if (!(seen & V_PROPS))
    return fail_at_pos(ld, open, "missing required member", "properties");
  return PF_OK;
}

/* After the '[' of values. */
static pf_status read_values(struct loader *ld)
{
  struct pf_jsonr *r = &ld->r;
  struct pf_tagdb *db = ld->db;

  pf_strbuf_reset(&ld->values_path);
  if (pf_jsonr_path(r, &ld->values_path) != PF_OK)
    return oom(ld);
  for (;;) {
    enum pf_jtok k = pf_jsonr_next(r);
    pf_status st;
    if (k == PF_JT_ARR_END)
      break;
    if (k != PF_JT_OBJ_BEGIN)
      return bad_type(ld, k, "an object");
    if (PF_GROW(db->tags, db->cap, db->n + 1))
      return oom(ld);
    rec_init(&db->tags[db->n]);
    db->n++; /* counted now so destroy releases it on failure */
    if ((st = read_tag(ld, &db->tags[db->n - 1])) != PF_OK)
      return st;
  }
  return PF_OK;
}

/* ---- the root object -------------------------------------------------- */

static pf_status read_root(struct loader *ld, int root);

/* {"parameters":..., "responses":{"200":{"body":{...}}}}: descend to the
 * body of the 200 response; every other member is skipped. */
static pf_status read_envelope(struct loader *ld, int level)
{
  struct pf_jsonr *r = &ld->r;
  for (;;) {
    enum pf_jtok k = pf_jsonr_next(r);
    pf_status st;
    if (k == PF_JT_OBJ_END)
      return PF_OK;
    if (k != PF_JT_KEY)
      return rd_status(ld);
    if (pf_jsonr_is(r, level == 0 ? "200" : "body")) {
      k = pf_jsonr_next(r);
      if (k != PF_JT_OBJ_BEGIN)
        st = skip_value(ld, k);
      else if (level == 0)
        st = read_envelope(ld, 1);
      else
        st = read_root(ld, 0);
    } else {
      st = skip_value(ld, pf_jsonr_next(r));
    }
    if (st != PF_OK)
      return st;
  }
}

enum {
  R_CHANGE = 1 << 0, R_CLOUD = 1 << 1, R_NAME = 1 << 2,
  R_PROPS = 1 << 3, R_ID = 1 << 4
};

/* After the '{' of the file, or of the envelope's body (root == 0). */
static pf_status read_root(struct loader *ld, int root)
{
  struct pf_jsonr *r = &ld->r;
  struct pf_tagdb *db = ld->db;
  unsigned seen = 0;
  pf_status st;

  for (;;) {
    enum pf_jtok k = pf_jsonr_next(r);
    int was_str;
    if (k == PF_JT_OBJ_END)
      break;
    if (k != PF_JT_KEY)
      return rd_status(ld);
    if (pf_jsonr_is(r, "changeNumber")) {
      if ((st = once(ld, &seen, R_CHANGE, "changeNumber")) != PF_OK)
        return st;
      st = read_int(ld, pf_jsonr_next(r), 1, &db->change_number, &was_str);
      if (was_str)
        ld->discovery = 1;
    } else if (pf_jsonr_is(r, "cloud")) {
      if ((st = once(ld, &seen, R_CLOUD, "cloud")) != PF_OK)
        return st;
      st = read_opt_str(ld, pf_jsonr_next(r), &ld->cloud_at);
      if (st == PF_OK && ld->cloud_at == NONE)
        ld->cloud_at = 0;
    } else if (pf_jsonr_is(r, "values")) {
      if (ld->seen_values)
        return pf_jsonr_fail(r, PF_EINVAL, "duplicate member 'values'");
      ld->seen_values = 1;
      k = pf_jsonr_next(r);
      st = k == PF_JT_ARR_BEGIN ? read_values(ld)
                                : bad_type(ld, k, "an array");
    } else if (root && pf_jsonr_is(r, "responses")) {
      k = pf_jsonr_next(r);
      ld->discovery = 1;
      st = k == PF_JT_OBJ_BEGIN ? read_envelope(ld, 0) : skip_value(ld, k);
    } else if (root && pf_jsonr_is(r, "name")) {
      /* a full discovery result has a name too ("public"); only a root
       * without values[] is taken as a single tag */
      if ((st = once(ld, &seen, R_NAME, "name")) != PF_OK)
        return st;
      k = pf_jsonr_next(r);
      if (k == PF_JT_STRING && r->len && !memchr(r->str, '\0', r->len)) {
        st = read_name(ld, &ld->single, k);
        ld->root_name_ok = st == PF_OK;
      } else {
        st = skip_value(ld, k);
      }
    } else if (root && pf_jsonr_is(r, "id")) {
      if ((st = once(ld, &seen, R_ID, "id")) != PF_OK)
        return st;
      k = pf_jsonr_next(r);
      if (k == PF_JT_STRING)
        st = pool_add(ld, r->str, r->len, &ld->single.id_at);
      else
        st = skip_value(ld, k);
    } else if (root && pf_jsonr_is(r, "properties")) {
      if ((st = once(ld, &seen, R_PROPS, "properties")) != PF_OK)
        return st;
      k = pf_jsonr_next(r);
      if (k == PF_JT_OBJ_BEGIN) {
        st = read_props(ld, &ld->single);
        ld->root_props = st == PF_OK;
      } else {
        st = skip_value(ld, k);
      }
    } else {
      st = skip_value(ld, pf_jsonr_next(r));
    }
    if (st != PF_OK)
      return st;
  }
  return PF_OK;
}

/* ---- finishing: pointers, index, duplicates ---------------------------- */

static int idx_cmp(const void *a, const void *b)
{
  const struct idx_ent *x = a, *y = b;
  int c = ci_cmp(x->name, x->len, y->name, y->len);
  if (c)
    return c;
  return x->i < y->i ? -1 : x->i > y->i;
}

/* Two tags whose names differ only in case would make lookups ambiguous
 * (5.7: matching is case-insensitive), so the file is refused; the later
 * one in file order is reported. */
static pf_status check_dups(struct loader *ld, struct pf_err *err)
{
  struct pf_tagdb *db = ld->db;
  size_t i, bad = NONE, first = NONE;
  unsigned long line, col;
  const struct tag_rec *b, *f;

  for (i = 1; i < db->n; i++) {
    const struct idx_ent *p = &db->idx[i - 1], *q = &db->idx[i];
    if (ci_eq(p->name, p->len, q->name, q->len) &&
        (bad == NONE || q->i < bad)) {
      size_t j = i - 1;
      while (j > 0 && ci_eq(db->idx[j - 1].name, db->idx[j - 1].len,
                            q->name, q->len))
        j--;
      bad = q->i;
      first = db->idx[j].i;
    }
  }
  if (bad == NONE)
    return PF_OK;
  b = &db->tags[bad];
  f = &db->tags[first];
  pf_jsonr_linecol(&ld->r, ld->r.start + b->name_pos, &line, &col);
  if (strcmp(b->pub.name, f->pub.name) == 0)
    return pf_err_set(err, PF_EINVAL,
                      "%s: %s[%zu].name: line %lu, column %lu: duplicate "
                      "tag name '%s' (first at %s[%zu])",
                      db->path, pf_strbuf_str(&ld->values_path), bad, line,
                      col, b->pub.name, pf_strbuf_str(&ld->values_path),
                      first);
  return pf_err_set(err, PF_EINVAL,
                    "%s: %s[%zu].name: line %lu, column %lu: duplicate tag "
                    "name '%s' (same as '%s' at %s[%zu]; names are "
                    "case-insensitive)",
                    db->path, pf_strbuf_str(&ld->values_path), bad, line,
                    col, b->pub.name, f->pub.name,
                    pf_strbuf_str(&ld->values_path), first);
}

static pf_status finish(struct loader *ld, struct pf_err *err)
{
  struct pf_tagdb *db = ld->db;
  size_t i;

  if (!ld->seen_values) {
    if (!ld->root_props)
      return pf_err_set(err, PF_EINVAL,
                        "%s: not a service tag file: no 'values' array",
                        db->path);
    if (!ld->root_name_ok)
      return pf_err_set(err, PF_EINVAL,
                        "%s: $: a single tag object needs a non-empty "
                        "string 'name'",
                        db->path);
    /* a per-tag extract: one tag, cloud "", the tag's changeNumber */
    db->tags = pf_malloc(sizeof(*db->tags));
    if (!db->tags)
      return pf_err_set(err, PF_ENOMEM, "%s: out of memory", db->path);
    db->tags[0] = ld->single;
    pf_ipset_init(&ld->single.pub.set); /* moved */
    db->n = db->cap = 1;
    db->change_number = db->tags[0].pub.change_number;
    ld->cloud_at = 0;
  } else if (db->n > 0 && db->n < db->cap) {
    struct tag_rec *t = pf_reallocarray(db->tags, db->n, sizeof(*t));
    if (t) {
      db->tags = t;
      db->cap = db->n;
    }
  }

  db->pool = pf_strbuf_detach(&ld->pool);
  if (!db->pool)
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", db->path);
  db->cloud = db->pool + ld->cloud_at;
  for (i = 0; i < db->n; i++) {
    struct tag_rec *t = &db->tags[i];
    t->pub.name = db->pool + t->name_at;
    t->id = t->id_at == NONE ? t->pub.name : db->pool + t->id_at;
    t->pub.region = db->pool + t->region_at;
    t->pub.system_service = db->pool + t->svc_at;
    t->platform = t->platform_at == NONE ? NULL : db->pool + t->platform_at;
    db->tot_v4 += t->pub.n_v4;
    db->tot_v6 += t->pub.n_v6;
  }
  db->shape = ld->discovery ? PF_TAGDB_DISCOVERY : PF_TAGDB_DOWNLOAD;

  db->idx = pf_calloc(db->n, sizeof(*db->idx));
  if (!db->idx)
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", db->path);
  for (i = 0; i < db->n; i++) {
    db->idx[i].name = db->tags[i].pub.name;
    db->idx[i].len = db->tags[i].name_len;
    db->idx[i].i = i;
  }
  qsort(db->idx, db->n, sizeof(*db->idx), idx_cmp);
  return check_dups(ld, err);
}

/* Parse \p buf (owned from here on) into a new database. */
static pf_status load_owned(struct pf_tagdb **out, const char *name,
                            char *buf, size_t len, struct pf_err *err)
{
  struct loader ld;
  struct pf_tagdb *db;
  enum pf_jtok k;
  pf_status st;

  *out = NULL;
  db = pf_calloc(1, sizeof(*db));
  if (!db) {
    pf_free(buf);
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", name);
  }
  db->buf = buf;
  db->len = len;
  db->change_number = -1;
  db->path = pf_strdup(name);
  if (!db->path) {
    pf_tagdb_destroy(db);
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", name);
  }

  memset(&ld, 0, sizeof(ld));
  ld.db = db;
  pf_jsonr_init(&ld.r, buf, len, TAGS_MAX_DEPTH);
  /* decoded strings are never longer than the file */
  pf_strbuf_init(&ld.pool, len + 16);
  pf_strbuf_init(&ld.values_path, 4096);
  pf_ipset_init(&ld.scratch);
  rec_init(&ld.single);

  st = pool_add(&ld, "", 0, &ld.cloud_at); /* offset 0: "" */
  if (st == PF_OK) {
    k = pf_jsonr_next(&ld.r);
    st = k == PF_JT_OBJ_BEGIN ? read_root(&ld, 1)
                              : bad_type(&ld, k, "an object");
  }
  if (st == PF_OK && pf_jsonr_next(&ld.r) != PF_JT_EOF)
    st = rd_status(&ld);
  if (st != PF_OK)
    pf_err_set(err, st, "%s: %s", name, pf_jsonr_error(&ld.r)->msg);
  else
    st = finish(&ld, err);

  pf_strbuf_release(&ld.pool);
  pf_strbuf_release(&ld.values_path);
  pf_ipset_release(&ld.scratch);
  pf_ipset_release(&ld.single.pub.set);
  pf_jsonr_release(&ld.r);
  if (st != PF_OK) {
    pf_tagdb_destroy(db);
    return st;
  }
  *out = db;
  return PF_OK;
}

/* ---- public: loading and accessors ------------------------------------ */

pf_status pf_tagdb_load_buf(struct pf_tagdb **out, const char *name,
                            const char *buf, size_t len, struct pf_err *err)
{
  char *copy;
  if (!name)
    name = "<service tags>";
  *out = NULL;
  if (!buf && len)
    return pf_err_set(err, PF_EINVAL, "%s: no data", name);
  if (len > TAGS_FILE_MAX)
    return pf_err_set(err, PF_ETOOBIG,
                      "%s: %zu bytes, larger than the limit of %zu bytes",
                      name, len, TAGS_FILE_MAX);
  copy = pf_malloc(len + 1);
  if (!copy)
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", name);
  if (len)
    memcpy(copy, buf, len);
  copy[len] = '\0';
  return load_owned(out, name, copy, len, err);
}

pf_status pf_tagdb_load_file(struct pf_tagdb **out, const char *path,
                             struct pf_err *err)
{
  char *buf, *fit;
  size_t len;
  pf_status st;

  *out = NULL;
  st = pf_file_read(path, TAGS_FILE_MAX, &buf, &len, err);
  if (st != PF_OK)
    return st;
  /* the reader grows by doubling; give the slack back */
  fit = pf_reallocarray(buf, len + 1, 1);
  if (fit)
    buf = fit;
  return load_owned(out, path, buf, len, err);
}

void pf_tagdb_destroy(struct pf_tagdb *db)
{
  size_t i;
  if (!db)
    return;
  for (i = 0; i < db->n; i++)
    pf_ipset_release(&db->tags[i].pub.set);
  pf_free(db->tags);
  pf_free(db->idx);
  pf_free(db->pool);
  pf_free(db->buf);
  pf_free(db->path);
  pf_free(db);
}

const char *pf_tagdb_path(const struct pf_tagdb *db)
{
  return db ? db->path : "";
}

const char *pf_tagdb_cloud(const struct pf_tagdb *db)
{
  return db ? db->cloud : "";
}

int64_t pf_tagdb_change_number(const struct pf_tagdb *db)
{
  return db ? db->change_number : -1;
}

enum pf_tagdb_shape pf_tagdb_shape(const struct pf_tagdb *db)
{
  return db ? db->shape : PF_TAGDB_DOWNLOAD;
}

size_t pf_tagdb_count(const struct pf_tagdb *db)
{
  return db ? db->n : 0;
}

const struct pf_tag *pf_tagdb_at(const struct pf_tagdb *db, size_t i)
{
  return db && i < db->n ? &db->tags[i].pub : NULL;
}

void pf_tagdb_totals(const struct pf_tagdb *db, size_t *v4, size_t *v6)
{
  if (v4)
    *v4 = db ? db->tot_v4 : 0;
  if (v6)
    *v6 = db ? db->tot_v6 : 0;
}

/* ---- lookup ----------------------------------------------------------- */

/* First index entry whose name is >= \p s (case-insensitively). */
static size_t lower_bound(const struct pf_tagdb *db, const char *s, size_t n)
{
  size_t lo = 0, hi = db->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ci_cmp(db->idx[mid].name, db->idx[mid].len, s, n) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static const struct tag_rec *find_exact(const struct pf_tagdb *db,
                                        const char *s, size_t n)
{
  size_t i = lower_bound(db, s, n);
  if (i < db->n && ci_eq(db->idx[i].name, db->idx[i].len, s, n))
    return &db->tags[db->idx[i].i];
  return NULL;
}

/*
 * The documentation names of AZURE-SEMANTICS.md 5.7 that are not real tag
 * names: write the real name to \p out and \return its length, or 0 when
 * \p s is not an alias.  Case is handled by the lookup itself
 * ("AzureFrontDoor.FrontEnd", "Storage.westus").
 */
static size_t alias_of(const char *s, size_t n, char *out, size_t cap)
{
  static const struct {
    const char *from, *to;
    int regional; /* ".<Region>" may follow */
  } tab[] = {
      {"Frontdoor.FirstParty", "AzureFrontDoor.FirstParty", 0},
      {"ContainerRegistry", "AzureContainerRegistry", 1},
      {"Keyvault", "AzureKeyVault", 1},
  };
  size_t i;
  for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
    size_t fl = strlen(tab[i].from), tl = strlen(tab[i].to);
    if (!ci_starts(s, n, tab[i].from, fl))
      continue;
    if (n != fl && !(tab[i].regional && s[fl] == '.'))
      continue;
    if (tl + (n - fl) > cap)
      return 0;
    memcpy(out, tab[i].to, tl);
    memcpy(out + tl, s + fl, n - fl);
    return tl + (n - fl);
  }
  return 0;
}

const char *pf_tag_computed_name(const char *name, size_t n)
{
  /* 1.9: not in the file; classic spellings included */
  static const struct {
    const char *spelling, *canon;
  } tab[] = {
      {"VirtualNetwork", "VirtualNetwork"},
      {"VIRTUAL_NETWORK", "VirtualNetwork"},
      {"AzureLoadBalancer", "AzureLoadBalancer"},
      {"AZURE_LOADBALANCER", "AzureLoadBalancer"},
      {"Internet", "Internet"},
  };
  size_t i;
  if (!name)
    return NULL;
  for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
    if (ci_eq(name, n, tab[i].spelling, strlen(tab[i].spelling)))
      return tab[i].canon;
  return NULL;
}

enum pf_tag_kind pf_tagdb_find(const struct pf_tagdb *db, const char *name,
                               size_t n, const struct pf_tag **tag)
{
  const struct tag_rec *t = NULL;
  char alt[NAME_MAX_LOOKUP];
  size_t an;

  if (tag)
    *tag = NULL;
  if (!name || n == 0)
    return PF_TAG_UNKNOWN;
  /* computed first: their meaning comes from the configuration (1.9) */
  if (pf_tag_computed_name(name, n))
    return PF_TAG_COMPUTED;
  if (!db)
    return PF_TAG_UNKNOWN;
  t = find_exact(db, name, n);
  if (!t && (an = alias_of(name, n, alt, sizeof(alt))) != 0)
    t = find_exact(db, alt, an);
  if (!t)
    return PF_TAG_UNKNOWN;
  if (tag)
    *tag = &t->pub;
  return PF_TAG_FILE;
}

/* A tag named "<base>.*" whose properties.region is \p loc. */
static const struct tag_rec *by_region(const struct pf_tagdb *db,
                                       const char *base, size_t bl,
                                       const char *loc, size_t ll)
{
  char pre[NAME_MAX_LOOKUP + 1];
  size_t i;
  if (bl + 1 > sizeof(pre))
    return NULL;
  memcpy(pre, base, bl);
  pre[bl] = '.';
  for (i = lower_bound(db, pre, bl + 1); i < db->n; i++) {
    const struct tag_rec *t = &db->tags[db->idx[i].i];
    if (!ci_starts(db->idx[i].name, db->idx[i].len, pre, bl + 1))
      break;
    if (ci_eq(t->pub.region, strlen(t->pub.region), loc, ll))
      return t;
  }
  return NULL;
}

/* base + location by name, then by properties.region, for \p base and for
 * its 5.7 alias. */
static const struct tag_rec *regional_try(const struct pf_tagdb *db,
                                          const char *base, size_t bl,
                                          const char *loc, size_t ll)
{
  char name[2 * NAME_MAX_LOOKUP + 2], alt[NAME_MAX_LOOKUP];
  const struct pf_tag *tag;
  const struct tag_rec *t;
  size_t al;

  if (bl == 0 || ll == 0 || bl >= NAME_MAX_LOOKUP || ll >= NAME_MAX_LOOKUP)
    return NULL;
  memcpy(name, base, bl);
  name[bl] = '.';
  memcpy(name + bl + 1, loc, ll);
  if (pf_tagdb_find(db, name, bl + 1 + ll, &tag) == PF_TAG_FILE)
    return (const struct tag_rec *)tag;
  if ((t = by_region(db, base, bl, loc, ll)) != NULL)
    return t;
  al = alias_of(base, bl, alt, sizeof(alt));
  return al ? by_region(db, alt, al, loc, ll) : NULL;
}

const struct pf_tag *pf_tagdb_regional(const struct pf_tagdb *db,
                                       const char *base,
                                       const char *location)
{
  char loc[NAME_MAX_LOOKUP];
  size_t ll = 0, bl, i;
  const struct tag_rec *t;
  const char *p;

  if (!db || !base || !location)
    return NULL;
  /* "West Europe" (display name) and "westeurope" (ARM name) alike */
  for (p = location; *p; p++) {
    if (*p == ' ')
      continue;
    if (ll == sizeof(loc))
      return NULL;
    loc[ll++] = *p;
  }
  bl = strlen(base);
  if ((t = regional_try(db, base, bl, loc, ll)) != NULL)
    return &t->pub;
  /*
   * 3.1: for ~500 tags the region is a legacy short code ("germanywc" for
   * GermanyWestCentral) and AzureCloud.* even uses it as the name suffix.
   * Learn the code from any tag named "*.<location>" and retry with it.
   */
  for (i = 0; i < db->n; i++) {
    const struct tag_rec *s = &db->tags[i];
    const char *dot = strrchr(s->pub.name, '.');
    size_t rl = strlen(s->pub.region);
    if (!dot || rl == 0 || ci_eq(s->pub.region, rl, loc, ll) ||
        !ci_eq(dot + 1, strlen(dot + 1), loc, ll))
      continue;
    if ((t = regional_try(db, base, bl, s->pub.region, rl)) != NULL)
      return &t->pub;
  }
  return NULL;
}

/* ---- listed prefixes -------------------------------------------------- */

/* Map a pf_tag handed out by \p db back to its record (NULL otherwise). */
static const struct tag_rec *rec_of(const struct pf_tagdb *db,
                                    const struct pf_tag *tag)
{
  uintptr_t a, lo;
  if (!db || !tag || db->n == 0)
    return NULL;
  a = (uintptr_t)tag;
  lo = (uintptr_t)db->tags;
  if (a < lo || a >= lo + db->n * sizeof(*db->tags) ||
      (a - lo) % sizeof(*db->tags) != 0)
    return NULL;
  return &db->tags[(a - lo) / sizeof(*db->tags)];
}

/* Walk the strings of the array at \p off / \p len of the file with a
 * fresh reader: they were validated at load, so this cannot fail short of
 * memory, and the text is exactly what the file says. */
static int walk_strings(const struct pf_tagdb *db, size_t off, size_t len,
                        int (*cb)(const char *text, size_t n, void *arg),
                        void *arg)
{
  struct pf_jsonr r;
  int rc = 0;
  pf_jsonr_init(&r, db->buf + off, len, 2);
  if (pf_jsonr_next(&r) != PF_JT_ARR_BEGIN) {
    rc = -1;
  } else {
    for (;;) {
      enum pf_jtok k = pf_jsonr_next(&r);
      if (k == PF_JT_ARR_END)
        break;
      if (k != PF_JT_STRING) {
        rc = -1;
        break;
      }
      if ((rc = cb(r.str, r.len, arg)) != 0)
        break;
    }
  }
  pf_jsonr_release(&r);
  return rc;
}

int pf_tagdb_each_listed(const struct pf_tagdb *db, const struct pf_tag *tag,
                         int (*cb)(const char *text, size_t n, void *arg),
                         void *arg)
{
  const struct tag_rec *t = rec_of(db, tag);
  if (!t || !cb)
    return -1;
  return walk_strings(db, t->pub.prefixes_off, t->pub.prefixes_len, cb, arg);
}

struct dkey {
  pf_u128 addr;
  unsigned len;
  unsigned af;
};

struct dcollect {
  struct dkey *k;
  size_t n, cap;
};

static int collect_prefix(const char *text, size_t n, void *arg)
{
  struct dcollect *c = arg;
  struct pf_prefix p;
  struct pf_err e;
  pf_err_clear(&e);
  if (pf_prefix_parse(text, n, 0, &p, &e) != PF_OK)
    return 0; /* cannot happen: validated at load */
  if (c->n == c->cap)
    return -1;
  c->k[c->n].addr = p.addr;
  c->k[c->n].len = p.len;
  c->k[c->n].af = (unsigned)p.af;
  c->n++;
  return 0;
}

static int dkey_cmp(const void *a, const void *b)
{
  const struct dkey *x = a, *y = b;
  if (x->af != y->af)
    return x->af < y->af ? -1 : 1;
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  return x->len < y->len ? -1 : x->len > y->len;
}

pf_status pf_tagdb_distinct(const struct pf_tagdb *db, size_t *out)
{
  struct dcollect c;
  size_t i, uniq = 0;

  *out = 0;
  if (!db || db->tot_v4 + db->tot_v6 == 0)
    return PF_OK;
  c.cap = db->tot_v4 + db->tot_v6;
  c.n = 0;
  c.k = pf_calloc(c.cap, sizeof(*c.k));
  if (!c.k)
    return PF_ENOMEM;
  for (i = 0; i < db->n; i++)
    walk_strings(db, db->tags[i].pub.prefixes_off,
                 db->tags[i].pub.prefixes_len, collect_prefix, &c);
  qsort(c.k, c.n, sizeof(*c.k), dkey_cmp);
  for (i = 0; i < c.n; i++)
    if (i == 0 || dkey_cmp(&c.k[i - 1], &c.k[i]) != 0)
      uniq++;
  pf_free(c.k);
  *out = uniq;
  return PF_OK;
}

/* ---- extract ---------------------------------------------------------- */

/* RFC 8259 7: quote, backslash and control characters must be escaped;
 * everything else (valid UTF-8, checked at load) is copied. */
static pf_status put_str(struct pf_strbuf *sb, const char *s, size_t n)
{
  size_t i, run = 0;
  pf_status st = pf_strbuf_addc(sb, '"');
  for (i = 0; i < n && st == PF_OK; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c != '"' && c != '\\' && c >= 0x20)
      continue;
    st = pf_strbuf_addn(sb, s + run, i - run);
    run = i + 1;
    switch (c) {
    case '"': strcpy(esc, "\\\""); break;
    case '\\': strcpy(esc, "\\\\"); break;
    case '\b': strcpy(esc, "\\b"); break;
    case '\f': strcpy(esc, "\\f"); break;
    case '\n': strcpy(esc, "\\n"); break;
    case '\r': strcpy(esc, "\\r"); break;
    case '\t': strcpy(esc, "\\t"); break;
    default:
      esc[0] = '\\';
      esc[1] = 'u';
      esc[2] = '0';
      esc[3] = '0';
      esc[4] = "0123456789abcdef"[c >> 4];
      esc[5] = "0123456789abcdef"[c & 15];
      esc[6] = '\0';
      break;
    }
    if (st == PF_OK)
      st = pf_strbuf_adds(sb, esc);
  }
  if (st == PF_OK)
    st = pf_strbuf_addn(sb, s + run, n - run);
  if (st == PF_OK)
    st = pf_strbuf_addc(sb, '"');
  return st;
}

static pf_status put_cstr(struct pf_strbuf *sb, const char *s)
{
  return put_str(sb, s, strlen(s));
}

struct list_out {
  struct pf_strbuf *sb;
  const char *indent;
  size_t count;
  pf_status st;
};

static int put_list_item(const char *text, size_t n, void *arg)
{
  struct list_out *o = arg;
  if (o->st == PF_OK)
    o->st = pf_strbuf_adds(o->sb, o->count ? ",\n" : "\n");
  if (o->st == PF_OK)
    o->st = pf_strbuf_adds(o->sb, o->indent);
  if (o->st == PF_OK)
    o->st = put_str(o->sb, text, n);
  o->count++;
  return o->st != PF_OK;
}

/* A string array in the 2-space layout of the published file. */
static pf_status put_list(struct pf_strbuf *sb, const struct pf_tagdb *db,
                          size_t off, size_t len)
{
  struct list_out o;
  o.sb = sb;
  o.indent = "          ";
  o.count = 0;
  o.st = pf_strbuf_addc(sb, '[');
  if (o.st == PF_OK && walk_strings(db, off, len, put_list_item, &o) != 0 &&
      o.st == PF_OK)
    o.st = PF_ENOMEM;
  if (o.st == PF_OK && o.count)
    o.st = pf_strbuf_adds(sb, "\n        ");
  if (o.st == PF_OK)
    o.st = pf_strbuf_addc(sb, ']');
  return o.st;
}

static pf_status put_tag(struct pf_strbuf *sb, const struct pf_tagdb *db,
                         const struct tag_rec *t)
{
  pf_status st = pf_strbuf_adds(sb, "    {\n      \"name\": ");
  if (st == PF_OK)
    st = put_str(sb, t->pub.name, t->name_len);
  if (st == PF_OK)
    st = pf_strbuf_adds(sb, ",\n      \"id\": ");
  if (st == PF_OK)
    st = put_cstr(sb, t->id);
  if (st == PF_OK)
    st = pf_strbuf_adds(sb, ",\n      \"properties\": {\n");
  if (st == PF_OK && t->pub.change_number >= 0)
    st = pf_strbuf_addf(sb, "        \"changeNumber\": %lld,\n",
                        (long long)t->pub.change_number);
  if (st == PF_OK)
    st = pf_strbuf_adds(sb, "        \"region\": ");
  if (st == PF_OK)
    st = put_cstr(sb, t->pub.region);
  if (st == PF_OK && t->region_id >= 0)
    st = pf_strbuf_addf(sb, ",\n        \"regionId\": %lld",
                        (long long)t->region_id);
  if (st == PF_OK && t->platform) {
    st = pf_strbuf_adds(sb, ",\n        \"platform\": ");
    if (st == PF_OK)
      st = put_cstr(sb, t->platform);
  }
  if (st == PF_OK)
    st = pf_strbuf_adds(sb, ",\n        \"systemService\": ");
  if (st == PF_OK)
    st = put_cstr(sb, t->pub.system_service);
  if (st == PF_OK)
    st = pf_strbuf_adds(sb, ",\n        \"addressPrefixes\": ");
  if (st == PF_OK)
    st = put_list(sb, db, t->pub.prefixes_off, t->pub.prefixes_len);
  if (st == PF_OK)
    st = pf_strbuf_adds(sb, ",\n        \"networkFeatures\": ");
  if (st == PF_OK)
    st = t->feat_off == NONE
             ? pf_strbuf_adds(sb, "null")
             : put_list(sb, db, t->feat_off, t->feat_len);
  if (st == PF_OK)
    st = pf_strbuf_adds(sb, "\n      }\n    }");
  return st;
}

pf_status pf_tagdb_extract(const struct pf_tagdb *db,
                           const char *const *names, size_t n_names,
                           struct pf_strbuf *out, struct pf_err *err)
{
  const struct tag_rec **sel;
  unsigned char *picked;
  size_t i, n_sel = 0;
  pf_status st;

  if (!db || !out || (!names && n_names))
    return pf_err_set(err, PF_EINVAL, "extract: no database or output");
  sel = pf_calloc(n_names, sizeof(*sel));
  picked = pf_calloc(db->n, 1);
  if (!sel || !picked) {
    pf_free(sel);
    pf_free(picked);
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", db->path);
  }
  for (i = 0; i < n_names; i++) {
    const struct pf_tag *tag;
    const struct tag_rec *t;
    const char *nm = names[i] ? names[i] : "";
    enum pf_tag_kind kind = pf_tagdb_find(db, nm, strlen(nm), &tag);
    if (kind != PF_TAG_FILE) {
      pf_free(sel);
      pf_free(picked);
      if (kind == PF_TAG_COMPUTED)
        return pf_err_set(err, PF_ENOTFOUND,
                          "%s: '%s' is computed from the configuration "
                          "and is not in the tag file",
                          db->path, nm);
      return pf_err_set(err, PF_ENOTFOUND, "%s: no service tag named '%s'",
                        db->path, nm);
    }
    /* the same tag twice would make a file that does not load */
    t = (const struct tag_rec *)tag;
    if (!picked[t - db->tags]) {
      picked[t - db->tags] = 1;
      sel[n_sel++] = t;
    }
  }
  pf_free(picked);

  st = pf_strbuf_adds(out, "{\n");
  if (st == PF_OK && db->change_number >= 0)
    st = pf_strbuf_addf(out, "  \"changeNumber\": %lld,\n",
                        (long long)db->change_number);
  if (st == PF_OK)
    st = pf_strbuf_adds(out, "  \"cloud\": ");
  if (st == PF_OK)
    st = put_cstr(out, db->cloud);
  if (st == PF_OK)
    st = pf_strbuf_adds(out, ",\n  \"values\": [");
  for (i = 0; i < n_sel && st == PF_OK; i++) {
    st = pf_strbuf_adds(out, i ? ",\n" : "\n");
    if (st == PF_OK)
      st = put_tag(out, db, sel[i]);
  }
  if (st == PF_OK)
    st = pf_strbuf_adds(out, n_sel ? "\n  ]\n}\n" : "]\n}\n");
  pf_free(sel);
  if (st != PF_OK)
    return pf_err_set(err, st, "%s: extract: %s", db->path,
                      pf_strerror(st));
  return PF_OK;
}
