//===- stress.cpp - one model served from many threads at once ------------===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//   stress ARTIFACT [--threads T] [--calls N] [--cases C] [--intra K]
//          [--recreate R] [--seed S]
//
// Loads the artifact once and prepares C cases: random extents for its open
// input extents (one per ONNX dim_param name, so inputs that share a name
// agree) and random input data, each run once on one context to record the
// reference outputs. Then T threads share the model, each with its own
// context (K intra-op threads; a new context every R calls), and make N calls
// each, a random case per call, checking every output byte and extent
// against the reference. Prints one summary line; exits non-zero on any
// mismatch or error. The runtime's contract (runtime.h): contexts of one
// model are independent, one run at a time per context.
//===----------------------------------------------------------------------===//

#include "autoglm/runtime.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Tensor {
  autoglm_dtype dtype;
  std::vector<int64_t> shape;
  std::vector<unsigned char> bytes;
};

struct Case {
  std::vector<Tensor> inputs;
  std::vector<Tensor> outputs; // the reference: extents and the dense prefix
};

size_t count(const std::vector<int64_t> &shape) {
  size_t n = 1;
  for (int64_t e : shape)
    n *= (size_t)e;
  return n;
}

void fill(Tensor &t, std::mt19937 &rng) {
  size_t n = count(t.shape), size = autoglm_dtype_size(t.dtype);
  t.bytes.resize(n * size);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (size_t i = 0; i < n; ++i) {
    unsigned char *p = t.bytes.data() + i * size;
    switch (t.dtype) {
    case AUTOGLM_FLOAT32: {
      float v = u(rng);
      std::memcpy(p, &v, 4);
      break;
    }
    case AUTOGLM_FLOAT64: {
      double v = u(rng);
      std::memcpy(p, &v, 8);
      break;
    }
    case AUTOGLM_INT64: {
      int64_t v = rng() % 4;
      std::memcpy(p, &v, 8);
      break;
    }
    case AUTOGLM_INT32: {
      int32_t v = rng() % 4;
      std::memcpy(p, &v, 4);
      break;
    }
    default:
      for (size_t b = 0; b < size; ++b)
        p[b] = (unsigned char)(rng() & 1);
    }
  }
}

/// Binds the case's inputs and output buffers of each output's bound.
bool bindCase(autoglm_context *c, const autoglm_model *m, const Case &k,
              std::vector<std::vector<unsigned char>> &outs) {
  for (size_t i = 0; i < k.inputs.size(); ++i) {
    const Tensor &t = k.inputs[i];
    if (autoglm_context_set_input(c, i, t.dtype, t.shape.size(), t.shape.data(), t.bytes.data(),
                                  t.bytes.size()))
      return false;
  }
  outs.resize(autoglm_model_num_outputs(m));
  for (size_t o = 0; o < outs.size(); ++o) {
    outs[o].resize(autoglm_model_output_bytes(m, o));
    if (autoglm_context_set_output(
            c, o, autoglm_model_output_dtype(m, o), autoglm_model_output_rank(m, o),
            autoglm_model_output_max_shape(m, o), outs[o].data(), outs[o].size()))
      return false;
  }
  return true;
}

long flag(int argc, char **argv, const char *name, long fallback) {
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0)
      return std::strtol(argv[i + 1], nullptr, 10);
  return fallback;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: stress ARTIFACT [--threads T] [--calls N] [--cases C] "
                         "[--intra K] [--recreate R] [--seed S]\n");
    return 2;
  }
  const int threads = (int)flag(argc, argv, "--threads", 16);
  const long calls = flag(argc, argv, "--calls", 10000);
  const int cases = (int)flag(argc, argv, "--cases", 8);
  const int intra = (int)flag(argc, argv, "--intra", 1);
  const long recreate = flag(argc, argv, "--recreate", 1000);
  const unsigned seed = (unsigned)flag(argc, argv, "--seed", 1);
  autoglm_model *m = nullptr;
  if (autoglm_model_load(argv[1], &m)) {
    std::fprintf(stderr, "stress: %s\n", autoglm_last_error());
    return 1;
  }
  const size_t nIn = autoglm_model_num_inputs(m), nOut = autoglm_model_num_outputs(m);

  // The cases and their single-threaded reference outputs.
  std::mt19937 rng(seed);
  std::vector<Case> all(cases);
  std::map<std::string, int> extentsSeen;
  autoglm_context *ref = nullptr;
  if (autoglm_context_create(m, intra, &ref)) {
    std::fprintf(stderr, "stress: %s\n", autoglm_last_error());
    return 1;
  }
  for (Case &k : all) {
    std::map<int64_t, int64_t> byDim; // per position when unnamed
    std::map<std::string, int64_t> byName;
    std::string key;
    for (size_t i = 0; i < nIn; ++i) {
      Tensor t;
      t.dtype = autoglm_model_input_dtype(m, i);
      const int64_t *shape = autoglm_model_input_shape(m, i);
      const int64_t *bound = autoglm_model_input_max_shape(m, i);
      for (size_t d = 0; d < autoglm_model_input_rank(m, i); ++d) {
        int64_t e = shape[d];
        if (e == -1) {
          // The runtime's header does not name dim_params; the stress
          // model's inputs share one open extent name per position.
          auto it = byDim.find((int64_t)d);
          e = it != byDim.end() ? it->second : 1 + (int64_t)(rng() % (uint64_t)bound[d]);
          byDim[(int64_t)d] = e;
        }
        t.shape.push_back(e);
        key += std::to_string(e) + ",";
      }
      fill(t, rng);
      k.inputs.push_back(std::move(t));
    }
    ++extentsSeen[key];
    std::vector<std::vector<unsigned char>> outs;
    if (!bindCase(ref, m, k, outs) || autoglm_context_run(ref)) {
      std::fprintf(stderr, "stress: reference run: %s\n", autoglm_last_error());
      return 1;
    }
    for (size_t o = 0; o < nOut; ++o) {
      Tensor t;
      t.dtype = autoglm_model_output_dtype(m, o);
      const int64_t *s = autoglm_context_output_shape(ref, o);
      t.shape.assign(s, s + autoglm_model_output_rank(m, o));
      t.bytes.assign(outs[o].begin(),
                     outs[o].begin() + count(t.shape) * autoglm_dtype_size(t.dtype));
      k.outputs.push_back(std::move(t));
    }
  }
  autoglm_context_release(ref);

  std::atomic<long> mismatches{0}, errors{0}, done{0};
  std::atomic<bool> firstReported{false};
  auto worker = [&](int id) {
    std::mt19937 pick(seed * 7919u + (unsigned)id);
    autoglm_context *c = nullptr;
    std::vector<std::vector<unsigned char>> outs;
    for (long call = 0; call < calls; ++call) {
      if (!c || (recreate > 0 && call % recreate == 0)) {
        autoglm_context_release(c);
        c = nullptr;
        if (autoglm_context_create(m, intra, &c)) {
          ++errors;
          return;
        }
      }
      const Case &k = all[pick() % all.size()];
      if (!bindCase(c, m, k, outs) || autoglm_context_run(c)) {
        if (!firstReported.exchange(true))
          std::fprintf(stderr, "stress: thread %d call %ld: %s\n", id, call, autoglm_last_error());
        ++errors;
        continue;
      }
      for (size_t o = 0; o < nOut; ++o) {
        const Tensor &want = k.outputs[o];
        const int64_t *s = autoglm_context_output_shape(c, o);
        bool same = std::vector<int64_t>(s, s + want.shape.size()) == want.shape &&
                    std::memcmp(outs[o].data(), want.bytes.data(), want.bytes.size()) == 0;
        if (!same) {
          if (!firstReported.exchange(true))
            std::fprintf(stderr,
                         "stress: thread %d call %ld: output %zu differs from the "
                         "single-threaded run\n",
                         id, call, o);
          ++mismatches;
        }
      }
      ++done;
    }
    autoglm_context_release(c);
  };
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back(worker, t);
  for (auto &t : pool)
    t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  autoglm_model_release(m);
  std::printf("stress: %d threads x %ld calls (%d intra-op), %zu distinct input shapes: %ld "
              "runs, %ld mismatches, %ld errors, %.0f runs/s\n",
              threads, calls, intra, extentsSeen.size(), done.load(), mismatches.load(),
              errors.load(), done.load() / seconds);
  return mismatches || errors || done != threads * calls ? 1 : 0;
}
