//===- cuda.cpp - run a launch plan through the CUDA driver ---------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The driver API's few types and functions are declared here by hand, as
// NVIDIA's cuda.h spells them, and resolved with dlsym under the names the
// driver exports (cuda.h #defines cuMemAlloc to cuMemAlloc_v2 and so on).
// Every entry point makes the model's primary context current on the
// calling thread and restores the caller's afterwards, so contexts may be
// run from any thread and a host program's own CUDA state is left alone.
//===----------------------------------------------------------------------===//

#include "cuda.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace autoglm::rt {
namespace {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUgraph = void *;
using CUgraphExec = void *;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_JIT_INFO_LOG_BUFFER = 3;
constexpr int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;
constexpr int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;

// Required: every driver since CUDA 11.0 exports these.
#define AUTOGLM_CUDA_REQUIRED(X)                                                                   \
  X(cuInit, unsigned)                                                                              \
  X(cuGetErrorName, CUresult, const char **)                                                       \
  X(cuGetErrorString, CUresult, const char **)                                                     \
  X(cuDeviceGetCount, int *)                                                                       \
  X(cuDeviceGet, CUdevice *, int)                                                                  \
  X(cuDeviceGetAttribute, int *, int, CUdevice)                                                    \
  X(cuDeviceGetName, char *, int, CUdevice)                                                        \
  X(cuDevicePrimaryCtxRetain, CUcontext *, CUdevice)                                               \
  X(cuDevicePrimaryCtxRelease_v2, CUdevice)                                                        \
  X(cuCtxGetCurrent, CUcontext *)                                                                  \
  X(cuCtxSetCurrent, CUcontext)                                                                    \
  X(cuMemAlloc_v2, CUdeviceptr *, size_t)                                                          \
  X(cuMemFree_v2, CUdeviceptr)                                                                     \
  X(cuMemcpyHtoD_v2, CUdeviceptr, const void *, size_t)                                            \
  X(cuMemcpyHtoDAsync_v2, CUdeviceptr, const void *, size_t, CUstream)                             \
  X(cuMemcpyDtoHAsync_v2, void *, CUdeviceptr, size_t, CUstream)                                   \
  X(cuModuleLoadDataEx, CUmodule *, const void *, unsigned, int *, void **)                        \
  X(cuModuleGetFunction, CUfunction *, CUmodule, const char *)                                     \
  X(cuModuleUnload, CUmodule)                                                                      \
  X(cuLaunchKernel, CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,        \
    unsigned, CUstream, void **, void **)                                                          \
  X(cuStreamCreate, CUstream *, unsigned)                                                          \
  X(cuStreamSynchronize, CUstream)                                                                 \
  X(cuStreamDestroy_v2, CUstream)

// Optional (CUDA 11.4 on): without them, no CUDA graphs.
#define AUTOGLM_CUDA_GRAPH(X)                                                                      \
  X(cuStreamBeginCapture_v2, CUstream, int)                                                        \
  X(cuStreamEndCapture, CUstream, CUgraph *)                                                       \
  X(cuGraphInstantiateWithFlags, CUgraphExec *, CUgraph, unsigned long long)                       \
  X(cuGraphLaunch, CUgraphExec, CUstream)                                                          \
  X(cuGraphExecDestroy, CUgraphExec)                                                               \
  X(cuGraphDestroy, CUgraph)

struct Driver {
  void *handle = nullptr;
  CUresult (*cuDriverGetVersion)(int *) = nullptr;
#define AUTOGLM_DECLARE(name, ...) CUresult (*name)(__VA_ARGS__) = nullptr;
  AUTOGLM_CUDA_REQUIRED(AUTOGLM_DECLARE)
  AUTOGLM_CUDA_GRAPH(AUTOGLM_DECLARE)
#undef AUTOGLM_DECLARE
  bool graphs = false;
  int version = 0;
  // Why the driver is unusable: `missing` (dlopen failed, with dlerror's
  // words) or `problem` (a symbol or cuInit failed).
  std::string missing, problem;
};

Driver &theDriver() {
  static Driver d;
  return d;
}

std::string versionString(int v) {
  return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

std::string cuError(CUresult r) {
  const Driver &d = theDriver();
  const char *name = nullptr, *text = nullptr;
  if (d.cuGetErrorName)
    d.cuGetErrorName(r, &name);
  if (d.cuGetErrorString)
    d.cuGetErrorString(r, &text);
  std::string s = name ? name : "CUDA error " + std::to_string(r);
  return text ? s + ": " + text : s;
}

/// Loads libcuda.so.1 once per process. It is never closed: the driver
/// tears itself down at exit.
const Driver &loadDriver() {
  static std::once_flag once;
  std::call_once(once, [] {
    Driver &d = theDriver();
    d.handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!d.handle) {
      const char *why = dlerror();
      d.missing = why ? why : "dlopen failed";
      return;
    }
    d.cuDriverGetVersion = (CUresult (*)(int *))dlsym(d.handle, "cuDriverGetVersion");
    if (d.cuDriverGetVersion)
      d.cuDriverGetVersion(&d.version);
    std::string lacks;
#define AUTOGLM_RESOLVE(name, ...)                                                                 \
  d.name = (decltype(d.name))dlsym(d.handle, #name);                                               \
  if (!d.name && lacks.empty())                                                                    \
    lacks = #name;
    AUTOGLM_CUDA_REQUIRED(AUTOGLM_RESOLVE)
    if (!lacks.empty()) {
      d.problem = "the CUDA driver (libcuda.so.1, version " + versionString(d.version) +
                  ") lacks " + lacks + ": this runtime needs a driver of CUDA 11.4 or newer";
      return;
    }
    AUTOGLM_CUDA_GRAPH(AUTOGLM_RESOLVE)
#undef AUTOGLM_RESOLVE
    d.graphs = lacks.empty();
    if (CUresult r = d.cuInit(0))
      d.problem = "the CUDA driver (libcuda.so.1, version " + versionString(d.version) +
                  ") failed to initialize: " + cuError(r);
  });
  return theDriver();
}

/// Makes `ctx` current on this thread for the scope and restores the
/// thread's previous context after.
class ScopedContext {
public:
  explicit ScopedContext(CUcontext ctx) {
    const Driver &d = theDriver();
    if (d.cuCtxGetCurrent(&previous) != CUDA_SUCCESS)
      previous = nullptr;
    result = d.cuCtxSetCurrent(ctx);
  }
  ~ScopedContext() { theDriver().cuCtxSetCurrent(previous); }
  CUresult result;

private:
  CUcontext previous = nullptr;
};

CUresult launch(const CudaContext &c, size_t i) {
  const GpuLaunch &l = c.model->plan->launches[i];
  return theDriver().cuLaunchKernel(c.model->functions[l.kernel], l.grid[0], l.grid[1], l.grid[2],
                                    l.block[0], l.block[1], l.block[2], l.sharedBytes, c.stream,
                                    const_cast<void **>(c.params[i].data()), nullptr);
}

std::string launchName(const CudaContext &c, size_t i) {
  const GpuPlan &p = *c.model->plan;
  const GpuLaunch &l = p.launches[i];
  return "gpu launch " + std::to_string(i) + " (kernel " + p.kernels[l.kernel] +
         (l.node.empty() ? "" : ", ONNX node " + l.node) + ")";
}

/// Records the launches into a CUDA graph and instantiates it; false (and
/// the stream left as it was) when the driver refuses any step.
bool captureGraph(CudaContext &c) {
  const Driver &d = theDriver();
  if (d.cuStreamBeginCapture_v2(c.stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL) != CUDA_SUCCESS)
    return false;
  bool launched = true;
  for (size_t i = 0; launched && i < c.params.size(); ++i)
    launched = launch(c, i) == CUDA_SUCCESS;
  CUgraph graph = nullptr;
  CUresult ended = d.cuStreamEndCapture(c.stream, &graph);
  bool ok = launched && ended == CUDA_SUCCESS && graph &&
            d.cuGraphInstantiateWithFlags(&c.graphExec, graph, 0) == CUDA_SUCCESS;
  if (graph)
    d.cuGraphDestroy(graph);
  if (!ok)
    c.graphExec = nullptr;
  return ok;
}

} // namespace

CudaModel::~CudaModel() {
  if (!context)
    return;
  const Driver &d = theDriver();
  {
    ScopedContext current(context);
    if (weights)
      d.cuMemFree_v2(weights);
    if (module)
      d.cuModuleUnload(module);
  }
  if (retained)
    d.cuDevicePrimaryCtxRelease_v2(cuDevice);
}

CudaContext::~CudaContext() {
  if (!model)
    return;
  const Driver &d = theDriver();
  ScopedContext current(model->context);
  if (stream)
    d.cuStreamSynchronize(stream);
  if (graphExec)
    d.cuGraphExecDestroy(graphExec);
  for (uint64_t p : inputs)
    if (p)
      d.cuMemFree_v2(p);
  for (uint64_t p : outputs)
    if (p)
      d.cuMemFree_v2(p);
  if (arena)
    d.cuMemFree_v2(arena);
  if (status)
    d.cuMemFree_v2(status);
  if (stream)
    d.cuStreamDestroy_v2(stream);
}

std::unique_ptr<CudaModel> loadCudaModel(const GpuPlan &plan, std::string ptx,
                                         const std::string &weights, int device,
                                         std::string &error) {
  const Driver &d = loadDriver();
  const std::string runsOn = "this artifact runs on an NVIDIA GPU (" + plan.target + ")";
  if (!d.missing.empty()) {
    error = runsOn + " and needs the CUDA driver (libcuda.so.1), which was not found (" +
            d.missing + "); install the NVIDIA driver, or compile the model for the CPU";
    return nullptr;
  }
  if (!d.problem.empty()) {
    error = runsOn + ", and " + d.problem;
    return nullptr;
  }
  int count = 0;
  if (CUresult r = d.cuDeviceGetCount(&count)) {
    error = runsOn + ", and the CUDA driver cannot count its devices: " + cuError(r);
    return nullptr;
  }
  if (count <= 0) {
    error = runsOn + ", and the CUDA driver sees no device (is CUDA_VISIBLE_DEVICES set?)";
    return nullptr;
  }
  int ordinal = device < 0 ? 0 : device;
  if (ordinal >= count) {
    error = "device cuda:" + std::to_string(ordinal) + " does not exist: the CUDA driver sees " +
            (count == 1 ? std::string("1 device (cuda:0)")
                        : std::to_string(count) +
                              " devices (cuda:0 to cuda:" + std::to_string(count - 1) + ")");
    return nullptr;
  }
  auto m = std::make_unique<CudaModel>();
  m->plan = &plan;
  m->ordinal = ordinal;
  int major = 0, minor = 0;
  char name[256] = {};
  CUresult r = d.cuDeviceGet(&m->cuDevice, ordinal);
  if (!r)
    r = d.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, m->cuDevice);
  if (!r)
    r = d.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, m->cuDevice);
  if (!r)
    r = d.cuDeviceGetName(name, sizeof name - 1, m->cuDevice);
  std::string cuda = "cuda:" + std::to_string(ordinal);
  if (r) {
    error = "cannot query device " + cuda + ": " + cuError(r);
    return nullptr;
  }
  m->device = cuda + " (" + name + ", sm_" + std::to_string(major) + std::to_string(minor) + ")";
  bool fits = plan.exact    ? major == plan.major && minor == plan.minor
              : plan.family ? major == plan.major && minor >= plan.minor
                            : major > plan.major || (major == plan.major && minor >= plan.minor);
  if (!fits) {
    std::string need = std::to_string(plan.major) + "." + std::to_string(plan.minor);
    error = m->device + " has compute capability " + std::to_string(major) + "." +
            std::to_string(minor) + ", and this artifact (" + plan.target + ") needs " + plan.arch +
            " (" +
            (plan.exact    ? "exactly " + need
             : plan.family ? need + " or a newer " + std::to_string(plan.major) + ".x"
                           : need + " or newer") +
            ")";
    return nullptr;
  }
  if ((r = d.cuDevicePrimaryCtxRetain(&m->context, m->cuDevice))) {
    m->context = nullptr;
    error = "cannot open " + m->device + ": " + cuError(r);
    return nullptr;
  }
  m->retained = true;
  ScopedContext current(m->context);
  if (current.result) {
    error = "cannot use " + m->device + ": " + cuError(current.result);
    return nullptr;
  }
  // The JIT reads a NUL-terminated image and reports into these logs.
  ptx.push_back('\0');
  char errorLog[16384] = {}, infoLog[4096] = {};
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                   CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {errorLog, (void *)(uintptr_t)(sizeof errorLog - 1), infoLog,
                    (void *)(uintptr_t)(sizeof infoLog - 1)};
  if ((r = d.cuModuleLoadDataEx(&m->module, ptx.data(), 4, options, values))) {
    m->module = nullptr;
    error = "the CUDA driver (version " + versionString(d.version) + ") cannot load " +
            plan.module + " on " + m->device + ": " + cuError(r);
    if (r == CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
      error += " (the PTX is newer than this driver: update the NVIDIA driver)";
    if (errorLog[0])
      error += "\n" + std::string(errorLog);
    return nullptr;
  }
  for (const std::string &k : plan.kernels) {
    CUfunction f = nullptr;
    if ((r = d.cuModuleGetFunction(&f, m->module, k.c_str()))) {
      error = plan.module + " has no kernel '" + k + "': " + cuError(r);
      return nullptr;
    }
    m->functions.push_back(f);
  }
  if (plan.weightsBytes) {
    CUdeviceptr p = 0;
    if ((r = d.cuMemAlloc_v2(&p, plan.weightsBytes))) {
      error = "cannot allocate " + std::to_string(plan.weightsBytes) + " bytes of weights on " +
              m->device + ": " + cuError(r);
      return nullptr;
    }
    m->weights = p;
    if ((r = d.cuMemcpyHtoD_v2(p, weights.data(), plan.weightsBytes))) {
      error = "cannot copy the weights to " + m->device + ": " + cuError(r);
      return nullptr;
    }
  }
  return m;
}

std::unique_ptr<CudaContext> createCudaContext(const CudaModel &model,
                                               const std::vector<size_t> &inputBytes,
                                               const std::vector<size_t> &outputBytes,
                                               std::string &error) {
  const Driver &d = theDriver();
  const GpuPlan &plan = *model.plan;
  auto c = std::make_unique<CudaContext>();
  c->model = &model;
  ScopedContext current(model.context);
  CUresult r = current.result;
  if (!r)
    r = d.cuStreamCreate(&c->stream, CU_STREAM_NON_BLOCKING);
  if (r) {
    c->stream = nullptr;
    error = "cannot create a stream on " + model.device + ": " + cuError(r);
    return nullptr;
  }
  // Every buffer is allocated, a zero-size one too: its pointer is still
  // an argument. cuMemAlloc aligns each to 256 bytes.
  auto alloc = [&](size_t bytes, const std::string &what, uint64_t &out) {
    CUdeviceptr p = 0;
    if (CUresult r = d.cuMemAlloc_v2(&p, bytes ? bytes : 1)) {
      error = "cannot allocate " + std::to_string(bytes) + " bytes for " + what + " on " +
              model.device + ": " + cuError(r);
      return false;
    }
    out = p;
    return true;
  };
  c->inputs.assign(inputBytes.size(), 0);
  c->outputs.assign(outputBytes.size(), 0);
  for (size_t i = 0; i < inputBytes.size(); ++i)
    if (!alloc(inputBytes[i], "input " + std::to_string(i), c->inputs[i]))
      return nullptr;
  for (size_t i = 0; i < outputBytes.size(); ++i)
    if (!alloc(outputBytes[i], "output " + std::to_string(i), c->outputs[i]))
      return nullptr;
  if (plan.arenaBytes && !alloc(plan.arenaBytes, "the arena", c->arena))
    return nullptr;
  if (plan.status && !alloc(4, "the status", c->status))
    return nullptr;
  // The buffers never move, so each launch's parameters are fixed now (and
  // a captured graph stays valid for the context's life).
  for (const GpuLaunch &l : plan.launches) {
    std::vector<uint64_t> values(l.args.size());
    for (size_t a = 0; a < l.args.size(); ++a) {
      const GpuArg &arg = l.args[a];
      uint64_t base = arg.kind == GpuArg::Input     ? c->inputs[arg.index]
                      : arg.kind == GpuArg::Output  ? c->outputs[arg.index]
                      : arg.kind == GpuArg::Arena   ? c->arena
                      : arg.kind == GpuArg::Weights ? model.weights
                      : arg.kind == GpuArg::Status  ? c->status
                                                    : 0;
      if (arg.isBuffer())
        values[a] = base + arg.offset;
      else
        std::memcpy(&values[a], arg.bits, sizeof arg.bits);
    }
    c->values.push_back(std::move(values));
  }
  for (auto &values : c->values) {
    std::vector<void *> params;
    for (uint64_t &v : values)
      params.push_back(&v);
    c->params.push_back(std::move(params));
  }
  const char *env = std::getenv("AUTOGLM_CUDA_GRAPH");
  if (!d.graphs || plan.launches.empty() || (env && std::strcmp(env, "0") == 0))
    c->graph = CudaContext::Graph::Off;
  return c;
}

bool runCuda(CudaContext &c, const std::vector<const void *> &inputs,
             const std::vector<size_t> &inputBytes, const std::vector<void *> &outputs,
             const std::vector<size_t> &outputBytes, std::string &error) {
  const Driver &d = theDriver();
  const CudaModel &m = *c.model;
  ScopedContext current(m.context);
  auto fail = [&](const std::string &what, CUresult r) {
    error = what + " on " + m.device + ": " + cuError(r);
    // Nothing may still be copying into the caller's buffers.
    d.cuStreamSynchronize(c.stream);
    return false;
  };
  if (current.result)
    return fail("cannot make the model's context current", current.result);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputBytes[i])
      if (CUresult r = d.cuMemcpyHtoDAsync_v2(c.inputs[i], inputs[i], inputBytes[i], c.stream))
        return fail("cannot copy input " + std::to_string(i), r);
  c.statusValue = 0;
  if (c.status)
    if (CUresult r = d.cuMemcpyHtoDAsync_v2(c.status, &c.statusZero, 4, c.stream))
      return fail("cannot clear the status", r);
  // From the second run on, the launches replay as one CUDA graph (the
  // first run stays plain, so a model run once pays no capture).
  if (c.graph == CudaContext::Graph::NotYet && c.runs >= 1)
    c.graph = captureGraph(c) ? CudaContext::Graph::Ready : CudaContext::Graph::Off;
  if (c.graph == CudaContext::Graph::Ready) {
    if (CUresult r = d.cuGraphLaunch(c.graphExec, c.stream))
      return fail("cannot replay the CUDA graph of the launches", r);
  } else {
    for (size_t i = 0; i < c.params.size(); ++i)
      if (CUresult r = launch(c, i))
        return fail(launchName(c, i) + " failed", r);
  }
  if (c.status)
    if (CUresult r = d.cuMemcpyDtoHAsync_v2(&c.statusValue, c.status, 4, c.stream))
      return fail("cannot read the status back", r);
  for (size_t i = 0; i < outputs.size(); ++i)
    if (outputBytes[i])
      if (CUresult r = d.cuMemcpyDtoHAsync_v2(outputs[i], c.outputs[i], outputBytes[i], c.stream))
        return fail("cannot copy output " + std::to_string(i) + " back", r);
  if (CUresult r = d.cuStreamSynchronize(c.stream)) {
    // Kernels run asynchronously: which one failed is not known here.
    error = "running " + m.plan->module + " on " + m.device + " failed: " + cuError(r) +
            " (AUTOGLM_CUDA_GRAPH=0 CUDA_LAUNCH_BLOCKING=1 name the failing launch)";
    return false;
  }
  ++c.runs;
  return true;
}

} // namespace autoglm::rt
