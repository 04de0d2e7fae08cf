//===- gpu.cpp - the launch plan of a GPU artifact ------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Every field is type-checked by hand rather than through nlohmann's
// throwing accessors: a malformed manifest gets a message naming the field
// and the launch, never "type must be number, but is string".
//===----------------------------------------------------------------------===//

#include "gpu.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>

namespace autoglm::rt {
namespace {

using nlohmann::json;

bool getUnsigned(const json &j, uint64_t max, uint64_t &out) {
  if (j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0)) {
    out = j.get<uint64_t>();
    return out <= max;
  }
  return false;
}

std::string kindName(GpuArg::Kind k) {
  static const char *names[] = {"input", "output", "arena", "weights", "status"};
  return k <= GpuArg::Status ? names[k] : "scalar";
}

/// The bytes a pointer argument may point into, and its name for messages.
bool bufferBytes(const GpuArg &a, const GpuPlan &plan, const std::vector<size_t> &inputBytes,
                 const std::vector<size_t> &outputBytes, size_t &bytes, std::string &error) {
  switch (a.kind) {
  case GpuArg::Input:
  case GpuArg::Output: {
    const auto &sizes = a.kind == GpuArg::Input ? inputBytes : outputBytes;
    if (a.index >= sizes.size()) {
      error = kindName(a.kind) + " " + std::to_string(a.index) + " does not exist (the model has " +
              std::to_string(sizes.size()) + ")";
      return false;
    }
    bytes = sizes[a.index];
    return true;
  }
  case GpuArg::Arena:
    bytes = plan.arenaBytes;
    break;
  case GpuArg::Weights:
    bytes = plan.weightsBytes;
    break;
  case GpuArg::Status:
    if (!plan.status) {
      error = "it points at the status, and the manifest has no \"status\"";
      return false;
    }
    bytes = 4;
    break;
  default:
    return false;
  }
  if (bytes == 0) {
    error = "it points into the " + kindName(a.kind) + ", and the artifact has none (" +
            kindName(a.kind) + "_bytes is 0)";
    return false;
  }
  return true;
}

bool parseArg(const json &j, const GpuPlan &plan, const std::vector<size_t> &inputBytes,
              const std::vector<size_t> &outputBytes, GpuArg &a, std::string &error) {
  if (!j.is_object()) {
    error = "is not an object";
    return false;
  }
  if (j.contains("buffer")) {
    static const char *kinds[] = {"input", "output", "arena", "weights", "status"};
    const json &b = j["buffer"];
    size_t k = 0;
    while (k < 5 && !(b.is_string() && b.get<std::string>() == kinds[k]))
      ++k;
    if (k == 5) {
      error = "buffer " + b.dump() + " is not one of input, output, arena, weights, status";
      return false;
    }
    a.kind = GpuArg::Kind(k);
    bool indexed = a.kind == GpuArg::Input || a.kind == GpuArg::Output;
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "buffer" && it.key() != "offset" && (it.key() != "index" || !indexed)) {
        error = "unknown key '" + it.key() + "' in a pointer into the " + kindName(a.kind);
        return false;
      }
    if (indexed) {
      uint64_t index = 0;
      if (!j.contains("index") || !getUnsigned(j["index"], 1u << 20, index)) {
        error = "a " + kindName(a.kind) + " pointer needs an \"index\" (a non-negative integer)";
        return false;
      }
      a.index = (size_t)index;
    }
    if (j.contains("offset") && !getUnsigned(j["offset"], uint64_t(1) << 62, a.offset)) {
      error = "offset " + j["offset"].dump() + " is not a non-negative integer";
      return false;
    }
    size_t bytes = 0;
    if (!bufferBytes(a, plan, inputBytes, outputBytes, bytes, error))
      return false;
    // A zero-size tensor still has an address (its buffer is never empty on
    // the device), so offset 0 is fine there.
    if (a.offset >= bytes && a.offset != 0) {
      std::string what = kindName(a.kind);
      if (a.kind == GpuArg::Input || a.kind == GpuArg::Output)
        what += " " + std::to_string(a.index);
      error = "offset " + std::to_string(a.offset) + " is outside the " + what + " (" +
              std::to_string(bytes) + " bytes)";
      return false;
    }
    return true;
  }
  if (j.size() != 1) {
    error = j.empty() ? "is empty"
                      : "has keys " + j.dump() + " (a scalar is one of i64, i32, f32, f64)";
    return false;
  }
  const std::string key = j.begin().key();
  const json &v = j.begin().value();
  if (key == "i64" || key == "i32") {
    bool wide = key == "i64";
    int64_t lo = wide ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int32_t>::min();
    // i32 also takes an unsigned 32-bit value (a u32 parameter).
    uint64_t hi = wide ? (uint64_t)std::numeric_limits<int64_t>::max()
                       : (uint64_t)std::numeric_limits<uint32_t>::max();
    bool ok = v.is_number_integer() &&
              (v.is_number_unsigned() ? v.get<uint64_t>() <= hi : v.get<int64_t>() >= lo);
    if (!ok) {
      error = key + " " + v.dump() + " is not an integer in range";
      return false;
    }
    a.kind = wide ? GpuArg::I64 : GpuArg::I32;
    if (wide) {
      int64_t x = v.is_number_unsigned() ? (int64_t)v.get<uint64_t>() : v.get<int64_t>();
      std::memcpy(a.bits, &x, 8);
    } else {
      uint32_t x = v.is_number_unsigned() ? (uint32_t)v.get<uint64_t>()
                                          : (uint32_t)(int32_t)v.get<int64_t>();
      std::memcpy(a.bits, &x, 4);
    }
    return true;
  }
  if (key == "f32" || key == "f64") {
    if (!v.is_number()) {
      error = key + " " + v.dump() + " is not a number";
      return false;
    }
    if (key == "f32") {
      a.kind = GpuArg::F32;
      float x = v.get<float>();
      std::memcpy(a.bits, &x, 4);
    } else {
      a.kind = GpuArg::F64;
      double x = v.get<double>();
      std::memcpy(a.bits, &x, 8);
    }
    return true;
  }
  error =
      "unknown key '" + key + "' (an argument is a buffer pointer or one of i64, i32, f32, f64)";
  return false;
}

/// Three positive extents, each at most its limit.
bool getDims(const json &j, const uint64_t limit[3], unsigned out[3]) {
  if (!j.is_array() || j.size() != 3)
    return false;
  for (int d = 0; d < 3; ++d) {
    uint64_t v = 0;
    if (!getUnsigned(j[d], limit[d], v) || v == 0)
      return false;
    out[d] = (unsigned)v;
  }
  return true;
}

std::string dimsString(const json &j) {
  if (!j.is_array())
    return j.dump();
  std::string s = "[";
  for (size_t i = 0; i < j.size(); ++i)
    s += (i ? ", " : "") + j[i].dump();
  return s + "]";
}

bool parseLaunch(const json &j, const GpuPlan &plan, const std::vector<size_t> &inputBytes,
                 const std::vector<size_t> &outputBytes, GpuLaunch &l, std::string &error) {
  if (!j.is_object()) {
    error = "is not an object";
    return false;
  }
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "kernel" && it.key() != "grid" && it.key() != "block" &&
        it.key() != "shared_bytes" && it.key() != "args" && it.key() != "node") {
      error = "unknown key '" + it.key() + "'";
      return false;
    }
  if (j.contains("node")) {
    if (!j["node"].is_string()) {
      error = "\"node\" is not a string";
      return false;
    }
    l.node = j["node"].get<std::string>();
  }
  uint64_t k = 0;
  if (!j.contains("kernel") || !getUnsigned(j["kernel"], uint64_t(1) << 32, k)) {
    error = "\"kernel\" is missing or not a non-negative integer";
    return false;
  }
  if (k >= plan.kernels.size()) {
    error = "kernel index " + std::to_string(k) + " is out of range (the artifact has " +
            std::to_string(plan.kernels.size()) + " kernels)";
    return false;
  }
  l.kernel = (size_t)k;
  // CUDA's limits: a grid of 2^31-1 x 65535 x 65535 blocks, a block of
  // 1024 x 1024 x 64 threads and 1024 in all.
  static const uint64_t gridLimit[3] = {0x7fffffff, 65535, 65535};
  static const uint64_t blockLimit[3] = {1024, 1024, 64};
  if (!j.contains("grid") || !getDims(j["grid"], gridLimit, l.grid)) {
    error = "grid " + (j.contains("grid") ? dimsString(j["grid"]) : std::string("(missing)")) +
            " is not three positive extents within [2147483647, 65535, 65535]";
    return false;
  }
  // The thread count first: it is the limit a plan is likeliest to break.
  static const uint64_t anyLimit[3] = {1u << 20, 1u << 20, 1u << 20};
  if (!j.contains("block") || !getDims(j["block"], anyLimit, l.block)) {
    error = "block " + (j.contains("block") ? dimsString(j["block"]) : std::string("(missing)")) +
            " is not three positive extents";
    return false;
  }
  uint64_t threads = (uint64_t)l.block[0] * l.block[1] * l.block[2];
  if (threads > 1024) {
    error = "block " + dimsString(j["block"]) + " has " + std::to_string(threads) +
            " threads (at most 1024)";
    return false;
  }
  if (!getDims(j["block"], blockLimit, l.block)) {
    error = "block " + dimsString(j["block"]) + " is not within [1024, 1024, 64]";
    return false;
  }
  uint64_t shared = 0;
  if (j.contains("shared_bytes") && !getUnsigned(j["shared_bytes"], 0xffffffffu, shared)) {
    error = "shared_bytes " + j["shared_bytes"].dump() + " is not a 32-bit unsigned integer";
    return false;
  }
  l.sharedBytes = (unsigned)shared;
  if (!j.contains("args") || !j["args"].is_array()) {
    error = "\"args\" is missing or not an array";
    return false;
  }
  // A kernel's parameters fit in 4 KiB: 512 of 8 bytes.
  if (j["args"].size() > 512) {
    error = std::to_string(j["args"].size()) + " arguments (at most 512)";
    return false;
  }
  for (size_t i = 0; i < j["args"].size(); ++i) {
    GpuArg a;
    if (!parseArg(j["args"][i], plan, inputBytes, outputBytes, a, error)) {
      error = "argument " + std::to_string(i) + ": " + error;
      return false;
    }
    l.args.push_back(a);
  }
  return true;
}

bool parseArch(GpuPlan &plan) {
  // sm_<major><minor>, optionally with the suffix a (that capability only)
  // or f (that major version, this minor or newer).
  const std::string &s = plan.arch;
  if (s.size() < 5 || s.compare(0, 3, "sm_") != 0)
    return false;
  size_t end = 3;
  while (end < s.size() && end < 7 && s[end] >= '0' && s[end] <= '9')
    ++end;
  std::string suffix = s.substr(end);
  if (end - 3 < 2 || !(suffix.empty() || suffix == "a" || suffix == "f"))
    return false;
  int n = std::stoi(s.substr(3, end - 3));
  plan.major = n / 10;
  plan.minor = n % 10;
  plan.exact = suffix == "a";
  plan.family = suffix == "f";
  return true;
}

/// gfx<digits and hex letters>, optionally with target features
/// (gfx90a:xnack-).
bool isGfxArch(const std::string &s) {
  size_t end = s.find(':');
  std::string base = s.substr(0, end);
  if (base.size() < 6 || base.compare(0, 3, "gfx") != 0)
    return false;
  for (size_t i = 3; i < base.size(); ++i)
    if (!std::isdigit((unsigned char)base[i]) && !(base[i] >= 'a' && base[i] <= 'f'))
      return false;
  return true;
}

} // namespace

bool parseGpuPlan(const json &m, const std::string &dir, const std::vector<size_t> &inputBytes,
                  const std::vector<size_t> &outputBytes, GpuPlan &plan, std::string &error) {
  const std::string where = dir + "/manifest.json: ";
  const json &g = m["gpu"];
  auto fail = [&](const std::string &msg) {
    error = where + msg;
    return false;
  };
  if (!g.is_object())
    return fail("\"gpu\" is not an object");
  plan.status = m.contains("status");
  plan.target = "unknown";
  if (m.contains("target") && m["target"].is_object() && m["target"].contains("name") &&
      m["target"]["name"].is_string())
    plan.target = m["target"]["name"].get<std::string>();
  auto str = [&](const char *key, std::string &out) {
    if (!g.contains(key) || !g[key].is_string() || g[key].get<std::string>().empty())
      return false;
    out = g[key].get<std::string>();
    return true;
  };
  if (!str("api", plan.api))
    return fail("gpu.api is missing (\"cuda\" or \"hip\")");
  if (plan.api != "cuda" && plan.api != "hip")
    return fail("unknown gpu.api '" + plan.api + "' (this runtime knows 'cuda' and 'hip')");
  bool hip = plan.api == "hip";
  if (!str("arch", plan.arch) || !(hip ? isGfxArch(plan.arch) : parseArch(plan)))
    return fail("gpu.arch " + (g.contains("arch") ? g["arch"].dump() : std::string("(missing)")) +
                (hip ? " is not an AMDGPU architecture such as \"gfx906\""
                     : " is not a CUDA compute capability such as \"sm_90\""));
  if (!str("module", plan.module))
    return fail(std::string("gpu.module is missing (the ") + (hip ? "code object" : "PTX file") +
                ")");
  if (!m["library"].is_string() || m["library"].get<std::string>() != plan.module)
    return fail("gpu.module '" + plan.module + "' is not the artifact's library " +
                m["library"].dump());
  if (!m["files"].contains(plan.module))
    return fail("gpu.module '" + plan.module + "' is not covered by the manifest's hashes");
  uint64_t v = 0;
  if (g.contains("weights_bytes")) {
    if (!getUnsigned(g["weights_bytes"], std::min<uint64_t>(uint64_t(1) << 48, SIZE_MAX), v))
      return fail("gpu.weights_bytes " + g["weights_bytes"].dump() +
                  " is not a non-negative integer");
    plan.weightsBytes = (size_t)v;
  }
  if (g.contains("weights")) {
    if (!str("weights", plan.weights))
      return fail("gpu.weights is not a file name");
    if (plan.weights == plan.module)
      return fail("gpu.weights names the module, " + plan.module);
    if (!m["files"].contains(plan.weights))
      return fail("gpu.weights '" + plan.weights + "' is not covered by the manifest's hashes");
  } else if (plan.weightsBytes) {
    return fail("gpu.weights_bytes is " + std::to_string(plan.weightsBytes) +
                " but gpu.weights names no file");
  }
  if (g.contains("arena_bytes")) {
    if (!getUnsigned(g["arena_bytes"], std::min<uint64_t>(uint64_t(1) << 48, SIZE_MAX), v))
      return fail("gpu.arena_bytes " + g["arena_bytes"].dump() + " is not a non-negative integer");
    plan.arenaBytes = (size_t)v;
  }
  if (!g.contains("kernels") || !g["kernels"].is_array())
    return fail("gpu.kernels is missing or not an array");
  for (const json &k : g["kernels"]) {
    if (!k.is_string() || k.get<std::string>().empty())
      return fail("gpu.kernels holds " + k.dump() + ", not a kernel name");
    plan.kernels.push_back(k.get<std::string>());
  }
  if (!g.contains("launches") || !g["launches"].is_array())
    return fail("gpu.launches is missing or not an array");
  for (size_t i = 0; i < g["launches"].size(); ++i) {
    const json &j = g["launches"][i];
    GpuLaunch l;
    std::string err;
    if (!parseLaunch(j, plan, inputBytes, outputBytes, l, err)) {
      std::string kernel;
      if (j.is_object() && j.contains("kernel") && j["kernel"].is_number_unsigned() &&
          j["kernel"].get<uint64_t>() < plan.kernels.size())
        kernel = " (kernel " + plan.kernels[j["kernel"].get<size_t>()] + ")";
      return fail("gpu launch " + std::to_string(i) + kernel + ": " + err);
    }
    plan.launches.push_back(std::move(l));
  }
  return true;
}

} // namespace autoglm::rt
