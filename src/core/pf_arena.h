/* SPDX-License-Identifier: MIT */
/* pf_arena.h - region allocator for data that lives and dies together
 *
 * The configuration model is built once and freed once; allocating it from
 * an arena keeps loaders free of per-field cleanup paths.  Memory is zeroed.
 */
#ifndef PF_ARENA_H
#define PF_ARENA_H

#include <stddef.h>

struct pf_arena_chunk;

struct pf_arena {
  struct pf_arena_chunk *head;
  size_t used;       /* bytes handed out, for inventory statistics */
};

void pf_arena_init(struct pf_arena *a);
/** Free every chunk; NULL-safe. */
void pf_arena_release(struct pf_arena *a);
/** Zeroed memory for \p n bytes, aligned for any type; NULL on failure. */
void *pf_arena_alloc(struct pf_arena *a, size_t n);
/** Zeroed array of \p n elements; NULL on overflow or failure. */
void *pf_arena_calloc(struct pf_arena *a, size_t n, size_t size);
/** NUL-terminated copy of \p n bytes of \p s; NULL on failure. */
char *pf_arena_strndup(struct pf_arena *a, const char *s, size_t n);
char *pf_arena_strdup(struct pf_arena *a, const char *s);

#endif
