# SPDX-License-Identifier: MIT
"""designs.py - the Azure ML secure designs of
../shared/fixtures/templates/azure-terraform/ (201, 202, 301), transcribed
block by block from their .tf files; `python3 designs.py DIR` writes
DIR/201-plan.json, DIR/202-plan.json and DIR/301-plan.json.  See README.md
for what each transcription leaves out and why.
"""
import json
import os
import sys

from tfplan import E, T, Blk, Plan, var

SUB = "5f2a3c7e-0b1d-4e6f-9a8b-7c6d5e4f3a21"   # our own test subscription
TENANT = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"


def client_config(p):
    # main.tf: data "azurerm_client_config" "current" {} (read while
    # planning: its values are in prior_state)
    p.data("azurerm_client_config", "current", {
        "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "id": "Y2xpZW50Q29uZmlncy9jbGllbnRJZD0wNGIwNzc5NQ==",
        "object_id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
        "subscription_id": SUB, "tenant_id": TENANT, "timeouts": None})


def nsg_rule(name, prio, direction, proto, dport=None, dports=None,
             src="*", dst="*"):
    b = Blk(name=name, priority=prio, direction=direction, access="Allow",
            protocol=proto, source_port_range="*",
            source_address_prefix=src, destination_address_prefix=dst)
    if dport is not None:
        b["destination_port_range"] = dport
    if dports is not None:
        b["destination_port_ranges"] = dports
    return b


def training_nsgs(p, rg, subnet_ref):
    """network.tf: nsg-training (Batch 29876-29877, AzureML 44224), nsg-aks
    (no rules) and their associations"""
    p.res("azurerm_network_security_group", "nsg-training",
          name="nsg-training", location=E(rg + ".location"),
          resource_group_name=E(rg + ".name"),
          security_rule=[
              nsg_rule("BatchNodeManagement", 100, "Inbound", "Tcp",
                       dport="29876-29877", src="BatchNodeManagement"),
              nsg_rule("AzureMachineLearning", 110, "Inbound", "Tcp",
                       dport="44224", src="AzureMachineLearning")])
    p.res("azurerm_subnet_network_security_group_association",
          "nsg-training-link",
          subnet_id=E(subnet_ref["training"] + ".id"),
          network_security_group_id=E(
              "azurerm_network_security_group.nsg-training.id"))
    p.res("azurerm_network_security_group", "nsg-aks", name="nsg-aks",
          location=E(rg + ".location"), resource_group_name=E(rg + ".name"))
    p.res("azurerm_subnet_network_security_group_association", "nsg-aks-link",
          subnet_id=E(subnet_ref["aks"] + ".id"),
          network_security_group_id=E(
              "azurerm_network_security_group.nsg-aks.id"))


def route(p, res_name, name, table, prefix, hop, hop_ip=None):
    attrs = dict(name=name,
                 resource_group_name=E("azurerm_resource_group.default.name"),
                 route_table_name=E("azurerm_route_table.%s.name" % table),
                 address_prefix=prefix, next_hop_type=hop)
    if hop_ip is not None:
        attrs["next_hop_in_ip_address"] = hop_ip
    p.res("azurerm_route", res_name, **attrs)


def route_tables(p, subnet_ref, fw_ip=None):
    """network.tf: rt-training (Internet, AzureML and Batch routes) and
    rt-aks, with their associations; 301 sends 0.0.0.0/0 to the firewall"""
    rg = "azurerm_resource_group.default"
    p.res("azurerm_route_table", "rt-training", name="rt-training",
          location=E(rg + ".location"), resource_group_name=E(rg + ".name"))
    if fw_ip is None:
        route(p, "training-Internet-Route", "Internet", "rt-training",
              "0.0.0.0/0", "Internet")
        route(p, "training-AzureMLRoute", "AzureMLRoute", "rt-training",
              "AzureMachineLearning", "Internet")
        route(p, "training-BatchRoute", "BatchRoute", "rt-training",
              "BatchNodeManagement", "Internet")
    else:
        route(p, "training-Internet-Route", "udr-Default", "rt-training",
              "0.0.0.0/0", "VirtualAppliance", fw_ip)
        route(p, "training-AzureMLRoute", "udr-AzureML", "rt-training",
              "AzureMachineLearning", "Internet")
        route(p, "training-BatchRoute", "udr-Batch", "rt-training",
              "BatchNodeManagement", "Internet")
    p.res("azurerm_subnet_route_table_association", "rt-training-link",
          subnet_id=E(subnet_ref["training"] + ".id"),
          route_table_id=E("azurerm_route_table.rt-training.id"))
    p.res("azurerm_route_table", "rt-aks", name="rt-aks",
          location=E(rg + ".location"), resource_group_name=E(rg + ".name"))
    if fw_ip is None:
        route(p, "aks-Internet-Route", "Internet", "rt-aks", "0.0.0.0/0",
              "Internet")
    else:
        route(p, "aks-default-Route", "udr-Default", "rt-aks", "0.0.0.0/0",
              "VirtualAppliance", fw_ip)
    p.res("azurerm_subnet_route_table_association", "rt-aks-link",
          subnet_id=E(subnet_ref["aks"] + ".id"),
          route_table_id=E("azurerm_route_table.rt-aks.id"))


def spoke_subnets(p, rg, vnet, with_dsvm):
    for res_name, name, var_name in [
            ("snet-training", "snet-training", "training_subnet_address_space"),
            ("snet-aks", "snet-aks", "aks_subnet_address_space"),
            ("snet-workspace", "snet-workspace", "ml_subnet_address_space")] + (
            [("snet-dsvm", "snet-dsvm", "dsvm_subnet_address_space")]
            if with_dsvm else []):
        p.res("azurerm_subnet", res_name, name=name,
              resource_group_name=E(rg + ".name"),
              virtual_network_name=E(vnet + ".name"),
              address_prefixes=E("var." + var_name),
              enforce_private_link_endpoint_network_policies=True)


def dns_zones(p, rg, vnet):
    for res, zone, link_res, link in [
            ("dnsvault", "privatelink.vaultcore.azure.net", "vnetlinkvault",
             "dnsvaultlink"),
            ("dnsstorageblob", "privatelink.blob.core.windows.net",
             "vnetlinkblob", "dnsblobstoragelink"),
            ("dnsstoragefile", "privatelink.file.core.windows.net",
             "vnetlinkfile", "dnsfilestoragelink"),
            ("dnscontainerregistry", "privatelink.azurecr.io", "vnetlinkcr",
             "dnscrlink"),
            ("dnsazureml", "privatelink.api.azureml.ms", "vnetlinkml",
             "dnsazuremllink"),
            ("dnsnotebooks", "privatelink.notebooks.azure.net", "vnetlinknbs",
             "dnsnotebookslink")]:
        p.res("azurerm_private_dns_zone", res, name=zone,
              resource_group_name=E(rg + ".name"))
        p.res("azurerm_private_dns_zone_virtual_network_link", link_res,
              name=link, resource_group_name=E(rg + ".name"),
              private_dns_zone_name=E("azurerm_private_dns_zone.%s.name" % res),
              virtual_network_id=E(vnet + ".id"))


def bastion(p, rg_net, subnet):
    """bastion.tf: public IP, nsg-bastion (the documented Bastion rules),
    association, bastion host"""
    loc = E("azurerm_resource_group.default.location")
    p.res("azurerm_public_ip", "azure_bastion", name="pip-azure-bastion",
          location=loc, resource_group_name=E(rg_net + ".name"),
          allocation_method="Static", sku="Standard")
    p.res("azurerm_network_security_group", "bastion_nsg", name="nsg-bastion",
          location=loc, resource_group_name=E(rg_net + ".name"),
          security_rule=[
              nsg_rule("AllowHTTPSInbound", 100, "Inbound", "Tcp", dport="443",
                       src="Internet"),
              nsg_rule("AllowGatewayManagerInbound", 200, "Inbound", "Tcp",
                       dport="443", src="GatewayManager"),
              nsg_rule("AllowAzureLBInbound", 300, "Inbound", "Tcp",
                       dport="443", src="AzureLoadBalancer"),
              nsg_rule("AllowBastionHostCommunication", 400, "Inbound", "*",
                       dports=["5701", "8080"], src="VirtualNetwork",
                       dst="VirtualNetwork"),
              nsg_rule("AllowRdpSshOutbound", 100, "Outbound", "Tcp",
                       dports=["22", "3389"], dst="VirtualNetwork"),
              nsg_rule("AllowBastionHostCommunicationOutbound", 110,
                       "Outbound", "Tcp", dports=["5701", "8080"],
                       src="VirtualNetwork", dst="VirtualNetwork"),
              nsg_rule("AllowAzureCloudOutbound", 120, "Outbound", "Tcp",
                       dports=["443"], dst="AzureCloud"),
              nsg_rule("AllowGetSessionInformation", 130, "Outbound", "Tcp",
                       dports=["80"], dst="Internet")])
    p.res("azurerm_subnet_network_security_group_association",
          "bastion_nsg_assoc", subnet_id=E(subnet + ".id"),
          network_security_group_id=E(
              "azurerm_network_security_group.bastion_nsg.id"),
          depends_on=["azurerm_bastion_host.azure_bastion_instance"])
    p.res("azurerm_bastion_host", "azure_bastion_instance",
          name=T("bas-${var.name}-${var.environment}"), location=loc,
          resource_group_name=E(rg_net + ".name"),
          ip_configuration=[Blk(name="configuration",
                                subnet_id=E(subnet + ".id"),
                                public_ip_address_id=E(
                                    "azurerm_public_ip.azure_bastion.id"))])


def workspace(p, names, pe_subnet, dns_ids, train_subnet, extra_deps=()):
    """workspace.tf: Application Insights, key vault, storage account and
    registry behind private endpoints, the workspace, its endpoint and the
    image-build cluster; compute.tf: compute instance and cluster"""
    rg = "azurerm_resource_group.default"
    loc = E(rg + ".location")
    rgn = E(rg + ".name")
    p.res("azurerm_application_insights", "default", name=names["appi"],
          location=loc, resource_group_name=rgn, application_type="web")
    p.res("azurerm_key_vault", "default", name=names["kv"], location=loc,
          resource_group_name=rgn,
          tenant_id=E("data.azurerm_client_config.current.tenant_id"),
          sku_name="premium", purge_protection_enabled=True,
          network_acls=[Blk(default_action="Deny", bypass="AzureServices")])
    st = dict(name=names["st"], location=loc, resource_group_name=rgn,
              account_tier="Standard", account_replication_type="GRS",
              network_rules=[Blk(default_action="Deny",
                                 bypass=["AzureServices"])])
    st.update(names.get("st_extra", {}))
    p.res("azurerm_storage_account", "default", **st)
    p.res("azurerm_container_registry", "default", name=names["cr"],
          location=loc, resource_group_name=rgn, sku="Premium",
          admin_enabled=True,
          network_rule_set=[Blk(default_action="Deny")],
          public_network_access_enabled=False)
    p.res("azurerm_machine_learning_workspace", "default", name=names["mlw"],
          location=loc, resource_group_name=rgn,
          application_insights_id=E("azurerm_application_insights.default.id"),
          key_vault_id=E("azurerm_key_vault.default.id"),
          storage_account_id=E("azurerm_storage_account.default.id"),
          container_registry_id=E("azurerm_container_registry.default.id"),
          identity=[Blk(type="SystemAssigned")],
          public_network_access_enabled=False,
          image_build_compute_name=E("var.image_build_compute_name"),
          depends_on=list(names.get("mlw_deps", [])))
    env = "${var.name}-${var.environment}"
    for res, suffix, psc, target, group, zones in [
            ("kv_ple", "kv", "kv", "azurerm_key_vault.default", "vault",
             dns_ids["vault"]),
            ("st_ple_blob", "st-blob", "st", "azurerm_storage_account.default",
             "blob", dns_ids["blob"]),
            ("storage_ple_file", "st-file", "st",
             "azurerm_storage_account.default", "file", dns_ids["file"]),
            ("cr_ple", "cr", "cr", "azurerm_container_registry.default",
             "registry", dns_ids["cr"]),
            ("mlw_ple", "mlw", "mlw",
             "azurerm_machine_learning_workspace.default", "amlworkspace",
             dns_ids["mlw"])]:
        p.res("azurerm_private_endpoint", res,
              name=T("ple-%s-%s" % (env, suffix)), location=loc,
              resource_group_name=rgn, subnet_id=E(pe_subnet + ".id"),
              private_dns_zone_group=[Blk(name="private-dns-zone-group",
                                          private_dns_zone_ids=zones)],
              private_service_connection=[Blk(
                  name=T("psc-${var.name}-%s" % psc),
                  private_connection_resource_id=E(target + ".id"),
                  subresource_names=[group], is_manual_connection=False)],
              depends_on=list(extra_deps))
    cluster = dict(location=loc, vm_size="Standard_DS2_v2",
                   machine_learning_workspace_id=E(
                       "azurerm_machine_learning_workspace.default.id"),
                   subnet_resource_id=E(train_subnet + ".id"),
                   scale_settings=[Blk(
                       min_node_count=0, max_node_count=3,
                       scale_down_nodes_after_idle_duration="PT15M")],
                   identity=[Blk(type="SystemAssigned")])
    p.res("azurerm_machine_learning_compute_cluster", "image-builder",
          name=E("var.image_build_compute_name"), vm_priority="LowPriority",
          **cluster)
    p.res("random_string", "ci_prefix", length=8, upper=False, special=False,
          **{names.get("ci_numeric", "number"): False})
    p.res("azurerm_machine_learning_compute_instance", "compute_instance",
          name=T("${random_string.ci_prefix.result}instance"), location=loc,
          machine_learning_workspace_id=E(
              "azurerm_machine_learning_workspace.default.id"),
          virtual_machine_size="STANDARD_DS2_V2",
          subnet_resource_id=E(train_subnet + ".id"),
          depends_on=["azurerm_private_endpoint.mlw_ple"])
    cluster["vm_size"] = "STANDARD_DS2_V2"
    p.res("azurerm_machine_learning_compute_cluster", "compute",
          name="cpu-cluster", vm_priority="Dedicated", **cluster)


def common_vars(p, name, extra):
    v = {}
    var(v, "name", name, "Name of the deployment")
    var(v, "environment", "dev", "Name of the environment")
    var(v, "location", "East US", "Location of the resources")
    for k, d, desc in extra:
        var(v, k, d, desc)
    var(v, "image_build_compute_name", "image-builder",
        "Name of the compute cluster to be created and set to build docker "
        "images")
    p.vars = v


def zone_ids(prefix):
    return {k: [E("azurerm_private_dns_zone.%s.id" % z) for z in zs]
            for k, zs in {"vault": ["dnsvault"], "blob": ["dnsstorageblob"],
                          "file": ["dnsstoragefile"],
                          "cr": ["dnscontainerregistry"],
                          "mlw": ["dnsazureml", "dnsnotebooks"]}.items()}


def design_201():
    p = Plan("=3.0.2", {})
    common_vars(p, "examplehost", [
        ("vnet_address_space", ["10.0.0.0/16"],
         "Address space of the virtual network"),
        ("training_subnet_address_space", ["10.0.1.0/24"],
         "Address space of the training subnet"),
        ("aks_subnet_address_space", ["10.0.2.0/23"],
         "Address space of the aks subnet"),
        ("ml_subnet_address_space", ["10.0.0.0/24"],
         "Address space of the ML workspace subnet"),
        ("dsvm_subnet_address_space", ["10.0.4.0/24"],
         "Address space of the DSVM subnet"),
        ("bastion_subnet_address_space", ["10.0.5.0/24"],
         "Address space of the bastion subnet"),
        ("dsvm_name", "vmdsvm01", "Name of the Data Science VM"),
        ("dsvm_admin_username", "azureadmin",
         "Admin username of the Data Science VM")])
    client_config(p)
    rg = "azurerm_resource_group.default"
    p.res("azurerm_resource_group", "default",
          name=T("rg-${var.name}-${var.environment}"),
          location=E("var.location"))
    p.res("azurerm_virtual_network", "default",
          name=T("vnet-${var.name}-${var.environment}"),
          address_space=E("var.vnet_address_space"),
          location=E(rg + ".location"), resource_group_name=E(rg + ".name"))
    spoke_subnets(p, rg, "azurerm_virtual_network.default", True)
    p.res("azurerm_subnet", "azure_bastion", name="AzureBastionSubnet",
          resource_group_name=E(rg + ".name"),
          virtual_network_name=E("azurerm_virtual_network.default.name"),
          address_prefixes=E("var.bastion_subnet_address_space"))
    dns_zones(p, rg, "azurerm_virtual_network.default")
    subs = {"training": "azurerm_subnet.snet-training",
            "aks": "azurerm_subnet.snet-aks"}
    training_nsgs(p, rg, subs)
    route_tables(p, subs)
    bastion(p, rg, "azurerm_subnet.azure_bastion")
    p.res("random_string", "kv_prefix", length=4, upper=False, special=False,
          numeric=False)
    p.res("random_string", "sa_prefix", length=4, upper=False, special=False,
          numeric=False)
    workspace(p, {
        "appi": T("appi-${var.name}-${var.environment}"),
        "kv": T("kv-${random_string.kv_prefix.result}-${var.environment}"),
        "st": T("st${random_string.sa_prefix.result}${var.environment}"),
        "cr": T("cr${var.name}${var.environment}"),
        "mlw": T("mlw-${var.name}-${var.environment}"),
        "mlw_deps": ["azurerm_private_endpoint.kv_ple",
                     "azurerm_private_endpoint.st_ple_blob",
                     "azurerm_private_endpoint.storage_ple_file",
                     "azurerm_private_endpoint.cr_ple",
                     "azurerm_subnet.snet-training"]},
        "azurerm_subnet.snet-workspace", zone_ids(""),
        "azurerm_subnet.snet-training")
    return p


def design_202():
    p = Plan("~> 3.0", {})
    vnet_rg, vnet = PRE_RG, PRE_VNET
    common_vars(p, "202mlmsev", [
        ("vnet_resource_group_name", vnet_rg,
         "Name of the resource group for the existing VNet"),
        ("vnet_name", vnet, "Name of the existing VNet"),
        ("training_subnet_name", "training",
         "Name of the existing training subnet"),
        ("aks_subnet_name", "aks", "Name of the existing aks subnet"),
        ("ml_subnet_name", "ml",
         "Name of the existing ML workspace subnet")] + [
        ("privatelink_%s_resource_id" % z,
         "/subscriptions/%s/resourceGroups/%s/providers/"
         "Microsoft.Network/privateDnsZones/privatelink.%s" % (
             SUB, vnet_rg, z.replace("_", ".")),
         "Resource ID of the existing privatelink.%s private dns zone"
         % z.replace("_", "."))
        for z in ["api_azureml_ms", "azurecr_io", "notebooks_azure_net",
                  "blob_core_windows_net", "file_core_windows_net",
                  "vaultcore_azure_net"]])
    client_config(p)
    # network.tf: the existing subnets (read while planning)
    net_id = ("/subscriptions/%s/resourceGroups/%s/providers/"
              "Microsoft.Network/virtualNetworks/%s" % (SUB, vnet_rg, vnet))
    for res, name, prefix in [("training", "training", "192.168.0.0/24"),
                              ("aks", "aks", "192.168.1.0/24"),
                              ("ml", "ml", "192.168.2.0/24")]:
        p.data("azurerm_subnet", res, {
            "address_prefix": prefix, "address_prefixes": [prefix],
            "enforce_private_link_endpoint_network_policies": True,
            "enforce_private_link_service_network_policies": False,
            "id": net_id + "/subnets/" + name, "name": name,
            "network_security_group_id": "",
            "resource_group_name": vnet_rg, "route_table_id": "",
            "service_endpoints": [], "timeouts": None,
            "virtual_network_name": vnet},
            name=E("var.%s_subnet_name" % res),
            virtual_network_name=E("var.vnet_name"),
            resource_group_name=E("var.vnet_resource_group_name"))
    rg = "azurerm_resource_group.default"
    p.res("azurerm_resource_group", "default",
          name=T("rg-${var.name}-${var.environment}"),
          location=E("var.location"))
    subs = {"training": "data.azurerm_subnet.training",
            "aks": "data.azurerm_subnet.aks"}
    training_nsgs(p, rg, subs)
    route_tables(p, subs)
    p.res("random_string", "workspace_suffix", length=10, special=False)
    dns = {"vault": [E("var.privatelink_vaultcore_azure_net_resource_id")],
           "blob": [E("var.privatelink_blob_core_windows_net_resource_id")],
           "file": [E("var.privatelink_file_core_windows_net_resource_id")],
           "cr": [E("var.privatelink_azurecr_io_resource_id")],
           "mlw": [E("var.privatelink_api_azureml_ms_resource_id"),
                   E("var.privatelink_notebooks_azure_net_resource_id")]}
    workspace(p, {
        "appi": T("appi-${var.name}-${var.environment}"),
        "kv": T("kv-${var.name}-${var.environment}"),
        "st": T("st${var.name}${var.environment}"),
        "st_extra": {"public_network_access_enabled": False},
        "cr": T("cr${var.name}${var.environment}"),
        "mlw": T("mlw-${var.name}-${var.environment}-"
                 "${random_string.workspace_suffix.result}"),
        "ci_numeric": "numeric"},
        "data.azurerm_subnet.ml", dns, "data.azurerm_subnet.training")
    return p


# 202's prerequisite configuration (prequisite/main.tf), applied: the
# random suffix of its resource group is ours
PRE_RG = "rg-202-mlmsev-network-k3x9qe"
PRE_VNET = "202-mlmsev-vnet"


def prerequisite_202_state():
    """`terraform show -json` of the state after applying prequisite/"""
    base = "/subscriptions/%s/resourceGroups/%s" % (SUB, PRE_RG)
    net = base + "/providers/Microsoft.Network"
    vnet_id = net + "/virtualNetworks/" + PRE_VNET
    prov = "registry.terraform.io/hashicorp/azurerm"

    def r(addr, t, name, values, index=None, provider=prov):
        o = {"address": addr, "mode": "managed", "type": t, "name": name,
             "provider_name": provider, "schema_version": 0,
             "values": values, "sensitive_values": {}}
        if index is not None:
            o["index"] = index
        return o
    res = [
        r("azurerm_resource_group.network", "azurerm_resource_group",
          "network", {"id": base, "location": "eastus", "name": PRE_RG,
                      "tags": None, "timeouts": None}),
        r("azurerm_virtual_network.vnet", "azurerm_virtual_network", "vnet", {
            "address_space": ["192.168.0.0/16"], "bgp_community": "",
            "ddos_protection_plan": [], "dns_servers": [], "edge_zone": "",
            "flow_timeout_in_minutes": 0,
            "guid": "3f1e2d4c-5b6a-4798-8a7b-6c5d4e3f2a1b", "id": vnet_id,
            "location": "eastus", "name": PRE_VNET,
            "resource_group_name": PRE_RG,
            "subnet": [{"address_prefix": "192.168.%d.0/24" % i,
                        "id": vnet_id + "/subnets/" + n, "name": n,
                        "security_group": ""}
                       for i, n in enumerate(["training", "aks", "ml"])],
            "tags": None, "timeouts": None}),
    ]
    for i, n in enumerate(["training", "aks", "ml"]):
        res.append(r("azurerm_subnet.subnet[%d]" % i, "azurerm_subnet",
                     "subnet", {
                         "address_prefixes": ["192.168.%d.0/24" % i],
                         "delegation": [],
                         "enforce_private_link_endpoint_network_policies":
                             False,
                         "enforce_private_link_service_network_policies":
                             False,
                         "id": vnet_id + "/subnets/" + n, "name": n,
                         "private_endpoint_network_policies_enabled": True,
                         "private_link_service_network_policies_enabled":
                             True,
                         "resource_group_name": PRE_RG,
                         "service_endpoint_policy_ids": None,
                         "service_endpoints": None, "timeouts": None,
                         "virtual_network_name": PRE_VNET}, index=i))
    zones = ["privatelink.api.azureml.ms", "privatelink.azurecr.io",
             "privatelink.blob.core.windows.net",
             "privatelink.file.core.windows.net",
             "privatelink.notebooks.azure.net",
             "privatelink.vaultcore.azure.net"]
    for z in zones:
        zid = net + "/privateDnsZones/" + z
        res.append(r('azurerm_private_dns_zone.private_dns_zone["%s"]' % z,
                     "azurerm_private_dns_zone", "private_dns_zone", {
                         "id": zid, "name": z, "resource_group_name": PRE_RG,
                         "number_of_record_sets": 1, "soa_record": [],
                         "tags": None, "timeouts": None}, index=z))
    for z in zones:
        res.append(r('azurerm_private_dns_zone_virtual_network_link.link["%s"]'
                     % z, "azurerm_private_dns_zone_virtual_network_link",
                     "link", {
                         "id": net + "/privateDnsZones/%s/virtualNetworkLinks/%s"
                               % (z, z),
                         "name": z, "private_dns_zone_name": z,
                         "registration_enabled": False,
                         "resource_group_name": PRE_RG, "tags": None,
                         "timeouts": None, "virtual_network_id": vnet_id},
                     index=z))
    res.append(r("random_string.suffix", "random_string", "suffix", {
        "id": "k3x9qe", "keepers": None, "length": 6, "lower": True,
        "min_lower": 0, "min_numeric": 0, "min_special": 0, "min_upper": 0,
        "number": True, "numeric": True, "override_special": None,
        "result": "k3x9qe", "special": False, "upper": False},
        provider="registry.terraform.io/hashicorp/random"))
    outputs = {
        "aks_subnet_name": {"sensitive": False, "value": "aks",
                            "type": "string"},
        "ml_subnet_name": {"sensitive": False, "value": "ml",
                           "type": "string"}}
    return {"format_version": "1.0", "terraform_version": "1.5.7",
            "values": {"outputs": outputs, "root_module": {"resources": res}}}


def design_301():
    p = Plan("=3.0.2", {})
    common_vars(p, "301mlhss", [
        ("vnet_address_space", ["10.0.0.0/16"],
         "Address space of the spoke virtual network"),
        ("training_subnet_address_space", ["10.0.1.0/24"],
         "Address space of the training subnet"),
        ("aks_subnet_address_space", ["10.0.2.0/23"],
         "Address space of the aks subnet"),
        ("ml_subnet_address_space", ["10.0.0.0/24"],
         "Address space of the ML workspace subnet"),
        ("vnet_hub_address_space", ["10.1.0.0/16"],
         "Address space of the Hub virtual network"),
        ("jumphost_subnet_address_space", ["10.1.2.0/24"],
         "Address space of the Jumphost subnet"),
        ("bastion_subnet_address_space", ["10.1.3.0/24"],
         "Address space of the bastion subnet"),
        ("firewall_subnet_address_space", ["10.1.4.0/24"],
         "Address space of the Az Fiewall subnet")])
    client_config(p)
    p.res("random_string", "suffix", length=4, upper=False, special=False)
    rg, hub = "azurerm_resource_group.default", "azurerm_resource_group.hub_rg"
    p.res("azurerm_resource_group", "default",
          name=T("rg-${var.name}-${var.environment}-"
                 "${random_string.suffix.result}"),
          location=E("var.location"))
    p.res("azurerm_resource_group", "hub_rg",
          name=T("rg-hub-${var.name}-${var.environment}-"
                 "${random_string.suffix.result}"),
          location=E("var.location"))
    fw_ip = E("azurerm_firewall.azure_firewall_instance.ip_configuration[0]"
              ".private_ip_address")
    # network-spoke.tf
    p.res("azurerm_virtual_network", "default",
          name=T("vnet-${var.name}-${var.environment}"),
          address_space=E("var.vnet_address_space"),
          location=E(rg + ".location"), resource_group_name=E(rg + ".name"),
          dns_servers=[fw_ip],
          depends_on=["azurerm_virtual_network.hub",
                      "azurerm_firewall.azure_firewall_instance"])
    spoke_subnets(p, rg, "azurerm_virtual_network.default", False)
    subs = {"training": "azurerm_subnet.snet-training",
            "aks": "azurerm_subnet.snet-aks"}
    training_nsgs(p, rg, subs)
    route_tables(p, subs, fw_ip)
    # network-hub.tf
    p.res("azurerm_virtual_network", "hub",
          name=T("vnet-hub-${var.name}-${var.environment}"),
          address_space=E("var.vnet_hub_address_space"),
          location=E(rg + ".location"), resource_group_name=E(hub + ".name"))
    for res, name, v in [
            ("snet_jumphost", "snet-jumphost", "jumphost_subnet_address_space"),
            ("azure_bastion", "AzureBastionSubnet",
             "bastion_subnet_address_space"),
            ("azure_firewall", "AzureFirewallSubnet",
             "firewall_subnet_address_space")]:
        p.res("azurerm_subnet", res, name=name,
              resource_group_name=E(hub + ".name"),
              virtual_network_name=E("azurerm_virtual_network.hub.name"),
              address_prefixes=E("var." + v))
    for res, here, there in [("direction1", hub, rg), ("direction2", rg, hub)]:
        vnet = "hub" if here == hub else "default"
        remote = "default" if here == hub else "hub"
        p.res("azurerm_virtual_network_peering", res,
              name=T("${%s.name}-to-${%s.name}" % (here, there)),
              resource_group_name=E(here + ".name"),
              virtual_network_name=E("azurerm_virtual_network.%s.name" % vnet),
              remote_virtual_network_id=E(
                  "azurerm_virtual_network.%s.id" % remote),
              allow_virtual_network_access=True,
              allow_forwarded_traffic=False, allow_gateway_transit=False,
              use_remote_gateways=False)
    dns_zones(p, hub, "azurerm_virtual_network.hub")
    p.res("azurerm_network_security_group", "jump_host",
          name="nsg-jumphost-subnet", location=E(hub + ".location"),
          resource_group_name=E(hub + ".name"))
    p.res("azurerm_subnet_network_security_group_association",
          "jumphost_nsg_assoc",
          subnet_id=E("azurerm_subnet.snet_jumphost.id"),
          network_security_group_id=E(
              "azurerm_network_security_group.jump_host.id"))
    p.res("azurerm_route_table", "jumphost_rt", name="rt-jumphost",
          location=E(rg + ".location"), resource_group_name=E(rg + ".name"))
    route(p, "jumphost-fw-route", "udr-Default", "jumphost_rt", "0.0.0.0/0",
          "VirtualAppliance", fw_ip)
    p.res("azurerm_subnet_route_table_association", "rt-jumphost-link",
          subnet_id=E("azurerm_subnet.snet_jumphost.id"),
          route_table_id=E("azurerm_route_table.jumphost_rt.id"))
    bastion(p, hub, "azurerm_subnet.azure_bastion")
    # azure-firewall.tf (the firewall itself is not evaluated; its private
    # address is what the routes and the spoke's DNS servers point at)
    p.res("azurerm_public_ip", "azure_firewall", name="pip-azfw",
          location=E(rg + ".location"), resource_group_name=E(hub + ".name"),
          allocation_method="Static", sku="Standard")
    p.res("azurerm_firewall_policy", "base_policy", name="afwp-base-01",
          resource_group_name=E(hub + ".name"), location=E(rg + ".location"),
          dns=[Blk(proxy_enabled=True)])
    p.res("azurerm_firewall", "azure_firewall_instance",
          name=T("afw-${var.name}-${var.environment}"),
          location=E(rg + ".location"), resource_group_name=E(hub + ".name"),
          sku_name="AZFW_VNet", sku_tier="Standard",
          firewall_policy_id=E("azurerm_firewall_policy.base_policy.id"),
          ip_configuration=[Blk(name="configuration",
                                subnet_id=E("azurerm_subnet.azure_firewall.id"),
                                public_ip_address_id=E(
                                    "azurerm_public_ip.azure_firewall.id"))])
    workspace(p, {
        "appi": T("appi-${var.name}-${var.environment}-"
                  "${random_string.suffix.result}"),
        "kv": T("kv-${var.name}-${var.environment}-"
                "${random_string.suffix.result}"),
        "st": T("st${var.name}${var.environment}"
                "${random_string.suffix.result}"),
        "st_extra": {"allow_nested_items_to_be_public": False},
        "cr": T("cr${var.name}${var.environment}"
                "${random_string.suffix.result}"),
        "mlw": T("mlw-${var.name}-${var.environment}-"
                 "${random_string.suffix.result}"),
        "mlw_deps": ["azurerm_private_endpoint.kv_ple",
                     "azurerm_private_endpoint.st_ple_blob",
                     "azurerm_private_endpoint.storage_ple_file",
                     "azurerm_private_endpoint.cr_ple",
                     "azurerm_subnet.snet-training",
                     "azurerm_firewall.azure_firewall_instance"],
        "ci_numeric": "numeric"},
        "azurerm_subnet.snet-workspace", zone_ids(""),
        "azurerm_subnet.snet-training")
    return p


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, fn in [("201", design_201), ("202", design_202),
                     ("301", design_301)]:
        fn().write(os.path.join(out, "%s-plan.json" % name))
    with open(os.path.join(out, "202-prerequisite-state.json"), "w") as f:
        json.dump(prerequisite_202_state(), f, indent=2)
        f.write("\n")
