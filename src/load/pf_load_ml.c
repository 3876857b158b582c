/* SPDX-License-Identifier: MIT */
/* pf_load_ml.c - loaders for Machine Learning workspaces, computes and
 * datastores
 *
 * specification: AZURE-SEMANTICS.md 7.7 (workspace: ARM camelCase and the
 * snake_case of `az ml workspace show`), 7.8 (computes, both shapes).
 * Credentials of datastores are classified, never stored: only the kind of
 * credential reaches the model (secrets are never printed).
 */
#include <string.h>
#include <strings.h>

#include "pf_load_int.h"

#define NEW(lj, T) ((T *)pf_arena_alloc((lj)->a, sizeof(T)))

/* A workspace's dependency: an id string (ARM) or {"id"} object. */
static pf_status dep(struct pf_lj *lj, const cJSON *p, const char *keys,
                     struct pf_ref *out)
{
  return pf_lj_ref(lj, p, keys, out);
}

pf_status pf_load_workspace(struct pf_lj *lj, const cJSON *o)
{
  struct pf_workspace *w = NEW(lj, struct pf_workspace);
  const cJSON *p = pf_lj_props(o), *sku, *ident, *enc, *mn, *pec;
  const char *which;
  pf_status st;

  if (!w)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_WORKSPACE, NULL, &w->hdr)) != PF_OK)
    return st;
  if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "properties")) &&
      pf_lj_get(o, "storage_account|resource_group|hbi_workspace", NULL))
    w->hdr.shape = PF_SHAPE_AZML;
  if ((st = dep(lj, p, "storageAccount|storage_account", &w->storage)) !=
          PF_OK ||
      (st = dep(lj, p, "keyVault|key_vault", &w->key_vault)) != PF_OK ||
      (st = dep(lj, p, "containerRegistry|container_registry",
                &w->registry)) != PF_OK ||
      (st = dep(lj, p, "applicationInsights|application_insights",
                &w->app_insights)) != PF_OK ||
      (st = pf_lj_bool(lj, p, "hbiWorkspace|hbi_workspace", &w->hbi)) !=
          PF_OK ||
      (st = pf_lj_enabled(lj, p, "publicNetworkAccess|public_network_access",
                          &w->public_access)) != PF_OK ||
      (st = pf_lj_bool(lj, p, "allowPublicAccessWhenBehindVnet|"
                       "allow_public_access_when_behind_vnet",
                       &w->allow_public_behind_vnet)) != PF_OK ||
      (st = pf_lj_str(lj, p, "imageBuildCompute|image_build_compute",
                      &w->image_build_compute)) != PF_OK)
    return st;
  if ((st = pf_lj_obj(lj, o, "sku", &sku, NULL)) != PF_OK)
    return st;
  if (sku) {
    pf_lj_push_key(lj, "sku");
    st = pf_lj_str(lj, sku, "name|tier", &w->sku);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  if ((st = pf_lj_obj(lj, o, "identity", &ident, NULL)) != PF_OK)
    return st;
  if (ident) {
    pf_lj_push_key(lj, "identity");
    st = pf_lj_str(lj, ident, "principalId|principal_id", &w->principal_id);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  /* customer-managed key (SEC-7): ARM encryption.keyVaultProperties, az ml
   * customer_managed_key */
  if ((st = pf_lj_obj(lj, p, "encryption|customer_managed_key", &enc,
                      &which)) != PF_OK)
    return st;
  if (enc) {
    const cJSON *kvp;
    pf_lj_push_key(lj, which);
    st = pf_lj_obj(lj, enc, "keyVaultProperties", &kvp, NULL);
    if (st == PF_OK && !kvp)
      kvp = enc;
    if (st == PF_OK && kvp != enc)
      pf_lj_push_key(lj, "keyVaultProperties");
    if (st == PF_OK)
      st = pf_lj_str(lj, kvp, "keyVaultArmId|key_vault", &w->cmk_key_vault);
    if (st == PF_OK)
      st = pf_lj_str(lj, kvp, "keyIdentifier|key_uri", &w->cmk_key_uri);
    if (kvp && kvp != enc)
      pf_lj_pop(lj);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
    {
      /* templates write the block with "status": "Disabled" and empty
       * strings when no key is used (quickstart machine-learning-advanced,
       * -workspace-vnet): that is no customer-managed key */
      const cJSON *status = pf_lj_get(enc, "status", NULL);
      if (cJSON_IsString(status) &&
          !strcasecmp(status->valuestring, "Disabled"))
        w->cmk_key_vault = w->cmk_key_uri = NULL;
      if (w->cmk_key_vault && !*w->cmk_key_vault)
        w->cmk_key_vault = NULL;
      if (w->cmk_key_uri && !*w->cmk_key_uri)
        w->cmk_key_uri = NULL;
    }
  }
  if ((st = pf_lj_obj(lj, p, "managedNetwork|managed_network", &mn,
                      &which)) != PF_OK)
    return st;
  if (mn) {
    pf_lj_push_key(lj, which);
    st = pf_lj_str(lj, mn, "isolationMode|isolation_mode",
                   &w->managed_network);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  if ((st = pf_lj_arr(lj, p, "privateEndpointConnections", &pec, NULL)) !=
      PF_OK)
    return st;
  if (pec)
    w->n_private_endpoint_connections = (size_t)cJSON_GetArraySize(pec);
  /* shared private links to the registry etc. (ACR-5) */
  {
    const cJSON *spl, *e;
    size_t i = 0;
    if ((st = pf_lj_arr(lj, p, "sharedPrivateLinkResources|"
                        "shared_private_link_resources", &spl, &which)) !=
        PF_OK)
      return st;
    if (spl && cJSON_GetArraySize(spl)) {
      w->spl_groups = pf_arena_calloc(lj->a, (size_t)cJSON_GetArraySize(spl),
                                      sizeof(*w->spl_groups));
      if (!w->spl_groups)
        return pf_load_oom(lj);
      pf_lj_push_key(lj, which);
      cJSON_ArrayForEach(e, spl) {
        const cJSON *sp;
        const char *g = NULL;
        pf_lj_push_idx(lj, i++);
        sp = pf_lj_enter(lj, e);
        st = pf_lj_str(lj, sp, "groupId|group_id", &g);
        pf_lj_leave(lj, e, sp);
        pf_lj_pop(lj);
        if (st != PF_OK)
          return st;
        if (g)
          w->spl_groups[w->n_spl++] = g;
      }
      pf_lj_pop(lj);
    }
  }
  return pf_load_add(lj, &w->hdr);
}

static enum pf_compute_type compute_type(const char *s)
{
  static const struct {
    const char *name;
    enum pf_compute_type t;
  } map[] = {
    {"AmlCompute", PF_CT_AMLCOMPUTE},
    {"ComputeInstance", PF_CT_COMPUTE_INSTANCE},
    {"AKS", PF_CT_AKS},
    {"Kubernetes", PF_CT_KUBERNETES},
    {"ACI", PF_CT_ACI},
    {"VirtualMachine", PF_CT_VM},
    {"HDInsight", PF_CT_HDINSIGHT},
    {"Databricks", PF_CT_DATABRICKS},
    {"DataFactory", PF_CT_DATAFACTORY},
    {"SynapseSpark", PF_CT_SYNAPSE},
  };
  size_t i;
  if (!s)
    return PF_CT_OTHER;
  for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (!strcasecmp(s, map[i].name))
      return map[i].t;
  return PF_CT_OTHER;
}

/* Subnet of a compute: ARM subnet {id}, az ml network_settings.subnet (an
 * id, or a bare name with vnet_name beside it). */
static pf_status compute_subnet(struct pf_lj *lj, const cJSON *inner,
                                struct pf_compute *c)
{
  const cJSON *ns, *sv;
  const char *which;
  pf_status st;
  if ((st = pf_lj_ref(lj, inner, "subnet", &c->subnet)) != PF_OK)
    return st;
  if ((st = pf_lj_obj(lj, inner, "network_settings|networkSettings", &ns,
                      &which)) != PF_OK || !ns)
    return st;
  pf_lj_push_key(lj, which);
  st = pf_lj_str(lj, ns, "vnet_name|vnetName", &c->vnet_name);
  sv = pf_lj_get(ns, "subnet", NULL);
  if (st == PF_OK && cJSON_IsString(sv) && sv->valuestring[0] != '/') {
    st = pf_lj_str(lj, ns, "subnet", &c->subnet_name);
  } else if (st == PF_OK && sv && !c->subnet.id) {
    st = pf_lj_ref(lj, ns, "subnet", &c->subnet);
  }
  pf_lj_pop(lj);
  return st;
}

pf_status pf_load_compute(struct pf_lj *lj, const cJSON *o)
{
  struct pf_compute *c = NEW(lj, struct pf_compute);
  const cJSON *p = pf_lj_props(o), *inner, *scale, *ssh, *nsc, *aks;
  const char *which, *ct = NULL;
  enum pf_tri ssh_enabled = PF_TRI_UNSET;
  pf_status st;

  if (!c)
    return pf_load_oom(lj);
  c->min_nodes = c->max_nodes = -1;
  c->unusable_nodes = -1;
  c->ssh_port = -1;
  if ((st = pf_load_header(lj, o, PF_K_COMPUTE, NULL, &c->hdr)) != PF_OK)
    return st;
  c->workspace.id = pf_id_parent(lj->a, c->hdr.id);
  c->workspace.jpath = NULL;   /* the parent, implied by the id */
  /* ARM: properties.computeType; az ml: top-level type ("amlcompute") */
  if ((st = pf_lj_str(lj, p, "computeType|compute_type", &ct)) != PF_OK)
    return st;
  if (!ct && (st = pf_lj_str(lj, o, "type", &ct)) != PF_OK)
    return st;
  if (p == o && ct && !strchr(ct, '/'))
    c->hdr.shape = PF_SHAPE_AZML;
  c->type_text = ct;
  c->type = compute_type(ct);
  if ((st = pf_lj_str(lj, p, "resourceId|resource_id", &c->resource_id)) !=
          PF_OK ||
      (st = pf_lj_str(lj, p, "provisioningState|provisioning_state",
                      &c->state)) != PF_OK)
    return st;
  /* the type-specific bag: properties.properties (ARM) or the object */
  if ((st = pf_lj_obj(lj, p, "properties", &inner, &which)) != PF_OK)
    return st;
  if (inner)
    pf_lj_push_key(lj, which);
  else
    inner = p;
  if ((st = pf_lj_str(lj, inner, "vmSize|size|agentVmSize", &c->vm_size)) !=
          PF_OK ||
      (st = pf_lj_str(lj, inner, "osType|os_type", &c->os_type)) != PF_OK ||
      (st = compute_subnet(lj, inner, c)) != PF_OK ||
      (st = pf_lj_bool(lj, inner, "enableNodePublicIp|enable_node_public_ip",
                       &c->node_public_ip)) != PF_OK ||
      (st = pf_lj_str(lj, inner, "remoteLoginPortPublicAccess",
                      &c->ssh_public_access)) != PF_OK ||
      (st = pf_lj_bool(lj, inner, "ssh_public_access_enabled",
                       &ssh_enabled)) != PF_OK ||
      (st = pf_lj_int(lj, inner, "min_instances", 0, 100000,
                      &c->min_nodes)) != PF_OK ||
      (st = pf_lj_int(lj, inner, "max_instances|agentCount|agent_count", 0,
                      100000, &c->max_nodes)) != PF_OK ||
      (st = pf_lj_str(lj, inner, "state", &c->state)) != PF_OK ||
      (st = pf_lj_str(lj, inner, "address", &c->address)) != PF_OK ||
      (st = pf_lj_int(lj, inner, "sshPort|ssh_port", 0, 65535,
                      &c->ssh_port)) != PF_OK ||
      (st = pf_lj_str(lj, inner, "clusterPurpose|cluster_purpose",
                      &c->aks_cluster_purpose)) != PF_OK ||
      (st = pf_lj_str(lj, inner, "loadBalancerType|load_balancer_type",
                      &c->aks_load_balancer_type)) != PF_OK)
    goto done;
  if (ssh_enabled != PF_TRI_UNSET && !c->ssh_public_access)
    c->ssh_public_access = ssh_enabled == PF_TRI_TRUE ? "Enabled" : "Disabled";
  if ((st = pf_lj_obj(lj, inner, "scaleSettings|scale_settings", &scale,
                      &which)) != PF_OK)
    goto done;
  if (scale) {
    pf_lj_push_key(lj, which);
    st = pf_lj_int(lj, scale, "maxNodeCount|max_node_count", 0, 100000,
                   &c->max_nodes);
    if (st == PF_OK)
      st = pf_lj_int(lj, scale, "minNodeCount|min_node_count", 0, 100000,
                     &c->min_nodes);
    pf_lj_pop(lj);
    if (st != PF_OK)
      goto done;
  }
  if ((st = pf_lj_obj(lj, inner, "sshSettings|ssh_settings", &ssh,
                      &which)) != PF_OK)
    goto done;
  if (ssh) {
    pf_lj_push_key(lj, which);
    if (!c->ssh_public_access)
      st = pf_lj_str(lj, ssh, "sshPublicAccess", &c->ssh_public_access);
    if (st == PF_OK)
      st = pf_lj_int(lj, ssh, "sshPort|ssh_port", 0, 65535, &c->ssh_port);
    pf_lj_pop(lj);
    if (st != PF_OK)
      goto done;
  }
  if ((st = pf_lj_obj(lj, inner, "nodeStateCounts", &nsc, &which)) != PF_OK)
    goto done;
  if (nsc) {
    pf_lj_push_key(lj, which);
    st = pf_lj_int(lj, nsc, "unusableNodeCount", 0, 1000000,
                   &c->unusable_nodes);
    pf_lj_pop(lj);
    if (st != PF_OK)
      goto done;
  }
  /* AKS networking (AZURE-SEMANTICS.md 8) */
  if ((st = pf_lj_obj(lj, inner, "aksNetworkingConfiguration", &aks,
                      &which)) != PF_OK)
    goto done;
  if (aks) {
    pf_lj_push_key(lj, which);
    st = pf_lj_ref(lj, aks, "subnetId", &c->subnet);
    if (st == PF_OK)
      st = pf_lj_str(lj, aks, "serviceCidr", &c->aks_service_cidr);
    if (st == PF_OK)
      st = pf_lj_str(lj, aks, "dnsServiceIP", &c->aks_dns_service_ip);
    if (st == PF_OK)
      st = pf_lj_str(lj, aks, "dockerBridgeCidr", &c->aks_docker_bridge_cidr);
    pf_lj_pop(lj);
  }
done:
  if (inner != p)
    pf_lj_pop(lj);
  if (st != PF_OK)
    return st;
  return pf_load_add(lj, &c->hdr);
}

static const char *ds_type_name(const char *s)
{
  /* az ml prints snake_case, ARM PascalCase (7.7) */
  if (!s)
    return NULL;
  if (!strcasecmp(s, "azure_blob") || !strcasecmp(s, "AzureBlob"))
    return "AzureBlob";
  if (!strcasecmp(s, "azure_file") || !strcasecmp(s, "AzureFile"))
    return "AzureFile";
  if (!strcasecmp(s, "azure_data_lake_gen2") ||
      !strcasecmp(s, "AzureDataLakeGen2"))
    return "AzureDataLakeGen2";
  if (!strcasecmp(s, "azure_data_lake_gen1") ||
      !strcasecmp(s, "AzureDataLakeGen1"))
    return "AzureDataLakeGen1";
  if (!strcasecmp(s, "one_lake") || !strcasecmp(s, "OneLake"))
    return "OneLake";
  return s;
}

static pf_status datastore_cred(struct pf_lj *lj, const cJSON *p,
                                struct pf_datastore *d)
{
  const cJSON *cr;
  const char *which, *ct = NULL;
  pf_status st = pf_lj_obj(lj, p, "credentials", &cr, &which);
  if (st != PF_OK)
    return st;
  if (!cr) {
    /* v1 SDK: credential_type beside the fields */
    if ((st = pf_lj_str(lj, p, "credential_type|credentialType", &ct)) !=
        PF_OK)
      return st;
  } else {
    pf_lj_push_key(lj, which);
    st = pf_lj_str(lj, cr, "credentialsType|credentials_type|type", &ct);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
    if (!ct && !cr->child) {
      /* az ml prints {} when it hides the secret: the kind is unknown */
      d->cred = PF_CRED_UNKNOWN;
      return PF_OK;
    }
    if (!ct) {
      /* az ml: the secret's own key names the credential kind */
      if (pf_lj_get(cr, "account_key", NULL))
        d->cred = PF_CRED_KEY;
      else if (pf_lj_get(cr, "sas_token", NULL))
        d->cred = PF_CRED_SAS;
      else if (pf_lj_get(cr, "client_id|tenant_id", NULL))
        d->cred = PF_CRED_SERVICE_PRINCIPAL;
      else
        d->cred = PF_CRED_IDENTITY;
      return PF_OK;
    }
  }
  if (!ct)
    d->cred = PF_CRED_UNKNOWN;
  else if (!strcasecmp(ct, "AccountKey") || !strcasecmp(ct, "account_key"))
    d->cred = PF_CRED_KEY;
  else if (!strcasecmp(ct, "Sas") || !strcasecmp(ct, "sas"))
    d->cred = PF_CRED_SAS;
  else if (!strcasecmp(ct, "None"))
    d->cred = PF_CRED_IDENTITY;
  else if (!strcasecmp(ct, "ServicePrincipal"))
    d->cred = PF_CRED_SERVICE_PRINCIPAL;
  else if (!strcasecmp(ct, "Certificate"))
    d->cred = PF_CRED_CERT;
  else if (!strcasecmp(ct, "KerberosKeytab") ||
           !strcasecmp(ct, "KerberosPassword"))
    d->cred = PF_CRED_KERBEROS;
  else
    return pf_lj_fail(lj, "credentials", "unknown credential type '%.40s' "
                      "(expected AccountKey, Sas, None, ServicePrincipal, "
                      "Certificate, KerberosKeytab or KerberosPassword)", ct);
  return PF_OK;
}

pf_status pf_load_datastore(struct pf_lj *lj, const cJSON *o)
{
  struct pf_datastore *d = NEW(lj, struct pf_datastore);
  const cJSON *p = pf_lj_props(o);
  const char *t = NULL;
  enum pf_tri is_default = PF_TRI_UNSET;
  pf_status st;

  if (!d)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_DATASTORE, NULL, &d->hdr)) != PF_OK)
    return st;
  d->workspace.id = pf_id_parent(lj->a, d->hdr.id);
  d->workspace.jpath = NULL;   /* the parent, implied by the id */
  if ((st = pf_lj_str(lj, p, "datastoreType|datastore_type", &t)) != PF_OK)
    return st;
  if (!t && (st = pf_lj_str(lj, o, "type", &t)) != PF_OK)
    return st;
  if (t && strchr(t, '/'))
    t = NULL;   /* the ARM resource type, not the datastore type */
  d->ds_type = ds_type_name(t);
  if ((st = pf_lj_str(lj, p, "accountName|account_name", &d->account_name)) !=
          PF_OK ||
      (st = pf_lj_str(lj, p, "containerName|container_name|fileShareName|"
                      "file_share_name|filesystem|file_system",
                      &d->container)) != PF_OK ||
      (st = pf_lj_str(lj, p, "endpoint", &d->endpoint)) != PF_OK ||
      (st = pf_lj_bool(lj, p, "isDefault|is_default", &is_default)) !=
          PF_OK ||
      (st = datastore_cred(lj, p, d)) != PF_OK)
    return st;
  d->is_default = is_default == PF_TRI_TRUE;
  return pf_load_add(lj, &d->hdr);
}

/* ---- web services, Databricks, VMs, AKS clusters ----------------------- */

pf_status pf_load_service(struct pf_lj *lj, const cJSON *o)
{
  struct pf_service *sv = NEW(lj, struct pf_service);
  const cJSON *p = pf_lj_props(o), *vc, *ssl, *enc;
  const char *which, *ssl_status = NULL;
  pf_status st;
  if (!sv)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_SERVICE, NULL, &sv->hdr)) != PF_OK)
    return st;
  sv->workspace.id = pf_id_parent(lj->a, sv->hdr.id);
  if ((st = pf_lj_str(lj, p, "computeType|compute_type", &sv->compute_type)) !=
          PF_OK ||
      (st = pf_lj_bool(lj, p, "authEnabled|auth_enabled", &sv->auth_enabled)) !=
          PF_OK ||
      (st = pf_lj_bool(lj, p, "aadAuthEnabled|tokenAuthEnabled|"
                       "token_auth_enabled", &sv->token_auth_enabled)) !=
          PF_OK ||
      (st = pf_lj_bool(lj, p, "sslEnabled|ssl_enabled", &sv->ssl_enabled)) !=
          PF_OK ||
      (st = pf_lj_obj(lj, p, "vnetConfiguration|vnet_configuration", &vc,
                      &which)) != PF_OK)
    return st;
  if (vc) {
    pf_lj_push_key(lj, which);
    st = pf_lj_str(lj, vc, "vnetName|vnet_name", &sv->vnet_name);
    if (st == PF_OK)
      st = pf_lj_str(lj, vc, "subnetName|subnet_name", &sv->subnet_name);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  if ((st = pf_lj_obj(lj, p, "sslConfiguration", &ssl, &which)) != PF_OK)
    return st;
  if (ssl) {
    pf_lj_push_key(lj, which);
    st = pf_lj_str(lj, ssl, "status", &ssl_status);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
    if (ssl_status && sv->ssl_enabled == PF_TRI_UNSET)
      sv->ssl_enabled = (!strcasecmp(ssl_status, "Enabled") ||
                         !strcasecmp(ssl_status, "Auto"))
                            ? PF_TRI_TRUE
                            : PF_TRI_FALSE;
  }
  if ((st = pf_lj_obj(lj, p, "encryptionProperties", &enc, NULL)) != PF_OK)
    return st;
  sv->encryption_given = enc != NULL;
  return pf_load_add(lj, &sv->hdr);
}

/* Databricks keeps its vnet injection in `parameters.<name>.value`. */
static pf_status param_value(struct pf_lj *lj, const cJSON *params,
                             const char *name, const char **out)
{
  const cJSON *pv;
  pf_status st = pf_lj_obj(lj, params, name, &pv, NULL);
  if (st != PF_OK || !pv)
    return st;
  pf_lj_push_key(lj, name);
  st = pf_lj_str(lj, pv, "value", out);
  pf_lj_pop(lj);
  return st;
}

pf_status pf_load_databricks(struct pf_lj *lj, const cJSON *o)
{
  struct pf_databricks *d = NEW(lj, struct pf_databricks);
  const cJSON *p = pf_lj_props(o), *params;
  const char *which, *vnet = NULL;
  pf_status st;
  if (!d)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_DATABRICKS, NULL, &d->hdr)) != PF_OK ||
      (st = pf_lj_obj(lj, p, "parameters", &params, &which)) != PF_OK)
    return st;
  if (params) {
    pf_lj_push_key(lj, which);
    if ((st = param_value(lj, params, "customVirtualNetworkId", &vnet)) ==
            PF_OK &&
        (st = param_value(lj, params, "customPublicSubnetName",
                          &d->public_subnet)) == PF_OK)
      st = param_value(lj, params, "customPrivateSubnetName",
                       &d->private_subnet);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
    if (vnet && *vnet) {
      d->vnet.id = vnet;
      d->vnet.jpath = pf_lj_path(lj, "parameters");
    }
  }
  return pf_load_add(lj, &d->hdr);
}

pf_status pf_load_vm(struct pf_lj *lj, const cJSON *o)
{
  struct pf_vm *vm = NEW(lj, struct pf_vm);
  const cJSON *p = pf_lj_props(o), *sp, *img, *os, *np;
  const char *which;
  pf_status st;
  if (!vm)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_VM, NULL, &vm->hdr)) != PF_OK ||
      (st = pf_lj_obj(lj, p, "storageProfile", &sp, &which)) != PF_OK)
    return st;
  if (sp) {
    pf_lj_push_key(lj, which);
    st = pf_lj_obj(lj, sp, "imageReference", &img, NULL);
    if (st == PF_OK && img) {
      pf_lj_push_key(lj, "imageReference");
      if ((st = pf_lj_str(lj, img, "publisher", &vm->publisher)) == PF_OK &&
          (st = pf_lj_str(lj, img, "offer", &vm->offer)) == PF_OK)
        st = pf_lj_str(lj, img, "sku", &vm->image_sku);
      pf_lj_pop(lj);
    }
    if (st == PF_OK)
      st = pf_lj_obj(lj, sp, "osDisk", &os, NULL);
    if (st == PF_OK && os) {
      pf_lj_push_key(lj, "osDisk");
      st = pf_lj_str(lj, os, "osType", &vm->os_type);
      pf_lj_pop(lj);
    }
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  if ((st = pf_lj_obj(lj, p, "networkProfile", &np, &which)) != PF_OK)
    return st;
  if (np) {
    pf_lj_push_key(lj, which);
    st = pf_lj_refs(lj, np, "networkInterfaces", &vm->nics, &vm->n_nics);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  return pf_load_add(lj, &vm->hdr);
}

pf_status pf_load_aks_cluster(struct pf_lj *lj, const cJSON *o)
{
  struct pf_aks_cluster *k = NEW(lj, struct pf_aks_cluster);
  const cJSON *p = pf_lj_props(o), *api, *net, *pools, *e;
  const char *which;
  size_t i = 0;
  pf_status st;
  if (!k)
    return pf_load_oom(lj);
  if ((st = pf_load_header(lj, o, PF_K_AKS_CLUSTER, NULL, &k->hdr)) !=
          PF_OK ||
      (st = pf_lj_str(lj, p, "kubernetesVersion|currentKubernetesVersion",
                      &k->kubernetes_version)) != PF_OK ||
      (st = pf_lj_obj(lj, p, "apiServerAccessProfile", &api, &which)) != PF_OK)
    return st;
  if (api) {
    pf_lj_push_key(lj, which);
    st = pf_lj_bool(lj, api, "enablePrivateCluster", &k->private_cluster);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  if ((st = pf_lj_obj(lj, p, "networkProfile", &net, &which)) != PF_OK)
    return st;
  if (net) {
    pf_lj_push_key(lj, which);
    if ((st = pf_lj_str(lj, net, "serviceCidr", &k->service_cidr)) == PF_OK &&
        (st = pf_lj_str(lj, net, "dnsServiceIP|dnsServiceIp",
                        &k->dns_service_ip)) == PF_OK &&
        (st = pf_lj_str(lj, net, "dockerBridgeCidr",
                        &k->docker_bridge_cidr)) == PF_OK)
      st = pf_lj_str(lj, net, "outboundType", &k->outbound_type);
    pf_lj_pop(lj);
    if (st != PF_OK)
      return st;
  }
  if ((st = pf_lj_arr(lj, p, "agentPoolProfiles", &pools, &which)) != PF_OK)
    return st;
  if (pools && cJSON_GetArraySize(pools)) {
    k->subnets = pf_arena_calloc(lj->a, (size_t)cJSON_GetArraySize(pools),
                                 sizeof(*k->subnets));
    if (!k->subnets)
      return pf_load_oom(lj);
    pf_lj_push_key(lj, which);
    cJSON_ArrayForEach(e, pools) {
      pf_lj_push_idx(lj, i++);
      st = pf_lj_ref(lj, e, "vnetSubnetID|vnetSubnetId",
                     &k->subnets[k->n_subnets]);
      pf_lj_pop(lj);
      if (st != PF_OK)
        return st;
      if (k->subnets[k->n_subnets].id)
        k->n_subnets++;
    }
    pf_lj_pop(lj);
  }
  return pf_load_add(lj, &k->hdr);
}
