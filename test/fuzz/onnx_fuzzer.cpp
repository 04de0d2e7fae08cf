//===- onnx_fuzzer.cpp - libFuzzer targets for the ONNX importer ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Two targets from this file (scripts/fuzz.sh builds and runs them):
//   autoglm-fuzz-import    a ModelProto (binary) through the importer;
//   autoglm-fuzz-pipeline  the same, then the -O2 graph pipeline and the
//                          lowering to linalg (AUTOGLM_FUZZ_PIPELINE).
// Any input must end in a module or a diagnostic: a crash, a sanitizer
// report or an uncaught exception is a bug.
//
// The mutator is structure-aware (LLVMFuzzerCustomMutator over protobuf's
// API, as libprotobuf-mutator would; that library is not in Debian): an
// input that parses as a ModelProto gets one edit of what the importer
// reads (a dim, an element type, an attribute, an edge, a node, an opset,
// an initializer's size), re-serialized; anything else gets libFuzzer's
// byte mutations. Seeds are the libonnx-testdata models.
//===----------------------------------------------------------------------===//

#include "autoglm/Importer/ONNXImporter.h"
#include "autoglm/Pipelines/Pipelines.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

using namespace mlir;

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {

MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    autoglm::registerONNXImportDialects(registry);
    autoglm::registerPipelineDialects(registry);
    auto *c = new MLIRContext(registry);
    c->loadAllAvailableDialects();
    c->disableMultithreading();
    // Diagnostics are the expected outcome for most inputs: drop them.
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  return *ctx;
}

/// One structural edit of `m`, chosen by `rng`; false if none applied.
bool mutateModel(onnx::ModelProto &m, std::mt19937_64 &rng) {
  auto pick = [&](size_t n) { return n ? (size_t)(rng() % n) : 0; };
  // Values that stress shape and size arithmetic.
  static const int64_t kDims[] = {0, 1,       2,         3,         -1,        -2,
                                  7, 1 << 16, INT32_MAX, INT64_MAX, INT64_MIN, (int64_t)1 << 40};
  auto dim = [&] { return kDims[pick(sizeof kDims / sizeof *kDims)]; };
  onnx::GraphProto *g = m.mutable_graph();
  std::vector<onnx::ValueInfoProto *> values;
  for (auto *list : {g->mutable_input(), g->mutable_output(), g->mutable_value_info()})
    for (auto &v : *list)
      values.push_back(&v);
  std::vector<std::string> names;
  for (auto *v : values)
    names.push_back(v->name());
  for (const auto &n : g->node())
    for (const auto &o : n.output())
      names.push_back(o);
  for (const auto &t : g->initializer())
    names.push_back(t.name());
  names.push_back("");
  switch (pick(10)) {
  case 0: { // a declared dim
    if (values.empty())
      return false;
    auto *shape =
        values[pick(values.size())]->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() == 0 || pick(4) == 0) {
      shape->add_dim()->set_dim_value(dim());
      return true;
    }
    auto *d = shape->mutable_dim(pick(shape->dim_size()));
    if (pick(4) == 0)
      d->set_dim_param("N");
    else
      d->set_dim_value(dim());
    return true;
  }
  case 1: { // a declared element type
    if (values.empty())
      return false;
    values[pick(values.size())]->mutable_type()->mutable_tensor_type()->set_elem_type(
        (int32_t)pick(24));
    return true;
  }
  case 2: { // an edge: a node input or output renamed to another value
    if (g->node_size() == 0)
      return false;
    auto *n = g->mutable_node(pick(g->node_size()));
    bool in = n->input_size() && (n->output_size() == 0 || pick(2));
    auto *list = in ? n->mutable_input() : n->mutable_output();
    if (list->empty())
      return false;
    *list->Mutable((int)pick(list->size())) = names[pick(names.size())];
    return true;
  }
  case 3: { // an input dropped or added
    if (g->node_size() == 0)
      return false;
    auto *n = g->mutable_node(pick(g->node_size()));
    if (n->input_size() && pick(2))
      n->mutable_input()->RemoveLast();
    else
      n->add_input(names[pick(names.size())]);
    return true;
  }
  case 4: { // an attribute's value or type
    if (g->node_size() == 0)
      return false;
    auto *n = g->mutable_node(pick(g->node_size()));
    if (n->attribute_size() == 0)
      return false;
    auto *a = n->mutable_attribute(pick(n->attribute_size()));
    switch (pick(5)) {
    case 0:
      a->set_i(dim());
      break;
    case 1:
      a->set_f(pick(2) ? 1e30f : -0.0f);
      break;
    case 2:
      a->add_ints(dim());
      break;
    case 3:
      if (a->ints_size())
        a->mutable_ints()->RemoveLast();
      break;
    default:
      a->set_type((onnx::AttributeProto_AttributeType)pick(15));
    }
    return true;
  }
  case 5: { // a node removed or duplicated
    if (g->node_size() == 0)
      return false;
    int i = (int)pick(g->node_size());
    if (pick(2)) {
      g->mutable_node()->SwapElements(i, g->node_size() - 1);
      g->mutable_node()->RemoveLast();
    } else {
      *g->add_node() = g->node(i);
    }
    return true;
  }
  case 6: { // an opset version
    if (m.opset_import_size() == 0)
      return false;
    m.mutable_opset_import(pick(m.opset_import_size()))->set_version((int64_t)pick(25));
    return true;
  }
  case 7: { // an initializer's dims, type or data size
    if (g->initializer_size() == 0)
      return false;
    auto *t = g->mutable_initializer(pick(g->initializer_size()));
    switch (pick(3)) {
    case 0:
      if (t->dims_size())
        t->set_dims(pick(t->dims_size()), dim());
      else
        t->add_dims(dim());
      break;
    case 1:
      t->set_data_type((int32_t)pick(24));
      break;
    default:
      t->mutable_raw_data()->resize(t->raw_data().size() / 2);
    }
    return true;
  }
  case 8: { // an op type swapped for another node's
    if (g->node_size() < 2)
      return false;
    g->mutable_node(pick(g->node_size()))->set_op_type(g->node(pick(g->node_size())).op_type());
    return true;
  }
  default: { // a graph input made an initializer-less constant or removed
    if (g->input_size() == 0)
      return false;
    g->mutable_input()->SwapElements((int)pick(g->input_size()), g->input_size() - 1);
    g->mutable_input()->RemoveLast();
    return true;
  }
  }
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t maxSize,
                                          unsigned int seed) {
  onnx::ModelProto m;
  std::mt19937_64 rng(seed);
  if (rng() % 8 != 0 && m.ParseFromArray(data, (int)size)) {
    for (int tries = 0; tries < 4; ++tries)
      if (mutateModel(m, rng)) {
        std::string out;
        if (m.SerializeToString(&out) && out.size() <= maxSize) {
          std::memcpy(data, out.data(), out.size());
          return out.size();
        }
        break;
      }
  }
  return LLVMFuzzerMutate(data, size, maxSize);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

// AUTOGLM_FUZZ_SWEEP=N: instead of fuzzing, give every file named on the
// command line N structural mutations (seeded by the file's position and the
// round, so a run is reproducible), run each, and exit: a coverage-free smoke
// test for builds without the instrumented libraries (scripts/fuzz.sh
// --sweep; CI). A crash leaves the mutant in AUTOGLM_FUZZ_SWEEP_OUT
// (default ./sweep-crash.onnx), written before it runs.
extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *sweep = std::getenv("AUTOGLM_FUZZ_SWEEP");
  if (!sweep)
    return 0;
  int rounds = std::atoi(sweep);
  const char *outEnv = std::getenv("AUTOGLM_FUZZ_SWEEP_OUT");
  std::string out = outEnv ? outEnv : "sweep-crash.onnx";
  size_t runs = 0, models = 0;
  for (int i = 1; i < *argc; ++i) {
    const char *path = (*argv)[i];
    if (path[0] == '-')
      continue;
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    onnx::ModelProto seed;
    if (!f || !seed.ParseFromString(ss.str()))
      continue;
    ++models;
    for (int r = 0; r < rounds; ++r) {
      std::mt19937_64 rng((uint64_t)i * 1000003u + (uint64_t)r);
      onnx::ModelProto m = seed;
      // One to three edits.
      for (int e = 0, n = 1 + (int)(rng() % 3); e < n; ++e)
        mutateModel(m, rng);
      std::string bytes;
      if (!m.SerializeToString(&bytes))
        continue;
      std::ofstream(out, std::ios::binary) << bytes;
      LLVMFuzzerTestOneInput((const uint8_t *)bytes.data(), bytes.size());
      ++runs;
    }
  }
  std::remove(out.c_str());
  std::printf("sweep: %zu mutants of %zu models, no crash\n", runs, models);
  std::exit(0);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext &ctx = context();
  autoglm::ONNXImportOptions options;
  options.sourceName = "fuzz.onnx";
  // External data resolves inside an empty folder only.
  options.modelDir = "/nonexistent-autoglm-fuzz";
  OwningOpRef<ModuleOp> module =
      autoglm::importONNXModel(llvm::StringRef((const char *)data, size), &ctx, options);
#ifdef AUTOGLM_FUZZ_PIPELINE
  if (module) {
    PassManager pm(&ctx);
    autoglm::buildGraphOptimizationPipeline(pm);
    autoglm::buildAutoGLMToLinalgPipeline(pm);
    (void)pm.run(*module);
  }
#endif
  return 0;
}
