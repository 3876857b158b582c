/* SPDX-License-Identifier: MIT */
/* pf_key_probe.h - the storage key check (KEY-2): one Shared Key signed
 * request per datastore that holds an account key, shared by
 * `preflight keys verify` and `preflight probe` (docs/probe.md "Storage
 * keys (KEY-2)")
 *
 * Keys come from $PREFLIGHT_KEY_<ACCOUNT> (upper case) or a --keys FILE in
 * the `az storage account keys list` shape, never from argv; they are
 * wiped before their memory is freed and never written anywhere.
 */
#ifndef PF_KEY_PROBE_H
#define PF_KEY_PROBE_H

#include <stddef.h>

#include "../src/core/pf_err.h"
#include "../src/model/pf_model.h"

#define PF_KEY_ENV_PREFIX "PREFLIGHT_KEY_"

struct pf_keysrc_ent {
  char *account;      /* NULL: the array form, any one account */
  char *key;          /* wiped before it is freed */
};

/* The key sources: the --keys file (when given) and the environment. */
struct pf_keysrc {
  struct pf_keysrc_ent *v;
  size_t n, cap;
  const char *file;   /* the --keys path, or NULL */
};

void pf_keysrc_init(struct pf_keysrc *k);

/**
 * Read --keys \p path: the array of `az storage account keys list` (key1
 * is used, else the first value) or {"<account>": [...], ...}.  Messages
 * start "--keys PATH".  \return PF_OK, PF_EIO, PF_EPARSE or PF_ENOMEM.
 */
pf_status pf_keysrc_read(struct pf_keysrc *k, const char *path,
                         struct pf_err *err);
/** The same for \p len bytes at \p buf (named \p path in messages). */
pf_status pf_keysrc_parse(struct pf_keysrc *k, const char *path,
                          const char *buf, size_t len, struct pf_err *err);
void pf_keysrc_release(struct pf_keysrc *k);

/**
 * The key of \p account: $PREFLIGHT_KEY_<ACCOUNT> first, then the file (by
 * account, then the array form, which sets *\p from_array).  The caller
 * owns the string: pf_sk_wipe then pf_free.  NULL when there is none or
 * when out of memory.
 */
char *pf_keysrc_find(const struct pf_keysrc *k, const char *account,
                     int *from_array);

enum pf_kp_status { PF_KP_PASS = 0, PF_KP_FAIL, PF_KP_UNKNOWN };

struct pf_kp_target {
  const struct pf_datastore *d;
  int has_key;               /* a key source has a key for its account */
  enum pf_kp_status status;
  char *url;                 /* the URL to send, owned; NULL when it is
                                not sent (pf_kp_unsent) */
  long http;                 /* HTTP status, 0 when none */
  char code[64];             /* x-ms-error-code */
  char msg[400];             /* never holds the key */
};

struct pf_kp_opts {
  const char *base;          /* blob endpoint URL instead of
                                https://<account>.blob.<suffix>, or NULL */
  const char *ca_file;
  long timeout_ms;
};

/** The datastore is one KEY-2 checks: AzureBlob or AzureFile with an
 * account and an account key (or a credential the export hides). */
int pf_kp_eligible(const struct pf_datastore *d);

/**
 * The KEY-2 targets of \p cfg, in datastore order, with their URL.  A
 * datastore whose credential the export hides is a target only when a key
 * for its account is given.  With \p require_key, a datastore holding an
 * account key without a key given is an error ("datastore N holds the key
 * of account A: set PREFLIGHT_KEY_A or give --keys FILE"); without it, it
 * is a target with has_key 0.  The array form of the file serves one
 * account only: a second one is an error.
 * \return PF_OK, PF_EINVAL (message in \p err) or PF_ENOMEM.
 */
pf_status pf_kp_select(const struct pf_config *cfg, const struct pf_keysrc *k,
                       const struct pf_kp_opts *o, int require_key,
                       struct pf_kp_target **out, size_t *n,
                       struct pf_err *err);

/**
 * Send the signed request of every target that has a key (up to 16 at
 * once, each within o->timeout_ms) and classify the answer: 200 or 404
 * ContainerNotFound pass; 403 authentication failed fail (stale key);
 * firewall, TLS, transport, AzureFile, no key: unknown.  Initialises and
 * cleans up libcurl when a request is sent.
 * \return PF_OK, or PF_ENOMEM / PF_EIO (libcurl) with \p err set.
 */
pf_status pf_kp_run(struct pf_kp_target *t, size_t n,
                    const struct pf_keysrc *k, const struct pf_kp_opts *o,
                    struct pf_err *err);

void pf_kp_release(struct pf_kp_target *t, size_t n);

/**
 * Is the request of \p t not sent (no key given, an AzureFile share, no
 * valid container name)?  \return 1 with the reason in \p why (\p cap
 * bytes; \p why may be NULL with \p cap 0), else 0.
 */
int pf_kp_unsent(const struct pf_kp_target *t, char *why, size_t cap);

const char *pf_kp_status_name(enum pf_kp_status s);

/** "PREFLIGHT_KEY_" + \p account in upper case into \p buf (at least 40
 * bytes); "PREFLIGHT_KEY_<ACCOUNT>" when the name is not an account's. */
void pf_kp_env_name(const char *account, char *buf, size_t cap);

#endif
