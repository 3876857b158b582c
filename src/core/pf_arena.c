/* SPDX-License-Identifier: MIT */
/* pf_arena.c - region allocator */
#include "pf_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "pf_mem.h"

#define CHUNK_MIN ((size_t)64 << 10)

struct pf_arena_chunk {
  struct pf_arena_chunk *next;
  size_t cap, off;
  alignas(max_align_t) unsigned char data[];
};

void pf_arena_init(struct pf_arena *a)
{
  a->head = NULL;
  a->used = 0;
}

void pf_arena_release(struct pf_arena *a)
{
  struct pf_arena_chunk *c, *next;
  if (!a)
    return;
  for (c = a->head; c; c = next) {
    next = c->next;
    pf_free(c);
  }
  a->head = NULL;
  a->used = 0;
}

void *pf_arena_alloc(struct pf_arena *a, size_t n)
{
  const size_t align = alignof(max_align_t);
  struct pf_arena_chunk *c = a->head;
  size_t need;
  void *p;

  if (n == 0)
    n = 1;
  if (n > SIZE_MAX - align)
    return NULL;
  need = (n + align - 1) & ~(align - 1);
  if (!c || c->cap - c->off < need) {
    size_t cap = need > CHUNK_MIN ? need : CHUNK_MIN;
    if (cap > SIZE_MAX - sizeof(*c))
      return NULL;
    c = pf_malloc(sizeof(*c) + cap);
    if (!c)
      return NULL;
    c->cap = cap;
    c->off = 0;
    c->next = a->head;
    a->head = c;
  }
  p = c->data + c->off;
  c->off += need;
  a->used += need;
  memset(p, 0, n);
  return p;
}

void *pf_arena_calloc(struct pf_arena *a, size_t n, size_t size)
{
  if (size && n > SIZE_MAX / size)
    return NULL;
  return pf_arena_alloc(a, n * size);
}

char *pf_arena_strndup(struct pf_arena *a, const char *s, size_t n)
{
  char *d;
  if (!s || n == SIZE_MAX)
    return NULL;
  d = pf_arena_alloc(a, n + 1);
  if (!d)
    return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *pf_arena_strdup(struct pf_arena *a, const char *s)
{
  return s ? pf_arena_strndup(a, s, strlen(s)) : NULL;
}
