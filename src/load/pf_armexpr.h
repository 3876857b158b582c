/* SPDX-License-Identifier: MIT */
/* pf_armexpr.h - the ARM template expression language ("[concat(...)]")
 *
 * Evaluates one template string against a host that answers the
 * context-dependent functions (parameters(), variables(), copyIndex(),
 * reference() and the deployment scope).  Values are cJSON trees owned by
 * the caller.  What cannot be evaluated before deployment (listKeys(),
 * newGuid(), reference() of a runtime value, a function this evaluator
 * does not implement) is *unknown*: the object {"$unknown": "<text>"}
 * quoting the expression, never a guessed value (docs/templates.md).
 *
 * Errors (syntax, wrong argument types, unknown function names, limits)
 * fill msg with "<function>(): what is wrong" and return PF_EINVAL; the
 * caller prefixes the file and JSON path and quotes the expression.
 */
#ifndef PF_ARMEXPR_H
#define PF_ARMEXPR_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../core/pf_status.h"

/* Azure Resource Manager limits ("Template limits", ARM best practices)
 * that bound what one template may make us compute. */
#define PF_ARMX_MAX_EXPR 24576       /* characters in one expression */
#define PF_ARMX_MAX_RANGE 10000      /* range() count */
#define PF_ARMX_MAX_STRING (1u << 20) /* bytes in one computed string */
#define PF_ARMX_MAX_DEPTH 64         /* nested calls in one expression */

/* The deployment scope the scope functions answer (placeholders when the
 * user gave none: pf_arm.c). */
struct pf_armx_scope {
  const char *subscription;   /* subscription().subscriptionId */
  const char *tenant;         /* subscription().tenantId */
  const char *rg_name;        /* resourceGroup().name */
  const char *rg_location;    /* resourceGroup().location */
  int *location_used;         /* incremented when resourceGroup() is read */
};

struct pf_armx;

/* Context callbacks.  Each returns PF_OK with a new tree in *out (the
 * caller owns it), or an error with the message set by pf_armx_fail. */
struct pf_armx_host {
  void *arg;
  pf_status (*parameter)(void *arg, struct pf_armx *x, const char *name,
                         cJSON **out);
  pf_status (*variable)(void *arg, struct pf_armx *x, const char *name,
                        cJSON **out);
  /* loop NULL: the innermost loop; sets *out to the index */
  pf_status (*copy_index)(void *arg, struct pf_armx *x, const char *loop,
                          int64_t *out);
  /* reference(target[, apiVersion][, 'Full']): an object, or unknown */
  pf_status (*reference)(void *arg, struct pf_armx *x, const char *target,
                         int full, cJSON **out);
  void (*scope)(void *arg, struct pf_armx_scope *out);
};

/* One evaluation; fields are private to pf_armexpr.c except msg. */
struct pf_armx {
  const struct pf_armx_host *host;
  const char *src;     /* the whole template string, '[' ... ']' */
  size_t len, pos;
  int skip;            /* >0: parse only (the branch if() does not take) */
  int depth;
  long *budget;        /* shared work bound, decremented per step */
  char msg[512];
};

/** Is \p s a template expression ("[...]", not "[[...")? */
int pf_armx_is_expr(const char *s);

/**
 * Evaluate the template string \p s: expressions are evaluated, "[[..."
 * loses its first bracket, other strings are copied.  An unknown result is
 * {"$unknown": "<s>"} (with its cause when it came from elsewhere).
 * \p budget bounds the work (steps) across calls.
 */
pf_status pf_armx_eval(const struct pf_armx_host *host, long *budget,
                       const char *s, cJSON **out, char *msg, size_t msgsz);

/** Record an error message for the current evaluation; \return PF_EINVAL. */
pf_status pf_armx_fail(struct pf_armx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** The unknown marker {"$unknown": why} (NULL on OOM). */
cJSON *pf_armx_unknown(const char *why);
/** Is \p v the unknown marker? */
int pf_armx_is_unknown(const cJSON *v);
/** Does \p v hold an unknown marker anywhere? */
int pf_armx_has_unknown(const cJSON *v);

/** ARM's uniqueString(): 13 base-32 characters of the Murmur-variant
 * 64-bit hash of \p s (arguments joined with '-'); \p out has 14 bytes. */
void pf_armx_unique_string(const char *s, size_t len, char out[14]);
/** ARM's guid(): RFC 4122 version 5 UUID of \p s in ARM's namespace;
 * \p out has 37 bytes.  \return PF_OK or PF_ENOMEM. */
pf_status pf_armx_guid(const char *s, size_t len, char out[37]);

/** ARM's name of a value's type ("String", "Integer", ...). */
const char *pf_armx_typename(const cJSON *v);

#endif
