//===- driver.cpp - run a launch plan through the CUDA driver or HIP -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The driver API's few types and functions are declared here by hand, as
// NVIDIA's cuda.h spells them, and resolved with dlsym under the names the
// driver exports (cuda.h #defines cuMemAlloc to cuMemAlloc_v2 and so on);
// for a HIP artifact the same entry points are resolved from the HIP
// runtime under HIP's names (hipModuleLaunchKernel for cuLaunchKernel,
// ...), whose arguments are the same. Every entry point makes the model's
// primary context current on the calling thread and restores the caller's
// afterwards, so contexts may be run from any thread and a host program's
// own GPU state is left alone.
//===----------------------------------------------------------------------===//

#include "driver.h"

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
constexpr CUresult HIP_ERROR_NO_BINARY_FOR_GPU = 209;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_JIT_INFO_LOG_BUFFER = 3;
constexpr int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;
constexpr int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;

} // namespace

// Required: every CUDA driver since CUDA 11.0 exports these, and every HIP
// runtime since ROCm 5 (X(field, CUDA symbol, HIP symbol, arguments)).
// hipMalloc's void ** and hipFree's void * are the same 64-bit values as
// CUdeviceptr's.
#define AUTOGLM_GPU_REQUIRED(X)                                                                    \
  X(cuInit, cuInit, hipInit, unsigned)                                                             \
  X(cuDeviceGetCount, cuDeviceGetCount, hipGetDeviceCount, int *)                                  \
  X(cuDeviceGet, cuDeviceGet, hipDeviceGet, CUdevice *, int)                                       \
  X(cuDeviceGetName, cuDeviceGetName, hipDeviceGetName, char *, int, CUdevice)                     \
  X(cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRetain, hipDevicePrimaryCtxRetain, CUcontext *,    \
    CUdevice)                                                                                      \
  X(cuDevicePrimaryCtxRelease, cuDevicePrimaryCtxRelease_v2, hipDevicePrimaryCtxRelease, CUdevice) \
  X(cuCtxGetCurrent, cuCtxGetCurrent, hipCtxGetCurrent, CUcontext *)                               \
  X(cuCtxSetCurrent, cuCtxSetCurrent, hipCtxSetCurrent, CUcontext)                                 \
  X(cuMemAlloc, cuMemAlloc_v2, hipMalloc, CUdeviceptr *, size_t)                                   \
  X(cuMemFree, cuMemFree_v2, hipFree, CUdeviceptr)                                                 \
  X(cuMemcpyHtoD, cuMemcpyHtoD_v2, hipMemcpyHtoD, CUdeviceptr, const void *, size_t)               \
  X(cuMemcpyDtoH, cuMemcpyDtoH_v2, hipMemcpyDtoH, void *, CUdeviceptr, size_t)                     \
  X(cuMemcpyHtoDAsync, cuMemcpyHtoDAsync_v2, hipMemcpyHtoDAsync, CUdeviceptr, const void *,        \
    size_t, CUstream)                                                                              \
  X(cuMemcpyDtoHAsync, cuMemcpyDtoHAsync_v2, hipMemcpyDtoHAsync, void *, CUdeviceptr, size_t,      \
    CUstream)                                                                                      \
  X(cuModuleLoadDataEx, cuModuleLoadDataEx, hipModuleLoadDataEx, CUmodule *, const void *,         \
    unsigned, int *, void **)                                                                      \
  X(cuModuleGetFunction, cuModuleGetFunction, hipModuleGetFunction, CUfunction *, CUmodule,        \
    const char *)                                                                                  \
  X(cuModuleUnload, cuModuleUnload, hipModuleUnload, CUmodule)                                     \
  X(cuLaunchKernel, cuLaunchKernel, hipModuleLaunchKernel, CUfunction, unsigned, unsigned,         \
    unsigned, unsigned, unsigned, unsigned, unsigned, CUstream, void **, void **)                  \
  X(cuStreamCreate, cuStreamCreate, hipStreamCreateWithFlags, CUstream *, unsigned)                \
  X(cuStreamSynchronize, cuStreamSynchronize, hipStreamSynchronize, CUstream)                      \
  X(cuStreamDestroy, cuStreamDestroy_v2, hipStreamDestroy, CUstream)

// Optional (CUDA 11.4 on, HIP 5.3 on): without them, no graphs.
#define AUTOGLM_GPU_GRAPH(X)                                                                       \
  X(cuStreamBeginCapture, cuStreamBeginCapture_v2, hipStreamBeginCapture, CUstream, int)           \
  X(cuStreamEndCapture, cuStreamEndCapture, hipStreamEndCapture, CUstream, CUgraph *)              \
  X(cuGraphInstantiateWithFlags, cuGraphInstantiateWithFlags, hipGraphInstantiateWithFlags,        \
    CUgraphExec *, CUgraph, unsigned long long)                                                    \
  X(cuGraphLaunch, cuGraphLaunch, hipGraphLaunch, CUgraphExec, CUstream)                           \
  X(cuGraphExecDestroy, cuGraphExecDestroy, hipGraphExecDestroy, CUgraphExec)                      \
  X(cuGraphDestroy, cuGraphDestroy, hipGraphDestroy, CUgraph)

struct Driver {
  bool hip = false;
  void *handle = nullptr;
  CUresult (*driverGetVersion)(int *) = nullptr;
  // CUDA's error names come through out-parameters, HIP's as results.
  CUresult (*cuGetErrorName)(CUresult, const char **) = nullptr;
  CUresult (*cuGetErrorString)(CUresult, const char **) = nullptr;
  const char *(*hipGetErrorName)(CUresult) = nullptr;
  const char *(*hipGetErrorString)(CUresult) = nullptr;
#define AUTOGLM_DECLARE(field, cuda, hipName, ...) CUresult (*field)(__VA_ARGS__) = nullptr;
  AUTOGLM_GPU_REQUIRED(AUTOGLM_DECLARE)
  AUTOGLM_GPU_GRAPH(AUTOGLM_DECLARE)
#undef AUTOGLM_DECLARE
  bool graphs = false;
  int version = 0;
  // Why the driver is unusable: `missing` (dlopen failed, with dlerror's
  // words) or `problem` (a symbol or the initialization failed).
  std::string missing, problem;

  /// "the CUDA driver (libcuda.so.1, version 12.4)".
  std::string name(bool withVersion = true) const {
    std::string v =
        hip ? std::to_string(version / 10000000) + "." + std::to_string(version / 100000 % 100)
            : std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
    return std::string(hip ? "the HIP runtime (libamdhip64.so" : "the CUDA driver (libcuda.so.1") +
           (withVersion ? ", version " + v : "") + ")";
  }
};

namespace {

Driver &theDriver(bool hip) {
  static Driver cuda, amd;
  return hip ? amd : cuda;
}

std::string gpuError(const Driver &d, CUresult r) {
  const char *name = nullptr, *text = nullptr;
  if (d.hip) {
    name = d.hipGetErrorName ? d.hipGetErrorName(r) : nullptr;
    text = d.hipGetErrorString ? d.hipGetErrorString(r) : nullptr;
  } else {
    if (d.cuGetErrorName)
      d.cuGetErrorName(r, &name);
    if (d.cuGetErrorString)
      d.cuGetErrorString(r, &text);
  }
  std::string s = name ? name : std::string(d.hip ? "HIP" : "CUDA") + " error " + std::to_string(r);
  return text ? s + ": " + text : s;
}

/// Loads libcuda.so.1 or libamdhip64.so once per process. It is never
/// closed: the driver tears itself down at exit.
const Driver &loadDriver(bool hip) {
  static std::once_flag once[2];
  std::call_once(once[hip], [hip] {
    Driver &d = theDriver(hip);
    d.hip = hip;
    for (const char *lib :
         hip ? std::vector<const char *>{"libamdhip64.so", "libamdhip64.so.6", "libamdhip64.so.5"}
             : std::vector<const char *>{"libcuda.so.1"}) {
      d.handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
      if (d.handle)
        break;
      const char *why = dlerror();
      if (d.missing.empty())
        d.missing = why ? why : "dlopen failed";
    }
    if (!d.handle)
      return;
    d.missing.clear();
    auto sym = [&](const char *name) { return dlsym(d.handle, name); };
    d.driverGetVersion =
        (CUresult (*)(int *))sym(hip ? "hipDriverGetVersion" : "cuDriverGetVersion");
    if (d.driverGetVersion)
      d.driverGetVersion(&d.version);
    if (hip) {
      d.hipGetErrorName = (const char *(*)(CUresult))sym("hipGetErrorName");
      d.hipGetErrorString = (const char *(*)(CUresult))sym("hipGetErrorString");
    } else {
      d.cuGetErrorName = (CUresult (*)(CUresult, const char **))sym("cuGetErrorName");
      d.cuGetErrorString = (CUresult (*)(CUresult, const char **))sym("cuGetErrorString");
    }
    std::string lacks;
#define AUTOGLM_RESOLVE(field, cuda, hipName, ...)                                                 \
  d.field = (decltype(d.field))sym(hip ? #hipName : #cuda);                                        \
  if (!d.field && lacks.empty())                                                                   \
    lacks = hip ? #hipName : #cuda;
    AUTOGLM_GPU_REQUIRED(AUTOGLM_RESOLVE)
    if (!lacks.empty()) {
      d.problem = d.name() + " lacks " + lacks + ": this runtime needs " +
                  (hip ? "HIP 5 (ROCm 5) or newer" : "a driver of CUDA 11.4 or newer");
      return;
    }
    AUTOGLM_GPU_GRAPH(AUTOGLM_RESOLVE)
#undef AUTOGLM_RESOLVE
    d.graphs = lacks.empty();
    if (CUresult r = d.cuInit(0))
      d.problem = d.name() + " failed to initialize: " + gpuError(d, r);
  });
  return theDriver(hip);
}

/// Makes `ctx` current on this thread for the scope and restores the
/// thread's previous context after.
class ScopedContext {
public:
  ScopedContext(const Driver &d, CUcontext ctx) : d(d) {
    if (d.cuCtxGetCurrent(&previous) != CUDA_SUCCESS)
      previous = nullptr;
    result = d.cuCtxSetCurrent(ctx);
  }
  ~ScopedContext() { d.cuCtxSetCurrent(previous); }
  CUresult result;

private:
  const Driver &d;
  CUcontext previous = nullptr;
};

CUresult launch(const DeviceContext &c, size_t i) {
  const GpuLaunch &l = c.model->plan->launches[i];
  return c.model->driver->cuLaunchKernel(
      c.model->functions[l.kernel], l.grid[0], l.grid[1], l.grid[2], l.block[0], l.block[1],
      l.block[2], l.sharedBytes, c.stream, const_cast<void **>(c.params[i].data()), nullptr);
}

std::string launchName(const DeviceContext &c, size_t i) {
  const GpuPlan &p = *c.model->plan;
  const GpuLaunch &l = p.launches[i];
  return "gpu launch " + std::to_string(i) + " (kernel " + p.kernels[l.kernel] +
         (l.node.empty() ? "" : ", ONNX node " + l.node) + ")";
}

/// Records the launches into a graph and instantiates it; false (and
/// the stream left as it was) when the driver refuses any step.
bool captureGraph(DeviceContext &c) {
  const Driver &d = *c.model->driver;
  if (d.cuStreamBeginCapture(c.stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL) != CUDA_SUCCESS)
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

/// Sets every launch parameter from the buffers it points into (an input or
/// output bound to device memory in place of the context's own); whether
/// any changed.
bool refreshValues(DeviceContext &c) {
  const GpuPlan &plan = *c.model->plan;
  bool changed = false;
  for (size_t i = 0; i < plan.launches.size(); ++i) {
    const GpuLaunch &l = plan.launches[i];
    for (size_t a = 0; a < l.args.size(); ++a) {
      const GpuArg &arg = l.args[a];
      auto either = [](uint64_t bound, uint64_t own) { return bound ? bound : own; };
      uint64_t base =
          arg.kind == GpuArg::Input     ? either(c.boundInputs[arg.index], c.inputs[arg.index])
          : arg.kind == GpuArg::Output  ? either(c.boundOutputs[arg.index], c.outputs[arg.index])
          : arg.kind == GpuArg::Arena   ? c.arena
          : arg.kind == GpuArg::Weights ? c.model->weights
          : arg.kind == GpuArg::Status  ? c.status
                                        : 0;
      uint64_t v = 0;
      if (arg.isBuffer())
        v = base + arg.offset;
      else
        std::memcpy(&v, arg.bits, sizeof arg.bits);
      changed |= c.values[i][a] != v;
      c.values[i][a] = v;
    }
  }
  return changed;
}

} // namespace

DeviceModel::~DeviceModel() {
  if (!context)
    return;
  const Driver &d = *driver;
  {
    ScopedContext current(d, context);
    if (weights)
      d.cuMemFree(weights);
    if (module)
      d.cuModuleUnload(module);
  }
  if (retained)
    d.cuDevicePrimaryCtxRelease(cuDevice);
}

DeviceContext::~DeviceContext() {
  if (!model)
    return;
  const Driver &d = *model->driver;
  ScopedContext current(d, model->context);
  if (stream)
    d.cuStreamSynchronize(stream);
  if (graphExec)
    d.cuGraphExecDestroy(graphExec);
  std::vector<uint64_t> buffers = inputs;
  buffers.insert(buffers.end(), outputs.begin(), outputs.end());
  buffers.push_back(arena);
  buffers.push_back(status);
  for (uint64_t p : buffers)
    if (p)
      d.cuMemFree(p);
  if (stream)
    d.cuStreamDestroy(stream);
}

std::unique_ptr<DeviceModel> loadDeviceModel(const GpuPlan &plan, std::string code,
                                             const std::string &weights, int device,
                                             std::string &error) {
  bool hip = plan.api == "hip";
  const Driver &d = loadDriver(hip);
  const std::string runsOn = std::string("this artifact runs on ") +
                             (hip ? "an AMD GPU" : "an NVIDIA GPU") + " (" + plan.target + ")";
  if (!d.missing.empty()) {
    error = runsOn + " and needs " + d.name(false) + ", which was not found (" + d.missing + "); " +
            (hip ? "install the HIP runtime (ROCm's, or the DCU toolkit's)"
                 : "install the NVIDIA driver") +
            ", or compile the model for the CPU";
    return nullptr;
  }
  if (!d.problem.empty()) {
    error = runsOn + ", and " + d.problem;
    return nullptr;
  }
  const std::string prefix = hip ? "hip:" : "cuda:";
  int count = 0;
  if (CUresult r = d.cuDeviceGetCount(&count)) {
    error = runsOn + ", and " + d.name(false) + " cannot count its devices: " + gpuError(d, r);
    return nullptr;
  }
  if (count <= 0) {
    error = runsOn + ", and " + d.name(false) + " sees no device (is " +
            (hip ? "HIP_VISIBLE_DEVICES" : "CUDA_VISIBLE_DEVICES") + " set?)";
    return nullptr;
  }
  int ordinal = device < 0 ? 0 : device;
  if (ordinal >= count) {
    error = "device " + prefix + std::to_string(ordinal) + " does not exist: " + d.name(false) +
            " sees " +
            (count == 1 ? "1 device (" + prefix + "0)"
                        : std::to_string(count) + " devices (" + prefix + "0 to " + prefix +
                              std::to_string(count - 1) + ")");
    return nullptr;
  }
  auto m = std::make_unique<DeviceModel>();
  m->plan = &plan;
  m->driver = &d;
  m->ordinal = ordinal;
  int major = 0, minor = 0;
  char name[256] = {};
  CUresult r = d.cuDeviceGet(&m->cuDevice, ordinal);
  if (!r)
    r = d.cuDeviceGetName(name, sizeof name - 1, m->cuDevice);
  // CUDA: the compute capability decides whether the PTX can run. A HIP
  // code object names its gfx target; loading it on another GPU fails
  // with hipErrorNoBinaryForGpu, said below.
  auto attribute =
      (CUresult (*)(int *, int, CUdevice))(hip ? nullptr : dlsym(d.handle, "cuDeviceGetAttribute"));
  if (!r && attribute)
    r = attribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, m->cuDevice);
  if (!r && attribute)
    r = attribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, m->cuDevice);
  std::string id = prefix + std::to_string(ordinal);
  if (r) {
    error = "cannot query device " + id + ": " + gpuError(d, r);
    return nullptr;
  }
  if (!hip && !attribute) {
    error = d.name() + " lacks cuDeviceGetAttribute";
    return nullptr;
  }
  m->device =
      id + " (" + name + (hip ? "" : ", sm_" + std::to_string(major) + std::to_string(minor)) + ")";
  bool fits = hip           ? true
              : plan.exact  ? major == plan.major && minor == plan.minor
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
    error = "cannot open " + m->device + ": " + gpuError(d, r);
    return nullptr;
  }
  m->retained = true;
  ScopedContext current(d, m->context);
  if (current.result) {
    error = "cannot use " + m->device + ": " + gpuError(d, current.result);
    return nullptr;
  }
  // The PTX JIT reads a NUL-terminated image and reports into these logs
  // (a code object ignores both).
  code.push_back('\0');
  char errorLog[16384] = {}, infoLog[4096] = {};
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                   CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {errorLog, (void *)(uintptr_t)(sizeof errorLog - 1), infoLog,
                    (void *)(uintptr_t)(sizeof infoLog - 1)};
  if ((r = d.cuModuleLoadDataEx(&m->module, code.data(), 4, options, values))) {
    m->module = nullptr;
    error = d.name() + " cannot load " + plan.module + " on " + m->device + ": " + gpuError(d, r);
    if (!hip && r == CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
      error += " (the PTX is newer than this driver: update the NVIDIA driver)";
    if (hip && r == HIP_ERROR_NO_BINARY_FOR_GPU)
      error += " (the code object is for " + plan.arch +
               ": compile with --target-cpu set to this GPU's gfx architecture)";
    if (errorLog[0])
      error += "\n" + std::string(errorLog);
    return nullptr;
  }
  for (const std::string &k : plan.kernels) {
    CUfunction f = nullptr;
    if ((r = d.cuModuleGetFunction(&f, m->module, k.c_str()))) {
      error = plan.module + " has no kernel '" + k + "': " + gpuError(d, r);
      return nullptr;
    }
    m->functions.push_back(f);
  }
  if (plan.weightsBytes) {
    CUdeviceptr p = 0;
    if ((r = d.cuMemAlloc(&p, plan.weightsBytes))) {
      error = "cannot allocate " + std::to_string(plan.weightsBytes) + " bytes of weights on " +
              m->device + ": " + gpuError(d, r);
      return nullptr;
    }
    m->weights = p;
    if ((r = d.cuMemcpyHtoD(p, weights.data(), plan.weightsBytes))) {
      error = "cannot copy the weights to " + m->device + ": " + gpuError(d, r);
      return nullptr;
    }
  }
  return m;
}

std::unique_ptr<DeviceContext> createDeviceContext(const DeviceModel &model,
                                                   const std::vector<size_t> &inputBytes,
                                                   const std::vector<size_t> &outputBytes,
                                                   std::string &error) {
  const Driver &d = *model.driver;
  const GpuPlan &plan = *model.plan;
  auto c = std::make_unique<DeviceContext>();
  c->model = &model;
  ScopedContext current(d, model.context);
  CUresult r = current.result;
  if (!r)
    r = d.cuStreamCreate(&c->stream, CU_STREAM_NON_BLOCKING);
  if (r) {
    c->stream = nullptr;
    error = "cannot create a stream on " + model.device + ": " + gpuError(d, r);
    return nullptr;
  }
  // Every buffer is allocated, a zero-size one too: its pointer is still
  // an argument. cuMemAlloc aligns each to 256 bytes.
  auto alloc = [&](size_t bytes, const std::string &what, uint64_t &out) {
    CUdeviceptr p = 0;
    if (CUresult r = d.cuMemAlloc(&p, bytes ? bytes : 1)) {
      error = "cannot allocate " + std::to_string(bytes) + " bytes for " + what + " on " +
              model.device + ": " + gpuError(d, r);
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
  c->boundInputs.assign(inputBytes.size(), 0);
  c->boundOutputs.assign(outputBytes.size(), 0);
  // Each launch's parameter values, which `params` points at: they change
  // only when the caller binds device memory (bindDevicePointer).
  for (const GpuLaunch &l : plan.launches)
    c->values.emplace_back(l.args.size());
  refreshValues(*c);
  for (auto &values : c->values) {
    std::vector<void *> params;
    for (uint64_t &v : values)
      params.push_back(&v);
    c->params.push_back(std::move(params));
  }
  const char *env = std::getenv("AUTOGLM_CUDA_GRAPH");
  if (!d.graphs || plan.launches.empty() || (env && std::strcmp(env, "0") == 0))
    c->graph = DeviceContext::Graph::Off;
  return c;
}

void bindDevicePointer(DeviceContext &c, bool input, size_t index, uint64_t ptr) {
  (input ? c.boundInputs : c.boundOutputs)[index] = ptr;
  if (!refreshValues(c) || c.graph != DeviceContext::Graph::Ready)
    return;
  // The graph holds the old pointers: capture it again at the next run.
  const Driver &d = *c.model->driver;
  ScopedContext current(d, c.model->context);
  d.cuStreamSynchronize(c.stream);
  d.cuGraphExecDestroy(c.graphExec);
  c.graphExec = nullptr;
  c.graph = DeviceContext::Graph::NotYet;
}

bool runDevice(DeviceContext &c, const std::vector<const void *> &inputs,
               const std::vector<size_t> &inputBytes, const std::vector<void *> &outputs,
               const std::vector<size_t> &outputBytes, bool wait, std::string &error) {
  const Driver &d = *c.model->driver;
  const DeviceModel &m = *c.model;
  ScopedContext current(d, m.context);
  auto fail = [&](const std::string &what, CUresult r) {
    error = what + " on " + m.device + ": " + gpuError(d, r);
    // Nothing may still be copying into the caller's buffers.
    d.cuStreamSynchronize(c.stream);
    c.pending = 0;
    return false;
  };
  if (current.result)
    return fail("cannot make the model's context current", current.result);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputBytes[i] && !c.boundInputs[i])
      if (CUresult r = d.cuMemcpyHtoDAsync(c.inputs[i], inputs[i], inputBytes[i], c.stream))
        return fail("cannot copy input " + std::to_string(i), r);
  // The status is cleared before the first run since the last wait, so
  // that it keeps a check any of the enqueued runs failed.
  if (c.status && c.pending == 0)
    if (CUresult r = d.cuMemcpyHtoDAsync(c.status, &c.statusZero, 4, c.stream))
      return fail("cannot clear the status", r);
  // From the second run on, the launches replay as one graph (the
  // first run stays plain, so a model run once pays no capture).
  if (c.graph == DeviceContext::Graph::NotYet && c.runs >= 1)
    c.graph = captureGraph(c) ? DeviceContext::Graph::Ready : DeviceContext::Graph::Off;
  if (c.graph == DeviceContext::Graph::Ready) {
    if (CUresult r = d.cuGraphLaunch(c.graphExec, c.stream))
      return fail("cannot replay the graph of the launches", r);
  } else {
    for (size_t i = 0; i < c.params.size(); ++i)
      if (CUresult r = launch(c, i))
        return fail(launchName(c, i) + " failed", r);
  }
  ++c.runs;
  ++c.pending;
  if (!wait)
    return true;
  for (size_t i = 0; i < outputs.size(); ++i)
    if (outputBytes[i] && !c.boundOutputs[i])
      if (CUresult r = d.cuMemcpyDtoHAsync(outputs[i], c.outputs[i], outputBytes[i], c.stream))
        return fail("cannot copy output " + std::to_string(i) + " back", r);
  return synchronizeDevice(c, error);
}

bool synchronizeDevice(DeviceContext &c, std::string &error) {
  const Driver &d = *c.model->driver;
  const DeviceModel &m = *c.model;
  ScopedContext current(d, m.context);
  c.statusValue = 0;
  CUresult r = current.result;
  if (!r && c.status && c.pending)
    r = d.cuMemcpyDtoHAsync(&c.statusValue, c.status, 4, c.stream);
  if (r) {
    error = "cannot read the status back on " + m.device + ": " + gpuError(d, r);
    d.cuStreamSynchronize(c.stream);
    c.pending = 0;
    return false;
  }
  c.pending = 0;
  if (CUresult r = d.cuStreamSynchronize(c.stream)) {
    // Kernels run asynchronously: which one failed is not known here.
    error = "running " + m.plan->module + " on " + m.device + " failed: " + gpuError(d, r) +
            (d.hip ? " (AUTOGLM_CUDA_GRAPH=0 AMD_SERIALIZE_KERNEL=3 name the failing launch)"
                   : " (AUTOGLM_CUDA_GRAPH=0 CUDA_LAUNCH_BLOCKING=1 name the failing launch)");
    return false;
  }
  return true;
}

bool deviceAlloc(const DeviceModel &m, size_t bytes, uint64_t &ptr, std::string &error) {
  const Driver &d = *m.driver;
  ScopedContext current(d, m.context);
  CUdeviceptr p = 0;
  CUresult r = current.result;
  if (!r)
    r = d.cuMemAlloc(&p, bytes ? bytes : 1);
  if (r) {
    error = "cannot allocate " + std::to_string(bytes) + " bytes on " + m.device + ": " +
            gpuError(d, r);
    return false;
  }
  ptr = p;
  return true;
}

bool deviceFree(const DeviceModel &m, uint64_t ptr, std::string &error) {
  const Driver &d = *m.driver;
  ScopedContext current(d, m.context);
  CUresult r = current.result;
  if (!r)
    r = d.cuMemFree(ptr);
  if (r)
    error = "cannot free device memory on " + m.device + ": " + gpuError(d, r);
  return !r;
}

bool deviceCopy(const DeviceModel &m, void *host, uint64_t dev, size_t bytes, bool toDevice,
                std::string &error) {
  const Driver &d = *m.driver;
  ScopedContext current(d, m.context);
  CUresult r = current.result;
  if (!r && bytes)
    r = toDevice ? d.cuMemcpyHtoD(dev, host, bytes) : d.cuMemcpyDtoH(host, dev, bytes);
  if (r)
    error = "cannot copy " + std::to_string(bytes) + " bytes " + (toDevice ? "to " : "from ") +
            m.device + ": " + gpuError(d, r);
  return !r;
}

} // namespace autoglm::rt
