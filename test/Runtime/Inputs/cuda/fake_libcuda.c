/*===- fake_libcuda.c - a stand-in libcuda.so.1 for the runtime's tests ---===*
 * SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 *
 * Exports the CUDA driver functions the runtime resolves, with "device"
 * memory in host memory and the two kernels of kernels.ptx implemented in C
 * (by name), so the runtime's driver path runs on a machine with no GPU:
 * model load, weights upload, per-context buffers, launches and their
 * arguments, graph capture and replay, and release. It checks what a real
 * driver would refuse (no current context, a capture mode, an image that
 * lacks a kernel) and counts what is live, which it prints at exit.
 *
 * Built with -DFAKE_HIP it is a stand-in libamdhip64.so instead: the same
 * functions under the names of HIP's module API (hipModuleLaunchKernel for
 * cuLaunchKernel, ...), which take the same arguments; HIP's error names
 * are results, not out-parameters, and its trace lines say fake-hip.
 *
 * Environment: FAKE_CUDA_TRACE=1 prints each launch and graph replay;
 * FAKE_CUDA_DEVICES (1), FAKE_CUDA_CC (90), FAKE_CUDA_INIT (a cuInit result),
 * FAKE_CUDA_JIT_FAIL=1 (an old driver refusing the PTX),
 * FAKE_CUDA_CAPTURE_FAIL=1, FAKE_CUDA_SYNC_FAIL=1 (a kernel fault).
 *===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

#ifdef FAKE_HIP
#define FAKE "fake-hip"
#define cuInit hipInit
#define cuDriverGetVersion hipDriverGetVersion
#define cuDeviceGetCount hipGetDeviceCount
#define cuDeviceGet hipDeviceGet
#define cuDeviceGetAttribute hipDeviceGetAttribute
#define cuDeviceGetName hipDeviceGetName
#define cuDevicePrimaryCtxRetain hipDevicePrimaryCtxRetain
#define cuDevicePrimaryCtxRelease_v2 hipDevicePrimaryCtxRelease
#define cuCtxGetCurrent hipCtxGetCurrent
#define cuCtxSetCurrent hipCtxSetCurrent
#define cuMemAlloc_v2 hipMalloc
#define cuMemFree_v2 hipFree
#define cuMemcpyHtoD_v2 hipMemcpyHtoD
#define cuMemcpyHtoDAsync_v2 hipMemcpyHtoDAsync
#define cuMemcpyDtoHAsync_v2 hipMemcpyDtoHAsync
#define cuMemcpyDtoH_v2 hipMemcpyDtoH
#define cuModuleLoadDataEx hipModuleLoadDataEx
#define cuModuleGetFunction hipModuleGetFunction
#define cuModuleUnload hipModuleUnload
#define cuLaunchKernel hipModuleLaunchKernel
#define cuStreamCreate hipStreamCreateWithFlags
#define cuStreamSynchronize hipStreamSynchronize
#define cuStreamDestroy_v2 hipStreamDestroy
#define cuStreamBeginCapture_v2 hipStreamBeginCapture
#define cuStreamEndCapture hipStreamEndCapture
#define cuGraphInstantiateWithFlags hipGraphInstantiateWithFlags
#define cuGraphLaunch hipGraphLaunch
#define cuGraphExecDestroy hipGraphExecDestroy
#define cuGraphDestroy hipGraphDestroy
#else
#define FAKE "fake-cuda"
#endif

#define EXPORT __attribute__((visibility("default")))

static int live_allocs, live_modules, live_streams, live_graphs, live_execs, ctx_refs;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int primary_ctx; /* its address is the context handle */
static __thread void *current;

static int env_int(const char *name, int fallback) {
  const char *v = getenv(name);
  return v && *v ? atoi(v) : fallback;
}

static void count(int *n, int d) {
  pthread_mutex_lock(&lock);
  *n += d;
  pthread_mutex_unlock(&lock);
}

static void report(void) {
  fprintf(stderr,
          FAKE ": at exit: %d allocations, %d modules, %d streams, %d graphs, %d graph execs, "
               "%d context references\n",
          live_allocs, live_modules, live_streams, live_graphs, live_execs, ctx_refs);
}

#define NO_CONTEXT 201
#define CHECK_CONTEXT()                                                                            \
  if (current != &primary_ctx)                                                                     \
    return NO_CONTEXT;

EXPORT CUresult cuInit(unsigned flags) {
  if (flags)
    return 1;
  if (env_int("FAKE_CUDA_TRACE", 0))
    atexit(report);
  return env_int("FAKE_CUDA_INIT", 0);
}
EXPORT CUresult cuDriverGetVersion(int *v) {
#ifdef FAKE_HIP
  *v = 60241134; /* HIP 6.2 */
#else
  *v = 12080;
#endif
  return 0;
}

static const struct {
  int code;
  const char *name, *text;
} errors[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
     "the provided PTX was compiled with an unsupported toolchain."},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
    {900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
     "operation not permitted when stream is capturing"},
};
static int find_error(CUresult r) {
  for (size_t i = 0; i < sizeof errors / sizeof *errors; ++i)
    if (errors[i].code == r)
      return (int)i;
  return -1;
}
#ifdef FAKE_HIP
EXPORT const char *hipGetErrorName(CUresult r) {
  int i = find_error(r);
  return i < 0 ? "hipErrorUnknown" : errors[i].name;
}
EXPORT const char *hipGetErrorString(CUresult r) {
  int i = find_error(r);
  return i < 0 ? "unknown error" : errors[i].text;
}
#else
EXPORT CUresult cuGetErrorName(CUresult r, const char **s) {
  int i = find_error(r);
  *s = i < 0 ? NULL : errors[i].name;
  return i < 0 ? 1 : 0;
}
EXPORT CUresult cuGetErrorString(CUresult r, const char **s) {
  int i = find_error(r);
  *s = i < 0 ? NULL : errors[i].text;
  return i < 0 ? 1 : 0;
}
#endif

EXPORT CUresult cuDeviceGetCount(int *n) {
  *n = env_int("FAKE_CUDA_DEVICES", 1);
  return 0;
}
EXPORT CUresult cuDeviceGet(int *dev, int ordinal) {
  if (ordinal < 0 || ordinal >= env_int("FAKE_CUDA_DEVICES", 1))
    return 101;
  *dev = ordinal;
  return 0;
}
EXPORT CUresult cuDeviceGetAttribute(int *v, int attr, int dev) {
  (void)dev;
  int cc = env_int("FAKE_CUDA_CC", 90);
  if (attr == 75)
    *v = cc / 10;
  else if (attr == 76)
    *v = cc % 10;
  else
    return 1;
  return 0;
}
EXPORT CUresult cuDeviceGetName(char *name, int len, int dev) {
  snprintf(name, (size_t)len, "Fake GPU %d", dev);
  return 0;
}
EXPORT CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) {
  (void)dev;
  *ctx = &primary_ctx;
  count(&ctx_refs, 1);
  return 0;
}
EXPORT CUresult cuDevicePrimaryCtxRelease_v2(int dev) {
  (void)dev;
  count(&ctx_refs, -1);
  return 0;
}
EXPORT CUresult cuCtxGetCurrent(void **ctx) {
  *ctx = current;
  return 0;
}
EXPORT CUresult cuCtxSetCurrent(void *ctx) {
  current = ctx;
  return 0;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  CHECK_CONTEXT();
  if (!bytes)
    return 1;
  void *m = calloc(1, bytes);
  *p = (CUdeviceptr)(uintptr_t)m;
  count(&live_allocs, 1);
  return 0;
}
EXPORT CUresult cuMemFree_v2(CUdeviceptr p) {
  CHECK_CONTEXT();
  free((void *)(uintptr_t)p);
  count(&live_allocs, -1);
  return 0;
}
EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n) {
  CHECK_CONTEXT();
  memcpy((void *)(uintptr_t)dst, src, n);
  return 0;
}
EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n, void *s) {
  (void)s;
  return cuMemcpyHtoD_v2(dst, src, n);
}
EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, void *s) {
  (void)s;
  CHECK_CONTEXT();
  memcpy(dst, (const void *)(uintptr_t)src, n);
  return 0;
}
EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n) {
  return cuMemcpyDtoHAsync_v2(dst, src, n, NULL);
}

struct function {
  char name[64];
};
struct module {
  char *image;
  struct function functions[8];
  int count;
};

EXPORT CUresult cuModuleLoadDataEx(void **mod, const void *image, unsigned n, int *options,
                                   void **values) {
  CHECK_CONTEXT();
  if (env_int("FAKE_CUDA_JIT_FAIL", 0)) {
    for (unsigned i = 0; i + 1 < n; ++i)
      if (options[i] == 5 && options[i + 1] == 6)
        snprintf((char *)values[i], (size_t)(uintptr_t)values[i + 1],
                 "ptxas application ptx input, line 9; fatal   : Unsupported .version 7.8; "
                 "current version is '7.0'");
    return 222;
  }
  if (!strstr((const char *)image, ".entry"))
    return 218;
  struct module *m = calloc(1, sizeof *m);
  m->image = strdup((const char *)image);
  *mod = m;
  count(&live_modules, 1);
  return 0;
}
EXPORT CUresult cuModuleGetFunction(void **f, void *mod, const char *name) {
  CHECK_CONTEXT();
  char entry[96];
  snprintf(entry, sizeof entry, ".entry %s(", name);
  if (!strstr(((struct module *)mod)->image, entry))
    return 500;
  struct module *m = mod;
  if (m->count == 8)
    return 1;
  struct function *fn = &m->functions[m->count++];
  snprintf(fn->name, sizeof fn->name, "%s", name);
  *f = fn;
  return 0;
}
EXPORT CUresult cuModuleUnload(void *mod) {
  CHECK_CONTEXT();
  free(((struct module *)mod)->image);
  free(mod);
  count(&live_modules, -1);
  return 0;
}

/* A recorded launch: the kernel and its parameters by value (at most 8). */
struct node {
  struct function *f;
  unsigned grid[3], block[3];
  unsigned char params[8][8];
};
struct stream {
  int capturing;
  struct node nodes[16];
  int count;
};
struct graph {
  struct node nodes[16];
  int count;
};

/* Each kernel's parameter sizes, as kernels.ptx declares them. */
static int param_sizes(const char *name, int sizes[8]) {
  static const int mul[] = {8, 8, 8, 4}, add[] = {8, 8, 4, 8, 8};
  const int *s = strcmp(name, "mul_weights") == 0   ? mul
                 : strcmp(name, "add_scalars") == 0 ? add
                                                    : NULL;
  int n = s == mul ? 4 : s == add ? 5 : 0;
  for (int i = 0; i < n; ++i)
    sizes[i] = s[i];
  return n;
}

static void run(const struct node *n) {
  long threads =
      (long)n->grid[0] * n->grid[1] * n->grid[2] * n->block[0] * n->block[1] * n->block[2];
  CUdeviceptr p[3];
  if (strcmp(n->f->name, "mul_weights") == 0) {
    int32_t count;
    for (int i = 0; i < 3; ++i)
      memcpy(&p[i], n->params[i], 8);
    memcpy(&count, n->params[3], 4);
    float *x = (float *)(uintptr_t)p[0], *w = (float *)(uintptr_t)p[1],
          *t = (float *)(uintptr_t)p[2];
    for (long i = 0; i < threads && i < count; ++i)
      t[i] = x[i] * w[i];
  } else {
    float s;
    double d;
    int64_t count;
    memcpy(&p[0], n->params[0], 8);
    memcpy(&p[1], n->params[1], 8);
    memcpy(&s, n->params[2], 4);
    memcpy(&d, n->params[3], 8);
    memcpy(&count, n->params[4], 8);
    float *t = (float *)(uintptr_t)p[0], *y = (float *)(uintptr_t)p[1];
    for (long i = 0; i < threads && i < count; ++i)
      y[i] = t[i] + s + (float)d;
  }
}

EXPORT CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                               unsigned by, unsigned bz, unsigned shared, void *stream,
                               void **params, void **extra) {
  CHECK_CONTEXT();
  struct function *fn = f;
  struct stream *s = stream;
  int sizes[8];
  int n = param_sizes(fn->name, sizes);
  if (!n || extra || shared || !s || bx * by * bz > 1024)
    return 1;
  struct node node = {fn, {gx, gy, gz}, {bx, by, bz}, {{0}}};
  for (int i = 0; i < n; ++i)
    memcpy(node.params[i], params[i], (size_t)sizes[i]);
  if (s->capturing) {
    if (s->count == 16)
      return 1;
    s->nodes[s->count++] = node;
    return 0;
  }
  if (env_int("FAKE_CUDA_TRACE", 0))
    fprintf(stderr, FAKE ": launch %s grid %ux%ux%u block %ux%ux%u\n", fn->name, gx, gy, gz, bx, by,
            bz);
  run(&node);
  return 0;
}

EXPORT CUresult cuStreamCreate(void **s, unsigned flags) {
  CHECK_CONTEXT();
  if (flags != 1)
    return 1;
  *s = calloc(1, sizeof(struct stream));
  count(&live_streams, 1);
  return 0;
}
EXPORT CUresult cuStreamSynchronize(void *s) {
  CHECK_CONTEXT();
  if (((struct stream *)s)->capturing)
    return 900;
  return env_int("FAKE_CUDA_SYNC_FAIL", 0) ? 700 : 0;
}
EXPORT CUresult cuStreamDestroy_v2(void *s) {
  CHECK_CONTEXT();
  free(s);
  count(&live_streams, -1);
  return 0;
}
EXPORT CUresult cuStreamBeginCapture_v2(void *stream, int mode) {
  CHECK_CONTEXT();
  struct stream *s = stream;
  if (env_int("FAKE_CUDA_CAPTURE_FAIL", 0))
    return 900;
  if (mode != 1 || s->capturing)
    return 1;
  s->capturing = 1;
  s->count = 0;
  return 0;
}
EXPORT CUresult cuStreamEndCapture(void *stream, void **graph) {
  CHECK_CONTEXT();
  struct stream *s = stream;
  if (!s->capturing)
    return 1;
  struct graph *g = calloc(1, sizeof *g);
  memcpy(g->nodes, s->nodes, sizeof g->nodes);
  g->count = s->count;
  s->capturing = 0;
  *graph = g;
  count(&live_graphs, 1);
  return 0;
}
EXPORT CUresult cuGraphInstantiateWithFlags(void **exec, void *graph, unsigned long long flags) {
  CHECK_CONTEXT();
  if (flags)
    return 1;
  struct graph *g = malloc(sizeof *g);
  memcpy(g, graph, sizeof *g);
  *exec = g;
  count(&live_execs, 1);
  return 0;
}
EXPORT CUresult cuGraphLaunch(void *exec, void *stream) {
  CHECK_CONTEXT();
  (void)stream;
  struct graph *g = exec;
  if (env_int("FAKE_CUDA_TRACE", 0))
    fprintf(stderr, FAKE ": graph launch of %d kernels\n", g->count);
  for (int i = 0; i < g->count; ++i)
    run(&g->nodes[i]);
  return 0;
}
EXPORT CUresult cuGraphExecDestroy(void *exec) {
  CHECK_CONTEXT();
  free(exec);
  count(&live_execs, -1);
  return 0;
}
EXPORT CUresult cuGraphDestroy(void *graph) {
  CHECK_CONTEXT();
  free(graph);
  count(&live_graphs, -1);
  return 0;
}
