/* SPDX-License-Identifier: MIT */
/* pf_route.h - effective routes of a subnet, next hops of address sets
 *
 * specification: AZURE-SEMANTICS.md 2.1 (default system routes by
 * documentation version), 2.2 (peering and service endpoint routes), 2.3
 * (next hop types, BGP propagation), 2.4 (longest prefix match, source
 * precedence), 2.5 (service tags as route prefixes, their tie-breaks, the
 * 25-tag limit), 1.9 (tags that cannot be used in routes).
 *
 * A struct pf_rtable is the effective route table of one subnet: the
 * system routes, peering and service endpoint routes, the user-defined
 * routes (UDRs) of its route table, and any BGP routes a caller adds.
 * Every route contributes a list of prefixes; a route whose prefix is a
 * service tag contributes every prefix the tag lists.  pf_rtable_compile
 * sorts all (prefix, route) pairs into the prefix tree they form (CIDR
 * blocks are nested or disjoint) and flattens it into disjoint address
 * segments, each with its winning route.  Every question afterwards - the
 * next hop of one address, or of every part of a tag's address set - is a
 * walk over those segments: exact on range boundaries, no sampling.
 *
 * Unknown, never guessed: a route whose prefixes cannot be determined (a
 * route table referenced but not supplied, a tag absent from the tag file,
 * no tag file, a virtual network not supplied) is kept with unknown = 1
 * and no prefixes, and a finding of severity PF_RSEV_UNKNOWN says what to
 * add.  Answers computed while such routes exist are exact for the routes
 * that are known and say so (pf_route_parts.complete = 0).
 *
 * Ownership: pf_rtable_create and pf_rtable_build return a table the
 * caller frees with pf_rtable_destroy (NULL-safe).  A table borrows the
 * configuration and the tag database it was built from (names, ids, tags
 * point into them); both must outlive it.  Prefix arrays given to
 * pf_rtable_add are copied.  Fallible functions return PF_OK, PF_ENOMEM,
 * or PF_EINVAL for misuse, with \p err filled where there is one.
 */
#ifndef PF_ROUTE_H
#define PF_ROUTE_H

#include <stddef.h>

#include "../core/pf_err.h"
#include "../model/pf_ip.h"
#include "../model/pf_model.h"
#include "../model/pf_tags.h"

/* "no route" where a route index is expected */
#define PF_ROUTE_NONE ((size_t)-1)

/* Which default None routes exist (2.1): the 2023 documentation lists four
 * reserved prefixes, the 2017 one (and observed tables) three. */
enum pf_route_profile {
  PF_ROUTE_PROFILE_2023 = 0,
  PF_ROUTE_PROFILE_2017
};

/** Parse "2017" / "2023".  \return PF_OK or PF_EINVAL. */
pf_status pf_route_profile_parse(const char *s,
                                 enum pf_route_profile *out);
const char *pf_route_profile_name(enum pf_route_profile p);

/* Where a route comes from.  VNET, PEERING, ENDPOINT and DEFAULT are
 * system routes (Azure's source "Default"). */
enum pf_route_src {
  PF_RSRC_USER = 0,    /* a UDR of the subnet's route table */
  PF_RSRC_BGP,         /* gateway-learned (source VirtualNetworkGateway) */
  PF_RSRC_VNET,        /* a virtual network address range -> VnetLocal */
  PF_RSRC_PEERING,     /* a peered address range -> VNetPeering */
  PF_RSRC_ENDPOINT,    /* a service endpoint's prefixes */
  PF_RSRC_DEFAULT      /* 0.0.0.0/0, ::/0 -> Internet; reserved -> None */
};
/** "user", "bgp", "vnet", "peering", "service-endpoint", "default" */
const char *pf_route_src_name(enum pf_route_src s);
/** Azure's effective-route source: "User", "VirtualNetworkGateway",
 * "Default". */
const char *pf_route_src_azure(enum pf_route_src s);

/* Effective next hop types: the UDR ones (enum pf_nexthop, same values)
 * plus the two only system routes have (2.2). */
enum pf_route_hop {
  PF_RHOP_VNET_LOCAL = PF_NH_VNET_LOCAL,
  PF_RHOP_INTERNET = PF_NH_INTERNET,
  PF_RHOP_VIRTUAL_APPLIANCE = PF_NH_VIRTUAL_APPLIANCE,
  PF_RHOP_VNET_GATEWAY = PF_NH_VNET_GATEWAY,
  PF_RHOP_NONE = PF_NH_NONE,
  PF_RHOP_PEERING,
  PF_RHOP_ENDPOINT
};
/** Names as effective route tables print them ("VnetLocal", "VNetPeering",
 * "VirtualNetworkServiceEndpoint", ...). */
const char *pf_route_hop_name(enum pf_route_hop h);

/* Rank of a tag route among tag routes with the same prefix (2.5): lower
 * wins. */
enum pf_route_tagrank {
  PF_RTAG_NONE = 0,         /* not a tag route */
  PF_RTAG_REGIONAL,         /* Storage.EastUS */
  PF_RTAG_GLOBAL,           /* Storage */
  PF_RTAG_CLOUD_REGIONAL,   /* AzureCloud.<region> */
  PF_RTAG_CLOUD             /* AzureCloud */
};
/** Rank of \p tag as a route prefix. */
enum pf_route_tagrank pf_route_tag_rank(const struct pf_tag *tag);

/* One route of the effective table. */
struct pf_eroute {
  enum pf_route_src src;
  enum pf_route_hop hop;
  struct pf_addr hop_ip;          /* VirtualAppliance */
  int has_hop_ip;
  const char *table;              /* route table name (user routes) */
  const char *name;               /* route name (user, BGP routes) */
  const char *label;              /* tag name of a tag or endpoint route;
                                   * for an unknown route, what it is */
  const char *service;            /* endpoint: "Microsoft.Storage" */
  const struct pf_route *udr;     /* the UDR of a user route */
  const struct pf_tag *tag;       /* tag and endpoint routes, if known */
  enum pf_route_tagrank rank;     /* user tag routes */
  struct pf_prefix *prefixes;     /* owned; sorted, no duplicates */
  size_t n_prefixes;
  int unknown;                    /* prefixes could not be determined */
  size_t order;                   /* position of addition (set by add) */
  /* set by pf_rtable_compile */
  size_t n_overridden;            /* prefixes won by another route with
                                   * the very same prefix */
  int invalid;                    /* all of them: state "Invalid" */
};

enum pf_route_sev {
  PF_RSEV_INFO = 0,
  PF_RSEV_WARNING,
  PF_RSEV_ERROR,                  /* Azure refuses or drops this */
  PF_RSEV_UNKNOWN                 /* an input is missing */
};
const char *pf_route_sev_name(enum pf_route_sev s);

enum pf_route_fkind {
  PF_RF_TABLE_MISSING = 0,        /* route table referenced, not supplied */
  PF_RF_TABLE_BY_BACKREF,         /* table found only by its subnets list */
  PF_RF_VNET_MISSING,             /* virtual network not supplied */
  PF_RF_NO_TAGS,                  /* a tag route or endpoint, no tag file */
  PF_RF_TAG_UNKNOWN,              /* tag not in the tag file */
  PF_RF_TAG_NOT_ROUTABLE,         /* VirtualNetwork, Internet, ... (1.9) */
  PF_RF_TAG_NO_UDR,               /* networkFeatures lists no UDR */
  PF_RF_TAG_FEATURES_UNLISTED,    /* networkFeatures null */
  PF_RF_TOO_MANY_TAG_ROUTES,      /* more than 25 in one table (2.5) */
  PF_RF_HOP_OUTSIDE_VNET,         /* appliance outside known vnets */
  PF_RF_DUPLICATE_PREFIX,         /* two UDRs with the same prefix */
  PF_RF_ENDPOINT_UNKNOWN,         /* endpoint prefixes not determinable */
  PF_RF_PEERING_UNKNOWN,          /* peered address space not given */
  PF_RF_PEERING_NOT_CONNECTED,    /* peering state is not Connected */
  PF_RF_BGP_DISABLED,             /* BGP route dropped: propagation off */
  PF_RF_HOP_PENDING               /* appliance address known only at
                                   * deployment */
};
/** Stable kebab-case name ("route-table-missing") for JSON output. */
const char *pf_route_fkind_name(enum pf_route_fkind k);

#define PF_ROUTE_MSG_MAX 640
#define PF_ROUTE_FIX_MAX 400

struct pf_route_finding {
  enum pf_route_fkind kind;
  enum pf_route_sev sev;
  size_t route;                   /* index into routes, or PF_ROUTE_NONE */
  char msg[PF_ROUTE_MSG_MAX];     /* what, without a trailing period */
  char fix[PF_ROUTE_FIX_MAX];     /* what to add or change; "" if none */
};

struct pf_rtable_idx;             /* private: segments, owned labels */

struct pf_rtable {
  const struct pf_subnet *subnet;       /* NULL for hand-built tables */
  const struct pf_vnet *vnet;           /* NULL: not supplied */
  const struct pf_route_table *table;   /* NULL: none, or not supplied */
  const char *table_id;                 /* the reference, when there is */
  const struct pf_tagdb *tags;          /* NULL: no tag file */
  enum pf_route_profile profile;
  int bgp_disabled;                     /* disableBgpRoutePropagation */
  int has_v6;                           /* ::/0 was added */
  size_t n_tag_routes;                  /* UDRs with a tag prefix */
  size_t n_unknown;                     /* routes with unknown = 1 */
  size_t n_hop_pending;                 /* user routes whose appliance
                                         * address is pending (their
                                         * prefixes are known) */
  int tags_used;                        /* some route needed the tag file */
  struct pf_eroute *routes;
  size_t n_routes, cap_routes;
  struct pf_route_finding *findings;
  size_t n_findings, cap_findings;
  struct pf_rtable_idx *idx;            /* private */
};

/** An empty table (no system routes).  \return PF_OK or PF_ENOMEM. */
pf_status pf_rtable_create(struct pf_rtable **out);
/** Free \p rt and everything it owns; NULL-safe. */
void pf_rtable_destroy(struct pf_rtable *rt);

/**
 * Append a copy of \p r with the \p n prefixes \p p (copied, sorted,
 * duplicates dropped; r->prefixes is ignored).  r->order is set to the
 * position.  A BGP route in a table whose route table disables BGP
 * propagation is not added (2.3): an info finding says so and \p *index
 * is PF_ROUTE_NONE.  Adding invalidates a compiled index.
 * \param[out] index  where the route went (may be NULL)
 * \return PF_OK or PF_ENOMEM.
 */
pf_status pf_rtable_add(struct pf_rtable *rt, const struct pf_eroute *r,
                        const struct pf_prefix *p, size_t n, size_t *index);

/**
 * Record a finding about route \p route (or PF_ROUTE_NONE).  \p fix may be
 * NULL.  Texts longer than the buffers are cut.  \return PF_OK or
 * PF_ENOMEM.
 */
pf_status pf_rtable_note(struct pf_rtable *rt, enum pf_route_fkind kind,
                         enum pf_route_sev sev, size_t route,
                         const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/**
 * Decide every address: build the segments and each route's state
 * (n_overridden, invalid).  Call after the last pf_rtable_add and before
 * lookups and partitions.  \return PF_OK or PF_ENOMEM.
 */
pf_status pf_rtable_compile(struct pf_rtable *rt);

struct pf_route_opts {
  enum pf_route_profile profile;
  const struct pf_tagdb *tags;    /* NULL: no tag file */
};

/**
 * The effective route table of subnet \p s of \p cfg, compiled.  System
 * routes follow opts->profile; tag routes and service endpoints are
 * resolved through opts->tags; missing inputs become unknown routes with
 * findings.  \p cfg must be resolved (pf_config_resolve).
 * \return PF_OK or PF_ENOMEM (\p *out NULL on failure).
 */
pf_status pf_rtable_build(const struct pf_config *cfg,
                          const struct pf_subnet *s,
                          const struct pf_route_opts *opts,
                          struct pf_rtable **out, struct pf_err *err);

/**
 * Winning route for address \p a of a compiled table (binary search, no
 * allocation).  \return the route index, or PF_ROUTE_NONE when no route
 * covers \p a (IPv6 without ::/0) or the table is not compiled.
 */
size_t pf_rtable_lookup(const struct pf_rtable *rt, const struct pf_addr *a);

/**
 * Walk the winning routes over [lo, hi] of family \p af in ascending
 * order: \p cb gets each maximal piece with one winner (PF_ROUTE_NONE for
 * uncovered pieces).  A non-zero return from \p cb stops the walk and is
 * returned.  The table must be compiled (else -1).
 */
int pf_rtable_walk(const struct pf_rtable *rt, enum pf_af af, pf_u128 lo,
                   pf_u128 hi,
                   int (*cb)(size_t route, pf_u128 lo, pf_u128 hi,
                             void *arg),
                   void *arg);

/* ---- partition of a destination set ------------------------------------ */

/* One part: the addresses of the destination won by one route. */
struct pf_route_part {
  size_t route;                   /* index, or PF_ROUTE_NONE (no route) */
  struct pf_ipset set;            /* owned */
};

struct pf_route_parts {
  struct pf_route_part *p;        /* ordered by lowest address, IPv4
                                   * first */
  size_t n, cap;
  int complete;                   /* no unknown route in the table */
};

void pf_route_parts_init(struct pf_route_parts *pp);
/** Free the parts; NULL-safe; \p pp is left empty and reusable. */
void pf_route_parts_release(struct pf_route_parts *pp);

/**
 * Partition \p dst by winning route: the parts are disjoint, their union
 * is exactly \p dst, and each holds every address of \p dst one route wins
 * (adjacent pieces merged).  \p out must be initialised; it is
 * overwritten.  \return PF_OK, PF_ENOMEM, or PF_EINVAL when \p rt is not
 * compiled.
 */
pf_status pf_rtable_partition(const struct pf_rtable *rt,
                              const struct pf_ipset *dst,
                              struct pf_route_parts *out);

#endif
