/* SPDX-License-Identifier: MIT */
/* pf_tags.h - the service tag database (ServiceTags_*.json, az output)
 *
 * Loads the file Microsoft publishes (AZURE-SEMANTICS.md 3.1: changeNumber,
 * cloud, values[].{name,id,properties.{changeNumber,region,regionId,
 * platform,systemService,addressPrefixes,networkFeatures}}) and the Service
 * Tag Discovery API shape printed by `az network list-service-tags` (string
 * changeNumber, serviceTagChangeNumber, state).  IPv4 and IPv6.
 *
 * Names are matched case-insensitively, with the documentation aliases of
 * AZURE-SEMANTICS.md 5.7 ("Frontdoor.FirstParty", "ContainerRegistry.<r>",
 * "Keyvault.<r>").  VirtualNetwork, AzureLoadBalancer and Internet are not
 * in the file (3.1); they are computed from the configuration by the
 * evaluator and are reported as PF_TAG_COMPUTED here.
 *
 * Ownership: pf_tagdb_load_* returns a database the caller frees with
 * pf_tagdb_destroy.  The database keeps the file bytes so the listed
 * prefixes can be re-read exactly as written (show, extract); pointers into
 * it stay valid until destroy.
 */
#ifndef PF_TAGS_H
#define PF_TAGS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/pf_err.h"
#include "../core/pf_strbuf.h"
#include "pf_ip.h"

/* properties.networkFeatures; the list says where a tag may be used */
enum pf_tag_features {
  PF_TAGF_API = 1 << 0,
  PF_TAGF_NSG = 1 << 1,
  PF_TAGF_UDR = 1 << 2,
  PF_TAGF_FW = 1 << 3,
  PF_TAGF_VSE = 1 << 4,
  PF_TAGF_NULL = 1 << 7   /* networkFeatures was null or absent */
};

struct pf_tag {
  const char *name;            /* as written in the file */
  const char *region;          /* properties.region; "" for global tags */
  const char *system_service;  /* "" when absent */
  int64_t change_number;       /* properties.changeNumber (-1 if absent) */
  unsigned features;           /* enum pf_tag_features */
  size_t n_v4, n_v6;           /* addressPrefixes entries as listed */
  size_t prefixes_off;         /* byte offset of the '[' of addressPrefixes */
  size_t prefixes_len;         /* bytes up to and including the ']' */
  struct pf_ipset set;         /* every listed prefix, normalised */
};

enum pf_tagdb_shape {
  PF_TAGDB_DOWNLOAD,   /* ServiceTags_<cloud>_<date>.json */
  PF_TAGDB_DISCOVERY   /* az network list-service-tags / REST API */
};

struct pf_tagdb;

/** What a name resolves to. */
enum pf_tag_kind {
  PF_TAG_UNKNOWN = 0,  /* not in the file and not computed */
  PF_TAG_FILE,         /* found in the file */
  PF_TAG_COMPUTED      /* VirtualNetwork, AzureLoadBalancer, Internet */
};

/**
 * Load a tag file from \p path (read whole, at most 64 MiB).  Errors
 * (syntax, wrong types, invalid prefixes, duplicate names) are reported as
 * "<path>: <json.path>: <reason>" with PF_EPARSE / PF_EINVAL / PF_EIO.
 */
pf_status pf_tagdb_load_file(struct pf_tagdb **out, const char *path,
                             struct pf_err *err);
/**
 * Load from memory; \p name is used in messages.  The bytes are copied.
 */
pf_status pf_tagdb_load_buf(struct pf_tagdb **out, const char *name,
                            const char *buf, size_t len, struct pf_err *err);
/** Free everything; NULL-safe. */
void pf_tagdb_destroy(struct pf_tagdb *db);

const char *pf_tagdb_path(const struct pf_tagdb *db);
/** Top-level "cloud" ("Public", "AzureGovernment", ...). */
const char *pf_tagdb_cloud(const struct pf_tagdb *db);
/** Top-level changeNumber (strings of the discovery shape converted). */
int64_t pf_tagdb_change_number(const struct pf_tagdb *db);
enum pf_tagdb_shape pf_tagdb_shape(const struct pf_tagdb *db);
size_t pf_tagdb_count(const struct pf_tagdb *db);
/** Tag \p i in file order (0 <= i < count). */
const struct pf_tag *pf_tagdb_at(const struct pf_tagdb *db, size_t i);
/** Sum of listed prefixes over all tags, per family. */
void pf_tagdb_totals(const struct pf_tagdb *db, size_t *v4, size_t *v6);
/**
 * Number of distinct prefixes (by value, not text) over all tags; computed
 * on demand.  \return PF_OK or PF_ENOMEM.
 */
pf_status pf_tagdb_distinct(const struct pf_tagdb *db, size_t *out);

/**
 * Look a name up: case-insensitive, with the aliases of AZURE-SEMANTICS.md
 * 5.7.  \return the kind; \p *tag is set for PF_TAG_FILE (else NULL).
 */
enum pf_tag_kind pf_tagdb_find(const struct pf_tagdb *db, const char *name,
                               size_t n, const struct pf_tag **tag);

/**
 * The regional variant of \p base for ARM location \p location
 * ("BatchNodeManagement" + "westeurope" -> BatchNodeManagement.WestEurope):
 * matched on the name suffix first, then on properties.region.  \return
 * the tag or NULL.
 */
const struct pf_tag *pf_tagdb_regional(const struct pf_tagdb *db,
                                       const char *base,
                                       const char *location);

/** Canonical name of a computed tag ("VIRTUAL_NETWORK" -> "VirtualNetwork"),
 * or NULL when \p name is not one. */
const char *pf_tag_computed_name(const char *name, size_t n);

/**
 * Call \p cb for each addressPrefixes entry of \p tag exactly as written
 * in the file, in file order.  A non-zero return stops and is returned.
 */
int pf_tagdb_each_listed(const struct pf_tagdb *db, const struct pf_tag *tag,
                         int (*cb)(const char *text, size_t n, void *arg),
                         void *arg);

/**
 * Write a tag file with the same top-level fields and only the tags named
 * in \p names (each must be PF_TAG_FILE, else PF_ENOTFOUND with a message)
 * to \p out, in the download shape; the prefixes are copied as written.
 */
pf_status pf_tagdb_extract(const struct pf_tagdb *db,
                           const char *const *names, size_t n_names,
                           struct pf_strbuf *out, struct pf_err *err);

#endif
