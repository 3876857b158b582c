# SPDX-License-Identifier: MIT
"""tfplan.py - render a hand transcription of a .tf design as the JSON that
`terraform show -json plan.out` prints (HashiCorp's "JSON Output Format",
format_version 1.2).

A design file (201.py, 202.py, 301.py) transcribes each resource block of
the .tf files with the same attribute names and expressions:

    res("azurerm_subnet", "snet-training",
        name="snet-training",
        resource_group_name=E("azurerm_resource_group.default.name"),
        address_prefixes=E("var.training_subnet_address_space"))

E("ref") is a reference expression, T("a-${var.x}") a template, Blk(...)
a nested block, plain Python values are constants.  This module evaluates
the expressions the way Terraform's planner does for a first apply
(everything is created): variables take their defaults, a reference to an
attribute that is known after apply (ids, random results, attributes the
provider computes) makes the referring attribute unknown too, and it writes
the three views the format has: planned_values (unknown values omitted,
null in lists), resource_changes (change.after and change.after_unknown,
where objects omit known members and lists keep [false] per element) and
configuration (constant_value, or the references an expression makes, each
"type.name.attr" followed by "type.name").  Data sources read while
planning are in prior_state.

Schema knowledge (which attributes the azurerm provider computes, and its
defaults) is in SCHEMA below, from the provider's documentation for the
version each design pins; it lists what the designs use, not whole schemas.
"""
import json
import re
import sys


class Unknown:
    pass


UNKNOWN = Unknown()


class E:
    """A reference expression: var.x, type.name.attr, data.type.name.attr"""

    def __init__(self, ref):
        self.ref = ref


class T:
    """A template string with ${...} interpolations (references only)."""

    def __init__(self, text):
        self.text = text


class Blk(dict):
    """A nested block (rendered as one element of a list of objects)."""


# attributes the provider computes (unknown on create when not configured)
# and defaults it plans for optional attributes that are not set
SCHEMA = {
    "azurerm_resource_group": {"computed": ["id"], "defaults": {"tags": None}},
    "azurerm_virtual_network": {
        "computed": ["id", "guid", "subnet", "dns_servers"],
        "defaults": {"bgp_community": None, "ddos_protection_plan": [],
                     "edge_zone": None, "flow_timeout_in_minutes": None,
                     "tags": None}},
    "azurerm_subnet": {
        "computed": ["id"],
        "defaults": {"delegation": [],
                     "enforce_private_link_endpoint_network_policies": False,
                     "enforce_private_link_service_network_policies": False,
                     "service_endpoint_policy_ids": None,
                     "service_endpoints": None}},
    "azurerm_network_security_group": {
        "computed": ["id", "security_rule"], "defaults": {"tags": None}},
    "azurerm_subnet_network_security_group_association": {
        "computed": ["id"], "defaults": {}},
    "azurerm_route_table": {
        "computed": ["id", "subnets", "route"],
        "defaults": {"disable_bgp_route_propagation": False, "tags": None}},
    "azurerm_route": {"computed": ["id"],
                      "defaults": {"next_hop_in_ip_address": None}},
    "azurerm_subnet_route_table_association": {"computed": ["id"],
                                               "defaults": {}},
    "azurerm_storage_account": {
        "computed": ["id", "primary_blob_endpoint", "primary_access_key",
                     "primary_connection_string", "identity",
                     "network_rules"],
        "defaults": {"account_kind": "StorageV2", "access_tier": "Hot",
                     "enable_https_traffic_only": True,
                     "is_hns_enabled": False, "min_tls_version": "TLS1_2",
                     "nfsv3_enabled": False,
                     "allow_nested_items_to_be_public": True,
                     "shared_access_key_enabled": True,
                     "infrastructure_encryption_enabled": False,
                     "queue_encryption_key_type": "Service",
                     "table_encryption_key_type": "Service",
                     "tags": None}},
    "azurerm_key_vault": {
        "computed": ["id", "vault_uri", "access_policy", "network_acls"],
        "defaults": {"enabled_for_deployment": None,
                     "enabled_for_disk_encryption": None,
                     "enabled_for_template_deployment": None,
                     "enable_rbac_authorization": None,
                     "soft_delete_retention_days": 90,
                     "contact": [], "tags": None}},
    "azurerm_container_registry": {
        "computed": ["id", "login_server", "admin_username",
                     "admin_password", "identity", "network_rule_set"],
        "defaults": {"admin_enabled": False,
                     "public_network_access_enabled": True,
                     "quarantine_policy_enabled": None,
                     "zone_redundancy_enabled": False,
                     "export_policy_enabled": True,
                     "anonymous_pull_enabled": None,
                     "data_endpoint_enabled": None,
                     "network_rule_bypass_option": "AzureServices",
                     "georeplications": [], "encryption": [],
                     "retention_policy": [], "trust_policy": [],
                     "tags": None}},
    "azurerm_machine_learning_workspace": {
        "computed": ["id", "discovery_url", "public_access_behind_virtual_network_enabled"],
        "defaults": {"high_business_impact": None, "sku_name": "Basic",
                     "encryption": [], "description": None,
                     "friendly_name": None, "tags": None}},
    "azurerm_machine_learning_compute_cluster": {
        "computed": ["id"],
        "defaults": {"description": None, "local_auth_enabled": True,
                     "ssh_public_access_enabled": None, "ssh": [],
                     "tags": None}},
    "azurerm_machine_learning_compute_instance": {
        "computed": ["id"],
        "defaults": {"authorization_type": None, "description": None,
                     "local_auth_enabled": True, "assign_to_user": [],
                     "identity": [], "ssh": [], "tags": None}},
    "azurerm_private_endpoint": {
        "computed": ["id", "custom_dns_configs", "network_interface",
                     "private_dns_zone_configs", "ip_configuration"],
        "defaults": {"tags": None}},
    "azurerm_virtual_network_peering": {
        "computed": ["id"],
        "defaults": {"allow_forwarded_traffic": False,
                     "allow_gateway_transit": False,
                     "use_remote_gateways": False}},
    "random_string": {"computed": ["id", "result"],
                      "defaults": {"keepers": None, "lower": True,
                                   "min_lower": 0, "min_numeric": 0,
                                   "min_special": 0, "min_upper": 0,
                                   "override_special": None}},
}
# nested computed members of blocks (unknown on create)
BLOCK_COMPUTED = {
    ("azurerm_storage_account", "network_rules"):
        ["ip_rules", "virtual_network_subnet_ids", "private_link_access"],
    ("azurerm_private_endpoint", "private_service_connection"):
        ["private_ip_address"],
    ("azurerm_machine_learning_workspace", "identity"):
        ["principal_id", "tenant_id"],
    ("azurerm_machine_learning_compute_cluster", "identity"):
        ["principal_id", "tenant_id"],
    ("azurerm_firewall", "ip_configuration"): ["private_ip_address"],
}
# members every element of an attribute-as-blocks list carries (the
# provider plans "" and [] for the ones not written)
BLOCK_DEFAULTS = {
    ("azurerm_network_security_group", "security_rule"): {
        "description": "", "destination_address_prefix": "",
        "destination_address_prefixes": [],
        "destination_application_security_group_ids": [],
        "destination_port_range": "", "destination_port_ranges": [],
        "source_address_prefix": "", "source_address_prefixes": [],
        "source_application_security_group_ids": [],
        "source_port_range": "", "source_port_ranges": []},
}


class Plan:
    def __init__(self, provider_version, variables):
        self.provider_version = provider_version
        self.vars = variables          # name -> (default, description, sensitive)
        self.items = []                # (mode, type, name, attrs, depends_on)
        self.data_values = {}          # "data.t.n" -> values read at plan time
        self.cache = {}

    def res(self, type_, rname, /, depends_on=None, **attrs):
        self.items.append(("managed", type_, rname, attrs, depends_on or []))

    def data(self, type_, rname, values, /, **attrs):
        self.items.append(("data", type_, rname, attrs, []))
        self.data_values["data.%s.%s" % (type_, rname)] = values

    # ---- evaluation ----------------------------------------------------
    def find(self, addr):
        for mode, t, n, attrs, dep in self.items:
            a = ("data.%s.%s" if mode == "data" else "%s.%s") % (t, n)
            if a == addr:
                return mode, t, n, attrs
        raise KeyError(addr)

    def ref_value(self, ref):
        parts = ref.split(".")
        if parts[0] == "var":
            return self.vars[parts[1]][0]
        if parts[0] == "data":
            addr, rest = ".".join(parts[:3]), parts[3:]
            val = self.data_values[addr]
        else:
            addr, rest = ".".join(parts[:2]), parts[2:]
            val = self.values(addr)
        for p in rest:
            m = re.match(r"^([A-Za-z0-9_-]+)(?:\[(\d+)\])?$", p)
            if val is UNKNOWN:
                return UNKNOWN
            val = val.get(m.group(1), UNKNOWN) if isinstance(val, dict) \
                else UNKNOWN
            if m.group(2) is not None and val is not UNKNOWN:
                val = val[int(m.group(2))] if val else UNKNOWN
        return val

    def eval(self, x):
        if isinstance(x, E):
            return self.ref_value(x.ref)
        if isinstance(x, T):
            out = ""
            for lit, ref in re.findall(r"([^$]*)(?:\$\{([^}]*)\})?", x.text):
                out += lit
                if ref:
                    v = self.ref_value(ref)
                    if v is UNKNOWN:
                        return UNKNOWN
                    out += str(v)
            return out
        if isinstance(x, Blk):
            return Blk({k: self.eval(v) for k, v in x.items()})
        if isinstance(x, list):
            return [self.eval(v) for v in x]
        return x

    def values(self, addr):
        if addr in self.cache:
            return self.cache[addr]
        mode, t, n, attrs = self.find(addr)
        if mode == "data":
            return self.data_values[addr]
        sch = SCHEMA.get(t, {"computed": ["id"], "defaults": {}})
        vals = {}
        for k, d in sch["defaults"].items():
            vals[k] = d
        for k in sch["computed"]:
            vals[k] = UNKNOWN
        for k, v in attrs.items():
            if isinstance(v, list) and v and all(isinstance(b, Blk) for b in v):
                blocks = []
                for b in v:
                    bv = dict(BLOCK_DEFAULTS.get((t, k), {}))
                    for ck in BLOCK_COMPUTED.get((t, k), []):
                        bv[ck] = UNKNOWN
                    bv.update(self.eval(b))
                    blocks.append(bv)
                vals[k] = blocks
            else:
                vals[k] = self.eval(v)
        self.cache[addr] = vals
        return vals

    # ---- rendering -----------------------------------------------------
    @staticmethod
    def planned(v):
        """values representation: unknown members omitted, null in lists"""
        if isinstance(v, dict):
            return {k: Plan.planned(x) for k, x in v.items()
                    if x is not UNKNOWN}
        if isinstance(v, list):
            return [None if x is UNKNOWN else Plan.planned(x) for x in v]
        return v

    @staticmethod
    def unknown_bool(v):
        if v is UNKNOWN:
            return True
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                b = Plan.unknown_bool(x)
                if b is not False:
                    out[k] = b
            return out
        if isinstance(v, list):
            return [Plan.unknown_bool(x) for x in v]
        return False

    def expr(self, x):
        if isinstance(x, Blk):
            return {k: self.expr(v) for k, v in x.items()}
        if isinstance(x, list) and x and all(isinstance(b, Blk) for b in x):
            return [self.expr(b) for b in x]
        refs = []

        def walk(y):
            if isinstance(y, E):
                refs.append(y.ref)
            elif isinstance(y, T):
                refs.extend(re.findall(r"\$\{([^}]*)\}", y.text))
            elif isinstance(y, list):
                for z in y:
                    walk(z)
        walk(x)
        if not refs:
            return {"constant_value": x}
        out = []
        for r in refs:
            parts = r.split(".")
            full = r
            out.append(full)
            if parts[0] == "data" and len(parts) > 3:
                out.append(".".join(parts[:3]))
            elif parts[0] not in ("var", "data") and len(parts) > 2:
                # "azurerm_firewall.x.ip_configuration[0].private_ip_address"
                # also lists "...ip_configuration[0]" and "...ip_configuration"
                tail = parts[2:]
                for i in range(len(tail) - 1, 0, -1):
                    out.append(".".join(parts[:2] + tail[:i]))
                m = re.match(r"^(.*)\[\d+\]$", tail[0])
                if m and len(tail) > 1:
                    out.append(".".join(parts[:2] + [m.group(1)]))
                out.append(".".join(parts[:2]))
        seen = []
        for r in out:
            if r not in seen:
                seen.append(r)
        return {"references": seen}

    def render(self):
        planned, changes, conf = [], [], []
        prior = []
        for mode, t, n, attrs, dep in self.items:
            provider = "registry.terraform.io/hashicorp/" + t.split("_")[0]
            if mode == "data":
                addr = "data.%s.%s" % (t, n)
                prior.append({"address": addr, "mode": "data", "type": t,
                              "name": n, "provider_name": provider,
                              "schema_version": 0,
                              "values": self.data_values[addr],
                              "sensitive_values": {}})
                c = {"address": addr, "mode": "data", "type": t, "name": n,
                     "provider_config_key": t.split("_")[0],
                     "expressions": {k: self.expr(v)
                                     for k, v in attrs.items()},
                     "schema_version": 0}
                conf.append(c)
                continue
            addr = "%s.%s" % (t, n)
            vals = self.values(addr)
            planned.append({"address": addr, "mode": "managed", "type": t,
                            "name": n, "provider_name": provider,
                            "schema_version": 0,
                            "values": self.planned(vals),
                            "sensitive_values": {}})
            changes.append({"address": addr, "mode": "managed", "type": t,
                            "name": n, "provider_name": provider,
                            "change": {"actions": ["create"], "before": None,
                                       "after": self.planned(vals),
                                       "after_unknown":
                                           self.unknown_bool(vals),
                                       "before_sensitive": False,
                                       "after_sensitive": {}}})
            c = {"address": addr, "mode": "managed", "type": t, "name": n,
                 "provider_config_key": t.split("_")[0],
                 "expressions": {k: self.expr(v) for k, v in attrs.items()},
                 "schema_version": 0}
            if dep:
                c["depends_on"] = dep
            conf.append(c)
        doc = {
            "format_version": "1.2",
            "terraform_version": "1.5.7",
            "variables": {k: {"value": v[0]} for k, v in self.vars.items()},
            "planned_values": {"root_module": {"resources": planned}},
            "resource_changes": changes,
            "prior_state": {
                "format_version": "1.0", "terraform_version": "1.5.7",
                "values": {"root_module": {"resources": prior}}},
            "configuration": {
                "provider_config": {
                    "azurerm": {
                        "name": "azurerm",
                        "full_name": "registry.terraform.io/hashicorp/azurerm",
                        "version_constraint": self.provider_version,
                        "expressions": {"features": [{}]}}},
                "root_module": {
                    "resources": conf,
                    "variables": {
                        k: dict({"default": v[0], "description": v[1]},
                                **({"sensitive": True} if v[2] else {}))
                        for k, v in self.vars.items()}}},
            "timestamp": "2026-11-23T15:00:00Z",
            "applyable": True, "complete": True, "errored": False,
        }
        return doc

    def write(self, path):
        with open(path, "w") as f:
            json.dump(self.render(), f, indent=2)
            f.write("\n")


def var(plan_vars, name, default, description, sensitive=False):
    plan_vars[name] = (default, description, sensitive)


if __name__ == "__main__":
    sys.exit("import this module from a design file")
