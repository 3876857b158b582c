/* SPDX-License-Identifier: MIT */
/* cmd_fetch.c - `preflight fetch`: the resources `check` needs, read from
 * Azure Resource Manager into a directory (docs/fetch.md); the same for
 * `check --live` (pf_cli_live_fetch)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../load/pf_armrest.h"
#include "../load/pf_fetch.h"
#include "../load/pf_http.h"
#include "../load/pf_token.h"
#include "pf_cli.h"
#include "pf_version.h"

static const char usage_text[] =
  "usage: preflight fetch --subscription ID [--resource-group RG]...\n"
  "                       -o DIR [--token-file FILE | --managed-identity]\n"
  "                       [--endpoint URL] [--ca-file FILE] [--timeout MS]\n"
  "                       [--max-pages N] [--max-retries N] [--max-wait S]\n"
  "                       [--no-follow | --max-refs N]\n"
  "\n"
  "Read what 'check' needs from Azure Resource Manager (read-only GETs:\n"
  "workspaces with their computes and datastores, virtual networks with\n"
  "subnets, NSGs, NICs, route tables, application security groups,\n"
  "private endpoints, storage accounts, key vaults, container registries,\n"
  "role assignments, locks, and the Databricks workspaces, VMs and AKS\n"
  "clusters computes attach) into DIR, one file per list in the shape the\n"
  "loaders read, plus manifest.json.  Networks, NSGs, route tables,\n"
  "private endpoints, storage accounts, key vaults and registries that\n"
  "these reference in other groups or subscriptions are read by id\n"
  "(referenced.json).  Then: preflight check DIR.\n"
  "The identity needs the Reader role on the subscription or the groups.\n"
  "\n"
  "The bearer token comes from --token-file FILE (the JSON output of 'az\n"
  "account get-access-token'), --managed-identity (the node's IMDS\n"
  "endpoint; $" PF_TOKEN_IMDS_ENV " replaces its URL, $AZURE_CLIENT_ID\n"
  "picks a user-assigned identity), or $" PF_TOKEN_ENV ".  It is never\n"
  "taken from the command line and never printed.\n"
  "\n"
  "options:\n"
  "  --subscription ID     the subscription (default $AZURE_SUBSCRIPTION_ID)\n"
  "  -g, --resource-group RG  only this resource group (repeatable);\n"
  "                        default: the whole subscription\n"
  "  -o, --output DIR      where to write (created when missing)\n"
  "  --token-file FILE     token file from 'az account get-access-token'\n"
  "  --managed-identity    ask the node's managed identity endpoint\n"
  "  --endpoint URL        Resource Manager (default " PF_ARMREST_ENDPOINT ";\n"
  "                        sovereign clouds, tests)\n"
  "  --ca-file FILE        trust these CAs instead of the system store\n"
  "                        (verification is always on)\n"
  "  --timeout MS          per request (default 60000)\n"
  "  --max-pages N         nextLink pages per list (default 1000)\n"
  "  --max-retries N       retries of a throttled (429) or failed (5xx)\n"
  "                        request (default 4)\n"
  "  --max-wait S          longest single wait (Retry-After, backoff;\n"
  "                        default 60)\n"
  "  --no-follow           do not read referenced resources outside the\n"
  "                        lists (they stay unresolved: unknown in check)\n"
  "  --max-refs N          referenced resources read at most (default 500)\n"
  "  -h, --help            show this help\n"
  "\n"
  "examples:\n"
  "  az account get-access-token > token.json\n"
  "  preflight fetch --subscription $SUB -g rg-ml --token-file token.json "
  "-o ./live\n"
  "  preflight check ./live\n"
  "  preflight check --live --subscription $SUB -g rg-ml --token-file "
  "token.json\n";

static void log_line(void *arg, const char *line)
{
  struct pf_ctx *ctx = arg;
  fprintf(ctx->err, "%s: %s\n", ctx->prog, line);
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
  char *end;
  unsigned long v;
  if (!s || !*s || *s == '-')
    return -1;
  v = strtoul(s, &end, 10);
  if (*end || v > max)
    return -1;
  *out = v;
  return 0;
}

int pf_cli_live_token_file_spelled(char **argv, int optind_now)
{
  /* getopt_long takes "--token=X" as an abbreviation of --token-file; a
   * value there may be a token pasted by mistake, which must not end up
   * in a "no such file" message */
  const char *a = optind_now >= 1 ? argv[optind_now - 1] : "";
  const char *b = optind_now >= 2 ? argv[optind_now - 2] : "";
  return !strncmp(a, "--token-file=", 13) || !strcmp(b, "--token-file");
}

int pf_cli_live_opt(struct pf_ctx *ctx, const char *cmd,
                    struct pf_cli_live *l, int c, const char *arg)
{
  unsigned long v;
  switch (c) {
  case PF_LIVE_SUB: l->subscription = arg; break;
  case PF_LIVE_GROUP:
    if (l->n_groups >= PF_CLI_LIVE_GROUPS)
      return pf_cli_usage(ctx, cmd, "more than %d --resource-group",
                          PF_CLI_LIVE_GROUPS);
    l->groups[l->n_groups++] = arg;
    break;
  case PF_LIVE_TOKEN_FILE: l->token_file = arg; break;
  case PF_LIVE_MI: l->managed_identity = 1; break;
  case PF_LIVE_ENDPOINT: l->endpoint = arg; break;
  case PF_LIVE_CA: l->ca_file = arg; break;
  case PF_LIVE_TIMEOUT:
    if (parse_num(arg, 3600000, &v) || v == 0)
      return pf_cli_usage(ctx, cmd, "--timeout: expected milliseconds "
                          "(1-3600000), not '%s'", arg);
    l->timeout_ms = (long)v;
    break;
  case PF_LIVE_PAGES:
    if (parse_num(arg, 100000, &v) || v == 0)
      return pf_cli_usage(ctx, cmd, "--max-pages: expected 1-100000, not "
                          "'%s'", arg);
    l->max_pages = (unsigned)v;
    break;
  case PF_LIVE_RETRIES:
    if (parse_num(arg, 20, &v))
      return pf_cli_usage(ctx, cmd, "--max-retries: expected 0-20, not "
                          "'%s'", arg);
    l->max_retries = (int)v;
    break;
  case PF_LIVE_WAIT:
    if (parse_num(arg, 3600, &v))
      return pf_cli_usage(ctx, cmd, "--max-wait: expected seconds 0-3600, "
                          "not '%s'", arg);
    l->max_wait_s = (int)v;
    break;
  case PF_LIVE_NO_FOLLOW: l->no_follow = 1; break;
  case PF_LIVE_MAX_REFS:
    if (parse_num(arg, 100000, &v) || v == 0)
      return pf_cli_usage(ctx, cmd, "--max-refs: expected 1-100000, not "
                          "'%s'", arg);
    l->max_refs = (unsigned)v;
    break;
  default:
    return pf_cli_usage(ctx, cmd, "unknown option");
  }
  return PF_EXIT_OK;
}

int pf_cli_live_bad_opt(struct pf_ctx *ctx, const char *cmd,
                        const char *arg)
{
  /* only the option name: "--token=<value>" must not echo the value */
  const char *eq = strchr(arg, '=');
  int n = eq ? (int)(eq - arg) : (int)strlen(arg);
  if (n > 64)
    n = 64;
  return pf_cli_usage(ctx, cmd, "unknown or incomplete option '%.*s'", n,
                      arg);
}

void pf_cli_live_init(struct pf_cli_live *l)
{
  memset(l, 0, sizeof(*l));
  l->max_retries = -1;
  l->max_wait_s = -1;
}

/* The token from the one source asked for (docs/fetch.md "Tokens"). */
static int get_token(struct pf_ctx *ctx, const struct pf_cli_live *l,
                     long timeout_ms, struct pf_token *tok)
{
  struct pf_err err;
  const char *env = getenv(PF_TOKEN_ENV);
  pf_status st;

  pf_err_clear(&err);
  if (l->token_file && l->managed_identity)
    return pf_cli_error(ctx, "give --token-file or --managed-identity, "
                        "not both");
  if (l->token_file)
    st = pf_token_from_file(l->token_file, time(NULL), tok, &err);
  else if (l->managed_identity)
    st = pf_token_from_imds(getenv(PF_TOKEN_IMDS_ENV),
                            getenv("AZURE_CLIENT_ID"), timeout_ms,
                            time(NULL), tok, &err);
  else if (env)
    st = pf_token_from_value(env, "$" PF_TOKEN_ENV, tok, &err);
  else
    return pf_cli_error(ctx, "no access token: set $%s (az account "
                        "get-access-token --query accessToken -o tsv), give "
                        "--token-file FILE (az account get-access-token > "
                        "FILE) or, on an Azure node, --managed-identity",
                        PF_TOKEN_ENV);
  if (st != PF_OK)
    return pf_cli_fail(ctx, st, &err);
  return PF_EXIT_OK;
}

int pf_cli_live_fetch(struct pf_ctx *ctx, const char *cmd,
                      const struct pf_cli_live *l, const char *dir)
{
  struct pf_armrest arm;
  struct pf_fetch_opts fo;
  struct pf_fetch_stats stats;
  struct pf_token tok;
  struct pf_err err;
  char ep[2048];
  const char *sub = l->subscription ? l->subscription
                                    : getenv("AZURE_SUBSCRIPTION_ID");
  int rc;
  pf_status st;

  if (!sub || !*sub)
    return pf_cli_usage(ctx, cmd, "no --subscription (or "
                        "$AZURE_SUBSCRIPTION_ID) given");
  if (!pf_fetch_subscription_ok(sub))
    return pf_cli_usage(ctx, cmd, "--subscription: '%s' is not a "
                        "subscription id (a GUID)", sub);
  pf_armrest_init(&arm);
  if (l->endpoint) {
    size_t n = strlen(l->endpoint);
    if (n >= sizeof(ep) || strncmp(l->endpoint, "https://", 8))
      return pf_cli_usage(ctx, cmd, "--endpoint: '%s' is not an https:// "
                          "URL", l->endpoint);
    memcpy(ep, l->endpoint, n + 1);
    while (n > 8 && ep[n - 1] == '/')
      ep[--n] = '\0';
    arm.endpoint = ep;
  }
  if (l->timeout_ms)
    arm.timeout_ms = l->timeout_ms;
  if (l->max_retries >= 0)
    arm.max_retries = (unsigned)l->max_retries;
  if (l->max_wait_s >= 0)
    arm.max_wait_s = (unsigned)l->max_wait_s;
  arm.ca_file = l->ca_file;
  if (ctx->verbose) {
    arm.log = log_line;
    arm.log_arg = ctx;
  }
  if (pf_http_global_init() != PF_OK)
    return pf_cli_error(ctx, "%s: cannot initialise libcurl", cmd);
  memset(&tok, 0, sizeof(tok));
  if ((rc = get_token(ctx, l, arm.timeout_ms, &tok)) != PF_EXIT_OK) {
    pf_http_global_cleanup();
    return rc;
  }
  arm.token = tok.value;
  memset(&fo, 0, sizeof(fo));
  fo.subscription = sub;
  fo.groups = l->groups;
  fo.n_groups = l->n_groups;
  fo.max_pages = l->max_pages;
  fo.no_follow = l->no_follow;
  fo.max_refs = l->max_refs;
  fo.tool_version = PF_VERSION;
  pf_err_clear(&err);
  st = pf_fetch_run(&arm, &fo, dir, &stats, &err);
  pf_token_release(&tok);
  pf_http_global_cleanup();
  if (st != PF_OK)
    return pf_cli_fail(ctx, st, &err);
  if (stats.unreadable_lock_scopes)
    pf_cli_warn(ctx, "the locks of %zu scope%s outside the fetched ones "
                "could not be read (listed in %s/manifest.json): a lock "
                "there is missed by CMP-3", stats.unreadable_lock_scopes,
                stats.unreadable_lock_scopes == 1 ? "" : "s", dir);
  if (!ctx->quiet)
    fprintf(ctx->err, "%s: fetched %zu resources in %zu files into %s "
            "(%zu requests, %zu pages, %zu retries, %zu throttled)\n",
            ctx->prog, stats.resources, stats.files, dir, arm.requests,
            stats.pages, arm.retries, arm.throttled);
  return PF_EXIT_OK;
}

int cmd_fetch(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"resource-group", required_argument, NULL, PF_LIVE_GROUP},
    {"subscription", required_argument, NULL, PF_LIVE_SUB},
    PF_CLI_LIVE_OPTIONS,
    {NULL, 0, NULL, 0}
  };
  struct pf_cli_live l;
  const char *dir = NULL;
  int c, rc;

  pf_cli_live_init(&l);
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "hg:o:", opts, NULL)) != -1) {
    switch (c) {
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    case 'o': dir = optarg; break;
    case 'g': c = PF_LIVE_GROUP; /* fall through */
    default:
      if (c < PF_LIVE_SUB || c > PF_LIVE_LAST)
        return pf_cli_live_bad_opt(ctx, "fetch", argv[optind - 1]);
      if (c == PF_LIVE_TOKEN_FILE &&
          !pf_cli_live_token_file_spelled(argv, optind))
        return pf_cli_usage(ctx, "fetch", "write --token-file in full");
      if ((rc = pf_cli_live_opt(ctx, "fetch", &l, c, optarg)) !=
          PF_EXIT_OK)
        return rc;
    }
  }
  if (optind < argc)
    /* not echoed: it could be a token pasted by mistake */
    return pf_cli_usage(ctx, "fetch", "unexpected argument %d (fetch takes "
                        "no PATH; a token is never taken from the command "
                        "line)", optind);
  if (!dir || !*dir)
    return pf_cli_usage(ctx, "fetch", "no output directory (-o DIR)");
  return pf_cli_live_fetch(ctx, "fetch", &l, dir);
}
