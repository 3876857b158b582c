/* SPDX-License-Identifier: MIT */
/* pf_secrets.h - secret values in training scripts, notebooks and job
 * configuration (SCR-1, SCR-2, SEC-6)
 *
 * The scanner reads files (bounded, never following symbolic links inside
 * a directory walk) and reports each secret with its file, line, column and
 * kind.  A finding never holds the secret: only a redacted prefix (at most
 * four characters, then "...") and the name it was assigned to.  Detectors
 * (docs/secrets.md): storage account keys, connection strings, SAS tokens,
 * JWTs and bearer tokens, PEM private keys, credentials in URLs, passwords
 * assigned to secret-like names (with placeholder, entropy and shape
 * checks), and the value of get_secret printed or logged (a line-based
 * dataflow within one file).
 */
#ifndef PF_SECRETS_H
#define PF_SECRETS_H

#include <stddef.h>

#include "../core/pf_err.h"
#include "pf_rules.h"

#define PF_SECRET_NAME_MAX 41   /* names longer than 40 are not kept */

struct pf_secret {
  const char *rule;          /* "SCR-1", "SCR-2" or "SEC-6" (static) */
  enum pf_sev severity;
  const char *kind;          /* "storage-account-key", ... (static) */
  char *file;                /* owned */
  unsigned long line, col;   /* 1-based; col counts bytes */
  char value[8];             /* redacted: <= 4 characters, then "..." */
  char name[PF_SECRET_NAME_MAX];  /* assigned to / printed variable, or "" */
};

struct pf_secrets {
  struct pf_secret *f;
  size_t n, cap;
  size_t files;              /* files scanned */
  size_t skipped;            /* walked entries skipped (links, binary) */
  char **warnings;           /* "file: what" */
  size_t n_warnings, cap_warnings;
  size_t max_size;           /* per-file limit (default 32 MiB) */
};

void pf_secrets_init(struct pf_secrets *s);
void pf_secrets_release(struct pf_secrets *s);

/**
 * Scan \p path: a file (whatever its name), or a directory walked
 * recursively in name order (scripts, notebooks, JSON, YAML, .env and
 * configuration files; hidden directories, symbolic links and files over
 * the size limit are skipped, the last with a warning).  \return PF_OK,
 * or an error for a path that cannot be read (message in \p err).
 */
pf_status pf_secrets_scan_path(struct pf_secrets *s, const char *path,
                               struct pf_err *err);

/** Scan \p len bytes as the contents of \p file (its name picks the
 * syntax).  \return PF_OK or PF_ENOMEM. */
pf_status pf_secrets_scan_buf(struct pf_secrets *s, const char *file,
                              const char *buf, size_t len);

/** Sort findings by file, line, column. */
void pf_secrets_sort(struct pf_secrets *s);

/** A human description of a finding kind ("storage account key"). */
const char *pf_secret_kind_text(const char *kind);

/** Title and source of rule \p rule (SCR-1, SCR-2, SEC-6). */
const char *pf_secret_rule_title(const char *rule);
const char *pf_secret_rule_source(const char *rule);

/**
 * Redact \p n bytes of \p v into \p out (at least 8 bytes): at most four
 * characters (fewer for short values: a quarter of the length), then
 * "...".
 */
void pf_secret_redact(const char *v, size_t n, char out[8]);

/** Shannon entropy of \p n bytes, in bits per byte. */
double pf_secret_entropy(const char *v, size_t n);

#endif
