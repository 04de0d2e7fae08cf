//===- PruneMagnitude.cpp - autoglm-prune-magnitude -----------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Magnitude pruning in three patterns over a weight seen as [output
// channels, reduction]: single weights, blocks, N:M runs. The shapes stay;
// the zeros are recorded (`autoglm.sparsity`) for kernels that skip them.
//===----------------------------------------------------------------------===//

#include "../Quantization/QuantUtils.h"
#include "../Utils.h"
#include "PruneUtils.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mlir::autoglm {
#define GEN_PASS_DEF_PRUNEMAGNITUDE
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// One layer: its weight, and the scored units (single weights, blocks or
/// N:M runs) that may be zeroed.
struct Layer {
  Operation *op;
  WeightView view;
  std::vector<float> w;
  /// The unit's extent (rows x cols of the view: 1x1, the block, 1xM).
  int64_t bh = 1, bw = 1;
  /// unit -> its score (mean |w|), units in row-major order of the view.
  std::vector<double> score;

  /// The weight indices unit `u` covers.
  SmallVector<int64_t> indices(size_t u) const {
    int64_t perRow = view.cols / bw;
    int64_t r0 = (int64_t)u / perRow * bh, c0 = (int64_t)u % perRow * bw;
    SmallVector<int64_t> idx;
    for (int64_t r = r0; r < r0 + bh; ++r)
      for (int64_t c = c0; c < c0 + bw; ++c)
        idx.push_back(r * view.rowStride + c * view.colStride);
    return idx;
  }
};

struct PruneMagnitudePass : autoglm::impl::PruneMagnitudeBase<PruneMagnitudePass> {
  using Base::Base;

  std::string patternName() const {
    if (pattern == "block")
      return "block:" + std::to_string(blockRows) + "x" + std::to_string(blockCols);
    if (pattern == "nm")
      return "nm:" + std::to_string(n) + ":" + std::to_string(m);
    return "unstructured";
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (pattern != "unstructured" && pattern != "block" && pattern != "nm") {
      module.emitError() << "autoglm-prune-magnitude: pattern '" << pattern
                         << "' is not unstructured, block or nm";
      return signalPassFailure();
    }
    if (pattern != "nm" && (ratio < 0 || ratio >= 1)) {
      module.emitError() << "autoglm-prune-magnitude: ratio " << formatRatio(ratio)
                         << " is not in [0, 1)";
      return signalPassFailure();
    }
    if (pattern == "nm" && (n < 1 || m < 2 || n >= m)) {
      module.emitError() << "autoglm-prune-magnitude: N:M needs 1 <= N < M, got " << (int64_t)n
                         << ":" << (int64_t)m;
      return signalPassFailure();
    }
    if (pattern == "block" && (blockRows < 1 || blockCols < 1)) {
      module.emitError() << "autoglm-prune-magnitude: a block needs positive extents";
      return signalPassFailure();
    }

    std::vector<Layer> layers;
    module.walk([&](Operation *op) {
      auto view = prunableWeight(op);
      if (!view || fromNodeIn(op, exclude))
        return;
      Layer l;
      l.op = op;
      l.view = *view;
      l.w = *constantF32(op->getOperand(1));
      if (!units(l))
        return;
      layers.push_back(std::move(l));
    });

    // The units to zero: per layer (or one threshold over all layers) the
    // lowest-scored `ratio`; for N:M, the M - N lowest of every run.
    if (pattern == "nm") {
      for (Layer &l : layers)
        for (size_t u = 0; u < l.score.size(); ++u) {
          SmallVector<int64_t> run = l.indices(u);
          std::sort(run.begin(), run.end(), [&](int64_t a, int64_t b) {
            return std::fabs(l.w[a]) < std::fabs(l.w[b]) ||
                   (std::fabs(l.w[a]) == std::fabs(l.w[b]) && a < b);
          });
          for (int64_t i = 0; i < m - n; ++i)
            l.w[run[i]] = 0.0f;
        }
    } else if (global) {
      std::vector<std::pair<double, std::pair<size_t, size_t>>> all;
      for (auto [li, l] : llvm::enumerate(layers))
        for (size_t u = 0; u < l.score.size(); ++u)
          all.push_back({l.score[u], {li, u}});
      size_t cut = (size_t)std::floor(ratio * (double)all.size());
      std::stable_sort(all.begin(), all.end(), [](auto &a, auto &b) { return a.first < b.first; });
      for (size_t i = 0; i < cut; ++i)
        zero(layers[all[i].second.first], all[i].second.second);
    } else {
      for (Layer &l : layers) {
        std::vector<size_t> order(l.score.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return l.score[a] < l.score[b]; });
        size_t cut = (size_t)std::floor(ratio * (double)order.size());
        for (size_t i = 0; i < cut; ++i)
          zero(l, order[i]);
      }
    }

    Builder b(&getContext());
    for (Layer &l : layers) {
      Value old = l.op->getOperand(1);
      auto type = cast<RankedTensorType>(old.getType());
      OpBuilder ob(l.op);
      Value c = replacementConstant(ob, old, type.getShape(), l.w, ".sparse");
      l.op->setOperand(1, c);
      l.op->setAttr("autoglm.sparsity", b.getStringAttr(patternName()));
      int64_t zeros = llvm::count(l.w, 0.0f);
      NamedAttrList entry;
      entry.set("kind", b.getStringAttr(patternName()));
      entry.set("node", b.getStringAttr(layerName(l.op)));
      entry.set("weights", b.getI64IntegerAttr((int64_t)l.w.size()));
      entry.set("zeros", b.getI64IntegerAttr(zeros));
      appendPruneReport(module, entry.getDictionary(&getContext()));
    }
    module.walk([](ConstantOp c) {
      if (c->use_empty())
        c->erase();
    });
    recordCount(module, "pruned_sparse_layers", (int64_t)layers.size());
  }

  void zero(Layer &l, size_t unit) {
    for (int64_t i : l.indices(unit))
      l.w[i] = 0.0f;
  }

  /// Splits the layer into its units; false (with a remark) when the
  /// pattern does not tile it.
  bool units(Layer &l) {
    const WeightView &v = l.view;
    if (pattern == "block")
      l.bh = blockRows, l.bw = blockCols;
    if (pattern == "nm")
      l.bw = m;
    if (v.rows % l.bh || v.cols % l.bw) {
      emitRemark(l.op->getLoc()) << "autoglm-prune-magnitude: '" << layerName(l.op)
                                 << "' left dense: its " << v.rows << "x" << v.cols
                                 << " weight is not tiled by " << patternName();
      return false;
    }
    size_t count = (size_t)(v.rows / l.bh * (v.cols / l.bw));
    l.score.resize(count);
    for (size_t u = 0; u < count; ++u) {
      double sum = 0;
      for (int64_t i : l.indices(u))
        sum += std::fabs(l.w[i]);
      l.score[u] = sum / (double)(l.bh * l.bw);
    }
    return true;
  }
};

} // namespace
