/* SPDX-License-Identifier: MIT */
/* pf_cli.c - messages, formats and colours shared by the commands */
#include "pf_cli.h"

#include "../core/pf_jw.h"
#include "../core/pf_mem.h"
#include "../eval/pf_rules.h"
#include "../load/pf_fetch.h"
#include "../load/pf_load.h"
#include "../model/pf_model.h"
#include "../model/pf_tags.h"
#include "pf_version.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int pf_cli_error(struct pf_ctx *ctx, const char *fmt, ...)
{
  va_list ap;
  fprintf(ctx->err, "%s: ", ctx->prog);
  va_start(ap, fmt);
  vfprintf(ctx->err, fmt, ap);
  va_end(ap);
  fputc('\n', ctx->err);
  return PF_EXIT_ERROR;
}

int pf_cli_usage(struct pf_ctx *ctx, const char *cmd, const char *fmt, ...)
{
  va_list ap;
  fprintf(ctx->err, "%s %s: ", ctx->prog, cmd);
  va_start(ap, fmt);
  vfprintf(ctx->err, fmt, ap);
  va_end(ap);
  fprintf(ctx->err, " (see '%s %s --help')\n", ctx->prog, cmd);
  return PF_EXIT_ERROR;
}

void pf_cli_warn(struct pf_ctx *ctx, const char *fmt, ...)
{
  va_list ap;
  if (ctx->quiet)
    return;
  fprintf(ctx->err, "%s: warning: ", ctx->prog);
  va_start(ap, fmt);
  vfprintf(ctx->err, fmt, ap);
  va_end(ap);
  fputc('\n', ctx->err);
}

int pf_cli_fail(struct pf_ctx *ctx, pf_status st, const struct pf_err *err)
{
  if (err && pf_err_isset(err))
    return pf_cli_error(ctx, "%s", err->msg);
  return pf_cli_error(ctx, "%s", pf_strerror(st));
}

int pf_cli_format(struct pf_ctx *ctx, const char *cmd, const char *arg,
                  int allow_jsonl, enum pf_format *out)
{
  if (!strcmp(arg, "text"))
    *out = PF_FMT_TEXT;
  else if (!strcmp(arg, "json"))
    *out = PF_FMT_JSON;
  else if (allow_jsonl && !strcmp(arg, "jsonl"))
    *out = PF_FMT_JSONL;
  else
    return pf_cli_usage(ctx, cmd, "unknown format '%s' (expected text%s)",
                        arg, allow_jsonl ? ", json or jsonl" : " or json");
  return PF_EXIT_OK;
}

#define SGR(name, code)                                   \
  const char *name(const struct pf_ctx *ctx)              \
  {                                                       \
    return ctx->color ? "\033[" code "m" : "";            \
  }
SGR(pf_c_bold, "1")
SGR(pf_c_red, "31")
SGR(pf_c_yellow, "33")
SGR(pf_c_green, "32")
SGR(pf_c_dim, "2")
SGR(pf_c_reset, "0")
#undef SGR

const char *pf_cli_tags_path(const char *opt)
{
  const char *env;
  if (opt)
    return opt;
  env = getenv("PREFLIGHT_SERVICE_TAGS");
  return (env && *env) ? env : NULL;
}

const char *pf_cli_tags_from_inputs(struct pf_ctx *ctx,
                                    const struct pf_config *cfg)
{
  const char *found = NULL;
  size_t i;
  for (i = 0; i < cfg->n_inputs; i++) {
    if (!cfg->inputs[i].is_service_tags)
      continue;
    if (!found)
      found = cfg->inputs[i].path;
    else
      pf_cli_warn(ctx, "several service tag files among the inputs; using "
                  "%s (give --service-tags to choose)", found);
  }
  return found;
}

void pf_cli_warn_config(struct pf_ctx *ctx, const struct pf_config *cfg)
{
  size_t i;
  for (i = 0; i < cfg->n_warnings; i++)
    pf_cli_warn(ctx, "%s", cfg->warnings[i]);
}

void pf_cli_jw_tool(struct pf_jw *jw)
{
  pf_jw_key(jw, "tool");
  pf_jw_obj(jw);
  pf_jw_kstr(jw, "name", "preflight");
  pf_jw_kstr(jw, "version", PF_VERSION);
  pf_jw_obj_end(jw);
}

int pf_cli_load_option(struct pf_ctx *ctx, int c, const char *arg)
{
  switch (c) {
  case PF_CLI_OPT_PARAMETERS: ctx->load.parameters = arg; return 1;
  case PF_CLI_OPT_SUBSCRIPTION: ctx->load.subscription = arg; return 1;
  case PF_CLI_OPT_RESOURCE_GROUP: ctx->load.resource_group = arg; return 1;
  case PF_CLI_OPT_LOCATION: ctx->load.location = arg; return 1;
  default: return 0;
  }
}

int pf_cli_load(struct pf_ctx *ctx, char *const *paths, size_t n,
                const char *tags_opt, struct pf_config **cfg,
                struct pf_tagdb **db)
{
  const char *tags_path;
  struct pf_err err;
  pf_status st;

  *cfg = NULL;
  *db = NULL;
  pf_err_clear(&err);
  /* the deployment scope goes into every synthesised id
   * (docs/templates.md): a subscription name (az CLI takes one) or a
   * group with '/' would give ids of nothing, silently */
  if (ctx->load.subscription &&
      !pf_fetch_subscription_ok(ctx->load.subscription))
    return pf_cli_error(ctx, "--subscription: '%s' is not a subscription "
                        "id (a GUID such as "
                        "00000000-0000-0000-0000-000000000000; `az account "
                        "show --query id -o tsv` prints yours)",
                        ctx->load.subscription);
  if (ctx->load.resource_group &&
      (!*ctx->load.resource_group || strchr(ctx->load.resource_group, '/')))
    return pf_cli_error(ctx, "--resource-group: '%s' is not a resource "
                        "group name", ctx->load.resource_group);
  if (ctx->load.location &&
      (!*ctx->load.location || strchr(ctx->load.location, '/')))
    return pf_cli_error(ctx, "--location: '%s' is not a region name",
                        ctx->load.location);
  if (pf_config_create(cfg) != PF_OK)
    return pf_cli_error(ctx, "out of memory");
  st = pf_load_paths(*cfg, (const char *const *)paths, n, &ctx->load, &err);
  if (st != PF_OK)
    return pf_cli_fail(ctx, st, &err);
  tags_path = pf_cli_tags_path(tags_opt);
  if (!tags_path)
    tags_path = pf_cli_tags_from_inputs(ctx, *cfg);
  if (tags_path && (st = pf_tagdb_load_file(db, tags_path, &err)) != PF_OK)
    return pf_cli_fail(ctx, st, &err);
  return PF_EXIT_OK;
}

int pf_cli_rule_ids(struct pf_ctx *ctx, const char *cmd,
                    const struct pf_catalogue *cat, const char *text,
                    char **buf, const char ***ids, size_t *n)
{
  char *save = NULL, *tok;
  size_t cap = 0;
  *ids = NULL;
  *n = 0;
  if (!(*buf = pf_strdup(text)))
    return pf_cli_error(ctx, "out of memory");
  for (tok = strtok_r(*buf, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    size_t k;
    int known = 0;
    for (k = 0; k < pf_catalogue_count(cat); k++)
      known |= !strcasecmp(pf_catalogue_at(cat, k)->id, tok);
    if (!known)
      return pf_cli_usage(ctx, cmd, "no rule '%s' (see 'preflight rules "
                          "list')", tok);
    if (PF_GROW(*ids, cap, *n + 1))
      return pf_cli_error(ctx, "out of memory");
    (*ids)[(*n)++] = tok;
  }
  return PF_EXIT_OK;
}
