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
};

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

#endif
