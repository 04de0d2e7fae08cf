//===- Prune.cpp - the compile session's pruning options and report -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The passes (passes/Pruning/) do the work inside the graph pipeline; here
// the flags' forms become their options, and the module's weights become the
// numbers the report shows per layer: weights, nonzero weights, FLOPs.
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "autoglm/Compiler/Session.h"
#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"
#include "autoglm/Support/ConstantData.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"

#include <cstring>

using namespace mlir;
using namespace mlir::autoglm;
using session::fail;
using session::opNodeName;

namespace {

bool parseRatio(llvm::StringRef text, double &out) {
  return !text.getAsDouble(out) && out >= 0 && out < 1;
}

/// Nonzero elements of an f32 constant, or -1 when unreadable.
int64_t nonzeros(ConstantOp c) {
  if (!c.getType().getElementType().isF32() || !c.getType().hasStaticShape())
    return -1;
  int64_t n = c.getType().getNumElements(), nz = 0;
  if (auto dense = dyn_cast<DenseElementsAttr>(c.getValue())) {
    for (float v : dense.getValues<float>())
      nz += v != 0.0f;
    return nz;
  }
  std::optional<ArrayRef<char>> raw = constantBytes(c.getValue());
  if (!raw || (int64_t)raw->size() != n * 4)
    return -1;
  for (int64_t i = 0; i < n; ++i) {
    float v;
    std::memcpy(&v, raw->data() + i * 4, 4);
    nz += v != 0.0f;
  }
  return nz;
}

} // namespace

LogicalResult mlir::autoglm::parsePruneOptions(const CompileOptions &o, GraphPipelineOptions &out,
                                               std::string &error) {
  if ((!o.pruneTarget.empty() || !o.pruneBudget.empty()) && o.prune != "structured:auto")
    return fail(error, "--prune-target and --prune-budget choose per-group ratios: give --prune "
                       "structured:auto");
  if (o.pruneSensitivity && o.prune.rfind("structured:", 0) != 0)
    return fail(error, "--prune-sensitivity measures structured pruning: give --prune "
                       "structured:R or structured:auto");
  if (o.prune.empty())
    return success();
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(o.prune).split(parts, ':');
  llvm::StringRef kind = parts[0];
  std::string usage = "--prune takes structured:R, structured:auto, unstructured:R, block:R or "
                      "nm:N:M (R, the fraction removed, in [0, 1)), got '" +
                      o.prune + "'";
  if (!o.pruneRatios.empty() && kind != "structured")
    return fail(error, "--prune-ratios sets structured pruning's per-group ratios: give --prune "
                       "structured:R or structured:auto");
  if (kind == "structured") {
    PruneStructuredOptions s;
    bool autoMode = parts.size() == 2 && parts[1] == "auto";
    if (parts.size() != 2 || (!autoMode && !parseRatio(parts[1], s.ratio)))
      return fail(error, usage);
    if (autoMode)
      s.ratio = 0; // Only the groups the search chose (their ratios) lose channels.
    for (const std::string &r : o.pruneRatios) {
      auto [name, value] = llvm::StringRef(r).rsplit('=');
      double x;
      if (name.empty() || !parseRatio(value, x))
        return fail(error, "--prune-ratios takes NODE=R entries (R in [0, 1)), got '" + r + "'");
    }
    s.ratios.assign(o.pruneRatios.begin(), o.pruneRatios.end());
    if (o.pruneCriterion != "l1" && o.pruneCriterion != "l2" && o.pruneCriterion != "bn" &&
        o.pruneCriterion != "act")
      return fail(error,
                  "--prune-criterion takes l1, l2, bn or act, got '" + o.pruneCriterion + "'");
    if (o.pruneAlign < 1)
      return fail(error, "--prune-align takes a positive channel count");
    s.criterion = o.pruneCriterion;
    s.align = o.pruneAlign;
    s.exclude.assign(o.pruneExclude.begin(), o.pruneExclude.end());
    out.pruneStructured = s;
    return success();
  }
  PruneMagnitudeOptions m;
  m.pattern = kind.str();
  if (o.pruneScope != "global" && o.pruneScope != "layer")
    return fail(error, "--prune-scope takes global or layer, got '" + o.pruneScope + "'");
  m.global = o.pruneScope == "global";
  m.exclude.assign(o.pruneExclude.begin(), o.pruneExclude.end());
  if (kind == "unstructured" || kind == "block") {
    if (parts.size() != 2 || !parseRatio(parts[1], m.ratio))
      return fail(error, usage);
    if (kind == "block") {
      auto [r, c] = llvm::StringRef(o.pruneBlock).split('x');
      if (r.getAsInteger(10, m.blockRows) || c.getAsInteger(10, m.blockCols) || m.blockRows < 1 ||
          m.blockCols < 1)
        return fail(error, "--prune-block takes ROWSxCOLS (positive), got '" + o.pruneBlock + "'");
    }
  } else if (kind == "nm") {
    if (parts.size() != 3 || parts[1].getAsInteger(10, m.n) || parts[2].getAsInteger(10, m.m) ||
        m.n < 1 || m.n >= m.m)
      return fail(error, "--prune nm:N:M needs integers 1 <= N < M, got '" + o.prune + "'");
  } else {
    return fail(error, usage);
  }
  out.pruneMagnitude = m;
  return success();
}

nlohmann::ordered_json mlir::autoglm::contractionStats(ModuleOp module) {
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  int64_t weights = 0, nonzero = 0, flops = 0;
  module.walk([&](Operation *op) {
    int64_t f = contractionFlops(op);
    if (f < 0)
      return;
    auto w = op->getOperand(1).getDefiningOp<ConstantOp>();
    int64_t n = w.getType().getNumElements(), nz = nonzeros(w);
    weights += n;
    nonzero += nz < 0 ? n : nz;
    flops += f;
    layers.push_back({{"node", opNodeName(op)},
                      {"op", op->getName().stripDialect().str()},
                      {"weight_shape", w.getType().getShape().vec()},
                      {"weights", n},
                      {"nonzero", nz < 0 ? n : nz},
                      {"flops", f}});
  });
  return {{"weights", weights}, {"nonzero", nonzero}, {"flops", flops}, {"layers", layers}};
}
