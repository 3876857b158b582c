/* SPDX-License-Identifier: MIT */
/* pf_model.h - the configuration model: Azure resources after loading
 *
 * One struct per resource kind, each starting with struct pf_res.  Loaders
 * (src/load/) fill a struct pf_config from az CLI JSON, ARM REST JSON and
 * the snake_case of `az ml ... show`; evaluators read it.  Field meanings
 * follow AZURE-SEMANTICS.md sections 1, 2, 7 and 8.
 *
 * References between resources are ARM ids, compared case-insensitively
 * (DESIGN.md).  A reference to a resource that was not supplied is kept
 * with target NULL and listed as unresolved; it is never dropped, so
 * evaluators can report "unknown" instead of guessing.
 *
 * Ownership: everything hangs off the config's arena, except the range sets
 * inside NSG rules, which pf_config_destroy releases.  Tri-state flags use
 * enum pf_tri: PF_TRI_UNSET means the input did not say.
 */
#ifndef PF_MODEL_H
#define PF_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "../core/pf_arena.h"
#include "../core/pf_err.h"
#include "pf_ip.h"

#define PF_KIND_MAP(X)                                                    \
  X(WORKSPACE, "workspace", "Microsoft.MachineLearningServices/workspaces") \
  X(DATASTORE, "datastore",                                               \
    "Microsoft.MachineLearningServices/workspaces/datastores")           \
  X(COMPUTE, "compute", "Microsoft.MachineLearningServices/workspaces/computes") \
  X(VNET, "vnet", "Microsoft.Network/virtualNetworks")                    \
  X(SUBNET, "subnet", "Microsoft.Network/virtualNetworks/subnets")        \
  X(NSG, "nsg", "Microsoft.Network/networkSecurityGroups")                \
  X(NIC, "nic", "Microsoft.Network/networkInterfaces")                    \
  X(ASG, "asg", "Microsoft.Network/applicationSecurityGroups")            \
  X(ROUTE_TABLE, "route-table", "Microsoft.Network/routeTables")          \
  X(STORAGE, "storage", "Microsoft.Storage/storageAccounts")              \
  X(KEYVAULT, "key-vault", "Microsoft.KeyVault/vaults")                   \
  X(REGISTRY, "registry", "Microsoft.ContainerRegistry/registries")      \
  X(PRIVATE_ENDPOINT, "private-endpoint", "Microsoft.Network/privateEndpoints") \
  X(ROLE_ASSIGNMENT, "role-assignment",                                   \
    "Microsoft.Authorization/roleAssignments")                            \
  X(LOCK, "lock", "Microsoft.Authorization/locks")                        \
  X(SERVICE, "service", "Microsoft.MachineLearningServices/workspaces/services") \
  X(DATABRICKS, "databricks", "Microsoft.Databricks/workspaces")          \
  X(VM, "vm", "Microsoft.Compute/virtualMachines")                        \
  X(AKS_CLUSTER, "aks-cluster", "Microsoft.ContainerService/managedClusters")

enum pf_kind {
#define PF_KIND_ENUM(e, name, type) PF_K_##e,
  PF_KIND_MAP(PF_KIND_ENUM)
#undef PF_KIND_ENUM
  PF_K_COUNT
};

/** Short name ("nsg") and ARM type of a kind. */
const char *pf_kind_name(enum pf_kind k);
const char *pf_kind_type(enum pf_kind k);

enum pf_tri { PF_TRI_UNSET = 0, PF_TRI_FALSE, PF_TRI_TRUE };

/** Which JSON shape a resource came in. */
enum pf_shape {
  PF_SHAPE_ARM = 0,   /* REST / az resource show: properties.{...} */
  PF_SHAPE_AZ,        /* az CLI flattened camelCase */
  PF_SHAPE_AZML       /* az ml (CLI v2) snake_case */
};

struct pf_res {
  enum pf_kind kind;
  enum pf_shape shape;
  const char *id;           /* ARM id as written; never NULL */
  const char *name;
  const char *location;     /* lower-case, spaces removed; NULL if absent */
  const char *subscription; /* from the id */
  const char *resource_group;
  const char *file;         /* input file */
  const char *jpath;        /* JSON path of the resource object in it */
  /* Values of this resource known only at deployment (a template's
   * reference() of runtime state, Terraform's "known after apply"): the
   * first one and how many.  Evaluation answers unknown for what they may
   * decide, quoting the first (docs/semantics.md "Pending values"). */
  const struct pf_pending *pending;
  size_t n_pending;
};

/* One value known only at deployment, found at \p jpath of \p file. */
struct pf_pending {
  const char *file;
  const char *jpath;
  const char *text;         /* the expression or "x.y (known after apply)" */
  /* the JSON path of the resource it belongs to when that is not a prefix
   * of jpath (a Terraform security rule, route or association written as
   * a resource of its own and merged into its parent, pf_tf.c); NULL:
   * the resource whose path is the longest prefix */
  const char *owner;
  /* represented exactly by its loader, so it does not make its resource
   * pending: a route's nextHopIpAddress (pf_route.hop_pending), which no
   * evaluation reads; still listed by inventory */
  int represented;
};

struct pf_ref {
  const char *id;           /* as written; NULL = no reference */
  struct pf_res *target;    /* resolved, or NULL */
  const char *jpath;        /* where the reference was read */
};

/* What templates and plans use when the deployment scope is not given
 * (docs/templates.md "Placeholders"): never a real subscription or
 * region, so a comparison with a real one is unknown, not false. */
#define PF_PLACEHOLDER_SUBSCRIPTION "00000000-0000-0000-0000-000000000000"
#define PF_PLACEHOLDER_LOCATION "placeholder-location"
#define PF_PLACEHOLDER_RESOURCE_GROUP "rg"  /* a real name too: see
                                             * pf_config.rg_placeholder */

/* ---- network ------------------------------------------------------- */

enum pf_proto {
  PF_PROTO_ANY = 0,  /* "*" */
  PF_PROTO_TCP,
  PF_PROTO_UDP,
  PF_PROTO_ICMP,
  PF_PROTO_ESP,
  PF_PROTO_AH
};

enum pf_dir { PF_DIR_INBOUND = 0, PF_DIR_OUTBOUND };
enum pf_access { PF_ACCESS_ALLOW = 0, PF_ACCESS_DENY };

/* One address item of a rule (AZURE-SEMANTICS.md 1.3). */
enum pf_addr_kind {
  PF_ADDR_ANY = 0,   /* "*" */
  PF_ADDR_PREFIX,    /* CIDR or single IP */
  PF_ADDR_TAG,       /* service tag name, resolved by the evaluator */
  PF_ADDR_ASG,       /* application security group id */
  PF_ADDR_OPAQUE,    /* accepted by Azure, meaning undocumented ("789"):
                      * evaluates to unknown, never to a guess */
  PF_ADDR_PENDING    /* known only at deployment (text: the expression);
                      * evaluates to unknown like OPAQUE */
};

struct pf_addrspec {
  enum pf_addr_kind kind;
  const char *text;         /* as written (tag name, ASG id, prefix) */
  struct pf_prefix prefix;  /* PF_ADDR_PREFIX */
  struct pf_ref asg;        /* PF_ADDR_ASG */
};

struct pf_nsg_rule {
  const char *name;
  const char *id;
  const char *description;
  const char *jpath;
  int priority;             /* 100..4096; defaults 65000..65500 */
  int is_default;           /* defaultSecurityRules (or synthesised) */
  enum pf_dir dir;
  enum pf_access access;
  enum pf_proto proto;
  struct pf_addrspec *src, *dst;
  size_t n_src, n_dst;
  struct pf_rangeset src_ports, dst_ports;
};

struct pf_nsg {
  struct pf_res hdr;
  struct pf_nsg_rule *rules;   /* user rules, then default rules */
  size_t n_rules;
  int defaults_synthesised;    /* the input had no defaultSecurityRules */
  struct pf_ref *subnets, *nics;   /* back references listed by the NSG */
  size_t n_subnets, n_nics;
};

struct pf_service_endpoint {
  const char *service;      /* "Microsoft.Storage" */
  const char **locations;
  size_t n_locations;
};

struct pf_subnet {
  struct pf_res hdr;
  struct pf_ref vnet;           /* parent (from the id) */
  struct pf_prefix *prefixes;   /* addressPrefix + addressPrefixes */
  size_t n_prefixes;
  struct pf_ref nsg, route_table, nat_gateway;
  struct pf_service_endpoint *endpoints;
  size_t n_endpoints;
  const char **delegations;     /* serviceName of each delegation */
  size_t n_delegations;
  const char *pe_network_policies;   /* privateEndpointNetworkPolicies */
  size_t n_ip_configurations;   /* addresses in use (CMP-2) */
  int ip_configurations_known;
  struct pf_ref *private_endpoints;
  size_t n_private_endpoints;
  enum pf_tri default_outbound_access;
};

struct pf_peering {
  const char *name;
  struct pf_ref remote_vnet;
  struct pf_prefix *remote_prefixes;
  size_t n_remote_prefixes;
  const char *state;             /* Connected, Initiated, Disconnected */
  enum pf_tri allow_vnet_access, allow_forwarded, use_remote_gateways;
};

struct pf_vnet {
  struct pf_res hdr;
  struct pf_prefix *prefixes;    /* addressSpace.addressPrefixes */
  size_t n_prefixes;
  struct pf_subnet **subnets;    /* subnets listed inside the vnet */
  size_t n_subnets;
  struct pf_peering *peerings;
  size_t n_peerings;
  struct pf_addr *dns_servers;
  size_t n_dns_servers;
  /* some DNS server known only at deployment (a firewall's address in a
   * plan): the list is incomplete.  Recorded here rather than making the
   * whole network pending (docs/semantics.md "Pending values") */
  int dns_servers_pending;
};

struct pf_nic_ipconfig {
  const char *name;
  struct pf_addr private_ip;
  int has_private_ip;
  struct pf_ref subnet;
  struct pf_ref *asgs;
  size_t n_asgs;
  int primary;
};

struct pf_nic {
  struct pf_res hdr;
  struct pf_nic_ipconfig *ipconfigs;
  size_t n_ipconfigs;
  struct pf_ref nsg;
  struct pf_ref vm;
};

struct pf_asg {
  struct pf_res hdr;
};

enum pf_nexthop {
  PF_NH_VNET_LOCAL = 0,
  PF_NH_INTERNET,
  PF_NH_VIRTUAL_APPLIANCE,
  PF_NH_VNET_GATEWAY,
  PF_NH_NONE
};
const char *pf_nexthop_name(enum pf_nexthop nh);

struct pf_route {
  const char *name;
  const char *jpath;
  const char *prefix_text;       /* as written: CIDR or service tag */
  int is_tag;
  struct pf_prefix prefix;       /* when !is_tag */
  enum pf_nexthop next_hop;
  struct pf_addr next_hop_ip;
  int has_next_hop_ip;
  /* VirtualAppliance whose nextHopIpAddress is known only at deployment
   * (a plan's firewall private IP): the pending value's expression and
   * JSON path; NULL otherwise (docs/semantics.md "Pending values") */
  const char *hop_pending;
  const char *hop_pending_path;
};

struct pf_route_table {
  struct pf_res hdr;
  struct pf_route *routes;
  size_t n_routes;
  enum pf_tri disable_bgp_propagation;
  struct pf_ref *subnets;        /* back references */
  size_t n_subnets;
};

struct pf_private_endpoint {
  struct pf_res hdr;
  struct pf_ref subnet;
  struct pf_ref *targets;        /* privateLinkServiceId of each connection */
  const char **group_ids;        /* first group id of each connection */
  size_t n_targets;
  struct pf_ref *nics;
  size_t n_nics;
  const char **dns_fqdns;        /* customDnsConfigs[].fqdn */
  struct pf_addr *dns_ips;       /* first address of each */
  size_t n_dns;
};

/* ---- data services -------------------------------------------------- */

enum pf_bypass {
  PF_BYPASS_AZURE_SERVICES = 1 << 0,
  PF_BYPASS_LOGGING = 1 << 1,
  PF_BYPASS_METRICS = 1 << 2
};

/* Firewall of storage, key vault and registry (AZURE-SEMANTICS.md 7.4-7.6). */
struct pf_firewall {
  int present;                   /* networkAcls / networkRuleSet given */
  int default_deny;              /* defaultAction == Deny */
  int default_pending;           /* defaultAction known only at deployment
                                  * (default_deny is then 0, not "Allow") */
  unsigned bypass;               /* enum pf_bypass */
  int bypass_known;
  struct pf_prefix *ip_rules;
  size_t n_ip_rules;
  struct pf_ref *vnet_rules;     /* subnet ids */
  size_t n_vnet_rules;
  enum pf_tri public_access;     /* publicNetworkAccess Enabled/Disabled */
};

struct pf_storage {
  struct pf_res hdr;
  const char *sku;               /* Standard_LRS */
  const char *account_kind;      /* StorageV2 */
  enum pf_tri hns;               /* isHnsEnabled (ADLS Gen2) */
  enum pf_tri https_only;
  enum pf_tri shared_key_access; /* allowSharedKeyAccess */
  struct pf_firewall fw;
};

struct pf_keyvault {
  struct pf_res hdr;
  const char *sku;
  const char *vault_uri;
  struct pf_firewall fw;
};

struct pf_registry {
  struct pf_res hdr;
  const char *sku;               /* Basic, Standard, Premium */
  const char *login_server;
  enum pf_tri admin_user;
  enum pf_tri data_endpoint;
  struct pf_firewall fw;
};

/* ---- machine learning ------------------------------------------------ */

struct pf_workspace {
  struct pf_res hdr;
  struct pf_ref storage, key_vault, registry, app_insights;
  const char *sku;               /* Basic / Enterprise (edition) */
  enum pf_tri hbi;
  enum pf_tri public_access;
  enum pf_tri allow_public_behind_vnet;
  const char *image_build_compute;
  const char *principal_id;      /* system-assigned identity */
  const char *cmk_key_vault;     /* encryption.keyVaultProperties */
  const char *cmk_key_uri;
  size_t n_private_endpoint_connections;
  const char *managed_network;   /* isolation mode when given */
  const char **spl_groups;       /* sharedPrivateLinkResources group ids */
  size_t n_spl;
};

enum pf_compute_type {
  PF_CT_OTHER = 0,
  PF_CT_AMLCOMPUTE,
  PF_CT_COMPUTE_INSTANCE,
  PF_CT_AKS,
  PF_CT_ACI,
  PF_CT_VM,
  PF_CT_HDINSIGHT,
  PF_CT_DATABRICKS,
  PF_CT_KUBERNETES,
  PF_CT_DATAFACTORY,
  PF_CT_SYNAPSE
};
const char *pf_compute_type_name(enum pf_compute_type t);

struct pf_compute {
  struct pf_res hdr;
  enum pf_compute_type type;
  const char *type_text;         /* as written */
  struct pf_ref workspace;       /* parent (from the id) */
  struct pf_ref subnet;
  const char *vnet_name;         /* az ml network_settings.vnet_name */
  const char *subnet_name;       /* a subnet given by name, not by id */
  const char *vm_size;
  const char *os_type;
  int64_t min_nodes, max_nodes;  /* -1 when absent */
  enum pf_tri node_public_ip;    /* enableNodePublicIp (default true) */
  const char *ssh_public_access; /* Enabled / Disabled / NotSpecified */
  const char *state;             /* provisioning / instance state */
  int64_t unusable_nodes;        /* nodeStateCounts.unusableNodeCount */
  /* AKS (aksNetworkingConfiguration, AZURE-SEMANTICS.md 8) */
  const char *aks_service_cidr, *aks_dns_service_ip, *aks_docker_bridge_cidr;
  const char *aks_cluster_purpose, *aks_load_balancer_type;
  const char *resource_id;       /* attached resource (AKS, VM, HDI, ...) */
  const char *address;           /* attached VM/HDInsight address */
  int64_t ssh_port;
};

enum pf_cred { PF_CRED_UNKNOWN = 0, PF_CRED_NONE, PF_CRED_KEY, PF_CRED_SAS,
               PF_CRED_IDENTITY, PF_CRED_SERVICE_PRINCIPAL, PF_CRED_CERT,
               PF_CRED_KERBEROS };
const char *pf_cred_name(enum pf_cred c);

struct pf_datastore {
  struct pf_res hdr;
  struct pf_ref workspace;
  const char *ds_type;           /* AzureBlob, AzureFile, AzureDataLakeGen2 */
  const char *account_name;
  const char *container;         /* container, share or filesystem */
  const char *endpoint;          /* core.windows.net */
  enum pf_cred cred;
  int is_default;
  struct pf_res *storage;        /* the account, matched by name */
};

struct pf_role_assignment {
  struct pf_res hdr;
  const char *principal_id;
  const char *role_definition_id;
  const char *role_name;         /* az role assignment list */
  const char *scope;
};

struct pf_lock {
  struct pf_res hdr;
  const char *level;             /* CanNotDelete / ReadOnly */
  const char *scope;             /* id prefix the lock applies to */
};

/* A deployed model (web service) of a workspace: ACI or AKS (seed 002,
 * section K; seed 003, section I). */
struct pf_service {
  struct pf_res hdr;
  struct pf_ref workspace;
  const char *compute_type;      /* ACI, AKS, Custom */
  enum pf_tri auth_enabled;      /* key authentication */
  enum pf_tri token_auth_enabled;
  enum pf_tri ssl_enabled;
  const char *vnet_name, *subnet_name;   /* ACI vnetConfiguration */
  int encryption_given;          /* encryptionProperties present */
};

struct pf_databricks {
  struct pf_res hdr;
  struct pf_ref vnet;            /* parameters.customVirtualNetworkId */
  const char *public_subnet, *private_subnet;
};

struct pf_vm {
  struct pf_res hdr;
  const char *publisher, *offer, *image_sku;   /* imageReference */
  const char *os_type;
  struct pf_ref *nics;
  size_t n_nics;
};

struct pf_aks_cluster {
  struct pf_res hdr;
  const char *kubernetes_version;
  enum pf_tri private_cluster;   /* apiServerAccessProfile */
  const char *service_cidr, *dns_service_ip, *docker_bridge_cidr;
  const char *outbound_type;
  struct pf_ref *subnets;        /* agentPoolProfiles[].vnetSubnetID */
  size_t n_subnets;
};

/* ---- the whole configuration ---------------------------------------- */

struct pf_input {
  const char *path;
  const char *format;            /* "az-cli", "arm", "az-ml", "mixed", ... */
  size_t n_resources;
  size_t n_duplicates;           /* resources also defined earlier */
  int is_service_tags;           /* a service tag file found among inputs */
  const char *skipped;           /* why the file was not loaded, or NULL */
};

struct pf_config {
  struct pf_arena arena;
  struct pf_res **res[PF_K_COUNT];   /* per kind, in load order */
  size_t n_res[PF_K_COUNT], cap_res[PF_K_COUNT];
  struct pf_input *inputs;
  size_t n_inputs, cap_inputs;
  size_t n_ignored;                  /* resources of other types */
  const char **ignored_types;        /* distinct ignored types */
  size_t n_ignored_types, cap_ignored_types;
  size_t n_duplicates;
  const char *client_ip;             /* check --client-ip (ST-3) */
  const char **warnings;             /* "file: path: what" (arena) */
  size_t n_warnings, cap_warnings;
  int rg_placeholder;                /* a template's ids use the placeholder
                                      * resource group (no --resource-group) */
  struct pf_pending *pending;        /* values known only at deployment */
  size_t n_pending, cap_pending;
  struct pf_idx *idx;                /* id index (private) */
};

pf_status pf_config_create(struct pf_config **out);
void pf_config_destroy(struct pf_config *cfg);

/** Register \p r (allocated from cfg's arena); duplicates are counted and
 * the first definition kept.  \return PF_OK, PF_EDUP or PF_ENOMEM. */
pf_status pf_config_add(struct pf_config *cfg, struct pf_res *r);
/** Record a load warning (copied into the arena). */
pf_status pf_config_warn(struct pf_config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/**
 * Record a value known only at deployment (strings copied into the arena);
 * pf_config_resolve attaches it to the resource whose JSON path in the same
 * file is the longest prefix of \p jpath.  \return PF_OK or PF_ENOMEM.
 */
pf_status pf_config_pending(struct pf_config *cfg, const char *file,
                            const char *jpath, const char *text);
/** Find by id, case-insensitively; NULL if absent. */
struct pf_res *pf_config_find(const struct pf_config *cfg, const char *id);
/** Resolve every reference of every resource (idempotent). */
pf_status pf_config_resolve(struct pf_config *cfg);

/**
 * Call \p cb for every reference in the model (forward references when
 * \p back is 0; NSG/route-table back references when 1).
 */
void pf_config_each_ref(const struct pf_config *cfg, int back,
                        void (*cb)(const struct pf_res *from,
                                   const struct pf_ref *ref, void *arg),
                        void *arg);

/** Compare ARM ids (ASCII case-insensitive). */
int pf_id_eq(const char *a, const char *b);
/**
 * Split an ARM id: subscription, resource group, provider type
 * ("Microsoft.Network/virtualNetworks/subnets") and last name.  Returned
 * strings come from \p a.  \return PF_OK or PF_EINVAL when \p id is not an
 * ARM resource id.
 */
pf_status pf_id_parse(struct pf_arena *a, const char *id, const char **sub,
                      const char **rg, const char **type, const char **name);
/** The id of the parent resource (strip the last "/type/name"), or NULL. */
const char *pf_id_parent(struct pf_arena *a, const char *id);
/** Kind for an ARM type, case-insensitively; PF_K_COUNT when unknown. */
enum pf_kind pf_kind_from_type(const char *type);

/** Usable addresses of a subnet: sum of 2^(host bits) - 5 per prefix
 * (AZURE-SEMANTICS.md 8), saturating; IPv6 counts as unlimited (-1). */
int64_t pf_subnet_capacity(const struct pf_subnet *s);

#endif
