/* SPDX-License-Identifier: MIT */
/* cmd_keys.c - `preflight keys plan`: the datastores and workspaces that
 * use a storage account and the ordered key rotation runbook (KEY-1,
 * KEY-3; seed 000); `preflight keys verify`: a Shared Key signed request
 * per datastore holding an account key (KEY-2)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../probes/pf_key_probe.h"
#include "../core/pf_err.h"
#include "../core/pf_jw.h"
#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"
#include "../eval/pf_keys.h"
#include "../load/pf_load.h"
#include "../model/pf_tags.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight keys plan --account NAME PATH...\n"
  "                           [--format text|markdown|json]\n"
  "                           [--key key1|key2]\n"
  "       preflight keys verify PATH... [--keys FILE] [--ca-file FILE]\n"
  "                           [--blob-endpoint URL] [--timeout MS]\n"
  "                           [--format text|json]\n"
  "\n"
  "verify (KEY-2) signs one request per datastore that holds an account\n"
  "key and tells which keys still authenticate and which are stale after a\n"
  "rotation; keys come from $PREFLIGHT_KEY_<ACCOUNT> or --keys FILE, never\n"
  "from the command line, and are never printed ('keys verify --help').\n"
  "\n"
  "plan: before regenerating an access key of storage account NAME: every\n"
  "datastore of the configuration in PATH that uses the account\n"
  "(AzureBlob, AzureFile, ADLS Gen2: datastore, container or share,\n"
  "credential), whether a workspace uses it as its default storage, and\n"
  "the ordered runbook: regenerate the key, az ml workspace sync-keys,\n"
  "re-register every datastore that holds the key with overwrite.  The\n"
  "workspace and the datastores must be updated together.  Commands read\n"
  "the new key from $AZURE_STORAGE_KEY; no key is ever written out.\n"
  "\n"
  "options:\n"
  "  --account NAME  the storage account whose key is rotated (required)\n"
  "  --key K         the key to regenerate (default key1)\n"
  "  --format FMT    text or markdown (the same runbook), or json\n"
  PF_CLI_LOAD_USAGE
  "  -h, --help      show this help\n"
  "\n"
  "examples:\n"
  "  preflight keys plan --account stmlprodweu examples/contoso-westeurope\n"
  "  preflight keys plan --account stmlprodweu ./exported --format json\n";

#define ENV_KEY "AZURE_STORAGE_KEY"
#define STEP_MAX ((size_t)1 << 20)

struct step {
  const char *title;
  struct pf_strbuf body;      /* commands, shell syntax */
};

static const char *or_ph(const char *s, const char *ph)
{
  return s && *s ? s : ph;
}

static int is_type(const struct pf_datastore *d, const char *t)
{
  return d->ds_type && !strcasecmp(d->ds_type, t);
}

static int holds_key(const struct pf_datastore *d)
{
  return d->cred == PF_CRED_KEY || d->cred == PF_CRED_UNKNOWN;
}

static pf_status reregister(struct pf_strbuf *b, const struct pf_key_plan *p,
                            const struct pf_key_ds *k)
{
  const struct pf_datastore *d = k->ds;
  const char *ws = or_ph(k->workspace, "<workspace>");
  const char *rg = or_ph(k->resource_group, "<resource group>");
  const char *ctr = or_ph(d->container, "<container>");
  const char *nm = or_ph(d->hdr.name, "<datastore>");
  int file = is_type(d, "AzureFile");
  pf_status st;

  if (is_type(d, "AzureDataLakeGen2"))
    return pf_strbuf_addf(b, "# %s (ADLS Gen2): datastores of this type "
                          "take a service principal or an\n# identity, not "
                          "the account key: nothing to re-register\n", nm);
  st = pf_strbuf_addf(b, "# %s%s: %s %s '%s'\n", nm,
                      d->cred == PF_CRED_UNKNOWN
                          ? " (credential hidden by the export: re-register "
                            "if it holds the account key)"
                          : "",
                      file ? "AzureFile" : "AzureBlob",
                      file ? "share" : "container", ctr);
  if (st == PF_OK)
    st = pf_strbuf_addf(
        b,
        "cat > ds-%s.yml <<'EOF'\n"
        "$schema: https://azuremlschemas.azureedge.net/latest/%s.schema.json\n"
        "name: %s\n"
        "type: %s\n"
        "account_name: %s\n"
        "%s: %s\n"
        "EOF\n"
        "az ml datastore create --file ds-%s.yml -w %s -g %s \\\n"
        "  --set credentials.account_key=\"$" ENV_KEY "\"\n"
        "# azure-cli-ml (v1): az ml datastore %s -n %s -a %s %s %s "
        "-w %s -g %s \\\n"
        "#   --account-key \"$" ENV_KEY "\"\n",
        nm, file ? "azureFile" : "azureBlob", nm,
        file ? "azure_file" : "azure_blob", p->account,
        file ? "file_share_name" : "container_name", ctr, nm, ws, rg,
        file ? "attach-file" : "attach-blob", nm, p->account,
        file ? "--share-name" : "-c", ctr, ws, rg);
  return st;
}

/* The runbook, steps in order.  \return the number of steps, or 0 when
 * out of memory. */
static size_t runbook(const struct pf_key_plan *p, const char *key,
                      struct step st[6])
{
  const char *srg = or_ph(p->storage_rg, "<storage resource group>");
  size_t n = 0, i;
  pf_status s = PF_OK;
  int any = 0;

  st[n].title = "Regenerate the key and read the new one into an "
                "environment variable (never on a command line)";
  s = pf_strbuf_addf(&st[n].body,
                     "az storage account keys renew -g %s -n %s --key %s "
                     "--query '[].keyName' -o tsv\n"
                     "export " ENV_KEY "=\"$(az storage account keys list "
                     "-g %s -n %s \\\n"
                     "  --query \"[?keyName=='%s'].value\" -o tsv)\"\n",
                     srg, p->account, key, srg, p->account, key);
  n++;
  st[n].title = "Update the workspace: az ml workspace sync-keys (every "
                "workspace using the account as default storage)";
  for (i = 0; s == PF_OK && i < p->n_ws; i++) {
    if (!p->ws[i].default_storage)
      continue;
    any = 1;
    s = pf_strbuf_addf(&st[n].body,
                       "az ml workspace sync-keys -w %s -g %s\n",
                       or_ph(p->ws[i].name, "<workspace>"),
                       or_ph(p->ws[i].resource_group, "<resource group>"));
  }
  if (s == PF_OK && !any)
    s = pf_strbuf_adds(&st[n].body, "# no loaded workspace uses this "
                       "account as its default storage: nothing to sync\n");
  n++;
  st[n].title = "Re-register every datastore that holds the key, with "
                "overwrite (at the same time as step 2)";
  any = 0;
  for (i = 0; s == PF_OK && i < p->n_ds; i++) {
    if (!holds_key(p->ds[i].ds))
      continue;
    if (any)
      s = pf_strbuf_addc(&st[n].body, '\n');
    any = 1;
    if (s == PF_OK)
      s = reregister(&st[n].body, p, &p->ds[i]);
  }
  if (s == PF_OK && any)
    s = pf_strbuf_adds(&st[n].body,
                       "# or with the Python SDK (seed 000):\n"
                       "# Datastore.register_azure_blob_container("
                       "workspace=ws, datastore_name=..., container_name=...,"
                       "\n#     account_name=..., account_key=os.environ['"
                       ENV_KEY "'], overwrite=True)\n");
  if (s == PF_OK && !any)
    s = pf_strbuf_adds(&st[n].body, "# no loaded datastore holds the key of "
                       "this account: nothing to re-register\n");
  n++;
  if (p->n_sas) {
    st[n].title = "Datastores with a SAS token: a SAS signed with the "
                  "regenerated key stops working";
    for (i = 0; s == PF_OK && i < p->n_ds; i++) {
      const struct pf_datastore *d = p->ds[i].ds;
      if (d->cred != PF_CRED_SAS)
        continue;
      s = pf_strbuf_addf(&st[n].body,
                         "# %s: create a new SAS, then re-register it with "
                         "--set credentials.sas_token=\"$SAS_TOKEN\"\n",
                         or_ph(d->hdr.name, "<datastore>"));
    }
    n++;
  }
  st[n].title = "Check, then drop the key from the environment";
  for (i = 0; s == PF_OK && i < p->n_ws; i++)
    s = pf_strbuf_addf(&st[n].body, "az ml datastore list -w %s -g %s "
                       "-o table\n", or_ph(p->ws[i].name, "<workspace>"),
                       or_ph(p->ws[i].resource_group, "<resource group>"));
  if (s == PF_OK)
    s = pf_strbuf_addf(&st[n].body,
                       "# check that the new key authenticates before the "
                       "old one goes:\n"
                       "#   az storage container list --account-name %s "
                       "--account-key \"$" ENV_KEY "\" -o table\n"
                       "unset " ENV_KEY "\n"
                       "# rotate the other key later the same way "
                       "(--key %s)\n",
                       p->account, strcmp(key, "key1") ? "key1" : "key2");
  n++;
  for (i = 0; i < n; i++)
    if (!pf_strbuf_str(&st[i].body))
      s = PF_ENOMEM;
  return s == PF_OK ? n : 0;
}

static size_t other(const struct pf_key_plan *p)
{
  size_t i, n = 0;
  for (i = 0; i < p->n_ds; i++)
    n += p->ds[i].ds->cred != PF_CRED_KEY && p->ds[i].ds->cred != PF_CRED_SAS
         && p->ds[i].ds->cred != PF_CRED_UNKNOWN;
  return n;
}

static void write_md(struct pf_ctx *ctx, const struct pf_key_plan *p,
                     const struct step *st, size_t n)
{
  FILE *o = ctx->out;
  size_t i;
  fprintf(o, "# Key rotation plan: storage account %s\n\n", p->account);
  if (p->storage)
    fprintf(o, "Account `%s` (resource group %s)%s.\n\n", p->storage->hdr.id,
            or_ph(p->storage_rg, "?"),
            p->storage->shared_key_access == PF_TRI_FALSE
                ? "; shared key access is disabled: key datastores cannot "
                  "authenticate"
                : "");
  else
    fputs("The storage account itself is not among the inputs.\n\n", o);
  fprintf(o, "## Datastores using %s (KEY-1)\n\n", p->account);
  if (!p->n_ds) {
    fputs("No datastore of the configuration uses this account.\n\n", o);
  } else {
    fputs("| datastore | workspace | type | container or share | credential "
          "| default |\n|---|---|---|---|---|---|\n", o);
    for (i = 0; i < p->n_ds; i++) {
      const struct pf_datastore *d = p->ds[i].ds;
      fprintf(o, "| %s | %s | %s | %s | %s | %s |\n", or_ph(d->hdr.name, "?"),
              or_ph(p->ds[i].workspace, "?"), or_ph(d->ds_type, "?"),
              or_ph(d->container, "?"), pf_cred_name(d->cred),
              d->is_default ? "yes" : "no");
    }
    fputc('\n', o);
  }
  fputs("## Workspaces\n\n", o);
  if (!p->n_ws) {
    fputs("No workspace of the configuration uses this account.\n\n", o);
  } else {
    fputs("| workspace | resource group | default storage | datastores "
          "holding the key |\n|---|---|---|---:|\n", o);
    for (i = 0; i < p->n_ws; i++)
      fprintf(o, "| %s | %s | %s | %zu |\n", or_ph(p->ws[i].name, "?"),
              or_ph(p->ws[i].resource_group, "?"),
              p->ws[i].default_storage ? "yes" : "no", p->ws[i].n_key_ds);
    fputc('\n', o);
  }
  fputs("## Runbook (KEY-3)\n\n"
        "> **Update the workspace and the datastores together.** Updating "
        "one without\n> the other is not enough: jobs fail until both use "
        "the new key (seed 000).\n\n", o);
  for (i = 0; i < n; i++)
    fprintf(o, "%zu. %s\n\n   ```sh\n%s   ```\n\n", i + 1, st[i].title,
            pf_strbuf_str(&st[i].body));
  fprintf(o, "%zu datastore%s on the account: %zu with the account key, "
          "%zu with a SAS, %zu with a credential the export hides; source "
          "000_7b4221b7c0f83a55.txt\n", p->n_ds, p->n_ds == 1 ? "" : "s",
          p->n_key, p->n_sas, p->n_ds - p->n_key - p->n_sas - other(p));
}

/* Markdown code blocks inside a list item: indent every line by 3. */
static void indent_steps(struct step *st, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++) {
    const char *s = pf_strbuf_str(&st[i].body);
    struct pf_strbuf b;
    const char *p = s;
    pf_strbuf_init(&b, STEP_MAX * 2);
    while (*p) {
      const char *nl = strchr(p, '\n');
      size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
      pf_strbuf_adds(&b, "   ");
      pf_strbuf_addn(&b, p, l);
      p += l;
    }
    if (pf_strbuf_str(&b)) {
      pf_strbuf_release(&st[i].body);
      st[i].body = b;
    } else {
      pf_strbuf_release(&b);
    }
  }
}

static void write_json(struct pf_ctx *ctx, const struct pf_config *cfg,
                       const struct pf_key_plan *p, const struct step *st,
                       size_t n)
{
  struct pf_jw jw;
  size_t i;
  pf_jw_init(&jw, ctx->out, 1);
  pf_jw_obj(&jw);
  pf_cli_jw_tool(&jw);
  pf_jw_key(&jw, "inputs");
  pf_jw_arr(&jw);
  for (i = 0; i < cfg->n_inputs; i++)
    pf_jw_str(&jw, cfg->inputs[i].path);
  pf_jw_arr_end(&jw);
  pf_jw_kstr(&jw, "account", p->account);
  pf_jw_key(&jw, "storage");
  if (p->storage) {
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "id", p->storage->hdr.id);
    pf_jw_kstr(&jw, "resource_group", p->storage_rg);
    pf_jw_key(&jw, "shared_key_access");
    if (p->storage->shared_key_access == PF_TRI_UNSET)
      pf_jw_null(&jw);
    else
      pf_jw_bool(&jw, p->storage->shared_key_access == PF_TRI_TRUE);
    pf_jw_obj_end(&jw);
  } else {
    pf_jw_null(&jw);
  }
  pf_jw_key(&jw, "datastores");
  pf_jw_arr(&jw);
  for (i = 0; i < p->n_ds; i++) {
    const struct pf_datastore *d = p->ds[i].ds;
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "id", d->hdr.id);
    pf_jw_kstr(&jw, "name", d->hdr.name);
    pf_jw_kstr(&jw, "workspace", p->ds[i].workspace);
    pf_jw_kstr(&jw, "resource_group", p->ds[i].resource_group);
    pf_jw_kstr(&jw, "type", d->ds_type);
    pf_jw_kstr(&jw, "account", d->account_name);
    pf_jw_kstr(&jw, "container", d->container);
    pf_jw_kstr(&jw, "credential", pf_cred_name(d->cred));
    pf_jw_kbool(&jw, "is_default", d->is_default);
    pf_jw_kbool(&jw, "reregister", holds_key(d) &&
                                       !is_type(d, "AzureDataLakeGen2"));
    pf_jw_obj_end(&jw);
  }
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "workspaces");
  pf_jw_arr(&jw);
  for (i = 0; i < p->n_ws; i++) {
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "name", p->ws[i].name);
    pf_jw_kstr(&jw, "resource_group", p->ws[i].resource_group);
    pf_jw_kstr(&jw, "subscription", p->ws[i].subscription);
    pf_jw_kbool(&jw, "default_storage", p->ws[i].default_storage);
    pf_jw_kint(&jw, "datastores_with_key", (int64_t)p->ws[i].n_key_ds);
    pf_jw_obj_end(&jw);
  }
  pf_jw_arr_end(&jw);
  pf_jw_kstr(&jw, "note", "update the workspace (sync-keys) and every "
             "datastore holding the key together: one without the other "
             "fails until both use the new key");
  pf_jw_key(&jw, "runbook");
  pf_jw_arr(&jw);
  for (i = 0; i < n; i++) {
    pf_jw_obj(&jw);
    pf_jw_kint(&jw, "step", (int64_t)i + 1);
    pf_jw_kstr(&jw, "title", st[i].title);
    pf_jw_kstr(&jw, "commands", pf_strbuf_str(&st[i].body));
    pf_jw_obj_end(&jw);
  }
  pf_jw_arr_end(&jw);
  pf_jw_kstr(&jw, "source", "000_7b4221b7c0f83a55.txt#update-the-access-key");
  pf_jw_obj_end(&jw);
  pf_jw_end(&jw);
}

static int plan(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"account", required_argument, NULL, 'a'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"key", required_argument, NULL, 'k'},
    PF_CLI_LOAD_OPTIONS,
    {NULL, 0, NULL, 0}
  };
  const char *account = NULL, *key = "key1";
  int json = 0, c, rc;
  struct pf_config *cfg = NULL;
  struct pf_tagdb *db = NULL;
  struct pf_key_plan p;
  struct step st[6];
  size_t n = 0, i;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'a': account = optarg; break;
    case 'k': key = optarg; break;
    case 'f':
      if (!strcmp(optarg, "json"))
        json = 1;
      else if (strcmp(optarg, "text") && strcmp(optarg, "markdown"))
        return pf_cli_usage(ctx, "keys", "unknown format '%s' (expected "
                            "text, markdown or json)", optarg);
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case PF_CLI_OPT_PARAMETERS:
    case PF_CLI_OPT_SUBSCRIPTION:
    case PF_CLI_OPT_RESOURCE_GROUP:
    case PF_CLI_OPT_LOCATION:
      pf_cli_load_option(ctx, c, optarg);
      break;
    default:
      return pf_cli_usage(ctx, "keys", "unknown or incomplete option '%s'",
                          argv[optind - 1]);
    }
  }
  if (!account || !*account)
    return pf_cli_usage(ctx, "keys", "plan needs --account NAME");
  if (strcmp(key, "key1") && strcmp(key, "key2"))
    return pf_cli_usage(ctx, "keys", "--key must be key1 or key2");
  for (i = 0; account[i]; i++)
    if (!((account[i] >= 'a' && account[i] <= 'z') ||
          (account[i] >= '0' && account[i] <= '9')) || i >= 24)
      return pf_cli_usage(ctx, "keys", "--account: a storage account name "
                          "is 3-24 lower-case letters and digits");
  if (i < 3)
    return pf_cli_usage(ctx, "keys", "--account: a storage account name "
                        "is 3-24 lower-case letters and digits");
  if (optind >= argc)
    return pf_cli_usage(ctx, "keys", "no PATH given");
  for (i = 0; i < 6; i++)
    pf_strbuf_init(&st[i].body, STEP_MAX);
  memset(&p, 0, sizeof(p));
  if ((rc = pf_cli_load(ctx, argv + optind, (size_t)(argc - optind), NULL,
                        &cfg, &db)) != PF_EXIT_OK)
    goto done;
  for (i = 0; i < cfg->n_warnings; i++)
    pf_cli_warn(ctx, "%s", cfg->warnings[i]);
  if (pf_keys_plan(cfg, account, &p) != PF_OK ||
      !(n = runbook(&p, key, st))) {
    rc = pf_cli_error(ctx, "keys: out of memory");
    goto done;
  }
  if (json) {
    write_json(ctx, cfg, &p, st, n);
  } else {
    indent_steps(st, n);
    write_md(ctx, &p, st, n);
  }
  rc = PF_EXIT_OK;
done:
  for (i = 0; i < 6; i++)
    pf_strbuf_release(&st[i].body);
  pf_keys_plan_release(&p);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
  return rc;
}

/* ---- keys verify (KEY-2) ---- */

static const char verify_usage[] =
  "usage: preflight keys verify PATH... [--keys FILE] [--ca-file FILE]\n"
  "                             [--blob-endpoint URL] [--timeout MS]\n"
  "                             [--format text|json]\n"
  "\n"
  "For every AzureBlob datastore of the configuration in PATH that holds\n"
  "an account key (or whose credential the export hides, when a key for\n"
  "its account is given): GET <blob endpoint>/<container>?restype=\n"
  "container signed with Shared Key.  200 or 404 ContainerNotFound: the\n"
  "key authenticates (pass); 403 AuthenticationFailed: the key is stale\n"
  "(fail); 403 AuthorizationFailure: the storage firewall blocked this\n"
  "client (unknown); no answer: unreachable (unknown).\n"
  "\n"
  "The key of account NAME comes from $PREFLIGHT_KEY_<NAME> (upper case)\n"
  "or from --keys FILE, never from the command line; it is never printed.\n"
  "\n"
  "options:\n"
  "  --keys FILE          `az storage account keys list` JSON (key1 is\n"
  "                       used), or {\"<account>\": [...], ...}\n"
  "  --ca-file FILE       PEM CAs to trust instead of the system store\n"
  "  --blob-endpoint URL  https URL of the blob service (Azurite:\n"
  "                       https://127.0.0.1:PORT/<account>); default\n"
  "                       https://<account>.blob.core.windows.net\n"
  "  --timeout MS         per request (default 10000)\n"
  "  --format FMT         text or json\n"
  PF_CLI_LOAD_USAGE
  "  -h, --help           show this help\n"
  "\n"
  "Exit status: 1 when a key is rejected, 0 otherwise, 2 on usage or\n"
  "input errors (also: a datastore holds a key and none is given).\n"
  "\n"
  "examples:\n"
  "  PREFLIGHT_KEY_STMLPRODWEU=\"$(cat key.txt)\" preflight keys verify "
  "./exported\n"
  "  preflight keys verify ./exported --keys keys.json --timeout 5000\n";

#define vname pf_kp_status_name

static void verify_text(struct pf_ctx *ctx, const struct pf_kp_target *r, size_t n)
{
  size_t i, c[3] = {0, 0, 0};
  for (i = 0; i < n; i++) {
    const char *col = r[i].status == PF_KP_PASS   ? pf_c_green(ctx)
                      : r[i].status == PF_KP_FAIL ? pf_c_red(ctx)
                                              : pf_c_yellow(ctx);
    c[r[i].status]++;
    fprintf(ctx->out, "%s%-7s%s KEY-2 %s (%s/%s): %s\n", col,
            vname(r[i].status), pf_c_reset(ctx),
            or_ph(r[i].d->hdr.name, "?"), r[i].d->account_name,
            r[i].d->container ? r[i].d->container : "?", r[i].msg);
  }
  if (!n)
    fputs("no datastore holds an account key: nothing to verify\n",
          ctx->out);
  else
    fprintf(ctx->out, "%zu datastore%s verified: %zu pass, %zu fail, "
            "%zu unknown\n", n, n == 1 ? "" : "s", c[PF_KP_PASS], c[PF_KP_FAIL],
            c[PF_KP_UNKNOWN]);
}

static void verify_json(struct pf_ctx *ctx, const struct pf_config *cfg,
                        const struct pf_kp_target *r, size_t n)
{
  struct pf_jw jw;
  size_t i, c[3] = {0, 0, 0};
  pf_jw_init(&jw, ctx->out, 1);
  pf_jw_obj(&jw);
  pf_cli_jw_tool(&jw);
  pf_jw_key(&jw, "inputs");
  pf_jw_arr(&jw);
  for (i = 0; i < cfg->n_inputs; i++)
    pf_jw_str(&jw, cfg->inputs[i].path);
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "results");
  pf_jw_arr(&jw);
  for (i = 0; i < n; i++) {
    c[r[i].status]++;
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "rule", "KEY-2");
    pf_jw_kstr(&jw, "severity", "error");
    pf_jw_kstr(&jw, "status", vname(r[i].status));
    pf_jw_kstr(&jw, "resource", r[i].d->hdr.id);
    pf_jw_kstr(&jw, "resource_kind", "datastore");
    pf_jw_kstr(&jw, "resource_name", r[i].d->hdr.name);
    pf_jw_kstr(&jw, "title", "The account key of the datastore "
               "authenticates against the storage account");
    pf_jw_kstr(&jw, "message", r[i].msg);
    pf_jw_key(&jw, "evidence");
    pf_jw_obj(&jw);
    pf_jw_key(&jw, "checks");
    pf_jw_arr(&jw);
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "kind", "request");
    pf_jw_kstr(&jw, "method", "GET");
    pf_jw_kstr(&jw, "url", r[i].url);
    pf_jw_kstr(&jw, "account", r[i].d->account_name);
    pf_jw_kstr(&jw, "container", r[i].d->container);
    pf_jw_kstr(&jw, "credential", pf_cred_name(r[i].d->cred));
    pf_jw_key(&jw, "http_status");
    if (r[i].http)
      pf_jw_int(&jw, r[i].http);
    else
      pf_jw_null(&jw);
    pf_jw_kstr(&jw, "error_code", r[i].code[0] ? r[i].code : NULL);
    pf_jw_kstr(&jw, "result", vname(r[i].status));
    pf_jw_obj_end(&jw);
    pf_jw_arr_end(&jw);
    pf_jw_obj_end(&jw);
    pf_jw_key(&jw, "remediation");
    pf_jw_null(&jw);
    pf_jw_kstr(&jw, "source", "000_7b4221b7c0f83a55.txt#update-the-"
               "access-key");
    pf_jw_obj_end(&jw);
  }
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "summary");
  pf_jw_obj(&jw);
  pf_jw_key(&jw, "fail");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "error", (int64_t)c[PF_KP_FAIL]);
  pf_jw_kint(&jw, "warning", 0);
  pf_jw_kint(&jw, "info", 0);
  pf_jw_obj_end(&jw);
  pf_jw_kint(&jw, "pass", (int64_t)c[PF_KP_PASS]);
  pf_jw_kint(&jw, "unknown", (int64_t)c[PF_KP_UNKNOWN]);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_end(&jw);
}

static int verify(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"blob-endpoint", required_argument, NULL, 'b'},
    {"ca-file", required_argument, NULL, 'c'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {"keys", required_argument, NULL, 'k'},
    {"timeout", required_argument, NULL, 't'},
    PF_CLI_LOAD_OPTIONS,
    {NULL, 0, NULL, 0}
  };
  const char *keys_file = NULL, *ca_file = NULL, *base = NULL;
  long timeout_ms = 10000;
  int json = 0, c, rc, any_fail = 0;
  struct pf_config *cfg = NULL;
  struct pf_tagdb *db = NULL;
  struct pf_keysrc k;
  struct pf_kp_target *res = NULL;
  struct pf_kp_opts ko;
  struct pf_err err;
  size_t n = 0, i;
  char *end;

  pf_keysrc_init(&k);
  pf_err_clear(&err);
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'b': base = optarg; break;
    case 'c': ca_file = optarg; break;
    case 'k': keys_file = optarg; break;
    case 't':
      timeout_ms = strtol(optarg, &end, 10);
      if (end == optarg || *end || timeout_ms < 1 || timeout_ms > 600000)
        return pf_cli_usage(ctx, "keys", "--timeout: milliseconds, 1 to "
                            "600000");
      break;
    case 'f':
      if (!strcmp(optarg, "json"))
        json = 1;
      else if (strcmp(optarg, "text"))
        return pf_cli_usage(ctx, "keys", "unknown format '%s' (expected "
                            "text or json)", optarg);
      break;
    case 'h':
      fputs(verify_usage, ctx->out);
      return PF_EXIT_OK;
    case PF_CLI_OPT_PARAMETERS:
    case PF_CLI_OPT_SUBSCRIPTION:
    case PF_CLI_OPT_RESOURCE_GROUP:
    case PF_CLI_OPT_LOCATION:
      pf_cli_load_option(ctx, c, optarg);
      break;
    default:
      return pf_cli_usage(ctx, "keys", "unknown or incomplete option '%s'",
                          argv[optind - 1]);
    }
  }
  if (base && strncasecmp(base, "https://", 8))
    return pf_cli_usage(ctx, "keys", "--blob-endpoint must be an https "
                        "URL");
  if (optind >= argc)
    return pf_cli_usage(ctx, "keys", "no PATH given");
  if (keys_file && pf_keysrc_read(&k, keys_file, &err) != PF_OK) {
    rc = pf_cli_error(ctx, "keys: %s", err.msg);
    goto done;
  }
  if ((rc = pf_cli_load(ctx, argv + optind, (size_t)(argc - optind), NULL,
                        &cfg, &db)) != PF_EXIT_OK)
    goto done;
  for (i = 0; i < cfg->n_warnings; i++)
    pf_cli_warn(ctx, "%s", cfg->warnings[i]);
  /* the datastores to verify; a key datastore without a key is an error
   * found before anything is sent (the same targets and requests as
   * `probe`'s KEY-2: probes/pf_key_probe.c) */
  memset(&ko, 0, sizeof(ko));
  ko.base = base;
  ko.ca_file = ca_file;
  ko.timeout_ms = timeout_ms;
  if (pf_kp_select(cfg, &k, &ko, 1, &res, &n, &err) != PF_OK ||
      pf_kp_run(res, n, &k, &ko, &err) != PF_OK) {
    rc = pf_cli_error(ctx, "keys: %s", err.msg);
    goto done;
  }
  for (i = 0; i < n; i++)
    any_fail |= res[i].status == PF_KP_FAIL;
  if (json)
    verify_json(ctx, cfg, res, n);
  else
    verify_text(ctx, res, n);
  rc = any_fail ? PF_EXIT_FINDINGS : PF_EXIT_OK;
done:
  pf_kp_release(res, n);
  pf_keysrc_release(&k);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
  return rc;
}

int cmd_keys(int argc, char **argv, struct pf_ctx *ctx)
{
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    fputs(usage_text, ctx->out);
    return PF_EXIT_OK;
  }
  if (argc >= 2 && !strcmp(argv[1], "plan"))
    return plan(argc - 1, argv + 1, ctx);
  if (argc >= 2 && !strcmp(argv[1], "verify"))
    return verify(argc - 1, argv + 1, ctx);
  return pf_cli_usage(ctx, "keys", "expected 'keys plan --account NAME "
                      "PATH...' or 'keys verify PATH...'");
}
