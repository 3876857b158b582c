/* SPDX-License-Identifier: MIT */
/* pf_value.c - typed property values for rule conditions */
#include "pf_value.h"

#include <inttypes.h>
#include <string.h>

#include "../core/pf_mem.h"

void pf_value_init(struct pf_value *v)
{
  memset(v, 0, sizeof(*v));
  pf_ipset_init(&v->addrs);
}

void pf_value_release(struct pf_value *v)
{
  if (!v)
    return;
  pf_free(v->list);
  pf_ipset_release(&v->addrs);
  pf_value_init(v);
}

void pf_value_str(struct pf_value *v, const char *s)
{
  v->t = s ? PF_VAL_STR : PF_VAL_ABSENT;
  v->s = s;
}

void pf_value_int(struct pf_value *v, int64_t i)
{
  v->t = PF_VAL_INT;
  v->i = i;
}

void pf_value_bool(struct pf_value *v, int b)
{
  v->t = PF_VAL_BOOL;
  v->i = b != 0;
}

void pf_value_unknown(struct pf_value *v, const char *why)
{
  v->t = PF_VAL_UNKNOWN;
  v->s = why;
}

pf_status pf_value_list_add(struct pf_value *v, const char *s)
{
  v->t = PF_VAL_LIST;
  if (PF_GROW(v->list, v->cap, v->n + 1))
    return PF_ENOMEM;
  v->list[v->n++] = s;
  return PF_OK;
}

void pf_value_addrs(struct pf_value *v)
{
  v->t = PF_VAL_ADDRS;
}

static int put_prefix(const struct pf_prefix *p, void *arg)
{
  struct pf_strbuf *sb = arg;
  char buf[PF_PREFIX_STRLEN];
  pf_prefix_format(p, buf, sizeof(buf));
  if (sb->len && sb->buf[sb->len - 1] != '[')
    pf_strbuf_adds(sb, ", ");
  pf_strbuf_adds(sb, buf);
  return 0;
}

pf_status pf_value_format(const struct pf_value *v, struct pf_strbuf *sb)
{
  size_t i;
  unsigned af;
  switch (v->t) {
  case PF_VAL_ABSENT:
    return pf_strbuf_adds(sb, "(not set)");
  case PF_VAL_UNKNOWN:
    return pf_strbuf_adds(sb, "(unknown)");
  case PF_VAL_STR:
    return pf_strbuf_adds(sb, v->s);
  case PF_VAL_INT:
    return pf_strbuf_addf(sb, "%" PRId64, v->i);
  case PF_VAL_BOOL:
    return pf_strbuf_adds(sb, v->i ? "true" : "false");
  case PF_VAL_LIST:
    pf_strbuf_addc(sb, '[');
    for (i = 0; i < v->n; i++) {
      if (i)
        pf_strbuf_adds(sb, ", ");
      pf_strbuf_adds(sb, v->list[i]);
    }
    return pf_strbuf_addc(sb, ']');
  case PF_VAL_ADDRS:
    pf_strbuf_addc(sb, '[');
    for (af = 0; af < PF_AF_COUNT; af++)
      for (i = 0; i < v->addrs.fam[af].n; i++)
        pf_range_to_prefixes((enum pf_af)af, v->addrs.fam[af].r[i].lo,
                             v->addrs.fam[af].r[i].hi, put_prefix, sb);
    return pf_strbuf_addc(sb, ']');
  }
  return PF_OK;
}
