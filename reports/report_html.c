/* SPDX-License-Identifier: MIT */
/* report_html.c - `--format html`: one self-contained page, readable
 * offline
 *
 * No external asset: the CSS and the small script are inline, the picture
 * of the network is inline SVG drawn from the loaded configuration (vnets,
 * subnets with their NSG, route table, computes and private endpoints; the
 * workspace's dependencies; every flow and route requirement evaluated,
 * green when met, red when blocked, amber when unknown).  Summary cards,
 * filters by severity and status, one section per resource with each
 * finding's evidence and its fix (az CLI, Bicep, Terraform) with a copy
 * button.  window.onerror writes a marker (#pf-js-error) into the page so
 * the browser test sees script errors.  Every text is HTML-escaped.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/pf_mem.h"

#define HTML_PREFIXES 64

static void esc(FILE *o, const char *s)
{
  for (; s && *s; s++) {
    switch (*s) {
    case '&': fputs("&amp;", o); break;
    case '<': fputs("&lt;", o); break;
    case '>': fputs("&gt;", o); break;
    case '"': fputs("&quot;", o); break;
    case '\'': fputs("&#39;", o); break;
    default:
      if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
        fputc('?', o);
      else
        fputc(*s, o);
    }
  }
}

/* ---- the picture -------------------------------------------------------- */

enum verdict { V_OK = 0, V_UNKNOWN, V_BAD };

struct edge {
  const char *subnet;          /* inside end (subnet name) */
  const char *remote;
  int inbound, route;
  char label[160];
  enum verdict v;
  int node;                    /* index into the remote nodes */
};

struct node {
  const char *name;
  const char *sub;             /* second line */
  int right;                   /* right column (outbound, dependencies) */
  int dep;
  double y;
  enum verdict v;
};

struct pic {
  struct edge *e;
  size_t n_e, cap_e;
  struct node *nd;
  size_t n_nd, cap_nd;
  cJSON **docs;                /* parsed evidence, freed at the end */
  size_t n_docs, cap_docs;
};

static enum verdict worse(enum verdict a, enum verdict b)
{
  return a > b ? a : b;
}

static const char *vcolor(enum verdict v)
{
  return v == V_BAD ? "#c62828" : v == V_UNKNOWN ? "#b26a00" : "#2e7d32";
}

static int node_of(struct pic *p, const char *name, const char *sub,
                   int right, int dep)
{
  size_t i;
  for (i = 0; i < p->n_nd; i++)
    if (p->nd[i].right == right && !strcmp(p->nd[i].name, name))
      return (int)i;
  if (PF_GROW(p->nd, p->cap_nd, p->n_nd + 1))
    return -1;
  memset(&p->nd[p->n_nd], 0, sizeof(p->nd[0]));
  p->nd[p->n_nd].name = name;
  p->nd[p->n_nd].sub = sub;
  p->nd[p->n_nd].right = right;
  p->nd[p->n_nd].dep = dep;
  return (int)p->n_nd++;
}

static const char *jstr(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void add_edge(struct pic *p, const char *subnet, const char *remote,
                     int inbound, int route, const char *label,
                     enum verdict v)
{
  size_t i;
  int nd;
  for (i = 0; i < p->n_e; i++) {
    struct edge *e = &p->e[i];
    if (e->inbound == inbound && e->route == route &&
        !strcmp(e->subnet, subnet) && !strcmp(e->remote, remote) &&
        !strcmp(e->label, label)) {
      e->v = worse(e->v, v);
      p->nd[e->node].v = worse(p->nd[e->node].v, v);
      return;
    }
  }
  nd = node_of(p, remote, route ? "route" : NULL, !inbound, 0);
  if (nd < 0 || PF_GROW(p->e, p->cap_e, p->n_e + 1))
    return;
  memset(&p->e[p->n_e], 0, sizeof(p->e[0]));
  p->e[p->n_e].subnet = subnet;
  p->e[p->n_e].remote = remote;
  p->e[p->n_e].inbound = inbound;
  p->e[p->n_e].route = route;
  p->e[p->n_e].v = v;
  p->e[p->n_e].node = nd;
  snprintf(p->e[p->n_e].label, sizeof(p->e[0].label), "%s", label);
  p->nd[nd].v = worse(p->nd[nd].v, v);
  p->n_e++;
}

static enum verdict result_of(const cJSON *c)
{
  const char *r = jstr(c, "result");
  return !r ? V_UNKNOWN : !strcmp(r, "true") ? V_OK
                        : !strcmp(r, "false") ? V_BAD
                                              : V_UNKNOWN;
}

static void edges_of(struct pic *p, const char *evidence)
{
  cJSON *root = cJSON_Parse(evidence), *c;
  char label[160];
  if (!root)
    return;
  if (PF_GROW(p->docs, p->cap_docs, p->n_docs + 1)) {
    cJSON_Delete(root);
    return;
  }
  p->docs[p->n_docs++] = root;
  cJSON_ArrayForEach(c, root) {
    const char *kind = jstr(c, "kind");
    if (!kind)
      continue;
    if (!strcmp(kind, "flow") && jstr(c, "inside") && jstr(c, "remote")) {
      const char *proto = jstr(c, "protocol"), *ports = jstr(c, "ports");
      const char *dir = jstr(c, "direction"), *exp = jstr(c, "expect");
      const cJSON *parts = cJSON_GetObjectItemCaseSensitive(c, "parts");
      const cJSON *p0 = cJSON_GetArrayItem(parts, 0);
      const char *blk = p0 ? jstr(p0, "rule") : NULL;
      enum verdict v = result_of(c);
      snprintf(label, sizeof(label), "%s%s%s%s%s%s",
               exp && !strcmp(exp, "deny") ? "closed: " : "",
               proto && strcmp(proto, "*") ? proto : "all traffic",
               ports && strcmp(ports, "*") ? " " : "",
               ports && strcmp(ports, "*") ? ports : "",
               v == V_BAD && blk ? ", blocked by " : "",
               v == V_BAD && blk ? blk : "");
      add_edge(p, jstr(c, "inside"), jstr(c, "remote"),
               dir && !strcmp(dir, "inbound"), 0, label, v);
    } else if (!strcmp(kind, "route") && jstr(c, "subnet") &&
               jstr(c, "destination")) {
      const cJSON *parts = cJSON_GetObjectItemCaseSensitive(c, "parts");
      const cJSON *p0 = cJSON_GetArrayItem(parts, 0);
      enum verdict v = result_of(c);
      if (v == V_BAD && p0)
        snprintf(label, sizeof(label), "route: via %s (%s)",
                 jstr(p0, "next_hop") ? jstr(p0, "next_hop") : "?",
                 jstr(p0, "route") ? jstr(p0, "route") : "?");
      else
        snprintf(label, sizeof(label), "route: via %s",
                 jstr(c, "required_next_hop") ? jstr(c, "required_next_hop")
                                              : "?");
      add_edge(p, jstr(c, "subnet"), jstr(c, "destination"), 0, 1, label,
               v);
    }
  }
}

static void pic_release(struct pic *p)
{
  size_t i;
  for (i = 0; i < p->n_docs; i++)
    cJSON_Delete(p->docs[i]);
  pf_free(p->docs);
  pf_free(p->e);
  pf_free(p->nd);
}

#define PIC_W 1160
#define COL_W 290
#define VNET_X 355
#define VNET_W 450
#define NODE_H 38
#define NODE_GAP 12

static double subnet_h(const struct pf_topo_subnet *s)
{
  return 46.0 + 15.0 * (double)(s->n_computes + s->n_endpoints) +
         (s->nsg && s->route_table ? 15.0 : 0.0);
}

struct spos {
  const struct pf_topo_subnet *s;
  double y, h;
};

/* Text cut to \p max characters (UTF-8 aware) with an ellipsis; the full
 * text stays in a <title> tooltip. */
static void svg_fit(FILE *o, double x, double y, const char *cls,
                    const char *text, size_t max)
{
  size_t chars = 0, cut = 0, i;
  for (i = 0; text[i]; i++)
    if (((unsigned char)text[i] & 0xC0) != 0x80 && ++chars == max)
      cut = i;
  fprintf(o, "<text x=\"%.0f\" y=\"%.0f\" class=\"%s\"><title>", x, y, cls);
  esc(o, text);
  fputs("</title>", o);
  if (chars > max) {
    char *t = pf_strndup(text, cut);
    esc(o, t);
    fputs("…", o);
    pf_free(t);
  } else {
    esc(o, text);
  }
  fputs("</text>\n", o);
}

static void svg_text(FILE *o, double x, double y, const char *cls,
                     const char *anchor, const char *text)
{
  fprintf(o, "<text x=\"%.0f\" y=\"%.0f\" class=\"%s\"%s%s%s>", x, y, cls,
          anchor ? " text-anchor=\"" : "", anchor ? anchor : "",
          anchor ? "\"" : "");
  esc(o, text);
  fputs("</text>\n", o);
}

/* The failing rules of findings about resource \p id ("KV-1, KV-2"). */
static enum verdict dep_verdict(const struct pf_report *rep, const char *id,
                                char *rules, size_t cap)
{
  size_t i, len = 0;
  enum verdict v = V_OK;
  rules[0] = '\0';
  for (i = 0; i < rep->n; i++) {
    const struct pf_finding *f = &rep->f[i];
    if (strcasecmp(f->resource, id) || f->status == PF_RS_PASS ||
        f->suppressed)
      continue;
    v = worse(v, f->status == PF_RS_FAIL ? V_BAD : V_UNKNOWN);
    if (f->status == PF_RS_FAIL && !strstr(rules, f->rule) &&
        len + strlen(f->rule) + 3 < cap)
      len += (size_t)snprintf(rules + len, cap - len, "%s%s",
                              len ? ", " : "", f->rule);
  }
  return v;
}

static void picture(const struct pf_report *rep, FILE *o)
{
  const struct pf_topo *t = rep->topo;
  struct pic p;
  struct spos *sp = NULL;
  size_t i, j, n_sp = 0, cap_sp = 0, nl = 0, nr = 0;
  double y, h_mid, h_left, h_right, h;
  int with_computes = 0;

  memset(&p, 0, sizeof(p));
  for (i = 0; i < rep->n; i++)
    if (!rep->f[i].suppressed)
      edges_of(&p, rep->f[i].evidence);
  /* dependencies on the right, below the outbound ends */
  for (i = 0; i < t->n_deps; i++)
    node_of(&p, t->deps[i].name, t->deps[i].access, 1, 1 + (int)i);
  /* the vnets and their subnets, in the middle */
  y = 60;
  for (i = 0; i < t->n_vnets; i++) {
    y += 44;
    for (j = 0; j < t->vnets[i].n_subnets; j++) {
      if (PF_GROW(sp, cap_sp, n_sp + 1))
        goto out;
      sp[n_sp].s = &t->vnets[i].subnets[j];
      sp[n_sp].y = y;
      sp[n_sp].h = subnet_h(sp[n_sp].s);
      with_computes |= sp[n_sp].s->n_computes > 0;
      y += sp[n_sp].h + 12;
      n_sp++;
    }
    y += 14;
  }
  h_mid = y;
  /* node positions */
  for (i = 0; i < p.n_nd; i++) {
    size_t *k = p.nd[i].right ? &nr : &nl;
    p.nd[i].y = 70 + (double)*k * (NODE_H + NODE_GAP) +
                (p.nd[i].dep ? 24 : 0);
    (*k)++;
  }
  h_left = 70 + (double)nl * (NODE_H + NODE_GAP);
  h_right = 100 + (double)nr * (NODE_H + NODE_GAP);
  h = h_mid > h_left ? h_mid : h_left;
  h = (h > h_right ? h : h_right) + 56;

  fprintf(o, "<svg id=\"pf-network\" viewBox=\"0 0 %d %.0f\" role=\"img\" "
          "aria-label=\"network picture\" xmlns=\"http://www.w3.org/2000/"
          "svg\">\n", PIC_W, h);
  fputs("<defs><marker id=\"arr\" viewBox=\"0 0 10 10\" refX=\"9\" "
        "refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
        "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n",
        o);
  svg_text(o, 20, 30, "h", NULL, "Inbound to the subnets");
  svg_text(o, PIC_W - 20, 30, "h", "end", "Outbound from the subnets");
  svg_text(o, VNET_X + VNET_W / 2.0, 30, "h", "middle", "Virtual networks");
  /* vnets */
  y = 60;
  for (i = 0, j = 0; i < t->n_vnets; i++) {
    const struct pf_topo_vnet *v = &t->vnets[i];
    double top = y, bottom;
    size_t k;
    char line[512];
    y += 44;
    for (k = 0; k < v->n_subnets; k++)
      y += subnet_h(&v->subnets[k]) + 12;
    y += 14;
    bottom = y - 14;
    fprintf(o, "<rect x=\"%d\" y=\"%.0f\" width=\"%d\" height=\"%.0f\" "
            "rx=\"12\" class=\"vnet\"/>\n", VNET_X, top, VNET_W,
            bottom - top);
    snprintf(line, sizeof(line), "%s  %s%s%s", v->name, v->prefixes,
             v->location ? "  " : "", v->location ? v->location : "");
    svg_text(o, VNET_X + 14, top + 24, "vt", NULL, line);
  }
  /* subnets */
  for (i = 0; i < n_sp; i++) {
    const struct pf_topo_subnet *s = sp[i].s;
    double ly = sp[i].y + 20;
    char line[512];
    fprintf(o, "<g class=\"subnet\" data-subnet=\"");
    esc(o, s->name);
    fprintf(o, "\"><rect x=\"%d\" y=\"%.0f\" width=\"%d\" height=\"%.0f\" "
            "rx=\"8\"/>\n", VNET_X + 16, sp[i].y, VNET_W - 32, sp[i].h);
    snprintf(line, sizeof(line), "%s  %s", s->name, s->prefixes);
    svg_fit(o, VNET_X + 30, ly, "st", line, 52);
    ly += 17;
    if (s->nsg) {
      snprintf(line, sizeof(line), "NSG %s", s->nsg);
      svg_text(o, VNET_X + 30, ly, "sm", NULL, line);
      ly += 15;
    }
    if (s->route_table) {
      snprintf(line, sizeof(line), "route table %s%s%s", s->route_table,
               s->default_route ? ": " : "",
               s->default_route ? s->default_route : "");
      svg_text(o, VNET_X + 30, ly, "sm", NULL, line);
      ly += 15;
    }
    if (!s->nsg && !s->route_table) {
      svg_text(o, VNET_X + 30, ly, "sm muted", NULL, "no NSG, no route "
               "table");
      ly += 15;
    }
    for (j = 0; j < s->n_computes; j++, ly += 15) {
      snprintf(line, sizeof(line), "▣ %s", s->computes[j]);
      svg_text(o, VNET_X + 30, ly, "sm", NULL, line);
    }
    for (j = 0; j < s->n_endpoints; j++, ly += 15) {
      snprintf(line, sizeof(line), "◆ private endpoint %s", s->endpoints[j]);
      svg_text(o, VNET_X + 30, ly, "sm", NULL, line);
    }
    fputs("</g>\n", o);
  }
  /* edges: flows and routes */
  for (i = 0; i < p.n_e; i++) {
    const struct edge *e = &p.e[i];
    const struct node *nd = &p.nd[e->node];
    const struct spos *s = NULL;
    double sy, ny = nd->y + NODE_H / 2.0, sx, nx, mx;
    size_t k, nth = 0, cnt = 0;
    for (k = 0; k < n_sp && !s; k++)
      if (!strcmp(sp[k].s->name, e->subnet))
        s = &sp[k];
    if (!s)
      continue;
    for (k = 0; k < p.n_e; k++)
      if (p.e[k].inbound == e->inbound && !strcmp(p.e[k].subnet, e->subnet)) {
        if (k < i)
          nth++;
        cnt++;
      }
    sy = s->y + 10 + (s->h - 20) * ((double)nth + 0.5) / (double)cnt;
    sx = e->inbound ? VNET_X + 16 : VNET_X + VNET_W - 16;
    nx = e->inbound ? 20 + COL_W : PIC_W - 20 - COL_W;
    mx = (sx + nx) / 2;
    fprintf(o, "<path class=\"edge v%d%s\" d=\"M%.0f,%.0f C%.0f,%.0f "
            "%.0f,%.0f %.0f,%.0f\" stroke=\"%s\" marker-end=\"url(#arr)\">"
            "<title>", (int)e->v, e->route ? " route" : "",
            e->inbound ? nx : sx, e->inbound ? ny : sy, mx,
            e->inbound ? ny : sy, mx, e->inbound ? sy : ny,
            e->inbound ? sx : nx, e->inbound ? sy : ny, vcolor(e->v));
    esc(o, e->remote);
    fputs(": ", o);
    esc(o, e->label);
    fputs("</title></path>\n", o);
  }
  /* remote ends and dependencies */
  for (i = 0; i < p.n_nd; i++) {
    const struct node *nd = &p.nd[i];
    double x = nd->right ? PIC_W - 20 - COL_W : 20;
    char rules[128], line[512];
    enum verdict v = nd->v;
    size_t k, shown = 0;
    if (nd->dep) {
      const struct pf_topo_dep *d = &t->deps[nd->dep - 1];
      v = dep_verdict(rep, d->id, rules, sizeof(rules));
      if (nd->dep == 1)
        svg_text(o, x, nd->y - 10, "h", NULL, "Dependencies");
      if (with_computes) {
        /* the computes' subnets reach their dependencies */
        for (k = 0; k < n_sp; k++) {
          const struct spos *s = &sp[k];
          if (!s->s->n_computes)
            continue;
          fprintf(o, "<path class=\"edge dep v%d\" d=\"M%d,%.0f C%.0f,%.0f "
                  "%.0f,%.0f %.0f,%.0f\" stroke=\"%s\"><title>",
                  (int)v, VNET_X + VNET_W - 16, s->y + s->h - 8,
                  x - 40.0, s->y + s->h - 8, x - 40.0, nd->y + NODE_H / 2.0,
                  x, nd->y + NODE_H / 2.0, vcolor(v));
          esc(o, d->name);
          fputs(rules[0] ? ": failing " : ": reachable as configured", o);
          esc(o, rules);
          fputs("</title></path>\n", o);
        }
      }
      snprintf(line, sizeof(line), "%s %s", d->kind, d->name);
      fprintf(o, "<g class=\"node dep v%d\"><rect x=\"%.0f\" y=\"%.0f\" "
              "width=\"%d\" height=\"%d\" rx=\"6\" stroke=\"%s\"/>\n",
              (int)v, x, nd->y, COL_W, NODE_H, vcolor(v));
      svg_fit(o, x + 10, nd->y + 16, "nt", line, 38);
      snprintf(line, sizeof(line), "%s%s%s", d->access,
               rules[0] ? "  ·  fails " : "", rules);
      svg_fit(o, x + 10, nd->y + 31, "sm", line, 46);
      fputs("</g>\n", o);
      continue;
    }
    fprintf(o, "<g class=\"node v%d\"><rect x=\"%.0f\" y=\"%.0f\" "
            "width=\"%d\" height=\"%d\" rx=\"6\" stroke=\"%s\"/>\n",
            (int)v, x, nd->y, COL_W, NODE_H, vcolor(v));
    svg_fit(o, x + 10, nd->y + 16, "nt", nd->name, 38);
    line[0] = '\0';
    for (k = 0; k < p.n_e; k++) {
      size_t len = strlen(line);
      if (p.e[k].node != (int)i || len + 4 >= sizeof(line))
        continue;
      snprintf(line + len, sizeof(line) - len, "%s%s", shown++ ? "; " : "",
               p.e[k].label);
    }
    svg_fit(o, x + 10, nd->y + 31, "sm", line, 46);
    fputs("</g>\n", o);
  }
  /* legend */
  fprintf(o, "<g class=\"legend\" transform=\"translate(20,%.0f)\">", h - 22);
  fputs("<line x1=\"0\" y1=\"0\" x2=\"26\" y2=\"0\" stroke=\"#2e7d32\" "
        "stroke-width=\"3\"/><text x=\"32\" y=\"4\" class=\"sm\">as "
        "required</text>"
        "<line x1=\"130\" y1=\"0\" x2=\"156\" y2=\"0\" stroke=\"#c62828\" "
        "stroke-width=\"3\"/><text x=\"162\" y=\"4\" class=\"sm\">blocked or "
        "failing</text>"
        "<line x1=\"290\" y1=\"0\" x2=\"316\" y2=\"0\" stroke=\"#b26a00\" "
        "stroke-width=\"3\"/><text x=\"322\" y=\"4\" class=\"sm\">unknown (an "
        "input is missing)</text>"
        "<line x1=\"500\" y1=\"0\" x2=\"526\" y2=\"0\" stroke=\"#555\" "
        "stroke-width=\"3\" stroke-dasharray=\"6 4\"/><text x=\"532\" y=\"4\" "
        "class=\"sm\">route requirement (forced tunnelling)</text></g>\n", o);
  fputs("</svg>\n", o);
out:
  pf_free(sp);
  pic_release(&p);
}

/* ---- the page ----------------------------------------------------------- */

/* one rule (or a few) per string: ISO C limits the length of a literal */
static const char *const css[] = {
  ":root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--muted:#5d6675;"
  "--line:#e2e5ea;--err:#c62828;--warn:#b26a00;--info:#1565c0;"
  "--ok:#2e7d32;--sup:#6a5acd}\n",
  "*{box-sizing:border-box}\n",
  "body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 "
  "system-ui,-apple-system,'Segoe UI',Roboto,'Liberation Sans',sans-serif}\n",
  "header{background:#1f2a44;color:#fff;padding:22px 32px}\n",
  "header h1{margin:0;font-size:22px;font-weight:600}\n",
  "header .meta{color:#c9d1e3;font-size:13px;margin-top:4px}\n",
  "main{max-width:1200px;margin:0 auto;padding:20px 32px 60px}\n",
  "h2{font-size:17px;margin:28px 0 10px}\n",
  ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,"
  "1fr));gap:12px}\n",
  ".card{background:var(--card);border:1px solid var(--line);"
  "border-radius:10px;padding:12px 16px;border-top:4px solid var(--line)}\n",
  ".card .n{font-size:28px;font-weight:650;display:block}\n",
  ".card .l{color:var(--muted);font-size:12px;text-transform:uppercase;"
  "letter-spacing:.04em}\n",
  ".card.c-error{border-top-color:var(--err)}.card.c-error .n{color:"
  "var(--err)}\n",
  ".card.c-warning{border-top-color:var(--warn)}.card.c-warning .n{color:"
  "var(--warn)}\n",
  ".card.c-info{border-top-color:var(--info)}\n",
  ".card.c-pass{border-top-color:var(--ok)}.card.c-pass .n{color:"
  "var(--ok)}\n",
  ".card.c-unknown{border-top-color:#9aa3b1}\n",
  ".card.c-suppressed{border-top-color:var(--sup)}\n",
  ".notes{background:#fff8e1;border:1px solid #f3d27a;border-radius:8px;"
  "padding:10px 14px;margin-top:14px}\n",
  ".notes li{margin:2px 0}\n",
  ".panel{background:var(--card);border:1px solid var(--line);"
  "border-radius:10px;padding:12px}\n",
  "#pf-network{width:100%;height:auto;display:block}\n",
  "svg .vnet{fill:#eef3fb;stroke:#9db4d8;stroke-width:1.5}\n",
  "svg .subnet rect{fill:#fff;stroke:#b9c6da}\n",
  "svg text{font-family:inherit;fill:#1d2330}\n",
  "svg .h{font-size:13px;font-weight:600;fill:#5d6675}\n",
  "svg .vt{font-size:14px;font-weight:650}\n",
  "svg .st{font-size:13px;font-weight:600}\n",
  "svg .nt{font-size:12px;font-weight:600}\n",
  "svg .sm{font-size:11px;fill:#4a5363}\n",
  "svg .muted{fill:#8a93a3}\n",
  "svg .node rect{fill:#fff;stroke-width:1.6}\n",
  "svg .edge{fill:none;stroke-width:2;opacity:.85}\n",
  "svg .edge.route{stroke-dasharray:7 5}\n",
  "svg .edge.dep{stroke-width:1.4;stroke-dasharray:2 4;opacity:.7}\n",
  ".filters{display:flex;flex-wrap:wrap;gap:18px;align-items:center;"
  "background:var(--card);border:1px solid var(--line);border-radius:10px;"
  "padding:10px 14px;position:sticky;top:0;z-index:2}\n",
  ".filters fieldset{border:0;margin:0;padding:0;display:flex;gap:10px;"
  "align-items:center}\n",
  ".filters legend{float:left;font-weight:600;margin-right:6px}\n",
  ".filters input[type=search]{padding:5px 8px;border:1px solid "
  "var(--line);border-radius:6px;min-width:220px}\n",
  "#pf-shown{color:var(--muted);margin-left:auto}\n",
  "section.res{background:var(--card);border:1px solid var(--line);"
  "border-radius:10px;margin:14px 0;padding:4px 16px 10px}\n",
  "section.res h3{font-size:15px;margin:12px 0 2px}\n",
  "section.res .id{color:var(--muted);font:12px ui-monospace,"
  "'DejaVu Sans Mono',monospace;word-break:break-all}\n",
  "details.f{border-top:1px solid var(--line);padding:6px 0}\n",
  "details.f summary{cursor:pointer;list-style:none;display:flex;gap:10px;"
  "align-items:baseline}\n",
  "details.f summary::-webkit-details-marker{display:none}\n",
  ".badge{display:inline-block;min-width:74px;text-align:center;"
  "border-radius:4px;padding:1px 6px;font-size:11.5px;font-weight:650;"
  "text-transform:uppercase;color:#fff}\n",
  ".b-fail.s-error{background:var(--err)}.b-fail.s-warning{background:"
  "var(--warn)}.b-fail.s-info{background:var(--info)}\n",
  ".b-pass{background:var(--ok)}.b-unknown{background:#8a93a3}"
  ".b-suppressed{background:var(--sup)}\n",
  ".rule{font-weight:650;min-width:56px}.sev{color:var(--muted);"
  "min-width:58px}\n",
  ".body{padding:4px 0 6px 84px}\n",
  ".body .why{border-left:3px solid #9db4d8;padding:2px 10px;color:#333c4a}"
  "\n",
  ".body .disagree{border-left:3px solid var(--err);padding:2px 10px}\n",
  "pre{background:#f3f5f8;border:1px solid var(--line);border-radius:6px;"
  "padding:8px 10px;overflow:auto;font:12px/1.45 ui-monospace,"
  "'DejaVu Sans Mono',monospace;white-space:pre-wrap;word-break:break-all}\n",
  ".fix{position:relative}\n",
  ".fix h4{font-size:12.5px;margin:10px 0 4px;color:var(--muted)}\n",
  "button.copy{position:absolute;right:6px;top:28px;font-size:11.5px;"
  "padding:2px 8px;border:1px solid #b9c6da;background:#fff;"
  "border-radius:5px;cursor:pointer}\n",
  "button.copy:hover{background:#eef3fb}\n",
  ".small{color:var(--muted);font-size:12px}\n",
  ".js-error{background:var(--err);color:#fff;padding:8px 14px}\n",
  ".hidden{display:none!important}\n",
  "footer{color:var(--muted);font-size:12px;text-align:center;"
  "margin-top:30px}\n",
  NULL
};

static const char js_head[] =
  "window.onerror=function(m,s,l){var d=document.getElementById("
  "'pf-js-error');if(!d){d=document.createElement('div');d.id="
  "'pf-js-error';d.className='js-error';(document.body||document."
  "documentElement).appendChild(d);}d.textContent+='script error: '+m+"
  "' (line '+l+') ';};\n";

static const char js_body[] =
  "(function(){\n"
  "var boxes=document.querySelectorAll('.filters input[type=checkbox]');\n"
  "var q=document.getElementById('pf-search');\n"
  "var items=document.querySelectorAll('details.f');\n"
  "function on(kind){var s={};boxes.forEach(function(b){if(b.dataset.kind"
  "===kind&&b.checked)s[b.value]=1;});return s;}\n"
  "function apply(){var sev=on('sev'),st=on('status'),t=(q.value||'')."
  "toLowerCase(),shown=0;\n"
  " items.forEach(function(d){var ok=sev[d.dataset.sev]&&st[d.dataset."
  "status]&&(!t||d.textContent.toLowerCase().indexOf(t)>=0);d.classList."
  "toggle('hidden',!ok);if(ok)shown++;});\n"
  " document.querySelectorAll('section.res').forEach(function(s){s."
  "classList.toggle('hidden',!s.querySelector('details.f:not(.hidden)'));"
  "});\n"
  " document.getElementById('pf-shown').textContent=shown+' of '+items."
  "length+' results shown';}\n"
  "boxes.forEach(function(b){b.addEventListener('change',apply);});\n"
  "q.addEventListener('input',apply);\n"
  "document.querySelectorAll('button.copy').forEach(function(b){b."
  "addEventListener('click',function(){var t=b.parentNode.querySelector("
  "'pre').textContent;function done(){b.textContent='Copied';setTimeout("
  "function(){b.textContent='Copy';},1500);}\n"
  " try{if(navigator.clipboard&&window.isSecureContext){navigator."
  "clipboard.writeText(t).then(done,function(){});return;}}catch(e){}\n"
  " var a=document.createElement('textarea');a.value=t;document.body."
  "appendChild(a);a.select();try{document.execCommand('copy');done();}"
  "catch(e){}document.body.removeChild(a);});});\n"
  "apply();\n"
  "})();\n";

static void card(FILE *o, const char *cls, const char *id, size_t n,
                 const char *label)
{
  fprintf(o, "<div class=\"card c-%s\"><span class=\"n\" id=\"count-%s\">"
          "%zu</span><span class=\"l\">%s</span></div>\n", cls, id, n,
          label);
}

static void fix_block(FILE *o, const char *title, const char *text)
{
  if (!text)
    return;
  fprintf(o, "<div class=\"fix\"><h4>%s</h4><button class=\"copy\" "
          "type=\"button\">Copy</button><pre>", title);
  esc(o, text);
  fputs("</pre></div>\n", o);
}

static void finding(FILE *o, const struct pf_finding *f)
{
  const char *label = pf_report_status_label(f);
  struct pf_strbuf ev;
  fprintf(o, "<details class=\"f\" data-sev=\"%s\" data-status=\"%s\"%s>"
          "<summary><span class=\"badge b-%s s-%s\">%s</span>"
          "<span class=\"rule\">", pf_sev_name(f->sev), label,
          f->status == PF_RS_FAIL && !f->suppressed ? " open" : "", label,
          pf_sev_name(f->sev), label);
  esc(o, f->rule);
  fprintf(o, "</span><span class=\"sev\">%s</span><span>",
          pf_sev_name(f->sev));
  esc(o, f->message);
  if (strcmp(f->origin, PF_ORIGIN_CHECK)) {
    fputs(" <em>(", o);
    esc(o, f->origin);
    fputs(")</em>", o);
  }
  fputs("</span></summary>\n<div class=\"body\">\n", o);
  if (f->title) {
    fputs("<p><strong>", o);
    esc(o, f->title);
    fputs("</strong></p>\n", o);
  }
  if (f->disagrees) {
    fputs("<p class=\"disagree\"><strong>The static and live views "
          "disagree:</strong> ", o);
    esc(o, f->origin);
    fprintf(o, " says %s; ", pf_rstatus_name(f->status));
    esc(o, f->disagrees);
    fputs("</p>\n", o);
  }
  if (f->suppressed) {
    fputs("<p><strong>Suppressed:</strong> ", o);
    esc(o, f->supp_reason);
    if (f->supp_expires) {
      fputs(" (until ", o);
      esc(o, f->supp_expires);
      fputs(")", o);
    }
    fprintf(o, "; the result was %s.</p>\n", pf_rstatus_name(f->status));
  }
  if (f->why && f->status != PF_RS_PASS) {
    fputs("<p class=\"why\"><strong>Why it matters:</strong> ", o);
    esc(o, f->why);
    fputs("</p>\n", o);
  }
  pf_strbuf_init(&ev, (size_t)16 << 20);
  pf_report_evidence_text(f->evidence, HTML_PREFIXES, &ev);
  if (ev.len) {
    fputs("<h4 class=\"small\">Evidence</h4><pre>", o);
    esc(o, pf_strbuf_str(&ev));
    fputs("</pre>\n", o);
  }
  pf_strbuf_release(&ev);
  fix_block(o, "Fix: az CLI", f->fix_az);
  fix_block(o, "Bicep", f->fix_bicep);
  fix_block(o, "Terraform", f->fix_terraform);
  fputs("<p class=\"small\">", o);
  if (f->source) {
    fputs("Source: ", o);
    esc(o, f->source);
  }
  if (f->file) {
    fputs(" · read from ", o);
    esc(o, f->file);
    if (f->line)
      fprintf(o, " line %lu", f->line);
    if (f->jpath) {
      fputs(" at ", o);
      esc(o, f->jpath);
    }
  }
  fputs("</p>\n</div></details>\n", o);
}

static void filters(FILE *o, const struct pf_report_counts *c)
{
  static const char *const sev[] = {"error", "warning", "info"};
  static const char *const st[] = {"fail", "unknown", "suppressed", "pass"};
  size_t i;
  fputs("<form class=\"filters\" onsubmit=\"return false\">\n"
        "<fieldset><legend>Severity</legend>", o);
  for (i = 0; i < 3; i++)
    fprintf(o, "<label><input type=\"checkbox\" data-kind=\"sev\" "
            "value=\"%s\" checked> %s</label>", sev[i], sev[i]);
  fputs("</fieldset>\n<fieldset><legend>Status</legend>", o);
  for (i = 0; i < 4; i++)
    fprintf(o, "<label><input type=\"checkbox\" data-kind=\"status\" "
            "value=\"%s\"%s> %s</label>", st[i], i < 3 ? " checked" : "",
            st[i]);
  fprintf(o, "</fieldset>\n<input type=\"search\" id=\"pf-search\" "
          "placeholder=\"Search resources, rules, messages\" "
          "aria-label=\"search\">\n<span id=\"pf-shown\">%zu results</span>"
          "\n</form>\n", c->total);
}

static int seen_before(const struct pf_report *rep, size_t i)
{
  size_t k;
  for (k = 0; k < i; k++)
    if (!strcasecmp(rep->f[k].resource, rep->f[i].resource))
      return 1;
  return 0;
}

static pf_status write_html(const struct pf_report *rep, FILE *o)
{
  struct pf_report_counts c;
  size_t i, k, failed;

  pf_report_count(rep, &c);
  failed = c.fail[0] + c.fail[1] + c.fail[2];
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8"
        "\">\n<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n<title>preflight report</title>\n<script>", o);
  fputs(js_head, o);
  fputs("</script>\n<style>\n", o);
  for (i = 0; css[i]; i++)
    fputs(css[i], o);
  fputs("</style>\n</head>\n<body>\n<header><h1>preflight report</h1>"
        "<div class=\"meta\">", o);
  fprintf(o, "Azure Machine Learning network preflight · profile %s",
          rep->profile ? rep->profile : "2020");
  if (rep->tags_path) {
    fputs(" · service tags ", o);
    esc(o, rep->tags_path);
    fprintf(o, " (cloud ");
    esc(o, rep->tags_cloud ? rep->tags_cloud : "?");
    fprintf(o, ", change %lld)", (long long)rep->tags_change);
  } else {
    fputs(" · no service tag file", o);
  }
  fprintf(o, " · %zu input file%s", rep->n_inputs,
          rep->n_inputs == 1 ? "" : "s");
  if (rep->n_docs)
    fprintf(o, " · %zu results document%s merged", rep->n_docs,
            rep->n_docs == 1 ? "" : "s");
  fputs(" · preflight ", o);
  esc(o, rep->version ? rep->version : "?");
  fputs("</div></header>\n<main>\n", o);

  fprintf(o, "<h2>Summary: %s</h2>\n<div class=\"cards\" id=\"pf-summary\" "
          "data-total=\"%zu\">\n", failed ? "requirements fail"
                                          : "no requirement fails",
          c.total);
  card(o, "error", "fail-error", c.fail[PF_SEV_ERROR], "failed: error");
  card(o, "warning", "fail-warning", c.fail[PF_SEV_WARNING],
       "failed: warning");
  card(o, "info", "fail-info", c.fail[PF_SEV_INFO], "failed: info");
  card(o, "pass", "pass", c.pass, "passed");
  card(o, "unknown", "unknown", c.unknown, "unknown: input missing");
  card(o, "suppressed", "suppressed", c.suppressed, "suppressed");
  fputs("</div>\n", o);
  if (rep->n_notes) {
    fputs("<ul class=\"notes\" id=\"pf-notes\">\n", o);
    for (i = 0; i < rep->n_notes; i++) {
      fputs("<li>", o);
      esc(o, rep->notes[i]);
      fputs("</li>\n", o);
    }
    fputs("</ul>\n", o);
  }

  fputs("<h2>The network as loaded</h2>\n<div class=\"panel\">\n", o);
  if (rep->topo && (rep->topo->n_vnets || rep->topo->n_deps))
    picture(rep, o);
  else
    fputs("<p class=\"small\">No virtual network was loaded (or the input "
          "files of the results are not readable here), so there is "
          "nothing to draw.</p>\n", o);
  fputs("</div>\n", o);

  fputs("<h2>Results by resource</h2>\n", o);
  filters(o, &c);
  for (i = 0; i < rep->n; i++) {
    const struct pf_finding *f = &rep->f[i];
    if (seen_before(rep, i))
      continue;
    fputs("<section class=\"res\"><h3>", o);
    esc(o, f->kind ? f->kind : "resource");
    fputs(" ", o);
    esc(o, f->name ? f->name : f->resource);
    fputs("</h3><div class=\"id\">", o);
    esc(o, *f->resource ? f->resource : "(configuration)");
    fputs("</div>\n", o);
    for (k = i; k < rep->n; k++)
      if (!strcasecmp(rep->f[k].resource, f->resource))
        finding(o, &rep->f[k]);
    fputs("</section>\n", o);
  }
  fputs("<footer>Generated by preflight. Review every fix before you apply "
        "it.</footer>\n</main>\n<script>\n", o);
  fputs(js_body, o);
  fputs("</script>\n</body>\n</html>\n", o);
  return ferror(o) ? PF_EIO : PF_OK;
}

const struct pf_report_ops pf_report_html_ops = {
  "html", "one self-contained HTML page", write_html
};
