/* SPDX-License-Identifier: MIT */
/* pf_probe_plan.h - what `preflight probe` contacts, and nothing else
 *
 * A plan is a list of targets.  Each target is a host (a DNS name or an
 * address literal), the TCP ports to try on it, whether to send one HTTPS
 * request to it, what its name should resolve to (a private endpoint's
 * address or any), and the requirement ID and resource it bears on
 * (DESIGN.md "What it probes").  A plan is derived from the loaded
 * configuration (pf_probe_plan_derive) or read from a plan file
 * (pf_probe_plan_read, format docs/probe.md), strictly: an unknown field or
 * a bad value is an input error "file: $.path: line L, column C: reason".
 * Probes never contact an address that is not in the plan: TCP and HTTPS
 * go to the plan's address literals, its connect_to addresses, or the
 * addresses its names resolved to.
 */
#ifndef PF_PROBE_PLAN_H
#define PF_PROBE_PLAN_H

#include <stddef.h>

#include "../src/core/pf_arena.h"
#include "../src/core/pf_err.h"
#include "../src/model/pf_ip.h"

struct pf_config;
struct pf_jw;

#define PF_PROBE_MAX_PORTS 16
#define PF_PROBE_MAX_EXPECT 8
#define PF_PROBE_HOST_MAX 253
#define PF_PROBE_PATH_MAX 512
#define PF_PROBE_PLAN_MAX_BYTES ((size_t)16 << 20)

/* What the target is (decides the default requirement, the HTTPS reading
 * and the text); names are the plan file's "service" values. */
#define PF_PSVC_MAP(X)                                                   \
  X(BLOB, "blob")                                                        \
  X(QUEUE, "queue")                                                      \
  X(TABLE, "table")                                                      \
  X(FILE, "file")                                                        \
  X(DFS, "dfs")                                                          \
  X(KEYVAULT, "keyvault")                                                \
  X(REGISTRY, "registry")                                                \
  X(REGISTRY_DATA, "registry-data")                                      \
  X(ML, "ml")                                                            \
  X(MANAGEMENT, "management")                                            \
  X(LOGIN, "login")                                                      \
  X(MCR, "mcr")                                                          \
  X(NODE, "node")                                                        \
  X(OTHER, "other")

enum pf_psvc {
#define PF_PSVC_ENUM(e, n) PF_PSVC_##e,
  PF_PSVC_MAP(PF_PSVC_ENUM)
#undef PF_PSVC_ENUM
  PF_PSVC_COUNT
};

const char *pf_psvc_name(enum pf_psvc s);
/** \return the service named \p n, or PF_PSVC_COUNT. */
enum pf_psvc pf_psvc_parse(const char *n, size_t len);

/* What the name should resolve to. */
enum pf_pexpect {
  PF_PEXP_ANY = 0,     /* resolve at all */
  PF_PEXP_PRIVATE,     /* a private endpoint is configured for it */
  PF_PEXP_PUBLIC       /* no private endpoint: a public answer is right */
};
const char *pf_pexpect_name(enum pf_pexpect e);

struct pf_probe_target {
  const char *host;              /* DNS name or address literal */
  int host_is_addr;              /* no DNS query for it */
  struct pf_addr addr;           /* host_is_addr */
  enum pf_psvc service;
  const char *requirement;       /* "KV-3", "NSG-7", ... */
  const char *resource;          /* ARM id, or NULL */
  const char *resource_name;     /* or NULL */
  const char *why;               /* where the target came from (text) */
  unsigned ports[PF_PROBE_MAX_PORTS];
  size_t n_ports;
  int https;                     /* one HTTPS request (port 443) */
  const char *path;              /* HTTPS request path; by default the
                                  * service's harmless one
                                  * (pf_https_default_path) */
  enum pf_pexpect expect;
  struct pf_addr expect_addrs[PF_PROBE_MAX_EXPECT];   /* the private
                                  * endpoint's addresses, when known */
  size_t n_expect;
  int has_connect_to;            /* TCP/HTTPS go to this address instead of
                                  * the resolved one (lab, split DNS) */
  struct pf_addr connect_to;
};

struct pf_probe_plan {
  struct pf_arena arena;         /* strings and the target array */
  struct pf_probe_target *t;
  size_t n, cap;
  const char *source;            /* plan file, or NULL: the configuration */
  int has_from;                  /* the subnet address probes stand for */
  struct pf_addr from;
  const char *from_why;
};

struct pf_probe_derive_opts {
  const struct pf_addr *nodes;   /* --node addresses */
  size_t n_nodes;
  const char *region;            /* override; else the workspace's */
};

void pf_probe_plan_init(struct pf_probe_plan *p);
void pf_probe_plan_release(struct pf_probe_plan *p);

/**
 * The plan for the loaded configuration: storage (blob, queue, table,
 * file, dfs), key vault, registry login and data endpoints, the region's
 * ML API endpoint, the private endpoints' DNS names, management, login and
 * MCR, and compute nodes (\p o->nodes and NIC addresses in compute
 * subnets).  Targets are sorted and duplicates merged.  \return PF_OK or
 * PF_ENOMEM.
 */
pf_status pf_probe_plan_derive(struct pf_probe_plan *p,
                               const struct pf_config *cfg,
                               const struct pf_probe_derive_opts *o,
                               struct pf_err *err);

/**
 * Parse a plan file held in \p buf (\p name for messages).  \return PF_OK,
 * PF_EPARSE / PF_EINVAL with "name: $.path: line L, column C: reason" in
 * \p err, or PF_ENOMEM.
 */
pf_status pf_probe_plan_parse(struct pf_probe_plan *p, const char *name,
                              const char *buf, size_t len,
                              struct pf_err *err);
/** Read and parse the plan file \p path (bounded read). */
pf_status pf_probe_plan_read(struct pf_probe_plan *p, const char *path,
                             struct pf_err *err);

/**
 * Unless the plan has one, set `from` (the address probes stand for in
 * the configuration) to the first usable address of the first compute's
 * subnet in \p cfg (Azure keeps the first four).  No-op when none.
 */
void pf_probe_plan_default_from(struct pf_probe_plan *p,
                                const struct pf_config *cfg);

/** Write the plan in the plan file format (round-trips through parse). */
void pf_probe_plan_write_json(const struct pf_probe_plan *p,
                              struct pf_jw *jw);
/** The same, leaving the object open for more members (`key_checks`). */
void pf_probe_plan_write_json_open(const struct pf_probe_plan *p,
                                   struct pf_jw *jw);

/** The HTTPS prober's service for a plan service (probes/pf_https_probe.h). */
int pf_psvc_https(enum pf_psvc s);
/** The path an anonymous HTTPS probe of \p s GETs by default. */
const char *pf_psvc_default_path(enum pf_psvc s);

/** Is \p a private (RFC 1918, RFC 6598 shared, IPv6 ULA fc00::/7)? */
int pf_probe_addr_private(const struct pf_addr *a);

#endif
