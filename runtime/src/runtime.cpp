//===- runtime.cpp - Open-AutoGLM runtime (C API, C++ inside) -------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// No LLVM or MLIR here: the manifest is JSON (nlohmann/json), file hashes
// are SHA-256 from libcrypto, the library is loaded with dlopen. A GPU
// artifact (a manifest with a "gpu" section) runs through the vendor's
// driver instead (driver.cpp: CUDA or HIP).
//===----------------------------------------------------------------------===//

#include "autoglm/runtime.h"

#include "driver.h"

#include "interface.h"
#include "internal.h"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

thread_local std::string lastError;

/// The newest entry-point ABI (manifest abi_version) this runtime calls;
/// autoglm-compile's kEntryAbiVersion, or kExternalWeightsAbiVersion (2: a
/// pointer to the mapped weights.bin after the arena).
constexpr int64_t kAbiVersion = 2;

int setError(std::string msg) {
  lastError = std::move(msg);
  return 1;
}

struct Spec {
  std::string name;
  autoglm_dtype dtype = AUTOGLM_INVALID;
  std::vector<int64_t> shape;    // -1: depends on the data
  std::vector<int64_t> maxShape; // the bound (= shape when static)
  std::vector<int64_t> minShape; // an open input's least extents (0: none)
  size_t bytes = 0;              // of maxShape
  // Names of open extents (ONNX dim_param): inputs naming one must agree.
  std::vector<std::string> dimParams;
};

/// A buffer after the outputs (manifest "hidden_outputs"), or after the
/// inputs ("hidden_inputs": the extents of input `output`).
struct Hidden {
  bool isShape = false; // else storage: pointers to free after use
  size_t output = 0, count = 0;
};

size_t elements(const int64_t *shape, size_t rank) {
  size_t n = 1;
  for (size_t i = 0; i < rank; ++i)
    n *= (size_t)shape[i];
  return n;
}

const struct {
  autoglm_dtype dtype;
  const char *name;
  size_t size;
} kDtypes[] = {
    {AUTOGLM_FLOAT32, "float32", 4}, {AUTOGLM_FLOAT64, "float64", 8},
    {AUTOGLM_FLOAT16, "float16", 2}, {AUTOGLM_BFLOAT16, "bfloat16", 2},
    {AUTOGLM_INT8, "int8", 1},       {AUTOGLM_INT16, "int16", 2},
    {AUTOGLM_INT32, "int32", 4},     {AUTOGLM_INT64, "int64", 8},
    {AUTOGLM_UINT8, "uint8", 1},     {AUTOGLM_UINT16, "uint16", 2},
    {AUTOGLM_UINT32, "uint32", 4},   {AUTOGLM_UINT64, "uint64", 8},
    {AUTOGLM_BOOL, "bool", 1},       {AUTOGLM_STRING, "string", sizeof(char *)},
};

std::string shapeString(const int64_t *shape, size_t rank) {
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool readFile(const std::string &path, std::string &out) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return !f.bad();
}

std::string sha256Hex(const char *data, size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data, size, digest, &len, EVP_sha256(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

std::string sha256Hex(const std::string &bytes) { return sha256Hex(bytes.data(), bytes.size()); }

/// A file mapped read-only (a CPU artifact's weights.bin): its pages are
/// the page cache's, shared by every process running the model.
struct MappedFile {
  void *data = nullptr;
  size_t size = 0;
  MappedFile() = default;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile() {
    if (data)
      munmap(data, size);
  }
  /// Maps `path`; false with `why` set when it cannot.
  bool map(const std::string &path, std::string &why) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
      why = fd < 0 ? std::strerror(errno) : "empty or unreadable";
      if (fd >= 0)
        close(fd);
      return false;
    }
    size = (size_t)st.st_size;
    void *p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
      why = std::strerror(errno);
      size = 0;
      return false;
    }
    data = p;
    return true;
  }
};

bool parseSpec(const nlohmann::json &j, Spec &s, std::string &err) {
  if (!j.is_object() || !j.contains("name") || !j.contains("dtype") ||
      !j.contains("shape") || !j.contains("bytes")) {
    err = "a tensor entry lacks name, dtype, shape or bytes";
    return false;
  }
  s.name = j["name"].get<std::string>();
  s.dtype = autoglm_dtype_from_name(j["dtype"].get<std::string>().c_str());
  if (s.dtype == AUTOGLM_INVALID) {
    err = "tensor '" + s.name + "' has unknown dtype";
    return false;
  }
  bool open = false;
  for (const auto &d : j["shape"]) {
    int64_t v = d.get<int64_t>();
    if (v < -1 || v > (int64_t(1) << 40)) {
      err = "tensor '" + s.name + "' has an invalid extent";
      return false;
    }
    open |= v == -1;
    s.shape.push_back(v);
  }
  s.maxShape = s.shape;
  if (j.contains("dim_params")) {
    s.dimParams = j["dim_params"].get<std::vector<std::string>>();
    if (s.dimParams.size() != s.shape.size()) {
      err = "tensor '" + s.name + "' has dim_params of another rank";
      return false;
    }
  }
  if (open) {
    if (!j.contains("max_shape") || j["max_shape"].size() != s.shape.size()) {
      err = "tensor '" + s.name + "' has an open extent but no max_shape of its rank";
      return false;
    }
    s.maxShape = j["max_shape"].get<std::vector<int64_t>>();
  }
  s.minShape.assign(s.shape.size(), 0);
  if (j.contains("min_shape")) {
    s.minShape = j["min_shape"].get<std::vector<int64_t>>();
    bool ok = s.minShape.size() == s.shape.size();
    for (size_t k = 0; ok && k < s.minShape.size(); ++k)
      ok = s.minShape[k] >= 0 && s.minShape[k] <= s.maxShape[k] &&
           (s.shape[k] == -1 || s.minShape[k] == s.shape[k]);
    if (!ok) {
      err = "tensor '" + s.name + "' has an invalid min_shape";
      return false;
    }
  }
  size_t n = 1;
  for (size_t k = 0; k < s.maxShape.size(); ++k) {
    int64_t v = s.maxShape[k];
    if (v < 0 || v > (int64_t(1) << 40) || (s.shape[k] != -1 && s.shape[k] != v)) {
      err = "tensor '" + s.name + "' has an invalid max_shape";
      return false;
    }
    n *= (size_t)v;
  }
  s.bytes = j["bytes"].get<size_t>();
  if (s.bytes != n * autoglm_dtype_size(s.dtype)) {
    err = "tensor '" + s.name + "': bytes do not match its shape and dtype";
    return false;
  }
  return true;
}

} // namespace

struct autoglm_model {
  std::string dir;
  std::vector<Spec> inputs, outputs;
  std::vector<Hidden> hiddenInputs, hidden;
  // A status buffer after the inputs, and what its codes mean.
  bool status = false;
  std::vector<std::string> checks;
  size_t weightBytes = 0;
  size_t arenaBytes = 0, naiveTempBytes = 0;
  void *handle = nullptr;
  void (*entry)(void **) = nullptr;
  void (*setThreads)(int) = nullptr;
  // --profile: the regions the library's marks separate.
  std::vector<std::string> profileRegions;
  // A GPU artifact: its launch plan and the device holding its code.
  std::string device = "cpu";
  std::unique_ptr<autoglm::rt::GpuPlan> gpu;
  std::unique_ptr<autoglm::rt::DeviceModel> gpuModel;
  // A decoder compiled with enable_cache: the manifest's "llm" section.
  nlohmann::json llm;
  // weights.bin, mapped: the entry's last argument (abi_version 2).
  std::unique_ptr<MappedFile> weights;
  ~autoglm_model() {
    if (handle)
      dlclose(handle);
  }
};

/// OpenMP's waiting threads (the artifact's libomp) yield the CPU while
/// they spin. By default libomp spins without yielding unless it sees more
/// threads than cores; on virtual machines the scheduler at times puts a
/// team's two threads on one vCPU, and each fork / join then waits out a
/// spinning thread's time slice (a 2-thread conformer block ran 0.7 or 2.6
/// ms by process, 21 parallel regions; with yielding, 0.7-0.8 ms every
/// time; large models unchanged). KMP_USE_YIELD set by the user wins.
static void yieldWhileWaiting(void *handle) {
  if (getenv("KMP_USE_YIELD"))
    return;
  if (auto setDefaults = (void (*)(const char *))dlsym(handle, "kmp_set_defaults"))
    setDefaults("KMP_USE_YIELD=2");
}

/// Maps the library's pages (its weights are constants in it) now, at load,
/// rather than on the first run's touches: a decoder's first token would
/// otherwise wait for ~30K page faults of a 100 MB library.
static void prefault(void *handle) {
  struct link_map *lm = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm)
    return;
  auto visit = [](struct dl_phdr_info *info, size_t, void *data) -> int {
    if (info->dlpi_addr != *static_cast<ElfW(Addr) *>(data))
      return 0;
    long page = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < info->dlpi_phnum; ++i) {
      const ElfW(Phdr) &ph = info->dlpi_phdr[i];
      if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
        continue;
      uintptr_t start = (info->dlpi_addr + ph.p_vaddr) & ~(uintptr_t)(page - 1);
      uintptr_t end = info->dlpi_addr + ph.p_vaddr + ph.p_memsz;
#ifdef MADV_POPULATE_READ
      if (madvise((void *)start, end - start, MADV_POPULATE_READ) == 0)
        continue;
#endif
      volatile const char *p = (const char *)start;
      for (uintptr_t a = start; a < end; a += page)
        (void)p[a - start];
    }
    return 1;
  };
  ElfW(Addr) base = lm->l_addr;
  dl_iterate_phdr(visit, &base);
}

int autoglm::rt::fail(std::string msg) { return setError(std::move(msg)); }

namespace {
/// The run a --profile library's marks time on this thread: the marks come
/// from the model function between its ops, on the thread that called
/// autoglm_context_run, so contexts on other threads keep their own.
struct ProfileClock {
  std::vector<double> *seconds = nullptr;
  std::chrono::steady_clock::time_point last;
  int64_t region = -1;
};
thread_local ProfileClock *activeProfile = nullptr;

/// The library's autoglm_profile_hook: region k starts now (k = the region
/// count: the run is over), so the one before it ended.
void profileMark(int32_t region) {
  ProfileClock *p = activeProfile;
  if (!p)
    return;
  auto now = std::chrono::steady_clock::now();
  if (p->region >= 0 && (size_t)p->region < p->seconds->size())
    (*p->seconds)[p->region] += std::chrono::duration<double>(now - p->last).count();
  p->last = now;
  p->region = region;
}
} // namespace

const nlohmann::json &autoglm::rt::llmSection(const autoglm_model *model) { return model->llm; }

struct autoglm_context {
  const autoglm_model *model;
  int threads;
  std::vector<void *> buffers; // inputs then outputs
  std::vector<bool> bound;     // which of them were bound (an open input may be empty)
  std::vector<bool> onDevice;  // GPU artifacts: bound to device memory (buffers holds its address)
  std::vector<size_t> sizes;   // the bytes each was bound with
  // The model's temporaries, allocated once per context (64-byte aligned).
  std::unique_ptr<char, void (*)(void *)> arena{nullptr, std::free};
  // One buffer per hidden input (the extents of an input bound with open
  // ones) and per hidden result (extents, or pointers to malloc'd blocks).
  std::vector<std::vector<int64_t>> hiddenInputs, hidden;
  // Extents of each output from the last run.
  std::vector<std::vector<int64_t>> outputShapes;
  // A GPU model's stream and device buffers.
  std::unique_ptr<autoglm::rt::DeviceContext> gpuContext;
  // --profile: seconds per region over profileRuns runs.
  std::vector<double> profileSeconds;
  size_t profileRuns = 0;
  void freeStorage() {
    for (size_t h = 0; h < model->hidden.size(); ++h)
      if (!model->hidden[h].isShape)
        for (int64_t &p : hidden[h]) {
          std::free(reinterpret_cast<void *>(p));
          p = 0;
        }
  }
  ~autoglm_context() { freeStorage(); }
};

extern "C" {

const char *autoglm_last_error(void) { return lastError.c_str(); }

const char *autoglm_dtype_name(autoglm_dtype dtype) {
  for (const auto &d : kDtypes)
    if (d.dtype == dtype)
      return d.name;
  return "invalid";
}

autoglm_dtype autoglm_dtype_from_name(const char *name) {
  for (const auto &d : kDtypes)
    if (name && std::strcmp(d.name, name) == 0)
      return d.dtype;
  return AUTOGLM_INVALID;
}

size_t autoglm_dtype_size(autoglm_dtype dtype) {
  for (const auto &d : kDtypes)
    if (d.dtype == dtype)
      return d.size;
  return 0;
}

/// The architecture this runtime was built for, as the first component of
/// an LLVM triple names it (armv7 and thumbv7em count as "arm").
static const char *runtimeArch() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#elif defined(__arm__)
  return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

static std::string tripleArch(const std::string &triple) {
  std::string arch = triple.substr(0, triple.find('-'));
  if (arch.rfind("arm", 0) == 0 || arch.rfind("thumb", 0) == 0)
    return "arm";
  return arch;
}

static std::vector<size_t> specBytes(const std::vector<Spec> &specs) {
  std::vector<size_t> bytes;
  for (const Spec &s : specs)
    bytes.push_back(s.bytes);
  return bytes;
}

/// The rest of loading a GPU artifact, whose files are verified and whose
/// tensors are parsed: the plan is checked in full before the driver is
/// looked for, so a broken manifest reads the same with or without a GPU.
static int loadGpu(const nlohmann::json &m, const std::string &d, int device,
                   std::unique_ptr<autoglm_model> result,
                   std::map<std::string, std::string> &contents, autoglm_model **model) {
  using namespace autoglm::rt;
  if (!result->hiddenInputs.empty() || !result->hidden.empty())
    return setError(d + "/manifest.json: open extents and storage results are not supported "
                        "on a GPU yet");
  for (const auto *specs : {&result->inputs, &result->outputs})
    for (const Spec &s : *specs)
      if (s.dtype == AUTOGLM_STRING)
        return setError(d + "/manifest.json: tensor '" + s.name +
                        "' holds strings, which a GPU artifact cannot take yet");
  auto plan = std::make_unique<GpuPlan>();
  std::string err;
  if (!parseGpuPlan(m, d, specBytes(result->inputs), specBytes(result->outputs), *plan, err))
    return setError(err);
  if (!plan->weights.empty() && contents[plan->weights].size() != plan->weightsBytes)
    return setError(d + "/manifest.json: gpu.weights_bytes is " +
                    std::to_string(plan->weightsBytes) + ", and " + plan->weights + " holds " +
                    std::to_string(contents[plan->weights].size()) + " bytes");
  result->weightBytes = plan->weightsBytes;
  result->arenaBytes = plan->arenaBytes;
  result->gpu = std::move(plan);
  const GpuPlan &p = *result->gpu;
  result->gpuModel =
      loadDeviceModel(p, std::move(contents[p.module]),
                      p.weights.empty() ? std::string() : contents[p.weights], device, err);
  if (!result->gpuModel)
    return setError(err);
  result->device = result->gpuModel->device;
  *model = result.release();
  return 0;
}

int autoglm_model_load(const char *dir, autoglm_model **model) {
  return autoglm_model_load_on_device(dir, -1, model);
}

/// autoglm_model_load_on_device, which turns a JSON type error (a manifest
/// value of the wrong type anywhere) into the load's error.
static int loadOnDevice(const char *dir, int device, autoglm_model **model) {
  if (!dir || !model)
    return setError("autoglm_model_load: null argument");
  *model = nullptr;
  std::string d = dir;
  std::string manifestText;
  if (!readFile(d + "/manifest.json", manifestText))
    return setError("cannot read " + d + "/manifest.json (not an artifact directory?)");
  nlohmann::json m = nlohmann::json::parse(manifestText, nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded() || !m.is_object())
    return setError(d + "/manifest.json is not valid JSON");
  if (!m.contains("schema_version") || m["schema_version"] != 1)
    return setError(d + "/manifest.json: unsupported schema_version (this runtime reads 1)");
  if (!m.contains("files") || !m["files"].is_object() || !m.contains("library") ||
      !m.contains("inputs") || !m.contains("outputs"))
    return setError(d + "/manifest.json lacks files, library, inputs or outputs");
  const bool isGpu = m.contains("gpu");
  if (device < -1)
    return setError("device " + std::to_string(device) +
                    " is not a device number (-1: the artifact's default)");
  if (!isGpu && device != -1)
    return setError(d + ": this artifact runs on the CPU; device " + std::to_string(device) +
                    " names a GPU");
  // The library is machine code for the manifest's triple: another
  // architecture is refused here, before dlopen says something vaguer. A
  // GPU artifact's code is for the device, whatever runs the host.
  if (!isGpu && m.contains("target") && m["target"].is_object() && m["target"].contains("triple") &&
      m["target"]["triple"].is_string()) {
    std::string triple = m["target"]["triple"].get<std::string>();
    if (tripleArch(triple) != runtimeArch())
      return setError(d + " was compiled for " + triple + ", and this runtime runs " +
                      runtimeArch() +
                      " code (compile with --target for this machine, or run "
                      "it with the runtime built for that target)");
  }
  // The entry point's calling convention: a newer one than this runtime's
  // would pass the wrong arguments.
  if (!isGpu) {
    const nlohmann::json &abi = m.contains("abi_version") ? m["abi_version"] : nlohmann::json(1);
    if (!abi.is_number_integer() || abi.get<int64_t>() < 1 || abi.get<int64_t>() > kAbiVersion)
      return setError(d + "/manifest.json: abi_version " + abi.dump() +
                      " is not one this runtime reads (1 to " + std::to_string(kAbiVersion) +
                      "): run it with the runtime of the autoglm-compile that wrote it, or "
                      "recompile");
  }
  // Code compiled for a CPU with more ISA extensions than this one would
  // stop with SIGILL mid-run: refused now, naming what is missing.
  if (!isGpu && m.contains("target") && m["target"].is_object() &&
      m["target"].contains("requires")) {
    const nlohmann::json &req = m["target"]["requires"];
    std::vector<std::string> required;
    if (!req.is_array())
      return setError(d + "/manifest.json: target.requires is not a list of features");
    for (const auto &f : req) {
      if (!f.is_string())
        return setError(d + "/manifest.json: target.requires is not a list of features");
      required.push_back(f.get<std::string>());
    }
    std::vector<std::string> missing = autoglm::rt::missingCpuFeatures(required);
    if (!missing.empty()) {
      std::string list;
      for (const std::string &f : missing)
        list += (list.empty() ? "" : ", ") + f;
      std::string cpu = m["target"].contains("cpu") && m["target"]["cpu"].is_string()
                            ? m["target"]["cpu"].get<std::string>()
                            : std::string("another CPU");
      return setError(d + " was compiled for " + cpu + " and needs CPU features this machine " +
                      "lacks: " + list +
                      " (recompile with --target-cpu / --target-features for this machine)");
    }
  }
  // A GPU artifact's code and weights go to the device: their bytes, once
  // read for the hash, are kept for that; a CPU library's, for the check of
  // its ELF headers.
  std::map<std::string, std::string> contents;
  if (!isGpu && m["library"].is_string())
    contents[m["library"].get<std::string>()];
  if (isGpu && m["gpu"].is_object())
    for (const char *key : {"module", "weights"})
      if (m["gpu"].contains(key) && m["gpu"][key].is_string())
        contents[m["gpu"][key].get<std::string>()];
  // A CPU library's weights.bin is mapped, not read (gigabytes of an LLM).
  std::string weightsFile;
  std::unique_ptr<MappedFile> weights;
  if (!isGpu && m.contains("weights")) {
    const nlohmann::json &w = m["weights"];
    if (!w.is_object() || !w.contains("file") || !w["file"].is_string() || !w.contains("bytes") ||
        !w["bytes"].is_number_unsigned() || !m["files"].contains(w["file"].get<std::string>()))
      return setError(d + "/manifest.json: weights is not {file: one of the files, bytes: N}");
    if (!m.contains("abi_version") || m["abi_version"] != 2)
      return setError(d + "/manifest.json: weights in a file need abi_version 2");
    weightsFile = w["file"].get<std::string>();
  } else if (!isGpu && m.contains("abi_version") && m["abi_version"] == 2) {
    return setError(d + "/manifest.json: abi_version 2 without a weights file");
  }
  // Every listed file must be present and unchanged.
  for (auto it = m["files"].begin(); it != m["files"].end(); ++it) {
    const std::string name = it.key();
    if (name.find('/') != std::string::npos || name.find("..") != std::string::npos)
      return setError("manifest lists a file outside the artifact: " + name);
    if (name == weightsFile) {
      weights = std::make_unique<MappedFile>();
      std::string why;
      if (!weights->map(d + "/" + name, why))
        return setError("artifact file " + name + " cannot be mapped: " + why);
      if (weights->size != m["weights"]["bytes"].get<size_t>())
        return setError("artifact file " + name + " has " + std::to_string(weights->size) +
                        " bytes; manifest.json says " + m["weights"]["bytes"].dump());
      if (!it.value().contains("sha256") ||
          sha256Hex(static_cast<const char *>(weights->data), weights->size) !=
              it.value()["sha256"].get<std::string>())
        return setError("artifact file " + name +
                        " does not match the sha256 in manifest.json (corrupted or "
                        "modified)");
      continue;
    }
    std::string bytes;
    if (!readFile(d + "/" + name, bytes))
      return setError("artifact file missing or unreadable: " + name);
    if (!it.value().contains("sha256") ||
        sha256Hex(bytes) != it.value()["sha256"].get<std::string>())
      return setError("artifact file " + name +
                      " does not match the sha256 in manifest.json (corrupted or "
                      "modified)");
    auto kept = contents.find(name);
    if (kept != contents.end())
      kept->second = std::move(bytes);
  }
  std::string lib = m["library"].get<std::string>();
  if (!m["files"].contains(lib))
    return setError("the library " + lib + " is not covered by the manifest's hashes");
  auto result = std::make_unique<autoglm_model>();
  result->dir = d;
  result->weights = std::move(weights);
  std::string err;
  try {
    for (const auto &j : m["inputs"]) {
      Spec s;
      if (!parseSpec(j, s, err))
        return setError("manifest.json: " + err);
      result->inputs.push_back(s);
    }
    for (const auto &j : m["outputs"]) {
      Spec s;
      if (!parseSpec(j, s, err))
        return setError("manifest.json: " + err);
      result->outputs.push_back(s);
    }
    if (m.contains("llm") && m["llm"].is_object())
      result->llm = m["llm"];
    if (m.contains("profile"))
      result->profileRegions = m["profile"].at("regions").get<std::vector<std::string>>();
    if (m.contains("status")) {
      result->status = true;
      result->checks = m["status"].value("checks", std::vector<std::string>());
    }
    if (m.contains("hidden_inputs"))
      for (const auto &j : m["hidden_inputs"]) {
        Hidden h;
        h.isShape = true;
        if (j.at("kind").get<std::string>() != "shape")
          return setError("manifest.json: unknown hidden input kind");
        h.output = j.at("input").get<size_t>();
        if (h.output >= result->inputs.size())
          return setError("manifest.json: a hidden shape names input " +
                          std::to_string(h.output) + ", which does not exist");
        h.count = result->inputs[h.output].shape.size();
        result->hiddenInputs.push_back(h);
      }
    for (size_t i = 0; i < result->inputs.size(); ++i)
      if (result->inputs[i].shape != result->inputs[i].maxShape &&
          std::none_of(result->hiddenInputs.begin(), result->hiddenInputs.end(),
                       [&](const Hidden &h) { return h.output == i; }))
        return setError("manifest.json: input '" + result->inputs[i].name +
                        "' has an open extent but no hidden shape input");
    if (m.contains("hidden_outputs"))
      for (const auto &j : m["hidden_outputs"]) {
        Hidden h;
        std::string kind = j.at("kind").get<std::string>();
        if (kind == "shape") {
          h.isShape = true;
          h.output = j.at("output").get<size_t>();
          if (h.output >= result->outputs.size())
            return setError("manifest.json: a hidden shape names output " +
                            std::to_string(h.output) + ", which does not exist");
          h.count = result->outputs[h.output].shape.size();
        } else if (kind == "storage") {
          h.count = j.at("count").get<size_t>();
          if (h.count > 4096)
            return setError("manifest.json: implausible storage count");
        } else {
          return setError("manifest.json: unknown hidden output kind '" + kind + "'");
        }
        result->hidden.push_back(h);
      }
    for (size_t i = 0; i < result->outputs.size(); ++i)
      if (result->outputs[i].shape != result->outputs[i].maxShape &&
          std::none_of(result->hidden.begin(), result->hidden.end(),
                       [&](const Hidden &h) { return h.isShape && h.output == i; }))
        return setError("manifest.json: output '" + result->outputs[i].name +
                        "' has an open extent but no hidden shape result");
    if (m.contains("memory")) {
      const auto &mem = m["memory"];
      result->weightBytes = mem.value("weights_bytes", (size_t)0);
      result->arenaBytes = mem.value("arena_bytes", (size_t)0);
      result->naiveTempBytes = mem.value("naive_temp_bytes", (size_t)0);
    }
  } catch (const std::exception &e) {
    return setError(std::string("manifest.json: ") + e.what());
  }
  if (isGpu)
    return loadGpu(m, d, device, std::move(result), contents, model);
  std::string why;
  if (!autoglm::rt::checkElfLibrary(contents[lib], why))
    return setError("the model library " + lib + " cannot be loaded: " + why);
  result->handle = dlopen((d + "/" + lib).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!result->handle)
    return setError(std::string("cannot load the model library: ") + dlerror());
  // The library's own account of its interface must be the manifest's: an
  // edited manifest would hand the code buffers of the wrong size.
  const char *iface =
      static_cast<const char *>(dlsym(result->handle, autoglm::rt::kInterfaceSymbol));
  if (!iface)
    return setError("the model library carries no interface description (compiled by an "
                    "older autoglm-compile?): recompile the model");
  if (std::string(iface) != autoglm::rt::renderInterface(m)) {
    nlohmann::json lib = nlohmann::json::parse(iface, nullptr, false);
    nlohmann::json man = nlohmann::json::parse(autoglm::rt::renderInterface(m));
    std::string key = "?";
    if (lib.is_object())
      for (const auto &side : {lib, man})
        for (auto it = side.begin(); it != side.end() && key == "?"; ++it)
          if (!lib.contains(it.key()) || !man.contains(it.key()) || lib[it.key()] != man[it.key()])
            key = it.key();
    return setError(d + "/manifest.json does not describe the model library (its '" + key +
                    "' differs from the library's; edited?): recompile, or restore the "
                    "manifest written with the library");
  }
  std::string entry = m.value("entry_point", "autoglm_entry");
  result->entry = (void (*)(void **))dlsym(result->handle, entry.c_str());
  if (!result->entry)
    return setError("the model library has no entry point " + entry);
  result->setThreads = (void (*)(int))dlsym(result->handle, "autoglm_set_num_threads");
  if (!result->profileRegions.empty()) {
    auto hook = (void (**)(int32_t))dlsym(result->handle, "autoglm_profile_hook");
    if (!hook)
      return setError("the manifest lists profile regions but the model library has no "
                      "autoglm_profile_hook: recompile with --profile");
    *hook = profileMark;
  }
  yieldWhileWaiting(result->handle);
  prefault(result->handle);
  *model = result.release();
  return 0;
}

int autoglm_model_load_on_device(const char *dir, int device, autoglm_model **model) {
  try {
    return loadOnDevice(dir, device, model);
  } catch (const std::exception &e) {
    if (model)
      *model = nullptr;
    return setError(std::string(dir ? dir : "") + "/manifest.json: " + e.what());
  }
}

void autoglm_model_release(autoglm_model *model) { delete model; }

size_t autoglm_model_num_inputs(const autoglm_model *m) { return m ? m->inputs.size() : 0; }
size_t autoglm_model_num_outputs(const autoglm_model *m) { return m ? m->outputs.size() : 0; }

static int64_t findSpec(const std::vector<Spec> &specs, const char *name) {
  for (size_t i = 0; name && i < specs.size(); ++i)
    if (specs[i].name == name)
      return (int64_t)i;
  return -1;
}

int64_t autoglm_model_input_index(const autoglm_model *m, const char *name) {
  return m ? findSpec(m->inputs, name) : -1;
}
int64_t autoglm_model_output_index(const autoglm_model *m, const char *name) {
  return m ? findSpec(m->outputs, name) : -1;
}

#define AUTOGLM_SPEC_GETTERS(KIND, FIELD)                                      \
  const char *autoglm_model_##KIND##_name(const autoglm_model *m, size_t i) {  \
    return m && i < m->FIELD.size() ? m->FIELD[i].name.c_str() : nullptr;      \
  }                                                                            \
  autoglm_dtype autoglm_model_##KIND##_dtype(const autoglm_model *m, size_t i) { \
    return m && i < m->FIELD.size() ? m->FIELD[i].dtype : AUTOGLM_INVALID;     \
  }                                                                            \
  size_t autoglm_model_##KIND##_rank(const autoglm_model *m, size_t i) {       \
    return m && i < m->FIELD.size() ? m->FIELD[i].shape.size() : 0;            \
  }                                                                            \
  const int64_t *autoglm_model_##KIND##_shape(const autoglm_model *m, size_t i) { \
    return m && i < m->FIELD.size() ? m->FIELD[i].shape.data() : nullptr;      \
  }                                                                            \
  size_t autoglm_model_##KIND##_bytes(const autoglm_model *m, size_t i) {      \
    return m && i < m->FIELD.size() ? m->FIELD[i].bytes : 0;                   \
  }
AUTOGLM_SPEC_GETTERS(input, inputs)
AUTOGLM_SPEC_GETTERS(output, outputs)
#undef AUTOGLM_SPEC_GETTERS

const int64_t *autoglm_model_output_max_shape(const autoglm_model *m, size_t i) {
  return m && i < m->outputs.size() ? m->outputs[i].maxShape.data() : nullptr;
}
const int64_t *autoglm_model_input_max_shape(const autoglm_model *m, size_t i) {
  return m && i < m->inputs.size() ? m->inputs[i].maxShape.data() : nullptr;
}

size_t autoglm_model_weight_bytes(const autoglm_model *m) { return m ? m->weightBytes : 0; }
size_t autoglm_model_arena_bytes(const autoglm_model *m) { return m ? m->arenaBytes : 0; }
size_t autoglm_model_naive_temp_bytes(const autoglm_model *m) {
  return m ? m->naiveTempBytes : 0;
}
const char *autoglm_model_device(const autoglm_model *m) { return m ? m->device.c_str() : ""; }

static int needsDevice(const autoglm_model *m, const char *what) {
  if (!m)
    return setError(std::string(what) + ": null model");
  if (!m->gpuModel)
    return setError(std::string(what) + ": the model runs on the CPU and has no device memory");
  return 0;
}

int autoglm_model_device_alloc(const autoglm_model *m, size_t bytes, uint64_t *ptr) {
  if (needsDevice(m, "autoglm_model_device_alloc"))
    return 1;
  if (!ptr)
    return setError("autoglm_model_device_alloc: null result pointer");
  std::string err;
  if (!autoglm::rt::deviceAlloc(*m->gpuModel, bytes, *ptr, err))
    return setError(err);
  return 0;
}

int autoglm_model_device_free(const autoglm_model *m, uint64_t ptr) {
  if (needsDevice(m, "autoglm_model_device_free"))
    return 1;
  std::string err;
  if (ptr && !autoglm::rt::deviceFree(*m->gpuModel, ptr, err))
    return setError(err);
  return 0;
}

int autoglm_model_copy_to_device(const autoglm_model *m, uint64_t dst, const void *src,
                                 size_t bytes) {
  if (needsDevice(m, "autoglm_model_copy_to_device"))
    return 1;
  if (bytes && (!dst || !src))
    return setError("autoglm_model_copy_to_device: null pointer");
  std::string err;
  if (!autoglm::rt::deviceCopy(*m->gpuModel, const_cast<void *>(src), dst, bytes, true, err))
    return setError(err);
  return 0;
}

int autoglm_model_copy_from_device(const autoglm_model *m, void *dst, uint64_t src, size_t bytes) {
  if (needsDevice(m, "autoglm_model_copy_from_device"))
    return 1;
  if (bytes && (!dst || !src))
    return setError("autoglm_model_copy_from_device: null pointer");
  std::string err;
  if (!autoglm::rt::deviceCopy(*m->gpuModel, dst, src, bytes, false, err))
    return setError(err);
  return 0;
}

int autoglm_context_create(const autoglm_model *model, int num_threads,
                           autoglm_context **context) {
  if (!model || !context)
    return setError("autoglm_context_create: null argument");
  auto *c = new autoglm_context;
  c->model = model;
  if (model->gpuModel) {
    c->threads = 1;
    c->buffers.assign(model->inputs.size() + model->outputs.size(), nullptr);
    c->bound.assign(c->buffers.size(), false);
    c->onDevice.assign(c->buffers.size(), false);
    c->sizes.assign(c->buffers.size(), 0);
    for (const Spec &s : model->outputs)
      c->outputShapes.push_back(s.shape);
    std::string err;
    c->gpuContext = autoglm::rt::createDeviceContext(*model->gpuModel, specBytes(model->inputs),
                                                     specBytes(model->outputs), err);
    if (!c->gpuContext) {
      delete c;
      return setError(err);
    }
    *context = c;
    return 0;
  }
  c->threads = num_threads > 0 ? num_threads
                               : (int)std::max(1u, std::thread::hardware_concurrency());
  c->buffers.assign(model->inputs.size() + model->outputs.size(), nullptr);
  c->bound.assign(c->buffers.size(), false);
  c->onDevice.assign(c->buffers.size(), false);
  c->sizes.assign(c->buffers.size(), 0);
  for (const Hidden &h : model->hiddenInputs)
    c->hiddenInputs.emplace_back(h.count, -1);
  for (const Hidden &h : model->hidden)
    c->hidden.emplace_back(std::max<size_t>(h.count, 1), 0);
  for (const Spec &s : model->outputs)
    c->outputShapes.push_back(s.shape);
  c->profileSeconds.assign(model->profileRegions.size(), 0.0);
  if (model->arenaBytes) {
    size_t bytes = (model->arenaBytes + 63) / 64 * 64;
    c->arena.reset(static_cast<char *>(std::aligned_alloc(64, bytes)));
    if (!c->arena) {
      delete c;
      return setError("cannot allocate the model's " + std::to_string(bytes) +
                      "-byte arena");
    }
  }
  *context = c;
  return 0;
}

void autoglm_context_release(autoglm_context *c) { delete c; }

int autoglm_context_num_threads(const autoglm_context *c) { return c ? c->threads : 0; }

static int bind(autoglm_context *c, bool isInput, size_t index, autoglm_dtype dtype, size_t rank,
                const int64_t *shape, const void *data, size_t bytes, bool device = false) {
  if (!c)
    return setError("null context");
  const auto &specs = isInput ? c->model->inputs : c->model->outputs;
  const char *kind = isInput ? "input" : "output";
  if (device && !c->gpuContext)
    return setError(std::string(kind) + " " + std::to_string(index) +
                    ": device memory bound to a model that runs on the CPU (bind host memory "
                    "with autoglm_context_set_" +
                    kind + ")");
  if (index >= specs.size())
    return setError(std::string(kind) + " index " + std::to_string(index) +
                    " is out of range (the model has " + std::to_string(specs.size()) +
                    ")");
  const Spec &s = specs[index];
  if (dtype != s.dtype)
    return setError(std::string(kind) + " '" + s.name + "': dtype " +
                    autoglm_dtype_name(dtype) + " does not match the model's " +
                    autoglm_dtype_name(s.dtype));
  // An input with open extents takes any extents up to its bound (its
  // hidden input receives them); an output with open extents is bound at
  // its bound.
  bool openInput = isInput && s.shape != s.maxShape;
  bool shapeOk = rank == s.maxShape.size() && (!rank || shape);
  for (size_t d = 0; shapeOk && d < rank; ++d)
    shapeOk = openInput && s.shape[d] == -1 ? shape[d] >= s.minShape[d] && shape[d] <= s.maxShape[d]
                                            : shape[d] == s.maxShape[d];
  if (!shapeOk && openInput && rank == s.maxShape.size() && shape)
    for (size_t d = 0; d < rank; ++d)
      if (s.shape[d] == -1 && shape[d] >= 0 && shape[d] < s.minShape[d])
        return setError(std::string(kind) + " '" + s.name + "': shape " + shapeString(shape, rank) +
                        " is below the least the model takes, " +
                        shapeString(s.minShape.data(), rank) + " (dynamic_shape min) in dim " +
                        std::to_string(d));
  if (!shapeOk)
    return setError(std::string(kind) + " '" + s.name + "': shape " +
                    shapeString(shape, shape ? rank : 0) +
                    " does not match the model's " +
                    shapeString(openInput ? s.shape.data() : s.maxShape.data(), s.maxShape.size()) +
                    (openInput ? " (-1: any extent up to " +
                                     shapeString(s.maxShape.data(), s.maxShape.size()) + ")"
                     : s.shape != s.maxShape ? " (the bound of its open extents)"
                                             : ""));
  size_t want = openInput ? elements(shape, rank) * autoglm_dtype_size(s.dtype) : s.bytes;
  if (bytes != want)
    return setError(std::string(kind) + " '" + s.name + "': " + std::to_string(bytes) +
                    " bytes given, " + std::to_string(want) + " expected");
  if (!data && (want || device))
    return setError(std::string(kind) + " '" + s.name + "': null " +
                    (device ? "device pointer" : "buffer"));
  if (device && dtype == AUTOGLM_STRING)
    return setError(std::string(kind) + " '" + s.name +
                    "': strings are host memory (bind it with autoglm_context_set_" + kind + ")");
  if (openInput)
    for (size_t h = 0; h < c->model->hiddenInputs.size(); ++h)
      if (c->model->hiddenInputs[h].output == index)
        c->hiddenInputs[h].assign(shape, shape + rank);
  if (isInput && dtype == AUTOGLM_STRING)
    for (size_t k = 0; k < bytes / sizeof(char *); ++k)
      if (!static_cast<const char *const *>(data)[k])
        return setError("input '" + s.name + "': element " + std::to_string(k) +
                        " is a null string");
  size_t slot = isInput ? index : c->model->inputs.size() + index;
  c->buffers[slot] = const_cast<void *>(data);
  c->bound[slot] = true;
  c->sizes[slot] = bytes;
  if (c->gpuContext) {
    c->onDevice[slot] = device;
    autoglm::rt::bindDevicePointer(*c->gpuContext, isInput, index,
                                   device ? (uint64_t)(uintptr_t)data : 0);
  }
  return 0;
}

int autoglm_context_set_input(autoglm_context *c, size_t index, autoglm_dtype dtype,
                              size_t rank, const int64_t *shape, const void *data,
                              size_t bytes) {
  return bind(c, true, index, dtype, rank, shape, data, bytes);
}

int autoglm_context_set_output(autoglm_context *c, size_t index, autoglm_dtype dtype,
                               size_t rank, const int64_t *shape, void *data,
                               size_t bytes) {
  return bind(c, false, index, dtype, rank, shape, data, bytes);
}

int autoglm_context_set_input_device(autoglm_context *c, size_t index, autoglm_dtype dtype,
                                     size_t rank, const int64_t *shape, uint64_t device_ptr,
                                     size_t bytes) {
  return bind(c, true, index, dtype, rank, shape, (const void *)(uintptr_t)device_ptr, bytes, true);
}

int autoglm_context_set_output_device(autoglm_context *c, size_t index, autoglm_dtype dtype,
                                      size_t rank, const int64_t *shape, uint64_t device_ptr,
                                      size_t bytes) {
  return bind(c, false, index, dtype, rank, shape, (const void *)(uintptr_t)device_ptr, bytes,
              true);
}

static int runContext(autoglm_context *c, bool wait);

int autoglm_context_run(autoglm_context *c) { return runContext(c, true); }

int autoglm_context_run_async(autoglm_context *c) {
  if (!c)
    return setError("null context");
  if (!c->gpuContext)
    return setError("autoglm_context_run_async: the model runs on the CPU (use "
                    "autoglm_context_run)");
  const autoglm_model *m = c->model;
  for (size_t i = 0; i < c->buffers.size(); ++i)
    if (c->bound[i] && !c->onDevice[i]) {
      bool isInput = i < m->inputs.size();
      return setError(std::string("autoglm_context_run_async: ") +
                      (isInput ? "input '" + m->inputs[i].name
                               : "output '" + m->outputs[i - m->inputs.size()].name) +
                      "' is bound to host memory (an enqueued run takes device memory only)");
    }
  return runContext(c, false);
}

int autoglm_context_synchronize(autoglm_context *c) {
  if (!c)
    return setError("null context");
  if (!c->gpuContext)
    return 0;
  std::string err;
  if (!autoglm::rt::synchronizeDevice(*c->gpuContext, err))
    return setError(err);
  if (int32_t status = c->gpuContext->statusValue) {
    size_t k = (size_t)status - 1;
    return setError("the model refused its inputs: " +
                    (k < c->model->checks.size() ? c->model->checks[k]
                                                 : "run-time check " + std::to_string(status)));
  }
  return 0;
}

static int runContext(autoglm_context *c, bool wait) {
  if (!c)
    return setError("null context");
  const autoglm_model *m = c->model;
  for (size_t i = 0; i < c->buffers.size(); ++i) {
    bool isInput = i < m->inputs.size();
    const Spec &s = isInput ? m->inputs[i] : m->outputs[i - m->inputs.size()];
    if (!c->bound[i] && s.bytes)
      return setError(std::string(isInput ? "input '" : "output '") + s.name +
                      "' is not bound");
  }
  // An output may share memory with nothing else bound: the code would read
  // inputs it has already overwritten, or write one output over another.
  for (size_t o = m->inputs.size(); o < c->buffers.size(); ++o)
    for (size_t i = 0; i < o; ++i) {
      // Host and device addresses are different spaces.
      if (c->onDevice.size() == c->buffers.size() && c->onDevice[i] != c->onDevice[o])
        continue;
      auto *a = static_cast<const char *>(c->buffers[i]);
      auto *b = static_cast<const char *>(c->buffers[o]);
      if (!a || !b || !c->sizes[i] || !c->sizes[o] || a >= b + c->sizes[o] || b >= a + c->sizes[i])
        continue;
      auto name = [&](size_t k) {
        return k < m->inputs.size() ? "input '" + m->inputs[k].name + "'"
                                    : "output '" + m->outputs[k - m->inputs.size()].name + "'";
      };
      return setError(name(i) + " and " + name(o) +
                      " share memory: an output's buffer may overlap no other bound buffer");
    }
  if (c->gpuContext) {
    size_t n = m->inputs.size();
    std::vector<const void *> in(c->buffers.begin(), c->buffers.begin() + n);
    std::vector<void *> out(c->buffers.begin() + n, c->buffers.end());
    std::string err;
    if (!autoglm::rt::runDevice(*c->gpuContext, in, specBytes(m->inputs), out,
                                specBytes(m->outputs), wait, err))
      return setError(err);
    if (!wait)
      return 0;
    if (int32_t status = c->gpuContext->statusValue) {
      size_t k = (size_t)status - 1;
      return setError(
          "the model refused its inputs: " +
          (k < m->checks.size() ? m->checks[k] : "run-time check " + std::to_string(status)));
    }
    return 0;
  }
  // Open extents one name covers must agree across the inputs (ONNX's
  // dim_param: the same symbol, the same extent).
  std::map<std::string, std::pair<int64_t, std::string>> seen;
  for (size_t h = 0; h < m->hiddenInputs.size(); ++h) {
    const Spec &s = m->inputs[m->hiddenInputs[h].output];
    for (size_t d = 0; d < s.dimParams.size() && d < c->hiddenInputs[h].size(); ++d) {
      if (s.dimParams[d].empty())
        continue;
      int64_t e = c->hiddenInputs[h][d];
      auto [it, fresh] = seen.try_emplace(s.dimParams[d], e, s.name);
      if (!fresh && it->second.first != e)
        return setError("inputs '" + it->second.second + "' and '" + s.name +
                        "' disagree on the extent '" + s.dimParams[d] + "': " +
                        std::to_string(it->second.first) + " and " + std::to_string(e));
    }
  }
  // Zero-size tensors still need a valid, distinct address.
  std::vector<char> empty(1);
  std::vector<void *> args(c->buffers);
  for (void *&p : args)
    if (!p)
      p = empty.data();
  // Inputs, the status, their extents, outputs, their extents and blocks,
  // the arena.
  int32_t status = 0;
  std::vector<void *> extents;
  if (m->status)
    extents.push_back(&status);
  for (auto &h : c->hiddenInputs)
    extents.push_back(h.data());
  args.insert(args.begin() + m->inputs.size(), extents.begin(), extents.end());
  // Blocks of the previous run's string outputs are released once this run
  // is over: its inputs may be those strings (an output fed back).
  std::vector<std::vector<int64_t>> previous = c->hidden;
  for (size_t h = 0; h < m->hidden.size(); ++h)
    if (!m->hidden[h].isShape)
      std::fill(c->hidden[h].begin(), c->hidden[h].end(), 0);
  struct FreeAfterRun {
    const autoglm_model *m;
    std::vector<std::vector<int64_t>> &blocks;
    ~FreeAfterRun() {
      for (size_t h = 0; h < m->hidden.size(); ++h)
        if (!m->hidden[h].isShape)
          for (int64_t p : blocks[h])
            std::free(reinterpret_cast<void *>(p));
    }
  } freeAfterRun{m, previous};
  for (auto &h : c->hidden)
    args.push_back(h.data());
  if (c->arena)
    args.push_back(c->arena.get());
  if (m->weights)
    args.push_back(m->weights->data);
  // The thread count is per calling thread (OpenMP's nthreads ICV), so
  // contexts on different threads keep their own.
  if (m->setThreads)
    m->setThreads(c->threads);
  if (!m->profileRegions.empty()) {
    ProfileClock clock;
    clock.seconds = &c->profileSeconds;
    activeProfile = &clock;
    m->entry(args.data());
    activeProfile = nullptr;
    ++c->profileRuns;
  } else {
    m->entry(args.data());
  }
  if (status != 0) {
    size_t k = (size_t)status - 1;
    return setError("the model refused its inputs: " +
                    (k < m->checks.size() ? m->checks[k]
                                          : "run-time check " + std::to_string(status)));
  }
  for (size_t h = 0; h < m->hidden.size(); ++h)
    if (m->hidden[h].isShape) {
      const Spec &s = m->outputs[m->hidden[h].output];
      for (size_t d = 0; d < s.maxShape.size(); ++d)
        if (c->hidden[h][d] < 0 || c->hidden[h][d] > s.maxShape[d])
          return setError("output '" + s.name + "': the model reported extents " +
                          shapeString(c->hidden[h].data(), s.maxShape.size()) +
                          " outside its bound " +
                          shapeString(s.maxShape.data(), s.maxShape.size()));
      c->outputShapes[m->hidden[h].output] = c->hidden[h];
    }
  return 0;
}

const int64_t *autoglm_context_output_shape(const autoglm_context *c, size_t i) {
  return c && i < c->outputShapes.size() ? c->outputShapes[i].data() : nullptr;
}

size_t autoglm_model_profile_regions(const autoglm_model *m) {
  return m ? m->profileRegions.size() : 0;
}

const char *autoglm_model_profile_region(const autoglm_model *m, size_t i) {
  return m && i < m->profileRegions.size() ? m->profileRegions[i].c_str() : nullptr;
}

const double *autoglm_context_profile(const autoglm_context *c, size_t *runs) {
  if (runs)
    *runs = c ? c->profileRuns : 0;
  return c && !c->profileSeconds.empty() ? c->profileSeconds.data() : nullptr;
}

void autoglm_context_profile_reset(autoglm_context *c) {
  if (!c)
    return;
  std::fill(c->profileSeconds.begin(), c->profileSeconds.end(), 0.0);
  c->profileRuns = 0;
}

} // extern "C"
