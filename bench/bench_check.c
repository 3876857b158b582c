/* SPDX-License-Identifier: MIT */
/* bench_check.c - `check` on a generated enterprise environment
 *
 * usage: bench_check TAGFILE [iterations]
 *
 * Generates (in a temporary folder) one workspace with storage, key vault
 * and registry firewalls, a vnet of 50 subnets, 200 NSGs of 100 rules
 * (service tags, CIDRs, port lists), 50 computes across the 50 subnets,
 * then times, alternately: (a) reading and bare-parsing every input with
 * cJSON (the tag file included), (b) the whole check: load, tag index,
 * catalogue, every rule.  Peak RSS of each is measured in a forked child.
 * Issue 4 target: (b) <= 2 x (a), RSS <= 64 MB.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/pf_file.h"
#include "core/pf_mem.h"
#include "eval/pf_check.h"
#include "load/pf_load.h"

#define SUB "7d0a5f3e-1111-4222-8333-944455556666"
#define RG "rg-bench"
#define P "/subscriptions/" SUB "/resourceGroups/" RG "/providers"

static const char *const tags[] = {
  "BatchNodeManagement.WestEurope", "AzureMachineLearning",
  "Storage.WestEurope", "AzureContainerRegistry.WestEurope",
  "AzureActiveDirectory", "AzureResourceManager", "AzureMonitor",
  "AzureKeyVault.WestEurope", "AzureCloud.westeurope", "Internet",
  "VirtualNetwork", "AzureLoadBalancer"};

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static FILE *open_in(const char *dir, const char *name)
{
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  return fopen(path, "w");
}

static void generate(const char *dir)
{
  FILE *f;
  int i, j;
  unsigned seed = 7;

  f = open_in(dir, "workspace.json");
  fprintf(f, "{\"id\":\"%s/Microsoft.MachineLearningServices/workspaces/ws\","
          "\"name\":\"ws\",\"location\":\"westeurope\","
          "\"storage_account\":\"%s/Microsoft.Storage/storageAccounts/st\","
          "\"key_vault\":\"%s/Microsoft.KeyVault/vaults/kv\","
          "\"container_registry\":\"%s/Microsoft.ContainerRegistry/"
          "registries/cr\",\"image_build_compute\":\"c0\"}\n",
          P, P, P, P);
  fclose(f);
  f = open_in(dir, "data.json");
  fprintf(f, "[{\"id\":\"%s/Microsoft.Storage/storageAccounts/st\","
          "\"name\":\"st\",\"type\":\"Microsoft.Storage/storageAccounts\","
          "\"location\":\"westeurope\",\"networkRuleSet\":{\"bypass\":"
          "\"AzureServices\",\"defaultAction\":\"Deny\",\"ipRules\":[],"
          "\"virtualNetworkRules\":[",
          P);
  for (i = 0; i < 50; i++)
    fprintf(f, "%s{\"virtualNetworkResourceId\":\"%s/Microsoft.Network/"
            "virtualNetworks/vnet/subnets/s%d\"}",
            i ? "," : "", P, i);
  fprintf(f, "]}},{\"id\":\"%s/Microsoft.KeyVault/vaults/kv\",\"name\":"
          "\"kv\",\"type\":\"Microsoft.KeyVault/vaults\",\"location\":"
          "\"westeurope\",\"properties\":{\"networkAcls\":{\"bypass\":"
          "\"AzureServices\",\"defaultAction\":\"Deny\"}}},"
          "{\"id\":\"%s/Microsoft.ContainerRegistry/registries/cr\","
          "\"name\":\"cr\",\"type\":\"Microsoft.ContainerRegistry/"
          "registries\",\"location\":\"westeurope\",\"sku\":{\"name\":"
          "\"Premium\"},\"networkRuleSet\":{\"defaultAction\":\"Deny\"}}]\n",
          P, P);
  fclose(f);
  f = open_in(dir, "vnet.json");
  fprintf(f, "{\"id\":\"%s/Microsoft.Network/virtualNetworks/vnet\","
          "\"name\":\"vnet\",\"location\":\"westeurope\",\"type\":"
          "\"Microsoft.Network/virtualNetworks\",\"addressSpace\":"
          "{\"addressPrefixes\":[\"10.0.0.0/8\"]},\"subnets\":[",
          P);
  for (i = 0; i < 50; i++)
    fprintf(f, "%s{\"id\":\"%s/Microsoft.Network/virtualNetworks/vnet/"
            "subnets/s%d\",\"name\":\"s%d\",\"addressPrefix\":"
            "\"10.%d.0.0/16\",\"networkSecurityGroup\":{\"id\":\"%s/"
            "Microsoft.Network/networkSecurityGroups/nsg%d\"}}",
            i ? "," : "", P, i, i, i, P, i);
  fprintf(f, "]}\n");
  fclose(f);
  f = open_in(dir, "nsgs.json");
  fprintf(f, "[");
  for (i = 0; i < 200; i++) {
    fprintf(f, "%s{\"id\":\"%s/Microsoft.Network/networkSecurityGroups/"
            "nsg%d\",\"name\":\"nsg%d\",\"location\":\"westeurope\","
            "\"type\":\"Microsoft.Network/networkSecurityGroups\","
            "\"securityRules\":[",
            i ? "," : "", P, i, i);
    for (j = 0; j < 100; j++) {
      unsigned r = (seed = seed * 1103515245u + 12345u) >> 8;
      const char *src = (r % 3 == 0) ? tags[r % 12] : NULL;
      fprintf(f, "%s{\"name\":\"r%d\",\"priority\":%d,\"direction\":\"%s\","
              "\"access\":\"%s\",\"protocol\":\"%s\",",
              j ? "," : "", j, 100 + j * 10, (r & 16) ? "Inbound" : "Outbound",
              (r & 32) ? "Allow" : "Deny", (r & 64) ? "Tcp" : "*");
      if (src)
        fprintf(f, "\"sourceAddressPrefix\":\"%s\",", src);
      else
        fprintf(f, "\"sourceAddressPrefixes\":[\"%u.%u.0.0/16\","
                "\"%u.%u.%u.0/24\"],",
                (r % 200) + 11, (r >> 8) % 256, (r % 190) + 11,
                (r >> 4) % 256, (r >> 12) % 256);
      fprintf(f, "\"sourcePortRange\":\"*\",\"destinationAddressPrefix\":"
              "\"%s\",\"destinationPortRanges\":[\"%u\",\"%u-%u\"]}",
              (r & 128) ? tags[(r >> 3) % 12] : "*", 1000 + r % 60000,
              20000 + r % 100, 20100 + r % 1000);
    }
    fprintf(f, "]}");
  }
  fprintf(f, "]\n");
  fclose(f);
  f = open_in(dir, "computes.json");
  fprintf(f, "[");
  for (i = 0; i < 50; i++)
    fprintf(f, "%s{\"id\":\"%s/Microsoft.MachineLearningServices/workspaces/"
            "ws/computes/c%d\",\"name\":\"c%d\",\"type\":\"%s\","
            "\"location\":\"westeurope\",\"max_instances\":%d,"
            "\"network_settings\":{\"subnet\":\"%s/Microsoft.Network/"
            "virtualNetworks/vnet/subnets/s%d\"}}",
            i ? "," : "", P, i, i, i % 3 ? "amlcompute" : "computeinstance",
            10 + i, P, i);
  fprintf(f, "]\n");
  fclose(f);
}

static const char *const files[] = {"workspace.json", "data.json",
                                    "vnet.json", "nsgs.json",
                                    "computes.json"};

static double bare(const char *dir, const char *tagfile)
{
  double t0 = now_ms();
  size_t i;
  for (i = 0; i <= 5; i++) {
    char path[512], *buf;
    size_t len;
    cJSON *j;
    if (i < 5)
      snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
    else
      snprintf(path, sizeof(path), "%s", tagfile);
    if (pf_file_read(path, (size_t)64 << 20, &buf, &len, NULL) != PF_OK)
      exit(1);
    j = cJSON_ParseWithLength(buf, len);
    cJSON_Delete(j);
    pf_free(buf);
  }
  return now_ms() - t0;
}

static double full(const char *dir, const char *tagfile, size_t *nres)
{
  double t0 = now_ms();
  struct pf_config *cfg;
  struct pf_tagdb *db;
  struct pf_catalogue *cat;
  struct pf_results rs;
  struct pf_check_opts o;
  struct pf_err err;
  const char *paths[1];
  pf_err_clear(&err);
  paths[0] = dir;
  if (pf_config_create(&cfg) != PF_OK ||
      pf_load_paths(cfg, paths, 1, NULL, &err) != PF_OK ||
      pf_tagdb_load_file(&db, tagfile, &err) != PF_OK ||
      pf_catalogue_load(&cat, PF_SOURCE_DIR "/rules", &err) != PF_OK) {
    fprintf(stderr, "bench_check: %s\n", err.msg);
    exit(1);
  }
  memset(&o, 0, sizeof(o));
  o.profile = "2020";
  if (pf_check_run(cat, cfg, db, &o, &rs) != PF_OK)
    exit(1);
  *nres = rs.n;
  pf_results_release(&rs);
  pf_catalogue_destroy(cat);
  pf_tagdb_destroy(db);
  pf_config_destroy(cfg);
  return now_ms() - t0;
}

static long child_rss(int which, const char *dir, const char *tagfile)
{
  pid_t pid = fork();
  int fd[2];
  long kb = -1;
  if (pid < 0)
    return -1;
  (void)fd;
  if (pid == 0) {
    struct rusage ru;
    size_t n;
    if (which)
      full(dir, tagfile, &n);
    else
      bare(dir, tagfile);
    getrusage(RUSAGE_SELF, &ru);
    printf("rss %d %ld\n", which, ru.ru_maxrss);
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  return kb;
}

static int cmp_d(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
  char dir[] = "/tmp/pf-bench-check-XXXXXX";
  int iters = argc > 2 ? atoi(argv[2]) : 7, i;
  double *a, *b;
  size_t nres = 0;
  if (argc < 2) {
    fprintf(stderr, "usage: bench_check TAGFILE [iterations]\n");
    return 2;
  }
  if (!mkdtemp(dir))
    return 1;
  generate(dir);
  a = calloc((size_t)iters, sizeof(*a));
  b = calloc((size_t)iters, sizeof(*b));
  child_rss(0, dir, argv[1]);
  child_rss(1, dir, argv[1]);
  for (i = 0; i < iters; i++) {
    a[i] = bare(dir, argv[1]);
    b[i] = full(dir, argv[1], &nres);
  }
  qsort(a, (size_t)iters, sizeof(*a), cmp_d);
  qsort(b, (size_t)iters, sizeof(*b), cmp_d);
  printf("inputs: 200 NSGs x 100 rules, 50 subnets, 50 computes, %s\n",
         argv[1]);
  printf("bare cJSON parse of the inputs: median %.1f ms\n", a[iters / 2]);
  printf("preflight check (load, tags, catalogue, %zu results): median "
         "%.1f ms\n", nres, b[iters / 2]);
  printf("ratio: %.2f\n", b[iters / 2] / a[iters / 2]);
  if (getenv("PF_BENCH_KEEP")) {
    printf("inputs kept in %s\n", dir);
  } else {
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
      return 1;
  }
  free(a);
  free(b);
  return 0;
}
