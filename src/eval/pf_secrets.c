/* SPDX-License-Identifier: MIT */
/* pf_secrets.c - the secret scanner: detectors, notebook and JSON walks,
 * the get_secret print dataflow (docs/secrets.md)
 */
#include "pf_secrets.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../core/pf_file.h"
#include "../core/pf_jsonr.h"
#include "../core/pf_mem.h"

#define WALK_MAX_DEPTH 32
#define MAX_SPANS 32
#define MAX_TAINT 32
#define MAX_NAME_SCAN 64    /* look-back bound for assignment names */

enum ftype { FT_NONE = 0, FT_PY, FT_NB, FT_JSON, FT_YAML, FT_ENV, FT_CONF };

enum { M_CODE = 1, M_CONF = 2, M_OUTPUT = 4 };

struct span {
  size_t a, b;
  size_t idx;      /* the finding, in pf_secrets.f */
};

struct sc {
  struct pf_secrets *s;
  const char *file;
  int env;                                /* SEC-6 context */
  struct span sp[MAX_SPANS];
  size_t n_sp;
  char taint[MAX_TAINT][PF_SECRET_NAME_MAX];
  size_t n_taint;
  pf_status st;                           /* sticky PF_ENOMEM */
};

static const struct {
  const char *id, *text;
} kinds[] = {
  {"storage-account-key", "storage account key"},
  {"connection-string", "connection string with a credential"},
  {"sas-token", "SAS token"},
  {"jwt", "JSON Web Token"},
  {"bearer-token", "bearer token"},
  {"private-key", "PEM private key"},
  {"url-password", "password in a URL"},
  {"password", "password"},
  {"api-key", "key"},
  {"token", "token"},
  {"secret", "secret"},
  {"printed-secret", "value of get_secret printed or logged"},
};

static const struct {
  const char *id, *title, *source;
  enum pf_sev sev;
} rules_tab[] = {
  {"SCR-1", "No secret values in plain text in training scripts or "
   "configuration files", "001_78a755799709b351.txt#set-secrets; "
   "004_6322b8e12a8cdcd7.txt#set-secrets", PF_SEV_ERROR},
  {"SCR-2", "Secrets are not printed or written out by the run",
   "001_78a755799709b351.txt#get-secrets; "
   "004_6322b8e12a8cdcd7.txt#get-secrets", PF_SEV_WARNING},
  {"SEC-6", "No secrets in job environment variables (they are logged by "
   "the service)", "002_501679ff58e47f21.txt#microsoft-collected-data",
   PF_SEV_ERROR},
};

const char *pf_secret_kind_text(const char *kind)
{
  size_t i;
  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    if (!strcmp(kinds[i].id, kind))
      return kinds[i].text;
  return kind;
}

static size_t rule_index(const char *rule)
{
  size_t i;
  for (i = 0; i < sizeof(rules_tab) / sizeof(rules_tab[0]); i++)
    if (!strcmp(rules_tab[i].id, rule))
      return i;
  return 0;
}

const char *pf_secret_rule_title(const char *rule)
{
  return rules_tab[rule_index(rule)].title;
}

const char *pf_secret_rule_source(const char *rule)
{
  return rules_tab[rule_index(rule)].source;
}

void pf_secret_redact(const char *v, size_t n, char out[8])
{
  size_t k = n / 4, i;
  if (k > 4)
    k = 4;
  for (i = 0; i < k; i++)
    out[i] = (v[i] > 32 && v[i] < 127) ? v[i] : '?';
  memcpy(out + k, "...", 4);
}

double pf_secret_entropy(const char *v, size_t n)
{
  size_t cnt[256] = {0}, i;
  double h = 0.0;
  if (!n)
    return 0.0;
  for (i = 0; i < n; i++)
    cnt[(unsigned char)v[i]]++;
  for (i = 0; i < 256; i++) {
    if (cnt[i]) {
      double p = (double)cnt[i] / (double)n;
      h -= p * log2(p);
    }
  }
  return h;
}

void pf_secrets_init(struct pf_secrets *s)
{
  memset(s, 0, sizeof(*s));
  s->max_size = PF_FILE_MAX_DEFAULT;
}

void pf_secrets_release(struct pf_secrets *s)
{
  size_t i;
  if (!s)
    return;
  for (i = 0; i < s->n; i++)
    pf_free(s->f[i].file);
  pf_free(s->f);
  for (i = 0; i < s->n_warnings; i++)
    pf_free(s->warnings[i]);
  pf_free(s->warnings);
  memset(s, 0, sizeof(*s));
}

static pf_status warn(struct pf_secrets *s, const char *file, const char *msg)
{
  size_t n = strlen(file) + strlen(msg) + 3;
  char *w;
  if (PF_GROW(s->warnings, s->cap_warnings, s->n_warnings + 1))
    return PF_ENOMEM;
  if (!(w = pf_malloc(n)))
    return PF_ENOMEM;
  snprintf(w, n, "%s: %s", file, msg);
  s->warnings[s->n_warnings++] = w;
  return PF_OK;
}

/* ---- character helpers ------------------------------------------------ */

static int is_alnum(char ch)
{
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= '0' && ch <= '9');
}

static int is_b64(char ch)
{
  return is_alnum(ch) || ch == '+' || ch == '/';
}

static int is_b64url(char ch)
{
  return is_alnum(ch) || ch == '-' || ch == '_';
}

static int is_ident(char ch)
{
  return is_alnum(ch) || ch == '_';
}

static int is_space(char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static char lower(char ch)
{
  return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
}

/* First case-insensitive occurrence of \p pat in s[from, n), or n. */
static size_t find_ci(const char *s, size_t n, size_t from, const char *pat)
{
  size_t m = strlen(pat), i, j;
  if (m > n)
    return n;
  for (i = from; i + m <= n; i++) {
    for (j = 0; j < m && lower(s[i + j]) == lower(pat[j]); j++)
      ;
    if (j == m)
      return i;
  }
  return n;
}

static int has_ci(const char *s, size_t n, const char *pat)
{
  return find_ci(s, n, 0, pat) < n;
}

/* Example values and references rather than secrets. */
static int placeholder(const char *v, size_t n)
{
  static const char *const words[] = {
    "your", "example", "placeholder", "replace", "redacted", "dummy",
    "xxxx", "****", "....", "<", ">", "{", "}", "$(", "%(", "changeme",
    "insert", "fake", "sample", "@microsoft.keyvault", "secretref",
    "keyvaultref"
  };
  size_t i;
  if (!n)
    return 1;
  if (v[0] == '$' || v[0] == '%' || v[0] == '@')
    return 1;
  for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if (has_ci(v, n, words[i]))
      return 1;
  return 0;
}

/* ---- findings ---------------------------------------------------------- */

static int taken(const struct sc *c, size_t a, size_t b)
{
  size_t i;
  for (i = 0; i < c->n_sp; i++)
    if (a < c->sp[i].b && c->sp[i].a < b)
      return 1;
  return 0;
}

static void mark(struct sc *c, size_t a, size_t b)
{
  if (c->n_sp < MAX_SPANS) {
    c->sp[c->n_sp].a = a;
    c->sp[c->n_sp].b = b;
    c->sp[c->n_sp].idx = c->s->n ? c->s->n - 1 : 0;
    c->n_sp++;
  }
}

/* Keep a name only when it looks like an identifier (never a value). */
static void set_name(char out[PF_SECRET_NAME_MAX], const char *nm, size_t n)
{
  size_t i;
  out[0] = '\0';
  if (!nm || !n || n >= PF_SECRET_NAME_MAX)
    return;
  for (i = 0; i < n; i++)
    if (!is_ident(nm[i]) && nm[i] != '-' && nm[i] != '.')
      return;
  memcpy(out, nm, n);
  out[n] = '\0';
}

static void add(struct sc *c, const char *rule, const char *kind,
                const char *v, size_t vn, const char *nm, size_t nn,
                unsigned long line, unsigned long col)
{
  struct pf_secrets *s = c->s;
  struct pf_secret *f;
  if (c->st != PF_OK)
    return;
  if (c->env && !strcmp(rule, "SCR-1"))
    rule = "SEC-6";
  if (PF_GROW(s->f, s->cap, s->n + 1)) {
    c->st = PF_ENOMEM;
    return;
  }
  f = &s->f[s->n];
  memset(f, 0, sizeof(*f));
  if (!(f->file = pf_strdup(c->file))) {
    c->st = PF_ENOMEM;
    return;
  }
  f->rule = rules_tab[rule_index(rule)].id;
  f->severity = rules_tab[rule_index(rule)].sev;
  f->kind = kind;
  f->line = line;
  f->col = col;
  if (v)
    pf_secret_redact(v, vn, f->value);
  set_name(f->name, nm, nn);
  s->n++;
}

/* ---- names and values -------------------------------------------------- */

/* Which kind a secret-like name stands for, or NULL. */
static const char *name_kind(const char *nm, size_t n)
{
  static const struct {
    const char *w, *kind;
  } secret_words[] = {
    {"password", "password"}, {"passwd", "password"}, {"pwd", "password"},
    {"pass", "password"}, {"passphrase", "password"},
    {"secret", "secret"}, {"secrets", "secret"},
    {"clientsecret", "secret"}, {"credential", "secret"},
    {"credentials", "secret"}, {"connectionstring", "secret"},
    {"connstr", "secret"}, {"sas", "token"}, {"token", "token"},
    {"accesstoken", "token"}, {"authtoken", "token"},
    {"sastoken", "token"}, {"key", "api-key"}, {"apikey", "api-key"},
    {"accesskey", "api-key"}, {"accountkey", "api-key"},
    {"secretkey", "api-key"}, {"privatekey", "api-key"},
    {"subscriptionkey", "api-key"}
  };
  static const char *const not_last[] = {
    "name", "names", "id", "ids", "vault", "path", "file", "filename",
    "url", "uri", "type", "len", "length", "size", "count", "env", "var",
    "field", "header", "prefix", "suffix", "format", "version", "expiry",
    "expires", "expiration", "ttl", "timeout", "endpoint", "policy",
    "scope", "source", "kind", "mode", "label", "column", "index", "hash",
    "algorithm", "alg", "location", "dir", "directory", "enabled",
    "required", "rotation", "store", "ref", "reference", "provider",
    "rate", "list", "uri", "col", "idx", "num", "number"
  };
  char w[32];
  const char *found = NULL;
  size_t i = 0, k, wl;
  while (i < n) {
    while (i < n && !is_alnum(nm[i]))
      i++;
    if (i >= n)
      break;
    wl = 0;
    do {
      if (wl < sizeof(w) - 1)
        w[wl++] = lower(nm[i]);
      i++;
    } while (i < n && is_alnum(nm[i]) &&
             !(nm[i] >= 'A' && nm[i] <= 'Z' && nm[i - 1] >= 'a' &&
               nm[i - 1] <= 'z'));
    w[wl] = '\0';
    if (found) {
      /* a later word: the name is about the secret, not the secret */
      for (k = 0; k < sizeof(not_last) / sizeof(not_last[0]); k++)
        if (!strcmp(w, not_last[k]))
          found = NULL;
    }
    for (k = 0; k < sizeof(secret_words) / sizeof(secret_words[0]); k++)
      if (!strcmp(w, secret_words[k].w))
        found = secret_words[k].kind;
  }
  return found;
}

static int is_guid(const char *v, size_t n)
{
  size_t i;
  if (n != 36)
    return 0;
  for (i = 0; i < n; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (v[i] != '-')
        return 0;
    } else if (!((v[i] >= '0' && v[i] <= '9') ||
                 (lower(v[i]) >= 'a' && lower(v[i]) <= 'f'))) {
      return 0;
    }
  }
  return 1;
}

static int is_hash(const char *v, size_t n)
{
  size_t i;
  if (n != 32 && n != 40 && n != 64 && n != 128)
    return 0;
  for (i = 0; i < n; i++)
    if (!((v[i] >= '0' && v[i] <= '9') ||
          (lower(v[i]) >= 'a' && lower(v[i]) <= 'f')))
      return 0;
  return n != 32;
}

/* A value assigned to a secret-like name that looks like a real secret. */
static int strong_value(const char *v, size_t n)
{
  int lo = 0, up = 0, dg = 0, sym = 0, wordlike = 1;
  size_t i;
  double h;
  if (n < 8 || n > 1024 || placeholder(v, n) || is_guid(v, n) ||
      is_hash(v, n))
    return 0;
  if (find_ci(v, n, 0, "://") < n || v[0] == '/' || v[0] == '~' ||
      (n > 1 && v[0] == '.' && v[1] == '/') || memchr(v, '\\', n))
    return 0;   /* URL or path (URL credentials have their detector) */
  if (has_ci(v, n, "os.environ") || has_ci(v, n, "getenv") ||
      has_ci(v, n, "azureml:") || has_ci(v, n, "get_secret"))
    return 0;
  for (i = 0; i < n; i++) {
    char ch = v[i];
    if (is_space(ch) || ch == '"' || ch == '\'')
      return 0;
    if (ch >= 'a' && ch <= 'z')
      lo = 1;
    else if (ch >= 'A' && ch <= 'Z')
      up = 1;
    else if (ch >= '0' && ch <= '9')
      dg = 1, wordlike = 0;
    else if (ch != '_' && ch != '-' && ch != '.')
      sym = 1, wordlike = 0;
  }
  h = pf_secret_entropy(v, n);
  if (wordlike)
    return n >= 20 && h >= 3.8 && lo && up;
  if (lo + up + dg + sym >= 2 && h >= 2.5)
    return 1;
  return n >= 16 && h >= 3.5;
}

/* ---- detectors ---------------------------------------------------------- */

static void det_pem(struct sc *c, const char *s, size_t n, unsigned long line,
                    unsigned long col0)
{
  size_t i = 0, e;
  while ((i = find_ci(s, n, i, "-----BEGIN ")) < n) {
    e = find_ci(s, n, i, "PRIVATE KEY-----");
    if (e < n && e - i < 48 && !taken(c, i, e + 16)) {
      add(c, "SCR-1", "private-key", s + i, e + 16 - i, NULL, 0, line,
          col0 + i);
      mark(c, i, e + 16);
    }
    i += 11;
  }
}

static size_t value_end(const char *s, size_t n, size_t i)
{
  while (i < n && s[i] != ';' && s[i] != '"' && s[i] != '\'' &&
         !is_space(s[i]) && s[i] != ',' && s[i] != ')')
    i++;
  return i;
}

static void det_connstr(struct sc *c, const char *s, size_t n,
                        unsigned long line, unsigned long col0,
                        const char *key, size_t keyn)
{
  static const char *const pats[] = {"AccountKey=", "SharedAccessSignature=",
                                     "SharedAccessKey=", "Password=",
                                     "Pwd="};
  size_t p, i, a, e;
  int semi = memchr(s, ';', n) != NULL;
  for (p = 0; p < sizeof(pats) / sizeof(pats[0]); p++) {
    i = 0;
    while ((i = find_ci(s, n, i, pats[p])) < n) {
      a = i + strlen(pats[p]);
      e = value_end(s, n, a);
      if (p >= 3) {
        /* passwords only inside a connection string: "...;Password=x;" */
        int ok = semi && (i == 0 || s[i - 1] == ';' || s[i - 1] == '"' ||
                          s[i - 1] == '\'' || is_space(s[i - 1]));
        if (ok && strong_value(s + a, e - a) && !taken(c, a, e)) {
          add(c, "SCR-1", "connection-string", s + a, e - a, key, keyn,
              line, col0 + a);
          mark(c, i, e);
        }
      } else if (e - a >= 20 && !placeholder(s + a, e - a) &&
                 pf_secret_entropy(s + a, e - a) >= 3.5 && !taken(c, a, e)) {
        add(c, "SCR-1", "connection-string", s + a, e - a, key, keyn, line,
            col0 + a);
        mark(c, i, e);
      }
      i = a;
    }
  }
}

static void det_sas(struct sc *c, const char *s, size_t n, unsigned long line,
                    unsigned long col0, const char *key, size_t keyn)
{
  size_t i = 0, a, e;
  int ctx = has_ci(s, n, "sv=") || has_ci(s, n, "se=") ||
            has_ci(s, n, "sp=") || has_ci(s, n, "sr=");
  if (!ctx)
    return;
  while ((i = find_ci(s, n, i, "sig=")) < n) {
    if (i == 0 || s[i - 1] == '?' || s[i - 1] == '&' || s[i - 1] == '"' ||
        s[i - 1] == '\'' || s[i - 1] == ';' || is_space(s[i - 1])) {
      a = i + 4;
      e = a;
      while (e < n && (is_b64(s[e]) || s[e] == '%' || s[e] == '=' ||
                       s[e] == '-' || s[e] == '_'))
        e++;
      if (e - a >= 20 && !placeholder(s + a, e - a) &&
          pf_secret_entropy(s + a, e - a) >= 3.5 && !taken(c, a, e)) {
        add(c, "SCR-1", "sas-token", s + a, e - a, key, keyn, line,
            col0 + a);
        mark(c, i, e);
      }
    }
    i += 4;
  }
}

static int b64url_val(char ch)
{
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '-' || ch == '+') return 62;
  if (ch == '_' || ch == '/') return 63;
  return -1;
}

/* Does the base64url text decode to a JSON object naming "alg"? */
static int jwt_header(const char *s, size_t n)
{
  unsigned char out[384];
  size_t o = 0, i;
  unsigned acc = 0;
  int bits = 0;
  for (i = 0; i < n && o < sizeof(out); i++) {
    int v = b64url_val(s[i]);
    if (v < 0)
      return 0;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)((acc >> bits) & 0xff);
    }
  }
  if (!o || out[0] != '{')
    return 0;
  for (i = 0; i + 5 <= o; i++)
    if (!memcmp(out + i, "\"alg\"", 5))
      return 1;
  return 0;
}

static void det_jwt(struct sc *c, const char *s, size_t n, unsigned long line,
                    unsigned long col0, const char *key, size_t keyn)
{
  size_t i, p1, p2, p3;
  for (i = 0; i + 3 < n; i++) {
    if (s[i] != 'e' || s[i + 1] != 'y' || s[i + 2] != 'J' ||
        (i && is_b64url(s[i - 1])))
      continue;
    p1 = i;
    while (p1 < n && is_b64url(s[p1]))
      p1++;
    if (p1 >= n || s[p1] != '.' || p1 - i < 10)
      continue;
    p2 = p1 + 1;
    while (p2 < n && is_b64url(s[p2]))
      p2++;
    if (p2 >= n || s[p2] != '.' || p2 - p1 - 1 < 10)
      continue;
    p3 = p2 + 1;
    while (p3 < n && is_b64url(s[p3]))
      p3++;
    if (jwt_header(s + i, p1 - i) && !taken(c, i, p3)) {
      add(c, "SCR-1", "jwt", s + i, p3 - i, key, keyn, line, col0 + i);
      mark(c, i, p3);
    }
    i = p3;
  }
}

static void det_bearer(struct sc *c, const char *s, size_t n,
                       unsigned long line, unsigned long col0,
                       const char *key, size_t keyn)
{
  size_t i = 0, a, e;
  while ((i = find_ci(s, n, i, "bearer ")) < n) {
    if (i && is_alnum(s[i - 1])) {
      i += 7;
      continue;
    }
    a = i + 7;
    while (a < n && s[a] == ' ')
      a++;
    e = a;
    while (e < n && (is_b64url(s[e]) || s[e] == '.' || s[e] == '~' ||
                     s[e] == '+' || s[e] == '/' || s[e] == '='))
      e++;
    if (e - a >= 20 && !placeholder(s + a, e - a) &&
        pf_secret_entropy(s + a, e - a) >= 3.5 && !taken(c, a, e)) {
      add(c, "SCR-1", "bearer-token", s + a, e - a, key, keyn, line,
          col0 + a);
      mark(c, i, e);
    }
    i = a;
  }
}

static void det_url(struct sc *c, const char *s, size_t n, unsigned long line,
                    unsigned long col0)
{
  size_t i = 0, u, p, e;
  while ((i = find_ci(s, n, i, "://")) < n) {
    u = i + 3;
    while (u < n && s[u] != ':' && s[u] != '@' && s[u] != '/' &&
           !is_space(s[u]) && s[u] != '"' && s[u] != '\'')
      u++;
    if (u < n && s[u] == ':' && u > i + 3) {
      p = u + 1;
      e = p;
      while (e < n && s[e] != '@' && s[e] != '/' && !is_space(s[e]) &&
             s[e] != '"' && s[e] != '\'')
        e++;
      if (e < n && s[e] == '@' && e - p >= 3 &&
          !placeholder(s + p, e - p) && !taken(c, p, e)) {
        add(c, "SCR-1", "url-password", s + p, e - p, NULL, 0, line,
            col0 + p);
        mark(c, p, e);
      }
    }
    i += 3;
  }
}

static void det_account_key(struct sc *c, const char *s, size_t n,
                            unsigned long line, unsigned long col0,
                            const char *key, size_t keyn)
{
  size_t i = 0, j;
  while (i < n) {
    if (!is_b64(s[i])) {
      i++;
      continue;
    }
    j = i;
    while (j < n && is_b64(s[j]))
      j++;
    if (j - i == 86 && j + 1 < n && s[j] == '=' && s[j + 1] == '=' &&
        (j + 2 == n || (!is_b64(s[j + 2]) && s[j + 2] != '=')) &&
        !(i >= 7 && !memcmp(s + i - 7, "base64,", 7)) &&
        pf_secret_entropy(s + i, 86) >= 4.0 &&
        !placeholder(s + i, 86) && !taken(c, i, j + 2)) {
      add(c, "SCR-1", "storage-account-key", s + i, 88, key, keyn, line,
          col0 + i);
      mark(c, i, j + 2);
    }
    i = j;
  }
}

/* A value assigned to \p nm, checked by name and strength. */
static void named(struct sc *c, const char *nm, size_t nn, const char *v,
                  size_t vn, size_t at, unsigned long line,
                  unsigned long col0)
{
  const char *kind = name_kind(nm, nn);
  size_t i;
  if (!kind)
    return;
  for (i = 0; i < c->n_sp; i++) {
    /* a value detector found it: name it after the assignment */
    if (at < c->sp[i].b && c->sp[i].a < at + vn) {
      if (c->sp[i].idx < c->s->n && !c->s->f[c->sp[i].idx].name[0])
        set_name(c->s->f[c->sp[i].idx].name, nm, nn);
      return;
    }
  }
  if (!strong_value(v, vn))
    return;
  add(c, "SCR-1", kind, v, vn, nm, nn, line, col0 + at);
  mark(c, at, at + vn);
}

/* `name = "value"`, `name: value`, `"name": "value"`, `--name value`. */
static void det_assign(struct sc *c, const char *s, size_t n, int mode,
                       unsigned long line, unsigned long col0)
{
  size_t i, j, na, ne, va, ve;
  for (i = 0; i < n; i++) {
    char op = s[i];
    if (op == '-' && i + 2 < n && s[i + 1] == '-' && is_alnum(s[i + 2]) &&
        (i == 0 || is_space(s[i - 1]) || s[i - 1] == '"' ||
         s[i - 1] == '\'')) {
      /* command line flag: --password VALUE / --account-key=VALUE */
      na = i + 2;
      ne = na;
      while (ne < n && (is_ident(s[ne]) || s[ne] == '-'))
        ne++;
      va = ne;
      if (va < n && (s[va] == ' ' || s[va] == '='))
        va++;
      else
        continue;
      ve = va;
      if (va < n && (s[va] == '"' || s[va] == '\'')) {
        char q = s[va++];
        ve = va;
        while (ve < n && s[ve] != q)
          ve++;
        if (ve >= n)
          continue;
      } else {
        while (ve < n && !is_space(s[ve]) && s[ve] != '"' && s[ve] != '\'')
          ve++;
      }
      named(c, s + na, ne - na, s + va, ve - va, va, line, col0);
      i = ne;
      continue;
    }
    if (op != '=' && op != ':')
      continue;
    if (i + 1 < n && (s[i + 1] == '=' || (op == ':' && (s[i + 1] == ':' ||
                                                       s[i + 1] == '/'))))
      continue;
    if (i && strchr("=!<>:+-*/%&|^~", s[i - 1]))
      continue;
    /* the name, looking back */
    j = i;
    while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t'))
      j--;
    if (j && s[j - 1] == ']')
      j--;
    if (j && (s[j - 1] == '"' || s[j - 1] == '\'')) {
      char q = s[j - 1];
      ne = j - 1;
      na = ne;
      while (na > 0 && s[na - 1] != q && ne - na < MAX_NAME_SCAN)
        na--;
      if (na == 0 || s[na - 1] != q)
        continue;
    } else {
      ne = j;
      na = ne;
      while (na > 0 && (is_ident(s[na - 1]) || s[na - 1] == '-' ||
                        s[na - 1] == '.') && ne - na < MAX_NAME_SCAN)
        na--;
    }
    if (na == ne)
      continue;
    /* the value */
    va = i + 1;
    while (va < n && (s[va] == ' ' || s[va] == '\t'))
      va++;
    if (va < n && strchr("rRbBuU", s[va]) && va + 1 < n &&
        (s[va + 1] == '"' || s[va + 1] == '\''))
      va++;
    if (va < n && (s[va] == '"' || s[va] == '\'')) {
      char q = s[va++];
      ve = va;
      while (ve < n && s[ve] != q) {
        if (s[ve] == '\\')
          ve++;
        ve++;
      }
      if (ve >= n)
        continue;
      /* "abc" + x, "abc".format(...), "abc" % x: built, not a literal */
      j = ve + 1;
      while (j < n && s[j] == ' ')
        j++;
      if (j < n && (s[j] == '+' || s[j] == '.' || s[j] == '%' ||
                    s[j] == '['))
        continue;
    } else if (mode & M_CONF) {
      if (va >= n || strchr("{[|>&*!#", s[va]))
        continue;
      ve = va;
      while (ve < n && !(s[ve] == '#' && ve > va && s[ve - 1] == ' '))
        ve++;
      while (ve > va && is_space(s[ve - 1]))
        ve--;
    } else {
      continue;
    }
    named(c, s + na, ne - na, s + va, ve - va, va, line, col0);
  }
}

/* ---- the get_secret dataflow (SCR-2) ------------------------------------ */

static int tainted(const struct sc *c, const char *nm, size_t n)
{
  size_t i;
  for (i = 0; i < c->n_taint; i++)
    if (strlen(c->taint[i]) == n && !memcmp(c->taint[i], nm, n))
      return 1;
  return 0;
}

static void taint_set(struct sc *c, const char *nm, size_t n, int on)
{
  size_t i;
  if (n >= PF_SECRET_NAME_MAX)
    return;
  for (i = 0; i < c->n_taint; i++) {
    if (strlen(c->taint[i]) == n && !memcmp(c->taint[i], nm, n)) {
      if (!on)
        c->taint[i][0] = '\0';
      return;
    }
  }
  if (!on)
    return;
  for (i = 0; i < c->n_taint; i++)
    if (!c->taint[i][0])
      break;
  if (i == c->n_taint) {
    if (c->n_taint == MAX_TAINT)
      return;
    c->n_taint++;
  }
  memcpy(c->taint[i], nm, n);
  c->taint[i][n] = '\0';
}

static int sink(const char *callee, size_t n)
{
  static const char *const lvl[] = {"debug", "info", "warning", "warn",
                                    "error", "critical", "exception",
                                    "log", "fatal"};
  size_t last = n, k;
  const char *lc;
  size_t ln;
  while (last > 0 && callee[last - 1] != '.')
    last--;
  lc = callee + last;
  ln = n - last;
  if ((ln == 5 && !memcmp(lc, "print", 5)) ||
      (ln == 6 && !memcmp(lc, "pprint", 6)) ||
      (ln == 5 && !memcmp(lc, "write", 5)) ||
      (ln == 10 && !memcmp(lc, "writelines", 10)) ||
      (ln == 3 && !memcmp(lc, "log", 3)) ||
      (ln > 4 && !memcmp(lc, "log_", 4)) ||
      (ln == 3 && !memcmp(lc, "tag", 3)))
    return 1;
  if (last && has_ci(callee, last, "log"))
    for (k = 0; k < sizeof(lvl) / sizeof(lvl[0]); k++)
      if (ln == strlen(lvl[k]) && !memcmp(lc, lvl[k], ln))
        return 1;
  return 0;
}

/* Does the argument text use a tainted name (outside plain literals)? */
static size_t arg_uses(const struct sc *c, const char *s, size_t n,
                       size_t *len)
{
  size_t i = 0, a;
  char q = 0;
  int fstr = 0, brace = 0;
  while (i < n) {
    char ch = s[i];
    if (q) {
      if (ch == '\\') {
        i += 2;
        continue;
      }
      if (ch == q) {
        q = 0;
      } else if (fstr && ch == '{') {
        brace++;
      } else if (fstr && ch == '}' && brace) {
        brace--;
      } else if (fstr && brace && (is_ident(ch) && !(ch >= '0' &&
                                                     ch <= '9'))) {
        a = i;
        while (i < n && is_ident(s[i]))
          i++;
        if ((a == 0 || s[a - 1] != '.') && tainted(c, s + a, i - a)) {
          *len = i - a;
          return a;
        }
        continue;
      }
      i++;
      continue;
    }
    if (ch == '"' || ch == '\'') {
      q = ch;
      fstr = i && (s[i - 1] == 'f' || s[i - 1] == 'F');
      brace = 0;
      i++;
      continue;
    }
    if (ch == '#')
      break;
    if (is_ident(ch) && !(ch >= '0' && ch <= '9')) {
      a = i;
      while (i < n && is_ident(s[i]))
        i++;
      if (i < n && (s[i] == '"' || s[i] == '\''))
        continue;   /* a string prefix */
      if ((a == 0 || s[a - 1] != '.') && tainted(c, s + a, i - a)) {
        size_t k = i;
        while (k < n && s[k] == ' ')
          k++;
        if (!(k < n && s[k] == '=' && (k + 1 >= n || s[k + 1] != '='))) {
          *len = i - a;
          return a;
        }
      }
      continue;
    }
    i++;
  }
  return n;
}

static void flow_line(struct sc *c, const char *s, size_t n,
                      unsigned long line, unsigned long col0)
{
  size_t i = 0, t0, te, j, k;
  while (i < n && (s[i] == ' ' || s[i] == '\t'))
    i++;
  if (i >= n || s[i] == '#')
    return;
  /* assignment: a, b = ... */
  t0 = i;
  j = i;
  while (j < n && (is_ident(s[j]) || s[j] == ',' || s[j] == ' '))
    j++;
  te = j;
  if (j > t0 && j < n && s[j] == '=' && (j + 1 >= n || s[j + 1] != '=') &&
      !(s[t0] >= '0' && s[t0] <= '9')) {
    const char *rhs = s + j + 1;
    size_t rn = n - j - 1, a, b;
    int from_secret = has_ci(rhs, rn, "get_secret");
    int alias = 0;
    a = 0;
    while (a < rn && rhs[a] == ' ')
      a++;
    b = rn;
    while (b > a && is_space(rhs[b - 1]))
      b--;
    if (!from_secret && b > a) {
      for (k = a; k < b && is_ident(rhs[k]); k++)
        ;
      alias = k == b && tainted(c, rhs + a, b - a);
    }
    for (k = t0; k < te;) {
      size_t e;
      while (k < te && !is_ident(s[k]))
        k++;
      e = k;
      while (e < te && is_ident(s[e]))
        e++;
      if (e > k)
        taint_set(c, s + k, e - k, from_secret || alias);
      k = e;
    }
  }
  /* sinks: callee( ... ) */
  for (j = i; j < n; j++) {
    size_t cb, used, ulen = 0, end;
    if (s[j] != '(')
      continue;
    cb = j;
    while (cb > 0 && (is_ident(s[cb - 1]) || s[cb - 1] == '.'))
      cb--;
    if (cb == j || !sink(s + cb, j - cb))
      continue;
    end = n;
    {
      int depth = 0;
      for (k = j; k < n; k++) {
        if (s[k] == '(')
          depth++;
        else if (s[k] == ')' && --depth == 0) {
          end = k;
          break;
        }
      }
    }
    if (has_ci(s + j, end - j, "get_secret")) {
      add(c, "SCR-2", "printed-secret", NULL, 0, "get_secret", 10, line,
          col0 + cb);
      return;
    }
    used = arg_uses(c, s + j + 1, end - j - 1, &ulen);
    if (used < end - j - 1) {
      add(c, "SCR-2", "printed-secret", NULL, 0, s + j + 1 + used, ulen,
          line, col0 + cb);
      return;
    }
  }
}

/* ---- one line or string ------------------------------------------------- */

static void scan_text(struct sc *c, const char *s, size_t n, int mode,
                      unsigned long line, unsigned long col0,
                      const char *key, size_t keyn)
{
  c->n_sp = 0;
  if (!n)
    return;
  det_pem(c, s, n, line, col0);
  det_connstr(c, s, n, line, col0, key, keyn);
  det_sas(c, s, n, line, col0, key, keyn);
  det_jwt(c, s, n, line, col0, key, keyn);
  det_bearer(c, s, n, line, col0, key, keyn);
  det_url(c, s, n, line, col0);
  det_account_key(c, s, n, line, col0, key, keyn);
  if (key && !c->n_sp)
    named(c, key, keyn, s, n, 0, line, col0);
  if (mode & (M_CODE | M_CONF))
    det_assign(c, s, n, mode, line, col0);
  if (mode & M_CODE)
    flow_line(c, s, n, line, col0);
}

static int env_key(const char *k, size_t n)
{
  static const char *const keys[] = {"environmentvariables", "envvars",
                                     "env", "environmentvars"};
  char b[32];
  size_t i, m = 0;
  for (i = 0; i < n && m < sizeof(b) - 1; i++)
    if (k[i] != '_' && k[i] != '-')
      b[m++] = lower(k[i]);
  b[m] = '\0';
  if (i < n)
    return 0;
  for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    if (!strcmp(b, keys[i]))
      return 1;
  return 0;
}

/* Text files: one line at a time; YAML blocks under environment_variables
 * are job environment variables (SEC-6). */
static void scan_lines(struct sc *c, const char *buf, size_t len, int mode,
                       int yaml)
{
  size_t p = 0;
  unsigned long line = 0;
  long env_indent = -1;
  while (p < len) {
    const char *ln = buf + p, *nl = memchr(ln, '\n', len - p);
    size_t n = nl ? (size_t)(nl - ln) : len - p, ind = 0, k;
    p += n + (nl ? 1 : 0);
    line++;
    if (n && ln[n - 1] == '\r')
      n--;
    if (yaml) {
      while (ind < n && ln[ind] == ' ')
        ind++;
      if (ind < n && ln[ind] != '#') {
        if (env_indent >= 0 && (long)ind <= env_indent)
          env_indent = -1;
        k = ind;
        while (k < n && ln[k] != ':')
          k++;
        c->env = env_indent >= 0;
        if (k < n && env_key(ln + ind, k - ind)) {
          size_t r = k + 1;
          while (r < n && is_space(ln[r]))
            r++;
          if (r == n || ln[r] == '#')
            env_indent = (long)ind;
        }
      }
    }
    scan_text(c, ln, n, mode, line, 1, NULL, 0);
  }
  c->env = 0;
}

/* ---- JSON and notebooks ----------------------------------------------- */

struct jf {
  char key[PF_SECRET_NAME_MAX];
  size_t keyn;
  int is_arr, env, skip, out, src;
};

static int skip_key(const char *k, size_t n)
{
  return (n > 6 && !memcmp(k, "image/", 6)) ||
         (n == 15 && !memcmp(k, "application/pdf", 15)) ||
         (n == 11 && !memcmp(k, "attachments", 11)) ||
         (n > 16 && !memcmp(k, "application/vnd.", 16));
}

static void copy_key(char *dst, size_t *dn, const char *k, size_t n)
{
  if (n >= PF_SECRET_NAME_MAX)
    n = PF_SECRET_NAME_MAX - 1;   /* matched by words, never printed */
  memcpy(dst, k, n);
  dst[n] = '\0';
  *dn = n;
}

/* \return 0 when the JSON is invalid (the caller falls back to lines). */
static int scan_json(struct sc *c, const char *buf, size_t len, int nb)
{
  struct pf_jsonr r;
  struct jf *st;
  size_t depth = 0;
  char key[PF_SECRET_NAME_MAX] = "";
  size_t keyn = 0;
  size_t mark_n = c->s->n;
  enum pf_jtok t;
  int ok = 1;

  if (!(st = pf_calloc(PF_JSONR_MAX_DEPTH + 2, sizeof(*st)))) {
    c->st = PF_ENOMEM;
    return 1;
  }
  pf_jsonr_init(&r, buf, len, 0);
  for (;;) {
    t = pf_jsonr_next(&r);
    if (t == PF_JT_ERROR) {
      ok = 0;
      break;
    }
    if (t == PF_JT_EOF)
      break;
    if (t == PF_JT_KEY) {
      copy_key(key, &keyn, r.str, r.len);
      continue;
    }
    if (t == PF_JT_OBJ_BEGIN || t == PF_JT_ARR_BEGIN) {
      struct jf *par = depth ? &st[depth - 1] : NULL, *f;
      if (depth > PF_JSONR_MAX_DEPTH)
        break;
      f = &st[depth++];
      memset(f, 0, sizeof(*f));
      if (par && par->is_arr)
        copy_key(f->key, &f->keyn, par->key, par->keyn);
      else if (par)
        copy_key(f->key, &f->keyn, key, keyn);
      f->is_arr = t == PF_JT_ARR_BEGIN;
      f->env = (par && par->env) || (par && !par->is_arr &&
                                     env_key(f->key, f->keyn) &&
                                     t == PF_JT_OBJ_BEGIN);
      f->skip = (par && par->skip) || (nb && skip_key(f->key, f->keyn));
      f->out = (par && par->out) ||
               (nb && f->keyn == 7 && !memcmp(f->key, "outputs", 7));
      f->src = nb && f->is_arr && f->keyn == 6 &&
               !memcmp(f->key, "source", 6);
      continue;
    }
    if (t == PF_JT_OBJ_END || t == PF_JT_ARR_END) {
      if (depth)
        depth--;
      continue;
    }
    if (t == PF_JT_STRING) {
      struct jf *top = depth ? &st[depth - 1] : NULL;
      const char *k = top && top->is_arr ? top->key : key;
      size_t kn = top && top->is_arr ? top->keyn : keyn;
      unsigned long line, col;
      int src = nb && (top ? (top->src || (!top->is_arr && keyn == 6 &&
                                           !memcmp(key, "source", 6)))
                           : 0);
      if ((top && top->skip) ||
          (nb && top && !top->is_arr && skip_key(key, keyn)))
        continue;
      pf_jsonr_linecol(&r, r.tok_start, &line, &col);
      c->env = top && top->env;
      if (src || (top && top->out) || (nb && kn == 4 &&
                                       !memcmp(k, "text", 4))) {
        /* code or output text: line by line */
        size_t p = 0;
        while (p < r.len) {
          const char *nl = memchr(r.str + p, '\n', r.len - p);
          size_t n = nl ? (size_t)(nl - (r.str + p)) : r.len - p;
          scan_text(c, r.str + p, n, src ? M_CODE : M_OUTPUT, line,
                    col + 1 + p, NULL, 0);
          p += n + 1;
        }
      } else {
        scan_text(c, r.str, r.len, M_CONF, line, col + 1, k, kn);
      }
      c->env = 0;
    }
  }
  pf_jsonr_release(&r);
  pf_free(st);
  if (!ok) {
    /* drop what this walk found; the line scan finds it again */
    size_t i;
    for (i = mark_n; i < c->s->n; i++)
      pf_free(c->s->f[i].file);
    c->s->n = mark_n;
    c->n_taint = 0;
  }
  return ok;
}

/* ---- files -------------------------------------------------------------- */

static enum ftype file_type(const char *path, int explicit_file)
{
  const char *base = strrchr(path, '/'), *ext;
  static const char *const conf[] = {".cfg", ".ini", ".conf", ".toml",
                                     ".properties", ".sh", ".bash",
                                     ".ps1", ".env"};
  size_t i;
  base = base ? base + 1 : path;
  if (!strcmp(base, ".env") || !strncmp(base, ".env.", 5))
    return FT_ENV;
  ext = strrchr(base, '.');
  if (ext) {
    if (!strcmp(ext, ".py"))
      return FT_PY;
    if (!strcmp(ext, ".ipynb"))
      return FT_NB;
    if (!strcmp(ext, ".json"))
      return FT_JSON;
    if (!strcmp(ext, ".yml") || !strcmp(ext, ".yaml"))
      return FT_YAML;
    for (i = 0; i < sizeof(conf) / sizeof(conf[0]); i++)
      if (!strcmp(ext, conf[i]))
        return FT_CONF;
  }
  return explicit_file ? FT_CONF : FT_NONE;
}

static pf_status scan_typed(struct pf_secrets *s, const char *file,
                            const char *buf, size_t len, enum ftype ft)
{
  struct sc *c = pf_calloc(1, sizeof(*c));
  pf_status st;
  if (!c)
    return PF_ENOMEM;
  c->s = s;
  c->file = file;
  c->st = PF_OK;
  s->files++;
  switch (ft) {
  case FT_PY:
    scan_lines(c, buf, len, M_CODE, 0);
    break;
  case FT_NB:
  case FT_JSON:
    if (!scan_json(c, buf, len, ft == FT_NB) && c->st == PF_OK) {
      if (warn(s, file, "not valid JSON: scanned as text") != PF_OK)
        c->st = PF_ENOMEM;
      scan_lines(c, buf, len, M_CONF, 0);
    }
    break;
  case FT_YAML:
    scan_lines(c, buf, len, M_CONF, 1);
    break;
  default:
    scan_lines(c, buf, len, M_CONF, 0);
    break;
  }
  st = c->st;
  pf_free(c);
  return st;
}

pf_status pf_secrets_scan_buf(struct pf_secrets *s, const char *file,
                              const char *buf, size_t len)
{
  return scan_typed(s, file, buf, len, file_type(file, 1));
}

static pf_status scan_file(struct pf_secrets *s, const char *path,
                           enum ftype ft, int walked, struct pf_err *err)
{
  char *buf = NULL;
  size_t len = 0;
  struct pf_err e;
  pf_status st;
  pf_err_clear(&e);
  st = pf_file_read(path, s->max_size, &buf, &len, &e);
  if (st == PF_ENOMEM)
    return st;
  if (st != PF_OK) {
    if (!walked) {
      pf_err_set(err, st, "%s", e.msg);
      return st;
    }
    s->skipped++;
    return warn(s, path, "skipped: cannot be read or too large");
  }
  if (memchr(buf, '\0', len < 8192 ? len : 8192)) {
    pf_free(buf);
    s->skipped++;
    return walked ? PF_OK : warn(s, path, "skipped: binary file");
  }
  st = scan_typed(s, path, buf, len, ft);
  pf_free(buf);
  return st;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
  return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dir(const char *name)
{
  return name[0] == '.' || !strcmp(name, "node_modules") ||
         !strcmp(name, "__pycache__") || !strcmp(name, "site-packages");
}

static pf_status walk(struct pf_secrets *s, const char *dir, int depth,
                      struct pf_err *err)
{
  struct dirent **ents = NULL;
  int n, i;
  pf_status st = PF_OK;
  if (depth > WALK_MAX_DEPTH) {
    s->skipped++;
    return warn(s, dir, "skipped: directories nested too deeply");
  }
  n = scandir(dir, &ents, NULL, by_name);
  if (n < 0) {
    if (depth == 0)
      return pf_err_set(err, PF_EIO, "%s: cannot read the directory", dir);
    s->skipped++;
    return warn(s, dir, "skipped: cannot read the directory");
  }
  for (i = 0; i < n; i++) {
    const char *nm = ents[i]->d_name;
    size_t pl = strlen(dir) + strlen(nm) + 2;
    char *path;
    struct stat sb;
    if (st != PF_OK || !strcmp(nm, ".") || !strcmp(nm, ".."))
      continue;
    if (!(path = pf_malloc(pl))) {
      st = PF_ENOMEM;
      continue;
    }
    snprintf(path, pl, "%s%s%s", dir,
             dir[strlen(dir) - 1] == '/' ? "" : "/", nm);
    if (lstat(path, &sb) != 0) {
      s->skipped++;
    } else if (S_ISLNK(sb.st_mode)) {
      s->skipped++;   /* never followed: no loops, no escapes */
    } else if (S_ISDIR(sb.st_mode)) {
      if (!skip_dir(nm))
        st = walk(s, path, depth + 1, err);
    } else if (S_ISREG(sb.st_mode)) {
      enum ftype ft = file_type(path, 0);
      if (ft != FT_NONE && (nm[0] != '.' || ft == FT_ENV))
        st = scan_file(s, path, ft, 1, err);
    }
    pf_free(path);
  }
  for (i = 0; i < n; i++)
    free(ents[i]);   /* allocated by scandir (libc) */
  free(ents);
  return st;
}

pf_status pf_secrets_scan_path(struct pf_secrets *s, const char *path,
                               struct pf_err *err)
{
  struct stat sb;
  if (!strcmp(path, "-"))
    return scan_file(s, path, FT_CONF, 0, err);
  if (stat(path, &sb) != 0)
    return pf_err_set(err, PF_ENOENT, "%s: no such file or directory",
                      path);
  if (S_ISDIR(sb.st_mode))
    return walk(s, path, 0, err);
  return scan_file(s, path, file_type(path, 1), 0, err);
}

static int cmp_f(const void *a, const void *b)
{
  const struct pf_secret *x = a, *y = b;
  int c = strcmp(x->file, y->file);
  if (c)
    return c;
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  if (x->col != y->col)
    return x->col < y->col ? -1 : 1;
  return strcmp(x->rule, y->rule);
}

void pf_secrets_sort(struct pf_secrets *s)
{
  if (s->n > 1)
    qsort(s->f, s->n, sizeof(*s->f), cmp_f);
}
