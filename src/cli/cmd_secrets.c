/* SPDX-License-Identifier: MIT */
/* cmd_secrets.c - `preflight secrets scan`: secret values in training
 * scripts, notebooks, run configurations and job environment variables
 *
 * Results use the model of `check` (docs/check-json.md, docs/secrets.md);
 * no output ever holds a secret, only a redacted prefix.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../core/pf_jw.h"
#include "../eval/pf_secrets.h"
#include "pf_cli.h"

static const char usage_text[] =
  "usage: preflight secrets scan PATH... [--format text|json]\n"
  "                              [--fail-on error|warning|info|never]\n"
  "\n"
  "Find secret values in training scripts (.py), notebooks (.ipynb: code\n"
  "and outputs), run configurations and environment files (YAML, JSON,\n"
  ".env) and job environment variables (SCR-1, SEC-6): storage account\n"
  "keys, connection strings, SAS tokens, JWTs and bearer tokens, private\n"
  "keys, passwords assigned to secret-like names.  Also finds the value of\n"
  "get_secret printed or logged by the run (SCR-2).  Values are never\n"
  "printed: at most their first four characters.\n"
  "\n"
  "options:\n"
  "  --format FMT    text (default) or json (the result model of check)\n"
  "  --fail-on SEV   exit 1 when a finding is at or above SEV (default\n"
  "                  error; never: always exit 0)\n"
  "  -h, --help      show this help\n"
  "\n"
  "examples:\n"
  "  preflight secrets scan ./src ./jobs\n"
  "  preflight secrets scan train.py job.yml --format json --fail-on "
  "warning\n";

static int sev_rank(const char *s)
{
  if (!strcmp(s, "info")) return 0;
  if (!strcmp(s, "warning")) return 1;
  if (!strcmp(s, "error")) return 2;
  if (!strcmp(s, "never")) return 3;
  return -1;
}

/* Key Vault secret name (alphanumerics and dashes) and environment
 * variable name derived from the name the value was assigned to. */
static void names(const struct pf_secret *f, char kv[64], char env[64])
{
  const char *nm = f->name[0] && strcmp(f->kind, "printed-secret")
                       ? f->name : "";
  size_t i, k = 0, e = 0;
  for (i = 0; nm[i] && k < 62; i++) {
    char ch = nm[i];
    if (ch >= 'A' && ch <= 'Z')
      ch = (char)(ch - 'A' + 'a');
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
      kv[k++] = ch;
    else if (k && kv[k - 1] != '-')
      kv[k++] = '-';
  }
  while (k && kv[k - 1] == '-')
    k--;
  kv[k] = '\0';
  if (!k)
    snprintf(kv, 64, "%s", "my-secret");
  for (i = 0; kv[i] && e < 62; i++)
    env[e++] = kv[i] == '-' ? '_' : (char)(kv[i] - (kv[i] >= 'a' &&
                                                    kv[i] <= 'z' ? 32 : 0));
  env[e] = '\0';
}

static void message(const struct pf_secret *f, char *buf, size_t n)
{
  const char *what = pf_secret_kind_text(f->kind);
  if (!strcmp(f->rule, "SCR-2"))
    snprintf(buf, n, "the value returned by get_secret%s%s%s is printed or "
             "logged", strcmp(f->name, "get_secret") ? " (" : "",
             strcmp(f->name, "get_secret") ? f->name : "",
             strcmp(f->name, "get_secret") ? ")" : "");
  else if (!strcmp(f->rule, "SEC-6"))
    snprintf(buf, n, "%s %s in job environment variable%s%s", what,
             f->value, f->name[0] ? " " : "s", f->name);
  else
    snprintf(buf, n, "%s %s in plain text%s%s%s", what, f->value,
             f->name[0] ? " (assigned to " : "", f->name,
             f->name[0] ? ")" : "");
}

static void fix_az(const struct pf_secret *f, char *buf, size_t n)
{
  char kv[64], env[64];
  names(f, kv, env);
  if (!strcmp(f->rule, "SCR-2")) {
    snprintf(buf, n, "# do not print or log the value returned by "
             "Run.get_secret; use it directly\n# (nothing to change in "
             "Azure)");
    return;
  }
  snprintf(buf, n,
           "az keyvault secret set --vault-name <workspace key vault> "
           "-n %s --value \"$%s\"\n"
           "# then remove the value from the file and rotate it: it is in "
           "snapshots and history%s",
           kv, env,
           !strcmp(f->kind, "storage-account-key") ||
                   !strcmp(f->kind, "connection-string")
               ? "\n# storage keys: preflight keys plan --account <account> "
                 "PATH..."
               : "");
}

static void fix_python(const struct pf_secret *f, char *buf, size_t n)
{
  char kv[64], env[64], py[64];
  size_t i;
  names(f, kv, env);
  for (i = 0; kv[i]; i++)
    py[i] = kv[i] == '-' ? '_' : kv[i];
  py[i] = '\0';
  if (!strcmp(f->rule, "SCR-2")) {
    snprintf(buf, n, "from azureml.core import Run\n"
             "%s = Run.get_context().get_secret(name=\"<name>\")\n"
             "# use the value directly; never print(), logging.*() or "
             "run.log() it",
             strcmp(f->name, "get_secret") ? f->name : "secret_value");
    return;
  }
  snprintf(buf, n,
           "# locally: set the secret from an environment variable\n"
           "import os\n"
           "from azureml.core import Workspace\n"
           "ws = Workspace.from_config()\n"
           "keyvault = ws.get_default_keyvault()\n"
           "keyvault.set_secret(name=\"%s\", value=os.environ.get(\"%s\"))\n"
           "# in the submitted run\n"
           "from azureml.core import Run\n"
           "%s = Run.get_context().get_secret(name=\"%s\")",
           kv, env, py, kv);
}

static void write_json(struct pf_ctx *ctx, char **paths, size_t np,
                       const struct pf_secrets *s)
{
  struct pf_jw jw;
  size_t i, fail[3] = {0, 0, 0};
  char msg[512], fix[1024];

  pf_jw_init(&jw, ctx->out, 1);
  pf_jw_obj(&jw);
  pf_cli_jw_tool(&jw);
  pf_jw_kstr(&jw, "scan", "secrets");
  pf_jw_key(&jw, "inputs");
  pf_jw_arr(&jw);
  for (i = 0; i < np; i++)
    pf_jw_str(&jw, paths[i]);
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "results");
  pf_jw_arr(&jw);
  for (i = 0; i < s->n; i++) {
    const struct pf_secret *f = &s->f[i];
    fail[f->severity]++;
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "rule", f->rule);
    pf_jw_kstr(&jw, "severity", pf_sev_name(f->severity));
    pf_jw_kstr(&jw, "status", "fail");
    pf_jw_kstr(&jw, "resource", f->file);
    pf_jw_kstr(&jw, "resource_kind", "file");
    pf_jw_kstr(&jw, "resource_name", f->file);
    pf_jw_kstr(&jw, "title", pf_secret_rule_title(f->rule));
    message(f, msg, sizeof(msg));
    pf_jw_kstr(&jw, "message", msg);
    pf_jw_key(&jw, "evidence");
    pf_jw_obj(&jw);
    pf_jw_key(&jw, "checks");
    pf_jw_arr(&jw);
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "kind", "secret");
    pf_jw_kstr(&jw, "secret", f->kind);
    pf_jw_kstr(&jw, "file", f->file);
    pf_jw_kint(&jw, "line", (int64_t)f->line);
    pf_jw_kint(&jw, "column", (int64_t)f->col);
    pf_jw_kstr(&jw, "value", f->value[0] ? f->value : NULL);
    pf_jw_kstr(&jw, "name", f->name[0] ? f->name : NULL);
    pf_jw_obj_end(&jw);
    pf_jw_arr_end(&jw);
    pf_jw_obj_end(&jw);
    pf_jw_key(&jw, "remediation");
    pf_jw_obj(&jw);
    fix_az(f, fix, sizeof(fix));
    pf_jw_kstr(&jw, "az", fix);
    fix_python(f, fix, sizeof(fix));
    pf_jw_kstr(&jw, "python", fix);
    pf_jw_obj_end(&jw);
    pf_jw_kstr(&jw, "source", pf_secret_rule_source(f->rule));
    pf_jw_key(&jw, "location");
    pf_jw_obj(&jw);
    pf_jw_kstr(&jw, "file", f->file);
    pf_jw_kint(&jw, "line", (int64_t)f->line);
    pf_jw_kint(&jw, "column", (int64_t)f->col);
    pf_jw_obj_end(&jw);
    pf_jw_obj_end(&jw);
  }
  pf_jw_arr_end(&jw);
  pf_jw_key(&jw, "summary");
  pf_jw_obj(&jw);
  pf_jw_key(&jw, "fail");
  pf_jw_obj(&jw);
  pf_jw_kint(&jw, "error", (int64_t)fail[PF_SEV_ERROR]);
  pf_jw_kint(&jw, "warning", (int64_t)fail[PF_SEV_WARNING]);
  pf_jw_kint(&jw, "info", (int64_t)fail[PF_SEV_INFO]);
  pf_jw_obj_end(&jw);
  pf_jw_kint(&jw, "files", (int64_t)s->files);
  pf_jw_kint(&jw, "skipped", (int64_t)s->skipped);
  pf_jw_obj_end(&jw);
  pf_jw_obj_end(&jw);
  pf_jw_end(&jw);
}

static void write_text(struct pf_ctx *ctx, const struct pf_secrets *s)
{
  FILE *o = ctx->out;
  size_t i, fail[3] = {0, 0, 0};
  const char *cur = NULL;
  char msg[512];

  for (i = 0; i < s->n; i++) {
    const struct pf_secret *f = &s->f[i];
    fail[f->severity]++;
    if (!cur || strcmp(cur, f->file)) {
      cur = f->file;
      fprintf(o, "%s%sfile %s%s\n", i ? "\n" : "", pf_c_bold(ctx), cur,
              pf_c_reset(ctx));
    }
    message(f, msg, sizeof(msg));
    fprintf(o, "  %sFAIL%s    %-6s %-7s %lu:%lu %s\n",
            f->severity == PF_SEV_ERROR ? pf_c_red(ctx) : pf_c_yellow(ctx),
            pf_c_reset(ctx), f->rule, pf_sev_name(f->severity), f->line,
            f->col, msg);
    if (!strcmp(f->rule, "SCR-2"))
      fputs("                         fix: use the value of get_secret "
            "directly; never print or log it\n", o);
    else
      fputs("                         fix: Keyvault.set_secret from an "
            "environment variable, Run.get_secret\n", o);
  }
  fprintf(o, "%s%s%zu failed%s (%zu error, %zu warning, %zu info); %zu "
          "file%s scanned",
          s->n ? "\n" : "",
          s->n ? pf_c_red(ctx) : pf_c_green(ctx), s->n, pf_c_reset(ctx),
          fail[PF_SEV_ERROR], fail[PF_SEV_WARNING], fail[PF_SEV_INFO],
          s->files, s->files == 1 ? "" : "s");
  if (s->skipped)
    fprintf(o, ", %zu skipped", s->skipped);
  fputc('\n', o);
}

int cmd_secrets(int argc, char **argv, struct pf_ctx *ctx)
{
  static const struct option opts[] = {
    {"fail-on", required_argument, NULL, 'x'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}
  };
  const char *fail_on = "error";
  enum pf_format fmt = PF_FMT_TEXT;
  struct pf_secrets s;
  struct pf_err err;
  int c, i, rc = PF_EXIT_OK, threshold;
  size_t k;
  pf_status st;

  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    fputs(usage_text, ctx->out);
    return PF_EXIT_OK;
  }
  if (argc < 2 || strcmp(argv[1], "scan"))
    return pf_cli_usage(ctx, "secrets", "expected 'secrets scan PATH...'");
  argc--;
  argv++;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'x': fail_on = optarg; break;
    case 'f':
      if (pf_cli_format(ctx, "secrets", optarg, 0, &fmt))
        return PF_EXIT_ERROR;
      break;
    case 'h':
      fputs(usage_text, ctx->out);
      return PF_EXIT_OK;
    default:
      return pf_cli_usage(ctx, "secrets", "unknown or incomplete option "
                          "'%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc)
    return pf_cli_usage(ctx, "secrets", "no PATH given");
  threshold = sev_rank(fail_on);
  if (threshold < 0)
    return pf_cli_usage(ctx, "secrets", "unknown --fail-on '%s' (error, "
                        "warning, info or never)", fail_on);
  pf_secrets_init(&s);
  pf_err_clear(&err);
  for (i = optind; i < argc; i++) {
    if ((st = pf_secrets_scan_path(&s, argv[i], &err)) != PF_OK) {
      rc = pf_cli_fail(ctx, st, &err);
      goto done;
    }
  }
  for (k = 0; k < s.n_warnings; k++)
    pf_cli_warn(ctx, "%s", s.warnings[k]);
  pf_secrets_sort(&s);
  if (fmt == PF_FMT_JSON)
    write_json(ctx, argv + optind, (size_t)(argc - optind), &s);
  else
    write_text(ctx, &s);
  for (k = 0; k < s.n; k++)
    if ((int)s.f[k].severity >= threshold)
      rc = PF_EXIT_FINDINGS;
done:
  pf_secrets_release(&s);
  return rc;
}
