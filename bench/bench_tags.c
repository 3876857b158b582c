/* SPDX-License-Identifier: MIT */
/* bench_tags.c - service tag load time and peak memory against cJSON
 *
 * Usage: bench_tags FILE [iterations]
 *
 * Issue 2 performance targets for the ~4.1 MB public file: loading takes
 * at most 1.5 x the time of a bare cJSON parse of the same bytes, and peak
 * RSS stays at most 3 x the file size.  The two variants run alternately
 * in one process so they share the machine's noise; peak RSS is measured
 * in a forked child per variant (ru_maxrss is a high-water mark, so each
 * needs a fresh process).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/pf_file.h"
#include "core/pf_mem.h"
#include "model/pf_tags.h"

#define FILE_MAX ((size_t)64 << 20)

enum variant { V_CJSON, V_TAGDB };

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One load of \p path by \p v, file read included.  \return 0 on success. */
static int run_once(enum variant v, const char *path)
{
  struct pf_err err;
  pf_err_clear(&err);
  if (v == V_CJSON) {
    char *buf;
    size_t len;
    cJSON *root;
    if (pf_file_read(path, FILE_MAX, &buf, &len, &err) != PF_OK) {
      fprintf(stderr, "bench_tags: %s\n", err.msg);
      return -1;
    }
    root = cJSON_ParseWithLength(buf, len);
    pf_free(buf);
    if (!root) {
      fprintf(stderr, "bench_tags: %s: cJSON parse failed\n", path);
      return -1;
    }
    cJSON_Delete(root);
  } else {
    struct pf_tagdb *db;
    if (pf_tagdb_load_file(&db, path, &err) != PF_OK) {
      fprintf(stderr, "bench_tags: %s\n", err.msg);
      return -1;
    }
    pf_tagdb_destroy(db);
  }
  return 0;
}

/*
 * Peak RSS in KB of a fresh process doing one load.  The variant's data
 * is live at the moment of the peak (the cJSON tree with the file buffer
 * freed only after the parse; the tag database before destroy), which is
 * what ru_maxrss captures.
 */
static long peak_rss_kb(enum variant v, const char *path)
{
  int fds[2], status;
  pid_t pid;
  long kb = -1;

  if (pipe(fds) != 0)
    return -1;
  pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    struct rusage ru;
    long r = -1;
    close(fds[0]);
    if (run_once(v, path) == 0 && getrusage(RUSAGE_SELF, &ru) == 0)
      r = ru.ru_maxrss;
    if (write(fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
      _exit(1);
    _exit(0);
  }
  close(fds[1]);
  if (read(fds[0], &kb, sizeof(kb)) != (ssize_t)sizeof(kb))
    kb = -1;
  close(fds[0]);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  return kb;
}

/* Baseline of a process that loads nothing (libc, the binary). */
static long idle_rss_kb(void)
{
  int fds[2], status;
  pid_t pid;
  long kb = -1;
  if (pipe(fds) != 0)
    return -1;
  pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    struct rusage ru;
    long r = -1;
    close(fds[0]);
    if (getrusage(RUSAGE_SELF, &ru) == 0)
      r = ru.ru_maxrss;
    if (write(fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
      _exit(1);
    _exit(0);
  }
  close(fds[1]);
  if (read(fds[0], &kb, sizeof(kb)) != (ssize_t)sizeof(kb))
    kb = -1;
  close(fds[0]);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  return kb;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
  qsort(v, (size_t)n, sizeof(*v), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
  const char *path;
  int iters = 21, i;
  double *ta, *tb, ma, mb;
  long rss_a, rss_b, rss_0;
  FILE *f;
  long fsize;

  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: bench_tags FILE [iterations]\n");
    return 2;
  }
  path = argv[1];
  if (argc == 3) {
    iters = atoi(argv[2]);
    if (iters < 1 || iters > 100000) {
      fprintf(stderr, "bench_tags: iterations must be 1..100000\n");
      return 2;
    }
  }
  f = fopen(path, "rb");
  if (!f || fseek(f, 0, SEEK_END) != 0 || (fsize = ftell(f)) < 0) {
    fprintf(stderr, "bench_tags: %s: cannot size file\n", path);
    if (f)
      fclose(f);
    return 2;
  }
  fclose(f);

  ta = pf_calloc((size_t)iters, sizeof(*ta));
  tb = pf_calloc((size_t)iters, sizeof(*tb));
  if (!ta || !tb) {
    fprintf(stderr, "bench_tags: out of memory\n");
    return 2;
  }
  /* memory first, while this process is small: a forked child starts
   * with the parent's resident pages already counted */
  rss_0 = idle_rss_kb();
  rss_a = peak_rss_kb(V_CJSON, path);
  rss_b = peak_rss_kb(V_TAGDB, path);
  /* warm the page cache and the allocator once */
  if (run_once(V_CJSON, path) || run_once(V_TAGDB, path))
    return 1;
  for (i = 0; i < iters; i++) {
    double t0 = now_ms();
    if (run_once(V_CJSON, path))
      return 1;
    ta[i] = now_ms() - t0;
    t0 = now_ms();
    if (run_once(V_TAGDB, path))
      return 1;
    tb[i] = now_ms() - t0;
  }
  ma = median(ta, iters);
  mb = median(tb, iters);

  printf("file            %s\n", path);
  printf("file size       %ld bytes (%.0f KB)\n", fsize,
         (double)fsize / 1024.0);
  printf("iterations      %d\n", iters);
  printf("(a) read+cJSON  median %.2f ms\n", ma);
  printf("(b) tagdb load  median %.2f ms\n", mb);
  printf("ratio b/a       %.2f (target <= 1.5)\n", mb / ma);
  printf("idle RSS        %ld KB\n", rss_0);
  printf("(a) peak RSS    %ld KB (%.2f x file)\n", rss_a,
         (double)rss_a * 1024.0 / (double)fsize);
  printf("(b) peak RSS    %ld KB (%.2f x file; %.2f x above idle; target "
         "<= 3)\n",
         rss_b, (double)rss_b * 1024.0 / (double)fsize,
         (double)(rss_b - rss_0) * 1024.0 / (double)fsize);
  pf_free(ta);
  pf_free(tb);
  return 0;
}
