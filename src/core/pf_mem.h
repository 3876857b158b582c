/* SPDX-License-Identifier: MIT */
/* pf_mem.h - checked allocation: the only place raw malloc is called
 *
 * Sizes are multiplied with overflow checks; zero-size requests are treated
 * as 1 byte so malloc(0) never happens (c-ares memory rules, STYLE.md 10).
 * Every function returns NULL on failure; callers turn that into PF_ENOMEM.
 */
#ifndef PF_MEM_H
#define PF_MEM_H

#include <stddef.h>

/** Allocate \p n bytes (uninitialised). \return NULL on failure. */
void *pf_malloc(size_t n);
/** Allocate \p n * \p size zeroed bytes; NULL on overflow or failure. */
void *pf_calloc(size_t n, size_t size);
/**
 * Resize \p p to hold \p n elements of \p size bytes.  On failure NULL is
 * returned and \p p is left valid and unchanged.
 */
void *pf_reallocarray(void *p, size_t n, size_t size);
/** Free \p p; NULL-safe. */
void pf_free(void *p);
/** Copy \p n bytes of \p s into a new NUL-terminated string; caller frees. */
char *pf_strndup(const char *s, size_t n);
/** Copy NUL-terminated \p s; caller frees.  NULL in, NULL out. */
char *pf_strdup(const char *s);
/**
 * Overwrite \p n bytes at \p p with zeros so that the compiler keeps the
 * stores (secrets: keys, tokens).  NULL-safe.
 */
void pf_mem_wipe(void *p, size_t n);

/**
 * Grow an array so it holds at least \p need elements, doubling.  \p *cap is
 * updated.  \return 0 on success, -1 on overflow or allocation failure (the
 * array is then unchanged).
 */
int pf_grow(void **arr, size_t *cap, size_t need, size_t elem);

#define PF_GROW(arr, cap, need) \
  pf_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

#endif
