//===- autoglm-run.cpp - run, check and time a compiled artifact ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//   autoglm-run out/ [--input name=file.pb|.npy ...] [--random]
//                    [--test-data DIR] [--expect DIR] [--rtol R] [--atol A]
//                    [--bench N --warmup K] [--threads T] [--json]
//                    [--dataset inputs.pb --labels labels.pb]
//                    [--device cpu|cuda:N|hip:N]
//                    [--profile] [--profile-html page.html]
//
// Links only the runtime (no LLVM or MLIR), so it deploys beside it. A GPU
// artifact's run copies its inputs to the device and its outputs back and
// returns when they are there, so every time measured here includes that.
//===----------------------------------------------------------------------===//

#include "Generate.h"
#include "Profile.h"
#include "autoglm/Support/TensorProto.h"
#include "autoglm/runtime.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <sys/mman.h>
#include <unistd.h>

namespace {

struct Tensor {
  std::string name;
  autoglm_dtype dtype = AUTOGLM_INVALID;
  std::vector<int64_t> shape;
  std::vector<char> data;
  // A string tensor: the elements, and `data` holds a pointer to each
  // (refreshed by pointStrings before the tensor is bound).
  std::vector<std::string> strings;
};

void pointStrings(Tensor &t) {
  if (t.dtype != AUTOGLM_STRING)
    return;
  t.data.resize(t.strings.size() * sizeof(const char *));
  for (size_t k = 0; k < t.strings.size(); ++k) {
    const char *p = t.strings[k].c_str();
    std::memcpy(t.data.data() + k * sizeof p, &p, sizeof p);
  }
}

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

autoglm_dtype fromOnnx(int32_t t) {
  switch (t) {
  case onnx::TensorProto::FLOAT: return AUTOGLM_FLOAT32;
  case onnx::TensorProto::DOUBLE: return AUTOGLM_FLOAT64;
  case onnx::TensorProto::FLOAT16: return AUTOGLM_FLOAT16;
  case onnx::TensorProto::BFLOAT16: return AUTOGLM_BFLOAT16;
  case onnx::TensorProto::INT8: return AUTOGLM_INT8;
  case onnx::TensorProto::INT16: return AUTOGLM_INT16;
  case onnx::TensorProto::INT32: return AUTOGLM_INT32;
  case onnx::TensorProto::INT64: return AUTOGLM_INT64;
  case onnx::TensorProto::UINT8: return AUTOGLM_UINT8;
  case onnx::TensorProto::UINT16: return AUTOGLM_UINT16;
  case onnx::TensorProto::UINT32: return AUTOGLM_UINT32;
  case onnx::TensorProto::UINT64: return AUTOGLM_UINT64;
  case onnx::TensorProto::BOOL: return AUTOGLM_BOOL;
  case onnx::TensorProto::STRING: return AUTOGLM_STRING;
  default: return AUTOGLM_INVALID;
  }
}

int32_t toOnnx(autoglm_dtype d) {
  for (int32_t t = 1; t <= 16; ++t)
    if (fromOnnx(t) == d)
      return t;
  return 0;
}

std::string readAll(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw Error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

Tensor readPb(const std::string &path) {
  std::string bytes = readAll(path);
  onnx::TensorProto t;
  if (!t.ParseFromString(bytes))
    throw Error(path + " is not an ONNX TensorProto");
  Tensor r;
  r.name = t.name();
  r.dtype = fromOnnx(t.data_type());
  if (r.dtype == AUTOGLM_INVALID)
    throw Error(path + ": unsupported data type");
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > (int64_t(1) << 40))
      throw Error(path + ": invalid dimension");
    r.shape.push_back(d);
    n *= d;
  }
  if (r.dtype == AUTOGLM_STRING) {
    if (t.string_data_size() != n)
      throw Error(fmt::format("{}: {} strings for {} elements", path, t.string_data_size(), n));
    r.strings.assign(t.string_data().begin(), t.string_data().end());
    pointStrings(r);
    return r;
  }
  std::string err;
  if (!autoglm::tensorProtoBytes(t, n, r.data, err))
    throw Error(path + ": " + err);
  return r;
}

void writePb(const Tensor &t, const std::string &path) {
  onnx::TensorProto p;
  p.set_name(t.name);
  p.set_data_type(toOnnx(t.dtype));
  for (int64_t d : t.shape)
    p.add_dims(d);
  if (t.dtype == AUTOGLM_STRING)
    for (const std::string &e : t.strings)
      p.add_string_data(e);
  else
    p.set_raw_data(t.data.data(), t.data.size());
  // The folder (--save-outputs DIR) is created as needed.
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::error_code ec;
    std::filesystem::create_directories(path.substr(0, slash), ec);
  }
  std::ofstream f(path, std::ios::binary);
  if (!f || !p.SerializeToOstream(&f))
    throw Error("cannot write " + path);
}

/// numpy .npy, version 1/2, little-endian, C order.
Tensor readNpy(const std::string &path) {
  std::string b = readAll(path);
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0)
    throw Error(path + " is not a .npy file");
  size_t hlen, off;
  if (b[6] == 1) {
    hlen = (uint8_t)b[8] | ((uint8_t)b[9] << 8);
    off = 10;
  } else {
    if (b.size() < 12)
      throw Error(path + ": truncated header");
    hlen = (uint8_t)b[8] | ((uint8_t)b[9] << 8) | ((uint8_t)b[10] << 16) |
           ((size_t)(uint8_t)b[11] << 24);
    off = 12;
  }
  if (off + hlen > b.size())
    throw Error(path + ": truncated header");
  std::string h = b.substr(off, hlen);
  std::smatch m;
  if (!std::regex_search(h, m, std::regex("'descr':\\s*'([<|=])([a-z])(\\d+)'")))
    throw Error(path + ": unsupported dtype");
  static const std::map<std::string, autoglm_dtype> kinds = {
      {"f4", AUTOGLM_FLOAT32}, {"f8", AUTOGLM_FLOAT64}, {"f2", AUTOGLM_FLOAT16},
      {"i1", AUTOGLM_INT8},    {"i2", AUTOGLM_INT16},   {"i4", AUTOGLM_INT32},
      {"i8", AUTOGLM_INT64},   {"u1", AUTOGLM_UINT8},   {"u2", AUTOGLM_UINT16},
      {"u4", AUTOGLM_UINT32},  {"u8", AUTOGLM_UINT64},  {"b1", AUTOGLM_BOOL}};
  auto k = kinds.find(m[2].str() + m[3].str());
  if (k == kinds.end())
    throw Error(path + ": unsupported dtype " + m[0].str());
  if (std::regex_search(h, std::regex("'fortran_order':\\s*True")))
    throw Error(path + ": Fortran order is not supported");
  if (!std::regex_search(h, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    throw Error(path + ": no shape");
  Tensor t;
  t.dtype = k->second;
  std::string dims = m[1].str();
  std::regex num("\\d+");
  int64_t n = 1;
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num);
       it != std::sregex_iterator(); ++it) {
    t.shape.push_back(std::stoll(it->str()));
    n *= t.shape.back();
  }
  size_t bytes = n * autoglm_dtype_size(t.dtype);
  if (off + hlen + bytes != b.size())
    throw Error(path + ": data size does not match the shape");
  t.data.assign(b.begin() + off + hlen, b.end());
  return t;
}

Tensor readTensor(const std::string &path) {
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".npy") == 0)
    return readNpy(path);
  return readPb(path);
}

double elementAsDouble(const Tensor &t, size_t i) {
  const char *p = t.data.data() + i * autoglm_dtype_size(t.dtype);
  auto get = [&](auto v) {
    std::memcpy(&v, p, sizeof v);
    return (double)v;
  };
  switch (t.dtype) {
  case AUTOGLM_FLOAT32: return get(float());
  case AUTOGLM_FLOAT64: return get(double());
  case AUTOGLM_INT8: return get(int8_t());
  case AUTOGLM_INT16: return get(int16_t());
  case AUTOGLM_INT32: return get(int32_t());
  case AUTOGLM_INT64: return get(int64_t());
  case AUTOGLM_UINT8: return get(uint8_t());
  case AUTOGLM_UINT16: return get(uint16_t());
  case AUTOGLM_UINT32: return get(uint32_t());
  case AUTOGLM_UINT64: return get(uint64_t());
  case AUTOGLM_BOOL: return get(uint8_t()) != 0;
  case AUTOGLM_FLOAT16: {
    uint16_t h;
    std::memcpy(&h, p, 2);
    int e = (h >> 10) & 31, f = h & 1023;
    double v = e == 0    ? std::ldexp(f, -24)
               : e == 31 ? (f ? NAN : INFINITY)
                         : std::ldexp(f + 1024, e - 25);
    return (h & 0x8000) ? -v : v;
  }
  case AUTOGLM_BFLOAT16: {
    uint16_t h;
    std::memcpy(&h, p, 2);
    uint32_t w = (uint32_t)h << 16;
    float f;
    std::memcpy(&f, &w, 4);
    return f;
  }
  default: return NAN;
  }
}

/// Random data for input i: at `shape` when given (an input with open
/// extents), else at the model's shape (open extents at their bound).
Tensor randomTensor(const autoglm_model *m, size_t i, std::mt19937 &rng,
                    const std::vector<int64_t> *shape = nullptr) {
  Tensor t;
  t.name = autoglm_model_input_name(m, i);
  t.dtype = autoglm_model_input_dtype(m, i);
  const int64_t *s = autoglm_model_input_max_shape(m, i);
  t.shape.assign(s, s + autoglm_model_input_rank(m, i));
  if (shape)
    t.shape = *shape;
  size_t count = 1;
  for (int64_t d : t.shape)
    count *= (size_t)std::max<int64_t>(d, 0);
  t.data.resize(count * autoglm_dtype_size(t.dtype));
  size_t n = t.data.size() / std::max<size_t>(1, autoglm_dtype_size(t.dtype));
  std::uniform_real_distribution<float> uf(-1.f, 1.f);
  std::uniform_int_distribution<int> ui(0, 9);
  if (t.dtype == AUTOGLM_STRING) {
    // Short lowercase words, some of them repeated.
    static const char *kWords[] = {"monday", "Tuesday", "wednesday", "THURSDAY", "friday",
                                   "the", "a", "model", "Zoo", ""};
    for (size_t k = 0; k < n; ++k)
      t.strings.push_back(kWords[ui(rng)]);
    pointStrings(t);
    return t;
  }
  for (size_t k = 0; k < n; ++k) {
    char *p = t.data.data() + k * autoglm_dtype_size(t.dtype);
    switch (t.dtype) {
    case AUTOGLM_FLOAT32: { float v = uf(rng); std::memcpy(p, &v, 4); break; }
    case AUTOGLM_FLOAT64: { double v = uf(rng); std::memcpy(p, &v, 8); break; }
    case AUTOGLM_BOOL: *p = ui(rng) & 1; break;
    default: { int64_t v = ui(rng); std::memcpy(p, &v, autoglm_dtype_size(t.dtype)); }
    }
  }
  return t;
}

std::vector<std::string> listNumbered(const std::string &dir, const std::string &prefix) {
  std::vector<std::string> files;
  // <prefix>_<i>.pb, or <prefix>_<i>.npy where there is no .pb (a folder a
  // numpy script wrote).
  for (int i = 0;; ++i) {
    std::string p = fmt::format("{}/{}_{}.pb", dir, prefix, i);
    if (!std::ifstream(p))
      p = fmt::format("{}/{}_{}.npy", dir, prefix, i);
    if (!std::ifstream(p))
      break;
    files.push_back(p);
  }
  return files;
}

struct Options {
  std::string artifact, testData, expect, dataset, labels, datasetExpect, saveOutputs;
  std::vector<std::string> inputs;
  // --random-shape name=AxB: the extents of an input with open ones.
  std::map<std::string, std::vector<int64_t>> randomShapes;
  bool random = false, json = false;
  double rtol = 1e-3, atol = 1e-7;
  /// > 0: outputs pass on cosine similarity instead of --rtol / --atol.
  double minCosine = 0;
  int bench = 0, warmup = 3, threads = 0;
  // --device-io: the timed runs of a GPU artifact read and write device
  // memory (no copies), as a framework holding its tensors there does.
  bool deviceIo = false;
  // --profile / --profile-html (an artifact compiled with --profile).
  bool profile = false;
  std::string profileHtml;
  // --device: "" (what the artifact needs), "cpu", or a CUDA ordinal.
  std::string device;
  int deviceOrdinal = -1;
  // --guard-pages: every input and output bound flush against an
  // inaccessible page, so a kernel that reads or writes past a buffer's
  // end faults instead of touching its neighbour.
  bool guardPages = false;
};

/// A buffer whose last byte is followed by a PROT_NONE page.
class GuardedBuffer {
public:
  explicit GuardedBuffer(size_t bytes) : bytes(bytes) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (bytes + page - 1) / page * page;
    length = body + page;
    base =
        (char *)mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED || mprotect(base + body, page, PROT_NONE) != 0)
      throw Error("--guard-pages: cannot map a guarded buffer");
    data = base + body - bytes;
  }
  ~GuardedBuffer() { munmap(base, length); }
  GuardedBuffer(const GuardedBuffer &) = delete;
  GuardedBuffer &operator=(const GuardedBuffer &) = delete;
  char *data;
  size_t bytes;

private:
  char *base;
  size_t length;
};

struct Runner {
  autoglm_model *model = nullptr;
  autoglm_context *ctx = nullptr;
  std::vector<Tensor> outputs;
  // --guard-pages: the buffers bound instead of the tensors' own.
  bool guard = false;
  std::vector<std::unique_ptr<GuardedBuffer>> guardedInputs, guardedOutputs;
  // What the last run produced: outputs at their actual extents, string
  // outputs as strings.
  std::vector<Tensor> results;
  ~Runner() {
    autoglm_context_release(ctx);
    autoglm_model_release(model);
  }
  void check(int rc) {
    if (rc)
      throw Error(autoglm_last_error());
  }
  void bindInput(size_t i, const Tensor &t) {
    const void *data = t.data.data();
    if (guard) {
      guardedInputs.push_back(std::make_unique<GuardedBuffer>(t.data.size()));
      std::memcpy(guardedInputs.back()->data, t.data.data(), t.data.size());
      data = guardedInputs.back()->data;
    }
    check(autoglm_context_set_input(ctx, i, t.dtype, t.shape.size(), t.shape.data(), data,
                                    t.data.size()));
  }
  void bindOutputs() {
    size_t n = autoglm_model_num_outputs(model);
    outputs.resize(n);
    for (size_t i = 0; i < n; ++i) {
      Tensor &t = outputs[i];
      t.name = autoglm_model_output_name(model, i);
      t.dtype = autoglm_model_output_dtype(model, i);
      const int64_t *s = autoglm_model_output_shape(model, i);
      t.shape.assign(s, s + autoglm_model_output_rank(model, i));
      t.data.assign(autoglm_model_output_bytes(model, i), 0);
      const int64_t *bound = autoglm_model_output_max_shape(model, i);
      std::vector<int64_t> maxShape(bound, bound + t.shape.size());
      void *data = t.data.data();
      if (guard) {
        guardedOutputs.push_back(std::make_unique<GuardedBuffer>(t.data.size()));
        data = guardedOutputs.back()->data;
      }
      check(autoglm_context_set_output(ctx, i, t.dtype, maxShape.size(), maxShape.data(), data,
                                       t.data.size()));
    }
  }
  void collect() {
    for (size_t i = 0; i < guardedOutputs.size(); ++i)
      std::memcpy(outputs[i].data.data(), guardedOutputs[i]->data, outputs[i].data.size());
    results.resize(outputs.size());
    for (size_t i = 0; i < outputs.size(); ++i) {
      const Tensor &o = outputs[i];
      Tensor &t = results[i];
      t.name = o.name;
      t.dtype = o.dtype;
      const int64_t *s = autoglm_context_output_shape(ctx, i);
      t.shape.assign(s, s + o.shape.size());
      size_t n = 1;
      for (int64_t d : t.shape)
        n *= (size_t)d;
      size_t size = autoglm_dtype_size(o.dtype);
      t.data.assign(o.data.begin(), o.data.begin() + n * size);
      t.strings.clear();
      if (o.dtype == AUTOGLM_STRING)
        for (size_t k = 0; k < n; ++k) {
          const char *p;
          std::memcpy(&p, o.data.data() + k * size, size);
          t.strings.push_back(p ? p : "");
        }
    }
  }
};

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  if (v.empty())
    return 0;
  size_t idx = std::min(v.size() - 1, (size_t)std::ceil(q * v.size()) - (q > 0 ? 1 : 0));
  return v[idx];
}

long peakRssKb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/// The target name of a GPU artifact (its manifest has a "gpu" section), or
/// "" (a CPU artifact, or no readable manifest: loading will say why).
std::string gpuTarget(const std::string &artifact) {
  std::ifstream f(artifact + "/manifest.json");
  nlohmann::json m = nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
  if (!m.is_object() || !m.contains("gpu"))
    return "";
  nlohmann::json t = m.value("target", nlohmann::json::object());
  return t.is_object() && t.contains("name") && t["name"].is_string() ? t["name"].get<std::string>()
                                                                      : "gpu";
}

/// --device-io: a device buffer per input and output (autoglm's own
/// allocator: this tool does not use the driver API), the inputs uploaded
/// once and every buffer bound in place of the host ones.
struct DeviceBuffers {
  const autoglm_model *model;
  std::vector<uint64_t> ins, outs;
  explicit DeviceBuffers(const autoglm_model *m) : model(m) {}
  ~DeviceBuffers() {
    for (uint64_t p : ins)
      autoglm_model_device_free(model, p);
    for (uint64_t p : outs)
      autoglm_model_device_free(model, p);
  }
  uint64_t alloc(Runner &r, size_t bytes) {
    uint64_t p = 0;
    r.check(autoglm_model_device_alloc(model, bytes, &p));
    return p;
  }
  void bind(Runner &r, const std::vector<Tensor> &inputs) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor &t = inputs[i];
      ins.push_back(alloc(r, t.data.size()));
      r.check(autoglm_model_copy_to_device(model, ins.back(), t.data.data(), t.data.size()));
      r.check(autoglm_context_set_input_device(r.ctx, i, t.dtype, t.shape.size(), t.shape.data(),
                                               ins.back(), t.data.size()));
    }
    for (size_t i = 0; i < r.outputs.size(); ++i) {
      const Tensor &t = r.outputs[i];
      outs.push_back(alloc(r, t.data.size()));
      r.check(autoglm_context_set_output_device(r.ctx, i, t.dtype, t.shape.size(), t.shape.data(),
                                                outs.back(), t.data.size()));
    }
  }
  /// How many outputs differ from the host-bound run's (r.outputs).
  size_t compare(Runner &r) {
    size_t differ = 0;
    for (size_t i = 0; i < outs.size(); ++i) {
      std::vector<char> got(r.outputs[i].data.size());
      r.check(autoglm_model_copy_from_device(model, got.data(), outs[i], got.size()));
      differ += got != r.outputs[i].data;
    }
    return differ;
  }
};

int run(const Options &o) {
  Runner r;
  if (o.guardPages && (!o.dataset.empty() || o.deviceIo))
    throw Error("--guard-pages binds copies of the inputs: not with --dataset or --device-io");
  r.guard = o.guardPages;
  if (o.device == "cpu") {
    std::string gpu = gpuTarget(o.artifact);
    if (!gpu.empty())
      throw Error(o.artifact + " is a GPU artifact (" + gpu +
                  "), and --device cpu asks for the CPU (compile it for a CPU target)");
  }
  r.check(autoglm_model_load_on_device(o.artifact.c_str(), o.deviceOrdinal, &r.model));
  r.check(autoglm_context_create(r.model, o.threads, &r.ctx));
  bool profile = o.profile || !o.profileHtml.empty();
  if (profile && autoglm_model_profile_regions(r.model) == 0)
    throw Error(o.artifact + " was compiled without --profile: it has no per-op timing "
                             "(compile it with autoglm-compile --profile)");
  std::string device = autoglm_model_device(r.model);
  if (!o.json && device != "cpu")
    fmt::print("device: {}\n", device);
  nlohmann::ordered_json report;
  report["artifact"] = o.artifact;
  report["device"] = device;
  report["threads"] = autoglm_context_num_threads(r.ctx);
  size_t nIn = autoglm_model_num_inputs(r.model);

  // Inputs: --input (by name or position), --test-data, or --random.
  std::vector<Tensor> inputs(nIn);
  std::vector<bool> have(nIn, false);
  std::vector<std::string> inputFiles = o.inputs;
  std::string expectDir = o.expect;
  if (!o.testData.empty()) {
    for (const auto &p : listNumbered(o.testData, "input"))
      inputFiles.push_back(p);
    if (expectDir.empty())
      expectDir = o.testData;
  }
  for (size_t k = 0; k < inputFiles.size(); ++k) {
    std::string spec = inputFiles[k], name;
    auto eq = spec.find('=');
    if (eq != std::string::npos) {
      name = spec.substr(0, eq);
      spec = spec.substr(eq + 1);
    }
    Tensor t = readTensor(spec);
    int64_t idx = name.empty() ? -1 : autoglm_model_input_index(r.model, name.c_str());
    if (!name.empty() && idx < 0)
      throw Error("the model has no input '" + name + "'");
    if (idx < 0 && !t.name.empty())
      idx = autoglm_model_input_index(r.model, t.name.c_str());
    if (idx < 0)
      idx = (int64_t)k;
    if ((size_t)idx >= nIn)
      throw Error(fmt::format("{} inputs given, the model has {}", inputFiles.size(), nIn));
    // ONNX's test data stores bfloat16 tensors as uint16 bit patterns.
    if (t.dtype == AUTOGLM_UINT16 && autoglm_model_input_dtype(r.model, idx) == AUTOGLM_BFLOAT16)
      t.dtype = AUTOGLM_BFLOAT16;
    inputs[idx] = std::move(t);
    have[idx] = true;
  }
  std::mt19937 rng(0);
  for (size_t i = 0; i < nIn; ++i) {
    if (have[i])
      continue;
    if (!o.random && o.dataset.empty())
      throw Error(fmt::format("input '{}' is missing (give --input, --test-data or --random)",
                              autoglm_model_input_name(r.model, i)));
    auto given = o.randomShapes.find(autoglm_model_input_name(r.model, i));
    inputs[i] = randomTensor(r.model, i, rng,
                             given == o.randomShapes.end() ? nullptr : &given->second);
  }
  for (size_t i = 0; i < nIn; ++i) {
    pointStrings(inputs[i]);
    r.bindInput(i, inputs[i]);
  }
  r.bindOutputs();

  int rc = 0;
  if (!o.dataset.empty()) {
    // Classification over a stacked dataset: one model call per sample.
    if (nIn != 1)
      throw Error("--dataset needs a single-input model");
    Tensor data = readTensor(o.dataset), labels = readTensor(o.labels);
    size_t sample = autoglm_model_input_bytes(r.model, 0);
    if (data.dtype != inputs[0].dtype || sample == 0 || data.data.size() % sample)
      throw Error("--dataset does not hold whole samples of the model's input");
    size_t n = data.data.size() / sample;
    if (labels.data.size() / std::max<size_t>(1, autoglm_dtype_size(labels.dtype)) != n)
      throw Error("--labels does not hold one label per sample");
    Tensor &out = r.outputs[0];
    size_t classes = out.data.size() / autoglm_dtype_size(out.dtype);
    // Reference outputs of every sample (stacked), compared within
    // --rtol / --atol.
    Tensor reference;
    if (!o.datasetExpect.empty()) {
      reference = readTensor(o.datasetExpect);
      if (reference.dtype != out.dtype || reference.data.size() != n * out.data.size())
        throw Error("--dataset-expect does not hold one output 0 per --dataset sample");
    }
    double maxAbs = 0;
    size_t outside = 0;
    size_t correct = 0;
    std::vector<double> ms;
    // Output 0 of every sample, stacked (what --save-outputs writes here,
    // and what --dataset-expect reads).
    Tensor stacked;
    stacked.dtype = out.dtype;
    for (size_t s = 0; s < n; ++s) {
      std::memcpy(inputs[0].data.data(), data.data.data() + s * sample, sample);
      auto t0 = std::chrono::steady_clock::now();
      r.check(autoglm_context_run(r.ctx));
      ms.push_back(std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - t0)
                       .count());
      size_t best = 0;
      for (size_t c = 1; c < classes; ++c)
        if (elementAsDouble(out, c) > elementAsDouble(out, best))
          best = c;
      correct += (double)best == elementAsDouble(labels, s);
      stacked.data.insert(stacked.data.end(), out.data.begin(), out.data.end());
      for (size_t c = 0; !reference.data.empty() && c < classes; ++c) {
        double got = elementAsDouble(out, c), want = elementAsDouble(reference, s * classes + c);
        double d = std::fabs(got - want);
        maxAbs = std::max(maxAbs, d);
        if (!(d <= o.atol + o.rtol * std::fabs(want)))
          ++outside;
      }
    }
    if (!o.saveOutputs.empty()) {
      r.collect();
      stacked.name = r.results[0].name;
      stacked.shape = r.results[0].shape;
      stacked.shape.insert(stacked.shape.begin(), (int64_t)n);
      writePb(stacked, o.saveOutputs + "/output_0.pb");
    }
    double acc = n ? (double)correct / n : 0;
    report["dataset"] = {{"samples", n}, {"correct", correct}, {"accuracy", acc},
                         {"median_ms", percentile(ms, 0.5)}};
    if (!o.json)
      fmt::print("accuracy: {}/{} = {:.4f}\nlatency per sample: median {:.4f} ms\n",
                 correct, n, acc, percentile(ms, 0.5));
    if (!reference.data.empty()) {
      report["dataset"]["reference"] = {{"max_abs_error", maxAbs}, {"outside", outside}};
      if (!o.json)
        fmt::print("outputs vs {}: {} (max abs error {:.3g}, {} of {} outside rtol {} atol {})\n",
                   o.datasetExpect, outside ? "FAIL" : "ok", maxAbs, outside, n * classes, o.rtol,
                   o.atol);
      if (outside)
        rc = 1;
    }
  } else {
    r.check(autoglm_context_run(r.ctx));
  }
  r.collect();

  if (!expectDir.empty()) {
    auto files = listNumbered(expectDir, "output");
    if (files.size() != r.outputs.size())
      throw Error(fmt::format("{} holds {} expected outputs, the model has {}",
                              expectDir, files.size(), r.outputs.size()));
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (size_t i = 0; i < files.size(); ++i) {
      Tensor want = readTensor(files[i]);
      const Tensor &got = r.results[i];
      if (want.dtype == AUTOGLM_UINT16 && got.dtype == AUTOGLM_BFLOAT16)
        want.dtype = AUTOGLM_BFLOAT16;
      bool shapeOk = want.shape == got.shape && want.dtype == got.dtype;
      size_t n = shapeOk ? got.data.size() / autoglm_dtype_size(got.dtype) : 0;
      double maxAbs = 0, maxRel = 0, dot = 0, gg = 0, ww = 0;
      size_t bad = 0, total = n;
      if (got.dtype == AUTOGLM_STRING) {
        // Strings are equal or not; the errors stay 0.
        for (size_t k = 0; k < n; ++k)
          bad += got.strings[k] != want.strings[k];
        n = 0;
      }
      for (size_t k = 0; k < n; ++k) {
        double g = elementAsDouble(got, k), w = elementAsDouble(want, k);
        if (std::isnan(g) && std::isnan(w))
          continue;
        if (std::isinf(w) && g == w)
          continue;
        double d = std::fabs(g - w);
        if (std::isnan(d))
          d = INFINITY;
        maxAbs = std::max(maxAbs, d);
        if (w != 0)
          maxRel = std::max(maxRel, d / std::fabs(w));
        if (!(d <= o.atol + o.rtol * std::fabs(w)))
          ++bad;
        dot += g * w;
        gg += g * g;
        ww += w * w;
      }
      // Cosine similarity; two all-zero tensors agree, NaN fails.
      double cosine = gg == 0 && ww == 0 ? 1.0 : dot / std::sqrt(gg * ww);
      bool ok = shapeOk &&
                (o.minCosine > 0 && got.dtype != AUTOGLM_STRING ? cosine >= o.minCosine : bad == 0);
      rc |= !ok;
      checks.push_back({{"output", got.name},
                        {"ok", ok},
                        {"max_abs_error", maxAbs},
                        {"max_rel_error", maxRel},
                        {"mismatches", bad},
                        {"cosine", std::isnan(cosine) ? -2.0 : cosine}});
      if (!o.json) {
        if (!shapeOk)
          fmt::print("output {} '{}': FAIL shape differs from the expected one\n", i,
                     got.name);
        else if (o.minCosine > 0)
          fmt::print("output {} '{}': {} cosine {:.6f} (at least {}), max abs error {:.3g}, "
                     "max rel error {:.3g}\n",
                     i, got.name, ok ? "ok" : "FAIL", cosine, o.minCosine, maxAbs, maxRel);
        else
          fmt::print("output {} '{}': {} max abs error {:.3g}, max rel error {:.3g}, "
                     "{} of {} outside rtol {} atol {}\n",
                     i, got.name, ok ? "ok" : "FAIL", maxAbs, maxRel, bad, total, o.rtol,
                     o.atol);
      }
    }
    report["expect"] = checks;
  }

  if (!o.saveOutputs.empty() && o.dataset.empty())
    for (size_t i = 0; i < r.outputs.size(); ++i)
      writePb(r.results[i], fmt::format("{}/output_{}.pb", o.saveOutputs, i));

  DeviceBuffers deviceIo(r.model);
  if (o.bench > 0 && o.deviceIo) {
    if (device == "cpu")
      throw Error("--device-io needs a GPU artifact (" + o.artifact + " runs on the CPU)");
    deviceIo.bind(r, inputs);
  }
  if (o.bench > 0) {
    for (int i = 0; i < o.warmup; ++i)
      r.check(autoglm_context_run(r.ctx));
    // The profile covers the timed runs only.
    autoglm_context_profile_reset(r.ctx);
    std::vector<double> ms;
    for (int i = 0; i < o.bench; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      r.check(autoglm_context_run(r.ctx));
      ms.push_back(std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - t0)
                       .count());
    }
    double med = percentile(ms, 0.5);
    if (o.deviceIo) {
      // Back-to-back runs, enqueued without waiting for each (as a framework
      // times its CUDA graph replays), then what they wrote against the
      // host-bound run checked above: the same bytes.
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < o.bench; ++i)
        r.check(autoglm_context_run_async(r.ctx));
      r.check(autoglm_context_synchronize(r.ctx));
      double pipelined =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
          o.bench;
      size_t differ = deviceIo.compare(r);
      report["device_io"] = {{"median_ms", med},
                             {"pipelined_ms", pipelined},
                             {"outputs_equal_to_host_io", differ == 0}};
      if (!o.json)
        fmt::print("device-resident inputs and outputs: {} runs enqueued back to back, {:.4f} ms "
                   "each; outputs {}\n",
                   o.bench, pipelined,
                   differ ? fmt::format("differ from the host-bound run's in {} outputs", differ)
                          : std::string("equal to the host-bound run's"));
      if (differ)
        rc = 1;
    }
    double arenaMb = autoglm_model_arena_bytes(r.model) / 1048576.0,
           naiveMb = autoglm_model_naive_temp_bytes(r.model) / 1048576.0;
    report["bench"] = {{"runs", o.bench},
                       {"warmup", o.warmup},
                       {"median_ms", med},
                       {"p90_ms", percentile(ms, 0.9)},
                       {"p99_ms", percentile(ms, 0.99)},
                       {"throughput_per_s", med > 0 ? 1000.0 / med : 0},
                       {"peak_rss_mb", peakRssKb() / 1024.0},
                       {"arena_mb", arenaMb},
                       {"naive_temp_mb", naiveMb},
                       {"runs_ms", ms}};
    if (!o.json)
      fmt::print("latency over {} runs: median {:.4f} ms, p90 {:.4f} ms, p99 {:.4f} ms; "
                 "throughput {:.1f}/s; peak RSS {:.1f} MB; temporaries: arena {:.1f} MB "
                 "(naive sum {:.1f} MB)\n",
                 o.bench, med, percentile(ms, 0.9), percentile(ms, 0.99),
                 med > 0 ? 1000.0 / med : 0, peakRssKb() / 1024.0, arenaMb, naiveMb);
  }
  if (profile) {
    std::string error;
    nlohmann::json p =
        autoglm::run::profileReport(r.model, r.ctx, !o.json, o.profileHtml, o.artifact, error);
    if (p.is_null())
      throw Error(error);
    report["profile"] = nlohmann::ordered_json::parse(p.dump());
  }
  report["ok"] = rc == 0;
  if (o.json)
    std::cout << report.dump(2) << "\n";
  return rc;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"autoglm-run: run, check and time a compiled Open-AutoGLM artifact"};
  Options o;
  app.add_option("artifact", o.artifact, "Artifact directory")->required();
  app.add_option("--input", o.inputs, "name=file.pb|file.npy (or just the file, by position)");
  app.add_flag("--random", o.random, "Fill missing inputs with seeded random data");
  std::vector<std::string> randomShapes;
  app.add_option("--random-shape", randomShapes,
                 "name=AxB: random data of this shape for an input with open extents "
                 "(default: its bound)");
  app.add_option("--test-data", o.testData,
                 "An ONNX test_data_set folder: input_<i>.pb in, output_<i>.pb expected "
                 "(.npy where there is no .pb)");
  app.add_option("--expect", o.expect, "Folder with output_<i>.pb (or .npy) to compare against");
  app.add_option("--rtol", o.rtol, "Relative tolerance")->capture_default_str();
  app.add_option("--atol", o.atol, "Absolute tolerance")->capture_default_str();
  app.add_option("--min-cosine", o.minCosine,
                 "Check --test-data / --expect outputs by cosine similarity (at least this, "
                 "e.g. 0.999 for reduced-precision artifacts) instead of --rtol / --atol")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--bench", o.bench, "Timed runs");
  app.add_option("--warmup", o.warmup, "Untimed runs before --bench")->capture_default_str();
  app.add_flag("--device-io", o.deviceIo,
               "GPU artifacts: the --bench runs read and write device memory (no host copies); "
               "also times them enqueued back to back, and checks their outputs against the "
               "host-bound run's");
  app.add_flag("--guard-pages", o.guardPages,
               "Bind every input and output flush against an inaccessible page (a kernel "
               "reading or writing past a buffer's end faults)");
  app.add_option("--threads", o.threads, "Threads (default: all cores; a GPU artifact ignores it)");
  app.add_option("--device", o.device,
                 "cpu, cuda:N or hip:N (default: what the artifact needs, device 0 of its GPU "
                 "API for a GPU artifact)");
  app.add_flag("--json", o.json, "Print a JSON report");
  app.add_flag("--profile", o.profile,
               "Per-op time of an artifact compiled with --profile: the slowest regions (ONNX "
               "nodes) and the share of each op type, over the --bench runs (or the one run)");
  app.add_option("--profile-html", o.profileHtml,
                 "With --profile: also write the profile as a self-contained HTML page with "
                 "charts");
  app.add_option("--dataset", o.dataset,
                 "Stacked samples of the single input (TensorProto/.npy); with --labels");
  app.add_option("--labels", o.labels, "One integer class per --dataset sample");
  app.add_option("--dataset-expect", o.datasetExpect,
                 "Stacked reference outputs (output 0 of every --dataset sample) to compare "
                 "against within --rtol / --atol");
  app.add_option("--save-outputs", o.saveOutputs,
                 "Write output_<i>.pb into this folder (with --dataset: output 0 of every "
                 "sample, stacked, as --dataset-expect reads it)");
  GenerateOptions gen;
  bool generate = false;
  app.add_flag("--generate", generate,
               "Decoder LLM (compiled with enable_cache): generate tokens from --prompt-ids");
  app.add_option("--prompt-ids", gen.prompts,
                 "A prompt, comma-separated token ids; repeat for sequences decoded together");
  auto *maxNew = app.add_option("--max-new-tokens", gen.maxNewTokens, "Tokens generated per prompt")
                     ->capture_default_str();
  app.add_option("--reference", gen.reference,
                 "JSON with prompts and the tokens expected (scripts/models/export_llm.py): "
                 "generate from its prompts and fail where the tokens differ");
  app.add_option("--temperature", gen.temperature, "Sampling temperature (0: greedy)")
      ->capture_default_str();
  app.add_option("--top-k", gen.topK, "Sample among the k most likely tokens (0: all)")
      ->capture_default_str();
  app.add_option("--top-p", gen.topP, "Sample within this probability mass (1: all)")
      ->capture_default_str();
  app.add_option("--seed", gen.seed, "Sampling seed")->capture_default_str();
  app.add_flag("--sequential", gen.sequential,
               "One sequence at a time (batch 1) instead of all slots together");
  app.add_option("--max-cache-bytes", gen.maxCacheBytes,
                 "Refuse an artifact whose KV cache takes more (0: no limit)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (generate) {
    gen.artifact = o.artifact;
    gen.threads = o.threads;
    gen.json = o.json;
    gen.maxNewTokensDefault = maxNew->count() == 0;
    try {
      return runGenerate(gen);
    } catch (const std::exception &e) {
      std::cerr << "autoglm-run: error: " << e.what() << "\n";
      return 1;
    }
  }
  for (const std::string &spec : randomShapes) {
    auto eq = spec.find('=');
    std::vector<int64_t> dims;
    std::string rest = eq == std::string::npos ? "" : spec.substr(eq + 1);
    size_t pos = 0;
    bool ok = eq != std::string::npos && !rest.empty();
    while (ok && pos <= rest.size()) {
      size_t x = rest.find('x', pos);
      std::string part = rest.substr(pos, x == std::string::npos ? std::string::npos : x - pos);
      ok = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos &&
           part.size() < 12;
      if (ok)
        dims.push_back(std::stoll(part));
      if (x == std::string::npos)
        break;
      pos = x + 1;
    }
    if (!ok) {
      std::cerr << "autoglm-run: error: --random-shape takes name=AxB, got '" << spec << "'\n";
      return 2;
    }
    o.randomShapes[spec.substr(0, eq)] = dims;
  }
  if (!o.device.empty() && o.device != "cpu") {
    bool bare = o.device == "cuda" || o.device == "hip";
    std::string n = bare ? "0" : o.device.substr(o.device.find(':') + 1);
    bool ok = (bare || o.device.rfind("cuda:", 0) == 0 || o.device.rfind("hip:", 0) == 0) &&
              !n.empty() && n.size() < 6 && n.find_first_not_of("0123456789") == std::string::npos;
    if (!ok) {
      std::cerr << "autoglm-run: error: --device takes cpu, cuda:N or hip:N, got '" << o.device
                << "'\n";
      return 2;
    }
    o.deviceOrdinal = std::stoi(n);
  }
  if (!o.dataset.empty() && o.labels.empty()) {
    std::cerr << "autoglm-run: error: --dataset needs --labels\n";
    return 2;
  }
  try {
    return run(o);
  } catch (const std::exception &e) {
    std::cerr << "autoglm-run: error: " << e.what() << "\n";
    return 1;
  }
}
