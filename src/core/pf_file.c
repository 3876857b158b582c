/* SPDX-License-Identifier: MIT */
/* pf_file.c - bounded whole-file reads and sorted directory walks */
#include "pf_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_mem.h"

/* strerror text, first letter lowered (messages are lowercase) */
static const char *errtext(int e, char *buf, size_t cap)
{
  snprintf(buf, cap, "%s", strerror(e));
  if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
    buf[0] = (char)(buf[0] - 'A' + 'a');
  return buf;
}
#define ERRTXT(e) errtext((e), ebuf, sizeof(ebuf))

#define WALK_MAX_DEPTH 32

static pf_status read_fd(int fd, const char *path, size_t max, size_t hint,
                         char **buf, size_t *len, struct pf_err *err)
{
  char ebuf[128];
  /* a regular file's size is known: one allocation, no copies */
  size_t cap = hint && hint < max ? hint + 2 : 65536, n = 0;
  char *b = pf_malloc(cap);
  if (!b)
    return pf_err_set(err, PF_ENOMEM, "%s: out of memory", path);
  for (;;) {
    ssize_t got;
    if (n + 1 >= cap) {
      char *nb;
      if (cap > max + 1) {
        pf_free(b);
        return pf_err_set(err, PF_ETOOBIG,
                          "%s: file is larger than the limit of %zu bytes",
                          path, max);
      }
      nb = pf_reallocarray(b, cap * 2, 1);
      if (!nb) {
        pf_free(b);
        return pf_err_set(err, PF_ENOMEM, "%s: out of memory", path);
      }
      b = nb;
      cap *= 2;
    }
    got = read(fd, b + n, cap - n - 1);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      pf_free(b);
      return pf_err_set(err, PF_EIO, "%s: %s", path, ERRTXT(errno));
    }
    if (got == 0)
      break;
    n += (size_t)got;
    if (n > max) {
      pf_free(b);
      return pf_err_set(err, PF_ETOOBIG,
                        "%s: file is larger than the limit of %zu bytes",
                        path, max);
    }
  }
  b[n] = '\0';
  *buf = b;
  *len = n;
  return PF_OK;
}

pf_status pf_file_read(const char *path, size_t max, char **buf, size_t *len,
                       struct pf_err *err)
{
  char ebuf[128];
  struct stat st;
  int fd;
  pf_status rc;

  *buf = NULL;
  *len = 0;
  if (strcmp(path, "-") == 0)
    return read_fd(0, "<stdin>", max, 0, buf, len, err);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return pf_err_set(err, errno == ENOENT ? PF_ENOENT : PF_EIO, "%s: %s",
                      path, ERRTXT(errno));
  if (fstat(fd, &st) != 0) {
    rc = pf_err_set(err, PF_EIO, "%s: %s", path, ERRTXT(errno));
    close(fd);
    return rc;
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return pf_err_set(err, PF_EIO, "%s: is a directory", path);
  }
  if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
    close(fd);
    return pf_err_set(err, PF_ETOOBIG,
                      "%s: file is %lld bytes, larger than the limit of "
                      "%zu bytes",
                      path, (long long)st.st_size, max);
  }
  rc = read_fd(fd, path, max,
               S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, buf, len, err);
  close(fd);
  return rc;
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_json_ext(const char *name)
{
  size_t n = strlen(name);
  return n > 5 && strcasecmp(name + n - 5, ".json") == 0;
}

static pf_status walk_dir(const char *dir, int depth,
                          pf_status (*cb)(const char *file, void *arg),
                          void *arg, struct pf_err *err)
{
  char ebuf[128];
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, cap = 0, i;
  pf_status rc = PF_OK;

  if (depth > WALK_MAX_DEPTH)
    return pf_err_set(err, PF_EINVAL,
                      "%s: directories nested deeper than %d levels", dir,
                      WALK_MAX_DEPTH);
  d = opendir(dir);
  if (!d)
    return pf_err_set(err, PF_EIO, "%s: %s", dir, ERRTXT(errno));
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    if (PF_GROW(names, cap, n + 1)) {
      rc = pf_err_set(err, PF_ENOMEM, "%s: out of memory", dir);
      goto done;
    }
    names[n] = pf_strdup(e->d_name);
    if (!names[n]) {
      rc = pf_err_set(err, PF_ENOMEM, "%s: out of memory", dir);
      goto done;
    }
    n++;
  }
  qsort(names, n, sizeof(*names), cmp_names);
  for (i = 0; i < n && rc == PF_OK; i++) {
    char path[4096];
    struct stat st;
    int w = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    if (w < 0 || (size_t)w >= sizeof(path)) {
      rc = pf_err_set(err, PF_EINVAL, "%s/%s: path too long", dir, names[i]);
      break;
    }
    if (stat(path, &st) != 0) {
      rc = pf_err_set(err, PF_EIO, "%s: %s", path, ERRTXT(errno));
      break;
    }
    if (S_ISDIR(st.st_mode))
      rc = walk_dir(path, depth + 1, cb, arg, err);
    else if (has_json_ext(names[i]) && !S_ISREG(st.st_mode))
      rc = pf_err_set(err, PF_EIO, "%s: not a regular file", path);
    else if (has_json_ext(names[i]))
      rc = cb(path, arg);
  }
done:
  closedir(d);
  for (i = 0; i < n; i++)
    pf_free(names[i]);
  pf_free(names);
  return rc;
}

pf_status pf_file_walk(const char *path,
                       pf_status (*cb)(const char *file, void *arg),
                       void *arg, struct pf_err *err)
{
  char ebuf[128];
  struct stat st;
  if (strcmp(path, "-") == 0)
    return cb(path, arg);
  if (stat(path, &st) != 0)
    return pf_err_set(err, errno == ENOENT ? PF_ENOENT : PF_EIO, "%s: %s",
                      path, ERRTXT(errno));
  if (S_ISDIR(st.st_mode)) {
    size_t n = strlen(path);
    char trimmed[4096];
    if (n >= sizeof(trimmed))
      return pf_err_set(err, PF_EINVAL, "%s: path too long", path);
    memcpy(trimmed, path, n + 1);
    while (n > 1 && trimmed[n - 1] == '/')
      trimmed[--n] = '\0';
    return walk_dir(trimmed, 0, cb, arg, err);
  }
  return cb(path, arg);
}
