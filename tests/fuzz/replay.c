/* SPDX-License-Identifier: MIT */
/* replay.c - run a fuzz target over every file of its seed corpus
 *
 * Linked with each fuzz_<name>.c when libFuzzer is not in use, so ctest
 * replays the corpus in ordinary and sanitizer builds alike.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long n;
  if (!f)
    return -1;
  if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
    fclose(f);
    return -1;
  }
  buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    fclose(f);
    return -1;
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, (size_t)n);
  free(buf);
  return 0;
}

int main(int argc, char **argv)
{
  int i, count = 0;
  for (i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: cannot stat '%s'\n", argv[i]);
      return 1;
    }
    if (S_ISDIR(st.st_mode)) {
      DIR *d = opendir(argv[i]);
      struct dirent *e;
      if (!d)
        return 1;
      while ((e = readdir(d)) != NULL) {
        char path[4096];
        if (e->d_name[0] == '.')
          continue;
        snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
        if (run_file(path) != 0) {
          fprintf(stderr, "replay: cannot read '%s'\n", path);
          closedir(d);
          return 1;
        }
        count++;
      }
      closedir(d);
    } else {
      if (run_file(argv[i]) != 0)
        return 1;
      count++;
    }
  }
  if (count == 0) {
    fprintf(stderr, "replay: empty corpus\n");
    return 1;
  }
  printf("replayed %d inputs\n", count);
  return 0;
}
