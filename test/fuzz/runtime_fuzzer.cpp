//===- runtime_fuzzer.cpp - libFuzzer targets for the runtime -------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Two targets from this file (scripts/fuzz.sh builds and runs them), both
// over real artifacts named by AUTOGLM_FUZZ_ARTIFACTS (folders, separated by
// ':'; fuzz.sh compiles them first):
//   autoglm-fuzz-manifest  the artifact loader: the input's first byte picks
//                          an artifact, the rest is its manifest.json; the
//                          load must succeed or fail with an error, and a
//                          loaded model answers every query and makes a
//                          context;
//   autoglm-fuzz-binding   the C API's tensor binding and runs: the input is
//                          a program of calls (set_input / set_output with
//                          fuzzed indices, dtypes, ranks, extents, byte
//                          counts, null and aliasing pointers; run; output
//                          shapes; new contexts) on a loaded model
//                          (AUTOGLM_FUZZ_BINDING).
// The fuzzer keeps the API's contract (a buffer holds the bytes it is bound
// with; a string output's pointers are used no later than the next run);
// any crash, sanitizer report or uncaught exception is a bug.
//===----------------------------------------------------------------------===//

#include "autoglm/runtime.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <dirent.h>
#include <unistd.h>

namespace {

std::vector<std::string> artifactDirs() {
  std::vector<std::string> dirs;
  const char *env = std::getenv("AUTOGLM_FUZZ_ARTIFACTS");
  std::string list = env ? env : "";
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos)
      end = list.size();
    if (end > start)
      dirs.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  if (dirs.empty()) {
    std::fprintf(stderr, "set AUTOGLM_FUZZ_ARTIFACTS to artifact folders (scripts/fuzz.sh does)\n");
    std::exit(2);
  }
  return dirs;
}

/// A cursor over the fuzzer's bytes: reads past the end give zeros.
struct Reader {
  const uint8_t *data;
  size_t size, pos = 0;
  bool done() const { return pos >= size; }
  uint8_t byte() { return pos < size ? data[pos++] : 0; }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= uint64_t(byte()) << (8 * i);
    return v;
  }
};

#ifndef AUTOGLM_FUZZ_BINDING
// ---- the artifact loader ---------------------------------------------------

/// Each artifact's files but its manifest, copied into a scratch folder the
/// inputs' manifests are written to.
std::vector<std::string> &scratchDirs() {
  static std::vector<std::string> dirs = [] {
    std::vector<std::string> out;
    for (const std::string &src : artifactDirs()) {
      char tmpl[] = "/tmp/autoglm-fuzz-manifest-XXXXXX";
      if (!mkdtemp(tmpl)) {
        std::perror("mkdtemp");
        std::exit(2);
      }
      DIR *d = opendir(src.c_str());
      if (!d) {
        std::fprintf(stderr, "cannot read the artifact %s\n", src.c_str());
        std::exit(2);
      }
      while (dirent *e = readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == ".." || name == "manifest.json")
          continue;
        std::ifstream in(src + "/" + name, std::ios::binary);
        std::ofstream(std::string(tmpl) + "/" + name, std::ios::binary) << in.rdbuf();
      }
      closedir(d);
      out.push_back(tmpl);
    }
    return out;
  }();
  return dirs;
}

/// The C API's description of one side (inputs or outputs), one past the
/// last index included: every answer read, every extent touched.
struct Side {
  size_t (*count)(const autoglm_model *);
  const char *(*name)(const autoglm_model *, size_t);
  autoglm_dtype (*dtype)(const autoglm_model *, size_t);
  size_t (*rank)(const autoglm_model *, size_t);
  const int64_t *(*shape)(const autoglm_model *, size_t);
  const int64_t *(*maxShape)(const autoglm_model *, size_t);
  size_t (*bytes)(const autoglm_model *, size_t);
};

void touchModel(const autoglm_model *m) {
  const Side sides[] = {
      {autoglm_model_num_inputs, autoglm_model_input_name, autoglm_model_input_dtype,
       autoglm_model_input_rank, autoglm_model_input_shape, autoglm_model_input_max_shape,
       autoglm_model_input_bytes},
      {autoglm_model_num_outputs, autoglm_model_output_name, autoglm_model_output_dtype,
       autoglm_model_output_rank, autoglm_model_output_shape, autoglm_model_output_max_shape,
       autoglm_model_output_bytes}};
  for (const Side &side : sides)
    for (size_t i = 0; i <= side.count(m); ++i) {
      (void)side.name(m, i);
      (void)side.dtype(m, i);
      (void)side.bytes(m, i);
      const int64_t *s = side.shape(m, i), *b = side.maxShape(m, i);
      volatile int64_t sink = 0;
      for (size_t d = 0; s && b && d < side.rank(m, i); ++d)
        sink = sink + s[d] + b[d];
    }
  (void)autoglm_model_weight_bytes(m);
  (void)autoglm_model_arena_bytes(m);
  (void)autoglm_model_device(m);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const auto &dirs = scratchDirs();
  const std::string &dir = dirs[data[0] % dirs.size()];
  {
    std::ofstream f(dir + "/manifest.json", std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char *>(data + 1), (std::streamsize)(size - 1));
  }
  autoglm_model *m = nullptr;
  if (autoglm_model_load(dir.c_str(), &m) != 0) {
    if (m || !*autoglm_last_error())
      __builtin_trap(); // a failed load names its reason and returns no model
    return 0;
  }
  touchModel(m);
  // A context only where its arena is modest (the manifest says how big).
  if (autoglm_model_arena_bytes(m) < (size_t(64) << 20)) {
    autoglm_context *c = nullptr;
    if (autoglm_context_create(m, 1, &c) == 0)
      autoglm_context_release(c);
  }
  autoglm_model_release(m);
  return 0;
}

#else
// ---- tensor binding and runs ---------------------------------------------

long runs = 0; // successful runs (AUTOGLM_FUZZ_VERBOSE prints them)

/// The models, released at exit (so a replay's leak check sees none).
struct Models : std::vector<autoglm_model *> {
  ~Models() {
    for (autoglm_model *m : *this)
      autoglm_model_release(m);
  }
};

std::vector<autoglm_model *> &models() {
  static Models loaded = [] {
    Models out;
    for (const std::string &dir : artifactDirs()) {
      autoglm_model *m = nullptr;
      if (autoglm_model_load(dir.c_str(), &m)) {
        std::fprintf(stderr, "cannot load %s: %s\n", dir.c_str(), autoglm_last_error());
        std::exit(2);
      }
      out.push_back(m);
    }
    return out;
  }();
  return loaded;
}

const autoglm_dtype kDtypes[] = {AUTOGLM_INVALID, AUTOGLM_FLOAT32, AUTOGLM_FLOAT64,
                                 AUTOGLM_INT64,   AUTOGLM_INT32,   AUTOGLM_UINT8,
                                 AUTOGLM_BOOL,    AUTOGLM_STRING,  (autoglm_dtype)99};

/// One fuzzed set_input / set_output call. Buffers live until the program
/// ends (a context keeps the pointers it was bound with).
void bindOne(autoglm_context *c, const autoglm_model *m, Reader &r, bool input,
             std::vector<std::unique_ptr<uint8_t[]>> &buffers,
             std::vector<std::pair<uint8_t *, size_t>> &bound) {
  size_t count = input ? autoglm_model_num_inputs(m) : autoglm_model_num_outputs(m);
  size_t index = r.byte() % (count + 2); // out of range too
  uint8_t mode = r.byte();
  // Mostly the model's own dtype and shape, so calls get past the checks.
  autoglm_dtype dtype = (mode & 1) ? kDtypes[r.byte() % (sizeof kDtypes / sizeof *kDtypes)]
                        : input    ? autoglm_model_input_dtype(m, index)
                                   : autoglm_model_output_dtype(m, index);
  size_t rank = input ? autoglm_model_input_rank(m, index) : autoglm_model_output_rank(m, index);
  const int64_t *bound0 =
      input ? autoglm_model_input_max_shape(m, index) : autoglm_model_output_max_shape(m, index);
  if (mode & 2)
    rank = r.byte() % 9;
  std::vector<int64_t> shape(rank);
  for (size_t d = 0; d < rank; ++d) {
    int64_t e = bound0 && d < (input ? autoglm_model_input_rank(m, index)
                                     : autoglm_model_output_rank(m, index))
                    ? bound0[d]
                    : 1;
    switch (r.byte() % 6) {
    case 0:
      e = (int64_t)r.u64(); // anything, negative and huge included
      break;
    case 1:
      e = e > 0 ? (int64_t)(r.byte() % (uint64_t)(e + 1)) : 0; // within the bound
      break;
    case 2:
      e += 1;
      break;
    default:
      break;
    }
    shape[d] = e;
  }
  // The byte count: what the shape needs, or something else.
  size_t size = autoglm_dtype_size(dtype), need = size;
  for (int64_t e : shape)
    need = e < 0 ? 0 : need * (size_t)e;
  size_t bytes = need;
  switch ((mode >> 2) & 3) {
  case 1:
    bytes = need + 1;
    break;
  case 2:
    bytes = need ? need - 1 : 0;
    break;
  case 3:
    bytes = r.u64() % 4096;
    break;
  }
  // The buffer: null, a fresh one of `bytes`, or one already bound that
  // holds at least as much (aliasing).
  uint8_t *ptr = nullptr;
  // Never a string input over another buffer: its pointers could be a
  // string output's from runs ago, which the contract lets die after the
  // next run (runtime.h).
  uint8_t which = (mode >> 4) & 3;
  if (which == 1 && bytes > 0 && !bound.empty() && dtype != AUTOGLM_STRING) {
    auto &b = bound[r.byte() % bound.size()];
    if (b.second >= bytes)
      ptr = b.first;
  }
  if (!ptr && which != 0) {
    if (bytes > (size_t(64) << 20))
      return; // the contract: a buffer holds what it is bound with
    buffers.emplace_back(new uint8_t[bytes ? bytes : 1]());
    ptr = buffers.back().get();
    // Strings: every element a valid pointer (or null, which set_input
    // must refuse).
    if (dtype == AUTOGLM_STRING)
      for (size_t k = 0; k + sizeof(char *) <= bytes; k += sizeof(char *)) {
        const char *s = (r.byte() & 7) ? "fuzz" : nullptr;
        std::memcpy(ptr + k, &s, sizeof s);
      }
  }
  // Device memory: every model here runs on the CPU, which must refuse it
  // and keep what was bound.
  if ((mode & 0xc0) == 0xc0) {
    uint64_t dev = (uint64_t)(uintptr_t)ptr;
    int refused = input ? autoglm_context_set_input_device(
                              c, index, dtype, rank, rank ? shape.data() : nullptr, dev, bytes)
                        : autoglm_context_set_output_device(
                              c, index, dtype, rank, rank ? shape.data() : nullptr, dev, bytes);
    if (!refused) {
      std::fprintf(stderr, "binding: a CPU model took device memory\n");
      std::abort();
    }
    return;
  }
  int rc = input ? autoglm_context_set_input(c, index, dtype, rank, rank ? shape.data() : nullptr,
                                             ptr, bytes)
                 : autoglm_context_set_output(c, index, dtype, rank, rank ? shape.data() : nullptr,
                                              ptr, bytes);
  if (rc == 0 && ptr)
    bound.emplace_back(ptr, bytes);
}

/// Every input bound with extents within its bound (open ones from the
/// fuzzer's bytes, one per position so inputs sharing a batch agree), every
/// output at its bound, then a run: the calls of a well-behaved caller,
/// which the binding programs then perturb.
void bindAllAndRun(autoglm_context *c, const autoglm_model *m, Reader &r,
                   std::vector<std::unique_ptr<uint8_t[]>> &buffers, long &runs) {
  std::vector<int64_t> byPosition(16, -1);
  for (size_t i = 0; i < autoglm_model_num_inputs(m); ++i) {
    autoglm_dtype dtype = autoglm_model_input_dtype(m, i);
    size_t rank = autoglm_model_input_rank(m, i);
    const int64_t *shape = autoglm_model_input_shape(m, i);
    const int64_t *bound = autoglm_model_input_max_shape(m, i);
    std::vector<int64_t> extents(rank);
    size_t n = 1;
    for (size_t d = 0; d < rank; ++d) {
      int64_t e = shape[d];
      if (e == -1) {
        if (d >= byPosition.size() || byPosition[d] < 0) {
          e = (int64_t)(r.byte() % (uint64_t)(bound[d] + 1));
          if (d < byPosition.size())
            byPosition[d] = e;
        } else {
          e = byPosition[d];
        }
      }
      extents[d] = e;
      n *= (size_t)e;
    }
    size_t bytes = n * autoglm_dtype_size(dtype);
    buffers.emplace_back(new uint8_t[bytes ? bytes : 1]());
    uint8_t *p = buffers.back().get();
    if (dtype == AUTOGLM_STRING)
      for (size_t k = 0; k + sizeof(char *) <= bytes; k += sizeof(char *)) {
        const char *s = (r.byte() & 1) ? "Monday" : "fuzz";
        std::memcpy(p + k, &s, sizeof s);
      }
    else
      for (size_t k = 0; k < bytes; ++k)
        p[k] = r.byte();
    if (autoglm_context_set_input(c, i, dtype, rank, extents.data(), p, bytes))
      return;
  }
  for (size_t o = 0; o < autoglm_model_num_outputs(m); ++o) {
    size_t bytes = autoglm_model_output_bytes(m, o);
    buffers.emplace_back(new uint8_t[bytes ? bytes : 1]());
    if (autoglm_context_set_output(
            c, o, autoglm_model_output_dtype(m, o), autoglm_model_output_rank(m, o),
            autoglm_model_output_max_shape(m, o), buffers.back().get(), bytes))
      return;
  }
  if (autoglm_context_run(c) == 0)
    ++runs;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static long programs = 0;
  if (++programs == 1 && std::getenv("AUTOGLM_FUZZ_VERBOSE"))
    std::atexit([] { std::fprintf(stderr, "binding: %ld successful runs\n", runs); });
  Reader r{data, size};
  const auto &all = models();
  const autoglm_model *m = all[r.byte() % all.size()];
  autoglm_context *c = nullptr;
  if (autoglm_context_create(m, 1, &c))
    return 0;
  std::vector<std::unique_ptr<uint8_t[]>> buffers;
  std::vector<std::pair<uint8_t *, size_t>> bound;
  for (int steps = 0; !r.done() && steps < 64; ++steps) {
    switch (r.byte() % 7) {
    case 6:
      bindAllAndRun(c, m, r, buffers, runs);
      break;
    case 0:
    case 1:
      bindOne(c, m, r, /*input=*/true, buffers, bound);
      break;
    case 2:
      bindOne(c, m, r, /*input=*/false, buffers, bound);
      break;
    case 3:
      // An enqueued run is for device memory: refused on the CPU, and
      // synchronize has nothing to wait for.
      if (r.byte() & 1) {
        if (autoglm_context_run_async(c) == 0 || autoglm_context_synchronize(c) != 0) {
          std::fprintf(stderr, "binding: run_async / synchronize on a CPU model\n");
          std::abort();
        }
      }
      (void)autoglm_context_run(c);
      break;
    case 4: {
      size_t i = r.byte() % (autoglm_model_num_outputs(m) + 2);
      const int64_t *s = autoglm_context_output_shape(c, i);
      volatile int64_t sink = 0;
      for (size_t d = 0; s && d < autoglm_model_output_rank(m, i); ++d)
        sink = sink + s[d];
      break;
    }
    case 5: // a fresh context: nothing bound
      autoglm_context_release(c);
      c = nullptr;
      bound.clear();
      if (autoglm_context_create(m, 1 + r.byte() % 2, &c))
        return 0;
      break;
    }
  }
  autoglm_context_release(c);
  return 0;
}
#endif
