/* SPDX-License-Identifier: MIT */
/* pf_cli.h - command context, exit codes and shared option handling
 *
 * One struct pf_ctx is passed to every command (no globals): the output
 * streams, whether colour is on, verbosity.  Exit codes are the documented
 * three (DESIGN.md "What it writes").
 */
#ifndef PF_CLI_H
#define PF_CLI_H

#include <stdio.h>

#include "../core/pf_err.h"
#include "../load/pf_load.h"

enum pf_exit {
  PF_EXIT_OK = 0,        /* clean */
  PF_EXIT_FINDINGS = 1,  /* findings at or above --fail-on */
  PF_EXIT_ERROR = 2      /* usage or input error */
};

enum pf_format { PF_FMT_TEXT = 0, PF_FMT_JSON, PF_FMT_JSONL };

struct pf_ctx {
  FILE *out;          /* primary output (stdout) */
  FILE *err;          /* diagnostics (stderr) */
  int color;          /* ANSI colour on out */
  int quiet;
  int verbose;
  const char *prog;   /* "preflight" */
  struct pf_load_opts load;   /* --parameters, --subscription, ... */
};

/*
 * Load options every command that loads configuration takes (ARM
 * templates, docs/templates.md): add PF_CLI_LOAD_OPTIONS to the option
 * table, call pf_cli_load_option in the getopt loop, and print
 * PF_CLI_LOAD_USAGE in the help.
 */
enum {
  PF_CLI_OPT_PARAMETERS = 0x1001,
  PF_CLI_OPT_SUBSCRIPTION,
  PF_CLI_OPT_RESOURCE_GROUP,
  PF_CLI_OPT_LOCATION
};
#define PF_CLI_LOAD_OPTIONS                                                  \
  {"parameters", required_argument, NULL, PF_CLI_OPT_PARAMETERS},            \
  {"subscription", required_argument, NULL, PF_CLI_OPT_SUBSCRIPTION},        \
  {"resource-group", required_argument, NULL, PF_CLI_OPT_RESOURCE_GROUP},    \
  {"location", required_argument, NULL, PF_CLI_OPT_LOCATION}
#define PF_CLI_LOAD_USAGE                                                    \
  "  --parameters FILE    ARM template parameters (default: the template's\n" \
  "                       <name>.parameters.json beside it)\n"               \
  "  --subscription ID, --resource-group NAME, --location REGION\n"          \
  "                       the deployment scope of ARM templates (default:\n" \
  "                       placeholders, with a warning)\n"
struct pf_jw;
/** Write the "tool": {"name", "version"} member every JSON document
 * of the commands opens with. */
void pf_cli_jw_tool(struct pf_jw *jw);

/** Store load option \p c (a PF_CLI_OPT_*); \return 1 if it was one. */
int pf_cli_load_option(struct pf_ctx *ctx, int c, const char *arg);

struct pf_cmd {
  const char *name;
  int (*run)(int argc, char **argv, struct pf_ctx *ctx);
  const char *summary;
};

/* commands, one per file (src/cli/cmd_<name>.c) */
int cmd_inventory(int argc, char **argv, struct pf_ctx *ctx);
int cmd_tags(int argc, char **argv, struct pf_ctx *ctx);
int cmd_explain(int argc, char **argv, struct pf_ctx *ctx);
int cmd_check(int argc, char **argv, struct pf_ctx *ctx);
int cmd_report(int argc, char **argv, struct pf_ctx *ctx);
int cmd_fix(int argc, char **argv, struct pf_ctx *ctx);
int cmd_rules(int argc, char **argv, struct pf_ctx *ctx);
int cmd_routes(int argc, char **argv, struct pf_ctx *ctx);
int cmd_lint(int argc, char **argv, struct pf_ctx *ctx);
int cmd_capture(int argc, char **argv, struct pf_ctx *ctx);
int cmd_secrets(int argc, char **argv, struct pf_ctx *ctx);
int cmd_keys(int argc, char **argv, struct pf_ctx *ctx);
int cmd_fetch(int argc, char **argv, struct pf_ctx *ctx);
int cmd_probe(int argc, char **argv, struct pf_ctx *ctx);

/** The command table, terminated by a NULL name. */
extern const struct pf_cmd pf_commands[];

struct pf_catalogue;
/**
 * Split "--rules ID,..." into rule ids known to \p cat.  \p *buf and
 * \p *ids are allocated (the caller frees both with pf_free); an unknown id
 * is a usage error of command \p cmd.  \return PF_EXIT_OK or
 * PF_EXIT_ERROR.
 */
int pf_cli_rule_ids(struct pf_ctx *ctx, const char *cmd,
                    const struct pf_catalogue *cat, const char *text,
                    char **buf, const char ***ids, size_t *n);

/** Print "preflight: <msg>" on ctx->err. \return PF_EXIT_ERROR. */
int pf_cli_error(struct pf_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Print a usage error with a pointer to --help. \return PF_EXIT_ERROR. */
int pf_cli_usage(struct pf_ctx *ctx, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Print "preflight: warning: <msg>" unless quiet. */
void pf_cli_warn(struct pf_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Report a failed status from the library: the error text if set. */
int pf_cli_fail(struct pf_ctx *ctx, pf_status st, const struct pf_err *err);

/** Parse "text|json[|jsonl]" (allowed set in \p allow_jsonl). */
int pf_cli_format(struct pf_ctx *ctx, const char *cmd, const char *arg,
                  int allow_jsonl, enum pf_format *out);

/** ANSI sequences, empty when colour is off. */
const char *pf_c_bold(const struct pf_ctx *ctx);
const char *pf_c_red(const struct pf_ctx *ctx);
const char *pf_c_yellow(const struct pf_ctx *ctx);
const char *pf_c_green(const struct pf_ctx *ctx);
const char *pf_c_dim(const struct pf_ctx *ctx);
const char *pf_c_reset(const struct pf_ctx *ctx);

/** Print the configuration's load warnings (placeholders of a template's
 * scope, values known only at deployment, files not loaded) on stderr,
 * as check does. */
void pf_cli_warn_config(struct pf_ctx *ctx, const struct pf_config *cfg);

/** Service tag file from --service-tags or $PREFLIGHT_SERVICE_TAGS. */
const char *pf_cli_tags_path(const char *opt);
struct pf_config;
struct pf_tagdb;
/**
 * Load the configuration from \p paths and the service tag file (from
 * \p tags_opt, $PREFLIGHT_SERVICE_TAGS, or a tag file among the inputs;
 * none is fine: \p *db stays NULL).  On failure the error is printed and
 * PF_EXIT_ERROR returned; whatever was created is in \p *cfg / \p *db for
 * the caller to destroy.
 */
int pf_cli_load(struct pf_ctx *ctx, char *const *paths, size_t n,
                const char *tags_opt, struct pf_config **cfg,
                struct pf_tagdb **db);
/**
 * Without --service-tags: the first service tag file found among the
 * loaded inputs (a warning names it when there are several), or NULL.
 */
const char *pf_cli_tags_from_inputs(struct pf_ctx *ctx,
                                    const struct pf_config *cfg);

/* ---- live fetch options, shared by fetch and check --live (cmd_fetch.c) */

#define PF_CLI_LIVE_GROUPS 64
/* getopt codes of the live options (above any short option) */
enum {
  PF_LIVE_SUB = 0x200, PF_LIVE_GROUP, PF_LIVE_TOKEN_FILE, PF_LIVE_MI,
  PF_LIVE_ENDPOINT, PF_LIVE_CA, PF_LIVE_TIMEOUT, PF_LIVE_PAGES,
  PF_LIVE_RETRIES, PF_LIVE_WAIT, PF_LIVE_NO_FOLLOW, PF_LIVE_MAX_REFS,
  PF_LIVE_LAST = PF_LIVE_MAX_REFS
};
/* The fetch options shared by `fetch` and `check --live` (the scope
 * options, --subscription and --resource-group, are each command's own:
 * `check` shares them with the template load options). */
#define PF_CLI_LIVE_OPTIONS                                                  \
  {"ca-file", required_argument, NULL, PF_LIVE_CA},                          \
  {"endpoint", required_argument, NULL, PF_LIVE_ENDPOINT},                   \
  {"managed-identity", no_argument, NULL, PF_LIVE_MI},                       \
  {"max-pages", required_argument, NULL, PF_LIVE_PAGES},                     \
  {"max-retries", required_argument, NULL, PF_LIVE_RETRIES},                 \
  {"max-refs", required_argument, NULL, PF_LIVE_MAX_REFS},                   \
  {"max-wait", required_argument, NULL, PF_LIVE_WAIT},                       \
  {"no-follow", no_argument, NULL, PF_LIVE_NO_FOLLOW},                       \
  {"timeout", required_argument, NULL, PF_LIVE_TIMEOUT},                     \
  {"token-file", required_argument, NULL, PF_LIVE_TOKEN_FILE}
struct pf_cli_live {
  const char *subscription;
  const char *groups[PF_CLI_LIVE_GROUPS];
  size_t n_groups;
  const char *token_file, *endpoint, *ca_file;
  int managed_identity;
  long timeout_ms;           /* 0: default */
  unsigned max_pages;        /* 0: default */
  int max_retries, max_wait_s;   /* -1: default */
  int no_follow;
  unsigned max_refs;         /* 0: default */
};
void pf_cli_live_init(struct pf_cli_live *l);
/** Take live option \p c (a PF_LIVE_* code) with \p arg. */
int pf_cli_live_opt(struct pf_ctx *ctx, const char *cmd,
                    struct pf_cli_live *l, int c, const char *arg);
/** \return non-zero when the --token-file just parsed was written in
 * full (not a getopt abbreviation such as "--token=..."). */
int pf_cli_live_token_file_spelled(char **argv, int optind_now);
/** Usage error for an unknown option, never echoing a value after '='. */
int pf_cli_live_bad_opt(struct pf_ctx *ctx, const char *cmd,
                        const char *arg);
/**
 * Fetch from Resource Manager into \p dir (token, endpoint, retries from
 * \p l); prints errors and a one-line summary.  \return an exit code.
 */
int pf_cli_live_fetch(struct pf_ctx *ctx, const char *cmd,
                      const struct pf_cli_live *l, const char *dir);

#endif
