/* SPDX-License-Identifier: MIT */
/* pf_value.h - typed property values for rule conditions
 *
 * A property of a resource reads as one of a few types; ABSENT means the
 * input did not say (not the same as false), UNKNOWN means it depends on a
 * resource that was referenced but not supplied.  Values borrow strings
 * from the configuration (arena) and own only their lists and address
 * sets.
 */
#ifndef PF_VALUE_H
#define PF_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/pf_strbuf.h"
#include "../model/pf_ip.h"

enum pf_vtype {
  PF_VAL_ABSENT = 0,
  PF_VAL_UNKNOWN,   /* why: reason */
  PF_VAL_STR,
  PF_VAL_INT,
  PF_VAL_BOOL,
  PF_VAL_LIST,      /* list of strings */
  PF_VAL_ADDRS      /* an address set (prefixes, addresses) */
};

struct pf_value {
  enum pf_vtype t;
  const char *s;          /* STR; UNKNOWN: the reason */
  int64_t i;              /* INT, BOOL */
  const char **list;      /* LIST (owned array, borrowed strings) */
  size_t n, cap;
  struct pf_ipset addrs;  /* ADDRS (owned) */
  char why[320];          /* UNKNOWN: a formatted reason (s points here) */
};

void pf_value_init(struct pf_value *v);
void pf_value_release(struct pf_value *v);
void pf_value_str(struct pf_value *v, const char *s);   /* NULL: absent */
void pf_value_int(struct pf_value *v, int64_t i);
void pf_value_bool(struct pf_value *v, int b);
void pf_value_unknown(struct pf_value *v, const char *why);
pf_status pf_value_list_add(struct pf_value *v, const char *s);
/** Make \p v an empty address set (PF_VAL_ADDRS). */
void pf_value_addrs(struct pf_value *v);
/** Render for messages and evidence ("Deny", "[a, b]", "10.0.0.0/24"). */
pf_status pf_value_format(const struct pf_value *v, struct pf_strbuf *sb);

#endif
