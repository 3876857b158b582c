/* SPDX-License-Identifier: MIT */
/* fuzz_probe_plan.c - libFuzzer target for the probe plan reader
 *
 * Any byte string goes through pf_probe_plan_parse.  A plan that loads is
 * written back in the plan file format, which must load again with the
 * same targets; a plan that does not load must say why, prefixed with the
 * file name and a JSON path (docs/probe.md).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../probes/pf_probe_plan.h"
#include "core/pf_jw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct pf_probe_plan *p)
{
  struct pf_probe_plan back;
  struct pf_err err;
  struct pf_jw jw;
  char *buf = NULL;
  size_t len = 0, i;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return;
  pf_jw_init(&jw, f, 0);
  pf_probe_plan_write_json(p, &jw);
  pf_jw_end(&jw);
  fclose(f);
  pf_probe_plan_init(&back);
  pf_err_clear(&err);
  if (pf_probe_plan_parse(&back, "rt.json", buf, len, &err) != PF_OK)
    abort();   /* what was written must read back */
  if (back.n != p->n || back.has_from != p->has_from)
    abort();
  for (i = 0; i < p->n; i++)
    if (strcmp(back.t[i].host, p->t[i].host) ||
        back.t[i].n_ports != p->t[i].n_ports ||
        back.t[i].expect != p->t[i].expect ||
        back.t[i].n_expect != p->t[i].n_expect ||
        back.t[i].service != p->t[i].service)
      abort();
  pf_probe_plan_release(&back);
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct pf_probe_plan p;
  struct pf_err err;
  pf_probe_plan_init(&p);
  pf_err_clear(&err);
  if (pf_probe_plan_parse(&p, "f.json", (const char *)data, size, &err) ==
      PF_OK)
    round_trip(&p);
  else if (strncmp(err.msg, "f.json: ", 8) != 0)
    abort();
  pf_probe_plan_release(&p);
  return 0;
}
