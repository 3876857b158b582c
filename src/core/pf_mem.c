/* SPDX-License-Identifier: MIT */
/* pf_mem.c - checked allocation wrappers */
#include "pf_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void *pf_malloc(size_t n)
{
  return malloc(n ? n : 1);
}

void *pf_calloc(size_t n, size_t size)
{
  if (size && n > SIZE_MAX / size)
    return NULL;
  if (!n || !size)
    n = size = 1;
  return calloc(n, size);
}

void *pf_reallocarray(void *p, size_t n, size_t size)
{
  size_t bytes;
  if (size && n > SIZE_MAX / size)
    return NULL;
  bytes = n * size;
  return realloc(p, bytes ? bytes : 1);
}

void pf_free(void *p)
{
  free(p);
}

char *pf_strndup(const char *s, size_t n)
{
  char *d;
  if (!s || n == SIZE_MAX)
    return NULL;
  d = pf_malloc(n + 1);
  if (!d)
    return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *pf_strdup(const char *s)
{
  return s ? pf_strndup(s, strlen(s)) : NULL;
}

int pf_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
  size_t ncap;
  void *p;
  if (need <= *cap)
    return 0;
  ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2)
      return -1;
    ncap *= 2;
  }
  p = pf_reallocarray(*arr, ncap, elem);
  if (!p)
    return -1;
  *arr = p;
  *cap = ncap;
  return 0;
}

void pf_mem_wipe(void *p, size_t n)
{
  if (p && n)
    OPENSSL_cleanse(p, n);
}
