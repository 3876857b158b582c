/* SPDX-License-Identifier: MIT */
/* pf_armexpr.c - the ARM template expression language
 *
 * A recursive-descent evaluator straight over the expression text (no
 * AST): primary := 'string' | number | name '(' args ')', followed by any
 * number of '.member' and '[index]'.  The branch if() does not take is
 * parsed in skip mode, so syntax errors anywhere are still errors but
 * nothing is computed there (ARM evaluates if() lazily too).
 *
 * Semantics follow the ARM template function reference (docs/templates.md
 * lists each function and its deviations).  Unknown values propagate:
 * a function given an unknown argument answers unknown, except where the
 * answer does not depend on it (and(false, ?), or(true, ?), if() with a
 * known condition, coalesce() with a known non-null value first).
 */
#include "pf_armexpr.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"

#define UNKNOWN_KEY "$unknown"
#define PARTIAL_KEY "$partial"

/* ---- string building: pf_strbuf with a sticky failure flag ----------- */

struct sbuf {
  struct pf_strbuf b;
  int bad;   /* an append failed (the bound or memory) */
};

static void sb_init(struct sbuf *s, size_t max)
{
  pf_strbuf_init(&s->b, max);
  s->bad = 0;
}

static void sb_release(struct sbuf *s)
{
  pf_strbuf_release(&s->b);
}

static void sb_addn(struct sbuf *s, const char *p, size_t n)
{
  if (!s->bad && n && pf_strbuf_addn(&s->b, p, n) != PF_OK)
    s->bad = 1;
}

static void sb_add(struct sbuf *s, const char *p)
{
  sb_addn(s, p, strlen(p));
}

static void sb_addc(struct sbuf *s, char c)
{
  sb_addn(s, &c, 1);
}

static void sb_addf(struct sbuf *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_addf(struct sbuf *s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  if (!s->bad && pf_strbuf_vaddf(&s->b, fmt, ap) != PF_OK)
    s->bad = 1;
  va_end(ap);
}

static const char *sb_str(const struct sbuf *s)
{
  return pf_strbuf_str(&s->b);
}

static void sb_truncate(struct sbuf *s, size_t n)
{
  pf_strbuf_truncate(&s->b, n);
}

static int sb_failed(const struct sbuf *s)
{
  return s->bad;
}

/* ---- values ------------------------------------------------------------ */

cJSON *pf_armx_unknown(const char *why)
{
  cJSON *o = cJSON_CreateObject();
  if (o && !cJSON_AddStringToObject(o, UNKNOWN_KEY, why ? why : "?")) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

int pf_armx_is_unknown(const cJSON *v)
{
  return cJSON_IsObject(v) && v->child && !v->child->next &&
         v->child->string && !strcmp(v->child->string, UNKNOWN_KEY) &&
         cJSON_IsString(v->child);
}

int pf_armx_has_unknown(const cJSON *v)
{
  const cJSON *c;
  if (pf_armx_is_unknown(v))
    return 1;
  if (cJSON_IsArray(v) || cJSON_IsObject(v))
    for (c = v->child; c; c = c->next)
      if (pf_armx_has_unknown(c))
        return 1;
  return 0;
}

static const char *unknown_why(const cJSON *v)
{
  return v->child->valuestring;
}

static int is_partial(const cJSON *v)
{
  return cJSON_IsObject(v) &&
         cJSON_GetObjectItemCaseSensitive(v, PARTIAL_KEY) != NULL;
}

const char *pf_armx_typename(const cJSON *v)
{
  if (!v || cJSON_IsNull(v)) return "Null";
  if (pf_armx_is_unknown(v)) return "unknown";
  if (cJSON_IsString(v)) return "String";
  if (cJSON_IsBool(v)) return "Boolean";
  if (cJSON_IsNumber(v)) return "Integer";
  if (cJSON_IsArray(v)) return "Array";
  return "Object";
}

static int is_int(const cJSON *v)
{
  return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
         fabs(v->valuedouble) <= 9007199254740992.0;
}

static int64_t ival(const cJSON *v)
{
  return (int64_t)v->valuedouble;
}

pf_status pf_armx_fail(struct pf_armx *x, const char *fmt, ...)
{
  va_list ap;
  char *p;
  if (x->msg[0])
    return PF_EINVAL;   /* the first error wins */
  va_start(ap, fmt);
  vsnprintf(x->msg, sizeof(x->msg), fmt, ap);
  va_end(ap);
  /* one line: quoted source text may hold control characters */
  for (p = x->msg; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
  return PF_EINVAL;
}

static pf_status oom(struct pf_armx *x)
{
  if (!x->msg[0])
    snprintf(x->msg, sizeof(x->msg), "out of memory");
  return PF_ENOMEM;
}

static pf_status spend(struct pf_armx *x, long n)
{
  if (!x->budget)
    return PF_OK;
  *x->budget -= n;
  if (*x->budget < 0)
    return pf_armx_fail(x, "the template needs too much evaluation work "
                        "(more than the bound of %d million steps)", 10);
  return PF_OK;
}

/* Deep equality; strings compare exactly, object keys case-insensitively
 * (ARM property names are case-insensitive). */
static int json_eq(const cJSON *a, const cJSON *b)
{
  const cJSON *c;
  if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
    return a->valuedouble == b->valuedouble;
  if ((a->type & 0xff) != (b->type & 0xff))
    return 0;
  if (cJSON_IsString(a))
    return !strcmp(a->valuestring, b->valuestring);
  if (cJSON_IsArray(a)) {
    const cJSON *d = b->child;
    for (c = a->child; c && d; c = c->next, d = d->next)
      if (!json_eq(c, d))
        return 0;
    return !c && !d;
  }
  if (cJSON_IsObject(a)) {
    if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
      return 0;
    for (c = a->child; c; c = c->next) {
      const cJSON *d = cJSON_GetObjectItem(b, c->string);
      if (!d || !json_eq(c, d))
        return 0;
    }
    return 1;
  }
  return 1;   /* same literal type: true, false, null */
}

/* ---- uniqueString and guid -------------------------------------------- */

static uint32_t rotl32(uint32_t v, unsigned r)
{
  return (v << r) | (v >> (32 - r));
}

static uint32_t le32(const unsigned char *p, size_t n)
{
  uint32_t v = 0;
  size_t i;
  for (i = 0; i < n && i < 4; i++)
    v |= (uint32_t)p[i] << (8 * i);
  return v;
}

/* The 64-bit Murmur variant of Azure's expression engine
 * (Microsoft.PowerPlatform.ResourceStack, used by uniqueString()): two
 * 32-bit lanes over 8-byte blocks with their own constants and a final
 * cross-mix.  Checked against values Azure produced (tests/unit). */
static uint64_t murmur64(const unsigned char *d, size_t len)
{
  uint32_t h1 = 0, h2 = 0, k1, k2;
  size_t i = 0, tail;
  for (; i + 8 <= len; i += 8) {
    k1 = le32(d + i, 4);
    k2 = le32(d + i + 4, 4);
    k1 *= 597399067U;
    k1 = rotl32(k1, 15);
    k1 *= 2869860233U;
    h1 ^= k1;
    h1 = rotl32(h1, 19);
    h1 += h2;
    h1 = h1 * 5 + 1444728091U;
    k2 *= 2869860233U;
    k2 = rotl32(k2, 17);
    k2 *= 597399067U;
    h2 ^= k2;
    h2 = rotl32(h2, 13);
    h2 += h1;
    h2 = h2 * 5 + 197830471U;
  }
  tail = len - i;
  if (tail > 0) {
    k1 = le32(d + i, tail);
    k1 *= 597399067U;
    k1 = rotl32(k1, 15);
    k1 *= 2869860233U;
    h1 ^= k1;
    if (tail > 4) {
      k2 = le32(d + i + 4, tail - 4);
      k2 *= 2869860233U;
      k2 = rotl32(k2, 17);
      k2 *= 597399067U;
      h2 ^= k2;
    }
  }
  h1 ^= (uint32_t)len;
  h2 ^= (uint32_t)len;
  h1 += h2;
  h2 += h1;
  h1 ^= h1 >> 16;
  h1 *= 2246822507U;
  h1 ^= h1 >> 13;
  h1 *= 3266489909U;
  h1 ^= h1 >> 16;
  h2 ^= h2 >> 16;
  h2 *= 2246822507U;
  h2 ^= h2 >> 13;
  h2 *= 3266489909U;
  h2 ^= h2 >> 16;
  h1 += h2;
  h2 += h1;
  return ((uint64_t)h2 << 32) | h1;
}

void pf_armx_unique_string(const char *s, size_t len, char out[14])
{
  static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
  uint64_t h = murmur64((const unsigned char *)s, len);
  int i;
  /* the top 65 bits, five at a time: 13 characters */
  for (i = 0; i < 13; i++) {
    out[i] = alpha[(h >> 59) & 31];
    h <<= 5;
  }
  out[13] = '\0';
}

pf_status pf_armx_guid(const char *s, size_t len, char out[37])
{
  /* ARM's namespace for guid() (RFC 4122 name-based, SHA-1) in network
   * byte order: 11fb06fb-712d-4ddd-98c7-e71bbd588830 */
  static const unsigned char ns[16] = {
      0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd,
      0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int ok;
  if (!c)
    return PF_ENOMEM;
  ok = EVP_DigestInit_ex(c, EVP_sha1(), NULL) &&
       EVP_DigestUpdate(c, ns, sizeof(ns)) &&
       EVP_DigestUpdate(c, s, len) && EVP_DigestFinal_ex(c, md, &mdlen);
  EVP_MD_CTX_free(c);
  if (!ok || mdlen < 16)
    return PF_ENOMEM;
  md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
  md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
  snprintf(out, 37,
           "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
           "%02x%02x%02x%02x%02x%02x",
           md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8],
           md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
  return PF_OK;
}

/* ---- lexer ------------------------------------------------------------- */

static void ws(struct pf_armx *x)
{
  while (x->pos < x->len && isspace((unsigned char)x->src[x->pos]))
    x->pos++;
}

static int peek(struct pf_armx *x)
{
  ws(x);
  return x->pos < x->len ? (unsigned char)x->src[x->pos] : -1;
}

static int accept(struct pf_armx *x, char c)
{
  if (peek(x) == c) {
    x->pos++;
    return 1;
  }
  return 0;
}

static const char *near(struct pf_armx *x)
{
  return x->pos < x->len ? "" : " (the expression ends early)";
}

/* ---- evaluation -------------------------------------------------------- */

typedef pf_status (*fn_impl)(struct pf_armx *x, const char *name,
                             cJSON **a, int n, cJSON **out);

#define F_STRUCT 1   /* nested unknowns pass through (arrays, objects) */
#define F_RUNTIME 2  /* a deployment-time value: always unknown */
#define F_LAZY 4     /* if(), and(), or(), coalesce(): see the unknowns */
#define F_KEEP 8     /* createArray(), createObject(): unknown values stay
                      * unknown elements of a known container */

struct fn {
  const char *name;
  int min, max;   /* max -1: any */
  int flags;
  fn_impl impl;
};

static pf_status expr(struct pf_armx *x, cJSON **out);

static pf_status need_str(struct pf_armx *x, const char *fn, cJSON **a,
                          int i)
{
  if (!cJSON_IsString(a[i]))
    return pf_armx_fail(x, "%s(): argument %d must be a String, found %s",
                        fn, i + 1, pf_armx_typename(a[i]));
  return PF_OK;
}

static pf_status need_int(struct pf_armx *x, const char *fn, cJSON **a,
                          int i)
{
  if (!is_int(a[i]))
    return pf_armx_fail(x, "%s(): argument %d must be an Integer, found %s",
                        fn, i + 1, pf_armx_typename(a[i]));
  return PF_OK;
}

static pf_status need_bool(struct pf_armx *x, const char *fn, cJSON **a,
                           int i)
{
  if (!cJSON_IsBool(a[i]))
    return pf_armx_fail(x, "%s(): argument %d must be a Boolean, found %s",
                        fn, i + 1, pf_armx_typename(a[i]));
  return PF_OK;
}

static pf_status ret_str(struct pf_armx *x, const char *s, size_t n,
                         cJSON **out)
{
  char *d;
  if (n > PF_ARMX_MAX_STRING)
    return pf_armx_fail(x, "a computed string is longer than %u bytes",
                        PF_ARMX_MAX_STRING);
  d = pf_malloc(n + 1);
  if (!d)
    return oom(x);
  memcpy(d, s, n);
  d[n] = '\0';
  *out = cJSON_CreateString(d);
  pf_free(d);
  return *out ? PF_OK : oom(x);
}

static pf_status ret_sb(struct pf_armx *x, struct sbuf *sb, cJSON **out)
{
  pf_status st;
  if (sb_failed(sb)) {
    sb_release(sb);
    return pf_armx_fail(x, "a computed string is longer than %u bytes",
                        PF_ARMX_MAX_STRING);
  }
  st = ret_str(x, sb_str(sb), sb->b.len, out);
  sb_release(sb);
  return st;
}

static pf_status ret_bool(struct pf_armx *x, int b, cJSON **out)
{
  *out = cJSON_CreateBool(b);
  return *out ? PF_OK : oom(x);
}

static pf_status ret_int(struct pf_armx *x, int64_t v, cJSON **out)
{
  *out = cJSON_CreateNumber((double)v);
  return *out ? PF_OK : oom(x);
}

/* take ownership of a[i] */
static cJSON *take(cJSON **a, int i)
{
  cJSON *v = a[i];
  a[i] = NULL;
  return v;
}

/* Append a value as text the way ARM's string conversion writes it. */
static int append_text(struct sbuf *sb, const cJSON *v)
{
  char buf[32];
  if (cJSON_IsString(v))
    sb_add(sb, v->valuestring);
  else if (is_int(v)) {
    snprintf(buf, sizeof(buf), "%lld", (long long)ival(v));
    sb_add(sb, buf);
  } else if (cJSON_IsBool(v))
    sb_add(sb, cJSON_IsTrue(v) ? "True" : "False");
  else if (cJSON_IsNull(v))
    ;
  else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
    char *s = cJSON_PrintUnformatted(v);
    if (!s)
      return -1;
    sb_add(sb, s);
    cJSON_free(s);
  } else
    return -1;
  return 0;
}

/* ---- scope functions --------------------------------------------------- */

static void scope_of(struct pf_armx *x, struct pf_armx_scope *s)
{
  memset(s, 0, sizeof(*s));
  if (x->host && x->host->scope)
    x->host->scope(x->host->arg, s);
  if (!s->subscription) s->subscription = "00000000-0000-0000-0000-000000000000";
  if (!s->tenant) s->tenant = "00000000-0000-0000-0000-000000000000";
  if (!s->rg_name) s->rg_name = "rg";
}

static pf_status f_resource_group(struct pf_armx *x, const char *name,
                                  cJSON **a, int n, cJSON **out)
{
  struct pf_armx_scope s;
  char id[512];
  cJSON *o;
  (void)name; (void)a; (void)n;
  scope_of(x, &s);
  if (s.location_used)
    (*s.location_used)++;
  snprintf(id, sizeof(id), "/subscriptions/%s/resourceGroups/%s",
           s.subscription, s.rg_name);
  if (!(o = cJSON_CreateObject()))
    return oom(x);
  *out = o;
  if (!cJSON_AddStringToObject(o, "id", id) ||
      !cJSON_AddStringToObject(o, "name", s.rg_name) ||
      !cJSON_AddStringToObject(o, "type", "Microsoft.Resources/resourceGroups") ||
      /* a group whose location is not known: .location is unknown */
      (s.rg_location &&
       !cJSON_AddStringToObject(o, "location", s.rg_location)) ||
      !cJSON_AddTrueToObject(o, PARTIAL_KEY))
    return oom(x);
  return PF_OK;
}

static pf_status f_subscription(struct pf_armx *x, const char *name,
                                cJSON **a, int n, cJSON **out)
{
  struct pf_armx_scope s;
  char id[128];
  cJSON *o;
  (void)name; (void)a; (void)n;
  scope_of(x, &s);
  snprintf(id, sizeof(id), "/subscriptions/%s", s.subscription);
  if (!(o = cJSON_CreateObject()))
    return oom(x);
  *out = o;
  if (!cJSON_AddStringToObject(o, "id", id) ||
      !cJSON_AddStringToObject(o, "subscriptionId", s.subscription) ||
      !cJSON_AddStringToObject(o, "tenantId", s.tenant) ||
      !cJSON_AddTrueToObject(o, PARTIAL_KEY))
    return oom(x);
  return PF_OK;
}

static pf_status f_tenant(struct pf_armx *x, const char *name, cJSON **a,
                          int n, cJSON **out)
{
  struct pf_armx_scope s;
  cJSON *o;
  (void)name; (void)a; (void)n;
  scope_of(x, &s);
  if (!(o = cJSON_CreateObject()))
    return oom(x);
  *out = o;
  if (!cJSON_AddStringToObject(o, "tenantId", s.tenant) ||
      !cJSON_AddTrueToObject(o, PARTIAL_KEY))
    return oom(x);
  return PF_OK;
}

/* environment() in the public cloud (AzureCloud), the values the ARM
 * function reference documents; members not listed are unknown. */
static pf_status f_environment(struct pf_armx *x, const char *name,
                               cJSON **a, int n, cJSON **out)
{
  static const char env[] =
      "{\"name\":\"AzureCloud\",\"gallery\":\"https://gallery.azure.com/\","
      "\"graph\":\"https://graph.windows.net/\","
      "\"portal\":\"https://portal.azure.com\","
      "\"graphAudience\":\"https://graph.windows.net/\","
      "\"activeDirectoryDataLake\":\"https://datalake.azure.net/\","
      "\"batch\":\"https://batch.core.windows.net/\","
      "\"media\":\"https://rest.media.azure.net\","
      "\"sqlManagement\":\"https://management.core.windows.net:8443/\","
      "\"vmImageAliasDoc\":\"https://raw.githubusercontent.com/Azure/"
      "azure-rest-api-specs/master/arm-compute/quickstart-templates/"
      "aliases.json\","
      "\"resourceManager\":\"https://management.azure.com/\","
      "\"authentication\":{\"loginEndpoint\":"
      "\"https://login.microsoftonline.com/\",\"audiences\":["
      "\"https://management.core.windows.net/\","
      "\"https://management.azure.com/\"],\"tenant\":\"common\","
      "\"identityProvider\":\"AAD\"},"
      "\"suffixes\":{\"acrLoginServer\":\".azurecr.io\","
      "\"azureDatalakeAnalyticsCatalogAndJob\":\"azuredatalakeanalytics.net\","
      "\"azureDatalakeStoreFileSystem\":\"azuredatalakestore.net\","
      "\"azureFrontDoorEndpointSuffix\":\"azurefd.net\","
      "\"keyvaultDns\":\".vault.azure.net\","
      "\"sqlServerHostname\":\".database.windows.net\","
      "\"storage\":\"core.windows.net\"},"
      "\"$partial\":true}";
  (void)name; (void)a; (void)n;
  *out = cJSON_Parse(env);
  return *out ? PF_OK : oom(x);
}

/* ---- context functions ------------------------------------------------- */

static pf_status f_parameters(struct pf_armx *x, const char *name,
                              cJSON **a, int n, cJSON **out)
{
  pf_status st;
  (void)n;
  if ((st = need_str(x, name, a, 0)) != PF_OK)
    return st;
  if (!x->host || !x->host->parameter)
    return pf_armx_fail(x, "parameters(): no parameters here");
  return x->host->parameter(x->host->arg, x, a[0]->valuestring, out);
}

static pf_status f_variables(struct pf_armx *x, const char *name, cJSON **a,
                             int n, cJSON **out)
{
  pf_status st;
  (void)n;
  if ((st = need_str(x, name, a, 0)) != PF_OK)
    return st;
  if (!x->host || !x->host->variable)
    return pf_armx_fail(x, "variables(): no variables here");
  return x->host->variable(x->host->arg, x, a[0]->valuestring, out);
}

static pf_status f_copy_index(struct pf_armx *x, const char *name,
                              cJSON **a, int n, cJSON **out)
{
  const char *loop = NULL;
  int64_t off = 0, idx = 0;
  pf_status st;
  int i;
  for (i = 0; i < n; i++) {
    if (cJSON_IsString(a[i]) && i == 0)
      loop = a[i]->valuestring;
    else if (is_int(a[i]))
      off = ival(a[i]);
    else
      return pf_armx_fail(x, "%s(): argument %d must be a loop name or an "
                          "offset, found %s", name, i + 1,
                          pf_armx_typename(a[i]));
  }
  if (!x->host || !x->host->copy_index)
    return pf_armx_fail(x, "copyIndex() is only allowed inside a copy loop");
  if ((st = x->host->copy_index(x->host->arg, x, loop, &idx)) != PF_OK)
    return st;
  return ret_int(x, idx + off, out);
}

static pf_status f_reference(struct pf_armx *x, const char *name, cJSON **a,
                             int n, cJSON **out)
{
  pf_status st;
  int full = 0;
  if ((st = need_str(x, name, a, 0)) != PF_OK)
    return st;
  if (n >= 2 && (st = need_str(x, name, a, 1)) != PF_OK)
    return st;
  if (n >= 3) {
    if ((st = need_str(x, name, a, 2)) != PF_OK)
      return st;
    full = !strcasecmp(a[2]->valuestring, "Full");
  }
  if (!x->host || !x->host->reference) {
    *out = pf_armx_unknown("reference()");
    return *out ? PF_OK : oom(x);
  }
  return x->host->reference(x->host->arg, x, a[0]->valuestring, full, out);
}

/* ---- resource ids ------------------------------------------------------ */

static int count_segments(const char *type)
{
  int n = 0;
  for (; *type; type++)
    n += *type == '/';
  return n;   /* "Microsoft.Network/virtualNetworks/subnets" -> 2 names */
}

/* Append "/providers/<type>/<n1>/<t2>/<n2>..." for args a[i..n). */
static pf_status append_typed_names(struct pf_armx *x, const char *fn,
                                    struct sbuf *sb, cJSON **a, int i,
                                    int n)
{
  const char *type = a[i]->valuestring, *p, *slash;
  int names = n - i - 1, k;
  pf_status st;
  for (k = i + 1; k < n; k++)
    if ((st = need_str(x, fn, a, k)) != PF_OK)
      return st;
  if (!strchr(type, '/'))
    return pf_armx_fail(x, "%s(): '%.100s' is not a resource type "
                        "(Namespace/type)", fn, type);
  if (names != count_segments(type))
    return pf_armx_fail(x, "%s(): resource type '%.100s' needs %d name%s, "
                        "found %d", fn, type, count_segments(type),
                        count_segments(type) == 1 ? "" : "s", names);
  slash = strchr(type, '/');
  sb_add(sb, "/providers/");
  sb_addn(sb, type, (size_t)(slash - type));
  p = slash;
  for (k = i + 1; k < n; k++) {
    const char *next = strchr(p + 1, '/');
    size_t seg = next ? (size_t)(next - p) : strlen(p);
    sb_addn(sb, p, seg);
    sb_addc(sb, '/');
    sb_add(sb, a[k]->valuestring);
    p += seg;
  }
  return PF_OK;
}

static int first_type_arg(cJSON **a, int n)
{
  int i;
  for (i = 0; i < n && i < 3; i++)
    if (cJSON_IsString(a[i]) && strchr(a[i]->valuestring, '/') &&
        strchr(a[i]->valuestring, '.'))
      return i;
  return -1;
}

static pf_status f_resource_id(struct pf_armx *x, const char *name,
                               cJSON **a, int n, cJSON **out)
{
  struct pf_armx_scope s;
  struct sbuf sb;
  const char *sub, *rg;
  int t = first_type_arg(a, n), i;
  pf_status st;
  for (i = 0; i < n; i++)
    if ((st = need_str(x, name, a, i)) != PF_OK)
      return st;
  if (t < 0 || t > 2)
    return pf_armx_fail(x, "%s(): no resource type (Namespace/type) among "
                        "the first three arguments", name);
  scope_of(x, &s);
  sub = t == 2 ? a[0]->valuestring : s.subscription;
  rg = t == 2 ? a[1]->valuestring : t == 1 ? a[0]->valuestring : s.rg_name;
  sb_init(&sb, PF_ARMX_MAX_STRING);
  sb_addf(&sb, "/subscriptions/%s/resourceGroups/%s", sub, rg);
  if ((st = append_typed_names(x, name, &sb, a, t, n)) != PF_OK) {
    sb_release(&sb);
    return st;
  }
  return ret_sb(x, &sb, out);
}

static pf_status f_subscription_resource_id(struct pf_armx *x,
                                            const char *name, cJSON **a,
                                            int n, cJSON **out)
{
  struct pf_armx_scope s;
  struct sbuf sb;
  int t = first_type_arg(a, n), i;
  pf_status st;
  for (i = 0; i < n; i++)
    if ((st = need_str(x, name, a, i)) != PF_OK)
      return st;
  if (t < 0 || t > 1)
    return pf_armx_fail(x, "%s(): no resource type (Namespace/type) among "
                        "the first two arguments", name);
  scope_of(x, &s);
  sb_init(&sb, PF_ARMX_MAX_STRING);
  sb_addf(&sb, "/subscriptions/%s",
                 t == 1 ? a[0]->valuestring : s.subscription);
  if ((st = append_typed_names(x, name, &sb, a, t, n)) != PF_OK) {
    sb_release(&sb);
    return st;
  }
  return ret_sb(x, &sb, out);
}

static pf_status f_tenant_resource_id(struct pf_armx *x, const char *name,
                                      cJSON **a, int n, cJSON **out)
{
  struct sbuf sb;
  pf_status st;
  if ((st = need_str(x, name, a, 0)) != PF_OK)
    return st;
  sb_init(&sb, PF_ARMX_MAX_STRING);
  if ((st = append_typed_names(x, name, &sb, a, 0, n)) != PF_OK) {
    sb_release(&sb);
    return st;
  }
  return ret_sb(x, &sb, out);
}

static pf_status f_extension_resource_id(struct pf_armx *x,
                                         const char *name, cJSON **a, int n,
                                         cJSON **out)
{
  struct sbuf sb;
  pf_status st;
  if ((st = need_str(x, name, a, 0)) != PF_OK ||
      (st = need_str(x, name, a, 1)) != PF_OK)
    return st;
  sb_init(&sb, PF_ARMX_MAX_STRING);
  sb_add(&sb, a[0]->valuestring);
  while (sb.b.len && sb_str(&sb)[sb.b.len - 1] == '/')
    sb_truncate(&sb, sb.b.len - 1);
  if ((st = append_typed_names(x, name, &sb, a, 1, n)) != PF_OK) {
    sb_release(&sb);
    return st;
  }
  return ret_sb(x, &sb, out);
}

/* ---- strings ----------------------------------------------------------- */

static pf_status f_concat(struct pf_armx *x, const char *name, cJSON **a,
                          int n, cJSON **out)
{
  struct sbuf sb;
  int i, arrays = 0;
  for (i = 0; i < n; i++)
    arrays += cJSON_IsArray(a[i]);
  if (n && arrays == n) {
    cJSON *r = take(a, 0), *e;
    for (i = 1; i < n; i++)
      while ((e = cJSON_DetachItemViaPointer(a[i], a[i]->child)) != NULL)
        cJSON_AddItemToArray(r, e);
    *out = r;
    return PF_OK;
  }
  sb_init(&sb, PF_ARMX_MAX_STRING);
  for (i = 0; i < n; i++) {
    if (cJSON_IsArray(a[i]) || cJSON_IsObject(a[i]) || cJSON_IsNull(a[i]) ||
        append_text(&sb, a[i])) {
      sb_release(&sb);
      return pf_armx_fail(x, "%s(): arguments must all be arrays or all be "
                          "strings and integers; argument %d is %s", name,
                          i + 1, pf_armx_typename(a[i]));
    }
  }
  return ret_sb(x, &sb, out);
}

static pf_status f_format(struct pf_armx *x, const char *name, cJSON **a,
                          int n, cJSON **out)
{
  struct sbuf sb;
  const char *p;
  pf_status st;
  if ((st = need_str(x, name, a, 0)) != PF_OK)
    return st;
  sb_init(&sb, PF_ARMX_MAX_STRING);
  for (p = a[0]->valuestring; *p; p++) {
    if (*p == '{' && p[1] == '{') {
      sb_addc(&sb, '{');
      p++;
    } else if (*p == '}' && p[1] == '}') {
      sb_addc(&sb, '}');
      p++;
    } else if (*p == '{') {
      char *end;
      long k = strtol(p + 1, &end, 10);
      if (end == p + 1 || k < 0) {
        sb_release(&sb);
        return pf_armx_fail(x, "%s(): bad placeholder at '%.20s' in the "
                            "format string", name, p);
      }
      if (*end == ':' || *end == ',') {
        /* .NET format specifiers ({0:N2}, {0,8}) are not evaluated: the
         * result would be a guess */
        sb_release(&sb);
        *out = NULL;
        return PF_EUNSUPPORTED;
      }
      if (*end != '}') {
        sb_release(&sb);
        return pf_armx_fail(x, "%s(): unterminated placeholder at '%.20s' "
                            "in the format string", name, p);
      }
      if (k >= (long)n - 1) {
        sb_release(&sb);
        return pf_armx_fail(x, "%s(): placeholder {%ld} but only %d "
                            "argument%s after the format string", name, k,
                            n - 1, n - 1 == 1 ? "" : "s");
      }
      if (append_text(&sb, a[k + 1])) {
        sb_release(&sb);
        return oom(x);
      }
      p = end;
    } else if (*p == '}') {
      sb_release(&sb);
      return pf_armx_fail(x, "%s(): a lone '}' in the format string (write "
                          "'}}')", name);
    } else {
      sb_addc(&sb, *p);
    }
  }
  return ret_sb(x, &sb, out);
}

static pf_status f_case(struct pf_armx *x, const char *name, cJSON **a,
                        int n, cJSON **out)
{
  char *s;
  int up = !strcasecmp(name, "toUpper");
  pf_status st;
  (void)n;
  if ((st = need_str(x, name, a, 0)) != PF_OK)
    return st;
  for (s = a[0]->valuestring; *s; s++)
    *s = (char)(up ? toupper((unsigned char)*s) : tolower((unsigned char)*s));
  *out = take(a, 0);
  return PF_OK;
}

static pf_status f_replace(struct pf_armx *x, const char *name, cJSON **a,
                           int n, cJSON **out)
{
  struct sbuf sb;
  const char *p, *hit;
  size_t olen;
  pf_status st;
  int i;
  (void)n;
  for (i = 0; i < 3; i++)
    if ((st = need_str(x, name, a, i)) != PF_OK)
      return st;
  olen = strlen(a[1]->valuestring);
  if (!olen)
    return pf_armx_fail(x, "%s(): the string to replace is empty", name);
  sb_init(&sb, PF_ARMX_MAX_STRING);
  for (p = a[0]->valuestring; (hit = strstr(p, a[1]->valuestring));
       p = hit + olen) {
    sb_addn(&sb, p, (size_t)(hit - p));
    sb_add(&sb, a[2]->valuestring);
  }
  sb_add(&sb, p);
  return ret_sb(x, &sb, out);
}

static pf_status f_substring(struct pf_armx *x, const char *name, cJSON **a,
                             int n, cJSON **out)
{
  size_t len;
  int64_t start, count;
  pf_status st;
  if ((st = need_str(x, name, a, 0)) != PF_OK ||
      (st = need_int(x, name, a, 1)) != PF_OK ||
      (n > 2 && (st = need_int(x, name, a, 2)) != PF_OK))
    return st;
  len = strlen(a[0]->valuestring);
  start = ival(a[1]);
  count = n > 2 ? ival(a[2]) : (int64_t)len - start;
  if (start < 0 || count < 0 || (uint64_t)start > len ||
      (uint64_t)(start + count) > len)
    return pf_armx_fail(x, "%s(): start %lld and length %lld do not lie "
                        "within the string of length %zu", name,
                        (long long)start, (long long)count, len);
  return ret_str(x, a[0]->valuestring + start, (size_t)count, out);
}

static pf_status f_split(struct pf_armx *x, const char *name, cJSON **a,
                         int n, cJSON **out)
{
  const char *p, *s;
  const cJSON *d;
  cJSON *r;
  pf_status st;
  (void)n;
  if ((st = need_str(x, name, a, 0)) != PF_OK)
    return st;
  if (cJSON_IsArray(a[1])) {
    cJSON_ArrayForEach(d, a[1])
      if (!cJSON_IsString(d) || !*d->valuestring)
        return pf_armx_fail(x, "%s(): delimiters must be non-empty strings",
                            name);
  } else if (!cJSON_IsString(a[1]) || !*a[1]->valuestring) {
    return pf_armx_fail(x, "%s(): argument 2 must be a non-empty String or "
                        "an Array of them, found %s", name,
                        pf_armx_typename(a[1]));
  }
  if (!(r = cJSON_CreateArray()))
    return oom(x);
  *out = r;
  for (s = p = a[0]->valuestring;;) {
    size_t best = 0;
    const char *hit = NULL;
    if (cJSON_IsArray(a[1])) {
      cJSON_ArrayForEach(d, a[1]) {
        const char *h = strstr(p, d->valuestring);
        if (h && (!hit || h < hit)) {
          hit = h;
          best = strlen(d->valuestring);
        }
      }
    } else {
      hit = strstr(p, a[1]->valuestring);
      best = strlen(a[1]->valuestring);
    }
    {
      cJSON *piece;
      size_t plen = hit ? (size_t)(hit - s) : strlen(s);
      if ((st = ret_str(x, s, plen, &piece)) != PF_OK)
        return st;
      cJSON_AddItemToArray(r, piece);
    }
    if (!hit)
      break;
    s = p = hit + best;
  }
  return PF_OK;
}

static pf_status f_trim(struct pf_armx *x, const char *name, cJSON **a,
                        int n, cJSON **out)
{
  const char *s, *e;
  pf_status st;
  (void)n;
  if ((st = need_str(x, name, a, 0)) != PF_OK)
    return st;
  s = a[0]->valuestring;
  while (isspace((unsigned char)*s))
    s++;
  e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    e--;
  return ret_str(x, s, (size_t)(e - s), out);
}

static pf_status f_hash(struct pf_armx *x, const char *name, cJSON **a,
                        int n, cJSON **out)
{
  struct sbuf sb;
  pf_status st;
  int i;
  char res[40];
  sb_init(&sb, PF_ARMX_MAX_STRING);
  for (i = 0; i < n; i++) {
    if ((st = need_str(x, name, a, i)) != PF_OK) {
      sb_release(&sb);
      return st;
    }
    if (i)
      sb_addc(&sb, '-');
    sb_add(&sb, a[i]->valuestring);
  }
  if (sb_failed(&sb)) {
    sb_release(&sb);
    return pf_armx_fail(x, "%s(): the arguments are too long", name);
  }
  if (!strcasecmp(name, "uniqueString"))
    pf_armx_unique_string(sb_str(&sb), sb.b.len, res);
  else if (pf_armx_guid(sb_str(&sb), sb.b.len, res) != PF_OK) {
    sb_release(&sb);
    return oom(x);
  }
  sb_release(&sb);
  return ret_str(x, res, strlen(res), out);
}

/* startsWith/endsWith/indexOf/lastIndexOf compare case-insensitively
 * (ARM string function reference). */
static pf_status f_find(struct pf_armx *x, const char *name, cJSON **a,
                        int n, cJSON **out)
{
  const char *s, *t;
  size_t sl, tl, i;
  int64_t found = -1;
  pf_status st;
  (void)n;
  if ((st = need_str(x, name, a, 0)) != PF_OK ||
      (st = need_str(x, name, a, 1)) != PF_OK)
    return st;
  s = a[0]->valuestring;
  t = a[1]->valuestring;
  sl = strlen(s);
  tl = strlen(t);
  if (!strcasecmp(name, "startsWith"))
    return ret_bool(x, tl <= sl && !strncasecmp(s, t, tl), out);
  if (!strcasecmp(name, "endsWith"))
    return ret_bool(x, tl <= sl && !strncasecmp(s + sl - tl, t, tl), out);
  for (i = 0; tl <= sl && i <= sl - tl; i++)
    if (!strncasecmp(s + i, t, tl)) {
      found = (int64_t)i;
      if (!strcasecmp(name, "indexOf"))
        break;
    }
  return ret_int(x, found, out);
}

static pf_status f_pad_left(struct pf_armx *x, const char *name, cJSON **a,
                            int n, cJSON **out)
{
  struct sbuf sb;
  char pad = ' ';
  int64_t width;
  size_t len;
  pf_status st;
  if ((st = need_int(x, name, a, 1)) != PF_OK)
    return st;
  if (!cJSON_IsString(a[0]) && !is_int(a[0]))
    return pf_armx_fail(x, "%s(): argument 1 must be a String or an Integer, "
                        "found %s", name, pf_armx_typename(a[0]));
  if (n > 2) {
    if ((st = need_str(x, name, a, 2)) != PF_OK)
      return st;
    if (strlen(a[2]->valuestring) != 1)
      return pf_armx_fail(x, "%s(): the padding must be one character",
                          name);
    pad = a[2]->valuestring[0];
  }
  width = ival(a[1]);
  if (width > 16000)
    return pf_armx_fail(x, "%s(): total length %lld is above 16000", name,
                        (long long)width);
  sb_init(&sb, PF_ARMX_MAX_STRING);
  {
    struct sbuf v;
    sb_init(&v, PF_ARMX_MAX_STRING);
    append_text(&v, a[0]);
    len = v.b.len;
    while ((int64_t)len < width) {
      sb_addc(&sb, pad);
      len++;
    }
    sb_add(&sb, sb_str(&v));
    sb_release(&v);
  }
  return ret_sb(x, &sb, out);
}

static pf_status f_join(struct pf_armx *x, const char *name, cJSON **a,
                        int n, cJSON **out)
{
  struct sbuf sb;
  const cJSON *e;
  pf_status st;
  int first = 1;
  (void)n;
  if (!cJSON_IsArray(a[0]))
    return pf_armx_fail(x, "%s(): argument 1 must be an Array, found %s",
                        name, pf_armx_typename(a[0]));
  if ((st = need_str(x, name, a, 1)) != PF_OK)
    return st;
  sb_init(&sb, PF_ARMX_MAX_STRING);
  cJSON_ArrayForEach(e, a[0]) {
    if (!cJSON_IsString(e) && !is_int(e) && !cJSON_IsBool(e)) {
      sb_release(&sb);
      return pf_armx_fail(x, "%s(): the array holds %s, not strings", name,
                          pf_armx_typename(e));
    }
    if (!first)
      sb_add(&sb, a[1]->valuestring);
    first = 0;
    append_text(&sb, e);
  }
  return ret_sb(x, &sb, out);
}

static pf_status f_base64(struct pf_armx *x, const char *name, cJSON **a,
                          int n, cJSON **out)
{
  static const char b64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  struct sbuf sb;
  const unsigned char *s;
  size_t len, i;
  pf_status st;
  (void)n;
  if ((st = need_str(x, name, a, 0)) != PF_OK)
    return st;
  s = (const unsigned char *)a[0]->valuestring;
  len = strlen(a[0]->valuestring);
  sb_init(&sb, PF_ARMX_MAX_STRING);
  for (i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)s[i] << 16;
    if (i + 1 < len) v |= (uint32_t)s[i + 1] << 8;
    if (i + 2 < len) v |= s[i + 2];
    sb_addc(&sb, b64[(v >> 18) & 63]);
    sb_addc(&sb, b64[(v >> 12) & 63]);
    sb_addc(&sb, i + 1 < len ? b64[(v >> 6) & 63] : '=');
    sb_addc(&sb, i + 2 < len ? b64[v & 63] : '=');
  }
  return ret_sb(x, &sb, out);
}

/* ---- comparison and logic ---------------------------------------------- */

static pf_status f_equals(struct pf_armx *x, const char *name, cJSON **a,
                          int n, cJSON **out)
{
  (void)name; (void)n;
  return ret_bool(x, json_eq(a[0], a[1]), out);
}

static pf_status f_compare(struct pf_armx *x, const char *name, cJSON **a,
                           int n, cJSON **out)
{
  int c;
  (void)n;
  if (is_int(a[0]) && is_int(a[1]))
    c = ival(a[0]) < ival(a[1]) ? -1 : ival(a[0]) > ival(a[1]);
  else if (cJSON_IsString(a[0]) && cJSON_IsString(a[1]))
    c = strcmp(a[0]->valuestring, a[1]->valuestring);
  else
    return pf_armx_fail(x, "%s(): arguments must be two Integers or two "
                        "Strings, found %s and %s", name,
                        pf_armx_typename(a[0]), pf_armx_typename(a[1]));
  if (!strcasecmp(name, "less")) return ret_bool(x, c < 0, out);
  if (!strcasecmp(name, "lessOrEquals")) return ret_bool(x, c <= 0, out);
  if (!strcasecmp(name, "greater")) return ret_bool(x, c > 0, out);
  return ret_bool(x, c >= 0, out);
}

static pf_status f_not(struct pf_armx *x, const char *name, cJSON **a,
                       int n, cJSON **out)
{
  pf_status st;
  (void)n;
  if ((st = need_bool(x, name, a, 0)) != PF_OK)
    return st;
  return ret_bool(x, !cJSON_IsTrue(a[0]), out);
}

/* and()/or(): three-valued, an unknown argument matters only when no
 * known argument decides the answer. */
static pf_status f_andor(struct pf_armx *x, const char *name, cJSON **a,
                         int n, cJSON **out)
{
  int is_and = !strcasecmp(name, "and"), i, unk = -1;
  pf_status st;
  for (i = 0; i < n; i++) {
    if (pf_armx_is_unknown(a[i])) {
      if (unk < 0)
        unk = i;
      continue;
    }
    if ((st = need_bool(x, name, a, i)) != PF_OK)
      return st;
  }
  for (i = 0; i < n; i++)
    if (cJSON_IsBool(a[i]) && cJSON_IsTrue(a[i]) != is_and)
      return ret_bool(x, !is_and, out);
  if (unk >= 0) {
    *out = take(a, unk);
    return PF_OK;
  }
  return ret_bool(x, is_and, out);
}

static pf_status f_bool_lit(struct pf_armx *x, const char *name, cJSON **a,
                            int n, cJSON **out)
{
  (void)a; (void)n;
  if (!strcasecmp(name, "null")) {
    *out = cJSON_CreateNull();
    return *out ? PF_OK : oom(x);
  }
  return ret_bool(x, !strcasecmp(name, "true"), out);
}

static pf_status f_empty(struct pf_armx *x, const char *name, cJSON **a,
                         int n, cJSON **out)
{
  const cJSON *v = a[0];
  (void)name; (void)n;
  if (cJSON_IsNull(v))
    return ret_bool(x, 1, out);
  if (cJSON_IsString(v))
    return ret_bool(x, !*v->valuestring, out);
  if (cJSON_IsArray(v) || cJSON_IsObject(v))
    return ret_bool(x, v->child == NULL, out);
  return pf_armx_fail(x, "%s(): argument 1 must be a String, Array or "
                      "Object, found %s", name, pf_armx_typename(v));
}

static pf_status f_contains(struct pf_armx *x, const char *name, cJSON **a,
                            int n, cJSON **out)
{
  const cJSON *e;
  (void)n;
  if (cJSON_IsString(a[0])) {
    struct sbuf sb;
    int hit;
    sb_init(&sb, PF_ARMX_MAX_STRING);
    if (cJSON_IsArray(a[1]) || cJSON_IsObject(a[1]) || append_text(&sb, a[1])) {
      sb_release(&sb);
      return pf_armx_fail(x, "%s(): a String can only contain a String, "
                          "found %s", name, pf_armx_typename(a[1]));
    }
    hit = strstr(a[0]->valuestring, sb_str(&sb)) != NULL;
    sb_release(&sb);
    return ret_bool(x, hit, out);
  }
  if (cJSON_IsArray(a[0])) {
    cJSON_ArrayForEach(e, a[0])
      if (json_eq(e, a[1]))
        return ret_bool(x, 1, out);
    return ret_bool(x, 0, out);
  }
  if (cJSON_IsObject(a[0])) {
    if (!cJSON_IsString(a[1]))
      return pf_armx_fail(x, "%s(): an Object's keys are Strings, found %s",
                          name, pf_armx_typename(a[1]));
    return ret_bool(x, cJSON_GetObjectItem(a[0], a[1]->valuestring) != NULL,
                    out);
  }
  return pf_armx_fail(x, "%s(): argument 1 must be a String, Array or "
                      "Object, found %s", name, pf_armx_typename(a[0]));
}

/* ---- arrays and objects ------------------------------------------------ */

static pf_status f_create_array(struct pf_armx *x, const char *name,
                                cJSON **a, int n, cJSON **out)
{
  cJSON *r = cJSON_CreateArray();
  int i;
  (void)name;
  if (!r)
    return oom(x);
  for (i = 0; i < n; i++)
    cJSON_AddItemToArray(r, take(a, i));
  *out = r;
  return PF_OK;
}

static pf_status f_array(struct pf_armx *x, const char *name, cJSON **a,
                         int n, cJSON **out)
{
  (void)n;
  if (cJSON_IsArray(a[0])) {
    *out = take(a, 0);
    return PF_OK;
  }
  return f_create_array(x, name, a, 1, out);
}

static pf_status f_create_object(struct pf_armx *x, const char *name,
                                 cJSON **a, int n, cJSON **out)
{
  cJSON *r;
  int i;
  if (n % 2)
    return pf_armx_fail(x, "%s(): needs key and value pairs, found %d "
                        "argument%s", name, n, n == 1 ? "" : "s");
  for (i = 0; i < n; i += 2)
    if (pf_armx_is_unknown(a[i])) {
      *out = take(a, i);   /* an unknown key: the object is unknown */
      return PF_OK;
    }
  for (i = 0; i < n; i += 2)
    if (!cJSON_IsString(a[i]))
      return pf_armx_fail(x, "%s(): key %d must be a String, found %s", name,
                          i / 2 + 1, pf_armx_typename(a[i]));
  if (!(r = cJSON_CreateObject()))
    return oom(x);
  for (i = 0; i < n; i += 2) {
    cJSON_DeleteItemFromObject(r, a[i]->valuestring);
    cJSON_AddItemToObject(r, a[i]->valuestring, take(a, i + 1));
  }
  *out = r;
  return PF_OK;
}

/* union of objects merges nested objects; of arrays keeps first
 * occurrences (ARM array/object function reference). */
static void merge_into(cJSON *dst, cJSON *src)
{
  cJSON *c;
  while ((c = src->child) != NULL) {
    cJSON *have;
    cJSON_DetachItemViaPointer(src, c);
    have = cJSON_GetObjectItem(dst, c->string);
    if (have && cJSON_IsObject(have) && cJSON_IsObject(c) &&
        !pf_armx_is_unknown(have) && !pf_armx_is_unknown(c)) {
      merge_into(have, c);
      cJSON_Delete(c);
    } else {
      if (have)
        cJSON_DeleteItemFromObject(dst, c->string);
      cJSON_AddItemToObject(dst, c->string, c);
    }
  }
}

static int arr_has(const cJSON *arr, const cJSON *v)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, arr)
    if (json_eq(e, v))
      return 1;
  return 0;
}

static pf_status f_union(struct pf_armx *x, const char *name, cJSON **a,
                         int n, cJSON **out)
{
  int i, objs = 0, arrs = 0;
  cJSON *r, *e;
  for (i = 0; i < n; i++) {
    objs += cJSON_IsObject(a[i]);
    arrs += cJSON_IsArray(a[i]);
  }
  if (objs == n) {
    r = take(a, 0);
    for (i = 1; i < n; i++)
      merge_into(r, a[i]);
  } else if (arrs == n) {
    if (!(r = cJSON_CreateArray()))
      return oom(x);
    for (i = 0; i < n; i++)
      while ((e = a[i]->child) != NULL) {
        cJSON_DetachItemViaPointer(a[i], e);
        if (arr_has(r, e))
          cJSON_Delete(e);
        else
          cJSON_AddItemToArray(r, e);
      }
  } else {
    return pf_armx_fail(x, "%s(): arguments must all be Arrays or all be "
                        "Objects", name);
  }
  *out = r;
  return PF_OK;
}

static pf_status f_intersection(struct pf_armx *x, const char *name,
                                cJSON **a, int n, cJSON **out)
{
  int i, objs = 0, arrs = 0;
  cJSON *r = take(a, 0), *e, *next;
  for (i = 0; i < n; i++) {
    objs += cJSON_IsObject(i ? a[i] : r);
    arrs += cJSON_IsArray(i ? a[i] : r);
  }
  *out = r;
  if (objs != n && arrs != n)
    return pf_armx_fail(x, "%s(): arguments must all be Arrays or all be "
                        "Objects", name);
  for (e = r->child; e; e = next) {
    int keep = 1;
    next = e->next;
    for (i = 1; i < n && keep; i++) {
      if (objs == n) {
        const cJSON *o = cJSON_GetObjectItem(a[i], e->string);
        keep = o && json_eq(o, e);
      } else {
        keep = arr_has(a[i], e);
      }
    }
    if (keep && arrs == n) {
      const cJSON *p;
      for (p = r->child; p != e; p = p->next)
        if (json_eq(p, e)) {
          keep = 0;
          break;
        }
    }
    if (!keep)
      cJSON_Delete(cJSON_DetachItemViaPointer(r, e));
  }
  return PF_OK;
}

static size_t utf8_len(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xc0) != 0x80;
  return n;
}

static pf_status f_length(struct pf_armx *x, const char *name, cJSON **a,
                          int n, cJSON **out)
{
  (void)n;
  if (cJSON_IsString(a[0]))
    return ret_int(x, (int64_t)utf8_len(a[0]->valuestring), out);
  if (cJSON_IsArray(a[0]) || cJSON_IsObject(a[0]))
    return ret_int(x, cJSON_GetArraySize(a[0]), out);
  return pf_armx_fail(x, "%s(): argument 1 must be a String, Array or "
                      "Object, found %s", name, pf_armx_typename(a[0]));
}

static pf_status f_first_last(struct pf_armx *x, const char *name,
                              cJSON **a, int n, cJSON **out)
{
  int first = !strcasecmp(name, "first");
  (void)n;
  if (cJSON_IsString(a[0])) {
    size_t len = strlen(a[0]->valuestring);
    if (!len)
      return ret_str(x, "", 0, out);
    return ret_str(x, a[0]->valuestring + (first ? 0 : len - 1), 1, out);
  }
  if (cJSON_IsArray(a[0])) {
    cJSON *e = a[0]->child;
    if (!e) {
      *out = cJSON_CreateNull();
      return *out ? PF_OK : oom(x);
    }
    if (!first)
      while (e->next)
        e = e->next;
    *out = cJSON_DetachItemViaPointer(a[0], e);
    return PF_OK;
  }
  return pf_armx_fail(x, "%s(): argument 1 must be a String or an Array, "
                      "found %s", name, pf_armx_typename(a[0]));
}

static pf_status f_take_skip(struct pf_armx *x, const char *name, cJSON **a,
                             int n, cJSON **out)
{
  int is_take = !strcasecmp(name, "take");
  int64_t k;
  pf_status st;
  (void)n;
  if ((st = need_int(x, name, a, 1)) != PF_OK)
    return st;
  k = ival(a[1]);
  if (k < 0)
    k = 0;
  if (cJSON_IsString(a[0])) {
    size_t len = strlen(a[0]->valuestring);
    size_t kk = (uint64_t)k > len ? len : (size_t)k;
    return is_take ? ret_str(x, a[0]->valuestring, kk, out)
                   : ret_str(x, a[0]->valuestring + kk, len - kk, out);
  }
  if (cJSON_IsArray(a[0])) {
    cJSON *r = take(a, 0), *e, *next;
    int64_t i = 0;
    for (e = r->child; e; e = next, i++) {
      next = e->next;
      if (is_take ? i >= k : i < k)
        cJSON_Delete(cJSON_DetachItemViaPointer(r, e));
    }
    *out = r;
    return PF_OK;
  }
  return pf_armx_fail(x, "%s(): argument 1 must be a String or an Array, "
                      "found %s", name, pf_armx_typename(a[0]));
}

static pf_status f_range(struct pf_armx *x, const char *name, cJSON **a,
                         int n, cJSON **out)
{
  int64_t start, count, i;
  cJSON *r;
  pf_status st;
  (void)n;
  if ((st = need_int(x, name, a, 0)) != PF_OK ||
      (st = need_int(x, name, a, 1)) != PF_OK)
    return st;
  start = ival(a[0]);
  count = ival(a[1]);
  if (count < 0 || count > PF_ARMX_MAX_RANGE)
    return pf_armx_fail(x, "%s(): count %lld is outside 0..%d", name,
                        (long long)count, PF_ARMX_MAX_RANGE);
  if (start + count > 2147483647LL || start < -2147483648LL)
    return pf_armx_fail(x, "%s(): start + count must not exceed 2147483647",
                        name);
  if ((st = spend(x, (long)count)) != PF_OK)
    return st;
  if (!(r = cJSON_CreateArray()))
    return oom(x);
  *out = r;
  for (i = 0; i < count; i++) {
    cJSON *v = cJSON_CreateNumber((double)(start + i));
    if (!v)
      return oom(x);
    cJSON_AddItemToArray(r, v);
  }
  return PF_OK;
}

static pf_status f_coalesce(struct pf_armx *x, const char *name, cJSON **a,
                            int n, cJSON **out)
{
  int i;
  (void)name;
  for (i = 0; i < n; i++)
    if (!cJSON_IsNull(a[i])) {
      *out = take(a, i);   /* an unknown before any value decides */
      return PF_OK;
    }
  *out = cJSON_CreateNull();
  return *out ? PF_OK : oom(x);
}

/* ---- conversions ------------------------------------------------------- */

static pf_status f_string(struct pf_armx *x, const char *name, cJSON **a,
                          int n, cJSON **out)
{
  struct sbuf sb;
  (void)name; (void)n;
  if (cJSON_IsString(a[0])) {
    *out = take(a, 0);
    return PF_OK;
  }
  sb_init(&sb, PF_ARMX_MAX_STRING);
  if (append_text(&sb, a[0])) {
    sb_release(&sb);
    return oom(x);
  }
  return ret_sb(x, &sb, out);
}

static pf_status f_int(struct pf_armx *x, const char *name, cJSON **a,
                       int n, cJSON **out)
{
  (void)n;
  if (is_int(a[0]))
    return ret_int(x, ival(a[0]), out);
  if (cJSON_IsString(a[0])) {
    const char *s = a[0]->valuestring;
    char *end;
    long long v;
    while (isspace((unsigned char)*s))
      s++;
    v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
      end++;
    if (end != s && !*end && llabs(v) <= 9007199254740992LL)
      return ret_int(x, v, out);
    return pf_armx_fail(x, "%s(): '%.60s' is not an integer", name,
                        a[0]->valuestring);
  }
  return pf_armx_fail(x, "%s(): argument 1 must be a String or an Integer, "
                      "found %s", name, pf_armx_typename(a[0]));
}

static pf_status f_bool(struct pf_armx *x, const char *name, cJSON **a,
                        int n, cJSON **out)
{
  (void)n;
  if (cJSON_IsBool(a[0]))
    return ret_bool(x, cJSON_IsTrue(a[0]), out);
  if (is_int(a[0]))
    return ret_bool(x, ival(a[0]) != 0, out);
  if (cJSON_IsString(a[0])) {
    if (!strcasecmp(a[0]->valuestring, "true"))
      return ret_bool(x, 1, out);
    if (!strcasecmp(a[0]->valuestring, "false"))
      return ret_bool(x, 0, out);
    return pf_armx_fail(x, "%s(): '%.60s' is not 'true' or 'false'", name,
                        a[0]->valuestring);
  }
  return pf_armx_fail(x, "%s(): argument 1 must be a String, Integer or "
                      "Boolean, found %s", name, pf_armx_typename(a[0]));
}

static pf_status f_json(struct pf_armx *x, const char *name, cJSON **a,
                        int n, cJSON **out)
{
  const char *end = NULL;
  pf_status st;
  (void)n;
  if ((st = need_str(x, name, a, 0)) != PF_OK)
    return st;
  *out = cJSON_ParseWithOpts(a[0]->valuestring, &end, 1);
  if (!*out)
    return pf_armx_fail(x, "%s(): '%.60s' is not valid JSON", name,
                        a[0]->valuestring);
  return PF_OK;
}

static pf_status f_arith(struct pf_armx *x, const char *name, cJSON **a,
                         int n, cJSON **out)
{
  int64_t l, r, v;
  pf_status st;
  (void)n;
  if ((st = need_int(x, name, a, 0)) != PF_OK ||
      (st = need_int(x, name, a, 1)) != PF_OK)
    return st;
  l = ival(a[0]);
  r = ival(a[1]);
  if ((!strcasecmp(name, "div") || !strcasecmp(name, "mod")) && r == 0)
    return pf_armx_fail(x, "%s(): division by zero", name);
  if (!strcasecmp(name, "add")) v = l + r;
  else if (!strcasecmp(name, "sub")) v = l - r;
  else if (!strcasecmp(name, "mul")) {
    if (l && llabs(r) > 9007199254740992LL / llabs(l))
      return pf_armx_fail(x, "%s(): the product overflows", name);
    v = l * r;
  } else if (!strcasecmp(name, "div")) v = l / r;
  else v = l % r;
  return ret_int(x, v, out);
}

static pf_status f_minmax(struct pf_armx *x, const char *name, cJSON **a,
                          int n, cJSON **out)
{
  int is_min = !strcasecmp(name, "min"), i, have = 0;
  int64_t best = 0;
  const cJSON *e;
  for (i = 0; i < n; i++) {
    const cJSON *v = a[i];
    int one = !cJSON_IsArray(v);
    for (e = one ? v : v->child; e; e = one ? NULL : e->next) {
      if (!is_int(e))
        return pf_armx_fail(x, "%s(): arguments must be Integers or Arrays "
                            "of them, found %s", name, pf_armx_typename(e));
      if (!have || (is_min ? ival(e) < best : ival(e) > best))
        best = ival(e);
      have = 1;
    }
  }
  if (!have)
    return pf_armx_fail(x, "%s(): no values", name);
  return ret_int(x, best, out);
}

static pf_status f_runtime(struct pf_armx *x, const char *name, cJSON **a,
                           int n, cJSON **out)
{
  (void)x; (void)name; (void)a; (void)n;
  *out = NULL;   /* the caller makes the unknown with the call's text */
  return PF_EUNSUPPORTED;
}

static const struct fn fns[] = {
  {"add", 2, 2, 0, f_arith},
  {"and", 2, -1, F_LAZY, f_andor},
  {"array", 1, 1, F_STRUCT, f_array},
  {"base64", 1, 1, 0, f_base64},
  {"bool", 1, 1, 0, f_bool},
  {"coalesce", 1, -1, F_STRUCT | F_LAZY, f_coalesce},
  {"concat", 0, -1, F_STRUCT, f_concat},
  {"contains", 2, 2, 0, f_contains},
  {"copyIndex", 0, 2, 0, f_copy_index},
  {"createArray", 0, -1, F_STRUCT | F_KEEP, f_create_array},
  {"createObject", 0, -1, F_STRUCT | F_KEEP, f_create_object},
  {"div", 2, 2, 0, f_arith},
  {"empty", 1, 1, 0, f_empty},
  {"endsWith", 2, 2, 0, f_find},
  {"environment", 0, 0, 0, f_environment},
  {"equals", 2, 2, 0, f_equals},
  {"extensionResourceId", 3, -1, 0, f_extension_resource_id},
  {"false", 0, 0, 0, f_bool_lit},
  {"first", 1, 1, F_STRUCT, f_first_last},
  {"format", 1, -1, 0, f_format},
  {"greater", 2, 2, 0, f_compare},
  {"greaterOrEquals", 2, 2, 0, f_compare},
  {"guid", 1, -1, 0, f_hash},
  {"if", 3, 3, F_LAZY | F_STRUCT, NULL},
  {"indexOf", 2, 2, 0, f_find},
  {"int", 1, 1, 0, f_int},
  {"intersection", 2, -1, F_STRUCT, f_intersection},
  {"join", 2, 2, 0, f_join},
  {"json", 1, 1, 0, f_json},
  {"last", 1, 1, F_STRUCT, f_first_last},
  {"lastIndexOf", 2, 2, 0, f_find},
  {"length", 1, 1, F_STRUCT, f_length},
  {"less", 2, 2, 0, f_compare},
  {"lessOrEquals", 2, 2, 0, f_compare},
  {"max", 1, -1, 0, f_minmax},
  {"min", 1, -1, 0, f_minmax},
  {"mod", 2, 2, 0, f_arith},
  {"mul", 2, 2, 0, f_arith},
  {"not", 1, 1, 0, f_not},
  {"null", 0, 0, 0, f_bool_lit},
  {"or", 2, -1, F_LAZY, f_andor},
  {"padLeft", 2, 3, 0, f_pad_left},
  {"parameters", 1, 1, 0, f_parameters},
  {"range", 2, 2, 0, f_range},
  {"reference", 1, 3, 0, f_reference},
  {"replace", 3, 3, 0, f_replace},
  {"resourceGroup", 0, 0, 0, f_resource_group},
  {"resourceId", 2, -1, 0, f_resource_id},
  {"skip", 2, 2, F_STRUCT, f_take_skip},
  {"split", 2, 2, 0, f_split},
  {"startsWith", 2, 2, 0, f_find},
  {"string", 1, 1, 0, f_string},
  {"sub", 2, 2, 0, f_arith},
  {"subscription", 0, 0, 0, f_subscription},
  {"subscriptionResourceId", 2, -1, 0, f_subscription_resource_id},
  {"substring", 2, 3, 0, f_substring},
  {"take", 2, 2, F_STRUCT, f_take_skip},
  {"tenant", 0, 0, 0, f_tenant},
  {"tenantResourceId", 2, -1, 0, f_tenant_resource_id},
  {"toLower", 1, 1, 0, f_case},
  {"toUpper", 1, 1, 0, f_case},
  {"trim", 1, 1, 0, f_trim},
  {"true", 0, 0, 0, f_bool_lit},
  {"union", 1, -1, F_STRUCT, f_union},
  {"uniqueString", 1, -1, 0, f_hash},
  {"variables", 1, 1, 0, f_variables},
  /* ARM functions whose value exists only at deployment time, or that
   * this evaluator does not implement: their result is unknown */
  {"base64ToJson", 1, 1, F_RUNTIME, f_runtime},
  {"base64ToString", 1, 1, F_RUNTIME, f_runtime},
  {"cidrHost", 2, 2, F_RUNTIME, f_runtime},
  {"cidrSubnet", 3, 3, F_RUNTIME, f_runtime},
  {"dataUri", 1, 1, F_RUNTIME, f_runtime},
  {"dataUriToString", 1, 1, F_RUNTIME, f_runtime},
  {"dateTimeAdd", 2, 3, F_RUNTIME, f_runtime},
  {"dateTimeFromEpoch", 1, 1, F_RUNTIME, f_runtime},
  {"dateTimeToEpoch", 1, 1, F_RUNTIME, f_runtime},
  {"deployer", 0, 0, F_RUNTIME, f_runtime},
  {"deployment", 0, 0, F_RUNTIME, f_runtime},
  {"filter", 2, 2, F_RUNTIME, f_runtime},
  {"flatten", 1, 1, F_RUNTIME, f_runtime},
  {"items", 1, 1, F_RUNTIME, f_runtime},
  {"lambda", 1, -1, F_RUNTIME, f_runtime},
  {"lambdaVariables", 1, 1, F_RUNTIME, f_runtime},
  {"list", 2, 3, F_RUNTIME, f_runtime},
  {"managementGroup", 0, 1, F_RUNTIME, f_runtime},
  {"managementGroupResourceId", 2, -1, F_RUNTIME, f_runtime},
  {"map", 2, 2, F_RUNTIME, f_runtime},
  {"newGuid", 0, 0, F_RUNTIME, f_runtime},
  {"objectKeys", 1, 1, F_RUNTIME, f_runtime},
  {"parseCidr", 1, 1, F_RUNTIME, f_runtime},
  {"pickZones", 3, 5, F_RUNTIME, f_runtime},
  {"providers", 1, 2, F_RUNTIME, f_runtime},
  {"reduce", 3, 3, F_RUNTIME, f_runtime},
  {"shallowMerge", 1, 1, F_RUNTIME, f_runtime},
  {"sort", 2, 2, F_RUNTIME, f_runtime},
  {"toObject", 2, 3, F_RUNTIME, f_runtime},
  {"tryGet", 2, -1, F_RUNTIME, f_runtime},
  {"uri", 2, 2, F_RUNTIME, f_runtime},
  {"uriComponent", 1, 1, F_RUNTIME, f_runtime},
  {"uriComponentToString", 1, 1, F_RUNTIME, f_runtime},
  {"utcNow", 0, 1, F_RUNTIME, f_runtime},
};

static const struct fn *find_fn(const char *name, size_t len)
{
  size_t i;
  static const struct fn list_fn = {"list*", 1, 3, F_RUNTIME, f_runtime};
  for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
    if (strlen(fns[i].name) == len && !strncasecmp(fns[i].name, name, len))
      return &fns[i];
  /* listKeys(), listSecrets(), listAccountSas(), ...: runtime secrets */
  if (len > 4 && !strncasecmp(name, "list", 4))
    return &list_fn;
  return NULL;
}

/* ---- parser ------------------------------------------------------------ */

static pf_status mk_unknown(struct pf_armx *x, size_t from, cJSON **out)
{
  char buf[512];
  size_t n = x->pos - from;
  if (n > sizeof(buf) - 1)
    n = sizeof(buf) - 1;
  memcpy(buf, x->src + from, n);
  buf[n] = '\0';
  *out = pf_armx_unknown(buf);
  return *out ? PF_OK : oom(x);
}

static void free_args(cJSON **a, int n)
{
  int i;
  for (i = 0; i < n; i++)
    cJSON_Delete(a[i]);
}

#define MAX_ARGS 64

static pf_status call(struct pf_armx *x, size_t start, const char *name,
                      size_t nlen, cJSON **out)
{
  const struct fn *f = find_fn(name, nlen);
  cJSON *a[MAX_ARGS];
  char fname[64];
  int n = 0, i, unk = -1;
  pf_status st = PF_OK;

  *out = NULL;
  snprintf(fname, sizeof(fname), "%.*s", (int)(nlen < 60 ? nlen : 60), name);
  if (!f) {
    /* user-defined functions (namespace.name) are not evaluated */
    if (memchr(name, '.', nlen))
      f = NULL;
    else
      return pf_armx_fail(x, "unknown function '%s'", fname);
  }
  if (++x->depth > PF_ARMX_MAX_DEPTH)
    return pf_armx_fail(x, "expressions are nested more than %d deep",
                        PF_ARMX_MAX_DEPTH);
  if ((st = spend(x, 1)) != PF_OK)
    goto out;

  if (f && !strcasecmp(f->name, "if")) {
    /* lazy: only the branch the condition selects is evaluated */
    cJSON *cond = NULL, *r = NULL;
    int which;
    if ((st = expr(x, &cond)) != PF_OK)
      goto out;
    if (!accept(x, ',')) {
      cJSON_Delete(cond);
      st = pf_armx_fail(x, "if(): needs 3 arguments%s", near(x));
      goto out;
    }
    if (!x->skip && !pf_armx_is_unknown(cond) && !cJSON_IsBool(cond)) {
      st = pf_armx_fail(x, "if(): the condition must be a Boolean, found %s",
                        pf_armx_typename(cond));
      cJSON_Delete(cond);
      goto out;
    }
    which = x->skip || pf_armx_is_unknown(cond) ? -1 : cJSON_IsTrue(cond);
    for (i = 1; i >= 0; i--) {
      cJSON *v = NULL;
      int take_it = which == i;
      if (!take_it)
        x->skip++;
      st = expr(x, &v);
      if (!take_it)
        x->skip--;
      if (st != PF_OK) {
        cJSON_Delete(cond);
        cJSON_Delete(r);
        goto out;
      }
      if (take_it)
        r = v;
      else
        cJSON_Delete(v);
      if (i == 1 && !accept(x, ',')) {
        cJSON_Delete(cond);
        cJSON_Delete(r);
        st = pf_armx_fail(x, "if(): needs 3 arguments%s", near(x));
        goto out;
      }
    }
    if (!accept(x, ')')) {
      cJSON_Delete(cond);
      cJSON_Delete(r);
      st = pf_armx_fail(x, "if(): needs 3 arguments, expected ')'%s",
                        near(x));
      goto out;
    }
    if (x->skip) {
      cJSON_Delete(cond);
      *out = NULL;
    } else if (which < 0) {
      *out = cond;   /* an unknown condition: the result is unknown */
      cJSON_Delete(r);
    } else {
      cJSON_Delete(cond);
      *out = r;
    }
    goto out;
  }

  if (!accept(x, ')')) {
    for (;;) {
      if (n == MAX_ARGS) {
        st = pf_armx_fail(x, "%s(): more than %d arguments", fname, MAX_ARGS);
        goto fail;
      }
      if ((st = expr(x, &a[n])) != PF_OK)
        goto fail;
      n++;
      if (accept(x, ')'))
        break;
      if (!accept(x, ',')) {
        st = pf_armx_fail(x, "%s(): expected ',' or ')' at offset %zu%s",
                          fname, x->pos, near(x));
        goto fail;
      }
    }
  }
  if (x->skip) {
    free_args(a, n);
    goto out;
  }
  if (!f) {
    free_args(a, n);
    st = mk_unknown(x, start, out);
    goto out;
  }
  if (n < f->min || (f->max >= 0 && n > f->max)) {
    if (f->min == f->max)
      st = pf_armx_fail(x, "%s(): takes %d argument%s, found %d", f->name,
                        f->min, f->min == 1 ? "" : "s", n);
    else if (f->max < 0)
      st = pf_armx_fail(x, "%s(): takes at least %d argument%s, found %d",
                        f->name, f->min, f->min == 1 ? "" : "s", n);
    else
      st = pf_armx_fail(x, "%s(): takes %d to %d arguments, found %d",
                        f->name, f->min, f->max, n);
    goto fail;
  }
  if (f->flags & F_RUNTIME) {
    free_args(a, n);
    st = mk_unknown(x, start, out);
    goto out;
  }
  for (i = 0; i < n && unk < 0 && !(f->flags & F_KEEP); i++)
    if ((f->flags & F_STRUCT) ? pf_armx_is_unknown(a[i])
                              : pf_armx_has_unknown(a[i]))
      unk = i;
  if (unk >= 0 && !(f->flags & F_LAZY)) {
    *out = take(a, unk);
    if (!pf_armx_is_unknown(*out)) {
      cJSON_Delete(*out);
      st = mk_unknown(x, start, out);
    }
    free_args(a, n);
    goto out;
  }
  if (!strcasecmp(f->name, "coalesce")) {
    /* an unknown before the first known non-null value decides nothing */
    for (i = 0; i < n; i++) {
      if (pf_armx_is_unknown(a[i]) || !cJSON_IsNull(a[i])) {
        *out = take(a, i);
        break;
      }
    }
    if (!*out && !(*out = cJSON_CreateNull()))
      st = oom(x);
    free_args(a, n);
    goto out;
  }
  st = f->impl(x, f->name, a, n, out);
  if (st == PF_EUNSUPPORTED) {
    st = mk_unknown(x, start, out);
  }
  free_args(a, n);
  goto out;
fail:
  free_args(a, n);
out:
  x->depth--;
  if (st != PF_OK) {
    cJSON_Delete(*out);
    *out = NULL;
  }
  return st;
}

static pf_status string_lit(struct pf_armx *x, cJSON **out)
{
  struct sbuf sb;
  x->pos++;   /* opening quote */
  sb_init(&sb, PF_ARMX_MAX_STRING);
  for (;;) {
    if (x->pos >= x->len) {
      sb_release(&sb);
      return pf_armx_fail(x, "unterminated string literal");
    }
    if (x->src[x->pos] == '\'') {
      if (x->pos + 1 < x->len && x->src[x->pos + 1] == '\'') {
        sb_addc(&sb, '\'');   /* '' is one quote */
        x->pos += 2;
        continue;
      }
      x->pos++;
      break;
    }
    sb_addc(&sb, x->src[x->pos++]);
  }
  if (x->skip) {
    sb_release(&sb);
    *out = NULL;
    return PF_OK;
  }
  return ret_sb(x, &sb, out);
}

static pf_status number_lit(struct pf_armx *x, cJSON **out)
{
  size_t start = x->pos;
  long long v = 0;
  int neg = 0;
  if (x->src[x->pos] == '-') {
    neg = 1;
    x->pos++;
  }
  if (x->pos >= x->len || !isdigit((unsigned char)x->src[x->pos]))
    return pf_armx_fail(x, "a '-' must be followed by digits at offset %zu",
                        start);
  while (x->pos < x->len && isdigit((unsigned char)x->src[x->pos])) {
    if (v > 900719925474099LL)
      return pf_armx_fail(x, "the number at offset %zu is too large", start);
    v = v * 10 + (x->src[x->pos++] - '0');
  }
  if (x->pos < x->len && x->src[x->pos] == '.')
    return pf_armx_fail(x, "ARM expressions have integers only (offset %zu)",
                        start);
  if (x->skip) {
    *out = NULL;
    return PF_OK;
  }
  *out = cJSON_CreateNumber((double)(neg ? -v : v));
  return *out ? PF_OK : oom(x);
}

/* The object elements of an array read from a partial object are partial
 * too (a firewall's ipConfigurations[0].properties lacks the
 * privateIPAddress Azure assigns): nested arrays likewise. */
static int mark_partial_elems(cJSON *arr)
{
  cJSON *e;
  cJSON_ArrayForEach(e, arr) {
    if (cJSON_IsArray(e)) {
      if (!mark_partial_elems(e))
        return 0;
    } else if (cJSON_IsObject(e) && !pf_armx_is_unknown(e) &&
               !is_partial(e) && !cJSON_AddTrueToObject(e, PARTIAL_KEY)) {
      return 0;
    }
  }
  return 1;
}

/* Remove the markers from a result: the object, or the elements of an
 * array (marked by mark_partial_elems), nested arrays too. */
static void strip_partial(cJSON *v)
{
  cJSON *e;
  if (cJSON_IsObject(v)) {
    cJSON_DeleteItemFromObjectCaseSensitive(v, PARTIAL_KEY);
  } else if (cJSON_IsArray(v)) {
    cJSON_ArrayForEach(e, v)
      strip_partial(e);
  }
}

/* member access: case-insensitive (ARM property names) */
static pf_status member(struct pf_armx *x, size_t start, cJSON **v,
                        const char *key)
{
  cJSON *m;
  if (x->skip)
    return PF_OK;
  if (pf_armx_is_unknown(*v))
    return PF_OK;
  if (!cJSON_IsObject(*v))
    return pf_armx_fail(x, "cannot read member '%.80s' of %s", key,
                        pf_armx_typename(*v));
  m = cJSON_GetObjectItem(*v, key);
  if (!m || !strcmp(key, PARTIAL_KEY)) {
    if (is_partial(*v)) {
      /* a runtime value of a resource: known only after deployment */
      cJSON_Delete(*v);
      return mk_unknown(x, start, v);
    }
    return pf_armx_fail(x, "the object has no member '%.80s'", key);
  }
  m = cJSON_DetachItemViaPointer(*v, m);
  if (is_partial(*v) &&
      ((cJSON_IsObject(m) && !pf_armx_is_unknown(m) && !is_partial(m) &&
        !cJSON_AddTrueToObject(m, PARTIAL_KEY)) ||
       (cJSON_IsArray(m) && !mark_partial_elems(m)))) {
    cJSON_Delete(m);
    return oom(x);
  }
  cJSON_Delete(*v);
  *v = m;
  return PF_OK;
}

static pf_status postfix(struct pf_armx *x, size_t start, cJSON **v)
{
  pf_status st;
  for (;;) {
    int c = peek(x);
    if (c == '.') {
      size_t b;
      char key[128];
      x->pos++;
      ws(x);
      b = x->pos;
      while (x->pos < x->len &&
             (isalnum((unsigned char)x->src[x->pos]) ||
              x->src[x->pos] == '_' || x->src[x->pos] == '$'))
        x->pos++;
      if (x->pos == b)
        return pf_armx_fail(x, "expected a member name after '.' at offset "
                            "%zu%s", b, near(x));
      if (x->pos - b >= sizeof(key))
        return pf_armx_fail(x, "member name at offset %zu is too long", b);
      memcpy(key, x->src + b, x->pos - b);
      key[x->pos - b] = '\0';
      if ((st = member(x, start, v, key)) != PF_OK)
        return st;
    } else if (c == '[') {
      cJSON *idx = NULL;
      x->pos++;
      if ((st = expr(x, &idx)) != PF_OK)
        return st;
      if (!accept(x, ']')) {
        cJSON_Delete(idx);
        return pf_armx_fail(x, "expected ']' at offset %zu%s", x->pos,
                            near(x));
      }
      if (x->skip || pf_armx_is_unknown(*v)) {
        cJSON_Delete(idx);
        continue;
      }
      if (pf_armx_is_unknown(idx)) {
        cJSON_Delete(*v);
        *v = idx;
        continue;
      }
      if (cJSON_IsArray(*v)) {
        cJSON *e;
        int64_t i;
        if (!is_int(idx)) {
          st = pf_armx_fail(x, "an Array index must be an Integer, found %s",
                            pf_armx_typename(idx));
          cJSON_Delete(idx);
          return st;
        }
        i = ival(idx);
        cJSON_Delete(idx);
        if (i < 0 || i >= cJSON_GetArraySize(*v))
          return pf_armx_fail(x, "index %lld is outside the array of %d "
                              "element%s", (long long)i,
                              cJSON_GetArraySize(*v),
                              cJSON_GetArraySize(*v) == 1 ? "" : "s");
        e = cJSON_DetachItemFromArray(*v, (int)i);
        cJSON_Delete(*v);
        *v = e;
      } else if (cJSON_IsObject(*v)) {
        if (!cJSON_IsString(idx)) {
          st = pf_armx_fail(x, "an Object index must be a String, found %s",
                            pf_armx_typename(idx));
          cJSON_Delete(idx);
          return st;
        }
        st = member(x, start, v, idx->valuestring);
        cJSON_Delete(idx);
        if (st != PF_OK)
          return st;
      } else {
        st = pf_armx_fail(x, "cannot index %s", pf_armx_typename(*v));
        cJSON_Delete(idx);
        return st;
      }
    } else {
      return PF_OK;
    }
  }
}

static pf_status expr(struct pf_armx *x, cJSON **out)
{
  int c = peek(x);
  size_t start = x->pos;
  pf_status st;

  *out = NULL;
  if (c < 0)
    return pf_armx_fail(x, "the expression ends early");
  if (c == '\'') {
    st = string_lit(x, out);
  } else if (c == '-' || isdigit(c)) {
    st = number_lit(x, out);
  } else if (isalpha(c) || c == '_') {
    size_t b = x->pos, e;
    while (x->pos < x->len &&
           (isalnum((unsigned char)x->src[x->pos]) ||
            x->src[x->pos] == '_' || x->src[x->pos] == '.'))
      x->pos++;
    e = x->pos;   /* spaces may follow the name before '(' */
    if (!accept(x, '('))
      return pf_armx_fail(x, "'%.*s' is not a function call (expected '(' "
                          "at offset %zu)%s", (int)(e - b > 60 ? 60 : e - b),
                          x->src + b, x->pos, near(x));
    st = call(x, b, x->src + b, e - b, out);
  } else {
    return pf_armx_fail(x, "unexpected '%c' at offset %zu", c, x->pos);
  }
  if (st != PF_OK) {
    cJSON_Delete(*out);
    *out = NULL;
    return st;
  }
  st = postfix(x, start, out);
  if (st != PF_OK) {
    cJSON_Delete(*out);
    *out = NULL;
  }
  return st;
}

int pf_armx_is_expr(const char *s)
{
  size_t n = strlen(s);
  return n >= 2 && s[0] == '[' && s[1] != '[' && s[n - 1] == ']';
}

pf_status pf_armx_eval(const struct pf_armx_host *host, long *budget,
                       const char *s, cJSON **out, char *msg, size_t msgsz)
{
  struct pf_armx x;
  size_t n = strlen(s);
  pf_status st;

  *out = NULL;
  if (msg && msgsz)
    msg[0] = '\0';
  if (!pf_armx_is_expr(s)) {
    /* "[[...": a literal string starting with '[' */
    *out = cJSON_CreateString(n >= 2 && s[0] == '[' && s[1] == '[' ? s + 1
                                                                   : s);
    return *out ? PF_OK : PF_ENOMEM;
  }
  memset(&x, 0, sizeof(x));
  x.host = host;
  x.src = s;
  x.budget = budget;
  if (n > PF_ARMX_MAX_EXPR) {
    st = pf_armx_fail(&x, "the expression is %zu characters long; Azure "
                      "Resource Manager allows %d", n, PF_ARMX_MAX_EXPR);
  } else {
    x.pos = 1;
    x.len = n - 1;   /* without the closing ']' */
    st = expr(&x, out);
    if (st == PF_OK && peek(&x) >= 0) {
      st = pf_armx_fail(&x, "unexpected '%c' at offset %zu after the "
                        "expression", x.src[x.pos], x.pos);
    }
  }
  if (st == PF_OK && pf_armx_is_unknown(*out) &&
      strcmp(unknown_why(*out), s)) {
    /* quote the whole expression, and where the unknown came from */
    char buf[1024];
    const char *why = unknown_why(*out);
    if (strlen(why) + 2 == n - 0 && !strncmp(why, s + 1, n - 2))
      snprintf(buf, sizeof(buf), "%.1000s", s);
    else
      snprintf(buf, sizeof(buf), "%.500s (unknown: %.480s)", s, why);
    cJSON_Delete(*out);
    *out = pf_armx_unknown(buf);
    if (!*out)
      st = PF_ENOMEM;
  } else if (st == PF_OK) {
    strip_partial(*out);
  }
  if (st != PF_OK) {
    cJSON_Delete(*out);
    *out = NULL;
    if (msg && msgsz)
      snprintf(msg, msgsz, "%s", x.msg[0] ? x.msg : "out of memory");
  }
  return st;
}
