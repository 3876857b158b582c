/* SPDX-License-Identifier: MIT */
/* cmd_keys.c - `preflight keys plan`: the datastores and workspaces that
 * use a storage account and the ordered key rotation runbook (KEY-1,
 * KEY-3; seed 000)
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/pf_jw.h"
#include "../core/pf_mem.h"
#include "../core/pf_strbuf.h"
#include "../eval/pf_keys.h"
#include "../load/pf_load.h"
#include "../model/pf_tags.h"
#include "pf_cli.h"
#include "pf_version.h"

static const char usage_text[] =
  "usage: preflight keys plan --account NAME PATH...\n"
  "                           [--format text|markdown|json]\n"
  "                           [--key key1|key2]\n"
  "\n"
  "Before regenerating an access key of storage account NAME: every\n"
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
  pf_jw_key(&jw, "tool");
  pf_jw_obj(&jw);
  pf_jw_kstr(&jw, "name", "preflight");
  pf_jw_kstr(&jw, "version", PF_VERSION);
  pf_jw_obj_end(&jw);
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

int cmd_keys(int argc, char **argv, struct pf_ctx *ctx)
{
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    fputs(usage_text, ctx->out);
    return PF_EXIT_OK;
  }
  if (argc >= 2 && !strcmp(argv[1], "plan"))
    return plan(argc - 1, argv + 1, ctx);
  return pf_cli_usage(ctx, "keys", "expected 'keys plan --account NAME "
                      "PATH...'");
}
